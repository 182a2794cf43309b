//! The callback-data codec: what a button means, in at most 64 bytes, versioned and parsed
//! strictly. Anything that does not parse (an old keyboard from before an upgrade, a forged
//! payload) is a stale button, answered politely and acted on never.

use crate::domain::people::Lang;

/// Bumped whenever the meaning of an existing payload changes.
const VERSION: &str = "1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// Switch the interface language.
    Language(Lang),
    /// The buyer confirms the mailing address on file.
    AddressOk,
    /// The buyer wants to type a corrected address.
    AddressFix,
}

impl Callback {
    pub fn encode(self) -> String {
        let body = match self {
            Callback::Language(lang) => format!("lang:{}", lang.code()),
            Callback::AddressOk => "addr:ok".to_string(),
            Callback::AddressFix => "addr:fix".to_string(),
        };
        format!("{VERSION}:{body}")
    }

    pub fn decode(data: &str) -> Option<Callback> {
        if data.len() > 64 {
            return None;
        }
        let mut parts = data.split(':');
        if parts.next()? != VERSION {
            return None;
        }
        let callback = match (parts.next()?, parts.next()?) {
            ("lang", "zh-CN") => Callback::Language(Lang::ZhCn),
            ("lang", "en") => Callback::Language(Lang::En),
            ("addr", "ok") => Callback::AddressOk,
            ("addr", "fix") => Callback::AddressFix,
            _ => return None,
        };
        parts.next().is_none().then_some(callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all() -> Vec<Callback> {
        vec![
            Callback::Language(Lang::ZhCn),
            Callback::Language(Lang::En),
            Callback::AddressOk,
            Callback::AddressFix,
        ]
    }

    #[test]
    fn every_callback_round_trips_within_64_bytes() {
        for callback in all() {
            let data = callback.encode();
            assert!(!data.is_empty() && data.len() <= 64, "{data}");
            assert_eq!(Callback::decode(&data), Some(callback));
        }
    }

    #[test]
    fn other_versions_and_trailing_parts_are_refused() {
        assert_eq!(Callback::decode("0:addr:ok"), None);
        assert_eq!(Callback::decode("1:addr:ok:extra"), None);
        assert_eq!(Callback::decode("1:lang:fr"), None);
        assert_eq!(Callback::decode(""), None);
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_data_never_panics_and_only_accepts_canonical_forms(data in ".{0,80}") {
            if let Some(callback) = Callback::decode(&data) {
                prop_assert_eq!(callback.encode(), data);
            }
        }
    }
}
