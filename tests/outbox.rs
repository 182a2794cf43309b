//! The outbox and notifier: nothing lost, duplicates only where a timeout hid a success,
//! per-chat order kept, Telegram's limits respected, blocked people not hammered.

use crate::support::app::{TestApp, test_config, test_dir};
use crate::support::fake_telegram::FakeTelegram;
use crate::support::people::{
    buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers,
};
use crate::support::text::{fixed, says, stretch, tail, zh};
use handover_bot::clock::ManualClock;
use handover_bot::domain::message::Content;
use handover_bot::store::queue::Claim;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The application in a runtime of its own, so `Runtime::shutdown_background` kills it like a
/// crashed process (nothing flushed). Keep the `Running` from being dropped with `mem::forget`.
async fn start_killable(
    config: &handover_bot::config::Config,
    clock: &ManualClock,
) -> (tokio::runtime::Runtime, handover_bot::app::Running) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (config, clock) = (config.clone(), clock.clone());
    let running = runtime
        .spawn(async move {
            handover_bot::app::start(config, Arc::new(clock))
                .await
                .unwrap()
        })
        .await
        .unwrap();
    (runtime, running)
}

async fn handled_before(app: &TestApp, update_id: i64) -> bool {
    let mut tx = app.services().store.read().await.unwrap();
    let seen = tx
        .handled_among(&[update_id])
        .await
        .unwrap()
        .contains(&update_id);
    tx.commit().await.unwrap();
    seen
}

/// Moves the clock a minute at a time until the outbox has nothing pending.
async fn drain(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let counts = app.services().outbox_counts(None).await.unwrap();
        if counts.pending == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox never drained: {counts:?}"
        );
        app.clock.advance(chrono::Duration::minutes(1));
        app.services()
            .outbox_waker
            .settle(Duration::from_secs(10))
            .await;
    }
}

