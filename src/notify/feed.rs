//! The outbound defect feed: every defect event is POSTed as JSON to the developer's own
//! system (ERP, after-sales), signed with HMAC-SHA256, retried with backoff like the outbox,
//! and delivered in order per defect (an event waits until the defect's earlier ones are
//! delivered). At-least-once: a receiver de-duplicates by `event_id`.

use super::{NotifierOptions, QueueWorker, backoff, serve};
use crate::clock::SharedClock;
use crate::config::Secret;
use crate::store::defects::{FeedItem, FeedOutcome};
use crate::store::queue::{DEFECT_FEED, Queue};
use crate::store::{Store, StoreResult};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;
use tokio::sync::watch;

/// The header that carries `sha256=<hex HMAC of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Handover-Signature";
/// The header that carries the event id (the receiver's de-duplication key).
pub const DELIVERY_HEADER: &str = "X-Handover-Delivery";

#[async_trait::async_trait]
impl QueueWorker for DefectFeed {
    fn queue(&self) -> (&Store, &'static Queue) {
        (&self.store, &DEFECT_FEED)
    }

    async fn work(&self) -> StoreResult<usize> {
        self.deliver_due().await
    }
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

pub struct DefectFeed {
    store: Store,
    clock: SharedClock,
    client: reqwest::Client,
    url: url::Url,
    secret: Secret,
    waker: crate::wake::Waker,
    options: NotifierOptions,
    timezone: chrono_tz::Tz,
}

impl DefectFeed {
    pub fn new(
        store: Store,
        clock: SharedClock,
        url: url::Url,
        secret: Secret,
        waker: crate::wake::Waker,
        options: NotifierOptions,
        timezone: chrono_tz::Tz,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(DefectFeed {
            store,
            clock,
            client,
            url,
            secret,
            waker,
            options,
            timezone,
        })
    }

    /// Delivers until `shutdown` flips to true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        serve(
            &self,
            &self.clock,
            &self.waker,
            self.options.idle,
            &mut shutdown,
            "the defect feed could not read its queue",
        )
        .await;
    }

    /// Claims and delivers one batch; returns how many were tried.
    pub async fn deliver_due(&self) -> StoreResult<usize> {
        let now = self.clock.now();
        let items = {
            let mut tx = self.store.begin().await?;
            let items = tx
                .claim_feed(now, now + self.options.lease, self.options.batch)
                .await?;
            tx.commit().await?;
            items
        };
        for item in &items {
            let outcome = match self.payload(item).await {
                Ok(body) => self.post(item.event.id, body).await,
                Err(error) => Err(error.to_string()),
            };
            let now = self.clock.now();
            let mut tx = self.store.begin().await?;
            match outcome {
                Ok(()) => tx.feed_delivered(item.event.id, FeedOutcome::Sent).await?,
                Err(error) if item.attempts >= self.options.max_attempts => {
                    tracing::error!(event = item.event.id, %error, "giving up on a defect-feed delivery");
                    tx.feed_delivered(item.event.id, FeedOutcome::Failed { error: &error })
                        .await?;
                }
                Err(error) => {
                    tracing::warn!(event = item.event.id, %error, attempts = item.attempts, "defect-feed delivery failed; will retry");
                    let at = now + backoff(&self.options, item.attempts);
                    tx.feed_delivered(item.event.id, FeedOutcome::Retry { at, error: &error })
                        .await?;
                }
            }
            tx.commit().await?;
        }
        Ok(items.len())
    }

    /// The JSON of one event, with the defect as it is now.
    async fn payload(&self, item: &FeedItem) -> StoreResult<Vec<u8>> {
        let mut tx = self.store.read().await?;
        let event = &item.event;
        let defect = tx.defect(event.defect_id).await?;
        let household = match &defect {
            Some(d) => tx.household(d.unit_id).await?,
            None => None,
        };
        let engineer = match defect.as_ref().and_then(|d| d.engineer_id) {
            Some(id) => tx.staff_by_id(id).await?.map(|s| s.name),
            None => None,
        };
        tx.commit().await?;
        let body = serde_json::json!({
            "event_id": event.id,
            "type": "defect.changed",
            "at": event.at.to_rfc3339(),
            "actor": event.actor,
            "from": event.from_status,
            "to": event.to_status,
            "note": event.note,
            "defect": defect.map(|d| serde_json::json!({
                "id": d.id,
                "unit": household.as_ref().map(|h| h.unit.short()),
                "project": household.as_ref().map(|h| h.unit.project.clone()),
                "building": household.as_ref().map(|h| h.unit.building.clone()),
                "room": d.room.as_str(),
                "category": d.category.as_str(),
                "severity": d.severity.as_str(),
                "status": d.status.as_str(),
                "due_at": d.due_at.map(|at| at.with_timezone(&self.timezone).to_rfc3339()),
                "engineer": engineer,
                "contractor": d.contractor,
                "reopen_count": d.reopen_count,
                "photos": d.photos.len(),
            })),
        });
        Ok(body.to_string().into_bytes())
    }

    async fn post(&self, event_id: i64, body: Vec<u8>) -> Result<(), String> {
        let signature = sign(self.secret.expose().as_bytes(), &body);
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(DELIVERY_HEADER, event_id.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
