//! Supervisors' numbers (seed step 2): `/summary` of the KPIs against the project's targets,
//! `/targets`, `/overdue`, the daily digest and the chart's data. (The buyer's report of a
//! defect is another thing, in `defects`.)

use super::tell::{Cause, Chat, Message};
use super::{ServiceResult, Services};
use crate::domain::kpi::{Counts, Kpi, Targets};
use crate::domain::people::{Actor, Lang};
use crate::i18n::Arg;
use crate::present::Label;
use crate::present::Times as _;
use crate::store::Tx;
use crate::store::assignment::Household;
use crate::store::defects::Defect;
use crate::store::kpi::Scope;
use chrono::{DateTime, Utc};
use tracing::instrument;

/// The numbers of one scope at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// What it covers, as the supervisor named it ("all projects", a project, a building).
    pub label: String,
    pub counts: Counts,
    /// The project's targets (none for several projects together).
    pub targets: Option<Targets>,
    pub at: DateTime<Utc>,
    /// Before the campaign: the risk register and the early calls of key households.
    pub risks: super::risks::RiskCounts,
    pub calls: super::precontact::CoverageCounts,
}

/// What `/summary ARGS` or `/targets ARGS` refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum Scoped<T> {
    Found(T),
    /// Neither a project nor a building; the projects there are.
    Unknown(Vec<String>),
}

/// A change to a target: which, and the new value (`None` clears it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetChange {
    pub kpi: Kpi,
    pub value: Option<f64>,
}

/// One overdue defect with where it is and who has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Overdue {
    pub defect: Defect,
    pub household: Household,
    pub engineer: Option<String>,
}

impl Services {
    /// Reads `[project] [building]` (or nothing: the only project, else all of them).
    async fn resolve_scope(
        &self,
        tx: &mut Tx,
        text: &str,
    ) -> ServiceResult<Scoped<(Scope, String, Option<i64>)>> {
        let named = tx.project_names().await?;
        let projects: Vec<(i64, String)> = named
            .iter()
            .map(|(id, code, _)| (*id, code.clone()))
            .collect();
        let words: Vec<&str> = text.split_whitespace().collect();
        let project_of = |code: &str| projects.iter().find(|(_, c)| c == code).map(|(id, _)| *id);
        // Labels show a project's display name, never its internal code.
        let name_of = |code: &str| {
            named
                .iter()
                .find(|(_, c, _)| c == code)
                .map_or_else(|| code.to_string(), |(_, _, name)| name.clone())
        };
        let found = match words.as_slice() {
            [] => match projects.as_slice() {
                [(id, code)] => Some((
                    Scope {
                        project: Some(code.clone()),
                        building: None,
                    },
                    name_of(code),
                    Some(*id),
                )),
                _ => Some((Scope::default(), String::new(), None)),
            },
            [word] if project_of(word).is_some() => Some((
                Scope {
                    project: Some(word.to_string()),
                    building: None,
                },
                name_of(word),
                project_of(word),
            )),
            [word] => match tx.projects_with_building(word).await?.as_slice() {
                [code] => Some((
                    Scope {
                        project: Some(code.clone()),
                        building: Some(word.to_string()),
                    },
                    format!("{} · {word}", name_of(code)),
                    project_of(code),
                )),
                _ => None,
            },
            [code, building] if project_of(code).is_some() => {
                let has = tx
                    .projects_with_building(building)
                    .await?
                    .iter()
                    .any(|c| c == code);
                has.then(|| {
                    (
                        Scope {
                            project: Some(code.to_string()),
                            building: Some(building.to_string()),
                        },
                        format!("{} · {building}", name_of(code)),
                        project_of(code),
                    )
                })
            }
            _ => None,
        };
        Ok(match found {
            Some(found) => Scoped::Found(found),
            None => Scoped::Unknown(projects.into_iter().map(|(_, c)| c).collect()),
        })
    }

