//! Who is talking to the bot, and in which language.

use super::{ServiceResult, Services};
use crate::domain::authz;
use crate::domain::people::{Actor, Lang};
use crate::domain::remediation::Action;
use tracing::instrument;

/// What a step of a dialogue acts on, checked again before every step: a flow started by
/// someone who was since reassigned or deactivated must not go on saving or messaging.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowScope {
    /// A walk-through (inspection id).
    Inspection(i64),
    /// The handover checklist of a home (unit id).
    Handover(i64),
    /// Defects being marked fixed together.
    Fix(Vec<i64>),
    /// One remediation step on a defect (by staff, or a buyer saying a fix did not hold).
    Step(i64, Action),
}

/// The person behind a Telegram account, with the language to answer them in.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub telegram_id: i64,
    pub actor: Actor,
    pub lang: Lang,
    /// The account's access ended (staff who left, a buyer whose phone was corrected) and it
    /// has not linked again: every message gets a polite notice and changes nothing.
    pub access_ended: bool,
    /// The staff member behind a rehearsal buyer: while they play one, they are that buyer to
    /// the bot, except for `/rehearsal` itself.
    pub playing: Option<crate::domain::people::StaffMember>,
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

    /// [`Services::identify`], and the chat's saved dialogue state (JSON, with the update that
    /// stored it) read in the same transaction: every update needs both, and one read
    /// transaction costs less than two.
    #[instrument(skip_all)]
    pub async fn identify_in_chat(
        &self,
        telegram_id: i64,
        telegram_language: Option<&str>,
        chat_id: i64,
    ) -> ServiceResult<(Person, Option<crate::store::SavedStep>)> {
        let mut tx = self.store.read().await?;
        let person = self
            .identify_in(&mut tx, telegram_id, telegram_language)
            .await?;
        let state = tx.dialogue_step(chat_id).await?;
        tx.commit().await?;
        Ok((person, state))
    }

    async fn identify_in(
        &self,
        tx: &mut crate::store::Tx,
        telegram_id: i64,
        telegram_language: Option<&str>,
    ) -> ServiceResult<Person> {
        let mut playing = None;
        let actor = match tx.staff_by_telegram(telegram_id).await? {
            Some(staff) => {
                let roles = tx.rehearsal_roles(telegram_id).await?;
                match roles.first() {
                    Some((_, rehearsal)) => {
                        crate::rehearsal::touch(*rehearsal);
                        playing = Some(staff);
                        Actor::Buyer(roles.into_iter().map(|(buyer, _)| buyer).collect())
                    }
                    None => Actor::Staff(staff),
                }
            }
            None => {
                let homes = tx.buyers_by_telegram(telegram_id).await?;
                if homes.is_empty() {
                    Actor::Unknown
                } else {
                    Actor::Buyer(homes)
                }
            }
        };
        let access_ended = matches!(actor, Actor::Unknown) && tx.account_ended(telegram_id).await?;
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
            access_ended,
            playing,
        })
    }

    /// Whether `actor` may still take the next step of a flow on `scope`: the same rule that let
    /// them start it, read afresh (a household reassigned, a defect moved to someone else).
    #[instrument(skip_all)]
    pub async fn may_continue(&self, actor: &Actor, scope: &FlowScope) -> ServiceResult<bool> {
        use crate::domain::remediation::transition;
        let mut tx = self.store.read().await?;
        let allowed = match scope {
            FlowScope::Inspection(id) => match (actor, tx.inspection(*id).await?) {
                (Actor::Staff(_), Some(inspection)) if inspection.finished_at.is_none() => {
                    match tx.household(inspection.unit_id).await? {
                        Some(household) => authz::may_hand_over(actor, household.home()),
                        None => false,
                    }
                }
                _ => false,
            },
            FlowScope::Handover(unit) => match tx.household(*unit).await? {
                Some(household) => authz::may_hand_over(actor, household.home()),
                None => false,
            },
            FlowScope::Fix(defects) => {
                let mut all = true;
                for id in defects {
                    all &= match self.visible_defect(&mut tx, actor, *id).await? {
                        Some((defect, household)) => transition(
                            defect.status,
                            Action::Fix,
                            authz::standing(actor, defect.engineer_id, household.home()),
                        )
                        .is_ok(),
                        None => false,
                    };
                }
                all
            }
            FlowScope::Step(id, action) => match self.visible_defect(&mut tx, actor, *id).await? {
                Some((defect, household)) => transition(
                    defect.status,
                    *action,
                    authz::standing(actor, defect.engineer_id, household.home()),
                )
                .is_ok(),
                None => false,
            },
        };
        tx.commit().await?;
        Ok(allowed)
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
