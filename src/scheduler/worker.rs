//! The worker: claims due jobs, runs their handlers, settles them, and sleeps until the next
//! job is due or it is woken.

use super::cron::{CompiledSchedule, parse_occurrence_key, retire};
use super::{
    JobError, JobHandlers, JobOutcome, RecurringSchedule, RetryOutcome, ScheduleError,
    SchedulerOptions, SchedulerWaker,
};
use crate::clock::SharedClock;
use crate::store::jobs::StoredJob;
use crate::store::{Store, StoreResult};
use chrono::{DateTime, Utc};
use futures::{FutureExt as _, StreamExt as _};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;

/// What one [`Scheduler::run_due`] (or one batch) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Jobs claimed (each ended in exactly one of the counts below).
    pub claimed: usize,
    pub done: usize,
    /// Failed this time, pending again for a later retry.
    pub retried: usize,
    /// Failed for good (attempts used up, a permanent error, or no handler for the kind).
    pub failed: usize,
    /// Expired before they could run, or found no longer relevant by their handler.
    pub dropped: usize,
    /// Settled by no one: the lease ran out first (another worker has the job now) or the
    /// result could not be written (the lease will run out and the job will run again).
    pub unsettled: usize,
}

impl RunSummary {
    fn add(&mut self, other: RunSummary) {
        self.claimed += other.claimed;
        self.done += other.done;
        self.retried += other.retried;
        self.failed += other.failed;
        self.dropped += other.dropped;
        self.unsettled += other.unsettled;
    }
}

/// What became of one claimed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Done,
    Retried,
    Failed,
    Dropped,
    Unsettled,
}

/// What a run decided, before it is written down.
enum Verdict {
    Done,
    Drop(String),
    Retry(String),
    Fail(String),
}

/// The job worker. Build it with [`Scheduler::new`], then either spawn [`Scheduler::run`] (the
/// application) or call [`Scheduler::sync_schedules`] and [`Scheduler::run_due`] (tests, with a
/// manual clock).
pub struct Scheduler {
    store: Store,
    clock: SharedClock,
    handlers: JobHandlers,
    schedules: HashMap<String, CompiledSchedule>,
    options: SchedulerOptions,
    waker: SchedulerWaker,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut schedules: Vec<&str> = self.schedules.keys().map(String::as_str).collect();
        schedules.sort_unstable();
        f.debug_struct("Scheduler")
            .field("handlers", &self.handlers)
            .field("schedules", &schedules)
            .field("options", &self.options)
            .finish()
    }
}

impl Scheduler {
    /// Validates the recurring schedules (cron syntax, names, a handler for each kind) and
    /// builds the worker. A bad schedule is a configuration error that names it.
    pub fn new(
        store: Store,
        clock: SharedClock,
        handlers: JobHandlers,
        schedules: Vec<RecurringSchedule>,
        options: SchedulerOptions,
    ) -> Result<Scheduler, ScheduleError> {
        let mut compiled = HashMap::new();
        for def in schedules {
            if handlers.get(&def.kind).is_none() {
                return Err(ScheduleError::UnknownKind {
                    name: def.name,
                    kind: def.kind,
                });
            }
            let schedule = CompiledSchedule::compile(def, options.timezone)?;
            let name = schedule.name().to_string();
            if compiled.insert(name.clone(), schedule).is_some() {
                return Err(ScheduleError::Duplicate(name));
            }
        }
        Ok(Scheduler {
            store,
            clock,
            handlers,
            schedules: compiled,
            options,
            waker: SchedulerWaker::default(),
        })
    }

    /// Uses this waker (for example one already handed to the services) instead of a new one.
    pub fn with_waker(mut self, waker: SchedulerWaker) -> Self {
        self.waker = waker;
        self
    }

    /// A handle that wakes this worker; give it to whatever schedules jobs.
    pub fn waker(&self) -> SchedulerWaker {
        self.waker.clone()
    }

    pub fn options(&self) -> &SchedulerOptions {
        &self.options
    }

