//! The answer library (统一说辞): supervisors keep approved answers to the hard questions buyers
//! ask; staff find them (`/answer`, inline mode) and send them; a buyer's relayed message
//! carries the one that fits; a buyer's `/ask` may get one directly.

use super::relay::Relayed;
use super::tell::Cause;
use super::{ServiceError, ServiceResult, Services, require_supervisor};
use crate::domain::answer::{Library, Searchable};
use crate::domain::authz;
use crate::domain::flow::answer_entry::{AnswerDraft, FieldValue};
use crate::domain::people::{Actor, Lang};
use crate::store::Tx;
use crate::store::answers::{Answer, AnswerFields, AnswerUse, AnswerVersion};
use tracing::instrument;

/// Most answers `/answer` shows, and inline mode lists (Telegram takes up to 50 results; each
/// answer can be two, one per language).
pub const MAX_FOUND: usize = 20;

impl Answer {
    /// The answer's text for a reader of `lang`: English when there is one, Chinese otherwise.
    pub fn text(&self, lang: Lang) -> &str {
        match (lang, &self.text_en) {
            (Lang::En, Some(en)) => en,
            _ => &self.text_zh,
        }
    }
}

/// What a buyer's `/ask` came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Asked {
    /// The library's answer (buyers may see it), in the buyer's language.
    Answered(String),
    /// No answer for buyers fits: it went on like any message to the ambassador.
    Relayed(Relayed),
}

/// One field of an answer changed: the new version's number, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edited {
    Version(i64),
    /// The answer is retired or gone.
    Gone,
}

/// Who an audit name (`staff:ID`, `cli`) is: the staff member's name when it names one.
async fn approver_name(tx: &mut Tx, audit_name: &str) -> ServiceResult<String> {
    let Some(id) = audit_name
        .strip_prefix("staff:")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok(audit_name.to_string());
    };
    let staff = tx.staff_by_id(id).await?;
    Ok(staff.map_or_else(|| audit_name.to_string(), |s| s.name))
}

fn library(answers: &[Answer]) -> Library {
    let searchable: Vec<Searchable> = answers
        .iter()
        .map(|a| Searchable {
            id: a.id,
            question: a.question.clone(),
            keywords: a.keywords.clone(),
        })
        .collect();
    Library::new(&searchable)
}

/// The answers of `answers` that match `query`, best first (the most used first for an empty
/// query).
fn ranked(answers: Vec<Answer>, query: &str, limit: usize) -> Vec<Answer> {
    if crate::domain::answer::normalize(query).is_empty() {
        let mut answers = answers;
        answers.sort_by_key(|a| (std::cmp::Reverse(a.uses), a.id));
        answers.truncate(limit);
        return answers;
    }
    let order = library(&answers).rank(query);
    let mut answers = answers;
    order
        .into_iter()
        .take(limit)
        .filter_map(|(id, _)| {
            let at = answers.iter().position(|a| a.id == id)?;
            Some(answers.swap_remove(at))
        })
        .collect()
}

impl Services {
    /// What a use of an answer is counted once per: the update being answered, else `otherwise`.
    fn use_cause(&self, what: &str, otherwise: impl FnOnce() -> String) -> String {
        match self.answering {
            Some(update) => format!("update:{}:{what}", update.update_id),
            None => otherwise(),
        }
    }

    async fn library_project(&self, tx: &mut Tx) -> ServiceResult<i64> {
        Ok(tx
            .ensure_project(&self.config.project, self.clock.now())
            .await?)
    }

