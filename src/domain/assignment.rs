//! Auto-assignment of unassigned buyers to delivery ambassadors (交付大使): a pure planner the
//! /assign preview and the emergency backfill both call, so what a supervisor previews is what
//! gets written.

use crate::domain::people::Tier;
use std::collections::{BTreeSet, HashSet};

/// Used when an ambassador has no capacity on file.
pub const DEFAULT_CAPACITY: u32 = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanBuyer {
    pub id: i64,
    pub name: String,
    pub building: String,
    pub unit_sort: String,
    pub tier: Tier,
    pub flagged: bool,
}

impl PlanBuyer {
    /// A+ or any risk flag: only senior ambassadors take them.
    pub fn sensitive(&self) -> bool {
        self.tier == Tier::APlus || self.flagged
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanAmbassador {
    pub id: i64,
    pub name: String,
    pub senior: bool,
    pub capacity: u32,
    /// buyers already assigned to them
    pub load: u32,
}

impl PlanAmbassador {
    /// How many more buyers they can take; zero when already at or over capacity.
    pub fn room(&self) -> u32 {
        self.capacity.saturating_sub(self.load)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeniorityRule {
    /// sensitive buyers only with seniors; unplaced otherwise (used by /assign)
    Strict,
    /// seniors preferred for sensitive buyers, anyone else if seniors are full (used for emergency backfill)
    Prefer,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// (buyer id, ambassador id), sorted by ambassador id then buyer order
    /// (building, unit_sort, id)
    pub placements: Vec<(i64, i64)>,
    /// buyer ids that could not be placed, in buyer order (building, unit_sort, id): the
    /// caller's order cannot be kept without making the plan depend on it
    pub unplaced: Vec<i64>,
}

impl Plan {
    pub fn ambassador_of(&self, buyer: i64) -> Option<i64> {
        self.placements
            .iter()
            .find(|&&(b, _)| b == buyer)
            .map(|&(_, a)| a)
    }

    pub fn buyers_of(&self, ambassador: i64) -> Vec<i64> {
        self.placements
            .iter()
            .filter(|&&(_, a)| a == ambassador)
            .map(|&(b, _)| b)
            .collect()
    }
}

/// Places `buyers` (all currently unassigned) with `ambassadors`.
///
/// Duplicate ids are ignored after the first occurrence in canonical order, so a plan never
/// places a buyer twice.
pub fn plan(buyers: &[PlanBuyer], ambassadors: &[PlanAmbassador], rule: SeniorityRule) -> Plan {
    let buyers = canonical_buyers(buyers);
    let ambs = canonical_ambassadors(ambassadors);

    let room = |senior: Option<bool>| -> u64 {
        ambs.iter()
            .filter(|a| senior.is_none_or(|s| a.senior == s))
            .map(|a| u64::from(a.room()))
            .sum()
    };
    let (senior_room, total_room) = (room(Some(true)), room(None));
    let (sensitive, regular): (Vec<usize>, Vec<usize>) =
        (0..buyers.len()).partition(|&i| buyers[i].sensitive());
    let to_seniors = (sensitive.len() as u64).min(senior_room);
    let placeable = match rule {
        SeniorityRule::Strict => to_seniors + (regular.len() as u64).min(total_room - to_seniors),
        SeniorityRule::Prefer => (buyers.len() as u64).min(total_room),
    };
    let quota = new_placement_quotas(&ambs, placeable, to_seniors);

    // Sensitive buyers are split across seniors in proportion to their quotas rather than
    // filling the first senior up: it spreads the hard cases and keeps each senior's
    // sensitive run to a few neighbouring buildings.
    let seniors: Vec<usize> = (0..ambs.len()).filter(|&i| ambs[i].senior).collect();
    let members: Vec<Member> = seniors
        .iter()
        .map(|&i| Member {
            weight: quota[i],
            lo: 0,
            hi: quota[i],
        })
        .collect();
    let mut filler = Filler::new(ambs.len(), buyers.len());
    for (&i, share) in seniors.iter().zip(apportion(&members, to_seniors)) {
        filler.room[i] = share;
    }
    let (first, surplus) = sensitive.split_at(to_seniors as usize);
    filler.fill(&buyers, first);
    for (i, q) in quota.iter().enumerate() {
        filler.room[i] = q - filler.taken[i];
    }
    let rest: Vec<usize> = match rule {
        SeniorityRule::Strict => regular,
        SeniorityRule::Prefer => {
            let mut rest = [regular, surplus.to_vec()].concat();
            rest.sort_unstable();
            rest
        }
    };
    filler.fill(&buyers, &rest);

    let mut placed: Vec<(usize, usize)> = Vec::new();
    let mut unplaced = Vec::new();
    for (b, owner) in filler.owner.iter().enumerate() {
        match owner {
            Some(a) => placed.push((*a, b)),
            None => unplaced.push(buyers[b].id),
        }
    }
    placed.sort_unstable();
    let placements = placed
        .iter()
        .map(|&(a, b)| (buyers[b].id, ambs[a].id))
        .collect();
    Plan {
        placements,
        unplaced,
    }
}

fn canonical_buyers(buyers: &[PlanBuyer]) -> Vec<&PlanBuyer> {
    let mut sorted: Vec<&PlanBuyer> = buyers.iter().collect();
    // Every field takes part so that duplicates of an id resolve the same way in any order.
    fn key(b: &PlanBuyer) -> (&str, &str, i64, &str, Tier, bool) {
        (&b.building, &b.unit_sort, b.id, &b.name, b.tier, b.flagged)
    }
    sorted.sort_by(|x, y| key(x).cmp(&key(y)));
    let mut seen = HashSet::new();
    sorted.retain(|b| seen.insert(b.id));
    sorted
}

fn canonical_ambassadors(ambassadors: &[PlanAmbassador]) -> Vec<&PlanAmbassador> {
    let mut sorted: Vec<&PlanAmbassador> = ambassadors.iter().collect();
    fn key(a: &PlanAmbassador) -> (i64, &str, bool, u32, u32) {
        (a.id, &a.name, a.senior, a.capacity, a.load)
    }
    sorted.sort_by(|x, y| key(x).cmp(&key(y)));
    sorted.dedup_by_key(|a| a.id);
    sorted
}

/// How many new buyers each ambassador (canonical order) should take so that final loads are
/// proportional to capacity, `placeable` in total, with seniors taking at least `to_seniors`.
fn new_placement_quotas(ambs: &[&PlanAmbassador], placeable: u64, to_seniors: u64) -> Vec<u32> {
    let member = |a: &&PlanAmbassador| Member {
        weight: a.capacity,
        lo: a.load,
        hi: a.load.max(a.capacity),
    };
    let loads = |senior: Option<bool>| -> u64 {
        ambs.iter()
            .filter(|a| senior.is_none_or(|s| a.senior == s))
            .map(|a| u64::from(a.load))
            .sum()
    };
    let members: Vec<Member> = ambs.iter().map(member).collect();
    let mut finals = apportion(&members, loads(None) + placeable);
    let senior_new: u64 = ambs
        .iter()
        .zip(&finals)
        .filter(|(a, _)| a.senior)
        .map(|(a, f)| u64::from(f - a.load))
        .sum();
    if senior_new < to_seniors {
        // Seniors must go above their share; each side is then balanced on its own so the
        // extra load comes off the non-seniors in proportion to their capacities.
        for (senior, total) in [
            (true, loads(Some(true)) + to_seniors),
            (false, loads(Some(false)) + placeable - to_seniors),
        ] {
            let idx: Vec<usize> = (0..ambs.len())
                .filter(|&i| ambs[i].senior == senior)
                .collect();
            let side: Vec<Member> = idx.iter().map(|&i| member(&ambs[i])).collect();
            for (&i, f) in idx.iter().zip(apportion(&side, total)) {
                finals[i] = f;
            }
        }
    }
    ambs.iter().zip(finals).map(|(a, f)| f - a.load).collect()
}

struct Member {
    weight: u32,
    lo: u32,
    hi: u32,
}

/// Splits `total` into integers within each member's `[lo, hi]`, as close as possible to
/// proportional to weight: find the level λ with Σ clamp(λ·weight, lo, hi) = total, then round
/// by largest remainder (ties to the earlier member). Needs Σlo ≤ total ≤ Σhi.
///
/// λ is exact (a fraction of u128s) because the clamped sum is piecewise linear in λ with kinks
/// only at lo/weight and hi/weight: take the last kink not overshooting `total` and solve the
/// linear piece after it. Floats would make the rounding, and so the plan, platform-dependent.
/// A zero-weight member must have lo == hi.
fn apportion(members: &[Member], total: u64) -> Vec<u32> {
    let total = u128::from(total);
    // Σ clamp(λ·weight, lo, hi) scaled by den, for λ = num/den.
    let scaled_sum =
        |num: u128, den: u128| -> u128 { members.iter().map(|m| scaled_share(m, num, den)).sum() };
    let mut level = (0u128, 1u128);
    for m in members.iter().filter(|m| m.weight > 0) {
        for bound in [m.lo, m.hi] {
            let kink = (u128::from(bound), u128::from(m.weight));
            let below_total = scaled_sum(kink.0, kink.1) <= total * kink.1;
            if below_total && kink.0 * level.1 > level.0 * kink.1 {
                level = kink;
            }
        }
    }
    let (a, c) = level;
    let free_weight: u128 = members
        .iter()
        .filter(|m| {
            let w = u128::from(m.weight);
            w > 0 && u128::from(m.lo) * c <= a * w && a * w < u128::from(m.hi) * c
        })
        .map(|m| u128::from(m.weight))
        .sum();
    let (num, den) = if free_weight == 0 {
        level
    } else {
        (
            a * free_weight + total * c - scaled_sum(a, c),
            c * free_weight,
        )
    };

    let scaled: Vec<u128> = members.iter().map(|m| scaled_share(m, num, den)).collect();
    let mut shares: Vec<u32> = scaled.iter().map(|s| narrow(s / den)).collect();
    let floor_sum: u128 = shares.iter().map(|&s| u128::from(s)).sum();
    let mut by_remainder: Vec<usize> = (0..members.len()).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse(scaled[i] % den));
    for &i in by_remainder
        .iter()
        .take(narrow(total.saturating_sub(floor_sum)) as usize)
    {
        shares[i] += 1;
    }
    shares
}

fn scaled_share(m: &Member, num: u128, den: u128) -> u128 {
    (num * u128::from(m.weight)).clamp(u128::from(m.lo) * den, u128::from(m.hi) * den)
}

/// Shares are clamped to a member's `[lo, hi]`, so they always fit.
fn narrow(x: u128) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Sequential filler: buyers arrive in building order and each goes to the ambassador that
/// keeps buildings together, so a building only changes hands when someone's room runs out.
struct Filler<'a> {
    room: Vec<u32>,
    taken: Vec<u32>,
    held: Vec<BTreeSet<&'a str>>,
    /// ambassador index per buyer index
    owner: Vec<Option<usize>>,
}

impl<'a> Filler<'a> {
    fn new(ambassadors: usize, buyers: usize) -> Self {
        Filler {
            room: vec![0; ambassadors],
            taken: vec![0; ambassadors],
            held: vec![BTreeSet::new(); ambassadors],
            owner: vec![None; buyers],
        }
    }

    fn fill(&mut self, buyers: &[&'a PlanBuyer], stream: &[usize]) {
        for &b in stream {
            let building = buyers[b].building.as_str();
            let open = |i: &usize| self.room[*i] > 0;
            let n = self.room.len();
            // Continue a building someone already has; otherwise skip anyone holding a later
            // building, whose room is better spent when that building comes up.
            let pick = (0..n)
                .filter(open)
                .find(|&i| self.held[i].contains(building))
                .or_else(|| {
                    (0..n)
                        .filter(open)
                        .find(|&i| self.held[i].last().is_none_or(|&l| l <= building))
                })
                .or_else(|| (0..n).find(open));
            if let Some(i) = pick {
                self.room[i] -= 1;
                self.taken[i] += 1;
                self.held[i].insert(building);
                self.owner[b] = Some(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SeniorityRule::{Prefer, Strict};
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use std::collections::HashMap;

    fn buyer(id: i64, building: u32, unit: u32, tier: Tier, flagged: bool) -> PlanBuyer {
        PlanBuyer {
            id,
            name: format!("buyer {id}"),
            building: format!("B{building:02}"),
            unit_sort: format!("{unit:04}"),
            tier,
            flagged,
        }
    }

    fn amb(id: i64, senior: bool, capacity: u32, load: u32) -> PlanAmbassador {
        PlanAmbassador {
            id,
            name: format!("amb {id}"),
            senior,
            capacity,
            load,
        }
    }

    fn regulars(n: i64) -> Vec<PlanBuyer> {
        (0..n)
            .map(|i| buyer(i, (i / 10) as u32, i as u32, Tier::B, false))
            .collect()
    }

    fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
        let mut v = v.to_vec();
        v.shuffle(&mut StdRng::seed_from_u64(seed));
        v
    }

    /// Final load per ambassador id.
    fn finals(p: &Plan, ambs: &[PlanAmbassador]) -> HashMap<i64, u32> {
        ambs.iter()
            .map(|a| (a.id, a.load + p.buyers_of(a.id).len() as u32))
            .collect()
    }

    fn pair_count(p: &Plan, buyers: &[PlanBuyer]) -> usize {
        let building: HashMap<i64, &str> =
            buyers.iter().map(|b| (b.id, b.building.as_str())).collect();
        let pairs: HashSet<(&str, i64)> = p
            .placements
            .iter()
            .map(|&(b, a)| (building[&b], a))
            .collect();
        pairs.len()
    }

    fn within_one(actual: u32, share_num: u64, share_den: u64) {
        let diff = (u64::from(actual) * share_den).abs_diff(share_num);
        assert!(diff < share_den, "{actual} vs {share_num}/{share_den}");
    }

    #[test]
    fn acceptance_scenario() {
        // 300 buyers in 10 buildings of 30; every 15th is A+ (20), every 20th of the rest flagged (15).
        let buyers: Vec<PlanBuyer> = (0..300)
            .map(|i| {
                let tier = if i % 15 == 0 { Tier::APlus } else { Tier::A };
                let flagged = tier != Tier::APlus && i % 20 == 1;
                buyer(1000 + i, (i / 30) as u32, (i % 30) as u32, tier, flagged)
            })
            .collect();
        let sensitive = buyers.iter().filter(|b| b.sensitive()).count();
        assert_eq!(sensitive, 35);
        // Capacities 20, 22, ..., 42 (K = 372); seniors are 103, 107, 111.
        let ambs: Vec<PlanAmbassador> = (0..12)
            .map(|i| amb(101 + i, i % 4 == 2, 20 + 2 * i as u32, 0))
            .collect();
        let k: u64 = ambs.iter().map(|a| u64::from(a.capacity)).sum();

        let p = plan(&buyers, &ambs, Strict);
        assert!(p.unplaced.is_empty());
        assert_eq!(p.placements.len(), 300);
        // Seniors' capacity share (300·96/372 ≈ 77) already exceeds the 35 sensitive buyers, so
        // no senior quota is raised and EVERY ambassador, senior or not, is within one of share.
        let f = finals(&p, &ambs);
        for a in &ambs {
            within_one(f[&a.id], 300 * u64::from(a.capacity), k);
        }
        let senior: HashMap<i64, bool> = ambs.iter().map(|a| (a.id, a.senior)).collect();
        for b in buyers.iter().filter(|b| b.sensitive()) {
            assert!(
                senior[&p.ambassador_of(b.id).unwrap()],
                "{} not with a senior",
                b.id
            );
        }
        // Seniors must each touch the buildings of their sensitive run, so allow one extra pair
        // per building on top of the sequential-fill bound.
        assert!(
            pair_count(&p, &buyers) <= 10 + 12 - 1 + 10,
            "{}",
            pair_count(&p, &buyers)
        );
        assert_eq!(p, plan(&shuffled(&buyers, 7), &shuffled(&ambs, 8), Strict));
    }

    #[test]
    fn seniors_rise_above_share_when_sensitive_buyers_need_it() {
        let mut buyers = regulars(50);
        for b in buyers.iter_mut().step_by(3).take(15) {
            b.flagged = true;
        }
        let ambs = [
            amb(1, true, 10, 0),
            amb(2, true, 10, 0),
            amb(3, false, 40, 0),
            amb(4, false, 40, 0),
        ];
        let p = plan(&buyers, &ambs, Strict);
        let f = finals(&p, &ambs);
        // Natural senior share is 50·20/100 = 10 < 15: seniors split 15 (7.5 each, tie to the
        // lower id) and the non-seniors split the other 35 by capacity (17.5 each).
        assert_eq!([f[&1], f[&2], f[&3], f[&4]], [8, 7, 18, 17]);
        assert!(p.unplaced.is_empty());
    }

    #[test]
    fn never_over_capacity_and_overloaded_get_nothing() {
        let ambs = [
            amb(1, false, 5, 7),
            amb(2, false, 5, 2),
            amb(3, false, 0, 0),
            amb(4, true, 4, 4),
        ];
        let p = plan(&regulars(20), &ambs, Prefer);
        assert_eq!(p.buyers_of(1), Vec::<i64>::new());
        assert_eq!(p.buyers_of(2).len(), 3);
        assert!(p.buyers_of(3).is_empty() && p.buyers_of(4).is_empty());
        assert_eq!(p.unplaced.len(), 17);
    }

    #[test]
    fn strict_leaves_surplus_sensitive_unplaced_prefer_does_not() {
        let buyers: Vec<PlanBuyer> = (0..6)
            .map(|i| buyer(i, 1, i as u32, Tier::APlus, false))
            .collect();
        let ambs = [amb(1, true, 2, 0), amb(2, false, 10, 0)];
        let strict = plan(&buyers, &ambs, Strict);
        assert_eq!(strict.buyers_of(1), vec![0, 1]);
        assert!(strict.buyers_of(2).is_empty());
        assert_eq!(strict.unplaced, vec![2, 3, 4, 5]);
        let prefer = plan(&buyers, &ambs, Prefer);
        assert_eq!(prefer.buyers_of(1), vec![0, 1]);
        assert_eq!(prefer.buyers_of(2), vec![2, 3, 4, 5]);
        assert!(prefer.unplaced.is_empty());
    }

    #[test]
    fn existing_load_is_balanced_against() {
        // T = 10 + 20 = 30, K = 60: shares 15 and 15, so the loaded one takes 5, the other 15.
        let ambs = [amb(1, false, 30, 10), amb(2, false, 30, 0)];
        let p = plan(&regulars(20), &ambs, Prefer);
        assert_eq!(p.buyers_of(1).len(), 5);
        assert_eq!(p.buyers_of(2).len(), 15);
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(plan(&[], &[], Strict), Plan::default());
        assert_eq!(plan(&[], &[amb(1, true, 5, 0)], Prefer), Plan::default());
        let p = plan(&regulars(3), &[], Prefer);
        assert_eq!((p.placements.len(), p.unplaced), (0, vec![0, 1, 2]));
    }

    #[test]
    fn duplicate_ids_are_placed_once() {
        let mut buyers = regulars(4);
        buyers.push(buyers[0].clone());
        let p = plan(&buyers, &[amb(1, false, 9, 0), amb(1, false, 9, 0)], Prefer);
        assert_eq!(p.placements, vec![(0, 1), (1, 1), (2, 1), (3, 1)]);
    }

    #[test]
    fn extreme_capacities_do_not_overflow() {
        let ambs = [
            amb(1, true, u32::MAX, u32::MAX - 3),
            amb(2, false, u32::MAX, 0),
            amb(3, false, 1, u32::MAX),
        ];
        let p = plan(&regulars(30), &ambs, Strict);
        assert!(p.unplaced.is_empty());
        assert!(p.buyers_of(1).len() <= 3 && p.buyers_of(3).is_empty());
    }

    fn arb_input() -> impl Strategy<Value = (Vec<PlanBuyer>, Vec<PlanAmbassador>)> {
        let buyers = prop::collection::vec(
            (0u32..5, 0u32..20, 0usize..4, prop::bool::weighted(0.15)),
            0..=60,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (bld, unit, t, f))| buyer(i as i64, bld, unit, Tier::ALL[t], f))
                .collect()
        });
        let ambs =
            prop::collection::vec((any::<bool>(), 0u32..=15, 0u32..=15), 0..=8).prop_map(|v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (s, cap, load))| amb(100 + i as i64, s, cap, load / 2))
                    .collect()
            });
        (buyers, ambs)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn plan_invariants((buyers, ambs) in arb_input(), strict in any::<bool>(), seed in any::<u64>()) {
            let rule = if strict { Strict } else { Prefer };
            let p = plan(&buyers, &ambs, rule);
            let by_id: HashMap<i64, &PlanAmbassador> = ambs.iter().map(|a| (a.id, a)).collect();

            let mut seen: Vec<i64> = p.placements.iter().map(|&(b, _)| b).chain(p.unplaced.iter().copied()).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..buyers.len() as i64).collect::<Vec<_>>());

