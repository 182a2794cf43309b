//! Text rules that Telegram imposes.

/// Telegram's limit for one message: its text after entity parsing (tags removed, `&amp;` and
/// the like decoded), counted in UTF-16 code units.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// One piece of Telegram HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// `<b>`, `<a href="…">`: the whole tag as written, and its name.
    Open {
        raw: &'a str,
        name: &'a str,
    },
    Close {
        raw: &'a str,
        name: &'a str,
    },
    /// One visible character, written plainly or as an entity (`&amp;`), with its length as
    /// Telegram counts it and whether it is white space.
    Text {
        raw: &'a str,
        len: usize,
        blank: bool,
    },
    Newline,
}

impl Token<'_> {
    fn len(&self) -> usize {
        match self {
            Token::Text { len, .. } => *len,
            Token::Newline => 1,
            _ => 0,
        }
    }
}

/// The character an entity stands for (the ones Telegram decodes).
fn entity(raw: &str) -> Option<char> {
    match raw {
        "&lt;" => Some('<'),
        "&gt;" => Some('>'),
        "&amp;" => Some('&'),
        "&quot;" => Some('"'),
        _ => {
            let number = raw.strip_prefix("&#")?.strip_suffix(';')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let (token, used) = match c {
            '\n' => (Token::Newline, 1),
            '<' if rest[1..].contains('>') => {
                let end = rest.find('>').map_or(rest.len(), |e| e + 1);
                let raw = &rest[..end];
                let inner = raw.trim_start_matches('<').trim_end_matches('>');
                let (closing, inner) = match inner.strip_prefix('/') {
                    Some(inner) => (true, inner),
                    None => (false, inner),
                };
                let name = inner
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or("");
                let token = if closing {
                    Token::Close { raw, name }
                } else {
                    Token::Open { raw, name }
                };
                (token, end)
            }
            '&' => {
                let end = rest
                    .char_indices()
                    .take(12)
                    .find(|(_, c)| *c == ';')
                    .map(|(i, _)| i + 1);
                match end.and_then(|end| entity(&rest[..end]).map(|c| (end, c))) {
                    Some((end, decoded)) => (
                        Token::Text {
                            raw: &rest[..end],
                            len: decoded.len_utf16(),
                            blank: decoded.is_whitespace(),
                        },
                        end,
                    ),
                    None => (
                        Token::Text {
                            raw: "&",
                            len: 1,
                            blank: false,
                        },
                        1,
                    ),
                }
            }
            c => (
                Token::Text {
                    raw: &rest[..c.len_utf8()],
                    len: c.len_utf16(),
                    blank: c.is_whitespace(),
                },
                c.len_utf8(),
            ),
        };
        out.push(token);
        rest = &rest[used..];
    }
    out
}

/// Ends the part being filled. One without visible text is left out and gives its tags to
/// the next.
fn flush<'a>(current: &mut Vec<Token<'a>>, parts: &mut Vec<Vec<Token<'a>>>) {
    let taken = std::mem::take(current);
    if visible(&taken) {
        parts.push(taken);
    } else {
        current.extend(
            taken
                .into_iter()
                .filter(|t| matches!(t, Token::Open { .. } | Token::Close { .. })),
        );
    }
}

