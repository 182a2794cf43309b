//! Supervisors load buyers and staff by sending files to the bot.

use crate::support::app::TestApp;
use crate::support::people::{
    buyer_phone, buyers_csv, link_by_contact, linked_supervisor, load_buyers, load_staff,
};
use crate::support::steps::press_on;
use crate::support::text::{fixed, head, says, zh};
use handover_bot::bot::callback::Callback;
use handover_bot::domain::people::{Actor, Role};
use handover_bot::i18n::Arg;
use handover_bot::store::people::PeopleCounts;

/// A buyer list imported: how it begins with `total` rows, the first `numbers` of which
/// (created, updated, unchanged) are given.
fn buyers_imported(total: i64, numbers: &[i64]) -> String {
    let mut args = vec![
        ("kind", Arg::from(zh("import-kind-buyers", &[]))),
        ("total", total.into()),
    ];
    for (name, number) in ["created", "updated", "unchanged"].into_iter().zip(numbers) {
        args.push((name, (*number).into()));
    }
    head("import-done", &args)
}

/// A file refused, and the problem of line `line`.
fn rejected() -> String {
    head("import-rejected", &[])
}
fn row_problem(line: i64) -> String {
    head("row-error", &[("line", line.into())])
}

async fn counts(app: &TestApp) -> PeopleCounts {
    let mut tx = app.services().store.read().await.unwrap();
    let counts = tx.people_counts().await.unwrap();
    tx.commit().await.unwrap();
    counts
}

/// The same buyers as `buyers_csv`, as an Excel workbook with the Chinese headers a sales
/// system exports, phone numbers and rooms stored as numbers.
fn buyers_xlsx_chinese(count: usize) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in [
        "楼栋",
        "单元",
        "房号",
        "姓名",
        "手机号",
        "客户等级",
        "邮寄地址",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for i in 0..count {
        let row = (i + 1) as u32;
        sheet.write_number(row, 0, (1 + i % 2) as f64).unwrap();
        sheet.write_number(row, 1, 1.0).unwrap();
        sheet.write_number(row, 2, (101 + i) as f64).unwrap();
        sheet.write_string(row, 3, format!("Buyer {i}")).unwrap();
        sheet
            .write_number(row, 4, format!("1390000{i:04}").parse::<f64>().unwrap())
            .unwrap();
        sheet.write_string(row, 5, "B").unwrap();
        sheet
            .write_string(row, 6, format!("No. {i} Harbour Road, Shanghai"))
            .unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_row_rejects_the_whole_file_and_the_fixed_file_imports_once() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9001).await;
    let good = buyers_csv(200);
    // Data row 57 is file line 58 (line 1 is the header).
    let bad: String = good
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 57 {
                line.replace("13900000056", "12345")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(bad, good.trim_end());

    app.fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        bad.into_bytes(),
        None,
    );
    let report = app
        .fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains(&rejected()))
        .await;
    let phone = head(
        "row-error",
        &[("line", 58i64.into()), ("column", "phone".into())],
    );
    assert!(report.plain_text.contains(&phone), "{}", report.plain_text);
    assert_eq!(counts(&app).await.buyers, 0, "nothing imported");

    app.fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        good.clone().into_bytes(),
        None,
    );
    let done = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("import-done"))
        })
        .await;
    assert!(
        done.plain_text.contains(&buyers_imported(200, &[200])),
        "{}",
        done.plain_text
    );
    assert_eq!(counts(&app).await.buyers, 200);

    let before = app.fake.sent_messages(supervisor.id).len();
    app.fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        good.into_bytes(),
        None,
    );
    let again = app
        .fake
        .wait_for_messages(supervisor.id, before + 1)
        .await
        .pop()
        .unwrap();
    assert!(
        again
            .plain_text
            .contains(&buyers_imported(200, &[0, 0, 200])),
        "{}",
        again.plain_text
    );
    assert_eq!(counts(&app).await.buyers, 200);

    // The same data as an Excel workbook with Chinese headers changes nothing either.
    app.fake.send_document(
        &supervisor,
        "业主名单.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        buyers_xlsx_chinese(200),
        None,
    );
    let xlsx = app
        .fake
        .wait_for_messages(supervisor.id, before + 2)
        .await
        .pop()
        .unwrap();
    assert!(
        xlsx.plain_text
            .contains(&buyers_imported(200, &[0, 0, 200])),
        "{}",
        xlsx.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_with_chinese_headers_imports_into_an_empty_campaign() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9002).await;
    app.fake.send_document(
        &supervisor,
        "业主名单.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        buyers_xlsx_chinese(20),
        None,
    );
    let done = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("import-done"))
        })
        .await;
    assert!(
        done.plain_text.contains(&buyers_imported(20, &[20])),
        "{}",
        done.plain_text
    );
    let c = counts(&app).await;
    assert_eq!((c.buyers, c.units), (20, 20));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_and_oversized_files_are_refused_politely() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9003).await;
    app.fake.send_document(
        &supervisor,
        "buyers.pdf",
        "application/pdf",
        b"%PDF-1.4".to_vec(),
        None,
    );
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("import-unsupported-format"))
        })
        .await;
    let big = vec![b'a'; 11 * 1024 * 1024];
    app.fake
        .send_document(&supervisor, "big.csv", "text/csv", big, None);
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("import-too-large"))
        })
        .await;
    // Small on the wire, 300 MB once unpacked: refused before the sheet is read.
    app.fake.send_document(
        &supervisor,
        "业主名单.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        padded_xlsx(buyers_xlsx_chinese(20), 300 << 20),
        None,
    );
    let refused = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            says(&m.plain_text, "import-error-unpacks-too-large")
        })
        .await;
    let too_large = zh(
        "import-error-unpacks-too-large",
        &[("limit_mb", 256i64.into())],
    );
    assert!(
        refused.plain_text.contains(&too_large) && refused.plain_text.contains(&rejected()),
        "{}",
        refused.plain_text
    );
    assert_eq!(counts(&app).await.buyers, 0);
    app.stop().await;
}

