//! The plan page in a real browser: a buyer opens it from their report, taps the plan where the
//! item is and saves; zoomed in 2× with two fingers and moved, a tap still lands where the
//! finger was; the plan view shows the pins; someone else's item is refused and nothing changes.
//! A supervisor draws the kitchen on the type's plan, and the page placing a kitchen item's pin
//! shades it (flipped on a mirrored home).

use crate::support::app::TestApp;
use crate::support::browser::{Browser, Telegram};
use crate::support::fake_telegram::User;
use crate::support::people::reply_to;
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

/// Opens the page at `path` as `user` logged in with `init_data`, and waits for `ready`.
async fn open_as(
    browser: &Browser,
    app: &TestApp,
    path: &str,
    user: &User,
    init_data: &str,
    ready: &str,
) {
    let telegram = Telegram {
        init_data,
        user_id: user.id,
        language_code: "zh-hans",
        dark: false,
    };
    browser.open(&local(app, path), &telegram).await;
    browser.wait_until(ready).await;
}

/// The room areas of unit type A2, as kept.
async fn areas_of(app: &TestApp) -> Vec<handover_bot::store::plans::StoredRoomArea> {
    let mut tx = app.services().store.read().await.unwrap();
    let project = tx
        .project_id(&app.config.project)
        .await
        .unwrap()
        .expect("the project");
    let areas = tx.room_areas(project, "A2").await.unwrap();
    tx.commit().await.unwrap();
    areas
}

