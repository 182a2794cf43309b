//! The one place that turns domain values into the reader's words: lists joined the way the
//! reader's language joins them, every enum a person sees named through its locale key, and
//! dates and times written the one way every message writes them.

use crate::domain::aftercare::{Level, Topic};
use crate::domain::appointment::SlotKind;
use crate::domain::defect::{Category, Room, Severity};
use crate::domain::import::ImportKind;
use crate::domain::kpi::Kpi;
use crate::domain::people::{Lang, RiskFlag, Role, Stage};
use crate::domain::remediation::{Action, AgeBand, DefectStatus};
use crate::i18n::{Arg, I18n};

/// Names or short labels joined as the reader's language lists them: "Li、Wang" in Chinese,
/// "Li, Wang" in English. Returns plain text: escape it (or pass it as a text argument).
pub fn list<S: AsRef<str>>(i18n: &I18n, lang: Lang, items: impl IntoIterator<Item = S>) -> String {
    join(i18n, lang, "name-separator", items)
}

/// The parts of one line ("Kitchen · Leakage · Urgent"), joined by the mark every message puts
/// between them. The parts are HTML already: escape what a person typed first.
pub fn parts<S: AsRef<str>>(i18n: &I18n, lang: Lang, items: impl IntoIterator<Item = S>) -> String {
    join(i18n, lang, "part-separator", items)
}

/// Alternatives of which any one will do: "building / 楼栋 / 楼号".
pub fn alternatives<S: AsRef<str>>(
    i18n: &I18n,
    lang: Lang,
    items: impl IntoIterator<Item = S>,
) -> String {
    join(i18n, lang, "alternative-separator", items)
}

/// Codes a person may type, each with its name: "ambassador (Ambassador), engineer (…)".
pub fn options<S: AsRef<str>>(
    i18n: &I18n,
    lang: Lang,
    items: impl IntoIterator<Item = S>,
) -> String {
    join(i18n, lang, "option-separator", items)
}

/// Paragraphs, each its own block: a title and its lines, then the next section.
pub fn paragraphs<S: AsRef<str>>(
    i18n: &I18n,
    lang: Lang,
    items: impl IntoIterator<Item = S>,
) -> String {
    join(i18n, lang, "paragraph-break", items)
}

fn join<S: AsRef<str>>(
    i18n: &I18n,
    lang: Lang,
    separator_key: &'static str,
    items: impl IntoIterator<Item = S>,
) -> String {
    let separator = i18n.text(lang, separator_key, &[]);
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(&separator);
        }
        out.push_str(item.as_ref());
    }
    out
}

/// A line and what is said about it after a dash ("Kitchen — the tap drips"). Both HTML.
pub fn with_detail(i18n: &I18n, lang: Lang, line: &str, detail: &str) -> String {
    crate::tr!(
        i18n,
        lang,
        "line-detail",
        line = Arg::Html(line.to_string()),
        detail = Arg::Html(detail.to_string())
    )
}

/// One entry of a bulleted list (HTML).
pub fn list_item(i18n: &I18n, lang: Lang, text: &str) -> String {
    crate::tr!(i18n, lang, "list-item", text = Arg::Html(text.to_string()))
}

/// One entry of a bulleted list inside another list, indented under its heading (HTML).
pub fn sub_item(i18n: &I18n, lang: Lang, text: &str) -> String {
    crate::tr!(
        i18n,
        lang,
        "list-sub-item",
        text = Arg::Html(text.to_string())
    )
}

/// One entry of a numbered list: "3. Kitchen" (HTML).
pub fn numbered(i18n: &I18n, lang: Lang, number: usize, text: &str) -> String {
    crate::tr!(
        i18n,
        lang,
        "numbered-item",
        number = number,
        text = Arg::Html(text.to_string())
    )
}

/// What is counted, and so how a count of it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Photos attached to an item: "📷 2".
    Photos,
}

impl Unit {
    fn key(self) -> &'static str {
        match self {
            Unit::Photos => "count-photos",
        }
    }
}

/// A number with its unit, written as the reader's language writes it.
pub fn count(i18n: &I18n, lang: Lang, unit: Unit, n: usize) -> String {
    i18n.text(lang, unit.key(), &[("count", Arg::from(n))])
}

/// How many of a named thing: "Front door key × 2". `what` is HTML.
pub fn count_of(i18n: &I18n, lang: Lang, what: &str, n: usize) -> String {
    crate::tr!(
        i18n,
        lang,
        "count-of",
        what = Arg::Html(what.to_string()),
        count = n
    )
}

