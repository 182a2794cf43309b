//! Turns the stream of raw rows (from either file format) into typed rows or row errors.

use std::collections::HashMap;
use std::str::FromStr;

use super::headers::{Col, HeaderMap, recognised};
use super::{
    AnswerRow, BuyerRow, Cell, ImportError, ImportKind, MAX_ADDRESS_LEN, MAX_CAPACITY,
    MAX_KEYWORD_LEN, MAX_NAME_LEN, MAX_PLACE_LEN, MAX_PROJECT_LEN, MAX_REPORTED_ERRORS,
    MAX_ROWS_BEFORE_HEADER, MAX_TEXT_LEN, MIN_CAPACITY, Parsed, RiskRow, RowError, RowProblem,
    SlotRow, StaffRow,
};
use crate::domain::appointment::SlotKind;
use crate::domain::expert::ExpertField;
use crate::domain::people::{Lang, RiskFlag, Role, Roles, Seniority, Tier};
use crate::domain::phone::Phone;
use crate::domain::risk::{RiskCategory, RiskScope, Severity};
use chrono::{NaiveDate, NaiveTime};

/// Receives rows in file order (`push`), then gives the result (`finish`).
pub(super) struct Assembler {
    kind: Option<ImportKind>,
    region: phonenumber::country::Id,
    max_rows: usize,
    /// CSV: every row under the header must have the header's number of fields.
    strict_width: bool,
    /// A row was taken for the header (even one whose columns are then refused).
    found_header: bool,
    state: State,
}

enum State {
    SeekingHeader {
        /// The first non-empty row, for the error report if no header turns up.
        first: Option<Vec<Cell>>,
        seen: usize,
    },
    Body(Box<Body>),
}

struct Body {
    map: HeaderMap,
    header_line: usize,
    header_width: usize,
    /// File column indexes of the known columns.
    known_columns: Vec<usize>,
    buyers: Vec<BuyerRow>,
    staff: Vec<StaffRow>,
    slots: Vec<SlotRow>,
    risks: Vec<RiskRow>,
    answers: Vec<AnswerRow>,
    data_rows: usize,
    errors: Vec<RowError>,
    total_bad: usize,
    keys: HashMap<Key, usize>,
}

#[derive(Debug, Hash, PartialEq, Eq)]
enum Key {
    Buyer {
        project: Option<String>,
        building: String,
        entrance: String,
        room: String,
        phone: Phone,
    },
    StaffPhone(Phone),
    StaffName(String),
    Slot {
        project: Option<String>,
        kind: SlotKind,
        date: NaiveDate,
        start: NaiveTime,
    },
    Risk {
        project: Option<String>,
        scope: RiskScope,
        difference: String,
    },
    /// An answer's question as matching reads it.
    Answer(String),
}

impl Assembler {
    pub(super) fn new(
        kind: Option<ImportKind>,
        region: phonenumber::country::Id,
        max_rows: usize,
        strict_width: bool,
    ) -> Assembler {
        Assembler {
            kind,
            region,
            max_rows,
            strict_width,
            found_header: false,
            state: State::SeekingHeader {
                first: None,
                seen: 0,
            },
        }
    }

