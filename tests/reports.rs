//! Supervisors' numbers: a campaign seeded through the real use cases, its KPIs worked out by
//! hand here, and `/summary`, `/targets` and `/overdue` agreeing; other roles refused.

use crate::support::app::TestApp;
use crate::support::people::{buyers_csv, linked_supervisor, load_buyers, reply_to};
use crate::support::site::{Campaign, Site};
use crate::support::steps::{record_leak, wait_text};
use crate::support::text::{fixed, head, parts, zh};
use chrono::Duration;
use handover_bot::domain::aftercare::{FollowUpKind, HandoverDraft, Level, Topic};
use handover_bot::domain::appointment::SlotKind;
use handover_bot::domain::defect::{Category, Room, Severity};
use handover_bot::domain::people::Actor;
use handover_bot::i18n::Arg;
use handover_bot::services::defects::{DefectDraft, Found, InspectTarget, StartedInspection};

async fn unit(app: &TestApp, label: &str) -> i64 {
    let mut tx = app.services().store.read().await.unwrap();
    let id = tx.find_households(label).await.unwrap()[0].unit.unit_id;
    tx.commit().await.unwrap();
    id
}

async fn buyers_of(app: &TestApp, label: &str) -> Actor {
    let unit = unit(app, label).await;
    let mut tx = app.services().store.read().await.unwrap();
    let buyers = tx.buyers_of_unit(unit).await.unwrap();
    tx.commit().await.unwrap();
    Actor::Buyer(buyers)
}

/// Line `index` of the summary with `args`, up to its first placeholder not among them.
fn summary_line(index: usize, args: &[(&str, Arg)]) -> String {
    let summary = zh("summary", args);
    let line = summary.lines().nth(index).expect("a line of the summary");
    line[..line.find("{$").unwrap_or(line.len())]
        .trim_end()
        .to_string()
}

/// A figure of the summary: the KPI (its locale key), its value, and how it stands against
/// its target if one is given.
fn kpi(name: &str, value: &str, versus: Option<String>) -> String {
    let mut args = vec![
        ("name", Arg::from(zh(name, &[]))),
        ("value", Arg::from(value)),
    ];
    if let Some(versus) = versus {
        args.push(("versus", versus.into()));
    }
    head("summary-kpi", &args)
}

/// "（目标 ≥ 90.0% ❌）": a target missed, at least (`at_least`) or at most `value`.
fn missed(at_least: bool, value: &str) -> String {
    let bound = if at_least {
        "target-at-least"
    } else {
        "target-at-most"
    };
    zh(
        "summary-target",
        &[
            ("target", zh(bound, &[("value", value.into())]).into()),
            ("mark", zh("target-missed", &[]).into()),
        ],
    )
}

/// A line of the project's targets: the KPI (its locale key), its code, at least `value`.
fn target_line(name: &str, code: &str, value: &str) -> String {
    zh(
        "targets-line",
        &[
            ("kpi", zh(name, &[]).into()),
            ("code", code.into()),
            (
                "value",
                zh("target-at-least", &[("value", value.into())]).into(),
            ),
        ],
    )
}

/// The refusal of `command` to a role that lacks it.
fn forbidden(command: &str) -> String {
    zh("forbidden", &[("command", command.into())])
}

