//! A strict fake of the Telegram Bot API for integration tests (docs/architecture.md, "The Telegram contract" and "Tests").
//!
//! The bot must work against the real Bot API, whose rules are only discovered in production when
//! broken: a 65-byte `callback_data`, an unescaped `<` in a buyer's name, a second message within a
//! second. The fake enforces those rules with Telegram's own error wording, so teloxide turns them
//! into the same `RequestError`s the bot will see for real, and it records every request so tests
//! can assert on what a person actually received.
//!
//! # Choices (where Telegram is vague or the fake is deliberately stricter)
//!
//! - **Concurrent `getUpdates`**: a newer request terminates the one in flight, which answers
//!   409 `Conflict: terminated by other getUpdates request; …` (that is what the wording says, and
//!   it keeps a vanished poller from blocking a restarted bot). Two live pollers therefore keep
//!   knocking each other out, as on Telegram.
//! - **HTML**: only Telegram's tags, quoted attributes, and the entities `&lt; &gt; &amp; &quot;`
//!   plus numeric ones. Any other `&`, and any raw `>` outside a tag, is refused (Telegram keeps
//!   them as text, but its documentation requires escaping and the Telegram contract (docs/architecture.md) holds the bot to it).
//!   `Markdown`/`MarkdownV2` are refused with a 400 saying the fake does not support them: the bot
//!   uses HTML only.
//! - **Rate limits** count `sendMessage`, `sendPhoto`, `sendDocument`, `sendMediaGroup` on real
//!   (tokio) time. An album enters a chat like one message but each item counts towards the
//!   overall limit. Windows are shortened by `Config::rate_tolerance` to absorb network jitter
//!   between a throttling client and the server. Refused sends do not count.
//! - **`sendMediaGroup`** must have 2–10 items (Telegram would send a single item as a plain
//!   message; the Telegram contract (docs/architecture.md) holds the bot to 2–10), photos and documents only, never mixed.
//! - **Outage** (`go_down`): connections are closed at once, including ones already open and
//!   long polls in flight. Clients get a network error immediately, like an unreachable Telegram
//!   (a 5xx would make teloxide sleep 10 s per request). The port stays bound.
//! - **Injected errors** (`fail_next`, or `fail_next_in_chat` for one chat): JSON body
//!   `{"ok":false,"error_code":5xx,"description":…}`.
//!   teloxide sleeps 10 s after any 5xx before returning the error: keep such tests to one or two
//!   failures, or drive them with a plain HTTP client.
//! - **`delay_next`** delays the *answer*; the request has already taken effect, which is how a
//!   client timeout produces a duplicate send in real life.
//! - **Callback query answers**: Telegram's wording ends with "query ID is invalid", which
//!   teloxide 0.17 does not recognise (it expects "query id"), so it arrives as
//!   `ApiError::Unknown(…)`, exactly as it would from the real server.
//! - **Inline mode** (`inline_query`, `answerInlineQuery`, `choose_inline_result`): on by
//!   default (`Config::inline_mode`, BotFather's /setinline; `getMe` reports it). With it off, a
//!   person's inline query reaches nobody and shows nothing, but still returns an id. An inline
//!   query can be answered once, within `Config::inline_query_ttl` (Telegram: 10 s), else 400
//!   `Bad Request: query is too old and response timeout expired or query ID is invalid`.
//!   `answerInlineQuery` refuses more than 50 results (`RESULTS_TOO_MUCH`), a result id that is
//!   empty or over 64 bytes (`RESULT_ID_INVALID`), repeated ids (`RESULT_ID_DUPLICATE`), an article
//!   without a title (`ARTICLE_TITLE_EMPTY`, Telegram's documented code), message text that is
//!   empty after parsing (`message text is empty`) or over 4096 UTF-16 units
//!   (`MESSAGE_TOO_LONG`, the code Telegram's servers answer for inline results rather than
//!   sendMessage's "message is too long"), HTML as sendMessage does (`can't parse entities: …`),
//!   buttons as elsewhere but inline keyboards only and no `web_app` (the message can land in any
//!   chat), `next_offset` over 64 bytes (`NEXT_OFFSET_INVALID`) and a `button` whose
//!   `start_parameter` breaks the deep-link rule (`START_PARAM_INVALID`). Only `article` results
//!   with text content are accepted; other types, and malformed results or `button`s, answer 400
//!   `can't parse …` in the fake's own wording. A negative `cache_time` counts as 0.
//! - **Inline cache**: as on Telegram, an answer with `cache_time > 0` (default 300) is served
//!   again, without an update to the bot, to whoever types the same query text within that many
//!   seconds; with `is_personal` only to the same user. `inline_results_seen` shows what the
//!   person's client got either way. Choosing a result posts the message in the named chat from
//!   the person with `via_bot` (read it with `person_messages`); the bot gets it as a `message` update only in its own private
//!   chat with that person, and a `chosen_inline_result` when `Config::inline_feedback` is on
//!   (with `inline_message_id` only when the result has an inline keyboard). Not modelled: result
//!   pagination (queries always carry `offset: ""`), a client's local cache, locations.
//! - **Request log**: every request is recorded with its answer; a `getUpdates` long poll is
//!   recorded when it arrives (status 0) and completed when answered, so a test can wait for the
//!   poll that confirms an offset without waiting for that poll to end.
//! - Writing to the bot (any person action in a private chat) creates the private chat and
//!   unblocks the bot, since a Telegram client only lets a person write to a bot they have not
//!   blocked. `send_group_text` makes the group known, not the person's private chat.
//! - **Webhook** (`setWebhook`): while one is set, `getUpdates` answers 409 and a background task
//!   POSTs each queued update to the URL, one per request, in order, the next only after the
//!   previous was answered 2xx (Telegram with `max_connections = 1`; a larger value is stored and
//!   reported). With `Config::webhook_parallel` up to `max_connections` go at once, as Telegram's
//!   Bot API server sends them: each chat (else each sender) has its own queue, whose next update
//!   goes only once the previous one was answered. Failures (other statuses, refused connections,
//!   no answer within `Config::webhook_timeout`) keep the update queued, set `last_error_*`, and
//!   retry after `webhook_retry_min`, doubling up to `webhook_retry_max`. Redirects are not followed and the
//!   answer body is ignored. Plain `http://` is accepted for loopback hosts on any port (tests
//!   run the bot on 127.0.0.1); elsewhere Telegram's HTTPS and port rules apply. Setting a webhook
//!   ends a held long poll with 409 `Conflict: terminated by setWebhook request`. Successes carry
//!   Telegram's descriptions ("Webhook was set", "Webhook is already deleted", …). Not modelled:
//!   Telegram's 1-second limit between `setWebhook` calls, DNS resolution (`WebhookInfo.ip_address`
//!   is the fixed `ip_address`, or the host when it is an IP literal or `localhost`), and
//!   per-update retry delays (after a failure all deliveries wait the backoff). Deliveries pause
//!   while the fake is down (`go_down`).
//!   `secret_token` follows the Bot API server: other characters than `A-Za-z0-9_-` answer
//!   `Bad Request: secret token contains unallowed characters`, more than 256 answer
//!   `Bad Request: secret token is too long`, and an empty one means no secret.

