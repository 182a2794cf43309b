//! Whether a message someone is waiting for goes ahead of notifications queued before it: news
//! for a list of people is queued while nothing else waits, then the message comes, and the
//! order Telegram received them in is compared with how many had gone when it was queued.

use super::app::TestApp;
use super::fake_telegram::User;
use super::faults::strings;
use super::steps::count;
use handover_bot::domain::message::Content;

/// The news each person gets; no other message says it.
const NEWS: &str = "工程进度通知";

/// Waits until the outbox has sent everything queued so far, so a person's news does not wait
/// behind their own earlier messages and the message measured has nothing else to overtake.
pub async fn outbox_emptied(app: &TestApp) {
    let open = "SELECT dedupe_key FROM outbox WHERE status IN ('pending', 'sending')";
    let mut waits = 0;
    while !strings(app, open).await.is_empty() {
        waits += 1;
        assert!(waits < 1500, "the outbox never emptied");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Queues a piece of news for each of `people`.
pub async fn queue_news(app: &TestApp, people: &[User]) {
    for (i, person) in people.iter().enumerate() {
        app.services()
            .queue_notification(person.id, &format!("test:news:{i}"), Content::text(NEWS))
            .await
            .expect("queue the news");
    }
}

fn news_sent(app: &TestApp) -> usize {
    sent_texts(app)
        .iter()
        .filter(|text| text.contains(NEWS))
        .count()
}

/// The texts Telegram took, in the order it took them.
fn sent_texts(app: &TestApp) -> Vec<String> {
    app.fake
        .requests_for("sendMessage")
        .iter()
        .filter(|r| r.status == 200)
        .filter_map(|r| r.params["text"].as_str().map(str::to_string))
        .collect()
}

/// How many pieces of news had gone when the outbox row whose key is like `key` (SQL `LIKE`)
/// was queued, looked at just after (so never fewer): those it cannot overtake.
pub async fn news_sent_when_queued(app: &TestApp, key: &str, people: usize) -> usize {
    let sql = format!("SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE '{key}'");
    for _ in 0..2000 {
        let sent = news_sent(app);
        if !strings(app, &sql).await.is_empty() {
            assert!(
                sent + 1 < people,
                "{sent} of {people} pieces of news went before {key} was even queued"
            );
            return sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("{key} was never queued");
}

/// Checks that the message saying `needle`, queued when `sent_when_queued` of the news for
/// `people` had gone, went ahead of most of the rest. Without going ahead it would wait behind
/// all of them; it may meet some on their way (claimed before it, as the sender takes seconds
/// of them at a time, or given the place queued messages keep).
pub fn assert_went_ahead(app: &TestApp, needle: &str, sent_when_queued: usize, people: usize) {
    let sent = sent_texts(app);
    let at = sent
        .iter()
        .position(|text| text.contains(needle))
        .unwrap_or_else(|| panic!("{needle} was sent"));
    let news_before = sent[..at].iter().filter(|text| text.contains(NEWS)).count();
    let waiting_when_queued = people - sent_when_queued;
    let after = people - news_before;
    assert!(
        after * 2 >= waiting_when_queued,
        "{news_before} of the {people} pieces of news went before {needle}, \
         {sent_when_queued} of them before it was queued"
    );
}

/// Whether each of `people` has had their news, once.
pub fn everyone_had_news_once(app: &TestApp, people: &[User]) -> bool {
    people.iter().all(|p| count(app, p, NEWS) == 1)
}
