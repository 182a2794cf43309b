//! The handover checklist (seed step 7): the ambassador's `/handover <unit>` — keys, meters
//! with a photo each, documents, the defects that stay open — then the buyer's confirmation.

use super::callback::{Callback, HandoverStep, MAX_KEY_BUTTON};
use super::dialogue::{HandoverAsk, State};
use super::{Turn, answer_query, inline_keyboard as keyboard};
use crate::domain::aftercare::HandoverDraft;
use crate::domain::flow::Next;
use crate::domain::flow::handover::{self, Ask, Button, Given, HandingOver, MAX_KEYS};
use crate::present::Times as _;
use crate::services::ServiceError;
use crate::services::defects::InspectTarget;
use crate::services::handover::{Begin, Confirmation, item_name};
use crate::services::handover_record::Verdict;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;

/// Longest text a buyer sends about a handover problem.
const MAX_ISSUE_CHARS: usize = 1000;

/// `/handover <unit or buyer name>`.
pub async fn on_handover(turn: &Turn, args: &str) -> anyhow::Result<()> {
    if args.trim().is_empty() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "handover-usage"))
            .await;
    }
    begin(turn, InspectTarget::Text(args.trim()), args.trim()).await
}

pub async fn on_start_button(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    super::take_press(turn, query).await?;
    begin(turn, InspectTarget::Unit(unit), "").await
}

async fn begin(turn: &Turn, target: InspectTarget<'_>, query: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let begun = match turn
        .ctx
        .services
        .begin_handover(&turn.person.actor, target)
        .await
    {
        Ok(begun) => begun,
        Err(ServiceError::Forbidden) => {
            return turn
                .say(tr!(i18n, lang, "forbidden", command = "/handover"))
                .await;
        }
        Err(other) => return Err(other.into()),
    };
    match begun {
        Begin::NotFound => {
            turn.say(tr!(i18n, lang, "household-not-yours", query = query))
                .await
        }
        Begin::Choose(list) => {
            let rows = list
                .iter()
                .map(|h| {
                    vec![(
                        format!(
                            "{} {}",
                            h.unit.short(),
                            crate::present::list(i18n, lang, &h.names)
                        ),
                        Callback::StartHandover(h.unit.unit_id),
                    )]
                })
                .collect();
            turn.say_with(tr!(i18n, lang, "household-choose"), keyboard(rows))
                .await
        }
        Begin::Done(household, at) => {
            let tz = turn.ctx.services.config.timezone;
            turn.say(tr!(
                i18n,
                lang,
                "handover-already",
                home = household.unit.short(),
                at = at.with_timezone(&tz).present_date_time()
            ))
            .await
        }
        Begin::Ready {
            household,
            open_defects,
            replaces,
        } => {
            let mut intro = tr!(
                i18n,
                lang,
                "handover-start",
                home = household.unit.short(),
                names = crate::present::list(i18n, lang, &household.names),
                defects = open_defects.len()
            );
            if replaces {
                intro.push_str("\n\n");
                intro.push_str(&tr!(i18n, lang, "handover-replaces"));
            }
            turn.say(intro).await?;
            let checklist = &turn.ctx.services.config.checklist;
            let step = handover::start(household.unit.unit_id, household.unit.short(), checklist);
            apply(turn, None, step).await
        }
    }
}

