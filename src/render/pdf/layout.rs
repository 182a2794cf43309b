//! A small page layout over krilla: a [`Document`] is a flow of [`Block`]s that [`render`]
//! places top to bottom on A4 pages. Text is measured with the document's font and wrapped (CJK
//! between any two characters, other scripts at spaces and hyphens, a word longer than the
//! line where it must), a heading or band is kept with what follows it, a table row that does
//! not fit goes to the next page under the table's header again (a row taller than a page is
//! split between lines), and each page gets the footer with "page N of M", which is why the
//! pages are laid out first and drawn once their number is known.

use std::sync::Arc;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::TextDirection;

use super::{PdfError, PdfFont};

/// A4 in PDF points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 48.0;
const TOP: f32 = 46.0;
/// Content ends here; the footer sits below it.
const BOTTOM: f32 = PAGE_HEIGHT - 58.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 30.0;
/// The width text and tables may take.
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// Line box height as a multiple of the font size.
const LINE: f32 = 1.4;
/// A heading or band moves to the next page unless this much room is left under it, so it
/// never ends a page alone.
const KEEP_WITH_NEXT: f32 = 90.0;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 2.5;
const PHOTOS_PER_ROW: usize = 3;
const PHOTO_GAP: f32 = 8.0;
const PHOTO_MAX_HEIGHT: f32 = 150.0;
const SIGNATURE_HEIGHT: f32 = 76.0;
const SIGNATURE_GAP: f32 = 24.0;

const TITLE_SIZE: f32 = 18.0;
const SUBTITLE_SIZE: f32 = 10.0;
const HEADING_SIZE: f32 = 13.0;
const BAND_SIZE: f32 = 10.5;
const BODY_SIZE: f32 = 9.5;
const TABLE_SIZE: f32 = 8.5;
const NOTE_SIZE: f32 = 8.0;
const FOOTER_SIZE: f32 = 7.5;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

// The welcome card's palette, lightened for paper.
const INK: Color = Color(45, 35, 30);
const MUTED: Color = Color(120, 104, 92);
const ACCENT: Color = Color(178, 44, 40);
const BAND: Color = Color(248, 240, 230);
const HEADER_FILL: Color = Color(240, 232, 222);
const STRIPE: Color = Color(251, 248, 244);
const RULE: Color = Color(214, 200, 186);

/// A picture ready to embed: its encoded bytes and its size in pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub bytes: Arc<Vec<u8>>,
    pub encoding: Encoding,
    pub width: u32,
    pub height: u32,
}

/// How a [`Photo`]'s bytes are encoded: photos as JPEG, drawings (signatures, with their
/// transparent background) as PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Jpeg,
    Png,
}

/// A signature on a record: what it is, the drawing (none: signed without one), and who and
/// when, under it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureBox {
    pub caption: String,
    pub image: Option<Photo>,
    pub lines: Vec<String>,
}

/// A table column: its header and its share of the width.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    pub weight: f32,
}

impl Column {
    pub fn new(title: impl Into<String>, weight: f32) -> Column {
        Column {
            title: title.into(),
            weight,
        }
    }
}

/// Rows of wrapped cells under a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

/// One thing in the flow of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's (or a section's) title, large.
    Title(String),
    /// A muted line under a title.
    Subtitle(String),
    /// A section heading with a rule under it.
    Heading(String),
    /// A shaded bar: text on the left, a short aside on the right (an item and its status).
    Band {
        text: String,
        aside: String,
    },
    Paragraph(String),
    /// Small muted text.
    Note(String),
    /// Label and value pairs, the labels in a narrow column.
    Fields(Vec<(String, String)>),
    Table(Table),
    /// A caption and the photos under it, a few to a row.
    Photos {
        caption: String,
        photos: Vec<Photo>,
    },
    /// One picture as wide as the text (a floor plan), at most `max_height` points high,
    /// centred, with a caption under it.
    Picture {
        photo: Photo,
        caption: String,
        max_height: f32,
    },
    /// Signatures side by side, two to a row, each in a frame.
    Signatures(Vec<SignatureBox>),
    Gap(f32),
    PageBreak,
}

