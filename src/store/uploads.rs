//! What each person sent the bot to download, for the daily upload quotas.

use super::{StoreResult, Tx, with_conn};
use chrono::{DateTime, Utc};

impl Tx {
    /// Records a download of `bytes` bytes that `telegram_id` sent.
    pub async fn record_upload(
        &mut self,
        telegram_id: i64,
        sha256: &str,
        bytes: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO uploads (telegram_id, sha256, bytes, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(telegram_id)
            .bind(sha256)
            .bind(bytes)
            .bind(at)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// How many downloads, and how many bytes, `telegram_id` sent since `since`.
    pub async fn uploads_since(
        &mut self,
        telegram_id: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<(i64, i64)> {
        let row: (i64, i64) = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT COUNT(*), CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM uploads \
                 WHERE telegram_id = $1 AND at >= $2",
            )
            .bind(telegram_id)
            .bind(since)
            .fetch_one(c)
            .await
        })?;
        Ok(row)
    }
}
