//! Inspections, defects, their photos and their history, and the media index.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::defect::{Category, Room, Severity};
use crate::domain::plan::Pin;
use crate::domain::remediation::DefectStatus;
use chrono::{DateTime, Utc};

/// A stored defect.
#[derive(Debug, Clone, PartialEq)]
pub struct Defect {
    pub id: i64,
    pub unit_id: i64,
    pub inspection_id: Option<i64>,
    pub room: Room,
    pub category: Category,
    pub severity: Severity,
    pub note: String,
    pub status: DefectStatus,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The engineer it is assigned to, and the contractor doing the work, if named.
    pub engineer_id: Option<i64>,
    pub contractor: Option<String>,
    /// Since when it is on hold.
    pub held_at: Option<DateTime<Utc>>,
    /// How often a fix was sent back.
    pub reopen_count: i64,
    /// The due date supervisors were last told it was past.
    pub escalated_due: Option<DateTime<Utc>>,
    /// Where it is on its home's floor plan, if someone placed it.
    pub pin: Option<Pin>,
    /// Photo paths (relative to the media directory), in the order they were sent.
    pub photos: Vec<String>,
    /// A voice message kept with the note, if any.
    pub voice: Option<String>,
}

/// One change in a defect's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefectEvent {
    pub id: i64,
    pub defect_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
}

/// A defect (of table `defects`, unaliased) of the real campaign: a rehearsal's defects are
/// never past due, escalated or counted.
const NOT_REHEARSAL: &str = "NOT EXISTS (SELECT 1 FROM units u JOIN buildings bl ON bl.id = u.building_id \
     JOIN projects p ON p.id = bl.project_id WHERE u.id = defects.unit_id AND p.rehearsal_of IS NOT NULL)";

/// A new defect event's place in the outbound feed (defect id `$1`): a rehearsal's defects never
/// reach the developer's systems, so theirs start as settled, never to be sent.
const FEED_STATUS_OF_NEW_EVENT: &str = "CASE WHEN EXISTS (SELECT 1 FROM defects d \
     JOIN units u ON u.id = d.unit_id JOIN buildings bl ON bl.id = u.building_id \
     JOIN projects p ON p.id = bl.project_id WHERE d.id = $1 AND p.rehearsal_of IS NOT NULL) \
     THEN 'sent' ELSE 'pending' END";

/// A defect event claimed for delivery to the outbound webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    pub event: DefectEvent,
    pub attempts: i64,
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
    engineer_id: Option<i64>,
    contractor: Option<String>,
    held_at: Option<DateTime<Utc>>,
    reopen_count: i64,
    escalated_due: Option<DateTime<Utc>>,
    pin_x: Option<f64>,
    pin_y: Option<f64>,
}

const DEFECT_COLUMNS: &str = "id, unit_id, inspection_id, room, category, severity, note, status, due_at, \
     created_at, engineer_id, contractor, held_at, reopen_count, escalated_due, pin_x, pin_y";

#[derive(sqlx::FromRow)]
struct EventRecord {
    id: i64,
    defect_id: i64,
    at: DateTime<Utc>,
    actor: String,
    from_status: Option<String>,
    to_status: String,
    note: String,
}

impl From<EventRecord> for DefectEvent {
    fn from(r: EventRecord) -> Self {
        DefectEvent {
            id: r.id,
            defect_id: r.defect_id,
            at: r.at,
            actor: r.actor,
            from_status: r.from_status,
            to_status: r.to_status,
            note: r.note,
        }
    }
}

const EVENT_COLUMNS: &str = "id, defect_id, at, actor, from_status, to_status, note";

/// An inspection in progress or done.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Inspection {
    pub id: i64,
    pub unit_id: i64,
    pub staff_id: i64,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A defect's attachments as stored, in order: its photos (by hash), then its voice note.
