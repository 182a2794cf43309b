//! Telegram's `parse_mode=HTML`, parsed as strictly as the Bot API documentation reads.
//!
//! The real server is a little forgiving (it keeps a stray `&` or `>` as text). The fake is not: the
//! documentation says every `<`, `>` and `&` that is not part of a tag or an entity must be escaped, and
//! a bot that forgets to escape user-provided text will, sooner or later, meet a buyer called
//! `A<B` and fail in production. Refusing every unescaped character makes that bug show up in tests.
//!
//! Errors are returned without the `Bad Request: can't parse entities: ` prefix; the server adds it,
//! so teloxide maps them to `ApiError::CantParseEntities` as it does for the real server.

use serde_json::{Value, json};

/// The visible text of a message and the formatting Telegram would attach to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedHtml {
    /// What a person sees: tags removed, entities decoded.
    pub text: String,
    /// Entities with offsets and lengths in UTF-16 code units, like the Bot API reports them.
    pub entities: Vec<HtmlEntity>,
}

/// One formatting entity, in Bot API `MessageEntity` terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HtmlEntity {
    /// Bot API entity type, e.g. `bold`, `text_link`, `pre`.
    pub kind: &'static str,
    pub offset: usize,
    pub length: usize,
    pub url: Option<String>,
    pub language: Option<String>,
    pub custom_emoji_id: Option<String>,
}

impl HtmlEntity {
    /// The entity as it appears in a `Message` object.
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "type": self.kind, "offset": self.offset, "length": self.length });
        if let Some(url) = &self.url {
            v["url"] = json!(url);
        }
        if let Some(language) = &self.language {
            v["language"] = json!(language);
        }
        if let Some(id) = &self.custom_emoji_id {
            v["custom_emoji_id"] = json!(id);
        }
        v
    }
}

/// The tags Telegram supports; anything else is refused like the real server does.
const SUPPORTED_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

/// Escapes text for inclusion in an HTML-mode message, the way a correct bot must.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice).
pub fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

struct OpenTag {
    name: String,
    byte: usize,
    start: usize,
    url: Option<String>,
    language: Option<String>,
    custom_emoji_id: Option<String>,
    expandable: bool,
    /// Set on a `pre` by an inner `<code class="language-…">`.
    pre_language: Option<String>,
}

/// Parses `parse_mode=HTML` text. `Err` holds Telegram-style wording of the first problem.
pub fn parse_html(src: &str) -> Result<ParsedHtml, String> {
    let bytes = src.as_bytes();
    let mut text = String::with_capacity(src.len());
    let mut pos16 = 0usize;
    let mut stack: Vec<OpenTag> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0usize;

    while i < bytes.len() {
        match bytes[i] {
            b'&' => {
                let (decoded, used) = decode_entity(src, i)?;
                pos16 += decoded.len_utf16();
                text.push(decoded);
                i += used;
            }
            b'>' => {
                return Err(format!(
                    "Unescaped \">\" at byte offset {i}: the fake server requires &gt; (Bot API docs)"
                ));
            }
            b'<' if bytes.get(i + 1) == Some(&b'/') => {
                let begin = i;
                i += 2;
                let name_start = i;
                while i < bytes.len() && is_name_byte(bytes[i]) {
                    i += 1;
                }
                let name = src[name_start..i].to_ascii_lowercase();
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] != b'>' {
                    return Err(format!("Unclosed end tag at byte offset {begin}"));
                }
                i += 1;
                let Some(open) = stack.pop() else {
                    return Err(format!("Unexpected end tag at byte offset {begin}"));
                };
                if open.name != name {
                    return Err(format!(
                        "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{name}>\"",
                        open.name
                    ));
                }
                close_tag(open, pos16, &mut stack, &mut entities);
            }
            b'<' => {
                let open = parse_start_tag(src, &mut i, pos16)?;
                stack.push(open);
            }
            _ => {
                let c = src[i..].chars().next().expect("in bounds");
                pos16 += c.len_utf16();
                text.push(c);
                i += c.len_utf8();
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.name
        ));
    }
    entities.sort_by(|a: &HtmlEntity, b| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
    Ok(ParsedHtml { text, entities })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn parse_start_tag(src: &str, i: &mut usize, pos16: usize) -> Result<OpenTag, String> {
    let bytes = src.as_bytes();
    let begin = *i;
    *i += 1;
    let name_start = *i;
    while *i < bytes.len() && is_name_byte(bytes[*i]) {
        *i += 1;
    }
    let name = src[name_start..*i].to_ascii_lowercase();
    if *i >= bytes.len() {
        return Err(format!("Unclosed start tag at byte offset {begin}"));
    }
    if !SUPPORTED_TAGS.contains(&name.as_str()) {
        return Err(format!(
            "Unsupported start tag \"{name}\" at byte offset {begin}"
        ));
    }
    let mut attrs: Vec<(String, String)> = Vec::new();
    loop {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
        if *i >= bytes.len() {
            return Err(format!("Unclosed start tag at byte offset {begin}"));
        }
        if bytes[*i] == b'>' {
            *i += 1;
            break;
        }
        let attr_start = *i;
        while *i < bytes.len() && is_name_byte(bytes[*i]) {
            *i += 1;
        }
        if attr_start == *i {
            return Err(format!(
                "Empty attribute name in the tag \"{name}\" at byte offset {}",
                *i
            ));
        }
        let attr = src[attr_start..*i].to_ascii_lowercase();
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
        let mut value = String::new();
        if *i < bytes.len() && bytes[*i] == b'=' {
            *i += 1;
            while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
                *i += 1;
            }
            let Some(&quote) = bytes.get(*i) else {
                return Err(format!("Unclosed start tag at byte offset {begin}"));
            };
            if quote != b'"' && quote != b'\'' {
                return Err(format!(
                    "Attribute \"{attr}\" of the tag \"{name}\" must be quoted at byte offset {}",
                    *i
                ));
            }
            *i += 1;
            let value_start = *i;
            let Some(len) = src[value_start..].find(quote as char) else {
                return Err(format!("Unclosed start tag at byte offset {begin}"));
            };
            value = decode_attribute(&src[value_start..value_start + len], value_start)?;
            *i = value_start + len + 1;
        }
        attrs.push((attr, value));
    }
    let attr = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let mut open = OpenTag {
        name: name.clone(),
        byte: begin,
        start: pos16,
        url: None,
        language: None,
        custom_emoji_id: None,
        expandable: false,
        pre_language: None,
    };
    match name.as_str() {
        "span" if attr("class").as_deref() != Some("tg-spoiler") => {
            return Err(format!(
                "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
            ));
        }
        "a" => open.url = attr("href"),
        "code" => {
            open.language = attr("class")
                .and_then(|c| c.strip_prefix("language-").map(str::to_owned))
                .filter(|l| !l.is_empty());
        }
        "blockquote" => open.expandable = attr("expandable").is_some(),
        "tg-emoji" => match attr("emoji-id").filter(|id| !id.is_empty()) {
            Some(id) => open.custom_emoji_id = Some(id),
            None => {
                return Err(format!(
                    "Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset {begin}"
                ));
            }
        },
        _ => {}
    }
    Ok(open)
}

