//! Database faults for crash tests: a table that refuses writes, as if the process had died
//! before writing it. Triggers on the test's own database, on its own connection, so the
//! application sees the refusal exactly where its writes reach the table.

use super::app::TestApp;

async fn execute(url: &str, statements: &[String]) {
    if url.starts_with("postgres") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .expect("connect to the test database");
        for sql in statements {
            sqlx::raw_sql(sql)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        pool.close().await;
    } else {
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .expect("SQLite URL")
            .busy_timeout(std::time::Duration::from_secs(30));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("open the test database");
        for sql in statements {
            sqlx::raw_sql(sql)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        pool.close().await;
    }
}

/// From now on every write to `tables` (inserts, updates, deletes) fails.
pub async fn refuse_writes(app: &TestApp, tables: &[&str]) {
    let url = app.database_url();
    let mut statements = Vec::new();
    if url.starts_with("postgres") {
        statements.push(
            "CREATE OR REPLACE FUNCTION hb_refused() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'write refused by the test'; END $$"
                .to_string(),
        );
        for table in tables {
            statements.push(format!(
                "CREATE TRIGGER hb_refuse_{table} BEFORE INSERT OR UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION hb_refused()"
            ));
        }
    } else {
        for table in tables {
            for op in ["INSERT", "UPDATE", "DELETE"] {
                statements.push(format!(
                    "CREATE TRIGGER hb_refuse_{table}_{op} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, 'write refused by the test'); END"
                ));
            }
        }
    }
    execute(url, &statements).await;
}

/// Writes to `tables` succeed again.
pub async fn allow_writes(app: &TestApp, tables: &[&str]) {
    let url = app.database_url();
    let mut statements = Vec::new();
    for table in tables {
        if url.starts_with("postgres") {
            statements.push(format!(
                "DROP TRIGGER IF EXISTS hb_refuse_{table} ON {table}"
            ));
        } else {
            for op in ["INSERT", "UPDATE", "DELETE"] {
                statements.push(format!("DROP TRIGGER IF EXISTS hb_refuse_{table}_{op}"));
            }
        }
    }
    execute(url, &statements).await;
}

/// The bookkeeping that follows a use case's record: the conversation's state and the mark
/// that the update was handled. Refusing both is what a crash right after the record leaves.
pub const BOOKKEEPING: &[&str] = &["dialogues", "processed_updates"];

/// Runs `act` (which sends one update and waits for the bot's error answer) with the
/// bookkeeping refused, then restarts the application, which handles again what it had not
/// recorded as handled — as after a crash right after the use case's record.
pub async fn crash_after_the_record(app: &mut TestApp, act: impl AsyncFnOnce(&TestApp)) {
    refuse_writes(app, BOOKKEEPING).await;
    act(&*app).await;
    // Stopped before the bookkeeping is allowed again: the handler still finishing its update
    // cannot record it as handled after all.
    app.pause().await;
    allow_writes(app, BOOKKEEPING).await;
    app.resume().await;
}

/// A crash right after a conversation step is stored, before its answer goes out: runs `act`
/// (which sends one update) with Telegram refusing the next message to `chat` and the mark
/// that the update was handled refused, waits for the refusal, then restarts the application,
/// which handles the update again.
pub async fn crash_after_the_step(app: &mut TestApp, chat: i64, act: impl AsyncFnOnce(&TestApp)) {
    // The updates before it handled to the end first: one whose mark the refusal caught would
    // be handled again after the restart too, as a crash of its own (a photo taken by the
    // step that came after it).
    settled(app).await;
    refuse_writes(app, &["processed_updates"]).await;
    let before = last_request(app);
    app.fake.fail_next_in_chat("sendMessage", chat, 1, 500);
    act(&*app).await;
    refused_send(app, chat, before).await;
    // Stopped before the mark is allowed again: the handler still finishing its update cannot
    // record it as handled after all.
    app.pause().await;
    allow_writes(app, &["processed_updates"]).await;
    app.resume().await;
}

/// Waits until the one outbox row whose key is `LIKE key_like` (a message to `chat`) was
/// refused by Telegram (see `fail_next_in_chat`) and is back in the queue for a retry, then
/// moves the clock past its backoff.
pub async fn retried_after_the_failed_send(app: &TestApp, chat: i64, key_like: &str) {
    let query = format!("SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE '{key_like}'");
    let key = app
        .fake
        .within("the message queued", async {
            loop {
                match strings(app, &query).await.as_slice() {
                    [] => tokio::task::yield_now().await,
                    [key] => break key.clone(),
                    keys => panic!("one outbox row like {key_like}, found {keys:?}"),
                }
            }
        })
        .await;
    assert!(key.ends_with(&format!(":{chat}")), "{key} is not to {chat}");
    let key = &key;
    app.fake
        .within("the failed send put back for a retry", async {
            loop {
                let mut tx = app.services().store.read().await.unwrap();
                let status = tx.outbox_status(key).await.unwrap();
                tx.commit().await.unwrap();
                // Tried once and waiting for its retry.
                if matches!(status, Some((s, _, attempts)) if s == "pending" && attempts > 0) {
                    break;
                }
                tokio::task::yield_now().await;
            }
        })
        .await;
    app.advance(chrono::Duration::seconds(5));
}

/// The number of the last request Telegram has seen.
fn last_request(app: &TestApp) -> u64 {
    app.fake.requests().last().map_or(0, |r| r.seq)
}

/// Waits for a message to `chat` that Telegram refused (a 500), after request number `after`.
async fn refused_send(app: &TestApp, chat: i64, after: u64) {
    app.fake
        .wait_for_request("sendMessage", |r| {
            r.seq > after && r.status == 500 && r.params["chat_id"] == serde_json::json!(chat)
        })
        .await;
}

/// Runs a raw statement on the test's database (test bookkeeping, such as running a finished
/// job again).
pub async fn run_sql(app: &TestApp, sql: &str) {
    execute(app.database_url(), &[sql.to_string()]).await;
}

/// Waits until every update the application received is handled, then until the outbox has
/// sent what is due.
pub async fn settled(app: &TestApp) {
    let services = app.services();
    let unhandled = || async move {
        services
            .unhandled_updates(chrono::Duration::zero())
            .await
            .expect("read the inbox")
    };
    // Looks again each time the journal records an update handled.
    let handled = services
        .inbox_waker
        .wait_until(std::time::Duration::from_secs(60), || async {
            unhandled().await.is_empty()
        })
        .await;
    if !handled {
        panic!("updates never handled: {:?}", unhandled().await);
    }
    for _ in 0..2 {
        app.services()
            .outbox_waker
            .settle(std::time::Duration::from_secs(5))
            .await;
    }
}

/// The text values `sql` selects (one column), on the test's database.
pub async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    let url = app.database_url();
    if url.starts_with("postgres") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .expect("connect to the test database");
        let rows = sqlx::query_scalar::<_, String>(sql)
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
        rows
    } else {
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .expect("SQLite URL")
            .read_only(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("open the test database");
        let rows = sqlx::query_scalar::<_, String>(sql)
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
        rows
    }
}
