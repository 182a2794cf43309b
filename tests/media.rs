//! Photos, voice notes and documents people send: an album acknowledged once after its last
//! photo in every flow that takes photos (also across a restart), daily upload quotas, the bytes
//! checked rather than the declared type, and a buyer's media outside a flow relayed to their
//! ambassador like their text.

use crate::support::ahead::{
    assert_went_ahead, everyone_had_news_once, news_sent_when_queued, outbox_emptied, queue_news,
};
use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentKind, SentMessage, User};
use crate::support::people::reply_to;
use crate::support::site::{Campaign, Site};
use crate::support::steps::{
    KEY_KINDS, METERS, count, count_saying, describe_leak, keys_question, meter_question, photo,
    press_button, press_where, record_leak, step_on_card, until, wait_fixed, wait_key, wait_saying,
    wait_text,
};
use crate::support::text::{head, new_defects, says, step_done, zh};
use chrono::Duration;
use handover_bot::bot::callback::{Callback, FixStep, HandoverStep, InspectAction};
use handover_bot::config::Config;
use handover_bot::domain::defect::Room;
use handover_bot::domain::remediation::Action;
use handover_bot::domain::remediation::DefectStatus;
use handover_bot::i18n::Arg;

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

/// The walk-through's answer to `count` photos.
fn inspect_received(count: i64) -> String {
    zh("inspect-photo-received", &[("count", count.into())])
}

/// The report's answer to `count` photos.
fn report_received(count: i64) -> String {
    zh("report-photo-received", &[("count", count.into())])
}

/// The engineer's fix's answer to `count` photos.
fn fix_received(count: i64) -> String {
    zh("fix-photo-received", &[("count", count.into())])
}

/// The handover checklist's question for the reading of `meter` (its locale key).
fn reading_question(meter: &str) -> String {
    zh(
        "handover-ask-meter-reading",
        &[("meter", zh(meter, &[]).into())],
    )
}

const SUBMIT: Callback = Callback::Inspect(InspectAction::Save);

