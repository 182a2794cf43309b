//! `/rehearsal start [N] | report | end | leave` and the rehearsal link a volunteer opens.

use super::Turn;
use super::commands::Command;
use super::router::forbidden;
use crate::domain::people::Actor;
use crate::i18n::Arg;
use crate::services::rehearsal::{RehearsalJoin, RehearsalReport, RehearsalStart};
use crate::store::rehearsal::RehearsalHome;
use crate::tr;

pub(super) async fn on_rehearsal(turn: &Turn, args: &str) -> anyhow::Result<()> {
    // A volunteer playing a buyer is still staff for this command.
    let actor = match &turn.person.playing {
        Some(staff) => Actor::Staff(staff.clone()),
        None => turn.person.actor.clone(),
    };
    let mut words = args.split_whitespace();
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match (words.next(), words.next(), words.next()) {
        (Some("leave"), None, _) => {
            let left = turn
                .ctx
                .services
                .leave_rehearsal(turn.person.telegram_id)
                .await?;
            turn.dialogue.exit().await?;
            let key = if left {
                "rehearsal-left"
            } else {
                "rehearsal-not-playing"
            };
            turn.say(i18n.text(lang, key, &[])).await
        }
        _ if !actor.can_supervise() => turn.say(forbidden(turn, Command::Rehearsal)).await,
        (Some("start"), count, None) => {
            let count = match count.map(str::parse::<u32>) {
                None => None,
                Some(Ok(n)) if (1..=crate::services::rehearsal::MAX_HOMES).contains(&n) => Some(n),
                Some(_) => return turn.say(tr!(i18n, lang, "rehearsal-usage")).await,
            };
            let started = turn.ctx.services.start_rehearsal(&actor, count).await?;
            turn.say(started_text(turn, &started)).await
        }
        (Some("report"), None, _) => match turn.ctx.services.rehearsal_report(&actor).await? {
            Some(report) => turn.say(report_text(turn, &report, true)).await,
            None => turn.say(tr!(i18n, lang, "rehearsal-none")).await,
        },
        (Some("end"), None, _) => match turn.ctx.services.end_rehearsal(&actor).await? {
            Some(report) => {
                let ended = tr!(
                    i18n,
                    lang,
                    "rehearsal-ended",
                    count = report.homes.len() as i64
                );
                turn.say(format!("{}\n\n{ended}", report_text(turn, &report, false)))
                    .await
            }
            None => turn.say(tr!(i18n, lang, "rehearsal-none")).await,
        },
        _ => turn.say(tr!(i18n, lang, "rehearsal-usage")).await,
    }
}

/// A volunteer opened a rehearsal link (`/start reh_…`).
pub(super) async fn on_link(turn: &Turn, code: &str) -> anyhow::Result<()> {
    let staff = match (&turn.person.playing, &turn.person.actor) {
        (Some(staff), _) | (None, Actor::Staff(staff)) => Some(staff),
        _ => None,
    };
    let joined = turn
        .ctx
        .services
        .join_rehearsal(staff, turn.person.telegram_id, code)
        .await?;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let text = match joined {
        RehearsalJoin::Playing(home) => {
            turn.dialogue.exit().await?;
            tr!(i18n, lang, "rehearsal-joined", home = home)
        }
        RehearsalJoin::Taken => tr!(i18n, lang, "rehearsal-link-taken"),
        RehearsalJoin::OwnHousehold => tr!(i18n, lang, "rehearsal-link-own"),
        RehearsalJoin::NotStaff => tr!(i18n, lang, "rehearsal-link-staff-only"),
        RehearsalJoin::Unknown => tr!(i18n, lang, "rehearsal-link-unknown"),
    };
    turn.say(text).await
}

