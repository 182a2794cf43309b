//! Phone numbers normalised to E.164, so an imported 138 0013 8000 and a Telegram
//! contact's +8613800138000 are the same person.

use std::fmt;

/// A phone number in E.164 form (`+8613800138000`). Never log it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("not a phone number")]
    Unparseable,
    #[error("not a valid number for its region")]
    Invalid,
}

impl Phone {
    /// Parses what people type or sales systems export (spaces, dashes, `+86`, `0086`, a bare
    /// national number) and keeps it only if it is a valid number. `default_region` is an
    /// ISO 3166 code such as `CN`, used when the number carries no country code.
    pub fn parse(
        input: &str,
        default_region: phonenumber::country::Id,
    ) -> Result<Phone, PhoneError> {
        let trimmed = input.trim();
        // Telegram contacts sometimes omit the plus sign of an international number.
        let candidate = if !trimmed.starts_with('+')
            && !trimmed.starts_with("00")
            && trimmed.chars().all(|c| c.is_ascii_digit())
            && trimmed.len() > 11
        {
            format!("+{trimmed}")
        } else {
            trimmed.to_string()
        };
        let number = phonenumber::parse(Some(default_region), &candidate)
            .map_err(|_| PhoneError::Unparseable)?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid);
        }
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        // The E.164 form must read back as itself, or the same person's Telegram contact would
        // never match it: the parser accepts some numbers whose E.164 form it then reads as
        // another number or not at all (`000066000000` in JP → `+810066000000`, read back
        // without the zeros; `+3531110000000` in US → `+35310000000`, then unreadable).
        let stable = phonenumber::parse(Some(default_region), &e164).is_ok_and(|again| {
            phonenumber::is_valid(&again)
                && again.format().mode(phonenumber::Mode::E164).to_string() == e164
        });
        if !stable {
            return Err(PhoneError::Invalid);
        }
        Ok(Phone(e164))
    }

    /// Wraps a value already stored in E.164 form.
    pub fn from_e164(stored: String) -> Phone {
        Phone(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as people write it, for staff to read and dial: Chinese numbers in the
    /// national form (`138 0013 8000`), others in the international form (`+44 20 7946 0958`).
    /// Telegram clients make either tappable.
    pub fn display(&self) -> String {
        match phonenumber::parse(None, &self.0) {
            Ok(number) if number.code().value() == 86 => number
                .format()
                .mode(phonenumber::Mode::National)
                .to_string(),
            Ok(number) => number
                .format()
                .mode(phonenumber::Mode::International)
                .to_string(),
            Err(_) => self.0.clone(),
        }
    }

    /// The last four digits, for messages and logs where a full number must not appear.
    pub fn masked(&self) -> String {
        let digits: String = self
            .0
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{digits}")
    }
}

/// Phone numbers are personal data: `Debug` shows only the last four digits.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// Parses an ISO 3166 region code such as `CN`.
pub fn region(code: &str) -> Option<phonenumber::country::Id> {
    code.trim().to_ascii_uppercase().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::country::Id::CN;

    #[test]
    fn chinese_mobile_numbers_in_every_usual_spelling_normalise_alike() {
        for input in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "0086 13800138000",
            "8613800138000",
        ] {
            assert_eq!(
                Phone::parse(input, CN).unwrap().as_str(),
                "+8613800138000",
                "{input}"
            );
        }
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(
            Phone::parse("+44 20 7946 0958", CN).unwrap().as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn numbers_display_as_people_write_them() {
        assert_eq!(
            Phone::parse("+8613800000004", CN).unwrap().display(),
            "138 0000 0004"
        );
        assert_eq!(
            Phone::parse("+44 20 7946 0958", CN).unwrap().display(),
            "+44 20 7946 0958"
        );
    }

    #[test]
    fn rubbish_is_refused() {
        assert!(Phone::parse("hello", CN).is_err());
        assert!(Phone::parse("12345", CN).is_err());
        assert!(Phone::parse("", CN).is_err());
    }

    #[test]
    fn debug_hides_the_number() {
        let phone = Phone::parse("13800138000", CN).unwrap();
        assert_eq!(format!("{phone:?}"), "Phone(…8000)");
    }
}
