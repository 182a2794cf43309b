//! Settings: command-line flags, environment variables with the `HANDOVER_` prefix, and an
//! optional TOML file, in that order of precedence, then built-in defaults.

use crate::domain::people::Lang;
use chrono_tz::Tz;
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Every setting the application reads. All optional here; `Config::resolve` applies defaults
/// and validates, naming the variable of any bad value. Each setting's help, default and
/// variable are given here once (defaults in [`default`]); `--help` shows them all.
#[derive(Debug, Clone, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[arg(
        long,
        env = "HANDOVER_BOT_TOKEN",
        hide_env_values = true,
        global = true,
        help = "Bot token from @BotFather; required to run, never logged or printed"
    )]
    pub bot_token: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DATABASE_URL",
        hide_env_values = true,
        global = true,
        help = with_default("Database, chosen by the scheme: sqlite://PATH (created if missing) or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (must exist)", default::DATABASE_URL)
    )]
    pub database_url: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_TELEGRAM_API_URL",
        global = true,
        help = with_default("Bot API base URL", default::TELEGRAM_API_URL)
    )]
    pub telegram_api_url: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_BOT_USERNAME",
        global = true,
        help = with_default("Bot username used in invite links printed by the CLI", default::BOT_USERNAME)
    )]
    pub bot_username: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_TIMEZONE",
        global = true,
        help = with_default("The project's IANA time zone for every date and time shown", default::TIMEZONE)
    )]
    pub timezone: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DEFAULT_LANGUAGE",
        global = true,
        help = with_default("Language for people who have not chosen one (zh-CN or en)", default::DEFAULT_LANGUAGE)
    )]
    pub default_language: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_MEDIA_DIR",
        global = true,
        help = with_default("Where photos and documents are stored", default::MEDIA_DIR)
    )]
    pub media_dir: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_PHONE_REGION",
        global = true,
        help = with_default("Region for phone numbers written without a country code", default::PHONE_REGION)
    )]
    pub phone_region: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_PROJECT",
        global = true,
        help = with_default("Project code for imported rows without a project column", default::PROJECT)
    )]
    pub project: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_INVITE_TTL_HOURS",
        global = true,
        help = with_default("Hours an invite code stays valid", default::INVITE_TTL_HOURS)
    )]
    pub invite_ttl_hours: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_MAX_IMPORT_BYTES",
        global = true,
        help = with_default("Largest import file accepted, in bytes (at most Telegram's 20 MB download limit)", default::MAX_IMPORT_BYTES)
    )]
    pub max_import_bytes: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_UPLOADS_PER_DAY",
        global = true,
        help = with_default("Photos, voice notes and files one person may send the bot per day (project time zone)", default::UPLOADS_PER_DAY)
    )]
    pub uploads_per_day: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_UPLOAD_BYTES_PER_DAY",
        global = true,
        help = with_default("Bytes of photos, voice notes and files one person may send per day", default::UPLOAD_BYTES_PER_DAY)
    )]
    pub upload_bytes_per_day: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_WEBHOOK_URL",
        global = true,
        help = "Receive updates by webhook at this public URL; unset: long polling"
    )]
    pub webhook_url: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true,
        help = with_default("Secret Telegram sends with every webhook request; set it when running several instances", default::WEBHOOK_SECRET)
    )]
    pub webhook_secret: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_LISTEN_ADDR",
        global = true,
        help = with_default("Address of the webhook's public HTTP server", default::LISTEN_ADDR)
    )]
    pub listen_addr: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_METRICS_ADDR",
        global = true,
        help = with_default("Where /healthz and /metrics are served, apart from the webhook; off for none", default::METRICS_ADDR)
    )]
    pub metrics_addr: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_INSTANCE_ID",
        global = true,
        help = with_default("This instance's name, kept with what it claims; stable across restarts, unique among running instances", default::INSTANCE_ID)
    )]
    pub instance_id: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_MESSAGES_PER_SEC_CHAT",
        global = true,
        help = with_default("Messages per second to one chat (Telegram allows about 1)", default::MESSAGES_PER_SEC_CHAT)
    )]
    pub messages_per_sec_chat: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_MESSAGES_PER_SEC_OVERALL",
        global = true,
        help = with_default("Messages per second in all (Telegram allows about 30)", default::MESSAGES_PER_SEC_OVERALL)
    )]
    pub messages_per_sec_overall: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_HOUSEKEEPING_CRON",
        global = true,
        help = with_default("When the daily clean-up runs (cron with seconds, project time zone)", default::HOUSEKEEPING_CRON)
    )]
    pub housekeeping_cron: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_CLAIM_LEASE_SECS",
        global = true,
        help = with_default("Seconds an instance holds a message, job or update it claimed before another may take it over (after a crash)", default::CLAIM_LEASE_SECS)
    )]
    pub claim_lease_secs: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_REMINDERS",
        global = true,
        help = with_default("Reminders before each visit (units m, h, d)", default::REMINDERS)
    )]
    pub reminders: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_NUDGE_AFTER_HOURS",
        global = true,
        help = with_default("Hours after an invitation that a buyer who has not chosen a time is nudged once", default::NUDGE_AFTER_HOURS)
    )]
    pub nudge_after_hours: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_CHANGE_CUTOFF_HOURS",
        global = true,
        help = with_default("Buyers may move or cancel a booking until this many hours before it", default::CHANGE_CUTOFF_HOURS)
    )]
    pub change_cutoff_hours: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_NO_SHOW_GRACE_MINUTES",
        global = true,
        help = with_default("Minutes after a visit's start that a buyer not checked in is a no-show", default::NO_SHOW_GRACE_MINUTES)
    )]
    pub no_show_grace_minutes: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_KEY_BUYERS_LATE",
        global = true,
        help = with_default("Offer A+ and risk-flagged buyers only the later half of each day's slots (true or false)", default::KEY_BUYERS_LATE)
    )]
    pub key_buyers_late: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_MEETING_POINT",
        global = true,
        help = with_default("Where buyers go, in confirmations, reminders and the calendar file", default::MEETING_POINT)
    )]
    pub meeting_point: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_FIX_DAYS",
        global = true,
        help = with_default("Fix deadline per urgency, in days (any left out keep the default)", default::FIX_DAYS)
    )]
    pub fix_days: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_CONFIRM_FIX_DAYS",
        global = true,
        help = with_default("Days a buyer has to check a fix before their ambassador verifies it on their behalf", default::CONFIRM_FIX_DAYS)
    )]
    pub confirm_fix_days: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DEFECT_SWEEP_CRON",
        global = true,
        help = with_default("When the deadline sweep tells engineers of items due today and supervisors of items past due (cron with seconds, project time zone)", default::DEFECT_SWEEP_CRON)
    )]
    pub defect_sweep_cron: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DEFECT_WEBHOOK_URL",
        global = true,
        help = "Optional: every defect change is POSTed here as signed JSON (the developer's ERP or after-sales system)"
    )]
    pub defect_webhook_url: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DEFECT_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true,
        help = "Required with the defect webhook URL: the HMAC-SHA256 key that signs each request (X-Handover-Signature)"
    )]
    pub defect_webhook_secret: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_KEY_KINDS",
        global = true,
        help = with_default("Kinds of key the handover checklist counts (at most 10)", default::KEY_KINDS)
    )]
    pub key_kinds: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_METERS",
        global = true,
        help = with_default("Meters whose reading and photo the handover checklist asks for", default::METERS)
    )]
    pub meters: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DOCUMENTS",
        global = true,
        help = with_default("Documents handed over, ticked in the handover checklist", default::DOCUMENTS)
    )]
    pub documents: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_FOLLOW_UPS",
        global = true,
        help = with_default("Follow-up cadence: day after the buyer's confirmation = kind (thanks, check, survey, checkin, year_end)", default::FOLLOW_UPS)
    )]
    pub follow_ups: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_FOLLOW_UP_TIME",
        global = true,
        help = with_default("Local time of day follow-ups go out (HH:MM)", default::FOLLOW_UP_TIME)
    )]
    pub follow_up_time: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DIGEST_EVERY_DAYS",
        global = true,
        help = with_default("Days between digests of a handed-over home's open defects (0: none)", default::DIGEST_EVERY_DAYS)
    )]
    pub digest_every_days: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_COMPLAINT_ACK_HOURS",
        global = true,
        help = with_default("Hours complaint reception has to acknowledge a complaint before it escalates to supervisors", default::COMPLAINT_ACK_HOURS)
    )]
    pub complaint_ack_hours: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_GROUP_COMPLAINT_HOUSEHOLDS",
        global = true,
        help = with_default("Households of one building complaining about one topic that raise a group-complaint flag", default::GROUP_COMPLAINT_HOUSEHOLDS)
    )]
    pub group_complaint_households: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_GROUP_COMPLAINT_DAYS",
        global = true,
        help = with_default("Days within which those households' complaints count as one group complaint", default::GROUP_COMPLAINT_DAYS)
    )]
    pub group_complaint_days: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_WARRANTY",
        global = true,
        help = with_default("Warranty per defect category after handover (5y, 24m; * for the rest)", default::WARRANTY)
    )]
    pub warranty: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_FONT",
        global = true,
        help = with_default("TrueType/OpenType font file for generated images such as the welcome card", default::FONT)
    )]
    pub font: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DAILY_DIGEST_CRON",
        global = true,
        help = with_default("When supervisors get the daily digest (cron with seconds, project time zone)", default::DAILY_DIGEST_CRON)
    )]
    pub daily_digest_cron: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_DIGEST_CHAT",
        global = true,
        help = "Optional group chat id (negative) that gets the daily digest too"
    )]
    pub digest_chat: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_LOG",
        global = true,
        help = with_default("Log filter (tracing EnvFilter syntax)", default::LOG)
    )]
    pub log: Option<String>,

    #[arg(
        long,
        env = "HANDOVER_LOG_FORMAT",
        global = true,
        help = with_default("Log line format: text, or json (one object per line) for log collectors", default::LOG_FORMAT)
    )]
    pub log_format: Option<String>,
}

