//! The answer library (统一说辞) through the bot: a supervisor adds an approved answer in the
//! dialogue; an ambassador finds it with inline mode in any chat (a buyer's inline query gets
//! nothing, and never another person's cached results) and with `/answer`; a buyer's message
//! about parking reaches the ambassador with the answer, and "send this answer" delivers it in
//! the buyer's language; an edit makes a new version and keeps the old; a buyer's `/ask` is
//! answered directly only once the answer is marked for buyers.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::observe::Db;
use crate::support::people::reply_to;
use crate::support::site::Site;
use crate::support::steps::{press_button, press_on, wait_text};
use handover_bot::bot::callback::Callback;
use handover_bot::domain::flow::answer_entry::{AnswerField, Button};

const QUESTION: &str = "车位配比为什么比宣传的少？";
const ZH: &str =
    "本项目车位配比为 1:1.2，与规划许可一致；楼书中的 1:1.5 含周边公共车位，销售中心可查阅批文。";
const EN: &str = "The parking ratio is 1:1.2, as the planning permit says; the brochure's 1:1.5 counted nearby public spaces. The sales centre can show the permit.";
const ZH_V2: &str =
    "本项目车位配比为 1:1.2，与规划许可一致。如需查看批文，请联系您的交付大使预约。";

fn body(message: &SentMessage) -> String {
    message.text.clone().unwrap_or_default()
}

/// The supervisor adds the parking answer through `/answers add`, for the whole project.
async fn add_parking_answer(app: &TestApp, supervisor: &User) {
    wait_for_reply(app, supervisor, "/answers add", "新答复（1/6）").await;
    wait_for_reply(app, supervisor, QUESTION, "新答复（2/6）").await;
    wait_for_reply(
        app,
        supervisor,
        "车位，停车位、车库, parking",
        "新答复（3/6）",
    )
    .await;
    // Too long an answer keeps the step, politely.
    let long = "长".repeat(2001);
    wait_for_reply(app, supervisor, &long, "不超过 2000 个字").await;
    wait_for_reply(app, supervisor, ZH, "新答复（4/6）").await;
    wait_for_reply(app, supervisor, EN, "新答复（5/6）").await;
    press_button(app, supervisor, Callback::AnswerEntry(Button::WholeProject)).await;
    wait_text(app, supervisor, "新答复（6/6）").await;
    press_button(
        app,
        supervisor,
        Callback::AnswerEntry(Button::BuyersMaySee(false)),
    )
    .await;
    wait_text(app, supervisor, "已加入答复库").await;
}

async fn wait_for_reply(app: &TestApp, person: &User, text: &str, needle: &str) -> SentMessage {
    let before = app.fake.sent_messages(person.id).len();
    app.fake.send_text(person, text);
    loop {
        let all = app.fake.wait_for_messages(person.id, before + 1).await;
        if let Some(found) = all[before..].iter().find(|m| body(m).contains(needle)) {
            return found.clone();
        }
        app.fake.wait_for_messages(person.id, all.len() + 1).await;
    }
}

