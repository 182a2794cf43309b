//! The answer library (统一说辞): supervisors' `/answers` (list, card, add, edit, retire), staff's
//! `/answer` and inline mode (`@bot 车位` in any chat), "send this answer" under a buyer's
//! relayed message, and the buyer's `/ask`.

use super::callback::Callback;
use super::dialogue::State;
use super::{Ctx, TgBot, Turn, answer_query, button, keyboard, take_press};
use crate::domain::flow::answer_entry::{self, AnswerField, Ask, FieldValue};
use crate::domain::flow::{Input, Next, Step};
use crate::domain::people::{Actor, Lang};
use crate::present::Times as _;
use crate::services::answers::{Asked, Edited};
use crate::store::answers::Answer;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{
    ChosenInlineResult, InlineKeyboardMarkup, InlineQuery, InlineQueryResult,
    InlineQueryResultArticle, InputMessageContent, InputMessageContentText,
};

/// At most this many characters of a text in a list or an inline result's description.
const SNIPPET_CHARS: usize = 80;

fn snippet(text: &str) -> String {
    crate::domain::text::clip(text, SNIPPET_CHARS).replace('\n', " ")
}

// ----- /answers ----------------------------------------------------------------------------------

pub async fn on_answers(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let words = args.trim();
    let lower = words.to_lowercase();
    if matches!(lower.as_str(), "add" | "添加" | "新增") {
        return apply_entry_step(turn, answer_entry::start()).await;
    }
    if matches!(lower.as_str(), "import" | "导入") {
        return turn.say(tr!(i18n, lang, "answers-import-help")).await;
    }
    if let Ok(id) = words.trim_start_matches('#').parse::<i64>() {
        return show_card(turn, id).await;
    }
    let answers = turn.ctx.services.answer_list(&turn.person.actor).await?;
    if answers.is_empty() {
        return turn.say(tr!(i18n, lang, "answers-none")).await;
    }
    let mut text = tr!(i18n, lang, "answers-title", count = answers.len());
    let mut rows = Vec::new();
    for answer in &answers {
        text.push('\n');
        text.push_str(&answer_line(turn, answer));
        if rows.len() < 30 {
            rows.push(vec![button(
                tr!(
                    i18n,
                    lang,
                    "button-answer-open",
                    id = answer.id,
                    question = snippet(&answer.question)
                ),
                Callback::AnswerOpen(answer.id),
            )]);
        }
    }
    text.push_str("\n\n");
    text.push_str(&tr!(i18n, lang, "answers-hint"));
    turn.say_with(text, keyboard(rows)).await
}

fn answer_line(turn: &Turn, answer: &Answer) -> String {
    tr!(
        turn.i18n(),
        turn.lang(),
        "answer-line",
        id = answer.id,
        question = answer.question.as_str(),
        version = answer.version,
        uses = answer.uses,
        buyers = if answer.buyers_may_see { "👁" } else { "" }
    )
}

async fn show_card(turn: &Turn, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let services = &turn.ctx.services;
    let Some((answer, _)) = services.answer_card(&turn.person.actor, id).await? else {
        return turn.say(tr!(i18n, lang, "answer-not-found")).await;
    };
    let tz = services.config.timezone;
    let none = || tr!(i18n, lang, "no-value");
    let text = tr!(
        i18n,
        lang,
        "answer-card",
        id = answer.id,
        question = answer.question.as_str(),
        keywords = if answer.keywords.is_empty() {
            none()
        } else {
            answer.keywords.join("、")
        },
        text_zh = answer.text_zh.as_str(),
        text_en = answer.text_en.clone().unwrap_or_else(none),
        scope = services.scope_words(lang, &answer.scope),
        risks = if answer.risks.is_empty() {
            none()
        } else {
            answer
                .risks
                .iter()
                .map(|r| format!("#{r}"))
                .collect::<Vec<_>>()
                .join(" ")
        },
        buyers = if answer.buyers_may_see {
            tr!(i18n, lang, "answer-buyers-yes")
        } else {
            tr!(i18n, lang, "answer-buyers-no")
        },
        version = answer.version,
        approved_by = answer.approved_by.as_str(),
        approved_at = answer
            .approved_at
            .with_timezone(&tz)
            .present_month_day_time(),
        uses = answer.uses
    );
    if answer.retired {
        let retired = tr!(i18n, lang, "answer-retired");
        return turn.say(format!("{text}\n{retired}")).await;
    }
    let edit = |field: AnswerField, key: &str| {
        button(
            i18n.text(lang, key, &[]),
            Callback::AnswerEdit(answer.id, field),
        )
    };
    let rows = vec![
        vec![
            edit(AnswerField::Question, "button-answer-edit-question"),
            edit(AnswerField::Keywords, "button-answer-edit-keywords"),
        ],
        vec![
            edit(AnswerField::TextZh, "button-answer-edit-zh"),
            edit(AnswerField::TextEn, "button-answer-edit-en"),
        ],
        vec![
            edit(AnswerField::Scope, "button-answer-edit-scope"),
            edit(AnswerField::Risks, "button-answer-edit-risks"),
        ],
        vec![button(
            if answer.buyers_may_see {
                tr!(i18n, lang, "button-answer-hide")
            } else {
                tr!(i18n, lang, "button-answer-show")
            },
            Callback::AnswerVisibility(answer.id, !answer.buyers_may_see),
        )],
        vec![
            button(
                tr!(i18n, lang, "button-answer-history"),
                Callback::AnswerHistory(answer.id),
            ),
            button(
                tr!(i18n, lang, "button-answer-retire"),
                Callback::AnswerRetire(answer.id, false),
            ),
        ],
    ];
    turn.say_with(text, keyboard(rows)).await
}

