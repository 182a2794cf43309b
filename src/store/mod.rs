//! The storage boundary: every SQL statement of the application lives under this module.
//!
//! `Store` owns the pool; `Tx` is one transaction, and every read or write a service makes goes
//! through a `Tx` method, so one use case is one transaction. SQL is written once with `$N`
//! placeholders; `with_conn!` runs it on whichever database the URL chose (SQLite for
//! `sqlite://…`, PostgreSQL for `postgres://…` / `postgresql://…`) without sqlx's `Any` driver.
//! Where one statement cannot serve both, the store method branches on [`Tx::is_postgres`].

pub mod aftercare;
pub mod answers;
pub mod appointments;
pub mod assignment;
pub mod consultations;
pub mod defects;
pub mod export;
pub mod jobs;
pub mod kpi;
pub mod outbox;
pub mod people;
pub mod plans;
pub mod precontact;
pub mod queue;
pub mod records;
pub mod rehearsal;
pub mod risks;
#[doc(hidden)]
pub mod scale;
mod sessions;
pub mod signatures;
#[doc(hidden)]
pub mod testdb;
#[cfg(test)]
mod tests;
pub mod transfer;
pub mod uploads;

pub use people::{ImportCounts, UpsertOutcome};
pub use sessions::SavedStep;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite://… or postgres://…): {0}")]
    UnsupportedUrl(String),
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a URL names, by its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// The kind of database `url` names, or `None` for a scheme we do not support.
    pub fn of_url(url: &str) -> Option<DatabaseKind> {
        if url.starts_with("sqlite:") {
            Some(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(DatabaseKind::Postgres)
        } else {
            None
        }
    }
}

/// How many connections a PostgreSQL pool opens at most (per application instance).
const POSTGRES_MAX_CONNECTIONS: u32 = 10;

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The application's database.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        };
        f.debug_struct("Store").field("kind", &kind).finish()
    }
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// One database transaction. Dropping it without `commit` rolls everything back.
pub struct Tx {
    inner: TxInner,
}

/// Runs the same statement code against whichever connection the transaction holds. Both arms
/// must produce the same type: map an `execute` result to `rows_affected()` inside the body.
macro_rules! with_conn {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::store::TxInner::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::store::TxInner::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use with_conn;

const PING_TIMEOUT: Duration = Duration::from_secs(3);

impl Store {
    /// Whether this is PostgreSQL (several instances may share it) rather than SQLite (one
    /// process).
    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Opens the database named by `url`, creating a SQLite file (and its directory) if missing.
    /// A PostgreSQL database must exist already.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        let kind =
            DatabaseKind::of_url(url).ok_or_else(|| StoreError::UnsupportedUrl(redact_url(url)))?;
        if kind == DatabaseKind::Postgres {
            let options = PgConnectOptions::from_str(url)
                .map_err(|_| StoreError::UnsupportedUrl(redact_url(url)))?;
            let pool = PgPoolOptions::new()
                .max_connections(POSTGRES_MAX_CONNECTIONS)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Store {
                pool: Pool::Postgres(pool),
            })
        } else {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::UnsupportedUrl(url.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let file = options.get_filename();
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
                && !Path::new(dir).exists()
            {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            // A connection to a local file does not go stale the way a network one does, so
            // the ping before each use only costs a round trip to its worker thread.
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            Ok(Store {
                pool: Pool::Sqlite(pool),
            })
        }
    }

    /// Which database this store runs on.
    pub fn kind(&self) -> DatabaseKind {
        match self.pool {
            Pool::Sqlite(_) => DatabaseKind::Sqlite,
            Pool::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a read-then-write never fails on a lock upgrade. On PostgreSQL it
    /// is a READ COMMITTED transaction; rows are locked as statements touch them.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// Starts a read-only transaction (a consistent snapshot; no write lock).
    pub async fn read(&self) -> StoreResult<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => TxInner::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        };
        Ok(Tx { inner })
    }

    /// True when the database answers a trivial query within `PING_TIMEOUT` (a health check
    /// must answer before the load balancer gives up, not wait for the pool's acquire timeout).
    pub async fn ping(&self) -> bool {
        let query = async {
            match &self.pool {
                Pool::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
                Pool::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
            }
        };
        tokio::time::timeout(PING_TIMEOUT, query)
            .await
            .unwrap_or(false)
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// `url` with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// True on PostgreSQL: for the few statements that must be written differently there.
    pub fn is_postgres(&self) -> bool {
        matches!(self.inner, TxInner::Postgres(_))
    }

    /// Records who did what to which object. Written in the same transaction as the change;
    /// returns the entry's id, which names the event (a notification it causes takes its key
    /// from it).
    pub async fn audit(
        &mut self,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
        action: &str,
        object: &str,
        details: serde_json::Value,
    ) -> StoreResult<i64> {
        let details = details.to_string();
        let id = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO audit_log (at, actor, action, object, details, rehearsal_id) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(object)
            .bind(&details)
            .bind(crate::rehearsal::current())
            .fetch_one(c)
            .await
        })?;
        Ok(id)
    }

    /// How many audit entries exist (all objects).
    pub async fn audit_count(&mut self) -> StoreResult<i64> {
        let n = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
                .fetch_one(c)
                .await
        })?;
        Ok(n)
    }

    /// The buyers' messages about `object` (`unit:ID`) since the last staff reply to it,
    /// oldest first: when, who (audit name) and the details as written.
    pub async fn unanswered_buyer_messages(
        &mut self,
        object: &str,
    ) -> StoreResult<Vec<(chrono::DateTime<chrono::Utc>, String, String)>> {
        let rows = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT at, actor, details FROM audit_log WHERE object = $1 AND action = 'buyer.message' \
                 AND id > COALESCE((SELECT MAX(id) FROM audit_log WHERE object = $1 \
                 AND action = 'staff.reply'), 0) ORDER BY id",
            )
            .bind(object)
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Audit entries about one object, oldest first: (actor, action).
    pub async fn audit_for(&mut self, object: &str) -> StoreResult<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = with_conn!(self, |c| {
            sqlx::query_as("SELECT actor, action FROM audit_log WHERE object = $1 ORDER BY id")
                .bind(object)
                .fetch_all(c)
                .await
        })?;
        Ok(rows)
    }
}
