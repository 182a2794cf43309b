//! The rehearsal (演练), through the bot: two staff volunteers open the links `/rehearsal start`
//! gives and play buyers of generated households through invitation, booking, check-in,
//! walk-through and handover with the real ambassador. Every message of it is marked, no real
//! buyer hears of it, the real figures and export do not move, `/rehearsal report` tells what
//! happened, and `/rehearsal end` leaves the database as it was, table by table.

use crate::support::fake_telegram::{SentMessage, User};
use crate::support::observe::{Db, db_changes};
use crate::support::people::{reply_matching, reply_to};
use crate::support::site::Site;
use crate::support::steps::{
    bare_checklist, describe_leak, photo, press_button, press_on, wait_text,
};
use crate::support::text::{fixed, says};
use handover_bot::bot::callback::{Callback, HandoverStep, InspectAction};
use handover_bot::rehearsal::MARKER;

fn links(message: &SentMessage) -> Vec<String> {
    message
        .plain_text
        .split("start=")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        })
        .collect()
}

/// The summary's figures, without the time in its title.
fn figures(summary: &SentMessage) -> Vec<String> {
    summary
        .plain_text
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// Every message `person` got after the first `from`.
fn since(app: &crate::support::app::TestApp, person: &User, from: usize) -> Vec<SentMessage> {
    app.fake.sent_messages(person.id)[from..].to_vec()
}

async fn workbook(
    app: &crate::support::app::TestApp,
    supervisor: &User,
) -> Vec<(String, Vec<Vec<String>>)> {
    let export = reply_matching(app, supervisor, "/export", |m| m.file.is_some()).await;
    crate::reports::read_workbook(&export.file.expect("a document").bytes)
}

/// Waits until every update received was handled and every message sent.
async fn settled(db: &Db) -> bool {
    for _ in 0..5_000 {
        let waiting = db
            .ints("SELECT CAST(COUNT(*) AS BIGINT) FROM update_inbox")
            .await;
        if waiting.first() == Some(&0) {
            return db.wait_outbox_sent().await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    false
}

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_in(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// A volunteer opens their link, is invited as the household's buyer and books the first time.
async fn join_and_book(
    app: &crate::support::app::TestApp,
    volunteer: &User,
    link: &str,
    home: &str,
) {
    let from = app.fake.sent_messages(volunteer.id).len();
    app.fake.send_text(volunteer, &format!("/start {link}"));
    let joined = wait_text(app, volunteer, &fixed("rehearsal-joined")).await;
    assert!(joined.plain_text.contains(home), "{}", joined.plain_text);
    let invite = app
        .fake
        .wait_for_message(volunteer.id, |m| says(&m.plain_text, "invite-buyer"))
        .await;
    assert!(invite.plain_text.contains(home), "{}", invite.plain_text);
    press_on(app, volunteer, &invite, |c| {
        matches!(c, Callback::Book { .. })
    });
    app.fake
        .wait_for_message(volunteer.id, |m| says(&m.plain_text, "book-confirmed"))
        .await;
    for message in since(app, volunteer, from) {
        assert!(
            message.plain_text.starts_with(MARKER),
            "a rehearsal message without its mark: {}",
            message.plain_text
        );
    }
}

async fn walk_through_and_hand_over(
    app: &crate::support::app::TestApp,
    ambassador: &User,
    volunteer: &User,
    home: &str,
    leak: bool,
) {
    // A handover record sent a moment ago may come in between: wait for the day's list.
    let today = reply_matching(app, ambassador, "/today", |m| {
        m.plain_text.contains(home) && m.file.is_none()
    })
    .await;
    let query = press_on(app, ambassador, &today, |c| {
        matches!(c, Callback::CheckIn(_))
    });
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains(&fixed("checked-in-short")), "{answer}");
    let finished = app
        .fake
        .last_message(ambassador.id)
        .map_or(0, |m| m.message_id);
    reply_to(app, ambassador, &format!("/inspect {home}")).await;
    if leak {
        describe_leak(app, ambassador).await;
        app.fake.send_photo(ambassador, photo(77), None);
        wait_text(app, ambassador, &fixed("inspect-photo-received")).await;
        app.fake.send_text(ambassador, "演练：水槽下漏水");
        press_button(app, ambassador, Callback::Inspect(InspectAction::Save)).await;
    }
    press_button(app, ambassador, Callback::Inspect(InspectAction::Finish)).await;
    app.fake
        .wait_for_message(ambassador.id, |m| {
            says(&m.plain_text, "inspect-finished")
                && m.message_id > finished
                && m.plain_text.starts_with(MARKER)
        })
        .await;

    let start = reply_to(app, ambassador, &format!("/handover {home}")).await;
    assert!(start.plain_text.starts_with(MARKER), "{}", start.plain_text);
    for (question, answer) in bare_checklist(2) {
        wait_text(app, ambassador, &question).await;
        press_button(app, ambassador, answer).await;
    }
    press_button(app, ambassador, Callback::Handover(HandoverStep::Submit)).await;
    let ask = app
        .fake
        .wait_for_message(volunteer.id, |m| {
            says(&m.plain_text, "handover-confirm-ask")
        })
        .await;
    assert!(ask.plain_text.starts_with(MARKER), "{}", ask.plain_text);
    press_on(app, volunteer, &ask, |c| {
        matches!(c, Callback::HandoverConfirm(_))
    });
    app.fake
        .wait_for_message(volunteer.id, |m| says(&m.plain_text, "handover-welcome"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehearsal_played_by_two_volunteers_reaches_no_buyer_moves_no_figure_and_ends_without_a_trace()
 {
    let c = Site::new()
        .homes(2)
        .linked(&[0])
        .senior()
        .engineer_for(1)
        .reception()
        .assigned()
        .await;
    let app = &c.app;
    let (supervisor, ambassador) = (&c.supervisor, &c.ambassador);
    let volunteers = [&c.engineer, &c.reception];
    let db = Db::open(app.database_url()).await;

    let handled = db.handled().await;
    let summary_before = figures(&reply_to(app, supervisor, "/summary").await);
    let people_before = reply_to(app, supervisor, "/people").await.plain_text;
    let export_before = workbook(app, supervisor).await;
    assert!(db.wait_handled(handled, 3).await);
    assert!(db.wait_outbox_sent().await);
    let media_files = files_in(&app.config.media_dir);
    let before = db.snapshot().await;

    // Only a supervisor starts one; a bad count is explained and changes nothing.
    let handled = db.handled().await;
    let refused = reply_to(app, ambassador, "/rehearsal start").await;
    assert!(
        says(&refused.plain_text, "forbidden"),
        "{}",
        refused.plain_text
    );
    let usage = reply_to(app, supervisor, "/rehearsal start 500").await;
    assert!(usage.plain_text.contains(&fixed("rehearsal-usage")));
    assert!(db.wait_handled(handled, 2).await);
    assert_eq!(
        db_changes(&before, &db.snapshot().await),
        Vec::<String>::new()
    );

    let started = reply_to(app, supervisor, "/rehearsal start 2").await;
    assert!(
        says(&started.plain_text, "rehearsal-started"),
        "{}",
        started.plain_text
    );
    let codes = links(&started);
    assert_eq!(codes.len(), 2, "{}", started.plain_text);
    let again = reply_to(app, supervisor, "/rehearsal start").await;
    assert!(
        says(&again.plain_text, "rehearsal-running"),
        "{}",
        again.plain_text
    );

    // Until a volunteer opens it, the report hands the household's link out again.
    let waiting = reply_to(app, supervisor, "/rehearsal report").await;
    for code in &codes {
        assert!(
            waiting.plain_text.contains(code.as_str()),
            "{}",
            waiting.plain_text
        );
    }

    // A buyer cannot open a rehearsal link; a volunteer's link is theirs alone.
    let refused = reply_to(app, &c.buyer, &format!("/start {}", codes[0])).await;
    assert!(
        says(&refused.plain_text, "rehearsal-link-staff-only"),
        "{}",
        refused.plain_text
    );
    let buyer_heard = app.fake.sent_messages(c.buyer.id).len();

    // The household's own ambassador receives its buyer and does not play them.
    let own = reply_to(app, ambassador, &format!("/start {}", codes[0])).await;
    assert!(
        says(&own.plain_text, "rehearsal-link-own"),
        "{}",
        own.plain_text
    );
    join_and_book(app, volunteers[0], &codes[0], "演练-101").await;
    let taken = reply_to(app, volunteers[1], &format!("/start {}", codes[0])).await;
    assert!(
        says(&taken.plain_text, "rehearsal-link-taken"),
        "{}",
        taken.plain_text
    );
    join_and_book(app, volunteers[1], &codes[1], "演练-102").await;

    // The visits begin twenty minutes after the bookings.
    app.advance(chrono::Duration::minutes(20));
    walk_through_and_hand_over(app, ambassador, volunteers[0], "演练-101", true).await;
    walk_through_and_hand_over(app, ambassador, volunteers[1], "演练-102", false).await;

    // Nothing waits for the developer's webhook: the rehearsal's defect events are not its.
    let for_the_webhook = db
        .ints("SELECT CAST(COUNT(*) AS BIGINT) FROM defect_events WHERE feed_status <> 'sent'")
        .await;
    assert_eq!(for_the_webhook, vec![0]);
    let recorded = db
        .ints("SELECT CAST(COUNT(*) AS BIGINT) FROM defect_events")
        .await;
    assert!(recorded[0] > 0);

    // Nothing reached the real buyer; the real figures and the export are as they were.
    assert_eq!(app.fake.sent_messages(c.buyer.id).len(), buyer_heard);
    assert_eq!(
        figures(&reply_to(app, supervisor, "/summary").await),
        summary_before
    );
    assert_eq!(workbook(app, supervisor).await, export_before);
    assert_eq!(
        reply_to(app, supervisor, "/people").await.plain_text,
        people_before
    );

    let report = reply_to(app, supervisor, "/rehearsal report")
        .await
        .plain_text;
    assert!(says(&report, "rehearsal-report"), "{report}");
    for line in [
        "已预约 2",
        "已签到 2",
        "已验房 2",
        "已交付 2",
        "记录问题：1 项",
        "预约 → 签到 20",
    ] {
        assert!(report.contains(line), "{line} in {report}");
    }
    assert!(report.contains("演练-101"), "{report}");

    // A volunteer can still reach /rehearsal while playing, and leaves to be staff again.
    let left = reply_to(app, volunteers[1], "/rehearsal leave").await;
    assert!(
        says(&left.plain_text, "rehearsal-left"),
        "{}",
        left.plain_text
    );

    let ended = reply_to(app, supervisor, "/rehearsal end").await;
    assert!(
        says(&ended.plain_text, "rehearsal-ended"),
        "{}",
        ended.plain_text
    );
    assert!(settled(&db).await);
    let after = db.snapshot().await;
    assert_eq!(db_changes(&before, &after), Vec::<String>::new());
    assert_eq!(files_in(&app.config.media_dir), media_files);

    // The volunteers are staff again; the links are dead.
    let me = reply_to(app, volunteers[0], "/me").await;
    assert!(!me.plain_text.starts_with(MARKER), "{}", me.plain_text);
    let dead = reply_to(app, volunteers[0], &format!("/start {}", codes[0])).await;
    assert!(
        says(&dead.plain_text, "rehearsal-link-unknown"),
        "{}",
        dead.plain_text
    );
    let none = reply_to(app, supervisor, "/rehearsal report").await;
    assert!(
        says(&none.plain_text, "rehearsal-none"),
        "{}",
        none.plain_text
    );
    c.app.stop().await;
}
