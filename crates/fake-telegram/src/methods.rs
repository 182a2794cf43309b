//! The Bot API methods other than `getUpdates`, run synchronously under the state's lock.

use axum::body::Bytes;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::html::{parse_html, utf16_len};
use super::limits::{
    MAX_CALLBACK_ANSWER_LEN, MAX_CAPTION_LEN, MAX_DOWNLOAD_BYTES, MAX_TEXT_LEN, MAX_UPLOAD_BYTES,
    MEDIA_GROUP_ITEMS, is_valid_command_name, validate_reply_markup,
};
use super::request::{
    ApiErr, ApiResult, CHAT_ACTIONS, NOT_MODIFIED, Params, QUERY_TOO_OLD, SEND_METHODS, Upload,
};
use super::state::{State, StoredFile, unix_now};
use super::{CallbackAnswer, SentFile, SentKind, SentMessage};
use super::{inline, webhook};

// ---------------------------------------------------------------------------------------------
// The other methods (synchronous, under the lock)
// ---------------------------------------------------------------------------------------------

pub(crate) fn dispatch(st: &mut State, method: &str, p: &Params) -> ApiResult {
    if SEND_METHODS.contains(&method)
        && let Some(secs) = st.faults.take_burst()
    {
        return Err(ApiErr::retry(secs));
    }
    match method {
        "getMe" => Ok(st.me_json()),
        "getWebhookInfo" => Ok(webhook::webhook_info(st)),
        "setMyCommands" => set_my_commands(st, p),
        "getMyCommands" => {
            let key = scope_key(st, p)?;
            let commands = st.commands.get(&key).cloned().unwrap_or_default();
            Ok(Value::Array(
                commands
                    .into_iter()
                    .map(|(c, d)| json!({ "command": c, "description": d }))
                    .collect(),
            ))
        }
        "deleteMyCommands" => {
            let key = scope_key(st, p)?;
            st.commands.remove(&key);
            Ok(json!(true))
        }
        "sendMessage" => send_message(st, p),
        "sendPhoto" => send_media(st, p, "photo"),
        "sendDocument" => send_media(st, p, "document"),
        "sendMediaGroup" => send_media_group(st, p),
        "editMessageText" => edit_message_text(st, p),
        "editMessageReplyMarkup" => edit_message_reply_markup(st, p),
        "editMessageCaption" => edit_message_caption(st, p),
        "deleteMessage" => delete_message(st, p),
        "answerCallbackQuery" => answer_callback_query(st, p),
        "answerInlineQuery" => inline::answer_inline_query(st, p),
        "getFile" => get_file(st, p),
        "sendChatAction" => {
            let _chat = resolve_chat(st, p)?;
            let action = p.str("action").unwrap_or_default();
            if !CHAT_ACTIONS.contains(&action.as_str()) {
                return Err(ApiErr::bad("wrong parameter action in request"));
            }
            Ok(json!(true))
        }
        other => unreachable!("method {other} is listed but not dispatched"),
    }
}

/// "chat not found" for a chat that never talked to the bot; 403 for a user who blocked it.
fn resolve_chat(st: &State, p: &Params) -> Result<i64, ApiErr> {
    let chat_id = match p.get("chat_id") {
        None => return Err(ApiErr::bad("chat_id is empty")),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    // `@username` chat ids and anything unknown: the fake knows no public chats.
    let Some(chat_id) = chat_id.filter(|id| st.is_known_chat(*id)) else {
        return Err(ApiErr::bad("chat not found"));
    };
    if st.blocked.contains(&chat_id) {
        return Err(ApiErr::new(403, "Forbidden: bot was blocked by the user"));
    }
    Ok(chat_id)
}

/// Text or caption after `parse_mode`; `Err` for refused markup.
pub(crate) fn parse_text(
    raw: &str,
    parse_mode: Option<&str>,
) -> Result<(String, Vec<Value>), ApiErr> {
    match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok((raw.to_owned(), Vec::new())),
        Some("html") => parse_html(raw)
            .map(|parsed| {
                let entities = parsed.entities.iter().map(|e| e.to_json()).collect();
                (parsed.text, entities)
            })
            .map_err(|e| ApiErr::bad(format!("can't parse entities: {e}"))),
        // The bot uses HTML only (the Telegram contract, docs/architecture.md); refusing Markdown keeps one strict parser honest.
        Some("markdown") | Some("markdownv2") => Err(ApiErr::bad(format!(
            "can't parse entities: parse_mode {:?} is not supported by the fake Telegram server, use HTML",
            parse_mode.unwrap_or_default()
        ))),
        Some(_) => Err(ApiErr::bad("unsupported parse_mode")),
    }
}

