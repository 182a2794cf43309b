//! After the keys: answers to follow-ups (the D+7 check, the survey), /stop and /resume,
//! the buyer's /complain, and reception's /complaints with acknowledgement.

use super::callback::Callback;
use super::dialogue::State;
use super::{Turn, answer_query, inline_keyboard as keyboard};
use crate::domain::aftercare::{Level, Topic};
use crate::domain::flow::complaint::{self, Ask};
use crate::domain::flow::{Input, MAX_TEXT_CHARS, Next, Step};
use crate::i18n::Arg;
use crate::present::Times as _;
use crate::present::{self, Label};
use crate::services::ServiceError;
use crate::services::complaints::Ack;
use crate::services::followup::{CheckOutcome, SurveyOutcome};
use crate::tr;
use teloxide::prelude::*;

/// "All good" / "something's wrong" on the D+7 check.
pub async fn on_check(
    turn: &Turn,
    query: &CallbackQuery,
    id: i64,
    all_good: bool,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match turn
        .ctx
        .services
        .answer_check(&turn.person.actor, id, all_good)
        .await?
    {
        // The thanks was queued with the answer.
        CheckOutcome::Thanks => super::take_press(turn, query).await,
        CheckOutcome::Report(unit) => {
            super::take_press(turn, query).await?;
            super::report::start(turn, unit).await
        }
        CheckOutcome::Stale => {
            answer_query(turn, query, Some(tr!(i18n, lang, "followup-answered"))).await
        }
        CheckOutcome::NotYours => {
            answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await
        }
    }
}

/// A score on the satisfaction survey; then an optional comment.
pub async fn on_survey(
    turn: &Turn,
    query: &CallbackQuery,
    id: i64,
    score: u8,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match turn
        .ctx
        .services
        .answer_survey(&turn.person.actor, id, score)
        .await?
    {
        SurveyOutcome::Recorded => {
            super::take_press(turn, query).await?;
            turn.dialogue
                .update(State::AwaitingSurveyComment { follow_up: id })
                .await?;
            turn.say_with(
                tr!(i18n, lang, "survey-thanks", score = i64::from(score)),
                keyboard(vec![vec![(
                    tr!(i18n, lang, "button-survey-skip"),
                    Callback::SurveySkip(id),
                )]]),
            )
            .await
        }
        SurveyOutcome::Already => {
            super::take_press(turn, query).await?;
            turn.say(tr!(i18n, lang, "followup-answered")).await
        }
        SurveyOutcome::Stale => {
            answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await
        }
    }
}

pub async fn on_survey_skip(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    id: i64,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if state != (State::AwaitingSurveyComment { follow_up: id }) {
        return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
    }
    super::take_press(turn, query).await?;
    // Thanks before leaving the state: a crash in between repeats the thanks when the press is
    // handled again, instead of answering it as stale.
    turn.say(tr!(i18n, lang, "survey-done")).await?;
    Ok(turn.dialogue.exit().await?)
}

pub async fn on_survey_comment(turn: &Turn, id: i64, text: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return turn
            .say(tr!(i18n, lang, "note-invalid", max = MAX_TEXT_CHARS))
            .await;
    }
    turn.ctx
        .services
        .survey_comment(&turn.person.actor, id, text)
        .await?;
    turn.dialogue.exit().await?;
    turn.say(tr!(i18n, lang, "survey-done")).await
}

/// `/stop` and `/resume`.
pub async fn on_stop(turn: &Turn, stop: bool) -> anyhow::Result<()> {
    turn.ctx
        .services
        .set_follow_ups_stopped(&turn.person.actor, turn.person.telegram_id, stop)
        .await?;
    let key = if stop { "stop-done" } else { "resume-done" };
    turn.say(turn.i18n().text(turn.lang(), key, &[])).await
}

// ----- complaints ------------------------------------------------------------------------------

