//! Every command checks the actor's role; unknown commands get help; languages switch.

use crate::support::app::TestApp;
use crate::support::people::{buyer_phone, buyers_csv, link_by_contact, load_buyers, reply_to};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_using_a_supervisor_command_is_refused_in_their_language_and_nothing_changes() {
    let app = TestApp::start().await;
    load_buyers(&app, &buyers_csv(2)).await;
    let buyer = app.fake.user(9101, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("Harbour Road"))
        .await;

    let refusal = reply_to(&app, &buyer, "/invite supervisor").await;
    assert!(
        refusal.plain_text.contains("不对您的角色开放"),
        "{}",
        refusal.plain_text
    );
    assert!(
        !refusal.plain_text.contains("?start="),
        "no invite was made"
    );

    // The same in English after switching languages.
    app.fake.send_text(&buyer, "/language");
    let choose = app
        .fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("请选择"))
        .await;
    app.fake.press_button_with_text(&buyer, &choose, "English");
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("speak English"))
        .await;
    let refusal = reply_to(&app, &buyer, "/import").await;
    assert!(
        refusal.plain_text.contains("not available for your role"),
        "{}",
        refusal.plain_text
    );

    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(tx.people_counts().await.unwrap().staff, 0);
    tx.commit().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_commands_get_help_and_groups_are_told_to_write_privately() {
    let app = TestApp::start().await;
    let stranger = app.fake.user(9201, "Sam");
    app.fake.send_text(&stranger, "/frobnicate");
    let help = app.fake.wait_for_message(stranger.id, |_| true).await;
    assert!(
        help.plain_text.contains("/frobnicate") && help.plain_text.contains("/start"),
        "{}",
        help.plain_text
    );

    app.fake.send_group_text(-100_200, &stranger, "/start");
    let group = app.fake.wait_for_message(-100_200, |_| true).await;
    assert!(group.plain_text.contains("私聊"), "{}", group.plain_text);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_or_forged_buttons_are_answered_and_change_nothing() {
    let app = TestApp::start().await;
    let stranger = app.fake.user(9301, "Sam");
    app.fake.send_text(&stranger, "/language");
    let choose = app
        .fake
        .wait_for_message(stranger.id, |m| m.reply_markup.is_some())
        .await;
    app.fake
        .press_button_with_text(&stranger, &choose, "English");
    app.fake
        .wait_for_message(stranger.id, |m| m.plain_text.contains("speak English"))
        .await;
    // The keyboard is gone after the choice.
    let requests = app.fake.requests_for("editMessageReplyMarkup");
    assert!(!requests.is_empty(), "the question's buttons were removed");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_conversation_state_resets_with_a_message() {
    let app = TestApp::start().await;
    let person = app.fake.user(9401, "Ann");
    {
        let mut tx = app.services().store.begin().await.unwrap();
        tx.save_dialogue(
            person.id,
            "{\"step\":\"from_a_future_version\"}",
            handover_bot::clock::Clock::now(&app.clock),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    app.fake.send_text(&person, "hello");
    let reset = app.fake.wait_for_message(person.id, |_| true).await;
    assert!(
        reset.plain_text.contains("重新开始"),
        "{}",
        reset.plain_text
    );
    // The person is not stuck: the next message gets the normal answer.
    app.fake.wait_for_messages(person.id, 2).await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(tx.dialogue(person.id).await.unwrap(), None);
    tx.commit().await.unwrap();
    app.stop().await;
}
