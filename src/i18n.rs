//! Every user-facing text, from `locales/<lang>.ftl` (Fluent), rendered as Telegram HTML.
//!
//! Arguments are HTML-escaped when they are inserted, so a buyer named `<b>Tom</b>` is shown
//! literally and Telegram never refuses a message for unescaped user text. Pre-rendered HTML
//! fragments are passed as `Arg::Html`.

use crate::domain::people::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::borrow::Cow;

const ZH_CN: &str = include_str!("../locales/zh-CN.ftl");
const EN: &str = include_str!("../locales/en.ftl");

/// The raw locale sources, for tests that compare them.
pub const SOURCES: [(Lang, &str); 2] = [(Lang::ZhCn, ZH_CN), (Lang::En, EN)];

/// One argument of a message.
#[derive(Debug, Clone)]
pub enum Arg {
    /// Text from a person or a file: escaped on insertion.
    Text(String),
    /// Already valid Telegram HTML built from escaped parts.
    Html(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::Number(v as i64)
            }
        }
    )*};
}
number_arg!(i64, i32, u32, u64, usize);

/// Escapes text for Telegram's HTML parse mode.
pub fn escape_html(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '>', '&', '"']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

/// Turns Telegram HTML into plain text (for the command line): tags dropped, entities decoded.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            other if !in_tag => out.push(other),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[derive(Debug, thiserror::Error)]
#[error("locale {lang}: {message}")]
pub struct LocaleError {
    lang: Lang,
    message: String,
}

/// The loaded locales.
pub struct I18n {
    zh_cn: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

fn bundle(lang: Lang, source: &str) -> Result<FluentBundle<FluentResource>, LocaleError> {
    let resource =
        FluentResource::try_new(source.to_string()).map_err(|(_, errors)| LocaleError {
            lang,
            message: format!("{errors:?}"),
        })?;
    let langid: unic_langid::LanguageIdentifier = lang.code().parse().map_err(|_| LocaleError {
        lang,
        message: "bad language id".into(),
    })?;
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Isolation marks would show up as stray characters in Telegram clients.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| LocaleError {
            lang,
            message: format!("{errors:?}"),
        })?;
    Ok(bundle)
}

impl I18n {
    pub fn load() -> Result<I18n, LocaleError> {
        Ok(I18n {
            zh_cn: bundle(Lang::ZhCn, ZH_CN)?,
            en: bundle(Lang::En, EN)?,
        })
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::ZhCn => &self.zh_cn,
            Lang::En => &self.en,
        }
    }

    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).has_message(key)
    }

    /// Renders `key` in `lang`. A missing key (a bug the locale tests catch) renders as the
    /// key itself rather than failing the person's request.
    pub fn text(&self, lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::error!(key, lang = %lang, "missing locale key");
            return key.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(escape_html(text).into_owned()),
                Arg::Html(html) => FluentValue::from(html.clone()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::error!(key, lang = %lang, ?errors, "locale formatting problem");
        }
        text.into_owned()
    }
}

