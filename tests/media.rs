//! Photos, voice notes and documents people send: an album acknowledged once after its last
//! photo in every flow that takes photos (also across a restart), daily upload quotas, the bytes
//! checked rather than the declared type, and a buyer's media outside a flow relayed to their
//! ambassador like their text.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentKind, SentMessage, User};
use crate::support::people::reply_to;
use crate::support::site::{Campaign, Site};
use crate::support::steps::{count, photo, press, record_leak, step_on_card, until, wait_text};
use chrono::Duration;
use handover_bot::config::Config;
use handover_bot::domain::remediation::Action;

/// One ambassador, building 1's engineer, and the linked buyer of 1-1-101, assigned.
async fn site_with(adjust: impl FnOnce(&mut Config) + 'static) -> Campaign {
    Site::new()
        .engineer_for(1)
        .homes(1)
        .linked(&[0])
        .config(adjust)
        .assigned()
        .await
}

/// Waits (in real time: the bot is working) until the bot has handled these updates.
pub async fn handled(app: &TestApp, updates: &[i64]) {
    for _ in 0..500 {
        let mut tx = app.services().store.read().await.unwrap();
        let done = tx.handled_among(updates).await.unwrap();
        tx.commit().await.unwrap();
        if done.len() == updates.len() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the bot did not handle updates {updates:?}");
}

/// Sends an album, waits until the bot has taken each of its photos, then lets the album
/// settle on the clock until `person` gets the answer containing `needle`.
async fn send_album(app: &TestApp, person: &User, seeds: &[u8], needle: &str) -> SentMessage {
    let updates = app
        .fake
        .send_album(person, seeds.iter().map(|s| photo(*s)).collect());
    handled(app, &updates).await;
    settle(app, person, needle).await
}

/// Moves the clock past an album's settling time (and any retry of its answer) until `person`
/// has the answer containing `needle`.
async fn settle(app: &TestApp, person: &User, needle: &str) -> SentMessage {
    app.advance(Duration::seconds(5));
    until(app, needle, || count(app, person, needle) > 0).await;
    wait_text(app, person, needle).await
}

/// The number of files the media store holds.
fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let path = e.path();
                        if path.is_dir() { walk(&path) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.config.media_dir.join("files"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_album_is_acknowledged_once_after_its_last_photo_in_the_walk_through_and_the_report() {
    let Campaign {
        mut app,
        ambassador,
        buyer,
        ..
    } = site_with(|_| {}).await;
    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    press(&app, &ambassador, "厨房").await;
    press(&app, &ambassador, "渗漏").await;
    press(&app, &ambassador, "紧急").await;
    wait_text(&app, &ambassador, "请拍照发送").await;
    let updates = app
        .fake
        .send_album(&ambassador, vec![photo(61), photo(62), photo(63)]);
    handled(&app, &updates).await;
    // A restart before the album settled loses neither a photo nor the acknowledgement.
    app.restart().await;
    settle(&app, &ambassador, "已收到 3 张照片").await;
    app.fake.send_text(&ambassador, "水槽下漏水");
    let confirm = wait_text(&app, &ambassador, "照片：3 张").await;
    assert_eq!(count(&app, &ambassador, "已收到 1 张照片"), 0);
    assert_eq!(count(&app, &ambassador, "已收到 3 张照片"), 1);
    assert!(confirm.message_id > 0);

    // The buyer's own report.
    reply_to(&app, &buyer, "/report").await;
    press(&app, &buyer, "卧室").await;
    wait_text(&app, &buyer, "请用文字描述问题").await;
    app.fake.send_text(&buyer, "窗户关不严");
    wait_text(&app, &buyer, "然后点“提交”").await;
    let acknowledged = send_album(&app, &buyer, &[64, 65], "已收到 2 张照片").await;
    assert_eq!(acknowledged.button_labels(), vec!["📨 提交"]);
    assert_eq!(count(&app, &buyer, "已收到 1 张照片"), 0);
    press(&app, &buyer, "📨 提交").await;
    wait_text(&app, &buyer, "已提交").await;
    assert_eq!(count(&app, &buyer, "已收到 2 张照片"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_album_of_fix_photos_or_meter_photos_gets_one_answer_after_its_last_photo() {
    let Campaign {
        app,
        ambassador,
        engineer,
        ..
    } = site_with(|_| {}).await;
    record_leak(&app, &ambassador).await;
    let id = {
        let mut tx = app.services().store.read().await.unwrap();
        let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
        let defects = tx.defects_of_unit(unit, None).await.unwrap();
        tx.commit().await.unwrap();
        defects[0].id
    };
    wait_text(&app, &engineer, "新增 1 个待整改问题").await;
    reply_to(&app, &engineer, "/tasks").await;
    step_on_card(&app, &engineer, id, Action::Start).await;
    press(&app, &engineer, "✔ 确认").await;
    wait_text(&app, &engineer, &format!("#{id} 现在的状态：整改中")).await;
    step_on_card(&app, &engineer, id, Action::Fix).await;
    wait_text(&app, &engineer, "整改后的照片").await;
    let acknowledged = send_album(&app, &engineer, &[71, 72, 73], "已收到 3 张照片").await;
    assert!(acknowledged.has_inline_keyboard());
    assert_eq!(count(&app, &engineer, "已收到 1 张照片"), 0);
    press(&app, &engineer, "✅ 完成，通知业主").await;
    wait_text(&app, &engineer, "整改完成，已请业主查验").await;
    assert_eq!(count(&app, &engineer, "已收到 3 张照片"), 1);

    // The handover checklist: the meter question comes once after an album, not per photo.
    reply_to(&app, &ambassador, "/handover 1-1-101").await;
    for question in ["入户门钥匙几把", "信箱钥匙几把", "门禁卡几把"] {
        wait_text(&app, &ambassador, question).await;
        press(&app, &ambassador, "1").await;
    }
    wait_text(&app, &ambassador, "水表：请发送表的照片").await;
    // The water and the electricity meter's photos as one album: each meter keeps its own,
    // and the readings are asked in turn.
    send_album(&app, &ambassador, &[74, 75], "请输入水表的读数").await;
    app.fake.send_text(&ambassador, "12.5");
    wait_text(&app, &ambassador, "请输入电表的读数").await;
    app.fake.send_text(&ambassador, "34");
    wait_text(&app, &ambassador, "燃气表：请发送表的照片").await;
    assert_eq!(count(&app, &ambassador, "请输入水表的读数"), 1);
    press(&app, &ambassador, "本户没有这块表").await;
    wait_text(&app, &ambassador, "业主领取了哪些资料").await;
    press(&app, &ambassador, "✔ 完成").await;
    let review = wait_text(&app, &ambassador, "交房记录，请核对").await;
    for line in ["水表：12.5", "电表：34"] {
        assert!(
            review.plain_text.contains(line),
            "{line} in {}",
            review.plain_text
        );
    }
    press(&app, &ambassador, "📨 发给业主确认").await;
    wait_text(&app, &ambassador, "交房记录已发给").await;
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let handover = tx.current_handover(unit).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    let photos: Vec<&String> = handover.meters.iter().map(|(m, _)| &m.photo).collect();
    assert_eq!(photos.len(), 2);
    assert_ne!(photos[0], photos[1], "each meter keeps its own photo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_over_the_daily_upload_quota_is_refused_politely_and_nothing_is_stored() {
    let Campaign { app, buyer, .. } = site_with(|config| {
        config.uploads_per_day = 3;
        config.upload_bytes_per_day = 1_000;
    })
    .await;
    reply_to(&app, &buyer, "/report").await;
    press(&app, &buyer, "卧室").await;
    wait_text(&app, &buyer, "请用文字描述问题").await;
    app.fake.send_text(&buyer, "墙面开裂");
    wait_text(&app, &buyer, "然后点“提交”").await;
    // Each test photo is 205 bytes.
    app.fake.send_photo(&buyer, photo(81), None);
    wait_text(&app, &buyer, "已收到 1 张照片").await;
    app.fake.send_photo(&buyer, photo(82), None);
    wait_text(&app, &buyer, "已收到 2 张照片").await;
    // 410 + 700 bytes is over the day's 1,000.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(std::iter::repeat_n(7u8, 692));
    app.fake
        .send_document(&buyer, "wall.png", "image/png", png, None);
    let refused = wait_text(&app, &buyer, "今天发送的照片和文件已达上限").await;
    assert!(
        refused.plain_text.contains("没有保存"),
        "{}",
        refused.plain_text
    );
    assert_eq!(stored_files(&app), 2);
    app.fake.send_photo(&buyer, photo(83), None);
    wait_text(&app, &buyer, "已收到 3 张照片").await;
    // The fourth of the day is over the count.
    app.fake.send_photo(&buyer, photo(84), None);
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.message_id > refused.message_id && m.plain_text.contains("已达上限")
        })
        .await;
    assert_eq!(stored_files(&app), 3);
    assert_eq!(count(&app, &buyer, "已收到 4 张照片"), 0);

    // A new day, a new allowance.
    app.advance(Duration::days(1));
    app.fake.send_photo(&buyer, photo(84), None);
    wait_text(&app, &buyer, "已收到 4 张照片").await;
    assert_eq!(stored_files(&app), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_is_taken_as_a_photo_for_its_bytes_not_its_declared_type() {
    let Campaign { app, buyer, .. } = site_with(|_| {}).await;
    reply_to(&app, &buyer, "/report").await;
    press(&app, &buyer, "卧室").await;
    wait_text(&app, &buyer, "请用文字描述问题").await;
    app.fake.send_text(&buyer, "墙面开裂");
    wait_text(&app, &buyer, "然后点“提交”").await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    app.fake
        .send_document(&buyer, "crack.jpg", "image/jpeg", pdf, None);
    wait_text(&app, &buyer, "这里需要照片").await;
    assert_eq!(stored_files(&app), 0);
    // A real image sent as a file with no useful type is a photo.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(std::iter::repeat_n(9u8, 100));
    app.fake
        .send_document(&buyer, "crack", "application/octet-stream", png, None);
    wait_text(&app, &buyer, "已收到 1 张照片").await;
    assert_eq!(stored_files(&app), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyers_photo_voice_and_document_outside_a_flow_reach_their_ambassador() {
    let Campaign {
        app,
        ambassador,
        buyer,
        ..
    } = site_with(|_| {}).await;
    app.fake
        .send_photo(&buyer, photo(91), Some("阳台墙上有裂缝 <大约 1 米>"));
    let answer = wait_text(&app, &buyer, "已转达给您的交付大使 Li Lei").await;
    assert_eq!(count(&app, &buyer, "无法处理这类消息"), 0);
    assert_eq!(answer.button_labels(), vec!["📝 作为问题报告"]);
    let relayed = app
        .fake
        .wait_for_message(ambassador.id, |m| {
            matches!(m.kind, SentKind::Photo) && m.plain_text.contains("阳台墙上有裂缝")
        })
        .await;
    assert!(
        relayed.plain_text.contains("1-1-101 Buyer 0"),
        "{}",
        relayed.plain_text
    );
    assert!(
        relayed.plain_text.contains("<大约 1 米>"),
        "{}",
        relayed.plain_text
    );
    assert_eq!(relayed.button_labels(), vec!["↩️ 回复"]);

    app.fake.send_voice(&buyer, b"OggS voice note".to_vec());
    app.fake
        .wait_for_message(ambassador.id, |m| {
            matches!(m.kind, SentKind::Document) && m.plain_text.contains("语音")
        })
        .await;
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'x', 50));
    app.fake.send_document(
        &buyer,
        "合同.pdf",
        "application/pdf",
        pdf,
        Some("合同第 5 页"),
    );
    app.fake
        .wait_for_message(ambassador.id, |m| {
            matches!(m.kind, SentKind::Document) && m.plain_text.contains("合同第 5 页")
        })
        .await;
    assert_eq!(stored_files(&app), 3);
    // Each got its answer (the ambassador's copy may come first: it is not the reply).
    for _ in 0..500 {
        if count(&app, &buyer, "已转达给您的交付大使") == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(count(&app, &buyer, "已转达给您的交付大使"), 3);

    // "Report this as a problem" starts the report with the photo and its caption.
    press(&app, &buyer, "📝 作为问题报告").await;
    press(&app, &buyer, "阳台").await;
    let ready = wait_text(&app, &buyer, "已收到 1 张照片").await;
    assert_eq!(ready.button_labels(), vec!["📨 提交"]);
    press(&app, &buyer, "📨 提交").await;
    wait_text(&app, &buyer, "已提交").await;
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let defects = tx.defects_of_unit(unit, None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(defects.len(), 1);
    assert_eq!(defects[0].note, "阳台墙上有裂缝 <大约 1 米>");
    assert_eq!(defects[0].photos.len(), 1);
}
