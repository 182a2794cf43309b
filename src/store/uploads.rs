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

/// A buyer's photo, voice note or file relayed to their ambassador.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RelayedMedia {
    pub id: i64,
    pub telegram_id: i64,
    pub unit_id: i64,
    /// `photo`, `voice` or `document`.
    pub kind: String,
    pub sha256: String,
    pub caption: String,
}

impl Tx {
    /// Keeps a relayed media message; `None` when this message was kept before.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_relayed_media(
        &mut self,
        telegram_id: i64,
        message_id: i64,
        unit_id: i64,
        kind: &str,
        sha256: &str,
        caption: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let id = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO relayed_media (telegram_id, message_id, unit_id, kind, sha256, caption, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (telegram_id, message_id) DO NOTHING RETURNING id",
            )
            .bind(telegram_id)
            .bind(message_id)
            .bind(unit_id)
            .bind(kind)
            .bind(sha256)
            .bind(caption)
            .bind(at)
            .fetch_optional(c)
            .await
        })?;
        Ok(id)
    }

    pub async fn relayed_media(&mut self, id: i64) -> StoreResult<Option<RelayedMedia>> {
        let row = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT id, telegram_id, unit_id, kind, sha256, caption FROM relayed_media WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(c)
            .await
        })?;
        Ok(row)
    }

    /// The id of a relayed media message, by the buyer's Telegram message.
    pub async fn relayed_media_by_message(
        &mut self,
        telegram_id: i64,
        message_id: i64,
    ) -> StoreResult<Option<i64>> {
        let id = with_conn!(self, |c| {
            sqlx::query_scalar(
                "SELECT id FROM relayed_media WHERE telegram_id = $1 AND message_id = $2",
            )
            .bind(telegram_id)
            .bind(message_id)
            .fetch_optional(c)
            .await
        })?;
        Ok(id)
    }

    /// Where a stored file lies in the media directory.
    pub async fn media_path(&mut self, sha256: &str) -> StoreResult<Option<String>> {
        let path = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT path FROM media WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(c)
                .await
        })?;
        Ok(path)
    }
}
