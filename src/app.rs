//! Start-up and shutdown: configuration → store → migrations → bot. `main` and the integration
//! tests start the application through the same `start` function.

use crate::bot::{self, Ctx, TgBot};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::http;
use crate::i18n::I18n;
use crate::metrics::Metrics;
use crate::notify::pace::{PaceLimits, Pacer};
use crate::notify::{Notifier, NotifierOptions};
use crate::scheduler::{
    Job, JobError, JobHandlers, JobOutcome, RecurringSchedule, Scheduler, SchedulerOptions,
};
use crate::services::Services;
use crate::store::Store;
use anyhow::Context as _;
use futures::future::BoxFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use teloxide::adaptors::CacheMe;
use teloxide::dispatching::ShutdownToken;
use teloxide::error_handlers::ErrorHandler;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
use teloxide::{ApiError, RequestError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Opens the database named in the configuration and applies pending migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| "cannot open the database (HANDOVER_DATABASE_URL)")?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store)
}

/// The raw Bot API client for this configuration.
pub fn telegram_client(config: &Config) -> anyhow::Result<Bot> {
    let token = config.require_token()?;
    // A long poll must finish well inside the request timeout.
    let timeout = config
        .request_timeout
        .max(config.poll_timeout + Duration::from_secs(1));
    let client = teloxide::net::default_reqwest_settings()
        .timeout(timeout)
        .build()
        .context("cannot build the HTTP client")?;
    Ok(Bot::with_client(token.expose(), client).set_api_url(config.telegram_api_url.clone()))
}

