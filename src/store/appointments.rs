//! Slots and appointments.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::appointment::{AppointmentStatus, SlotKind};
use chrono::{DateTime, Utc};

/// A slot with its seats.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Slot {
    pub id: i64,
    pub project: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub booked: i64,
}

impl Slot {
    pub fn seats_left(&self) -> i64 {
        (self.capacity - self.booked).max(0)
    }
}

/// An appointment with where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: i64,
    pub unit_id: i64,
    pub kind: SlotKind,
    pub status: AppointmentStatus,
    pub slot: Option<Slot>,
    pub invited_at: DateTime<Utc>,
    /// How many times its slot or status changed: names each change in dedupe keys.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct AppointmentRecord {
    id: i64,
    unit_id: i64,
    kind: String,
    status: String,
    slot_id: Option<i64>,
    invited_at: DateTime<Utc>,
    version: i64,
}

const SLOT_SELECT: &str = "SELECT s.id, p.code AS project, s.kind, s.starts_at, s.ends_at, s.capacity, s.booked \
     FROM slots s JOIN projects p ON p.id = s.project_id";

/// What an appointment's message with buttons is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessagePurpose {
    /// An invitation, nudge or fresh options: a button per slot.
    Options,
    /// The day-of welcome with "I'm here".
    Welcome,
}

impl MessagePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            MessagePurpose::Options => "options",
            MessagePurpose::Welcome => "welcome",
        }
    }
}

/// Counts behind the visit rate and the site's day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisitCounts {
    /// Households invited to an inspection (ever).
    pub invited: i64,
    /// Households that checked in for one.
    pub visited: i64,
}

impl Tx {
    pub async fn insert_slot(
        &mut self,
        project_id: i64,
        kind: SlotKind,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        capacity: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO slots (project_id, kind, starts_at, ends_at, capacity, booked, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(project_id)
            .bind(kind.as_str())
            .bind(starts_at)
            .bind(ends_at)
            .bind(i64::from(capacity))
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn slot(&mut self, id: i64) -> StoreResult<Option<Slot>> {
        let slot = with_conn!(self, |c| {
            sqlx::query_as(&format!("{SLOT_SELECT} WHERE s.id = $1"))
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        Ok(slot)
    }

    /// The project's slots of `kind` that start after `after`, in time order.
    pub async fn upcoming_slots(
        &mut self,
        project: &str,
        kind: SlotKind,
        after: DateTime<Utc>,
    ) -> StoreResult<Vec<Slot>> {
        let slots = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{SLOT_SELECT} WHERE p.code = $1 AND s.kind = $2 AND s.starts_at > $3 ORDER BY s.starts_at, s.id"
            ))
            .bind(project)
            .bind(kind.as_str())
            .bind(after)
            .fetch_all(c)
            .await
        })?;
        Ok(slots)
    }