/// Keeps where the checklist now is.
async fn store(turn: &Turn, next: &Next<HandingOver>) -> anyhow::Result<()> {
    match next {
        Next::Go(state) => {
            turn.dialogue
                .update(State::HandingOver(state.clone()))
                .await?
        }
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    Ok(())
}

/// Carries out a step that records nothing: keeps the state, then says what the flow asks.
/// `msg` is the message being answered: a photo of an album gets one answer after the album.
async fn apply(
    turn: &Turn,
    msg: Option<&Message>,
    step: handover::HandoverStep,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    store(turn, &step.next).await?;
    match (step.ask, &step.next) {
        (Ask::Question | Ask::Restated, Next::Go(state)) => {
            let (text, markup) = question(turn, state).await?;
            match msg {
                // One question after the album, not one per photo.
                Some(msg) if msg.media_group_id().is_some() => {
                    super::album::answer_photo(turn, msg, text, markup).await
                }
                _ => turn.say_with(text, markup).await,
            }
        }
        (Ask::KeysInvalid, _) => {
            turn.say(tr!(i18n, lang, "handover-keys-invalid", max = MAX_KEYS))
                .await
        }
        (Ask::ReadingInvalid, _) => turn.say(tr!(i18n, lang, "handover-reading-invalid")).await,
        (Ask::MeterExpected, _) => turn.say(tr!(i18n, lang, "handover-meter-expected")).await,
        (Ask::ButtonsHint, _) => turn.say(tr!(i18n, lang, "inspect-buttons-hint")).await,
        // Ticking and submitting are carried out by `on_button`.
        _ => turn.say(tr!(i18n, lang, "stale-button")).await,
    }
}

/// Asks again the question the checklist is at: the update that took the step is handled
/// again, and its answer may never have gone out (see `Turn::step_taken_before`).
pub async fn ask_again(turn: &Turn, state: &HandingOver) -> anyhow::Result<()> {
    let (text, markup) = question(turn, state).await?;
    turn.say_with(text, markup).await
}

/// A checklist question's position as its buttons carry it (a longer list than fits is
/// capped, and its later questions' buttons then read as stale rather than wrong).
fn question_number(index: usize) -> u8 {
    u8::try_from(index).unwrap_or(u8::MAX)
}

/// The question of the step the checklist is at, with its buttons.
async fn question(
    turn: &Turn,
    state: &HandingOver,
) -> anyhow::Result<(String, Option<ReplyMarkup>)> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let HandingOver {
        unit,
        label,
        draft,
        ask,
    } = state;
    let checklist = &turn.ctx.services.config.checklist;
    Ok(match ask {
        HandoverAsk::Keys { index } => {
            let kind = item_name(i18n, lang, "key", &checklist.key_kinds[*index]);
            let question = question_number(*index);
            let row = (0..=MAX_KEY_BUTTON)
                .map(|n| {
                    (
                        n.to_string(),
                        Callback::Handover(HandoverStep::Keys(question, n)),
                    )
                })
                .collect();
            (
                tr!(
                    i18n,
                    lang,
                    "handover-ask-keys",
                    kind = crate::i18n::Arg::Html(kind)
                ),
                keyboard(vec![row]),
            )
        }
        HandoverAsk::Meter {
            index,
            reading,
            photo,
            ..
        } => {
            let meter = item_name(i18n, lang, "meter", &checklist.meters[*index]);
            let text = match (reading, photo) {
                (None, None) => tr!(
                    i18n,
                    lang,
                    "handover-ask-meter",
                    meter = crate::i18n::Arg::Html(meter)
                ),
                (Some(reading), None) => tr!(
                    i18n,
                    lang,
                    "handover-ask-meter-photo",
                    meter = crate::i18n::Arg::Html(meter),
                    reading = reading.as_str()
                ),
                _ => tr!(
                    i18n,
                    lang,
                    "handover-ask-meter-reading",
                    meter = crate::i18n::Arg::Html(meter)
                ),
            };
            (
                text,
                keyboard(vec![vec![(
                    tr!(i18n, lang, "button-handover-no-meter"),
                    Callback::Handover(HandoverStep::NoMeter(question_number(*index))),
                )]]),
            )
        }
        HandoverAsk::Documents => documents_message(turn, draft),
        HandoverAsk::Review => {
            // The defects that stay open, exactly as the buyer will be asked to accept them.
            let open = turn
                .ctx
                .services
                .defects_staying_open(&turn.person.actor, *unit)
                .await?;
            let mut text = tr!(i18n, lang, "handover-review", home = label.as_str());
            text.push_str("\n\n");
            text.push_str(&draft_lines(turn, draft, Some(&open)));
            (
                text,
                keyboard(vec![vec![(
                    tr!(i18n, lang, "button-handover-submit"),
                    Callback::Handover(HandoverStep::Submit),
                )]]),
            )
        }
    })
}

fn documents_message(
    turn: &Turn,
    draft: &HandoverDraft,
) -> (String, Option<teloxide::types::ReplyMarkup>) {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let checklist = &turn.ctx.services.config.checklist;
    let mut rows: Vec<Vec<(String, Callback)>> = checklist
        .documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let ticked = draft.documents.contains(doc);
            let name = crate::i18n::plain_text(&item_name(i18n, lang, "document", doc));
            vec![(
                crate::present::checkbox(i18n, lang, ticked, &name),
                Callback::Handover(HandoverStep::Document(
                    u8::try_from(i).unwrap_or(u8::MAX),
                    !ticked,
                )),
            )]
        })
        .collect();
    rows.push(vec![(
        tr!(i18n, lang, "button-handover-documents-done"),
        Callback::Handover(HandoverStep::DocumentsDone),
    )]);
    (tr!(i18n, lang, "handover-ask-documents"), keyboard(rows))
}

/// What has been recorded, one line each, for the ambassador's review.
fn draft_lines(
    turn: &Turn,
    draft: &HandoverDraft,
    open: Option<&[crate::store::defects::Defect]>,
) -> String {
    turn.ctx.services.record_lines(
        turn.lang(),
        &draft.keys,
        &draft.meters,
        &draft.meters_absent,
        &draft.documents,
        open,
    )
}