fn attachments<'a>(
    photos: &'a [String],
    voice: Option<&'a str>,
) -> impl Iterator<Item = (&'a str, &'static str)> {
    photos
        .iter()
        .map(|sha| (sha.as_str(), "photo"))
        .chain(voice.map(|sha| (sha, "voice")))
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

    /// The newest walk-through of `unit_id` by `staff_id` that was never finished.
    pub async fn unfinished_inspection(
        &mut self,
        unit_id: i64,
        staff_id: i64,
    ) -> StoreResult<Option<i64>> {
        let id = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT id FROM inspections WHERE unit_id = $1 AND staff_id = $2 \
                 AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
            )
            .bind(unit_id)
            .bind(staff_id)
            .fetch_optional(c)
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
        status: DefectStatus,
        due: DateTime<Utc>,
        photos: &[String],
        voice: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
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
            .bind(status.as_str())
            .bind(due)
            .bind(actor)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        for (position, (sha, kind)) in attachments(photos, voice).enumerate() {
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
            sqlx::query(&format!(
                "INSERT INTO defect_events (defect_id, at, actor, from_status, to_status, note, feed_status) \
                 VALUES ($1, $2, $3, NULL, $4, '', {FEED_STATUS_OF_NEW_EVENT})"
            ))
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(status.as_str())
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
            status: r.status.parse().map_err(|_| corrupt("status"))?,
            due_at: r.due_at,
            created_at: r.created_at,
            engineer_id: r.engineer_id,
            contractor: r.contractor,
            held_at: r.held_at,
            reopen_count: r.reopen_count,
            escalated_due: r.escalated_due,
            pin: r.pin_x.zip(r.pin_y).and_then(|(x, y)| Pin::new(x, y)),
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

    async fn defects_from(&mut self, records: Vec<DefectRecord>) -> StoreResult<Vec<Defect>> {
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            out.push(self.defect_from(r).await?);
        }
        Ok(out)
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

    /// Whether the inspection already holds a defect with exactly this content: the same room,
    /// category, severity, note and attachments (by content hash, in order).
    #[allow(clippy::too_many_arguments)]
    pub async fn inspection_has_defect(
        &mut self,
        inspection_id: i64,
        room: Room,
        category: Category,
        severity: Severity,
        note: &str,
        photos: &[String],
        voice: Option<&str>,
    ) -> StoreResult<bool> {
        let candidates: Vec<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT id FROM defects WHERE inspection_id = $1 AND room = $2 AND category = $3 \
                 AND severity = $4 AND note = $5 ORDER BY id",
            )
            .bind(inspection_id)
            .bind(room.as_str())
            .bind(category.as_str())
            .bind(severity.as_str())
            .bind(note)
            .fetch_all(c)
            .await
        })?;
        let wanted: Vec<(String, String)> = attachments(photos, voice)
            .map(|(sha, kind)| (sha.to_string(), kind.to_string()))
            .collect();
        for id in candidates {
            let held: Vec<(String, String)> = with_conn!(self, |c| {
                sqlx::query_as(
                    "SELECT sha256, kind FROM defect_media WHERE defect_id = $1 ORDER BY position",
                )
                .bind(id)
                .fetch_all(c)
                .await
            })?;
            if held == wanted {
                return Ok(true);
            }
        }
        Ok(false)
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
        self.defects_from(records).await
    }

    /// Moves a defect from `from` to `to` (only if it is in `from`) and records the event
    /// with its note (a reason, a merge target); returns the event's id, or `None` when the
    /// defect was no longer in `from` (someone else moved it first).
    pub async fn set_defect_status(
        &mut self,
        id: i64,
        from: DefectStatus,
        to: DefectStatus,
        actor: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE defects SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
            )
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        if affected == 0 {
            return Ok(None);
        }
        let event: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(&format!(
                "INSERT INTO defect_events (defect_id, at, actor, from_status, to_status, note, feed_status) \
                 VALUES ($1, $2, $3, $4, $5, $6, {FEED_STATUS_OF_NEW_EVENT}) RETURNING id"
            ))
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(note)
            .fetch_one(c)
            .await
        })?;
        Ok(Some(event))
    }

    /// Gives a defect to an engineer (and names the contractor, if any).
    pub async fn set_defect_engineer(
        &mut self,
        id: i64,
        engineer_id: i64,
        contractor: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE defects SET engineer_id = $2, contractor = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(engineer_id)
            .bind(contractor)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Starts (`Some`) or ends (`None`) a hold; ending it sets the deadline moved by the pause.
    pub async fn set_defect_hold(
        &mut self,
        id: i64,
        held_at: Option<DateTime<Utc>>,
        due: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE defects SET held_at = $2, due_at = $3 WHERE id = $1")
                .bind(id)
                .bind(held_at)
                .bind(due)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Counts one more reopening; returns the new count.
    pub async fn count_reopen(&mut self, id: i64) -> StoreResult<i64> {
        let count: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "UPDATE defects SET reopen_count = reopen_count + 1 WHERE id = $1 RETURNING reopen_count",
            )
            .bind(id)
            .fetch_one(c)
            .await
        })?;
        Ok(count)
    }

    /// Records that supervisors were told the defect is past `due`.
    pub async fn set_defect_escalated(&mut self, id: i64, due: DateTime<Utc>) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE defects SET escalated_due = $2 WHERE id = $1")
                .bind(id)
                .bind(due)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Records that the defect's engineer is told it is due on `due`; false when they were
    /// told of this due date before.
    pub async fn claim_due_reminder(&mut self, id: i64, due: DateTime<Utc>) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE defects SET reminded_due = $2 \
                 WHERE id = $1 AND (reminded_due IS NULL OR reminded_due <> $2)",
            )
            .bind(id)
            .bind(due)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected == 1)
    }

    /// Attaches after-fix photos (by hash) to a "fixed" event.
    pub async fn add_fix_photos(&mut self, event_id: i64, photos: &[String]) -> StoreResult<()> {
        for (position, sha) in photos.iter().enumerate() {
            with_conn!(self, |c| {
                sqlx::query(
                    "INSERT INTO fix_photos (event_id, sha256, position) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(event_id)
                .bind(sha)
                .bind(position as i64)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
            })?;
        }
        Ok(())
    }

    /// The photo paths of the latest fix of a defect, in the order sent.
    pub async fn latest_fix_photos(&mut self, defect_id: i64) -> StoreResult<Vec<String>> {
        let paths = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT m.path FROM fix_photos f JOIN media m ON m.sha256 = f.sha256 \
                 WHERE f.event_id = (SELECT MAX(id) FROM defect_events WHERE defect_id = $1 AND to_status = 'fixed') \
                 ORDER BY f.position",
            )
            .bind(defect_id)
            .fetch_all(c)
            .await
        })?;
        Ok(paths)
    }

    /// The latest fix of a defect: who reported it, and its photos' hashes in the order sent.
    pub async fn latest_fix(
        &mut self,
        defect_id: i64,
    ) -> StoreResult<Option<(String, Vec<String>)>> {
        let event: Option<(i64, String)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, actor FROM defect_events WHERE defect_id = $1 AND to_status = 'fixed' \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(defect_id)
            .fetch_optional(c)
            .await
        })?;
        let Some((event, actor)) = event else {
            return Ok(None);
        };
        let photos = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT sha256 FROM fix_photos WHERE event_id = $1 ORDER BY position",
            )
            .bind(event)
            .fetch_all(c)
            .await
        })?;
        Ok(Some((actor, photos)))
    }

    /// The id of a defect's latest event.
    pub async fn latest_defect_event(&mut self, defect_id: i64) -> StoreResult<Option<i64>> {
        let id = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT MAX(id) FROM defect_events WHERE defect_id = $1")
                .bind(defect_id)
                .fetch_one(c)
                .await
        })?;
        Ok(id)
    }

    /// An engineer's unresolved defects, soonest due first.
    pub async fn engineer_tasks(&mut self, engineer_id: i64) -> StoreResult<Vec<Defect>> {
        let sql = format!(
            "SELECT {DEFECT_COLUMNS} FROM defects WHERE engineer_id = $1 \
             AND status IN ('assigned', 'in_progress', 'on_hold', 'reopened') ORDER BY due_at, id"
        );
        let records: Vec<DefectRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql).bind(engineer_id).fetch_all(c).await
        })?;
        self.defects_from(records).await
    }

    /// Defects engineering still owes work on, due before the end of `until`, soonest first.
    pub async fn defects_due_by(&mut self, until: DateTime<Utc>) -> StoreResult<Vec<Defect>> {
        let sql = format!(
            "SELECT {DEFECT_COLUMNS} FROM defects WHERE status IN ('open', 'assigned', 'in_progress', 'reopened') \
             AND due_at <= $1 AND {NOT_REHEARSAL} ORDER BY due_at, id"
        );
        let records: Vec<DefectRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql).bind(until).fetch_all(c).await
        })?;
        self.defects_from(records).await
    }

    /// When each unresolved defect was recorded (for the ageing bands).
    pub async fn unresolved_defect_ages(&mut self) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows = with_conn!(self, |c| {
            sqlx::query_scalar(&format!(
                "SELECT created_at FROM defects \
                 WHERE status IN ('open', 'assigned', 'in_progress', 'on_hold', 'reopened', 'fixed') \
                 AND {NOT_REHEARSAL}"
            ))
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Claims defect events for the outbound webhook: per defect only the oldest undelivered
    /// one (so each defect's changes arrive in order), including ones whose sender's lease ran
    /// out.
    pub async fn claim_feed(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<FeedItem>> {
        let sql = super::queue::DEFECT_FEED.claim_sql(
            self.is_postgres(),
            &format!("{EVENT_COLUMNS}, feed_attempts"),
            super::queue::Claim::All,
        );
        #[derive(sqlx::FromRow)]
        struct Claimed {
            #[sqlx(flatten)]
            event: EventRecord,
            feed_attempts: i64,
        }
        let rows: Vec<Claimed> = with_conn!(self, |c| {
            sqlx::query_as(&sql)
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(c)
                .await
        })?;
        let mut items: Vec<FeedItem> = rows
            .into_iter()
            .map(|r| FeedItem {
                event: r.event.into(),
                attempts: r.feed_attempts,
            })
            .collect();
        items.sort_by_key(|i| i.event.id);
        Ok(items)
    }

    /// Marks a webhook delivery done, put back for later, or failed for good.
    pub async fn feed_delivered(
        &mut self,
        event_id: i64,
        outcome: FeedOutcome<'_>,
    ) -> StoreResult<()> {
        self.settle_in(&super::queue::DEFECT_FEED, event_id, outcome)
            .await
    }

    /// Sets what a reviewed report is: its kind, urgency and the deadline that follows.
    pub async fn classify_defect(
        &mut self,
        id: i64,
        category: Category,
        severity: Severity,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE defects SET category = $2, severity = $3, due_at = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(category.as_str())
            .bind(severity.as_str())
            .bind(due)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The newest copy in `chat` of a "please check" message (as sent, or as last edited) that
    /// still has a button whose data starts with `data_prefix`: the sent message's dedupe key,
    /// Puts `id`'s pin on its home's plan; whether it changed.
    pub async fn set_defect_pin(&mut self, id: i64, pin: Pin) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE defects SET pin_x = $2, pin_y = $3 WHERE id = $1 \
                 AND (pin_x IS NULL OR pin_y IS NULL OR pin_x <> $2 OR pin_y <> $3)",
            )
            .bind(id)
            .bind(pin.x)
            .bind(pin.y)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// and the content it shows.
    pub async fn fix_check_copy(
        &mut self,
        chat_id: i64,
        data_prefix: &str,
    ) -> StoreResult<Option<(String, crate::domain::message::Content)>> {
        use crate::domain::message::Content;
        let rows: Vec<(String, String)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT dedupe_key, content FROM outbox WHERE chat_id = $1 \
                 AND dedupe_key LIKE 'fixed:%' ORDER BY id DESC LIMIT 100",
            )
            .bind(chat_id)
            .fetch_all(c)
            .await
        })?;
        let mut seen = std::collections::HashSet::new();
        for (key, json) in rows {
            // Edits are keyed "<message's key>|…": the newest row of each message counts.
            let root = key.split('|').next().unwrap_or(&key).to_string();
            if !seen.insert(root.clone()) {
                continue;
            }
            let Ok(content) = serde_json::from_str::<Content>(&json) else {
                continue;
            };
            let buttons = match &content {
                Content::Text { buttons, .. } | Content::Edit { buttons, .. } => buttons,
                _ => continue,
            };
            if buttons
                .iter()
                .flatten()
                .any(|b| b.data.starts_with(data_prefix))
            {
                return Ok(Some((root, content)));
            }
        }
        Ok(None)
    }

    pub async fn defect_events(&mut self, defect_id: i64) -> StoreResult<Vec<DefectEvent>> {
        let rows: Vec<EventRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {EVENT_COLUMNS} FROM defect_events WHERE defect_id = $1 ORDER BY id"
            ))
            .bind(defect_id)
            .fetch_all(c)
            .await
        })?;
        Ok(rows.into_iter().map(DefectEvent::from).collect())
    }
}

/// What became of one webhook delivery.
pub type FeedOutcome<'a> = super::queue::Settle<'a>;