pub async fn on_open(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    crate::services::require_supervisor(&turn.person.actor)?;
    answer_query(turn, query, None).await?;
    show_card(turn, id).await
}

pub async fn on_history(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let services = &turn.ctx.services;
    let card = services.answer_card(&turn.person.actor, id).await?;
    answer_query(turn, query, None).await?;
    let Some((answer, history)) = card else {
        return turn.say(tr!(i18n, lang, "answer-not-found")).await;
    };
    let tz = services.config.timezone;
    let mut text = tr!(
        i18n,
        lang,
        "answer-history-title",
        id = answer.id,
        count = history.len()
    );
    for version in history.iter().rev() {
        text.push_str("\n\n");
        text.push_str(&tr!(
            i18n,
            lang,
            "answer-history-version",
            version = version.version,
            approved_by = version.approved_by.as_str(),
            approved_at = version
                .approved_at
                .with_timezone(&tz)
                .present_month_day_time(),
            question = version.question.as_str(),
            text = version.text_zh.as_str()
        ));
    }
    turn.say(text).await
}

pub async fn on_visibility(
    turn: &Turn,
    query: &CallbackQuery,
    id: i64,
    buyers_may_see: bool,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let answer = turn
        .ctx
        .services
        .set_answer_visibility(&turn.person.actor, id, buyers_may_see)
        .await?;
    take_press(turn, query).await?;
    match answer {
        Some(answer) if answer.buyers_may_see => {
            turn.say(tr!(i18n, lang, "answer-shown", id = id)).await
        }
        Some(_) => turn.say(tr!(i18n, lang, "answer-hidden", id = id)).await,
        None => turn.say(tr!(i18n, lang, "answer-not-found")).await,
    }
}

pub async fn on_retire(
    turn: &Turn,
    query: &CallbackQuery,
    id: i64,
    sure: bool,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if !sure {
        crate::services::require_supervisor(&turn.person.actor)?;
        answer_query(turn, query, None).await?;
        let row = vec![button(
            tr!(i18n, lang, "button-answer-retire-sure"),
            Callback::AnswerRetire(id, true),
        )];
        return turn
            .say_with(
                tr!(i18n, lang, "answer-retire-ask", id = id),
                keyboard(vec![row]),
            )
            .await;
    }
    let retired = turn
        .ctx
        .services
        .retire_answer(&turn.person.actor, id)
        .await?;
    take_press(turn, query).await?;
    if retired {
        turn.say(tr!(i18n, lang, "answer-retired-now", id = id))
            .await
    } else {
        turn.say(tr!(i18n, lang, "answer-not-found")).await
    }
}

// ----- changing one field (a new version) ----------------------------------------------------------

