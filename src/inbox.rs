//! Received updates survive a crash. Telegram forgets an update once the next `getUpdates`
//! confirms its offset, and teloxide asks for the next batch as soon as the dispatcher has
//! queued the previous one, long before its handlers finish. So every message and button press
//! is written to the inbox before the listener may ask for more; it leaves the inbox when it
//! has been handled ([`Journal::done`]), and a fresh start handles what is left first.
//!
//! Each kept update is claimed by the instance that received it, with a lease
//! (`HANDOVER_CLAIM_LEASE_SECS`), like an outbox row. Every instance keeps replaying, while it
//! runs, kept updates whose lease ran out ([`replay_stale`]): their instance died before
//! handling them, and Telegram, which had its answer, will not send them again. An instance
//! starting again takes its own earlier claims back at once.
//!
//! Every update is written twice (kept, then handled), and SQLite has one writer. So the
//! journal's writes go through one task that commits whatever has queued up while its last
//! transaction ran, in one transaction (group commit): under load hundreds of updates share a
//! commit, and the journal never queues behind itself for the write lock.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// Kept updates this instance is handling right now, so one delivered again, or replayed
    /// while its handler still runs, is not handled a second time meanwhile.
    in_flight: Arc<Mutex<HashSet<i64>>>,
}

impl Journal {
    /// Starts the writer. It stops once `stopped` turns true, after writing what was queued;
    /// later calls write on their own.
    pub fn start(services: Services, stopped: watch::Receiver<bool>) -> (Journal, JoinHandle<()>) {
        let (entries, queue) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_entries(services.clone(), queue, stopped));
        let journal = Journal {
            entries,
            services,
            in_flight: Arc::default(),
        };
        (journal, writer)
    }

    /// Marks a kept update as being handled here; false when it already is.
    pub fn begin(&self, update_id: i64) -> bool {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(update_id)
    }

    fn finished(&self, update_id: i64) {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&update_id);
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
        let result = self.record_done(update_id, chat_id).await;
        self.finished(update_id);
        self.services.inbox_waker.progressed();
        result
    }

    async fn record_done(&self, update_id: i64, chat_id: Option<i64>) -> ServiceResult<()> {
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

/// Wraps a listener: updates handled before (or being handled) are dropped, the rest kept in
/// the inbox before the listener is asked for the next one; `replay` goes first, and `later`
/// (the replayer's) is merged in while the listener runs.
pub struct Journaled<L> {
    inner: L,
    journal: Journal,
    replay: Vec<Update>,
    later: Option<mpsc::UnboundedReceiver<Update>>,
}

impl<L> Journaled<L> {
    pub fn new(
        inner: L,
        journal: Journal,
        replay: Vec<Update>,
        later: mpsc::UnboundedReceiver<Update>,
    ) -> Self {
        Journaled {
            inner,
            journal,
            replay,
            later: Some(later),
        }
    }
}

/// Most kept updates claimed in one round.
const REPLAY_BATCH: i64 = 100;
/// The replayer's longest real-time nap, so claims another instance let run out are noticed
/// without a wake.
const REPLAY_IDLE: Duration = Duration::from_secs(5);
/// The replayer's nap when a claim ran out while its update is still being handled here.
const NEVER_SPIN: Duration = Duration::from_millis(50);

/// Claims the kept updates whose handler died (with `own_too`, also this instance's own
/// claims from before it started again), marks them in flight and returns them, oldest first.
/// One that cannot be read back is logged and recorded as handled: it never will be.
pub async fn claim_unhandled(journal: &Journal, own_too: bool) -> Vec<Update> {
    let mut updates = Vec::new();
    loop {
        let rows = match journal
            .services
            .claim_stale_updates(own_too, REPLAY_BATCH)
            .await
        {
            Ok(rows) => rows,
            Err(error) => {
                tracing::error!(%error, "cannot read the updates a crash left unhandled");
                break;
            }
        };
        let full = rows.len() as i64 == REPLAY_BATCH;
        for (id, payload) in rows {
            if !journal.begin(id) {
                continue;
            }
            match serde_json::from_str::<Update>(&payload) {
                Ok(update) => updates.push(update),
                Err(error) => {
                    tracing::error!(update = id, %error, "a kept update cannot be read back");
                    if let Err(error) = journal.done(id, None).await {
                        tracing::error!(update = id, %error, "cannot record a handled update");
                    }
                }
            }
        }
        if !full {
            break;
        }
    }
    if !updates.is_empty() {
        tracing::info!(
            count = updates.len(),
            "handling updates a crash interrupted"
        );
    }
    updates
}

/// Replays, while the instance runs, kept updates whose handler's lease ran out (its instance
/// died after Telegram had its answer), sending them to `sink`, until `stopped` turns true.
pub async fn replay_stale(
    journal: Journal,
    sink: mpsc::UnboundedSender<Update>,
    waker: crate::wake::Waker,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if *stopped.borrow() {
            return;
        }
        for update in claim_unhandled(&journal, false).await {
            if sink.send(update).is_err() {
                return;
            }
        }
        let clock = &journal.services.clock;
        let now = clock.now();
        let far = now + chrono::Duration::days(3650);
        let (deadline, max_wait) = match journal.services.next_inbox_expiry().await {
            // A claim that ran out while its update is still being handled here was just
            // claimed again (a longer lease); never spin on one.
            Ok(Some(at)) if at <= now => (far, NEVER_SPIN),
            Ok(Some(at)) => (at, REPLAY_IDLE),
            Ok(None) => (far, REPLAY_IDLE),
            Err(_) => (far, Duration::from_secs(1)),
        };
        waker.went_idle();
        tokio::select! {
            _ = waker.woken() => {}
            _ = clock.sleep_until(deadline, max_wait) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}

/// `live` with `extra` merged in, ending when `live` ends.
fn merged<'a, T: Send + 'a>(
    live: impl futures::Stream<Item = T> + Send + 'a,
    extra: Option<BoxStream<'a, T>>,
) -> BoxStream<'a, T> {
    let Some(extra) = extra else {
        return live.boxed();
    };
    stream::select(
        live.map(Some).chain(stream::once(async { None })),
        extra.map(Some),
    )
    .take_while(|item| std::future::ready(item.is_some()))
    .filter_map(std::future::ready)
    .boxed()
}

/// The webhook's listener: updates the webhook route kept (and the replayer's), until the
/// dispatcher stops it.
pub struct KeptUpdates {
    updates: Option<mpsc::UnboundedReceiver<Update>>,
    stop: StopToken,
    stopped: teloxide::stop::StopFlag,
}

impl KeptUpdates {
    pub fn new(
        updates: mpsc::UnboundedReceiver<Update>,
        stop: StopToken,
        stopped: teloxide::stop::StopFlag,
    ) -> Self {
        KeptUpdates {
            updates: Some(updates),
            stop,
            stopped,
        }
    }
}

impl<'a> AsUpdateStream<'a> for KeptUpdates {
    type StreamErr = std::convert::Infallible;
    type Stream = BoxStream<'a, Result<Update, std::convert::Infallible>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let updates = self.updates.take();
        let stopped = self.stopped.clone();
        match updates {
            Some(updates) => stream::unfold(updates, |mut rx| async move {
                rx.recv().await.map(|update| (Ok(update), rx))
            })
            .take_until(stopped)
            .boxed(),
            None => stream::empty().boxed(),
        }
    }
}

