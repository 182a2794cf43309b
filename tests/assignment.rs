//! The delivery-ambassador system: auto-assignment with a preview, away and back with backups,
//! and nobody seeing another ambassador's buyers.

use crate::support::app::TestApp;
use crate::support::fake_telegram::User;
use crate::support::people::{
    buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers, load_staff, reply_to,
};
use crate::support::text::{fixed, zh};
use handover_bot::domain::people::Actor;
use handover_bot::services::assignment::{AssignmentPreview, Planner};
use std::collections::{BTreeMap, BTreeSet};

async fn actor_of(app: &TestApp, telegram_id: i64) -> Actor {
    app.services()
        .identify(telegram_id, None)
        .await
        .unwrap()
        .actor
}

/// Households per ambassador name, read back through the supervisor's overview.
async fn loads(
    app: &TestApp,
    supervisor: &Actor,
) -> BTreeMap<String, Vec<handover_bot::store::assignment::Household>> {
    app.services()
        .ambassador_overview(supervisor)
        .await
        .unwrap()
        .into_iter()
        .map(|(load, households)| (load.staff.name, households))
        .collect()
}

fn preview_lists_every_line(text: &str, preview: &AssignmentPreview) {
    for line in preview.lines.iter().filter(|l| l.households > 0) {
        let star = if line.senior { "⭐" } else { "" };
        let expected = format!("{}{star}：+{} 户", line.name, line.households);
        assert!(text.contains(&expected), "{expected:?} missing in\n{text}");
    }
}

const CAPACITIES: [u32; 12] = [30, 28, 26, 34, 24, 22, 32, 20, 36, 25, 27, 21];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_buyers_are_placed_by_capacity_tier_and_building_as_previewed() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    let mut staff = String::from("name,phone,roles,seniority,capacity\n");
    for (i, capacity) in CAPACITIES.iter().enumerate() {
        let seniority = if i < 3 { "senior" } else { "regular" };
        staff.push_str(&format!(
            "Amb {:02},1370000{:04},ambassador,{seniority},{capacity}\n",
            i + 1,
            i + 1
        ));
    }
    staff.push_str("Backup 1,13700009001,backup_ambassador,regular,30\n");
    staff.push_str("Backup 2,13700009002,backup_ambassador,senior,30\n");
    load_staff(&app, &staff).await;
    let mut buyers = String::from("building,entrance,room,name,phone,tier,risk_flags\n");
    for i in 0..300 {
        // 20 A+ buyers (every 15th) and 15 flagged ones (every 20th, offset), spread over
        // 10 buildings of 30 homes.
        let tier = if i % 15 == 0 { "A+" } else { "B" };
        let flags = if i % 20 == 7 { "群诉" } else { "" };
        buyers.push_str(&format!(
            "{},1,{},Buyer {i},1390000{i:04},{tier},{flags}\n",
            1 + i / 30,
            101 + i % 30
        ));
    }
    load_buyers(&app, &buyers).await;
    let sup_actor = actor_of(&app, supervisor.id).await;

    // The preview, then the data changes under it: Confirm refuses and shows a fresh plan.
    let first = reply_to(&app, &supervisor, "/assign").await;
    let stale_preview = app
        .services()
        .assignment_preview(Planner::Supervisor(&sup_actor))
        .await
        .unwrap();
    assert_eq!(stale_preview.placed, 300);
    preview_lists_every_line(&first.plain_text, &stale_preview);
    load_buyers(
        &app,
        "building,entrance,room,name,phone,tier\n11,1,101,Late Buyer,13911112222,B\n",
    )
    .await;
    let before = app.fake.sent_messages(supervisor.id).len();
    app.fake
        .press_button_with_text(&supervisor, &first, &zh("button-assign-confirm", &[]));
    let replies = app.fake.wait_for_messages(supervisor.id, before + 2).await;
    assert!(
        replies[before].plain_text.contains(&fixed("assign-stale")),
        "{}",
        replies[before].plain_text
    );
    let fresh = &replies[before + 1];
    let preview = app
        .services()
        .assignment_preview(Planner::Supervisor(&sup_actor))
        .await
        .unwrap();
    assert_eq!(preview.placed, 301);
    assert!(preview.unplaced.is_empty());
    preview_lists_every_line(&fresh.plain_text, &preview);
    assert!(
        loads(&app, &sup_actor).await.values().all(Vec::is_empty),
        "nothing written yet"
    );

    app.fake
        .press_button_with_text(&supervisor, fresh, &zh("button-assign-confirm", &[]));
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains("已分配 301 户"))
        .await;

    // What Confirm wrote is what the preview showed.
    let written = loads(&app, &sup_actor).await;
    for line in &preview.lines {
        assert_eq!(written[&line.name].len(), line.households, "{}", line.name);
    }
    // Load within one household of each ambassador's capacity share.
    let total: u32 = CAPACITIES.iter().sum();
    for (i, capacity) in CAPACITIES.iter().enumerate() {
        let name = format!("Amb {:02}", i + 1);
        let load = written[&name].len() as f64;
        let share = 301.0 * f64::from(*capacity) / f64::from(total);
        assert!(load <= f64::from(*capacity));
        assert!(
            (load - share).abs() <= 1.0,
            "{name}: {load} vs share {share:.1}"
        );
    }
    assert!(written["Backup 1"].is_empty() && written["Backup 2"].is_empty());
    // Every A+ and flagged household is with a senior ambassador.
    let seniors: BTreeSet<String> = (1..=3).map(|i| format!("Amb {i:02}")).collect();
    let mut sensitive = 0;
    for (name, households) in &written {
        for household in households.iter().filter(|h| h.sensitive()) {
            sensitive += 1;
            assert!(
                seniors.contains(name),
                "{} is with {name}",
                household.unit.short()
            );
        }
    }
    assert_eq!(sensitive, 35);
    // Buildings stay together: a building changes hands only where a quota ran out (one
    // split per ambassador at most), plus the seniors who take the sensitive buyers of any
    // building.
    let pairs: BTreeSet<(String, String)> = written
        .iter()
        .flat_map(|(name, hs)| {
            hs.iter()
                .map(move |h| (h.unit.building.clone(), name.clone()))
        })
        .collect();
    let buildings = 11;
    assert!(
        pairs.len() <= buildings + 12 - 1 + buildings,
        "{} building–ambassador pairs",
        pairs.len()
    );

    // Nothing left to do.
    let again = reply_to(&app, &supervisor, "/assign").await;
    assert!(
        again.plain_text.contains(&fixed("assign-nothing")),
        "{}",
        again.plain_text
    );
    app.stop().await;
}