pub async fn on_edit(
    turn: &Turn,
    query: &CallbackQuery,
    id: i64,
    field: AnswerField,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let Some((answer, _)) = turn
        .ctx
        .services
        .answer_card(&turn.person.actor, id)
        .await?
        .filter(|(a, _)| !a.retired)
    else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
    };
    answer_query(turn, query, None).await?;
    turn.dialogue
        .update(State::EditingAnswer { answer: id, field })
        .await?;
    let current = match field {
        AnswerField::Question => answer.question.clone(),
        AnswerField::Keywords => answer.keywords.join("、"),
        AnswerField::TextZh => answer.text_zh.clone(),
        AnswerField::TextEn => answer.text_en.clone().unwrap_or_default(),
        AnswerField::Scope => turn.ctx.services.scope_words(lang, &answer.scope),
        AnswerField::Risks => answer
            .risks
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let prompt = match field {
        AnswerField::Question => "answer-ask-question",
        AnswerField::Keywords => "answer-ask-keywords",
        AnswerField::TextZh => "answer-ask-zh",
        AnswerField::TextEn => "answer-ask-en",
        AnswerField::Scope => "answer-ask-scope",
        AnswerField::Risks => "answer-ask-risks",
    };
    let mut text = i18n.text(lang, prompt, &[]);
    if !current.is_empty() {
        text.push('\n');
        text.push_str(&tr!(i18n, lang, "answer-current-value", value = current));
    }
    turn.say(text).await
}

pub async fn on_edit_text(
    turn: &Turn,
    id: i64,
    field: AnswerField,
    text: &str,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let value: FieldValue = match answer_entry::field_value(field, text) {
        Ok(value) => value,
        Err(invalid) => return say_ask(turn, &invalid.into()).await,
    };
    let edited = turn
        .answering()
        .edit_answer(&turn.person.actor, id, value)
        .await?;
    turn.dialogue.exit().await?;
    match edited {
        Edited::Version(version) => {
            turn.say(tr!(i18n, lang, "answer-edited", id = id, version = version))
                .await
        }
        Edited::Gone => turn.say(tr!(i18n, lang, "answer-not-found")).await,
    }
}

// ----- /answers add ------------------------------------------------------------------------------

pub async fn on_entry_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    button: answer_entry::Button,
) -> anyhow::Result<()> {
    let step = match state {
        State::AddingAnswer(draft) => answer_entry::next(draft, Input::Button(button)),
        _ => Step::stay(Ask::Stale),
    };
    if step.ask == Ask::Stale {
        let text = tr!(turn.i18n(), turn.lang(), "stale-button");
        return answer_query(turn, query, Some(text)).await;
    }
    take_press(turn, query).await?;
    apply_entry_step(turn, step).await
}

pub async fn on_entry_text(
    turn: &Turn,
    draft: answer_entry::AnswerDraft,
    text: &str,
) -> anyhow::Result<()> {
    apply_entry_step(
        turn,
        answer_entry::next(draft, Input::Text(text.to_string())),
    )
    .await
}

