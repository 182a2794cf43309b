//! Appointments: slots, invitations with a button per slot, atomic bookings, reminders,
//! nudges, check-in, no-shows, and the calendar file. Time moves by the clock only.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::faults::retried_after_the_failed_send;
use crate::support::people::reply_to;
use crate::support::site::{Campaign, Site};
use crate::support::steps::{button_data, button_of, press_button, press_on};
use crate::support::text::{fixed, head, says, tail, zh};
use chrono::Duration;
use handover_bot::bot::callback::{Callback, InspectAction};
use handover_bot::clock::Clock as _;
use handover_bot::i18n::Arg;

/// Buyers `0..n` of `buyers_csv(n)`, linked, and a supervisor; no ambassador.
async fn campaign(n: usize) -> (TestApp, User, Vec<User>) {
    let Campaign {
        app,
        supervisor,
        buyers,
        ..
    } = Site::new()
        .without_ambassador()
        .homes(n)
        .all_linked()
        .started()
        .await;
    (app, supervisor, buyers)
}

/// The same, with a senior ambassador to whom `/assign` gave every household.
async fn campaign_with_ambassador(n: usize) -> (TestApp, User, Vec<User>, User) {
    let Campaign {
        app,
        supervisor,
        buyers,
        ambassador,
        ..
    } = Site::new()
        .senior()
        .capacity(20)
        .homes(n)
        .all_linked()
        .assigned()
        .await;
    (app, supervisor, buyers, ambassador)
}

/// A key buyer (tier A+) and a buyer who is not.
const KEY_AND_EASY: &str = "building,room,name,phone,tier\n1,101,Key Buyer,13900000001,A+\n1,102,Easy Buyer,13900000002,B\n";

/// Adds a slot; its id.
async fn add_slot(app: &TestApp, supervisor: &User, spec: &str) -> i64 {
    let actor = app
        .services()
        .identify(supervisor.id, None)
        .await
        .unwrap()
        .actor;
    let ids = async || -> Vec<i64> {
        let slots = app.services().upcoming_slots(&actor).await.unwrap();
        slots.iter().map(|s| s.id).collect()
    };
    let before = ids().await;
    let answer = reply_to(app, supervisor, &format!("/slots add {spec}")).await;
    assert!(
        answer.plain_text.contains(&fixed("slot-added")),
        "{}",
        answer.plain_text
    );
    let added: Vec<i64> = ids()
        .await
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    assert_eq!(added.len(), 1, "{spec}: {added:?}");
    added[0]
}

async fn invitation(app: &TestApp, buyer: &User) -> SentMessage {
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&fixed("invite-buyer")))
        .await
}

/// A press on `message`'s button that books `slot`; the query's id.
fn book(app: &TestApp, buyer: &User, message: &SentMessage, slot: i64) -> String {
    press_on(
        app,
        buyer,
        message,
        |c| matches!(c, Callback::Book { slot: s, .. } if *s == slot),
    )
}

/// The data of `message`'s button that books `slot`.
fn booking(message: &SentMessage, slot: i64) -> String {
    button_data(
        message,
        |c| matches!(c, Callback::Book { slot: s, .. } if *s == slot),
    )
}

/// The appointment `message`'s booking buttons are for.
fn appointment_of(message: &SentMessage) -> i64 {
    match button_of(message, |c| matches!(c, Callback::Book { .. })) {
        Callback::Book { appointment, .. } => appointment,
        _ => unreachable!("a booking button"),
    }
}

/// A press on `message`'s button that sends `button`; the query's id.
fn press_button_on(
    app: &TestApp,
    person: &User,
    message: &SentMessage,
    button: Callback,
) -> String {
    press_on(app, person, message, |c| *c == button)
}

fn reschedule(app: &TestApp, buyer: &User, mine: &SentMessage) -> String {
    press_on(app, buyer, mine, |c| matches!(c, Callback::Reschedule(_)))
}

fn cancel(app: &TestApp, buyer: &User, mine: &SentMessage) -> String {
    press_on(app, buyer, mine, |c| {
        matches!(c, Callback::CancelAppointment(_))
    })
}

