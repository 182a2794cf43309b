//! Expert consultation and the decision group through the bot: an ambassador asks the legal
//! experts about a buyer's message; the expert's answer comes back, goes on to the buyer and
//! becomes a library answer; a consultation nobody answers reaches the supervisors once; a field
//! without experts goes to them at once. A supervisor registers the decision group in the
//! group; the third household of a building complaining about one topic puts one incident
//! there (no phone number), and "I take it" records who owns it.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::people::{buyer_phone, reply_matching, reply_to};
use crate::support::site::{Campaign, Site};
use crate::support::steps::{count, press_button, press_on, wait_text};
use chrono::Duration;
use handover_bot::bot::callback::Callback;
use handover_bot::domain::aftercare::{Level, Topic};
use handover_bot::domain::expert::ExpertField;

/// The complaints receptionist answers legal questions too.
const EXPERTS: &str = "name,phone,roles,专家领域\nSun Jie,13700000004,complaints,法务\n";

const ANSWER: &str = "车位配比符合规划许可，不构成拒收理由；可在收房后另行协商。";

fn body(message: &SentMessage) -> String {
    message.text.clone().unwrap_or_default()
}

async fn site() -> Campaign {
    // Buyers 0, 2 and 4 live in building 1.
    Site::new()
        .reception()
        .staff_file(EXPERTS)
        .homes(6)
        .linked(&[0, 2, 4])
        .assigned()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_experts_answer_reaches_the_ambassador_the_buyer_and_the_library() {
    let c = site().await;
    let (app, expert) = (&c.app, &c.reception);

    app.fake
        .send_text(&c.buyer, "因为车位比楼书少，我能拒绝收房吗？");
    let relayed = wait_text(app, &c.ambassador, "我能拒绝收房吗").await;
    press_on(app, &c.ambassador, &relayed, |b| {
        matches!(b, Callback::ConsultAsk(_))
    });
    wait_text(app, &c.ambassador, "请选择由哪个领域的专家回答").await;
    press_button(
        app,
        &c.ambassador,
        Callback::ConsultField(match_message(app, &c.ambassador).await, ExpertField::Legal),
    )
    .await;
    wait_text(app, &c.ambassador, "会诊 #1 已发给 1 位法务专家").await;

    // The expert sees the question with the household's context, never a phone number.
    let asked = wait_text(app, expert, "会诊 #1").await;
    assert!(body(&asked).contains("我能拒绝收房吗"), "{}", body(&asked));
    assert!(body(&asked).contains("🏠 1-1-101"), "{}", body(&asked));
    assert!(!body(&asked).contains(&buyer_phone(0)), "{}", body(&asked));
    press_on(app, expert, &asked, |b| *b == Callback::ConsultAnswer(1));
    wait_text(app, expert, "请输入您对会诊 #1").await;
    app.fake.send_text(expert, ANSWER);
    wait_text(app, expert, "您对会诊 #1 的回答已发给提问的同事").await;

    // Back to the ambassador, who sends it on to the buyer.
    let answered = wait_text(app, &c.ambassador, "回答了会诊 #1").await;
    assert!(body(&answered).contains(ANSWER), "{}", body(&answered));
    press_on(app, &c.ambassador, &answered, |b| {
        *b == Callback::ConsultSend(1)
    });
    let delivered = wait_text(app, &c.buyer, ANSWER).await;
    assert!(body(&delivered).contains("Li Lei"), "{}", body(&delivered));
    wait_text(app, &c.ambassador, "已发送给这户的 1 位业主").await;

    // A supervisor makes it a library answer with one press (twice: still one answer).
    let for_library = wait_text(app, &c.supervisor, "回答了会诊 #1").await;
    press_on(app, &c.supervisor, &for_library, |b| {
        *b == Callback::ConsultToLibrary(1)
    });
    wait_text(app, &c.supervisor, "已加入答复库，编号 #1").await;
    let found = reply_matching(app, &c.ambassador, "/answer 拒绝收房", |m| {
        m.plain_text.contains("相关的标准答复")
    })
    .await;
    assert!(body(&found).contains(ANSWER), "{}", body(&found));

    // Nobody answers for design: to the supervisors at once.
    app.fake
        .send_text(&c.ambassador, "/consult 设计 窗户为什么比样板间小");
    wait_text(app, &c.ambassador, "没有设计专家").await;
    wait_text(app, &c.supervisor, "员工名单中没有该领域的专家").await;

    // An unanswered legal question goes to the supervisors after 4 hours, once.
    app.fake
        .send_text(&c.ambassador, "/consult 法务 业主要求赔偿延期交房的利息");
    wait_text(app, &c.ambassador, "会诊 #3 已发给 1 位法务专家").await;
    wait_text(app, expert, "会诊 #3").await;
    app.advance(Duration::hours(3));
    app.advance(Duration::minutes(59));
    assert_eq!(count(app, &c.supervisor, "已 4 小时无专家回答"), 0);
    app.advance(Duration::minutes(2));
    wait_text(app, &c.supervisor, "已 4 小时无专家回答").await;
    app.advance(Duration::hours(8));
    // The expert may still answer; the supervisors heard of it once.
    let asked = wait_text(app, expert, "会诊 #3").await;
    press_on(app, expert, &asked, |b| *b == Callback::ConsultAnswer(3));
    wait_text(app, expert, "请输入您对会诊 #3").await;
    app.fake.send_text(expert, "可按合同约定的违约金条款处理。");
    wait_text(app, &c.ambassador, "可按合同约定的违约金条款处理").await;
    assert_eq!(count(app, &c.supervisor, "已 4 小时无专家回答"), 1);
}

/// The kept message a relayed buyer's text points at (the data of its "ask an expert" button).
async fn match_message(app: &TestApp, ambassador: &User) -> i64 {
    let messages = app.fake.sent_messages(ambassador.id);
    messages
        .iter()
        .rev()
        .flat_map(|m| m.inline_buttons())
        .filter_map(|b| b.callback_data)
        .find_map(|data| match Callback::decode(&data) {
            Some(Callback::ConsultAsk(id)) => Some(id),
            _ => None,
        })
        .expect("an ask-an-expert button")
}

async fn complain(app: &TestApp, buyer: &User, level: Level, text: &str) {
    let start = reply_to(app, buyer, "/complain").await.message_id;
    let after = |needle: &'static str| {
        app.fake.wait_for_message(buyer.id, move |m| {
            m.message_id > start && m.plain_text.contains(needle)
        })
    };
    press_button(app, buyer, Callback::ComplainTopic(Topic::Leakage)).await;
    after("问题的严重程度").await;
    press_button(app, buyer, Callback::ComplainLevel(level)).await;
    after("请用一条消息描述您的投诉").await;
    app.fake.send_text(buyer, text);
    after("已登记").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_complaint_becomes_one_incident_in_the_decision_group_and_someone_takes_it() {
    let c = site().await;
    let app = &c.app;
    let group = -100_777;

    // Only a supervisor's command registers the group.
    app.fake
        .send_group_text(group, &c.ambassador, "/setgroup decision");
    app.fake
        .wait_for_message(group, |m| m.plain_text.contains("只有主管可以登记本群"))
        .await;
    app.fake
        .send_group_text(group, &c.supervisor, "/setgroup decision");
    app.fake
        .wait_for_message(group, |m| m.plain_text.contains("本群已登记为应急决策小组"))
        .await;

    for (buyer, text) in c.buyers.iter().zip(["阳台渗水", "卫生间渗水", "外墙渗水"]) {
        complain(app, buyer, Level::Important, text).await;
    }
    let incident = app
        .fake
        .wait_for_message(group, |m| m.plain_text.contains("事件 #1"))
        .await;
    assert!(
        incident.plain_text.contains("群诉"),
        "{}",
        incident.plain_text
    );
    assert!(
        incident.plain_text.contains("1-1-105"),
        "{}",
        incident.plain_text
    );
    for i in [0, 2, 4] {
        assert!(!incident.plain_text.contains(&buyer_phone(i)));
    }
    // A fourth complaint of the same wave raises nothing new.
    complain(app, &c.buyers[0], Level::Important, "还是渗水").await;
    let incidents = app
        .fake
        .sent_messages(group)
        .iter()
        .filter(|m| m.plain_text.contains("🚨"))
        .count();
    assert_eq!(incidents, 1);

    // "I take it", pressed by the ambassador in the group, then by the supervisor: the first
    // owns it.
    app.fake.press_button_in(
        group,
        &c.ambassador,
        incident.message_id,
        &Callback::IncidentTake(1).encode(),
    );
    app.fake
        .wait_for_message(group, |m| m.plain_text.contains("Li Lei 负责事件 #1"))
        .await;
    // A major complaint is an incident of its own.
    complain(
        app,
        &c.buyers[1],
        Level::Major,
        "天花板大面积渗水，要求赔偿",
    )
    .await;
    let major = app
        .fake
        .wait_for_message(group, |m| m.plain_text.contains("事件 #2"))
        .await;
    assert!(major.plain_text.contains("1-1-103"), "{}", major.plain_text);
    assert!(
        major.plain_text.contains("要求赔偿"),
        "{}",
        major.plain_text
    );
    let list = reply_to(app, &c.supervisor, "/incidents").await;
    assert!(body(&list).contains("Li Lei 负责"), "{}", body(&list));
    assert!(body(&list).contains("未关闭，无人负责"), "{}", body(&list));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_defect_long_past_due_is_an_incident_once() {
    let c = Site::new()
        .engineer_for(1)
        .homes(1)
        .linked(&[0])
        .assigned()
        .await;
    let app = &c.app;
    let group = -100_778;
    app.fake
        .send_group_text(group, &c.supervisor, "/setgroup decision");
    app.fake
        .wait_for_message(group, |m| m.plain_text.contains("本群已登记为应急决策小组"))
        .await;
    // An urgent leak, due the next morning: past due then, an incident three days later.
    crate::support::steps::record_leak(app, &c.ambassador).await;
    app.advance(Duration::hours(26));
    wait_text(app, &c.supervisor, "超期").await;
    let incidents = |app: &TestApp| {
        app.fake
            .sent_messages(group)
            .iter()
            .filter(|m| m.plain_text.contains("🚨"))
            .count()
    };
    assert_eq!(incidents(app), 0);
    app.advance(Duration::days(4));
    let incident = app
        .fake
        .wait_for_message(group, |m| m.plain_text.contains("事件 #1"))
        .await;
    assert!(
        incident.plain_text.contains("已超期"),
        "{}",
        incident.plain_text
    );
    assert!(
        incident.plain_text.contains("1-1-101"),
        "{}",
        incident.plain_text
    );
    app.advance(Duration::days(2));
    app.services()
        .scheduler_waker
        .settle(std::time::Duration::from_secs(5))
        .await;
    assert_eq!(incidents(app), 1);
}
