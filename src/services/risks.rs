//! The risk register (细致盘点): supervisors write down what differs between what buyers were
//! promised and what they will find, with the planned response and its owner; ambassadors see
//! the risks of a household before they meet its buyer.

use super::tell::{Cause, Message};
use super::{SYSTEM, ServiceError, ServiceResult, Services, require_supervisor};
use crate::domain::import::{RiskRow, RowError, RowProblem};
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, StaffMember};
use crate::domain::risk::{self, RiskScope, RiskStatus, Severity};
use crate::present::Label as _;
use crate::store::risks::{Risk, RiskEvent, RiskFields, RiskWrite};
use crate::store::{ImportCounts, Tx};
use tracing::instrument;

/// What `/risks` shows.
#[derive(Debug, Clone, PartialEq)]
pub enum RiskView {
    /// The risks asked for (`filter` as typed, empty for the live ones).
    List {
        risks: Vec<Risk>,
        filter: String,
    },
    /// One risk with its history and how many households it reaches.
    One {
        risk: Box<Risk>,
        events: Vec<RiskEvent>,
        households: usize,
    },
    NotFound,
}

/// The register in numbers, for `/summary` and the digest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RiskCounts {
    pub open: usize,
    pub response_ready: usize,
    /// Resolved or accepted.
    pub closed: usize,
    /// Households at least one open risk reaches.
    pub households_open: usize,
}

/// What a status change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Done,
    /// Already so (a press handled twice).
    Unchanged,
    /// Not a change the register allows from where the risk is (resolving without a response).
    NotAllowed,
    NotFound,
}

