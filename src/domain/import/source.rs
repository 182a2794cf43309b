//! Reading the two file formats into raw rows for the [`Assembler`].

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use super::rows::Assembler;
use super::{Cell, ImportError};

pub(super) fn read_csv(
    bytes: &[u8],
    delimiter: u8,
    sink: &mut Assembler,
) -> Result<(), ImportError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // The field count is checked against the header row (not the first row, which may be a
        // title) by the assembler.
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte() as usize));
                sink.push(line, record.iter().map(Cell::text).collect())?;
            }
            Err(err) => {
                return Err(ImportError::Csv {
                    line: lines.line_at(err.position().map_or(0, |p| p.byte() as usize)),
                    message: err.to_string(),
                });
            }
        }
    }
}

/// Line numbers as a text editor shows them. The csv crate's own `Position::line` miscounts
/// blank lines and CRLF endings, and its `byte` is where reading resumed after the previous
/// record (before any skipped blank lines), so records are located from that offset.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// The line of the record that reading resumed at `offset` for (offsets only grow).
    fn line_at(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        while self.pos < start {
            match self.bytes[self.pos] {
                b'\n' => self.line += 1,
                // A lone CR (old Mac line ending) is a line break too; CR LF counts once.
                b'\r' if self.bytes.get(self.pos + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.line
    }
}

/// UTF-8 (BOM stripped); UTF-16 with a BOM; otherwise GB18030 (a superset of GBK, what Excel on
/// Chinese Windows saves as "CSV") when the bytes look like it.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        if encoding == encoding_rs::UTF_8 {
            return utf8(body).map(Cow::Borrowed);
        }
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        if had_errors {
            let bad = text.find('\u{FFFD}').unwrap_or(0);
            return Err(ImportError::NotUtf8 {
                line: line_of(text[..bad].as_bytes()),
            });
        }
        return Ok(text);
    }
    match utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(not_utf8) => {
            // GBK text fails UTF-8 at nearly every Chinese character; UTF-8 text with a damaged
            // byte fails rarely among many good multi-byte characters.
            let (mut good, mut bad) = (0usize, 0usize);
            for chunk in bytes.utf8_chunks() {
                good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
                bad += usize::from(!chunk.invalid().is_empty());
            }
            if bad > good
                && let Some(text) =
                    encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
            {
                return Ok(text);
            }
            Err(not_utf8)
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, ImportError> {
    std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        line: line_of(&bytes[..e.valid_up_to()]),
    })
}

/// The 1-based line at the end of `before`.
fn line_of(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// The separators a CSV file may use, likeliest first (an undecodable file gets the default
/// order; reading it reports why).
pub(super) fn delimiters_by_likelihood(bytes: &[u8]) -> Vec<u8> {
    decode(bytes).map_or_else(|_| vec![b',', b'\t', b';'], |text| ranked_delimiters(&text))
}

/// The separator the header row uses: of comma, tab and semicolon, the one found most often
/// (outside quotes) in a single record among the first records, where the header sits. A title
/// row above the header ("名单；第一批") has fewer of its own; ties go to comma, then tab. Records,
/// not lines: a quoted cell may hold a line break, and the text after it is still inside quotes.
fn ranked_delimiters(text: &str) -> Vec<u8> {
    let mut best = [0usize; 3];
    let mut counts = [0usize; 3];
    let mut quoted = false;
    let mut records = 0;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            '\t' if !quoted => counts[1] += 1,
            ';' if !quoted => counts[2] += 1,
            '\n' if !quoted => {
                for (best, count) in best.iter_mut().zip(counts) {
                    *best = (*best).max(count);
                }
                counts = [0; 3];
                records += 1;
                if records > super::MAX_ROWS_BEFORE_HEADER {
                    break;
                }
            }
            _ => {}
        }
    }
    for (best, count) in best.iter_mut().zip(counts) {
        *best = (*best).max(count);
    }
    // A stable sort keeps the tie order: comma, tab, semicolon.
    let mut ranked = vec![(best[0], b','), (best[1], b'\t'), (best[2], b';')];
    ranked.sort_by_key(|&(count, _)| std::cmp::Reverse(count));
    ranked.into_iter().map(|(_, delimiter)| delimiter).collect()
}

/// Columns in a worksheet (A to XFD), as Excel and LibreOffice allow.
const MAX_COLUMNS: usize = 16_384;

/// Runs one step of the spreadsheet reader, which is not hardened against crafted files (an
/// overlong cell reference overflows its arithmetic, which panics in debug builds): a panic
/// there makes the file unreadable instead of taking the bot down.
fn guarded<T>(step: impl FnOnce() -> Result<T, calamine::XlsxError>) -> Result<T, ImportError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)) {
        Ok(result) => result.map_err(|e| ImportError::Spreadsheet {
            message: e.to_string(),
        }),
        Err(_) => Err(ImportError::Spreadsheet {
            message: "the file is damaged".to_string(),
        }),
    }
}

/// Refuses an archive whose entries together declare more than `limit` unpacked bytes. The
/// zip reader stops any entry at its declared size, so the declared sizes bound what reading
/// the workbook can unpack.
fn check_unpacked_size(bytes: &[u8], limit: u64) -> Result<(), ImportError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ImportError::Spreadsheet {
            message: e.to_string(),
        })?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| ImportError::Spreadsheet {
                message: e.to_string(),
            })?;
        total = total.saturating_add(entry.size());
        if total > limit {
            return Err(ImportError::UnpacksTooLarge {
                limit_mb: limit / (1024 * 1024),
            });
        }
    }
    Ok(())
}

pub(super) fn read_xlsx(bytes: &[u8], sink: &mut Assembler) -> Result<(), ImportError> {
    check_unpacked_size(bytes, super::MAX_XLSX_UNPACKED_BYTES)?;
    let mut workbook: Xlsx<_> = guarded(|| Xlsx::new(Cursor::new(bytes)))?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(ImportError::Empty);
    };
    // Streamed cell by cell: memory follows the cells present, not the sheet's bounding box.
    let mut cells = guarded(|| workbook.worksheet_cells_reader(&sheet))?;
    let mut current: Option<(u32, Vec<Cell>)> = None;
    while let Some(cell) = guarded(|| cells.next_cell())? {
        let (row, col) = cell.get_position();
        let value = convert(cell.get_value());
        if value == Cell::Empty {
            continue;
        }
        if current.as_ref().is_some_and(|(r, _)| *r != row)
            && let Some((r, row_cells)) = current.take()
        {
            sink.push(r as usize + 1, row_cells)?;
        }
        let col = col as usize;
        if col >= MAX_COLUMNS {
            // A damaged or crafted file: the row below would allocate every column before it.
            return Err(ImportError::Spreadsheet {
                message: format!("a cell lies past the last column (column {})", col + 1),
            });
        }
        let (_, row_cells) = current.get_or_insert_with(|| (row, Vec::new()));
        if row_cells.len() <= col {
            row_cells.resize(col + 1, Cell::Empty);
        }
        row_cells[col] = value;
    }
    if let Some((r, row_cells)) = current {
        sink.push(r as usize + 1, row_cells)?;
    }
    Ok(())
}

fn convert(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::text(s),
        DataRef::SharedString(s) => Cell::text(s),
        DataRef::Int(i) => Cell::Text(i.to_string()),
        DataRef::Float(f) => Cell::Text(number(*f)),
        DataRef::DateTime(d) => Cell::Text(number(d.as_f64())),
        DataRef::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_string()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Integral numbers without ".0" (a phone 13800138000 or room 1502 stored as a number).
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}
