//! Recurring schedules: cron expressions in the project's time zone, materialised one occurrence
//! at a time as keyed jobs.
//!
//! Each occurrence becomes a job with unique key `recurring:{name}:{occurrence, UTC RFC 3339}`,
//! so no occurrence is ever scheduled (or run) twice, whatever the restarts and however many
//! instances run. The `recurring_schedules` table remembers, per schedule, the latest occurrence
//! materialised (`last_occurrence`) and the definition it came from. [`CompiledSchedule::materialise`]
//! runs at start-up and in the transaction that settles each occurrence's job:
//!
//! - a new schedule (or one whose cron, kind, payload or time zone changed) gets its next
//!   occurrence after now; nothing is caught up;
//! - when occurrences after `last_occurrence` were missed (the bot was down), the latest missed
//!   one is scheduled to run **once**, now; older occurrences still waiting are dropped as
//!   superseded — a daily digest missed for three days runs once, not three times;
//! - then the next occurrence after now is scheduled, and remembered.

use super::ScheduleError;
use crate::store::jobs::NewJob;
use crate::store::{StoreResult, Tx};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;

const KEY_PREFIX: &str = "recurring:";

/// One recurring schedule, as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecurringSchedule {
    /// Identifies the schedule across restarts: letters, digits, `_`, `-`, `.` (at most 64).
    /// Renaming a schedule starts it afresh.
    pub name: String,
    /// A `cron` crate expression **with a seconds field**, evaluated in the project's time zone:
    /// `"0 0 9 * * *"` is every day at 09:00 local time. Fields: sec min hour day-of-month month
    /// day-of-week [year].
    pub cron: String,
    /// The job kind each occurrence runs as (a handler must be registered for it).
    pub kind: String,
    /// The payload of each occurrence's job.
    #[serde(default = "empty_object")]
    pub payload: Value,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

impl RecurringSchedule {
    pub fn new(
        name: impl Into<String>,
        cron: impl Into<String>,
        kind: impl Into<String>,
        payload: Value,
    ) -> Self {
        RecurringSchedule {
            name: name.into(),
            cron: cron.into(),
            kind: kind.into(),
            payload,
        }
    }

    /// A schedule whose occurrences each run `job`.
    pub fn of(name: impl Into<String>, cron: impl Into<String>, job: &super::Job) -> Self {
        let (kind, payload) = job.encode();
        RecurringSchedule::new(name, cron, kind, payload)
    }
}

