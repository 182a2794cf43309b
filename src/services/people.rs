//! Who is talking to the bot, and in which language.

use super::{ServiceResult, Services};
use crate::domain::people::{Actor, Lang};
use tracing::instrument;

/// The person behind a Telegram account, with the language to answer them in.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub telegram_id: i64,
    pub actor: Actor,
    pub lang: Lang,
}

impl Services {
    /// Resolves a Telegram account: staff first (a staff member who also bought a home works
    /// as staff), then buyers. The language is the person's own choice, else the one on their
    /// record, else their Telegram app's, else the project default.
    #[instrument(skip_all)]
    pub async fn identify(
        &self,
        telegram_id: i64,
        telegram_language: Option<&str>,
    ) -> ServiceResult<Person> {
        let mut tx = self.store.read().await?;
        let person = self
            .identify_in(&mut tx, telegram_id, telegram_language)
            .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// [`Services::identify`], and the chat's saved dialogue state (JSON) read in the same
    /// transaction: every update needs both, and one read transaction costs less than two.
    #[instrument(skip_all)]
    pub async fn identify_in_chat(
        &self,
        telegram_id: i64,
        telegram_language: Option<&str>,
        chat_id: i64,
    ) -> ServiceResult<(Person, Option<String>)> {
        let mut tx = self.store.read().await?;
        let person = self
            .identify_in(&mut tx, telegram_id, telegram_language)
            .await?;
        let state = tx.dialogue(chat_id).await?;
        tx.commit().await?;
        Ok((person, state))
    }

    async fn identify_in(
        &self,
        tx: &mut crate::store::Tx,
        telegram_id: i64,
        telegram_language: Option<&str>,
    ) -> ServiceResult<Person> {
        let actor = match tx.staff_by_telegram(telegram_id).await? {
            Some(staff) => Actor::Staff(staff),
            None => {
                let homes = tx.buyers_by_telegram(telegram_id).await?;
                if homes.is_empty() {
                    Actor::Unknown
                } else {
                    Actor::Buyer(homes)
                }
            }
        };
        let chosen = tx
            .chosen_language(telegram_id)
            .await?
            .and_then(|l| l.parse().ok());
        let lang = chosen
            .or_else(|| actor.record_language())
            .or_else(|| telegram_language.and_then(Lang::from_telegram))
            .unwrap_or(self.config.default_language);
        Ok(Person {
            telegram_id,
            actor,
            lang,
        })
    }

    /// `/language`: remembers the person's choice.
    #[instrument(skip_all)]
    pub async fn choose_language(&self, person: &Person, lang: Lang) -> ServiceResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.choose_language(person.telegram_id, lang.code(), now)
            .await?;
        tx.audit(
            now,
            &person.actor.audit_name(),
            "language.choose",
            &format!("telegram:{}", person.telegram_id),
            serde_json::json!({ "language": lang.code() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
