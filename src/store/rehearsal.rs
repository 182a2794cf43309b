//! Rehearsals (演练): a project of generated households played by staff, and its removal.

use super::people::{BUYER_SELECT, BuyerRecord};
use super::{StoreResult, Tx, with_conn};
use crate::domain::message::Content;
use crate::domain::people::Buyer;
use chrono::{DateTime, Utc};

/// A running rehearsal.
#[derive(Debug, Clone, PartialEq)]
pub struct Rehearsal {
    /// The rehearsal's own project.
    pub project_id: i64,
    pub code: String,
    /// The real project it rehearses.
    pub parent_code: String,
    pub started_at: DateTime<Utc>,
    /// Handler errors met while acting on it.
    pub errors: i64,
}

/// One generated household and how far it got.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RehearsalHome {
    pub unit_id: i64,
    pub building: String,
    pub room: String,
    pub buyer: String,
    pub link_code: String,
    pub ambassador: Option<String>,
    /// The staff volunteer playing the buyer, once they opened the link.
    pub player: Option<String>,
    pub joined_at: Option<DateTime<Utc>>,
    pub invited_at: Option<DateTime<Utc>>,
    pub booked_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub walked_through_at: Option<DateTime<Utc>>,
    pub handover_sent_at: Option<DateTime<Utc>>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub defects: i64,
}

/// What opening a rehearsal link finds.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RehearsalLink {
    pub unit_id: i64,
    /// The staff member who opened it already.
    pub staff_id: Option<i64>,
}

/// The rows of a rehearsal project, children before parents; each statement takes the
/// project's id as `$1`.
const REMOVAL: &[&str] = &[
    "DELETE FROM fix_photos WHERE event_id IN (SELECT e.id FROM defect_events e WHERE e.defect_id IN ({DEFECTS}))",
    "DELETE FROM defect_media WHERE defect_id IN ({DEFECTS})",
    "DELETE FROM defect_events WHERE defect_id IN ({DEFECTS})",
    "DELETE FROM handover_record_files WHERE handover_id IN ({HANDOVERS})",
    "DELETE FROM handover_records WHERE handover_id IN ({HANDOVERS})",
    "DELETE FROM handover_signatures WHERE handover_id IN ({HANDOVERS})",
    "DELETE FROM meter_readings WHERE handover_id IN ({HANDOVERS})",
    "DELETE FROM incidents WHERE unit_id IN ({UNITS})",
    "DELETE FROM consultations WHERE unit_id IN ({UNITS})",
    "DELETE FROM complaints WHERE unit_id IN ({UNITS})",
    "DELETE FROM group_complaint_flags WHERE building_id IN ({BUILDINGS})",
    "DELETE FROM follow_ups WHERE unit_id IN ({UNITS})",
    "UPDATE handovers SET replaces = NULL WHERE unit_id IN ({UNITS})",
    "DELETE FROM handovers WHERE unit_id IN ({UNITS})",
    "DELETE FROM defects WHERE unit_id IN ({UNITS})",
    "DELETE FROM inspections WHERE unit_id IN ({UNITS})",
    "DELETE FROM appointment_messages WHERE appointment_id IN (SELECT a.id FROM appointments a WHERE a.unit_id IN ({UNITS}))",
    "DELETE FROM appointments WHERE unit_id IN ({UNITS})",
    "DELETE FROM slots WHERE project_id = $1",
    "DELETE FROM precontact_calls WHERE unit_id IN ({UNITS})",
    "DELETE FROM precontact_overdue WHERE unit_id IN ({UNITS})",
    "DELETE FROM buyer_notes WHERE unit_id IN ({UNITS})",
    "DELETE FROM assignments WHERE unit_id IN ({UNITS})",
    "DELETE FROM relayed_media WHERE unit_id IN ({UNITS})",
    "DELETE FROM rehearsal_links WHERE buyer_id IN (SELECT b.id FROM buyers b WHERE b.unit_id IN ({UNITS}))",
    "DELETE FROM buyers WHERE unit_id IN ({UNITS})",
    "DELETE FROM risk_events WHERE risk_id IN (SELECT r.id FROM risks r WHERE r.project_id = $1)",
    "DELETE FROM risks WHERE project_id = $1",
    "DELETE FROM key_dates WHERE project_id = $1",
    "DELETE FROM targets WHERE project_id = $1",
    "DELETE FROM unit_tallies WHERE unit_id IN ({UNITS})",
    "DELETE FROM units WHERE building_id IN ({BUILDINGS})",
    "DELETE FROM defect_created_tallies WHERE building_id IN ({BUILDINGS})",
    "DELETE FROM defect_due_tallies WHERE building_id IN ({BUILDINGS})",
    "DELETE FROM building_tallies WHERE building_id IN ({BUILDINGS})",
    "DELETE FROM buildings WHERE project_id = $1",
    // What the rehearsal's work wrote outside its project (see crate::rehearsal).
    "DELETE FROM outbox WHERE rehearsal_id = $1",
    "DELETE FROM jobs WHERE rehearsal_id = $1",
    "DELETE FROM audit_log WHERE rehearsal_id = $1",
    "DELETE FROM dialogues WHERE rehearsal_id = $1",
    "DELETE FROM answer_uses WHERE rehearsal_id = $1",
    "DELETE FROM consultations WHERE rehearsal_id = $1",
    "DELETE FROM rehearsals WHERE project_id = $1",
    "DELETE FROM projects WHERE id = $1 AND rehearsal_of IS NOT NULL",
];

