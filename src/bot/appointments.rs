//! Appointments in chat: supervisors' `/slots` and `/invite`, the buyer's slot buttons and
//! `/appointment`, the day's `/today`, check-in.

use super::callback::Callback;
use super::{Turn, remove_buttons};
use crate::domain::appointment::{SlotKind, parse_slot_spec};
use crate::domain::people::{Actor, Tier};
use crate::present::Label;
use crate::present::Times as _;
use crate::services::appointments::{BookOutcome, InviteOutcome, InviteScope, slot_label};
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};

pub async fn on_slots(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let i18n = turn.i18n();
    let lang = turn.lang();
    let tz = turn.ctx.services.config.timezone;
    if let Some(spec) = args.trim().strip_prefix("add") {
        let spec = match parse_slot_spec(spec, tz) {
            Ok(spec) => spec,
            Err(error) => {
                let why = match error {
                    crate::domain::appointment::SlotSpecError::Format => {
                        tr!(i18n, lang, "slot-error-format")
                    }
                    crate::domain::appointment::SlotSpecError::Date => {
                        tr!(i18n, lang, "slot-error-date")
                    }
                    crate::domain::appointment::SlotSpecError::Times => {
                        tr!(i18n, lang, "slot-error-times")
                    }
                    crate::domain::appointment::SlotSpecError::Capacity => {
                        tr!(i18n, lang, "slot-error-capacity")
                    }
                    crate::domain::appointment::SlotSpecError::Kind => {
                        tr!(i18n, lang, "slot-error-kind")
                    }
                };
                return turn.say(tr!(i18n, lang, "slot-invalid", why = why)).await;
            }
        };
        if spec.starts_at <= turn.ctx.services.clock.now() {
            return turn.say(tr!(i18n, lang, "slot-in-past")).await;
        }
        let added = turn
            .ctx
            .services
            .add_slot(&turn.person.actor, &spec)
            .await?;
        return match added {
            Some(_) => {
                let slot = crate::store::appointments::Slot {
                    id: 0,
                    project: String::new(),
                    kind: spec.kind.as_str().to_string(),
                    starts_at: spec.starts_at,
                    ends_at: spec.ends_at,
                    capacity: i64::from(spec.capacity),
                    booked: 0,
                };
                turn.say(tr!(
                    i18n,
                    lang,
                    "slot-added",
                    kind = spec.kind.label(i18n, lang),
                    when = slot_label(i18n, lang, &slot, tz),
                    capacity = spec.capacity
                ))
                .await
            }
            None => turn.say(tr!(i18n, lang, "slot-exists")).await,
        };
    }
    let slots = turn.ctx.services.upcoming_slots(&turn.person.actor).await?;
    if slots.is_empty() {
        return turn.say(tr!(i18n, lang, "slots-none")).await;
    }
    let mut out = tr!(i18n, lang, "slots-title", count = slots.len());
    for slot in &slots {
        let kind = slot.kind.parse().unwrap_or(SlotKind::Inspection);
        out.push('\n');
        out.push_str(&tr!(
            i18n,
            lang,
            "slots-line",
            kind = kind.label(i18n, lang),
            when = slot_label(i18n, lang, slot, tz),
            booked = slot.booked,
            capacity = slot.capacity
        ));
    }
    turn.say(out).await
}

/// `/invite` for buyers: `all`, `building B`, `tier T`, optionally followed by `handover`.
fn parse_scope(args: &str) -> Option<(Option<InviteScope>, SlotKind)> {
    let mut words: Vec<&str> = args.split_whitespace().collect();
    let kind = match words.last().and_then(|w| w.parse::<SlotKind>().ok()) {
        Some(kind) => {
            words.pop();
            kind
        }
        None => SlotKind::Inspection,
    };
    let scope = match words.as_slice() {
        [] => None,
        ["all" | "全部"] => Some(InviteScope::All),
        ["building" | "楼栋", b] => Some(InviteScope::Building((*b).to_string())),
        ["tier" | "分级", t] => Some(InviteScope::Tier(t.parse::<Tier>().ok()?)),
        _ => return None,
    };
    Some((scope, kind))
}