/// An empty inline keyboard is the same as none, as Telegram shows it.
fn effective_markup(markup: &Option<Value>) -> Option<&Value> {
    markup.as_ref().filter(|m| {
        !m.get("inline_keyboard")
            .and_then(Value::as_array)
            .is_some_and(|rows| rows.iter().all(|r| r.as_array().is_none_or(Vec::is_empty)))
    })
}

fn checked_markup(p: &Params, chat_id: i64, edit: bool) -> Result<Option<Value>, ApiErr> {
    let markup = p.json("reply_markup")?;
    if let Some(m) = &markup {
        validate_reply_markup(m, chat_id > 0, edit)?;
    }
    Ok(markup)
}

fn admit(st: &mut State, chat_id: i64, items: usize) -> Result<(), ApiErr> {
    st.limiter
        .admit(chat_id, items, Instant::now())
        .map_err(ApiErr::retry)
}

/// Only inline keyboards appear in a `Message`; reply keyboards live on the person's screen.
fn set_markup_json(json: &mut Value, markup: &Option<Value>) {
    let obj = json.as_object_mut().expect("message is an object");
    match effective_markup(markup).filter(|m| m.get("inline_keyboard").is_some()) {
        Some(m) => {
            obj.insert("reply_markup".into(), m.clone());
        }
        None => {
            obj.remove("reply_markup");
        }
    }
}

fn set_text_json(
    json: &mut Value,
    text_key: &str,
    entities_key: &str,
    text: &str,
    entities: &[Value],
) {
    let obj = json.as_object_mut().expect("message is an object");
    obj.insert(text_key.into(), json!(text));
    if entities.is_empty() {
        obj.remove(entities_key);
    } else {
        obj.insert(entities_key.into(), json!(entities));
    }
}