/// A call to the page's API as the page makes it: the status and the JSON answer.
async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    init_data: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new().request(method, local(app, path));
    if let Some(init_data) = init_data {
        request = request.header("Authorization", format!("tma {init_data}"));
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// The corners of the page's first shaded polygon of class `class`, as numbers.
async fn polygon_points(browser: &Browser, class: &str) -> Vec<(f64, f64)> {
    let points = browser
        .eval(&format!(
            "(document.querySelector('#areas polygon.{class}') || {{ getAttribute: () => '' }}).getAttribute('points')"
        ))
        .await;
    points
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pair| {
            let (x, y) = pair.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect()
}

fn close_to(found: &[(f64, f64)], expected: &[(f64, f64)]) -> bool {
    found.len() == expected.len()
        && found
            .iter()
            .zip(expected)
            .all(|(a, b)| (a.0 - b.0).abs() <= 0.005 && (a.1 - b.1).abs() <= 0.005)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_draws_the_kitchen_and_placing_a_kitchen_item_shades_it() {
    let site = site().await;
    let (app, supervisor, buyer, upstairs) = (
        &site.app,
        &site.supervisor,
        &site.buyers[0],
        &site.buyers[1],
    );
    // `/plans` offers the drawing page of each plan.
    let plans = reply_to(app, supervisor, "/plans").await;
    let page = plans
        .inline_buttons()
        .into_iter()
        .find_map(|b| b.web_app)
        .expect("a ✏️ button under /plans");
    assert!(page.ends_with("app/plan?areas=A2"), "{page}");

    let boss = login(app, supervisor);
    let browser = Browser::start().await;
    open_as(
        &browser,
        app,
        "plan?areas=A2",
        supervisor,
        &boss,
        "document.getElementById('page').dataset.state === 'ready'",
    )
    .await;
    assert!(!browser.text_of("no-areas").await.is_empty());
    browser
        .eval(
            "(() => { const s = document.getElementById('area-room'); s.value = 'kitchen'; \
             s.dispatchEvent(new Event('change')); return s.value; })()",
        )
        .await;
    // Four taps, the corners of the kitchen (the top-left quarter, along its walls); the main
    // button comes on at the third.
    let kitchen = [(0.02, 0.02), (0.49, 0.02), (0.49, 0.49), (0.02, 0.49)];
    let (left, top, width, height) = browser.rect_of("plan-image").await;
    for (n, (x, y)) in kitchen.iter().enumerate() {
        browser.tap_at(left + x * width, top + y * height).await;
        browser
            .wait_until(&format!(
                "document.querySelectorAll('#pins .corner').length === {}",
                n + 1
            ))
            .await;
    }
    assert!(browser.main_button().await.1, "the main button is on");
    // A slip: a fifth corner, taken back.
    browser.tap_at(left + 0.8 * width, top + 0.8 * height).await;
    browser
        .wait_until("document.querySelectorAll('#pins .corner').length === 5")
        .await;
    browser
        .eval("document.getElementById('area-undo').click()")
        .await;
    browser
        .wait_until("document.querySelectorAll('#pins .corner').length === 4")
        .await;
    assert!(browser.press_main_button().await, "the main button is on");
    browser
        .wait_until("document.getElementById('status').className === 'done'")
        .await;
    let areas = areas_of(app).await;
    assert_eq!(areas.len(), 1, "{areas:?}");
    assert_eq!(areas[0].room, Room::Kitchen);
    let kept: Vec<(f64, f64)> = areas[0].area.corners().iter().map(|c| (c.x, c.y)).collect();
    assert!(close_to(&kept, &kitchen), "{kept:?}");
    assert!(
        browser.text_of("area-list").await.contains("厨房"),
        "the list names the kitchen"
    );
    browser
        .wait_until("document.querySelectorAll('#pins .corner').length === 0")
        .await;
    keep_artefact("plan-areas.png", &browser.screenshot().await);

    // Nobody but a supervisor draws, and corners that are no area change nothing.
    let mine = login(app, buyer);
    let square = serde_json::json!({"room": "bedroom", "corners": [
        {"x": 0.6, "y": 0.1}, {"x": 0.9, "y": 0.1}, {"x": 0.9, "y": 0.4}]});
    for (who, status) in [(None, 401), (Some(mine.as_str()), 404)] {
        let (got, _) = api(app, reqwest::Method::GET, "api/plans/A2/areas", who, None).await;
        assert_eq!(got, status);
        let (got, _) = api(
            app,
            reqwest::Method::POST,
            "api/plans/A2/areas",
            who,
            Some(square.clone()),
        )
        .await;
        assert_eq!(got, status);
        let (got, _) = api(app, reqwest::Method::GET, "api/plans/A2/image", who, None).await;
        assert_eq!(got, status);
        let path = format!("api/plans/A2/areas/{}", areas[0].id);
        let (got, _) = api(app, reqwest::Method::DELETE, &path, who, None).await;
        assert_eq!(got, status);
    }
    for (body, says) in [
        (
            serde_json::json!({"room": "bedroom", "corners": [{"x": 0.6, "y": 0.1}, {"x": 0.9, "y": 0.1}]}),
            "3 到 40",
        ),
        (
            serde_json::json!({"room": "bedroom", "corners": [{"x": 0.6, "y": 0.1}, {"x": 1.9, "y": 0.1}, {"x": 0.9, "y": 0.4}]}),
            "范围内",
        ),
        (
            serde_json::json!({"room": "bedroom", "corners": [{"x": 0.6, "y": 0.1}, {"x": 0.7, "y": 0.2}, {"x": 0.8, "y": 0.3}]}),
            "面积",
        ),
        (
            serde_json::json!({"room": "garage", "corners": [{"x": 0.6, "y": 0.1}, {"x": 0.9, "y": 0.1}, {"x": 0.9, "y": 0.4}]}),
            "选择房间",
        ),
        (serde_json::json!("not an area"), "选择房间"),
    ] {
        let (got, answer) = api(
            app,
            reqwest::Method::POST,
            "api/plans/A2/areas",
            Some(&boss),
            Some(body.clone()),
        )
        .await;
        assert_eq!(got, 400, "{body}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{body}: {message}");
    }
    let (got, _) = api(
        app,
        reqwest::Method::GET,
        "api/plans/B9/areas",
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(got, 404, "a type without a plan");
    assert_eq!(areas_of(app).await, areas, "nothing changed");

    // The buyer's kitchen item: the page shades the kitchen and says so.
    let id = report(app, buyer, "1-1-101").await;
    open_as(
        &browser,
        app,
        &format!("plan?defect={id}"),
        buyer,
        &mine,
        "document.getElementById('page').dataset.state === 'ready'",
    )
    .await;
    let shaded = polygon_points(&browser, "highlight").await;
    assert!(close_to(&shaded, &kitchen), "{shaded:?}");
    assert!(browser.text_of("room-shaded").await.contains("厨房"));
    // A pin put outside the kitchen is kept, with a word; inside it, without.
    let (left, top, width, height) = browser.rect_of("plan-image").await;
    tap_and_save(&browser, left + 0.8 * width, top + 0.7 * height).await;
    assert!(
        browser.text_of("status").await.contains("区域之外"),
        "{}",
        browser.text_of("status").await
    );
    assert!(pin_of(app, id).await.is_some());
    keep_artefact("plan-shaded.png", &browser.screenshot().await);
    tap_and_save(&browser, left + 0.3 * width, top + 0.3 * height).await;
    assert!(
        !browser.text_of("status").await.contains("区域之外"),
        "{}",
        browser.text_of("status").await
    );

    // The home upstairs is mirrored: its kitchen is shaded where its buyer sees it, flipped.
    reply_to(app, supervisor, "/plan 1-1-201 mirrored").await;
    let theirs = report(app, upstairs, "1-1-201").await;
    let (got, view) = api(
        app,
        reqwest::Method::GET,
        &format!("api/defects/{theirs}/pin"),
        Some(&login(app, upstairs)),
        None,
    )
    .await;
    assert_eq!(got, 200);
    let flipped: Vec<(f64, f64)> = view["areas"][0]["corners"]
        .as_array()
        .expect("the kitchen's area")
        .iter()
        .map(|c| (c["x"].as_f64().unwrap(), c["y"].as_f64().unwrap()))
        .collect();
    let expected: Vec<(f64, f64)> = kitchen.iter().map(|(x, y)| (1.0 - x, *y)).collect();
    assert!(close_to(&flipped, &expected), "{flipped:?}");

    // The supervisor removes the area from the list; the items' pages shade nothing then.
    open_as(
        &browser,
        app,
        "plan?areas=A2",
        supervisor,
        &boss,
        "document.querySelectorAll('#area-list button').length === 1",
    )
    .await;
    browser
        .eval("document.querySelector('#area-list button').click()")
        .await;
    browser
        .wait_until("document.querySelectorAll('#area-list li').length === 0")
        .await;
    assert!(areas_of(app).await.is_empty());
    let (_, view) = api(
        app,
        reqwest::Method::GET,
        &format!("api/defects/{id}/pin"),
        Some(&mine),
        None,
    )
    .await;
    assert_eq!(view["areas"], serde_json::json!([]));
    browser.close().await;
}

fn keep_artefact(name: &str, png: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("miniapp");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}
