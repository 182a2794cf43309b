//! A buyer's booking: taking a place atomically, confirming it to every owner of the home,
//! cancelling, asking for a call, and what the ambassador is told of each.

use super::super::tell::{Cause, Message};
use super::super::{ServiceError, ServiceResult, Services};
use super::{BookOutcome, News, Tell, job_prefix, nudge_key, slot_label};
use crate::domain::appointment::{self, AppointmentStatus, CalendarEntry, SlotKind};
use crate::domain::message::Content;
use crate::domain::people::{Actor, Buyer, StaffMember};
use crate::i18n::Arg;
use crate::present::Label;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::appointments::{Appointment, MessagePurpose, Slot};
use crate::store::jobs::KeyMatch;
use chrono::{DateTime, Utc};
use tracing::instrument;

impl Services {
    /// The household behind an appointment, if `actor` is one of its buyers.
    pub(super) fn owns(actor: &Actor, appointment: &Appointment) -> bool {
        matches!(actor, Actor::Buyer(homes) if homes.iter().any(|h| h.unit.unit_id == appointment.unit_id))
    }

    /// The buyer's own appointment, still invited or booked (or, with `missed`, a no-show that
    /// may choose another time); otherwise why not.
    pub(super) async fn buyers_open_appointment(
        tx: &mut Tx,
        actor: &Actor,
        appointment_id: i64,
        missed: bool,
    ) -> ServiceResult<Result<Appointment, BookOutcome>> {
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(Err(BookOutcome::NotYours));
        };
        if !Self::owns(actor, &appointment) {
            return Ok(Err(BookOutcome::NotYours));
        }
        let open = match appointment.status {
            AppointmentStatus::Invited | AppointmentStatus::Confirmed => true,
            // Only while the household has no other appointment of this kind open.
            AppointmentStatus::NoShow if missed => tx
                .open_appointment(appointment.unit_id, appointment.kind)
                .await?
                .is_none(),
            _ => false,
        };
        if !open {
            return Ok(Err(BookOutcome::Closed));
        }
        Ok(Ok(appointment))
    }

    /// A buyer pressed a slot: one seat, taken atomically.
    #[instrument(skip_all)]
    pub async fn book(
        &self,
        actor: &Actor,
        appointment_id: i64,
        slot_id: i64,
    ) -> ServiceResult<BookOutcome> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let appointment =
            match Self::buyers_open_appointment(&mut tx, actor, appointment_id, true).await? {
                Ok(appointment) => appointment,
                Err(refusal) => return Ok(refusal),
            };
        let Some(slot) = tx.slot(slot_id).await? else {
            return Ok(BookOutcome::NotAvailable);
        };
        let project = tx
            .household(appointment.unit_id)
            .await?
            .map(|h| h.unit.project);
        if project.as_ref() != Some(&slot.project)
            || slot.kind != appointment.kind.as_str()
            || slot.starts_at <= now
        {
            return Ok(BookOutcome::NotAvailable);
        }
        if appointment.slot.as_ref().is_some_and(|s| s.id == slot.id) {
            return Ok(BookOutcome::Booked(slot));
        }
        if !self.offered(&mut tx, appointment.unit_id, &slot).await? {
            return Ok(BookOutcome::NotOffered);
        }
        // A no-show's seat was used up; a booking still ahead may move until the cutoff.
        let missed = appointment.status == AppointmentStatus::NoShow;
        if !missed
            && let Some(old) = &appointment.slot
            && !appointment::can_change(old.starts_at, self.config.change_cutoff, now)
        {
            return Ok(BookOutcome::TooLate(old.clone()));
        }
        if !tx.take_seat(slot.id).await? {
            return Ok(BookOutcome::Full);
        }
        if !missed && let Some(old) = &appointment.slot {
            tx.release_seat(old.id).await?;
        }
        tx.update_appointment(
            appointment.id,
            Some(slot.id),
            AppointmentStatus::Confirmed,
            now,
        )
        .await?;
        self.cancel_appointment_jobs(&mut tx, appointment.id, now)
            .await?;
        for (offset, at) in appointment::reminder_times(slot.starts_at, &self.config.reminders, now)
        {
            let minutes = offset.num_minutes();
            let job = Job::Reminder {
                appointment_id: appointment.id,
                slot_id: slot.id,
                minutes,
            }
            .at(at)
            .unique_key(format!(
                "{}{}:remind:{minutes}",
                job_prefix(appointment.id),
                slot.id
            ))
            .expires_at(slot.starts_at);
            tx.schedule_job(&job, now).await?;
        }
        let no_show = Job::NoShow {
            appointment_id: appointment.id,
            slot_id: slot.id,
        }
        .at(slot.starts_at + self.config.no_show_grace)
        .unique_key(format!("{}{}:noshow", job_prefix(appointment.id), slot.id));
        tx.schedule_job(&no_show, now).await?;
        let rescheduled = appointment.slot.is_some();
        tx.audit(
            now,
            &actor.audit_name(),
            if rescheduled {
                "appointment.reschedule"
            } else {
                "appointment.book"
            },
            &format!("appointment:{}", appointment.id),
            serde_json::json!({"slot": slot.id}),
        )
        .await?;
        self.confirm_to_household(&mut tx, &appointment, &slot, rescheduled)
            .await?;
        // Every button left for this appointment (the household's invitations and fresh
        // options; a missed visit's welcome) now shows the booking.
        for purpose in [MessagePurpose::Options, MessagePurpose::Welcome] {
            self.retire_messages(&mut tx, &appointment, purpose, News::Booked(&slot))
                .await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        self.scheduler_waker.wake();
        Ok(BookOutcome::Booked(slot))
    }

    pub(super) async fn cancel_appointment_jobs(
        &self,
        tx: &mut Tx,
        appointment: i64,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let prefix = job_prefix(appointment);
        tx.cancel_jobs(Job::REMINDER, KeyMatch::Prefix(&prefix), now)
            .await?;
        tx.cancel_jobs(Job::NO_SHOW, KeyMatch::Prefix(&prefix), now)
            .await?;
        tx.cancel_jobs(Job::NUDGE, KeyMatch::Exact(&nudge_key(appointment)), now)
            .await?;
        Ok(())
    }

    /// The confirmation with its calendar file to each linked buyer, and a line to the
    /// ambassador.
    pub(super) async fn confirm_to_household(
        &self,
        tx: &mut Tx,
        appointment: &Appointment,
        slot: &Slot,
        rescheduled: bool,
    ) -> ServiceResult<()> {
        let now = self.clock.now();
        let tz = self.config.timezone;
        // The booking's own version: `appointment` is as read before this booking updated it.
        let version = appointment.version + 1;
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(());
        };
        let ambassador = match household.staff_id {
            Some(id) => tx.staff_by_id(id).await?,
            None => None,
        };
        let home = household.unit.short();
        let buyers = tx.buyers_of_unit(appointment.unit_id).await?;
        let i18n = &self.i18n;
        let with = |lang| {
            ambassador
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_else(|| crate::tr!(i18n, lang, "your-ambassador"))
        };
        let confirmed = Message::text(
            Cause::per_chat(format!("booked:{}:{version}", appointment.id)),
            |lang, buyer: &&Buyer| {
                crate::tr!(
                    i18n,
                    lang,
                    "book-confirmed",
                    buyer = buyer.name.as_str(),
                    kind = appointment.kind.label(i18n, lang),
                    home = home.as_str(),
                    when = slot_label(i18n, lang, slot, tz),
                    place = self.meeting_point(lang),
                    ambassador = with(lang)
                )
            },
        );
        self.tell(tx, &buyers, confirmed).await?;
        // The calendar file, written per chat in its language, after the confirmation; kept
        // in the media store before the transaction that sends it commits.
        let files = std::sync::Mutex::new(Vec::new());
        let calendar = Message::try_new(
            Cause::per_chat(format!("booked-ics:{}:{version}", appointment.id)),
            |lang, buyer: &&Buyer| -> ServiceResult<Content> {
                let chat = buyer.telegram_id.unwrap_or_default();
                let kind = appointment.kind.label(i18n, lang);
                let place = self.meeting_point(lang);
                let with = with(lang);
                let summary = crate::tr!(
                    i18n,
                    lang,
                    "ics-summary",
                    kind = kind.as_str(),
                    home = home.as_str()
                );
                let description =
                    crate::tr!(i18n, lang, "ics-description", ambassador = with.as_str());
                let file = appointment::calendar_file(
                    &CalendarEntry {
                        uid: format!("appointment-{}-{}@handover-bot", appointment.id, slot.id),
                        summary: &crate::i18n::plain_text(&summary),
                        description: &crate::i18n::plain_text(&description),
                        location: &place,
                        starts_at: slot.starts_at,
                        ends_at: slot.ends_at,
                        stamp: now,
                    },
                    tz,
                );
                let path = format!(
                    "calendar/appointment-{}-{}-{}.ics",
                    appointment.id, slot.id, chat
                );
                files
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((path.clone(), file));
                let document = Content::Document {
                    path,
                    file_name: format!(
                        "handover-{}.ics",
                        slot.starts_at.with_timezone(&tz).format("%Y%m%d-%H%M")
                    ),
                    caption_html: Some(crate::tr!(i18n, lang, "ics-caption")),
                    buttons: Vec::new(),
                };
                Ok(document)
            },
        );
        self.tell(tx, &buyers, calendar).await?;
        let files = files
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (path, file) in files {
            self.media.put_at(&path, file.as_bytes()).await?;
        }
        let staff_news = Message::text(
            Cause::once(format!("booked-staff:{}:{version}", appointment.id)),
            |lang, _| {
                let when = slot_label(&self.i18n, lang, slot, tz);
                let names = crate::present::list(&self.i18n, lang, &household.names);
                let key = if rescheduled {
                    "staff-booking-moved"
                } else {
                    "staff-booking"
                };
                self.i18n.text(
                    lang,
                    key,
                    &[
                        ("home", Arg::from(home.as_str())),
                        ("names", Arg::from(names)),
                        ("when", Arg::from(when)),
                    ],
                )
            },
        );
        self.tell(tx, ambassador, staff_news).await?;
        Ok(())
    }

    /// The buyer's `/appointment`: their open appointments.
    #[instrument(skip_all)]
    pub async fn my_appointments(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(String, Appointment)>> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for home in homes {
            for kind in [SlotKind::Inspection, SlotKind::Handover] {
                if let Some(appointment) = tx.open_appointment(home.unit.unit_id, kind).await? {
                    out.push((home.unit.short(), appointment));
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Fresh options for a buyer (after "full", or to reschedule); `None` if not theirs or
    /// too late to change.
    #[instrument(skip_all)]
    pub async fn fresh_options(
        &self,
        actor: &Actor,
        appointment_id: i64,
    ) -> ServiceResult<Option<BookOutcome>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let appointment =
            match Self::buyers_open_appointment(&mut tx, actor, appointment_id, true).await? {
                Ok(appointment) => appointment,
                Err(refusal) => return Ok(Some(refusal)),
            };
        if appointment.status != AppointmentStatus::NoShow
            && let Some(slot) = &appointment.slot
            && !appointment::can_change(slot.starts_at, self.config.change_cutoff, now)
        {
            return Ok(Some(BookOutcome::TooLate(slot.clone())));
        }
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(Some(BookOutcome::NotYours));
        };
        // Each request for fresh options is its own message, numbered.
        let cause = format!(
            "fresh:{}",
            tx.appointment_message_count(appointment.id).await?
        );
        self.send_options(&mut tx, &appointment, &household, "full", &cause)
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(None)
    }

    /// The buyer cancels a booking (until the cutoff) or declines an invitation.
    #[instrument(skip_all)]
    pub async fn cancel_appointment(
        &self,
        actor: &Actor,
        appointment_id: i64,
    ) -> ServiceResult<BookOutcome> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let appointment =
            match Self::buyers_open_appointment(&mut tx, actor, appointment_id, false).await? {
                Ok(appointment) => appointment,
                Err(refusal) => return Ok(refusal),
            };
        if let Some(slot) = &appointment.slot {
            if !appointment::can_change(slot.starts_at, self.config.change_cutoff, now) {
                return Ok(BookOutcome::TooLate(slot.clone()));
            }
            tx.release_seat(slot.id).await?;
        }
        let status = if appointment.slot.is_some() {
            AppointmentStatus::Cancelled
        } else {
            AppointmentStatus::Declined
        };
        tx.update_appointment(
            appointment.id,
            appointment.slot.as_ref().map(|s| s.id),
            status,
            now,
        )
        .await?;
        self.cancel_appointment_jobs(&mut tx, appointment.id, now)
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            "appointment.cancel",
            &format!("appointment:{}", appointment.id),
            serde_json::json!({}),
        )
        .await?;
        self.tell_ambassador(
            &mut tx,
            &appointment,
            Tell::Cancelled,
            &format!("cancelled:{}", appointment.id),
            None,
        )
        .await?;
        for purpose in [MessagePurpose::Options, MessagePurpose::Welcome] {
            self.retire_messages(&mut tx, &appointment, purpose, News::Cancelled)
                .await?;
        }
        self.tell_co_owners_cancelled(&mut tx, actor, &appointment)
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(BookOutcome::Closed)
    }

    /// "Another time": the ambassador is asked to call.
    #[instrument(skip_all)]
    pub async fn ask_for_call(&self, actor: &Actor, appointment_id: i64) -> ServiceResult<bool> {
        let mut tx = self.store.begin().await?;
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(false);
        };
        if !Self::owns(actor, &appointment) {
            return Ok(false);
        }
        tx.audit(
            self.clock.now(),
            &actor.audit_name(),
            "appointment.call_me",
            &format!("appointment:{appointment_id}"),
            serde_json::json!({}),
        )
        .await?;
        // Once per state of the appointment: a second tap asks again for nothing new.
        let cause = format!("call-me:{}", appointment.version);
        self.tell_ambassador(&mut tx, &appointment, Tell::CallMe, &cause, None)
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// Tells the household's ambassador (or, without one, the supervisors; for a no-show and a
    /// late arrival both) what happened, except `skip` (who did it). `cause` names the event
    /// in the dedupe key.
    pub(super) async fn tell_ambassador(
        &self,
        tx: &mut Tx,
        appointment: &Appointment,
        what: Tell,
        cause: &str,
        skip: Option<i64>,
    ) -> ServiceResult<()> {
        let unit_id = appointment.unit_id;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(());
        };
        let mut recipients: Vec<StaffMember> = match household.staff_id {
            Some(id) => tx.staff_by_id(id).await?.into_iter().collect(),
            None => Vec::new(),
        };
        if recipients.is_empty() || matches!(what, Tell::NoShow(_) | Tell::ArrivedLate(_)) {
            recipients.extend(super::super::supervisors(tx).await?);
        }
        let buyers = tx.buyers_of_unit(unit_id).await?;
        let phone_list: Vec<_> = buyers.iter().map(|b| b.phone.display()).collect();
        let home = household.unit.short();
        // Someone both ambassador and supervisor is told once: the key is per person.
        recipients.retain(|staff| skip != Some(staff.id));
        let i18n = &self.i18n;
        let news = Message::text(
            Cause::per_person(format!("appt-staff:{}:{cause}", appointment.id)),
            |lang, _| {
                let names = crate::present::list(i18n, lang, &household.names);
                let phones = crate::present::list(i18n, lang, &phone_list);
                let (home, names) = (home.as_str(), names.as_str());
                match &what {
                    Tell::CallMe => crate::tr!(
                        i18n,
                        lang,
                        "staff-call-me",
                        home = home,
                        names = names,
                        phones = phones.as_str()
                    ),
                    Tell::Cancelled => {
                        crate::tr!(i18n, lang, "staff-cancelled", home = home, names = names)
                    }
                    Tell::Nudged => crate::tr!(
                        i18n,
                        lang,
                        "staff-nudged",
                        home = home,
                        names = names,
                        phones = phones.as_str()
                    ),
                    Tell::NoShow(slot) => crate::tr!(
                        i18n,
                        lang,
                        "staff-no-show",
                        home = home,
                        names = names,
                        when = slot_label(i18n, lang, slot, self.config.timezone),
                        phones = phones.as_str()
                    ),
                    Tell::Arrived => {
                        crate::tr!(i18n, lang, "staff-arrived", home = home, names = names)
                    }
                    Tell::ArrivedLate(slot) => crate::tr!(
                        i18n,
                        lang,
                        "staff-arrived-late",
                        home = home,
                        names = names,
                        when = slot_label(i18n, lang, slot, self.config.timezone)
                    ),
                }
            },
        );
        self.tell(tx, recipients, news).await?;
        Ok(())
    }
}
