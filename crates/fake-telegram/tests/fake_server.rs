//! Tests of the fake Telegram server itself: each rule of the Telegram contract (docs/architecture.md) produces Telegram's answer,
//! and a real teloxide `Bot` understands that answer as the matching `RequestError`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    AllowedUpdate, BotCommand, BotCommandScope, CallbackQueryId, ChatAction, ChatType, FileId,
    InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryId, InlineQueryResult,
    InlineQueryResultArticle, InputFile, InputMedia, InputMediaDocument, InputMediaPhoto,
    InputMessageContent, InputMessageContentText, KeyboardButton, KeyboardMarkup,
    LinkPreviewOptions, MessageEntityKind, MessageId, ParseMode, Recipient, ReplyParameters,
    UpdateKind,
};
use teloxide::{ApiError, RequestError};
use tokio::time::Instant;

use fake_telegram::{
    BOT_ID, Config, FakeTelegram, MAX_DOWNLOAD_BYTES, RateLimiter, SECRET_HEADER, SentKind, TOKEN,
    User, escape_html, parse_html, start_command, utf16_len,
};

// ----- helpers -----------------------------------------------------------------------------------

fn api_error(result: Result<impl std::fmt::Debug, RequestError>) -> ApiError {
    match result {
        Err(RequestError::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn unknown(result: Result<impl std::fmt::Debug, RequestError>) -> String {
    match api_error(result) {
        ApiError::Unknown(description) => description,
        other => panic!("expected ApiError::Unknown, got {other:?}"),
    }
}

fn cant_parse(result: Result<impl std::fmt::Debug, RequestError>) -> String {
    match api_error(result) {
        ApiError::CantParseEntities(description) => description,
        other => panic!("expected ApiError::CantParseEntities, got {other:?}"),
    }
}

/// A person who has written `/start`, so the bot may message them.
fn started(fake: &FakeTelegram, id: i64, name: &str) -> User {
    let user = fake.user(id, name);
    fake.send_text(&user, "/start");
    user
}

/// A fake without rate limits, for tests that send several messages to one chat.
async fn unthrottled() -> FakeTelegram {
    let fake = FakeTelegram::start().await;
    fake.set_limits(0, 0);
    fake
}

/// Calls a method with a raw JSON body, for requests teloxide's types cannot express.
async fn raw(fake: &FakeTelegram, method: &str, body: Value) -> (u16, Value) {
    let url = format!("{}/bot{TOKEN}/{method}", fake.base_url());
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn keyboard(buttons: &[(&str, &str)]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(
        buttons
            .iter()
            .map(|(label, data)| vec![InlineKeyboardButton::callback(*label, *data)]),
    )
}

async fn only_update(bot: &Bot) -> teloxide::types::Update {
    let mut updates = bot.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 1, "{updates:?}");
    let update = updates.pop().unwrap();
    bot.get_updates()
        .offset(update.id.as_offset())
        .timeout(0)
        .await
        .expect("confirm");
    update
}

fn message_of(update: teloxide::types::Update) -> Message {
    match update.kind {
        UpdateKind::Message(m) => m,
        other => panic!("expected a message update, got {other:?}"),
    }
}

// ----- URL scheme, encodings, tokens --------------------------------------------------------------

#[tokio::test]
async fn get_me_describes_the_bot() {
    let fake = FakeTelegram::start().await;
    let me = fake.bot().get_me().await.expect("getMe");
    assert_eq!(me.id.0 as i64, BOT_ID);
    assert!(me.is_bot);
    assert_eq!(me.username(), fake.bot_username());
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_unknown_method_is_not_found() {
    let fake = FakeTelegram::start().await;
    let stranger = Bot::new("999:not-the-token").set_api_url(fake.api_url());
    assert_eq!(api_error(stranger.get_me().await), ApiError::InvalidToken);
    assert_eq!(fake.requests_for("getMe")[0].status, 401);

    let (status, body) = raw(&fake, "sendTelepathy", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 404, "description": "Not Found"})
    );
}

#[tokio::test]
async fn form_query_string_and_case_insensitive_methods_are_accepted() {
    let fake = unthrottled().await;
    started(&fake, 42, "Ann");
    let client = reqwest::Client::new();
    let form = client
        .post(format!("{}/bot{TOKEN}/SENDMESSAGE", fake.base_url()))
        .form(&[("chat_id", "42"), ("text", "from a form")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let query = client
        .get(format!(
            "{}/bot{TOKEN}/sendmessage?chat_id=42&text=from%20a%20query",
            fake.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(query.status(), 200);
    assert_eq!(fake.plain_texts(42), ["from a form", "from a query"]);
    let recorded = fake.requests_for("sendMessage");
    assert_eq!(recorded.len(), 2);
    assert!(recorded.iter().all(|r| r.method == "sendMessage"));
    assert_eq!(
        recorded[0].params["chat_id"],
        json!(42),
        "integers are typed"
    );
}

// ----- chats, blocking, message objects -------------------------------------------------------

#[tokio::test]
async fn sending_needs_a_person_who_started_the_bot() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    assert_eq!(
        api_error(bot.send_message(ChatId(42), "hi").await),
        ApiError::ChatNotFound
    );
    assert_eq!(
        api_error(bot.send_chat_action(ChatId(42), ChatAction::Typing).await),
        ApiError::ChatNotFound
    );

    let ann = fake.user(42, "Ann").last_name("Lee").username("ann_lee");
    fake.send_text(&ann, "/start");
    let sent = bot.send_message(ChatId(42), "hi").await.expect("send");
    assert_eq!(sent.id, MessageId(2), "the person's /start was message 1");
    assert_eq!(sent.from.as_ref().map(|u| u.id.0 as i64), Some(BOT_ID));
    assert!(sent.chat.is_private());
    assert_eq!(sent.chat.username(), Some("ann_lee"));
    assert_eq!(sent.text(), Some("hi"));
    bot.send_chat_action(ChatId(42), ChatAction::Typing)
        .await
        .expect("chat action");
    assert_eq!(fake.last_message(42).unwrap().message_id, 2);
}

#[tokio::test]
async fn blocked_user_gets_403_until_they_write_again() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ann = started(&fake, 42, "Ann");
    fake.block_user(42);
    assert_eq!(
        api_error(bot.send_message(ChatId(42), "hi").await),
        ApiError::BotBlocked
    );
    assert_eq!(
        api_error(bot.send_chat_action(ChatId(42), ChatAction::Typing).await),
        ApiError::BotBlocked
    );
    assert!(fake.sent_messages(42).is_empty());
    fake.send_text(&ann, "/start");
    bot.send_message(ChatId(42), "welcome back")
        .await
        .expect("unblocked");
}

// ----- text length and HTML ----------------------------------------------------------------------

#[tokio::test]
async fn text_must_be_1_to_4096_utf16_units_after_parsing() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let chat = ChatId(42);

    assert_eq!(
        api_error(bot.send_message(chat, "").await),
        ApiError::MessageTextIsEmpty
    );
    assert_eq!(
        api_error(bot.send_message(chat, "  \n ").await),
        ApiError::MessageTextIsEmpty
    );
    assert_eq!(
        api_error(
            bot.send_message(chat, "<b></b>")
                .parse_mode(ParseMode::Html)
                .await
        ),
        ApiError::MessageTextIsEmpty
    );

    bot.send_message(chat, "a".repeat(4096))
        .await
        .expect("4096 fits");
    assert_eq!(
        api_error(bot.send_message(chat, "a".repeat(4097)).await),
        ApiError::MessageIsTooLong
    );
    // Markup is not counted; entities count as one character.
    bot.send_message(chat, format!("<b>{}</b>&amp;", "a".repeat(4095)))
        .parse_mode(ParseMode::Html)
        .await
        .expect("4096 after parsing");
    // An emoji outside the BMP is two UTF-16 units: 2049 of them are too long.
    bot.send_message(chat, "😀".repeat(2048))
        .await
        .expect("4096 units");
    assert_eq!(
        api_error(bot.send_message(chat, "😀".repeat(2049)).await),
        ApiError::MessageIsTooLong
    );
    assert_eq!(fake.sent_messages(42).len(), 3);
}

#[tokio::test]
async fn valid_html_with_escaped_user_text_is_accepted() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let name = r#"A<B & "C" > D"#;
    let html = format!(
        "<b>你好</b>, {}! <a href=\"https://example.com/?a=1&amp;b=2\">link</a> \
         <tg-spoiler>s</tg-spoiler><span class=\"tg-spoiler\">t</span> <i>i</i><u>u</u><s>s</s>\n\
         <pre><code class=\"language-rust\">let x = 1 &lt; 2;</code></pre><blockquote expandable>q</blockquote>\
         <code>c</code> &#127968;&#x1F3E0;",
        escape_html(name)
    );
    let sent = bot
        .send_message(ChatId(42), html.clone())
        .parse_mode(ParseMode::Html)
        .await
        .expect("valid HTML");
    let expected = format!("你好, {name}! link st ius\nlet x = 1 < 2;qc 🏠🏠");
    assert_eq!(sent.text(), Some(expected.as_str()));
    let kinds: Vec<String> = sent
        .entities()
        .unwrap()
        .iter()
        .map(|e| {
            format!("{:?}", e.kind)
                .split(['(', ' ', '{'])
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    for kind in [
        "Bold",
        "TextLink",
        "Spoiler",
        "Italic",
        "Underline",
        "Strikethrough",
        "Pre",
        "ExpandableBlockquote",
        "Code",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
    let stored = fake.last_message(42).unwrap();
    assert_eq!(stored.text.as_deref(), Some(html.as_str()), "raw text kept");
    assert_eq!(stored.plain_text, expected);
    assert_eq!(stored.parse_mode.as_deref(), Some("HTML"));
}

#[tokio::test]
async fn invalid_html_is_refused_as_cant_parse_entities() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let cases = [
        ("a < b", "Unsupported start tag \"\""),
        ("a & b", "unescaped \"&\""),
        ("a > b", "Unescaped \">\""),
        ("line<br>break", "Unsupported start tag \"br\""),
        (
            "<b>bold",
            "Can't find end tag corresponding to start tag \"b\"",
        ),
        ("<b><i>x</b></i>", "expected \"</i>\", found \"</b>\""),
        ("x</b>", "Unexpected end tag"),
        ("<a href=https://x.org>y</a>", "must be quoted"),
        ("<span>x</span>", "must have class \"tg-spoiler\""),
        ("&nbsp;", "unescaped \"&\""),
        ("<b", "Unclosed start tag"),
        ("<tg-emoji>x</tg-emoji>", "emoji-id"),
    ];
    for (text, wanted) in cases {
        let description = cant_parse(
            bot.send_message(ChatId(42), text)
                .parse_mode(ParseMode::Html)
                .await,
        );
        assert!(
            description.starts_with("Bad Request: can't parse entities: ")
                && description.contains(wanted),
            "{text:?}: {description}"
        );
    }
    assert!(fake.sent_messages(42).is_empty());
    // Without parse_mode the same text is just text.
    bot.send_message(ChatId(42), "a < b & c > d")
        .await
        .expect("plain text");
}

#[tokio::test]
async fn markdown_is_refused_because_the_bot_uses_html() {
    let fake = FakeTelegram::start().await;
    started(&fake, 42, "Ann");
    let description = cant_parse(
        fake.bot()
            .send_message(ChatId(42), "*bold*")
            .parse_mode(ParseMode::MarkdownV2)
            .await,
    );
    assert!(description.contains("not supported"), "{description}");
}

#[test]
fn html_parser_reports_utf16_offsets() {
    let parsed = parse_html("😀 <b>粗</b> <a href=\"tg://user?id=1\">x</a><code></code>").unwrap();
    assert_eq!(parsed.text, "😀 粗 x");
    assert_eq!(utf16_len(&parsed.text), 6);
    let bold = &parsed.entities[0];
    assert_eq!((bold.kind, bold.offset, bold.length), ("bold", 3, 1));
    assert_eq!(parsed.entities[1].kind, "text_link");
    assert_eq!(parsed.entities.len(), 2, "empty entities are dropped");
    let pre = parse_html("<pre><code class=\"language-sql\">select</code></pre>").unwrap();
    assert_eq!(pre.entities.len(), 1);
    assert_eq!(pre.entities[0].language.as_deref(), Some("sql"));
    assert_eq!(escape_html("<&>\""), "&lt;&amp;&gt;&quot;");
    assert_eq!(parse_html(&escape_html("<&>\"")).unwrap().text, "<&>\"");
    assert!(parse_html("&#0;").is_err());
    assert!(parse_html("&#xD800;").is_err());
    assert!(
        parse_html("<B>case</B>").is_ok(),
        "tag names are case-insensitive"
    );
}

// ----- keyboards -------------------------------------------------------------------------------

#[tokio::test]
async fn callback_data_is_1_to_64_bytes() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let send = |data: String| {
        bot.send_message(ChatId(42), "pick")
            .reply_markup(InlineKeyboardMarkup::new([[
                InlineKeyboardButton::callback("x", data),
            ]]))
    };
    send("x".repeat(64)).await.expect("64 bytes fit");
    assert_eq!(
        api_error(send("x".repeat(65)).await),
        ApiError::ButtonDataInvalid
    );
    // 22 Chinese characters are 66 bytes.
    assert_eq!(
        api_error(send("交".repeat(22)).await),
        ApiError::ButtonDataInvalid
    );
    assert_eq!(
        api_error(send(String::new()).await),
        ApiError::ButtonDataInvalid
    );
    assert_eq!(fake.sent_messages(42).len(), 1);
}

#[tokio::test]
async fn mini_app_buttons_open_https_pages_in_private_chats_only() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    let ann = started(&fake, 42, "Ann");
    let page = |chat: i64, url: &str| {
        bot.send_message(ChatId(chat), "sign")
            .reply_markup(InlineKeyboardMarkup::new([[
                InlineKeyboardButton::web_app(
                    "sign",
                    teloxide::types::WebAppInfo {
                        url: reqwest::Url::parse(url).unwrap(),
                    },
                ),
            ]]))
    };
    page(42, "https://bot.example/app/sign?record=1")
        .await
        .expect("an https page in a private chat");
    let sent = fake.sent_messages(42);
    assert_eq!(
        sent[0].inline_buttons()[0].web_app.as_deref(),
        Some("https://bot.example/app/sign?record=1")
    );
    assert_eq!(
        api_error(page(42, "http://bot.example/app/sign").await),
        ApiError::ButtonUrlInvalid
    );
    fake.send_group_text(-100, &ann, "hello group");
    assert_eq!(
        unknown(page(-100, "https://bot.example/app/sign").await),
        "Bad Request: BUTTON_TYPE_INVALID"
    );
    assert_eq!(fake.sent_messages(42).len(), 1);
}

#[tokio::test]
async fn buttons_need_exactly_one_valid_action() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let url_button = |url: &str| {
        bot.send_message(ChatId(42), "open")
            .reply_markup(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
                "open",
                reqwest::Url::parse(url).unwrap(),
            )]]))
    };
    url_button("https://example.com/x")
        .await
        .expect("https URL");
    assert_eq!(
        api_error(url_button("ftp://example.com/x").await),
        ApiError::ButtonUrlInvalid
    );

    let (status, body) = raw(
        &fake,
        "sendMessage",
        json!({"chat_id": 42, "text": "t", "reply_markup": {"inline_keyboard": [[{"text": "bare"}]]}}),
    )
    .await;
    assert_eq!(status, 400);
    let parsed: ApiError = serde_json::from_value(body["description"].clone()).unwrap();
    assert_eq!(parsed, ApiError::TextButtonsAreUnallowed);

    let (status, body) = raw(
        &fake,
        "sendMessage",
        json!({"chat_id": 42, "text": "t", "reply_markup": {"inline_keyboard": [[
            {"text": "two", "callback_data": "a", "url": "https://example.com"}
        ]]}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    let (status, body) = raw(
        &fake,
        "sendMessage",
        json!({"chat_id": 42, "text": "t", "reply_markup": "{not json"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: can't parse reply keyboard markup JSON object"
    );
}

#[tokio::test]
async fn request_contact_only_in_private_chats() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    let ann = started(&fake, 42, "Ann");
    fake.send_group_text(-100, &ann, "hello group");
    let contact = KeyboardMarkup::new([[
        KeyboardButton::new("share").request(teloxide::types::ButtonRequest::Contact)
    ]]);
    bot.send_message(ChatId(42), "share your phone")
        .reply_markup(contact.clone())
        .await
        .expect("private chat");
    let refused = unknown(
        bot.send_message(ChatId(-100), "share your phone")
            .reply_markup(contact)
            .await,
    );
    assert_eq!(
        refused,
        "Bad Request: phone number can be requested in private chats only"
    );
    let sent = fake.last_message(42).unwrap();
    assert_eq!(sent.reply_keyboard_labels(), ["share"]);
    assert!(sent.inline_buttons().is_empty());
}

// ----- media -----------------------------------------------------------------------------------

#[tokio::test]
async fn captions_are_at_most_1024() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let photo = || InputFile::memory(vec![0xFF, 0xD8, 0xFF]).file_name("p.jpg");
    let sent = bot
        .send_photo(ChatId(42), photo())
        .caption("c".repeat(1024))
        .await
        .expect("1024 fits");
    assert_eq!(sent.photo().unwrap().len(), 2, "several sizes");
    assert_eq!(
        unknown(
            bot.send_photo(ChatId(42), photo())
                .caption("c".repeat(1025))
                .await
        ),
        "Bad Request: message caption is too long"
    );
    assert_eq!(fake.sent_messages(42)[0].kind, SentKind::Photo);
}

#[tokio::test]
async fn send_document_uploads_multipart_and_get_file_downloads_it() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let sent = bot
        .send_document(
            ChatId(42),
            InputFile::memory(bytes.clone()).file_name("交付 report.xlsx"),
        )
        .caption("<b>Report</b> for A&amp;B")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard(&[("OK", "ok")]))
        .await
        .expect("multipart upload");
    let document = sent.document().expect("a document");
    assert_eq!(document.file_name.as_deref(), Some("交付 report.xlsx"));
    assert_eq!(document.file.size as usize, bytes.len());
    assert_eq!(sent.caption(), Some("Report for A&B"));

    let stored = fake.last_message(42).unwrap();
    assert_eq!(stored.kind, SentKind::Document);
    assert_eq!(stored.plain_text, "Report for A&B");
    assert_eq!(stored.file.as_ref().unwrap().bytes, bytes);
    assert_eq!(stored.button_labels(), ["OK"]);
    let request = &fake.requests_for("sendDocument")[0];
    assert_eq!(request.params["chat_id"], json!(42));
    assert_eq!(request.params["document"]["file_name"], "交付 report.xlsx");
    assert_eq!(request.params["document"]["size"], json!(bytes.len()));
    assert_eq!(
        request.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "ok"
    );

    let file = bot
        .get_file(document.file.id.clone())
        .await
        .expect("getFile");
    assert!(file.path.contains('/'), "paths have folders: {}", file.path);
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded)
        .await
        .expect("download (percent-encoded path)");
    assert_eq!(downloaded, bytes);
}

