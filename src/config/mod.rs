//! Configuration: the settings an operator gives ([`settings`]: each defined once, with its
//! flag, variable, config-file key, help and default) and their resolution into the typed
//! [`Config`] ([`load`]: built-in defaults, then the TOML file, then the environment, then the
//! command line, each layer over the one before, and then validation naming the variable of
//! any bad value).

mod load;
pub mod settings;

use crate::domain::people::Lang;
use chrono_tz::Tz;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use load::load;
pub use settings::{Settings, default};

/// How log lines are written: for people, or one JSON object per line for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A bot token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// How to reach S3 (AWS or any S3-compatible server): the `HANDOVER_S3_*` settings.
#[derive(Clone)]
pub struct S3Access {
    /// The server's address; none for AWS itself.
    pub endpoint: Option<String>,
    /// None: the usual AWS settings decide (`AWS_REGION`, else us-east-1).
    pub region: Option<String>,
    /// Both or neither; neither: the usual AWS credentials (environment, profile, role).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    /// The bucket in the path (`https://host/bucket/key`) rather than the host name.
    pub path_style: bool,
}

impl fmt::Debug for S3Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Access")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("path_style", &self.path_style)
            .finish()
    }
}

/// An S3 bucket and the prefix under which the media are kept, with how to reach it.
#[derive(Clone, Debug)]
pub struct MediaBucket {
    pub bucket: String,
    /// Without leading or trailing slashes; empty for the bucket's root.
    pub prefix: String,
    pub access: S3Access,
}

impl MediaBucket {
    /// The bucket as `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    /// Reads `s3://bucket[/prefix]`, reached with `access`.
    pub fn parse(url: &str, access: S3Access) -> Result<MediaBucket, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("{url:?} is no URL: {e}"))?;
        if parsed.scheme() != "s3" {
            return Err(format!("{url:?} is not s3://bucket/prefix"));
        }
        let bucket = parsed.host_str().unwrap_or_default().to_string();
        if bucket.is_empty() {
            return Err(format!("{url:?} names no bucket (s3://bucket/prefix)"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(format!(
                "{url:?}: give the S3 settings as HANDOVER_S3_*, not in the URL"
            ));
        }
        let prefix = parsed.path().trim_matches('/').to_string();
        if prefix.split('/').any(|part| part == "." || part == "..") {
            return Err(format!("{url:?}: the prefix may not hold . or .."));
        }
        Ok(MediaBucket {
            bucket,
            prefix,
            access,
        })
    }
}

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

/// Whether a handover waits for the buyer's signature in the Mini App.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRule {
    /// The handover completes when the buyer signs; the confirmation button is not offered.
    Required,
    /// Signing is offered beside the confirmation button, which still completes it.
    Optional,
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
    /// The bucket photos and documents are kept in (`media_dir` is then this instance's cache of
    /// them); none: `media_dir` itself holds them.
    pub media_bucket: Option<MediaBucket>,
    /// How to reach S3, for the media bucket and for `media migrate --to`.
    pub s3: S3Access,
    /// How long a failing write to or read from the bucket is retried before it counts as failed.
    pub media_retry_for: Duration,
    pub phone_region: phonenumber::country::Id,
    pub project: String,
    pub invite_ttl: chrono::Duration,
    pub max_import_bytes: u64,
    /// Uploads (count, bytes) one buyer (or stranger) may send per day in the project's time zone;
    /// staff are not limited.
    pub uploads_per_day: u32,
    pub upload_bytes_per_day: u64,
    /// Webhook mode when set; long polling otherwise.
    pub webhook_url: Option<url::Url>,
    pub webhook_secret: Option<Secret>,
    /// Where the public HTTP server listens (with a webhook or the Mini App).
    pub listen_addr: Option<std::net::SocketAddr>,
    /// The Mini App: the public HTTPS base its pages are reached at (none: no Mini App), whether
    /// the buyer's signature is required to complete a handover, and how old a page's login may be.
    pub public_url: Option<url::Url>,
    pub signature: SignatureRule,
    pub init_data_max_age: chrono::Duration,
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
    /// Days before the first inspection slot that a risk without a response is chased.
    pub risk_chase_days: u32,
    /// Days before the first inspection slot that a key household's early call is due.
    pub precontact_days: u32,
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
    /// Expert consultation: how long experts have before the supervisors are told.
    pub consult_within: chrono::Duration,
    /// What the decision group is told of besides complaints: a defect past due for this many
    /// days, a day whose no-shows reach this share of its visits.
    pub incident_overdue_days: u32,
    pub incident_no_show_percent: u32,
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
            .field("media_bucket", &self.media_bucket)
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
            .field("risk_chase_days", &self.risk_chase_days)
            .field("precontact_days", &self.precontact_days)
            .field("defect_sweep_cron", &self.defect_sweep_cron)
            .field("public_url", &self.public_url)
            .field("signature", &self.signature)
            .field("init_data_max_age", &self.init_data_max_age)
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
