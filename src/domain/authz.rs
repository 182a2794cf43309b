//! Who may do what: every pure "may this person do X" rule in one place, so a rule is read,
//! changed and tested once. Services load the facts (the person, the home, the defect) and ask
//! here; the bot asks here only to decide which buttons to offer.

use crate::domain::people::{Actor, Role, Roles, StaffMember, UnitLabel};
use crate::domain::remediation::Standing;

/// The facts about a home that the rules read: where it is and which ambassador looks after it
/// now. A view, so the rules need no stored record type.
#[derive(Debug, Clone, Copy)]
pub struct Home<'a> {
    pub unit: &'a UnitLabel,
    /// The ambassador looking after it now.
    pub ambassador: Option<i64>,
}

/// Supervisors and admins (admins can do everything a supervisor can).
pub fn can_supervise(roles: &Roles) -> bool {
    roles.has(Role::Supervisor) || roles.has(Role::Admin)
}

fn supervises(actor: &Actor) -> bool {
    matches!(actor, Actor::Staff(s) if can_supervise(&s.roles))
}

/// May start walk-throughs and handovers at all (which homes is [`may_hand_over`] and
/// [`may_open`]): ambassadors and supervisors.
pub fn can_inspect(actor: &Actor) -> bool {
    matches!(actor, Actor::Staff(s) if s.roles.is_ambassador() || can_supervise(&s.roles))
}

/// The household's own ambassador (whatever their roles) or a supervisor: reviews its buyer's
/// reports, adds notes, relays to its buyer.
pub fn looks_after(me: &StaffMember, home: Home<'_>) -> bool {
    can_supervise(&me.roles) || home.ambassador == Some(me.id)
}

/// May work in an unfinished walk-through started by staff member `started_by`: whoever started
/// it, or a supervisor.
pub fn may_work_in_walkthrough(me: &StaffMember, started_by: i64) -> bool {
    me.id == started_by || can_supervise(&me.roles)
}

/// May see and record defects of this home: its ambassador, the engineers leading its
/// building, supervisors; for buyers, their own homes.
pub fn may_open(actor: &Actor, home: Home<'_>) -> bool {
    match actor {
        Actor::Staff(s) if can_supervise(&s.roles) => true,
        Actor::Staff(s) => {
            home.ambassador == Some(s.id)
                || (s.roles.has(Role::Engineer) && s.buildings.contains(&home.unit.building))
        }
        Actor::Buyer(homes) => homes.iter().any(|h| h.unit.unit_id == home.unit.unit_id),
        Actor::Unknown => false,
    }
}

/// May see every pinned item of a unit type in `building` on its plan: supervisors, and the
/// engineers who lead that building.
pub fn may_see_type_plan(actor: &Actor, building: &str) -> bool {
    match actor {
        Actor::Staff(s) if can_supervise(&s.roles) => true,
        Actor::Staff(s) => s.roles.has(Role::Engineer) && s.buildings.iter().any(|b| b == building),
        _ => false,
    }
}

/// May run the handover checklist of this home, or go on with a walk-through of it: a
/// supervisor, or an ambassador who looks after it now.
pub fn may_hand_over(actor: &Actor, home: Home<'_>) -> bool {
    matches!(actor, Actor::Staff(s)
        if can_supervise(&s.roles) || (s.roles.is_ambassador() && home.ambassador == Some(s.id)))
}

/// Receives complaints (and acknowledges them): reception, or a supervisor. The staff member
/// when so.
pub fn may_receive(actor: &Actor) -> Option<&StaffMember> {
    match actor {
        Actor::Staff(s) if s.roles.has(Role::ComplaintReception) || can_supervise(&s.roles) => {
            Some(s)
        }
        _ => None,
    }
}

