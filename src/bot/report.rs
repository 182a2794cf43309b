//! A buyer's own report of a problem (room, description, photos), and the ambassador's review:
//! accept (with kind and urgency), merge into a recorded item, or reject with a reason.

use super::callback::{Callback, InspectAction};
use super::dialogue::State;
use super::{Turn, answer_query, inline_keyboard as keyboard};
use crate::domain::defect::{Category, Room, Severity};
use crate::present::Label;
use crate::services::defects::{Review, ReviewOutcome, defect_line};
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;

/// Longest description or reason kept.
const MAX_TEXT_CHARS: usize = 1000;

async fn ask_room(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let rows = Room::ALL
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|r| (r.label(i18n, lang), Callback::InspectRoom(*r)))
                .collect()
        })
        .collect();
    turn.say_with(tr!(i18n, lang, "report-room"), keyboard(rows))
        .await
}

pub(super) async fn start(turn: &Turn, unit_id: i64) -> anyhow::Result<()> {
    turn.dialogue
        .update(State::Reporting {
            unit_id,
            room: None,
            text: None,
            photos: Vec::new(),
            album: None,
        })
        .await?;
    ask_room(turn).await
}

/// `/report`.
pub async fn on_report(turn: &Turn) -> anyhow::Result<()> {
    let question = tr!(turn.i18n(), turn.lang(), "report-which-home");
    match super::buyer_home(turn, question, Callback::ReportHome).await? {
        Some(unit) => start(turn, unit).await,
        None => Ok(()),
    }
}

pub async fn on_home_button(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    if super::own_home_pressed(turn, query, unit).await? {
        start(turn, unit).await?;
    }
    Ok(())
}

/// "Report this as a problem" on a photo the buyer sent outside any flow: the report starts
/// with that photo and its caption as the description; the room is asked next.
pub async fn on_relayed_button(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let Some(media) = turn
        .ctx
        .services
        .relayed_photo(&turn.person.actor, turn.person.telegram_id, id)
        .await?
    else {
        return answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
        )
        .await;
    };
    super::take_press(turn, query).await?;
    turn.dialogue
        .update(State::Reporting {
            unit_id: media.unit_id,
            room: None,
            text: Some(media.caption.chars().take(MAX_TEXT_CHARS).collect()),
            photos: vec![media.sha256],
            album: None,
        })
        .await?;
    ask_room(turn).await
}

/// The report's buttons (room, submit); only while reporting.
pub async fn on_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    callback: Callback,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match (callback, state) {
        (
            Callback::InspectRoom(room),
            State::Reporting {
                unit_id,
                room: None,
                text,
                photos,
                ..
            },
        ) => {
            super::take_press(turn, query).await?;
            // A report started from a photo already has its description and photo.
            let described = text.is_some();
            let count = photos.len();
            turn.dialogue
                .update(State::Reporting {
                    unit_id,
                    room: Some(room),
                    text,
                    photos,
                    album: None,
                })
                .await?;
            if described {
                return turn
                    .say_with(
                        tr!(i18n, lang, "report-photo-received", count = count),
                        submit_keyboard(turn),
                    )
                    .await;
            }
            turn.say(tr!(
                i18n,
                lang,
                "report-describe",
                room = room.label(i18n, lang)
            ))
            .await
        }
        (
            Callback::Inspect(InspectAction::Save),
            State::Reporting {
                unit_id,
                room: Some(room),
                text: Some(text),
                photos,
                ..
            },
        ) => {
            // The step ends with the record (see `Turn::answering`).
            let id = turn
                .answering()
                .report_defect(&turn.person.actor, unit_id, room, &text, &photos)
                .await?;
            turn.dialogue.exit().await?;
            super::take_press(turn, query).await?;
            match id {
                Some(_) => turn.say(tr!(i18n, lang, "report-sent")).await,
                None => turn.say(tr!(i18n, lang, "stale-button")).await,
            }
        }
        _ => answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await,
    }
}

fn submit_keyboard(turn: &Turn) -> Option<ReplyMarkup> {
    keyboard(vec![vec![(
        tr!(turn.i18n(), turn.lang(), "button-report-submit"),
        Callback::Inspect(InspectAction::Save),
    )]])
}

/// Messages while reporting: the description, then photos.
pub async fn on_message(turn: &Turn, msg: &Message, state: State) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let State::Reporting {
        unit_id,
        room,
        text,
        mut photos,
        album,
    } = state
    else {
        return Ok(());
    };
    let Some(room) = room else {
        return turn.say(tr!(i18n, lang, "inspect-buttons-hint")).await;
    };
    if text.is_none() {
        return match msg.text() {
            Some(t) if !t.trim().is_empty() && t.trim().chars().count() <= MAX_TEXT_CHARS => {
                turn.dialogue
                    .update(State::Reporting {
                        unit_id,
                        room: Some(room),
                        text: Some(t.trim().to_string()),
                        photos,
                        album,
                    })
                    .await?;
                turn.say_with(tr!(i18n, lang, "report-photos"), submit_keyboard(turn))
                    .await
            }
            Some(_) => {
                turn.say(tr!(i18n, lang, "note-invalid", max = MAX_TEXT_CHARS))
                    .await
            }
            None => turn.say(tr!(i18n, lang, "report-text-expected")).await,
        };
    }
    let Some(sha) = super::inspect::keep_photo(turn, msg).await? else {
        return Ok(());
    };
    if !photos.contains(&sha) {
        photos.push(sha);
    }
    let group = msg.media_group_id().map(|g| g.to_string());
    let count = photos.len();
    turn.dialogue
        .update(State::Reporting {
            unit_id,
            room: Some(room),
            text,
            photos,
            album: group,
        })
        .await?;
    super::album::answer_photo(
        turn,
        msg,
        tr!(i18n, lang, "report-photo-received", count = count),
        submit_keyboard(turn),
    )
    .await
}

