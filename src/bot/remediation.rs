//! Remediation in chat: the engineer's `/tasks`, each defect's card with the steps the person
//! may take, the step prompts (a note, or the reason where one is needed), routing to an
//! engineer, marking one or several defects fixed with after-fix photos, and the buyer's check.

use super::callback::{Callback, FixStep};
use super::dialogue::State;
use super::{Turn, answer_query, inline_keyboard as keyboard, take_press};
use crate::domain::flow::{Input, MAX_TEXT_CHARS as MAX_NOTE_CHARS, Next, Step as FlowStep, fix};
use crate::domain::ids::{DefectId, StaffId};
use crate::domain::people::Actor;
use crate::domain::remediation::{Action, DefectStatus, Refusal};
use crate::i18n::Arg;
use crate::present::{self, Label};
use crate::services::defects::DefectCard;
use crate::services::remediation::{Step, Task};
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{InputFile, InputMedia, InputMediaPhoto, ReplyMarkup};

/// Tasks listed with a button each.
const MAX_TASK_BUTTONS: usize = 20;
/// Tasks listed at all in one answer.
const MAX_TASKS: usize = 40;

fn day(turn: &Turn, at: chrono::DateTime<chrono::Utc>, format: &str) -> String {
    at.with_timezone(&turn.ctx.services.config.timezone)
        .format(format)
        .to_string()
}

/// `/tasks`: the engineer's open defects by due date, a card button each, and a "mark several
/// fixed" button per home with more than one ready.
pub async fn on_tasks(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let tasks = turn.ctx.services.tasks(&turn.person.actor).await?;
    if tasks.is_empty() {
        return turn.say(tr!(i18n, lang, "tasks-none")).await;
    }
    let now = turn.ctx.services.clock.now();
    let mut text = tr!(i18n, lang, "tasks-title", count = tasks.len());
    let mut rows = Vec::new();
    for (i, task) in tasks.iter().take(MAX_TASKS).enumerate() {
        let d = &task.defect;
        let home = task.household.unit.short();
        let reference = tr!(i18n, lang, "item-ref", id = d.id, home = home.as_str());
        let mut parts = vec![
            reference.clone(),
            d.room.label(i18n, lang),
            d.category.label(i18n, lang),
            d.severity.label(i18n, lang),
            d.status.label(i18n, lang),
        ];
        if let Some(due) = d.due_at {
            let late = due <= now && d.status.awaits_engineering();
            let due = day(turn, due, "%m-%d");
            parts.push(if late {
                tr!(i18n, lang, "tasks-overdue", due = due)
            } else {
                due
            });
        }
        text.push('\n');
        text.push_str(&present::numbered(
            i18n,
            lang,
            i + 1,
            &present::parts(i18n, lang, parts),
        ));
        if i < MAX_TASK_BUTTONS {
            // A button's label is plain text.
            rows.push(vec![(
                crate::i18n::plain_text(&reference),
                Callback::DefectCard(d.id),
            )]);
        }
    }
    if tasks.len() > MAX_TASKS {
        text.push_str(&format!(
            "\n{}",
            tr!(i18n, lang, "tasks-more", count = tasks.len() - MAX_TASKS)
        ));
    }
    for (unit, home, count) in fix_several(&tasks[..tasks.len().min(MAX_TASKS)]) {
        rows.push(vec![(
            tr!(i18n, lang, "button-fix-several", home = home, count = count),
            Callback::FixUnit(unit),
        )]);
    }
    turn.say_with(text, keyboard(rows)).await
}

/// The homes offered "mark several fixed": those with more than one listed task the engineer
/// may mark fixed now, with the home's label and how many.
fn fix_several(tasks: &[Task]) -> Vec<(i64, String, usize)> {
    let mut ready: Vec<(i64, String, usize)> = Vec::new();
    for task in tasks.iter().filter(|t| t.actions.contains(&Action::Fix)) {
        match ready
            .iter_mut()
            .find(|(unit, ..)| *unit == task.defect.unit_id)
        {
            Some(entry) => entry.2 += 1,
            None => ready.push((task.defect.unit_id, task.household.unit.short(), 1)),
        }
    }
    ready.retain(|(_, _, n)| *n > 1);
    ready
}

