//! The risk register (细致盘点): what differs between what buyers were promised and what they will
//! find, written down with a planned response before the first buyer arrives.
//!
//! Pure rules only: how the spreadsheet spellings of category and severity parse, which status
//! changes are allowed, which households a risk reaches, and when an owner is chased for a
//! missing response. Storage, dialogues and notifications build on these.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// 风险类别: the comparisons the seed's step 1 asks for, plus the ones that come up anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategory {
    /// 合同交付标准 vs 现场
    ContractStandard,
    /// 合同图纸 vs 现场
    Drawings,
    /// 销售承诺/楼书 vs 交付
    SalesPromise,
    /// 规划/设计变更
    DesignChange,
    /// 地址/联系方式问题
    Contact,
    /// 其他
    Other,
}

impl RiskCategory {
    pub const ALL: [RiskCategory; 6] = [
        RiskCategory::ContractStandard,
        RiskCategory::Drawings,
        RiskCategory::SalesPromise,
        RiskCategory::DesignChange,
        RiskCategory::Contact,
        RiskCategory::Other,
    ];

    /// The stored spelling, also the suffix of its locale key.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskCategory::ContractStandard => "contract_standard",
            RiskCategory::Drawings => "drawings",
            RiskCategory::SalesPromise => "sales_promise",
            RiskCategory::DesignChange => "design_change",
            RiskCategory::Contact => "contact",
            RiskCategory::Other => "other",
        }
    }
}

impl FromStr for RiskCategory {
    type Err = ();

    /// Accepts the stored spelling and the Chinese names a supervisor's spreadsheet uses, with or
    /// without the words around them (“合同标准与现场不符” reads as the contract standard).
    fn from_str(s: &str) -> Result<Self, ()> {
        let cleaned = s.trim().to_ascii_lowercase();
        if let Some(c) = RiskCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == cleaned)
        {
            return Ok(c);
        }
        let has = |words: &[&str]| words.iter().any(|w| cleaned.contains(w));
        if cleaned.is_empty() {
            Err(())
        } else if has(&["图纸"]) {
            Ok(RiskCategory::Drawings)
        } else if has(&["合同", "交付标准"]) {
            Ok(RiskCategory::ContractStandard)
        } else if has(&["销售", "楼书", "宣传", "承诺"]) {
            Ok(RiskCategory::SalesPromise)
        } else if has(&["规划", "设计变更", "变更"]) {
            Ok(RiskCategory::DesignChange)
        } else if has(&["地址", "联系"]) {
            Ok(RiskCategory::Contact)
        } else if has(&["其他", "其它"]) {
            Ok(RiskCategory::Other)
        } else {
            Err(())
        }
    }
}

/// 严重程度, ordered so that the highest sorts last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Low, Severity::Medium, Severity::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl FromStr for Severity {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" | "低" | "轻" | "一般" | "3" => Ok(Severity::Low),
            "medium" | "中" | "较高" | "2" => Ok(Severity::Medium),
            "high" | "高" | "严重" | "重大" | "1" => Ok(Severity::High),
            _ => Err(()),
        }
    }
}

/// Where a risk's life is: open → response ready → resolved or accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskStatus {
    Open,
    ResponseReady,
    Resolved,
    Accepted,
}

impl RiskStatus {
    pub const ALL: [RiskStatus; 4] = [
        RiskStatus::Open,
        RiskStatus::ResponseReady,
        RiskStatus::Resolved,
        RiskStatus::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::ResponseReady => "response_ready",
            RiskStatus::Resolved => "resolved",
            RiskStatus::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<RiskStatus> {
        RiskStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Still something an ambassador must be warned about in front of a buyer.
    pub fn is_live(self) -> bool {
        matches!(self, RiskStatus::Open | RiskStatus::ResponseReady)
    }

    /// The changes a person may make. A closed risk may be reopened when it turns out not to be
    /// closed after all; nothing skips straight from open to resolved without a response on record
    /// except accepting it as it is.
    pub fn may_become(self, next: RiskStatus) -> bool {
        use RiskStatus::*;
        matches!(
            (self, next),
            (Open, ResponseReady)
                | (Open, Accepted)
                | (ResponseReady, Open)
                | (ResponseReady, Resolved)
                | (ResponseReady, Accepted)
                | (Resolved, Open)
                | (Accepted, Open)
        )
    }
}

/// What part of the project a risk applies to. Building and unit names compare after trimming,
/// unit types also without case (sales systems write both “A2” and “a2”).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum RiskScope {
    Project,
    Building { building: String },
    UnitType { unit_type: String },
    Unit { building: String, unit: String },
}

/// The few facts about a household a scope looks at.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub building: &'a str,
    pub unit: &'a str,
    pub unit_type: Option<&'a str>,
}

