//! Room areas on a unit type's floor plan: a supervisor draws where each room is (a polygon of
//! taps) once per type on the plan page (`app/plan?areas=A2`), and the page placing an item's pin
//! shades the areas of the item's room, so the person sees where the kitchen is before tapping.
//!
//! Areas are kept by type, in the plan's own orientation and normalised like pins, so a plan
//! uploaded again keeps them and a mirrored home sees them flipped.

use super::pins::{HomePlan, PlanBytes, PlanImage};
use super::signatures::PageLogin;
use super::{ServiceResult, Services};
use crate::domain::defect::Room;
use crate::domain::people::{Actor, Lang};
use crate::domain::plan::{AreaError, Pin, RoomArea, unit_type_key};
use crate::i18n::{Arg, plain_text};
use crate::present::Label as _;
use crate::store::Tx;
use crate::store::plans::{FloorPlan, StoredRoomArea};
use serde::Serialize;
use tracing::instrument;

/// A room one may draw an area for.
#[derive(Debug, Clone, Serialize)]
pub struct AreaRoom {
    pub code: &'static str,
    pub label: String,
}

/// A room's area as the reader sees the plan.
#[derive(Debug, Clone, Serialize)]
pub struct ShownArea {
    pub id: i64,
    pub room: &'static str,
    pub room_label: String,
    pub corners: Vec<Pin>,
}

/// What the plan page shows to draw a unit type's room areas.
#[derive(Debug, Clone, Serialize)]
pub struct AreasView {
    pub mode: &'static str,
    pub lang: &'static str,
    pub title: String,
    pub plan: PlanImage,
    pub rooms: Vec<AreaRoom>,
    pub areas: Vec<ShownArea>,
    pub texts: serde_json::Value,
}

/// What became of an area sent from the page, or of removing one.
#[derive(Debug, Clone)]
pub enum AreaChange {
    /// Done; the type's areas as they are now.
    Done {
        message: String,
        areas: Vec<ShownArea>,
    },
    /// Not an area (too few or too many corners, off the plan, enclosing nothing, no such room).
    Refused { message: String },
    /// No plan of that type, no such area, or not a supervisor.
    NotFound { message: String },
}

/// The rooms an area can be drawn for: every room of the walk-through but "other".
fn drawable_rooms() -> impl Iterator<Item = Room> {
    Room::ALL.into_iter().filter(|room| *room != Room::Other)
}

impl Services {
    /// The plan page for drawing `unit_type`'s room areas, when the Mini App is on.
    pub fn room_areas_url(&self, unit_type: &str) -> Option<String> {
        self.plan_page_url(&[("areas", unit_type.to_string())])
    }

    /// The areas of `room` on a home's plan.
    pub(super) async fn room_areas_of(
        &self,
        tx: &mut Tx,
        plan: &HomePlan,
        room: Room,
    ) -> ServiceResult<Vec<StoredRoomArea>> {
        Ok(tx
            .room_areas(plan.plan.project_id, &plan.plan.unit_type)
            .await?
            .into_iter()
            .filter(|area| area.room == room)
            .collect())
    }

    /// `areas` as `lang` reads them on a home that shows the plan flipped when `mirrored`.
    pub(super) fn shown_areas(
        &self,
        lang: Lang,
        areas: &[StoredRoomArea],
        mirrored: bool,
    ) -> Vec<ShownArea> {
        areas
            .iter()
            .map(|stored| ShownArea {
                id: stored.id,
                room: stored.room.as_str(),
                room_label: plain_text(&stored.room.label(&self.i18n, lang)),
                corners: stored.area.as_shown(mirrored).corners().to_vec(),
            })
            .collect()
    }

    /// The supervisor a page login speaks for, and the configured project's plan of
    /// `unit_type`; `None` for anyone else or a type without a plan.
    async fn areas_plan(
        &self,
        tx: &mut Tx,
        login: &PageLogin,
        unit_type: &str,
    ) -> ServiceResult<Option<(Actor, Lang, FloorPlan)>> {
        let Some((actor, lang)) = self.page_person(login).await? else {
            return Ok(None);
        };
        let Some(key) = unit_type_key(unit_type) else {
            return Ok(None);
        };
        if !actor.can_supervise() {
            return Ok(None);
        }
        let Some(project) = tx.project_id(&self.config.project).await? else {
            return Ok(None);
        };
        let plan = tx
            .floor_plans(project)
            .await?
            .into_iter()
            .find(|plan| plan.unit_type == key);
        Ok(plan.map(|plan| (actor, lang, plan)))
    }