    /// Takes one seat if one is left: a single conditional statement, so concurrent bookings
    /// can never overfill a slot.
    pub async fn take_seat(&mut self, slot_id: i64) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query("UPDATE slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity")
                .bind(slot_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected == 1)
    }

    pub async fn release_seat(&mut self, slot_id: i64) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE slots SET booked = booked - 1 WHERE id = $1 AND booked > 0")
                .bind(slot_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Invites the household unless it has an open appointment of this kind; returns the new
    /// appointment's id, or `None` when one was open already.
    pub async fn invite_household(
        &mut self,
        unit_id: i64,
        kind: SlotKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO appointments (unit_id, kind, status, invited_at, updated_at) \
                 VALUES ($1, $2, 'invited', $3, $3) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(unit_id)
            .bind(kind.as_str())
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        Ok(id)
    }

    async fn appointment_from(&mut self, r: AppointmentRecord) -> StoreResult<Appointment> {
        let slot = match r.slot_id {
            Some(id) => self.slot(id).await?,
            None => None,
        };
        Ok(Appointment {
            id: r.id,
            unit_id: r.unit_id,
            kind: r.kind.parse().map_err(|_| {
                StoreError::Corrupt(format!("appointment {} kind {:?}", r.id, r.kind))
            })?,
            status: r.status.parse().map_err(|_| {
                StoreError::Corrupt(format!("appointment {} status {:?}", r.id, r.status))
            })?,
            slot,
            invited_at: r.invited_at,
            version: r.version,
        })
    }

    /// One appointment, locked until the transaction ends on PostgreSQL (so two presses of
    /// the same button cannot both book; SQLite's write transactions are serial already).
    /// Only for write transactions.
    pub async fn appointment(&mut self, id: i64) -> StoreResult<Option<Appointment>> {
        let lock = if self.is_postgres() {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, unit_id, kind, status, slot_id, invited_at, version FROM appointments WHERE id = $1{lock}"
        );
        let record: Option<AppointmentRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql).bind(id).fetch_optional(c).await
        })?;
        match record {
            Some(r) => Ok(Some(self.appointment_from(r).await?)),
            None => Ok(None),
        }
    }

    /// The household's open appointment of this kind.
    pub async fn open_appointment(
        &mut self,
        unit_id: i64,
        kind: SlotKind,
    ) -> StoreResult<Option<Appointment>> {
        let record: Option<AppointmentRecord> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, unit_id, kind, status, slot_id, invited_at, version FROM appointments \
                 WHERE unit_id = $1 AND kind = $2 AND status IN ('invited', 'confirmed', 'checked_in')",
            )
            .bind(unit_id)
            .bind(kind.as_str())
            .fetch_optional(c)
            .await
        })?;
        match record {
            Some(r) => Ok(Some(self.appointment_from(r).await?)),
            None => Ok(None),
        }
    }

    /// Sets the slot and status (one more version); `confirmed_at` / `checked_in_at` follow the
    /// status.
    pub async fn update_appointment(
        &mut self,
        id: i64,
        slot_id: Option<i64>,
        status: AppointmentStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE appointments SET slot_id = $2, status = $3, updated_at = $4, version = version + 1, \
                 confirmed_at = CASE WHEN $3 = 'confirmed' THEN $4 ELSE confirmed_at END, \
                 checked_in_at = CASE WHEN $3 = 'checked_in' THEN $4 ELSE checked_in_at END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(slot_id)
            .bind(status.as_str())
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Appointments with a slot starting in [from, to), in time order; for one household's
    /// ambassador when `staff_id` is given.
    pub async fn appointments_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        staff_id: Option<i64>,
    ) -> StoreResult<Vec<Appointment>> {
        let records: Vec<AppointmentRecord> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT a.id, a.unit_id, a.kind, a.status, a.slot_id, a.invited_at, a.version FROM appointments a \
                 JOIN slots s ON s.id = a.slot_id LEFT JOIN assignments x ON x.unit_id = a.unit_id \
                 WHERE s.starts_at >= $1 AND s.starts_at < $2 \
                   AND a.status IN ('confirmed', 'checked_in', 'completed', 'no_show') \
                   AND ($3 IS NULL OR x.staff_id = $3) \
                 ORDER BY s.starts_at, a.id",
            )
            .bind(from)
            .bind(to)
            .bind(staff_id)
            .fetch_all(c)
            .await
        })?;
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            out.push(self.appointment_from(r).await?);
        }
        Ok(out)
    }

    /// Notes that the outbox row `dedupe_key` carries buttons acting on the appointment.
    pub async fn note_appointment_message(
        &mut self,
        appointment_id: i64,
        chat_id: i64,
        dedupe_key: &str,
        purpose: MessagePurpose,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO appointment_messages (dedupe_key, appointment_id, chat_id, purpose) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(dedupe_key)
            .bind(appointment_id)
            .bind(chat_id)
            .bind(purpose.as_str())
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// How many messages with buttons the appointment has had (numbers the next one).
    pub async fn appointment_message_count(&mut self, appointment_id: i64) -> StoreResult<i64> {
        let count: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM appointment_messages WHERE appointment_id = $1",
            )
            .bind(appointment_id)
            .fetch_one(c)
            .await
        })?;
        Ok(count)
    }

    /// The appointment's messages of `purpose` still showing their buttons, marked retired
    /// now: (chat, dedupe key) of each, for the caller to edit.
    pub async fn retire_appointment_messages(
        &mut self,
        appointment_id: i64,
        purpose: MessagePurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, String)>> {
        let rows: Vec<(i64, String)> = with_conn!(self, |c| {
            sqlx::query_as(
                "UPDATE appointment_messages SET retired_at = $3 \
                 WHERE appointment_id = $1 AND purpose = $2 AND retired_at IS NULL \
                 RETURNING chat_id, dedupe_key",
            )
            .bind(appointment_id)
            .bind(purpose.as_str())
            .bind(now)
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Households invited to an inspection, and those that checked in.
    pub async fn visit_counts(&mut self) -> StoreResult<VisitCounts> {
        let (invited, visited): (i64, i64) = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT COUNT(DISTINCT unit_id), \
                        COUNT(DISTINCT CASE WHEN checked_in_at IS NOT NULL THEN unit_id END) \
                 FROM appointments WHERE kind = 'inspection'",
            )
            .fetch_one(c)
            .await
        })?;
        Ok(VisitCounts { invited, visited })
    }
}