fn check_in(app: &TestApp, person: &User, message: &SentMessage) -> String {
    press_on(app, person, message, |c| matches!(c, Callback::CheckIn(_)))
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

/// The supervisor's visit rate line.
fn visit_rate(rate: &str, visited: i64, invited: i64) -> String {
    zh(
        "site-visit-rate",
        &[
            ("rate", Arg::from(rate)),
            ("visited", Arg::Number(visited)),
            ("invited", Arg::Number(invited)),
        ],
    )
}

/// A slot as every message and button names it: "11-28 (周六) 10:00–11:00" (the day, its
/// weekday's locale key, the hours).
fn slot(day: &str, weekday: &str, start: &str, end: &str) -> String {
    let hours = zh(
        "time-range",
        &[("start", start.into()), ("end", end.into())],
    );
    format!("{day} ({}) {hours}", zh(weekday, &[]))
}

/// The beginning of a slot's name: its day, weekday and starting time.
fn slot_start(day: &str, weekday: &str, start: &str) -> String {
    format!("{day} ({}) {start}", zh(weekday, &[]))
}

/// The answer to an invitation of `count` households.
fn invited(count: i64) -> String {
    head("invite-buyers-done", &[("invited", count.into())])
}

/// A line of the day's appointments in 1-`home`, for an inspection.
fn today_line(time: &str, home: &str, names: &str, status: &str) -> String {
    zh(
        "today-line",
        &[
            ("time", time.into()),
            ("home", home.into()),
            ("names", names.into()),
            ("kind", zh("kind-inspection", &[]).into()),
            ("status", zh(status, &[]).into()),
        ],
    )
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
    let ten = add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 10").await;
    add_slot(&app, &supervisor, "2026-11-28 14:00-15:00 100").await;
    let sent = reply_to(&app, &supervisor, "/invite all").await;
    assert!(
        sent.plain_text.contains(&invited(50)),
        "{}",
        sent.plain_text
    );
    let mut invitations = Vec::new();
    for buyer in &buyers {
        let invite = invitation(&app, buyer).await;
        let seats = zh(
            "slot-button",
            &[
                (
                    "when",
                    slot("11-28", "weekday-sat", "10:00", "11:00").into(),
                ),
                ("seats", 10i64.into()),
            ],
        );
        assert!(invite.button_labels()[0].starts_with(&seats));
        invitations.push(invite);
    }
    // Everyone presses the 10:00 slot at once.
    let queries: Vec<String> = buyers
        .iter()
        .zip(&invitations)
        .map(|(buyer, invite)| book(&app, buyer, invite, ten))
        .collect();
    let mut booked = 0;
    let mut full = 0;
    for query in &queries {
        let text = app.fake.callback_answer(query).await;
        if text.contains(&fixed("book-done-short")) {
            booked += 1;
        } else {
            assert!(text.contains(&zh("book-full", &[])), "{text}");
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
                m.plain_text.contains(&fixed("book-confirmed"))
                    || m.plain_text.contains(&fixed("book-full-options"))
            })
            .await;
        if news.plain_text.contains(&fixed("book-confirmed")) {
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
    let saturday = add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 5").await;
    let sunday = add_slot(&app, &supervisor, "2026-11-29 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let i0 = invitation(&app, b0).await;
    let i1 = invitation(&app, b1).await;
    invitation(&app, b2).await;
    book(&app, b0, &i0, saturday);
    book(&app, b1, &i1, saturday);
    let confirmation = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("book-confirmed")))
        .await;
    assert!(
        confirmation
            .plain_text
            .contains(&slot("11-28", "weekday-sat", "10:00", "11:00")),
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
        .wait_for_message(b1.id, |m| m.plain_text.contains(&fixed("book-confirmed")))
        .await;

    // b1 moves to Sunday.
    let mine = my_appointment(&app, b1).await;
    reschedule(&app, b1, &mine);
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
            .all(|l| !l.starts_with(&slot_start("11-28", "weekday-sat", "10:00"))),
        "{:?}",
        options.button_labels()
    );
    book(&app, b1, &options, sunday);
    app.fake
        .wait_for_message(b1.id, |m| {
            m.plain_text
                .contains(&slot("11-29", "weekday-sun", "10:00", "11:00"))
                && m.plain_text.contains(&fixed("book-confirmed"))
        })
        .await;

    // Fri 10:01: b0's day-before reminder; b1's old Saturday reminder never comes.
    app.advance(Duration::hours(25) + Duration::minutes(1));
    app.fake
        .wait_for_message(b0.id, |m| {
            says(&m.plain_text, "reminder-before") && m.plain_text.contains("11-28")
        })
        .await;
    // Sat 08:01: b0's day-of welcome with "I'm here"; b0 checks in.
    app.advance(Duration::hours(22));
    let welcome = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("reminder-day-of")))
        .await;
    // Telegram fails the first message to b0 (a server error, or an instance dying after the
    // check-in): the welcome was queued with the check-in, so it is sent again, not lost.
    app.fake.fail_next_in_chat("sendMessage", b0.id, 1, 500);
    check_in(&app, b0, &welcome);
    let key = format!("checked-in:{}:{saturday}:{}", appointment_of(&i0), b0.id);
    retried_after_the_failed_send(&app, b0.id, &key).await;
    app.fake
        .wait_for_message(b0.id, |m| {
            m.plain_text.contains(&zh("checked-in-welcome", &[]))
        })
        .await;
    // Sat 09:01: b2, still silent 48 h after the invitation, is nudged once; the team is told.
    app.advance(Duration::hours(1));
    let nudge = app
        .fake
        .wait_for_message(b2.id, |m| m.plain_text.contains(&fixed("invite-nudge")))
        .await;
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("staff-nudged"))
        })
        .await;
    // b2 books Sunday from the nudge, then cancels: no reminders for them.
    book(&app, b2, &nudge, sunday);
    app.fake
        .wait_for_message(b2.id, |m| m.plain_text.contains(&fixed("book-confirmed")))
        .await;
    let mine = my_appointment(&app, b2).await;
    cancel(&app, b2, &mine);
    app.fake
        .wait_for_message(b2.id, |m| m.plain_text.contains(&zh("book-cancelled", &[])))
        .await;
    // Sat 10:31: b0 checked in, so no no-show. Sun 08:01: b1's day-of welcome.
    app.advance(Duration::minutes(90));
    app.advance(Duration::hours(21) + Duration::minutes(30));
    app.fake
        .wait_for_message(b1.id, |m| m.plain_text.contains(&fixed("reminder-day-of")))
        .await;
    // Sun 10:31: b1 never came: a no-show, reported to the team. (The welcome's send recorded
    // first: a claim the clock jumped past while its send was in flight would be taken again.)
    crate::support::faults::settled(&app).await;
    app.advance(Duration::hours(2) + Duration::minutes(30));
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("staff-no-show")) && m.plain_text.contains("Buyer 1")
        })
        .await;
    let site = reply_to(&app, &supervisor, "/today").await;
    assert!(
        site.plain_text.contains(&zh(
            "site-hour",
            &[
                ("hour", Arg::from("10:00")),
                ("booked", Arg::Number(1)),
                ("arrived", Arg::Number(0)),
                ("no_shows", Arg::Number(1)),
            ]
        )),
        "{}",
        site.plain_text
    );
    assert!(
        site.plain_text.contains(&visit_rate("33.3%", 1, 3)),
        "{}",
        site.plain_text
    );

    // Each reminder came once, and none for the moved or cancelled bookings.
    let reminders = |buyer: &User| {
        app.fake
            .sent_messages(buyer.id)
            .iter()
            .filter(|m| says(&m.plain_text, "reminder-before"))
            .count()
    };
    assert_eq!(reminders(b0), 1);
    assert_eq!(count(&app, b0.id, &fixed("reminder-day-of")), 1);
    let saturday = slot("11-28", "weekday-sat", "10:00", "11:00");
    let reminded_of_saturday = app
        .fake
        .sent_messages(b1.id)
        .iter()
        .filter(|m| says(&m.plain_text, "reminder-before") && m.plain_text.contains(&saturday))
        .count();
    assert_eq!(reminded_of_saturday, 0);
    assert_eq!(count(&app, b1.id, &fixed("reminder-day-of")), 1);
    assert_eq!(reminders(b2), 0);
    assert_eq!(count(&app, b2.id, &fixed("reminder-day-of")), 0);
    // (Counted as sent: the nudge now shows the booking made from it.)
    assert_eq!(sent_count(&app, b2.id, &fixed("invite-nudge")), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_bookings_for_someone_elses_appointment_a_past_slot_or_another_project_are_refused()
{
    let (app, supervisor, buyers) = campaign(2).await;
    let today_slot = add_slot(&app, &supervisor, "2026-11-26 10:00-11:00 5").await;
    let future_slot = add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let i0 = invitation(&app, &buyers[0]).await;
    let i1 = invitation(&app, &buyers[1]).await;
    let (mine, theirs) = (appointment_of(&i0), appointment_of(&i1));
    let today = booking(&i0, today_slot);
    let future = booking(&i0, future_slot);

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

    let forged = |appointment, slot| Callback::Book { appointment, slot }.encode();
    let attempts = [
        (forged(theirs, future_slot), zh("book-not-yours", &[])),
        (today.clone(), zh("book-not-available", &[])),
        (forged(mine, other_slot), zh("book-not-available", &[])),
    ];
    for (data, expected) in attempts {
        let query = app.fake.press_crafted_button(&buyers[0], &i0, &data);
        let answer = app.fake.callback_answer(&query).await;
        let text = answer.as_str();
        assert!(text.contains(&expected), "{data}: {text}");
    }
    assert_eq!(count(&app, buyers[0].id, &fixed("book-confirmed")), 0);
    assert_eq!(count(&app, buyers[1].id, &fixed("book-confirmed")), 0);

    // A double tap books once: one seat, one confirmation. (The second tap may reach the bot
    // after the first removed the buttons, as on a slow phone.)
    book(&app, &buyers[0], &i0, future_slot);
    app.fake.press_crafted_button(&buyers[0], &i0, &future);
    app.fake
        .wait_for_message(buyers[0].id, |m| {
            m.plain_text.contains(&fixed("book-confirmed"))
        })
        .await;
    // Within the cutoff (12 h) before the booking, it can no longer be moved here.
    app.advance(Duration::hours(36));
    let mine_now = my_appointment(&app, &buyers[0]).await;
    let query = reschedule(&app, &buyers[0], &mine_now);
    let answer = app.fake.callback_answer(&query).await;
    assert!(
        answer.contains(&zh(
            "book-too-late",
            &[(
                "when",
                slot("11-28", "weekday-sat", "10:00", "11:00").into()
            )]
        )),
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
    assert_eq!(count(&app, buyers[0].id, &fixed("book-confirmed")), 1);
    assert_eq!(slots.iter().map(|s| s.booked).sum::<i64>(), 1, "{slots:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_buyers_are_offered_the_late_slots_and_an_ambassador_invites_and_checks_in_their_own() {
    let Campaign {
        app,
        supervisor,
        ambassador,
        buyers,
        ..
    } = Site::new()
        .senior()
        .buyers_file(KEY_AND_EASY)
        .all_linked()
        .assigned()
        .await;
    let [key, easy] = [&buyers[0], &buyers[1]];
    let mut early = 0;
    for spec in [
        "2026-11-26 10:00-11:00 5",
        "2026-11-26 11:00-12:00 5",
        "2026-11-26 15:00-16:00 5",
        "2026-11-26 16:00-17:00 5",
    ] {
        let slot = add_slot(&app, &supervisor, spec).await;
        if early == 0 {
            early = slot;
        }
    }
    // The ambassador invites their own buyers.
    let sent = reply_to(&app, &ambassador, "/invite").await;
    assert!(sent.plain_text.contains(&invited(2)), "{}", sent.plain_text);
    let for_key = invitation(&app, key).await;
    let for_easy = invitation(&app, easy).await;
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

    book(&app, easy, &for_easy, early);
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains(&head(
                "staff-booking",
                &[("home", "1-102".into()), ("names", "Easy Buyer".into())],
            ))
        })
        .await;
    // The ambassador's day, and check-in by their button.
    let today = reply_to(&app, &ambassador, "/today").await;
    assert!(
        today.plain_text.contains(&today_line(
            "10:00",
            "1-102",
            "Easy Buyer",
            "status-confirmed"
        )),
        "{}",
        today.plain_text
    );
    let query = check_in(&app, &ambassador, &today);
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&zh("checked-in-short", &[]))
    );
    let today = reply_to(&app, &ambassador, "/today").await;
    // From the day's list straight into the walk-through.
    press_on(&app, &ambassador, &today, |c| {
        matches!(c, Callback::StartInspection(_))
    });
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text
                .contains(&zh("inspect-room", &[("unit", "1-102".into())]))
        })
        .await;
    assert!(
        today.plain_text.contains(&today_line(
            "10:00",
            "1-102",
            "Easy Buyer",
            "status-checked-in"
        )),
        "{}",
        today.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_loads_slots_from_a_file_and_a_bad_row_names_its_line_and_column() {
    let Campaign {
        app, supervisor, ..
    } = Site::new().without_ambassador().started().await;
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
        text.contains(&zh(
            "row-error",
            &[
                ("line", 3i64.into()),
                ("column", "结束时间".into()),
                ("problem", zh("row-end-not-after-start", &[]).into()),
            ],
        )),
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
        done[before].plain_text.contains(&head(
            "import-done",
            &[
                ("kind", zh("import-kind-slots", &[]).into()),
                ("total", 2i64.into()),
                ("created", 2i64.into()),
            ],
        )),
        "{}",
        done[before].plain_text
    );
    let list = reply_to(&app, &supervisor, "/slots").await;
    for (kind, when, capacity) in [
        (
            "kind-inspection",
            slot("12-01", "weekday-tue", "09:00", "10:00"),
            10i64,
        ),
        (
            "kind-handover",
            slot("12-02", "weekday-wed", "14:00", "15:30"),
            8,
        ),
    ] {
        let line = zh(
            "slots-line",
            &[
                ("kind", zh(kind, &[]).into()),
                ("when", when.into()),
                ("booked", 0i64.into()),
                ("capacity", capacity.into()),
            ],
        );
        assert!(
            list.plain_text.contains(&line),
            "{line:?} in {}",
            list.plain_text
        );
    }
    app.stop().await;
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
    let Campaign {
        app,
        supervisor,
        buyers,
        ..
    } = Site::new()
        .without_ambassador()
        .buyers_file(KEY_AND_EASY)
        .all_linked()
        .started()
        .await;
    let [key, easy] = [&buyers[0], &buyers[1]];
    let early_slot = add_slot(&app, &supervisor, "2026-11-27 10:00-11:00 5").await;
    add_slot(&app, &supervisor, "2026-11-27 11:00-12:00 5").await;
    let late_slot = add_slot(&app, &supervisor, "2026-11-27 15:00-16:00 5").await;
    add_slot(&app, &supervisor, "2026-11-27 16:00-17:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let for_key = invitation(&app, key).await;
    let for_easy = invitation(&app, easy).await;
    // The early slot is offered to a buyer who is not a key buyer.
    booking(&for_easy, early_slot);
    let forged = Callback::Book {
        appointment: appointment_of(&for_key),
        slot: early_slot,
    };
    let query = app
        .fake
        .press_crafted_button(key, &for_key, &forged.encode());
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains(&zh("book-not-offered", &[])), "{answer}");
    // Nothing changed: no booking, no seat taken; the offered times still book.
    assert_eq!(count(&app, key.id, &fixed("book-confirmed")), 0);
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
    book(&app, key, &for_key, late_slot);
    app.fake
        .wait_for_message(key.id, |m| {
            m.plain_text.contains(&fixed("book-confirmed")) && m.plain_text.contains("15:00")
        })
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_one_co_owner_books_or_cancels_the_other_hears_and_their_invitation_shows_the_booking()
{
    let Campaign {
        app,
        supervisor,
        buyers,
        ..
    } = Site::new()
        .without_ambassador()
        .buyers_file("building,room,name,phone,tier\n1,101,Wang Fang,13900000001,B\n1,101,Li Ming,13900000002,B\n")
        .all_linked()
        .started()
        .await;
    let [wang, li] = [&buyers[0], &buyers[1]];
    let saturday = add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 5").await;
    let sunday = add_slot(&app, &supervisor, "2026-11-29 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let for_wang = invitation(&app, wang).await;
    let for_li = invitation(&app, li).await;
    book(&app, wang, &for_wang, saturday);
    // Li hears of the booking, and Li's invitation no longer offers seats.
    app.fake
        .wait_for_message(li.id, |m| {
            m.plain_text.contains(&fixed("book-confirmed")) && m.plain_text.contains("11-28")
        })
        .await;
    let replaced = on_screen(&app, &for_li, |m| !m.has_inline_keyboard()).await;
    assert!(
        says(&replaced.plain_text, "options-now-booked")
            && replaced
                .plain_text
                .contains(&slot_start("11-28", "weekday-sat", "10:00")),
        "{}",
        replaced.plain_text
    );
    // Wang moves it; Li hears that too.
    let mine = my_appointment(&app, wang).await;
    reschedule(&app, wang, &mine);
    let options = app
        .fake
        .wait_for_message(wang.id, |m| {
            m.plain_text.contains(&fixed("book-full-options"))
        })
        .await;
    book(&app, wang, &options, sunday);
    app.fake
        .wait_for_message(li.id, |m| {
            m.plain_text.contains(&fixed("book-confirmed")) && m.plain_text.contains("11-29")
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
    let mine = my_appointment(&app, wang).await;
    reschedule(&app, wang, &mine);
    let options = app
        .fake
        .wait_for_message(wang.id, |m| {
            m.plain_text.contains(&fixed("book-full-options"))
                && m.button_labels().iter().any(|l| l.starts_with("11-28"))
        })
        .await;
    book(&app, wang, &options, saturday);
    crate::support::steps::until(&app, "the second Saturday confirmation", || {
        app.fake
            .sent_messages(li.id)
            .iter()
            .filter(|m| {
                m.plain_text.contains(&fixed("book-confirmed")) && m.plain_text.contains("11-28")
            })
            .count()
            == 2
    })
    .await;
    // Wang cancels: Li is told, in words that say who did it.
    let mine = my_appointment(&app, wang).await;
    cancel(&app, wang, &mine);
    app.fake
        .wait_for_message(wang.id, |m| {
            m.plain_text.contains(&zh("book-cancelled", &[]))
        })
        .await;
    let news = app
        .fake
        .wait_for_message(li.id, |m| {
            m.plain_text.contains(&head(
                "book-cancelled-household",
                &[("who", "Wang Fang".into()), ("home", "1-101".into())],
            ))
        })
        .await;
    assert!(news.plain_text.contains("Wang Fang"), "{}", news.plain_text);
    assert_eq!(count(&app, wang.id, &zh("book-cancelled", &[])), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_buyer_checks_in_past_the_grace_and_a_real_no_show_is_offered_new_times_once() {
    let (app, supervisor, buyers, ambassador) = campaign_with_ambassador(3).await;
    let [b0, b1, b2] = [&buyers[0], &buyers[1], &buyers[2]];
    // Now: Thu 2026-11-26 09:00 in Shanghai.
    let today_slot = add_slot(&app, &supervisor, "2026-11-26 14:00-15:00 5").await;
    let friday = add_slot(&app, &supervisor, "2026-11-27 10:00-11:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let mut b1_appointment = 0;
    for buyer in [b0, b1, b2] {
        let invite = invitation(&app, buyer).await;
        if buyer.id == b1.id {
            b1_appointment = appointment_of(&invite);
        }
        book(&app, buyer, &invite, today_slot);
        app.fake
            .wait_for_message(buyer.id, |m| {
                m.plain_text.contains(&fixed("book-confirmed"))
            })
            .await;
    }
    // 12:01: the day-of welcome. 14:31: nobody came; all three are no-shows.
    app.advance(Duration::hours(3) + Duration::minutes(1));
    let welcome = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("reminder-day-of")))
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
            .any(|l| l.starts_with(&slot_start("11-27", "weekday-fri", "10:00"))),
        "{:?}",
        offer2.button_labels()
    );
    // 14:40: b0 arrives late and taps "I'm here": checked in, the ambassador is told.
    app.advance(Duration::minutes(9));
    let query = check_in(&app, b0, &welcome);
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains(&zh("checked-in-short", &[])), "{answer}");
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains("Buyer 0") && says(&m.plain_text, "staff-arrived-late")
        })
        .await;
    // The offer of other times is gone from b0's screen.
    on_screen(&app, &offer0, |m| !m.has_inline_keyboard()).await;
    // The ambassador checks b1 in from /today.
    let today = reply_to(&app, &ambassador, "/today").await;
    let query = press_button_on(&app, &ambassador, &today, Callback::CheckIn(b1_appointment));
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&zh("checked-in-short", &[]))
    );
    // b2 really did not come, and books Friday from the offer.
    book(&app, b2, &offer2, friday);
    app.fake
        .wait_for_message(b2.id, |m| {
            m.plain_text.contains(&fixed("book-confirmed")) && m.plain_text.contains("11-27")
        })
        .await;
    // The supervisors heard of both late arrivals (after the no-shows they were told of),
    // and both count as visits.
    for name in ["Buyer 0", "Buyer 1"] {
        app.fake
            .wait_for_message(supervisor.id, |m| {
                m.plain_text.contains(name) && says(&m.plain_text, "staff-arrived-late")
            })
            .await;
    }
    let site = reply_to(&app, &supervisor, "/today").await;
    assert!(
        site.plain_text.contains(&visit_rate("66.7%", 2, 3)),
        "{}",
        site.plain_text
    );
    // And in the campaign's numbers.
    let summary = reply_to(&app, &supervisor, "/summary").await;
    assert!(
        summary.plain_text.contains(&head(
            "summary-kpi",
            &[
                ("name", zh("kpi-visit-rate", &[]).into()),
                ("value", "66.7%".into()),
            ],
        )),
        "{}",
        summary.plain_text
    );
    assert_eq!(sent_count(&app, b0.id, &fixed("missed-options")), 1);
    assert_eq!(sent_count(&app, b2.id, &fixed("missed-options")), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checked_in_visit_loses_its_im_here_button_and_closes_at_the_end_of_its_day() {
    let (app, supervisor, buyers, ambassador) = campaign_with_ambassador(1).await;
    let b0 = &buyers[0];
    let slot = add_slot(&app, &supervisor, "2026-11-26 14:00-15:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let invite = invitation(&app, b0).await;
    book(&app, b0, &invite, slot);
    app.fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("book-confirmed")))
        .await;
    // 12:01: the welcome; 14:05 the ambassador checks the buyer in.
    app.advance(Duration::hours(3) + Duration::minutes(1));
    let welcome = app
        .fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("reminder-day-of")))
        .await;
    let im_here = button_data(&welcome, |c| matches!(c, Callback::CheckIn(_)));
    app.advance(Duration::hours(2) + Duration::minutes(4));
    let today = reply_to(&app, &ambassador, "/today").await;
    let query = check_in(&app, &ambassador, &today);
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&zh("checked-in-short", &[]))
    );
    // The button is replaced on the buyer's screen.
    let now = on_screen(&app, &welcome, |m| !m.has_inline_keyboard()).await;
    assert!(
        now.plain_text.contains(&fixed("welcome-checked-in")),
        "{}",
        now.plain_text
    );
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
            .contains(&zh("appointment-none", &[])),
        "{}",
        answer[before].plain_text
    );
    let query = app.fake.press_crafted_button(b0, &welcome, &im_here);
    let answer = app.fake.callback_answer(&query).await;
    assert!(says(&answer, "visit-completed"), "{answer}");
    assert_eq!(count(&app, b0.id, &fixed("checked-in-welcome")), 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finishing_the_walk_through_completes_the_checked_in_visit() {
    let (app, supervisor, buyers, ambassador) = campaign_with_ambassador(1).await;
    let b0 = &buyers[0];
    let slot = add_slot(&app, &supervisor, "2026-11-26 14:00-15:00 5").await;
    reply_to(&app, &supervisor, "/invite all").await;
    let invite = invitation(&app, b0).await;
    book(&app, b0, &invite, slot);
    app.fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("book-confirmed")))
        .await;
    app.fake
        .wait_for_message(ambassador.id, |m| says(&m.plain_text, "staff-booking"))
        .await;
    // 12:01 the welcome; 14:05: checked in, walked through, finished.
    app.advance(Duration::hours(3) + Duration::minutes(1));
    app.fake
        .wait_for_message(b0.id, |m| m.plain_text.contains(&fixed("reminder-day-of")))
        .await;
    app.advance(Duration::hours(2) + Duration::minutes(4));
    let today = reply_to(&app, &ambassador, "/today").await;
    let query = check_in(&app, &ambassador, &today);
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&zh("checked-in-short", &[]))
    );
    let today = reply_to(&app, &ambassador, "/today").await;
    press_on(&app, &ambassador, &today, |c| {
        matches!(c, Callback::StartInspection(_))
    });
    press_button(&app, &ambassador, Callback::Inspect(InspectAction::Finish)).await;
    app.fake
        .wait_for_message(b0.id, |m| says(&m.plain_text, "inspection-list-empty"))
        .await;
    // The visit is over: nothing left to move or cancel, and the day's list says so.
    let before = app.fake.sent_messages(b0.id).len();
    app.fake.send_text(b0, "/appointment");
    let answer = app.fake.wait_for_messages(b0.id, before + 1).await;
    assert!(
        answer[before]
            .plain_text
            .contains(&zh("appointment-none", &[])),
        "{}",
        answer[before].plain_text
    );
    let today = reply_to(&app, &ambassador, "/today").await;
    assert!(
        today.plain_text.contains(&tail(
            "today-line",
            &[
                ("home", "1-1-101".into()),
                ("names", "Buyer 0".into()),
                ("kind", zh("kind-inspection", &[]).into()),
                ("status", zh("status-completed", &[]).into()),
            ],
        )),
        "{}",
        today.plain_text
    );
    app.stop().await;
}