/// The unique key of one occurrence's job.
pub fn occurrence_key(schedule: &str, occurrence: DateTime<Utc>) -> String {
    format!(
        "{KEY_PREFIX}{schedule}:{}",
        occurrence.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// The schedule name and occurrence of a recurring job, from its unique key.
pub fn parse_occurrence_key(key: &str) -> Option<(&str, DateTime<Utc>)> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (name, at) = rest.split_once(':')?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((name, at))
}

fn key_prefix(schedule: &str) -> String {
    format!("{KEY_PREFIX}{schedule}:")
}

/// A validated schedule, ready to compute occurrences.
#[derive(Debug, Clone)]
pub(crate) struct CompiledSchedule {
    pub(crate) def: RecurringSchedule,
    cron: ::cron::Schedule,
    tz: Tz,
    /// The definition as stored, to notice a changed schedule across restarts.
    spec: String,
}

impl CompiledSchedule {
    pub(crate) fn compile(def: RecurringSchedule, tz: Tz) -> Result<Self, ScheduleError> {
        let name = def.name.clone();
        let invalid = |message: &str| ScheduleError::Invalid {
            name: name.clone(),
            message: message.to_string(),
        };
        let name_ok = !def.name.is_empty()
            && def.name.len() <= 64
            && def
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !name_ok {
            return Err(invalid(
                "the name must be 1–64 letters, digits, '_', '-' or '.'",
            ));
        }
        if def.kind.trim().is_empty() {
            return Err(invalid("the job kind is empty"));
        }
        let cron =
            ::cron::Schedule::from_str(def.cron.trim()).map_err(|e| ScheduleError::BadCron {
                name: def.name.clone(),
                cron: def.cron.clone(),
                message: e.to_string(),
            })?;
        let spec = serde_json::json!({
            "cron": def.cron.trim(),
            "kind": def.kind,
            "payload": def.payload,
            "tz": tz.name(),
        })
        .to_string();
        let compiled = CompiledSchedule {
            def,
            cron,
            tz,
            spec,
        };
        if compiled.next_after(Utc::now()).is_none() {
            return Err(invalid("the cron expression has no future occurrence"));
        }
        Ok(compiled)
    }

    pub(crate) fn name(&self) -> &str {
        &self.def.name
    }

    /// The first occurrence strictly after `t`.
    pub(crate) fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .after(&t.with_timezone(&self.tz))
            .map(|o| o.with_timezone(&Utc))
            .find(|o| *o > t)
    }

    /// The latest occurrence in `(after, upto]`.
    pub(crate) fn latest_between(
        &self,
        after: DateTime<Utc>,
        upto: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        // Walk back from just past `upto` (whole seconds are the cron resolution).
        let start = (upto + chrono::Duration::seconds(1)).with_timezone(&self.tz);
        self.cron
            .after(&start)
            .rev()
            .map(|o| o.with_timezone(&Utc))
            .find(|o| *o <= upto)
            .filter(|o| *o > after)
    }

    fn job(&self, occurrence: DateTime<Utc>, run_at: DateTime<Utc>, max_attempts: u32) -> NewJob {
        NewJob::new(self.def.kind.clone(), self.def.payload.clone(), run_at)
            .unique_key(occurrence_key(&self.def.name, occurrence))
            .max_attempts(max_attempts)
    }

    /// Brings the schedule's jobs up to date as of `now`, in the caller's (write) transaction;
    /// see the module documentation. Idempotent: running it again changes nothing.
    pub(crate) async fn materialise(
        &self,
        tx: &mut Tx,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> StoreResult<()> {
        let name = self.name();
        let prefix = key_prefix(name);
        let state = tx.recurring_state(name).await?;
        let last = match &state {
            Some(state) if state.spec == self.spec => state.last_occurrence,
            Some(_) => {
                let dropped = tx
                    .supersede_jobs(&prefix, "the schedule's definition changed", now)
                    .await?;
                tracing::info!(
                    schedule = name,
                    dropped,
                    "recurring schedule changed; starting it afresh"
                );
                None
            }
            None => None,
        };
        let mut newest = last;
        match last {
            // The next occurrence is already materialised (make sure, idempotently).
            Some(last) if last > now => {
                tx.schedule_job(&self.job(last, last, max_attempts), now)
                    .await?;
            }
            Some(last) => {
                if let Some(missed) = self.latest_between(last, now) {
                    let reason = format!(
                        "superseded by the catch-up run of {}",
                        missed.to_rfc3339_opts(SecondsFormat::Secs, true)
                    );
                    let dropped = tx.supersede_jobs(&prefix, &reason, now).await?;
                    tx.schedule_job(&self.job(missed, now, max_attempts), now)
                        .await?;
                    tracing::info!(
                        schedule = name,
                        last_materialised = %last,
                        missed = %missed,
                        superseded = dropped,
                        "occurrences were missed; running the latest one once now"
                    );
                }
            }
            None => {}
        }
        if newest.is_none_or(|last| last <= now)
            && let Some(next) = self.next_after(now)
        {
            tx.schedule_job(&self.job(next, next, max_attempts), now)
                .await?;
            newest = Some(next);
        }
        tx.save_recurring_state(
            &crate::store::jobs::RecurringState {
                name: name.to_string(),
                spec: self.spec.clone(),
                last_occurrence: newest,
            },
            now,
        )
        .await?;
        Ok(())
    }
}

/// Forgets a schedule that is no longer configured: its waiting occurrence is dropped.
pub(crate) async fn retire(tx: &mut Tx, name: &str, now: DateTime<Utc>) -> StoreResult<()> {
    let dropped = tx
        .supersede_jobs(
            &key_prefix(name),
            "the schedule was removed from the configuration",
            now,
        )
        .await?;
    tx.remove_recurring_state(name).await?;
    tracing::info!(
        schedule = name,
        dropped,
        "recurring schedule no longer configured; retired"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn daily_nine() -> CompiledSchedule {
        CompiledSchedule::compile(
            RecurringSchedule::new("digest", "0 0 9 * * *", "digest", Value::Null),
            chrono_tz::Asia::Shanghai,
        )
        .unwrap()
    }

    fn utc(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, m, s).unwrap()
    }

    #[test]
    fn occurrences_are_in_the_project_time_zone() {
        let s = daily_nine();
        // 09:00 in Shanghai is 01:00 UTC.
        assert_eq!(s.next_after(utc(1, 0, 0, 0)), Some(utc(1, 1, 0, 0)));
        assert_eq!(s.next_after(utc(1, 1, 0, 0)), Some(utc(2, 1, 0, 0)));
        assert_eq!(s.next_after(utc(1, 0, 59, 59)), Some(utc(1, 1, 0, 0)));
    }

    #[test]
    fn the_latest_missed_occurrence_is_found_inclusively() {
        let s = daily_nine();
        assert_eq!(
            s.latest_between(utc(1, 1, 0, 0), utc(4, 5, 0, 0)),
            Some(utc(4, 1, 0, 0))
        );
        assert_eq!(
            s.latest_between(utc(1, 1, 0, 0), utc(4, 1, 0, 0)),
            Some(utc(4, 1, 0, 0))
        );
        assert_eq!(s.latest_between(utc(1, 1, 0, 0), utc(2, 0, 59, 59)), None);
        let every_second = CompiledSchedule::compile(
            RecurringSchedule::new("tick", "* * * * * *", "tick", Value::Null),
            chrono_tz::UTC,
        )
        .unwrap();
        let t = utc(1, 0, 0, 0) + chrono::Duration::milliseconds(500);
        assert_eq!(
            every_second.latest_between(utc(1, 0, 0, 0) - chrono::Duration::days(30), t),
            Some(utc(1, 0, 0, 0))
        );
    }

    #[test]
    fn keys_round_trip() {
        let key = occurrence_key("digest", utc(4, 1, 0, 0));
        assert_eq!(key, "recurring:digest:2026-12-04T01:00:00Z");
        assert_eq!(
            parse_occurrence_key(&key),
            Some(("digest", utc(4, 1, 0, 0)))
        );
        assert_eq!(parse_occurrence_key("reminder:1"), None);
    }

    #[test]
    fn bad_definitions_name_the_schedule() {
        let err = CompiledSchedule::compile(
            RecurringSchedule::new("overdue-sweep", "every morning", "sweep", Value::Null),
            chrono_tz::UTC,
        )
        .unwrap_err();
        assert!(matches!(&err, ScheduleError::BadCron { name, .. } if name == "overdue-sweep"));
        assert!(err.to_string().contains("overdue-sweep"), "{err}");
        let err = CompiledSchedule::compile(
            RecurringSchedule::new("a:b", "0 0 9 * * *", "sweep", Value::Null),
            chrono_tz::UTC,
        )
        .unwrap_err();
        assert!(err.to_string().contains("a:b"), "{err}");
    }
}
