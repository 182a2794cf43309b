//! Resolution: the layers of settings merged in order of precedence (a layered loader,
//! `figment`, instead of a merge written field by field), then validation into [`Config`].
//!
//! Layers, each over the one before: the built-in defaults ([`Settings::builtin`]), the TOML
//! file named by `--config` / `HANDOVER_CONFIG`, then the environment and the command line.
//! The last two arrive as one layer from clap, which reads a flag and, where the flag is
//! absent, its variable: clap has to know the variables anyway, since `--help` shows them.
//! An empty value counts as unset, so it falls back to the default rather than to a lower layer's
//! value, as before.

use super::settings::{Settings, default};
use super::{Config, ConfigError, LogFormat, MediaBucket, S3Access, Secret, SignatureRule, bad};
use crate::domain::people::Lang;
use chrono_tz::Tz;
use figment::Figment;
use figment::providers::Serialized;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the webhook's server listens when a webhook is set and no address is given.
const WEBHOOK_LISTEN_ADDR: &str = "0.0.0.0:8080";

/// Resolves the configuration from the optional TOML file and what clap read from the command
/// line and the environment.
pub fn load(file: Option<&Path>, given: Settings) -> Result<Config, ConfigError> {
    let file = match file {
        Some(path) => Some((path, read_toml(path)?)),
        None => None,
    };
    let mut layers = Figment::from(Serialized::defaults(Settings::builtin()));
    if let Some((_, table)) = &file {
        layers = layers.merge(Serialized::defaults(table));
    }
    let settings: Settings = layers
        .merge(Serialized::defaults(given))
        .extract()
        .map_err(|error| {
            // Only the file can hold something that is not a setting's text.
            let place = file.as_ref().map_or_else(String::new, |(path, _)| {
                format!("{}: ", path.display())
            });
            let problem = match &error.kind {
                figment::error::Kind::UnknownField(key, _) => format!(
                    "unknown setting {key:?} (keys are the flag names with underscores, e.g. timezone)"
                ),
                kind => match error.path.last() {
                    Some(key) => format!("{key}: {kind}"),
                    None => kind.to_string(),
                },
            };
            bad("HANDOVER_CONFIG", format!("{place}{problem}"))
        })?;
    Config::validate(settings)
}

/// The file as a TOML table; an unreadable file or bad TOML is a one-line error.
fn read_toml(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad(
            "HANDOVER_CONFIG",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        bad(
            "HANDOVER_CONFIG",
            format!("{}: {}", path.display(), e.message()),
        )
    })
}

