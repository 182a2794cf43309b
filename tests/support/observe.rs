//! What a test observes to say "nothing changed": every table of the application's database, read
//! on a connection of its own, and what the bot did to each chat.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::app::TestApp;

/// How long `Db::wait_handled` waits for the bot to finish handling updates.
const WAIT: Duration = Duration::from_secs(15);

/// Tables left out of "nothing changed", and why:
/// - `processed_updates`: the id of every update the bot handled, written after each one
///   whatever it was (so a restart does not handle it twice) — bookkeeping, not campaign data.
/// - `_sqlx_migrations`: sqlx's record of the applied migrations, written only at start-up (and
///   holding binary checksums, which SQLite cannot render as JSON).
///
/// Everything else counts, dialogue state and the outbox included: a refused button must not
/// leave the person half-way into someone else's flow, nor queue a message to anybody.
pub const NOT_COMPARED: &[&str] = &["processed_updates", "_sqlx_migrations"];

pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Reads the application's database on its own connection: ids for the probes, whether an
/// update was handled, and snapshots of every table.
pub struct Db {
    pool: Pool,
    /// One statement reading every compared table, each as a JSON array of its rows in
    /// primary-key order.
    snapshot_sql: String,
}

pub type Snapshot = BTreeMap<String, String>;

impl Db {
    pub async fn open(url: &str) -> Db {
        use std::str::FromStr;
        let pool = if url.starts_with("postgres") {
            Pool::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .expect("connect to the test database"),
            )
        } else {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .expect("SQLite URL")
                .read_only(true);
            Pool::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .expect("open the test database"),
            )
        };
        let mut db = Db {
            pool,
            snapshot_sql: String::new(),
        };
        db.snapshot_sql = db.build_snapshot_sql().await;
        db
    }

    pub async fn strings(&self, sql: &str) -> Vec<String> {
        let result = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await,
            Pool::Postgres(p) => sqlx::query_scalar::<_, String>(sql).fetch_all(p).await,
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub async fn ints(&self, sql: &str) -> Vec<i64> {
        let result = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_all(p).await,
            Pool::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_all(p).await,
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The single id `sql` selects (as `SELECT CAST(id AS BIGINT) …`).
    pub async fn id(&self, sql: &str) -> i64 {
        let ids = self.ints(sql).await;
        assert_eq!(ids.len(), 1, "{sql} gave {ids:?}");
        ids[0]
    }

    async fn build_snapshot_sql(&self) -> String {
        let postgres = matches!(self.pool, Pool::Postgres(_));
        let tables = if postgres {
            self.strings(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .await
        } else {
            self.strings(
                "SELECT name FROM sqlite_master \
                 WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .await
        };
        let mut parts = Vec::new();
        for table in tables
            .iter()
            .filter(|t| !NOT_COMPARED.contains(&t.as_str()))
        {
            if postgres {
                let keys = self
                    .strings(&format!(
                        "SELECT a.attname::text FROM pg_index i \
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                         WHERE i.indrelid = '\"{table}\"'::regclass AND i.indisprimary \
                         ORDER BY array_position(i.indkey::int2[], a.attnum)"
                    ))
                    .await;
                let order = if keys.is_empty() {
                    "x::text".to_string()
                } else {
                    keys.iter()
                        .map(|k| format!("x.\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                parts.push(format!(
                    "SELECT '{table}'::text, \
                     (SELECT coalesce(json_agg(x ORDER BY {order})::text, '[]') FROM \"{table}\" x)"
                ));
            } else {
                let columns = self
                    .strings(&format!(
                        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
                    ))
                    .await;
                let keys = self
                    .strings(&format!(
                        "SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk"
                    ))
                    .await;
                let fields = columns
                    .iter()
                    .map(|c| format!("'{c}', \"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                let order = if keys.is_empty() {
                    "rowid".to_string()
                } else {
                    keys.iter()
                        .map(|k| format!("\"{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                parts.push(format!(
                    "SELECT '{table}', \
                     (SELECT json_group_array(json_object({fields}) ORDER BY {order}) FROM \"{table}\")"
                ));
            }
        }
        assert!(parts.len() > 20, "tables found: {tables:?}");
        parts.join(" UNION ALL ")
    }

    /// Every compared table's rows, in primary-key order.
    pub async fn snapshot(&self) -> Snapshot {
        let sql = &self.snapshot_sql;
        let rows = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as::<_, (String, Option<String>)>(sql)
                    .fetch_all(p)
                    .await
            }
            Pool::Postgres(p) => {
                sqlx::query_as::<_, (String, Option<String>)>(sql)
                    .fetch_all(p)
                    .await
            }
        };
        rows.unwrap_or_else(|e| panic!("snapshot: {e}"))
            .into_iter()
            .map(|(table, rows)| (table, rows.unwrap_or_else(|| "[]".to_string())))
            .collect()
    }

    /// How many updates the bot has finished handling (it records each after its handler).
    pub async fn handled(&self) -> i64 {
        self.ints("SELECT CAST(COUNT(*) AS BIGINT) FROM processed_updates")
            .await[0]
    }

    /// Waits until every queued notification was sent (or failed for good), so a snapshot
    /// taken then is not moved by a send under way.
    pub async fn wait_outbox_sent(&self) -> bool {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let open = self
                .ints(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE status IN ('pending', 'sending')",
                )
                .await;
            if open.first() == Some(&0) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        false
    }

    /// Waits until `count` more updates than `before` were handled: their handlers are done.
    /// The bot does not tell Telegram when a handler ends, so this reads the database.
    pub async fn wait_handled(&self, before: i64, count: usize) -> bool {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.handled().await >= before + count as i64 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        false
    }
}

/// The rows of each table that differ between two snapshots, shortened for a report.
pub fn db_changes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut changes = Vec::new();
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for table in tables {
        let (old, new) = (before.get(table), after.get(table));
        if old == new {
            continue;
        }
        let rows = |json: Option<&String>| -> Vec<String> {
            serde_json::from_str::<Vec<serde_json::Value>>(json.map_or("[]", String::as_str))
                .unwrap_or_default()
                .iter()
                .map(|v| v.to_string())
                .collect()
        };
        let (old, new) = (rows(old), rows(new));
        let gone: Vec<&String> = old.iter().filter(|r| !new.contains(r)).collect();
        let came: Vec<&String> = new.iter().filter(|r| !old.contains(r)).collect();
        let short = |r: &String| r.chars().take(240).collect::<String>();
        let mut line = format!("{table}:");
        for r in gone.iter().take(2) {
            let _ = write!(line, " -{}", short(r));
        }
        for r in came.iter().take(2) {
            let _ = write!(line, " +{}", short(r));
        }
        changes.push(line);
    }
    changes
}

// ----- what people received -------------------------------------------------------------------

/// What the bot did to each chat: messages sent, and requests to edit or delete messages.
pub type Inboxes = BTreeMap<i64, (usize, usize)>;

pub const EDITS: &[&str] = &[
    "editMessageText",
    "editMessageCaption",
    "editMessageMedia",
    "editMessageReplyMarkup",
    "deleteMessage",
    "deleteMessages",
];

/// What the bot did to every chat but `except` (0: all of them).
pub fn inboxes(app: &TestApp, except: i64) -> Inboxes {
    let mut out: Inboxes = app
        .fake
        .sent_counts()
        .into_iter()
        .filter(|(chat, _)| *chat != except)
        .map(|(chat, sent)| (chat, (sent, 0)))
        .collect();
    for method in EDITS {
        for request in app.fake.requests_for(method) {
            if let Some(chat) = request.chat_id().filter(|c| *c != except) {
                out.entry(chat).or_default().1 += 1;
            }
        }
    }
    out
}

/// The chats that got something, with what they got.
pub fn inbox_changes(app: &TestApp, before: &Inboxes, after: &Inboxes) -> Vec<String> {
    let mut changes = Vec::new();
    for (chat, (sent, edits)) in after {
        let (old_sent, old_edits) = before.get(chat).copied().unwrap_or_default();
        if (old_sent, old_edits) == (*sent, *edits) {
            continue;
        }
        let new: Vec<String> = app
            .fake
            .sent_messages(*chat)
            .into_iter()
            .skip(old_sent)
            .take(2)
            .map(|m| m.plain_text.chars().take(160).collect())
            .collect();
        changes.push(format!(
            "chat {chat}: {} new message(s) {new:?}, {} edit(s)",
            sent - old_sent,
            edits - old_edits
        ));
    }
    changes
}