/// From one time of day to another, "09:00–10:00": both ends in the project's time zone.
pub fn time_range(i18n: &I18n, lang: Lang, start: &impl Times, end: &impl Times) -> String {
    crate::tr!(
        i18n,
        lang,
        "time-range",
        start = start.present_time(),
        end = end.present_time()
    )
}

/// A span of whole numbers, "8–14"; an open one is written from its lower end, ">30" (HTML).
pub fn number_range(i18n: &I18n, lang: Lang, from: i64, to: Option<i64>) -> String {
    match to {
        Some(to) => crate::tr!(i18n, lang, "number-range", from = from, to = to),
        None => crate::tr!(i18n, lang, "number-above", from = from),
    }
}

/// An age band of unresolved items, in days: "0–7", ">30" (HTML).
pub fn age_band(i18n: &I18n, lang: Lang, band: AgeBand) -> String {
    match band {
        AgeBand::UpTo7 => number_range(i18n, lang, 0, Some(7)),
        AgeBand::UpTo14 => number_range(i18n, lang, 8, Some(14)),
        AgeBand::UpTo30 => number_range(i18n, lang, 15, Some(30)),
        AgeBand::Over30 => number_range(i18n, lang, 30, None),
    }
}

/// Who does a repair: the engineer, and the contractor when one does the work (HTML).
pub fn engineer(i18n: &I18n, lang: Lang, name: &str, contractor: Option<&str>) -> String {
    match contractor {
        Some(contractor) => crate::tr!(
            i18n,
            lang,
            "engineer-with-contractor",
            engineer = name,
            contractor = contractor
        ),
        None => crate::i18n::escape_html(name).into_owned(),
    }
}

/// A choice shown with its box, "☑ label" or "☐ label" (a button's plain label).
pub fn checkbox(i18n: &I18n, lang: Lang, ticked: bool, label: &str) -> String {
    crate::tr!(
        i18n,
        lang,
        "checkbox",
        ticked = yes_no(ticked),
        label = Arg::Html(label.to_string())
    )
}

/// A yes-or-no argument, for a locale message that selects on it (`[yes]` / `*[no]`).
pub fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

/// How dates and times are written in every message, in both languages: ISO order, a 24-hour
/// clock, no weekday (a weekday, where one is shown, is a locale key of its own). Changing a
/// pattern here changes every message at once.
mod pattern {
    pub const DATE: &str = "%Y-%m-%d";
    pub const MONTH_DAY: &str = "%m-%d";
    pub const DATE_TIME: &str = "%Y-%m-%d %H:%M";
    pub const MONTH_DAY_TIME: &str = "%m-%d %H:%M";
    pub const TIME: &str = "%H:%M";
}

/// A day as a reader sees it: `2026-05-01`, or `05-01` where the year goes without saying.
/// Already in the project's time zone: convert with `with_timezone` first.
pub trait Dates {
    fn present_date(&self) -> String;
    fn present_month_day(&self) -> String;
}

/// A moment as a reader sees it: `2026-05-01 09:30`, `05-01 09:30` or `09:30`.
pub trait Times {
    fn present_date_time(&self) -> String;
    fn present_month_day_time(&self) -> String;
    fn present_time(&self) -> String;
}

/// The start of an hour of the day, "09:00", written as every other time of day is.
pub fn hour_of_day(hour: u32) -> String {
    chrono::NaiveTime::from_hms_opt(hour, 0, 0)
        .map(|t| t.format(pattern::TIME).to_string())
        // Not an hour of a day: shown as the number it is rather than dropped.
        .unwrap_or_else(|| hour.to_string())
}

impl Dates for chrono::NaiveDate {
    fn present_date(&self) -> String {
        self.format(pattern::DATE).to_string()
    }
    fn present_month_day(&self) -> String {
        self.format(pattern::MONTH_DAY).to_string()
    }
}

/// Implements both traits for a type that has a date and a time of day.
macro_rules! moments {
    ($($ty:ty),* $(,)?) => {$(
        impl Dates for $ty {
            fn present_date(&self) -> String {
                self.format(pattern::DATE).to_string()
            }
            fn present_month_day(&self) -> String {
                self.format(pattern::MONTH_DAY).to_string()
            }
        }

        impl Times for $ty {
            fn present_date_time(&self) -> String {
                self.format(pattern::DATE_TIME).to_string()
            }
            fn present_month_day_time(&self) -> String {
                self.format(pattern::MONTH_DAY_TIME).to_string()
            }
            fn present_time(&self) -> String {
                self.format(pattern::TIME).to_string()
            }
        }
    )*};
}

