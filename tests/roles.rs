//! Every command checks the actor's role; unknown commands get help; languages switch.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::faults::settled;
use crate::support::observe::{Db, db_changes, inbox_changes, inboxes};
use crate::support::people::{load_staff, reply_to};
use crate::support::site::{Campaign, Site};
use crate::support::steps::{
    KEY_KINDS, describe_leak, keys_question, photo, press_button, press_where, record_leak,
    wait_fixed, wait_key, wait_text,
};
use crate::support::text::{fixed, head, zh};
use handover_bot::bot::callback::{Callback, HandoverStep, InspectAction};
use handover_bot::domain::people::Lang;
use handover_bot::i18n::Arg;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_using_a_supervisor_command_is_refused_in_their_language_and_nothing_changes() {
    let Campaign { app, buyer, .. } = Site::new()
        .without_supervisor()
        .without_ambassador()
        .homes(2)
        .linked(&[0])
        .started()
        .await;
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("Harbour Road"))
        .await;

    let refusal = reply_to(&app, &buyer, "/invite supervisor").await;
    assert!(
        refusal
            .plain_text
            .contains(&zh("forbidden", &[("command", "/invite".into())])),
        "{}",
        refusal.plain_text
    );
    assert!(
        !refusal.plain_text.contains("?start="),
        "no invite was made"
    );

    // The same in English after switching languages.
    app.fake.send_text(&buyer, "/language");
    press_button(&app, &buyer, Callback::Language(Lang::En)).await;
    app.fake
        .wait_for_message(buyer.id, |m| m.plain_text.contains("speak English"))
        .await;
    let refusal = reply_to(&app, &buyer, "/import").await;
    assert!(
        refusal.plain_text.contains("not available for your role"),
        "{}",
        refusal.plain_text
    );

    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(tx.people_counts().await.unwrap().staff, 0);
    tx.commit().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_commands_get_help_and_groups_are_told_to_write_privately() {
    let app = TestApp::start().await;
    let stranger = app.fake.user(9201, "Sam");
    app.fake.send_text(&stranger, "/frobnicate");
    let help = app.fake.wait_for_message(stranger.id, |_| true).await;
    assert!(
        help.plain_text.contains("/frobnicate") && help.plain_text.contains("/start"),
        "{}",
        help.plain_text
    );

    app.fake.send_group_text(-100_200, &stranger, "/start");
    let group = app.fake.wait_for_message(-100_200, |_| true).await;
    assert!(
        group.plain_text.contains(&head("group-only", &[])),
        "{}",
        group.plain_text
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_or_forged_buttons_are_answered_and_change_nothing() {
    // Buyer 1 lives in 2-1-102: 1-1-101 and its defect are someone else's home to them.
    let Campaign {
        app,
        ambassador,
        buyer: neighbour,
        ..
    } = Site::new().homes(2).linked(&[1]).assigned().await;
    // A well-formed payload, to spoil with trailing data below.
    let confirm = Callback::AssignConfirm(1).encode();
    record_leak(&app, &ambassador).await;
    settled(&app).await;

    let db = Db::open(app.database_url()).await;
    let defect = db.id("SELECT CAST(id AS BIGINT) FROM defects").await;
    let home = db.id("SELECT CAST(unit_id AS BIGINT) FROM defects").await;
    // The walk-through's cards lost their buttons when it ended; a client that has not caught up
    // with those edits still shows them.
    let finish = Callback::Inspect(InspectAction::Finish).encode();
    let walk_through = app.fake.last_message(ambassador.id).expect("the summary");
    let neighbours_last = app.fake.last_message(neighbour.id).expect("a greeting");

    // (who presses, on which of their messages, what)
    let presses: Vec<(&User, &SentMessage, String)> = vec![
        // Stale: the walk-through was finished. (A confirmed plan's button is not here: pressed
        // again, it shows the plan regenerated from the current data, by design.)
        (&ambassador, &walk_through, finish),
        (
            &ambassador,
            &walk_through,
            Callback::Inspect(InspectAction::Save).encode(),
        ),
        // Forged: well-formed, for a defect and a home that are not the neighbour's.
        (
            &neighbour,
            &neighbours_last,
            Callback::DefectCard(defect).encode(),
        ),
        (
            &neighbour,
            &neighbours_last,
            Callback::StartInspection(home).encode(),
        ),
        (
            &neighbour,
            &neighbours_last,
            Callback::ReportHome(home).encode(),
        ),
        (
            &neighbour,
            &neighbours_last,
            Callback::AssignConfirm(1).encode(),
        ),
        // Malformed: not data the codec ever writes.
        (&neighbour, &neighbours_last, "zz".to_string()),
        (&neighbour, &neighbours_last, format!("{confirm}:x")),
        (
            &ambassador,
            &walk_through,
            "1:dc:99999999999999999999999".to_string(),
        ),
    ];
    for (person, message, data) in presses {
        let before = (db.snapshot().await, inboxes(&app, 0));
        let handled = db.handled().await;
        let query = app.fake.press_crafted_button(person, message, &data);
        // Answered, so the person's client stops its spinner.
        app.fake.callback_answer(&query).await;
        assert!(
            app.fake.answer_so_far(&query).is_some(),
            "{data:?}: not answered"
        );
        assert!(
            db.wait_handled(handled, 1).await,
            "{data:?}: the press was never handled"
        );
        let after = (db.snapshot().await, inboxes(&app, 0));
        assert_eq!(
            db_changes(&before.0, &after.0),
            Vec::<String>::new(),
            "{data:?} by {} changed the database",
            person.id
        );
        assert_eq!(
            inbox_changes(&app, &before.1, &after.1),
            Vec::<String>::new(),
            "{data:?} by {} reached a chat",
            person.id
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_conversation_state_resets_with_a_message() {
    let app = TestApp::start().await;
    let person = app.fake.user(9401, "Ann");
    {
        let mut tx = app.services().store.begin().await.unwrap();
        tx.save_dialogue(
            person.id,
            "{\"step\":\"from_a_future_version\"}",
            handover_bot::clock::Clock::now(&app.clock),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    app.fake.send_text(&person, "hello");
    let reset = app.fake.wait_for_message(person.id, |_| true).await;
    assert!(
        reset.plain_text.contains(&fixed("dialogue-reset")),
        "{}",
        reset.plain_text
    );
    // The person is not stuck: the next message gets the normal answer.
    app.fake.wait_for_messages(person.id, 2).await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(tx.dialogue(person.id).await.unwrap(), None);
    tx.commit().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_through_ends_politely_when_the_ambassador_is_reassigned_mid_flow() {
    let Campaign {
        app,
        supervisor,
        ambassador: li,
        ..
    } = Site::new().homes(1).linked(&[0]).assigned().await;
    load_staff(
        &app,
        "name,phone,roles,capacity\nHan Mei,13700000002,ambassador,10\n",
    )
    .await;

    reply_to(&app, &li, "/inspect 1-1-101").await;
    describe_leak(&app, &li).await;
    app.fake.send_photo(&li, photo(1), None);
    wait_key(
        &app,
        &li,
        "inspect-photo-received",
        &[("count", Arg::Number(1))],
    )
    .await;

    // The household moves to Han Mei while Li Lei is still in the walk-through.
    reply_to(&app, &supervisor, "/reassign 1-1-101 Han Mei").await;
    let reassigned = |name: &str| {
        zh(
            "reassign-done",
            &[("unit", "1-1-101".into()), ("name", name.into())],
        )
    };
    wait_text(&app, &supervisor, &reassigned("Han Mei")).await;

    app.fake.send_text(&li, "水槽下漏水");
    wait_fixed(&app, &li, "flow-no-longer-yours").await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(
        tx.dialogue(li.id).await.unwrap(),
        None,
        "the dialogue ended"
    );
    let unit = tx.find_households("1-1-101").await.unwrap()[0].unit.unit_id;
    assert!(
        tx.defects_of_unit(unit, None).await.unwrap().is_empty(),
        "nothing was saved"
    );
    tx.commit().await.unwrap();

    // Back with Li Lei, who starts the handover checklist and is deactivated half-way.
    reply_to(&app, &supervisor, "/reassign 1-1-101 Li Lei").await;
    wait_text(&app, &supervisor, &reassigned("Li Lei")).await;
    reply_to(&app, &li, "/handover 1-1-101").await;
    wait_text(&app, &li, &keys_question(KEY_KINDS[0])).await;
    reply_to(&app, &supervisor, "/deactivate Li Lei").await;
    wait_key(
        &app,
        &supervisor,
        "deactivate-done",
        &[("name", "Li Lei".into())],
    )
    .await;
    press_where(&app, &li, |c| {
        matches!(c, Callback::Handover(HandoverStep::Keys(_, 2)))
    })
    .await;
    // The answer to the press (the notice of the deactivation says it too, without this).
    wait_fixed(&app, &li, "access-ended").await;
    let mut tx = app.services().store.read().await.unwrap();
    assert_eq!(
        tx.dialogue(li.id).await.unwrap(),
        None,
        "the checklist ended"
    );
    tx.commit().await.unwrap();
    app.stop().await;
}
