//! Before the campaign: the risk register (`/risks`), the key dates (`/dates`) and the early
//! calls to key households logged from their cards.

use super::callback::Callback;
use super::dialogue::State;
use super::{Turn, answer_query, button, keyboard, take_press};
use crate::domain::flow::{Input, Next, Step, precontact_call, risk_entry};
use crate::domain::precontact::Attitude;
use crate::domain::risk::{RiskCategory, RiskStatus, Severity};
use crate::i18n::Arg;
use crate::present::{Dates as _, Label as _, Times as _};
use crate::services::precontact::{DatesOutcome, Logged};
use crate::services::risks::{RiskView, StatusChange};
use crate::store::risks::Risk;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardButton;

/// A press of a flow's button: the step it takes, or `None` once a press that fits no step
/// (`stale`, an old message's button) was answered as stale.
async fn taken<S, A: PartialEq>(
    turn: &Turn,
    query: &CallbackQuery,
    step: Step<S, A>,
    stale: A,
) -> anyhow::Result<Option<Step<S, A>>> {
    if step.ask == stale {
        let text = tr!(turn.i18n(), turn.lang(), "stale-button");
        answer_query(turn, query, Some(text)).await?;
        return Ok(None);
    }
    take_press(turn, query).await?;
    Ok(Some(step))
}

/// What both dialogues say to input that does not fit the step.
enum Hint {
    InvalidText,
    UseButtons,
    TextExpected,
}

async fn say_hint(turn: &Turn, hint: Hint) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    turn.say(match hint {
        Hint::InvalidText => tr!(
            i18n,
            lang,
            "text-invalid",
            max = crate::domain::flow::MAX_TEXT_CHARS
        ),
        Hint::UseButtons => tr!(i18n, lang, "flow-use-buttons"),
        Hint::TextExpected => tr!(i18n, lang, "note-text-expected"),
    })
    .await
}

// ----- /risks ----------------------------------------------------------------------------------

/// A risk's response and owner lines under its line.
fn risk_details(turn: &Turn, risk: &Risk) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    tr!(
        i18n,
        lang,
        "risk-details",
        status = risk.status.label(i18n, lang),
        response = risk
            .response
            .clone()
            .unwrap_or_else(|| tr!(i18n, lang, "risk-no-response")),
        owner = risk
            .owner_name
            .clone()
            .unwrap_or_else(|| tr!(i18n, lang, "no-value"))
    )
}

pub async fn on_risks(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let words = args.trim();
    if matches!(words.to_lowercase().as_str(), "add" | "添加" | "新增") {
        let step = risk_entry::start();
        return apply_risk_step(turn, step).await;
    }
    if matches!(words.to_lowercase().as_str(), "import" | "导入") {
        return turn.say(tr!(i18n, lang, "risks-import-help")).await;
    }
    let services = &turn.ctx.services;
    match services.risk_view(&turn.person.actor, words).await? {
        RiskView::NotFound => turn.say(tr!(i18n, lang, "risk-not-found")).await,
        RiskView::List { risks, filter } => {
            if risks.is_empty() {
                return turn.say(tr!(i18n, lang, "risks-none")).await;
            }
            let mut text = tr!(
                i18n,
                lang,
                "risks-title",
                count = risks.len(),
                filter = if filter.is_empty() {
                    tr!(i18n, lang, "risks-filter-live")
                } else {
                    filter.clone()
                }
            );
            let mut rows = Vec::new();
            for risk in &risks {
                text.push_str("\n\n");
                text.push_str(&services.risk_line(lang, risk));
                text.push('\n');
                text.push_str(&risk_details(turn, risk));
                rows.push(vec![button(
                    tr!(i18n, lang, "button-risk-open", id = risk.id),
                    Callback::RiskOpen(risk.id),
                )]);
            }
            rows.truncate(20);
            text.push_str("\n\n");
            text.push_str(&tr!(i18n, lang, "risks-hint"));
            turn.say_with(text, keyboard(rows)).await
        }
        RiskView::One {
            risk,
            events,
            households,
        } => show_risk(turn, &risk, &events, households).await,
    }
}

