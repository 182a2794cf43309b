//! Photos for a PDF: scaled down and re-encoded as JPEG. A phone photo is several megabytes
//! and a report may hold a hundred of them, while printed a third of a page wide a few hundred
//! pixels are all the paper shows.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use image::{ImageReader, Limits};

use super::layout::{Encoding, Photo};

/// Longest side of a photo in a PDF, in pixels: about 290 dpi at the width it is printed (a
/// third of the A4 text width, 2.24 in), and half of the 1280 pixels of Telegram's largest
/// photo size, which halves fast (see [`halve`]); more pixels only make the file larger and
/// slower to make.
pub const MAX_SIDE: u32 = 640;
/// JPEG quality of the re-encoded photos.
const QUALITY: u8 = 70;
/// No stored photo is this large (Telegram sends at most 2560 px); anything larger is not
/// decoded, so a crafted file cannot take the memory of the process.
const MAX_DECODED_SIDE: u32 = 12_000;

/// The photo scaled to at most [`MAX_SIDE`] and encoded as JPEG, or `None` when the bytes are
/// not an image this can read (the report then goes without it).
pub fn prepare(bytes: &[u8]) -> Option<Photo> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    reader.limits(limits);
    let decoded = match reader.decode() {
        Ok(decoded) => decoded,
        Err(error) => {
            tracing::warn!(%error, "a photo could not be read; the PDF goes without it");
            return None;
        }
    };
    let mut rgb = decoded.to_rgb8();
    while rgb.width().max(rgb.height()) >= 2 * MAX_SIDE {
        rgb = halve(&rgb);
    }
    let (width, height) = (rgb.width(), rgb.height());
    if width.max(height) > MAX_SIDE {
        // The longest side to MAX_SIDE, the other in proportion (at least a pixel).
        let scale = |side: u32| {
            u32::try_from(u64::from(side) * u64::from(MAX_SIDE) / u64::from(width.max(height)))
                .unwrap_or(MAX_SIDE)
                .max(1)
        };
        rgb = image::imageops::thumbnail(&rgb, scale(width), scale(height));
    }
    let mut jpeg = Vec::new();
    let (Ok(width), Ok(height)) = (u16::try_from(rgb.width()), u16::try_from(rgb.height())) else {
        return None;
    };
    let encoded = jpeg_encoder::Encoder::new(&mut jpeg, QUALITY).encode(
        rgb.as_raw(),
        width,
        height,
        jpeg_encoder::ColorType::Rgb,
    );
    if let Err(error) = encoded {
        tracing::warn!(%error, "a photo could not be encoded; the PDF goes without it");
        return None;
    }
    Some(Photo {
        bytes: Arc::new(jpeg),
        encoding: Encoding::Jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// The picture at half its size, each pixel the mean of the four it replaces: several times
/// faster than a general resampling filter, and as good for an exact half (a 1280-pixel photo
/// to 640).
fn halve(picture: &image::RgbImage) -> image::RgbImage {
    let (width, height) = (picture.width() / 2, picture.height() / 2);
    let stride = picture.width() as usize * 3;
    let raw = picture.as_raw();
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height as usize {
        let top = &raw[2 * y * stride..][..stride];
        let bottom = &raw[(2 * y + 1) * stride..][..stride];
        for (a, b) in top.chunks_exact(6).zip(bottom.chunks_exact(6)) {
            for i in 0..3 {
                let sum =
                    u16::from(a[i]) + u16::from(a[i + 3]) + u16::from(b[i]) + u16::from(b[i + 3]);
                // The mean, rounded: four bytes' sum over four fits a byte.
                out.push(u8::try_from((sum + 2) / 4).unwrap_or(u8::MAX));
            }
        }
    }
    image::RgbImage::from_raw(width, height, out).unwrap_or_else(|| picture.clone())
}

/// A drawing (a signature, as the server drew it) kept as the PNG it is, so its transparent
/// background and sharp strokes print unchanged; `None` when the bytes are not a PNG.
pub fn drawing(bytes: Vec<u8>) -> Option<Photo> {
    let reader = ImageReader::with_format(Cursor::new(&bytes), image::ImageFormat::Png);
    let (width, height) = reader.into_dimensions().ok()?;
    if width.max(height) > MAX_DECODED_SIDE {
        return None;
    }
    Some(Photo {
        bytes: Arc::new(bytes),
        encoding: Encoding::Png,
        width,
        height,
    })
}

/// Every photo of `paths` prepared, side by side on the machine's cores (decoding and scaling
/// is most of the time a report takes); `read` gives a photo's bytes, `None` when missing.
pub fn prepare_all(
    paths: &[&str],
    read: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
) -> HashMap<String, Photo> {
    let mut unique: Vec<&str> = paths.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 4);
    let per_thread = unique.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = unique
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|path| {
                            let photo = read(path).and_then(|bytes| prepare(&bytes))?;
                            Some((path.to_string(), photo))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker that panicked loses its photos, not the report.
            .filter_map(|worker| worker.join().ok())
            .flatten()
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .expect("encodes");
        out
    }

    #[test]
    fn a_large_photo_is_scaled_to_the_longest_side_and_becomes_a_jpeg() {
        let photo = prepare(&png(2000, 1000)).expect("an image");
        assert_eq!((photo.width, photo.height), (MAX_SIDE, MAX_SIDE / 2));
        assert!(photo.bytes.starts_with(&[0xFF, 0xD8]));
        let small = prepare(&png(300, 200)).expect("an image");
        assert_eq!((small.width, small.height), (300, 200));
    }

    #[test]
    fn a_phone_sized_photo_is_halved_pixel_by_pixel_and_odd_sizes_still_fit() {
        let photo = prepare(&png(1280, 960)).expect("an image");
        assert_eq!((photo.width, photo.height), (640, 480));
        let odd = prepare(&png(1601, 333)).expect("an image");
        assert_eq!(odd.width, MAX_SIDE);
        assert!(odd.height <= 134 && odd.height >= 132, "{}", odd.height);
        let mut four = image::RgbImage::new(2, 2);
        for (i, p) in four.pixels_mut().enumerate() {
            *p = image::Rgb([10 * i as u8, 255, 0]);
        }
        // (0 + 10 + 20 + 30) / 4 = 15; (255 * 4) / 4 = 255.
        assert_eq!(halve(&four).get_pixel(0, 0).0, [15, 255, 0]);
    }

    #[test]
    fn photos_are_prepared_once_each_and_missing_ones_left_out() {
        let big = png(1600, 1200);
        let read = |path: &str| (path != "missing").then(|| big.clone());
        let photos = prepare_all(&["a", "b", "a", "missing"], &read);
        assert_eq!(photos.len(), 2);
        assert_eq!(photos["a"].width, MAX_SIDE);
    }

    #[test]
    fn a_drawing_stays_the_png_it_is() {
        let bytes = png(600, 250);
        let drawing = drawing(bytes.clone()).expect("a PNG");
        assert_eq!((drawing.width, drawing.height), (600, 250));
        assert_eq!(*drawing.bytes, bytes);
        assert!(super::drawing(b"not a png".to_vec()).is_none());
    }

    #[test]
    fn what_is_not_an_image_is_left_out() {
        assert!(prepare(b"%PDF-1.4 not a photo").is_none());
        assert!(prepare(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_none());
    }
}
