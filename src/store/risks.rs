//! The risk register: risks with their history, and what the chase of a missing response reads.

use super::{StoreError, StoreResult, Tx, UpsertOutcome, with_conn};
use crate::domain::risk::{RiskCategory, RiskScope, RiskStatus, Severity};
use chrono::{DateTime, Utc};

/// One risk as kept, with its project's code and its owner's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    pub id: i64,
    pub project_id: i64,
    pub project: String,
    pub scope: RiskScope,
    pub category: RiskCategory,
    pub difference: String,
    pub response: Option<String>,
    pub owner_staff_id: Option<i64>,
    pub owner_name: Option<String>,
    pub severity: Severity,
    pub status: RiskStatus,
    pub chased_at: Option<DateTime<Utc>>,
}

/// One change in a risk's life.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskEvent {
    pub actor: String,
    pub status: RiskStatus,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// What a risk is written with (by the dialogue or a row of the register's file).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskFields<'a> {
    pub scope: &'a RiskScope,
    pub category: RiskCategory,
    pub difference: &'a str,
    pub response: Option<&'a str>,
    pub owner_staff_id: Option<i64>,
    pub severity: Severity,
}

/// What writing a risk did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskWrite {
    pub id: i64,
    pub outcome: UpsertOutcome,
    /// The owner is new to this risk (its owner is told).
    pub new_owner: Option<i64>,
    pub status: RiskStatus,
}

type RiskRecord = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    String,
    Option<DateTime<Utc>>,
);

const RISK_SELECT: &str = "SELECT r.id, r.project_id, p.code, r.scope, r.category, r.difference, r.response, \
     r.owner_staff_id, s.name, r.severity, r.status, r.chased_at \
     FROM risks r JOIN projects p ON p.id = r.project_id LEFT JOIN staff s ON s.id = r.owner_staff_id";

fn corrupt(id: i64, what: &str) -> StoreError {
    StoreError::Corrupt(format!("risk {id} has an unreadable {what}"))
}

fn risk(r: RiskRecord) -> StoreResult<Risk> {
    let id = r.0;
    Ok(Risk {
        id,
        project_id: r.1,
        project: r.2,
        scope: serde_json::from_str(&r.3).map_err(|_| corrupt(id, "scope"))?,
        category: r.4.parse().map_err(|_| corrupt(id, "category"))?,
        difference: r.5,
        response: r.6,
        owner_staff_id: r.7,
        owner_name: r.8,
        severity: r.9.parse().map_err(|_| corrupt(id, "severity"))?,
        status: RiskStatus::parse(&r.10).ok_or_else(|| corrupt(id, "status"))?,
        chased_at: r.11,
    })
}

fn scope_text(scope: &RiskScope) -> String {
    // A derived Serialize of plain strings cannot fail.
    serde_json::to_string(scope).unwrap_or_default()
}

