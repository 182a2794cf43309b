//! Expert consultation (专家会诊), the groups the bot serves, and the decision group's
//! incidents (应急决策小组).

use super::people::{STAFF_COLUMNS, StaffRecord};
use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::expert::{ExpertField, IncidentKind};
use crate::domain::people::StaffMember;
use chrono::{DateTime, Utc};

/// A question put to the experts of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Consultation {
    pub id: i64,
    pub field: ExpertField,
    pub unit_id: Option<i64>,
    pub question: String,
    pub asked_by: i64,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_by: Option<i64>,
    pub escalated: bool,
    /// The library answer made of it.
    pub answer_id: Option<i64>,
}

/// Something the decision group must act on.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: i64,
    pub kind: IncidentKind,
    pub unit_id: Option<i64>,
    pub details: serde_json::Value,
    pub opened_at: DateTime<Utc>,
    pub owner_staff_id: Option<i64>,
    pub owner_name: Option<String>,
    pub closed: bool,
}

type ConsultationRecord = (
    i64,
    String,
    Option<i64>,
    String,
    i64,
    DateTime<Utc>,
    Option<String>,
    Option<i64>,
    Option<DateTime<Utc>>,
    Option<i64>,
);

const CONSULTATION_SELECT: &str = "SELECT id, field, unit_id, question, asked_by, asked_at, answer, \
     answered_by, escalated_at, answer_id FROM consultations";

fn consultation(r: ConsultationRecord) -> StoreResult<Consultation> {
    let field = ExpertField::ALL
        .into_iter()
        .find(|f| f.as_str() == r.1)
        .ok_or_else(|| StoreError::Corrupt(format!("consultation {} has no field", r.0)))?;
    Ok(Consultation {
        id: r.0,
        field,
        unit_id: r.2,
        question: r.3,
        asked_by: r.4,
        asked_at: r.5,
        answer: r.6,
        answered_by: r.7,
        escalated: r.8.is_some(),
        answer_id: r.9,
    })
}

type IncidentRecord = (
    i64,
    String,
    Option<i64>,
    String,
    DateTime<Utc>,
    Option<i64>,
    Option<String>,
    Option<DateTime<Utc>>,
);

const INCIDENT_SELECT: &str = "SELECT i.id, i.kind, i.unit_id, i.details, i.opened_at, i.owner_staff_id, \
     s.name, i.closed_at FROM incidents i LEFT JOIN staff s ON s.id = i.owner_staff_id";

fn incident(r: IncidentRecord) -> StoreResult<Incident> {
    let kind = IncidentKind::parse(&r.1)
        .ok_or_else(|| StoreError::Corrupt(format!("incident {} has an unknown kind", r.0)))?;
    Ok(Incident {
        id: r.0,
        kind,
        unit_id: r.2,
        details: serde_json::from_str(&r.3).unwrap_or(serde_json::Value::Null),
        opened_at: r.4,
        owner_staff_id: r.5,
        owner_name: r.6,
        closed: r.7.is_some(),
    })
}

impl Tx {
    /// The fields staff member `id` answers for.
    pub async fn expert_fields(&mut self, id: i64) -> StoreResult<Vec<ExpertField>> {
        let text: Option<String> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT expert_fields FROM staff WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        Ok(ExpertField::list_from_text(&text.unwrap_or_default()))
    }

