//! The defect report as a PDF (验房记录 / 整改单): a home's, or every home of a building one
//! may open. Everything is read in one read transaction, which ends before the photos are read
//! and the document is made off the async runtime, so no connection is held while it draws.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tracing::instrument;

use super::defects::Found;
use super::{ServiceResult, Services};
use crate::domain::authz;
use crate::domain::people::{Actor, Lang};
use crate::domain::remediation::DefectStatus;
use crate::i18n::{I18n, plain_text};
use crate::present::{self, Dates as _, Label, Times as _};
use crate::render::card::FontSource;
use crate::render::pdf::defect_report::{self, DefectReport, HomeReport, ReportItem, ReportLabels};
use crate::render::pdf::{PdfError, PdfFont, layout, photo};
use crate::store::Tx;
use crate::store::assignment::Household;
use crate::store::defects::{Defect, DefectEvent};

/// Photos of each kind (before, after the fix) an item shows in the PDF; the rest are in the
/// bot, and the report says how many.
pub const PHOTOS_PER_ITEM: usize = 3;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfScope<'a> {
    /// What a person typed: a home ("3-1502"), a buyer's name, or a building ("3").
    Query(&'a str),
    /// One home by its id (a buyer's button).
    Unit(i64),
}

/// A report ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefectPdf {
    /// `defects-3-1502.pdf`, `defects-3.pdf` for a building.
    pub file_name: String,
    /// The home or the building, as people write it.
    pub scope: String,
    pub items: usize,
    pub bytes: Vec<u8>,
}

/// A defect with what its card shows.
#[derive(Debug, Clone, PartialEq)]
pub struct DefectFacts {
    pub defect: Defect,
    /// Each event with the name of who took it (`None`: the application itself).
    pub history: Vec<(DefectEvent, Option<String>)>,
    pub engineer: Option<String>,
    pub after_photos: Vec<String>,
}

/// A home and its defects as the reader may see them.
#[derive(Debug, Clone, PartialEq)]
struct HomeFacts {
    household: Household,
    project: String,
    ambassador: Option<String>,
    defects: Vec<DefectFacts>,
    /// The home's plan with its items' numbered pins, when it has a plan and a pinned item.
    plan_picture: Option<String>,
}

/// What one report covers.
#[derive(Debug, Clone, PartialEq)]
struct ReportFacts {
    /// The building, when the report is a building's.
    building: Option<String>,
    homes: Vec<HomeFacts>,
}

/// Staff names by id, each asked of the store once per report.
#[derive(Debug, Default)]
pub(crate) struct StaffNames(HashMap<i64, Option<String>>);

impl StaffNames {
    pub(crate) async fn name(&mut self, tx: &mut Tx, id: i64) -> ServiceResult<Option<String>> {
        if let Some(name) = self.0.get(&id) {
            return Ok(name.clone());
        }
        let name = tx.staff_by_id(id).await?.map(|s| s.name);
        self.0.insert(id, name.clone());
        Ok(name)
    }
}

/// What a defect's card and its report show: its history (each event with the name of who
/// took it), its engineer, the photos of its latest fix.
pub(crate) async fn defect_facts(
    tx: &mut Tx,
    defect: Defect,
    buyers: &[crate::domain::people::Buyer],
    staff: &mut StaffNames,
) -> ServiceResult<DefectFacts> {
    let mut history = Vec::new();
    for event in tx.defect_events(defect.id).await? {
        let who = match event.actor.split_once(':') {
            Some(("staff", n)) => match n.parse::<i64>() {
                Ok(n) => staff.name(tx, n).await?,
                Err(_) => None,
            },
            Some(("buyer", n)) => buyers
                .iter()
                .find(|b| b.id.to_string() == n)
                .map(|b| b.name.clone()),
            _ => None,
        };
        history.push((event, who));
    }
    let engineer = match defect.engineer_id {
        Some(id) => staff.name(tx, id).await?,
        None => None,
    };
    let after_photos = tx.latest_fix_photos(defect.id).await?;
    Ok(DefectFacts {
        defect,
        history,
        engineer,
        after_photos,
    })
}