/// A yes/no setting (`true`/`false`, `yes`/`no`, `1`/`0`, `on`/`off`).
fn parse_switch(value: Option<String>, default: &str, variable: &str) -> Result<bool, ConfigError> {
    match non_empty(value).as_deref().unwrap_or(default) {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        other => Err(bad(variable, format!("{other:?} is not true or false"))),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl Config {
    /// These settings over the built-in defaults (no file), validated.
    pub fn resolve(settings: Settings) -> Result<Config, ConfigError> {
        load(None, settings)
    }

    /// Checks every setting and builds the typed configuration; an empty or unset value takes
    /// its default.
    fn validate(settings: Settings) -> Result<Config, ConfigError> {
        let bot_token = non_empty(settings.bot_token).map(Secret::new);
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
        let endpoint = match non_empty(settings.s3_endpoint) {
            None => None,
            Some(endpoint) => {
                let parsed = url::Url::parse(&endpoint).map_err(|e| {
                    bad(
                        "HANDOVER_S3_ENDPOINT",
                        format!("{endpoint:?} is no URL: {e}"),
                    )
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(bad(
                        "HANDOVER_S3_ENDPOINT",
                        format!("{endpoint:?} is not http:// or https://"),
                    ));
                }
                Some(endpoint.trim_end_matches('/').to_string())
            }
        };
        let s3 = S3Access {
            endpoint,
            region: non_empty(settings.s3_region),
            access_key_id: non_empty(settings.s3_access_key_id),
            secret_access_key: non_empty(settings.s3_secret_access_key).map(Secret::new),
            path_style: parse_switch(
                settings.s3_path_style,
                default::S3_PATH_STYLE,
                "HANDOVER_S3_PATH_STYLE",
            )?,
        };
        if s3.access_key_id.is_some() != s3.secret_access_key.is_some() {
            return Err(bad(
                "HANDOVER_S3_SECRET_ACCESS_KEY",
                "set the S3 access key and its secret key together",
            ));
        }
        let media_bucket = match non_empty(settings.media_url) {
            None => None,
            Some(url) => Some(
                MediaBucket::parse(&url, s3.clone())
                    .map_err(|why| bad("HANDOVER_MEDIA_URL", why))?,
            ),
        };
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
                Some(Secret::new(secret))
            }
        };
        let public_url = match non_empty(settings.public_url) {
            None => None,
            Some(text) => Some(
                url::Url::parse(&text)
                    .ok()
                    .filter(|u| u.scheme() == "https" && u.host().is_some())
                    .ok_or_else(|| {
                        bad(
                            "HANDOVER_PUBLIC_URL",
                            format!(
                                "not an https URL (Telegram opens Mini App pages only over https): {text:?}"
                            ),
                        )
                    })?,
            ),
        };
        let signature = match non_empty(settings.signature)
            .unwrap_or_else(|| default::SIGNATURE.to_string())
            .to_ascii_lowercase()
            .as_str()
        {
            "required" => SignatureRule::Required,
            "optional" => SignatureRule::Optional,
            other => {
                return Err(bad(
                    "HANDOVER_SIGNATURE",
                    format!("must be required or optional, not {other:?}"),
                ));
            }
        };
        let listen_addr = match non_empty(settings.listen_addr) {
            Some(text) => Some(text.parse().map_err(|_| {
                bad(
                    "HANDOVER_LISTEN_ADDR",
                    format!("not an address like 0.0.0.0:8080: {text:?}"),
                )
            })?),
            None if webhook_url.is_some() || public_url.is_some() => Some(parse_default_addr(
                WEBHOOK_LISTEN_ADDR,
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
            public_url,
            signature,
            init_data_max_age: chrono::Duration::seconds(i64::from(parse_number(
                settings.init_data_max_age_secs,
                default::INIT_DATA_MAX_AGE_SECS,
                "HANDOVER_INIT_DATA_MAX_AGE_SECS",
                60,
                86_400,
            )?)),
            metrics_addr,
            instance_id,
            timezone,
            default_language,
            media_dir,
            media_bucket,
            s3,
            media_retry_for: Duration::from_secs(60),
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
            key_buyers_late: parse_switch(
                settings.key_buyers_late,
                default::KEY_BUYERS_LATE,
                "HANDOVER_KEY_BUYERS_LATE",
            )?,
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
            risk_chase_days: parse_number(
                settings.risk_chase_days,
                default::RISK_CHASE_DAYS,
                "HANDOVER_RISK_CHASE_DAYS",
                0,
                60,
            )?,
            precontact_days: parse_number(
                settings.precontact_days,
                default::PRECONTACT_DAYS,
                "HANDOVER_PRECONTACT_DAYS",
                0,
                60,
            )?,
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
            defect_webhook_secret: non_empty(settings.defect_webhook_secret).map(Secret::new),
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
            consult_within: chrono::Duration::hours(i64::from(parse_number(
                settings.consult_hours,
                default::CONSULT_HOURS,
                "HANDOVER_CONSULT_HOURS",
                1,
                720,
            )?)),
            incident_overdue_days: parse_number(
                settings.incident_overdue_days,
                default::INCIDENT_OVERDUE_DAYS,
                "HANDOVER_INCIDENT_OVERDUE_DAYS",
                1,
                365,
            )?,
            incident_no_show_percent: parse_number(
                settings.incident_no_show_percent,
                default::INCIDENT_NO_SHOW_PERCENT,
                "HANDOVER_INCIDENT_NO_SHOW_PERCENT",
                1,
                100,
            )?,
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
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("handover.toml");
        std::fs::write(&file, "timezone = \"Asia/Tokyo\"\nproject = \"harbour\"\n").unwrap();
        let given = Settings {
            timezone: Some("Europe/London".into()),
            ..Settings::default()
        };
        let config = load(Some(&file), given).unwrap();
        assert_eq!(config.timezone, chrono_tz::Europe::London);
        assert_eq!(config.project, "harbour");
        // An empty value is unset: the default, not the file's value.
        let config = load(
            Some(&file),
            Settings {
                project: Some(String::new()),
                ..Settings::default()
            },
        )
        .unwrap();
        assert_eq!(config.project, "default");
        assert_eq!(config.timezone, chrono_tz::Asia::Tokyo);
    }

    #[test]
    fn a_bad_file_is_one_line_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("handover.toml");
        for text in ["timezone = ", "colour = \"blue\"", "invite_ttl_hours = 72"] {
            std::fs::write(&file, text).unwrap();
            let err = load(Some(&file), Settings::default()).unwrap_err();
            assert_eq!(err.variable, "HANDOVER_CONFIG");
            assert!(err.message.contains("handover.toml"), "{err}");
            assert_eq!(err.to_string().lines().count(), 1, "{err}");
        }
        let err = load(Some(&dir.path().join("missing.toml")), Settings::default()).unwrap_err();
        assert!(err.message.starts_with("cannot read "), "{err}");
    }
}
