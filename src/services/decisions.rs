//! The emergency decision group (应急决策小组): a Telegram group of management, registered by a
//! supervisor's `/setgroup decision` in it, told of incidents (group complaints, major or
//! flagged complaints, defects long past due, days of many no-shows), each with "I take it".

use super::tell::{Cause, Chat, Message};
use super::{ServiceError, ServiceResult, Services, require_supervisor};
use crate::domain::expert::{IncidentKind, no_show_spike};
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Lang};
use crate::store::Tx;
use crate::store::consultations::Incident;
use chrono::{DateTime, Utc};
use tracing::instrument;

/// The purpose the decision group is registered under.
const DECISION: &str = "decision";

/// What pressing "I take it" came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// The presser owns it now.
    Now,
    /// Someone took it first.
    Already(String),
    Closed,
    Gone,
}

impl Incident {
    /// The incident's one-line summary in `lang`, as written when it was raised.
    pub fn summary(&self, lang: Lang) -> String {
        self.details
            .get(lang.code())
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string()
    }
}

impl Services {
    /// `/setgroup decision` sent in a group by a supervisor: that group is the decision group.
    #[instrument(skip_all)]
    pub async fn register_decision_group(
        &self,
        actor: &Actor,
        chat_id: i64,
        title: &str,
    ) -> ServiceResult<()> {
        require_supervisor(actor)?;
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_chat_group(DECISION, chat_id, title, me.id, now)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "group.register",
            &format!("chat:{chat_id}"),
            serde_json::json!({ "purpose": DECISION, "title": title }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn decision_chat(&self, chat_id: i64) -> Chat {
        Chat {
            id: chat_id,
            language: Some(self.config.default_language),
        }
    }

    /// Raises an incident once per `cause`; the decision group, when there is one, is told with
    /// an "I take it" button. `summary` writes its line in a language (never a phone number).
    pub(crate) async fn raise_incident(
        &self,
        tx: &mut Tx,
        kind: IncidentKind,
        cause: &str,
        unit_id: Option<i64>,
        summary: impl Fn(Lang) -> String,
        now: DateTime<Utc>,
    ) -> ServiceResult<Option<i64>> {
        let details = serde_json::Value::Object(
            Lang::ALL
                .iter()
                .map(|lang| (lang.code().to_string(), summary(*lang).into()))
                .collect(),
        );
        let Some(id) = tx
            .open_incident(kind, cause, unit_id, &details, now)
            .await?
        else {
            return Ok(None);
        };
        if let Some(group) = tx.chat_group(DECISION).await? {
            self.tell(
                tx,
                [self.decision_chat(group)],
                Message::new(Cause::per_chat(format!("incident:{id}")), |lang, _| {
                    Content::Text {
                        html: crate::tr!(
                            self.i18n,
                            lang,
                            "incident-raised",
                            id = id,
                            summary = crate::i18n::Arg::Html(summary(lang))
                        ),
                        buttons: vec![vec![Button::press(
                            crate::tr!(self.i18n, lang, "button-incident-take"),
                            format!("1:int:{id}"),
                        )]],
                    }
                }),
            )
            .await?;
        }
        Ok(Some(id))
    }

    /// A staff member presses "I take it" on incident `id` in chat `chat`: they own it, and the
    /// group hears so. Only a press in the decision group (or a supervisor's) takes it.
    #[instrument(skip_all)]
    pub async fn take_incident(&self, actor: &Actor, id: i64, chat: i64) -> ServiceResult<Taken> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let in_group = tx.chat_group(DECISION).await? == Some(chat);
        if !(in_group || actor.can_supervise()) {
            return Err(ServiceError::Forbidden);
        }
        let Some(incident) = tx.incident(id).await? else {
            return Ok(Taken::Gone);
        };
        if incident.closed {
            return Ok(Taken::Closed);
        }
        if !tx.take_incident(id, me.id, now).await? {
            tx.commit().await?;
            return Ok(match incident.owner_name {
                Some(owner) if incident.owner_staff_id != Some(me.id) => Taken::Already(owner),
                _ => Taken::Now,
            });
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "incident.take",
            &format!("incident:{id}"),
            serde_json::Value::Null,
        )
        .await?;
        if let Some(group) = tx.chat_group(DECISION).await? {
            self.tell(
                &mut tx,
                [self.decision_chat(group)],
                Message::new(
                    Cause::per_chat(format!("incident-taken:{id}")),
                    |lang, _| Content::Text {
                        html: crate::tr!(
                            self.i18n,
                            lang,
                            "incident-taken",
                            id = id,
                            name = me.name.as_str()
                        ),
                        buttons: vec![vec![Button::press(
                            crate::tr!(self.i18n, lang, "button-incident-close"),
                            format!("1:inc:{id}"),
                        )]],
                    },
                ),
            )
            .await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Taken::Now)
    }

    /// Its owner or a supervisor closes incident `id`; `None` when there is no such incident,
    /// false when it was closed before. Anyone else is refused.
    #[instrument(skip_all)]
    pub async fn close_incident(&self, actor: &Actor, id: i64) -> ServiceResult<Option<bool>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(incident) = tx.incident(id).await? else {
            return Ok(None);
        };
        if !(actor.can_supervise() || incident.owner_staff_id == Some(me.id)) {
            return Err(ServiceError::Forbidden);
        }
        if !tx.close_incident(id, now).await? {
            return Ok(Some(false));
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "incident.close",
            &format!("incident:{id}"),
            serde_json::Value::Null,
        )
        .await?;
        if let Some(group) = tx.chat_group(DECISION).await? {
            self.tell(
                &mut tx,
                [self.decision_chat(group)],
                Message::text(
                    Cause::per_chat(format!("incident-closed:{id}")),
                    |lang, _| {
                        crate::tr!(
                            self.i18n,
                            lang,
                            "incident-closed",
                            id = id,
                            name = me.name.as_str()
                        )
                    },
                ),
            )
            .await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(true))
    }

