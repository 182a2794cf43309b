//! Scheduler tests: each on its own temporary SQLite database (or its own fresh PostgreSQL
//! database when `TEST_DATABASE_URL` is set), with a manual clock that the test moves; no test
//! sleeps.

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::store::Store;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use std::sync::Mutex;

struct Fixture {
    // Declared before the directory: dropped (the database with it) first.
    _postgres: Option<crate::store::testdb::TestDatabase>,
    _dir: tempfile::TempDir,
    url: String,
    store: Store,
    clock: ManualClock,
}

fn t0() -> DateTime<Utc> {
    // 08:00 in Shanghai.
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let postgres = crate::store::testdb::TestDatabase::from_env();
    let url = match &postgres {
        Some(db) => db.url().to_string(),
        None => format!("sqlite://{}", dir.path().join("jobs.db").display()),
    };
    let store = connect(&url).await;
    Fixture {
        _postgres: postgres,
        _dir: dir,
        url,
        store,
        clock: ManualClock::new(t0()),
    }
}

async fn connect(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    store
}

fn options() -> SchedulerOptions {
    SchedulerOptions::new(chrono_tz::Asia::Shanghai)
}

impl Fixture {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn scheduler(&self, handlers: JobHandlers, schedules: Vec<RecurringSchedule>) -> Scheduler {
        self.scheduler_on(self.store.clone(), handlers, schedules)
    }

    fn scheduler_on(
        &self,
        store: Store,
        handlers: JobHandlers,
        schedules: Vec<RecurringSchedule>,
    ) -> Scheduler {
        Scheduler::new(
            store,
            Arc::new(self.clock.clone()),
            handlers,
            schedules,
            options(),
        )
        .unwrap()
    }

    async fn schedule(&self, job: NewJob) -> Option<i64> {
        let mut tx = self.store.begin().await.unwrap();
        let id = tx.schedule_job(&job, self.now()).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    async fn job(&self, id: i64) -> StoredJob {
        let mut tx = self.store.read().await.unwrap();
        tx.job(id).await.unwrap().expect("the job exists")
    }

    async fn job_by_key(&self, key: &str) -> StoredJob {
        let mut tx = self.store.read().await.unwrap();
        tx.job_by_key(key).await.unwrap().expect("the job exists")
    }

    async fn next_due(&self) -> Option<DateTime<Utc>> {
        let mut tx = self.store.read().await.unwrap();
        tx.next_job_due().await.unwrap()
    }
}

/// A handler that records every job it runs.
#[derive(Clone, Default)]
struct Recorder {
    runs: Arc<Mutex<Vec<StoredJob>>>,
}

impl Recorder {
    fn count(&self) -> usize {
        self.runs.lock().unwrap().len()
    }

    fn keys(&self) -> Vec<String> {
        self.runs
            .lock()
            .unwrap()
            .iter()
            .map(|j| j.unique_key.clone().unwrap_or_default())
            .collect()
    }
}

#[async_trait::async_trait]
impl JobHandler for Recorder {
    async fn run(&self, job: &StoredJob) -> Result<JobOutcome, JobError> {
        self.runs.lock().unwrap().push(job.clone());
        Ok(JobOutcome::Done)
    }
}

fn recording(kind: &str) -> (JobHandlers, Recorder) {
    let recorder = Recorder::default();
    (JobHandlers::new().with(kind, recorder.clone()), recorder)
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

#[tokio::test]
async fn a_job_due_at_t_runs_once_when_the_clock_passes_t_and_not_before() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("reminder");
    let scheduler = fx.scheduler(handlers, vec![]);
    let due = fx.now() + minutes(60);
    let id = fx
        .schedule(NewJob::new("reminder", json!({"appointment": 7}), due).unique_key("reminder:7"))
        .await
        .unwrap();
    assert_eq!(fx.next_due().await, Some(due));

    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);
    fx.clock.advance(minutes(59));
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);
    assert_eq!(recorder.count(), 0);

    fx.clock.advance(minutes(1));
    let summary = scheduler.run_due().await.unwrap();
    assert_eq!(summary.claimed, 1);
    assert_eq!(summary.done, 1);
    assert_eq!(recorder.count(), 1);
    assert_eq!(
        recorder.runs.lock().unwrap()[0].payload,
        json!({"appointment": 7})
    );

    fx.clock.advance(minutes(60));
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);
    assert_eq!(recorder.count(), 1);
    let job = fx.job(id).await;
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.finished_at, Some(due));
    assert_eq!(fx.next_due().await, None);
}

