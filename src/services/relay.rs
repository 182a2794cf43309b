//! Buyers and their ambassador talking through the bot: a buyer's message goes to their
//! ambassador (before one is assigned, to the supervisors) with a Reply button; the reply goes
//! to the household's buyers. Both directions go through the outbox, and the audit log keeps
//! every message, so nothing a person wrote is lost.

use super::tell::{Cause, Message};
use super::{ServiceError, ServiceResult, Services};
use crate::domain::authz;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Buyer, Lang, StaffMember};
use crate::store::Tx;
use crate::store::uploads::RelayedMedia;
use std::collections::BTreeMap;
use tracing::instrument;

/// Who a buyer's message went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relayed {
    /// Their ambassador(s), by name.
    Ambassadors(Vec<String>),
    /// No ambassador yet: the supervisors got it.
    Supervisors,
    /// Nobody can read it on Telegram yet; it is kept in the audit log.
    Kept,
}

impl Services {
    /// A buyer wrote free text: it goes to whoever looks after their home(s).
    #[instrument(skip_all)]
    pub async fn message_from_buyer(&self, actor: &Actor, text: &str) -> ServiceResult<Relayed> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let Some(first) = homes.first() else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(Relayed::Kept);
        }
        let kept = tx
            .audit(
                now,
                &actor.audit_name(),
                "buyer.message",
                &format!("unit:{}", first.unit.unit_id),
                serde_json::json!({ "text": text }),
            )
            .await?;
        let (recipients, relayed) = relay_recipients(&mut tx, homes, first.unit.unit_id).await?;
        let suggestion = self
            .suggested_answer(&mut tx, first.unit.unit_id, text)
            .await?;
        let cause = self.update_cause("relay", || {
            Cause::per_chat("relay").then(format!(
                ":{}:{}",
                first.unit.unit_id,
                super::text_key(text)
            ))
        });
        let told = self
            .tell(
                &mut tx,
                recipients.values(),
                Message::new(cause, |lang, &&(_, unit_id): &&(StaffMember, i64)| {
                    let html = crate::tr!(
                        self.i18n,
                        lang,
                        "relay-from-buyer",
                        unit = home_label(homes, unit_id),
                        buyer = first.name.as_str(),
                        text = text
                    );
                    let mut buttons = self.reply_button(lang, unit_id);
                    buttons[0].push(Button::press(
                        crate::tr!(self.i18n, lang, "button-consult"),
                        format!("1:cq:{kept}"),
                    ));
                    let html = match &suggestion {
                        Some(answer) => {
                            buttons.push(vec![Button::press(
                                crate::tr!(self.i18n, lang, "button-send-answer"),
                                format!("1:anssend:{unit_id}:{}", answer.id),
                            )]);
                            // The buyer gets the whole answer; the copy shows what fits in
                            // one message with the buyer's words.
                            let room = crate::domain::text::MAX_MESSAGE_CHARS.saturating_sub(
                                crate::domain::text::visible_len(&html)
                                    + answer.question.chars().count()
                                    + 100,
                            );
                            let suggested = crate::tr!(
                                self.i18n,
                                lang,
                                "relay-suggested-answer",
                                question = answer.question.as_str(),
                                text = crate::domain::text::clip(answer.text(lang), room)
                            );
                            format!("{html}\n\n{suggested}")
                        }
                        None => html,
                    };
                    Content::Text { html, buttons }
                }),
            )
            .await?;
        let delivered = !told.is_empty();
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(if delivered { relayed } else { Relayed::Kept })
    }

    /// An ambassador (or supervisor) answers a household: the text goes to its linked buyers.
    /// Returns how many buyers it went to; `None` when the actor may not write to them.
    #[instrument(skip_all)]
    pub async fn reply_to_household(
        &self,
        actor: &Actor,
        unit_id: i64,
        text: &str,
    ) -> ServiceResult<Option<usize>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(None);
        }
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        if !(authz::looks_after(me, household.home())) {
            return Ok(None);
        }
        let cause = self.update_cause("reply", || {
            Cause::per_chat("reply").then(format!(":{unit_id}:{}", super::text_key(text)))
        });
        let sent = self
            .write_to_household(
                &mut tx,
                me,
                unit_id,
                cause,
                serde_json::json!({ "text": text }),
                |_| text.to_string(),
            )
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(sent))
    }

    /// Staff member `me` writes to the buyers of household `unit_id` (a reply, an approved
    /// answer, an expert's answer): kept in the audit log with `details`, told to each buyer
    /// in their language under `me`'s name. How many buyers it went to.
    pub(crate) async fn write_to_household(
        &self,
        tx: &mut Tx,
        me: &StaffMember,
        unit_id: i64,
        cause: Cause,
        details: serde_json::Value,
        text: impl Fn(Lang) -> String,
    ) -> ServiceResult<usize> {
        tx.audit(
            self.clock.now(),
            &format!("staff:{}", me.id),
            "staff.reply",
            &format!("unit:{unit_id}"),
            details,
        )
        .await?;
        let buyers = tx.buyers_of_unit(unit_id).await?;
        let told = self
            .tell(
                tx,
                buyers,
                Message::text(cause, |lang, _| {
                    crate::tr!(
                        self.i18n,
                        lang,
                        "relay-from-staff",
                        name = me.name.as_str(),
                        text = text(lang)
                    )
                }),
            )
            .await?;
        Ok(told.len())
    }

    /// The Reply button under a buyer's message, for answering household `unit_id`.
    pub(crate) fn reply_button(&self, lang: Lang, unit_id: i64) -> Vec<Vec<Button>> {
        vec![vec![Button::press(
            crate::tr!(self.i18n, lang, "button-reply"),
            format!("1:rep:{unit_id}"),
        )]]
    }

    pub(crate) async fn staff_lang(&self, tx: &mut Tx, staff: &StaffMember) -> ServiceResult<Lang> {
        match staff.telegram_id {
            Some(chat) => self.recipient_lang(tx, chat, staff.language).await,
            None => Ok(staff.language.unwrap_or(self.config.default_language)),
        }
    }

    /// The language to write to a chat in: the person's own choice (/language), else the one
    /// on their record, else the project default.
    pub(crate) async fn recipient_lang(
        &self,
        tx: &mut Tx,
        chat: i64,
        record: Option<Lang>,
    ) -> ServiceResult<Lang> {
        let chosen: Option<Lang> = tx.chosen_language(chat).await?.and_then(|l| l.parse().ok());
        Ok(chosen.or(record).unwrap_or(self.config.default_language))
    }
}

