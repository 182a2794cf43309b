//! Photos, voice notes and files people send: the daily per-person quotas, and keeping what
//! is accepted in the media store.

use super::people::Person;
use super::{ServiceResult, Services};
use crate::domain::people::Actor;
use chrono::{DateTime, Utc};
use tracing::instrument;

impl Services {
    /// Whether `person` may send one more upload of `bytes` bytes today (the project's day):
    /// under both the count and the bytes of `HANDOVER_UPLOADS_PER_DAY` and
    /// `HANDOVER_UPLOAD_BYTES_PER_DAY`. The quota guards the store against buyers and strangers;
    /// staff photos are the campaign's work (in the load run at 2,000 homes an engineer's busiest
    /// day came to 95), so staff are not counted against it.
    #[instrument(skip_all)]
    pub async fn upload_allowed(&self, person: &Person, bytes: u64) -> ServiceResult<bool> {
        if matches!(person.actor, Actor::Staff(_)) {
            return Ok(true);
        }
        let since = self.start_of_today();
        let mut tx = self.store.read().await?;
        let (count, used) = tx.uploads_since(person.telegram_id, since).await?;
        tx.commit().await?;
        let used = u64::try_from(used).unwrap_or(0);
        Ok(count < i64::from(self.config.uploads_per_day)
            && used.saturating_add(bytes) <= self.config.upload_bytes_per_day)
    }

    /// Counts a download refused for its content against the sender's day.
    #[instrument(skip_all)]
    pub async fn count_refused_upload(&self, telegram_id: i64, bytes: &[u8]) -> ServiceResult<()> {
        let now = self.clock.now();
        let sha = crate::media::sha256_hex(bytes);
        let mut tx = self.store.begin().await?;
        tx.record_upload(telegram_id, &sha, bytes.len() as i64, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps a file `telegram_id` sent in the media store, indexes it and counts it against
    /// their day, in one transaction; returns its SHA-256.
    #[instrument(skip_all, fields(bytes = bytes.len()))]
    pub async fn store_upload(
        &self,
        telegram_id: i64,
        file_unique_id: Option<&str>,
        bytes: &[u8],
        mime: &str,
        extension: &str,
    ) -> ServiceResult<String> {
        self.keep_media(Some(telegram_id), file_unique_id, bytes, mime, extension)
            .await
    }

    /// Puts a file in the media store and indexes it, counting it against the day of the
    /// person who sent it (when one did), in one transaction; returns its SHA-256.
    pub(crate) async fn keep_media(
        &self,
        sender: Option<i64>,
        file_unique_id: Option<&str>,
        bytes: &[u8],
        mime: &str,
        extension: &str,
    ) -> ServiceResult<String> {
        // Stored before it is recorded: no record points at a file that is not there.
        let stored = self.media.put(bytes, extension).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.record_media(
            &stored.sha256,
            file_unique_id,
            &stored.path,
            mime,
            bytes.len() as i64,
            now,
        )
        .await?;
        if let Some(sender) = sender {
            tx.record_upload(sender, &stored.sha256, bytes.len() as i64, now)
                .await?;
        }
        tx.commit().await?;
        Ok(stored.sha256)
    }

    /// Midnight of today in the project's time zone.
    fn start_of_today(&self) -> DateTime<Utc> {
        let tz = self.config.timezone;
        let local = self.clock.now().with_timezone(&tz).date_naive();
        local
            .and_hms_opt(0, 0, 0)
            .and_then(|midnight| midnight.and_local_timezone(tz).earliest())
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_else(|| self.clock.now() - chrono::Duration::days(1))
    }
}
