//! Defect capture: the ambassador's walk-through with photos, albums and notes; the buyer's
//! consolidated list; restarts mid-flow; who may see what; oversized files.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentKind, SentMessage, User};
use crate::support::faults::retried_after_the_failed_send;
use crate::support::people::reply_to;
use crate::support::site::{Campaign, Site};
use crate::support::steps::{
    button, button_data, describe_defect, describe_leak, press_button, press_on, press_where,
    wait_fixed, wait_key, wait_saying, wait_text,
};
use crate::support::text::{fixed, head, label, parts, tail, zh};
use handover_bot::bot::callback::{Callback, InspectAction};
use handover_bot::domain::defect::{Category, Room, Severity};
use handover_bot::domain::remediation::DefectStatus;
use handover_bot::i18n::Arg;

/// Two households, each with a linked buyer, both looked after by one ambassador.
async fn site() -> Campaign {
    Site::new().homes(2).linked(&[0, 1]).assigned().await
}

/// The bot's newest message to `person` that carries the button `which`.
async fn with_button(app: &TestApp, person: &User, which: Callback) -> SentMessage {
    let has = |m: &SentMessage| button(m, |c| *c == which).is_some();
    app.fake.wait_for_message(person.id, has).await;
    app.fake
        .sent_messages(person.id)
        .into_iter()
        .rev()
        .find(has)
        .unwrap()
}

const SAVE: Callback = Callback::Inspect(InspectAction::Save);
const FINISH: Callback = Callback::Inspect(InspectAction::Finish);

/// The walk-through's confirmation of one defect, up to its photos.
fn confirmation(room: Room, category: Category, severity: Severity, photos: i64) -> String {
    head(
        "inspect-confirm",
        &[
            ("room", label(&room).into()),
            ("category", label(&category).into()),
            ("severity", label(&severity).into()),
            ("photos", photos.into()),
        ],
    )
}

/// The walk-through's answer to the `count`th photo.
fn photos_received(count: i64) -> String {
    zh("inspect-photo-received", &[("count", count.into())])
}

/// The `number`th defect of the walk-through saved.
fn saved(number: i64) -> String {
    head("inspect-saved", &[("number", number.into())])
}

/// The walk-through of 1-1-101 finished with `count` defects, sent to its one buyer.
fn finished(count: i64) -> String {
    zh(
        "inspect-finished",
        &[
            ("unit", "1-1-101".into()),
            ("count", count.into()),
            ("buyers", 1i64.into()),
        ],
    )
}

/// The buyer of 1-1-101's list of the `count` defects recorded.
fn buyers_list(count: i64) -> String {
    zh(
        "inspection-list-title",
        &[
            ("buyer", "Buyer 0".into()),
            ("home", "1-1-101".into()),
            ("count", count.into()),
        ],
    )
}

/// The title of 1-1-101's list of `count` defects.
fn defects_title(count: i64) -> String {
    zh(
        "defects-title",
        &[("unit", "1-1-101".into()), ("count", count.into())],
    )
}

