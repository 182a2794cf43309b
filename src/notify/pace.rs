//! Pacing sends to Telegram's limits: about one message a second per private chat, twenty a
//! minute per group, thirty a second overall (the Telegram contract, docs/architecture.md).
//!
//! teloxide's `Throttle` adaptor releases queued sends on a fixed 250 ms tick, so under any
//! steady load every reply waited up to a quarter of a second even when no limit was near.
//! Here a send goes at once when its chat and the bot as a whole have room.
//!
//! Telegram counts a send when it *arrives*; a sender only knows when it left and when the
//! answer came back. So a send's turn lasts until its answer is back ([`Turn`] is dropped),
//! and the pace is counted from there: a chat's next message leaves one interval after the
//! previous one was answered, which puts the arrivals at least that far apart however long
//! either request travelled. Overall, sends are spread evenly over the second (and never more
//! than the limit in any second) rather than let out in one burst that could arrive bunched.
//!
//! A reply has a person waiting for it; a queued message (the outbox) does not. While a reply
//! waits for the overall limit, queued messages let it go first: otherwise a reply drew lots
//! with every queued send of a busy moment and could wait out the whole queue. Replies waiting
//! together go in the order they asked, so none is passed over by newer ones for as long as
//! people keep pressing. And while both wait, queued messages still get a third of the places:
//! when people's replies alone would fill the limit (a whole team at work), notifications
//! (a repair done, tomorrow's welcome) keep going out instead of waiting for a quiet moment.
//! Except while the first reply in line is an album: it needs several places free at once,
//! which queued messages taking their share each second could keep from ever happening.
//! Queued messages too go in the order they asked, the oldest first: otherwise every place
//! freed went to whichever waiting message woke first, and one could be passed over by newer
//! ones for as long as the queue stayed full.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::types::ChatId;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

/// The limits a [`Pacer`] keeps; zero lifts a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceLimits {
    pub per_private_chat_per_sec: u32,
    pub per_group_per_min: u32,
    pub overall_per_sec: u32,
}

impl Default for PaceLimits {
    /// Telegram's published limits.
    fn default() -> Self {
        PaceLimits {
            per_private_chat_per_sec: 1,
            per_group_per_min: 20,
            overall_per_sec: 30,
        }
    }
}

/// When a chat's last send was answered; locked for the whole of a send to that chat.
type ChatSlot = Arc<tokio::sync::Mutex<Option<Instant>>>;

#[derive(Default)]
struct Overall {
    /// When each item sent in the last second left, oldest first.
    sent: VecDeque<Instant>,
    /// The same, of the items queued messages sent.
    queued_sent: VecDeque<Instant>,
    /// The earliest the next item may leave (even spreading).
    next: Option<Instant>,
}

/// Hands out send turns; share one per bot token (the limits are per bot).
pub struct Pacer {
    limits: PaceLimits,
    chats: Mutex<HashMap<i64, ChatSlot>>,
    overall: Mutex<Overall>,
    /// Replies waiting for a place overall, in the order they asked: only the first asks
    /// for one. Queued messages give way to them.
    replies: Mutex<VecDeque<u64>>,
    /// Numbers the replies in line.
    next_reply: AtomicU64,
    /// Wakes the replies in line when the first has left it.
    line_moved: tokio::sync::Notify,
    /// Queued messages with their chat's turn, waiting for a place overall.
    queued_waiting: AtomicUsize,
    /// The queued messages that have had their chat's turn, by the order they asked: only the
    /// first takes a place, so the oldest goes first rather than whichever wakes first.
    queued_line: Mutex<std::collections::BTreeSet<u64>>,
    /// Numbers the queued messages.
    next_queued: AtomicU64,
    /// Wakes the queued messages in line when the first has left it.
    queued_moved: tokio::sync::Notify,
    /// The first reply in line is an album that found too few places free.
    album_waiting: AtomicBool,
}

/// A reply's place in line for a place overall; leaving (a cancelled wait too) lets the next
/// one ask.
struct InLine<'a> {
    pacer: &'a Pacer,
    number: u64,
}