/// A buyer does not see items still being recorded.
pub(crate) fn visible_defects(actor: &Actor, defects: Vec<Defect>) -> Vec<Defect> {
    let buyer = matches!(actor, Actor::Buyer(_));
    defects
        .into_iter()
        .filter(|d| !(buyer && d.status == DefectStatus::Recorded))
        .collect()
}

impl Services {
    /// The defect report of a home (or a building's homes) the actor may open, as a PDF in
    /// `lang`. Someone who may not open it gets `NotFound`, exactly as for the chat list.
    #[instrument(skip_all)]
    pub async fn defect_pdf(
        &self,
        actor: &Actor,
        scope: PdfScope<'_>,
        lang: Lang,
    ) -> ServiceResult<Found<DefectPdf>> {
        let facts = {
            let mut tx = self.store.read().await?;
            let facts = self.report_facts(&mut tx, actor, scope).await?;
            tx.commit().await?;
            facts
        };
        let facts = match facts {
            Found::One(facts) => facts,
            Found::Choose(list) => return Ok(Found::Choose(list)),
            Found::NotFound => return Ok(Found::NotFound),
        };
        let scope = match (&facts.building, facts.homes.as_slice()) {
            (Some(building), _) => building.clone(),
            (None, [home]) => home.household.unit.short(),
            (None, _) => String::new(),
        };
        let items = facts.homes.iter().map(|h| h.defects.len()).sum();
        let report = report_words(
            &self.i18n,
            lang,
            &self.config.timezone,
            self.clock.now(),
            &facts,
        );
        let font = FontSource::choose(self.config.font.as_deref());
        let files = self
            .media
            .available_local_files(
                report.photo_paths().into_iter().chain(
                    report
                        .homes
                        .iter()
                        .filter_map(|h| h.plan.as_ref())
                        .map(|p| p.0.as_str()),
                ),
            )
            .await;
        let bytes = tokio::task::spawn_blocking(move || {
            let font = PdfFont::load(&font)?;
            let read = |path: &str| {
                std::fs::read(files.get(path)?)
                    .inspect_err(|error| tracing::warn!(%error, path, "a photo is missing"))
                    .ok()
            };
            let mut photos = photo::prepare_all(&report.photo_paths(), &read);
            // Plans keep their sharp lines and pin colours: embedded as the PNG they are.
            for (path, _) in report.homes.iter().filter_map(|h| h.plan.as_ref()) {
                if let Some(plan) = read(path).and_then(photo::drawing) {
                    photos.insert(path.clone(), plan);
                }
            }
            layout::render(&defect_report::document(report, &photos), &font)
        })
        .await
        .map_err(|e| PdfError::Write(format!("the PDF task ended: {e}")))??;
        Ok(Found::One(DefectPdf {
            file_name: format!("defects-{}.pdf", file_safe(&scope)),
            scope,
            items,
            bytes,
        }))
    }