#[tokio::test]
async fn person_files_round_trip_through_get_file() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ann = fake.user(42, "Ann");
    let csv = b"name,phone\n\xE5\xBC\xA0,+8613800138000\n".to_vec();
    fake.send_document(&ann, "buyers.csv", "text/csv", csv.clone(), Some("list"));
    fake.send_photo(&ann, vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], Some("crack"));
    fake.send_voice(&ann, vec![0x4F, 0x67, 0x67, 0x53]);
    let updates = bot.get_updates().await.expect("updates");
    assert_eq!(updates.len(), 3);
    let messages: Vec<Message> = updates.into_iter().map(message_of).collect();

    let document = messages[0].document().expect("document");
    assert_eq!(document.file_name.as_deref(), Some("buyers.csv"));
    assert_eq!(
        document
            .mime_type
            .as_ref()
            .map(|m| m.to_string())
            .as_deref(),
        Some("text/csv")
    );
    assert_eq!(messages[0].caption(), Some("list"));
    let photo = messages[1].photo().expect("photo");
    let largest = photo.last().unwrap();
    assert!(largest.width > photo[0].width);
    let voice = messages[2].voice().expect("voice");

    for (file_id, expected) in [
        (document.file.id.clone(), csv.clone()),
        (
            largest.file.id.clone(),
            vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
        ),
        (voice.file.id.clone(), vec![0x4F, 0x67, 0x67, 0x53]),
    ] {
        let file = bot.get_file(file_id).await.expect("getFile");
        assert_eq!(file.size as usize, expected.len());
        let mut downloaded = Vec::new();
        bot.download_file(&file.path, &mut downloaded)
            .await
            .expect("download");
        assert_eq!(downloaded, expected);
    }
}