//! # Layout
//!
//! One module per part of the contract: `transport` (the HTTP listener, URL scheme, tokens, fault
//! injection), `request` (error answers and parameter decoding), `limits` (sizes, formats, rate
//! limits), `updates` (`getUpdates`), `methods` (every other method), `state` (what Telegram
//! remembers), `html` (entity checking), `webhook` (delivery to a set webhook), `person` (the
//! simulated people who write to the bot) and `inline` (inline queries, their answers and
//! Telegram's cache of them). This file is the surface tests use.

mod html;
mod inline;
mod limits;
mod methods;
mod person;
mod request;
mod state;
mod transport;
mod updates;
mod webhook;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::AbortHandle;
use tokio::time::Instant;

pub use html::{HtmlEntity, ParsedHtml, escape_html, parse_html, utf16_len};
pub use inline::{
    INLINE_CHAT_TYPES, InlineAnswer, InlineResult, MAX_INLINE_NEXT_OFFSET_BYTES,
    MAX_INLINE_RESULT_ID_BYTES, MAX_INLINE_RESULTS,
};
pub use limits::{
    MAX_CALLBACK_ANSWER_LEN, MAX_CALLBACK_DATA_BYTES, MAX_CAPTION_LEN, MAX_DOWNLOAD_BYTES,
    MAX_START_PAYLOAD_LEN, MAX_TEXT_LEN, MAX_UPLOAD_BYTES, MEDIA_GROUP_ITEMS, is_valid_button_url,
    is_valid_command_name, is_valid_start_payload,
};
pub use person::{MessageRef, User, start_command};
pub use webhook::{SECRET_HEADER, WebhookState};

