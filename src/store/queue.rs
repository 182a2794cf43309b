//! One lease queue over three tables: the outbox, the jobs and the defect feed. Each row is
//! `pending` until it is due, then claimed (the claimed status, a lease that runs out, one more
//! attempt counted), then settled by its worker; a row whose worker died is claimable again once
//! its lease runs out. The tables differ only in their column names and in the order rows are
//! handed out, which a [`Queue`] describes; the statements are written once, here, and are
//! valid on SQLite and PostgreSQL alike.

use super::{StoreResult, Tx, with_conn};
use chrono::{DateTime, Utc};

/// What became of one claimed row.
#[derive(Debug, Clone, Copy)]
pub enum Settle<'a> {
    Sent,
    /// Back to pending, due again at `at`.
    Retry {
        at: DateTime<Utc>,
        error: &'a str,
    },
    Failed {
        error: &'a str,
    },
}

/// In which order a queue hands out its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Per group (a chat, a defect) only the oldest open row, so each group's rows go out in
    /// the order they were queued; groups side by side, by these columns.
    PerGroup {
        group: &'static str,
        by: &'static [&'static str],
    },
    /// The earliest due first, whatever the row. Pending rows and rows with a lapsed lease are
    /// each a short range scan of their own partial index.
    DueFirst,
}

/// The columns of one lease-queue table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    pub table: &'static str,
    pub status: &'static str,
    /// The status of a claimed row.
    pub claimed: &'static str,
    /// When a pending row is due: the first of these columns that is set.
    pub due: &'static [&'static str],
    /// Where a retry's time is written.
    pub retry_at: &'static str,
    /// When a claim's lease runs out.
    pub lease: &'static str,
    pub attempts: &'static str,
    pub error: &'static str,
    /// Who claimed the row (`$4` of a claim), so an instance starting again takes its own claims
    /// back at once; `None` where the table does not record it.
    pub owner: Option<&'static str>,
    /// A column set to the claim's time, where the table keeps one.
    pub touched: Option<&'static str>,
    /// A column (0 or 1) marking rows that go ahead of the rest: claimed first, and on their
    /// own by [`Claim::AheadOnly`]; `None` where all rows are alike.
    pub ahead: Option<&'static str>,
    /// In a per-group queue with rows marked ahead: a condition on row `o` under which a row
    /// marked ahead also passes its group's older rows that are not (pending ones: the group
    /// still has one row in flight at a time). `None`: a group's rows go strictly in order.
    pub ahead_passes: Option<&'static str>,
    pub order: Order,
}

/// Which due rows a claim takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Any, those marked ahead first.
    All,
    /// Only pending rows marked ahead (see [`Queue::ahead`]).
    AheadOnly,
}

