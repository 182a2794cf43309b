//! Per-chat conversation state and per-account preferences.

use super::{StoreResult, Tx, with_conn};
use chrono::{DateTime, Utc};

/// A chat's stored dialogue state (JSON) with the update whose handling stored it (none for a
/// state stored outside an update's handling).
pub type SavedStep = (String, Option<i64>);

impl Tx {
    /// The serialised dialogue state of a chat, if any.
    pub async fn dialogue(&mut self, chat_id: i64) -> StoreResult<Option<String>> {
        Ok(self.dialogue_step(chat_id).await?.map(|(state, _)| state))
    }

    /// The serialised dialogue state of a chat with the update that stored it.
    pub async fn dialogue_step(&mut self, chat_id: i64) -> StoreResult<Option<SavedStep>> {
        let step = with_conn!(self, |c| {
            sqlx::query_as("SELECT state, update_id FROM dialogues WHERE chat_id = $1")
                .bind(chat_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(step)
    }

    pub async fn save_dialogue(
        &mut self,
        chat_id: i64,
        state: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO dialogues (chat_id, state, updated_at, rehearsal_id, update_id) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, \
                 rehearsal_id = excluded.rehearsal_id, update_id = excluded.update_id",
            )
            .bind(chat_id)
            .bind(state)
            .bind(now)
            .bind(crate::rehearsal::current())
            .bind(crate::answering::update())
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Records update `update_id` as handled (out of the inbox) and ends the conversation step
    /// of `chat_id`, in the caller's transaction; false, changing nothing, when the update was
    /// recorded as handled before.
    pub async fn finish_update(
        &mut self,
        update_id: i64,
        chat_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let taken = with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO processed_updates (update_id, at) VALUES ($1, $2) \
                 ON CONFLICT (update_id) DO NOTHING",
            )
            .bind(update_id)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        if taken == 0 {
            return Ok(false);
        }
        with_conn!(self, |c| {
            sqlx::query("DELETE FROM update_inbox WHERE update_id = $1")
                .bind(update_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        self.remove_dialogue(chat_id).await?;
        Ok(true)
    }

    /// Removes a chat's dialogue state; false when there was none.
    pub async fn remove_dialogue(&mut self, chat_id: i64) -> StoreResult<bool> {
        let affected = with_conn!(self, |c| {
            sqlx::query("DELETE FROM dialogues WHERE chat_id = $1")
                .bind(chat_id)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(affected > 0)
    }

    /// The language a person chose with /language, if they did.
    pub async fn chosen_language(&mut self, telegram_id: i64) -> StoreResult<Option<String>> {
        let lang: Option<Option<String>> = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT language FROM accounts WHERE telegram_id = $1")
                .bind(telegram_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(lang.flatten())
    }

    pub async fn choose_language(
        &mut self,
        telegram_id: i64,
        language: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO accounts (telegram_id, language, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (telegram_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at",
            )
            .bind(telegram_id)
            .bind(language)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}