#[tokio::test]
async fn get_file_refuses_unknown_ids_and_files_over_20_mb() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ann = fake.user(42, "Ann");
    fake.send_document(
        &ann,
        "huge.zip",
        "application/zip",
        vec![0; MAX_DOWNLOAD_BYTES + 1],
        None,
    );
    let message = message_of(only_update(&bot).await);
    let id = message.document().unwrap().file.id.clone();
    assert_eq!(
        unknown(bot.get_file(id).await),
        "Bad Request: file is too big"
    );
    assert_eq!(
        unknown(bot.get_file(FileId("nonsense".into())).await),
        "Bad Request: invalid file_id"
    );
}

#[tokio::test]
async fn media_groups_have_2_to_10_items() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    let photo = |n: u8| {
        InputMedia::Photo(
            InputMediaPhoto::new(InputFile::memory(vec![0xFF, 0xD8, n])).caption(format!("p{n}")),
        )
    };
    let album = bot
        .send_media_group(ChatId(42), [photo(1), photo(2)])
        .await
        .expect("album of two");
    assert_eq!(album.len(), 2);
    assert!(album[0].media_group_id().is_some());
    assert_eq!(album[0].media_group_id(), album[1].media_group_id());
    let stored = fake.sent_messages(42);
    assert_eq!(stored[1].plain_text, "p2");
    assert_eq!(
        stored[1].kind,
        SentKind::MediaGroupItem {
            media_type: "photo".into()
        }
    );

    assert!(unknown(bot.send_media_group(ChatId(42), [photo(1)]).await).contains("2-10 items"));
    assert_eq!(
        unknown(bot.send_media_group(ChatId(42), (1..=11).map(photo)).await),
        "Bad Request: too many messages to send as an album"
    );
    let document = InputMedia::Document(InputMediaDocument::new(InputFile::memory(b"x".to_vec())));
    assert_eq!(
        unknown(bot.send_media_group(ChatId(42), [photo(1), document]).await),
        "Bad Request: document can't be mixed with other media types"
    );
    assert_eq!(fake.sent_messages(42).len(), 2);
}

#[tokio::test]
async fn replies_need_the_replied_message_to_exist() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    let ann = started(&fake, 42, "Ann");
    fake.send_text(&ann, "my question");
    let reply = bot
        .send_message(ChatId(42), "the answer")
        .reply_parameters(ReplyParameters::new(MessageId(2)))
        .await
        .expect("reply to message 2");
    assert_eq!(
        reply.reply_to_message().and_then(|m| m.text()),
        Some("my question")
    );
    assert_eq!(fake.last_message(42).unwrap().reply_to_message_id, Some(2));
    assert_eq!(
        api_error(
            bot.send_message(ChatId(42), "x")
                .reply_parameters(ReplyParameters::new(MessageId(99)))
                .await
        ),
        ApiError::MessageToReplyNotFound
    );
    bot.send_message(ChatId(42), "anyway")
        .reply_parameters(ReplyParameters::new(MessageId(99)).allow_sending_without_reply())
        .await
        .expect("allowed without the replied message");
}

// ----- rate limits and injected faults ----------------------------------------------------------

#[tokio::test]
async fn one_message_per_second_per_chat() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    started(&fake, 43, "Bob");
    bot.send_message(ChatId(42), "one").await.expect("first");
    match bot.send_message(ChatId(42), "two").await {
        Err(RequestError::RetryAfter(secs)) => assert!(secs.seconds() >= 1),
        other => panic!("expected 429, got {other:?}"),
    }
    bot.send_message(ChatId(43), "other chat")
        .await
        .expect("other chat is fine");
    assert_eq!(fake.count_429(), 1);
    let refused = fake
        .requests_for("sendMessage")
        .into_iter()
        .find(|r| r.status == 429)
        .unwrap();
    assert_eq!(refused.response["parameters"]["retry_after"], json!(1));
    assert_eq!(
        refused.description(),
        Some("Too Many Requests: retry after 1")
    );
    assert_eq!(fake.plain_texts(42), ["one"]);
}

#[tokio::test]
async fn thirty_messages_per_second_overall_counting_album_items() {
    let fake = FakeTelegram::start().await;
    fake.set_limits(0, 3);
    let bot = fake.bot();
    for id in 1..=4 {
        started(&fake, id, "P");
    }
    for id in 1..=3 {
        bot.send_message(ChatId(id), "hi")
            .await
            .expect("within 3/s");
    }
    assert!(matches!(
        bot.send_message(ChatId(4), "hi").await,
        Err(RequestError::RetryAfter(_))
    ));

    let fake = FakeTelegram::start().await;
    fake.set_limits(0, 3);
    let bot = fake.bot();
    started(&fake, 1, "P");
    let photo = || InputMedia::Photo(InputMediaPhoto::new(InputFile::memory(vec![1, 2])));
    bot.send_media_group(ChatId(1), [photo(), photo()])
        .await
        .expect("2 of 3");
    assert!(matches!(
        bot.send_media_group(ChatId(1), [photo(), photo()]).await,
        Err(RequestError::RetryAfter(_))
    ));
}

#[test]
fn refused_sends_do_not_count_towards_the_window() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut limiter = RateLimiter::new(1, 2, Duration::ZERO);
    assert_eq!(limiter.admit(1, 1, t0), Ok(()));
    assert_eq!(limiter.admit(1, 1, t0 + ms(10)), Err(1));
    assert_eq!(limiter.admit(1, 1, t0 + ms(999)), Err(1));
    assert_eq!(limiter.admit(1, 1, t0 + ms(1000)), Ok(()));
    assert_eq!(limiter.admit(2, 1, t0 + ms(1000)), Ok(()));
    assert_eq!(
        limiter.admit(3, 1, t0 + ms(1001)),
        Err(1),
        "two sends overall in the last second"
    );
    assert_eq!(limiter.admit(3, 1, t0 + ms(1500)), Err(1));
    // Had the refused tries counted, chat 3 and the overall window would still be full.
    assert_eq!(limiter.admit(3, 1, t0 + ms(2000)), Ok(()));
    assert_eq!(limiter.admit(4, 1, t0 + ms(2001)), Ok(()));
    let mut long_wait = RateLimiter::new(0, 1, Duration::ZERO);
    assert_eq!(long_wait.admit(1, 1, t0), Ok(()));
    assert_eq!(
        long_wait.admit(2, 1, t0 + ms(1)),
        Err(1),
        "retry_after is at least 1"
    );
}

#[tokio::test]
async fn burst_429_refuses_the_next_sends_whatever_the_rate() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    started(&fake, 42, "Ann");
    fake.burst_429(2, 7);
    for _ in 0..2 {
        match bot.send_message(ChatId(42), "x").await {
            Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 7),
            other => panic!("expected 429, got {other:?}"),
        }
    }
    bot.get_me().await.expect("not a send: unaffected");
    bot.send_message(ChatId(42), "x").await.expect("burst over");
    assert_eq!(fake.count_429(), 2);
}

#[tokio::test]
async fn fail_next_answers_a_server_error_without_effect() {
    let fake = unthrottled().await;
    started(&fake, 42, "Ann");
    fake.fail_next("sendMessage", 1, 502);
    let (status, body) = raw(&fake, "sendMessage", json!({"chat_id": 42, "text": "x"})).await;
    assert_eq!(status, 502);
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 502, "description": "Bad Gateway"})
    );
    assert!(fake.sent_messages(42).is_empty());
    let (status, _) = raw(&fake, "sendMessage", json!({"chat_id": 42, "text": "x"})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn fail_next_in_chat_leaves_other_chats_alone() {
    let fake = unthrottled().await;
    started(&fake, 42, "Ann");
    started(&fake, 43, "Bob");
    fake.fail_next_in_chat("sendMessage", 42, 1, 401);
    let (status, _) = raw(
        &fake,
        "sendMessage",
        json!({"chat_id": 43, "text": "to Bob"}),
    )
    .await;
    assert_eq!(status, 200, "another chat is not the one refused");
    let (status, _) = raw(&fake, "sendMessage", json!({"chat_id": "42", "text": "x"})).await;
    assert_eq!(status, 401);
    assert!(fake.sent_messages(42).is_empty());
    let (status, _) = raw(&fake, "sendMessage", json!({"chat_id": 42, "text": "y"})).await;
    assert_eq!(status, 200, "one failure only");
    assert_eq!(fake.plain_texts(43), ["to Bob"]);
}

#[tokio::test]
async fn delay_next_makes_the_client_time_out_after_the_message_was_delivered() {
    let fake = FakeTelegram::start().await;
    started(&fake, 42, "Ann");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let impatient = Bot::with_client(TOKEN, client).set_api_url(fake.api_url());
    fake.delay_next("sendMessage", 1, Duration::from_secs(3));
    match impatient.send_message(ChatId(42), "maybe twice").await {
        Err(RequestError::Network(e)) => assert!(e.is_timeout(), "{e}"),
        other => panic!("expected a client timeout, got {other:?}"),
    }
    assert_eq!(fake.plain_texts(42), ["maybe twice"], "delivered anyway");
}

#[tokio::test]
async fn outage_cuts_connections_and_long_polls_until_it_ends() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    bot.get_me().await.expect("up");
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(20).await }
    });
    fake.wait_for_poller().await;
    fake.go_down();
    assert!(matches!(
        fake.within("the cut long poll", poll).await.unwrap(),
        Err(RequestError::Network(_))
    ));
    assert!(matches!(bot.get_me().await, Err(RequestError::Network(_))));
    assert!(fake.refused_connections() >= 1);
    fake.come_up();
    bot.get_me().await.expect("back up");
}

// ----- edits, deletes, callback queries --------------------------------------------------------

