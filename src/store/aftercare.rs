//! Handover records, follow-ups and survey answers, the opt-out, complaints and group flags.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::aftercare::{FollowUpKind, FollowUpStatus, Level, MeterReading, Topic};
use chrono::{DateTime, NaiveDate, Utc};

/// A handover as recorded by the ambassador, and the buyer's confirmation once given.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    pub id: i64,
    pub unit_id: i64,
    pub staff_id: i64,
    pub keys: Vec<(String, u32)>,
    pub documents: Vec<String>,
    pub open_defects: Vec<i64>,
    /// Meters the home does not have.
    pub meters_absent: Vec<String>,
    /// Each reading with its photo's path in the media store.
    pub meters: Vec<(MeterReading, String)>,
    pub status: HandoverStatus,
    pub submitted_at: DateTime<Utc>,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The record this one replaced (withdrawn when this one was recorded).
    pub replaces: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverStatus {
    /// Recorded; waiting for the buyer to say they received the home.
    AwaitingBuyer,
    Confirmed,
    /// Replaced by a newer record before the buyer confirmed.
    Withdrawn,
}

impl HandoverStatus {
    fn as_str(self) -> &'static str {
        match self {
            HandoverStatus::AwaitingBuyer => "awaiting_buyer",
            HandoverStatus::Confirmed => "confirmed",
            HandoverStatus::Withdrawn => "withdrawn",
        }
    }

    fn parse(s: &str) -> StoreResult<HandoverStatus> {
        [
            HandoverStatus::AwaitingBuyer,
            HandoverStatus::Confirmed,
            HandoverStatus::Withdrawn,
        ]
        .into_iter()
        .find(|h| h.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt(format!("handover status {s:?}")))
    }
}

#[derive(sqlx::FromRow)]
struct HandoverRecord {
    id: i64,
    unit_id: i64,
    staff_id: i64,
    keys: String,
    documents: String,
    meters_absent: String,
    open_defects: String,
    status: String,
    submitted_at: DateTime<Utc>,
    confirmed_by: Option<i64>,
    confirmed_at: Option<DateTime<Utc>>,
    replaces: Option<i64>,
}

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// One follow-up message of a handed-over home.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub id: i64,
    pub unit_id: i64,
    pub kind: FollowUpKind,
    pub day: i64,
    pub due_at: DateTime<Utc>,
    pub status: FollowUpStatus,
    pub answered_by: Option<i64>,
    pub score: Option<u8>,
    pub comment: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FollowUpRecord {
    id: i64,
    unit_id: i64,
    kind: String,
    day: i64,
    due_at: DateTime<Utc>,
    status: String,
    answered_by: Option<i64>,
    score: Option<i64>,
    comment: Option<String>,
}

impl FollowUpRecord {
    fn into_follow_up(self) -> StoreResult<FollowUp> {
        Ok(FollowUp {
            id: self.id,
            unit_id: self.unit_id,
            kind: self.kind.parse().map_err(|_| {
                StoreError::Corrupt(format!("follow-up {} kind {:?}", self.id, self.kind))
            })?,
            day: self.day,
            due_at: self.due_at,
            status: self.status.parse().map_err(|_| {
                StoreError::Corrupt(format!("follow-up {} status {:?}", self.id, self.status))
            })?,
            answered_by: self.answered_by,
            score: self.score.and_then(|s| u8::try_from(s).ok()),
            comment: self.comment,
        })
    }
}

const FOLLOW_UP_COLUMNS: &str =
    "id, unit_id, kind, day, due_at, status, answered_by, score, comment";

/// A buyer's complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct Complaint {
    pub id: i64,
    pub unit_id: i64,
    pub buyer_id: i64,
    pub topic: Topic,
    pub level: Level,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ComplaintRecord {
    id: i64,
    unit_id: i64,
    buyer_id: i64,
    topic: String,
    level: String,
    text: String,
    created_at: DateTime<Utc>,
    ack_due_at: DateTime<Utc>,
    acknowledged_by: Option<i64>,
    acknowledged_at: Option<DateTime<Utc>>,
    escalated_at: Option<DateTime<Utc>>,
}

impl ComplaintRecord {
    fn into_complaint(self) -> StoreResult<Complaint> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("complaint {} {what}", self.id));
        Ok(Complaint {
            id: self.id,
            unit_id: self.unit_id,
            buyer_id: self.buyer_id,
            topic: self.topic.parse().map_err(|_| corrupt("topic"))?,
            level: self.level.parse().map_err(|_| corrupt("level"))?,
            text: self.text,
            created_at: self.created_at,
            ack_due_at: self.ack_due_at,
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at,
            escalated_at: self.escalated_at,
        })
    }
}

