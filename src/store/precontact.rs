//! Early calls to key households, the overdue ones told once, and the campaign's key dates.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::precontact::{Attitude, KeyDate};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashSet;

/// One logged call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub staff_name: String,
    pub reached: bool,
    pub attitude: Option<Attitude>,
    pub concerns: String,
    /// The register's risks the buyer raised.
    pub risks: Vec<i64>,
    pub next_step: String,
    pub at: DateTime<Utc>,
}

/// What a call is logged with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall<'a> {
    pub unit_id: i64,
    pub staff_id: i64,
    pub reached: bool,
    pub attitude: Option<Attitude>,
    pub concerns: &'a str,
    pub risks: &'a [i64],
    pub next_step: &'a str,
}

impl Tx {
    pub async fn add_precontact_call(
        &mut self,
        call: &NewCall<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let risks = call
            .risks
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let id = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO precontact_calls (unit_id, staff_id, reached, attitude, concerns, risks, next_step, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(call.unit_id)
            .bind(call.staff_id)
            .bind(i32::from(call.reached))
            .bind(call.attitude.map(Attitude::as_str))
            .bind(call.concerns)
            .bind(&risks)
            .bind(call.next_step)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        Ok(id)
    }

    /// A household's calls, latest first.
    pub async fn precontact_calls(&mut self, unit_id: i64) -> StoreResult<Vec<Call>> {
        // A flag is INTEGER in both databases: 32 bits on PostgreSQL.
        type Row = (
            String,
            i32,
            Option<String>,
            String,
            String,
            String,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT s.name, pc.reached, pc.attitude, pc.concerns, pc.risks, pc.next_step, pc.created_at \
                 FROM precontact_calls pc JOIN staff s ON s.id = pc.staff_id \
                 WHERE pc.unit_id = $1 ORDER BY pc.id DESC",
            )
            .bind(unit_id)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(
                |(staff_name, reached, attitude, concerns, risks, next_step, at)| {
                    let attitude = match attitude {
                        Some(a) => Some(Attitude::parse(&a).ok_or_else(|| {
                            StoreError::Corrupt(format!(
                                "unit {unit_id} has a call with attitude {a:?}"
                            ))
                        })?),
                        None => None,
                    };
                    Ok(Call {
                        staff_name,
                        reached: reached != 0,
                        attitude,
                        concerns,
                        risks: risks.split(',').filter_map(|r| r.parse().ok()).collect(),
                        next_step,
                        at,
                    })
                },
            )
            .collect()
    }

    /// Adds `flag` to every buyer of a unit that lacks it.
    pub async fn add_unit_flag(
        &mut self,
        unit_id: i64,
        flag: crate::domain::people::RiskFlag,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let buyers: Vec<(i64, String)> = with_conn!(self, |c| {
            sqlx::query_as("SELECT id, risk_flags FROM buyers WHERE unit_id = $1")
                .bind(unit_id)
                .fetch_all(c)
                .await
        })?;
        for (id, flags) in buyers {
            let Some(text) = super::people::with_flag(&flags, flag) else {
                continue;
            };
            with_conn!(self, |c| {
                sqlx::query("UPDATE buyers SET risk_flags = $2, updated_at = $3 WHERE id = $1")
                    .bind(id)
                    .bind(&text)
                    .bind(now)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
            })?;
        }
        Ok(())
    }

    /// The households whose buyer some call reached.
    pub async fn reached_units(&mut self) -> StoreResult<HashSet<i64>> {
        let ids: Vec<i64> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT DISTINCT unit_id FROM precontact_calls WHERE reached = 1")
                .fetch_all(c)
                .await
        })?;
        Ok(ids.into_iter().collect())
    }

    /// Marks an unreached household told to the supervisors; false when it was already.
    pub async fn mark_precontact_overdue(
        &mut self,
        unit_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO precontact_overdue (unit_id, told_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(unit_id)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Sets (or, with `None`, clears) one of a project's key dates.
    pub async fn set_key_date(
        &mut self,
        project_id: i64,
        kind: KeyDate,
        day: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        match day {
            Some(day) => with_conn!(self, |c| {
                sqlx::query(
                    "INSERT INTO key_dates (project_id, kind, day, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (project_id, kind) DO UPDATE SET day = excluded.day, updated_at = excluded.updated_at",
                )
                .bind(project_id)
                .bind(kind.as_str())
                .bind(day.format("%Y-%m-%d").to_string())
                .bind(now)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
            })?,
            None => with_conn!(self, |c| {
                sqlx::query("DELETE FROM key_dates WHERE project_id = $1 AND kind = $2")
                    .bind(project_id)
                    .bind(kind.as_str())
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
            })?,
        };
        Ok(())
    }

    /// A project's key dates, in the campaign's order.
    pub async fn key_dates(&mut self, project_id: i64) -> StoreResult<Vec<(KeyDate, NaiveDate)>> {
        let rows: Vec<(String, String)> = with_conn!(self, |c| {
            sqlx::query_as("SELECT kind, day FROM key_dates WHERE project_id = $1")
                .bind(project_id)
                .fetch_all(c)
                .await
        })?;
        let mut dates = rows
            .into_iter()
            .map(|(kind, day)| {
                let kind = KeyDate::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("key date kind {kind:?}")))?;
                let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                    .map_err(|_| StoreError::Corrupt(format!("key date day {day:?}")))?;
                Ok((kind, day))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        dates.sort_by_key(|(kind, _)| *kind);
        Ok(dates)
    }
}
