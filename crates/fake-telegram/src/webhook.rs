//! Webhook mode: `setWebhook`, `deleteWebhook`, `getWebhookInfo`, and the delivery task that
//! POSTs queued updates to the bot's URL the way Telegram does.
//!
//! By default delivery is strictly sequential: one update per request, and the next update is not
//! sent before the previous one was answered with a 2xx (Telegram with `max_connections = 1`; a
//! higher `max_connections` is stored and reported, so a bot under test sees its updates in the
//! order they were sent). With `Config::webhook_parallel` it is Telegram's: up to
//! `max_connections` at once, one chat's updates one at a time and in order. Anything else —
//! another status, a refused connection, no answer within `Config::webhook_timeout` — keeps the
//! update queued, is recorded as `last_error_*`, and is retried after a backoff that doubles from
//! `Config::webhook_retry_min` up to `Config::webhook_retry_max`. Redirects are not followed (Telegram counts a 3xx as an error)
//! and the answer's body is ignored (Telegram would run a method call found there; teloxide never
//! answers with one).

use std::collections::HashSet;
use std::error::Error as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use super::Delivery;
use super::request::{ApiErr, Params, TERMINATED_BY_SET_WEBHOOK};
use super::state::{Shared, State, unix_now};
use super::updates::allowed_updates_param;

/// The header Telegram sends the secret token in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Update types the Bot API knows (and teloxide's `AllowedUpdate` can parse).
const UPDATE_TYPES: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

/// Telegram's default `max_connections`.
const DEFAULT_MAX_CONNECTIONS: u32 = 40;

/// The webhook as the fake stores it.
#[derive(Clone, Debug)]
pub(crate) struct Webhook {
    pub url: String,
    pub secret_token: Option<String>,
    pub max_connections: u32,
    pub ip_address: Option<String>,
    pub has_custom_certificate: bool,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
}

/// The webhook currently set, as a test sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookState {
    pub url: String,
    /// Sent as `X-Telegram-Bot-Api-Secret-Token` with every delivery; `None` when not set (an
    /// empty `secret_token` means none, as on Telegram).
    pub secret_token: Option<String>,
    /// 1–100, default 40 (out-of-range values are clamped, as Telegram does).
    pub max_connections: u32,
    /// The `ip_address` given to `setWebhook`, used instead of resolving the URL's host.
    pub ip_address: Option<String>,
    /// Whether a `certificate` was uploaded.
    pub has_custom_certificate: bool,
    /// The bot's `allowed_updates` (shared with `getUpdates`); `None` is Telegram's default.
    pub allowed_updates: Option<Vec<String>>,
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
}

impl Webhook {
    pub fn state(&self, allowed_updates: &Option<Vec<String>>) -> WebhookState {
        WebhookState {
            url: self.url.clone(),
            secret_token: self.secret_token.clone(),
            max_connections: self.max_connections,
            ip_address: self.ip_address.clone(),
            has_custom_certificate: self.has_custom_certificate,
            allowed_updates: allowed_updates.clone(),
            last_error_date: self.last_error_date,
            last_error_message: self.last_error_message.clone(),
        }
    }