impl<'a> InLine<'a> {
    fn join(pacer: &'a Pacer) -> InLine<'a> {
        let number = pacer.next_reply.fetch_add(1, Ordering::SeqCst);
        pacer.line().push_back(number);
        InLine { pacer, number }
    }

    fn is_first(&self) -> bool {
        self.pacer.line().front() == Some(&self.number)
    }

    /// Waits until this reply is the first in line.
    async fn first(&self) {
        loop {
            let moved = self.pacer.line_moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            if self.is_first() {
                return;
            }
            moved.await;
        }
    }
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        let mut line = self.pacer.line();
        if line.front() == Some(&self.number) {
            self.pacer.album_waiting.store(false, Ordering::SeqCst);
        }
        line.retain(|n| *n != self.number);
        drop(line);
        self.pacer.line_moved.notify_waiters();
    }
}

/// A queued message's place in line for a place overall; leaving (sent, or a cancelled wait)
/// lets the next one ask.
struct QueuedInLine<'a> {
    pacer: &'a Pacer,
    number: u64,
}

impl<'a> QueuedInLine<'a> {
    fn join(pacer: &'a Pacer, number: u64) -> QueuedInLine<'a> {
        pacer.queued_line().insert(number);
        QueuedInLine { pacer, number }
    }

    fn is_first(&self) -> bool {
        self.pacer.queued_line().first() == Some(&self.number)
    }
}

impl Drop for QueuedInLine<'_> {
    fn drop(&mut self) {
        self.pacer.queued_line().remove(&self.number);
        self.pacer.queued_moved.notify_waiters();
    }
}

/// Counts a reply as waiting for as long as it is held (a cancelled wait is uncounted too).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Waiting<'a> {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A send's turn: hold it until Telegram has answered the send, then drop it.
#[must_use = "hold the turn until the send is answered"]
pub struct Turn {
    chat: Option<OwnedMutexGuard<Option<Instant>>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let now = Instant::now();
        if let Some(chat) = self.chat.as_mut() {
            **chat = Some(now);
        }
    }
}

/// How many chats' slots are kept before idle ones are dropped.
const PRUNE_ABOVE: usize = 4_096;

impl Pacer {
    pub fn new(limits: PaceLimits) -> Pacer {
        Pacer {
            limits,
            chats: Mutex::new(HashMap::new()),
            overall: Mutex::new(Overall::default()),
            replies: Mutex::new(VecDeque::new()),
            next_reply: AtomicU64::new(0),
            line_moved: tokio::sync::Notify::new(),
            queued_waiting: AtomicUsize::new(0),
            queued_line: Mutex::new(std::collections::BTreeSet::new()),
            next_queued: AtomicU64::new(0),
            queued_moved: tokio::sync::Notify::new(),
            album_waiting: AtomicBool::new(false),
        }
    }

    /// A reply's turn: waits until `items` messages (an album is several) may go to `chat`;
    /// the turn lasts until the returned [`Turn`] is dropped, which should be when Telegram
    /// has answered.
    pub async fn turn(&self, chat: ChatId, items: usize) -> Turn {
        self.take_turn(chat, items, true).await
    }

    /// A queued message's turn, as [`Pacer::turn`], giving way to replies.
    pub async fn queued_turn(&self, chat: ChatId, items: usize) -> Turn {
        self.take_turn(chat, items, false).await
    }

