//! The notifier: sends outbox rows to Telegram, paced to its limits. At-least-once delivery: a row is
//! marked sent together with Telegram's message id right after Telegram answers; transient
//! failures are retried with exponential backoff and jitter; people Telegram will never deliver
//! to (blocked the bot, never started it) fail for good after one attempt and are flagged.

use crate::bot::TgBot;
use crate::clock::SharedClock;
use crate::domain::message::{Button, Content};
use crate::store::outbox::OutboxRow;
use crate::store::queue::{Claim, OUTBOX, Queue};
use crate::store::{Store, StoreResult};
use chrono::{DateTime, Utc};
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto, ParseMode,
};
use tokio::sync::watch;

pub mod feed;
pub mod pace;

pub use crate::wake::Waker;
use tokio::task::JoinSet;

/// How the notifier paces itself and gives up.
#[derive(Debug, Clone)]
pub struct NotifierOptions {
    /// Rows claimed per round (at most one per chat).
    pub batch: i64,
    /// How long a claimed row stays ours before another sender may take it over.
    pub lease: chrono::Duration,
    /// Transient failures tolerated before a row is marked failed.
    pub max_attempts: i64,
    /// First retry delay; doubles with every attempt, up to `max_backoff`.
    pub base_backoff: chrono::Duration,
    pub max_backoff: chrono::Duration,
    /// Longest real-time nap when nothing is due, so a moved clock, or messages queued by another
    /// process (the CLI, another instance), are noticed soon.
    pub idle: Duration,
    /// Where the photos and documents of messages are read from (none: such a message fails).
    pub media: Option<crate::media::MediaStore>,
    /// This instance's id, recorded with each claim so a restart takes its own claims back
    /// at once (`HANDOVER_INSTANCE_ID`).
    pub owner: Option<String>,
}

impl Default for NotifierOptions {
    fn default() -> Self {
        NotifierOptions {
            // Rows waiting out their chat's one-second pace hold a place each; enough places
            // that a few busy chats (an ambassador's) do not hold up everyone else's.
            batch: 256,
            lease: chrono::Duration::minutes(5),
            max_attempts: 12,
            base_backoff: chrono::Duration::seconds(2),
            max_backoff: chrono::Duration::minutes(10),
            idle: Duration::from_secs(5),
            media: None,
            owner: None,
        }
    }
}

/// Answers claimed at most at once while the sender is busy with a batch.
const ANSWERS_PER_CLAIM: i64 = 16;

/// The longest flood wait a send waits out holding its row's claim (well inside the lease), and
/// how many times in a row.
const FLOOD_WAIT_HELD: Duration = Duration::from_secs(5);
const FLOOD_WAITS: usize = 3;

impl NotifierOptions {
    /// Rows claimed per round for a sender allowed `per_sec` messages a second overall (0: no
    /// limit): about four seconds of sending. A claimed row waits for its turn in the pacer, and
    /// one that waits out its lease is claimed again by another instance; rows that keep
    /// coming in the meantime (answers) are not stuck behind more than a few seconds of others.
    pub fn batch_for(per_sec: u32) -> i64 {
        match per_sec {
            0 => NotifierOptions::default().batch,
            limited => (i64::from(limited) * 4).clamp(16, 256),
        }
    }
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent(i64),
    /// Telegram will never deliver to this chat: fail for good, flag the person.
    Unreachable(String),
    /// The message itself is wrong (a bug): retrying cannot help.
    Rejected(String),
    /// Try again later.
    Transient(String),
    /// The claim's lease ran out while the row waited for its turn: another sender may have
    /// claimed it since, and sending it here too would send it twice. Left as it is, it is
    /// claimed again (by whoever comes first) and sent once.
    LeaseLost,
    /// Telegram asked us to wait this long.
    RetryAfter(Duration, String),
}

/// Sorts a Telegram error into what to do about it.
pub fn classify(error: &RequestError) -> Attempt {
    match error {
        RequestError::Api(api) => match api {
            ApiError::BotBlocked
            | ApiError::ChatNotFound
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots => Attempt::Unreachable(api.to_string()),
            // Unrecognised answers include 5xx bodies: worth another try.
            ApiError::Unknown(text) => Attempt::Transient(text.clone()),
            other => Attempt::Rejected(other.to_string()),
        },
        RequestError::RetryAfter(seconds) => {
            Attempt::RetryAfter(seconds.duration(), error.to_string())
        }
        RequestError::MigrateToChatId(_) => Attempt::Rejected(error.to_string()),
        _ => Attempt::Transient(error.to_string()),
    }
}