/// Asks Telegram who we are, retrying with backoff while it cannot be reached, so a brief
/// outage at start-up delays the bot instead of killing it.
pub async fn fetch_me<B>(bot: &B) -> teloxide::types::Me
where
    B: Requester,
    B::Err: std::fmt::Display,
{
    let mut delay = Duration::from_millis(500);
    loop {
        match bot.get_me().await {
            Ok(me) => return me,
            Err(error) => {
                tracing::warn!(%error, retry_in = ?delay, "Telegram is not reachable yet (getMe failed); retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(60));
            }
        }
    }
}

/// The running application.
pub struct Running {
    pub services: Services,
    pub bot_username: String,
    pub metrics: Arc<Metrics>,
    /// Where the webhook's HTTP server listens, in webhook mode.
    pub http_addr: Option<SocketAddr>,
    /// Where /healthz and /metrics are served, unless turned off.
    pub metrics_addr: Option<SocketAddr>,
    shutdown: ShutdownToken,
    dispatch: JoinHandle<()>,
    stop_workers: watch::Sender<bool>,
    notifier: JoinHandle<()>,
    feed: Option<JoinHandle<()>>,
    scheduler: JoinHandle<()>,
    journal_writer: JoinHandle<()>,
    replayer: JoinHandle<()>,
    http_server: Option<JoinHandle<()>>,
    metrics_server: Option<JoinHandle<()>>,
    fatal: watch::Receiver<Option<String>>,
}

/// A job that found nothing left to do is recorded as dropped, with the reason.
fn outcome(done: bool, otherwise: &str) -> JobOutcome {
    if done {
        JobOutcome::Done
    } else {
        JobOutcome::Dropped(otherwise.to_string())
    }
}

/// Runs one job: every kind of scheduled work and the use case that does it.
async fn run_job(services: Services, job: Job) -> Result<JobOutcome, JobError> {
    Ok(match job {
        Job::FollowUp { follow_up_id } => outcome(
            services.send_follow_up(follow_up_id).await?,
            "sent before, nobody to tell, or nothing open",
        ),
        Job::ComplaintAck { complaint_id } => outcome(
            services.escalate_complaint(complaint_id).await?,
            "acknowledged in time",
        ),
        Job::DailyDigest {} => {
            crate::rehearsal::untracked(services.daily_digest()).await?;
            JobOutcome::Done
        }
        Job::FixCheck {
            defect_id,
            event_id,
        } => outcome(
            services.verify_unanswered_fix(defect_id, event_id).await?,
            "the buyer already answered",
        ),
        Job::DefectSweep {} => {
            crate::rehearsal::untracked(services.sweep_deadlines()).await?;
            JobOutcome::Done
        }
        Job::Reminder {
            appointment_id,
            slot_id,
            minutes,
        } => outcome(
            services
                .send_reminder(appointment_id, slot_id, minutes)
                .await?,
            "the booking changed",
        ),
        Job::NoShow {
            appointment_id,
            slot_id,
        } => outcome(
            services.mark_no_show(appointment_id, slot_id).await?,
            "checked in, moved or cancelled",
        ),
        Job::Close {
            appointment_id,
            slot_id,
        } => outcome(
            services.close_visit(appointment_id, slot_id).await?,
            "not checked in, or closed already",
        ),
        Job::Nudge { appointment_id } => {
            outcome(services.nudge(appointment_id).await?, "already answered")
        }
        Job::Housekeeping {} => {
            crate::rehearsal::untracked(services.housekeeping()).await?;
            JobOutcome::Done
        }
        Job::Notice {
            chat_id,
            key,
            content,
            answers,
        } => {
            let deliver = services.deliver_scheduled_notification(chat_id, &key, content);
            if answers {
                crate::answering::scope(chat_id, deliver).await?;
            } else {
                deliver.await?;
            }
            JobOutcome::Done
        }
        Job::AwayEnds { staff_id } => {
            crate::rehearsal::untracked(services.away_ended(staff_id)).await?;
            JobOutcome::Done
        }
        Job::ConsultEscalate { consultation_id } => outcome(
            services.escalate_consultation(consultation_id).await?,
            "answered in time",
        ),
        Job::BeforeCampaignSweep {} => {
            crate::rehearsal::untracked(services.sweep_before_campaign()).await?;
            JobOutcome::Done
        }
        Job::RecordPdf { handover_id } => outcome(
            services.send_record_pdf(handover_id).await?,
            "no record of that number",
        ),
    })
}

/// Starts everything and returns once the bot is polling Telegram.
pub async fn start(config: Config, clock: SharedClock) -> anyhow::Result<Running> {
    let raw_bot = telegram_client(&config)?;
    let store = open_store(&config).await?;
    let i18n = Arc::new(I18n::load()?);
    std::fs::create_dir_all(&config.media_dir).with_context(|| {
        format!(
            "cannot create the media directory {} (HANDOVER_MEDIA_DIR)",
            config.media_dir.display()
        )
    })?;

    // One pacer for replies and notifications: the limits are the bot's, not each sender's.
    // A 429 still comes back to the sender: replies retry it in `bot::send_html`, the notifier
    // reschedules the row.
    let pacer = Arc::new(Pacer::new(PaceLimits {
        per_private_chat_per_sec: config.messages_per_sec_chat,
        per_group_per_min: 20,
        overall_per_sec: config.messages_per_sec_overall,
    }));
    let bot: TgBot = CacheMe::new(raw_bot);
    let me = fetch_me(&bot).await;
    let bot_username = me.username().to_string();
    tracing::info!(bot = %bot_username, "connected to Telegram");
    if let Err(error) = bot::publish_default_commands(&bot, &i18n, config.default_language).await {
        tracing::warn!(%error, "could not publish the default command menu");
    }

    let config = Arc::new(config);
    let services = Services::new(store.clone(), clock.clone(), config.clone());
    // A bucket that does not exist or refuses the credentials stops the start here, not at
    // the first photo.
    services.media.check().await.with_context(|| {
        format!(
            "cannot use the media store {} (HANDOVER_MEDIA_URL, HANDOVER_S3_*, HANDOVER_MEDIA_DIR)",
            services.media.describe()
        )
    })?;
    tracing::info!(media = %services.media.describe(), "media store ready");
    let (stop_workers, workers_stopped) = watch::channel(false);
    let metrics = Arc::new(Metrics::new().context("cannot set up metrics")?);
    // What this instance's earlier run had claimed and could not finish (it was killed) is
    // due again at once; other instances' claims wait out their lease.
    match services.take_back_own_claims().await {
        Ok(0) => {}
        Ok(taken) => tracing::info!(
            taken,
            instance = %config.instance_id,
            "took back what this instance's earlier run had claimed"
        ),
        Err(error) => tracing::warn!(%error, "cannot take back this instance's earlier claims"),
    }
    let notifier = Notifier::new(
        store.clone(),
        clock.clone(),
        bot.clone(),
        services.outbox_waker.clone(),
        NotifierOptions {
            batch: NotifierOptions::batch_for(config.messages_per_sec_overall),
            media: Some(services.media.clone()),
            lease: config.claim_lease,
            owner: Some(config.instance_id.clone()),
            ..NotifierOptions::default()
        },
    )
    .with_metrics(metrics.clone())
    .with_pacer(pacer.clone());
    let notifier = tokio::spawn(notifier.run(workers_stopped.clone()));
    let feed = match config.defect_feed() {
        Some((url, secret)) => {
            let feed = crate::notify::feed::DefectFeed::new(
                store.clone(),
                clock.clone(),
                url,
                secret,
                services.feed_waker.clone(),
                NotifierOptions {
                    lease: config.claim_lease,
                    max_attempts: 20,
                    ..NotifierOptions::default()
                },
                config.timezone,
            )?;
            Some(tokio::spawn(feed.run(workers_stopped.clone())))
        }
        None => None,
    };
    let scheduler = Scheduler::new(
        store.clone(),
        clock.clone(),
        JobHandlers::typed({
            let services = services.clone();
            move |job| run_job(services.clone(), job)
        }),
        vec![
            RecurringSchedule::of(
                "housekeeping",
                config.housekeeping_cron.clone(),
                &Job::Housekeeping {},
            ),
            RecurringSchedule::of(
                "daily-digest",
                config.daily_digest_cron.clone(),
                &Job::DailyDigest {},
            ),
            RecurringSchedule::of(
                "defect-sweep",
                config.defect_sweep_cron.clone(),
                &Job::DefectSweep {},
            ),
            RecurringSchedule::of(
                "before-campaign-sweep",
                config.defect_sweep_cron.clone(),
                &Job::BeforeCampaignSweep {},
            ),
        ],
        SchedulerOptions::from_config(&config),
    )?
    .with_waker(services.scheduler_waker.clone());
    let mut scheduler_stopped = workers_stopped.clone();
    let scheduler = tokio::spawn(scheduler.run(async move {
        let _ = scheduler_stopped.wait_for(|stop| *stop).await;
    }));
    let (journal, journal_writer) =
        crate::inbox::Journal::start(services.clone(), workers_stopped.clone());
    let ctx = Ctx {
        services: services.clone(),
        journal: journal.clone(),
        i18n,
        bot_username: Arc::from(bot_username.as_str()),
        dialogues: bot::dialogue::DbStorage::new(store, clock),
        metrics: metrics.clone(),
        pacer: pacer.clone(),
    };
    let mut dispatcher = Dispatcher::builder(bot.clone(), bot::schema())
        .dependencies(dptree::deps![ctx])
        .default_handler(|_| async {})
        .build();
    let shutdown = dispatcher.shutdown_token();
    let (fatal_tx, fatal) = watch::channel(None);
    // Health and metrics on their own address, never on the public webhook port.
    let metrics_server = match config.metrics_addr {
        Some(addr) => Some(
            http::serve(
                addr,
                "HANDOVER_METRICS_ADDR",
                http::monitoring_routes(services.clone(), metrics.clone()),
                http::stopped(workers_stopped.clone()),
            )
            .await?,
        ),
        None => None,
    };
    // Kept updates whose handler died: this instance's own from before it started again are
    // handled first; others' are replayed once their lease runs out, for as long as it runs.
    let replay = crate::inbox::claim_unhandled(&journal, true).await;
    let (replayed, later) = tokio::sync::mpsc::unbounded_channel();
    // The Mini App's pages, on the public HTTP server, with HANDOVER_PUBLIC_URL.
    let mini_app = config.public_url.as_ref().map(|_| {
        let token = config
            .bot_token
            .as_ref()
            .map(|t| t.expose())
            .unwrap_or_default();
        crate::webapp::routes(services.clone(), token)
    });
    let (dispatch, http_server) = match config.webhook_url.clone() {
        Some(url) => {
            let addr = config
                .listen_addr
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 8080)));
            let secret = match &config.webhook_secret {
                Some(secret) => secret.expose().to_string(),
                None => {
                    tracing::warn!(
                        "HANDOVER_WEBHOOK_SECRET is not set: using a random secret, so run only one instance"
                    );
                    random_secret()
                }
            };
            // Several instances share one webhook: each sets the same URL and secret, and none
            // deletes it when it stops (teloxide's axum_to_router would).
            bot.set_webhook(url.clone())
                .secret_token(secret.clone())
                // Named every time: without it Telegram keeps whatever an earlier version set.
                .allowed_updates(crate::bot::UPDATE_KINDS)
                .await
                .context("Telegram refused the webhook (HANDOVER_WEBHOOK_URL)")?;
            // Our own route: Telegram gets its 200 only once the update is kept.
            let (stop, stopped) = teloxide::stop::mk_stop_token();
            for update in replay {
                let _ = replayed.send(update);
            }
            let routes = http::webhook_routes(
                url.path(),
                secret,
                journal.clone(),
                replayed.clone(),
                stopped.clone(),
            );
            let routes = match mini_app {
                Some(pages) => routes.merge(pages),
                None => routes,
            };
            let listener = crate::inbox::KeptUpdates::new(later, stop, stopped);
            // From the dispatcher's stop the route answers 503 (Telegram sends the update again,
            // to another instance); the server itself stops with the workers. Not on the stop
            // flag: its clones share one waker, which the listener's stream holds, so a second
            // future waiting on it would never wake.
            let server = http::serve(
                addr,
                "HANDOVER_LISTEN_ADDR",
                routes,
                http::stopped(workers_stopped.clone()),
            )
            .await?;
            let dispatch = tokio::spawn(async move {
                dispatcher
                    .dispatch_with_listener(
                        listener,
                        LoggingErrorHandler::with_custom_text("webhook failed"),
                    )
                    .await;
            });
            (dispatch, Some(server))
        }
        None => {
            let listener = Polling::builder(bot)
                .timeout(config.poll_timeout)
                .delete_webhook()
                .await
                .build();
            let listener = crate::inbox::Journaled::new(listener, journal.clone(), replay, later);
            let errors = Arc::new(PollingErrors { fatal: fatal_tx });
            let dispatch = tokio::spawn(async move {
                dispatcher.dispatch_with_listener(listener, errors).await;
            });
            let server = match mini_app {
                Some(pages) => {
                    let addr = config
                        .listen_addr
                        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 8080)));
                    let stopped = http::stopped(workers_stopped.clone());
                    Some(http::serve(addr, "HANDOVER_LISTEN_ADDR", pages, stopped).await?)
                }
                None => None,
            };
            (dispatch, server)
        }
    };
    let replayer = tokio::spawn(crate::inbox::replay_stale(
        journal,
        replayed,
        services.inbox_waker.clone(),
        workers_stopped.clone(),
    ));
    Ok(Running {
        services,
        bot_username,
        metrics,
        http_addr: http_server.as_ref().map(|(addr, _)| *addr),
        metrics_addr: metrics_server.as_ref().map(|(addr, _)| *addr),
        shutdown,
        dispatch,
        stop_workers,
        notifier,
        feed,
        scheduler,
        journal_writer,
        replayer,
        http_server: http_server.map(|(_, task)| task),
        metrics_server: metrics_server.map(|(_, task)| task),
        fatal,
    })
}