    /// Sets the fields staff member `id` answers for; false when they already were these.
    pub async fn set_expert_fields(
        &mut self,
        id: i64,
        fields: &[ExpertField],
    ) -> StoreResult<bool> {
        let text = ExpertField::list_text(fields);
        let changed = with_conn!(self, |c| {
            sqlx::query("UPDATE staff SET expert_fields = $2 WHERE id = $1 AND expert_fields <> $2")
                .bind(id)
                .bind(&text)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// The staff on the books who answer for `field`.
    pub async fn experts(&mut self, field: ExpertField) -> StoreResult<Vec<StaffMember>> {
        let records: Vec<StaffRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE left_at IS NULL \
                 AND (',' || expert_fields || ',') LIKE $1 ORDER BY name, id"
            ))
            .bind(format!("%,{},%", field.as_str()))
            .fetch_all(c)
            .await
        })?;
        Ok(records.into_iter().map(StaffRecord::into_member).collect())
    }

    pub async fn insert_consultation(
        &mut self,
        field: ExpertField,
        unit_id: Option<i64>,
        question: &str,
        asked_by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO consultations (field, unit_id, question, asked_by, asked_at, rehearsal_id) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(field.as_str())
            .bind(unit_id)
            .bind(question)
            .bind(asked_by)
            .bind(now)
            .bind(crate::rehearsal::current())
            .fetch_one(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn consultation(&mut self, id: i64) -> StoreResult<Option<Consultation>> {
        let row: Option<ConsultationRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("{CONSULTATION_SELECT} WHERE id = $1"))
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        row.map(consultation).transpose()
    }

    /// Records the answer to consultation `id`; false when it was answered before.
    pub async fn answer_consultation(
        &mut self,
        id: i64,
        answer: &str,
        by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE consultations SET answer = $2, answered_by = $3, answered_at = $4 \
                 WHERE id = $1 AND answer IS NULL",
            )
            .bind(id)
            .bind(answer)
            .bind(by)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Marks unanswered consultation `id` as told to the supervisors; false when it was
    /// answered or told before.
    pub async fn escalate_consultation(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE consultations SET escalated_at = $2 \
                 WHERE id = $1 AND answer IS NULL AND escalated_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Names the library answer made of consultation `id`; false when one was made before.
    pub async fn link_consultation_answer(&mut self, id: i64, answer_id: i64) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE consultations SET answer_id = $2 WHERE id = $1 AND answer_id IS NULL",
            )
            .bind(id)
            .bind(answer_id)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// The chat registered for `purpose` (`decision`), if any.
    pub async fn chat_group(&mut self, purpose: &str) -> StoreResult<Option<i64>> {
        let chat = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT chat_id FROM chat_groups WHERE purpose = $1")
                .bind(purpose)
                .fetch_optional(c)
                .await
        })?;
        Ok(chat)
    }

    /// Registers `chat_id` for `purpose`, replacing the group registered before.
    pub async fn set_chat_group(
        &mut self,
        purpose: &str,
        chat_id: i64,
        title: &str,
        by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO chat_groups (purpose, chat_id, title, registered_by, registered_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (purpose) DO UPDATE SET \
                 chat_id = excluded.chat_id, title = excluded.title, \
                 registered_by = excluded.registered_by, registered_at = excluded.registered_at",
            )
            .bind(purpose)
            .bind(chat_id)
            .bind(title)
            .bind(by)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Opens an incident, once per `cause`: its id when it is new.
    pub async fn open_incident(
        &mut self,
        kind: IncidentKind,
        cause: &str,
        unit_id: Option<i64>,
        details: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO incidents (kind, cause, unit_id, details, opened_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cause) DO NOTHING RETURNING id",
            )
            .bind(kind.as_str())
            .bind(cause)
            .bind(unit_id)
            .bind(details.to_string())
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn incident(&mut self, id: i64) -> StoreResult<Option<Incident>> {
        let row: Option<IncidentRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("{INCIDENT_SELECT} WHERE i.id = $1"))
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        row.map(incident).transpose()
    }

    /// The open incidents, then the last `closed` closed ones, newest first in each.
    pub async fn incidents(&mut self, closed: i64) -> StoreResult<Vec<Incident>> {
        let mut rows: Vec<IncidentRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{INCIDENT_SELECT} WHERE i.closed_at IS NULL ORDER BY i.opened_at DESC, i.id DESC"
            ))
            .fetch_all(c)
            .await
        })?;
        let done: Vec<IncidentRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{INCIDENT_SELECT} WHERE i.closed_at IS NOT NULL ORDER BY i.closed_at DESC, i.id DESC LIMIT $1"
            ))
            .bind(closed)
            .fetch_all(c)
            .await
        })?;
        rows.extend(done);
        rows.into_iter().map(incident).collect()
    }

    /// Staff member `by` takes incident `id`; false when someone has it already (or it is
    /// closed).
    pub async fn take_incident(
        &mut self,
        id: i64,
        by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE incidents SET owner_staff_id = $2, taken_at = $3 \
                 WHERE id = $1 AND owner_staff_id IS NULL AND closed_at IS NULL",
            )
            .bind(id)
            .bind(by)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Closes incident `id`; false when it was closed before.
    pub async fn close_incident(&mut self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query("UPDATE incidents SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// An audit entry: its action, object and details.
    pub async fn audit_entry(
        &mut self,
        id: i64,
    ) -> StoreResult<Option<(String, String, serde_json::Value)>> {
        let row: Option<(String, String, String)> = with_conn!(self, |c| {
            sqlx::query_as("SELECT action, object, details FROM audit_log WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        Ok(row.map(|(action, object, details)| {
            (
                action,
                object,
                serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
            )
        }))
    }
}
