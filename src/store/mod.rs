//! The storage boundary: every SQL statement of the application lives under this module.
//!
//! `Store` owns the pool; `Tx` is one transaction, and every read or write a service makes goes
//! through a `Tx` method, so one use case is one transaction. SQL is written once with `$N`
//! placeholders; `with_conn!` runs it on whichever database the URL chose (SQLite now, PostgreSQL
//! beside it later) without sqlx's `Any` driver.

pub mod jobs;
pub mod outbox;
pub mod people;
mod sessions;

pub use people::{ImportCounts, UpsertOutcome};

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite://…): {0}")]
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

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
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
        };
        f.debug_struct("Store").field("kind", &kind).finish()
    }
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

/// One database transaction. Dropping it without `commit` rolls everything back.
pub struct Tx {
    inner: TxInner,
}

/// Runs the same statement code against whichever connection the transaction holds.
macro_rules! with_conn {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::store::TxInner::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use with_conn;

impl Store {
    /// Opens the database named by `url`, creating a SQLite file (and its directory) if missing.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        if url.starts_with("sqlite:") {
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
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok(Store {
                pool: Pool::Sqlite(pool),
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a read-then-write never fails on a lock upgrade.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        };
        Ok(Tx { inner })
    }

    /// Starts a read-only transaction (a consistent snapshot; no write lock).
    pub async fn read(&self) -> StoreResult<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Records who did what to which object. Written in the same transaction as the change.
    pub async fn audit(
        &mut self,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
        action: &str,
        object: &str,
        details: serde_json::Value,
    ) -> StoreResult<()> {
        let details = details.to_string();
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, object, details) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(object)
            .bind(&details)
            .execute(c)
            .await
        })?;
        Ok(())
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
