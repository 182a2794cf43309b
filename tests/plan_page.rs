//! The plan page in a real browser: a buyer opens it from their report, taps the plan where the
//! item is and saves; zoomed in 2× with two fingers and moved, a tap still lands where the
//! finger was; the plan view shows the pins; someone else's item is refused and nothing changes.

use crate::support::app::TestApp;
use crate::support::browser::{Browser, Telegram};
use crate::support::fake_telegram::User;
use crate::support::site::{Campaign, Site};
use handover_bot::clock::Clock as _;
use handover_bot::config::SignatureRule;
use handover_bot::domain::defect::Room;
use handover_bot::webapp::init_data::sign_init_data;

const BUYERS: &str = "building,entrance,room,name,phone,unit_type\n\
    1,1,101,Buyer 0,13900000000,A2\n\
    1,1,201,Buyer 1,13900000001,A2\n";

/// A 1200 × 800 plan: white floor, dark walls, a grey frame.
fn plan_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(1200, 800, |x, y| {
        if x < 10 || y < 10 || x >= 1190 || y >= 790 {
            image::Rgb([60, 60, 60])
        } else if x == 600 || (y == 400 && x < 600) {
            image::Rgb([90, 90, 90])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn site() -> Campaign {
    let site = Site::new()
        .buyers_file(BUYERS)
        .linked(&[0, 1])
        .mini_app(SignatureRule::Optional, "water")
        .assigned()
        .await;
    let before = site.app.fake.sent_messages(site.supervisor.id).len();
    site.app.fake.send_document(
        &site.supervisor,
        "A2.png",
        "image/png",
        plan_png(),
        Some("/plan A2"),
    );
    site.app
        .fake
        .wait_for_messages(site.supervisor.id, before + 1)
        .await;
    site
}

fn login(app: &TestApp, user: &User) -> String {
    let token = app
        .config
        .bot_token
        .as_ref()
        .expect("the test app has a token")
        .expose()
        .to_string();
    sign_init_data(
        &token,
        &serde_json::json!({"id": user.id, "first_name": user.first_name, "language_code": "zh-hans"})
            .to_string(),
        app.clock.now() - chrono::Duration::minutes(1),
    )
}

fn local(app: &TestApp, path: &str) -> String {
    format!(
        "http://{}/app/{path}",
        app.running().http_addr.expect("the HTTP server runs")
    )
}

async fn report(app: &TestApp, buyer: &User, home: &str) -> i64 {
    let services = app.services();
    let actor = services.identify(buyer.id, None).await.unwrap().actor;
    let mut tx = services.store.read().await.unwrap();
    let unit = tx.find_households(home).await.unwrap()[0].unit.unit_id;
    tx.commit().await.unwrap();
    services
        .report_defect(&actor, unit, Room::Kitchen, "墙面开裂", &[])
        .await
        .unwrap()
        .expect("reported")
}

async fn pin_of(app: &TestApp, id: i64) -> Option<handover_bot::domain::plan::Pin> {
    let mut tx = app.services().store.read().await.unwrap();
    let defect = tx.defect(id).await.unwrap().expect("the item");
    tx.commit().await.unwrap();
    defect.pin
}

/// Taps the screen at `(x, y)`, saves with the main button and waits for the page to say it
/// is saved; where on the plan the finger was, from the plan image's box as shown then.
async fn tap_and_save(browser: &Browser, x: f64, y: f64) -> (f64, f64) {
    let (left, top, width, height) = browser.rect_of("plan-image").await;
    browser.tap_at(x, y).await;
    browser
        .wait_until("document.getElementById('draft-pin') && window.__tg.main.enabled")
        .await;
    assert!(browser.press_main_button().await, "the main button is on");
    browser
        .wait_until("document.getElementById('status').className === 'done'")
        .await;
    ((x - left) / width, (y - top) / height)
}

fn near(pin: handover_bot::domain::plan::Pin, (x, y): (f64, f64)) -> bool {
    (pin.x - x).abs() <= 0.005 && (pin.y - y).abs() <= 0.005
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_tapped_on_the_plan_lands_where_the_finger_was_even_zoomed_in() {
    let site = site().await;
    let (app, buyer, upstairs) = (&site.app, &site.buyers[0], &site.buyers[1]);
    let id = report(app, buyer, "1-1-101").await;
    let mine = login(app, buyer);

    let browser = Browser::start().await;
    let telegram = Telegram {
        init_data: &mine,
        user_id: buyer.id,
        language_code: "zh-hans",
        dark: false,
    };
    browser
        .open(&local(app, &format!("plan?defect={id}")), &telegram)
        .await;
    browser
        .wait_until("document.getElementById('page').dataset.state === 'ready'")
        .await;
    assert!(browser.text_of("title").await.contains("1-1-101"));

    // A tap at 1×.
    let (left, top, width, height) = browser.rect_of("plan-image").await;
    let aimed = tap_and_save(&browser, left + 0.3 * width, top + 0.6 * height).await;
    assert!((aimed.0 - 0.3).abs() < 0.01 && (aimed.1 - 0.6).abs() < 0.01);
    let pin = pin_of(app, id).await.expect("the pin is kept");
    assert!(near(pin, aimed), "{pin:?} for {aimed:?}");

    // Two fingers zoom in 2×, one moves the plan; the tap still lands under the finger.
    let (left, top, width, height) = browser.rect_of("plan-frame").await;
    let centre = (left + width / 2.0, top + height / 2.0);
    browser.pinch(centre, 60.0, 120.0).await;
    browser
        .wait_until("window.__plan && window.__plan.scale > 1.9")
        .await;
    let scale = browser.eval("window.__plan.scale").await;
    assert!(
        (scale.as_f64().unwrap() - 2.0).abs() < 0.15,
        "a pinch from 60 to 120 px is 2×, not {scale}"
    );
    browser
        .drag(
            (centre.0 + 40.0, centre.1),
            (centre.0 - 20.0, centre.1 - 25.0),
        )
        .await;
    let aimed = tap_and_save(&browser, centre.0 + 55.0, centre.1 - 30.0).await;
    let pin = pin_of(app, id).await.expect("the pin is kept");
    assert!(near(pin, aimed), "{pin:?} for {aimed:?}");
    let screenshot = browser.screenshot().await;
    keep_artefact("plan-page.png", &screenshot);

    // The plan view shows the pin; the other home's buyer gets nothing of this item.
    browser.open(&local(app, "plan?unit=0"), &telegram).await;
    browser
        .wait_until("document.getElementById('page').dataset.state === 'failed'")
        .await;
    let theirs = login(app, upstairs);
    browser
        .open(
            &local(app, &format!("plan?defect={id}")),
            &Telegram {
                init_data: &theirs,
                user_id: upstairs.id,
                language_code: "zh-hans",
                dark: false,
            },
        )
        .await;
    browser
        .wait_until("document.getElementById('page').dataset.state === 'failed'")
        .await;
    assert!(
        browser
            .eval("document.getElementById('draft-pin') === null")
            .await
            == true
    );
    assert_eq!(
        pin_of(app, id).await,
        Some(pin),
        "a refused page changed the pin"
    );
    browser.close().await;
}

fn keep_artefact(name: &str, png: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("miniapp");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}