/// The message a send replies to (`reply_parameters`, or the older `reply_to_message_id`).
/// Telegram refuses a reply to a message that is not there unless told to send anyway.
fn reply_target(st: &State, p: &Params, chat_id: i64) -> Result<Option<(i64, Value)>, ApiErr> {
    let (message_id, allow_missing) = match p.json("reply_parameters")? {
        Some(rp) => (
            rp.get("message_id").and_then(Value::as_i64),
            rp.get("allow_sending_without_reply")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        None => (
            p.i64("reply_to_message_id")?,
            p.bool("allow_sending_without_reply"),
        ),
    };
    let Some(message_id) = message_id else {
        return Ok(None);
    };
    match st.message(chat_id, message_id).filter(|m| !m.deleted) {
        Some(m) => {
            // Telegram does not nest replies inside `reply_to_message`.
            let mut json = m.json.clone();
            if let Some(obj) = json.as_object_mut() {
                obj.remove("reply_to_message");
            }
            Ok(Some((message_id, json)))
        }
        None if allow_missing => Ok(None),
        None => Err(ApiErr::bad("message to be replied not found")),
    }
}

fn set_reply_json(json: &mut Value, reply: &Option<(i64, Value)>) {
    if let Some((_, replied)) = reply {
        json["reply_to_message"] = replied.clone();
    }
}

fn send_message(st: &mut State, p: &Params) -> ApiResult {
    let chat_id = resolve_chat(st, p)?;
    let raw = p.str("text").unwrap_or_default();
    let parse_mode = p.str("parse_mode");
    let (plain, mut entities) = parse_text(&raw, parse_mode.as_deref())?;
    if plain.trim().is_empty() {
        return Err(ApiErr::bad("message text is empty"));
    }
    if utf16_len(&plain) > MAX_TEXT_LEN {
        return Err(ApiErr::bad("message is too long"));
    }
    if parse_mode.is_none()
        && let Some(Value::Array(given)) = p.json("entities")?
    {
        entities = given;
    }
    let markup = checked_markup(p, chat_id, false)?;
    let reply = reply_target(st, p, chat_id)?;
    admit(st, chat_id, 1)?;
    let message_id = st.next_message_id(chat_id);
    let mut json = st.bot_message_base(chat_id, message_id);
    set_text_json(&mut json, "text", "entities", &plain, &entities);
    set_markup_json(&mut json, &markup);
    set_reply_json(&mut json, &reply);
    let sent = SentMessage {
        message_id,
        chat_id,
        kind: SentKind::Text,
        text: Some(raw),
        caption: None,
        plain_text: plain,
        entities,
        parse_mode,
        reply_markup: markup,
        file: None,
        media_group_id: None,
        reply_to_message_id: reply.as_ref().map(|(id, _)| *id),
        edit_count: 0,
        deleted: false,
        date: json["date"].as_i64().unwrap_or_default(),
    };
    st.store_message(chat_id, message_id, json.clone(), Some(sent));
    Ok(json)
}

struct Caption {
    raw: Option<String>,
    plain: String,
    entities: Vec<Value>,
    parse_mode: Option<String>,
}

fn parse_caption(raw: Option<String>, parse_mode: Option<String>) -> Result<Caption, ApiErr> {
    let (plain, entities) = match &raw {
        Some(raw) => parse_text(raw, parse_mode.as_deref())?,
        None => (String::new(), Vec::new()),
    };
    if utf16_len(&plain) > MAX_CAPTION_LEN {
        return Err(ApiErr::bad("message caption is too long"));
    }
    Ok(Caption {
        raw,
        plain,
        entities,
        parse_mode,
    })
}

/// A file named in a request: an upload (`attach://…` or a part named like the field), a known
/// `file_id`, or a URL (which the fake cannot fetch).
enum InputFile {
    Upload {
        bytes: Bytes,
        file_name: Option<String>,
        content_type: Option<String>,
    },
    Known(StoredFile),
}

fn resolve_input_file(
    st: &State,
    p: &Params,
    field: &str,
    reference: Option<&str>,
) -> Result<InputFile, ApiErr> {
    let upload = |u: &Upload| {
        if u.bytes.is_empty() {
            return Err(ApiErr::bad("file must be non-empty"));
        }
        if u.bytes.len() > MAX_UPLOAD_BYTES {
            return Err(ApiErr::new(413, "Request Entity Too Large"));
        }
        Ok(InputFile::Upload {
            bytes: u.bytes.clone(),
            file_name: u.file_name.clone(),
            content_type: u.content_type.clone(),
        })
    };
    let reference = match reference {
        Some(r) => r.to_owned(),
        None => match p.str(field) {
            Some(r) => r,
            None => match p.files.get(field) {
                Some(u) => return upload(u),
                None => return Err(ApiErr::bad(format!("there is no {field} in the request"))),
            },
        },
    };
    if let Some(part) = reference.strip_prefix("attach://") {
        return match p.files.get(part) {
            Some(u) => upload(u),
            None => Err(ApiErr::bad("can't parse InputMedia: media not found")),
        };
    }
    if reference.starts_with("http://") || reference.starts_with("https://") {
        return Err(ApiErr::bad(
            "failed to get HTTP URL content (the fake server cannot download URLs)",
        ));
    }
    match st.files.get(&reference) {
        Some(f) => Ok(InputFile::Known(f.clone())),
        None => Err(ApiErr::bad("wrong file identifier/HTTP URL specified")),
    }
}

fn guess_mime(file_name: Option<&str>) -> Option<String> {
    let ext = file_name?.rsplit_once('.')?.1.to_ascii_lowercase();
    let mime = match ext.as_str() {
        "pdf" => "application/pdf",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xls" => "application/vnd.ms-excel",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "json" => "application/json",
        "zip" => "application/zip",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => "application/octet-stream",
    };
    Some(mime.to_owned())
}

fn extension_of(file_name: Option<&str>) -> String {
    file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| format!(".{}", ext.to_ascii_lowercase()))
        .unwrap_or_default()
}

