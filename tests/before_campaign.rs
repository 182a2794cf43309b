//! Before the campaign, through the bot: a risk register imported as a spreadsheet reaches the
//! households of its unit type (their cards, their ambassador's `/today`) and nobody else, its
//! owner is chased once; a key household's early call logged as hostile flags it and tells the
//! supervisors; an unreached one goes to the supervisors once; the digest counts down.

use crate::support::fake_telegram::SentMessage;
use crate::support::people::reply_to;
use crate::support::site::Site;
use crate::support::steps::{press_button, press_on, wait_text};
use crate::support::text::fixed;
use chrono::Duration;
use handover_bot::bot::callback::Callback;
use handover_bot::clock::Clock as _;
use handover_bot::domain::precontact::Attitude;

/// 1-1-101 (A+, type A2), 1-1-102 (type B1), 2-1-103 (type "a2", as sales systems also write it).
const BUYERS: &str = "building,entrance,room,name,phone,tier,unit_type\n\
    1,1,101,Buyer 0,13900000000,A+,A2\n\
    1,1,102,Buyer 1,13900000001,B,B1\n\
    2,1,103,Buyer 2,13900000002,B,a2\n";

const REGISTER: &str = "风险清单\n风险类别,范围,户型,差异描述,应对措施,责任人,严重程度\n\
    销售承诺/楼书,户型,A2,楼书写落地窗实为普通窗,,Li Lei,高\n";

fn body(message: &SentMessage) -> String {
    message.text.clone().unwrap_or_default()
}

