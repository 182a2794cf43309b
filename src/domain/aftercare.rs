//! Handover and after (seed steps 7 and 9, and step 3's warning about group complaints): the
//! handover checklist, the follow-up cadence, survey scores, complaints, group-complaint
//! detection and warranty periods. No I/O.

use super::defect::Category;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What the handover checklist asks for. Items are identifiers: a built-in one (`water`,
/// `quality_guarantee`…) is shown in the reader's language, any other as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub key_kinds: Vec<String>,
    pub meters: Vec<String>,
    pub documents: Vec<String>,
}

impl Default for Checklist {
    fn default() -> Self {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        Checklist {
            key_kinds: list(&["entrance_door", "mailbox", "access_card"]),
            meters: list(&["water", "electricity", "gas"]),
            documents: list(&["quality_guarantee", "usage_manual"]),
        }
    }
}

/// Longest checklist item name; names travel in button labels.
const MAX_ITEM_CHARS: usize = 40;

/// Reads a comma-separated list of checklist items (full-width commas too).
pub fn parse_items(text: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = text
        .split([',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if items.len() > 10 {
        return Err("at most 10 items".into());
    }
    if let Some(long) = items.iter().find(|i| i.chars().count() > MAX_ITEM_CHARS) {
        return Err(format!(
            "{long:?} is longer than {MAX_ITEM_CHARS} characters"
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = items.iter().find(|i| !seen.insert(i.as_str())) {
        return Err(format!("{twice:?} is listed twice"));
    }
    Ok(items)
}

/// A meter reading as typed: digits with at most one decimal point (a comma counts as one).
pub fn parse_reading(text: &str) -> Option<String> {
    let cleaned: String = text
        .trim()
        .trim_end_matches(|c: char| c.is_alphabetic() || c == '³' || c.is_whitespace())
        .replace([',', '，', '。'], ".");
    let digits = cleaned.chars().filter(char::is_ascii_digit).count();
    let dots = cleaned.chars().filter(|c| *c == '.').count();
    let valid = (1..=12).contains(&digits)
        && dots <= 1
        && cleaned.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !cleaned.starts_with('.')
        && !cleaned.ends_with('.');
    valid.then_some(cleaned)
}

/// A meter as recorded at handover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterReading {
    pub meter: String,
    pub reading: String,
    /// The photo's SHA-256 in the media store.
    pub photo: String,
}

/// What the ambassador has recorded so far in a handover (kept in the dialogue state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HandoverDraft {
    /// Key kind and count, in checklist order.
    #[serde(default)]
    pub keys: Vec<(String, u32)>,
    #[serde(default)]
    pub meters: Vec<MeterReading>,
    /// Meters the home does not have (no gas, say).
    #[serde(default)]
    pub meters_absent: Vec<String>,
    #[serde(default)]
    pub documents: Vec<String>,
}

/// Where a follow-up is: stored as these strings in `follow_ups.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowUpStatus {
    /// Waiting for its day.
    Scheduled,
    Sent,
    /// Its day came and there was nothing to send, or nobody to send it to.
    Skipped,
    /// The buyer answered it.
    Answered,
}

impl FollowUpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpStatus::Scheduled => "scheduled",
            FollowUpStatus::Sent => "sent",
            FollowUpStatus::Skipped => "skipped",
            FollowUpStatus::Answered => "answered",
        }
    }
}

impl std::fmt::Display for FollowUpStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FollowUpStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        [
            FollowUpStatus::Scheduled,
            FollowUpStatus::Sent,
            FollowUpStatus::Skipped,
            FollowUpStatus::Answered,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
        .ok_or(())
    }
}

/// The kinds of follow-up message after the keys change hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    /// Thanks, and how to reach us.
    Thanks,
    /// "Anything not right?"; an answer opens a warranty report.
    Check,
    /// Satisfaction 1–5 and an optional comment.
    Survey,
    /// A friendly check-in.
    Checkin,
    /// The first year is about to end.
    YearEnd,
    /// While defects are open: their status, weekly.
    DefectDigest,
}

