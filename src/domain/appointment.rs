//! Appointments (seed steps 4 and 6): slot kinds, appointment states, which slots a key buyer is
//! offered, reminder times, the change cutoff, `/slots add` parsing, and the calendar file.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// What the visit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SlotKind {
    /// 验房: the pre-handover inspection walk-through.
    Inspection,
    /// 交付: keys, meters and documents.
    Handover,
}

impl SlotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SlotKind::Inspection => "inspection",
            SlotKind::Handover => "handover",
        }
    }
}

impl FromStr for SlotKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_lowercase().as_str() {
            "inspection" | "验房" | "i" => Ok(SlotKind::Inspection),
            "handover" | "交付" | "收房" | "h" => Ok(SlotKind::Handover),
            _ => Err(()),
        }
    }
}

/// `invited → confirmed → checked_in → completed`, with `rescheduled`, `declined`, `no_show`
/// and `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentStatus {
    Invited,
    Confirmed,
    CheckedIn,
    Completed,
    Rescheduled,
    Declined,
    NoShow,
    Cancelled,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Invited => "invited",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Rescheduled => "rescheduled",
            AppointmentStatus::Declined => "declined",
            AppointmentStatus::NoShow => "no_show",
            AppointmentStatus::Cancelled => "cancelled",
        }
    }

    /// Still running: the household has this appointment to come or in progress.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Invited
                | AppointmentStatus::Confirmed
                | AppointmentStatus::CheckedIn
        )
    }
}

impl fmt::Display for AppointmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AppointmentStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "invited" => AppointmentStatus::Invited,
            "confirmed" => AppointmentStatus::Confirmed,
            "checked_in" => AppointmentStatus::CheckedIn,
            "completed" => AppointmentStatus::Completed,
            "rescheduled" => AppointmentStatus::Rescheduled,
            "declined" => AppointmentStatus::Declined,
            "no_show" => AppointmentStatus::NoShow,
            "cancelled" => AppointmentStatus::Cancelled,
            _ => return Err(()),
        })
    }
}

/// A slot as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTime {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
}

/// The later half of each local day's slots (at least one per day): where key and risky
/// buyers go by default (seed step 3), so that the day's flow is settled when they arrive.
pub fn late_slots(slots: &[SlotTime], tz: Tz) -> BTreeSet<i64> {
    let mut by_day: BTreeMap<NaiveDate, Vec<&SlotTime>> = BTreeMap::new();
    for slot in slots {
        by_day
            .entry(slot.starts_at.with_timezone(&tz).date_naive())
            .or_default()
            .push(slot);
    }
    let mut late = BTreeSet::new();
    for day in by_day.values_mut() {
        day.sort_by_key(|s| (s.starts_at, s.id));
        let keep = day.len().div_ceil(2);
        for slot in &day[day.len() - keep..] {
            late.insert(slot.id);
        }
    }
    late
}

/// When to remind before a visit at `start`: each offset that is still in the future, as
/// (offset, time).
pub fn reminder_times(
    start: DateTime<Utc>,
    offsets: &[Duration],
    now: DateTime<Utc>,
) -> Vec<(Duration, DateTime<Utc>)> {
    offsets
        .iter()
        .map(|offset| (*offset, start - *offset))
        .filter(|(_, at)| *at > now)
        .collect()
}

/// Buyers may move or cancel a booking until `cutoff` before it starts.
pub fn can_change(start: DateTime<Utc>, cutoff: Duration, now: DateTime<Utc>) -> bool {
    now < start - cutoff
}

/// A slot a supervisor typed: `2026-12-01 09:00-10:00 10 [inspection|handover]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSpec {
    pub kind: SlotKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotSpecError {
    #[error("the format is: DATE START-END CAPACITY [KIND]")]
    Format,
    #[error("the date is not a calendar date")]
    Date,
    #[error("the times are not HH:MM-HH:MM with the end after the start")]
    Times,
    #[error("the capacity is not a whole number from 1 to 1000")]
    Capacity,
    #[error("the kind is not inspection or handover")]
    Kind,
}

pub fn parse_slot_spec(text: &str, tz: Tz) -> Result<SlotSpec, SlotSpecError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (date, times, capacity, kind) = match words.as_slice() {
        [date, times, capacity] => (*date, *times, *capacity, None),
        [date, times, capacity, kind] => (*date, *times, *capacity, Some(*kind)),
        _ => return Err(SlotSpecError::Format),
    };
    let date = NaiveDate::parse_from_str(&date.replace('/', "-"), "%Y-%m-%d")
        .map_err(|_| SlotSpecError::Date)?;
    let (start, end) = times.split_once(['-', '–']).ok_or(SlotSpecError::Times)?;
    let time =
        |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| SlotSpecError::Times);
    let (start, end) = (time(start)?, time(end)?);
    if end <= start {
        return Err(SlotSpecError::Times);
    }
    let local = |t: NaiveTime| {
        tz.from_local_datetime(&date.and_time(t))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .ok_or(SlotSpecError::Times)
    };
    let capacity: u32 = capacity.parse().map_err(|_| SlotSpecError::Capacity)?;
    if !(1..=1000).contains(&capacity) {
        return Err(SlotSpecError::Capacity);
    }
    let kind = match kind {
        None => SlotKind::Inspection,
        Some(k) => k.parse().map_err(|_| SlotSpecError::Kind)?,
    };
    Ok(SlotSpec {
        kind,
        starts_at: local(start)?,
        ends_at: local(end)?,
        capacity,
    })
}