    /// The address Telegram reports in `WebhookInfo.ip_address`: the fixed one, or the URL's host
    /// when it is an IP literal or `localhost` (the fake resolves no other names).
    fn reported_ip(&self) -> Option<String> {
        if let Some(ip) = &self.ip_address {
            return Some(ip.clone());
        }
        let url = url::Url::parse(&self.url).ok()?;
        match url.host()? {
            url::Host::Ipv4(ip) => Some(ip.to_string()),
            url::Host::Ipv6(ip) => Some(ip.to_string()),
            url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => {
                Some("127.0.0.1".to_owned())
            }
            url::Host::Domain(_) => None,
        }
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `setWebhook` (or `deleteWebhook` when `delete`); returns `true` and Telegram's description.
pub(crate) fn set_webhook(
    st: &mut State,
    p: &Params,
    delete: bool,
) -> Result<(Value, &'static str), ApiErr> {
    let url = if delete {
        String::new()
    } else {
        p.str("url").unwrap_or_default()
    };
    let drop_pending = p.bool("drop_pending_updates");
    if url.is_empty() {
        // An empty URL removes the webhook, like deleteWebhook.
        if drop_pending {
            st.updates.clear();
        }
        let was_set = st.webhook.take().is_some();
        if was_set {
            st.webhook_generation += 1;
            return Ok((json!(true), "Webhook was deleted"));
        }
        return Ok((json!(true), "Webhook is already deleted"));
    }

    let parsed = url::Url::parse(&url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| ApiErr::bad("invalid webhook URL specified"))?;
    let secret = p.str("secret_token").unwrap_or_default();
    if secret.len() > 256 {
        return Err(ApiErr::bad("secret token is too long"));
    }
    if !secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(ApiErr::bad("secret token contains unallowed characters"));
    }
    // Tests run the bot on 127.0.0.1, so a loopback URL may be plain HTTP on any port; anywhere
    // else Telegram's rules hold.
    if !is_loopback(&parsed) {
        if parsed.scheme() != "https" {
            return Err(ApiErr::bad(
                "bad webhook: HTTPS url must be provided for webhook",
            ));
        }
        if !matches!(parsed.port_or_known_default(), Some(80 | 88 | 443 | 8443)) {
            return Err(ApiErr::bad(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            ));
        }
    }
    let ip_address = p.str("ip_address").filter(|ip| !ip.is_empty());
    if let Some(ip) = &ip_address
        && ip.parse::<IpAddr>().is_err()
    {
        return Err(ApiErr::bad("bad webhook: invalid IP address specified"));
    }
    let max_connections = p
        .i64("max_connections")?
        .map_or(DEFAULT_MAX_CONNECTIONS, |n| n.clamp(1, 100) as u32);
    let certificate = p.files.contains_key("certificate")
        || p.str("certificate")
            .and_then(|c| c.strip_prefix("attach://").map(str::to_owned))
            .is_some_and(|part| p.files.contains_key(&part));
    let allowed = allowed_updates_param(p)?;
    let secret_token = (!secret.is_empty()).then_some(secret);

    if let Some(allowed) = allowed {
        st.allowed_updates = allowed;
    }
    if let Some(current) = &st.webhook
        && current.url == url
        && !current.has_custom_certificate
        && !certificate
        && current.max_connections == max_connections
        && current.ip_address == ip_address
        && current.secret_token == secret_token
        && !drop_pending
    {
        return Ok((json!(true), "Webhook is already set"));
    }
    if drop_pending {
        st.updates.clear();
    }
    if let Some(poll) = st.poll_active.take() {
        st.poll_terminated.insert(poll, TERMINATED_BY_SET_WEBHOOK);
    }
    st.webhook_generation += 1;
    st.webhook = Some(Webhook {
        url,
        secret_token,
        max_connections,
        ip_address,
        has_custom_certificate: certificate,
        last_error_date: None,
        last_error_message: None,
    });
    Ok((json!(true), "Webhook was set"))
}

/// The `WebhookInfo` object, with the fields Telegram includes in each state.
pub(crate) fn webhook_info(st: &State) -> Value {
    let pending = st.updates.iter().filter(|u| st.is_allowed(u.kind)).count();
    let mut info = json!({
        "url": st.webhook.as_ref().map(|w| w.url.as_str()).unwrap_or(""),
        "has_custom_certificate": st.webhook.as_ref().is_some_and(|w| w.has_custom_certificate),
        "pending_update_count": pending,
    });
    if let Some(webhook) = &st.webhook {
        if let (Some(date), Some(message)) = (webhook.last_error_date, &webhook.last_error_message)
        {
            info["last_error_date"] = json!(date);
            info["last_error_message"] = json!(message);
        }
        info["max_connections"] = json!(webhook.max_connections);
        if let Some(ip) = webhook.reported_ip() {
            info["ip_address"] = json!(ip);
        }
    }
    if let Some(allowed) = &st.allowed_updates {
        let known: Vec<&str> = UPDATE_TYPES
            .iter()
            .copied()
            .filter(|t| allowed.iter().any(|a| a == t))
            .collect();
        if !known.is_empty() {
            info["allowed_updates"] = json!(known);
        }
    }
    info
}

// ---------------------------------------------------------------------------------------------
// Delivery
// ---------------------------------------------------------------------------------------------

/// Where and how to POST.
#[derive(Clone)]
pub(crate) struct Target {
    pub url: String,
    pub secret_token: Option<String>,
    pub ip_address: Option<String>,
    pub has_custom_certificate: bool,
}

impl From<&Webhook> for Target {
    fn from(w: &Webhook) -> Self {
        Self {
            url: w.url.clone(),
            secret_token: w.secret_token.clone(),
            ip_address: w.ip_address.clone(),
            has_custom_certificate: w.has_custom_certificate,
        }
    }
}

/// An HTTP client that behaves like Telegram's webhook sender: no proxy, no redirects, a total
/// timeout, and the fixed `ip_address` instead of DNS.
pub(crate) fn client(target: &Target, timeout: Duration) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        // A self-signed certificate uploaded with setWebhook is trusted, as Telegram does; the
        // fake does not check that it is the one the server presents.
        .danger_accept_invalid_certs(target.has_custom_certificate);
    if let (Some(ip), Ok(url)) = (&target.ip_address, url::Url::parse(&target.url))
        && let (Ok(ip), Some(url::Host::Domain(host)), Some(port)) = (
            ip.parse::<IpAddr>(),
            url.host(),
            url.port_or_known_default(),
        )
    {
        builder = builder.resolve(host, SocketAddr::new(ip, port));
    }
    builder.build().expect("build the webhook HTTP client")
}

