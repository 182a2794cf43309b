//! Complaints (seed steps 2 and 3): a buyer's complaint goes to the complaint-reception staff
//! with a deadline to acknowledge it, escalates to supervisors when missed, and several
//! households complaining about one thing in one building raise a group-complaint flag (群诉).

use super::tell::{Cause, Message};
use super::{ServiceError, ServiceResult, Services, supervisors};
use crate::domain::aftercare::{Level, Topic};
use crate::domain::authz;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Lang, Role, StaffMember};
use crate::present::Label;
use crate::present::Times as _;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::aftercare::Complaint;
use crate::store::assignment::Household;
use chrono::{DateTime, Utc};
use tracing::instrument;

/// A filed complaint, for the buyer's reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Filed {
    pub id: i64,
    pub ack_due: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    Done,
    /// Acknowledged before (by this person's colleague, perhaps).
    Already,
    NotFound,
}

impl Services {
    /// Who receives complaints: the complaint-reception staff, else the supervisors.
    async fn reception(tx: &mut Tx) -> ServiceResult<Vec<StaffMember>> {
        let staff = tx.all_staff().await?;
        let reception: Vec<StaffMember> = staff
            .iter()
            .filter(|s| s.roles.has(Role::ComplaintReception) && s.telegram_id.is_some())
            .cloned()
            .collect();
        if !reception.is_empty() {
            return Ok(reception);
        }
        Ok(staff
            .into_iter()
            .filter(|s| s.roles.can_supervise())
            .collect())
    }

    /// A complaint's message for staff, with its acknowledge button.
    fn with_ack_button(&self, lang: Lang, html: String, id: i64) -> Content {
        Content::Text {
            html,
            buttons: vec![vec![Button::press(
                crate::tr!(self.i18n, lang, "button-complaint-ack"),
                format!("1:ck:{id}"),
            )]],
        }
    }

    /// The complaint as staff read it.
    fn complaint_text(
        &self,
        lang: Lang,
        key: &str,
        complaint: &Complaint,
        household: &Household,
        buyer: &str,
    ) -> String {
        let i18n = &self.i18n;
        let tz = self.config.timezone;
        i18n.text(
            lang,
            key,
            &[
                ("id", complaint.id.into()),
                ("home", household.unit.short().into()),
                ("buyer", buyer.into()),
                ("topic", complaint.topic.label(i18n, lang).into()),
                ("level", complaint.level.label(i18n, lang).into()),
                ("text", complaint.text.as_str().into()),
                (
                    "due",
                    complaint
                        .ack_due_at
                        .with_timezone(&tz)
                        .present_date_time()
                        .into(),
                ),
            ],
        )
    }