pub use limits::RateLimiter;
use state::{Shared, State};

/// The only token the fake accepts; anything else is 401 like a revoked token.
pub const TOKEN: &str = "123456:TEST-token-for-the-fake-server";
/// The bot's user id, which Telegram encodes as the token's prefix.
pub const BOT_ID: i64 = 123456;
pub const BOT_USERNAME: &str = "handover_test_bot";

#[derive(Clone, Debug)]
pub struct Config {
    /// Sends per chat per second; 0 disables the limit.
    pub per_chat_per_sec: u32,
    /// Sends per second over all chats; 0 disables the limit.
    pub overall_per_sec: u32,
    /// How much shorter than one second the rate windows are (see `RateLimiter`).
    pub rate_tolerance: Duration,
    /// How long `wait_for_*` wait before panicking with a dump. Generous, because CI is slow and
    /// a waiter returns as soon as its condition holds.
    pub wait_timeout: Duration,
    /// After this long an unanswered callback query can no longer be answered.
    pub callback_query_ttl: Duration,
    /// BotFather's /setinline: whether people can type `@bot query` at all (default on).
    pub inline_mode: bool,
    /// BotFather's /setinlinefeedback: whether choosing an inline result sends the bot a
    /// `chosen_inline_result` update. On by default so a bot relying on feedback can be
    /// tested; Telegram's own default is off, which a test models by turning it off.
    pub inline_feedback: bool,
    /// After this long an inline query can no longer be answered (Telegram: 10 s).
    pub inline_query_ttl: Duration,
    pub bot_id: i64,
    pub bot_username: String,
    pub bot_first_name: String,
    /// How long a webhook delivery may take before it counts as failed (Telegram: about 10 s).
    pub webhook_timeout: Duration,
    /// Wait after the first failed webhook delivery; doubles with each further failure.
    pub webhook_retry_min: Duration,
    /// The longest wait between webhook delivery attempts.
    pub webhook_retry_max: Duration,
    /// Delivers up to the webhook's `max_connections` updates at once, as Telegram does: one
    /// chat's updates one at a time and in order, other chats' alongside. Off (the default),
    /// one update at a time, so a test sees every update in the order it was sent.
    pub webhook_parallel: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            per_chat_per_sec: 1,
            overall_per_sec: 30,
            rate_tolerance: Duration::from_millis(250),
            wait_timeout: Duration::from_secs(20),
            callback_query_ttl: Duration::from_secs(60),
            inline_mode: true,
            inline_feedback: true,
            inline_query_ttl: Duration::from_secs(10),
            bot_id: BOT_ID,
            bot_username: BOT_USERNAME.to_owned(),
            bot_first_name: "Handover Test Bot".to_owned(),
            webhook_timeout: Duration::from_secs(10),
            webhook_retry_min: Duration::from_millis(200),
            webhook_retry_max: Duration::from_secs(2),
            webhook_parallel: false,
        }
    }
}

/// What kind of message the bot sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SentKind {
    Text,
    Photo,
    Document,
    /// One item of a `sendMediaGroup`; `media_type` is `photo` or `document`.
    MediaGroupItem {
        media_type: String,
    },
}

/// A file the bot sent, with the bytes it uploaded (or the bytes behind a reused `file_id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentFile {
    pub file_id: String,
    pub file_unique_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// A message the bot sent successfully, as it is now (edits update it).
#[derive(Clone, Debug, PartialEq)]
pub struct SentMessage {
    pub message_id: i64,
    pub chat_id: i64,
    pub kind: SentKind,
    /// The text exactly as the bot sent it (with HTML markup), for text messages.
    pub text: Option<String>,
    /// The caption exactly as the bot sent it, for media.
    pub caption: Option<String>,
    /// What a person sees: the text or caption after entity parsing.
    pub plain_text: String,
    /// Bot API `MessageEntity` objects of `plain_text`.
    pub entities: Vec<Value>,
    pub parse_mode: Option<String>,
    /// The markup as sent (inline or reply keyboard, or removal).
    pub reply_markup: Option<Value>,
    pub file: Option<SentFile>,
    pub media_group_id: Option<String>,
    /// The message this one replies to, if any.
    pub reply_to_message_id: Option<i64>,
    pub edit_count: u32,
    pub deleted: bool,
    pub date: i64,
}

