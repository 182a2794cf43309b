//! Supervisors' work on who looks after which household: the automatic assignment (a preview
//! first), moving a home to another ambassador, an ambassador away and back, and every
//! ambassador's load.

use super::callback::Callback;
use super::{Turn, remove_buttons};
use crate::domain::people::Lang;
use crate::i18n::{Arg, I18n, escape_html};
use crate::present::Label;
use crate::present::{Dates as _, Times as _};
use crate::services::assignment::{AssignmentPreview, ConfirmOutcome, Planner, ReassignOutcome};
use crate::store::assignment::Household;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};

// ----- /assign ---------------------------------------------------------------------------------

pub fn render_preview(i18n: &I18n, lang: Lang, preview: &AssignmentPreview) -> String {
    let mut out = tr!(i18n, lang, "assign-preview-title", count = preview.placed);
    for line in preview.lines.iter().filter(|l| l.households > 0) {
        let senior = if line.senior {
            tr!(i18n, lang, "assign-senior-mark")
        } else {
            String::new()
        };
        out.push('\n');
        out.push_str(&tr!(
            i18n,
            lang,
            "assign-preview-line",
            name = &line.name,
            senior = senior,
            count = line.households,
            sensitive = line.sensitive,
            buildings = crate::present::list(i18n, lang, &line.buildings),
            load = line.load_after,
            capacity = line.capacity
        ));
    }
    if !preview.unplaced.is_empty() {
        let list = preview
            .unplaced
            .iter()
            .map(|u| {
                let names = crate::present::list(i18n, lang, &u.names);
                tr!(
                    i18n,
                    lang,
                    "home-with-names",
                    home = u.unit.as_str(),
                    names = names
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let unplaced = tr!(
            i18n,
            lang,
            "assign-unplaced",
            count = preview.unplaced.len(),
            list = Arg::Html(list)
        );
        out = crate::present::paragraphs(i18n, lang, [out, unplaced]);
    }
    let footer = tr!(i18n, lang, "assign-preview-footer");
    crate::present::paragraphs(i18n, lang, [out, footer])
}

fn preview_keyboard(i18n: &I18n, lang: Lang, preview: &AssignmentPreview) -> Option<ReplyMarkup> {
    let fingerprint = u64::from_str_radix(&preview.fingerprint, 16).ok()?;
    Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(
        vec![vec![
            InlineKeyboardButton::callback(
                tr!(i18n, lang, "button-assign-confirm"),
                Callback::AssignConfirm(fingerprint).encode(),
            ),
            InlineKeyboardButton::callback(
                tr!(i18n, lang, "button-cancel"),
                Callback::AssignCancel.encode(),
            ),
        ]],
    )))
}

async fn say_preview(turn: &Turn, preview: &AssignmentPreview) -> anyhow::Result<()> {
    if preview.placed == 0 && preview.unplaced.is_empty() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "assign-nothing"))
            .await;
    }
    let text = render_preview(turn.i18n(), turn.lang(), preview);
    let keyboard = if preview.placed > 0 {
        preview_keyboard(turn.i18n(), turn.lang(), preview)
    } else {
        None
    };
    turn.say_with(text, keyboard).await
}

pub async fn on_assign(turn: &Turn) -> anyhow::Result<()> {
    let preview = turn
        .ctx
        .services
        .assignment_preview(Planner::Supervisor(&turn.person.actor))
        .await?;
    say_preview(turn, &preview).await
}

pub async fn on_assign_button(
    turn: &Turn,
    query: &CallbackQuery,
    callback: Callback,
) -> anyhow::Result<()> {
    if !turn.person.actor.can_supervise() {
        return Err(super::router::refused());
    }
    remove_buttons(turn, query).await?;
    let Callback::AssignConfirm(fingerprint) = callback else {
        super::answer_query(turn, query, None).await?;
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "assign-cancelled"))
            .await;
    };
    super::answer_query(turn, query, None).await?;
    let outcome = turn
        .ctx
        .services
        .confirm_assignment(
            Planner::Supervisor(&turn.person.actor),
            &format!("{fingerprint:016x}"),
        )
        .await?;
    match outcome {
        ConfirmOutcome::Applied(preview) => {
            turn.say(tr!(
                turn.i18n(),
                turn.lang(),
                "assign-done",
                count = preview.placed,
                unplaced = preview.unplaced.len()
            ))
            .await
        }
        ConfirmOutcome::Stale(preview) => {
            turn.say(tr!(turn.i18n(), turn.lang(), "assign-stale"))
                .await?;
            say_preview(turn, &preview).await
        }
    }
}

// ----- /reassign -------------------------------------------------------------------------------

pub async fn on_reassign(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let mut words = args.split_whitespace();
    let (Some(unit), name) = (words.next(), words.collect::<Vec<_>>().join(" ")) else {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "reassign-usage"))
            .await;
    };
    if name.is_empty() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "reassign-usage"))
            .await;
    }
    let outcome = turn
        .ctx
        .services
        .reassign(&turn.person.actor, unit, &name)
        .await?;
    let text = match outcome {
        ReassignOutcome::Done { household, to } => tr!(
            turn.i18n(),
            turn.lang(),
            "reassign-done",
            unit = household.unit.short(),
            name = &to.name
        ),
        ReassignOutcome::NoSuchHousehold => {
            tr!(
                turn.i18n(),
                turn.lang(),
                "household-not-found",
                query = unit
            )
        }
        ReassignOutcome::NoSuchAmbassador => {
            tr!(
                turn.i18n(),
                turn.lang(),
                "ambassador-not-found",
                name = name
            )
        }
        ReassignOutcome::Ambiguous(found) => {
            let list = crate::present::list(
                turn.i18n(),
                turn.lang(),
                found
                    .iter()
                    .map(|h| escape_html(&h.unit.short()).into_owned()),
            );
            tr!(
                turn.i18n(),
                turn.lang(),
                "household-ambiguous",
                list = Arg::Html(list)
            )
        }
    };
    turn.say(text).await
}

