//! Floor plans and the pins of defects on them: where a pin is, how a mirrored home sees it,
//! how unit types are keyed and what colour a pin has. No I/O.
//!
//! A pin is kept in the plan's own orientation. A mirrored home (镜像户型) is the same plan
//! flipped left-right, so what its buyer sees is the pin at `1 - x`; the pages and pictures work
//! in what is shown and convert at the edge with [`Pin::as_shown`] and [`Pin::from_shown`], so a
//! pin stays put when a plan is later marked mirrored or not.

use serde::{Deserialize, Serialize};

use super::remediation::DefectStatus;

/// A place on a floor plan, each coordinate from 0 to 1: `x` to the right, `y` down, in the
/// plan's own orientation (not as a mirrored home shows it).
///
/// Deserializing does not check the range (a request body is refused with its own message,
/// not a parse error): values from outside must go through [`Pin::new`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    pub x: f64,
    pub y: f64,
}

impl Pin {
    /// The pin at (`x`, `y`), or `None` when either is not a number from 0 to 1.
    pub fn new(x: f64, y: f64) -> Option<Pin> {
        let within = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        (within(x) && within(y)).then_some(Pin { x, y })
    }

    /// The same place on the plan flipped left-right.
    pub fn mirrored(self) -> Pin {
        Pin {
            x: 1.0 - self.x,
            y: self.y,
        }
    }

    /// Where the pin is seen on a home that shows the plan flipped when `mirrored`.
    pub fn as_shown(self, mirrored: bool) -> Pin {
        if mirrored { self.mirrored() } else { self }
    }

    /// The pin in the plan's orientation for a place `shown` on a home that shows the plan
    /// flipped when `mirrored` (flipping twice is no flip, so this is [`Pin::as_shown`] again).
    pub fn from_shown(shown: Pin, mirrored: bool) -> Pin {
        shown.as_shown(mirrored)
    }
}

/// Longest unit type (in characters) a plan is kept under.
pub const MAX_UNIT_TYPE_CHARS: usize = 50;

/// How a unit type is kept: trimmed, letters upper-case (the buyer list's "a2" is plan A2);
/// `None` when empty or longer than [`MAX_UNIT_TYPE_CHARS`].
pub fn unit_type_key(text: &str) -> Option<String> {
    let key = text.trim().to_uppercase();
    (!key.is_empty() && key.chars().count() <= MAX_UNIT_TYPE_CHARS).then_some(key)
}

/// The colour of a pin for an item in `status`: red while nobody works on it, amber while
/// someone does, blue when fixed and waiting for a check, green when done, grey when refused.
pub fn status_colour(status: DefectStatus) -> [u8; 3] {
    use DefectStatus::*;
    match status {
        Recorded | Reported | Open | Reopened => [0xD6, 0x3B, 0x3B],
        Assigned | InProgress | OnHold => [0xE8, 0x9B, 0x0C],
        Fixed => [0x2F, 0x7B, 0xD8],
        Verified | Closed => [0x2E, 0x9E, 0x4F],
        Rejected => [0x8E, 0x8E, 0x93],
    }
}

/// A colour as CSS writes it, upper-case: `#D63B3B`.
pub fn colour_hex(colour: [u8; 3]) -> String {
    let [r, g, b] = colour;
    format!("#{r:02X}{g:02X}{b:02X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_two_numbers_from_zero_to_one() {
        assert_eq!(Pin::new(0.31, 0.62), Some(Pin { x: 0.31, y: 0.62 }));
        assert!(Pin::new(0.0, 0.0).is_some());
        assert!(Pin::new(1.0, 1.0).is_some());
        for (x, y) in [
            (-0.01, 0.5),
            (0.5, 1.01),
            (f64::NAN, 0.5),
            (0.5, f64::INFINITY),
            (f64::NEG_INFINITY, 0.5),
        ] {
            assert_eq!(Pin::new(x, y), None, "({x}, {y})");
        }
    }

    #[test]
    fn a_mirrored_home_sees_the_pin_flipped_and_placing_flips_it_back() {
        let pin = Pin { x: 0.25, y: 0.7 };
        assert_eq!(pin.mirrored(), Pin { x: 0.75, y: 0.7 });
        assert_eq!(pin.as_shown(false), pin);
        assert_eq!(pin.as_shown(true), Pin { x: 0.75, y: 0.7 });
        for mirrored in [false, true] {
            assert_eq!(Pin::from_shown(pin.as_shown(mirrored), mirrored), pin);
        }
        // Placed on a mirrored home at the left edge: at the plan's right edge.
        let placed = Pin::new(0.0, 0.5).map(|shown| Pin::from_shown(shown, true));
        assert_eq!(placed, Some(Pin { x: 1.0, y: 0.5 }));
        assert!(placed.is_some_and(|p| Pin::new(p.x, p.y).is_some()));
    }

    #[test]
    fn a_pin_is_stored_and_read_as_x_and_y() {
        let pin = Pin { x: 0.5, y: 0.25 };
        let json = serde_json::to_value(pin).expect("serializes");
        assert_eq!(json, serde_json::json!({"x": 0.5, "y": 0.25}));
        let back: Pin = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, pin);
    }

    #[test]
    fn unit_types_are_trimmed_upper_case_and_bounded() {
        assert_eq!(unit_type_key("  a2 ").as_deref(), Some("A2"));
        assert_eq!(unit_type_key("b户型").as_deref(), Some("B户型"));
        assert_eq!(unit_type_key("   "), None);
        assert_eq!(unit_type_key(""), None);
        let longest = "型".repeat(MAX_UNIT_TYPE_CHARS);
        assert_eq!(unit_type_key(&longest), Some(longest.clone()));
        assert_eq!(unit_type_key(&format!("{longest}x")), None);
    }

    #[test]
    fn every_status_has_its_colour() {
        use DefectStatus::*;
        let hex = |s| colour_hex(status_colour(s));
        for s in [Recorded, Reported, Open, Reopened] {
            assert_eq!(hex(s), "#D63B3B", "{s:?}");
        }
        for s in [Assigned, InProgress, OnHold] {
            assert_eq!(hex(s), "#E89B0C", "{s:?}");
        }
        assert_eq!(hex(Fixed), "#2F7BD8");
        assert_eq!(hex(Verified), "#2E9E4F");
        assert_eq!(hex(Closed), "#2E9E4F");
        assert_eq!(hex(Rejected), "#8E8E93");
        assert_eq!(colour_hex([0, 10, 255]), "#000AFF");
    }
}
