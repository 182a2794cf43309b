//! Loading a campaign's buyers (with their units) and staff from CSV or Excel.

use super::{ServiceError, ServiceResult, Services};
use crate::domain::import::{self, FileFormat, ImportError, ImportKind, Parsed};
use crate::domain::people::Actor;
use crate::store::ImportCounts;
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
        let default_project = tx.ensure_project(&self.config.project, now).await?;
        let kind = match &parsed {
            Parsed::Buyers(rows) => {
                for row in rows {
                    let project = match &row.project {
                        Some(code) => tx.ensure_project(code, now).await?,
                        None => default_project,
                    };
                    counts.add(tx.upsert_buyer(project, row, now).await?);
                }
                ImportKind::Buyers
            }
            Parsed::Staff(rows) => {
                for row in rows {
                    let project = match &row.project {
                        Some(code) => Some(tx.ensure_project(code, now).await?),
                        None => None,
                    };
                    counts.add(tx.upsert_staff(project, row, now).await?);
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
            }),
        )
        .await?;
        tx.commit().await?;
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