/// "Page 3 of 12" in the reader's language, given the page's number and the count.
pub type PageLabel = Box<dyn Fn(usize, usize) -> String + Send + Sync>;

/// A whole document.
pub struct Document {
    /// The PDF's title (shown by viewers) and its language tag (`zh-CN`, `en`).
    pub title: String,
    pub language: String,
    /// Printed at the foot of every page, left; the page label goes right.
    pub footer: String,
    pub page_label: PageLabel,
    /// Words a program may find the document by (the PDF's keywords).
    pub keywords: Vec<String>,
    pub blocks: Vec<Block>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("title", &self.title)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

/// The document as PDF bytes.
pub fn render(document: &Document, font: &PdfFont) -> Result<Vec<u8>, PdfError> {
    let measure = Measure::new(font.face()?);
    let mut flow = Flow::new(&measure);
    for block in &document.blocks {
        flow.place(block);
    }
    draw(document, font, &measure, flow.pages)
}

// ----- measuring and wrapping --------------------------------------------------------------

struct Measure<'a> {
    face: ttf_parser::Face<'a>,
    units_per_em: f32,
}

impl<'a> Measure<'a> {
    fn new(face: ttf_parser::Face<'a>) -> Measure<'a> {
        let units_per_em = f32::from(face.units_per_em().max(1));
        Measure { face, units_per_em }
    }

    /// The text with what the font cannot draw left out (an emoji in a note would print as an
    /// empty box), tabs as spaces and line ends as `\n`.
    fn printable(&self, text: &str) -> String {
        text.replace("\r\n", "\n")
            .chars()
            .filter_map(|c| match c {
                '\n' => Some('\n'),
                '\t' => Some(' '),
                c if c.is_control() => None,
                c if self.face.glyph_index(c).is_some() => Some(c),
                _ => None,
            })
            .collect()
    }

    fn char_width(&self, c: char, size: f32) -> f32 {
        let advance = self
            .face
            .glyph_index(c)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .unwrap_or(0);
        f32::from(advance) / self.units_per_em * size
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    /// The text broken into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let text = self.printable(text);
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            // Where the line may be broken: a byte index into `line`.
            let mut chance: Option<usize> = None;
            for c in paragraph.chars() {
                let w = self.char_width(c, size);
                if line_width + w > width && !line.is_empty() {
                    if c == ' ' {
                        lines.push(line.trim_end().to_string());
                        line.clear();
                        line_width = 0.0;
                        chance = None;
                        continue;
                    }
                    match chance.filter(|&i| i > 0 && i < line.len()) {
                        Some(i) => {
                            let rest = line.split_off(i);
                            lines.push(line.trim_end().to_string());
                            line = rest.trim_start().to_string();
                        }
                        None => lines.push(std::mem::take(&mut line)),
                    }
                    line_width = self.width(&line, size);
                    chance = None;
                }
                if breaks_around(c) && !line.is_empty() {
                    chance = Some(line.len());
                }
                line.push(c);
                line_width += w;
                if c == ' ' || c == '-' || c == '/' || breaks_around(c) {
                    chance = Some(line.len());
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }
}

/// Chinese and Japanese text may break before and after any of its characters.
fn breaks_around(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

fn line_height(size: f32) -> f32 {
    size * LINE
}

// ----- placing blocks on pages ---------------------------------------------------------------

enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        color: Color,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Color,
    },
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        photo: Photo,
    },
}

/// How a table looks: a grid with a header, or label/value pairs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    Grid,
    Fields,
}

