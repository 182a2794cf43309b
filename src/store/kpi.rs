//! The campaign's counts, aggregated in the database (never by loading rows), for the whole
//! campaign, one project or one building; and each project's targets.

use super::{StoreResult, Tx, with_conn};
use crate::domain::kpi::{Counts, Targets};
use chrono::{DateTime, Duration, Utc};

/// Which part of the campaign: everything, one project, or one building (of one project).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub project: Option<String>,
    pub building: Option<String>,
}

/// The units in scope, as a subquery on `$1` (project code or NULL) and `$2` (building name or
/// NULL).
const UNITS: &str = "SELECT u.id FROM units u JOIN buildings bl ON bl.id = u.building_id \
     JOIN projects p ON p.id = bl.project_id \
     WHERE (CAST($1 AS TEXT) IS NULL OR p.code = $1) AND (CAST($2 AS TEXT) IS NULL OR bl.name = $2)";

/// A defect (alias `d`) counts once recorded for good: not a walk-through draft, not a report
/// waiting for review, not rejected, and not a report merged into another (closed without ever
/// being open).
const RECORDED: &str = "d.status NOT IN ('recorded', 'reported', 'rejected') \
     AND (d.inspection_id IS NOT NULL OR EXISTS (SELECT 1 FROM defect_events e \
     WHERE e.defect_id = d.id AND e.to_status = 'open'))";

/// Defect statuses still owing work (DefectStatus::is_unresolved).
const UNRESOLVED: &str = "('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened')";
/// Statuses whose deadline counts (DefectStatus::awaits_engineering).
const AWAITING_ENGINEERING: &str = "('open', 'assigned', 'in_progress', 'reopened')";

macro_rules! scoped {
    ($tx:expr, $sql:expr, $scope:expr $(, $extra:expr)*) => {
        with_conn!($tx, |c| {
            sqlx::query_as($sql)
                .bind($scope.project.as_deref())
                .bind($scope.building.as_deref())
                $(.bind($extra))*
                .fetch_one(c)
                .await
        })
    };
}