/// A defect's card: what, where, who fixes it by when, its history, its photos, and a button
/// per step the person may take.
pub async fn on_defect_card(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let Some(card) = turn
        .ctx
        .services
        .defect_card(&turn.person.actor, id)
        .await?
    else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "defect-not-yours"))).await;
    };
    answer_query(turn, query, None).await?;
    show_card(turn, &card).await
}

async fn show_card(turn: &Turn, card: &DefectCard) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let defect = &card.defect;
    let mut text = tr!(
        i18n,
        lang,
        "defect-card",
        id = defect.id,
        unit = card.household.unit.short(),
        room = defect.room.label(i18n, lang),
        category = defect.category.label(i18n, lang),
        severity = defect.severity.label(i18n, lang),
        status = defect.status.label(i18n, lang),
        note = if defect.note.is_empty() {
            tr!(i18n, lang, "no-value")
        } else {
            defect.note.clone()
        },
        due = defect
            .due_at
            .map(|d| day(turn, d, "%Y-%m-%d"))
            .unwrap_or_else(|| tr!(i18n, lang, "no-value"))
    );
    if let Some(engineer) = &card.engineer {
        text.push('\n');
        let name = present::engineer(i18n, lang, engineer, defect.contractor.as_deref());
        text.push_str(&tr!(
            i18n,
            lang,
            "defect-detail-engineer",
            name = Arg::Html(name)
        ));
    }
    text.push('\n');
    text.push_str(&tr!(i18n, lang, "defect-history-title"));
    for (event, who) in &card.history {
        let status = event
            .to_status
            .parse::<DefectStatus>()
            .map(|s| s.label(i18n, lang))
            .unwrap_or_else(|_| event.to_status.clone());
        let who = who
            .clone()
            .unwrap_or_else(|| tr!(i18n, lang, "actor-system"));
        let mut line = tr!(
            i18n,
            lang,
            "defect-history-line",
            at = day(turn, event.at, "%m-%d %H:%M"),
            status = status,
            who = who
        );
        if !event.note.is_empty() {
            line = present::with_detail(i18n, lang, &line, &crate::i18n::escape_html(&event.note));
        }
        text.push('\n');
        text.push_str(&line);
    }
    let rows = card
        .actions
        .iter()
        .map(|a| {
            (
                a.label(turn.i18n(), turn.lang()),
                Callback::DefectAction(defect.id, *a),
            )
        })
        .collect::<Vec<_>>()
        .chunks(2)
        .map(<[_]>::to_vec)
        .collect::<Vec<_>>();
    let markup = if rows.is_empty() {
        None
    } else {
        keyboard(rows)
    };
    turn.say_with(text, markup).await?;
    // Where it is on the plan comes first, then what it looks like.
    let picture = turn
        .ctx
        .services
        .defect_picture(defect)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, defect = defect.id, "no plan picture for a card");
            None
        });
    let photos: Vec<String> = picture
        .into_iter()
        .chain(defect.photos.iter().cloned())
        .collect();
    send_photos(turn, &photos).await?;
    if !card.after_photos.is_empty() {
        turn.say(tr!(i18n, lang, "defect-after-photos")).await?;
        send_photos(turn, &card.after_photos).await?;
    }
    Ok(())
}

/// Sends stored photos as albums of up to ten (a lone one as a photo).
pub(super) async fn send_photos(turn: &Turn, paths: &[String]) -> anyhow::Result<()> {
    let media = &turn.ctx.services.media;
    for chunk in paths.chunks(crate::domain::message::MAX_ALBUM) {
        // On this machine's disk first (fetched from the bucket, when the store is one).
        let files = media.local_files(chunk).await?;
        let _turn = turn.ctx.pacer.turn(turn.chat, chunk.len()).await;
        if let [one] = files.as_slice() {
            turn.bot.send_photo(turn.chat, InputFile::file(one)).await?;
        } else {
            let media = files
                .into_iter()
                .map(|file| InputMedia::Photo(InputMediaPhoto::new(InputFile::file(file))))
                .collect::<Vec<_>>();
            turn.bot.send_media_group(turn.chat, media).await?;
        }
    }
    Ok(())
}

