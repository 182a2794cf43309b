//! Acting as a person: every action becomes an update queued for `getUpdates`.
//!
//! The actions are synchronous and return at once; the bot sees them on its next poll. They refuse
//! (panic) what a person could not do, such as pressing a button that is not on the screen, so a
//! test cannot accidentally exercise a path real users can never reach.

use axum::body::Bytes;
use serde_json::{Value, json};

use super::limits::is_valid_start_payload;
use super::state::{PendingQuery, State, unix_now};
use super::{FakeTelegram, SentMessage};

/// A Telegram user as the test describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    /// Defaults to `zh-hans`, which Telegram reports for Chinese clients and the bot's default.
    pub language_code: Option<String>,
}

impl User {
    pub fn new(id: i64, first_name: &str) -> Self {
        assert!(
            id > 0,
            "user ids are positive; group chats have negative ids"
        );
        Self {
            id,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: Some("zh-hans".to_owned()),
        }
    }

    pub fn last_name(mut self, last_name: &str) -> Self {
        self.last_name = Some(last_name.to_owned());
        self
    }

    pub fn username(mut self, username: &str) -> Self {
        self.username = Some(username.to_owned());
        self
    }

    /// `None` models a client that does not report a language.
    pub fn language_code(mut self, code: Option<&str>) -> Self {
        self.language_code = code.map(str::to_owned);
        self
    }

    /// The private chat with the bot has the user's id.
    pub fn chat_id(&self) -> i64 {
        self.id
    }

    /// The `User` object as it appears in updates.
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "id": self.id, "is_bot": false, "first_name": self.first_name });
        if let Some(last) = &self.last_name {
            v["last_name"] = json!(last);
        }
        if let Some(username) = &self.username {
            v["username"] = json!(username);
        }
        if let Some(code) = &self.language_code {
            v["language_code"] = json!(code);
        }
        v
    }
}

/// The `bot_command` entity Telegram attaches to a leading `/command[@bot]`; teloxide and the
/// bot rely on it being there.
fn command_entity(text: &str) -> Option<Value> {
    let rest = text.strip_prefix('/')?;
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    if name_len == 0 {
        return None;
    }
    let mut end = 1 + name_len;
    if let Some(after) = text[end..].strip_prefix('@') {
        let user_len = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if user_len > 0 {
            end += 1 + user_len;
        }
    }
    Some(
        json!({ "type": "bot_command", "offset": 0, "length": text[..end].encode_utf16().count() }),
    )
}

impl FakeTelegram {
    /// Describes a person; nothing is sent until they act.
    pub fn user(&self, id: i64, first_name: &str) -> User {
        User::new(id, first_name)
    }

    /// People who started the bot before the test began: they can receive messages, and
    /// nothing is sent on their behalf.
    pub fn known_users(&self, users: impl IntoIterator<Item = User>) {
        self.act(|st| {
            for user in users {
                Self::register(st, &user);
            }
        });
    }