impl UpdateListener for KeptUpdates {
    type Err = std::convert::Infallible;

    fn stop_token(&mut self) -> StopToken {
        self.stop.clone()
    }
}

/// What the webhook does with one update Telegram posted: keeps it (a message or a button
/// press) in the inbox, claimed by this instance, and hands it to the dispatcher. `Err` when it
/// could not be kept: Telegram must send it again.
pub async fn keep_posted(
    journal: &Journal,
    sink: &mpsc::UnboundedSender<Update>,
    update: Update,
    payload: String,
) -> ServiceResult<()> {
    if kept(&update) {
        let id = i64::from(update.id.0);
        let fresh = journal.receive(vec![(id, payload)]).await?;
        // Handled before, or being handled here (Telegram sent it again): nothing to do.
        if !fresh.first().copied().unwrap_or(false) || !journal.begin(id) {
            return Ok(());
        }
    }
    // A dispatcher that stopped leaves the update in the inbox, claimed by this instance:
    // taken back when it starts again, or by another instance once the lease ran out.
    let _ = sink.send(update);
    Ok(())
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
async fn receive<E>(journal: Journal, items: Vec<Result<Update, E>>) -> Vec<Result<Update, E>> {
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
                // Telegram delivers an unconfirmed update again after a restart: the replay
                // has it in flight already.
                !drop.contains(&id) && (!kept(update) || journal.begin(id))
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
        let later = self.later.take();
        let journal = self.journal.clone();
        // One getUpdates answer is kept in one transaction. teloxide's polling stream answers
        // Pending once its batch is used up, having only created (not sent) the next
        // getUpdates, which confirms this batch; `then` polls it again, sending that request,
        // only once the batch is kept.
        let live = self
            .inner
            .as_stream()
            .ready_chunks(100)
            .then(move |items| receive(journal.clone(), items))
            .flat_map(stream::iter);
        let later = later.map(|rx| {
            stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|update| (Ok(update), rx))
            })
            .boxed()
        });
        stream::iter(replay.into_iter().map(Ok))
            .chain(merged(live, later))
            .boxed()
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
