//! A Mini App page's proof of who opened it: the `initData` string Telegram gives the page,
//! checked as Telegram documents it. The data-check-string is every field but `hash`, sorted by
//! name, as `name=value` lines; the key is `HMAC_SHA256(key = "WebAppData", msg = bot token)`;
//! `hash` is the hex HMAC-SHA256 of the data-check-string under that key. A page sends it with
//! every request (`Authorization: tma <initData>`), so the API keeps no session.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The Telegram account a valid `initData` speaks for, and when Telegram signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAppLogin {
    pub user_id: i64,
    pub language_code: Option<String>,
    pub auth_date: DateTime<Utc>,
}

/// Why an `initData` is refused. Each is answered alike (401): the reason is for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    #[error("no hash")]
    NoHash,
    #[error("the hash does not match: not signed with this bot's token, or changed")]
    BadHash,
    #[error("no valid auth_date")]
    NoAuthDate,
    #[error("older than allowed")]
    Expired,
    #[error("signed in the future")]
    FromTheFuture,
    #[error("no valid user")]
    NoUser,
}

/// A Telegram clock a little ahead of ours is not forgery.
const CLOCK_SKEW: i64 = 300;

/// Checks `init_data` against `bot_token` at `now`; accepted when signed with the token and not
/// older than `max_age`.
pub fn validate(
    init_data: &str,
    bot_token: &str,
    now: DateTime<Utc>,
    max_age: Duration,
) -> Result<WebAppLogin, InitDataError> {
    let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(init_data.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let hash_at = fields
        .iter()
        .position(|(name, _)| name == "hash")
        .ok_or(InitDataError::NoHash)?;
    let (_, hash) = fields.remove(hash_at);
    let hash = decode_hex(&hash).ok_or(InitDataError::BadHash)?;
    let check_string = check_string(&mut fields);
    let secret = sign(b"WebAppData", bot_token.as_bytes());
    let mut mac = HmacSha256::new_from_slice(&secret).map_err(|_| InitDataError::BadHash)?;
    mac.update(check_string.as_bytes());
    // `verify_slice` compares in constant time.
    mac.verify_slice(&hash)
        .map_err(|_| InitDataError::BadHash)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let auth_date = field("auth_date")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .ok_or(InitDataError::NoAuthDate)?;
    if auth_date > now + Duration::seconds(CLOCK_SKEW) {
        return Err(InitDataError::FromTheFuture);
    }
    if now - auth_date > max_age {
        return Err(InitDataError::Expired);
    }
    #[derive(serde::Deserialize)]
    struct User {
        id: i64,
        language_code: Option<String>,
    }
    let user: User = field("user")
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or(InitDataError::NoUser)?;
    Ok(WebAppLogin {
        user_id: user.id,
        language_code: user.language_code,
        auth_date,
    })
}

/// Makes the `initData` Telegram would give a page opened by `user` (a JSON object with at
/// least `id`) at `auth_date`: what tests and tools use to open a page as someone.
pub fn sign_init_data(bot_token: &str, user: &str, auth_date: DateTime<Utc>) -> String {
    let mut fields = vec![
        ("auth_date".to_string(), auth_date.timestamp().to_string()),
        (
            "query_id".to_string(),
            format!("Q{}", auth_date.timestamp()),
        ),
        ("user".to_string(), user.to_string()),
    ];
    let check_string = check_string(&mut fields);
    let secret = sign(b"WebAppData", bot_token.as_bytes());
    let hash = sign(&secret, check_string.as_bytes());
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &fields {
        out.append_pair(name, value);
    }
    out.append_pair("hash", &encode_hex(&hash));
    out.finish()
}

/// The fields but `hash`, sorted by name, as `name=value` lines (sorts `fields`).
fn check_string(fields: &mut [(String, String)]) -> String {
    fields.sort();
    fields
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sign(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456:TEST-token";
    /// Made outside this code (Python's hmac and hashlib, following Telegram's description) for
    /// user 7001 at auth_date 1700000000.
    const VECTOR: &str = "auth_date=1700000000&query_id=AAH&user=%7B%22id%22%3A7001%2C%22first_name%22%3A%22Zhang%22%2C%22language_code%22%3A%22zh-hans%22%7D&hash=6e0bbc3d4c2a5bebf359cd0918fbfded0ae4489fab5881b1df55c347d276c3a1";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn the_independently_made_vector_is_accepted() {
        let login = validate(VECTOR, TOKEN, at(1_700_000_600), Duration::hours(1)).unwrap();
        assert_eq!(login.user_id, 7001);
        assert_eq!(login.language_code.as_deref(), Some("zh-hans"));
        assert_eq!(login.auth_date, at(1_700_000_000));
    }

    #[test]
    fn another_token_a_changed_field_or_no_hash_is_refused() {
        let now = at(1_700_000_600);
        let hour = Duration::hours(1);
        assert_eq!(
            validate(VECTOR, "123456:OTHER", now, hour),
            Err(InitDataError::BadHash)
        );
        let other_user = VECTOR.replace("7001", "7002");
        assert_eq!(
            validate(&other_user, TOKEN, now, hour),
            Err(InitDataError::BadHash)
        );
        let no_hash = VECTOR.split("&hash=").next().unwrap();
        assert_eq!(
            validate(no_hash, TOKEN, now, hour),
            Err(InitDataError::NoHash)
        );
        let short = &VECTOR[..VECTOR.len() - 2];
        assert_eq!(
            validate(short, TOKEN, now, hour),
            Err(InitDataError::BadHash)
        );
        assert_eq!(validate("", TOKEN, now, hour), Err(InitDataError::NoHash));
    }

    #[test]
    fn an_old_or_future_login_is_refused() {
        let hour = Duration::hours(1);
        assert_eq!(
            validate(VECTOR, TOKEN, at(1_700_003_601), hour),
            Err(InitDataError::Expired)
        );
        assert!(validate(VECTOR, TOKEN, at(1_700_003_600), hour).is_ok());
        assert_eq!(
            validate(VECTOR, TOKEN, at(1_699_999_000), hour),
            Err(InitDataError::FromTheFuture)
        );
    }

    #[test]
    fn what_sign_init_data_makes_is_accepted_by_validate() {
        let signed = sign_init_data(TOKEN, r#"{"id":42,"first_name":"李"}"#, at(1_800_000_000));
        let login = validate(&signed, TOKEN, at(1_800_000_010), Duration::hours(1)).unwrap();
        assert_eq!((login.user_id, login.language_code), (42, None));
    }
}
