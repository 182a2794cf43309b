//! Throw-away PostgreSQL databases for tests (docs/architecture.md, "Tests"): when `TEST_DATABASE_URL` names a
//! PostgreSQL server, every test gets a database of its own, created fresh and dropped when the
//! test is done. Not used by the application itself.
//!
//! The work is done on a helper thread with its own small runtime, so creating and dropping
//! works from synchronous code, from `Drop`, and from inside any async test alike.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

/// The variable that turns PostgreSQL tests on: the URL of a server and a database to connect
/// to for administration, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// Every database this harness creates has this prefix (and the creating process id after it).
const PREFIX: &str = "hb_test_";

/// The admin URL from `TEST_DATABASE_URL`, when it is set and names PostgreSQL.
pub fn admin_url() -> Option<String> {
    let url = std::env::var(TEST_DATABASE_URL).ok()?;
    let url = url.trim().to_string();
    if url.is_empty() {
        return None;
    }
    assert!(
        super::DatabaseKind::of_url(&url) == Some(super::DatabaseKind::Postgres),
        "{TEST_DATABASE_URL} must be a postgres:// URL, not {}",
        super::redact_url(&url)
    );
    Some(url)
}

/// A fresh, empty PostgreSQL database, dropped (with any connections still open to it) when
/// this value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A fresh database on the server `TEST_DATABASE_URL` names, or `None` when it is not set.
    pub fn from_env() -> Option<TestDatabase> {
        admin_url().map(|admin| TestDatabase::create(&admin))
    }

    /// Creates a fresh database on the server of `admin_url`.
    pub fn create(admin_url: &str) -> TestDatabase {
        static SWEEP: Once = Once::new();
        SWEEP.call_once(|| sweep_stale(admin_url));
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "{PREFIX}{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE template0");
        admin(admin_url, vec![sql]).unwrap_or_else(|e| {
            panic!(
                "cannot create test database {name} on {}: {e}",
                super::redact_url(admin_url)
            )
        });
        TestDatabase {
            admin_url: admin_url.to_string(),
            name,
            url: url.to_string(),
        }
    }

    /// The URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Makes the database unreachable, as if its server had stopped: every open connection is
    /// cut and new ones are refused, until [`TestDatabase::start`].
    pub fn stop(&self) {
        let name = &self.name;
        admin(
            &self.admin_url,
            vec![
                format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"),
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ),
            ],
        )
        .expect("the test database can be stopped");
    }

    /// Accepts connections again after [`TestDatabase::stop`].
    pub fn start(&self) {
        let sql = format!(
            "ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true",
            self.name
        );
        admin(&self.admin_url, vec![sql]).expect("the test database can be started");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Best effort: a database left behind is swept by the next run.
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = admin(&self.admin_url, vec![sql]) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// Drops the test databases that earlier runs left behind: those whose creating process is gone.
fn sweep_stale(admin_url: &str) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let names = match run(admin_url, |conn| {
        Box::pin(async move {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'hb\\_test\\_%'",
            )
            .fetch_all(conn)
            .await?;
            Ok(names)
        })
    }) {
        Ok(names) => names,
        Err(e) => {
            eprintln!("could not list stale test databases: {e}");
            return;
        }
    };
    let stale: Vec<String> = names
        .into_iter()
        .filter(|name| {
            let pid = name[PREFIX.len()..].split('_').next().unwrap_or("");
            pid.parse::<u32>().is_ok_and(|pid| !process_alive(pid))
        })
        .map(|name| format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .collect();
    if let Err(e) = admin(admin_url, stale) {
        eprintln!("could not drop stale test databases: {e}");
    }
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = std::path::Path::new("/proc");
    // Without /proc we cannot tell: keep the database.
    !proc.exists() || proc.join(pid.to_string()).exists()
}

/// Runs statements, one by one, on the admin database.
fn admin(admin_url: &str, statements: Vec<String>) -> Result<(), sqlx::Error> {
    if statements.is_empty() {
        return Ok(());
    }
    run(admin_url, move |conn| {
        Box::pin(async move {
            for sql in &statements {
                sqlx::query(sql).execute(&mut *conn).await?;
            }
            Ok(())
        })
    })
}

type Work<T> = Box<
    dyn for<'c> FnOnce(
            &'c mut sqlx::PgConnection,
        ) -> futures::future::BoxFuture<'c, Result<T, sqlx::Error>>
        + Send,
>;

/// Connects to the admin database on a helper thread and runs `work` there.
fn run<T, F>(admin_url: &str, work: F) -> Result<T, sqlx::Error>
where
    T: Send + 'static,
    F: for<'c> FnOnce(
            &'c mut sqlx::PgConnection,
        ) -> futures::future::BoxFuture<'c, Result<T, sqlx::Error>>
        + Send
        + 'static,
{
    use sqlx::Connection;
    let work: Work<T> = Box::new(work);
    let admin_url = admin_url.to_string();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for test database administration");
        runtime.block_on(async move {
            let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
            let result = work(&mut conn).await;
            let _ = conn.close().await;
            result
        })
    })
    .join()
    .expect("the test database helper thread does not panic")
}