    /// A buyer's `/complain`: recorded, sent to reception with a deadline to acknowledge it,
    /// and checked for a group complaint in the building. `None` when the home is not theirs.
    #[instrument(skip_all)]
    pub async fn file_complaint(
        &self,
        actor: &Actor,
        unit_id: i64,
        topic: Topic,
        level: Level,
        text: &str,
    ) -> ServiceResult<Option<Filed>> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let Some(buyer) = homes.iter().find(|h| h.unit.unit_id == unit_id) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let ack_due = now + self.config.complaint_ack;
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(None);
        }
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        let id = tx
            .insert_complaint(unit_id, buyer.id, topic, level, text, ack_due, now)
            .await?;
        let Some(complaint) = tx.complaint(id).await? else {
            return Ok(None);
        };
        let job = Job::ComplaintAck { complaint_id: id }
            .at(ack_due)
            .unique_key(format!("complaint-ack:{id}"));
        tx.schedule_job(&job, now).await?;
        let reception = Self::reception(&mut tx).await?;
        self.tell(
            &mut tx,
            reception,
            Message::new(Cause::per_chat(format!("complaint:{id}")), |lang, _| {
                let html = self.complaint_text(
                    lang,
                    "complaint-to-reception",
                    &complaint,
                    &household,
                    &buyer.name,
                );
                self.with_ack_button(lang, html, id)
            }),
        )
        .await?;
        self.check_group_complaint(&mut tx, &complaint, now).await?;
        self.check_serious_complaint(&mut tx, &complaint, &household, now)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "complaint.file",
            &format!("complaint:{id}"),
            serde_json::json!({"topic": topic.as_str(), "level": level.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        self.scheduler_waker.wake();
        Ok(Some(Filed { id, ack_due }))
    }

    /// Raises one group-complaint flag when enough households of the building complained
    /// about this topic within the window, and none was raised in it already.
    async fn check_group_complaint(
        &self,
        tx: &mut Tx,
        complaint: &Complaint,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let rule = self.config.group_complaints;
        let Some(building) = tx.unit_building(complaint.unit_id).await? else {
            return Ok(());
        };
        // One check per building at a time: a wave filed at the same moment raises one flag,
        // not none (each missing the others) nor several.
        tx.lock_building(building).await?;
        let recent = tx
            .complaints_in_building(building, complaint.topic, now - rule.within)
            .await?;
        let mut homes: Vec<i64> = recent.iter().map(|c| c.unit_id).collect();
        homes.sort_unstable();
        homes.dedup();
        let last = tx.last_group_flag(building, complaint.topic).await?;
        if !rule.raise(homes.len(), last, now) {
            return Ok(());
        }
        let ids: Vec<i64> = recent.iter().map(|c| c.id).collect();
        let flag = tx
            .raise_group_flag(building, complaint.topic, &ids, homes.len(), now)
            .await?;
        let mut labels = Vec::new();
        for unit in &homes {
            if let Some(h) = tx.household(*unit).await? {
                labels.push(h.unit.short());
            }
        }
        let building_name = tx
            .household(complaint.unit_id)
            .await?
            .map(|h| h.unit.building)
            .unwrap_or_default();
        let supervisors = supervisors(tx).await?;
        self.tell(
            tx,
            supervisors,
            Message::text(Cause::per_chat(format!("group-flag:{flag}")), |lang, _| {
                crate::tr!(
                    self.i18n,
                    lang,
                    "group-complaint-flag",
                    building = building_name.as_str(),
                    topic = complaint.topic.label(&self.i18n, lang),
                    count = homes.len(),
                    days = rule.within.num_days(),
                    homes = crate::present::list(&self.i18n, lang, &labels)
                )
            }),
        )
        .await?;
        self.raise_incident(
            tx,
            crate::domain::expert::IncidentKind::GroupComplaint,
            &format!("group-flag:{flag}"),
            None,
            |lang| {
                crate::tr!(
                    self.i18n,
                    lang,
                    "incident-group-complaint",
                    building = building_name.as_str(),
                    topic = complaint.topic.label(&self.i18n, lang),
                    count = homes.len(),
                    days = rule.within.num_days(),
                    homes = crate::present::list(&self.i18n, lang, &labels)
                )
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// A major complaint, or one from a household flagged for media or government attention, is
    /// an incident for the decision group.
    async fn check_serious_complaint(
        &self,
        tx: &mut Tx,
        complaint: &Complaint,
        household: &crate::store::assignment::Household,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        use crate::domain::people::RiskFlag;
        let flags: Vec<RiskFlag> = household
            .flags
            .iter()
            .copied()
            .filter(|f| matches!(f, RiskFlag::Media | RiskFlag::Government))
            .collect();
        if complaint.level != Level::Major && flags.is_empty() {
            return Ok(());
        }
        self.raise_incident(
            tx,
            crate::domain::expert::IncidentKind::Complaint,
            &format!("complaint:{}", complaint.id),
            Some(complaint.unit_id),
            |lang| {
                let flags: Vec<String> = flags.iter().map(|f| f.label(&self.i18n, lang)).collect();
                crate::tr!(
                    self.i18n,
                    lang,
                    "incident-complaint",
                    home = household.unit.short(),
                    topic = complaint.topic.label(&self.i18n, lang),
                    level = complaint.level.label(&self.i18n, lang),
                    flags = if flags.is_empty() {
                        crate::tr!(self.i18n, lang, "no-value")
                    } else {
                        crate::present::list(&self.i18n, lang, &flags)
                    },
                    text = complaint.text.as_str()
                )
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Reception acknowledges a complaint; the buyer hears who has it.
    #[instrument(skip_all)]
    pub async fn acknowledge_complaint(&self, actor: &Actor, id: i64) -> ServiceResult<Ack> {
        let Some(me) = authz::may_receive(actor) else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(complaint) = tx.complaint(id).await? else {
            return Ok(Ack::NotFound);
        };
        if !tx.acknowledge_complaint(id, me.id, now).await? {
            return Ok(Ack::Already);
        }
        let filer = tx
            .buyers_of_unit(complaint.unit_id)
            .await?
            .into_iter()
            .filter(|buyer| buyer.id == complaint.buyer_id);
        self.tell(
            &mut tx,
            filer,
            Message::text(
                Cause::per_chat(format!("complaint-acked:{id}")),
                |lang, _| {
                    crate::tr!(
                        self.i18n,
                        lang,
                        "complaint-acknowledged",
                        id = id,
                        topic = complaint.topic.label(&self.i18n, lang),
                        name = me.name.as_str()
                    )
                },
            ),
        )
        .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "complaint.acknowledge",
            &format!("complaint:{id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(Ack::Done)
    }

    /// The acknowledgement deadline passed: supervisors are told, once. False when the
    /// complaint was acknowledged (or escalated) already.
    #[instrument(skip_all)]
    pub async fn escalate_complaint(&self, id: i64) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(complaint) = tx.complaint(id).await? else {
            return Ok(false);
        };
        if !tx.escalate_complaint(id, now).await? {
            return Ok(false);
        }
        let Some(household) = tx.household(complaint.unit_id).await? else {
            return Ok(false);
        };
        let buyer = tx
            .buyers_of_unit(complaint.unit_id)
            .await?
            .into_iter()
            .find(|b| b.id == complaint.buyer_id)
            .map(|b| b.name)
            .unwrap_or_default();
        let supervisors = supervisors(&mut tx).await?;
        self.tell(
            &mut tx,
            supervisors,
            Message::new(
                Cause::per_chat(format!("complaint-escalated:{id}")),
                |lang, _| {
                    let html = self.complaint_text(
                        lang,
                        "complaint-escalated",
                        &complaint,
                        &household,
                        &buyer,
                    );
                    self.with_ack_button(lang, html, id)
                },
            ),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// `/complaints`: those nobody has acknowledged, with their homes, for reception.
    #[instrument(skip_all)]
    pub async fn open_complaints(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(Complaint, Household)>> {
        if authz::may_receive(actor).is_none() {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for complaint in tx.unacknowledged_complaints().await? {
            if let Some(h) = tx.household(complaint.unit_id).await? {
                out.push((complaint, h));
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