async fn show_risk(
    turn: &Turn,
    risk: &Risk,
    events: &[crate::store::risks::RiskEvent],
    households: usize,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let tz = turn.ctx.services.config.timezone;
    let mut text = turn.ctx.services.risk_line(lang, risk);
    text.push('\n');
    text.push_str(&risk_details(turn, risk));
    text.push('\n');
    text.push_str(&tr!(i18n, lang, "risk-households", count = households));
    if !events.is_empty() {
        text.push('\n');
        text.push_str(&tr!(i18n, lang, "risk-history"));
        for event in events {
            text.push('\n');
            text.push_str(&tr!(
                i18n,
                lang,
                "risk-event",
                at = event.at.with_timezone(&tz).present_month_day_time(),
                status = event.status.label(i18n, lang),
                note = event.note.clone()
            ));
        }
    }
    let mut row = vec![button(
        tr!(i18n, lang, "button-risk-respond"),
        Callback::RiskRespond(risk.id),
    )];
    for next in RiskStatus::ALL {
        if risk.status.may_become(next) && next != RiskStatus::ResponseReady {
            row.push(button(
                tr!(
                    i18n,
                    lang,
                    "button-risk-status",
                    status = next.label(i18n, lang)
                ),
                Callback::RiskSetStatus(risk.id, next),
            ));
        }
    }
    turn.say_with(text, keyboard(vec![row])).await
}

pub async fn on_risk_open(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let view = turn
        .ctx
        .services
        .risk_view(&turn.person.actor, &id.to_string())
        .await?;
    answer_query(turn, query, None).await?;
    match view {
        RiskView::One {
            risk,
            events,
            households,
        } => show_risk(turn, &risk, &events, households).await,
        _ => {
            turn.say(tr!(turn.i18n(), turn.lang(), "risk-not-found"))
                .await
        }
    }
}

pub async fn on_risk_status(
    turn: &Turn,
    query: &CallbackQuery,
    id: i64,
    status: RiskStatus,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let changed = turn
        .ctx
        .services
        .change_risk_status(&turn.person.actor, id, status)
        .await?;
    let note = match changed {
        StatusChange::Done | StatusChange::Unchanged => tr!(
            i18n,
            lang,
            "risk-status-set",
            id = id,
            status = status.label(i18n, lang)
        ),
        StatusChange::NotAllowed => tr!(i18n, lang, "risk-status-not-allowed"),
        StatusChange::NotFound => tr!(i18n, lang, "risk-not-found"),
    };
    take_press(turn, query).await?;
    turn.say(note).await
}

/// "Write the response" (the owner's notice, or a supervisor's risk card).
pub async fn on_risk_respond(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let services = &turn.ctx.services;
    let mut tx = services.store.read().await?;
    let risk = tx.risk(id).await?;
    tx.commit().await?;
    let may = match (&turn.person.actor, &risk) {
        (crate::domain::people::Actor::Staff(me), Some(risk)) => {
            turn.person.actor.can_supervise() || risk.owner_staff_id == Some(me.id)
        }
        _ => false,
    };
    let Some(risk) = risk.filter(|_| may) else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
    };
    answer_query(turn, query, None).await?;
    turn.dialogue
        .update(State::AwaitingRiskResponse { risk: id })
        .await?;
    turn.say(tr!(
        i18n,
        lang,
        "risk-response-enter",
        line = Arg::Html(services.risk_line(lang, &risk))
    ))
    .await
}

pub async fn on_risk_response_text(turn: &Turn, risk: i64, text: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let Some(response) = crate::domain::flow::valid_text(text) else {
        return say_hint(turn, Hint::InvalidText).await;
    };
    let saved = turn
        .answering()
        .respond_to_risk(&turn.person.actor, risk, &response)
        .await?;
    turn.dialogue.exit().await?;
    if saved {
        turn.say(tr!(i18n, lang, "risk-response-saved", id = risk))
            .await
    } else {
        turn.say(tr!(i18n, lang, "risk-not-found")).await
    }
}

