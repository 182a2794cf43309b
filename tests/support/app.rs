//! The application under test: the real start-up function against the fake Telegram server,
//! with its own temporary database, media directory and a manual clock.
//!
//! The database is a SQLite file in the test's temporary directory, or, when `TEST_DATABASE_URL`
//! names a PostgreSQL server, a fresh PostgreSQL database of the test's own (created here,
//! dropped when the test's [`TestDir`] goes), so the whole suite runs on either database.

use super::fake_telegram::{FakeTelegram, TOKEN};
use chrono::{TimeZone, Utc};
use handover_bot::app::{self, Running};
use handover_bot::clock::ManualClock;
use handover_bot::config::{Config, Secret};
use handover_bot::services::Services;
use handover_bot::store::testdb::TestDatabase;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// A test's own temporary directory (media, SQLite file) and, on PostgreSQL, its own database.
/// Dropping it removes both.
pub struct TestDir {
    // Declared first so the database goes before the directory.
    postgres: Option<TestDatabase>,
    dir: TempDir,
}

impl TestDir {
    /// The URL of this test's database.
    pub fn database_url(&self) -> String {
        match &self.postgres {
            Some(db) => db.url().to_string(),
            None => format!("sqlite://{}", self.dir.path().join("handover.db").display()),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The test's PostgreSQL database, when the suite runs on PostgreSQL.
    pub fn postgres(&self) -> Option<&TestDatabase> {
        self.postgres.as_ref()
    }
}

/// A fresh directory and database for one test.
pub fn test_dir() -> TestDir {
    TestDir {
        postgres: TestDatabase::from_env(),
        dir: tempfile::tempdir().expect("temporary directory"),
    }
}

pub struct TestApp {
    // Declared first so that an application a test did not stop is dropped before its database.
    running: Option<Running>,
    pub fake: FakeTelegram,
    pub clock: ManualClock,
    pub dir: TestDir,
    pub config: Config,
}

impl TestApp {
    /// A fresh application on a fresh database, polling a fresh fake server.
    pub async fn start() -> TestApp {
        TestApp::start_with(|_| {}).await
    }

    /// The same, with the configuration adjusted first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        // HB_TEST_LOG=debug (any EnvFilter) shows the application's logs while debugging a test.
        if let Ok(filter) = std::env::var("HB_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let fake = FakeTelegram::start().await;
        let dir = test_dir();
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap());
        let mut config = test_config(&fake, &dir);
        adjust(&mut config);
        let mut app = TestApp {
            fake,
            clock,
            dir,
            config,
            running: None,
        };
        app.boot().await;
        app
    }

    async fn boot(&mut self) {
        let running = app::start(self.config.clone(), Arc::new(self.clock.clone()))
            .await
            .expect("the application starts");
        self.running = Some(running);
    }

    /// Stops the application gracefully and starts it again on the same database.
    pub async fn restart(&mut self) {
        self.stop_running().await;
        self.boot().await;
    }

    /// Stops the application (the fake server and clock stay) until [`TestApp::resume`].
    pub async fn pause(&mut self) {
        self.stop_running().await;
    }

    /// Starts the application again with `self.config`, which the test may have changed.
    pub async fn resume(&mut self) {
        self.boot().await;
    }

    async fn stop_running(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("the application stops cleanly");
        }
    }

    /// Moves the clock and wakes the workers so they look at what became due.
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
        let services = self.services();
        services.outbox_waker.wake();
        services.scheduler_waker.wake();
        services.feed_waker.wake();
        services.inbox_waker.wake();
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("the application is running")
    }

    pub fn services(&self) -> &Services {
        &self
            .running
            .as_ref()
            .expect("the application is running")
            .services
    }

    pub fn database_url(&self) -> &str {
        &self.config.database_url
    }

    pub async fn stop(mut self) {
        self.stop_running().await;
    }

    /// Stops the application, expecting every part to stop in time (none abandoned).
    pub async fn stop_cleanly(mut self) {
        if let Some(running) = self.running.take() {
            running
                .stop_cleanly()
                .await
                .expect("every part stops in time");
        }
    }
}

/// The configuration a test application runs with: everything local and temporary.
pub fn test_config(fake: &FakeTelegram, dir: &TestDir) -> Config {
    let mut config = Config::for_database(&dir.database_url());
    config.bot_token = Some(Secret::new(TOKEN));
    config.telegram_api_url = fake.api_url();
    config.media_dir = dir.path().join("media");
    if super::objects::suite_on_s3() {
        // The media in the test bucket; the directory is then this application's cache.
        super::objects::use_bucket(&mut config);
    }
    // A short long-poll keeps shutdowns quick.
    config.poll_timeout = Duration::from_secs(1);
    // Health and metrics on a port of their own, which tests running side by side cannot share.
    config.metrics_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    // Slow answers from the fake count as timeouts quickly.
    config.request_timeout = Duration::from_secs(2);
    // The supervisors' daily digest would land between other tests' commands and their
    // answers on any simulated morning; its own test turns it on.
    config.daily_digest_cron = DIGEST_OFF.to_string();
    config
}

/// A daily-digest schedule that never comes round in a test (New Year's Day, 2099).
pub const DIGEST_OFF: &str = "0 0 9 1 1 * 2099";

/// The `handover-bot` binary, with none of the caller's `HANDOVER_*` settings leaking in.
pub fn binary() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_handover-bot"));
    for (key, _) in std::env::vars() {
        if key.starts_with("HANDOVER_") {
            command.env_remove(key);
        }
    }
    // Health and metrics on a free port: processes of tests running side by side would
    // collide on the default one.
    command.env("HANDOVER_METRICS_ADDR", "127.0.0.1:0");
    command
}