#[tokio::test]
async fn edits_update_the_stored_message_and_refuse_no_op_edits() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    let ann = started(&fake, 42, "Ann");
    let sent = bot
        .send_message(ChatId(42), "<b>Pick</b>")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard(&[("A", "a"), ("B", "b")]))
        .await
        .unwrap();
    assert_eq!(
        api_error(
            bot.edit_message_text(ChatId(42), sent.id, "<b>Pick</b>")
                .parse_mode(ParseMode::Html)
                .reply_markup(keyboard(&[("A", "a"), ("B", "b")]))
                .await
        ),
        ApiError::MessageNotModified
    );
    // Same text but no markup is a change: the keyboard goes away, as on Telegram.
    let edited = bot
        .edit_message_text(ChatId(42), sent.id, "<b>Pick</b>")
        .parse_mode(ParseMode::Html)
        .await
        .expect("removes the keyboard");
    assert!(edited.reply_markup().is_none());
    assert!(edited.edit_date().is_some());
    let stored = fake.message(42, sent.id.0 as i64).unwrap();
    assert_eq!(
        (stored.edit_count, stored.has_inline_keyboard()),
        (1, false)
    );

    bot.edit_message_reply_markup(ChatId(42), sent.id)
        .reply_markup(keyboard(&[("C", "c")]))
        .await
        .expect("new keyboard");
    assert_eq!(
        fake.message(42, sent.id.0 as i64).unwrap().button_labels(),
        ["C"]
    );
    assert_eq!(
        api_error(
            bot.edit_message_reply_markup(ChatId(42), sent.id)
                .reply_markup(keyboard(&[("C", "c")]))
                .await
        ),
        ApiError::MessageNotModified
    );
    assert_eq!(
        api_error(
            bot.edit_message_text(ChatId(42), sent.id, "x".repeat(4097))
                .await
        ),
        ApiError::EditedMessageIsTooLong
    );
    assert_eq!(
        api_error(bot.edit_message_text(ChatId(42), MessageId(999), "x").await),
        ApiError::MessageToEditNotFound
    );
    assert_eq!(
        api_error(bot.edit_message_text(ChatId(42), MessageId(1), "x").await),
        ApiError::MessageCantBeEdited,
        "message 1 is the person's /start"
    );

    bot.delete_message(ChatId(42), sent.id)
        .await
        .expect("delete");
    assert_eq!(
        api_error(bot.delete_message(ChatId(42), sent.id).await),
        ApiError::MessageToDeleteNotFound
    );
    assert_eq!(
        api_error(bot.edit_message_text(ChatId(42), sent.id, "x").await),
        ApiError::MessageToEditNotFound
    );
    assert!(fake.visible_messages(42).is_empty());
    assert!(fake.sent_messages(42)[0].deleted);
    let _ = ann;
}

#[tokio::test]
async fn pressing_a_button_delivers_a_callback_query_that_can_be_answered_once() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    let ann = started(&fake, 42, "Ann");
    let sent = bot
        .send_message(ChatId(42), "Pick")
        .reply_markup(keyboard(&[("Yes ✅", "v1:yes"), ("No", "v1:no")]))
        .await
        .unwrap();
    bot.get_updates()
        .offset(i32::MAX)
        .timeout(0)
        .await
        .expect("drop the /start");

    let query_id = fake.press_button_with_text(&ann, &fake.last_message(42).unwrap(), "Yes ✅");
    let update = only_update(&bot).await;
    let UpdateKind::CallbackQuery(query) = update.kind else {
        panic!("expected a callback query, got {update:?}");
    };
    assert_eq!(query.id.0, query_id);
    assert_eq!(query.data.as_deref(), Some("v1:yes"));
    assert_eq!(query.from.id.0 as i64, 42);
    let message = query.regular_message().expect("the full current message");
    assert_eq!(message.id, sent.id);
    assert_eq!(message.text(), Some("Pick"));
    assert!(!query.chat_instance.is_empty());

    assert_eq!(
        api_error(
            bot.answer_callback_query(CallbackQueryId(query_id.clone()))
                .text("x".repeat(201))
                .await
        ),
        ApiError::EditedMessageIsTooLong,
        "Telegram's MESSAGE_TOO_LONG"
    );
    bot.answer_callback_query(CallbackQueryId(query_id.clone()))
        .text("Saved")
        .await
        .expect("first answer");
    let too_old =
        "Bad Request: query is too old and response timeout expired or query ID is invalid";
    assert_eq!(
        unknown(
            bot.answer_callback_query(CallbackQueryId(query_id.clone()))
                .await
        ),
        too_old
    );
    assert_eq!(
        unknown(
            bot.answer_callback_query(CallbackQueryId("12345".into()))
                .await
        ),
        too_old
    );
    let answers = fake.callback_answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].text.as_deref(), Some("Saved"));
    assert_eq!(
        (answers[0].data.as_str(), answers[0].message_id),
        ("v1:yes", sent.id.0 as i64)
    );
}

#[tokio::test]
async fn press_button_refuses_buttons_that_are_not_on_screen() {
    let fake = unthrottled().await;
    let bot = fake.bot();
    let ann = started(&fake, 42, "Ann");
    let sent = bot
        .send_message(ChatId(42), "Pick")
        .reply_markup(keyboard(&[("A", "a")]))
        .await
        .unwrap();
    let id = sent.id.0 as i64;
    let refused = |f: &dyn Fn() -> String| {
        panic_text(catch_unwind(AssertUnwindSafe(f)).expect_err("must refuse"))
    };
    assert!(refused(&|| fake.press_button(&ann, id, "b")).contains("no inline button"));
    assert!(refused(&|| fake.press_button(&ann, 999, "a")).contains("does not exist"));
    assert!(refused(&|| fake.press_button(&ann, 1, "a")).contains("not sent by the bot"));
    assert!(refused(&|| fake.press_button_with_text(&ann, id, "B")).contains("no button labelled"));

    bot.edit_message_reply_markup(ChatId(42), sent.id)
        .reply_markup(keyboard(&[("Z", "z")]))
        .await
        .unwrap();
    assert!(
        refused(&|| fake.press_button(&ann, id, "a")).contains("no inline button"),
        "the edit replaced the button"
    );
    fake.press_button(&ann, id, "z");
    bot.delete_message(ChatId(42), sent.id).await.unwrap();
    assert!(refused(&|| fake.press_button(&ann, id, "z")).contains("deleted"));
}

// ----- updates and polling ---------------------------------------------------------------------

#[tokio::test]
async fn get_updates_offset_confirms_and_forgets_earlier_updates() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ann = fake.user(42, "Ann");
    let first = fake.send_text(&ann, "one");
    let second = fake.send_text(&ann, "two");
    let ids = |updates: Vec<teloxide::types::Update>| -> Vec<i64> {
        updates.iter().map(|u| u.id.0 as i64).collect()
    };
    assert_eq!(ids(bot.get_updates().await.unwrap()), [first, second]);
    assert_eq!(
        ids(bot.get_updates().await.unwrap()),
        [first, second],
        "not confirmed yet"
    );
    assert_eq!(ids(bot.get_updates().limit(1).await.unwrap()), [first]);
    assert_eq!(
        ids(bot.get_updates().offset(first as i32 + 1).await.unwrap()),
        [second]
    );
    assert_eq!(fake.pending_updates(), 1);
    assert!(
        bot.get_updates()
            .offset(second as i32 + 1)
            .await
            .unwrap()
            .is_empty()
    );
    fake.wait_until_consumed().await;
}

#[tokio::test]
async fn get_updates_long_polls_until_an_update_arrives() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(15).await }
    });
    fake.wait_for_poller().await;
    let ann = fake.user(42, "Ann");
    let id = fake.send_text(&ann, "wake up");
    let updates = fake.within("the long poll", poll).await.unwrap().unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].id.0 as i64, id);
}

#[tokio::test]
async fn a_second_poller_terminates_the_first_with_409() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let spawn_poll = || {
        let bot = bot.clone();
        tokio::spawn(async move { bot.get_updates().timeout(15).await })
    };
    let first = spawn_poll();
    fake.wait_for_poller().await;
    let second = spawn_poll();
    assert_eq!(
        api_error(fake.within("the first poll", first).await.unwrap()),
        ApiError::TerminatedByOtherGetUpdates
    );
    let ann = fake.user(42, "Ann");
    fake.send_text(&ann, "hi");
    let updates = fake
        .within("the second poll", second)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(fake.requests_for("getUpdates")[0].status, 409);
}

#[tokio::test]
async fn teloxide_dispatcher_polls_handles_and_confirms() {
    let fake = FakeTelegram::start().await;
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        let text = msg.text().unwrap_or_default().to_owned();
        let is_command = msg
            .entities()
            .and_then(|e| e.first())
            .is_some_and(|e| e.kind == MessageEntityKind::BotCommand && e.offset == 0);
        let reply = format!(
            "<b>echo</b> {} command={is_command}",
            teloxide::utils::html::escape(&text)
        );
        bot.send_message(msg.chat.id, reply)
            .parse_mode(ParseMode::Html)
            .await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(fake.bot(), handler).build();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let ann = fake.user(42, "Ann");
    let update = fake.send_text(&ann, "a <b> & c");
    let echo = fake
        .wait_for_message(42, |m| m.plain_text.starts_with("echo"))
        .await;
    assert_eq!(echo.plain_text, "echo a <b> & c command=false");
    fake.wait_until_consumed().await;
    fake.wait_for_request("getUpdates", |r| r.params["offset"] == json!(update + 1))
        .await;

    let bob = fake.user(43, "Bob");
    fake.open_start_link(&bob, &fake.start_link("inv_AbC-123"));
    let echo = fake.wait_for_message(43, |_| true).await;
    assert_eq!(echo.plain_text, "echo /start inv_AbC-123 command=true");
    running.abort();
}

#[tokio::test]
async fn person_updates_deserialise_in_teloxide() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ann = fake.user(42, "安").language_code(Some("en"));
    fake.send_text(&ann, &format!("/start@{} x", fake.bot_username()));
    fake.share_contact(&ann, "+8613800138000", Some(42), "安");
    fake.send_album(&ann, vec![vec![1], vec![2], vec![3]]);
    fake.send_group_text(-1001, &ann, "hello group");
    let messages: Vec<Message> = bot
        .get_updates()
        .await
        .unwrap()
        .into_iter()
        .map(message_of)
        .collect();
    assert_eq!(messages.len(), 6);

    let command = &messages[0].entities().unwrap()[0];
    assert_eq!(command.kind, MessageEntityKind::BotCommand);
    assert_eq!(command.length, "/start@handover_test_bot".len());
    assert_eq!(
        messages[0].from.as_ref().unwrap().language_code.as_deref(),
        Some("en")
    );

    let contact = messages[1].contact().expect("contact");
    assert_eq!(contact.phone_number, "+8613800138000");
    assert_eq!(contact.user_id.map(|u| u.0 as i64), Some(42));

    let group_ids: Vec<_> = messages[2..5].iter().map(|m| m.media_group_id()).collect();
    assert!(group_ids[0].is_some() && group_ids.iter().all(|g| *g == group_ids[0]));

    assert!(messages[5].chat.is_group());
    bot.send_message(ChatId(-1001), "hello everyone")
        .await
        .expect("the group is known");
    assert_eq!(
        api_error(bot.send_message(ChatId(-1002), "x").await),
        ApiError::ChatNotFound
    );
}