/// Built-in defaults: `Config::resolve` applies them and `--help` shows them. Where a default
/// depends on other settings or on the machine, the text says what happens.
pub mod default {
    pub const DATABASE_URL: &str = "sqlite://data/handover.db";
    pub const TELEGRAM_API_URL: &str = "https://api.telegram.org";
    pub const BOT_USERNAME: &str = "asked from Telegram";
    pub const TIMEZONE: &str = "Asia/Shanghai";
    pub const DEFAULT_LANGUAGE: &str = "zh-CN";
    pub const MEDIA_DIR: &str = "data/media";
    pub const PHONE_REGION: &str = "CN";
    pub const PROJECT: &str = "default";
    pub const INVITE_TTL_HOURS: &str = "72";
    pub const MAX_IMPORT_BYTES: &str = "10485760";
    pub const UPLOADS_PER_DAY: &str = "100";
    pub const UPLOAD_BYTES_PER_DAY: &str = "209715200";
    pub const WEBHOOK_SECRET: &str = "random per start";
    /// Where the webhook's server listens when a webhook is set.
    pub const WEBHOOK_LISTEN_ADDR: &str = "0.0.0.0:8080";
    pub const LISTEN_ADDR: &str = "0.0.0.0:8080 with a webhook, none when polling";
    pub const METRICS_ADDR: &str = "127.0.0.1:9090";
    pub const INSTANCE_ID: &str =
        "the host name (a container's id), with the listen port in webhook mode";
    pub const MESSAGES_PER_SEC_CHAT: &str = "1";
    pub const MESSAGES_PER_SEC_OVERALL: &str = "30";
    pub const HOUSEKEEPING_CRON: &str = "0 30 3 * * *";
    pub const CLAIM_LEASE_SECS: &str = "120";
    pub const REMINDERS: &str = "24h,2h";
    pub const NUDGE_AFTER_HOURS: &str = "48";
    pub const CHANGE_CUTOFF_HOURS: &str = "12";
    pub const NO_SHOW_GRACE_MINUTES: &str = "30";
    pub const KEY_BUYERS_LATE: &str = "true";
    pub const MEETING_POINT: &str = "the project's handover centre";
    pub const FIX_DAYS: &str = "urgent=1,high=3,normal=7,low=28";
    pub const CONFIRM_FIX_DAYS: &str = "3";
    pub const DEFECT_SWEEP_CRON: &str = "0 0 8-20 * * *";
    pub const KEY_KINDS: &str = "entrance_door,mailbox,access_card";
    pub const METERS: &str = "water,electricity,gas";
    pub const DOCUMENTS: &str = "quality_guarantee,usage_manual";
    pub const FOLLOW_UPS: &str = "1=thanks,7=check,30=survey,90=checkin,180=checkin,330=year_end";
    pub const FOLLOW_UP_TIME: &str = "10:00";
    pub const DIGEST_EVERY_DAYS: &str = "7";
    pub const COMPLAINT_ACK_HOURS: &str = "24";
    pub const GROUP_COMPLAINT_HOUSEHOLDS: &str = "3";
    pub const GROUP_COMPLAINT_DAYS: &str = "7";
    pub const WARRANTY: &str = "leakage=5y,*=2y";
    pub const FONT: &str = "the bundled WenQuanYi Micro Hei";
    pub const DAILY_DIGEST_CRON: &str = "0 0 9 * * *";
    pub const LOG: &str = "info";
    pub const LOG_FORMAT: &str = "text";
}