/// One inline button as a person sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineButton {
    pub text: String,
    pub callback_data: Option<String>,
    pub url: Option<String>,
    /// The Mini App page a `web_app` button opens.
    pub web_app: Option<String>,
}

impl SentMessage {
    /// Inline buttons row by row, flattened.
    pub fn inline_buttons(&self) -> Vec<InlineButton> {
        let rows = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array);
        rows.into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .map(|b| InlineButton {
                text: b["text"].as_str().unwrap_or_default().to_owned(),
                callback_data: b
                    .get("callback_data")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                url: b.get("url").and_then(Value::as_str).map(str::to_owned),
                web_app: b
                    .pointer("/web_app/url")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            })
            .collect()
    }

    pub fn button_labels(&self) -> Vec<String> {
        self.inline_buttons().into_iter().map(|b| b.text).collect()
    }

    pub fn callback_data_for(&self, label: &str) -> Option<String> {
        self.inline_buttons()
            .into_iter()
            .find(|b| b.text == label)
            .and_then(|b| b.callback_data)
    }

    pub fn has_inline_keyboard(&self) -> bool {
        !self.inline_buttons().is_empty()
    }

    /// Labels of a reply keyboard (the buttons under the input field), if one was sent.
    pub fn reply_keyboard_labels(&self) -> Vec<String> {
        let rows = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("keyboard"))
            .and_then(Value::as_array);
        rows.into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|b| b.as_str().or_else(|| b.get("text").and_then(Value::as_str)))
            .map(str::to_owned)
            .collect()
    }
}

/// One HTTP request the fake answered.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub seq: u64,
    /// Canonical method name (`sendMessage`), the path segment for unknown methods, or
    /// `downloadFile` for file downloads.
    pub method: String,
    /// Parameters, whatever the encoding: integers and booleans typed, JSON-in-string fields
    /// parsed, uploads as `{"attach","file_name","size"}`.
    pub params: Value,
    /// HTTP status; 0 while a `getUpdates` long poll is still held open.
    pub status: u16,
    /// The JSON answer (`null` while a long poll is held open).
    pub response: Value,
    pub at: Instant,
    pub since_start: Duration,
}

impl RecordedRequest {
    pub fn is_ok(&self) -> bool {
        self.status == 200
    }

    pub fn description(&self) -> Option<&str> {
        self.response.get("description").and_then(Value::as_str)
    }

    pub fn chat_id(&self) -> Option<i64> {
        self.params.get("chat_id").and_then(Value::as_i64)
    }
}

/// An `answerCallbackQuery` the fake accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackAnswer {
    pub callback_query_id: String,
    pub text: Option<String>,
    pub show_alert: bool,
    pub url: Option<String>,
    pub from_user_id: i64,
    /// The pressed button's `callback_data`.
    pub data: String,
    pub chat_id: i64,
    pub message_id: i64,
}

/// One attempt to deliver an update to the webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub update_id: i64,
    /// The webhook URL the update was POSTed to.
    pub url: String,
    /// The HTTP status the webhook answered; `None` if there was no answer.
    pub status: Option<u16>,
    /// Why the attempt failed, worded as in `WebhookInfo.last_error_message`; `None` for a 2xx.
    pub error: Option<String>,
    pub at: Instant,
}

impl Delivery {
    /// Whether the webhook accepted the update (2xx), which confirms it.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Stops the server when the last handle goes away, so a test cannot leak a listening port.
struct ServerTask {
    task: AbortHandle,
    delivery: AbortHandle,
    shared: Arc<Shared>,
}

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.shared.down.store(true, Ordering::SeqCst);
        self.shared.epoch.send_modify(|e| *e += 1);
        self.task.abort();
        self.delivery.abort();
    }
}

/// Handle to a running fake. Clones share the same server; it stops when the last is dropped.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    _task: Arc<ServerTask>,
}

impl FakeTelegram {
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    pub async fn start_with(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Telegram server");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::new(config, addr));
        let task = transport::spawn_server(shared.clone(), listener);
        let delivery = webhook::spawn_delivery(shared.clone());
        Self {
            _task: Arc::new(ServerTask {
                task: task.abort_handle(),
                delivery: delivery.abort_handle(),
                shared: shared.clone(),
            }),
            shared,
        }
    }