// ----- /away and /back -------------------------------------------------------------------------

pub async fn on_away(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let today = turn
        .ctx
        .services
        .clock
        .now()
        .with_timezone(&turn.ctx.services.config.timezone)
        .date_naive();
    let (name, until) = crate::domain::text::split_trailing_day(args, today);
    if until.is_some_and(|day| day < today) {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "away-date-past"))
            .await;
    }
    let who = (!name.is_empty()).then_some(name.as_str());
    if who.is_none() && !turn.person.actor.is_ambassador() {
        return turn.say(tr!(turn.i18n(), turn.lang(), "away-usage")).await;
    }
    let moved = turn
        .ctx
        .services
        .go_away(&turn.person.actor, who, until)
        .await?;
    let Some(moved) = moved else {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "ambassador-not-found",
                name = name
            ))
            .await;
    };
    let until_text = match until {
        Some(day) => day.present_date(),
        None => tr!(turn.i18n(), turn.lang(), "away-until-back"),
    };
    let mut text = tr!(
        turn.i18n(),
        turn.lang(),
        "away-done",
        name = &moved.staff.name,
        until = until_text,
        count = moved.moves.len()
    );
    if !moved.unplaced.is_empty() {
        let list: Vec<&Household> = moved.unplaced.iter().collect();
        let unplaced = tr!(
            turn.i18n(),
            turn.lang(),
            "away-unplaced",
            count = list.len(),
            list = Arg::Html(crate::services::assignment::household_lines(
                turn.i18n(),
                turn.lang(),
                &list
            ))
        );
        text = crate::present::paragraphs(turn.i18n(), turn.lang(), [text, unplaced]);
    }
    turn.say(text).await
}

pub async fn on_back(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let who = (!args.trim().is_empty()).then_some(args.trim());
    if who.is_none() && !turn.person.actor.is_ambassador() {
        return turn.say(tr!(turn.i18n(), turn.lang(), "back-usage")).await;
    }
    let result = turn.ctx.services.come_back(&turn.person.actor, who).await?;
    let Some((staff, covered)) = result else {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "ambassador-not-found",
                name = args.trim()
            ))
            .await;
    };
    turn.say(tr!(
        turn.i18n(),
        turn.lang(),
        "back-done",
        name = &staff.name,
        count = covered
    ))
    .await
}

pub async fn on_return_button(
    turn: &Turn,
    query: &CallbackQuery,
    staff_id: i64,
) -> anyhow::Result<()> {
    if !turn.person.actor.can_supervise() {
        return Err(super::router::refused());
    }
    let moved = turn
        .ctx
        .services
        .return_households(&turn.person.actor, staff_id)
        .await?;
    remove_buttons(turn, query).await?;
    match moved {
        Some(moved) => {
            super::answer_query(turn, query, None).await?;
            turn.say(tr!(
                turn.i18n(),
                turn.lang(),
                "return-done",
                name = &moved.staff.name,
                count = moved.moves.len()
            ))
            .await
        }
        None => {
            super::answer_query(
                turn,
                query,
                Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
            )
            .await
        }
    }
}

pub async fn on_ambassadors(turn: &Turn) -> anyhow::Result<()> {
    let overview = turn
        .ctx
        .services
        .ambassador_overview(&turn.person.actor)
        .await?;
    let i18n = turn.i18n();
    let lang = turn.lang();
    let tz = turn.ctx.services.config.timezone;
    if overview.is_empty() {
        return turn.say(tr!(i18n, lang, "ambassadors-none")).await;
    }
    let mut out = tr!(i18n, lang, "ambassadors-title", count = overview.len());
    for (load, households) in &overview {
        let staff = &load.staff;
        let sensitive = households.iter().filter(|h| h.sensitive()).count();
        let mut buildings: Vec<&str> = households
            .iter()
            .map(|h| h.unit.building.as_str())
            .collect();
        buildings.sort();
        buildings.dedup();
        let role = if staff.roles.has(crate::domain::people::Role::Ambassador) {
            crate::domain::people::Role::Ambassador.label(i18n, lang)
        } else {
            crate::domain::people::Role::BackupAmbassador.label(i18n, lang)
        };
        let senior = if staff.is_senior() {
            tr!(i18n, lang, "assign-senior-mark")
        } else {
            String::new()
        };
        let status = match (staff.away_since, staff.away_until) {
            (None, _) => tr!(i18n, lang, "ambassador-at-work"),
            (Some(_), Some(until)) => tr!(
                i18n,
                lang,
                "ambassador-away-until",
                until = until.with_timezone(&tz).present_date_time()
            ),
            (Some(_), None) => tr!(i18n, lang, "ambassador-away"),
        };
        out.push('\n');
        out.push_str(&tr!(
            i18n,
            lang,
            "ambassadors-line",
            name = &staff.name,
            senior = senior,
            role = role,
            count = load.load,
            capacity = staff
                .capacity
                .unwrap_or(crate::domain::assignment::DEFAULT_CAPACITY),
            sensitive = sensitive,
            buildings = if buildings.is_empty() {
                tr!(i18n, lang, "no-value")
            } else {
                crate::present::list(i18n, lang, &buildings)
            },
            covered = load.covered,
            status = status
        ));
    }
    turn.say(out).await
}