/// Stores a photo or document for a message; returns the message field's JSON and the file.
fn materialise(st: &mut State, kind: &str, input: InputFile) -> (Value, SentFile) {
    let stored = match (kind, input) {
        ("photo", InputFile::Known(f)) => {
            let size = json!([{
                "file_id": f.file_id, "file_unique_id": f.file_unique_id,
                "file_size": f.bytes.len(), "width": 1280, "height": 960
            }]);
            return (size, sent_file(&f));
        }
        (
            "photo",
            InputFile::Upload {
                bytes, file_name, ..
            },
        ) => {
            let (sizes, largest) = st.store_photo(bytes, file_name);
            return (sizes, sent_file(&largest));
        }
        (_, InputFile::Known(f)) => f,
        (
            _,
            InputFile::Upload {
                bytes,
                file_name,
                content_type,
            },
        ) => {
            let mime = content_type
                .filter(|c| c != "application/octet-stream")
                .or_else(|| guess_mime(file_name.as_deref()));
            let extension = extension_of(file_name.as_deref());
            st.store_file("documents", "BQAC", &extension, bytes, file_name, mime)
        }
    };
    (State::document_json(&stored), sent_file(&stored))
}

fn sent_file(f: &StoredFile) -> SentFile {
    SentFile {
        file_id: f.file_id.clone(),
        file_unique_id: f.file_unique_id.clone(),
        file_name: f.file_name.clone(),
        mime_type: f.mime_type.clone(),
        bytes: f.bytes.to_vec(),
    }
}

fn send_media(st: &mut State, p: &Params, kind: &'static str) -> ApiResult {
    let chat_id = resolve_chat(st, p)?;
    let caption = parse_caption(p.str("caption"), p.str("parse_mode"))?;
    let markup = checked_markup(p, chat_id, false)?;
    let input = resolve_input_file(st, p, kind, None)?;
    let reply = reply_target(st, p, chat_id)?;
    admit(st, chat_id, 1)?;
    let (media_json, file) = materialise(st, kind, input);
    let message_id = st.next_message_id(chat_id);
    let mut json = st.bot_message_base(chat_id, message_id);
    json[kind] = media_json;
    if caption.raw.is_some() {
        set_text_json(
            &mut json,
            "caption",
            "caption_entities",
            &caption.plain,
            &caption.entities,
        );
    }
    set_markup_json(&mut json, &markup);
    set_reply_json(&mut json, &reply);
    let sent = SentMessage {
        message_id,
        chat_id,
        kind: if kind == "photo" {
            SentKind::Photo
        } else {
            SentKind::Document
        },
        text: None,
        caption: caption.raw,
        plain_text: caption.plain,
        entities: caption.entities,
        parse_mode: caption.parse_mode,
        reply_markup: markup,
        file: Some(file),
        media_group_id: None,
        reply_to_message_id: reply.as_ref().map(|(id, _)| *id),
        edit_count: 0,
        deleted: false,
        date: json["date"].as_i64().unwrap_or_default(),
    };
    st.store_message(chat_id, message_id, json.clone(), Some(sent));
    Ok(json)
}

