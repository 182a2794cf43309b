//! A signature's image, drawn from its strokes: dark ink of one width on white, scaled to a
//! fixed width, so that every stored signature looks alike whatever phone drew it.

use super::card::{CardError, encode_png};
use crate::domain::signature::Drawing;

/// Width of the stored image; the height keeps the drawing surface's proportions.
const WIDTH: u32 = 600;
const INK: [u8; 3] = [20, 24, 40];
/// The pen's radius in image pixels.
const PEN: f32 = 2.6;

/// The PNG of a checked drawing.
pub fn render(drawing: &Drawing) -> Result<Vec<u8>, CardError> {
    let scale = WIDTH as f32 / drawing.width;
    let height = ((drawing.height * scale).round() as u32).clamp(60, 1200);
    let mut rgb = vec![255u8; (WIDTH * height * 3) as usize];
    let mut dab = |cx: f32, cy: f32| {
        let (x0, x1) = ((cx - PEN).floor() as i64, (cx + PEN).ceil() as i64);
        let (y0, y1) = ((cy - PEN).floor() as i64, (cy + PEN).ceil() as i64);
        for y in y0.max(0)..=y1.min(i64::from(height) - 1) {
            for x in x0.max(0)..=x1.min(i64::from(WIDTH) - 1) {
                let distance = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                // A soft edge of one pixel, so lines are not jagged.
                let cover = (PEN + 0.5 - distance).clamp(0.0, 1.0);
                if cover > 0.0 {
                    let at = ((y as u32 * WIDTH + x as u32) * 3) as usize;
                    for (channel, ink) in rgb[at..at + 3].iter_mut().zip(INK) {
                        let blended = f32::from(*channel) * (1.0 - cover) + f32::from(ink) * cover;
                        *channel = (*channel).min(blended.round() as u8);
                    }
                }
            }
        }
    };
    for stroke in &drawing.strokes {
        for pair in stroke.windows(2) {
            let (ax, ay) = (pair[0][0] * scale, pair[0][1] * scale);
            let (bx, by) = (pair[1][0] * scale, pair[1][1] * scale);
            let steps = ((bx - ax).hypot(by - ay) / (PEN / 2.0)).ceil().max(1.0) as u32;
            for step in 0..=steps {
                let t = step as f32 / steps as f32;
                dab(ax + (bx - ax) * t, ay + (by - ay) * t);
            }
        }
    }
    encode_png(&rgb, WIDTH, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ink_lies_where_the_strokes_went_and_nowhere_else() {
        let drawing = Drawing {
            width: 300.0,
            height: 100.0,
            strokes: vec![vec![[30.0, 50.0], [270.0, 50.0]]],
        };
        let png = render(&drawing).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (600, 200));
        let dark = |x: u32, y: u32| pixels[((y * 600 + x) * 3) as usize] < 128;
        assert!(dark(60, 100) && dark(300, 100) && dark(540, 100));
        assert!(!dark(300, 20) && !dark(300, 180) && !dark(20, 100) && !dark(580, 100));
    }
}
