//! Durable scheduled work: the `jobs` table and the state of recurring schedules.
//!
//! A job is `pending` until its `run_at`, then a worker claims it (`running`, with a lease in
//! `locked_until` and `attempts` counted up), runs it and settles it: `done`, back to `pending`
//! for a retry, `failed` for good, or `dropped` (expired or no longer relevant). `cancelled` is
//! set by the use case that made the job obsolete. A claim's `attempts` value is its fencing
//! token: settling a job whose lease ran out and was claimed again by another worker changes
//! nothing.

use super::queue::Claim;
use super::{StoreError, StoreResult, Tx, with_conn};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// Jobs scheduled without an explicit limit are tried this often.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Pending,
    Running,
    Done,
    Failed,
    Cancelled,
    Dropped,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Dropped => "dropped",
        }
    }
}

impl std::str::FromStr for JobStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => JobStatus::Pending,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            "dropped" => JobStatus::Dropped,
            other => return Err(StoreError::Corrupt(format!("job status {other:?}"))),
        })
    }
}

/// A job to schedule. Build with [`NewJob::new`] and the chained setters.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    pub run_at: DateTime<Utc>,
    /// At most one job ever exists per key (see [`Tx::schedule_job`]); `None` never conflicts.
    pub unique_key: Option<String>,
    /// Claimed at or after this time, the job is dropped instead of run.
    pub expires_at: Option<DateTime<Utc>>,
    pub max_attempts: u32,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: Value, run_at: DateTime<Utc>) -> Self {
        NewJob {
            kind: kind.into(),
            payload,
            run_at,
            unique_key: None,
            expires_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    pub fn unique_key(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }

    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredJob {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    pub run_at: DateTime<Utc>,
    pub status: JobStatus,
    /// Claims so far, this one included while the job runs; also the claim's fencing token.
    pub attempts: i64,
    pub max_attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub unique_key: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The rehearsal whose work scheduled it (it runs as that rehearsal's work).
    pub rehearsal_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct JobRecord {
    id: i64,
    kind: String,
    payload: String,
    run_at: DateTime<Utc>,
    status: String,
    attempts: i64,
    max_attempts: i64,
    locked_until: Option<DateTime<Utc>>,
    unique_key: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    rehearsal_id: Option<i64>,
}

impl JobRecord {
    fn into_job(self) -> StoreResult<StoredJob> {
        let payload = serde_json::from_str(&self.payload).map_err(|e| {
            StoreError::Corrupt(format!("job {} has an unreadable payload: {e}", self.id))
        })?;
        Ok(StoredJob {
            id: self.id,
            kind: self.kind,
            payload,
            run_at: self.run_at,
            status: self.status.parse()?,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            locked_until: self.locked_until,
            unique_key: self.unique_key,
            expires_at: self.expires_at,
            last_error: self.last_error,
            created_at: self.created_at,
            updated_at: self.updated_at,
            finished_at: self.finished_at,
            rehearsal_id: self.rehearsal_id,
        })
    }
}

const JOB_COLUMNS: &str = "id, kind, payload, run_at, status, attempts, max_attempts, locked_until, \
     unique_key, expires_at, last_error, created_at, updated_at, finished_at, rehearsal_id";

/// Which jobs of a kind to cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMatch<'a> {
    /// The job with exactly this unique key.
    Exact(&'a str),
    /// Every job whose unique key starts with this text. End the prefix with a separator
    /// (`"reminder:appointment:12:"`), or `…:12` would also match `…:120`.
    Prefix(&'a str),
}

/// What [`Tx::retry_job`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Back to pending, to run at this time.
    Retried(DateTime<Utc>),
    /// Its attempts are used up: failed for good.
    Failed,
    /// The lease had run out and someone else holds the job now; nothing changed.
    LeaseLost,
}

/// Headline figures of the job table, for supervisors' `/queue`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// All pending jobs, due or not.
    pub pending: i64,
    /// Pending jobs whose time has come.
    pub due: i64,
    pub running: i64,
    pub failed: i64,
    /// The `run_at` of the longest-waiting due job.
    pub oldest_due: Option<DateTime<Utc>>,
}

/// The stored state of one recurring schedule.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecurringState {
    pub name: String,
    /// The definition the schedule's jobs were materialised from.
    pub spec: String,
    /// The latest occurrence materialised as a job.
    pub last_occurrence: Option<DateTime<Utc>>,
}

/// The smallest string above every string that starts with `prefix` (for index range scans).
/// Keys ending in U+10FFFF itself are the one thing this misses. (On PostgreSQL the column must
/// compare bytewise, `COLLATE "C"`, for the same range to hold.)
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// The statement that inserts a job or replaces the one with its unique key, when that one's
/// status is among `$statuses` (an SQL list).
macro_rules! upsert_job_sql {
    ($statuses:literal) => {
        concat!(
            "INSERT INTO jobs (kind, payload, run_at, status, attempts, max_attempts, unique_key, \
             expires_at, created_at, updated_at, rehearsal_id) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $7, $7, $8) \
             ON CONFLICT (unique_key) DO UPDATE SET kind = excluded.kind, payload = excluded.payload, \
             run_at = excluded.run_at, status = 'pending', attempts = 0, \
             max_attempts = excluded.max_attempts, locked_until = NULL, \
             expires_at = excluded.expires_at, last_error = NULL, updated_at = excluded.updated_at, \
             finished_at = NULL, rehearsal_id = excluded.rehearsal_id \
             WHERE jobs.status IN ",
            $statuses,
            " RETURNING id"
        )
    };
}

impl Tx {
    /// Schedules a job in this transaction and returns its id, or `None` when a job with the
    /// same unique key already exists (pending, running, or already finished: one key runs at
    /// most once). A *cancelled* job with the key is brought back with the new time and payload,
    /// so a reminder cancelled and then needed again can be scheduled again.
    pub async fn schedule_job(
        &mut self,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        self.upsert_job(job, now, upsert_job_sql!("('cancelled')"))
            .await
    }

    /// Schedules a job, or gives the pending job with the same unique key the new time and
    /// payload (a debounce: the latest call wins). `None` when the job with the key is running
    /// or already ran.
    pub async fn schedule_or_push_job(
        &mut self,
        job: &NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        self.upsert_job(job, now, upsert_job_sql!("('pending', 'cancelled')"))
            .await
    }

    /// Inserts a job, or replaces the one with its unique key when `sql` allows that one's status.
    async fn upsert_job(
        &mut self,
        job: &NewJob,
        now: DateTime<Utc>,
        sql: &'static str,
    ) -> StoreResult<Option<i64>> {
        let payload = job.payload.to_string();
        let max_attempts = i64::from(job.max_attempts.max(1));
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(sql)
                .bind(&job.kind)
                .bind(&payload)
                .bind(job.run_at)
                .bind(max_attempts)
                .bind(&job.unique_key)
                .bind(job.expires_at)
                .bind(now)
                .bind(crate::rehearsal::current())
                .fetch_optional(c)
                .await
        })?;
        Ok(id)
    }

    /// Cancels the pending jobs of `kind` that match `key`; returns how many. A job already
    /// running is left to finish.
    pub async fn cancel_jobs(
        &mut self,
        kind: &str,
        key: KeyMatch<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let affected = match key {
            KeyMatch::Exact(key) => with_conn!(self, |c| {
                sqlx::query(
                    "UPDATE jobs SET status = 'cancelled', updated_at = $3, finished_at = $3 \
                     WHERE unique_key = $2 AND kind = $1 AND status = 'pending'",
                )
                .bind(kind)
                .bind(key)
                .bind(now)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
            })?,
            KeyMatch::Prefix(prefix) => {
                let end = prefix_end(prefix);
                with_conn!(self, |c| {
                    sqlx::query(
                        "UPDATE jobs SET status = 'cancelled', updated_at = $4, finished_at = $4 \
                         WHERE unique_key >= $2 AND unique_key < $3 AND kind = $1 AND status = 'pending'",
                    )
                    .bind(kind)
                    .bind(prefix)
                    .bind(&end)
                    .bind(now)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
                })?
            }
        };
        Ok(affected)
    }

    /// Moves the pending job with this key to a new time; false when there is no such pending
    /// job (it never existed, already ran, or was cancelled).
    pub async fn reschedule_job(
        &mut self,
        unique_key: &str,
        run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET run_at = $2, updated_at = $3 WHERE unique_key = $1 AND status = 'pending'",
            )
            .bind(unique_key)
            .bind(run_at)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected > 0)
    }

    /// Atomically claims up to `limit` due jobs, earliest first: pending jobs whose `run_at` has
    /// come, and running jobs whose lease ran out (their worker died). Each claimed job is
    /// `running` with a lease until `now + lease` and one more attempt counted.
    pub async fn claim_due_jobs(
        &mut self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> StoreResult<Vec<StoredJob>> {
        self.claim_due_jobs_by(now, lease, limit, None).await
    }

    /// [`Tx::claim_due_jobs`] for instance `owner`, recorded with each claim so the instance can
    /// take its own claims back at once when it starts again ([`Tx::take_back_claims`]).
    pub async fn claim_due_jobs_by(
        &mut self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
        owner: Option<&str>,
    ) -> StoreResult<Vec<StoredJob>> {
        let sql = super::queue::JOBS.claim_sql(self.is_postgres(), JOB_COLUMNS, Claim::All);
        let records: Vec<JobRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql)
                .bind(now)
                .bind(now + lease)
                .bind(i64::from(limit))
                .bind(owner)
                .fetch_all(c)
                .await
        })?;
        let mut jobs = records
            .into_iter()
            .map(JobRecord::into_job)
            .collect::<StoreResult<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Marks a claimed job done. False when the claim (`id`, `attempt`) no longer holds it.
    pub async fn finish_job(
        &mut self,
        id: i64,
        attempt: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.settle_job(id, attempt, "done", None, now).await
    }

    /// Marks a claimed job dropped (expired, or no longer relevant) with the reason.
    pub async fn drop_job(
        &mut self,
        id: i64,
        attempt: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.settle_job(id, attempt, "dropped", Some(reason), now)
            .await
    }

    /// Marks a claimed job failed for good with the error.
    pub async fn fail_job(
        &mut self,
        id: i64,
        attempt: i64,
        error: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.settle_job(id, attempt, "failed", Some(error), now)
            .await
    }

    async fn settle_job(
        &mut self,
        id: i64,
        attempt: i64,
        status: &str,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET status = $3, last_error = COALESCE($4, last_error), locked_until = NULL, \
                 updated_at = $5, finished_at = $5 \
                 WHERE id = $1 AND attempts = $2 AND status = 'running'",
            )
            .bind(id)
            .bind(attempt)
            .bind(status)
            .bind(error)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected > 0)
    }

    /// After a failed run of a claimed job: back to pending at `at`, or failed for good when
    /// its attempts are used up. The error is kept in `last_error` either way.
    pub async fn retry_job(
        &mut self,
        id: i64,
        attempt: i64,
        at: DateTime<Utc>,
        error: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<RetryOutcome> {
        let status: Option<String> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "UPDATE jobs SET \
                 status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END, \
                 run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE $3 END, \
                 finished_at = CASE WHEN attempts >= max_attempts THEN $5 ELSE NULL END, \
                 locked_until = NULL, last_error = $4, updated_at = $5 \
                 WHERE id = $1 AND attempts = $2 AND status = 'running' \
                 RETURNING status",
            )
            .bind(id)
            .bind(attempt)
            .bind(at)
            .bind(error)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        Ok(match status.as_deref() {
            None => RetryOutcome::LeaseLost,
            Some("failed") => RetryOutcome::Failed,
            Some(_) => RetryOutcome::Retried(at),
        })
    }

    /// Drops the jobs with keys starting with `prefix` that are waiting to run (pending, or
    /// running on a lease that ran out); returns how many. Used when a newer job replaces them.
    pub async fn supersede_jobs(
        &mut self,
        prefix: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let end = prefix_end(prefix);
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET status = 'dropped', last_error = $3, locked_until = NULL, \
                 updated_at = $4, finished_at = $4 \
                 WHERE unique_key >= $1 AND unique_key < $2 \
                 AND (status = 'pending' OR (status = 'running' AND locked_until <= $4))",
            )
            .bind(prefix)
            .bind(&end)
            .bind(reason)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected)
    }

    /// When the next job becomes claimable: the earliest pending `run_at` or running lease end.
    pub async fn next_job_due(&mut self) -> StoreResult<Option<DateTime<Utc>>> {
        self.next_due_in(&super::queue::JOBS).await
    }

    /// Pending, due, running and failed jobs, and the oldest due, as of `now`.
    pub async fn job_counts(&mut self, now: DateTime<Utc>) -> StoreResult<JobCounts> {
        let (pending, due, running, failed): (i64, i64, i64, i64) = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM jobs WHERE status = 'pending'), \
                 (SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND run_at <= $1), \
                 (SELECT COUNT(*) FROM jobs WHERE status = 'running'), \
                 (SELECT COUNT(*) FROM jobs WHERE status = 'failed')",
            )
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        let oldest_due: Option<DateTime<Utc>> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT run_at FROM jobs WHERE status = 'pending' AND run_at <= $1 ORDER BY run_at LIMIT 1",
            )
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        Ok(JobCounts {
            pending,
            due,
            running,
            failed,
            oldest_due,
        })
    }

    /// One job by id.
    pub async fn job(&mut self, id: i64) -> StoreResult<Option<StoredJob>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let record: Option<JobRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql).bind(id).fetch_optional(c).await
        })?;
        record.map(JobRecord::into_job).transpose()
    }

    /// One job by its unique key.
    pub async fn job_by_key(&mut self, unique_key: &str) -> StoreResult<Option<StoredJob>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE unique_key = $1");
        let record: Option<JobRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql)
                .bind(unique_key)
                .fetch_optional(c)
                .await
        })?;
        record.map(JobRecord::into_job).transpose()
    }

    /// The jobs whose unique key starts with `prefix`, in key order.
    pub async fn jobs_with_key_prefix(&mut self, prefix: &str) -> StoreResult<Vec<StoredJob>> {
        let end = prefix_end(prefix);
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE unique_key >= $1 AND unique_key < $2 ORDER BY unique_key"
        );
        let records: Vec<JobRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql)
                .bind(prefix)
                .bind(&end)
                .fetch_all(c)
                .await
        })?;
        records.into_iter().map(JobRecord::into_job).collect()
    }

    /// The most recently failed jobs, newest first.
    pub async fn failed_jobs(&mut self, limit: u32) -> StoreResult<Vec<StoredJob>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE status = 'failed' ORDER BY updated_at DESC LIMIT $1"
        );
        let records: Vec<JobRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql)
                .bind(i64::from(limit))
                .fetch_all(c)
                .await
        })?;
        records.into_iter().map(JobRecord::into_job).collect()
    }

    /// Puts every failed job back to pending, due now, with a fresh set of attempts (after the
    /// cause was fixed); returns how many.
    pub async fn retry_failed_jobs(&mut self, now: DateTime<Utc>) -> StoreResult<u64> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE jobs SET status = 'pending', run_at = $1, attempts = 0, locked_until = NULL, \
                 updated_at = $1, finished_at = NULL WHERE status = 'failed'",
            )
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected)
    }

    /// Deletes jobs that finished (done, cancelled, dropped) before `before`; returns how many.
    /// Their keys become free again, so keep them longer than any key could be re-scheduled.
    pub async fn purge_finished_jobs(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "DELETE FROM jobs WHERE status IN ('done', 'cancelled', 'dropped') AND finished_at < $1",
            )
            .bind(before)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected)
    }

    /// The stored state of every recurring schedule, by name.
    pub async fn recurring_states(&mut self) -> StoreResult<Vec<RecurringState>> {
        let rows: Vec<RecurringState> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT name, spec, last_occurrence FROM recurring_schedules ORDER BY name",
            )
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// The stored state of one recurring schedule.
    pub async fn recurring_state(&mut self, name: &str) -> StoreResult<Option<RecurringState>> {
        let row: Option<RecurringState> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT name, spec, last_occurrence FROM recurring_schedules WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(c)
            .await
        })?;
        Ok(row)
    }

    pub async fn save_recurring_state(
        &mut self,
        state: &RecurringState,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO recurring_schedules (name, spec, last_occurrence, updated_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, \
                 last_occurrence = excluded.last_occurrence, updated_at = excluded.updated_at",
            )
            .bind(&state.name)
            .bind(&state.spec)
            .bind(state.last_occurrence)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn remove_recurring_state(&mut self, name: &str) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query("DELETE FROM recurring_schedules WHERE name = $1")
                .bind(name)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected > 0)
    }
}