/// What to tell the person after a step was asked for.
async fn report(turn: &Turn, step: Step) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match step {
        Step::Done(defect) => {
            turn.say(tr!(
                i18n,
                lang,
                "step-done",
                id = defect.id,
                status = defect.status.label(i18n, lang)
            ))
            .await
        }
        Step::Refused(Refusal::NotYours) => turn.say(tr!(i18n, lang, "step-not-yours")).await,
        Step::Refused(Refusal::NotFromHere) => turn.say(tr!(i18n, lang, "step-not-now")).await,
        Step::NotFound => turn.say(tr!(i18n, lang, "defect-not-yours")).await,
    }
}

/// A step button on a card, a task or a buyer's "please check" message.
pub async fn on_action_button(
    turn: &Turn,
    query: &CallbackQuery,
    id: i64,
    action: Action,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let services = &turn.ctx.services;
    let actor = &turn.person.actor;
    if !services.defect_actions(actor, id).await?.contains(&action) {
        answer_query(turn, query, Some(tr!(i18n, lang, "step-not-now"))).await?;
        // A buyer's "please check" message lists several items; one the ambassador verified
        // meanwhile loses its buttons there, so it is not pressed again.
        if matches!(actor, Actor::Buyer(_)) {
            remove_item_buttons(turn, query, id).await?;
        }
        return Ok(());
    }
    match action {
        Action::Assign => {
            let engineers = services
                .engineers_for_defect(actor, id)
                .await?
                .unwrap_or_default();
            answer_query(turn, query, None).await?;
            if engineers.is_empty() {
                return turn.say(tr!(i18n, lang, "assign-no-engineers")).await;
            }
            let rows = engineers
                .iter()
                .map(|e| {
                    vec![(
                        e.name.clone(),
                        Callback::AssignTo(DefectId(id), StaffId(e.id)),
                    )]
                })
                .collect();
            turn.say_with(tr!(i18n, lang, "assign-choose", id = id), keyboard(rows))
                .await
        }
        Action::Fix => {
            answer_query(turn, query, None).await?;
            apply_fix(turn, None, fix::start(vec![id])).await
        }
        // A buyer's confirmation is one tap.
        Action::Verify if matches!(actor, Actor::Buyer(_)) => {
            answer_query(turn, query, None).await?;
            // Buttons off only once it is recorded: a crash in between leaves them to press.
            let step = services.move_defect(actor, id, action, "").await?;
            remove_item_buttons(turn, query, id).await?;
            match step {
                // The thanks was queued with the step.
                Step::Done(_) => Ok(()),
                other => report(turn, other).await,
            }
        }
        _ => {
            answer_query(turn, query, None).await?;
            if matches!(actor, Actor::Buyer(_)) {
                remove_item_buttons(turn, query, id).await?;
            }
            turn.dialogue
                .update(State::Stepping { defect: id, action })
                .await?;
            if action == Action::Reopen && matches!(actor, Actor::Buyer(_)) {
                turn.say(tr!(i18n, lang, "fix-ask-problem")).await
            } else if action.needs_reason() {
                turn.say(tr!(
                    i18n,
                    lang,
                    "step-ask-reason",
                    id = id,
                    step = action.label(turn.i18n(), turn.lang())
                ))
                .await
            } else {
                turn.say_with(
                    tr!(
                        i18n,
                        lang,
                        "step-ask-note",
                        id = id,
                        step = action.label(turn.i18n(), turn.lang())
                    ),
                    keyboard(vec![vec![(
                        tr!(i18n, lang, "button-step-confirm"),
                        Callback::StepConfirm(id),
                    )]]),
                )
                .await
            }
        }
    }
}

