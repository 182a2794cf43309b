//! Appointments (seed steps 4 and 6): slots with capacity, invitations with a button per open
//! slot, atomic bookings, reminders, nudges, check-in, no-shows and the day's view.
//!
//! One file per concern, because each is read on its own — by whoever changes how slots are
//! offered, how a booking is confirmed, or what happens at the site: `slots`, `invitations`,
//! `booking`, `reminders`, `visits` and `today`. The types the bot and the scheduler see are here.

use crate::domain::appointment::AppointmentStatus;
use crate::domain::people::{Lang, Tier};
use crate::i18n::I18n;
use crate::present::Dates as _;
use crate::store::appointments::{Appointment, Slot, VisitCounts};
use crate::store::assignment::Household;
use chrono::{Datelike, Weekday};
use chrono_tz::Tz;

mod booking;
mod invitations;
mod reminders;
mod slots;
mod today;
mod visits;

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
    /// The register's live risks that reach the household, to read before the visit.
    pub risks: Vec<crate::store::risks::Risk>,
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
        "{} ({weekday}) {}",
        start.present_month_day(),
        crate::present::time_range(i18n, lang, &start, &end)
    )
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

/// A job's booking, if it is still the one the job was made for: the appointment confirmed,
/// in slot `slot_id`. A booking moved or cancelled since leaves its old jobs nothing to do.
async fn confirmed_booking(
    tx: &mut crate::store::Tx,
    appointment_id: i64,
    slot_id: i64,
) -> crate::store::StoreResult<Option<(Appointment, Slot)>> {
    let Some(appointment) = tx.appointment(appointment_id).await? else {
        return Ok(None);
    };
    let Some(slot) = appointment.slot.clone().filter(|s| s.id == slot_id) else {
        return Ok(None);
    };
    if appointment.status != AppointmentStatus::Confirmed {
        return Ok(None);
    }
    Ok(Some((appointment, slot)))
}