    /// One row of the file: `line` as a person sees it, `cells` by file column.
    pub(super) fn push(&mut self, line: usize, cells: Vec<Cell>) -> Result<(), ImportError> {
        match &mut self.state {
            State::SeekingHeader { first, seen } => {
                if cells.iter().all(|c| *c == Cell::Empty) {
                    return Ok(());
                }
                if recognised(self.kind, &cells) >= 2 {
                    self.found_header = true;
                    let map = HeaderMap::build(self.kind, &cells)?;
                    let known_columns = map.indexes().collect();
                    self.state = State::Body(Box::new(Body {
                        map,
                        header_line: line,
                        header_width: cells.len(),
                        known_columns,
                        buyers: Vec::new(),
                        staff: Vec::new(),
                        slots: Vec::new(),
                        risks: Vec::new(),
                        answers: Vec::new(),
                        data_rows: 0,
                        errors: Vec::new(),
                        total_bad: 0,
                        keys: HashMap::new(),
                    }));
                    return Ok(());
                }
                *seen += 1;
                if first.is_none() {
                    *first = Some(cells);
                }
                if *seen >= MAX_ROWS_BEFORE_HEADER {
                    return Err(no_header(self.kind, first.as_deref()));
                }
                Ok(())
            }
            State::Body(body) => {
                // Blank rows (even a line of spaces, or too few commas) are skipped.
                if cells.iter().all(|c| *c == Cell::Empty) {
                    return Ok(());
                }
                if self.strict_width && cells.len() != body.header_width {
                    return Err(ImportError::Csv {
                        line,
                        message: format!(
                            "expected {} fields like the header, found {}",
                            body.header_width,
                            cells.len()
                        ),
                    });
                }
                // Rows above the header (only possible in an out-of-order spreadsheet) are not data.
                if line <= body.header_line
                    || body
                        .known_columns
                        .iter()
                        .all(|&i| cells.get(i).is_none_or(|c| *c == Cell::Empty))
                {
                    return Ok(());
                }
                body.data_rows += 1;
                if body.data_rows > self.max_rows {
                    return Err(ImportError::TooManyRows { max: self.max_rows });
                }
                body.row(line, &cells, self.region);
                Ok(())
            }
        }
    }

    /// Whether a row has been taken for the header.
    pub(super) fn found_header(&self) -> bool {
        self.found_header
    }

    pub(super) fn finish(self) -> Result<Parsed, ImportError> {
        let mut body = match self.state {
            State::SeekingHeader { first: None, .. } => return Err(ImportError::Empty),
            State::SeekingHeader {
                first: Some(first), ..
            } => return Err(no_header(self.kind, Some(&first))),
            State::Body(body) => body,
        };
        if body.total_bad > 0 {
            body.errors.sort_by_key(|e| e.line);
            return Err(ImportError::Rows {
                errors: body.errors,
                total_bad: body.total_bad,
            });
        }
        if body.data_rows == 0 {
            return Err(ImportError::Empty);
        }
        Ok(match body.map.kind {
            ImportKind::Buyers => {
                body.buyers.sort_by_key(|r| r.line);
                Parsed::Buyers(body.buyers)
            }
            ImportKind::Staff => {
                body.staff.sort_by_key(|r| r.line);
                Parsed::Staff(body.staff)
            }
            ImportKind::Slots => {
                body.slots.sort_by_key(|r| r.line);
                Parsed::Slots(body.slots)
            }
            ImportKind::Risks => {
                body.risks.sort_by_key(|r| r.line);
                Parsed::Risks(body.risks)
            }
            ImportKind::Answers => {
                body.answers.sort_by_key(|r| r.line);
                Parsed::Answers(body.answers)
            }
        })
    }
}

/// The error for a file where no row looks like a header: judged on its first non-empty row.
fn no_header(kind: Option<ImportKind>, first: Option<&[Cell]>) -> ImportError {
    match first {
        None => ImportError::Empty,
        Some(cells) => HeaderMap::build(kind, cells)
            .err()
            .unwrap_or(ImportError::UnknownKind),
    }
}