    /// Materialises every recurring schedule as of now: the next occurrence of each, plus one
    /// catch-up run of the latest occurrence missed while nothing was running; retires the
    /// schedules no longer configured. [`run`](Self::run) does this first; safe to repeat.
    pub async fn sync_schedules(&self) -> StoreResult<()> {
        let now = self.clock.now();
        let mut names: Vec<&String> = self.schedules.keys().collect();
        names.sort_unstable();
        for name in names {
            let mut tx = self.store.begin().await?;
            self.schedules[name]
                .materialise(&mut tx, now, self.options.recurring_max_attempts)
                .await?;
            tx.commit().await?;
        }
        let mut tx = self.store.begin().await?;
        let stored = tx.recurring_states().await?;
        let configured: HashSet<&str> = self.schedules.keys().map(String::as_str).collect();
        for state in stored {
            if !configured.contains(state.name.as_str()) {
                retire(&mut tx, &state.name, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Claims and runs everything due by the clock's now, batch after batch, until nothing due
    /// is left; then returns what it did. This is the whole of one wake-up of the worker, and
    /// what tests call after moving the clock.
    pub async fn run_due(&self) -> StoreResult<RunSummary> {
        let mut total = RunSummary::default();
        loop {
            let batch = self.run_batch().await?;
            if batch.claimed == 0 {
                return Ok(total);
            }
            total.add(batch);
        }
    }

    /// Claims one batch of due jobs and runs them (up to `concurrency` at a time).
    async fn run_batch(&self) -> StoreResult<RunSummary> {
        let now = self.clock.now();
        let jobs = {
            let mut tx = self.store.begin().await?;
            let jobs = tx
                .claim_due_jobs_by(
                    now,
                    self.options.lease,
                    self.options.batch_size.max(1),
                    self.options.owner.as_deref(),
                )
                .await?;
            tx.commit().await?;
            jobs
        };
        let mut summary = RunSummary {
            claimed: jobs.len(),
            ..RunSummary::default()
        };
        let settled: Vec<Settled> = futures::stream::iter(jobs)
            .map(|job| self.process(job))
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        for s in settled {
            match s {
                Settled::Done => summary.done += 1,
                Settled::Retried => summary.retried += 1,
                Settled::Failed => summary.failed += 1,
                Settled::Dropped => summary.dropped += 1,
                Settled::Unsettled => summary.unsettled += 1,
            }
        }
        Ok(summary)
    }

    async fn process(&self, job: StoredJob) -> Settled {
        let now = self.clock.now();
        let verdict = if let Some(expired) = job.expires_at.filter(|at| *at <= now) {
            tracing::info!(
                job = job.id,
                kind = %job.kind,
                key = job.unique_key.as_deref().unwrap_or(""),
                %expired,
                "dropping an expired job without running it"
            );
            Verdict::Drop(format!("expired at {expired} before it could run"))
        } else if job.attempts > job.max_attempts {
            Verdict::Fail(format!(
                "gave up after {} attempts (the worker holding the last one stopped before finishing)",
                job.max_attempts
            ))
        } else if let Some(handler) = self.handlers.get(&job.kind) {
            let run = crate::rehearsal::scope(job.rehearsal_id, handler.run(&job));
            match AssertUnwindSafe(run).catch_unwind().await {
                Ok(Ok(JobOutcome::Done)) => Verdict::Done,
                Ok(Ok(JobOutcome::Dropped(reason))) => Verdict::Drop(reason),
                Ok(Err(JobError::Retry(error))) => Verdict::Retry(error),
                Ok(Err(JobError::Fail(error))) => Verdict::Fail(error),
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Verdict::Retry(format!("the handler panicked: {what}"))
                }
            }
        } else {
            Verdict::Fail(format!(
                "no handler is registered for job kind {:?}",
                job.kind
            ))
        };
        match self.settle(&job, verdict).await {
            Ok(settled) => settled,
            Err(error) => {
                tracing::warn!(
                    job = job.id,
                    kind = %job.kind,
                    %error,
                    "could not record a job's result; it will run again when its lease runs out"
                );
                Settled::Unsettled
            }
        }
    }

    /// Writes a run's verdict, and for a recurring occurrence that has finished, materialises
    /// the schedule's next occurrence in the same transaction.
    async fn settle(&self, job: &StoredJob, verdict: Verdict) -> StoreResult<Settled> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let settled = match verdict {
            Verdict::Done => {
                if tx.finish_job(job.id, job.attempts, now).await? {
                    Settled::Done
                } else {
                    Settled::Unsettled
                }
            }
            Verdict::Drop(reason) => {
                if tx.drop_job(job.id, job.attempts, &reason, now).await? {
                    Settled::Dropped
                } else {
                    Settled::Unsettled
                }
            }
            Verdict::Fail(error) => {
                if tx.fail_job(job.id, job.attempts, &error, now).await? {
                    tracing::warn!(job = job.id, kind = %job.kind, %error, "job failed for good");
                    Settled::Failed
                } else {
                    Settled::Unsettled
                }
            }
            Verdict::Retry(error) => {
                let at = now + self.options.backoff(job.attempts);
                match tx.retry_job(job.id, job.attempts, at, &error, now).await? {
                    RetryOutcome::Retried(at) => {
                        tracing::warn!(
                            job = job.id,
                            kind = %job.kind,
                            attempt = job.attempts,
                            %error,
                            retry_at = %at,
                            "job failed; will retry"
                        );
                        Settled::Retried
                    }
                    RetryOutcome::Failed => {
                        tracing::warn!(
                            job = job.id,
                            kind = %job.kind,
                            attempts = job.attempts,
                            %error,
                            "job failed for good: attempts used up"
                        );
                        Settled::Failed
                    }
                    RetryOutcome::LeaseLost => Settled::Unsettled,
                }
            }
        };
        if settled == Settled::Unsettled {
            tracing::warn!(
                job = job.id,
                kind = %job.kind,
                "a job's lease ran out before it finished; another worker holds it now"
            );
        } else if settled != Settled::Retried
            && let Some(schedule) = self.recurring_schedule_of(job)
        {
            schedule
                .materialise(&mut tx, now, self.options.recurring_max_attempts)
                .await?;
        }
        tx.commit().await?;
        Ok(settled)
    }

    fn recurring_schedule_of(&self, job: &StoredJob) -> Option<&CompiledSchedule> {
        let (name, _) = parse_occurrence_key(job.unique_key.as_deref()?)?;
        self.schedules.get(name)
    }

    /// When the next job becomes claimable.
    async fn next_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let mut tx = self.store.read().await?;
        let next = tx.next_job_due().await?;
        tx.commit().await?;
        Ok(next)
    }

    /// The worker loop, until `shutdown` resolves: materialise the recurring schedules, then
    /// run what is due, and sleep until the next job is due, a [`SchedulerWaker`] wakes it, or
    /// the clock reaches the next due time (a manual clock wakes it the moment a test moves
    /// it; see [`Clock::sleep_until`](crate::clock::Clock::sleep_until)). Every sleep is capped
    /// at `max_idle` of real time, to notice jobs written by other processes. Database errors
    /// are logged and retried with backoff; the loop never gives up on its own.
    ///
    /// Shutdown is checked between batches and while sleeping: the jobs of a batch in flight
    /// finish and are recorded first.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let mut shutdown = std::pin::pin!(shutdown.fuse());
        let mut error_delay = std::time::Duration::from_secs(1);
        let far = chrono::Duration::days(3650);
        tracing::info!(schedules = self.schedules.len(), "scheduler started");
        loop {
            match self.sync_schedules().await {
                Ok(()) => break,
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?error_delay, "cannot materialise the recurring schedules; retrying");
                    let wait = self.clock.sleep_until(self.clock.now() + far, error_delay);
                    tokio::select! {
                        _ = &mut shutdown => return,
                        _ = wait => {}
                    }
                    error_delay = (error_delay * 2).min(self.options.max_idle);
                }
            }
        }
        error_delay = std::time::Duration::from_secs(1);
        loop {
            if (&mut shutdown).now_or_never().is_some() {
                break;
            }
            let next = match self.run_batch().await {
                // A full batch: more may be due right now.
                Ok(summary) if summary.claimed >= self.options.batch_size.max(1) as usize => {
                    continue;
                }
                Ok(_) => self.next_due().await.inspect_err(|error| {
                    tracing::warn!(%error, retry_in = ?error_delay, "cannot read the next job's due time; retrying");
                }),
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?error_delay, "cannot claim due jobs; retrying");
                    Err(error)
                }
            };
            let (deadline, max_wait) = match next {
                Ok(next) => {
                    error_delay = std::time::Duration::from_secs(1);
                    let deadline = next.unwrap_or_else(|| self.clock.now() + far);
                    (deadline, self.options.max_idle)
                }
                Err(_) => {
                    let wait = error_delay;
                    error_delay = (error_delay * 2).min(self.options.max_idle);
                    (self.clock.now() + far, wait)
                }
            };
            self.waker.went_idle();
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.waker.woken() => {}
                _ = self.clock.sleep_until(deadline, max_wait) => {}
            }
        }
        tracing::info!("scheduler stopped");
    }
}