struct AwayCase {
    app: TestApp,
    supervisor: User,
    ambassador: User,
    backups: [User; 2],
    buyers: Vec<User>,
}

async fn away_case() -> AwayCase {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    load_staff(
        &app,
        "name,phone,roles,seniority,capacity\n\
         Li Lei,13700000001,ambassador,regular,10\n\
         Backup A,13700000002,backup_ambassador,regular,5\n\
         Backup B,13700000003,backup_ambassador,senior,5\n",
    )
    .await;
    load_buyers(&app, &buyers_csv(4)).await;
    let ambassador = app.fake.user(8_301, "Lei");
    link_by_contact(&app, &ambassador, "+8613700000001").await;
    let backups = [app.fake.user(8_302, "BA"), app.fake.user(8_303, "BB")];
    link_by_contact(&app, &backups[0], "+8613700000002").await;
    link_by_contact(&app, &backups[1], "+8613700000003").await;
    let mut buyers = Vec::new();
    for i in 0..4 {
        let buyer = app.fake.user(8_201 + i as i64, &format!("B{i}"));
        link_by_contact(&app, &buyer, &buyer_phone(i)).await;
        buyers.push(buyer);
    }
    AwayCase {
        app,
        supervisor,
        ambassador,
        backups,
        buyers,
    }
}

/// Sends /customers and returns the list the bot answers with (notifications may arrive in
/// between).
async fn customers(app: &TestApp, person: &User) -> String {
    let before = app.fake.sent_messages(person.id).len();
    app.fake.send_text(person, "/customers");
    loop {
        let messages = app.fake.wait_for_messages(person.id, before + 1).await;
        if let Some(list) = messages[before..]
            .iter()
            .find(|m| m.plain_text.contains("我的业主"))
        {
            return list.plain_text.clone();
        }
        app.fake
            .wait_for_messages(person.id, messages.len() + 1)
            .await;
    }
}

