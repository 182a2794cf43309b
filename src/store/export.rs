//! The tables of `/export` and the CLI `export`, row by row in a stable order.

use super::{StoreResult, Tx, with_conn};
use chrono::{DateTime, Utc};

/// A unit's "3-1-502" label in SQL (building, entrance when there is one, room).
const LABEL: &str = "CASE WHEN u.entrance = '' THEN bl.name || '-' || u.room \
     ELSE bl.name || '-' || u.entrance || '-' || u.room END";
/// The unit of row `x`, in a real project (a rehearsal's rows are never exported).
const UNIT_JOIN: &str = "JOIN units u ON u.id = x.unit_id JOIN buildings bl ON bl.id = u.building_id \
     JOIN projects p ON p.id = bl.project_id AND p.rehearsal_of IS NULL";

/// Buyers in the import's own columns, so the sheet re-imports unchanged.
pub type BuyerRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);
pub type AppointmentRow = (
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);
pub type DefectRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    String,
);
pub type EventRow = (i64, DateTime<Utc>, String, Option<String>, String, String);
pub type HandoverRow = (
    i64,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
    String,
    String,
);
pub type MeterRow = (i64, String, String, String);
pub type SurveyRow = (
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
);

impl Tx {
    /// Every row a query returns, as tuples both databases decode the same way.
    async fn rows<T>(&mut self, sql: &str) -> StoreResult<Vec<T>>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let rows: Vec<T> = with_conn!(self, |c| sqlx::query_as(sql).fetch_all(c).await)?;
        Ok(rows)
    }

    pub async fn export_buyers(&mut self) -> StoreResult<Vec<BuyerRow>> {
        self.rows(&format!(
            "SELECT p.code, bl.name, u.entrance, u.room, x.name, x.phone, x.tier, x.risk_flags, \
                 x.mailing_address, x.language FROM buyers x {UNIT_JOIN} ORDER BY x.id"
        ))
        .await
    }

    pub async fn export_appointments(&mut self) -> StoreResult<Vec<AppointmentRow>> {
        self.rows(&format!(
                "SELECT p.code, {LABEL}, x.kind, x.status, s.starts_at, x.invited_at, x.confirmed_at, \
                 x.checked_in_at FROM appointments x {UNIT_JOIN} LEFT JOIN slots s ON s.id = x.slot_id \
                 ORDER BY x.id"
            )).await
    }

    pub async fn export_defects(&mut self) -> StoreResult<Vec<DefectRow>> {
        self.rows(&format!(
                "SELECT x.id, {LABEL}, x.room, x.category, x.severity, x.status, st.name, x.contractor, \
                 x.due_at, x.created_at, x.note FROM defects x {UNIT_JOIN} \
                 LEFT JOIN staff st ON st.id = x.engineer_id WHERE x.status <> 'recorded' ORDER BY x.id"
            )).await
    }

    pub async fn export_defect_events(&mut self) -> StoreResult<Vec<EventRow>> {
        self.rows(&format!(
            "SELECT defect_id, at, actor, from_status, to_status, note FROM defect_events \
                 WHERE defect_id IN (SELECT x.id FROM defects x {UNIT_JOIN}) ORDER BY defect_id, id"
        ))
        .await
    }

    pub async fn export_handovers(&mut self) -> StoreResult<Vec<HandoverRow>> {
        self.rows(&format!(
                "SELECT x.id, {LABEL}, x.status, st.name, x.submitted_at, b.name, x.confirmed_at, \
                 x.keys, x.documents FROM handovers x {UNIT_JOIN} JOIN staff st ON st.id = x.staff_id \
                 LEFT JOIN buyers b ON b.id = x.confirmed_by ORDER BY x.id"
            )).await
    }

    pub async fn export_meters(&mut self) -> StoreResult<Vec<MeterRow>> {
        self.rows(&format!(
            "SELECT handover_id, meter, reading, sha256 FROM meter_readings \
                 WHERE handover_id IN (SELECT x.id FROM handovers x {UNIT_JOIN}) ORDER BY handover_id, position"
        ))
        .await
    }

    pub async fn export_surveys(&mut self) -> StoreResult<Vec<SurveyRow>> {
        self.rows(&format!(
                "SELECT {LABEL}, x.score, x.comment, b.name, x.answered_at FROM follow_ups x {UNIT_JOIN} \
                 LEFT JOIN buyers b ON b.id = x.answered_by WHERE x.kind = 'survey' \
                 AND x.status = 'answered' ORDER BY x.id"
            )).await
    }
}
