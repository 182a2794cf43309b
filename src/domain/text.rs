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
