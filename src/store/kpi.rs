//! The campaign's counts, aggregated in the database (never by loading rows), for the whole
//! campaign, one project or one building; and each project's targets.

use super::{StoreResult, Tx, with_conn};
use crate::domain::kpi::{Counts, Targets};
use chrono::{DateTime, Duration, NaiveTime, Utc};

/// Which part of the campaign: everything, one project, or one building (of one project).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub project: Option<String>,
    pub building: Option<String>,
}

/// The units in scope, as a subquery on `$1` (project code or NULL) and `$2` (building name or
/// NULL). A rehearsal's units never count.
const UNITS: &str = "SELECT u.id FROM units u JOIN buildings bl ON bl.id = u.building_id \
     JOIN projects p ON p.id = bl.project_id \
     WHERE (CAST($1 AS TEXT) IS NULL OR p.code = $1) AND (CAST($2 AS TEXT) IS NULL OR bl.name = $2) \
     AND p.rehearsal_of IS NULL";

/// The whole campaign while no rehearsal runs: every defect is in scope (the parameters stay,
/// both NULL), without looking its building up. During a rehearsal the building decides.
const EVERY_DEFECT: &str = "CAST($1 AS TEXT) IS NULL AND CAST($2 AS TEXT) IS NULL \
     AND NOT EXISTS (SELECT 1 FROM projects WHERE rehearsal_of IS NOT NULL)";

/// The buildings in scope, the same way.
const BUILDINGS: &str = "SELECT bl.id FROM buildings bl JOIN projects p ON p.id = bl.project_id \
     WHERE (CAST($1 AS TEXT) IS NULL OR p.code = $1) AND (CAST($2 AS TEXT) IS NULL OR bl.name = $2) \
     AND p.rehearsal_of IS NULL";

/// A defect (alias `d`) counts once recorded for good: not a walk-through draft, not a report
/// waiting for review, not rejected, and not a report merged into another (closed without ever
/// being open). The tally triggers of migration 0010 count the same.
const RECORDED: &str = "d.status NOT IN ('recorded', 'reported', 'rejected') \
     AND (d.inspection_id IS NOT NULL OR d.opened <> 0)";

/// Defect statuses still owing work (DefectStatus::is_unresolved); spelled as the partial index
/// `defects_unresolved_created` has it, so the planner uses that index.
const UNRESOLVED: &str = "('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened')";
/// Statuses whose deadline counts (DefectStatus::awaits_engineering), as index `defects_due` has.
const AWAITING_ENGINEERING: &str = "('open', 'assigned', 'in_progress', 'reopened')";

/// The `building_tallies` columns summed over the scope, in the order `campaign_counts` reads.
const TALLIED: [&str; 15] = [
    "units",
    "buyers",
    "unreachable",
    "invited",
    "confirmed",
    "visited",
    "handed_over",
    "inspected",
    "defects",
    "leaking",
    "unresolved",
    "surveys",
    "score_sum",
    "complaints",
    "complaints_waiting",
];

/// Midnight (UTC) starting `at`'s day.
fn midnight(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive().and_time(NaiveTime::MIN).and_utc()
}

