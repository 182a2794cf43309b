//! Answers files (统一说辞) through the bot: a supervisor's spreadsheet fills the library once,
//! a changed answer becomes a new version beside the old one, 买家可见 alone is an update, a
//! file with one bad row writes nothing, a GBK CSV reads like the spreadsheet, an answers file
//! and a risk register (both with a 范围 column) each go where they belong, and the CLI imports
//! the same file.

use crate::support::app::{TestApp, binary};
use crate::support::fake_telegram::User;
use crate::support::observe::{Db, db_changes};
use crate::support::people::linked_supervisor;
use crate::support::text::{head, zh};
use handover_bot::domain::risk::RiskScope;
use handover_bot::i18n::Arg;
use handover_bot::store::answers::{Answer, AnswerVersion};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const PARKING: &str = "车位配比为什么比宣传的少？";
const PARKING_ZH: &str =
    "本项目车位配比为 1:1.2，与规划许可一致；楼书中的 1:1.5 含周边公共车位，销售中心可查阅批文。";
const PARKING_ZH_V2: &str =
    "本项目车位配比为 1:1.2，与规划许可一致。如需查看批文，请联系您的交付大使预约。";
const PARKING_EN: &str = "The parking ratio is 1:1.2, as the planning permit says.";
const ELEVATOR: &str = "3栋电梯什么时候开通？";
const FEE: &str = "物业费怎么收？";

const HEADERS: [&str; 6] = [
    "问题",
    "关键词",
    "标准答复",
    "英文答复",
    "适用范围",
    "买家可见",
];

/// The three answers of the library, with the parking answer's Chinese text and the property
/// fee's 买家可见 as given.
fn answers(parking_zh: &'static str, fee_visible: &'static str) -> [[&'static str; 6]; 3] {
    [
        [PARKING, "车位、停车位", parking_zh, PARKING_EN, "", ""],
        [
            ELEVATOR,
            "电梯",
            "3栋电梯 12 月 10 日通过验收后开通。",
            "",
            "3栋",
            "否",
        ],
        [
            FEE,
            "物业费，管理费",
            "物业费按建筑面积每月 3.5 元，交房当月起计。",
            "",
            "项目",
            fee_visible,
        ],
    ]
}

/// An answers workbook as a supervisor keeps it: a title row, the headers, then `rows`
/// (sheet line 3 onwards).
fn workbook(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "统一说辞（2026 年交付）").unwrap();
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string(1, col as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32 + 2, col as u16, *cell).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// The same rows as a CSV saved by Excel on Chinese Windows: GBK, header on line 1.
fn gbk_csv(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADERS).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(&text);
    assert!(!had_errors, "every character has a GBK code");
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8 by chance");
    bytes.into_owned()
}

/// How the bot reports an imported file of `kind` (a locale key) with these counts.
fn imported(kind: &str, created: i64, updated: i64, unchanged: i64) -> String {
    head(
        "import-done",
        &[
            ("kind", Arg::from(zh(kind, &[]))),
            ("total", (created + updated + unchanged).into()),
            ("created", created.into()),
            ("updated", updated.into()),
            ("unchanged", unchanged.into()),
        ],
    )
}

fn answers_imported(created: i64, updated: i64, unchanged: i64) -> String {
    imported("import-kind-answers", created, updated, unchanged)
}

/// Sends a file as a document and returns the bot's reply.
async fn send_file(app: &TestApp, person: &User, name: &str, bytes: Vec<u8>) -> String {
    let before = app.fake.sent_messages(person.id).len();
    let mime = if name.ends_with(".csv") {
        "text/csv"
    } else {
        XLSX
    };
    app.fake.send_document(person, name, mime, bytes, None);
    let replies = app.fake.wait_for_messages(person.id, before + 1).await;
    replies[before].plain_text.clone()
}

/// The answers in use in the configured project, as the store reads them.
async fn library(app: &TestApp) -> Vec<Answer> {
    let services = app.services();
    let mut tx = services.store.read().await.expect("a transaction");
    let answers = match tx.project_id(&services.config.project).await.unwrap() {
        Some(project) => tx.answers(project).await.expect("the answers"),
        None => Vec::new(),
    };
    tx.commit().await.unwrap();
    answers
}

fn find<'a>(answers: &'a [Answer], question: &str) -> &'a Answer {
    answers
        .iter()
        .find(|a| a.question == question)
        .unwrap_or_else(|| panic!("no answer to {question} in {answers:#?}"))
}

async fn history(app: &TestApp, id: i64) -> Vec<AnswerVersion> {
    let mut tx = app.services().store.read().await.unwrap();
    let versions = tx.answer_history(id).await.unwrap();
    tx.commit().await.unwrap();
    versions
}

