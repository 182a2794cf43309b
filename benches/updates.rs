//! Update-path benchmark. Prints figures measured side by side in one run; asserts
//! nothing about timing. Run with `cargo bench --bench updates`.
//!
//! Contestants, each polling its own instance of the strict fake Telegram server
//! (the `fake-telegram` crate) and fed the same stream of updates from the same chats:
//!
//! 1. **bare teloxide**: a `Dispatcher` over a plain `Bot` whose handler answers every message
//!    with one `sendMessage` (and a button press with `answerCallbackQuery` + one
//!    `sendMessage`) — the floor any teloxide bot pays for polling and replying.
//! 2. **full app**: `handover_bot::app::start` on SQLite (migrations applied) with 450 buyers and
//!    50 ambassadors imported through the import service, households assigned, everyone linked
//!    by sharing their contact. The stream is what linked people send: buyers `/myhome`,
//!    `/ambassador`, `/help`, `/start`, `/mydefects`; ambassadors `/today`, `/customers`, `/me`,
//!    `/customer UNIT` and presses of a household button on their own `/customers` list (the
//!    card). Each update produces exactly one `sendMessage`; the run checks that.
//! 3. **bare + Throttle** (diagnostic): the bare handler behind the same
//!    `CacheMe<Throttle<Bot>>` adaptor stack and limits as the application, to separate the
//!    cost of teloxide's throttle from the application's own work.
//!
//! Rate limits are lifted for every contestant alike: the fake enforces none (`set_limits(0,
//! 0)`), and the throttled contestants run with `messages_per_sec_chat` and
//! `messages_per_sec_overall` at 100,000. Real Telegram would cap sends at about 30/s; this
//! measures the bot's own capacity.
//!
//! Phases, in interleaved rounds (the order of contestants rotates each round), after a
//! warm-up of 2,000 updates each:
//!
//! - **capacity**: 2,500 updates injected at once per round (10,000 in all), spread over the
//!   500 chats; updates/s = updates / (last reply − first injection).
//! - **latency**: 2,500 updates per round (10,000 in all) offered at a steady 1,000 updates/s;
//!   latency = from the fake making the update available to the fake receiving the reply
//!   (matched by chat and order). p50 and p99; "kept up" is the rate the replies came back at.
//! - **light load**: 500 updates per round (2,000 in all) at 200 updates/s, the latency floor
//!   without queueing.
//!
//! A chat whose replies do not number its updates is left out of the latencies and counted in
//! the output (there should be none).
//!
//! Targets: the full app ≥ 1,000 updates/s, p99 ≤ 25 ms, updates/s ratio app/bare
//! ≥ 0.5.
//!
//! For profiling: `UPDATES_BENCH_ONLY=app` (or `bare`, `throttle`, comma-separated) runs only
//! those contestants; `UPDATES_BENCH_PROFILE=1` first times, call by call, the database work of
//! the update path (`cargo bench --bench updates` then run the binary it names with them).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use handover_bot::services::assignment::{ConfirmOutcome, Planner};
use std::collections::HashMap;
use std::time::Duration;
use support::app::TestApp;
use support::fake_telegram::{FakeTelegram, RecordedRequest, TOKEN, User};
use support::people::{load_buyers, load_staff};
use teloxide::adaptors::throttle::{Limits, Settings as ThrottleSettings};
use teloxide::adaptors::{CacheMe, Throttle};
use teloxide::dispatching::{ShutdownToken, UpdateHandler};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const BUYERS: usize = 450;
const AMBASSADORS: usize = 50;
const CHATS: usize = BUYERS + AMBASSADORS;
const WARMUP: usize = 2_000;
const ROUNDS: usize = 4;
const BURST_PER_ROUND: usize = 2_500;
const PACED_PER_ROUND: usize = 2_500;
const PACED_RATE: f64 = 1_000.0;
const LIGHT_PER_ROUND: usize = 500;
const LIGHT_RATE: f64 = 200.0;
/// The lifted pace (messages per second, per chat and overall) of the throttled contestants.
const LIFTED: u32 = 100_000;
const POLL_TIMEOUT: Duration = Duration::from_secs(1);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a phase may take before the run gives up on it.
const PHASE_TIMEOUT: Duration = Duration::from_secs(180);

