//! Use cases. Each public function is one thing a person (or the CLI) does: it checks who the
//! actor is and what they may touch, applies the domain rule, and writes in one transaction.
//! The bot, the scheduler and the CLI all call these; none of them writes SQL.

pub mod appointments;
pub mod assignment;
pub mod complaints;
pub mod defects;
pub mod export;
pub mod followup;
pub mod handover;
pub mod import;
pub mod maintenance;
pub mod notices;
pub mod onboarding;
pub mod people;
pub mod relay;
pub mod remediation;
pub mod reports;
pub mod staff;
pub mod uploads;

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
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Store(StoreError::Sql(e))
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

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

impl Services {
    /// Every supervisor's chat (those linked to Telegram) with their language.
    pub(crate) async fn supervisor_chats(
        &self,
        tx: &mut crate::store::Tx,
    ) -> ServiceResult<Vec<(i64, crate::domain::people::Lang)>> {
        let mut chats = Vec::new();
        for supervisor in supervisors(tx).await? {
            if let Some(chat) = supervisor.telegram_id {
                chats.push((chat, self.staff_lang(tx, &supervisor).await?));
            }
        }
        Ok(chats)
    }
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
}

impl Services {
    pub fn new(store: Store, clock: SharedClock, config: Arc<Config>) -> Self {
        Services {
            store,
            clock,
            config,
            outbox_waker: crate::notify::Waker::default(),
            scheduler_waker: crate::wake::Waker::default(),
            feed_waker: crate::wake::Waker::default(),
            inbox_waker: crate::wake::Waker::default(),
            // The locales are compiled in and checked by unit tests; they cannot fail here.
            i18n: Arc::new(crate::i18n::I18n::load().expect("the embedded locales parse")),
        }
    }

    /// After a transaction that changed defects committed: their notifications and their
    /// outbound feed go out.
    pub(crate) fn defects_changed(&self) {
        self.outbox_waker.wake();
        self.feed_waker.wake();
    }
}