impl Body {
    fn row(&mut self, line: usize, cells: &[Cell], region: phonenumber::country::Id) {
        let mut reader = CellReader {
            line,
            cells,
            map: &self.map,
            region,
            problems: Vec::new(),
        };
        let (key, parsed) = match self.map.kind {
            ImportKind::Buyers => {
                let (key, row) = reader.buyer();
                (key, row.map(RowValue::Buyer))
            }
            ImportKind::Staff => {
                let (key, row) = reader.staff();
                (key, row.map(RowValue::Staff))
            }
            ImportKind::Slots => {
                let (key, row) = reader.slot();
                (key, row.map(RowValue::Slot))
            }
            ImportKind::Risks => {
                let (key, row) = reader.risk();
                (key, row.map(RowValue::Risk))
            }
            ImportKind::Answers => {
                let (key, row) = reader.answer();
                (key, row.map(RowValue::Answer))
            }
        };
        let mut problems = reader.problems;
        // Duplicates are found even among rows with other problems, as long as the key is known.
        if let Some((key, col)) = key {
            match self.keys.get(&key) {
                Some(&first_line) => {
                    let (index, header) = self.map.slot(col).unwrap_or((0, ""));
                    problems.push((
                        index,
                        RowError {
                            line,
                            column: header.to_string(),
                            reason: RowProblem::Duplicate { first_line },
                        },
                    ));
                }
                None => {
                    self.keys.insert(key, line);
                }
            }
        }
        if let Some(row) = parsed.filter(|_| problems.is_empty()) {
            match row {
                RowValue::Buyer(b) => self.buyers.push(b),
                RowValue::Staff(s) => self.staff.push(s),
                RowValue::Slot(s) => self.slots.push(s),
                RowValue::Risk(r) => self.risks.push(r),
                RowValue::Answer(a) => self.answers.push(a),
            }
        }
        problems.sort_by_key(|(index, _)| *index);
        self.total_bad += problems.len();
        let room = MAX_REPORTED_ERRORS.saturating_sub(self.errors.len());
        self.errors
            .extend(problems.into_iter().take(room).map(|(_, e)| e));
    }
}

enum RowValue {
    Buyer(BuyerRow),
    Staff(StaffRow),
    Slot(SlotRow),
    Risk(RiskRow),
    Answer(AnswerRow),
}

/// Marks a cell whose problem has already been recorded.
struct Reported;

/// Reads and checks the cells of one data row, collecting every problem.
struct CellReader<'a> {
    line: usize,
    cells: &'a [Cell],
    map: &'a HeaderMap,
    region: phonenumber::country::Id,
    /// (file column index, error), to report a row's problems left to right.
    problems: Vec<(usize, RowError)>,
}

impl<'a> CellReader<'a> {
    fn problem(&mut self, col: Col, reason: RowProblem) {
        let (index, header) = self.map.slot(col).unwrap_or((0, ""));
        self.problems.push((
            index,
            RowError {
                line: self.line,
                column: header.to_string(),
                reason,
            },
        ));
    }

