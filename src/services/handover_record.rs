//! The handover record as a PDF (交房确认书). When a buyer receives the home, the record's data
//! is written down once ([`RecordData`], kept with its SHA-256) in the same transaction, and a
//! job makes the PDF in each recipient's language and sends it to every buyer of the home and
//! the ambassador. The PDFs are kept, so `/myhome` sends the same file again; every page
//! prints the record's number and hash, which `/verify` and `handover-bot verify-record` check
//! against the database.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::tell::{Cause, Chat, Message};
use super::{ServiceResult, Services};
use crate::domain::aftercare::Warranty;
use crate::domain::authz;
use crate::domain::defect::{Category, Room, Severity};
use crate::domain::people::{Actor, Buyer, Lang, StaffMember};
use crate::domain::record::{
    OpenDefect, RecordCode, RecordData, RecordSignature, RecordedMeter, find_pdf_marker,
    pdf_marker, record_hash,
};
use crate::domain::signature::Signer;
use crate::i18n::{I18n, plain_text};
use crate::present::{self, Dates as _, Label as _, Times as _};
use crate::render::card::FontSource;
use crate::render::pdf::handover_record::{self, RecordSheet, Section, SignatureLines};
use crate::render::pdf::{PdfError, PdfFont, layout, photo};
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::aftercare::Handover;
use crate::store::assignment::Household;
use crate::store::defects::Defect;
use crate::store::records::KeptRecord;

use super::defect_pdf::{file_safe, page_label};
use super::handover::item_name;

/// A record's PDF, to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPdf {
    /// Its path in the media store.
    pub path: String,
    /// `handover-record-3-1502.pdf`.
    pub file_name: String,
    pub number: i64,
    pub unit: String,
}

/// What checking a record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The database holds a record of this number whose data has this hash; `replaced_by`
    /// when a newer record replaced it.
    Matches {
        record: Box<RecordData>,
        hash: String,
        replaced_by: Option<i64>,
    },
    /// A record of this number exists, and its hash is another: the copy is not this record.
    Differs { number: i64 },
    /// No record of this number that the person may see.
    Unknown,
}

/// What checking a PDF file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVerdict {
    /// The record the file says it is, checked (`None`: the file carries no record's mark).
    pub verdict: Option<Verdict>,
    /// The file is byte for byte one the application issued.
    pub issued: bool,
}

