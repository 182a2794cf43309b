//! The campaign's numbers (seed step 2): every KPI is defined here, once, from
//! counts the store aggregates. No I/O.

use std::fmt;
use std::str::FromStr;

/// What the store counts for one scope (the whole campaign, a project or a building).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Units in scope (each is one household).
    pub units: i64,
    pub buyers: i64,
    /// Households invited to an inspection, that confirmed a time, that checked in.
    pub invited: i64,
    pub confirmed: i64,
    pub visited: i64,
    /// Households whose buyer confirmed the handover.
    pub handed_over: i64,
    /// Households with a finished walk-through.
    pub inspected: i64,
    /// Defects recorded (buyers' reports once accepted; merged and rejected ones are not defects).
    pub defects: i64,
    /// Inspected households with at least one leakage defect.
    pub leaking: i64,
    /// Unresolved defects, those past due, and the unresolved ones by age since recorded.
    pub open_defects: i64,
    pub overdue_defects: i64,
    pub ageing: [i64; 4],
    /// Survey answers: their number and the sum of their scores.
    pub surveys: i64,
    pub score_sum: i64,
    pub complaints: i64,
    /// Complaints nobody has acknowledged yet.
    pub complaints_waiting: i64,
    pub group_flags: i64,
    /// Buyers Telegram will not deliver to (blocked the bot, never started it).
    pub unreachable: i64,
}

/// A share: `None` when the denominator is zero (nothing to measure yet).
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The KPIs, each defined once.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Kpis {
    /// 到访率 = households checked in / households invited.
    pub visit_rate: Option<f64>,
    /// 整体交付率 = households handed over / units in scope.
    pub handover_rate: Option<f64>,
    /// 户均缺陷率 = defects recorded / households inspected.
    pub defects_per_household: Option<f64>,
    /// 渗漏率 = inspected households with a leakage defect / households inspected.
    pub leakage_rate: Option<f64>,
    /// Satisfaction = mean survey score (1–5).
    pub satisfaction: Option<f64>,
}

impl Counts {
    pub fn kpis(&self) -> Kpis {
        Kpis {
            visit_rate: ratio(self.visited, self.invited),
            handover_rate: ratio(self.handed_over, self.units),
            defects_per_household: ratio(self.defects, self.inspected),
            leakage_rate: ratio(self.leaking, self.inspected),
            satisfaction: ratio(self.score_sum, self.surveys),
        }
    }
}

/// The KPIs a target can be set for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kpi {
    VisitRate,
    HandoverRate,
    DefectsPerHousehold,
    LeakageRate,
    Satisfaction,
}

impl Kpi {
    pub const ALL: [Kpi; 5] = [
        Kpi::VisitRate,
        Kpi::HandoverRate,
        Kpi::DefectsPerHousehold,
        Kpi::LeakageRate,
        Kpi::Satisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kpi::VisitRate => "visit_rate",
            Kpi::HandoverRate => "handover_rate",
            Kpi::DefectsPerHousehold => "defects_per_household",
            Kpi::LeakageRate => "leakage_rate",
            Kpi::Satisfaction => "satisfaction",
        }
    }

    /// Fewer defects and less leakage are better; the rest, more.
    pub fn lower_is_better(self) -> bool {
        matches!(self, Kpi::DefectsPerHousehold | Kpi::LeakageRate)
    }

    /// Rates are shown and set in percent; the others as plain numbers.
    pub fn is_percent(self) -> bool {
        matches!(self, Kpi::VisitRate | Kpi::HandoverRate | Kpi::LeakageRate)
    }

    pub fn of(self, kpis: &Kpis) -> Option<f64> {
        match self {
            Kpi::VisitRate => kpis.visit_rate,
            Kpi::HandoverRate => kpis.handover_rate,
            Kpi::DefectsPerHousehold => kpis.defects_per_household,
            Kpi::LeakageRate => kpis.leakage_rate,
            Kpi::Satisfaction => kpis.satisfaction,
        }
    }

    /// Whether `value` meets `target`.
    pub fn meets(self, value: f64, target: f64) -> bool {
        if self.lower_is_better() {
            value <= target
        } else {
            value >= target
        }
    }

    /// Parses a target as people type it: `95%` or `95` for rates (or `0.95`), a number for
    /// the rest. Returns the stored value (rates as fractions).
    pub fn parse_target(self, text: &str) -> Option<f64> {
        let text = text.trim();
        let (number, percent) = match text.strip_suffix(['%', '％']) {
            Some(n) => (n.trim(), true),
            None => (text, false),
        };
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
        let value = if self.is_percent() && (percent || value > 1.0) {
            value / 100.0
        } else if percent {
            return None;
        } else {
            value
        };
        let valid = match self {
            Kpi::VisitRate | Kpi::HandoverRate | Kpi::LeakageRate => value <= 1.0,
            Kpi::DefectsPerHousehold => value <= 1000.0,
            Kpi::Satisfaction => (1.0..=5.0).contains(&value),
        };
        valid.then_some(value)
    }

    /// The value as shown: `93.5%` for rates, `2.40` otherwise.
    pub fn format(self, value: f64) -> String {
        if self.is_percent() {
            format!("{:.1}%", value * 100.0)
        } else {
            format!("{value:.2}")
        }
    }
}

