//! Early contact of key households (未雨绸缪) and the campaign's key dates (关键节点).
//!
//! Every assigned A+ or flagged household is a call its ambassador owes before the campaign:
//! due `HANDOVER_PRECONTACT_DAYS` before the project's first inspection (its first slot, or the
//! key date when no slot is in yet). The call is logged from the household's card; a
//! dissatisfied or hostile buyer raises the household's flag and the supervisors hear at once,
//! and a call still not made after its due time goes to the supervisors once.

use super::tell::{Cause, Message};
use super::{SYSTEM, ServiceError, ServiceResult, Services};
use crate::domain::flow::precontact_call::CallLog;
use crate::domain::people::{Actor, Lang, RiskFlag};
use crate::domain::precontact::{self, Coverage, KeyDate};
use crate::store::Tx;
use crate::store::assignment::Household;
use crate::store::precontact::{Call, NewCall};
use chrono::{DateTime, NaiveDate, Utc};
use tracing::instrument;

/// A key household's call as its card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallDue {
    /// None while the project has neither an inspection slot nor a first-inspection date.
    pub due: Option<DateTime<Utc>>,
    pub coverage: Option<Coverage>,
    /// The latest call, if any.
    pub last: Option<Call>,
}

/// Pre-contact coverage of the key households in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageCounts {
    pub key: usize,
    pub reached: usize,
    pub due: usize,
    pub overdue: usize,
}

/// What `/dates` shows or did.
#[derive(Debug, Clone, PartialEq)]
pub enum DatesOutcome {
    Shown(Vec<(KeyDate, NaiveDate)>),
    Set(Vec<(KeyDate, NaiveDate)>),
    /// The words were not "kind date" (or "kind -" to clear).
    Usage,
}

/// What logging a call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    Saved {
        escalated: bool,
    },
    /// The household is not the actor's (any more).
    NotYours,
}