impl Services {
    /// Writes down what record `handover` says now that `buyer` received the home (with their
    /// signature, if they signed, already kept), and queues its PDF for everyone concerned.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn keep_record(
        &self,
        tx: &mut Tx,
        handover: &Handover,
        household: &Household,
        buyer: &Buyer,
        ambassador: Option<&StaffMember>,
        open: &[Defect],
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let tz = self.config.timezone;
        let buyers = tx.buyers_of_unit(handover.unit_id).await?;
        let project = tx
            .project_names()
            .await?
            .into_iter()
            .find(|(_, code, _)| *code == household.unit.project)
            .map(|(_, code, name)| if name.is_empty() { code } else { name })
            .unwrap_or_else(|| household.unit.project.clone());
        let ambassador_name = ambassador.map(|a| a.name.clone()).unwrap_or_default();
        let mut signatures = Vec::new();
        for signature in tx.signatures(handover.id).await? {
            let name = match signature.signer {
                Signer::Ambassador => tx
                    .staff_by_id(signature.signer_id)
                    .await?
                    .map(|s| s.name)
                    .unwrap_or_default(),
                Signer::Buyer => buyers
                    .iter()
                    .find(|b| b.id == signature.signer_id)
                    .map(|b| b.name.clone())
                    .unwrap_or_default(),
            };
            signatures.push(RecordSignature {
                signer: signature.signer,
                name,
                image: signature.sha256,
                signed_at: signature.signed_at,
            });
        }
        let warranty = &self.config.warranty;
        let handed_over_on = now.with_timezone(&tz).date_naive();
        let data = RecordData {
            number: handover.id,
            replaces: handover.replaces,
            project,
            building: household.unit.building.clone(),
            unit: household.unit.short(),
            buyers: household.names.clone(),
            received_by: buyer.name.clone(),
            ambassador: ambassador_name,
            recorded_at: handover.submitted_at,
            received_at: now,
            keys: handover.keys.clone(),
            meters: handover
                .meters
                .iter()
                .map(|(m, _)| RecordedMeter {
                    meter: m.meter.clone(),
                    reading: m.reading.clone(),
                    photo: m.photo.clone(),
                })
                .collect(),
            meters_absent: handover.meters_absent.clone(),
            documents: handover.documents.clone(),
            open_defects: open
                .iter()
                .map(|d| OpenDefect {
                    id: d.id,
                    room: d.room.as_str().to_string(),
                    category: d.category.as_str().to_string(),
                    severity: d.severity.as_str().to_string(),
                    note: d.note.clone(),
                    due_on: d.due_at.map(|due| due.with_timezone(&tz).date_naive()),
                })
                .collect(),
            warranty: Category::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), warranty.months(*c)))
                .collect(),
            handed_over_on,
            signatures,
        };
        let json = data.to_json();
        tx.insert_record(handover.id, &json, &record_hash(&json), now)
            .await?;
        let job = Job::RecordPdf {
            handover_id: handover.id,
        }
        .at(now)
        .unique_key(format!("record-pdf:{}", handover.id));
        tx.schedule_job(&job, now).await?;
        Ok(())
    }

    /// The job: the record's PDF to every linked buyer of the home and to the ambassador, each
    /// in their language. False when there is no kept record of that number.
    #[instrument(skip(self))]
    pub async fn send_record_pdf(&self, handover_id: i64) -> ServiceResult<bool> {
        let (recipients, langs) = {
            let mut tx = self.store.read().await?;
            let Some(handover) = tx.handover(handover_id).await? else {
                return Ok(false);
            };
            if tx.record(handover_id).await?.is_none() {
                return Ok(false);
            }
            let buyers = tx.buyers_of_unit(handover.unit_id).await?;
            let ambassador = tx.staff_by_id(handover.staff_id).await?;
            let recipients: Vec<Chat> = buyers
                .iter()
                .filter_map(Chat::of)
                .chain(ambassador.as_ref().and_then(Chat::of))
                .collect();
            let mut langs = Vec::new();
            for chat in &recipients {
                let lang = self.recipient_lang(&mut tx, chat.id, chat.language).await?;
                if !langs.contains(&lang) {
                    langs.push(lang);
                }
            }
            tx.commit().await?;
            (recipients, langs)
        };
        let mut files: HashMap<Lang, RecordPdf> = HashMap::new();
        for lang in langs {
            if let Some(pdf) = self.record_file(handover_id, lang).await? {
                files.insert(lang, pdf);
            }
        }
        let Some(any) = files.values().next().cloned() else {
            return Ok(false);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        self.tell(
            &mut tx,
            &recipients,
            Message::new(
                Cause::per_chat(format!("record-pdf:{handover_id}")),
                |lang, _| {
                    let pdf = files.get(&lang).unwrap_or(&any);
                    crate::domain::message::Content::Document {
                        path: pdf.path.clone(),
                        file_name: pdf.file_name.clone(),
                        caption_html: Some(crate::tr!(
                            self.i18n,
                            lang,
                            "record-caption",
                            number = pdf.number,
                            home = pdf.unit.as_str()
                        )),
                        buttons: Vec::new(),
                    }
                },
            ),
        )
        .await?;
        tx.audit(
            now,
            super::SYSTEM,
            "handover.record_pdf",
            &format!("handover:{handover_id}"),
            serde_json::json!({"files": files.len()}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// The received record of a home the actor may open, as a PDF in `lang` (made now if it
    /// was not made in that language before); `None` when the home is not theirs or was not
    /// handed over.
    #[instrument(skip_all)]
    pub async fn record_pdf(
        &self,
        actor: &Actor,
        unit_id: i64,
        lang: Lang,
    ) -> ServiceResult<Option<RecordPdf>> {
        let number = {
            let mut tx = self.store.read().await?;
            let allowed = may_see(&mut tx, actor, unit_id).await?;
            let record = match allowed {
                true => tx.record_of_unit(unit_id).await?,
                false => None,
            };
            tx.commit().await?;
            match record {
                Some(record) => record.handover_id,
                None => return Ok(None),
            }
        };
        self.record_file(number, lang).await
    }

    /// The homes of a buyer that were handed over with a kept record: (unit, record number).
    #[instrument(skip_all)]
    pub async fn received_records(&self, actor: &Actor) -> ServiceResult<Vec<(i64, i64)>> {
        let Actor::Buyer(homes) = actor else {
            return Ok(Vec::new());
        };
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for home in homes {
            if let Some(record) = tx.record_of_unit(home.unit.unit_id).await? {
                out.push((home.unit.unit_id, record.handover_id));
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Record `number`'s PDF in `lang`: the one kept, or made, kept and returned. The data is
    /// read in one read transaction; the PDF is made off the async runtime with no connection
    /// held.
    async fn record_file(&self, number: i64, lang: Lang) -> ServiceResult<Option<RecordPdf>> {
        let (record, sheet_inputs) = {
            let mut tx = self.store.read().await?;
            let Some(kept) = tx.record(number).await? else {
                return Ok(None);
            };
            let record = RecordData::from_json(&kept.data)
                .map_err(|e| crate::store::StoreError::Corrupt(format!("record {number}: {e}")))?;
            if let Some(path) = tx.record_file(number, lang.code()).await? {
                tx.commit().await?;
                return Ok(Some(pdf_of(&record, path)));
            }
            let mut paths = HashMap::new();
            let images = record
                .meters
                .iter()
                .map(|m| m.photo.clone())
                .chain(record.signatures.iter().map(|s| s.image.clone()));
            for sha in images {
                if let Some(path) = tx.media_path(&sha).await? {
                    paths.insert(sha, path);
                }
            }
            tx.commit().await?;
            (record, (kept, paths))
        };
        let (kept, paths) = sheet_inputs;
        let sheet = record_words(
            &self.i18n,
            lang,
            &self.config.timezone,
            &record,
            &kept,
            &paths,
        );
        let font = FontSource::choose(self.config.font.as_deref());
        let files = self
            .media
            .available_local_files(
                sheet
                    .photo_paths()
                    .into_iter()
                    .chain(sheet.signature_paths()),
            )
            .await;
        let bytes = tokio::task::spawn_blocking(move || {
            let font = PdfFont::load(&font)?;
            let read = |path: &str| {
                let local = files.get(path)?;
                std::fs::read(local)
                    .inspect_err(
                        |error| tracing::warn!(%error, path, "a record's image is missing"),
                    )
                    .ok()
            };
            let mut prepared = photo::prepare_all(&sheet.photo_paths(), &read);
            for path in sheet.signature_paths() {
                if let Some(drawing) = read(path).and_then(photo::drawing) {
                    prepared.insert(path.to_string(), drawing);
                }
            }
            layout::render(&handover_record::document(sheet, &prepared), &font)
        })
        .await
        .map_err(|e| PdfError::Write(format!("the PDF task ended: {e}")))??;
        let stored = self.media.put(&bytes, "pdf").await?;
        let len = bytes.len() as i64;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.record_media(
            &stored.sha256,
            None,
            &stored.path,
            "application/pdf",
            len,
            now,
        )
        .await?;
        tx.insert_record_file(number, lang.code(), &stored.sha256, now)
            .await?;
        // Two made at once: the first one kept is the one every copy is.
        let path = tx
            .record_file(number, lang.code())
            .await?
            .unwrap_or(stored.path);
        tx.commit().await?;
        Ok(Some(pdf_of(&record, path)))
    }

    /// Checks a record by the number and hash printed on it. With `actor`, only a record of a
    /// home they may open is found (a person in chat); without, any (the operator's command).
    #[instrument(skip_all)]
    pub async fn verify_record(
        &self,
        actor: Option<&Actor>,
        code: &RecordCode,
    ) -> ServiceResult<Verdict> {
        let mut tx = self.store.read().await?;
        let verdict = self.verdict(&mut tx, actor, code).await?;
        tx.commit().await?;
        Ok(verdict)
    }

    /// Checks a record's PDF file: the record it says it is, and whether it is a file the
    /// application issued.
    #[instrument(skip_all)]
    pub async fn verify_record_file(&self, pdf: &[u8]) -> ServiceResult<FileVerdict> {
        let sha = crate::media::sha256_hex(pdf);
        let mut tx = self.store.read().await?;
        let issued = tx.record_of_file(&sha).await?;
        let code = find_pdf_marker(pdf);
        let verdict = match code {
            Some(code) => Some(self.verdict(&mut tx, None, &code).await?),
            None => None,
        };
        tx.commit().await?;
        let issued = match (&verdict, issued) {
            (Some(Verdict::Matches { record, .. }), Some(number)) => number == record.number,
            _ => false,
        };
        Ok(FileVerdict { verdict, issued })
    }

    async fn verdict(
        &self,
        tx: &mut Tx,
        actor: Option<&Actor>,
        code: &RecordCode,
    ) -> ServiceResult<Verdict> {
        let Some(kept) = tx.record(code.number).await? else {
            return Ok(Verdict::Unknown);
        };
        if let Some(actor) = actor {
            let Some(handover) = tx.handover(code.number).await? else {
                return Ok(Verdict::Unknown);
            };
            if !may_see(tx, actor, handover.unit_id).await? {
                return Ok(Verdict::Unknown);
            }
        }
        // The hash is computed again from the data as it is now: a row changed behind the
        // application's back no longer matches what was printed.
        let hash = record_hash(&kept.data);
        if !code.matches(&hash) || hash != kept.sha256 {
            return Ok(Verdict::Differs {
                number: code.number,
            });
        }
        let record = RecordData::from_json(&kept.data).map_err(|e| {
            crate::store::StoreError::Corrupt(format!("record {}: {e}", code.number))
        })?;
        let replaced_by = tx.replaced_by(code.number).await?;
        Ok(Verdict::Matches {
            record: Box::new(record),
            hash,
            replaced_by,
        })
    }
}

/// Whether `actor` may see the record of home `unit_id`: its buyers, and staff who may open it.
async fn may_see(tx: &mut Tx, actor: &Actor, unit_id: i64) -> ServiceResult<bool> {
    Ok(match actor {
        Actor::Buyer(homes) => homes.iter().any(|h| h.unit.unit_id == unit_id),
        Actor::Staff(_) => tx
            .household(unit_id)
            .await?
            .is_some_and(|h| authz::may_open(actor, h.home())),
        Actor::Unknown => false,
    })
}

fn pdf_of(record: &RecordData, path: String) -> RecordPdf {
    RecordPdf {
        path,
        file_name: format!("handover-record-{}.pdf", file_safe(&record.unit)),
        number: record.number,
        unit: record.unit.clone(),
    }
}

/// The record in the reader's words: every label from the locales, times in the project's
/// time zone.
fn record_words(
    i18n: &std::sync::Arc<I18n>,
    lang: Lang,
    timezone: &chrono_tz::Tz,
    record: &RecordData,
    kept: &KeptRecord,
    paths: &HashMap<String, String>,
) -> RecordSheet {
    let t = |key: &str| plain_text(&i18n.text(lang, key, &[]));
    let item = |list: &str, code: &str| plain_text(&item_name(i18n, lang, list, code));
    let at = |time: DateTime<Utc>| time.with_timezone(timezone).present_date_time();
    let number = record.number;
    let subtitle = match record.replaces {
        Some(old) => plain_text(&crate::tr!(
            i18n,
            lang,
            "record-number-replaces",
            number = number,
            old = old
        )),
        None => plain_text(&crate::tr!(i18n, lang, "record-number", number = number)),
    };
    let fields = vec![
        (t("pdf-field-project"), record.project.clone()),
        (t("pdf-field-building"), record.building.clone()),
        (t("pdf-field-unit"), record.unit.clone()),
        (
            t("pdf-field-buyers"),
            present::list(i18n, lang, &record.buyers),
        ),
        (t("record-field-received-by"), record.received_by.clone()),
        (t("pdf-field-ambassador"), record.ambassador.clone()),
        (t("record-field-received-at"), at(record.received_at)),
    ];
    let keys = Section {
        heading: t("record-keys"),
        columns: vec![(t("record-col-item"), 3.0), (t("record-col-count"), 1.0)],
        rows: record
            .keys
            .iter()
            .map(|(kind, n)| vec![item("key", kind), n.to_string()])
            .collect(),
        photos: None,
    };
    let meters = Section {
        heading: t("record-meters"),
        columns: vec![(t("record-col-meter"), 2.0), (t("record-col-reading"), 2.0)],
        rows: record
            .meters
            .iter()
            .map(|m| vec![item("meter", &m.meter), m.reading.clone()])
            .chain(
                record
                    .meters_absent
                    .iter()
                    .map(|m| vec![item("meter", m), t("record-meter-absent")]),
            )
            .collect(),
        photos: Some((
            t("record-meter-photos"),
            record
                .meters
                .iter()
                .filter_map(|m| paths.get(&m.photo).cloned())
                .collect(),
        )),
    };
    let documents = Section {
        heading: t("record-documents"),
        columns: vec![(t("record-col-item"), 1.0)],
        rows: record
            .documents
            .iter()
            .map(|d| vec![item("document", d)])
            .collect(),
        photos: None,
    };
    let label = |value: Option<String>, code: &str| value.unwrap_or_else(|| code.to_string());
    let open = Section {
        heading: t("record-open-defects"),
        columns: vec![
            (t("pdf-col-number"), 0.5),
            (t("pdf-col-room"), 1.0),
            (t("pdf-col-kind"), 1.2),
            (t("pdf-col-urgency"), 0.9),
            (t("pdf-col-note"), 2.2),
            (t("pdf-col-deadline"), 1.1),
        ],
        rows: record
            .open_defects
            .iter()
            .enumerate()
            .map(|(i, d)| {
                vec![
                    (i + 1).to_string(),
                    label(
                        d.room.parse::<Room>().ok().map(|r| r.label(i18n, lang)),
                        &d.room,
                    ),
                    label(
                        d.category
                            .parse::<Category>()
                            .ok()
                            .map(|c| c.label(i18n, lang)),
                        &d.category,
                    ),
                    label(
                        d.severity
                            .parse::<Severity>()
                            .ok()
                            .map(|s| s.label(i18n, lang)),
                        &d.severity,
                    ),
                    d.note.clone(),
                    d.due_on
                        .map(|day| day.present_date())
                        .unwrap_or_else(|| t("no-value")),
                ]
            })
            .collect(),
        photos: None,
    };
    let warranty = Section {
        heading: t("record-warranty"),
        columns: vec![
            (t("record-col-period"), 1.0),
            (t("pdf-col-kind"), 3.0),
            (t("record-col-until"), 1.2),
        ],
        rows: warranty_rows(i18n, lang, record),
        photos: None,
    };
    let signatures = [Signer::Ambassador, Signer::Buyer]
        .into_iter()
        .map(|signer| {
            let caption = match signer {
                Signer::Ambassador => t("record-sign-ambassador"),
                Signer::Buyer => t("record-sign-buyer"),
            };
            match record.signatures.iter().find(|s| s.signer == signer) {
                Some(signed) => SignatureLines {
                    caption,
                    image: paths.get(&signed.image).cloned(),
                    lines: vec![
                        signed.name.clone(),
                        plain_text(&crate::tr!(
                            i18n,
                            lang,
                            "record-signed-at",
                            at = at(signed.signed_at).as_str()
                        )),
                    ],
                },
                None => SignatureLines {
                    caption,
                    image: None,
                    lines: match signer {
                        Signer::Ambassador => vec![
                            record.ambassador.clone(),
                            plain_text(&crate::tr!(
                                i18n,
                                lang,
                                "record-recorded-at",
                                at = at(record.recorded_at).as_str()
                            )),
                        ],
                        Signer::Buyer => vec![
                            record.received_by.clone(),
                            plain_text(&crate::tr!(
                                i18n,
                                lang,
                                "record-received-in-chat",
                                at = at(record.received_at).as_str()
                            )),
                        ],
                    },
                },
            }
        })
        .collect();
    RecordSheet {
        title: t("record-title"),
        subtitle,
        language: lang.code().to_string(),
        footer: plain_text(&crate::tr!(
            i18n,
            lang,
            "record-footer",
            number = number,
            hash = kept.sha256.as_str()
        )),
        page_label: page_label(i18n, lang),
        keywords: vec![pdf_marker(number, &kept.sha256)],
        fields,
        statement: plain_text(&crate::tr!(
            i18n,
            lang,
            "record-statement",
            buyer = record.received_by.as_str(),
            home = record.unit.as_str()
        )),
        sections: vec![keys, meters, documents, open, warranty],
        signatures_heading: t("record-signatures"),
        signatures,
        none: t("handover-none"),
    }
}

/// The warranty as printed: one row per period, with the kinds of defect it covers and its
/// last day.
fn warranty_rows(i18n: &I18n, lang: Lang, record: &RecordData) -> Vec<Vec<String>> {
    let cover = Warranty {
        months: record
            .warranty
            .iter()
            .filter_map(|(code, months)| Some((code.parse::<Category>().ok()?, *months)))
            .collect(),
        default_months: 0,
    };
    let mut periods: Vec<u32> = record.warranty.iter().map(|(_, m)| *m).collect();
    periods.sort_unstable_by(|a, b| b.cmp(a));
    periods.dedup();
    periods
        .into_iter()
        .map(|months| {
            let kinds: Vec<String> = record
                .warranty
                .iter()
                .filter(|(_, m)| *m == months)
                .map(|(code, _)| {
                    code.parse::<Category>()
                        .map(|c| c.label(i18n, lang))
                        .unwrap_or_else(|_| code.clone())
                })
                .collect();
            let until = record
                .warranty
                .iter()
                .find(|(_, m)| *m == months)
                .and_then(|(code, _)| code.parse::<Category>().ok())
                .map(|category| cover.ends(category, record.handed_over_on).present_date())
                .unwrap_or_default();
            let period = if months % 12 == 0 {
                plain_text(&crate::tr!(i18n, lang, "record-years", count = months / 12))
            } else {
                plain_text(&crate::tr!(i18n, lang, "record-months", count = months))
            };
            vec![period, present::list(i18n, lang, &kinds), until]
        })
        .collect()
}