/// `/complain`: which home (when several), then topic, level and the words.
pub async fn on_complain(turn: &Turn) -> anyhow::Result<()> {
    let question = tr!(turn.i18n(), turn.lang(), "complain-which-home");
    match super::buyer_home(turn, question, Callback::ComplainHome).await? {
        Some(unit) => ask_topic(turn, unit).await,
        None => Ok(()),
    }
}

async fn ask_topic(turn: &Turn, unit: i64) -> anyhow::Result<()> {
    apply(turn, complaint::start(unit)).await
}

pub async fn on_home_button(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    if super::own_home_pressed(turn, query, unit).await? {
        ask_topic(turn, unit).await?;
    }
    Ok(())
}

/// The topic and level buttons; they act on the complaint being filed only.
pub async fn on_complain_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    callback: Callback,
) -> anyhow::Result<()> {
    let button = match callback {
        Callback::ComplainTopic(topic) => Some(complaint::Button::Topic(topic)),
        Callback::ComplainLevel(level) => Some(complaint::Button::Level(level)),
        _ => None,
    };
    let step = match (button, state) {
        (Some(button), State::Complaining(filing)) => {
            complaint::next(filing, Input::Button(button))
        }
        _ => Step::stay(Ask::Stale),
    };
    if step.ask == Ask::Stale {
        let stale = tr!(turn.i18n(), turn.lang(), "stale-button");
        return answer_query(turn, query, Some(stale)).await;
    }
    super::take_press(turn, query).await?;
    apply(turn, step).await
}

/// The complaint's words: files it.
pub async fn on_complain_text(turn: &Turn, state: State, text: &str) -> anyhow::Result<()> {
    let State::Complaining(filing) = state else {
        return Ok(());
    };
    apply(turn, complaint::next(filing, Input::Text(text.to_string()))).await
}

/// Carries out one step of the complaint: files it when it is complete, stores the state and
/// says what the flow asks.
async fn apply(turn: &Turn, step: Step<complaint::Complaint, Ask>) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if let Ask::File {
        unit,
        topic,
        level,
        text,
    } = &step.ask
    {
        // The step ends with the record (see `Turn::answering`).
        let filed = turn
            .answering()
            .file_complaint(&turn.person.actor, *unit, *topic, *level, text)
            .await?;
        turn.dialogue.exit().await?;
        let Some(filed) = filed else {
            return turn.say(tr!(i18n, lang, "stale-button")).await;
        };
        let tz = turn.ctx.services.config.timezone;
        return turn
            .say(tr!(
                i18n,
                lang,
                "complain-filed",
                id = filed.id,
                topic = topic.label(i18n, lang),
                level = level.label(i18n, lang),
                due = filed.ack_due.with_timezone(&tz).present_date_time()
            ))
            .await;
    }
    match step.next {
        Next::Go(state) => turn.dialogue.update(State::Complaining(state)).await?,
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    match step.ask {
        Ask::Topic => {
            let rows = Topic::ALL
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .map(|t| (t.label(i18n, lang), Callback::ComplainTopic(*t)))
                        .collect()
                })
                .collect();
            turn.say_with(tr!(i18n, lang, "complain-topic"), keyboard(rows))
                .await
        }
        Ask::Level(topic) => {
            let rows = vec![
                Level::ALL
                    .iter()
                    .map(|l| (l.label(i18n, lang), Callback::ComplainLevel(*l)))
                    .collect(),
            ];
            turn.say_with(
                tr!(
                    i18n,
                    lang,
                    "complain-level",
                    topic = topic.label(i18n, lang)
                ),
                keyboard(rows),
            )
            .await
        }
        Ask::Describe => turn.say(tr!(i18n, lang, "complain-describe")).await,
        Ask::InvalidText => {
            turn.say(tr!(i18n, lang, "note-invalid", max = MAX_TEXT_CHARS))
                .await
        }
        Ask::UseButtons => turn.say(tr!(i18n, lang, "inspect-buttons-hint")).await,
        Ask::TextExpected => turn.say(tr!(i18n, lang, "note-text-expected")).await,
        Ask::Stale | Ask::File { .. } => turn.say(tr!(i18n, lang, "stale-button")).await,
    }
}