impl FollowUpKind {
    pub const ALL: [FollowUpKind; 6] = [
        FollowUpKind::Thanks,
        FollowUpKind::Check,
        FollowUpKind::Survey,
        FollowUpKind::Checkin,
        FollowUpKind::YearEnd,
        FollowUpKind::DefectDigest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpKind::Thanks => "thanks",
            FollowUpKind::Check => "check",
            FollowUpKind::Survey => "survey",
            FollowUpKind::Checkin => "checkin",
            FollowUpKind::YearEnd => "year_end",
            FollowUpKind::DefectDigest => "defect_digest",
        }
    }
}

impl FromStr for FollowUpKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        FollowUpKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or(())
    }
}

/// When each follow-up goes out, counted in days from the buyer's confirmation, at a fixed
/// local time of day so nobody is messaged at night.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub steps: Vec<(u32, FollowUpKind)>,
    pub at: NaiveTime,
    /// Days between two digests of open defects (0: none).
    pub digest_every: u32,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            steps: vec![
                (1, FollowUpKind::Thanks),
                (7, FollowUpKind::Check),
                (30, FollowUpKind::Survey),
                (90, FollowUpKind::Checkin),
                (180, FollowUpKind::Checkin),
                (330, FollowUpKind::YearEnd),
            ],
            at: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            digest_every: 7,
        }
    }
}

impl Cadence {
    /// Parses `1=thanks,7=check,30=survey,90=checkin,180=checkin,330=year_end`.
    pub fn parse_steps(text: &str) -> Result<Vec<(u32, FollowUpKind)>, String> {
        let mut steps = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (day, kind) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not day=kind"))?;
            let day: u32 = day
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| format!("{day:?} is not a day from 1 to 3650"))?;
            let kind: FollowUpKind = kind
                .parse()
                .ok()
                .filter(|k| *k != FollowUpKind::DefectDigest)
                .ok_or_else(|| {
                    format!("{kind:?} is not thanks, check, survey, checkin or year_end")
                })?;
            if steps.iter().any(|(d, _)| *d == day) {
                return Err(format!("day {day} is listed twice"));
            }
            steps.push((day, kind));
        }
        steps.sort_by_key(|(day, _)| *day);
        Ok(steps)
    }

    /// The moment day `day` after `handed_over` is due, at the cadence's local time.
    pub fn due(&self, handed_over: DateTime<Utc>, day: u32, tz: Tz) -> DateTime<Utc> {
        let date = handed_over.with_timezone(&tz).date_naive() + Duration::days(i64::from(day));
        local_time(date, self.at, tz)
    }
}

/// `date` at `time` in `tz` (the earlier instant when a clock change makes it ambiguous, an
/// hour later when it does not exist).
pub fn local_time(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_time(time);
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// A survey answer that needs a person to act at once.
pub const LOW_SCORE: u8 = 2;

/// Satisfaction: the mean survey score, `None` before any answer.
pub fn satisfaction(scores: &[u8]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    Some(scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64)
}

/// What a complaint is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Construction quality.
    Quality,
    /// Water seepage.
    Leakage,
    /// What was delivered differs from the contract, drawings or sales promises (seed step 1).
    DeliveryStandard,
    /// Shared facilities and surroundings.
    Facilities,
    PropertyService,
    /// Certificates and paperwork.
    Paperwork,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Quality,
        Topic::Leakage,
        Topic::DeliveryStandard,
        Topic::Facilities,
        Topic::PropertyService,
        Topic::Paperwork,
        Topic::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Quality => "quality",
            Topic::Leakage => "leakage",
            Topic::DeliveryStandard => "delivery_standard",
            Topic::Facilities => "facilities",
            Topic::PropertyService => "property_service",
            Topic::Paperwork => "paperwork",
            Topic::Other => "other",
        }
    }

    pub fn code(self) -> char {
        match self {
            Topic::Quality => 'q',
            Topic::Leakage => 'l',
            Topic::DeliveryStandard => 'd',
            Topic::Facilities => 'f',
            Topic::PropertyService => 's',
            Topic::Paperwork => 'p',
            Topic::Other => 'o',
        }
    }

    pub fn from_code(code: char) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.code() == code)
    }
}

impl FromStr for Topic {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s).ok_or(())
    }
}

