//! Remediation (seed step 8, 快速消项): the defect state machine — which
//! transition is legal, and for whom — plus fix deadlines and ageing bands. No I/O.

use super::defect::Severity;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where a defect is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectStatus {
    /// Being recorded in a walk-through that has not finished.
    Recorded,
    /// A buyer's report waiting for review.
    Reported,
    Open,
    Assigned,
    InProgress,
    /// Paused with a reason (waiting for material, access…); the deadline clock stops.
    OnHold,
    Fixed,
    Verified,
    Closed,
    /// The buyer (or their ambassador) says the fix did not work.
    Reopened,
    /// Not a defect, with a reason.
    Rejected,
}

impl DefectStatus {
    pub const ALL: [DefectStatus; 11] = [
        DefectStatus::Recorded,
        DefectStatus::Reported,
        DefectStatus::Open,
        DefectStatus::Assigned,
        DefectStatus::InProgress,
        DefectStatus::OnHold,
        DefectStatus::Fixed,
        DefectStatus::Verified,
        DefectStatus::Closed,
        DefectStatus::Reopened,
        DefectStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DefectStatus::Recorded => "recorded",
            DefectStatus::Reported => "reported",
            DefectStatus::Open => "open",
            DefectStatus::Assigned => "assigned",
            DefectStatus::InProgress => "in_progress",
            DefectStatus::OnHold => "on_hold",
            DefectStatus::Fixed => "fixed",
            DefectStatus::Verified => "verified",
            DefectStatus::Closed => "closed",
            DefectStatus::Reopened => "reopened",
            DefectStatus::Rejected => "rejected",
        }
    }

    /// Engineering still owes work: the deadline counts (not while on hold or awaiting the
    /// buyer's check).
    pub fn awaits_engineering(self) -> bool {
        matches!(
            self,
            DefectStatus::Open
                | DefectStatus::Assigned
                | DefectStatus::InProgress
                | DefectStatus::Reopened
        )
    }

    /// Still unresolved, for ageing and open counts.
    pub fn is_unresolved(self) -> bool {
        self.awaits_engineering() || matches!(self, DefectStatus::OnHold | DefectStatus::Fixed)
    }
}

impl FromStr for DefectStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        DefectStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(())
    }
}

/// What someone does to a defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Give it to an engineer (or another one).
    Assign,
    Start,
    Hold,
    Resume,
    Fix,
    /// The fix is good.
    Verify,
    /// The fix is not good.
    Reopen,
    Close,
    /// Not a defect.
    Reject,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Assign,
        Action::Start,
        Action::Hold,
        Action::Resume,
        Action::Fix,
        Action::Verify,
        Action::Reopen,
        Action::Close,
        Action::Reject,
    ];

    pub fn code(self) -> char {
        match self {
            Action::Assign => 'a',
            Action::Start => 's',
            Action::Hold => 'h',
            Action::Resume => 'u',
            Action::Fix => 'f',
            Action::Verify => 'v',
            Action::Reopen => 'r',
            Action::Close => 'c',
            Action::Reject => 'x',
        }
    }

    pub fn from_code(code: char) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The person must say why (shown to the buyer).
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Hold | Action::Reopen | Action::Reject)
    }
}

/// How the actor stands to this defect. One person can stand in several ways (an engineer who
/// supervises); a transition is legal when any of them allows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// The engineer it is assigned to.
    pub assigned_engineer: bool,
    /// An engineer who leads the defect's building (routes its work).
    pub building_lead: bool,
    /// The household's ambassador.
    pub ambassador: bool,
    pub supervisor: bool,
    /// A buyer of the home.
    pub buyer: bool,
    /// The application itself (routing, a deadline passing).
    pub system: bool,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this step does not follow from the defect's status")]
    NotFromHere,
    #[error("this person may not take this step")]
    NotYours,
}

/// The status `action` leads to from `from`, if `who` may take it there. The only legal
/// transitions:
///
/// | from | action | to | by |
/// |---|---|---|---|
/// | open, assigned | assign | assigned | building lead, supervisor, system |
/// | assigned, reopened | start | in_progress | assigned engineer |
/// | assigned, in_progress, reopened | hold (reason) | on_hold | assigned engineer, supervisor |
/// | on_hold | resume | in_progress | assigned engineer, supervisor |
/// | in_progress, reopened | fix (photos) | fixed | assigned engineer |
/// | fixed | verify | verified | buyer, ambassador, supervisor, system |
/// | fixed | reopen (reason) | reopened | buyer, ambassador, supervisor |
/// | verified | close | closed | ambassador, supervisor |
/// | open, assigned, in_progress, reopened | reject (reason) | rejected | assigned engineer, building lead, supervisor |
pub fn transition(
    from: DefectStatus,
    action: Action,
    who: Standing,
) -> Result<DefectStatus, Refusal> {
    use DefectStatus as S;
    let engineer = who.assigned_engineer;
    let (to, allowed) = match (action, from) {
        (Action::Assign, S::Open | S::Assigned) => (
            S::Assigned,
            who.building_lead || who.supervisor || who.system,
        ),
        (Action::Start, S::Assigned | S::Reopened) => (S::InProgress, engineer),
        (Action::Hold, S::Assigned | S::InProgress | S::Reopened) => {
            (S::OnHold, engineer || who.supervisor)
        }
        (Action::Resume, S::OnHold) => (S::InProgress, engineer || who.supervisor),
        (Action::Fix, S::InProgress | S::Reopened) => (S::Fixed, engineer),
        (Action::Verify, S::Fixed) => (
            S::Verified,
            who.buyer || who.ambassador || who.supervisor || who.system,
        ),
        (Action::Reopen, S::Fixed) => (S::Reopened, who.buyer || who.ambassador || who.supervisor),
        (Action::Close, S::Verified) => (S::Closed, who.ambassador || who.supervisor),
        (Action::Reject, S::Open | S::Assigned | S::InProgress | S::Reopened) => {
            (S::Rejected, engineer || who.building_lead || who.supervisor)
        }
        _ => return Err(Refusal::NotFromHere),
    };
    if allowed {
        Ok(to)
    } else {
        Err(Refusal::NotYours)
    }
}