impl Tx {
    /// Writes a risk, known by project, scope and description. An existing one takes the new
    /// category, severity, owner and (when given) response; a response written to an open risk
    /// makes it response-ready. History is the caller's (see [`Tx::add_risk_event`]).
    pub async fn upsert_risk(
        &mut self,
        project_id: i64,
        fields: &RiskFields<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<RiskWrite> {
        let scope = scope_text(fields.scope);
        type Kept = (i64, String, Option<String>, Option<i64>, String, String);
        let existing: Option<Kept> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, category, response, owner_staff_id, severity, status FROM risks \
                     WHERE project_id = $1 AND scope = $2 AND difference = $3",
            )
            .bind(project_id)
            .bind(&scope)
            .bind(fields.difference)
            .fetch_optional(c)
            .await
        })?;
        let response = fields.response.map(str::trim).filter(|r| !r.is_empty());
        let Some((id, category, old_response, owner, severity, status)) = existing else {
            let status = if response.is_some() {
                RiskStatus::ResponseReady
            } else {
                RiskStatus::Open
            };
            let id: i64 = with_conn!(self, |c| {
                sqlx::query_scalar(
                    "INSERT INTO risks (project_id, scope, category, difference, response, owner_staff_id, \
                     severity, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                )
                .bind(project_id)
                .bind(&scope)
                .bind(fields.category.as_str())
                .bind(fields.difference)
                .bind(response)
                .bind(fields.owner_staff_id)
                .bind(fields.severity.as_str())
                .bind(status.as_str())
                .bind(now)
                .fetch_one(c)
                .await
            })?;
            return Ok(RiskWrite {
                id,
                outcome: UpsertOutcome::Created,
                new_owner: fields.owner_staff_id,
                status,
            });
        };
        let old_status = RiskStatus::parse(&status).ok_or_else(|| corrupt(id, "status"))?;
        let new_response = response.map(str::to_string).or(old_response.clone());
        let new_status = if old_status == RiskStatus::Open && response.is_some() {
            RiskStatus::ResponseReady
        } else {
            old_status
        };
        let new_owner = fields.owner_staff_id.or(owner);
        let unchanged = category == fields.category.as_str()
            && severity == fields.severity.as_str()
            && new_response == old_response
            && new_owner == owner
            && new_status == old_status;
        if unchanged {
            return Ok(RiskWrite {
                id,
                outcome: UpsertOutcome::Unchanged,
                new_owner: None,
                status: old_status,
            });
        }
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE risks SET category = $2, response = $3, owner_staff_id = $4, severity = $5, \
                 status = $6, updated_at = $7 WHERE id = $1",
            )
            .bind(id)
            .bind(fields.category.as_str())
            .bind(&new_response)
            .bind(new_owner)
            .bind(fields.severity.as_str())
            .bind(new_status.as_str())
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(RiskWrite {
            id,
            outcome: UpsertOutcome::Updated,
            new_owner: new_owner.filter(|o| Some(*o) != owner),
            status: new_status,
        })
    }

    pub async fn risk(&mut self, id: i64) -> StoreResult<Option<Risk>> {
        let row: Option<RiskRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("{RISK_SELECT} WHERE r.id = $1"))
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        row.map(risk).transpose()
    }

    /// Every risk of a project (of every project when `None`), most severe first.
    pub async fn risks(&mut self, project_id: Option<i64>) -> StoreResult<Vec<Risk>> {
        let rows: Vec<RiskRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{RISK_SELECT} WHERE (CAST($1 AS BIGINT) IS NULL OR r.project_id = $1) ORDER BY r.id"
            ))
            .bind(project_id)
            .fetch_all(c)
            .await
        })?;
        let mut risks = rows
            .into_iter()
            .map(risk)
            .collect::<StoreResult<Vec<_>>>()?;
        risks.sort_by_key(|r| (!r.status.is_live(), std::cmp::Reverse(r.severity), r.id));
        Ok(risks)
    }

    /// The open and response-ready risks of the project a unit belongs to.
    pub async fn live_risks_of_unit_project(&mut self, unit_id: i64) -> StoreResult<Vec<Risk>> {
        let rows: Vec<RiskRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{RISK_SELECT} WHERE r.status IN ('open', 'response_ready') AND r.project_id = \
                 (SELECT bl.project_id FROM units u JOIN buildings bl ON bl.id = u.building_id WHERE u.id = $1) \
                 ORDER BY r.id"
            ))
            .bind(unit_id)
            .fetch_all(c)
            .await
        })?;
        let mut risks = rows
            .into_iter()
            .map(risk)
            .collect::<StoreResult<Vec<_>>>()?;
        risks.sort_by_key(|r| (std::cmp::Reverse(r.severity), r.id));
        Ok(risks)
    }

    /// Sets a risk's status (and its response, when given); false when it was already so.
    pub async fn set_risk_status(
        &mut self,
        id: i64,
        status: RiskStatus,
        response: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE risks SET status = $2, response = COALESCE($3, response), updated_at = $4 \
                 WHERE id = $1 AND (status <> $2 OR (CAST($3 AS TEXT) IS NOT NULL AND (response IS NULL OR response <> $3)))",
            )
            .bind(id)
            .bind(status.as_str())
            .bind(response)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    pub async fn add_risk_event(
        &mut self,
        risk_id: i64,
        actor: &str,
        status: RiskStatus,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO risk_events (risk_id, actor, status, note, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(risk_id)
            .bind(actor)
            .bind(status.as_str())
            .bind(note)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// A risk's history, oldest first.
    pub async fn risk_events(&mut self, risk_id: i64) -> StoreResult<Vec<RiskEvent>> {
        let rows: Vec<(String, String, String, DateTime<Utc>)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT actor, status, note, created_at FROM risk_events WHERE risk_id = $1 ORDER BY id",
            )
            .bind(risk_id)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|(actor, status, note, at)| {
                Ok(RiskEvent {
                    actor,
                    status: RiskStatus::parse(&status).ok_or_else(|| corrupt(risk_id, "event"))?,
                    note,
                    at,
                })
            })
            .collect()
    }

    /// Open risks whose owner has not been chased yet, with the first inspection slot of their
    /// project (none: nothing to count back from yet).
    pub async fn risks_to_chase(&mut self) -> StoreResult<Vec<(Risk, Option<DateTime<Utc>>)>> {
        let rows: Vec<RiskRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{RISK_SELECT} WHERE r.status = 'open' AND r.chased_at IS NULL \
                 AND r.owner_staff_id IS NOT NULL ORDER BY r.id"
            ))
            .fetch_all(c)
            .await
        })?;
        let mut out = Vec::new();
        for row in rows {
            let risk = risk(row)?;
            let first = self.first_inspection_slot(risk.project_id).await?;
            out.push((risk, first));
        }
        Ok(out)
    }

    /// Marks a risk's owner chased; false when someone did already.
    pub async fn mark_risk_chased(&mut self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = with_conn!(self, |c| {
            sqlx::query("UPDATE risks SET chased_at = $2 WHERE id = $1 AND chased_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// The start of the project's first inspection slot.
    pub async fn first_inspection_slot(
        &mut self,
        project_id: i64,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let first: Option<DateTime<Utc>> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT starts_at FROM slots WHERE project_id = $1 AND kind = 'inspection' \
                 ORDER BY starts_at LIMIT 1",
            )
            .bind(project_id)
            .fetch_optional(c)
            .await
        })?;
        Ok(first)
    }

    /// A project's id by its code.
    pub async fn project_id(&mut self, code: &str) -> StoreResult<Option<i64>> {
        let id = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
                .bind(code)
                .fetch_optional(c)
                .await
        })?;
        Ok(id)
    }
}
