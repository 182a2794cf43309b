//! Linking Telegram accounts: contacts, invite codes, greetings, menus, restarts.

use crate::support::app::TestApp;
use crate::support::people::{
    buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers, load_staff, reply_to,
};
use crate::support::text::{fixed, head, says, zh};
use handover_bot::domain::people::Actor;

async fn actor_of(app: &TestApp, telegram_id: i64) -> Actor {
    app.services()
        .identify(telegram_id, None)
        .await
        .expect("identify")
        .actor
}

async fn audit_rows(app: &TestApp) -> i64 {
    let mut tx = app.services().store.read().await.unwrap();
    let n = tx.audit_count().await.unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_who_shares_their_own_contact_is_linked_greeted_by_name_and_given_the_buyer_menu() {
    let app = TestApp::start().await;
    load_buyers(
        &app,
        "楼栋,单元,房号,姓名,手机号\n3,2,1502,张伟,138 0013 8000\n",
    )
    .await;
    let buyer = app.fake.user(5001, "伟");

    app.fake.send_text(&buyer, "/start");
    let ask = app
        .fake
        .wait_for_message(buyer.id, |m| m.reply_markup.is_some())
        .await;
    assert!(
        says(&ask.plain_text, "start-share-phone"),
        "{}",
        ask.plain_text
    );
    let keyboard = ask.reply_markup.clone().unwrap();
    assert_eq!(
        keyboard["keyboard"][0][0]["request_contact"], true,
        "{keyboard}"
    );

    app.fake
        .share_contact(&buyer, "+8613800138000", Some(buyer.id), "伟");
    let greeting = app
        .fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("张伟"))
        .await;
    assert!(
        greeting
            .plain_text
            .contains(&head("greeting-buyer", &[("name", "张伟".into())])),
        "greeted in zh-CN: {}",
        greeting.plain_text
    );
    assert!(
        greeting.plain_text.contains("3-2-1502"),
        "names the home: {}",
        greeting.plain_text
    );
    assert!(
        greeting.plain_text.contains("/myhome"),
        "shows the buyer menu: {}",
        greeting.plain_text
    );
    assert!(
        !greeting.plain_text.contains("/import"),
        "no supervisor commands: {}",
        greeting.plain_text
    );

    let menu = app
        .fake
        .commands_for_chat(buyer.id)
        .expect("a per-chat command menu");
    let names: Vec<&str> = menu.iter().map(|(c, _)| c.as_str()).collect();
    assert!(
        names.contains(&"myhome") && names.contains(&"language"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"import") && !names.contains(&"invite"),
        "{names:?}"
    );

    assert!(
        matches!(actor_of(&app, buyer.id).await, Actor::Buyer(homes) if homes[0].name == "张伟")
    );
    let _ = buyer_phone;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_elses_contact_is_refused_and_an_unknown_phone_changes_nothing() {
    let app = TestApp::start().await;
    load_buyers(&app, &buyers_csv(3)).await;
    let audit_before = audit_rows(&app).await;
    let person = app.fake.user(5002, "Li");

    // A buyer's contact forwarded by someone else.
    app.fake
        .share_contact(&person, &buyer_phone(1), Some(999_999), "Buyer 1");
    let refusal = app.fake.wait_for_message(person.id, |_| true).await;
    assert!(
        refusal.plain_text.contains(&fixed("contact-not-own")),
        "{}",
        refusal.plain_text
    );
    assert_eq!(actor_of(&app, person.id).await, Actor::Unknown);

    // Their own contact, but a phone nobody has on file.
    app.fake
        .share_contact(&person, "+8613700000000", Some(person.id), "Li");
    let no_match = app
        .fake
        .wait_for_messages(person.id, 2)
        .await
        .pop()
        .unwrap();
    assert!(
        says(&no_match.plain_text, "contact-no-match"),
        "{}",
        no_match.plain_text
    );
    assert_eq!(actor_of(&app, person.id).await, Actor::Unknown);
    assert_eq!(audit_rows(&app).await, audit_before, "nothing was written");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_link_through_a_one_time_invite_link_that_expires() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 6001).await;

    app.fake.send_text(&supervisor, "/invite ambassador 李雷");
    let created = app
        .fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains("?start="))
        .await;
    let link = created
        .plain_text
        .split_whitespace()
        .find(|w| w.contains("?start="))
        .expect("a link")
        .to_string();
    assert!(
        link.starts_with(&format!("https://t.me/{}?start=", app.fake.bot_username())),
        "{link}"
    );
    let code = link.split("?start=").nth(1).unwrap().to_string();
    assert!(
        code.len() <= 64
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    );

    let ambassador = app.fake.user(6002, "Lei");
    app.fake.send_text(&ambassador, &format!("/start {code}"));
    let greeting = app.fake.wait_for_message(ambassador.id, |_| true).await;
    assert!(
        greeting.plain_text.contains(&head(
            "greeting-staff",
            &[
                ("name", "李雷".into()),
                ("roles", zh("role-ambassador", &[]).into())
            ]
        )),
        "{}",
        greeting.plain_text
    );
    match actor_of(&app, ambassador.id).await {
        Actor::Staff(staff) => assert_eq!(staff.name, "李雷"),
        other => panic!("not linked as staff: {other:?}"),
    }

    // The same code again, from someone else.
    let intruder = app.fake.user(6003, "Eve");
    app.fake.send_text(&intruder, &format!("/start {code}"));
    let refused = app.fake.wait_for_message(intruder.id, |_| true).await;
    assert!(
        refused.plain_text.contains(&fixed("invite-used")),
        "{}",
        refused.plain_text
    );
    assert_eq!(actor_of(&app, intruder.id).await, Actor::Unknown);

    // A fresh code used after it expired.
    app.fake.send_text(&supervisor, "/invite engineer");
    let before = app.fake.sent_messages(supervisor.id).len();
    let second = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains("?start=") && !m.plain_text.contains(&code)
        })
        .await;
    assert!(app.fake.sent_messages(supervisor.id).len() >= before);
    let code2 = second
        .plain_text
        .split("?start=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    app.clock.advance(chrono::Duration::hours(73));
    app.fake.send_text(&intruder, &format!("/start {code2}"));
    let expired = app
        .fake
        .wait_for_messages(intruder.id, 2)
        .await
        .pop()
        .unwrap();
    assert!(
        expired.plain_text.contains(&fixed("invite-expired")),
        "{}",
        expired.plain_text
    );
    assert_eq!(actor_of(&app, intruder.id).await, Actor::Unknown);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_html_is_shown_literally_and_telegram_accepts_the_message() {
    let app = TestApp::start().await;
    load_buyers(
        &app,
        "building,room,name,phone,language\n1,101,\"<b>Tom & \"\"Jerry\"\"</b>\",13900001111,en\n",
    )
    .await;
    let tom = app.fake.user(7001, "Tom");
    link_by_contact(&app, &tom, "13900001111").await;
    let greeting = app
        .fake
        .wait_for_message(tom.id, |m| m.plain_text.contains("Hello"))
        .await;
    assert!(
        greeting.plain_text.contains("<b>Tom & \"Jerry\"</b>"),
        "{}",
        greeting.plain_text
    );
    assert_eq!(greeting.parse_mode.as_deref(), Some("HTML"));
    assert!(
        greeting
            .text
            .as_deref()
            .unwrap()
            .contains("&lt;b&gt;Tom &amp;"),
        "escaped on the wire"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_people_stay_linked_after_a_restart() {
    let mut app = TestApp::start().await;
    load_buyers(&app, &buyers_csv(2)).await;
    let buyer = app.fake.user(8001, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;

    app.restart().await;

    let welcome = reply_to(&app, &buyer, "/start").await;
    assert!(
        welcome.plain_text.contains(&fixed("welcome-back"))
            && welcome.plain_text.contains("Buyer 0"),
        "{}",
        welcome.plain_text
    );
    assert!(matches!(actor_of(&app, buyer.id).await, Actor::Buyer(_)));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_confirms_or_corrects_the_mailing_address_once() {
    let app = TestApp::start().await;
    load_buyers(&app, &buyers_csv(1)).await;
    let buyer = app.fake.user(8101, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;
    let question = app
        .fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("Harbour Road"))
        .await;

    app.fake
        .press_button_with_text(&buyer, &question, &zh("button-address-fix", &[]));
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.contains(&fixed("address-enter-new"))
        })
        .await;
    // A photo where text is expected keeps the flow and says what is needed.
    app.fake
        .send_photo(&buyer, vec![0xFF, 0xD8, 0xFF, 0xE0], None);
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.contains(&fixed("address-text-expected"))
        })
        .await;
    let address = "上海市浦东新区海港路 8 号 1502 室";
    app.fake.send_text(&buyer, address);
    let saved = zh("address-saved", &[("address", address.into())]);
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&saved))
        .await;

    match actor_of(&app, buyer.id).await {
        Actor::Buyer(homes) => {
            assert_eq!(
                homes[0].mailing_address.as_deref(),
                Some("上海市浦东新区海港路 8 号 1502 室")
            );
            assert!(homes[0].address_confirmed);
        }
        other => panic!("{other:?}"),
    }
    // The old question's buttons are gone; pressing its stale data is answered, not acted on.
    let before = app.fake.sent_messages(buyer.id).len();
    app.fake.send_text(&buyer, "/start");
    let messages = app.fake.wait_for_messages(buyer.id, before + 1).await;
    assert!(
        messages[before..]
            .iter()
            .all(|m| !says(&m.plain_text, "address-ask")),
        "asked only once"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_with_a_phone_on_file_link_by_contact_and_see_their_role_menu() {
    let app = TestApp::start().await;
    load_staff(
        &app,
        "姓名,手机号,角色,资历\n赵敏,13800000009,交付大使,资深\n",
    )
    .await;
    let zhao = app.fake.user(8201, "敏");
    link_by_contact(&app, &zhao, "+86 138 0000 0009").await;
    let greeting = app
        .fake
        .wait_for_message(zhao.id, |m| m.plain_text.contains("赵敏"))
        .await;
    assert!(
        greeting.plain_text.contains(&head(
            "greeting-staff",
            &[
                ("name", "赵敏".into()),
                ("roles", zh("role-ambassador", &[]).into())
            ]
        )),
        "{}",
        greeting.plain_text
    );
    let menu = app.fake.commands_for_chat(zhao.id).expect("menu");
    assert!(menu.iter().any(|(c, _)| c == "me"));
    assert!(!menu.iter().any(|(c, _)| c == "import" || c == "myhome"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_delivered_again_after_a_restart_is_not_handled_twice() {
    let mut app = TestApp::start().await;
    let person = app.fake.user(8301, "Ann");
    let update = app.fake.send_text(&person, "/help");
    app.fake.wait_for_messages(person.id, 1).await;
    app.restart().await;
    // Telegram delivers the same update once more, then a new one.
    app.fake.redeliver(update);
    app.fake.send_text(&person, "/language");
    app.fake
        .wait_for_message(person.id, |m| {
            m.plain_text.contains(&fixed("language-choose"))
        })
        .await;
    let answers = app.fake.sent_messages(person.id);
    assert_eq!(
        answers.len(),
        2,
        "one answer to /help, one to /language: {:?}",
        answers.iter().map(|m| &m.plain_text).collect::<Vec<_>>()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_marked_left_or_deactivated_lose_access_and_their_phone_links_nobody() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 8_501).await;
    load_staff(
        &app,
        "name,phone,roles\nLi Lei,13700000001,ambassador\nHan Mei,13700000002,engineer\n",
    )
    .await;
    let li = app.fake.user(8_502, "Lei");
    link_by_contact(&app, &li, "+8613700000001").await;
    let han = app.fake.user(8_503, "Mei");
    link_by_contact(&app, &han, "+8613700000002").await;

    // The staff file marks Li Lei as left.
    let file = "姓名,手机号,角色,状态\nLi Lei,13700000001,交付大使,离职\n";
    app.fake.send_document(
        &supervisor,
        "staff.csv",
        "text/csv",
        file.as_bytes().to_vec(),
        None,
    );
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("import-done"))
        })
        .await;
    // The answer to the command (the notice of the change says it too, without this).
    app.fake.send_text(&li, "/today");
    app.fake
        .wait_for_message(li.id, |m| m.plain_text.contains(&fixed("access-ended")))
        .await;
    assert_eq!(actor_of(&app, li.id).await, Actor::Unknown);

    // A supervisor deactivates Han Mei by command.
    let done = reply_to(&app, &supervisor, "/deactivate Han Mei").await;
    assert!(
        done.plain_text
            .contains(&zh("deactivate-done", &[("name", "Han Mei".into())])),
        "{}",
        done.plain_text
    );
    // The answer to the command (the notice of the change says it too, without this).
    app.fake.send_text(&han, "/tasks");
    app.fake
        .wait_for_message(han.id, |m| m.plain_text.contains(&fixed("access-ended")))
        .await;

    // Their numbers, given to someone else by the carrier, link nobody.
    let newcomer = app.fake.user(8_504, "New");
    app.fake.send_text(&newcomer, "/start");
    app.fake
        .wait_for_message(newcomer.id, |m| m.reply_markup.is_some())
        .await;
    app.fake
        .share_contact(&newcomer, "+8613700000001", Some(newcomer.id), "New");
    app.fake
        .wait_for_message(newcomer.id, |m| says(&m.plain_text, "contact-no-match"))
        .await;
    assert_eq!(actor_of(&app, newcomer.id).await, Actor::Unknown);

    // The supervisor's menu and help show the command.
    let help = reply_to(&app, &supervisor, "/help").await;
    assert!(
        help.plain_text.contains("/deactivate"),
        "{}",
        help.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyers_corrected_phone_moves_the_home_and_the_old_account_is_told_and_unlinked() {
    let app = TestApp::start().await;
    load_buyers(&app, &buyers_csv(1)).await;
    let old = app.fake.user(8_601, "Old");
    link_by_contact(&app, &old, &buyer_phone(0)).await;
    let supervisor = linked_supervisor(&app, 8_602).await;

    let file = "building,entrance,room,name,phone\n1,1,101,Buyer 0,13911112222\n";
    app.fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        file.as_bytes().to_vec(),
        None,
    );
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("import-done"))
        })
        .await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(tx.people_counts().await.unwrap().buyers, 1, "no second row");
    tx.commit().await.unwrap();

    // The old account is told, and keeps nothing.
    app.fake
        .wait_for_message(old.id, |m| {
            m.plain_text.contains(&fixed("access-phone-moved"))
        })
        .await;
    assert_eq!(actor_of(&app, old.id).await, Actor::Unknown);
    // The answer to the command (the notice of the change says it too, without this).
    app.fake.send_text(&old, "/myhome");
    app.fake
        .wait_for_message(old.id, |m| m.plain_text.contains(&fixed("access-ended")))
        .await;

    // Whoever holds the old number now gets no household; the new number does.
    let recycled = app.fake.user(8_603, "Recycled");
    app.fake.send_text(&recycled, "/start");
    app.fake
        .wait_for_message(recycled.id, |m| m.reply_markup.is_some())
        .await;
    app.fake
        .share_contact(&recycled, &buyer_phone(0), Some(recycled.id), "Recycled");
    app.fake
        .wait_for_message(recycled.id, |m| says(&m.plain_text, "contact-no-match"))
        .await;
    let new = app.fake.user(8_604, "New");
    link_by_contact(&app, &new, "+8613911112222").await;
    assert!(matches!(actor_of(&app, new.id).await, Actor::Buyer(_)));
    app.stop().await;
}
