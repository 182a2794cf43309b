//! Expert consultation (`/consult`, "ask an expert" under a buyer's message, the expert's
//! answer, "send to the buyer", "add to the answer library") and the decision group
//! (`/setgroup decision` in a group, "I take it", `/incidents`).

use super::callback::Callback;
use super::dialogue::State;
use super::{Ctx, TgBot, Turn, answer_query, button, keyboard, take_press};
use crate::domain::expert::ExpertField;
use crate::present::{Label as _, Times as _};
use crate::services::decisions::Taken;
use crate::services::experts::{ConsultAnswered, Consulted};
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardButton;

/// Longest question or expert answer kept (a Telegram message holds 4,096 characters, and the
/// household's context is added).
const MAX_CONSULT_CHARS: usize = 2000;

// ----- asking -------------------------------------------------------------------------------------

pub async fn on_consult(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let args = args.trim();
    let (word, question) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let (Some(field), question) = (ExpertField::from_words(word), question.trim()) else {
        return turn.say(usage(turn)).await;
    };
    if question.is_empty() || question.chars().count() > MAX_CONSULT_CHARS {
        return turn.say(usage(turn)).await;
    }
    let consulted = turn
        .answering()
        .consult(&turn.person.actor, field, question, None)
        .await?;
    say_consulted(turn, field, consulted).await
}

fn usage(turn: &Turn) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let fields: Vec<String> = ExpertField::ALL
        .iter()
        .map(|f| format!("{} ({})", f.label(i18n, lang), f.as_str()))
        .collect();
    tr!(
        i18n,
        lang,
        "consult-usage",
        fields = crate::present::list(i18n, lang, &fields),
        max = MAX_CONSULT_CHARS
    )
}

async fn say_consulted(
    turn: &Turn,
    field: ExpertField,
    consulted: Consulted,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    turn.say(match consulted {
        Consulted::Experts { id, count } => tr!(
            i18n,
            lang,
            "consult-sent",
            id = id,
            count = count,
            field = field.label(i18n, lang),
            hours = turn.ctx.services.config.consult_within.num_hours()
        ),
        Consulted::Supervisors { id } => tr!(
            i18n,
            lang,
            "consult-sent-supervisors",
            id = id,
            field = field.label(i18n, lang)
        ),
        Consulted::NotYours => tr!(i18n, lang, "household-not-yours-short"),
    })
    .await
}

/// "Ask an expert" under a buyer's message: which field?
pub async fn on_ask_button(turn: &Turn, query: &CallbackQuery, message: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if !matches!(turn.person.actor, crate::domain::people::Actor::Staff(_)) {
        return Err(super::router::refused());
    }
    answer_query(turn, query, None).await?;
    let rows: Vec<Vec<InlineKeyboardButton>> = ExpertField::ALL
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|f| button(f.label(i18n, lang), Callback::ConsultField(message, *f)))
                .collect()
        })
        .collect();
    turn.say_with(tr!(i18n, lang, "consult-which-field"), keyboard(rows))
        .await
}

pub async fn on_field_button(
    turn: &Turn,
    query: &CallbackQuery,
    message: i64,
    field: ExpertField,
) -> anyhow::Result<()> {
    let consulted = turn
        .answering()
        .consult_on_message(&turn.person.actor, message, field)
        .await?;
    take_press(turn, query).await?;
    say_consulted(turn, field, consulted).await
}

// ----- answering ----------------------------------------------------------------------------------

pub async fn on_answer_button(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let consultation = turn
        .ctx
        .services
        .consultation_to_answer(&turn.person.actor, id)
        .await?;
    let Some(consultation) = consultation else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
    };
    if consultation.answer.is_some() {
        return answer_query(
            turn,
            query,
            Some(tr!(i18n, lang, "consult-already-answered")),
        )
        .await;
    }
    answer_query(turn, query, None).await?;
    turn.dialogue
        .update(State::AnsweringConsultation { consultation: id })
        .await?;
    turn.say(tr!(
        i18n,
        lang,
        "consult-answer-enter",
        id = id,
        question = consultation.question.as_str()
    ))
    .await
}

pub async fn on_answer_text(turn: &Turn, id: i64, text: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_CONSULT_CHARS {
        return turn
            .say(tr!(i18n, lang, "text-invalid", max = MAX_CONSULT_CHARS))
            .await;
    }
    let answered = turn
        .answering()
        .answer_consultation(&turn.person.actor, id, text)
        .await?;
    turn.dialogue.exit().await?;
    turn.say(match answered {
        ConsultAnswered::Saved => tr!(i18n, lang, "consult-answer-saved", id = id),
        ConsultAnswered::AlreadyAnswered => tr!(i18n, lang, "consult-already-answered"),
        ConsultAnswered::NotYours => tr!(i18n, lang, "stale-button"),
    })
    .await
}