/// Takes the buttons of defect `id` off the message pressed, keeping the other items' rows (a
/// "please check" message can list several fixed items).
async fn remove_item_buttons(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    use teloxide::types::{InlineKeyboardButtonKind, InlineKeyboardMarkup};
    let Some(message) = query.regular_message() else {
        return Ok(());
    };
    let about_this = |button: &teloxide::types::InlineKeyboardButton| {
        matches!(
            &button.kind,
            InlineKeyboardButtonKind::CallbackData(data)
                if matches!(Callback::decode(data), Some(Callback::DefectAction(d, _)) if d == id)
        )
    };
    let before = message
        .reply_markup()
        .map(|m| m.inline_keyboard.clone())
        .unwrap_or_default();
    if !before.iter().flatten().any(about_this) {
        return Ok(());
    }
    let rows: Vec<_> = before
        .into_iter()
        .filter(|row| !row.iter().any(about_this))
        .collect();
    let mut edit = turn
        .bot
        .edit_message_reply_markup(message.chat.id, message.id);
    if !rows.is_empty() {
        edit = edit.reply_markup(InlineKeyboardMarkup::new(rows));
    }
    // A press Telegram delivers again after a crash carries the message as it was: its
    // buttons may be off already.
    super::edited(edit.await)
}

/// "Confirm" on a step prompt: the step without a note.
pub async fn on_step_confirm(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    id: i64,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match state {
        State::Stepping { defect, action } if defect == id && !action.needs_reason() => {
            take_press(turn, query).await?;
            // The step ends with the move, in its transaction (see `Turn::answering`); a move
            // refused or failed leaves nothing written, and the step ends here after it.
            let step = turn
                .answering()
                .move_defect(&turn.person.actor, id, action, "")
                .await?;
            turn.dialogue.exit().await?;
            match (&step, &turn.person.actor) {
                // Staff's answer was queued with the step.
                (Step::Done(_), Actor::Staff(_)) => Ok(()),
                _ => report(turn, step).await,
            }
        }
        _ => answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await,
    }
}

/// The note (or reason) of a prepared step: takes it.
pub async fn on_step_text(
    turn: &Turn,
    defect: i64,
    action: Action,
    text: &str,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let note = text.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS {
        return turn
            .say(tr!(i18n, lang, "note-invalid", max = MAX_NOTE_CHARS))
            .await;
    }
    // The step ends with the move, in its transaction (see `Turn::answering`): a failure
    // leaves the step open, so the reason sent again is taken, not relayed as a chat message.
    let step = turn
        .answering()
        .move_defect(&turn.person.actor, defect, action, note)
        .await?;
    turn.dialogue.exit().await?;
    match (&step, action, &turn.person.actor) {
        // The thanks, or staff's answer, was queued with the step.
        (Step::Done(_), Action::Reopen, Actor::Buyer(_)) | (Step::Done(_), _, Actor::Staff(_)) => {
            Ok(())
        }
        _ => report(turn, step).await,
    }
}

/// An engineer picked to fix a defect; the contractor's name may follow.
pub async fn on_assign_to(
    turn: &Turn,
    query: &CallbackQuery,
    id: DefectId,
    engineer: StaffId,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let step = turn
        .ctx
        .services
        .assign_defect(&turn.person.actor, id.0, engineer.0, None)
        .await?;
    let Step::Done(defect) = step else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "step-not-now"))).await;
    };
    take_press(turn, query).await?;
    turn.dialogue
        .update(State::AwaitingContractor { defect: defect.id })
        .await?;
    turn.say_with(
        tr!(i18n, lang, "assign-done-ask-contractor", id = defect.id),
        keyboard(vec![vec![(
            tr!(i18n, lang, "button-skip"),
            Callback::ContractorSkip(defect.id),
        )]]),
    )
    .await
}

pub async fn on_contractor_text(turn: &Turn, defect: i64, text: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return turn.say(tr!(i18n, lang, "note-invalid", max = 100)).await;
    }
    // The step ends with the record, in its transaction (see `Turn::answering`).
    let named = turn
        .answering()
        .name_contractor(&turn.person.actor, defect, name)
        .await?;
    turn.dialogue.exit().await?;
    match named {
        Step::Done(_) => {
            turn.say(tr!(
                i18n,
                lang,
                "contractor-saved",
                id = defect,
                name = name
            ))
            .await
        }
        other => report(turn, other).await,
    }
}

