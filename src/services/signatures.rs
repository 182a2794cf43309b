//! Signing a handover record in the Mini App: what the signing page shows, and the signature
//! itself. The ambassador who recorded the handover signs first (with signatures required,
//! the record goes to the buyers then); a buyer's signature receives the home, as the
//! confirmation button does without the Mini App.

use super::handover::{Confirmation, DrawnSignature};
use super::tell::{Cause, Chat, Message};
use super::{ServiceError, ServiceResult, Services};
use crate::domain::people::{Actor, Lang};
use crate::domain::signature::{Drawing, DrawingError, Signer};
use crate::i18n::plain_text;
use crate::store::aftercare::{Handover, HandoverStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::instrument;

/// Who opened a signing page: the Telegram account its login speaks for.
#[derive(Debug, Clone)]
pub struct PageLogin {
    pub telegram_id: i64,
    pub language_code: Option<String>,
    pub auth_date: DateTime<Utc>,
}

/// Where a record stands for the person who opened its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningState {
    /// Theirs to sign now.
    Ready,
    /// They signed it.
    Signed,
    /// The ambassador has not signed it yet.
    AwaitingAmbassador,
    /// The home was received (by a co-owner, or by the button).
    Received,
    /// The ambassador made a newer record.
    Replaced,
}

/// What the signing page shows, in the reader's language (plain text: the page escapes it).
#[derive(Debug, Clone, Serialize)]
pub struct SigningView {
    pub lang: &'static str,
    pub signer: Signer,
    pub state: SigningState,
    pub title: String,
    /// The record: home, people, keys, meters, documents, open defects; one line each.
    pub record: Vec<String>,
    /// Why the page cannot be signed now, or that it was.
    pub notice: Option<String>,
    /// The page's own words.
    pub texts: PageTexts,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageTexts {
    pub draw_here: String,
    pub clear: String,
    pub undo: String,
    pub read: String,
    pub sign: String,
    pub sending: String,
    pub failed: String,
    pub too_little: String,
}

/// What became of a signature sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Signed {
    /// Kept; `message` says what happens next.
    Kept { message: String },
    /// Not kept: the drawing is not a signature, or the record cannot be signed now.
    Refused { message: String },
}

/// The record's signer and signer id for `actor`, if any.
fn signer_of(actor: &Actor, handover: &Handover) -> Option<(Signer, i64)> {
    match actor {
        Actor::Staff(me) if me.id == handover.staff_id => Some((Signer::Ambassador, me.id)),
        Actor::Buyer(homes) => homes
            .iter()
            .find(|home| home.unit.unit_id == handover.unit_id)
            .map(|home| (Signer::Buyer, home.id)),
        _ => None,
    }
}

