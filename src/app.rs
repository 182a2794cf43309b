//! Start-up and shutdown: configuration → store → migrations → bot. `main` and the integration
//! tests start the application through the same `start` function.

use crate::bot::{self, Ctx, TgBot};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::i18n::I18n;
use crate::notify::{Notifier, NotifierOptions};
use crate::scheduler::{
    JobHandlers, JobOutcome, RecurringSchedule, Scheduler, SchedulerOptions, handler_fn,
};
use crate::services::Services;
use crate::store::Store;
use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;
use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::{CacheMe, Throttle};
use teloxide::dispatching::ShutdownToken;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;
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
    shutdown: ShutdownToken,
    dispatch: JoinHandle<()>,
    stop_workers: watch::Sender<bool>,
    notifier: JoinHandle<()>,
    scheduler: JoinHandle<()>,
}

const HOUSEKEEPING: &str = "housekeeping";

/// Every kind of scheduled work and the use case that does it.
fn job_handlers(services: &Services) -> JobHandlers {
    let housekeeping = services.clone();
    JobHandlers::new().with(
        HOUSEKEEPING,
        handler_fn(move |_job| {
            let services = housekeeping.clone();
            async move {
                services.housekeeping().await?;
                Ok(JobOutcome::Done)
            }
        }),
    )
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

    let limits = Limits {
        messages_per_sec_chat: config.messages_per_sec_chat,
        messages_per_min_chat: 20,
        messages_per_min_channel_or_supergroup: 10,
        messages_per_sec_overall: config.messages_per_sec_overall,
    };
    let bot: TgBot = CacheMe::new(Throttle::new_spawn(raw_bot, limits));
    let me = fetch_me(&bot).await;
    let bot_username = me.username().to_string();
    tracing::info!(bot = %bot_username, "connected to Telegram");
    if let Err(error) = bot::publish_default_commands(&bot, &i18n, config.default_language).await {
        tracing::warn!(%error, "could not publish the default command menu");
    }

    let config = Arc::new(config);
    let services = Services::new(store.clone(), clock.clone(), config.clone());
    let (stop_workers, workers_stopped) = watch::channel(false);
    let notifier = Notifier::new(
        store.clone(),
        clock.clone(),
        bot.clone(),
        services.outbox_waker.clone(),
        NotifierOptions {
            media_dir: config.media_dir.clone(),
            ..NotifierOptions::default()
        },
    );
    let notifier = tokio::spawn(notifier.run(workers_stopped.clone()));
    let scheduler = Scheduler::new(
        store.clone(),
        clock.clone(),
        job_handlers(&services),
        vec![RecurringSchedule::new(
            "housekeeping",
            config.housekeeping_cron.clone(),
            HOUSEKEEPING,
            serde_json::json!({}),
        )],
        SchedulerOptions::from_config(&config),
    )?
    .with_waker(services.scheduler_waker.clone());
    let mut scheduler_stopped = workers_stopped;
    let scheduler = tokio::spawn(scheduler.run(async move {
        let _ = scheduler_stopped.wait_for(|stop| *stop).await;
    }));
    let ctx = Ctx {
        services: services.clone(),
        i18n,
        bot_username: Arc::from(bot_username.as_str()),
        dialogues: bot::dialogue::DbStorage::new(store, clock),
    };
    let mut dispatcher = Dispatcher::builder(bot.clone(), bot::schema())
        .dependencies(dptree::deps![ctx])
        .default_handler(|_| async {})
        .build();
    let listener = Polling::builder(bot)
        .timeout(config.poll_timeout)
        .delete_webhook()
        .await
        .build();
    let shutdown = dispatcher.shutdown_token();
    let dispatch = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(
                listener,
                LoggingErrorHandler::with_custom_text("receiving updates failed"),
            )
            .await;
    });
    Ok(Running {
        services,
        bot_username,
        shutdown,
        dispatch,
        stop_workers,
        notifier,
        scheduler,
    })
}

impl Running {
    /// Stops taking updates, lets handlers in flight finish, and closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        loop {
            match self.shutdown.shutdown() {
                Ok(done) => {
                    done.await;
                    break;
                }
                // The dispatcher has not started yet (or has already stopped).
                Err(_) if self.dispatch.is_finished() => break,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
        self.dispatch.await.context("the dispatcher task failed")?;
        // Updates stopped first, so nothing new is queued while the workers flush.
        let _ = self.stop_workers.send(true);
        self.notifier.await.context("the notifier task failed")?;
        self.scheduler.await.context("the scheduler task failed")?;
        self.services.store.close().await;
        Ok(())
    }
}
