//! Handover and after: the checklist with meters and photos, the buyer's confirmation (the only
//! thing that hands a home over), the welcome, the follow-up cadence on the clock across a
//! restart, /stop, the survey's low-score alert, warranty cover, and complaints with their
//! acknowledgement deadline and the group-complaint flag.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentKind, User};
use crate::support::people::{
    buyer_phone, link_by_contact, linked_supervisor, load_buyers, reply_to,
};
use crate::support::site::{Campaign, Site};
use crate::support::steps::{count, photo, press, record_leak, until, wait_text};
use crate::support::text::{fixed, zh};
use chrono::Duration;
use handover_bot::bot::callback::{Callback, HandoverStep};
use handover_bot::domain::people::Stage;
use handover_bot::store::aftercare::HandoverStatus;

/// Six homes in two buildings, one ambassador for all, building 1's engineer on file, a
/// complaint receptionist, four linked buyers (of 1-1-101, 2-1-102, 1-1-103 and 1-1-105).
async fn site() -> Campaign {
    site_with(|_| {}).await
}

async fn site_with(adjust: impl FnOnce(&mut handover_bot::config::Config) + 'static) -> Campaign {
    Site::new()
        .engineer_on_file_for(1)
        .reception()
        .homes(6)
        .linked(&[0, 1, 2, 4])
        .config(adjust)
        .assigned()
        .await
}

async fn stage_of(app: &TestApp, unit: &str) -> Stage {
    let mut tx = app.services().store.read().await.unwrap();
    let stage = tx.find_households(unit).await.unwrap()[0].stage;
    tx.commit().await.unwrap();
    stage
}

/// The ambassador's checklist for 1-1-101: keys by button and typed, the water meter as a
/// photo with its reading as caption, electricity as photo then reading, no gas, one document.
async fn record_handover(app: &TestApp, ambassador: &User) {
    let start = reply_to(app, ambassador, "/handover 1-1-101").await;
    assert!(
        start.plain_text.contains("办理 1-1-101"),
        "{}",
        start.plain_text
    );
    let door_keys = wait_text(app, ambassador, "入户门钥匙几把").await;
    press(app, ambassador, "2").await;
    wait_text(app, ambassador, "信箱钥匙几把").await;
    // A second tap on the door-key answer (a double tap, or a press Telegram delivers again
    // after a crash) is not taken as the answer to the mailbox question.
    let again = app.fake.press_crafted_button(
        ambassador,
        door_keys.message_id,
        &Callback::Handover(HandoverStep::Keys(0, 2)).encode(),
    );
    assert!(
        app.fake
            .callback_answer(&again)
            .await
            .contains(&fixed("stale-button")),
        "a press on the earlier question was accepted"
    );
    press(app, ambassador, "1").await;
    wait_text(app, ambassador, "门禁卡几把").await;
    app.fake.send_text(ambassador, "three");
    wait_text(app, ambassador, "0 到 99 之间的整数").await;
    app.fake.send_text(ambassador, "3");
    wait_text(app, ambassador, "水表：请发送表的照片").await;
    app.fake.send_photo(ambassador, photo(41), Some("0123.4"));
    wait_text(app, ambassador, "电表：请发送表的照片").await;
    app.fake.send_text(ambassador, "我到了");
    wait_text(app, ambassador, "这不是表读数").await;
    app.fake.send_photo(ambassador, photo(42), None);
    wait_text(app, ambassador, "请输入电表的读数").await;
    app.fake.send_text(ambassador, "567 度");
    wait_text(app, ambassador, "燃气表：请发送表的照片").await;
    press(app, ambassador, "本户没有这块表").await;
    let documents = wait_text(app, ambassador, "业主领取了哪些资料").await;
    app.fake.press_button_with_text(
        ambassador,
        &documents,
        &zh(
            "checkbox",
            &[
                ("ticked", "no".into()),
                ("label", zh("document-quality-guarantee", &[]).into()),
            ],
        ),
    );
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.message_id == documents.message_id
                && m.button_labels().iter().any(|l| l == "☑ 质量保证书")
        })
        .await;
    app.fake.press_button_with_text(
        ambassador,
        &documents,
        &zh("button-handover-documents-done", &[]),
    );
    let review = wait_text(app, ambassador, "交房记录，请核对").await;
    for line in [
        "钥匙：入户门钥匙 × 2，信箱钥匙 × 1，门禁卡 × 3",
        "水表：0123.4",
        "电表：567",
        "燃气表：本户没有",
        "资料：质量保证书",
    ] {
        assert!(
            review.plain_text.contains(line),
            "{line} in {}",
            review.plain_text
        );
    }
    press(app, ambassador, "📨 发给业主确认").await;
    wait_text(app, ambassador, "交房记录已发给 1 位业主").await;
}

