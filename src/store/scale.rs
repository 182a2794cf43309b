//! Seeds a campaign of a given size straight in SQL, for the `/summary` benchmark: per unit one
//! buyer, 5 defects with 4 events each, and a realistic share of invitations, visits,
//! inspections, handovers, surveys and complaints. Not used by the application.

use super::{Pool, Store, StoreResult, Tx, with_conn};
use chrono::{DateTime, Duration, Utc};

/// Buildings the units are spread over.
const BUILDINGS: i64 = 100;
pub const DEFECTS_PER_UNIT: i64 = 5;
pub const EVENTS_PER_DEFECT: i64 = 4;
/// The hours over which defects were recorded (40 days), and a week of hours.
const HOURS: i64 = 40 * 24;
const WEEK: i64 = 7 * 24;

impl Tx {
    async fn exec(&mut self, sql: &str, times: &[DateTime<Utc>]) -> StoreResult<u64> {
        let rows = with_conn!(self, |c| {
            let mut query = sqlx::query(sql);
            for t in times {
                query = query.bind(*t);
            }
            query.execute(c).await.map(|r| r.rows_affected())
        })?;
        Ok(rows)
    }

    async fn min_id(&mut self, table: &str) -> StoreResult<i64> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(&format!("SELECT MIN(id) FROM {table}"))
                .fetch_one(c)
                .await
        })?;
        Ok(id.unwrap_or(1))
    }

    /// Seeds `units` units (and everything about them) into an empty, migrated database.
    pub async fn seed_campaign(&mut self, units: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let rows = units * DEFECTS_PER_UNIT * EVENTS_PER_DEFECT;
        self.exec("CREATE TEMPORARY TABLE seq (i BIGINT PRIMARY KEY)", &[])
            .await?;
        if self.is_postgres() {
            self.exec(
                &format!("INSERT INTO seq SELECT generate_series(1, {rows})"),
                &[],
            )
            .await?;
        } else {
            self.exec(
                &format!(
                    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) \
                     INSERT INTO seq SELECT i FROM s"
                ),
                &[],
            )
            .await?;
        }
        let project = self.ensure_project("bench", now).await?;
        let t = [
            now - Duration::days(40),
            now - Duration::days(20),
            now - Duration::days(10),
            now - Duration::days(2),
            now + Duration::days(3),
        ];
        self.exec(
            &format!(
                "INSERT INTO buildings (project_id, name) SELECT {project}, CAST(i AS TEXT) FROM seq \
                 WHERE i <= {BUILDINGS}"
            ),
            &[],
        )
        .await?;
        let building = self.min_id("buildings").await?;
        self.exec(
            &format!(
                "INSERT INTO units (building_id, entrance, room) SELECT {building} + (i - 1) % {BUILDINGS}, \
                 '1', CAST(i AS TEXT) FROM seq WHERE i <= {units}"
            ),
            &[],
        )
        .await?;
        let unit = self.min_id("units").await?;
        self.exec(
            &format!(
                "INSERT INTO buyers (unit_id, name, phone, tier, created_at, updated_at) \
                 SELECT {unit} + i - 1, 'Buyer ' || CAST(i AS TEXT), '+86139' || CAST(i AS TEXT), 'B', $1, $1 \
                 FROM seq WHERE i <= {units}"
            ),
            &t[..1],
        )
        .await?;
        let buyer = self.min_id("buyers").await?;
        self.exec(
            "INSERT INTO staff (name, roles, created_at, updated_at) VALUES ('Bench', 'ambassador', $1, $1)",
            &t[..1],
        )
        .await?;
        let staff = self.min_id("staff").await?;
        // 80% invited, 70% visited (and inspected), 40% handed over, 20% surveyed, 1% complained.
        self.exec(
            &format!(
                "INSERT INTO appointments (unit_id, kind, status, invited_at, confirmed_at, checked_in_at, updated_at) \
                 SELECT {unit} + i - 1, 'inspection', CASE WHEN i % 10 < 7 THEN 'completed' ELSE 'invited' END, \
                 $1, CASE WHEN i % 10 < 7 THEN $2 END, CASE WHEN i % 10 < 7 THEN $2 END, $2 \
                 FROM seq WHERE i <= {units} AND i % 10 < 8"
            ),
            &t[..2],
        )
        .await?;
        self.exec(
            &format!(
                "INSERT INTO inspections (unit_id, staff_id, started_at, finished_at) \
                 SELECT {unit} + i - 1, {staff}, $1, $1 FROM seq WHERE i <= {units} AND i % 10 < 7"
            ),
            &t[1..2],
        )
        .await?;
        let inspection = self.min_id("inspections").await?;
        // Defects recorded hour by hour over the last 40 days, each due a week later, so the
        // ageing bands and deadlines fall on every day as in a real campaign.
        let column = if self.is_postgres() {
            "TIMESTAMPTZ"
        } else {
            "TEXT"
        };
        self.exec(
            &format!("CREATE TEMPORARY TABLE stamps (k BIGINT PRIMARY KEY, at {column})"),
            &[],
        )
        .await?;
        for hour in 0..HOURS + WEEK {
            self.exec(
                &format!("INSERT INTO stamps (k, at) VALUES ({hour}, $1)"),
                &[now - Duration::hours(HOURS - hour)],
            )
            .await?;
        }
        self.exec(
            &format!(
                "INSERT INTO defects (unit_id, inspection_id, room, category, severity, note, status, due_at, \
                 created_by, created_at, updated_at) \
                 SELECT {unit} + (i - 1) / {DEFECTS_PER_UNIT}, {inspection}, 'kitchen', \
                 CASE i % 10 WHEN 0 THEN 'leakage' WHEN 1 THEN 'plumbing' WHEN 2 THEN 'electrical' \
                 ELSE 'paint_and_walls' END, 'normal', '', \
                 CASE i % 5 WHEN 0 THEN 'open' WHEN 1 THEN 'assigned' WHEN 2 THEN 'fixed' ELSE 'closed' END, \
                 due.at, 'bench', recorded.at, $1 \
                 FROM seq JOIN stamps recorded ON recorded.k = (i * 37) % {HOURS} \
                 JOIN stamps due ON due.k = (i * 37) % {HOURS} + {WEEK} WHERE i <= {}",
                units * DEFECTS_PER_UNIT
            ),
            &t[3..4],
        )
        .await?;
        self.exec("DROP TABLE stamps", &[]).await?;
        let defect = self.min_id("defects").await?;
        self.exec(
            &format!(
                "INSERT INTO defect_events (defect_id, at, actor, from_status, to_status, note, feed_status) \
                 SELECT {defect} + (i - 1) / {EVENTS_PER_DEFECT}, $1, 'bench', NULL, \
                 CASE i % 4 WHEN 1 THEN 'open' WHEN 2 THEN 'assigned' WHEN 3 THEN 'in_progress' ELSE 'fixed' END, \
                 '', 'sent' FROM seq WHERE i <= {rows}"
            ),
            &t[1..2],
        )
        .await?;
        self.exec(
            &format!(
                "INSERT INTO handovers (unit_id, staff_id, keys, documents, open_defects, status, submitted_at, \
                 confirmed_by, confirmed_at) SELECT {unit} + i - 1, {staff}, '[]', '[]', '[]', 'confirmed', $1, \
                 {buyer} + i - 1, $1 FROM seq WHERE i <= {units} AND i % 10 < 4"
            ),
            &t[2..3],
        )
        .await?;
        self.exec(
            &format!(
                "INSERT INTO follow_ups (unit_id, kind, day, due_at, status, answered_by, answered_at, score) \
                 SELECT {unit} + i - 1, 'survey', 30, $1, 'answered', {buyer} + i - 1, $1, 1 + i % 5 \
                 FROM seq WHERE i <= {units} AND i % 10 < 2"
            ),
            &t[3..4],
        )
        .await?;
        self.exec(
            &format!(
                "INSERT INTO complaints (unit_id, buyer_id, topic, level, text, created_at, ack_due_at) \
                 SELECT {unit} + i - 1, {buyer} + i - 1, 'quality', 'general', 'bench', $1, $1 \
                 FROM seq WHERE i <= {units} AND i % 100 = 0"
            ),
            &t[3..4],
        )
        .await?;
        self.exec("DROP TABLE seq", &[]).await?;
        Ok(())
    }
}

impl Store {
    /// After seeding: fresh statistics and (PostgreSQL) visibility maps, as a database that grew
    /// to this size over weeks would have from autovacuum. Outside any transaction, as VACUUM
    /// must be.
    pub async fn settle(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()),
            Pool::Postgres(pool) => sqlx::query("VACUUM ANALYZE")
                .execute(pool)
                .await
                .map(|_| ()),
        }?;
        Ok(())
    }
}
