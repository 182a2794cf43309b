//! Inline mode: a person typing `@bot query`, `answerInlineQuery`, Telegram's server-side cache of
//! answers, and the message a chosen result posts.
//!
//! The cache is the part a bot gets wrong: an answer given without `is_personal` is shown to
//! whoever types the same query next, and the bot never hears of that query at all.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::FakeTelegram;
use super::html::utf16_len;
use super::limits::{MAX_TEXT_LEN, is_valid_start_payload, validate_reply_markup};
use super::methods::parse_text;
use super::person::User;
use super::request::{ApiErr, ApiResult, Params, QUERY_TOO_OLD};
use super::state::{State, unix_now};

/// Results in one `answerInlineQuery`.
pub const MAX_INLINE_RESULTS: usize = 50;
/// An inline result's `id`, in bytes.
pub const MAX_INLINE_RESULT_ID_BYTES: usize = 64;
/// `next_offset` of an `answerInlineQuery`, in bytes.
pub const MAX_INLINE_NEXT_OFFSET_BYTES: usize = 64;
/// The `chat_type` values an `InlineQuery` can carry.
pub const INLINE_CHAT_TYPES: &[&str] = &["sender", "private", "group", "supergroup", "channel"];

/// One result of an accepted `answerInlineQuery`, as the person's client shows it. Only
/// `article` results with text content are accepted by the fake.
#[derive(Clone, Debug, PartialEq)]
pub struct InlineResult {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// `input_message_content.message_text` exactly as the bot sent it (with HTML markup).
    pub text: String,
    /// What choosing the result posts: the text after entity parsing.
    pub plain_text: String,
    /// Bot API `MessageEntity` objects of `plain_text`.
    pub entities: Vec<Value>,
    pub parse_mode: Option<String>,
    /// The inline keyboard attached to the posted message, if any.
    pub reply_markup: Option<Value>,
}

/// An `answerInlineQuery` the fake accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct InlineAnswer {
    pub inline_query_id: String,
    pub from_user_id: i64,
    /// The text the person typed after the bot's username.
    pub query: String,
    pub results: Vec<InlineResult>,
    /// Seconds Telegram may serve these results without asking the bot (default 300).
    pub cache_time: u32,
    pub is_personal: bool,
    pub next_offset: String,
    /// The `button` shown above the results, as sent.
    pub button: Option<Value>,
}

/// An inline query a person typed (and the bot may answer while it is young enough).
pub(crate) struct PendingInline {
    pub created: Instant,
    pub from: i64,
    pub query: String,
    /// Set once the bot answered, or at once when Telegram served the query from its cache.
    pub answered: bool,
    /// What the person's client shows; `None` until there is an answer.
    pub shown: Option<Vec<InlineResult>>,
    /// A person picks one result, after which the result list is gone.
    pub chosen: bool,
}

/// An answer Telegram keeps serving for the same query text until `expires`.
pub(crate) struct CachedAnswer {
    pub query: String,
    /// `Some(user)` for an `is_personal` answer, which only that user gets again.
    pub user: Option<i64>,
    pub results: Vec<InlineResult>,
    pub expires: Instant,
}

fn can_parse_result(why: &str) -> ApiErr {
    ApiErr::bad(format!("can't parse inline query result: {why}"))
}