pub async fn on_invite_buyers(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let i18n = turn.i18n();
    let lang = turn.lang();
    let Some((scope, kind)) = parse_scope(args) else {
        return turn.say(tr!(i18n, lang, "invite-buyers-usage")).await;
    };
    if scope.is_none() && turn.person.actor.can_supervise() && !turn.person.actor.is_ambassador() {
        return turn.say(tr!(i18n, lang, "invite-buyers-usage")).await;
    }
    let outcome = turn
        .ctx
        .services
        .invite_households(&turn.person.actor, scope, kind)
        .await?;
    match outcome {
        InviteOutcome::NoSlots => {
            turn.say(tr!(
                i18n,
                lang,
                "invite-no-slots",
                kind = kind.label(i18n, lang)
            ))
            .await
        }
        InviteOutcome::Sent(report) => {
            turn.say(tr!(
                i18n,
                lang,
                "invite-buyers-done",
                invited = report.invited,
                already = report.already,
                offline = report.not_on_telegram
            ))
            .await
        }
    }
}

pub async fn on_appointment(turn: &Turn) -> anyhow::Result<()> {
    let i18n = turn.i18n();
    let lang = turn.lang();
    let tz = turn.ctx.services.config.timezone;
    let appointments = turn
        .ctx
        .services
        .my_appointments(&turn.person.actor)
        .await?;
    if appointments.is_empty() {
        return turn.say(tr!(i18n, lang, "appointment-none")).await;
    }
    for (home, appointment) in appointments {
        let kind = appointment.kind.label(i18n, lang);
        let (text, buttons) = match &appointment.slot {
            // The visit is under way: nothing to move or cancel any more.
            Some(slot)
                if appointment.status
                    == crate::domain::appointment::AppointmentStatus::CheckedIn =>
            {
                (
                    tr!(
                        i18n,
                        lang,
                        "appointment-checked-in",
                        home = home,
                        kind = kind,
                        when = slot_label(i18n, lang, slot, tz)
                    ),
                    Vec::new(),
                )
            }
            Some(slot) => (
                tr!(
                    i18n,
                    lang,
                    "appointment-booked",
                    home = home,
                    kind = kind,
                    when = slot_label(i18n, lang, slot, tz)
                ),
                vec![vec![
                    InlineKeyboardButton::callback(
                        tr!(i18n, lang, "button-reschedule"),
                        Callback::Reschedule(appointment.id).encode(),
                    ),
                    InlineKeyboardButton::callback(
                        tr!(i18n, lang, "button-cancel-booking"),
                        Callback::CancelAppointment(appointment.id).encode(),
                    ),
                ]],
            ),
            None => (
                tr!(i18n, lang, "appointment-invited", home = home, kind = kind),
                vec![vec![InlineKeyboardButton::callback(
                    tr!(i18n, lang, "button-choose-time"),
                    Callback::Reschedule(appointment.id).encode(),
                )]],
            ),
        };
        let markup = (!buttons.is_empty())
            .then(|| ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(buttons)));
        turn.say_with(text, markup).await?;
    }
    Ok(())
}