moments!(
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono_tz::Tz>,
    chrono::DateTime<chrono::FixedOffset>,
);

/// A value a person sees by name: its locale key, and its name in the reader's language.
pub trait Label {
    /// The locale key of the value's name (present in every locale).
    fn label_key(&self) -> &'static str;

    /// The value's name in `lang`.
    fn label(&self, i18n: &I18n, lang: Lang) -> String {
        i18n.text(lang, self.label_key(), &[])
    }
}

impl Label for Room {
    fn label_key(&self) -> &'static str {
        match self {
            Room::LivingRoom => "room-living",
            Room::Bedroom => "room-bedroom",
            Room::Kitchen => "room-kitchen",
            Room::Bathroom => "room-bathroom",
            Room::Balcony => "room-balcony",
            Room::Exterior => "room-exterior",
            Room::Other => "room-other",
        }
    }
}

impl Label for Category {
    fn label_key(&self) -> &'static str {
        match self {
            Category::Leakage => "category-leakage",
            Category::HollowOrCrack => "category-hollow-crack",
            Category::PaintAndWalls => "category-paint",
            Category::TilesAndFloors => "category-tiles",
            Category::DoorsAndWindows => "category-doors",
            Category::Plumbing => "category-plumbing",
            Category::Electrical => "category-electrical",
            Category::Fixtures => "category-fixtures",
            Category::Exterior => "category-exterior",
            Category::Other => "category-other",
        }
    }
}

impl Label for Severity {
    fn label_key(&self) -> &'static str {
        match self {
            Severity::Urgent => "severity-urgent",
            Severity::High => "severity-high",
            Severity::Normal => "severity-normal",
            Severity::Low => "severity-low",
        }
    }
}

impl Label for DefectStatus {
    fn label_key(&self) -> &'static str {
        match self {
            DefectStatus::Open => "defect-status-open",
            DefectStatus::Assigned => "defect-status-assigned",
            DefectStatus::InProgress => "defect-status-in-progress",
            DefectStatus::OnHold => "defect-status-on-hold",
            DefectStatus::Fixed => "defect-status-fixed",
            DefectStatus::Verified => "defect-status-verified",
            DefectStatus::Closed => "defect-status-closed",
            DefectStatus::Reopened => "defect-status-reopened",
            DefectStatus::Rejected => "defect-status-rejected",
            DefectStatus::Reported => "defect-status-reported",
            DefectStatus::Recorded => "defect-status-recording",
        }
    }
}

/// A remediation step, as its button says it.
impl Label for Action {
    fn label_key(&self) -> &'static str {
        match self {
            Action::Assign => "button-step-assign",
            Action::Start => "button-step-start",
            Action::Hold => "button-step-hold",
            Action::Resume => "button-step-resume",
            Action::Fix => "button-step-fix",
            Action::Verify => "button-step-verify",
            Action::Reopen => "button-step-reopen",
            Action::Close => "button-step-close",
            Action::Reject => "button-step-reject",
        }
    }
}

impl Label for Topic {
    fn label_key(&self) -> &'static str {
        match self {
            Topic::Quality => "topic-quality",
            Topic::Leakage => "topic-leakage",
            Topic::DeliveryStandard => "topic-delivery-standard",
            Topic::Facilities => "topic-facilities",
            Topic::PropertyService => "topic-property-service",
            Topic::Paperwork => "topic-paperwork",
            Topic::Other => "topic-other",
        }
    }
}

impl Label for Level {
    fn label_key(&self) -> &'static str {
        match self {
            Level::General => "level-general",
            Level::Important => "level-important",
            Level::Major => "level-major",
        }
    }
}

impl Label for Kpi {
    fn label_key(&self) -> &'static str {
        match self {
            Kpi::VisitRate => "kpi-visit-rate",
            Kpi::HandoverRate => "kpi-handover-rate",
            Kpi::DefectsPerHousehold => "kpi-defects-per-household",
            Kpi::LeakageRate => "kpi-leakage-rate",
            Kpi::Satisfaction => "kpi-satisfaction",
        }
    }
}

impl Label for Role {
    fn label_key(&self) -> &'static str {
        match self {
            Role::Ambassador => "role-ambassador",
            Role::BackupAmbassador => "role-backup-ambassador",
            Role::Engineer => "role-engineer",
            Role::ComplaintReception => "role-complaints",
            Role::Supervisor => "role-supervisor",
            Role::Admin => "role-admin",
        }
    }
}

