//! Housekeeping: bookkeeping rows that have served their purpose are removed.

use super::{ServiceError, ServiceResult, Services};
use crate::domain::people::Actor;
use crate::store::jobs::JobCounts;
use crate::store::outbox::OutboxCounts;
use tracing::instrument;

/// Telegram re-delivers unconfirmed updates for at most a day; a week is ample.
const KEEP_HANDLED_UPDATES_DAYS: i64 = 7;
const KEEP_FINISHED_JOBS_DAYS: i64 = 30;

/// What /queue shows: the outbox and the job table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueReport {
    pub outbox: OutboxCounts,
    pub jobs: JobCounts,
}

impl Services {
    /// The daily clean-up job.
    #[instrument(skip_all)]
    pub async fn housekeeping(&self) -> ServiceResult<(u64, u64)> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let updates = tx
            .purge_handled_updates(now - chrono::Duration::days(KEEP_HANDLED_UPDATES_DAYS))
            .await?;
        let jobs = tx
            .purge_finished_jobs(now - chrono::Duration::days(KEEP_FINISHED_JOBS_DAYS))
            .await?;
        // Past the day an update may be replayed in, an inbox row is one that could not be
        // handled; the handled ones left the inbox when they were handled.
        let abandoned = tx.purge_inbox(now - chrono::Duration::days(2)).await?;
        if abandoned > 0 {
            tracing::warn!(abandoned, "received updates never handled were dropped");
        }
        tx.commit().await?;
        tracing::info!(updates, jobs, "housekeeping done");
        Ok((updates, jobs))
    }

    /// /queue: pending and failed messages and jobs, and the oldest due.
    #[instrument(skip_all)]
    pub async fn queue_report(&self, actor: &Actor) -> ServiceResult<QueueReport> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.queue_snapshot().await?.0)
    }

    /// The queue figures for monitoring, with the number of jobs late by more than a minute.
    pub async fn queue_snapshot(&self) -> ServiceResult<(QueueReport, i64)> {
        let now = self.clock.now();
        let mut tx = self.store.read().await?;
        let outbox = tx.outbox_counts().await?;
        let jobs = tx.job_counts(now).await?;
        let late = tx.job_counts(now - chrono::Duration::minutes(1)).await?.due;
        tx.commit().await?;
        Ok((QueueReport { outbox, jobs }, late))
    }

    /// Whether the database answers (for /healthz).
    pub async fn healthy(&self) -> bool {
        self.store.ping().await
    }
}
