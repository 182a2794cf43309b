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

/// Most corners a room's area may have (a room is a handful; a traced curve stays bounded).
pub const MAX_AREA_CORNERS: usize = 40;

/// Smallest share of the plan a room's area may cover: less is a slip of the finger.
const MIN_AREA_SHARE: f64 = 0.0005;

/// Where a room is on a unit type's plan: a polygon of corners (each a [`Pin`]), in the plan's
/// own orientation, drawn once per type by a supervisor. The page placing a pin highlights the
/// areas of the item's room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomArea {
    corners: Vec<Pin>,
}

/// Why corners are not a room's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaError {
    /// Fewer than three corners, or more than [`MAX_AREA_CORNERS`].
    CornerCount,
    /// A corner off the plan or not a number.
    OffPlan,
    /// The corners enclose (almost) nothing.
    TooSmall,
}

impl RoomArea {
    /// The area with these corners (x, y as [`Pin::new`] takes them), in order around it.
    pub fn new(corners: &[(f64, f64)]) -> Result<RoomArea, AreaError> {
        if !(3..=MAX_AREA_CORNERS).contains(&corners.len()) {
            return Err(AreaError::CornerCount);
        }
        let corners = corners
            .iter()
            .map(|&(x, y)| Pin::new(x, y))
            .collect::<Option<Vec<Pin>>>()
            .ok_or(AreaError::OffPlan)?;
        let area = RoomArea { corners };
        if area.share() < MIN_AREA_SHARE {
            return Err(AreaError::TooSmall);
        }
        Ok(area)
    }

    pub fn corners(&self) -> &[Pin] {
        &self.corners
    }

    /// How much of the plan it covers, 0 to 1 (the shoelace formula; either winding).
    pub fn share(&self) -> f64 {
        let n = self.corners.len();
        let twice: f64 = (0..n)
            .map(|i| {
                let (a, b) = (self.corners[i], self.corners[(i + 1) % n]);
                a.x * b.y - b.x * a.y
            })
            .sum();
        twice.abs() / 2.0
    }

    /// The area as a home that shows the plan flipped when `mirrored` sees it (and, flipping
    /// twice being no flip, the plan's own area of one drawn on such a home).
    pub fn as_shown(&self, mirrored: bool) -> RoomArea {
        RoomArea {
            corners: self.corners.iter().map(|c| c.as_shown(mirrored)).collect(),
        }
    }

    /// Whether `pin` is inside it (crossings of a ray to the right).
    pub fn contains(&self, pin: Pin) -> bool {
        let n = self.corners.len();
        let mut inside = false;
        for i in 0..n {
            let (a, b) = (self.corners[i], self.corners[(i + n - 1) % n]);
            if (a.y > pin.y) != (b.y > pin.y)
                && pin.x < (b.x - a.x) * (pin.y - a.y) / (b.y - a.y) + a.x
            {
                inside = !inside;
            }
        }
        inside
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

    #[test]
    fn a_room_area_is_three_to_forty_corners_on_the_plan_enclosing_something() {
        let kitchen = RoomArea::new(&[(0.1, 0.1), (0.4, 0.1), (0.4, 0.5), (0.1, 0.5)]).unwrap();
        assert!((kitchen.share() - 0.12).abs() < 1e-9);
        assert_eq!(
            RoomArea::new(&[(0.1, 0.1), (0.4, 0.1)]),
            Err(AreaError::CornerCount)
        );
        let many: Vec<(f64, f64)> = (0..41)
            .map(|i| {
                let a = i as f64 / 41.0 * std::f64::consts::TAU;
                (0.5 + 0.3 * a.cos(), 0.5 + 0.3 * a.sin())
            })
            .collect();
        assert_eq!(RoomArea::new(&many), Err(AreaError::CornerCount));
        assert!(RoomArea::new(&many[..40]).is_ok());
        assert_eq!(
            RoomArea::new(&[(0.1, 0.1), (1.2, 0.1), (0.4, 0.5)]),
            Err(AreaError::OffPlan)
        );
        assert_eq!(
            RoomArea::new(&[(0.1, 0.1), (f64::NAN, 0.1), (0.4, 0.5)]),
            Err(AreaError::OffPlan)
        );
        // Three corners in a line, or a sliver: nothing enclosed.
        assert_eq!(
            RoomArea::new(&[(0.1, 0.1), (0.2, 0.2), (0.3, 0.3)]),
            Err(AreaError::TooSmall)
        );
        assert_eq!(
            RoomArea::new(&[(0.1, 0.1), (0.12, 0.1), (0.12, 0.12)]),
            Err(AreaError::TooSmall)
        );
    }

    #[test]
    fn a_room_area_knows_what_is_inside_and_flips_with_a_mirrored_home() {
        // An L-shaped living room.
        let living = RoomArea::new(&[
            (0.1, 0.1),
            (0.6, 0.1),
            (0.6, 0.3),
            (0.3, 0.3),
            (0.3, 0.8),
            (0.1, 0.8),
        ])
        .unwrap();
        assert!(living.contains(Pin { x: 0.5, y: 0.2 }));
        assert!(living.contains(Pin { x: 0.2, y: 0.7 }));
        assert!(
            !living.contains(Pin { x: 0.5, y: 0.6 }),
            "the L's missing corner"
        );
        assert!(!living.contains(Pin { x: 0.9, y: 0.2 }));
        let shown = living.as_shown(true);
        assert!(shown.contains(Pin { x: 0.8, y: 0.7 }));
        assert!(!shown.contains(Pin { x: 0.2, y: 0.7 }));
        let back = shown.as_shown(true);
        assert!(
            back.corners()
                .iter()
                .zip(living.corners())
                .all(|(a, b)| (a.x - b.x).abs() < 1e-12 && a.y == b.y),
            "{back:?}"
        );
        assert_eq!(living.as_shown(false), living);
        assert!((shown.share() - living.share()).abs() < 1e-12);
    }
}