/// The staff member a register names as owner: by exact name or phone; several of one name
/// are refused (the supervisor writes the phone instead).
fn find_owner<'a>(staff: &'a [StaffMember], owner: &str) -> Option<&'a StaffMember> {
    let owner = owner.trim();
    let mut found = staff.iter().filter(|s| {
        s.name.trim() == owner || s.phone.as_ref().is_some_and(|p| p.as_str() == owner)
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

impl Services {
    /// `/risks [open|all|building|number]`: supervisors see the register; the live risks by
    /// default.
    #[instrument(skip_all)]
    pub async fn risk_view(&self, actor: &Actor, args: &str) -> ServiceResult<RiskView> {
        require_supervisor(actor)?;
        let filter = args.trim();
        let mut tx = self.store.read().await?;
        // "#12" is a risk; a bare number is a building when one has that name (buildings are
        // often numbered), else a risk.
        let number = filter.trim_start_matches('#').parse::<i64>().ok();
        let building_named = !filter.starts_with('#')
            && number.is_some()
            && !tx.households_in_building(filter).await?.is_empty();
        if let Some(id) = number.filter(|_| !building_named) {
            let view = match tx.risk(id).await? {
                Some(risk) => {
                    let events = tx.risk_events(id).await?;
                    let households = tx
                        .project_households(&risk.project)
                        .await?
                        .iter()
                        .filter(|h| risk.scope.reaches(h.place()))
                        .count();
                    RiskView::One {
                        risk: Box::new(risk),
                        events,
                        households,
                    }
                }
                None => RiskView::NotFound,
            };
            tx.commit().await?;
            return Ok(view);
        }
        let all = tx.risks(None).await?;
        let risks = match filter.to_lowercase().as_str() {
            "" => all.into_iter().filter(|r| r.status.is_live()).collect(),
            "all" | "全部" => all,
            "open" | "未应对" => all
                .into_iter()
                .filter(|r| r.status == RiskStatus::Open)
                .collect(),
            _ => {
                // A building: the risks that reach any of its households.
                let households = tx.households_in_building(filter).await?;
                all.into_iter()
                    .filter(|r| {
                        r.status.is_live()
                            && households
                                .iter()
                                .any(|h| h.unit.project == r.project && r.scope.reaches(h.place()))
                    })
                    .collect()
            }
        };
        tx.commit().await?;
        Ok(RiskView::List {
            risks,
            filter: filter.to_string(),
        })
    }

    /// The staff member a name (or phone) typed as a risk's owner names, if exactly one.
    pub async fn risk_owner_named(
        &self,
        actor: &Actor,
        name: &str,
    ) -> ServiceResult<Option<StaffMember>> {
        require_supervisor(actor)?;
        let mut tx = self.store.read().await?;
        let staff = tx.all_staff().await?;
        tx.commit().await?;
        Ok(find_owner(&staff, name).cloned())
    }

    /// `/risks add`: writes the risk the dialogue gathered to the default project and tells its
    /// owner.
    #[instrument(skip_all)]
    pub async fn add_risk(
        &self,
        actor: &Actor,
        draft: &crate::domain::flow::risk_entry::RiskDraft,
        severity: Severity,
    ) -> ServiceResult<Option<RiskWrite>> {
        require_supervisor(actor)?;
        let (Some(category), Some(scope), Some(difference)) = (
            draft.category,
            draft.scope.as_ref(),
            draft.difference.as_deref(),
        ) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(None);
        }
        let staff = tx.all_staff().await?;
        let owner = match crate::domain::flow::risk_entry::given(&draft.owner) {
            Some(name) => match find_owner(&staff, name) {
                Some(owner) => Some(owner.id),
                None => return Ok(None),
            },
            None => None,
        };
        let project = tx.ensure_project(&self.config.project, now).await?;
        let fields = RiskFields {
            scope,
            category,
            difference,
            response: crate::domain::flow::risk_entry::given(&draft.response),
            owner_staff_id: owner,
            severity,
        };
        let written = self
            .write_risk(&mut tx, project, &fields, &actor.audit_name())
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Some(written))
    }

    /// Writes one risk with its history entry and tells a new owner; shared by the dialogue
    /// and the import.
    async fn write_risk(
        &self,
        tx: &mut Tx,
        project: i64,
        fields: &RiskFields<'_>,
        actor: &str,
    ) -> ServiceResult<RiskWrite> {
        let now = self.clock.now();
        let written = tx.upsert_risk(project, fields, now).await?;
        if written.outcome != crate::store::UpsertOutcome::Unchanged {
            tx.add_risk_event(written.id, actor, written.status, "", now)
                .await?;
            tx.audit(
                now,
                actor,
                "risk",
                &format!("risk:{}", written.id),
                serde_json::json!({ "status": written.status.as_str() }),
            )
            .await?;
        }
        if let Some(owner) = written.new_owner {
            self.tell_risk_owner(tx, written.id, owner).await?;
        }
        Ok(written)
    }

    /// Tells a risk's owner it is theirs, with a button to write the response.
    async fn tell_risk_owner(&self, tx: &mut Tx, risk_id: i64, owner: i64) -> ServiceResult<()> {
        let (Some(risk), Some(staff)) = (tx.risk(risk_id).await?, tx.staff_by_id(owner).await?)
        else {
            return Ok(());
        };
        let message = Message::new(
            Cause::once(format!("risk-owner:{risk_id}:{owner}")),
            |lang, _| Content::Text {
                html: crate::tr!(
                    self.i18n,
                    lang,
                    "risk-owner-told",
                    line = crate::i18n::Arg::Html(self.risk_line(lang, &risk))
                ),
                buttons: vec![vec![Button::press(
                    crate::tr!(self.i18n, lang, "button-risk-respond"),
                    format!("1:rkr:{risk_id}"),
                )]],
            },
        );
        self.tell(tx, [staff], message).await?;
        Ok(())
    }

    /// One risk on one line in `lang`: number, severity, category, scope, what differs.
    pub fn risk_line(&self, lang: crate::domain::people::Lang, risk: &Risk) -> String {
        crate::tr!(
            self.i18n,
            lang,
            "risk-line",
            id = risk.id,
            severity = risk.severity.label(&self.i18n, lang),
            category = risk.category.label(&self.i18n, lang),
            scope = self.scope_words(lang, &risk.scope),
            difference = &risk.difference
        )
    }

    /// A scope in `lang`'s words.
    pub fn scope_words(&self, lang: crate::domain::people::Lang, scope: &RiskScope) -> String {
        match scope {
            RiskScope::Project => crate::tr!(self.i18n, lang, "risk-scope-project"),
            RiskScope::Building { building } => {
                crate::tr!(self.i18n, lang, "risk-scope-building", building = building)
            }
            RiskScope::UnitType { unit_type } => {
                crate::tr!(
                    self.i18n,
                    lang,
                    "risk-scope-unit-type",
                    unit_type = unit_type
                )
            }
            RiskScope::Unit { building, unit } => crate::tr!(
                self.i18n,
                lang,
                "risk-scope-unit",
                building = building,
                unit = unit
            ),
        }
    }

    /// The owner (or a supervisor) writes a risk's planned response; an open risk becomes
    /// response-ready. False when the risk is gone or the actor may not.
    #[instrument(skip_all)]
    pub async fn respond_to_risk(
        &self,
        actor: &Actor,
        risk_id: i64,
        response: &str,
    ) -> ServiceResult<bool> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(true);
        }
        let Some(risk) = tx.risk(risk_id).await? else {
            return Ok(false);
        };
        if !actor.can_supervise() && risk.owner_staff_id != Some(me.id) {
            return Ok(false);
        }
        let status = if risk.status == RiskStatus::Open {
            RiskStatus::ResponseReady
        } else {
            risk.status
        };
        if tx
            .set_risk_status(risk_id, status, Some(response), now)
            .await?
        {
            tx.add_risk_event(risk_id, &actor.audit_name(), status, response, now)
                .await?;
            tx.audit(
                now,
                &actor.audit_name(),
                "risk_response",
                &format!("risk:{risk_id}"),
                serde_json::json!({ "status": status.as_str() }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A supervisor moves a risk on (resolved, accepted) or back to open.
    #[instrument(skip_all)]
    pub async fn change_risk_status(
        &self,
        actor: &Actor,
        risk_id: i64,
        status: RiskStatus,
    ) -> ServiceResult<StatusChange> {
        require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(risk) = tx.risk(risk_id).await? else {
            return Ok(StatusChange::NotFound);
        };
        if risk.status == status {
            return Ok(StatusChange::Unchanged);
        }
        if !risk.status.may_become(status) {
            return Ok(StatusChange::NotAllowed);
        }
        tx.set_risk_status(risk_id, status, None, now).await?;
        tx.add_risk_event(risk_id, &actor.audit_name(), status, "", now)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "risk_status",
            &format!("risk:{risk_id}"),
            serde_json::json!({ "from": risk.status.as_str(), "to": status.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(StatusChange::Done)
    }

    /// Writes an imported register in the import's transaction. Owners are looked up by name
    /// or phone; an owner nobody is makes the row an error and the whole file is refused.
    pub(super) async fn import_risks(
        &self,
        tx: &mut Tx,
        rows: &[RiskRow],
        actor: &str,
        counts: &mut ImportCounts,
    ) -> ServiceResult<Vec<RowError>> {
        let staff = tx.all_staff().await?;
        let mut unknown = Vec::new();
        let mut owners = Vec::with_capacity(rows.len());
        for row in rows {
            match row.owner.as_deref() {
                None => owners.push(None),
                Some(name) => match find_owner(&staff, name) {
                    Some(owner) => owners.push(Some(owner.id)),
                    None => {
                        unknown.push(RowError {
                            line: row.line,
                            column: row.owner_column.clone(),
                            reason: RowProblem::UnknownStaff {
                                value: name.to_string(),
                            },
                        });
                        owners.push(None);
                    }
                },
            }
        }
        if !unknown.is_empty() {
            return Ok(unknown);
        }
        let now = self.clock.now();
        let default_project = tx.ensure_project(&self.config.project, now).await?;
        for (row, owner) in rows.iter().zip(owners) {
            let project = match &row.project {
                Some(code) => tx.ensure_project(code, now).await?,
                None => default_project,
            };
            let fields = RiskFields {
                scope: &row.scope,
                category: row.category,
                difference: &row.difference,
                response: row.response.as_deref(),
                owner_staff_id: owner,
                severity: row.severity,
            };
            let written = self.write_risk(tx, project, &fields, actor).await?;
            counts.add(written.outcome);
        }
        Ok(Vec::new())
    }

    /// The live risks that reach a household, most severe first.
    pub(crate) async fn risks_of_household(
        &self,
        tx: &mut Tx,
        household: &crate::store::assignment::Household,
    ) -> ServiceResult<Vec<Risk>> {
        Ok(tx
            .live_risks_of_unit_project(household.unit.unit_id)
            .await?
            .into_iter()
            .filter(|r| r.scope.reaches(household.place()))
            .collect())
    }

    /// The register's counts for a project (every project when `None`).
    pub(crate) async fn risk_counts(
        &self,
        tx: &mut Tx,
        project: Option<&str>,
    ) -> ServiceResult<RiskCounts> {
        let project_id = match project {
            Some(code) => match tx.project_id(code).await? {
                Some(id) => Some(id),
                None => return Ok(RiskCounts::default()),
            },
            None => None,
        };
        let risks = tx.risks(project_id).await?;
        let mut counts = RiskCounts::default();
        for r in &risks {
            match r.status {
                RiskStatus::Open => counts.open += 1,
                RiskStatus::ResponseReady => counts.response_ready += 1,
                RiskStatus::Resolved | RiskStatus::Accepted => counts.closed += 1,
            }
        }
        let open: Vec<&Risk> = risks
            .iter()
            .filter(|r| r.status == RiskStatus::Open)
            .collect();
        if !open.is_empty() {
            let mut projects: Vec<&str> = open.iter().map(|r| r.project.as_str()).collect();
            projects.sort_unstable();
            projects.dedup();
            for code in projects {
                counts.households_open += tx
                    .project_households(code)
                    .await?
                    .iter()
                    .filter(|h| {
                        open.iter()
                            .any(|r| r.project == code && r.scope.reaches(h.place()))
                    })
                    .count();
            }
        }
        Ok(counts)
    }

    /// Chases the owners of risks still without a response `HANDOVER_RISK_CHASE_DAYS` before
    /// their project's first inspection slot, once each. Returns how many were chased.
    pub(crate) async fn chase_risk_responses(&self, tx: &mut Tx) -> ServiceResult<usize> {
        let now = self.clock.now();
        let mut chased = 0;
        for (risk, first_slot) in tx.risks_to_chase().await? {
            let Some(first_slot) = first_slot else {
                continue;
            };
            let chase_at =
                risk::response_chase_at(first_slot.naive_utc(), self.config.risk_chase_days);
            if !risk::needs_chase(risk.status, now.naive_utc(), chase_at) {
                continue;
            }
            let Some(owner) = risk.owner_staff_id else {
                continue;
            };
            if !tx.mark_risk_chased(risk.id, now).await? {
                continue;
            }
            let Some(staff) = tx.staff_by_id(owner).await? else {
                continue;
            };
            let first = first_slot.with_timezone(&self.config.timezone);
            let message =
                Message::new(Cause::once(format!("risk-chase:{}", risk.id)), |lang, _| {
                    Content::Text {
                        html: crate::tr!(
                            self.i18n,
                            lang,
                            "risk-chase",
                            line = crate::i18n::Arg::Html(self.risk_line(lang, &risk)),
                            first = crate::present::Times::present_month_day_time(&first)
                        ),
                        buttons: vec![vec![Button::press(
                            crate::tr!(self.i18n, lang, "button-risk-respond"),
                            format!("1:rkr:{}", risk.id),
                        )]],
                    }
                });
            self.tell(tx, [staff], message).await?;
            tx.audit(
                now,
                SYSTEM,
                "risk_chase",
                &format!("risk:{}", risk.id),
                serde_json::json!({}),
            )
            .await?;
            chased += 1;
        }
        Ok(chased)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::people::{Roles, Seniority};

    fn staff(id: i64, name: &str) -> StaffMember {
        StaffMember {
            id,
            name: name.into(),
            phone: None,
            roles: Roles::default(),
            seniority: Seniority::Regular,
            capacity: None,
            language: None,
            telegram_id: None,
            away_since: None,
            away_until: None,
            share_phone: false,
            buildings: Vec::new(),
        }
    }

    #[test]
    fn an_owner_is_one_staff_member_of_that_name() {
        let all = [staff(1, "王经理"), staff(2, "李工"), staff(3, "李工")];
        assert_eq!(find_owner(&all, " 王经理 ").map(|s| s.id), Some(1));
        assert!(find_owner(&all, "李工").is_none());
        assert!(find_owner(&all, "赵").is_none());
    }
}
