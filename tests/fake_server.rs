//! Tests of the fake Telegram server itself.

use crate::support::fake_telegram::FakeTelegram;

#[tokio::test]
async fn get_me_answers() {
    let fake = FakeTelegram::start().await;
    let _ = fake.bot();
}