pub async fn on_today(turn: &Turn) -> anyhow::Result<()> {
    let i18n = turn.i18n();
    let lang = turn.lang();
    let tz = turn.ctx.services.config.timezone;
    let services = &turn.ctx.services;
    if turn.person.actor.is_ambassador() {
        let entries = services.today_for_ambassador(&turn.person.actor).await?;
        if entries.is_empty() {
            turn.say(tr!(i18n, lang, "today-none")).await?;
        } else {
            let mut out = tr!(i18n, lang, "today-title", count = entries.len());
            let mut rows = Vec::new();
            for entry in &entries {
                let Some(slot) = &entry.appointment.slot else {
                    continue;
                };
                let status = match entry.appointment.status {
                    crate::domain::appointment::AppointmentStatus::CheckedIn => {
                        tr!(i18n, lang, "status-checked-in")
                    }
                    crate::domain::appointment::AppointmentStatus::NoShow => {
                        tr!(i18n, lang, "status-no-show")
                    }
                    crate::domain::appointment::AppointmentStatus::Completed => {
                        tr!(i18n, lang, "status-completed")
                    }
                    _ => tr!(i18n, lang, "status-confirmed"),
                };
                out.push('\n');
                out.push_str(&tr!(
                    i18n,
                    lang,
                    "today-line",
                    time = slot.starts_at.with_timezone(&tz).present_time(),
                    home = entry.household.unit.short(),
                    names = crate::present::list(i18n, lang, &entry.household.names),
                    kind = entry.appointment.kind.label(i18n, lang),
                    status = status
                ));
                // What differs from the promise, read before meeting the buyer.
                for risk in &entry.risks {
                    out.push('\n');
                    out.push_str(&super::before_campaign::risk_warning(turn, risk));
                }
                let home = entry.household.unit.short();
                let mut row = Vec::new();
                // A no-show of today who turns up late is checked in too.
                if matches!(
                    entry.appointment.status,
                    crate::domain::appointment::AppointmentStatus::Confirmed
                        | crate::domain::appointment::AppointmentStatus::NoShow
                ) {
                    row.push(InlineKeyboardButton::callback(
                        tr!(i18n, lang, "button-check-in", home = home.as_str()),
                        Callback::CheckIn(entry.appointment.id).encode(),
                    ));
                }
                // The walk-through starts from the day's list too (seed step 2).
                if entry.appointment.kind == SlotKind::Inspection
                    && matches!(
                        entry.appointment.status,
                        crate::domain::appointment::AppointmentStatus::Confirmed
                            | crate::domain::appointment::AppointmentStatus::CheckedIn
                    )
                {
                    row.push(InlineKeyboardButton::callback(
                        tr!(i18n, lang, "button-inspect-home", home = home.as_str()),
                        Callback::StartInspection(entry.household.unit.unit_id).encode(),
                    ));
                }
                if !row.is_empty() {
                    rows.push(row);
                }
            }
            let markup = (!rows.is_empty())
                .then(|| ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(rows)));
            turn.say_with(out, markup).await?;
        }
        // The early calls still owed to key households, after the day's visits.
        let calls = services.owed_calls(&turn.person.actor).await?;
        if !calls.is_empty() {
            let mut out = tr!(i18n, lang, "today-calls-title", count = calls.len());
            let mut rows = Vec::new();
            for (household, due) in calls.iter().take(20) {
                out.push('\n');
                out.push_str(&tr!(
                    i18n,
                    lang,
                    "today-call",
                    home = household.unit.short(),
                    names = crate::present::list(i18n, lang, &household.names),
                    due = due
                        .map(|d| d.with_timezone(&tz).present_month_day_time())
                        .unwrap_or_else(|| tr!(i18n, lang, "no-value"))
                ));
                rows.push(vec![InlineKeyboardButton::callback(
                    tr!(
                        i18n,
                        lang,
                        "button-call-home",
                        home = household.unit.short()
                    ),
                    Callback::CallStart(household.unit.unit_id).encode(),
                )]);
            }
            turn.say_with(
                out,
                Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(rows))),
            )
            .await?;
        }
    }
    if turn.person.actor.can_supervise() {
        let site = services.today_for_site(&turn.person.actor).await?;
        let mut out = tr!(i18n, lang, "site-title");
        if site.hours.is_empty() {
            out.push('\n');
            out.push_str(&tr!(i18n, lang, "today-none"));
        }
        for (hour, booked, arrived, no_shows) in &site.hours {
            out.push('\n');
            out.push_str(&tr!(
                i18n,
                lang,
                "site-hour",
                hour = crate::present::hour_of_day(*hour),
                booked = *booked,
                arrived = *arrived,
                no_shows = *no_shows
            ));
        }
        let rate = if site.visits.invited > 0 {
            format!(
                "{:.1}%",
                100.0 * site.visits.visited as f64 / site.visits.invited as f64
            )
        } else {
            tr!(i18n, lang, "no-value")
        };
        out.push('\n');
        out.push_str(&tr!(
            i18n,
            lang,
            "site-visit-rate",
            rate = rate,
            visited = site.visits.visited,
            invited = site.visits.invited
        ));
        turn.say(out).await?;
    }
    Ok(())
}

async fn answer(turn: &Turn, query: &CallbackQuery, text: String) -> anyhow::Result<()> {
    super::answer_query(turn, query, Some(text)).await
}

/// The answer for an outcome that changed nothing.
fn refusal(turn: &Turn, outcome: &BookOutcome) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match outcome {
        BookOutcome::Full => tr!(i18n, lang, "book-full"),
        BookOutcome::NotAvailable => tr!(i18n, lang, "book-not-available"),
        // Says which visit stands, so a co-owner pressing an old invitation sees why.
        BookOutcome::TooLate(slot) => tr!(
            i18n,
            lang,
            "book-too-late",
            when = slot_label(i18n, lang, slot, turn.ctx.services.config.timezone)
        ),
        BookOutcome::Closed => tr!(i18n, lang, "book-closed"),
        BookOutcome::NotOffered => tr!(i18n, lang, "book-not-offered"),
        BookOutcome::AlreadyIn(_) => tr!(i18n, lang, "checked-in-already"),
        BookOutcome::Over(status, slot) => {
            let when = slot_label(i18n, lang, slot, turn.ctx.services.config.timezone);
            if *status == crate::domain::appointment::AppointmentStatus::Completed {
                tr!(i18n, lang, "visit-completed", when = when)
            } else {
                tr!(i18n, lang, "visit-missed", when = when)
            }
        }
        BookOutcome::NotYours | BookOutcome::Booked(_) => tr!(i18n, lang, "book-not-yours"),
    }
}