/// How long each part may take to stop before it is abandoned.
const STOP_STEP: Duration = Duration::from_secs(15);

/// Waits for a task to end, abandoning it (with a log line, and its name in `abandoned`) if it
/// takes longer than `STOP_STEP`.
async fn finish(
    what: &'static str,
    task: &mut JoinHandle<()>,
    abandoned: &mut Vec<&'static str>,
) -> anyhow::Result<()> {
    match tokio::time::timeout(STOP_STEP, &mut *task).await {
        Ok(result) => result.with_context(|| format!("{what} failed")),
        Err(_) => {
            tracing::error!(what, "did not stop in time; abandoning it");
            task.abort();
            abandoned.push(what);
            Ok(())
        }
    }
}

/// A webhook secret for a single instance that was given none.
fn random_secret() -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(rand::distributions::Alphanumeric)
        .take(48)
        .map(char::from)
        .collect()
}

/// Errors of the long-polling listener. A second poller with the same token is fatal:
/// Telegram allows one, and two would take turns stealing each other's updates.
struct PollingErrors {
    fatal: watch::Sender<Option<String>>,
}

impl ErrorHandler<RequestError> for PollingErrors {
    fn handle_error(self: Arc<Self>, error: RequestError) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            if matches!(
                error,
                RequestError::Api(ApiError::TerminatedByOtherGetUpdates)
            ) {
                tracing::error!(
                    "another process is long-polling Telegram with this bot token (409 Conflict); only one poller is allowed, so this one stops. Run several instances with a webhook (HANDOVER_WEBHOOK_URL) instead"
                );
                let _ = self.fatal.send(Some(
                    "another instance is polling with this bot token".into(),
                ));
            } else {
                tracing::warn!(%error, "receiving updates failed; retrying");
            }
        })
    }
}

