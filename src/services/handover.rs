//! The handover itself (seed step 7, 清晰交接): the ambassador's checklist, the buyer's
//! confirmation that makes the unit handed over, the summaries both keep, and the welcome.

use super::defects::{Found, InspectTarget};
use super::tell::{Cause, Chat, Message};
use super::{ServiceError, ServiceResult, Services};
use crate::domain::aftercare::{HandoverDraft, MeterReading};
use crate::domain::authz;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Buyer, Lang, StaffMember};
use crate::domain::signature::Signer;
use crate::i18n::escape_html;
use crate::present::{self, Label};
use crate::present::{Dates as _, Times as _};
use crate::store::Tx;
use crate::store::aftercare::{Handover, HandoverStatus};
use crate::store::assignment::Household;
use crate::store::defects::Defect;
use chrono::{DateTime, Utc};
use tracing::instrument;

/// Where `/handover` can start.
#[derive(Debug, Clone, PartialEq)]
pub enum Begin {
    /// Ready: the household and its defects still open (listed for the buyer to accept).
    Ready {
        household: Household,
        open_defects: Vec<Defect>,
        /// A record already waits for the buyer; a new one replaces it.
        replaces: bool,
    },
    Choose(Vec<Household>),
    NotFound,
    /// The buyer already confirmed, at this time.
    Done(Household, DateTime<Utc>),
}

/// A handover record saved; what the ambassador is told about it is queued with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    pub id: i64,
}

/// A welcome card drawn and stored for the buyer in `chat`.
struct DrawnCard {
    chat: i64,
    stored: crate::media::StoredFile,
    len: i64,
}

/// The buyer's answer to "have you received your home?".
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmation {
    Confirmed,
    /// Someone (maybe a co-owner) confirmed before.
    AlreadyConfirmed,
    /// This buyer's record, replaced by a newer one (the checklist was done again).
    Replaced,
    /// Not this buyer's home.
    Stale,
    /// The home is received by signing the record in the Mini App, not by the button.
    SignatureNeeded,
}

/// A signature drawn and stored in the media store, to keep with what it signs.
pub(crate) struct DrawnSignature {
    pub stored: crate::media::StoredFile,
    pub len: i64,
    /// The strokes as JSON.
    pub strokes: String,
    pub auth_date: DateTime<Utc>,
}

impl DrawnSignature {
    /// Indexes the image and keeps the signature on record `handover_id`; false when the
    /// record has this signer's signature already.
    pub(crate) async fn keep(
        &self,
        tx: &mut Tx,
        handover_id: i64,
        signer: Signer,
        signer_id: i64,
        now: DateTime<Utc>,
    ) -> ServiceResult<bool> {
        tx.record_media(
            &self.stored.sha256,
            None,
            &self.stored.path,
            "image/png",
            self.len,
            now,
        )
        .await?;
        Ok(tx
            .insert_signature(crate::store::signatures::NewSignature {
                handover_id,
                signer,
                signer_id,
                sha256: &self.stored.sha256,
                strokes: &self.strokes,
                auth_date: self.auth_date,
                signed_at: now,
            })
            .await?)
    }
}

/// A checklist item as shown: a built-in one in the reader's language, any other as written.
pub fn item_name(i18n: &crate::i18n::I18n, lang: Lang, list: &str, item: &str) -> String {
    // The built-in items (the default checklist); any other item is shown as written.
    // locale keys: key-entrance-door, key-mailbox, key-access-card, meter-water, meter-electricity, meter-gas, document-quality-guarantee, document-usage-manual
    let key = format!("{list}-{}", item.replace('_', "-"));
    if i18n.has(lang, &key) {
        i18n.text(lang, &key, &[])
    } else {
        escape_html(item).into_owned()
    }
}

impl Services {
    async fn open_defects(tx: &mut Tx, unit_id: i64) -> ServiceResult<Vec<Defect>> {
        Ok(tx
            .defects_of_unit(unit_id, None)
            .await?
            .into_iter()
            .filter(|d| d.status.is_unresolved())
            .collect())
    }