/// `workbook` with one more entry of `padding` zero bytes, which deflate to almost nothing.
fn padded_xlsx(workbook: Vec<u8>, padding: u64) -> Vec<u8> {
    use std::io::{Cursor, Read};
    let mut source = zip::ZipArchive::new(Cursor::new(workbook)).unwrap();
    let mut padded = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..source.len() {
        padded
            .raw_copy_file(source.by_index_raw(i).unwrap())
            .unwrap();
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    padded.start_file("xl/media/padding.bin", options).unwrap();
    std::io::copy(&mut std::io::repeat(0).take(padding), &mut padded).unwrap();
    padded.finish().unwrap().into_inner()
}

async fn actor_of(app: &TestApp, telegram_id: i64) -> Actor {
    app.services()
        .identify(telegram_id, None)
        .await
        .unwrap()
        .actor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_the_buyer_corrected_survives_a_re_import_of_the_sales_list() {
    let app = TestApp::start().await;
    load_buyers(&app, &buyers_csv(2)).await;
    let buyer = app.fake.user(9_401, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;
    let question = app
        .fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("Harbour Road"))
        .await;
    press_on(&app, &buyer, &question, |c| *c == Callback::AddressFix);
    app.fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.contains(&fixed("address-enter-new"))
        })
        .await;
    let address = "上海市浦东新区海港路 8 号 1502 室";
    app.fake.send_text(&buyer, address);
    let saved = zh("address-saved", &[("address", address.into())]);
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&saved))
        .await;

    // The supervisor re-imports the sales list to add a buyer: the file still has the old
    // address of buyer 0, and none for buyer 1.
    let supervisor = linked_supervisor(&app, 9_402).await;
    let file = "building,entrance,room,name,phone,tier,mailing_address\n\
                1,1,101,Buyer 0,13900000000,B,\"No. 0 Harbour Road, Shanghai\"\n\
                2,1,102,Buyer 1,13900000001,B,\n\
                1,1,103,Buyer 2,13900000002,B,\"No. 2 Harbour Road, Shanghai\"\n";
    app.fake.send_document(
        &supervisor,
        "buyers.csv",
        "text/csv",
        file.as_bytes().to_vec(),
        None,
    );
    let done = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("import-done"))
        })
        .await;
    assert!(
        done.plain_text
            .contains(&zh("import-kept-addresses", &[("count", 1i64.into())])),
        "{}",
        done.plain_text
    );
    match actor_of(&app, buyer.id).await {
        Actor::Buyer(homes) => {
            assert_eq!(
                homes[0].mailing_address.as_deref(),
                Some("上海市浦东新区海港路 8 号 1502 室"),
                "what the buyer confirmed wins over the file"
            );
            assert!(homes[0].address_confirmed, "and stays confirmed");
        }
        other => panic!("{other:?}"),
    }
    let mut tx = app.services().store.read().await.unwrap();
    let buyer1 = tx
        .buyers_by_phone(&handover_bot::domain::phone::Phone::from_e164(
            "+8613900000001".to_string(),
        ))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        buyer1[0].mailing_address.as_deref(),
        Some("No. 1 Harbour Road, Shanghai"),
        "an empty cell does not wipe an address on file"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admins_staff_file_may_grant_or_remove_admin() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_411).await;
    load_staff(&app, "name,phone,roles\nZhao Min,13800000002,admin\n").await;
    let before = counts(&app).await;

    // A supervisor's file that makes the supervisor and a newcomer admins.
    let grant =
        "name,phone,roles\nWang Fang,13800000001,supervisor|admin\nMallory,13800000009,admin\n";
    app.fake.send_document(
        &supervisor,
        "staff.csv",
        "text/csv",
        grant.as_bytes().to_vec(),
        None,
    );
    let refused = app
        .fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains(&rejected()))
        .await;
    assert!(
        refused.plain_text.contains(&row_problem(2))
            && refused.plain_text.contains(&row_problem(3))
            && refused.plain_text.contains(&zh("row-admin-only", &[])),
        "{}",
        refused.plain_text
    );
    // A supervisor's file that takes admin away from an admin.
    let remove = "name,phone,roles\nZhao Min,13800000002,supervisor\n";
    app.fake.send_document(
        &supervisor,
        "staff.csv",
        "text/csv",
        remove.as_bytes().to_vec(),
        None,
    );
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&rejected()) && m.plain_text.contains(&row_problem(2))
        })
        .await;
    assert_eq!(counts(&app).await, before, "nothing imported");
    match actor_of(&app, supervisor.id).await {
        Actor::Staff(me) => assert!(!me.roles.has(Role::Admin), "{me:?}"),
        other => panic!("{other:?}"),
    }

    // The admin's own file may.
    let admin = app.fake.user(9_412, "Min");
    link_by_contact(&app, &admin, "+8613800000002").await;
    app.fake.send_document(
        &admin,
        "staff.csv",
        "text/csv",
        grant.as_bytes().to_vec(),
        None,
    );
    app.fake
        .wait_for_message(admin.id, |m| m.plain_text.contains(&fixed("import-done")))
        .await;
    match actor_of(&app, supervisor.id).await {
        Actor::Staff(me) => assert!(me.roles.has(Role::Admin), "{me:?}"),
        other => panic!("{other:?}"),
    }
    app.stop().await;
}
