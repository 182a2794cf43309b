//! Everything the fake remembers, behind one mutex.
//!
//! One lock (never held across an `.await`) keeps the model simple: a test that sees a sent message
//! also sees the request that sent it, and a waiter re-checks its condition after every change.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::inline::{CachedAnswer, InlineAnswer, PendingInline};
use super::limits::RateLimiter;
use super::person::User;
use super::webhook::Webhook;
use super::{CallbackAnswer, Config, Delivery, RecordedRequest, SentMessage};

/// State shared by the HTTP server and the test's handle.
pub(crate) struct Shared {
    pub state: Mutex<State>,
    /// Woken after every change; waiters and long polls re-check their condition.
    pub changed: Notify,
    /// Bumped by `go_down` and on drop; every connection and handler from an older epoch dies.
    pub epoch: watch::Sender<u64>,
    pub down: AtomicBool,
    pub config: Config,
    pub addr: SocketAddr,
}

impl Shared {
    pub fn new(config: Config, addr: SocketAddr) -> Self {
        Self {
            state: Mutex::new(State::new(&config)),
            changed: Notify::new(),
            epoch: watch::Sender::new(0),
            down: AtomicBool::new(false),
            config,
            addr,
        }
    }

    /// Locks the state; a panicking test thread must not poison it for the server.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) struct ChatLog {
    pub next_message_id: i64,
    pub messages: BTreeMap<i64, StoredMessage>,
}

pub(crate) struct StoredMessage {
    /// The `Message` object as Telegram would return it now (after edits).
    pub json: Value,
    /// Present for messages the bot sent.
    pub sent: Option<SentMessage>,
    pub deleted: bool,
}

#[derive(Clone)]
pub(crate) struct QueuedUpdate {
    pub id: i64,
    /// The update type, as named in `allowed_updates`.
    pub kind: &'static str,
    pub json: Value,
}

#[derive(Clone)]
pub(crate) struct StoredFile {
    pub file_id: String,
    pub file_unique_id: String,
    pub file_path: String,
    pub bytes: Bytes,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
}

impl StoredFile {
    pub fn file_json(&self) -> Value {
        json!({
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.bytes.len(),
            "file_path": self.file_path,
        })
    }
}

pub(crate) struct PendingQuery {
    pub created: Instant,
    pub answered: bool,
    pub from: i64,
    pub data: String,
    pub chat_id: i64,
    pub message_id: i64,
}

pub(crate) struct FaultRule<T> {
    /// Lower-case method name, or `*` for any method.
    pub method: String,
    /// Only requests to this chat match, when set.
    pub chat: Option<i64>,
    pub remaining: usize,
    pub what: T,
}

#[derive(Default)]
pub(crate) struct Faults {
    pub fail: Vec<FaultRule<u16>>,
    pub delay: Vec<FaultRule<Duration>>,
    /// (remaining, retry_after seconds)
    pub burst_429: Option<(usize, u32)>,
}

impl Faults {
    fn take<T: Copy>(rules: &mut Vec<FaultRule<T>>, method: &str, chat: Option<i64>) -> Option<T> {
        let i = rules.iter().position(|r| {
            (r.method == "*" || r.method.eq_ignore_ascii_case(method))
                && (r.chat.is_none() || r.chat == chat)
        })?;
        let what = rules[i].what;
        rules[i].remaining -= 1;
        if rules[i].remaining == 0 {
            rules.remove(i);
        }
        Some(what)
    }

    pub fn take_fail(&mut self, method: &str, chat: Option<i64>) -> Option<u16> {
        Self::take(&mut self.fail, method, chat)
    }

    pub fn take_delay(&mut self, method: &str, chat: Option<i64>) -> Option<Duration> {
        Self::take(&mut self.delay, method, chat)
    }

    pub fn take_burst(&mut self) -> Option<u32> {
        let (remaining, secs) = self.burst_429.as_mut()?;
        let secs = *secs;
        *remaining -= 1;
        if *remaining == 0 {
            self.burst_429 = None;
        }
        Some(secs)
    }
}