impl Running {
    /// Resolves with a reason when the application cannot go on (another poller took over).
    pub async fn failed(&self) -> String {
        let mut fatal = self.fatal.clone();
        match fatal.wait_for(Option::is_some).await {
            Ok(reason) => reason.clone().unwrap_or_default(),
            Err(_) => std::future::pending().await,
        }
    }

    /// Stops taking updates, lets handlers in flight finish, and closes the database. Each
    /// step is bounded, so a stuck component cannot keep the process from exiting; a part
    /// abandoned is logged.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop_parts().await.map(|_| ())
    }

    /// [`Running::stop`], and an error naming the parts that had to be abandoned, if any.
    pub async fn stop_cleanly(self) -> anyhow::Result<()> {
        let abandoned = self.stop_parts().await?;
        if !abandoned.is_empty() {
            anyhow::bail!("did not stop in time: {}", abandoned.join(", "));
        }
        Ok(())
    }

    /// Stops every part; returns those that had to be abandoned.
    async fn stop_parts(mut self) -> anyhow::Result<Vec<&'static str>> {
        let shutdown = async {
            loop {
                match self.shutdown.shutdown() {
                    Ok(done) => {
                        // `done` only hears the dispatcher finish if it was polled before that
                        // happened; a dispatcher already gone counts as stopped too.
                        tokio::pin!(done);
                        loop {
                            tokio::select! {
                                _ = &mut done => break,
                                _ = tokio::time::sleep(Duration::from_millis(20)) => {
                                    if self.dispatch.is_finished() {
                                        break;
                                    }
                                }
                            }
                        }
                        break;
                    }
                    // The dispatcher has not started yet (or has already stopped).
                    Err(_) if self.dispatch.is_finished() => break,
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        };
        // The parts that had to be abandoned: the stop goes on (the database is still closed).
        let mut abandoned = Vec::new();
        if tokio::time::timeout(STOP_STEP, shutdown).await.is_err() {
            tracing::error!("the dispatcher did not stop in time");
        }
        finish("the dispatcher", &mut self.dispatch, &mut abandoned).await?;
        // Updates stopped first, so nothing new is queued while the workers flush.
        let _ = self.stop_workers.send(true);
        finish("the notifier", &mut self.notifier, &mut abandoned).await?;
        if let Some(feed) = self.feed.as_mut() {
            finish("the defect feed", feed, &mut abandoned).await?;
        }
        finish("the scheduler", &mut self.scheduler, &mut abandoned).await?;
        finish("the inbox replayer", &mut self.replayer, &mut abandoned).await?;
        finish(
            "the update journal",
            &mut self.journal_writer,
            &mut abandoned,
        )
        .await?;
        if let Some(server) = self.http_server.as_mut() {
            finish("the HTTP server", server, &mut abandoned).await?;
        }
        if let Some(server) = self.metrics_server.as_mut() {
            finish("the metrics server", server, &mut abandoned).await?;
        }
        // Closing waits for connections in use to come back.
        if tokio::time::timeout(STOP_STEP, self.services.store.close())
            .await
            .is_err()
        {
            tracing::error!("the database did not close in time");
            abandoned.push("the database");
        }
        Ok(abandoned)
    }
}
