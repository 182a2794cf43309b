//! Floor plans (户型图) per project and unit type.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::defect::Room;
use crate::domain::plan::{Pin, RoomArea};
use chrono::{DateTime, Utc};

/// A unit type's plan as it is now (its newest version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloorPlan {
    /// The project it belongs to (for a rehearsal's home, the rehearsed project).
    pub project_id: i64,
    pub unit_type: String,
    pub version: i64,
    pub sha256: String,
    pub width: i64,
    pub height: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// A room's area on a unit type's plan, as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRoomArea {
    pub id: i64,
    pub room: Room,
    pub area: RoomArea,
}

/// A unit type of a project's homes, with how many homes have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitTypeCount {
    pub unit_type: String,
    pub homes: i64,
}

impl Tx {
    /// A new version of `unit_type`'s plan in `project_id`; returns its number.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_floor_plan(
        &mut self,
        project_id: i64,
        unit_type: &str,
        sha256: &str,
        width: i64,
        height: i64,
        uploaded_by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let version: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM floor_plans \
                 WHERE project_id = $1 AND unit_type = $2",
            )
            .bind(project_id)
            .bind(unit_type)
            .fetch_one(c)
            .await
        })?;
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO floor_plans (project_id, unit_type, version, sha256, width, height, \
                 uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(project_id)
            .bind(unit_type)
            .bind(version)
            .bind(sha256)
            .bind(width)
            .bind(height)
            .bind(uploaded_by)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(version)
    }

    /// The newest plan of each unit type of `project_id`, by unit type.
    pub async fn floor_plans(&mut self, project_id: i64) -> StoreResult<Vec<FloorPlan>> {
        type Row = (i64, String, i64, String, i64, i64, DateTime<Utc>);
        let rows: Vec<Row> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT p.project_id, p.unit_type, p.version, p.sha256, p.width, p.height, p.uploaded_at \
                 FROM floor_plans p WHERE p.project_id = $1 AND p.version = \
                 (SELECT MAX(q.version) FROM floor_plans q \
                  WHERE q.project_id = p.project_id AND q.unit_type = p.unit_type) \
                 ORDER BY p.unit_type",
            )
            .bind(project_id)
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(project_id, unit_type, version, sha256, width, height, uploaded_at)| FloorPlan {
                    project_id,
                    unit_type,
                    version,
                    sha256,
                    width,
                    height,
                    uploaded_at,
                },
            )
            .collect())
    }

    /// The newest plan of `unit_type` (as plans key it) for the home `unit_id`: its project's,
    /// or for a rehearsal's home the rehearsed project's.
    pub async fn floor_plan_of_unit(
        &mut self,
        unit_id: i64,
        unit_type: &str,
    ) -> StoreResult<Option<FloorPlan>> {
        type Row = (i64, String, i64, String, i64, i64, DateTime<Utc>);
        let row: Option<Row> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT p.project_id, p.unit_type, p.version, p.sha256, p.width, p.height, p.uploaded_at \
                 FROM floor_plans p JOIN buildings b ON p.project_id = b.project_id \
                    OR p.project_id = (SELECT pr.rehearsal_of FROM projects pr WHERE pr.id = b.project_id) \
                 JOIN units u ON u.building_id = b.id \
                 WHERE u.id = $1 AND p.unit_type = $2 \
                 ORDER BY p.project_id = b.project_id DESC, p.version DESC LIMIT 1",
            )
            .bind(unit_id)
            .bind(unit_type)
            .fetch_optional(c)
            .await
        })?;
        Ok(row.map(
            |(project_id, unit_type, version, sha256, width, height, uploaded_at)| FloorPlan {
                project_id,
                unit_type,
                version,
                sha256,
                width,
                height,
                uploaded_at,
            },
        ))
    }

    /// Marks the home `unit_id`'s layout as its type's plan flipped (or not); whether it changed.
    pub async fn set_plan_mirrored(&mut self, unit_id: i64, mirrored: bool) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query("UPDATE units SET plan_mirrored = $2 WHERE id = $1 AND plan_mirrored <> $2")
                .bind(unit_id)
                .bind(mirrored)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// The unit types of `project_id`'s homes (as the buyer list gave them), with their counts.
    pub async fn unit_type_counts(&mut self, project_id: i64) -> StoreResult<Vec<UnitTypeCount>> {
        let rows: Vec<(String, i64)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT u.unit_type, CAST(COUNT(*) AS BIGINT) FROM units u \
                 JOIN buildings b ON b.id = u.building_id \
                 WHERE b.project_id = $1 AND u.unit_type IS NOT NULL AND u.unit_type <> '' \
                 GROUP BY u.unit_type ORDER BY u.unit_type",
            )
            .bind(project_id)
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(unit_type, homes)| UnitTypeCount { unit_type, homes })
            .collect())
    }

    /// The room areas drawn on `unit_type`'s plan in `project_id`, oldest first.
    pub async fn room_areas(
        &mut self,
        project_id: i64,
        unit_type: &str,
    ) -> StoreResult<Vec<StoredRoomArea>> {
        let rows: Vec<(i64, String, String)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, room, corners FROM plan_room_areas \
                 WHERE project_id = $1 AND unit_type = $2 ORDER BY id",
            )
            .bind(project_id)
            .bind(unit_type)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|(id, room, corners)| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("room area {id}: {what}"));
                let corners: Vec<Pin> =
                    serde_json::from_str(&corners).map_err(|_| corrupt("corners"))?;
                let corners: Vec<(f64, f64)> = corners.iter().map(|c| (c.x, c.y)).collect();
                Ok(StoredRoomArea {
                    id,
                    room: room.parse().map_err(|_| corrupt("room"))?,
                    area: RoomArea::new(&corners).map_err(|_| corrupt("corners"))?,
                })
            })
            .collect()
    }

    /// A new area of `room` on `unit_type`'s plan in `project_id`; its id.
    pub async fn add_room_area(
        &mut self,
        project_id: i64,
        unit_type: &str,
        room: Room,
        area: &RoomArea,
        drawn_by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let corners = serde_json::to_string(area.corners())
            .map_err(|e| StoreError::Corrupt(format!("room area: {e}")))?;
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO plan_room_areas (project_id, unit_type, room, corners, drawn_by, \
                 drawn_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(project_id)
            .bind(unit_type)
            .bind(room.as_str())
            .bind(&corners)
            .bind(drawn_by)
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        Ok(id)
    }

    /// Removes area `id` of `unit_type`'s plan in `project_id`; whether there was one.
    pub async fn remove_room_area(
        &mut self,
        project_id: i64,
        unit_type: &str,
        id: i64,
    ) -> StoreResult<bool> {
        let removed = with_conn!(self, |c| {
            sqlx::query(
                "DELETE FROM plan_room_areas WHERE id = $1 AND project_id = $2 AND unit_type = $3",
            )
            .bind(id)
            .bind(project_id)
            .bind(unit_type)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(removed > 0)
    }
}
