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
