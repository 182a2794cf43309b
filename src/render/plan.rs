//! Pictures of a floor plan with the pins of defects on it: a card cropped around one pin, sent
//! with the item in the chat, and the whole plan with every numbered pin, for a home's overview
//! and the first page of its PDF. Pure: plan bytes in, pictures out.
//!
//! Decoding a plan (a scan a few thousand pixels wide) takes far longer than drawing on it, so
//! the decoded plan, scaled down once, is what is kept in memory ([`PlanPictures`]); each picture
//! is then a crop or a scale of it and a few pins.
//!
//! Pins are given in the plan's orientation ([`Pin`]); a mirrored home is drawn with the plan
//! flipped left-right and its pins where that home's buyer sees them.

use std::fmt;
use std::io::Cursor;
use std::sync::{Arc, Mutex, PoisonError};

use image::{ImageFormat, ImageReader, Limits, RgbImage};

use crate::domain::plan::Pin;

/// Longest side of a decoded plan, in pixels: the card shows 45% of it on 640 pixels and the
/// overview is sent at Telegram's 1280, so more would only take memory in the cache.
pub const MAX_PLAN_SIDE: u32 = 1600;
/// Width of a pin card, in pixels.
pub const CARD_WIDTH: u32 = 640;
/// Height of a pin card, in pixels.
pub const CARD_HEIGHT: u32 = 480;
/// Radius of the pin on a card, in pixels.
pub const CARD_PIN_RADIUS: u32 = 18;
/// Share of the plan's longer side a card shows across its width: a room or two around the pin,
/// enough to tell where in the home it is.
const CARD_WINDOW: f64 = 0.45;
/// Radius of a pin on the whole plan, as a share of the picture's longer side.
const WHOLE_PIN_SHARE: f64 = 0.022;
/// Smallest pin on the whole plan, so its number stays readable on a small picture.
const MIN_PIN_RADIUS: u32 = 10;
/// No plan is larger (an A0 sheet scanned at 300 dpi is 14043 pixels); larger files are refused
/// before decoding, so a crafted one cannot take the memory of the process.
const MAX_DECODED_SIDE: u32 = 16_000;
/// Decoded plans kept in memory: about 5.8 MB each at [`MAX_PLAN_SIDE`], and a project has a
/// handful of unit types.
const CACHED_PLANS: usize = 8;
/// How far below the disc's centre the pin's tail ends, in radii.
const TAIL: f64 = 1.6;
/// Share of the radius around the centre the number stays within, so that a pixel 0.75 radius
/// above or below the centre is always the pin's own colour.
const TEXT_HALF_HEIGHT: f64 = 0.6;
/// Distance from the centre, in radii, no pixel of the number passes: inside the disc, with a
/// rim of pure colour.
const TEXT_REACH: f64 = 0.85;

/// What can go wrong while reading a plan or drawing on it.
#[derive(Debug, thiserror::Error)]
pub enum PlanRenderError {
    #[error("the plan is not a PNG or JPEG image")]
    NotAnImage,
    #[error("the plan image cannot be read: {0}")]
    Decode(#[from] image::ImageError),
    #[error("the plan image has no pixels")]
    Empty,
    #[error("encoding the plan picture as PNG failed: {0}")]
    Encode(#[from] png::EncodingError),
}

/// A plan decoded to RGB, transparent areas white, its longer side at most [`MAX_PLAN_SIDE`].
#[derive(Clone)]
pub struct PlanPicture {
    rgb: RgbImage,
}

impl fmt::Debug for PlanPicture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pixels would drown any log line.
        write!(f, "PlanPicture({}x{})", self.width(), self.height())
    }
}

impl PlanPicture {
    /// The plan in `bytes` (a PNG or a JPEG), decoded and scaled down.
    pub fn decode(bytes: &[u8]) -> Result<PlanPicture, PlanRenderError> {
        let mut reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| PlanRenderError::Decode(image::ImageError::IoError(e)))?;
        // Uploads are checked to be one of these; anything else here is a damaged file.
        if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg)) {
            return Err(PlanRenderError::NotAnImage);
        }
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_DECODED_SIDE);
        limits.max_image_height = Some(MAX_DECODED_SIDE);
        reader.limits(limits);
        let decoded = reader.decode()?;
        let rgb = if decoded.color().has_alpha() {
            on_white(&decoded.to_rgba8())
        } else {
            decoded.to_rgb8()
        };
        PlanPicture::from_rgb(rgb)
    }

    /// A plan already in memory, scaled down like a decoded one.
    pub fn from_rgb(rgb: RgbImage) -> Result<PlanPicture, PlanRenderError> {
        let (width, height) = rgb.dimensions();
        if width == 0 || height == 0 {
            return Err(PlanRenderError::Empty);
        }
        let (fit_width, fit_height) = fit(width, height, MAX_PLAN_SIDE);
        let rgb = if (fit_width, fit_height) == (width, height) {
            rgb
        } else {
            scale_down(&rgb, fit_width, fit_height)
        };
        Ok(PlanPicture { rgb })
    }

    pub fn width(&self) -> u32 {
        self.rgb.width()
    }

    pub fn height(&self) -> u32 {
        self.rgb.height()
    }
}

/// A transparent plan over white paper, as it would print.
fn on_white(rgba: &image::RgbaImage) -> RgbImage {
    let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for pixel in rgba.as_raw().chunks_exact(4) {
        let alpha = u32::from(pixel[3]);
        for &channel in &pixel[..3] {
            let blended = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            out.push(u8::try_from(blended).unwrap_or(u8::MAX));
        }
    }
    RgbImage::from_raw(rgba.width(), rgba.height(), out)
        .unwrap_or_else(|| RgbImage::new(rgba.width(), rgba.height()))
}

