//! Buyer and staff lists from the files supervisors upload (CSV or XLSX): bytes in, typed rows
//! or a precise, structured report of everything wrong with the file out. No I/O here.
//!
//! - The header row is the first non-empty row that names at least two known columns (a title
//!   row or two above it, as spreadsheets often have, is skipped); headers are matched
//!   case-insensitively, ignoring surrounding spaces, full-width characters and "*" / "（必填）"
//!   markers. [`header_aliases`] lists every accepted spelling. Unknown columns are ignored.
//! - Cells are trimmed; rows whose known cells are all empty are skipped, but line numbers are
//!   always the ones a person sees in a spreadsheet or text editor (header = line 1 when it is
//!   the first line).
//! - CSV: UTF-8 with or without BOM; GBK/GB18030 (what Excel on Chinese Windows saves) and
//!   UTF-16 with a BOM are accepted too. Comma-separated, or tab/semicolon when the header uses
//!   those instead.
//! - XLSX: the first worksheet; integral numbers read without ".0".
//! - Any bad cell rejects the whole file; every problem is reported.

mod headers;
mod rows;
mod source;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::domain::people::{Lang, RiskFlag, Roles, Seniority, Tier};
use crate::domain::phone::Phone;

/// At most this many data rows per file.
pub const MAX_DATA_ROWS: usize = 100_000;
/// [`ImportError::Rows`] lists at most this many problems (and counts all of them).
pub const MAX_REPORTED_ERRORS: usize = 50;
/// The header row must be among the first this many non-empty rows.
pub const MAX_ROWS_BEFORE_HEADER: usize = 10;
/// An .xlsx is a zip archive: at most this many bytes unpacked, so a small crafted file cannot
/// fill memory. A full sheet of [`MAX_DATA_ROWS`] buyers unpacks to about 60 MB.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

pub const MAX_NAME_LEN: usize = 100;
pub const MAX_PROJECT_LEN: usize = 100;
pub const MAX_ADDRESS_LEN: usize = 500;
/// Building, entrance (单元) and room numbers, also each building an engineer leads.
pub const MAX_PLACE_LEN: usize = 50;
/// A risk's description and its planned response.
pub const MAX_TEXT_LEN: usize = 2000;
/// One keyword of an answer (a word or a short phrase buyers use).
pub const MAX_KEYWORD_LEN: usize = 50;
pub const MIN_CAPACITY: u32 = 1;
pub const MAX_CAPACITY: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Buyers,
    Staff,
    /// Inspection and handover time slots.
    Slots,
    /// The risk register (风险清单).
    Risks,
    /// The answer library (统一说辞).
    Answers,
}

impl ImportKind {
    pub const ALL: [ImportKind; 5] = [
        ImportKind::Buyers,
        ImportKind::Staff,
        ImportKind::Slots,
        ImportKind::Risks,
        ImportKind::Answers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Buyers => "buyers",
            ImportKind::Staff => "staff",
            ImportKind::Slots => "slots",
            ImportKind::Risks => "risks",
            ImportKind::Answers => "answers",
        }
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// `.csv` or `.xlsx`, in any case. Anything else — including the old binary `.xls`,
    /// which is not supported — is `None`.
    pub fn from_file_name(name: &str) -> Option<FileFormat> {
        let (_, ext) = name.trim().rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }
}

/// One buyer (one buyer of one unit; co-owners are one row each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerRow {
    /// Line of the row in the file (see [`RowError::line`]).
    pub line: usize,
    pub project: Option<String>,
    /// The project's display name (项目名称), when the file gives one.
    pub project_name: Option<String>,
    pub building: String,
    /// 单元; `""` when the file has no such column or the cell is empty.
    pub entrance: String,
    pub room: String,
    pub name: String,
    pub phone: Phone,
    /// [`Tier::B`] when the column is absent or the cell empty.
    pub tier: Tier,
    /// Sorted, without duplicates.
    pub risk_flags: Vec<RiskFlag>,
    pub mailing_address: Option<String>,
    pub language: Option<Lang>,
    /// 户型; `None` when the column is absent or the cell empty (a unit type on file is kept).
    pub unit_type: Option<String>,
    /// 镜像: the home's layout is its type's plan flipped; `None` keeps what is on file.
    pub mirrored: Option<bool>,
}