impl RiskScope {
    /// Builds a scope from the import's 范围 / 楼栋 / 户型 columns (and the unit, when the 范围
    /// names one). An empty 范围 takes the narrowest scope the other columns describe.
    pub fn from_columns(
        scope: &str,
        building: &str,
        unit_type: &str,
        unit: &str,
    ) -> Result<RiskScope, ScopeError> {
        let (scope, building, unit_type, unit) =
            (scope.trim(), building.trim(), unit_type.trim(), unit.trim());
        let wanted = match scope {
            "" => {
                if !unit.is_empty() {
                    "unit"
                } else if !unit_type.is_empty() {
                    "unit_type"
                } else if !building.is_empty() {
                    "building"
                } else {
                    "project"
                }
            }
            "项目" | "全项目" | "project" => "project",
            "楼栋" | "building" => "building",
            "户型" | "unit_type" => "unit_type",
            "房号" | "单元" | "户" | "unit" => "unit",
            _ => return Err(ScopeError::UnknownScope),
        };
        match wanted {
            "project" => Ok(RiskScope::Project),
            "building" if building.is_empty() => Err(ScopeError::BuildingMissing),
            "building" => Ok(RiskScope::Building {
                building: building.to_string(),
            }),
            "unit_type" if unit_type.is_empty() => Err(ScopeError::UnitTypeMissing),
            "unit_type" => Ok(RiskScope::UnitType {
                unit_type: unit_type.to_string(),
            }),
            _ if building.is_empty() => Err(ScopeError::BuildingMissing),
            _ if unit.is_empty() => Err(ScopeError::UnitMissing),
            _ => Ok(RiskScope::Unit {
                building: building.to_string(),
                unit: unit.to_string(),
            }),
        }
    }

    /// Whether a household at `place` is touched by a risk with this scope.
    pub fn reaches(&self, place: Place<'_>) -> bool {
        match self {
            RiskScope::Project => true,
            RiskScope::Building { building } => building.trim() == place.building.trim(),
            RiskScope::UnitType { unit_type } => place
                .unit_type
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(unit_type.trim())),
            RiskScope::Unit { building, unit } => {
                building.trim() == place.building.trim() && unit.trim() == place.unit.trim()
            }
        }
    }
}

/// A scope as a supervisor types it in the dialogue: "项目" (or "全部", "project") for the whole
/// project, "户型 A2" (or "unit type A2") for a unit type, "3栋 1502" / "3-1502" for one home,
/// and anything else (a single word) for a building.
pub fn scope_from_words(text: &str) -> Option<RiskScope> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 50 {
        return None;
    }
    let lower = text.to_lowercase();
    if matches!(
        lower.as_str(),
        "项目" | "全项目" | "全部" | "project" | "all"
    ) {
        return Some(RiskScope::Project);
    }
    for prefix in ["户型", "unit type", "unit_type"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let start = text.len().checked_sub(rest.len())?;
            let unit_type = text
                .get(start..)?
                .trim_start_matches([' ', ':', '：'])
                .trim();
            return (!unit_type.is_empty()).then(|| RiskScope::UnitType {
                unit_type: unit_type.to_string(),
            });
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let (building, unit) = match words.as_slice() {
        [one] => match one.split_once('-') {
            Some((b, u)) if !b.is_empty() && !u.is_empty() => (b.to_string(), Some(u.to_string())),
            _ => (one.to_string(), None),
        },
        [b, u] => (b.to_string(), Some(u.to_string())),
        _ => return None,
    };
    Some(match unit {
        Some(unit) => RiskScope::Unit { building, unit },
        None => RiskScope::Building { building },
    })
}

/// Why the scope columns of a row do not describe a scope; each has a locale key for the row error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeError {
    UnknownScope,
    BuildingMissing,
    UnitTypeMissing,
    UnitMissing,
}

/// When an owner whose risk still has no response is chased: `days` before the first inspection
/// slot. Chased once, so the moment is a pure function of the slot and the setting.
pub fn response_chase_at(first_slot: NaiveDateTime, days: u32) -> NaiveDateTime {
    first_slot - Duration::days(i64::from(days))
}

