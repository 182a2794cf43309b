//! Record ids as types, where two bare numbers side by side could be swapped (a defect and the
//! engineer it goes to). Each is stored and sent exactly as the number it wraps.

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident,)+) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )+};
}

ids! {
    /// A defect (a buyer's report is one before it is reviewed).
    DefectId,
    /// A staff member.
    StaffId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_write_as_their_number() {
        assert_eq!(serde_json::to_string(&DefectId(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<StaffId>("7").unwrap(), StaffId(7));
        assert_eq!(DefectId(i64::MAX).to_string(), i64::MAX.to_string());
        assert_eq!("15".parse::<StaffId>(), Ok(StaffId(15)));
    }
}
