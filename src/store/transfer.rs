//! Moving an embedded deployment to PostgreSQL (`handover-bot migrate-data`): every table is
//! copied from the SQLite file into an empty, migrated PostgreSQL database in one transaction,
//! the counts are compared, and the identity sequences are moved past the copied ids.
//!
//! The tables and their column types are read from the target's catalogue, so a table added by
//! a later migration is copied without changes here; values are converted from SQLite's
//! storage to the PostgreSQL column type (integers, text, timestamps, booleans, JSON…).

use super::{Pool, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt as _;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row as _, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};

/// Why the copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(
        "the source must be a SQLite database (sqlite://…) and the target PostgreSQL (postgres://…)"
    )]
    WrongKinds,
    #[error(
        "the target database is not empty (table {table} has {rows} rows); migrate-data only writes into a new, empty database"
    )]
    TargetNotEmpty { table: String, rows: i64 },
    #[error("the two databases do not have the same tables: {0}")]
    SchemaMismatch(String),
    #[error("table {table}, column {column}: cannot copy values of type {data_type}")]
    UnsupportedType {
        table: String,
        column: String,
        data_type: String,
    },
    #[error(
        "table {table}: {source_rows} rows in the source but {target_rows} in the target after copying"
    )]
    CountMismatch {
        table: String,
        source_rows: i64,
        target_rows: i64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TransferError {
    fn from(e: sqlx::Error) -> Self {
        TransferError::Store(StoreError::Sql(e))
    }
}

/// One copied table and its row count (equal in both databases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedTable {
    pub table: String,
    pub rows: i64,
}

/// Rows per INSERT statement; keeps the bind count far below PostgreSQL's 65,535.
const ROWS_PER_INSERT: usize = 500;

/// The table that records applied migrations: each side keeps its own.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Copies every table of `source` (SQLite) into `target` (PostgreSQL). Both must be migrated
/// already; the target must hold no rows. Returns the tables in the order they were copied.
pub async fn copy_sqlite_to_postgres(
    source: &Store,
    target: &Store,
) -> Result<Vec<CopiedTable>, TransferError> {
    let (Pool::Sqlite(source), Pool::Postgres(target)) = (&source.pool, &target.pool) else {
        return Err(TransferError::WrongKinds);
    };
    let tables = tables_in_dependency_order(target).await?;
    check_same_tables(source, &tables).await?;
    let mut tx = target.begin().await?;
    // Nobody else may write while we copy (and a second migrate-data waits, then finds rows).
    for table in &tables {
        sqlx::query(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", quote(table)))
            .execute(&mut *tx)
            .await?;
    }
    // The tally tables are copied as they are, so the triggers that keep them must not count the
    // copied rows a second time (this needs a superuser, or the SET privilege on the setting).
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    for table in &tables {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table)))
            .fetch_one(&mut *tx)
            .await?;
        if rows > 0 {
            return Err(TransferError::TargetNotEmpty {
                table: table.clone(),
                rows,
            });
        }
    }
    let mut copied = Vec::new();
    for table in &tables {
        let columns = columns_of(&mut tx, table).await?;
        copy_table(source, &mut tx, table, &columns).await?;
        reset_identity(&mut tx, table, &columns).await?;
        let source_rows: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table)))
                .fetch_one(source)
                .await?;
        let target_rows: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(table)))
                .fetch_one(&mut *tx)
                .await?;
        if source_rows != target_rows {
            return Err(TransferError::CountMismatch {
                table: table.clone(),
                source_rows,
                target_rows,
            });
        }
        copied.push(CopiedTable {
            table: table.clone(),
            rows: target_rows,
        });
    }
    tx.commit().await?;
    Ok(copied)
}

