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

/// Keeps a batch of updates in the inbox, dropping those handled before or being replayed. A
/// database error lets the batch through unkept: handling it now beats dropping it.
async fn receive<E>(
    services: Services,
    replayed: &HashSet<i64>,
    items: Vec<Result<Update, E>>,
) -> Vec<Result<Update, E>> {
    let mut to_keep = Vec::new();
    for item in &items {
        if let Ok(update) = item
            && kept(update)
        {
            let id = i64::from(update.id.0);
            match serde_json::to_string(update) {
                Ok(payload) => to_keep.push((id, payload)),
                Err(error) => tracing::error!(update = id, %error, "an update cannot be kept"),
            }
        }
    }
    let mut drop: HashSet<i64> = HashSet::new();
    if !to_keep.is_empty() {
        match services.receive_updates(&to_keep).await {
            Ok(fresh) => drop.extend(
                to_keep
                    .iter()
                    .zip(fresh)
                    .filter(|(_, fresh)| !fresh)
                    .map(|((id, _), _)| *id),
            ),
            Err(error) => tracing::error!(%error, "received updates cannot be kept"),
        }
    }
    items
        .into_iter()
        .filter(|item| match item {
            Ok(update) => {
                let id = i64::from(update.id.0);
                let replaying = kept(update) && replayed.contains(&id);
                !drop.contains(&id) && !replaying
            }
            Err(_) => true,
        })
        .collect()
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
        // One getUpdates answer is kept in one transaction. teloxide's polling stream answers
        // Pending once its batch is used up, having only created (not sent) the next
        // getUpdates, which confirms this batch; `then` polls it again, sending that request,
        // only once the batch is kept.
        let live = self
            .inner
            .as_stream()
            .ready_chunks(100)
            .then(move |items| {
                let (services, replayed) = (services.clone(), replayed.clone());
                async move { receive(services, &replayed, items).await }
            })
            .flat_map(stream::iter);
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