fn close_tag(open: OpenTag, end: usize, stack: &mut [OpenTag], entities: &mut Vec<HtmlEntity>) {
    // `<pre><code class="language-x">` is one `pre` entity with a language, as in Telegram.
    if open.name == "code"
        && let Some(parent) = stack.last_mut()
        && parent.name == "pre"
    {
        if open.language.is_some() {
            parent.pre_language = open.language;
        }
        return;
    }
    let length = end - open.start;
    if length == 0 {
        // Telegram drops empty entities silently.
        return;
    }
    let kind = match open.name.as_str() {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "span" | "tg-spoiler" => "spoiler",
        "code" => "code",
        "pre" => "pre",
        "blockquote" if open.expandable => "expandable_blockquote",
        "blockquote" => "blockquote",
        "tg-emoji" => "custom_emoji",
        "a" => {
            // Telegram silently drops links it cannot use; teloxide would refuse to parse them.
            if let Some(url) = open.url.filter(|u| url::Url::parse(u).is_ok()) {
                entities.push(HtmlEntity {
                    kind: "text_link",
                    offset: open.start,
                    length,
                    url: Some(url),
                    language: None,
                    custom_emoji_id: None,
                });
            }
            return;
        }
        _ => unreachable!("only supported tags are opened (tag at byte {})", open.byte),
    };
    entities.push(HtmlEntity {
        kind,
        offset: open.start,
        length,
        url: None,
        language: if kind == "pre" {
            open.pre_language
        } else {
            None
        },
        custom_emoji_id: open.custom_emoji_id,
    });
}

/// Decodes `&…;` at byte `at`; returns the character and the bytes consumed.
fn decode_entity(src: &str, at: usize) -> Result<(char, usize), String> {
    let rest = &src[at..];
    let end = rest
        .char_indices()
        .take(12)
        .find(|&(_, c)| c == ';')
        .map(|(k, _)| k);
    let unescaped = || {
        format!(
            "Unsupported HTML entity or unescaped \"&\" at byte offset {at}: write &amp; (the fake server is strict)"
        )
    };
    let Some(end) = end else {
        return Err(unescaped());
    };
    let name = &rest[1..end];
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            };
            match code.filter(|&c| c != 0).and_then(char::from_u32) {
                Some(c) => c,
                None => return Err(unescaped()),
            }
        }
    };
    Ok((c, end + 1))
}

/// Attribute values may contain entities but no raw `<`, `>` or stray `&`.
fn decode_attribute(raw: &str, base: usize) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i..].chars().next().expect("in bounds");
        match c {
            '&' => {
                let (d, used) = decode_entity(raw, i).map_err(|_| {
                    format!(
                        "Unsupported HTML entity or unescaped \"&\" at byte offset {}: write &amp; (the fake server is strict)",
                        base + i
                    )
                })?;
                out.push(d);
                i += used;
            }
            '<' | '>' => {
                return Err(format!(
                    "Unescaped \"{c}\" in an attribute value at byte offset {}",
                    base + i
                ));
            }
            _ => {
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    Ok(out)
}