pub async fn on_contractor_skip(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    id: i64,
) -> anyhow::Result<()> {
    if state != (State::AwaitingContractor { defect: id }) {
        return answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
        )
        .await;
    }
    turn.dialogue.exit().await?;
    take_press(turn, query).await
}

// ----- marking fixed ---------------------------------------------------------------------------

fn fix_keyboard(turn: &Turn, button: fix::Button) -> Option<ReplyMarkup> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let (label, step) = match button {
        fix::Button::Next => (tr!(i18n, lang, "button-fix-next"), FixStep::Next),
        fix::Button::Done => (tr!(i18n, lang, "button-fix-done"), FixStep::Done),
    };
    keyboard(vec![vec![(label, Callback::Fix(step))]])
}

/// "Mark several fixed" for one home: a checklist of the defects ready to be marked.
pub async fn on_fix_unit(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let fixable = turn
        .ctx
        .services
        .fixable_in_unit(&turn.person.actor, unit)
        .await?;
    if fixable.is_empty() {
        return answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "step-not-now")),
        )
        .await;
    }
    answer_query(turn, query, None).await?;
    let chosen: Vec<i64> = fixable.iter().map(|d| d.id).collect();
    turn.dialogue
        .update(State::ChoosingFixes {
            unit,
            chosen: chosen.clone(),
        })
        .await?;
    let markup = choose_keyboard(turn, &fixable, &chosen);
    turn.say_with(tr!(turn.i18n(), turn.lang(), "fix-choose"), markup)
        .await
}

fn choose_keyboard(
    turn: &Turn,
    fixable: &[crate::store::defects::Defect],
    chosen: &[i64],
) -> Option<ReplyMarkup> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let mut rows: Vec<Vec<(String, Callback)>> = fixable
        .iter()
        .map(|d| {
            let on = chosen.contains(&d.id);
            let what = present::parts(
                i18n,
                lang,
                [d.room.label(i18n, lang), d.category.label(i18n, lang)],
            );
            let what = Arg::Html(what);
            let label = if on {
                tr!(i18n, lang, "button-fix-chosen", id = d.id, what = what)
            } else {
                tr!(i18n, lang, "button-fix-not-chosen", id = d.id, what = what)
            };
            vec![(label, Callback::FixToggle(d.id, !on))]
        })
        .collect();
    rows.push(vec![(
        tr!(i18n, lang, "button-fix-go", count = chosen.len()),
        Callback::Fix(FixStep::Go),
    )]);
    keyboard(rows)
}

pub async fn on_fix_toggle(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    id: i64,
    choose: bool,
) -> anyhow::Result<()> {
    let State::ChoosingFixes { unit, chosen } = state else {
        return answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
        )
        .await;
    };
    let fixable = turn
        .ctx
        .services
        .fixable_in_unit(&turn.person.actor, unit)
        .await?;
    if !fixable.iter().any(|d| d.id == id) {
        return answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "step-not-now")),
        )
        .await;
    }
    let chosen = fix::toggle(chosen, id, choose);
    turn.dialogue
        .update(State::ChoosingFixes {
            unit,
            chosen: chosen.clone(),
        })
        .await?;
    answer_query(turn, query, None).await?;
    if let Some(message) = query.regular_message()
        && let Some(ReplyMarkup::InlineKeyboard(markup)) = choose_keyboard(turn, &fixable, &chosen)
    {
        turn.bot
            .edit_message_reply_markup(message.chat.id, message.id)
            .reply_markup(markup)
            .await?;
    }
    Ok(())
}