    /// `/project [CODE] name NEW NAME`: gives a project the display name that /summary, /chart
    /// and the digest show (without a code: the only project, else the default one). Returns
    /// the project's code and new name, or `None` for an unknown code.
    #[instrument(skip_all)]
    pub async fn rename_project(
        &self,
        actor: &Actor,
        code: Option<&str>,
        name: &str,
    ) -> ServiceResult<Option<(String, String)>> {
        super::require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let projects = tx.project_names().await?;
        let code = match (code, projects.as_slice()) {
            (Some(code), _) => code.to_string(),
            (None, [(_, only, _)]) => only.clone(),
            (None, _) => self.config.project.clone(),
        };
        let Some((id, _, _)) = projects.iter().find(|(_, c, _)| *c == code) else {
            return Ok(None);
        };
        if tx.set_project_name(*id, name).await? {
            tx.audit(
                now,
                &actor.audit_name(),
                "project.rename",
                &format!("project:{id}"),
                serde_json::json!({ "name": name }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some((code, name.to_string())))
    }

    /// Every project's code and display name, for `/project`.
    pub async fn project_list(&self, actor: &Actor) -> ServiceResult<Vec<(String, String)>> {
        super::require_supervisor(actor)?;
        let mut tx = self.store.read().await?;
        let projects = tx.project_names().await?;
        tx.commit().await?;
        Ok(projects.into_iter().map(|(_, c, n)| (c, n)).collect())
    }

    /// `/summary [project|building]`: the campaign's counts and KPIs with the targets.
    #[instrument(skip_all)]
    pub async fn summary(&self, actor: &Actor, args: &str) -> ServiceResult<Scoped<Summary>> {
        super::require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.read().await?;
        let Scoped::Found((scope, label, project)) = self.resolve_scope(&mut tx, args).await?
        else {
            let projects = tx.projects().await?.into_iter().map(|(_, c)| c).collect();
            return Ok(Scoped::Unknown(projects));
        };
        let counts = tx.campaign_counts(&scope, now).await?;
        let targets = match project {
            Some(id) => Some(tx.targets(id).await?),
            None => None,
        };
        let risks = self.risk_counts(&mut tx, scope.project.as_deref()).await?;
        let calls = self
            .call_coverage(&mut tx, scope.project.as_deref())
            .await?;
        tx.commit().await?;
        Ok(Scoped::Found(Summary {
            label,
            counts,
            targets,
            at: now,
            risks,
            calls,
        }))
    }

    /// The summary as one screen of text.
    pub fn render_summary(&self, lang: Lang, summary: &Summary) -> String {
        let i18n = &self.i18n;
        let c = &summary.counts;
        let kpis = c.kpis();
        let kpi_line = |kpi: Kpi| -> String {
            let value = kpi
                .of(&kpis)
                .map_or_else(|| crate::tr!(i18n, lang, "no-value"), |v| kpi.format(v));
            let target = summary.targets.and_then(|t| t.get(kpi));
            let bound = |t: f64| {
                Arg::Html(if kpi.lower_is_better() {
                    crate::tr!(i18n, lang, "target-at-most", value = kpi.format(t))
                } else {
                    crate::tr!(i18n, lang, "target-at-least", value = kpi.format(t))
                })
            };
            let versus = match (target, kpi.of(&kpis)) {
                (Some(t), Some(v)) => crate::tr!(
                    i18n,
                    lang,
                    "summary-target",
                    target = bound(t),
                    mark = if kpi.meets(v, t) {
                        crate::tr!(i18n, lang, "target-met")
                    } else {
                        crate::tr!(i18n, lang, "target-missed")
                    }
                ),
                (Some(t), None) => {
                    crate::tr!(i18n, lang, "summary-target-pending", target = bound(t))
                }
                (None, _) => String::new(),
            };
            crate::tr!(
                i18n,
                lang,
                "summary-kpi",
                name = kpi.label(i18n, lang),
                value = value,
                versus = Arg::Html(versus)
            )
        };
        let scope = if summary.label.is_empty() {
            crate::tr!(i18n, lang, "summary-all-projects")
        } else {
            crate::i18n::escape_html(&summary.label).into_owned()
        };
        let at = summary
            .at
            .with_timezone(&self.config.timezone)
            .present_date_time();
        let args: Vec<(&str, Arg)> = vec![
            ("scope", Arg::Html(scope)),
            ("at", at.into()),
            ("units", c.units.into()),
            ("buyers", c.buyers.into()),
            ("unreachable", c.unreachable.into()),
            ("invited", c.invited.into()),
            ("confirmed", c.confirmed.into()),
            ("visited", c.visited.into()),
            ("visit", Arg::Html(kpi_line(Kpi::VisitRate))),
            ("handed", c.handed_over.into()),
            ("handover", Arg::Html(kpi_line(Kpi::HandoverRate))),
            ("inspected", c.inspected.into()),
            ("defects", c.defects.into()),
            (
                "per_household",
                Arg::Html(kpi_line(Kpi::DefectsPerHousehold)),
            ),
            ("leakage", Arg::Html(kpi_line(Kpi::LeakageRate))),
            ("open", c.open_defects.into()),
            ("overdue", c.overdue_defects.into()),
            (
                "ageing",
                Arg::Html(self.ageing_line(lang, c.ageing.map(|n| n.max(0) as usize))),
            ),
            ("satisfaction", Arg::Html(kpi_line(Kpi::Satisfaction))),
            ("surveys", c.surveys.into()),
            ("complaints", c.complaints.into()),
            ("waiting", c.complaints_waiting.into()),
            ("flags", c.group_flags.into()),
        ];
        let mut text = i18n.text(lang, "summary", &args);
        let (r, k) = (&summary.risks, &summary.calls);
        if r.open + r.response_ready + r.closed > 0 || k.key > 0 {
            text.push('\n');
            text.push_str(&crate::tr!(
                i18n,
                lang,
                "summary-before-campaign",
                open = r.open,
                ready = r.response_ready,
                closed = r.closed,
                households = r.households_open,
                key = k.key,
                reached = k.reached,
                due = k.due,
                overdue = k.overdue
            ));
        }
        text
    }

    /// The daily digest: the campaign's summary to every supervisor and, if configured, one
    /// group chat. Keyed by the local date, so it goes out once a day whatever restarts or
    /// retries happen. Returns how many chats it was queued for.
    #[instrument(skip_all)]
    pub async fn daily_digest(&self) -> ServiceResult<usize> {
        let now = self.clock.now();
        let date = now.with_timezone(&self.config.timezone).date_naive();
        let mut tx = self.store.begin().await?;
        self.check_no_show_day(&mut tx, now).await?;
        let Scoped::Found((scope, label, project)) = self.resolve_scope(&mut tx, "").await? else {
            tx.commit().await?;
            return Ok(0);
        };
        let summary = Summary {
            label,
            counts: tx.campaign_counts(&scope, now).await?,
            targets: match project {
                Some(id) => Some(tx.targets(id).await?),
                None => None,
            },
            at: now,
            risks: self.risk_counts(&mut tx, scope.project.as_deref()).await?,
            calls: self
                .call_coverage(&mut tx, scope.project.as_deref())
                .await?,
        };
        let mut countdowns = std::collections::HashMap::new();
        for lang in Lang::ALL {
            if let Some(text) = self.countdown(&mut tx, lang, date).await? {
                countdowns.insert(lang, text);
            }
        }
        let mut chats: Vec<Chat> = super::supervisors(&mut tx)
            .await?
            .iter()
            .filter_map(Chat::of)
            .collect();
        if let Some(group) = self.config.digest_chat {
            chats.push(Chat {
                id: group,
                language: Some(self.config.default_language),
            });
        }
        let digest = Message::text(
            Cause::per_chat(format!("daily-digest:{date}")),
            |lang, _| {
                let mut text = format!(
                    "{}\n{}",
                    crate::tr!(self.i18n, lang, "digest-title", date = date.to_string()),
                    self.render_summary(lang, &summary)
                );
                if let Some(countdown) = countdowns.get(&lang) {
                    text.push_str("\n\n");
                    text.push_str(countdown);
                }
                text
            },
        );
        let told = self.tell(&mut tx, chats, digest).await?;
        let queued = told.iter().filter(|t| t.fresh).count();
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(queued)
    }

    /// `/chart [project|building]`: the chart's data in the viewer's language — cumulative
    /// handovers per day against the handover slots' capacity, and defects by category.
    #[instrument(skip_all)]
    pub async fn chart_data(
        &self,
        actor: &Actor,
        lang: Lang,
        args: &str,
    ) -> ServiceResult<Scoped<crate::render::chart::ChartData>> {
        use crate::domain::defect::Category;
        super::require_supervisor(actor)?;
        let now = self.clock.now();
        let tz = self.config.timezone;
        let mut tx = self.store.read().await?;
        let Scoped::Found((scope, label, _)) = self.resolve_scope(&mut tx, args).await? else {
            let projects = tx.projects().await?.into_iter().map(|(_, c)| c).collect();
            return Ok(Scoped::Unknown(projects));
        };
        let done = tx.handover_times(&scope).await?;
        let plan = tx.handover_plan(&scope).await?;
        let by_category = tx.defects_by_category(&scope).await?;
        tx.commit().await?;
        let day = |at: &DateTime<Utc>| at.with_timezone(&tz).date_naive();
        let today = day(&now);
        let first = done
            .iter()
            .chain(plan.iter().map(|(at, _)| at))
            .map(day)
            .min();
        let last = plan
            .iter()
            .map(|(at, _)| day(at))
            .max()
            .unwrap_or(today)
            .max(today);
        let mut days = Vec::new();
        if let Some(first) = first {
            // At most a season of days: a longer campaign shows its last 120.
            let first = first.max(last - chrono::Duration::days(119));
            let mut date = first;
            while date <= last {
                let planned: i64 = plan
                    .iter()
                    .filter(|(at, _)| day(at) <= date)
                    .map(|(_, n)| n)
                    .sum();
                let actual = done.iter().filter(|at| day(at) <= date).count() as i64;
                days.push((date, planned, actual));
                date = date.succ_opt().unwrap_or(date + chrono::Duration::days(1));
            }
        }
        let i18n = &self.i18n;
        let scope_name = if label.is_empty() {
            crate::tr!(i18n, lang, "summary-all-projects")
        } else {
            label
        };
        let categories = Category::ALL
            .iter()
            .map(|c| {
                let n = by_category
                    .iter()
                    .find(|(name, _)| name == c.as_str())
                    .map_or(0, |(_, n)| *n);
                (c.label(i18n, lang), n)
            })
            .collect();
        let plain = |html: String| crate::i18n::plain_text(&html);
        let at = now.with_timezone(&tz).present_date_time();
        Ok(Scoped::Found(crate::render::chart::ChartData {
            title: plain(crate::tr!(
                i18n,
                lang,
                "chart-title",
                scope = scope_name.as_str()
            )),
            subtitle: plain(crate::tr!(i18n, lang, "chart-subtitle", at = at)),
            scope: scope_name,
            progress_title: plain(crate::tr!(i18n, lang, "chart-progress")),
            plan_label: plain(crate::tr!(i18n, lang, "chart-plan")),
            actual_label: plain(crate::tr!(i18n, lang, "chart-actual")),
            days,
            today: Some(today),
            today_label: plain(crate::tr!(i18n, lang, "chart-today")),
            defects_title: plain(crate::tr!(i18n, lang, "chart-defects")),
            categories,
            empty_label: plain(crate::tr!(i18n, lang, "chart-empty")),
        }))
    }

    /// `/targets [project] [kpi value]`: shows the project's targets, or sets one (`-` clears).
    #[instrument(skip_all)]
    pub async fn targets(
        &self,
        actor: &Actor,
        project: Option<&str>,
        change: Option<TargetChange>,
    ) -> ServiceResult<Scoped<(String, Targets)>> {
        super::require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let projects = tx.projects().await?;
        let chosen = match (project, projects.as_slice()) {
            (Some(code), _) => projects.iter().find(|(_, c)| c == code).cloned(),
            (None, [only]) => Some(only.clone()),
            (None, _) => None,
        };
        let Some((id, code)) = chosen else {
            return Ok(Scoped::Unknown(
                projects.into_iter().map(|(_, c)| c).collect(),
            ));
        };
        let mut targets = tx.targets(id).await?;
        if let Some(change) = change {
            targets.set(change.kpi, change.value);
            tx.save_targets(id, &targets, now).await?;
            tx.audit(
                now,
                &actor.audit_name(),
                "targets.set",
                &format!("project:{code}"),
                serde_json::json!({"kpi": change.kpi.as_str(), "value": change.value}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Scoped::Found((code, targets)))
    }

    /// `/overdue`: defects past their deadline, with home and engineer, oldest deadline first.
    #[instrument(skip_all)]
    pub async fn overdue(&self, actor: &Actor) -> ServiceResult<Vec<Overdue>> {
        super::require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for defect in tx.defects_due_by(now).await? {
            let Some(household) = tx.household(defect.unit_id).await? else {
                continue;
            };
            let engineer = match defect.engineer_id {
                Some(id) => tx.staff_by_id(id).await?.map(|s| s.name),
                None => None,
            };
            out.push(Overdue {
                defect,
                household,
                engineer,
            });
        }
        tx.commit().await?;
        Ok(out)
    }
}
