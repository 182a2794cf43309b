//! The plan page's room areas: a supervisor draws where each room is on a unit type's plan.
//! 401 to a login that is not valid, 404 to anyone but a supervisor or a type without a plan,
//! 400 to corners that are not an area; each then changes nothing.

use super::plan::{image_response, not_found};
use super::{WebApp, answer, failed, login, unauthorized};
use crate::services::room_areas::AreaChange;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub(super) async fn view(
    State(app): State<WebApp>,
    Path(unit_type): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    match app.services.room_areas_view(&login, &unit_type).await {
        Ok(Some(view)) => answer(view),
        Ok(None) => not_found(&app, &headers, None),
        Err(error) => failed(error),
    }
}

pub(super) async fn image(
    State(app): State<WebApp>,
    Path(unit_type): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    match app.services.type_plan_image(&login, &unit_type).await {
        Ok(Some(plan)) => image_response(plan),
        Ok(None) => not_found(&app, &headers, None),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
struct Corner {
    x: f64,
    y: f64,
}

#[derive(Deserialize)]
struct NewArea {
    room: String,
    corners: Vec<Corner>,
}

pub(super) async fn add(
    State(app): State<WebApp>,
    Path(unit_type): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    // A body that is not a room and corners is an area of no room: refused with its message.
    let (room, corners) = match serde_json::from_slice::<NewArea>(&body) {
        Ok(area) => (
            area.room,
            area.corners.iter().map(|c| (c.x, c.y)).collect::<Vec<_>>(),
        ),
        Err(_) => (String::new(), Vec::new()),
    };
    let change = app
        .services
        .add_room_area(&login, &unit_type, &room, &corners)
        .await;
    changed(&app, &headers, change)
}

pub(super) async fn remove(
    State(app): State<WebApp>,
    Path((unit_type, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Response {
    let Some(login) = login(&app, &headers) else {
        return unauthorized(&app, &headers);
    };
    let change = app.services.remove_room_area(&login, &unit_type, id).await;
    changed(&app, &headers, change)
}

fn changed(
    app: &WebApp,
    headers: &HeaderMap,
    change: crate::services::ServiceResult<AreaChange>,
) -> Response {
    match change {
        Ok(AreaChange::Done { message, areas }) => {
            answer(serde_json::json!({"outcome": "done", "message": message, "areas": areas}))
        }
        Ok(AreaChange::Refused { message }) => (
            StatusCode::BAD_REQUEST,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(serde_json::json!({"error": "not an area", "message": message})),
        )
            .into_response(),
        Ok(AreaChange::NotFound { message }) => not_found(app, headers, Some(message)),
        Err(error) => failed(error),
    }
}