const BUILDINGS: &str = "SELECT bl.id FROM buildings bl WHERE bl.project_id = $1";
const UNITS: &str =
    "SELECT u.id FROM units u JOIN buildings bl ON bl.id = u.building_id WHERE bl.project_id = $1";

/// Every stored file the rehearsal's rows name (`$1` the project), a message's picture (a
/// welcome card) included.
const FILES: &str = "SELECT m.sha256 FROM defect_media m WHERE m.defect_id IN ({DEFECTS}) \
     UNION SELECT f.sha256 FROM fix_photos f JOIN defect_events e ON e.id = f.event_id WHERE e.defect_id IN ({DEFECTS}) \
     UNION SELECT r.sha256 FROM meter_readings r WHERE r.handover_id IN ({HANDOVERS}) \
     UNION SELECT s.sha256 FROM handover_signatures s WHERE s.handover_id IN ({HANDOVERS}) \
     UNION SELECT f.sha256 FROM handover_record_files f WHERE f.handover_id IN ({HANDOVERS}) \
     UNION SELECT r.sha256 FROM handover_records r WHERE r.handover_id IN ({HANDOVERS}) \
     UNION SELECT r.sha256 FROM relayed_media r WHERE r.unit_id IN ({UNITS}) \
     UNION SELECT m.sha256 FROM media m JOIN outbox o ON o.rehearsal_id = $1 \
     AND o.content LIKE '%' || m.path || '%'";

/// A stored file (`$1` its hash) that nothing names any more, once the rehearsal's rows are gone.
const UNNAMED_FILE: &str = "NOT EXISTS (SELECT 1 FROM defect_media x WHERE x.sha256 = $1) \
     AND NOT EXISTS (SELECT 1 FROM fix_photos x WHERE x.sha256 = $1) \
     AND NOT EXISTS (SELECT 1 FROM meter_readings x WHERE x.sha256 = $1) \
     AND NOT EXISTS (SELECT 1 FROM handover_signatures x WHERE x.sha256 = $1) \
     AND NOT EXISTS (SELECT 1 FROM handover_record_files x WHERE x.sha256 = $1) \
     AND NOT EXISTS (SELECT 1 FROM handover_records x WHERE x.sha256 = $1) \
     AND NOT EXISTS (SELECT 1 FROM relayed_media x WHERE x.sha256 = $1) \
     AND NOT EXISTS (SELECT 1 FROM outbox o, media m WHERE m.sha256 = $1 \
     AND o.content LIKE '%' || m.path || '%')";

fn expand(sql: &str) -> String {
    let units = UNITS;
    sql.replace(
        "{DEFECTS}",
        &format!("SELECT d.id FROM defects d WHERE d.unit_id IN ({units})"),
    )
    .replace(
        "{HANDOVERS}",
        &format!("SELECT h.id FROM handovers h WHERE h.unit_id IN ({units})"),
    )
    .replace("{UNITS}", units)
    .replace("{BUILDINGS}", BUILDINGS)
}