// ----- /risks add ------------------------------------------------------------------------------

pub async fn on_risk_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    callback: Callback,
) -> anyhow::Result<()> {
    let button = match callback {
        Callback::RiskCategory(c) => Some(risk_entry::Button::Category(c)),
        Callback::RiskSeverity(s) => Some(risk_entry::Button::Severity(s)),
        Callback::RiskSkip => Some(risk_entry::Button::Skip),
        _ => None,
    };
    let step = match (button, state) {
        (Some(button), State::AddingRisk(draft)) => risk_entry::next(draft, Input::Button(button)),
        _ => Step::stay(risk_entry::Ask::Stale),
    };
    let Some(step) = taken(turn, query, step, risk_entry::Ask::Stale).await? else {
        return Ok(());
    };
    apply_risk_step(turn, step).await
}

pub async fn on_risk_text(
    turn: &Turn,
    draft: risk_entry::RiskDraft,
    text: &str,
) -> anyhow::Result<()> {
    if risk_entry::wants_owner(&draft, text)
        && turn
            .ctx
            .services
            .risk_owner_named(&turn.person.actor, text)
            .await?
            .is_none()
    {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "risk-owner-unknown",
                name = text.trim()
            ))
            .await;
    }
    apply_risk_step(turn, risk_entry::next(draft, Input::Text(text.to_string()))).await
}

async fn apply_risk_step(
    turn: &Turn,
    step: Step<risk_entry::RiskDraft, risk_entry::Ask>,
) -> anyhow::Result<()> {
    use risk_entry::Ask;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if let Ask::Save { draft, severity } = &step.ask {
        let written = turn
            .answering()
            .add_risk(&turn.person.actor, draft, *severity)
            .await?;
        turn.dialogue.exit().await?;
        return match written {
            Some(written) => {
                turn.say(tr!(i18n, lang, "risk-saved", id = written.id))
                    .await
            }
            None => turn.say(tr!(i18n, lang, "stale-button")).await,
        };
    }
    match step.next {
        Next::Go(draft) => turn.dialogue.update(State::AddingRisk(draft)).await?,
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    let skip = || {
        keyboard(vec![vec![button(
            tr!(i18n, lang, "button-later"),
            Callback::RiskSkip,
        )]])
    };
    match step.ask {
        Ask::Category => {
            let rows = RiskCategory::ALL
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .map(|c| button(c.label(i18n, lang), Callback::RiskCategory(*c)))
                        .collect()
                })
                .collect();
            turn.say_with(tr!(i18n, lang, "risk-ask-category"), keyboard(rows))
                .await
        }
        Ask::Scope => turn.say(tr!(i18n, lang, "risk-ask-scope")).await,
        Ask::Difference => turn.say(tr!(i18n, lang, "risk-ask-difference")).await,
        Ask::Response => {
            turn.say_with(tr!(i18n, lang, "risk-ask-response"), skip())
                .await
        }
        Ask::Owner => {
            turn.say_with(tr!(i18n, lang, "risk-ask-owner"), skip())
                .await
        }
        Ask::Severity => {
            let row = Severity::ALL
                .iter()
                .rev()
                .map(|s| button(s.label(i18n, lang), Callback::RiskSeverity(*s)))
                .collect();
            turn.say_with(tr!(i18n, lang, "risk-ask-severity"), keyboard(vec![row]))
                .await
        }
        Ask::InvalidScope => turn.say(tr!(i18n, lang, "risk-scope-invalid")).await,
        Ask::InvalidText => say_hint(turn, Hint::InvalidText).await,
        Ask::UseButtons => say_hint(turn, Hint::UseButtons).await,
        Ask::TextExpected | Ask::Stale => say_hint(turn, Hint::TextExpected).await,
        Ask::Save { .. } => Ok(()),
    }
}

// ----- /dates ----------------------------------------------------------------------------------