pub async fn on_book(
    turn: &Turn,
    query: &CallbackQuery,
    appointment: i64,
    slot: i64,
) -> anyhow::Result<()> {
    let services = &turn.ctx.services;
    let outcome = services.book(&turn.person.actor, appointment, slot).await?;
    match &outcome {
        BookOutcome::Booked(slot) => {
            let when = slot_label(turn.i18n(), turn.lang(), slot, services.config.timezone);
            answer(
                turn,
                query,
                tr!(turn.i18n(), turn.lang(), "book-done-short", when = when),
            )
            .await?;
            remove_buttons(turn, query).await
        }
        BookOutcome::Full | BookOutcome::NotAvailable => {
            answer(turn, query, refusal(turn, &outcome)).await?;
            if matches!(outcome, BookOutcome::Full) {
                remove_buttons(turn, query).await?;
                services
                    .fresh_options(&turn.person.actor, appointment)
                    .await?;
            }
            Ok(())
        }
        _ => answer(turn, query, refusal(turn, &outcome)).await,
    }
}

pub async fn on_reschedule(
    turn: &Turn,
    query: &CallbackQuery,
    appointment: i64,
) -> anyhow::Result<()> {
    match turn
        .ctx
        .services
        .fresh_options(&turn.person.actor, appointment)
        .await?
    {
        None => {
            answer(
                turn,
                query,
                tr!(turn.i18n(), turn.lang(), "book-options-sent"),
            )
            .await
        }
        Some(outcome) => answer(turn, query, refusal(turn, &outcome)).await,
    }
}

pub async fn on_cancel_appointment(
    turn: &Turn,
    query: &CallbackQuery,
    appointment: i64,
) -> anyhow::Result<()> {
    let outcome = turn
        .ctx
        .services
        .cancel_appointment(&turn.person.actor, appointment)
        .await?;
    match outcome {
        BookOutcome::Closed => {
            answer(
                turn,
                query,
                tr!(turn.i18n(), turn.lang(), "book-cancelled-short"),
            )
            .await?;
            remove_buttons(turn, query).await?;
            turn.say(tr!(turn.i18n(), turn.lang(), "book-cancelled"))
                .await
        }
        other => answer(turn, query, refusal(turn, &other)).await,
    }
}

pub async fn on_other_time(
    turn: &Turn,
    query: &CallbackQuery,
    appointment: i64,
) -> anyhow::Result<()> {
    if turn
        .ctx
        .services
        .ask_for_call(&turn.person.actor, appointment)
        .await?
    {
        answer(
            turn,
            query,
            tr!(turn.i18n(), turn.lang(), "other-time-short"),
        )
        .await?;
        remove_buttons(turn, query).await?;
        turn.say(tr!(turn.i18n(), turn.lang(), "other-time")).await
    } else {
        answer(turn, query, refusal(turn, &BookOutcome::NotYours)).await
    }
}

pub async fn on_check_in(
    turn: &Turn,
    query: &CallbackQuery,
    appointment: i64,
) -> anyhow::Result<()> {
    let outcome = turn
        .ctx
        .services
        .check_in(&turn.person.actor, appointment)
        .await?;
    match outcome {
        BookOutcome::Booked(_) => {
            answer(
                turn,
                query,
                tr!(turn.i18n(), turn.lang(), "checked-in-short"),
            )
            .await?;
            // The buyer's welcome was queued with the check-in.
            if matches!(turn.person.actor, Actor::Buyer(_)) {
                remove_buttons(turn, query).await?;
            }
            Ok(())
        }
        BookOutcome::AlreadyIn(_) | BookOutcome::Over(..) => {
            answer(turn, query, refusal(turn, &outcome)).await?;
            remove_buttons(turn, query).await
        }
        other => answer(turn, query, refusal(turn, &other)).await,
    }
}