/// The library once its answer counts a use (in real time: the bot is recording it), or as it
/// stands after about ten seconds.
async fn used_once(app: &TestApp) -> Vec<(i64, i64, i64, bool)> {
    for _ in 0..500 {
        let answers = library(app).await;
        if answers.iter().any(|(.., uses, _)| *uses == 1) {
            return answers;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    library(app).await
}

/// The library's answers as the store has them: (id, version, uses, buyers may see).
async fn library(app: &TestApp) -> Vec<(i64, i64, i64, bool)> {
    let services = app.services();
    let mut tx = services.store.begin().await.expect("a transaction");
    let project = tx
        .ensure_project(&services.config.project, chrono::Utc::now())
        .await
        .expect("the project");
    let answers = tx.answers(project).await.expect("the answers");
    tx.commit().await.expect("commit");
    answers
        .iter()
        .map(|a| (a.id, a.version, a.uses, a.buyers_may_see))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_answer_reaches_staff_inline_and_buyers_in_their_language() {
    let c = Site::new().homes(2).linked(&[0, 1]).assigned().await;
    let app = &c.app;
    let db = Db::open(app.database_url()).await;
    add_parking_answer(app, &c.supervisor).await;
    assert_eq!(library(app).await, vec![(1, 1, 0, false)]);

    // Inline mode: the ambassador types "@bot 车位" in a building's group.
    let query = app
        .fake
        .inline_query(&c.ambassador, "车位", Some("supergroup"));
    let shown = app.fake.wait_for_inline_answer(&query).await;
    assert!(shown.is_personal, "results are personal");
    assert_eq!(shown.cache_time, 0, "results are never cached");
    let first = shown.results.first().expect("the answer is found");
    assert_eq!(first.title, QUESTION);
    assert_eq!(first.plain_text, ZH, "in the ambassador's language first");
    assert!(
        shown.results.iter().any(|r| r.plain_text == EN),
        "and in English for an English-speaking buyer"
    );
    // A buyer typing the same gets nothing: not the bot's answer, not the ambassador's cached one.
    let handled = db.handled().await;
    let buyer_query = app.fake.inline_query(&c.buyer, "车位", Some("private"));
    let buyer_shown = app.fake.wait_for_inline_answer(&buyer_query).await;
    assert!(buyer_shown.results.is_empty(), "{:?}", buyer_shown.results);
    assert_eq!(
        app.fake.inline_results_seen(&buyer_query).map(|r| r.len()),
        Some(0)
    );

    // The ambassador sends it: the group gets it from them, and it counts as a use.
    let group = -100_200_300;
    app.fake
        .choose_inline_result(&c.ambassador, &query, &first.id, group);
    // The buyer's query and the choice. The ambassador's query may be marked handled after
    // the count above was taken (its answer goes first), so the use itself is waited for.
    assert!(db.wait_handled(handled, 2).await);
    assert_eq!(used_once(app).await, vec![(1, 1, 1, false)]);

    // `/answer 停车位` in the bot shows it too (another use); for a buyer it is not there.
    let found = reply_to(app, &c.ambassador, "/answer 停车位").await;
    assert!(body(&found).contains(ZH), "{}", body(&found));
    assert_eq!(library(app).await, vec![(1, 1, 2, false)]);
    let refused = reply_to(app, &c.buyer, "/answer 停车位").await;
    assert!(!body(&refused).contains(ZH), "{}", body(&refused));
    let nothing = reply_to(app, &c.ambassador, "/answer 物业费").await;
    assert!(
        body(&nothing).contains("没有与“物业费”匹配"),
        "{}",
        body(&nothing)
    );

    // An English-speaking buyer asks about parking in their own words: the ambassador's copy
    // carries the approved answer, and one tap sends it in English.
    let second = &c.buyers[1];
    reply_to(app, second, "/language en").await;
    app.fake.send_text(
        second,
        "Why are there fewer parking spaces than the brochure said?",
    );
    wait_text(app, second, "Passed on to your delivery ambassador").await;
    let relayed = wait_text(app, &c.ambassador, "Why are there fewer parking").await;
    assert!(body(&relayed).contains("标准答复"), "{}", body(&relayed));
    assert!(body(&relayed).contains(ZH), "{}", body(&relayed));
    press_on(app, &c.ambassador, &relayed, |b| {
        matches!(b, Callback::AnswerSend { .. })
    });
    let delivered = wait_text(app, second, "Your delivery ambassador").await;
    assert!(body(&delivered).contains(EN), "{}", body(&delivered));
    wait_text(app, &c.ambassador, "已发送").await;
    assert_eq!(library(app).await, vec![(1, 1, 3, false)]);
    // The other buyer got nothing of it.
    assert!(
        !app.fake
            .sent_messages(c.buyer.id)
            .iter()
            .any(|m| body(m).contains(EN) || body(m).contains(ZH))
    );
    // An everyday message carries no suggestion.
    app.fake.send_text(&c.buyer, "好的，谢谢，明天见");
    let plain = wait_text(app, &c.ambassador, "好的，谢谢，明天见").await;
    assert!(!body(&plain).contains("标准答复"), "{}", body(&plain));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_makes_a_new_version_and_ask_answers_buyers_only_when_allowed() {
    let c = Site::new().homes(1).linked(&[0]).assigned().await;
    let app = &c.app;
    add_parking_answer(app, &c.supervisor).await;

    // Not yet for buyers: the buyer's /ask goes to the ambassador.
    app.fake.send_text(&c.buyer, "/ask 停车位怎么少了");
    wait_text(app, &c.buyer, "已转达给您的交付大使").await;
    let relayed = wait_text(app, &c.ambassador, "停车位怎么少了").await;
    assert!(body(&relayed).contains("标准答复"), "{}", body(&relayed));

    // The supervisor changes the Chinese text: version 2, version 1 kept.
    let card = reply_to(app, &c.supervisor, "/answers #1").await;
    assert!(body(&card).contains("第1版"), "{}", body(&card));
    press_on(app, &c.supervisor, &card, |b| {
        *b == Callback::AnswerEdit(1, AnswerField::TextZh)
    });
    wait_text(app, &c.supervisor, "请输入中文标准答复").await;
    wait_for_reply(app, &c.supervisor, ZH_V2, "已更新为第2版").await;
    press_button(app, &c.supervisor, Callback::AnswerHistory(1)).await;
    let history = wait_text(app, &c.supervisor, "共 2 个版本").await;
    assert!(body(&history).contains(ZH_V2) && body(&history).contains(ZH));

    // Marked for buyers: /ask is answered at once with the current version, and nobody else
    // is bothered.
    let card = reply_to(app, &c.supervisor, "/answers #1").await;
    press_on(app, &c.supervisor, &card, |b| {
        *b == Callback::AnswerVisibility(1, true)
    });
    wait_text(app, &c.supervisor, "买家现在可以通过 /ask 直接获得答复 #1").await;
    let to_ambassador = app.fake.sent_messages(c.ambassador.id).len();
    app.fake.send_text(&c.buyer, "/ask");
    wait_text(app, &c.buyer, "请输入您的问题").await;
    let answered = wait_for_reply(app, &c.buyer, "車位還有嗎，怎麼比說的少", ZH_V2).await;
    assert!(!body(&answered).contains(ZH), "{}", body(&answered));
    assert_eq!(
        app.fake.sent_messages(c.ambassador.id).len(),
        to_ambassador,
        "answered from the library, not relayed"
    );
    assert_eq!(library(app).await, vec![(1, 2, 1, true)]);

    // Only supervisors keep the library.
    for person in [&c.ambassador, &c.buyer] {
        let refused = reply_to(app, person, "/answers").await;
        assert!(!body(&refused).contains("答复库"), "{}", body(&refused));
    }
    // Retired, it is offered no more.
    let card = reply_to(app, &c.supervisor, "/answers #1").await;
    press_on(app, &c.supervisor, &card, |b| {
        *b == Callback::AnswerRetire(1, false)
    });
    press_button(app, &c.supervisor, Callback::AnswerRetire(1, true)).await;
    wait_text(app, &c.supervisor, "答复 #1 已停用").await;
    let gone = reply_to(app, &c.ambassador, "/answer 车位").await;
    assert!(body(&gone).contains("没有与“车位”匹配"), "{}", body(&gone));
}

/// An answers file as a supervisor keeps it: a title row, the Chinese headers, three answers.
fn answers_xlsx(parking_answer: &str) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "统一说辞 2026").unwrap();
    for (col, header) in [
        "问题",
        "关键词",
        "标准答复",
        "英文答复",
        "适用范围",
        "买家可见",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, col as u16, *header).unwrap();
    }
    let rows = [
        [QUESTION, "车位、停车位", parking_answer, EN, "", ""],
        [
            "物业费怎么收？",
            "物业费",
            "物业费按建筑面积每月 3.5 元，交房当月起计。",
            "",
            "项目",
            "是",
        ],
        [
            "3栋电梯什么时候开通？",
            "电梯",
            "3栋电梯 12 月 10 日通过验收后开通。",
            "",
            "3",
            "否",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32 + 2, col as u16, *cell).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

async fn send_file(app: &TestApp, supervisor: &User, name: &str, bytes: Vec<u8>) -> String {
    let before = app.fake.sent_messages(supervisor.id).len();
    let mime = if name.ends_with(".csv") {
        "text/csv"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    app.fake.send_document(supervisor, name, mime, bytes, None);
    let all = app.fake.wait_for_messages(supervisor.id, before + 1).await;
    body(&all[before])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answers_file_imports_once_and_a_changed_answer_is_a_new_version() {
    let c = Site::new().started().await;
    let app = &c.app;

    // A bad row rejects the whole file, naming its line as the spreadsheet shows it.
    let bad = "问题,标准答复,买家可见\n车位为什么少？,,否\n物业费？,按面积收,也许\n";
    let refused = send_file(app, &c.supervisor, "answers.csv", bad.as_bytes().to_vec()).await;
    assert!(refused.contains("文件未导入"), "{refused}");
    assert!(refused.contains("第 2 行，「标准答复」列"), "{refused}");
    assert!(refused.contains("第 3 行，「买家可见」列"), "{refused}");
    assert!(library(app).await.is_empty());

    let done = send_file(app, &c.supervisor, "answers.xlsx", answers_xlsx(ZH)).await;
    assert!(done.contains("答复文件导入完成"), "{done}");
    assert!(done.contains("新增 3"), "{done}");
    assert_eq!(
        library(app).await,
        vec![(1, 1, 0, false), (2, 1, 0, true), (3, 1, 0, false)]
    );
    let again = send_file(app, &c.supervisor, "answers.xlsx", answers_xlsx(ZH)).await;
    assert!(again.contains("新增 0，更新 0，未变 3"), "{again}");

    let changed = send_file(app, &c.supervisor, "answers.xlsx", answers_xlsx(ZH_V2)).await;
    assert!(changed.contains("更新 1"), "{changed}");
    assert_eq!(library(app).await[0], (1, 2, 0, false));
    let services = app.services();
    let mut tx = services.store.read().await.unwrap();
    let history = tx.answer_history(1).await.unwrap();
    let elevator = tx.answer(3).await.unwrap().expect("answer 3");
    tx.commit().await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|v| v.text_zh.as_str())
            .collect::<Vec<_>>(),
        vec![ZH, ZH_V2]
    );
    assert_eq!(
        elevator.scope,
        handover_bot::domain::risk::RiskScope::Building {
            building: "3".into()
        }
    );
    // What /answer finds reads the new version.
    let found = reply_to(app, &c.ambassador, "/answer 物业费").await;
    assert!(body(&found).contains("3.5 元"), "{}", body(&found));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_message_with_the_longest_answer_still_reaches_the_ambassador() {
    let c = Site::new().homes(1).linked(&[0]).assigned().await;
    let app = &c.app;
    let long_answer = format!("车位说明：{}", "配比符合规划。".repeat(280));
    let file = format!("问题,关键词,标准答复\n车位为什么少？,车位,{long_answer}\n");
    let done = send_file(app, &c.supervisor, "answers.csv", file.into_bytes()).await;
    assert!(done.contains("新增 1"), "{done}");
    // As long as a buyer's message may be, about parking.
    let message = format!("车位的问题：{}", "我想了解一下。".repeat(490));
    app.fake.send_text(&c.buyer, &message);
    wait_text(app, &c.buyer, "已转达给您的交付大使").await;
    let relayed = wait_text(app, &c.ambassador, "车位的问题").await;
    assert!(
        relayed.plain_text.contains("标准答复"),
        "{}",
        relayed.plain_text
    );
    assert!(
        relayed.plain_text.encode_utf16().count() <= 4096,
        "{}",
        relayed.plain_text.encode_utf16().count()
    );
    // The buyer gets the whole answer.
    press_on(app, &c.ambassador, &relayed, |b| {
        matches!(b, Callback::AnswerSend { .. })
    });
    let delivered = wait_text(app, &c.buyer, "车位说明").await;
    assert!(delivered.plain_text.contains(&long_answer));
}