/// What a person does next.
#[derive(Clone, Debug)]
enum Action {
    Text(String),
    /// Presses the household button with this callback data on their `/customers` list.
    Press(String),
}

/// One chat of the stream: who writes, and what they do, in turn.
struct Chat {
    user: User,
    actions: Vec<Action>,
}

const BUYER_TEXTS: [&str; 5] = ["/myhome", "/ambassador", "/help", "/start", "/mydefects"];

fn buyer_phone(i: usize) -> String {
    format!("1390000{i:04}")
}

fn ambassador_phone(j: usize) -> String {
    format!("1370000{j:04}")
}

/// The chats in stream order: an ambassador every tenth chat, buyers in between.
fn chat_users() -> Vec<(User, Option<usize>, Option<usize>)> {
    let mut out = Vec::with_capacity(CHATS);
    let (mut b, mut a) = (0, 0);
    for n in 0..CHATS {
        if n % 10 == 0 && a < AMBASSADORS {
            out.push((
                User::new(200_000 + a as i64, &format!("Amb{a}")),
                None,
                Some(a),
            ));
            a += 1;
        } else {
            out.push((
                User::new(100_000 + b as i64, &format!("Buyer{b}")),
                Some(b),
                None,
            ));
            b += 1;
        }
    }
    out
}

/// What a paced phase is for.
#[derive(Clone, Copy)]
enum Load {
    Warmup,
    /// At the target rate: the latency figures.
    Target,
    /// At a light rate: the latency floor, without queueing.
    Light,
}

// ----- contestants ------------------------------------------------------------------------------

enum Kind {
    Bare {
        shutdown: ShutdownToken,
        task: JoinHandle<()>,
    },
    App(Box<TestApp>),
}

struct Contestant {
    name: &'static str,
    fake: FakeTelegram,
    kind: Kind,
    /// The bot message a chat's button presses go to.
    press_target: HashMap<i64, i64>,
    /// Next update of the stream (global position).
    position: usize,
    /// Next action per chat.
    cursor: Vec<usize>,
    /// Last request of the fake's log already looked at.
    seen_seq: u64,
    capacity: Vec<(usize, Duration)>,
    latencies: Vec<Duration>,
    light_latencies: Vec<Duration>,
    paced_windows: Vec<(usize, Duration)>,
    mismatched_chats: usize,
}

impl Contestant {
    fn new(name: &'static str, fake: FakeTelegram, kind: Kind) -> Self {
        Contestant {
            name,
            fake,
            kind,
            press_target: HashMap::new(),
            position: 0,
            cursor: vec![0; CHATS],
            seen_seq: 0,
            capacity: Vec::new(),
            latencies: Vec::new(),
            light_latencies: Vec::new(),
            paced_windows: Vec::new(),
            mismatched_chats: 0,
        }
    }

    /// Performs the next update of the stream; returns its chat.
    fn inject(&mut self, chats: &[Chat]) -> i64 {
        let index = self.position % CHATS;
        self.position += 1;
        let chat = &chats[index];
        let action = &chat.actions[self.cursor[index] % chat.actions.len()];
        self.cursor[index] += 1;
        match action {
            Action::Text(text) => {
                self.fake.send_text(&chat.user, text);
            }
            Action::Press(data) => {
                let message = self.press_target[&chat.user.id];
                if matches!(self.kind, Kind::App(_)) {
                    // A real press: the fake checks the button is on the message.
                    self.fake.press_button(&chat.user, message, data);
                } else {
                    // The bare bots' messages carry no buttons; the update is the same.
                    self.fake.press_crafted_button(&chat.user, message, data);
                }
            }
        }
        chat.user.id
    }

