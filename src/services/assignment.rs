//! The delivery-ambassador system (交付大使): auto-assignment with a preview, reassignment,
//! cover while an ambassador is away (梯次补位), and the ambassadors' own views.
//!
//! Households (units) are what gets assigned: co-owners of one home share one ambassador, and
//! capacity counts households.

use super::notices::enqueue;
use super::tell::{Cause, Message};
use super::{ServiceError, ServiceResult, Services, supervisors};
use crate::domain::assignment::{self, Plan, PlanAmbassador, PlanBuyer, SeniorityRule};
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Buyer, Lang, Role, StaffMember};
use crate::i18n::{Arg, escape_html};
use crate::present::Label;
use crate::present::Times as _;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::assignment::{Household, Note, StaffLoad};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use tracing::instrument;

/// One ambassador's part of a plan, for the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub staff_id: i64,
    pub name: String,
    pub senior: bool,
    pub households: usize,
    pub sensitive: usize,
    pub buildings: Vec<String>,
    pub load_after: u32,
    pub capacity: u32,
}

/// A household `/assign` cannot place: its unit label and buyer names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    pub unit: String,
    pub names: Vec<String>,
}

/// What `/assign` would do, and a fingerprint of the data it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentPreview {
    pub lines: Vec<PlanLine>,
    /// Households that cannot be placed.
    pub unplaced: Vec<Unplaced>,
    pub placed: usize,
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    Applied(AssignmentPreview),
    /// The data changed since the preview; here is the plan as it stands now.
    Stale(AssignmentPreview),
}