/// Every application table of `store` (either kind) with its row count, by name.
pub async fn row_counts(store: &Store) -> Result<Vec<CopiedTable>, TransferError> {
    let tables: Vec<String> = match &store.pool {
        Pool::Sqlite(pool) => {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name <> $1 ORDER BY name",
            )
            .bind(MIGRATIONS_TABLE)
            .fetch_all(pool)
            .await?
        }
        Pool::Postgres(pool) => {
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
                 AND table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY table_name",
            )
            .bind(MIGRATIONS_TABLE)
            .fetch_all(pool)
            .await?
        }
    };
    let mut counts = Vec::new();
    for table in tables {
        let sql = format!("SELECT COUNT(*) FROM {}", quote(&table));
        let rows: i64 = match &store.pool {
            Pool::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
            Pool::Postgres(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await?,
        };
        counts.push(CopiedTable { table, rows });
    }
    Ok(counts)
}

/// A column of the target table and how its values are read from SQLite.
struct Column {
    name: String,
    kind: ValueKind,
    identity: bool,
}

#[derive(Clone, Copy)]
enum ValueKind {
    BigInt,
    Int,
    SmallInt,
    Text,
    Bool,
    Float,
    Timestamp,
    Date,
    Json,
    Bytes,
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// The target's tables, each after the tables its foreign keys point to.
async fn tables_in_dependency_order(target: &PgPool) -> Result<Vec<String>, TransferError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1 \
         ORDER BY table_name",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(target)
    .await?;
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(target)
    .await?;
    let mut needs: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.clone(), BTreeSet::new()))
        .collect();
    for (table, referenced) in edges {
        let (table, referenced) = (unquote(&table), unquote(&referenced));
        if table != referenced
            && let Some(set) = needs.get_mut(&table)
        {
            set.insert(referenced);
        }
    }
    let mut ordered = Vec::new();
    while !needs.is_empty() {
        let ready: Vec<String> = needs
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !needs.contains_key(d)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            let cycle: Vec<&String> = needs.keys().collect();
            return Err(TransferError::SchemaMismatch(format!(
                "foreign keys form a cycle among {cycle:?}"
            )));
        }
        for table in ready {
            needs.remove(&table);
            ordered.push(table);
        }
    }
    Ok(ordered)
}

/// `regclass::text` quotes names that need it.
fn unquote(name: &str) -> String {
    name.trim_matches('"').to_string()
}

async fn check_same_tables(source: &SqlitePool, tables: &[String]) -> Result<(), TransferError> {
    let in_source: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> $1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(source)
    .await?
    .into_iter()
    .collect();
    let in_target: BTreeSet<String> = tables.iter().cloned().collect();
    if in_source != in_target {
        let only_source: Vec<_> = in_source.difference(&in_target).collect();
        let only_target: Vec<_> = in_target.difference(&in_source).collect();
        return Err(TransferError::SchemaMismatch(format!(
            "only in the source: {only_source:?}; only in the target: {only_target:?}"
        )));
    }
    Ok(())
}

async fn columns_of(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
) -> Result<Vec<Column>, TransferError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text, is_identity::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|(name, data_type, identity)| {
            let kind = match data_type.as_str() {
                "bigint" => ValueKind::BigInt,
                "integer" => ValueKind::Int,
                "smallint" => ValueKind::SmallInt,
                "text" | "character varying" | "character" => ValueKind::Text,
                "boolean" => ValueKind::Bool,
                "double precision" | "real" => ValueKind::Float,
                "timestamp with time zone" => ValueKind::Timestamp,
                "date" => ValueKind::Date,
                "json" | "jsonb" => ValueKind::Json,
                "bytea" => ValueKind::Bytes,
                _ => {
                    return Err(TransferError::UnsupportedType {
                        table: table.to_string(),
                        column: name,
                        data_type,
                    });
                }
            };
            Ok(Column {
                name,
                kind,
                identity: identity == "YES",
            })
        })
        .collect()
}

