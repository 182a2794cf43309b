//! The visit itself: check-in at the site (on time or late), no-shows when the slot is over,
//! and closing the visit once the walk-through is saved.

use super::super::tell::{Cause, Message};
use super::super::{ServiceResult, Services};
use super::{BookOutcome, News, Tell, confirmed_booking, job_prefix};
use crate::domain::appointment::{AppointmentStatus, SlotKind};
use crate::domain::people::Actor;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::appointments::{Appointment, MessagePurpose};
use crate::store::jobs::KeyMatch;
use chrono::{DateTime, Utc};
use tracing::instrument;

impl Services {
    /// The no-show job: still not checked in after the grace period.
    #[instrument(skip_all)]
    pub async fn mark_no_show(&self, appointment_id: i64, slot_id: i64) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some((appointment, slot)) = confirmed_booking(&mut tx, appointment_id, slot_id).await?
        else {
            return Ok(false);
        };
        tx.update_appointment(
            appointment.id,
            Some(slot.id),
            AppointmentStatus::NoShow,
            now,
        )
        .await?;
        tx.audit(
            now,
            "scheduler",
            "appointment.no_show",
            &format!("appointment:{appointment_id}"),
            serde_json::json!({}),
        )
        .await?;
        self.tell_ambassador(
            &mut tx,
            &appointment,
            Tell::NoShow(slot.clone()),
            &format!("no-show:{}", slot.id),
            None,
        )
        .await?;
        // "We missed you": other times, once per missed slot.
        if let Some(household) = tx.household(appointment.unit_id).await? {
            self.send_options(
                &mut tx,
                &appointment,
                &household,
                "missed",
                &format!("missed:{}", slot.id),
            )
            .await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// Check-in by the buyer ("I'm here") or by their ambassador (or a supervisor).
    #[instrument(skip_all)]
    pub async fn check_in(&self, actor: &Actor, appointment_id: i64) -> ServiceResult<BookOutcome> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(BookOutcome::NotYours);
        };
        let by_buyer = Self::owns(actor, &appointment);
        let by_staff = match actor {
            Actor::Staff(me) => {
                // Loaded whoever checks in: a rehearsal's visit is the rehearsal's work.
                let theirs = tx
                    .household(appointment.unit_id)
                    .await?
                    .is_some_and(|h| h.staff_id == Some(me.id));
                theirs || me.roles.can_supervise()
            }
            _ => false,
        };
        if !(by_buyer || by_staff) {
            return Ok(BookOutcome::NotYours);
        }
        let Some(slot) = appointment.slot.clone() else {
            return Ok(BookOutcome::Closed);
        };
        let tz = self.config.timezone;
        let same_day =
            slot.starts_at.with_timezone(&tz).date_naive() == now.with_timezone(&tz).date_naive();
        // A buyer who comes late, after being marked a no-show, still checks in that day.
        let late = match appointment.status {
            AppointmentStatus::CheckedIn if by_buyer => return Ok(BookOutcome::AlreadyIn(slot)),
            AppointmentStatus::CheckedIn => return Ok(BookOutcome::Booked(slot)),
            AppointmentStatus::Completed => {
                return Ok(BookOutcome::Over(AppointmentStatus::Completed, slot));
            }
            AppointmentStatus::NoShow if !same_day => {
                return Ok(BookOutcome::Over(AppointmentStatus::NoShow, slot));
            }
            AppointmentStatus::NoShow => true,
            AppointmentStatus::Confirmed if same_day => false,
            _ => return Ok(BookOutcome::Closed),
        };
        tx.update_appointment(
            appointment.id,
            Some(slot.id),
            AppointmentStatus::CheckedIn,
            now,
        )
        .await?;
        tx.cancel_jobs(
            Job::NO_SHOW,
            KeyMatch::Prefix(&job_prefix(appointment.id)),
            now,
        )
        .await?;
        // The visit closes at the end of its day (walk-throughs may run past the slot).
        let close = Job::Close {
            appointment_id: appointment.id,
            slot_id: slot.id,
        }
        .at(self.day_end(slot.starts_at))
        .unique_key(format!("{}{}:close", job_prefix(appointment.id), slot.id));
        tx.schedule_job(&close, now).await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "appointment.check_in",
            &format!("appointment:{appointment_id}"),
            serde_json::json!({"late": late}),
        )
        .await?;
        let me = match actor {
            Actor::Staff(me) => Some(me.id),
            _ => None,
        };
        if late {
            self.tell_ambassador(
                &mut tx,
                &appointment,
                Tell::ArrivedLate(slot.clone()),
                &format!("arrived:{}", slot.id),
                me,
            )
            .await?;
        } else if by_buyer {
            self.tell_ambassador(
                &mut tx,
                &appointment,
                Tell::Arrived,
                &format!("arrived:{}", slot.id),
                None,
            )
            .await?;
        }
        let checked_in = Appointment {
            status: AppointmentStatus::CheckedIn,
            ..appointment
        };
        self.retire_messages(
            &mut tx,
            &checked_in,
            MessagePurpose::Welcome,
            News::CheckedIn,
        )
        .await?;
        self.retire_messages(
            &mut tx,
            &checked_in,
            MessagePurpose::Options,
            News::CheckedIn,
        )
        .await?;
        if by_buyer && let Actor::Buyer(buyers) = actor {
            // Queued with the check-in itself (and, to the chat that pressed, ahead of queued
            // news): an instance that dies right after the commit cannot take it along.
            self.tell(
                &mut tx,
                buyers.iter().take(1),
                Message::text(
                    Cause::per_chat(format!("checked-in:{}:{}", appointment_id, slot.id)),
                    |lang, _| crate::tr!(self.i18n, lang, "checked-in-welcome"),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        self.scheduler_waker.wake();
        self.outbox_waker.wake();
        Ok(BookOutcome::Booked(slot))
    }

    /// The close job: a visit still checked in at the end of its day is completed.
    #[instrument(skip_all)]
    pub async fn close_visit(&self, appointment_id: i64, slot_id: i64) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(false);
        };
        if appointment.status != AppointmentStatus::CheckedIn
            || appointment.slot.as_ref().map(|s| s.id) != Some(slot_id)
        {
            return Ok(false);
        }
        Self::complete(&mut tx, &appointment, "scheduler", now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The walk-through of a home was saved: its inspection visit, if checked in, is complete.
    pub(crate) async fn walk_through_saved(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        unit_id: i64,
    ) -> ServiceResult<()> {
        if let Some(appointment) = tx.open_appointment(unit_id, SlotKind::Inspection).await?
            && appointment.status == AppointmentStatus::CheckedIn
        {
            Self::complete(tx, &appointment, &actor.audit_name(), self.clock.now()).await?;
        }
        Ok(())
    }

    pub(super) async fn complete(
        tx: &mut Tx,
        appointment: &Appointment,
        by: &str,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        tx.update_appointment(
            appointment.id,
            appointment.slot.as_ref().map(|s| s.id),
            AppointmentStatus::Completed,
            now,
        )
        .await?;
        tx.audit(
            now,
            by,
            "appointment.complete",
            &format!("appointment:{}", appointment.id),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    }
}