/// A setting's help text followed by its default, as `--help` shows it.
fn with_default(help: &str, default: &str) -> String {
    format!("{help} [default: {default}]")
}

/// How log lines are written: for people, or one JSON object per line for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// "24h,2h" → [24 h, 2 h]; units m, h, d.
fn parse_offsets(
    value: Option<String>,
    variable: &str,
) -> Result<Vec<chrono::Duration>, ConfigError> {
    let text = non_empty(value).unwrap_or_else(|| default::REMINDERS.to_string());
    text.split(',')
        .map(|part| {
            let part = part.trim();
            // The unit is the last character, which need not be one byte ("2小时").
            let unit_at = part.char_indices().last().map_or(0, |(at, _)| at);
            let (number, unit) = part.split_at(unit_at);
            let n: i64 = number
                .parse()
                .ok()
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| bad(variable, format!("{part:?} is not like 24h, 90m or 2d")))?;
            match unit {
                "m" => Ok(chrono::Duration::minutes(n)),
                "h" => Ok(chrono::Duration::hours(n)),
                "d" => Ok(chrono::Duration::days(n)),
                _ => Err(bad(
                    variable,
                    format!("{part:?} is not like 24h, 90m or 2d"),
                )),
            }
        })
        .collect()
}

/// A bot token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The resolved, validated configuration. Its `Debug` output hides the token and any password
/// in the database URL.
#[derive(Clone)]
pub struct Config {
    pub bot_token: Option<Secret>,
    pub database_url: String,
    pub telegram_api_url: url::Url,
    pub bot_username: Option<String>,
    pub timezone: Tz,
    pub default_language: Lang,
    pub media_dir: PathBuf,
    pub phone_region: phonenumber::country::Id,
    pub project: String,
    pub invite_ttl: chrono::Duration,
    pub max_import_bytes: u64,
    /// Uploads (count, bytes) one person may send per day in the project's time zone.
    pub uploads_per_day: u32,
    pub upload_bytes_per_day: u64,
    /// Webhook mode when set; long polling otherwise.
    pub webhook_url: Option<url::Url>,
    pub webhook_secret: Option<Secret>,
    /// Where the webhook's HTTP server listens (with a webhook only).
    pub listen_addr: Option<std::net::SocketAddr>,
    /// Where /healthz and /metrics are served (none: not at all).
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// This instance's name, recorded with its claims (outbox rows, jobs, inbox updates, chats'
    /// turns) so that it takes them back at once when it starts again.
    pub instance_id: String,
    /// Sending pace the bot keeps to (Telegram's limits).
    pub messages_per_sec_chat: u32,
    pub messages_per_sec_overall: u32,
    /// Cron expression of the daily clean-up of old bookkeeping rows.
    pub housekeeping_cron: String,
    /// How long a claimed outbox row or job stays with the instance that claimed it.
    pub claim_lease: chrono::Duration,
    /// Appointments: reminders before a visit, the nudge delay, the change cutoff, the no-show
    /// grace, whether key buyers get late slots, and where buyers go.
    pub reminders: Vec<chrono::Duration>,
    pub nudge_after: chrono::Duration,
    pub change_cutoff: chrono::Duration,
    pub no_show_grace: chrono::Duration,
    pub key_buyers_late: bool,
    pub meeting_point: Option<String>,
    /// Remediation: fix deadlines, the buyer's time to check a fix, the deadline sweep, and the
    /// outbound webhook of defect changes.
    pub fix_deadlines: crate::domain::remediation::FixDeadlines,
    pub confirm_fix_within: chrono::Duration,
    pub defect_sweep_cron: String,
    pub defect_webhook_url: Option<url::Url>,
    pub defect_webhook_secret: Option<Secret>,
    /// Handover and after: the checklist, the follow-up cadence, complaint acknowledgement and
    /// group-complaint detection, warranty periods, and the font for generated images.
    pub checklist: crate::domain::aftercare::Checklist,
    pub cadence: crate::domain::aftercare::Cadence,
    pub complaint_ack: chrono::Duration,
    pub group_complaints: crate::domain::aftercare::GroupRule,
    pub warranty: crate::domain::aftercare::Warranty,
    pub font: Option<PathBuf>,
    /// Supervisors' daily digest: when, and an optional group chat that gets it too.
    pub daily_digest_cron: String,
    pub digest_chat: Option<i64>,
    pub log: String,
    pub log_format: LogFormat,
    /// How long one getUpdates long poll waits on Telegram's side.
    pub poll_timeout: Duration,
    /// How long any other Bot API request may take before it counts as failed.
    pub request_timeout: Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bot_token", &self.bot_token)
            .field(
                "database_url",
                &crate::store::redact_url(&self.database_url),
            )
            .field("telegram_api_url", &self.telegram_api_url)
            .field("bot_username", &self.bot_username)
            .field("timezone", &self.timezone)
            .field("default_language", &self.default_language)
            .field("media_dir", &self.media_dir)
            .field("phone_region", &self.phone_region)
            .field("project", &self.project)
            .field("invite_ttl", &self.invite_ttl)
            .field("max_import_bytes", &self.max_import_bytes)
            .field("uploads_per_day", &self.uploads_per_day)
            .field("upload_bytes_per_day", &self.upload_bytes_per_day)
            .field("messages_per_sec_chat", &self.messages_per_sec_chat)
            .field("messages_per_sec_overall", &self.messages_per_sec_overall)
            .field("housekeeping_cron", &self.housekeeping_cron)
            .field("claim_lease", &self.claim_lease)
            .field("reminders", &self.reminders)
            .field("nudge_after", &self.nudge_after)
            .field("change_cutoff", &self.change_cutoff)
            .field("no_show_grace", &self.no_show_grace)
            .field("key_buyers_late", &self.key_buyers_late)
            .field("meeting_point", &self.meeting_point)
            .field("fix_deadlines", &self.fix_deadlines)
            .field("confirm_fix_within", &self.confirm_fix_within)
            .field("defect_sweep_cron", &self.defect_sweep_cron)
            .field("defect_webhook_url", &self.defect_webhook_url)
            .field("defect_webhook_secret", &self.defect_webhook_secret)
            .field("checklist", &self.checklist)
            .field("cadence", &self.cadence)
            .field("complaint_ack", &self.complaint_ack)
            .field("group_complaints", &self.group_complaints)
            .field("warranty", &self.warranty)
            .field("font", &self.font)
            .field("daily_digest_cron", &self.daily_digest_cron)
            .field("digest_chat", &self.digest_chat)
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .field("poll_timeout", &self.poll_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// A setting that is missing or wrong, named as the person set it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: String,
    pub message: String,
}

fn bad(variable: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable: variable.to_string(),
        message: message.into(),
    }
}