/// One entry of `results`; only `article` with text content is modelled.
fn parse_result(result: &Value) -> Result<InlineResult, ApiErr> {
    let obj = result
        .as_object()
        .ok_or_else(|| can_parse_result("InlineQueryResult must be an Object"))?;
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind != "article" {
        // The bot only answers with articles; refusing the rest keeps the fake honest about
        // what it checks.
        return Err(can_parse_result(&format!(
            "result type {kind:?} is not supported by the fake server, use \"article\""
        )));
    }
    let id = match obj.get("id") {
        Some(Value::String(s)) => s.clone(),
        // Telegram accepts a number where it expects a string identifier.
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if id.is_empty() || id.len() > MAX_INLINE_RESULT_ID_BYTES {
        return Err(ApiErr::bad("RESULT_ID_INVALID"));
    }
    let title = obj.get("title").and_then(Value::as_str).unwrap_or_default();
    // The code Telegram documents for answering inline queries with an untitled article.
    if title.trim().is_empty() {
        return Err(ApiErr::bad("ARTICLE_TITLE_EMPTY"));
    }
    let description = match obj.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(can_parse_result(
                "Field \"description\" must be of type String",
            ));
        }
    };
    let content = obj
        .get("input_message_content")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            can_parse_result("Field \"input_message_content\" must be of type Object")
        })?;
    let Some(raw) = content.get("message_text") else {
        return Err(can_parse_result(
            "input message content without \"message_text\" is not supported by the fake server",
        ));
    };
    let raw = raw
        .as_str()
        .ok_or_else(|| can_parse_result("Field \"message_text\" must be of type String"))?;
    let parse_mode = match content.get("parse_mode") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiErr::bad("unsupported parse_mode")),
    };
    let (plain, mut entities) = parse_text(raw, parse_mode.as_deref())?;
    if plain.trim().is_empty() {
        return Err(ApiErr::bad("message text is empty"));
    }
    // sendMessage checks the length in the Bot API server ("message is too long"); inline
    // results reach Telegram's own servers first, which answer in their error-code style.
    if utf16_len(&plain) > MAX_TEXT_LEN {
        return Err(ApiErr::bad("MESSAGE_TOO_LONG"));
    }
    if parse_mode.is_none()
        && let Some(Value::Array(given)) = content.get("entities")
    {
        entities = given.clone();
    }
    let reply_markup = match obj.get("reply_markup") {
        None | Some(Value::Null) => None,
        Some(m) => {
            // The posted message can land in any chat, so nothing private-only (web_app) and
            // nothing but an inline keyboard.
            validate_reply_markup(m, false, true)?;
            Some(m.clone())
        }
    };
    Ok(InlineResult {
        id,
        title: title.to_owned(),
        description,
        text: raw.to_owned(),
        plain_text: plain,
        entities,
        parse_mode,
        reply_markup,
    })
}

fn parse_button(button: Option<Value>) -> Result<Option<Value>, ApiErr> {
    let Some(button) = button else {
        return Ok(None);
    };
    // Telegram's wording for a malformed button is not documented; this one is the fake's.
    let bad = || ApiErr::bad("can't parse InlineQueryResultsButton JSON object");
    let obj = button.as_object().ok_or_else(bad)?;
    if !obj.get("text").is_some_and(Value::is_string) {
        return Err(bad());
    }
    match (obj.get("web_app"), obj.get("start_parameter")) {
        (Some(_), None) => {}
        (None, Some(p)) => {
            if !p.as_str().is_some_and(is_valid_start_payload) {
                return Err(ApiErr::bad("START_PARAM_INVALID"));
            }
        }
        _ => return Err(bad()),
    }
    Ok(Some(button))
}

pub(crate) fn answer_inline_query(st: &mut State, p: &Params) -> ApiResult {
    let id = p.str("inline_query_id").unwrap_or_default();
    let ttl = st.inline_query_ttl;
    let (from, query) = st
        .inline_queries
        .get(&id)
        .filter(|q| !q.answered && q.created.elapsed() <= ttl)
        .map(|q| (q.from, q.query.clone()))
        .ok_or_else(|| ApiErr::bad(QUERY_TOO_OLD))?;
    let given = match p.json("results")? {
        Some(Value::Array(results)) => results,
        Some(_) => return Err(ApiErr::bad("can't parse results JSON object")),
        None => return Err(ApiErr::bad("parameter \"results\" is required")),
    };
    if given.len() > MAX_INLINE_RESULTS {
        return Err(ApiErr::bad("RESULTS_TOO_MUCH"));
    }
    let mut results: Vec<InlineResult> = Vec::with_capacity(given.len());
    for result in &given {
        let result = parse_result(result)?;
        if results.iter().any(|r| r.id == result.id) {
            return Err(ApiErr::bad("RESULT_ID_DUPLICATE"));
        }
        results.push(result);
    }
    // A negative cache time caches nothing, like zero.
    let cache_time = p
        .i64("cache_time")?
        .unwrap_or(300)
        .clamp(0, i64::from(u32::MAX)) as u32;
    let is_personal = p.bool("is_personal");
    let next_offset = p.str("next_offset").unwrap_or_default();
    if next_offset.len() > MAX_INLINE_NEXT_OFFSET_BYTES {
        return Err(ApiErr::bad("NEXT_OFFSET_INVALID"));
    }
    let button = parse_button(p.json("button")?)?;

    let query_state = st
        .inline_queries
        .get_mut(&id)
        .expect("checked at the start, under the same lock");
    query_state.answered = true;
    query_state.shown = Some(results.clone());
    if cache_time > 0 {
        let now = Instant::now();
        st.inline_cache.retain(|c| c.expires > now);
        st.inline_cache.push(CachedAnswer {
            query: query.clone(),
            user: is_personal.then_some(from),
            results: results.clone(),
            expires: now + Duration::from_secs(u64::from(cache_time)),
        });
    }
    st.inline_answers.push(InlineAnswer {
        inline_query_id: id,
        from_user_id: from,
        query,
        results,
        cache_time,
        is_personal,
        next_offset,
        button,
    });
    Ok(json!(true))
}

