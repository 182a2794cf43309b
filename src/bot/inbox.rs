//! Received updates survive a crash. Telegram forgets an update once the next `getUpdates`
//! confirms its offset, and teloxide asks for the next batch as soon as the dispatcher has
//! queued the previous one, long before its handlers finish. So every message and button press
//! is written to the inbox before the listener may ask for more; it leaves the inbox when it
//! has been handled ([`Journal::done`]), and a fresh start handles what is left first.
//!
//! Every update is written twice (kept, then handled), and SQLite has one writer. So the
//! journal's writes go through one task that commits whatever has queued up while its last
//! transaction ran, in one transaction (group commit): under load hundreds of updates share a
//! commit, and the journal never queues behind itself for the write lock.

use std::collections::HashSet;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::services::{ServiceResult, Services};

/// At most this many requests share one transaction, so one commit stays short.
const MAX_BATCH: usize = 512;

/// One thing the journal writer is asked to write, and where the answer goes.
enum Entry {
    Received {
        updates: Vec<(i64, String)>,
        answer: oneshot::Sender<ServiceResult<Vec<bool>>>,
    },
    Handled {
        update_id: i64,
        chat_id: Option<i64>,
        answer: oneshot::Sender<ServiceResult<()>>,
    },
}

/// The update journal: keeps received updates and marks handled ones, through one writer
/// task. Cheap to clone.
#[derive(Clone)]
pub struct Journal {
    entries: mpsc::UnboundedSender<Entry>,
    services: Services,
}

impl Journal {
    /// Starts the writer. It stops once `stopped` turns true, after writing what was queued;
    /// later calls write on their own.
    pub fn start(services: Services, stopped: watch::Receiver<bool>) -> (Journal, JoinHandle<()>) {
        let (entries, queue) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_entries(services.clone(), queue, stopped));
        (Journal { entries, services }, writer)
    }

    /// Keeps received updates (id and JSON); for each, false when it was handled before.
    pub async fn receive(&self, updates: Vec<(i64, String)>) -> ServiceResult<Vec<bool>> {
        let (answer, answered) = oneshot::channel();
        match self.entries.send(Entry::Received { updates, answer }) {
            Ok(()) => match answered.await {
                Ok(result) => result,
                Err(_) => Err(writer_gone()),
            },
            Err(mpsc::error::SendError(Entry::Received { updates, .. })) => {
                self.services.receive_updates(&updates).await
            }
            Err(_) => Err(writer_gone()),
        }
    }

    /// Records a handled update; the person in `chat_id` (a private chat) is reachable again.
    pub async fn done(&self, update_id: i64, chat_id: Option<i64>) -> ServiceResult<()> {
        let (answer, answered) = oneshot::channel();
        let entry = Entry::Handled {
            update_id,
            chat_id,
            answer,
        };
        if self.entries.send(entry).is_err() {
            return self.services.update_done(update_id, chat_id).await;
        }
        answered.await.unwrap_or_else(|_| Err(writer_gone()))
    }
}

/// The writer task ended while a request waited for it (it panicked, or the runtime is going
/// down).
fn writer_gone() -> crate::services::ServiceError {
    crate::store::StoreError::Corrupt("the update journal's writer stopped".into()).into()
}

async fn write_entries(
    services: Services,
    mut queue: mpsc::UnboundedReceiver<Entry>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            biased;
            entry = queue.recv() => match entry {
                Some(entry) => entry,
                None => return,
            },
            _ = stopped.wait_for(|stop| *stop) => {
                // New requests write on their own; what is queued still goes in.
                queue.close();
                continue;
            }
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(entry) => batch.push(entry),
                Err(_) => break,
            }
        }
        write_batch(&services, batch).await;
    }
}

/// Writes a batch in one transaction. If that fails, each entry is written on its own, so one
/// request's trouble is not every request's.
async fn write_batch(services: &Services, batch: Vec<Entry>) {
    let mut received = Vec::new();
    let mut handled = Vec::new();
    for entry in &batch {
        match entry {
            Entry::Received { updates, .. } => received.extend(updates.iter().cloned()),
            Entry::Handled {
                update_id, chat_id, ..
            } => handled.push((*update_id, *chat_id)),
        }
    }
    match services.record_updates(&received, &handled).await {
        Ok(fresh) => {
            let mut fresh = fresh.into_iter();
            for entry in batch {
                match entry {
                    Entry::Received { updates, answer } => {
                        let _ = answer.send(Ok(fresh.by_ref().take(updates.len()).collect()));
                    }
                    Entry::Handled { answer, .. } => {
                        let _ = answer.send(Ok(()));
                    }
                }
            }
        }
        Err(error) if batch.len() > 1 => {
            tracing::warn!(%error, entries = batch.len(), "the update journal writes its batch one by one");
            for entry in batch {
                match entry {
                    Entry::Received { updates, answer } => {
                        let _ = answer.send(services.receive_updates(&updates).await);
                    }
                    Entry::Handled {
                        update_id,
                        chat_id,
                        answer,
                    } => {
                        let _ = answer.send(services.update_done(update_id, chat_id).await);
                    }
                }
            }
        }
        Err(error) => {
            if let Some(entry) = batch.into_iter().next() {
                match entry {
                    Entry::Received { answer, .. } => {
                        let _ = answer.send(Err(error));
                    }
                    Entry::Handled { answer, .. } => {
                        let _ = answer.send(Err(error));
                    }
                }
            }
        }
    }
}

/// Wraps a listener: updates handled before are dropped, the rest kept in the inbox before the
/// listener is asked for the next one; `replay` goes first.
pub struct Journaled<L> {
    inner: L,
    journal: Journal,
    replay: Vec<Update>,
    /// Telegram delivers an unconfirmed update again after a restart: the replay has it.
    replayed: Arc<HashSet<i64>>,
}

impl<L> Journaled<L> {
    pub fn new(inner: L, journal: Journal, replay: Vec<Update>) -> Self {
        let replayed = Arc::new(replay.iter().map(|u| i64::from(u.id.0)).collect());
        Journaled {
            inner,
            journal,
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
    journal: Journal,
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
        let ids: Vec<i64> = to_keep.iter().map(|(id, _)| *id).collect();
        match journal.receive(to_keep).await {
            Ok(fresh) => drop.extend(
                ids.into_iter()
                    .zip(fresh)
                    .filter(|(_, fresh)| !fresh)
                    .map(|(id, _)| id),
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
        let journal = self.journal.clone();
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
                let (journal, replayed) = (journal.clone(), replayed.clone());
                async move { receive(journal, &replayed, items).await }
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