impl Services {
    /// The signing page of record `handover_id` for the person logged in; `None` for anyone
    /// who is not its ambassador or a buyer of its home (or not linked, or whose access ended).
    #[instrument(skip_all)]
    pub async fn signing_view(
        &self,
        login: &PageLogin,
        handover_id: i64,
    ) -> ServiceResult<Option<SigningView>> {
        let person = self
            .identify(login.telegram_id, login.language_code.as_deref())
            .await?;
        if person.access_ended {
            return Ok(None);
        }
        let lang = person.lang;
        let mut tx = self.store.read().await?;
        let Some(handover) = tx.handover(handover_id).await? else {
            return Ok(None);
        };
        let Some((signer, _)) = signer_of(&person.actor, &handover) else {
            return Ok(None);
        };
        let Some(household) = tx.household(handover.unit_id).await? else {
            return Ok(None);
        };
        let signatures = tx.signatures(handover_id).await?;
        let ambassador = tx.staff_by_id(handover.staff_id).await?;
        let mut open = Vec::new();
        for id in &handover.open_defects {
            if let Some(defect) = tx.defect(*id).await? {
                open.push(defect);
            }
        }
        tx.commit().await?;
        let signed_by = |who: Signer| signatures.iter().any(|s| s.signer == who);
        let state = match handover.status {
            HandoverStatus::Withdrawn => SigningState::Replaced,
            _ if signed_by(signer) => SigningState::Signed,
            HandoverStatus::Confirmed => SigningState::Received,
            HandoverStatus::AwaitingBuyer
                if signer == Signer::Buyer
                    && self.signatures_required()
                    && !signed_by(Signer::Ambassador) =>
            {
                SigningState::AwaitingAmbassador
            }
            HandoverStatus::AwaitingBuyer => SigningState::Ready,
        };
        let i18n = &self.i18n;
        let text = |key: &str| plain_text(&i18n.text(lang, key, &[]));
        let mut record = vec![
            plain_text(&crate::tr!(
                i18n,
                lang,
                "sign-page-home",
                home = household.unit.short()
            )),
            plain_text(&crate::tr!(
                i18n,
                lang,
                "sign-page-people",
                buyers = crate::present::list(i18n, lang, &household.names),
                ambassador = ambassador.map(|a| a.name).unwrap_or_default()
            )),
        ];
        let meters: Vec<_> = handover.meters.iter().map(|(m, _)| m.clone()).collect();
        record.extend(
            plain_text(&self.record_lines(
                lang,
                &handover.keys,
                &meters,
                &handover.meters_absent,
                &handover.documents,
                Some(&open),
            ))
            .lines()
            .map(str::to_string),
        );
        let notice = match state {
            SigningState::Ready => None,
            SigningState::Signed => Some(text("sign-page-signed")),
            SigningState::AwaitingAmbassador => Some(text("sign-page-awaiting-ambassador")),
            SigningState::Received => Some(text("sign-page-received")),
            SigningState::Replaced => Some(text("sign-page-replaced")),
        };
        Ok(Some(SigningView {
            lang: lang.code(),
            signer,
            state,
            title: plain_text(&crate::tr!(
                i18n,
                lang,
                "sign-page-title",
                home = household.unit.short()
            )),
            record,
            notice,
            texts: PageTexts {
                draw_here: text("sign-page-draw-here"),
                clear: text("sign-page-clear"),
                undo: text("sign-page-undo"),
                read: text("sign-page-read"),
                sign: text(match signer {
                    Signer::Ambassador => "sign-page-sign-send",
                    Signer::Buyer => "sign-page-sign-receive",
                }),
                sending: text("sign-page-sending"),
                failed: text("sign-page-failed"),
                too_little: text("sign-page-too-little"),
            },
        }))
    }

    /// Keeps the signature `drawing` of the person logged in on record `handover_id`. `None`
    /// for anyone the record's page would refuse.
    #[instrument(skip_all)]
    pub async fn sign_handover(
        &self,
        login: &PageLogin,
        handover_id: i64,
        drawing: Drawing,
    ) -> ServiceResult<Option<Signed>> {
        let Some(view) = self.signing_view(login, handover_id).await? else {
            return Ok(None);
        };
        let person = self
            .identify(login.telegram_id, login.language_code.as_deref())
            .await?;
        let lang = person.lang;
        let refused = |key: &str| {
            Ok(Some(Signed::Refused {
                message: plain_text(&self.i18n.text(lang, key, &[])),
            }))
        };
        if view.state != SigningState::Ready {
            return Ok(Some(Signed::Refused {
                message: view.notice.unwrap_or_default(),
            }));
        }
        let drawing = match drawing.checked() {
            Ok(drawing) => drawing,
            Err(DrawingError::TooLittle) => return refused("sign-page-too-little"),
            Err(DrawingError::TooMuch | DrawingError::BadSurface) => {
                return refused("sign-page-failed");
            }
        };
        let signed = self.draw_signature(&drawing, login.auth_date).await?;
        match view.signer {
            Signer::Buyer => {
                let outcome = self
                    .receive_home(&person.actor, handover_id, Some(&signed))
                    .await?;
                match outcome {
                    Confirmation::Confirmed => Ok(Some(Signed::Kept {
                        message: plain_text(&self.i18n.text(lang, "sign-page-thanks-buyer", &[])),
                    })),
                    Confirmation::AlreadyConfirmed => refused("sign-page-received"),
                    Confirmation::Replaced => refused("sign-page-replaced"),
                    Confirmation::Stale | Confirmation::SignatureNeeded => Ok(None),
                }
            }
            Signer::Ambassador => {
                let asked = self
                    .keep_ambassador_signature(&person.actor, handover_id, &signed)
                    .await?;
                match asked {
                    Some(asked) => Ok(Some(Signed::Kept {
                        message: plain_text(&crate::tr!(
                            self.i18n,
                            lang,
                            "sign-page-thanks-ambassador",
                            count = asked
                        )),
                    })),
                    None => refused("sign-page-replaced"),
                }
            }
        }
    }

