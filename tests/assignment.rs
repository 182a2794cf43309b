//! The delivery-ambassador system: auto-assignment with a preview, away and back with backups,
//! and nobody seeing another ambassador's buyers.

use crate::support::app::TestApp;
use crate::support::fake_telegram::User;
use crate::support::people::{load_buyers, reply_matching, reply_to};
use crate::support::site::{Campaign, Site};
use crate::support::steps::{button_data, count_saying, press_on, wait_saying};
use crate::support::text::{fixed, head, says, zh};
use handover_bot::bot::callback::Callback;
use handover_bot::domain::people::{Actor, Lang, Stage};
use handover_bot::i18n::Arg;
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
        let star = if line.senior {
            zh("assign-senior-mark", &[])
        } else {
            String::new()
        };
        let expected = head(
            "assign-preview-line",
            &[
                ("name", Arg::from(line.name.as_str())),
                ("senior", Arg::from(star)),
                ("count", Arg::Number(line.households as i64)),
            ],
        );
        assert!(text.contains(&expected), "{expected:?} missing in\n{text}");
    }
}

/// The supervisor's Confirm on a plan.
fn confirm(c: &Callback) -> bool {
    matches!(c, Callback::AssignConfirm(_))
}

const CAPACITIES: [u32; 12] = [30, 28, 26, 34, 24, 22, 32, 20, 36, 25, 27, 21];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_buyers_are_placed_by_capacity_tier_and_building_as_previewed() {
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
    let Campaign {
        app, supervisor, ..
    } = Site::new()
        .without_ambassador()
        .staff_file(&staff)
        .buyers_file(&buyers)
        .started()
        .await;
    let sup_actor = actor_of(&app, supervisor.id).await;

    // The preview, then the data changes under it: Confirm refuses and shows a fresh plan.
    // (The assign flow itself is under test: its steps are taken one by one.)
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
    press_on(&app, &supervisor, &first, confirm);
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

    press_on(&app, &supervisor, fresh, confirm);
    let done = zh(
        "assign-done",
        &[("count", Arg::Number(301)), ("unplaced", Arg::Number(0))],
    );
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains(&done))
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

/// Li Lei with two backups (Backup A, regular, and Backup B, senior), four linked buyers.
fn away_site() -> Site {
    Site::new().backups().homes(4).all_linked()
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
            .find(|m| says(&m.plain_text, "customers-title"))
        {
            return list.plain_text.clone();
        }
        app.fake
            .wait_for_messages(person.id, messages.len() + 1)
            .await;
    }
}

/// The list's headline for all of them: `count` of `total` households.
fn all_of(count: i64, total: i64) -> String {
    head(
        "customers-title",
        &[
            ("filter", zh("stage-all", &[]).into()),
            ("count", count.into()),
            ("total", total.into()),
        ],
    )
}

