//! Who takes part in a campaign: buyer tiers and risk flags, staff roles and seniority, languages.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// 客户分级: drives scheduling (A+ late, with senior ambassadors) and assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    #[serde(rename = "A+")]
    APlus,
    A,
    B,
    C,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::APlus, Tier::A, Tier::B, Tier::C];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::APlus => "A+",
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = ();

    /// Accepts `A+`, `A`, `B`, `C` in any case, full-width plus signs, and the
    /// "A+类 / A类客户" spellings a sales system exports.
    fn from_str(s: &str) -> Result<Self, ()> {
        let cleaned: String = s
            .trim()
            .replace('＋', "+")
            .replace("类客户", "")
            .replace("级客户", "")
            .replace(['类', '级'], "")
            .trim()
            .to_ascii_uppercase();
        match cleaned.as_str() {
            "A+" | "AP" | "A PLUS" | "APLUS" => Ok(Tier::APlus),
            "A" => Ok(Tier::A),
            "B" => Ok(Tier::B),
            "C" => Ok(Tier::C),
            _ => Err(()),
        }
    }
}

/// Risk flags from the seed's step 3: buyers likely to start or amplify a group complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskFlag {
    /// 群诉 risk
    GroupComplaint,
    /// 挑头 likely ringleader
    Ringleader,
    /// media ties
    Media,
    /// government ties
    Government,
    /// 不满: dissatisfied or hostile on an early call (raised by the bot, kept across imports)
    Discontent,
}

impl RiskFlag {
    pub const ALL: [RiskFlag; 5] = [
        RiskFlag::GroupComplaint,
        RiskFlag::Ringleader,
        RiskFlag::Media,
        RiskFlag::Government,
        RiskFlag::Discontent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskFlag::GroupComplaint => "group_complaint",
            RiskFlag::Ringleader => "ringleader",
            RiskFlag::Media => "media",
            RiskFlag::Government => "government",
            RiskFlag::Discontent => "discontent",
        }
    }
}

impl FromStr for RiskFlag {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "group_complaint" | "group-complaint" | "group complaint" | "群诉" | "群诉风险" => {
                Ok(RiskFlag::GroupComplaint)
            }
            "ringleader" | "挑头" | "带头" => Ok(RiskFlag::Ringleader),
            "media" | "媒体" => Ok(RiskFlag::Media),
            "government" | "gov" | "政府" => Ok(RiskFlag::Government),
            "discontent" | "不满" => Ok(RiskFlag::Discontent),
            _ => Err(()),
        }
    }
}

/// Staff roles. A person may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Ambassador,
    BackupAmbassador,
    Engineer,
    /// 投诉接待: receives and acknowledges buyers' complaints.
    ComplaintReception,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Ambassador,
        Role::BackupAmbassador,
        Role::Engineer,
        Role::ComplaintReception,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ambassador => "ambassador",
            Role::BackupAmbassador => "backup_ambassador",
            Role::Engineer => "engineer",
            Role::ComplaintReception => "complaints",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();

    /// English identifiers and the Chinese job titles used in the seed.
    fn from_str(s: &str) -> Result<Self, ()> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "ambassador" | "交付大使" | "大使" | "客户大使" => Ok(Role::Ambassador),
            "backup_ambassador" | "backup" | "应急大使" | "后备大使" | "替补大使" => {
                Ok(Role::BackupAmbassador)
            }
            "engineer" | "工程师" | "楼栋长" => Ok(Role::Engineer),
            "complaints" | "complaint_reception" | "reception" | "投诉接待" | "客诉" | "投诉" => {
                Ok(Role::ComplaintReception)
            }
            "supervisor" | "主管" | "客关" | "客关部" | "总控" => Ok(Role::Supervisor),
            "admin" | "管理员" => Ok(Role::Admin),
            _ => Err(()),
        }
    }
}

/// A set of roles, kept sorted and without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Self {
        roles.sort();
        roles.dedup();
        Roles(roles)
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// A delivery ambassador, regular or backup (应急大使).
    pub fn is_ambassador(&self) -> bool {
        self.has(Role::Ambassador) || self.has(Role::BackupAmbassador)
    }

    /// Admins can do everything a supervisor can.
    pub fn can_supervise(&self) -> bool {
        crate::domain::authz::can_supervise(self)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Storage form: comma-separated identifiers.
    pub fn to_db(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the storage form; unknown identifiers are skipped so an old row never blocks a login.
    pub fn from_db(s: &str) -> Self {
        Roles::new(s.split(',').filter_map(|r| r.parse().ok()).collect())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Seniority {
    #[default]
    Regular,
    Senior,
}

impl Seniority {
    pub fn as_str(self) -> &'static str {
        match self {
            Seniority::Regular => "regular",
            Seniority::Senior => "senior",
        }
    }
}

impl FromStr for Seniority {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "regular" | "junior" | "normal" | "普通" | "一般" | "初级" | "否" | "no" | "n" => {
                Ok(Seniority::Regular)
            }
            "senior" | "资深" | "高级" | "是" | "yes" | "y" => Ok(Seniority::Senior),
            _ => Err(()),
        }
    }
}