#[tokio::test]
async fn a_job_runs_once_after_a_restart_that_happened_before_it_was_due() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("reminder");
    let due = fx.now() + minutes(60);
    {
        let first = fx.scheduler(handlers.clone(), vec![]);
        fx.schedule(NewJob::new("reminder", json!({}), due).unique_key("reminder:7"))
            .await;
        assert_eq!(first.run_due().await.unwrap().claimed, 0);
        fx.clock.advance(minutes(30));
        assert_eq!(first.run_due().await.unwrap().claimed, 0);
        // The process stops here.
    }
    fx.store.close().await;

    let store = connect(&fx.url).await;
    let second = fx.scheduler_on(store.clone(), handlers.clone(), vec![]);
    second.sync_schedules().await.unwrap();
    assert_eq!(second.run_due().await.unwrap().claimed, 0);
    fx.clock.advance(minutes(30));
    assert_eq!(second.run_due().await.unwrap().done, 1);
    assert_eq!(recorder.count(), 1);

    // Yet another restart after it ran: nothing runs again.
    let third = fx.scheduler_on(connect(&fx.url).await, handlers, vec![]);
    third.sync_schedules().await.unwrap();
    fx.clock.advance(minutes(60));
    assert_eq!(third.run_due().await.unwrap().claimed, 0);
    assert_eq!(recorder.count(), 1);
}

#[tokio::test]
async fn a_cancelled_job_never_runs_and_a_unique_key_is_scheduled_once() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("reminder");
    let scheduler = fx.scheduler(handlers, vec![]);
    let due = fx.now() + minutes(60);
    let day_before = fx
        .schedule(NewJob::new("reminder", json!({}), due).unique_key("reminder:appointment:7:24h"))
        .await
        .unwrap();
    // Scheduling the same key again (a retried use case) adds nothing.
    assert_eq!(
        fx.schedule(
            NewJob::new("reminder", json!({}), due).unique_key("reminder:appointment:7:24h")
        )
        .await,
        None
    );
    fx.schedule(NewJob::new("reminder", json!({}), due).unique_key("reminder:appointment:7:1h"))
        .await
        .unwrap();
    let other = fx
        .schedule(NewJob::new("reminder", json!({}), due).unique_key("reminder:appointment:70:1h"))
        .await
        .unwrap();

    let mut tx = fx.store.begin().await.unwrap();
    let cancelled = tx
        .cancel_jobs(
            "reminder",
            KeyMatch::Prefix("reminder:appointment:7:"),
            fx.now(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(cancelled, 2);

    fx.clock.advance(minutes(120));
    assert_eq!(scheduler.run_due().await.unwrap().done, 1);
    assert_eq!(recorder.keys(), vec!["reminder:appointment:70:1h"]);
    assert_eq!(fx.job(day_before).await.status, JobStatus::Cancelled);
    assert_eq!(fx.job(other).await.status, JobStatus::Done);
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);

    // A cancelled key that is needed again can be scheduled again.
    let later = fx.now() + minutes(60);
    let revived = fx
        .schedule(
            NewJob::new("reminder", json!({"again": true}), later)
                .unique_key("reminder:appointment:7:24h"),
        )
        .await;
    assert_eq!(revived, Some(day_before));
    let mut tx = fx.store.begin().await.unwrap();
    assert_eq!(
        tx.cancel_jobs(
            "reminder",
            KeyMatch::Exact("reminder:appointment:70:1h"),
            fx.now()
        )
        .await
        .unwrap(),
        0,
        "a job that already ran cannot be cancelled"
    );
    tx.commit().await.unwrap();
    fx.clock.advance(minutes(60));
    assert_eq!(scheduler.run_due().await.unwrap().done, 1);
    assert_eq!(recorder.count(), 2);
}

