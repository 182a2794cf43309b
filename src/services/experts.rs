//! Expert consultation (专家会诊): an ambassador who cannot answer a buyer puts the question to
//! the experts of a field (sales, engineering, design, legal) with the household's context; the
//! first expert to answer sends it back to the ambassador, who may send it on; supervisors can
//! make a good answer a library answer; unanswered in time, it goes to the supervisors, once.

use super::tell::{Cause, Message};
use super::{ServiceError, ServiceResult, Services, require_supervisor, supervisors};
use crate::domain::authz;
use crate::domain::expert::ExpertField;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Lang, StaffMember};
use crate::domain::risk::RiskScope;
use crate::domain::text::clip;
use crate::present::Label as _;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::answers::AnswerFields;
use crate::store::consultations::Consultation;
use tracing::instrument;

/// Most of the register's risks a consultation's context lists, and the longest question it
/// shows: with the expert's answer, the message stays within Telegram's 4,096 characters.
const MAX_RISKS_SHOWN: usize = 3;
const MAX_QUESTION_SHOWN: usize = 2500;

/// Where a consultation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consulted {
    /// To this many experts of its field.
    Experts { id: i64, count: usize },
    /// Nobody answers for the field: to the supervisors at once.
    Supervisors { id: i64 },
    /// The message it is about is not one of the actor's households'.
    NotYours,
}

/// What answering a consultation came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultAnswered {
    Saved,
    /// Someone answered first.
    AlreadyAnswered,
    /// Not an expert of its field nor a supervisor, or no such consultation.
    NotYours,
}

