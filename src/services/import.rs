//! Loading a campaign's buyers (with their units) and staff from CSV or Excel.

use super::tell::{Cause, Chat, Message};
use super::{ServiceError, ServiceResult, Services};
use crate::domain::import::{
    self, BuyerRow, FileFormat, ImportError, ImportKind, Parsed, RowError, RowProblem, StaffRow,
};
use crate::domain::people::{Actor, Role};
use crate::store::{ImportCounts, Tx};
use std::collections::{HashMap, HashSet};
use tracing::instrument;

/// Who runs an import: a supervisor in chat or the CLI.
#[derive(Debug, Clone, Copy)]
pub enum Importer<'a> {
    Person(&'a Actor),
    Cli,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Done {
        kind: ImportKind,
        counts: ImportCounts,
    },
    /// The file was refused as a whole; nothing was written.
    Rejected(ImportError),
    TooLarge {
        limit: u64,
    },
    UnsupportedFormat,
}

impl Services {
    /// Validates every row first; any bad row rejects the whole file and nothing is written.
    /// Rows are upserted on their natural keys, so importing the same file twice changes nothing.
    #[instrument(skip_all, fields(bytes = bytes.len()))]
    pub async fn import_file(
        &self,
        importer: Importer<'_>,
        file_name: &str,
        bytes: &[u8],
        kind: Option<ImportKind>,
    ) -> ServiceResult<ImportOutcome> {
        // Admin may be granted or removed only by an admin (or the operator on the server).
        let may_grant_admin = match importer {
            Importer::Person(Actor::Staff(staff)) => staff.roles.has(Role::Admin),
            Importer::Person(_) => false,
            Importer::Cli => true,
        };
        let actor_name = match importer {
            Importer::Person(actor) if actor.can_supervise() => actor.audit_name(),
            Importer::Person(_) => return Err(ServiceError::Forbidden),
            Importer::Cli => "cli".to_string(),
        };
        if bytes.len() as u64 > self.config.max_import_bytes {
            return Ok(ImportOutcome::TooLarge {
                limit: self.config.max_import_bytes,
            });
        }
        let Some(format) = FileFormat::from_file_name(file_name) else {
            return Ok(ImportOutcome::UnsupportedFormat);
        };
        // Decoding a workbook (up to 256 MB unpacked) and validating every row is CPU work:
        // on a blocking thread, so the bot keeps answering meanwhile.
        let (owned, region) = (bytes.to_vec(), self.config.phone_region);
        let parsed =
            tokio::task::spawn_blocking(move || import::parse(&owned, format, kind, region))
                .await
                .map_err(|e| crate::store::StoreError::Corrupt(format!("reading the file: {e}")))?;
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return Ok(ImportOutcome::Rejected(error)),
        };
        let now = self.clock.now();
        let mut counts = ImportCounts::default();
        let mut tx = self.store.begin().await?;
        if let Parsed::Staff(rows) = &parsed
            && !may_grant_admin
        {
            let refused = admin_changes(&mut tx, rows).await?;
            if !refused.is_empty() {
                return Ok(ImportOutcome::Rejected(ImportError::Rows {
                    total_bad: refused.len(),
                    errors: refused,
                }));
            }
        }
        let default_project = tx.ensure_project(&self.config.project, now).await?;
        let kind = match &parsed {
            Parsed::Buyers(rows) => {
                let listed = listed_phones(rows, &self.config.project);
                for row in rows {
                    let code = row.project.as_deref().unwrap_or(&self.config.project);
                    let project = match &row.project {
                        Some(code) => tx.ensure_project(code, now).await?,
                        None => default_project,
                    };
                    if let Some(name) = &row.project_name {
                        tx.set_project_name(project, name).await?;
                    }
                    let unit = (
                        code,
                        row.building.as_str(),
                        row.entrance.as_str(),
                        row.room.as_str(),
                    );
                    let phones = listed.get(&unit);
                    let is_listed = |phone: &str| phones.is_some_and(|p| p.contains(phone));
                    let done = tx.upsert_buyer(project, row, &is_listed, now).await?;
                    counts.add(done.outcome);
                    counts.kept_addresses += usize::from(done.kept_address);
                    if let Some(telegram_id) = done.unlinked {
                        self.tell_phone_moved(&mut tx, telegram_id, row, now)
                            .await?;
                    }
                }
                ImportKind::Buyers
            }
            Parsed::Staff(rows) => {
                for row in rows {
                    let project = match &row.project {
                        Some(code) => Some(tx.ensure_project(code, now).await?),
                        None => None,
                    };
                    let done = tx.upsert_staff(project, row, now).await?;
                    counts.add(done.outcome);
                    if let Some(account) = done.left {
                        counts.left += 1;
                        if let Some(telegram_id) = account {
                            self.tell_access_ended(&mut tx, telegram_id, None, now)
                                .await?;
                        }
                    }
                }
                ImportKind::Staff
            }
            Parsed::Slots(rows) => {
                for row in rows {
                    let project = match &row.project {
                        Some(code) => tx.ensure_project(code, now).await?,
                        None => default_project,
                    };
                    let local = |time| {
                        use chrono::TimeZone;
                        self.config
                            .timezone
                            .from_local_datetime(&row.date.and_time(time))
                            .earliest()
                            .map(|t| t.with_timezone(&chrono::Utc))
                    };
                    let (Some(starts_at), Some(ends_at)) = (local(row.start), local(row.end))
                    else {
                        // A local time skipped by a daylight-saving jump: nothing to book.
                        continue;
                    };
                    let created = tx
                        .insert_slot(project, row.kind, starts_at, ends_at, row.capacity, now)
                        .await?;
                    counts.add(if created.is_some() {
                        crate::store::UpsertOutcome::Created
                    } else {
                        crate::store::UpsertOutcome::Unchanged
                    });
                }
                ImportKind::Slots
            }
            Parsed::Risks(rows) => {
                let refused = self
                    .import_risks(&mut tx, rows, &actor_name, &mut counts)
                    .await?;
                if !refused.is_empty() {
                    return Ok(ImportOutcome::Rejected(ImportError::Rows {
                        total_bad: refused.len(),
                        errors: refused
                            .into_iter()
                            .take(import::MAX_REPORTED_ERRORS)
                            .collect(),
                    }));
                }
                ImportKind::Risks
            }
            Parsed::Answers(rows) => {
                self.import_answers(&mut tx, rows, &actor_name, &mut counts)
                    .await?;
                ImportKind::Answers
            }
        };
        tx.audit(
            now,
            &actor_name,
            "import",
            &format!("file:{file_name}"),
            serde_json::json!({
                "kind": format!("{kind:?}"),
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "kept_addresses": counts.kept_addresses,
                "left": counts.left,
            }),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        tracing::info!(
            ?kind,
            created = counts.created,
            updated = counts.updated,
            unchanged = counts.unchanged,
            "import done"
        );
        Ok(ImportOutcome::Done { kind, counts })
    }
}