/// `width` × `height` scaled so the longer side is at most `max_side` (never up), each side at
/// least a pixel.
fn fit(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longer = width.max(height);
    let target = max_side.max(1);
    if longer <= target {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(target) + u64::from(longer) / 2) / u64::from(longer);
        u32::try_from(scaled).unwrap_or(target).clamp(1, target)
    };
    (scale(width), scale(height))
}

/// One numbered pin to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PinMark {
    /// Where it is, in the plan's orientation.
    pub pin: Pin,
    /// The item's number in its home, printed in the pin.
    pub number: u32,
    /// The pin's colour (see [`crate::domain::plan::status_colour`]).
    pub colour: [u8; 3],
}

// ---------------------------------------------------------------------------------------------
// The card around one pin

/// The part of the (shown) plan a card covers: its top-left corner in plan pixels, and card
/// pixels per plan pixel.
#[derive(Debug, Clone, Copy)]
struct Window {
    left: f64,
    top: f64,
    scale: f64,
}

fn card_window(plan: &PlanPicture, shown: Pin) -> Window {
    let (width, height) = (f64::from(plan.width()), f64::from(plan.height()));
    let across = CARD_WINDOW * width.max(height);
    let down = across * f64::from(CARD_HEIGHT) / f64::from(CARD_WIDTH);
    let scale = f64::from(CARD_WIDTH) / across;
    // The window may pass the plan's edge by the pin's size, so that a pin at the edge is still
    // drawn whole (the plan's own margin is white paper too).
    let radius = f64::from(CARD_PIN_RADIUS);
    let reach = radius + outline_width(radius) + RIM + 2.0;
    let side = reach / scale;
    let below = (TAIL * radius + outline_width(radius) + RIM + 2.0) / scale;
    let place = |at: f64, size: f64, window: f64, before: f64, after: f64| {
        if size + before + after >= window {
            (at - window / 2.0).clamp(-before, size + after - window)
        } else {
            // Smaller than the window: in the middle, on white.
            (size - window) / 2.0
        }
    };
    Window {
        left: place(shown.x * width, width, across, side, side),
        top: place(shown.y * height, height, down, side, below),
        scale,
    }
}

/// The pixel of a pin card (see [`pin_card`]) the pin's disc is centred on.
pub fn pin_centre_in_card(plan: &PlanPicture, mirrored: bool, pin: Pin) -> (u32, u32) {
    let shown = pin.as_shown(mirrored);
    let window = card_window(plan, shown);
    let at =
        |coordinate: f64, start: f64, size: u32| pixel((coordinate - start) * window.scale, size);
    (
        at(shown.x * f64::from(plan.width()), window.left, CARD_WIDTH),
        at(shown.y * f64::from(plan.height()), window.top, CARD_HEIGHT),
    )
}

/// The pixel a continuous coordinate falls in, within `0..size`.
fn pixel(coordinate: f64, size: u32) -> u32 {
    let last = size.saturating_sub(1);
    if coordinate.is_nan() || coordinate <= 0.0 {
        0
    } else {
        // `as` saturates, so even an absurd coordinate lands on the last pixel.
        (coordinate.floor() as u32).min(last)
    }
}

/// A [`CARD_WIDTH`] × [`CARD_HEIGHT`] PNG of the plan around `mark`'s pin, flipped left-right
/// when `mirrored`, with the pin drawn: a disc of radius [`CARD_PIN_RADIUS`] in the mark's
/// colour, white outline, a short tail down, and the number in white in the middle.
///
/// The card shows about 45% of the plan's longer side; the window stays on the plan (letting
/// the pin at an edge show whole), and a plan smaller than the window is centred on white.
/// The disc is centred on [`pin_centre_in_card`]; the pixels 0.75 radius above and below that
/// centre (`centre.y ± (radius * 3 / 4)`) are always exactly the mark's colour.
pub fn pin_card(
    plan: &PlanPicture,
    mirrored: bool,
    mark: &PinMark,
) -> Result<Vec<u8>, PlanRenderError> {
    let shown = mark.pin.as_shown(mirrored);
    let window = card_window(plan, shown);
    let mut card = crop(plan, mirrored, window);
    draw_pin(
        &mut card,
        pin_centre_in_card(plan, mirrored, mark.pin),
        CARD_PIN_RADIUS,
        mark,
    );
    encode_png(&card)
}

/// One source pixel pair and the weight of the second (of 256), for bilinear sampling; `None`
/// off the plan.
type Taps = Option<(usize, usize, u32)>;

/// For each of `count` output pixels along one axis, where it samples the plan of `size` pixels.
fn taps(count: u32, start: f64, scale: f64, size: u32, flipped: bool) -> Vec<Taps> {
    let size_f = f64::from(size);
    let last = size as usize - 1;
    (0..count)
        .map(|i| {
            let at = start + (f64::from(i) + 0.5) / scale;
            if !(0.0..=size_f).contains(&at) {
                return None;
            }
            let at = if flipped { size_f - at } else { at };
            // Pixel centres are at half pixels.
            let position = (at - 0.5).clamp(0.0, f64::from(size - 1));
            let first = (position.floor() as usize).min(last);
            let weight = ((position - first as f64) * 256.0).round() as u32;
            Some((first, (first + 1).min(last), weight.min(256)))
        })
        .collect()
}

/// The card's pixels: the window of the (shown) plan, white off the plan.
fn crop(plan: &PlanPicture, mirrored: bool, window: Window) -> RgbImage {
    let columns = taps(
        CARD_WIDTH,
        window.left,
        window.scale,
        plan.width(),
        mirrored,
    );
    let rows = taps(CARD_HEIGHT, window.top, window.scale, plan.height(), false);
    sample(&plan.rgb, &columns, &rows)
}