const COMPLAINT_COLUMNS: &str = "id, unit_id, buyer_id, topic, level, text, created_at, ack_due_at, \
     acknowledged_by, acknowledged_at, escalated_at";

impl Tx {
    /// Records a handover waiting for the buyer's confirmation; an earlier one still waiting
    /// for this unit is withdrawn (its buttons stop working).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_handover(
        &mut self,
        unit_id: i64,
        staff_id: i64,
        keys: &[(String, u32)],
        documents: &[String],
        open_defects: &[i64],
        meters: &[MeterReading],
        meters_absent: &[String],
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        // The record still waiting for the buyer is withdrawn, and the new one names it.
        let replaces: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "UPDATE handovers SET status = 'withdrawn' WHERE unit_id = $1 AND status = 'awaiting_buyer' \
                 RETURNING id",
            )
            .bind(unit_id)
            .fetch_optional(c)
            .await
        })?;
        let (keys, documents, open, absent) = (
            to_json(&keys)?,
            to_json(&documents)?,
            to_json(&open_defects)?,
            to_json(&meters_absent)?,
        );
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO handovers (unit_id, staff_id, keys, documents, open_defects, meters_absent, \
                 status, submitted_at, replaces) VALUES ($1, $2, $3, $4, $5, $6, 'awaiting_buyer', $7, $8) RETURNING id",
            )
            .bind(unit_id)
            .bind(staff_id)
            .bind(&keys)
            .bind(&documents)
            .bind(&open)
            .bind(&absent)
            .bind(now)
            .bind(replaces)
            .fetch_one(c)
            .await
        })?;
        for (position, meter) in meters.iter().enumerate() {
            let position = i64::try_from(position).unwrap_or(i64::MAX);
            with_conn!(self, |c| {
                sqlx::query(
                    "INSERT INTO meter_readings (handover_id, meter, reading, sha256, position) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(&meter.meter)
                .bind(&meter.reading)
                .bind(&meter.photo)
                .bind(position)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
            })?;
        }
        Ok(id)
    }

    pub async fn handover(&mut self, id: i64) -> StoreResult<Option<Handover>> {
        let record: Option<HandoverRecord> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, unit_id, staff_id, keys, documents, meters_absent, open_defects, status, submitted_at, \
                 confirmed_by, confirmed_at, replaces FROM handovers WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(c)
            .await
        })?;
        let Some(r) = record else {
            return Ok(None);
        };
        let meters: Vec<(String, String, String, String)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT m.meter, m.reading, m.sha256, md.path FROM meter_readings m \
                 JOIN media md ON md.sha256 = m.sha256 WHERE m.handover_id = $1 ORDER BY m.position",
            )
            .bind(id)
            .fetch_all(c)
            .await
        })?;
        Ok(Some(Handover {
            id: r.id,
            unit_id: r.unit_id,
            staff_id: r.staff_id,
            keys: json("handover keys", &r.keys)?,
            documents: json("handover documents", &r.documents)?,
            open_defects: json("handover defects", &r.open_defects)?,
            meters_absent: json("handover meters absent", &r.meters_absent)?,
            meters: meters
                .into_iter()
                .map(|(meter, reading, photo, path)| {
                    (
                        MeterReading {
                            meter,
                            reading,
                            photo,
                        },
                        path,
                    )
                })
                .collect(),
            status: HandoverStatus::parse(&r.status)?,
            submitted_at: r.submitted_at,
            confirmed_by: r.confirmed_by,
            confirmed_at: r.confirmed_at,
            replaces: r.replaces,
        }))
    }

    /// Holds the home's handover records still until the transaction ends: a record sent
    /// and the buyer's confirmation of an earlier one take turns on PostgreSQL (SQLite's write
    /// transactions take turns already). Only for write transactions.
    pub async fn lock_unit_handover(&mut self, unit_id: i64) -> StoreResult<()> {
        if !self.is_postgres() {
            return Ok(());
        }
        with_conn!(self, |c| {
            sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE id = $1 FOR UPDATE")
                .bind(unit_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(())
    }

    /// The buyer's confirmation; false when the record is no longer waiting for one.
    pub async fn confirm_handover(
        &mut self,
        id: i64,
        buyer_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE handovers SET status = 'confirmed', confirmed_by = $2, confirmed_at = $3 \
                 WHERE id = $1 AND status = 'awaiting_buyer'",
            )
            .bind(id)
            .bind(buyer_id)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// The unit's latest handover that is waiting for the buyer or confirmed.
    pub async fn current_handover(&mut self, unit_id: i64) -> StoreResult<Option<Handover>> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT id FROM handovers WHERE unit_id = $1 AND status <> 'withdrawn' \
                 ORDER BY (status = 'confirmed') DESC, id DESC LIMIT 1",
            )
            .bind(unit_id)
            .fetch_optional(c)
            .await
        })?;
        match id {
            Some(id) => self.handover(id).await,
            None => Ok(None),
        }
    }

    /// When the unit was handed over (the buyer's confirmation), if it was.
    pub async fn handed_over_at(&mut self, unit_id: i64) -> StoreResult<Option<DateTime<Utc>>> {
        let at: Option<Option<DateTime<Utc>>> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT confirmed_at FROM handovers WHERE unit_id = $1 AND status = 'confirmed'",
            )
            .bind(unit_id)
            .fetch_optional(c)
            .await
        })?;
        Ok(at.flatten())
    }

    /// Adds a follow-up unless the same (home, kind, day) exists; its id when new.
    pub async fn insert_follow_up(
        &mut self,
        unit_id: i64,
        kind: FollowUpKind,
        day: i64,
        due_at: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO follow_ups (unit_id, kind, day, due_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (unit_id, kind, day) DO NOTHING RETURNING id",
            )
            .bind(unit_id)
            .bind(kind.as_str())
            .bind(day)
            .bind(due_at)
            .fetch_optional(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn follow_up(&mut self, id: i64) -> StoreResult<Option<FollowUp>> {
        let record: Option<FollowUpRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(c)
            .await
        })?;
        record.map(FollowUpRecord::into_follow_up).transpose()
    }

    /// Every follow-up of a home, in due order.
    pub async fn follow_ups_of_unit(&mut self, unit_id: i64) -> StoreResult<Vec<FollowUp>> {
        let records: Vec<FollowUpRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups WHERE unit_id = $1 ORDER BY due_at, id"
            ))
            .bind(unit_id)
            .fetch_all(c)
            .await
        })?;
        records
            .into_iter()
            .map(FollowUpRecord::into_follow_up)
            .collect()
    }

    /// Moves a scheduled follow-up to `sent` or `skipped`; false when it was not scheduled.
    pub async fn finish_follow_up(
        &mut self,
        id: i64,
        sent: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let status = if sent {
            FollowUpStatus::Sent
        } else {
            FollowUpStatus::Skipped
        };
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE follow_ups SET status = $2, sent_at = $3 WHERE id = $1 AND status = 'scheduled'",
            )
            .bind(id)
            .bind(status.as_str())
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// The first answer to a sent follow-up (a survey's score, or none); false when someone
    /// answered already.
    pub async fn answer_follow_up(
        &mut self,
        id: i64,
        buyer_id: i64,
        score: Option<u8>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE follow_ups SET status = 'answered', answered_by = $2, answered_at = $3, score = $4 \
                 WHERE id = $1 AND status = 'sent'",
            )
            .bind(id)
            .bind(buyer_id)
            .bind(now)
            .bind(score.map(i64::from))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// The comment after a survey score, once.
    pub async fn comment_follow_up(&mut self, id: i64, comment: &str) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE follow_ups SET comment = $2 WHERE id = $1 AND status = 'answered' AND comment IS NULL",
            )
            .bind(id)
            .bind(comment)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Every survey score given so far.
    pub async fn survey_scores(&mut self) -> StoreResult<Vec<u8>> {
        let scores: Vec<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT score FROM follow_ups WHERE kind = 'survey' AND score IS NOT NULL",
            )
            .fetch_all(c)
            .await
        })?;
        Ok(scores
            .into_iter()
            .filter_map(|s| u8::try_from(s).ok())
            .collect())
    }

    /// Whether a digest of open defects is already waiting to go out for this home.
    pub async fn digest_scheduled(&mut self, unit_id: i64) -> StoreResult<bool> {
        let n: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM follow_ups WHERE unit_id = $1 AND kind = 'defect_digest' \
                 AND status = 'scheduled'",
            )
            .bind(unit_id)
            .fetch_one(c)
            .await
        })?;
        Ok(n > 0)
    }

    /// /stop and its undoing, for every home of this Telegram account; the rows changed.
    pub async fn set_follow_ups_stopped(
        &mut self,
        telegram_id: i64,
        at: Option<DateTime<Utc>>,
    ) -> StoreResult<u64> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE buyers SET follow_ups_stopped_at = $2 WHERE telegram_id = $1")
                .bind(telegram_id)
                .bind(at)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(Into::into)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_complaint(
        &mut self,
        unit_id: i64,
        buyer_id: i64,
        topic: Topic,
        level: Level,
        text: &str,
        ack_due_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO complaints (unit_id, buyer_id, topic, level, text, created_at, ack_due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(unit_id)
            .bind(buyer_id)
            .bind(topic.as_str())
            .bind(level.as_str())
            .bind(text)
            .bind(now)
            .bind(ack_due_at)
            .fetch_one(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn complaint(&mut self, id: i64) -> StoreResult<Option<Complaint>> {
        let record: Option<ComplaintRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(c)
            .await
        })?;
        record.map(ComplaintRecord::into_complaint).transpose()
    }

    /// Complaints nobody has acknowledged yet, oldest first.
    pub async fn unacknowledged_complaints(&mut self) -> StoreResult<Vec<Complaint>> {
        let records: Vec<ComplaintRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE acknowledged_at IS NULL ORDER BY id"
            ))
            .fetch_all(c)
            .await
        })?;
        records
            .into_iter()
            .map(ComplaintRecord::into_complaint)
            .collect()
    }

    /// Acknowledges a complaint; false when someone did already.
    pub async fn acknowledge_complaint(
        &mut self,
        id: i64,
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE complaints SET acknowledged_by = $2, acknowledged_at = $3 \
                 WHERE id = $1 AND acknowledged_at IS NULL",
            )
            .bind(id)
            .bind(staff_id)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Marks a complaint escalated; false when it was acknowledged or escalated already.
    pub async fn escalate_complaint(&mut self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE complaints SET escalated_at = $2 \
                 WHERE id = $1 AND acknowledged_at IS NULL AND escalated_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// The building a unit is in.
    pub async fn unit_building(&mut self, unit_id: i64) -> StoreResult<Option<i64>> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT building_id FROM units WHERE id = $1")
                .bind(unit_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(id)
    }

    /// Holds the building's row until the transaction ends, so that two complaints filed at
    /// once take their group-complaint check one after the other, the second seeing the
    /// first. (A write that changes nothing: it locks the row on PostgreSQL; SQLite's
    /// transactions are serial already.)
    pub async fn lock_building(&mut self, building_id: i64) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE buildings SET name = name WHERE id = $1")
                .bind(building_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The complaints on `topic` from homes of `building` since `since`.
    pub async fn complaints_in_building(
        &mut self,
        building_id: i64,
        topic: Topic,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Complaint>> {
        let records: Vec<ComplaintRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE topic = $2 AND created_at >= $3 \
                 AND unit_id IN (SELECT id FROM units WHERE building_id = $1) ORDER BY id"
            ))
            .bind(building_id)
            .bind(topic.as_str())
            .bind(since)
            .fetch_all(c)
            .await
        })?;
        records
            .into_iter()
            .map(ComplaintRecord::into_complaint)
            .collect()
    }

    /// When a group-complaint flag was last raised for this building and topic.
    pub async fn last_group_flag(
        &mut self,
        building_id: i64,
        topic: Topic,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let at: Option<DateTime<Utc>> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT raised_at FROM group_complaint_flags WHERE building_id = $1 AND topic = $2 \
                 ORDER BY raised_at DESC LIMIT 1",
            )
            .bind(building_id)
            .bind(topic.as_str())
            .fetch_optional(c)
            .await
        })?;
        Ok(at)
    }

    /// Raises a group-complaint flag over these complaints.
    pub async fn raise_group_flag(
        &mut self,
        building_id: i64,
        topic: Topic,
        complaints: &[i64],
        households: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let households = i64::try_from(households).unwrap_or(i64::MAX);
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO group_complaint_flags (building_id, topic, households, raised_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(building_id)
            .bind(topic.as_str())
            .bind(households)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        for complaint in complaints {
            with_conn!(self, |c| {
                sqlx::query("UPDATE complaints SET group_flag_id = $2 WHERE id = $1")
                    .bind(complaint)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        Ok(id)
    }

    /// How many group-complaint flags were raised (for supervisors' figures and tests).
    pub async fn group_flags(&mut self) -> StoreResult<Vec<(i64, String, i64)>> {
        let rows: Vec<(i64, String, i64)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT building_id, topic, households FROM group_complaint_flags ORDER BY id",
            )
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Records whether a report made after handover is under warranty, and until when.
    pub async fn set_defect_warranty(
        &mut self,
        defect_id: i64,
        until: NaiveDate,
        covered: bool,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE defects SET warranty_until = $2, under_warranty = $3 WHERE id = $1")
                .bind(defect_id)
                .bind(until)
                .bind(covered)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
