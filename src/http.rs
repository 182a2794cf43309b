//! The HTTP side: Telegram's webhook (teloxide's axum router, which checks the secret token on
//! every request) on the public port, and `/healthz` and `/metrics` on their own address
//! (`HANDOVER_METRICS_ADDR`, loopback by default), never on the webhook's.

use crate::metrics::Metrics;
use crate::services::Services;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

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