/// Records a leak, the handover, and the buyer's confirmation.
async fn hand_over(site: &Campaign) {
    let (app, ambassador, buyer) = (&site.app, &site.ambassador, &site.buyers[0]);
    record_leak(app, ambassador).await;
    record_handover(app, ambassador).await;
    wait_text(app, buyer, "请核对").await;
    press(app, buyer, "✅ 我已收房").await;
    wait_text(app, buyer, "欢迎回家").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_with_meters_counts_only_once_the_buyer_confirms_and_both_keep_the_record() {
    let site = site().await;
    let (app, ambassador, buyer) = (&site.app, &site.ambassador, &site.buyers[0]);
    record_leak(app, ambassador).await;
    record_handover(app, ambassador).await;

    // The buyer sees the meter photos as one album, then the record with the open leak.
    let album = app
        .fake
        .wait_for_message(buyer.id, |m| {
            m.plain_text.contains("交房时的表读数照片（2 张）")
        })
        .await;
    assert!(matches!(album.kind, SentKind::MediaGroupItem { .. }));
    let ask = wait_text(app, buyer, "您的交付大使 Li Lei 已记录您房屋的交接情况").await;
    assert!(
        ask.plain_text.contains("以下 1 项问题保留跟踪"),
        "{}",
        ask.plain_text
    );
    assert!(
        ask.plain_text.contains("厨房 · 渗漏 — 水槽下漏水"),
        "{}",
        ask.plain_text
    );
    assert_eq!(ask.button_labels(), vec!["✅ 我已收房", "❌ 有不对的地方"]);

    // Recorded, but not handed over until the buyer says so.
    assert_ne!(stage_of(app, "1-1-101").await, Stage::HandedOver);
    app.fake.send_text(ambassador, "/handover 1-1-101");
    wait_text(app, ambassador, "发送本记录将取代它").await;
    reply_to(app, ambassador, "/cancel").await;

    // /myhome shows a record still waiting, with its buttons, in case the message scrolled away.
    app.fake.send_text(buyer, "/myhome");
    let shown = app
        .fake
        .wait_for_message(buyer.id, |m| {
            m.message_id > ask.message_id && m.plain_text.contains("请核对")
        })
        .await;
    assert_eq!(shown.button_labels(), ask.button_labels());

    // Something is wrong first: the ambassador hears, nothing changes.
    app.fake
        .press_button_with_text(buyer, &ask, &zh("button-handover-issue", &[]));
    wait_text(app, buyer, "哪里不对").await;
    app.fake.send_text(buyer, "信箱钥匙只有 <1> 把");
    wait_text(app, buyer, "已转给您的交付大使").await;
    wait_text(app, ambassador, "尚未确认收房：“信箱钥匙只有 <1> 把”").await;
    assert_ne!(stage_of(app, "1-1-101").await, Stage::HandedOver);

    // The buyer confirms: handed over, with who and when.
    let query = app
        .fake
        .press_button_with_text(buyer, &ask, &zh("button-handover-received", &[]));
    assert_eq!(
        app.fake.callback_answer(&query).await,
        "谢谢！您的房屋已完成交付。"
    );
    let welcome = wait_text(app, buyer, "Buyer 0，欢迎回家！1-1-101 正式属于您了").await;
    assert!(
        welcome.plain_text.contains("Li Lei"),
        "{}",
        welcome.plain_text
    );
    let card = app
        .fake
        .wait_for_message(buyer.id, |m| {
            matches!(m.kind, SentKind::Photo) && m.message_id > welcome.message_id
        })
        .await;
    assert!(card.plain_text.is_empty());
    for person in [buyer, ambassador] {
        let record = wait_text(app, person, "交房记录 — 1-1-101").await;
        assert!(
            record.plain_text.contains("Buyer 0 于 2026-11-26 09:"),
            "{}",
            record.plain_text
        );
        assert!(
            record.plain_text.contains("水表：0123.4"),
            "{}",
            record.plain_text
        );
        assert!(
            record.plain_text.contains("1 项问题保留跟踪"),
            "{}",
            record.plain_text
        );
    }
    assert_eq!(stage_of(app, "1-1-101").await, Stage::HandedOver);
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let handover = tx.current_handover(unit).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(handover.status, HandoverStatus::Confirmed);
    assert!(handover.confirmed_by.is_some());
    assert_eq!(handover.confirmed_at, Some(app.services().clock.now()));
    assert_eq!(handover.meters.len(), 2);
    assert_eq!(handover.keys.len(), 3);
    assert_eq!(handover.open_defects.len(), 1);

    // Pressing again, or a second /handover, changes nothing.
    let query = app.fake.press_crafted_button(
        buyer,
        &ask,
        &Callback::HandoverConfirm(handover.id).encode(),
    );
    assert_eq!(
        app.fake.callback_answer(&query).await,
        "这一户的交房已确认过了。"
    );
    app.fake.send_text(ambassador, "/handover 1-1-101");
    wait_text(app, ambassador, "已完成交付：业主于").await;
    // Another buyer cannot confirm a home that is not theirs.
    let other = &site.buyers[1];
    let theirs = app.fake.sent_messages(other.id).pop().unwrap();
    let forged = app.fake.press_crafted_button(
        other,
        &theirs,
        &Callback::HandoverConfirm(handover.id).encode(),
    );
    assert_eq!(app.fake.callback_answer(&forged).await, "这个按钮已失效。");
    assert_eq!(count(app, buyer, "欢迎回家"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_who_links_after_the_handover_was_recorded_is_asked_on_linking() {
    let site = site().await;
    let (app, ambassador) = (&site.app, &site.ambassador);
    // 2-1-104 (buyer 3) has not opened the bot: the record waits.
    reply_to(app, ambassador, "/handover 2-1-104").await;
    for kind in ["入户门钥匙", "信箱钥匙", "门禁卡"] {
        wait_text(app, ambassador, &format!("{kind}几把")).await;
        press(app, ambassador, "0").await;
    }
    for meter in ["水表", "电表", "燃气表"] {
        wait_text(app, ambassador, &format!("{meter}：请发送表的照片")).await;
        press(app, ambassador, "本户没有这块表").await;
    }
    wait_text(app, ambassador, "业主领取了哪些资料").await;
    press(app, ambassador, "✔ 完成").await;
    press(app, ambassador, "📨 发给业主确认").await;
    wait_text(app, ambassador, "还没有使用本机器人").await;
    assert_ne!(stage_of(app, "2-1-104").await, Stage::HandedOver);

    let buyer = app.fake.user(30_003, "B3");
    link_by_contact(app, &buyer, &buyer_phone(3)).await;
    let ask = wait_text(app, &buyer, "已记录您房屋的交接情况").await;
    for line in [
        "入户门钥匙 × 0",
        "水表：本户没有",
        "燃气表：本户没有",
        "资料：无",
    ] {
        assert!(
            ask.plain_text.contains(line),
            "{line} in {}",
            ask.plain_text
        );
    }
    app.fake
        .press_button_with_text(&buyer, &ask, &zh("button-handover-received", &[]));
    // The introduction to their ambassador, queued on linking, goes out a moment later and
    // keeps its place before the welcome.
    app.advance(Duration::seconds(3));
    wait_text(app, &buyer, "专属交付大使").await;
    wait_text(app, &buyer, "欢迎回家").await;
    assert_eq!(stage_of(app, "2-1-104").await, Stage::HandedOver);
}

/// The checklist for `unit` with `door_keys` door keys and nothing else, sent to the buyers.
/// Waits only for messages after the ones already in the ambassador's chat, so it can run
/// twice for one home.
async fn quick_checklist(app: &TestApp, ambassador: &User, unit: &str, door_keys: &str) {
    let newer = |after: i64, needle: &'static str| {
        app.fake.wait_for_message(ambassador.id, move |m| {
            m.message_id > after && m.plain_text.contains(needle)
        })
    };
    let start = reply_to(app, ambassador, &format!("/handover {unit}")).await;
    let mut last = start.message_id;
    for (needle, answer) in [
        ("入户门钥匙几把", door_keys),
        ("信箱钥匙几把", "0"),
        ("门禁卡几把", "0"),
        ("水表：请发送表的照片", "本户没有这块表"),
        ("电表：请发送表的照片", "本户没有这块表"),
        ("燃气表：请发送表的照片", "本户没有这块表"),
        ("业主领取了哪些资料", "✔ 完成"),
        ("交房记录，请核对", "📨 发给业主确认"),
    ] {
        let question = newer(last, needle).await;
        last = question.message_id;
        app.fake
            .press_button_with_text(ambassador, &question, answer);
    }
    newer(last, "交房记录已发给").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_pressing_a_record_the_ambassador_redid_gets_the_new_one_to_confirm() {
    let site = site().await;
    let (app, ambassador, buyer) = (&site.app, &site.ambassador, &site.buyers[1]);
    quick_checklist(app, ambassador, "2-1-102", "1").await;
    let first = wait_text(app, buyer, "入户门钥匙 × 1").await;
    // The ambassador miscounted the keys and does the checklist again.
    quick_checklist(app, ambassador, "2-1-102", "2").await;
    let second = wait_text(app, buyer, "入户门钥匙 × 2").await;

    // The buyer answers the first record, still on their screen: it no longer counts, its
    // buttons go, and the record that does count comes again with its buttons. Either answer
    // on it, and a press from a screen that still shows it (another device), ends there.
    let data_of = |label: &str| {
        first
            .inline_buttons()
            .into_iter()
            .find(|b| b.text == label)
            .and_then(|b| b.callback_data)
            .expect("the first record has both buttons")
    };
    let (issue_old, confirm_old) = (data_of("❌ 有不对的地方"), data_of("✅ 我已收房"));
    let mut again = None;
    for press_old in [issue_old, confirm_old] {
        let mark = app
            .fake
            .sent_messages(buyer.id)
            .last()
            .map_or(0, |m| m.message_id);
        app.fake
            .press_crafted_button(buyer, first.message_id, &press_old);
        let notice = app
            .fake
            .wait_for_message(buyer.id, |m| {
                m.message_id > mark && m.plain_text.contains("旧的作废")
            })
            .await;
        let record = app
            .fake
            .wait_for_message(buyer.id, |m| {
                m.message_id > notice.message_id && m.plain_text.contains("请核对")
            })
            .await;
        assert!(
            record.plain_text.contains("入户门钥匙 × 2"),
            "{}",
            record.plain_text
        );
        assert!(
            app.fake
                .message(buyer.id, first.message_id)
                .is_some_and(|m| m.inline_buttons().is_empty()),
            "the replaced record kept its buttons"
        );
        again = Some(record);
    }
    assert_eq!(count(app, buyer, "旧的作废"), 2);
    assert_ne!(stage_of(app, "2-1-102").await, Stage::HandedOver);
    assert!(!second.inline_buttons().is_empty());
    let again = again.expect("two presses");
    app.fake
        .press_button_with_text(buyer, &again, &zh("button-handover-received", &[]));
    wait_text(app, buyer, "欢迎回家").await;
    assert_eq!(stage_of(app, "2-1-102").await, Stage::HandedOver);
    assert_eq!(count(app, buyer, "欢迎回家"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follow_ups_keep_their_days_across_a_restart_and_stop_on_request() {
    let mut site = site().await;
    hand_over(&site).await;
    let buyer = site.buyers[0].clone();
    let ambassador = site.ambassador.clone();
    let supervisor = site.supervisor.clone();

    // D+1, 10:00 local: thanks.
    site.app.advance(Duration::hours(24));
    assert_eq!(
        count(&site.app, &buyer, "感谢您入住"),
        0,
        "not before 10:00"
    );
    site.app.advance(Duration::hours(2));
    wait_text(&site.app, &buyer, "感谢您入住 1-1-101").await;

    // A restart between D+1 and D+7: no duplicate, no gap.
    site.app.restart().await;
    site.app.advance(Duration::days(6));
    let app = &site.app;
    until(app, "the D+7 check", || {
        count(app, &buyer, "一切都好吗") == 1
    })
    .await;
    until(app, "the weekly digest", || {
        count(app, &buyer, "本周整改进度：还有 1 项") == 1
    })
    .await;
    assert_eq!(count(app, &buyer, "感谢您入住"), 1);

    // "Something's wrong" opens a report; accepted after handover, it is under warranty.
    press(app, &buyer, "🔧 有问题，我要报修").await;
    press(app, &buyer, "卫生间").await;
    wait_text(app, &buyer, "请用文字描述问题").await;
    app.fake.send_text(&buyer, "花洒漏水");
    press(app, &buyer, "📨 提交").await;
    wait_text(app, &buyer, "已提交").await;
    press(app, &ambassador, "✅ 受理").await;
    press(app, &ambassador, "给排水").await;
    press(app, &ambassador, "一般").await;
    let accepted = wait_text(app, &buyer, "在保修期内（至 2028-11-25）").await;
    assert!(
        accepted.plain_text.contains(&fixed("category-plumbing")),
        "{}",
        accepted.plain_text
    );

    // D+30: the survey. A score of 1 alerts the ambassador and the supervisor at once, once.
    app.advance(Duration::days(23));
    until(app, "the survey", || {
        count(app, &buyer, "您对 1-1-101 的交付满意吗") == 1
    })
    .await;
    press(app, &buyer, "1 ⭐").await;
    wait_text(app, &buyer, "感谢您的 1 ⭐ 评价").await;
    for person in [&ambassador, &supervisor] {
        let alert = wait_text(app, person, "满意度偏低：Buyer 0（1-1-101）打了 1 分").await;
        assert!(
            alert.plain_text.contains("当前满意度 1.00（1 份回答）"),
            "{}",
            alert.plain_text
        );
    }
    app.fake.send_text(&buyer, "交房太慢");
    wait_text(app, &buyer, "感谢您的反馈").await;
    wait_text(app, &ambassador, "补充了满意度评价：“交房太慢”").await;
    let survey = app
        .fake
        .sent_messages(buyer.id)
        .into_iter()
        .find(|m| m.plain_text.contains("您对 1-1-101 的交付满意吗"))
        .unwrap();
    let again = app.fake.press_crafted_button(
        &buyer,
        &survey,
        &Callback::Survey(survey_id(app).await, 2).encode(),
    );
    app.fake.callback_answer(&again).await;
    assert_eq!(count(app, &ambassador, "满意度偏低"), 1);
    assert_eq!(count(app, &supervisor, "满意度偏低"), 1);
    assert_eq!(app.services().satisfaction().await.unwrap(), (Some(1.0), 1));

    // /stop: no more follow-ups, but repair updates still come.
    app.fake.send_text(&buyer, "/stop");
    wait_text(app, &buyer, "不再收到回访消息").await;
    let limit = std::time::Duration::from_millis(300);
    app.services().outbox_waker.settle(limit).await;
    let digests = count(app, &buyer, "本周整改进度");
    app.advance(Duration::days(320));
    let services = app.services();
    services.scheduler_waker.settle(limit).await;
    services.outbox_waker.settle(limit).await;
    assert_eq!(
        count(app, &buyer, "天了，一切都好吗"),
        0,
        "no D+90/D+180 check-ins"
    );
    assert_eq!(count(app, &buyer, "交付满一年"), 0, "no D+330 reminder");
    assert_eq!(count(app, &buyer, "本周整改进度"), digests, "no digests");
    let leak = {
        let mut tx = services.store.read().await.unwrap();
        let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
        let defects = tx.defects_of_unit(unit, None).await.unwrap();
        tx.commit().await.unwrap();
        defects[0].id
    };
    let engineer = app.fake.user(8_401, "Zhang");
    link_by_contact(app, &engineer, "+8613700000002").await;
    reply_to(app, &engineer, "/tasks").await;
    crate::support::steps::step_on_card(app, &engineer, leak, "🔨 开始整改").await;
    press(app, &engineer, "✔ 确认").await;
    wait_text(app, &buyer, "整改中").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_made_on_the_last_day_of_cover_stays_under_warranty_when_reviewed_later() {
    // One month of cover: handed over on 2026-11-26, covered to 2026-12-25.
    let site = site_with(|config| {
        config.warranty = handover_bot::domain::aftercare::Warranty::parse("*=1m").unwrap();
    })
    .await;
    hand_over(&site).await;
    let (app, ambassador, buyer) = (&site.app, &site.ambassador, &site.buyers[0]);
    app.fake.send_text(buyer, "/stop");
    wait_text(app, buyer, "不再收到回访消息").await;
    // The last day of cover, 15:00 local.
    app.advance(Duration::days(29) + Duration::hours(6));
    // The weekly digest of the open leak may arrive meanwhile: the answer is found by its words.
    app.fake.send_text(buyer, "/report");
    wait_text(app, buyer, "哪个房间").await;
    press(app, buyer, "卫生间").await;
    wait_text(app, buyer, "请用文字描述问题").await;
    app.fake.send_text(buyer, "花洒漏水");
    press(app, buyer, "📨 提交").await;
    wait_text(app, buyer, "已提交").await;
    // The ambassador reviews it three days later, after cover ended.
    app.advance(Duration::days(3));
    press(app, ambassador, "✅ 受理").await;
    press(app, ambassador, "给排水").await;
    press(app, ambassador, "一般").await;
    let accepted = wait_text(app, buyer, "已受理").await;
    assert!(
        accepted
            .plain_text
            .contains("您于 2026-12-25 报修，在保修期内（至 2026-12-25）"),
        "{}",
        accepted.plain_text
    );
}

/// The id of 1-1-101's survey.
async fn survey_id(app: &TestApp) -> i64 {
    let mut tx = app.services().store.read().await.unwrap();
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    let follow_ups = tx.follow_ups_of_unit(unit).await.unwrap();
    tx.commit().await.unwrap();
    follow_ups
        .into_iter()
        .find(|f| f.kind == handover_bot::domain::aftercare::FollowUpKind::Survey)
        .expect("a survey")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_households_complaining_about_one_thing_in_one_building_raise_one_flag() {
    let site = site().await;
    let (app, supervisor, reception) = (&site.app, &site.supervisor, &site.reception);
    let complain = |buyer: &User, text: &'static str| {
        let buyer = buyer.clone();
        async move {
            let start = reply_to(app, &buyer, "/complain").await;
            let after = |needle: &'static str| {
                let buyer = buyer.clone();
                async move {
                    app.fake
                        .wait_for_message(buyer.id, |m| {
                            m.message_id > start.message_id && m.plain_text.contains(needle)
                        })
                        .await
                }
            };
            press(app, &buyer, "渗漏").await;
            after("严重程度").await;
            press(app, &buyer, "重要").await;
            after("请用一条消息描述").await;
            app.fake.send_text(&buyer, text);
            after("已登记").await;
        }
    };
    // Buyers 0, 2 and 4 live in building 1; buyer 1 in building 2.
    complain(&site.buyers[0], "阳台渗水").await;
    complain(&site.buyers[1], "卫生间渗水").await;
    complain(&site.buyers[2], "外墙渗水").await;
    // One household complaining twice is still one household.
    complain(&site.buyers[0], "还是渗水").await;
    assert_eq!(count(app, supervisor, "群诉风险"), 0);
    let receipt = wait_text(app, reception, "投诉 #1 — 重要").await;
    assert!(
        receipt.plain_text.contains("1-1-101 · Buyer 0 · 渗漏"),
        "{}",
        receipt.plain_text
    );
    assert!(
        receipt.plain_text.contains("请在 2026-11-27 09:"),
        "{}",
        receipt.plain_text
    );

    complain(&site.buyers[3], "楼道渗水").await;
    let flag = wait_text(app, supervisor, "群诉风险").await;
    assert!(
        flag.plain_text
            .contains("楼栋 1，7 天内有 3 户就“渗漏”投诉：1-1-101、1-1-103、1-1-105"),
        "{}",
        flag.plain_text
    );
    complain(&site.buyers[2], "又渗水了").await;
    let mut tx = app.services().store.read().await.unwrap();
    let flags = tx.group_flags().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(count(app, supervisor, "群诉风险"), 1);

    // Reception acknowledges #1 in time; the buyer hears who has it.
    app.fake
        .press_button_with_text(reception, &receipt, &zh("button-complaint-ack", &[]));
    wait_text(app, &site.buyers[0], "已由 Sun Jie 受理").await;
    wait_text(app, reception, "投诉 #1 已受理，并已通知业主").await;
    let list = reply_to(app, reception, "/complaints").await;
    assert!(
        list.plain_text.contains("待受理的投诉：5 条"),
        "{}",
        list.plain_text
    );
    // The rest escalate to the supervisor once the day is out, each once.
    app.advance(Duration::hours(25));
    until(app, "five escalations", || {
        count(app, supervisor, "未在") == 5
    })
    .await;
    assert_eq!(count(app, supervisor, "投诉 #1 未在"), 0);
    app.advance(Duration::days(2));
    let services = app.services();
    services
        .scheduler_waker
        .settle(std::time::Duration::from_millis(300))
        .await;
    assert_eq!(count(app, supervisor, "未在"), 5);
    // Buyers cannot acknowledge.
    let last = app.fake.sent_messages(site.buyers[1].id).pop().unwrap();
    let forged =
        app.fake
            .press_crafted_button(&site.buyers[1], &last, &Callback::ComplaintAck(2).encode());
    assert_eq!(app.fake.callback_answer(&forged).await, "这个按钮已失效。");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn complaints_filed_at_the_same_moment_raise_exactly_one_group_flag() {
    use handover_bot::domain::aftercare::{Level, Topic};
    use handover_bot::domain::people::Actor;
    // Nothing escalates while the clock moves on a week per round.
    let site = site_with(|config| config.complaint_ack = Duration::days(100_000)).await;
    let app = &site.app;
    let services = app.services().clone();
    // On PostgreSQL the statistics trigger on complaints happens to lock the building's tally
    // row, which lines complaints up; the group check must not depend on that.
    if app.database_url().starts_with("postgres") {
        let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
        sqlx::query("DROP TRIGGER complaints_tally_insert ON complaints")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    // Buyers 0, 2 and 4: three households of building 1.
    let mut buyers = Vec::new();
    for person in [&site.buyers[0], &site.buyers[2], &site.buyers[3]] {
        let actor = services.identify(person.id, None).await.unwrap().actor;
        let Actor::Buyer(homes) = &actor else {
            panic!("{actor:?}")
        };
        let unit = homes[0].unit.unit_id;
        buyers.push((actor, unit));
    }
    let rounds = 50;
    for round in 0..rounds {
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(buyers.len()));
        let filings: Vec<_> = buyers
            .iter()
            .map(|(actor, unit)| {
                let (services, actor, unit) = (services.clone(), actor.clone(), *unit);
                let start = start.clone();
                tokio::spawn(async move {
                    start.wait().await;
                    services
                        .file_complaint(&actor, unit, Topic::Leakage, Level::Important, "渗水")
                        .await
                })
            })
            .collect();
        for filing in filings {
            assert!(filing.await.unwrap().unwrap().is_some());
        }
        let mut tx = services.store.read().await.unwrap();
        let flags = tx.group_flags().await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(flags.len(), round + 1, "round {round}: {flags:?}");
        // The next round is a new window.
        app.advance(Duration::days(8));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ambassadors_review_lists_the_open_defects_the_buyer_will_be_asked_to_accept() {
    let site = site().await;
    let (app, ambassador, buyer) = (&site.app, &site.ambassador, &site.buyers[0]);
    record_leak(app, ambassador).await;
    let start = reply_to(app, ambassador, "/handover 1-1-101").await;
    let mut last = start.message_id;
    for (needle, answer) in [
        ("入户门钥匙几把", "1"),
        ("信箱钥匙几把", "0"),
        ("门禁卡几把", "0"),
        ("水表：请发送表的照片", "本户没有这块表"),
        ("电表：请发送表的照片", "本户没有这块表"),
        ("燃气表：请发送表的照片", "本户没有这块表"),
        ("业主领取了哪些资料", "✔ 完成"),
    ] {
        let question = app
            .fake
            .wait_for_message(ambassador.id, |m| {
                m.message_id > last && m.plain_text.contains(needle)
            })
            .await;
        last = question.message_id;
        app.fake
            .press_button_with_text(ambassador, &question, answer);
    }
    let review = wait_text(app, ambassador, "交房记录，请核对").await;
    for line in ["以下 1 项问题保留跟踪", "厨房 · 渗漏 — 水槽下漏水"] {
        assert!(
            review.plain_text.contains(line),
            "{line} in {}",
            review.plain_text
        );
    }
    press(app, ambassador, "📨 发给业主确认").await;
    let ask = wait_text(app, buyer, "请核对").await;
    // What the ambassador checked is what the buyer is asked to accept.
    let defects = |text: &str| {
        text.lines()
            .skip_while(|l| !l.contains("保留跟踪"))
            .take_while(|l| l.starts_with("  •") || l.contains(&fixed("handover-line-defects")))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(defects(&review.plain_text), defects(&ask.plain_text));
}

/// The ambassador sends the checklist again while the buyer confirms the first one: either the
/// confirmation wins (the home is handed over, the new record is refused) or the new record
/// does (it waits for the buyer, who is shown it) — never a handed-over home with a record
/// still waiting. Many rounds, on PostgreSQL where the two really run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checklist_sent_again_while_the_buyer_confirms_leaves_one_consistent_outcome() {
    use handover_bot::domain::aftercare::HandoverDraft;
    use handover_bot::services::handover::Confirmation;
    const ROUNDS: usize = 50;
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    let mut csv = String::from("building,entrance,room,name,phone\n");
    for i in 0..ROUNDS {
        csv.push_str(&format!("1,1,{},Buyer Many,13900009999\n", 101 + i));
    }
    load_buyers(&app, &csv).await;
    let buyer = app.fake.user(30_999, "Many");
    link_by_contact(&app, &buyer, "+86 13900009999").await;
    let services = app.services().clone();
    let staff = services.identify(supervisor.id, None).await.unwrap().actor;
    let owner = services.identify(buyer.id, None).await.unwrap().actor;
    let draft = HandoverDraft {
        keys: vec![("entrance_door".to_string(), 2)],
        ..HandoverDraft::default()
    };
    let mut outcomes = std::collections::BTreeMap::new();
    for i in 0..ROUNDS {
        let mut tx = services.store.read().await.unwrap();
        let unit = tx
            .find_households(&format!("1-1-{}", 101 + i))
            .await
            .unwrap()[0]
            .unit
            .unit_id;
        tx.commit().await.unwrap();
        let first = services
            .submit_handover(&staff, unit, &draft)
            .await
            .unwrap()
            .expect("the first record");
        let (again, confirmed) = tokio::join!(
            services.submit_handover(&staff, unit, &draft),
            services.confirm_handover(&owner, first.id)
        );
        let (again, confirmed) = (
            again.expect("the second submit runs"),
            confirmed.expect("the confirmation runs"),
        );
        let mut tx = services.store.read().await.unwrap();
        let handed_over = tx.handed_over_at(unit).await.unwrap().is_some();
        let waiting = match &again {
            Some(s) => tx.handover(s.id).await.unwrap().map(|h| h.status),
            None => None,
        };
        tx.commit().await.unwrap();
        let outcome = format!(
            "again {:?}, confirmation {confirmed:?}, handed over {handed_over}, new record {waiting:?}",
            again.as_ref().map(|s| s.id)
        );
        let consistent = match (&again, &confirmed) {
            (None, Confirmation::Confirmed) => handed_over,
            (Some(_), Confirmation::Replaced) => {
                !handed_over && waiting == Some(HandoverStatus::AwaitingBuyer)
            }
            _ => false,
        };
        assert!(consistent, "round {i}: {outcome}");
        *outcomes
            .entry(matches!(confirmed, Confirmation::Confirmed))
            .or_insert(0) += 1;
    }
    eprintln!("confirmation won / record won: {outcomes:?}");
    app.stop().await;
}

/// Sends `text` as `person` and waits for the bot's answer: `done`, or that something went
/// wrong.
async fn text_and_answer(app: &TestApp, person: &User, text: &str, done: &str) {
    let before = app.fake.last_message(person.id).map_or(0, |m| m.message_id);
    app.fake.send_text(person, text);
    app.fake
        .wait_for_message(person.id, |m| {
            m.message_id > before
                && (m.plain_text.contains(done) || m.plain_text.contains("出了点问题"))
        })
        .await;
}

/// Each step a person takes that writes something (a complaint, a message to the ambassador,
/// a note, a reply, "something is not right", the handover record) is taken once when a crash
/// comes right after its record and the update is handled again after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_handled_again_after_a_crash_right_after_its_record_is_taken_once() {
    use crate::support::faults::{crash_after_the_record, settled};
    let mut site = site().await;
    let (ambassador, reception, buyer) = (
        site.ambassador.clone(),
        site.reception.clone(),
        site.buyers[0].clone(),
    );
    let mut twice = Vec::new();

    // A complaint.
    reply_to(&site.app, &buyer, "/complain").await;
    press(&site.app, &buyer, "渗漏").await;
    wait_text(&site.app, &buyer, "严重程度").await;
    press(&site.app, &buyer, "重要").await;
    wait_text(&site.app, &buyer, "请用一条消息描述").await;
    crash_after_the_record(&mut site.app, async |app: &TestApp| {
        text_and_answer(app, &buyer, "阳台渗水，墙面发霉", "已登记").await
    })
    .await;
    settled(&site.app).await;
    wait_text(&site.app, &reception, "阳台渗水，墙面发霉").await;
    settled(&site.app).await;
    if count(&site.app, &reception, "阳台渗水，墙面发霉") != 1 {
        twice.push("complaint");
    }

    // A message to the ambassador.
    crash_after_the_record(&mut site.app, async |app: &TestApp| {
        text_and_answer(app, &buyer, "请问什么时候可以交房？", "已转达").await
    })
    .await;
    settled(&site.app).await;
    let relayed = wait_text(&site.app, &ambassador, "请问什么时候可以交房？").await;
    settled(&site.app).await;
    if count(&site.app, &ambassador, "请问什么时候可以交房？") != 1 {
        twice.push("message to the ambassador");
    }

    // The ambassador's reply.
    site.app
        .fake
        .press_button_with_text(&ambassador, &relayed, &zh("button-reply", &[]));
    wait_text(&site.app, &ambassador, "请输入给业主的回复").await;
    crash_after_the_record(&mut site.app, async |app: &TestApp| {
        text_and_answer(app, &ambassador, "下周六上午可以交房", "已发送给").await
    })
    .await;
    settled(&site.app).await;
    wait_text(&site.app, &buyer, "下周六上午可以交房").await;
    settled(&site.app).await;
    if count(&site.app, &buyer, "下周六上午可以交房") != 1 {
        twice.push("reply");
    }

    // A note on the household's card.
    let card = reply_to(&site.app, &ambassador, "/customer 1-1-101").await;
    site.app
        .fake
        .press_button_with_text(&ambassador, &card, &zh("button-add-note", &[]));
    wait_text(&site.app, &ambassador, "请输入备注内容").await;
    crash_after_the_record(&mut site.app, async |app: &TestApp| {
        text_and_answer(app, &ambassador, "业主周末才有空", "备注已保存").await
    })
    .await;
    settled(&site.app).await;
    let card = reply_to(&site.app, &ambassador, "/customer 1-1-101").await;
    if card.plain_text.matches("业主周末才有空").count() != 1 {
        twice.push("note");
    }

    // The handover record, sent to the buyer.
    let app = &site.app;
    reply_to(app, &ambassador, "/handover 1-1-101").await;
    for (question, answer) in [
        ("入户门钥匙几把", "1"),
        ("信箱钥匙几把", "0"),
        ("门禁卡几把", "0"),
        ("水表：请发送表的照片", "本户没有这块表"),
        ("电表：请发送表的照片", "本户没有这块表"),
        ("燃气表：请发送表的照片", "本户没有这块表"),
    ] {
        wait_text(app, &ambassador, question).await;
        press(app, &ambassador, answer).await;
    }
    // A document ticked, the tick handled a second time (a double tap, or Telegram delivering
    // it again after a crash): still ticked.
    let documents = wait_text(app, &ambassador, "业主领取了哪些资料").await;
    let tick = documents
        .callback_data_for(&zh(
            "checkbox",
            &[
                ("ticked", "no".into()),
                ("label", zh("document-quality-guarantee", &[]).into()),
            ],
        ))
        .unwrap();
    for _ in 0..2 {
        let query = app
            .fake
            .press_crafted_button(&ambassador, documents.message_id, &tick);
        app.fake.callback_answer(&query).await;
    }
    app.fake.press_button_with_text(
        &ambassador,
        &documents,
        &zh("button-handover-documents-done", &[]),
    );
    let review = wait_text(app, &ambassador, "交房记录，请核对").await;
    if !review.plain_text.contains("资料：质量保证书") {
        twice.push("document tick");
    }
    crash_after_the_record(&mut site.app, async |app: &TestApp| {
        let query = app.fake.press_button_with_text(
            &ambassador,
            &review,
            &zh("button-handover-submit", &[]),
        );
        app.fake.callback_answer(&query).await;
    })
    .await;
    settled(&site.app).await;
    let ask = wait_text(&site.app, &buyer, "请核对").await;
    settled(&site.app).await;
    if count(&site.app, &buyer, "请核对") != 1 {
        twice.push("handover record");
    }

    // "Something is not right".
    site.app
        .fake
        .press_button_with_text(&buyer, &ask, &zh("button-handover-issue", &[]));
    wait_text(&site.app, &buyer, "哪里不对").await;
    crash_after_the_record(&mut site.app, async |app: &TestApp| {
        text_and_answer(app, &buyer, "信箱钥匙少了一把", "已转给您的交付大使").await
    })
    .await;
    settled(&site.app).await;
    wait_text(&site.app, &ambassador, "信箱钥匙少了一把").await;
    settled(&site.app).await;
    if count(&site.app, &ambassador, "信箱钥匙少了一把") != 1 {
        twice.push("something is not right");
    }

    assert!(twice.is_empty(), "taken twice: {twice:?}");
    site.app.stop().await;
}
