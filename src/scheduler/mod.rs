//! The durable scheduler (docs/architecture.md, "Delivery"): reminders, follow-ups, sweeps and digests are
//! rows of the `jobs` table, run by kind through registered [`JobHandler`]s.
//!
//! - **Scheduling**: a use case calls [`Tx::schedule_job`](crate::store::Tx::schedule_job) in its
//!   own transaction (a unique key makes it idempotent), commits, then calls
//!   [`SchedulerWaker::wake`] so a sleeping worker looks again at once.
//! - **Running**: [`Scheduler`] claims due jobs atomically (several workers or instances can run
//!   side by side; none runs a job another holds), drops jobs past their expiry without running
//!   them, runs the handler, and settles the job: done, retried with exponential backoff and
//!   jitter, or failed for good with the last error.
//! - **At least once**: a worker that dies mid-job leaves a lease that runs out; the job is then
//!   claimed and run again. **Handlers must therefore be idempotent**: running one twice for the
//!   same job must have the effect of running it once (use dedupe keys on the outbox rows and
//!   jobs they create, check state before changing it).
//! - **Recurring work**: [`RecurringSchedule`]s (cron expressions in the project's time zone)
//!   are materialised one occurrence at a time as keyed jobs; see [`cron`](self::cron).
//! - **Time** comes from the [`Clock`](crate::clock::Clock); tests move a manual clock and call
//!   [`Scheduler::run_due`].

pub mod cron;
mod job;
mod worker;

pub use self::cron::{RecurringSchedule, occurrence_key};
pub use self::job::{Job, UnreadableJob};
pub use self::worker::{RunSummary, Scheduler};
pub use crate::store::jobs::{
    DEFAULT_MAX_ATTEMPTS, JobCounts, JobStatus, KeyMatch, NewJob, RetryOutcome, StoredJob,
};

use chrono::Duration;
use chrono_tz::Tz;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// How a handler's run ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// The work is done.
    Done,
    /// The work no longer applies (the appointment was cancelled, the defect closed…): the job
    /// is marked `dropped` with this reason.
    Dropped(String),
}

/// Why a handler's run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth trying again (database busy, network): retried with backoff until the job's
    /// attempts are used up.
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (bad payload, missing record): failed at once.
    #[error("{0}")]
    Fail(String),
}

impl JobError {
    pub fn retry(error: impl std::fmt::Display) -> Self {
        JobError::Retry(error.to_string())
    }

    pub fn fail(error: impl std::fmt::Display) -> Self {
        JobError::Fail(error.to_string())
    }
}

impl From<crate::store::StoreError> for JobError {
    fn from(e: crate::store::StoreError) -> Self {
        JobError::retry(e)
    }
}

impl From<crate::services::ServiceError> for JobError {
    fn from(e: crate::services::ServiceError) -> Self {
        match e {
            crate::services::ServiceError::Store(e) => JobError::retry(e),
            // The bucket did not answer: later it may.
            crate::services::ServiceError::Media(e) => JobError::retry(e),
            other => JobError::fail(other),
        }
    }
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        JobError::Retry(format!("{e:#}"))
    }
}

/// Runs the jobs of one kind.
///
/// **Idempotency contract**: a job can run more than once (its worker died before recording
/// the result, or the result could not be written), so `run` must be safe to repeat: create
/// outbox rows and follow-up jobs with dedupe/unique keys derived from the job, and check the
/// current state before changing it. A handler that panics is treated as a retryable failure.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync {
    async fn run(&self, job: &StoredJob) -> Result<JobOutcome, JobError>;
}

/// A [`JobHandler`] made from an async closure; see [`handler_fn`].
pub struct FnHandler<F>(F);

/// Wraps `f(job) -> impl Future<Output = Result<JobOutcome, JobError>>` as a handler.
pub fn handler_fn<F, Fut>(f: F) -> FnHandler<F>
where
    F: Fn(StoredJob) -> Fut + Send + Sync,
    Fut: Future<Output = Result<JobOutcome, JobError>> + Send,
{
    FnHandler(f)
}

#[async_trait::async_trait]
impl<F, Fut> JobHandler for FnHandler<F>
where
    F: Fn(StoredJob) -> Fut + Send + Sync,
    Fut: Future<Output = Result<JobOutcome, JobError>> + Send,
{
    async fn run(&self, job: &StoredJob) -> Result<JobOutcome, JobError> {
        (self.0)(job.clone()).await
    }
}

/// The handlers by job kind, and the one for every [`Job`] (see [`JobHandlers::typed`]). A
/// claimed job whose kind has no handler fails with an error naming the kind.
#[derive(Clone, Default)]
pub struct JobHandlers {
    by_kind: HashMap<String, Arc<dyn JobHandler>>,
    typed: Option<Arc<dyn JobHandler>>,
}