    async fn report_facts(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        scope: PdfScope<'_>,
    ) -> ServiceResult<Found<ReportFacts>> {
        let (building, households) = match scope {
            PdfScope::Unit(unit_id) => match tx.household(unit_id).await? {
                Some(h) if authz::may_open(actor, h.home()) => (None, vec![h]),
                _ => return Ok(Found::NotFound),
            },
            PdfScope::Query(query) => match self.find_household(tx, actor, query).await? {
                Found::One(h) => (None, vec![h]),
                Found::Choose(list) => return Ok(Found::Choose(list)),
                Found::NotFound => {
                    let homes: Vec<Household> = tx
                        .households_in_building(query.trim())
                        .await?
                        .into_iter()
                        .filter(|h| authz::may_open(actor, h.home()))
                        .collect();
                    if homes.is_empty() {
                        return Ok(Found::NotFound);
                    }
                    (Some(query.trim().to_string()), homes)
                }
            },
        };
        let projects: HashMap<String, String> = tx
            .project_names()
            .await?
            .into_iter()
            .map(|(_, code, name)| (code, name))
            .collect();
        let mut staff = StaffNames::default();
        let mut homes = Vec::new();
        for household in households {
            let unit_id = household.unit.unit_id;
            let buyers = tx.buyers_of_unit(unit_id).await?;
            let ambassador = match household.staff_id {
                Some(id) => staff.name(tx, id).await?,
                None => None,
            };
            let mut defects = Vec::new();
            for defect in visible_defects(actor, tx.defects_of_unit(unit_id, None).await?) {
                defects.push(defect_facts(tx, defect, &buyers, &mut staff).await?);
            }
            let project = projects
                .get(&household.unit.project)
                .filter(|name| !name.is_empty())
                .cloned()
                .unwrap_or_else(|| household.unit.project.clone());
            let listed: Vec<Defect> = defects.iter().map(|f| f.defect.clone()).collect();
            let plan_picture = match self.home_plan(tx, &household).await? {
                Some(plan) if listed.iter().any(|d| d.pin.is_some()) => self
                    .home_picture(tx, &plan, &listed, super::pins::REPORT_PLAN_SIDE)
                    .await
                    .unwrap_or_else(|error| {
                        tracing::warn!(%error, "the report goes without its plan");
                        None
                    }),
                _ => None,
            };
            homes.push(HomeFacts {
                household,
                project,
                ambassador,
                defects,
                plan_picture,
            });
        }
        Ok(Found::One(ReportFacts { building, homes }))
    }
}

/// "Page 3 of 12" in `lang`: the page numbers are known only once the pages are laid out, in
/// the blocking task, so the label is a function of them.
pub(crate) fn page_label(i18n: &std::sync::Arc<I18n>, lang: Lang) -> layout::PageLabel {
    let i18n = std::sync::Arc::clone(i18n);
    Box::new(move |page, count| {
        plain_text(&crate::tr!(
            i18n,
            lang,
            "pdf-page",
            page = page,
            pages = count
        ))
    })
}

/// A name a file may carry: letters and digits of any script, `-` and `_`.
pub(crate) fn file_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    if safe.is_empty() {
        "report".to_string()
    } else {
        safe
    }
}

