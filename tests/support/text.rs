//! What a person reads, found through the locale key that says it rather than a copy of the
//! Chinese: the app's own `I18n` renders the key, so a changed wording changes the tests too.

use std::sync::OnceLock;

use handover_bot::domain::people::Lang;
use handover_bot::domain::remediation::DefectStatus;
use handover_bot::i18n::{Arg, I18n, plain_text};
use handover_bot::present::Label;

fn i18n() -> &'static I18n {
    static LOCALES: OnceLock<I18n> = OnceLock::new();
    LOCALES.get_or_init(|| I18n::load().expect("the locales load"))
}

/// `key` in Chinese with `args`, as the person reads it (tags dropped, entities decoded).
pub fn zh(key: &str, args: &[(&str, Arg)]) -> String {
    plain_text(&i18n().text(Lang::ZhCn, key, args))
}

/// The longest stretch of `key`'s Chinese text between placeholders: what every message saying
/// it contains, whatever its arguments.
pub fn fixed(key: &str) -> String {
    // A placeholder renders as its own name when the argument is missing; split on those.
    let rendered = zh(key, &[]);
    let mut best = String::new();
    for part in rendered.split(['{', '}']).filter(|p| !p.starts_with('$')) {
        let part = part.trim();
        if part.chars().count() > best.chars().count() {
            best = part.to_string();
        }
    }
    best
}

/// Whether `text` says `key`, whatever its arguments: every stretch of the key's Chinese text
/// between placeholders is there, in order.
pub fn says(text: &str, key: &str) -> bool {
    let rendered = zh(key, &[]);
    let mut rest = text;
    for part in rendered.split(['{', '}']).filter(|p| !p.starts_with('$')) {
        let part = part.trim();
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// `key` in Chinese with `args`, up to its first placeholder not among them: how every message
/// saying it with those values begins.
pub fn head(key: &str, args: &[(&str, Arg)]) -> String {
    let rendered = zh(key, args);
    let end = rendered.find("{$").unwrap_or(rendered.len());
    rendered[..end].trim_end().to_string()
}

/// `key` in Chinese with `args`, from the end of its last placeholder not among them: how every
/// message saying it with those values ends.
pub fn tail(key: &str, args: &[(&str, Arg)]) -> String {
    let rendered = zh(key, args);
    let start = rendered.rfind("{$").map_or(0, |at| {
        at + rendered[at..].find('}').map_or(0, |end| end + 1)
    });
    rendered[start..].trim_start().to_string()
}

/// The parts of one line, as every message puts them together ("厨房 · 渗漏").
pub fn parts(parts: &[&str]) -> String {
    parts.join(&zh("part-separator", &[]))
}

/// A value's name in Chinese, as every message names it (a room, a category, a status…).
pub fn label(value: &impl Label) -> String {
    zh(value.label_key(), &[])
}

/// The answer to a step on defect `id`: its status now.
pub fn step_done(id: i64, status: DefectStatus) -> String {
    zh(
        "step-done",
        &[("id", Arg::Number(id)), ("status", label(&status).into())],
    )
}

/// The end of a defect's update: the status it is in now.
pub fn status_now(status: DefectStatus) -> String {
    tail("defect-update", &[("status", label(&status).into())])
}

/// The stretch of `key`'s Chinese text, with `args`, around the argument `name`: from the
/// placeholder before it that is not among `args` to the one after ("，失败 1，已发送").
pub fn stretch(key: &str, args: &[(&str, Arg)], name: &str) -> String {
    const MARK: &str = "\u{1}";
    let marked: Vec<(&str, Arg)> = args
        .iter()
        .map(|(n, arg)| (*n, if *n == name { MARK.into() } else { arg.clone() }))
        .collect();
    let rendered = zh(key, &marked);
    let at = rendered.find(MARK).expect("the argument is in the text");
    let start = rendered[..at]
        .rfind("{$")
        .map_or(0, |p| p + rendered[p..].find('}').map_or(0, |end| end + 1));
    let end = rendered[at..].find("{$").map_or(rendered.len(), |p| at + p);
    let value = args
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, arg)| zh_arg(arg))
        .unwrap_or_default();
    rendered[start..end].trim().replace(MARK, &value)
}

/// An argument as a message shows it.
fn zh_arg(arg: &Arg) -> String {
    match arg {
        Arg::Text(text) => text.clone(),
        Arg::Html(html) => plain_text(html),
        Arg::Number(number) => number.to_string(),
    }
}

/// The engineer's news of `count` defects to fix in `home`.
pub fn new_defects(home: &str, count: i64) -> String {
    zh(
        "engineer-new-defects",
        &[("home", home.into()), ("count", Arg::Number(count))],
    )
}
