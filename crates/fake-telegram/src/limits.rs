//! The numeric limits of the Telegram contract (docs/architecture.md) and the checks that use them.
//!
//! They live apart from the HTTP plumbing so a reader can compare them with the Bot API
//! documentation in one place.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::request::ApiErr;

/// Message text, after entity parsing, in UTF-16 code units.
pub const MAX_TEXT_LEN: usize = 4096;
/// Media caption, after entity parsing, in UTF-16 code units.
pub const MAX_CAPTION_LEN: usize = 1024;
/// `answerCallbackQuery` notification text.
pub const MAX_CALLBACK_ANSWER_LEN: usize = 200;
/// `callback_data` of an inline button, in **bytes** (a Chinese character is three).
pub const MAX_CALLBACK_DATA_BYTES: usize = 64;
/// Bots may download files up to 20 MB with `getFile`.
pub const MAX_DOWNLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Bots may upload files up to 50 MB with multipart/form-data.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;
/// Items in one `sendMediaGroup`.
pub const MEDIA_GROUP_ITEMS: std::ops::RangeInclusive<usize> = 2..=10;
/// Deep-link `/start` payloads.
pub const MAX_START_PAYLOAD_LEN: usize = 64;

/// Sliding one-second windows of accepted sends, per chat and overall.
///
/// Telegram measures when a request *arrives*, while a client (teloxide's `Throttle`) measures when
/// it *leaves*; a correctly paced bot can therefore see two sends arrive slightly less than a second
/// apart. `tolerance` shortens the window by that much so network jitter does not turn a correct bot
/// into a flaky test, while back-to-back sends (microseconds apart) are still refused.
pub struct RateLimiter {
    pub per_chat: u32,
    pub overall: u32,
    pub window: Duration,
    chats: HashMap<i64, VecDeque<Instant>>,
    all: VecDeque<Instant>,
}

impl RateLimiter {
    pub fn new(per_chat: u32, overall: u32, tolerance: Duration) -> Self {
        Self {
            per_chat,
            overall,
            window: Duration::from_secs(1).saturating_sub(tolerance),
            chats: HashMap::new(),
            all: VecDeque::new(),
        }
    }

    /// Admits `items` sends to `chat` now, or says how many whole seconds to wait (at least 1).
    ///
    /// A media group is admitted into a chat like one message (Telegram delivers albums to a chat
    /// even though the per-chat limit is about one message per second) but every item counts
    /// towards the overall limit. A refused request leaves no trace, like Telegram.
    pub fn admit(&mut self, chat: i64, items: usize, now: Instant) -> Result<(), u32> {
        let window = self.window;
        let prune = |q: &mut VecDeque<Instant>| {
            while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
                q.pop_front();
            }
        };
        prune(&mut self.all);
        let chat_q = self.chats.entry(chat).or_default();
        prune(chat_q);

        let per_chat = self.per_chat as usize;
        if per_chat > 0 && chat_q.len() >= per_chat {
            let oldest_relevant = chat_q[chat_q.len() - per_chat];
            return Err(retry_secs(
                window.saturating_sub(now.duration_since(oldest_relevant)),
            ));
        }
        let overall = self.overall as usize;
        if overall > 0 && !self.all.is_empty() && self.all.len() + items > overall {
            let must_expire = (self.all.len() + items - overall).min(self.all.len());
            let t = self.all[must_expire - 1];
            return Err(retry_secs(window.saturating_sub(now.duration_since(t))));
        }
        chat_q.push_back(now);
        for _ in 0..items.max(1) {
            self.all.push_back(now);
        }
        Ok(())
    }
}

fn retry_secs(wait: Duration) -> u32 {
    (wait.as_millis().div_ceil(1000) as u32).max(1)
}