#[tokio::test]
async fn a_rescheduled_job_runs_at_its_new_time() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("reminder");
    let scheduler = fx.scheduler(handlers, vec![]);
    fx.schedule(NewJob::new("reminder", json!({}), fx.now() + minutes(10)).unique_key("r:1"))
        .await;
    let mut tx = fx.store.begin().await.unwrap();
    assert!(
        tx.reschedule_job("r:1", fx.now() + minutes(90), fx.now())
            .await
            .unwrap()
    );
    assert!(
        !tx.reschedule_job("r:missing", fx.now(), fx.now())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    fx.clock.advance(minutes(60));
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);
    fx.clock.advance(minutes(30));
    assert_eq!(scheduler.run_due().await.unwrap().done, 1);
    assert_eq!(recorder.count(), 1);
}

#[tokio::test]
async fn an_expired_job_is_dropped_and_its_handler_never_called() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("reminder");
    let scheduler = fx.scheduler(handlers, vec![]);
    let due = fx.now() + minutes(60);
    let appointment_starts = due + minutes(60);
    let id = fx
        .schedule(NewJob::new("reminder", json!({}), due).expires_at(appointment_starts))
        .await
        .unwrap();
    // The bot was down until after the appointment started.
    fx.clock.set(appointment_starts + minutes(5));
    let summary = scheduler.run_due().await.unwrap();
    assert_eq!(summary.claimed, 1);
    assert_eq!(summary.dropped, 1);
    assert_eq!(recorder.count(), 0);
    let job = fx.job(id).await;
    assert_eq!(job.status, JobStatus::Dropped);
    assert!(job.last_error.unwrap().contains("expired"));
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);
}

#[tokio::test]
async fn a_crashed_workers_lease_runs_out_and_the_job_runs_again() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("reminder");
    let scheduler = fx.scheduler(handlers, vec![]);
    let id = fx
        .schedule(NewJob::new("reminder", json!({}), fx.now()))
        .await
        .unwrap();
    // A worker claims the job and dies before recording anything.
    let mut tx = fx.store.begin().await.unwrap();
    let claimed = tx.claim_due_jobs(fx.now(), minutes(5), 10).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(fx.next_due().await, Some(fx.now() + minutes(5)));

    // While the lease holds, nobody else takes the job.
    fx.clock.advance(minutes(4));
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);
    fx.clock.advance(minutes(1));
    let summary = scheduler.run_due().await.unwrap();
    assert_eq!(summary.done, 1);
    assert_eq!(recorder.count(), 1);
    let job = fx.job(id).await;
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(job.attempts, 2);

    // The dead worker's claim, come back to life, cannot overwrite the result.
    let mut tx = fx.store.begin().await.unwrap();
    assert!(!tx.finish_job(id, 1, fx.now()).await.unwrap());
    assert_eq!(
        tx.retry_job(id, 1, fx.now(), "late", fx.now())
            .await
            .unwrap(),
        RetryOutcome::LeaseLost
    );
    tx.commit().await.unwrap();
    assert_eq!(fx.job(id).await.status, JobStatus::Done);
}

