//! The Mini App: pages Telegram opens inside the chat (`web_app` buttons), served under `/app/`
//! by the bot's public HTTP server when `HANDOVER_PUBLIC_URL` is set. The pages, script and
//! styles are compiled into the binary (plain HTML, CSS and JavaScript, no build step).
//!
//! The API keeps no session: every call carries the page's Telegram login
//! (`Authorization: tma <initData>`), checked by [`init_data::validate`]; the person it names
//! is then checked by the same services, with the same permission rules, as in the chat.
//! Anything wrong (no login, a forged or stale one, someone else's record) gets 401 and
//! changes nothing.

pub mod init_data;
mod plan;
mod room_areas;

use crate::domain::people::Lang;
use crate::domain::signature::Drawing;
use crate::i18n::{escape_html, plain_text};
use crate::services::Services;
use crate::services::signatures::PageLogin;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

const SIGN_PAGE: &str = include_str!("assets/sign.html");
const SIGN_SCRIPT: &str = include_str!("assets/sign.js");
const STYLES: &str = include_str!("assets/app.css");
const SHARED_SCRIPT: &str = include_str!("assets/app.js");

/// A signature's strokes are small; anything much larger is not one.
const MAX_BODY: usize = 512 * 1024;

#[derive(Clone)]
struct WebApp {
    services: Services,
    bot_token: Arc<str>,
}

/// The Mini App's pages and API, to be served on the public HTTP server.
pub fn routes(services: Services, bot_token: &str) -> Router {
    Router::new()
        .route("/app/sign", get(sign_page))
        .route("/app/sign.js", get(sign_script))
        .route("/app/app.css", get(styles))
        .route("/app/app.js", get(shared_script))
        .route("/app/plan", get(plan::page))
        .route("/app/plan.js", get(plan::script))
        .route("/app/plan.css", get(plan::styles))
        .route(
            "/app/api/defects/{id}/pin",
            get(plan::pin).post(plan::place),
        )
        .route("/app/api/units/{id}/plan-view", get(plan::home_view))
        .route("/app/api/units/{id}/type-plan-view", get(plan::type_view))
        .route("/app/api/units/{id}/plan-image", get(plan::image))
        .route(
            "/app/api/plans/{unit_type}/areas",
            get(room_areas::view).post(room_areas::add),
        )
        .route(
            "/app/api/plans/{unit_type}/areas/{id}",
            axum::routing::delete(room_areas::remove),
        )
        .route("/app/api/plans/{unit_type}/image", get(room_areas::image))
        .route("/app/api/records/{id}", get(record))
        .route(
            "/app/api/records/{id}/signature",
            axum::routing::post(signature),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(own_unit_of_work))
        .with_state(WebApp {
            services,
            bot_token: Arc::from(bot_token),
        })
}

/// Each request is a unit of work of its own for [`crate::rehearsal`]: a record of a rehearsal's
/// handover signed here is the rehearsal's.
async fn own_unit_of_work(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    crate::rehearsal::scope(None, next.run(request)).await
}

fn asset(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// The signing page, with the words it shows before it has heard from the API (when the API
/// cannot be reached or gives no message) in the language the client asks for.
async fn sign_page(State(app): State<WebApp>, headers: HeaderMap) -> Response {
    page(&app, &headers, SIGN_PAGE)
}

/// A page's HTML with the words it shows before the API answers, in the language the client
/// asks for. Scripts only from here and Telegram's own, which connects the page to the client;
/// pictures also from `blob:` addresses (fetched with the login, which an `<img>` cannot send).
fn page(app: &WebApp, headers: &HeaderMap, template: &str) -> Response {
    let lang = request_lang(app, headers);
    let text =
        |key: &str| escape_html(&plain_text(&app.services.i18n.text(lang, key, &[]))).into_owned();
    let page = template
        .replace("{{lang}}", lang.code())
        .replace("{{offline}}", &text("sign-page-offline"))
        .replace("{{unauthorized}}", &text("sign-page-unauthorized"));
    let mut response = asset("text/html; charset=utf-8", page);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' https://telegram.org; \
             img-src 'self' data: blob:; style-src 'self'; connect-src 'self'; frame-ancestors *",
        ),
    );
    response
}

async fn shared_script() -> Response {
    asset("text/javascript; charset=utf-8", SHARED_SCRIPT)
}

async fn sign_script() -> Response {
    asset("text/javascript; charset=utf-8", SIGN_SCRIPT)
}

async fn styles() -> Response {
    asset("text/css; charset=utf-8", STYLES)
}

/// The person a request's `Authorization: tma <initData>` speaks for, if it is valid now.
fn login(app: &WebApp, headers: &HeaderMap) -> Option<PageLogin> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let init_data = value.strip_prefix("tma ")?;
    let config = &app.services.config;
    match init_data::validate(
        init_data,
        &app.bot_token,
        app.services.clock.now(),
        config.init_data_max_age,
    ) {
        Ok(login) => Some(PageLogin {
            telegram_id: login.user_id,
            language_code: login.language_code,
            auth_date: login.auth_date,
        }),
        Err(reason) => {
            tracing::info!(%reason, "a Mini App request's login was refused");
            None
        }
    }
}

/// The language a request asks for (`Accept-Language`), else the project's.
fn request_lang(app: &WebApp, headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split([',', ';'])
                .find_map(|tag| Lang::from_telegram(tag.trim()))
        })
        .unwrap_or(app.services.config.default_language)
}

/// 401, with what to do in the language the page asks for (`Accept-Language`: the page sends
/// the Telegram app's language), else the project's.
fn unauthorized(app: &WebApp, headers: &HeaderMap) -> Response {
    let lang = request_lang(app, headers);
    let message = plain_text(&app.services.i18n.text(lang, "sign-page-unauthorized", &[]));
    (
        StatusCode::UNAUTHORIZED,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"error": "unauthorized", "message": message})),
    )
        .into_response()
}

fn failed(error: crate::services::ServiceError) -> Response {
    tracing::error!(%error, "a Mini App request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({"error": "failed"})),
    )
        .into_response()
}

fn answer(body: impl serde::Serialize) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

async fn record(State(app): State<WebApp>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    match app.services.signing_view(&login, id).await {
        Ok(Some(view)) => answer(view),
        Ok(None) => unauthorized(&app, &headers),
        Err(error) => failed(error),
    }
}

async fn signature(
    State(app): State<WebApp>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    let Ok(drawing) = serde_json::from_slice::<Drawing>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"error": "not a drawing"})),
        )
            .into_response();
    };
    match app.services.sign_handover(&login, id, drawing).await {
        Ok(Some(signed)) => answer(signed),
        Ok(None) => unauthorized(&app, &headers),
        Err(error) => failed(error),
    }
}
