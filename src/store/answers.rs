//! The answer library (统一说辞): approved answers, their versions and their uses.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::risk::RiskScope;
use chrono::{DateTime, Utc};

/// One approved answer as it is now (its version in use), with how often it was used.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub id: i64,
    pub project_id: i64,
    pub version: i64,
    pub question: String,
    pub keywords: Vec<String>,
    pub text_zh: String,
    pub text_en: Option<String>,
    pub scope: RiskScope,
    /// The risk register's items it answers.
    pub risks: Vec<i64>,
    pub buyers_may_see: bool,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
    pub retired: bool,
    pub uses: i64,
}

/// One version of an answer, for its history.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerVersion {
    pub version: i64,
    pub question: String,
    pub text_zh: String,
    pub text_en: Option<String>,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}

/// What a version of an answer is written with (by the dialogue, an edit, or a row of a file).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerFields {
    pub question: String,
    pub keywords: Vec<String>,
    pub text_zh: String,
    pub text_en: Option<String>,
    pub scope: RiskScope,
    pub risks: Vec<i64>,
}

impl From<&Answer> for AnswerFields {
    fn from(answer: &Answer) -> Self {
        AnswerFields {
            question: answer.question.clone(),
            keywords: answer.keywords.clone(),
            text_zh: answer.text_zh.clone(),
            text_en: answer.text_en.clone(),
            scope: answer.scope.clone(),
            risks: answer.risks.clone(),
        }
    }
}

/// How an answer came to be used (counted per answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerUse {
    /// Chosen from the results of an inline query.
    Inline,
    /// Shown by `/answer`.
    Command,
    /// Sent to a buyer from their relayed message.
    Relay,
    /// Given to a buyer's `/ask`.
    Ask,
}

impl AnswerUse {
    fn as_str(self) -> &'static str {
        match self {
            AnswerUse::Inline => "inline",
            AnswerUse::Command => "command",
            AnswerUse::Relay => "relay",
            AnswerUse::Ask => "ask",
        }
    }
}

type AnswerRecord = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    i64,
);

const ANSWER_SELECT: &str = "SELECT a.id, a.project_id, a.version, v.question, v.keywords, v.text_zh, \
     v.text_en, v.scope, v.risks, a.buyers_may_see, v.approved_by, v.approved_at, a.retired_at, \
     (SELECT COUNT(*) FROM answer_uses u WHERE u.answer_id = a.id) \
     FROM answers a JOIN answer_versions v ON v.answer_id = a.id AND v.version = a.version";

fn answer(r: AnswerRecord) -> StoreResult<Answer> {
    let id = r.0;
    let scope = serde_json::from_str(&r.7)
        .map_err(|_| StoreError::Corrupt(format!("answer {id} has an unreadable scope")))?;
    Ok(Answer {
        id,
        project_id: r.1,
        version: r.2,
        question: r.3,
        keywords: r
            .4
            .lines()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        text_zh: r.5,
        text_en: r.6,
        scope,
        risks: r
            .8
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect(),
        buyers_may_see: r.9 != 0,
        approved_by: r.10,
        approved_at: r.11,
        retired: r.12.is_some(),
        uses: r.13,
    })
}

impl Tx {
    /// A new answer in `project_id`, its first version approved by `approved_by` now.
    pub async fn add_answer(
        &mut self,
        project_id: i64,
        fields: &AnswerFields,
        buyers_may_see: bool,
        approved_by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let id: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO answers (project_id, version, buyers_may_see, created_at) \
                 VALUES ($1, 1, $2, $3) RETURNING id",
            )
            .bind(project_id)
            .bind(i64::from(buyers_may_see))
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        self.write_answer_version(id, 1, fields, approved_by, now)
            .await?;
        Ok(id)
    }

    /// A new version of answer `id` (the one before it stays in its history); returns its number.
    pub async fn new_answer_version(
        &mut self,
        id: i64,
        fields: &AnswerFields,
        approved_by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let version: i64 = with_conn!(self, |c| {
            sqlx::query_scalar(
                "UPDATE answers SET version = version + 1 WHERE id = $1 RETURNING version",
            )
            .bind(id)
            .fetch_one(c)
            .await
        })?;
        self.write_answer_version(id, version, fields, approved_by, now)
            .await?;
        Ok(version)
    }

    async fn write_answer_version(
        &mut self,
        id: i64,
        version: i64,
        fields: &AnswerFields,
        approved_by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        // A derived Serialize of plain strings cannot fail.
        let scope = serde_json::to_string(&fields.scope).unwrap_or_default();
        let risks = fields
            .risks
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO answer_versions (answer_id, version, question, keywords, text_zh, text_en, \
                 scope, risks, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(version)
            .bind(&fields.question)
            .bind(fields.keywords.join("\n"))
            .bind(&fields.text_zh)
            .bind(&fields.text_en)
            .bind(&scope)
            .bind(&risks)
            .bind(approved_by)
            .bind(now)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The answers of `project_id` in use, oldest first.
    pub async fn answers(&mut self, project_id: i64) -> StoreResult<Vec<Answer>> {
        let rows: Vec<AnswerRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!(
                "{ANSWER_SELECT} WHERE a.project_id = $1 AND a.retired_at IS NULL ORDER BY a.id"
            ))
            .bind(project_id)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter().map(answer).collect()
    }

    /// Answer `id`, in use or retired.
    pub async fn answer(&mut self, id: i64) -> StoreResult<Option<Answer>> {
        let row: Option<AnswerRecord> = with_conn!(self, |c| {
            sqlx::query_as(&format!("{ANSWER_SELECT} WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(c)
                .await
        })?;
        row.map(answer).transpose()
    }

    /// Every version of answer `id`, oldest first.
    pub async fn answer_history(&mut self, id: i64) -> StoreResult<Vec<AnswerVersion>> {
        type Row = (i64, String, String, Option<String>, String, DateTime<Utc>);
        let rows: Vec<Row> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT version, question, text_zh, text_en, approved_by, approved_at \
                 FROM answer_versions WHERE answer_id = $1 ORDER BY version",
            )
            .bind(id)
            .fetch_all(c)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(version, question, text_zh, text_en, approved_by, approved_at)| AnswerVersion {
                    version,
                    question,
                    text_zh,
                    text_en,
                    approved_by,
                    approved_at,
                },
            )
            .collect())
    }

    /// Whether buyers' `/ask` may be answered with answer `id`; false when it already was so.
    pub async fn set_answer_visibility(
        &mut self,
        id: i64,
        buyers_may_see: bool,
    ) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query(
                "UPDATE answers SET buyers_may_see = $2 WHERE id = $1 AND buyers_may_see <> $2 AND retired_at IS NULL",
            )
            .bind(id)
            .bind(i64::from(buyers_may_see))
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Takes answer `id` out of use; false when it already was.
    pub async fn retire_answer(&mut self, id: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let changed = with_conn!(self, |c| {
            sqlx::query("UPDATE answers SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(changed > 0)
    }

    /// Counts a use of answer `id` once per `cause`; false when that cause was counted before.
    pub async fn record_answer_use(
        &mut self,
        cause: &str,
        id: i64,
        version: i64,
        via: AnswerUse,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let added = with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO answer_uses (cause, answer_id, version, via, used_at, rehearsal_id) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cause) DO NOTHING",
            )
            .bind(cause)
            .bind(id)
            .bind(version)
            .bind(via.as_str())
            .bind(now)
            .bind(crate::rehearsal::current())
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(added > 0)
    }
}