impl Services {
    /// The household a consultation is about, as the experts read it: the home, its tier, its
    /// flags and the register's open risks that reach it. No phone number.
    async fn consult_context(
        &self,
        tx: &mut Tx,
        lang: Lang,
        unit_id: i64,
    ) -> ServiceResult<String> {
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(String::new());
        };
        let flags: Vec<String> = household
            .flags
            .iter()
            .map(|f| f.label(&self.i18n, lang))
            .collect();
        let risks: Vec<String> = self
            .risks_of_household(tx, &household)
            .await?
            .iter()
            .take(MAX_RISKS_SHOWN)
            .map(|r| format!("#{} {}", r.id, clip(&r.difference, 80)))
            .collect();
        let none = || crate::tr!(self.i18n, lang, "no-value");
        Ok(crate::tr!(
            self.i18n,
            lang,
            "consult-context",
            home = household.unit.short(),
            tier = household.tier.as_str(),
            flags = if flags.is_empty() {
                none()
            } else {
                crate::present::list(&self.i18n, lang, &flags)
            },
            risks = if risks.is_empty() {
                none()
            } else {
                risks.join("；")
            }
        ))
    }

    fn consult_answer_button(&self, lang: Lang, id: i64) -> Vec<Vec<Button>> {
        vec![vec![Button::press(
            crate::tr!(self.i18n, lang, "button-consult-answer"),
            format!("1:cna:{id}"),
        )]]
    }

    /// The consultation as its readers see it (experts, or supervisors once it waited too long).
    async fn consultation_text(
        &self,
        tx: &mut Tx,
        lang: Lang,
        key: &str,
        consultation: &Consultation,
        asker: &str,
    ) -> ServiceResult<String> {
        let context = match consultation.unit_id {
            Some(unit) => self.consult_context(tx, lang, unit).await?,
            None => String::new(),
        };
        let head = self.i18n.text(
            lang,
            key,
            &[
                ("id", consultation.id.into()),
                ("field", consultation.field.label(&self.i18n, lang).into()),
                ("asker", asker.into()),
                (
                    "question",
                    clip(&consultation.question, MAX_QUESTION_SHOWN).into(),
                ),
                ("hours", self.config.consult_within.num_hours().into()),
            ],
        );
        Ok(if context.is_empty() {
            head
        } else {
            format!("{head}\n{context}")
        })
    }

    /// `/consult FIELD QUESTION`, or "ask an expert" under a buyer's message about `unit_id`.
    #[instrument(skip_all)]
    pub async fn consult(
        &self,
        actor: &Actor,
        field: ExpertField,
        question: &str,
        unit_id: Option<i64>,
    ) -> ServiceResult<Consulted> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(unit) = unit_id {
            let Some(household) = tx.household(unit).await? else {
                return Ok(Consulted::NotYours);
            };
            if !authz::looks_after(me, household.home()) {
                return Ok(Consulted::NotYours);
            }
        }
        if !self.take_update(&mut tx).await? {
            return Ok(Consulted::NotYours);
        }
        let id = tx
            .insert_consultation(field, unit_id, question, me.id, now)
            .await?;
        let Some(consultation) = tx.consultation(id).await? else {
            return Ok(Consulted::NotYours);
        };
        tx.audit(
            now,
            &actor.audit_name(),
            "consult.ask",
            &format!("consultation:{id}"),
            serde_json::json!({ "field": field.as_str(), "question": question }),
        )
        .await?;
        let experts: Vec<StaffMember> = tx
            .experts(field)
            .await?
            .into_iter()
            .filter(|e| e.id != me.id)
            .collect();
        let consulted = if experts.is_empty() {
            self.escalate(&mut tx, &consultation, &me.name, now).await?;
            Consulted::Supervisors { id }
        } else {
            let mut texts = Vec::new();
            for lang in Lang::ALL {
                let text = self
                    .consultation_text(&mut tx, lang, "consult-to-expert", &consultation, &me.name)
                    .await?;
                texts.push((lang, text));
            }
            let count = self
                .tell(
                    &mut tx,
                    &experts,
                    Message::new(Cause::per_chat(format!("consult:{id}")), |lang, _| {
                        let html = texts
                            .iter()
                            .find(|(l, _)| *l == lang)
                            .map(|(_, t)| t.clone())
                            .unwrap_or_default();
                        Content::Text {
                            html,
                            buttons: self.consult_answer_button(lang, id),
                        }
                    }),
                )
                .await?
                .len();
            let job = Job::ConsultEscalate {
                consultation_id: id,
            }
            .at(now + self.config.consult_within)
            .unique_key(format!("consult:{id}"));
            tx.schedule_job(&job, now).await?;
            Consulted::Experts { id, count }
        };
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(consulted)
    }

    /// "Ask an expert" under the buyer's message kept as audit entry `message`.
    pub async fn consult_on_message(
        &self,
        actor: &Actor,
        message: i64,
        field: ExpertField,
    ) -> ServiceResult<Consulted> {
        let mut tx = self.store.read().await?;
        let entry = tx.audit_entry(message).await?;
        tx.commit().await?;
        let Some((action, object, details)) = entry else {
            return Ok(Consulted::NotYours);
        };
        let unit = object
            .strip_prefix("unit:")
            .and_then(|u| u.parse::<i64>().ok());
        let text = details.get("text").and_then(|t| t.as_str());
        match (action.as_str(), unit, text) {
            ("buyer.message", Some(unit), Some(text)) => {
                self.consult(actor, field, text, Some(unit)).await
            }
            _ => Ok(Consulted::NotYours),
        }
    }

    /// Tells the supervisors of consultation `consultation`, once (marks it escalated).
    async fn escalate(
        &self,
        tx: &mut Tx,
        consultation: &Consultation,
        asker: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ServiceResult<bool> {
        if !tx.escalate_consultation(consultation.id, now).await? {
            return Ok(false);
        }
        let key = if consultation.asked_at == now {
            "consult-no-expert"
        } else {
            "consult-escalated"
        };
        let mut texts = Vec::new();
        for lang in Lang::ALL {
            let text = self
                .consultation_text(tx, lang, key, consultation, asker)
                .await?;
            texts.push((lang, text));
        }
        let supervisors = supervisors(tx).await?;
        let id = consultation.id;
        self.tell(
            tx,
            supervisors,
            Message::new(
                Cause::per_chat(format!("consult-escalated:{id}")),
                |lang, _| {
                    let html = texts
                        .iter()
                        .find(|(l, _)| *l == lang)
                        .map(|(_, t)| t.clone())
                        .unwrap_or_default();
                    Content::Text {
                        html,
                        buttons: self.consult_answer_button(lang, id),
                    }
                },
            ),
        )
        .await?;
        Ok(true)
    }

    /// The scheduled check: consultation `id` still unanswered goes to the supervisors, once.
    pub async fn escalate_consultation(&self, id: i64) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(consultation) = tx.consultation(id).await? else {
            return Ok(false);
        };
        if consultation.answer.is_some() {
            return Ok(false);
        }
        let asker = tx
            .staff_by_id(consultation.asked_by)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let escalated = self.escalate(&mut tx, &consultation, &asker, now).await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(escalated)
    }

    /// Whether `actor` may answer consultation `consultation`: an expert of its field, or a
    /// supervisor.
    async fn may_answer(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        consultation: &Consultation,
    ) -> ServiceResult<bool> {
        let Actor::Staff(me) = actor else {
            return Ok(false);
        };
        Ok(actor.can_supervise() || tx.expert_fields(me.id).await?.contains(&consultation.field))
    }

    /// The consultation an expert is about to answer, when they may.
    pub async fn consultation_to_answer(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<Consultation>> {
        let mut tx = self.store.read().await?;
        let consultation = tx.consultation(id).await?;
        let Some(consultation) = consultation else {
            return Ok(None);
        };
        let may = self.may_answer(&mut tx, actor, &consultation).await?;
        tx.commit().await?;
        Ok(may.then_some(consultation))
    }

    /// An expert (or a supervisor) answers consultation `id`: the asker gets it (with "send to
    /// the buyer" when it is about a household), the supervisors get it with "add to the
    /// answer library".
    #[instrument(skip_all)]
    pub async fn answer_consultation(
        &self,
        actor: &Actor,
        id: i64,
        text: &str,
    ) -> ServiceResult<ConsultAnswered> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(consultation) = tx.consultation(id).await? else {
            return Ok(ConsultAnswered::NotYours);
        };
        if !self.may_answer(&mut tx, actor, &consultation).await? {
            return Ok(ConsultAnswered::NotYours);
        }
        if !self.take_update(&mut tx).await? {
            return Ok(ConsultAnswered::Saved);
        }
        if !tx.answer_consultation(id, text, me.id, now).await? {
            tx.commit().await?;
            return Ok(ConsultAnswered::AlreadyAnswered);
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "consult.answer",
            &format!("consultation:{id}"),
            serde_json::json!({ "text": text }),
        )
        .await?;
        let asker = tx.staff_by_id(consultation.asked_by).await?;
        let render = |lang: Lang| {
            crate::tr!(
                self.i18n,
                lang,
                "consult-answered",
                id = id,
                expert = me.name.as_str(),
                field = consultation.field.label(&self.i18n, lang),
                question = clip(&consultation.question, 300),
                answer = text
            )
        };
        if let Some(asker) = asker.filter(|a| a.id != me.id) {
            let unit = consultation.unit_id;
            self.tell(
                &mut tx,
                [asker],
                Message::new(
                    Cause::per_chat(format!("consult-answered:{id}")),
                    |lang, _| {
                        let buttons = match unit {
                            Some(_) => vec![vec![Button::press(
                                crate::tr!(self.i18n, lang, "button-consult-send"),
                                format!("1:cns:{id}"),
                            )]],
                            None => Vec::new(),
                        };
                        Content::Text {
                            html: render(lang),
                            buttons,
                        }
                    },
                ),
            )
            .await?;
        }
        let supervisors: Vec<StaffMember> = supervisors(&mut tx)
            .await?
            .into_iter()
            .filter(|s| s.id != me.id)
            .collect();
        self.tell(
            &mut tx,
            supervisors,
            Message::new(
                Cause::per_chat(format!("consult-for-library:{id}")),
                |lang, _| Content::Text {
                    html: render(lang),
                    buttons: vec![vec![Button::press(
                        crate::tr!(self.i18n, lang, "button-consult-library"),
                        format!("1:cnl:{id}"),
                    )]],
                },
            ),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(ConsultAnswered::Saved)
    }

    /// The asker sends the expert's answer of consultation `id` to the household's buyers, in
    /// their own name. How many buyers got it; `None` when the actor may not.
    #[instrument(skip_all)]
    pub async fn send_consultation_answer(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<usize>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let mut tx = self.store.begin().await?;
        let Some(consultation) = tx.consultation(id).await? else {
            return Ok(None);
        };
        let (Some(unit), Some(answer)) = (consultation.unit_id, consultation.answer.clone()) else {
            return Ok(None);
        };
        let Some(household) = tx.household(unit).await? else {
            return Ok(None);
        };
        if !authz::looks_after(me, household.home()) {
            return Ok(None);
        }
        if !self.take_update(&mut tx).await? {
            return Ok(Some(0));
        }
        let sent = self
            .write_to_household(
                &mut tx,
                me,
                unit,
                Cause::per_chat(format!("consult-sent:{id}")),
                serde_json::json!({ "consultation": id, "text": answer }),
                |_| answer.clone(),
            )
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(sent))
    }

    /// A supervisor makes the expert's answer of consultation `id` a library answer (the whole
    /// project, not for buyers' `/ask` until they say so). Its id; `None` when there is no
    /// answer yet. Pressed again, the same answer.
    #[instrument(skip_all)]
    pub async fn consultation_to_library(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<i64>> {
        require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(consultation) = tx.consultation(id).await? else {
            return Ok(None);
        };
        if let Some(made) = consultation.answer_id {
            return Ok(Some(made));
        }
        let Some(answer) = consultation.answer.clone() else {
            return Ok(None);
        };
        let project = tx.ensure_project(&self.config.project, now).await?;
        let fields = AnswerFields {
            question: consultation.question.chars().take(200).collect(),
            keywords: Vec::new(),
            text_zh: answer,
            text_en: None,
            scope: RiskScope::Project,
            risks: Vec::new(),
        };
        let answer_id = tx
            .add_answer(project, &fields, false, &actor.audit_name(), now)
            .await?;
        tx.link_consultation_answer(id, answer_id).await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "answer.add",
            &format!("answer:{answer_id}"),
            serde_json::json!({ "consultation": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(answer_id))
    }
}
