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

/// The update journal's batch statements: more ids than one statement binds, on each database.
#[tokio::test]
async fn the_update_journal_keeps_and_forgets_updates_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = migrated(&format!("sqlite://{}", dir.path().join("s.db").display())).await;
    let pg = TestDatabase::from_env();
    let mut stores = vec![sqlite];
    if let Some(pg) = &pg {
        stores.push(migrated(pg.url()).await);
    }
    let now = chrono::Utc::now();
    for store in stores {
        let ids: Vec<i64> = (1..=600).collect();
        let payloads: Vec<String> = ids
            .iter()
            .map(|id| format!("{{\"update_id\":{id}}}"))
            .collect();
        let rows: Vec<(i64, &str)> = ids
            .iter()
            .zip(&payloads)
            .map(|(id, p)| (*id, p.as_str()))
            .collect();
        let mut tx = store.begin().await.unwrap();
        tx.put_in_inbox(&rows, now).await.unwrap();
        // Kept twice (Telegram delivered it again): still one row.
        tx.put_in_inbox(&rows[..3], now).await.unwrap();
        let odd: Vec<i64> = ids.iter().copied().filter(|id| id % 2 == 1).collect();
        tx.mark_updates_handled(&odd, now).await.unwrap();
        tx.mark_updates_handled(&odd[..5], now).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.read().await.unwrap();
        let handled = tx.handled_among(&ids).await.unwrap();
        let waiting = tx
            .inbox_updates(now - chrono::Duration::hours(1), now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(handled, odd.iter().copied().collect());
        let even: Vec<i64> = ids.iter().copied().filter(|id| id % 2 == 0).collect();
        assert_eq!(waiting.iter().map(|(id, _)| *id).collect::<Vec<_>>(), even);
        assert_eq!(waiting[0].1, "{\"update_id\":2}");
        assert!(empty_batches_are_accepted(&store).await);
        store.close().await;
    }
}

/// Empty batches write nothing and are not a syntax error (`IN ()`).
async fn empty_batches_are_accepted(store: &Store) -> bool {
    let ids: &[i64] = &[];
    let mut tx = store.begin().await.unwrap();
    tx.mark_updates_handled(ids, chrono::Utc::now())
        .await
        .unwrap();
    tx.put_in_inbox(&[], chrono::Utc::now()).await.unwrap();
    tx.set_reachable_again(ids, chrono::Utc::now())
        .await
        .unwrap();
    let none = tx.handled_among(ids).await.unwrap().is_empty();
    tx.commit().await.unwrap();
    none
}

/// Kept updates are claimed like outbox rows: an update claimed by a live handler is not
/// replayed before its lease runs out, its own instance takes it back at once on a restart, and
/// one nobody claimed is replayed at once; chats' turns are taken one holder at a time.
#[tokio::test]
async fn kept_updates_and_chat_turns_are_claimed_with_a_lease_and_taken_back_by_their_owner() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = migrated(&format!("sqlite://{}", dir.path().join("s.db").display())).await;
    let pg = TestDatabase::from_env();
    let mut stores = vec![sqlite];
    if let Some(pg) = &pg {
        stores.push(migrated(pg.url()).await);
    }
    // Whole milliseconds: PostgreSQL keeps microseconds.
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 3);
    let lease = chrono::Duration::minutes(2);
    let day_ago = now - chrono::Duration::days(1);
    let ids = |rows: Vec<(i64, String)>| rows.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
    for store in stores {
        let mut tx = store.begin().await.unwrap();
        tx.put_in_inbox_claimed(&[(1, "{}")], now, Some(("me", now + lease)))
            .await
            .unwrap();
        tx.put_in_inbox_claimed(&[(2, "{}")], now, Some(("other", now + lease)))
            .await
            .unwrap();
        tx.put_in_inbox(&[(3, "{}")], now).await.unwrap();
        let stale = tx
            .claim_stale_updates(now, day_ago, now + lease, "me", false, 10)
            .await
            .unwrap();
        assert_eq!(ids(stale), vec![3], "only the unclaimed one");
        let restarted = tx
            .claim_stale_updates(now, day_ago, now + lease, "me", true, 10)
            .await
            .unwrap();
        assert_eq!(ids(restarted), vec![1, 3], "its own, at once");
        let later = now + lease;
        let expired = tx
            .claim_stale_updates(later, day_ago, later + lease, "me", false, 10)
            .await
            .unwrap();
        assert_eq!(ids(expired), vec![1, 2, 3], "every lease ran out");
        assert_eq!(
            tx.next_inbox_expiry(day_ago).await.unwrap(),
            Some(later + lease)
        );

        assert!(
            tx.take_chat_turn(7, 100, "me", now, now + lease)
                .await
                .unwrap()
        );
        assert!(
            !tx.take_chat_turn(7, 100, "other", now, now + lease)
                .await
                .unwrap()
        );
        tx.give_chat_turn(7, "other").await.unwrap();
        assert!(
            !tx.take_chat_turn(7, 100, "other", now, now + lease)
                .await
                .unwrap()
        );
        tx.give_chat_turn(7, "me").await.unwrap();
        assert!(
            tx.take_chat_turn(7, 100, "other", now, now + lease)
                .await
                .unwrap()
        );
        assert!(
            tx.take_chat_turn(7, 100, "me", later, later + lease)
                .await
                .unwrap()
        );
        // Restarted, "me" takes its own claims back: the turn it held is free at once.
        assert!(tx.take_back_claims("me", false, later).await.unwrap() > 0);
        assert!(
            tx.take_chat_turn(7, 100, "other", later, later + lease)
                .await
                .unwrap()
        );

        // Chat 8 pressed a button and sent a photo right after: the photo waits for the press,
        // whichever instance asks first.
        let press = r#"{"update_id":10,"callback_query":{"id":"q","from":{"id":8},"message":{"chat":{"id":8}},"data":"x"}}"#;
        let photo = r#"{"update_id":11,"message":{"message_id":5,"chat":{"id":8},"photo":[]}}"#;
        tx.put_in_inbox(&[(10, press), (11, photo)], later)
            .await
            .unwrap();
        assert!(
            !tx.take_chat_turn(8, 11, "other", later, later + lease)
                .await
                .unwrap(),
            "the photo waits for the press"
        );
        assert!(
            tx.take_chat_turn(8, 10, "me", later, later + lease)
                .await
                .unwrap()
        );
        tx.give_chat_turn(8, "me").await.unwrap();
        tx.mark_updates_handled(&[10], later).await.unwrap();
        assert!(
            tx.take_chat_turn(8, 11, "other", later, later + lease)
                .await
                .unwrap(),
            "the press handled, the photo goes"
        );
        // Another chat's older update holds nothing up, nor one kept more than a lease ago
        // (its instance died: it is replayed in its own time).
        tx.put_in_inbox(&[(20, press)], now - lease).await.unwrap();
        assert!(
            tx.take_chat_turn(9, 21, "me", later, later + lease)
                .await
                .unwrap()
        );
        tx.give_chat_turn(8, "other").await.unwrap();
        tx.mark_updates_handled(&[11], later).await.unwrap();
        assert!(
            tx.take_chat_turn(8, 21, "me", later, later + lease)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        store.close().await;
    }
}
