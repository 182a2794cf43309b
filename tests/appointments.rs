//! Appointments: slots, invitations with a button per slot, atomic bookings, reminders,
//! nudges, check-in, no-shows, and the calendar file. Time moves by the clock only.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::people::{
    buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers, reply_to,
};
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
        answer.plain_text.contains("已新增"),
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
        if text.contains("已预约") {
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
                m.plain_text.contains("已为您预约") || m.plain_text.contains("刚刚约满了，请从以下")
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
        .wait_for_message(b1.id, |m| m.plain_text.contains("请从以下"))
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
        .wait_for_message(b0.id, |m| m.plain_text.contains("已为您签到"))
        .await;
    // Sat 09:01: b2, still silent 48 h after the invitation, is nudged once; the team is told.
    app.advance(Duration::hours(1));
    let nudge = app
        .fake
        .wait_for_message(b2.id, |m| m.plain_text.contains("还没有选定时间"))
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
        .wait_for_message(b2.id, |m| m.plain_text.contains("您的预约已取消"))
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
            m.plain_text.contains("未按约到访") && m.plain_text.contains("Buyer 1")
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
    assert_eq!(count(&app, b2.id, "还没有选定时间"), 1);
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
    assert!(answer.contains("距离预约时间太近"));
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
        .press_button_with_text(&supervisor, &plan, "✅ 确认分配");
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
    let query = app
        .fake
        .press_button_with_text(&ambassador, &today, "✅ 签到 1-102");
    assert!(app.fake.callback_answer(&query).await.contains("已签到"));
    let today = reply_to(&app, &ambassador, "/today").await;
    // From the day's list straight into the walk-through.
    app.fake
        .press_button_with_text(&ambassador, &today, "🔍 验房 1-102");
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
        text.contains("第 3 行")
            && text.contains("结束时间")
            && text.contains("结束时间必须晚于开始时间"),
        "{text}"
    );
    let none = reply_to(&app, &supervisor, "/slots").await;
    assert!(
        none.plain_text.contains("还没有将来的时段"),
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