#[tokio::test]
async fn a_job_whose_workers_keep_dying_fails_after_its_attempts() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("reminder");
    let scheduler = fx.scheduler(handlers, vec![]);
    let id = fx
        .schedule(NewJob::new("reminder", json!({}), fx.now()).max_attempts(2))
        .await
        .unwrap();
    for _ in 0..2 {
        let mut tx = fx.store.begin().await.unwrap();
        assert_eq!(
            tx.claim_due_jobs(fx.now(), minutes(5), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        tx.commit().await.unwrap();
        fx.clock.advance(minutes(5));
    }
    let summary = scheduler.run_due().await.unwrap();
    assert_eq!(summary.failed, 1);
    assert_eq!(recorder.count(), 0);
    let job = fx.job(id).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.last_error.unwrap().contains("gave up after 2 attempts"));
}

#[tokio::test]
async fn a_failing_handler_is_retried_with_backoff_then_fails_with_its_last_error() {
    let fx = fixture().await;
    let calls = Arc::new(Mutex::new(0_u32));
    let counter = calls.clone();
    let handlers = JobHandlers::new().with(
        "flaky",
        handler_fn(move |_job| {
            let counter = counter.clone();
            async move {
                let n = {
                    let mut calls = counter.lock().unwrap();
                    *calls += 1;
                    *calls
                };
                Err(JobError::Retry(format!("telegram unreachable (call {n})")))
            }
        }),
    );
    let scheduler = fx.scheduler(handlers, vec![]);
    let id = fx
        .schedule(NewJob::new("flaky", json!({}), fx.now()).max_attempts(3))
        .await
        .unwrap();

    // Attempt 1 fails: back to pending about 30 s later (±25% jitter).
    let start = fx.now();
    assert_eq!(scheduler.run_due().await.unwrap().retried, 1);
    let job = fx.job(id).await;
    assert_eq!(job.status, JobStatus::Pending);
    let first_wait = job.run_at - start;
    assert!(
        first_wait >= chrono::Duration::milliseconds(22_500)
            && first_wait <= chrono::Duration::milliseconds(37_500),
        "{first_wait}"
    );
    assert_eq!(
        job.last_error.as_deref(),
        Some("telegram unreachable (call 1)")
    );
    // Not before its time.
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);

    // Attempt 2 fails: the wait doubles (about 60 s).
    fx.clock.set(job.run_at);
    let second_start = fx.now();
    assert_eq!(scheduler.run_due().await.unwrap().retried, 1);
    let job = fx.job(id).await;
    let second_wait = job.run_at - second_start;
    assert!(
        second_wait >= chrono::Duration::seconds(45)
            && second_wait <= chrono::Duration::seconds(75),
        "{second_wait}"
    );

    // Attempt 3 fails: attempts used up, failed for good.
    fx.clock.set(job.run_at);
    assert_eq!(scheduler.run_due().await.unwrap().failed, 1);
    let job = fx.job(id).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.attempts, 3);
    assert_eq!(
        job.last_error.as_deref(),
        Some("telegram unreachable (call 3)")
    );
    assert!(job.finished_at.is_some());
    fx.clock.advance(chrono::Duration::days(1));
    assert_eq!(scheduler.run_due().await.unwrap().claimed, 0);
    assert_eq!(*calls.lock().unwrap(), 3);

    let mut tx = fx.store.read().await.unwrap();
    let counts = tx.job_counts(fx.now()).await.unwrap();
    assert_eq!(counts.failed, 1);
    assert_eq!(counts.pending, 0);
    assert_eq!(tx.failed_jobs(10).await.unwrap()[0].id, id);
}