pub async fn on_dates(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let outcome = turn
        .ctx
        .services
        .key_dates_command(&turn.person.actor, args)
        .await?;
    let (title, dates) = match outcome {
        DatesOutcome::Usage => return turn.say(tr!(i18n, lang, "dates-usage")).await,
        DatesOutcome::Shown(dates) => ("dates-title", dates),
        DatesOutcome::Set(dates) => ("dates-saved", dates),
    };
    let mut text = i18n.text(lang, title, &[]);
    for kind in crate::domain::precontact::KeyDate::ALL {
        let day = dates
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, d)| d.present_date())
            .unwrap_or_else(|| tr!(i18n, lang, "no-value"));
        text.push('\n');
        text.push_str(&tr!(
            i18n,
            lang,
            "dates-line",
            date = kind.label(i18n, lang),
            code = kind.as_str(),
            day = day
        ));
    }
    text.push('\n');
    text.push_str(&tr!(i18n, lang, "dates-usage"));
    turn.say(text).await
}

// ----- early calls -----------------------------------------------------------------------------

pub async fn on_call_start(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let offered = turn
        .ctx
        .services
        .start_call(&turn.person.actor, unit)
        .await?;
    let Some(offered) = offered else {
        let text = tr!(turn.i18n(), turn.lang(), "household-not-yours-short");
        return answer_query(turn, query, Some(text)).await;
    };
    answer_query(turn, query, None).await?;
    apply_call_step(turn, precontact_call::start(unit, offered)).await
}

pub async fn on_call_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    callback: Callback,
) -> anyhow::Result<()> {
    let button = match callback {
        Callback::CallReached(yes) => Some(precontact_call::Button::Reached(yes)),
        Callback::CallAttitude(a) => Some(precontact_call::Button::Attitude(a)),
        Callback::CallRisk(id, on) => Some(precontact_call::Button::Risk(id, on)),
        Callback::CallDone => Some(precontact_call::Button::Done),
        _ => None,
    };
    let step = match (button, state) {
        (Some(button), State::Calling(log)) => precontact_call::next(log, Input::Button(button)),
        _ => Step::stay(precontact_call::Ask::Stale),
    };
    let Some(step) = taken(turn, query, step, precontact_call::Ask::Stale).await? else {
        return Ok(());
    };
    apply_call_step(turn, step).await
}

pub async fn on_call_text(
    turn: &Turn,
    log: precontact_call::CallLog,
    text: &str,
) -> anyhow::Result<()> {
    apply_call_step(
        turn,
        precontact_call::next(log, Input::Text(text.to_string())),
    )
    .await
}