impl fmt::Display for Kpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kpi {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        match s.as_str() {
            "visit" | "visit_rate" | "到访率" => Ok(Kpi::VisitRate),
            "handover" | "handover_rate" | "交付率" | "整体交付率" => Ok(Kpi::HandoverRate),
            "defects" | "defects_per_household" | "户均缺陷率" | "户均缺陷" => {
                Ok(Kpi::DefectsPerHousehold)
            }
            "leakage" | "leakage_rate" | "渗漏率" => Ok(Kpi::LeakageRate),
            "satisfaction" | "满意度" => Ok(Kpi::Satisfaction),
            _ => Err(()),
        }
    }
}

/// A project's signed targets; `None` where none was set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Targets {
    pub visit_rate: Option<f64>,
    pub handover_rate: Option<f64>,
    pub defects_per_household: Option<f64>,
    pub leakage_rate: Option<f64>,
    pub satisfaction: Option<f64>,
}

impl Targets {
    pub fn get(&self, kpi: Kpi) -> Option<f64> {
        match kpi {
            Kpi::VisitRate => self.visit_rate,
            Kpi::HandoverRate => self.handover_rate,
            Kpi::DefectsPerHousehold => self.defects_per_household,
            Kpi::LeakageRate => self.leakage_rate,
            Kpi::Satisfaction => self.satisfaction,
        }
    }

    pub fn set(&mut self, kpi: Kpi, value: Option<f64>) {
        match kpi {
            Kpi::VisitRate => self.visit_rate = value,
            Kpi::HandoverRate => self.handover_rate = value,
            Kpi::DefectsPerHousehold => self.defects_per_household = value,
            Kpi::LeakageRate => self.leakage_rate = value,
            Kpi::Satisfaction => self.satisfaction = value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kpis_follow_their_definitions_and_are_none_before_anything_happened() {
        let counts = Counts {
            units: 200,
            invited: 120,
            visited: 90,
            handed_over: 50,
            inspected: 80,
            defects: 200,
            leaking: 6,
            surveys: 4,
            score_sum: 17,
            ..Counts::default()
        };
        let kpis = counts.kpis();
        assert_eq!(kpis.visit_rate, Some(0.75));
        assert_eq!(kpis.handover_rate, Some(0.25));
        assert_eq!(kpis.defects_per_household, Some(2.5));
        assert_eq!(kpis.leakage_rate, Some(0.075));
        assert_eq!(kpis.satisfaction, Some(4.25));
        assert_eq!(Counts::default().kpis(), Kpis::default());
    }

    #[test]
    fn targets_parse_as_people_type_them() {
        assert_eq!(Kpi::VisitRate.parse_target("95%"), Some(0.95));
        assert_eq!(Kpi::VisitRate.parse_target("95"), Some(0.95));
        assert_eq!(Kpi::VisitRate.parse_target("0.95"), Some(0.95));
        assert_eq!(Kpi::LeakageRate.parse_target("2％"), Some(0.02));
        assert_eq!(Kpi::DefectsPerHousehold.parse_target("3"), Some(3.0));
        assert_eq!(Kpi::DefectsPerHousehold.parse_target("3%"), None);
        assert_eq!(Kpi::Satisfaction.parse_target("4.5"), Some(4.5));
        assert_eq!(Kpi::Satisfaction.parse_target("6"), None);
        assert_eq!(Kpi::VisitRate.parse_target("120%"), None);
        assert_eq!(Kpi::VisitRate.parse_target("-1"), None);
        assert_eq!(Kpi::VisitRate.parse_target("abc"), None);
        assert_eq!("渗漏率".parse(), Ok(Kpi::LeakageRate));
    }

    #[test]
    fn lower_is_better_for_defects_and_leakage() {
        assert!(Kpi::LeakageRate.meets(0.01, 0.02));
        assert!(!Kpi::LeakageRate.meets(0.03, 0.02));
        assert!(Kpi::VisitRate.meets(0.96, 0.95));
        assert!(!Kpi::Satisfaction.meets(4.0, 4.5));
    }

    proptest! {
        #[test]
        fn rates_stay_between_zero_and_one(part in 0i64..10_000, extra in 0i64..10_000) {
            let counts = Counts { units: part + extra, handed_over: part, invited: part + extra,
                visited: part, inspected: part + extra, leaking: part, ..Counts::default() };
            let kpis = counts.kpis();
            for rate in [kpis.visit_rate, kpis.handover_rate, kpis.leakage_rate].into_iter().flatten() {
                prop_assert!((0.0..=1.0).contains(&rate));
            }
        }
    }
}