    async fn take_turn(&self, chat: ChatId, items: usize, reply: bool) -> Turn {
        if reply {
            let chat_guard = self.chat_turn(chat).await;
            if self.limits.overall_per_sec == 0 {
                return Turn { chat: chat_guard };
            }
            let place = InLine::join(self);
            place.first().await;
            loop {
                let now = Instant::now();
                let until = if self.queued_waiting.load(Ordering::SeqCst) > 0
                    && self.queued_go_first(now)
                {
                    now + self.interval()
                } else {
                    match self.take_overall(items, now, false) {
                        Ok(()) => return Turn { chat: chat_guard },
                        Err(until) => {
                            if items > 1 {
                                self.album_waiting.store(true, Ordering::SeqCst);
                            }
                            until
                        }
                    }
                };
                tokio::time::sleep_until(until).await;
            }
        }
        let number = self.next_queued.fetch_add(1, Ordering::SeqCst);
        let mut in_line = None;
        let mut waiting = None;
        loop {
            drop(waiting.take());
            let chat_guard = self.chat_turn(chat).await;
            if self.limits.overall_per_sec == 0 {
                return Turn { chat: chat_guard };
            }
            // In line from its first chat's turn on, keeping its place while it waits.
            let in_line = in_line.get_or_insert_with(|| QueuedInLine::join(self, number));
            let moved = self.queued_moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            if !in_line.is_first() {
                drop(chat_guard);
                moved.await;
                continue;
            }
            // Counted as waiting (replies give way to it) only while first in line with its
            // chat's turn: only then can it go. Counting the rest would have a reply to the
            // first one's chat give way while holding the chat it needs.
            waiting = Some(Waiting::new(&self.queued_waiting));
            let now = Instant::now();
            let replies_waiting = !self.line().is_empty();
            let until = if replies_waiting && !self.queued_go_first(now) {
                now + self.interval()
            } else {
                match self.take_overall(items, now, true) {
                    Ok(()) => return Turn { chat: chat_guard },
                    Err(until) => until,
                }
            };
            // A queued message waiting for a place overall lets go of its chat meanwhile: held,
            // a reply to the same chat would wait behind it, and it behind every other reply.
            drop(chat_guard);
            tokio::time::sleep_until(until).await;
        }
    }

    fn line(&self) -> std::sync::MutexGuard<'_, VecDeque<u64>> {
        self.replies.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn queued_line(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<u64>> {
        self.queued_line.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The time one place overall takes.
    fn interval(&self) -> Duration {
        Duration::from_secs(1) / self.limits.overall_per_sec
    }

    /// Whether, with replies and queued messages both waiting, a queued message goes first:
    /// when queued messages took fewer than their share of the last second's places, and the
    /// first reply in line is not an album waiting for room. Both sides ask this one question,
    /// so one of them always goes.
    fn queued_go_first(&self, now: Instant) -> bool {
        !self.album_waiting.load(Ordering::SeqCst) && self.queued_below_share(now)
    }

    /// Whether queued messages took fewer than their share (a third) of the last second's
    /// places.
    fn queued_below_share(&self, now: Instant) -> bool {
        let share = (self.limits.overall_per_sec as usize / 3).max(1);
        let mut overall = self.overall.lock().unwrap_or_else(|e| e.into_inner());
        while overall
            .queued_sent
            .front()
            .is_some_and(|t| *t + Duration::from_secs(1) <= now)
        {
            overall.queued_sent.pop_front();
        }
        overall.queued_sent.len() < share
    }

    /// Waits for `chat`'s turn: its previous send answered at least one interval ago. The
    /// guard keeps other sends to the chat waiting until it is dropped.
    async fn chat_turn(&self, chat: ChatId) -> Option<OwnedMutexGuard<Option<Instant>>> {
        let interval = self.chat_interval(chat)?;
        let guard = self.chat_slot(chat).lock_owned().await;
        if let Some(answered) = *guard {
            tokio::time::sleep_until(answered + interval).await;
        }
        Some(guard)
    }

    /// The least time between a chat's answered send and its next one.
    fn chat_interval(&self, chat: ChatId) -> Option<Duration> {
        let (limit, window) = if chat.0 < 0 {
            (self.limits.per_group_per_min, Duration::from_secs(60))
        } else {
            (self.limits.per_private_chat_per_sec, Duration::from_secs(1))
        };
        (limit > 0).then(|| window / limit)
    }

    fn chat_slot(&self, chat: ChatId) -> ChatSlot {
        let mut chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        if chats.len() > PRUNE_ABOVE {
            // A slot nobody holds or waits for, answered long enough ago, limits nothing.
            let now = Instant::now();
            chats.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot.try_lock().map_or(true, |answered| {
                        answered.is_some_and(|t| now < t + Duration::from_secs(60))
                    })
            });
        }
        chats.entry(chat.0).or_default().clone()
    }