/// One risk of the register. The owner is a staff member's name (or phone), looked up when the
/// file is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRow {
    pub line: usize,
    pub project: Option<String>,
    pub scope: crate::domain::risk::RiskScope,
    pub category: crate::domain::risk::RiskCategory,
    pub difference: String,
    pub response: Option<String>,
    pub owner: Option<String>,
    /// The owner column's header as written, to name it in a row error.
    pub owner_column: String,
    /// [`Severity::Medium`](crate::domain::risk::Severity) when the column is absent or empty.
    pub severity: crate::domain::risk::Severity,
}

/// One staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub line: usize,
    pub project: Option<String>,
    pub name: String,
    /// Staff without a phone are linked by invite code instead.
    pub phone: Option<Phone>,
    /// At least one.
    pub roles: Roles,
    /// [`Seniority::Regular`] when the column is absent or the cell empty.
    pub seniority: Seniority,
    pub capacity: Option<u32>,
    /// Buildings an engineer leads, in file order, without duplicates.
    pub buildings: Vec<String>,
    pub language: Option<Lang>,
    /// The status column says the person has left (离职 / left): they are deactivated.
    pub left: bool,
    /// The fields they answer for as an expert (专家领域); `None` when the file has no such
    /// column (what is on file stays), empty when the cell is.
    pub expert_fields: Option<Vec<crate::domain::expert::ExpertField>>,
}

/// One approved answer of the library. A question already in the library (compared as
/// [`crate::domain::answer::normalize`] reads it) gets a new version when anything differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub line: usize,
    pub question: String,
    pub keywords: Vec<String>,
    pub text_zh: String,
    pub text_en: Option<String>,
    /// The whole project when the column is absent or the cell empty.
    pub scope: crate::domain::risk::RiskScope,
    /// `None` when the column is absent or the cell empty: a new answer is not for buyers'
    /// `/ask`, one in the library keeps its setting.
    pub buyers_may_see: Option<bool>,
}

/// One time slot, in the project's local time (the service places it in the time zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRow {
    pub line: usize,
    pub project: Option<String>,
    pub date: chrono::NaiveDate,
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
    pub capacity: u32,
    pub kind: crate::domain::appointment::SlotKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Buyers(Vec<BuyerRow>),
    Staff(Vec<StaffRow>),
    Slots(Vec<SlotRow>),
    Risks(Vec<RiskRow>),
    Answers(Vec<AnswerRow>),
}