// ----- commands and deep links -----------------------------------------------------------------

#[tokio::test]
async fn commands_are_stored_per_scope_and_language() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    bot.set_my_commands([
        BotCommand::new("start", "开始"),
        BotCommand::new("help", "帮助"),
    ])
    .await
    .expect("default scope");
    let chat_scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(ChatId(42)),
    };
    assert_eq!(
        api_error(
            bot.set_my_commands([BotCommand::new("menu", "菜单")])
                .scope(chat_scope.clone())
                .await
        ),
        ApiError::ChatNotFound
    );
    started(&fake, 42, "Ann");
    bot.set_my_commands([BotCommand::new("menu", "菜单")])
        .scope(chat_scope.clone())
        .await
        .expect("chat scope");
    bot.set_my_commands([BotCommand::new("menu", "Menu")])
        .scope(chat_scope.clone())
        .language_code("en")
        .await
        .expect("chat scope, English");

    let pair = |c: &str, d: &str| (c.to_owned(), d.to_owned());
    assert_eq!(fake.commands_for_chat(42), Some(vec![pair("menu", "菜单")]));
    assert_eq!(
        fake.default_commands(),
        Some(vec![pair("start", "开始"), pair("help", "帮助")])
    );
    assert_eq!(fake.commands_for_chat(43), None);
    assert_eq!(fake.visible_commands(42, "en-US"), [pair("menu", "Menu")]);
    assert_eq!(
        fake.visible_commands(43, "zh-hans")[0],
        pair("start", "开始")
    );
    let listed = bot
        .get_my_commands()
        .scope(chat_scope.clone())
        .await
        .unwrap();
    assert_eq!(listed, [BotCommand::new("menu", "菜单")]);

    assert_eq!(
        unknown(bot.set_my_commands([BotCommand::new("Menu", "x")]).await),
        "Bad Request: BOT_COMMAND_INVALID"
    );
    bot.delete_my_commands().scope(chat_scope).await.unwrap();
    assert_eq!(fake.commands_for_chat(42), None);
}

#[test]
fn deep_link_payloads_follow_telegram_rules() {
    assert_eq!(start_command("inv_AbC-123"), "/start inv_AbC-123");
    assert!(catch_unwind(|| start_command(&"a".repeat(65))).is_err());
    assert!(catch_unwind(|| start_command("bad payload")).is_err());
    assert!(catch_unwind(|| start_command("")).is_err());
}

// ----- webhook mode ------------------------------------------------------------------------------

/// One request the test's webhook server received.
#[derive(Clone, Debug)]
struct HookRequest {
    secret: Option<String>,
    content_type: Option<String>,
    body: Value,
    /// When it arrived.
    at: tokio::time::Instant,
}

/// How the test's webhook server answers one request.
struct HookAnswer {
    status: u16,
    delay: Duration,
}

impl From<u16> for HookAnswer {
    fn from(status: u16) -> Self {
        Self {
            status,
            delay: Duration::ZERO,
        }
    }
}

/// A tiny webhook server on 127.0.0.1 that records what it receives and answers as `answer`
/// says (given the request and how many times the same body arrived before).
struct HookServer {
    url: reqwest::Url,
    received: Arc<Mutex<Vec<HookRequest>>>,
    task: tokio::task::AbortHandle,
}

impl HookServer {
    async fn start(
        answer: impl Fn(&HookRequest, usize) -> HookAnswer + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the webhook server");
        let url = format!(
            "http://{}/telegram/hook",
            listener.local_addr().expect("address")
        );
        let received: Arc<Mutex<Vec<HookRequest>>> = Arc::default();
        let answer = Arc::new(answer);
        let handler = {
            let received = received.clone();
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let received = received.clone();
                let answer = answer.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let request = HookRequest {
                        secret: header(SECRET_HEADER),
                        content_type: header("content-type"),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        at: tokio::time::Instant::now(),
                    };
                    let seen = {
                        let mut all = received.lock().unwrap();
                        let seen = all.iter().filter(|r| r.body == request.body).count();
                        all.push(request.clone());
                        seen
                    };
                    let answer = answer(&request, seen);
                    tokio::time::sleep(answer.delay).await;
                    axum::http::StatusCode::from_u16(answer.status).unwrap()
                }
            }
        };
        let app = axum::Router::new().route("/telegram/hook", axum::routing::post(handler));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: reqwest::Url::parse(&url).unwrap(),
            received,
            task: task.abort_handle(),
        }
    }

    fn received(&self) -> Vec<HookRequest> {
        self.received.lock().unwrap().clone()
    }

    fn update_ids(&self) -> Vec<i64> {
        self.received()
            .iter()
            .map(|r| r.body["update_id"].as_i64().unwrap_or_default())
            .collect()
    }
}

impl Drop for HookServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A URL on 127.0.0.1 where nothing listens.
async fn dead_url() -> reqwest::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    reqwest::Url::parse(&format!("http://{addr}/hook")).unwrap()
}