impl Label for Stage {
    fn label_key(&self) -> &'static str {
        match self {
            Stage::NotInvited => "stage-not-invited",
            Stage::Invited => "stage-invited",
            Stage::Confirmed => "stage-confirmed",
            Stage::Visited => "stage-visited",
            Stage::HandedOver => "stage-handed-over",
        }
    }
}

impl Label for RiskFlag {
    fn label_key(&self) -> &'static str {
        match self {
            RiskFlag::GroupComplaint => "flag-group-complaint",
            RiskFlag::Ringleader => "flag-ringleader",
            RiskFlag::Media => "flag-media",
            RiskFlag::Government => "flag-government",
            RiskFlag::Discontent => "flag-discontent",
        }
    }
}

impl Label for SlotKind {
    fn label_key(&self) -> &'static str {
        match self {
            SlotKind::Inspection => "kind-inspection",
            SlotKind::Handover => "kind-handover",
        }
    }
}

impl Label for ImportKind {
    fn label_key(&self) -> &'static str {
        match self {
            ImportKind::Buyers => "import-kind-buyers",
            ImportKind::Staff => "import-kind-staff",
            ImportKind::Slots => "import-kind-slots",
            ImportKind::Risks => "import-kind-risks",
            ImportKind::Answers => "import-kind-answers",
        }
    }
}

impl Label for crate::domain::risk::RiskCategory {
    fn label_key(&self) -> &'static str {
        use crate::domain::risk::RiskCategory;
        match self {
            RiskCategory::ContractStandard => "risk-category-contract-standard",
            RiskCategory::Drawings => "risk-category-drawings",
            RiskCategory::SalesPromise => "risk-category-sales-promise",
            RiskCategory::DesignChange => "risk-category-design-change",
            RiskCategory::Contact => "risk-category-contact",
            RiskCategory::Other => "risk-category-other",
        }
    }
}

impl Label for crate::domain::risk::Severity {
    fn label_key(&self) -> &'static str {
        use crate::domain::risk::Severity;
        match self {
            Severity::Low => "risk-severity-low",
            Severity::Medium => "risk-severity-medium",
            Severity::High => "risk-severity-high",
        }
    }
}

impl Label for crate::domain::risk::RiskStatus {
    fn label_key(&self) -> &'static str {
        use crate::domain::risk::RiskStatus;
        match self {
            RiskStatus::Open => "risk-status-open",
            RiskStatus::ResponseReady => "risk-status-response-ready",
            RiskStatus::Resolved => "risk-status-resolved",
            RiskStatus::Accepted => "risk-status-accepted",
        }
    }
}

impl Label for crate::domain::risk::ScopeError {
    fn label_key(&self) -> &'static str {
        use crate::domain::risk::ScopeError;
        match self {
            ScopeError::UnknownScope => "row-bad-scope",
            ScopeError::BuildingMissing => "row-scope-building-missing",
            ScopeError::UnitTypeMissing => "row-scope-unit-type-missing",
            ScopeError::UnitMissing => "row-scope-unit-missing",
        }
    }
}

impl Label for crate::domain::precontact::Attitude {
    fn label_key(&self) -> &'static str {
        use crate::domain::precontact::Attitude;
        match self {
            Attitude::Calm => "attitude-calm",
            Attitude::Concerned => "attitude-concerned",
            Attitude::Dissatisfied => "attitude-dissatisfied",
            Attitude::Hostile => "attitude-hostile",
        }
    }
}

impl Label for crate::domain::precontact::KeyDate {
    fn label_key(&self) -> &'static str {
        use crate::domain::precontact::KeyDate;
        match self {
            KeyDate::RiskReviewDone => "key-date-risk-review-done",
            KeyDate::Rehearsal => "key-date-rehearsal",
            KeyDate::OpenDay => "key-date-open-day",
            KeyDate::FirstInspection => "key-date-first-inspection",
            KeyDate::HandoverStart => "key-date-handover-start",
            KeyDate::HandoverEnd => "key-date-handover-end",
        }
    }
}

