//! The Telegram transport: the handler tree, one module per role, keyboards, the callback
//! codec and dialogue storage. Handlers parse what arrived, call a service and render the
//! answer through i18n — nothing else.

mod aftercare;
mod album;
mod answers;
mod appointments;
mod assignment;
mod before_campaign;
mod buyer;
pub mod callback;
pub mod commands;
pub mod dialogue;
mod experts;
mod handover;
mod households;
mod inspect;
mod menu;
mod numbers;
mod plans;
mod rehearsal;
mod relay;
mod remediation;
mod report;
mod router;
mod start;
mod supervisor;

use crate::domain::people::Lang;
use crate::i18n::I18n;
use crate::services::Services;
use crate::services::people::Person;
use crate::tr;
use dialogue::{DbStorage, DialogueError, State};
use std::sync::Arc;
use teloxide::adaptors::CacheMe;
use teloxide::dispatching::UpdateHandler;
use teloxide::dispatching::dialogue::Dialogue;
use teloxide::prelude::*;
use teloxide::types::{ParseMode, ReplyMarkup};

pub use assignment::render_preview;
pub use menu::publish_default_commands;
pub use supervisor::render_import_outcome;

/// The bot as handlers use it, `getMe` cached. Sends take their turn from [`Ctx::pacer`]
/// first, which keeps Telegram's limits.
pub type TgBot = CacheMe<Bot>;

/// What every handler needs.
#[derive(Clone)]
pub struct Ctx {
    pub services: Services,
    /// Keeps received updates and marks handled ones (group commit).
    pub journal: crate::inbox::Journal,
    pub i18n: Arc<I18n>,
    pub bot_username: Arc<str>,
    pub dialogues: Arc<DbStorage>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Shared with the notifier: one bot, one set of limits.
    pub pacer: Arc<crate::notify::pace::Pacer>,
}

pub type ChatDialogue = Dialogue<State, DbStorage>;

/// The kinds of update the handler tree takes (Telegram sends no others).
pub const UPDATE_KINDS: [teloxide::types::AllowedUpdate; 4] = [
    teloxide::types::AllowedUpdate::Message,
    teloxide::types::AllowedUpdate::CallbackQuery,
    teloxide::types::AllowedUpdate::InlineQuery,
    teloxide::types::AllowedUpdate::ChosenInlineResult,
];

/// The handler tree.
pub fn schema() -> UpdateHandler<anyhow::Error> {
    // Updates handled before a restart are dropped on receipt (`inbox::Journaled`).
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_inline_query().endpoint(on_inline_query))
        .branch(Update::filter_chosen_inline_result().endpoint(on_chosen_inline_result))
}

/// Someone typed `@bot words` in any chat: answered within Telegram's 10 seconds, never
/// cached across people (see `answers::on_inline_query`).
async fn on_inline_query(
    bot: TgBot,
    query: teloxide::types::InlineQuery,
    update: Update,
    ctx: Ctx,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let handling = answers::on_inline_query(&bot, &ctx, &query);
    let result = crate::rehearsal::scope(None, handling).await;
    if let Err(error) = &result {
        tracing::warn!(%error, "answering an inline query failed");
    }
    mark_handled(&ctx, &update, None).await;
    ctx.metrics
        .update_handled("inline_query", started.elapsed());
    Ok(())
}

/// A staff member sent one of the inline results (Telegram reports it when inline feedback is
/// on): counted as a use of that answer.
async fn on_chosen_inline_result(
    chosen: teloxide::types::ChosenInlineResult,
    update: Update,
    ctx: Ctx,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let update_id = i64::from(update.id.0);
    let handling = answers::on_chosen_inline_result(&ctx, &chosen, update_id);
    let result = crate::rehearsal::scope(None, handling).await;
    mark_handled(&ctx, &update, None).await;
    ctx.metrics
        .update_handled("chosen_inline_result", started.elapsed());
    result
}

/// One person's conversation with the bot during one update: who they are and how to answer.
pub struct Turn {
    pub bot: TgBot,
    pub ctx: Ctx,
    pub chat: ChatId,
    pub person: Person,
    pub dialogue: ChatDialogue,
    /// The language of the person's Telegram app, a hint when they have not chosen one.
    pub telegram_language: Option<String>,
    /// The update being handled.
    pub update_id: i64,
    /// This update was handled before up to storing its conversation step, and its answer may
    /// never have gone out (the instance went down in between): the step is taken, and what
    /// it asks is to be asked again.
    pub step_taken_before: bool,
}

impl Turn {
    pub fn lang(&self) -> Lang {
        self.person.lang
    }

    pub fn i18n(&self) -> &I18n {
        &self.ctx.i18n
    }