/// One value read from SQLite, typed for the target column.
enum Value {
    BigInt(Option<i64>),
    Int(Option<i32>),
    SmallInt(Option<i16>),
    Text(Option<String>),
    Bool(Option<bool>),
    Float(Option<f64>),
    Timestamp(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Json(Option<serde_json::Value>),
    Bytes(Option<Vec<u8>>),
}

fn read_value(
    row: &SqliteRow,
    i: usize,
    column: &Column,
    table: &str,
) -> Result<Value, TransferError> {
    let bad = |e: sqlx::Error| {
        TransferError::Store(StoreError::Corrupt(format!("{table}.{}: {e}", column.name)))
    };
    Ok(match column.kind {
        ValueKind::BigInt => Value::BigInt(row.try_get(i).map_err(bad)?),
        ValueKind::Int => Value::Int(row.try_get(i).map_err(bad)?),
        ValueKind::SmallInt => Value::SmallInt(row.try_get(i).map_err(bad)?),
        ValueKind::Text => Value::Text(row.try_get(i).map_err(bad)?),
        ValueKind::Bool => Value::Bool(row.try_get(i).map_err(bad)?),
        ValueKind::Float => Value::Float(row.try_get(i).map_err(bad)?),
        ValueKind::Timestamp => Value::Timestamp(row.try_get(i).map_err(bad)?),
        ValueKind::Date => Value::Date(row.try_get(i).map_err(bad)?),
        ValueKind::Json => {
            let text: Option<String> = row.try_get(i).map_err(bad)?;
            let json = text
                .map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(|e| {
                    TransferError::Store(StoreError::Corrupt(format!(
                        "{table}.{}: not JSON: {e}",
                        column.name
                    )))
                })?;
            Value::Json(json)
        }
        ValueKind::Bytes => Value::Bytes(row.try_get(i).map_err(bad)?),
    })
}

async fn copy_table(
    source: &SqlitePool,
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
    columns: &[Column],
) -> Result<(), TransferError> {
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let select = format!(
        "SELECT {} FROM {} ORDER BY 1",
        names.join(", "),
        quote(table)
    );
    let mut rows = sqlx::query(&select).fetch(source);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(ROWS_PER_INSERT);
    while let Some(row) = rows.try_next().await? {
        let values = columns
            .iter()
            .enumerate()
            .map(|(i, column)| read_value(&row, i, column, table))
            .collect::<Result<Vec<_>, _>>()?;
        batch.push(values);
        if batch.len() == ROWS_PER_INSERT {
            insert_batch(tx, table, &names, std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        insert_batch(tx, table, &names, batch).await?;
    }
    Ok(())
}

async fn insert_batch(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
    names: &[String],
    batch: Vec<Vec<Value>>,
) -> Result<(), TransferError> {
    let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE ",
        quote(table),
        names.join(", ")
    ));
    insert.push_values(batch, |mut row, values| {
        for value in values {
            match value {
                Value::BigInt(v) => row.push_bind(v),
                Value::Int(v) => row.push_bind(v),
                Value::SmallInt(v) => row.push_bind(v),
                Value::Text(v) => row.push_bind(v),
                Value::Bool(v) => row.push_bind(v),
                Value::Float(v) => row.push_bind(v),
                Value::Timestamp(v) => row.push_bind(v),
                Value::Date(v) => row.push_bind(v),
                Value::Json(v) => row.push_bind(v),
                Value::Bytes(v) => row.push_bind(v),
            };
        }
    });
    insert.build().execute(&mut **tx).await?;
    Ok(())
}

/// Moves each identity column's sequence past the largest copied id, so the next row the
/// application inserts does not collide with a copied one.
async fn reset_identity(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
    columns: &[Column],
) -> Result<(), TransferError> {
    for column in columns.iter().filter(|c| c.identity) {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({col}) FROM {tbl}), 0) + 1, false)",
            col = quote(&column.name),
            tbl = quote(table)
        );
        sqlx::query(&sql)
            .bind(quote(table))
            .bind(&column.name)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
