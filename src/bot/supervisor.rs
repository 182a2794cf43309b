//! The supervisor's side: loading buyers and staff from files, invite links, the people lists.

use super::Turn;
use crate::domain::import::{self, ImportError, ImportKind, RowError, RowProblem};
use crate::domain::people::{Lang, Role};
use crate::i18n::{Arg, I18n};
use crate::present::Label;
use crate::present::Times as _;
use crate::services::import::{ImportOutcome, Importer};
use crate::services::staff::{Deactivation, Issuer};
use crate::tr;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::Document;

pub async fn on_document(turn: &Turn, document: &Document) -> anyhow::Result<()> {
    if !turn.person.actor.can_supervise() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "document-not-expected"))
            .await;
    }
    let file_name = document.file_name.clone().unwrap_or_default();
    let limit = turn.ctx.services.config.max_import_bytes;
    if u64::from(document.file.size) > limit {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "import-too-large",
                limit_mb = format_mb(limit)
            ))
            .await;
    }
    if import::FileFormat::from_file_name(&file_name).is_none() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "import-unsupported-format"))
            .await;
    }
    let file = turn.bot.get_file(document.file.id.clone()).await?;
    let mut bytes: Vec<u8> = Vec::with_capacity(file.size as usize);
    turn.bot.download_file(&file.path, &mut bytes).await?;
    let outcome = turn
        .ctx
        .services
        .import_file(
            Importer::Person(&turn.person.actor),
            &file_name,
            &bytes,
            None,
        )
        .await?;
    let text = render_import_outcome(turn.i18n(), turn.lang(), &outcome);
    turn.say(text).await
}

pub(crate) fn format_mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

pub fn render_import_outcome(i18n: &I18n, lang: Lang, outcome: &ImportOutcome) -> String {
    match outcome {
        ImportOutcome::Done { kind, counts } => {
            let mut lines = vec![tr!(
                i18n,
                lang,
                "import-done",
                kind = kind.label(i18n, lang),
                total = counts.total(),
                created = counts.created,
                updated = counts.updated,
                unchanged = counts.unchanged
            )];
            if counts.kept_addresses > 0 {
                lines.push(tr!(
                    i18n,
                    lang,
                    "import-kept-addresses",
                    count = counts.kept_addresses
                ));
            }
            if counts.left > 0 {
                lines.push(tr!(i18n, lang, "import-left", count = counts.left));
            }
            lines.join("\n")
        }
        ImportOutcome::TooLarge { limit } => {
            tr!(i18n, lang, "import-too-large", limit_mb = format_mb(*limit))
        }
        ImportOutcome::UnsupportedFormat => tr!(i18n, lang, "import-unsupported-format"),
        ImportOutcome::Rejected(error) => {
            let reason = render_import_error(i18n, lang, error);
            tr!(i18n, lang, "import-rejected", reason = Arg::Html(reason))
        }
    }
}

fn render_import_error(i18n: &I18n, lang: Lang, error: &ImportError) -> String {
    match error {
        ImportError::Empty => tr!(i18n, lang, "import-error-empty"),
        ImportError::UnknownKind => tr!(i18n, lang, "import-error-unknown-kind"),
        ImportError::MissingColumns { kind, columns } => tr!(
            i18n,
            lang,
            "import-error-missing-columns",
            kind = kind.label(i18n, lang),
            columns = columns.join(", ")
        ),
        ImportError::DuplicateColumn { column } => {
            tr!(i18n, lang, "import-error-duplicate-column", column = column)
        }
        ImportError::NotUtf8 { line } => tr!(i18n, lang, "import-error-encoding", line = *line),
        ImportError::Csv { line, message } => tr!(
            i18n,
            lang,
            "import-error-csv",
            line = *line,
            message = message
        ),
        ImportError::Spreadsheet { message } => {
            tr!(i18n, lang, "import-error-spreadsheet", message = message)
        }
        ImportError::TooManyRows { max } => {
            tr!(i18n, lang, "import-error-too-many-rows", max = *max)
        }
        ImportError::UnpacksTooLarge { limit_mb } => {
            tr!(
                i18n,
                lang,
                "import-error-unpacks-too-large",
                limit_mb = *limit_mb
            )
        }
        ImportError::Rows { errors, total_bad } => {
            let mut lines = vec![tr!(i18n, lang, "import-error-rows", count = *total_bad)];
            lines.extend(errors.iter().map(|e| render_row_error(i18n, lang, e)));
            if *total_bad > errors.len() {
                lines.push(tr!(
                    i18n,
                    lang,
                    "import-error-more",
                    count = *total_bad - errors.len()
                ));
            }
            lines.join("\n")
        }
    }
}

