//! Store-level tests that concern both databases.

use super::testdb::TestDatabase;
use super::{Pool, Store};
use std::collections::BTreeSet;

async fn migrated(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    store
}

/// Every (table, column) of the application's schema, without the migrator's own table.
async fn columns(store: &Store) -> BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> = match &store.pool {
        Pool::Sqlite(pool) => sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND m.name <> '_sqlx_migrations'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Pool::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    rows.into_iter().collect()
}

/// The two migration sets describe the same tables and columns (and the same number of
/// migrations), so the shared SQL finds on PostgreSQL what it finds on SQLite.
#[tokio::test]
async fn postgres_migrations_mirror_the_sqlite_schema() {
    assert_eq!(
        super::SQLITE_MIGRATIONS.iter().count(),
        super::POSTGRES_MIGRATIONS.iter().count(),
        "migrations/sqlite and migrations/postgres have the same steps"
    );
    let Some(pg) = TestDatabase::from_env() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = migrated(&format!("sqlite://{}", dir.path().join("s.db").display())).await;
    let postgres = migrated(pg.url()).await;
    let (s, p) = (columns(&sqlite).await, columns(&postgres).await);
    assert!(!s.is_empty());
    assert_eq!(
        s.difference(&p).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "only on SQLite"
    );
    assert_eq!(
        p.difference(&s).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "only on PostgreSQL"
    );
    postgres.close().await;
    sqlite.close().await;
}

#[test]
fn the_database_kind_follows_the_url_scheme() {
    use super::DatabaseKind;
    assert_eq!(
        DatabaseKind::of_url("sqlite://a.db"),
        Some(DatabaseKind::Sqlite)
    );
    assert_eq!(
        DatabaseKind::of_url("sqlite::memory:"),
        Some(DatabaseKind::Sqlite)
    );
    assert_eq!(
        DatabaseKind::of_url("postgres://u@h/d"),
        Some(DatabaseKind::Postgres)
    );
    assert_eq!(
        DatabaseKind::of_url("postgresql://u@h/d"),
        Some(DatabaseKind::Postgres)
    );
    assert_eq!(DatabaseKind::of_url("mysql://u@h/d"), None);
    assert_eq!(
        super::redact_url("postgres://bot:secret@db:5432/handover"),
        "postgres://bot:***@db:5432/handover"
    );
}