fn send_media_group(st: &mut State, p: &Params) -> ApiResult {
    let chat_id = resolve_chat(st, p)?;
    let media = p.json("media")?.unwrap_or(Value::Null);
    let items = match media {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        _ => return Err(ApiErr::bad("can't parse media JSON object")),
    };
    if items.is_empty() {
        return Err(ApiErr::bad("there are no messages to send"));
    }
    if items.len() > *MEDIA_GROUP_ITEMS.end() {
        return Err(ApiErr::bad("too many messages to send as an album"));
    }
    if items.len() < *MEDIA_GROUP_ITEMS.start() {
        // Telegram would send a lone item as an ordinary message; the Telegram contract (docs/architecture.md) holds the bot to 2–10.
        return Err(ApiErr::bad(
            "media group must include 2-10 items (the fake server refuses a one-item album)",
        ));
    }
    let mut prepared = Vec::new();
    for item in &items {
        let media_type = item.get("type").and_then(Value::as_str).unwrap_or_default();
        if media_type != "photo" && media_type != "document" {
            return Err(ApiErr::bad(format!(
                "can't parse InputMedia: type \"{media_type}\" is not supported by the fake server"
            )));
        }
        let reference = item
            .get("media")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let input = resolve_input_file(st, p, media_type, Some(reference))?;
        let caption = parse_caption(
            item.get("caption")
                .and_then(Value::as_str)
                .map(str::to_owned),
            item.get("parse_mode")
                .and_then(Value::as_str)
                .map(str::to_owned),
        )?;
        prepared.push((media_type.to_owned(), input, caption));
    }
    let documents = prepared.iter().filter(|(t, ..)| t == "document").count();
    if documents != 0 && documents != prepared.len() {
        return Err(ApiErr::bad(
            "document can't be mixed with other media types",
        ));
    }
    let reply = reply_target(st, p, chat_id)?;
    admit(st, chat_id, prepared.len())?;
    st.media_group_counter += 1;
    let group_id = format!("1337{:010}", st.media_group_counter);
    let mut out = Vec::new();
    for (media_type, input, caption) in prepared {
        let kind: &'static str = if media_type == "photo" {
            "photo"
        } else {
            "document"
        };
        let (media_json, file) = materialise(st, kind, input);
        let message_id = st.next_message_id(chat_id);
        let mut json = st.bot_message_base(chat_id, message_id);
        json["media_group_id"] = json!(group_id);
        set_reply_json(&mut json, &reply);
        json[kind] = media_json;
        if caption.raw.is_some() {
            set_text_json(
                &mut json,
                "caption",
                "caption_entities",
                &caption.plain,
                &caption.entities,
            );
        }
        let sent = SentMessage {
            message_id,
            chat_id,
            kind: SentKind::MediaGroupItem { media_type },
            text: None,
            caption: caption.raw,
            plain_text: caption.plain,
            entities: caption.entities,
            parse_mode: caption.parse_mode,
            reply_markup: None,
            file: Some(file),
            media_group_id: Some(group_id.clone()),
            reply_to_message_id: reply.as_ref().map(|(id, _)| *id),
            edit_count: 0,
            deleted: false,
            date: json["date"].as_i64().unwrap_or_default(),
        };
        st.store_message(chat_id, message_id, json.clone(), Some(sent));
        out.push(json);
    }
    Ok(Value::Array(out))
}

/// Finds a live message of the bot for an edit; Telegram's wording for each way it can fail.
fn editable(st: &State, p: &Params) -> Result<(i64, i64, SentMessage), ApiErr> {
    if p.get("inline_message_id").is_some() {
        return Err(ApiErr::bad(
            "inline messages are not supported by the fake server",
        ));
    }
    let chat_id = resolve_chat(st, p)?;
    let Some(message_id) = p.i64("message_id")? else {
        return Err(ApiErr::bad("message identifier is not specified"));
    };
    let stored = st
        .message(chat_id, message_id)
        .filter(|m| !m.deleted)
        .ok_or_else(|| ApiErr::bad("message to edit not found"))?;
    let sent = stored
        .sent
        .clone()
        .ok_or_else(|| ApiErr::bad("message can't be edited"))?;
    Ok((chat_id, message_id, sent))
}