/// A photo, voice note or file a buyer sent outside any flow, already in the media store.
#[derive(Debug, Clone, Copy)]
pub struct BuyerMedia<'a> {
    /// The buyer's Telegram message, so the same message is relayed once.
    pub message_id: i64,
    /// `photo`, `voice` or `document`.
    pub kind: &'a str,
    pub sha256: &'a str,
    /// The name the ambassador's copy of a file carries.
    pub file_name: &'a str,
    pub caption: &'a str,
}

/// The longest caption relayed (Telegram's captions stop at 1,024 characters, the header
/// included).
const MAX_RELAYED_CAPTION: usize = 900;

impl Services {
    /// A buyer sent a photo, voice note or file outside any flow: like their text, it goes to
    /// whoever looks after their home (their ambassador, else the supervisors), a copy of the
    /// stored file with a Reply button, through the outbox. Returns who got it and the id of
    /// the kept message (for "report this as a problem").
    #[instrument(skip_all)]
    pub async fn media_from_buyer(
        &self,
        actor: &Actor,
        telegram_id: i64,
        media: BuyerMedia<'_>,
    ) -> ServiceResult<(Relayed, Option<i64>)> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let Some(first) = homes.first() else {
            return Err(ServiceError::Forbidden);
        };
        let caption: String = media
            .caption
            .trim()
            .chars()
            .take(MAX_RELAYED_CAPTION)
            .collect();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(path) = tx.media_path(media.sha256).await? else {
            return Err(ServiceError::Forbidden);
        };
        let unit_id = first.unit.unit_id;
        let kept = tx
            .insert_relayed_media(
                telegram_id,
                media.message_id,
                unit_id,
                media.kind,
                media.sha256,
                &caption,
                now,
            )
            .await?;
        if kept.is_some() {
            tx.audit(
                now,
                &actor.audit_name(),
                "buyer.message",
                &format!("unit:{unit_id}"),
                serde_json::json!({ "text": caption, "media": media.kind, "sha256": media.sha256 }),
            )
            .await?;
        }
        let (recipients, relayed) = relay_recipients(&mut tx, homes, unit_id).await?;
        let cause = Cause::per_person(format!("relay-media:{telegram_id}:{}", media.message_id));
        let told = self
            .tell(
                &mut tx,
                recipients.values(),
                Message::new(cause, |lang, &&(_, unit_id): &&(StaffMember, i64)| {
                    let unit = home_label(homes, unit_id);
                    let what = crate::tr!(self.i18n, lang, "relay-media-kind", kind = media.kind);
                    let text = if caption.is_empty() {
                        crate::i18n::escape_html(&what).into_owned()
                    } else {
                        crate::tr!(
                            self.i18n,
                            lang,
                            "media-with-caption",
                            what = &what,
                            caption = caption.as_str()
                        )
                    };
                    let caption_html = crate::tr!(
                        self.i18n,
                        lang,
                        "relay-from-buyer",
                        unit = unit,
                        buyer = first.name.as_str(),
                        text = crate::i18n::Arg::Html(text)
                    );
                    let buttons = self.reply_button(lang, unit_id);
                    match media.kind {
                        "photo" => Content::Photo {
                            path: path.clone(),
                            caption_html: Some(caption_html),
                            buttons,
                        },
                        _ => Content::Document {
                            path: path.clone(),
                            file_name: media.file_name.to_string(),
                            caption_html: Some(caption_html),
                            buttons,
                        },
                    }
                }),
            )
            .await?;
        let delivered = !told.is_empty();
        let id = match kept {
            Some(id) => Some(id),
            None => {
                tx.relayed_media_by_message(telegram_id, media.message_id)
                    .await?
            }
        };
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok((if delivered { relayed } else { Relayed::Kept }, id))
    }

    /// A buyer's relayed photo and its caption, for "report this as a problem": only their
    /// own, only a photo, only for a home that is still theirs.
    #[instrument(skip_all)]
    pub async fn relayed_photo(
        &self,
        actor: &Actor,
        telegram_id: i64,
        id: i64,
    ) -> ServiceResult<Option<RelayedMedia>> {
        let Actor::Buyer(homes) = actor else {
            return Ok(None);
        };
        let mut tx = self.store.read().await?;
        let media = tx.relayed_media(id).await?;
        tx.commit().await?;
        Ok(media.filter(|m| {
            m.telegram_id == telegram_id
                && m.kind == "photo"
                && homes.iter().any(|h| h.unit.unit_id == m.unit_id)
        }))
    }
}