            for a in &ambs {
                let added = p.buyers_of(a.id).len() as u32;
                prop_assert!(added <= a.room(), "{:?} got {}", a, added);
            }
            let room = |s: Option<bool>| ambs.iter().filter(|a| s.is_none_or(|s| a.senior == s)).map(|a| a.room() as usize).sum::<usize>();
            let sensitive = buyers.iter().filter(|b| b.sensitive()).count();
            let with_senior = buyers.iter().filter(|b| b.sensitive() && p.ambassador_of(b.id).is_some_and(|a| by_id[&a].senior)).count();
            let to_seniors = sensitive.min(room(Some(true)));
            prop_assert_eq!(with_senior, to_seniors);
            match rule {
                Prefer => prop_assert_eq!(p.placements.len(), buyers.len().min(room(None))),
                Strict => {
                    let regular = buyers.len() - sensitive;
                    prop_assert_eq!(p.placements.len(), to_seniors + regular.min(room(None) - to_seniors));
                    for &(b, a) in &p.placements {
                        prop_assert!(by_id[&a].senior || !buyers[b as usize].sensitive());
                    }
                }
            }
            prop_assert_eq!(&p, &plan(&shuffled(&buyers, seed), &shuffled(&ambs, seed ^ 1), rule));
        }

        #[test]
        fn plain_buyers_balance_and_stay_together((buyers, ambs) in arb_input()) {
            let buyers: Vec<PlanBuyer> = buyers.into_iter().filter(|b| !b.sensitive()).collect();
            let ambs: Vec<PlanAmbassador> = ambs.into_iter().map(|a| PlanAmbassador { load: 0, ..a }).collect();
            let k: u64 = ambs.iter().map(|a| u64::from(a.capacity)).sum();
            prop_assume!(k > 0 && k >= buyers.len() as u64);
            let p = plan(&buyers, &ambs, Prefer);
            let f = finals(&p, &ambs);
            for a in &ambs {
                within_one(f[&a.id], buyers.len() as u64 * u64::from(a.capacity), k);
            }
            let buildings: HashSet<&str> = buyers.iter().map(|b| b.building.as_str()).collect();
            prop_assert!(pair_count(&p, &buyers) <= (buildings.len() + ambs.len()).saturating_sub(1));
        }
    }
}
