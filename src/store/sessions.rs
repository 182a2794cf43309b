//! Per-chat conversation state and per-account preferences.

use super::{StoreResult, Tx, with_conn};
use chrono::{DateTime, Utc};

impl Tx {
    /// The serialised dialogue state of a chat, if any.
    pub async fn dialogue(&mut self, chat_id: i64) -> StoreResult<Option<String>> {
        let state = with_conn!(self, |c| {
            sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
                .bind(chat_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(state)
    }

    pub async fn save_dialogue(
        &mut self,
        chat_id: i64,
        state: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO dialogues (chat_id, state, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(chat_id)
            .bind(state)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
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