    /// For `Bot::new(TOKEN).set_api_url(fake.api_url())`.
    pub fn api_url(&self) -> reqwest::Url {
        reqwest::Url::parse(&self.base_url()).expect("valid URL")
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// A plain teloxide bot talking to this fake.
    pub fn bot(&self) -> teloxide::Bot {
        teloxide::Bot::new(TOKEN).set_api_url(self.api_url())
    }

    pub fn bot_username(&self) -> &str {
        &self.shared.config.bot_username
    }

    pub fn bot_id(&self) -> i64 {
        self.shared.config.bot_id
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.shared.lock())
    }

    fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let result = f(&mut self.shared.lock());
        self.shared.changed.notify_waiters();
        result
    }

    // ----- what happened ------------------------------------------------------------------------

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.read(|st| st.requests.clone())
    }

    /// The requests recorded after request number `seq` (0 for all), oldest first. Copies only
    /// the tail of the log, so a long-running driver (the update-path benchmark) can follow
    /// the log as it grows; a long poll still held open shows with status 0.
    pub fn requests_after(&self, seq: u64) -> Vec<RecordedRequest> {
        self.read(|st| {
            let start = st.requests.partition_point(|r| r.seq <= seq);
            st.requests[start..].to_vec()
        })
    }

    /// Requests to `method` (case-insensitive, like Telegram).
    pub fn requests_for(&self, method: &str) -> Vec<RecordedRequest> {
        self.read(|st| {
            st.requests
                .iter()
                .filter(|r| r.method.eq_ignore_ascii_case(method))
                .cloned()
                .collect()
        })
    }

    /// Every message the bot sent to the chat, oldest first, including deleted ones.
    pub fn sent_messages(&self, chat_id: i64) -> Vec<SentMessage> {
        self.read(|st| st.sent_messages(chat_id))
    }

    /// How many messages the bot sent to each chat that got any.
    pub fn sent_counts(&self) -> std::collections::HashMap<i64, usize> {
        self.read(|st| {
            st.chats
                .iter()
                .map(|(chat, log)| {
                    let sent = log.messages.values().filter(|m| m.sent.is_some()).count();
                    (*chat, sent)
                })
                .filter(|(_, sent)| *sent > 0)
                .collect()
        })
    }

    /// The bot's messages still on the person's screen.
    pub fn visible_messages(&self, chat_id: i64) -> Vec<SentMessage> {
        let mut all = self.sent_messages(chat_id);
        all.retain(|m| !m.deleted);
        all
    }

    /// A bot message as it is now, after edits.
    pub fn message(&self, chat_id: i64, message_id: i64) -> Option<SentMessage> {
        self.read(|st| st.message(chat_id, message_id).and_then(|m| m.sent.clone()))
    }

    pub fn last_message(&self, chat_id: i64) -> Option<SentMessage> {
        self.sent_messages(chat_id).pop()
    }

    /// What a person read in the chat, message by message (current texts, after edits).
    pub fn plain_texts(&self, chat_id: i64) -> Vec<String> {
        self.sent_messages(chat_id)
            .into_iter()
            .map(|m| m.plain_text)
            .collect()
    }

    /// Commands set with `scope: {type: chat, chat_id}` and no language code.
    pub fn commands_for_chat(&self, chat_id: i64) -> Option<Vec<(String, String)>> {
        self.commands(&format!("chat:{chat_id}"), "")
    }

    /// Commands set for the default scope and no language code.
    pub fn default_commands(&self) -> Option<Vec<(String, String)>> {
        self.commands("default", "")
    }

    /// Commands stored for a scope key (`default`, `all_private_chats`, `all_group_chats`,
    /// `all_chat_administrators`, `chat:ID`, `chat_administrators:ID`, `chat_member:ID:USER`).
    pub fn commands(&self, scope_key: &str, language_code: &str) -> Option<Vec<(String, String)>> {
        self.read(|st| {
            st.commands
                .get(&(scope_key.to_owned(), language_code.to_owned()))
                .cloned()
        })
    }

    /// The menu a person in `chat_id` would see, resolved in Telegram's documented order
    /// (chat, then all private/group chats, then default; each with the language first).
    pub fn visible_commands(&self, chat_id: i64, language_code: &str) -> Vec<(String, String)> {
        let lang = language_code.split('-').next().unwrap_or_default();
        let broad = if chat_id > 0 {
            "all_private_chats"
        } else {
            "all_group_chats"
        };
        let chat = format!("chat:{chat_id}");
        for scope in [chat.as_str(), broad, "default"] {
            for l in [lang, ""] {
                if let Some(c) = self.commands(scope, l) {
                    return c;
                }
            }
        }
        Vec::new()
    }

    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.read(|st| st.answers.clone())
    }

    /// The bot's answer to one callback query, if it has answered it yet (newest answers
    /// first, so a person checking the press they just made does not scan the whole history).
    pub fn answer_so_far(&self, callback_query_id: &str) -> Option<CallbackAnswer> {
        self.read(|st| {
            st.answers
                .iter()
                .rev()
                .find(|a| a.callback_query_id == callback_query_id)
                .cloned()
        })
    }

    /// How many 429 answers the fake has given (rate limits and `burst_429`).
    pub fn count_429(&self) -> u64 {
        self.read(|st| st.count_429)
    }

    /// Updates queued and not yet confirmed by the bot.
    pub fn pending_updates(&self) -> usize {
        self.read(|st| st.updates.len())
    }

    /// Whether a `getUpdates` long poll is being held open right now.
    pub fn is_polling(&self) -> bool {
        self.read(|st| st.poll_active.is_some())
    }

    /// The webhook set with `setWebhook`, if any.
    pub fn webhook(&self) -> Option<WebhookState> {
        self.read(|st| st.webhook.as_ref().map(|w| w.state(&st.allowed_updates)))
    }

    /// Every attempt to deliver an update to a webhook, oldest first.
    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.read(|st| st.deliveries.clone())
    }

    /// POSTs an arbitrary JSON `body` to the registered webhook URL, with `secret` in the
    /// `X-Telegram-Bot-Api-Secret-Token` header (no header for `None`), and returns the HTTP
    /// status — to prove that a forged or unsigned request is refused. It bypasses the update
    /// queue and the delivery log. Panics if no webhook is set or nothing answers.
    pub async fn post_to_webhook_raw(&self, body: Value, secret: Option<&str>) -> u16 {
        let target = self
            .read(|st| st.webhook.as_ref().map(webhook::Target::from))
            .expect("fake Telegram: post_to_webhook_raw needs a webhook; none is set");
        let client = webhook::client(&target, self.shared.config.webhook_timeout);
        match webhook::post(&client, &target.url, &body, secret).await {
            Ok(status) => status,
            Err(e) => panic!(
                "fake Telegram: POST to the webhook {} failed: {e}",
                target.url
            ),
        }
    }

    /// Bytes behind any `file_id` the fake issued.
    pub fn file_bytes(&self, file_id: &str) -> Option<Vec<u8>> {
        self.read(|st| st.files.get(file_id).map(|f| f.bytes.to_vec()))
    }

    /// Connections closed because the fake was down.
    pub fn refused_connections(&self) -> u64 {
        self.read(|st| st.refused_connections)
    }

    /// A readable account of a chat, for assertion messages.
    pub fn chat_dump(&self, chat_id: i64) -> String {
        self.read(|st| st.dump_chat(chat_id))
    }

    // ----- faults --------------------------------------------------------------------------------

    /// Every send, edit and chat action to this user's chat answers 403 until they write again.
    pub fn block_user(&self, user_id: i64) {
        self.write(|st| st.blocked.insert(user_id));
    }

    pub fn unblock_user(&self, user_id: i64) {
        self.write(|st| st.blocked.remove(&user_id));
    }

    /// The id of the newest update queued (a message sent or a button pressed).
    pub fn last_update_id(&self) -> Option<i64> {
        self.read(|st| st.update_history.last().map(|u| u.id))
    }

    /// Queues an update that was already delivered again, with its original id — what Telegram
    /// does when a bot stopped before confirming it. A poller that confirmed a higher offset
    /// drops it, as Telegram would; a fresh poller (after a restart) receives it.
    pub fn redeliver(&self, update_id: i64) {
        self.write(|st| {
            let update = st
                .update_history
                .iter()
                .find(|u| u.id == update_id)
                .cloned()
                .unwrap_or_else(|| panic!("fake Telegram: no update {update_id} to deliver again"));
            st.updates.push_front(update);
        });
    }

    /// The next `n` calls of `method` (case-insensitive; `*` for any) answer `status` with a
    /// Telegram-like JSON body and take no effect.
    pub fn fail_next(&self, method: &str, n: usize, status: u16) {
        self.push_fail(method, None, n, status);
    }

    /// Like [`fail_next`](Self::fail_next), but only calls addressed to `chat_id` fail, so a
    /// notification to another chat going out at the same moment is not the one refused.
    pub fn fail_next_in_chat(&self, method: &str, chat_id: i64, n: usize, status: u16) {
        self.push_fail(method, Some(chat_id), n, status);
    }

    fn push_fail(&self, method: &str, chat: Option<i64>, n: usize, status: u16) {
        if n == 0 {
            return;
        }
        self.write(|st| {
            st.faults.fail.push(state::FaultRule {
                method: method.to_owned(),
                chat,
                remaining: n,
                what: status,
            })
        });
    }

    /// The next `n` calls of `method` (`*` for any) take effect at once but answer after `delay`.
    pub fn delay_next(&self, method: &str, n: usize, delay: Duration) {
        if n == 0 {
            return;
        }
        self.write(|st| {
            st.faults.delay.push(state::FaultRule {
                method: method.to_owned(),
                chat: None,
                remaining: n,
                what: delay,
            })
        });
    }

    /// The next `n` send requests answer 429 with `retry_after_secs`, whatever the rate.
    pub fn burst_429(&self, n: usize, retry_after_secs: u32) {
        self.write(|st| st.faults.burst_429 = (n > 0).then_some((n, retry_after_secs.max(1))));
    }

    /// Changes the rate limits (0 disables one); past sends still count.
    pub fn set_limits(&self, per_chat_per_sec: u32, overall_per_sec: u32) {
        self.write(|st| {
            st.limiter.per_chat = per_chat_per_sec;
            st.limiter.overall = overall_per_sec;
        });
    }

    /// Telegram becomes unreachable: open connections and long polls are cut, new ones closed.
    pub fn go_down(&self) {
        self.shared.down.store(true, Ordering::SeqCst);
        self.shared.epoch.send_modify(|e| *e += 1);
        self.shared.changed.notify_waiters();
    }

    pub fn come_up(&self) {
        self.shared.down.store(false, Ordering::SeqCst);
        self.shared.changed.notify_waiters();
    }

    pub fn is_down(&self) -> bool {
        self.shared.down.load(Ordering::SeqCst)
    }

    // ----- waiting ------------------------------------------------------------------------------

    /// Waits (on change notifications, never by polling) until `check` yields a value; panics
    /// after `Config::wait_timeout` with `what` and a dump.
    async fn wait_until<T>(
        &self,
        what: impl Fn() -> String,
        mut check: impl FnMut(&State) -> Option<T>,
        dump: impl Fn(&State) -> String,
    ) -> T {
        let deadline = Instant::now() + self.shared.config.wait_timeout;
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(value) = check(&self.shared.lock()) {
                return value;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let report = {
                    let st = self.shared.lock();
                    format!("{}\nlast requests:\n{}", dump(&st), st.dump_requests(20))
                };
                panic!(
                    "fake Telegram: timed out after {:?} waiting for {}\n{report}",
                    self.shared.config.wait_timeout,
                    what()
                );
            }
        }
    }

    /// The first message the bot sent to the chat (oldest first, deleted ones included) that
    /// satisfies `pred`.
    pub async fn wait_for_message(
        &self,
        chat_id: i64,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        self.wait_until(
            || format!("a matching message in chat {chat_id}"),
            |st| st.sent_messages(chat_id).into_iter().find(|m| pred(m)),
            |st| st.dump_chat(chat_id),
        )
        .await
    }

    /// Waits until the bot has sent at least `n` messages to the chat; returns all of them.
    pub async fn wait_for_messages(&self, chat_id: i64, n: usize) -> Vec<SentMessage> {
        self.wait_until(
            || format!("{n} messages in chat {chat_id}"),
            |st| Some(st.sent_messages(chat_id)).filter(|m| m.len() >= n),
            |st| st.dump_chat(chat_id),
        )
        .await
    }

    /// Waits until the bot has sent at least `n` messages over all chats; returns how many.
    pub async fn wait_for_sent_total(&self, n: usize) -> usize {
        self.wait_until(
            || format!("{n} messages in all"),
            |st| {
                let total: usize = st
                    .chats
                    .values()
                    .map(|log| log.messages.values().filter(|m| m.sent.is_some()).count())
                    .sum();
                (total >= n).then_some(total)
            },
            |_| String::new(),
        )
        .await
    }

    /// Waits until at least `n` requests to `method` (case-insensitive) were recorded.
    pub async fn wait_for_requests(&self, method: &str, n: usize) -> Vec<RecordedRequest> {
        self.wait_until(
            || format!("{n} {method} requests"),
            |st| {
                let found: Vec<RecordedRequest> = st
                    .requests
                    .iter()
                    .filter(|r| r.method.eq_ignore_ascii_case(method))
                    .cloned()
                    .collect();
                (found.len() >= n).then_some(found)
            },
            |_| String::new(),
        )
        .await
    }

    /// The bot's answer to a button press (`press_button` returns the query id): the notice
    /// text it showed, empty when it showed none.
    pub async fn callback_answer(&self, query_id: &str) -> String {
        let answer = self
            .wait_for_request("answerCallbackQuery", |r| {
                r.params["callback_query_id"] == query_id
            })
            .await;
        answer.params["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first recorded request to `method` (case-insensitive) satisfying `pred`.
    pub async fn wait_for_request(
        &self,
        method: &str,
        pred: impl Fn(&RecordedRequest) -> bool,
    ) -> RecordedRequest {
        self.wait_until(
            || format!("a matching {method} request"),
            |st| {
                st.requests
                    .iter()
                    .find(|r| r.method.eq_ignore_ascii_case(method) && pred(r))
                    .cloned()
            },
            |_| String::new(),
        )
        .await
    }

    /// Waits until the bot has confirmed every queued update: polled again with a higher offset,
    /// or, in webhook mode, answered each delivery with a 2xx.
    ///
    /// This means teloxide has taken the updates, not that its handlers have finished; wait for
    /// the resulting message or request to know that.
    pub async fn wait_until_consumed(&self) {
        self.wait_until(
            || "the bot to confirm all queued updates".to_owned(),
            |st| st.updates.is_empty().then_some(()),
            |st| {
                let ids: Vec<i64> = st.updates.iter().map(|u| u.id).collect();
                let mode = match &st.webhook {
                    Some(w) => {
                        let recent: Vec<String> = st
                            .deliveries
                            .iter()
                            .rev()
                            .take(5)
                            .map(|d| format!("{}: {:?} {:?}", d.update_id, d.status, d.error))
                            .collect();
                        format!(
                            "webhook {} (last error: {:?}); latest deliveries: {recent:?}",
                            w.url, w.last_error_message
                        )
                    }
                    None => format!("polling now: {}", st.poll_active.is_some()),
                };
                format!("pending update ids: {ids:?}; {mode}")
            },
        )
        .await
    }

    /// The first webhook delivery attempt (oldest first) satisfying `pred`.
    pub async fn wait_for_delivery(&self, pred: impl Fn(&Delivery) -> bool) -> Delivery {
        self.wait_until(
            || "a matching webhook delivery".to_owned(),
            |st| st.deliveries.iter().find(|d| pred(d)).cloned(),
            |st| {
                format!(
                    "webhook: {:?}\ndeliveries: {:?}",
                    st.webhook.as_ref().map(|w| &w.url),
                    st.deliveries
                )
            },
        )
        .await
    }

    /// Waits until a `getUpdates` long poll is being held open.
    pub async fn wait_for_poller(&self) {
        self.wait_until(
            || "a getUpdates long poll".to_owned(),
            |st| st.poll_active.map(|_| ()),
            |_| String::new(),
        )
        .await
    }

    /// Runs `fut` and returns its output, panicking with `what` if it takes longer than the wait
    /// timeout; for awaiting the bot's own futures in tests without an unbounded hang.
    pub async fn within<T>(&self, what: &str, fut: impl Future<Output = T>) -> T {
        match tokio::time::timeout(self.shared.config.wait_timeout, fut).await {
            Ok(v) => v,
            Err(_) => panic!("fake Telegram: timed out waiting for {what}"),
        }
    }
}
