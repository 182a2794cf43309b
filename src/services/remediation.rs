//! Remediation (seed step 8, 快速消项): routing each defect to an engineer with a deadline,
//! moving it along the defect state machine (`domain::remediation`), pushing every change to the buyer and their
//! ambassador, asking the buyer to check each fix, and the deadline sweep.

use super::notices::enqueue;
use super::tell::{Cause, Chat, Message};
use super::{ServiceResult, Services, supervisors};
use crate::domain::authz;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Lang, Role, StaffMember};
use crate::domain::remediation::{
    Action, AgeBand, DefectStatus, REOPENS_BEFORE_ESCALATION, Refusal, ageing, due_after_hold,
    transition,
};
use crate::i18n::Arg;
use crate::present::Dates as _;
use crate::present::{self, Label};
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::assignment::Household;
use crate::store::defects::Defect;
use chrono::{DateTime, Utc};
use tracing::instrument;

/// What became of a requested step.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Done(Box<Defect>),
    Refused(Refusal),
    /// No such defect, or not one this person may see.
    NotFound,
}

pub use crate::domain::flow::fix::FixReport;

/// What the deadline sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    pub reminded: usize,
    pub escalated: usize,
    /// Unresolved defects per ageing band (0–7, 8–14, 15–30, >30 days).
    pub ageing: [usize; 4],
}

/// A defect on an engineer's list, with its home.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub defect: Defect,
    pub household: Household,
    /// The steps the engineer may take on it now (`domain::remediation::available`).
    pub actions: Vec<Action>,
}

/// Telegram's limit on a photo's caption, in characters once the markup is gone.
const MAX_CAPTION: usize = 1024;

fn day(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).present_date()
}