/// `tr!(i18n, lang, "key")` or `tr!(i18n, lang, "key", name = value, …)`.
/// Keys are always literals so the locale tests can find every key the code uses.
#[macro_export]
macro_rules! tr {
    ($i18n:expr, $lang:expr, $key:literal) => {
        $i18n.text($lang, $key, &[])
    };
    ($i18n:expr, $lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $i18n.text($lang, $key, &[$((stringify!($name), $crate::i18n::Arg::from($value))),+])
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_string()).expect("locale parses");
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_locale_parses_and_has_the_same_keys() {
        I18n::load().expect("locales load");
        let zh = keys(ZH_CN);
        let en = keys(EN);
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
        );
    }

    /// Literals in the code shaped like a key (lower case words joined by dashes) that are not
    /// locale keys, with what they are instead. Anything else of that shape must be a key.
    const NOT_KEYS: &[&str] = &[
        // Names of scheduled jobs and of a test's job kind.
        "daily-digest",
        "defect-sweep",
        "before-campaign-sweep",
        "overdue-sweep",
        "nothing-handles-this",
        // A risk flag as stored.
        "group-complaint",
        // The cause of a notification, part of its outbox dedupe key.
        "handover-issue",
        // Language tags as people or Telegram write them.
        "en-gb",
        "en-us",
        "zh-cn",
        "zh-hans",
        // The program's name, an HTTP header and header values.
        "handover-bot",
        "x-telegram-bot-api-secret-token",
        "no-cache",
        "no-store",
    ];

    /// The keys a source file uses: the literal key of `tr!(…)`, `.text(…)`, `.text_with(…)`
    /// and `.has(…)`; every literal shaped like a key (what `Label::label_key` returns, keys
    /// passed to helpers); and keys built with `format!`, listed next to it in a comment
    /// `// locale keys: a-b, c-d`.
    fn keys_used(source: &str) -> BTreeSet<String> {
        let mut used = BTreeSet::new();
        for call in ["tr!(", ".text(", ".text_with(", ".has("] {
            for (at, _) in source.match_indices(call) {
                // `include_str!(` is not `tr!(`.
                if call == "tr!("
                    && source[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                {
                    continue;
                }
                let rest = &source[at + call.len()..];
                // The key comes before the arguments' slice and before the call ends.
                let args = &rest[..rest.find(['&', ')']).unwrap_or(rest.len())];
                if let Some(start) = args.find('"') {
                    let key = &args[start + 1..];
                    if let Some(end) = key.find('"') {
                        used.insert(key[..end].to_string());
                    }
                }
            }
        }
        let bytes = source.as_bytes();
        for (at, _) in source.match_indices('"') {
            if at > 0 && (bytes[at - 1] == b'\\' || bytes[at - 1].is_ascii_alphanumeric()) {
                continue;
            }
            let rest = &source[at + 1..];
            let len = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            let shaped = rest[len..].starts_with('"')
                && word.starts_with(|c: char| c.is_ascii_lowercase())
                && word.contains('-')
                && !word.ends_with('-')
                && !word.contains("--");
            if shaped && !NOT_KEYS.contains(&word) {
                used.insert(word.to_string());
            }
        }
        for line in source.lines() {
            if let Some((_, list)) = line.split_once("// locale keys:") {
                used.extend(list.split(',').map(|key| key.trim().to_string()));
            }
        }
        used
    }

    /// Every key the code uses exists in every locale.
    #[test]
    fn code_uses_only_existing_keys() {
        let i18n = I18n::load().unwrap();
        let mut used = BTreeSet::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    stack.push(entry.unwrap().path());
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("i18n.rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for key in keys_used(&source) {
                used.insert((key, path.display().to_string()));
            }
        }
        assert!(used.len() > 500, "the scan found the keys in use");
        let mut missing = Vec::new();
        for (key, file) in &used {
            for lang in Lang::ALL {
                if !i18n.has(lang, key) {
                    missing.push(format!("{file} uses {key:?}, missing in {lang}"));
                }
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn the_key_scan_sees_every_way_a_key_is_named() {
        let source = r#"
            tr!(i18n, lang, "summary");
            i18n.text(lang, "welcome", &[]);
            i18n.text_with(
                lang,
                "checkin", &args);
            let x = if i18n.has(lang, "reports") { 1 } else { 2 };
            Room::Kitchen => "room-kitchen",
            // locale keys: meter-water, meter-gas
            let key = format!("meter-{}", meter);
            msg.text();
            let not_a_key = "no key here";
            let job = "daily-digest";
            const PAGE: &str = include_str!("assets/sign-page.html");
        "#;
        let used = keys_used(source);
        let expected: BTreeSet<String> = [
            "summary",
            "welcome",
            "checkin",
            "reports",
            "room-kitchen",
            "meter-water",
            "meter-gas",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(used, expected);
    }

    #[test]
    fn arguments_are_escaped_and_html_fragments_are_not() {
        let i18n = I18n::load().unwrap();
        let text = tr!(
            i18n,
            Lang::En,
            "greeting-buyer",
            name = "<b>Tom & \"Jerry\"</b>"
        );
        assert!(
            text.contains("&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"),
            "{text}"
        );
    }
}