/// The buyer starts a report about the bedroom with `text` and is asked for photos.
async fn report_bedroom(app: &TestApp, buyer: &User, text: &str) {
    reply_to(app, buyer, "/report").await;
    press_button(app, buyer, Callback::InspectRoom(Room::Bedroom)).await;
    wait_key(
        app,
        buyer,
        "report-describe",
        &[("room", zh("room-bedroom", &[]).into())],
    )
    .await;
    app.fake.send_text(buyer, text);
    wait_fixed(app, buyer, "report-photos").await;
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
    describe_leak(&app, &ambassador).await;
    let updates = app
        .fake
        .send_album(&ambassador, vec![photo(61), photo(62), photo(63)]);
    handled(&app, &updates).await;
    // A restart before the album settled loses neither a photo nor the acknowledgement.
    app.restart().await;
    settle(&app, &ambassador, &inspect_received(3)).await;
    app.fake.send_text(&ambassador, "水槽下漏水");
    let three = head(
        "inspect-confirm",
        &[
            ("room", zh("room-kitchen", &[]).into()),
            ("category", zh("category-leakage", &[]).into()),
            ("severity", zh("severity-urgent", &[]).into()),
            ("photos", 3i64.into()),
        ],
    );
    let confirm = wait_text(&app, &ambassador, &three).await;
    assert_eq!(count(&app, &ambassador, &inspect_received(1)), 0);
    assert_eq!(count(&app, &ambassador, &inspect_received(3)), 1);
    assert!(confirm.message_id > 0);

    // The buyer's own report.
    report_bedroom(&app, &buyer, "窗户关不严").await;
    let acknowledged = send_album(&app, &buyer, &[64, 65], &report_received(2)).await;
    assert_eq!(
        acknowledged.button_labels(),
        vec![zh("button-report-submit", &[])]
    );
    assert_eq!(count(&app, &buyer, &report_received(1)), 0);
    press_button(&app, &buyer, SUBMIT).await;
    wait_fixed(&app, &buyer, "report-sent").await;
    assert_eq!(count(&app, &buyer, &report_received(2)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_album_of_fix_photos_or_meter_photos_gets_one_answer_after_its_last_photo() {
    // A buyer's daily quota of two: staff photos are work and not counted against it.
    let Campaign {
        app,
        ambassador,
        engineer,
        ..
    } = site_with(|config| config.uploads_per_day = 2).await;
    record_leak(&app, &ambassador).await;
    let id = {
        let mut tx = app.services().store.read().await.unwrap();
        let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
        let defects = tx.defects_of_unit(unit, None).await.unwrap();
        tx.commit().await.unwrap();
        defects[0].id
    };
    wait_text(&app, &engineer, &new_defects("1-1-101", 1)).await;
    reply_to(&app, &engineer, "/tasks").await;
    step_on_card(&app, &engineer, id, Action::Start).await;
    press_button(&app, &engineer, Callback::StepConfirm(id)).await;
    wait_text(&app, &engineer, &step_done(id, DefectStatus::InProgress)).await;
    step_on_card(&app, &engineer, id, Action::Fix).await;
    wait_saying(&app, &engineer, "fix-ask-photos").await;
    let acknowledged = send_album(&app, &engineer, &[71, 72, 73], &fix_received(3)).await;
    assert!(acknowledged.has_inline_keyboard());
    assert_eq!(count(&app, &engineer, &fix_received(1)), 0);
    press_button(&app, &engineer, Callback::Fix(FixStep::Done)).await;
    wait_key(&app, &engineer, "fix-done", &[("count", Arg::Number(1))]).await;
    assert_eq!(count(&app, &engineer, &fix_received(3)), 1);

    // The handover checklist: the meter question comes once after an album, not per photo.
    reply_to(&app, &ambassador, "/handover 1-1-101").await;
    for (i, kind) in (0u8..).zip(KEY_KINDS) {
        wait_text(&app, &ambassador, &keys_question(kind)).await;
        press_button(
            &app,
            &ambassador,
            Callback::Handover(HandoverStep::Keys(i, 1)),
        )
        .await;
    }
    wait_text(&app, &ambassador, &meter_question(METERS[0])).await;
    // The water and the electricity meter's photos as one album: each meter keeps its own,
    // and the readings are asked in turn.
    send_album(&app, &ambassador, &[74, 75], &reading_question(METERS[0])).await;
    app.fake.send_text(&ambassador, "12.5");
    wait_text(&app, &ambassador, &reading_question(METERS[1])).await;
    app.fake.send_text(&ambassador, "34");
    wait_text(&app, &ambassador, &meter_question(METERS[2])).await;
    assert_eq!(count(&app, &ambassador, &reading_question(METERS[0])), 1);
    press_button(
        &app,
        &ambassador,
        Callback::Handover(HandoverStep::NoMeter(2)),
    )
    .await;
    wait_fixed(&app, &ambassador, "handover-ask-documents").await;
    press_button(
        &app,
        &ambassador,
        Callback::Handover(HandoverStep::DocumentsDone),
    )
    .await;
    let review = wait_text(
        &app,
        &ambassador,
        &head("handover-review", &[("home", "1-1-101".into())]),
    )
    .await;
    for (meter, reading) in [(METERS[0], "12.5"), (METERS[1], "34")] {
        let line = zh(
            "handover-line-meter",
            &[
                ("meter", zh(meter, &[]).into()),
                ("reading", reading.into()),
            ],
        );
        assert!(
            review.plain_text.contains(&line),
            "{line} in {}",
            review.plain_text
        );
    }
    press_button(&app, &ambassador, Callback::Handover(HandoverStep::Submit)).await;
    wait_text(
        &app,
        &ambassador,
        &head("handover-sent", &[("home", "1-1-101".into())]),
    )
    .await;
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
    report_bedroom(&app, &buyer, "墙面开裂").await;
    // Each test photo is 205 bytes.
    app.fake.send_photo(&buyer, photo(81), None);
    wait_text(&app, &buyer, &report_received(1)).await;
    app.fake.send_photo(&buyer, photo(82), None);
    wait_text(&app, &buyer, &report_received(2)).await;
    // 410 + 700 bytes is over the day's 1,000.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(std::iter::repeat_n(7u8, 692));
    app.fake
        .send_document(&buyer, "wall.png", "image/png", png, None);
    let refused = wait_saying(&app, &buyer, "upload-quota-reached").await;
    assert_eq!(stored_files(&app), 2);
    app.fake.send_photo(&buyer, photo(83), None);
    wait_text(&app, &buyer, &report_received(3)).await;
    // The fourth of the day is over the count.
    app.fake.send_photo(&buyer, photo(84), None);
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.message_id > refused.message_id && says(&m.plain_text, "upload-quota-reached")
        })
        .await;
    assert_eq!(stored_files(&app), 3);
    assert_eq!(count(&app, &buyer, &report_received(4)), 0);

    // A new day, a new allowance.
    app.advance(Duration::days(1));
    app.fake.send_photo(&buyer, photo(84), None);
    wait_text(&app, &buyer, &report_received(4)).await;
    assert_eq!(stored_files(&app), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_is_taken_as_a_photo_for_its_bytes_not_its_declared_type() {
    let Campaign { app, buyer, .. } = site_with(|_| {}).await;
    report_bedroom(&app, &buyer, "墙面开裂").await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    app.fake
        .send_document(&buyer, "crack.jpg", "image/jpeg", pdf, None);
    wait_fixed(&app, &buyer, "photo-wrong-type").await;
    assert_eq!(stored_files(&app), 0);
    // A real image sent as a file with no useful type is a photo.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(std::iter::repeat_n(9u8, 100));
    app.fake
        .send_document(&buyer, "crack", "application/octet-stream", png, None);
    wait_text(&app, &buyer, &report_received(1)).await;
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
    let relayed_to_li = zh("relay-sent-ambassador", &[("name", "Li Lei".into())]);
    let answer = wait_text(&app, &buyer, &relayed_to_li).await;
    assert_eq!(count_saying(&app, &buyer, "unsupported-message"), 0);
    assert_eq!(
        answer.button_labels(),
        vec![zh("button-report-relayed", &[])]
    );
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
    assert_eq!(relayed.button_labels(), vec![zh("button-reply", &[])]);

    let voice = zh("relay-media-kind", &[("kind", "voice".into())]);
    app.fake.send_voice(&buyer, b"OggS voice note".to_vec());
    app.fake
        .wait_for_message(ambassador.id, |m| {
            matches!(m.kind, SentKind::Document) && m.plain_text.contains(&voice)
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
        if count(&app, &buyer, &relayed_to_li) == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(count(&app, &buyer, &relayed_to_li), 3);

    // "Report this as a problem" starts the report with the photo and its caption.
    press_where(&app, &buyer, |c| matches!(c, Callback::ReportRelayed(_))).await;
    press_button(&app, &buyer, Callback::InspectRoom(Room::Balcony)).await;
    let ready = wait_text(&app, &buyer, &report_received(1)).await;
    assert_eq!(ready.button_labels(), vec![zh("button-report-submit", &[])]);
    press_button(&app, &buyer, SUBMIT).await;
    wait_fixed(&app, &buyer, "report-sent").await;
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let defects = tx.defects_of_unit(unit, None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(defects.len(), 1);
    assert_eq!(defects[0].note, "阳台墙上有裂缝 <大约 1 米>");
    assert_eq!(defects[0].photos.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_albums_answer_goes_ahead_of_notifications_queued_before_it() {
    // Three messages a second overall, so ten notifications take more than three seconds.
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = Site::new()
        .engineer_for(1)
        .homes(10)
        .linked(&(0..10).collect::<Vec<_>>())
        .config(|c| c.messages_per_sec_overall = 3)
        .assigned()
        .await;
    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    describe_leak(&app, &ambassador).await;
    let updates = app.fake.send_album(&ambassador, vec![photo(81), photo(82)]);
    handled(&app, &updates).await;
    outbox_emptied(&app).await;
    // While the album settles, news for each buyer is queued.
    queue_news(&app, &buyers).await;
    app.advance(Duration::seconds(5));
    let sent_when_queued = news_sent_when_queued(&app, "album:%", buyers.len()).await;
    wait_text(&app, &ambassador, &inspect_received(2)).await;
    until(&app, "every buyer's news", || {
        everyone_had_news_once(&app, &buyers)
    })
    .await;
    // The ambassador is looking at the chat; the buyers' news waits for nobody.
    assert_went_ahead(&app, &inspect_received(2), sent_when_queued, buyers.len());
}