/// A risk needs chasing when it is still open (no response written) at `now`, past the chase moment.
pub fn needs_chase(status: RiskStatus, now: NaiveDateTime, chase_at: NaiveDateTime) -> bool {
    status == RiskStatus::Open && now >= chase_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("valid date")
    }

    #[test]
    fn categories_parse_the_spreadsheet_words() {
        assert_eq!(
            "合同标准与现场不符".parse(),
            Ok(RiskCategory::ContractStandard)
        );
        assert_eq!("合同图纸与现场".parse(), Ok(RiskCategory::Drawings));
        assert_eq!("楼书宣传".parse(), Ok(RiskCategory::SalesPromise));
        assert_eq!("规划变更".parse(), Ok(RiskCategory::DesignChange));
        assert_eq!("地址/联系方式".parse(), Ok(RiskCategory::Contact));
        assert_eq!("其它".parse(), Ok(RiskCategory::Other));
        for c in RiskCategory::ALL {
            assert_eq!(c.as_str().parse(), Ok(c));
        }
        assert_eq!("".parse::<RiskCategory>(), Err(()));
        assert_eq!("天气".parse::<RiskCategory>(), Err(()));
    }

    #[test]
    fn severities_parse() {
        assert_eq!("高".parse(), Ok(Severity::High));
        assert_eq!(" 中 ".parse(), Ok(Severity::Medium));
        assert_eq!("LOW".parse(), Ok(Severity::Low));
        assert_eq!("极高".parse::<Severity>(), Err(()));
        assert!(Severity::High > Severity::Low);
    }

    #[test]
    fn status_changes_follow_the_register() {
        use RiskStatus::*;
        assert!(Open.may_become(ResponseReady));
        assert!(ResponseReady.may_become(Resolved));
        assert!(Open.may_become(Accepted));
        assert!(!Open.may_become(Resolved));
        assert!(!Open.may_become(Open));
        assert!(Resolved.may_become(Open));
        assert!(Open.is_live() && ResponseReady.is_live());
        assert!(!Resolved.is_live() && !Accepted.is_live());
        for s in RiskStatus::ALL {
            assert_eq!(RiskStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_unit_type_scope_reaches_that_type_only() {
        let scope = RiskScope::from_columns("户型", "", "A2", "").expect("scope");
        let a2 = Place {
            building: "3栋",
            unit: "101",
            unit_type: Some("a2"),
        };
        let b1 = Place {
            unit_type: Some("B1"),
            ..a2
        };
        let none = Place {
            unit_type: None,
            ..a2
        };
        assert!(scope.reaches(a2));
        assert!(!scope.reaches(b1));
        assert!(!scope.reaches(none));
    }

    #[test]
    fn scopes_from_columns() {
        assert_eq!(
            RiskScope::from_columns("", "", "", ""),
            Ok(RiskScope::Project)
        );
        assert_eq!(
            RiskScope::from_columns("", " 3栋 ", "", ""),
            Ok(RiskScope::Building {
                building: "3栋".into()
            })
        );
        assert_eq!(
            RiskScope::from_columns("楼栋", "", "", ""),
            Err(ScopeError::BuildingMissing)
        );
        assert_eq!(
            RiskScope::from_columns("户型", "3栋", "", ""),
            Err(ScopeError::UnitTypeMissing)
        );
        assert_eq!(
            RiskScope::from_columns("房号", "3栋", "", ""),
            Err(ScopeError::UnitMissing)
        );
        assert_eq!(
            RiskScope::from_columns("小区", "", "", ""),
            Err(ScopeError::UnknownScope)
        );
        let unit = RiskScope::from_columns("", "3栋", "A2", "101").expect("unit");
        assert!(unit.reaches(Place {
            building: "3栋",
            unit: "101",
            unit_type: None
        }));
        assert!(!unit.reaches(Place {
            building: "3栋",
            unit: "102",
            unit_type: Some("A2")
        }));
    }

    #[test]
    fn scopes_from_the_dialogue_words() {
        assert_eq!(scope_from_words("项目"), Some(RiskScope::Project));
        assert_eq!(
            scope_from_words("户型 A2"),
            Some(RiskScope::UnitType {
                unit_type: "A2".into()
            })
        );
        assert_eq!(
            scope_from_words("Unit type b1"),
            Some(RiskScope::UnitType {
                unit_type: "b1".into()
            })
        );
        assert_eq!(
            scope_from_words("3栋"),
            Some(RiskScope::Building {
                building: "3栋".into()
            })
        );
        assert_eq!(
            scope_from_words("3-1502"),
            Some(RiskScope::Unit {
                building: "3".into(),
                unit: "1502".into()
            })
        );
        assert_eq!(
            scope_from_words("3栋 1502"),
            Some(RiskScope::Unit {
                building: "3栋".into(),
                unit: "1502".into()
            })
        );
        assert_eq!(scope_from_words("  "), None);
        assert_eq!(scope_from_words("户型"), None);
        assert_eq!(scope_from_words("a b c"), None);
    }

    #[test]
    fn an_open_risk_is_chased_from_n_days_before_the_first_slot() {
        let chase = response_chase_at(at(10, 9), 3);
        assert_eq!(chase, at(7, 9));
        assert!(!needs_chase(RiskStatus::Open, at(7, 8), chase));
        assert!(needs_chase(RiskStatus::Open, at(7, 9), chase));
        assert!(!needs_chase(RiskStatus::ResponseReady, at(8, 9), chase));
    }
}