// ----- the review ------------------------------------------------------------------------------

async fn done(turn: &Turn, query: &CallbackQuery, outcome: ReviewOutcome) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match outcome {
        ReviewOutcome::Done(_) => {
            super::take_press(turn, query).await?;
            turn.say(tr!(i18n, lang, "review-done")).await
        }
        ReviewOutcome::Already { by } => {
            answer_query(
                turn,
                query,
                Some(tr!(i18n, lang, "review-already", name = by)),
            )
            .await
        }
        ReviewOutcome::NotYours => {
            answer_query(turn, query, Some(tr!(i18n, lang, "review-not-yours"))).await
        }
    }
}

pub async fn on_review_button(
    turn: &Turn,
    query: &CallbackQuery,
    callback: Callback,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let services = &turn.ctx.services;
    let actor = &turn.person.actor;
    match callback {
        Callback::ReviewAccept(id) => {
            if services.merge_candidates(actor, id).await?.is_none() {
                return answer_query(turn, query, Some(tr!(i18n, lang, "review-not-yours"))).await;
            }
            answer_query(turn, query, None).await?;
            let rows = Category::ALL
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .map(|c| (c.label(i18n, lang), Callback::ReviewKind(id, *c)))
                        .collect()
                })
                .collect();
            turn.say_with(tr!(i18n, lang, "review-kind"), keyboard(rows))
                .await
        }
        Callback::ReviewKind(id, category) => {
            if services.merge_candidates(actor, id).await?.is_none() {
                return answer_query(turn, query, Some(tr!(i18n, lang, "review-not-yours"))).await;
            }
            super::take_press(turn, query).await?;
            let rows = vec![
                Severity::ALL
                    .iter()
                    .map(|s| {
                        (
                            s.label(i18n, lang),
                            Callback::ReviewUrgency(id, category, *s),
                        )
                    })
                    .collect(),
            ];
            turn.say_with(tr!(i18n, lang, "inspect-severity"), keyboard(rows))
                .await
        }
        Callback::ReviewUrgency(id, category, severity) => {
            let outcome = services
                .review_report(actor, id, Review::Accept { category, severity })
                .await?;
            done(turn, query, outcome).await
        }
        Callback::ReviewMerge(id) => {
            let Some(candidates) = services.merge_candidates(actor, id).await? else {
                return answer_query(turn, query, Some(tr!(i18n, lang, "review-not-yours"))).await;
            };
            answer_query(turn, query, None).await?;
            if candidates.is_empty() {
                return turn.say(tr!(i18n, lang, "review-nothing-to-merge")).await;
            }
            let mut text = tr!(i18n, lang, "review-merge-into");
            let mut rows = Vec::new();
            for (i, d) in candidates.iter().enumerate() {
                text.push('\n');
                text.push_str(&defect_line(i18n, lang, i + 1, d));
                rows.push(vec![(
                    format!("#{} ({})", i + 1, d.id),
                    Callback::ReviewMergeInto(id, d.id),
                )]);
            }
            turn.say_with(text, keyboard(rows)).await
        }
        Callback::ReviewMergeInto(id, into) => {
            let outcome = services
                .review_report(actor, id, Review::Merge { into })
                .await?;
            done(turn, query, outcome).await
        }
        Callback::ReviewReject(id) => {
            if services.merge_candidates(actor, id).await?.is_none() {
                return answer_query(turn, query, Some(tr!(i18n, lang, "review-not-yours"))).await;
            }
            answer_query(turn, query, None).await?;
            turn.dialogue
                .update(State::AwaitingRejectReason { defect: id })
                .await?;
            turn.say(tr!(i18n, lang, "review-reason")).await
        }
        _ => answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await,
    }
}

pub async fn on_reject_reason(turn: &Turn, defect: i64, text: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let reason = text.trim();
    if reason.is_empty() || reason.chars().count() > MAX_TEXT_CHARS {
        return turn
            .say(tr!(i18n, lang, "note-invalid", max = MAX_TEXT_CHARS))
            .await;
    }
    let outcome = turn
        .ctx
        .services
        .review_report(
            &turn.person.actor,
            defect,
            Review::Reject {
                reason: reason.to_string(),
            },
        )
        .await?;
    turn.dialogue.exit().await?;
    match outcome {
        ReviewOutcome::Done(_) => turn.say(tr!(i18n, lang, "review-done")).await,
        ReviewOutcome::Already { by } => {
            turn.say(tr!(i18n, lang, "review-already", name = by)).await
        }
        ReviewOutcome::NotYours => turn.say(tr!(i18n, lang, "review-not-yours")).await,
    }
}