    /// `/handover <unit>`: checks the home may be handed over by this person, now.
    #[instrument(skip_all)]
    pub async fn begin_handover(
        &self,
        actor: &Actor,
        target: InspectTarget<'_>,
    ) -> ServiceResult<Begin> {
        let Actor::Staff(_) = actor else {
            return Err(ServiceError::Forbidden);
        };
        if !authz::can_inspect(actor) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.store.read().await?;
        let found = match target {
            InspectTarget::Text(text) => self.find_household(&mut tx, actor, text).await?,
            InspectTarget::Unit(unit) => match tx.household(unit).await? {
                Some(h) => Found::One(h),
                None => Found::NotFound,
            },
        };
        let household = match found {
            Found::One(h) if authz::may_hand_over(actor, h.home()) => h,
            Found::Choose(list) => {
                let list: Vec<Household> = list
                    .into_iter()
                    .filter(|h| authz::may_hand_over(actor, h.home()))
                    .collect();
                return Ok(match list.len() {
                    0 => Begin::NotFound,
                    _ => Begin::Choose(list),
                });
            }
            _ => return Ok(Begin::NotFound),
        };
        let unit = household.unit.unit_id;
        if let Some(at) = tx.handed_over_at(unit).await? {
            return Ok(Begin::Done(household, at));
        }
        let replaces = tx
            .current_handover(unit)
            .await?
            .is_some_and(|h| h.status == HandoverStatus::AwaitingBuyer);
        let open_defects = Self::open_defects(&mut tx, unit).await?;
        tx.commit().await?;
        Ok(Begin::Ready {
            household,
            open_defects,
            replaces,
        })
    }

    /// The home's defects that stay open after the handover, as the record the buyer is asked
    /// to accept lists them (for the ambassador's review before sending). Empty for a home
    /// this person may not hand over.
    #[instrument(skip_all)]
    pub async fn defects_staying_open(
        &self,
        actor: &Actor,
        unit_id: i64,
    ) -> ServiceResult<Vec<Defect>> {
        let mut tx = self.store.read().await?;
        let open = match tx.household(unit_id).await? {
            Some(household) if authz::may_hand_over(actor, household.home()) => {
                Self::open_defects(&mut tx, unit_id).await?
            }
            _ => Vec::new(),
        };
        tx.commit().await?;
        Ok(open)
    }