fn visible(tokens: &[Token<'_>]) -> bool {
    tokens
        .iter()
        .any(|t| matches!(t, Token::Text { blank: false, .. }))
}

/// Splits Telegram HTML into messages of at most `max` (counted as Telegram counts: visible
/// text in UTF-16 code units), breaking at line ends where it can. A line longer than `max` is
/// cut between visible characters, never inside an entity or a tag; a tag open at a cut is
/// closed at the end of one part and opened again at the start of the next, so every part is
/// valid HTML with the formatting of the whole. Parts with nothing visible are left out.
pub fn split_lines(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let lines: Vec<Vec<Token<'_>>> = tokens(text)
        .split(|t| *t == Token::Newline)
        .map(<[Token<'_>]>::to_vec)
        .collect();
    let mut parts: Vec<Vec<Token<'_>>> = Vec::new();
    let mut current: Vec<Token<'_>> = Vec::new();
    let mut current_len = 0;
    for (i, line) in lines.into_iter().enumerate() {
        let line_len: usize = line.iter().map(Token::len).sum();
        let needed = if i == 0 {
            line_len
        } else {
            current_len + 1 + line_len
        };
        if needed <= max {
            if i > 0 {
                current.push(Token::Newline);
            }
            current.extend(line);
            current_len = needed;
            continue;
        }
        flush(&mut current, &mut parts);
        current_len = 0;
        for token in line {
            let len = token.len();
            if len > 0 && current_len + len > max {
                // Tags opened just before the cut belong with the text after it.
                let mut carried = Vec::new();
                while let Some(Token::Open { .. }) = current.last() {
                    carried.extend(current.pop());
                }
                flush(&mut current, &mut parts);
                current.extend(carried.into_iter().rev());
                current_len = 0;
            }
            current.push(token);
            current_len += len;
        }
    }
    if visible(&current) || parts.is_empty() {
        parts.push(current);
    } else if let Some(last) = parts.last_mut() {
        // Tags after the last visible text.
        last.extend(
            current
                .into_iter()
                .filter(|t| matches!(t, Token::Open { .. } | Token::Close { .. })),
        );
    }
    let mut open: Vec<(&str, &str)> = Vec::new();
    parts
        .into_iter()
        .map(|part| {
            let mut html: String = open.iter().map(|(raw, _)| *raw).collect();
            for token in part {
                match token {
                    Token::Open { raw, name } => {
                        open.push((raw, name));
                        html.push_str(raw);
                    }
                    Token::Close { raw, name } => {
                        if let Some(at) = open.iter().rposition(|(_, n)| *n == name) {
                            open.remove(at);
                        }
                        html.push_str(raw);
                    }
                    Token::Text { raw, .. } => html.push_str(raw),
                    Token::Newline => html.push('\n'),
                }
            }
            for (_, name) in open.iter().rev() {
                html.push_str("</");
                html.push_str(name);
                html.push('>');
            }
            html
        })
        .collect()
}

/// The visible length of Telegram HTML, as Telegram counts it (UTF-16 code units after entity
/// parsing).
pub fn visible_len(html: &str) -> usize {
    tokens(html).iter().map(Token::len).sum()
}

/// `text` cut to at most `max` characters, with "…" where it was cut (plain text, before it
/// is escaped), so a message built around it stays within Telegram's length.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(max.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_clipped_text_keeps_within_its_length() {
        assert_eq!(clip("车位配比", 10), "车位配比");
        assert_eq!(clip("车位配比", 3), "车位…");
        assert_eq!(clip("车位配比", 3).chars().count(), 3);
    }

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

    #[test]
    fn entities_count_as_one_character_and_are_never_cut() {
        let html = "&amp;".repeat(10);
        assert_eq!(visible_len(&html), 10);
        assert_eq!(split_lines(&html, 10), vec![html.clone()]);
        assert_eq!(
            split_lines(&html, 4),
            vec!["&amp;&amp;&amp;&amp;", "&amp;&amp;&amp;&amp;", "&amp;&amp;"]
        );
    }

    #[test]
    fn a_tag_open_at_a_cut_is_closed_and_opened_again() {
        let html = "<b>abcd <a href=\"https://x.y/?a=1&amp;b=2\">efgh</a></b>\nij";
        assert_eq!(
            split_lines(html, 6),
            vec![
                "<b>abcd <a href=\"https://x.y/?a=1&amp;b=2\">e</a></b>",
                "<b><a href=\"https://x.y/?a=1&amp;b=2\">fgh</a></b>\nij"
            ]
        );
    }

    #[test]
    fn length_is_counted_in_utf16_code_units() {
        // An emoji outside the basic plane is two code units.
        let html = "😀".repeat(3);
        assert_eq!(visible_len(&html), 6);
        assert_eq!(split_lines(&html, 4), vec!["😀😀", "😀"]);
    }

    /// The visible characters with the tags around each, and whether each part is well
    /// formed: tags balanced, every `&` an entity.
    fn read(html: &str) -> Result<Vec<(String, Vec<String>)>, String> {
        let mut stack: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for token in tokens(html) {
            match token {
                Token::Open { name, .. } => stack.push(name.to_string()),
                Token::Close { name, .. } => {
                    if stack.pop().as_deref() != Some(name) {
                        return Err(format!("unbalanced </{name}> in {html:?}"));
                    }
                }
                Token::Text { raw, blank, .. } => {
                    if raw == "&" {
                        return Err(format!("a bare & in {html:?}"));
                    }
                    if !blank {
                        out.push((raw.to_string(), stack.clone()));
                    }
                }
                Token::Newline => {}
            }
        }
        if !stack.is_empty() {
            return Err(format!("unclosed {stack:?} in {html:?}"));
        }
        Ok(out)
    }

    /// Telegram HTML as the bot writes it: escaped text (entities), emoji, line ends, nested
    /// tags with attributes.
    fn html() -> impl Strategy<Value = String> {
        let text =
            "[a-z帅😀&<>\" \n]{0,12}".prop_map(|t| crate::i18n::escape_html(&t).into_owned());
        let leaf = text.boxed();
        leaf.prop_recursive(3, 40, 6, |inner| {
            (
                prop::sample::select(vec![
                    ("<b>", "</b>"),
                    ("<i>", "</i>"),
                    ("<a href=\"https://e.x/?q=1&amp;r=2\">", "</a>"),
                    ("<code>", "</code>"),
                ]),
                prop::collection::vec(inner, 0..4),
            )
                .prop_map(|((open, close), children)| format!("{open}{}{close}", children.concat()))
                .boxed()
        })
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

        #[test]
        fn html_parts_are_valid_short_enough_and_keep_every_character_with_its_format(
            pieces in prop::collection::vec(html(), 1..12),
            max in 2usize..40,
        ) {
            let html = pieces.concat();
            let original = read(&html).map_err(TestCaseError::fail)?;
            let parts = split_lines(&html, max);
            let mut kept = Vec::new();
            for part in &parts {
                prop_assert!(visible_len(part) <= max, "{part:?} is longer than {max}");
                kept.extend(read(part).map_err(TestCaseError::fail)?);
            }
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