struct Flow<'a> {
    measure: &'a Measure<'a>,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'a> Flow<'a> {
    fn new(measure: &'a Measure<'a>) -> Flow<'a> {
        Flow {
            measure,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn at_top(&self) -> bool {
        self.y <= TOP
    }

    fn room(&self) -> f32 {
        BOTTOM - self.y
    }

    /// Starts a new page unless `height` fits on this one (or this one is still empty).
    fn need(&mut self, height: f32) {
        if height > self.room() && !self.at_top() {
            self.new_page();
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// One line of text whose line box starts at `top`.
    fn text(&mut self, x: f32, top: f32, size: f32, color: Color, text: String) {
        if text.is_empty() {
            return;
        }
        // Centres the ink of both CJK and Latin in the line box (ascent ~0.86 em).
        let baseline = top + (line_height(size) - size) / 2.0 + 0.86 * size;
        self.push(Op::Text {
            x,
            baseline,
            size,
            color,
            text,
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Color) {
        self.push(Op::Rect { x, y, w, h, color });
    }

    fn place(&mut self, block: &Block) {
        match block {
            Block::Title(text) => {
                self.lines(text, TITLE_SIZE, ACCENT, true);
                self.gap(2.0);
            }
            Block::Subtitle(text) => {
                self.lines(text, SUBTITLE_SIZE, MUTED, true);
                self.gap(6.0);
            }
            Block::Heading(text) => {
                let lines = self.measure.wrap(text, HEADING_SIZE, CONTENT_WIDTH);
                let lh = line_height(HEADING_SIZE);
                self.need(lines.len() as f32 * lh + KEEP_WITH_NEXT);
                for line in lines {
                    let top = self.y;
                    self.text(MARGIN_X, top, HEADING_SIZE, INK, line);
                    self.y += lh;
                }
                self.rect(MARGIN_X, self.y + 1.0, CONTENT_WIDTH, 0.8, ACCENT);
                self.y += 8.0;
            }
            Block::Band { text, aside } => self.band(text, aside),
            Block::Paragraph(text) => self.lines(text, BODY_SIZE, INK, false),
            Block::Note(text) => self.lines(text, NOTE_SIZE, MUTED, false),
            Block::Fields(pairs) => {
                let table = Table {
                    columns: vec![Column::new("", 0.2), Column::new("", 0.8)],
                    rows: pairs
                        .iter()
                        .map(|(label, value)| vec![label.clone(), value.clone()])
                        .collect(),
                };
                self.table(&table, Look::Fields);
            }
            Block::Table(table) => self.table(table, Look::Grid),
            Block::Photos { caption, photos } => self.photos(caption, photos),
            Block::Signatures(boxes) => self.signatures(boxes),
            Block::Picture {
                photo,
                caption,
                max_height,
            } => self.picture(photo, caption, *max_height),
            Block::Gap(height) => self.gap(*height),
            Block::PageBreak => {
                if !self.at_top() {
                    self.new_page();
                }
            }
        }
    }

    fn gap(&mut self, height: f32) {
        if !self.at_top() {
            self.y = (self.y + height).min(BOTTOM);
        }
    }

    /// Wrapped text across the width, line by line (a page may end between two lines unless
    /// `together`).
    fn lines(&mut self, text: &str, size: f32, color: Color, together: bool) {
        let lines = self.measure.wrap(text, size, CONTENT_WIDTH);
        let lh = line_height(size);
        if together {
            self.need(lines.len() as f32 * lh);
        }
        for line in lines {
            self.need(lh);
            let top = self.y;
            self.text(MARGIN_X, top, size, color, line);
            self.y += lh;
        }
    }

    fn band(&mut self, text: &str, aside: &str) {
        let measure = self.measure;
        let aside = measure.printable(aside);
        let aside_width = measure.width(&aside, BAND_SIZE);
        let pad = 6.0;
        let text_width = (CONTENT_WIDTH - aside_width - 4.0 * pad).max(CONTENT_WIDTH / 2.0);
        let lines = measure.wrap(text, BAND_SIZE, text_width);
        let lh = line_height(BAND_SIZE);
        let height = lines.len() as f32 * lh + 2.0 * pad;
        self.need(height + KEEP_WITH_NEXT);
        let top = self.y;
        self.rect(MARGIN_X, top, CONTENT_WIDTH, height, BAND);
        self.rect(MARGIN_X, top, 3.0, height, ACCENT);
        self.text(
            MARGIN_X + CONTENT_WIDTH - pad - aside_width,
            top + pad,
            BAND_SIZE,
            ACCENT,
            aside,
        );
        for (i, line) in lines.into_iter().enumerate() {
            self.text(
                MARGIN_X + 3.0 + pad,
                top + pad + i as f32 * lh,
                BAND_SIZE,
                INK,
                line,
            );
        }
        self.y = top + height + 5.0;
    }

    fn table(&mut self, table: &Table, look: Look) {
        let measure = self.measure;
        let total: f32 = table.columns.iter().map(|c| c.weight.max(0.0)).sum();
        let total = if total > 0.0 { total } else { 1.0 };
        let widths: Vec<f32> = table
            .columns
            .iter()
            .map(|c| c.weight.max(0.0) / total * CONTENT_WIDTH)
            .collect();
        let lh = line_height(TABLE_SIZE);
        let wrap_row = |cells: &[String]| -> Vec<Vec<String>> {
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let cell = cells.get(i).map(String::as_str).unwrap_or("");
                    measure.wrap(cell, TABLE_SIZE, (w - 2.0 * CELL_PAD_X).max(TABLE_SIZE))
                })
                .collect()
        };
        let header = (look == Look::Grid).then(|| {
            wrap_row(
                &table
                    .columns
                    .iter()
                    .map(|c| c.title.clone())
                    .collect::<Vec<_>>(),
            )
        });
        let header_height = header
            .as_ref()
            .map_or(0.0, |h| row_lines(h) as f32 * lh + 2.0 * CELL_PAD_Y);
        let rows: Vec<Vec<Vec<String>>> = table.rows.iter().map(|r| wrap_row(r)).collect();
        let first = rows
            .first()
            .map_or(0.0, |r| row_lines(r).min(3) as f32 * lh + 2.0 * CELL_PAD_Y);
        self.need(header_height + first);
        let mut fresh = self.table_header(header.as_ref(), &widths);
        for (index, row) in rows.iter().enumerate() {
            let count = row_lines(row);
            let mut from = 0;
            while from < count {
                let left = (count - from) as f32 * lh + 2.0 * CELL_PAD_Y;
                let fits = ((self.room() - 2.0 * CELL_PAD_Y) / lh).floor().max(0.0) as usize;
                let take = if left <= self.room() {
                    count - from
                } else if !fresh && left <= BOTTOM - TOP - header_height {
                    // The whole row fits on a fresh page: keep it together there.
                    0
                } else {
                    fits.min(count - from)
                };
                if take == 0 {
                    self.new_page();
                    fresh = self.table_header(header.as_ref(), &widths);
                    continue;
                }
                self.table_row(row, from..from + take, &widths, index, look);
                from += take;
                fresh = false;
                if from < count {
                    self.new_page();
                    fresh = self.table_header(header.as_ref(), &widths);
                }
            }
        }
        self.gap(6.0);
    }

    /// Draws the header row, if any; true: nothing is under it yet on this page.
    fn table_header(&mut self, header: Option<&Vec<Vec<String>>>, widths: &[f32]) -> bool {
        let Some(header) = header else {
            return true;
        };
        let lh = line_height(TABLE_SIZE);
        let height = row_lines(header) as f32 * lh + 2.0 * CELL_PAD_Y;
        let top = self.y;
        self.rect(MARGIN_X, top, CONTENT_WIDTH, height, HEADER_FILL);
        self.cells(header, 0..row_lines(header), widths, top, MUTED, MUTED);
        self.y = top + height;
        true
    }

    fn table_row(
        &mut self,
        row: &[Vec<String>],
        lines: std::ops::Range<usize>,
        widths: &[f32],
        index: usize,
        look: Look,
    ) {
        let lh = line_height(TABLE_SIZE);
        let height = lines.len() as f32 * lh + 2.0 * CELL_PAD_Y;
        let top = self.y;
        match look {
            Look::Grid => {
                if index % 2 == 1 {
                    self.rect(MARGIN_X, top, CONTENT_WIDTH, height, STRIPE);
                }
                self.rect(MARGIN_X, top + height - 0.4, CONTENT_WIDTH, 0.4, RULE);
                self.cells(row, lines, widths, top, INK, INK);
            }
            Look::Fields => self.cells(row, lines, widths, top, MUTED, INK),
        }
        self.y = top + height;
    }

    /// The given lines of each cell of a row, side by side; the first column in `first`.
    fn cells(
        &mut self,
        row: &[Vec<String>],
        lines: std::ops::Range<usize>,
        widths: &[f32],
        top: f32,
        first: Color,
        rest: Color,
    ) {
        let lh = line_height(TABLE_SIZE);
        let mut x = MARGIN_X;
        for (column, (cell, width)) in row.iter().zip(widths).enumerate() {
            let color = if column == 0 { first } else { rest };
            for (i, line) in cell.iter().enumerate().skip(lines.start).take(lines.len()) {
                let line_top = top + CELL_PAD_Y + (i - lines.start) as f32 * lh;
                self.text(x + CELL_PAD_X, line_top, TABLE_SIZE, color, line.clone());
            }
            x += width;
        }
    }

    fn photos(&mut self, caption: &str, photos: &[Photo]) {
        if photos.is_empty() {
            return;
        }
        let caption_lines = self.measure.wrap(caption, TABLE_SIZE, CONTENT_WIDTH);
        let caption_height = caption_lines.len() as f32 * line_height(TABLE_SIZE) + 2.0;
        let cell =
            (CONTENT_WIDTH - PHOTO_GAP * (PHOTOS_PER_ROW - 1) as f32) / PHOTOS_PER_ROW as f32;
        for (n, row) in photos.chunks(PHOTOS_PER_ROW).enumerate() {
            let sizes: Vec<(f32, f32)> = row
                .iter()
                .map(|p| fit(p.width, p.height, cell, PHOTO_MAX_HEIGHT))
                .collect();
            let height = sizes.iter().map(|s| s.1).fold(0.0, f32::max);
            if n == 0 {
                self.need(caption_height + height);
                for line in &caption_lines {
                    let top = self.y;
                    self.text(MARGIN_X, top, TABLE_SIZE, MUTED, line.clone());
                    self.y += line_height(TABLE_SIZE);
                }
                self.y += 2.0;
            } else {
                self.need(height);
            }
            let top = self.y;
            for (i, (photo, (w, h))) in row.iter().zip(sizes).enumerate() {
                let x = MARGIN_X + i as f32 * (cell + PHOTO_GAP);
                self.push(Op::Image {
                    x,
                    y: top,
                    w,
                    h,
                    photo: photo.clone(),
                });
            }
            self.y = top + height + PHOTO_GAP;
        }
    }
}

impl Flow<'_> {
    fn picture(&mut self, photo: &Photo, caption: &str, max_height: f32) {
        let caption_lines = self.measure.wrap(caption, TABLE_SIZE, CONTENT_WIDTH);
        let caption_height = caption_lines.len() as f32 * line_height(TABLE_SIZE) + 4.0;
        let (w, h) = fit(photo.width, photo.height, CONTENT_WIDTH, max_height);
        self.need(h + caption_height);
        let top = self.y;
        self.push(Op::Image {
            x: MARGIN_X + (CONTENT_WIDTH - w) / 2.0,
            y: top,
            w,
            h,
            photo: photo.clone(),
        });
        self.y = top + h + 4.0;
        for line in caption_lines {
            let top = self.y;
            self.text(MARGIN_X, top, TABLE_SIZE, MUTED, line);
            self.y += line_height(TABLE_SIZE);
        }
        self.y += 6.0;
    }

    fn signatures(&mut self, boxes: &[SignatureBox]) {
        let lh = line_height(TABLE_SIZE);
        let width = (CONTENT_WIDTH - SIGNATURE_GAP) / 2.0;
        for row in boxes.chunks(2) {
            let wrapped: Vec<(Vec<String>, Vec<String>)> = row
                .iter()
                .map(|b| {
                    let caption = self.measure.wrap(&b.caption, TABLE_SIZE, width);
                    let lines = b
                        .lines
                        .iter()
                        .flat_map(|l| self.measure.wrap(l, TABLE_SIZE, width))
                        .collect();
                    (caption, lines)
                })
                .collect();
            let captions = wrapped.iter().map(|w| w.0.len()).max().unwrap_or(0) as f32;
            let lines = wrapped.iter().map(|w| w.1.len()).max().unwrap_or(0) as f32;
            self.need((captions + lines) * lh + SIGNATURE_HEIGHT + 8.0);
            let top = self.y;
            for (i, (signature, (caption, lines))) in row.iter().zip(wrapped).enumerate() {
                let x = MARGIN_X + i as f32 * (width + SIGNATURE_GAP);
                let mut y = top;
                for line in caption {
                    self.text(x, y, TABLE_SIZE, MUTED, line);
                    y += lh;
                }
                let frame = y + 2.0;
                self.rect(x, frame, width, SIGNATURE_HEIGHT, STRIPE);
                self.rect(x, frame + SIGNATURE_HEIGHT - 0.8, width, 0.8, RULE);
                if let Some(image) = &signature.image {
                    let (w, h) = fit(
                        image.width,
                        image.height,
                        width - 8.0,
                        SIGNATURE_HEIGHT - 8.0,
                    );
                    self.push(Op::Image {
                        x: x + (width - w) / 2.0,
                        y: frame + (SIGNATURE_HEIGHT - h) / 2.0,
                        w,
                        h,
                        photo: image.clone(),
                    });
                }
                y = frame + SIGNATURE_HEIGHT + 4.0;
                for line in lines {
                    self.text(x, y, TABLE_SIZE, INK, line);
                    y += lh;
                }
            }
            self.y = top + (captions + lines) * lh + SIGNATURE_HEIGHT + 14.0;
        }
    }
}

fn row_lines(row: &[Vec<String>]) -> usize {
    row.iter().map(Vec::len).max().unwrap_or(0).max(1)
}

/// A picture's size scaled to fit the box, keeping its proportions.
fn fit(width: u32, height: u32, max_w: f32, max_h: f32) -> (f32, f32) {
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let scale = (max_w / w).min(max_h / h);
    (w * scale, h * scale)
}

// ----- drawing -------------------------------------------------------------------------------

fn fill(color: Color) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        ..Fill::default()
    }
}