impl Tx {
    /// Everything the KPIs are computed from, for `scope`, as of `now`: read from the running
    /// tallies the triggers of migration 0010 keep (rows per building and day, whatever the
    /// campaign's size), plus the rows of each age band's boundary day and of today's deadlines.
    pub async fn campaign_counts(
        &mut self,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> StoreResult<Counts> {
        // Defect `d` in scope, phrased so each planner walks the date index and not every unit's
        // defects: SQLite looks the unit's building up per row; PostgreSQL semi-joins the units.
        let in_buildings = if self.is_postgres() {
            format!("d.unit_id IN (SELECT u.id FROM units u WHERE u.building_id IN ({BUILDINGS}))")
        } else {
            format!("(SELECT u.building_id FROM units u WHERE u.id = d.unit_id) IN ({BUILDINGS})")
        };
        let defect_in_scope = if *scope == Scope::default() {
            format!("({EVERY_DEFECT} OR {in_buildings})")
        } else {
            in_buildings
        };
        let sums = TALLIED.map(|column| format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"));
        let row = with_conn!(self, |c| {
            sqlx::query(&format!(
                "SELECT {} FROM building_tallies WHERE building_id IN ({BUILDINGS})",
                sums.join(", ")
            ))
            .bind(scope.project.as_deref())
            .bind(scope.building.as_deref())
            .fetch_one(c)
            .await
            .and_then(|row| {
                (0..TALLIED.len())
                    .map(|i| sqlx::Row::try_get::<i64, _>(&row, i))
                    .collect::<Result<Vec<i64>, _>>()
            })
        })?;
        let tally = |column: &str| {
            TALLIED
                .iter()
                .position(|c| *c == column)
                .map_or(0, |i| row[i])
        };
        // Unresolved defects recorded after each band's edge: whole days from the tallies, the
        // edge's own day from the rows.
        let mut newer_than = [0i64; 3];
        for (count, days) in newer_than.iter_mut().zip([8, 15, 31]) {
            let edge = now - Duration::days(days);
            let (whole_days, edge_day): (i64, i64) = with_conn!(self, |c| {
                sqlx::query_as(&format!(
                    "SELECT (SELECT CAST(COALESCE(SUM(unresolved), 0) AS BIGINT) \
                     FROM defect_created_tallies WHERE day > $3 AND building_id IN ({BUILDINGS})), \
                     (SELECT COUNT(*) FROM defects d WHERE d.status IN {UNRESOLVED} \
                     AND d.created_at > $4 AND d.created_at < $5 AND {defect_in_scope})"
                ))
                .bind(scope.project.as_deref())
                .bind(scope.building.as_deref())
                .bind(edge.date_naive())
                .bind(edge)
                .bind(midnight(edge) + Duration::days(1))
                .fetch_one(c)
                .await
            })?;
            *count = whole_days + edge_day;
        }
        let [fresh, two_weeks, month] = newer_than;
        // Past due: earlier due days from the tallies, today's from the rows.
        let (overdue_days, overdue_today, group_flags): (i64, i64, i64) = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "SELECT (SELECT CAST(COALESCE(SUM(awaiting), 0) AS BIGINT) FROM defect_due_tallies \
                 WHERE day < $3 AND building_id IN ({BUILDINGS})), \
                 (SELECT COUNT(*) FROM defects d WHERE d.status IN {AWAITING_ENGINEERING} \
                 AND d.due_at >= $4 AND d.due_at <= $5 AND {defect_in_scope}), \
                 (SELECT COUNT(*) FROM group_complaint_flags WHERE building_id IN ({BUILDINGS}))"
            ))
            .bind(scope.project.as_deref())
            .bind(scope.building.as_deref())
            .bind(now.date_naive())
            .bind(midnight(now))
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        let open_defects = tally("unresolved");
        Ok(Counts {
            units: tally("units"),
            buyers: tally("buyers"),
            invited: tally("invited"),
            confirmed: tally("confirmed"),
            visited: tally("visited"),
            handed_over: tally("handed_over"),
            inspected: tally("inspected"),
            defects: tally("defects"),
            leaking: tally("leaking"),
            open_defects,
            overdue_defects: overdue_days + overdue_today,
            ageing: [
                fresh,
                two_weeks - fresh,
                month - two_weeks,
                open_defects - month,
            ],
            surveys: tally("surveys"),
            score_sum: tally("score_sum"),
            complaints: tally("complaints"),
            complaints_waiting: tally("complaints_waiting"),
            group_flags,
            unreachable: tally("unreachable"),
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
                 WHERE s.kind = 'handover' AND (CAST($1 AS TEXT) IS NULL OR p.code = $1) \
                 AND p.rehearsal_of IS NULL ORDER BY s.starts_at",
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
            sqlx::query_as("SELECT id, code FROM projects WHERE rehearsal_of IS NULL ORDER BY id")
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
                 WHERE bl.name = $1 AND p.rehearsal_of IS NULL ORDER BY p.id",
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

#[cfg(test)]
mod tests {
    //! The tallies against a recount by scanning, after a random mix of the writes the
    //! application makes (and a few it doesn't, like deletes), on SQLite and on PostgreSQL.

    use super::*;
    use crate::store::Store;
    use crate::store::testdb::TestDatabase;
    use chrono::TimeZone;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    impl Tx {
        async fn run(&mut self, sql: &str, times: &[DateTime<Utc>]) -> u64 {
            with_conn!(self, |c| {
                let mut query = sqlx::query(sql);
                for t in times {
                    query = query.bind(*t);
                }
                query.execute(c).await.map(|r| r.rows_affected())
            })
            .unwrap()
        }

        async fn count(&mut self, sql: &str, scope: &Scope, times: &[DateTime<Utc>]) -> i64 {
            with_conn!(self, |c| {
                let mut query = sqlx::query_scalar(sql)
                    .bind(scope.project.as_deref())
                    .bind(scope.building.as_deref());
                for t in times {
                    query = query.bind(*t);
                }
                query.fetch_one(c).await
            })
            .unwrap()
        }

        /// What the KPIs count, straight from the rows (the definitions before the tallies).
        async fn recount(&mut self, scope: &Scope, now: DateTime<Utc>) -> Counts {
            let in_units = format!("unit_id IN ({UNITS})");
            let d_in_units = format!("d.unit_id IN ({UNITS})");
            let defects = |condition: &str| {
                format!("SELECT COUNT(*) FROM defects d WHERE {condition} AND {d_in_units}")
            };
            let unresolved = format!("d.status IN {UNRESOLVED}");
            let open = self.count(&defects(&unresolved), scope, &[]).await;
            let newer = defects(&format!("{unresolved} AND d.created_at > $3"));
            let mut newer_than = [0; 3];
            for (count, days) in newer_than.iter_mut().zip([8, 15, 31]) {
                *count = self
                    .count(&newer, scope, &[now - Duration::days(days)])
                    .await;
            }
            let [fresh, two_weeks, month] = newer_than;
            Counts {
                units: self.count(&format!("SELECT COUNT(*) FROM units WHERE id IN ({UNITS})"), scope, &[]).await,
                buyers: self.count(&format!("SELECT COUNT(*) FROM buyers WHERE {in_units}"), scope, &[]).await,
                unreachable: self
                    .count(&format!("SELECT COUNT(*) FROM buyers WHERE unreachable <> 0 AND {in_units}"), scope, &[])
                    .await,
                invited: self
                    .count(&format!("SELECT COUNT(DISTINCT unit_id) FROM appointments WHERE kind = 'inspection' AND {in_units}"), scope, &[])
                    .await,
                confirmed: self
                    .count(&format!("SELECT COUNT(DISTINCT unit_id) FROM appointments WHERE kind = 'inspection' \
                        AND (confirmed_at IS NOT NULL OR checked_in_at IS NOT NULL) AND {in_units}"), scope, &[])
                    .await,
                visited: self
                    .count(&format!("SELECT COUNT(DISTINCT unit_id) FROM appointments WHERE kind = 'inspection' \
                        AND checked_in_at IS NOT NULL AND {in_units}"), scope, &[])
                    .await,
                handed_over: self
                    .count(&format!("SELECT COUNT(*) FROM handovers WHERE status = 'confirmed' AND {in_units}"), scope, &[])
                    .await,
                inspected: self
                    .count(&format!("SELECT COUNT(DISTINCT unit_id) FROM inspections WHERE finished_at IS NOT NULL AND {in_units}"), scope, &[])
                    .await,
                defects: self
                    .count(&defects("d.status NOT IN ('recorded', 'reported', 'rejected') AND (d.inspection_id IS NOT NULL \
                        OR EXISTS (SELECT 1 FROM defect_events e WHERE e.defect_id = d.id AND e.to_status = 'open'))"), scope, &[])
                    .await,
                leaking: self
                    .count(&format!("SELECT COUNT(DISTINCT d.unit_id) FROM defects d WHERE d.category = 'leakage' \
                        AND d.status NOT IN ('recorded', 'reported', 'rejected') AND (d.inspection_id IS NOT NULL \
                        OR EXISTS (SELECT 1 FROM defect_events e WHERE e.defect_id = d.id AND e.to_status = 'open')) \
                        AND {d_in_units}"), scope, &[])
                    .await,
                open_defects: open,
                overdue_defects: self
                    .count(&defects(&format!("d.status IN {AWAITING_ENGINEERING} AND d.due_at <= $3")), scope, &[now])
                    .await,
                ageing: [fresh, two_weeks - fresh, month - two_weeks, open - month],
                surveys: self
                    .count(&format!("SELECT COUNT(*) FROM follow_ups WHERE kind = 'survey' AND score IS NOT NULL AND {in_units}"), scope, &[])
                    .await,
                score_sum: self
                    .count(&format!("SELECT CAST(COALESCE(SUM(score), 0) AS BIGINT) FROM follow_ups WHERE kind = 'survey' AND {in_units}"), scope, &[])
                    .await,
                complaints: self
                    .count(&format!("SELECT COUNT(*) FROM complaints WHERE {in_units}"), scope, &[])
                    .await,
                complaints_waiting: self
                    .count(&format!("SELECT COUNT(*) FROM complaints WHERE acknowledged_at IS NULL AND {in_units}"), scope, &[])
                    .await,
                group_flags: self
                    .count(&format!("SELECT COUNT(*) FROM group_complaint_flags WHERE building_id IN \
                        (SELECT u.building_id FROM units u WHERE u.id IN ({UNITS}))"), scope, &[])
                    .await,
            }
        }
    }

    const STATUSES: [&str; 11] = [
        "recorded",
        "reported",
        "rejected",
        "open",
        "assigned",
        "in_progress",
        "on_hold",
        "fixed",
        "reopened",
        "verified",
        "closed",
    ];

    /// One random write of the kinds the services make.
    async fn random_write(tx: &mut Tx, rng: &mut StdRng, now: DateTime<Utc>, step: usize) {
        let unit = rng.gen_range(1..=12);
        let some_time =
            |rng: &mut StdRng| now - Duration::seconds(rng.gen_range(-5 * 86_400..45 * 86_400));
        let maybe = |rng: &mut StdRng, sql: &str| {
            if rng.gen_bool(0.5) {
                sql.to_string()
            } else {
                "NULL".into()
            }
        };
        let (a, b) = (some_time(rng), some_time(rng));
        match rng.gen_range(0..14) {
            0 => {
                let unreachable = rng.gen_range(0..2);
                tx.run(&format!("INSERT INTO buyers (unit_id, name, phone, tier, unreachable, created_at, updated_at) \
                    VALUES ({unit}, 'b', '+86{step}', 'B', {unreachable}, $1, $1)"), &[a]).await;
            }
            1 => {
                let unreachable = rng.gen_range(0..2);
                tx.run(
                    &format!(
                        "UPDATE buyers SET unreachable = {unreachable}, unit_id = {unit} \
                    WHERE id = (SELECT MAX(id) FROM buyers)"
                    ),
                    &[],
                )
                .await;
            }
            2 => {
                let (confirmed, checked) = (maybe(rng, "$2"), maybe(rng, "$2"));
                let kind = if rng.gen_bool(0.8) {
                    "inspection"
                } else {
                    "handover"
                };
                tx.run(&format!("INSERT INTO appointments (unit_id, kind, status, invited_at, confirmed_at, checked_in_at, updated_at) \
                    VALUES ({unit}, '{kind}', 'completed', $1, {confirmed}, {checked}, $1)"), &[a, b]).await;
            }
            3 => {
                let (confirmed, checked) = (maybe(rng, "$1"), maybe(rng, "$1"));
                let id = rng.gen_range(1..=step as i64);
                tx.run(&format!("UPDATE appointments SET confirmed_at = {confirmed}, checked_in_at = {checked} \
                    WHERE id = {id}"), &[a]).await;
            }
            4 => {
                tx.run(&format!("INSERT INTO handovers (unit_id, staff_id, keys, documents, open_defects, status, submitted_at) \
                    VALUES ({unit}, 1, '[]', '[]', '[]', 'awaiting_buyer', $1)"), &[a]).await;
                if rng.gen_bool(0.6) {
                    tx.run(&format!("UPDATE handovers SET status = 'confirmed', confirmed_at = $1 \
                        WHERE id = (SELECT MAX(id) FROM handovers) AND NOT EXISTS \
                        (SELECT 1 FROM handovers h WHERE h.unit_id = {unit} AND h.status = 'confirmed')"), &[a]).await;
                }
            }
            5 => {
                let finished = maybe(rng, "$1");
                tx.run(
                    &format!(
                        "INSERT INTO inspections (unit_id, staff_id, started_at, finished_at) \
                    VALUES ({unit}, 1, $1, {finished})"
                    ),
                    &[a],
                )
                .await;
                tx.run("UPDATE inspections SET finished_at = $1 WHERE id = 1", &[b])
                    .await;
            }
            6..=8 => {
                let status = STATUSES[rng.gen_range(0..STATUSES.len())];
                let category = if rng.gen_bool(0.3) {
                    "leakage"
                } else {
                    "plumbing"
                };
                let inspection = if rng.gen_bool(0.5) {
                    "(SELECT MIN(id) FROM inspections)"
                } else {
                    "NULL"
                };
                let due = maybe(rng, "$2");
                tx.run(&format!("INSERT INTO defects (unit_id, inspection_id, room, category, severity, note, status, due_at, \
                    created_by, created_at, updated_at) VALUES ({unit}, {inspection}, 'kitchen', '{category}', 'normal', '', \
                    '{status}', {due}, 't', $1, $1)"), &[a, b]).await;
            }
            9 | 10 => {
                let status = STATUSES[rng.gen_range(0..STATUSES.len())];
                let due = maybe(rng, "$1");
                tx.run(
                    &format!(
                        "UPDATE defects SET status = '{status}', due_at = {due}, updated_at = $1 \
                    WHERE id = (SELECT id FROM defects ORDER BY id DESC LIMIT 1 OFFSET {})",
                        rng.gen_range(0..5)
                    ),
                    &[a],
                )
                .await;
            }
            11 => {
                let to = if rng.gen_bool(0.5) { "open" } else { "closed" };
                tx.run(
                    &format!(
                        "INSERT INTO defect_events (defect_id, at, actor, to_status, note) \
                    SELECT id, $1, 't', '{to}', '' FROM defects ORDER BY id DESC LIMIT 1"
                    ),
                    &[a],
                )
                .await;
            }
            12 => {
                let score = if rng.gen_bool(0.7) {
                    rng.gen_range(1..=5).to_string()
                } else {
                    "NULL".into()
                };
                tx.run(
                    &format!(
                        "INSERT INTO follow_ups (unit_id, kind, day, due_at, status, score) \
                    VALUES ({unit}, 'survey', {step}, $1, 'answered', {score})"
                    ),
                    &[a],
                )
                .await;
                tx.run(
                    "UPDATE follow_ups SET score = 3 WHERE id = (SELECT MIN(id) FROM follow_ups)",
                    &[],
                )
                .await;
            }
            _ => {
                tx.run(&format!("INSERT INTO complaints (unit_id, buyer_id, topic, level, text, created_at, ack_due_at) \
                    SELECT {unit}, MIN(id), 'quality', 'general', 'x', $1, $1 FROM buyers HAVING COUNT(*) > 0"), &[a]).await;
                tx.run("UPDATE complaints SET acknowledged_at = $1 WHERE id = (SELECT MIN(id) FROM complaints)", &[a]).await;
                if rng.gen_bool(0.2) {
                    tx.run(
                        "DELETE FROM complaints WHERE id = (SELECT MAX(id) FROM complaints)",
                        &[],
                    )
                    .await;
                }
            }
        }
    }

    #[tokio::test]
    async fn tallies_agree_with_a_recount_of_the_rows() {
        let postgres = TestDatabase::from_env();
        let dir = tempfile::tempdir().unwrap();
        let url = postgres.as_ref().map_or_else(
            || format!("sqlite://{}", dir.path().join("kpi.db").display()),
            |db| db.url().to_string(),
        );
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 9, 30, 0).unwrap();
        let mut tx = store.begin().await.unwrap();
        for code in ["north", "south"] {
            let project = tx.ensure_project(code, now).await.unwrap();
            // Building "1" exists in both projects: scopes must not mix them.
            for name in ["1", "2"] {
                tx.run(
                    &format!(
                        "INSERT INTO buildings (project_id, name) VALUES ({project}, '{name}')"
                    ),
                    &[],
                )
                .await;
            }
        }
        for unit in 1..=12 {
            let building = 1 + (unit - 1) % 4;
            tx.run(&format!("INSERT INTO units (building_id, entrance, room) VALUES ({building}, '1', '{unit}')"), &[]).await;
        }
        tx.run("INSERT INTO staff (name, roles, created_at, updated_at) VALUES ('s', 'ambassador', $1, $1)", &[now]).await;
        tx.run("INSERT INTO group_complaint_flags (building_id, topic, households, raised_at) VALUES (2, 'q', 3, $1)", &[now]).await;
        tx.commit().await.unwrap();
        let scopes = [
            Scope::default(),
            Scope {
                project: Some("north".into()),
                building: None,
            },
            Scope {
                project: Some("south".into()),
                building: Some("1".into()),
            },
            Scope {
                project: Some("north".into()),
                building: Some("2".into()),
            },
        ];
        let mut rng = StdRng::seed_from_u64(10);
        for step in 1..=400 {
            let mut tx = store.begin().await.unwrap();
            random_write(&mut tx, &mut rng, now, step).await;
            tx.commit().await.unwrap();
            if step % 40 == 0 {
                let mut tx = store.read().await.unwrap();
                for scope in &scopes {
                    let tallied = tx.campaign_counts(scope, now).await.unwrap();
                    let recounted = tx.recount(scope, now).await;
                    assert_eq!(tallied, recounted, "after {step} writes, scope {scope:?}");
                }
                tx.commit().await.unwrap();
            }
        }
        let mut tx = store.read().await.unwrap();
        let whole = tx.campaign_counts(&Scope::default(), now).await.unwrap();
        tx.commit().await.unwrap();
        // The mix reached every count (so the comparison above compared something).
        assert!(whole.defects > 0 && whole.leaking > 0 && whole.overdue_defects > 0);
        assert!(whole.ageing.iter().all(|n| *n > 0), "{whole:?}");
        assert!(whole.visited > 0 && whole.handed_over > 0 && whole.surveys > 0);
        assert!(whole.complaints_waiting > 0 && whole.unreachable > 0 && whole.group_flags > 0);
        store.close().await;
    }
}