/// The backoff before attempt `attempts + 1`: base·2^(attempts-1), capped, with ±25 % jitter
/// so many rows failing together do not retry together.
pub fn backoff(options: &NotifierOptions, attempts: i64) -> chrono::Duration {
    let exponent = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let base = options
        .base_backoff
        .num_milliseconds()
        .saturating_mul(1_i64 << exponent);
    let capped = base.min(options.max_backoff.num_milliseconds()).max(1);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    chrono::Duration::milliseconds((capped as f64 * jitter) as i64)
}

/// A worker of one lease queue (see [`crate::store::queue`]): works off what is due, and knows
/// when more will be.
#[async_trait::async_trait]
pub(crate) trait QueueWorker: Send + Sync {
    /// The database and the queue this worker works off.
    fn queue(&self) -> (&Store, &'static Queue);
    /// Works off one round of due rows; returns how many it tried.
    async fn work(&self) -> StoreResult<usize>;
    /// When the next row becomes due (or its lease runs out).
    async fn next_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let (store, queue) = self.queue();
        let mut tx = store.read().await?;
        let next = tx.next_due_in(queue).await?;
        tx.commit().await?;
        Ok(next)
    }
}

/// A queue worker's loop, until `shutdown` flips to true: work off what is due, then wait until
/// the next row is due on the app's clock (a manual clock wakes it the moment a test moves it),
/// the waker wakes it, or `idle` of real time passed (rows queued by another process).
pub(crate) async fn serve(
    worker: &impl QueueWorker,
    clock: &SharedClock,
    waker: &Waker,
    idle: Duration,
    shutdown: &mut watch::Receiver<bool>,
    unreadable: &'static str,
) {
    let far = chrono::Duration::days(3650);
    loop {
        if *shutdown.borrow() {
            break;
        }
        match worker.work().await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(error) => tracing::error!(%error, "{unreadable}"),
        }
        let (deadline, max_wait) = match worker.next_due().await {
            Ok(next) => (next.unwrap_or_else(|| clock.now() + far), idle),
            Err(_) => (clock.now() + far, idle.min(Duration::from_secs(1))),
        };
        waker.went_idle();
        tokio::select! {
            _ = waker.woken() => {}
            _ = clock.sleep_until(deadline, max_wait) => {}
            _ = shutdown.changed() => {}
        }
    }
}

pub struct Notifier {
    store: Store,
    clock: SharedClock,
    bot: TgBot,
    waker: Waker,
    options: NotifierOptions,
    metrics: Option<Arc<crate::metrics::Metrics>>,
    pacer: Arc<pace::Pacer>,
    /// Rows this notifier is sending right now. A send that outlives its lease (a slow upload)
    /// is claimable again; this instance must not send it a second time meanwhile.
    /// With when this instance's latest claim of each runs out (see [`Attempt::LeaseLost`]).
    in_flight: std::sync::Mutex<std::collections::HashMap<i64, DateTime<Utc>>>,
}

#[async_trait::async_trait]
impl QueueWorker for Arc<Notifier> {
    fn queue(&self) -> (&Store, &'static Queue) {
        (&self.store, &OUTBOX)
    }

    async fn work(&self) -> StoreResult<usize> {
        self.clone().send_due().await
    }
}

/// The inline keyboard of stored buttons: callbacks, and Mini App pages.
pub(crate) fn keyboard(buttons: &[Vec<Button>]) -> Option<InlineKeyboardMarkup> {
    if buttons.is_empty() {
        return None;
    }
    Some(InlineKeyboardMarkup::new(buttons.iter().map(|row| {
        row.iter()
            .map(|b| {
                match b
                    .web_app
                    .as_deref()
                    .and_then(|url| url::Url::parse(url).ok())
                {
                    Some(url) => InlineKeyboardButton::web_app(
                        b.label.clone(),
                        teloxide::types::WebAppInfo { url },
                    ),
                    None => InlineKeyboardButton::callback(b.label.clone(), b.data.clone()),
                }
            })
            .collect::<Vec<_>>()
    })))
}

impl Notifier {
    pub fn new(
        store: Store,
        clock: SharedClock,
        bot: TgBot,
        waker: Waker,
        options: NotifierOptions,
    ) -> Self {
        Notifier {
            store,
            clock,
            bot,
            waker,
            options,
            metrics: None,
            pacer: Arc::new(pace::Pacer::new(pace::PaceLimits::default())),
            in_flight: Default::default(),
        }
    }