fn draw(
    document: &Document,
    font: &PdfFont,
    measure: &Measure<'_>,
    pages: Vec<Vec<Op>>,
) -> Result<Vec<u8>, PdfError> {
    let mut pdf = krilla::Document::new();
    pdf.set_metadata(
        krilla::metadata::Metadata::new()
            .title(measure.printable(&document.title))
            .language(document.language.clone())
            .keywords(document.keywords.clone()),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError::Write("page size".into()))?;
    let total = pages.len();
    let footer = measure.printable(&document.footer);
    for (index, ops) in pages.into_iter().enumerate() {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    size,
                    color,
                    text,
                } => {
                    surface.set_fill(Some(fill(color)));
                    surface.draw_text(
                        Point::from_xy(x, baseline),
                        font.font.clone(),
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect { x, y, w, h, color } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_fill(Some(fill(color)));
                        surface.draw_path(&path);
                    }
                }
                Op::Image { x, y, w, h, photo } => {
                    // A picture krilla cannot read is left out rather than failing the document.
                    let data = krilla::Data::from(photo.bytes);
                    let image = match photo.encoding {
                        Encoding::Jpeg => krilla::image::Image::from_jpeg(data, true),
                        Encoding::Png => krilla::image::Image::from_png(data, true),
                    };
                    if let (Ok(image), Some(size)) = (image, Size::from_wh(w, h)) {
                        surface.push_transform(&Transform::from_translate(x, y));
                        surface.draw_image(image, size);
                        surface.pop();
                    }
                }
            }
        }
        // The footer: a rule, the document's line on the left, "page N of M" on the right.
        let mut rule = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(MARGIN_X, FOOTER_BASELINE - 12.0, CONTENT_WIDTH, 0.5) {
            rule.push_rect(rect);
        }
        if let Some(rule) = rule.finish() {
            surface.set_fill(Some(fill(RULE)));
            surface.draw_path(&rule);
        }
        surface.set_fill(Some(fill(MUTED)));
        let label = measure.printable(&(document.page_label)(index + 1, total));
        let label_width = measure.width(&label, FOOTER_SIZE);
        surface.draw_text(
            Point::from_xy(MARGIN_X, FOOTER_BASELINE),
            font.font.clone(),
            FOOTER_SIZE,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.draw_text(
            Point::from_xy(MARGIN_X + CONTENT_WIDTH - label_width, FOOTER_BASELINE),
            font.font.clone(),
            FOOTER_SIZE,
            &label,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::card::FontSource;

    fn with_measure(test: impl FnOnce(&Measure<'_>)) {
        let font = PdfFont::load(&FontSource::Bundled).expect("the bundled font loads");
        let face = font.face().expect("parses");
        test(&Measure::new(face));
    }

    #[test]
    fn text_wraps_within_the_width_at_spaces_and_between_chinese_characters() {
        with_measure(|m| {
            let latin = "the tap in the kitchen drips when the hot water runs for long";
            let lines = m.wrap(latin, 10.0, 120.0);
            assert!(lines.len() > 2, "{lines:?}");
            for line in &lines {
                assert!(m.width(line, 10.0) <= 120.0, "{line:?}");
                assert!(!line.starts_with(' ') && !line.ends_with(' '), "{line:?}");
            }
            assert_eq!(lines.join(" "), latin, "no word is cut");
            let chinese = "厨房水龙头在热水长时间流动时会滴水，需要更换阀芯并检查管道接口是否渗漏";
            let lines = m.wrap(chinese, 10.0, 100.0);
            assert!(lines.len() > 2, "{lines:?}");
            assert_eq!(lines.concat(), chinese);
            for line in &lines {
                assert!(m.width(line, 10.0) <= 100.0, "{line:?}");
            }
        });
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_line_ends_are_kept() {
        with_measure(|m| {
            let long = "x".repeat(200);
            let lines = m.wrap(&long, 10.0, 80.0);
            assert!(lines.len() > 3);
            assert_eq!(lines.concat(), long);
            assert_eq!(m.wrap("one\ntwo", 10.0, 500.0), vec!["one", "two"]);
            assert_eq!(m.wrap("", 10.0, 500.0), vec![""]);
        });
    }

    #[test]
    fn what_the_font_cannot_draw_is_left_out() {
        with_measure(|m| {
            assert_eq!(m.printable("漏水 🚿 leak\tnow\r\n"), "漏水  leak now\n");
        });
    }

    #[test]
    fn a_long_table_breaks_between_rows_and_repeats_its_header() {
        with_measure(|m| {
            let mut flow = Flow::new(m);
            let table = Table {
                columns: vec![Column::new("No.", 1.0), Column::new("Room", 3.0)],
                rows: (1..=200)
                    .map(|i| vec![i.to_string(), "厨房".to_string()])
                    .collect(),
            };
            flow.place(&Block::Table(table));
            assert!(flow.pages.len() > 2);
            for page in &flow.pages {
                let headers = page
                    .iter()
                    .filter(|op| matches!(op, Op::Text { text, .. } if text == "No."))
                    .count();
                assert_eq!(headers, 1, "each page starts with the header once");
                for op in page {
                    if let Op::Text { baseline, .. } = op {
                        assert!(*baseline < BOTTOM && *baseline > TOP, "{baseline}");
                    }
                }
            }
        });
    }

    #[test]
    fn a_cell_taller_than_a_page_goes_on_over_the_next() {
        with_measure(|m| {
            let mut flow = Flow::new(m);
            let note = "很长的备注".repeat(600);
            flow.place(&Block::Fields(vec![("备注".into(), note.clone())]));
            assert!(flow.pages.len() >= 2);
            let printed: String = flow
                .pages
                .iter()
                .flatten()
                .filter_map(|op| match op {
                    Op::Text { text, x, .. } if *x > MARGIN_X + 50.0 => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(printed, note, "every character printed once, none cut off");
        });
    }

    #[test]
    fn a_document_renders_with_page_numbers() {
        let font = PdfFont::load(&FontSource::Bundled).expect("the bundled font loads");
        let document = Document {
            title: "验房记录".into(),
            language: "zh-CN".into(),
            footer: "生成于 2026-12-04 09:00".into(),
            page_label: Box::new(|n, m| format!("{n}/{m}")),
            keywords: Vec::new(),
            blocks: vec![
                Block::Title("验房记录".into()),
                Block::Paragraph("厨房 · 渗漏".into()),
                Block::PageBreak,
                Block::Paragraph("second page".into()),
            ],
        };
        let pdf = render(&document, &font).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf.len() < 200_000,
            "the font is subset: {} bytes",
            pdf.len()
        );
    }
}