impl Settings {
    /// Reads a TOML file of the same settings (snake_case keys).
    pub fn from_toml_file(path: &std::path::Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            bad(
                "HANDOVER_CONFIG",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        toml::from_str(&text).map_err(|e| {
            bad(
                "HANDOVER_CONFIG",
                format!("{}: {}", path.display(), e.message()),
            )
        })
    }

    /// Fills every setting still unset from `fallback`.
    pub fn or(self, fallback: Settings) -> Settings {
        Settings {
            bot_token: self.bot_token.or(fallback.bot_token),
            database_url: self.database_url.or(fallback.database_url),
            telegram_api_url: self.telegram_api_url.or(fallback.telegram_api_url),
            bot_username: self.bot_username.or(fallback.bot_username),
            timezone: self.timezone.or(fallback.timezone),
            default_language: self.default_language.or(fallback.default_language),
            media_dir: self.media_dir.or(fallback.media_dir),
            phone_region: self.phone_region.or(fallback.phone_region),
            project: self.project.or(fallback.project),
            invite_ttl_hours: self.invite_ttl_hours.or(fallback.invite_ttl_hours),
            max_import_bytes: self.max_import_bytes.or(fallback.max_import_bytes),
            uploads_per_day: self.uploads_per_day.or(fallback.uploads_per_day),
            upload_bytes_per_day: self.upload_bytes_per_day.or(fallback.upload_bytes_per_day),
            webhook_url: self.webhook_url.or(fallback.webhook_url),
            webhook_secret: self.webhook_secret.or(fallback.webhook_secret),
            listen_addr: self.listen_addr.or(fallback.listen_addr),
            metrics_addr: self.metrics_addr.or(fallback.metrics_addr),
            instance_id: self.instance_id.or(fallback.instance_id),
            messages_per_sec_chat: self
                .messages_per_sec_chat
                .or(fallback.messages_per_sec_chat),
            messages_per_sec_overall: self
                .messages_per_sec_overall
                .or(fallback.messages_per_sec_overall),
            housekeeping_cron: self.housekeeping_cron.or(fallback.housekeeping_cron),
            claim_lease_secs: self.claim_lease_secs.or(fallback.claim_lease_secs),
            reminders: self.reminders.or(fallback.reminders),
            nudge_after_hours: self.nudge_after_hours.or(fallback.nudge_after_hours),
            change_cutoff_hours: self.change_cutoff_hours.or(fallback.change_cutoff_hours),
            no_show_grace_minutes: self
                .no_show_grace_minutes
                .or(fallback.no_show_grace_minutes),
            key_buyers_late: self.key_buyers_late.or(fallback.key_buyers_late),
            meeting_point: self.meeting_point.or(fallback.meeting_point),
            fix_days: self.fix_days.or(fallback.fix_days),
            confirm_fix_days: self.confirm_fix_days.or(fallback.confirm_fix_days),
            defect_sweep_cron: self.defect_sweep_cron.or(fallback.defect_sweep_cron),
            defect_webhook_url: self.defect_webhook_url.or(fallback.defect_webhook_url),
            defect_webhook_secret: self
                .defect_webhook_secret
                .or(fallback.defect_webhook_secret),
            key_kinds: self.key_kinds.or(fallback.key_kinds),
            meters: self.meters.or(fallback.meters),
            documents: self.documents.or(fallback.documents),
            follow_ups: self.follow_ups.or(fallback.follow_ups),
            follow_up_time: self.follow_up_time.or(fallback.follow_up_time),
            digest_every_days: self.digest_every_days.or(fallback.digest_every_days),
            complaint_ack_hours: self.complaint_ack_hours.or(fallback.complaint_ack_hours),
            group_complaint_households: self
                .group_complaint_households
                .or(fallback.group_complaint_households),
            group_complaint_days: self.group_complaint_days.or(fallback.group_complaint_days),
            warranty: self.warranty.or(fallback.warranty),
            font: self.font.or(fallback.font),
            daily_digest_cron: self.daily_digest_cron.or(fallback.daily_digest_cron),
            digest_chat: self.digest_chat.or(fallback.digest_chat),
            log: self.log.or(fallback.log),
            log_format: self.log_format.or(fallback.log_format),
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl Config {
    /// Applies defaults and validates every setting.
    pub fn resolve(settings: Settings) -> Result<Config, ConfigError> {
        let bot_token = non_empty(settings.bot_token).map(Secret);
        if let Some(token) = &bot_token {
            // BotFather tokens look like 123456789:AA…; anything else is a copy-paste mistake.
            let valid = token.expose().split_once(':').is_some_and(|(id, rest)| {
                !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty()
            });
            if !valid {
                return Err(bad(
                    "HANDOVER_BOT_TOKEN",
                    "does not look like a bot token (expected <digits>:<secret> from @BotFather)",
                ));
            }
        }
        let database_url =
            non_empty(settings.database_url).unwrap_or_else(|| default::DATABASE_URL.to_string());
        if crate::store::DatabaseKind::of_url(&database_url).is_none() {
            return Err(bad(
                "HANDOVER_DATABASE_URL",
                format!(
                    "unsupported database URL {:?} (expected sqlite://PATH or postgres://USER@HOST/DATABASE)",
                    crate::store::redact_url(&database_url)
                ),
            ));
        }
        let api = non_empty(settings.telegram_api_url)
            .unwrap_or_else(|| default::TELEGRAM_API_URL.to_string());
        let telegram_api_url = url::Url::parse(&api)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                bad(
                    "HANDOVER_TELEGRAM_API_URL",
                    format!("not an http(s) URL: {api:?}"),
                )
            })?;
        let tz_name = non_empty(settings.timezone).unwrap_or_else(|| default::TIMEZONE.to_string());
        let timezone: Tz = tz_name.parse().map_err(|_| {
            bad(
                "HANDOVER_TIMEZONE",
                format!("unknown time zone {tz_name:?} (e.g. Asia/Shanghai)"),
            )
        })?;
        let lang_name = non_empty(settings.default_language)
            .unwrap_or_else(|| default::DEFAULT_LANGUAGE.to_string());
        let default_language: Lang = lang_name.parse().map_err(|_| {
            bad(
                "HANDOVER_DEFAULT_LANGUAGE",
                format!("unsupported language {lang_name:?} (zh-CN or en)"),
            )
        })?;
        let media_dir = PathBuf::from(
            non_empty(settings.media_dir).unwrap_or_else(|| default::MEDIA_DIR.to_string()),
        );
        let region_name =
            non_empty(settings.phone_region).unwrap_or_else(|| default::PHONE_REGION.to_string());
        let phone_region = crate::domain::phone::region(&region_name).ok_or_else(|| {
            bad(
                "HANDOVER_PHONE_REGION",
                format!("unknown region {region_name:?} (e.g. CN)"),
            )
        })?;
        let project = non_empty(settings.project).unwrap_or_else(|| default::PROJECT.to_string());
        let invite_ttl_hours: i64 = parse_number(
            settings.invite_ttl_hours,
            default::INVITE_TTL_HOURS,
            "HANDOVER_INVITE_TTL_HOURS",
            1,
            24 * 365,
        )?;
        let max_import_bytes: u64 = parse_number(
            settings.max_import_bytes,
            default::MAX_IMPORT_BYTES,
            "HANDOVER_MAX_IMPORT_BYTES",
            1024,
            20 * 1024 * 1024,
        )?;
        let webhook_url = match non_empty(settings.webhook_url) {
            None => None,
            Some(text) => Some(
                url::Url::parse(&text)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| {
                        bad(
                            "HANDOVER_WEBHOOK_URL",
                            format!("not an http(s) URL: {text:?}"),
                        )
                    })?,
            ),
        };
        let webhook_secret = match non_empty(settings.webhook_secret) {
            None => None,
            Some(secret) => {
                let valid = secret.len() <= 256
                    && secret
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !valid {
                    return Err(bad(
                        "HANDOVER_WEBHOOK_SECRET",
                        "must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
                    ));
                }
                Some(Secret(secret))
            }
        };
        let listen_addr = match non_empty(settings.listen_addr) {
            Some(text) => Some(text.parse().map_err(|_| {
                bad(
                    "HANDOVER_LISTEN_ADDR",
                    format!("not an address like 0.0.0.0:8080: {text:?}"),
                )
            })?),
            None if webhook_url.is_some() => Some(parse_default_addr(
                default::WEBHOOK_LISTEN_ADDR,
                "HANDOVER_LISTEN_ADDR",
            )?),
            None => None,
        };
        let metrics_addr = match non_empty(settings.metrics_addr) {
            Some(text) if text.eq_ignore_ascii_case("off") => None,
            Some(text) => Some(text.parse().map_err(|_| {
                bad(
                    "HANDOVER_METRICS_ADDR",
                    format!("not an address like 127.0.0.1:9090 (or off): {text:?}"),
                )
            })?),
            None => Some(parse_default_addr(
                default::METRICS_ADDR,
                "HANDOVER_METRICS_ADDR",
            )?),
        };
        let instance_id = match non_empty(settings.instance_id) {
            Some(id) => id,
            None => {
                let host = host_name();
                match (&webhook_url, listen_addr) {
                    (Some(_), Some(addr)) => format!("{host}:{}", addr.port()),
                    _ => host,
                }
            }
        };
        let bot_username =
            non_empty(settings.bot_username).map(|u| u.trim_start_matches('@').to_string());
        if non_empty(settings.defect_webhook_url.clone()).is_some()
            && non_empty(settings.defect_webhook_secret.clone()).is_none()
        {
            return Err(bad(
                "HANDOVER_DEFECT_WEBHOOK_SECRET",
                "is needed with HANDOVER_DEFECT_WEBHOOK_URL: the receiver checks each request's signature with it",
            ));
        }
        Ok(Config {
            bot_token,
            database_url,
            telegram_api_url,
            bot_username,
            webhook_url,
            webhook_secret,
            listen_addr,
            metrics_addr,
            instance_id,
            timezone,
            default_language,
            media_dir,
            phone_region,
            project,
            invite_ttl: chrono::Duration::hours(invite_ttl_hours),
            max_import_bytes,
            uploads_per_day: parse_number(
                settings.uploads_per_day,
                default::UPLOADS_PER_DAY,
                "HANDOVER_UPLOADS_PER_DAY",
                1,
                100_000,
            )?,
            upload_bytes_per_day: parse_number(
                settings.upload_bytes_per_day,
                default::UPLOAD_BYTES_PER_DAY,
                "HANDOVER_UPLOAD_BYTES_PER_DAY",
                1,
                1024 * 1024 * 1024 * 1024,
            )?,
            messages_per_sec_chat: parse_number(
                settings.messages_per_sec_chat,
                default::MESSAGES_PER_SEC_CHAT,
                "HANDOVER_MESSAGES_PER_SEC_CHAT",
                1,
                100,
            )?,
            messages_per_sec_overall: parse_number(
                settings.messages_per_sec_overall,
                default::MESSAGES_PER_SEC_OVERALL,
                "HANDOVER_MESSAGES_PER_SEC_OVERALL",
                1,
                1000,
            )?,
            housekeeping_cron: validate_cron(
                settings.housekeeping_cron,
                default::HOUSEKEEPING_CRON,
                "HANDOVER_HOUSEKEEPING_CRON",
            )?,
            claim_lease: chrono::Duration::seconds(i64::from(parse_number(
                settings.claim_lease_secs,
                default::CLAIM_LEASE_SECS,
                "HANDOVER_CLAIM_LEASE_SECS",
                2,
                3600,
            )?)),
            reminders: parse_offsets(settings.reminders, "HANDOVER_REMINDERS")?,
            nudge_after: chrono::Duration::hours(i64::from(parse_number(
                settings.nudge_after_hours,
                default::NUDGE_AFTER_HOURS,
                "HANDOVER_NUDGE_AFTER_HOURS",
                1,
                720,
            )?)),
            change_cutoff: chrono::Duration::hours(i64::from(parse_number(
                settings.change_cutoff_hours,
                default::CHANGE_CUTOFF_HOURS,
                "HANDOVER_CHANGE_CUTOFF_HOURS",
                0,
                720,
            )?)),
            no_show_grace: chrono::Duration::minutes(i64::from(parse_number(
                settings.no_show_grace_minutes,
                default::NO_SHOW_GRACE_MINUTES,
                "HANDOVER_NO_SHOW_GRACE_MINUTES",
                1,
                1440,
            )?)),
            key_buyers_late: match non_empty(settings.key_buyers_late)
                .as_deref()
                .unwrap_or(default::KEY_BUYERS_LATE)
            {
                "true" | "yes" | "1" | "on" => true,
                "false" | "no" | "0" | "off" => false,
                other => {
                    return Err(bad(
                        "HANDOVER_KEY_BUYERS_LATE",
                        format!("{other:?} is not true or false"),
                    ));
                }
            },
            meeting_point: non_empty(settings.meeting_point),
            fix_deadlines: crate::domain::remediation::FixDeadlines::parse(
                &non_empty(settings.fix_days).unwrap_or_else(|| default::FIX_DAYS.to_string()),
            )
            .map_err(|e| bad("HANDOVER_FIX_DAYS", e))?,
            confirm_fix_within: chrono::Duration::days(i64::from(parse_number(
                settings.confirm_fix_days,
                default::CONFIRM_FIX_DAYS,
                "HANDOVER_CONFIRM_FIX_DAYS",
                1,
                60,
            )?)),
            defect_sweep_cron: validate_cron(
                settings.defect_sweep_cron,
                default::DEFECT_SWEEP_CRON,
                "HANDOVER_DEFECT_SWEEP_CRON",
            )?,
            defect_webhook_url: match non_empty(settings.defect_webhook_url) {
                None => None,
                Some(text) => Some(
                    url::Url::parse(&text)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"))
                        .ok_or_else(|| {
                            bad(
                                "HANDOVER_DEFECT_WEBHOOK_URL",
                                format!("{text:?} is not an http(s) URL"),
                            )
                        })?,
                ),
            },
            defect_webhook_secret: non_empty(settings.defect_webhook_secret).map(Secret),
            checklist: {
                let list = |value: Option<String>, variable: &str, default: &str| {
                    crate::domain::aftercare::parse_items(
                        &non_empty(value).unwrap_or_else(|| default.to_string()),
                    )
                    .map_err(|e| bad(variable, e))
                };
                crate::domain::aftercare::Checklist {
                    key_kinds: list(settings.key_kinds, "HANDOVER_KEY_KINDS", default::KEY_KINDS)?,
                    meters: list(settings.meters, "HANDOVER_METERS", default::METERS)?,
                    documents: list(settings.documents, "HANDOVER_DOCUMENTS", default::DOCUMENTS)?,
                }
            },
            cadence: crate::domain::aftercare::Cadence {
                steps: crate::domain::aftercare::Cadence::parse_steps(
                    &non_empty(settings.follow_ups)
                        .unwrap_or_else(|| default::FOLLOW_UPS.to_string()),
                )
                .map_err(|e| bad("HANDOVER_FOLLOW_UPS", e))?,
                at: {
                    let text = non_empty(settings.follow_up_time)
                        .unwrap_or_else(|| default::FOLLOW_UP_TIME.to_string());
                    chrono::NaiveTime::parse_from_str(&text, "%H:%M").map_err(|_| {
                        bad("HANDOVER_FOLLOW_UP_TIME", format!("{text:?} is not HH:MM"))
                    })?
                },
                digest_every: parse_number(
                    settings.digest_every_days,
                    default::DIGEST_EVERY_DAYS,
                    "HANDOVER_DIGEST_EVERY_DAYS",
                    0,
                    90,
                )?,
            },
            complaint_ack: chrono::Duration::hours(i64::from(parse_number(
                settings.complaint_ack_hours,
                default::COMPLAINT_ACK_HOURS,
                "HANDOVER_COMPLAINT_ACK_HOURS",
                1,
                720,
            )?)),
            group_complaints: crate::domain::aftercare::GroupRule {
                households: parse_number(
                    settings.group_complaint_households,
                    default::GROUP_COMPLAINT_HOUSEHOLDS,
                    "HANDOVER_GROUP_COMPLAINT_HOUSEHOLDS",
                    2,
                    1000,
                )?,
                within: chrono::Duration::days(i64::from(parse_number(
                    settings.group_complaint_days,
                    default::GROUP_COMPLAINT_DAYS,
                    "HANDOVER_GROUP_COMPLAINT_DAYS",
                    1,
                    365,
                )?)),
            },
            warranty: crate::domain::aftercare::Warranty::parse(
                &non_empty(settings.warranty).unwrap_or_else(|| default::WARRANTY.to_string()),
            )
            .map_err(|e| bad("HANDOVER_WARRANTY", e))?,
            font: non_empty(settings.font).map(PathBuf::from),
            daily_digest_cron: validate_cron(
                settings.daily_digest_cron,
                default::DAILY_DIGEST_CRON,
                "HANDOVER_DAILY_DIGEST_CRON",
            )?,
            digest_chat: match non_empty(settings.digest_chat) {
                None => None,
                Some(text) => Some(text.parse::<i64>().map_err(|_| {
                    bad(
                        "HANDOVER_DIGEST_CHAT",
                        format!("{text:?} is not a Telegram chat id (a group's id is negative)"),
                    )
                })?),
            },
            log: non_empty(settings.log).unwrap_or_else(|| default::LOG.to_string()),
            log_format: match non_empty(settings.log_format)
                .as_deref()
                .unwrap_or(default::LOG_FORMAT)
            {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(bad(
                        "HANDOVER_LOG_FORMAT",
                        format!("{other:?} is not text or json"),
                    ));
                }
            },
            poll_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        })
    }