/// What goes into a booking's calendar file.
#[derive(Debug, Clone)]
pub struct CalendarEntry<'a> {
    pub uid: String,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub stamp: DateTime<Utc>,
}

/// An iCalendar (.ics) file with the visit at its local time in the project's time zone.
pub fn calendar_file(entry: &CalendarEntry<'_>, tz: Tz) -> String {
    use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
    let local = |at: DateTime<Utc>| CalendarDateTime::WithTimezone {
        date_time: at.with_timezone(&tz).naive_local(),
        tzid: tz.name().to_string(),
    };
    let event = Event::new()
        .uid(&entry.uid)
        .summary(entry.summary)
        .description(entry.description)
        .location(entry.location)
        .starts(local(entry.starts_at))
        .ends(local(entry.ends_at))
        .timestamp(entry.stamp)
        .done();
    Calendar::new()
        .name(entry.summary)
        .timezone(tz.name())
        .push(event)
        .done()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn shanghai() -> Tz {
        "Asia/Shanghai".parse().unwrap()
    }

    #[test]
    fn key_buyers_get_the_later_half_of_each_day() {
        let tz = shanghai();
        let at = |d, h| {
            tz.with_ymd_and_hms(2026, 12, d, h, 0, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        let slots = vec![
            SlotTime {
                id: 1,
                starts_at: at(1, 9),
            },
            SlotTime {
                id: 2,
                starts_at: at(1, 10),
            },
            SlotTime {
                id: 3,
                starts_at: at(1, 14),
            },
            SlotTime {
                id: 4,
                starts_at: at(1, 16),
            },
            SlotTime {
                id: 5,
                starts_at: at(1, 17),
            },
            SlotTime {
                id: 6,
                starts_at: at(2, 9),
            },
        ];
        assert_eq!(late_slots(&slots, tz), BTreeSet::from([3, 4, 5, 6]));
    }

    #[test]
    fn reminders_only_in_the_future_and_changes_until_the_cutoff() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        let offsets = [Duration::hours(24), Duration::hours(2)];
        let now = start - Duration::hours(5);
        assert_eq!(
            reminder_times(start, &offsets, now),
            vec![(Duration::hours(2), start - Duration::hours(2))]
        );
        assert!(can_change(start, Duration::hours(4), now));
        assert!(!can_change(start, Duration::hours(5), now));
    }

    #[test]
    fn slot_specs_are_read_in_local_time() {
        let spec = parse_slot_spec("2026-12-01 09:00-10:30 10 交付", shanghai()).unwrap();
        assert_eq!(spec.kind, SlotKind::Handover);
        assert_eq!(
            spec.starts_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap()
        );
        assert_eq!(
            spec.ends_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 2, 30, 0).unwrap()
        );
        assert_eq!(spec.capacity, 10);
        assert_eq!(
            parse_slot_spec("2026-12-01 10:00-09:00 10", shanghai()),
            Err(SlotSpecError::Times)
        );
        assert_eq!(
            parse_slot_spec("2026-13-01 09:00-10:00 10", shanghai()),
            Err(SlotSpecError::Date)
        );
        assert_eq!(
            parse_slot_spec("2026-12-01 09:00-10:00 0", shanghai()),
            Err(SlotSpecError::Capacity)
        );
        assert_eq!(
            parse_slot_spec("tomorrow", shanghai()),
            Err(SlotSpecError::Format)
        );
    }

    #[test]
    fn the_calendar_file_parses_with_the_local_time_and_zone() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let text = calendar_file(
            &CalendarEntry {
                uid: "appointment-7@handover-bot".into(),
                summary: "验房 1-1-101",
                description: "李雷, 交付大使",
                location: "Site office",
                starts_at: start,
                ends_at: start + Duration::hours(1),
                stamp: start,
            },
            shanghai(),
        );
        assert!(
            text.contains("DTSTART;TZID=Asia/Shanghai:20261201T090000"),
            "{text}"
        );
        let parsed: icalendar::Calendar = text.parse().expect("the file parses");
        assert_eq!(parsed.components.len(), 1);
    }
}