fn started_text(turn: &Turn, started: &RehearsalStart) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match started {
        RehearsalStart::AlreadyRunning(code) => {
            tr!(i18n, lang, "rehearsal-running", project = code.as_str())
        }
        RehearsalStart::NoAmbassadors => tr!(i18n, lang, "rehearsal-no-ambassadors"),
        RehearsalStart::Started { homes, slots, day } => {
            let lines: Vec<String> = homes
                .iter()
                .map(|(home, buyer, ambassador, code)| {
                    tr!(
                        i18n,
                        lang,
                        "rehearsal-home-link",
                        home = home.as_str(),
                        buyer = buyer.as_str(),
                        ambassador = ambassador.as_str(),
                        link = link(turn, code)
                    )
                })
                .collect();
            tr!(
                i18n,
                lang,
                "rehearsal-started",
                count = homes.len() as i64,
                slots = *slots as i64,
                day = day.format("%Y-%m-%d").to_string(),
                homes = Arg::Html(lines.join("\n"))
            )
        }
    }
}

/// The step a household reached, as its locale key.
fn stage_key(home: &RehearsalHome) -> &'static str {
    if home.handed_over_at.is_some() {
        "rehearsal-stage-handed-over"
    } else if home.handover_sent_at.is_some() {
        "rehearsal-stage-handover-sent"
    } else if home.walked_through_at.is_some() {
        "rehearsal-stage-walked-through"
    } else if home.checked_in_at.is_some() {
        "rehearsal-stage-checked-in"
    } else if home.booked_at.is_some() {
        "rehearsal-stage-booked"
    } else if home.joined_at.is_some() {
        "rehearsal-stage-joined"
    } else {
        "rehearsal-stage-waiting"
    }
}

/// The deep link that lets a volunteer play a household.
fn link(turn: &Turn, code: &str) -> String {
    format!("https://t.me/{}?start={code}", turn.ctx.bot_username)
}

/// The report; `with_links` while the rehearsal runs, so a household nobody opened yet can be
/// handed to another volunteer.
fn report_text(turn: &Turn, report: &RehearsalReport, with_links: bool) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let homes = &report.homes;
    let reached =
        |step: fn(&RehearsalHome) -> bool| homes.iter().filter(|h| step(h)).count() as i64;
    let minutes = |m: Option<i64>| match m {
        Some(m) => Arg::Number(m),
        None => Arg::Text("—".into()),
    };
    let lines: Vec<String> = homes
        .iter()
        .map(|home| {
            tr!(
                i18n,
                lang,
                "rehearsal-report-home",
                home = format!("{}-{}", home.building, home.room),
                player = match (&home.player, with_links) {
                    (Some(player), _) => player.clone(),
                    (None, true) => tr!(
                        i18n,
                        lang,
                        "rehearsal-nobody-link",
                        link = link(turn, &home.link_code)
                    ),
                    (None, false) => tr!(i18n, lang, "rehearsal-nobody"),
                },
                ambassador = home.ambassador.clone().unwrap_or_default(),
                stage = i18n.text(lang, stage_key(home), &[]),
                defects = home.defects
            )
        })
        .collect();
    tr!(
        i18n,
        lang,
        "rehearsal-report",
        project = report.rehearsal.code.as_str(),
        count = homes.len() as i64,
        joined = reached(|h| h.joined_at.is_some()),
        booked = reached(|h| h.booked_at.is_some()),
        checked_in = reached(|h| h.checked_in_at.is_some()),
        walked_through = reached(|h| h.walked_through_at.is_some()),
        handed_over = reached(|h| h.handed_over_at.is_some()),
        to_booking = minutes(report.median_minutes(|h| h.invited_at, |h| h.booked_at)),
        to_check_in = minutes(report.median_minutes(|h| h.booked_at, |h| h.checked_in_at)),
        to_walked = minutes(report.median_minutes(|h| h.checked_in_at, |h| h.walked_through_at)),
        to_handed_over =
            minutes(report.median_minutes(|h| h.walked_through_at, |h| h.handed_over_at)),
        defects = homes.iter().map(|h| h.defects).sum::<i64>(),
        stalled = report.stalled_dialogues,
        errors = report.rehearsal.errors,
        failed = report.failed_messages,
        homes = Arg::Html(lines.join("\n"))
    )
}
