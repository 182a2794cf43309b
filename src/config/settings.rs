//! The settings an operator gives: each one defined once below, with its help text, its
//! default and its environment variable. The command-line flag (`--bot-token`), the variable
//! (`HANDOVER_BOT_TOKEN`), the config-file key (`bot_token`), `--help` and the built-in
//! defaults layer of the loader all come from that one definition.
//!
//! Values stay text here: [`super::load`] layers them and then validates each, so that an error
//! quotes what the person typed and names the variable they set.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One setting as defined below, for the loader and for anything that lists the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The config-file key, also the flag's name with dashes.
    pub key: &'static str,
    pub variable: &'static str,
    pub help: &'static str,
    /// The value used when the setting is given nowhere; `None` when the default is not a
    /// value but a rule (then `shown` says it in words, and validation applies the rule).
    pub default: Option<&'static str>,
    /// What `--help` names as the default.
    pub shown: Option<&'static str>,
    /// Kept out of `--help`'s environment values and out of `Debug`.
    pub secret: bool,
}

/// Defines every setting once: the `Settings` struct (clap flags with their variables, serde
/// keys for the file), the `default` constants and the `ALL` table.
macro_rules! settings {
    ($(
        $field:ident {
            env: $env:literal,
            $(secret: $secret:literal,)?
            help: $help:literal,
            $(default: $DEFAULT:ident = $default:literal,)?
            $(shown: $SHOWN:ident = $shown:literal,)?
        }
    )*) => {
        /// Every setting the application reads, as given (text, all optional): on the command
        /// line, in the environment, or in the config file.
        #[derive(Clone, Default, PartialEq, Eq, clap::Args, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct Settings {
            $(
                #[arg(
                    long,
                    env = $env,
                    hide_env_values = is_secret(&[$($secret)?]),
                    global = true,
                    help = describe($help, first(&[$($default)? $($shown)?])),
                )]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )*
        }

        /// Built-in defaults, as `--help` shows them. Where a default depends on other settings
        /// or on the machine, the text says what happens.
        pub mod default {
            $($(pub const $DEFAULT: &str = $default;)?)*
            $($(pub const $SHOWN: &str = $shown;)?)*
        }

        /// Every setting, in `--help`'s order.
        pub const ALL: &[Setting] = &[$(
            Setting {
                key: stringify!($field),
                variable: $env,
                help: $help,
                default: first(&[$($default)?]),
                shown: first(&[$($default)? $($shown)?]),
                secret: is_secret(&[$($secret)?]),
            },
        )*];

        impl Settings {
            /// The layer under all others: every default that is a value.
            pub fn builtin() -> Settings {
                Settings {
                    $($field: first(&[$($default)?]).map(str::to_string),)*
                }
            }

            /// Each setting's definition with its value, in `ALL`'s order.
            pub fn values(&self) -> [(&'static Setting, Option<&str>); ALL.len()] {
                let mut at = 0;
                [$({
                    at += 1;
                    (&ALL[at - 1], self.$field.as_deref())
                },)*]
            }
        }
    };
}