    /// Records the checklist and asks the home's buyers to confirm they received it. The unit
    /// is not handed over until one of them does. `None` when the actor may not, or the home
    /// was handed over meanwhile.
    #[instrument(skip_all)]
    pub async fn submit_handover(
        &self,
        actor: &Actor,
        unit_id: i64,
        draft: &HandoverDraft,
    ) -> ServiceResult<Option<Submitted>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(None);
        }
        // Before reading whether the home is handed over: a confirmation in flight finishes
        // first, and this record is refused; or this one goes first, and the confirmation
        // finds its record replaced.
        tx.lock_unit_handover(unit_id).await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        if !authz::may_hand_over(actor, household.home())
            || tx.handed_over_at(unit_id).await?.is_some()
        {
            return Ok(None);
        }
        let open = Self::open_defects(&mut tx, unit_id).await?;
        let open_ids: Vec<i64> = open.iter().map(|d| d.id).collect();
        let id = tx
            .insert_handover(
                unit_id,
                me.id,
                &draft.keys,
                &draft.documents,
                &open_ids,
                &draft.meters,
                &draft.meters_absent,
                now,
            )
            .await?;
        let Some(handover) = tx.handover(id).await? else {
            return Ok(None);
        };
        // With signatures required, the buyers get the record once the ambassador has signed it.
        let asked = if self.signatures_required() {
            0
        } else {
            let buyers = tx.buyers_of_unit(unit_id).await?;
            self.ask_to_confirm(&mut tx, &buyers, &handover, &household, me, &open)
                .await?
        };
        let sign_url = self.sign_url(id);
        // The ambassador's answer is queued with the record: an instance that dies right after
        // the commit cannot take it along (the press is taken, and is not handled again).
        let answer = Message::new(
            Cause::per_chat(format!("handover-submitted:{id}")),
            |lang, _| self.submitted_answer(lang, &household, asked, sign_url.as_deref()),
        );
        self.tell(&mut tx, std::iter::once(me), answer).await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "handover.submit",
            &format!("unit:{unit_id}"),
            serde_json::json!({"handover": id, "replaces": handover.replaces, "open_defects": open_ids, "buyers_asked": asked}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(Submitted { id }))
    }

    /// What the ambassador is told once the record is saved: how many buyers it went to, or,
    /// with the Mini App on, the page where they sign it (the buyers then get it, where
    /// signatures are required).
    fn submitted_answer(
        &self,
        lang: Lang,
        household: &Household,
        asked: usize,
        sign_url: Option<&str>,
    ) -> Content {
        let home = household.unit.short();
        let Some(url) = sign_url else {
            return Content::text(if asked > 0 {
                crate::tr!(self.i18n, lang, "handover-sent", home = home, count = asked)
            } else {
                crate::tr!(self.i18n, lang, "handover-sent-nobody", home = home)
            });
        };
        let html = if self.signatures_required() {
            crate::tr!(self.i18n, lang, "handover-saved-sign", home = home)
        } else {
            crate::tr!(
                self.i18n,
                lang,
                "handover-sent-sign",
                home = home,
                count = asked
            )
        };
        Content::Text {
            html,
            buttons: vec![vec![Button::page(
                crate::tr!(self.i18n, lang, "button-handover-sign-send"),
                url.to_string(),
            )]],
        }
    }

    /// The meter photos, then the record with "I have received my home" / "something's wrong",
    /// to each of `buyers`; returns how many were asked. The buyers are with their ambassador,
    /// waiting for it, so it goes ahead of queued notifications.
    pub(super) async fn ask_to_confirm(
        &self,
        tx: &mut Tx,
        buyers: &[Buyer],
        handover: &Handover,
        household: &Household,
        ambassador: &StaffMember,
        open: &[Defect],
    ) -> ServiceResult<usize> {
        let paths: Vec<String> = handover.meters.iter().map(|(_, p)| p.clone()).collect();
        let count = paths.len();
        if let Some(photos) = Message::photos(
            Cause::per_chat(format!("handover-photos:{}", handover.id)),
            paths,
            |lang, _| {
                Some(crate::tr!(
                    self.i18n,
                    lang,
                    "handover-meter-photos",
                    count = count
                ))
            },
        ) {
            self.tell(tx, buyers, photos.waited_for()).await?;
        }
        let asked = self
            .tell(
                tx,
                buyers,
                Message::new(
                    Cause::per_chat(format!("handover:{}", handover.id)),
                    |lang, _| {
                        self.confirm_request(lang, handover, household, &ambassador.name, open)
                    },
                )
                .waited_for(),
            )
            .await?;
        Ok(asked.len())
    }

    /// The record with "I have received my home" / "something's not right".
    fn confirm_request(
        &self,
        lang: Lang,
        handover: &Handover,
        household: &Household,
        ambassador: &str,
        open: &[Defect],
    ) -> Content {
        let i18n = &self.i18n;
        let html = present::paragraphs(
            i18n,
            lang,
            [
                crate::tr!(
                    i18n,
                    lang,
                    "handover-confirm-ask",
                    home = household.unit.short(),
                    ambassador = ambassador
                ),
                self.handover_lines(lang, handover, open),
                match (open.is_empty(), self.signatures_required()) {
                    (true, false) => crate::tr!(i18n, lang, "handover-confirm-how"),
                    (true, true) => crate::tr!(i18n, lang, "handover-confirm-how-sign"),
                    (false, false) => {
                        crate::tr!(i18n, lang, "handover-confirm-how-open", count = open.len())
                    }
                    (false, true) => crate::tr!(
                        i18n,
                        lang,
                        "handover-confirm-how-open-sign",
                        count = open.len()
                    ),
                },
            ],
        );
        Content::Text {
            html,
            buttons: [
                self.sign_url(handover.id).map(|url| {
                    vec![Button::page(
                        crate::tr!(i18n, lang, "button-handover-sign-receive"),
                        url,
                    )]
                }),
                (!self.signatures_required()).then(|| {
                    vec![Button::press(
                        crate::tr!(i18n, lang, "button-handover-received"),
                        format!("1:hc:{}", handover.id),
                    )]
                }),
                Some(vec![Button::press(
                    crate::tr!(i18n, lang, "button-handover-issue"),
                    format!("1:hi:{}", handover.id),
                )]),
            ]
            .into_iter()
            .flatten()
            .collect(),
        }
    }

    /// Keys, meters, documents and (once known) the defects that stay open, one per line.
    pub fn record_lines(
        &self,
        lang: Lang,
        keys: &[(String, u32)],
        meters: &[MeterReading],
        meters_absent: &[String],
        documents: &[String],
        open: Option<&[Defect]>,
    ) -> String {
        let i18n = &self.i18n;
        let html = crate::i18n::Arg::Html;
        let separator = crate::tr!(i18n, lang, "list-separator");
        let mut lines = Vec::new();
        let keys = keys
            .iter()
            .map(|(kind, n)| {
                present::count_of(i18n, lang, &item_name(i18n, lang, "key", kind), *n as usize)
            })
            .collect::<Vec<_>>()
            .join(&separator);
        lines.push(crate::tr!(
            i18n,
            lang,
            "handover-line-keys",
            keys = html(keys)
        ));
        for reading in meters {
            lines.push(crate::tr!(
                i18n,
                lang,
                "handover-line-meter",
                meter = html(item_name(i18n, lang, "meter", &reading.meter)),
                reading = reading.reading.as_str()
            ));
        }
        for absent in meters_absent {
            lines.push(crate::tr!(
                i18n,
                lang,
                "handover-line-meter-absent",
                meter = html(item_name(i18n, lang, "meter", absent))
            ));
        }
        let documents = if documents.is_empty() {
            crate::tr!(i18n, lang, "handover-none")
        } else {
            documents
                .iter()
                .map(|d| item_name(i18n, lang, "document", d))
                .collect::<Vec<_>>()
                .join(&separator)
        };
        lines.push(crate::tr!(
            i18n,
            lang,
            "handover-line-documents",
            documents = html(documents)
        ));
        match open {
            None => {}
            Some([]) => lines.push(crate::tr!(i18n, lang, "handover-line-no-defects")),
            Some(open) => {
                lines.push(crate::tr!(
                    i18n,
                    lang,
                    "handover-line-defects",
                    count = open.len()
                ));
                for defect in open {
                    let mut line = present::parts(
                        i18n,
                        lang,
                        [
                            defect.room.label(i18n, lang),
                            defect.category.label(i18n, lang),
                        ],
                    );
                    if !defect.note.is_empty() {
                        line = present::with_detail(i18n, lang, &line, &escape_html(&defect.note));
                    }
                    lines.push(present::sub_item(i18n, lang, &line));
                }
            }
        }
        lines.join("\n")
    }

    /// The record of a stored handover.
    fn handover_lines(&self, lang: Lang, handover: &Handover, open: &[Defect]) -> String {
        let meters: Vec<MeterReading> = handover.meters.iter().map(|(m, _)| m.clone()).collect();
        self.record_lines(
            lang,
            &handover.keys,
            &meters,
            &handover.meters_absent,
            &handover.documents,
            Some(open),
        )
    }

    /// The buyer says they received their home: the unit is handed over, both sides get the
    /// record, the buyer a welcome, and the follow-up cadence starts.
    #[instrument(skip_all)]
    pub async fn confirm_handover(
        &self,
        actor: &Actor,
        handover_id: i64,
    ) -> ServiceResult<Confirmation> {
        self.receive_home(actor, handover_id, None).await
    }

    /// The Mini App is on: records have a page where they are signed.
    pub fn sign_url(&self, handover_id: i64) -> Option<String> {
        let base = self.config.public_url.as_ref()?;
        let mut url = base.join("app/sign").ok()?;
        url.query_pairs_mut()
            .append_pair("record", &handover_id.to_string());
        Some(url.to_string())
    }

    /// The record is signed before it is received: the ambassador's signature before it goes
    /// to the buyers, a buyer's to receive the home.
    pub fn signatures_required(&self) -> bool {
        self.config.public_url.is_some()
            && self.config.signature == crate::config::SignatureRule::Required
    }

    /// The buyer receives their home, by the button or by signing (`signed`).
    pub(super) async fn receive_home(
        &self,
        actor: &Actor,
        handover_id: i64,
        signed: Option<&DrawnSignature>,
    ) -> ServiceResult<Confirmation> {
        let Actor::Buyer(homes) = actor else {
            return Ok(Confirmation::Stale);
        };
        let now = self.clock.now();
        // Drawn before the write transaction, off the async runtime: drawing takes a while, and
        // on SQLite the write transaction holds the database's one write lock.
        let card = self.draw_welcome_card(homes, handover_id, now).await?;
        let mut tx = self.store.begin().await?;
        let Some(unit_id) = tx.handover(handover_id).await?.map(|h| h.unit_id) else {
            return Ok(Confirmation::Stale);
        };
        // Takes turns with a record being sent for the same home (see `submit_handover`); the
        // record is read again once it is this confirmation's turn.
        tx.lock_unit_handover(unit_id).await?;
        let Some(handover) = tx.handover(handover_id).await? else {
            return Ok(Confirmation::Stale);
        };
        let Some(buyer) = homes.iter().find(|h| h.unit.unit_id == handover.unit_id) else {
            return Ok(Confirmation::Stale);
        };
        match handover.status {
            HandoverStatus::Confirmed => return Ok(Confirmation::AlreadyConfirmed),
            HandoverStatus::Withdrawn => return Ok(Confirmation::Replaced),
            HandoverStatus::AwaitingBuyer => {}
        }
        if signed.is_none() && self.signatures_required() {
            return Ok(Confirmation::SignatureNeeded);
        }
        if !tx.confirm_handover(handover_id, buyer.id, now).await? {
            return Ok(Confirmation::AlreadyConfirmed);
        }
        if let Some(signed) = signed {
            signed
                .keep(&mut tx, handover_id, Signer::Buyer, buyer.id, now)
                .await?;
        }
        let Some(household) = tx.household(handover.unit_id).await? else {
            return Ok(Confirmation::Stale);
        };
        let ambassador = tx.staff_by_id(handover.staff_id).await?;
        let open: Vec<Defect> = {
            let mut open = Vec::new();
            for id in &handover.open_defects {
                if let Some(d) = tx.defect(*id).await? {
                    open.push(d);
                }
            }
            open
        };
        self.keep_record(
            &mut tx,
            &handover,
            &household,
            buyer,
            ambassador.as_ref(),
            &open,
            now,
        )
        .await?;
        self.schedule_follow_ups(&mut tx, handover.unit_id, now)
            .await?;
        let tz = self.config.timezone;
        let time = now.with_timezone(&tz).present_date_time();
        let ambassador_name = ambassador
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_default();
        // The record, to every linked buyer of the home and to the ambassador, who is with the
        // buyer waiting to see it confirmed.
        let co_owners = tx.buyers_of_unit(handover.unit_id).await?;
        let chats: Vec<Chat> = co_owners
            .iter()
            .filter_map(Chat::of)
            .chain(ambassador.as_ref().and_then(Chat::of))
            .collect();
        self.tell(
            &mut tx,
            &chats,
            Message::text(
                Cause::per_chat(format!("handover-record:{handover_id}")),
                |lang, _| {
                    let record = crate::tr!(
                        self.i18n,
                        lang,
                        "handover-record",
                        home = household.unit.short(),
                        buyer = buyer.name.as_str(),
                        time = time.as_str(),
                        ambassador = ambassador_name.as_str()
                    );
                    let lines = self.handover_lines(lang, &handover, &open);
                    present::paragraphs(&self.i18n, lang, [record, lines])
                },
            )
            .waited_for(),
        )
        .await?;
        // The welcome, to the buyer who confirmed.
        if let Some(chat) = buyer.telegram_id
            && let Some(me) = chats.iter().find(|c| c.id == chat)
        {
            self.tell(
                &mut tx,
                [me],
                Message::text(
                    Cause::per_chat(format!("welcome-home:{handover_id}")),
                    |lang, _| {
                        crate::tr!(
                            self.i18n,
                            lang,
                            "handover-welcome",
                            name = buyer.name.as_str(),
                            home = household.unit.short(),
                            ambassador = ambassador_name.as_str()
                        )
                    },
                ),
            )
            .await?;
            if let Some(card) = card.as_ref().filter(|card| card.chat == chat) {
                tx.record_media(
                    &card.stored.sha256,
                    None,
                    &card.stored.path,
                    "image/png",
                    card.len,
                    now,
                )
                .await?;
                self.tell(
                    &mut tx,
                    [me],
                    Message::new(
                        Cause::per_chat(format!("welcome-card:{handover_id}")),
                        |_, _| Content::Photo {
                            path: card.stored.path.clone(),
                            caption_html: None,
                            buttons: Vec::new(),
                        },
                    ),
                )
                .await?;
            }
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "handover.confirm",
            &format!("unit:{}", handover.unit_id),
            serde_json::json!({"handover": handover_id, "buyer": buyer.id, "signed": signed.is_some()}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        self.scheduler_waker.wake();
        Ok(Confirmation::Confirmed)
    }

    /// The generated "welcome home" card for the buyer confirming record `handover_id`,
    /// stored in the media store (recorded in the database with the confirmation). `None` when
    /// the record no longer waits for them, the buyer has no chat, or the card cannot be drawn
    /// (with a warning in the log, since the card is a nicety).
    async fn draw_welcome_card(
        &self,
        homes: &[crate::domain::people::Buyer],
        handover_id: i64,
        now: DateTime<Utc>,
    ) -> ServiceResult<Option<DrawnCard>> {
        let mut tx = self.store.read().await?;
        let Some(handover) = tx.handover(handover_id).await? else {
            return Ok(None);
        };
        let Some(buyer) = homes.iter().find(|h| h.unit.unit_id == handover.unit_id) else {
            return Ok(None);
        };
        let (HandoverStatus::AwaitingBuyer, Some(chat)) = (handover.status, buyer.telegram_id)
        else {
            return Ok(None);
        };
        let Some(household) = tx.household(handover.unit_id).await? else {
            return Ok(None);
        };
        let ambassador = tx
            .staff_by_id(handover.staff_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let lang = self.recipient_lang(&mut tx, chat, buyer.language).await?;
        tx.commit().await?;
        let i18n = &self.i18n;
        let headline = crate::i18n::plain_text(&crate::tr!(i18n, lang, "card-headline"));
        let ambassador = crate::i18n::plain_text(&crate::tr!(
            i18n,
            lang,
            "card-ambassador",
            name = ambassador.as_str()
        ));
        let footer = crate::i18n::plain_text(&crate::tr!(i18n, lang, "card-footer"));
        let unit = household.unit.short();
        let name = buyer.name.clone();
        let date = now.with_timezone(&self.config.timezone).present_date();
        let font = crate::render::card::FontSource::choose(self.config.font.as_deref());
        let drawn = tokio::task::spawn_blocking(move || {
            let card = crate::render::card::HandoverCard {
                headline: &headline,
                buyer: &name,
                unit: &unit,
                date: &date,
                ambassador: &ambassador,
                footer: &footer,
            };
            crate::render::card::render_handover_card(&font, &card)
        })
        .await
        .map_err(|e| crate::store::StoreError::Corrupt(format!("drawing the welcome card: {e}")))?;
        match drawn {
            Ok(png) => {
                let stored = self.media.put(&png, "png").await?;
                Ok(Some(DrawnCard {
                    chat,
                    stored,
                    len: png.len() as i64,
                }))
            }
            Err(error) => {
                tracing::warn!(%error, "the welcome card could not be drawn; left out");
                Ok(None)
            }
        }
    }

    /// "Something's not right" about a handover record: the buyer's words go to the
    /// ambassador; the record keeps waiting. False when the record is not this buyer's.
    #[instrument(skip_all)]
    pub async fn handover_issue(
        &self,
        actor: &Actor,
        handover_id: i64,
        text: &str,
    ) -> ServiceResult<bool> {
        let Actor::Buyer(homes) = actor else {
            return Ok(false);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(false);
        }
        let Some(handover) = tx.handover(handover_id).await? else {
            return Ok(false);
        };
        let Some(buyer) = homes.iter().find(|h| h.unit.unit_id == handover.unit_id) else {
            return Ok(false);
        };
        if handover.status != HandoverStatus::AwaitingBuyer {
            return Ok(false);
        }
        let mut recipients: Vec<StaffMember> = tx
            .staff_by_id(handover.staff_id)
            .await?
            .into_iter()
            .collect();
        if recipients.iter().all(|s| s.telegram_id.is_none()) {
            recipients = super::supervisors(&mut tx).await?;
        }
        let cause = self.update_cause("handover-issue", || {
            Cause::per_chat(format!("handover-issue:{handover_id}"))
                .then(format!(":{}", super::text_key(text)))
        });
        self.tell(
            &mut tx,
            recipients,
            Message::new(cause, |lang, _| {
                let html = crate::tr!(
                    self.i18n,
                    lang,
                    "handover-issue-to-ambassador",
                    home = buyer.unit.short(),
                    buyer = buyer.name.as_str(),
                    text = text
                );
                Content::Text {
                    html,
                    buttons: self.reply_button(lang, handover.unit_id),
                }
            }),
        )
        .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "handover.issue",
            &format!("unit:{}", handover.unit_id),
            serde_json::json!({"handover": handover_id}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// Whether `handover_id` is a record of one of this buyer's homes that a newer record has
    /// replaced.
    #[instrument(skip_all)]
    pub async fn is_replaced_handover(
        &self,
        actor: &Actor,
        handover_id: i64,
    ) -> ServiceResult<bool> {
        let Actor::Buyer(homes) = actor else {
            return Ok(false);
        };
        let mut tx = self.store.read().await?;
        let handover = tx.handover(handover_id).await?;
        tx.commit().await?;
        Ok(handover.is_some_and(|h| {
            h.status == HandoverStatus::Withdrawn
                && homes.iter().any(|home| home.unit.unit_id == h.unit_id)
        }))
    }

    /// Records of a buyer's homes still waiting for their confirmation, rendered again (for
    /// /myhome, so a lost or scrolled-away request can be answered).
    #[instrument(skip_all)]
    pub async fn pending_handovers(
        &self,
        actor: &Actor,
        lang: Lang,
    ) -> ServiceResult<Vec<(i64, Content)>> {
        let Actor::Buyer(homes) = actor else {
            return Ok(Vec::new());
        };
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for home in homes {
            let Some(handover) = tx.current_handover(home.unit.unit_id).await? else {
                continue;
            };
            if handover.status != HandoverStatus::AwaitingBuyer {
                continue;
            }
            // With signatures required, the buyers see a record once the ambassador signed it.
            if self.signatures_required()
                && !tx
                    .signatures(handover.id)
                    .await?
                    .iter()
                    .any(|s| s.signer == crate::domain::signature::Signer::Ambassador)
            {
                continue;
            }
            let (Some(household), Some(ambassador)) = (
                tx.household(home.unit.unit_id).await?,
                tx.staff_by_id(handover.staff_id).await?,
            ) else {
                continue;
            };
            let mut open = Vec::new();
            for id in &handover.open_defects {
                if let Some(d) = tx.defect(*id).await? {
                    open.push(d);
                }
            }
            out.push((
                handover.id,
                self.confirm_request(lang, &handover, &household, &ambassador.name, &open),
            ));
        }
        tx.commit().await?;
        Ok(out)
    }
}