    /// Moves past everything the fake has recorded so far.
    fn skip_log(&mut self) {
        if let Some(last) = self.fake.requests_after(self.seen_seq).last() {
            self.seen_seq = last.seq;
        }
    }

    /// Waits until the bot has sent `expected` messages since the last look at the log, then a
    /// little longer to catch any extra message; returns the successful sends (chat, time).
    async fn collect_replies(&mut self, expected: usize) -> Vec<(i64, Instant)> {
        let deadline = Instant::now() + PHASE_TIMEOUT;
        let mut replies = Vec::with_capacity(expected);
        let take = |log: Vec<RecordedRequest>, seen: &mut u64, replies: &mut Vec<_>| {
            for r in log {
                *seen = r.seq;
                if r.method == "sendMessage" && r.is_ok() {
                    replies.push((r.chat_id().unwrap_or_default(), r.at));
                }
            }
        };
        loop {
            take(
                self.fake.requests_after(self.seen_seq),
                &mut self.seen_seq,
                &mut replies,
            );
            if replies.len() >= expected {
                break;
            }
            if Instant::now() > deadline {
                panic!(
                    "{}: only {} of {expected} replies after {PHASE_TIMEOUT:?}; {} updates not taken",
                    self.name,
                    replies.len(),
                    self.fake.pending_updates()
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Extra messages (there should be none) would arrive shortly after.
        tokio::time::sleep(Duration::from_millis(300)).await;
        take(
            self.fake.requests_after(self.seen_seq),
            &mut self.seen_seq,
            &mut replies,
        );
        replies
    }

    /// Matches replies to updates by chat and order; returns the latencies and the window from
    /// the first injection to the last reply.
    fn match_up(
        &mut self,
        injected: &[(i64, Instant)],
        replies: &[(i64, Instant)],
    ) -> (Vec<Duration>, Duration) {
        let mut by_chat: HashMap<i64, (Vec<Instant>, Vec<Instant>)> = HashMap::new();
        for (chat, at) in injected {
            by_chat.entry(*chat).or_default().0.push(*at);
        }
        for (chat, at) in replies {
            by_chat.entry(*chat).or_default().1.push(*at);
        }
        let mut latencies = Vec::with_capacity(injected.len());
        for (sent, got) in by_chat.values() {
            if sent.len() != got.len() {
                self.mismatched_chats += 1;
                continue;
            }
            latencies.extend(sent.iter().zip(got).map(|(s, g)| g.duration_since(*s)));
        }
        let first = injected.iter().map(|(_, at)| *at).min().unwrap();
        let last = replies.iter().map(|(_, at)| *at).max().unwrap();
        (latencies, last.duration_since(first))
    }

    /// `n` updates injected at once.
    async fn burst(&mut self, chats: &[Chat], n: usize) {
        self.skip_log();
        let mut injected = Vec::with_capacity(n);
        for _ in 0..n {
            let chat = self.inject(chats);
            injected.push((chat, Instant::now()));
        }
        let replies = self.collect_replies(n).await;
        let (_, window) = self.match_up(&injected, &replies);
        self.capacity.push((n, window));
    }

    /// `n` updates at a steady `rate` per second; `load` says where the latencies go.
    async fn paced(&mut self, chats: &[Chat], n: usize, rate: f64, load: Load) {
        self.skip_log();
        let mut injected = Vec::with_capacity(n);
        let start = Instant::now();
        for i in 0..n {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            if Instant::now() < due {
                tokio::time::sleep_until(due).await;
            }
            let chat = self.inject(chats);
            injected.push((chat, Instant::now()));
        }
        let replies = self.collect_replies(n).await;
        let (latencies, window) = self.match_up(&injected, &replies);
        match load {
            Load::Warmup => {}
            Load::Target => {
                self.latencies.extend(latencies);
                self.paced_windows.push((n, window));
            }
            Load::Light => self.light_latencies.extend(latencies),
        }
    }

    fn updates_per_sec(&self) -> f64 {
        let n: usize = self.capacity.iter().map(|(n, _)| n).sum();
        let t: f64 = self.capacity.iter().map(|(_, w)| w.as_secs_f64()).sum();
        n as f64 / t
    }

    /// The `p`th percentile of `latencies` (nearest rank).
    fn percentile(latencies: &[Duration], p: f64) -> Duration {
        let mut all = latencies.to_vec();
        all.sort();
        let rank = ((p / 100.0) * all.len() as f64).ceil() as usize;
        all[rank.clamp(1, all.len()) - 1]
    }

    async fn stop(self) {
        match self.kind {
            Kind::Bare { shutdown, task } => {
                if let Ok(done) = shutdown.shutdown() {
                    done.await;
                }
                let _ = task.await;
            }
            Kind::App(app) => app.stop().await,
        }
    }
}

// ----- the bare dispatcher ----------------------------------------------------------------------

const BARE_REPLY: &str = "ok";

fn bare_schema<B>() -> UpdateHandler<teloxide::RequestError>
where
    B: Requester<Err = teloxide::RequestError> + Clone + Send + Sync + 'static,
{
    dptree::entry()
        .branch(
            Update::filter_message().endpoint(|bot: B, msg: Message| async move {
                bot.send_message(msg.chat.id, BARE_REPLY).await?;
                Ok(())
            }),
        )
        .branch(Update::filter_callback_query().endpoint(
            |bot: B, query: CallbackQuery| async move {
                bot.answer_callback_query(query.id.clone()).await?;
                let chat = query
                    .message
                    .as_ref()
                    .map(|m| m.chat().id)
                    .unwrap_or(ChatId(query.from.id.0 as i64));
                bot.send_message(chat, BARE_REPLY).await?;
                Ok(())
            },
        ))
}

/// The HTTP client the application builds for itself (`app::telegram_client`), for the bare bots.
fn raw_bot(fake: &FakeTelegram) -> Bot {
    let client = teloxide::net::default_reqwest_settings()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap();
    Bot::with_client(TOKEN, client).set_api_url(fake.api_url())
}

async fn start_bare<B>(bot: B) -> Kind
where
    B: Requester<Err = teloxide::RequestError> + Clone + Send + Sync + 'static,
    <B as Requester>::GetUpdates: Send,
{
    let mut dispatcher = Dispatcher::builder(bot.clone(), bare_schema::<B>())
        .default_handler(|_| async {})
        .build();
    let shutdown = dispatcher.shutdown_token();
    let listener = Polling::builder(bot)
        .timeout(POLL_TIMEOUT)
        .delete_webhook()
        .await
        .build();
    let task = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(listener, LoggingErrorHandler::new())
            .await;
    });
    Kind::Bare { shutdown, task }
}

async fn lifted_fake() -> FakeTelegram {
    let fake = FakeTelegram::start().await;
    fake.set_limits(0, 0);
    fake
}

/// Each chat writes once (`/customers` for ambassadors, `/help` for buyers) and gets its answer,
/// so every chat has a bot message to press buttons on.
async fn first_contact(c: &mut Contestant, chats: &[Chat]) {
    c.skip_log();
    for chat in chats {
        let text = if chat.actions.iter().any(|a| matches!(a, Action::Press(_))) {
            "/customers"
        } else {
            "/help"
        };
        c.fake.send_text(&chat.user, text);
    }
    c.collect_replies(chats.len()).await;
    for chat in chats {
        let message = c.fake.last_message(chat.user.id).unwrap().message_id;
        c.press_target.insert(chat.user.id, message);
    }
}

// ----- the application --------------------------------------------------------------------------

/// Polls until `done`, or panics after `PHASE_TIMEOUT`.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + PHASE_TIMEOUT;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn start_app() -> (TestApp, Vec<Chat>, HashMap<i64, i64>) {
    let app = TestApp::start_with(|config| {
        config.messages_per_sec_chat = LIFTED;
        config.messages_per_sec_overall = LIFTED;
        config.poll_timeout = POLL_TIMEOUT;
        config.request_timeout = REQUEST_TIMEOUT;
    })
    .await;
    app.fake.set_limits(0, 0);

