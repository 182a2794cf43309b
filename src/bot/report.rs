//! A buyer's own report of a problem (room, description, photos), and the ambassador's review:
//! accept (with kind and urgency), merge into a recorded item, or reject with a reason.

use super::callback::{Callback, InspectAction};
use super::dialogue::State;
use super::{Turn, answer_query, inline_keyboard as keyboard};
use crate::domain::defect::{Category, Severity};
use crate::domain::flow::buyer_report::{self, Ask, ReportStep};
use crate::domain::flow::{Input, MAX_TEXT_CHARS, Next, Step};
use crate::present::Label;
use crate::services::defects::{Review, ReviewOutcome, defect_line};
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;

pub(super) async fn start(turn: &Turn, unit_id: i64) -> anyhow::Result<()> {
    apply(turn, None, buyer_report::start(unit_id)).await
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
    let step = buyer_report::from_photo(media.unit_id, &media.caption, media.sha256);
    apply(turn, None, step).await
}

/// The report's buttons (room, submit); only while reporting.
pub async fn on_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    callback: Callback,
) -> anyhow::Result<()> {
    let button = match callback {
        Callback::InspectRoom(room) => Some(buyer_report::Button::Room(room)),
        Callback::Inspect(InspectAction::Save) => Some(buyer_report::Button::Submit),
        _ => None,
    };
    let step = match (button, state) {
        (Some(button), State::Reporting(report)) => {
            buyer_report::next(report, Input::Button(button))
        }
        _ => Step::stay(Ask::Stale),
    };
    match &step.ask {
        Ask::Stale => {
            let stale = tr!(turn.i18n(), turn.lang(), "stale-button");
            answer_query(turn, query, Some(stale)).await
        }
        // The press is answered once the report is recorded.
        Ask::Submit { .. } => submit(turn, Some(query), step.ask).await,
        _ => {
            super::take_press(turn, query).await?;
            apply(turn, None, step).await
        }
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
    let State::Reporting(report) = state else {
        return Ok(());
    };
    let input = if report.takes_photos() {
        // Only a photo moves the report on now; anything else is not kept and not answered.
        let Some(sha256) = super::inspect::keep_photo(turn, msg).await? else {
            return Ok(());
        };
        Input::Photo {
            sha256,
            album: msg.media_group_id().map(|g| g.to_string()),
        }
    } else {
        match msg.text() {
            Some(text) => Input::Text(text.to_string()),
            None => Input::Other,
        }
    };
    apply(turn, Some(msg), buyer_report::next(report, input)).await
}

/// Records the report (the press, when it was one, is answered after the record).
async fn submit(turn: &Turn, query: Option<&CallbackQuery>, ask: Ask) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let Ask::Submit {
        unit_id,
        room,
        text,
        photos,
    } = ask
    else {
        return Ok(());
    };
    // The step ends with the record (see `Turn::answering`).
    let id = turn
        .answering()
        .report_defect(&turn.person.actor, unit_id, room, &text, &photos)
        .await?;
    turn.dialogue.exit().await?;
    if let Some(query) = query {
        super::take_press(turn, query).await?;
    }
    match id {
        Some(id) => {
            let markup = super::with_page_button(
                None,
                tr!(i18n, lang, "button-mark-on-plan"),
                turn.ctx.services.pin_page(id).await?,
            );
            turn.say_with(tr!(i18n, lang, "report-sent"), markup).await
        }
        None => turn.say(tr!(i18n, lang, "stale-button")).await,
    }
}

/// Carries out one step of the report: stores the state and says what the flow asks. `msg` is
/// the photo being acknowledged, when the step took one.
async fn apply(turn: &Turn, msg: Option<&Message>, step: ReportStep) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if matches!(step.ask, Ask::Submit { .. }) {
        return submit(turn, None, step.ask).await;
    }
    match step.next {
        Next::Go(report) => turn.dialogue.update(State::Reporting(report)).await?,
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    match step.ask {
        Ask::Room => {
            let rows = super::inspect::room_rows(turn);
            turn.say_with(tr!(i18n, lang, "report-room"), keyboard(rows))
                .await
        }
        Ask::Describe(room) => {
            turn.say(tr!(
                i18n,
                lang,
                "report-describe",
                room = room.label(i18n, lang)
            ))
            .await
        }
        Ask::Photos => {
            turn.say_with(tr!(i18n, lang, "report-photos"), submit_keyboard(turn))
                .await
        }
        Ask::PhotoReceived { count } => {
            let text = tr!(i18n, lang, "report-photo-received", count = count);
            match msg {
                // An album is acknowledged once.
                Some(msg) => {
                    super::album::answer_photo(turn, msg, text, submit_keyboard(turn)).await
                }
                None => turn.say_with(text, submit_keyboard(turn)).await,
            }
        }
        Ask::InvalidText => {
            turn.say(tr!(i18n, lang, "note-invalid", max = MAX_TEXT_CHARS))
                .await
        }
        Ask::UseButtons => turn.say(tr!(i18n, lang, "inspect-buttons-hint")).await,
        Ask::TextExpected => turn.say(tr!(i18n, lang, "report-text-expected")).await,
        Ask::Nothing => Ok(()),
        Ask::Stale | Ask::Submit { .. } => turn.say(tr!(i18n, lang, "stale-button")).await,
    }
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
                    tr!(
                        i18n,
                        lang,
                        "button-merge-candidate",
                        number = i + 1,
                        id = d.id
                    ),
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

#[cfg(test)]
mod tests {
    use super::super::dialogue::{State, decode};
    use crate::domain::defect::Room;
    use crate::domain::flow::buyer_report::Report;

    /// A report stored before the flow moved to `domain::flow` reads back as the same report
    /// and is stored again byte for byte as it was.
    #[test]
    fn a_stored_report_keeps_its_form() {
        let old = r#"{"step":"reporting","unit_id":7,"room":"kitchen","text":"leak","photos":["a","b"],"album":"g1"}"#;
        let state = decode(Some(old)).expect("decodable").expect("a state");
        let expected = State::Reporting(Report {
            unit_id: 7,
            room: Some(Room::Kitchen),
            text: Some("leak".into()),
            photos: vec!["a".into(), "b".into()],
            album: Some("g1".into()),
        });
        assert_eq!(state, expected);
        assert_eq!(serde_json::to_string(&state).expect("encodable"), old);

        let fresh =
            r#"{"step":"reporting","unit_id":7,"room":null,"text":null,"photos":[],"album":null}"#;
        let state = decode(Some(fresh)).expect("decodable").expect("a state");
        assert_eq!(serde_json::to_string(&state).expect("encodable"), fresh);
        // Fields added over time may be missing from older rows.
        let oldest = decode(Some(r#"{"step":"reporting","unit_id":7}"#));
        assert_eq!(oldest.expect("decodable"), Some(state));
    }
}
