//! A signature drawn on a phone: strokes of points, checked before anything is kept. The image
//! is drawn from the strokes by the server (`render::signature`), so what is stored never comes
//! from an image the client made.

use serde::{Deserialize, Serialize};

/// Who signs a handover record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    /// The ambassador who recorded it, before it goes to the buyers.
    Ambassador,
    /// A buyer of the home, receiving it.
    Buyer,
}

impl Signer {
    pub fn as_str(self) -> &'static str {
        match self {
            Signer::Ambassador => "ambassador",
            Signer::Buyer => "buyer",
        }
    }

    pub fn parse(text: &str) -> Option<Signer> {
        match text {
            "ambassador" => Some(Signer::Ambassador),
            "buyer" => Some(Signer::Buyer),
            _ => None,
        }
    }
}

/// What the page sends: the drawing surface's size in CSS pixels and the strokes on it, each a
/// list of `[x, y]` points in those pixels. Pressure and timing are not kept: a signature is
/// its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drawing {
    pub width: f32,
    pub height: f32,
    pub strokes: Vec<Vec<[f32; 2]>>,
}

/// Why a drawing is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DrawingError {
    #[error("nothing drawn, or too little to be a signature")]
    TooLittle,
    #[error("more strokes or points than a signature has")]
    TooMuch,
    #[error("the drawing surface's size is not plausible")]
    BadSurface,
}

const MAX_STROKES: usize = 100;
const MAX_POINTS: usize = 20_000;
/// Ink shorter than this share of the surface's width is a tap or a dot, not a signature.
const MIN_INK: f32 = 0.15;

impl Drawing {
    /// Checks the drawing, and gives it with every point clamped to the surface and strokes of
    /// a single point dropped.
    pub fn checked(self) -> Result<Drawing, DrawingError> {
        let plausible = |side: f32| side.is_finite() && (50.0..=4000.0).contains(&side);
        if !plausible(self.width) || !plausible(self.height) {
            return Err(DrawingError::BadSurface);
        }
        let points: usize = self.strokes.iter().map(Vec::len).sum();
        if self.strokes.len() > MAX_STROKES || points > MAX_POINTS {
            return Err(DrawingError::TooMuch);
        }
        let (width, height) = (self.width, self.height);
        let strokes: Vec<Vec<[f32; 2]>> = self
            .strokes
            .into_iter()
            .map(|stroke| {
                stroke
                    .into_iter()
                    .filter(|[x, y]| x.is_finite() && y.is_finite())
                    .map(|[x, y]| [x.clamp(0.0, width), y.clamp(0.0, height)])
                    .collect::<Vec<_>>()
            })
            .filter(|stroke| stroke.len() >= 2)
            .collect();
        let ink: f32 = strokes
            .iter()
            .flat_map(|stroke| stroke.windows(2))
            .map(|pair| {
                ((pair[1][0] - pair[0][0]).powi(2) + (pair[1][1] - pair[0][1]).powi(2)).sqrt()
            })
            .sum();
        if ink < MIN_INK * width {
            return Err(DrawingError::TooLittle);
        }
        Ok(Drawing {
            width,
            height,
            strokes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawing(strokes: Vec<Vec<[f32; 2]>>) -> Drawing {
        Drawing {
            width: 300.0,
            height: 150.0,
            strokes,
        }
    }

    #[test]
    fn a_signature_is_kept_clamped_and_without_dots() {
        let checked = drawing(vec![
            vec![[10.0, 10.0], [200.0, 80.0], [400.0, -5.0]],
            vec![[50.0, 50.0]],
        ])
        .checked()
        .unwrap();
        assert_eq!(
            checked.strokes,
            vec![vec![[10.0, 10.0], [200.0, 80.0], [300.0, 0.0]]]
        );
    }

    #[test]
    fn nothing_a_dot_or_a_tiny_tick_is_not_a_signature() {
        assert_eq!(drawing(vec![]).checked(), Err(DrawingError::TooLittle));
        assert_eq!(
            drawing(vec![vec![[5.0, 5.0]]]).checked(),
            Err(DrawingError::TooLittle)
        );
        assert_eq!(
            drawing(vec![vec![[5.0, 5.0], [10.0, 9.0]]]).checked(),
            Err(DrawingError::TooLittle)
        );
        let nan = drawing(vec![vec![[f32::NAN, 1.0], [f32::INFINITY, 2.0]]]);
        assert_eq!(nan.checked(), Err(DrawingError::TooLittle));
    }

    #[test]
    fn an_implausible_surface_or_too_many_points_is_refused() {
        let mut tiny = drawing(vec![vec![[0.0, 0.0], [40.0, 0.0]]]);
        tiny.width = 10.0;
        assert_eq!(tiny.checked(), Err(DrawingError::BadSurface));
        let flood = drawing(vec![vec![[1.0, 1.0]; MAX_POINTS + 1]]);
        assert_eq!(flood.checked(), Err(DrawingError::TooMuch));
    }

    #[test]
    fn signers_read_back_as_written() {
        for signer in [Signer::Ambassador, Signer::Buyer] {
            assert_eq!(Signer::parse(signer.as_str()), Some(signer));
        }
        assert_eq!(Signer::parse("supervisor"), None);
    }
}