impl Tx {
    /// Runs one statement whose only parameter `$1` is `id`; the rows it touched.
    async fn run_with_id(&mut self, sql: &str, id: i64) -> StoreResult<u64> {
        let touched = with_conn!(self, |c| {
            sqlx::query(sql)
                .bind(id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(touched)
    }

    /// The rehearsal running for the real project `parent`, if any.
    pub async fn rehearsal_of(&mut self, parent: i64) -> StoreResult<Option<Rehearsal>> {
        let rows = self.rehearsals_where("p.rehearsal_of = $1", parent).await?;
        Ok(rows.into_iter().next())
    }

    /// The rehearsal whose project is `project`, if it runs.
    pub async fn rehearsal(&mut self, project: i64) -> StoreResult<Option<Rehearsal>> {
        let rows = self.rehearsals_where("p.id = $1", project).await?;
        Ok(rows.into_iter().next())
    }

    async fn rehearsals_where(
        &mut self,
        condition: &'static str,
        id: i64,
    ) -> StoreResult<Vec<Rehearsal>> {
        type Row = (i64, String, String, DateTime<Utc>, i64);
        let rows: Vec<Row> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT p.id, p.code, parent.code, r.started_at, CAST(r.errors AS BIGINT) \
                 FROM rehearsals r JOIN projects p ON p.id = r.project_id \
                 JOIN projects parent ON parent.id = p.rehearsal_of WHERE {condition}"
            ))
            .bind(id)
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(project_id, code, parent_code, started_at, errors)| Rehearsal {
                    project_id,
                    code,
                    parent_code,
                    started_at,
                    errors,
                },
            )
            .collect())
    }

    /// Creates the rehearsal's project for `parent`; its id.
    pub async fn start_rehearsal(
        &mut self,
        parent: i64,
        code: &str,
        name: &str,
        started_by: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let project: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO projects (code, name, created_at, rehearsal_of) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(code)
            .bind(name)
            .bind(now)
            .bind(parent)
            .fetch_one(c)
            .await
        })?;
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO rehearsals (project_id, started_by, started_at) VALUES ($1, $2, $3)",
            )
            .bind(project)
            .bind(started_by)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(project)
    }

    /// Adds one generated household (its building made on first use), with its buyer, its
    /// ambassador and the link a volunteer opens to play the buyer; the unit's id.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_rehearsal_home(
        &mut self,
        project: i64,
        building: &str,
        room: &str,
        buyer: &str,
        link_code: &str,
        ambassador: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let existing: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT id FROM buildings WHERE project_id = $1 AND name = $2")
                .bind(project)
                .bind(building)
                .fetch_optional(c)
                .await
        })?;
        let building_id = match existing {
            Some(id) => id,
            None => with_conn!(self, |c| {
                sqlx::query_scalar(
                    "INSERT INTO buildings (project_id, name) VALUES ($1, $2) RETURNING id",
                )
                .bind(project)
                .bind(building)
                .fetch_one(c)
                .await
            })?,
        };
        let unit: i64 = with_conn!(self, |c| {
            sqlx::query_scalar("INSERT INTO units (building_id, room) VALUES ($1, $2) RETURNING id")
                .bind(building_id)
                .bind(room)
                .fetch_one(c)
                .await
        })?;
        // Not a phone number, so no real person's contact ever links to it.
        let phone = format!("rehearsal:{link_code}");
        let buyer_id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO buyers (unit_id, name, phone, tier, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'B', $4, $4) RETURNING id",
            )
            .bind(unit)
            .bind(buyer)
            .bind(&phone)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        with_conn!(self, |c| {
            sqlx::query("INSERT INTO rehearsal_links (code, buyer_id) VALUES ($1, $2)")
                .bind(link_code)
                .bind(buyer_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        self.assign_household(unit, ambassador, None, now).await?;
        Ok(unit)
    }

    pub async fn rehearsal_link(&mut self, code: &str) -> StoreResult<Option<RehearsalLink>> {
        let link = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT b.unit_id, l.staff_id FROM rehearsal_links l \
                 JOIN buyers b ON b.id = l.buyer_id WHERE l.code = $1",
            )
            .bind(code)
            .fetch_optional(c)
            .await
        })?;
        Ok(link)
    }

    /// The staff member `staff_id` (Telegram account `telegram_id`) plays the link's buyer.
    pub async fn join_rehearsal(
        &mut self,
        code: &str,
        staff_id: i64,
        telegram_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE rehearsal_links SET staff_id = $2, joined_at = $3 WHERE code = $1 AND staff_id IS NULL",
            )
            .bind(code)
            .bind(staff_id)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE buyers SET telegram_id = $2, linked_at = $3, updated_at = $3 \
                 WHERE id = (SELECT buyer_id FROM rehearsal_links WHERE code = $1)",
            )
            .bind(code)
            .bind(telegram_id)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The rehearsal buyers this Telegram account plays, with their rehearsal's project.
    pub async fn rehearsal_roles(&mut self, telegram_id: i64) -> StoreResult<Vec<(Buyer, i64)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            buyer: BuyerRecord,
            project_id: i64,
        }
        let rows: Vec<Row> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{} WHERE b.telegram_id = $1 AND p.rehearsal_of IS NOT NULL ORDER BY b.id",
                BUYER_SELECT.replacen(" FROM buyers b", ", p.id AS project_id FROM buyers b", 1)
            ))
            .bind(telegram_id)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|r| Ok((r.buyer.into_buyer()?, r.project_id)))
            .collect()
    }

    /// The account stops playing its rehearsal buyers (their households stay, unplayed) and
    /// leaves any dialogue it had as one.
    pub async fn leave_rehearsal(&mut self, telegram_id: i64) -> StoreResult<()> {
        for sql in [
            "DELETE FROM dialogues WHERE chat_id = $1",
            "UPDATE buyers SET telegram_id = NULL WHERE telegram_id = $1 AND unit_id IN \
             (SELECT u.id FROM units u JOIN buildings bl ON bl.id = u.building_id \
              JOIN projects p ON p.id = bl.project_id WHERE p.rehearsal_of IS NOT NULL)",
        ] {
            self.run_with_id(sql, telegram_id).await?;
        }
        Ok(())
    }

    /// The rehearsal's households, with when each reached each step.
    pub async fn rehearsal_homes(&mut self, project: i64) -> StoreResult<Vec<RehearsalHome>> {
        let homes = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT u.id AS unit_id, bl.name AS building, u.room, b.name AS buyer, l.code AS link_code, \
                 amb.name AS ambassador, player.name AS player, l.joined_at, \
                 (SELECT MIN(a.invited_at) FROM appointments a WHERE a.unit_id = u.id AND a.kind = 'inspection') AS invited_at, \
                 (SELECT MIN(a.confirmed_at) FROM appointments a WHERE a.unit_id = u.id AND a.kind = 'inspection') AS booked_at, \
                 (SELECT MIN(a.checked_in_at) FROM appointments a WHERE a.unit_id = u.id AND a.kind = 'inspection') AS checked_in_at, \
                 (SELECT MIN(i.finished_at) FROM inspections i WHERE i.unit_id = u.id) AS walked_through_at, \
                 (SELECT MIN(h.submitted_at) FROM handovers h WHERE h.unit_id = u.id) AS handover_sent_at, \
                 (SELECT MIN(h.confirmed_at) FROM handovers h WHERE h.unit_id = u.id AND h.status = 'confirmed') AS handed_over_at, \
                 (SELECT COUNT(*) FROM defects d WHERE d.unit_id = u.id AND d.status <> 'recorded') AS defects \
                 FROM units u JOIN buildings bl ON bl.id = u.building_id JOIN buyers b ON b.unit_id = u.id \
                 JOIN rehearsal_links l ON l.buyer_id = b.id \
                 LEFT JOIN assignments asg ON asg.unit_id = u.id LEFT JOIN staff amb ON amb.id = asg.staff_id \
                 LEFT JOIN staff player ON player.id = l.staff_id \
                 WHERE bl.project_id = $1 ORDER BY u.id",
            )
            .bind(project)
            .fetch_all(c)
            .await
        })?;
        Ok(homes)
    }

    /// Dialogues of the rehearsal still open and untouched since `before` (abandoned half-way).
    pub async fn rehearsal_stalled_dialogues(
        &mut self,
        project: i64,
        before: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let n = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM dialogues WHERE rehearsal_id = $1 AND updated_at < $2",
            )
            .bind(project)
            .bind(before)
            .fetch_one(c)
            .await
        })?;
        Ok(n)
    }

    /// Messages of the rehearsal Telegram refused for good.
    pub async fn rehearsal_failed_messages(&mut self, project: i64) -> StoreResult<i64> {
        let n = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE rehearsal_id = $1 AND status = 'failed'",
            )
            .bind(project)
            .fetch_one(c)
            .await
        })?;
        Ok(n)
    }

    pub async fn note_rehearsal_error(&mut self, project: i64) -> StoreResult<()> {
        self.run_with_id(
            "UPDATE rehearsals SET errors = errors + 1 WHERE project_id = $1",
            project,
        )
        .await?;
        Ok(())
    }

    /// Removes the rehearsal `project` and everything it caused: its households and all that
    /// happened to them, the messages, jobs, audit entries and dialogues its work wrote, the
    /// dialogues of the volunteers' chats, and the stored files only it named or sent (whose
    /// paths, relative to the media directory, are returned for the caller to delete). `since` is when it started: uploads of its files
    /// from then on go too.
    pub async fn end_rehearsal(
        &mut self,
        project: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<String>> {
        let files: Vec<String> = with_conn!(self, |c| {
            sqlx::query_scalar(&expand(FILES))
                .bind(project)
                .fetch_all(c)
                .await
        })?;
        // Files its messages sent that are no media of record (a visit's calendar entry).
        let contents: Vec<String> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT content FROM outbox WHERE rehearsal_id = $1")
                .bind(project)
                .fetch_all(c)
                .await
        })?;
        let mut sent: Vec<String> = contents
            .iter()
            .filter_map(|json| serde_json::from_str::<Content>(json).ok())
            .flat_map(|content| {
                content
                    .paths()
                    .into_iter()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        sent.sort();
        sent.dedup();
        let volunteers_dialogues = "DELETE FROM dialogues WHERE chat_id IN (SELECT b.telegram_id \
             FROM buyers b WHERE b.unit_id IN ({UNITS}) AND b.telegram_id IS NOT NULL)";
        for statement in std::iter::once(&volunteers_dialogues).chain(REMOVAL) {
            self.run_with_id(&expand(statement), project).await?;
        }
        let mut removed = Vec::new();
        for sha in files {
            let unnamed: bool = with_conn!(self, |c| {
                sqlx::query_scalar(&format!("SELECT {UNNAMED_FILE}"))
                    .bind(&sha)
                    .fetch_one(c)
                    .await
            })?;
            if !unnamed {
                continue;
            }
            with_conn!(self, |c| {
                sqlx::query("DELETE FROM uploads WHERE sha256 = $1 AND at >= $2")
                    .bind(&sha)
                    .bind(since)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
            })?;
            let path: Option<String> = with_conn!(self, |c| {
                sqlx::query_scalar("DELETE FROM media WHERE sha256 = $1 RETURNING path")
                    .bind(&sha)
                    .fetch_optional(c)
                    .await
            })?;
            removed.extend(path);
        }
        for path in sent {
            let named: bool = with_conn!(self, |c| {
                sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM media WHERE path = $1) \
                     OR EXISTS (SELECT 1 FROM outbox WHERE content LIKE '%' || $1 || '%')",
                )
                .bind(&path)
                .fetch_one(c)
                .await
            })?;
            if !named && !removed.contains(&path) {
                removed.push(path);
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_removal_statement_names_only_the_rehearsal() {
        for statement in REMOVAL {
            let sql = expand(statement);
            assert!(!sql.contains('{'), "{sql}");
            assert!(sql.contains("$1"), "{sql}");
        }
    }
}