fn texts(messages: &[SentMessage], needle: &str) -> usize {
    messages.iter().filter(|m| body(m).contains(needle)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_type_risk_reaches_its_households_and_its_owner_is_chased_once() {
    let c = Site::new()
        .buyers_file(BUYERS)
        .senior()
        .linked(&[1, 2])
        .assigned()
        .await;
    let app = &c.app;

    // A register with a bad row is refused whole, in the supervisor's language.
    let bad = format!("{REGISTER}其他,,,下雨,,Nobody,高\n");
    app.fake.send_document(
        &c.supervisor,
        "risks.csv",
        "text/csv",
        bad.into_bytes(),
        None,
    );
    wait_text(app, &c.supervisor, "没有名为“Nobody”的员工").await;

    for created in [1, 0] {
        let before = app.fake.sent_messages(c.supervisor.id).len();
        app.fake.send_document(
            &c.supervisor,
            "risks.csv",
            "text/csv",
            REGISTER.as_bytes().to_vec(),
            None,
        );
        let done = app
            .fake
            .wait_for_messages(c.supervisor.id, before + 1)
            .await;
        let done = body(&done[before]);
        assert!(done.contains("风险清单导入完成"), "{done}");
        assert!(done.contains(&format!("新增 {created}")), "{done}");
    }
    // Imported twice: one risk, its owner told once.
    let owner_told = wait_text(app, &c.ambassador, "这项风险由您负责").await;
    assert!(body(&owner_told).contains("楼书写落地窗实为普通窗"));
    app.fake.send_text(&c.supervisor, "/risks");
    let list = wait_text(app, &c.supervisor, "风险清单（未关闭）").await;
    assert!(body(&list).contains("共 1 项"), "{}", body(&list));

    // The A2 homes' cards carry the warning; the B1 home's does not.
    for (home, warned) in [("1-1-101", true), ("1-1-102", false), ("2-1-103", true)] {
        app.fake
            .send_text(&c.ambassador, &format!("/customer {home}"));
        let card = wait_text(app, &c.ambassador, &format!("🏠 {home}")).await;
        assert_eq!(
            body(&card).contains("楼书写落地窗实为普通窗"),
            warned,
            "{home}: {}",
            body(&card)
        );
    }

    // Today's inspection slot, booked by the B1 and the a2 homes' buyers: the ambassador's
    // /today warns under the a2 visit only. It is the first slot, so the chase is due at once.
    app.fake
        .send_text(&c.supervisor, "/slots add 2026-11-26 14:00-15:00 10");
    wait_text(app, &c.supervisor, "已新增").await;
    app.fake.send_text(&c.supervisor, "/invite all");
    for buyer in &c.buyers {
        let invitation = wait_text(app, buyer, &fixed("invite-buyer")).await;
        press_on(app, buyer, &invitation, |c| {
            matches!(c, Callback::Book { .. })
        });
        wait_text(app, buyer, "14:00").await;
    }
    for booked in ["1-1-102 Buyer 1 预约了", "2-1-103 Buyer 2 预约了"] {
        wait_text(app, &c.ambassador, booked).await;
    }
    let today = reply_to(app, &c.ambassador, "/today").await;
    let lines: Vec<String> = body(&today).lines().map(str::to_string).collect();
    let after = |home: &str| {
        let at = lines
            .iter()
            .position(|l| l.contains(home))
            .unwrap_or_else(|| panic!("{home} in {lines:?}"));
        lines.get(at + 1).cloned().unwrap_or_default()
    };
    assert!(
        !after("1-1-102").contains("楼书写落地窗实为普通窗"),
        "{lines:?}"
    );
    assert!(
        after("2-1-103").contains("楼书写落地窗实为普通窗"),
        "{lines:?}"
    );
    assert_eq!(texts(&[today], "楼书写落地窗实为普通窗"), 1);

    for _ in 0..2 {
        app.services()
            .sweep_before_campaign()
            .await
            .expect("the sweep runs");
    }
    let chase = wait_text(app, &c.ambassador, "仍没有应对措施").await;
    assert!(body(&chase).contains("楼书写落地窗实为普通窗"));

    // The owner writes the response from the chase's button: the risk is response-ready and
    // the cards show the response.
    press_button(app, &c.ambassador, Callback::RiskRespond(1)).await;
    wait_text(app, &c.ambassador, "请发送这项风险的应对措施").await;
    app.fake.send_text(&c.ambassador, "解释规划变更，赠送窗帘");
    wait_text(app, &c.ambassador, "应对措施已保存").await;
    app.fake.send_text(&c.ambassador, "/customer 2-1-103");
    let card = wait_text(app, &c.ambassador, "解释规划变更，赠送窗帘").await;
    assert!(body(&card).contains("楼书写落地窗实为普通窗"));
    app.services()
        .sweep_before_campaign()
        .await
        .expect("the sweep runs");
    app.advance(Duration::seconds(1));
    assert_eq!(
        texts(&app.fake.sent_messages(c.ambassador.id), "仍没有应对措施"),
        1
    );
    assert_eq!(
        texts(&app.fake.sent_messages(c.ambassador.id), "这项风险由您负责"),
        1
    );

    // The supervisors' numbers show the register.
    app.fake.send_text(&c.supervisor, "/summary");
    let summary = wait_text(app, &c.supervisor, "风险：未应对 0 · 应对就绪 1").await;
    assert!(
        body(&summary).contains("重点客户预沟通：共 1 户"),
        "{}",
        body(&summary)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_early_call_flags_the_household_and_an_unreached_one_is_escalated_once() {
    let c = Site::new().buyers_file(BUYERS).senior().assigned().await;
    let app = &c.app;
    let day = (app.clock.now() + Duration::days(10))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    app.fake
        .send_text(&c.supervisor, &format!("/slots add {day} 09:00-18:00 10"));
    wait_text(app, &c.supervisor, "已新增").await;
    // The key household is owed a call: /today lists it with a button.
    app.fake.send_text(&c.ambassador, "/today");
    wait_text(app, &c.ambassador, "待预沟通的重点客户（1 户）").await;

    // The call is due 5 days before the first slot; past it, unreached: the supervisors hear
    // once, however often the sweep runs.
    app.advance(Duration::days(6));
    for _ in 0..2 {
        app.services()
            .sweep_before_campaign()
            .await
            .expect("the sweep runs");
    }
    wait_text(app, &c.supervisor, "预沟通已超期").await;
    app.advance(Duration::seconds(1));
    assert_eq!(
        texts(&app.fake.sent_messages(c.supervisor.id), "预沟通已超期"),
        1
    );

    // The ambassador logs the call from the card: reached, hostile.
    press_button(app, &c.ambassador, Callback::CallStart(1)).await;
    wait_text(app, &c.ambassador, "联系上业主了吗").await;
    press_button(app, &c.ambassador, Callback::CallReached(true)).await;
    wait_text(app, &c.ambassador, "业主的态度").await;
    press_button(
        app,
        &c.ambassador,
        Callback::CallAttitude(Attitude::Hostile),
    )
    .await;
    wait_text(app, &c.ambassador, "业主的顾虑").await;
    app.fake.send_text(&c.ambassador, "说要拉群维权");
    wait_text(app, &c.ambassador, "下一步怎么做").await;
    app.fake.send_text(&c.ambassador, "周五上门");
    wait_text(app, &c.ambassador, "已标记该户并通知主管").await;
    let alert = wait_text(app, &c.supervisor, "态度敌对").await;
    assert!(body(&alert).contains("说要拉群维权") && body(&alert).contains("周五上门"));
    app.fake.send_text(&c.ambassador, "/customer 1-1-101");
    let card = wait_text(app, &c.ambassador, "预沟通不满").await;
    assert!(body(&card).contains("已联系"), "{}", body(&card));
    // Reached: no longer owed.
    let today = reply_to(app, &c.ambassador, "/today").await;
    assert!(
        body(&today).contains(&fixed("today-none")),
        "{}",
        body(&today)
    );
    reply_to(app, &c.ambassador, "/me").await;
    assert_eq!(
        texts(&app.fake.sent_messages(c.ambassador.id), "待预沟通"),
        1
    );

    // Key dates: the digest counts down to the next one.
    app.fake.send_text(
        &c.supervisor,
        &format!("/dates handover_start {}", day + chrono::Days::new(10)),
    );
    wait_text(app, &c.supervisor, "已保存").await;
    app.services()
        .daily_digest()
        .await
        .expect("the digest runs");
    let digest = wait_text(app, &c.supervisor, "每日简报").await;
    assert!(
        body(&digest).contains("距 正式交付开始"),
        "{}",
        body(&digest)
    );
    assert!(body(&digest).contains("还有 14 天"), "{}", body(&digest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_adds_a_risk_in_a_dialogue_and_moves_it_through_the_register() {
    use handover_bot::domain::risk::{RiskCategory, RiskStatus, Severity};
    let c = Site::new().buyers_file(BUYERS).senior().assigned().await;
    let app = &c.app;
    let s = &c.supervisor;
    app.fake.send_text(s, "/risks add");
    wait_text(app, s, "新风险（1/6）").await;
    // Words where a button is asked: asked again.
    let again = reply_to(app, s, "销售").await;
    assert!(body(&again).contains(&fixed("flow-use-buttons")));
    press_button(app, s, Callback::RiskCategory(RiskCategory::Drawings)).await;
    wait_text(app, s, "新风险（2/6）").await;
    let again = reply_to(app, s, "a b c").await;
    assert!(body(&again).contains("没看懂这个范围"));
    reply_to(app, s, "1-102").await;
    reply_to(app, s, "车位与图纸位置不同").await;
    press_button(app, s, Callback::RiskSkip).await;
    wait_text(app, s, "新风险（5/6）").await;
    let unknown = reply_to(app, s, "Nobody").await;
    assert!(
        body(&unknown).contains("没有名为“Nobody”的员工"),
        "{:#?}",
        app.fake
            .sent_messages(s.id)
            .iter()
            .map(body)
            .collect::<Vec<_>>()
    );
    reply_to(app, s, "Li Lei").await;
    press_button(app, s, Callback::RiskSeverity(Severity::Low)).await;
    wait_text(app, s, "风险 #1 已登记").await;
    wait_text(app, &c.ambassador, "车位与图纸位置不同").await;

    // Only 1-1-102's card carries it.
    for (home, warned) in [("1-1-101", false), ("1-1-102", true)] {
        let card = reply_to(app, &c.ambassador, &format!("/customer {home}")).await;
        assert_eq!(body(&card).contains("车位与图纸位置不同"), warned, "{home}");
    }
    let one = reply_to(app, s, "/risks #1").await;
    assert!(body(&one).contains("涉及 1 户"), "{}", body(&one));
    // A bare number names building 1, whose home 1-1-102 the risk reaches; building 2's list
    // does not have it.
    let building = reply_to(app, s, "/risks 1").await;
    assert!(
        body(&building).contains("风险清单（1）"),
        "{}",
        body(&building)
    );
    let other = reply_to(app, s, "/risks 2").await;
    assert!(
        body(&other).contains(&fixed("risks-none")),
        "{}",
        body(&other)
    );
    // Open → resolved skips the response: refused, nothing changes. Accepted is allowed.
    press_button(app, s, Callback::RiskSetStatus(1, RiskStatus::Accepted)).await;
    wait_text(app, s, "风险 #1 现在是“已接受”").await;
    let live = reply_to(app, s, "/risks").await;
    assert!(
        body(&live).contains(&fixed("risks-none")),
        "{}",
        body(&live)
    );
    let card = reply_to(app, &c.ambassador, "/customer 1-1-102").await;
    assert!(!body(&card).contains("车位与图纸位置不同"));
    // The ambassador may not open the register.
    let refused = reply_to(app, &c.ambassador, "/risks").await;
    assert!(body(&refused).contains("/risks"), "{}", body(&refused));
}
