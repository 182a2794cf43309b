//! Steps a test takes as a person: pressing a labelled button, waiting for a text, recording a
//! defect in a walk-through.

use super::app::TestApp;
use super::fake_telegram::{SentMessage, User};
use super::people::reply_to;
use super::text::{fixed, says, zh};
use chrono::Duration;
use handover_bot::bot::callback::{Callback, HandoverStep, InspectAction};
use handover_bot::domain::defect::{Category, Room, Severity};
use handover_bot::domain::remediation::Action;
use handover_bot::i18n::Arg;

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

/// Waits for the message that says `key` with `args`.
pub async fn wait_key(
    app: &TestApp,
    person: &User,
    key: &str,
    args: &[(&str, Arg)],
) -> SentMessage {
    wait_text(app, person, &zh(key, args)).await
}

/// Waits for a message saying `key`, whatever its arguments (its text between placeholders).
pub async fn wait_fixed(app: &TestApp, person: &User, key: &str) -> SentMessage {
    wait_text(app, person, &fixed(key)).await
}

pub fn count(app: &TestApp, person: &User, needle: &str) -> usize {
    app.fake
        .sent_messages(person.id)
        .iter()
        .filter(|m| m.plain_text.contains(needle))
        .count()
}

/// How many of the bot's messages to `person` say `key`, whatever its arguments.
pub fn count_saying(app: &TestApp, person: &User, key: &str) -> usize {
    app.fake
        .sent_messages(person.id)
        .iter()
        .filter(|m| says(&m.plain_text, key))
        .count()
}