impl FakeTelegram {
    /// The person types `@bot query` in a chat of `chat_type` (`sender`, `private`, `group`,
    /// `supergroup`, `channel`, or `None` when the client does not say); returns the inline
    /// query id.
    ///
    /// The bot receives an `inline_query` update unless Telegram answers from its cache: an
    /// earlier answer to the same text given with `is_personal: false` (to anyone) or with
    /// `is_personal: true` (to this user), less than its `cache_time` ago. With
    /// `Config::inline_mode` off nothing reaches the bot and nothing is shown, but an id is still
    /// returned so a test reads the same either way. Typing an inline query does not start the
    /// bot or unblock it. Panics on a `chat_type` Telegram never sends.
    pub fn inline_query(&self, user: &User, query: &str, chat_type: Option<&str>) -> String {
        if let Some(t) = chat_type {
            assert!(
                INLINE_CHAT_TYPES.contains(&t),
                "inline query chat_type {t:?} is not one of {INLINE_CHAT_TYPES:?}"
            );
        }
        let inline_mode = self.shared.config.inline_mode;
        self.write(|st| {
            st.query_counter += 1;
            let id = format!(
                "{}",
                5_127_304_000_000_000_000u64 + st.query_counter * 1_000 + (user.id as u64 % 1_000)
            );
            if !inline_mode {
                return id;
            }
            let now = Instant::now();
            st.inline_cache.retain(|c| c.expires > now);
            let cached = st
                .inline_cache
                .iter()
                .rev()
                .find(|c| c.query == query && c.user.is_none_or(|u| u == user.id))
                .map(|c| c.results.clone());
            let served = cached.is_some();
            st.inline_queries.insert(
                id.clone(),
                PendingInline {
                    created: now,
                    from: user.id,
                    query: query.to_owned(),
                    answered: served,
                    shown: cached,
                    chosen: false,
                },
            );
            if !served {
                let mut update = json!({
                    "id": id,
                    "from": user.to_json(),
                    "query": query,
                    "offset": "",
                });
                if let Some(t) = chat_type {
                    update["chat_type"] = json!(t);
                }
                st.push_update("inline_query", update);
            }
            id
        })
    }

    /// What the person's client shows for an inline query: the bot's answer or the answer
    /// Telegram served from its cache. `None` while nothing was answered (or never will be:
    /// inline mode off, the bot too late).
    pub fn inline_results_seen(&self, inline_query_id: &str) -> Option<Vec<InlineResult>> {
        self.read(|st| {
            st.inline_queries
                .get(inline_query_id)
                .and_then(|q| q.shown.clone())
        })
    }

    /// Every `answerInlineQuery` the fake accepted, oldest first.
    pub fn inline_answers(&self) -> Vec<InlineAnswer> {
        self.read(|st| st.inline_answers.clone())
    }

    /// Waits until the bot has answered this inline query; panics after `Config::wait_timeout`.
    /// A query Telegram served from its cache never gets an answer from the bot.
    pub async fn wait_for_inline_answer(&self, inline_query_id: &str) -> InlineAnswer {
        self.wait_until(
            || format!("an answer to inline query {inline_query_id}"),
            |st| {
                st.inline_answers
                    .iter()
                    .find(|a| a.inline_query_id == inline_query_id)
                    .cloned()
            },
            |st| {
                let query = match st.inline_queries.get(inline_query_id) {
                    None => "unknown to the fake (inline mode off?)".to_owned(),
                    Some(q) if q.answered => "served from Telegram's cache".to_owned(),
                    Some(q) => format!(
                        "{:?} from {} typed {:?} ago, unanswered",
                        q.query,
                        q.from,
                        q.created.elapsed()
                    ),
                };
                format!("inline query {inline_query_id}: {query}")
            },
        )
        .await
    }