pub async fn on_send_button(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let sent = turn
        .answering()
        .send_consultation_answer(&turn.person.actor, id)
        .await?;
    let note = match sent {
        None => tr!(i18n, lang, "household-not-yours-short"),
        Some(0) => tr!(i18n, lang, "reply-nobody-linked"),
        Some(count) => tr!(i18n, lang, "reply-sent", count = count),
    };
    if sent.is_some_and(|n| n > 0) {
        take_press(turn, query).await?;
        return turn.say(note).await;
    }
    answer_query(turn, query, Some(note)).await
}

pub async fn on_library_button(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let made = turn
        .ctx
        .services
        .consultation_to_library(&turn.person.actor, id)
        .await?;
    let Some(answer) = made else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
    };
    take_press(turn, query).await?;
    turn.say(tr!(i18n, lang, "consult-in-library", answer = answer))
        .await
}

// ----- the decision group -------------------------------------------------------------------------

/// `/setgroup` in a group: a supervisor registers it as the decision group. Anyone else is
/// refused, politely, in the group.
pub async fn on_setgroup_in_group(
    bot: &TgBot,
    ctx: &Ctx,
    msg: &Message,
    args: &str,
) -> anyhow::Result<()> {
    let Some(from) = msg.from.as_ref() else {
        return Ok(());
    };
    let person = ctx
        .services
        .identify(i64::try_from(from.id.0)?, from.language_code.as_deref())
        .await?;
    let lang = person.lang;
    let text = if !person.actor.can_supervise() || person.access_ended {
        tr!(ctx.i18n, lang, "setgroup-not-allowed")
    } else if !matches!(
        args.trim().to_lowercase().as_str(),
        "decision" | "决策" | "决策组"
    ) {
        tr!(ctx.i18n, lang, "setgroup-usage")
    } else {
        let title = msg.chat.title().unwrap_or_default();
        ctx.services
            .register_decision_group(&person.actor, msg.chat.id.0, title)
            .await?;
        tr!(ctx.i18n, lang, "setgroup-decision-done")
    };
    super::send_html(ctx, bot, msg.chat.id, text, None).await
}

/// `/setgroup` in a private chat: it is sent in the group.
pub async fn on_setgroup(turn: &Turn) -> anyhow::Result<()> {
    turn.say(tr!(
        turn.i18n(),
        turn.lang(),
        "setgroup-in-group",
        bot = turn.ctx.bot_username.to_string()
    ))
    .await
}

pub async fn on_take_button(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let taken = turn
        .answering()
        .take_incident(&turn.person.actor, id, turn.chat.0)
        .await?;
    match taken {
        Taken::Now => {
            answer_query(
                turn,
                query,
                Some(tr!(i18n, lang, "incident-yours", id = id)),
            )
            .await?;
            super::remove_buttons(turn, query).await
        }
        Taken::Already(name) => {
            answer_query(
                turn,
                query,
                Some(tr!(i18n, lang, "incident-taken-by", id = id, name = name)),
            )
            .await
        }
        Taken::Closed | Taken::Gone => {
            answer_query(turn, query, Some(tr!(i18n, lang, "incident-closed-short"))).await
        }
    }
}

pub async fn on_close_button(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let closed = turn
        .ctx
        .services
        .close_incident(&turn.person.actor, id)
        .await?;
    let Some(closed) = closed else {
        let stale = tr!(turn.i18n(), turn.lang(), "stale-button");
        return answer_query(turn, query, Some(stale)).await;
    };
    let note = tr!(turn.i18n(), turn.lang(), "incident-closed-short");
    answer_query(turn, query, Some(note)).await?;
    if closed {
        super::remove_buttons(turn, query).await?;
    }
    Ok(())
}

pub async fn on_incidents(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let incidents = turn.ctx.services.incident_list(&turn.person.actor).await?;
    if incidents.is_empty() {
        return turn.say(tr!(i18n, lang, "incidents-none")).await;
    }
    let tz = turn.ctx.services.config.timezone;
    let mut text = tr!(i18n, lang, "incidents-title");
    for incident in &incidents {
        let state = match (&incident.owner_name, incident.closed) {
            (_, true) => tr!(i18n, lang, "incident-state-closed"),
            (Some(owner), false) => tr!(i18n, lang, "incident-state-taken", name = owner.as_str()),
            (None, false) => tr!(i18n, lang, "incident-state-open"),
        };
        text.push_str("\n\n");
        text.push_str(&tr!(
            i18n,
            lang,
            "incident-line",
            id = incident.id,
            at = incident
                .opened_at
                .with_timezone(&tz)
                .present_month_day_time(),
            state = state,
            summary = crate::i18n::Arg::Html(incident.summary(lang))
        ));
    }
    turn.say(text).await
}