async fn actor(app: &TestApp, telegram_id: i64) -> Actor {
    app.services()
        .identify(telegram_id, None)
        .await
        .unwrap()
        .actor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_agrees_with_kpis_worked_out_by_hand() {
    // Six homes: 1-1-101, 1-1-103, 1-1-105 in building 1; 2-1-102, 2-1-104, 2-1-106 in 2.
    let Campaign {
        app,
        supervisor,
        ambassador,
        engineer,
        buyer,
        ..
    } = Site::new()
        .engineer_for(1)
        .homes(6)
        .linked(&[0])
        .assigned()
        .await;
    let boss = actor(&app, supervisor.id).await;
    let services = app.services().clone();

    // All six invited; three book a time; two of them check in.
    reply_to(&app, &supervisor, "/slots add 2026-11-26 10:00-11:00 10").await;
    reply_to(
        &app,
        &supervisor,
        "/slots add 2026-11-28 14:00-16:00 5 handover",
    )
    .await;
    app.fake.send_text(&supervisor, "/invite all");
    wait_text(
        &app,
        &supervisor,
        &head("invite-buyers-done", &[("invited", 6i64.into())]),
    )
    .await;
    for home in ["1-1-101", "1-1-103", "2-1-102"] {
        let unit = unit(&app, home).await;
        let mut tx = services.store.read().await.unwrap();
        let appointment = tx
            .open_appointment(unit, SlotKind::Inspection)
            .await
            .unwrap()
            .unwrap();
        let slot = tx
            .upcoming_slots(
                &services.config.project,
                SlotKind::Inspection,
                services.clock.now(),
            )
            .await
            .unwrap()[0]
            .id;
        tx.commit().await.unwrap();
        let booked = services
            .book(&buyers_of(&app, home).await, appointment.id, slot)
            .await
            .unwrap();
        assert!(format!("{booked:?}").starts_with("Booked"), "{booked:?}");
        if home != "2-1-102" {
            services.check_in(&boss, appointment.id).await.unwrap();
        }
    }

    // Walk-throughs: 1-1-101 has one leak (through the chat), 1-1-103 two other defects.
    record_leak(&app, &ambassador).await;
    let Found::One(StartedInspection { id: inspection, .. }) = services
        .start_inspection(&boss, InspectTarget::Unit(unit(&app, "1-1-103").await))
        .await
        .unwrap()
    else {
        panic!("the supervisor may inspect")
    };
    for (room, category) in [
        (Room::Bedroom, Category::PaintAndWalls),
        (Room::Kitchen, Category::Electrical),
    ] {
        let draft = DefectDraft {
            room,
            category,
            severity: Severity::Normal,
            note: String::new(),
            photos: Vec::new(),
            voice: None,
        };
        services
            .save_defect(&boss, inspection, &draft)
            .await
            .unwrap()
            .unwrap();
    }
    services
        .finish_inspection(&boss, inspection)
        .await
        .unwrap()
        .unwrap();

    // 1-1-101 is handed over; a month on, its buyer answers the survey with 4.
    let submitted = services
        .submit_handover(
            &boss,
            unit(&app, "1-1-101").await,
            &HandoverDraft {
                keys: vec![("entrance_door".into(), 2)],
                ..HandoverDraft::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    services
        .confirm_handover(&buyers_of(&app, "1-1-101").await, submitted.id)
        .await
        .unwrap();
    // A complaint from 2-1-102, not acknowledged.
    services
        .file_complaint(
            &buyers_of(&app, "2-1-102").await,
            unit(&app, "2-1-102").await,
            Topic::Facilities,
            Level::General,
            "电梯没开通",
        )
        .await
        .unwrap()
        .unwrap();
    app.advance(Duration::days(31));
    crate::support::steps::until(&app, "the survey", || {
        crate::support::steps::count_saying(&app, &buyer, "followup-survey") == 1
    })
    .await;
    let survey = {
        let mut tx = services.store.read().await.unwrap();
        let follow_ups = tx
            .follow_ups_of_unit(unit(&app, "1-1-101").await)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        follow_ups
            .into_iter()
            .find(|f| f.kind == FollowUpKind::Survey)
            .unwrap()
            .id
    };
    services
        .answer_survey(&buyers_of(&app, "1-1-101").await, survey, 4)
        .await
        .unwrap();

    // Targets, set in chat.
    let saved = fixed("targets-saved");
    let invalid = head(
        "targets-invalid",
        &[
            ("value", "9".into()),
            ("kpi", zh("kpi-satisfaction", &[]).into()),
        ],
    );
    for (command, answer) in [
        ("/targets visit_rate 90%", &saved),
        ("/targets 渗漏率 2", &saved),
        ("/targets satisfaction 4.5", &saved),
        ("/targets satisfaction 9", &invalid),
    ] {
        app.fake.send_text(&supervisor, command);
        let reply = app
            .fake
            .wait_for_message(supervisor.id, |m| m.plain_text.contains(answer))
            .await;
        assert!(reply.plain_text.contains(answer), "{}", reply.plain_text);
    }
    let visit_target = target_line("kpi-visit-rate", "visit_rate", "90.0%");
    let targets = reply_to(&app, &supervisor, "/targets").await;
    assert!(
        targets.plain_text.contains(&visit_target),
        "{}",
        targets.plain_text
    );
    assert!(
        targets
            .plain_text
            .contains(&target_line("kpi-satisfaction", "satisfaction", "4.50")),
        "{}",
        targets.plain_text
    );

    // By hand: invited 6, confirmed 3, visited 2 → visit rate 2/6 = 33.3%. Handed over 1 of 6
    // → 16.7%. Inspected 2 homes, 3 defects → 1.50 per household; 1 of 2 with a leak → 50.0%.
    // All 3 unresolved, all past due (1 and 7 days, a month ago) and all older than 30 days.
    // One survey of 4 → 4.00. One complaint, not acknowledged; no group flag.
    let summary = reply_to(&app, &supervisor, "/summary").await.plain_text;
    let n = |value: i64| Arg::Number(value);
    for line in [
        summary_line(
            1,
            &[("units", n(6)), ("buyers", n(6)), ("unreachable", n(0))],
        ),
        summary_line(
            2,
            &[("invited", n(6)), ("confirmed", n(3)), ("visited", n(2))],
        ),
        kpi("kpi-visit-rate", "33.3%", Some(missed(true, "90.0%"))),
        summary_line(4, &[("handed", n(1)), ("units", n(6))]),
        kpi("kpi-handover-rate", "16.7%", None),
        summary_line(6, &[("inspected", n(2)), ("defects", n(3))]),
        kpi("kpi-defects-per-household", "1.50", None),
        kpi("kpi-leakage-rate", "50.0%", Some(missed(false, "2.0%"))),
        summary_line(9, &[("open", n(3)), ("overdue", n(3))]),
        summary_line(
            11,
            &[
                (
                    "satisfaction",
                    kpi("kpi-satisfaction", "4.00", Some(missed(true, "4.50"))).into(),
                ),
                ("surveys", n(1)),
            ],
        ),
        summary_line(
            12,
            &[("complaints", n(1)), ("waiting", n(1)), ("flags", n(0))],
        ),
    ] {
        assert!(summary.contains(&line), "{line:?} in\n{summary}");
    }
    assert!(summary.contains(">30 3"), "{summary}");

    // Building 2 only: 3 homes, 3 invited, 1 confirmed, none visited, nothing inspected.
    let building = reply_to(&app, &supervisor, "/summary 2").await.plain_text;
    for line in [
        summary_line(1, &[("units", n(3))]),
        summary_line(
            2,
            &[("invited", n(3)), ("confirmed", n(1)), ("visited", n(0))],
        ),
        kpi("kpi-visit-rate", "0.0%", None),
        kpi("kpi-defects-per-household", &zh("no-value", &[]), None),
        summary_line(12, &[("complaints", n(1)), ("waiting", n(1))]),
    ] {
        assert!(building.contains(&line), "{line:?} in\n{building}");
    }
    let unknown = reply_to(&app, &supervisor, "/summary 9号楼")
        .await
        .plain_text;
    assert!(
        unknown.contains(&head("summary-unknown-scope", &[("query", "9号楼".into())])),
        "{unknown}"
    );

    // Overdue, by engineer and building.
    let overdue = reply_to(&app, &supervisor, "/overdue").await.plain_text;
    for line in [
        zh("overdue-title", &[("count", n(3))]),
        zh(
            "overdue-engineer",
            &[("name", "Zhang Gong".into()), ("count", n(3))],
        ),
        zh("overdue-building", &[("building", "1".into())]),
        parts(&[
            "1-1-101",
            &zh("room-kitchen", &[]),
            &zh("category-leakage", &[]),
        ]),
    ] {
        assert!(overdue.contains(&line), "{line:?} in\n{overdue}");
    }

    // The chart: a PNG with the same figures in its caption.
    app.fake.send_text(&supervisor, "/chart");
    let caption = head(
        "chart-caption",
        &[("actual", n(1)), ("planned", n(5)), ("defects", n(3))],
    );
    let chart = wait_text(&app, &supervisor, &caption).await;
    let file = chart.file.expect("a photo");
    let decoder = png::Decoder::new(std::io::Cursor::new(file.bytes));
    let info = decoder.read_info().expect("a valid PNG").info().clone();
    assert_eq!((info.width, info.height), (1200, 1100));

    // The export: the same campaign, and the buyer sheet re-imports with zero changes.
    app.fake.send_text(&supervisor, "/export");
    let export = wait_text(
        &app,
        &supervisor,
        &head("export-caption", &[("tables", n(7))]),
    )
    .await;
    let workbook = export.file.expect("a document").bytes;
    let sheets = read_workbook(&workbook);
    let rows = |name: &str| sheets.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(rows("buyers").len(), 1 + 6);
    assert_eq!(
        rows("defects").len(),
        1 + 3,
        "as many defects as /summary counts"
    );
    let handovers = rows("handovers");
    assert_eq!(handovers.len(), 1 + 1);
    assert_eq!(handovers[1][2], "confirmed");
    assert_eq!(rows("surveys")[1][1], "4");
    assert!(rows("defect_history").len() > 3, "each defect's history");
    use handover_bot::domain::import::ImportKind;
    use handover_bot::services::import::{ImportOutcome, Importer};
    let again = services
        .import_file(
            Importer::Cli,
            "export.xlsx",
            &workbook,
            Some(ImportKind::Buyers),
        )
        .await
        .unwrap();
    let ImportOutcome::Done { counts, .. } = again else {
        panic!("{again:?}")
    };
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (0, 0, 6)
    );
    // CSV on request: one file per table; the CLI writes the same workbook.
    app.fake.send_text(&supervisor, "/export csv");
    let csv = app
        .fake
        .wait_for_message(supervisor.id, |m| {
            m.file.as_ref().is_some_and(|f| {
                f.file_name
                    .as_deref()
                    .is_some_and(|n| n.starts_with("buyers"))
            })
        })
        .await;
    let text = String::from_utf8(csv.file.unwrap().bytes).unwrap();
    assert_eq!(text.lines().count(), 1 + 6);
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("project,building,entrance,room,name,phone")
    );
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("campaign.xlsx");
    let cli = crate::support::app::binary()
        .args(["export", "--out"])
        .arg(&path)
        .env("HANDOVER_DATABASE_URL", app.database_url())
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(read_workbook(&std::fs::read(&path).unwrap()), sheets);

    // Nobody else gets the numbers.
    for (person, command) in [
        (&engineer, "/export"),
        (&ambassador, "/chart"),
        (&buyer, "/summary"),
        (&ambassador, "/summary"),
        (&engineer, "/overdue"),
        (&ambassador, "/targets visit_rate 10%"),
    ] {
        app.fake.send_text(person, command);
        let name = command.split_whitespace().next().unwrap_or_default();
        let refused = forbidden(name);
        app.fake
            .wait_for_message(person.id, |m| m.plain_text.contains(&refused))
            .await;
    }
    // The CSV export's later files may still be arriving (one a second): wait for the answer.
    let targets =
        crate::support::people::reply_matching(&app, &supervisor, "/targets", |m| m.file.is_none())
            .await
            .plain_text;
    assert!(targets.contains(&visit_target), "{targets}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_digest_goes_out_once_a_day_across_restarts_also_to_the_group() {
    let group = -100_777;
    let mut app = TestApp::start_with(move |config| {
        config.daily_digest_cron = "0 0 9 * * *".to_string();
        config.digest_chat = Some(group);
    })
    .await;
    let supervisor = linked_supervisor(&app, 9_001).await;
    load_buyers(&app, &buyers_csv(4)).await;
    // The bot is in the group (someone wrote there).
    app.fake.send_group_text(group, &supervisor, "大家好");
    let digests = |app: &TestApp, chat: i64| {
        app.fake
            .sent_messages(chat)
            .iter()
            .filter(|m| m.plain_text.contains(&fixed("digest-title")))
            .count()
    };
    // The clock starts at 09:00 on 26 November; the first digest is the next morning's.
    app.advance(Duration::hours(23));
    let limit = std::time::Duration::from_millis(300);
    app.services().outbox_waker.settle(limit).await;
    assert_eq!(digests(&app, supervisor.id), 0);
    app.advance(Duration::hours(1));
    let title = zh("digest-title", &[("date", "2026-11-27".into())]);
    let first = wait_text(&app, &supervisor, &title).await;
    let homes = summary_line(1, &[("units", Arg::Number(4))]);
    assert!(first.plain_text.contains(&homes), "{}", first.plain_text);
    app.fake
        .wait_for_message(group, |m| m.plain_text.contains(&title))
        .await;

    // A restart later that morning sends nothing again; the next morning sends one more.
    app.restart().await;
    app.advance(Duration::hours(2));
    app.services().scheduler_waker.settle(limit).await;
    app.services().outbox_waker.settle(limit).await;
    assert_eq!(digests(&app, supervisor.id), 1);
    app.advance(Duration::hours(22));
    crate::support::steps::until(&app, "the second digest", || {
        digests(&app, supervisor.id) == 2
    })
    .await;
    assert_eq!(digests(&app, group), 2);
    app.advance(Duration::hours(3));
    app.services().outbox_waker.settle(limit).await;
    assert_eq!(digests(&app, supervisor.id), 2);
}

/// Every sheet of a workbook as rows of cell texts.
pub(crate) fn read_workbook(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = workbook.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|row| row.iter().map(|cell| cell.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_and_chart_show_the_projects_display_name() {
    let app = TestApp::start().await;
    let supervisor = linked_supervisor(&app, 9_701).await;
    load_buyers(&app, &buyers_csv(2)).await;
    let renamed = reply_to(&app, &supervisor, "/project name 海港花园 & 二期").await;
    assert!(
        renamed.plain_text.contains("海港花园 & 二期"),
        "{}",
        renamed.plain_text
    );
    let summary = reply_to(&app, &supervisor, "/summary").await;
    assert!(
        summary.plain_text.contains("海港花园 & 二期") && !summary.plain_text.contains("default"),
        "{}",
        summary.plain_text
    );
    app.fake.send_text(&supervisor, "/chart");
    let chart = wait_text(&app, &supervisor, "📈").await;
    assert!(
        chart.plain_text.contains("海港花园 & 二期"),
        "{}",
        chart.plain_text
    );
    assert!(chart.file.is_some(), "a photo");

    // A buyer list's project name column names its project.
    load_buyers(
        &app,
        "项目,项目名称,楼栋,房号,姓名,手机号\nhg2,海港花园三期,5,501,Buyer X,13900009999\n",
    )
    .await;
    let summary = reply_to(&app, &supervisor, "/summary hg2").await;
    assert!(
        summary.plain_text.contains("海港花园三期"),
        "{}",
        summary.plain_text
    );
    app.stop().await;
}
