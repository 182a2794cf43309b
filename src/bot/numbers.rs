//! Supervisors' numbers: `/summary`, `/targets`, `/overdue`.

use super::Turn;
use crate::domain::kpi::Kpi;
use crate::i18n::Arg;
use crate::present::Dates as _;
use crate::present::{self, Label};
use crate::services::numbers::{Scoped, TargetChange};
use crate::tr;

/// Overdue items listed at most; the rest are counted.
const MAX_OVERDUE_LINES: usize = 60;

fn unknown_scope(turn: &Turn, query: &str, projects: &[String]) -> String {
    tr!(
        turn.i18n(),
        turn.lang(),
        "summary-unknown-scope",
        query = query,
        projects = crate::present::list(turn.i18n(), turn.lang(), projects)
    )
}

/// `/summary [project|building]`.
pub async fn on_summary(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let services = &turn.ctx.services;
    match services.summary(&turn.person.actor, args).await? {
        Scoped::Found(summary) => {
            turn.say(services.render_summary(turn.lang(), &summary))
                .await
        }
        Scoped::Unknown(projects) => turn.say(unknown_scope(turn, args, &projects)).await,
    }
}

/// `/targets`, `/targets KPI VALUE`, `/targets PROJECT KPI VALUE` (`-` clears one).
pub async fn on_targets(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let words: Vec<&str> = args.split_whitespace().collect();
    let (project, change) = match words.as_slice() {
        [] => (None, None),
        [project] => (Some(*project), None),
        [kpi, value] => (None, Some((*kpi, *value))),
        [project, kpi, value] => (Some(*project), Some((*kpi, *value))),
        _ => return turn.say(tr!(i18n, lang, "targets-usage")).await,
    };
    let change = match change {
        None => None,
        Some((kpi, value)) => {
            let Ok(kpi) = kpi.parse::<Kpi>() else {
                return turn.say(tr!(i18n, lang, "targets-usage")).await;
            };
            let value = if value == "-" {
                None
            } else {
                match kpi.parse_target(value) {
                    Some(v) => Some(v),
                    None => {
                        return turn
                            .say(tr!(
                                i18n,
                                lang,
                                "targets-invalid",
                                kpi = kpi.label(i18n, lang),
                                value = value
                            ))
                            .await;
                    }
                }
            };
            Some(TargetChange { kpi, value })
        }
    };
    let outcome = turn
        .ctx
        .services
        .targets(&turn.person.actor, project, change)
        .await?;
    let (code, targets) = match outcome {
        Scoped::Found(found) => found,
        Scoped::Unknown(projects) => {
            return turn
                .say(unknown_scope(turn, project.unwrap_or(""), &projects))
                .await;
        }
    };
    let mut text = if change.is_some() {
        tr!(i18n, lang, "targets-saved", project = code.as_str())
    } else {
        tr!(i18n, lang, "targets-title", project = code.as_str())
    };
    for kpi in Kpi::ALL {
        let value = targets.get(kpi).map_or_else(
            || tr!(i18n, lang, "targets-none"),
            |v| {
                if kpi.lower_is_better() {
                    tr!(i18n, lang, "target-at-most", value = kpi.format(v))
                } else {
                    tr!(i18n, lang, "target-at-least", value = kpi.format(v))
                }
            },
        );
        text.push('\n');
        text.push_str(&tr!(
            i18n,
            lang,
            "targets-line",
            kpi = kpi.label(i18n, lang),
            code = kpi.as_str(),
            value = Arg::Html(value)
        ));
    }
    let text = present::paragraphs(i18n, lang, [text, tr!(i18n, lang, "targets-usage")]);
    turn.say(text).await
}

/// `/overdue`: past-due defects grouped by engineer, then building.
pub async fn on_overdue(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let mut overdue = turn.ctx.services.overdue(&turn.person.actor).await?;
    if overdue.is_empty() {
        return turn.say(tr!(i18n, lang, "overdue-none")).await;
    }
    let unassigned = tr!(i18n, lang, "overdue-unassigned");
    overdue.sort_by(|a, b| {
        (
            a.engineer.as_deref(),
            &a.household.unit.building,
            a.defect.due_at,
        )
            .cmp(&(
                b.engineer.as_deref(),
                &b.household.unit.building,
                b.defect.due_at,
            ))
    });
    let now = turn.ctx.services.clock.now();
    let tz = turn.ctx.services.config.timezone;
    let mut text = tr!(i18n, lang, "overdue-title", count = overdue.len());
    let mut last_engineer: Option<Option<&str>> = None;
    let mut last_building: Option<&str> = None;
    for item in overdue.iter().take(MAX_OVERDUE_LINES) {
        let engineer = item.engineer.as_deref();
        if last_engineer != Some(engineer) {
            let count = overdue
                .iter()
                .filter(|o| o.engineer.as_deref() == engineer)
                .count();
            let name = engineer.map_or(unassigned.clone(), |e| {
                crate::i18n::escape_html(e).into_owned()
            });
            let header = tr!(
                i18n,
                lang,
                "overdue-engineer",
                name = Arg::Html(name),
                count = count
            );
            text = present::paragraphs(i18n, lang, [text, header]);
            last_engineer = Some(engineer);
            last_building = None;
        }
        let building = item.household.unit.building.as_str();
        if last_building != Some(building) {
            text.push_str(&format!(
                "\n{}",
                tr!(i18n, lang, "overdue-building", building = building)
            ));
            last_building = Some(building);
        }
        let (due, late) = match item.defect.due_at {
            Some(due) => (
                due.with_timezone(&tz).present_month_day(),
                (now - due).num_days(),
            ),
            None => (String::new(), 0),
        };
        let line = present::parts(
            i18n,
            lang,
            [
                tr!(
                    i18n,
                    lang,
                    "item-ref",
                    id = item.defect.id,
                    home = item.household.unit.short()
                ),
                item.defect.room.label(i18n, lang),
                item.defect.category.label(i18n, lang),
            ],
        );
        let line = present::with_detail(
            i18n,
            lang,
            &line,
            &tr!(i18n, lang, "overdue-late", due = due, days = late),
        );
        text.push('\n');
        text.push_str(&tr!(i18n, lang, "list-indent", text = Arg::Html(line)));
    }
    if overdue.len() > MAX_OVERDUE_LINES {
        let more = tr!(
            i18n,
            lang,
            "overdue-more",
            count = overdue.len() - MAX_OVERDUE_LINES
        );
        text = present::paragraphs(i18n, lang, [text, more]);
    }
    turn.say(text).await
}