/// Waits for a message to `person` saying `key`, whatever its arguments.
pub async fn wait_saying(app: &TestApp, person: &User, key: &str) -> SentMessage {
    app.fake
        .wait_for_message(person.id, |m| says(&m.plain_text, key))
        .await
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

/// The bot's newest message to `person` with a button that sends `button`, and a press on it.
pub async fn press_button(app: &TestApp, person: &User, button: Callback) {
    press_where(app, person, |c| *c == button).await;
}

/// The bot's newest message to `person` with a button whose data decodes to a callback `which`
/// accepts, and a press on that button: for buttons that carry a value the test cannot know
/// beforehand, such as a plan's fingerprint.
pub async fn press_where(app: &TestApp, person: &User, which: impl Fn(&Callback) -> bool) {
    let button = |m: &SentMessage| {
        m.inline_buttons()
            .into_iter()
            .rev()
            .filter_map(|b| b.callback_data)
            .find(|data| Callback::decode(data).is_some_and(|c| which(&c)))
    };
    app.fake
        .wait_for_message(person.id, |m| button(m).is_some())
        .await;
    let (message, data) = app
        .fake
        .sent_messages(person.id)
        .into_iter()
        .rev()
        .find_map(|m| button(&m).map(|data| (m, data)))
        .expect("waited for it above");
    app.fake.press_button(person, &message, &data);
}

/// The data of `message`'s button whose callback `which` accepts, if it has one.
pub fn button(message: &SentMessage, which: impl Fn(&Callback) -> bool) -> Option<String> {
    message
        .inline_buttons()
        .into_iter()
        .filter_map(|b| b.callback_data)
        .find(|data| Callback::decode(data).is_some_and(|c| which(&c)))
}

/// The data of `message`'s button whose callback `which` accepts.
pub fn button_data(message: &SentMessage, which: impl Fn(&Callback) -> bool) -> String {
    button(message, which)
        .unwrap_or_else(|| panic!("no such button in {:?}", message.button_labels()))
}

/// The callback of `message`'s button whose callback `which` accepts.
pub fn button_of(message: &SentMessage, which: impl Fn(&Callback) -> bool) -> Callback {
    Callback::decode(&button_data(message, which)).expect("it decoded above")
}

/// A press on `message`'s button whose callback `which` accepts (the message as the person
/// has it, however old); the query's id, for its answer.
pub fn press_on(
    app: &TestApp,
    person: &User,
    message: &SentMessage,
    which: impl Fn(&Callback) -> bool,
) -> String {
    let data = button_data(message, which);
    app.fake.press_button(person, message, &data)
}

/// In a walk-through, chooses `room` (unless it stays the one open), `category` and `severity`;
/// the question for photos that follows.
pub async fn describe_defect(
    app: &TestApp,
    person: &User,
    room: Option<Room>,
    category: Category,
    severity: Severity,
) -> SentMessage {
    if let Some(room) = room {
        press_button(app, person, Callback::InspectRoom(room)).await;
    }
    press_button(app, person, Callback::InspectCategory(category)).await;
    let last = app.fake.last_message(person.id).map_or(0, |m| m.message_id);
    press_button(app, person, Callback::InspectSeverity(severity)).await;
    let photos = fixed("inspect-photos");
    app.fake
        .wait_for_message(person.id, |m| {
            m.message_id > last && m.plain_text.contains(&photos)
        })
        .await
}

/// In a walk-through, chooses an urgent leak in the kitchen; the question for photos.
pub async fn describe_leak(app: &TestApp, person: &User) -> SentMessage {
    describe_defect(
        app,
        person,
        Some(Room::Kitchen),
        Category::Leakage,
        Severity::Urgent,
    )
    .await
}

/// Records one urgent kitchen leak with a photo in 1-1-101 and finishes the walk-through.
pub async fn record_leak(app: &TestApp, ambassador: &User) {
    record_leak_with(app, ambassador, photo(1), true).await;
}

/// Records one urgent kitchen leak with `picture` in 1-1-101; with `finish` the walk-through
/// is finished (and the buyer told).
pub async fn record_leak_with(app: &TestApp, ambassador: &User, picture: Vec<u8>, finish: bool) {
    reply_to(app, ambassador, "/inspect 1-1-101").await;
    describe_leak(app, ambassador).await;
    app.fake.send_photo(ambassador, picture, None);
    wait_key(
        app,
        ambassador,
        "inspect-photo-received",
        &[("count", Arg::Number(1))],
    )
    .await;
    app.fake.send_text(ambassador, "水槽下漏水");
    press_button(app, ambassador, Callback::Inspect(InspectAction::Save)).await;
    if finish {
        press_button(app, ambassador, Callback::Inspect(InspectAction::Finish)).await;
        wait_fixed(app, ambassador, "inspect-finished").await;
    }
}

/// Opens the defect's card from `/tasks` or `/defects` and presses `step` on it.
pub async fn step_on_card(app: &TestApp, person: &User, id: i64, step: Action) {
    let open = Callback::DefectCard(id).encode();
    let card = app
        .fake
        .sent_messages(person.id)
        .into_iter()
        .rev()
        .find(|m| {
            m.inline_buttons()
                .iter()
                .any(|b| b.callback_data.as_deref() == Some(open.as_str()))
        })
        .expect("a message with the defect's card button");
    let before = app.fake.sent_messages(person.id).len();
    app.fake.press_button(person, &card, &open);
    app.fake.wait_for_messages(person.id, before + 1).await;
    press_button(app, person, Callback::DefectAction(id, step)).await;
}

/// The handover checklist's question of how many keys of `kind` (a key's locale key).
pub fn keys_question(kind: &str) -> String {
    zh("handover-ask-keys", &[("kind", zh(kind, &[]).into())])
}

/// The handover checklist's question for `meter` (a meter's locale key).
pub fn meter_question(meter: &str) -> String {
    zh("handover-ask-meter", &[("meter", zh(meter, &[]).into())])
}

/// The key kinds and meters of the configured checklist, in the order it asks them.
pub const KEY_KINDS: [&str; 3] = ["key-entrance-door", "key-mailbox", "key-access-card"];
pub const METERS: [&str; 3] = ["meter-water", "meter-electricity", "meter-gas"];

/// The checklist's questions up to the documents, each with the button that answers it, for a
/// home with `door_keys` door keys and nothing else: no other keys, no meters, no documents.
pub fn bare_checklist(door_keys: u8) -> Vec<(String, Callback)> {
    let mut steps = Vec::new();
    for (i, kind) in (0u8..).zip(KEY_KINDS) {
        let keys = if i == 0 { door_keys } else { 0 };
        steps.push((
            keys_question(kind),
            Callback::Handover(HandoverStep::Keys(i, keys)),
        ));
    }
    for (i, meter) in (0u8..).zip(METERS) {
        steps.push((
            meter_question(meter),
            Callback::Handover(HandoverStep::NoMeter(i)),
        ));
    }
    steps.push((
        fixed("handover-ask-documents"),
        Callback::Handover(HandoverStep::DocumentsDone),
    ));
    steps
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
