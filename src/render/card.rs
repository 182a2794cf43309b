//! The "welcome home" card: a PNG sent to a buyer once they confirm they received their home.
//!
//! Drawing goes through plotters with its pure-Rust `ab_glyph` font support, so this module is
//! also the font foundation for charts: [`FontSource`] is the configured font or the bundled
//! WenQuanYi Micro Hei, [`register_font`] hands it to plotters once per process and gives back the
//! family name to use in any plotters text style. Nothing here needs fontconfig, system fonts or
//! other system libraries.
//!
//! Note: plotters' `ttf` feature (font-kit) must stay off: with it, plotters ignores fonts
//! registered through `register_font` and looks families up in the system instead.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::coord::Shift;
use plotters::prelude::{Circle, DrawingArea, IntoDrawingArea, Polygon, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontDesc, FontFamily, FontStyle, RGBColor, ShapeStyle, TextStyle};

/// Card width in pixels.
pub const CARD_WIDTH: u32 = 1200;
/// Card height in pixels.
pub const CARD_HEIGHT: u32 = 800;

/// Longest text (in characters) printed for one field; longer user data ends with "…".
/// Real names and unit labels are far shorter; this only bounds the work for absurd input.
const MAX_FIELD_CHARS: usize = 240;

/// WenQuanYi Micro Hei (Apache-2.0; see `assets/fonts/README.md`), compiled in so Chinese draws on
/// any machine without a system font or fontconfig.
pub(crate) static BUNDLED_FONT: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc");

/// The font cards (and charts) are drawn with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FontSource {
    /// A TrueType/OpenType file or collection (face 0 is used).
    File(PathBuf),
    /// The compiled-in WenQuanYi Micro Hei.
    Bundled,
}

impl FontSource {
    /// The configured font file when there is one, else the bundled font.
    pub fn choose(configured: Option<&Path>) -> FontSource {
        match configured.filter(|p| p.is_file()) {
            Some(path) => FontSource::File(path.to_path_buf()),
            None => FontSource::Bundled,
        }
    }
}

/// What can go wrong while making a card.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("cannot read font file {path}: {source}")]
    FontIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a usable TrueType/OpenType font (or collection)")]
    InvalidFont { path: PathBuf },
    #[error("font error while laying out text: {0}")]
    Font(String),
    #[error("drawing the card failed: {0}")]
    Draw(String),
    #[error("encoding the card as PNG failed: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Registers the font with plotters once per process and returns the family name to use in
/// plotters text styles. plotters needs `&'static` bytes: a file is read and leaked once.
pub fn register_font(font: &FontSource) -> Result<&'static str, CardError> {
    static REGISTERED: OnceLock<Mutex<HashMap<FontSource, &'static str>>> = OnceLock::new();

    let key = match font {
        FontSource::File(path) => {
            FontSource::File(path.canonicalize().unwrap_or_else(|_| path.clone()))
        }
        FontSource::Bundled => FontSource::Bundled,
    };
    // Held while loading, so concurrent first uses of one font load (and leak) it only once.
    let mut registered = REGISTERED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(family) = registered.get(&key) {
        return Ok(family);
    }
    let (bytes, family): (&'static [u8], String) = match &key {
        FontSource::Bundled => (BUNDLED_FONT, "handover-card:bundled".to_string()),
        FontSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| CardError::FontIo {
                path: path.clone(),
                source,
            })?;
            // Check the magic before leaking, so a wrong file is not leaked on each call.
            // ttcf = collection (ab_glyph / ttf-parser then use face 0), the rest single fonts.
            if !matches!(
                bytes.get(..4),
                Some(b"ttcf" | b"OTTO" | b"true" | [0, 1, 0, 0])
            ) {
                return Err(CardError::InvalidFont { path: path.clone() });
            }
            (
                Box::leak(bytes.into_boxed_slice()),
                format!("handover-card:{}", path.display()),
            )
        }
    };
    let family: &'static str = Box::leak(family.into_boxed_str());
    let invalid = || CardError::InvalidFont {
        path: match &key {
            FontSource::File(path) => path.clone(),
            FontSource::Bundled => PathBuf::from("(bundled)"),
        },
    };
    plotters::style::register_font(family, FontStyle::Normal, bytes).map_err(|_| invalid())?;
    registered.insert(key, family);
    Ok(family)
}

