//! The Mini App in a real browser: the ambassador and then the buyer sign the handover record
//! on the signing page, drawn with a finger, and the home is handed over when the buyer signs;
//! a page opened with a forged, stale or someone else's login is refused and changes nothing.

use crate::support::app::TestApp;
use crate::support::browser::{Browser, Telegram};
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::people::reply_to;
use crate::support::site::{Campaign, PUBLIC_URL, Site};
use crate::support::steps::{photo, press_button, press_on, until, wait_fixed, wait_key};
use crate::support::text::{says, zh};
use handover_bot::bot::callback::{Callback, HandoverStep};
use handover_bot::clock::Clock as _;
use handover_bot::config::SignatureRule;
use handover_bot::i18n::Arg;
use handover_bot::store::aftercare::HandoverStatus;
use handover_bot::webapp::init_data::sign_init_data;

const PUBLIC: &str = PUBLIC_URL;

/// Two linked buyers (1-1-101 and 2-1-102), the Mini App on at `PUBLIC`, and a checklist of
/// one key kind, one meter and one document.
async fn site(rule: SignatureRule) -> Campaign {
    Site::new()
        .homes(2)
        .linked(&[0, 1])
        .mini_app(rule, "water")
        .assigned()
        .await
}

/// The ambassador records the handover of 1-1-101 and sends it; the bot's answer.
async fn record_handover(app: &TestApp, ambassador: &User) -> SentMessage {
    reply_to(app, ambassador, "/handover 1-1-101").await;
    press_button(
        app,
        ambassador,
        Callback::Handover(HandoverStep::Keys(0, 2)),
    )
    .await;
    wait_fixed(app, ambassador, "handover-ask-meter").await;
    app.fake.send_photo(ambassador, photo(41), Some("0123.4"));
    press_button(
        app,
        ambassador,
        Callback::Handover(HandoverStep::Document(0, true)),
    )
    .await;
    press_button(
        app,
        ambassador,
        Callback::Handover(HandoverStep::DocumentsDone),
    )
    .await;
    press_button(app, ambassador, Callback::Handover(HandoverStep::Submit)).await;
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.inline_buttons().iter().any(|b| b.web_app.is_some())
        })
        .await
}

/// The web_app button's page, as the test reaches it: the public address mapped to the app's
/// own HTTP server.
fn page_of(app: &TestApp, message: &SentMessage) -> String {
    let page = message
        .inline_buttons()
        .into_iter()
        .find_map(|b| b.web_app)
        .expect("a Mini App button");
    assert!(page.starts_with(PUBLIC), "{page}");
    let local = app.running().http_addr.expect("the HTTP server runs");
    page.replacen(PUBLIC, &format!("http://{local}/"), 1)
}

/// The login Telegram gives a page opened by `user`, signed with `token`, `age` ago.
fn login(app: &TestApp, user: &User, token: &str, age: chrono::Duration) -> String {
    sign_init_data(
        token,
        &serde_json::json!({"id": user.id, "first_name": user.first_name, "language_code": "zh-hans"})
            .to_string(),
        app.clock.now() - age,
    )
}

fn token(app: &TestApp) -> String {
    app.config
        .bot_token
        .as_ref()
        .expect("the test app has a token")
        .expose()
        .to_string()
}

async fn status_of(app: &TestApp) -> HandoverStatus {
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let handover = tx.current_handover(unit).await.unwrap().expect("a record");
    tx.commit().await.unwrap();
    handover.status
}

async fn signatures(app: &TestApp) -> Vec<handover_bot::store::signatures::Signature> {
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let handover = tx.current_handover(unit).await.unwrap().expect("a record");
    let signatures = tx.signatures(handover.id).await.unwrap();
    tx.commit().await.unwrap();
    signatures
}

/// Dark pixels in a stored signature image.
fn ink_in(app: &TestApp, path: &str) -> usize {
    let bytes = std::fs::read(app.config.media_dir.join(path)).expect("the image is stored");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut pixels).expect("a frame");
    pixels.chunks(3).filter(|p| p[0] < 100).count()
}