fn last_description(fake: &FakeTelegram, method: &str) -> String {
    let requests = fake.requests_for(method);
    let last = requests.last().expect("a request");
    assert!(last.is_ok(), "{method}: {} {}", last.status, last.response);
    last.description().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn set_get_and_delete_webhook_round_trip_through_teloxide() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let info = bot.get_webhook_info().await.expect("getWebhookInfo");
    assert_eq!(info.url, None);
    assert_eq!(info.pending_update_count, 0);
    assert_eq!(fake.webhook(), None);

    let url = reqwest::Url::parse("http://127.0.0.1:9/telegram/hook").unwrap();
    bot.set_webhook(url.clone())
        .secret_token("s3cr3t_-X")
        .max_connections(5)
        .allowed_updates([AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
        .await
        .expect("setWebhook");
    assert_eq!(last_description(&fake, "setWebhook"), "Webhook was set");
    let info = bot.get_webhook_info().await.expect("getWebhookInfo");
    assert_eq!(info.url, Some(url.clone()));
    assert!(!info.has_custom_certificate);
    assert_eq!(info.pending_update_count, 0);
    assert_eq!(info.max_connections, Some(5));
    assert_eq!(info.ip_address, Some("127.0.0.1".parse().unwrap()));
    assert_eq!(
        info.allowed_updates,
        Some(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
    );
    assert_eq!(info.last_error_date, None);
    assert_eq!(info.last_error_message, None);
    let state = fake.webhook().expect("a webhook");
    assert_eq!(state.url, url.as_str());
    assert_eq!(state.secret_token.as_deref(), Some("s3cr3t_-X"));
    assert_eq!(state.max_connections, 5);
    assert_eq!(
        state.allowed_updates,
        Some(vec!["message".to_owned(), "callback_query".to_owned()])
    );

    bot.set_webhook(url.clone())
        .secret_token("s3cr3t_-X")
        .max_connections(5)
        .await
        .expect("the same webhook again");
    assert_eq!(
        last_description(&fake, "setWebhook"),
        "Webhook is already set"
    );

    // Out-of-range max_connections is clamped; a certificate upload goes multipart.
    bot.set_webhook(url.clone())
        .max_connections(200)
        .certificate(InputFile::memory(&b"-----BEGIN CERTIFICATE-----\n"[..]).file_name("cert.pem"))
        .await
        .expect("setWebhook with a certificate");
    let info = bot.get_webhook_info().await.unwrap();
    assert!(info.has_custom_certificate);
    assert_eq!(info.max_connections, Some(100));
    assert_eq!(
        fake.webhook().unwrap().secret_token,
        None,
        "set anew, without a secret"
    );

    bot.delete_webhook().await.expect("deleteWebhook");
    assert_eq!(
        last_description(&fake, "deleteWebhook"),
        "Webhook was deleted"
    );
    assert_eq!(bot.get_webhook_info().await.unwrap().url, None);
    assert_eq!(fake.webhook(), None);
    bot.delete_webhook().await.expect("deleteWebhook again");
    assert_eq!(
        last_description(&fake, "deleteWebhook"),
        "Webhook is already deleted"
    );

    let ann = fake.user(42, "Ann");
    fake.send_text(&ann, "queued");
    assert_eq!(
        bot.get_webhook_info().await.unwrap().pending_update_count,
        1
    );
    bot.delete_webhook()
        .drop_pending_updates(true)
        .await
        .expect("deleteWebhook dropping updates");
    assert_eq!(fake.pending_updates(), 0);

    // An empty URL removes the webhook too.
    bot.set_webhook(url.clone()).await.unwrap();
    let (status, body) = raw(&fake, "setWebhook", json!({ "url": "" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["description"], "Webhook was deleted");
    assert_eq!(fake.webhook(), None);
}

#[tokio::test]
async fn set_webhook_refuses_urls_telegram_cannot_deliver_to() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let url = |s: &str| reqwest::Url::parse(s).unwrap();
    assert_eq!(
        api_error(bot.set_webhook(url("http://bot.example.com/hook")).await),
        ApiError::WebhookRequireHttps
    );
    assert_eq!(
        api_error(
            bot.set_webhook(url("https://bot.example.com:3000/hook"))
                .await
        ),
        ApiError::BadWebhookPort
    );
    let (status, body) = raw(
        &fake,
        "setWebhook",
        json!({ "url": "ftp://127.0.0.1/hook" }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: invalid webhook URL specified"
    );
    // Telegram's public rules hold away from loopback; 8443 is one of its ports.
    bot.set_webhook(url("https://bot.example.com:8443/hook"))
        .await
        .expect("an HTTPS URL on an allowed port");
    assert_eq!(
        fake.webhook().unwrap().url,
        "https://bot.example.com:8443/hook"
    );
}

#[tokio::test]
async fn secret_token_is_1_to_256_characters_of_a_z_0_9_underscore_and_dash() {
    let fake = FakeTelegram::start().await;
    let url = "http://127.0.0.1:9/hook";
    for bad in ["a b", "abc+def/ghi=", "секрет", "semi;colon"] {
        let (status, body) = raw(
            &fake,
            "setWebhook",
            json!({ "url": url, "secret_token": bad }),
        )
        .await;
        assert_eq!(status, 400, "{bad:?}");
        assert_eq!(
            body["description"], "Bad Request: secret token contains unallowed characters",
            "{bad:?}"
        );
    }
    let (status, body) = raw(
        &fake,
        "setWebhook",
        json!({ "url": url, "secret_token": "a".repeat(257) }),
    )
    .await;
    assert_eq!(
        (status, body["description"].as_str()),
        (400, Some("Bad Request: secret token is too long"))
    );
    assert_eq!(fake.webhook(), None, "refused requests set nothing");

    let longest = format!("{}_-Z9", "a".repeat(252));
    let (status, _) = raw(
        &fake,
        "setWebhook",
        json!({ "url": url, "secret_token": longest }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(fake.webhook().unwrap().secret_token, Some(longest));
    // An empty secret means none, as on Telegram.
    let (status, _) = raw(
        &fake,
        "setWebhook",
        json!({ "url": url, "secret_token": "" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(fake.webhook().unwrap().secret_token, None);

    let refused = fake
        .bot()
        .set_webhook(reqwest::Url::parse(url).unwrap())
        .secret_token("not=base64url")
        .await;
    assert_eq!(
        unknown(refused),
        "Bad Request: secret token contains unallowed characters"
    );
}

#[tokio::test]
async fn get_updates_answers_409_while_a_webhook_is_set() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(15).await }
    });
    fake.wait_for_poller().await;
    bot.set_webhook(dead_url().await).await.expect("setWebhook");
    assert_eq!(
        unknown(fake.within("the long poll", poll).await.unwrap()),
        "Conflict: terminated by setWebhook request"
    );
    let conflict = unknown(bot.get_updates().await);
    assert_eq!(
        conflict,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    );
    assert_eq!(fake.requests_for("getUpdates").last().unwrap().status, 409);

    let ann = fake.user(42, "Ann");
    let id = fake.send_text(&ann, "kept for the poller");
    bot.delete_webhook().await.expect("deleteWebhook");
    let update = only_update(&bot).await;
    assert_eq!(update.id.0 as i64, id, "the update the webhook never took");
}

#[tokio::test]
async fn updates_are_posted_in_order_with_the_secret_and_a_500_is_retried() {
    let fake = FakeTelegram::start().await;
    let ann = fake.user(42, "Ann");
    let first = fake.send_text(&ann, "before the webhook");
    let refuse_once = fake.send_text(&ann, "refused once");
    let hook = HookServer::start(move |request, seen| {
        let id = request.body["update_id"].as_i64();
        if id == Some(refuse_once) && seen == 0 {
            500.into()
        } else {
            200.into()
        }
    })
    .await;
    let bot = fake.bot();
    bot.set_webhook(hook.url.clone())
        .secret_token("hook-secret_42")
        .await
        .expect("setWebhook");
    let message = fake.send_text(&ann, "after the webhook");
    let sent = fake
        .within("a button to press", async {
            bot.send_message(ChatId(42), "pick")
                .reply_markup(keyboard(&[("Yes", "yes")]))
                .await
        })
        .await
        .expect("sendMessage");
    let query_id = fake.press_button(&ann, sent.id.0 as i64, "yes");
    let press = message + 1;
    fake.wait_until_consumed().await;

    assert_eq!(
        hook.update_ids(),
        [first, refuse_once, refuse_once, message, press],
        "one update per request, in order, the refused one again before the next"
    );
    for request in hook.received() {
        assert_eq!(request.secret.as_deref(), Some("hook-secret_42"));
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
        serde_json::from_value::<teloxide::types::Update>(request.body.clone())
            .unwrap_or_else(|e| panic!("teloxide parses {}: {e}", request.body));
    }
    assert_eq!(
        hook.received()[4].body["callback_query"]["id"],
        json!(query_id)
    );

    let deliveries = fake.webhook_deliveries();
    let outcome: Vec<(i64, Option<u16>)> =
        deliveries.iter().map(|d| (d.update_id, d.status)).collect();
    assert_eq!(
        outcome,
        [
            (first, Some(200)),
            (refuse_once, Some(500)),
            (refuse_once, Some(200)),
            (message, Some(200)),
            (press, Some(200)),
        ]
    );
    let refused = &deliveries[1];
    assert_eq!(
        refused.error.as_deref(),
        Some("Wrong response from the webhook: 500 Internal Server Error")
    );
    assert!(
        deliveries[2].at - refused.at >= Duration::from_millis(150),
        "retried after a backoff, not at once"
    );

    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(info.pending_update_count, 0);
    assert_eq!(
        info.last_error_message.as_deref(),
        Some("Wrong response from the webhook: 500 Internal Server Error")
    );
    assert!(info.last_error_date.is_some());
    assert_eq!(
        fake.webhook().unwrap().last_error_message,
        info.last_error_message
    );
}

#[tokio::test]
async fn in_parallel_each_chat_gets_one_update_at_a_time_and_other_chats_go_alongside() {
    let fake = FakeTelegram::start_with(Config {
        webhook_parallel: true,
        ..Config::default()
    })
    .await;
    let (ann, bob, cid) = (
        fake.user(42, "Ann"),
        fake.user(43, "Bob"),
        fake.user(44, "Cid"),
    );
    let anns: Vec<i64> = (1..=3)
        .map(|n| fake.send_text(&ann, &format!("Ann {n}")))
        .collect();
    let others = [fake.send_text(&bob, "Bob"), fake.send_text(&cid, "Cid")];
    let hook = HookServer::start(|_, _| HookAnswer {
        status: 200,
        delay: Duration::from_millis(300),
    })
    .await;
    let bot = fake.bot();
    bot.set_webhook(hook.url.clone()).await.expect("setWebhook");
    fake.wait_until_consumed().await;

    let arrived = |id: i64| {
        hook.received()
            .iter()
            .find(|r| r.body["update_id"].as_i64() == Some(id))
            .map(|r| r.at)
            .expect("delivered")
    };
    let answered = |id: i64| {
        fake.webhook_deliveries()
            .iter()
            .find(|d| d.update_id == id)
            .map(|d| d.at)
            .expect("answered")
    };
    assert_eq!(hook.received().len(), 5, "each update once");
    for pair in anns.windows(2) {
        assert!(
            arrived(pair[1]) >= answered(pair[0]),
            "one chat's next update only after the previous one was answered"
        );
    }
    for other in others {
        assert!(
            arrived(other) < answered(anns[0]),
            "other chats' updates go alongside"
        );
    }
}

#[tokio::test]
async fn an_unreachable_or_slow_webhook_keeps_the_update_queued() {
    let fake = FakeTelegram::start_with(Config {
        webhook_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let bot = fake.bot();
    let ann = fake.user(42, "Ann");
    bot.set_webhook(dead_url().await).await.unwrap();
    let id = fake.send_text(&ann, "nobody listens");
    let failed = fake.wait_for_delivery(|d| d.update_id == id).await;
    assert_eq!(failed.status, None);
    assert_eq!(failed.error.as_deref(), Some("Connection refused"));
    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(
        info.last_error_message.as_deref(),
        Some("Connection refused")
    );
    assert_eq!(info.pending_update_count, 1);

    // A webhook that answers too late fails the same way, then gets the update again.
    let slow = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let hook = HookServer::start({
        let slow = slow.clone();
        move |_, _| {
            let delay = if slow.swap(false, std::sync::atomic::Ordering::SeqCst) {
                Duration::from_millis(600)
            } else {
                Duration::ZERO
            };
            HookAnswer { status: 200, delay }
        }
    })
    .await;
    bot.set_webhook(hook.url.clone()).await.unwrap();
    assert_eq!(
        bot.get_webhook_info().await.unwrap().last_error_message,
        None,
        "a new webhook starts without an error"
    );
    fake.wait_until_consumed().await;
    let to_hook: Vec<_> = fake
        .webhook_deliveries()
        .into_iter()
        .filter(|d| d.url == hook.url.as_str())
        .map(|d| (d.update_id, d.status, d.error))
        .collect();
    assert_eq!(
        to_hook,
        [
            (id, None, Some("Read timeout expired".to_owned())),
            (id, Some(200), None)
        ]
    );
}

#[tokio::test]
async fn post_to_webhook_raw_sends_any_body_with_any_secret() {
    let fake = FakeTelegram::start().await;
    let hook = HookServer::start(|request, _| {
        if request.secret.as_deref() == Some("right") {
            200.into()
        } else {
            401.into()
        }
    })
    .await;
    fake.bot()
        .set_webhook(hook.url.clone())
        .secret_token("right")
        .await
        .unwrap();
    let forged = json!({ "update_id": 1, "message": { "text": "forged" } });
    assert_eq!(
        fake.post_to_webhook_raw(forged.clone(), Some("wrong"))
            .await,
        401
    );
    assert_eq!(fake.post_to_webhook_raw(forged.clone(), None).await, 401);
    assert_eq!(
        fake.post_to_webhook_raw(forged.clone(), Some("right"))
            .await,
        200
    );
    let secrets: Vec<Option<String>> = hook.received().into_iter().map(|r| r.secret).collect();
    assert_eq!(
        secrets,
        [Some("wrong".to_owned()), None, Some("right".to_owned())]
    );
    assert!(hook.received().iter().all(|r| r.body == forged));
    assert!(
        fake.webhook_deliveries().is_empty(),
        "raw posts bypass the queue"
    );
}

// ----- waiting ------------------------------------------------------------------------------

#[tokio::test]
async fn waits_panic_with_a_dump_when_nothing_happens() {
    let fake = FakeTelegram::start_with(Config {
        wait_timeout: Duration::from_millis(50),
        ..Config::default()
    })
    .await;
    let ann = started(&fake, 42, "Ann");
    let _ = ann;
    let waiting = tokio::spawn({
        let fake = fake.clone();
        async move { fake.wait_for_message(42, |_| true).await }
    });
    let error = waiting.await.expect_err("must panic");
    let text = panic_text(error.into_panic());
    assert!(text.contains("timed out"), "{text}");
    assert!(
        text.contains("#1 person"),
        "the dump shows the chat: {text}"
    );
}

// ----- inline mode -------------------------------------------------------------------------------

fn article(id: &str, title: &str, text: &str) -> InlineQueryResultArticle {
    InlineQueryResultArticle::new(
        id,
        title,
        InputMessageContent::Text(InputMessageContentText::new(text)),
    )
}

fn results(articles: impl IntoIterator<Item = InlineQueryResultArticle>) -> Vec<InlineQueryResult> {
    articles
        .into_iter()
        .map(InlineQueryResult::Article)
        .collect()
}

/// All queued updates, confirmed, so the next call sees only what happens after it.
async fn drain(bot: &Bot) -> Vec<teloxide::types::Update> {
    let updates = bot.get_updates().timeout(0).await.expect("getUpdates");
    if let Some(last) = updates.last() {
        bot.get_updates()
            .offset(last.id.as_offset())
            .timeout(0)
            .await
            .expect("confirm");
    }
    updates
}

#[tokio::test]
async fn inline_queries_reach_the_bot_and_answers_are_recorded() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    assert!(bot.get_me().await.unwrap().supports_inline_queries);
    let ann = fake.user(42, "Ann");
    let id = fake.inline_query(&ann, "gate code", Some("sender"));
    let update = only_update(&bot).await;
    let UpdateKind::InlineQuery(query) = update.kind else {
        panic!("expected an inline query, got {update:?}");
    };
    assert_eq!(query.id.0, id);
    assert_eq!(query.from.id.0, 42);
    assert_eq!(
        (query.query.as_str(), query.offset.as_str()),
        ("gate code", "")
    );
    assert_eq!(query.chat_type, Some(ChatType::Sender));
    assert_eq!(fake.inline_results_seen(&id), None, "not answered yet");

    let formatted = article("a1.1.en", "Gate code", "The code is <b>1234</b> &amp; #")
        .description("The code is 1234")
        .reply_markup(keyboard(&[("Useful", "useful:1")]))
        .input_message_content(InputMessageContent::Text(
            InputMessageContentText::new("The code is <b>1234</b> &amp; #")
                .parse_mode(ParseMode::Html)
                .link_preview_options(LinkPreviewOptions {
                    is_disabled: true,
                    url: None,
                    prefer_small_media: false,
                    prefer_large_media: false,
                    show_above_text: false,
                }),
        ));
    bot.answer_inline_query(
        InlineQueryId(id.clone()),
        results([formatted, article("a2.1.en", "Parking", "Level -2")]),
    )
    .is_personal(true)
    .cache_time(0)
    .next_offset("")
    .await
    .expect("a valid answer");

    let answer = fake.wait_for_inline_answer(&id).await;
    assert_eq!(answer.from_user_id, 42);
    assert_eq!(answer.query, "gate code");
    assert_eq!((answer.cache_time, answer.is_personal), (0, true));
    assert_eq!(answer.next_offset, "");
    let first = &answer.results[0];
    assert_eq!(first.id, "a1.1.en");
    assert_eq!(first.title, "Gate code");
    assert_eq!(first.description.as_deref(), Some("The code is 1234"));
    assert_eq!(first.text, "The code is <b>1234</b> &amp; #");
    assert_eq!(first.plain_text, "The code is 1234 & #");
    assert_eq!(first.parse_mode.as_deref(), Some("HTML"));
    assert_eq!(
        first.entities,
        [json!({"type": "bold", "offset": 12, "length": 4})]
    );
    assert!(first.reply_markup.is_some());
    assert_eq!(answer.results[1].plain_text, "Level -2");
    assert_eq!(fake.inline_results_seen(&id), Some(answer.results.clone()));
    assert_eq!(fake.inline_answers(), [answer]);

    let too_old =
        "Bad Request: query is too old and response timeout expired or query ID is invalid";
    assert_eq!(
        unknown(
            bot.answer_inline_query(InlineQueryId(id), results([]))
                .await
        ),
        too_old,
        "an inline query is answered once"
    );
    assert_eq!(
        unknown(
            bot.answer_inline_query(InlineQueryId("12345".into()), results([]))
                .await
        ),
        too_old
    );
}

#[tokio::test]
async fn answer_inline_query_enforces_telegram_limits() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ann = fake.user(42, "Ann");
    let id = fake.inline_query(&ann, "q", None);
    let answer = |results: Vec<InlineQueryResult>| {
        bot.answer_inline_query(InlineQueryId(id.clone()), results)
    };
    let many = |n: usize| results((0..n).map(|i| article(&format!("r{i}"), "t", "x")));
    // Refused answers leave the query open, so one query serves every check.
    assert_eq!(
        api_error(answer(many(51)).await),
        ApiError::TooMuchInlineQueryResults
    );
    assert_eq!(
        unknown(answer(results([article("", "t", "x")])).await),
        "Bad Request: RESULT_ID_INVALID"
    );
    let id_of_bytes = |n: usize| "门".repeat(n / 3) + &"a".repeat(n % 3);
    assert_eq!(
        unknown(answer(results([article(&id_of_bytes(65), "t", "x")])).await),
        "Bad Request: RESULT_ID_INVALID",
        "64 bytes, not characters"
    );
    assert_eq!(
        unknown(
            answer(results([
                article("same", "t", "x"),
                article("same", "u", "y")
            ]))
            .await
        ),
        "Bad Request: RESULT_ID_DUPLICATE"
    );
    assert_eq!(
        unknown(answer(results([article("r", " ", "x")])).await),
        "Bad Request: ARTICLE_TITLE_EMPTY"
    );
    assert_eq!(
        api_error(answer(results([article("r", "t", &"x".repeat(4097))])).await),
        ApiError::EditedMessageIsTooLong,
        "Telegram's MESSAGE_TOO_LONG"
    );
    let html = |text: &str| {
        article("r", "t", text).input_message_content(InputMessageContent::Text(
            InputMessageContentText::new(text).parse_mode(ParseMode::Html),
        ))
    };
    assert!(
        cant_parse(answer(results([html("a <b>b")])).await)
            .starts_with("Bad Request: can't parse entities"),
    );
    assert_eq!(
        api_error(answer(results([html("<b> </b>")])).await),
        ApiError::MessageTextIsEmpty
    );
    let with_buttons = |markup: InlineKeyboardMarkup| article("r", "t", "x").reply_markup(markup);
    assert_eq!(
        api_error(answer(results([with_buttons(keyboard(&[("b", &"d".repeat(65))]))])).await),
        ApiError::ButtonDataInvalid
    );
    let mini_app = InlineKeyboardMarkup::new([[InlineKeyboardButton::web_app(
        "open",
        teloxide::types::WebAppInfo {
            url: reqwest::Url::parse("https://bot.example/app").unwrap(),
        },
    )]]);
    assert_eq!(
        unknown(answer(results([with_buttons(mini_app)])).await),
        "Bad Request: BUTTON_TYPE_INVALID",
        "the message can land in any chat"
    );
    assert_eq!(
        unknown(answer(many(1)).next_offset("o".repeat(65)).await),
        "Bad Request: NEXT_OFFSET_INVALID"
    );
    let (status, body) = raw(
        &fake,
        "answerInlineQuery",
        json!({"inline_query_id": id, "results": [{"type": "photo", "id": "p", "photo_url": "https://x.example/a.jpg"}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .starts_with("Bad Request: can't parse inline query result"),
        "{body}"
    );
    let (status, body) = raw(
        &fake,
        "answerInlineQuery",
        json!({"inline_query_id": id, "results": [{"type": "article", "id": "r", "input_message_content": {"message_text": "x"}}]}),
    )
    .await;
    assert_eq!(
        (status, body["description"].as_str()),
        (400, Some("Bad Request: ARTICLE_TITLE_EMPTY"))
    );
    assert!(fake.inline_answers().is_empty());
    assert_eq!(fake.inline_results_seen(&id), None);

    // The limits themselves are allowed: 50 results, 64-byte ids, 4096 units after parsing.
    let mut edge = vec![
        article(&id_of_bytes(64), "t", &"x".repeat(4096)),
        html(&format!("<b>{}</b>", "x".repeat(4096))),
    ];
    edge.extend((2..50).map(|i| article(&format!("r{i}"), "t", "x")));
    answer(results(edge)).await.expect("at the limits");
    assert_eq!(fake.inline_answers()[0].results.len(), 50);
}

#[tokio::test]
async fn results_may_arrive_as_a_json_string_in_a_form() {
    let fake = FakeTelegram::start().await;
    let ann = fake.user(42, "Ann");
    let id = fake.inline_query(&ann, "q", Some("group"));
    let results = json!([{
        "type": "article", "id": "r1", "title": "T",
        "input_message_content": {"message_text": "<i>hi</i>", "parse_mode": "HTML"}
    }]);
    let response = reqwest::Client::new()
        .post(format!("{}/bot{TOKEN}/answerInlineQuery", fake.base_url()))
        .form(&[
            ("inline_query_id", id.as_str()),
            ("results", &results.to_string()),
            ("cache_time", "0"),
            ("is_personal", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer = fake.wait_for_inline_answer(&id).await;
    assert_eq!((answer.cache_time, answer.is_personal), (0, true));
    assert_eq!(answer.results[0].plain_text, "hi");
}

#[tokio::test]
async fn a_shared_cached_answer_is_served_to_anyone_without_an_update() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let staff = fake.user(42, "Staff");
    let buyer = fake.user(43, "Buyer");
    let asked = fake.inline_query(&staff, "gate code", Some("private"));
    drain(&bot).await;
    // The trap: no is_personal, default cache_time (300 s).
    bot.answer_inline_query(
        InlineQueryId(asked.clone()),
        results([article("secret", "Gate code", "1234")]),
    )
    .await
    .unwrap();

    let overheard = fake.inline_query(&buyer, "gate code", Some("private"));
    assert!(
        drain(&bot).await.is_empty(),
        "Telegram answers from its cache; the bot never hears of the query"
    );
    let seen = fake
        .inline_results_seen(&overheard)
        .expect("served at once");
    assert_eq!(
        seen[0].plain_text, "1234",
        "the buyer sees the staff's answer"
    );
    assert_eq!(fake.inline_answers().len(), 1);
    fake.choose_inline_result(&buyer, &overheard, "secret", -77);
    let updates = drain(&bot).await;
    assert!(
        matches!(updates.as_slice(), [u] if matches!(&u.kind, UpdateKind::ChosenInlineResult(c) if c.from.id.0 == 43)),
        "the choice is the bot's only sign of the leak: {updates:?}"
    );

    let other_text = fake.inline_query(&buyer, "gate", None);
    assert_eq!(drain(&bot).await.len(), 1, "only the same text is cached");
    assert_eq!(fake.inline_results_seen(&other_text), None);

    // cache_time 0 caches nothing.
    let fresh = fake.inline_query(&staff, "parking", None);
    drain(&bot).await;
    bot.answer_inline_query(InlineQueryId(fresh), results([article("p", "P", "-2")]))
        .cache_time(0)
        .await
        .unwrap();
    let again = fake.inline_query(&buyer, "parking", None);
    assert_eq!(drain(&bot).await.len(), 1, "delivered to the bot");
    assert_eq!(fake.inline_results_seen(&again), None);
}

#[tokio::test]
async fn a_personal_answer_is_not_served_to_another_user() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let staff = fake.user(42, "Staff");
    let buyer = fake.user(43, "Buyer");
    let asked = fake.inline_query(&staff, "gate code", None);
    drain(&bot).await;
    bot.answer_inline_query(
        InlineQueryId(asked),
        results([article("secret", "Gate code", "1234")]),
    )
    .is_personal(true)
    .await
    .unwrap();

    let buyer_asks = fake.inline_query(&buyer, "gate code", None);
    let updates = drain(&bot).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(matches!(&updates[0].kind, UpdateKind::InlineQuery(q) if q.from.id.0 == 43));
    assert_eq!(fake.inline_results_seen(&buyer_asks), None);
    bot.answer_inline_query(InlineQueryId(buyer_asks.clone()), results([]))
        .is_personal(true)
        .await
        .unwrap();
    assert_eq!(
        fake.inline_results_seen(&buyer_asks),
        Some(vec![]),
        "the buyer sees nothing"
    );

    let staff_again = fake.inline_query(&staff, "gate code", None);
    assert!(
        drain(&bot).await.is_empty(),
        "the same user is served from the cache"
    );
    assert_eq!(
        fake.inline_results_seen(&staff_again).unwrap()[0].id,
        "secret"
    );
}

#[tokio::test]
async fn choosing_a_result_posts_it_via_the_bot_and_reports_the_choice() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let staff = fake.user(42, "Staff");
    let buyer = started(&fake, 43, "Buyer");
    fake.send_group_text(-1001, &buyer, "hello group");
    drain(&bot).await;
    let asked = fake.inline_query(&staff, "gate", Some("private"));
    drain(&bot).await;
    bot.answer_inline_query(
        InlineQueryId(asked.clone()),
        results([
            article("plain", "Plain", "Gate code 1234"),
            article("buttons", "With buttons", "x")
                .input_message_content(InputMessageContent::Text(
                    InputMessageContentText::new("Gate <b>1234</b>").parse_mode(ParseMode::Html),
                ))
                .reply_markup(keyboard(&[("Useful", "useful:1")])),
        ]),
    )
    .is_personal(true)
    .cache_time(0)
    .await
    .unwrap();

    let refused = |f: &dyn Fn() -> i64| {
        panic_text(catch_unwind(AssertUnwindSafe(f)).expect_err("must refuse"))
    };
    assert!(
        refused(&|| fake.choose_inline_result(&staff, &asked, "nope", 43))
            .contains("shows no result")
    );
    assert!(
        refused(&|| fake.choose_inline_result(&buyer, &asked, "plain", 43))
            .contains("typed by user 42")
    );

    // In a chat with the buyer (not the bot's chat with the staff member): the bot is no member.
    let posted = fake.choose_inline_result(&staff, &asked, "buttons", 43);
    let updates = drain(&bot).await;
    assert_eq!(updates.len(), 1, "{updates:?}");
    let UpdateKind::ChosenInlineResult(chosen) = &updates[0].kind else {
        panic!("expected a chosen inline result, got {updates:?}");
    };
    assert_eq!(chosen.result_id, "buttons");
    assert_eq!(chosen.from.id.0, 42);
    assert_eq!(chosen.query, "gate");
    assert!(
        chosen.inline_message_id.is_some(),
        "the result has a keyboard"
    );
    let message = fake
        .person_messages(43)
        .into_iter()
        .find(|m| m["message_id"] == json!(posted))
        .expect("stored in the chat");
    let message: Message = serde_json::from_value(message).expect("a Message");
    assert_eq!(message.from.as_ref().map(|u| u.id.0), Some(42));
    assert_eq!(
        message.via_bot.as_ref().map(|b| b.id.0 as i64),
        Some(BOT_ID)
    );
    assert_eq!(message.text(), Some("Gate 1234"));
    assert_eq!(message.entities().unwrap()[0].kind, MessageEntityKind::Bold);
    assert!(
        refused(&|| fake.choose_inline_result(&staff, &asked, "plain", 43))
            .contains("already chosen"),
        "the result list closes after a choice"
    );

    // In the staff member's own chat with the bot, the bot sees the message too.
    let again = fake.inline_query(&staff, "gate", Some("sender"));
    drain(&bot).await;
    bot.answer_inline_query(
        InlineQueryId(again.clone()),
        results([article("plain", "Plain", "Gate code 1234")]),
    )
    .cache_time(0)
    .await
    .unwrap();
    fake.choose_inline_result(&staff, &again, "plain", 42);
    let updates = drain(&bot).await;
    assert_eq!(updates.len(), 2, "{updates:?}");
    let UpdateKind::Message(message) = &updates[0].kind else {
        panic!("expected the message first, got {updates:?}");
    };
    assert_eq!(message.text(), Some("Gate code 1234"));
    assert_eq!(
        message.via_bot.as_ref().map(|b| b.id.0 as i64),
        Some(BOT_ID)
    );
    let UpdateKind::ChosenInlineResult(chosen) = &updates[1].kind else {
        panic!("expected the choice, got {updates:?}");
    };
    assert_eq!(
        chosen.inline_message_id, None,
        "no keyboard, no inline message id"
    );

    // A group the bot is in gets the message, but the fake delivers it to the bot only in the
    // bot's own chat with the person (a deliberate simplification).
    let in_group = fake.inline_query(&staff, "gate", Some("group"));
    drain(&bot).await;
    bot.answer_inline_query(
        InlineQueryId(in_group.clone()),
        results([article("plain", "Plain", "Gate code 1234")]),
    )
    .cache_time(0)
    .await
    .unwrap();
    fake.choose_inline_result(&staff, &in_group, "plain", -1001);
    let updates = drain(&bot).await;
    assert!(
        matches!(updates.as_slice(), [u] if matches!(u.kind, UpdateKind::ChosenInlineResult(_))),
        "{updates:?}"
    );
    assert_eq!(
        fake.person_messages(-1001).last().unwrap()["via_bot"]["id"],
        json!(BOT_ID)
    );
}

#[tokio::test]
async fn inline_mode_and_feedback_follow_the_botfather_settings() {
    let fake = FakeTelegram::start_with(Config {
        inline_mode: false,
        ..Config::default()
    })
    .await;
    let bot = fake.bot();
    assert!(!bot.get_me().await.unwrap().supports_inline_queries);
    let ann = fake.user(42, "Ann");
    let id = fake.inline_query(&ann, "q", None);
    assert!(!id.is_empty());
    assert_eq!(fake.pending_updates(), 0);
    assert_eq!(fake.inline_results_seen(&id), None);
    assert!(
        unknown(
            bot.answer_inline_query(InlineQueryId(id), results([]))
                .await
        )
        .contains("query is too old")
    );

    let fake = FakeTelegram::start_with(Config {
        inline_feedback: false,
        ..Config::default()
    })
    .await;
    let bot = fake.bot();
    let id = fake.inline_query(&ann, "q", None);
    drain(&bot).await;
    bot.answer_inline_query(InlineQueryId(id.clone()), results([article("r", "t", "x")]))
        .await
        .unwrap();
    fake.choose_inline_result(&ann, &id, "r", -5);
    assert_eq!(
        fake.pending_updates(),
        0,
        "no chosen_inline_result without feedback"
    );
    assert_eq!(
        fake.person_messages(-5).len(),
        1,
        "the message is posted all the same"
    );
}

#[tokio::test]
async fn inline_updates_respect_allowed_updates() {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ann = fake.user(42, "Ann");
    bot.get_updates()
        .allowed_updates([AllowedUpdate::Message])
        .timeout(0)
        .await
        .unwrap();
    fake.inline_query(&ann, "q", None);
    let text = fake.send_text(&ann, "hi");
    let updates = bot.get_updates().timeout(0).await.unwrap();
    assert_eq!(
        updates.iter().map(|u| u.id.0 as i64).collect::<Vec<_>>(),
        [text],
        "the inline query is not delivered"
    );

    bot.get_updates()
        .offset(text as i32 + 1)
        .allowed_updates([
            AllowedUpdate::InlineQuery,
            AllowedUpdate::ChosenInlineResult,
        ])
        .timeout(0)
        .await
        .unwrap();
    let id = fake.inline_query(&ann, "q", None);
    assert!(matches!(
        only_update(&bot).await.kind,
        UpdateKind::InlineQuery(_)
    ));
    bot.answer_inline_query(InlineQueryId(id.clone()), results([article("r", "t", "x")]))
        .cache_time(0)
        .await
        .unwrap();
    fake.choose_inline_result(&ann, &id, "r", 42);
    assert!(
        matches!(
            only_update(&bot).await.kind,
            UpdateKind::ChosenInlineResult(_)
        ),
        "the message in the bot's chat is not allowed, the choice is"
    );
}

#[tokio::test]
async fn inline_queries_expire_after_the_configured_window() {
    // Long enough for an immediate answer over loopback on a loaded CI machine.
    let window = Duration::from_millis(200);
    let fake = FakeTelegram::start_with(Config {
        inline_query_ttl: window,
        ..Config::default()
    })
    .await;
    let bot = fake.bot();
    let ann = fake.user(42, "Ann");
    let quick = fake.inline_query(&ann, "quick", None);
    let slow = fake.inline_query(&ann, "slow", None);
    bot.answer_inline_query(InlineQueryId(quick), results([]))
        .await
        .expect("within the window");
    // A short real wait: the fake measures on tokio's clock while real HTTP is in flight, which
    // a paused clock would not let finish.
    tokio::time::sleep(window + Duration::from_millis(50)).await;
    assert_eq!(
        unknown(
            bot.answer_inline_query(InlineQueryId(slow.clone()), results([]))
                .await
        ),
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    );
    assert_eq!(
        fake.inline_results_seen(&slow),
        None,
        "the person saw nothing"
    );
}
