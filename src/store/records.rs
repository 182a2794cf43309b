//! Handover records as received: their data, written once, and the PDFs made from them.

use super::{StoreResult, Tx, with_conn};
use chrono::{DateTime, Utc};

/// A record's kept data and the SHA-256 of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRecord {
    pub handover_id: i64,
    pub data: String,
    pub sha256: String,
}

impl Tx {
    /// Keeps record `handover_id`'s data; false when it was kept already (it is never changed).
    pub async fn insert_record(
        &mut self,
        handover_id: i64,
        data: &str,
        sha256: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let added = with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO handover_records (handover_id, data, sha256, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(handover_id)
            .bind(data)
            .bind(sha256)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(added == 1)
    }

    pub async fn record(&mut self, handover_id: i64) -> StoreResult<Option<KeptRecord>> {
        let row: Option<(String, String)> = with_conn!(self, |c| {
            sqlx::query_as("SELECT data, sha256 FROM handover_records WHERE handover_id = $1")
                .bind(handover_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(row.map(|(data, sha256)| KeptRecord {
            handover_id,
            data,
            sha256,
        }))
    }

    /// The received record of a home, if it was handed over.
    pub async fn record_of_unit(&mut self, unit_id: i64) -> StoreResult<Option<KeptRecord>> {
        let id: Option<i64> = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT r.handover_id FROM handover_records r JOIN handovers h ON h.id = r.handover_id \
                 WHERE h.unit_id = $1 AND h.status = 'confirmed'",
            )
            .bind(unit_id)
            .fetch_optional(c)
            .await
        })?;
        match id {
            Some(id) => self.record(id).await,
            None => Ok(None),
        }
    }

    /// The path of record `handover_id`'s PDF in `lang`, if one was made.
    pub async fn record_file(
        &mut self,
        handover_id: i64,
        lang: &str,
    ) -> StoreResult<Option<String>> {
        let path = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT m.path FROM handover_record_files f JOIN media m ON m.sha256 = f.sha256 \
                 WHERE f.handover_id = $1 AND f.lang = $2",
            )
            .bind(handover_id)
            .bind(lang)
            .fetch_optional(c)
            .await
        })?;
        Ok(path)
    }

    /// Keeps the PDF of record `handover_id` in `lang` (already in the media index); the first
    /// one made stays when two are made at once.
    pub async fn insert_record_file(
        &mut self,
        handover_id: i64,
        lang: &str,
        sha256: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO handover_record_files (handover_id, lang, sha256, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(handover_id)
            .bind(lang)
            .bind(sha256)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The record a PDF file is, by the file's SHA-256.
    pub async fn record_of_file(&mut self, sha256: &str) -> StoreResult<Option<i64>> {
        let id = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT handover_id FROM handover_record_files WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(c)
                .await
        })?;
        Ok(id)
    }

    /// The record that replaced `handover_id`, if one did.
    pub async fn replaced_by(&mut self, handover_id: i64) -> StoreResult<Option<i64>> {
        let id = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT id FROM handovers WHERE replaces = $1 ORDER BY id LIMIT 1")
                .bind(handover_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(id)
    }
}