/// A picture of one pixel per column and row tap, each the bilinear mix of the `source` pixels
/// its taps name, white where a tap is off the source.
fn sample(source: &RgbImage, columns: &[Taps], rows: &[Taps]) -> RgbImage {
    let (width, height) = (columns.len(), rows.len());
    let stride = source.width() as usize * 3;
    let raw = source.as_raw();
    let mut out = vec![255u8; width * height * 3];
    for (row, line) in rows.iter().zip(out.chunks_exact_mut(width * 3)) {
        let Some((y0, y1, fy)) = *row else {
            continue;
        };
        let (upper, lower) = (&raw[y0 * stride..][..stride], &raw[y1 * stride..][..stride]);
        for (column, target) in columns.iter().zip(line.chunks_exact_mut(3)) {
            let Some((x0, x1, fx)) = *column else {
                continue;
            };
            for (channel, value) in target.iter_mut().enumerate() {
                let mix = |a: u8, b: u8, f: u32| u32::from(a) * (256 - f) + u32::from(b) * f;
                let top = mix(upper[x0 * 3 + channel], upper[x1 * 3 + channel], fx);
                let bottom = mix(lower[x0 * 3 + channel], lower[x1 * 3 + channel], fx);
                let both = (top * (256 - fy) + bottom * fy + (1 << 15)) >> 16;
                *value = u8::try_from(both).unwrap_or(u8::MAX);
            }
        }
    }
    let (width, height) = (
        u32::try_from(width).unwrap_or(0),
        u32::try_from(height).unwrap_or(0),
    );
    RgbImage::from_raw(width, height, out).unwrap_or_else(|| RgbImage::new(width, height))
}

/// `source` scaled down to `width` × `height`, each pixel the mean of the area it covers: a
/// thin line of a drawing keeps its share of ink (a point-sampling filter would fade or drop
/// it), and two passes of integer sums are several times faster than `image`'s own filters.
fn scale_down(source: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    if source.dimensions() == (width, height) {
        return source.clone();
    }
    let across = area_weights(source.width(), width);
    let down = area_weights(source.height(), height);
    let (source_width, out_width) = (source.width() as usize, width as usize);
    // Rows first: each source row narrowed to the output width.
    let mut narrow = Vec::with_capacity(out_width * source.height() as usize * 3);
    for row in source.as_raw().chunks_exact(source_width * 3) {
        for (first, weights) in &across {
            let mut sums = [0u32; 3];
            for (pixel, &weight) in row[first * 3..].chunks_exact(3).zip(weights) {
                for (sum, &value) in sums.iter_mut().zip(pixel) {
                    *sum += weight * u32::from(value);
                }
            }
            narrow.extend(sums.map(|sum| u8::try_from((sum + HALF) >> SHIFT).unwrap_or(u8::MAX)));
        }
    }
    let mut out = Vec::with_capacity(out_width * height as usize * 3);
    let mut sums = vec![0u32; out_width * 3];
    for (first, weights) in &down {
        sums.fill(0);
        for (row, &weight) in narrow.chunks_exact(out_width * 3).skip(*first).zip(weights) {
            for (sum, &value) in sums.iter_mut().zip(row) {
                *sum += weight * u32::from(value);
            }
        }
        out.extend(
            sums.iter()
                .map(|&sum| u8::try_from((sum + HALF) >> SHIFT).unwrap_or(u8::MAX)),
        );
    }
    RgbImage::from_raw(width, height, out).unwrap_or_else(|| RgbImage::new(width, height))
}

/// Fixed-point weights: a source pixel's share of an output pixel, out of `1 << SHIFT`.
const SHIFT: u32 = 16;
const HALF: u32 = 1 << (SHIFT - 1);

