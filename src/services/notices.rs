//! Queueing notifications through the outbox, and the delivery figures supervisors see.

use super::{ServiceError, ServiceResult, Services};
use crate::domain::message::Content;
use crate::domain::people::Actor;
use crate::store::Tx;
use crate::store::outbox::OutboxCounts;
use chrono::{DateTime, Utc};
use tracing::instrument;

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

    /// True when this update was handled before (Telegram re-delivers what was not confirmed).
    pub async fn update_seen(&self, update_id: i64) -> ServiceResult<bool> {
        let mut tx = self.store.read().await?;
        let seen = tx.update_handled(update_id).await?;
        tx.commit().await?;
        Ok(seen)
    }

    /// Records a handled update; a person who writes is reachable again.
    pub async fn update_done(&self, update_id: i64, chat_id: Option<i64>) -> ServiceResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.mark_update_handled(update_id, now).await?;
        if let Some(chat) = chat_id {
            tx.set_reachable(chat, true, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