/// How the importing supervisor signs what they approve.
async fn audit_name(app: &TestApp, name: &str) -> String {
    let mut tx = app.services().store.read().await.unwrap();
    let staff = tx.all_staff().await.unwrap();
    tx.commit().await.unwrap();
    let me = staff.iter().find(|s| s.name == name).expect("on the staff");
    format!("staff:{}", me.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spreadsheet_fills_the_library_once_and_a_changed_answer_is_a_new_version() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9101).await;
    let signed = audit_name(&app, "Wang Fang").await;

    let done = send_file(
        &app,
        &supervisor,
        "统一说辞.xlsx",
        workbook(&answers(PARKING_ZH, "是")),
    )
    .await;
    assert!(done.contains(&answers_imported(3, 0, 0)), "{done}");
    let first = library(&app).await;
    assert_eq!(first.len(), 3, "{first:#?}");
    let parking = find(&first, PARKING);
    assert_eq!(parking.keywords, ["车位", "停车位"]);
    assert_eq!(parking.text_zh, PARKING_ZH);
    assert_eq!(parking.text_en.as_deref(), Some(PARKING_EN));
    assert_eq!(parking.scope, RiskScope::Project);
    assert!(
        !parking.buyers_may_see,
        "an empty 买家可见 is no for a new answer"
    );
    let elevator = find(&first, ELEVATOR);
    assert_eq!(
        elevator.scope,
        RiskScope::Building {
            building: "3栋".into()
        }
    );
    assert_eq!(elevator.text_en, None);
    assert!(!elevator.buyers_may_see);
    let fee = find(&first, FEE);
    assert!(fee.buyers_may_see);
    assert_eq!(fee.keywords, ["物业费", "管理费"]);
    for answer in &first {
        assert_eq!(answer.version, 1);
        assert_eq!(answer.approved_by, signed);
        assert!(answer.risks.is_empty());
    }

    // The same file again changes nothing at all.
    let again = send_file(
        &app,
        &supervisor,
        "统一说辞.xlsx",
        workbook(&answers(PARKING_ZH, "是")),
    )
    .await;
    assert!(again.contains(&answers_imported(0, 0, 3)), "{again}");
    assert_eq!(library(&app).await, first);

    // A changed 标准答复 is version 2 of that answer; version 1 stays in its history.
    let changed = send_file(
        &app,
        &supervisor,
        "统一说辞.xlsx",
        workbook(&answers(PARKING_ZH_V2, "是")),
    )
    .await;
    assert!(changed.contains(&answers_imported(0, 1, 2)), "{changed}");
    let second = library(&app).await;
    let parking_now = find(&second, PARKING);
    assert_eq!((parking_now.id, parking_now.version), (parking.id, 2));
    assert_eq!(parking_now.text_zh, PARKING_ZH_V2);
    assert_eq!(parking_now.text_en.as_deref(), Some(PARKING_EN));
    let versions: Vec<(i64, String, String)> = history(&app, parking.id)
        .await
        .into_iter()
        .map(|v| (v.version, v.text_zh, v.approved_by))
        .collect();
    assert_eq!(
        versions,
        vec![
            (1, PARKING_ZH.to_string(), signed.clone()),
            (2, PARKING_ZH_V2.to_string(), signed.clone()),
        ]
    );
    assert_eq!(find(&second, ELEVATOR), elevator);
    assert_eq!(find(&second, FEE), fee);

    // 买家可见 alone changing is an update, not a version; an empty cell keeps the setting.
    let hidden = send_file(
        &app,
        &supervisor,
        "统一说辞.xlsx",
        workbook(&answers(PARKING_ZH_V2, "否")),
    )
    .await;
    assert!(hidden.contains(&answers_imported(0, 1, 2)), "{hidden}");
    let fee_now = find(&library(&app).await, FEE).clone();
    assert_eq!(fee_now.version, 1);
    assert!(!fee_now.buyers_may_see);
    let kept = send_file(
        &app,
        &supervisor,
        "统一说辞.xlsx",
        workbook(&answers(PARKING_ZH_V2, "")),
    )
    .await;
    assert!(kept.contains(&answers_imported(0, 0, 3)), "{kept}");
    assert!(!find(&library(&app).await, FEE).buyers_may_see);
    app.stop().await;
}