pub async fn on_fix_step(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    step: FixStep,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let flow_step = match (step, state) {
        (FixStep::Go, State::ChoosingFixes { chosen, .. }) => fix::start(chosen),
        (FixStep::Next, State::Fixing(fixing)) => {
            fix::next(fixing, Input::Button(fix::Button::Next))
        }
        (FixStep::Done, State::Fixing(fixing)) => {
            fix::next(fixing, Input::Button(fix::Button::Done))
        }
        _ => FlowStep::stay(fix::Ask::Stale),
    };
    let refusal = match flow_step.ask {
        fix::Ask::ChooseSome => Some("fix-choose-some"),
        fix::Ask::PhotoNeeded => Some("fix-photo-needed"),
        fix::Ask::Stale => Some("stale-button"),
        _ => None,
    };
    if let Some(key) = refusal {
        return answer_query(turn, query, Some(i18n.text(lang, key, &[]))).await;
    }
    take_press(turn, query).await?;
    apply_fix(turn, None, flow_step).await
}

/// Asks again what marking fixed is at: the update that took the step is handled again, and
/// its answer may never have gone out (see `Turn::step_taken_before`).
pub async fn ask_again(turn: &Turn, fixing: &fix::Fixing) -> anyhow::Result<()> {
    apply_fix(turn, None, FlowStep::stay(fixing.asked())).await
}

/// Photos (and a note) while marking fixed.
pub async fn on_fix_message(turn: &Turn, msg: &Message, state: State) -> anyhow::Result<()> {
    let State::Fixing(fixing) = state else {
        return Ok(());
    };
    let input = if let Some(text) = msg.text() {
        Input::Text(text.to_string())
    } else if fixing.takes_photos() && (msg.photo().is_some() || msg.document().is_some()) {
        let Some(sha256) = super::inspect::keep_photo(turn, msg).await? else {
            return Ok(());
        };
        Input::Photo {
            sha256,
            album: msg.media_group_id().map(|g| g.to_string()),
        }
    } else {
        Input::Other
    };
    apply_fix(turn, Some(msg), fix::next(fixing, input)).await
}

