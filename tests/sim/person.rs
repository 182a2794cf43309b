//! A simulated person: acts only through the fake Telegram server, reads their own chat
//! message by message, and retries like a person would when the bot did not answer (after a
//! crash): the same text again, the same button again if it is still on screen.

use super::Sim;
use crate::support::fake_telegram::{SentMessage, User};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[derive(Clone)]
pub enum Act {
    Text(String),
    Photo(Vec<u8>, Option<String>),
    Contact(String),
    /// A button on a message, by its callback data.
    Press(i64, String),
}

impl std::fmt::Debug for Act {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Act::Text(t) => write!(f, "Text({t:?})"),
            Act::Photo(bytes, caption) => write!(f, "Photo({} bytes, {caption:?})", bytes.len()),
            Act::Contact(phone) => write!(f, "Contact({phone:?})"),
            Act::Press(message, data) => write!(f, "Press(#{message}, {data:?})"),
        }
    }
}

/// Why a step did not get its answer.
#[derive(Debug)]
pub enum Stuck {
    /// No matching answer after every retry.
    NoAnswer(String),
    /// No such button on screen to press.
    ButtonGone(String),
    /// The button to press again after a crash is gone, and no answer came: the press was
    /// taken before the crash, and its answer went down with it.
    Taken(String),
    /// A repeated press was answered with a notice (the bot's toast) and nothing else: the
    /// first press was taken before the crash, and the bot refuses to take it twice.
    Refused(String),
    /// Repeated after a crash, the action was answered with something else: the first one
    /// was taken before the crash (a photo taken as the answer to the question after it).
    Diverged(String),
}

pub type Step<T> = Result<T, Stuck>;

/// How a wait ended.
enum Waited {
    Message(Box<SentMessage>),
    /// The bot answered the press with this notice and nothing else.
    Notice(String),
    /// The bot answered with other messages only (their last one).
    Other(String),
    Nothing,
}

pub struct Person {
    pub user: User,
    pub name: String,
    sim: Arc<Sim>,
    /// Every bot message seen so far, oldest first, as it was when first seen.
    pub inbox: Vec<SentMessage>,
    /// Highest message id of the chat already looked at.
    high: i64,
    /// The person's own messages sent so far, and how many of them the scan has passed. Ids
    /// are dense per chat and shared by both directions, so an id with no bot message below
    /// the person's last one is the person's own.
    mine_sent: usize,
    mine_passed: usize,
}

