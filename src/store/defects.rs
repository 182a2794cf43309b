//! Inspections, defects, their photos and their history, and the media index.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::defect::{Category, Room, Severity};
use chrono::{DateTime, Utc};

/// A stored defect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defect {
    pub id: i64,
    pub unit_id: i64,
    pub inspection_id: Option<i64>,
    pub room: Room,
    pub category: Category,
    pub severity: Severity,
    pub note: String,
    pub status: String,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Photo paths (relative to the media directory), in the order they were sent.
    pub photos: Vec<String>,
    /// A voice message kept with the note, if any.
    pub voice: Option<String>,
}

/// One change in a defect's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefectEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub to_status: String,
    pub note: String,
}

#[derive(sqlx::FromRow)]
struct DefectRecord {
    id: i64,
    unit_id: i64,
    inspection_id: Option<i64>,
    room: String,
    category: String,
    severity: String,
    note: String,
    status: String,
    due_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

const DEFECT_COLUMNS: &str =
    "id, unit_id, inspection_id, room, category, severity, note, status, due_at, created_at";

/// An inspection in progress or done.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Inspection {
    pub id: i64,
    pub unit_id: i64,
    pub staff_id: i64,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Tx {
    pub async fn start_inspection(
        &mut self,
        unit_id: i64,
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO inspections (unit_id, staff_id, started_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(unit_id)
            .bind(staff_id)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn inspection(&mut self, id: i64) -> StoreResult<Option<Inspection>> {
        let inspection = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, unit_id, staff_id, finished_at FROM inspections WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(c)
            .await
        })?;
        Ok(inspection)
    }

    pub async fn finish_inspection(&mut self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE inspections SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected == 1)
    }

    /// The stored file Telegram calls `file_unique_id`, if we have it.
    pub async fn media_by_unique_id(
        &mut self,
        file_unique_id: &str,
    ) -> StoreResult<Option<String>> {
        let sha = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT sha256 FROM media WHERE file_unique_id = $1")
                .bind(file_unique_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(sha)
    }

    /// Indexes a stored file (once per hash; the first Telegram id seen is kept).
    pub async fn record_media(
        &mut self,
        sha256: &str,
        file_unique_id: Option<&str>,
        path: &str,
        mime: &str,
        bytes: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO media (sha256, file_unique_id, path, mime, bytes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(sha256)
            .bind(file_unique_id)
            .bind(path)
            .bind(mime)
            .bind(bytes)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Records a defect with its photos and voice note, and its first event.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_defect(
        &mut self,
        unit_id: i64,
        inspection_id: Option<i64>,
        room: Room,
        category: Category,
        severity: Severity,
        note: &str,
        status: &str,
        photos: &[String],
        voice: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let due = severity.due(now);
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO defects (unit_id, inspection_id, room, category, severity, note, status, due_at, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(unit_id)
            .bind(inspection_id)
            .bind(room.as_str())
            .bind(category.as_str())
            .bind(severity.as_str())
            .bind(note)
            .bind(status)
            .bind(due)
            .bind(actor)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        let attachments = photos
            .iter()
            .map(|sha| (sha.as_str(), "photo"))
            .chain(voice.map(|sha| (sha, "voice")));
        for (position, (sha, kind)) in attachments.enumerate() {
            with_conn!(self, |c| {
                sqlx::query(
                    "INSERT INTO defect_media (defect_id, sha256, kind, position) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(sha)
                .bind(kind)
                .bind(position as i64)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
            })?;
        }
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO defect_events (defect_id, at, actor, from_status, to_status, note) \
                 VALUES ($1, $2, $3, NULL, $4, '')",
            )
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(status)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(id)
    }

    async fn defect_from(&mut self, r: DefectRecord) -> StoreResult<Defect> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("defect {}: {what}", r.id));
        let attachments: Vec<(String, String)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT m.path, d.kind FROM defect_media d JOIN media m ON m.sha256 = d.sha256 \
                 WHERE d.defect_id = $1 ORDER BY d.position",
            )
            .bind(r.id)
            .fetch_all(c)
            .await
        })?;
        Ok(Defect {
            id: r.id,
            unit_id: r.unit_id,
            inspection_id: r.inspection_id,
            room: r.room.parse().map_err(|_| corrupt("room"))?,
            category: r.category.parse().map_err(|_| corrupt("category"))?,
            severity: r.severity.parse().map_err(|_| corrupt("severity"))?,
            note: r.note,
            status: r.status,
            due_at: r.due_at,
            created_at: r.created_at,
            photos: attachments
                .iter()
                .filter(|(_, kind)| kind == "photo")
                .map(|(path, _)| path.clone())
                .collect(),
            voice: attachments
                .into_iter()
                .find(|(_, kind)| kind == "voice")
                .map(|(path, _)| path),
        })
    }

    pub async fn defect(&mut self, id: i64) -> StoreResult<Option<Defect>> {
        let record: Option<DefectRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {DEFECT_COLUMNS} FROM defects WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(c)
            .await
        })?;
        match record {
            Some(r) => Ok(Some(self.defect_from(r).await?)),
            None => Ok(None),
        }
    }

    /// A unit's defects, oldest first; only one inspection's when `inspection` is given.
    pub async fn defects_of_unit(
        &mut self,
        unit_id: i64,
        inspection: Option<i64>,
    ) -> StoreResult<Vec<Defect>> {
        let records: Vec<DefectRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {DEFECT_COLUMNS} FROM defects WHERE unit_id = $1 \
                 AND ($2 IS NULL OR inspection_id = $2) ORDER BY id"
            ))
            .bind(unit_id)
            .bind(inspection)
            .fetch_all(c)
            .await
        })?;
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            out.push(self.defect_from(r).await?);
        }
        Ok(out)
    }

    /// Moves a defect from `from` to `to` (only if it is in `from`) and records the event
    /// with its note (a reason, a merge target).
    #[allow(clippy::too_many_arguments)]
    pub async fn set_defect_status(
        &mut self,
        id: i64,
        from: &str,
        to: &str,
        actor: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE defects SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
            )
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        if affected == 0 {
            return Ok(false);
        }
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO defect_events (defect_id, at, actor, from_status, to_status, note) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(from)
            .bind(to)
            .bind(note)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(true)
    }

    /// Sets what a reviewed report is: its kind, urgency and the deadline that follows.
    pub async fn classify_defect(
        &mut self,
        id: i64,
        category: Category,
        severity: Severity,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE defects SET category = $2, severity = $3, due_at = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(category.as_str())
            .bind(severity.as_str())
            .bind(severity.due(now))
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn defect_events(&mut self, defect_id: i64) -> StoreResult<Vec<DefectEvent>> {
        let rows: Vec<(DateTime<Utc>, String, String, String)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT at, actor, to_status, note FROM defect_events WHERE defect_id = $1 ORDER BY id",
            )
            .bind(defect_id)
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, to_status, note)| DefectEvent {
                at,
                actor,
                to_status,
                note,
            })
            .collect())
    }
}