/// The actions `who` may take from `from`, in button order.
pub fn available(from: DefectStatus, who: Standing) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| transition(from, *a, who).is_ok())
        .collect()
}

/// A defect sent back this many times goes to the supervisors.
pub const REOPENS_BEFORE_ESCALATION: i64 = 2;

/// Fix deadlines per severity, in days (configurable; defaults 1 / 3 / 7 / 28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixDeadlines {
    pub urgent: u32,
    pub high: u32,
    pub normal: u32,
    pub low: u32,
}

impl Default for FixDeadlines {
    fn default() -> Self {
        FixDeadlines {
            urgent: 1,
            high: 3,
            normal: 7,
            low: 28,
        }
    }
}

impl FixDeadlines {
    pub fn days(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Urgent => self.urgent,
            Severity::High => self.high,
            Severity::Normal => self.normal,
            Severity::Low => self.low,
        }
    }

    pub fn due(&self, severity: Severity, from: DateTime<Utc>) -> DateTime<Utc> {
        from + Duration::days(i64::from(self.days(severity)))
    }

    /// Parses `urgent=1,high=3,normal=7,low=28`; severities left out keep their default.
    pub fn parse(text: &str) -> Result<FixDeadlines, String> {
        let mut deadlines = FixDeadlines::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, days) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not severity=days"))?;
            let severity: Severity = name
                .trim()
                .parse()
                .map_err(|_| format!("{name:?} is not urgent, high, normal or low"))?;
            let days: u32 = days
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| format!("{days:?} is not a number of days from 1 to 365"))?;
            match severity {
                Severity::Urgent => deadlines.urgent = days,
                Severity::High => deadlines.high = days,
                Severity::Normal => deadlines.normal = days,
                Severity::Low => deadlines.low = days,
            }
        }
        Ok(deadlines)
    }
}

/// The due date after a hold: the time spent on hold does not count.
pub fn due_after_hold(
    due: DateTime<Utc>,
    held_at: DateTime<Utc>,
    resumed: DateTime<Utc>,
) -> DateTime<Utc> {
    due + (resumed - held_at).max(Duration::zero())
}

/// Ageing bands of unresolved defects by days since they were recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeBand {
    UpTo7,
    UpTo14,
    UpTo30,
    Over30,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [
        AgeBand::UpTo7,
        AgeBand::UpTo14,
        AgeBand::UpTo30,
        AgeBand::Over30,
    ];

    /// Age in whole days: 0–7, 8–14, 15–30, more than 30.
    pub fn of_days(days: i64) -> AgeBand {
        match days {
            ..=7 => AgeBand::UpTo7,
            8..=14 => AgeBand::UpTo14,
            15..=30 => AgeBand::UpTo30,
            _ => AgeBand::Over30,
        }
    }

    pub fn of(recorded: DateTime<Utc>, now: DateTime<Utc>) -> AgeBand {
        AgeBand::of_days((now - recorded).num_days())
    }
}

