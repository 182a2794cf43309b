//! Defects on the floor plan through the bot, the plan page's API and the report: an item saved
//! in a walk-through offers the plan page; pins placed through the page's API (with the login
//! Telegram signs) land on the item, a mirrored home's flipped; another home's item, a crafted
//! id, a forged login or a place off the plan change nothing; cards show the plan cropped around
//! the pin in the item's colour, for a plan uploaded at two resolutions; a second `/defects`
//! draws nothing; the defect report's first page shows the plan with every numbered pin.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::people::reply_to;
use crate::support::site::{Campaign, PUBLIC_URL, Site};
use crate::support::steps::{describe_defect, press_button, press_on, wait_fixed};
use handover_bot::bot::callback::{Callback, InspectAction};
use handover_bot::clock::Clock as _;
use handover_bot::config::SignatureRule;
use handover_bot::domain::defect::{Category, Room, Severity};
use handover_bot::domain::plan::{Pin, status_colour};
use handover_bot::domain::remediation::DefectStatus;
use handover_bot::render::plan::{
    CARD_PIN_RADIUS, PlanPicture, pin_centre_in_card, pin_centre_in_whole, pin_radius_whole,
};
use handover_bot::webapp::init_data::sign_init_data;
use serde_json::{Value, json};

/// 1-1-101 is plan A2 as drawn; 1-1-201, right above it, is A2 mirrored.
const BUYERS: &str = "building,entrance,room,name,phone,unit_type,镜像\n\
    1,1,101,Buyer 0,13900000000,A2,\n\
    1,1,201,Buyer 1,13900000001,A2,是\n";

/// The colour of the plan's frame: nothing else on a page is this green.
const FRAME: [u8; 3] = [0, 120, 40];

/// A floor plan drawn at `scale` × (800 × 600): a white floor, a green frame and grey walls.
fn plan_png(scale: u32) -> Vec<u8> {
    let (width, height) = (800 * scale, 600 * scale);
    let frame = 12 * scale;
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let wall = (x / scale == 400 && y / scale > 100) || (y / scale == 300 && x / scale < 400);
        if x < frame || y < frame || x >= width - frame || y >= height - frame {
            image::Rgb(FRAME)
        } else if wall {
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
    Site::new()
        .buyers_file(BUYERS)
        .linked(&[0, 1])
        .mini_app(SignatureRule::Optional, "water")
        .assigned()
        .await
}

async fn upload_plan(app: &TestApp, supervisor: &User, scale: u32) {
    let before = app.fake.sent_messages(supervisor.id).len();
    app.fake.send_document(
        supervisor,
        "A2.png",
        "image/png",
        plan_png(scale),
        Some("/plan A2"),
    );
    let all = app.fake.wait_for_messages(supervisor.id, before + 1).await;
    assert!(
        all[before].plain_text.contains("户型 A2 的户型图已保存"),
        "{}",
        all[before].plain_text
    );
}

fn token(app: &TestApp) -> String {
    app.config
        .bot_token
        .as_ref()
        .expect("the test app has a token")
        .expose()
        .to_string()
}

/// The login Telegram gives a page opened by `user`.
fn login(app: &TestApp, user: &User) -> String {
    sign_init_data(
        &token(app),
        &json!({"id": user.id, "first_name": user.first_name, "language_code": "zh-hans"})
            .to_string(),
        app.clock.now() - chrono::Duration::minutes(1),
    )
}

fn local(app: &TestApp) -> String {
    format!(
        "http://{}/",
        app.running().http_addr.expect("the HTTP server runs")
    )
}

/// A call to the page's API as the page makes it: the status and the JSON answer.
async fn api(app: &TestApp, path: &str, init_data: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}app/{path}", local(app));
    let request = match body {
        Some(body) => client.post(url).body(body.to_string()),
        None => client.get(url),
    };
    let response = request
        .header("Authorization", format!("tma {init_data}"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let json = response.json().await.unwrap_or(Value::Null);
    (status, json)
}

async fn unit_of(app: &TestApp, home: &str) -> i64 {
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households(home).await.unwrap()[0].unit.unit_id;
    tx.commit().await.unwrap();
    unit
}

async fn defects_of(app: &TestApp, home: &str) -> Vec<handover_bot::store::defects::Defect> {
    let unit = unit_of(app, home).await;
    let mut tx = app.services().store.read().await.unwrap();
    let defects = tx.defects_of_unit(unit, None).await.unwrap();
    tx.commit().await.unwrap();
    defects
}

/// Records an item in the open walk-through through the bot's buttons; the "saved" message.
async fn record_item(
    app: &TestApp,
    ambassador: &User,
    room: Option<Room>,
    note: &str,
) -> SentMessage {
    describe_defect(
        app,
        ambassador,
        room,
        Category::HollowOrCrack,
        Severity::Normal,
    )
    .await;
    app.fake.send_text(ambassador, note);
    let last = app
        .fake
        .last_message(ambassador.id)
        .map_or(0, |m| m.message_id);
    press_button(app, ambassador, Callback::Inspect(InspectAction::Save)).await;
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.message_id > last
                && m.inline_buttons().iter().any(|b| {
                    b.callback_data.as_deref()
                        == Some(&Callback::Inspect(InspectAction::Next).encode())
                })
        })
        .await
}