impl Services {
    /// Tells an account that lost a home through a corrected phone number. When it has nothing
    /// else in the campaign its access ends.
    async fn tell_phone_moved(
        &self,
        tx: &mut Tx,
        telegram_id: i64,
        row: &BuyerRow,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ServiceResult<()> {
        let unit = crate::domain::people::UnitLabel {
            unit_id: 0,
            project: row.project.clone().unwrap_or_default(),
            building: row.building.clone(),
            entrance: row.entrance.clone(),
            room: row.room.clone(),
        }
        .short();
        let key = format!(
            "access:phone-moved:{telegram_id}:{}:{unit}:{}",
            row.project.as_deref().unwrap_or(""),
            row.phone.as_str()
        );
        self.tell_access_ended(tx, telegram_id, Some((unit, key)), now)
            .await
    }

    /// Queues the notice that an account's access ended (a departed staff member, or a buyer
    /// whose home moved to a corrected phone: `home` names it, with the notice's key), and
    /// records the end when the account has nothing left in the campaign.
    pub(crate) async fn tell_access_ended(
        &self,
        tx: &mut Tx,
        telegram_id: i64,
        home: Option<(String, String)>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ServiceResult<()> {
        let remaining = !tx.buyers_by_telegram(telegram_id).await?.is_empty()
            || tx.staff_by_telegram(telegram_id).await?.is_some();
        if !remaining {
            let reason = if home.is_some() {
                "buyer.phone_moved"
            } else {
                "staff.left"
            };
            tx.end_account(telegram_id, reason, now).await?;
        }
        let chat = Chat {
            id: telegram_id,
            language: None,
        };
        let (cause, unit) = match home {
            Some((unit, key)) => (Cause::once(key), Some(unit)),
            None => (Cause::once(format!("access:ended:{telegram_id}")), None),
        };
        let notice = Message::text(cause, |lang, _| match &unit {
            Some(unit) => crate::tr!(self.i18n, lang, "access-phone-moved", unit = unit.as_str()),
            None => crate::tr!(self.i18n, lang, "access-ended-notice"),
        });
        self.tell(tx, [chat], notice).await?;
        Ok(())
    }
}

/// For each home of a buyer list (project code, building, entrance, room), the phones it lists.
fn listed_phones<'a>(
    rows: &'a [BuyerRow],
    default_project: &'a str,
) -> HashMap<(&'a str, &'a str, &'a str, &'a str), HashSet<&'a str>> {
    let mut listed: HashMap<_, HashSet<&str>> = HashMap::new();
    for row in rows {
        listed
            .entry((
                row.project.as_deref().unwrap_or(default_project),
                row.building.as_str(),
                row.entrance.as_str(),
                row.room.as_str(),
            ))
            .or_default()
            .insert(row.phone.as_str());
    }
    listed
}

/// The rows of a staff list that would grant or take away the admin role (also by marking an
/// admin as left), each as a problem on its roles column.
async fn admin_changes(tx: &mut Tx, rows: &[StaffRow]) -> ServiceResult<Vec<RowError>> {
    let mut refused = Vec::new();
    for row in rows {
        let was_admin = tx
            .staff_for_row(row)
            .await?
            .is_some_and(|s| s.roles.has(Role::Admin));
        let will_be_admin = row.roles.has(Role::Admin) && !row.left;
        if was_admin != will_be_admin {
            refused.push(RowError {
                line: row.line,
                column: "roles".to_string(),
                reason: RowProblem::AdminOnly,
            });
        }
    }
    Ok(refused)
}