fn render_row_error(i18n: &I18n, lang: Lang, error: &RowError) -> String {
    let problem = match &error.reason {
        RowProblem::Missing => tr!(i18n, lang, "row-missing"),
        RowProblem::BadPhone { value } => tr!(i18n, lang, "row-bad-phone", value = value),
        RowProblem::BadTier { value } => tr!(i18n, lang, "row-bad-tier", value = value),
        RowProblem::BadRiskFlag { value } => tr!(i18n, lang, "row-bad-risk-flag", value = value),
        RowProblem::BadRole { value } => tr!(i18n, lang, "row-bad-role", value = value),
        RowProblem::BadSeniority { value } => tr!(i18n, lang, "row-bad-seniority", value = value),
        RowProblem::BadNumber { value } => tr!(i18n, lang, "row-bad-number", value = value),
        RowProblem::OutOfRange { value, min, max } => tr!(
            i18n,
            lang,
            "row-out-of-range",
            value = value,
            min = *min,
            max = *max
        ),
        RowProblem::BadLanguage { value } => tr!(i18n, lang, "row-bad-language", value = value),
        RowProblem::TooLong { max } => tr!(i18n, lang, "row-too-long", max = *max),
        RowProblem::Duplicate { first_line } => {
            tr!(i18n, lang, "row-duplicate", first_line = *first_line)
        }
        RowProblem::CellError { value } => tr!(i18n, lang, "row-cell-error", value = value),
        RowProblem::BadDate { value } => tr!(i18n, lang, "row-bad-date", value = value),
        RowProblem::BadTime { value } => tr!(i18n, lang, "row-bad-time", value = value),
        RowProblem::EndNotAfterStart => tr!(i18n, lang, "row-end-not-after-start"),
        RowProblem::BadSlotKind { value } => tr!(i18n, lang, "row-bad-slot-kind", value = value),
        RowProblem::BadStatus { value } => tr!(i18n, lang, "row-bad-status", value = value),
        RowProblem::AdminOnly => tr!(i18n, lang, "row-admin-only"),
        RowProblem::BadCategory { value } => tr!(i18n, lang, "row-bad-category", value = value),
        RowProblem::BadSeverity { value } => tr!(i18n, lang, "row-bad-severity", value = value),
        RowProblem::BadScope(error) => error.label(i18n, lang),
        RowProblem::UnknownStaff { value } => tr!(i18n, lang, "row-unknown-staff", value = value),
        RowProblem::BadExpertField { value } => {
            tr!(i18n, lang, "row-bad-expert-field", value = value)
        }
        RowProblem::BadYesNo { value } => tr!(i18n, lang, "row-bad-yes-no", value = value),
        RowProblem::BadAnswerScope { value } => {
            tr!(i18n, lang, "row-bad-answer-scope", value = value)
        }
        RowProblem::TooManyKeywords { max } => {
            tr!(i18n, lang, "row-too-many-keywords", max = *max)
        }
        RowProblem::KeywordTooLong { value, max } => {
            tr!(
                i18n,
                lang,
                "row-keyword-too-long",
                value = value,
                max = *max
            )
        }
    };
    tr!(
        i18n,
        lang,
        "row-error",
        line = error.line,
        column = &error.column,
        problem = Arg::Html(problem)
    )
}

pub async fn on_import_help(turn: &Turn) -> anyhow::Result<()> {
    let i18n = turn.i18n();
    let lang = turn.lang();
    let mut text = vec![tr!(
        i18n,
        lang,
        "import-help",
        limit_mb = format_mb(turn.ctx.services.config.max_import_bytes)
    )];
    for kind in ImportKind::ALL {
        text.push(String::new());
        text.push(tr!(
            i18n,
            lang,
            "section-title",
            title = crate::i18n::Arg::Html(kind.label(i18n, lang))
        ));
        for (canonical, spellings, required) in import::header_aliases(kind) {
            let marker = if required {
                tr!(i18n, lang, "import-required")
            } else {
                String::new()
            };
            let spellings = crate::present::alternatives(
                i18n,
                lang,
                spellings.iter().filter(|s| **s != canonical),
            );
            text.push(tr!(
                i18n,
                lang,
                "import-header-line",
                canonical = canonical,
                spellings = spellings,
                required = marker
            ));
        }
    }
    turn.say(text.join("\n")).await
}