    /// The answers that are for household `unit_id` (their scope reaches it).
    async fn answers_for_household(&self, tx: &mut Tx, unit_id: i64) -> ServiceResult<Vec<Answer>> {
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(Vec::new());
        };
        let project = self.library_project(tx).await?;
        Ok(tx
            .answers(project)
            .await?
            .into_iter()
            .filter(|a| a.scope.reaches(household.place()))
            .collect())
    }

    /// The approved answer to offer with a buyer's message about household `unit_id`, when one
    /// surely fits.
    pub(crate) async fn suggested_answer(
        &self,
        tx: &mut Tx,
        unit_id: i64,
        message: &str,
    ) -> ServiceResult<Option<Answer>> {
        let answers = self.answers_for_household(tx, unit_id).await?;
        let best = library(&answers).sure_match(message);
        Ok(best.and_then(|id| answers.into_iter().find(|a| a.id == id)))
    }

    /// Every answer in use (supervisors).
    pub async fn answer_list(&self, actor: &Actor) -> ServiceResult<Vec<Answer>> {
        require_supervisor(actor)?;
        let mut tx = self.store.begin().await?;
        let project = self.library_project(&mut tx).await?;
        let answers = tx.answers(project).await?;
        tx.commit().await?;
        Ok(answers)
    }

    /// One answer with its history (supervisors), each `approved_by` as the reader knows them:
    /// the staff member's name (the store keeps the audit name `staff:ID`).
    pub async fn answer_card(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<(Answer, Vec<AnswerVersion>)>> {
        require_supervisor(actor)?;
        let mut tx = self.store.read().await?;
        let Some(mut answer) = tx.answer(id).await? else {
            return Ok(None);
        };
        let mut history = tx.answer_history(id).await?;
        answer.approved_by = approver_name(&mut tx, &answer.approved_by).await?;
        for version in &mut history {
            version.approved_by = approver_name(&mut tx, &version.approved_by).await?;
        }
        tx.commit().await?;
        Ok(Some((answer, history)))
    }

    /// A supervisor's new answer from the dialogue; its first version is approved by them.
    #[instrument(skip_all)]
    pub async fn add_answer(
        &self,
        actor: &Actor,
        draft: &AnswerDraft,
        buyers_may_see: bool,
    ) -> ServiceResult<Option<i64>> {
        require_supervisor(actor)?;
        let (Some(question), Some(text_zh), Some(scope)) =
            (&draft.question, &draft.text_zh, &draft.scope)
        else {
            return Err(ServiceError::Forbidden);
        };
        let fields = AnswerFields {
            question: question.clone(),
            keywords: draft.keywords.clone().unwrap_or_default(),
            text_zh: text_zh.clone(),
            text_en: draft.text_en.clone().filter(|t| !t.is_empty()),
            scope: scope.clone(),
            risks: Vec::new(),
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(None);
        }
        let project = self.library_project(&mut tx).await?;
        let id = tx
            .add_answer(project, &fields, buyers_may_see, &actor.audit_name(), now)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "answer.add",
            &format!("answer:{id}"),
            serde_json::json!({ "question": fields.question }),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A supervisor changes one field of answer `id`: a new version, approved by them.
    #[instrument(skip_all)]
    pub async fn edit_answer(
        &self,
        actor: &Actor,
        id: i64,
        value: FieldValue,
    ) -> ServiceResult<Edited> {
        require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(answer) = tx.answer(id).await?.filter(|a| !a.retired) else {
            return Ok(Edited::Gone);
        };
        if !self.take_update(&mut tx).await? {
            return Ok(Edited::Version(answer.version));
        }
        let mut fields = AnswerFields::from(&answer);
        match value {
            FieldValue::Question(q) => fields.question = q,
            FieldValue::Keywords(k) => fields.keywords = k,
            FieldValue::TextZh(t) => fields.text_zh = t,
            FieldValue::TextEn(t) => fields.text_en = t,
            FieldValue::Scope(s) => fields.scope = s,
            FieldValue::Risks(r) => fields.risks = r,
        }
        if fields == AnswerFields::from(&answer) {
            tx.commit().await?;
            return Ok(Edited::Version(answer.version));
        }
        let version = tx
            .new_answer_version(id, &fields, &actor.audit_name(), now)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "answer.edit",
            &format!("answer:{id}"),
            serde_json::json!({ "version": version }),
        )
        .await?;
        tx.commit().await?;
        Ok(Edited::Version(version))
    }

    /// Whether buyers' `/ask` may be answered with answer `id`; `None` when it is gone.
    pub async fn set_answer_visibility(
        &self,
        actor: &Actor,
        id: i64,
        buyers_may_see: bool,
    ) -> ServiceResult<Option<Answer>> {
        require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if tx.set_answer_visibility(id, buyers_may_see).await? {
            tx.audit(
                now,
                &actor.audit_name(),
                "answer.visibility",
                &format!("answer:{id}"),
                serde_json::json!({ "buyers_may_see": buyers_may_see }),
            )
            .await?;
        }
        let answer = tx.answer(id).await?.filter(|a| !a.retired);
        tx.commit().await?;
        Ok(answer)
    }

    /// Takes answer `id` out of use; false when it already was (or is gone).
    pub async fn retire_answer(&self, actor: &Actor, id: i64) -> ServiceResult<bool> {
        require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let retired = tx.retire_answer(id, now).await?;
        if retired {
            tx.audit(
                now,
                &actor.audit_name(),
                "answer.retire",
                &format!("answer:{id}"),
                serde_json::Value::Null,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(retired)
    }

    /// The answers matching `query` for a staff member (`/answer`, inline mode), best first.
    /// `/answer` counts a use of each answer it shows, once per update (`counted` names it).
    #[instrument(skip_all)]
    pub async fn find_answers(
        &self,
        actor: &Actor,
        query: &str,
        counted: Option<&str>,
    ) -> ServiceResult<Vec<Answer>> {
        if !matches!(actor, Actor::Staff(_)) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let project = self.library_project(&mut tx).await?;
        let found = ranked(tx.answers(project).await?, query, MAX_FOUND);
        if let Some(cause) = counted {
            for answer in &found {
                tx.record_answer_use(
                    &format!("{cause}:{}", answer.id),
                    answer.id,
                    answer.version,
                    AnswerUse::Command,
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(found)
    }

    /// A staff member chose answer `id` (version `version`) from inline results: counted once
    /// per `cause`. Anyone else's choice counts nothing.
    pub async fn inline_answer_chosen(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        cause: &str,
    ) -> ServiceResult<()> {
        if !matches!(actor, Actor::Staff(_)) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.store.begin().await?;
        if tx.answer(id).await?.is_some() {
            tx.record_answer_use(cause, id, version, AnswerUse::Inline, self.clock.now())
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The ambassador sends approved answer `answer_id` to the buyers of household `unit_id`,
    /// each in their language. Returns how many buyers it went to; `None` when the actor may
    /// not write to them or the answer is no longer in use.
    #[instrument(skip_all)]
    pub async fn send_answer(
        &self,
        actor: &Actor,
        unit_id: i64,
        answer_id: i64,
    ) -> ServiceResult<Option<usize>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        if !authz::looks_after(me, household.home()) {
            return Ok(None);
        }
        let Some(answer) = tx.answer(answer_id).await?.filter(|a| !a.retired) else {
            return Ok(None);
        };
        if !self.take_update(&mut tx).await? {
            return Ok(Some(0));
        }
        let cause = self.update_cause("answer", || {
            Cause::per_chat("answer").then(format!(":{unit_id}:{}:{}", answer.id, answer.version))
        });
        let sent = self
            .write_to_household(
                &mut tx,
                me,
                unit_id,
                cause,
                serde_json::json!({ "answer": answer.id, "version": answer.version, "text": answer.text_zh }),
                |lang| answer.text(lang).to_string(),
            )
            .await?;
        tx.record_answer_use(
            &self.use_cause("answer", || format!("answer:{unit_id}:{answer_id}:{now}")),
            answer.id,
            answer.version,
            AnswerUse::Relay,
            now,
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(sent))
    }

    /// A buyer's `/ask`: answered from the library when an answer buyers may see surely fits
    /// their home and question; otherwise it goes to their ambassador like any message.
    #[instrument(skip_all)]
    pub async fn buyer_ask(
        &self,
        actor: &Actor,
        lang: Lang,
        question: &str,
    ) -> ServiceResult<Asked> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let Some(first) = homes.first() else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut answers = self
            .answers_for_household(&mut tx, first.unit.unit_id)
            .await?;
        answers.retain(|a| a.buyers_may_see);
        let best = library(&answers).sure_match(question);
        let Some(answer) = best.and_then(|id| answers.into_iter().find(|a| a.id == id)) else {
            tx.commit().await?;
            return Ok(Asked::Relayed(
                self.message_from_buyer(actor, question).await?,
            ));
        };
        if !self.take_update(&mut tx).await? {
            return Ok(Asked::Answered(answer.text(lang).to_string()));
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "buyer.ask",
            &format!("unit:{}", first.unit.unit_id),
            serde_json::json!({ "text": question, "answer": answer.id, "version": answer.version }),
        )
        .await?;
        let cause = self.use_cause("ask", || {
            format!("ask:{}:{}", first.id, super::text_key(question))
        });
        tx.record_answer_use(&cause, answer.id, answer.version, AnswerUse::Ask, now)
            .await?;
        tx.commit().await?;
        Ok(Asked::Answered(answer.text(lang).to_string()))
    }
}

impl Services {
    /// The rows of an answers file, in the import's transaction: a question the library has
    /// (as matching reads it) gets a new version when anything differs, a new one is added;
    /// 买家可见, when given, is set either way.
    pub(crate) async fn import_answers(
        &self,
        tx: &mut Tx,
        rows: &[crate::domain::import::AnswerRow],
        approved_by: &str,
        counts: &mut crate::store::ImportCounts,
    ) -> ServiceResult<()> {
        use crate::domain::answer::normalize;
        use crate::store::UpsertOutcome;
        let now = self.clock.now();
        let project = self.library_project(tx).await?;
        let library = tx.answers(project).await?;
        for row in rows {
            let fields = AnswerFields {
                question: row.question.clone(),
                keywords: row.keywords.clone(),
                text_zh: row.text_zh.clone(),
                text_en: row.text_en.clone(),
                scope: row.scope.clone(),
                risks: Vec::new(),
            };
            let known = library
                .iter()
                .find(|a| normalize(&a.question) == normalize(&row.question));
            let Some(answer) = known else {
                let id = tx
                    .add_answer(
                        project,
                        &fields,
                        row.buyers_may_see.unwrap_or(false),
                        approved_by,
                        now,
                    )
                    .await?;
                tx.audit(
                    now,
                    approved_by,
                    "answer.add",
                    &format!("answer:{id}"),
                    serde_json::json!({ "question": row.question, "line": row.line }),
                )
                .await?;
                counts.add(UpsertOutcome::Created);
                continue;
            };
            // The risks it answers are kept: the file does not name them.
            let fields = AnswerFields {
                risks: answer.risks.clone(),
                ..fields
            };
            let mut changed = false;
            if fields != AnswerFields::from(answer) {
                let version = tx
                    .new_answer_version(answer.id, &fields, approved_by, now)
                    .await?;
                tx.audit(
                    now,
                    approved_by,
                    "answer.edit",
                    &format!("answer:{}", answer.id),
                    serde_json::json!({ "version": version, "line": row.line }),
                )
                .await?;
                changed = true;
            }
            if let Some(buyers_may_see) = row.buyers_may_see
                && tx.set_answer_visibility(answer.id, buyers_may_see).await?
            {
                tx.audit(
                    now,
                    approved_by,
                    "answer.visibility",
                    &format!("answer:{}", answer.id),
                    serde_json::json!({ "buyers_may_see": buyers_may_see, "line": row.line }),
                )
                .await?;
                changed = true;
            }
            counts.add(if changed {
                UpsertOutcome::Updated
            } else {
                UpsertOutcome::Unchanged
            });
        }
        Ok(())
    }
}
