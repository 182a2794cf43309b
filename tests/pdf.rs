//! The defect report as a PDF, read as its reader reads it: the document a person receives is
//! saved, and poppler (`pdftotext`, `pdffonts`, `pdftoppm`) reads its words, its fonts and its
//! pages. Poppler is required: without it these tests fail and say how to install it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::observe::{Db, db_changes};
use crate::support::site::{Campaign, Site};
use crate::support::steps::{press_button, wait_text};
use crate::support::text::{fixed, zh};
use handover_bot::bot::callback::Callback;
use handover_bot::domain::defect::{Category, Room, Severity};
use handover_bot::domain::people::Lang;
use handover_bot::services::defects::{DefectDraft, Found, InspectTarget, StartedInspection};

/// The colour of the test photos: nothing else on a page is this magenta.
const PHOTO_COLOUR: [u8; 3] = [205, 30, 165];

/// A real JPEG, mostly the photo colour with a little texture (a different one per seed).
fn photo_jpeg(seed: u32, width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let n = (x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed.wrapping_mul(97)) % 24;
        let [r, g, b] = PHOTO_COLOUR;
        image::Rgb([r - n as u8, g + n as u8, b - n as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("a JPEG");
    out
}

/// Records `items` defects in `unit` as the ambassador, `photos` each; with `finish` the
/// walk-through is finished (the buyer then sees them too).
async fn record(
    app: &TestApp,
    ambassador: &User,
    unit: &str,
    items: &[(Room, Category, Severity, &str)],
    photos: usize,
    finish: bool,
) {
    let services = app.services();
    let actor = services.identify(ambassador.id, None).await.unwrap().actor;
    let Found::One(StartedInspection { id: inspection, .. }) = services
        .start_inspection(&actor, InspectTarget::Text(unit))
        .await
        .unwrap()
    else {
        panic!("{unit} is the ambassador's")
    };
    for (i, (room, category, severity, note)) in items.iter().enumerate() {
        let mut shas = Vec::new();
        for p in 0..photos {
            let seed = (i * photos + p) as u32;
            let sha = services
                .store_media(None, &photo_jpeg(seed, 1280, 960), "image/jpeg", "jpg")
                .await
                .unwrap();
            shas.push(sha);
        }
        let draft = DefectDraft {
            room: *room,
            category: *category,
            severity: *severity,
            note: note.to_string(),
            photos: shas,
            voice: None,
        };
        services
            .save_defect(&actor, inspection, &draft)
            .await
            .unwrap()
            .unwrap();
    }
    if finish {
        services
            .finish_inspection(&actor, inspection)
            .await
            .unwrap()
            .unwrap();
    }
}

const THREE: [(Room, Category, Severity, &str); 3] = [
    (
        Room::Kitchen,
        Category::Leakage,
        Severity::Urgent,
        "水槽下渗水，柜体底板已经发霉变形，需要更换并检查排水管接口是否松动。",
    ),
    (Room::Bathroom, Category::TilesAndFloors, Severity::High, ""),
    (
        Room::Bedroom,
        Category::DoorsAndWindows,
        Severity::Low,
        "window latch sticks",
    ),
];

/// One item of another home, to tell the homes' reports apart.
const BALCONY: [(Room, Category, Severity, &str); 1] = [(
    Room::Balcony,
    Category::Exterior,
    Severity::Normal,
    "栏杆松动",
)];

/// The id of the last message `person` got so far (0: none).
fn last_id(app: &TestApp, person: &User) -> i64 {
    app.fake
        .sent_messages(person.id)
        .last()
        .map_or(0, |m| m.message_id)
}

/// The document named `name` the bot sends `person` after message `after`.
async fn document(app: &TestApp, person: &User, name: &str, after: i64) -> (SentMessage, Vec<u8>) {
    let message = app
        .fake
        .wait_for_message(person.id, |m| {
            m.message_id > after
                && m.file
                    .as_ref()
                    .is_some_and(|f| f.file_name.as_deref() == Some(name))
        })
        .await;
    let bytes = message.file.clone().expect("a document").bytes;
    assert!(bytes.starts_with(b"%PDF-"), "{name} is a PDF");
    (message, bytes)
}

/// `command` from a staff member, and the document it brings.
async fn ask(app: &TestApp, person: &User, command: &str, name: &str) -> (SentMessage, Vec<u8>) {
    let after = last_id(app, person);
    app.fake.send_text(person, command);
    document(app, person, name, after).await
}

/// A poppler tool's output; its absence fails the test with what to install.
fn poppler(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "{tool} could not run ({e}): install poppler-utils (apt-get install -y poppler-utils)"
        )
    });
    assert!(
        output.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A received PDF saved to a temporary directory, read with poppler.
struct Pdf {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Pdf {
    fn save(bytes: &[u8]) -> Pdf {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, bytes).unwrap();
        Pdf { dir, path }
    }

    fn file(&self) -> &str {
        self.path.to_str().unwrap()
    }

    fn text(&self) -> String {
        poppler("pdftotext", &["-enc", "UTF-8", self.file(), "-"])
    }

    fn pages(&self) -> usize {
        let info = poppler("pdfinfo", &[self.file()]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("pdfinfo counts the pages")
    }

    /// Each font row of `pdffonts`: (name, embedded, subset).
    fn fonts(&self) -> Vec<(String, bool, bool)> {
        poppler("pdffonts", &[self.file()])
            .lines()
            .skip(2)
            .map(|line| {
                let cols: Vec<&str> = line.split_whitespace().collect();
                // name type… encoding emb sub uni object-id gen: count from the end.
                let at = |back: usize| cols.get(cols.len().saturating_sub(back)).copied();
                (
                    cols.first().unwrap_or(&"").to_string(),
                    at(5) == Some("yes"),
                    at(4) == Some("yes"),
                )
            })
            .collect()
    }

    /// Pages `first..=last` rendered at 50 dpi: each page's (non-white, photo-coloured) pixels.
    fn render(&self, first: usize, last: usize) -> Vec<(usize, usize)> {
        let prefix = self.dir.path().join("page");
        poppler(
            "pdftoppm",
            &[
                "-r",
                "50",
                "-f",
                &first.to_string(),
                "-l",
                &last.to_string(),
                "-png",
                self.file(),
                prefix.to_str().unwrap(),
            ],
        );
        let mut pages: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        pages.sort();
        let counts = pages.iter().map(|p| pixels(p)).collect();
        for page in pages {
            std::fs::remove_file(page).unwrap();
        }
        counts
    }
}

fn pixels(png: &Path) -> (usize, usize) {
    let image = image::open(png).expect("pdftoppm wrote a PNG").to_rgb8();
    let ink = image
        .pixels()
        .filter(|p| p.0.iter().any(|c| *c < 235))
        .count();
    let [r, g, b] = PHOTO_COLOUR.map(i32::from);
    let photo = image
        .pixels()
        .filter(|p| {
            let [pr, pg, pb] = p.0.map(i32::from);
            (pr - r).abs() < 45 && (pg - g).abs() < 45 && (pb - b).abs() < 45
        })
        .count();
    (ink, photo)
}

/// 1-1-101 and 1-1-103 in building 1, 2-1-102 in building 2, each building with its lead
/// engineer; every buyer linked, one ambassador for all.
async fn site() -> Campaign {
    Site::new()
        .engineer_for(1)
        .engineer_for(2)
        .homes(3)
        .linked(&[0, 1, 2])
        .assigned()
        .await
}

fn label(key: &str) -> String {
    zh(key, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_get_a_homes_defect_report_as_a_pdf_in_chinese_and_in_english() {
    let Campaign {
        app,
        ambassador,
        supervisor,
        engineer,
        other_engineer,
        ..
    } = site().await;
    record(&app, &ambassador, "1-1-101", &THREE, 2, true).await;
    record(&app, &ambassador, "1-1-103", &BALCONY, 0, true).await;
    let buyer_name = {
        let mut tx = app.services().store.read().await.unwrap();
        let home = tx.find_households("1-1-101").await.unwrap().remove(0);
        tx.commit().await.unwrap();
        home.names[0].clone()
    };

    // The ambassador, in Chinese.
    let (message, bytes) = ask(
        &app,
        &ambassador,
        "/defects 1-1-101 pdf",
        "defects-1-1-101.pdf",
    )
    .await;
    assert!(
        message.plain_text.contains("1-1-101"),
        "{}",
        message.plain_text
    );
    let pdf = Pdf::save(&bytes);
    let text = pdf.text();
    for needle in [
        "1-1-101",
        buyer_name.as_str(),
        &label("pdf-title"),
        "水槽下渗水",
        "第 1 页，共",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    for key in [
        "room-kitchen",
        "room-bathroom",
        "room-bedroom",
        "category-leakage",
        "category-tiles",
        "category-doors",
        "severity-urgent",
        "defect-status-assigned",
    ] {
        assert!(text.contains(&label(key)), "{key} missing from:\n{text}");
    }
    assert!(
        !text.contains("1-1-103") && !text.contains("栏杆松动"),
        "only that home"
    );
    let fonts = pdf.fonts();
    assert!(!fonts.is_empty(), "pdffonts lists the font");
    for (name, embedded, subset) in &fonts {
        assert!(
            *embedded && *subset,
            "{name} embedded and subset: {fonts:?}"
        );
    }
    let page_one = pdf.render(1, 1);
    let (ink, photo) = page_one[0];
    assert!(ink > 5_000, "page 1 is not blank: {ink} pixels of ink");
    assert!(
        photo > 1_000,
        "page 1 shows the photos: {photo} photo pixels"
    );

    // The lead engineer of building 1 may have it too; building 2's may not.
    ask(
        &app,
        &engineer,
        "/defects 1-1-101 pdf",
        "defects-1-1-101.pdf",
    )
    .await;
    app.fake.send_text(&other_engineer, "/defects 1-1-101 pdf");
    wait_text(&app, &other_engineer, &fixed("household-not-yours")).await;
    assert!(
        app.fake
            .sent_messages(other_engineer.id)
            .iter()
            .all(|m| m.file.is_none()),
        "no report for another building's engineer"
    );

    // A supervisor's report of the whole building: a section per home.
    let (_, bytes) = ask(&app, &supervisor, "/defects 1 pdf", "defects-1.pdf").await;
    let text = Pdf::save(&bytes).text();
    for needle in ["1-1-101", "1-1-103", "水槽下渗水", "栏杆松动"] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }

    // The same report in English.
    app.fake.send_text(&ambassador, "/language");
    press_button(&app, &ambassador, Callback::Language(Lang::En)).await;
    app.fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("speak English"))
        .await;
    let (message, bytes) = ask(
        &app,
        &ambassador,
        "/defects 1-1-101 pdf",
        "defects-1-1-101.pdf",
    )
    .await;
    assert!(
        message.plain_text.contains("Defect report"),
        "{}",
        message.plain_text
    );
    let text = Pdf::save(&bytes).text();
    for needle in [
        "Defect report",
        "1-1-101",
        buyer_name.as_str(),
        "Kitchen",
        "Leakage",
        "Bathroom",
        "Tiles & floors",
        "Bedroom",
        "Doors & windows",
        "assigned",
        "window latch sticks",
        "Page 1 of",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_items_with_two_photos_each_stay_under_ten_megabytes_and_every_page_renders() {
    let Campaign {
        app, ambassador, ..
    } = Site::new().homes(1).linked(&[0]).assigned().await;
    let rooms = [
        Room::Kitchen,
        Room::Bathroom,
        Room::Bedroom,
        Room::LivingRoom,
    ];
    let notes: Vec<String> = (0..60)
        .map(|i| format!("第{i}条：墙角有明显水渍，需要检查防水层。"))
        .collect();
    let items: Vec<(Room, Category, Severity, &str)> = (0..60)
        .map(|i| {
            (
                rooms[i % rooms.len()],
                Category::PaintAndWalls,
                Severity::Normal,
                notes[i].as_str(),
            )
        })
        .collect();
    record(&app, &ambassador, "1-1-101", &items, 2, false).await;
    let (_, bytes) = ask(
        &app,
        &ambassador,
        "/defects 1-1-101 pdf",
        "defects-1-1-101.pdf",
    )
    .await;
    assert!(
        bytes.len() < 10 * 1024 * 1024,
        "{} bytes for 60 items and 120 photos",
        bytes.len()
    );
    let pdf = Pdf::save(&bytes);
    let text = pdf.text();
    assert!(text.contains("第59条"), "the last item is there");
    let pages = pdf.pages();
    assert!(pages > 10, "{pages} pages");
    let rendered = pdf.render(1, pages);
    assert_eq!(rendered.len(), pages, "every page renders");
    for (n, (ink, _)) in rendered.iter().enumerate() {
        assert!(*ink > 500, "page {} is blank", n + 1);
    }
    let photos: usize = rendered.iter().map(|(_, photo)| photo).sum();
    assert!(
        photos > 100_000,
        "the photos are on the pages: {photos} pixels"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_presses_pdf_for_their_own_home_and_a_forged_press_for_another_gets_nothing() {
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    record(&app, &ambassador, "1-1-101", &THREE, 1, true).await;
    record(&app, &ambassador, "2-1-102", &BALCONY, 0, true).await;
    let (buyer, other) = (&buyers[0], &buyers[1]);
    wait_text(&app, buyer, "验房共记录 3 个问题").await;
    let before = app.fake.sent_messages(buyer.id).len();
    app.fake.send_text(buyer, "/mydefects");
    app.fake.wait_for_messages(buyer.id, before + 1).await;
    let list = app
        .fake
        .wait_for_message(buyer.id, |m| {
            m.button_labels()
                .iter()
                .any(|l| *l == label("button-defects-pdf"))
        })
        .await;
    let own = Callback::decode(
        &list
            .callback_data_for(&label("button-defects-pdf"))
            .expect("a PDF button"),
    )
    .expect("a button of ours");
    let Callback::DefectPdf(own_unit) = own else {
        panic!("{own:?}")
    };
    let after = last_id(&app, buyer);
    press_button(&app, buyer, own).await;
    let (_, bytes) = document(&app, buyer, "defects-1-1-101.pdf", after).await;
    let text = Pdf::save(&bytes).text();
    assert!(
        text.contains("1-1-101") && text.contains("水槽下渗水"),
        "{text}"
    );
    assert!(
        !text.contains("2-1-102") && !text.contains("栏杆松动"),
        "{text}"
    );

    // The other buyer forges the press for the first buyer's home.
    let db = Db::open(app.database_url()).await;
    assert!(db.wait_outbox_sent().await, "the lists reached the buyers");
    let snapshot = db.snapshot().await;
    let handled = db.handled().await;
    let theirs = app.fake.sent_messages(other.id).pop().expect("a message");
    let sent = app.fake.sent_messages(other.id).len();
    let forged =
        app.fake
            .press_crafted_button(other, &theirs, &Callback::DefectPdf(own_unit).encode());
    assert_eq!(
        app.fake.callback_answer(&forged).await,
        label("defect-not-yours")
    );
    assert!(db.wait_handled(handled, 1).await);
    assert_eq!(app.fake.sent_messages(other.id).len(), sent, "nothing sent");
    assert_eq!(
        db_changes(&snapshot, &db.snapshot().await),
        Vec::<String>::new()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_pdf_argument_changes_nothing_and_is_answered_politely() {
    let Campaign {
        app, ambassador, ..
    } = site().await;
    record(&app, &ambassador, "1-1-101", &THREE, 0, true).await;
    let db = Db::open(app.database_url()).await;
    assert!(db.wait_outbox_sent().await, "the list reached the buyer");
    let snapshot = db.snapshot().await;
    let handled = db.handled().await;
    app.fake.send_text(&ambassador, "/defects pdf");
    wait_text(&app, &ambassador, &fixed("defects-usage")).await;
    app.fake.send_text(&ambassador, "/defects 9-9-999 pdf");
    wait_text(&app, &ambassador, &fixed("household-not-yours")).await;
    app.fake.send_text(&ambassador, "/defects 1-1-101 xls");
    wait_text(&app, &ambassador, "1-1-101 xls").await;
    assert!(
        app.fake
            .sent_messages(ambassador.id)
            .iter()
            .all(|m| m.file.is_none()),
        "no document"
    );
    assert!(db.wait_handled(handled, 3).await);
    assert_eq!(
        db_changes(&snapshot, &db.snapshot().await),
        Vec::<String>::new()
    );
    app.stop().await;
}

// ----- the handover record ---------------------------------------------------------------

/// The colour the server draws signatures in (`render::signature`): nothing else printed on a
/// record is this dark blue.
const SIGNATURE_INK: [u8; 3] = [20, 24, 40];

/// Two linked buyers (1-1-101, 2-1-102), the Mini App on with signatures by `rule`, and a
/// checklist of one key kind, two meters and one document.
async fn signing_site(rule: handover_bot::config::SignatureRule) -> Campaign {
    Site::new()
        .homes(2)
        .linked(&[0, 1])
        .mini_app(rule, "water,electricity")
        .assigned()
        .await
}

/// The ambassador's checklist of 1-1-101 (2 keys, water 0123.4 and electricity 5678.9 with
/// real photos, the quality guarantee), sent; the record's number.
async fn send_checklist(app: &TestApp, ambassador: &User) -> i64 {
    use crate::support::people::reply_to;
    use handover_bot::bot::callback::HandoverStep;
    let start = last_id(app, ambassador);
    reply_to(app, ambassador, "/handover 1-1-101").await;
    press_button(
        app,
        ambassador,
        Callback::Handover(HandoverStep::Keys(0, 2)),
    )
    .await;
    for (seed, meter, reading) in [
        (1, "meter-water", "0123.4"),
        (2, "meter-electricity", "5678.9"),
    ] {
        let meter = label(meter);
        app.fake
            .wait_for_message(ambassador.id, |m| {
                m.message_id > start
                    && crate::support::text::says(&m.plain_text, "handover-ask-meter")
                    && m.plain_text.contains(&meter)
            })
            .await;
        app.fake
            .send_photo(ambassador, photo_jpeg(seed, 640, 480), Some(reading));
    }
    // Each step's buttons on this run's messages, not on an earlier run's.
    for step in [
        HandoverStep::Document(0, true),
        HandoverStep::DocumentsDone,
        HandoverStep::Submit,
    ] {
        let message = app
            .fake
            .wait_for_message(ambassador.id, |m| {
                m.message_id > start
                    && crate::support::steps::button(m, |c| *c == Callback::Handover(step))
                        .is_some()
            })
            .await;
        crate::support::steps::press_on(app, ambassador, &message, |c| {
            *c == Callback::Handover(step)
        });
    }
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.message_id > start
                && ["handover-saved-sign", "handover-sent-sign", "handover-sent"]
                    .iter()
                    .any(|key| crate::support::text::says(&m.plain_text, key))
        })
        .await;
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let id = tx
        .current_handover(unit)
        .await
        .unwrap()
        .expect("a record")
        .id;
    tx.commit().await.unwrap();
    id
}

/// `person` signs record `id` on the Mini App page's API, as the page does; the status.
async fn sign(app: &TestApp, person: &User, id: i64) -> u16 {
    use handover_bot::clock::Clock as _;
    let token = app.config.bot_token.as_ref().unwrap().expose().to_string();
    let init_data = handover_bot::webapp::init_data::sign_init_data(
        &token,
        &serde_json::json!({"id": person.id, "first_name": person.first_name}).to_string(),
        app.clock.now() - chrono::Duration::minutes(1),
    );
    let local = app.running().http_addr.expect("the HTTP server runs");
    let drawing = r#"{"width":300,"height":150,"strokes":[[[10,100],[60,20],[110,120],[160,30],[210,110],[290,40]],[[20,130],[280,128]]]}"#;
    reqwest::Client::new()
        .post(format!("http://{local}/app/api/records/{id}/signature"))
        .header("Authorization", format!("tma {init_data}"))
        .body(drawing)
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

/// Pixels of the signature ink on pages rendered at 100 dpi, per page.
fn signature_pixels(pdf: &Pdf) -> Vec<usize> {
    let prefix = pdf.dir.path().join("sig");
    poppler(
        "pdftoppm",
        &["-r", "100", "-png", pdf.file(), prefix.to_str().unwrap()],
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(pdf.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    let [r, g, b] = SIGNATURE_INK.map(i32::from);
    let counts = pages
        .iter()
        .map(|page| {
            image::open(page)
                .unwrap()
                .to_rgb8()
                .pixels()
                .filter(|p| {
                    let [pr, pg, pb] = p.0.map(i32::from);
                    (pr - r).abs() <= 10 && (pg - g).abs() <= 10 && (pb - b).abs() <= 10
                })
                .count()
        })
        .collect();
    for page in pages {
        std::fs::remove_file(page).unwrap();
    }
    counts
}

/// The kept record's SHA-256.
async fn record_hash_of(app: &TestApp, id: i64) -> String {
    let mut tx = app.services().store.read().await.unwrap();
    let kept = tx.record(id).await.unwrap().expect("the record is kept");
    tx.commit().await.unwrap();
    kept.sha256
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_received_record_comes_signed_as_a_pdf_in_each_readers_language_and_checks_out() {
    use crate::support::people::{link_by_contact, load_buyers, reply_to};
    use crate::support::steps::{wait_fixed, wait_key};
    let site = signing_site(handover_bot::config::SignatureRule::Required).await;
    let (app, ambassador, buyer, neighbour) = (
        &site.app,
        &site.ambassador,
        &site.buyers[0],
        &site.buyers[1],
    );
    // A co-owner of 1-1-101 who reads English.
    load_buyers(
        app,
        "building,entrance,room,name,phone\n1,1,101,Fang Wang,13900009999\n",
    )
    .await;
    let co_owner = app.fake.user(30_101, "Fang");
    link_by_contact(app, &co_owner, "+86 13900009999").await;
    // The introduction to the ambassador follows the greeting by a moment.
    app.advance(chrono::Duration::seconds(3));
    wait_text(app, &co_owner, "Li Lei").await;
    reply_to(app, &co_owner, "/language en").await;
    // One defect stays open at handover.
    record(app, ambassador, "1-1-101", &THREE[..1], 0, true).await;

    let id = send_checklist(app, ambassador).await;
    assert_eq!(sign(app, ambassador, id).await, 200);
    wait_fixed(app, buyer, "handover-confirm-how-open-sign").await;
    let before = last_id(app, buyer);
    assert_eq!(sign(app, buyer, id).await, 200);

    // Everyone concerned gets the record as a PDF, in their language.
    let name = "handover-record-1-1-101.pdf";
    let (message, zh_bytes) = document(app, buyer, name, before).await;
    assert!(
        message.plain_text.contains(&zh(
            "record-caption",
            &[("home", "1-1-101".into()), ("number", id.into())]
        )),
        "{}",
        message.plain_text
    );
    let (_, en_bytes) = document(app, &co_owner, name, 0).await;
    let (_, ambassadors) = document(app, ambassador, name, 0).await;
    assert_eq!(ambassadors, zh_bytes, "the ambassador reads Chinese too");
    let hash = record_hash_of(app, id).await;

    // Compared without white space: pdftotext breaks lines and spaces its own way.
    let flat = |text: &str| text.split_whitespace().collect::<String>();
    let zh_pdf = Pdf::save(&zh_bytes);
    let text = flat(&zh_pdf.text());
    for needle in [
        label("record-title"),
        "Buyer 0".to_string(),
        "Fang Wang".to_string(),
        "1-1-101".to_string(),
        "0123.4".to_string(),
        "5678.9".to_string(),
        label("meter-water"),
        label("meter-electricity"),
        label("document-quality-guarantee"),
        label("key-entrance-door"),
        "水槽下渗水".to_string(),
        label("room-kitchen"),
        zh("record-years", &[("count", 5.into())]),
        zh("record-years", &[("count", 2.into())]),
        hash.clone(),
    ] {
        assert!(
            text.contains(&flat(&needle)),
            "{needle:?} in the Chinese record:\n{text}"
        );
    }
    let en_pdf = Pdf::save(&en_bytes);
    let text = flat(&en_pdf.text());
    for needle in [
        "Handover record",
        "Buyer 0",
        "1-1-101",
        "0123.4",
        "5678.9",
        "Water",
        "Kitchen",
        "5 years",
        hash.as_str(),
    ] {
        assert!(
            text.contains(&flat(needle)),
            "{needle:?} in the English record:\n{text}"
        );
    }
    for pdf in [&zh_pdf, &en_pdf] {
        let fonts = pdf.fonts();
        assert!(!fonts.is_empty());
        for (font, embedded, subset) in &fonts {
            assert!(*embedded && *subset, "{font} is embedded and subset");
        }
        // Page 1 is not blank and holds both signatures; the meter photos follow them.
        let pages = pdf.render(1, pdf.pages());
        assert!(pages[0].0 > 20_000, "page 1 has ink: {pages:?}");
        let photos: usize = pages.iter().map(|p| p.1).sum();
        assert!(photos > 1_000, "the meter photos print: {pages:?}");
        let ink = signature_pixels(pdf);
        assert!(ink[0] > 400, "both signatures print on page 1: {ink:?}");
    }
    // Kept for the README: page 1 of the Chinese record.
    {
        let prefix = zh_pdf.dir.path().join("readme");
        poppler(
            "pdftoppm",
            &[
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                zh_pdf.file(),
                prefix.to_str().unwrap(),
            ],
        );
        let page = std::fs::read_dir(zh_pdf.dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("readme"))
            })
            .expect("page 1 rendered");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pdf");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(page, dir.join("record-page-1.png")).unwrap();
        std::fs::write(dir.join("record-zh.pdf"), &zh_bytes).unwrap();
        std::fs::write(dir.join("record-en.pdf"), &en_bytes).unwrap();
    }

    // /myhome offers the same file again.
    let home = crate::support::people::reply_matching(app, buyer, "/myhome", |m| {
        m.button_labels().contains(&label("button-record-pdf"))
    })
    .await;
    assert!(home.message_id > 0);
    let after = last_id(app, buyer);
    press_button(
        app,
        buyer,
        Callback::RecordPdf(unit_of(app, "1-1-101").await),
    )
    .await;
    let (_, again) = document(app, buyer, name, after).await;
    assert_eq!(again, zh_bytes, "the record sent again is the same file");
    // Another home's buyer forging the press gets nothing.
    let theirs = app
        .fake
        .sent_messages(neighbour.id)
        .pop()
        .expect("a message");
    let sent = app.fake.sent_messages(neighbour.id).len();
    let forged = app.fake.press_crafted_button(
        neighbour,
        &theirs,
        &Callback::RecordPdf(unit_of(app, "1-1-101").await).encode(),
    );
    assert_eq!(
        app.fake.callback_answer(&forged).await,
        label("record-not-yours")
    );
    assert_eq!(
        app.fake.sent_messages(neighbour.id).len(),
        sent,
        "nothing sent"
    );

    // /verify with the number and the start of the hash printed on the page.
    let short = &hash[..12];
    reply_to(app, buyer, &format!("/verify {id} {short}")).await;
    wait_key(
        app,
        buyer,
        "verify-matches",
        &[
            ("number", id.into()),
            ("home", "1-1-101".into()),
            ("buyer", "Buyer 0".into()),
            ("ambassador", "Li Lei".into()),
            ("at", received_at(app, id).await.into()),
        ],
    )
    .await;
    reply_to(app, buyer, &format!("/verify {id} 0000000000ab")).await;
    wait_key(app, buyer, "verify-differs", &[("number", id.into())]).await;
    reply_to(app, neighbour, &format!("/verify {id} {short}")).await;
    wait_key(app, neighbour, "verify-unknown", &[("number", id.into())]).await;
    reply_to(app, buyer, "/verify 12").await;
    wait_fixed(app, buyer, "verify-usage").await;

    // The operator's command checks a file.
    let check = |path: &str| {
        crate::support::app::binary()
            .args(["verify-record", path])
            .env("HANDOVER_DATABASE_URL", app.database_url())
            .env("HANDOVER_MEDIA_DIR", &app.config.media_dir)
            .output()
            .expect("the binary runs")
    };
    let output = check(zh_pdf.file());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("matches") && stdout.contains(&hash),
        "{stdout}"
    );
    assert!(
        stdout.contains("byte for byte the one the bot issued"),
        "{stdout}"
    );
    // A copy whose printed hash was changed does not match.
    let forged = Pdf::save(
        &String::from_utf8_lossy(&zh_bytes)
            .replace(&hash, &"0".repeat(64))
            .into_bytes(),
    );
    let output = check(forged.file());
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("does not match"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    site.app.stop().await;
}

/// When record `id` was received, as the bot writes times.
async fn received_at(app: &TestApp, id: i64) -> String {
    use handover_bot::present::Times as _;
    let mut tx = app.services().store.read().await.unwrap();
    let kept = tx.record(id).await.unwrap().expect("the record is kept");
    tx.commit().await.unwrap();
    handover_bot::domain::record::RecordData::from_json(&kept.data)
        .unwrap()
        .received_at
        .with_timezone(&app.config.timezone)
        .present_date_time()
}

async fn unit_of(app: &TestApp, home: &str) -> i64 {
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households(home).await.unwrap()[0].unit.unit_id;
    tx.commit().await.unwrap();
    unit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redone_record_names_the_one_it_replaces_and_one_received_by_the_button_says_so() {
    use crate::support::steps::{press_on, wait_fixed};
    let site = signing_site(handover_bot::config::SignatureRule::Optional).await;
    let (ambassador, buyer) = (&site.ambassador, &site.buyers[0]);
    let app = &site.app;
    let first = send_checklist(app, ambassador).await;
    let ask = wait_fixed(app, buyer, "handover-confirm-how").await;
    // The ambassador does the checklist again before the buyer answers.
    let second = send_checklist(app, ambassador).await;
    assert_ne!(first, second);
    {
        let mut tx = app.services().store.read().await.unwrap();
        let redone = tx.handover(second).await.unwrap().expect("the new record");
        tx.commit().await.unwrap();
        assert_eq!(
            redone.replaces,
            Some(first),
            "the new record names the old one"
        );
    }
    // The old request is answered as replaced; the new one's button hands the home over.
    let old = press_on(app, buyer, &ask, |c| *c == Callback::HandoverConfirm(first));
    app.fake.callback_answer(&old).await;
    let before = last_id(app, buyer);
    let newer = app
        .fake
        .wait_for_message(buyer.id, |m| {
            crate::support::steps::button(m, |c| *c == Callback::HandoverConfirm(second)).is_some()
        })
        .await;
    press_on(app, buyer, &newer, |c| {
        *c == Callback::HandoverConfirm(second)
    });
    let (_, bytes) = document(app, buyer, "handover-record-1-1-101.pdf", before).await;
    let text = Pdf::save(&bytes).text();
    assert!(
        text.contains(&zh(
            "record-number-replaces",
            &[("number", second.into()), ("old", first.into())]
        )),
        "{text}"
    );
    let received = received_at(app, second).await;
    assert!(
        text.contains(&zh(
            "record-received-in-chat",
            &[("at", received.as_str().into())]
        )),
        "a record received by the button says so:\n{text}"
    );
    site.app.stop().await;
}
