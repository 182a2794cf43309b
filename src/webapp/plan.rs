//! The plan page: an item's pin placed on its home's floor plan, and every item of a home (or of
//! a unit type in a building) shown as pins. The API answers 401 to a login that is not valid
//! and 404 to anything the person may not see, and then changes nothing.

use super::{WebApp, answer, asset, failed, login, request_lang, unauthorized};
use crate::i18n::plain_text;
use crate::services::pins::{PinPlaced, PlanBytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const PLAN_PAGE: &str = include_str!("assets/plan.html");
const PLAN_SCRIPT: &str = include_str!("assets/plan.js");
const PLAN_STYLES: &str = include_str!("assets/plan.css");

/// The page, with the words it shows before it has heard from the API.
pub(super) async fn page(State(app): State<WebApp>, headers: HeaderMap) -> Response {
    super::page(&app, &headers, PLAN_PAGE)
}

pub(super) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", PLAN_SCRIPT)
}

pub(super) async fn styles() -> Response {
    asset("text/css; charset=utf-8", PLAN_STYLES)
}

/// 404 with what to tell the person, in the language the page asks for.
pub(super) fn not_found(app: &WebApp, headers: &HeaderMap, message: Option<String>) -> Response {
    let message = message.unwrap_or_else(|| {
        let lang = request_lang(app, headers);
        plain_text(&app.services.i18n.text(lang, "plan-page-not-found", &[]))
    });
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"error": "not found", "message": message})),
    )
        .into_response()
}

pub(super) async fn pin(
    State(app): State<WebApp>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    match app.services.pin_view(&login, id).await {
        Ok(Some(view)) => answer(view),
        Ok(None) => not_found(&app, &headers, None),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
struct Position {
    x: f64,
    y: f64,
}

pub(super) async fn place(
    State(app): State<WebApp>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    // Anything but two numbers is not a place on the plan.
    let (x, y) = match serde_json::from_slice::<Position>(&body) {
        Ok(position) => (position.x, position.y),
        Err(_) => (f64::NAN, f64::NAN),
    };
    match app.services.place_pin(&login, id, x, y).await {
        Ok(PinPlaced::Kept { message, pin }) => {
            answer(serde_json::json!({"outcome": "kept", "message": message, "pin": pin}))
        }
        Ok(PinPlaced::BadPosition { message }) => (
            StatusCode::BAD_REQUEST,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(serde_json::json!({"error": "bad position", "message": message})),
        )
            .into_response(),
        Ok(PinPlaced::NotFound { message }) => not_found(&app, &headers, Some(message)),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
pub(super) struct ViewQuery {
    #[serde(default)]
    above: Option<String>,
}

pub(super) async fn home_view(
    State(app): State<WebApp>,
    Path(id): Path<i64>,
    Query(query): Query<ViewQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    let above = matches!(query.above.as_deref(), Some("1" | "true"));
    match app.services.home_plan_view(&login, id, above).await {
        Ok(Some(view)) => answer(view),
        Ok(None) => not_found(&app, &headers, None),
        Err(error) => failed(error),
    }
}

pub(super) async fn type_view(
    State(app): State<WebApp>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    match app.services.type_plan_view(&login, id).await {
        Ok(Some(view)) => answer(view),
        Ok(None) => not_found(&app, &headers, None),
        Err(error) => failed(error),
    }
}

pub(super) async fn image(
    State(app): State<WebApp>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    match app.services.plan_image_of(&login, id).await {
        Ok(Some(plan)) => image_response(plan),
        Ok(None) => not_found(&app, &headers, None),
        Err(error) => failed(error),
    }
}

/// A plan image for the page.
pub(super) fn image_response(plan: PlanBytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(plan.mime)),
            // The page asks again with the plan's version in the address; a person's browser
            // may keep it, nothing between may.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        plan.bytes,
    )
        .into_response()
}