/// (chat, notice number) of every notice text the fake accepted, in arrival order.
fn delivered(app: &TestApp, chats: &[i64]) -> Vec<(i64, usize)> {
    let mut out = Vec::new();
    for chat in chats {
        for message in app.fake.sent_messages(*chat) {
            if let Some(rest) = message.plain_text.strip_prefix("Notice ") {
                let n: usize = rest.split_whitespace().next().unwrap().parse().unwrap();
                out.push((*chat, n));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_survive_429_bursts_5xx_and_timeouts_in_order_and_within_limits() {
    let app = TestApp::start().await;
    let chats: Vec<i64> = (0..100).map(|i| 20_000 + i).collect();
    for chat in &chats {
        // Each buyer has started the bot, as Telegram requires before a bot may write.
        let person = app.fake.user(*chat, "Buyer");
        app.fake.send_text(&person, "hi");
    }
    app.fake.wait_until_consumed().await;
    for chat in &chats {
        app.fake.wait_for_messages(*chat, 1).await;
    }

    app.fake.burst_429(20, 1);
    app.fake.fail_next("sendMessage", 50, 500);
    let timeouts = 25;
    app.fake
        .delay_next("sendMessage", timeouts, Duration::from_secs(3));
    for n in 0..5 {
        for chat in &chats {
            let key = format!("notice:{chat}:{n}");
            let content = Content::text(format!("Notice {n} for you"));
            assert!(
                app.services()
                    .queue_notification(*chat, &key, content)
                    .await
                    .unwrap()
            );
        }
    }
    drain(&app).await;

    let got = delivered(&app, &chats);
    let mut per_chat: HashMap<i64, Vec<usize>> = HashMap::new();
    for (chat, n) in &got {
        per_chat.entry(*chat).or_default().push(*n);
    }
    for chat in &chats {
        let seen = &per_chat[chat];
        let mut firsts: Vec<usize> = Vec::new();
        for n in seen {
            if !firsts.contains(n) {
                firsts.push(*n);
            }
        }
        assert_eq!(firsts, vec![0, 1, 2, 3, 4], "chat {chat} got {seen:?}");
    }
    let duplicates = got.len() - 500;
    assert!(
        duplicates <= timeouts,
        "{duplicates} duplicates for {timeouts} injected timeouts"
    );
    let counts = app.services().outbox_counts(None).await.unwrap();
    assert_eq!((counts.pending, counts.failed, counts.sent), (0, 0, 500));
    assert!(
        app.fake.count_429() <= 20,
        "only the injected 429s: the notifier itself never broke a limit ({} seen)",
        app.fake.count_429()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_who_blocked_the_bot_gets_one_attempt_and_is_flagged_unreachable() {
    let app = TestApp::start().await;
    load_buyers(&app, &buyers_csv(2)).await;
    let buyer = app.fake.user(31_001, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("Harbour Road"))
        .await;
    app.fake.block_user(buyer.id);

    app.services()
        .queue_notification(
            buyer.id,
            "repair:1",
            Content::text("Your repair is scheduled"),
        )
        .await
        .unwrap();
    drain(&app).await;
    for _ in 0..5 {
        app.advance(chrono::Duration::hours(1));
    }
    let attempts = app
        .fake
        .requests_for("sendMessage")
        .into_iter()
        .filter(|r| r.params["chat_id"] == buyer.id && r.status == 403)
        .count();
    assert_eq!(attempts, 1, "one attempt, no retry storm");
    let mut tx = app.services().store.read().await.unwrap();
    let (status, _, _) = tx.outbox_status("repair:1").await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(status, "failed");

    let supervisor = linked_supervisor(&app, 31_002).await;
    app.fake.send_text(&supervisor, "/people");
    let people = app
        .fake
        .wait_for_message(supervisor.id, |m| says(&m.plain_text, "people-counts"))
        .await;
    assert!(
        people
            .plain_text
            .contains(&tail("people-counts", &[("unreachable", 1i64.into())])),
        "{}",
        people.plain_text
    );
    app.fake.send_text(&supervisor, "/queue");
    let queue = app
        .fake
        .wait_for_message(supervisor.id, |m| says(&m.plain_text, "queue-report"))
        .await;
    let failed = stretch(
        "queue-report",
        &[("outbox_failed", 1i64.into())],
        "outbox_failed",
    );
    assert!(queue.plain_text.contains(&failed), "{}", queue.plain_text);

    // The buyer unblocks the bot and writes again; the operator requeues failed messages.
    app.fake.unblock_user(buyer.id);
    app.fake.send_text(&buyer, "/myhome");
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&fixed("myhome-title")))
        .await;
    let retry = std::process::Command::new(env!("CARGO_BIN_EXE_handover-bot"))
        .args(["outbox", "retry-failed"])
        .env("HANDOVER_DATABASE_URL", app.database_url())
        .output()
        .unwrap();
    assert!(
        retry.status.success(),
        "{}",
        String::from_utf8_lossy(&retry.stderr)
    );
    assert!(String::from_utf8_lossy(&retry.stdout).contains("requeued 1"));
    // The CLI stamped the row with the real time; the app runs on the test's clock.
    app.clock
        .set(chrono::Utc::now() + chrono::Duration::minutes(1));
    app.services()
        .outbox_waker
        .settle(Duration::from_secs(10))
        .await;
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text == "Your repair is scheduled")
        .await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(
        tx.people_counts().await.unwrap().unreachable,
        0,
        "writing again made them reachable"
    );
    tx.commit().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_runs_daily_at_its_local_time_and_forgets_old_updates() {
    let app = TestApp::start().await;
    let now = handover_bot::clock::Clock::now(&app.clock);
    {
        let mut tx = app.services().store.begin().await.unwrap();
        tx.mark_updates_handled(&[1], now - chrono::Duration::days(30))
            .await
            .unwrap();
        tx.mark_updates_handled(&[2], now).await.unwrap();
        tx.commit().await.unwrap();
    }
    // 01:00 UTC is 09:00 in Shanghai; housekeeping runs at 03:30 local, i.e. 19:30 UTC.
    app.clock.advance(chrono::Duration::hours(18));
    app.services()
        .scheduler_waker
        .settle(Duration::from_secs(10))
        .await;
    assert!(handled_before(&app, 1).await, "not yet: it is 03:00 local");
    app.clock.advance(chrono::Duration::hours(1));
    app.services()
        .scheduler_waker
        .settle(Duration::from_secs(10))
        .await;
    assert!(
        !handled_before(&app, 1).await,
        "the old update was forgotten"
    );
    assert!(handled_before(&app, 2).await, "a recent one is kept");
    let mut tx = app.services().store.read().await.unwrap();
    let jobs = tx
        .jobs_with_key_prefix("recurring:housekeeping:")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        jobs.iter()
            .filter(|j| format!("{:?}", j.status).to_lowercase().contains("done"))
            .count(),
        1,
        "{jobs:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_send_and_restarted_every_message_still_goes_out() {
    let fake = FakeTelegram::start().await;
    let dir = test_dir();
    let config = test_config(&fake, &dir);
    let clock = ManualClock::new(chrono::Utc::now());
    let chats: Vec<i64> = (0..20).map(|i| 40_000 + i).collect();
    for chat in &chats {
        fake.send_text(&fake.user(*chat, "B"), "hi");
    }

    // First life: its own runtime, killed (dropped) while sending.
    let (first, running) = start_killable(&config, &clock).await;
    for chat in &chats {
        fake.wait_for_messages(*chat, 1).await;
    }
    for n in 0..3 {
        for chat in &chats {
            running
                .services
                .queue_notification(
                    *chat,
                    &format!("k:{chat}:{n}"),
                    Content::text(format!("Notice {n}")),
                )
                .await
                .unwrap();
        }
    }
    fake.wait_for_request("sendMessage", |r| {
        r.params["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Notice"))
    })
    .await;
    std::mem::forget(running);
    first.shutdown_background();

    // Second life on the same database: leases of rows caught mid-send run out, all go out.
    let app_clock = clock.clone();
    let second = handover_bot::app::start(config, Arc::new(app_clock))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let counts = second.services.outbox_counts(None).await.unwrap();
        if counts.pending == 0 {
            assert_eq!(counts.sent, 60);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{counts:?}");
        clock.advance(chrono::Duration::minutes(6));
        second
            .services
            .outbox_waker
            .settle(Duration::from_secs(10))
            .await;
    }
    for chat in &chats {
        let texts: Vec<String> = fake
            .plain_texts(*chat)
            .into_iter()
            .filter(|t| t.starts_with("Notice"))
            .collect();
        for n in 0..3 {
            assert!(
                texts.contains(&format!("Notice {n}")),
                "chat {chat} lacks notice {n}: {texts:?}"
            );
        }
    }
    second.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_the_bot_took_but_had_not_answered_when_killed_are_answered_after_a_restart() {
    let fake = FakeTelegram::start().await;
    let dir = test_dir();
    let config = test_config(&fake, &dir);
    let clock = ManualClock::new(chrono::Utc::now());
    let (first, running) = start_killable(&config, &clock).await;

    // Three messages at once: Telegram's one message a second per chat spaces the answers, so
    // when the first answer arrives the other two are still waiting their turn.
    let person = fake.user(41_001, "Mei");
    for text in ["/help", "/start", "/help"] {
        fake.send_text(&person, text);
    }
    fake.wait_for_messages(person.id, 1).await;
    // The bot has asked Telegram for the next updates, which confirms these three: Telegram
    // would never deliver them again.
    fake.wait_until_consumed().await;
    std::mem::forget(running);
    first.shutdown_background();
    let answered_before = fake.sent_messages(person.id).len();
    assert!(
        answered_before < 3,
        "the kill came too late to test anything"
    );

    let second = handover_bot::app::start(config.clone(), Arc::new(clock.clone()))
        .await
        .unwrap();
    let answers = fake.wait_for_messages(person.id, 3).await;
    assert!(
        answers.len() >= 3,
        "every message answered: {:?}",
        answers.iter().map(|m| &m.plain_text).collect::<Vec<_>>()
    );
    // Handled now: a third start (after the second stops, letting handlers finish) finds
    // nothing left to replay.
    second.stop().await.unwrap();
    let third = handover_bot::app::start(config, Arc::new(clock))
        .await
        .unwrap();
    let inbox = third
        .services
        .unhandled_updates(chrono::Duration::zero())
        .await;
    assert_eq!(
        inbox.unwrap(),
        Vec::new(),
        "{:?}",
        fake.plain_texts(person.id)
    );
    third.stop().await.unwrap();
}

/// Many handlers finishing at once share the journal's writer: every caller gets its own
/// answer, and after shutdown starts a late call still writes (on its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_update_journal_answers_every_caller_when_many_write_at_once() {
    use handover_bot::inbox::Journal;
    let app = TestApp::start().await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (journal, writer) = Journal::start(app.services().clone(), stopped);
    let ids: Vec<i64> = (5_000_000..5_000_400).collect();
    let kept = futures::future::join_all(ids.chunks(4).map(|chunk| {
        let batch = chunk
            .iter()
            .map(|id| (*id, format!("{{\"n\":{id}}}")))
            .collect();
        journal.receive(batch)
    }))
    .await;
    assert!(
        kept.into_iter()
            .all(|fresh| fresh.unwrap() == vec![true; 4]),
        "every batch is new and kept"
    );
    let done = futures::future::join_all(ids[..300].iter().map(|id| journal.done(*id, None))).await;
    assert!(done.iter().all(Result::is_ok));

    let again = journal
        .receive(vec![(ids[0], "{}".into()), (ids[399], "{}".into())])
        .await
        .unwrap();
    assert_eq!(
        again,
        vec![false, true],
        "a handled update is not kept again"
    );

    stop.send(true).unwrap();
    writer.await.unwrap();
    journal.done(ids[399], None).await.unwrap();
    assert!(handled_before(&app, ids[399]).await);
    let waiting: Vec<i64> = app
        .services()
        .unhandled_updates(chrono::Duration::zero())
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        waiting,
        ids[300..399].to_vec(),
        "what is not handled waits in the inbox"
    );
    app.stop().await;
}

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An instance in webhook mode on `port`, named after it.
fn webhook_config(
    fake: &FakeTelegram,
    dir: &crate::support::app::TestDir,
    port: u16,
) -> handover_bot::config::Config {
    let mut config = test_config(fake, dir);
    config.webhook_url =
        Some(url::Url::parse(&format!("http://127.0.0.1:{port}/telegram")).unwrap());
    config.webhook_secret = Some(handover_bot::config::Secret::new("shared-secret"));
    config.listen_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    config.instance_id = format!("instance-{port}");
    config
}

/// Telegram forgets a webhook update once it got its 200. An instance killed while handling
/// one handles it again as soon as it is restarted (its own claim, no lease to wait out), and
/// an instance that keeps running takes over one whose instance stays dead once the lease ran
/// out — not only at its own start-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_updates_of_a_killed_instance_are_handled_at_its_restart_and_by_others_after_the_lease()
 {
    let fake = FakeTelegram::start().await;
    let dir = test_dir();
    let clock = ManualClock::new(chrono::Utc::now());
    let survivor_config = webhook_config(&fake, &dir, free_port());
    let doomed_config = webhook_config(&fake, &dir, free_port());
    let survivor = handover_bot::app::start(survivor_config, Arc::new(clock.clone()))
        .await
        .unwrap();
    // Started last, the doomed instance's URL is the webhook Telegram posts to.
    let (doomed, running) = start_killable(&doomed_config, &clock).await;
    let person = fake.user(63_001, "Ann");

    // The reply goes out but its answer hangs: the instance dies while handling the update.
    fake.delay_next("sendMessage", 1, Duration::from_secs(60));
    fake.send_text(&person, "/help");
    fake.wait_for_messages(person.id, 1).await;
    std::mem::forget(running);
    doomed.shutdown_background();

    // Restarted under its name within the lease (the clock does not move): handled at once.
    let (doomed, running) = start_killable(&doomed_config, &clock).await;
    fake.wait_for_messages(person.id, 2).await;

    // Killed again mid-update, and not restarted: the instance still running takes it over
    // once the lease ran out.
    fake.delay_next("sendMessage", 1, Duration::from_secs(60));
    fake.send_text(&person, "/help");
    fake.wait_for_messages(person.id, 3).await;
    std::mem::forget(running);
    doomed.shutdown_background();
    clock.advance(survivor.services.config.claim_lease + chrono::Duration::seconds(1));
    survivor.services.inbox_waker.wake();
    fake.wait_for_messages(person.id, 4).await;
    survivor.stop().await.unwrap();
}

/// Calendar files and "booked" notices queued just before a kill went out only after the
/// claim lease: a restarted instance now takes back its own claims (outbox rows and jobs) at
/// once. On PostgreSQL another instance's claims still wait out their lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_instance_sends_what_it_had_claimed_at_once_and_others_claims_after_their_lease()
 {
    let mut app = TestApp::start().await;
    let (mine, job_chat, theirs) = (64_001, 64_002, 64_003);
    app.fake.known_users(
        [mine, job_chat, theirs]
            .into_iter()
            .map(|id| app.fake.user(id, "Ann")),
    );
    let config = app.config.clone();
    app.pause().await;

    // As the instance left things when it was killed: a message and a job claimed, not done.
    let store = handover_bot::app::open_store(&config).await.unwrap();
    let clock = Arc::new(app.clock.clone());
    let services =
        handover_bot::services::Services::new(store.clone(), clock, Arc::new(config.clone()));
    let now = handover_bot::clock::Clock::now(&app.clock);
    let lease = config.claim_lease;
    services
        .queue_notification(mine, "crash:calendar", Content::text("calendar file"))
        .await
        .unwrap();
    services
        .schedule_notification(job_chat, "crash:booked", Content::text("booked"), now)
        .await
        .unwrap();
    let postgres = app.dir.postgres().is_some();
    let mut tx = store.begin().await.unwrap();
    let claimed = tx
        .claim_outbox_by(now, now + lease, 10, Some(&config.instance_id))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let jobs = tx
        .claim_due_jobs_by(now, lease, 10, Some(&config.instance_id))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    tx.commit().await.unwrap();
    if postgres {
        services
            .queue_notification(theirs, "crash:theirs", Content::text("another's"))
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        let claimed = tx
            .claim_outbox_by(now, now + lease, 10, Some("another-instance"))
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        tx.commit().await.unwrap();
    }
    store.close().await;

    // Started again, within the lease: its own claims go out without the clock moving.
    app.resume().await;
    app.fake
        .wait_for_message(mine, |m| m.plain_text == "calendar file")
        .await;
    app.fake
        .wait_for_message(job_chat, |m| m.plain_text == "booked")
        .await;
    if postgres {
        assert!(
            app.fake.sent_messages(theirs).is_empty(),
            "another instance's claim waits out its lease"
        );
        app.advance(lease + chrono::Duration::seconds(1));
        app.fake
            .wait_for_message(theirs, |m| m.plain_text == "another's")
            .await;
    }
    app.stop().await;
}

/// Every scheduled job can run twice (its worker died after the work, before recording it
/// done; its lease ran out): the second run sends nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scheduled_job_run_a_second_time_sends_nothing_more() {
    use crate::support::faults::{run_sql, settled, strings};
    use crate::support::people::reply_to;
    use crate::support::steps::{press_button, record_leak, wait_fixed, wait_key, wait_saying};
    use handover_bot::bot::callback::Callback;
    use handover_bot::domain::aftercare::{Level, Topic};
    let crate::support::site::Campaign {
        app,
        supervisor,
        ambassador,
        engineer,
        reception,
        buyers,
        ..
    } = crate::support::site::Site::new()
        .engineer_for(1)
        .reception()
        .homes(2)
        .linked(&[0, 1])
        .config(|config| {
            config.daily_digest_cron = "0 0 9 * * *".to_string();
        })
        .assigned()
        .await;
    // Thu 09:00: a slot on Saturday; both invited; buyer 0 books, buyer 1 stays silent.
    reply_to(&app, &supervisor, "/slots add 2026-11-28 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let invitation = wait_saying(&app, &buyers[0], "invite-buyer").await;
    wait_saying(&app, &buyers[1], "invite-buyer").await;
    let book = invitation
        .inline_buttons()
        .into_iter()
        .find(|b| b.text.starts_with("11-28"))
        .and_then(|b| b.callback_data)
        .unwrap();
    app.fake.press_button(&buyers[0], &invitation, &book);
    wait_saying(&app, &buyers[0], "book-confirmed").await;
    // A complaint nobody acknowledges, and an urgent leak nobody fixes.
    reply_to(&app, &buyers[0], "/complain").await;
    press_button(&app, &buyers[0], Callback::ComplainTopic(Topic::Leakage)).await;
    wait_key(
        &app,
        &buyers[0],
        "complain-level",
        &[("topic", zh("topic-leakage", &[]).into())],
    )
    .await;
    press_button(&app, &buyers[0], Callback::ComplainLevel(Level::Important)).await;
    wait_fixed(&app, &buyers[0], "complain-describe").await;
    app.fake.send_text(&buyers[0], "阳台渗水");
    wait_saying(&app, &buyers[0], "complain-filed").await;
    record_leak(&app, &ambassador).await;
    // Three days, an hour at a time: reminders, the no-show, the nudge, the complaint's
    // escalation, the sweeps, the digests, the housekeeping.
    for _ in 0..72 {
        app.advance(chrono::Duration::hours(1));
        app.services()
            .scheduler_waker
            .settle(Duration::from_secs(5))
            .await;
    }
    settled(&app).await;
    let ran = strings(
        &app,
        "SELECT DISTINCT kind FROM jobs WHERE status = 'done' ORDER BY kind",
    )
    .await;
    for kind in [
        "appointment_nudge",
        "appointment_no_show",
        "appointment_reminder",
        "complaint_ack",
        "daily_digest",
        "defect_sweep",
        "housekeeping",
    ] {
        assert!(ran.iter().any(|k| k == kind), "{kind} did not run: {ran:?}");
    }
    let people = [
        &supervisor,
        &ambassador,
        &engineer,
        &reception,
        &buyers[0],
        &buyers[1],
    ];
    let before: Vec<Vec<String>> = people.iter().map(|p| app.fake.plain_texts(p.id)).collect();
    // Every finished job runs again, as after a crash between its work and its record.
    run_sql(
        &app,
        "UPDATE jobs SET status = 'pending', run_at = created_at, locked_until = NULL, \
         expires_at = NULL, finished_at = NULL WHERE status = 'done'",
    )
    .await;
    app.advance(chrono::Duration::minutes(1));
    for _ in 0..3 {
        app.services()
            .scheduler_waker
            .settle(Duration::from_secs(10))
            .await;
    }
    settled(&app).await;
    let pending = strings(
        &app,
        "SELECT kind FROM jobs WHERE status IN ('pending', 'running') AND run_at <= created_at",
    )
    .await;
    assert!(pending.is_empty(), "not run again: {pending:?}");
    let mut more = Vec::new();
    for (person, before) in people.iter().zip(before) {
        let after = app.fake.plain_texts(person.id);
        more.extend(
            after[before.len()..]
                .iter()
                .map(|t| format!("{}: {t}", person.id)),
        );
    }
    assert!(more.is_empty(), "sent again: {more:#?}");
    app.stop().await;
}

/// Claims of `store`'s outbox at the test's time: (chat, text, row id) of each row claimed.
async fn claimed(
    store: &handover_bot::store::Store,
    now: chrono::DateTime<chrono::Utc>,
    answers_only: bool,
    limit: i64,
) -> Vec<(i64, String, i64)> {
    let lease = now + chrono::Duration::minutes(5);
    let mut tx = store.begin().await.unwrap();
    let claim = if answers_only {
        Claim::AheadOnly
    } else {
        Claim::All
    };
    let rows = tx
        .claim_outbox_as(claim, now, lease, limit, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows.into_iter()
        .map(|row| match row.content {
            Content::Text { html, .. } => (row.chat_id, html, row.id),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_to_the_person_who_just_pressed_is_claimed_ahead_of_the_bulk_and_of_their_own_chats_older_notices()
 {
    let fake = FakeTelegram::start().await;
    let dir = test_dir();
    let config = test_config(&fake, &dir);
    let store = handover_bot::app::open_store(&config).await.unwrap();
    let clock = ManualClock::new(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 26, 1, 0, 0).unwrap(),
    );
    let now = handover_bot::clock::Clock::now(&clock);
    let services = handover_bot::services::Services::new(
        store.clone(),
        Arc::new(clock),
        Arc::new(config.clone()),
    );
    let queue = async |chat: i64, text: &str| {
        services
            .queue_notification(chat, &format!("test:{chat}:{text}"), Content::text(text))
            .await
            .unwrap();
    };
    // Invitations to five chats, queued by a job: nobody is waiting for them.
    for chat in 1..=5 {
        queue(chat, "invitation").await;
    }
    // Chat 9 pressed a button and chat 3 wrote (its invitation not sent yet); the handling of
    // chat 9 also tells chat 10 something, which answers nobody.
    handover_bot::answering::scope(9, async {
        queue(9, "confirmation").await;
        queue(10, "news").await;
    })
    .await;
    handover_bot::answering::scope(3, queue(3, "answer")).await;

    let chat_and_text = |rows: Vec<(i64, String, i64)>| -> Vec<(i64, String)> {
        rows.into_iter()
            .map(|(chat, text, _)| (chat, text))
            .collect()
    };
    // The answer to chat 9 goes first, though queued last but one.
    let first = chat_and_text(claimed(&store, now, false, 1).await);
    assert_eq!(first, [(9, "confirmation".to_string())]);
    // Chat 3's answer goes ahead of chat 3's invitation: they are waiting for the answer.
    let answers = claimed(&store, now, true, 10).await;
    assert_eq!(chat_and_text(answers.clone()), [(3, "answer".to_string())]);
    // While it is being sent, nothing else of chat 3's is: one message of a chat at a time.
    let bulk = claimed(&store, now, false, 10).await;
    let mut chats: Vec<i64> = bulk.iter().map(|(chat, ..)| *chat).collect();
    chats.sort();
    assert_eq!(chats, [1, 2, 4, 5, 10], "{bulk:?}");
    let mut tx = store.begin().await.unwrap();
    tx.outbox_sent(answers[0].2, 1, now).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        chat_and_text(claimed(&store, now, false, 10).await),
        [(3, "invitation".to_string())]
    );

    // An edit answering chat 4 waits for chat 4's older messages: it may edit one of them.
    let mut tx = store.begin().await.unwrap();
    for (chat, _, id) in &bulk {
        if *chat == 4 {
            tx.outbox_sent(*id, 1, now).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    queue(4, "reminder").await;
    handover_bot::answering::scope(4, async {
        services
            .queue_notification(
                4,
                "test:4:edit",
                Content::Edit {
                    of: "test:4:reminder".into(),
                    html: "edited".into(),
                    buttons: Vec::new(),
                },
            )
            .await
            .unwrap();
    })
    .await;
    let mut tx = store.begin().await.unwrap();
    let ahead = tx
        .claim_outbox_as(
            Claim::AheadOnly,
            now,
            now + chrono::Duration::minutes(1),
            10,
            None,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ahead.len(),
        0,
        "the edit passed the reminder it edits: {ahead:?}"
    );

    // Chat 6's notice and the answer that passed it, claimed together by a sender that then
    // died: once the lease runs out both are claimable again, neither waiting for the other.
    queue(6, "notice").await;
    handover_bot::answering::scope(6, queue(6, "reply")).await;
    let of_chat_6 = |rows: Vec<(i64, String, i64)>| -> Vec<String> {
        let mut texts: Vec<String> = rows
            .into_iter()
            .filter(|(chat, ..)| *chat == 6)
            .map(|(_, text, _)| text)
            .collect();
        texts.sort();
        texts
    };
    assert_eq!(
        of_chat_6(claimed(&store, now, false, 10).await),
        ["notice", "reply"]
    );
    let later = now + chrono::Duration::minutes(6);
    assert_eq!(
        of_chat_6(claimed(&store, later, false, 10).await),
        ["notice", "reply"],
        "the dead sender's claims are taken again"
    );
    store.close().await;
}

/// A sender of `store`'s outbox as instance `owner`, at most `per_sec` messages a second (0: no
/// limit), claiming three rows at a time, its claims running out after a minute.
fn sender(
    fake: &FakeTelegram,
    store: &handover_bot::store::Store,
    clock: &ManualClock,
    owner: &str,
    per_sec: u32,
) -> Arc<handover_bot::notify::Notifier> {
    use handover_bot::notify::pace::{PaceLimits, Pacer};
    use handover_bot::notify::{Notifier, NotifierOptions, Waker};
    let pacer = Pacer::new(PaceLimits {
        per_private_chat_per_sec: 1,
        per_group_per_min: 20,
        overall_per_sec: per_sec,
    });
    let options = NotifierOptions {
        batch: 3,
        lease: chrono::Duration::minutes(1),
        owner: Some(owner.to_string()),
        ..NotifierOptions::default()
    };
    let bot = teloxide::adaptors::CacheMe::new(fake.bot());
    let notifier = Notifier::new(
        store.clone(),
        Arc::new(clock.clone()),
        bot,
        Waker::default(),
        options,
    );
    Arc::new(notifier.with_pacer(Arc::new(pacer)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_claim_ran_out_while_it_waited_for_its_turn_is_sent_once_by_whoever_claimed_it_again()
 {
    let fake = FakeTelegram::start().await;
    let chats = [71_001, 71_002, 71_003];
    fake.known_users(chats.into_iter().map(|id| fake.user(id, "Ann")));
    let dir = test_dir();
    let config = test_config(&fake, &dir);
    let store = handover_bot::app::open_store(&config).await.unwrap();
    let clock = ManualClock::new(
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 26, 1, 0, 0).unwrap(),
    );
    let services = handover_bot::services::Services::new(
        store.clone(),
        Arc::new(clock.clone()),
        Arc::new(config.clone()),
    );
    for chat in chats {
        services
            .queue_notification(chat, &format!("test:{chat}"), Content::text("hello"))
            .await
            .unwrap();
    }
    // Instance A claims all three but may send one a second: the last waits two seconds (and
    // with two of its three places taken it claims nothing more meanwhile).
    let slow = tokio::spawn(sender(&fake, &store, &clock, "a", 1).send_due());
    fake.wait_for_sent_total(1).await;
    // Meanwhile A's claims run out (it stalled, say), and instance B claims what A had not
    // sent and sends it at once.
    clock.advance(chrono::Duration::minutes(2));
    let sent_by_b = sender(&fake, &store, &clock, "b", 0)
        .send_due()
        .await
        .unwrap();
    assert_eq!(sent_by_b, 2);
    slow.await.unwrap().unwrap();
    for chat in chats {
        let texts = fake.plain_texts(chat);
        assert_eq!(texts, ["hello"], "chat {chat}");
    }
    let counts = services.outbox_counts(None).await.unwrap();
    assert_eq!((counts.sent, counts.pending), (3, 0), "{counts:?}");
    store.close().await;
}
