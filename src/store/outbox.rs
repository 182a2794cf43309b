//! The outbox table, and the record of updates already handled.

use super::queue::Claim;
use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::message::Content;
use chrono::{DateTime, Utc};

/// Ids bound in one statement at most: well inside SQLite's and PostgreSQL's parameter limits.
/// Statements whose length follows the batch are not kept prepared (`persistent(false)`):
/// each length would take a place in the connection's statement cache from a hot query.
const IDS_PER_STATEMENT: usize = 250;

/// `$first, $first+1, …` (`count` placeholders), for an `IN (…)` list.
fn numbered(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `count` rows of `($p…, $1)` with `per_row` placeholders numbered from `first`, each row
/// ending in `$1` (the time shared by every row).
fn value_rows(count: usize, per_row: usize, first: usize) -> String {
    (0..count)
        .map(|row| format!("({}, $1)", numbered(first + row * per_row, per_row)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One outbox row claimed for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub chat_id: i64,
    pub dedupe_key: String,
    pub content: Content,
    pub attempts: i64,
    /// It answers what the chat's person just did (see [`crate::answering`]).
    pub answering: bool,
}

/// Pending and failed messages, for /queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub failed: i64,
    pub sent: i64,
    pub oldest_due: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ClaimedRecord {
    id: i64,
    chat_id: i64,
    dedupe_key: String,
    content: String,
    attempts: i64,
    answering: i64,
}

impl Tx {
    /// Queues one message. A dedupe key already present means it was queued before: nothing
    /// happens and `false` is returned. A message to the person whose update is being handled
    /// is marked as answering them, and goes ahead of the rest (see [`crate::answering`]).
    pub async fn enqueue_message(
        &mut self,
        chat_id: i64,
        dedupe_key: &str,
        content: &Content,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let rehearsal = crate::rehearsal::current();
        let json = match rehearsal {
            Some(_) => serde_json::to_string(&content.clone().headed(crate::rehearsal::MARKER)),
            None => serde_json::to_string(content),
        }
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let answering = i64::from(crate::answering::answers(chat_id));
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO outbox (chat_id, dedupe_key, content, next_attempt_at, created_at, rehearsal_id, answering) \
                 VALUES ($1, $2, $3, $4, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(chat_id)
            .bind(dedupe_key)
            .bind(&json)
            .bind(now)
            .bind(rehearsal)
            .bind(answering)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected == 1)
    }

    /// Claims due messages for sending, each chat's in the order they were queued, including
    /// messages whose sender crashed and whose lease ran out; messages answering someone first,
    /// ahead of their own chat's older notices too (not an edit, which waits for what it
    /// edits), never beside another of their chat's messages in flight.
    pub async fn claim_outbox(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        self.claim_outbox_by(now, lease_until, limit, None).await
    }

    /// [`Tx::claim_outbox`] for instance `owner`, recorded with each claim so the instance can
    /// take its own claims back at once when it starts again ([`Tx::take_back_claims`]).
    pub async fn claim_outbox_by(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
        owner: Option<&str>,
    ) -> StoreResult<Vec<OutboxRow>> {
        self.claim_outbox_as(Claim::All, now, lease_until, limit, owner)
            .await
    }

    /// [`Tx::claim_outbox_by`], of the rows `claim` names: with [`Claim::AheadOnly`], messages
    /// answering someone only, claimed the moment they are queued while the sender is still
    /// busy with a batch of others.
    pub async fn claim_outbox_as(
        &mut self,
        claim: Claim,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
        owner: Option<&str>,
    ) -> StoreResult<Vec<OutboxRow>> {
        let sql = super::queue::OUTBOX.claim_sql(
            self.is_postgres(),
            "id, chat_id, dedupe_key, content, attempts, answering",
            claim,
        );
        let records: Vec<ClaimedRecord> = with_conn!(self, |c| {
            sqlx::query_as(&sql)
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .bind(owner)
                .fetch_all(c)
                .await
        })?;
        records
            .into_iter()
            .map(|r| {
                let content = serde_json::from_str(&r.content)
                    .map_err(|e| StoreError::Corrupt(format!("outbox {}: {e}", r.id)))?;
                Ok(OutboxRow {
                    id: r.id,
                    chat_id: r.chat_id,
                    dedupe_key: r.dedupe_key,
                    content,
                    attempts: r.attempts,
                    answering: r.answering != 0,
                })
            })
            .collect()
    }

    /// Records Telegram's message id in the same statement that marks the row sent, so the
    /// window in which a crash could cause a duplicate stays as small as it can be.
    pub async fn outbox_sent(
        &mut self,
        id: i64,
        message_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "UPDATE outbox SET status = 'sent', message_id = $1, sent_at = $2, locked_until = NULL, \
                 last_error = NULL WHERE id = $3",
            )
            .bind(message_id)
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Puts a row back in the queue for another attempt at `at`.
    pub async fn outbox_retry(
        &mut self,
        id: i64,
        at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        let outcome = super::queue::Settle::Retry { at, error };
        self.settle_in(&super::queue::OUTBOX, id, outcome).await
    }

    /// Gives up on a row for good.
    pub async fn outbox_failed(&mut self, id: i64, error: &str) -> StoreResult<()> {
        let outcome = super::queue::Settle::Failed { error };
        self.settle_in(&super::queue::OUTBOX, id, outcome).await
    }

    /// Flags everyone behind this chat as unreachable (Telegram refuses to deliver to them),
    /// or as reachable again once they write to the bot. Visible to ambassadors and supervisors.
    pub async fn set_reachable(
        &mut self,
        chat_id: i64,
        reachable: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let flag = i64::from(!reachable);
        for table in ["buyers", "staff"] {
            let sql = format!(
                "UPDATE {table} SET unreachable = $1, updated_at = $2 WHERE telegram_id = $3 AND unreachable <> $1"
            );
            with_conn!(self, |c| {
                sqlx::query(&sql)
                    .bind(flag)
                    .bind(now)
                    .bind(chat_id)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
            })?;
        }
        Ok(())
    }

    /// Marks the people in these chats reachable again (they wrote to the bot).
    pub async fn set_reachable_again(
        &mut self,
        chat_ids: &[i64],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        for chats in chat_ids.chunks(IDS_PER_STATEMENT) {
            for table in ["buyers", "staff"] {
                let sql = format!(
                    "UPDATE {table} SET unreachable = 0, updated_at = $1 WHERE unreachable <> 0 AND telegram_id IN ({})",
                    numbered(2, chats.len())
                );
                self.execute_for_ids(&sql, Some(now), chats).await?;
            }
        }
        Ok(())
    }

    /// When the notifier next has something to do: the earliest pending attempt or lease expiry.
    pub async fn next_outbox_due(&mut self) -> StoreResult<Option<DateTime<Utc>>> {
        self.next_due_in(&super::queue::OUTBOX).await
    }

    pub async fn outbox_counts(&mut self) -> StoreResult<OutboxCounts> {
        let (pending, failed, sent): (i64, i64, i64) = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END), 0), \
                        COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0), \
                        COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) FROM outbox",
            )
            .fetch_one(c)
            .await
        })?;
        let oldest_due = self.next_outbox_due().await?;
        Ok(OutboxCounts {
            pending,
            failed,
            sent,
            oldest_due,
        })
    }

    /// Requeues every failed row (after the cause was fixed); returns how many.
    pub async fn requeue_failed_outbox(&mut self, now: DateTime<Utc>) -> StoreResult<u64> {
        let affected = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, last_error = NULL \
                 WHERE status = 'failed'",
            )
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(affected)
    }

    /// Status and Telegram message id of the row with this dedupe key.
    pub async fn outbox_status(
        &mut self,
        dedupe_key: &str,
    ) -> StoreResult<Option<(String, Option<i64>, i64)>> {
        let row = with_conn!(self, |c| {
            sqlx::query_as("SELECT status, message_id, attempts FROM outbox WHERE dedupe_key = $1")
                .bind(dedupe_key)
                .fetch_optional(c)
                .await
        })?;
        Ok(row)
    }

    /// Runs a batch statement: `$1` is `now` when given, the ids follow in order. Not kept
    /// prepared (see [`IDS_PER_STATEMENT`]).
    async fn execute_for_ids(
        &mut self,
        sql: &str,
        now: Option<DateTime<Utc>>,
        ids: &[i64],
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            let mut query = sqlx::query(sql).persistent(false);
            if let Some(now) = now {
                query = query.bind(now);
            }
            for id in ids {
                query = query.bind(*id);
            }
            query.execute(c).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Records updates as handled and takes them out of the inbox.
    pub async fn mark_updates_handled(
        &mut self,
        update_ids: &[i64],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        for ids in update_ids.chunks(IDS_PER_STATEMENT) {
            let insert = format!(
                "INSERT INTO processed_updates (update_id, at) VALUES {} ON CONFLICT (update_id) DO NOTHING",
                value_rows(ids.len(), 1, 2)
            );
            self.execute_for_ids(&insert, Some(now), ids).await?;
            let delete = format!(
                "DELETE FROM update_inbox WHERE update_id IN ({})",
                numbered(1, ids.len())
            );
            self.execute_for_ids(&delete, None, ids).await?;
        }
        Ok(())
    }

    /// Keeps received updates (id and JSON) until they are handled, claimed by nobody (any
    /// instance may replay them at once).
    pub async fn put_in_inbox(
        &mut self,
        updates: &[(i64, &str)],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.put_in_inbox_claimed(updates, now, None).await
    }

    /// Keeps received updates until they are handled, claimed by the instance `(owner, until)`
    /// that is about to handle them: until the lease runs out no instance replays them.
    pub async fn put_in_inbox_claimed(
        &mut self,
        updates: &[(i64, &str)],
        now: DateTime<Utc>,
        claim: Option<(&str, DateTime<Utc>)>,
    ) -> StoreResult<()> {
        let (owner, until) = match claim {
            Some((owner, until)) => (Some(owner), Some(until)),
            None => (None, None),
        };
        for rows in updates.chunks(IDS_PER_STATEMENT) {
            let values = (0..rows.len())
                .map(|row| format!("(${}, ${}, $1, $2, $3)", 4 + row * 2, 5 + row * 2))
                .collect::<Vec<_>>()
                .join(", ");
            let insert = format!(
                "INSERT INTO update_inbox (update_id, payload, received_at, claimed_by, claimed_until) \
                 VALUES {values} ON CONFLICT (update_id) DO NOTHING"
            );
            with_conn!(self, |c| {
                let mut query = sqlx::query(&insert)
                    .persistent(false)
                    .bind(now)
                    .bind(owner)
                    .bind(until);
                for (id, payload) in rows {
                    query = query.bind(*id).bind(*payload);
                }
                query.execute(c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Claims inbox updates whose handler's lease ran out (or that nobody claimed), received
    /// since `since` and not handled, oldest first, for instance `owner` until `lease_until`.
    /// With `own_too`, updates `owner` itself had claimed are taken at once (it starts again:
    /// its earlier run is gone). Several instances claim side by side on PostgreSQL.
    pub async fn claim_stale_updates(
        &mut self,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
        own_too: bool,
        limit: i64,
    ) -> StoreResult<Vec<(i64, String)>> {
        let lock = if self.is_postgres() {
            " FOR UPDATE OF i SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE update_inbox SET claimed_by = $4, claimed_until = $3 \
             WHERE update_id IN ( \
               SELECT i.update_id FROM update_inbox i \
               WHERE i.received_at >= $2 \
                 AND (i.claimed_until IS NULL OR i.claimed_until <= $1 OR ($5 AND i.claimed_by = $4)) \
                 AND NOT EXISTS (SELECT 1 FROM processed_updates p WHERE p.update_id = i.update_id) \
               ORDER BY i.update_id LIMIT $6{lock}) \
             RETURNING update_id, payload"
        );
        let mut rows: Vec<(i64, String)> = with_conn!(self, |c| {
            sqlx::query_as(&sql)
                .bind(now)
                .bind(since)
                .bind(lease_until)
                .bind(owner)
                .bind(own_too)
                .bind(limit)
                .fetch_all(c)
                .await
        })?;
        rows.sort_by_key(|(id, _)| *id);
        Ok(rows)
    }

    /// When the next claim of an update received since `since` runs out (the replayer's next
    /// look).
    pub async fn next_inbox_expiry(
        &mut self,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let next = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT MIN(claimed_until) FROM update_inbox WHERE received_at >= $1",
            )
            .bind(since)
            .fetch_one(c)
            .await
        })?;
        Ok(next)
    }

    /// An instance starting again takes back at once what its earlier run had claimed and
    /// could not finish: outbox rows being sent, jobs running, inbox updates being handled and
    /// chats' turns. With `all` (a single-instance database such as SQLite) every claim is its
    /// own. Claims are made due now, not released, so a job's attempt count still fences a
    /// late settle. Returns how many claims were taken back.
    pub async fn take_back_claims(
        &mut self,
        owner: &str,
        all: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut taken = 0;
        let queues = [
            super::queue::OUTBOX,
            super::queue::JOBS,
            super::queue::DEFECT_FEED,
        ];
        let inbox = "UPDATE update_inbox SET claimed_until = $1 WHERE claimed_until > $1 \
             AND ($3 OR claimed_by = $2)";
        let statements = queues
            .iter()
            .filter_map(super::queue::Queue::take_back_sql)
            .chain([inbox.to_string()]);
        for sql in statements {
            taken += with_conn!(self, |c| {
                sqlx::query(&sql)
                    .bind(now)
                    .bind(owner)
                    .bind(all)
                    .execute(c)
                    .await
                    .map(|done| done.rows_affected())
            })?;
        }
        taken += with_conn!(self, |c| {
            sqlx::query("DELETE FROM chat_turns WHERE $2 OR holder = $1")
                .bind(owner)
                .bind(all)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(taken)
    }

    /// Takes chat `chat_id`'s turn for `holder` to handle update `update_id`, until `until`:
    /// true when it is free (nobody holds it, or the holder's lease ran out) and no older update
    /// of the chat received within the last lease (`until - now`) is still waiting in the inbox,
    /// and now `holder`'s. So a chat's updates are handled in the order they were sent, even
    /// when a button press and the photo sent right after it reach two instances at once.
    pub async fn take_chat_turn(
        &mut self,
        chat_id: i64,
        update_id: i64,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let older_since = now - (until - now);
        let sql = format!(
            "INSERT INTO chat_turns (chat_id, holder, held_until) \
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM update_inbox \
               WHERE update_id < $5 AND received_at > $6 AND {} = $1) \
             ON CONFLICT (chat_id) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until \
             WHERE chat_turns.held_until <= $4",
            inbox_chat(self.is_postgres())
        );
        let affected = with_conn!(self, |c| {
            sqlx::query(&sql)
                .bind(chat_id)
                .bind(holder)
                .bind(until)
                .bind(now)
                .bind(update_id)
                .bind(older_since)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected == 1)
    }

    /// Gives chat `chat_id`'s turn back, if `holder` still holds it.
    pub async fn give_chat_turn(&mut self, chat_id: i64, holder: &str) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query("DELETE FROM chat_turns WHERE chat_id = $1 AND holder = $2")
                .bind(chat_id)
                .bind(holder)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Received updates not handled yet, received between `since` and `until`, oldest first.
    pub async fn inbox_updates(
        &mut self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, String)>> {
        let rows = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT i.update_id, i.payload FROM update_inbox i \
                 WHERE i.received_at >= $1 AND i.received_at <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM processed_updates p WHERE p.update_id = i.update_id) \
                 ORDER BY i.update_id",
            )
            .bind(since)
            .bind(until)
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Forgets inbox rows received before `before` (ones that could not be handled); returns
    /// how many.
    pub async fn purge_inbox(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        let affected = with_conn!(self, |c| {
            sqlx::query("DELETE FROM update_inbox WHERE received_at < $1")
                .bind(before)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected)
    }

    /// Which of `update_ids` were handled before.
    pub async fn handled_among(
        &mut self,
        update_ids: &[i64],
    ) -> StoreResult<std::collections::HashSet<i64>> {
        let mut handled = std::collections::HashSet::new();
        for ids in update_ids.chunks(IDS_PER_STATEMENT) {
            let select = format!(
                "SELECT update_id FROM processed_updates WHERE update_id IN ({})",
                numbered(1, ids.len())
            );
            let found: Vec<i64> = with_conn!(self, |c| {
                let mut query = sqlx::query_scalar(&select).persistent(false);
                for id in ids {
                    query = query.bind(*id);
                }
                query.fetch_all(c).await
            })?;
            handled.extend(found);
        }
        Ok(handled)
    }

    /// Forgets handled updates older than `before`; returns how many.
    pub async fn purge_handled_updates(&mut self, before: DateTime<Utc>) -> StoreResult<u64> {
        let affected = with_conn!(self, |c| {
            sqlx::query("DELETE FROM processed_updates WHERE at < $1")
                .bind(before)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected)
    }
}

/// The chat a kept update (`update_inbox.payload`, the update's JSON) belongs to, as the
/// handlers take its turn: a message's chat, or the chat of the message a button was pressed
/// on, or the presser's own.
fn inbox_chat(postgres: bool) -> &'static str {
    if postgres {
        "COALESCE(payload::jsonb #>> '{message,chat,id}', \
                  payload::jsonb #>> '{callback_query,message,chat,id}', \
                  payload::jsonb #>> '{callback_query,from,id}')::bigint"
    } else {
        "COALESCE(json_extract(payload, '$.message.chat.id'), \
                  json_extract(payload, '$.callback_query.message.chat.id'), \
                  json_extract(payload, '$.callback_query.from.id'))"
    }
}