/// Who was moved where by an away, a return or a reassignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub staff: StaffMember,
    /// (household, the staff member it went to)
    pub moves: Vec<(Household, String)>,
    /// Households no backup could take (they stay where they were).
    pub unplaced: Vec<Household>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReassignOutcome {
    Done {
        household: Box<Household>,
        to: Box<StaffMember>,
    },
    NoSuchHousehold,
    NoSuchAmbassador,
    Ambiguous(Vec<Household>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CardOutcome {
    Card(Box<HouseholdCard>),
    NotFound,
    Choose(Vec<Household>),
}

/// Everything the ambassador's card of a household shows.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdCard {
    pub household: Household,
    pub buyers: Vec<crate::domain::people::Buyer>,
    pub ambassador: Option<String>,
    pub notes: Vec<Note>,
    /// The register's live risks that reach the household.
    pub risks: Vec<crate::store::risks::Risk>,
    /// The early call a key household is owed (none for other households).
    pub call: Option<crate::services::precontact::CallDue>,
}

const NOTES_ON_CARD: i64 = 5;

/// Unanswered messages per home shown to a new ambassador (the latest), and the characters
/// shown of each.
const UNANSWERED_SHOWN: usize = 5;
const UNANSWERED_CHARS: usize = 300;

fn capacity_of(staff: &StaffMember) -> u32 {
    staff.capacity.unwrap_or(assignment::DEFAULT_CAPACITY)
}

fn is_ambassador(staff: &StaffMember) -> bool {
    staff.roles.has(Role::Ambassador)
}

fn is_backup(staff: &StaffMember) -> bool {
    staff.roles.has(Role::BackupAmbassador)
}

fn plan_input(households: &[Household]) -> Vec<PlanBuyer> {
    households
        .iter()
        .map(|h| PlanBuyer {
            id: h.unit.unit_id,
            // Only a tie-break of the plan's ordering, never shown to anyone.
            name: h.names.join("\n"),
            building: h.unit.building.clone(),
            unit_sort: format!("{:>8}|{:>8}", h.unit.entrance, h.unit.room),
            tier: h.tier,
            flagged: !h.flags.is_empty(),
        })
        .collect()
}

fn plan_staff(loads: &[StaffLoad], pick: impl Fn(&StaffMember) -> bool) -> Vec<PlanAmbassador> {
    loads
        .iter()
        .filter(|l| pick(&l.staff) && !l.staff.is_away())
        .map(|l| PlanAmbassador {
            id: l.staff.id,
            name: l.staff.name.clone(),
            senior: l.staff.is_senior(),
            capacity: capacity_of(&l.staff),
            load: u32::try_from(l.load).unwrap_or(u32::MAX),
        })
        .collect()
}

fn fingerprint(households: &[Household], ambassadors: &[PlanAmbassador]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    for h in households {
        (h.unit.unit_id, &h.unit.building, h.tier, &h.flags, &h.names).hash(&mut hasher);
    }
    for a in ambassadors {
        (a.id, a.senior, a.capacity, a.load).hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn preview_of(
    households: &[Household],
    ambassadors: &[PlanAmbassador],
    plan: &Plan,
) -> AssignmentPreview {
    let by_unit: BTreeMap<i64, &Household> =
        households.iter().map(|h| (h.unit.unit_id, h)).collect();
    let lines = ambassadors
        .iter()
        .map(|a| {
            let mine: Vec<&Household> = plan
                .buyers_of(a.id)
                .into_iter()
                .filter_map(|unit| by_unit.get(&unit).copied())
                .collect();
            let mut buildings: Vec<String> = mine.iter().map(|h| h.unit.building.clone()).collect();
            buildings.dedup();
            buildings.sort();
            buildings.dedup();
            PlanLine {
                staff_id: a.id,
                name: a.name.clone(),
                senior: a.senior,
                households: mine.len(),
                sensitive: mine.iter().filter(|h| h.sensitive()).count(),
                buildings,
                load_after: a.load + mine.len() as u32,
                capacity: a.capacity,
            }
        })
        .collect();
    let unplaced = plan
        .unplaced
        .iter()
        .filter_map(|unit| by_unit.get(unit))
        .map(|h| Unplaced {
            unit: h.unit.short(),
            names: h.names.clone(),
        })
        .collect();
    AssignmentPreview {
        lines,
        unplaced,
        placed: plan.placements.len(),
        fingerprint: fingerprint(households, ambassadors),
    }
}

impl Services {
    fn require_supervisor(actor: &Actor) -> ServiceResult<&StaffMember> {
        match actor {
            Actor::Staff(staff) if staff.roles.can_supervise() => Ok(staff),
            _ => Err(ServiceError::Forbidden),
        }
    }

    fn require_staff(actor: &Actor) -> ServiceResult<&StaffMember> {
        match actor {
            Actor::Staff(staff) => Ok(staff),
            _ => Err(ServiceError::Forbidden),
        }
    }

    async fn current_plan(
        &self,
        tx: &mut Tx,
    ) -> ServiceResult<(Vec<Household>, Vec<PlanAmbassador>, Plan)> {
        let households = tx.unassigned_households(&self.config.project).await?;
        let loads = tx.staff_loads().await?;
        let ambassadors = plan_staff(&loads, is_ambassador);
        let plan = assignment::plan(
            &plan_input(&households),
            &ambassadors,
            SeniorityRule::Strict,
        );
        Ok((households, ambassadors, plan))
    }

    /// `/assign`: the plan for every household of the project without an ambassador.
    #[instrument(skip_all)]
    pub async fn assignment_preview(&self, by: Planner<'_>) -> ServiceResult<AssignmentPreview> {
        by.check()?;
        let mut tx = self.store.read().await?;
        let (households, ambassadors, plan) = self.current_plan(&mut tx).await?;
        tx.commit().await?;
        Ok(preview_of(&households, &ambassadors, &plan))
    }

    /// Confirm on a preview: writes the plan if the data is still what the preview showed.
    #[instrument(skip_all)]
    pub async fn confirm_assignment(
        &self,
        by: Planner<'_>,
        fingerprint: &str,
    ) -> ServiceResult<ConfirmOutcome> {
        let supervisor = by.check()?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let (households, ambassadors, plan) = self.current_plan(&mut tx).await?;
        let preview = preview_of(&households, &ambassadors, &plan);
        if preview.fingerprint != fingerprint || preview.placed == 0 {
            tx.commit().await?;
            return Ok(ConfirmOutcome::Stale(preview));
        }
        let by_unit: BTreeMap<i64, &Household> =
            households.iter().map(|h| (h.unit.unit_id, h)).collect();
        let staff = staff_by_id(&mut tx).await?;
        let mut changes = Vec::new();
        for (unit, staff_id) in &plan.placements {
            tx.assign_household(*unit, *staff_id, None, now).await?;
            if let (Some(h), Some(to)) = (by_unit.get(unit), staff.get(staff_id)) {
                changes.push(Change {
                    household: (*h).clone(),
                    from: None,
                    to: to.clone(),
                });
            }
        }
        let event = tx
            .audit(
                now,
                &by.audit_name(),
                "assign",
                &format!("project:{}", self.config.project),
                serde_json::json!({"placed": preview.placed, "unplaced": preview.unplaced.len()}),
            )
            .await?;
        self.announce(&mut tx, &changes, Reason::Assigned, supervisor, event, now)
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(ConfirmOutcome::Applied(preview))
    }

    /// `/reassign <unit> <ambassador>`.
    #[instrument(skip_all)]
    pub async fn reassign(
        &self,
        actor: &Actor,
        unit_query: &str,
        ambassador_name: &str,
    ) -> ServiceResult<ReassignOutcome> {
        let supervisor = Self::require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let found = tx.find_households(unit_query).await?;
        let household = match found.len() {
            0 => return Ok(ReassignOutcome::NoSuchHousehold),
            1 => found.into_iter().next().ok_or(ServiceError::Forbidden)?,
            _ => return Ok(ReassignOutcome::Ambiguous(found)),
        };
        let loads = tx.staff_loads().await?;
        let Some(to) = loads
            .iter()
            .map(|l| &l.staff)
            .find(|s| s.name == ambassador_name && s.roles.is_ambassador())
            .cloned()
        else {
            return Ok(ReassignOutcome::NoSuchAmbassador);
        };
        let staff = staff_by_id(&mut tx).await?;
        let from = household.staff_id.and_then(|id| staff.get(&id)).cloned();
        tx.assign_household(household.unit.unit_id, to.id, None, now)
            .await?;
        let event = tx
            .audit(
                now,
                &actor.audit_name(),
                "reassign",
                &format!("unit:{}", household.unit.unit_id),
                serde_json::json!({"from": from.as_ref().map(|s| s.id), "to": to.id}),
            )
            .await?;
        if from.as_ref().map(|s| s.id) != Some(to.id) {
            let change = Change {
                household: household.clone(),
                from,
                to: to.clone(),
            };
            self.announce(
                &mut tx,
                &[change],
                Reason::Reassigned,
                Some(supervisor.id),
                event,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(ReassignOutcome::Done {
            household: Box::new(household),
            to: Box::new(to),
        })
    }

    /// `/away [until]` by an ambassador, or `/away <name> [until]` by a supervisor: the
    /// person's households move to backup ambassadors until they are back.
    #[instrument(skip_all)]
    pub async fn go_away(
        &self,
        actor: &Actor,
        who: Option<&str>,
        until: Option<NaiveDate>,
    ) -> ServiceResult<Option<Moved>> {
        let me = Self::require_staff(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let loads = tx.staff_loads().await?;
        let Some(staff) = self.target_staff(actor, me, who, &loads)? else {
            return Ok(None);
        };
        let until = until.map(|day| self.end_of_day(day));
        tx.set_away(staff.id, Some(now), until, now).await?;
        if let Some(until) = until {
            let job = Job::AwayEnds { staff_id: staff.id }
                .at(until)
                .unique_key(format!("away-ends:{}:{}", staff.id, now.timestamp_millis()));
            tx.schedule_job(&job, now).await?;
        }
        let households = tx.households_of(staff.id).await?;
        let backups: Vec<PlanAmbassador> = plan_staff(&loads, |s| is_backup(s) && s.id != staff.id);
        let plan = assignment::plan(&plan_input(&households), &backups, SeniorityRule::Prefer);
        let all_staff = staff_by_id(&mut tx).await?;
        let mut changes = Vec::new();
        let mut moves = Vec::new();
        for (unit, backup_id) in &plan.placements {
            let (Some(h), Some(to)) = (
                households.iter().find(|h| h.unit.unit_id == *unit),
                all_staff.get(backup_id),
            ) else {
                continue;
            };
            let home = h.home_staff_id.unwrap_or(staff.id);
            tx.assign_household(*unit, to.id, Some(home), now).await?;
            moves.push((h.clone(), to.name.clone()));
            changes.push(Change {
                household: h.clone(),
                from: Some(staff.clone()),
                to: to.clone(),
            });
        }
        let unplaced: Vec<Household> = households
            .iter()
            .filter(|h| plan.unplaced.contains(&h.unit.unit_id))
            .cloned()
            .collect();
        let event = tx
            .audit(
                now,
                &actor.audit_name(),
                "away",
                &format!("staff:{}", staff.id),
                serde_json::json!({"moved": moves.len(), "unplaced": unplaced.len()}),
            )
            .await?;
        self.announce(&mut tx, &changes, Reason::Away, Some(me.id), event, now)
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        self.scheduler_waker.wake();
        Ok(Some(Moved {
            staff,
            moves,
            unplaced,
        }))
    }

    /// `/back` (or the end date passing): the person is at work again. Their households return
    /// only when a supervisor confirms, so the supervisors are asked.
    #[instrument(skip_all)]
    pub async fn come_back(
        &self,
        actor: &Actor,
        who: Option<&str>,
    ) -> ServiceResult<Option<(StaffMember, usize)>> {
        let me = Self::require_staff(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let loads = tx.staff_loads().await?;
        let Some(staff) = self.target_staff(actor, me, who, &loads)? else {
            return Ok(None);
        };
        let covered = self.mark_back(&mut tx, &staff, Some(me.id), now).await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some((staff, covered)))
    }

    /// The `away_ends` job: the absence's end date has come.
    #[instrument(skip_all)]
    pub async fn away_ended(&self, staff_id: i64) -> ServiceResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(staff) = tx.staff_by_id(staff_id).await? else {
            return Ok(());
        };
        // Only the absence this job was scheduled for: a later one has its own end.
        if staff.away_until.is_some_and(|until| until <= now) {
            self.mark_back(&mut tx, &staff, None, now).await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(())
    }

    async fn mark_back(
        &self,
        tx: &mut Tx,
        staff: &StaffMember,
        by: Option<i64>,
        now: DateTime<Utc>,
    ) -> ServiceResult<usize> {
        tx.set_away(staff.id, None, None, now).await?;
        let covered = tx.households_covered_for(staff.id).await?.len();
        let event = tx
            .audit(
                now,
                &by.map(|id| format!("staff:{id}"))
                    .unwrap_or_else(|| "scheduler".into()),
                "back",
                &format!("staff:{}", staff.id),
                serde_json::json!({"covered": covered}),
            )
            .await?;
        if covered > 0 {
            let supervisors = supervisors(tx).await?;
            // The return's audit entry names it: each return is asked about once.
            let cause = Cause::per_chat(format!("back:{}:a{event}", staff.id));
            let ask = Message::new(cause, |lang, _| {
                let html = crate::tr!(
                    self.i18n,
                    lang,
                    "back-ask-return",
                    name = &staff.name,
                    count = covered
                );
                let button = Button::press(
                    crate::tr!(self.i18n, lang, "button-return", count = covered),
                    format!("1:ret:{}", staff.id),
                );
                Content::Text {
                    html,
                    buttons: vec![vec![button]],
                }
            });
            self.tell(tx, supervisors, ask).await?;
        }
        Ok(covered)
    }

    /// A supervisor confirms that a returned ambassador takes their households back.
    #[instrument(skip_all)]
    pub async fn return_households(
        &self,
        actor: &Actor,
        staff_id: i64,
    ) -> ServiceResult<Option<Moved>> {
        let supervisor = Self::require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(staff) = tx.staff_by_id(staff_id).await? else {
            return Ok(None);
        };
        if staff.is_away() {
            return Ok(None);
        }
        let households = tx.households_covered_for(staff.id).await?;
        let all_staff = staff_by_id(&mut tx).await?;
        let mut changes = Vec::new();
        let mut moves = Vec::new();
        for h in &households {
            tx.assign_household(h.unit.unit_id, staff.id, None, now)
                .await?;
            moves.push((h.clone(), staff.name.clone()));
            changes.push(Change {
                household: h.clone(),
                from: h.staff_id.and_then(|id| all_staff.get(&id)).cloned(),
                to: staff.clone(),
            });
        }
        let event = tx
            .audit(
                now,
                &actor.audit_name(),
                "return",
                &format!("staff:{}", staff.id),
                serde_json::json!({"returned": moves.len()}),
            )
            .await?;
        self.announce(
            &mut tx,
            &changes,
            Reason::Returned,
            Some(supervisor.id),
            event,
            now,
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(Moved {
            staff,
            moves,
            unplaced: Vec::new(),
        }))
    }

    /// `/customers`: the households the ambassador looks after now.
    #[instrument(skip_all)]
    pub async fn my_households(&self, actor: &Actor) -> ServiceResult<Vec<Household>> {
        let me = Self::require_staff(actor)?;
        let mut tx = self.store.read().await?;
        let households = tx.households_of(me.id).await?;
        tx.commit().await?;
        Ok(households)
    }

    /// `/customer <unit or name>` and the card buttons: only the ambassador's own households,
    /// unless the actor supervises.
    #[instrument(skip_all)]
    pub async fn household_card(
        &self,
        actor: &Actor,
        query: CardQuery<'_>,
    ) -> ServiceResult<CardOutcome> {
        let me = Self::require_staff(actor)?;
        let mut tx = self.store.read().await?;
        let found = match query {
            CardQuery::Text(text) => tx.find_households(text.trim()).await?,
            CardQuery::Unit(unit) => tx.household(unit).await?.into_iter().collect(),
        };
        let mine: Vec<Household> = found
            .into_iter()
            .filter(|h| crate::domain::authz::looks_after(me, h.home()))
            .collect();
        let outcome = match mine.len() {
            0 => CardOutcome::NotFound,
            1 => {
                let household = mine.into_iter().next().ok_or(ServiceError::Forbidden)?;
                let buyers = tx.buyers_of_unit(household.unit.unit_id).await?;
                let ambassador = match household.staff_id {
                    Some(id) => tx.staff_by_id(id).await?.map(|s| s.name),
                    None => None,
                };
                let notes = tx.notes_of(household.unit.unit_id, NOTES_ON_CARD).await?;
                let risks = self.risks_of_household(&mut tx, &household).await?;
                let call = self.call_of_household(&mut tx, &household).await?;
                CardOutcome::Card(Box::new(HouseholdCard {
                    household,
                    buyers,
                    ambassador,
                    notes,
                    risks,
                    call,
                }))
            }
            _ => CardOutcome::Choose(mine),
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Adds a note to a household the actor may open; false when they may not.
    #[instrument(skip_all)]
    pub async fn add_note(&self, actor: &Actor, unit_id: i64, text: &str) -> ServiceResult<bool> {
        let me = Self::require_staff(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(false);
        }
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(false);
        };
        if !crate::domain::authz::looks_after(me, household.home()) {
            return Ok(false);
        }
        tx.add_note(unit_id, me.id, text, now).await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "note",
            &format!("unit:{unit_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// `/ambassadors`: every ambassador and backup with their load.
    #[instrument(skip_all)]
    pub async fn ambassador_overview(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(StaffLoad, Vec<Household>)>> {
        Self::require_supervisor(actor)?;
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for load in tx.staff_loads().await? {
            if load.staff.roles.is_ambassador() {
                let households = tx.households_of(load.staff.id).await?;
                out.push((load, households));
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// `/sharephone on|off`: whether buyers see the ambassador's phone number.
    #[instrument(skip_all)]
    pub async fn set_share_phone(&self, actor: &Actor, share: bool) -> ServiceResult<()> {
        let me = Self::require_staff(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_share_phone(me.id, share, now).await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "share_phone",
            &format!("staff:{}", me.id),
            serde_json::json!({"share": share}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The buyer's ambassador now (for the buyer's own /ambassador).
    #[instrument(skip_all)]
    pub async fn ambassador_of_buyer(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(String, Option<StaffMember>)>> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for home in homes {
            let household = tx.household(home.unit.unit_id).await?;
            let staff = match household.and_then(|h| h.staff_id) {
                Some(id) => tx.staff_by_id(id).await?,
                None => None,
            };
            out.push((home.unit.short(), staff));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Introduces the current ambassador to a buyer who just linked their account, if they
    /// have not been introduced to them yet. Called inside the linking transaction.
    pub(crate) async fn introduce_after_linking(
        &self,
        tx: &mut Tx,
        unit_id: i64,
        event: &str,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(());
        };
        let Some(staff_id) = household.staff_id else {
            return Ok(());
        };
        let Some(to) = tx.staff_by_id(staff_id).await? else {
            return Ok(());
        };
        self.tell_buyers(tx, &household, &to, Reason::Assigned, event, now)
            .await
    }

    /// Who `/away` or `/back` is about: oneself, or (for a supervisor) the named person.
    fn target_staff(
        &self,
        actor: &Actor,
        me: &StaffMember,
        who: Option<&str>,
        loads: &[StaffLoad],
    ) -> ServiceResult<Option<StaffMember>> {
        match who.map(str::trim).filter(|w| !w.is_empty()) {
            None => {
                if me.roles.is_ambassador() {
                    Ok(Some(me.clone()))
                } else {
                    Err(ServiceError::Forbidden)
                }
            }
            Some(name) => {
                if !actor.can_supervise() && name != me.name {
                    return Err(ServiceError::Forbidden);
                }
                Ok(loads
                    .iter()
                    .map(|l| &l.staff)
                    .find(|s| s.name == name && s.roles.is_ambassador())
                    .cloned())
            }
        }
    }

    /// The end of a local calendar day, as an instant.
    fn end_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        let tz = self.config.timezone;
        let next = day.succ_opt().unwrap_or(day);
        next.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| self.clock.now())
    }

    /// Tells everyone a set of moves concerns, through the outbox: each buyer (their
    /// ambassador now), each new and old ambassador (the households gained or handed on), and
    /// the other supervisors (a summary).
    async fn announce(
        &self,
        tx: &mut Tx,
        changes: &[Change],
        reason: Reason,
        actor_staff: Option<i64>,
        event: i64,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        // The moves' audit entry names the event: one key per recipient and event, so the
        // same event told again sends nothing twice, and two moves in one instant both go out.
        let stamp = format!("a{event}");
        for change in changes {
            self.tell_buyers(tx, &change.household, &change.to, reason, &stamp, now)
                .await?;
        }
        let mut gained: BTreeMap<i64, (StaffMember, Vec<&Household>)> = BTreeMap::new();
        let mut lost: BTreeMap<i64, (StaffMember, Vec<&Household>)> = BTreeMap::new();
        for change in changes {
            gained
                .entry(change.to.id)
                .or_insert_with(|| (change.to.clone(), Vec::new()))
                .1
                .push(&change.household);
            if let Some(from) = &change.from {
                lost.entry(from.id)
                    .or_insert_with(|| (from.clone(), Vec::new()))
                    .1
                    .push(&change.household);
            }
        }
        // Not through `tell`: a gain lists what the households asked unanswered, read in the
        // transaction in the reader's language (`unanswered`), which rendering cannot do.
        for (gain, map) in [(true, &gained), (false, &lost)] {
            for (staff, households) in map.values() {
                let Some(chat) = staff.telegram_id else {
                    continue;
                };
                let lang = self.staff_lang(tx, staff).await?;
                let list = Arg::Html(household_lines(&self.i18n, lang, households));
                let reason = reason.label(&self.i18n, lang);
                let count = households.len();
                let mut buttons = Vec::new();
                let html = if gain {
                    let mut html = crate::tr!(
                        self.i18n,
                        lang,
                        "staff-gained",
                        count = count,
                        reason = reason,
                        list = list
                    );
                    let (unanswered, units) = self.unanswered(tx, lang, households).await?;
                    if !unanswered.is_empty() {
                        html.push_str("\n\n");
                        html.push_str(&crate::tr!(self.i18n, lang, "staff-gained-unanswered"));
                        html.push('\n');
                        html.push_str(&unanswered.join("\n"));
                        buttons = units
                            .into_iter()
                            .map(|(unit_id, unit)| {
                                vec![Button::press(
                                    format!(
                                        "{} {unit}",
                                        crate::tr!(self.i18n, lang, "button-reply")
                                    ),
                                    format!("1:rep:{unit_id}"),
                                )]
                            })
                            .collect();
                    }
                    html
                } else {
                    crate::tr!(
                        self.i18n,
                        lang,
                        "staff-lost",
                        count = count,
                        reason = reason,
                        list = list
                    )
                };
                let dedupe = format!("staff-{gain}:{}:{stamp}", staff.id);
                enqueue(tx, chat, &dedupe, Content::Text { html, buttons }, now).await?;
            }
        }
        let summary_lines: Vec<String> = gained
            .values()
            .map(|(staff, households)| {
                format!("{} +{}", escape_html(&staff.name), households.len())
            })
            .collect();
        let others = supervisors(tx)
            .await?
            .into_iter()
            .filter(|supervisor| Some(supervisor.id) != actor_staff);
        let summary = Message::text(
            Cause::per_person("moves").then(format!(":{stamp}")),
            |lang, _| {
                crate::tr!(
                    self.i18n,
                    lang,
                    "supervisor-moves",
                    reason = reason.label(&self.i18n, lang),
                    count = changes.len(),
                    list = Arg::Html(summary_lines.join("\n"))
                )
            },
        );
        self.tell(tx, others, summary).await?;
        Ok(())
    }

    /// What the buyers of `households` wrote that nobody answered yet (a message sent before
    /// an ambassador was assigned went to the supervisors), one line each, the latest
    /// [`UNANSWERED_SHOWN`] per home; and the homes with any, for their Reply buttons.
    async fn unanswered(
        &self,
        tx: &mut Tx,
        lang: Lang,
        households: &[&Household],
    ) -> ServiceResult<(Vec<String>, Vec<(i64, String)>)> {
        let mut lines = Vec::new();
        let mut units = Vec::new();
        for household in households {
            let unit_id = household.unit.unit_id;
            let messages = tx
                .unanswered_buyer_messages(&format!("unit:{unit_id}"))
                .await?;
            if messages.is_empty() {
                continue;
            }
            let buyers = tx.buyers_of_unit(unit_id).await?;
            let skip = messages.len().saturating_sub(UNANSWERED_SHOWN);
            for (at, actor, details) in messages.into_iter().skip(skip) {
                let buyer = buyers
                    .iter()
                    .find(|b| format!("buyer:{}", b.id) == actor)
                    .map(|b| b.name.clone())
                    .unwrap_or_default();
                let details: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
                let text = details
                    .get("text")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                let mut text: String = text.chars().take(UNANSWERED_CHARS).collect();
                if text.chars().count() == UNANSWERED_CHARS {
                    text.push('…');
                }
                if let Some(media) = details.get("media").and_then(serde_json::Value::as_str) {
                    let what = crate::tr!(self.i18n, lang, "relay-media-kind", kind = media);
                    text = if text.is_empty() {
                        what
                    } else {
                        format!("{what} {text}")
                    };
                }
                lines.push(crate::tr!(
                    self.i18n,
                    lang,
                    "staff-unanswered-line",
                    unit = household.unit.short(),
                    buyer = buyer,
                    at = at
                        .with_timezone(&self.config.timezone)
                        .present_month_day_time(),
                    text = text
                ));
            }
            units.push((unit_id, household.unit.short()));
        }
        Ok((lines, units))
    }

    /// Tells the household's linked buyers who their ambassador is now, once per ambassador.
    async fn tell_buyers(
        &self,
        tx: &mut Tx,
        household: &Household,
        to: &StaffMember,
        reason: Reason,
        event: &str,
        due: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let mut buyers = Vec::new();
        for buyer in tx.buyers_of_unit(household.unit.unit_id).await? {
            if buyer.telegram_id.is_none() {
                continue;
            }
            let introduced = tx.introduced_staff(buyer.id).await?;
            if introduced != Some(to.id) {
                buyers.push((buyer, introduced));
            }
        }
        let cause = Cause::per_person("ambassador").then(format!(":{}:{event}", to.id));
        let news = Message::text(cause, |lang, told: &&(Buyer, Option<i64>)| {
            let (buyer, introduced) = (&told.0, told.1);
            let phone = match (&to.phone, to.share_phone) {
                (Some(phone), true) => crate::tr!(
                    self.i18n,
                    lang,
                    "ambassador-phone-line",
                    phone = phone.as_str()
                ),
                _ => String::new(),
            };
            let (buyer_name, ambassador, home, phone) = (
                buyer.name.as_str(),
                to.name.as_str(),
                buyer.unit.short(),
                Arg::Html(phone),
            );
            let i18n = &self.i18n;
            match (introduced, reason) {
                (None, _) => crate::tr!(
                    i18n,
                    lang,
                    "buyer-intro",
                    buyer = buyer_name,
                    ambassador = ambassador,
                    home = home,
                    phone = phone
                ),
                (Some(_), Reason::Away) => crate::tr!(
                    i18n,
                    lang,
                    "buyer-covered",
                    buyer = buyer_name,
                    ambassador = ambassador,
                    home = home,
                    phone = phone
                ),
                (Some(_), Reason::Returned) => crate::tr!(
                    i18n,
                    lang,
                    "buyer-returned",
                    buyer = buyer_name,
                    ambassador = ambassador,
                    home = home,
                    phone = phone
                ),
                (Some(_), _) => crate::tr!(
                    i18n,
                    lang,
                    "buyer-new-ambassador",
                    buyer = buyer_name,
                    ambassador = ambassador,
                    home = home,
                    phone = phone
                ),
            }
        });
        self.tell(tx, &buyers, news.not_before(due)).await?;
        for (buyer, _) in &buyers {
            tx.set_introduced_staff(buyer.id, to.id).await?;
        }
        Ok(())
    }
}

/// Who runs `/assign`: a supervisor in chat, or an operator at the server's command line.
#[derive(Debug, Clone, Copy)]
pub enum Planner<'a> {
    Supervisor(&'a Actor),
    Cli,
}

impl Planner<'_> {
    /// Refuses anyone but a supervisor; returns the supervisor's staff id (none for the CLI).
    fn check(&self) -> ServiceResult<Option<i64>> {
        match self {
            Planner::Supervisor(actor) => Services::require_supervisor(actor).map(|s| Some(s.id)),
            Planner::Cli => Ok(None),
        }
    }

    fn audit_name(&self) -> String {
        match self {
            Planner::Supervisor(actor) => actor.audit_name(),
            Planner::Cli => "cli".to_string(),
        }
    }
}

/// How `household_card` finds the household.
#[derive(Debug, Clone, Copy)]
pub enum CardQuery<'a> {
    Text(&'a str),
    Unit(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Assigned,
    Reassigned,
    Away,
    Returned,
}

struct Change {
    household: Household,
    from: Option<StaffMember>,
    to: StaffMember,
}

impl Label for Reason {
    fn label_key(&self) -> &'static str {
        match self {
            Reason::Assigned => "reason-assigned",
            Reason::Reassigned => "reason-reassigned",
            Reason::Away => "reason-away",
            Reason::Returned => "reason-returned",
        }
    }
}

/// One line per household: unit, buyers, tier and flags (HTML, names escaped).
pub fn household_lines(i18n: &crate::i18n::I18n, lang: Lang, households: &[&Household]) -> String {
    households
        .iter()
        .map(|h| household_line(i18n, lang, h))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn household_line(i18n: &crate::i18n::I18n, lang: Lang, h: &Household) -> String {
    let mut line = format!(
        "{} {} · {}",
        escape_html(&h.unit.short()),
        escape_html(&crate::present::list(i18n, lang, &h.names)),
        h.tier
    );
    for flag in &h.flags {
        line.push_str(" · ");
        line.push_str(&flag.label(i18n, lang));
    }
    line
}

async fn staff_by_id(tx: &mut Tx) -> ServiceResult<BTreeMap<i64, StaffMember>> {
    Ok(tx
        .all_staff()
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::config::Config;
    use crate::services::import::{ImportOutcome, Importer};
    use crate::store::Store;
    use chrono::TimeZone as _;
    use std::sync::Arc;

    async fn services(dir: &tempfile::TempDir) -> Services {
        let url = format!("sqlite://{}", dir.path().join("assignment.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let start = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        Services::new(
            store,
            Arc::new(ManualClock::new(start)),
            Arc::new(Config::for_database(&url)),
        )
    }

    async fn import(services: &Services, name: &str, csv: &str) {
        let outcome = services
            .import_file(Importer::Cli, name, csv.as_bytes(), None)
            .await
            .unwrap();
        assert!(matches!(outcome, ImportOutcome::Done { .. }), "{outcome:?}");
    }

    /// The moves of one event told again (a replay) queue nothing new; another event with the
    /// same moves in the same instant is told anew.
    #[tokio::test]
    async fn one_event_is_announced_once_and_another_in_the_same_instant_anew() {
        let dir = tempfile::tempdir().unwrap();
        let services = services(&dir).await;
        import(
            &services,
            "staff.csv",
            "name,phone,roles,seniority,capacity\n\
             Wang Fang,13800000001,supervisor,,\n\
             Li Lei,13700000001,ambassador,regular,10\n\
             Han Mei,13700000002,ambassador,regular,10\n",
        )
        .await;
        import(
            &services,
            "buyers.csv",
            "building,entrance,room,name,phone,tier,mailing_address\n\
             1,1,101,Buyer 0,13900000000,B,No. 0 Harbour Road\n",
        )
        .await;
        for (chat, phone) in [
            (9_001, "+8613800000001"),
            (8_301, "+8613700000001"),
            (8_302, "+8613700000002"),
        ] {
            services
                .link_by_contact(chat, Some(chat), phone)
                .await
                .unwrap();
        }
        let now = services.clock.now();
        let mut tx = services.store.begin().await.unwrap();
        let staff = staff_by_id(&mut tx).await.unwrap();
        let named = |name: &str| staff.values().find(|s| s.name == name).cloned().unwrap();
        let household = tx
            .project_households(&services.config.project)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
        let changes = [Change {
            household,
            from: Some(named("Li Lei")),
            to: named("Han Mei"),
        }];
        let before = tx.outbox_counts().await.unwrap().pending;
        let event = tx
            .audit(now, "test", "reassign", "unit:1", serde_json::json!({}))
            .await
            .unwrap();
        let reason = Reason::Reassigned;
        services
            .announce(&mut tx, &changes, reason, None, event, now)
            .await
            .unwrap();
        let told = tx.outbox_counts().await.unwrap().pending;
        // The ambassador who gained, the one who lost, the supervisor's summary.
        assert_eq!(told - before, 3);

        services
            .announce(&mut tx, &changes, reason, None, event, now)
            .await
            .unwrap();
        assert_eq!(tx.outbox_counts().await.unwrap().pending, told);

        let another = tx
            .audit(now, "test", "reassign", "unit:1", serde_json::json!({}))
            .await
            .unwrap();
        services
            .announce(&mut tx, &changes, reason, None, another, now)
            .await
            .unwrap();
        assert_eq!(tx.outbox_counts().await.unwrap().pending, told + 3);
        tx.commit().await.unwrap();
    }
}
