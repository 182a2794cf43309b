//! Use cases. Each public function is one thing a person (or the CLI) does: it checks who the
//! actor is and what they may touch, applies the domain rule, and writes in one transaction.
//! The bot, the scheduler and the CLI all call these; none of them writes SQL.

pub mod answers;
pub mod appointments;
pub mod assignment;
pub mod complaints;
pub mod decisions;
pub mod defect_pdf;
pub mod defects;
pub mod experts;
pub mod export;
pub mod followup;
pub mod handover;
pub mod handover_record;
pub mod import;
pub mod maintenance;
pub mod notices;
pub mod numbers;
pub mod onboarding;
pub mod people;
pub mod pins;
pub mod plans;
pub mod precontact;
pub mod rehearsal;
pub mod relay;
pub mod remediation;
pub mod risks;
pub mod room_areas;
pub mod signatures;
pub mod staff;
pub mod tell;
pub mod uploads;

/// Who did it in the audit log, when the application did it itself (a job, a deadline).
pub(crate) const SYSTEM: &str = "system";

use crate::clock::SharedClock;
use crate::config::Config;
use crate::store::{Store, StoreError};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The actor's role does not allow this.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A document could not be made (the font, or the PDF writer).
    #[error(transparent)]
    Pdf(#[from] crate::render::pdf::PdfError),
    /// The media store failed (the bucket did not answer within its retries, a full disk).
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Store(StoreError::Sql(e))
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// A short fingerprint of a text, for dedupe keys of notifications that carry it.
pub(crate) fn text_key(text: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses anyone who does not supervise the campaign.
pub(crate) fn require_supervisor(actor: &crate::domain::people::Actor) -> ServiceResult<()> {
    if actor.can_supervise() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Everyone who supervises the campaign (escalations, digests, routing without a lead).
pub(crate) async fn supervisors(
    tx: &mut crate::store::Tx,
) -> ServiceResult<Vec<crate::domain::people::StaffMember>> {
    Ok(tx
        .all_staff()
        .await?
        .into_iter()
        .filter(|s| s.roles.can_supervise())
        .collect())
}

/// The Telegram update a use case answers: a person's message or button press, in their chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answering {
    pub update_id: i64,
    pub chat_id: i64,
}

/// What every use case needs: the database, the clock and the configuration.
#[derive(Debug, Clone)]
pub struct Services {
    pub store: Store,
    pub clock: SharedClock,
    pub config: Arc<Config>,
    /// Wakes the notifier after a transaction queued messages.
    pub outbox_waker: crate::notify::Waker,
    /// Wakes the scheduler after a transaction scheduled jobs.
    pub scheduler_waker: crate::wake::Waker,
    /// Wakes the outbound defect feed after defects changed.
    pub feed_waker: crate::wake::Waker,
    /// Wakes the inbox replayer (the clock moved, or a claim may have run out).
    pub inbox_waker: crate::wake::Waker,
    /// Renders notifications in each recipient's language.
    pub i18n: Arc<crate::i18n::I18n>,
    /// The update being answered, set with [`Services::answering`]; see
    /// [`Services::take_update`].
    pub answering: Option<Answering>,
    /// Floor plans decoded for drawing pins, shared by every copy of the services.
    pub plan_pictures: Arc<crate::render::plan::PlanPictures>,
    /// Plan pictures drawn (not found in the media store), for the tests and the benchmark.
    pub plan_pictures_drawn: Arc<std::sync::atomic::AtomicU64>,
    /// Where photos and documents are kept: the media directory or a bucket.
    pub media: crate::media::MediaStore,
}

impl Services {
    pub fn new(store: Store, clock: SharedClock, config: Arc<Config>) -> Self {
        Services {
            media: crate::media::MediaStore::open(&config),
            store,
            clock,
            config,
            outbox_waker: crate::notify::Waker::default(),
            scheduler_waker: crate::wake::Waker::default(),
            feed_waker: crate::wake::Waker::default(),
            inbox_waker: crate::wake::Waker::default(),
            // The locales are compiled in and checked by unit tests; they cannot fail here.
            i18n: Arc::new(crate::i18n::I18n::load().expect("the embedded locales parse")),
            answering: None,
            plan_pictures: Arc::default(),
            plan_pictures_drawn: Arc::default(),
        }
    }

    /// The use cases as they answer `update`: the ones that end a conversation step with a
    /// record take the update in the record's transaction (see [`Services::take_update`]).
    pub fn answering(&self, update: Answering) -> Services {
        Services {
            answering: Some(update),
            ..self.clone()
        }
    }

    /// In a use case's write transaction, before its record: the update being answered is
    /// recorded as handled and its chat's conversation step ends, with the record or not at
    /// all. A crash after the commit leaves nothing to handle again (the update is not
    /// replayed, the step cannot take the same input twice), and a failure before it leaves
    /// the step open for the person to try again. False when the update was handled before
    /// (by another instance, say): the use case then records nothing.
    pub(crate) async fn take_update(&self, tx: &mut crate::store::Tx) -> ServiceResult<bool> {
        match self.answering {
            Some(update) => Ok(tx
                .finish_update(update.update_id, update.chat_id, self.clock.now())
                .await?),
            None => Ok(true),
        }
    }

    /// The cause of a notification sent because of the update being answered (`what` tells
    /// the notifications of one update apart; keyed per chat); outside an update, what
    /// `otherwise` gives.
    pub(crate) fn update_cause(
        &self,
        what: &str,
        otherwise: impl FnOnce() -> tell::Cause,
    ) -> tell::Cause {
        match self.answering {
            Some(update) => tell::Cause::per_chat(format!("update:{}:{what}", update.update_id)),
            None => otherwise(),
        }
    }

    /// After a transaction that changed defects committed: their notifications and their
    /// outbound feed go out.
    pub(crate) fn defects_changed(&self) {
        self.outbox_waker.wake();
        self.feed_waker.wake();
    }
}