/// POSTs `body` as JSON; the HTTP status, or Telegram-like wording for a transport error.
pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    secret: Option<&str>,
) -> Result<u16, String> {
    let mut request = client.post(url).json(body);
    if let Some(secret) = secret {
        request = request.header(SECRET_HEADER, secret);
    }
    match request.send().await {
        Ok(response) => Ok(response.status().as_u16()),
        Err(e) => Err(transport_error(&e)),
    }
}

fn transport_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "Read timeout expired".to_owned();
    }
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "Connection refused".to_owned(),
                std::io::ErrorKind::ConnectionReset => {
                    return "Connection reset by peer".to_owned();
                }
                std::io::ErrorKind::TimedOut => return "Connection timed out".to_owned(),
                _ => {}
            }
        }
        source = s.source();
    }
    if e.is_connect() {
        return format!("Failed to connect: {e}");
    }
    format!("Failed to send the request: {e}")
}

fn wrong_response(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("Wrong response from the webhook: {status} {reason}"),
        None => format!("Wrong response from the webhook: {status}"),
    }
}

struct Retry {
    generation: u64,
    at: Instant,
    backoff: Duration,
}

/// One update on its way to the webhook.
struct Sending {
    generation: u64,
    target: Target,
    update_id: i64,
    queue: i64,
    body: Value,
}

/// What to do next: deliver these updates, or wait (until `Some` instant, for a backoff, or for
/// a change).
enum Next {
    Deliver(Vec<Sending>),
    Wait(Option<Instant>),
}

/// The updates to start delivering now, with `busy` the queues (chats) that have one in flight.
/// Telegram's Bot API server keeps a queue per chat: a chat's next update goes only once the
/// previous one was answered, while other chats' go alongside, up to `max_connections` at once.
fn next(
    st: &mut State,
    down: bool,
    retry: &Option<Retry>,
    busy: &HashSet<i64>,
    parallel: bool,
) -> Next {
    if down {
        // Telegram is unreachable: it delivers nothing either.
        return Next::Wait(None);
    }
    let Some(webhook) = &st.webhook else {
        return Next::Wait(None);
    };
    let target = Target::from(webhook);
    let generation = st.webhook_generation;
    if let Some(r) = retry
        && r.generation == generation
        && Instant::now() < r.at
    {
        return Next::Wait(Some(r.at));
    }
    let connections = if parallel {
        webhook.max_connections.max(1) as usize
    } else {
        1
    };
    // One at a time unless parallel: `room` is then 0 or 1.
    let room = connections.saturating_sub(busy.len());
    if room == 0 {
        return Next::Wait(None);
    }
    st.drop_not_allowed();
    let mut blocked = busy.clone();
    let mut picked = Vec::new();
    for update in &st.updates {
        if picked.len() == room {
            break;
        }
        let queue = queue_of(&update.json, update.id);
        // Once blocked, a chat's later updates wait too: its order is kept.
        if blocked.insert(queue) {
            picked.push(Sending {
                generation,
                target: target.clone(),
                update_id: update.id,
                queue,
                body: update.json.clone(),
            });
        }
    }
    if picked.is_empty() {
        return Next::Wait(None);
    }
    Next::Deliver(picked)
}