    /// The cell's text; `Ok(None)` when the column is absent or the cell empty.
    fn text(&mut self, col: Col) -> Result<Option<&'a str>, Reported> {
        let Some((index, _)) = self.map.slot(col) else {
            return Ok(None);
        };
        match self.cells.get(index) {
            Some(Cell::Text(text)) => Ok(Some(text.as_str())),
            Some(Cell::Error(value)) => {
                self.problem(
                    col,
                    RowProblem::CellError {
                        value: value.clone(),
                    },
                );
                Err(Reported)
            }
            Some(Cell::Empty) | None => Ok(None),
        }
    }

    fn check_len(&mut self, col: Col, text: &str, max: usize) -> Result<(), Reported> {
        if text.chars().count() > max {
            self.problem(col, RowProblem::TooLong { max });
            return Err(Reported);
        }
        Ok(())
    }

    fn required(&mut self, col: Col, max: usize) -> Result<String, Reported> {
        match self.text(col)? {
            None => {
                self.problem(col, RowProblem::Missing);
                Err(Reported)
            }
            Some(text) => {
                self.check_len(col, text, max)?;
                Ok(text.to_string())
            }
        }
    }

    fn optional(&mut self, col: Col, max: usize) -> Result<Option<String>, Reported> {
        match self.text(col)? {
            None => Ok(None),
            Some(text) => {
                self.check_len(col, text, max)?;
                Ok(Some(text.to_string()))
            }
        }
    }

    /// Parses an optional cell with `parse`; `bad` builds the problem from the offending text.
    fn parsed<T>(
        &mut self,
        col: Col,
        parse: impl Fn(&str) -> Option<T>,
        bad: impl Fn(String) -> RowProblem,
    ) -> Result<Option<T>, Reported> {
        match self.text(col)? {
            None => Ok(None),
            Some(text) => match parse(text) {
                Some(value) => Ok(Some(value)),
                None => {
                    self.problem(col, bad(text.to_string()));
                    Err(Reported)
                }
            },
        }
    }

    /// A list cell, each item parsed with `parse`; every bad item is its own problem.
    fn list<T>(
        &mut self,
        col: Col,
        parse: impl Fn(&str) -> Result<T, RowProblem>,
    ) -> Result<Vec<T>, Reported> {
        let Some(text) = self.text(col)? else {
            return Ok(Vec::new());
        };
        let mut items = Vec::new();
        let mut failed = false;
        for item in split_list(text) {
            match parse(item) {
                Ok(value) => items.push(value),
                Err(reason) => {
                    self.problem(col, reason);
                    failed = true;
                }
            }
        }
        if failed { Err(Reported) } else { Ok(items) }
    }

    fn phone(&mut self, col: Col) -> Result<Option<Phone>, Reported> {
        let region = self.region;
        self.parsed(
            col,
            |t| Phone::parse(t, region).ok(),
            |value| RowProblem::BadPhone { value },
        )
    }

    fn language(&mut self) -> Result<Option<Lang>, Reported> {
        self.parsed(
            Col::Language,
            |t| Lang::from_str(t).ok(),
            |value| RowProblem::BadLanguage { value },
        )
    }

    /// The row (when every cell is fine) and its natural key (when the key's cells are fine).
    fn buyer(&mut self) -> (Option<(Key, Col)>, Option<BuyerRow>) {
        let project = self.optional(Col::Project, MAX_PROJECT_LEN);
        let project_name = self.optional(Col::ProjectName, MAX_PROJECT_LEN);
        let building = self.required(Col::Building, MAX_PLACE_LEN);
        let entrance = self.optional(Col::Entrance, MAX_PLACE_LEN);
        let room = self.required(Col::Room, MAX_PLACE_LEN);
        let name = self.required(Col::Name, MAX_NAME_LEN);
        let phone = match self.phone(Col::Phone) {
            Ok(None) => {
                self.problem(Col::Phone, RowProblem::Missing);
                Err(Reported)
            }
            other => other,
        };
        let tier = self.parsed(
            Col::Tier,
            |t| Tier::from_str(t).ok(),
            |value| RowProblem::BadTier { value },
        );
        let risk_flags = match self.text(Col::RiskFlags) {
            Err(Reported) => Err(Reported),
            Ok(Some(text)) if means_none(text) => Ok(Vec::new()),
            Ok(_) => self.list(Col::RiskFlags, |item| {
                RiskFlag::from_str(item).map_err(|()| RowProblem::BadRiskFlag {
                    value: item.to_string(),
                })
            }),
        };
        let mailing_address = self.optional(Col::MailingAddress, MAX_ADDRESS_LEN);
        let language = self.language();
        let unit_type = self.optional(Col::UnitType, MAX_PLACE_LEN);
        let mirrored = self.parsed(Col::Mirrored, parse_mirrored, |value| {
            RowProblem::BadYesNo { value }
        });

        let project_name = project_name.ok();
        // A list with only a project name column names its projects by it.
        let project = project
            .ok()
            .zip(project_name.clone())
            .map(|(code, name)| code.or(name));
        let project_name = project_name.flatten();
        let building = building.ok();
        let entrance = entrance.ok().map(Option::unwrap_or_default);
        let room = room.ok();
        let phone = phone.ok().flatten();
        let (Some(project), Some(building), Some(entrance), Some(room), Some(phone)) =
            (project, building, entrance, room, phone)
        else {
            return (None, None);
        };
        let key = Key::Buyer {
            project: project.clone(),
            building: building.clone(),
            entrance: entrance.clone(),
            room: room.clone(),
            phone: phone.clone(),
        };
        let (
            Ok(name),
            Ok(tier),
            Ok(mut risk_flags),
            Ok(mailing_address),
            Ok(language),
            Ok(unit_type),
            Ok(mirrored),
        ) = (
            name,
            tier,
            risk_flags,
            mailing_address,
            language,
            unit_type,
            mirrored,
        )
        else {
            return (Some((key, Col::Phone)), None);
        };
        risk_flags.sort();
        risk_flags.dedup();
        let row = BuyerRow {
            line: self.line,
            project,
            project_name,
            building,
            entrance,
            room,
            name,
            phone,
            tier: tier.unwrap_or(Tier::B),
            risk_flags,
            mailing_address,
            language,
            unit_type,
            mirrored,
        };
        (Some((key, Col::Phone)), Some(row))
    }

    /// One risk of the register, like [`Self::buyer`]; its key is project, scope and description.
    fn risk(&mut self) -> (Option<(Key, Col)>, Option<RiskRow>) {
        let project = self.optional(Col::Project, MAX_PROJECT_LEN);
        let category = match self.required(Col::Category, MAX_PLACE_LEN) {
            Ok(text) => match text.parse::<RiskCategory>() {
                Ok(category) => Ok(category),
                Err(()) => {
                    self.problem(Col::Category, RowProblem::BadCategory { value: text });
                    Err(Reported)
                }
            },
            Err(Reported) => Err(Reported),
        };
        let scope_text = self.optional(Col::Scope, MAX_PLACE_LEN);
        let building = self.optional(Col::Building, MAX_PLACE_LEN);
        let unit_type = self.optional(Col::UnitType, MAX_PLACE_LEN);
        let room = self.optional(Col::Room, MAX_PLACE_LEN);
        let difference = self.required(Col::Difference, MAX_TEXT_LEN);
        let response = self.optional(Col::Response, MAX_TEXT_LEN);
        let owner = self.optional(Col::Owner, MAX_NAME_LEN);
        let severity = self.parsed(
            Col::Severity,
            |t| t.parse::<Severity>().ok(),
            |value| RowProblem::BadSeverity { value },
        );
        let scope = match (scope_text, building, unit_type, room) {
            (Ok(scope), Ok(building), Ok(unit_type), Ok(room)) => {
                let cell = |c: &Option<String>| c.clone().unwrap_or_default();
                match RiskScope::from_columns(
                    &cell(&scope),
                    &cell(&building),
                    &cell(&unit_type),
                    &cell(&room),
                ) {
                    Ok(scope) => Ok(scope),
                    Err(error) => {
                        let col = if self.map.slot(Col::Scope).is_some() {
                            Col::Scope
                        } else {
                            Col::Difference
                        };
                        self.problem(col, RowProblem::BadScope(error));
                        Err(Reported)
                    }
                }
            }
            _ => Err(Reported),
        };
        let (Ok(project), Ok(scope), Ok(difference)) = (project, scope, difference) else {
            return (None, None);
        };
        let key = Key::Risk {
            project: project.clone(),
            scope: scope.clone(),
            difference: difference.clone(),
        };
        let (Ok(category), Ok(response), Ok(owner), Ok(severity)) =
            (category, response, owner, severity)
        else {
            return (Some((key, Col::Difference)), None);
        };
        let row = RiskRow {
            line: self.line,
            project,
            scope,
            category,
            difference,
            response,
            owner,
            owner_column: self
                .map
                .slot(Col::Owner)
                .map(|(_, header)| header.to_string())
                .unwrap_or_default(),
            severity: severity.unwrap_or(Severity::Medium),
        };
        (Some((key, Col::Difference)), Some(row))
    }

    /// Like [`Self::buyer`].
    fn staff(&mut self) -> (Option<(Key, Col)>, Option<StaffRow>) {
        let project = self.optional(Col::Project, MAX_PROJECT_LEN);
        let name = self.required(Col::Name, MAX_NAME_LEN);
        let phone = self.phone(Col::Phone);
        let roles = match self.list(Col::Roles, |item| {
            Role::from_str(item).map_err(|()| RowProblem::BadRole {
                value: item.to_string(),
            })
        }) {
            Ok(roles) if roles.is_empty() => {
                self.problem(Col::Roles, RowProblem::Missing);
                Err(Reported)
            }
            other => other,
        };
        let seniority = self.parsed(Col::Seniority, parse_seniority, |value| {
            RowProblem::BadSeniority { value }
        });
        let capacity = match self.text(Col::Capacity) {
            Ok(Some(text)) => match parse_capacity(text) {
                Ok(n) => Ok(Some(n)),
                Err(reason) => {
                    self.problem(Col::Capacity, reason);
                    Err(Reported)
                }
            },
            other => other.map(|_| None),
        };
        let buildings = self.list(Col::Buildings, |item| {
            if item.chars().count() > MAX_PLACE_LEN {
                Err(RowProblem::TooLong { max: MAX_PLACE_LEN })
            } else {
                Ok(item.to_string())
            }
        });
        let language = self.language();
        let left = self.parsed(Col::Status, parse_left, |value| RowProblem::BadStatus {
            value,
        });
        let expert_fields = if self.map.slot(Col::ExpertFields).is_some() {
            self.list(Col::ExpertFields, |item| {
                ExpertField::from_words(item).ok_or_else(|| RowProblem::BadExpertField {
                    value: item.to_string(),
                })
            })
            .map(|mut fields| {
                fields.sort();
                fields.dedup();
                Some(fields)
            })
        } else {
            Ok(None)
        };

        let key = match (&phone, &name) {
            (Ok(Some(phone)), _) => Some((Key::StaffPhone(phone.clone()), Col::Phone)),
            (Ok(None), Ok(name)) => Some((Key::StaffName(name.clone()), Col::Name)),
            _ => None,
        };
        let (
            Ok(project),
            Ok(name),
            Ok(phone),
            Ok(roles),
            Ok(seniority),
            Ok(capacity),
            Ok(buildings),
            Ok(language),
            Ok(left),
            Ok(expert_fields),
        ) = (
            project,
            name,
            phone,
            roles,
            seniority,
            capacity,
            buildings,
            language,
            left,
            expert_fields,
        )
        else {
            return (key, None);
        };
        let mut unique: Vec<String> = Vec::new();
        for building in buildings {
            if !unique.contains(&building) {
                unique.push(building);
            }
        }
        let row = StaffRow {
            line: self.line,
            project,
            name,
            phone,
            roles: Roles::new(roles),
            seniority: seniority.unwrap_or_default(),
            capacity,
            buildings: unique,
            language,
            left: left.unwrap_or(false),
            expert_fields,
        };
        (key, Some(row))
    }

    /// Like [`Self::buyer`]; an answer is known by its question.
    fn answer(&mut self) -> (Option<(Key, Col)>, Option<AnswerRow>) {
        use crate::domain::flow::answer_entry::{
            MAX_ANSWER_CHARS, MAX_KEYWORDS, MAX_QUESTION_CHARS, keywords_from_text,
        };
        let question = self.required(Col::Question, MAX_QUESTION_CHARS);
        let keywords = match self.text(Col::Keywords) {
            Ok(Some(text)) => {
                let keywords = keywords_from_text(text);
                if keywords.len() > MAX_KEYWORDS {
                    self.problem(
                        Col::Keywords,
                        RowProblem::TooManyKeywords { max: MAX_KEYWORDS },
                    );
                    Err(Reported)
                } else if let Some(long) = keywords
                    .iter()
                    .find(|k| k.chars().count() > MAX_KEYWORD_LEN)
                {
                    self.problem(
                        Col::Keywords,
                        RowProblem::KeywordTooLong {
                            value: long.clone(),
                            max: MAX_KEYWORD_LEN,
                        },
                    );
                    Err(Reported)
                } else {
                    Ok(keywords)
                }
            }
            Ok(None) => Ok(Vec::new()),
            Err(Reported) => Err(Reported),
        };
        let text_zh = self.required(Col::AnswerZh, MAX_ANSWER_CHARS);
        let text_en = self.optional(Col::AnswerEn, MAX_ANSWER_CHARS);
        let scope = self
            .parsed(Col::Scope, crate::domain::risk::scope_from_words, |value| {
                RowProblem::BadAnswerScope { value }
            })
            .map(|scope| scope.unwrap_or(RiskScope::Project));
        let buyers_may_see = self.parsed(Col::BuyersMaySee, parse_yes_no, |value| {
            RowProblem::BadYesNo { value }
        });
        let key = question.as_ref().ok().map(|q| {
            (
                Key::Answer(crate::domain::answer::normalize(q)),
                Col::Question,
            )
        });
        let (Ok(question), Ok(keywords), Ok(text_zh), Ok(text_en), Ok(scope), Ok(buyers_may_see)) =
            (question, keywords, text_zh, text_en, scope, buyers_may_see)
        else {
            return (key, None);
        };
        let row = AnswerRow {
            line: self.line,
            question,
            keywords,
            text_zh,
            text_en,
            scope,
            buyers_may_see,
        };
        (key, Some(row))
    }
}