/// The key date kind a word names: its code or its name in either language.
pub fn key_date_named(word: &str) -> Option<KeyDate> {
    let word = word.trim().to_lowercase();
    KeyDate::parse(&word).or(match word.as_str() {
        "风险盘点" | "盘点完成" | "风险盘点完成" | "risk_review" => {
            Some(KeyDate::RiskReviewDone)
        }
        "演练" => Some(KeyDate::Rehearsal),
        "工地开放" | "开放日" | "open" => Some(KeyDate::OpenDay),
        "首次验房" | "验房" | "inspection" => Some(KeyDate::FirstInspection),
        "交付开始" | "正式交付" | "交付" => Some(KeyDate::HandoverStart),
        "交付结束" => Some(KeyDate::HandoverEnd),
        _ => None,
    })
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

impl Services {
    /// When the project's first inspection is: its first inspection slot, else the start of
    /// its first-inspection key date in the project's time zone.
    pub(crate) async fn first_inspection(
        &self,
        tx: &mut Tx,
        project_id: i64,
    ) -> ServiceResult<Option<DateTime<Utc>>> {
        if let Some(first) = tx.first_inspection_slot(project_id).await? {
            return Ok(Some(first));
        }
        use chrono::TimeZone as _;
        Ok(tx
            .key_dates(project_id)
            .await?
            .into_iter()
            .find(|(kind, _)| *kind == KeyDate::FirstInspection)
            .and_then(|(_, day)| day.and_hms_opt(0, 0, 0))
            .and_then(|t| self.config.timezone.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// When a key household of `project` must have been called.
    async fn call_due(&self, tx: &mut Tx, project: &str) -> ServiceResult<Option<DateTime<Utc>>> {
        let Some(project_id) = tx.project_id(project).await? else {
            return Ok(None);
        };
        Ok(self
            .first_inspection(tx, project_id)
            .await?
            .map(|first| first - chrono::Duration::days(i64::from(self.config.precontact_days))))
    }

    /// A household's call, when it is a key household (none otherwise).
    pub(crate) async fn call_of_household(
        &self,
        tx: &mut Tx,
        household: &Household,
    ) -> ServiceResult<Option<CallDue>> {
        if !household.sensitive() {
            return Ok(None);
        }
        let due = self.call_due(tx, &household.unit.project).await?;
        let calls = tx.precontact_calls(household.unit.unit_id).await?;
        let reached = calls.iter().any(|c| c.reached);
        let now = self.clock.now();
        Ok(Some(CallDue {
            due,
            coverage: due
                .map(|due| precontact::coverage(reached, due.naive_utc(), now.naive_utc())),
            last: calls.into_iter().next(),
        }))
    }

    /// The call button on a card: the household must be the actor's and key. Returns the live
    /// risks to offer as "the buyer raised this".
    #[instrument(skip_all)]
    pub async fn start_call(&self, actor: &Actor, unit: i64) -> ServiceResult<Option<Vec<i64>>> {
        let Actor::Staff(me) = actor else {
            return Ok(None);
        };
        let mut tx = self.store.read().await?;
        let Some(household) = tx.household(unit).await? else {
            return Ok(None);
        };
        if !crate::domain::authz::looks_after(me, household.home()) || !household.sensitive() {
            return Ok(None);
        }
        let offered = self
            .risks_of_household(&mut tx, &household)
            .await?
            .iter()
            .map(|r| r.id)
            .collect();
        tx.commit().await?;
        Ok(Some(offered))
    }

    /// Logs a call. A dissatisfied or hostile buyer flags the household and the supervisors
    /// are told at once, keyed by the call.
    #[instrument(skip_all)]
    pub async fn log_call(
        &self,
        actor: &Actor,
        log: &CallLog,
        next_step: &str,
    ) -> ServiceResult<Logged> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(Logged::Saved { escalated: false });
        }
        let Some(household) = tx.household(log.unit).await? else {
            return Ok(Logged::NotYours);
        };
        if !crate::domain::authz::looks_after(me, household.home()) {
            return Ok(Logged::NotYours);
        }
        let reached = log.reached == Some(true);
        let attitude = if reached { log.attitude } else { None };
        let call_id = tx
            .add_precontact_call(
                &NewCall {
                    unit_id: log.unit,
                    staff_id: me.id,
                    reached,
                    attitude,
                    concerns: log.concerns.as_deref().unwrap_or(""),
                    risks: &log.risks,
                    next_step,
                },
                now,
            )
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "precontact",
            &format!("unit:{}", log.unit),
            serde_json::json!({ "reached": reached, "attitude": attitude.map(|a| a.as_str()) }),
        )
        .await?;
        let escalated = attitude.is_some_and(|a| a.escalates());
        if let Some(attitude) = attitude.filter(|a| a.escalates()) {
            tx.add_unit_flag(log.unit, RiskFlag::Discontent, now)
                .await?;
            let raised: Vec<String> = {
                let mut lines = Vec::new();
                for id in &log.risks {
                    if let Some(risk) = tx.risk(*id).await? {
                        lines.push(risk.difference);
                    }
                }
                lines
            };
            let supervisors = super::supervisors(&mut tx).await?;
            let concerns = log.concerns.clone().unwrap_or_default();
            let message = Message::text(
                Cause::per_chat(format!("precontact-escalated:{call_id}")),
                |lang, _| {
                    use crate::present::Label as _;
                    crate::tr!(
                        self.i18n,
                        lang,
                        "precontact-escalated",
                        unit = household.unit.short(),
                        names = crate::present::list(&self.i18n, lang, &household.names),
                        attitude = attitude.label(&self.i18n, lang),
                        ambassador = &me.name,
                        concerns = if concerns.is_empty() {
                            crate::tr!(self.i18n, lang, "no-value")
                        } else {
                            concerns.clone()
                        },
                        risks = if raised.is_empty() {
                            crate::tr!(self.i18n, lang, "no-value")
                        } else {
                            crate::present::list(&self.i18n, lang, &raised)
                        },
                        next = if next_step.is_empty() {
                            crate::tr!(self.i18n, lang, "no-value")
                        } else {
                            next_step.to_string()
                        }
                    )
                },
            );
            self.tell(&mut tx, supervisors.iter(), message).await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Logged::Saved { escalated })
    }

    /// The key households of a project (every project when `None`) that are assigned, with
    /// where their call stands.
    pub(crate) async fn call_coverage(
        &self,
        tx: &mut Tx,
        project: Option<&str>,
    ) -> ServiceResult<CoverageCounts> {
        let projects: Vec<String> = match project {
            Some(code) => vec![code.to_string()],
            None => tx.projects().await?.into_iter().map(|(_, c)| c).collect(),
        };
        let reached = tx.reached_units().await?;
        let now = self.clock.now();
        let mut counts = CoverageCounts::default();
        for code in projects {
            let due = self.call_due(tx, &code).await?;
            for h in tx.project_households(&code).await? {
                if h.staff_id.is_none() || !h.sensitive() {
                    continue;
                }
                counts.key += 1;
                let is_reached = reached.contains(&h.unit.unit_id);
                match due.map(|d| precontact::coverage(is_reached, d.naive_utc(), now.naive_utc()))
                {
                    Some(Coverage::Reached) => counts.reached += 1,
                    Some(Coverage::Overdue) => counts.overdue += 1,
                    Some(Coverage::Due) => counts.due += 1,
                    None if is_reached => counts.reached += 1,
                    None => counts.due += 1,
                }
            }
        }
        Ok(counts)
    }

    /// An ambassador's calls still owed, with their due time, for `/today`.
    pub(crate) async fn calls_owed(
        &self,
        tx: &mut Tx,
        staff_id: i64,
    ) -> ServiceResult<Vec<(Household, Option<DateTime<Utc>>)>> {
        let reached = tx.reached_units().await?;
        let mut out = Vec::new();
        for h in tx.households_of(staff_id).await? {
            if !h.sensitive() || reached.contains(&h.unit.unit_id) {
                continue;
            }
            let due = self.call_due(tx, &h.unit.project).await?;
            out.push((h, due));
        }
        out.sort_by_key(|(h, due)| (*due, h.unit.unit_id));
        Ok(out)
    }

    /// Tells the supervisors, once per household, of key households still unreached after
    /// their call was due. Returns how many.
    pub(crate) async fn chase_calls(&self, tx: &mut Tx) -> ServiceResult<usize> {
        let now = self.clock.now();
        let reached = tx.reached_units().await?;
        let projects: Vec<String> = tx.projects().await?.into_iter().map(|(_, c)| c).collect();
        let mut late: Vec<(Household, DateTime<Utc>)> = Vec::new();
        for code in projects {
            let Some(due) = self.call_due(tx, &code).await? else {
                continue;
            };
            if now <= due {
                continue;
            }
            for h in tx.project_households(&code).await? {
                if h.staff_id.is_some()
                    && h.sensitive()
                    && !reached.contains(&h.unit.unit_id)
                    && tx.mark_precontact_overdue(h.unit.unit_id, now).await?
                {
                    late.push((h, due));
                }
            }
        }
        if late.is_empty() {
            return Ok(0);
        }
        let supervisors = super::supervisors(tx).await?;
        let mut ambassadors = std::collections::HashMap::new();
        for (h, _) in &late {
            if let Some(id) = h.staff_id
                && !ambassadors.contains_key(&id)
                && let Some(staff) = tx.staff_by_id(id).await?
            {
                ambassadors.insert(id, staff.name);
            }
        }
        let tz = self.config.timezone;
        for (h, due) in &late {
            let ambassador = h
                .staff_id
                .and_then(|id| ambassadors.get(&id).cloned())
                .unwrap_or_default();
            let message = Message::text(
                Cause::per_chat(format!("precontact-overdue:{}", h.unit.unit_id)),
                |lang: Lang, _| {
                    crate::tr!(
                        self.i18n,
                        lang,
                        "precontact-overdue",
                        unit = h.unit.short(),
                        names = crate::present::list(&self.i18n, lang, &h.names),
                        ambassador = &ambassador,
                        due =
                            crate::present::Times::present_month_day_time(&due.with_timezone(&tz))
                    )
                },
            );
            self.tell(tx, supervisors.iter(), message).await?;
            tx.audit(
                now,
                SYSTEM,
                "precontact_overdue",
                &format!("unit:{}", h.unit.unit_id),
                serde_json::json!({}),
            )
            .await?;
        }
        Ok(late.len())
    }

    /// The before-campaign sweep (a scheduler job on the deadline sweep's schedule): risk
    /// owners without a response and key households not called.
    #[instrument(skip_all)]
    pub async fn sweep_before_campaign(&self) -> ServiceResult<(usize, usize)> {
        let mut tx = self.store.begin().await?;
        let chased = self.chase_risk_responses(&mut tx).await?;
        let late = self.chase_calls(&mut tx).await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok((chased, late))
    }

    /// `/dates` (show) and `/dates KIND DATE` (set; `-` clears), for the default project.
    #[instrument(skip_all)]
    pub async fn key_dates_command(
        &self,
        actor: &Actor,
        args: &str,
    ) -> ServiceResult<DatesOutcome> {
        super::require_supervisor(actor)?;
        let now = self.clock.now();
        let words: Vec<&str> = args.split_whitespace().collect();
        let mut tx = self.store.begin().await?;
        let project = tx.ensure_project(&self.config.project, now).await?;
        let outcome = match words.as_slice() {
            [] => DatesOutcome::Shown(tx.key_dates(project).await?),
            [kind, day] => {
                let day = if matches!(*day, "-" | "clear" | "清除") {
                    Some(None)
                } else {
                    parse_day(day).map(Some)
                };
                match (key_date_named(kind), day) {
                    (Some(kind), Some(day)) => {
                        tx.set_key_date(project, kind, day, now).await?;
                        tx.audit(
                            now,
                            &actor.audit_name(),
                            "key_date",
                            &format!("project:{project}"),
                            serde_json::json!({
                                "kind": kind.as_str(),
                                "day": day.map(|d| d.to_string()),
                            }),
                        )
                        .await?;
                        DatesOutcome::Set(tx.key_dates(project).await?)
                    }
                    _ => DatesOutcome::Usage,
                }
            }
            _ => DatesOutcome::Usage,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// The digest's countdown to the next key date of the default project and what is late
    /// against it; none when no date is ahead.
    pub(crate) async fn countdown(
        &self,
        tx: &mut Tx,
        lang: Lang,
        today: NaiveDate,
    ) -> ServiceResult<Option<String>> {
        use crate::present::Label as _;
        let Some(project) = tx.project_id(&self.config.project).await? else {
            return Ok(None);
        };
        let dates = tx.key_dates(project).await?;
        let Some((kind, day, days)) = precontact::next_key_date(&dates, today) else {
            return Ok(None);
        };
        let mut lines = vec![crate::tr!(
            self.i18n,
            lang,
            "countdown",
            date = kind.label(&self.i18n, lang),
            day = crate::present::Dates::present_date(&day),
            days = days
        )];
        let risks = self.risk_counts(tx, Some(&self.config.project)).await?;
        let calls = self.call_coverage(tx, Some(&self.config.project)).await?;
        let counts = tx
            .campaign_counts(
                &crate::store::kpi::Scope {
                    project: Some(self.config.project.clone()),
                    building: None,
                },
                self.clock.now(),
            )
            .await?;
        let not_invited = (counts.units - counts.invited).max(0);
        for (count, key) in [
            (risks.open, "countdown-late-risks"),
            (calls.due + calls.overdue, "countdown-late-calls"),
            (not_invited as usize, "countdown-late-invitations"),
        ] {
            if count > 0 {
                lines.push(self.i18n.text(lang, key, &[("count", count.into())]));
            }
        }
        Ok(Some(lines.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_dates_are_named_in_either_language() {
        assert_eq!(key_date_named("首次验房"), Some(KeyDate::FirstInspection));
        assert_eq!(key_date_named("open_day"), Some(KeyDate::OpenDay));
        assert_eq!(key_date_named("演练"), Some(KeyDate::Rehearsal));
        assert_eq!(key_date_named("明天"), None);
        assert_eq!(
            parse_day("2026/12/10"),
            NaiveDate::from_ymd_opt(2026, 12, 10)
        );
        assert_eq!(parse_day("12-10"), None);
    }
}