/// Everything printed on the card, already in the buyer's language.
#[derive(Debug, Clone, Copy)]
pub struct HandoverCard<'a> {
    pub headline: &'a str,   // e.g. "欢迎回家" / "Welcome home"
    pub buyer: &'a str,      // "王芳"
    pub unit: &'a str,       // "3栋-2-1502" style label, may contain CJK
    pub date: &'a str,       // "2026年11月27日" / "27 Nov 2026"
    pub ambassador: &'a str, // a full line like "交付大使 李雷" / "Your ambassador: Li Lei"
    pub footer: &'a str,     // project name or a short wish
}

/// The card as PNG bytes (about 1200x800, landscape): a soft background, a border/frame,
/// the headline large, the other lines below, centred; long lines shrink or wrap so nothing
/// is cut off (buyer names and unit labels are user data up to ~60 chars).
pub fn render_handover_card(
    font: &FontSource,
    card: &HandoverCard<'_>,
) -> Result<Vec<u8>, CardError> {
    let (rgb, _) = render_rgb(font, card)?;
    encode_png(&rgb, CARD_WIDTH, CARD_HEIGHT)
}

// ---------------------------------------------------------------------------------------------
// Palette and geometry

pub(crate) const BG_TOP: RGBColor = RGBColor(255, 250, 241);
const BG_BOTTOM: RGBColor = RGBColor(252, 232, 208);
const PAPER: RGBColor = RGBColor(253, 244, 232);
const GLOW: RGBColor = RGBColor(250, 206, 168);
pub(crate) const RED: RGBColor = RGBColor(178, 44, 40);
pub(crate) const GOLD: RGBColor = RGBColor(207, 160, 76);
pub(crate) const INK: RGBColor = RGBColor(62, 40, 28);
pub(crate) const INK_SOFT: RGBColor = RGBColor(98, 74, 58);
pub(crate) const INK_MUTED: RGBColor = RGBColor(140, 108, 80);

/// Outer red frame inset and thickness, inner gold frame inset and thickness.
const FRAME_OUTER: (i32, i32) = (22, 8);
const FRAME_INNER: (i32, i32) = (42, 2);
/// Text stays inside this horizontal margin and vertical padding.
const TEXT_MARGIN_X: i32 = 100;
const TEXT_MARGIN_Y: i32 = 70;
/// Line box height as a multiple of the font size.
const LINE_HEIGHT: f64 = 1.3;
/// Where, inside a line box of `size * LINE_HEIGHT`, plotters' top anchor goes (in units of
/// the font size) so that the ink sits in the middle. plotters' ab_glyph code puts the
/// baseline at anchor + size/2; measured with wqy-microhei, CJK ink then spans anchor - 0.2
/// to anchor + 0.57 size, Latin with descenders anchor - 0.18 to anchor + 0.68.
const ANCHOR_OFFSET: f64 = 0.46;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Icon,
    Headline,
    Divider,
    Buyer,
    Unit,
    Date,
    Ambassador,
    Footer,
}

/// One thing stacked on the card, before fitting.
struct Block {
    role: Role,
    text: String,
    /// Font size (or height for icon/divider) at full scale.
    nominal: f64,
    /// How far this line may shrink on its own to avoid wrapping.
    min_ratio: f64,
    /// Space above, at full scale.
    gap_before: f64,
    color: RGBColor,
}

/// One thing placed on the card.
#[derive(Debug, Clone)]
struct Placed {
    role: Role,
    lines: Vec<String>,
    size: f64,
    /// Top of its box.
    top: f64,
    color: RGBColor,
}