    /// What the page shows to draw `unit_type`'s room areas, for a supervisor.
    #[instrument(skip_all)]
    pub async fn room_areas_view(
        &self,
        login: &PageLogin,
        unit_type: &str,
    ) -> ServiceResult<Option<AreasView>> {
        let mut tx = self.store.read().await?;
        let Some((_, lang, plan)) = self.areas_plan(&mut tx, login, unit_type).await? else {
            return Ok(None);
        };
        let areas = tx.room_areas(plan.project_id, &plan.unit_type).await?;
        tx.commit().await?;
        let i18n = &self.i18n;
        Ok(Some(AreasView {
            mode: "areas",
            lang: lang.code(),
            title: self.page_text(
                lang,
                "plan-areas-title",
                &[("unit_type", Arg::from(plan.unit_type.as_str()))],
            ),
            plan: PlanImage {
                image: format!(
                    "api/plans/{}/image?v={}",
                    url::form_urlencoded::byte_serialize(plan.unit_type.as_bytes())
                        .collect::<String>(),
                    plan.version
                ),
                width: plan.width,
                height: plan.height,
                mirrored: false,
            },
            rooms: drawable_rooms()
                .map(|room| AreaRoom {
                    code: room.as_str(),
                    label: plain_text(&room.label(i18n, lang)),
                })
                .collect(),
            areas: self.shown_areas(lang, &areas, false),
            texts: self.page_texts(
                lang,
                &[
                    ("hint", "plan-areas-hint"),
                    ("room", "plan-areas-room"),
                    ("save", "plan-areas-save"),
                    ("saving", "plan-page-saving"),
                    ("undo", "plan-areas-undo"),
                    ("remove", "plan-areas-remove"),
                    ("none", "plan-areas-none"),
                    ("failed", "plan-page-failed"),
                    ("zoom_in", "plan-page-zoom-in"),
                    ("zoom_out", "plan-page-zoom-out"),
                    ("reset", "plan-page-reset"),
                ],
            ),
        }))
    }

    /// The plan image of `unit_type`, for a supervisor drawing its areas.
    pub async fn type_plan_image(
        &self,
        login: &PageLogin,
        unit_type: &str,
    ) -> ServiceResult<Option<PlanBytes>> {
        let mut tx = self.store.read().await?;
        let Some((_, _, plan)) = self.areas_plan(&mut tx, login, unit_type).await? else {
            return Ok(None);
        };
        let bytes = self.read_media_file(&mut tx, &plan.sha256).await?;
        tx.commit().await?;
        Ok(Some(PlanBytes::of(bytes)))
    }

    /// A supervisor's new area of `room` (its code) on `unit_type`'s plan, its corners as
    /// tapped (0–1 each way).
    #[instrument(skip_all)]
    pub async fn add_room_area(
        &self,
        login: &PageLogin,
        unit_type: &str,
        room: &str,
        corners: &[(f64, f64)],
    ) -> ServiceResult<AreaChange> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some((actor, lang, plan)) = self.areas_plan(&mut tx, login, unit_type).await? else {
            return self.area_not_found(login).await;
        };
        let refused = |key: &str| AreaChange::Refused {
            message: self.page_text(lang, key, &[]),
        };
        let Some(room) = room.parse::<Room>().ok().filter(|r| *r != Room::Other) else {
            return Ok(refused("plan-areas-no-room"));
        };
        let area = match RoomArea::new(corners) {
            Ok(area) => area,
            Err(AreaError::CornerCount) => return Ok(refused("plan-areas-corners")),
            Err(AreaError::OffPlan) => return Ok(refused("plan-page-bad-position")),
            Err(AreaError::TooSmall) => return Ok(refused("plan-areas-too-small")),
        };
        let id = tx
            .add_room_area(
                plan.project_id,
                &plan.unit_type,
                room,
                &area,
                &actor.audit_name(),
                now,
            )
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "plan.area.add",
            &format!("plan:{}", plan.unit_type),
            serde_json::json!({ "area": id, "room": room.as_str(), "corners": area.corners().len() }),
        )
        .await?;
        let areas = tx.room_areas(plan.project_id, &plan.unit_type).await?;
        tx.commit().await?;
        Ok(AreaChange::Done {
            message: self.page_text(
                lang,
                "plan-areas-saved",
                &[("room", Arg::from(plain_text(&room.label(&self.i18n, lang))))],
            ),
            areas: self.shown_areas(lang, &areas, false),
        })
    }

    /// Removes area `id` of `unit_type`'s plan, for a supervisor. Removing it again finds
    /// nothing and changes nothing.
    #[instrument(skip_all)]
    pub async fn remove_room_area(
        &self,
        login: &PageLogin,
        unit_type: &str,
        id: i64,
    ) -> ServiceResult<AreaChange> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some((actor, lang, plan)) = self.areas_plan(&mut tx, login, unit_type).await? else {
            return self.area_not_found(login).await;
        };
        if !tx
            .remove_room_area(plan.project_id, &plan.unit_type, id)
            .await?
        {
            return self.area_not_found(login).await;
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "plan.area.remove",
            &format!("plan:{}", plan.unit_type),
            serde_json::json!({ "area": id }),
        )
        .await?;
        let areas = tx.room_areas(plan.project_id, &plan.unit_type).await?;
        tx.commit().await?;
        Ok(AreaChange::Done {
            message: self.page_text(lang, "plan-areas-removed", &[]),
            areas: self.shown_areas(lang, &areas, false),
        })
    }

    /// Nothing the person may draw on: the page's "not found", in the login's language.
    async fn area_not_found(&self, login: &PageLogin) -> ServiceResult<AreaChange> {
        let lang = self.login_lang(login).await?;
        Ok(AreaChange::NotFound {
            message: self.page_text(lang, "plan-page-not-found", &[]),
        })
    }
}
