//! Defects: where in the home, what kind, how urgent (fix deadlines per urgency
//! live in `remediation`).

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where in the home, as the walk-through's buttons offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Room {
    LivingRoom,
    Bedroom,
    Kitchen,
    Bathroom,
    Balcony,
    Exterior,
    Other,
}

impl Room {
    pub const ALL: [Room; 7] = [
        Room::LivingRoom,
        Room::Bedroom,
        Room::Kitchen,
        Room::Bathroom,
        Room::Balcony,
        Room::Exterior,
        Room::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Room::LivingRoom => "living_room",
            Room::Bedroom => "bedroom",
            Room::Kitchen => "kitchen",
            Room::Bathroom => "bathroom",
            Room::Balcony => "balcony",
            Room::Exterior => "exterior",
            Room::Other => "other",
        }
    }

    /// A one-letter code for button payloads.
    pub fn code(self) -> char {
        match self {
            Room::LivingRoom => 'l',
            Room::Bedroom => 'b',
            Room::Kitchen => 'k',
            Room::Bathroom => 'w',
            Room::Balcony => 'y',
            Room::Exterior => 'e',
            Room::Other => 'o',
        }
    }

    pub fn from_code(code: char) -> Option<Room> {
        Room::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl FromStr for Room {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Room::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

/// What kind of problem; leakage (渗漏) drives the leakage-rate KPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Leakage,
    HollowOrCrack,
    PaintAndWalls,
    TilesAndFloors,
    DoorsAndWindows,
    Plumbing,
    Electrical,
    Fixtures,
    Exterior,
    Other,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Leakage,
        Category::HollowOrCrack,
        Category::PaintAndWalls,
        Category::TilesAndFloors,
        Category::DoorsAndWindows,
        Category::Plumbing,
        Category::Electrical,
        Category::Fixtures,
        Category::Exterior,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Leakage => "leakage",
            Category::HollowOrCrack => "hollow_or_crack",
            Category::PaintAndWalls => "paint_and_walls",
            Category::TilesAndFloors => "tiles_and_floors",
            Category::DoorsAndWindows => "doors_and_windows",
            Category::Plumbing => "plumbing",
            Category::Electrical => "electrical",
            Category::Fixtures => "fixtures",
            Category::Exterior => "exterior",
            Category::Other => "other",
        }
    }

    pub fn code(self) -> char {
        match self {
            Category::Leakage => 'l',
            Category::HollowOrCrack => 'h',
            Category::PaintAndWalls => 'p',
            Category::TilesAndFloors => 't',
            Category::DoorsAndWindows => 'd',
            Category::Plumbing => 'u',
            Category::Electrical => 'e',
            Category::Fixtures => 'f',
            Category::Exterior => 'x',
            Category::Other => 'o',
        }
    }

    pub fn from_code(code: char) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl FromStr for Category {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(())
    }
}

/// How urgent; each has a fix deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Urgent,
    High,
    Normal,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Urgent,
        Severity::High,
        Severity::Normal,
        Severity::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Urgent => "urgent",
            Severity::High => "high",
            Severity::Normal => "normal",
            Severity::Low => "low",
        }
    }

    pub fn code(self) -> char {
        match self {
            Severity::Urgent => 'u',
            Severity::High => 'h',
            Severity::Normal => 'n',
            Severity::Low => 'l',
        }
    }

    pub fn from_code(code: char) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl FromStr for Severity {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip_and_are_distinct() {
        for room in Room::ALL {
            assert_eq!(Room::from_code(room.code()), Some(room));
            assert_eq!(room.as_str().parse(), Ok(room));
        }
        for category in Category::ALL {
            assert_eq!(Category::from_code(category.code()), Some(category));
            assert_eq!(category.as_str().parse(), Ok(category));
        }
        for severity in Severity::ALL {
            assert_eq!(Severity::from_code(severity.code()), Some(severity));
            assert_eq!(severity.as_str().parse(), Ok(severity));
        }
    }
}