impl CellReader<'_> {
    fn slot(&mut self) -> (Option<(Key, Col)>, Option<SlotRow>) {
        let project = self.optional(Col::Project, MAX_PROJECT_LEN);
        let date = self.parsed(Col::Date, parse_date, |value| RowProblem::BadDate { value });
        let start = self.parsed(Col::Start, parse_time, |value| RowProblem::BadTime {
            value,
        });
        let end = self.parsed(Col::End, parse_time, |value| RowProblem::BadTime { value });
        let capacity = match self.text(Col::Capacity) {
            Ok(Some(text)) => match parse_number_in(text, 1, 1000) {
                Ok(n) => Ok(Some(n)),
                Err(reason) => {
                    self.problem(Col::Capacity, reason);
                    Err(Reported)
                }
            },
            Ok(None) => {
                self.problem(Col::Capacity, RowProblem::Missing);
                Err(Reported)
            }
            Err(reported) => Err(reported),
        };
        let kind = self.parsed(
            Col::SlotKind,
            |t| t.parse::<SlotKind>().ok(),
            |value| RowProblem::BadSlotKind { value },
        );
        let (
            Ok(project),
            Ok(Some(date)),
            Ok(Some(start)),
            Ok(Some(end)),
            Ok(Some(capacity)),
            Ok(kind),
        ) = (project, date, start, end, capacity, kind)
        else {
            for col in [Col::Date, Col::Start, Col::End] {
                if self.text(col).is_ok_and(|t| t.is_none()) {
                    self.problem(col, RowProblem::Missing);
                }
            }
            return (None, None);
        };
        if end <= start {
            self.problem(Col::End, RowProblem::EndNotAfterStart);
            return (None, None);
        }
        let kind = kind.unwrap_or(SlotKind::Inspection);
        let key = Key::Slot {
            project: project.clone(),
            kind,
            date,
            start,
        };
        let row = SlotRow {
            line: self.line,
            project,
            date,
            start,
            end,
            capacity,
            kind,
        };
        (Some((key, Col::Start)), Some(row))
    }
}