impl Placed {
    fn height(&self) -> f64 {
        match self.role {
            Role::Icon | Role::Divider => self.size,
            _ => self.lines.len() as f64 * self.size * LINE_HEIGHT,
        }
    }
}

#[derive(Debug, Clone)]
struct Layout {
    items: Vec<Placed>,
}

impl Layout {
    /// Bounding box (x0, y0, x1, y1) of the text lines of a role, for tests and debugging.
    #[cfg(test)]
    fn text_box(&self, role: Role, family: &str) -> Option<(i32, i32, i32, i32)> {
        let item = self.items.iter().find(|p| p.role == role)?;
        let widest = item
            .lines
            .iter()
            .filter_map(|l| text_width(family, item.size, l).ok())
            .fold(0.0, f64::max);
        let cx = f64::from(CARD_WIDTH) / 2.0;
        Some((
            (cx - widest / 2.0) as i32,
            item.top as i32,
            (cx + widest / 2.0) as i32,
            (item.top + item.height()) as i32,
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Text measurement, clean-up and wrapping

fn font_desc(family: &str, size: f64) -> FontDesc<'_> {
    FontDesc::new(FontFamily::Name(family), size, FontStyle::Normal)
}

fn text_width(family: &str, size: f64, text: &str) -> Result<f64, CardError> {
    let (w, _) = font_desc(family, size)
        .box_size(text)
        .map_err(|e| CardError::Font(e.to_string()))?;
    Ok(f64::from(w))
}

/// Invisible helpers of emoji sequences (variation selectors, zero-width joiner, keycap,
/// skin tones, tags): meaningless once the emoji itself cannot be drawn.
fn is_emoji_helper(c: char) -> bool {
    matches!(c,
        '\u{FE00}'..='\u{FE0F}'
        | '\u{200D}'
        | '\u{20E3}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}')
}

/// Arrows, symbols, dingbats and emoji: dropped when the font has no glyph for them, rather
/// than printed as "missing glyph" boxes. (Letters the font lacks stay, as boxes: dropping
/// a character from a name would change the name.)
fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{2190}'..='\u{2BFF}' | '\u{1F000}'..='\u{1FAFF}')
}

/// One line of printable text: control characters become spaces, runs of spaces collapse,
/// pictographs are kept only where `keep` says so, and absurdly long input is cut with "…".
fn clean(
    text: &str,
    mut keep: impl FnMut(char) -> Result<bool, CardError>,
) -> Result<String, CardError> {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if is_emoji_helper(c) || (is_pictograph(c) && !keep(c)?) {
            continue;
        }
        if count + usize::from(space) >= MAX_FIELD_CHARS {
            out.push('…');
            break;
        }
        if std::mem::take(&mut space) {
            out.push(' ');
            count += 1;
        }
        out.push(c);
        count += 1;
    }
    Ok(out)
}

/// Whether the font draws `c` as something else than its "missing glyph" (.notdef) shape,
/// judged by comparing its coverage with that of a code point no font maps.
fn has_glyph(family: &str, c: char) -> Result<bool, CardError> {
    let ink = |c: char| -> Result<Vec<(i32, i32, u8)>, CardError> {
        let mut pixels = Vec::new();
        let drawn = font_desc(family, 16.0)
            .draw(c.encode_utf8(&mut [0; 4]), (0, 0), |x, y, a| {
                pixels.push((x, y, (a * 255.0) as u8));
                Ok::<(), std::convert::Infallible>(())
            })
            .map_err(|e| CardError::Font(e.to_string()))?;
        let Ok(()) = drawn;
        Ok(pixels)
    };
    let drawn = ink(c)?;
    Ok(!drawn.is_empty() && drawn != ink('\u{10FFFD}')?)
}

/// Characters after which a line may break even without a space (CJK and other wide scripts).
fn breaks_anywhere(c: char) -> bool {
    c >= '\u{2E80}'
}

/// Breaks text into lines each of which `fits`, at spaces or around wide characters when
/// possible and anywhere inside a too-long word otherwise.
fn wrap(
    text: &str,
    mut fits: impl FnMut(&str) -> Result<bool, CardError>,
) -> Result<Vec<String>, CardError> {
    let mut tokens: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == ' ' || breaks_anywhere(c) {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            tokens.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }

    let mut lines = Vec::new();
    let mut line = String::new();
    for token in tokens {
        let candidate = format!("{line}{token}");
        if fits(candidate.trim())? {
            line = candidate;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim().to_string());
        }
        line = String::new();
        if token == " " {
            continue;
        }
        if fits(&token)? {
            line = token;
            continue;
        }
        // A single word wider than the line: break it between characters.
        for c in token.chars() {
            let candidate = format!("{line}{c}");
            if line.is_empty() || fits(&candidate)? {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim().to_string());
    }
    Ok(lines)
}

// ---------------------------------------------------------------------------------------------
// Layout

fn blocks(family: &str, card: &HandoverCard<'_>) -> Result<Vec<Block>, CardError> {
    let mut glyphs: HashMap<char, bool> = HashMap::new();
    let mut keep = |c: char| -> Result<bool, CardError> {
        if let Some(&known) = glyphs.get(&c) {
            return Ok(known);
        }
        let known = has_glyph(family, c)?;
        glyphs.insert(c, known);
        Ok(known)
    };
    let mut text = |role, text: &str, nominal, min_ratio, gap_before, color| {
        Ok::<_, CardError>(Block {
            role,
            text: clean(text, &mut keep)?,
            nominal,
            min_ratio,
            gap_before,
            color,
        })
    };
    let shape = |role, nominal, gap_before| Block {
        role,
        text: String::new(),
        nominal,
        min_ratio: 1.0,
        gap_before,
        color: GOLD,
    };
    let mut all = vec![
        shape(Role::Icon, 64.0, 0.0),
        text(Role::Headline, card.headline, 112.0, 0.7, 14.0, RED)?,
        shape(Role::Divider, 18.0, 6.0),
        text(Role::Buyer, card.buyer, 60.0, 0.7, 22.0, INK)?,
        text(Role::Unit, card.unit, 40.0, 0.75, 14.0, INK_SOFT)?,
        text(Role::Date, card.date, 34.0, 0.75, 8.0, INK_SOFT)?,
        text(
            Role::Ambassador,
            card.ambassador,
            32.0,
            0.75,
            22.0,
            INK_SOFT,
        )?,
        text(Role::Footer, card.footer, 28.0, 0.75, 34.0, INK_MUTED)?,
    ];
    all.retain(|b| matches!(b.role, Role::Icon | Role::Divider) || !b.text.is_empty());
    // The divider separates the headline from the rest: only when both exist.
    let has_headline = all.iter().any(|b| b.role == Role::Headline);
    let has_rest = all
        .iter()
        .any(|b| !matches!(b.role, Role::Icon | Role::Headline | Role::Divider));
    if !(has_headline && has_rest) {
        all.retain(|b| b.role != Role::Divider);
    }
    Ok(all)
}

/// Fits one text block at scale `s`: shrink alone down to `min_ratio`, then wrap.
fn fit_block(
    family: &str,
    block: &Block,
    s: f64,
    max_width: f64,
) -> Result<(f64, Vec<String>), CardError> {
    let size = (block.nominal * s).max(8.0);
    let width = text_width(family, size, &block.text)?;
    if width <= max_width {
        return Ok((size, vec![block.text.clone()]));
    }
    let min_size = (size * block.min_ratio).max(8.0);
    let shrunk = (size * max_width / width).floor().max(min_size);
    if text_width(family, shrunk, &block.text)? <= max_width {
        return Ok((shrunk, vec![block.text.clone()]));
    }
    let lines = wrap(&block.text, |line| {
        Ok(text_width(family, min_size, line)? <= max_width)
    })?;
    Ok((min_size, lines))
}

fn layout(family: &str, card: &HandoverCard<'_>) -> Result<Layout, CardError> {
    let blocks = blocks(family, card)?;
    let max_width = f64::from(CARD_WIDTH) - 2.0 * f64::from(TEXT_MARGIN_X);
    let max_height = f64::from(CARD_HEIGHT) - 2.0 * f64::from(TEXT_MARGIN_Y);

    let mut scale = 1.0;
    let mut items = Vec::new();
    let mut total = 0.0;
    for _ in 0..24 {
        items.clear();
        total = 0.0;
        for block in &blocks {
            let (size, lines) = match block.role {
                Role::Icon | Role::Divider => (block.nominal * scale, Vec::new()),
                _ => fit_block(family, block, scale, max_width)?,
            };
            let gap = if items.is_empty() {
                0.0
            } else {
                block.gap_before * scale
            };
            let item = Placed {
                role: block.role,
                lines,
                size,
                top: total + gap,
                color: block.color,
            };
            total = item.top + item.height();
            items.push(item);
        }
        if total <= max_height {
            break;
        }
        scale *= 0.9;
    }
    // Centre the stack vertically (if it still does not fit, start at the top padding).
    let offset = f64::from(TEXT_MARGIN_Y) + ((max_height - total) / 2.0).max(0.0);
    for item in &mut items {
        item.top += offset;
    }
    Ok(Layout { items })
}

// ---------------------------------------------------------------------------------------------
// Drawing

type Area<'b> = DrawingArea<BitMapBackend<'b, RGBPixel>, Shift>;

fn draw_err(e: impl std::fmt::Display) -> CardError {
    CardError::Draw(e.to_string())
}

/// Renders into an RGB buffer (CARD_WIDTH x CARD_HEIGHT x 3), returning it with its layout.
fn render_rgb(font: &FontSource, card: &HandoverCard<'_>) -> Result<(Vec<u8>, Layout), CardError> {
    let family = register_font(font)?;
    let layout = layout(family, card)?;

    let mut buf = vec![0u8; CARD_WIDTH as usize * CARD_HEIGHT as usize * 3];
    {
        let backend =
            BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut buf, (CARD_WIDTH, CARD_HEIGHT))
                .map_err(draw_err)?;
        let area = backend.into_drawing_area();
        draw_background(&area)?;
        for item in &layout.items {
            match item.role {
                Role::Icon => draw_house(&area, item.top, item.size)?,
                Role::Divider => draw_divider(&area, item.top, item.size)?,
                _ => draw_lines(&area, family, item)?,
            }
        }
        area.present().map_err(draw_err)?;
    }
    Ok((buf, layout))
}