impl Services {
    /// How `actor` stands to a defect of `household`.
    /// The defect and its household, when `actor` may see it at all.
    pub(crate) async fn visible_defect(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<(Defect, Household)>> {
        let Some(defect) = tx.defect(id).await? else {
            return Ok(None);
        };
        let Some(household) = tx.household(defect.unit_id).await? else {
            return Ok(None);
        };
        let standing = authz::standing(actor, defect.engineer_id, household.home());
        let sees = authz::may_open(actor, household.home()) || standing.assigned_engineer;
        let hidden = matches!(actor, Actor::Buyer(_)) && defect.status == DefectStatus::Recorded;
        Ok((sees && !hidden).then_some((defect, household)))
    }

    /// The steps `actor` may take on a defect now (for its card's buttons).
    pub async fn defect_actions(&self, actor: &Actor, id: i64) -> ServiceResult<Vec<Action>> {
        let mut tx = self.store.read().await?;
        let actions = match self.visible_defect(&mut tx, actor, id).await? {
            Some((defect, household)) => crate::domain::remediation::available(
                defect.status,
                authz::standing(actor, defect.engineer_id, household.home()),
            ),
            None => Vec::new(),
        };
        tx.commit().await?;
        Ok(actions)
    }

    /// Routes a defect that just became open to the engineer who leads its building (the
    /// first of them), if there is one; otherwise it waits for a supervisor to route it.
    pub(crate) async fn route_new_defect(
        &self,
        tx: &mut Tx,
        defect: &Defect,
        household: &Household,
        now: DateTime<Utc>,
    ) -> ServiceResult<Option<StaffMember>> {
        let lead = tx.all_staff().await?.into_iter().find(|s| {
            s.roles.has(Role::Engineer) && s.buildings.contains(&household.unit.building)
        });
        let Some(lead) = lead else {
            return Ok(None);
        };
        tx.set_defect_engineer(defect.id, lead.id, None, now)
            .await?;
        tx.set_defect_status(
            defect.id,
            DefectStatus::Open,
            DefectStatus::Assigned,
            super::SYSTEM,
            "",
            now,
        )
        .await?;
        Ok(Some(lead))
    }

    /// Gives a defect to an engineer (a building lead delegating, a supervisor overriding), with
    /// an optional contractor name; the engineer, the buyers and the ambassador are told.
    #[instrument(skip_all)]
    pub async fn assign_defect(
        &self,
        actor: &Actor,
        id: i64,
        engineer_id: i64,
        contractor: Option<&str>,
    ) -> ServiceResult<Step> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some((defect, household)) = self.visible_defect(&mut tx, actor, id).await? else {
            return Ok(Step::NotFound);
        };
        let to = match transition(
            defect.status,
            Action::Assign,
            authz::standing(actor, defect.engineer_id, household.home()),
        ) {
            Ok(to) => to,
            Err(refusal) => return Ok(Step::Refused(refusal)),
        };
        let Some(engineer) = tx
            .staff_by_id(engineer_id)
            .await?
            .filter(|s| s.roles.has(Role::Engineer))
        else {
            return Ok(Step::NotFound);
        };
        let contractor = contractor.map(str::trim).filter(|c| !c.is_empty());
        tx.set_defect_engineer(id, engineer.id, contractor, now)
            .await?;
        let note = match contractor {
            Some(c) => format!("{} / {c}", engineer.name),
            None => engineer.name.clone(),
        };
        let from = defect.status;
        let Some(event) = tx
            .set_defect_status(id, from, to, &actor.audit_name(), &note, now)
            .await?
        else {
            return Ok(Step::Refused(Refusal::NotFromHere));
        };
        let Some(defect) = tx.defect(id).await? else {
            return Ok(Step::NotFound);
        };
        self.tell_engineer_assigned(&mut tx, &engineer, &defect, &household)
            .await?;
        self.announce_step(&mut tx, actor, &defect, &household, event, &note)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "defect.assign",
            &format!("defect:{id}"),
            serde_json::json!({"engineer": engineer.id}),
        )
        .await?;
        tx.commit().await?;
        self.defects_changed();
        Ok(Step::Done(Box::new(defect)))
    }

    /// The engineers a defect can be given to, when `actor` may route it.
    pub async fn engineers_for_defect(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<Vec<StaffMember>>> {
        let mut tx = self.store.read().await?;
        let Some((defect, household)) = self.visible_defect(&mut tx, actor, id).await? else {
            return Ok(None);
        };
        if transition(
            defect.status,
            Action::Assign,
            authz::standing(actor, defect.engineer_id, household.home()),
        )
        .is_err()
        {
            return Ok(None);
        }
        let engineers = tx
            .all_staff()
            .await?
            .into_iter()
            .filter(|s| s.roles.has(Role::Engineer))
            .collect();
        tx.commit().await?;
        Ok(Some(engineers))
    }

    /// Names the contractor doing the work on a defect its router just assigned.
    #[instrument(skip_all)]
    pub async fn name_contractor(
        &self,
        actor: &Actor,
        id: i64,
        contractor: &str,
    ) -> ServiceResult<Step> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(Step::NotFound);
        }
        let Some((defect, household)) = self.visible_defect(&mut tx, actor, id).await? else {
            return Ok(Step::NotFound);
        };
        let standing = authz::standing(actor, defect.engineer_id, household.home());
        let (Some(engineer), true) = (
            defect.engineer_id,
            standing.building_lead || standing.supervisor,
        ) else {
            return Ok(Step::Refused(Refusal::NotYours));
        };
        tx.set_defect_engineer(id, engineer, Some(contractor.trim()), now)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "defect.contractor",
            &format!("defect:{id}"),
            serde_json::json!({}),
        )
        .await?;
        let defect = tx.defect(id).await?.unwrap_or(defect);
        tx.commit().await?;
        Ok(Step::Done(Box::new(defect)))
    }

    /// One step other than assigning and fixing: start, hold (reason), resume, verify, reopen
    /// (reason), close, reject (reason). Refused steps change nothing.
    #[instrument(skip_all, fields(action = ?action))]
    pub async fn move_defect(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
        note: &str,
    ) -> ServiceResult<Step> {
        let now = self.clock.now();
        let note = note.trim();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(Step::NotFound);
        }
        let Some((defect, household)) = self.visible_defect(&mut tx, actor, id).await? else {
            return Ok(Step::NotFound);
        };
        if matches!(action, Action::Assign | Action::Fix)
            || (action.needs_reason() && note.is_empty())
        {
            return Ok(Step::Refused(Refusal::NotFromHere));
        }
        let standing = authz::standing(actor, defect.engineer_id, household.home());
        let to = match transition(defect.status, action, standing) {
            Ok(to) => to,
            Err(refusal) => return Ok(Step::Refused(refusal)),
        };
        let who = actor.audit_name();
        let Some(event) = tx
            .set_defect_status(id, defect.status, to, &who, note, now)
            .await?
        else {
            return Ok(Step::Refused(Refusal::NotFromHere));
        };
        self.after_step(&mut tx, &defect, &household, action, note, now)
            .await?;
        let Some(moved) = tx.defect(id).await? else {
            return Ok(Step::NotFound);
        };
        self.announce_step(&mut tx, actor, &moved, &household, event, note)
            .await?;
        if matches!(action, Action::Verify | Action::Reopen) {
            let name = match actor {
                Actor::Buyer(homes) => homes
                    .iter()
                    .find(|b| b.unit.unit_id == household.unit.unit_id)
                    .or(homes.first())
                    .map(|b| b.name.clone()),
                Actor::Staff(s) => Some(s.name.clone()),
                Actor::Unknown => None,
            }
            .unwrap_or_default();
            let answer = Answer {
                name: &name,
                from_chat: own_chat(actor),
                action,
                event,
            };
            self.settle_fix_copies(&mut tx, &moved, &household, answer, now)
                .await?;
            if let Actor::Buyer(homes) = actor {
                // The buyer's thanks is queued with the step (and, to the chat that pressed,
                // ahead of queued news): an instance that dies right after the commit cannot
                // take it along, and a failed send is tried again.
                let thanks = Message::text(
                    Cause::per_chat(format!("fix-answered:{event}")),
                    |lang, _| match action {
                        Action::Verify => crate::tr!(self.i18n, lang, "fix-thanks"),
                        _ => crate::tr!(self.i18n, lang, "fix-reopened-thanks"),
                    },
                );
                self.tell(&mut tx, homes.iter(), thanks).await?;
            }
        }
        if let Actor::Staff(me) = actor {
            // Staff's answer is queued with the step too, for the same reasons.
            let done = Message::text(Cause::per_chat(format!("step-done:{event}")), |lang, _| {
                crate::tr!(
                    self.i18n,
                    lang,
                    "step-done",
                    id = moved.id,
                    status = moved.status.label(&self.i18n, lang)
                )
            });
            self.tell(&mut tx, std::iter::once(me), done).await?;
        }
        tx.audit(
            now,
            &who,
            "defect.move",
            &format!("defect:{id}"),
            serde_json::json!({"to": to.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.defects_changed();
        Ok(Step::Done(Box::new(moved)))
    }

    /// What a step changes beyond the status: the deadline clock, the reopen count and its
    /// escalation, the engineer told of a reopening.
    async fn after_step(
        &self,
        tx: &mut Tx,
        defect: &Defect,
        household: &Household,
        action: Action,
        note: &str,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        match action {
            Action::Hold => {
                tx.set_defect_hold(defect.id, Some(now), defect.due_at)
                    .await?
            }
            Action::Resume => {
                let due = match (defect.due_at, defect.held_at) {
                    (Some(due), Some(held)) => Some(due_after_hold(due, held, now)),
                    (due, _) => due,
                };
                tx.set_defect_hold(defect.id, None, due).await?;
            }
            Action::Reopen => {
                let count = tx.count_reopen(defect.id).await?;
                let engineer = match defect.engineer_id {
                    Some(id) => tx.staff_by_id(id).await?,
                    None => None,
                };
                let reopened = Message::text(
                    Cause::per_chat(format!("reopened:{}:{count}", defect.id)),
                    |lang, _| {
                        crate::tr!(
                            self.i18n,
                            lang,
                            "engineer-reopened",
                            id = defect.id,
                            home = household.unit.short(),
                            room = defect.room.label(&self.i18n, lang),
                            reason = note
                        )
                    },
                );
                self.tell(tx, engineer, reopened).await?;
                if count >= REOPENS_BEFORE_ESCALATION {
                    let supervisors = supervisors(tx).await?;
                    let often = Message::text(
                        Cause::per_chat(format!("reopened-often:{}:{count}", defect.id)),
                        |lang, _| {
                            crate::tr!(
                                self.i18n,
                                lang,
                                "supervisor-reopened-often",
                                id = defect.id,
                                home = household.unit.short(),
                                room = defect.room.label(&self.i18n, lang),
                                category = defect.category.label(&self.i18n, lang),
                                count = count,
                                reason = note
                            )
                        },
                    );
                    self.tell(tx, supervisors, often).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Marks one or more defects of one home fixed with their after-fix photos. The buyers get
    /// one combined message asking them to check each item (before and after photos follow),
    /// and a job verifies on their behalf if they do not answer in time. All or nothing: if
    /// any item may not be marked fixed, nothing changes and that item is named.
    #[instrument(skip_all, fields(items = items.len()))]
    pub async fn mark_fixed(
        &self,
        actor: &Actor,
        items: &[FixReport],
    ) -> ServiceResult<Result<Vec<Defect>, (i64, Step)>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut fixed: Vec<(Defect, i64)> = Vec::new();
        // Reported by this very message before: Telegram delivers the press again after a
        // crash between this commit and the end of the dialogue.
        let mut recorded: Vec<Defect> = Vec::new();
        let mut home: Option<Household> = None;
        for item in items {
            let Some((defect, household)) =
                self.visible_defect(&mut tx, actor, item.defect).await?
            else {
                return Ok(Err((item.defect, Step::NotFound)));
            };
            if home
                .as_ref()
                .is_some_and(|h| h.unit.unit_id != household.unit.unit_id)
                || item.photos.is_empty()
            {
                return Ok(Err((item.defect, Step::Refused(Refusal::NotFromHere))));
            }
            if defect.status == DefectStatus::Fixed
                && tx
                    .latest_fix(defect.id)
                    .await?
                    .is_some_and(|(by, photos)| by == actor.audit_name() && photos == item.photos)
            {
                recorded.push(defect);
                home = Some(household);
                continue;
            }
            let to = match transition(
                defect.status,
                Action::Fix,
                authz::standing(actor, defect.engineer_id, household.home()),
            ) {
                Ok(to) => to,
                Err(refusal) => return Ok(Err((item.defect, Step::Refused(refusal)))),
            };
            let Some(event) = tx
                .set_defect_status(
                    defect.id,
                    defect.status,
                    to,
                    &actor.audit_name(),
                    item.note.trim(),
                    now,
                )
                .await?
            else {
                return Ok(Err((item.defect, Step::Refused(Refusal::NotFromHere))));
            };
            tx.add_fix_photos(event, &item.photos).await?;
            let check = Job::FixCheck {
                defect_id: defect.id,
                event_id: event,
            }
            .at(now + self.config.confirm_fix_within)
            .unique_key(format!("fix-check:{event}"));
            tx.schedule_job(&check, now).await?;
            let Some(defect) = tx.defect(defect.id).await? else {
                return Ok(Err((item.defect, Step::NotFound)));
            };
            fixed.push((defect, event));
            home = Some(household);
        }
        let Some(household) = home else {
            return Ok(Ok(Vec::new()));
        };
        if fixed.is_empty() {
            tx.commit().await?;
            return Ok(Ok(recorded));
        }
        self.announce_fixes(&mut tx, actor, &fixed, &household)
            .await?;
        if let (Actor::Staff(me), Some((_, first))) = (actor, fixed.first()) {
            // The engineer's answer is queued with the record: an instance that dies right
            // after the commit cannot take it along, and a failed send is tried again.
            let count = recorded.len() + fixed.len();
            let done = Message::text(Cause::per_chat(format!("fix-done:{first}")), |lang, _| {
                crate::tr!(self.i18n, lang, "fix-done", count = count)
            });
            self.tell(&mut tx, std::iter::once(me), done).await?;
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "defect.fixed",
            &format!("unit:{}", household.unit.unit_id),
            serde_json::json!({"defects": fixed.iter().map(|(d, _)| d.id).collect::<Vec<_>>()}),
        )
        .await?;
        tx.commit().await?;
        self.defects_changed();
        self.scheduler_waker.wake();
        recorded.extend(fixed.into_iter().map(|(d, _)| d));
        Ok(Ok(recorded))
    }

    /// The buyer has not answered about fix `event` in time: their ambassador verifies it on
    /// their behalf, and both are told. False when the buyer (or anyone) already answered.
    #[instrument(skip_all)]
    pub async fn verify_unanswered_fix(&self, defect_id: i64, event: i64) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(defect) = tx.defect(defect_id).await? else {
            return Ok(false);
        };
        if defect.status != DefectStatus::Fixed
            || tx.latest_defect_event(defect_id).await? != Some(event)
        {
            return Ok(false);
        }
        let Some(household) = tx.household(defect.unit_id).await? else {
            return Ok(false);
        };
        let ambassador = match household.staff_id {
            Some(id) => tx.staff_by_id(id).await?,
            None => None,
        };
        let who = ambassador
            .as_ref()
            .map_or_else(|| super::SYSTEM.to_string(), |a| format!("staff:{}", a.id));
        let days = self.config.confirm_fix_within.num_days();
        let Some(verified) = tx
            .set_defect_status(
                defect_id,
                DefectStatus::Fixed,
                DefectStatus::Verified,
                &who,
                &crate::tr!(
                    self.i18n,
                    self.config.default_language,
                    "fix-verified-note",
                    days = days
                ),
                now,
            )
            .await?
        else {
            return Ok(false);
        };
        let ambassador_name = ambassador
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_default();
        // Nobody pressed: every copy, the ambassador's too, loses the item's buttons.
        let answer = Answer {
            name: &ambassador_name,
            from_chat: None,
            action: Action::Verify,
            event: verified,
        };
        self.settle_fix_copies(&mut tx, &defect, &household, answer, now)
            .await?;
        let chats = self.household_chats(&mut tx, &household).await?;
        let i18n = &self.i18n;
        let verified_news = Message::text(
            Cause::per_chat(format!("defect-event:{verified}")),
            |lang, (_, whom): &(Chat, Recipient)| {
                let text_key = if *whom == Recipient::Buyer {
                    "fix-verified-for-buyer"
                } else {
                    "fix-verified-by-ambassador"
                };
                i18n.text(
                    lang,
                    text_key,
                    &[
                        ("home", Arg::from(household.unit.short())),
                        ("room", Arg::from(defect.room.label(i18n, lang))),
                        ("category", Arg::from(defect.category.label(i18n, lang))),
                        ("days", Arg::Number(days)),
                        ("ambassador", Arg::from(ambassador_name.as_str())),
                    ],
                )
            },
        );
        self.tell(&mut tx, chats, verified_news).await?;
        tx.commit().await?;
        self.defects_changed();
        Ok(true)
    }

    /// An engineer's open work, soonest due first.
    #[instrument(skip_all)]
    pub async fn tasks(&self, actor: &Actor) -> ServiceResult<Vec<Task>> {
        let Actor::Staff(me) = actor else {
            return Err(super::ServiceError::Forbidden);
        };
        let mut tx = self.store.read().await?;
        let mut tasks = Vec::new();
        for defect in tx.engineer_tasks(me.id).await? {
            if let Some(household) = tx.household(defect.unit_id).await? {
                let standing = authz::standing(actor, defect.engineer_id, household.home());
                let actions = crate::domain::remediation::available(defect.status, standing);
                tasks.push(Task {
                    defect,
                    household,
                    actions,
                });
            }
        }
        tx.commit().await?;
        Ok(tasks)
    }

    /// The defects of one home that `actor` may mark fixed now.
    pub async fn fixable_in_unit(&self, actor: &Actor, unit_id: i64) -> ServiceResult<Vec<Defect>> {
        let mut tx = self.store.read().await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(Vec::new());
        };
        let fixable = tx
            .defects_of_unit(unit_id, None)
            .await?
            .into_iter()
            .filter(|d| {
                transition(
                    d.status,
                    Action::Fix,
                    authz::standing(actor, d.engineer_id, household.home()),
                )
                .is_ok()
            })
            .collect();
        tx.commit().await?;
        Ok(fixable)
    }

    /// The deadline sweep: engineers hear on the due day (once per defect and due date), and
    /// supervisors once a deadline has passed, with the ageing bands of all unresolved defects.
    #[instrument(skip_all)]
    pub async fn sweep_deadlines(&self) -> ServiceResult<Sweep> {
        let now = self.clock.now();
        let tz = self.config.timezone;
        let today = now.with_timezone(&tz).date_naive();
        let end_of_today = today
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| d.and_local_timezone(tz).earliest())
            .map_or(now, |d| d.with_timezone(&Utc));
        let mut tx = self.store.begin().await?;
        let due = tx.defects_due_by(end_of_today).await?;
        let mut sweep = Sweep {
            ageing: ageing(&tx.unresolved_defect_ages().await?, now),
            ..Sweep::default()
        };
        // Due today, per engineer.
        let mut per_engineer: std::collections::BTreeMap<i64, Vec<&Defect>> = Default::default();
        // Each defect once per due date: a later sweep the same day lists only what became due
        // since, and a run repeated after a crash lists nothing again.
        for defect in &due {
            let (Some(at), Some(engineer)) = (defect.due_at, defect.engineer_id) else {
                continue;
            };
            if at > now && tx.claim_due_reminder(defect.id, at).await? {
                per_engineer.entry(engineer).or_default().push(defect);
            }
        }
        // Not through `tell`: the recipients come from this sweep's query, and each item's line
        // is read in the transaction in the reader's language (`task_line`), which a message's
        // rendering cannot do.
        for (engineer_id, defects) in per_engineer {
            let Some(engineer) = tx.staff_by_id(engineer_id).await? else {
                continue;
            };
            let Some(chat) = engineer.telegram_id else {
                continue;
            };
            let lang = self.staff_lang(&mut tx, &engineer).await?;
            let mut html = crate::tr!(self.i18n, lang, "engineer-due-today", count = defects.len());
            for defect in &defects {
                html.push('\n');
                html.push_str(&self.task_line(&mut tx, lang, defect).await?);
            }
            let key = format!(
                "due-today:{engineer_id}:{today}:{}",
                defects
                    .iter()
                    .map(|d| d.id.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            if enqueue(&mut tx, chat, &key, Content::text(html), now).await? {
                sweep.reminded += defects.len();
            }
        }
        // Long past due: an incident for the decision group, once per defect and due date.
        let long_past = now - chrono::Duration::days(i64::from(self.config.incident_overdue_days));
        for defect in due
            .iter()
            .filter(|d| d.due_at.is_some_and(|at| at <= long_past))
        {
            let Some(at) = defect.due_at else {
                continue;
            };
            let mut lines = std::collections::HashMap::new();
            for lang in Lang::ALL {
                lines.insert(lang, self.task_line(&mut tx, lang, defect).await?);
            }
            let days = (now - at).num_days();
            self.raise_incident(
                &mut tx,
                crate::domain::expert::IncidentKind::Overdue,
                &format!("overdue:{}:{}", defect.id, at.timestamp()),
                Some(defect.unit_id),
                |lang| {
                    crate::tr!(
                        self.i18n,
                        lang,
                        "incident-overdue",
                        days = days,
                        defect =
                            crate::i18n::Arg::Html(lines.get(&lang).cloned().unwrap_or_default())
                    )
                },
                now,
            )
            .await?;
        }
        // Past due and not yet escalated for this due date.
        let overdue: Vec<&Defect> = due
            .iter()
            .filter(|d| d.due_at.is_some_and(|at| at <= now) && d.escalated_due != d.due_at)
            .collect();
        if !overdue.is_empty() {
            let supervisors = supervisors(&mut tx).await?;
            // The items and due dates this escalation is about make its key, whenever it runs
            // (hashed: a long list would not fit a key).
            let cause = {
                use sha2::{Digest, Sha256};
                let items = overdue
                    .iter()
                    .map(|d| format!("{}@{}", d.id, d.due_at.map_or(0, |at| at.timestamp())))
                    .collect::<Vec<_>>()
                    .join(",");
                Sha256::digest(items.as_bytes())
                    .iter()
                    .take(12)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            let mut queued = false;
            // Not through `tell`: each item's line is read in the transaction in the reader's
            // language (`task_line`), which a message's rendering cannot do.
            for supervisor in &supervisors {
                let Some(chat) = supervisor.telegram_id else {
                    continue;
                };
                let lang = self.staff_lang(&mut tx, supervisor).await?;
                let mut html =
                    crate::tr!(self.i18n, lang, "supervisor-overdue", count = overdue.len());
                for defect in &overdue {
                    html.push('\n');
                    html.push_str(&self.task_line(&mut tx, lang, defect).await?);
                }
                let html = present::paragraphs(
                    &self.i18n,
                    lang,
                    [html, self.ageing_line(lang, sweep.ageing)],
                );
                let key = format!("overdue:{chat}:{cause}");
                enqueue(&mut tx, chat, &key, Content::text(html), now).await?;
                queued = true;
            }
            // Escalated only with the message that says so queued in this transaction: with
            // no supervisor to tell, the items stay due for escalation at the next sweep.
            if queued {
                for defect in &overdue {
                    if let Some(due) = defect.due_at {
                        tx.set_defect_escalated(defect.id, due).await?;
                    }
                }
                sweep.escalated = overdue.len();
            }
        }
        tx.commit().await?;
        self.defects_changed();
        Ok(sweep)
    }

    /// "0–7 天 3 · 8–14 天 1 · …"
    pub fn ageing_line(&self, lang: Lang, counts: [usize; 4]) -> String {
        let bands = AgeBand::ALL
            .iter()
            .zip(counts)
            .map(|(band, n)| {
                crate::tr!(
                    self.i18n,
                    lang,
                    "ageing-band",
                    band = Arg::Html(present::age_band(&self.i18n, lang, *band)),
                    count = n
                )
            })
            .collect::<Vec<_>>();
        let bands = present::parts(&self.i18n, lang, bands);
        crate::tr!(self.i18n, lang, "ageing-bands", bands = Arg::Html(bands))
    }

    /// "#12 1-2-301 · Kitchen · Leakage · Urgent · due 2026-11-28 · Wang"
    async fn task_line(&self, tx: &mut Tx, lang: Lang, defect: &Defect) -> ServiceResult<String> {
        let i18n = &self.i18n;
        let home = tx
            .household(defect.unit_id)
            .await?
            .map(|h| h.unit.short())
            .unwrap_or_default();
        let engineer = match defect.engineer_id {
            Some(id) => tx.staff_by_id(id).await?.map(|s| s.name),
            None => None,
        };
        let mut parts = vec![
            crate::tr!(i18n, lang, "item-ref", id = defect.id, home = home),
            defect.room.label(i18n, lang),
            defect.category.label(i18n, lang),
            defect.severity.label(i18n, lang),
            defect
                .due_at
                .map(|d| day(d, self.config.timezone))
                .unwrap_or_default(),
        ];
        parts.extend(engineer.map(|e| crate::i18n::escape_html(&e).into_owned()));
        Ok(present::parts(i18n, lang, parts))
    }

    /// The chats to tell about a household's defects: each linked buyer and the ambassador,
    /// with their language.
    pub(crate) async fn household_chats(
        &self,
        tx: &mut Tx,
        household: &Household,
    ) -> ServiceResult<Vec<(Chat, Recipient)>> {
        let mut chats = Vec::new();
        for buyer in tx.buyers_of_unit(household.unit.unit_id).await? {
            if let Some(chat) = Chat::of(&buyer) {
                chats.push((chat, Recipient::Buyer));
            }
        }
        if let Some(staff) = household.staff_id
            && let Some(ambassador) = tx.staff_by_id(staff).await?
            && let Some(chat) = Chat::of(&ambassador)
        {
            chats.push((chat, Recipient::Ambassador));
        }
        chats.dedup_by_key(|(chat, _)| chat.id);
        Ok(chats)
    }

    /// The household's chats but the one of the person acting, who is not told of their own
    /// step.
    async fn others_of_household(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        household: &Household,
    ) -> ServiceResult<Vec<(Chat, Recipient)>> {
        let own_chat = own_chat(actor);
        let mut chats = self.household_chats(tx, household).await?;
        chats.retain(|(chat, _)| Some(chat.id) != own_chat);
        Ok(chats)
    }

    /// Tells the buyers and the ambassador of one status change (not the person who made it).
    #[allow(clippy::too_many_arguments)]
    async fn announce_step(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        defect: &Defect,
        household: &Household,
        event: i64,
        note: &str,
    ) -> ServiceResult<()> {
        let engineer = match defect.engineer_id {
            Some(id) => tx.staff_by_id(id).await?,
            None => None,
        };
        let others = self.others_of_household(tx, actor, household).await?;
        // With a pin, the news comes as the item's picture on the plan, the words its caption.
        let picture = match (defect.pin, self.home_plan(tx, household).await?) {
            (Some(_), Some(plan)) => {
                let defects = tx.defects_of_unit(defect.unit_id, None).await?;
                let number = defects
                    .iter()
                    .position(|d| d.id == defect.id)
                    .map_or(0, |i| i + 1);
                // A plan that cannot be drawn costs the picture, never the news.
                match self.pin_picture(tx, &plan, defect, number).await {
                    Ok(picture) => picture,
                    Err(error) => {
                        tracing::warn!(%error, defect = defect.id, "no plan picture for the news");
                        None
                    }
                }
            }
            _ => None,
        };
        let cause = Cause::per_chat(format!("defect-event:{event}"));
        let news = Message::new(cause, |lang, _| {
            let html = self.update_text(lang, defect, household, engineer.as_ref(), note);
            match &picture {
                Some(path) if crate::i18n::plain_text(&html).chars().count() <= MAX_CAPTION => {
                    Content::Photo {
                        path: path.clone(),
                        caption_html: Some(html),
                        buttons: Vec::new(),
                    }
                }
                _ => Content::text(html),
            }
        });
        self.tell(tx, others, news).await?;
        Ok(())
    }

    /// "🔧 1-2-301 · Kitchen · Leakage — now In progress" with what matters for that status.
    fn update_text(
        &self,
        lang: Lang,
        defect: &Defect,
        household: &Household,
        engineer: Option<&StaffMember>,
        note: &str,
    ) -> String {
        let i18n = &self.i18n;
        let tz = self.config.timezone;
        let mut html = crate::tr!(
            i18n,
            lang,
            "defect-update",
            id = defect.id,
            home = household.unit.short(),
            room = defect.room.label(i18n, lang),
            category = defect.category.label(i18n, lang),
            status = defect.status.label(i18n, lang)
        );
        if matches!(
            defect.status,
            DefectStatus::Assigned | DefectStatus::InProgress
        ) && let Some(engineer) = engineer
        {
            html.push('\n');
            html.push_str(&crate::tr!(
                i18n,
                lang,
                "defect-detail-engineer",
                name = Arg::Html(present::engineer(
                    i18n,
                    lang,
                    &engineer.name,
                    defect.contractor.as_deref()
                ))
            ));
        }
        if defect.status.awaits_engineering()
            && let Some(due) = defect.due_at
        {
            html.push('\n');
            html.push_str(&crate::tr!(
                i18n,
                lang,
                "defect-detail-due",
                due = day(due, tz)
            ));
        }
        if !note.is_empty() && defect.status != DefectStatus::Assigned {
            html.push('\n');
            html.push_str(&crate::tr!(i18n, lang, "defect-detail-note", note = note));
        }
        html
    }

    /// The item's number in its home's list, as the buyer sees it in /mydefects.
    async fn item_number(&self, tx: &mut Tx, defect: &Defect) -> ServiceResult<usize> {
        Ok(tx
            .defects_of_unit(defect.unit_id, None)
            .await?
            .iter()
            .filter(|d| d.status != DefectStatus::Recorded)
            .position(|d| d.id == defect.id)
            .map_or(0, |i| i + 1))
    }

    /// Someone answered a fix check: every other copy of the "please check" message (the
    /// co-owners', the ambassador's) loses that item's buttons and says who answered.
    async fn settle_fix_copies(
        &self,
        tx: &mut Tx,
        defect: &Defect,
        household: &Household,
        answer: Answer<'_>,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let Answer {
            name,
            from_chat,
            action,
            event,
        } = answer;
        let n = self.item_number(tx, defect).await?;
        let about_this = format!("1:da:{}:", defect.id);
        for (Chat { id: chat, language }, _) in self.household_chats(tx, household).await? {
            if Some(chat) == from_chat {
                continue;
            }
            // Not through `tell`: this edits a copy already sent, found per chat, under its key.
            let lang = self.recipient_lang(tx, chat, language).await?;
            let Some((key, shown)) = tx.fix_check_copy(chat, &about_this).await? else {
                continue;
            };
            let (Content::Text { html, buttons } | Content::Edit { html, buttons, .. }) = shown
            else {
                continue;
            };
            let buttons = buttons
                .into_iter()
                .filter(|row| !row.iter().any(|b| b.data.starts_with(&about_this)))
                .collect();
            let line = if action == Action::Verify {
                crate::tr!(self.i18n, lang, "fix-answered-ok", n = n, name = name)
            } else {
                crate::tr!(self.i18n, lang, "fix-answered-bad", n = n, name = name)
            };
            enqueue(
                tx,
                chat,
                &format!("{key}|answered:{event}"),
                Content::Edit {
                    of: key.clone(),
                    html: format!("{html}\n{line}"),
                    buttons,
                },
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// The combined "fixed, please check" message, the before/after photos of each item, and
    /// the ambassador's copy.
    async fn announce_fixes(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        fixed: &[(Defect, i64)],
        household: &Household,
    ) -> ServiceResult<()> {
        let first_event = fixed.first().map_or(0, |(_, e)| *e);
        let days = self.config.confirm_fix_within.num_days();
        // Each item under its own number, the one the buyers see in /mydefects.
        let mut numbers = Vec::new();
        for (defect, _) in fixed {
            numbers.push(self.item_number(tx, defect).await?);
        }
        let others = self.others_of_household(tx, actor, household).await?;
        let i18n = &self.i18n;
        let check = Message::new(
            Cause::per_chat(format!("fixed:{first_event}")),
            |lang, _| {
                let mut html = crate::tr!(
                    i18n,
                    lang,
                    "fixed-please-check",
                    home = household.unit.short(),
                    count = fixed.len()
                );
                let mut buttons = Vec::new();
                for ((defect, _), &n) in fixed.iter().zip(&numbers) {
                    let mut line = present::parts(
                        i18n,
                        lang,
                        [
                            defect.room.label(i18n, lang),
                            defect.category.label(i18n, lang),
                        ],
                    );
                    if !defect.note.is_empty() {
                        line = present::with_detail(
                            i18n,
                            lang,
                            &line,
                            &crate::i18n::escape_html(&defect.note),
                        );
                    }
                    html.push('\n');
                    html.push_str(&present::numbered(i18n, lang, n, &line));
                    buttons.push(vec![
                        Button::press(
                            crate::tr!(i18n, lang, "button-fix-ok", n = n),
                            format!("1:da:{}:{}", defect.id, Action::Verify.code()),
                        ),
                        Button::press(
                            crate::tr!(i18n, lang, "button-fix-bad", n = n),
                            format!("1:da:{}:{}", defect.id, Action::Reopen.code()),
                        ),
                    ]);
                }
                let footer = crate::tr!(i18n, lang, "fixed-please-check-footer", days = days);
                let html = present::paragraphs(i18n, lang, [html, footer]);
                Content::Text { html, buttons }
            },
        );
        self.tell(tx, &others, check).await?;
        // Each item's photos before and after, under the number the message above gives it.
        for ((defect, event), &n) in fixed.iter().zip(&numbers) {
            let after = tx.latest_fix_photos(defect.id).await?;
            let paths: Vec<String> = defect
                .photos
                .iter()
                .chain(after.iter())
                .take(crate::domain::message::MAX_ALBUM)
                .cloned()
                .collect();
            let photos = Message::photos(
                Cause::per_chat(format!("fixed-photos:{event}")),
                paths,
                |lang, _| {
                    Some(crate::tr!(
                        i18n,
                        lang,
                        "fix-photos-caption",
                        n = n,
                        room = defect.room.label(i18n, lang),
                        before = defect.photos.len(),
                        after = after.len()
                    ))
                },
            );
            if let Some(photos) = photos {
                self.tell(tx, &others, photos).await?;
            }
        }
        Ok(())
    }

    async fn tell_engineer_assigned(
        &self,
        tx: &mut Tx,
        engineer: &StaffMember,
        defect: &Defect,
        household: &Household,
    ) -> ServiceResult<()> {
        if engineer.telegram_id.is_none() {
            return Ok(());
        }
        let latest = tx.latest_defect_event(defect.id).await?.unwrap_or_default();
        let i18n = &self.i18n;
        let news = Message::text(
            Cause::per_chat(format!("engineer-assigned:{latest}")),
            |lang, _| {
                crate::tr!(
                    i18n,
                    lang,
                    "engineer-assigned",
                    id = defect.id,
                    home = household.unit.short(),
                    room = defect.room.label(i18n, lang),
                    category = defect.category.label(i18n, lang),
                    severity = defect.severity.label(i18n, lang),
                    due = defect
                        .due_at
                        .map(|d| day(d, self.config.timezone))
                        .unwrap_or_default()
                )
            },
        );
        self.tell(tx, [engineer], news).await?;
        Ok(())
    }
}

/// An answer to a fix check: who gave it (their name, and their chat, whose copy the button
/// press itself settles), which, and its event.
#[derive(Debug, Clone, Copy)]
struct Answer<'a> {
    name: &'a str,
    from_chat: Option<i64>,
    action: Action,
    event: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recipient {
    Buyer,
    Ambassador,
}

/// The chat of the person acting, so they are not told of their own step.
fn own_chat(actor: &Actor) -> Option<i64> {
    match actor {
        Actor::Staff(s) => s.telegram_id,
        Actor::Buyer(homes) => homes.iter().find_map(|b| b.telegram_id),
        Actor::Unknown => None,
    }
}