/// The queue an update waits in: its chat, else the person it comes from, else its own.
fn queue_of(update: &Value, update_id: i64) -> i64 {
    let content = update
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| *k != "update_id").map(|(_, v)| v));
    let id = |v: Option<&Value>| v.and_then(|v| v["id"].as_i64());
    content
        .and_then(|c| {
            id(c.get("chat"))
                .or_else(|| id(c.get("message").and_then(|m| m.get("chat"))))
                .or_else(|| id(c.get("from")))
                .or_else(|| id(c.get("user")))
        })
        // Negative ids are groups; keep the update's own queue apart from every chat's.
        .unwrap_or(i64::MIN + update_id)
}

/// What one delivery came to.
struct Delivered {
    generation: u64,
    url: String,
    update_id: i64,
    queue: i64,
    outcome: Result<u16, String>,
}

/// The background task that delivers queued updates while a webhook is set.
pub(crate) fn spawn_delivery(shared: Arc<Shared>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let config = shared.config.clone();
        let mut retry: Option<Retry> = None;
        let mut cached: Option<(u64, reqwest::Client)> = None;
        let mut in_flight: JoinSet<Delivered> = JoinSet::new();
        let mut busy: HashSet<i64> = HashSet::new();
        loop {
            let notified = shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (step, dropped) = {
                let mut st = shared.lock();
                let before = st.dropped_updates;
                let step = next(
                    &mut st,
                    shared.down.load(Ordering::SeqCst),
                    &retry,
                    &busy,
                    config.webhook_parallel,
                );
                (step, st.dropped_updates != before)
            };
            if dropped {
                // Updates of types not allowed were discarded: waiters may be satisfied now.
                shared.changed.notify_waiters();
            }
            let done = match step {
                Next::Deliver(sendings) => {
                    for sending in sendings {
                        let client = match &cached {
                            Some((g, c)) if *g == sending.generation => c.clone(),
                            _ => {
                                let c = client(&sending.target, config.webhook_timeout);
                                cached = Some((sending.generation, c.clone()));
                                c
                            }
                        };
                        busy.insert(sending.queue);
                        in_flight.spawn(async move {
                            let outcome = post(
                                &client,
                                &sending.target.url,
                                &sending.body,
                                sending.target.secret_token.as_deref(),
                            )
                            .await;
                            Delivered {
                                generation: sending.generation,
                                url: sending.target.url,
                                update_id: sending.update_id,
                                queue: sending.queue,
                                outcome,
                            }
                        });
                    }
                    continue;
                }
                Next::Wait(until) => {
                    let backoff = async {
                        match until {
                            Some(at) => tokio::time::sleep_until(at).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        _ = notified => continue,
                        _ = backoff => continue,
                        Some(Ok(done)) = in_flight.join_next(), if !in_flight.is_empty() => done,
                    }
                }
            };
            busy.remove(&done.queue);
            let (status, error) = match done.outcome {
                Ok(s) if (200..300).contains(&s) => (Some(s), None),
                Ok(s) => (Some(s), Some(wrong_response(s))),
                Err(e) => (None, Some(e)),
            };
            {
                let mut st = shared.lock();
                st.deliveries.push(Delivery {
                    update_id: done.update_id,
                    url: done.url,
                    status,
                    error: error.clone(),
                    at: Instant::now(),
                });
                match &error {
                    None => {
                        st.confirm_one(done.update_id);
                        retry = None;
                    }
                    Some(message) => {
                        let generation = done.generation;
                        if st.webhook_generation == generation
                            && let Some(webhook) = st.webhook.as_mut()
                        {
                            webhook.last_error_date = Some(unix_now());
                            webhook.last_error_message = Some(message.clone());
                        }
                        let backoff = match &retry {
                            Some(r) if r.generation == generation => {
                                (r.backoff * 2).min(config.webhook_retry_max)
                            }
                            _ => config.webhook_retry_min,
                        };
                        retry = Some(Retry {
                            generation,
                            at: Instant::now() + backoff,
                            backoff,
                        });
                    }
                }
            }
            shared.changed.notify_waiters();
        }
    })
}