/// Fills the rectangle with both corners included (plotters' bitmap fill excludes the
/// bottom-right edge, so a 1-pixel-high band would otherwise draw nothing).
fn fill_rect(
    area: &Area<'_>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    style: ShapeStyle,
) -> Result<(), CardError> {
    area.draw(&Rectangle::new([(x0, y0), (x1 + 1, y1 + 1)], style))
        .map_err(draw_err)
}

/// A rectangular frame `inset` from the card edges, `thickness` pixels wide.
fn frame(
    area: &Area<'_>,
    (inset, thickness): (i32, i32),
    color: RGBColor,
) -> Result<(), CardError> {
    let (w, h) = (CARD_WIDTH as i32, CARD_HEIGHT as i32);
    let (a, b) = (inset, inset + thickness - 1);
    let style = color.filled();
    fill_rect(area, (a, a), (w - 1 - a, b), style)?;
    fill_rect(area, (a, h - 1 - b), (w - 1 - a, h - 1 - a), style)?;
    fill_rect(area, (a, a), (b, h - 1 - a), style)?;
    fill_rect(area, (w - 1 - b, a), (w - 1 - a, h - 1 - a), style)
}

fn diamond(
    area: &Area<'_>,
    (cx, cy): (i32, i32),
    r: i32,
    color: RGBColor,
) -> Result<(), CardError> {
    let points = vec![(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)];
    area.draw(&Polygon::new(points, color.filled()))
        .map_err(draw_err)
}