fn save_edit(
    st: &mut State,
    chat_id: i64,
    message_id: i64,
    sent: SentMessage,
    json_update: impl FnOnce(&mut Value),
) -> ApiResult {
    let stored = st
        .message_mut(chat_id, message_id)
        .expect("message checked by editable()");
    json_update(&mut stored.json);
    stored.json["edit_date"] = json!(unix_now());
    stored.sent = Some(SentMessage {
        edit_count: sent.edit_count + 1,
        ..sent
    });
    Ok(stored.json.clone())
}

fn edit_message_text(st: &mut State, p: &Params) -> ApiResult {
    let (chat_id, message_id, sent) = editable(st, p)?;
    if sent.kind != SentKind::Text {
        return Err(ApiErr::bad("there is no text in the message to edit"));
    }
    let raw = p.str("text").unwrap_or_default();
    let parse_mode = p.str("parse_mode");
    let (plain, entities) = parse_text(&raw, parse_mode.as_deref())?;
    if plain.trim().is_empty() {
        return Err(ApiErr::bad("message text is empty"));
    }
    if utf16_len(&plain) > MAX_TEXT_LEN {
        return Err(ApiErr::bad("MESSAGE_TOO_LONG"));
    }
    // Editing without reply_markup removes the inline keyboard, as on Telegram.
    let markup = checked_markup(p, chat_id, true)?;
    if plain == sent.plain_text
        && entities == sent.entities
        && effective_markup(&markup) == effective_markup(&sent.reply_markup)
    {
        return Err(ApiErr::bad(NOT_MODIFIED));
    }
    let new = SentMessage {
        text: Some(raw),
        plain_text: plain.clone(),
        entities: entities.clone(),
        parse_mode,
        reply_markup: markup.clone(),
        ..sent
    };
    save_edit(st, chat_id, message_id, new, |json| {
        set_text_json(json, "text", "entities", &plain, &entities);
        set_markup_json(json, &markup);
    })
}

fn edit_message_reply_markup(st: &mut State, p: &Params) -> ApiResult {
    let (chat_id, message_id, sent) = editable(st, p)?;
    let markup = checked_markup(p, chat_id, true)?;
    if effective_markup(&markup) == effective_markup(&sent.reply_markup) {
        return Err(ApiErr::bad(NOT_MODIFIED));
    }
    let new = SentMessage {
        reply_markup: markup.clone(),
        ..sent
    };
    save_edit(st, chat_id, message_id, new, |json| {
        set_markup_json(json, &markup)
    })
}

fn edit_message_caption(st: &mut State, p: &Params) -> ApiResult {
    let (chat_id, message_id, sent) = editable(st, p)?;
    if sent.kind == SentKind::Text {
        return Err(ApiErr::bad("there is no caption in the message to edit"));
    }
    let caption = parse_caption(p.str("caption"), p.str("parse_mode"))?;
    let markup = checked_markup(p, chat_id, true)?;
    if caption.plain == sent.plain_text
        && caption.entities == sent.entities
        && effective_markup(&markup) == effective_markup(&sent.reply_markup)
    {
        return Err(ApiErr::bad(NOT_MODIFIED));
    }
    let (plain, entities) = (caption.plain.clone(), caption.entities.clone());
    let new = SentMessage {
        caption: caption.raw,
        plain_text: caption.plain,
        entities: caption.entities,
        parse_mode: caption.parse_mode,
        reply_markup: markup.clone(),
        ..sent
    };
    save_edit(st, chat_id, message_id, new, |json| {
        set_text_json(json, "caption", "caption_entities", &plain, &entities);
        set_markup_json(json, &markup);
    })
}

fn delete_message(st: &mut State, p: &Params) -> ApiResult {
    let chat_id = resolve_chat(st, p)?;
    let Some(message_id) = p.i64("message_id")? else {
        return Err(ApiErr::bad("message identifier is not specified"));
    };
    let stored = st
        .message_mut(chat_id, message_id)
        .filter(|m| !m.deleted)
        .ok_or_else(|| ApiErr::bad("message to delete not found"))?;
    stored.deleted = true;
    if let Some(sent) = stored.sent.as_mut() {
        sent.deleted = true;
    }
    Ok(json!(true))
}