/// Waits until every update the bot took is handled and every message it queued is sent: a
/// reply goes out before its update is marked done.
async fn settled(db: &Db) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while db
        .ints("SELECT CAST(COUNT(*) AS BIGINT) FROM update_inbox")
        .await
        .first()
        != Some(&0)
    {
        assert!(std::time::Instant::now() < deadline, "updates still open");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert!(db.wait_outbox_sent().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spreadsheet_with_one_bad_row_is_refused_and_nothing_is_written() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9102).await;
    let done = send_file(
        &app,
        &supervisor,
        "统一说辞.xlsx",
        workbook(&answers(PARKING_ZH, "是")),
    )
    .await;
    assert!(done.contains(&answers_imported(3, 0, 0)), "{done}");
    let library_before = library(&app).await;

    // Sheet line 3 would make version 2 and line 4 add an answer, but line 5 has no answer.
    let [_, _, fee] = answers(PARKING_ZH, "是");
    let rows = [
        [PARKING, "车位", PARKING_ZH_V2, "", "", ""],
        ["燃气什么时候通？", "燃气", "交房前完成通气。", "", "", "是"],
        [fee[0], fee[1], "", fee[3], fee[4], fee[5]],
    ];
    let db = Db::open(app.database_url()).await;
    settled(&db).await;
    let snapshot = db.snapshot().await;
    let refused = send_file(&app, &supervisor, "统一说辞.xlsx", workbook(&rows)).await;
    assert!(refused.contains(&head("import-rejected", &[])), "{refused}");
    let line_5 = zh(
        "row-error",
        &[
            ("line", 5i64.into()),
            ("column", "标准答复".into()),
            ("problem", zh("row-missing", &[]).into()),
        ],
    );
    assert!(refused.contains(&line_5), "{refused}");
    for line in [3i64, 4] {
        let other = head("row-error", &[("line", line.into())]);
        assert!(!refused.contains(&other), "{refused}");
    }
    settled(&db).await;
    assert_eq!(
        db_changes(&snapshot, &db.snapshot().await),
        Vec::<String>::new()
    );
    assert_eq!(library(&app).await, library_before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_csv_from_chinese_excel_imports_like_the_spreadsheet() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9103).await;
    let rows = answers(PARKING_ZH, "是");
    let done = send_file(&app, &supervisor, "统一说辞.csv", gbk_csv(&rows)).await;
    assert!(done.contains(&answers_imported(3, 0, 0)), "{done}");
    let from_csv = library(&app).await;
    assert_eq!(find(&from_csv, PARKING).keywords, ["车位", "停车位"]);
    assert_eq!(find(&from_csv, PARKING).text_zh, PARKING_ZH);
    // The workbook of the same answers is the same library.
    let same = send_file(&app, &supervisor, "统一说辞.xlsx", workbook(&rows)).await;
    assert!(same.contains(&answers_imported(0, 0, 3)), "{same}");
    assert_eq!(library(&app).await, from_csv);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answers_file_and_a_risk_register_both_with_a_scope_column_go_where_they_belong() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9104).await;
    // A register with a column of talking points of its own (统一说辞) is still a register.
    let register = "风险清单\n风险类别,范围,楼栋,差异描述,统一说辞\n\
                    规划变更,楼栋,3,车库入口位置调整,已公示\n";
    let done = send_file(
        &app,
        &supervisor,
        "风险清单.csv",
        register.as_bytes().to_vec(),
    )
    .await;
    assert!(
        done.contains(&imported("import-kind-risks", 1, 0, 0)),
        "{done}"
    );
    assert!(library(&app).await.is_empty());

    let file =
        "问题,标准答复,范围\n车库入口为什么改了？,入口调整经规划部门批准，已在现场公示。,3\n";
    let done = send_file(&app, &supervisor, "答复.csv", file.as_bytes().to_vec()).await;
    assert!(done.contains(&answers_imported(1, 0, 0)), "{done}");
    let answers = library(&app).await;
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].scope,
        RiskScope::Building {
            building: "3".into()
        }
    );
    let mut tx = app.services().store.read().await.unwrap();
    let risks = tx.risks(None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        risks
            .iter()
            .map(|r| r.difference.as_str())
            .collect::<Vec<_>>(),
        ["车库入口位置调整"]
    );
    app.stop().await;
}

#[test]
fn the_cli_imports_an_answers_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.xlsx");
    std::fs::write(&file, workbook(&answers(PARKING_ZH, "是"))).unwrap();
    for (created, unchanged) in [(3, 0), (0, 3)] {
        let import = binary()
            .args(["import", "answers"])
            .arg(&file)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            import.status.success(),
            "{}",
            String::from_utf8_lossy(&import.stderr)
        );
        let stdout = String::from_utf8_lossy(&import.stdout);
        assert!(
            stdout.contains(&answers_imported(created, 0, unchanged)),
            "{stdout}"
        );
    }
    // A bad file fails the command and names the line.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "问题,标准答复\n车位为什么少？,\n").unwrap();
    let refused = binary()
        .args(["import", "answers"])
        .arg(&bad)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stdout = String::from_utf8_lossy(&refused.stdout);
    assert!(
        stdout.contains(&head("row-error", &[("line", 2i64.into())])),
        "{stdout}"
    );
}
