//! Moving an embedded deployment to PostgreSQL: `handover-bot migrate-data`.

use crate::support::app::binary;
use crate::support::people::{buyer_phone, buyers_csv, link_by_contact, load_buyers, reply_to};
use crate::support::site::{Campaign, Site};
use crate::support::steps::{press_on, wait_saying};
use crate::support::text::{fixed, head, says, zh};
use handover_bot::bot::callback::Callback;
use handover_bot::clock::Clock as _;
use handover_bot::domain::message::Content;
use handover_bot::domain::people::{Lang, Role};
use handover_bot::services::staff::Issuer;
use handover_bot::store::Store;
use handover_bot::store::testdb::{TestDatabase, admin_url};
use handover_bot::store::transfer::{CopiedTable, row_counts};
use std::process::Output;

fn migrate_data(from: &str, to: &str) -> Output {
    binary()
        .args(["migrate-data", "--from", from, "--to", to])
        .output()
        .expect("the binary runs")
}

async fn counts(url: &str) -> Vec<CopiedTable> {
    let store = Store::connect(url).await.unwrap();
    let counts = row_counts(&store).await.unwrap();
    store.close().await;
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_deployment_moves_to_postgres_with_equal_counts_and_the_same_answers() {
    let Some(admin) = admin_url() else {
        eprintln!("skipped: needs TEST_DATABASE_URL (a PostgreSQL server)");
        return;
    };
    let sqlite_dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!(
        "sqlite://{}",
        sqlite_dir.path().join("handover.db").display()
    );
    let target = TestDatabase::create(&admin);

    // A SQLite deployment in use: people, a buyer halfway through a conversation, an invite,
    // sent and scheduled messages, handled updates, the audit trail.
    // The application starts on this SQLite file, the one migrate-data reads below.
    let url = sqlite_url.clone();
    let Campaign {
        mut app,
        supervisor,
        ..
    } = Site::new()
        .homes(3)
        .ambassador_on_file()
        .engineer_on_file_for("1，2")
        .config(move |config| {
            config.database_url = url;
            config.group_complaints.households = 2;
        })
        .assigned()
        .await;
    let supervisor_actor = app
        .services()
        .identify(supervisor.id, None)
        .await
        .unwrap()
        .actor;
    let unit = app
        .services()
        .ambassador_overview(&supervisor_actor)
        .await
        .unwrap()[0]
        .1[0]
        .unit
        .unit_id;
    assert!(
        app.services()
            .add_note(&supervisor_actor, unit, "prefers calls after 6 pm")
            .await
            .unwrap()
    );
    // A finished walk-through with a photo (inspections, defects, media and their links).
    use handover_bot::domain::defect::{Category, Room, Severity};
    use handover_bot::services::defects::{DefectDraft, Found, InspectTarget, StartedInspection};
    let Found::One(StartedInspection { id: inspection, .. }) = app
        .services()
        .start_inspection(&supervisor_actor, InspectTarget::Unit(unit))
        .await
        .unwrap()
    else {
        panic!("the supervisor may inspect")
    };
    let photo = app
        .services()
        .store_media(Some("unique-1"), b"\xFF\xD8 a photo", "image/jpeg", "jpg")
        .await
        .unwrap();
    let draft = DefectDraft {
        room: Room::Kitchen,
        category: Category::Leakage,
        severity: Severity::High,
        note: "sink".into(),
        photos: vec![photo],
        voice: None,
    };
    app.services()
        .save_defect(&supervisor_actor, inspection, &draft)
        .await
        .unwrap()
        .unwrap();
    app.services()
        .finish_inspection(&supervisor_actor, inspection)
        .await
        .unwrap()
        .unwrap();
    // Routed to the building's engineer, who fixes it with an after-fix photo (fix_photos).
    {
        use handover_bot::domain::people::{Actor, Role};
        use handover_bot::domain::remediation::Action;
        use handover_bot::services::remediation::{FixReport, Step};
        let mut tx = app.services().store.read().await.unwrap();
        let engineer = tx
            .all_staff()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.roles.has(Role::Engineer))
            .unwrap();
        let defect = tx.defects_of_unit(unit, None).await.unwrap()[0].id;
        tx.commit().await.unwrap();
        let engineer = Actor::Staff(engineer);
        let started = app
            .services()
            .move_defect(&engineer, defect, Action::Start, "")
            .await
            .unwrap();
        assert!(matches!(started, Step::Done(_)), "{started:?}");
        let after = app
            .services()
            .store_media(Some("unique-2"), b"\xFF\xD8 after", "image/jpeg", "jpg")
            .await
            .unwrap();
        let fixed = app
            .services()
            .mark_fixed(
                &engineer,
                &[FixReport {
                    defect,
                    photos: vec![after],
                    note: "resealed".into(),
                }],
            )
            .await
            .unwrap();
        assert!(fixed.is_ok(), "{fixed:?}");
    }
    // A confirmed handover with a meter photo and its recorder's signature (handovers,
    // meter_readings, handover_signatures, follow_ups, handover_records and the record's PDF in
    // handover_record_files), and
    // complaints from two homes of building 1 that raise a group flag.
    {
        use handover_bot::domain::aftercare::{HandoverDraft, Level, MeterReading, Topic};
        use handover_bot::domain::people::Actor;
        let meter = app
            .services()
            .store_media(Some("unique-3"), b"\xFF\xD8 meter", "image/jpeg", "jpg")
            .await
            .unwrap();
        let draft = HandoverDraft {
            keys: vec![("entrance_door".into(), 2)],
            meters: vec![MeterReading {
                meter: "water".into(),
                reading: "12.5".into(),
                photo: meter,
            }],
            meters_absent: Vec::new(),
            documents: vec!["usage_manual".into()],
        };
        let submitted = app
            .services()
            .submit_handover(&supervisor_actor, unit, &draft)
            .await
            .unwrap()
            .expect("the supervisor may hand over");
        // The one who recorded it signs it, as on the Mini App page (handover_signatures).
        let signed = app
            .services()
            .sign_handover(
                &handover_bot::services::signatures::PageLogin {
                    telegram_id: supervisor.id,
                    language_code: None,
                    auth_date: app.clock.now(),
                },
                submitted.id,
                handover_bot::domain::signature::Drawing {
                    width: 300.0,
                    height: 150.0,
                    strokes: vec![vec![[10.0, 10.0], [200.0, 80.0], [290.0, 20.0]]],
                },
            )
            .await
            .unwrap();
        assert!(
            matches!(
                signed,
                Some(handover_bot::services::signatures::Signed::Kept { .. })
            ),
            "{signed:?}"
        );
        let buyers_of = |unit: i64| {
            let services = app.services().clone();
            async move {
                let mut tx = services.store.read().await.unwrap();
                let buyers = tx.buyers_of_unit(unit).await.unwrap();
                tx.commit().await.unwrap();
                Actor::Buyer(buyers)
            }
        };
        app.services()
            .confirm_handover(&buyers_of(unit).await, submitted.id)
            .await
            .unwrap();
        for home in ["1-1-101", "1-1-103"] {
            let mut tx = app.services().store.read().await.unwrap();
            let home = tx.find_households(home).await.unwrap()[0].unit.unit_id;
            tx.commit().await.unwrap();
            app.services()
                .file_complaint(
                    &buyers_of(home).await,
                    home,
                    Topic::Leakage,
                    Level::Major,
                    "漏水",
                )
                .await
                .unwrap()
                .expect("their own home");
        }
        // A signed target (targets).
        use handover_bot::domain::kpi::Kpi;
        use handover_bot::services::numbers::TargetChange;
        app.services()
            .targets(
                &supervisor_actor,
                None,
                Some(TargetChange {
                    kpi: Kpi::VisitRate,
                    value: Some(0.95),
                }),
            )
            .await
            .unwrap();
        // Everything this sent the supervisor is out before the next command's answer.
        wait_saying(&app, &supervisor, "handover-record").await;
        // The record's PDF (handover_records, handover_record_files).
        app.fake
            .wait_for_message(supervisor.id, |m| {
                m.file.as_ref().is_some_and(|f| {
                    f.file_name
                        .as_deref()
                        .is_some_and(|n| n.starts_with("handover-record-"))
                })
            })
            .await;
        let second = head("complaint-to-reception", &[("id", 2i64.into())]);
        app.fake
            .wait_for_message(supervisor.id, |m| m.plain_text.contains(&second))
            .await;
        wait_saying(&app, &supervisor, "group-complaint-flag").await;
    }
    // A buyer on Telegram before the invitation, so it reaches them (with its slot buttons).
    let buyer = app.fake.user(9_101, "B0");
    link_by_contact(&app, &buyer, &buyer_phone(0)).await;
    // A photo sent outside any flow: an upload counted and a relayed medium kept.
    app.fake
        .send_photo(&buyer, crate::support::steps::photo(7), Some("阳台"));
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&fixed("relay-kept")))
        .await;
    let slot = reply_to(&app, &supervisor, "/slots add 2026-11-28 10:00-11:00 5").await;
    assert!(says(&slot.plain_text, "slot-added"), "{}", slot.plain_text);
    let invited = reply_to(&app, &supervisor, "/invite all").await;
    assert!(
        invited
            .plain_text
            .contains(&head("invite-buyers-done", &[("invited", 3i64.into())])),
        "{}",
        invited.plain_text
    );
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
    let visitor = app.fake.user(9_201, "Sam");
    app.fake.send_text(&visitor, "/language");
    let choose = app
        .fake
        .wait_for_message(visitor.id, |m| m.reply_markup.is_some())
        .await;
    press_on(&app, &visitor, &choose, |c| {
        *c == Callback::Language(Lang::En)
    });
    app.fake
        .wait_for_message(visitor.id, |m| m.plain_text.contains("speak English"))
        .await;
    let visitor_start = reply_to(&app, &visitor, "/start").await.plain_text;
    app.services()
        .create_invite(Issuer::Cli, Role::Ambassador, None)
        .await
        .unwrap();
    // The introduction to their ambassador follows the greeting by a moment.
    app.advance(chrono::Duration::seconds(3));
    wait_saying(&app, &buyer, "buyer-intro").await;
    app.services()
        .queue_notification(buyer.id, "before-move", Content::text("hello"))
        .await
        .unwrap();
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text == "hello")
        .await;
    let later = app.clock.now() + chrono::Duration::days(3);
    app.services()
        .schedule_notification(
            buyer.id,
            "after-move",
            Content::text("three days on"),
            later,
        )
        .await
        .unwrap();
    // An account whose access ended (a staff member who left, never linked here): a row too.
    {
        let mut tx = app.services().store.begin().await.unwrap();
        tx.end_account(7_777_777, "staff.left", app.clock.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let people_before = reply_to(&app, &supervisor, "/people").await.plain_text;
    // An update a crash left unhandled, too old to be handled again: the inbox has a row too.
    {
        let mut tx = app.services().store.begin().await.unwrap();
        tx.put_in_inbox(
            &[(9_999_999, "{}")],
            app.clock.now() - chrono::Duration::days(2),
        )
        .await
        .unwrap();
        // A chat's turn a killed instance held while handling an update there, long run out.
        let now = app.clock.now();
        tx.take_chat_turn(9_999_999, 1, "a-killed-instance", now, now)
            .await
            .unwrap();
        // Before the campaign: a risk with its history, an early call to a home, a call told
        // overdue, a key date.
        use handover_bot::domain::precontact::{Attitude, KeyDate};
        use handover_bot::domain::risk::{RiskCategory, RiskScope, RiskStatus, Severity};
        let handover_bot::domain::people::Actor::Staff(me) = &supervisor_actor else {
            panic!("the supervisor is staff");
        };
        let (project, _) = tx.projects().await.unwrap()[0].clone();
        let risk = tx
            .upsert_risk(
                project,
                &handover_bot::store::risks::RiskFields {
                    scope: &RiskScope::UnitType {
                        unit_type: "A2".into(),
                    },
                    category: RiskCategory::SalesPromise,
                    difference: "brochure shows floor-to-ceiling windows",
                    response: None,
                    owner_staff_id: Some(me.id),
                    severity: Severity::High,
                },
                now,
            )
            .await
            .unwrap();
        tx.add_risk_event(risk.id, "cli", RiskStatus::Open, "", now)
            .await
            .unwrap();
        tx.add_precontact_call(
            &handover_bot::store::precontact::NewCall {
                unit_id: unit,
                staff_id: me.id,
                reached: true,
                attitude: Some(Attitude::Concerned),
                concerns: "windows",
                risks: &[risk.id],
                next_step: "visit on Friday",
            },
            now,
        )
        .await
        .unwrap();
        tx.mark_precontact_overdue(unit, now).await.unwrap();
        tx.set_key_date(
            project,
            KeyDate::FirstInspection,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 28),
            now,
        )
        .await
        .unwrap();
        let rehearsal = tx
            .start_rehearsal(
                project,
                "rehearsal-of-default",
                "default (rehearsal)",
                me.id,
                now,
            )
            .await
            .unwrap();
        tx.add_rehearsal_home(
            rehearsal,
            "演练",
            "101",
            "演练买家1",
            "reh_fixture",
            me.id,
            now,
        )
        .await
        .unwrap();
        // The answer library, a consultation, the decision group and an incident.
        let answer = tx
            .add_answer(
                project,
                &handover_bot::store::answers::AnswerFields {
                    question: "车位为什么少了？".into(),
                    keywords: vec!["车位".into(), "停车位".into()],
                    text_zh: "车位配比符合规划。".into(),
                    text_en: Some("The parking ratio is as planned.".into()),
                    scope: RiskScope::Project,
                    risks: vec![risk.id],
                },
                true,
                "staff:1",
                now,
            )
            .await
            .unwrap();
        tx.record_answer_use(
            "fixture",
            answer,
            1,
            handover_bot::store::answers::AnswerUse::Inline,
            now,
        )
        .await
        .unwrap();
        use handover_bot::domain::expert::{ExpertField, IncidentKind};
        tx.set_expert_fields(me.id, &[ExpertField::Legal])
            .await
            .unwrap();
        let consultation = tx
            .insert_consultation(ExpertField::Legal, Some(unit), "可以拒收吗？", me.id, now)
            .await
            .unwrap();
        tx.answer_consultation(consultation, "不可以。", me.id, now)
            .await
            .unwrap();
        tx.set_chat_group("decision", -100_123, "决策组", me.id, now)
            .await
            .unwrap();
        tx.add_floor_plan(project, "A2", "0123abcd", 1200, 800, "cli", now)
            .await
            .unwrap();
        let kitchen =
            handover_bot::domain::plan::RoomArea::new(&[(0.1, 0.1), (0.4, 0.1), (0.4, 0.5)])
                .unwrap();
        tx.add_room_area(project, "A2", Room::Kitchen, &kitchen, "cli", now)
            .await
            .unwrap();
        // A pin and a mirrored home: the new columns carry a float and a flag across.
        let pinned = tx.defects_of_unit(unit, None).await.unwrap()[0].id;
        let pin = handover_bot::domain::plan::Pin::new(0.25, 0.625).unwrap();
        assert!(tx.set_defect_pin(pinned, pin).await.unwrap());
        assert!(tx.set_plan_mirrored(unit, true).await.unwrap());
        tx.open_incident(
            IncidentKind::Complaint,
            "complaint:fixture",
            Some(unit),
            &serde_json::json!({ "zh-CN": "投诉", "en": "complaint" }),
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    app.pause().await;

    let before = counts(&sqlite_url).await;
    let empty: Vec<&str> = before
        .iter()
        .filter(|t| t.rows == 0)
        .map(|t| t.table.as_str())
        .collect();
    assert!(empty.is_empty(), "the deployment has no rows in {empty:?}");

    let output = migrate_data(&sqlite_url, target.url());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("counts match"), "{stdout}");
    for table in &before {
        assert!(
            stdout.contains(&table.table),
            "{} not reported:\n{stdout}",
            table.table
        );
    }
    assert_eq!(counts(target.url()).await, before);

    // The bot on PostgreSQL answers as before, carries the conversation on, and adds rows.
    app.config.database_url = target.url().to_string();
    app.resume().await;
    assert_eq!(
        reply_to(&app, &supervisor, "/people").await.plain_text,
        people_before
    );
    assert_eq!(
        reply_to(&app, &visitor, "/start").await.plain_text,
        visitor_start
    );
    let address = "上海市浦东新区海港路 8 号 1502 室";
    app.fake.send_text(&buyer, address);
    let saved = zh("address-saved", &[("address", address.into())]);
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&saved))
        .await;
    load_buyers(&app, &buyers_csv(5)).await;
    let people_after = reply_to(&app, &supervisor, "/people").await.plain_text;
    assert_ne!(people_after, people_before);
    assert!(people_after.contains('5'), "{people_after}");
    app.advance(chrono::Duration::days(3));
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text == "three days on")
        .await;
    app.stop().await;

    // A second run finds the target in use and writes nothing.
    let rows = counts(target.url()).await;
    let again = migrate_data(&sqlite_url, target.url());
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(counts(target.url()).await, rows);
}
