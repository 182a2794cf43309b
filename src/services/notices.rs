//! Queueing notifications through the outbox, and the delivery figures supervisors see.

use super::{ServiceError, ServiceResult, Services};
use crate::domain::message::Content;
use crate::domain::people::Actor;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::jobs::NewJob;
use crate::store::outbox::OutboxCounts;
use chrono::{DateTime, Utc};
use tracing::instrument;

/// How long after an album's latest photo its answer goes out: Telegram delivers the photos
/// of one album within a moment of each other.
pub const ALBUM_SETTLE: chrono::Duration = chrono::Duration::seconds(2);

/// Queues `content` for `chat_id` inside the caller's transaction. A long text becomes several
/// rows (`key`, `key#2`, …) that go out in order. Returns false when `key` was queued before.
pub async fn enqueue(
    tx: &mut Tx,
    chat_id: i64,
    key: &str,
    content: Content,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let mut fresh = false;
    for (i, part) in content.into_parts().into_iter().enumerate() {
        let part_key = if i == 0 {
            key.to_string()
        } else {
            format!("{key}#{}", i + 1)
        };
        fresh |= tx.enqueue_message(chat_id, &part_key, &part, now).await?;
    }
    Ok(fresh)
}

impl Services {
    /// Queues one notification on its own (for callers that have no change of their own to
    /// write with it) and wakes the notifier.
    #[instrument(skip_all)]
    pub async fn queue_notification(
        &self,
        chat_id: i64,
        key: &str,
        content: Content,
    ) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let fresh = enqueue(&mut tx, chat_id, key, content, now).await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(fresh)
    }

    /// Queues `content` for `chat_id` to go out at `at` (a durable job, so it survives restarts
    /// and is sent by whichever instance claims it). One key is scheduled and sent at most once;
    /// returns false when `key` was scheduled before.
    #[instrument(skip_all)]
    pub async fn schedule_notification(
        &self,
        chat_id: i64,
        key: &str,
        content: Content,
        at: DateTime<Utc>,
    ) -> ServiceResult<bool> {
        let job = Job::Notice {
            chat_id,
            key: key.to_string(),
            content,
            answers: false,
        }
        .at(at)
        .unique_key(format!("notice:{key}"));
        let mut tx = self.store.begin().await?;
        let id = tx.schedule_job(&job, self.clock.now()).await?;
        tx.commit().await?;
        self.scheduler_waker.wake();
        Ok(id.is_some())
    }

    /// The answer to a photo of an album: Telegram delivers an album as one message per photo,
    /// so the answer waits [`ALBUM_SETTLE`] on the clock after each photo and goes once, after
    /// the last, as the last photo's handler rendered it (the whole count). It goes ahead of
    /// the queued messages, as any answer does. A durable job, so a restart in between neither
    /// loses nor repeats it. A photo that comes after the answer went gets its own, keyed by its
    /// message.
    #[instrument(skip_all)]
    pub async fn answer_after_album(
        &self,
        chat_id: i64,
        album: &str,
        message_id: i32,
        content: Content,
    ) -> ServiceResult<()> {
        let now = self.clock.now();
        let at = now + ALBUM_SETTLE;
        let job = |key: String| -> NewJob {
            let unique_key = format!("notice:{key}");
            Job::Notice {
                chat_id,
                key,
                content: content.clone(),
                answers: true,
            }
            .at(at)
            .unique_key(unique_key)
        };
        let key = format!("album:{chat_id}:{album}");
        let mut tx = self.store.begin().await?;
        if tx
            .schedule_or_push_job(&job(key.clone()), now)
            .await?
            .is_none()
        {
            tx.schedule_job(&job(format!("{key}:{message_id}")), now)
                .await?;
        }
        tx.commit().await?;
        self.scheduler_waker.wake();
        Ok(())
    }

    /// The scheduled-notification job: puts the message in the outbox under its key, so a job
    /// that runs twice still sends once.
    #[instrument(skip_all)]
    pub async fn deliver_scheduled_notification(
        &self,
        chat_id: i64,
        key: &str,
        content: Content,
    ) -> ServiceResult<()> {
        self.queue_notification(chat_id, key, content).await?;
        Ok(())
    }

    /// Outbox figures for /queue.
    #[instrument(skip_all)]
    pub async fn outbox_counts(&self, actor: Option<&Actor>) -> ServiceResult<OutboxCounts> {
        if actor.is_some_and(|a| !a.can_supervise()) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.store.read().await?;
        let counts = tx.outbox_counts().await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// `handover-bot outbox retry-failed`: requeues failed rows after the cause was fixed.
    #[instrument(skip_all)]
    pub async fn retry_failed_notifications(&self) -> ServiceResult<u64> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let n = tx.requeue_failed_outbox(now).await?;
        tx.audit(
            now,
            "cli",
            "outbox.retry_failed",
            "outbox",
            serde_json::json!({ "rows": n }),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(n)
    }

    /// Received updates (id and JSON), in one transaction: for each, false when it was handled
    /// before (Telegram re-delivers what was not confirmed); the others are kept in the inbox
    /// until handled.
    #[instrument(skip_all)]
    pub async fn receive_updates(&self, updates: &[(i64, String)]) -> ServiceResult<Vec<bool>> {
        self.record_updates(updates, &[]).await
    }

    /// What the update journal learnt since its last write, in one transaction: `handled`
    /// updates (id, and the private chat whose person is reachable again) leave the inbox and
    /// are remembered as handled; `received` ones are kept, and the answer says for each whether
    /// it is new (false when it was handled before).
    #[instrument(skip_all)]
    pub async fn record_updates(
        &self,
        received: &[(i64, String)],
        handled: &[(i64, Option<i64>)],
    ) -> ServiceResult<Vec<bool>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !handled.is_empty() {
            let ids: Vec<i64> = handled.iter().map(|(id, _)| *id).collect();
            tx.mark_updates_handled(&ids, now).await?;
            let mut chats: Vec<i64> = handled.iter().filter_map(|(_, chat)| *chat).collect();
            chats.sort_unstable();
            chats.dedup();
            tx.set_reachable_again(&chats, now).await?;
        }
        let ids: Vec<i64> = received.iter().map(|(id, _)| *id).collect();
        let handled_before = tx.handled_among(&ids).await?;
        let fresh: Vec<bool> = ids.iter().map(|id| !handled_before.contains(id)).collect();
        let keep: Vec<(i64, &str)> = received
            .iter()
            .filter(|(id, _)| !handled_before.contains(id))
            .map(|(id, payload)| (*id, payload.as_str()))
            .collect();
        // Kept as this instance's: another instance replays them only once the lease ran out.
        let lease_until = now + self.config.claim_lease;
        tx.put_in_inbox_claimed(&keep, now, Some((&self.config.instance_id, lease_until)))
            .await?;
        tx.commit().await?;
        Ok(fresh)
    }

    /// Updates received but not handled (a crash interrupted them), oldest first, as JSON:
    /// those of the last day (Telegram keeps an unconfirmed update as long) received at least
    /// `settled` ago, so updates another instance is handling right now are left to it.
    #[instrument(skip_all)]
    pub async fn unhandled_updates(
        &self,
        settled: chrono::Duration,
    ) -> ServiceResult<Vec<(i64, String)>> {
        let now = self.clock.now();
        let mut tx = self.store.read().await?;
        let updates = tx
            .inbox_updates(now - chrono::Duration::days(1), now - settled)
            .await?;
        tx.commit().await?;
        Ok(updates)
    }

    /// Claims kept updates whose handler's lease ran out (it died), of the last day, oldest
    /// first, for this instance to handle; with `own_too` also those this instance claimed
    /// before it started again.
    #[instrument(skip_all)]
    pub async fn claim_stale_updates(
        &self,
        own_too: bool,
        limit: i64,
    ) -> ServiceResult<Vec<(i64, String)>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let updates = tx
            .claim_stale_updates(
                now,
                now - chrono::Duration::days(1),
                now + self.config.claim_lease,
                &self.config.instance_id,
                own_too,
                limit,
            )
            .await?;
        tx.commit().await?;
        Ok(updates)
    }

    /// When the next claim of a kept update runs out.
    pub async fn next_inbox_expiry(&self) -> ServiceResult<Option<chrono::DateTime<chrono::Utc>>> {
        let since = self.clock.now() - chrono::Duration::days(1);
        let mut tx = self.store.read().await?;
        let next = tx.next_inbox_expiry(since).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// At start-up: what this instance's earlier run claimed (messages being sent, jobs running,
    /// updates being handled, chats' turns) is due again at once. On SQLite, which one process
    /// serves, every claim is this instance's; on PostgreSQL only those under its instance id,
    /// and other instances' claims wait out their lease. Returns how many were taken back.
    #[instrument(skip_all)]
    pub async fn take_back_own_claims(&self) -> ServiceResult<u64> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let single = !tx.is_postgres();
        let taken = tx
            .take_back_claims(&self.config.instance_id, single, now)
            .await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Takes chat `chat_id`'s turn for this instance to handle update `update_id` (one chat's
    /// updates are handled one at a time across instances, oldest first); false while another
    /// instance holds it or an older update of the chat waits.
    pub async fn take_chat_turn(&self, chat_id: i64, update_id: i64) -> ServiceResult<bool> {
        if !self.store.is_postgres() {
            // One process serves SQLite, and its dispatcher already takes a chat's updates
            // one at a time.
            return Ok(true);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let taken = tx
            .take_chat_turn(
                chat_id,
                update_id,
                &self.config.instance_id,
                now,
                now + self.config.claim_lease,
            )
            .await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Gives chat `chat_id`'s turn back.
    pub async fn give_chat_turn(&self, chat_id: i64) -> ServiceResult<()> {
        if !self.store.is_postgres() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        tx.give_chat_turn(chat_id, &self.config.instance_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a handled update; a person who writes is reachable again.
    pub async fn update_done(&self, update_id: i64, chat_id: Option<i64>) -> ServiceResult<()> {
        self.record_updates(&[], &[(update_id, chat_id)]).await?;
        Ok(())
    }
}
