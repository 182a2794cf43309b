//! Parsing `/command args` from a message text.

/// A command as typed: its lower-case name (without `/` and without an `@botname` suffix)
/// and the rest of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandText<'a> {
    pub name: String,
    pub args: &'a str,
}

/// Reads a command from a message text. A command addressed to another bot
/// (`/help@other_bot`) is not ours.
pub fn parse<'a>(text: &'a str, bot_username: &str) -> Option<CommandText<'a>> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (word, args) = match rest.find(char::is_whitespace) {
        Some(at) => (&rest[..at], rest[at..].trim()),
        None => (rest, ""),
    };
    let (name, target) = match word.split_once('@') {
        Some((name, target)) => (name, Some(target)),
        None => (word, None),
    };
    if target.is_some_and(|t| !t.eq_ignore_ascii_case(bot_username)) {
        return None;
    }
    if name.is_empty() {
        return None;
    }
    Some(CommandText {
        name: name.to_lowercase(),
        args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_with_arguments_and_bot_suffixes() {
        assert_eq!(
            parse("/start abc", "hb"),
            Some(CommandText {
                name: "start".into(),
                args: "abc"
            })
        );
        assert_eq!(
            parse("/Help@HB", "hb"),
            Some(CommandText {
                name: "help".into(),
                args: ""
            })
        );
        assert_eq!(parse("/help@other", "hb"), None);
        assert_eq!(parse("hello", "hb"), None);
        assert_eq!(parse("/", "hb"), None);
        assert_eq!(
            parse("/invite ambassador  Li Lei ", "hb"),
            Some(CommandText {
                name: "invite".into(),
                args: "ambassador  Li Lei"
            })
        );
    }
}