    /// Shares the bot's pacer, so replies and notifications keep Telegram's limits together.
    pub fn with_pacer(mut self, pacer: Arc<pace::Pacer>) -> Self {
        self.pacer = pacer;
        self
    }

    /// Counts the 429s Telegram answers.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Sends until `shutdown` flips to true; then flushes what is due, for at most 5 s.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let mut stopping = shutdown.clone();
        let work = async {
            let mut shutdown = shutdown;
            serve(
                &this,
                &this.clock,
                &this.waker,
                this.options.idle,
                &mut shutdown,
                "the notifier could not read the outbox",
            )
            .await;
            let _ = this.clone().send_due().await;
        };
        // A batch can hold a minute of one chat's messages waiting for their turn. Never hold up
        // a shutdown for that: the sends still going are dropped with the batch, and their rows
        // stay queued under this instance's claim (taken back at once when it starts again, by
        // another instance once the lease runs out).
        let cut = async {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        };
        tokio::select! {
            _ = work => {}
            _ = cut => tracing::warn!("stopped before every due message went out; they stay queued"),
        }
    }

    /// Sends everything due, concurrently across chats, and returns how many rows it tried
    /// once nothing more is due. Claiming continues while sends are in flight, so the
    /// pacer is never left waiting for the slowest send of a batch. A message answering
    /// someone (see [`crate::answering`]) is claimed the moment it is queued, however many
    /// others are waiting for their turn, and goes ahead of them.
    pub async fn send_due(self: Arc<Self>) -> StoreResult<usize> {
        let mut sends = JoinSet::new();
        let mut tried = 0;
        let mut answers_queued = false;
        loop {
            let room = self.options.batch - sends.len() as i64;
            // Answers are claimed even when the batch is full, since none may wait behind it, but
            // a few at a time: a flood of them (a thousand presses in a minute) is taken as the
            // sender gets through it, not all at once under leases that would run out.
            let claim = if room * 2 >= self.options.batch {
                Some((Claim::All, room))
            } else {
                answers_queued.then_some((Claim::AheadOnly, ANSWERS_PER_CLAIM))
            };
            if let Some((claim, limit)) = claim {
                let (rows, lease_until) = self.claim(claim, limit).await?;
                tried += rows.len();
                for row in rows {
                    let fresh = self
                        .in_flight
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(row.id, lease_until)
                        .is_none();
                    // A row still in flight here was claimed again (its lease had run out):
                    // the send in flight goes on under the new lease.
                    if !fresh {
                        continue;
                    }
                    let this = self.clone();
                    sends.spawn(async move {
                        let attempt = this.attempt_through_floods(&row).await;
                        if let Err(error) = this.record(&row, attempt).await {
                            tracing::error!(%error, row = row.id, "could not record a send; the lease will retry it");
                        }
                        this.in_flight
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&row.id);
                        row.answering
                    });
                }
            }
            tokio::select! {
                finished = sends.join_next() => match finished {
                    None => return Ok(tried),
                    // An answer sent may have been holding up the same chat's next one.
                    Some(answered) => answers_queued = answered.unwrap_or(false),
                },
                // Messages were queued meanwhile: an answer may be among them.
                _ = self.waker.woken() => answers_queued = true,
            }
        }
    }

    /// Claims up to `limit` due rows (see [`Claim`]); with when their lease runs out.
    async fn claim(
        &self,
        claim: Claim,
        limit: i64,
    ) -> StoreResult<(Vec<OutboxRow>, DateTime<Utc>)> {
        let now = self.clock.now();
        let lease = now + self.options.lease;
        let owner = self.options.owner.as_deref();
        let mut tx = self.store.begin().await?;
        let rows = tx.claim_outbox_as(claim, now, lease, limit, owner).await?;
        tx.commit().await?;
        Ok((rows, lease))
    }

    /// A row's turn with Telegram: an answer's as a reply's, ahead of the queued messages.
    /// `None` when the claim's lease ran out while the row waited (see [`Attempt::LeaseLost`]).
    async fn turn(&self, row: &OutboxRow, items: usize) -> Option<pace::Turn> {
        let chat = ChatId(row.chat_id);
        let turn = if row.answering {
            self.pacer.turn(chat, items).await
        } else {
            self.pacer.queued_turn(chat, items).await
        };
        let lease_until = self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&row.id)
            .copied();
        lease_until
            .is_some_and(|until| self.clock.now() < until)
            .then_some(turn)
    }

    /// The files a message carries, on this machine's disk. A file the store does not have is
    /// a message that can never go out; a store that does not answer may answer later.
    async fn local_files(&self, content: &Content) -> Result<Vec<std::path::PathBuf>, Attempt> {
        let paths: Vec<&str> = match content {
            Content::Photo { path, .. } | Content::Document { path, .. } => vec![path.as_str()],
            Content::Album { paths, .. } => paths.iter().map(String::as_str).collect(),
            Content::Text { .. } | Content::Edit { .. } => return Ok(Vec::new()),
        };
        let Some(media) = &self.options.media else {
            return Err(Attempt::Rejected("this sender has no media store".into()));
        };
        media.local_files(&paths).await.map_err(|error| {
            if error.is_missing() {
                Attempt::Rejected(error.to_string())
            } else {
                Attempt::Transient(error.to_string())
            }
        })
    }

    /// An attempt; a short flood wait (a 429) is waited out and the row tried again, with its
    /// claim held so that it keeps its place in its chat. Telegram counts the wait in real
    /// seconds, whatever the application's clock says: a row put back "until one second
    /// later" on a clock that tests move by hand would wait for the next move. A longer wait
    /// puts the row back until then.
    async fn attempt_through_floods(&self, row: &OutboxRow) -> Attempt {
        let mut attempt = self.attempt(row).await;
        for _ in 0..FLOOD_WAITS {
            let Attempt::RetryAfter(wait, _) = &attempt else {
                break;
            };
            if *wait > FLOOD_WAIT_HELD {
                break;
            }
            if let Some(metrics) = &self.metrics {
                metrics.rate_limited();
            }
            tokio::time::sleep(*wait).await;
            attempt = self.attempt(row).await;
        }
        attempt
    }

    async fn attempt(&self, row: &OutboxRow) -> Attempt {
        let chat = ChatId(row.chat_id);
        if let Content::Edit { of, html, buttons } = &row.content {
            return self.edit(row, of, html, buttons).await;
        }
        let items = match &row.content {
            Content::Album { paths, .. } => paths.len(),
            _ => 1,
        };
        // Fetched before the chat's turn: from a bucket, a file may take a moment to arrive.
        let files = match self.local_files(&row.content).await {
            Ok(files) => files,
            Err(attempt) => return attempt,
        };
        let file = |i: usize| InputFile::file(files.get(i).cloned().unwrap_or_default());
        // Held until Telegram answers: the pace counts from the answer (see `pace`).
        let Some(_turn) = self.turn(row, items).await else {
            return Attempt::LeaseLost;
        };
        let result = match &row.content {
            Content::Text { html, buttons } => {
                let mut request = self
                    .bot
                    .send_message(chat, html.clone())
                    .parse_mode(ParseMode::Html);
                if let Some(markup) = keyboard(buttons) {
                    request = request.reply_markup(markup);
                }
                request.await
            }
            Content::Photo {
                caption_html,
                buttons,
                ..
            } => {
                let mut request = self.bot.send_photo(chat, file(0));
                if let Some(caption) = caption_html {
                    request = request.caption(caption.clone()).parse_mode(ParseMode::Html);
                }
                if let Some(markup) = keyboard(buttons) {
                    request = request.reply_markup(markup);
                }
                request.await
            }
            Content::Album {
                paths,
                caption_html,
            } => {
                let media: Vec<InputMedia> = (0..paths.len())
                    .map(|i| {
                        let mut photo = InputMediaPhoto::new(file(i));
                        if i == 0
                            && let Some(caption) = caption_html
                        {
                            photo = photo.caption(caption.clone()).parse_mode(ParseMode::Html);
                        }
                        InputMedia::Photo(photo)
                    })
                    .collect();
                // An album is several messages; the first one's id stands for the row.
                self.bot
                    .send_media_group(chat, media)
                    .await
                    .and_then(|messages| {
                        messages.into_iter().next().ok_or_else(|| {
                            teloxide::RequestError::Io(std::sync::Arc::new(std::io::Error::other(
                                "empty album",
                            )))
                        })
                    })
            }
            // Sent by `edit` above, before taking a turn.
            Content::Edit { .. } => {
                return Attempt::Rejected("an edit reached the send path".into());
            }
            Content::Document {
                file_name,
                caption_html,
                buttons,
                ..
            } => {
                let file = file(0).file_name(file_name.clone());
                let mut request = self.bot.send_document(chat, file);
                if let Some(caption) = caption_html {
                    request = request.caption(caption.clone()).parse_mode(ParseMode::Html);
                }
                if let Some(markup) = keyboard(buttons) {
                    request = request.reply_markup(markup);
                }
                request.await
            }
        };
        match result {
            Ok(message) => Attempt::Sent(i64::from(message.id.0)),
            Err(error) => classify(&error),
        }
    }

    /// Edits the message sent for the row `of`. One that never went out, or that Telegram no
    /// longer has or lets us edit, needs no edit: the row is done (with id 0 for none).
    async fn edit(
        &self,
        row: &OutboxRow,
        of: &str,
        html: &str,
        buttons: &[Vec<Button>],
    ) -> Attempt {
        let chat = ChatId(row.chat_id);
        let original = async {
            let mut tx = self.store.read().await?;
            let status = tx.outbox_status(of).await?;
            tx.commit().await?;
            StoreResult::Ok(status.and_then(|(_, message_id, _)| message_id))
        };
        let message_id = match original.await {
            Ok(Some(id)) => id,
            Ok(None) => return Attempt::Sent(0),
            Err(error) => return Attempt::Transient(error.to_string()),
        };
        let Ok(id) = i32::try_from(message_id) else {
            return Attempt::Sent(0);
        };
        let Some(_turn) = self.turn(row, 1).await else {
            return Attempt::LeaseLost;
        };
        let mut request = self
            .bot
            .edit_message_text(chat, teloxide::types::MessageId(id), html.to_string())
            .parse_mode(ParseMode::Html);
        if let Some(markup) = keyboard(buttons) {
            request = request.reply_markup(markup);
        }
        match request.await {
            Ok(_) => Attempt::Sent(message_id),
            Err(RequestError::Api(
                ApiError::MessageNotModified
                | ApiError::MessageToEditNotFound
                | ApiError::MessageCantBeEdited,
            )) => Attempt::Sent(message_id),
            Err(error) => classify(&error),
        }
    }

    async fn record(&self, row: &OutboxRow, attempt: Attempt) -> StoreResult<()> {
        if let Attempt::LeaseLost = attempt {
            tracing::debug!(
                row = row.id,
                "the claim ran out before its turn; left to be claimed again"
            );
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        match &attempt {
            Attempt::LeaseLost => {} // returned before the transaction
            Attempt::Sent(message_id) => tx.outbox_sent(row.id, *message_id, now).await?,
            Attempt::Unreachable(error) => {
                tracing::warn!(row = row.id, %error, "recipient unreachable; not retrying");
                tx.outbox_failed(row.id, error).await?;
                tx.set_reachable(row.chat_id, false, now).await?;
            }
            Attempt::Rejected(error) => {
                tracing::error!(row = row.id, key = %row.dedupe_key, %error, "Telegram refused a message");
                tx.outbox_failed(row.id, error).await?;
            }
            Attempt::RetryAfter(wait, error) => {
                if let Some(metrics) = &self.metrics {
                    metrics.rate_limited();
                }
                let at =
                    now + chrono::Duration::from_std(*wait).unwrap_or(chrono::Duration::seconds(1));
                tx.outbox_retry(row.id, at, error).await?;
            }
            Attempt::Transient(error) if row.attempts >= self.options.max_attempts => {
                tracing::error!(row = row.id, %error, attempts = row.attempts, "giving up on a message");
                tx.outbox_failed(row.id, error).await?;
            }
            Attempt::Transient(error) => {
                tracing::warn!(row = row.id, %error, attempts = row.attempts, "send failed; will retry");
                tx.outbox_retry(row.id, now + backoff(&self.options, row.attempts), error)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let options = NotifierOptions::default();
        let first = backoff(&options, 1).num_milliseconds();
        let fifth = backoff(&options, 5).num_milliseconds();
        assert!((1500..=2500).contains(&first), "{first}");
        assert!((24_000..=40_000).contains(&fifth), "{fifth}");
        assert!(backoff(&options, 60).num_milliseconds() <= 750_000);
    }

    #[test]
    fn blocked_and_unknown_chats_are_unreachable_and_5xx_is_transient() {
        assert!(matches!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Attempt::Unreachable(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::ChatNotFound)),
            Attempt::Unreachable(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::Unknown(
                "Internal Server Error".into()
            ))),
            Attempt::Transient(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::MessageTextIsEmpty)),
            Attempt::Rejected(_)
        ));
    }
}