impl Label for crate::domain::expert::ExpertField {
    fn label_key(&self) -> &'static str {
        use crate::domain::expert::ExpertField;
        match self {
            ExpertField::Sales => "expert-field-sales",
            ExpertField::Engineering => "expert-field-engineering",
            ExpertField::Design => "expert-field-design",
            ExpertField::Legal => "expert-field-legal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_written_one_way() {
        use chrono::TimeZone as _;
        let at = chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 5, 1, 9, 5, 0)
            .single()
            .unwrap();
        assert_eq!(at.present_date(), "2026-05-01");
        assert_eq!(at.present_month_day(), "05-01");
        assert_eq!(at.present_date_time(), "2026-05-01 09:05");
        assert_eq!(at.present_month_day_time(), "05-01 09:05");
        assert_eq!(at.present_time(), "09:05");
        assert_eq!(at.date_naive().present_date(), "2026-05-01");
        assert_eq!(hour_of_day(9), "09:00");
    }

    fn keys() -> Vec<&'static str> {
        let mut keys = Vec::new();
        keys.extend(Room::ALL.iter().map(Label::label_key));
        keys.extend(Category::ALL.iter().map(Label::label_key));
        keys.extend(Severity::ALL.iter().map(Label::label_key));
        keys.extend(DefectStatus::ALL.iter().map(Label::label_key));
        keys.extend(Action::ALL.iter().map(Label::label_key));
        keys.extend(Topic::ALL.iter().map(Label::label_key));
        keys.extend(Level::ALL.iter().map(Label::label_key));
        keys.extend(Kpi::ALL.iter().map(Label::label_key));
        keys.extend(Role::ALL.iter().map(Label::label_key));
        keys.extend(Stage::ALL.iter().map(Label::label_key));
        keys.extend(RiskFlag::ALL.iter().map(Label::label_key));
        keys.extend(
            [SlotKind::Inspection, SlotKind::Handover]
                .iter()
                .map(Label::label_key),
        );
        keys.extend(ImportKind::ALL.iter().map(Label::label_key));
        keys.extend(
            crate::domain::risk::RiskCategory::ALL
                .iter()
                .map(Label::label_key),
        );
        keys.extend(
            crate::domain::risk::Severity::ALL
                .iter()
                .map(Label::label_key),
        );
        keys.extend(
            crate::domain::risk::RiskStatus::ALL
                .iter()
                .map(Label::label_key),
        );
        keys.extend(
            crate::domain::precontact::Attitude::ALL
                .iter()
                .map(Label::label_key),
        );
        keys.extend(
            crate::domain::precontact::KeyDate::ALL
                .iter()
                .map(Label::label_key),
        );
        {
            use crate::services::assignment::Reason;
            keys.extend(
                [
                    Reason::Assigned,
                    Reason::Reassigned,
                    Reason::Away,
                    Reason::Returned,
                ]
                .iter()
                .map(Label::label_key),
            );
        }
        keys
    }

    /// The keys are not `tr!` literals, so the locale scan cannot see them: check them here.
    #[test]
    fn every_label_key_exists_in_every_locale() {
        let i18n = I18n::load().unwrap();
        for key in keys() {
            for lang in Lang::ALL {
                assert!(i18n.has(lang, key), "{key:?} missing in {lang}");
            }
        }
    }

    #[test]
    fn lines_are_laid_out_the_same_way_in_both_languages() {
        use chrono::TimeZone as _;
        let i18n = I18n::load().unwrap();
        for lang in Lang::ALL {
            assert_eq!(
                parts(&i18n, lang, ["Kitchen", "Leakage"]),
                "Kitchen · Leakage"
            );
            assert_eq!(paragraphs(&i18n, lang, ["a", "b"]), "a\n\nb");
            assert_eq!(with_detail(&i18n, lang, "a", "<i>b</i>"), "a — <i>b</i>");
            assert_eq!(list_item(&i18n, lang, "a"), "• a");
            assert_eq!(sub_item(&i18n, lang, "a"), "  • a");
            assert_eq!(numbered(&i18n, lang, 3, "a"), "3. a");
            assert_eq!(count(&i18n, lang, Unit::Photos, 2), "📷 2");
            assert_eq!(count_of(&i18n, lang, "key", 2), "key × 2");
            assert_eq!(number_range(&i18n, lang, 8, Some(14)), "8–14");
            assert_eq!(number_range(&i18n, lang, 30, None), "&gt;30");
            let at = |h| {
                chrono_tz::Asia::Shanghai
                    .with_ymd_and_hms(2026, 5, 1, h, 0, 0)
                    .single()
                    .unwrap()
            };
            assert_eq!(time_range(&i18n, lang, &at(9), &at(10)), "09:00–10:00");
        }
    }

    #[test]
    fn lists_join_the_way_the_readers_language_does() {
        let i18n = I18n::load().unwrap();
        assert_eq!(list(&i18n, Lang::ZhCn, ["Li", "Wang"]), "Li、Wang");
        assert_eq!(list(&i18n, Lang::En, ["Li", "Wang"]), "Li, Wang");
        assert_eq!(list(&i18n, Lang::En, ["Li"]), "Li");
        assert_eq!(list(&i18n, Lang::En, Vec::<&str>::new()), "");
    }
}
