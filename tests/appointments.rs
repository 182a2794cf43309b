//! Appointments: slots, invitations with a button per slot, atomic bookings, reminders,
//! nudges, check-in, no-shows, and the calendar file. Time moves by the clock only.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::people::{
    buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers, reply_to,
};
use crate::support::text::{fixed, zh};
use chrono::Duration;
use handover_bot::clock::Clock as _;

/// Buyers `0..n` of `buyers_csv(n)`, linked, and a supervisor.
async fn campaign(n: usize) -> (TestApp, User, Vec<User>) {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    load_buyers(&app, &buyers_csv(n)).await;
    let mut buyers = Vec::new();
    for i in 0..n {
        let buyer = app.fake.user(20_000 + i as i64, &format!("B{i}"));
        link_by_contact(&app, &buyer, &buyer_phone(i)).await;
        buyers.push(buyer);
    }
    (app, supervisor, buyers)
}

async fn add_slot(app: &TestApp, supervisor: &User, spec: &str) {
    let answer = reply_to(app, supervisor, &format!("/slots add {spec}")).await;
    assert!(
        answer.plain_text.contains(&fixed("slot-added")),
        "{}",
        answer.plain_text
    );
}

async fn invitation(app: &TestApp, buyer: &User) -> SentMessage {
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("诚邀您"))
        .await
}

/// The callback data of the button whose label starts with `prefix`.
fn button(message: &SentMessage, prefix: &str) -> String {
    message
        .inline_buttons()
        .into_iter()
        .find(|b| b.text.starts_with(prefix))
        .and_then(|b| b.callback_data)
        .unwrap_or_else(|| panic!("no button {prefix:?} in {:?}", message.button_labels()))
}

/// Sends /appointment and returns the bot's answer about it (other messages may arrive too).
async fn my_appointment(app: &TestApp, buyer: &User) -> SentMessage {
    let before = app.fake.sent_messages(buyer.id).len();
    app.fake.send_text(buyer, "/appointment");
    let messages = app.fake.wait_for_messages(buyer.id, before + 1).await;
    if let Some(m) = messages[before..]
        .iter()
        .find(|m| m.plain_text.starts_with("🏠"))
    {
        return m.clone();
    }
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.starts_with("🏠") && m.has_inline_keyboard()
        })
        .await
}

/// Messages sent to `chat` whose text contained `needle` when sent (edits aside).
fn sent_count(app: &TestApp, chat: i64, needle: &str) -> usize {
    app.fake
        .requests_for("sendMessage")
        .iter()
        .filter(|r| {
            r.params["chat_id"].as_i64() == Some(chat)
                && r.params["text"]
                    .as_str()
                    .is_some_and(|text| text.contains(needle))
        })
        .count()
}