/// How `actor` stands to a defect assigned to `engineer` in `home`; `domain::remediation`
/// decides from it which steps they may take.
pub fn standing(actor: &Actor, engineer: Option<i64>, home: Home<'_>) -> Standing {
    match actor {
        Actor::Staff(me) => Standing {
            assigned_engineer: engineer == Some(me.id),
            building_lead: me.roles.has(Role::Engineer)
                && me.buildings.contains(&home.unit.building),
            ambassador: home.ambassador == Some(me.id),
            supervisor: supervises(actor),
            ..Standing::default()
        },
        Actor::Buyer(homes) => Standing {
            buyer: homes.iter().any(|h| h.unit.unit_id == home.unit.unit_id),
            ..Standing::default()
        },
        Actor::Unknown => Standing::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::people::{Buyer, Seniority, Tier};
    use crate::domain::phone::Phone;

    fn unit(id: i64, building: &str) -> UnitLabel {
        UnitLabel {
            unit_id: id,
            project: "P".into(),
            building: building.into(),
            entrance: String::new(),
            room: "101".into(),
        }
    }

    fn staff(id: i64, roles: &[Role], buildings: &[&str]) -> Actor {
        Actor::Staff(StaffMember {
            id,
            name: format!("s{id}"),
            phone: None,
            roles: Roles::new(roles.to_vec()),
            seniority: Seniority::Regular,
            capacity: None,
            language: None,
            telegram_id: Some(id),
            away_since: None,
            away_until: None,
            share_phone: false,
            buildings: buildings.iter().map(|b| b.to_string()).collect(),
        })
    }

    fn buyer_of(u: &UnitLabel) -> Actor {
        Actor::Buyer(vec![Buyer {
            id: 1,
            name: "b".into(),
            phone: Phone::parse("13800138000", phonenumber::country::Id::CN)
                .expect("a valid phone"),
            tier: Tier::B,
            mailing_address: None,
            address_confirmed: false,
            language: None,
            telegram_id: Some(99),
            follow_ups_stopped: false,
            unit: u.clone(),
        }])
    }

    fn home(u: &UnitLabel, ambassador: Option<i64>) -> Home<'_> {
        Home {
            unit: u,
            ambassador,
        }
    }

    #[test]
    fn supervisors_and_admins_supervise() {
        assert!(can_supervise(&Roles::new(vec![Role::Supervisor])));
        assert!(can_supervise(&Roles::new(vec![Role::Admin])));
        assert!(!can_supervise(&Roles::new(vec![
            Role::Ambassador,
            Role::Engineer
        ])));
    }

    #[test]
    fn ambassadors_and_supervisors_inspect() {
        assert!(can_inspect(&staff(1, &[Role::Ambassador], &[])));
        assert!(can_inspect(&staff(1, &[Role::BackupAmbassador], &[])));
        assert!(can_inspect(&staff(1, &[Role::Supervisor], &[])));
        assert!(!can_inspect(&staff(1, &[Role::Engineer], &[])));
        assert!(!can_inspect(&Actor::Unknown));
        assert!(!can_inspect(&buyer_of(&unit(1, "3"))));
    }

    #[test]
    fn who_opens_a_home() {
        let u = unit(7, "3");
        assert!(may_open(
            &staff(5, &[Role::Ambassador], &[]),
            home(&u, Some(5))
        ));
        assert!(!may_open(
            &staff(6, &[Role::Ambassador], &[]),
            home(&u, Some(5))
        ));
        assert!(may_open(
            &staff(6, &[Role::Engineer], &["3"]),
            home(&u, Some(5))
        ));
        assert!(!may_open(
            &staff(6, &[Role::Engineer], &["4"]),
            home(&u, Some(5))
        ));
        assert!(may_open(
            &staff(6, &[Role::Supervisor], &[]),
            home(&u, None)
        ));
        assert!(may_open(&buyer_of(&u), home(&u, None)));
        assert!(!may_open(&buyer_of(&unit(8, "3")), home(&u, None)));
        assert!(!may_open(&Actor::Unknown, home(&u, None)));
    }

    #[test]
    fn who_hands_over() {
        let u = unit(7, "3");
        assert!(may_hand_over(
            &staff(5, &[Role::Ambassador], &[]),
            home(&u, Some(5))
        ));
        assert!(!may_hand_over(
            &staff(6, &[Role::Ambassador], &[]),
            home(&u, Some(5))
        ));
        // Looking after it without being an ambassador is not enough.
        assert!(!may_hand_over(
            &staff(5, &[Role::Engineer], &["3"]),
            home(&u, Some(5))
        ));
        assert!(may_hand_over(
            &staff(6, &[Role::Admin], &[]),
            home(&u, None)
        ));
        assert!(!may_hand_over(&buyer_of(&u), home(&u, None)));
    }

    #[test]
    fn who_looks_after() {
        let u = unit(7, "3");
        let Actor::Staff(own) = staff(5, &[Role::Engineer], &[]) else {
            unreachable!()
        };
        let Actor::Staff(other) = staff(6, &[Role::Ambassador], &[]) else {
            unreachable!()
        };
        let Actor::Staff(boss) = staff(7, &[Role::Supervisor], &[]) else {
            unreachable!()
        };
        assert!(looks_after(&own, home(&u, Some(5))));
        assert!(!looks_after(&other, home(&u, Some(5))));
        assert!(looks_after(&boss, home(&u, Some(5))));
    }

    #[test]
    fn who_works_in_a_walkthrough() {
        let Actor::Staff(own) = staff(5, &[Role::Ambassador], &[]) else {
            unreachable!()
        };
        let Actor::Staff(boss) = staff(7, &[Role::Admin], &[]) else {
            unreachable!()
        };
        assert!(may_work_in_walkthrough(&own, 5));
        assert!(!may_work_in_walkthrough(&own, 6));
        assert!(may_work_in_walkthrough(&boss, 6));
    }

    #[test]
    fn who_receives_complaints() {
        assert!(may_receive(&staff(1, &[Role::ComplaintReception], &[])).is_some());
        assert!(may_receive(&staff(1, &[Role::Supervisor], &[])).is_some());
        assert!(may_receive(&staff(1, &[Role::Ambassador], &[])).is_none());
        assert!(may_receive(&buyer_of(&unit(1, "3"))).is_none());
    }

    #[test]
    fn standing_of_each_kind_of_person() {
        let u = unit(7, "3");
        let h = home(&u, Some(5));
        let s = standing(&staff(5, &[Role::Ambassador], &[]), Some(9), h);
        assert_eq!(
            s,
            Standing {
                ambassador: true,
                ..Standing::default()
            }
        );
        let s = standing(&staff(9, &[Role::Engineer], &["3"]), Some(9), h);
        assert_eq!(
            s,
            Standing {
                assigned_engineer: true,
                building_lead: true,
                ..Standing::default()
            }
        );
        let s = standing(&staff(8, &[Role::Admin], &[]), Some(9), h);
        assert_eq!(
            s,
            Standing {
                supervisor: true,
                ..Standing::default()
            }
        );
        assert_eq!(
            standing(&buyer_of(&u), None, h),
            Standing {
                buyer: true,
                ..Standing::default()
            }
        );
        assert_eq!(
            standing(&buyer_of(&unit(8, "3")), None, h),
            Standing::default()
        );
        assert_eq!(standing(&Actor::Unknown, Some(9), h), Standing::default());
    }
}