/// A date as people and spreadsheets write it: 2026-12-01, 2026/12/01, 2026.12.01, or an
/// Excel serial day number.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let normal = text.replace(['/', '.'], "-");
    if let Ok(date) = NaiveDate::parse_from_str(&normal, "%Y-%m-%d") {
        return Some(date);
    }
    let serial: f64 = text.parse().ok()?;
    if !(1.0..=100_000.0).contains(&serial) || serial.fract() != 0.0 {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial as u64))
}

/// A time of day: 09:00, 9:00, 09:00:00, or a spreadsheet fraction of a day (0.375).
fn parse_time(text: &str) -> Option<NaiveTime> {
    for format in ["%H:%M", "%H:%M:%S"] {
        if let Ok(time) = NaiveTime::parse_from_str(&text.replace('：', ":"), format) {
            return Some(time);
        }
    }
    let fraction: f64 = text.parse().ok()?;
    if !(0.0..1.0).contains(&fraction) {
        return None;
    }
    let seconds = (fraction * 86_400.0).round() as u32;
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)
}

fn parse_number_in(text: &str, min: u32, max: u32) -> Result<u32, RowProblem> {
    let n: u64 = text.parse().map_err(|_| RowProblem::BadNumber {
        value: text.to_string(),
    })?;
    if n < u64::from(min) || n > u64::from(max) {
        return Err(RowProblem::OutOfRange {
            value: text.to_string(),
            min: u64::from(min),
            max: u64::from(max),
        });
    }
    Ok(n as u32)
}

