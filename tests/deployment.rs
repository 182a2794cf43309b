//! Running past one machine: webhook mode with a secret, health and metrics, one poller only.

use crate::support::app::{TestApp, binary, test_config, test_dir};
use crate::support::fake_telegram::SECRET_HEADER;
use crate::support::text::says;
use std::net::SocketAddr;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_checks_the_secret_and_serves_health_and_metrics_only_on_their_own_address() {
    let port = free_port();
    let monitoring = free_port();
    let app = TestApp::start_with(|config| {
        config.webhook_url =
            Some(url::Url::parse(&format!("http://127.0.0.1:{port}/telegram")).unwrap());
        config.webhook_secret = Some(handover_bot::config::Secret::new("s3cret_for-tests"));
        config.listen_addr = Some(SocketAddr::from(([127, 0, 0, 1], port)));
        config.metrics_addr = Some(SocketAddr::from(([127, 0, 0, 1], monitoring)));
    })
    .await;
    let webhook = app.fake.webhook().expect("the app registered its webhook");
    assert_eq!(webhook.secret_token.as_deref(), Some("s3cret_for-tests"));
    // Named whatever an earlier version set: inline queries and their choices arrive too.
    assert_eq!(
        webhook.allowed_updates,
        Some(
            [
                "message",
                "callback_query",
                "inline_query",
                "chosen_inline_result"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    let person = app.fake.user(50_001, "Ann");
    app.fake.send_text(&person, "/start");
    let answer = app.fake.wait_for_message(person.id, |_| true).await;
    assert!(
        says(&answer.plain_text, "start-share-phone"),
        "{}",
        answer.plain_text
    );

    // A forged update without the secret, or with a wrong one, is refused and not handled.
    let forged = serde_json::json!({
        "update_id": 999_999,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 50_002, "type": "private", "first_name": "Eve"},
                    "from": {"id": 50_002, "is_bot": false, "first_name": "Eve"}, "text": "/start"}
    });
    assert_eq!(
        app.fake.post_to_webhook_raw(forged.clone(), None).await,
        401
    );
    assert_eq!(
        app.fake.post_to_webhook_raw(forged, Some("wrong")).await,
        401
    );
    assert!(app.fake.sent_messages(50_002).is_empty(), "nothing handled");
    let _ = SECRET_HEADER;

    let client = reqwest::Client::new();
    // The public webhook port serves the webhook and nothing else.
    for path in ["/metrics", "/healthz"] {
        let public = client
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), 404, "{path} on the webhook's port");
    }
    let health = client
        .get(format!("http://127.0.0.1:{monitoring}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // The container health check asks the same endpoint through the binary.
    let probe = |url: String| binary().args(["health", "--url", &url]).output().unwrap();
    assert!(
        probe(format!("http://127.0.0.1:{monitoring}/healthz"))
            .status
            .success()
    );
    let nobody = probe(format!("http://127.0.0.1:{}/healthz", free_port()));
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no answer"));
    // The handler counts the update after its reply went out, so the figure can lag the reply
    // by a moment: read /metrics until it shows (bounded).
    let fetch_metrics = || async {
        client
            .get(format!("http://127.0.0.1:{monitoring}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let counted = "handover_updates_handled_total{kind=\"message\"} 1";
    let mut metrics = fetch_metrics().await;
    for _ in 0..100 {
        if metrics.contains(counted) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        metrics = fetch_metrics().await;
    }
    assert!(metrics.contains(counted), "{metrics}");
    for name in [
        "handover_handler_seconds_bucket",
        "handover_outbox_backlog",
        "handover_outbox_failed",
        "handover_jobs_due",
        "handover_jobs_late",
        "handover_telegram_429_total",
    ] {
        assert!(metrics.contains(name), "{name} missing:\n{metrics}");
    }
    // The webhook's server stops with the rest, not abandoned after its 15 s.
    app.stop_cleanly().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_poller_makes_the_conflict_loud_and_stops_the_instance_that_got_it() {
    let first = TestApp::start().await;
    first.fake.wait_for_poller().await;
    let dir = test_dir();
    let second = handover_bot::app::start(
        test_config(&first.fake, &dir),
        std::sync::Arc::new(first.clock.clone()),
    )
    .await
    .unwrap();
    let reason = first
        .fake
        .within("the first instance to notice the conflict", async {
            tokio::select! {
                reason = first.running().failed() => reason,
                reason = second.failed() => reason,
            }
        })
        .await;
    assert!(reason.contains("another instance"), "{reason}");
    second.stop().await.unwrap();
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_turns_unhealthy_while_the_database_is_stopped_and_recovers() {
    let port = free_port();
    let app = TestApp::start_with(|config| {
        config.metrics_addr = Some(SocketAddr::from(([127, 0, 0, 1], port)));
    })
    .await;
    let Some(database) = app.dir.postgres() else {
        // A SQLite file cannot be stopped under a running process; PostgreSQL runs in CI.
        eprintln!("skipped: needs TEST_DATABASE_URL (a PostgreSQL server)");
        app.stop().await;
        return;
    };
    let health = || async {
        let response = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(health().await.0, 200);

    database.stop();
    let (status, body) = app.fake.within("an unhealthy /healthz", health()).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database"), "{body}");

    database.start();
    assert_eq!(app.fake.within("a healthy /healthz", health()).await.0, 200);
    // And the bot works again.
    let person = app.fake.user(50_101, "Ann");
    app.fake.send_text(&person, "/start");
    let answer = app.fake.wait_for_message(person.id, |_| true).await;
    assert!(
        says(&answer.plain_text, "start-share-phone"),
        "{}",
        answer.plain_text
    );
    app.stop().await;
}

#[test]
fn health_and_metrics_default_to_loopback_and_the_health_checks_ask_there() {
    let config = handover_bot::config::Config::for_database("sqlite://unused.db");
    assert_eq!(
        config.metrics_addr,
        Some(SocketAddr::from(([127, 0, 0, 1], 9090))),
        "metrics stay off the network unless asked for"
    );
    // `handover-bot health` without --url, as the Dockerfile's check runs it, and the compose
    // file's check ask the default address.
    let help = binary().args(["health", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("http://127.0.0.1:9090/healthz"), "{help}");
    let root = env!("CARGO_MANIFEST_DIR");
    let compose = std::fs::read_to_string(format!("{root}/docker-compose.yml")).unwrap();
    assert!(!compose.contains("8080/healthz"), "{compose}");
    assert!(
        compose.contains("\"handover-bot\", \"health\"]"),
        "the compose check runs the binary's default:\n{compose}"
    );
    let dockerfile = std::fs::read_to_string(format!("{root}/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("HEALTHCHECK") && dockerfile.contains("handover-bot\", \"health"),
        "{dockerfile}"
    );
}

/// Telegram forgets an update once it got a 200. So the webhook answers only after the update
/// is kept: while the database cannot keep it, Telegram is refused and sends it again, and the
/// person is answered once the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_update_that_cannot_be_kept_is_refused_and_handled_when_telegram_sends_it_again()
{
    let port = free_port();
    let app = TestApp::start_with(|config| {
        config.webhook_url =
            Some(url::Url::parse(&format!("http://127.0.0.1:{port}/telegram")).unwrap());
        config.webhook_secret = Some(handover_bot::config::Secret::new("s3cret_for-tests"));
        config.listen_addr = Some(SocketAddr::from(([127, 0, 0, 1], port)));
    })
    .await;
    let Some(database) = app.dir.postgres() else {
        // A SQLite file cannot be stopped under a running process; PostgreSQL runs in CI.
        eprintln!("skipped: needs TEST_DATABASE_URL (a PostgreSQL server)");
        app.stop().await;
        return;
    };
    let person = app.fake.user(50_201, "Ann");
    database.stop();
    let update = app.fake.send_text(&person, "/start");
    let refused = app
        .fake
        .wait_for_delivery(|d| d.update_id == update && d.status != Some(200))
        .await;
    assert!(
        refused.status.is_none_or(|s| s >= 500),
        "refused, not lost: {refused:?}"
    );
    database.start();
    let answer = app.fake.wait_for_message(person.id, |_| true).await;
    assert!(
        says(&answer.plain_text, "start-share-phone"),
        "{}",
        answer.plain_text
    );
    app.stop().await;
}