pub async fn on_invite(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let mut words = args.split_whitespace();
    let role = words.next().and_then(|w| w.parse::<Role>().ok());
    let name = words.collect::<Vec<_>>().join(" ");
    let Some(role) = role else {
        let (i18n, lang) = (turn.i18n(), turn.lang());
        let roles = crate::present::options(
            i18n,
            lang,
            Role::ALL.iter().map(|r| {
                tr!(
                    i18n,
                    lang,
                    "code-with-name",
                    code = r.as_str(),
                    name = crate::i18n::Arg::Html(r.label(i18n, lang))
                )
            }),
        );
        return turn
            .say(tr!(
                i18n,
                lang,
                "invite-usage",
                roles = crate::i18n::Arg::Html(roles)
            ))
            .await;
    };
    if name.chars().count() > 100 {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "invite-name-too-long"))
            .await;
    }
    let name = Some(name.as_str()).filter(|n| !n.is_empty());
    let invite = turn
        .ctx
        .services
        .create_invite(Issuer::Person(&turn.person.actor), role, name)
        .await?;
    let expires = invite
        .expires_at
        .with_timezone(&turn.ctx.services.config.timezone)
        .present_date_time();
    let who = invite
        .name
        .clone()
        .unwrap_or_else(|| tr!(turn.i18n(), turn.lang(), "no-value"));
    turn.say(tr!(
        turn.i18n(),
        turn.lang(),
        "invite-created",
        role = role.label(turn.i18n(), turn.lang()),
        name = who,
        link = invite.link(&turn.ctx.bot_username),
        expires = expires
    ))
    .await
}

pub async fn on_staff(turn: &Turn) -> anyhow::Result<()> {
    let staff = turn.ctx.services.staff_list(&turn.person.actor).await?;
    let i18n = turn.i18n();
    let lang = turn.lang();
    if staff.is_empty() {
        return turn.say(tr!(i18n, lang, "staff-none")).await;
    }
    let mut lines = vec![tr!(i18n, lang, "staff-title", count = staff.len())];
    for member in &staff {
        let roles =
            crate::present::list(i18n, lang, member.roles.iter().map(|r| r.label(i18n, lang)));
        let line = if member.telegram_id.is_some() {
            tr!(
                i18n,
                lang,
                "staff-line-linked",
                name = &member.name,
                roles = roles
            )
        } else {
            tr!(
                i18n,
                lang,
                "staff-line-unlinked",
                name = &member.name,
                roles = roles
            )
        };
        lines.push(line);
    }
    turn.say(lines.join("\n")).await
}

/// `/deactivate NAME-or-PHONE`: a staff member has left.
pub async fn on_deactivate(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let query = args.trim();
    if query.is_empty() {
        return turn.say(tr!(i18n, lang, "deactivate-usage")).await;
    }
    let outcome = turn
        .ctx
        .services
        .deactivate_staff(&turn.person.actor, query)
        .await?;
    let text = match outcome {
        Deactivation::Done(staff) => tr!(i18n, lang, "deactivate-done", name = &staff.name),
        Deactivation::NotFound => tr!(i18n, lang, "deactivate-not-found", query = query),
        Deactivation::Ambiguous(_) => tr!(i18n, lang, "deactivate-ambiguous", query = query),
        Deactivation::NotAllowed => tr!(i18n, lang, "deactivate-not-allowed", name = query),
    };
    turn.say(text).await
}

pub async fn on_people(turn: &Turn) -> anyhow::Result<()> {
    let counts = turn.ctx.services.people_counts(&turn.person.actor).await?;
    turn.say(tr!(
        turn.i18n(),
        turn.lang(),
        "people-counts",
        units = counts.units,
        buyers = counts.buyers,
        buyers_linked = counts.buyers_linked,
        staff = counts.staff,
        staff_linked = counts.staff_linked,
        unreachable = counts.unreachable
    ))
    .await
}

pub async fn on_queue(turn: &Turn) -> anyhow::Result<()> {
    let report = turn.ctx.services.queue_report(&turn.person.actor).await?;
    let tz = turn.ctx.services.config.timezone;
    let i18n = turn.i18n();
    let lang = turn.lang();
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| match at {
        Some(at) => at.with_timezone(&tz).present_date_time(),
        None => tr!(i18n, lang, "queue-none"),
    };
    turn.say(tr!(
        i18n,
        lang,
        "queue-report",
        outbox_pending = report.outbox.pending,
        outbox_failed = report.outbox.failed,
        outbox_sent = report.outbox.sent,
        outbox_oldest = when(report.outbox.oldest_due),
        jobs_pending = report.jobs.pending,
        jobs_due = report.jobs.due,
        jobs_running = report.jobs.running,
        jobs_failed = report.jobs.failed,
        jobs_oldest = when(report.jobs.oldest_due)
    ))
    .await
}