/// The report in the reader's words: every label from the locales, dates in the project's
/// time zone.
fn report_words(
    i18n: &std::sync::Arc<I18n>,
    lang: Lang,
    timezone: &Tz,
    now: DateTime<Utc>,
    facts: &ReportFacts,
) -> DefectReport {
    let t = |key: &str| plain_text(&i18n.text(lang, key, &[]));
    let none = t("no-value");
    let or_none = |value: Option<String>| value.filter(|v| !v.is_empty()).unwrap_or(none.clone());
    let generated = now.with_timezone(timezone).present_date_time();
    let labels = ReportLabels {
        summary: t("pdf-summary"),
        columns: [
            t("pdf-col-number"),
            t("pdf-col-room"),
            t("pdf-col-kind"),
            t("pdf-col-urgency"),
            t("pdf-col-status"),
            t("pdf-col-deadline"),
        ],
        history: t("pdf-history"),
        history_columns: [
            t("pdf-col-date"),
            t("pdf-col-status"),
            t("pdf-col-by"),
            t("pdf-col-note"),
        ],
        before: t("pdf-before"),
        after: t("pdf-after"),
        nothing: t("pdf-nothing"),
    };
    let homes = facts
        .homes
        .iter()
        .map(|home| {
            let unit = &home.household.unit;
            let fields = vec![
                (t("pdf-field-project"), home.project.clone()),
                (t("pdf-field-building"), unit.building.clone()),
                (t("pdf-field-unit"), unit.short()),
                (
                    t("pdf-field-buyers"),
                    present::list(i18n, lang, &home.household.names),
                ),
                (t("pdf-field-ambassador"), or_none(home.ambassador.clone())),
                (t("pdf-field-generated"), generated.clone()),
            ];
            let items = home
                .defects
                .iter()
                .enumerate()
                .map(|(i, facts)| {
                    let d = &facts.defect;
                    let room = d.room.label(i18n, lang);
                    let kind = d.category.label(i18n, lang);
                    let urgency = d.severity.label(i18n, lang);
                    let status = d.status.label(i18n, lang);
                    let deadline = or_none(
                        d.due_at
                            .map(|due| due.with_timezone(timezone).present_date()),
                    );
                    let engineer = facts.engineer.as_deref().map(|name| {
                        plain_text(&present::engineer(
                            i18n,
                            lang,
                            name,
                            d.contractor.as_deref(),
                        ))
                    });
                    let history = facts
                        .history
                        .iter()
                        .map(|(event, who)| {
                            [
                                event.at.with_timezone(timezone).present_date_time(),
                                event
                                    .to_status
                                    .parse::<DefectStatus>()
                                    .map(|s| s.label(i18n, lang))
                                    .unwrap_or_else(|_| event.to_status.clone()),
                                who.clone().unwrap_or_else(|| t("actor-system")),
                                event.note.clone(),
                            ]
                        })
                        .collect();
                    let left_out = d.photos.len().saturating_sub(PHOTOS_PER_ITEM)
                        + facts.after_photos.len().saturating_sub(PHOTOS_PER_ITEM);
                    ReportItem {
                        title: plain_text(&present::numbered(
                            i18n,
                            lang,
                            i + 1,
                            &present::parts(i18n, lang, [room.as_str(), kind.as_str()]),
                        )),
                        status: status.clone(),
                        summary: [
                            (i + 1).to_string(),
                            room.clone(),
                            kind.clone(),
                            urgency.clone(),
                            status,
                            deadline.clone(),
                        ],
                        fields: vec![
                            (t("pdf-col-urgency"), urgency),
                            (t("pdf-col-deadline"), deadline),
                            (
                                t("pdf-field-recorded"),
                                d.created_at.with_timezone(timezone).present_date_time(),
                            ),
                            (t("pdf-field-engineer"), or_none(engineer)),
                            (t("pdf-col-note"), or_none(Some(d.note.clone()))),
                        ],
                        history,
                        before: d.photos.iter().take(PHOTOS_PER_ITEM).cloned().collect(),
                        after: facts
                            .after_photos
                            .iter()
                            .take(PHOTOS_PER_ITEM)
                            .cloned()
                            .collect(),
                        more_photos: (left_out > 0).then(|| {
                            plain_text(&crate::tr!(i18n, lang, "pdf-more-photos", count = left_out))
                        }),
                    }
                })
                .collect();
            HomeReport {
                heading: unit.short(),
                fields,
                plan: home.plan_picture.clone().map(|path| {
                    (
                        path,
                        plain_text(&crate::tr!(
                            i18n,
                            lang,
                            "pdf-plan-caption",
                            count = home
                                .defects
                                .iter()
                                .filter(|f| f.defect.pin.is_some())
                                .count()
                        )),
                    )
                }),
                items,
            }
        })
        .collect::<Vec<_>>();
    let cover = facts.building.as_ref().map(|building| {
        let projects: Vec<&str> = {
            let mut names: Vec<&str> = facts.homes.iter().map(|h| h.project.as_str()).collect();
            names.dedup();
            names
        };
        vec![
            (t("pdf-field-project"), present::list(i18n, lang, projects)),
            (t("pdf-field-building"), building.clone()),
            (t("pdf-field-homes"), facts.homes.len().to_string()),
            (
                t("pdf-field-items"),
                facts
                    .homes
                    .iter()
                    .map(|h| h.defects.len())
                    .sum::<usize>()
                    .to_string(),
            ),
            (t("pdf-field-generated"), generated.clone()),
        ]
    });
    DefectReport {
        title: t("pdf-title"),
        language: lang.code().to_string(),
        footer: plain_text(&crate::tr!(
            i18n,
            lang,
            "pdf-footer",
            at = generated.as_str()
        )),
        page_label: page_label(i18n, lang),
        cover,
        homes,
        labels,
    }
}