    /// The person taps the result `result_id` of an inline query they typed, which posts the
    /// result's message in `chat_id` from them `via_bot`; returns its message id.
    ///
    /// Panics unless the person's client shows that result for that query (a person can only
    /// tap what they see, once per query). The bot gets a `message` update only for its own
    /// private chat with the person (`chat_id == user.id`): it is no member of other chats.
    /// With `Config::inline_feedback` on, it gets a `chosen_inline_result` update, carrying an
    /// `inline_message_id` when the result has an inline keyboard.
    ///
    /// The posted message is stored under `chat_id` (see [`person_messages`](Self::person_messages));
    /// the fake keeps one log per chat id, so a private chat between two people is stored under
    /// the id the test names, which for a person's id is also their chat with the bot.
    pub fn choose_inline_result(
        &self,
        user: &User,
        inline_query_id: &str,
        result_id: &str,
        chat_id: i64,
    ) -> i64 {
        let feedback = self.shared.config.inline_feedback;
        let mut st = self.shared.lock();
        let found = match st.inline_queries.get(inline_query_id) {
            None => Err("no such inline query (inline mode off?)".to_owned()),
            Some(q) if q.from != user.id => Err(format!("it was typed by user {}", q.from)),
            Some(q) if q.chosen => Err("a result of it was already chosen".to_owned()),
            Some(q) => match &q.shown {
                None => Err("it has no results on screen yet".to_owned()),
                Some(shown) => shown
                    .iter()
                    .find(|r| r.id == result_id)
                    .map(|r| (r.clone(), q.query.clone()))
                    .ok_or_else(|| {
                        let ids: Vec<&str> = shown.iter().map(|r| r.id.as_str()).collect();
                        format!("it shows no result {result_id:?}; results: {ids:?}")
                    }),
            },
        };
        let (result, query) = match found {
            Ok(found) => found,
            Err(why) => {
                drop(st);
                panic!(
                    "choose_inline_result: user {} cannot choose from inline query {inline_query_id}: {why}",
                    user.id
                );
            }
        };
        if let Some(q) = st.inline_queries.get_mut(inline_query_id) {
            q.chosen = true;
        }
        let to_bot = chat_id == user.id;
        if to_bot {
            st.users.insert(user.id, user.clone());
            st.blocked.remove(&user.id);
        }
        let chat = if to_bot || chat_id < 0 {
            st.chat_json(chat_id)
        } else {
            // A private chat with another person, as the chooser sees it.
            let name = st
                .users
                .get(&chat_id)
                .map(|u| u.first_name.clone())
                .unwrap_or_else(|| format!("User {chat_id}"));
            json!({ "id": chat_id, "type": "private", "first_name": name })
        };
        let message_id = st.next_message_id(chat_id);
        let mut message = json!({
            "message_id": message_id,
            "from": user.to_json(),
            "chat": chat,
            "date": unix_now(),
            "via_bot": st.bot_user_json(),
            "text": result.plain_text,
        });
        if !result.entities.is_empty() {
            message["entities"] = json!(result.entities);
        }
        if let Some(markup) = &result.reply_markup {
            message["reply_markup"] = markup.clone();
        }
        st.store_message(chat_id, message_id, message.clone(), None);
        if to_bot {
            st.push_update("message", message);
        }
        if feedback {
            let mut chosen = json!({
                "result_id": result.id,
                "from": user.to_json(),
                "query": query,
            });
            if result.reply_markup.is_some() {
                st.query_counter += 1;
                chosen["inline_message_id"] =
                    json!(format!("AgAAAFAKE{:012}INLINE", st.query_counter));
            }
            st.push_update("chosen_inline_result", chosen);
        }
        drop(st);
        self.shared.changed.notify_waiters();
        message_id
    }

    /// Messages people (not the bot) sent in a chat, as `Message` objects, oldest first:
    /// what they wrote to the bot and what they posted with an inline result.
    pub fn person_messages(&self, chat_id: i64) -> Vec<Value> {
        self.read(|st| {
            st.chats
                .get(&chat_id)
                .map(|log| {
                    log.messages
                        .values()
                        .filter(|m| m.sent.is_none())
                        .map(|m| m.json.clone())
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}