/// The languages every user-facing text exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Maps a Telegram `language_code` (IETF tag) to a supported language, if any.
    pub fn from_telegram(code: &str) -> Option<Lang> {
        let lower = code.to_ascii_lowercase();
        if lower.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if lower.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "zh-cn" | "zh" | "zh-hans" | "中文" | "简体中文" | "cn" => Ok(Lang::ZhCn),
            "en" | "en-us" | "en-gb" | "english" | "英文" | "英语" => Ok(Lang::En),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_the_spellings_sales_systems_export() {
        assert_eq!("A+".parse(), Ok(Tier::APlus));
        assert_eq!("a＋".parse(), Ok(Tier::APlus));
        assert_eq!("A+类".parse(), Ok(Tier::APlus));
        assert_eq!("B类客户".parse(), Ok(Tier::B));
        assert_eq!(" c ".parse(), Ok(Tier::C));
        assert_eq!("D".parse::<Tier>(), Err(()));
    }

    #[test]
    fn roles_round_trip_through_storage() {
        let roles = Roles::new(vec![Role::Supervisor, Role::Ambassador, Role::Supervisor]);
        assert_eq!(roles.to_db(), "ambassador,supervisor");
        assert_eq!(Roles::from_db(&roles.to_db()), roles);
        assert!(Roles::new(vec![Role::Admin]).can_supervise());
        assert!(!Roles::new(vec![Role::Engineer]).can_supervise());
    }

    #[test]
    fn chinese_role_titles_are_understood() {
        assert_eq!("交付大使".parse(), Ok(Role::Ambassador));
        assert_eq!("应急大使".parse(), Ok(Role::BackupAmbassador));
        assert_eq!("楼栋长".parse(), Ok(Role::Engineer));
        assert_eq!("客关".parse(), Ok(Role::Supervisor));
    }

    #[test]
    fn telegram_language_codes_map_to_supported_languages() {
        assert_eq!(Lang::from_telegram("zh-hans"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_telegram("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_telegram("ru"), None);
    }
}

/// A staff member as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffMember {
    pub id: i64,
    pub name: String,
    pub phone: Option<crate::domain::phone::Phone>,
    pub roles: Roles,
    pub seniority: Seniority,
    pub capacity: Option<u32>,
    pub language: Option<Lang>,
    pub telegram_id: Option<i64>,
    /// Away (backups cover their buyers) since then, until `away_until` when known.
    pub away_since: Option<chrono::DateTime<chrono::Utc>>,
    pub away_until: Option<chrono::DateTime<chrono::Utc>>,
    /// The ambassador lets their buyers see their phone number.
    pub share_phone: bool,
    /// Buildings an engineer leads.
    pub buildings: Vec<String>,
}

impl StaffMember {
    pub fn is_away(&self) -> bool {
        self.away_since.is_some()
    }

    pub fn is_senior(&self) -> bool {
        self.seniority == Seniority::Senior
    }
}

/// Where a household is in the campaign, from first invitation to the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    NotInvited,
    Invited,
    Confirmed,
    Visited,
    HandedOver,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::NotInvited,
        Stage::Invited,
        Stage::Confirmed,
        Stage::Visited,
        Stage::HandedOver,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::NotInvited => "not_invited",
            Stage::Invited => "invited",
            Stage::Confirmed => "confirmed",
            Stage::Visited => "visited",
            Stage::HandedOver => "handed_over",
        }
    }

    /// A short code for button payloads.
    pub fn code(self) -> char {
        match self {
            Stage::NotInvited => 'n',
            Stage::Invited => 'i',
            Stage::Confirmed => 'c',
            Stage::Visited => 'v',
            Stage::HandedOver => 'h',
        }
    }

    pub fn from_code(code: char) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A buyer of one unit, as stored. One person who bought two homes has two rows with the same phone.
#[derive(Debug, Clone, PartialEq)]
pub struct Buyer {
    pub id: i64,
    pub name: String,
    pub phone: crate::domain::phone::Phone,
    pub tier: Tier,
    pub mailing_address: Option<String>,
    pub address_confirmed: bool,
    pub language: Option<Lang>,
    pub telegram_id: Option<i64>,
    /// Sent /stop: no follow-ups or other non-essential messages (repair updates still come).
    pub follow_ups_stopped: bool,
    pub unit: UnitLabel,
}

/// Where a unit is, as people say it: project, building, entrance (单元), room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLabel {
    pub unit_id: i64,
    pub project: String,
    pub building: String,
    pub entrance: String,
    pub room: String,
}

impl UnitLabel {
    /// "3-2-1502" style short label: building, entrance (when there is one), room.
    pub fn short(&self) -> String {
        if self.entrance.is_empty() {
            format!("{}-{}", self.building, self.room)
        } else {
            format!("{}-{}-{}", self.building, self.entrance, self.room)
        }
    }
}

/// Who is talking to the bot, resolved from their Telegram id.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Staff(StaffMember),
    /// Every unit this person bought (at least one).
    Buyer(Vec<Buyer>),
    /// Not linked yet.
    Unknown,
}

impl Actor {
    pub fn display_name(&self) -> Option<&str> {
        match self {
            Actor::Staff(s) => Some(&s.name),
            Actor::Buyer(units) => units.first().map(|b| b.name.as_str()),
            Actor::Unknown => None,
        }
    }

    pub fn can_supervise(&self) -> bool {
        matches!(self, Actor::Staff(s) if s.roles.can_supervise())
    }

    pub fn is_ambassador(&self) -> bool {
        matches!(self, Actor::Staff(s) if s.roles.is_ambassador())
    }

    /// The language stored with the person's record (from an import), if any.
    pub fn record_language(&self) -> Option<Lang> {
        match self {
            Actor::Staff(s) => s.language,
            Actor::Buyer(units) => units.iter().find_map(|b| b.language),
            Actor::Unknown => None,
        }
    }

    /// How this actor appears in the audit log.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::Staff(s) => format!("staff:{}", s.id),
            Actor::Buyer(units) => units
                .first()
                .map(|b| format!("buyer:{}", b.id))
                .unwrap_or_else(|| "buyer:?".into()),
            Actor::Unknown => "unknown".into(),
        }
    }
}
