//! Ambassadors and their households: assignments, cover while someone is away, notes.

use super::people::{BUYER_SELECT, BuyerRecord, STAFF_COLUMNS, StaffRecord};
use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::people::{Buyer, RiskFlag, StaffMember, Stage, Tier, UnitLabel};
use chrono::{DateTime, Utc};

/// A household (unit) with what assignment and the ambassador's list need.
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    pub unit: UnitLabel,
    /// The buyers' names, in import order.
    pub names: Vec<String>,
    /// The highest tier among the buyers.
    pub tier: Tier,
    pub flags: Vec<RiskFlag>,
    pub stage: Stage,
    /// The ambassador looking after it now, and whom it returns to while that is a backup.
    pub staff_id: Option<i64>,
    pub home_staff_id: Option<i64>,
    /// 户型, when the buyer list gave one.
    pub unit_type: Option<String>,
    /// Its layout is its type's plan flipped left-right (镜像).
    pub plan_mirrored: bool,
}

impl Household {
    /// What a risk's scope looks at.
    pub fn place(&self) -> crate::domain::risk::Place<'_> {
        crate::domain::risk::Place {
            building: &self.unit.building,
            unit: &self.unit.room,
            unit_type: self.unit_type.as_deref(),
        }
    }

    /// What the permission rules read of it.
    pub fn home(&self) -> crate::domain::authz::Home<'_> {
        crate::domain::authz::Home {
            unit: &self.unit,
            ambassador: self.staff_id,
        }
    }

    /// A+ or flagged: only seniors look after it, and it owes an early call.
    pub fn sensitive(&self) -> bool {
        crate::domain::precontact::is_key(self.tier, &self.flags)
    }
}

/// A staff member with the number of households they look after now.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffLoad {
    pub staff: StaffMember,
    pub load: i64,
    /// Households of theirs that a backup covers while they are away.
    pub covered: i64,
}

/// A note on a household.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub author: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct HouseholdRecord {
    unit_id: i64,
    project: String,
    building: String,
    entrance: String,
    room: String,
    name: String,
    tier: String,
    risk_flags: String,
    staff_id: Option<i64>,
    home_staff_id: Option<i64>,
    inspection_status: Option<String>,
    handed_over: i64,
    unit_type: Option<String>,
    plan_mirrored: bool,
    /// The rehearsal project the household belongs to, for a rehearsal's generated one.
    rehearsal: Option<i64>,
}

/// Where the household is: handed over once a buyer confirmed receiving it, otherwise from its
/// latest inspection appointment.
fn stage_of(inspection_status: Option<&str>, handed_over: bool) -> Stage {
    if handed_over {
        return Stage::HandedOver;
    }
    match inspection_status {
        Some("invited") => Stage::Invited,
        Some("confirmed") => Stage::Confirmed,
        Some("checked_in" | "completed") => Stage::Visited,
        // Declined, no-show or cancelled: back to be invited again.
        _ => Stage::NotInvited,
    }
}

const HOUSEHOLD_SELECT: &str = "SELECT u.id AS unit_id, p.code AS project, bl.name AS building, u.entrance, u.room, \
     b.name, b.tier, b.risk_flags, a.staff_id, a.home_staff_id, u.unit_type, u.plan_mirrored, \
     (SELECT ap.status FROM appointments ap WHERE ap.unit_id = u.id AND ap.kind = 'inspection' \
      ORDER BY ap.id DESC LIMIT 1) AS inspection_status, \
     (SELECT COUNT(*) FROM handovers h WHERE h.unit_id = u.id AND h.status = 'confirmed') AS handed_over, \
     CASE WHEN p.rehearsal_of IS NULL THEN NULL ELSE p.id END AS rehearsal \
     FROM units u JOIN buildings bl ON bl.id = u.building_id JOIN projects p ON p.id = bl.project_id \
     JOIN buyers b ON b.unit_id = u.id LEFT JOIN assignments a ON a.unit_id = u.id";