impl std::fmt::Debug for JobHandlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<&str> = self.kinds().collect();
        kinds.sort_unstable();
        f.debug_struct("JobHandlers")
            .field("kinds", &kinds)
            .finish()
    }
}

impl JobHandlers {
    pub fn new() -> Self {
        JobHandlers::default()
    }

    /// Runs every job kind not registered by name as a typed [`Job`]: `run` gets the decoded
    /// job. A stored job this build cannot read (an unknown kind, a payload without its
    /// fields) fails at once, naming the kind.
    pub fn typed<F, Fut>(run: F) -> Self
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<JobOutcome, JobError>> + Send + 'static,
    {
        let run = Arc::new(run);
        JobHandlers {
            by_kind: HashMap::new(),
            typed: Some(Arc::new(handler_fn(move |stored: StoredJob| {
                let run = run.clone();
                async move {
                    let job = Job::decode(&stored.kind, &stored.payload).map_err(JobError::fail)?;
                    run(job).await
                }
            }))),
        }
    }

    /// Registers the handler of `kind`, replacing any earlier one.
    pub fn register(&mut self, kind: impl Into<String>, handler: impl JobHandler + 'static) {
        self.by_kind.insert(kind.into(), Arc::new(handler));
    }

    /// [`register`](Self::register), chained.
    pub fn with(mut self, kind: impl Into<String>, handler: impl JobHandler + 'static) -> Self {
        self.register(kind, handler);
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.by_kind.get(kind).or(self.typed.as_ref()).cloned()
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.by_kind.keys().map(String::as_str)
    }
}

/// Wakes a sleeping scheduler after a transaction scheduled a job (see [`crate::wake`]).
pub type SchedulerWaker = crate::wake::Waker;

/// Tuning of a [`Scheduler`].
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// The project's time zone; recurring schedules are evaluated in it.
    pub timezone: Tz,
    /// How long a claim holds a job. Must exceed the longest handler run: a job still running
    /// when its lease runs out can be claimed and run again by another worker.
    pub lease: Duration,
    /// Jobs claimed per claim (one transaction).
    pub batch_size: u32,
    /// Jobs of one batch run at the same time.
    pub concurrency: usize,
    /// The first retry waits about this long; each further one twice as long (±25% jitter) …
    pub retry_base: Duration,
    /// … but never longer than this.
    pub retry_max: Duration,
    /// Attempts of each recurring occurrence.
    pub recurring_max_attempts: u32,
    /// The longest the worker sleeps (real time) before looking at the table again, so it
    /// notices jobs scheduled by another process or a wall clock that jumped.
    pub max_idle: std::time::Duration,
    /// This instance's id, recorded with each claim so a restart takes its own claims back
    /// at once (`HANDOVER_INSTANCE_ID`).
    pub owner: Option<String>,
}

impl SchedulerOptions {
    pub fn new(timezone: Tz) -> Self {
        SchedulerOptions {
            timezone,
            lease: Duration::minutes(5),
            batch_size: 32,
            concurrency: 4,
            retry_base: Duration::seconds(30),
            retry_max: Duration::hours(1),
            recurring_max_attempts: 3,
            max_idle: std::time::Duration::from_secs(5),
            owner: None,
        }
    }

    pub fn from_config(config: &crate::config::Config) -> Self {
        SchedulerOptions {
            lease: config.claim_lease,
            owner: Some(config.instance_id.clone()),
            ..SchedulerOptions::new(config.timezone)
        }
    }

    /// The wait before retry number `attempt` (1 = after the first failed run): exponential,
    /// capped at `retry_max`, with ±25% jitter so failures of many jobs do not retry in step.
    pub fn backoff(&self, attempt: i64) -> Duration {
        use rand::Rng as _;
        let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let base_ms = self.retry_base.num_milliseconds().max(1);
        let max_ms = self.retry_max.num_milliseconds().max(base_ms);
        let exp_ms = base_ms.saturating_mul(1_i64 << exponent).min(max_ms);
        let jitter = rand::thread_rng().gen_range(0.75..=1.25);
        let ms = ((exp_ms as f64) * jitter).round() as i64;
        Duration::milliseconds(ms.clamp(1, max_ms))
    }
}

/// A recurring schedule that cannot be used, named as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("recurring schedule {name:?}: invalid cron expression {cron:?}: {message}")]
    BadCron {
        name: String,
        cron: String,
        message: String,
    },
    #[error("recurring schedule {name:?}: {message}")]
    Invalid { name: String, message: String },
    #[error("recurring schedule {0:?} is defined twice")]
    Duplicate(String),
    #[error("recurring schedule {name:?}: no handler is registered for job kind {kind:?}")]
    UnknownKind { name: String, kind: String },
}

#[cfg(test)]
mod tests;
