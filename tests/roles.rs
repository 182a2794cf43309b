//! Every command checks the actor's role; unknown commands get help; languages switch.

use crate::support::app::TestApp;
use crate::support::people::{
    buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers, load_staff, reply_to,
};
use crate::support::steps::{photo, press, wait_text};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_through_ends_politely_when_the_ambassador_is_reassigned_mid_flow() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_501).await;
    load_staff(
        &app,
        "name,phone,roles,capacity\nLi Lei,13700000001,ambassador,10\n",
    )
    .await;
    load_buyers(&app, &buyers_csv(1)).await;
    let li = app.fake.user(9_502, "Lei");
    link_by_contact(&app, &li, "+8613700000001").await;
    let buyer = app.fake.user(9_503, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;
    let plan = reply_to(&app, &supervisor, "/assign").await;
    app.fake
        .press_button_with_text(&supervisor, &plan, "✅ 确认分配");
    wait_text(&app, &supervisor, "已分配 1 户").await;
    load_staff(
        &app,
        "name,phone,roles,capacity\nHan Mei,13700000002,ambassador,10\n",
    )
    .await;

    reply_to(&app, &li, "/inspect 1-1-101").await;
    press(&app, &li, "厨房").await;
    press(&app, &li, "渗漏").await;
    press(&app, &li, "紧急").await;
    wait_text(&app, &li, "请拍照发送").await;
    app.fake.send_photo(&li, photo(1), None);
    wait_text(&app, &li, "已收到 1 张照片").await;

    // The household moves to Han Mei while Li Lei is still in the walk-through.
    reply_to(&app, &supervisor, "/reassign 1-1-101 Han Mei").await;
    wait_text(&app, &supervisor, "现由 Han Mei 负责").await;

    app.fake.send_text(&li, "水槽下漏水");
    wait_text(&app, &li, "不再由您负责").await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(
        tx.dialogue(li.id).await.unwrap(),
        None,
        "the dialogue ended"
    );
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    assert!(
        tx.defects_of_unit(unit, None).await.unwrap().is_empty(),
        "nothing was saved"
    );
    tx.commit().await.unwrap();

    // Back with Li Lei, who starts the handover checklist and is deactivated half-way.
    reply_to(&app, &supervisor, "/reassign 1-1-101 Li Lei").await;
    wait_text(&app, &supervisor, "现由 Li Lei 负责").await;
    reply_to(&app, &li, "/handover 1-1-101").await;
    wait_text(&app, &li, "入户门钥匙几把").await;
    reply_to(&app, &supervisor, "/deactivate Li Lei").await;
    wait_text(&app, &supervisor, "已停用 Li Lei").await;
    press(&app, &li, "2").await;
    // The answer to the press (the notice of the deactivation says it too, without this).
    wait_text(&app, &li, "无法再进行操作").await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(
        tx.dialogue(li.id).await.unwrap(),
        None,
        "the checklist ended"
    );
    tx.commit().await.unwrap();
    app.stop().await;
}