    /// The image of a checked drawing, drawn off the async runtime and put in the media store.
    async fn draw_signature(
        &self,
        drawing: &Drawing,
        auth_date: DateTime<Utc>,
    ) -> ServiceResult<DrawnSignature> {
        let strokes = serde_json::to_string(&drawing.strokes)
            .map_err(|e| crate::store::StoreError::Corrupt(format!("strokes: {e}")))?;
        let owned = drawing.clone();
        let png = tokio::task::spawn_blocking(move || crate::render::signature::render(&owned))
            .await
            .map_err(|e| crate::store::StoreError::Corrupt(format!("drawing a signature: {e}")))?
            .map_err(|e| crate::store::StoreError::Corrupt(format!("drawing a signature: {e}")))?;
        let stored = self.media.put(&png, "png").await?;
        Ok(DrawnSignature {
            stored,
            len: png.len() as i64,
            strokes,
            auth_date,
        })
    }

    /// The ambassador's signature: kept, and (with signatures required) the record goes to the
    /// buyers now. How many were asked; `None` when the record no longer waits.
    async fn keep_ambassador_signature(
        &self,
        actor: &Actor,
        handover_id: i64,
        signed: &DrawnSignature,
    ) -> ServiceResult<Option<usize>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(unit_id) = tx.handover(handover_id).await?.map(|h| h.unit_id) else {
            return Ok(None);
        };
        tx.lock_unit_handover(unit_id).await?;
        let Some(handover) = tx.handover(handover_id).await? else {
            return Ok(None);
        };
        if handover.status != HandoverStatus::AwaitingBuyer || handover.staff_id != me.id {
            return Ok(None);
        }
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        let first = signed
            .keep(&mut tx, handover_id, Signer::Ambassador, me.id, now)
            .await?;
        let buyers = tx.buyers_of_unit(unit_id).await?;
        let asked = if first && self.signatures_required() {
            let mut open = Vec::new();
            for id in &handover.open_defects {
                if let Some(defect) = tx.defect(*id).await? {
                    open.push(defect);
                }
            }
            self.ask_to_confirm(&mut tx, &buyers, &handover, &household, me, &open)
                .await?
        } else {
            buyers.iter().filter(|b| b.telegram_id.is_some()).count()
        };
        if first {
            // The ambassador hears in the chat too: the page closes, the chat stays.
            let chats: Vec<Chat> = Chat::of(me).into_iter().collect();
            let home = household.unit.short();
            self.tell(
                &mut tx,
                &chats,
                Message::text(
                    Cause::per_chat(format!("handover-signed:{handover_id}")),
                    |lang: Lang, _| {
                        crate::tr!(
                            self.i18n,
                            lang,
                            "handover-signed-sent",
                            home = home.as_str(),
                            count = asked
                        )
                    },
                ),
            )
            .await?;
            tx.audit(
                now,
                &actor.audit_name(),
                "handover.sign",
                &format!("unit:{unit_id}"),
                serde_json::json!({"handover": handover_id, "signer": "ambassador", "buyers_asked": asked}),
            )
            .await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(asked))
    }
}