/// Telegram messages, one chat's in order.
pub const OUTBOX: Queue = Queue {
    table: "outbox",
    status: "status",
    claimed: "sending",
    due: &["next_attempt_at"],
    retry_at: "next_attempt_at",
    lease: "locked_until",
    attempts: "attempts",
    error: "last_error",
    owner: Some("claimed_by"),
    touched: None,
    // A message answering the person who just wrote or pressed (see `crate::answering`).
    ahead: Some("answering"),
    // The person is waiting for it, not for the notices queued to their chat before it; an
    // edit still waits for the message it edits.
    ahead_passes: Some(r#"o.content NOT LIKE '{"kind":"edit"%'"#),
    order: Order::PerGroup {
        group: "chat_id",
        by: &["next_attempt_at", "id"],
    },
};

/// Scheduled work, the earliest due first.
pub const JOBS: Queue = Queue {
    table: "jobs",
    status: "status",
    claimed: "running",
    due: &["run_at"],
    retry_at: "run_at",
    lease: "locked_until",
    attempts: "attempts",
    error: "last_error",
    owner: Some("claimed_by"),
    touched: Some("updated_at"),
    ahead: None,
    ahead_passes: None,
    order: Order::DueFirst,
};

/// Defect events for the outbound webhook, one defect's in order.
pub const DEFECT_FEED: Queue = Queue {
    table: "defect_events",
    status: "feed_status",
    claimed: "sending",
    due: &["feed_next_at", "at"],
    retry_at: "feed_next_at",
    lease: "feed_locked_until",
    attempts: "feed_attempts",
    error: "feed_error",
    owner: None,
    touched: None,
    ahead: None,
    ahead_passes: None,
    order: Order::PerGroup {
        group: "defect_id",
        by: &["id"],
    },
};

impl Queue {
    /// When a pending row is due, its columns prefixed with `alias` (`"o."` or `""`).
    fn due_at(&self, alias: &str) -> String {
        let columns: Vec<String> = self.due.iter().map(|c| format!("{alias}{c}")).collect();
        match columns.as_slice() {
            [one] => one.clone(),
            many => format!("COALESCE({})", many.join(", ")),
        }
    }

    /// The statement that claims up to `$3` rows due at `$1`, leased until `$2` (for `$4` when
    /// the table records an owner), returning `returning`. On PostgreSQL the rows picked are
    /// locked and rows another instance is claiming right now are skipped, so instances claim
    /// side by side without waiting on or double-claiming a row; in a per-group queue a row
    /// whose predecessor is being claimed sees it still open and waits. Rows marked ahead come
    /// first (only they with [`Claim::AheadOnly`]), still after their group's earlier rows.
    pub fn claim_sql(&self, postgres: bool, returning: &str, claim: Claim) -> String {
        debug_assert!(
            claim == Claim::All || self.ahead.is_some(),
            "{}: only a queue that marks rows ahead can claim them alone",
            self.table
        );
        let Queue {
            table,
            status,
            claimed,
            lease,
            attempts,
            ..
        } = *self;
        let touched = self
            .touched
            .map(|c| format!(", {c} = $1"))
            .unwrap_or_default();
        let owner = self
            .owner
            .map(|c| format!(", {c} = $4"))
            .unwrap_or_default();
        let set = format!(
            "UPDATE {table} SET {status} = '{claimed}', {lease} = $2, {attempts} = {attempts} + 1{touched}{owner}"
        );
        match self.order {
            Order::PerGroup { group, by } => {
                let lock = if postgres {
                    " FOR UPDATE OF o SKIP LOCKED"
                } else {
                    ""
                };
                let due = self.due_at("o.");
                let ahead = self.ahead.map(|c| format!("o.{c} DESC"));
                let by: Vec<String> = ahead
                    .into_iter()
                    .chain(by.iter().map(|c| format!("o.{c}")))
                    .collect();
                let by = by.join(", ");
                let open = match (claim, self.ahead) {
                    (Claim::AheadOnly, Some(ahead)) => {
                        format!("o.{status} = 'pending' AND o.{ahead} = 1 AND {due} <= $1")
                    }
                    _ => format!(
                        "(o.{status} = 'pending' AND {due} <= $1) \
                         OR (o.{status} = '{claimed}' AND o.{lease} <= $1)"
                    ),
                };
                // What keeps a row waiting: an older open row of its group, or, where a row
                // marked ahead may pass older rows, any row of its group in flight. A claim
                // whose lease ran out is not in flight (its sender died): it is open again, so
                // two rows a dead sender had claimed together do not wait for each other.
                let waits_for = match (self.ahead, self.ahead_passes) {
                    (Some(ahead), Some(passes)) => format!(
                        "e.id <> o.id AND ((e.{status} = '{claimed}' AND e.{lease} > $1) \
                         OR (e.id < o.id AND NOT (o.{ahead} = 1 AND e.{ahead} = 0 AND {passes})))"
                    ),
                    _ => "e.id < o.id".to_string(),
                };
                format!(
                    "{set} WHERE id IN ( \
                       SELECT o.id FROM {table} o \
                       WHERE ({open}) \
                         AND NOT EXISTS (SELECT 1 FROM {table} e WHERE e.{group} = o.{group} \
                                         AND e.{status} IN ('pending', '{claimed}') AND {waits_for}) \
                       ORDER BY {by} LIMIT $3{lock}) \
                     RETURNING {returning}"
                )
            }
            // An OR over both branches would make SQLite sort every due row before the limit.
            Order::DueFirst => {
                let lock = if postgres {
                    " FOR UPDATE SKIP LOCKED"
                } else {
                    ""
                };
                let due = self.due_at("");
                format!(
                    "{set} WHERE id IN (SELECT id FROM ( \
                         SELECT id, due FROM (SELECT id, {due} AS due FROM {table} \
                             WHERE {status} = 'pending' AND {due} <= $1 ORDER BY {due} LIMIT $3{lock}) AS p \
                         UNION ALL \
                         SELECT id, due FROM (SELECT id, {lease} AS due FROM {table} \
                             WHERE {status} = '{claimed}' AND {lease} <= $1 ORDER BY {lease} LIMIT $3{lock}) AS r \
                     ) AS d ORDER BY due LIMIT $3) \
                     RETURNING {returning}"
                )
            }
        }
    }
}

impl Queue {
    /// The statement that makes the claims of `$2` (of everyone, when `$3`) due at `$1`; `None`
    /// where the table does not record who claimed a row. Not a release: a job's attempt count
    /// still fences a late settle.
    pub fn take_back_sql(&self) -> Option<String> {
        let Queue {
            table,
            status,
            claimed,
            lease,
            ..
        } = *self;
        let owner = self.owner?;
        Some(format!(
            "UPDATE {table} SET {lease} = $1 WHERE {status} = '{claimed}' AND {lease} > $1 \
             AND ($3 OR {owner} = $2)"
        ))
    }
}

impl Tx {
    /// When `queue` next has something to do: its earliest pending row's due time or its
    /// earliest lease to run out.
    pub async fn next_due_in(&mut self, queue: &Queue) -> StoreResult<Option<DateTime<Utc>>> {
        let Queue {
            table,
            status,
            claimed,
            lease,
            ..
        } = *queue;
        let due = queue.due_at("");
        let pending_sql =
            format!("SELECT {due} FROM {table} WHERE {status} = 'pending' ORDER BY {due} LIMIT 1");
        let lease_sql = format!(
            "SELECT {lease} FROM {table} WHERE {status} = '{claimed}' ORDER BY {lease} LIMIT 1"
        );
        let mut next: Option<DateTime<Utc>> = None;
        for sql in [pending_sql, lease_sql] {
            let at: Option<DateTime<Utc>> = with_conn!(self, |c| {
                sqlx::query_scalar(&sql).fetch_optional(c).await
            })?;
            next = match (next, at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(next)
    }

    /// Settles claimed row `id` of `queue`: delivered, back to pending for a retry, or failed
    /// for good. Its lease ends either way.
    pub async fn settle_in(
        &mut self,
        queue: &Queue,
        id: i64,
        outcome: Settle<'_>,
    ) -> StoreResult<()> {
        let Queue {
            table,
            status,
            retry_at,
            lease,
            error: error_column,
            ..
        } = *queue;
        let (to, at, error) = match outcome {
            Settle::Sent => ("sent", None, None),
            Settle::Retry { at, error } => ("pending", Some(at), Some(error)),
            Settle::Failed { error } => ("failed", None, Some(error)),
        };
        let sql = format!(
            "UPDATE {table} SET {status} = $2, {retry_at} = COALESCE($3, {retry_at}), {lease} = NULL, \
             {error_column} = $4 WHERE id = $1"
        );
        with_conn!(self, |c| {
            sqlx::query(&sql)
                .bind(id)
                .bind(to)
                .bind(at)
                .bind(error)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}