/// How serious the buyer says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    General,
    Important,
    Major,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::General, Level::Important, Level::Major];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::General => "general",
            Level::Important => "important",
            Level::Major => "major",
        }
    }

    pub fn code(self) -> char {
        match self {
            Level::General => 'g',
            Level::Important => 'i',
            Level::Major => 'm',
        }
    }

    pub fn from_code(code: char) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl FromStr for Level {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Level::ALL.into_iter().find(|l| l.as_str() == s).ok_or(())
    }
}

/// When complaints on one topic from one building become a group complaint (群诉): this many
/// different households within this many days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupRule {
    pub households: u32,
    pub within: Duration,
}

impl Default for GroupRule {
    fn default() -> Self {
        GroupRule {
            households: 3,
            within: Duration::days(7),
        }
    }
}

impl GroupRule {
    /// Whether to raise a flag now: enough households complained in the window, and no flag
    /// for this building and topic was raised in the window already (so a wave raises one).
    pub fn raise(
        &self,
        households_in_window: usize,
        last_flag: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        households_in_window >= self.households as usize
            && last_flag.is_none_or(|at| at <= now - self.within)
    }
}

/// How long each kind of defect is under warranty after handover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warranty {
    /// Months per category; categories not listed use `default_months`.
    pub months: Vec<(Category, u32)>,
    pub default_months: u32,
}

impl Default for Warranty {
    /// China's minimum warranty periods (建设工程质量管理条例 §40): waterproofing against
    /// leaks 5 years; electrical, plumbing, equipment and decoration work 2 years.
    fn default() -> Self {
        Warranty {
            months: vec![(Category::Leakage, 60)],
            default_months: 24,
        }
    }
}

/// A period like `5y` or `24m` (whole years or months), in months.
fn parse_period(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a period like 5y or 24m");
    // The unit is the last character, which need not be one byte ("5年").
    let unit_at = text.char_indices().last().map_or(0, |(at, _)| at);
    let (number, unit) = text.split_at(unit_at);
    let n: u32 = number.trim().parse().map_err(|_| bad())?;
    let months = match unit {
        "y" | "Y" => n.checked_mul(12).ok_or_else(bad)?,
        "m" | "M" => n,
        _ => return Err(bad()),
    };
    if !(1..=1200).contains(&months) {
        return Err(bad());
    }
    Ok(months)
}

impl Warranty {
    /// Parses `leakage=5y,electrical=2y,*=2y` (`*` for every other category).
    pub fn parse(text: &str) -> Result<Warranty, String> {
        let mut warranty = Warranty::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, period) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not category=period"))?;
            let months = parse_period(period)?;
            if name.trim() == "*" {
                warranty.default_months = months;
                continue;
            }
            let category: Category = name
                .trim()
                .parse()
                .map_err(|_| format!("{name:?} is not a defect category"))?;
            warranty.months.retain(|(c, _)| *c != category);
            warranty.months.push((category, months));
        }
        Ok(warranty)
    }

    pub fn months(&self, category: Category) -> u32 {
        self.months
            .iter()
            .find(|(c, _)| *c == category)
            .map_or(self.default_months, |(_, m)| *m)
    }

    /// The last day of cover for `category` after a handover on `handed_over` (a local date).
    pub fn ends(&self, category: Category, handed_over: NaiveDate) -> NaiveDate {
        let end = handed_over
            .checked_add_months(Months::new(self.months(category)))
            .unwrap_or(NaiveDate::MAX);
        end.pred_opt().unwrap_or(end)
    }

    /// Whether a problem reported on `reported` (local date) is still covered.
    pub fn covers(&self, category: Category, handed_over: NaiveDate, reported: NaiveDate) -> bool {
        reported <= self.ends(category, handed_over)
    }
}