impl Parsed {
    pub fn kind(&self) -> ImportKind {
        match self {
            Parsed::Buyers(_) => ImportKind::Buyers,
            Parsed::Staff(_) => ImportKind::Staff,
            Parsed::Slots(_) => ImportKind::Slots,
            Parsed::Risks(_) => ImportKind::Risks,
            Parsed::Answers(_) => ImportKind::Answers,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Parsed::Buyers(rows) => rows.len(),
            Parsed::Staff(rows) => rows.len(),
            Parsed::Slots(rows) => rows.len(),
            Parsed::Risks(rows) => rows.len(),
            Parsed::Answers(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A problem in one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based line/row number as a person sees it in a spreadsheet or text editor
    /// (header = line 1 when it is the first line).
    pub line: usize,
    /// The header text as written in the file (surrounding spaces trimmed).
    pub column: String,
    pub reason: RowProblem,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.reason
        )
    }
}

/// What is wrong with a cell. `value` fields hold the offending text (for list cells, the
/// offending item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// A required cell is empty.
    Missing,
    BadPhone {
        value: String,
    },
    BadTier {
        value: String,
    },
    BadRiskFlag {
        value: String,
    },
    BadRole {
        value: String,
    },
    BadSeniority {
        value: String,
    },
    /// Not a whole number.
    BadNumber {
        value: String,
    },
    /// A whole number outside `min..=max`.
    OutOfRange {
        value: String,
        min: u64,
        max: u64,
    },
    BadLanguage {
        value: String,
    },
    /// Longer than `max` characters.
    TooLong {
        max: usize,
    },
    /// The row's natural key already appeared on `first_line` (buyers: project, building,
    /// entrance, room and phone — reported on the phone column; staff: phone when present,
    /// else name — reported on that column).
    Duplicate {
        first_line: usize,
    },
    /// The spreadsheet cell holds an error value such as `#N/A` (usually a failed formula).
    CellError {
        value: String,
    },
    /// Not a date (YYYY-MM-DD, YYYY/MM/DD, or a spreadsheet date).
    BadDate {
        value: String,
    },
    /// Not a time of day (HH:MM, or a spreadsheet time).
    BadTime {
        value: String,
    },
    /// The slot ends at or before its start (reported on the end column).
    EndNotAfterStart,
    /// Not inspection or handover.
    BadSlotKind {
        value: String,
    },
    /// Not a staff status (在职/active or 离职/left).
    BadStatus {
        value: String,
    },
    /// The row grants or removes the admin role, and the importer is not an admin.
    AdminOnly,
    /// Not a risk category.
    BadCategory {
        value: String,
    },
    /// Not a severity (高/中/低, high/medium/low).
    BadSeverity {
        value: String,
    },
    /// The scope columns do not describe a part of the project (reported on 范围).
    BadScope(crate::domain::risk::ScopeError),
    /// No staff member of that name or phone (the risk's owner).
    UnknownStaff {
        value: String,
    },
    /// Not a field of expertise (销售, 工程, 设计, 法务).
    BadExpertField {
        value: String,
    },
    /// Not yes or no (是/否).
    BadYesNo {
        value: String,
    },
    /// The scope does not name a part of the project (the answers file's 适用范围).
    BadAnswerScope {
        value: String,
    },
    /// More keywords than an answer keeps.
    TooManyKeywords {
        max: usize,
    },
    /// One keyword of the cell is longer than `max` characters (the cell as a whole may be).
    KeywordTooLong {
        value: String,
        max: usize,
    },
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowProblem::Missing => f.write_str("required value missing"),
            RowProblem::BadPhone { value } => write!(f, "not a valid phone number: {value}"),
            RowProblem::BadTier { value } => write!(f, "unknown tier: {value}"),
            RowProblem::BadRiskFlag { value } => write!(f, "unknown risk flag: {value}"),
            RowProblem::BadRole { value } => write!(f, "unknown role: {value}"),
            RowProblem::BadSeniority { value } => write!(f, "unknown seniority: {value}"),
            RowProblem::BadNumber { value } => write!(f, "not a whole number: {value}"),
            RowProblem::OutOfRange { value, min, max } => {
                write!(f, "{value} is outside {min}..={max}")
            }
            RowProblem::BadLanguage { value } => write!(f, "unknown language: {value}"),
            RowProblem::TooLong { max } => write!(f, "longer than {max} characters"),
            RowProblem::Duplicate { first_line } => write!(f, "same as line {first_line}"),
            RowProblem::CellError { value } => write!(f, "spreadsheet error value {value}"),
            RowProblem::BadDate { value } => write!(f, "not a date: {value}"),
            RowProblem::BadTime { value } => write!(f, "not a time: {value}"),
            RowProblem::EndNotAfterStart => f.write_str("ends at or before its start"),
            RowProblem::BadSlotKind { value } => write!(f, "unknown slot kind: {value}"),
            RowProblem::BadStatus { value } => write!(f, "unknown status: {value}"),
            RowProblem::AdminOnly => f.write_str("only an admin may grant or remove admin"),
            RowProblem::BadCategory { value } => write!(f, "unknown risk category: {value}"),
            RowProblem::BadSeverity { value } => write!(f, "unknown severity: {value}"),
            RowProblem::BadScope(error) => write!(f, "scope: {error:?}"),
            RowProblem::UnknownStaff { value } => write!(f, "no staff member {value}"),
            RowProblem::BadExpertField { value } => {
                write!(f, "unknown field of expertise: {value}")
            }
            RowProblem::BadYesNo { value } => write!(f, "not yes or no: {value}"),
            RowProblem::BadAnswerScope { value } => write!(f, "not a scope: {value}"),
            RowProblem::TooManyKeywords { max } => write!(f, "more than {max} keywords"),
            RowProblem::KeywordTooLong { value, max } => {
                write!(f, "keyword longer than {max} characters: {value}")
            }
        }
    }
}

/// Why a file was rejected. Nothing of a rejected file should be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// No header row, or no data rows under it.
    #[error("the file has no data rows")]
    Empty,
    /// The headers fit no list (no room column, no role column, no start column).
    #[error("the headers fit neither a buyer list, a staff list nor a slot list")]
    UnknownKind,
    /// Canonical English names (as in [`header_aliases`]) of required columns that are absent.
    #[error("{kind} file lacks required columns: {}", columns.join(", "))]
    MissingColumns {
        kind: ImportKind,
        columns: Vec<&'static str>,
    },
    /// Two headers mean the same column; `column` is the second one as written.
    #[error("column {column} appears twice")]
    DuplicateColumn { column: String },
    /// Neither UTF-8 nor GBK; `line` holds the first undecodable byte.
    #[error("line {line}: the file is not UTF-8 text")]
    NotUtf8 { line: usize },
    /// Structural CSV problem (a row with a different number of fields than the header).
    #[error("line {line}: {message}")]
    Csv { line: usize, message: String },
    /// The spreadsheet could not be read (not an .xlsx, corrupt, …).
    #[error("unreadable spreadsheet: {message}")]
    Spreadsheet { message: String },
    #[error("more than {max} data rows")]
    TooManyRows { max: usize },
    /// The spreadsheet unpacks to more than [`MAX_XLSX_UNPACKED_BYTES`].
    #[error("the spreadsheet unpacks to more than {limit_mb} MB")]
    UnpacksTooLarge { limit_mb: u64 },
    /// Every bad cell: `errors` holds the first [`MAX_REPORTED_ERRORS`] in file order,
    /// `total_bad` counts all of them.
    #[error("{total_bad} bad cells")]
    Rows {
        errors: Vec<RowError>,
        total_bad: usize,
    },
}

