//! Projects, buildings, units, buyers, staff and invite codes.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::import::{BuyerRow, StaffRow};
use crate::domain::people::{
    Buyer, Lang, RiskFlag, Roles, Seniority, StaffMember, Tier, UnitLabel,
};
use crate::domain::phone::Phone;
use chrono::{DateTime, Utc};

/// What an upsert did to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created,
    Updated,
    Unchanged,
}

/// Totals of one import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Buyers whose mailing address they confirmed themselves was kept over the file's.
    pub kept_addresses: usize,
    /// Staff the file marked as left.
    pub left: usize,
}

impl ImportCounts {
    pub fn add(&mut self, outcome: UpsertOutcome) {
        match outcome {
            UpsertOutcome::Created => self.created += 1,
            UpsertOutcome::Updated => self.updated += 1,
            UpsertOutcome::Unchanged => self.unchanged += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.created + self.updated + self.unchanged
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct StaffRecord {
    id: i64,
    name: String,
    phone: Option<String>,
    roles: String,
    seniority: String,
    capacity: Option<i64>,
    buildings: String,
    language: Option<String>,
    telegram_id: Option<i64>,
    away_since: Option<DateTime<Utc>>,
    away_until: Option<DateTime<Utc>>,
    share_phone: i64,
}

impl StaffRecord {
    pub(super) fn into_member(self) -> StaffMember {
        StaffMember {
            id: self.id,
            name: self.name,
            phone: self.phone.map(Phone::from_e164),
            roles: Roles::from_db(&self.roles),
            seniority: self.seniority.parse().unwrap_or(Seniority::Regular),
            capacity: self.capacity.and_then(|c| u32::try_from(c).ok()),
            language: self.language.and_then(|l| l.parse().ok()),
            telegram_id: self.telegram_id,
            away_since: self.away_since,
            away_until: self.away_until,
            share_phone: self.share_phone != 0,
            buildings: self
                .buildings
                .split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

pub(super) const STAFF_COLUMNS: &str = "id, name, phone, roles, seniority, capacity, buildings, language, telegram_id, \
     away_since, away_until, share_phone";

/// The imported fields of a stored buyer: id, name, tier, risk flags, address, language, and
/// when the buyer confirmed the address.
type BuyerImportFields = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// What importing one buyer row did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerUpsert {
    pub outcome: UpsertOutcome,
    /// The buyer had confirmed an address that differs from the file's; theirs was kept.
    pub kept_address: bool,
    /// The row corrected the buyer's phone: the Telegram account linked through the old one,
    /// now unlinked from this home.
    pub unlinked: Option<i64>,
}

/// What importing one staff row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffUpsert {
    pub outcome: UpsertOutcome,
    /// The row marked the person as left; their Telegram account, if one was linked.
    pub left: Option<Option<i64>>,
}

#[derive(sqlx::FromRow)]
pub(super) struct BuyerRecord {
    id: i64,
    name: String,
    phone: String,
    tier: String,
    mailing_address: Option<String>,
    address_confirmed_at: Option<DateTime<Utc>>,
    language: Option<String>,
    telegram_id: Option<i64>,
    follow_ups_stopped_at: Option<DateTime<Utc>>,
    unit_id: i64,
    project: String,
    building: String,
    entrance: String,
    room: String,
}

impl BuyerRecord {
    pub(super) fn into_buyer(self) -> StoreResult<Buyer> {
        Ok(Buyer {
            id: self.id,
            name: self.name,
            phone: Phone::from_e164(self.phone),
            tier: self.tier.parse::<Tier>().map_err(|_| {
                StoreError::Corrupt(format!("buyer {} has tier {:?}", self.id, self.tier))
            })?,
            mailing_address: self.mailing_address,
            address_confirmed: self.address_confirmed_at.is_some(),
            language: self.language.and_then(|l| l.parse().ok()),
            telegram_id: self.telegram_id,
            follow_ups_stopped: self.follow_ups_stopped_at.is_some(),
            unit: UnitLabel {
                unit_id: self.unit_id,
                project: self.project,
                building: self.building,
                entrance: self.entrance,
                room: self.room,
            },
        })
    }
}

pub(super) const BUYER_SELECT: &str = "SELECT b.id, b.name, b.phone, b.tier, b.mailing_address, b.address_confirmed_at, \
     b.language, b.telegram_id, b.follow_ups_stopped_at, u.id AS unit_id, p.code AS project, bl.name AS building, u.entrance, u.room \
     FROM buyers b JOIN units u ON u.id = b.unit_id JOIN buildings bl ON bl.id = u.building_id \
     JOIN projects p ON p.id = bl.project_id";

/// A one-time code that links a Telegram account to a staff role.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InviteRecord {
    pub code: String,
    pub role: String,
    pub name: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Headline figures of the people loaded so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeopleCounts {
    pub units: i64,
    pub buyers: i64,
    pub buyers_linked: i64,
    pub staff: i64,
    pub staff_linked: i64,
    /// People Telegram refuses to deliver to (blocked the bot, never started it).
    pub unreachable: i64,
}

fn lang_code(lang: Option<Lang>) -> Option<&'static str> {
    lang.map(Lang::code)
}

/// A stored flag list with `flag` added, sorted; `None` when it has it already.
pub(super) fn with_flag(flags: &str, flag: RiskFlag) -> Option<String> {
    let mut all: Vec<RiskFlag> = flags.split(',').filter_map(|f| f.parse().ok()).collect();
    if all.contains(&flag) {
        return None;
    }
    all.push(flag);
    all.sort();
    Some(all.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","))
}

impl Tx {
    /// The project's id, creating the project on first use.
    pub async fn ensure_project(&mut self, code: &str, now: DateTime<Utc>) -> StoreResult<i64> {
        let existing: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
                .bind(code)
                .fetch_optional(c)
                .await
        })?;
        if let Some(id) = existing {
            return Ok(id);
        }
        // Another transaction may create it at the same moment (PostgreSQL does not serialise
        // writers as SQLite does): then ours inserts nothing and reads theirs.
        let inserted: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO projects (code, name, created_at) VALUES ($1, $1, $2) \
                 ON CONFLICT (code) DO NOTHING RETURNING id",
            )
            .bind(code)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        if let Some(id) = inserted {
            return Ok(id);
        }
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
                .bind(code)
                .fetch_one(c)
                .await
        })?;
        Ok(id)
    }

    /// Gives a project its display name (shown in /summary, /chart and the digest).
    pub async fn set_project_name(&mut self, id: i64, name: &str) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query("UPDATE projects SET name = $1 WHERE id = $2 AND name <> $1")
                .bind(name)
                .bind(id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected == 1)
    }

    /// Every project as (id, code, display name).
    pub async fn project_names(&mut self) -> StoreResult<Vec<(i64, String, String)>> {
        let rows = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, code, name FROM projects WHERE rehearsal_of IS NULL ORDER BY id",
            )
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    async fn ensure_unit(
        &mut self,
        project_id: i64,
        building: &str,
        entrance: &str,
        room: &str,
    ) -> StoreResult<i64> {
        let building_id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO buildings (project_id, name) VALUES ($1, $2) \
                 ON CONFLICT (project_id, name) DO UPDATE SET name = excluded.name RETURNING id",
            )
            .bind(project_id)
            .bind(building)
            .fetch_one(c)
            .await
        })?;
        let unit_id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO units (building_id, entrance, room) VALUES ($1, $2, $3) \
                 ON CONFLICT (building_id, entrance, room) DO UPDATE SET room = excluded.room RETURNING id",
            )
            .bind(building_id)
            .bind(entrance)
            .bind(room)
            .fetch_one(c)
            .await
        })?;
        Ok(unit_id)
    }

    /// Inserts or updates one buyer of one unit, keyed on (unit, phone). A row whose phone is
    /// new for the unit but whose name matches a buyer of the unit under a phone the file no
    /// longer lists (`listed` says which phones of the unit it lists) corrects that buyer's
    /// phone: the row is updated, and the account linked through the old phone loses the home.
    /// A mailing address the buyer confirmed wins over the file's; an empty cell keeps the
    /// address on file.
    pub async fn upsert_buyer(
        &mut self,
        project_id: i64,
        row: &BuyerRow,
        listed: &(dyn Fn(&str) -> bool + Sync),
        now: DateTime<Utc>,
    ) -> StoreResult<BuyerUpsert> {
        let unit_id = self
            .ensure_unit(project_id, &row.building, &row.entrance, &row.room)
            .await?;
        let unit_type_changed = match &row.unit_type {
            Some(unit_type) => {
                with_conn!(self, |c| {
                    sqlx::query(
                        "UPDATE units SET unit_type = $2 WHERE id = $1 \
                         AND (unit_type IS NULL OR unit_type <> $2)",
                    )
                    .bind(unit_id)
                    .bind(unit_type)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
                })? > 0
            }
            None => false,
        };
        let mirrored_changed = match row.mirrored {
            Some(mirrored) => {
                with_conn!(self, |c| {
                    sqlx::query(
                        "UPDATE units SET plan_mirrored = $2 WHERE id = $1 AND plan_mirrored <> $2",
                    )
                    .bind(unit_id)
                    .bind(mirrored)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
                })? > 0
            }
            None => false,
        };
        let mut flags = row
            .risk_flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let select = "SELECT id, name, tier, risk_flags, mailing_address, language, address_confirmed_at \
                      FROM buyers WHERE unit_id = $1 AND phone = $2";
        let mut existing: Option<BuyerImportFields> = with_conn!(self, |c| {
            sqlx::query_as(select)
                .bind(unit_id)
                .bind(row.phone.as_str())
                .fetch_optional(c)
                .await
        })?;
        let mut unlinked = None;
        let mut moved = false;
        if existing.is_none() {
            let namesakes: Vec<(i64, String, Option<i64>)> = with_conn!(self, |c| {
                sqlx::query_as(
                    "SELECT id, phone, telegram_id FROM buyers WHERE unit_id = $1 AND name = $2 ORDER BY id",
                )
                .bind(unit_id)
                .bind(&row.name)
                .fetch_all(c)
                .await
            })?;
            if let Some((id, _, telegram_id)) =
                namesakes.into_iter().find(|(_, phone, _)| !listed(phone))
            {
                with_conn!(self, |c| {
                    sqlx::query(
                        "UPDATE buyers SET phone = $1, telegram_id = NULL, linked_at = NULL, updated_at = $2 \
                         WHERE id = $3",
                    )
                    .bind(row.phone.as_str())
                    .bind(now)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
                })?;
                unlinked = telegram_id;
                moved = true;
                existing = with_conn!(self, |c| {
                    sqlx::query_as(select)
                        .bind(unit_id)
                        .bind(row.phone.as_str())
                        .fetch_optional(c)
                        .await
                })?;
            }
        }
        let language = lang_code(row.language).map(str::to_string);
        match existing {
            None => {
                with_conn!(self, |c| {
                    sqlx::query(
                        "INSERT INTO buyers (unit_id, name, phone, tier, risk_flags, mailing_address, language, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                    )
                    .bind(unit_id)
                    .bind(&row.name)
                    .bind(row.phone.as_str())
                    .bind(row.tier.as_str())
                    .bind(&flags)
                    .bind(&row.mailing_address)
                    .bind(&language)
                    .bind(now)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
                })?;
                Ok(BuyerUpsert {
                    outcome: UpsertOutcome::Created,
                    kept_address: false,
                    unlinked: None,
                })
            }
            Some((id, name, tier, old_flags, address, old_language, confirmed_at)) => {
                // A flag the bot raised after an early call is the campaign's knowledge, not the
                // sales system's: a list sent again keeps it.
                let raised = RiskFlag::Discontent;
                if old_flags.split(',').any(|f| f == raised.as_str())
                    && let Some(kept) = with_flag(&flags, raised)
                {
                    flags = kept;
                }
                // An import without a language column keeps a language already on file.
                let language = language.or(old_language.clone());
                let kept_address = confirmed_at.is_some()
                    && row.mailing_address.is_some()
                    && row.mailing_address != address;
                let new_address = if confirmed_at.is_some() {
                    address.clone()
                } else {
                    row.mailing_address.clone().or(address.clone())
                };
                let unchanged = name == row.name
                    && tier == row.tier.as_str()
                    && old_flags == flags
                    && address == new_address
                    && old_language == language;
                if unchanged && !moved && !unit_type_changed && !mirrored_changed {
                    return Ok(BuyerUpsert {
                        outcome: UpsertOutcome::Unchanged,
                        kept_address,
                        unlinked,
                    });
                }
                with_conn!(self, |c| {
                    sqlx::query(
                        "UPDATE buyers SET name = $1, tier = $2, risk_flags = $3, mailing_address = $4, language = $5, \
                         updated_at = $6 WHERE id = $7",
                    )
                    .bind(&row.name)
                    .bind(row.tier.as_str())
                    .bind(&flags)
                    .bind(&new_address)
                    .bind(&language)
                    .bind(now)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
                })?;
                Ok(BuyerUpsert {
                    outcome: UpsertOutcome::Updated,
                    kept_address,
                    unlinked,
                })
            }
        }
    }

    /// The staff record a staff file's row refers to (left staff included): by phone, or by
    /// name for staff without one.
    pub async fn staff_for_row(&mut self, row: &StaffRow) -> StoreResult<Option<StaffMember>> {
        let record: Option<StaffRecord> = match &row.phone {
            Some(phone) => with_conn!(self, |c| {
                sqlx::query_as(&format!(
                    "SELECT {STAFF_COLUMNS} FROM staff WHERE phone = $1"
                ))
                .bind(phone.as_str())
                .fetch_optional(c)
                .await
            })?,
            None => with_conn!(self, |c| {
                sqlx::query_as(&format!(
                    "SELECT {STAFF_COLUMNS} FROM staff WHERE phone IS NULL AND name = $1"
                ))
                .bind(&row.name)
                .fetch_optional(c)
                .await
            })?,
        };
        Ok(record.map(StaffRecord::into_member))
    }

    /// Inserts or updates a staff member, keyed on phone (or on name for staff without a phone).
    /// A row marked as left deactivates the person ([`Tx::deactivate_staff`]); a row not so
    /// marked brings a departed person back (they link again by phone or invite).
    pub async fn upsert_staff(
        &mut self,
        project_id: Option<i64>,
        row: &StaffRow,
        now: DateTime<Utc>,
    ) -> StoreResult<StaffUpsert> {
        let existing = self.staff_for_row(row).await?;
        let roles = row.roles.to_db();
        let capacity = row.capacity.map(i64::from);
        let buildings = row.buildings.join(",");
        let language = lang_code(row.language).map(str::to_string);
        let experts = row
            .expert_fields
            .as_deref()
            .map(crate::domain::expert::ExpertField::list_text);
        let Some(old) = existing else {
            with_conn!(self, |c| {
                sqlx::query(
                    "INSERT INTO staff (project_id, name, phone, roles, seniority, capacity, buildings, language, created_at, updated_at, left_at, expert_fields) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)",
                )
                .bind(project_id)
                .bind(&row.name)
                .bind(row.phone.as_ref().map(Phone::as_str))
                .bind(&roles)
                .bind(row.seniority.as_str())
                .bind(capacity)
                .bind(&buildings)
                .bind(&language)
                .bind(now)
                .bind(row.left.then_some(now))
                .bind(experts.clone().unwrap_or_default())
                .execute(c)
                .await
                .map(|done| done.rows_affected())
            })?;
            return Ok(StaffUpsert {
                outcome: UpsertOutcome::Created,
                left: row.left.then_some(None),
            });
        };
        let was_left = self.staff_left(old.id).await?;
        let old_experts =
            crate::domain::expert::ExpertField::list_text(&self.expert_fields(old.id).await?);
        let experts = experts.unwrap_or_else(|| old_experts.clone());
        let language = language.or(old.language.map(|l| l.code().to_string()));
        let old_language = old.language.map(|l| l.code().to_string());
        let unchanged = old.name == row.name
            && old.roles.to_db() == roles
            && old.seniority == row.seniority
            && old.capacity.map(i64::from) == capacity
            && old.buildings.join(",") == buildings
            && old_language == language
            && was_left == row.left
            && old_experts == experts;
        if unchanged {
            return Ok(StaffUpsert {
                outcome: UpsertOutcome::Unchanged,
                left: None,
            });
        }
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE staff SET name = $1, roles = $2, seniority = $3, capacity = $4, buildings = $5, \
                 language = $6, project_id = COALESCE($7, project_id), updated_at = $8, expert_fields = $10 \
                 WHERE id = $9",
            )
            .bind(&row.name)
            .bind(&roles)
            .bind(row.seniority.as_str())
            .bind(capacity)
            .bind(&buildings)
            .bind(&language)
            .bind(project_id)
            .bind(now)
            .bind(old.id)
            .bind(&experts)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        let left = if row.left && !was_left {
            Some(self.deactivate_staff(old.id, now).await?)
        } else {
            if !row.left && was_left {
                with_conn!(self, |c| {
                    sqlx::query("UPDATE staff SET left_at = NULL, updated_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(old.id)
                        .execute(c)
                        .await
                        .map(|done| done.rows_affected())
                })?;
            }
            None
        };
        Ok(StaffUpsert {
            outcome: UpsertOutcome::Updated,
            left,
        })
    }

    async fn staff_left(&mut self, id: i64) -> StoreResult<bool> {
        let left: Option<Option<DateTime<Utc>>> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT left_at FROM staff WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        Ok(left.flatten().is_some())
    }

    /// Marks a staff member as left: their Telegram account is unlinked (returned, if any), the
    /// households they look after wait for `/assign` again (or go back to the ambassador a backup
    /// was covering for), and their phone links nobody any more.
    pub async fn deactivate_staff(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let telegram_id: Option<Option<i64>> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT telegram_id FROM staff WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        let telegram_id = telegram_id.flatten();
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE staff SET left_at = $1, telegram_id = NULL, away_since = NULL, away_until = NULL, \
                 updated_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        for sql in [
            "UPDATE assignments SET staff_id = home_staff_id, home_staff_id = NULL \
             WHERE staff_id = $1 AND home_staff_id IS NOT NULL",
            "UPDATE assignments SET home_staff_id = NULL WHERE home_staff_id = $1",
            "DELETE FROM assignments WHERE staff_id = $1",
        ] {
            with_conn!(self, |c| {
                sqlx::query(sql)
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
            })?;
        }
        if let Some(telegram_id) = telegram_id {
            self.end_account(telegram_id, "staff.left", now).await?;
        }
        Ok(telegram_id)
    }

    /// Records that this Telegram account's access ended (it is told so on every message until
    /// it links again).
    pub async fn end_account(
        &mut self,
        telegram_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO ended_accounts (telegram_id, ended_at, reason) VALUES ($1, $2, $3) \
                 ON CONFLICT (telegram_id) DO NOTHING",
            )
            .bind(telegram_id)
            .bind(now)
            .bind(reason)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Whether this account's access ended and it has not linked again since.
    pub async fn account_ended(&mut self, telegram_id: i64) -> StoreResult<bool> {
        let found: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT telegram_id FROM ended_accounts WHERE telegram_id = $1")
                .bind(telegram_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(found.is_some())
    }

    /// The account linked again (a valid phone or invite): its access is back.
    async fn reopen_account(&mut self, telegram_id: i64) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("DELETE FROM ended_accounts WHERE telegram_id = $1")
                .bind(telegram_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Staff still in the campaign whose name or phone is `query` (for `/deactivate`).
    pub async fn active_staff_matching(
        &mut self,
        name: &str,
        phone: Option<&Phone>,
    ) -> StoreResult<Vec<StaffMember>> {
        let records: Vec<StaffRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE left_at IS NULL AND (name = $1 OR phone = $2) ORDER BY id"
            ))
            .bind(name)
            .bind(phone.map(Phone::as_str))
            .fetch_all(c)
            .await
        })?;
        Ok(records.into_iter().map(StaffRecord::into_member).collect())
    }

    pub async fn staff_by_phone(&mut self, phone: &Phone) -> StoreResult<Option<StaffMember>> {
        let record: Option<StaffRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE phone = $1 AND left_at IS NULL"
            ))
            .bind(phone.as_str())
            .fetch_optional(c)
            .await
        })?;
        Ok(record.map(StaffRecord::into_member))
    }

    pub async fn staff_by_telegram(
        &mut self,
        telegram_id: i64,
    ) -> StoreResult<Option<StaffMember>> {
        let record: Option<StaffRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE telegram_id = $1"
            ))
            .bind(telegram_id)
            .fetch_optional(c)
            .await
        })?;
        Ok(record.map(StaffRecord::into_member))
    }

    pub async fn staff_by_id(&mut self, id: i64) -> StoreResult<Option<StaffMember>> {
        let record: Option<StaffRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = $1"))
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        Ok(record.map(StaffRecord::into_member))
    }

    /// An unlinked staff member with exactly this name and role, for invite codes issued by name.
    pub async fn unlinked_staff_named(
        &mut self,
        name: &str,
        role: crate::domain::people::Role,
    ) -> StoreResult<Option<StaffMember>> {
        let records: Vec<StaffRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE name = $1 AND telegram_id IS NULL AND left_at IS NULL ORDER BY id"
            ))
            .bind(name)
            .fetch_all(c)
            .await
        })?;
        Ok(records
            .into_iter()
            .map(StaffRecord::into_member)
            .find(|s| s.roles.has(role)))
    }

    pub async fn all_staff(&mut self) -> StoreResult<Vec<StaffMember>> {
        let records: Vec<StaffRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE left_at IS NULL ORDER BY name, id"
            ))
            .fetch_all(c)
            .await
        })?;
        Ok(records.into_iter().map(StaffRecord::into_member).collect())
    }

    pub async fn create_staff(
        &mut self,
        name: &str,
        roles: &Roles,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO staff (name, roles, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
            )
            .bind(name)
            .bind(roles.to_db())
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn add_staff_roles(
        &mut self,
        id: i64,
        roles: &Roles,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE staff SET roles = $1, updated_at = $2 WHERE id = $3")
                .bind(roles.to_db())
                .bind(now)
                .bind(id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Links a Telegram account to a staff member. The account is first released from any
    /// other staff record: a verified phone or a fresh invite proves who holds it now.
    pub async fn link_staff(
        &mut self,
        staff_id: i64,
        telegram_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("UPDATE staff SET telegram_id = NULL, updated_at = $1 WHERE telegram_id = $2 AND id <> $3")
                .bind(now)
                .bind(telegram_id)
                .bind(staff_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE staff SET telegram_id = $1, linked_at = $2, updated_at = $2 WHERE id = $3",
            )
            .bind(telegram_id)
            .bind(now)
            .bind(staff_id)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        self.reopen_account(telegram_id).await?;
        Ok(())
    }

    pub async fn buyers_by_phone(&mut self, phone: &Phone) -> StoreResult<Vec<Buyer>> {
        let records: Vec<BuyerRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("{BUYER_SELECT} WHERE b.phone = $1 ORDER BY b.id"))
                .bind(phone.as_str())
                .fetch_all(c)
                .await
        })?;
        records.into_iter().map(BuyerRecord::into_buyer).collect()
    }

    pub async fn buyers_by_telegram(&mut self, telegram_id: i64) -> StoreResult<Vec<Buyer>> {
        let records: Vec<BuyerRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{BUYER_SELECT} WHERE b.telegram_id = $1 ORDER BY b.id"
            ))
            .bind(telegram_id)
            .fetch_all(c)
            .await
        })?;
        records.into_iter().map(BuyerRecord::into_buyer).collect()
    }

    /// Links every buyer record with this phone to the Telegram account (one person, several homes).
    pub async fn link_buyers(
        &mut self,
        phone: &Phone,
        telegram_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let affected = with_conn!(self, |c| {
            sqlx::query("UPDATE buyers SET telegram_id = $1, linked_at = $2, updated_at = $2 WHERE phone = $3")
                .bind(telegram_id)
                .bind(now)
                .bind(phone.as_str())
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        if affected > 0 {
            self.reopen_account(telegram_id).await?;
        }
        Ok(affected)
    }

    /// Marks the mailing address of every home of this Telegram account as confirmed,
    /// optionally replacing it first.
    pub async fn confirm_buyer_address(
        &mut self,
        telegram_id: i64,
        new_address: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE buyers SET mailing_address = COALESCE($1, mailing_address), address_confirmed_at = $2, \
                 updated_at = $2 WHERE telegram_id = $3",
            )
            .bind(new_address)
            .bind(now)
            .bind(telegram_id)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected)
    }

    pub async fn people_counts(&mut self) -> StoreResult<PeopleCounts> {
        const REAL_UNITS: &str = "SELECT u2.id FROM units u2 JOIN buildings bl ON bl.id = u2.building_id \
             JOIN projects p ON p.id = bl.project_id WHERE p.rehearsal_of IS NULL";
        let (units, buyers, buyers_linked): (i64, i64, i64) = with_conn!(self, |c| {
            // A rehearsal's generated homes and buyers are nobody's.
            sqlx::query_as(&format!(
                "SELECT (SELECT COUNT(*) FROM units u WHERE u.id IN ({REAL_UNITS})), COUNT(*), \
                 COUNT(telegram_id) FROM buyers WHERE unit_id IN ({REAL_UNITS})"
            ))
            .fetch_one(c)
            .await
        })?;
        let (staff, staff_linked): (i64, i64) = with_conn!(self, |c| {
            sqlx::query_as("SELECT COUNT(*), COUNT(telegram_id) FROM staff WHERE left_at IS NULL")
                .fetch_one(c)
                .await
        })?;
        let unreachable: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(&format!(
                "SELECT (SELECT COUNT(DISTINCT telegram_id) FROM buyers WHERE unreachable = 1 \
                 AND unit_id IN ({REAL_UNITS})) \
                      + (SELECT COUNT(*) FROM staff WHERE unreachable = 1)"
            ))
            .fetch_one(c)
            .await
        })?;
        Ok(PeopleCounts {
            units,
            buyers,
            buyers_linked,
            staff,
            staff_linked,
            unreachable,
        })
    }

    pub async fn insert_invite(
        &mut self,
        code: &str,
        role: &str,
        name: Option<&str>,
        created_by: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO invite_codes (code, role, name, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(code)
            .bind(role)
            .bind(name)
            .bind(created_by)
            .bind(now)
            .bind(expires_at)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn invite(&mut self, code: &str) -> StoreResult<Option<InviteRecord>> {
        let record = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT code, role, name, expires_at, used_at FROM invite_codes WHERE code = $1",
            )
            .bind(code)
            .fetch_optional(c)
            .await
        })?;
        Ok(record)
    }

    /// Marks a code used; false when someone else used it first.
    pub async fn use_invite(
        &mut self,
        code: &str,
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query("UPDATE invite_codes SET used_at = $1, used_by_staff = $2 WHERE code = $3 AND used_at IS NULL")
                .bind(now)
                .bind(staff_id)
                .bind(code)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected == 1)
    }
}
