//! Request decoding: Bot API error answers, the methods the fake knows, and a request's
//! parameters, normalised so one call looks the same whichever encoding the client used.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use serde_json::{Map, Value, json};

use super::limits::MAX_UPLOAD_BYTES;

/// A Bot API error answer.
#[derive(Clone, Debug)]
pub(crate) struct ApiErr {
    pub status: u16,
    pub description: String,
    pub retry_after: Option<u32>,
}

impl ApiErr {
    pub fn new(status: u16, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 400 with Telegram's `Bad Request: ` prefix.
    pub fn bad(description: impl Into<String>) -> Self {
        Self::new(400, format!("Bad Request: {}", description.into()))
    }

    pub fn retry(secs: u32) -> Self {
        Self {
            status: 429,
            description: format!("Too Many Requests: retry after {secs}"),
            retry_after: Some(secs),
        }
    }

    pub(crate) fn body(&self) -> Value {
        let mut body = json!({
            "ok": false,
            "error_code": self.status,
            "description": self.description,
        });
        if let Some(secs) = self.retry_after {
            body["parameters"] = json!({ "retry_after": secs });
        }
        body
    }
}

pub(crate) type ApiResult = Result<Value, ApiErr>;

pub(crate) const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
pub(crate) const QUERY_TOO_OLD: &str =
    "query is too old and response timeout expired or query ID is invalid";
pub(crate) const TERMINATED: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";
pub(crate) const TERMINATED_BY_SET_WEBHOOK: &str = "Conflict: terminated by setWebhook request";
pub(crate) const WEBHOOK_ACTIVE: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

/// Methods the fake implements, spelled as Telegram documents them (lookup is case-insensitive).
pub(crate) const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "getWebhookInfo",
    "setWebhook",
    "deleteWebhook",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "answerCallbackQuery",
    "answerInlineQuery",
    "sendPhoto",
    "sendMediaGroup",
    "sendDocument",
    "getFile",
    "sendChatAction",
    "deleteMessage",
];

/// Methods that deliver a message and so count towards rate limits and `burst_429`.
pub(crate) const SEND_METHODS: &[&str] =
    &["sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"];

pub(crate) const CHAT_ACTIONS: &[&str] = &[
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
];

/// Fields that arrive as strings in form encodings but are integers in the Bot API.
const INT_FIELDS: &[&str] = &[
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "user_id",
    "cache_time",
    "message_thread_id",
    "reply_to_message_id",
    "max_connections",
];
const BOOL_FIELDS: &[&str] = &[
    "show_alert",
    "disable_notification",
    "protect_content",
    "drop_pending_updates",
    "disable_content_type_detection",
    "has_spoiler",
    "allow_sending_without_reply",
    "disable_web_page_preview",
    "show_caption_above_media",
    "is_personal",
];
/// Fields that carry JSON-serialised objects in form encodings (teloxide does this for multipart).
const JSON_FIELDS: &[&str] = &[
    "reply_markup",
    "media",
    "entities",
    "caption_entities",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "results",
    "button",
];

pub(crate) struct Upload {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// Request parameters, normalised so one call looks the same whichever encoding the client used.
pub(crate) struct Params {
    pub fields: Map<String, Value>,
    pub files: HashMap<String, Upload>,
}

impl Params {
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn str(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub(crate) fn i64(&self, key: &str) -> Result<Option<i64>, ApiErr> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiErr::bad(format!("field \"{key}\" must be of type Integer"))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiErr::bad(format!("field \"{key}\" must be of type Integer"))),
            Some(_) => Err(ApiErr::bad(format!(
                "field \"{key}\" must be of type Integer"
            ))),
        }
    }

    pub(crate) fn bool(&self, key: &str) -> bool {
        match self.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    /// A field that must hold JSON; strings that are not valid JSON are refused as Telegram does.
    pub(crate) fn json(&self, key: &str) -> Result<Option<Value>, ApiErr> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s).map(Some).map_err(|_| {
                if key == "reply_markup" {
                    ApiErr::bad("can't parse reply keyboard markup JSON object")
                } else {
                    ApiErr::bad(format!("can't parse {key} JSON object"))
                }
            }),
            Some(v) => Ok(Some(v.clone())),
        }
    }

    /// What the request log shows: fields, and uploaded files as name and size.
    pub(crate) fn to_record(&self) -> Value {
        let mut fields = self.fields.clone();
        for (name, upload) in &self.files {
            fields.insert(name.clone(), upload_summary(upload, name));
        }
        for value in fields.values_mut() {
            if let Some(name) = value.as_str().and_then(|s| s.strip_prefix("attach://"))
                && let Some(upload) = self.files.get(name)
            {
                *value = upload_summary(upload, name);
            }
        }
        Value::Object(fields)
    }
}

fn upload_summary(upload: &Upload, part: &str) -> Value {
    json!({ "attach": part, "file_name": upload.file_name, "size": upload.bytes.len() })
}

fn normalise(fields: &mut Map<String, Value>) {
    for (key, value) in fields.iter_mut() {
        let Value::String(s) = value else { continue };
        if INT_FIELDS.contains(&key.as_str()) {
            if let Ok(n) = s.trim().parse::<i64>() {
                *value = json!(n);
            }
        } else if BOOL_FIELDS.contains(&key.as_str()) {
            match s.as_str() {
                "true" => *value = json!(true),
                "false" => *value = json!(false),
                _ => {}
            }
        } else if JSON_FIELDS.contains(&key.as_str())
            && let Ok(parsed) = serde_json::from_str::<Value>(s)
            && (parsed.is_object() || parsed.is_array())
        {
            *value = parsed;
        }
    }
}

pub(crate) async fn read_params(req: Request, query: Option<&str>) -> Result<Params, ApiErr> {
    let mut fields = Map::new();
    let mut files = HashMap::new();
    if let Some(q) = query {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            fields.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_large = || ApiErr::new(413, "Request Entity Too Large");
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, &())
            .await
            .map_err(|e| ApiErr::bad(format!("can't parse multipart/form-data: {e}")))?;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(e) => return Err(ApiErr::bad(format!("can't parse multipart/form-data: {e}"))),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(e) => return Err(ApiErr::bad(format!("can't parse multipart/form-data: {e}"))),
            };
            if file_name.is_some() {
                files.insert(
                    name,
                    Upload {
                        file_name: file_name.filter(|n| !n.is_empty()),
                        content_type,
                        bytes,
                    },
                );
            } else {
                fields.insert(
                    name,
                    Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                );
            }
        }
    } else {
        let body = axum::body::to_bytes(req.into_body(), MAX_UPLOAD_BYTES)
            .await
            .map_err(|_| too_large())?;
        if !body.is_empty() {
            if content_type.starts_with("application/json") {
                let value: Value = serde_json::from_slice(&body)
                    .map_err(|_| ApiErr::bad("can't parse JSON encoded request parameters"))?;
                match value {
                    Value::Object(map) => fields.extend(map),
                    _ => return Err(ApiErr::bad("can't parse JSON encoded request parameters")),
                }
            } else if content_type.starts_with("application/x-www-form-urlencoded") {
                for (k, v) in url::form_urlencoded::parse(&body) {
                    fields.insert(k.into_owned(), Value::String(v.into_owned()));
                }
            }
        }
    }
    normalise(&mut fields);
    Ok(Params { fields, files })
}
