//! People a test can act as, and the files a supervisor loads.

use super::app::TestApp;
use super::fake_telegram::User;

/// A buyer list in the English header format, `count` buyers in building 1 and 2.
pub fn buyers_csv(count: usize) -> String {
    let mut csv = String::from("building,entrance,room,name,phone,tier,mailing_address\n");
    for i in 0..count {
        let building = 1 + i % 2;
        let room = 101 + i;
        csv.push_str(&format!(
            "{building},1,{room},Buyer {i},1390000{i:04},B,\"No. {i} Harbour Road, Shanghai\"\n"
        ));
    }
    csv
}

/// The national mobile number of the i-th buyer of `buyers_csv`, as a contact shares it.
pub fn buyer_phone(i: usize) -> String {
    format!("+86 1390000{i:04}")
}

/// Loads staff through the CLI path's service (as an admin would on the server).
pub async fn load_staff(app: &TestApp, csv: &str) {
    use handover_bot::services::import::{ImportOutcome, Importer};
    let outcome = app
        .services()
        .import_file(Importer::Cli, "staff.csv", csv.as_bytes(), None)
        .await
        .expect("import runs");
    assert!(matches!(outcome, ImportOutcome::Done { .. }), "{outcome:?}");
}

/// Loads buyers the same way.
pub async fn load_buyers(app: &TestApp, csv: &str) {
    use handover_bot::services::import::{ImportOutcome, Importer};
    let outcome = app
        .services()
        .import_file(Importer::Cli, "buyers.csv", csv.as_bytes(), None)
        .await
        .expect("import runs");
    assert!(matches!(outcome, ImportOutcome::Done { .. }), "{outcome:?}");
}

/// A supervisor loaded from a staff file and linked through their own contact.
pub async fn linked_supervisor(app: &TestApp, id: i64) -> User {
    load_staff(app, "name,phone,roles\nWang Fang,13800000001,supervisor\n").await;
    let person = app.fake.user(id, "Fang");
    link_by_contact(app, &person, "+8613800000001").await;
    person
}

/// Shares the person's own contact and waits for the greeting.
pub async fn link_by_contact(app: &TestApp, person: &User, phone: &str) {
    app.fake.send_text(person, "/start");
    app.fake
        .wait_for_message(person.id, |m| m.reply_markup.is_some())
        .await;
    let before = app.fake.sent_messages(person.id).len();
    app.fake
        .share_contact(person, phone, Some(person.id), &person.first_name);
    app.fake.wait_for_messages(person.id, before + 1).await;
}

/// Sends `text` as `person` and returns the bot's next message to them.
/// Sends `text` and returns the first message after it that matches `pred` (other messages,
/// such as notifications already on their way, may come in between).
pub async fn reply_matching(
    app: &TestApp,
    person: &User,
    text: &str,
    pred: impl Fn(&super::fake_telegram::SentMessage) -> bool,
) -> super::fake_telegram::SentMessage {
    let before = app.fake.sent_messages(person.id).len();
    app.fake.send_text(person, text);
    let mut seen = before;
    loop {
        let all = app.fake.wait_for_messages(person.id, seen + 1).await;
        if let Some(found) = all[seen..].iter().find(|m| pred(m)) {
            return found.clone();
        }
        seen = all.len();
    }
}

pub async fn reply_to(
    app: &TestApp,
    person: &User,
    text: &str,
) -> super::fake_telegram::SentMessage {
    let before = app.fake.sent_messages(person.id).len();
    app.fake.send_text(person, text);
    app.fake
        .wait_for_messages(person.id, before + 1)
        .await
        .swap_remove(before)
}