    /// `/incidents`: the open ones, then the last closed ones (supervisors).
    pub async fn incident_list(&self, actor: &Actor) -> ServiceResult<Vec<Incident>> {
        require_supervisor(actor)?;
        let mut tx = self.store.read().await?;
        let incidents = tx.incidents(20).await?;
        tx.commit().await?;
        Ok(incidents)
    }

    /// The day before `now`'s: a day whose no-shows reached the setting's share of its visits
    /// is an incident, once.
    pub(crate) async fn check_no_show_day(
        &self,
        tx: &mut Tx,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let tz = self.config.timezone;
        let today = now.with_timezone(&tz).date_naive();
        let Some(day) = today.pred_opt() else {
            return Ok(());
        };
        let start = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(tz).earliest())
                .map(|t| t.with_timezone(&Utc))
        };
        let (Some(from), Some(to)) = (start(day), start(today)) else {
            return Ok(());
        };
        let visits = tx.appointments_between(from, to, None).await?;
        let missed = visits
            .iter()
            .filter(|a| a.status == crate::domain::appointment::AppointmentStatus::NoShow)
            .count();
        let (visits, missed) = (
            u32::try_from(visits.len()).unwrap_or(u32::MAX),
            u32::try_from(missed).unwrap_or(u32::MAX),
        );
        if !no_show_spike(visits, missed, self.config.incident_no_show_percent) {
            return Ok(());
        }
        let date = day.format("%Y-%m-%d").to_string();
        self.raise_incident(
            tx,
            IncidentKind::NoShows,
            &format!("no-shows:{date}"),
            None,
            |lang| {
                crate::tr!(
                    self.i18n,
                    lang,
                    "incident-no-shows",
                    date = date.as_str(),
                    missed = i64::from(missed),
                    visits = i64::from(visits)
                )
            },
            now,
        )
        .await?;
        Ok(())
    }
}