async fn apply_call_step(
    turn: &Turn,
    step: Step<precontact_call::CallLog, precontact_call::Ask>,
) -> anyhow::Result<()> {
    use precontact_call::Ask;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if let Ask::Save { log, next_step } = &step.ask {
        let logged = turn
            .answering()
            .log_call(&turn.person.actor, log, next_step)
            .await?;
        turn.dialogue.exit().await?;
        return match logged {
            Logged::Saved { escalated: true } => {
                turn.say(tr!(i18n, lang, "call-saved-escalated")).await
            }
            Logged::Saved { escalated: false } => turn.say(tr!(i18n, lang, "call-saved")).await,
            Logged::NotYours => turn.say(tr!(i18n, lang, "household-not-yours-short")).await,
        };
    }
    let risks_state = match &step.next {
        Next::Go(log) => Some(log.clone()),
        _ => None,
    };
    match step.next {
        Next::Go(log) => turn.dialogue.update(State::Calling(log)).await?,
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    let done = || button(tr!(i18n, lang, "button-nothing"), Callback::CallDone);
    match step.ask {
        Ask::Reached => {
            let row = vec![
                button(
                    tr!(i18n, lang, "button-call-reached"),
                    Callback::CallReached(true),
                ),
                button(
                    tr!(i18n, lang, "button-call-not-reached"),
                    Callback::CallReached(false),
                ),
            ];
            turn.say_with(tr!(i18n, lang, "call-ask-reached"), keyboard(vec![row]))
                .await
        }
        Ask::Attitude => {
            let rows = Attitude::ALL
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .map(|a| button(a.label(i18n, lang), Callback::CallAttitude(*a)))
                        .collect()
                })
                .collect();
            turn.say_with(tr!(i18n, lang, "call-ask-attitude"), keyboard(rows))
                .await
        }
        Ask::Risks => {
            let Some(log) = risks_state else {
                return Ok(());
            };
            let services = &turn.ctx.services;
            let mut tx = services.store.read().await?;
            let mut rows = Vec::new();
            let mut text = tr!(i18n, lang, "call-ask-risks");
            for id in &log.offered {
                let Some(risk) = tx.risk(*id).await? else {
                    continue;
                };
                let chosen = log.risks.contains(id);
                text.push('\n');
                text.push_str(&services.risk_line(lang, &risk));
                let label = tr!(i18n, lang, "button-risk-open", id = *id);
                let label = if chosen {
                    tr!(i18n, lang, "button-chosen", label = Arg::Html(label))
                } else {
                    label
                };
                rows.push(vec![button(label, Callback::CallRisk(*id, !chosen))]);
            }
            tx.commit().await?;
            rows.push(vec![button(
                tr!(i18n, lang, "button-done"),
                Callback::CallDone,
            )]);
            turn.say_with(text, keyboard(rows)).await
        }
        Ask::Concerns => {
            turn.say_with(
                tr!(i18n, lang, "call-ask-concerns"),
                keyboard(vec![vec![done()]]),
            )
            .await
        }
        Ask::NextStep => {
            turn.say_with(
                tr!(i18n, lang, "call-ask-next-step"),
                keyboard(vec![vec![done()]]),
            )
            .await
        }
        Ask::InvalidText => say_hint(turn, Hint::InvalidText).await,
        Ask::UseButtons => say_hint(turn, Hint::UseButtons).await,
        Ask::TextExpected | Ask::Stale => say_hint(turn, Hint::TextExpected).await,
        Ask::Save { .. } => Ok(()),
    }
}

/// The card's lines about risks and the early call.
pub fn card_lines(
    turn: &Turn,
    risks: &[Risk],
    call: Option<&crate::services::precontact::CallDue>,
) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let tz = turn.ctx.services.config.timezone;
    let mut out = String::new();
    for risk in risks {
        out.push('\n');
        out.push_str(&risk_warning(turn, risk));
    }
    if let Some(call) = call {
        out.push('\n');
        let state = match &call.last {
            Some(last) if last.reached => tr!(
                i18n,
                lang,
                "call-last-reached",
                at = last.at.with_timezone(&tz).present_month_day_time(),
                attitude = last
                    .attitude
                    .map(|a| a.label(i18n, lang))
                    .unwrap_or_default(),
                next = last.next_step.clone()
            ),
            Some(last) => tr!(
                i18n,
                lang,
                "call-last-unreached",
                at = last.at.with_timezone(&tz).present_month_day_time()
            ),
            None => tr!(i18n, lang, "call-none"),
        };
        // Before any inspection slot or date is set, the call has no due time yet.
        out.push_str(&match call.due {
            Some(due) => tr!(
                i18n,
                lang,
                "card-call",
                due = due.with_timezone(&tz).present_month_day_time(),
                state = Arg::Html(state)
            ),
            None => tr!(i18n, lang, "card-call-undated", state = Arg::Html(state)),
        });
    }
    out
}

/// "⚠️ #12 what differs → the planned response", for cards and `/today`.
pub fn risk_warning(turn: &Turn, risk: &Risk) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    tr!(
        i18n,
        lang,
        "risk-warning",
        id = risk.id,
        difference = &risk.difference,
        response = risk
            .response
            .clone()
            .unwrap_or_else(|| tr!(i18n, lang, "risk-no-response"))
    )
}

/// The button that logs a key household's call, from its card.
pub fn call_button(turn: &Turn, unit: i64) -> InlineKeyboardButton {
    button(
        tr!(turn.i18n(), turn.lang(), "button-call-log"),
        Callback::CallStart(unit),
    )
}
