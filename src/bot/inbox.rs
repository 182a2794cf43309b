//! Received updates survive a crash. Telegram forgets an update once the next `getUpdates`
//! confirms its offset, and teloxide asks for the next batch as soon as the dispatcher has
//! queued the previous one, long before its handlers finish. So every message and button press
//! is written to the inbox before the listener may ask for more; it leaves the inbox when it
//! has been handled (`Services::update_done`), and a fresh start handles what is left first.

use std::collections::HashSet;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

use crate::services::Services;

/// Wraps a listener: updates handled before are dropped, the rest kept in the inbox before the
/// listener is asked for the next one; `replay` goes first.
pub struct Journaled<L> {
    inner: L,
    services: Services,
    replay: Vec<Update>,
    /// Telegram delivers an unconfirmed update again after a restart: the replay has it.
    replayed: Arc<HashSet<i64>>,
}

impl<L> Journaled<L> {
    pub fn new(inner: L, services: Services, replay: Vec<Update>) -> Self {
        let replayed = Arc::new(replay.iter().map(|u| i64::from(u.id.0)).collect());
        Journaled {
            inner,
            services,
            replay,
            replayed,
        }
    }
}

/// The updates a crash left unhandled, received at least `settled` ago (another instance may
/// still be handling younger ones). One that cannot be read back is logged and skipped.
pub async fn unhandled(services: &Services, settled: chrono::Duration) -> Vec<Update> {
    let rows = match services.unhandled_updates(settled).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(%error, "cannot read the updates a crash left unhandled");
            return Vec::new();
        }
    };
    let updates: Vec<Update> = rows
        .into_iter()
        .filter_map(|(id, payload)| match serde_json::from_str(&payload) {
            Ok(update) => Some(update),
            Err(error) => {
                tracing::error!(update = id, %error, "a kept update cannot be read back");
                None
            }
        })
        .collect();
    if !updates.is_empty() {
        tracing::info!(
            count = updates.len(),
            "handling updates a crash interrupted"
        );
    }
    updates
}

/// Messages and button presses are what the handlers answer (and mark handled); other kinds
/// pass through without being kept.
fn kept(update: &Update) -> bool {
    matches!(
        update.kind,
        UpdateKind::Message(_) | UpdateKind::CallbackQuery(_)
    )
}

/// Keeps `update` in the inbox; `None` when it was handled before or is being replayed. A
/// database error lets the update through unkept: handling it now beats dropping it.
async fn receive(services: Services, replayed: &HashSet<i64>, update: Update) -> Option<Update> {
    if !kept(&update) {
        return Some(update);
    }
    let id = i64::from(update.id.0);
    if replayed.contains(&id) {
        return None;
    }
    let payload = match serde_json::to_string(&update) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(update = id, %error, "an update cannot be kept");
            return Some(update);
        }
    };
    match services.receive_update(id, &payload).await {
        Ok(true) => Some(update),
        Ok(false) => None,
        Err(error) => {
            tracing::error!(update = id, %error, "an update cannot be kept");
            Some(update)
        }
    }
}

impl<'a, L> AsUpdateStream<'a> for Journaled<L>
where
    L: UpdateListener + Send + 'a,
    L::Err: Send + 'a,
{
    type StreamErr = L::Err;
    type Stream = BoxStream<'a, Result<Update, L::Err>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let replay = std::mem::take(&mut self.replay);
        let services = self.services.clone();
        let replayed = self.replayed.clone();
        // `then` polls the inner stream for the next update (which may confirm this one to
        // Telegram) only once this one is kept.
        let live = self
            .inner
            .as_stream()
            .then(move |item| {
                let (services, replayed) = (services.clone(), replayed.clone());
                async move {
                    match item {
                        Ok(update) => receive(services, &replayed, update).await.map(Ok),
                        Err(error) => Some(Err(error)),
                    }
                }
            })
            .filter_map(std::future::ready);
        stream::iter(replay.into_iter().map(Ok)).chain(live).boxed()
    }
}

impl<L> UpdateListener for Journaled<L>
where
    L: UpdateListener + Send,
    L::Err: Send,
    Self: for<'a> AsUpdateStream<'a, StreamErr = L::Err>,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}
