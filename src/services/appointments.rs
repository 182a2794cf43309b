//! Appointments (seed steps 4 and 6): slots with capacity, invitations with a button per open
//! slot, atomic bookings, reminders, nudges, check-in, no-shows and the day's view.

use super::notices::enqueue;
use super::tell::{Cause, Message, Told};
use super::{ServiceError, ServiceResult, Services};
use crate::domain::appointment::{
    self, AppointmentStatus, CalendarEntry, SlotKind, SlotSpec, SlotTime,
};
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Buyer, Lang, StaffMember, Tier};
use crate::i18n::{Arg, I18n};
use crate::present::Label;
use crate::present::{Dates as _, Times as _};
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::appointments::{Appointment, MessagePurpose, Slot, VisitCounts};
use crate::store::assignment::Household;
use crate::store::jobs::KeyMatch;
use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use chrono_tz::Tz;
use tracing::instrument;

/// Most slots offered in one invitation (one button each).
const MAX_OPTIONS: usize = 8;
/// A reminder this close to the visit is the day-of welcome, with the "I'm here" button.
const DAY_OF: i64 = 6;

/// Whom a supervisor's `/invite` reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteScope {
    All,
    Building(String),
    Tier(Tier),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InviteReport {
    /// Households newly invited.
    pub invited: usize,
    /// Households that already had an open appointment.
    pub already: usize,
    /// Newly invited households none of whose buyers use the bot yet (call them).
    pub not_on_telegram: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteOutcome {
    Sent(InviteReport),
    NoSlots,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookOutcome {
    Booked(Slot),
    /// The slot filled up first.
    Full,
    /// Not a slot this appointment can take (past, another project or kind, unknown).
    NotAvailable,
    NotYours,
    /// Too close to the booked visit (this one) to change it.
    TooLate(Slot),
    /// The appointment is over or cancelled.
    Closed,
    /// A slot that was not offered to this household (a key buyer pressing an early slot).
    NotOffered,
    /// The buyer pressed "I'm here" again: already checked in.
    AlreadyIn(Slot),
    /// "I'm here" after the visit: how it ended (completed, or missed on another day).
    Over(AppointmentStatus, Slot),
}

/// What a message with buttons for an appointment now says instead.
enum News<'a> {
    Booked(&'a Slot),
    Cancelled,
    CheckedIn,
}

/// One appointment of the day, for `/today`.
#[derive(Debug, Clone, PartialEq)]
pub struct DayEntry {
    pub appointment: Appointment,
    pub household: Household,
}

/// The site's day for a supervisor: per local hour (booked, arrived, no-shows).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteDay {
    pub hours: Vec<(u32, usize, usize, usize)>,
    pub visits: VisitCounts,
}

fn job_prefix(appointment: i64) -> String {
    format!("appt:{appointment}:")
}

fn nudge_key(appointment: i64) -> String {
    format!("appt-nudge:{appointment}")
}

/// "12-01 (Tue) 09:00–10:00" in the project's time zone.
pub fn slot_label(i18n: &I18n, lang: Lang, slot: &Slot, tz: Tz) -> String {
    let start = slot.starts_at.with_timezone(&tz);
    let end = slot.ends_at.with_timezone(&tz);
    let weekday = match start.weekday() {
        Weekday::Mon => crate::tr!(i18n, lang, "weekday-mon"),
        Weekday::Tue => crate::tr!(i18n, lang, "weekday-tue"),
        Weekday::Wed => crate::tr!(i18n, lang, "weekday-wed"),
        Weekday::Thu => crate::tr!(i18n, lang, "weekday-thu"),
        Weekday::Fri => crate::tr!(i18n, lang, "weekday-fri"),
        Weekday::Sat => crate::tr!(i18n, lang, "weekday-sat"),
        Weekday::Sun => crate::tr!(i18n, lang, "weekday-sun"),
    };
    format!(
        "{} ({weekday}) {}–{}",
        start.present_month_day(),
        start.present_time(),
        end.present_time()
    )
}

impl Services {
    fn meeting_point(&self, lang: Lang) -> String {
        self.config
            .meeting_point
            .clone()
            .unwrap_or_else(|| crate::tr!(self.i18n, lang, "meeting-point-default"))
    }

    /// `/slots add DATE START-END CAPACITY [KIND]`.
    #[instrument(skip_all)]
    pub async fn add_slot(&self, actor: &Actor, spec: &SlotSpec) -> ServiceResult<Option<i64>> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let project = tx.ensure_project(&self.config.project, now).await?;
        let id = tx
            .insert_slot(
                project,
                spec.kind,
                spec.starts_at,
                spec.ends_at,
                spec.capacity,
                now,
            )
            .await?;
        if let Some(id) = id {
            tx.audit(
                now,
                &actor.audit_name(),
                "slot.add",
                &format!("slot:{id}"),
                serde_json::json!({"capacity": spec.capacity}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// `/slots`: the project's upcoming slots of both kinds.
    #[instrument(skip_all)]
    pub async fn upcoming_slots(&self, actor: &Actor) -> ServiceResult<Vec<Slot>> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.read().await?;
        let mut slots = tx
            .upcoming_slots(&self.config.project, SlotKind::Inspection, now)
            .await?;
        slots.extend(
            tx.upcoming_slots(&self.config.project, SlotKind::Handover, now)
                .await?,
        );
        tx.commit().await?;
        slots.sort_by_key(|s| (s.starts_at, s.id));
        Ok(slots)
    }

    /// The open slots a household is offered: seats left, in the future, and for key buyers
    /// the later half of each day (unless switched off).
    async fn options_for(
        &self,
        tx: &mut Tx,
        kind: SlotKind,
        sensitive: bool,
    ) -> ServiceResult<Vec<Slot>> {
        let now = self.clock.now();
        let (today, _) = self.today_bounds();
        let all = tx.upcoming_slots(&self.config.project, kind, today).await?;
        let late = if sensitive && self.config.key_buyers_late {
            Some(Self::late_of(&all, self.config.timezone))
        } else {
            None
        };
        Ok(all
            .into_iter()
            .filter(|s| s.starts_at > now && s.seats_left() > 0)
            .filter(|s| late.as_ref().is_none_or(|late| late.contains(&s.id)))
            .take(MAX_OPTIONS)
            .collect())
    }

    /// The later half of each day among `slots` (whole days: today's past slots included, so
    /// the half does not shift as the day goes on).
    fn late_of(slots: &[Slot], tz: Tz) -> std::collections::BTreeSet<i64> {
        let times: Vec<SlotTime> = slots
            .iter()
            .map(|s| SlotTime {
                id: s.id,
                starts_at: s.starts_at,
            })
            .collect();
        appointment::late_slots(&times, tz)
    }

    /// Whether the household may take `slot`: key and flagged buyers only the later slots
    /// their invitation offers (unless that rule is switched off).
    async fn offered(&self, tx: &mut Tx, unit_id: i64, slot: &Slot) -> ServiceResult<bool> {
        if !self.config.key_buyers_late {
            return Ok(true);
        }
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(false);
        };
        if !household.sensitive() {
            return Ok(true);
        }
        let kind = slot.kind.parse().unwrap_or(SlotKind::Inspection);
        let (today, _) = self.today_bounds();
        let all = tx.upcoming_slots(&self.config.project, kind, today).await?;
        Ok(Self::late_of(&all, self.config.timezone).contains(&slot.id))
    }

    /// The invitation message with one button per open slot and "another time".
    fn invitation_content(
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
                vec![Button {
                    label: crate::tr!(
                        i18n,
                        lang,
                        "slot-button",
                        when = slot_label(i18n, lang, slot, tz),
                        seats = slot.seats_left()
                    ),
                    data: format!("1:bk:{}:{}", appointment.id, slot.id),
                }]
            })
            .collect();
        buttons.push(vec![Button {
            label: crate::tr!(i18n, lang, "button-other-time"),
            data: format!("1:lt:{}", appointment.id),
        }]);
        Content::Text { html, buttons }
    }

    /// Sends the household's linked buyers their invitation (or a nudge, or fresh options).
    /// Returns how many buyers it went to.
    async fn send_options(
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
            .options_for(tx, appointment.kind, household.sensitive())
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
            None => tx.households_of(me.id).await?,
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
            let Some(id) = tx
                .invite_household(household.unit.unit_id, kind, now)
                .await?
            else {
                report.already += 1;
                continue;
            };
            report.invited += 1;
            let Some(appointment) = tx.appointment(id).await? else {
                continue;
            };
            if self
                .send_options(&mut tx, &appointment, household, "invite", "invite")
                .await?
                == 0
            {
                report.not_on_telegram += 1;
            }
            let nudge = Job::Nudge { appointment_id: id }
                .at(now + self.config.nudge_after)
                .unique_key(nudge_key(id));
            tx.schedule_job(&nudge, now).await?;
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

    /// The household behind an appointment, if `actor` is one of its buyers.
    fn owns(actor: &Actor, appointment: &Appointment) -> bool {
        matches!(actor, Actor::Buyer(homes) if homes.iter().any(|h| h.unit.unit_id == appointment.unit_id))
    }

    /// The buyer's own appointment, still invited or booked (or, with `missed`, a no-show that
    /// may choose another time); otherwise why not.
    async fn buyers_open_appointment(
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
        if slot.project != self.config.project
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

    async fn cancel_appointment_jobs(
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
    async fn confirm_to_household(
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
        // The calendar file, written per chat in its language, after the confirmation.
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
                let full = self.config.media_dir.join(&path);
                if let Some(dir) = full.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| crate::store::StoreError::Corrupt(format!("media: {e}")))?;
                }
                std::fs::write(&full, file)
                    .map_err(|e| crate::store::StoreError::Corrupt(format!("media: {e}")))?;
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
    async fn tell_ambassador(
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
            recipients.extend(super::supervisors(tx).await?);
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

    /// The reminder job: only for the booking it was made for.
    #[instrument(skip_all)]
    pub async fn send_reminder(
        &self,
        appointment_id: i64,
        slot_id: i64,
        minutes: i64,
    ) -> ServiceResult<bool> {
        let mut tx = self.store.begin().await?;
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(false);
        };
        let Some(slot) = appointment.slot.clone().filter(|s| s.id == slot_id) else {
            return Ok(false);
        };
        if appointment.status != AppointmentStatus::Confirmed {
            return Ok(false);
        }
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(false);
        };
        let ambassador = match household.staff_id {
            Some(id) => tx.staff_by_id(id).await?,
            None => None,
        };
        let day_of = minutes <= DAY_OF * 60;
        let buyers = tx.buyers_of_unit(appointment.unit_id).await?;
        let i18n = &self.i18n;
        let reminder = Message::new(
            Cause::per_chat(format!("reminder:{appointment_id}:{slot_id}:{minutes}")),
            |lang, buyer: &Buyer| {
                let kind = appointment.kind.label(i18n, lang);
                let when = slot_label(i18n, lang, &slot, self.config.timezone);
                let place = self.meeting_point(lang);
                let home = household.unit.short();
                if day_of {
                    Content::Text {
                        html: self.day_of_html(
                            lang,
                            &buyer.name,
                            &appointment,
                            &slot,
                            &home,
                            ambassador.as_ref(),
                        ),
                        buttons: vec![vec![Button {
                            label: crate::tr!(i18n, lang, "button-im-here"),
                            data: format!("1:ci:{}", appointment.id),
                        }]],
                    }
                } else {
                    Content::text(crate::tr!(
                        i18n,
                        lang,
                        "reminder-before",
                        buyer = buyer.name.as_str(),
                        kind = kind.as_str(),
                        home = home.as_str(),
                        when = when,
                        place = place.as_str()
                    ))
                }
            },
        );
        let told = self.tell(&mut tx, buyers, reminder).await?;
        if day_of {
            for Told { chat, key, .. } in &told {
                tx.note_appointment_message(appointment_id, *chat, key, MessagePurpose::Welcome)
                    .await?;
            }
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// The day-of welcome's text.
    fn day_of_html(
        &self,
        lang: Lang,
        buyer: &str,
        appointment: &Appointment,
        slot: &Slot,
        home: &str,
        ambassador: Option<&StaffMember>,
    ) -> String {
        let i18n = &self.i18n;
        let with = ambassador
            .map(|a| a.name.clone())
            .unwrap_or_else(|| crate::tr!(i18n, lang, "your-ambassador"));
        crate::tr!(
            i18n,
            lang,
            "reminder-day-of",
            buyer = buyer,
            kind = appointment.kind.label(i18n, lang),
            home = home,
            when = slot_label(i18n, lang, slot, self.config.timezone),
            place = self.meeting_point(lang),
            ambassador = with
        )
    }

    /// Edits the appointment's messages of `purpose` that still show buttons to say what
    /// happened instead (each message once).
    async fn retire_messages(
        &self,
        tx: &mut Tx,
        appointment: &Appointment,
        purpose: MessagePurpose,
        news: News<'_>,
    ) -> ServiceResult<()> {
        let now = self.clock.now();
        let retired = tx
            .retire_appointment_messages(appointment.id, purpose, now)
            .await?;
        if retired.is_empty() {
            return Ok(());
        }
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(());
        };
        let buyers = tx.buyers_of_unit(appointment.unit_id).await?;
        let ambassador = match household.staff_id {
            Some(id) => tx.staff_by_id(id).await?,
            None => None,
        };
        let home = household.unit.short();
        let tz = self.config.timezone;
        for (chat, key) in retired {
            let buyer = buyers.iter().find(|b| b.telegram_id == Some(chat));
            let lang = self
                .recipient_lang(tx, chat, buyer.and_then(|b| b.language))
                .await?;
            let i18n = &self.i18n;
            let kind = appointment.kind.label(i18n, lang);
            let html = match (purpose, &news) {
                (MessagePurpose::Welcome, News::CheckedIn) => match &appointment.slot {
                    Some(slot) => format!(
                        "{}\n\n{}",
                        self.day_of_html(
                            lang,
                            buyer.map(|b| b.name.as_str()).unwrap_or_default(),
                            appointment,
                            slot,
                            &home,
                            ambassador.as_ref(),
                        ),
                        crate::tr!(i18n, lang, "welcome-checked-in")
                    ),
                    None => crate::tr!(i18n, lang, "welcome-checked-in"),
                },
                (_, News::Booked(slot)) => crate::tr!(
                    i18n,
                    lang,
                    "options-now-booked",
                    home = home.as_str(),
                    kind = kind,
                    when = slot_label(i18n, lang, slot, tz)
                ),
                (_, News::Cancelled) => crate::tr!(
                    i18n,
                    lang,
                    "options-now-cancelled",
                    home = home.as_str(),
                    kind = kind
                ),
                (MessagePurpose::Options, News::CheckedIn) => crate::tr!(
                    i18n,
                    lang,
                    "options-now-checked-in",
                    home = home.as_str(),
                    kind = kind
                ),
            };
            let edit = Content::Edit {
                of: key.clone(),
                html,
                buttons: Vec::new(),
            };
            enqueue(tx, chat, &format!("edit:{key}"), edit, now).await?;
        }
        Ok(())
    }

    /// The household's other linked buyers hear that `actor` cancelled its booking.
    async fn tell_co_owners_cancelled(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        appointment: &Appointment,
    ) -> ServiceResult<()> {
        let Actor::Buyer(homes) = actor else {
            return Ok(());
        };
        let me = homes.first().and_then(|b| b.telegram_id);
        let who = actor.display_name().unwrap_or_default().to_string();
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(());
        };
        let home = household.unit.short();
        let others = tx
            .buyers_of_unit(appointment.unit_id)
            .await?
            .into_iter()
            .filter(|buyer| buyer.telegram_id != me);
        let i18n = &self.i18n;
        let news = Message::text(
            Cause::per_chat(format!("cancelled:{}", appointment.id)),
            |lang, _| {
                crate::tr!(
                    i18n,
                    lang,
                    "book-cancelled-household",
                    who = who.as_str(),
                    home = home.as_str(),
                    kind = appointment.kind.label(i18n, lang)
                )
            },
        );
        self.tell(tx, others, news).await?;
        Ok(())
    }

    /// The nudge job: a buyer who has not chosen a time hears once more; the ambassador too.
    #[instrument(skip_all)]
    pub async fn nudge(&self, appointment_id: i64) -> ServiceResult<bool> {
        let mut tx = self.store.begin().await?;
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(false);
        };
        if appointment.status != AppointmentStatus::Invited {
            return Ok(false);
        }
        let Some(household) = tx.household(appointment.unit_id).await? else {
            return Ok(false);
        };
        // Once per invitation, however often the job runs (a worker that died after this
        // commit leaves its lease to run out, and the job runs again).
        let cause = format!("nudge-{}", appointment.invited_at.timestamp_millis());
        self.send_options(&mut tx, &appointment, &household, "nudge", &cause)
            .await?;
        self.tell_ambassador(
            &mut tx,
            &appointment,
            Tell::Nudged,
            &format!("nudged:{}:{cause}", appointment.id),
            None,
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// The no-show job: still not checked in after the grace period.
    #[instrument(skip_all)]
    pub async fn mark_no_show(&self, appointment_id: i64, slot_id: i64) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(appointment) = tx.appointment(appointment_id).await? else {
            return Ok(false);
        };
        let Some(slot) = appointment.slot.clone().filter(|s| s.id == slot_id) else {
            return Ok(false);
        };
        if appointment.status != AppointmentStatus::Confirmed {
            return Ok(false);
        }
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
                me.roles.can_supervise()
                    || tx
                        .household(appointment.unit_id)
                        .await?
                        .is_some_and(|h| h.staff_id == Some(me.id))
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

    async fn complete(
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

    /// Local midnight after `at`: the end of its day in the project's time zone.
    fn day_end(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        use chrono::TimeZone;
        let tz = self.config.timezone;
        let day = at.with_timezone(&tz).date_naive();
        day.succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .and_then(|t| tz.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(at + Duration::days(1))
    }

    /// An ambassador's `/today`: their appointments of the local day, in time order.
    #[instrument(skip_all)]
    pub async fn today_for_ambassador(&self, actor: &Actor) -> ServiceResult<Vec<DayEntry>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let (from, to) = self.today_bounds();
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for appointment in tx.appointments_between(from, to, Some(me.id)).await? {
            if let Some(household) = tx.household(appointment.unit_id).await? {
                out.push(DayEntry {
                    appointment,
                    household,
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A supervisor's `/today`: the site by hour, and the visit rate so far.
    #[instrument(skip_all)]
    pub async fn today_for_site(&self, actor: &Actor) -> ServiceResult<SiteDay> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let (from, to) = self.today_bounds();
        let tz = self.config.timezone;
        let mut tx = self.store.read().await?;
        let appointments = tx.appointments_between(from, to, None).await?;
        let visits = tx.visit_counts().await?;
        tx.commit().await?;
        let mut hours: std::collections::BTreeMap<u32, (usize, usize, usize)> = Default::default();
        for a in &appointments {
            let Some(slot) = &a.slot else { continue };
            let hour = chrono::Timelike::hour(&slot.starts_at.with_timezone(&tz));
            let entry = hours.entry(hour).or_default();
            entry.0 += 1;
            match a.status {
                AppointmentStatus::CheckedIn | AppointmentStatus::Completed => entry.1 += 1,
                AppointmentStatus::NoShow => entry.2 += 1,
                _ => {}
            }
        }
        Ok(SiteDay {
            hours: hours
                .into_iter()
                .map(|(h, (b, a, n))| (h, b, a, n))
                .collect(),
            visits,
        })
    }

    fn today_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        use chrono::TimeZone;
        let tz = self.config.timezone;
        let day = self.clock.now().with_timezone(&tz).date_naive();
        let start = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| tz.from_local_datetime(&t).earliest())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| self.clock.now())
        };
        let next = day.succ_opt().unwrap_or(day);
        (start(day), start(next).max(start(day) + Duration::hours(1)))
    }
}

/// What the ambassador is told about a household's appointment.
enum Tell {
    CallMe,
    Cancelled,
    Nudged,
    NoShow(Slot),
    Arrived,
    ArrivedLate(Slot),
}