fn keep_artefact(name: &str, png: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("miniapp");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

/// A request to the page's API with `init_data`, as the page makes it; the status.
async fn api_status(url: &str, init_data: &str, body: Option<&str>) -> u16 {
    let client = reqwest::Client::new();
    let request = match body {
        Some(body) => client.post(url).body(body.to_string()),
        None => client.get(url),
    };
    request
        .header("Authorization", format!("tma {init_data}"))
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ambassador_then_the_buyer_sign_in_the_browser_and_the_home_is_handed_over() {
    let site = site(SignatureRule::Required).await;
    let (app, ambassador, buyer, other) = (
        &site.app,
        &site.ambassador,
        &site.buyers[0],
        &site.buyers[1],
    );
    let token = token(app);
    let saved = record_handover(app, ambassador).await;
    assert!(
        says(&saved.plain_text, "handover-saved-sign"),
        "{}",
        saved.plain_text
    );
    // Nothing goes to the buyer before the ambassador signs.
    assert!(
        !app.fake
            .sent_messages(buyer.id)
            .iter()
            .any(|m| says(&m.plain_text, "handover-confirm-ask")),
        "the buyer got the record before it was signed"
    );

    let browser = Browser::start().await;
    let page = page_of(app, &saved);
    let mine = login(app, ambassador, &token, chrono::Duration::minutes(1));
    browser
        .open(
            &page,
            &Telegram {
                init_data: &mine,
                user_id: ambassador.id,
                language_code: "zh-hans",
                dark: false,
            },
        )
        .await;
    let title = browser.text_of("title").await;
    assert_eq!(
        title,
        zh("sign-page-title", &[("home", Arg::from("1-1-101"))])
    );
    let record = browser.text_of("record").await;
    for needle in ["1-1-101", "0123.4", &zh("document-quality-guarantee", &[])] {
        assert!(record.contains(needle), "{needle} in {record}");
    }
    // The main button waits for a signature and the tick.
    let (text, visible, enabled) = browser.main_button().await;
    assert_eq!(text, zh("sign-page-sign-send", &[]));
    assert!(visible && !enabled);
    assert!(!browser.press_main_button().await);
    browser.tick("read").await;
    browser.sign_on("pad").await;
    assert!(
        browser.main_button().await.2,
        "signed and ticked: the button is enabled"
    );
    keep_artefact("sign-light.png", &browser.screenshot().await);
    assert!(browser.press_main_button().await);
    let done = browser.text_of("status").await;
    let thanks = zh("sign-page-thanks-ambassador", &[("count", Arg::Number(1))]);
    for _ in 0..500 {
        if browser.text_of("status").await == thanks {
            break;
        }
    }
    assert_eq!(browser.text_of("status").await, thanks, "first said {done}");
    wait_key(
        app,
        ambassador,
        "handover-signed-sent",
        &[("home", Arg::from("1-1-101")), ("count", Arg::Number(1))],
    )
    .await;

    // The buyer gets the record with the page to sign, and no button that receives the home.
    let ask = wait_fixed(app, buyer, "handover-confirm-how-sign").await;
    assert!(
        !ask.inline_buttons().iter().any(|b| b
            .callback_data
            .as_deref()
            .is_some_and(|d| d.contains(":hc:"))),
        "{:?}",
        ask.button_labels()
    );
    assert!(
        ask.button_labels()
            .contains(&zh("button-handover-sign-receive", &[]))
    );
    let buyer_page = page_of(app, &ask);
    let api = buyer_page.replace("/app/sign?record=", "/app/api/records/");
    let drawing = r#"{"width":300,"height":150,"strokes":[[[10,10],[200,80],[290,20]]]}"#;

    // Refused alike, and nothing changes: another bot's token, a login older than an hour,
    // and the other home's buyer.
    for (what, init_data) in [
        (
            "another token",
            login(app, buyer, "999:NOT-THIS-BOT", chrono::Duration::minutes(1)),
        ),
        (
            "stale",
            login(app, buyer, &token, chrono::Duration::minutes(61)),
        ),
        (
            "another buyer",
            login(app, other, &token, chrono::Duration::minutes(1)),
        ),
    ] {
        assert_eq!(api_status(&api, &init_data, None).await, 401, "{what}");
        let signature = format!("{api}/signature");
        assert_eq!(
            api_status(&signature, &init_data, Some(drawing)).await,
            401,
            "{what}"
        );
        browser
            .open(
                &buyer_page,
                &Telegram {
                    init_data: &init_data,
                    user_id: buyer.id,
                    language_code: "zh-hans",
                    dark: false,
                },
            )
            .await;
        assert_eq!(
            browser.text_of("status").await,
            zh("sign-page-unauthorized", &[]),
            "{what}"
        );
        assert!(!browser.main_button().await.1, "{what}: no main button");
        assert_eq!(
            status_of(app).await,
            HandoverStatus::AwaitingBuyer,
            "{what}"
        );
        assert_eq!(signatures(app).await.len(), 1, "{what}");
    }

    let theirs = login(app, buyer, &token, chrono::Duration::minutes(1));
    browser
        .open(
            &buyer_page,
            &Telegram {
                init_data: &theirs,
                user_id: buyer.id,
                language_code: "zh-hans",
                dark: true,
            },
        )
        .await;
    browser.text_of("title").await;
    assert_eq!(
        browser.main_button().await.0,
        zh("sign-page-sign-receive", &[])
    );
    browser.tick("read").await;
    browser.sign_on("pad").await;
    keep_artefact("sign-dark.png", &browser.screenshot().await);
    assert!(browser.press_main_button().await);
    let thanks = zh("sign-page-thanks-buyer", &[]);
    for _ in 0..500 {
        if browser.text_of("status").await == thanks {
            break;
        }
    }
    assert_eq!(browser.text_of("status").await, thanks);
    browser.close().await;

    wait_fixed(app, buyer, "handover-welcome").await;
    assert_eq!(status_of(app).await, HandoverStatus::Confirmed);
    let kept = signatures(app).await;
    assert_eq!(kept.len(), 2);
    for signature in &kept {
        assert!(
            ink_in(app, &signature.path) > 500,
            "{:?} has ink",
            signature.signer
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_signatures_required_the_old_button_only_asks_for_a_signature() {
    let site = site(SignatureRule::Required).await;
    let (app, ambassador, buyer) = (&site.app, &site.ambassador, &site.buyer);
    record_handover(app, ambassador).await;
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let id = tx.current_handover(unit).await.unwrap().unwrap().id;
    tx.commit().await.unwrap();
    // A client pressing "I have received my home" (from an older message, or forged).
    let hello = reply_to(app, buyer, "/myhome").await;
    let press = app
        .fake
        .press_crafted_button(buyer, hello.message_id, &format!("1:hc:{id}"));
    assert_eq!(
        app.fake.callback_answer(&press).await,
        zh("handover-sign-needed", &[])
    );
    assert_eq!(status_of(app).await, HandoverStatus::AwaitingBuyer);
    // /myhome offers a record to sign only once the ambassador has signed it; signed through
    // the page's API, it is there with the page's button.
    assert!(
        !app.fake
            .sent_messages(buyer.id)
            .iter()
            .any(|m| says(&m.plain_text, "handover-confirm-ask")),
        "the buyer saw the record before the ambassador signed it"
    );
    let local = app.running().http_addr.expect("the HTTP server runs");
    let signature = format!("http://{local}/app/api/records/{id}/signature");
    let drawing = r#"{"width":300,"height":150,"strokes":[[[10,10],[200,80],[290,20]]]}"#;
    let theirs = login(app, ambassador, &token(app), chrono::Duration::minutes(1));
    assert_eq!(api_status(&signature, &theirs, Some(drawing)).await, 200);
    // Once from the ambassador's signature, once more for /myhome.
    let records = || {
        app.fake
            .sent_messages(buyer.id)
            .into_iter()
            .filter(|m| {
                says(&m.plain_text, "handover-confirm-ask")
                    && m.inline_buttons().iter().any(|b| b.web_app.is_some())
            })
            .collect::<Vec<_>>()
    };
    until(app, "the record sent on signing", || records().len() == 1).await;
    app.fake.send_text(buyer, "/myhome");
    until(app, "the record again for /myhome", || records().len() == 2).await;
    let record = records().pop().expect("two records");
    assert!(
        record
            .button_labels()
            .contains(&zh("button-handover-sign-receive", &[]))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_signatures_optional_the_record_goes_at_once_and_the_button_still_hands_over() {
    let site = site(SignatureRule::Optional).await;
    let (app, ambassador, buyer) = (&site.app, &site.ambassador, &site.buyer);
    let sent = record_handover(app, ambassador).await;
    assert!(
        says(&sent.plain_text, "handover-sent-sign"),
        "{}",
        sent.plain_text
    );
    let ask = wait_fixed(app, buyer, "handover-confirm-ask").await;
    assert!(
        ask.button_labels()
            .contains(&zh("button-handover-sign-receive", &[]))
    );
    press_on(app, buyer, &ask, |c| {
        matches!(c, Callback::HandoverConfirm(_))
    });
    wait_fixed(app, buyer, "handover-welcome").await;
    assert_eq!(status_of(app).await, HandoverStatus::Confirmed);
    assert!(signatures(app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_carries_the_words_it_shows_before_the_api_answers_in_the_clients_language() {
    use handover_bot::domain::people::Lang;
    use handover_bot::i18n::{escape_html, plain_text};
    let site = site(SignatureRule::Required).await;
    let app = &site.app;
    let local = app.running().http_addr.expect("the HTTP server runs");
    for (accept, lang) in [("en-US,en;q=0.9", Lang::En), ("zh-Hans", Lang::ZhCn)] {
        let page = reqwest::Client::new()
            .get(format!("http://{local}/app/sign?record=1"))
            .header("Accept-Language", accept)
            .send()
            .await
            .expect("the server answers")
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!("<html lang=\"{}\">", lang.code())),
            "{page}"
        );
        for key in ["sign-page-offline", "sign-page-unauthorized"] {
            let words = plain_text(&app.services().i18n.text(lang, key, &[]));
            assert!(
                page.contains(&*escape_html(&words)),
                "{key} in {accept}: {page}"
            );
        }
        assert!(!page.contains("{{"), "every placeholder filled: {page}");
    }
    site.app.stop().await;
}