fn draw_background(area: &Area<'_>) -> Result<(), CardError> {
    let (w, h) = (CARD_WIDTH as i32, CARD_HEIGHT as i32);
    // Vertical warm gradient.
    for y in 0..h {
        let t = f64::from(y) / f64::from(h - 1);
        let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        let c = RGBColor(
            mix(BG_TOP.0, BG_BOTTOM.0),
            mix(BG_TOP.1, BG_BOTTOM.1),
            mix(BG_TOP.2, BG_BOTTOM.2),
        );
        fill_rect(area, (0, y), (w - 1, y), c.filled())?;
    }
    // Soft glows in two corners.
    for (center, radius) in [((90, 110), 260), ((w - 70, h - 60), 320)] {
        for k in 0..4 {
            let r = radius - k * 45;
            area.draw(&Circle::new(center, r, GLOW.mix(0.12).filled()))
                .map_err(draw_err)?;
        }
    }
    // A flat margin outside the red frame, so the glows stay inside the card.
    let m = FRAME_OUTER.0 - 1;
    fill_rect(area, (0, 0), (w - 1, m), PAPER.filled())?;
    fill_rect(area, (0, h - 1 - m), (w - 1, h - 1), PAPER.filled())?;
    fill_rect(area, (0, 0), (m, h - 1), PAPER.filled())?;
    fill_rect(area, (w - 1 - m, 0), (w - 1, h - 1), PAPER.filled())?;
    frame(area, FRAME_OUTER, RED)?;
    frame(area, FRAME_INNER, GOLD)?;
    // Gold diamonds on the inner frame's corners.
    let a = FRAME_INNER.0 + FRAME_INNER.1 / 2;
    for corner in [
        (a, a),
        (w - 1 - a, a),
        (a, h - 1 - a),
        (w - 1 - a, h - 1 - a),
    ] {
        diamond(area, corner, 11, GOLD)?;
        diamond(area, corner, 5, RED)?;
    }
    Ok(())
}