/// Every accepted header per column of `kind`: (canonical English name, accepted spellings
/// starting with the canonical one, required). The one source of truth for the README and
/// the bot's /import help. Matching also ignores case, surrounding spaces, full-width
/// characters, `_`/`-`/space differences and "*" / "（必填）" / "(required)" markers.
pub fn header_aliases(kind: ImportKind) -> Vec<(&'static str, Vec<&'static str>, bool)> {
    headers::header_aliases(kind)
}

/// Parses an uploaded buyer or staff list. `kind` `None` detects it from the headers (a room
/// column → buyers, a role column → staff). `default_region` applies to phone numbers written
/// without a country code.
pub fn parse(
    bytes: &[u8],
    format: FileFormat,
    kind: Option<ImportKind>,
    default_region: phonenumber::country::Id,
) -> Result<Parsed, ImportError> {
    parse_limited(bytes, format, kind, default_region, MAX_DATA_ROWS)
}

fn parse_limited(
    bytes: &[u8],
    format: FileFormat,
    kind: Option<ImportKind>,
    default_region: phonenumber::country::Id,
    max_rows: usize,
) -> Result<Parsed, ImportError> {
    // The result, and whether a row was taken as the header (then its error is about this
    // file's columns or rows, not about a separator that cut the header apart).
    let assemble = |read: &dyn Fn(&mut rows::Assembler) -> Result<(), ImportError>| {
        let mut assembler =
            rows::Assembler::new(kind, default_region, max_rows, format == FileFormat::Csv);
        let read = read(&mut assembler);
        let found_header = assembler.found_header();
        (found_header, read.and_then(|()| assembler.finish()))
    };
    match format {
        FileFormat::Xlsx => assemble(&|sink| source::read_xlsx(bytes, sink)).1,
        FileFormat::Csv => {
            // The likeliest separator first; a file that cannot be read under it is read again
            // with the others (a name full of commas in a tab-separated file outnumbers the
            // header's tabs). When none reads, the error stands of the first separator under
            // which a header was found, as a spreadsheet of the same table would report it;
            // failing that, the likeliest one's.
            let outcomes = source::delimiters_by_likelihood(bytes)
                .into_iter()
                .map(|delimiter| assemble(&|sink| source::read_csv(bytes, delimiter, sink)));
            let mut reported: Option<(bool, Result<Parsed, ImportError>)> = None;
            for (found_header, parsed) in outcomes {
                if parsed.is_ok() {
                    return parsed;
                }
                match reported {
                    None => reported = Some((found_header, parsed)),
                    Some((false, _)) if found_header => reported = Some((true, parsed)),
                    Some(_) => {}
                }
            }
            reported.map_or(Err(ImportError::Empty), |(_, parsed)| parsed)
        }
    }
}

/// One cell as read from the file, before it is interpreted.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    /// Trimmed, never empty.
    Text(String),
    /// A spreadsheet error value (`#N/A`, `#REF!`, …).
    Error(String),
}

impl Cell {
    /// A cell from its text. Excel's error literals (`#N/A`, …) count as error values: a CSV
    /// export writes them as text, and so does a formula whose cached result is an error.
    fn text(raw: &str) -> Cell {
        let trimmed = trim(raw);
        if trimmed.is_empty() {
            Cell::Empty
        } else if EXCEL_ERRORS.contains(&trimmed) {
            Cell::Error(trimmed.to_string())
        } else {
            Cell::Text(trimmed.to_string())
        }
    }
}

const EXCEL_ERRORS: &[&str] = &[
    "#N/A",
    "#REF!",
    "#VALUE!",
    "#DIV/0!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
];

/// Trims whitespace (including the ideographic space) and stray BOM / zero-width spaces.
fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}