fn answer_callback_query(st: &mut State, p: &Params) -> ApiResult {
    let id = p.str("callback_query_id").unwrap_or_default();
    let ttl = st.callback_query_ttl;
    let query = st
        .queries
        .get_mut(&id)
        .filter(|q| !q.answered && q.created.elapsed() <= ttl)
        .ok_or_else(|| ApiErr::bad(QUERY_TOO_OLD))?;
    let text = p.str("text");
    if text
        .as_deref()
        .is_some_and(|t| utf16_len(t) > MAX_CALLBACK_ANSWER_LEN)
    {
        return Err(ApiErr::bad("MESSAGE_TOO_LONG"));
    }
    query.answered = true;
    let answer = CallbackAnswer {
        callback_query_id: id,
        text,
        show_alert: p.bool("show_alert"),
        url: p.str("url"),
        from_user_id: query.from,
        data: query.data.clone(),
        chat_id: query.chat_id,
        message_id: query.message_id,
    };
    st.answers.push(answer);
    Ok(json!(true))
}

fn get_file(st: &mut State, p: &Params) -> ApiResult {
    let Some(file_id) = p.str("file_id").filter(|f| !f.is_empty()) else {
        return Err(ApiErr::bad("file_id not specified"));
    };
    let file = st
        .files
        .get(&file_id)
        .ok_or_else(|| ApiErr::bad("invalid file_id"))?;
    if file.bytes.len() > MAX_DOWNLOAD_BYTES {
        return Err(ApiErr::bad("file is too big"));
    }
    Ok(file.file_json())
}

/// Telegram's scope resolution key; a chat scope needs a chat the bot knows.
fn scope_key(st: &State, p: &Params) -> Result<(String, String), ApiErr> {
    let language = p.str("language_code").unwrap_or_default();
    let scope = p
        .json("scope")?
        .unwrap_or_else(|| json!({ "type": "default" }));
    let kind = scope
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let chat = || -> Result<i64, ApiErr> {
        let id = match scope.get("chat_id") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        id.filter(|id| st.is_known_chat(*id))
            .ok_or_else(|| ApiErr::bad("chat not found"))
    };
    let key = match kind {
        "default" | "all_private_chats" | "all_group_chats" | "all_chat_administrators" => {
            kind.to_owned()
        }
        "chat" => format!("chat:{}", chat()?),
        "chat_administrators" => format!("chat_administrators:{}", chat()?),
        "chat_member" => {
            let user = scope
                .get("user_id")
                .and_then(Value::as_i64)
                .ok_or_else(|| ApiErr::bad("user not found"))?;
            format!("chat_member:{}:{user}", chat()?)
        }
        _ => return Err(ApiErr::bad("can't parse BotCommandScope JSON object")),
    };
    Ok((key, language))
}

fn set_my_commands(st: &mut State, p: &Params) -> ApiResult {
    let commands = match p.json("commands")? {
        Some(Value::Array(c)) => c,
        Some(_) => return Err(ApiErr::bad("can't parse commands JSON object")),
        None => return Err(ApiErr::bad("parameter \"commands\" is required")),
    };
    if commands.len() > 100 {
        return Err(ApiErr::bad("too many commands"));
    }
    let mut list = Vec::new();
    for c in &commands {
        let name = c.get("command").and_then(Value::as_str).unwrap_or_default();
        let description = c
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // Telegram tolerates a leading slash; the name itself must be valid.
        let name = name.strip_prefix('/').unwrap_or(name);
        if !is_valid_command_name(name) {
            return Err(ApiErr::bad("BOT_COMMAND_INVALID"));
        }
        if description.trim().is_empty() || utf16_len(description) > 256 {
            return Err(ApiErr::bad("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        list.push((name.to_owned(), description.to_owned()));
    }
    let key = scope_key(st, p)?;
    if list.is_empty() {
        st.commands.remove(&key);
    } else {
        st.commands.insert(key, list);
    }
    Ok(json!(true))
}
