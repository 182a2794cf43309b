//! Photos for a PDF: scaled down and re-encoded as JPEG. A phone photo is several megabytes
//! and a report may hold a hundred of them, while printed a third of a page wide a few hundred
//! pixels are all the paper shows.

use std::io::Cursor;
use std::sync::Arc;

use image::{ImageReader, Limits};

use super::layout::Photo;

/// Longest side of a photo in a PDF, in pixels: about 300 dpi at the width it is printed.
pub const MAX_SIDE: u32 = 800;
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
    let scaled = if decoded.width().max(decoded.height()) > MAX_SIDE {
        decoded.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        decoded
    };
    let rgb = scaled.to_rgb8();
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, QUALITY);
    if let Err(error) = rgb.write_with_encoder(encoder) {
        tracing::warn!(%error, "a photo could not be encoded; the PDF goes without it");
        return None;
    }
    Some(Photo {
        jpeg: Arc::new(jpeg),
        width: rgb.width(),
        height: rgb.height(),
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
        assert!(photo.jpeg.starts_with(&[0xFF, 0xD8]));
        let small = prepare(&png(300, 200)).expect("an image");
        assert_eq!((small.width, small.height), (300, 200));
    }

    #[test]
    fn what_is_not_an_image_is_left_out() {
        assert!(prepare(b"%PDF-1.4 not a photo").is_none());
        assert!(prepare(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_none());
    }
}