/// The checklist's meaning of a button.
fn button_of(step: HandoverStep) -> Button {
    match step {
        HandoverStep::Keys(kind, count) => Button::Keys {
            kind: usize::from(kind),
            count: u32::from(count),
        },
        HandoverStep::NoMeter(meter) => Button::NoMeter {
            meter: usize::from(meter),
        },
        HandoverStep::Document(document, tick) => Button::Document {
            document: usize::from(document),
            tick,
        },
        HandoverStep::DocumentsDone => Button::DocumentsDone,
        HandoverStep::Submit => Button::Submit,
    }
}

/// The checklist's buttons; they act on the checklist in progress only.
pub async fn on_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    step: HandoverStep,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let stale = || answer_query(turn, query, Some(tr!(i18n, lang, "stale-button")));
    let State::HandingOver(handing_over) = state else {
        return stale().await;
    };
    let (unit, label) = (handing_over.unit, handing_over.label.clone());
    let draft = handing_over.draft.clone();
    let checklist = &turn.ctx.services.config.checklist;
    let step = handover::next(handing_over, checklist, Given::Button(button_of(step)));
    match step.ask {
        Ask::Stale => stale().await,
        Ask::Restated => {
            stale().await?;
            apply(turn, None, step).await
        }
        Ask::DocumentsTicked => {
            answer_query(turn, query, None).await?;
            store(turn, &step.next).await?;
            let Next::Go(state) = &step.next else {
                return Ok(());
            };
            let (_, markup) = documents_message(turn, &state.draft);
            if let (Some(message), Some(teloxide::types::ReplyMarkup::InlineKeyboard(markup))) =
                (query.regular_message(), markup)
            {
                turn.bot
                    .edit_message_reply_markup(message.chat.id, message.id)
                    .reply_markup(markup)
                    .await?;
            }
            Ok(())
        }
        Ask::Submit => {
            // The step ends with the record (see `Turn::answering`).
            let submitted = turn
                .answering()
                .submit_handover(&turn.person.actor, unit, &draft)
                .await?;
            store(turn, &step.next).await?;
            super::take_press(turn, query).await?;
            match submitted {
                // The answer was queued with the record.
                Some(_) => Ok(()),
                None => {
                    turn.say(tr!(i18n, lang, "handover-not-possible", home = label))
                        .await
                }
            }
        }
        _ => {
            super::take_press(turn, query).await?;
            apply(turn, None, step).await
        }
    }
}

/// Messages during the checklist: a typed key count, a meter's photo and reading. A photo is
/// kept first, while a meter is asked; a refused one (too large, not an image) ends the turn.
pub async fn on_message(turn: &Turn, msg: &Message, state: State) -> anyhow::Result<()> {
    let State::HandingOver(handing_over) = state else {
        return Ok(());
    };
    let photo =
        if handing_over.takes_photos() && (msg.photo().is_some() || msg.document().is_some()) {
            match super::inspect::keep_photo(turn, msg).await? {
                Some(sha) => Some(sha),
                None => return Ok(()),
            }
        } else {
            None
        };
    let text = if handing_over.takes_photos() {
        msg.text().or(msg.caption())
    } else {
        msg.text()
    };
    let given = Given::Message {
        text: text.map(str::to_string),
        photo,
        in_album: msg.media_group_id().is_some(),
    };
    let checklist = &turn.ctx.services.config.checklist;
    apply(
        turn,
        Some(msg),
        handover::next(handing_over, checklist, given),
    )
    .await
}

// ----- the buyer's side ------------------------------------------------------------------------

/// "I have received my home".
pub async fn on_confirm(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let outcome = turn
        .ctx
        .services
        .confirm_handover(&turn.person.actor, id)
        .await?;
    let key = match outcome {
        Confirmation::Confirmed => "handover-confirmed-short",
        Confirmation::AlreadyConfirmed => "handover-already-confirmed",
        Confirmation::Replaced => return show_replacement(turn, query).await,
        Confirmation::Stale => "stale-button",
        Confirmation::SignatureNeeded => {
            answer_query(
                turn,
                query,
                Some(i18n.text(lang, "handover-sign-needed", &[])),
            )
            .await?;
            return Ok(());
        }
    };
    answer_query(turn, query, Some(i18n.text(lang, key, &[]))).await?;
    if outcome == Confirmation::Stale {
        return Ok(());
    }
    super::remove_buttons(turn, query).await
}

/// A press on a record the ambassador has since redone: the old one loses its buttons, and the
/// buyer gets the record that now waits for them, so a toast alone never leaves them stuck.
async fn show_replacement(turn: &Turn, query: &CallbackQuery) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    answer_query(turn, query, None).await?;
    super::remove_buttons(turn, query).await?;
    let pending = turn
        .ctx
        .services
        .pending_handovers(&turn.person.actor, lang)
        .await?;
    if pending.is_empty() {
        return turn.say(tr!(i18n, lang, "handover-replaced-none")).await;
    }
    turn.say(tr!(i18n, lang, "handover-replaced")).await?;
    say_pending(turn, pending).await
}