/// `/project` (the projects and their display names) or `/project [CODE] name NEW NAME`.
pub async fn on_project(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let services = &turn.ctx.services;
    let args = args.trim();
    if args.is_empty() {
        let mut lines = vec![tr!(i18n, lang, "project-list")];
        for (code, name) in services.project_list(&turn.person.actor).await? {
            lines.push(tr!(i18n, lang, "project-line", code = code, name = name));
        }
        return turn.say(lines.join("\n")).await;
    }
    let (code, rest) = match args.split_once(char::is_whitespace) {
        Some((first, rest)) if first.eq_ignore_ascii_case("name") => (None, rest),
        Some((code, rest)) => match rest.trim_start().split_once(char::is_whitespace) {
            Some((word, rest)) if word.eq_ignore_ascii_case("name") => (Some(code), rest),
            _ => return turn.say(tr!(i18n, lang, "project-usage")).await,
        },
        None => return turn.say(tr!(i18n, lang, "project-usage")).await,
    };
    let name = rest.trim();
    if name.is_empty() || name.chars().count() > crate::domain::import::MAX_PROJECT_LEN {
        return turn.say(tr!(i18n, lang, "project-usage")).await;
    }
    match services
        .rename_project(&turn.person.actor, code, name)
        .await?
    {
        Some((code, name)) => {
            turn.say(tr!(i18n, lang, "project-renamed", code = code, name = name))
                .await
        }
        None => {
            turn.say(tr!(
                i18n,
                lang,
                "project-unknown",
                code = code.unwrap_or_default()
            ))
            .await
        }
    }
}

/// `/chart [project|building]`: the progress and defect chart as a photo.
pub async fn on_chart(turn: &Turn, args: &str) -> anyhow::Result<()> {
    use teloxide::prelude::*;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let services = &turn.ctx.services;
    let data = match services.chart_data(&turn.person.actor, lang, args).await? {
        Scoped::Found(data) => data,
        Scoped::Unknown(projects) => return turn.say(unknown_scope(turn, args, &projects)).await,
    };
    let font = crate::render::card::FontSource::choose(services.config.font.as_deref());
    let png = crate::render::chart::render(&font, &data)?;
    let (planned, actual) = data.days.last().map_or((0, 0), |(_, p, a)| (*p, *a));
    let defects: i64 = data.categories.iter().map(|(_, n)| n).sum();
    let caption = tr!(
        i18n,
        lang,
        "chart-caption",
        actual = actual,
        planned = planned,
        defects = defects,
        scope = data.scope.as_str()
    );
    let _turn = turn.ctx.pacer.turn(turn.chat, 1).await;
    turn.bot
        .send_photo(
            turn.chat,
            teloxide::types::InputFile::memory(png).file_name("chart.png"),
        )
        .caption(caption)
        .parse_mode(teloxide::types::ParseMode::Html)
        .await?;
    Ok(())
}

/// `/export` (an .xlsx workbook) or `/export csv` (one CSV file per table), sent as documents.
pub async fn on_export(turn: &Turn, args: &str) -> anyhow::Result<()> {
    use crate::services::export::{Exporter, to_csv, to_xlsx};
    use teloxide::prelude::*;
    use teloxide::types::InputFile;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let csv = match args.trim().to_ascii_lowercase().as_str() {
        "" | "xlsx" => false,
        "csv" => true,
        _ => return turn.say(tr!(i18n, lang, "export-usage")).await,
    };
    let tables = turn
        .ctx
        .services
        .export_tables(Exporter::Chat(&turn.person.actor))
        .await?;
    let date = turn
        .ctx
        .services
        .clock
        .now()
        .with_timezone(&turn.ctx.services.config.timezone)
        .format("%Y%m%d")
        .to_string();
    let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
    let files: Vec<(String, Vec<u8>)> = if csv {
        tables
            .iter()
            .map(|t| Ok((format!("{}-{date}.csv", t.name), to_csv(t)?)))
            .collect::<Result<_, crate::services::export::ExportError>>()?
    } else {
        vec![(format!("handover-{date}.xlsx"), to_xlsx(&tables)?)]
    };
    let last = files.len().saturating_sub(1);
    for (i, (name, bytes)) in files.into_iter().enumerate() {
        let _turn = turn.ctx.pacer.turn(turn.chat, 1).await;
        let mut request = turn
            .bot
            .send_document(turn.chat, InputFile::memory(bytes).file_name(name));
        if i == last {
            request = request
                .caption(tr!(
                    i18n,
                    lang,
                    "export-caption",
                    tables = tables.len(),
                    rows = rows
                ))
                .parse_mode(teloxide::types::ParseMode::Html);
        }
        request.await?;
    }
    Ok(())
}