/// Separators of list cells (risk flags, roles, buildings): commas, semicolons, 、, bars, line
/// breaks — ASCII and full-width.
const LIST_SEPARATORS: &[char] = &[',', '，', ';', '；', '、', '|', '｜', '\n', '\r'];

fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(LIST_SEPARATORS)
        .map(super::trim)
        .filter(|item| !item.is_empty())
}

/// A risk-flag cell that says "none" in one of the usual ways.
fn means_none(text: &str) -> bool {
    matches!(
        text.to_lowercase().as_str(),
        "无" | "没有" | "none" | "no" | "n/a" | "-" | "—" | "/"
    )
}

/// `Seniority::from_str`, plus the TRUE/FALSE a spreadsheet checkbox column yields.
/// A staff status: true when the person has left.
fn parse_left(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "在职" | "active" | "正常" | "在岗" | "working" => Some(false),
        "离职" | "left" | "已离职" | "inactive" | "停用" | "deactivated" | "departed" => {
            Some(true)
        }
        _ => None,
    }
}

/// A yes/no cell, in either language or as a spreadsheet checkbox.
fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "是" | "可见" | "yes" | "y" | "true" | "1" | "√" | "✓" => Some(true),
        "否" | "不可见" | "no" | "n" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

/// A home's layout: 反 (or yes) is its type's plan flipped, 正 (or no) the plan as drawn.
fn parse_mirrored(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "反" | "镜像" | "mirrored" => Some(true),
        "正" | "normal" => Some(false),
        other => parse_yes_no(other),
    }
}

fn parse_seniority(text: &str) -> Option<Seniority> {
    match text.to_lowercase().as_str() {
        "true" => Some(Seniority::Senior),
        "false" => Some(Seniority::Regular),
        _ => Seniority::from_str(text).ok(),
    }
}

fn parse_capacity(text: &str) -> Result<u32, RowProblem> {
    let bad = || RowProblem::BadNumber {
        value: text.to_string(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let out_of_range = || RowProblem::OutOfRange {
        value: text.to_string(),
        min: u64::from(MIN_CAPACITY),
        max: u64::from(MAX_CAPACITY),
    };
    let n: u64 = text.parse().map_err(|_| out_of_range())?; // only overflow can fail here
    u32::try_from(n)
        .ok()
        .filter(|n| (MIN_CAPACITY..=MAX_CAPACITY).contains(n))
        .ok_or_else(out_of_range)
}