fn count(app: &TestApp, chat: i64, needle: &str) -> usize {
    app.fake
        .sent_messages(chat)
        .iter()
        .filter(|m| m.plain_text.contains(needle))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_buyers_pressing_the_last_ten_seats_make_exactly_ten_bookings() {
    let (app, supervisor, buyers) = campaign(50).await;
    add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 10").await;
    add_slot(&app, &supervisor, "2026-11-28 14:00-15:00 100").await;
    let sent = reply_to(&app, &supervisor, "/invite all").await;
    assert!(
        sent.plain_text.contains("已邀约 50 户"),
        "{}",
        sent.plain_text
    );
    let mut invitations = Vec::new();
    for buyer in &buyers {
        let invite = invitation(&app, buyer).await;
        assert!(invite.button_labels()[0].starts_with("11-28 (周六) 10:00–11:00 · 余 10"));
        invitations.push(invite);
    }
    // Everyone presses the 10:00 slot at once.
    let queries: Vec<String> = buyers
        .iter()
        .zip(&invitations)
        .map(|(buyer, invite)| {
            app.fake
                .press_button(buyer, invite, &button(invite, "11-28 (周六) 10:00"))
        })
        .collect();
    let mut booked = 0;
    let mut full = 0;
    for query in &queries {
        let text = app.fake.callback_answer(query).await;
        if text.contains(&fixed("book-done-short")) {
            booked += 1;
        } else {
            assert!(text.contains("刚刚约满"), "{text}");
            full += 1;
        }
    }
    assert_eq!((booked, full), (10, 40));
    let supervisor_actor = app
        .services()
        .identify(supervisor.id, None)
        .await
        .unwrap()
        .actor;
    let slots = app
        .services()
        .upcoming_slots(&supervisor_actor)
        .await
        .unwrap();
    assert_eq!((slots[0].booked, slots[0].capacity), (10, 10));
    // The 40 got fresh options without the full slot; the 10 a confirmation.
    let mut confirmed = 0;
    for buyer in &buyers {
        let news = app
            .fake
            .wait_for_message(buyer.id, |m| {
                m.plain_text.contains("已为您预约")
                    || m.plain_text.contains(&fixed("book-full-options"))
            })
            .await;
        if news.plain_text.contains("已为您预约") {
            confirmed += 1;
        } else {
            let labels = news.button_labels();
            assert!(
                labels.iter().all(|l| !l.contains("10:00–11:00")),
                "{labels:?}"
            );
            assert!(
                labels.iter().any(|l| l.contains("14:00–15:00")),
                "{labels:?}"
            );
        }
    }
    assert_eq!(confirmed, 10);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_follow_the_booking_a_silent_buyer_is_nudged_once_and_no_shows_are_reported() {
    let (app, supervisor, buyers) = campaign(3).await;
    let [b0, b1, b2] = [&buyers[0], &buyers[1], &buyers[2]];
    // Now: Thu 2026-11-26 09:00 in Shanghai.
    add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 5").await;
    add_slot(&app, &supervisor, "2026-11-29 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let i0 = invitation(&app, b0).await;
    let i1 = invitation(&app, b1).await;
    invitation(&app, b2).await;
    app.fake.press_button(b0, &i0, &button(&i0, "11-28"));
    app.fake.press_button(b1, &i1, &button(&i1, "11-28"));
    let confirmation = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains("已为您预约"))
        .await;
    assert!(
        confirmation.plain_text.contains("11-28 (周六) 10:00–11:00"),
        "{}",
        confirmation.plain_text
    );
    // The calendar file, in the project's time zone.
    let ics = app
        .fake
        .wait_for_message(b0.id, |m| {
            m.file
                .as_ref()
                .is_some_and(|f| f.file_name.as_deref().is_some_and(|n| n.ends_with(".ics")))
        })
        .await;
    let text = String::from_utf8(ics.file.unwrap().bytes).unwrap();
    let calendar: icalendar::Calendar = text.parse().expect("the calendar file parses");
    assert_eq!(calendar.components.len(), 1);
    assert!(
        text.contains("DTSTART;TZID=Asia/Shanghai:20261128T100000"),
        "{text}"
    );
    app.fake
        .wait_for_message(b1.id, |m| m.plain_text.contains("已为您预约"))
        .await;

    // b1 moves to Sunday.
    let mine = my_appointment(&app, b1).await;
    app.fake.press_button(b1, &mine, &button(&mine, "🔁"));
    let options = app
        .fake
        .wait_for_message(b1.id, |m| {
            m.plain_text.contains(&fixed("book-full-options"))
        })
        .await;
    // The time already booked is not offered again.
    assert!(
        options
            .button_labels()
            .iter()
            .all(|l| !l.starts_with("11-28 (周六) 10:00")),
        "{:?}",
        options.button_labels()
    );
    app.fake
        .press_button(b1, &options, &button(&options, "11-29"));
    app.fake
        .wait_for_message(b1.id, |m| {
            m.plain_text.contains("11-29 (周日) 10:00–11:00") && m.plain_text.contains("已为您预约")
        })
        .await;

    // Fri 10:01: b0's day-before reminder; b1's old Saturday reminder never comes.
    app.advance(Duration::hours(25) + Duration::minutes(1));
    app.fake
        .wait_for_message(b0.id, |m| {
            m.plain_text.contains("⏰") && m.plain_text.contains("11-28")
        })
        .await;
    // Sat 08:01: b0's day-of welcome with "I'm here"; b0 checks in.
    app.advance(Duration::hours(22));
    let welcome = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains("今天就是您的验房日"))
        .await;
    app.fake.press_button(b0, &welcome, &button(&welcome, "📍"));
    app.fake
        .wait_for_message(b0.id, |m| {
            m.plain_text.contains(&fixed("checked-in-welcome"))
        })
        .await;
    // Sat 09:01: b2, still silent 48 h after the invitation, is nudged once; the team is told.
    app.advance(Duration::hours(1));
    let nudge = app
        .fake
        .wait_for_message(b2.id, |m| m.plain_text.contains(&fixed("invite-nudge")))
        .await;
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains("尚未选择时间"))
        .await;
    // b2 books Sunday from the nudge, then cancels: no reminders for them.
    app.fake.press_button(b2, &nudge, &button(&nudge, "11-29"));
    app.fake
        .wait_for_message(b2.id, |m| m.plain_text.contains("已为您预约"))
        .await;
    let mine = my_appointment(&app, b2).await;
    app.fake.press_button(b2, &mine, &button(&mine, "✖️"));
    app.fake
        .wait_for_message(b2.id, |m| m.plain_text.contains(&fixed("book-cancelled")))
        .await;
    // Sat 10:31: b0 checked in, so no no-show. Sun 08:01: b1's day-of welcome.
    app.advance(Duration::minutes(90));
    app.advance(Duration::hours(21) + Duration::minutes(30));
    app.fake
        .wait_for_message(b1.id, |m| m.plain_text.contains("今天就是您的验房日"))
        .await;
    // Sun 10:31: b1 never came: a no-show, reported to the team.
    app.advance(Duration::hours(2) + Duration::minutes(30));
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("staff-no-show")) && m.plain_text.contains("Buyer 1")
        })
        .await;
    let site = reply_to(&app, &supervisor, "/today").await;
    assert!(
        site.plain_text.contains("10:00：预约 1，已到 0，未到 1"),
        "{}",
        site.plain_text
    );
    assert!(
        site.plain_text
            .contains("到访率：33.3%（到访 1 / 邀约 3 户）"),
        "{}",
        site.plain_text
    );

    // Each reminder came once, and none for the moved or cancelled bookings.
    assert_eq!(count(&app, b0.id, "⏰"), 1);
    assert_eq!(count(&app, b0.id, "今天就是您的验房日"), 1);
    assert_eq!(count(&app, b1.id, "11-28 (周六) 10:00–11:00，地点"), 0);
    assert_eq!(count(&app, b1.id, "今天就是您的验房日"), 1);
    assert_eq!(count(&app, b2.id, "⏰"), 0);
    assert_eq!(count(&app, b2.id, "今天就是您的验房日"), 0);
    // (Counted as sent: the nudge now shows the booking made from it.)
    assert_eq!(sent_count(&app, b2.id, "还没有选定时间"), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_bookings_for_someone_elses_appointment_a_past_slot_or_another_project_are_refused()
{
    let (app, supervisor, buyers) = campaign(2).await;
    add_slot(&app, &supervisor, "2026-11-26 10:00-11:00 5").await;
    add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let i0 = invitation(&app, &buyers[0]).await;
    let i1 = invitation(&app, &buyers[1]).await;
    let theirs = button(&i1, "11-28");
    let today = button(&i0, "11-26");
    let future = button(&i0, "11-28");
    let slot_of = |data: &str| data.rsplit(':').next().unwrap().to_string();
    let appointment_of = |data: &str| data.split(':').nth(2).unwrap().to_string();

    // Another project's slot, written straight into the database.
    let other_slot = {
        let now = app.clock.now();
        let mut tx = app.services().store.begin().await.unwrap();
        let project = tx.ensure_project("other-project", now).await.unwrap();
        let id = tx
            .insert_slot(
                project,
                handover_bot::domain::appointment::SlotKind::Inspection,
                now + Duration::days(2),
                now + Duration::days(2) + Duration::hours(1),
                5,
                now,
            )
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        id
    };
    // The 10:00 slot today passes.
    app.advance(Duration::hours(2));

    let attempts = [
        (
            format!("1:bk:{}:{}", appointment_of(&theirs), slot_of(&future)),
            "这不是您的预约",
        ),
        (today.clone(), "已不可预约"),
        (
            format!("1:bk:{}:{other_slot}", appointment_of(&future)),
            "已不可预约",
        ),
    ];
    for (data, expected) in attempts {
        let query = app.fake.press_crafted_button(&buyers[0], &i0, &data);
        let answer = app.fake.callback_answer(&query).await;
        let text = answer.as_str();
        assert!(text.contains(expected), "{data}: {text}");
    }
    assert_eq!(count(&app, buyers[0].id, "已为您预约"), 0);
    assert_eq!(count(&app, buyers[1].id, "已为您预约"), 0);

    // A double tap books once: one seat, one confirmation. (The second tap may reach the bot
    // after the first removed the buttons, as on a slow phone.)
    app.fake.press_button(&buyers[0], &i0, &future);
    app.fake.press_crafted_button(&buyers[0], &i0, &future);
    app.fake
        .wait_for_message(buyers[0].id, |m| m.plain_text.contains("已为您预约"))
        .await;
    // Within the cutoff (12 h) before the booking, it can no longer be moved here.
    app.advance(Duration::hours(36));
    let mine = my_appointment(&app, &buyers[0]).await;
    let query = app
        .fake
        .press_button(&buyers[0], &mine, &button(&mine, "🔁"));
    let answer = app.fake.callback_answer(&query).await;
    assert!(
        answer.contains("已约在 11-28 (周六) 10:00–11:00")
            && answer.contains(&fixed("book-too-late")),
        "{answer}"
    );
    let supervisor_actor = app
        .services()
        .identify(supervisor.id, None)
        .await
        .unwrap()
        .actor;
    let slots = app
        .services()
        .upcoming_slots(&supervisor_actor)
        .await
        .unwrap();
    // Only the booking made through a real button took a seat, once.
    assert_eq!(count(&app, buyers[0].id, "已为您预约"), 1);
    assert_eq!(slots.iter().map(|s| s.booked).sum::<i64>(), 1, "{slots:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_buyers_are_offered_the_late_slots_and_an_ambassador_invites_and_checks_in_their_own() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    crate::support::people::load_staff(
        &app,
        "name,phone,roles,seniority,capacity\nLi Lei,13700000001,ambassador,senior,10\n",
    )
    .await;
    load_buyers(
        &app,
        "building,room,name,phone,tier\n1,101,Key Buyer,13900000001,A+\n1,102,Easy Buyer,13900000002,B\n",
    )
    .await;
    let ambassador = app.fake.user(8_301, "Lei");
    link_by_contact(&app, &ambassador, "+8613700000001").await;
    let key = app.fake.user(20_001, "K");
    let easy = app.fake.user(20_002, "E");
    link_by_contact(&app, &key, "+8613900000001").await;
    link_by_contact(&app, &easy, "+8613900000002").await;
    let plan = reply_to(&app, &supervisor, "/assign").await;
    app.fake
        .press_button_with_text(&supervisor, &plan, &zh("button-assign-confirm", &[]));
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains("已分配 2 户"))
        .await;
    for spec in [
        "2026-11-26 10:00-11:00 5",
        "2026-11-26 11:00-12:00 5",
        "2026-11-26 15:00-16:00 5",
        "2026-11-26 16:00-17:00 5",
    ] {
        add_slot(&app, &supervisor, spec).await;
    }
    // The ambassador invites their own buyers.
    let sent = reply_to(&app, &ambassador, "/invite").await;
    assert!(
        sent.plain_text.contains("已邀约 2 户"),
        "{}",
        sent.plain_text
    );
    let for_key = invitation(&app, &key).await;
    let for_easy = invitation(&app, &easy).await;
    let times = |m: &SentMessage| {
        m.button_labels()
            .into_iter()
            .filter(|l| l.starts_with("11-26"))
            .collect::<Vec<_>>()
    };
    assert_eq!(times(&for_key).len(), 2, "{:?}", times(&for_key));
    assert!(
        times(&for_key)
            .iter()
            .all(|l| l.contains("15:00") || l.contains("16:00"))
    );
    assert_eq!(times(&for_easy).len(), 4);

    app.fake
        .press_button(&easy, &for_easy, &button(&for_easy, "11-26 (周四) 10:00"));
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains("Easy Buyer 预约了")
        })
        .await;
    // The ambassador's day, and check-in by their button.
    let today = reply_to(&app, &ambassador, "/today").await;
    assert!(
        today
            .plain_text
            .contains("10:00 1-102 Easy Buyer · 验房 · 待到访"),
        "{}",
        today.plain_text
    );
    let query = app.fake.press_button_with_text(
        &ambassador,
        &today,
        &zh("button-check-in", &[("home", "1-102".into())]),
    );
    assert!(app.fake.callback_answer(&query).await.contains("已签到"));
    let today = reply_to(&app, &ambassador, "/today").await;
    // From the day's list straight into the walk-through.
    app.fake.press_button_with_text(
        &ambassador,
        &today,
        &zh("button-inspect-home", &[("home", "1-102".into())]),
    );
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains("1-102 验房：请选择房间")
        })
        .await;
    assert!(
        today
            .plain_text
            .contains("10:00 1-102 Easy Buyer · 验房 · 已签到"),
        "{}",
        today.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_loads_slots_from_a_file_and_a_bad_row_names_its_line_and_column() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    let before = app.fake.sent_messages(supervisor.id).len();
    app.fake.send_document(
        &supervisor,
        "slots.csv",
        "text/csv",
        "日期,开始时间,结束时间,人数,类型\n2026-12-01,09:00,10:00,10,验房\n2026-12-01,10:00,09:30,8,验房\n"
            .as_bytes()
            .to_vec(),
        None,
    );
    let refused = app.fake.wait_for_messages(supervisor.id, before + 1).await;
    let text = &refused[before].plain_text;
    assert!(
        text.contains("第 3 行") && text.contains(&fixed("row-end-not-after-start")),
        "{text}"
    );
    let none = reply_to(&app, &supervisor, "/slots").await;
    assert!(
        none.plain_text.contains(&fixed("slots-none")),
        "{}",
        none.plain_text
    );

    let before = app.fake.sent_messages(supervisor.id).len();
    app.fake.send_document(
        &supervisor,
        "slots.csv",
        "text/csv",
        "日期,开始时间,结束时间,人数,类型\n2026-12-01,09:00,10:00,10,验房\n2026-12-02,14:00,15:30,8,交付\n"
            .as_bytes()
            .to_vec(),
        None,
    );
    let done = app.fake.wait_for_messages(supervisor.id, before + 1).await;
    assert!(
        done[before]
            .plain_text
            .contains("时段表导入完成：共 2 行——新增 2"),
        "{}",
        done[before].plain_text
    );
    let list = reply_to(&app, &supervisor, "/slots").await;
    assert!(
        list.plain_text
            .contains("验房 12-01 (周二) 09:00–10:00：已约 0/10"),
        "{}",
        list.plain_text
    );
    assert!(
        list.plain_text
            .contains("交付 12-02 (周三) 14:00–15:30：已约 0/8"),
        "{}",
        list.plain_text
    );
    app.stop().await;
}