    /// The use cases as they answer this update: one that ends the conversation step with its
    /// record takes the update in the record's transaction, so the record is made once however
    /// often the update is handled, and never lost to a step that ended without it.
    pub fn answering(&self) -> Services {
        self.ctx.services.answering(crate::services::Answering {
            update_id: self.update_id,
            chat_id: self.chat.0,
        })
    }

    /// Sends HTML text (split at line boundaries when longer than one message allows).
    pub async fn say(&self, html: String) -> anyhow::Result<()> {
        self.say_with(html, None).await
    }

    pub async fn say_with(&self, html: String, markup: Option<ReplyMarkup>) -> anyhow::Result<()> {
        send_html(&self.ctx, &self.bot, self.chat, html, markup).await
    }

    /// Sends a file (a PDF asked for) with an HTML caption, in this chat's turn.
    pub async fn send_file(
        &self,
        file: teloxide::types::InputFile,
        caption_html: String,
    ) -> anyhow::Result<()> {
        let _turn = self.ctx.pacer.turn(self.chat, 1).await;
        self.bot
            .send_document(self.chat, file)
            .caption(caption_html)
            .parse_mode(teloxide::types::ParseMode::Html)
            .await?;
        Ok(())
    }
}

/// Answers a button press, with a short notice if given (plain text, as Telegram shows it).
pub(crate) async fn answer_query(
    turn: &Turn,
    query: &CallbackQuery,
    text: Option<String>,
) -> anyhow::Result<()> {
    let mut request = turn.bot.answer_callback_query(query.id.clone());
    if let Some(text) = text {
        request = request.text(crate::i18n::plain_text(&text));
    }
    match request.await {
        Ok(_) => Ok(()),
        // A press handled again after a crash was answered before, or has waited too long to
        // be: Telegram refuses the answer, which then counts as given (the notice is a
        // courtesy), and the press is still handled.
        Err(teloxide::RequestError::Api(e)) if is_expired_query(&e) => {
            tracing::debug!(
                "Telegram no longer takes an answer to this press (answered before a restart, or too old)"
            );
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Telegram's "query is too old and response timeout expired or query ID is invalid", which
/// teloxide only recognises with a lower-case "id".
fn is_expired_query(error: &teloxide::ApiError) -> bool {
    match error {
        teloxide::ApiError::InvalidQueryId => true,
        teloxide::ApiError::Unknown(text) => text.contains("query is too old"),
        _ => false,
    }
}

/// An edit's outcome, where Telegram's "message is not modified" counts as done: the message
/// already shows it (the same page pressed again, a press from a screen that had not caught up,
/// or one Telegram delivers again after a crash).
pub(crate) fn edited<T>(result: Result<T, teloxide::RequestError>) -> anyhow::Result<()> {
    match result {
        Ok(_) | Err(teloxide::RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Takes the buttons off the message a button was pressed on, so it cannot be pressed again.
pub(crate) async fn remove_buttons(turn: &Turn, query: &CallbackQuery) -> anyhow::Result<()> {
    if let Some(message) = query.regular_message() {
        edited(
            turn.bot
                .edit_message_reply_markup(message.chat.id, message.id)
                .await,
        )?;
    }
    Ok(())
}

/// Answers a button press silently and takes the buttons off its message: the step is taken.
pub(crate) async fn take_press(turn: &Turn, query: &CallbackQuery) -> anyhow::Result<()> {
    answer_query(turn, query, None).await?;
    remove_buttons(turn, query).await
}

/// The buyer's home a flow is about: the only one (returned), or a question with a button per
/// home (`None`; the pressed button comes back through [`own_home_pressed`]).
pub(crate) async fn buyer_home(
    turn: &Turn,
    question: String,
    button: fn(i64) -> callback::Callback,
) -> anyhow::Result<Option<i64>> {
    let crate::domain::people::Actor::Buyer(homes) = &turn.person.actor else {
        return Ok(None);
    };
    if let [home] = homes.as_slice() {
        return Ok(Some(home.unit.unit_id));
    }
    let rows = homes
        .iter()
        .map(|h| vec![(h.unit.short(), button(h.unit.unit_id))])
        .collect();
    turn.say_with(question, inline_keyboard(rows)).await?;
    Ok(None)
}

/// A home button pressed: taken when the home is the buyer's, refused as stale otherwise.
pub(crate) async fn own_home_pressed(
    turn: &Turn,
    query: &CallbackQuery,
    unit: i64,
) -> anyhow::Result<bool> {
    let mine = matches!(&turn.person.actor,
        crate::domain::people::Actor::Buyer(homes) if homes.iter().any(|h| h.unit.unit_id == unit));
    if mine {
        take_press(turn, query).await?;
    } else {
        answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
        )
        .await?;
    }
    Ok(mine)
}

/// An inline keyboard of these rows; none when there are none.
pub(crate) fn keyboard(
    rows: Vec<Vec<teloxide::types::InlineKeyboardButton>>,
) -> Option<ReplyMarkup> {
    (!rows.is_empty())
        .then(|| ReplyMarkup::InlineKeyboard(teloxide::types::InlineKeyboardMarkup::new(rows)))
}

/// A button that sends `callback`.
pub(crate) fn button(
    label: String,
    callback: callback::Callback,
) -> teloxide::types::InlineKeyboardButton {
    teloxide::types::InlineKeyboardButton::callback(label, callback.encode())
}

/// An inline keyboard from rows of (label, button).
pub(crate) fn inline_keyboard(rows: Vec<Vec<(String, callback::Callback)>>) -> Option<ReplyMarkup> {
    Some(ReplyMarkup::InlineKeyboard(
        teloxide::types::InlineKeyboardMarkup::new(rows.into_iter().map(|row| {
            row.into_iter()
                .map(|(label, cb)| {
                    teloxide::types::InlineKeyboardButton::callback(label, cb.encode())
                })
                .collect::<Vec<_>>()
        })),
    ))
}

/// `markup` with a first row opening the Mini App page at `url`, when there is one.
pub(crate) fn with_page_button(
    markup: Option<ReplyMarkup>,
    label: String,
    url: Option<String>,
) -> Option<ReplyMarkup> {
    let Some(url) = url.and_then(|url| url::Url::parse(&url).ok()) else {
        return markup;
    };
    let button =
        teloxide::types::InlineKeyboardButton::web_app(label, teloxide::types::WebAppInfo { url });
    let mut rows = match markup {
        Some(ReplyMarkup::InlineKeyboard(keyboard)) => keyboard.inline_keyboard,
        _ => Vec::new(),
    };
    rows.insert(0, vec![button]);
    Some(ReplyMarkup::InlineKeyboard(
        teloxide::types::InlineKeyboardMarkup::new(rows),
    ))
}

/// Sends HTML to a chat; a text too long for one message goes out in parts, the keyboard on the
/// last. A 429 is waited out (the person is waiting for this answer) and counted.
pub async fn send_html(
    ctx: &Ctx,
    bot: &TgBot,
    chat: ChatId,
    html: String,
    markup: Option<ReplyMarkup>,
) -> anyhow::Result<()> {
    let html = crate::rehearsal::marked(html);
    let parts = crate::domain::text::split_lines(&html, crate::domain::text::MAX_MESSAGE_CHARS);
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.into_iter().enumerate() {
        let mut tries = 0;
        loop {
            let turn = ctx.pacer.turn(chat, 1).await;
            let mut request = bot
                .send_message(chat, part.clone())
                .parse_mode(ParseMode::Html);
            if i == last
                && let Some(markup) = markup.clone()
            {
                request = request.reply_markup(markup);
            }
            let sent = request.await;
            drop(turn);
            match sent {
                Ok(_) => break,
                Err(teloxide::RequestError::RetryAfter(wait)) if tries < 3 => {
                    tries += 1;
                    ctx.metrics.rate_limited();
                    tokio::time::sleep(wait.duration()).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

async fn load_turn(
    bot: TgBot,
    ctx: Ctx,
    chat: ChatId,
    from: &teloxide::types::User,
    update_id: i64,
) -> anyhow::Result<(Turn, State, bool)> {
    let telegram_id = i64::try_from(from.id.0)?;
    // The state is read with the person, in one transaction; changes go through `dialogue`.
    let (person, saved) = ctx
        .services
        .identify_in_chat(telegram_id, from.language_code.as_deref(), chat.0)
        .await?;
    let dialogue = ChatDialogue::new(ctx.dialogues.clone(), chat);
    let step_taken_before = saved.as_ref().is_some_and(|(_, by)| *by == Some(update_id));
    let saved = saved.map(|(state, _)| state);
    let (state, was_reset) = match dialogue::decode(saved.as_deref()) {
        Ok(state) => (state.unwrap_or_default(), false),
        Err(DialogueError::Undecodable) => {
            dialogue.exit().await?;
            (State::Idle, true)
        }
        Err(other) => return Err(other.into()),
    };
    let turn = Turn {
        bot,
        ctx,
        chat,
        person,
        dialogue,
        telegram_language: from.language_code.clone(),
        update_id,
        step_taken_before,
    };
    if was_reset {
        turn.say(tr!(turn.i18n(), turn.lang(), "dialogue-reset"))
            .await?;
    }
    Ok((turn, state, was_reset))
}

async fn mark_handled(ctx: &Ctx, update: &Update, chat: Option<ChatId>) {
    if let Err(error) = ctx
        .journal
        .done(i64::from(update.id.0), chat.map(|c| c.0))
        .await
    {
        tracing::error!(%error, "cannot record a handled update");
    }
}

/// Waits for chat `chat`'s turn to handle update `update_id`: one chat's updates are handled one
/// at a time and in the order they were sent, across instances too (this instance's dispatcher
/// already takes them so), so a state read, changed and written back by one handler is not
/// overwritten by another's (an album's photos arriving at several instances at once), and a
/// photo sent right after a button press is handled after it. A holder that died keeps it
/// until its lease runs out; after waiting that long in real time the update is handled anyway.
async fn take_turn(ctx: &Ctx, chat: ChatId, update_id: i64) -> bool {
    let limit = ctx
        .services
        .config
        .claim_lease
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(120));
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match ctx.services.take_chat_turn(chat.0, update_id).await {
            Ok(true) => return true,
            Ok(false) if started.elapsed() < limit => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_millis(100));
            }
            Ok(false) => {
                tracing::warn!(
                    "another instance held this chat's turn, or an older update of it waited, too long; handling anyway"
                );
                return false;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot take the chat's turn; handling anyway");
                return false;
            }
        }
    }
}

async fn give_turn(ctx: &Ctx, chat: ChatId, taken: bool) {
    if taken && let Err(error) = ctx.services.give_chat_turn(chat.0).await {
        tracing::warn!(%error, "cannot give the chat's turn back; it frees when its lease runs out");
    }
}

async fn on_message(bot: TgBot, msg: Message, update: Update, ctx: Ctx) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let chat = msg.chat.is_private().then_some(msg.chat.id);
    let chat_id = msg.chat.id;
    let update_id = i64::from(update.id.0);
    let turn = take_turn(&ctx, chat_id, update_id).await;
    let handling = handle_message(bot, msg, update_id, ctx.clone());
    let handling =
        crate::answering::scope(chat_id.0, crate::answering::handling(update_id, handling));
    let result = crate::rehearsal::scope(None, handling).await;
    give_turn(&ctx, chat_id, turn).await;
    mark_handled(&ctx, &update, chat).await;
    ctx.metrics.update_handled("message", started.elapsed());
    result
}

async fn handle_message(bot: TgBot, msg: Message, update_id: i64, ctx: Ctx) -> anyhow::Result<()> {
    if !msg.chat.is_private() {
        return router::group_chat(&bot, &ctx, &msg).await;
    }
    let Some(from) = msg.from.clone() else {
        return Ok(());
    };
    let (turn, state, _) = load_turn(bot, ctx, msg.chat.id, &from, update_id).await?;
    // Checked on every update: someone whose access ended changes nothing (sharing their
    // phone again still works, for a person taken back on).
    if turn.person.access_ended && msg.contact().is_none() {
        turn.dialogue.exit().await?;
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "access-ended"))
            .await;
    }
    if let Err(error) = router::route_message(&turn, state, &msg, &from).await {
        tracing::error!(error = %error, "handling a message failed");
        turn.ctx.services.note_rehearsal_error().await;
        turn.say(tr!(turn.i18n(), turn.lang(), "error-generic"))
            .await?;
    }
    Ok(())
}

async fn on_callback(
    bot: TgBot,
    query: CallbackQuery,
    update: Update,
    ctx: Ctx,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let chat = press_chat(&query);
    let update_id = i64::from(update.id.0);
    let turn = take_turn(&ctx, chat, update_id).await;
    let handling = handle_callback(bot, query, update_id, ctx.clone());
    let handling = crate::answering::scope(chat.0, crate::answering::handling(update_id, handling));
    let result = crate::rehearsal::scope(None, handling).await;
    give_turn(&ctx, chat, turn).await;
    mark_handled(&ctx, &update, None).await;
    ctx.metrics
        .update_handled("callback_query", started.elapsed());
    result
}

/// The chat a press belongs to: its message's, or the presser's own.
fn press_chat(query: &CallbackQuery) -> ChatId {
    query
        .message
        .as_ref()
        .map(|m| m.chat().id)
        .unwrap_or(ChatId(query.from.id.0 as i64))
}

async fn handle_callback(
    bot: TgBot,
    query: CallbackQuery,
    update_id: i64,
    ctx: Ctx,
) -> anyhow::Result<()> {
    let chat = press_chat(&query);
    let (turn, state, _) = load_turn(bot, ctx, chat, &query.from, update_id).await?;
    if turn.person.access_ended {
        turn.dialogue.exit().await?;
        let text = tr!(turn.i18n(), turn.lang(), "access-ended");
        answer_query(&turn, &query, Some(text.clone())).await?;
        return turn.say(text).await;
    }
    if let Err(error) = router::route_callback(&turn, state, &query).await {
        tracing::error!(error = %error, "handling a button failed");
        turn.ctx.services.note_rehearsal_error().await;
        answer_query(
            &turn,
            &query,
            Some(tr!(turn.i18n(), turn.lang(), "error-generic-short")),
        )
        .await?;
    }
    Ok(())
}