/// The texts of the messages the bot sent, in the order Telegram took them, with their chats.
fn sent_in_order(app: &TestApp) -> Vec<(i64, String)> {
    app.fake
        .requests_for("sendMessage")
        .into_iter()
        .filter(|r| r.status == 200)
        .map(|r| {
            let chat = r.params["chat_id"].as_i64().unwrap_or_default();
            let text = r.params["text"].as_str().unwrap_or_default().to_string();
            (chat, text)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_confirmation_goes_ahead_of_the_invitations_still_queued() {
    let (mut app, supervisor, buyers) = campaign(30).await;
    let slot = add_slot(&app, &supervisor, "2026-11-28 10:00-11:00 10").await;
    // Three messages a second: thirty invitations take ten seconds to go out.
    app.pause().await;
    app.config.messages_per_sec_overall = 3;
    app.resume().await;
    let sent = reply_to(&app, &supervisor, "/invite all").await;
    assert!(
        sent.plain_text.contains(&invited(30)),
        "{}",
        sent.plain_text
    );

    // The first buyer invited books at once, while the other invitations wait their turn.
    let is_invitation = |text: &str| text.contains(&fixed("invite-buyer"));
    let first = app
        .fake
        .wait_for_request("sendMessage", |r| {
            r.status == 200 && is_invitation(r.params["text"].as_str().unwrap_or_default())
        })
        .await;
    let chat = first.params["chat_id"].as_i64().expect("a chat");
    let buyer = buyers.iter().find(|b| b.id == chat).expect("a buyer's");
    let invite = invitation(&app, buyer).await;
    let pressed_after = sent_in_order(&app).len();
    let query = book(&app, buyer, &invite, slot);
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains(&fixed("book-done-short")), "{answer}");
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.contains(&fixed("book-confirmed"))
        })
        .await;
    // Everyone else's invitation still goes out (the buyer who booked sees theirs changed).
    for other in buyers.iter().filter(|b| b.id != buyer.id) {
        invitation(&app, other).await;
    }

    let after_press = sent_in_order(&app).split_off(pressed_after);
    let confirmation = after_press
        .iter()
        .position(|(to, text)| *to == chat && text.contains(&fixed("book-confirmed")))
        .expect("the confirmation");
    let invitations_before = after_press[..confirmation]
        .iter()
        .filter(|(_, text)| is_invitation(text))
        .count();
    let invitations_after = after_press[confirmation..]
        .iter()
        .filter(|(_, text)| is_invitation(text))
        .count();
    // The confirmation waits only for the press to be handled and for the chat's own pace
    // (Telegram's one message a second per chat, counted from the invitation's edit).
    assert!(
        invitations_before <= 6,
        "{invitations_before} invitations went out between the press and its confirmation, \
         {invitations_after} after it"
    );
    assert!(invitations_after >= 20, "{invitations_after}");
    app.stop().await;
}