/// `/complaints`: the ones nobody has acknowledged, each with its button.
pub async fn on_complaints(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let open = turn
        .ctx
        .services
        .open_complaints(&turn.person.actor)
        .await?;
    if open.is_empty() {
        return turn.say(tr!(i18n, lang, "complaints-none")).await;
    }
    let tz = turn.ctx.services.config.timezone;
    let now = turn.ctx.services.clock.now();
    let mut text = tr!(i18n, lang, "complaints-title", count = open.len());
    let mut rows = Vec::new();
    for (complaint, household) in open.iter().take(20) {
        let due = complaint
            .ack_due_at
            .with_timezone(&tz)
            .present_month_day_time();
        let due = if complaint.ack_due_at <= now {
            tr!(i18n, lang, "complaint-ack-late", due = due)
        } else {
            due
        };
        let line = present::parts(
            i18n,
            lang,
            [
                tr!(
                    i18n,
                    lang,
                    "item-ref",
                    id = complaint.id,
                    home = household.unit.short()
                ),
                complaint.topic.label(i18n, lang),
                complaint.level.label(i18n, lang),
            ],
        );
        text.push('\n');
        text.push_str(&tr!(
            i18n,
            lang,
            "complaint-line",
            line = Arg::Html(present::with_detail(i18n, lang, &line, &due)),
            text = complaint.text.as_str()
        ));
        rows.push(vec![(
            tr!(i18n, lang, "button-ack-complaint", id = complaint.id),
            Callback::ComplaintAck(complaint.id),
        )]);
    }
    turn.say_with(text, keyboard(rows)).await
}

pub async fn on_ack(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match turn
        .ctx
        .services
        .acknowledge_complaint(&turn.person.actor, id)
        .await
    {
        Ok(Ack::Done) => {
            answer_query(turn, query, None).await?;
            // A single complaint's message loses its button; the /complaints list keeps the
            // others' (pressing one again says it was acknowledged).
            let single = query
                .regular_message()
                .and_then(|m| m.reply_markup())
                .is_some_and(|k| k.inline_keyboard.len() == 1);
            if single {
                super::remove_buttons(turn, query).await?;
            }
            turn.say(tr!(i18n, lang, "complaint-ack-done", id = id))
                .await
        }
        Ok(Ack::Already) => {
            super::take_press(turn, query).await?;
            turn.say(tr!(i18n, lang, "complaint-ack-already", id = id))
                .await
        }
        Ok(Ack::NotFound) | Err(ServiceError::Forbidden) => {
            answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::dialogue::{State, decode};
    use crate::domain::aftercare::{Level, Topic};
    use crate::domain::flow::complaint::Complaint;

    /// A complaint stored before the flow moved to `domain::flow` reads back as the same
    /// complaint and is stored again byte for byte as it was.
    #[test]
    fn a_stored_complaint_keeps_its_form() {
        let old = r#"{"step":"complaining","unit":3,"topic":"leakage","level":"major"}"#;
        let state = decode(Some(old)).expect("decodable").expect("a state");
        let expected = State::Complaining(Complaint {
            unit: 3,
            topic: Some(Topic::Leakage),
            level: Some(Level::Major),
        });
        assert_eq!(state, expected);
        assert_eq!(serde_json::to_string(&state).expect("encodable"), old);

        let fresh = r#"{"step":"complaining","unit":3,"topic":null,"level":null}"#;
        let state = decode(Some(fresh)).expect("decodable").expect("a state");
        assert_eq!(serde_json::to_string(&state).expect("encodable"), fresh);
        let oldest = decode(Some(r#"{"step":"complaining","unit":3}"#));
        assert_eq!(oldest.expect("decodable"), Some(state));
    }
}