/// The first anniversary of a handover, for the year-end reminder.
pub fn first_anniversary(handed_over: NaiveDate) -> NaiveDate {
    handed_over
        .with_year(handed_over.year() + 1)
        .or_else(|| handed_over.checked_add_months(Months::new(12)))
        .unwrap_or(handed_over)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_default_cadence_is_the_issues_and_lands_at_ten_local() {
        let cadence = Cadence::default();
        let days: Vec<u32> = cadence.steps.iter().map(|(d, _)| *d).collect();
        assert_eq!(days, [1, 7, 30, 90, 180, 330]);
        // Confirmed at 23:30 Shanghai on 26 Nov: day 1 is 27 Nov 10:00 Shanghai = 02:00 UTC.
        let confirmed = Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap();
        assert_eq!(
            cadence.due(confirmed, 1, chrono_tz::Asia::Shanghai),
            Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap()
        );
    }

    #[test]
    fn cadence_steps_parse_and_refuse_nonsense() {
        assert_eq!(
            Cadence::parse_steps("30=survey, 2=thanks").unwrap(),
            vec![(2, FollowUpKind::Thanks), (30, FollowUpKind::Survey)]
        );
        assert!(Cadence::parse_steps("0=thanks").is_err());
        assert!(Cadence::parse_steps("1=party").is_err());
        assert!(Cadence::parse_steps("1=thanks,1=check").is_err());
        assert!(Cadence::parse_steps("7=defect_digest").is_err());
    }

    #[test]
    fn readings_accept_what_people_type() {
        assert_eq!(parse_reading("123.4"), Some("123.4".into()));
        assert_eq!(parse_reading(" 0045,6 m³"), Some("0045.6".into()));
        assert_eq!(parse_reading("87 度"), Some("87".into()));
        assert_eq!(parse_reading("abc"), None);
        assert_eq!(parse_reading("1.2.3"), None);
        assert_eq!(parse_reading(""), None);
    }

    #[test]
    fn group_complaints_need_enough_households_and_raise_once_per_window() {
        let rule = GroupRule::default();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert!(!rule.raise(2, None, now));
        assert!(rule.raise(3, None, now));
        assert!(!rule.raise(4, Some(now - Duration::days(1)), now));
        assert!(rule.raise(3, Some(now - Duration::days(8)), now));
    }

    #[test]
    fn warranty_defaults_follow_the_chinese_minimums() {
        let warranty = Warranty::default();
        let handed = date(2026, 11, 27);
        assert_eq!(warranty.ends(Category::Leakage, handed), date(2031, 11, 26));
        assert_eq!(
            warranty.ends(Category::Electrical, handed),
            date(2028, 11, 26)
        );
        assert!(warranty.covers(Category::Plumbing, handed, date(2028, 11, 26)));
        assert!(!warranty.covers(Category::Plumbing, handed, date(2028, 11, 27)));
        let custom = Warranty::parse("electrical=3y,*=12m").unwrap();
        assert_eq!(custom.months(Category::Electrical), 36);
        assert_eq!(custom.months(Category::Leakage), 60);
        assert_eq!(custom.months(Category::Fixtures), 12);
        assert!(Warranty::parse("leakage=5x").is_err());
        assert!(Warranty::parse("roof=5y").is_err());
    }

    #[test]
    fn checklist_items_are_checked() {
        assert_eq!(
            parse_items("water， electricity ,gas").unwrap(),
            vec!["water", "electricity", "gas"]
        );
        assert!(parse_items("a,a").is_err());
        assert!(parse_items(&"x".repeat(41)).is_err());
    }

    #[test]
    fn anniversaries_of_leap_days_fall_on_the_first_of_march_or_the_28th() {
        assert_eq!(first_anniversary(date(2026, 11, 27)), date(2027, 11, 27));
        assert_eq!(first_anniversary(date(2028, 2, 29)), date(2029, 2, 28));
    }

    proptest! {
        #[test]
        fn every_follow_up_is_due_at_the_local_hour_on_its_day(
            minutes in 0i64..(366 * 24 * 60), day in 1u32..400
        ) {
            let tz = chrono_tz::Asia::Shanghai;
            let cadence = Cadence::default();
            let confirmed = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes);
            let due = cadence.due(confirmed, day, tz).with_timezone(&tz);
            prop_assert_eq!(due.time(), cadence.at);
            prop_assert_eq!(
                (due.date_naive() - confirmed.with_timezone(&tz).date_naive()).num_days(),
                i64::from(day)
            );
        }
    }
}