    let mut staff = String::from("name,phone,roles,capacity\n");
    for j in 0..AMBASSADORS {
        staff.push_str(&format!(
            "Amb {j:02},{},ambassador,40\n",
            ambassador_phone(j)
        ));
    }
    load_staff(&app, &staff).await;
    let mut buyers = String::from("building,entrance,room,name,phone\n");
    for i in 0..BUYERS {
        buyers.push_str(&format!(
            "{},1,{},Buyer {i},{}\n",
            1 + i / 50,
            101 + i % 50,
            buyer_phone(i)
        ));
    }
    load_buyers(&app, &buyers).await;
    let services = app.services();
    let preview = services.assignment_preview(Planner::Cli).await.unwrap();
    let outcome = services
        .confirm_assignment(Planner::Cli, &preview.fingerprint)
        .await
        .unwrap();
    assert!(matches!(outcome, ConfirmOutcome::Applied(p) if p.placed == BUYERS));

    // Everyone opens the bot and shares their contact.
    let users = chat_users();
    let fake = app.fake.clone();
    let count_at_least = |n: usize| {
        let fake = fake.clone();
        let ids: Vec<i64> = users.iter().map(|(u, _, _)| u.id).collect();
        async move || {
            let counts = fake.sent_counts();
            ids.iter()
                .all(|id| counts.get(id).copied().unwrap_or(0) >= n)
        }
    };
    for (user, _, _) in &users {
        app.fake.send_text(user, "/start");
    }
    until("the /start answers", count_at_least(1)).await;
    for (user, buyer, ambassador) in &users {
        let phone = match (buyer, ambassador) {
            (Some(i), _) => buyer_phone(*i),
            (_, Some(j)) => ambassador_phone(*j),
            _ => unreachable!(),
        };
        app.fake.share_contact(
            user,
            &format!("+86{phone}"),
            Some(user.id),
            &user.first_name,
        );
    }
    until("the greetings", count_at_least(2)).await;
    // The introductions the linking queued (due a moment after the greeting) go out before
    // measuring.
    app.advance(chrono::Duration::seconds(10));
    let store = app.services().store.clone();
    until("the outbox to drain", async || {
        let mut tx = store.read().await.unwrap();
        let counts = tx.outbox_counts().await.unwrap();
        tx.commit().await.unwrap();
        counts.pending == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The stream: each ambassador's households (from their /customers list) feed presses and
    // /customer; buyers cycle through what buyers ask.
    let mut chats = Vec::with_capacity(CHATS);
    let mut lists = HashMap::new();
    for (user, _, ambassador) in &users {
        if ambassador.is_some() {
            app.fake.send_text(user, "/customers");
        }
    }
    for (user, _, ambassador) in &users {
        if ambassador.is_some() {
            let list = app
                .fake
                .wait_for_message(user.id, |m| {
                    m.inline_buttons().iter().any(|b| {
                        b.callback_data
                            .as_deref()
                            .is_some_and(|d| d.contains("card:"))
                    })
                })
                .await;
            lists.insert(user.id, list);
        }
    }
    for (user, _, ambassador) in users {
        let actions = if ambassador.is_some() {
            let list = &lists[&user.id];
            let homes: Vec<(String, String)> = list
                .inline_buttons()
                .into_iter()
                .filter_map(|b| {
                    let data = b.callback_data?;
                    data.contains("card:").then(|| {
                        let unit = b.text.split_whitespace().next().unwrap_or("").to_string();
                        (data, unit)
                    })
                })
                .collect();
            assert!(!homes.is_empty(), "{} has no households", user.first_name);
            let mut actions = Vec::new();
            for k in 0..homes.len().max(2) {
                let (data, unit) = &homes[k % homes.len()];
                actions.push(Action::Press(data.clone()));
                actions.push(Action::Text(
                    ["/today", "/customers", "/me"][k % 3].to_string(),
                ));
                actions.push(Action::Press(homes[(k + 1) % homes.len()].0.clone()));
                actions.push(Action::Text(format!("/customer {unit}")));
            }
            actions
        } else {
            BUYER_TEXTS
                .iter()
                .map(|t| Action::Text(t.to_string()))
                .collect()
        };
        chats.push(Chat { user, actions });
    }
    let press_target = lists.iter().map(|(id, m)| (*id, m.message_id)).collect();
    (app, chats, press_target)
}

// ----- where the application's time goes (UPDATES_BENCH_PROFILE=1) -----------------------------

/// Times, one call after another, the database work every update does (and two handlers'), so
/// the per-update cost can be split up without a profiler.
async fn profile_steps(app: &TestApp) {
    use handover_bot::bot::dialogue::{DbStorage, State};
    use handover_bot::services::assignment::CardQuery;
    use teloxide::dispatching::dialogue::Storage;
    const N: u32 = 2_000;
    let services = app.services().clone();
    let store = services.store.clone();
    let dialogues = DbStorage::new(store.clone(), services.clock.clone());
    let (buyer, ambassador) = (100_000, 200_000);
    let amb_actor = services.identify(ambassador, None).await.unwrap().actor;
    let unit = services.my_households(&amb_actor).await.unwrap()[0]
        .unit
        .unit_id;
    let report = |what: &str, started: Instant| {
        println!(
            "  {what:<62} {:>7.1} µs",
            started.elapsed().as_secs_f64() * 1e6 / f64::from(N)
        );
    };
    println!("where the full app's time goes: {N} calls each, one after another");
    let t = Instant::now();
    for _ in 0..N {
        store.read().await.unwrap().commit().await.unwrap();
    }
    report("empty read transaction", t);
    let t = Instant::now();
    for _ in 0..N {
        store.begin().await.unwrap().commit().await.unwrap();
    }
    report("empty write transaction (BEGIN IMMEDIATE)", t);
    let t = Instant::now();
    for i in 0..N {
        services
            .receive_updates(&[(900_000_000 + i64::from(i), "{}".to_owned())])
            .await
            .unwrap();
    }
    report(
        "receive_updates, one update (handled before? else into the inbox)",
        t,
    );
    let t = Instant::now();
    for _ in 0..N {
        services.identify(buyer, Some("zh-hans")).await.unwrap();
    }
    report("identify a buyer", t);
    let t = Instant::now();
    for _ in 0..N {
        services
            .identify(ambassador, Some("zh-hans"))
            .await
            .unwrap();
    }
    report("identify an ambassador", t);
    let t = Instant::now();
    for _ in 0..N {
        let _: Option<State> = dialogues.clone().get_dialogue(ChatId(buyer)).await.unwrap();
    }
    report("dialogue state read", t);
    let t = Instant::now();
    for _ in 0..N {
        services.my_households(&amb_actor).await.unwrap();
    }
    report("my_households (/customers)", t);
    let t = Instant::now();
    for _ in 0..N {
        services
            .household_card(&amb_actor, CardQuery::Unit(unit))
            .await
            .unwrap();
    }
    report("household_card (a card button)", t);
    let t = Instant::now();
    for i in 0..N {
        services
            .update_done(900_000_000 + i64::from(i), Some(buyer))
            .await
            .unwrap();
    }
    report("update_done (mark handled, reachable)", t);
    // The same write from 50 tasks at once: the single writer's throughput.
    let t = Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|task| {
            let services = services.clone();
            tokio::spawn(async move {
                for i in 0..N / 50 {
                    let id = 910_000_000 + i64::from(task * N + i);
                    services.update_done(id, Some(buyer)).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    report("update_done, 50 tasks at once (per call)", t);

    // The pool itself, on the same file with the store's settings: what a transaction costs,
    // and how much of it is the health check sqlx runs on every acquire.
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    use std::str::FromStr;
    let options = SqliteConnectOptions::from_str(&app.config.database_url)
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    for test_before_acquire in [true, false] {
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(test_before_acquire)
            .connect_with(options.clone())
            .await
            .unwrap();
        let t = Instant::now();
        for _ in 0..N {
            let _: i64 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        }
        report(
            &format!("raw sqlx: one SELECT 1 (test_before_acquire {test_before_acquire})"),
            t,
        );
        let t = Instant::now();
        for _ in 0..N {
            let mut tx = pool.begin().await.unwrap();
            let _: i64 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        report(
            &format!(
                "raw sqlx: BEGIN, SELECT 1, COMMIT (test_before_acquire {test_before_acquire})"
            ),
            t,
        );
        pool.close().await;
    }
}

// ----- the run ----------------------------------------------------------------------------------

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// The machine is shared: what else ran shows here.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

async fn run() {
    let profile = if cfg!(debug_assertions) {
        "dev (debug build of the bot)"
    } else {
        "release"
    };
    println!(
        "update-path benchmark: {} cores, {}; profile {profile}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    println!("load average at the start: {}", load_average());
    println!(
        "rate limits lifted for every contestant alike: the fake enforces none; the throttled bots run \
         at {LIFTED} msg/s per chat and overall. Real Telegram caps sends at ~30/s: this measures the bot's own capacity."
    );

    let setup = Instant::now();
    let (app, chats, press_target) = start_app().await;
    println!(
        "full app: SQLite, {BUYERS} buyers and {AMBASSADORS} ambassadors imported, assigned and linked in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    if std::env::var_os("UPDATES_BENCH_PROFILE").is_some() {
        profile_steps(&app).await;
    }

    let bare_fake = lifted_fake().await;
    let bare = start_bare(raw_bot(&bare_fake)).await;
    // The diagnostic contestant: the bare handler behind the application's adaptors and limits.
    let throttled_fake = lifted_fake().await;
    let limits = Limits {
        messages_per_sec_chat: LIFTED,
        messages_per_min_chat: 60,
        messages_per_min_channel_or_supergroup: 10,
        messages_per_sec_overall: LIFTED,
    };
    let settings = ThrottleSettings::default().limits(limits).no_retry();
    let throttled = start_bare(CacheMe::new(Throttle::spawn_with_settings(
        raw_bot(&throttled_fake),
        settings,
    )))
    .await;
    let mut contestants = vec![
        Contestant::new("bare teloxide", bare_fake, bare),
        Contestant::new("full app", app.fake.clone(), Kind::App(Box::new(app))),
        Contestant::new("bare + Throttle", throttled_fake, throttled),
    ];
    // The app's presses go to each ambassador's /customers list; the bare bots first answer
    // one message per chat.
    contestants[1].press_target = press_target;
    for i in [0, 2] {
        first_contact(&mut contestants[i], &chats).await;
    }

    // UPDATES_BENCH_ONLY=app (or bare, throttle; comma-separated) runs only those, for profiling.
    if let Ok(only) = std::env::var("UPDATES_BENCH_ONLY") {
        let keep = |name: &str| {
            only.split(',').any(|o| match o.trim() {
                "bare" => name == "bare teloxide",
                "app" => name == "full app",
                "throttle" => name == "bare + Throttle",
                _ => false,
            })
        };
        let (kept, dropped): (Vec<_>, Vec<_>) = contestants.into_iter().partition(|c| keep(c.name));
        for c in dropped {
            c.stop().await;
        }
        contestants = kept;
    }

    for c in contestants.iter_mut() {
        c.paced(&chats, WARMUP, PACED_RATE, Load::Warmup).await;
    }
    for round in 0..ROUNDS {
        let order: Vec<usize> = (0..contestants.len())
            .map(|i| (i + round) % contestants.len())
            .collect();
        for &i in &order {
            contestants[i].burst(&chats, BURST_PER_ROUND).await;
        }
        for &i in &order {
            contestants[i]
                .paced(&chats, PACED_PER_ROUND, PACED_RATE, Load::Target)
                .await;
        }
        for &i in &order {
            contestants[i]
                .paced(&chats, LIGHT_PER_ROUND, LIGHT_RATE, Load::Light)
                .await;
        }
    }

    println!(
        "{CHATS} chats ({BUYERS} buyers, {AMBASSADORS} ambassadors); warm-up {WARMUP} updates each; {ROUNDS} interleaved rounds of:"
    );
    println!(
        "  capacity: {BURST_PER_ROUND} updates injected at once ({} each in all)",
        BURST_PER_ROUND * ROUNDS
    );
    println!(
        "  latency: {PACED_PER_ROUND} updates at {PACED_RATE:.0}/s ({} each in all), then {LIGHT_PER_ROUND} at {LIGHT_RATE:.0}/s ({} each)",
        PACED_PER_ROUND * ROUNDS,
        LIGHT_PER_ROUND * ROUNDS
    );
    println!(
        "{:<16} {:>9} | {:>9} {:>9} {:>8} | {:>9} {:>9}",
        "contestant", "updates/s", "p50", "p99", "kept up", "p50", "p99"
    );
    println!(
        "{:<16} {:>9} | {:^28} | {:^19}",
        "",
        "(burst)",
        format!("at {PACED_RATE:.0}/s"),
        format!("at {LIGHT_RATE:.0}/s")
    );
    for c in &contestants {
        let n: usize = c.paced_windows.iter().map(|(n, _)| n).sum();
        let t: f64 = c.paced_windows.iter().map(|(_, w)| w.as_secs_f64()).sum();
        println!(
            "{:<16} {:>9.0} | {:>9} {:>9} {:>6.0}/s | {:>9} {:>9}{}",
            c.name,
            c.updates_per_sec(),
            ms(Contestant::percentile(&c.latencies, 50.0)),
            ms(Contestant::percentile(&c.latencies, 99.0)),
            n as f64 / t,
            ms(Contestant::percentile(&c.light_latencies, 50.0)),
            ms(Contestant::percentile(&c.light_latencies, 99.0)),
            if c.mismatched_chats > 0 {
                format!(
                    "  ({} chat-phases with replies != updates, left out)",
                    c.mismatched_chats
                )
            } else {
                String::new()
            }
        );
    }
    let find = |name: &str| contestants.iter().find(|c| c.name == name);
    if let (Some(bare), Some(full)) = (find("bare teloxide"), find("full app")) {
        let p99 = |c: &Contestant| Contestant::percentile(&c.latencies, 99.0).as_secs_f64();
        println!(
            "ratio app/bare: updates/s {:.2} (target >= 0.5); p99 at {PACED_RATE:.0}/s {:.0}x the bare one",
            full.updates_per_sec() / bare.updates_per_sec(),
            p99(full) / p99(bare)
        );
    }
    if let Some(full) = find("full app") {
        println!(
            "full app against the targets: {:.0} updates/s (target >= 1000), p99 {} at {PACED_RATE:.0}/s (target <= 25 ms)",
            full.updates_per_sec(),
            ms(Contestant::percentile(&full.latencies, 99.0))
        );
    }
    println!("load average at the end: {}", load_average());
    for c in contestants {
        c.stop().await;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}
