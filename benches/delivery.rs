//! Delivery-engine benchmark. Prints figures measured side by side; asserts nothing
//! about timing. Run with `cargo bench --bench delivery`.
//!
//! 1. 1,500 outbox messages to 500 chats through the strict fake Telegram server limited to
//!    30 messages/s overall and 1/s per chat: the achieved rate as a fraction of the limit
//!    (target ≥ 0.97) and the number of 429 answers (target 0).
//! 2. Claiming 100 due jobs among 1,000,000 pending jobs, and the ratio to the same among
//!    1,000 pending (target: under 10 ms, ratio under 3).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use chrono::Utc;
use handover_bot::clock::{ManualClock, SharedClock};
use handover_bot::domain::message::Content;
use handover_bot::notify::pace::{PaceLimits, Pacer};
use handover_bot::notify::{Notifier, NotifierOptions, Waker};
use handover_bot::store::Store;
use handover_bot::store::jobs::NewJob;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::fake_telegram::{FakeTelegram, TOKEN};
use teloxide::adaptors::CacheMe;
use tokio::sync::watch;

const CHATS: i64 = 500;
const PER_CHAT: i64 = 3;
const OVERALL_LIMIT: f64 = 30.0;

async fn outbox_rate() {
    let fake = FakeTelegram::start().await;
    fake.set_limits(1, OVERALL_LIMIT as u32);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let clock: SharedClock = Arc::new(ManualClock::new(Utc::now()));
    for chat in 0..CHATS {
        fake.send_text(&fake.user(1_000 + chat, "Buyer"), "hi");
    }
    let now = clock.now();
    let mut tx = store.begin().await.unwrap();
    for n in 0..PER_CHAT {
        for chat in 0..CHATS {
            let content = Content::text(format!("Notice {n} to chat {chat}"));
            tx.enqueue_message(1_000 + chat, &format!("bench:{chat}:{n}"), &content, now)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();

    let bot = teloxide::Bot::new(TOKEN).set_api_url(fake.api_url());
    let pacer = Pacer::new(PaceLimits {
        per_private_chat_per_sec: 1,
        per_group_per_min: 20,
        overall_per_sec: OVERALL_LIMIT as u32,
    });
    let bot = CacheMe::new(bot);
    let waker = Waker::default();
    let notifier = Notifier::new(
        store.clone(),
        clock,
        bot,
        waker.clone(),
        NotifierOptions::default(),
    )
    .with_pacer(Arc::new(pacer));
    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let task = tokio::spawn(notifier.run(stopped));
    let total = (CHATS * PER_CHAT) as usize;
    loop {
        waker.settle(Duration::from_secs(5)).await;
        let mut tx = store.read().await.unwrap();
        let counts = tx.outbox_counts().await.unwrap();
        tx.commit().await.unwrap();
        if counts.sent as usize >= total {
            break;
        }
    }
    let sends = fake.requests_for("sendMessage");
    let ok: Vec<_> = sends.iter().filter(|r| r.status == 200).collect();
    let first = ok.first().map(|r| r.since_start).unwrap();
    let last = ok.last().map(|r| r.since_start).unwrap();
    // n messages at the limit need (n - 1) / limit seconds between the first and the last.
    let ideal = (ok.len() as f64 - 1.0) / OVERALL_LIMIT;
    let achieved = ideal / (last - first).as_secs_f64();
    println!(
        "outbox: {} messages to {CHATS} chats in {:.1} s (wall {:.1} s); rate {:.2}/s = {:.3} of the {OVERALL_LIMIT}/s limit (target >= 0.97); 429 answers: {} (target 0)",
        ok.len(),
        (last - first).as_secs_f64(),
        started.elapsed().as_secs_f64(),
        (ok.len() as f64 - 1.0) / (last - first).as_secs_f64(),
        achieved,
        fake.count_429()
    );
    let _ = stop.send(true);
    let _ = task.await;
}

/// Median time to claim 100 due jobs from a database holding `pending` pending jobs.
async fn claim_100_among(pending: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("jobs.db").display()
    ))
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    for i in 0..pending {
        // Spread over the past hour, so every job is due and the order is by time.
        let run_at = now - chrono::Duration::milliseconds((i % 3_600_000) as i64);
        let job = NewJob::new("bench", serde_json::json!({ "i": i }), run_at)
            .unique_key(format!("bench:{i}"));
        tx.schedule_job(&job, now).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut timings = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let mut tx = store.begin().await.unwrap();
        let claimed = tx
            .claim_due_jobs(now, chrono::Duration::minutes(5), 100)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        timings.push(started.elapsed());
        assert_eq!(claimed.len(), 100);
    }
    timings.sort();
    timings[timings.len() / 2]
}

async fn job_claims() {
    let small = claim_100_among(1_000).await;
    let large = claim_100_among(1_000_000).await;
    println!(
        "jobs: claiming 100 due jobs takes {:.2} ms among 1,000,000 pending (target < 10 ms) and {:.2} ms among 1,000; ratio {:.2} (target < 3)",
        large.as_secs_f64() * 1e3,
        small.as_secs_f64() * 1e3,
        large.as_secs_f64() / small.as_secs_f64()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        outbox_rate().await;
        job_claims().await;
    });
}