impl Person {
    pub fn new(sim: Arc<Sim>, id: i64, first_name: &str, name: &str) -> Person {
        Person {
            user: sim.fake.user(id, first_name),
            name: name.to_string(),
            sim,
            inbox: Vec::new(),
            high: 0,
            mine_sent: 0,
            mine_passed: 0,
        }
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// A bot message in this person's chat as it is now (after edits).
    pub fn fake_message(&self, id: i64) -> Option<SentMessage> {
        self.sim.fake.message(self.user.id, id)
    }

    pub fn patience(&self) -> Duration {
        self.sim.opts.patience
    }

    /// Reads new bot messages into the inbox; returns how many arrived.
    pub fn read_new(&mut self) -> usize {
        let mut n = 0;
        loop {
            let next = self.high + 1;
            if let Some(m) = self.sim.fake.message(self.user.id, next) {
                self.inbox.push(m);
                self.high = next;
                n += 1;
            } else if self.mine_passed < self.mine_sent {
                self.mine_passed += 1;
                self.high = next;
            } else {
                return n;
            }
        }
    }

    /// Does the action; a press returns its callback query id.
    fn inject(&mut self, act: &Act) -> Option<String> {
        let fake = &self.sim.fake;
        let mut query = None;
        match act {
            Act::Text(t) => {
                fake.send_text(&self.user, t);
                self.mine_sent += 1;
            }
            Act::Photo(bytes, caption) => {
                fake.send_photo(&self.user, bytes.clone(), caption.as_deref());
                self.mine_sent += 1;
            }
            Act::Contact(phone) => {
                fake.share_contact(&self.user, phone, Some(self.user.id), &self.user.first_name);
                self.mine_sent += 1;
            }
            Act::Press(message, data) => {
                query = Some(fake.press_crafted_button(&self.user, *message, data));
            }
        }
        self.sim.injected.fetch_add(1, Ordering::Relaxed);
        self.sim.maybe_kill_now();
        query
    }

    /// Whether the button is still on the message as the person sees it now.
    pub fn button_there(&self, message: i64, data: &str) -> bool {
        self.sim
            .fake
            .message(self.user.id, message)
            .is_some_and(|m| {
                !m.deleted
                    && m.inline_buttons()
                        .iter()
                        .any(|b| b.callback_data.as_deref() == Some(data))
            })
    }

    /// The first message after inbox position `from` that matches.
    fn find_after(&self, from: usize, pred: &dyn Fn(&SentMessage) -> bool) -> Option<SentMessage> {
        self.inbox[from..].iter().find(|m| pred(m)).cloned()
    }

    /// Waits (real time, bounded) for a new message matching `pred` after inbox position
    /// `from`. Polls the fake's per-message lookup, which stays cheap however long the chat.
    pub async fn wait_for(
        &mut self,
        from: usize,
        limit: Duration,
        pred: &dyn Fn(&SentMessage) -> bool,
    ) -> Option<SentMessage> {
        match self.wait_for_or_notice(from, limit, pred, None, None).await {
            Waited::Message(m) => Some(*m),
            Waited::Notice(_) | Waited::Other(_) | Waited::Nothing => None,
        }
    }

    /// As `wait_for`, and also watches the bot's answer to the callback query `notice_of`: a
    /// notice in it with no matching message soon after ends the wait. With `other_after`, so
    /// do messages after that inbox position that do not match.
    async fn wait_for_or_notice(
        &mut self,
        from: usize,
        limit: Duration,
        pred: &dyn Fn(&SentMessage) -> bool,
        notice_of: Option<&str>,
        other_after: Option<usize>,
    ) -> Waited {
        let began = Instant::now();
        let mut notice: Option<(String, Instant)> = None;
        let mut other_seen: Option<Instant> = None;
        let mut pause = Duration::from_millis(1);
        let generation = self.sim.host.generation();
        let mut crash_seen: Option<Instant> = None;
        loop {
            self.read_new();
            if let Some(m) = self.find_after(from, pred) {
                return Waited::Message(Box::new(m));
            }
            if let Some(after) = other_after
                && self.inbox.len() > after
            {
                let seen = *other_seen.get_or_insert_with(Instant::now);
                // Room for the matching answer to follow (a notification may come first).
                if seen.elapsed() > Duration::from_secs(5) {
                    let last = self.inbox.last().map(|m| m.plain_text.clone());
                    return Waited::Other(last.unwrap_or_default());
                }
            }
            if let Some((text, seen)) = &notice {
                // A message the notice goes with arrives right behind it; a refusal comes alone.
                if seen.elapsed() > Duration::from_secs(2) {
                    return Waited::Notice(text.clone());
                }
            } else if let Some(id) = notice_of
                && let Some(text) = self.sim.fake.answer_so_far(id).and_then(|a| a.text)
                && !text.is_empty()
            {
                notice = Some((text, Instant::now()));
            }
            if began.elapsed() > limit {
                return Waited::Nothing;
            }
            // After a crash, a person waits a little for the restarted bot, then acts again.
            // Behind a balancer nothing is lost with one instance: the update is redelivered
            // to another, or replayed by the restarted one.
            if crash_seen.is_none()
                && self.sim.host.count() == 1
                && self.sim.host.generation() != generation
            {
                crash_seen = Some(Instant::now());
            }
            if crash_seen.is_some_and(|t| t.elapsed() > Duration::from_secs(6)) {
                return Waited::Nothing;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(12));
        }
    }

    /// Does `act` and waits for the bot's message matching `pred`. Without an answer the person
    /// waits for a restarted bot, looks again, and repeats the action (a button only if it is
    /// still there). A missing answer with no crash in between is recorded as an anomaly.
    pub async fn step(
        &mut self,
        act: Act,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> Step<SentMessage> {
        self.step_noticing(act, pred, 2).await
    }

    /// As `step`; a press from attempt `notice_from` on that the bot answers with a notice
    /// alone ends as `Stuck::Refused` with the notice. From 2, only a repeated press (taken
    /// before a crash); from 1, also a first press on a button whose moment has passed.
    async fn step_noticing(
        &mut self,
        act: Act,
        pred: impl Fn(&SentMessage) -> bool,
        notice_from: usize,
    ) -> Step<SentMessage> {
        self.read_new();
        let from = self.inbox.len();
        let mut attempts = 0;
        loop {
            if let Act::Press(message, data) = &act
                && attempts > 0
                && !self.button_there(*message, data)
            {
                // The press was taken before the crash. Its answer may still come from the
                // outbox or a redelivery; if not, it was lost with the crash, and the flow
                // looks at where things stand instead.
                let grace = self.sim.opts.patience.min(Duration::from_secs(6));
                if let Some(m) = self.wait_for(from, grace, &pred).await {
                    return Ok(m);
                }
                return Err(Stuck::Taken(format!("{} {act:?}", self.name)));
            }
            self.sim.host.wait_up().await;
            let generation = self.sim.host.generation();
            let sent_at = Instant::now();
            self.read_new();
            let other_after = (attempts > 0).then_some(self.inbox.len());
            let query = self.inject(&act);
            attempts += 1;
            // Unless asked otherwise, only a repeated press can be refused as already taken;
            // a first press's notice may come ahead of its message however late that is.
            let notice_of = query.as_deref().filter(|_| attempts >= notice_from);
            match self
                .wait_for_or_notice(from, self.sim.opts.patience, &pred, notice_of, other_after)
                .await
            {
                Waited::Message(m) => {
                    if attempts == 1 && self.sim.host.generation() == generation {
                        self.sim.latency(sent_at.elapsed());
                    }
                    return Ok(*m);
                }
                Waited::Notice(text) => {
                    self.sim.refused.fetch_add(1, Ordering::Relaxed);
                    return Err(Stuck::Refused(format!("{} {act:?}: {text}", self.name)));
                }
                Waited::Other(last) => {
                    return Err(Stuck::Diverged(format!(
                        "{} {act:?}: answered {last:?}",
                        self.name
                    )));
                }
                Waited::Nothing => {}
            }
            let mut crashed = self.sim.host.generation() != generation || !self.sim.host.is_up();
            if !crashed {
                // A late answer is not a lost one: a notification can queue behind a burst of
                // others. Wait longer before calling it missing.
                if let Some(m) = self.wait_for(from, self.sim.opts.patience * 2, &pred).await {
                    self.sim.late.fetch_add(1, Ordering::Relaxed);
                    return Ok(m);
                }
                crashed = self.sim.host.generation() != generation || !self.sim.host.is_up();
            }
            if !crashed {
                self.sim.anomaly(format!(
                    "no answer without a crash: {} ({}) after {act:?} ({:?} ago); last: {:?}; chat: {}",
                    self.name,
                    self.user.id,
                    sent_at.elapsed(),
                    self.inbox.last().map(|m| &m.plain_text),
                    if self.sim.opts.verbose {
                        let answers: Vec<_> = self
                            .sim
                            .fake
                            .callback_answers()
                            .into_iter()
                            .filter(|a| a.from_user_id == self.user.id)
                            .map(|a| a.text)
                            .collect();
                        let reqs: Vec<String> = self
                            .sim
                            .fake
                            .requests_for("answerCallbackQuery")
                            .iter()
                            .rev()
                            .take(3)
                            .map(|r| format!("{} {:?}", r.status, r.description()))
                            .collect();
                        format!(
                            "{}\nanswers: {answers:?}\nlast answerCallbackQuery: {reqs:?}",
                            self.sim.fake.chat_dump(self.user.id)
                        )
                    } else {
                        String::new()
                    }
                ));
            }
            // A restarted bot gets what Telegram had not confirmed; give it a moment first.
            self.sim.host.wait_up().await;
            if let Some(m) = self.wait_for(from, Duration::from_secs(2), &pred).await {
                return Ok(m);
            }
            if attempts >= self.sim.opts.max_attempts {
                return Err(Stuck::NoAnswer(format!(
                    "{} ({}) after {act:?}; last: {:?}",
                    self.name,
                    self.user.id,
                    self.inbox.last().map(|m| &m.plain_text)
                )));
            }
            self.sim.retries.fetch_add(1, Ordering::Relaxed);
            if self.sim.opts.verbose {
                eprintln!(
                    "retry {attempts}: {} after {act:?} ({:.1} s since the send)",
                    self.name,
                    sent_at.elapsed().as_secs_f64()
                );
            }
        }
    }

    pub async fn say(
        &mut self,
        text: &str,
        expect: impl Fn(&SentMessage) -> bool,
    ) -> Step<SentMessage> {
        self.step(Act::Text(text.to_string()), expect).await
    }

    /// Sends `text` and expects a message containing `needle`.
    pub async fn say_expect(&mut self, text: &str, needle: &str) -> Step<SentMessage> {
        let needle = needle.to_string();
        self.step(Act::Text(text.to_string()), move |m| {
            m.plain_text.contains(&needle)
        })
        .await
    }

    /// Presses the button labelled `label` (exactly, or as a prefix with `prefix`) on `message`.
    pub async fn press_on(
        &mut self,
        message: &SentMessage,
        label: &str,
        prefix: bool,
        expect: impl Fn(&SentMessage) -> bool,
    ) -> Step<SentMessage> {
        let data = self.button_data(message, label, prefix)?;
        self.step(Act::Press(message.message_id, data), expect)
            .await
    }

    /// The callback data of the button labelled `label` (or starting with it) on `message` as
    /// it is now.
    fn button_data(&self, message: &SentMessage, label: &str, prefix: bool) -> Step<String> {
        let current = self
            .sim
            .fake
            .message(self.user.id, message.message_id)
            .unwrap_or_else(|| message.clone());
        current
            .inline_buttons()
            .into_iter()
            .find(|b| {
                if prefix {
                    b.text.starts_with(label)
                } else {
                    b.text == label
                }
            })
            .and_then(|b| b.callback_data)
            .ok_or_else(|| {
                Stuck::ButtonGone(format!(
                    "{}: no button {label:?} on #{}: {:?}",
                    self.name,
                    message.message_id,
                    current.button_labels()
                ))
            })
    }

    /// As `press_on` (exact label), for a button that may have had its moment: the bot's
    /// notice alone is an answer too, returned as `Stuck::Refused`.
    pub async fn press_on_or_notice(
        &mut self,
        message: &SentMessage,
        label: &str,
        expect: impl Fn(&SentMessage) -> bool,
    ) -> Step<SentMessage> {
        let data = self.button_data(message, label, false)?;
        self.step_noticing(Act::Press(message.message_id, data), expect, 1)
            .await
    }

    /// Presses `label` on the newest message that has it.
    pub async fn press(
        &mut self,
        label: &str,
        expect: impl Fn(&SentMessage) -> bool,
    ) -> Step<SentMessage> {
        self.read_new();
        let message = self
            .inbox
            .iter()
            .rev()
            .find(|m| m.button_labels().iter().any(|l| l == label))
            .cloned()
            .ok_or_else(|| {
                Stuck::ButtonGone(format!("{}: no message with {label:?}", self.name))
            })?;
        self.press_on(&message, label, false, expect).await
    }

    /// The newest message (seen so far or arriving within `limit`) containing `needle`.
    pub async fn await_text(&mut self, needle: &str, limit: Duration) -> Option<SentMessage> {
        self.read_new();
        if let Some(m) = self
            .inbox
            .iter()
            .rev()
            .find(|m| m.plain_text.contains(needle))
        {
            return Some(m.clone());
        }
        let from = self.inbox.len();
        self.wait_for(from, limit, &|m| m.plain_text.contains(needle))
            .await
    }

    /// `/cancel`, accepting either answer; used to get back to a known state after a crash.
    pub async fn cancel(&mut self) -> Step<SentMessage> {
        self.say("/cancel", |m| {
            m.plain_text.contains("已取消") || m.plain_text.contains("没有需要取消")
        })
        .await
    }
}