/// A small house: red roof, gold walls, red door, in a box `size` high at `top`.
fn draw_house(area: &Area<'_>, top: f64, size: f64) -> Result<(), CardError> {
    let cx = f64::from(CARD_WIDTH) / 2.0;
    let p = |x: f64, y: f64| ((cx + x * size) as i32, (top + y * size) as i32);
    area.draw(&Polygon::new(
        vec![p(0.0, 0.0), p(0.62, 0.46), p(-0.62, 0.46)],
        RED.filled(),
    ))
    .map_err(draw_err)?;
    fill_rect(area, p(-0.42, 0.46), p(0.42, 1.0), GOLD.filled())?;
    fill_rect(area, p(-0.11, 0.64), p(0.11, 1.0), RED.filled())?;
    // A warm window.
    fill_rect(area, p(0.19, 0.58), p(0.33, 0.72), BG_TOP.filled())?;
    Ok(())
}

/// A gold line with a diamond in the middle, centred in a box `size` high at `top`.
fn draw_divider(area: &Area<'_>, top: f64, size: f64) -> Result<(), CardError> {
    let cx = CARD_WIDTH as i32 / 2;
    let cy = (top + size / 2.0) as i32;
    let half = (size * 9.0) as i32;
    let r = ((size / 2.0) as i32).max(2);
    fill_rect(area, (cx - half, cy - 1), (cx - r - 6, cy), GOLD.filled())?;
    fill_rect(area, (cx + r + 6, cy - 1), (cx + half, cy), GOLD.filled())?;
    diamond(area, (cx, cy), r, GOLD)
}

