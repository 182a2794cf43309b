//! Floor plans per unit type through the bot and the command line: a supervisor's plan image
//! captioned `/plan A2` (as a file or a photo) is a new version of that type's plan, checked by
//! its bytes; a PDF, a text file or another role's upload is refused and changes nothing;
//! `/plans` lists each type's plan and the types still without one.

use crate::support::app::{TestApp, binary};
use crate::support::fake_telegram::User;
use crate::support::people::reply_to;
use crate::support::site::Site;

/// 1-1-101 and 1-1-102 are of type A2 (written both ways), 2-1-103 of type B1.
const BUYERS: &str = "building,entrance,room,name,phone,unit_type\n\
    1,1,101,Buyer 0,13900000000,A2\n\
    1,1,102,Buyer 1,13900000001,a2\n\
    2,1,103,Buyer 2,13900000002,B1\n";

/// A plain PNG of `width` × `height`.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer
            .write_image_data(&vec![200u8; (width * height) as usize])
            .unwrap();
    }
    out
}

async fn send(app: &TestApp, person: &User, name: &str, mime: &str, bytes: Vec<u8>) -> String {
    let before = app.fake.sent_messages(person.id).len();
    app.fake
        .send_document(person, name, mime, bytes, Some("/plan A2"));
    let all = app.fake.wait_for_messages(person.id, before + 1).await;
    all[before].plain_text.clone()
}

async fn versions(app: &TestApp) -> Vec<(String, i64, i64, i64)> {
    let services = app.services();
    let mut tx = services.store.begin().await.unwrap();
    let project = tx
        .ensure_project(&services.config.project, chrono::Utc::now())
        .await
        .unwrap();
    let plans = tx.floor_plans(project).await.unwrap();
    tx.commit().await.unwrap();
    plans
        .into_iter()
        .map(|p| (p.unit_type, p.version, p.width, p.height))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_per_unit_type_is_uploaded_checked_and_listed() {
    let c = Site::new().buyers_file(BUYERS).started().await;
    let app = &c.app;

    let saved = send(app, &c.supervisor, "A2.png", "image/png", png(1200, 800)).await;
    assert!(
        saved.contains("户型 A2 的户型图已保存（第 1 版，1200×800 像素）；该户型共 2 户"),
        "{saved}"
    );
    // Again as a photo, at another resolution, with the type as the buyer list wrote it.
    let before = app.fake.sent_messages(c.supervisor.id).len();
    app.fake
        .send_photo(&c.supervisor, png(600, 400), Some("/plan a2"));
    let again = app
        .fake
        .wait_for_messages(c.supervisor.id, before + 1)
        .await;
    assert!(
        again[before].plain_text.contains("第 2 版，600×400 像素"),
        "{}",
        again[before].plain_text
    );

    // A PDF, a text file named like an image and an ambassador's upload change nothing.
    let pdf = send(
        app,
        &c.supervisor,
        "A2.pdf",
        "application/pdf",
        b"%PDF-1.7\n1 0 obj\n".to_vec(),
    )
    .await;
    assert!(pdf.contains("PDF 不能作为户型图"), "{pdf}");
    let text = send(
        app,
        &c.supervisor,
        "A2.png",
        "image/png",
        b"not a plan".to_vec(),
    )
    .await;
    assert!(text.contains("不是 PNG 或 JPEG 图片"), "{text}");
    let refused = send(app, &c.ambassador, "A2.png", "image/png", png(100, 100)).await;
    assert!(refused.contains("/plan 不对您的角色开放"), "{refused}");
    assert_eq!(versions(app).await, vec![("A2".to_string(), 2, 600, 400)]);

    let list = reply_to(app, &c.supervisor, "/plans").await.plain_text;
    assert!(list.contains("A2：第 2 版，600×400 · 2 户"), "{list}");
    assert!(list.contains("B1：尚无户型图 · 1 户"), "{list}");
    let usage = reply_to(app, &c.supervisor, "/plan").await.plain_text;
    assert!(usage.contains("/plan A2"), "{usage}");
}

#[test]
fn plans_import_reads_a_folder_of_images_named_by_unit_type() {
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    std::fs::create_dir(&plans).unwrap();
    std::fs::write(plans.join("A2.png"), png(300, 200)).unwrap();
    std::fs::write(plans.join("B1.png"), png(200, 300)).unwrap();
    std::fs::write(plans.join("C3.pdf"), b"%PDF-1.7\n").unwrap();
    let output = binary()
        .args(["plans", "import"])
        .arg(&plans)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("unit type A2, version 1, 300x200"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unit type B1, version 1, 200x300"),
        "{stdout}"
    );
    assert!(stdout.contains("C3.pdf: a PDF"), "{stdout}");
    assert!(!output.status.success(), "a refused file fails the run");
}