async fn apply_entry_step(
    turn: &Turn,
    step: Step<answer_entry::AnswerDraft, Ask>,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if let Ask::Save {
        draft,
        buyers_may_see,
    } = &step.ask
    {
        let added = turn
            .answering()
            .add_answer(&turn.person.actor, draft, *buyers_may_see)
            .await?;
        turn.dialogue.exit().await?;
        return match added {
            Some(id) => turn.say(tr!(i18n, lang, "answer-saved", id = id)).await,
            None => turn.say(tr!(i18n, lang, "stale-button")).await,
        };
    }
    match step.next {
        Next::Go(draft) => turn.dialogue.update(State::AddingAnswer(draft)).await?,
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    say_ask(turn, &step.ask).await
}

async fn say_ask(turn: &Turn, ask: &Ask) -> anyhow::Result<()> {
    use answer_entry::Button;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let skip = || {
        keyboard(vec![vec![button(
            tr!(i18n, lang, "button-skip"),
            Callback::AnswerEntry(Button::Skip),
        )]])
    };
    match ask {
        Ask::Question => turn.say(tr!(i18n, lang, "answer-ask-question")).await,
        Ask::Keywords => {
            turn.say_with(tr!(i18n, lang, "answer-ask-keywords"), skip())
                .await
        }
        Ask::TextZh => turn.say(tr!(i18n, lang, "answer-ask-zh")).await,
        Ask::TextEn => {
            turn.say_with(tr!(i18n, lang, "answer-ask-en"), skip())
                .await
        }
        Ask::Scope => {
            let row = vec![button(
                tr!(i18n, lang, "button-answer-whole-project"),
                Callback::AnswerEntry(Button::WholeProject),
            )];
            turn.say_with(tr!(i18n, lang, "answer-ask-scope"), keyboard(vec![row]))
                .await
        }
        Ask::BuyersMaySee => {
            let row = vec![
                button(
                    tr!(i18n, lang, "button-answer-buyers-yes"),
                    Callback::AnswerEntry(Button::BuyersMaySee(true)),
                ),
                button(
                    tr!(i18n, lang, "button-answer-buyers-no"),
                    Callback::AnswerEntry(Button::BuyersMaySee(false)),
                ),
            ];
            turn.say_with(tr!(i18n, lang, "answer-ask-buyers"), keyboard(vec![row]))
                .await
        }
        Ask::InvalidScope => turn.say(tr!(i18n, lang, "risk-scope-invalid")).await,
        Ask::InvalidRisks => turn.say(tr!(i18n, lang, "answer-risks-invalid")).await,
        Ask::InvalidText { max } => turn.say(tr!(i18n, lang, "text-invalid", max = *max)).await,
        Ask::UseButtons => turn.say(tr!(i18n, lang, "flow-use-buttons")).await,
        Ask::TextExpected | Ask::Stale => turn.say(tr!(i18n, lang, "note-text-expected")).await,
        Ask::Save { .. } => Ok(()),
    }
}

// ----- /answer ------------------------------------------------------------------------------------

/// Most answers `/answer` shows in full.
const SHOWN: usize = 3;

pub async fn on_answer(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let query = args.trim();
    if crate::domain::answer::normalize(query).is_empty() {
        return turn.say(tr!(i18n, lang, "answer-usage")).await;
    }
    let counted = format!("update:{}:find", turn.update_id);
    let mut found = turn
        .ctx
        .services
        .find_answers(&turn.person.actor, query, Some(&counted))
        .await?;
    if found.is_empty() {
        return turn
            .say(tr!(i18n, lang, "answer-nothing", query = query))
            .await;
    }
    found.truncate(SHOWN);
    let mut text = tr!(i18n, lang, "answer-found-title", query = query);
    for answer in &found {
        text.push_str("\n\n");
        text.push_str(&tr!(
            i18n,
            lang,
            "answer-found",
            id = answer.id,
            question = answer.question.as_str(),
            text = answer.text(lang)
        ));
    }
    text.push_str("\n\n");
    text.push_str(&tr!(
        i18n,
        lang,
        "answer-inline-hint",
        bot = turn.ctx.bot_username.to_string()
    ));
    turn.say(text).await
}

// ----- "send this answer" -------------------------------------------------------------------------

pub async fn on_send(
    turn: &Turn,
    query: &CallbackQuery,
    unit: i64,
    answer: i64,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let sent = turn
        .answering()
        .send_answer(&turn.person.actor, unit, answer)
        .await?;
    let note = match sent {
        None => tr!(i18n, lang, "household-not-yours-short"),
        Some(0) => tr!(i18n, lang, "reply-nobody-linked"),
        Some(count) => tr!(i18n, lang, "reply-sent", count = count),
    };
    answer_query(turn, query, Some(note.clone())).await?;
    if sent.is_some_and(|n| n > 0) {
        // Sent: the button goes, the Reply button stays for a follow-up.
        if let Some(message) = query.regular_message() {
            let reply = InlineKeyboardMarkup::new(vec![vec![button(
                tr!(i18n, lang, "button-reply"),
                Callback::Reply(unit),
            )]]);
            super::edited(
                turn.bot
                    .edit_message_reply_markup(message.chat.id, message.id)
                    .reply_markup(reply)
                    .await,
            )?;
        }
        turn.say(note).await?;
    }
    Ok(())
}

// ----- the buyer's /ask ---------------------------------------------------------------------------

pub async fn on_ask(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let question = args.trim();
    if question.is_empty() {
        turn.dialogue.update(State::AwaitingQuestion).await?;
        return turn.say(tr!(turn.i18n(), turn.lang(), "ask-enter")).await;
    }
    on_question(turn, question).await
}

pub async fn on_question(turn: &Turn, question: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let question = question.trim();
    if question.is_empty() || question.chars().count() > super::relay::MAX_RELAY_CHARS {
        return turn
            .say(tr!(
                i18n,
                lang,
                "relay-too-long",
                max = super::relay::MAX_RELAY_CHARS
            ))
            .await;
    }
    let asked = turn
        .answering()
        .buyer_ask(&turn.person.actor, lang, question)
        .await?;
    turn.dialogue.exit().await?;
    match asked {
        Asked::Answered(text) => turn.say(tr!(i18n, lang, "ask-answered", text = text)).await,
        Asked::Relayed(relayed) => super::relay::say_relayed(turn, relayed).await,
    }
}

// ----- inline mode ---------------------------------------------------------------------------------

/// Result ids: `answer.version.language`, at most 64 bytes as Telegram requires.
fn result_id(answer: &Answer, lang: Lang) -> String {
    format!("{}.{}.{}", answer.id, answer.version, lang.code())
}

fn parse_result_id(id: &str) -> Option<(i64, i64)> {
    let mut parts = id.split('.');
    let answer = parts.next()?.parse().ok()?;
    let version = parts.next()?.parse().ok()?;
    Some((answer, version))
}

fn article(answer: &Answer, lang: Lang, title: String) -> InlineQueryResult {
    let text = answer.text(lang).to_string();
    InlineQueryResult::Article(
        InlineQueryResultArticle::new(
            result_id(answer, lang),
            title,
            InputMessageContent::Text(InputMessageContentText::new(text.clone())),
        )
        .description(snippet(&text)),
    )
}

/// Someone typed `@bot words` in a chat. Staff get the matching answers (in their language,
/// and the other language's text where there is one); anyone else gets nothing. Results are
/// personal and never cached, so one person's results are never shown to another.
pub async fn on_inline_query(bot: &TgBot, ctx: &Ctx, query: &InlineQuery) -> anyhow::Result<()> {
    let telegram_id = i64::try_from(query.from.id.0)?;
    let person = ctx
        .services
        .identify(telegram_id, query.from.language_code.as_deref())
        .await?;
    let found = if matches!(person.actor, Actor::Staff(_)) && !person.access_ended {
        ctx.services
            .find_answers(&person.actor, &query.query, None)
            .await?
    } else {
        Vec::new()
    };
    let lang = person.lang;
    let other = match lang {
        Lang::ZhCn => Lang::En,
        Lang::En => Lang::ZhCn,
    };
    let mut results = Vec::new();
    for answer in &found {
        results.push(article(answer, lang, answer.question.clone()));
        if answer.text(other) != answer.text(lang) {
            let title = tr!(
                ctx.i18n,
                lang,
                "answer-inline-other-language",
                question = answer.question.as_str(),
                language = ctx.i18n.text(other, "language-name", &[])
            );
            results.push(article(answer, other, title));
        }
    }
    results.truncate(50);
    bot.answer_inline_query(query.id.clone(), results)
        .is_personal(true)
        .cache_time(0)
        .await?;
    Ok(())
}

/// A staff member sent one of the results: a use of that answer.
pub async fn on_chosen_inline_result(
    ctx: &Ctx,
    chosen: &ChosenInlineResult,
    update_id: i64,
) -> anyhow::Result<()> {
    let Some((answer, version)) = parse_result_id(&chosen.result_id) else {
        return Ok(());
    };
    let telegram_id = i64::try_from(chosen.from.id.0)?;
    let person = ctx.services.identify(telegram_id, None).await?;
    if !matches!(person.actor, Actor::Staff(_)) || person.access_ended {
        return Ok(());
    }
    ctx.services
        .inline_answer_chosen(
            &person.actor,
            answer,
            version,
            &format!("update:{update_id}:inline"),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_ids_read_back_and_stay_within_telegrams_64_bytes() {
        let answer = Answer {
            id: i64::MAX,
            project_id: 1,
            version: i64::MAX,
            question: "车位".into(),
            keywords: Vec::new(),
            text_zh: "答".into(),
            text_en: None,
            scope: crate::domain::risk::RiskScope::Project,
            risks: Vec::new(),
            buyers_may_see: false,
            approved_by: "staff:1".into(),
            approved_at: chrono::Utc::now(),
            retired: false,
            uses: 0,
        };
        let id = result_id(&answer, Lang::ZhCn);
        assert!(id.len() <= 64, "{id}");
        assert_eq!(parse_result_id(&id), Some((i64::MAX, i64::MAX)));
        assert_eq!(parse_result_id("x.1.en"), None);
    }
}