fn count(app: &TestApp, chat: i64, needle: &str) -> usize {
    app.fake
        .sent_messages(chat)
        .iter()
        .filter(|m| m.plain_text.contains(needle))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_away_ambassadors_buyers_move_to_backups_and_return_after_back_and_confirmation() {
    let AwayCase {
        app,
        supervisor,
        ambassador,
        backups,
        buyers,
    } = away_case().await;
    let preview = reply_to(&app, &supervisor, "/assign").await;
    app.fake
        .press_button_with_text(&supervisor, &preview, &zh("button-assign-confirm", &[]));
    for buyer in &buyers {
        app.fake
            .wait_for_message(buyer.id, |m| m.plain_text.contains("专属交付大使"))
            .await;
    }
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains("新增 4 户由您负责")
        })
        .await;

    // The answer and the outbox's "handed on" list can arrive in either order.
    app.fake.send_text(&ambassador, "/away 2026-12-05");
    let answer = app
        .fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("已请假"))
        .await;
    assert!(
        answer.plain_text.contains("已请假（2026-12-05）"),
        "{}",
        answer.plain_text
    );
    assert!(
        answer.plain_text.contains("4 户已转交应急大使"),
        "{}",
        answer.plain_text
    );
    for buyer in &buyers {
        app.fake
            .wait_for_message(buyer.id, |m| m.plain_text.contains("请假期间"))
            .await;
    }
    for backup in &backups {
        app.fake
            .wait_for_message(backup.id, |m| m.plain_text.contains("新增 2 户由您负责"))
            .await;
        let list = customers(&app, backup).await;
        assert!(list.contains("2/2 户"), "{}", list);
    }
    app.fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("4 户已转交他人"))
        .await;
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains("4 户已调整（请假代管）")
        })
        .await;
    let mine = customers(&app, &ambassador).await;
    assert!(mine.contains("这里没有业主"), "{}", mine);

    // Back at work: the households return only when a supervisor confirms.
    let back = reply_to(&app, &ambassador, "/back").await;
    assert!(back.plain_text.contains("欢迎回来"), "{}", back.plain_text);
    let ask = app
        .fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains("Li Lei 已回岗"))
        .await;
    let still = customers(&app, &ambassador).await;
    assert!(still.contains("这里没有业主"), "{}", still);
    app.fake.press_button_with_text(
        &supervisor,
        &ask,
        &zh("button-return", &[("count", 4i64.into())]),
    );
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains("4 户已交还给 Li Lei")
        })
        .await;
    for buyer in &buyers {
        app.fake
            .wait_for_message(buyer.id, |m| m.plain_text.contains("已回岗"))
            .await;
    }
    let mine = customers(&app, &ambassador).await;
    assert!(mine.contains("4/4 户"), "{}", mine);
    for backup in &backups {
        let list = customers(&app, backup).await;
        assert!(list.contains("这里没有业主"), "{}", list);
    }
    // Each buyer heard of each move exactly once.
    for buyer in &buyers {
        assert_eq!(count(&app, buyer.id, "专属交付大使"), 1);
        assert_eq!(count(&app, buyer.id, "请假期间"), 1);
        assert_eq!(count(&app, buyer.id, "已回岗"), 1);
    }
    // The end date passing later changes nothing more.
    app.advance(chrono::Duration::days(10));
    let mine = customers(&app, &ambassador).await;
    assert!(mine.contains("4/4 户"), "{}", mine);

    // An absence with an end date ends by itself, and the supervisors are asked again.
    // The notice of the households handed back may arrive first: wait for the answer itself.
    let away = crate::support::people::reply_matching(&app, &ambassador, "/away 2026-12-08", |m| {
        m.plain_text.contains("已请假")
    })
    .await;
    assert!(
        away.plain_text.contains("已请假（2026-12-08）"),
        "{}",
        away.plain_text
    );
    app.advance(chrono::Duration::days(3));
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains("Li Lei 已回岗") && m.message_id > ask.message_id
        })
        .await;
    let overview = reply_to(&app, &supervisor, "/ambassadors").await;
    assert!(
        overview.plain_text.contains("Li Lei（交付大使）：0/10 户"),
        "{}",
        overview.plain_text
    );
    assert!(
        overview.plain_text.contains("应急代管 4 户 —— 在岗"),
        "{}",
        overview.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambassador_cannot_open_another_ambassadors_buyer_by_command_or_button() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    load_staff(
        &app,
        "name,phone,roles,capacity\n\
         Amb A,13700000011,ambassador,1\n\
         Amb B,13700000012,ambassador,1\n",
    )
    .await;
    load_buyers(&app, &buyers_csv(2)).await;
    let a = app.fake.user(8_401, "A");
    let b = app.fake.user(8_402, "B");
    link_by_contact(&app, &a, "+8613700000011").await;
    link_by_contact(&app, &b, "+8613700000012").await;
    let preview = reply_to(&app, &supervisor, "/assign").await;
    app.fake
        .press_button_with_text(&supervisor, &preview, &zh("button-assign-confirm", &[]));
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains("已分配 2 户"))
        .await;
    let a_actor = actor_of(&app, a.id).await;
    let b_actor = actor_of(&app, b.id).await;
    let mine = app.services().my_households(&a_actor).await.unwrap();
    let theirs = app.services().my_households(&b_actor).await.unwrap();
    assert_eq!((mine.len(), theirs.len()), (1, 1));
    let (mine, theirs) = (&mine[0], &theirs[0]);
    let secret_name = theirs.names[0].clone();

    // The list pages and filters in place; the filter already shown changes nothing.
    let list = reply_to(&app, &a, "/customers").await;
    assert!(
        list.plain_text.contains("全部：1/1 户"),
        "{}",
        list.plain_text
    );
    app.fake.press_button_with_text(
        &a,
        &list,
        &zh("button-chosen", &[("label", zh("stage-all", &[]).into())]),
    );
    app.fake
        .press_button_with_text(&a, &list, &zh("stage-invited", &[]));
    app.fake
        .wait_for_request("editMessageText", |r| r.is_ok())
        .await;
    let edited = app.fake.message(a.id, list.message_id).unwrap();
    assert!(
        edited.plain_text.contains("已邀约：0/1 户"),
        "{}",
        edited.plain_text
    );
    assert!(
        edited.plain_text.contains(&fixed("customers-none")),
        "{}",
        edited.plain_text
    );

    // By command, by unit or by name.
    for query in [theirs.unit.short(), secret_name.clone()] {
        let answer = reply_to(&app, &a, &format!("/customer {query}")).await;
        assert!(
            answer.plain_text.contains(&fixed("household-not-yours")),
            "{}",
            answer.plain_text
        );
    }
    // Their own card works, and has a note button.
    let card = reply_to(&app, &a, &format!("/customer {}", mine.unit.short())).await;
    assert!(
        card.plain_text.contains(&mine.names[0]),
        "{}",
        card.plain_text
    );

    // By a crafted button on a real message of theirs: refused in the callback answer.
    for data in [
        format!("1:card:{}", theirs.unit.unit_id),
        format!("1:note:{}", theirs.unit.unit_id),
    ] {
        let before = app.fake.sent_messages(a.id).len();
        let query = app.fake.press_crafted_button(&a, &card, &data);
        let answer = app.fake.callback_answer(&query).await;
        assert!(answer.contains("不由您负责"), "{answer}");
        assert_eq!(
            app.fake.sent_messages(a.id).len(),
            before,
            "nothing else sent"
        );
    }
    // A note button from when the household was theirs stops working after a reassignment.
    let moved = reply_to(
        &app,
        &supervisor,
        &format!("/reassign {} Amb B", mine.unit.short()),
    )
    .await;
    assert!(
        moved.plain_text.contains("现由 Amb B 负责"),
        "{}",
        moved.plain_text
    );
    let query = app
        .fake
        .press_button_with_text(&a, &card, &zh("button-add-note", &[]));
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains("不由您负责"));
    // An ambassador's crafted "return" button is refused too.
    let query = app.fake.press_crafted_button(&a, &card, "1:ret:1");
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains("/back"));

    // A buyer has no ambassador commands at all.
    let buyer = app.fake.user(8_501, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;
    app.fake.send_text(&buyer, "/customers");
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.contains("/customers 不对您的角色开放")
        })
        .await;
    // Nothing of B's buyer reached A beyond what A typed: no phone, no card.
    let index: usize = secret_name.trim_start_matches("Buyer ").parse().unwrap();
    let secret_phone = format!("+861390000{index:04}");
    let secret_card = format!("🏠 {}", theirs.unit.short());
    assert!(
        app.fake.sent_messages(a.id).iter().all(|m| {
            !m.plain_text.contains(&secret_phone) && !m.plain_text.contains(&secret_card)
        }),
        "A saw B's buyer"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_reaches_their_ambassador_through_the_bot_and_gets_the_reply() {
    let AwayCase {
        app,
        supervisor,
        ambassador,
        backups,
        buyers,
    } = away_case().await;
    let buyer = &buyers[0];
    // Before anyone is assigned, the supervisors read it.
    let answer = reply_to(&app, buyer, "When can I see the flat? <soon> & thanks").await;
    assert!(
        answer.plain_text.contains(&fixed("relay-sent-team")),
        "{}",
        answer.plain_text
    );
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text
                .contains("When can I see the flat? <soon> & thanks")
        })
        .await;

    let preview = reply_to(&app, &supervisor, "/assign").await;
    app.fake
        .press_button_with_text(&supervisor, &preview, &zh("button-assign-confirm", &[]));
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("专属交付大使"))
        .await;
    let answer = reply_to(&app, buyer, "门锁有问题").await;
    assert!(
        answer.plain_text.contains("已转达给您的交付大使 Li Lei"),
        "{}",
        answer.plain_text
    );
    let relayed = app
        .fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("门锁有问题"))
        .await;
    assert!(
        relayed.plain_text.contains("1-1-101 Buyer 0"),
        "{}",
        relayed.plain_text
    );
    app.fake
        .press_button_with_text(&ambassador, &relayed, &zh("button-reply", &[]));
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains(&fixed("reply-enter"))
        })
        .await;
    let sent = reply_to(&app, &ambassador, "明天上午十点我带师傅上门").await;
    assert!(
        sent.plain_text.contains("已发送给这户的 1 位业主"),
        "{}",
        sent.plain_text
    );
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.contains("您的交付大使 Li Lei：") && m.plain_text.contains("明天上午十点")
        })
        .await;
    // Someone else's household is not theirs to answer: a backup's crafted reply is refused.
    let own = app.fake.last_message(backups[0].id).unwrap();
    let unit = relayed.callback_data_for("↩️ 回复").unwrap();
    let query = app.fake.press_crafted_button(&backups[0], &own, &unit);
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&fixed("household-not-yours-short"))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ambassador_is_told_the_questions_their_households_asked_before_and_nobody_answered()
{
    let AwayCase {
        app,
        supervisor,
        ambassador,
        buyers,
        ..
    } = away_case().await;
    // Before anyone is assigned, two buyers write; the supervisors get both and answer one.
    app.fake
        .send_text(&buyers[0], "请问钥匙什么时候能拿到？<急>");
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains("钥匙什么时候能拿到")
        })
        .await;
    app.fake.send_text(&buyers[1], "我想改一下邮寄地址");
    let question = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains("我想改一下邮寄地址")
        })
        .await;
    app.fake
        .press_button_with_text(&supervisor, &question, &zh("button-reply", &[]));
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("reply-enter"))
        })
        .await;
    app.fake.send_text(&supervisor, "好的，请发来新地址");
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("reply-sent"))
        })
        .await;

    let plan = reply_to(&app, &supervisor, "/assign").await;
    app.fake
        .press_button_with_text(&supervisor, &plan, &zh("button-assign-confirm", &[]));
    let introduction = app
        .fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("户由您负责"))
        .await;
    let text = &introduction.plain_text;
    assert!(
        text.contains("请问钥匙什么时候能拿到？<急>"),
        "the unanswered question is missing:\n{text}"
    );
    assert!(text.contains("1-1-101 Buyer 0"), "{text}");
    assert!(
        !text.contains("我想改一下邮寄地址"),
        "an answered question is listed:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn co_owners_names_are_listed_in_the_readers_language() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    load_staff(
        &app,
        "name,phone,roles,seniority,capacity\nLi Lei,13700000001,ambassador,regular,10\n",
    )
    .await;
    load_buyers(
        &app,
        "building,entrance,room,name,phone,tier,mailing_address\n\
         1,1,101,Li,13900000001,B,\"No. 1 Harbour Road\"\n\
         1,1,101,Wang,13900000002,B,\"No. 1 Harbour Road\"\n",
    )
    .await;
    let ambassador = app.fake.user(8_301, "Lei");
    link_by_contact(&app, &ambassador, "+8613700000001").await;
    let preview = reply_to(&app, &supervisor, "/assign").await;
    app.fake
        .press_button_with_text(&supervisor, &preview, &zh("button-assign-confirm", &[]));
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains("新增 1 户由您负责")
        })
        .await;

    // A zh-CN reader sees the names joined the Chinese way.
    let list = customers(&app, &ambassador).await;
    assert!(list.contains("Li、Wang"), "{list}");

    // The same ambassador in English sees an English list.
    app.fake.send_text(&ambassador, "/language");
    let choose = app
        .fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("请选择"))
        .await;
    app.fake
        .press_button_with_text(&ambassador, &choose, "English");
    app.fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("speak English"))
        .await;
    app.fake.send_text(&ambassador, "/customers");
    let list = app
        .fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains("My buyers"))
        .await;
    assert!(list.plain_text.contains("Li, Wang"), "{}", list.plain_text);
    assert!(!list.plain_text.contains('、'), "{}", list.plain_text);
}