/// How many defects fall in each band, in band order.
pub fn ageing(recorded: &[DateTime<Utc>], now: DateTime<Utc>) -> [usize; 4] {
    let mut counts = [0; 4];
    for at in recorded {
        let band = AgeBand::of(*at, now);
        let index = AgeBand::ALL.iter().position(|b| *b == band).unwrap_or(3);
        counts[index] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn engineer() -> Standing {
        Standing {
            assigned_engineer: true,
            ..Standing::default()
        }
    }
    fn buyer() -> Standing {
        Standing {
            buyer: true,
            ..Standing::default()
        }
    }
    fn ambassador() -> Standing {
        Standing {
            ambassador: true,
            ..Standing::default()
        }
    }
    fn system() -> Standing {
        Standing {
            system: true,
            ..Standing::default()
        }
    }

    #[test]
    fn the_whole_life_of_a_defect_is_legal_for_the_right_people() {
        use DefectStatus as S;
        let steps = [
            (S::Open, Action::Assign, system(), S::Assigned),
            (S::Assigned, Action::Start, engineer(), S::InProgress),
            (S::InProgress, Action::Fix, engineer(), S::Fixed),
            (S::Fixed, Action::Reopen, buyer(), S::Reopened),
            (S::Reopened, Action::Fix, engineer(), S::Fixed),
            (S::Fixed, Action::Verify, buyer(), S::Verified),
            (S::Verified, Action::Close, ambassador(), S::Closed),
        ];
        for (from, action, who, to) in steps {
            assert_eq!(transition(from, action, who), Ok(to), "{from:?} {action:?}");
        }
    }

    #[test]
    fn buyers_cannot_close_engineers_cannot_verify_and_nobody_skips() {
        use DefectStatus as S;
        assert_eq!(
            transition(S::Verified, Action::Close, buyer()),
            Err(Refusal::NotYours)
        );
        assert_eq!(
            transition(S::Fixed, Action::Verify, engineer()),
            Err(Refusal::NotYours)
        );
        assert_eq!(
            transition(S::Assigned, Action::Fix, engineer()),
            Err(Refusal::NotFromHere)
        );
        assert_eq!(
            transition(
                S::Open,
                Action::Close,
                Standing {
                    supervisor: true,
                    ..Standing::default()
                }
            ),
            Err(Refusal::NotFromHere)
        );
        assert_eq!(
            available(S::Fixed, buyer()),
            vec![Action::Verify, Action::Reopen]
        );
    }

    #[test]
    fn holding_stops_the_clock() {
        let due = Utc::now();
        let held = due - Duration::days(2);
        assert_eq!(
            due_after_hold(due, held, held + Duration::days(5)),
            due + Duration::days(5)
        );
    }

    #[test]
    fn deadlines_parse_with_defaults_and_refuse_nonsense() {
        let d = FixDeadlines::parse("urgent=2, low=30").unwrap();
        assert_eq!((d.urgent, d.high, d.normal, d.low), (2, 3, 7, 30));
        assert!(FixDeadlines::parse("soon=1").is_err());
        assert!(FixDeadlines::parse("high=0").is_err());
        assert!(FixDeadlines::parse("high").is_err());
        assert_eq!(FixDeadlines::parse("").unwrap(), FixDeadlines::default());
    }

    #[test]
    fn ageing_bands_have_the_documented_edges() {
        let cases = [
            (0, AgeBand::UpTo7),
            (7, AgeBand::UpTo7),
            (8, AgeBand::UpTo14),
            (14, AgeBand::UpTo14),
            (15, AgeBand::UpTo30),
            (30, AgeBand::UpTo30),
            (31, AgeBand::Over30),
        ];
        for (days, band) in cases {
            assert_eq!(AgeBand::of_days(days), band, "{days}");
        }
        let now = Utc::now();
        let ages = [0, 9, 10, 40].map(|d| now - Duration::days(d));
        assert_eq!(ageing(&ages, now), [1, 2, 0, 1]);
    }

    fn any_status() -> impl Strategy<Value = DefectStatus> {
        proptest::sample::select(DefectStatus::ALL.to_vec())
    }
    fn any_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }
    fn any_standing() -> impl Strategy<Value = Standing> {
        proptest::array::uniform6(any::<bool>()).prop_map(|b| Standing {
            assigned_engineer: b[0],
            building_lead: b[1],
            ambassador: b[2],
            supervisor: b[3],
            buyer: b[4],
            system: b[5],
        })
    }

    proptest! {
        /// Whatever happens, a defect only ever moves along the state machine's edges; buyers only
        /// verify or reopen, and nothing leaves closed or rejected.
        #[test]
        fn only_listed_edges_are_ever_taken(
            start in any_status(),
            steps in proptest::collection::vec((any_action(), any_standing()), 0..40),
        ) {
            use DefectStatus as S;
            let mut status = start;
            for (action, who) in steps {
                let before = status;
                if let Ok(to) = transition(status, action, who) {
                    let edge = matches!(
                        (before, to),
                        (S::Open | S::Assigned, S::Assigned)
                            | (S::Assigned | S::Reopened, S::InProgress)
                            | (S::Assigned | S::InProgress | S::Reopened, S::OnHold)
                            | (S::OnHold, S::InProgress)
                            | (S::InProgress | S::Reopened, S::Fixed)
                            | (S::Fixed, S::Verified | S::Reopened)
                            | (S::Verified, S::Closed)
                            | (S::Open | S::Assigned | S::InProgress | S::Reopened, S::Rejected)
                    );
                    prop_assert!(edge, "{before:?} -> {to:?}");
                    let buyer_only = Standing { buyer: true, ..Standing::default() };
                    if transition(before, action, buyer_only).is_ok() {
                        prop_assert!(matches!(action, Action::Verify | Action::Reopen));
                    }
                    status = to;
                }
                if matches!(before, S::Closed | S::Rejected) {
                    prop_assert_eq!(status, before);
                }
            }
        }
    }
}