/// Who hears what a buyer sends: each home's ambassador once, with the unit it is about; with
/// no ambassador yet, every supervisor, about `fallback_unit`.
async fn relay_recipients(
    tx: &mut Tx,
    homes: &[crate::domain::people::Buyer],
    fallback_unit: i64,
) -> ServiceResult<(BTreeMap<i64, (StaffMember, i64)>, Relayed)> {
    let mut recipients: BTreeMap<i64, (StaffMember, i64)> = BTreeMap::new();
    for home in homes {
        if let Some(household) = tx.household(home.unit.unit_id).await?
            && let Some(staff_id) = household.staff_id
            && let Some(staff) = tx.staff_by_id(staff_id).await?
        {
            recipients
                .entry(staff.id)
                .or_insert((staff, home.unit.unit_id));
        }
    }
    let relayed = if recipients.is_empty() {
        for supervisor in tx.all_staff().await? {
            if supervisor.roles.can_supervise() {
                recipients
                    .entry(supervisor.id)
                    .or_insert((supervisor, fallback_unit));
            }
        }
        Relayed::Supervisors
    } else {
        Relayed::Ambassadors(recipients.values().map(|(s, _)| s.name.clone()).collect())
    };
    Ok((recipients, relayed))
}

/// How the buyer's home `unit_id`, one of `homes`, is named in a relayed message.
fn home_label(homes: &[Buyer], unit_id: i64) -> String {
    homes
        .iter()
        .find(|h| h.unit.unit_id == unit_id)
        .map(|h| h.unit.short())
        .unwrap_or_default()
}