/// "Something is not right": ask what.
pub async fn on_issue_button(turn: &Turn, query: &CallbackQuery, id: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let pending = turn
        .ctx
        .services
        .pending_handovers(&turn.person.actor, lang)
        .await?;
    let still_waiting = pending.iter().any(|(handover, _)| *handover == id);
    if !still_waiting {
        if turn
            .ctx
            .services
            .is_replaced_handover(&turn.person.actor, id)
            .await?
        {
            return show_replacement(turn, query).await;
        }
        return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
    }
    answer_query(turn, query, None).await?;
    turn.dialogue
        .update(State::AwaitingHandoverIssue { handover: id })
        .await?;
    turn.say(tr!(i18n, lang, "handover-issue-ask")).await
}

pub async fn on_issue_text(turn: &Turn, handover: i64, text: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_ISSUE_CHARS {
        return turn
            .say(tr!(i18n, lang, "note-invalid", max = MAX_ISSUE_CHARS))
            .await;
    }
    // The step ends with the record (see `Turn::answering`).
    let sent = turn
        .answering()
        .handover_issue(&turn.person.actor, handover, text)
        .await?;
    turn.dialogue.exit().await?;
    if sent {
        turn.say(tr!(i18n, lang, "handover-issue-sent")).await
    } else {
        turn.say(tr!(i18n, lang, "stale-button")).await
    }
}

/// For /myhome and on linking: records still waiting for this buyer's confirmation, with
/// their buttons.
pub async fn show_pending(
    turn: &Turn,
    actor: &crate::domain::people::Actor,
    lang: crate::domain::people::Lang,
) -> anyhow::Result<()> {
    let pending = turn.ctx.services.pending_handovers(actor, lang).await?;
    say_pending(turn, pending).await
}

/// Sends records waiting for confirmation, as `pending_handovers` renders them.
async fn say_pending(
    turn: &Turn,
    pending: Vec<(i64, crate::domain::message::Content)>,
) -> anyhow::Result<()> {
    for (_, content) in pending {
        if let crate::domain::message::Content::Text { html, buttons } = content {
            let markup = crate::notify::keyboard(&buttons).map(ReplyMarkup::InlineKeyboard);
            turn.say_with(html, markup).await?;
        }
    }
    Ok(())
}

/// The "handover record" button of /myhome: the record's PDF, only for those who may open the
/// home (a forged press for another home gets the same notice as a stale one).
pub async fn on_record_pdf(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let Some(pdf) = turn
        .ctx
        .services
        .record_pdf(&turn.person.actor, unit, lang)
        .await?
    else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "record-not-yours"))).await;
    };
    answer_query(turn, query, None).await?;
    let caption = tr!(
        i18n,
        lang,
        "record-caption",
        number = pdf.number,
        home = pdf.unit.as_str()
    );
    let local = turn.ctx.services.media.local_file(&pdf.path).await?;
    let file = teloxide::types::InputFile::file(local).file_name(pdf.file_name);
    turn.send_file(file, caption).await
}

/// `/verify <number> <SHA-256>`: whether a printed handover record is the one in the database.
pub async fn on_verify(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let Some(code) = crate::domain::record::RecordCode::parse(args) else {
        return turn.say(tr!(i18n, lang, "verify-usage")).await;
    };
    let verdict = turn
        .ctx
        .services
        .verify_record(Some(&turn.person.actor), &code)
        .await?;
    turn.say(verdict_text(turn, &verdict, code.number)).await
}

/// A verdict in the reader's words.
fn verdict_text(turn: &Turn, verdict: &Verdict, number: i64) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match verdict {
        Verdict::Matches {
            record,
            replaced_by,
            ..
        } => {
            let at = record
                .received_at
                .with_timezone(&turn.ctx.services.config.timezone)
                .present_date_time();
            let matches = tr!(
                i18n,
                lang,
                "verify-matches",
                number = record.number,
                home = record.unit.as_str(),
                buyer = record.received_by.as_str(),
                at = at,
                ambassador = record.ambassador.as_str()
            );
            match replaced_by {
                Some(new) => format!(
                    "{matches}\n{}",
                    tr!(i18n, lang, "verify-replaced", new = *new)
                ),
                None => matches,
            }
        }
        Verdict::Differs { number } => tr!(i18n, lang, "verify-differs", number = *number),
        Verdict::Unknown => tr!(i18n, lang, "verify-unknown", number = number),
    }
}
