//! Text rules that Telegram imposes.

/// Telegram's limit for one message, in characters after entity parsing.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// Splits `text` into parts of at most `max` characters, breaking at line ends so that
/// line-local HTML tags stay balanced. A single line longer than `max` is cut at a character
/// boundary (only plain text produces such lines).
pub fn split_lines(text: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in text.split('\n') {
        let line_len = line.chars().count();
        let needed = if current.is_empty() {
            line_len
        } else {
            current_len + 1 + line_len
        };
        if needed <= max {
            if !current.is_empty() {
                current.push('\n');
                current_len += 1;
            }
            current.push_str(line);
            current_len += line_len;
            continue;
        }
        if !current.trim().is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        let mut chars: Vec<char> = line.chars().collect();
        while chars.len() > max {
            let rest = chars.split_off(max);
            parts.push(chars.into_iter().collect());
            chars = rest;
        }
        current = chars.into_iter().collect();
        current_len = current.chars().count();
    }
    if !current.trim().is_empty() || parts.is_empty() {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_text_stays_whole() {
        assert_eq!(split_lines("a\nb", 10), vec!["a\nb".to_string()]);
    }

    #[test]
    fn long_text_breaks_between_lines() {
        let text = (0..10)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let parts = split_lines(&text, 20);
        assert!(parts.iter().all(|p| p.chars().count() <= 20));
        assert_eq!(parts.join("\n"), text);
    }

    proptest! {
        #[test]
        fn no_part_is_too_long_and_nothing_is_lost(text in "[a-z帅\n ]{0,300}", max in 5usize..50) {
            let parts = split_lines(&text, max);
            for part in &parts {
                prop_assert!(part.chars().count() <= max);
            }
            let kept: String = parts.concat().chars().filter(|c| !c.is_whitespace()).collect();
            let original: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            prop_assert_eq!(kept, original);
        }
    }
}

/// Splits "Li Lei 2026-12-01" into the words before a trailing calendar day and the day.
/// The day is `YYYY-MM-DD`, `YYYY/MM/DD`, `MM-DD` or `MM/DD` (the next such date from `today`).
pub fn split_trailing_day(
    text: &str,
    today: chrono::NaiveDate,
) -> (String, Option<chrono::NaiveDate>) {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((last, rest)) = words.split_last() else {
        return (String::new(), None);
    };
    match parse_day(last, today) {
        Some(day) => (rest.join(" "), Some(day)),
        None => (words.join(" "), None),
    }
}

fn parse_day(word: &str, today: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
    use chrono::{Datelike, NaiveDate};
    let parts: Vec<&str> = word.split(['-', '/']).collect();
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            NaiveDate::from_ymd_opt(i32::try_from(number(y)?).ok()?, number(m)?, number(d)?)
        }
        [m, d] => {
            let (m, d) = (number(m)?, number(d)?);
            let this_year = NaiveDate::from_ymd_opt(today.year(), m, d)?;
            if this_year >= today {
                Some(this_year)
            } else {
                NaiveDate::from_ymd_opt(today.year() + 1, m, d)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod day_tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_trailing_day_is_split_off_in_the_usual_spellings() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(
            split_trailing_day("Li Lei 2026-12-01", today),
            ("Li Lei".into(), day(2026, 12, 1))
        );
        assert_eq!(
            split_trailing_day("12/03", today),
            (String::new(), day(2026, 12, 3))
        );
        assert_eq!(
            split_trailing_day("01-05", today),
            (String::new(), day(2027, 1, 5))
        );
        assert_eq!(split_trailing_day("王芳", today), ("王芳".into(), None));
        assert_eq!(
            split_trailing_day("2026-02-30", today),
            ("2026-02-30".into(), None)
        );
        assert_eq!(split_trailing_day("", today), (String::new(), None));
    }
}