    /// Runs a person's action under the lock and wakes the long poll.
    fn act<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let result = f(&mut self.shared.lock());
        self.shared.changed.notify_waiters();
        result
    }

    /// A person writing to the bot exists for it from now on (and has unblocked it, since a
    /// Telegram client only lets a user write to a bot they have not blocked).
    fn register(st: &mut State, user: &User) {
        st.users.insert(user.id, user.clone());
        st.blocked.remove(&user.id);
    }

    fn incoming(st: &mut State, chat_id: i64, user: &User, fill: impl FnOnce(&mut Value)) -> i64 {
        let message_id = st.next_message_id(chat_id);
        let mut message = json!({
            "message_id": message_id,
            "from": user.to_json(),
            "chat": st.chat_json(chat_id),
            "date": unix_now(),
        });
        fill(&mut message);
        st.store_message(chat_id, message_id, message.clone(), None);
        st.push_update("message", message)
    }

    fn text_fill(text: &str) -> impl FnOnce(&mut Value) + '_ {
        move |m| {
            m["text"] = json!(text);
            if let Some(entity) = command_entity(text) {
                m["entities"] = json!([entity]);
            }
        }
    }

    /// The person sends text in their private chat; returns the update id.
    pub fn send_text(&self, user: &User, text: &str) -> i64 {
        assert!(
            !text.is_empty(),
            "Telegram clients do not send empty messages"
        );
        self.act(|st| {
            Self::register(st, user);
            Self::incoming(st, user.id, user, Self::text_fill(text))
        })
    }

    /// What a Telegram client sends when the person taps "Start", with or without a deep link.
    pub fn send_start(&self, user: &User, payload: Option<&str>) -> i64 {
        match payload {
            Some(p) => self.send_text(user, &start_command(p)),
            None => self.send_text(user, "/start"),
        }
    }

    /// The deep link a bot would hand out for `payload`; panics on payloads Telegram would drop.
    pub fn start_link(&self, payload: &str) -> String {
        assert!(
            is_valid_start_payload(payload),
            "invalid /start payload {payload:?}: at most 64 characters of A-Z a-z 0-9 _ -"
        );
        format!(
            "https://t.me/{}?start={payload}",
            self.shared.config.bot_username
        )
    }

    /// The person opens a `t.me/<bot>?start=<payload>` link the bot produced. Panics if the link
    /// is not one a Telegram client would turn into `/start <payload>` for this bot.
    pub fn open_start_link(&self, user: &User, link: &str) -> i64 {
        let url = url::Url::parse(link).unwrap_or_else(|e| panic!("not a URL: {link:?}: {e}"));
        let host_ok = matches!(url.host_str(), Some("t.me") | Some("telegram.me"));
        let bot = url.path().trim_start_matches('/');
        assert!(
            host_ok && bot.eq_ignore_ascii_case(&self.shared.config.bot_username),
            "{link:?} is not a link to @{}",
            self.shared.config.bot_username
        );
        let payload = url
            .query_pairs()
            .find(|(k, _)| k == "start")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("{link:?} has no start= payload"));
        assert!(
            is_valid_start_payload(&payload),
            "{link:?}: payload {payload:?} is not at most 64 characters of A-Z a-z 0-9 _ -; \
             Telegram would not pass it to the bot"
        );
        self.send_text(user, &format!("/start {payload}"))
    }

    /// Shares a contact; the person's own contact (from the `request_contact` button) has
    /// `contact_user_id == Some(user.id)`.
    pub fn share_contact(
        &self,
        user: &User,
        phone: &str,
        contact_user_id: Option<i64>,
        first_name: &str,
    ) -> i64 {
        self.act(|st| {
            Self::register(st, user);
            Self::incoming(st, user.id, user, |m| {
                let mut contact = json!({ "phone_number": phone, "first_name": first_name });
                if let Some(id) = contact_user_id {
                    contact["user_id"] = json!(id);
                }
                m["contact"] = contact;
            })
        })
    }

    /// Sends a photo; Telegram stores it in several sizes, the fake in two (same bytes).
    pub fn send_photo(&self, user: &User, bytes: Vec<u8>, caption: Option<&str>) -> i64 {
        self.act(|st| {
            Self::register(st, user);
            let (sizes, _) = st.store_photo(Bytes::from(bytes), None);
            Self::incoming(st, user.id, user, |m| {
                m["photo"] = sizes;
                if let Some(c) = caption {
                    m["caption"] = json!(c);
                }
            })
        })
    }

    /// Sends several photos as one album: one message (and update) each, sharing `media_group_id`.
    pub fn send_album(&self, user: &User, photos: Vec<Vec<u8>>) -> Vec<i64> {
        assert!(
            (2..=10).contains(&photos.len()),
            "a Telegram album has 2-10 items, got {}",
            photos.len()
        );
        self.act(|st| {
            Self::register(st, user);
            st.media_group_counter += 1;
            let group = format!("1338{:010}", st.media_group_counter);
            photos
                .into_iter()
                .map(|bytes| {
                    let (sizes, _) = st.store_photo(Bytes::from(bytes), None);
                    Self::incoming(st, user.id, user, |m| {
                        m["photo"] = sizes;
                        m["media_group_id"] = json!(group);
                    })
                })
                .collect()
        })
    }

    pub fn send_document(
        &self,
        user: &User,
        file_name: &str,
        mime_type: &str,
        bytes: Vec<u8>,
        caption: Option<&str>,
    ) -> i64 {
        self.act(|st| {
            Self::register(st, user);
            let extension = file_name
                .rsplit_once('.')
                .map(|(_, e)| format!(".{e}"))
                .unwrap_or_default();
            let file = st.store_file(
                "documents",
                "BQAC",
                &extension,
                Bytes::from(bytes),
                Some(file_name.to_owned()),
                Some(mime_type.to_owned()),
            );
            let document = State::document_json(&file);
            Self::incoming(st, user.id, user, |m| {
                m["document"] = document;
                if let Some(c) = caption {
                    m["caption"] = json!(c);
                }
            })
        })
    }

    pub fn send_voice(&self, user: &User, bytes: Vec<u8>) -> i64 {
        self.act(|st| {
            Self::register(st, user);
            let file = st.store_file(
                "voice",
                "AwAC",
                ".oga",
                Bytes::from(bytes),
                None,
                Some("audio/ogg".to_owned()),
            );
            Self::incoming(st, user.id, user, |m| {
                m["voice"] = json!({
                    "file_id": file.file_id,
                    "file_unique_id": file.file_unique_id,
                    "duration": 3,
                    "mime_type": "audio/ogg",
                    "file_size": file.bytes.len(),
                });
            })
        })
    }

    /// A message in a group the bot is a member of. It makes the group known, not the person's
    /// private chat (writing in a group does not start the bot).
    pub fn send_group_text(&self, chat_id: i64, user: &User, text: &str) -> i64 {
        assert!(chat_id < 0, "group chat ids are negative, got {chat_id}");
        self.act(|st| {
            st.groups
                .entry(chat_id)
                .or_insert_with(|| format!("Test group {}", -chat_id));
            Self::incoming(st, chat_id, user, Self::text_fill(text))
        })
    }

    /// Presses an inline button in the person's private chat; returns the callback query id.
    ///
    /// Panics unless the message, as it is now (after edits), shows a button with exactly this
    /// `callback_data`: a person can only press buttons that exist.
    ///
    /// `message` is a message id in the person's private chat, or a [`SentMessage`].
    pub fn press_button(
        &self,
        user: &User,
        message: impl MessageRef,
        callback_data: &str,
    ) -> String {
        let chat_id = message.chat_id().unwrap_or(user.id);
        self.press_button_in(chat_id, user, message.message_id(), callback_data)
    }

    /// Like [`press_button`](Self::press_button), in any chat (e.g. a group).
    pub fn press_button_in(
        &self,
        chat_id: i64,
        user: &User,
        message_id: i64,
        callback_data: &str,
    ) -> String {
        self.callback_query(chat_id, user, message_id, callback_data, true)
    }

    /// A modified client sending `callback_data` that no button on the bot's message carries
    /// (the message itself must exist): what a bot must refuse without acting.
    pub fn press_crafted_button(
        &self,
        user: &User,
        message: impl MessageRef,
        callback_data: &str,
    ) -> String {
        let chat_id = message.chat_id().unwrap_or(user.id);
        self.callback_query(chat_id, user, message.message_id(), callback_data, false)
    }

    fn callback_query(
        &self,
        chat_id: i64,
        user: &User,
        message_id: i64,
        callback_data: &str,
        only_existing_buttons: bool,
    ) -> String {
        let mut st = self.shared.lock();
        let refusal = match st.message(chat_id, message_id) {
            None => Some(format!(
                "message #{message_id} does not exist in chat {chat_id}"
            )),
            Some(m) if m.deleted => Some(format!("message #{message_id} was deleted")),
            Some(m) => match &m.sent {
                None => Some(format!("message #{message_id} was not sent by the bot")),
                Some(sent)
                    if only_existing_buttons
                        && !sent
                            .inline_buttons()
                            .iter()
                            .any(|b| b.callback_data.as_deref() == Some(callback_data)) =>
                {
                    Some(format!(
                        "message #{message_id} has no inline button with callback_data {callback_data:?}; it shows {:?}",
                        sent.inline_buttons()
                    ))
                }
                Some(_) => None,
            },
        };
        if let Some(why) = refusal {
            let dump = st.dump_chat(chat_id);
            drop(st);
            panic!("press_button: {why}; a person can only press buttons they see.\n{dump}");
        }
        let message = st
            .message(chat_id, message_id)
            .map(|m| m.json.clone())
            .expect("checked above");
        if chat_id > 0 {
            Self::register(&mut st, user);
        }
        st.query_counter += 1;
        let id = format!(
            "{}{:06}",
            4_391_827_000_000_000u64 + st.query_counter,
            chat_id.unsigned_abs() % 1_000_000
        );
        st.queries.insert(
            id.clone(),
            PendingQuery {
                created: tokio::time::Instant::now(),
                answered: false,
                from: user.id,
                data: callback_data.to_owned(),
                chat_id,
                message_id,
            },
        );
        let query = json!({
            "id": id,
            "from": user.to_json(),
            "message": message,
            "chat_instance": format!("{}", 7_000_000_000_000_000_000u64 ^ chat_id.unsigned_abs()),
            "data": callback_data,
        });
        st.push_update("callback_query", query);
        drop(st);
        self.shared.changed.notify_waiters();
        id
    }

    /// Presses the inline button whose visible label is `label`, as a person would find it.
    /// `message` is a message id in the person's private chat, or a [`SentMessage`] (whose own
    /// chat is used, so group messages work too).
    pub fn press_button_with_text(
        &self,
        user: &User,
        message: impl MessageRef,
        label: &str,
    ) -> String {
        let message_id = message.message_id();
        let chat_id = message.chat_id().unwrap_or(user.id);
        let found: Result<String, String> = {
            let st = self.shared.lock();
            let buttons = st
                .message(chat_id, message_id)
                .filter(|m| !m.deleted)
                .and_then(|m| m.sent.as_ref())
                .map(|s| s.inline_buttons())
                .unwrap_or_default();
            let matching: Vec<_> = buttons.iter().filter(|b| b.text == label).collect();
            match matching.as_slice() {
                [b] => b.callback_data.clone().ok_or_else(|| {
                    format!("button {label:?} is a URL/other button, not a callback button: {b:?}")
                }),
                [] => Err(format!(
                    "no button labelled {label:?}; buttons: {buttons:?}"
                )),
                _ => Err(format!(
                    "several buttons are labelled {label:?}: {matching:?}"
                )),
            }
            .map_err(|why| {
                format!(
                    "press_button_with_text on message #{message_id}: {why}\n{}",
                    st.dump_chat(chat_id)
                )
            })
        };
        match found {
            Ok(data) => self.press_button_in(chat_id, user, message_id, &data),
            Err(why) => panic!("{why}"),
        }
    }
}

/// Something that names a message on the person's screen.
pub trait MessageRef {
    fn message_id(&self) -> i64;
    /// The chat, when the reference knows it.
    fn chat_id(&self) -> Option<i64> {
        None
    }
}

impl MessageRef for i64 {
    fn message_id(&self) -> i64 {
        *self
    }
}

/// Implemented for references only, so callers write `&message` and keep their message.
impl MessageRef for &SentMessage {
    fn message_id(&self) -> i64 {
        self.message_id
    }

    fn chat_id(&self) -> Option<i64> {
        Some(self.chat_id)
    }
}

/// The text a client sends for a deep link with `payload`; panics on payloads Telegram would drop.
pub fn start_command(payload: &str) -> String {
    assert!(
        is_valid_start_payload(payload),
        "invalid /start payload {payload:?}: at most 64 characters of A-Z a-z 0-9 _ -"
    );
    format!("/start {payload}")
}
