//! Early contact of key buyers (未雨绸缪) and the campaign's key dates (关键节点).
//!
//! Key households (A+ or carrying any risk flag) are called before the campaign opens, so that a
//! group complaint is heard while it is still one person's worry. Pure rules only: who is key,
//! when the call is due, what an outcome sets off, and which key date comes next.

use crate::domain::people::{RiskFlag, Tier};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// A household gets a pre-contact task when it is A+ or flagged.
pub fn is_key(tier: Tier, flags: &[RiskFlag]) -> bool {
    tier == Tier::APlus || !flags.is_empty()
}

/// The call is due `days` before the household's first possible slot.
pub fn due_at(first_possible_slot: NaiveDateTime, days: u32) -> NaiveDateTime {
    first_possible_slot - Duration::days(i64::from(days))
}

/// The buyer's attitude on the call, as the ambassador judged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attitude {
    Calm,
    Concerned,
    Dissatisfied,
    Hostile,
}

impl Attitude {
    pub const ALL: [Attitude; 4] = [
        Attitude::Calm,
        Attitude::Concerned,
        Attitude::Dissatisfied,
        Attitude::Hostile,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Attitude::Calm => "calm",
            Attitude::Concerned => "concerned",
            Attitude::Dissatisfied => "dissatisfied",
            Attitude::Hostile => "hostile",
        }
    }

    pub fn parse(s: &str) -> Option<Attitude> {
        Attitude::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Dissatisfied or hostile: the household is flagged and the supervisors are told at once.
    pub fn escalates(self) -> bool {
        matches!(self, Attitude::Dissatisfied | Attitude::Hostile)
    }
}

/// Where one key household's call stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    Reached,
    Due,
    Overdue,
}

/// `reached` is whether any logged call reached the buyer.
pub fn coverage(reached: bool, due: NaiveDateTime, now: NaiveDateTime) -> Coverage {
    if reached {
        Coverage::Reached
    } else if now > due {
        Coverage::Overdue
    } else {
        Coverage::Due
    }
}

/// The campaign's dates per project, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyDate {
    RiskReviewDone,
    Rehearsal,
    OpenDay,
    FirstInspection,
    HandoverStart,
    HandoverEnd,
}

impl KeyDate {
    pub const ALL: [KeyDate; 6] = [
        KeyDate::RiskReviewDone,
        KeyDate::Rehearsal,
        KeyDate::OpenDay,
        KeyDate::FirstInspection,
        KeyDate::HandoverStart,
        KeyDate::HandoverEnd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyDate::RiskReviewDone => "risk_review_done",
            KeyDate::Rehearsal => "rehearsal",
            KeyDate::OpenDay => "open_day",
            KeyDate::FirstInspection => "first_inspection",
            KeyDate::HandoverStart => "handover_start",
            KeyDate::HandoverEnd => "handover_end",
        }
    }

    pub fn parse(s: &str) -> Option<KeyDate> {
        KeyDate::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The next key date on or after `today` and the days left to it (0 on the day itself).
pub fn next_key_date(
    dates: &[(KeyDate, NaiveDate)],
    today: NaiveDate,
) -> Option<(KeyDate, NaiveDate, i64)> {
    dates
        .iter()
        .filter(|(_, d)| *d >= today)
        .min_by_key(|(k, d)| (*d, *k))
        .map(|&(k, d)| (k, d, (d - today).num_days()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("valid date")
    }

    #[test]
    fn key_households_are_a_plus_or_flagged() {
        assert!(is_key(Tier::APlus, &[]));
        assert!(is_key(Tier::C, &[RiskFlag::Media]));
        assert!(!is_key(Tier::A, &[]));
    }

    #[test]
    fn coverage_moves_from_due_to_overdue_unless_reached() {
        let slot = day(10).and_hms_opt(9, 0, 0).expect("time");
        let due = due_at(slot, 5);
        assert_eq!(due, day(5).and_hms_opt(9, 0, 0).expect("time"));
        assert_eq!(coverage(false, due, due), Coverage::Due);
        assert_eq!(
            coverage(false, due, due + Duration::minutes(1)),
            Coverage::Overdue
        );
        assert_eq!(
            coverage(true, due, due + Duration::days(3)),
            Coverage::Reached
        );
    }

    #[test]
    fn only_dissatisfied_and_hostile_escalate() {
        let escalating: Vec<_> = Attitude::ALL
            .into_iter()
            .filter(|a| a.escalates())
            .collect();
        assert_eq!(escalating, [Attitude::Dissatisfied, Attitude::Hostile]);
        for a in Attitude::ALL {
            assert_eq!(Attitude::parse(a.as_str()), Some(a));
        }
    }

    #[test]
    fn the_countdown_names_the_next_date() {
        let dates = [
            (KeyDate::Rehearsal, day(8)),
            (KeyDate::RiskReviewDone, day(3)),
            (KeyDate::FirstInspection, day(12)),
        ];
        assert_eq!(
            next_key_date(&dates, day(4)),
            Some((KeyDate::Rehearsal, day(8), 4))
        );
        assert_eq!(
            next_key_date(&dates, day(8)),
            Some((KeyDate::Rehearsal, day(8), 0))
        );
        assert_eq!(next_key_date(&dates, day(13)), None);
        for k in KeyDate::ALL {
            assert_eq!(KeyDate::parse(k.as_str()), Some(k));
        }
    }
}