/// Folds one row per buyer into one household per unit, keeping the query's unit order.
fn households(records: Vec<HouseholdRecord>) -> StoreResult<Vec<Household>> {
    let mut out: Vec<Household> = Vec::new();
    for r in records {
        let tier: Tier = r.tier.parse().map_err(|_| {
            StoreError::Corrupt(format!("unit {} has tier {:?}", r.unit_id, r.tier))
        })?;
        let flags: Vec<RiskFlag> = r
            .risk_flags
            .split(',')
            .filter_map(|f| f.parse().ok())
            .collect();
        match out.last_mut() {
            Some(last) if last.unit.unit_id == r.unit_id => {
                last.names.push(r.name);
                last.tier = last.tier.min(tier);
                for flag in flags {
                    if !last.flags.contains(&flag) {
                        last.flags.push(flag);
                    }
                }
            }
            _ => out.push(Household {
                unit: UnitLabel {
                    unit_id: r.unit_id,
                    project: r.project,
                    building: r.building,
                    entrance: r.entrance,
                    room: r.room,
                },
                names: vec![r.name],
                tier,
                flags,
                stage: stage_of(r.inspection_status.as_deref(), r.handed_over > 0),
                staff_id: r.staff_id,
                home_staff_id: r.home_staff_id,
                unit_type: r.unit_type,
                plan_mirrored: r.plan_mirrored,
            }),
        }
    }
    Ok(out)
}