#[tokio::test]
async fn permanent_errors_unknown_kinds_and_panics() {
    let fx = fixture().await;
    let handlers = JobHandlers::new()
        .with(
            "broken",
            handler_fn(|_job| async { Err(JobError::fail("payload has no buyer id")) }),
        )
        .with(
            "panicky",
            handler_fn(|job: StoredJob| async move {
                if job.attempts == 1 {
                    panic!("first run explodes");
                }
                Ok(JobOutcome::Done)
            }),
        )
        .with(
            "obsolete",
            handler_fn(|_job| async { Ok(JobOutcome::Dropped("appointment cancelled".into())) }),
        );
    let scheduler = fx.scheduler(handlers, vec![]);
    let broken = fx
        .schedule(NewJob::new("broken", json!({}), fx.now()))
        .await
        .unwrap();
    let mystery = fx
        .schedule(NewJob::new("mystery", json!({}), fx.now()))
        .await
        .unwrap();
    let panicky = fx
        .schedule(NewJob::new("panicky", json!({}), fx.now()))
        .await
        .unwrap();
    let obsolete = fx
        .schedule(NewJob::new("obsolete", json!({}), fx.now()))
        .await
        .unwrap();

    let summary = scheduler.run_due().await.unwrap();
    assert_eq!(summary.claimed, 4);
    assert_eq!(
        (summary.failed, summary.retried, summary.dropped),
        (2, 1, 1)
    );
    let job = fx.job(broken).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.attempts, 1, "a permanent error is not retried");
    let job = fx.job(mystery).await;
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.last_error.unwrap().contains("\"mystery\""));
    assert_eq!(
        fx.job(obsolete).await.last_error.as_deref(),
        Some("appointment cancelled")
    );
    let job = fx.job(panicky).await;
    assert_eq!(job.status, JobStatus::Pending);
    assert!(job.last_error.unwrap().contains("first run explodes"));
    fx.clock.set(job.run_at);
    assert_eq!(scheduler.run_due().await.unwrap().done, 1);
}

fn daily_digest() -> RecurringSchedule {
    RecurringSchedule::new(
        "daily-digest",
        "0 0 9 * * *",
        "digest",
        json!({"scope": "all"}),
    )
}

fn utc(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
}

#[tokio::test]
async fn a_daily_job_missed_across_three_days_of_downtime_runs_once_then_daily_again() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("digest");

    // First life: the schedule materialises 09:00 Shanghai = 01:00 UTC, which runs.
    let first = fx.scheduler(handlers.clone(), vec![daily_digest()]);
    first.sync_schedules().await.unwrap();
    assert_eq!(fx.next_due().await, Some(utc(1, 1)));
    assert_eq!(first.run_due().await.unwrap().claimed, 0);
    fx.clock.set(utc(1, 1));
    assert_eq!(first.run_due().await.unwrap().done, 1);
    assert_eq!(
        recorder.keys(),
        vec!["recurring:daily-digest:2026-12-01T01:00:00Z"]
    );
    assert_eq!(
        recorder.runs.lock().unwrap()[0].payload,
        json!({"scope": "all"})
    );
    assert_eq!(
        fx.next_due().await,
        Some(utc(2, 1)),
        "the next occurrence follows"
    );
    drop(first);
    fx.store.close().await;

    // Down for three days: the occurrences of the 2nd, 3rd and 4th are missed.
    fx.clock.set(utc(4, 5));
    let store = connect(&fx.url).await;
    let second = fx.scheduler_on(store.clone(), handlers.clone(), vec![daily_digest()]);
    second.sync_schedules().await.unwrap();
    let summary = second.run_due().await.unwrap();
    assert_eq!(summary.done, 1, "{summary:?}");
    assert_eq!(recorder.count(), 2);
    assert_eq!(
        recorder.keys()[1],
        "recurring:daily-digest:2026-12-04T01:00:00Z"
    );
    let next = {
        let mut tx = store.read().await.unwrap();
        tx.next_job_due().await.unwrap().unwrap()
    };
    assert_eq!(next, utc(5, 1));
    let local = next.with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!(
        local.format("%Y-%m-%d %H:%M").to_string(),
        "2026-12-05 09:00"
    );
    {
        let mut tx = store.read().await.unwrap();
        let jobs = tx
            .jobs_with_key_prefix("recurring:daily-digest:")
            .await
            .unwrap();
        let statuses: Vec<(String, JobStatus)> = jobs
            .into_iter()
            .map(|j| (j.unique_key.unwrap(), j.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (
                    "recurring:daily-digest:2026-12-01T01:00:00Z".into(),
                    JobStatus::Done
                ),
                (
                    "recurring:daily-digest:2026-12-02T01:00:00Z".into(),
                    JobStatus::Dropped
                ),
                (
                    "recurring:daily-digest:2026-12-04T01:00:00Z".into(),
                    JobStatus::Done
                ),
                (
                    "recurring:daily-digest:2026-12-05T01:00:00Z".into(),
                    JobStatus::Pending
                ),
            ]
        );
    }

    // Another restart at the same moment (or a second instance) adds nothing.
    let third = fx.scheduler_on(connect(&fx.url).await, handlers, vec![daily_digest()]);
    third.sync_schedules().await.unwrap();
    second.sync_schedules().await.unwrap();
    assert_eq!(third.run_due().await.unwrap().claimed, 0);
    assert_eq!(second.run_due().await.unwrap().claimed, 0);

    fx.clock.set(utc(5, 1) - chrono::Duration::seconds(1));
    assert_eq!(second.run_due().await.unwrap().claimed, 0);
    fx.clock.set(utc(5, 1));
    assert_eq!(third.run_due().await.unwrap().done, 1);
    assert_eq!(second.run_due().await.unwrap().claimed, 0);
    assert_eq!(recorder.count(), 3);
    assert_eq!(
        recorder.keys()[2],
        "recurring:daily-digest:2026-12-05T01:00:00Z"
    );
}