impl Tx {
    /// Everything the KPIs are computed from, for `scope`, as of `now`.
    pub async fn campaign_counts(
        &mut self,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> StoreResult<Counts> {
        // The whole campaign (or its only project) needs no unit filter, so the counts come
        // straight from indexes; `$1` and `$2` stay in the statement, both NULL.
        let whole = scope.building.is_none()
            && (scope.project.is_none() || self.projects().await?.len() <= 1);
        let filter = |column: &str| {
            if whole {
                "CAST($1 AS TEXT) IS NULL AND CAST($2 AS TEXT) IS NULL".to_string()
            } else {
                format!("{column} IN ({UNITS})")
            }
        };
        let building_filter = if whole {
            filter("")
        } else {
            format!("f.building_id IN (SELECT u.building_id FROM units u WHERE u.id IN ({UNITS}))")
        };
        let scope = &if whole {
            Scope::default()
        } else {
            scope.clone()
        };
        let (units, buyers, unreachable): (i64, i64, i64) = scoped!(
            self,
            &format!(
                "SELECT (SELECT COUNT(*) FROM units WHERE {}), \
                 (SELECT COUNT(*) FROM buyers WHERE {}), \
                 (SELECT COUNT(*) FROM buyers WHERE unreachable = 1 AND {})",
                filter("id"),
                filter("unit_id"),
                filter("unit_id")
            ),
            scope
        )?;
        let (invited, confirmed, visited): (i64, i64, i64) = scoped!(
            self,
            &format!(
                "SELECT COUNT(DISTINCT unit_id), \
                 COUNT(DISTINCT CASE WHEN confirmed_at IS NOT NULL OR checked_in_at IS NOT NULL THEN unit_id END), \
                 COUNT(DISTINCT CASE WHEN checked_in_at IS NOT NULL THEN unit_id END) \
                 FROM appointments WHERE kind = 'inspection' AND {}",
                filter("unit_id")
            ),
            scope
        )?;
        let (handed_over, inspected): (i64, i64) = scoped!(
            self,
            &format!(
                "SELECT (SELECT COUNT(*) FROM handovers WHERE status = 'confirmed' AND {}), \
                 (SELECT COUNT(DISTINCT unit_id) FROM inspections WHERE finished_at IS NOT NULL AND {})",
                filter("unit_id"),
                filter("unit_id")
            ),
            scope
        )?;
        // One pass over the defects (a covering index) for everything but leakage.
        let (defects, open_defects, overdue_defects, fresh, two_weeks, month): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = scoped!(
            self,
            &format!(
                "SELECT COUNT(CASE WHEN {RECORDED} THEN 1 END), \
                 COUNT(CASE WHEN d.status IN {UNRESOLVED} THEN 1 END), \
                 COUNT(CASE WHEN d.status IN {AWAITING_ENGINEERING} AND d.due_at <= $3 THEN 1 END), \
                 COUNT(CASE WHEN d.status IN {UNRESOLVED} AND d.created_at > $4 THEN 1 END), \
                 COUNT(CASE WHEN d.status IN {UNRESOLVED} AND d.created_at <= $4 AND d.created_at > $5 THEN 1 END), \
                 COUNT(CASE WHEN d.status IN {UNRESOLVED} AND d.created_at <= $5 AND d.created_at > $6 THEN 1 END) \
                 FROM defects d WHERE {}",
                filter("d.unit_id")
            ),
            scope,
            now,
            now - Duration::days(8),
            now - Duration::days(15),
            now - Duration::days(31)
        )?;
        let (leaking,): (i64,) = scoped!(
            self,
            &format!(
                "SELECT COUNT(DISTINCT d.unit_id) FROM defects d WHERE d.category = 'leakage' \
                 AND {RECORDED} AND {}",
                filter("d.unit_id")
            ),
            scope
        )?;
        let (surveys, score_sum): (i64, i64) = scoped!(
            self,
            &format!(
                "SELECT COUNT(*), CAST(COALESCE(SUM(score), 0) AS BIGINT) FROM follow_ups \
                 WHERE kind = 'survey' AND score IS NOT NULL AND {}",
                filter("unit_id")
            ),
            scope
        )?;
        let (complaints, complaints_waiting, group_flags): (i64, i64, i64) = scoped!(
            self,
            &format!(
                "SELECT (SELECT COUNT(*) FROM complaints WHERE {}), \
                 (SELECT COUNT(*) FROM complaints WHERE acknowledged_at IS NULL AND {}), \
                 (SELECT COUNT(*) FROM group_complaint_flags f WHERE {})",
                filter("unit_id"),
                filter("unit_id"),
                building_filter
            ),
            scope
        )?;
        Ok(Counts {
            units,
            buyers,
            invited,
            confirmed,
            visited,
            handed_over,
            inspected,
            defects,
            leaking,
            open_defects,
            overdue_defects,
            ageing: [
                fresh,
                two_weeks,
                month,
                open_defects - fresh - two_weeks - month,
            ],
            surveys,
            score_sum,
            complaints,
            complaints_waiting,
            group_flags,
            unreachable,
        })
    }

    /// When each handover in scope was confirmed (for the progress chart).
    pub async fn handover_times(&mut self, scope: &Scope) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows: Vec<DateTime<Utc>> = with_conn!(self, |c| {
            sqlx::query_scalar(&format!(
                "SELECT confirmed_at FROM handovers WHERE status = 'confirmed' \
                 AND confirmed_at IS NOT NULL AND unit_id IN ({UNITS}) ORDER BY confirmed_at"
            ))
            .bind(scope.project.as_deref())
            .bind(scope.building.as_deref())
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// The handover plan: each handover slot's start and capacity, in scope's project(s).
    pub async fn handover_plan(&mut self, scope: &Scope) -> StoreResult<Vec<(DateTime<Utc>, i64)>> {
        let rows: Vec<(DateTime<Utc>, i64)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT s.starts_at, CAST(s.capacity AS BIGINT) FROM slots s JOIN projects p ON p.id = s.project_id \
                 WHERE s.kind = 'handover' AND (CAST($1 AS TEXT) IS NULL OR p.code = $1) ORDER BY s.starts_at",
            )
            .bind(scope.project.as_deref())
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Defects recorded (as the KPIs count them) per category.
    pub async fn defects_by_category(&mut self, scope: &Scope) -> StoreResult<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT d.category, COUNT(*) FROM defects d WHERE d.unit_id IN ({UNITS}) \
                 AND {RECORDED} \
                 GROUP BY d.category"
            ))
            .bind(scope.project.as_deref())
            .bind(scope.building.as_deref())
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Every project: id and code.
    pub async fn projects(&mut self) -> StoreResult<Vec<(i64, String)>> {
        let rows: Vec<(i64, String)> = with_conn!(self, |c| {
            sqlx::query_as("SELECT id, code FROM projects ORDER BY id")
                .fetch_all(c)
                .await
        })?;
        Ok(rows)
    }

    /// The projects that have a building of this name (their codes).
    pub async fn projects_with_building(&mut self, name: &str) -> StoreResult<Vec<String>> {
        let rows: Vec<String> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT p.code FROM buildings bl JOIN projects p ON p.id = bl.project_id \
                 WHERE bl.name = $1 ORDER BY p.id",
            )
            .bind(name)
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// The project's targets (none set: all `None`).
    pub async fn targets(&mut self, project_id: i64) -> StoreResult<Targets> {
        type Row = (
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Option<f64>,
            Option<f64>,
        );
        let row: Option<Row> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT visit_rate, handover_rate, defects_per_household, leakage_rate, satisfaction \
                 FROM targets WHERE project_id = $1",
            )
            .bind(project_id)
            .fetch_optional(c)
            .await
        })?;
        Ok(row.map_or_else(Targets::default, |r| Targets {
            visit_rate: r.0,
            handover_rate: r.1,
            defects_per_household: r.2,
            leakage_rate: r.3,
            satisfaction: r.4,
        }))
    }

    pub async fn save_targets(
        &mut self,
        project_id: i64,
        targets: &Targets,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO targets (project_id, visit_rate, handover_rate, defects_per_household, \
                 leakage_rate, satisfaction, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (project_id) DO UPDATE SET visit_rate = $2, handover_rate = $3, \
                 defects_per_household = $4, leakage_rate = $5, satisfaction = $6, updated_at = $7",
            )
            .bind(project_id)
            .bind(targets.visit_rate)
            .bind(targets.handover_rate)
            .bind(targets.defects_per_household)
            .bind(targets.leakage_rate)
            .bind(targets.satisfaction)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