/// `/defects 1-1-101` by `person`: the list (the message with buttons), and the id of the
/// message before the command.
async fn defect_list(app: &TestApp, person: &User) -> (SentMessage, i64) {
    let last = app.fake.last_message(person.id).map_or(0, |m| m.message_id);
    app.fake.send_text(person, "/defects 1-1-101");
    let list = app
        .fake
        .wait_for_message(person.id, |m| {
            m.message_id > last && !m.inline_buttons().is_empty()
        })
        .await;
    (list, last)
}

/// The ten pins of the walk-through, spread over the plan.
fn grid(i: usize) -> (f64, f64) {
    (0.12 + 0.19 * (i % 5) as f64, 0.3 + 0.4 * (i / 5) as f64)
}

fn colour_near(image: &image::RgbImage, (x, y): (u32, u32), want: [u8; 3], tolerance: i32) -> bool {
    let pixel = image
        .get_pixel(x.min(image.width() - 1), y.min(image.height() - 1))
        .0;
    pixel
        .iter()
        .zip(want)
        .all(|(have, want)| (i32::from(*have) - i32::from(want)).abs() <= tolerance)
}

/// The photos the bot sent `person` after message `after`, decoded.
fn photos_after(app: &TestApp, person: &User, after: i64) -> Vec<(String, image::RgbImage)> {
    app.fake
        .sent_messages(person.id)
        .into_iter()
        .filter(|m| m.message_id > after)
        .filter_map(|m| m.file)
        .filter_map(|f| {
            let image = image::load_from_memory(&f.bytes).ok()?.to_rgb8();
            Some((f.file_unique_id, image))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pins_placed_on_the_plan_show_on_cards_lists_and_the_report() {
    let site = site().await;
    let (app, ambassador, supervisor) = (&site.app, &site.ambassador, &site.supervisor);
    let (buyer, upstairs) = (&site.buyers[0], &site.buyers[1]);
    upload_plan(app, supervisor, 1).await;

    // A walk-through of ten items through the bot: each saved item offers the plan page.
    reply_to(app, ambassador, "/inspect 1-1-101").await;
    let mut pages = Vec::new();
    for i in 0..10 {
        let room = (i == 0).then_some(Room::LivingRoom);
        if i > 0 {
            press_button(app, ambassador, Callback::Inspect(InspectAction::Next)).await;
        }
        let saved = record_item(app, ambassador, room, &format!("裂缝 {i}")).await;
        let page = saved
            .inline_buttons()
            .into_iter()
            .find_map(|b| b.web_app)
            .expect("a 📍 button on the saved item");
        pages.push(page);
    }
    let items = defects_of(app, "1-1-101").await;
    assert_eq!(items.len(), 10);
    for (page, item) in pages.iter().zip(&items) {
        assert_eq!(page, &format!("{PUBLIC_URL}app/plan?defect={}", item.id));
    }

    // The ambassador places every pin through the page's API.
    let mine = login(app, ambassador);
    for (i, item) in items.iter().enumerate() {
        let (x, y) = grid(i);
        let (status, answer) = api(
            app,
            &format!("api/defects/{}/pin", item.id),
            &mine,
            Some(json!({"x": x, "y": y})),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["outcome"], "kept");
    }
    let (status, view) = api(
        app,
        &format!("api/defects/{}/pin", items[2].id),
        &mine,
        None,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["item"]["number"], 3);
    assert!(
        (view["pin"]["x"].as_f64().unwrap() - grid(2).0).abs() < 1e-4,
        "{view}"
    );
    assert_eq!(view["plan"]["mirrored"], false);

    // Nothing changes for a place off the plan, another home's buyer, a crafted id or a forged
    // login.
    let before = defects_of(app, "1-1-101").await;
    let upstairs_login = login(app, upstairs);
    let refused = [
        (
            api(
                app,
                &format!("api/defects/{}/pin", items[0].id),
                &mine,
                Some(json!({"x": 1.5, "y": 0.2})),
            )
            .await
            .0,
            400,
        ),
        (
            api(
                app,
                &format!("api/defects/{}/pin", items[0].id),
                &mine,
                Some(json!({"x": "left"})),
            )
            .await
            .0,
            400,
        ),
        (
            api(
                app,
                &format!("api/defects/{}/pin", items[0].id),
                &upstairs_login,
                Some(json!({"x": 0.5, "y": 0.5})),
            )
            .await
            .0,
            404,
        ),
        (
            api(
                app,
                &format!("api/defects/{}/pin", items[0].id),
                &upstairs_login,
                None,
            )
            .await
            .0,
            404,
        ),
        (
            api(
                app,
                "api/defects/999999/pin",
                &mine,
                Some(json!({"x": 0.5, "y": 0.5})),
            )
            .await
            .0,
            404,
        ),
        (
            api(
                app,
                &format!("api/defects/{}/pin", items[0].id),
                "user=%7B%22id%22%3A1%7D&hash=00",
                Some(json!({"x": 0.5, "y": 0.5})),
            )
            .await
            .0,
            401,
        ),
        (
            api(
                app,
                &format!("api/units/{}/plan-image", items[0].unit_id),
                &upstairs_login,
                None,
            )
            .await
            .0,
            404,
        ),
        (
            api(
                app,
                &format!("api/units/{}/plan-view", items[0].unit_id),
                &upstairs_login,
                None,
            )
            .await
            .0,
            404,
        ),
    ];
    for (i, (status, expected)) in refused.iter().enumerate() {
        assert_eq!(status, expected, "refusal {i}");
    }
    assert_eq!(
        defects_of(app, "1-1-101").await,
        before,
        "a refused call changed a pin"
    );

    press_button(app, ambassador, Callback::Inspect(InspectAction::Finish)).await;
    wait_fixed(app, ambassador, "inspect-finished").await;

    // The buyer's plan view has the ten pins; they never get the home above.
    let buyer_login = login(app, buyer);
    let unit = items[0].unit_id;
    let (status, view) = api(
        app,
        &format!("api/units/{unit}/plan-view?above=1"),
        &buyer_login,
        None,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["items"].as_array().unwrap().len(), 10);
    assert!(view["above"].is_null(), "{view}");
    assert_eq!(view["can_show_above"], false);

    // `/defects` of the home: the plan with every pin, then the list with the plan view; a
    // second `/defects` draws nothing.
    let drawn = app.services().plan_pictures_drawn();
    let (list, last) = defect_list(app, ambassador).await;
    assert!(
        list.inline_buttons()
            .iter()
            .any(|b| b.web_app.as_deref() == Some(&format!("{PUBLIC_URL}app/plan?unit={unit}"))),
        "{:?}",
        list.inline_buttons()
    );
    let overview = photos_after(app, ambassador, last);
    if let Some((_, picture)) = overview.first() {
        keep_artefact("overview.png", picture);
    }
    assert_eq!(overview.len(), 1, "one overview before the list");
    assert_eq!(app.services().plan_pictures_drawn(), drawn + 1);
    let (_, last) = defect_list(app, ambassador).await;
    assert_eq!(photos_after(app, ambassador, last).len(), 1);
    assert_eq!(
        app.services().plan_pictures_drawn(),
        drawn + 1,
        "the second /defects drew again"
    );

    // A card starts its photos with the plan around its pin, in its status colour, for the
    // plan as uploaded and for the same plan uploaded at twice the size.
    let open = status_colour(DefectStatus::Open);
    for scale in [1, 2] {
        if scale == 2 {
            upload_plan(app, supervisor, 2).await;
        }
        let plan = PlanPicture::decode(&plan_png(scale)).unwrap();
        let third = &items[2];
        let (list, _) = defect_list(app, ambassador).await;
        press_on(app, ambassador, &list, |c| {
            *c == Callback::DefectCard(third.id)
        });
        app.fake
            .wait_for_message(ambassador.id, |m| {
                m.message_id > list.message_id && m.file.is_some()
            })
            .await;
        let photos = photos_after(app, ambassador, list.message_id);
        let (_, card) = photos.first().expect("the card's plan picture");
        keep_artefact(&format!("card-{scale}x.png"), card);
        let pin = Pin::new(grid(2).0, grid(2).1).unwrap();
        let (cx, cy) = pin_centre_in_card(&plan, false, pin);
        let radius = CARD_PIN_RADIUS;
        let ring = (cx, cy + (radius * 3 / 4));
        assert!(
            colour_near(card, ring, open, 8),
            "scale {scale}: {:?} at {ring:?}",
            card.get_pixel(ring.0, ring.1)
        );
    }

    // Upstairs is mirrored: a tap on the left of its plan is kept on the right of the plan.
    let upstairs_unit = unit_of(app, "1-1-201").await;
    let id = app
        .services()
        .report_defect(
            &app.services()
                .identify(upstairs.id, None)
                .await
                .unwrap()
                .actor,
            upstairs_unit,
            Room::Bathroom,
            "天花板渗水",
            &[],
        )
        .await
        .unwrap()
        .expect("reported");
    let (status, answer) = api(
        app,
        &format!("api/defects/{id}/pin"),
        &upstairs_login,
        Some(json!({"x": 0.2, "y": 0.3})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let stored = defects_of(app, "1-1-201").await[0].pin.expect("pinned");
    assert!(
        (stored.x - 0.8).abs() < 1e-6 && (stored.y - 0.3).abs() < 1e-6,
        "{stored:?}"
    );
    let (_, view) = api(app, &format!("api/defects/{id}/pin"), &upstairs_login, None).await;
    assert_eq!(view["plan"]["mirrored"], true);
    assert!(
        (view["pin"]["x"].as_f64().unwrap() - 0.2).abs() < 1e-6,
        "{view}"
    );

    // A supervisor sets the layout by command: the stored pin stays, only how it shows flips.
    let normal = reply_to(app, supervisor, "/plan 1-1-201 normal").await;
    assert!(
        normal.plain_text.contains("1-1-201 按原户型图显示"),
        "{}",
        normal.plain_text
    );
    let (_, view) = api(app, &format!("api/defects/{id}/pin"), &upstairs_login, None).await;
    assert_eq!(view["plan"]["mirrored"], false);
    assert!(
        (view["pin"]["x"].as_f64().unwrap() - 0.8).abs() < 1e-6,
        "{view}"
    );
    let refused = reply_to(app, ambassador, "/plan 1-1-201 镜像").await;
    assert!(
        !refused.plain_text.contains("镜像（反户型）显示"),
        "{}",
        refused.plain_text
    );
    let mirrored = reply_to(app, supervisor, "/plan 1-1-201 镜像").await;
    assert!(
        mirrored.plain_text.contains("1-1-201 按镜像"),
        "{}",
        mirrored.plain_text
    );

    // The ambassador (staff) may show the home above from the plan view of 1-1-101.
    let (status, view) = api(
        app,
        &format!("api/units/{unit}/plan-view?above=1"),
        &mine,
        None,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["above"]["home"], "1-1-201", "{view}");
    assert_eq!(view["above"]["items"].as_array().unwrap().len(), 1);

    // Its card, as its buyer opens it: the pin drawn mirrored back where they tapped.
    let plan = PlanPicture::decode(&plan_png(2)).unwrap();
    let picture = app
        .services()
        .defect_picture(&defects_of(app, "1-1-201").await[0])
        .await
        .unwrap()
        .expect("a picture");
    let card = image::open(app.config.media_dir.join(picture))
        .unwrap()
        .to_rgb8();
    let (cx, cy) = pin_centre_in_card(&plan, true, stored);
    let radius = CARD_PIN_RADIUS;
    let reported = status_colour(DefectStatus::Reported);
    assert!(colour_near(&card, (cx, cy + radius * 3 / 4), reported, 8));
    assert!(
        cx < card.width() / 2 || grid(0).0 > 0.5,
        "the mirrored pin is on the left"
    );

    // The report: page 1 shows the plan with the ten numbered pins.
    let last = app
        .fake
        .last_message(ambassador.id)
        .map_or(0, |m| m.message_id);
    app.fake.send_text(ambassador, "/defects 1-1-101 pdf");
    let pdf = app
        .fake
        .wait_for_message(ambassador.id, |m| {
            m.message_id > last
                && m.file
                    .as_ref()
                    .is_some_and(|f| f.bytes.starts_with(b"%PDF"))
        })
        .await
        .file
        .expect("the report");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, &pdf.bytes).unwrap();
    let prefix = dir.path().join("page");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "110", "-f", "1", "-l", "1", "-png"])
        .arg(&file)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs (apt-get install poppler-utils)");
    assert!(status.success());
    let page = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("page 1");
    let page = image::open(page).unwrap().to_rgb8();
    keep_artefact("report-page-1.png", &page);
    // The plan on the page: the extent of its green frame.
    let framed: Vec<(u32, u32)> = page
        .enumerate_pixels()
        .filter(|(_, _, p)| colour_near_pixel(p.0, FRAME, 40))
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(!framed.is_empty(), "no plan on page 1");
    let left = framed.iter().map(|p| p.0).min().unwrap() as f64;
    let right = framed.iter().map(|p| p.0).max().unwrap() as f64;
    let top = framed.iter().map(|p| p.1).min().unwrap() as f64;
    let bottom = framed.iter().map(|p| p.1).max().unwrap() as f64;
    let side = handover_bot::services::pins::REPORT_PLAN_SIDE;
    let (whole_w, whole_h) = handover_bot::render::plan::whole_size(&plan, side);
    for i in 0..10 {
        let pin = Pin::new(grid(i).0, grid(i).1).unwrap();
        let (cx, cy) = pin_centre_in_whole(&plan, false, pin, side);
        let radius = pin_radius_whole(whole_w, whole_h);
        let to_page = |x: u32, y: u32| {
            (
                (left + (f64::from(x) + 0.5) / f64::from(whole_w) * (right - left + 1.0)) as u32,
                (top + (f64::from(y) + 0.5) / f64::from(whole_h) * (bottom - top + 1.0)) as u32,
            )
        };
        let at = to_page(cx, cy + radius * 3 / 4);
        assert!(
            colour_near(&page, at, open, 40),
            "pin {} at {at:?} is {:?}",
            i + 1,
            page.get_pixel(at.0, at.1)
        );
    }

    // The buyer's news about an item comes as its picture on the plan, the news its caption,
    // the pin in the item's new colour.
    let supervisor_actor = app
        .services()
        .identify(supervisor.id, None)
        .await
        .unwrap()
        .actor;
    let last = app.fake.last_message(buyer.id).map_or(0, |m| m.message_id);
    app.services()
        .move_defect(
            &supervisor_actor,
            items[9].id,
            handover_bot::domain::remediation::Action::Reject,
            "属于正常施工痕迹",
        )
        .await
        .unwrap();
    let news = app
        .fake
        .wait_for_message(buyer.id, |m| m.message_id > last && m.file.is_some())
        .await;
    assert!(
        news.plain_text.contains("属于正常施工痕迹"),
        "{}",
        news.plain_text
    );
    let picture = image::load_from_memory(&news.file.expect("a photo").bytes)
        .unwrap()
        .to_rgb8();
    let pin = Pin::new(grid(9).0, grid(9).1).unwrap();
    let (cx, cy) = pin_centre_in_card(&plan, false, pin);
    let grey = status_colour(DefectStatus::Rejected);
    assert!(
        colour_near(&picture, (cx, cy + CARD_PIN_RADIUS * 3 / 4), grey, 8),
        "{:?}",
        picture.get_pixel(cx, cy + CARD_PIN_RADIUS * 3 / 4)
    );
}

fn colour_near_pixel(pixel: [u8; 3], want: [u8; 3], tolerance: i32) -> bool {
    pixel
        .iter()
        .zip(want)
        .all(|(have, want)| (i32::from(*have) - i32::from(want)).abs() <= tolerance)
}

/// Keeps a picture the test saw, to look at (`target/tmp/plan_pins/`).
fn keep_artefact(name: &str, picture: &image::RgbImage) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("plan_pins");
    std::fs::create_dir_all(&dir).unwrap();
    picture.save(dir.join(name)).unwrap();
}