fn photo(seed: u8, len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, seed];
    bytes.extend((0..len).map(|i| (i as u8).wrapping_mul(seed)));
    bytes
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
async fn five_defects_in_three_rooms_with_an_album_reach_the_buyer_as_one_list() {
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    let buyer = &buyers[0];
    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    // A long note on each makes the list longer than one Telegram message.
    // Each note begins with the word the ambassador types first ("问题 1", problem 1).
    let problem = "问题";
    let note = |i: usize| {
        format!(
            "{problem}{i}：{}",
            "墙角有明显水渍，需要检查防水层。".repeat(60)
        )
    };
    let items: [(Room, Category, Severity, Vec<Vec<u8>>); 5] = [
        (
            Room::Kitchen,
            Category::Leakage,
            Severity::Urgent,
            (1..=4).map(|s| photo(s, 300)).collect(),
        ),
        (
            Room::Kitchen,
            Category::Plumbing,
            Severity::High,
            vec![photo(5, 300)],
        ),
        (
            Room::Bathroom,
            Category::HollowOrCrack,
            Severity::Normal,
            vec![photo(6, 300), photo(7, 300)],
        ),
        (
            Room::Bedroom,
            Category::DoorsAndWindows,
            Severity::Low,
            vec![photo(8, 300)],
        ),
        (
            Room::Bedroom,
            Category::PaintAndWalls,
            Severity::Normal,
            vec![],
        ),
    ];
    let mut last_room = None;
    for (i, (room, category, severity, photos)) in items.iter().enumerate() {
        if i > 0 {
            if Some(*room) == last_room {
                press_button(&app, &ambassador, Callback::Inspect(InspectAction::Next)).await;
            } else {
                press_button(
                    &app,
                    &ambassador,
                    Callback::Inspect(InspectAction::OtherRoom),
                )
                .await;
            }
        }
        if Some(*room) != last_room {
            press_button(&app, &ambassador, Callback::InspectRoom(*room)).await;
        }
        press_button(&app, &ambassador, Callback::InspectCategory(*category)).await;
        press_button(&app, &ambassador, Callback::InspectSeverity(*severity)).await;
        wait_fixed(&app, &ambassador, "inspect-photos").await;
        if i == 0 {
            // Acknowledged once, a moment after the album's last photo, with the whole count.
            let updates = app.fake.send_album(&ambassador, photos.clone());
            crate::media::handled(&app, &updates).await;
            app.advance(chrono::Duration::seconds(5));
            crate::support::steps::until(&app, "the album's answer", || {
                app.fake
                    .sent_messages(ambassador.id)
                    .iter()
                    .any(|m| m.plain_text.contains(&photos_received(4)))
            })
            .await;
        } else {
            for (n, bytes) in photos.iter().enumerate() {
                app.fake.send_photo(&ambassador, bytes.clone(), None);
                wait_text(&app, &ambassador, &photos_received(n as i64 + 1)).await;
            }
        }
        let before = app.fake.sent_messages(ambassador.id).len();
        app.fake.send_text(&ambassador, &note(i + 1));
        app.fake.wait_for_messages(ambassador.id, before + 1).await;
        let confirm = with_button(&app, &ambassador, SAVE).await;
        let expected = confirmation(*room, *category, *severity, photos.len() as i64);
        assert!(
            confirm.plain_text.contains(&expected),
            "{}",
            confirm.plain_text
        );
        press_button(&app, &ambassador, SAVE).await;
        wait_text(&app, &ambassador, &saved(i as i64 + 1)).await;
        last_room = Some(*room);
    }
    press_button(&app, &ambassador, FINISH).await;
    wait_text(&app, &ambassador, &finished(5)).await;

    // The album's four photos arrived as four messages and were acknowledged once.
    let acknowledged = |needle: &str| {
        app.fake
            .sent_messages(ambassador.id)
            .iter()
            .filter(|m| m.plain_text.contains(needle))
            .count()
    };
    assert_eq!(acknowledged(&photos_received(4)), 1, "one for the album");
    assert_eq!(acknowledged(&photos_received(1)), 3, "one per single photo");
    // 8 photos, each stored once under its hash.
    assert_eq!(stored_files(&app), 8);

    // The buyer gets one numbered list (in two messages, as it is long) and the photos.
    let title = wait_text(&app, buyer, &buyers_list(5)).await;
    wait_fixed(&app, buyer, "inspection-list-footer").await;
    let list: Vec<SentMessage> = app
        .fake
        .sent_messages(buyer.id)
        .into_iter()
        .filter(|m| m.message_id >= title.message_id && m.plain_text.contains(problem))
        .collect();
    let all = list
        .iter()
        .map(|m| m.plain_text.as_str())
        .collect::<String>();
    for n in 1..=5 {
        assert!(all.contains(&format!("{n}. ")), "item {n} missing");
    }
    assert!(list.len() >= 2, "a list over 4096 characters is split");
    assert!(list.iter().all(|m| m.plain_text.chars().count() <= 4096));
    // Then each defect's photos: albums for several, a photo for one, captioned with the number.
    let is_photo = |m: &SentMessage| m.kind != SentKind::Text && m.kind != SentKind::Document;
    let caption = zh(
        "numbered-item",
        &[
            ("number", 4i64.into()),
            ("text", label(&Room::Bedroom).into()),
        ],
    );
    app.fake
        .wait_for_message(buyer.id, |m| is_photo(m) && m.plain_text == caption)
        .await;
    let photos = app
        .fake
        .sent_messages(buyer.id)
        .into_iter()
        .filter(|m| is_photo(m))
        .count();
    assert_eq!(photos, 8);
    let albums: std::collections::BTreeSet<String> = app
        .fake
        .sent_messages(buyer.id)
        .into_iter()
        .filter_map(|m| m.media_group_id)
        .collect();
    assert_eq!(
        albums.len(),
        2,
        "the 4-photo and the 2-photo defects are albums"
    );
    let my = reply_to(&app, buyer, "/mydefects").await;
    assert!(
        my.plain_text.contains(&defects_title(5)),
        "{}",
        my.plain_text
    );
    assert!(
        my.plain_text.contains(&label(&DefectStatus::Open)),
        "{}",
        my.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_between_the_photos_and_the_note_loses_nothing() {
    let Campaign {
        mut app,
        ambassador,
        buyers: _,
        ..
    } = site().await;
    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    describe_defect(
        &app,
        &ambassador,
        Some(Room::LivingRoom),
        Category::Leakage,
        Severity::High,
    )
    .await;
    app.fake.send_photo(&ambassador, photo(1, 100), None);
    wait_text(&app, &ambassador, &photos_received(1)).await;
    app.fake.send_photo(&ambassador, photo(2, 100), None);
    wait_text(&app, &ambassador, &photos_received(2)).await;

    app.restart().await;

    app.fake.send_text(&ambassador, "窗台下渗水");
    let confirm = with_button(&app, &ambassador, SAVE).await;
    assert!(
        confirm.plain_text.contains(&fixed("room-living")),
        "{}",
        confirm.plain_text
    );
    let two_photos = confirmation(Room::LivingRoom, Category::Leakage, Severity::High, 2);
    assert!(
        confirm.plain_text.contains(&two_photos),
        "{}",
        confirm.plain_text
    );
    assert!(
        confirm.plain_text.contains("窗台下渗水"),
        "{}",
        confirm.plain_text
    );
    press_button(&app, &ambassador, SAVE).await;
    wait_text(&app, &ambassador, &saved(1)).await;
    let list = reply_to(&app, &ambassador, "/defects 1-1-101").await;
    let two = tail(
        "with-aside",
        &[(
            "aside",
            zh("count-photos", &[("count", 2i64.into())]).into(),
        )],
    );
    assert!(
        list.plain_text.contains(&label(&Category::Leakage)) && list.plain_text.contains(&two),
        "{}",
        list.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyers_see_only_their_own_defects_and_oversized_or_wrong_files_are_refused() {
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    describe_leak(&app, &ambassador).await;
    // A 25 MB file and a PDF where a photo belongs: refused politely, the flow goes on.
    app.fake.send_document(
        &ambassador,
        "huge.jpg",
        "image/jpeg",
        vec![0u8; 25 * 1024 * 1024],
        None,
    );
    wait_saying(&app, &ambassador, "photo-too-large").await;
    app.fake.send_document(
        &ambassador,
        "plan.pdf",
        "application/pdf",
        b"%PDF-1.4".to_vec(),
        None,
    );
    wait_fixed(&app, &ambassador, "photo-wrong-type").await;
    app.fake.send_photo(&ambassador, photo(9, 50), None);
    wait_text(&app, &ambassador, &photos_received(1)).await;
    // A voice message is kept as an attachment; a text then gives the note.
    app.fake.send_voice(&ambassador, b"OggS voice".to_vec());
    wait_fixed(&app, &ambassador, "inspect-voice-kept").await;
    app.fake.send_text(&ambassador, "水槽下漏水");
    let with_note = tail("inspect-confirm", &[("note", "水槽下漏水".into())]);
    let confirm = app
        .fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains(&with_note) && m.has_inline_keyboard()
        })
        .await;
    let with_voice = head(
        "inspect-confirm",
        &[
            ("room", label(&Room::Kitchen).into()),
            ("category", label(&Category::Leakage).into()),
            ("severity", label(&Severity::Urgent).into()),
            ("photos", 1i64.into()),
            ("voice", zh("voice-mark", &[]).into()),
        ],
    );
    assert!(
        confirm.plain_text.contains(&with_voice) && confirm.plain_text.contains("水槽下漏水"),
        "{}",
        confirm.plain_text
    );
    press_button(&app, &ambassador, SAVE).await;
    press_button(&app, &ambassador, FINISH).await;
    wait_text(&app, &ambassador, &finished(1)).await;
    assert_eq!(stored_files(&app), 2, "the photo and the voice message");

    // The owner sees it; the other buyer sees nothing of it, by command or by button.
    let owner = &buyers[0];
    let other = &buyers[1];
    wait_text(&app, owner, &buyers_list(1)).await;
    let before = app.fake.sent_messages(owner.id).len();
    app.fake.send_text(owner, "/mydefects");
    app.fake.wait_for_messages(owner.id, before + 1).await;
    let mine = wait_text(&app, owner, &defects_title(1)).await;
    let card_data = button_data(&mine, |c| *c == Callback::DefectCard(1));
    let theirs = reply_to(&app, other, "/mydefects").await;
    assert!(
        theirs.plain_text.contains(&fixed("mydefects-none")),
        "{}",
        theirs.plain_text
    );
    let refused = reply_to(&app, other, "/defects 1-1-101").await;
    assert!(
        refused
            .plain_text
            .contains(&zh("forbidden", &[("command", "/defects".into())])),
        "{}",
        refused.plain_text
    );
    let query = app.fake.press_crafted_button(other, &theirs, &card_data);
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&fixed("defect-not-yours"))
    );
    assert!(
        app.fake
            .sent_messages(other.id)
            .iter()
            .all(|m| !m.plain_text.contains("水槽下漏水")),
        "nothing of the other home reached them"
    );
    // The owner opens the card: details, history, the photo.
    let before = app.fake.sent_messages(owner.id).len();
    app.fake.press_button(owner, &mine, &card_data);
    let card = wait_saying(&app, owner, "defect-card").await;
    assert!(
        card.plain_text.contains("水槽下漏水"),
        "{}",
        card.plain_text
    );
    app.fake.wait_for_messages(owner.id, before + 2).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyers_report_is_accepted_merged_or_rejected_by_their_ambassador_and_they_are_told() {
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    let buyer = &buyers[0];
    let report = |room: Room, text: &'static str, photo_seed: Option<u8>| {
        let app = &app;
        async move {
            app.fake.send_text(buyer, "/report");
            press_button(app, buyer, Callback::InspectRoom(room)).await;
            wait_key(
                app,
                buyer,
                "report-describe",
                &[("room", label(&room).into())],
            )
            .await;
            app.fake.send_text(buyer, text);
            with_button(app, buyer, SAVE).await;
            if let Some(seed) = photo_seed {
                app.fake.send_photo(buyer, photo(seed, 80), None);
                wait_key(
                    app,
                    buyer,
                    "report-photo-received",
                    &[("count", Arg::Number(1))],
                )
                .await;
            }
            press_button(app, buyer, SAVE).await;
            wait_fixed(app, buyer, "report-sent").await;
            app.fake
                .wait_for_message(ambassador.id, |m| {
                    m.plain_text.contains(text) && m.has_inline_keyboard()
                })
                .await
        }
    };

    // Accepted, with its kind and urgency.
    let review = report(Room::Bathroom, "马桶漏水 <严重> & 急", Some(3)).await;
    assert!(
        review.plain_text.contains("1-1-101 Buyer 0"),
        "{}",
        review.plain_text
    );
    press_on(&app, &ambassador, &review, |c| {
        matches!(c, Callback::ReviewAccept(_))
    });
    press_where(&app, &ambassador, |c| {
        matches!(c, Callback::ReviewKind(_, Category::Leakage))
    })
    .await;
    press_where(&app, &ambassador, |c| {
        matches!(
            c,
            Callback::ReviewUrgency(_, Category::Leakage, Severity::Urgent)
        )
    })
    .await;
    wait_fixed(&app, &ambassador, "review-done").await;
    let bathroom = label(&Room::Bathroom);
    wait_key(
        &app,
        buyer,
        "report-accepted",
        &[
            ("home", "1-1-101".into()),
            ("room", bathroom.as_str().into()),
            ("category", label(&Category::Leakage).into()),
            ("severity", label(&Severity::Urgent).into()),
        ],
    )
    .await;

    // The same problem again: merged into the accepted one.
    let review = report(Room::Bathroom, "还是马桶漏水", None).await;
    press_on(&app, &ambassador, &review, |c| {
        matches!(c, Callback::ReviewMerge(_))
    });
    let choose = wait_fixed(&app, &ambassador, "review-merge-into").await;
    app.fake.press_button(
        &ambassador,
        &choose,
        &choose.inline_buttons()[0].callback_data.clone().unwrap(),
    );
    wait_key(
        &app,
        buyer,
        "report-merged",
        &[
            ("home", "1-1-101".into()),
            ("room", bathroom.as_str().into()),
            (
                "target",
                parts(&[&bathroom, &label(&Category::Leakage)]).into(),
            ),
        ],
    )
    .await;

    // Not a defect: rejected with a reason the buyer reads.
    let review = report(Room::Balcony, "邻居太吵", None).await;
    press_on(&app, &ambassador, &review, |c| {
        matches!(c, Callback::ReviewReject(_))
    });
    wait_fixed(&app, &ambassador, "review-reason").await;
    app.fake.send_text(&ambassador, "噪音不属于房屋质量问题");
    wait_fixed(&app, &ambassador, "review-done").await;
    wait_key(
        &app,
        buyer,
        "report-rejected",
        &[
            ("home", "1-1-101".into()),
            ("room", label(&Room::Balcony).into()),
            ("reason", "噪音不属于房屋质量问题".into()),
        ],
    )
    .await;

    // A review button pressed twice does nothing more.
    let query = app.fake.press_crafted_button(
        &ambassador,
        &review,
        &button_data(&review, |c| matches!(c, Callback::ReviewAccept(_))),
    );
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&fixed("review-not-yours"))
    );

    let mine = reply_to(&app, buyer, "/mydefects").await;
    assert!(
        mine.plain_text.contains(&defects_title(3)),
        "{}",
        mine.plain_text
    );
    assert!(
        mine.plain_text.contains("马桶漏水 &lt;严重&gt; &amp; 急")
            || mine.plain_text.contains("马桶漏水 <严重> & 急"),
        "{}",
        mine.plain_text
    );
    assert!(
        mine.plain_text.contains(&label(&DefectStatus::Rejected)),
        "{}",
        mine.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_defect_lists_page_in_place() {
    use handover_bot::services::defects::{DefectDraft, Found, InspectTarget, StartedInspection};
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    let actor = app
        .services()
        .identify(ambassador.id, None)
        .await
        .unwrap()
        .actor;
    let Found::One(StartedInspection { id: inspection, .. }) = app
        .services()
        .start_inspection(&actor, InspectTarget::Text("1-1-101"))
        .await
        .unwrap()
    else {
        panic!("their own household")
    };
    for i in 0..12 {
        let draft = DefectDraft {
            room: Room::Bedroom,
            category: Category::PaintAndWalls,
            severity: Severity::Low,
            note: format!("墙面问题 {i:02}"),
            photos: Vec::new(),
            voice: None,
        };
        app.services()
            .save_defect(&actor, inspection, &draft)
            .await
            .unwrap()
            .unwrap();
    }
    app.services()
        .finish_inspection(&actor, inspection)
        .await
        .unwrap()
        .unwrap();
    let buyer = &buyers[0];
    wait_text(&app, buyer, &buyers_list(12)).await;
    let before = app.fake.sent_messages(buyer.id).len();
    app.fake.send_text(buyer, "/mydefects");
    app.fake.wait_for_messages(buyer.id, before + 1).await;
    let list = wait_text(&app, buyer, &format!("{} (1/2)", defects_title(12))).await;
    assert!(list.plain_text.contains("墙面问题 09") && !list.plain_text.contains("墙面问题 10"));
    press_on(&app, buyer, &list, |c| {
        matches!(c, Callback::DefectPage(_, 1))
    });
    app.fake
        .wait_for_request("editMessageText", |r| r.is_ok())
        .await;
    let page = app.fake.message(buyer.id, list.message_id).unwrap();
    assert!(page.plain_text.contains("(2/2)"), "{}", page.plain_text);
    assert!(page.plain_text.contains("12. ") && page.plain_text.contains("墙面问题 11"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_handled_again_after_a_crash_records_the_defect_once() {
    use handover_bot::services::defects::{DefectDraft, Found, InspectTarget, StartedInspection};
    let Campaign {
        app,
        ambassador,
        buyers: _,
        ..
    } = site().await;
    let services = app.services();
    let me = services.identify(ambassador.id, None).await.unwrap();
    let Found::One(StartedInspection { id: inspection, .. }) = services
        .start_inspection(&me.actor, InspectTarget::Text("1-1-101"))
        .await
        .unwrap()
    else {
        panic!("the ambassador's household was not found");
    };
    let sha = services
        .store_media(Some("sim-photo-1"), &photo(7, 200), "image/jpeg", "jpg")
        .await
        .unwrap();
    let draft = DefectDraft {
        room: Room::Kitchen,
        category: Category::Leakage,
        severity: Severity::High,
        note: "水槽下渗水".to_string(),
        photos: vec![sha],
        voice: None,
    };
    // The first handling committed, then the process died before the dialogue moved on;
    // Telegram hands the same Save over again.
    let first = services.save_defect(&me.actor, inspection, &draft).await;
    let again = services.save_defect(&me.actor, inspection, &draft).await;
    let first = first.unwrap().expect("saved");
    assert_eq!(first.0, 1);
    assert_eq!(
        again.unwrap(),
        Some(first),
        "the repeat made a second defect"
    );
    // A second defect that differs only in its note is a defect of its own.
    let other = DefectDraft {
        note: "水槽下渗水，柜体发霉".to_string(),
        ..draft.clone()
    };
    let second = services.save_defect(&me.actor, inspection, &other).await;
    assert_eq!(second.unwrap().map(|(number, _)| number), Some(2));
    let list = reply_to(&app, &ambassador, "/defects 1-1-101").await;
    assert!(
        list.plain_text.contains(&defects_title(2)),
        "{}",
        list.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspecting_a_home_again_resumes_the_unfinished_walk_through() {
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    let record = |room: Room, note: &'static str, seed: u8| {
        let (app, ambassador) = (&app, &ambassador);
        async move {
            describe_defect(
                app,
                ambassador,
                Some(room),
                Category::Leakage,
                Severity::Normal,
            )
            .await;
            app.fake.send_photo(ambassador, photo(seed, 120), None);
            wait_text(app, ambassador, &photos_received(1)).await;
            app.fake.send_text(ambassador, note);
            press_button(app, ambassador, SAVE).await;
        }
    };
    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    record(Room::Kitchen, "水槽下渗水", 3).await;
    wait_text(&app, &ambassador, &saved(1)).await;
    let cancelled = reply_to(&app, &ambassador, "/cancel").await;
    assert!(
        cancelled.plain_text.contains(&fixed("cancel-done")),
        "{}",
        cancelled.plain_text
    );

    app.fake.send_text(&ambassador, "/inspect 1-1-101");
    let resumed = wait_saying(&app, &ambassador, "inspect-resumed").await;
    let resuming = zh(
        "inspect-resumed",
        &[("unit", "1-1-101".into()), ("count", 1i64.into())],
    );
    assert!(
        resumed.plain_text.contains(&resuming),
        "{}",
        resumed.plain_text
    );
    record(Room::Bathroom, "地漏返水", 4).await;
    wait_text(&app, &ambassador, &saved(2)).await;
    // Telegram fails the answer the first time (a server error, or an instance dying right
    // after the finish): it was queued with the finish, so it is sent again, not lost.
    app.fake
        .fail_next_in_chat("sendMessage", ambassador.id, 1, 500);
    press_button(&app, &ambassador, FINISH).await;
    retried_after_the_failed_send(&app, ambassador.id, "inspection-finished:%").await;
    let done = wait_saying(&app, &ambassador, "inspect-finished").await;
    assert!(
        done.plain_text.contains(&finished(2)),
        "{}",
        done.plain_text
    );
    // The buyer's list has both, the one saved before /cancel included.
    let list = wait_saying(&app, &buyers[0], "inspection-list-title").await;
    assert!(
        list.plain_text.contains(&buyers_list(2))
            && list.plain_text.contains("水槽下渗水")
            && list.plain_text.contains("地漏返水"),
        "{}",
        list.plain_text
    );
    app.stop().await;
}

/// Walk-through steps whose answer a crash lost (a photo kept, a defect saved, then the
/// instance down before the answer went out): after the restart each update is handled again,
/// finds its step taken and says again what the step said, so the ambassador goes on where
/// they were; the photo and the defect are kept once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_through_step_whose_answer_a_crash_lost_is_said_again_after_the_restart() {
    use crate::support::faults::crash_after_the_step;
    let Campaign {
        mut app,
        ambassador,
        buyers,
        ..
    } = site().await;
    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    describe_defect(
        &app,
        &ambassador,
        Some(Room::Kitchen),
        Category::Leakage,
        Severity::Normal,
    )
    .await;
    crash_after_the_step(&mut app, ambassador.id, async |app: &TestApp| {
        app.fake.send_photo(&ambassador, photo(5, 120), None);
    })
    .await;
    wait_text(&app, &ambassador, &photos_received(1)).await;
    app.fake.send_text(&ambassador, "水槽下渗水");
    let confirm = with_button(&app, &ambassador, SAVE).await;
    crash_after_the_step(&mut app, ambassador.id, async |app: &TestApp| {
        press_on(app, &ambassador, &confirm, |c| *c == SAVE);
    })
    .await;
    wait_text(&app, &ambassador, &saved(1)).await;
    press_button(&app, &ambassador, FINISH).await;
    let done = wait_saying(&app, &ambassador, "inspect-finished").await;
    assert!(
        done.plain_text.contains(&finished(1)),
        "{}",
        done.plain_text
    );
    let list = wait_saying(&app, &buyers[0], "inspection-list-title").await;
    assert!(
        list.plain_text.contains(&buyers_list(1)),
        "{}",
        list.plain_text
    );
    let is_photo = |m: &SentMessage| m.kind != SentKind::Text && m.kind != SentKind::Document;
    app.fake.wait_for_message(buyers[0].id, is_photo).await;
    crate::support::faults::settled(&app).await;
    let photos = app
        .fake
        .sent_messages(buyers[0].id)
        .into_iter()
        .filter(is_photo)
        .count();
    assert_eq!(photos, 1, "the one photo, once");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_reviewers_accepting_one_report_at_once_leave_exactly_one_review() {
    use handover_bot::domain::people::Actor;
    use handover_bot::services::defects::{Review, ReviewOutcome};
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    let services = app.services().clone();
    let actor = |id: i64| {
        let services = services.clone();
        async move { services.identify(id, None).await.unwrap().actor }
    };
    let buyer = actor(buyers[0].id).await;
    let Actor::Buyer(homes) = &buyer else {
        panic!("{buyer:?}")
    };
    let unit = homes[0].unit.unit_id;
    let reviewers = [
        (
            actor(ambassador.id).await,
            Category::Leakage,
            Severity::Urgent,
            "Li Lei",
        ),
        (
            actor(9_001).await,
            Category::Electrical,
            Severity::Low,
            "Wang Fang",
        ),
    ];
    for round in 0..50 {
        let id = services
            .report_defect(&buyer, unit, Room::Kitchen, &format!("问题 {round}"), &[])
            .await
            .unwrap()
            .expect("reported");
        let audits_before = {
            let mut tx = services.store.read().await.unwrap();
            let n = tx.audit_count().await.unwrap();
            tx.commit().await.unwrap();
            n
        };
        let reviews: Vec<_> = reviewers
            .iter()
            .map(|(reviewer, category, severity, _)| {
                let (services, reviewer) = (services.clone(), reviewer.clone());
                let review = Review::Accept {
                    category: *category,
                    severity: *severity,
                };
                tokio::spawn(async move { services.review_report(&reviewer, id, review).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for review in reviews {
            outcomes.push(review.await.unwrap().unwrap());
        }
        let winner = match outcomes.as_slice() {
            [ReviewOutcome::Done(_), ReviewOutcome::Already { by }] => {
                assert_eq!(by, reviewers[0].3, "round {round}");
                0
            }
            [ReviewOutcome::Already { by }, ReviewOutcome::Done(_)] => {
                assert_eq!(by, reviewers[1].3, "round {round}");
                1
            }
            other => panic!("round {round}: {other:?}"),
        };
        let mut tx = services.store.read().await.unwrap();
        let defect = tx.defect(id).await.unwrap().unwrap();
        let events = tx.defect_events(id).await.unwrap();
        let audits = tx.audit_count().await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(defect.category, reviewers[winner].1, "round {round}");
        assert_eq!(defect.severity, reviewers[winner].2, "round {round}");
        let reviews = events
            .iter()
            .filter(|e| e.from_status.as_deref() == Some("reported"))
            .count();
        assert_eq!(reviews, 1, "round {round}: {events:?}");
        assert_eq!(
            audits - audits_before,
            1,
            "round {round}: one review in the audit log"
        );
    }
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_message_full_of_ampersands_reaches_the_ambassador_whole() {
    let Campaign {
        app,
        ambassador,
        buyers,
        ..
    } = site().await;
    // As long as the bot relays (3,500 characters); escaped, it is about 12,000 characters of
    // HTML, but Telegram counts the text after entity parsing.
    let text: String = "A&B<C>\"D\" & ".repeat(300).chars().take(3_500).collect();
    let text = text.trim().to_string();
    let answer = reply_to(&app, &buyers[0], &text).await;
    assert!(
        answer
            .plain_text
            .contains(&zh("relay-sent-ambassador", &[("name", "Li Lei".into())])),
        "{}",
        answer.plain_text
    );
    let relayed = app
        .fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("A&B<C>"))
        .await;
    assert!(
        relayed.plain_text.contains(&text),
        "the message arrived cut: {} characters of {}",
        relayed.plain_text.chars().count(),
        text.chars().count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyers_report_sent_again_after_a_crash_right_after_its_record_is_recorded_once() {
    use crate::support::faults::{crash_after_the_record, settled};
    let Campaign {
        mut app,
        ambassador,
        buyers,
        ..
    } = site().await;
    let buyer = &buyers[0];
    app.fake.send_text(buyer, "/report");
    press_button(&app, buyer, Callback::InspectRoom(Room::Kitchen)).await;
    wait_key(
        &app,
        buyer,
        "report-describe",
        &[("room", label(&Room::Kitchen).into())],
    )
    .await;
    app.fake.send_text(buyer, "橱柜门关不上");
    let submit = with_button(&app, buyer, SAVE).await;
    crash_after_the_record(&mut app, async |app: &TestApp| {
        let query = press_on(app, buyer, &submit, |c| *c == SAVE);
        app.fake.callback_answer(&query).await;
    })
    .await;
    settled(&app).await;
    app.fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("橱柜门关不上"))
        .await;
    settled(&app).await;
    let notices = app
        .fake
        .plain_texts(ambassador.id)
        .iter()
        .filter(|t| t.contains("橱柜门关不上"))
        .count();
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let recorded = tx.defects_of_unit(unit, None).await.unwrap().len();
    tx.commit().await.unwrap();
    assert_eq!(
        (recorded, notices),
        (1, 1),
        "defects recorded, reviewer notices"
    );
    app.stop().await;
}