    /// The outbound defect feed's address and signing key, when one is configured.
    pub fn defect_feed(&self) -> Option<(url::Url, Secret)> {
        Some((
            self.defect_webhook_url.clone()?,
            self.defect_webhook_secret.clone()?,
        ))
    }

    /// The token, or the one-line error that names the variable to set.
    pub fn require_token(&self) -> Result<&Secret, ConfigError> {
        self.bot_token.as_ref().ok_or_else(|| {
            bad(
                "HANDOVER_BOT_TOKEN",
                "is not set; get a token from @BotFather and export HANDOVER_BOT_TOKEN=<token>",
            )
        })
    }

    /// A configuration for tests and tools: defaults everywhere, this database and API.
    pub fn for_database(database_url: &str) -> Config {
        let mut config = Config::resolve(Settings::default()).expect("defaults are valid");
        config.database_url = database_url.to_string();
        config
    }
}

/// The machine's name (a container's id in Docker), for the default instance id.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| {
            std::fs::read_to_string(path)
                .ok()
                .map(|name| name.trim().to_string())
                .filter(|name| !name.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

fn validate_cron(
    value: Option<String>,
    default: &str,
    variable: &str,
) -> Result<String, ConfigError> {
    let expression = non_empty(value).unwrap_or_else(|| default.to_string());
    expression.parse::<cron::Schedule>().map_err(|e| {
        bad(
            variable,
            format!("{expression:?} is not a cron expression with seconds ({e})"),
        )
    })?;
    Ok(expression)
}

/// A whole number from `min` to `max`; `default` (checked the same way) when unset.
fn parse_number<T>(
    value: Option<String>,
    default: &str,
    variable: &str,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let text = non_empty(value).unwrap_or_else(|| default.to_string());
    match text.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(bad(
            variable,
            format!("{text:?} is not a whole number from {min} to {max}"),
        )),
    }
}