/// The message telling staff of households they gained, up to the list.
fn gained(count: i64, reason: &str) -> String {
    head(
        "staff-gained",
        &[("count", count.into()), ("reason", zh(reason, &[]).into())],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_away_ambassadors_buyers_move_to_backups_and_return_after_back_and_confirmation() {
    let Campaign {
        app,
        supervisor,
        ambassador,
        backups,
        buyers,
        ..
    } = away_site().assigned().await;
    for buyer in &buyers {
        wait_saying(&app, buyer, "buyer-intro").await;
    }
    let assigned = gained(4, "reason-assigned");
    app.fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains(&assigned))
        .await;

    // The answer and the outbox's "handed on" list can arrive in either order.
    let away_until = |until: &str| {
        zh(
            "away-done",
            &[
                ("name", "Li Lei".into()),
                ("until", until.into()),
                ("count", 4i64.into()),
            ],
        )
    };
    app.fake.send_text(&ambassador, "/away 2026-12-05");
    let answer = wait_saying(&app, &ambassador, "away-done").await;
    assert!(
        answer.plain_text.contains(&away_until("2026-12-05")),
        "{}",
        answer.plain_text
    );
    for buyer in &buyers {
        wait_saying(&app, buyer, "buyer-covered").await;
    }
    let covering = gained(2, "reason-away");
    for backup in &backups {
        app.fake
            .wait_for_message(backup.id, |m| m.plain_text.contains(&covering))
            .await;
        let list = customers(&app, backup).await;
        assert!(list.contains(&all_of(2, 2)), "{}", list);
    }
    let handed_on = head(
        "staff-lost",
        &[
            ("count", 4i64.into()),
            ("reason", zh("reason-away", &[]).into()),
        ],
    );
    app.fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains(&handed_on))
        .await;
    let moved = head(
        "supervisor-moves",
        &[
            ("count", 4i64.into()),
            ("reason", zh("reason-away", &[]).into()),
        ],
    );
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains(&moved))
        .await;
    let none = fixed("customers-none");
    let mine = customers(&app, &ambassador).await;
    assert!(mine.contains(&none), "{}", mine);

    // Back at work: the households return only when a supervisor confirms.
    let back = reply_to(&app, &ambassador, "/back").await;
    let welcome = zh(
        "back-done",
        &[("name", "Li Lei".into()), ("count", 4i64.into())],
    );
    assert!(back.plain_text.contains(&welcome), "{}", back.plain_text);
    let is_back = head("back-ask-return", &[("name", "Li Lei".into())]);
    let ask = app
        .fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains(&is_back))
        .await;
    let still = customers(&app, &ambassador).await;
    assert!(still.contains(&none), "{}", still);
    press_on(&app, &supervisor, &ask, |c| {
        matches!(c, Callback::Return(_))
    });
    let returned = zh(
        "return-done",
        &[("count", 4i64.into()), ("name", "Li Lei".into())],
    );
    app.fake
        .wait_for_message(supervisor.id, |m| m.plain_text.contains(&returned))
        .await;
    for buyer in &buyers {
        wait_saying(&app, buyer, "buyer-returned").await;
    }
    let mine = customers(&app, &ambassador).await;
    assert!(mine.contains(&all_of(4, 4)), "{}", mine);
    for backup in &backups {
        let list = customers(&app, backup).await;
        assert!(list.contains(&none), "{}", list);
    }
    // Each buyer heard of each move exactly once.
    for buyer in &buyers {
        assert_eq!(count_saying(&app, buyer, "buyer-intro"), 1);
        assert_eq!(count_saying(&app, buyer, "buyer-covered"), 1);
        assert_eq!(count_saying(&app, buyer, "buyer-returned"), 1);
    }
    // The end date passing later changes nothing more.
    app.advance(chrono::Duration::days(10));
    let mine = customers(&app, &ambassador).await;
    assert!(mine.contains(&all_of(4, 4)), "{}", mine);

    // An absence with an end date ends by itself, and the supervisors are asked again.
    // The notice of the households handed back may arrive first: wait for the answer itself.
    let away = reply_matching(&app, &ambassador, "/away 2026-12-08", |m| {
        says(&m.plain_text, "away-done")
    })
    .await;
    assert!(
        away.plain_text.contains(&away_until("2026-12-08")),
        "{}",
        away.plain_text
    );
    app.advance(chrono::Duration::days(3));
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&is_back) && m.message_id > ask.message_id
        })
        .await;
    let overview = reply_to(&app, &supervisor, "/ambassadors").await;
    let line = zh(
        "ambassadors-line",
        &[
            ("name", "Li Lei".into()),
            ("senior", "".into()),
            ("role", zh("role-ambassador", &[]).into()),
            ("count", 0i64.into()),
            ("capacity", 10i64.into()),
            ("sensitive", 0i64.into()),
            ("buildings", zh("no-value", &[]).into()),
            ("covered", 4i64.into()),
            ("status", zh("ambassador-at-work", &[]).into()),
        ],
    );
    assert!(
        overview.plain_text.contains(&line),
        "{line:?} missing in\n{}",
        overview.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambassador_cannot_open_another_ambassadors_buyer_by_command_or_button() {
    // Li Lei (A) and Han Mei (B) take one household each; the buyer of 1-1-101 is linked.
    let Campaign {
        app,
        supervisor,
        ambassador: a,
        other_ambassador: b,
        buyer,
        ..
    } = Site::new()
        .capacity(1)
        .other_ambassador()
        .homes(2)
        .linked(&[0])
        .assigned()
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
        list.plain_text.contains(&all_of(1, 1)),
        "{}",
        list.plain_text
    );
    press_on(&app, &a, &list, |c| {
        matches!(c, Callback::Customers { stage: None, .. })
    });
    press_on(&app, &a, &list, |c| {
        matches!(
            c,
            Callback::Customers {
                stage: Some(Stage::Invited),
                ..
            }
        )
    });
    app.fake
        .wait_for_request("editMessageText", |r| r.is_ok())
        .await;
    let edited = app.fake.message(a.id, list.message_id).unwrap();
    let invited = head(
        "customers-title",
        &[
            ("filter", zh("stage-invited", &[]).into()),
            ("count", 0i64.into()),
            ("total", 1i64.into()),
        ],
    );
    assert!(
        edited.plain_text.contains(&invited),
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
    let not_yours = fixed("household-not-yours-short");
    for data in [
        Callback::Card(theirs.unit.unit_id).encode(),
        Callback::Note(theirs.unit.unit_id).encode(),
    ] {
        let before = app.fake.sent_messages(a.id).len();
        let query = app.fake.press_crafted_button(&a, &card, &data);
        let answer = app.fake.callback_answer(&query).await;
        assert!(answer.contains(&not_yours), "{answer}");
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
        &format!("/reassign {} Han Mei", mine.unit.short()),
    )
    .await;
    let reassigned = zh(
        "reassign-done",
        &[
            ("unit", mine.unit.short().into()),
            ("name", "Han Mei".into()),
        ],
    );
    assert!(
        moved.plain_text.contains(&reassigned),
        "{}",
        moved.plain_text
    );
    let query = press_on(&app, &a, &card, |c| matches!(c, Callback::Note(_)));
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains(&not_yours), "{answer}");
    // An ambassador's crafted "return" button is refused too.
    let query = app
        .fake
        .press_crafted_button(&a, &card, &Callback::Return(1).encode());
    let answer = app.fake.callback_answer(&query).await;
    assert!(answer.contains("/back"));

    // A buyer has no ambassador commands at all.
    app.fake.send_text(&buyer, "/customers");
    let refused = zh("forbidden", &[("command", "/customers".into())]);
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&refused))
        .await;
    // Nothing of B's buyer reached A beyond what A typed: no phone, no card.
    let index: usize = secret_name.trim_start_matches("Buyer ").parse().unwrap();
    let secret_phone = format!("+861390000{index:04}");
    let secret_card = zh("card-title", &[("unit", theirs.unit.short().into())]);
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
    let campaign = away_site().started().await;
    let Campaign {
        app,
        supervisor,
        ambassador,
        backups,
        buyer,
        ..
    } = &campaign;
    // Before anyone is assigned, the supervisors read it.
    let answer = reply_to(app, buyer, "When can I see the flat? <soon> & thanks").await;
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

    campaign.assign().await;
    wait_saying(app, buyer, "buyer-intro").await;
    let answer = reply_to(app, buyer, "门锁有问题").await;
    assert!(
        answer
            .plain_text
            .contains(&zh("relay-sent-ambassador", &[("name", "Li Lei".into())])),
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
    press_on(app, ambassador, &relayed, |c| {
        matches!(c, Callback::Reply(_))
    });
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains(&fixed("reply-enter"))
        })
        .await;
    let sent = reply_to(app, ambassador, "明天上午十点我带师傅上门").await;
    assert!(
        sent.plain_text
            .contains(&zh("reply-sent", &[("count", 1i64.into())])),
        "{}",
        sent.plain_text
    );
    let from_staff = zh(
        "relay-from-staff",
        &[
            ("name", "Li Lei".into()),
            ("text", "明天上午十点我带师傅上门".into()),
        ],
    );
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains(&from_staff))
        .await;
    // Someone else's household is not theirs to answer: a backup's crafted reply is refused.
    let own = app.fake.last_message(backups[0].id).unwrap();
    let unit = button_data(&relayed, |c| matches!(c, Callback::Reply(_)));
    let query = app.fake.press_crafted_button(&backups[0], &own, &unit);
    assert!(
        app.fake
            .callback_answer(&query)
            .await
            .contains(&fixed("household-not-yours-short"))
    );
    campaign.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ambassador_is_told_the_questions_their_households_asked_before_and_nobody_answered()
{
    let campaign = away_site().started().await;
    let Campaign {
        app,
        supervisor,
        ambassador,
        buyers,
        ..
    } = &campaign;
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
    press_on(app, supervisor, &question, |c| {
        matches!(c, Callback::Reply(_))
    });
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("reply-enter"))
        })
        .await;
    app.fake.send_text(supervisor, "好的，请发来新地址");
    app.fake
        .wait_for_message(supervisor.id, |m| {
            m.plain_text.contains(&fixed("reply-sent"))
        })
        .await;

    campaign.assign().await;
    let introduction = wait_saying(app, ambassador, "staff-gained").await;
    let text = &introduction.plain_text;
    assert!(
        says(text, "staff-gained-unanswered") && text.contains("请问钥匙什么时候能拿到？<急>"),
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
    let Campaign {
        app, ambassador, ..
    } = Site::new()
        .buyers_file(
            "building,entrance,room,name,phone,tier,mailing_address\n\
             1,1,101,Li,13900000001,B,\"No. 1 Harbour Road\"\n\
             1,1,101,Wang,13900000002,B,\"No. 1 Harbour Road\"\n",
        )
        .assigned()
        .await;
    let assigned = gained(1, "reason-assigned");
    app.fake
        .wait_for_message(ambassador.id, |m| m.plain_text.contains(&assigned))
        .await;

    // A zh-CN reader sees the names joined the Chinese way.
    let list = customers(&app, &ambassador).await;
    let names = format!("Li{}Wang", zh("name-separator", &[]));
    assert!(list.contains(&names), "{list}");

    // The same ambassador in English sees an English list.
    app.fake.send_text(&ambassador, "/language");
    let choose = wait_saying(&app, &ambassador, "language-choose").await;
    press_on(&app, &ambassador, &choose, |c| {
        *c == Callback::Language(Lang::En)
    });
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
