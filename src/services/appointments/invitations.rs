//! Invitations: the message with a button per open slot, sent to each household in scope of a
//! supervisor's `/invite`, once per household.

use super::super::tell::{Cause, Message, Told};
use super::super::{ServiceError, ServiceResult, Services};
use super::{InviteOutcome, InviteReport, InviteScope, nudge_key, slot_label};
use crate::domain::appointment::SlotKind;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Buyer, Lang};
use crate::present::Label;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::appointments::{Appointment, MessagePurpose, Slot};
use crate::store::assignment::Household;
use tracing::instrument;

impl Services {
    /// The invitation message with one button per open slot and "another time".
    pub(super) fn invitation_content(
        &self,
        lang: Lang,
        buyer: &str,
        home: &str,
        appointment: &Appointment,
        options: &[Slot],
        key: &'static str,
    ) -> Content {
        let i18n = &self.i18n;
        let tz = self.config.timezone;
        let kind = appointment.kind.label(i18n, lang);
        let html = match key {
            "nudge" => crate::tr!(
                i18n,
                lang,
                "invite-nudge",
                buyer = buyer,
                home = home,
                kind = kind
            ),
            "full" => crate::tr!(i18n, lang, "book-full-options", kind = kind),
            "missed" => crate::tr!(
                i18n,
                lang,
                "missed-options",
                buyer = buyer,
                home = home,
                kind = kind.as_str(),
                when = appointment
                    .slot
                    .as_ref()
                    .map(|slot| slot_label(i18n, lang, slot, tz))
                    .unwrap_or_default()
            ),
            _ => crate::tr!(
                i18n,
                lang,
                "invite-buyer",
                buyer = buyer,
                home = home,
                kind = kind
            ),
        };
        let mut buttons: Vec<Vec<Button>> = options
            .iter()
            .map(|slot| {
                vec![Button::press(
                    crate::tr!(
                        i18n,
                        lang,
                        "slot-button",
                        when = slot_label(i18n, lang, slot, tz),
                        seats = slot.seats_left()
                    ),
                    format!("1:bk:{}:{}", appointment.id, slot.id),
                )]
            })
            .collect();
        buttons.push(vec![Button::press(
            crate::tr!(i18n, lang, "button-other-time"),
            format!("1:lt:{}", appointment.id),
        )]);
        Content::Text { html, buttons }
    }

    /// Sends the household's linked buyers their invitation (or a nudge, or fresh options).
    /// Returns how many buyers it went to.
    pub(super) async fn send_options(
        &self,
        tx: &mut Tx,
        appointment: &Appointment,
        household: &Household,
        key: &'static str,
        cause: &str,
    ) -> ServiceResult<usize> {
        // "Another time" offers other times: the one already booked is not among them.
        let current = appointment.slot.as_ref().map(|slot| slot.id);
        let options: Vec<Slot> = self
            .options_for(tx, appointment.kind, household)
            .await?
            .into_iter()
            .filter(|slot| Some(slot.id) != current)
            .collect();
        let buyers = tx.buyers_of_unit(household.unit.unit_id).await?;
        let invitation = Message::new(
            Cause::per_chat(format!("appt-options:{}:{cause}", appointment.id)),
            |lang, buyer: &Buyer| {
                self.invitation_content(
                    lang,
                    &buyer.name,
                    &household.unit.short(),
                    appointment,
                    &options,
                    key,
                )
            },
        );
        let told = self.tell(tx, buyers, invitation).await?;
        for Told { chat, key, .. } in &told {
            tx.note_appointment_message(appointment.id, *chat, key, MessagePurpose::Options)
                .await?;
        }
        Ok(told.len())
    }

    /// Invites one household (its invitation to each linked buyer, the nudge if they stay
    /// silent): how many buyers it went to, or `None` when it was invited already.
    pub(crate) async fn invite_one(
        &self,
        tx: &mut Tx,
        household: &Household,
        kind: SlotKind,
    ) -> ServiceResult<Option<usize>> {
        let now = self.clock.now();
        let Some(id) = tx
            .invite_household(household.unit.unit_id, kind, now)
            .await?
        else {
            return Ok(None);
        };
        let Some(appointment) = tx.appointment(id).await? else {
            return Ok(None);
        };
        let told = self
            .send_options(tx, &appointment, household, "invite", "invite")
            .await?;
        let nudge = Job::Nudge { appointment_id: id }
            .at(now + self.config.nudge_after)
            .unique_key(nudge_key(id));
        tx.schedule_job(&nudge, now).await?;
        Ok(Some(told))
    }

    /// `/invite all | building B | tier T` (supervisor) or `/invite` (an ambassador's own).
    #[instrument(skip_all)]
    pub async fn invite_households(
        &self,
        actor: &Actor,
        scope: Option<InviteScope>,
        kind: SlotKind,
    ) -> ServiceResult<InviteOutcome> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let ambassador = me.roles.is_ambassador();
        if !(me.roles.can_supervise() || ambassador)
            || (scope.is_some() && !me.roles.can_supervise())
        {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if tx
            .upcoming_slots(&self.config.project, kind, now)
            .await?
            .iter()
            .all(|s| s.seats_left() == 0)
        {
            return Ok(InviteOutcome::NoSlots);
        }
        let households: Vec<Household> = match &scope {
            // A rehearsal's households are invited by the rehearsal, as each volunteer joins.
            None => tx
                .households_of(me.id)
                .await?
                .into_iter()
                .filter(|h| h.unit.project == self.config.project)
                .collect(),
            Some(scope) => tx
                .project_households(&self.config.project)
                .await?
                .into_iter()
                .filter(|h| match scope {
                    InviteScope::All => true,
                    InviteScope::Building(b) => &h.unit.building == b,
                    InviteScope::Tier(t) => h.tier == *t,
                })
                .collect(),
        };
        let mut report = InviteReport::default();
        for household in &households {
            match self.invite_one(&mut tx, household, kind).await? {
                None => report.already += 1,
                Some(told) => {
                    report.invited += 1;
                    if told == 0 {
                        report.not_on_telegram += 1;
                    }
                }
            }
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "invite",
            &format!("project:{}", self.config.project),
            serde_json::json!({"invited": report.invited, "already": report.already}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        self.scheduler_waker.wake();
        Ok(InviteOutcome::Sent(report))
    }
}
