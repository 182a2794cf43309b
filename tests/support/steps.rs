//! Steps a test takes as a person: pressing a labelled button, waiting for a text, recording a
//! defect in a walk-through.

use super::app::TestApp;
use super::fake_telegram::{SentMessage, User};
use super::people::reply_to;
use chrono::Duration;

pub fn photo(seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, seed];
    bytes.extend((0..200).map(|i| (i as u8).wrapping_mul(seed)));
    bytes
}

pub async fn wait_text(app: &TestApp, person: &User, needle: &str) -> SentMessage {
    app.fake
        .wait_for_message(person.id, |m| m.plain_text.contains(needle))
        .await
}

pub fn count(app: &TestApp, person: &User, needle: &str) -> usize {
    app.fake
        .sent_messages(person.id)
        .iter()
        .filter(|m| m.plain_text.contains(needle))
        .count()
}

/// The bot's newest message to `person` with a button labelled `label`, and a press on it.
pub async fn press(app: &TestApp, person: &User, label: &str) {
    app.fake
        .wait_for_message(person.id, |m| m.button_labels().iter().any(|l| l == label))
        .await;
    let message = app
        .fake
        .sent_messages(person.id)
        .into_iter()
        .rev()
        .find(|m| m.button_labels().iter().any(|l| l == label))
        .unwrap();
    app.fake.press_button_with_text(person, &message, label);
}

/// Records one urgent kitchen leak with a photo in 1-1-101 and finishes the walk-through.
pub async fn record_leak(app: &TestApp, ambassador: &User) {
    reply_to(app, ambassador, "/inspect 1-1-101").await;
    press(app, ambassador, "厨房").await;
    press(app, ambassador, "渗漏").await;
    press(app, ambassador, "紧急").await;
    wait_text(app, ambassador, "请拍照发送").await;
    app.fake.send_photo(ambassador, photo(1), None);
    wait_text(app, ambassador, "已收到 1 张照片").await;
    app.fake.send_text(ambassador, "水槽下漏水");
    press(app, ambassador, "💾 保存").await;
    press(app, ambassador, "✅ 完成验房").await;
    wait_text(app, ambassador, "验房完成").await;
}

/// Opens the defect's card from `/tasks` or `/defects` and presses `step` on it.
pub async fn step_on_card(app: &TestApp, person: &User, id: i64, step: &str) {
    let card = app
        .fake
        .sent_messages(person.id)
        .into_iter()
        .rev()
        .find(|m| {
            m.inline_buttons()
                .iter()
                .any(|b| b.callback_data.as_deref() == Some(&format!("1:dc:{id}")))
        })
        .expect("a message with the defect's card button");
    let before = app.fake.sent_messages(person.id).len();
    app.fake.press_button(person, &card, &format!("1:dc:{id}"));
    app.fake.wait_for_messages(person.id, before + 1).await;
    press(app, person, step).await;
}

/// Moves the clock a minute at a time (retries wait out their backoff, on the clock) until
/// `done`.
pub async fn until(app: &TestApp, what: &str, done: impl Fn() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        app.advance(Duration::minutes(1));
        let services = app.services();
        let limit = std::time::Duration::from_millis(200);
        tokio::join!(
            services.feed_waker.settle(limit),
            services.outbox_waker.settle(limit)
        );
    }
    panic!("timed out waiting for {what}");
}