fn draw_lines(area: &Area<'_>, family: &str, item: &Placed) -> Result<(), CardError> {
    let style = TextStyle::from(font_desc(family, item.size))
        .color(&item.color)
        .pos(Pos::new(HPos::Center, VPos::Top));
    let line_box = item.size * LINE_HEIGHT;
    let cx = CARD_WIDTH as i32 / 2;
    for (i, line) in item.lines.iter().enumerate() {
        let y = item.top + i as f64 * line_box + ANCHOR_OFFSET * item.size;
        area.draw_text(line, &style, (cx, y.round() as i32))
            .map_err(draw_err)?;
    }
    Ok(())
}

pub(crate) fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, CardError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> FontSource {
        FontSource::Bundled
    }

    fn sample() -> HandoverCard<'static> {
        HandoverCard {
            headline: "欢迎回家",
            buyer: "王芳",
            unit: "3栋-2-1502",
            date: "2026年11月27日",
            ambassador: "交付大使 李雷",
            footer: "云栖花园 · 愿新家温暖如初",
        }
    }

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("PNG header decodes");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("PNG frame decodes");
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn a_configured_font_file_wins_and_a_missing_one_falls_back_to_the_bundled_font() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("font.ttc");
        std::fs::write(&path, BUNDLED_FONT).unwrap();
        assert_eq!(
            FontSource::choose(Some(&path)),
            FontSource::File(path.clone())
        );
        assert_eq!(
            FontSource::choose(Some(Path::new("/nonexistent/font.ttf"))),
            FontSource::Bundled
        );
        assert_eq!(FontSource::choose(None), FontSource::Bundled);
        let family = register_font(&FontSource::File(path)).expect("a collection file loads");
        assert!(text_width(family, 40.0, "欢迎").expect("measure") > 40.0);
    }

    #[test]
    fn registers_the_bundled_collection_once() {
        let first = register_font(&font()).expect("index 0 of the collection loads");
        let second = register_font(&font()).expect("registered again");
        assert!(std::ptr::eq(first, second), "registered once");
        // The family is usable in plotters text styles: CJK text has a real width.
        let w = text_width(first, 40.0, "欢迎回家").expect("measure");
        assert!(
            (120.0..=200.0).contains(&w),
            "width of 4 CJK chars at 40px: {w}"
        );
    }

    #[test]
    fn rejects_a_file_that_is_not_a_font() {
        let err = register_font(&FontSource::File("Cargo.toml".into())).expect_err("not a font");
        assert!(matches!(err, CardError::InvalidFont { .. }), "{err}");
        let err =
            register_font(&FontSource::File("/nonexistent/font.ttc".into())).expect_err("missing");
        assert!(matches!(err, CardError::FontIo { .. }), "{err}");
    }

    #[test]
    fn renders_a_chinese_card_as_png() {
        let bytes = render_handover_card(&font(), &sample()).expect("renders");
        let (w, h, _) = decode(&bytes);
        assert_eq!((w, h), (CARD_WIDTH, CARD_HEIGHT));
        let out = std::env::temp_dir().join("card-sample.png");
        std::fs::write(&out, &bytes).expect("write sample card");
    }

    #[test]
    fn text_is_really_drawn() {
        let font = font();
        let (a, layout) = render_rgb(&font, &sample()).expect("renders");
        let other = HandoverCard {
            buyer: "李雷",
            ..sample()
        };
        let (b, _) = render_rgb(&font, &other).expect("renders");
        assert_ne!(a, b, "changing only the buyer's name changes the picture");

        // The headline's box holds ink: pixels much darker than the background there.
        let family = register_font(&font).expect("registered");
        let (x0, y0, x1, y1) = layout
            .text_box(Role::Headline, family)
            .expect("headline placed");
        assert!(
            x1 - x0 > 200 && y1 - y0 > 80,
            "headline box {x0},{y0} {x1},{y1}"
        );
        let luma = |x: i32, y: i32| {
            let i = (y as usize * CARD_WIDTH as usize + x as usize) * 3;
            (u32::from(a[i]) * 3 + u32::from(a[i + 1]) * 6 + u32::from(a[i + 2])) / 10
        };
        let mut ink = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                if luma(x, y) < 150 {
                    ink += 1;
                }
            }
        }
        let area = (x1 - x0) * (y1 - y0);
        assert!(
            ink * 100 > area * 8,
            "headline box has {ink} ink pixels out of {area}"
        );
        // …and the background just above the stack has none.
        let first_top = layout.items.first().map_or(0.0, |p| p.top) as i32;
        let ink_above = (TEXT_MARGIN_X..CARD_WIDTH as i32 - TEXT_MARGIN_X)
            .filter(|&x| luma(x, first_top - 8) < 150)
            .count();
        assert_eq!(ink_above, 0, "no ink above the stack");
    }

    #[test]
    fn very_long_and_odd_text_still_renders() {
        let font = font();
        let long_name = "王".repeat(200);
        let long_latin = "Wolfeschlegelsteinhausenbergerdorff ".repeat(6);
        let odd = HandoverCard {
            headline: "欢迎回家 🏠🎉",
            buyer: &long_name,
            unit: &long_latin,
            date: "\n\t\u{0}",
            ambassador: "",
            footer: "🎊",
        };
        let bytes = render_handover_card(&font, &odd).expect("renders");
        assert_eq!(decode(&bytes).0, CARD_WIDTH);

        let (_, layout) = render_rgb(&font, &odd).expect("renders");
        let buyer = layout
            .items
            .iter()
            .find(|p| p.role == Role::Buyer)
            .expect("buyer");
        assert_eq!(buyer.lines.concat(), long_name, "the whole name is printed");
        let family = register_font(&font).expect("registered");
        let max_width = f64::from(CARD_WIDTH - 2 * TEXT_MARGIN_X as u32);
        for item in &layout.items {
            for line in &item.lines {
                let w = text_width(family, item.size, line).expect("measure");
                assert!(
                    w <= max_width,
                    "{:?} line {line:?} is {w}px wide",
                    item.role
                );
            }
            assert!(item.top >= 0.0 && item.top + item.height() <= f64::from(CARD_HEIGHT));
        }

        let empty = HandoverCard {
            headline: "",
            buyer: "",
            unit: "",
            date: "",
            ambassador: "",
            footer: "",
        };
        let bytes = render_handover_card(&font, &empty).expect("renders");
        assert_eq!(decode(&bytes).1, CARD_HEIGHT);
    }

    #[test]
    fn wraps_at_spaces_and_between_cjk_characters() {
        let fits = |max: usize| move |s: &str| Ok(s.chars().count() <= max);
        assert_eq!(
            wrap("Welcome home dear friend", fits(12)).expect("wraps"),
            ["Welcome home", "dear friend"]
        );
        assert_eq!(
            wrap("欢迎回家王芳", fits(4)).expect("wraps"),
            ["欢迎回家", "王芳"]
        );
        assert_eq!(
            wrap("abcdefghij", fits(4)).expect("wraps"),
            ["abcd", "efgh", "ij"]
        );
        let all = |_| Ok(true);
        assert_eq!(clean(" a \n b\t", all).expect("clean"), "a b");
        let long = clean(&"x".repeat(500), all).expect("clean");
        assert_eq!(long.chars().count(), MAX_FIELD_CHARS + 1);
        let long = clean(&"x ".repeat(500), all).expect("clean");
        assert!(long.chars().count() <= MAX_FIELD_CHARS + 1);
        assert!(long.ends_with("x…"), "{long}");
        let no_pictures = |_| Ok(false);
        assert_eq!(
            clean("王芳 🏠 ❤\u{FE0F}!", no_pictures).expect("clean"),
            "王芳 !"
        );
    }
}