const INLINE_ACTIONS: &[&str] = &[
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

/// Checks `reply_markup` as Telegram would for a chat of the given kind.
///
/// `edit` is true for edit methods, which accept only inline keyboards.
pub(crate) fn validate_reply_markup(
    markup: &Value,
    private: bool,
    edit: bool,
) -> Result<(), ApiErr> {
    let bad_markup = || ApiErr::bad("can't parse reply keyboard markup JSON object");
    let obj = markup.as_object().ok_or_else(bad_markup)?;
    if let Some(rows) = obj.get("inline_keyboard") {
        let rows = rows.as_array().ok_or_else(|| {
            ApiErr::bad("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
        })?;
        for row in rows {
            let row = row.as_array().ok_or_else(|| {
                ApiErr::bad("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
            })?;
            for button in row {
                validate_inline_button(button, private)?;
            }
        }
        return Ok(());
    }
    if edit {
        return Err(ApiErr::bad("inline keyboard expected"));
    }
    if let Some(rows) = obj.get("keyboard") {
        let rows = rows.as_array().ok_or_else(|| {
            ApiErr::bad("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array")
        })?;
        for row in rows {
            let row = row.as_array().ok_or_else(|| {
                ApiErr::bad(
                    "field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays",
                )
            })?;
            for button in row {
                if button.is_string() {
                    continue;
                }
                if !button.get("text").is_some_and(Value::is_string) {
                    return Err(ApiErr::bad(
                        "can't parse keyboard button: Text is not specified",
                    ));
                }
                let flag = |k: &str| button.get(k).and_then(Value::as_bool).unwrap_or(false);
                if !private && flag("request_contact") {
                    return Err(ApiErr::bad(
                        "phone number can be requested in private chats only",
                    ));
                }
                if !private && flag("request_location") {
                    return Err(ApiErr::bad(
                        "location can be requested in private chats only",
                    ));
                }
            }
        }
        return Ok(());
    }
    if obj.get("remove_keyboard").and_then(Value::as_bool) == Some(true)
        || obj.get("force_reply").and_then(Value::as_bool) == Some(true)
    {
        return Ok(());
    }
    Err(bad_markup())
}

fn validate_inline_button(button: &Value, private: bool) -> Result<(), ApiErr> {
    let obj = button.as_object().ok_or_else(|| {
        ApiErr::bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    })?;
    if !obj.get("text").is_some_and(Value::is_string) {
        return Err(ApiErr::bad(
            "can't parse inline keyboard button: Field \"text\" must be of type String",
        ));
    }
    let actions: Vec<&str> = INLINE_ACTIONS
        .iter()
        .copied()
        .filter(|k| obj.contains_key(*k))
        .collect();
    match actions.len() {
        0 => {
            return Err(ApiErr::bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
        1 => {}
        // Telegram's wording for this case is not documented; this one is the fake's.
        _ => {
            return Err(ApiErr::bad(format!(
                "can't parse inline keyboard button: exactly one of the optional fields must be used, found {}",
                actions.join(", ")
            )));
        }
    }
    if let Some(data) = obj.get("callback_data") {
        let ok = data
            .as_str()
            .is_some_and(|d| (1..=MAX_CALLBACK_DATA_BYTES).contains(&d.len()));
        if !ok {
            return Err(ApiErr::bad("BUTTON_DATA_INVALID"));
        }
    }
    if let Some(url) = obj.get("url")
        && !url.as_str().is_some_and(is_valid_button_url)
    {
        return Err(ApiErr::bad("BUTTON_URL_INVALID"));
    }
    if let Some(web_app) = obj.get("web_app") {
        // Mini App buttons open only over https, and only in a private chat with the bot.
        if !private {
            return Err(ApiErr::bad("BUTTON_TYPE_INVALID"));
        }
        let https = web_app
            .get("url")
            .and_then(Value::as_str)
            .and_then(|u| url::Url::parse(u).ok())
            .is_some_and(|u| u.scheme() == "https" && u.host_str().is_some());
        if !https {
            return Err(ApiErr::bad("BUTTON_URL_INVALID"));
        }
    }
    Ok(())
}

/// `http(s)` URLs with a host, or `tg://` links, as Telegram accepts on buttons.
pub fn is_valid_button_url(raw: &str) -> bool {
    match url::Url::parse(raw) {
        Ok(u) => match u.scheme() {
            "http" | "https" => u.host_str().is_some_and(|h| !h.is_empty()),
            "tg" => true,
            _ => false,
        },
        Err(_) => false,
    }
}

/// Deep-link payload rule of the Telegram contract (docs/architecture.md): at most 64 characters of `A-Z a-z 0-9 _ -`.
pub fn is_valid_start_payload(payload: &str) -> bool {
    !payload.is_empty()
        && payload.len() <= MAX_START_PAYLOAD_LEN
        && payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Bot command names: 1–32 characters of lowercase English letters, digits and underscores.
pub fn is_valid_command_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
