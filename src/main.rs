//! The `handover-bot` command line: run the bot (default) or a one-off task.

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use handover_bot::app;
use handover_bot::clock::SystemClock;
use handover_bot::config::{Config, ConfigError, LogFormat, Settings};
use handover_bot::domain::import::ImportKind;
use handover_bot::domain::people::Role;
use handover_bot::i18n::{I18n, plain_text};
use handover_bot::present::Times as _;
use handover_bot::services::Services;
use handover_bot::services::import::{ImportOutcome, Importer};
use handover_bot::services::staff::Issuer;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Telegram bot that runs a property developer's home-handover campaign (交付).
///
/// Every setting can be given as a flag, as an environment variable (shown in brackets), or in
/// a TOML file named by --config / HANDOVER_CONFIG (keys as the flag names with underscores).
#[derive(Parser)]
#[command(name = "handover-bot", version, about)]
struct Cli {
    /// Optional TOML file with settings (flags and environment variables win over it).
    #[arg(long, env = "HANDOVER_CONFIG", global = true)]
    config: Option<PathBuf>,

    #[command(flatten)]
    settings: Settings,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, then serve Telegram by long polling (the default).
    Run,
    /// Apply database migrations and exit.
    Migrate,
    /// Import buyers (with their units), staff or time slots from a .csv or .xlsx file.
    Import {
        /// What the file holds.
        kind: KindArg,
        /// The file to read.
        file: PathBuf,
    },
    /// Copy every table of a SQLite deployment into a new, empty PostgreSQL database (migrated
    /// here), compare the row counts, and move the id sequences past the copied rows.
    MigrateData {
        /// The SQLite database to read, e.g. sqlite://data/handover.db (left unchanged).
        #[arg(long)]
        from: String,
        /// The PostgreSQL database to fill, e.g. postgres://bot@db/handover; must be empty.
        #[arg(long)]
        to: String,
    },
    /// Write the campaign's tables (buyers, appointments, defects and their history, handovers,
    /// meter readings, surveys) as an .xlsx workbook, or with --csv one CSV file per table
    /// into a folder. The buyer sheet re-imports unchanged.
    Export {
        /// The .xlsx file to write (or, with --csv, the folder for the CSV files).
        #[arg(long)]
        out: PathBuf,
        /// One CSV file per table instead of a workbook.
        #[arg(long)]
        csv: bool,
    },
    /// Ask a running bot's /healthz (for container health checks); exit 0 when healthy.
    Health {
        /// The health endpoint to ask.
        #[arg(long, default_value = "http://127.0.0.1:9090/healthz")]
        url: String,
    },
    /// Plan the assignment of every household without an ambassador and print it; with
    /// --confirm (the plan's code, printed with it) write that plan and notify everyone.
    Assign {
        /// The code printed with the plan; refused if the data changed since.
        #[arg(long)]
        confirm: Option<String>,
    },
    /// Check a handover record's PDF against the database: whether the record it names
    /// exists with the data hash printed on it, and whether the file is one the bot issued.
    /// Exits 0 only when it matches.
    VerifyRecord {
        /// The PDF to check.
        file: PathBuf,
    },
    /// Floor plans per unit type.
    Plans {
        #[command(subcommand)]
        action: PlansAction,
    },
    /// The media store of photos and documents.
    Media {
        #[command(subcommand)]
        action: MediaAction,
    },
    /// Work on the outbox of notifications.
    Outbox {
        #[command(subcommand)]
        action: OutboxAction,
    },
    /// Print a one-time invite link that links a Telegram account to a staff role.
    Invite {
        /// ambassador, backup_ambassador, engineer, supervisor or admin.
        #[arg(long)]
        role: String,
        /// The person's name (links an existing unlinked staff record of that name and role).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum PlansAction {
    /// Upload every PNG or JPEG in a folder as the plan of the unit type its name gives
    /// (A2.png is unit type A2).
    Import {
        /// The folder to read.
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum MediaAction {
    /// Copy every file of the media directory (HANDOVER_MEDIA_DIR) into an S3 bucket, reached
    /// with the HANDOVER_S3_* settings, and check each copy's SHA-256 read back from the
    /// bucket. Files already there are not copied again: run it again to finish a copy cut short.
    Migrate {
        /// The bucket and prefix, e.g. s3://handover/media.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum OutboxAction {
    /// Requeue messages that failed for good (after fixing the cause, e.g. a buyer unblocked the bot).
    RetryFailed,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Buyers,
    Staff,
    Slots,
    Risks,
    Answers,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load_config(&cli) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let log_format = config.log_format;
    init_logging(&config.log, log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command.unwrap_or(Command::Run), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let line = match error.downcast_ref::<ConfigError>() {
                Some(config_error) => config_error.to_string(),
                None => format!("{error:#}"),
            };
            match log_format {
                LogFormat::Text => eprintln!("error: {line}"),
                // A log collector reads every line of stderr as JSON.
                LogFormat::Json => tracing::error!("{line}"),
            }
            ExitCode::from(2)
        }
    }
}

fn load_config(cli: &Cli) -> Result<Config, ConfigError> {
    handover_bot::config::load(cli.config.as_deref(), cli.settings.clone())
}

fn init_logging(filter: &str, format: LogFormat) {
    // HTTP client internals are kept quiet: their debug output names request URLs.
    let directives = format!("{filter},reqwest=warn,hyper=warn,hyper_util=warn,sqlx=warn");
    let filter = tracing_subscriber::EnvFilter::try_new(&directives)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // Colour for a person at a terminal only: a file, a pipe or a log collector gets
        // plain text (NO_COLOR switches it off on a terminal too).
        LogFormat::Text => logs
            .with_ansi(
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            )
            .init(),
        LogFormat::Json => logs.json().init(),
    }
}

/// Shows the step under way on a terminal (a spinner); in a pipe or a log file, nothing.
fn progress(step: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_message(step.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A bar over `count` items on a terminal; in a pipe or a log file, nothing.
fn progress_bar(count: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(count as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Run => run(config).await,
        Command::Migrate => {
            app::open_store(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Import { kind, file } => import(config, kind, file).await,
        Command::MigrateData { from, to } => migrate_data(&from, &to).await,
        Command::Health { url } => health(&url).await,
        Command::Export { out, csv } => export(config, &out, csv).await,
        Command::Assign { confirm } => assign(config, confirm.as_deref()).await,
        Command::Invite { role, name } => invite(config, &role, name.as_deref()).await,
        Command::VerifyRecord { file } => verify_record(config, &file).await,
        Command::Plans {
            action: PlansAction::Import { dir },
        } => import_plans(config, dir).await,
        Command::Media {
            action: MediaAction::Migrate { to },
        } => migrate_media(config, &to).await,
        Command::Outbox {
            action: OutboxAction::RetryFailed,
        } => {
            let requeued = services(config).await?.retry_failed_notifications().await?;
            println!("requeued {requeued} failed message(s); a running bot sends them shortly");
            Ok(())
        }
    }
}

/// `media migrate --to s3://…`: the media directory into a bucket, every copy checked.
async fn migrate_media(config: Config, to: &str) -> anyhow::Result<()> {
    use handover_bot::media::{self, MediaStore};
    let bucket = handover_bot::config::MediaBucket::parse(to, config.s3.clone())
        .map_err(|why| anyhow::anyhow!("--to: {why}"))?;
    anyhow::ensure!(
        config.media_dir.is_dir(),
        "there is no media directory at {} (HANDOVER_MEDIA_DIR)",
        config.media_dir.display()
    );
    let from = MediaStore::directory(&config.media_dir);
    // The copies' cache copies go to a folder of their own, removed after.
    let cache = std::env::temp_dir().join(format!("handover-media-migrate-{}", std::process::id()));
    let target = MediaStore::bucket(&bucket, &cache, config.media_retry_for);
    target
        .check()
        .await
        .with_context(|| format!("cannot use {} (HANDOVER_S3_*)", bucket.url()))?;
    let bar = progress_bar(0);
    let report = media::copy_all(&from, &target, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await;
    bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&cache);
    let report = report.with_context(|| format!("cannot list {}", config.media_dir.display()))?;
    let checked = report.copied + report.present;
    println!(
        "{checked} file(s) of {} in {}: {} copied, {} already there ({:.1} MB); each copy's SHA-256 read back matches",
        config.media_dir.display(),
        bucket.url(),
        report.copied,
        report.present,
        report.bytes as f64 / 1_048_576.0
    );
    if !report.failed.is_empty() {
        for (path, why) in &report.failed {
            eprintln!("not copied: {path}: {why}");
        }
        anyhow::bail!(
            "{} file(s) not copied; run the command again once the cause is fixed",
            report.failed.len()
        );
    }
    println!(
        "set HANDOVER_MEDIA_URL={} (and the same HANDOVER_S3_* settings) on every instance to use it",
        bucket.url()
    );
    Ok(())
}

async fn run(config: Config) -> anyhow::Result<()> {
    config.require_token()?;
    // Listening starts before anything else: a signal that arrives while the bot starts up, or
    // between two waits, is kept for the next wait instead of being lost.
    let mut signal = ShutdownSignal::listen();
    let running = tokio::select! {
        running = app::start(config, Arc::new(SystemClock)) => running?,
        _ = signal.received() => return Ok(()),
    };
    tracing::info!("serving; press Ctrl-C to stop");
    let failure = tokio::select! {
        _ = signal.received() => None,
        reason = running.failed() => Some(reason),
    };
    tracing::info!("shutting down");
    running.stop().await?;
    match failure {
        None => Ok(()),
        Some(reason) => anyhow::bail!("stopped: {reason}"),
    }
}

/// SIGTERM (how a container runtime or an operator stops the bot) or Ctrl-C.
struct ShutdownSignal {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl ShutdownSignal {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(interrupt)) => Some((term, interrupt)),
                _ => {
                    tracing::warn!("cannot listen for SIGTERM; only Ctrl-C stops the bot");
                    None
                }
            };
            ShutdownSignal { streams }
        }
        #[cfg(not(unix))]
        ShutdownSignal {}
    }

    async fn received(&mut self) {
        #[cfg(unix)]
        if let Some((term, interrupt)) = self.streams.as_mut() {
            tokio::select! {
                _ = term.recv() => {}
                _ = interrupt.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn assign(config: Config, confirm: Option<&str>) -> anyhow::Result<()> {
    use handover_bot::services::assignment::{ConfirmOutcome, Planner};
    let lang = config.default_language;
    let services = services(config).await?;
    let i18n = I18n::load()?;
    let show = |preview: &handover_bot::services::assignment::AssignmentPreview| {
        println!(
            "{}",
            plain_text(&handover_bot::bot::render_preview(&i18n, lang, preview))
        );
        println!(
            "\nto write this plan: handover-bot assign --confirm {}",
            preview.fingerprint
        );
    };
    match confirm {
        None => {
            let preview = services.assignment_preview(Planner::Cli).await?;
            if preview.placed == 0 {
                println!(
                    "{}",
                    plain_text(&handover_bot::tr!(i18n, lang, "assign-nothing"))
                );
            } else {
                show(&preview);
            }
            Ok(())
        }
        Some(code) => match services.confirm_assignment(Planner::Cli, code).await? {
            ConfirmOutcome::Applied(preview) => {
                println!(
                    "{}",
                    plain_text(&handover_bot::tr!(
                        i18n,
                        lang,
                        "assign-done",
                        count = preview.placed,
                        unplaced = preview.unplaced.len()
                    ))
                );
                Ok(())
            }
            ConfirmOutcome::Stale(preview) => {
                eprintln!(
                    "{}",
                    plain_text(&handover_bot::tr!(i18n, lang, "assign-stale"))
                );
                show(&preview);
                anyhow::bail!("nothing was written")
            }
        },
    }
}

async fn health(url: &str) -> anyhow::Result<()> {
    let response = reqwest::Client::new()
        .get(url)
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .with_context(|| format!("no answer from {url}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status.is_success() {
        println!("{}", body.trim());
        Ok(())
    } else {
        anyhow::bail!("{url} answered {status}: {}", body.trim())
    }
}

async fn migrate_data(from: &str, to: &str) -> anyhow::Result<()> {
    use handover_bot::store::{DatabaseKind, Store, redact_url, transfer};
    if DatabaseKind::of_url(from) != Some(DatabaseKind::Sqlite)
        || DatabaseKind::of_url(to) != Some(DatabaseKind::Postgres)
    {
        anyhow::bail!("--from must be a sqlite:// URL and --to a postgres:// URL");
    }
    let path = from
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if !std::path::Path::new(path).exists() {
        anyhow::bail!("the source database {path} does not exist");
    }
    let source = Store::connect(from)
        .await
        .with_context(|| format!("cannot open {}", redact_url(from)))?;
    // The source is brought up to this version's schema, as `run` would do, so both sides match.
    let step = progress("migrating the source");
    source
        .migrate()
        .await
        .context("cannot migrate the source")?;
    step.set_message("connecting to the target");
    let target = Store::connect(to)
        .await
        .with_context(|| format!("cannot connect to {}", redact_url(to)))?;
    step.set_message("migrating the target");
    target
        .migrate()
        .await
        .context("cannot migrate the target")?;
    step.set_message("copying the tables and comparing the counts");
    let copied = transfer::copy_sqlite_to_postgres(&source, &target).await?;
    step.finish_and_clear();
    let width = copied.iter().map(|t| t.table.len()).max().unwrap_or(5);
    for table in &copied {
        println!("{:<width$}  {:>8} rows", table.table, table.rows);
    }
    let total: i64 = copied.iter().map(|t| t.rows).sum();
    println!(
        "copied {total} rows in {} tables; counts match. Point HANDOVER_DATABASE_URL at the new database.",
        copied.len()
    );
    source.close().await;
    target.close().await;
    Ok(())
}

async fn services(config: Config) -> anyhow::Result<Services> {
    let store = app::open_store(&config).await?;
    Ok(Services::new(
        store,
        Arc::new(SystemClock),
        Arc::new(config),
    ))
}

async fn verify_record(config: Config, file: &std::path::Path) -> anyhow::Result<()> {
    use handover_bot::services::handover_record::Verdict;
    let pdf = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let checked = services(config).await?.verify_record_file(&pdf).await?;
    match checked.verdict {
        Some(Verdict::Matches {
            record,
            hash,
            replaced_by,
        }) => {
            println!(
                "matches: handover record {} of home {} ({}), received by {} at {} UTC",
                record.number,
                record.unit,
                record.project,
                record.received_by,
                record.received_at.format("%Y-%m-%d %H:%M")
            );
            println!("record data SHA-256: {hash}");
            if checked.issued {
                println!("the file is byte for byte the one the bot issued");
            } else {
                println!(
                    "the file is not byte for byte one the bot issued (re-saved or made elsewhere): compare its pages with the record"
                );
            }
            if let Some(new) = replaced_by {
                println!("note: record {new} replaced this record");
            }
            Ok(())
        }
        Some(Verdict::Differs { number }) => anyhow::bail!(
            "does not match: record {number} in the database has another SHA-256 than the file names"
        ),
        Some(Verdict::Unknown) => {
            anyhow::bail!(
                "does not match: the database has no handover record of the number the file names"
            )
        }
        None => anyhow::bail!(
            "{} is not a handover record made by this bot (it carries no record number and SHA-256)",
            file.display()
        ),
    }
}

async fn export(config: Config, out: &std::path::Path, csv: bool) -> anyhow::Result<()> {
    use handover_bot::services::export::{Exporter, to_csv, to_xlsx};
    let step = progress("reading the campaign's tables");
    let tables = services(config).await?.export_tables(Exporter::Cli).await?;
    step.finish_and_clear();
    if csv {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        let bar = progress_bar(tables.len());
        for table in &tables {
            bar.set_message(table.name.to_string());
            let path = out.join(format!("{}.csv", table.name));
            std::fs::write(&path, to_csv(table)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            bar.inc(1);
        }
        bar.finish_and_clear();
    } else {
        let step = progress("writing the workbook");
        std::fs::write(out, to_xlsx(&tables)?)
            .with_context(|| format!("cannot write {}", out.display()))?;
        step.finish_and_clear();
    }
    for table in &tables {
        println!("{}: {} rows", table.name, table.rows.len());
    }
    println!("written to {}", out.display());
    Ok(())
}

/// Every PNG or JPEG of `dir` as the plan of the unit type its file name gives. Files of
/// other kinds are skipped with a word; a bad image stops nothing else but fails the run.
async fn import_plans(config: Config, dir: PathBuf) -> anyhow::Result<()> {
    use handover_bot::services::plans::PlanUpload;
    let services = services(config).await?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    let mut refused = 0;
    for path in entries {
        let name = path.display().to_string();
        let Some(unit_type) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {name}"))?;
        match services.upload_plan(None, &unit_type, &bytes).await? {
            PlanUpload::Saved {
                unit_type,
                version,
                width,
                height,
                homes,
            } => println!(
                "{name}: unit type {unit_type}, version {version}, {width}x{height}, {homes} homes"
            ),
            PlanUpload::Pdf => {
                refused += 1;
                println!("{name}: a PDF; export the page as PNG or JPEG");
            }
            PlanUpload::NotAnImage => {
                refused += 1;
                println!("{name}: not a PNG or JPEG image");
            }
            PlanUpload::TooLarge { limit } => {
                refused += 1;
                println!("{name}: larger than {limit} bytes");
            }
            PlanUpload::BadUnitType => {
                refused += 1;
                println!("{name}: the file name gives no unit type");
            }
        }
    }
    if refused > 0 {
        anyhow::bail!("{refused} file(s) were not imported");
    }
    Ok(())
}

async fn import(config: Config, kind: KindArg, file: PathBuf) -> anyhow::Result<()> {
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let lang = config.default_language;
    let services = services(config).await?;
    let kind = match kind {
        KindArg::Buyers => ImportKind::Buyers,
        KindArg::Staff => ImportKind::Staff,
        KindArg::Slots => ImportKind::Slots,
        KindArg::Risks => ImportKind::Risks,
        KindArg::Answers => ImportKind::Answers,
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let step = progress(&format!("importing {name}"));
    let outcome = services
        .import_file(Importer::Cli, &name, &bytes, Some(kind))
        .await?;
    step.finish_and_clear();
    let i18n = I18n::load()?;
    let report = plain_text(&handover_bot::bot::render_import_outcome(
        &i18n, lang, &outcome,
    ));
    println!("{report}");
    if matches!(outcome, ImportOutcome::Done { .. }) {
        Ok(())
    } else {
        anyhow::bail!("the file was not imported")
    }
}

async fn invite(config: Config, role: &str, name: Option<&str>) -> anyhow::Result<()> {
    let role: Role = role.parse().map_err(|_| {
        anyhow::anyhow!(
            "unknown role {role:?} (ambassador, backup_ambassador, engineer, supervisor, admin)"
        )
    })?;
    let username = match &config.bot_username {
        Some(name) => name.clone(),
        None => {
            let bot = app::telegram_client(&config)
                .context("the invite link needs the bot's username: set HANDOVER_BOT_USERNAME or HANDOVER_BOT_TOKEN")?;
            use teloxide::prelude::Requester;
            bot.get_me()
                .await
                .context("cannot ask Telegram for the bot's username")?
                .username()
                .to_string()
        }
    };
    let services = services(config).await?;
    let invite = services.create_invite(Issuer::Cli, role, name).await?;
    println!("{}", invite.link(&username));
    eprintln!(
        "valid once, until {} (UTC)",
        invite.expires_at.present_date_time()
    );
    Ok(())
}
