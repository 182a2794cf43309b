//! The HTTP side: Telegram's webhook on the public port, and `/healthz` and `/metrics` on their
//! own address (`HANDOVER_METRICS_ADDR`, loopback by default), never on the webhook's.
//!
//! The webhook answers Telegram only once the update is kept in the inbox: Telegram forgets an
//! update it got a 200 for, so a 200 before that would let a crash lose it. A request without
//! the secret token gets 401; one that cannot be kept, 500, and Telegram sends it again.

use crate::metrics::Metrics;
use crate::services::Services;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use teloxide::types::{Update, UpdateKind};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The header Telegram sends the webhook's secret token in.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[derive(Clone)]
struct Webhook {
    secret: Arc<str>,
    journal: crate::inbox::Journal,
    sink: mpsc::UnboundedSender<Update>,
    stopped: teloxide::stop::StopFlag,
}

/// Telegram's webhook at `path`: checks the secret, keeps the update, then answers.
pub fn webhook_routes(
    path: &str,
    secret: String,
    journal: crate::inbox::Journal,
    sink: mpsc::UnboundedSender<Update>,
    stopped: teloxide::stop::StopFlag,
) -> Router {
    Router::new()
        .route(path, axum::routing::post(telegram_update))
        .with_state(Webhook {
            secret: Arc::from(secret),
            journal,
            sink,
            stopped,
        })
}

async fn telegram_update(
    State(state): State<Webhook>,
    headers: axum::http::HeaderMap,
    body: String,
) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !constant_time_eq(given, state.secret.as_bytes()) {
        return StatusCode::UNAUTHORIZED;
    }
    if state.stopped.is_stopped() {
        // Stopping: Telegram sends it again, to this instance's successor or another one.
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut update = match serde_json::from_str::<Update>(&body) {
        Ok(update) => update,
        Err(error) => {
            // Sending it again would not make it readable.
            tracing::error!(%error, "Telegram posted an update that cannot be read");
            return StatusCode::OK;
        }
    };
    if let UpdateKind::Error(value) = &mut update.kind {
        *value = serde_json::from_str(&body).unwrap_or_default();
    }
    match crate::inbox::keep_posted(&state.journal, &state.sink, update, body).await {
        Ok(()) => StatusCode::OK,
        Err(error) => {
            tracing::warn!(%error, "a posted update cannot be kept; Telegram will send it again");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Compares secrets without leaking, through timing, how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Clone)]
struct Monitoring {
    services: Services,
    metrics: Arc<Metrics>,
}

/// `/healthz` and `/metrics`.
pub fn monitoring_routes(services: Services, metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(Monitoring { services, metrics })
}

async fn healthz(State(state): State<Monitoring>) -> impl IntoResponse {
    if state.services.healthy().await {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}

async fn metrics_text(State(state): State<Monitoring>) -> impl IntoResponse {
    match state.services.queue_snapshot().await {
        Ok((queue, late)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            state.metrics.render(&queue, late),
        ),
        Err(error) => {
            tracing::error!(%error, "cannot read the queue figures for /metrics");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                "database unavailable\n".to_string(),
            )
        }
    }
}

/// Resolves once `stop` flips to true.
pub async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Binds `addr` (from the setting `variable`) and serves `router` until `shutdown` resolves.
/// Returns the bound address (useful with port 0) and the server task.
pub async fn serve(
    addr: SocketAddr,
    variable: &str,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} ({variable}): {e}"))?;
    let bound = listener.local_addr()?;
    tracing::info!(%bound, variable, "HTTP server listening");
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, "the HTTP server failed");
        }
    });
    Ok((bound, task))
}