impl Tx {
    /// The project's households that have no ambassador yet.
    pub async fn unassigned_households(&mut self, project: &str) -> StoreResult<Vec<Household>> {
        let records: Vec<HouseholdRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{HOUSEHOLD_SELECT} WHERE a.unit_id IS NULL AND p.code = $1 ORDER BY u.id, b.id"
            ))
            .bind(project)
            .fetch_all(c)
            .await
        })?;
        households(records)
    }

    /// Every household of the project, by building and room.
    pub async fn project_households(&mut self, project: &str) -> StoreResult<Vec<Household>> {
        let records: Vec<HouseholdRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{HOUSEHOLD_SELECT} WHERE p.code = $1 ORDER BY bl.name, u.entrance, u.room, u.id, b.id"
            ))
            .bind(project)
            .fetch_all(c)
            .await
        })?;
        households(records)
    }

    /// The households an ambassador looks after now, by building and room.
    pub async fn households_of(&mut self, staff_id: i64) -> StoreResult<Vec<Household>> {
        self.households_by_staff_column("staff_id", staff_id).await
    }

    /// The households a backup covers for `staff_id` while they are away.
    pub async fn households_covered_for(&mut self, staff_id: i64) -> StoreResult<Vec<Household>> {
        self.households_by_staff_column("home_staff_id", staff_id)
            .await
    }

    /// `column` is one of the assignment's staff columns, never user input.
    async fn households_by_staff_column(
        &mut self,
        column: &'static str,
        staff_id: i64,
    ) -> StoreResult<Vec<Household>> {
        let records: Vec<HouseholdRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{HOUSEHOLD_SELECT} WHERE a.{column} = $1 ORDER BY bl.name, u.entrance, u.room, u.id, b.id"
            ))
            .bind(staff_id)
            .fetch_all(c)
            .await
        })?;
        households(records)
    }

    pub async fn household(&mut self, unit_id: i64) -> StoreResult<Option<Household>> {
        let records: Vec<HouseholdRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("{HOUSEHOLD_SELECT} WHERE u.id = $1 ORDER BY b.id"))
                .bind(unit_id)
                .fetch_all(c)
                .await
        })?;
        // Whatever is done to a rehearsal's household is the rehearsal's (see crate::rehearsal).
        if let Some(rehearsal) = records.first().and_then(|r| r.rehearsal) {
            crate::rehearsal::touch(rehearsal);
        }
        Ok(households(records)?.into_iter().next())
    }

    /// Households whose unit label ("3-2-1502", "3-1502") or a buyer's name matches `query`.
    pub async fn find_households(&mut self, query: &str) -> StoreResult<Vec<Household>> {
        let records: Vec<HouseholdRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{HOUSEHOLD_SELECT} WHERE u.id IN ( \
                   SELECT u2.id FROM units u2 JOIN buildings b2 ON b2.id = u2.building_id \
                   JOIN buyers y ON y.unit_id = u2.id \
                   WHERE y.name = $1 \
                      OR (b2.name || '-' || u2.entrance || '-' || u2.room) = $1 \
                      OR (u2.entrance = '' AND (b2.name || '-' || u2.room) = $1)) \
                 ORDER BY bl.name, u.entrance, u.room, u.id, b.id"
            ))
            .bind(query)
            .fetch_all(c)
            .await
        })?;
        // A label or name that finds only a rehearsal's households is the rehearsal's.
        if let Some(rehearsal) = records.first().and_then(|r| r.rehearsal)
            && records.iter().all(|r| r.rehearsal == Some(rehearsal))
        {
            crate::rehearsal::touch(rehearsal);
        }
        households(records)
    }

    /// Every household of the building of that name (in any project), by entrance and room.
    pub async fn households_in_building(&mut self, building: &str) -> StoreResult<Vec<Household>> {
        let records: Vec<HouseholdRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{HOUSEHOLD_SELECT} WHERE bl.name = $1 ORDER BY p.code, u.entrance, u.room, u.id, b.id"
            ))
            .bind(building)
            .fetch_all(c)
            .await
        })?;
        households(records)
    }

    /// Every staff member with how many households they look after and how many are covered.
    pub async fn staff_loads(&mut self) -> StoreResult<Vec<StaffLoad>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            staff: StaffRecord,
            load: i64,
            covered: i64,
        }
        // A rehearsal's households weigh nothing in the real campaign's balance.
        const REAL: &str = "NOT EXISTS (SELECT 1 FROM units u JOIN buildings bl ON bl.id = u.building_id \
             JOIN projects p ON p.id = bl.project_id WHERE u.id = a.unit_id AND p.rehearsal_of IS NOT NULL)";
        let rows: Vec<Row> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {STAFF_COLUMNS}, \
                 (SELECT COUNT(*) FROM assignments a WHERE a.staff_id = staff.id AND {REAL}) AS load, \
                 (SELECT COUNT(*) FROM assignments a WHERE a.home_staff_id = staff.id AND {REAL}) AS covered \
                 FROM staff WHERE left_at IS NULL ORDER BY id"
            ))
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|r| StaffLoad {
                staff: r.staff.into_member(),
                load: r.load,
                covered: r.covered,
            })
            .collect())
    }

    /// Puts the household with `staff_id`; `home_staff_id` is set while a backup covers.
    pub async fn assign_household(
        &mut self,
        unit_id: i64,
        staff_id: i64,
        home_staff_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO assignments (unit_id, staff_id, home_staff_id, assigned_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (unit_id) DO UPDATE SET staff_id = excluded.staff_id, \
                 home_staff_id = excluded.home_staff_id, assigned_at = excluded.assigned_at",
            )
            .bind(unit_id)
            .bind(staff_id)
            .bind(home_staff_id)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The buyers of one unit.
    pub async fn buyers_of_unit(&mut self, unit_id: i64) -> StoreResult<Vec<Buyer>> {
        let records: Vec<BuyerRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("{BUYER_SELECT} WHERE u.id = $1 ORDER BY b.id"))
                .bind(unit_id)
                .fetch_all(c)
                .await
        })?;
        records.into_iter().map(BuyerRecord::into_buyer).collect()
    }

    /// The ambassador a buyer was last introduced to.
    pub async fn introduced_staff(&mut self, buyer_id: i64) -> StoreResult<Option<i64>> {
        let id: Option<Option<i64>> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT introduced_staff_id FROM buyers WHERE id = $1")
                .bind(buyer_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(id.flatten())
    }

    pub async fn set_introduced_staff(&mut self, buyer_id: i64, staff_id: i64) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE buyers SET introduced_staff_id = $1 WHERE id = $2")
                .bind(staff_id)
                .bind(buyer_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Marks a staff member away (`since` set) or back (`None`).
    pub async fn set_away(
        &mut self,
        staff_id: i64,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE staff SET away_since = $1, away_until = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(since)
            .bind(until)
            .bind(now)
            .bind(staff_id)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn set_share_phone(
        &mut self,
        staff_id: i64,
        share: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE staff SET share_phone = $1, updated_at = $2 WHERE id = $3")
                .bind(i64::from(share))
                .bind(now)
                .bind(staff_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn add_note(
        &mut self,
        unit_id: i64,
        staff_id: i64,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO buyer_notes (unit_id, staff_id, note, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(unit_id)
            .bind(staff_id)
            .bind(text)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The household's notes, newest first.
    pub async fn notes_of(&mut self, unit_id: i64, limit: i64) -> StoreResult<Vec<Note>> {
        let rows: Vec<(String, String, DateTime<Utc>)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT s.name, n.note, n.created_at FROM buyer_notes n JOIN staff s ON s.id = n.staff_id \
                 WHERE n.unit_id = $1 ORDER BY n.id DESC LIMIT $2",
            )
            .bind(unit_id)
            .bind(limit)
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(author, text, at)| Note { author, text, at })
            .collect())
    }
}