/// For each of `to` output pixels along an axis of `from` source pixels (`to <= from`), the
/// first source pixel it covers and the weights of it and the following ones, summing to
/// `1 << SHIFT`.
fn area_weights(from: u32, to: u32) -> Vec<(usize, Vec<u32>)> {
    let ratio = f64::from(from) / f64::from(to);
    (0..to)
        .map(|i| {
            let (start, end) = (f64::from(i) * ratio, (f64::from(i) + 1.0) * ratio);
            let first = (start.floor() as u32).min(from - 1);
            let last = (end.ceil() as u32).clamp(first + 1, from);
            let mut weights: Vec<u32> = (first..last)
                .map(|j| {
                    let overlap = end.min(f64::from(j) + 1.0) - start.max(f64::from(j));
                    (overlap.max(0.0) / ratio * f64::from(1u32 << SHIFT)).round() as u32
                })
                .collect();
            // Rounding must not brighten or darken a flat area: the largest weight takes up
            // the difference.
            let total: u32 = weights.iter().sum();
            if let Some(largest) = weights.iter_mut().max() {
                *largest = (*largest + (1 << SHIFT)).saturating_sub(total);
            }
            (first as usize, weights)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The whole plan

/// The size of the picture [`whole_plan`] draws for `max_side`: the plan scaled to fit, never
/// up (a larger picture of the same plan shows nothing more).
pub fn whole_size(plan: &PlanPicture, max_side: u32) -> (u32, u32) {
    fit(plan.width(), plan.height(), max_side)
}

/// The radius of the pins on a whole-plan picture of `width` × `height`.
pub fn pin_radius_whole(width: u32, height: u32) -> u32 {
    let radius = (WHOLE_PIN_SHARE * f64::from(width.max(height))).round() as u32;
    radius.max(MIN_PIN_RADIUS)
}

/// The pixel of [`whole_plan`]'s picture the disc of `pin` is centred on.
pub fn pin_centre_in_whole(
    plan: &PlanPicture,
    mirrored: bool,
    pin: Pin,
    max_side: u32,
) -> (u32, u32) {
    let (width, height) = whole_size(plan, max_side);
    centre_in(width, height, pin.as_shown(mirrored))
}

fn centre_in(width: u32, height: u32, shown: Pin) -> (u32, u32) {
    (
        pixel(shown.x * f64::from(width), width),
        pixel(shown.y * f64::from(height), height),
    )
}

/// The whole plan scaled to fit `max_side` ([`whole_size`]), flipped left-right when
/// `mirrored`, with every mark's numbered pin, later ones over earlier ones. Pins are drawn as
/// on a card with radius [`pin_radius_whole`], centred on [`pin_centre_in_whole`]; the pixels
/// 0.75 radius above and below a pin's centre are its colour unless a later pin covers them.
pub fn whole_plan(
    plan: &PlanPicture,
    mirrored: bool,
    marks: &[PinMark],
    max_side: u32,
) -> Result<RgbImage, PlanRenderError> {
    let (width, height) = whole_size(plan, max_side);
    let mut picture = if (width, height) == (plan.width(), plan.height()) {
        plan.rgb.clone()
    } else {
        scale_down(&plan.rgb, width, height)
    };
    if mirrored {
        image::imageops::flip_horizontal_in_place(&mut picture);
    }
    let radius = pin_radius_whole(width, height);
    for mark in marks {
        let centre = centre_in(width, height, mark.pin.as_shown(mirrored));
        draw_pin(&mut picture, centre, radius, mark);
    }
    Ok(picture)
}

/// [`whole_plan`] as PNG bytes.
pub fn whole_plan_png(
    plan: &PlanPicture,
    mirrored: bool,
    marks: &[PinMark],
    max_side: u32,
) -> Result<Vec<u8>, PlanRenderError> {
    encode_png(&whole_plan(plan, mirrored, marks, max_side)?)
}

fn encode_png(picture: &RgbImage) -> Result<Vec<u8>, PlanRenderError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, picture.width(), picture.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(picture.as_raw())?;
    writer.finish()?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Drawing a pin

/// Width of the dark rim around a pin's outline, so it stands out on white paper and over
/// another pin.
const RIM: f64 = 1.25;
/// How dark that rim is.
const RIM_ALPHA: f32 = 0.35;
const WHITE: [u8; 3] = [255, 255, 255];

fn outline_width(radius: f64) -> f64 {
    (radius * 0.12).max(2.0)
}

/// Signed distance from `(x, y)` (relative to the disc's centre, y down) to a disc of `radius`
/// joined to a point `tail` below it by its two tangents: negative inside.
fn pin_distance(x: f64, y: f64, radius: f64, tail: f64) -> f64 {
    let x = x.abs();
    let b = radius / tail;
    let a = (1.0 - b * b).sqrt();
    let along = -b * x + a * y;
    if along < 0.0 {
        x.hypot(y) - radius
    } else if along > a * tail {
        x.hypot(y - tail)
    } else {
        a * x + b * y - radius
    }
}

/// Draws `mark`'s pin centred on pixel `centre` with `radius`, clipped to the picture.
fn draw_pin(picture: &mut RgbImage, centre: (u32, u32), radius: u32, mark: &PinMark) {
    let radius_f = f64::from(radius.max(1));
    let outline = outline_width(radius_f);
    let tail = TAIL * radius_f;
    let (cx, cy) = (f64::from(centre.0) + 0.5, f64::from(centre.1) + 0.5);
    let reach = radius_f + outline + RIM + 1.0;
    let (width, height) = picture.dimensions();
    let span = |from: f64, to: f64, size: u32| {
        let first = from.floor().max(0.0) as u32;
        let end = (to.ceil().max(0.0) as u32).min(size);
        first..end
    };
    for y in span(cy - reach, cy + tail + outline + RIM + 1.0, height) {
        for x in span(cx - reach, cx + reach, width) {
            let distance = pin_distance(
                f64::from(x) + 0.5 - cx,
                f64::from(y) + 0.5 - cy,
                radius_f,
                tail,
            );
            if distance > outline + RIM + 0.5 {
                continue;
            }
            let pixel = picture.get_pixel_mut(x, y);
            pixel.0 = blend(
                pixel.0,
                [0, 0, 0],
                RIM_ALPHA * coverage(distance - outline - RIM),
            );
            pixel.0 = blend(pixel.0, WHITE, coverage(distance - outline));
            pixel.0 = blend(pixel.0, mark.colour, coverage(distance));
        }
    }
    draw_number(picture, centre, radius_f, mark.number);
}

/// How much of a pixel a shape covers whose edge is `distance` away (one pixel of soft edge).
fn coverage(distance: f64) -> f32 {
    (0.5 - distance).clamp(0.0, 1.0) as f32
}

fn blend(under: [u8; 3], over: [u8; 3], alpha: f32) -> [u8; 3] {
    if alpha >= 1.0 {
        // Exactly the colour, not a rounding of it: the pin's own pixels are its colour.
        return over;
    }
    if alpha <= 0.0 {
        return under;
    }
    let mut out = under;
    for (value, top) in out.iter_mut().zip(over) {
        let mixed = f32::from(*value) * (1.0 - alpha) + f32::from(top) * alpha;
        *value = mixed.round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// A bitmap digit font: each row's pixels are the low `width` bits, the leftmost the highest.
struct Font {
    width: u32,
    height: u32,
    digits: [&'static [u8]; 10],
}

/// 5×7 digits, the usual dot-matrix shapes.
const LARGE: Font = Font {
    width: 5,
    height: 7,
    digits: [
        &[
            0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110,
        ],
        &[
            0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110,
        ],
        &[
            0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111,
        ],
        &[
            0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110,
        ],
        &[
            0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010,
        ],
        &[
            0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110,
        ],
        &[
            0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110,
        ],
        &[
            0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000,
        ],
        &[
            0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110,
        ],
        &[
            0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100,
        ],
    ],
};

/// 3×5 digits, for numbers too long for [`LARGE`] in a small pin.
const SMALL: Font = Font {
    width: 3,
    height: 5,
    digits: [
        &[0b111, 0b101, 0b101, 0b101, 0b111],
        &[0b010, 0b110, 0b010, 0b010, 0b111],
        &[0b111, 0b001, 0b111, 0b100, 0b111],
        &[0b111, 0b001, 0b111, 0b001, 0b111],
        &[0b101, 0b101, 0b111, 0b001, 0b001],
        &[0b111, 0b100, 0b111, 0b001, 0b111],
        &[0b111, 0b100, 0b111, 0b101, 0b111],
        &[0b111, 0b001, 0b010, 0b010, 0b010],
        &[0b111, 0b101, 0b111, 0b101, 0b111],
        &[0b111, 0b101, 0b111, 0b001, 0b111],
    ],
};

/// Size of `digits` in `font` at `scale`, a pixel of space between digits.
fn text_size(font: &Font, digits: usize, scale: u32) -> (u32, u32) {
    let digits = u32::try_from(digits).unwrap_or(u32::MAX);
    let width = digits * font.width * scale + digits.saturating_sub(1) * scale;
    (width, font.height * scale)
}

/// The largest font and scale at which `digits` fit within the inner part of the disc.
fn text_layout(radius: f64, digits: usize) -> (&'static Font, u32) {
    let fits = |font: &Font, scale: u32| {
        let (width, height) = text_size(font, digits, scale);
        // The farthest pixel from the centre one, placed as draw_number places the text.
        let reach = |size: u32| f64::from(size.saturating_sub(1) - size.saturating_sub(1) / 2);
        let (across, down) = (reach(width), reach(height));
        down <= TEXT_HALF_HEIGHT * radius && across.hypot(down) <= TEXT_REACH * radius
    };
    for font in [&LARGE, &SMALL] {
        let largest = (2.0 * TEXT_HALF_HEIGHT * radius / f64::from(font.height)).floor() as u32;
        if let Some(scale) = (1..=largest.max(1)).rev().find(|&s| fits(font, s)) {
            return (font, scale);
        }
    }
    // Too long for any: drawn small and clipped (draw_number keeps it inside).
    (&SMALL, 1)
}

fn draw_number(picture: &mut RgbImage, centre: (u32, u32), radius: f64, number: u32) {
    let digits: Vec<usize> = number
        .to_string()
        .bytes()
        .map(|b| usize::from(b.saturating_sub(b'0')).min(9))
        .collect();
    let (font, scale) = text_layout(radius, digits.len());
    let (text_width, text_height) = text_size(font, digits.len(), scale);
    let left = i64::from(centre.0) - i64::from(text_width.saturating_sub(1) / 2);
    let top = i64::from(centre.1) - i64::from(text_height.saturating_sub(1) / 2);
    let (width, height) = picture.dimensions();
    let step = i64::from((font.width + 1) * scale);
    for (index, &digit) in digits.iter().enumerate() {
        let glyph_left = left + step * i64::try_from(index).unwrap_or(i64::MAX / 2);
        for (row, bits) in font.digits[digit].iter().enumerate() {
            for column in 0..font.width {
                if bits >> (font.width - 1 - column) & 1 == 0 {
                    continue;
                }
                let x0 = glyph_left + i64::from(column * scale);
                let y0 = top + i64::from(u32::try_from(row).unwrap_or(0) * scale);
                for y in y0..y0 + i64::from(scale) {
                    for x in x0..x0 + i64::from(scale) {
                        let (dx, dy) = (
                            (x - i64::from(centre.0)) as f64,
                            (y - i64::from(centre.1)) as f64,
                        );
                        // Keeps the promise of pure colour at 0.75 radius whatever the number.
                        if dy.abs() > TEXT_HALF_HEIGHT * radius
                            || dx.hypot(dy) > TEXT_REACH * radius
                        {
                            continue;
                        }
                        if let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y))
                            && x < width
                            && y < height
                        {
                            picture.put_pixel(x, y, image::Rgb(WHITE));
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoded plans kept in memory

/// Decoded plans by the SHA-256 of their image, the least recently used dropped past a few
/// (see [`CACHED_PLANS`]). Shared between threads; decoding happens outside its lock.
#[derive(Debug, Default)]
pub struct PlanPictures {
    /// Most recently used last.
    kept: Mutex<Vec<(String, Arc<PlanPicture>)>>,
}

/// Why [`PlanPictures::get_or_decode`] has no plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanLoadError<E> {
    #[error("reading the plan image failed: {0}")]
    Load(#[source] E),
    #[error(transparent)]
    Render(#[from] PlanRenderError),
}

impl PlanPictures {
    pub fn new() -> PlanPictures {
        PlanPictures::default()
    }

    /// The plan decoded from the image `sha256`, if it is kept.
    pub fn get(&self, sha256: &str) -> Option<Arc<PlanPicture>> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let at = kept.iter().position(|(key, _)| key == sha256)?;
        let entry = kept.remove(at);
        let picture = Arc::clone(&entry.1);
        kept.push(entry);
        Some(picture)
    }

    /// Keeps `picture` as the plan of image `sha256` and gives it back shared; when another
    /// thread kept one meanwhile, that one is given back (one copy in memory).
    pub fn insert(&self, sha256: &str, picture: PlanPicture) -> Arc<PlanPicture> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = kept.iter().position(|(key, _)| key == sha256) {
            let entry = kept.remove(at);
            let picture = Arc::clone(&entry.1);
            kept.push(entry);
            return picture;
        }
        let picture = Arc::new(picture);
        kept.push((sha256.to_string(), Arc::clone(&picture)));
        if kept.len() > CACHED_PLANS {
            let excess = kept.len() - CACHED_PLANS;
            kept.drain(..excess);
        }
        picture
    }

    /// The plan of image `sha256`: kept, or read with `load`, decoded and kept. Blocks for the
    /// decoding (a large plan takes a fraction of a second): call it off the async runtime.
    pub fn get_or_decode<E>(
        &self,
        sha256: &str,
        load: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Arc<PlanPicture>, PlanLoadError<E>> {
        if let Some(picture) = self.get(sha256) {
            return Ok(picture);
        }
        let bytes = load().map_err(PlanLoadError::Load)?;
        let picture = PlanPicture::decode(&bytes)?;
        Ok(self.insert(sha256, picture))
    }

    /// How many plans are kept.
    pub fn len(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RED: [u8; 3] = [0xD6, 0x3B, 0x3B];
    const BLUE: [u8; 3] = [0x2F, 0x7B, 0xD8];

    /// A plan drawn at `scale` times 800×600: a black border, a grey wall down the middle from
    /// 20% to 80% of the height, and a black block at 10–15% across, 45–55% down.
    fn drawing(scale: u32) -> RgbImage {
        let (width, height) = (800 * scale, 600 * scale);
        RgbImage::from_fn(width, height, |x, y| {
            let (fx, fy) = (
                (f64::from(x) + 0.5) / f64::from(width),
                (f64::from(y) + 0.5) / f64::from(height),
            );
            let border = 8 * scale;
            if x < border || y < border || x >= width - border || y >= height - border {
                image::Rgb([0, 0, 0])
            } else if (fx - 0.5).abs() < 0.00625 * 1.0 + 1e-9 && (0.2..0.8).contains(&fy) {
                image::Rgb([128, 128, 128])
            } else if (0.10..0.15).contains(&fx) && (0.45..0.55).contains(&fy) {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        })
    }

    fn png_of(picture: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encodes");
        out
    }

    fn plan(scale: u32) -> PlanPicture {
        PlanPicture::decode(&png_of(&drawing(scale))).expect("decodes")
    }

    fn read_png(bytes: &[u8]) -> RgbImage {
        image::load_from_memory_with_format(bytes, ImageFormat::Png)
            .expect("a PNG")
            .to_rgb8()
    }

    fn mark(x: f64, y: f64, number: u32, colour: [u8; 3]) -> PinMark {
        PinMark {
            pin: Pin::new(x, y).expect("a pin"),
            number,
            colour,
        }
    }

    /// The pixel 0.75 radius below `centre`, which the pin promises is its colour.
    fn below(picture: &RgbImage, centre: (u32, u32), radius: u32) -> [u8; 3] {
        picture.get_pixel(centre.0, centre.1 + radius * 3 / 4).0
    }

    fn above(picture: &RgbImage, centre: (u32, u32), radius: u32) -> [u8; 3] {
        picture.get_pixel(centre.0, centre.1 - radius * 3 / 4).0
    }

    fn grey(pixel: [u8; 3]) -> u8 {
        pixel[1]
    }

    #[test]
    fn the_card_shows_the_pin_at_the_same_place_whatever_the_plan_resolution() {
        let mark = mark(0.5, 0.3, 3, RED);
        let mut centres = Vec::new();
        for scale in [1, 2] {
            let plan = plan(scale);
            assert_eq!((plan.width(), plan.height()), (800 * scale, 600 * scale));
            let card = read_png(&pin_card(&plan, false, &mark).expect("draws"));
            assert_eq!(card.dimensions(), (CARD_WIDTH, CARD_HEIGHT));
            let centre = pin_centre_in_card(&plan, false, mark.pin);
            assert_eq!(below(&card, centre, CARD_PIN_RADIUS), RED, "scale {scale}");
            assert_eq!(above(&card, centre, CARD_PIN_RADIUS), RED, "scale {scale}");
            // The wall runs through the pin: grey under it, white beside it.
            let under = card.get_pixel(centre.0, centre.1 + 70).0;
            assert!(
                (100..=160).contains(&grey(under)),
                "{under:?} at scale {scale}"
            );
            assert_eq!(card.get_pixel(centre.0 + 70, centre.1 + 70).0, WHITE);
            // The number is drawn in white within the disc.
            let radius = CARD_PIN_RADIUS;
            let white_inside = (centre.1 - radius / 2..centre.1 + radius / 2)
                .flat_map(|y| (centre.0 - radius / 2..centre.0 + radius / 2).map(move |x| (x, y)))
                .filter(|&(x, y)| card.get_pixel(x, y).0 == WHITE)
                .count();
            assert!(white_inside > 10, "{white_inside}");
            centres.push(centre);
        }
        let (a, b) = (centres[0], centres[1]);
        assert!(
            a.0.abs_diff(b.0) <= 1 && a.1.abs_diff(b.1) <= 1,
            "{a:?} {b:?}"
        );
    }

    #[test]
    fn a_mirrored_home_sees_the_pin_and_the_plan_flipped() {
        let plan = plan(1);
        let mark = mark(0.2, 0.5, 1, BLUE);
        let plain = read_png(&pin_card(&plan, false, &mark).expect("draws"));
        let flipped = read_png(&pin_card(&plan, true, &mark).expect("draws"));
        let at_plain = pin_centre_in_card(&plan, false, mark.pin);
        let at_flipped = pin_centre_in_card(&plan, true, mark.pin);
        assert_eq!(below(&plain, at_plain, CARD_PIN_RADIUS), BLUE);
        assert_eq!(below(&flipped, at_flipped, CARD_PIN_RADIUS), BLUE);
        assert_eq!(at_plain.1, at_flipped.1);
        assert!(
            (CARD_WIDTH - 1 - at_plain.0).abs_diff(at_flipped.0) <= 1,
            "{at_plain:?} {at_flipped:?}"
        );
        // The black block is 7.5% of the plan to the pin's left, mirrored to its right.
        let offset = (0.075 * 800.0 * f64::from(CARD_WIDTH) / (CARD_WINDOW * 800.0)) as u32;
        assert_eq!(
            plain.get_pixel(at_plain.0 - offset, at_plain.1).0,
            [0, 0, 0]
        );
        assert_eq!(plain.get_pixel(at_plain.0 + offset, at_plain.1).0, WHITE);
        assert_eq!(
            flipped.get_pixel(at_flipped.0 + offset, at_flipped.1).0,
            [0, 0, 0]
        );
        assert_eq!(
            flipped.get_pixel(at_flipped.0 - offset, at_flipped.1).0,
            WHITE
        );
    }

    #[test]
    fn the_whole_plan_shows_every_pin_in_its_colour() {
        let plan = plan(2);
        let colours = [
            RED,
            [0xE8, 0x9B, 0x0C],
            BLUE,
            [0x2E, 0x9E, 0x4F],
            [0x8E, 0x8E, 0x93],
        ];
        let marks: Vec<PinMark> = (0..10u32)
            .map(|i| {
                let (column, row) = (f64::from(i % 5), f64::from(i / 5));
                mark(
                    0.1 + 0.18 * column,
                    0.25 + 0.4 * row,
                    i + 1,
                    colours[i as usize % 5],
                )
            })
            .collect();
        for (max_side, size) in [(800, (800, 600)), (1280, (1280, 960)), (4000, (1600, 1200))] {
            for mirrored in [false, true] {
                let picture = whole_plan(&plan, mirrored, &marks, max_side).expect("draws");
                assert_eq!(picture.dimensions(), size);
                assert_eq!(whole_size(&plan, max_side), size);
                let radius = pin_radius_whole(size.0, size.1);
                assert!(radius >= MIN_PIN_RADIUS);
                for mark in &marks {
                    let centre = pin_centre_in_whole(&plan, mirrored, mark.pin, max_side);
                    assert_eq!(below(&picture, centre, radius), mark.colour, "{mark:?}");
                    assert_eq!(above(&picture, centre, radius), mark.colour, "{mark:?}");
                }
            }
        }
        let png = whole_plan_png(&plan, false, &marks, 800).expect("draws");
        assert_eq!(read_png(&png).dimensions(), (800, 600));
        assert_eq!(pin_radius_whole(1600, 1200), 35);
        assert_eq!(pin_radius_whole(200, 100), MIN_PIN_RADIUS);
    }

    #[test]
    fn overlapping_pins_are_all_drawn_the_later_on_top() {
        let plan = plan(1);
        let first = mark(0.5, 0.5, 1, RED);
        let second = mark(0.5, 0.5, 2, BLUE);
        let picture = whole_plan(&plan, false, &[first, second], 800).expect("draws");
        let centre = pin_centre_in_whole(&plan, false, first.pin, 800);
        let radius = pin_radius_whole(800, 600);
        assert_eq!(below(&picture, centre, radius), BLUE);
        let nearby = mark(0.52, 0.5, 3, RED);
        let picture = whole_plan(&plan, false, &[second, nearby], 800).expect("draws");
        let centre = pin_centre_in_whole(&plan, false, nearby.pin, 800);
        assert_eq!(below(&picture, centre, radius), RED);
    }

    #[test]
    fn pins_in_the_corners_are_drawn_whole_on_a_card() {
        let plan = plan(1);
        for (x, y) in [(0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0)] {
            for mirrored in [false, true] {
                let mark = mark(x, y, 12, RED);
                let card = read_png(&pin_card(&plan, mirrored, &mark).expect("draws"));
                let centre = pin_centre_in_card(&plan, mirrored, mark.pin);
                assert_eq!(below(&card, centre, CARD_PIN_RADIUS), RED, "({x}, {y})");
                assert_eq!(above(&card, centre, CARD_PIN_RADIUS), RED, "({x}, {y})");
                // The whole disc and its outline are on the card.
                let reach = CARD_PIN_RADIUS + 3;
                assert!(
                    centre.0 >= reach && centre.0 + reach < CARD_WIDTH,
                    "{centre:?}"
                );
                assert!(
                    centre.1 >= reach && centre.1 + reach < CARD_HEIGHT,
                    "{centre:?}"
                );

                let whole = whole_plan(&plan, mirrored, &[mark], 800).expect("draws");
                let centre = pin_centre_in_whole(&plan, mirrored, mark.pin, 800);
                let radius = pin_radius_whole(800, 600);
                let inside = if y == 0.0 {
                    below(&whole, centre, radius)
                } else {
                    above(&whole, centre, radius)
                };
                assert_eq!(inside, RED, "({x}, {y})");
            }
        }
    }

    #[test]
    fn a_plan_narrower_than_the_card_window_sits_on_white() {
        let tall = RgbImage::from_pixel(100, 1000, image::Rgb([128, 128, 128]));
        let plan = PlanPicture::from_rgb(tall).expect("a plan");
        let mark = mark(0.5, 0.5, 1, RED);
        let card = read_png(&pin_card(&plan, false, &mark).expect("draws"));
        let centre = pin_centre_in_card(&plan, false, mark.pin);
        assert_eq!(centre.0, CARD_WIDTH / 2);
        assert_eq!(below(&card, centre, CARD_PIN_RADIUS), RED);
        assert_eq!(card.get_pixel(10, 10).0, WHITE);
        assert_eq!(card.get_pixel(CARD_WIDTH - 10, CARD_HEIGHT - 10).0, WHITE);
        assert_eq!(card.get_pixel(CARD_WIDTH / 2 + 50, 20).0, [128, 128, 128]);
    }

    #[test]
    fn long_numbers_stay_inside_the_pin() {
        let plan = plan(1);
        for number in [7, 42, 123, 4567, u32::MAX] {
            let mark = mark(0.3, 0.3, number, RED);
            let card = read_png(&pin_card(&plan, false, &mark).expect("draws"));
            let centre = pin_centre_in_card(&plan, false, mark.pin);
            assert_eq!(below(&card, centre, CARD_PIN_RADIUS), RED, "{number}");
            let whole = whole_plan(&plan, false, &[mark], 400).expect("draws");
            let radius = pin_radius_whole(400, 300);
            assert_eq!(radius, MIN_PIN_RADIUS);
            let centre = pin_centre_in_whole(&plan, false, mark.pin, 400);
            assert_eq!(below(&whole, centre, radius), RED, "{number}");
            assert_eq!(above(&whole, centre, radius), RED, "{number}");
            let white = (centre.1 - 5..=centre.1 + 5)
                .flat_map(|y| (centre.0 - 8..=centre.0 + 8).map(move |x| (x, y)))
                .filter(|&(x, y)| whole.get_pixel(x, y).0 == WHITE)
                .count();
            assert!(white >= 5, "{number}: {white}");
        }
        // The number is as large as fits: a single digit fills more of a card's pin.
        assert_eq!(text_layout(18.0, 1).1, 3);
        assert_eq!(text_layout(10.0, 3).0.width, SMALL.width);
        assert_eq!(text_layout(10.0, 2).0.width, LARGE.width);
    }

    #[test]
    fn plans_are_png_or_jpeg_and_anything_else_is_refused() {
        assert!(matches!(
            PlanPicture::decode(b"definitely not an image"),
            Err(PlanRenderError::NotAnImage)
        ));
        assert!(PlanPicture::decode(b"").is_err());
        assert!(PlanPicture::decode(b"%PDF-1.7\n...").is_err());
        let png = png_of(&drawing(1));
        assert!(matches!(
            PlanPicture::decode(&png[..png.len() / 2]),
            Err(PlanRenderError::Decode(_))
        ));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&drawing(1))
            .expect("encodes");
        let plan = PlanPicture::decode(&jpeg).expect("a JPEG plan");
        assert_eq!((plan.width(), plan.height()), (800, 600));
        assert!(matches!(
            PlanPicture::from_rgb(RgbImage::new(0, 0)),
            Err(PlanRenderError::Empty)
        ));
    }

    #[test]
    fn transparent_plans_are_on_white_and_large_ones_scaled_down() {
        let clear = image::RgbaImage::from_fn(40, 30, |x, _| {
            if x < 20 {
                image::Rgba([0, 0, 0, 0])
            } else {
                image::Rgba([0, 0, 0, 255])
            }
        });
        let mut bytes = Vec::new();
        clear
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .expect("encodes");
        let plan = PlanPicture::decode(&bytes).expect("decodes");
        assert_eq!(plan.rgb.get_pixel(5, 5).0, WHITE);
        assert_eq!(plan.rgb.get_pixel(35, 5).0, [0, 0, 0]);

        let big = PlanPicture::from_rgb(RgbImage::new(4000, 1000)).expect("a plan");
        assert_eq!((big.width(), big.height()), (MAX_PLAN_SIDE, 400));
        let tall = PlanPicture::from_rgb(RgbImage::new(10, 3200)).expect("a plan");
        assert_eq!((tall.width(), tall.height()), (5, MAX_PLAN_SIDE));
        assert_eq!(format!("{big:?}"), "PlanPicture(1600x400)");
    }

    #[test]
    fn thin_lines_survive_scaling_down() {
        for (from, to) in [
            (2400, 1600),
            (1600, 1280),
            (5000, 1600),
            (1601, 800),
            (3000, 17),
        ] {
            for line in [from / 3, from / 2 + 1, from - 2] {
                let drawing = RgbImage::from_fn(from, 40, |x, _| {
                    if x == line {
                        image::Rgb([0, 0, 0])
                    } else {
                        image::Rgb(WHITE)
                    }
                });
                let scaled = scale_down(&drawing, to, 20);
                assert_eq!(scaled.dimensions(), (to, 20));
                let darkest = (0..to).map(|x| grey(scaled.get_pixel(x, 10).0)).min();
                // One pixel in `from / to` keeps at least its share of ink.
                let share = 255.0 * (1.0 - 0.5 * f64::from(to) / f64::from(from));
                assert!(
                    darkest.is_some_and(|d| f64::from(d) <= share + 1.0),
                    "{from}->{to}, line at {line}: {darkest:?}"
                );
            }
        }
        let mut four = RgbImage::new(2, 2);
        for (i, p) in four.pixels_mut().enumerate() {
            *p = image::Rgb([10 * i as u8, 255, 0]);
        }
        // (0 + 10 + 20 + 30) / 4 = 15; (255 * 4) / 4 = 255.
        assert_eq!(scale_down(&four, 1, 1).get_pixel(0, 0).0, [15, 255, 0]);
        let flat = RgbImage::from_pixel(1601, 977, image::Rgb([200, 17, 255]));
        let scaled = scale_down(&flat, 1280, 781);
        assert!(scaled.pixels().all(|p| p.0 == [200, 17, 255]));
    }

    #[test]
    fn decoded_plans_are_kept_and_the_least_recently_used_dropped() {
        let pictures = PlanPictures::new();
        let png = png_of(&RgbImage::from_pixel(20, 10, image::Rgb([9, 9, 9])));
        let loads = std::cell::Cell::new(0);
        let load = || {
            loads.set(loads.get() + 1);
            Ok::<_, std::io::Error>(png.clone())
        };
        let first = pictures.get_or_decode("a", load).expect("decodes");
        let again = pictures.get_or_decode("a", load).expect("kept");
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(loads.get(), 1);

        for i in 0..CACHED_PLANS {
            // "a" used between the others stays; the oldest other goes.
            pictures
                .get_or_decode(&format!("k{i}"), load)
                .expect("decodes");
            assert!(pictures.get("a").is_some());
        }
        assert_eq!(pictures.len(), CACHED_PLANS);
        assert!(pictures.get("k0").is_none());
        assert!(pictures.get("k1").is_some());

        let failed = pictures.get_or_decode("missing", || {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "gone"))
        });
        assert!(matches!(failed, Err(PlanLoadError::Load(_))));
        let garbage = pictures.get_or_decode("garbage", || Ok::<_, std::io::Error>(vec![1, 2, 3]));
        assert!(matches!(garbage, Err(PlanLoadError::Render(_))));
        assert!(pictures.get("garbage").is_none());

        // A plan decoded twice at once is kept once.
        let one = pictures.insert("twice", PlanPicture::decode(&png).expect("decodes"));
        let other = pictures.insert("twice", PlanPicture::decode(&png).expect("decodes"));
        assert!(Arc::ptr_eq(&one, &other));
    }
}