    /// Takes `items` places overall now (for a queued message if `queued`), or says when to
    /// ask again.
    fn take_overall(&self, items: usize, now: Instant, queued: bool) -> Result<(), Instant> {
        let limit = self.limits.overall_per_sec as usize;
        let window = Duration::from_secs(1);
        let mut overall = self.overall.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(next) = overall.next
            && now < next
        {
            return Err(next);
        }
        while overall.sent.front().is_some_and(|t| *t + window <= now) {
            overall.sent.pop_front();
        }
        // An album bigger than the whole limit still goes, alone in an empty window.
        let items = items.clamp(1, limit);
        if overall.sent.len() + items > limit {
            return Err(overall.sent[overall.sent.len() + items - limit - 1] + window);
        }
        overall.sent.extend(std::iter::repeat_n(now, items));
        if queued {
            overall.queued_sent.extend(std::iter::repeat_n(now, items));
        }
        // The next place is one interval on from this one's planned time, so a late wake-up
        // (the timer's millisecond) does not slow the pace; after a quiet spell it starts now.
        let interval = window / self.limits.overall_per_sec * items as u32;
        let base = match overall.next {
            Some(planned) if planned + interval > now => planned,
            _ => now,
        };
        overall.next = Some(base + interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal within the timer's millisecond resolution.
    fn assert_about(actual: Duration, expected: Duration) {
        assert!(
            actual >= expected && actual <= expected + Duration::from_millis(2),
            "{actual:?}, expected {expected:?}"
        );
    }

    fn pacer(per_chat: u32, overall: u32) -> Pacer {
        Pacer::new(PaceLimits {
            per_private_chat_per_sec: per_chat,
            per_group_per_min: 20,
            overall_per_sec: overall,
        })
    }

    /// A send that Telegram answers after `latency`.
    async fn send(pacer: &Pacer, chat: i64, items: usize, latency: Duration) {
        let turn = pacer.turn(ChatId(chat), items).await;
        tokio::time::sleep(latency).await;
        drop(turn);
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_bot_sends_at_once() {
        let pacer = pacer(1, 30);
        let began = Instant::now();
        send(&pacer, 7, 1, Duration::ZERO).await;
        assert_eq!(began.elapsed(), Duration::ZERO);
        // The next send to anyone waits its share of the second, 1/30 s.
        send(&pacer, 8, 1, Duration::ZERO).await;
        assert_about(began.elapsed(), Duration::from_secs(1) / 30);
    }

    #[tokio::test(start_paused = true)]
    async fn a_chat_gets_its_next_message_a_second_after_the_last_was_answered() {
        let pacer = pacer(1, 30);
        let began = Instant::now();
        let mut left = Vec::new();
        for _ in 0..4 {
            let turn = pacer.turn(ChatId(7), 1).await;
            left.push(began.elapsed());
            // Each request takes 300 ms to be answered.
            tokio::time::sleep(Duration::from_millis(300)).await;
            drop(turn);
        }
        for pair in left.windows(2) {
            assert_about(pair[1] - pair[0], Duration::from_millis(1_300));
        }
        // Another chat is not held up by the busy one.
        let other = Instant::now();
        send(&pacer, 9, 1, Duration::ZERO).await;
        assert!(
            other.elapsed() <= Duration::from_millis(40),
            "{:?}",
            other.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn sends_to_one_chat_from_two_senders_take_turns() {
        let pacer = Arc::new(pacer(1, 30));
        let began = Instant::now();
        let a = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                send(&pacer, 5, 1, Duration::from_millis(200)).await;
                began.elapsed()
            })
        };
        let b = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                let turn = pacer.turn(ChatId(5), 1).await;
                let left = began.elapsed();
                drop(turn);
                left
            })
        };
        let first_answered = a.await.unwrap();
        let second_left = b.await.unwrap();
        assert_about(second_left, first_answered + Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_overall_limit_holds_in_every_second() {
        let pacer = Arc::new(pacer(1, 30));
        let began = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for chat in 0..100 {
            let pacer = pacer.clone();
            tasks.spawn(async move {
                let turn = pacer.turn(ChatId(chat), 1).await;
                let left = began.elapsed();
                tokio::time::sleep(Duration::from_millis(80)).await;
                drop(turn);
                left
            });
        }
        let mut times: Vec<Duration> = tasks.join_all().await;
        times.sort();
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1));
            assert!(
                in_window.count() <= 30,
                "more than 30 sends in the second from {t:?}"
            );
        }
        // Evenly spread (to the timer's millisecond).
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_secs(1) / 30 - Duration::from_millis(1),
                "{pair:?}"
            );
        }
        // 100 sends at 30 a second, evenly spread.
        assert!(
            times[99] >= Duration::from_secs(1) / 30 * 99 && times[99] < Duration::from_secs(4),
            "{:?}",
            times[99]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_album_counts_each_photo_towards_the_overall_limit() {
        let pacer = pacer(1, 30);
        let began = Instant::now();
        send(&pacer, 1, 10, Duration::ZERO).await;
        // Ten photos take a third of the second's thirty places.
        send(&pacer, 2, 1, Duration::ZERO).await;
        assert_about(began.elapsed(), Duration::from_secs(1) / 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_gets_twenty_a_minute() {
        let pacer = pacer(1, 30);
        let began = Instant::now();
        for _ in 0..21 {
            send(&pacer, -100, 1, Duration::ZERO).await;
        }
        // Three seconds apart: the 21st a minute after the first.
        assert_about(began.elapsed(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_lifts_a_limit() {
        let pacer = pacer(0, 0);
        let began = Instant::now();
        for _ in 0..1000 {
            send(&pacer, 5, 1, Duration::ZERO).await;
        }
        assert_eq!(began.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_message_waiting_for_its_place_does_not_hold_up_a_reply_to_its_chat() {
        let pacer = Arc::new(pacer(1, 10));
        let began = Instant::now();
        // Three seconds of replies to other chats, forty queued messages to others ahead of a
        // queued message to chat 7: it waits about twelve seconds for its place.
        let mut storm = tokio::task::JoinSet::new();
        for chat in 100..130 {
            let pacer = pacer.clone();
            storm.spawn(async move { send(&pacer, chat, 1, Duration::from_millis(50)).await });
        }
        let mut ahead = tokio::task::JoinSet::new();
        for chat in 200..240 {
            let pacer = pacer.clone();
            ahead.spawn(async move { drop(pacer.queued_turn(ChatId(chat), 1).await) });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let queued = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                let turn = pacer.queued_turn(ChatId(7), 1).await;
                drop(turn);
                began.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Chat 7's person does something and is answered: in the storm, not after it.
        let reply = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                send(&pacer, 7, 1, Duration::from_millis(50)).await;
                began.elapsed()
            })
        };
        let replied = reply.await.unwrap();
        let queued = queued.await.unwrap();
        storm.join_all().await;
        ahead.join_all().await;
        // Thirty-one replies at two thirds of ten a second.
        assert!(replied <= Duration::from_millis(5_000), "{replied:?}");
        assert!(replied < queued, "reply {replied:?}, queued {queued:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reply_goes_ahead_of_the_queued_messages() {
        let pacer = Arc::new(pacer(0, 10));
        let began = Instant::now();
        // A busy moment: 50 queued messages to 50 chats, five seconds' worth at 10/s.
        let mut queued = tokio::task::JoinSet::new();
        for chat in 0..50 {
            let pacer = pacer.clone();
            queued.spawn(async move {
                let turn = pacer.queued_turn(ChatId(chat), 1).await;
                drop(turn);
                began.elapsed()
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        // The person's reply is a task among the others, as a handler is.
        let reply = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                let asked = Instant::now();
                send(&pacer, 999, 1, Duration::ZERO).await;
                asked.elapsed()
            })
        };
        let waited = reply.await.unwrap();
        assert!(
            waited <= Duration::from_millis(200),
            "the reply waited {waited:?} behind the queue"
        );
        let mut last = Duration::ZERO;
        while let Some(left) = queued.join_next().await {
            last = last.max(left.unwrap());
        }
        // The queue still went, at the pace, one place later for the reply.
        assert!(
            last >= Duration::from_millis(5_000) && last <= Duration::from_millis(5_200),
            "{last:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn replies_waiting_together_go_in_the_order_they_asked() {
        let pacer = Arc::new(pacer(1, 10));
        let began = Instant::now();
        // A steady stream of replies, one every 50 ms to a chat of its own: twice what the
        // limit lets through, so a line builds up.
        let mut replies = tokio::task::JoinSet::new();
        for i in 0..60u32 {
            let pacer = pacer.clone();
            replies.spawn(async move {
                tokio::time::sleep(Duration::from_millis(50) * i).await;
                let asked = began.elapsed();
                send(&pacer, i64::from(i), 1, Duration::from_millis(30)).await;
                (i, asked, began.elapsed())
            });
        }
        let mut done = replies.join_all().await;
        done.sort_by_key(|(i, _, _)| *i);
        for pair in done.windows(2) {
            assert!(
                pair[0].2 <= pair[1].2,
                "reply {} (asked at {:?}) went after reply {} (asked at {:?})",
                pair[0].0,
                pair[0].1,
                pair[1].0,
                pair[1].1
            );
        }
        // The first in line waits no longer than those ahead of it take: at most six seconds
        // for the last of sixty at ten a second.
        let longest = done
            .iter()
            .map(|(_, asked, answered)| *answered - *asked)
            .max();
        assert!(longest <= Some(Duration::from_millis(3_100)), "{longest:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn queued_messages_go_in_the_order_they_asked() {
        let pacer = Arc::new(pacer(1, 10));
        let began = Instant::now();
        // Forty queued messages, one every 10 ms to a chat of its own: ten times what the limit
        // lets through, so they wait together, each woken for the same free place.
        let mut queued = tokio::task::JoinSet::new();
        for i in 0..40u32 {
            let pacer = pacer.clone();
            queued.spawn(async move {
                tokio::time::sleep(Duration::from_millis(10) * i).await;
                let turn = pacer.queued_turn(ChatId(i64::from(i)), 1).await;
                let left = began.elapsed();
                tokio::time::sleep(Duration::from_millis(30)).await;
                drop(turn);
                (i, left)
            });
        }
        let mut done = queued.join_all().await;
        done.sort_by_key(|(_, left)| *left);
        let order: Vec<u32> = done.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, (0..40).collect::<Vec<_>>());
    }

    #[tokio::test(start_paused = true)]
    async fn queued_messages_keep_a_third_of_the_places_while_replies_fill_the_rest() {
        let pacer = Arc::new(pacer(1, 30));
        let began = Instant::now();
        // Ten seconds' worth of replies at the whole limit, all asking at once, and sixty
        // queued messages to other chats.
        let mut replies = tokio::task::JoinSet::new();
        for chat in 0..300 {
            let pacer = pacer.clone();
            replies.spawn(async move {
                send(&pacer, chat, 1, Duration::from_millis(30)).await;
                began.elapsed()
            });
        }
        let mut queued = tokio::task::JoinSet::new();
        for chat in 1_000..1_060 {
            let pacer = pacer.clone();
            queued.spawn(async move {
                let turn = pacer.queued_turn(ChatId(chat), 1).await;
                let left = began.elapsed();
                drop(turn);
                left
            });
        }
        let queued = queued.join_all().await;
        let replies = replies.join_all().await;
        // Ten a second of the thirty: the sixty within about six seconds.
        let last_queued = queued.iter().max().copied().unwrap_or_default();
        assert!(
            last_queued <= Duration::from_millis(6_200),
            "the last queued message went at {last_queued:?}"
        );
        // The replies had the rest, and the limit held: 360 sends in about twelve seconds.
        let last_reply = replies.iter().max().copied().unwrap_or_default();
        assert!(
            last_reply >= Duration::from_secs(11) && last_reply <= Duration::from_millis(12_200),
            "the last reply went at {last_reply:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_album_of_the_whole_limit_goes_while_queued_messages_keep_coming() {
        let pacer = Arc::new(pacer(1, 10));
        let began = Instant::now();
        let mut queued = tokio::task::JoinSet::new();
        for chat in 1_000..1_100 {
            let pacer = pacer.clone();
            queued.spawn(async move {
                let turn = pacer.queued_turn(ChatId(chat), 1).await;
                drop(turn);
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Ten photos need the whole second's places free at once.
        let asked = Instant::now();
        send(&pacer, 7, 10, Duration::ZERO).await;
        let waited = asked.elapsed();
        assert!(
            waited <= Duration::from_millis(1_300),
            "the album waited {waited:?}"
        );
        queued.join_all().await;
        // The queued messages went on after it, within the limit: 110 places at 10 a second,
        // and at most the second the album waited for the window to empty.
        let all = began.elapsed();
        assert!(
            all <= Duration::from_millis(12_100),
            "the queue took {all:?}"
        );
    }
}