const fn first(values: &[&'static str]) -> Option<&'static str> {
    match values {
        [value, ..] => Some(value),
        [] => None,
    }
}

const fn is_secret(flags: &[bool]) -> bool {
    matches!(flags, [true])
}

/// A setting's help text followed by its default, as `--help` shows it.
fn describe(help: &str, default: Option<&str>) -> String {
    match default {
        Some(default) => format!("{help} [default: {default}]"),
        None => help.to_string(),
    }
}

settings! {
    bot_token {
        env: "HANDOVER_BOT_TOKEN",
        secret: true,
        help: "Bot token from @BotFather; required to run, never logged or printed",
    }
    database_url {
        env: "HANDOVER_DATABASE_URL",
        secret: true,
        help: "Database, chosen by the scheme: sqlite://PATH (created if missing) or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (must exist)",
        default: DATABASE_URL = "sqlite://data/handover.db",
    }
    telegram_api_url {
        env: "HANDOVER_TELEGRAM_API_URL",
        help: "Bot API base URL",
        default: TELEGRAM_API_URL = "https://api.telegram.org",
    }
    bot_username {
        env: "HANDOVER_BOT_USERNAME",
        help: "Bot username used in invite links printed by the CLI",
        shown: BOT_USERNAME = "asked from Telegram",
    }
    timezone {
        env: "HANDOVER_TIMEZONE",
        help: "The project's IANA time zone for every date and time shown",
        default: TIMEZONE = "Asia/Shanghai",
    }
    default_language {
        env: "HANDOVER_DEFAULT_LANGUAGE",
        help: "Language for people who have not chosen one (zh-CN or en)",
        default: DEFAULT_LANGUAGE = "zh-CN",
    }
    media_dir {
        env: "HANDOVER_MEDIA_DIR",
        help: "Where photos and documents are stored; with a media URL, this instance's own cache of what it sends",
        default: MEDIA_DIR = "data/media",
    }
    media_url {
        env: "HANDOVER_MEDIA_URL",
        help: "Keeps photos and documents in an S3 bucket instead (s3://bucket/prefix), shared by instances on several hosts",
        shown: MEDIA_URL = "none: the media directory",
    }
    s3_endpoint {
        env: "HANDOVER_S3_ENDPOINT",
        help: "The S3 server's address for an on-premise or non-AWS store (MinIO, Ceph, OSS, COS), e.g. http://minio:9000",
        shown: S3_ENDPOINT = "AWS",
    }
    s3_region {
        env: "HANDOVER_S3_REGION",
        help: "The bucket's region",
        shown: S3_REGION = "AWS_REGION, else us-east-1",
    }
    s3_access_key_id {
        env: "HANDOVER_S3_ACCESS_KEY_ID",
        help: "The S3 access key; unset, the usual AWS credentials apply (AWS_ACCESS_KEY_ID, a profile's role)",
        shown: S3_ACCESS_KEY_ID = "from the environment",
    }
    s3_secret_access_key {
        env: "HANDOVER_S3_SECRET_ACCESS_KEY",
        secret: true,
        help: "The S3 secret key that goes with the access key",
    }
    s3_path_style {
        env: "HANDOVER_S3_PATH_STYLE",
        help: "Addresses the bucket in the path (MinIO and most on-premise servers) rather than the host name (true or false)",
        default: S3_PATH_STYLE = "true",
    }
    phone_region {
        env: "HANDOVER_PHONE_REGION",
        help: "Region for phone numbers written without a country code",
        default: PHONE_REGION = "CN",
    }
    project {
        env: "HANDOVER_PROJECT",
        help: "Project code for imported rows without a project column",
        default: PROJECT = "default",
    }
    invite_ttl_hours {
        env: "HANDOVER_INVITE_TTL_HOURS",
        help: "Hours an invite code stays valid",
        default: INVITE_TTL_HOURS = "72",
    }
    max_import_bytes {
        env: "HANDOVER_MAX_IMPORT_BYTES",
        help: "Largest import file accepted, in bytes (at most Telegram's 20 MB download limit)",
        default: MAX_IMPORT_BYTES = "10485760",
    }
    uploads_per_day {
        env: "HANDOVER_UPLOADS_PER_DAY",
        help: "Photos, voice notes and files one buyer may send the bot per day (project time zone); staff are not limited",
        default: UPLOADS_PER_DAY = "100",
    }
    upload_bytes_per_day {
        env: "HANDOVER_UPLOAD_BYTES_PER_DAY",
        help: "Bytes of photos, voice notes and files one buyer may send per day",
        default: UPLOAD_BYTES_PER_DAY = "209715200",
    }
    webhook_url {
        env: "HANDOVER_WEBHOOK_URL",
        help: "Receive updates by webhook at this public URL; unset: long polling",
    }
    webhook_secret {
        env: "HANDOVER_WEBHOOK_SECRET",
        secret: true,
        help: "Secret Telegram sends with every webhook request; set it when running several instances",
        shown: WEBHOOK_SECRET = "random per start",
    }
    listen_addr {
        env: "HANDOVER_LISTEN_ADDR",
        help: "Address of the public HTTP server (the webhook and the Mini App pages)",
        shown: LISTEN_ADDR = "0.0.0.0:8080 with a webhook or the Mini App, none otherwise",
    }
    public_url {
        env: "HANDOVER_PUBLIC_URL",
        help: "HTTPS address at which Telegram clients reach this bot's HTTP server; turns on the Mini App (signatures on the handover record, served under /app/); unset: no Mini App, every step by buttons",
    }
    signature {
        env: "HANDOVER_SIGNATURE",
        help: "With the Mini App: required (the handover completes when the buyer signs) or optional (the confirmation button still completes it)",
        default: SIGNATURE = "required",
    }
    init_data_max_age_secs {
        env: "HANDOVER_INIT_DATA_MAX_AGE_SECS",
        help: "Seconds a Mini App page's Telegram login (initData) stays valid",
        default: INIT_DATA_MAX_AGE_SECS = "3600",
    }
    metrics_addr {
        env: "HANDOVER_METRICS_ADDR",
        help: "Where /healthz and /metrics are served, apart from the webhook; off for none",
        default: METRICS_ADDR = "127.0.0.1:9090",
    }
    instance_id {
        env: "HANDOVER_INSTANCE_ID",
        help: "This instance's name, kept with what it claims; stable across restarts, unique among running instances",
        shown: INSTANCE_ID = "the host name (a container's id), with the listen port in webhook mode",
    }
    messages_per_sec_chat {
        env: "HANDOVER_MESSAGES_PER_SEC_CHAT",
        help: "Messages per second to one chat (Telegram allows about 1)",
        default: MESSAGES_PER_SEC_CHAT = "1",
    }
    messages_per_sec_overall {
        env: "HANDOVER_MESSAGES_PER_SEC_OVERALL",
        help: "Messages per second in all (Telegram allows about 30)",
        default: MESSAGES_PER_SEC_OVERALL = "30",
    }
    housekeeping_cron {
        env: "HANDOVER_HOUSEKEEPING_CRON",
        help: "When the daily clean-up runs (cron with seconds, project time zone)",
        default: HOUSEKEEPING_CRON = "0 30 3 * * *",
    }
    claim_lease_secs {
        env: "HANDOVER_CLAIM_LEASE_SECS",
        help: "Seconds an instance holds a message, job or update it claimed before another may take it over (after a crash)",
        default: CLAIM_LEASE_SECS = "120",
    }
    reminders {
        env: "HANDOVER_REMINDERS",
        help: "Reminders before each visit (units m, h, d)",
        default: REMINDERS = "24h,2h",
    }
    nudge_after_hours {
        env: "HANDOVER_NUDGE_AFTER_HOURS",
        help: "Hours after an invitation that a buyer who has not chosen a time is nudged once",
        default: NUDGE_AFTER_HOURS = "48",
    }
    change_cutoff_hours {
        env: "HANDOVER_CHANGE_CUTOFF_HOURS",
        help: "Buyers may move or cancel a booking until this many hours before it",
        default: CHANGE_CUTOFF_HOURS = "12",
    }
    no_show_grace_minutes {
        env: "HANDOVER_NO_SHOW_GRACE_MINUTES",
        help: "Minutes after a visit's start that a buyer not checked in is a no-show",
        default: NO_SHOW_GRACE_MINUTES = "30",
    }
    key_buyers_late {
        env: "HANDOVER_KEY_BUYERS_LATE",
        help: "Offer A+ and risk-flagged buyers only the later half of each day's slots (true or false)",
        default: KEY_BUYERS_LATE = "true",
    }
    meeting_point {
        env: "HANDOVER_MEETING_POINT",
        help: "Where buyers go, in confirmations, reminders and the calendar file",
        shown: MEETING_POINT = "the project's handover centre",
    }
    fix_days {
        env: "HANDOVER_FIX_DAYS",
        help: "Fix deadline per urgency, in days (any left out keep the default)",
        default: FIX_DAYS = "urgent=1,high=3,normal=7,low=28",
    }
    confirm_fix_days {
        env: "HANDOVER_CONFIRM_FIX_DAYS",
        help: "Days a buyer has to check a fix before their ambassador verifies it on their behalf",
        default: CONFIRM_FIX_DAYS = "3",
    }
    risk_chase_days {
        env: "HANDOVER_RISK_CHASE_DAYS",
        help: "Days before the first inspection slot that the owner of a risk still without a response is chased (once)",
        default: RISK_CHASE_DAYS = "3",
    }
    precontact_days {
        env: "HANDOVER_PRECONTACT_DAYS",
        help: "Days before the first inspection slot that an A+ or flagged household's early call is due",
        default: PRECONTACT_DAYS = "5",
    }
    defect_sweep_cron {
        env: "HANDOVER_DEFECT_SWEEP_CRON",
        help: "When the deadline sweeps run: engineers hear of items due today, supervisors of items past due, risk owners of missing responses, supervisors of early calls not made (cron with seconds, project time zone)",
        default: DEFECT_SWEEP_CRON = "0 0 8-20 * * *",
    }
    defect_webhook_url {
        env: "HANDOVER_DEFECT_WEBHOOK_URL",
        help: "Optional: every defect change is POSTed here as signed JSON (the developer's ERP or after-sales system)",
    }
    defect_webhook_secret {
        env: "HANDOVER_DEFECT_WEBHOOK_SECRET",
        secret: true,
        help: "Required with the defect webhook URL: the HMAC-SHA256 key that signs each request (X-Handover-Signature)",
    }
    key_kinds {
        env: "HANDOVER_KEY_KINDS",
        help: "Kinds of key the handover checklist counts (at most 10)",
        default: KEY_KINDS = "entrance_door,mailbox,access_card",
    }
    meters {
        env: "HANDOVER_METERS",
        help: "Meters whose reading and photo the handover checklist asks for",
        default: METERS = "water,electricity,gas",
    }
    documents {
        env: "HANDOVER_DOCUMENTS",
        help: "Documents handed over, ticked in the handover checklist",
        default: DOCUMENTS = "quality_guarantee,usage_manual",
    }
    follow_ups {
        env: "HANDOVER_FOLLOW_UPS",
        help: "Follow-up cadence: day after the buyer's confirmation = kind (thanks, check, survey, checkin, year_end)",
        default: FOLLOW_UPS = "1=thanks,7=check,30=survey,90=checkin,180=checkin,330=year_end",
    }
    follow_up_time {
        env: "HANDOVER_FOLLOW_UP_TIME",
        help: "Local time of day follow-ups go out (HH:MM)",
        default: FOLLOW_UP_TIME = "10:00",
    }
    digest_every_days {
        env: "HANDOVER_DIGEST_EVERY_DAYS",
        help: "Days between digests of a handed-over home's open defects (0: none)",
        default: DIGEST_EVERY_DAYS = "7",
    }
    complaint_ack_hours {
        env: "HANDOVER_COMPLAINT_ACK_HOURS",
        help: "Hours complaint reception has to acknowledge a complaint before it escalates to supervisors",
        default: COMPLAINT_ACK_HOURS = "24",
    }
    group_complaint_households {
        env: "HANDOVER_GROUP_COMPLAINT_HOUSEHOLDS",
        help: "Households of one building complaining about one topic that raise a group-complaint flag",
        default: GROUP_COMPLAINT_HOUSEHOLDS = "3",
    }
    group_complaint_days {
        env: "HANDOVER_GROUP_COMPLAINT_DAYS",
        help: "Days within which those households' complaints count as one group complaint",
        default: GROUP_COMPLAINT_DAYS = "7",
    }
    consult_hours {
        env: "HANDOVER_CONSULT_HOURS",
        help: "Hours the experts of a field have to answer a consultation before it goes to the supervisors",
        default: CONSULT_HOURS = "4",
    }
    incident_overdue_days {
        env: "HANDOVER_INCIDENT_OVERDUE_DAYS",
        help: "Days past its due date after which a defect becomes an incident for the decision group",
        default: INCIDENT_OVERDUE_DAYS = "3",
    }
    incident_no_show_percent {
        env: "HANDOVER_INCIDENT_NO_SHOW_PERCENT",
        help: "Share of a day's visits (at least 5) missed without notice that makes the day an incident for the decision group",
        default: INCIDENT_NO_SHOW_PERCENT = "30",
    }
    warranty {
        env: "HANDOVER_WARRANTY",
        help: "Warranty per defect category after handover (5y, 24m; * for the rest)",
        default: WARRANTY = "leakage=5y,*=2y",
    }
    font {
        env: "HANDOVER_FONT",
        help: "TrueType/OpenType font file for generated images such as the welcome card",
        shown: FONT = "the bundled WenQuanYi Micro Hei",
    }
    daily_digest_cron {
        env: "HANDOVER_DAILY_DIGEST_CRON",
        help: "When supervisors get the daily digest (cron with seconds, project time zone)",
        default: DAILY_DIGEST_CRON = "0 0 9 * * *",
    }
    digest_chat {
        env: "HANDOVER_DIGEST_CHAT",
        help: "Optional group chat id (negative) that gets the daily digest too",
    }
    log {
        env: "HANDOVER_LOG",
        help: "Log filter (tracing EnvFilter syntax)",
        default: LOG = "info",
    }
    log_format {
        env: "HANDOVER_LOG_FORMAT",
        help: "Log line format: text, or json (one object per line) for log collectors",
        default: LOG_FORMAT = "text",
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (setting, value) in self.values() {
            match value {
                Some(_) if setting.secret => map.entry(&setting.key, &"***"),
                Some(value) => map.entry(&setting.key, &value),
                None => continue,
            };
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_named_alike_everywhere() {
        for setting in ALL {
            assert_eq!(
                setting.variable,
                format!("HANDOVER_{}", setting.key.to_uppercase()),
                "the variable is the key in capitals"
            );
            if let Some(default) = setting.default {
                assert_eq!(setting.shown, Some(default));
            }
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let settings = Settings {
            bot_token: Some("123456:SECRET-VALUE".into()),
            defect_webhook_secret: Some("FEED-KEY".into()),
            project: Some("harbour".into()),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("SECRET-VALUE") && !shown.contains("FEED-KEY"),
            "{shown}"
        );
        assert!(shown.contains("harbour"), "{shown}");
    }
}
