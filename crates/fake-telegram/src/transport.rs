//! HTTP side of the fake: the listener that `go_down` can cut, the URL scheme, tokens, fault
//! injection, and recording each request with its answer.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::TOKEN;
use super::limits::MAX_UPLOAD_BYTES;
use super::methods::dispatch;
use super::request::{ApiErr, ApiResult, METHODS, read_params};
use super::state::Shared;
use super::updates::get_updates;
use super::webhook;

// ---------------------------------------------------------------------------------------------
// Listener: lets `go_down` cut every connection while keeping the port.
// ---------------------------------------------------------------------------------------------

/// Accepts connections; while the fake is "down" it closes them at once, and a connection accepted
/// before an outage dies when the outage starts. Clients see a network error, as when Telegram is
/// unreachable, without the fake giving up its port (so `come_up` cannot lose it to another test).
struct FakeListener {
    inner: TcpListener,
    shared: Arc<Shared>,
}

impl axum::serve::Listener for FakeListener {
    type Io = KillableIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let rx = self.shared.epoch.subscribe();
                    let start = *rx.borrow();
                    if self.shared.down.load(Ordering::SeqCst) {
                        self.shared.lock().refused_connections += 1;
                        drop(stream);
                        continue;
                    }
                    let kill = Box::pin(epoch_changed(rx, start));
                    return (
                        KillableIo {
                            stream,
                            kill,
                            killed: false,
                        },
                        addr,
                    );
                }
                // Accept errors (e.g. too many open files) are transient; try again shortly.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

async fn epoch_changed(mut rx: watch::Receiver<u64>, start: u64) {
    loop {
        if *rx.borrow_and_update() != start {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

struct KillableIo {
    stream: TcpStream,
    kill: Pin<Box<dyn Future<Output = ()> + Send>>,
    killed: bool,
}

impl KillableIo {
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.killed && self.kill.as_mut().poll(cx).is_ready() {
            self.killed = true;
        }
        if self.killed {
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "the fake Telegram server is down",
            ))
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for KillableIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

pub(crate) fn spawn_server(shared: Arc<Shared>, listener: TcpListener) -> JoinHandle<()> {
    let app = Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024))
        .with_state(shared.clone());
    let listener = FakeListener {
        inner: listener,
        shared,
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

// ---------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------

async fn handle(AxState(shared): AxState<Arc<Shared>>, req: Request) -> Response {
    let rx = shared.epoch.subscribe();
    let start = *rx.borrow();
    // Hyper does not read from a connection while a handler runs, so a long poll would outlive an
    // outage; racing the epoch ends it, and writing the answer then fails on the killed connection.
    tokio::select! {
        response = serve(shared.clone(), req) => response,
        () = epoch_changed(rx, start) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = raw.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body.clone())).into_response()
}

fn token_ok(segment: &str) -> bool {
    segment.strip_prefix("bot") == Some(TOKEN)
}

async fn serve(shared: Arc<Shared>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let not_found = ApiErr::new(404, "Not Found");
    let unauthorized = ApiErr::new(401, "Unauthorized");

    if segments.len() >= 3 && segments[0] == "file" {
        let file_path = segments[2..].join("/");
        let record_params = json!({ "file_path": file_path });
        let mut st = shared.lock();
        if !token_ok(&segments[1]) {
            let body = unauthorized.body();
            st.record("downloadFile", record_params, 401, body.clone());
            drop(st);
            shared.changed.notify_waiters();
            return json_response(401, &body);
        }
        let file = st
            .file_paths
            .get(&file_path)
            .and_then(|id| st.files.get(id))
            .map(|f| f.bytes.clone());
        let response = match file {
            Some(bytes) => {
                st.record(
                    "downloadFile",
                    record_params,
                    200,
                    json!({ "size": bytes.len() }),
                );
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    bytes,
                )
                    .into_response()
            }
            None => {
                let body = not_found.body();
                st.record("downloadFile", record_params, 404, body.clone());
                json_response(404, &body)
            }
        };
        drop(st);
        shared.changed.notify_waiters();
        return response;
    }

    if segments.len() != 2 || !segments[0].starts_with("bot") {
        return json_response(404, &not_found.body());
    }
    let method_raw = segments[1].clone();
    let canonical = METHODS
        .iter()
        .copied()
        .find(|m| m.eq_ignore_ascii_case(&method_raw));
    let method = canonical.unwrap_or(&method_raw).to_owned();

    let query = req.uri().query().map(str::to_owned);
    let params = match read_params(req, query.as_deref()).await {
        Ok(p) => p,
        Err(e) => return finish(&shared, &method, json!({}), Err(e), None).await,
    };
    let record = params.to_record();

    if !token_ok(&segments[0]) {
        return finish(&shared, &method, record, Err(unauthorized), None).await;
    }
    if canonical.is_none() {
        return finish(&shared, &method, record, Err(not_found), None).await;
    }

    let chat = params.i64("chat_id").ok().flatten();
    let (fail, delay) = {
        let mut st = shared.lock();
        (
            st.faults.take_fail(&method, chat),
            st.faults.take_delay(&method, chat),
        )
    };
    if let Some(status) = fail {
        let err = ApiErr::new(status, fault_description(status));
        return finish(&shared, &method, record, Err(err), delay).await;
    }
    if method == "getUpdates" {
        // Recorded on arrival (status 0 while held open) so a test can wait for the poll that
        // confirms an offset without waiting for the poll to end.
        let seq = {
            let mut st = shared.lock();
            st.record(&method, record, 0, Value::Null);
            st.seq
        };
        shared.changed.notify_waiters();
        let result = get_updates(&shared, &params).await;
        let (status, body) = answer(&result);
        shared.lock().complete(seq, status, body.clone());
        shared.changed.notify_waiters();
        return respond_after(status, body, delay).await;
    }
    // Everything else runs under the lock together with its record, so a test never sees a sent
    // message without the request that sent it.
    let (status, body) = {
        let mut st = shared.lock();
        let (status, body) = if method == "setWebhook" || method == "deleteWebhook" {
            // Telegram adds a description to these successes ("Webhook was set", …).
            let result = webhook::set_webhook(&mut st, &params, method == "deleteWebhook");
            let description = result.as_ref().ok().map(|(_, d)| *d);
            let (status, mut body) = answer(&result.map(|(v, _)| v));
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            (status, body)
        } else {
            answer(&dispatch(&mut st, &method, &params))
        };
        st.record(&method, record, status, body.clone());
        (status, body)
    };
    shared.changed.notify_waiters();
    respond_after(status, body, delay).await
}

fn fault_description(status: u16) -> String {
    match status {
        500 => "Internal Server Error".into(),
        502 => "Bad Gateway".into(),
        503 => "Service Unavailable".into(),
        504 => "Gateway Timeout".into(),
        _ => StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error")
            .into(),
    }
}

fn answer(result: &ApiResult) -> (u16, Value) {
    match result {
        Ok(v) => (200, json!({ "ok": true, "result": v })),
        Err(e) => (e.status, e.body()),
    }
}

async fn finish(
    shared: &Shared,
    method: &str,
    record: Value,
    result: ApiResult,
    delay: Option<Duration>,
) -> Response {
    let (status, body) = answer(&result);
    shared.lock().record(method, record, status, body.clone());
    shared.changed.notify_waiters();
    respond_after(status, body, delay).await
}

/// `delay_next` slows the *answer*: the request has already taken effect, which is exactly how a
/// client timeout produces a duplicate send in real life.
async fn respond_after(status: u16, body: Value, delay: Option<Duration>) -> Response {
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    json_response(status, &body)
}