/// An ambassador, linked, to whom `/assign` gives every household.
async fn assigned_ambassador(app: &TestApp, supervisor: &User) -> User {
    crate::support::people::load_staff(
        app,
        "name,phone,roles,seniority,capacity\nLi Lei,13700000001,ambassador,senior,20\n",
    )
    .await;
    let ambassador = app.fake.user(8_301, "Lei");
    link_by_contact(app, &ambassador, "+8613700000001").await;
    let plan = reply_to(app, supervisor, "/assign").await;
    app.fake
        .press_button_with_text(supervisor, &plan, &zh("button-assign-confirm", &[]));
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains("已分配"))
        .await;
    ambassador
}

/// The message as it is on the person's screen now (after edits).
async fn on_screen(
    app: &TestApp,
    message: &SentMessage,
    pred: impl Fn(&SentMessage) -> bool,
) -> SentMessage {
    let id = message.message_id;
    app.fake
        .wait_for_message(message.chat_id, |m| m.message_id == id && pred(m))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_buyer_cannot_book_an_early_slot_with_crafted_data() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    load_buyers(
        &app,
        "building,room,name,phone,tier\n1,101,Key Buyer,13900000001,A+\n1,102,Easy Buyer,13900000002,B\n",
    )
    .await;
    let key = app.fake.user(20_001, "K");
    let easy = app.fake.user(20_002, "E");
    link_by_contact(&app, &key, "+8613900000001").await;
    link_by_contact(&app, &easy, "+8613900000002").await;
    for spec in [
        "2026-11-27 10:00-11:00 5",
        "2026-11-27 11:00-12:00 5",
        "2026-11-27 15:00-16:00 5",
        "2026-11-27 16:00-17:00 5",
    ] {
        add_slot(&app, &supervisor, spec).await;
    }
    reply_to(&app, &supervisor, "/invite all").await;
    let for_key = invitation(&app, &key).await;
    let for_easy = invitation(&app, &easy).await;
    // The early slot's id, from the invitation of a buyer who is offered it.
    let early = button(&for_easy, "11-27 (周五) 10:00");
    let early_slot = early.rsplit(':').next().unwrap();
    let late = button(&for_key, "11-27 (周五) 15:00");
    let appointment = late.split(':').nth(2).unwrap();
    let query =
        app.fake
            .press_crafted_button(&key, &for_key, &format!("1:bk:{appointment}:{early_slot}"));
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains("不在为您安排的时段"), "{answer}");
    // Nothing changed: no booking, no seat taken; the offered times still book.
    assert_eq!(count(&app, key.id, "已为您预约"), 0);
    let supervisor_actor = app
        .services()
        .identify(supervisor.id, None)
        .await
        .unwrap()
        .actor;
    let slots = app
        .services()
        .upcoming_slots(&supervisor_actor)
        .await
        .unwrap();
    assert_eq!(slots.iter().map(|s| s.booked).sum::<i64>(), 0, "{slots:?}");
    app.fake.press_button(&key, &for_key, &late);
    app.fake
        .wait_for_message(key.id, |m| {
            m.plain_text.contains("已为您预约") && m.plain_text.contains("15:00")
        })
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_one_co_owner_books_or_cancels_the_other_hears_and_their_invitation_shows_the_booking()
{
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    load_buyers(
        &app,
        "building,room,name,phone,tier\n1,101,Wang Fang,13900000001,B\n1,101,Li Ming,13900000002,B\n",
    )
    .await;
    let wang = app.fake.user(20_001, "W");
    let li = app.fake.user(20_002, "L");
    link_by_contact(&app, &wang, "+8613900000001").await;
    link_by_contact(&app, &li, "+8613900000002").await;
    add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 5").await;
    add_slot(&app, &supervisor, "2026-11-29 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let for_wang = invitation(&app, &wang).await;
    let for_li = invitation(&app, &li).await;
    app.fake
        .press_button(&wang, &for_wang, &button(&for_wang, "11-28"));
    // Li hears of the booking, and Li's invitation no longer offers seats.
    app.fake
        .wait_for_message(li.id, |m| {
            m.plain_text.contains("已为您预约") && m.plain_text.contains("11-28")
        })
        .await;
    let replaced = on_screen(&app, &for_li, |m| !m.has_inline_keyboard()).await;
    assert!(
        replaced.plain_text.contains(&fixed("options-now-booked"))
            && replaced.plain_text.contains("11-28 (周六) 10:00"),
        "{}",
        replaced.plain_text
    );
    // Wang moves it; Li hears that too.
    let mine = my_appointment(&app, &wang).await;
    app.fake.press_button(&wang, &mine, &button(&mine, "🔁"));
    let options = app
        .fake
        .wait_for_message(wang.id, |m| {
            m.plain_text.contains(&fixed("book-full-options"))
        })
        .await;
    app.fake
        .press_button(&wang, &options, &button(&options, "11-29"));
    app.fake
        .wait_for_message(li.id, |m| {
            m.plain_text.contains("已为您预约") && m.plain_text.contains("11-29")
        })
        .await;
    // Li's copy of the fresh options went stale with the move.
    let li_options = app
        .fake
        .wait_for_message(li.id, |m| {
            m.plain_text.contains(&fixed("book-full-options"))
        })
        .await;
    on_screen(&app, &li_options, |m| !m.has_inline_keyboard()).await;
    // And back to Saturday: each move is news again.
    let mine = my_appointment(&app, &wang).await;
    app.fake.press_button(&wang, &mine, &button(&mine, "🔁"));
    let options = app
        .fake
        .wait_for_message(wang.id, |m| {
            m.plain_text.contains(&fixed("book-full-options"))
                && m.button_labels().iter().any(|l| l.starts_with("11-28"))
        })
        .await;
    app.fake
        .press_button(&wang, &options, &button(&options, "11-28"));
    crate::support::steps::until(&app, "the second Saturday confirmation", || {
        app.fake
            .sent_messages(li.id)
            .iter()
            .filter(|m| m.plain_text.contains("已为您预约") && m.plain_text.contains("11-28"))
            .count()
            == 2
    })
    .await;
    // Wang cancels: Li is told, in words that say who did it.
    let mine = my_appointment(&app, &wang).await;
    app.fake.press_button(&wang, &mine, &button(&mine, "✖️"));
    app.fake
        .wait_for_message(wang.id, |m| m.plain_text.contains(&fixed("book-cancelled")))
        .await;
    let news = app
        .fake
        .wait_for_message(li.id, |m| m.plain_text.contains("已取消 1-101"))
        .await;
    assert!(news.plain_text.contains("Wang Fang"), "{}", news.plain_text);
    assert_eq!(count(&app, wang.id, "您的预约已取消"), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_buyer_checks_in_past_the_grace_and_a_real_no_show_is_offered_new_times_once() {
    let (app, supervisor, buyers) = campaign(3).await;
    let [b0, b1, b2] = [&buyers[0], &buyers[1], &buyers[2]];
    let ambassador = assigned_ambassador(&app, &supervisor).await;
    // Now: Thu 2026-11-26 09:00 in Shanghai.
    add_slot(&app, &supervisor, "2026-11-26 14:00-15:00 5").await;
    add_slot(&app, &supervisor, "2026-11-27 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    for buyer in [b0, b1, b2] {
        let invite = invitation(&app, buyer).await;
        app.fake
            .press_button(buyer, &invite, &button(&invite, "11-26"));
        app.fake
            .wait_for_message(buyer.id, |m| m.plain_text.contains("已为您预约"))
            .await;
    }
    // 12:01: the day-of welcome. 14:31: nobody came; all three are no-shows.
    app.advance(Duration::hours(3) + Duration::minutes(1));
    let welcome = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains("今天就是您的验房日"))
        .await;
    app.advance(Duration::hours(2) + Duration::minutes(30));
    let reported = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("staff-no-show")) && m.plain_text.contains("Buyer 0")
        })
        .await;
    // The phone reads as people write it.
    assert!(
        reported.plain_text.contains("139 0000 0000") && !reported.plain_text.contains("+86"),
        "{}",
        reported.plain_text
    );
    let offer0 = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("missed-options")))
        .await;
    let offer2 = app
        .fake
        .wait_for_message(b2.id, |m| m.plain_text.contains(&fixed("missed-options")))
        .await;
    assert!(
        offer2
            .button_labels()
            .iter()
            .any(|l| l.starts_with("11-27 (周五) 10:00")),
        "{:?}",
        offer2.button_labels()
    );
    // 14:40: b0 arrives late and taps "I'm here": checked in, the ambassador is told.
    app.advance(Duration::minutes(9));
    let query = app.fake.press_button(b0, &welcome, &button(&welcome, "📍"));
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains("已签到"), "{answer}");
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains("Buyer 0") && m.plain_text.contains(&fixed("staff-arrived-late"))
        })
        .await;
    // The offer of other times is gone from b0's screen.
    on_screen(&app, &offer0, |m| !m.has_inline_keyboard()).await;
    // The ambassador checks b1 in from /today.
    let today = reply_to(&app, &ambassador, "/today").await;
    let query = app.fake.press_button_with_text(
        &ambassador,
        &today,
        &zh("button-check-in", &[("home", "2-1-102".into())]),
    );
    assert!(app.fake.callback_answer(&query).await.contains("已签到"));
    // b2 really did not come, and books Friday from the offer.
    app.fake
        .press_button(b2, &offer2, &button(&offer2, "11-27"));
    app.fake
        .wait_for_message(b2.id, |m| {
            m.plain_text.contains("已为您预约") && m.plain_text.contains("11-27")
        })
        .await;
    // The supervisors heard of both late arrivals (after the no-shows they were told of),
    // and both count as visits.
    for name in ["Buyer 0", "Buyer 1"] {
        app.fake
            .wait_for_message(supervisor.id, |m| {
                m.plain_text.contains(name) && m.plain_text.contains(&fixed("staff-arrived-late"))
            })
            .await;
    }
    let site = reply_to(&app, &supervisor, "/today").await;
    assert!(
        site.plain_text.contains("到访 2 / 邀约 3 户"),
        "{}",
        site.plain_text
    );
    // And in the campaign's numbers.
    let summary = reply_to(&app, &supervisor, "/summary").await;
    assert!(
        summary.plain_text.contains("到访率：66.7%"),
        "{}",
        summary.plain_text
    );
    assert_eq!(sent_count(&app, b0.id, "没有等到您"), 1);
    assert_eq!(sent_count(&app, b2.id, "没有等到您"), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checked_in_visit_loses_its_im_here_button_and_closes_at_the_end_of_its_day() {
    let (app, supervisor, buyers) = campaign(1).await;
    let b0 = &buyers[0];
    let ambassador = assigned_ambassador(&app, &supervisor).await;
    add_slot(&app, &supervisor, "2026-11-26 14:00-15:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let invite = invitation(&app, b0).await;
    app.fake
        .press_button(b0, &invite, &button(&invite, "11-26"));
    app.fake
        .wait_for_message(b0.id, |m| m.plain_text.contains("已为您预约"))
        .await;
    // 12:01: the welcome; 14:05 the ambassador checks the buyer in.
    app.advance(Duration::hours(3) + Duration::minutes(1));
    let welcome = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains("今天就是您的验房日"))
        .await;
    let im_here = button(&welcome, "📍");
    app.advance(Duration::hours(2) + Duration::minutes(4));
    let today = reply_to(&app, &ambassador, "/today").await;
    let query = app.fake.press_button_with_text(
        &ambassador,
        &today,
        &zh("button-check-in", &[("home", "1-1-101".into())]),
    );
    assert!(app.fake.callback_answer(&query).await.contains("已签到"));
    // The button is replaced on the buyer's screen.
    let now = on_screen(&app, &welcome, |m| !m.has_inline_keyboard()).await;
    assert!(now.plain_text.contains("已签到"), "{}", now.plain_text);
    // While the visit runs, /appointment offers no rescheduling.
    let mine = my_appointment(&app, b0).await;
    assert!(
        mine.button_labels().is_empty(),
        "{:?}",
        mine.button_labels()
    );
    // The next morning the visit is over: nothing left to change, and an old "I'm here"
    // answers with how the visit went.
    app.advance(Duration::hours(12));
    app.services()
        .scheduler_waker
        .settle(std::time::Duration::from_secs(5))
        .await;
    let before = app.fake.sent_messages(b0.id).len();
    app.fake.send_text(b0, "/appointment");
    let answer = app.fake.wait_for_messages(b0.id, before + 1).await;
    assert!(
        answer[before]
            .plain_text
            .contains(&fixed("appointment-none")),
        "{}",
        answer[before].plain_text
    );
    let query = app.fake.press_crafted_button(b0, &welcome, &im_here);
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains("已完成"), "{answer}");
    assert_eq!(count(&app, b0.id, "欢迎您"), 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finishing_the_walk_through_completes_the_checked_in_visit() {
    let (app, supervisor, buyers) = campaign(1).await;
    let b0 = &buyers[0];
    let ambassador = assigned_ambassador(&app, &supervisor).await;
    add_slot(&app, &supervisor, "2026-11-26 14:00-15:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let invite = invitation(&app, b0).await;
    app.fake
        .press_button(b0, &invite, &button(&invite, "11-26"));
    app.fake
        .wait_for_message(b0.id, |m| m.plain_text.contains("已为您预约"))
        .await;
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains(&fixed("staff-booking"))
        })
        .await;
    // 12:01 the welcome; 14:05: checked in, walked through, finished.
    app.advance(Duration::hours(3) + Duration::minutes(1));
    app.fake
        .wait_for_message(b0.id, |m| m.plain_text.contains("今天就是您的验房日"))
        .await;
    app.advance(Duration::hours(2) + Duration::minutes(4));
    let today = reply_to(&app, &ambassador, "/today").await;
    let query = app.fake.press_button_with_text(
        &ambassador,
        &today,
        &zh("button-check-in", &[("home", "1-1-101".into())]),
    );
    assert!(app.fake.callback_answer(&query).await.contains("已签到"));
    let today = reply_to(&app, &ambassador, "/today").await;
    app.fake.press_button_with_text(
        &ambassador,
        &today,
        &zh("button-inspect-home", &[("home", "1-1-101".into())]),
    );
    crate::support::steps::press(&app, &ambassador, "✅ 完成验房").await;
    app.fake
        .wait_for_message(b0.id, |m| {
            m.plain_text.contains(&fixed("inspection-list-empty"))
        })
        .await;
    // The visit is over: nothing left to move or cancel, and the day's list says so.
    let before = app.fake.sent_messages(b0.id).len();
    app.fake.send_text(b0, "/appointment");
    let answer = app.fake.wait_for_messages(b0.id, before + 1).await;
    assert!(
        answer[before]
            .plain_text
            .contains(&fixed("appointment-none")),
        "{}",
        answer[before].plain_text
    );
    let today = reply_to(&app, &ambassador, "/today").await;
    assert!(
        today.plain_text.contains("1-1-101 Buyer 0 · 验房 · 已完成"),
        "{}",
        today.plain_text
    );
    app.stop().await;
}
