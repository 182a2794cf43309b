//! Several instances of the real binary on one database (README, "Running past one machine"): every notification and
//! every job goes out once, and an instance killed midway loses nothing.

use crate::support::app::{TestApp, TestDir, binary, test_dir};
use crate::support::fake_telegram::{Config as FakeConfig, FakeTelegram, SECRET_HEADER, TOKEN};
use crate::support::people::{buyers_csv, link_by_contact, load_buyers, load_staff, reply_to};
use crate::support::steps::{describe_leak, photo};
use handover_bot::clock::SystemClock;
use handover_bot::config::Config;
use handover_bot::domain::message::Content;
use handover_bot::services::Services;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const NOTICES: i64 = 2_000;
const JOBS: i64 = 2_000;
/// Chats `FIRST_CHAT ..` get one notification each, the next `JOBS` chats one scheduled message.
const FIRST_CHAT: i64 = 7_000_001;
/// Each instance's sending pace; the three together stay under the fake's overall limit, so
/// the test measures delivery, not 429 handling (the outbox tests cover that).
const PACE_PER_INSTANCE: u32 = 150;
const LEASE_SECS: u32 = 4;

/// One `handover-bot run` process in webhook mode.
struct Instance {
    child: Child,
    log: std::path::PathBuf,
}

impl Instance {
    fn spawn(n: usize, fake: &FakeTelegram, dir: &TestDir) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.path().join(format!("instance-{n}.log"));
        let child = binary()
            .arg("run")
            .env("HANDOVER_BOT_TOKEN", TOKEN)
            .env("HANDOVER_DATABASE_URL", dir.database_url())
            .env("HANDOVER_TELEGRAM_API_URL", fake.api_url().as_str())
            .env(
                "HANDOVER_WEBHOOK_URL",
                format!("http://127.0.0.1:{port}/telegram"),
            )
            .env("HANDOVER_WEBHOOK_SECRET", "shared-secret-of-all-instances")
            .env("HANDOVER_LISTEN_ADDR", format!("127.0.0.1:{port}"))
            // One media directory for all instances, as a deployment shares one volume.
            .env("HANDOVER_MEDIA_DIR", dir.path().join("media"))
            .env(
                "HANDOVER_MESSAGES_PER_SEC_OVERALL",
                PACE_PER_INSTANCE.to_string(),
            )
            .env("HANDOVER_CLAIM_LEASE_SECS", LEASE_SECS.to_string())
            .env("HANDOVER_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the binary starts");
        Instance { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, as a process manager stops it; returns whether it exited cleanly.
    fn terminate(mut self) -> (bool, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("the instance exits");
        (status.success(), self.log())
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_send_each_notification_and_job_once_and_a_killed_one_loses_nothing() {
    let fake = FakeTelegram::start_with(FakeConfig {
        overall_per_sec: 600,
        wait_timeout: Duration::from_secs(120),
        ..FakeConfig::default()
    })
    .await;
    let dir = test_dir();
    let url = dir.database_url();
    // Migrations run once before the instances start, as `handover-bot migrate` in a deployment.
    let config = Config::for_database(&url);
    let store = handover_bot::app::open_store(&config).await.unwrap();
    let services = Services::new(store.clone(), Arc::new(SystemClock), Arc::new(config));
    let people = (0..NOTICES + JOBS).map(|i| fake.user(FIRST_CHAT + i, "Owner"));
    fake.known_users(people);

    let mut instances: Vec<Instance> = (0..3).map(|n| Instance::spawn(n, &fake, &dir)).collect();
    fake.wait_for_requests("setWebhook", 3).await;

    let now = chrono::Utc::now();
    for i in 0..NOTICES {
        let fresh = services
            .queue_notification(
                FIRST_CHAT + i,
                &format!("load:notice:{i}"),
                Content::text(format!("notice {i}")),
            )
            .await
            .unwrap();
        assert!(fresh);
    }
    for i in 0..JOBS {
        let fresh = services
            .schedule_notification(
                FIRST_CHAT + NOTICES + i,
                &format!("load:job:{i}"),
                Content::text(format!("job {i}")),
                now,
            )
            .await
            .unwrap();
        assert!(fresh);
    }

    // Kill one instance outright (SIGKILL: no shutdown, leases left behind) a third of the way.
    fake.wait_for_sent_total(((NOTICES + JOBS) / 3) as usize)
        .await;
    let mut killed = instances.remove(1);
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();

    let total = (NOTICES + JOBS) as usize;
    fake.wait_for_sent_total(total).await;
    wait_until_settled(&store).await;

    for instance in instances {
        let (clean, log) = instance.terminate();
        assert!(clean, "an instance did not stop cleanly:\n{log}");
    }

    let counts: HashMap<i64, usize> = fake.sent_counts();
    let missing: Vec<i64> = (0..NOTICES + JOBS)
        .map(|i| FIRST_CHAT + i)
        .filter(|chat| !counts.contains_key(chat))
        .collect();
    assert!(missing.is_empty(), "never delivered: {missing:?}");

    // A message goes out twice only if the killed instance had it in flight: Telegram's sends
    // are not idempotent (the Telegram contract, docs/architecture.md). Such a row was claimed again after its lease ran out, so
    // its attempt count shows it; every row claimed once went out exactly once.
    let mut twice = Vec::new();
    for (chat, n) in &counts {
        if *n == 1 {
            continue;
        }
        assert_eq!(*n, 2, "chat {chat} got {n} messages");
        let i = chat - FIRST_CHAT;
        let key = if i < NOTICES {
            format!("load:notice:{i}")
        } else {
            format!("load:job:{}", i - NOTICES)
        };
        let mut tx = store.read().await.unwrap();
        let (status, _, attempts) = tx.outbox_status(&key).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        assert_eq!(status, "sent");
        assert!(
            attempts > 1,
            "chat {chat} got a duplicate although its row was claimed once"
        );
        twice.push(*chat);
    }
    // What one instance can have sent and not yet recorded: a batch of claimed rows. Usually a
    // handful; many more when the database is slow to take the records (a loaded machine).
    let in_flight = handover_bot::notify::NotifierOptions::default().batch as usize;
    assert!(
        twice.len() <= in_flight,
        "more duplicates ({}) than one instance can have in flight ({in_flight})",
        twice.len()
    );
    assert_eq!(counts.values().sum::<usize>(), total + twice.len());
    println!(
        "{total} messages from 3 instances, one killed midway: {} went out twice (in flight at the kill)",
        twice.len()
    );
}

/// Waits until every load job has finished and the outbox holds nothing unsent, leases of the
/// killed instance included. The instances are real processes on real time, so this polls the
/// database (bounded) instead of moving a clock.
async fn wait_until_settled(store: &handover_bot::store::Store) {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let mut tx = store.read().await.unwrap();
        let outbox = tx.outbox_counts().await.unwrap();
        let jobs = tx.jobs_with_key_prefix("notice:load:").await.unwrap();
        tx.commit().await.unwrap();
        let unfinished = jobs
            .iter()
            .filter(|job| job.status.as_str() != "done")
            .count();
        assert_eq!(jobs.len() as i64, JOBS);
        assert_eq!(outbox.failed, 0, "{outbox:?}");
        if outbox.pending == 0 && unfinished == 0 {
            assert_eq!(outbox.sent, NOTICES + JOBS);
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not settled: {outbox:?}, {unfinished} jobs unfinished"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A load balancer in front of webhook instances: each update Telegram posts goes to the next
/// instance in turn, and Telegram gets that instance's answer.
async fn round_robin(instances: Vec<u16>) -> u16 {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    #[derive(Clone)]
    struct Balancer {
        instances: Arc<Vec<u16>>,
        next: Arc<std::sync::atomic::AtomicUsize>,
        client: reqwest::Client,
    }
    async fn forward(State(b): State<Balancer>, headers: HeaderMap, body: String) -> StatusCode {
        let n = b.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let port = b.instances[n % b.instances.len()];
        let mut request = b
            .client
            .post(format!("http://127.0.0.1:{port}/telegram"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(secret) = headers.get(SECRET_HEADER) {
            request = request.header(SECRET_HEADER, secret);
        }
        match request.send().await {
            Ok(answer) => {
                StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            Err(_) => StatusCode::BAD_GATEWAY,
        }
    }
    let balancer = Balancer {
        instances: Arc::new(instances),
        next: Arc::default(),
        client: reqwest::Client::new(),
    };
    let router = axum::Router::new()
        .route("/telegram", axum::routing::post(forward))
        .with_state(balancer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    port
}

/// The photos of each chat's walk-through draft, as its dialogue state holds them.
async fn draft_photos(store: &handover_bot::store::Store, chat: i64) -> usize {
    let mut tx = store.read().await.unwrap();
    let state = tx.dialogue(chat).await.unwrap();
    tx.commit().await.unwrap();
    state
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|state| state["phase"]["draft"]["photos"].as_array().map(Vec::len))
        .unwrap_or(0)
}

/// One chat's updates spread over instances (a load balancer sends each to the next one) are
/// handled one at a time, so a walk-through's dialogue state, read, changed and written back
/// by each photo of an album, keeps every photo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn albums_sent_to_three_instances_at_once_keep_every_photo() {
    const CHATS: i64 = 20;
    const PHOTOS: u8 = 10;
    let mut app = TestApp::start().await;
    if app.dir.postgres().is_none() {
        // One process serves SQLite; several instances need PostgreSQL.
        eprintln!("skipped: needs TEST_DATABASE_URL (a PostgreSQL server)");
        app.stop().await;
        return;
    }
    let mut staff = String::from("name,phone,roles\n");
    for i in 0..CHATS {
        // Ambassadors who supervise too may walk through any home.
        staff.push_str(&format!(
            "Inspector {i},1380000{:04},ambassador;supervisor\n",
            100 + i
        ));
    }
    load_staff(&app, &staff).await;
    load_buyers(&app, &buyers_csv(1)).await;
    let people: Vec<_> = (0..CHATS)
        .map(|i| app.fake.user(66_000 + i, &format!("I{i}")))
        .collect();
    // Everyone at the photo step of a walk-through of 1-1-101.
    futures::future::join_all(people.iter().enumerate().map(|(i, person)| {
        let app = &app;
        async move {
            link_by_contact(app, person, &format!("+861380000{:04}", 100 + i)).await;
            reply_to(app, person, "/inspect 1-1-101").await;
            describe_leak(app, person).await;
        }
    }))
    .await;
    app.pause().await;

    let ports: Vec<u16> = (0..3)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let balancer = round_robin(ports.clone()).await;
    let mut instances = Vec::new();
    for port in &ports {
        let mut config = app.config.clone();
        config.webhook_url =
            Some(url::Url::parse(&format!("http://127.0.0.1:{balancer}/telegram")).unwrap());
        config.webhook_secret = Some(handover_bot::config::Secret::new("shared-secret"));
        config.listen_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], *port)));
        config.instance_id = format!("instance-{port}");
        instances.push(
            handover_bot::app::start(config, Arc::new(app.clock.clone()))
                .await
                .unwrap(),
        );
    }
    for (i, person) in people.iter().enumerate() {
        let photos = (0..PHOTOS)
            .map(|n| photo((i as u8).wrapping_mul(PHOTOS).wrapping_add(n + 1)))
            .collect();
        app.fake.send_album(person, photos);
    }

    let store = instances[0].services.store.clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        app.fake.wait_until_consumed().await;
        let mut short = Vec::new();
        for person in &people {
            let kept = draft_photos(&store, person.id).await;
            if kept < usize::from(PHOTOS) {
                short.push((person.id, kept));
            }
        }
        if short.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "photos lost (chat, photos kept of {PHOTOS}): {short:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for instance in instances {
        instance.stop().await.unwrap();
    }
}