/// Carries out one step of marking fixed: records the fixes when the flow is done, stores the
/// state and says what the flow asks. `msg` is the photo being acknowledged, when there is one.
async fn apply_fix(turn: &Turn, msg: Option<&Message>, step: fix::FixStep) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    if let fix::Ask::MarkFixed(items) = &step.ask {
        // Recorded first, the dialogue ended after: a crash in between leaves the photos
        // in the dialogue, and the press Telegram delivers again finds them recorded.
        let outcome = turn
            .ctx
            .services
            .mark_fixed(&turn.person.actor, items)
            .await?;
        turn.dialogue.exit().await?;
        return match outcome {
            // The answer was queued with the record.
            Ok(_) => Ok(()),
            Err((id, step)) => {
                turn.say(tr!(i18n, lang, "fix-refused", id = id)).await?;
                report(turn, step).await
            }
        };
    }
    match step.next {
        Next::Go(fixing) => turn.dialogue.update(State::Fixing(fixing)).await?,
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    match step.ask {
        fix::Ask::Photos {
            defect,
            position,
            total,
        } => {
            turn.say(tr!(
                i18n,
                lang,
                "fix-ask-photos",
                id = defect,
                position = position,
                total = total
            ))
            .await
        }
        fix::Ask::PhotoReceived { count, button } => {
            let text = tr!(i18n, lang, "fix-photo-received", count = count);
            let markup = fix_keyboard(turn, button);
            match msg {
                // An album is acknowledged once.
                Some(msg) => super::album::answer_photo(turn, msg, text, markup).await,
                None => turn.say_with(text, markup).await,
            }
        }
        fix::Ask::NoteKept { button } => {
            let markup = button.and_then(|b| fix_keyboard(turn, b));
            turn.say_with(tr!(i18n, lang, "fix-note-kept"), markup)
                .await
        }
        fix::Ask::InvalidText => {
            turn.say(tr!(i18n, lang, "note-invalid", max = MAX_NOTE_CHARS))
                .await
        }
        fix::Ask::PhotosHint => turn.say(tr!(i18n, lang, "fix-photos-hint")).await,
        fix::Ask::ChooseSome => turn.say(tr!(i18n, lang, "fix-choose-some")).await,
        fix::Ask::PhotoNeeded => turn.say(tr!(i18n, lang, "fix-photo-needed")).await,
        fix::Ask::Stale | fix::Ask::MarkFixed(_) => turn.say(tr!(i18n, lang, "stale-button")).await,
        fix::Ask::Nothing => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::defect::{Category, Room, Severity};
    use crate::domain::people::{Stage, Tier, UnitLabel};
    use crate::domain::remediation::{Standing, available};
    use crate::store::assignment::Household;
    use crate::store::defects::Defect;

    fn task(id: i64, unit_id: i64, status: DefectStatus, actions: Vec<Action>) -> Task {
        let at = chrono::DateTime::UNIX_EPOCH;
        Task {
            defect: Defect {
                id,
                unit_id,
                inspection_id: None,
                room: Room::Kitchen,
                category: Category::ALL[0],
                severity: Severity::ALL[0],
                note: String::new(),
                status,
                due_at: None,
                created_at: at,
                engineer_id: Some(1),
                contractor: None,
                held_at: None,
                reopen_count: 0,
                escalated_due: None,
                pin: None,
                photos: Vec::new(),
                voice: None,
            },
            household: Household {
                unit: UnitLabel {
                    unit_id,
                    project: "P".into(),
                    building: "3".into(),
                    entrance: String::new(),
                    room: format!("{unit_id}"),
                },
                names: Vec::new(),
                tier: Tier::B,
                flags: Vec::new(),
                stage: Stage::Visited,
                staff_id: None,
                home_staff_id: None,
                unit_type: None,
                plan_mirrored: false,
            },
            actions,
        }
    }

    /// For every status a task can have, "mark several fixed" counts it exactly when
    /// `available` lets its engineer mark it fixed.
    #[test]
    fn several_fixed_is_offered_exactly_where_available_allows_fix() {
        let engineer = Standing {
            assigned_engineer: true,
            ..Standing::default()
        };
        for status in DefectStatus::ALL {
            let actions = available(status, engineer);
            let tasks = vec![
                task(1, 10, status, actions.clone()),
                task(2, 10, status, actions.clone()),
            ];
            let offered = fix_several(&tasks);
            if actions.contains(&Action::Fix) {
                assert_eq!(offered, vec![(10, "3-10".to_string(), 2)], "{status:?}");
            } else {
                assert!(offered.is_empty(), "{status:?}");
            }
        }
    }

    /// A fix flow stored before it moved to `domain::flow` reads back as the same flow and is
    /// stored again byte for byte as it was.
    #[test]
    fn a_stored_fix_flow_keeps_its_form() {
        use super::super::dialogue::decode;
        use crate::domain::flow::fix::{FixReport, Fixing};
        let old = r#"{"step":"fixing","items":[{"defect":4,"photos":["a"],"note":"done"},{"defect":9,"photos":[],"note":""}],"current":1,"album":"g"}"#;
        let state = decode(Some(old)).expect("decodable").expect("a state");
        let expected = State::Fixing(Fixing {
            items: vec![
                FixReport {
                    defect: 4,
                    photos: vec!["a".into()],
                    note: "done".into(),
                },
                FixReport {
                    defect: 9,
                    photos: Vec::new(),
                    note: String::new(),
                },
            ],
            current: 1,
            album: Some("g".into()),
        });
        assert_eq!(state, expected);
        assert_eq!(serde_json::to_string(&state).expect("encodable"), old);
        let oldest = decode(Some(r#"{"step":"fixing","items":[{"defect":4}]}"#));
        let fresh = r#"{"step":"fixing","items":[{"defect":4,"photos":[],"note":""}],"current":0,"album":null}"#;
        assert_eq!(
            oldest.expect("decodable"),
            decode(Some(fresh)).expect("decodable")
        );
    }

    #[test]
    fn one_fixable_task_in_a_home_is_not_several() {
        let fix = vec![Action::Fix];
        let tasks = vec![
            task(1, 10, DefectStatus::InProgress, fix.clone()),
            task(2, 11, DefectStatus::InProgress, fix.clone()),
            task(3, 11, DefectStatus::Reopened, fix),
            task(4, 10, DefectStatus::OnHold, vec![Action::Resume]),
        ];
        assert_eq!(fix_several(&tasks), vec![(11, "3-11".to_string(), 2)]);
    }
}