/// A built-in default address, named by the variable that overrides it.
fn parse_default_addr(text: &str, variable: &str) -> Result<std::net::SocketAddr, ConfigError> {
    text.parse()
        .map_err(|_| bad(variable, format!("{text:?} is not an address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let config = Config::resolve(Settings::default()).unwrap();
        assert_eq!(config.database_url, "sqlite://data/handover.db");
        assert_eq!(config.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(config.default_language, Lang::ZhCn);
        assert!(config.bot_token.is_none());
    }

    #[test]
    fn the_defaults_shown_in_help_are_the_rules_built_in_defaults() {
        use crate::domain::aftercare::{Cadence, Checklist, GroupRule, Warranty};
        let config = Config::resolve(Settings::default()).unwrap();
        assert_eq!(config.checklist, Checklist::default());
        assert_eq!(config.cadence, Cadence::default());
        assert_eq!(config.warranty, Warranty::default());
        assert_eq!(config.group_complaints, GroupRule::default());
        assert_eq!(
            config.fix_deadlines,
            crate::domain::remediation::FixDeadlines::default()
        );
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.listen_addr, None);
        assert_eq!(
            config.metrics_addr,
            Some(std::net::SocketAddr::from(([127, 0, 0, 1], 9090)))
        );
        let webhook = Config::resolve(Settings {
            webhook_url: Some("https://bot.example/hook".into()),
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(
            webhook.listen_addr,
            Some(std::net::SocketAddr::from(([0, 0, 0, 0], 8080)))
        );
    }

    #[test]
    fn the_database_is_chosen_by_the_url_scheme() {
        for url in [
            "sqlite://data/handover.db",
            "postgres://postgres@127.0.0.1:5432/handover",
            "postgresql://bot@db/handover",
        ] {
            let config = Config::resolve(Settings {
                database_url: Some(url.into()),
                ..Settings::default()
            })
            .unwrap();
            assert_eq!(config.database_url, url);
        }
        let err = Config::resolve(Settings {
            database_url: Some("mysql://root:hunter2@db/handover".into()),
            ..Settings::default()
        })
        .unwrap_err();
        assert_eq!(err.variable, "HANDOVER_DATABASE_URL");
        assert!(!err.message.contains("hunter2"), "{}", err.message);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Config::resolve(Settings {
            timezone: Some("Mars/Base".into()),
            ..Settings::default()
        })
        .unwrap_err();
        assert_eq!(err.variable, "HANDOVER_TIMEZONE");
        let err = Config::resolve(Settings {
            invite_ttl_hours: Some("soon".into()),
            ..Settings::default()
        })
        .unwrap_err();
        assert_eq!(err.variable, "HANDOVER_INVITE_TTL_HOURS");
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let config = Config::resolve(Settings {
            bot_token: Some("123456:SECRET-VALUE".into()),
            ..Settings::default()
        })
        .unwrap();
        assert!(!format!("{config:?}").contains("SECRET-VALUE"));
        let config = Config::resolve(Settings {
            database_url: Some("postgres://bot:DB-PASSWORD@db.example/handover".into()),
            ..Settings::default()
        })
        .unwrap();
        assert!(!format!("{config:?}").contains("DB-PASSWORD"));
        assert!(
            Config::resolve(Settings::default())
                .unwrap()
                .require_token()
                .is_err()
        );
    }

    #[test]
    fn command_line_and_environment_win_over_the_file() {
        let merged = Settings {
            timezone: Some("Europe/London".into()),
            ..Settings::default()
        }
        .or(Settings {
            timezone: Some("Asia/Tokyo".into()),
            project: Some("harbour".into()),
            ..Settings::default()
        });
        let config = Config::resolve(merged).unwrap();
        assert_eq!(config.timezone, chrono_tz::Europe::London);
        assert_eq!(config.project, "harbour");
    }
}
