//! The load run's round-robin in front of the instances' webhooks, as the TLS proxy or a cloud
//! load balancer is in a deployment: each update Telegram posts goes to the next instance, and
//! one that does not take the connection (killed, restarting) is passed over for the next.
//! A request an instance took and then died on is answered 502: Telegram sends it again.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

struct Targets {
    addresses: Vec<SocketAddr>,
    next: AtomicUsize,
    client: reqwest::Client,
}

pub struct Balancer {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Balancer {
    pub async fn start(addresses: Vec<SocketAddr>) -> Balancer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the balancer");
        let address = listener.local_addr().expect("its address");
        let targets = Arc::new(Targets {
            addresses,
            next: AtomicUsize::new(0),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
        });
        let app = axum::Router::new().fallback(forward).with_state(targets);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Balancer { address, task }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    State(targets): State<Arc<Targets>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    for _ in 0..targets.addresses.len() {
        let which = targets.next.fetch_add(1, Ordering::Relaxed) % targets.addresses.len();
        let url = format!("http://{}{path}", targets.addresses[which]);
        let mut request = targets
            .client
            .request(method.clone(), url)
            .body(body.clone());
        for (name, value) in &headers {
            if name != "host" && name != "content-length" {
                request = request.header(name, value);
            }
        }
        match request.send().await {
            Ok(answer) => {
                let status = answer.status();
                let bytes = answer.bytes().await.unwrap_or_default();
                return (status, bytes).into_response();
            }
            // Not listening (killed or starting): the next one.
            Err(error) if error.is_connect() => continue,
            Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
        }
    }
    StatusCode::BAD_GATEWAY.into_response()
}