#[tokio::test]
async fn an_occurrence_still_waiting_when_the_bot_went_down_is_not_run_twice() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("digest");
    let first = fx.scheduler(handlers.clone(), vec![daily_digest()]);
    first.sync_schedules().await.unwrap();
    drop(first);
    // Down from 08:00 on the 1st (before the first occurrence) until the 4th.
    fx.clock.set(utc(4, 5));
    let second = fx.scheduler(handlers, vec![daily_digest()]);
    second.sync_schedules().await.unwrap();
    assert_eq!(second.run_due().await.unwrap().done, 1);
    assert_eq!(
        recorder.keys(),
        vec!["recurring:daily-digest:2026-12-04T01:00:00Z"]
    );
    assert_eq!(fx.next_due().await, Some(utc(5, 1)));
    assert_eq!(
        fx.job_by_key("recurring:daily-digest:2026-12-01T01:00:00Z")
            .await
            .status,
        JobStatus::Dropped
    );
}

#[tokio::test]
async fn a_changed_or_removed_schedule_replaces_its_waiting_occurrence() {
    let fx = fixture().await;
    let (handlers, recorder) = recording("digest");
    fx.scheduler(handlers.clone(), vec![daily_digest()])
        .sync_schedules()
        .await
        .unwrap();
    assert_eq!(fx.next_due().await, Some(utc(1, 1)));

    // Restarted with the digest moved to 10:00 local time.
    let mut moved = daily_digest();
    moved.cron = "0 0 10 * * *".into();
    let scheduler = fx.scheduler(handlers.clone(), vec![moved]);
    scheduler.sync_schedules().await.unwrap();
    assert_eq!(fx.next_due().await, Some(utc(1, 2)));
    fx.clock.set(utc(1, 2));
    assert_eq!(scheduler.run_due().await.unwrap().done, 1);
    assert_eq!(
        recorder.keys(),
        vec!["recurring:daily-digest:2026-12-01T02:00:00Z"]
    );

    // Restarted without it: its next occurrence is dropped.
    let scheduler = fx.scheduler(handlers, vec![]);
    scheduler.sync_schedules().await.unwrap();
    assert_eq!(fx.next_due().await, None);
    let mut tx = fx.store.read().await.unwrap();
    assert!(tx.recurring_states().await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_schedules_are_configuration_errors_naming_the_schedule() {
    let fx = fixture().await;
    let (handlers, _) = recording("digest");
    let make = |schedules| {
        Scheduler::new(
            fx.store.clone(),
            Arc::new(fx.clock.clone()),
            handlers.clone(),
            schedules,
            options(),
        )
    };
    let mut bad = daily_digest();
    bad.cron = "0 0 25 * * *".into();
    let err = make(vec![bad]).unwrap_err();
    assert!(
        matches!(&err, ScheduleError::BadCron { name, .. } if name == "daily-digest"),
        "{err}"
    );
    let mut unknown = daily_digest();
    unknown.kind = "nothing-handles-this".into();
    let err = make(vec![unknown]).unwrap_err();
    assert!(err.to_string().contains("daily-digest"), "{err}");
    assert!(err.to_string().contains("nothing-handles-this"), "{err}");
    let err = make(vec![daily_digest(), daily_digest()]).unwrap_err();
    assert_eq!(err, ScheduleError::Duplicate("daily-digest".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_claiming_at_once_never_run_a_job_twice() {
    let fx = fixture().await;
    let runs: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let handlers = {
        let runs = runs.clone();
        JobHandlers::new().with(
            "work",
            handler_fn(move |job: StoredJob| {
                let runs = runs.clone();
                async move {
                    tokio::task::yield_now().await;
                    *runs.lock().unwrap().entry(job.id).or_default() += 1;
                    Ok(JobOutcome::Done)
                }
            }),
        )
    };
    let total = 300;
    let mut tx = fx.store.begin().await.unwrap();
    for i in 0..total {
        let job = NewJob::new(
            "work",
            json!({"n": i}),
            fx.now() - chrono::Duration::seconds(i),
        );
        tx.schedule_job(&job, fx.now()).await.unwrap().unwrap();
    }
    tx.commit().await.unwrap();

    // Two instances: separate connection pools on the same database file.
    let mut small_batches = options();
    small_batches.batch_size = 8;
    let make = |store| {
        Arc::new(
            Scheduler::new(
                store,
                Arc::new(fx.clock.clone()),
                handlers.clone(),
                vec![],
                small_batches.clone(),
            )
            .unwrap(),
        )
    };
    let a = make(connect(&fx.url).await);
    let b = make(connect(&fx.url).await);
    let (ra, rb) = tokio::join!(
        tokio::spawn({
            let a = a.clone();
            async move { a.run_due().await.unwrap() }
        }),
        tokio::spawn({
            let b = b.clone();
            async move { b.run_due().await.unwrap() }
        }),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.claimed + rb.claimed, total as usize, "{ra:?} {rb:?}");
    assert_eq!(ra.done + rb.done, total as usize);
    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), total as usize);
    assert!(runs.values().all(|n| *n == 1), "a job ran twice");
    let mut tx = fx.store.read().await.unwrap();
    let counts = tx.job_counts(fx.now()).await.unwrap();
    assert_eq!((counts.pending, counts.running, counts.failed), (0, 0, 0));
}

/// Awaits `what`, failing the test if it takes unreasonably long (a hang, not a timing check).
async fn within<T>(what: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(20), what)
        .await
        .expect("in time")
}

#[tokio::test]
async fn the_worker_loop_wakes_for_the_clock_and_for_new_work_and_stops_on_shutdown() {
    let fx = fixture().await;
    let (ran_tx, mut ran) = tokio::sync::mpsc::unbounded_channel::<String>();
    let handlers = JobHandlers::new().with(
        "reminder",
        handler_fn(move |job: StoredJob| {
            let ran_tx = ran_tx.clone();
            async move {
                let _ = ran_tx.send(job.unique_key.unwrap_or_default());
                Ok(JobOutcome::Done)
            }
        }),
    );
    let scheduler = fx.scheduler(handlers, vec![]);
    let waker = scheduler.waker();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(scheduler.run(async move {
        let _ = stopped.await;
    }));

    // New work due now: the waker gets it run at once.
    fx.schedule(NewJob::new("reminder", json!({}), fx.now()).unique_key("now"))
        .await;
    waker.wake();
    assert_eq!(within(ran.recv()).await.as_deref(), Some("now"));

    // Work due later: it runs when the clock gets there.
    fx.schedule(NewJob::new("reminder", json!({}), fx.now() + minutes(60)).unique_key("later"))
        .await;
    waker.wake();
    tokio::task::yield_now().await;
    fx.clock.advance(minutes(30));
    tokio::task::yield_now().await;
    assert!(ran.try_recv().is_err(), "ran before its time");
    fx.clock.advance(minutes(30));
    assert_eq!(within(ran.recv()).await.as_deref(), Some("later"));

    stop.send(()).unwrap();
    within(worker).await.unwrap();
}

#[tokio::test]
async fn job_counts_show_the_queue() {
    let fx = fixture().await;
    fx.schedule(NewJob::new("a", json!({}), fx.now() - minutes(10)))
        .await;
    fx.schedule(NewJob::new("a", json!({}), fx.now() - minutes(5)))
        .await;
    fx.schedule(NewJob::new("a", json!({}), fx.now() + minutes(5)))
        .await;
    let mut tx = fx.store.read().await.unwrap();
    let counts = tx.job_counts(fx.now()).await.unwrap();
    assert_eq!(
        counts,
        JobCounts {
            pending: 3,
            due: 2,
            running: 0,
            failed: 0,
            oldest_due: Some(fx.now() - minutes(10)),
        }
    );
}

/// On PostgreSQL, a claim skips the rows another instance's claim holds instead of waiting for
/// it or taking them twice: two transactions open side by side claim disjoint rows, jobs and
/// outbox messages alike. (SQLite serialises writers, so there is nothing to show there.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_on_postgres_skip_rows_another_claim_holds() {
    let fx = fixture().await;
    if fx.store.kind() != crate::store::DatabaseKind::Postgres {
        return;
    }
    let now = fx.now();
    let mut tx = fx.store.begin().await.unwrap();
    for i in 0..6 {
        let job = NewJob::new("work", json!({"n": i}), now - chrono::Duration::seconds(i));
        tx.schedule_job(&job, now).await.unwrap().unwrap();
    }
    for chat in 0..6 {
        let content = crate::domain::message::Content::text(format!("to {chat}"));
        assert!(
            tx.enqueue_message(1000 + chat, &format!("k{chat}"), &content, now)
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();

    let other = connect(&fx.url).await;
    let lease = chrono::Duration::minutes(5);
    let mut first = fx.store.begin().await.unwrap();
    let mut second = other.begin().await.unwrap();
    let jobs_a = within(first.claim_due_jobs(now, lease, 4)).await.unwrap();
    // The first claim is not committed: its rows are locked, the rest are free.
    let jobs_b = within(second.claim_due_jobs(now, lease, 4)).await.unwrap();
    let outbox_a = within(first.claim_outbox(now, now + lease, 4))
        .await
        .unwrap();
    let outbox_b = within(second.claim_outbox(now, now + lease, 4))
        .await
        .unwrap();
    first.commit().await.unwrap();
    second.commit().await.unwrap();

    assert_eq!((jobs_a.len(), jobs_b.len()), (4, 2));
    let mut job_ids: Vec<i64> = jobs_a.iter().chain(&jobs_b).map(|j| j.id).collect();
    job_ids.sort();
    job_ids.dedup();
    assert_eq!(job_ids.len(), 6, "a job was claimed twice");
    assert_eq!((outbox_a.len(), outbox_b.len()), (4, 2));
    let mut chats: Vec<i64> = outbox_a
        .iter()
        .chain(&outbox_b)
        .map(|r| r.chat_id)
        .collect();
    chats.sort();
    chats.dedup();
    assert_eq!(chats.len(), 6, "a message was claimed twice");
    other.close().await;
}