pub(crate) struct State {
    pub bot_id: i64,
    pub bot_username: String,
    pub bot_first_name: String,
    pub callback_query_ttl: Duration,
    /// Whether BotFather's /setinline is on; `getMe` reports it.
    pub inline_mode: bool,
    pub inline_query_ttl: Duration,
    pub started_at: Instant,
    pub seq: u64,
    pub requests: Vec<RecordedRequest>,
    /// Private chats that exist: the user has written to the bot at least once.
    pub users: HashMap<i64, User>,
    /// Group chats the bot is in (chat id → title).
    pub groups: HashMap<i64, String>,
    pub blocked: HashSet<i64>,
    pub chats: HashMap<i64, ChatLog>,
    pub updates: VecDeque<QueuedUpdate>,
    /// Every update ever queued, so a test can make Telegram deliver one again.
    pub update_history: Vec<QueuedUpdate>,
    pub next_update_id: i64,
    /// Remembered between `getUpdates` calls, as Telegram does.
    pub allowed_updates: Option<Vec<String>>,
    pub dropped_updates: u64,
    /// The long poll currently held open, if any.
    pub poll_active: Option<u64>,
    pub poll_counter: u64,
    /// Long polls that a newer `getUpdates` or a `setWebhook` has terminated, with the 409
    /// description they answer.
    pub poll_terminated: HashMap<u64, &'static str>,
    /// The webhook set with `setWebhook`; `None` while the bot uses `getUpdates`.
    pub webhook: Option<Webhook>,
    /// Bumped whenever the webhook is set anew or deleted, so a delivery to an old webhook does
    /// not count as an error of the new one.
    pub webhook_generation: u64,
    /// Every webhook delivery attempt, oldest first.
    pub deliveries: Vec<Delivery>,
    pub files: HashMap<String, StoredFile>,
    /// Download path → file id.
    pub file_paths: HashMap<String, String>,
    pub file_counter: u64,
    pub queries: HashMap<String, PendingQuery>,
    pub query_counter: u64,
    pub answers: Vec<CallbackAnswer>,
    pub inline_queries: HashMap<String, PendingInline>,
    pub inline_answers: Vec<InlineAnswer>,
    /// Answers Telegram serves again without asking the bot, oldest first.
    pub inline_cache: Vec<CachedAnswer>,
    /// (scope key, language code) → commands.
    pub commands: BTreeMap<(String, String), Vec<(String, String)>>,
    pub faults: Faults,
    pub limiter: RateLimiter,
    pub count_429: u64,
    pub refused_connections: u64,
    pub media_group_counter: u64,
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl State {
    fn new(config: &Config) -> Self {
        Self {
            bot_id: config.bot_id,
            bot_username: config.bot_username.clone(),
            bot_first_name: config.bot_first_name.clone(),
            callback_query_ttl: config.callback_query_ttl,
            inline_mode: config.inline_mode,
            inline_query_ttl: config.inline_query_ttl,
            started_at: Instant::now(),
            seq: 0,
            requests: Vec::new(),
            users: HashMap::new(),
            groups: HashMap::new(),
            blocked: HashSet::new(),
            chats: HashMap::new(),
            updates: VecDeque::new(),
            update_history: Vec::new(),
            next_update_id: 700_000_001,
            allowed_updates: None,
            dropped_updates: 0,
            poll_active: None,
            poll_counter: 0,
            poll_terminated: HashMap::new(),
            webhook: None,
            webhook_generation: 0,
            deliveries: Vec::new(),
            files: HashMap::new(),
            file_paths: HashMap::new(),
            file_counter: 0,
            queries: HashMap::new(),
            query_counter: 0,
            answers: Vec::new(),
            inline_queries: HashMap::new(),
            inline_answers: Vec::new(),
            inline_cache: Vec::new(),
            commands: BTreeMap::new(),
            faults: Faults::default(),
            limiter: RateLimiter::new(
                config.per_chat_per_sec,
                config.overall_per_sec,
                config.rate_tolerance,
            ),
            count_429: 0,
            refused_connections: 0,
            media_group_counter: 0,
        }
    }

    pub fn bot_user_json(&self) -> Value {
        json!({
            "id": self.bot_id,
            "is_bot": true,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        })
    }

    pub fn me_json(&self) -> Value {
        let mut me = self.bot_user_json();
        me["can_join_groups"] = json!(true);
        me["can_read_all_group_messages"] = json!(false);
        me["supports_inline_queries"] = json!(self.inline_mode);
        me["can_connect_to_business"] = json!(false);
        me["has_main_web_app"] = json!(false);
        me
    }

    pub fn is_known_chat(&self, chat_id: i64) -> bool {
        if chat_id > 0 {
            self.users.contains_key(&chat_id)
        } else {
            self.groups.contains_key(&chat_id)
        }
    }

    /// The `Chat` object for a known chat.
    pub fn chat_json(&self, chat_id: i64) -> Value {
        if let Some(user) = self.users.get(&chat_id) {
            let mut chat =
                json!({ "id": chat_id, "type": "private", "first_name": user.first_name });
            if let Some(last) = &user.last_name {
                chat["last_name"] = json!(last);
            }
            if let Some(username) = &user.username {
                chat["username"] = json!(username);
            }
            chat
        } else {
            let title = self
                .groups
                .get(&chat_id)
                .cloned()
                .unwrap_or_else(|| format!("Group {chat_id}"));
            json!({ "id": chat_id, "type": "group", "title": title })
        }
    }

    /// Message ids are per chat and shared by both directions, as in a private chat on Telegram.
    pub fn next_message_id(&mut self, chat_id: i64) -> i64 {
        let log = self.chats.entry(chat_id).or_insert_with(|| ChatLog {
            next_message_id: 1,
            messages: BTreeMap::new(),
        });
        let id = log.next_message_id;
        log.next_message_id += 1;
        id
    }

    pub fn store_message(
        &mut self,
        chat_id: i64,
        message_id: i64,
        json: Value,
        sent: Option<SentMessage>,
    ) {
        let log = self
            .chats
            .get_mut(&chat_id)
            .expect("message id was allocated");
        log.messages.insert(
            message_id,
            StoredMessage {
                json,
                sent,
                deleted: false,
            },
        );
    }

    pub fn message(&self, chat_id: i64, message_id: i64) -> Option<&StoredMessage> {
        self.chats.get(&chat_id)?.messages.get(&message_id)
    }

    pub fn message_mut(&mut self, chat_id: i64, message_id: i64) -> Option<&mut StoredMessage> {
        self.chats.get_mut(&chat_id)?.messages.get_mut(&message_id)
    }

    /// The common fields of a message the bot sends now.
    pub fn bot_message_base(&self, chat_id: i64, message_id: i64) -> Value {
        json!({
            "message_id": message_id,
            "from": self.bot_user_json(),
            "chat": self.chat_json(chat_id),
            "date": unix_now(),
        })
    }

    pub fn sent_messages(&self, chat_id: i64) -> Vec<SentMessage> {
        self.chats
            .get(&chat_id)
            .map(|log| {
                log.messages
                    .values()
                    .filter_map(|m| m.sent.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn push_update(&mut self, kind: &'static str, payload: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut update = json!({ "update_id": id });
        update[kind] = payload;
        let queued = QueuedUpdate {
            id,
            kind,
            json: update,
        };
        self.update_history.push(queued.clone());
        self.updates.push_back(queued);
        id
    }

    /// Applies a `getUpdates` offset: every earlier update is confirmed and forgotten.
    pub fn confirm(&mut self, offset: Option<i64>) {
        match offset {
            Some(o) if o < 0 => {
                let keep = o.unsigned_abs() as usize;
                while self.updates.len() > keep {
                    self.updates.pop_front();
                }
            }
            Some(o) => self.updates.retain(|u| u.id >= o),
            None => {}
        }
    }

    /// Whether Telegram would deliver an update of this type under the current `allowed_updates`.
    pub fn is_allowed(&self, kind: &str) -> bool {
        self.allowed_updates
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|a| a == kind))
    }

    /// Confirms one update a webhook accepted (the first queued copy with that id).
    pub fn confirm_one(&mut self, update_id: i64) {
        if let Some(i) = self.updates.iter().position(|u| u.id == update_id) {
            self.updates.remove(i);
        }
    }

    /// The updates a poll (or the webhook) would get now; updates of types not allowed are
    /// dropped, as Telegram never delivers them.
    pub fn deliverable(&mut self, limit: usize) -> Vec<Value> {
        self.drop_not_allowed();
        self.updates
            .iter()
            .take(limit)
            .map(|u| u.json.clone())
            .collect()
    }

    /// Drops the queued updates of types the bot does not allow.
    pub fn drop_not_allowed(&mut self) {
        if let Some(allowed) = &self.allowed_updates {
            let before = self.updates.len();
            self.updates.retain(|u| allowed.iter().any(|a| a == u.kind));
            self.dropped_updates += (before - self.updates.len()) as u64;
        }
    }

    pub fn store_file(
        &mut self,
        folder: &str,
        id_prefix: &str,
        extension: &str,
        bytes: Bytes,
        file_name: Option<String>,
        mime_type: Option<String>,
    ) -> StoredFile {
        self.file_counter += 1;
        let n = self.file_counter;
        let file = StoredFile {
            file_id: format!("{id_prefix}AgADAQADFAKE{n:08X}AAQeBA"),
            file_unique_id: format!("AQAD{n:08X}"),
            file_path: format!("{folder}/file_{n}{extension}"),
            bytes,
            file_name,
            mime_type,
        };
        self.files.insert(file.file_id.clone(), file.clone());
        self.file_paths
            .insert(file.file_path.clone(), file.file_id.clone());
        file
    }

    /// Stores a photo the way Telegram does: several sizes, smallest first; returns the
    /// `PhotoSize` array and the largest size's file.
    pub fn store_photo(&mut self, bytes: Bytes, file_name: Option<String>) -> (Value, StoredFile) {
        let small = self.store_file(
            "photos",
            "AgAC",
            ".jpg",
            bytes.clone(),
            None,
            Some("image/jpeg".into()),
        );
        let large = self.store_file(
            "photos",
            "AgAC",
            ".jpg",
            bytes,
            file_name,
            Some("image/jpeg".into()),
        );
        let sizes = json!([
            {
                "file_id": small.file_id, "file_unique_id": small.file_unique_id,
                "file_size": small.bytes.len(), "width": 90, "height": 68
            },
            {
                "file_id": large.file_id, "file_unique_id": large.file_unique_id,
                "file_size": large.bytes.len(), "width": 1280, "height": 960
            },
        ]);
        (sizes, large)
    }

    pub fn document_json(file: &StoredFile) -> Value {
        let mut doc = json!({
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.bytes.len(),
        });
        if let Some(name) = &file.file_name {
            doc["file_name"] = json!(name);
        }
        if let Some(mime) = &file.mime_type {
            doc["mime_type"] = json!(mime);
        }
        doc
    }

    pub fn record(&mut self, method: &str, params: Value, status: u16, response: Value) {
        self.seq += 1;
        if status == 429 {
            self.count_429 += 1;
        }
        let at = Instant::now();
        self.requests.push(RecordedRequest {
            seq: self.seq,
            method: method.to_owned(),
            params,
            status,
            response,
            at,
            since_start: at.duration_since(self.started_at),
        });
    }

    /// Fills in the answer of a request recorded on arrival.
    pub fn complete(&mut self, seq: u64, status: u16, response: Value) {
        if status == 429 {
            self.count_429 += 1;
        }
        if let Some(r) = self.requests.iter_mut().rev().find(|r| r.seq == seq) {
            r.status = status;
            r.response = response;
        }
    }

    /// A readable account of a chat, for panic messages of failed waits.
    pub fn dump_chat(&self, chat_id: i64) -> String {
        let Some(log) = self.chats.get(&chat_id) else {
            return format!("chat {chat_id}: no messages at all");
        };
        let mut out = format!("chat {chat_id}:\n");
        for (id, m) in &log.messages {
            let deleted = if m.deleted { " (deleted)" } else { "" };
            match &m.sent {
                Some(s) => {
                    let buttons: Vec<String> = s
                        .inline_buttons()
                        .into_iter()
                        .map(|b| {
                            format!(
                                "[{}|{}]",
                                b.text,
                                b.callback_data.or(b.url).unwrap_or_default()
                            )
                        })
                        .collect();
                    out.push_str(&format!(
                        "  #{id} bot {:?}{deleted}: {:?} {}\n",
                        s.kind,
                        s.plain_text,
                        buttons.join(" ")
                    ));
                }
                None => {
                    let what = m
                        .json
                        .get("text")
                        .map(|t| format!("{t}"))
                        .unwrap_or_else(|| "(media/contact)".into());
                    out.push_str(&format!("  #{id} person{deleted}: {what}\n"));
                }
            }
        }
        out
    }

    pub fn dump_requests(&self, last: usize) -> String {
        let skip = self.requests.len().saturating_sub(last);
        self.requests[skip..]
            .iter()
            .map(|r| {
                format!(
                    "  #{} {} {} {} -> {}\n",
                    r.seq, r.method, r.params, r.status, r.response
                )
            })
            .collect()
    }
}
