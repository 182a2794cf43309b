//! The handover checklist (seed step 7): the ambassador's `/handover <unit>` — keys, meters
//! with a photo each, documents, the defects that stay open — then the buyer's confirmation.

use super::callback::{Callback, HandoverStep, MAX_KEY_BUTTON};
use super::dialogue::{HandoverAsk, State};
use super::{Turn, answer_query, inline_keyboard as keyboard};
use crate::domain::aftercare::{HandoverDraft, MeterReading, parse_reading};
use crate::present::Times as _;
use crate::services::ServiceError;
use crate::services::defects::InspectTarget;
use crate::services::handover::{Begin, Confirmation, item_name};
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::ReplyMarkup;

/// Most keys of one kind that can be typed.
const MAX_KEYS: u32 = 99;

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
            advance(
                turn,
                household.unit.unit_id,
                household.unit.short(),
                HandoverDraft::default(),
                HandoverAsk::Keys { index: 0 },
            )
            .await
        }
    }
}

/// Saves the checklist's state and asks its question; skips steps with nothing to ask.
async fn advance(
    turn: &Turn,
    unit: i64,
    label: String,
    draft: HandoverDraft,
    ask: HandoverAsk,
) -> anyhow::Result<()> {
    let ask = settle(turn, unit, &label, &draft, ask).await?;
    ask_question(turn, unit, &label, &draft, &ask).await
}

/// Saves the checklist's state at the first step with something to ask, from `ask` on, and
/// returns that step.
async fn settle(
    turn: &Turn,
    unit: i64,
    label: &str,
    draft: &HandoverDraft,
    ask: HandoverAsk,
) -> anyhow::Result<HandoverAsk> {
    let checklist = &turn.ctx.services.config.checklist;
    let ask = match ask {
        HandoverAsk::Keys { index } if index >= checklist.key_kinds.len() => HandoverAsk::Meter {
            index: 0,
            reading: None,
            photo: None,
            queued: Vec::new(),
        },
        other => other,
    };
    let ask = match ask {
        HandoverAsk::Meter { index, .. } if index >= checklist.meters.len() => {
            HandoverAsk::Documents
        }
        HandoverAsk::Documents if checklist.documents.is_empty() => HandoverAsk::Review,
        other => other,
    };
    turn.dialogue
        .update(State::HandingOver {
            unit,
            label: label.to_string(),
            draft: draft.clone(),
            ask: ask.clone(),
        })
        .await?;
    Ok(ask)
}

/// A checklist question's position as its buttons carry it (a longer list than fits is
/// capped, and its later questions' buttons then read as stale rather than wrong).
fn question_number(index: usize) -> u8 {
    u8::try_from(index).unwrap_or(u8::MAX)
}

async fn ask_question(
    turn: &Turn,
    unit: i64,
    label: &str,
    draft: &HandoverDraft,
    ask: &HandoverAsk,
) -> anyhow::Result<()> {
    let (text, markup) = question(turn, unit, label, draft, ask).await?;
    turn.say_with(text, markup).await
}

/// The checklist's question for `ask`, with its buttons.
async fn question(
    turn: &Turn,
    unit: i64,
    label: &str,
    draft: &HandoverDraft,
    ask: &HandoverAsk,
) -> anyhow::Result<(String, Option<ReplyMarkup>)> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
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
                .defects_staying_open(&turn.person.actor, unit)
                .await?;
            let mut text = tr!(i18n, lang, "handover-review", home = label);
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
            let mark = if ticked { "☑" } else { "☐" };
            let name = crate::i18n::plain_text(&item_name(i18n, lang, "document", doc));
            vec![(
                format!("{mark} {name}"),
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

/// The checklist's buttons; they act on the checklist in progress only.
pub async fn on_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    step: HandoverStep,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let State::HandingOver {
        unit,
        label,
        mut draft,
        ask,
    } = state
    else {
        return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
    };
    let checklist = turn.ctx.services.config.checklist.clone();
    if !asks_an_item(&ask, &checklist) {
        // Saved before the checklist's configuration changed: ask again from where it is now.
        answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await?;
        return advance(turn, unit, label, draft, ask).await;
    }
    match (step, ask) {
        (HandoverStep::Keys(kind, n), HandoverAsk::Keys { index })
            if usize::from(kind) == index =>
        {
            super::take_press(turn, query).await?;
            record_keys(turn, unit, label, draft, index, u32::from(n)).await
        }
        (HandoverStep::NoMeter(meter), HandoverAsk::Meter { index, queued, .. })
            if usize::from(meter) == index =>
        {
            super::take_press(turn, query).await?;
            draft.meters_absent.push(checklist.meters[index].clone());
            let next = next_meter(index, queued);
            advance(turn, unit, label, draft, next).await
        }
        (HandoverStep::Document(i, tick), HandoverAsk::Documents) => {
            let Some(doc) = checklist.documents.get(usize::from(i)) else {
                return answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await;
            };
            // The press sets the state its button showed it would: pressed again (a double tap,
            // or handled again after a crash) it changes nothing more.
            let at = draft.documents.iter().position(|d| d == doc);
            if let (Some(at), false) = (at, tick) {
                draft.documents.remove(at);
            } else if at.is_none() && tick {
                // Kept in checklist order, so the record reads the same for everyone.
                draft.documents.push(doc.clone());
                draft
                    .documents
                    .sort_by_key(|d| checklist.documents.iter().position(|c| c == d));
            }
            answer_query(turn, query, None).await?;
            turn.dialogue
                .update(State::HandingOver {
                    unit,
                    label,
                    draft: draft.clone(),
                    ask: HandoverAsk::Documents,
                })
                .await?;
            let (_, markup) = documents_message(turn, &draft);
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
        (HandoverStep::DocumentsDone, HandoverAsk::Documents) => {
            super::take_press(turn, query).await?;
            advance(turn, unit, label, draft, HandoverAsk::Review).await
        }
        (HandoverStep::Submit, HandoverAsk::Review) => {
            // The step ends with the record (see `Turn::answering`).
            let submitted = turn
                .answering()
                .submit_handover(&turn.person.actor, unit, &draft)
                .await?;
            turn.dialogue.exit().await?;
            super::take_press(turn, query).await?;
            match submitted {
                Some(s) if s.asked > 0 => {
                    turn.say(tr!(
                        i18n,
                        lang,
                        "handover-sent",
                        home = s.household.unit.short(),
                        count = s.asked
                    ))
                    .await
                }
                Some(s) => {
                    turn.say(tr!(
                        i18n,
                        lang,
                        "handover-sent-nobody",
                        home = s.household.unit.short()
                    ))
                    .await
                }
                None => {
                    turn.say(tr!(i18n, lang, "handover-not-possible", home = label))
                        .await
                }
            }
        }
        _ => answer_query(turn, query, Some(tr!(i18n, lang, "stale-button"))).await,
    }
}

async fn record_keys(
    turn: &Turn,
    unit: i64,
    label: String,
    mut draft: HandoverDraft,
    index: usize,
    count: u32,
) -> anyhow::Result<()> {
    let kind = turn.ctx.services.config.checklist.key_kinds[index].clone();
    draft.keys.retain(|(k, _)| *k != kind);
    draft.keys.push((kind, count));
    let next = HandoverAsk::Keys { index: index + 1 };
    advance(turn, unit, label, draft, next).await
}

/// The meter after `index`, with the first of the album's photos still waiting as its photo.
fn next_meter(index: usize, mut queued: Vec<String>) -> HandoverAsk {
    let photo = (!queued.is_empty()).then(|| queued.remove(0));
    HandoverAsk::Meter {
        index: index + 1,
        reading: None,
        photo,
        queued,
    }
}

/// Whether the step's item exists in the checklist as configured now (a restart with a shorter
/// list may leave a saved step pointing past its end).
fn asks_an_item(ask: &HandoverAsk, checklist: &crate::domain::aftercare::Checklist) -> bool {
    match ask {
        HandoverAsk::Keys { index } => *index < checklist.key_kinds.len(),
        HandoverAsk::Meter { index, .. } => *index < checklist.meters.len(),
        HandoverAsk::Documents | HandoverAsk::Review => true,
    }
}

/// Messages during the checklist: a typed key count, a meter's photo and reading.
pub async fn on_message(turn: &Turn, msg: &Message, state: State) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let State::HandingOver {
        unit,
        label,
        mut draft,
        ask,
    } = state
    else {
        return Ok(());
    };
    if !asks_an_item(&ask, &turn.ctx.services.config.checklist) {
        return advance(turn, unit, label, draft, ask).await;
    }
    match ask {
        HandoverAsk::Keys { index } => {
            let count = msg
                .text()
                .and_then(|t| t.trim().parse::<u32>().ok())
                .filter(|n| *n <= MAX_KEYS);
            match count {
                Some(count) => record_keys(turn, unit, label, draft, index, count).await,
                None => {
                    turn.say(tr!(i18n, lang, "handover-keys-invalid", max = MAX_KEYS))
                        .await
                }
            }
        }
        HandoverAsk::Meter {
            index,
            mut reading,
            mut photo,
            mut queued,
        } => {
            let typed = msg.text().or(msg.caption());
            let mut read = None;
            if let Some(text) = typed {
                match parse_reading(text) {
                    Some(r) => read = Some(r),
                    None => {
                        // A photo with an unreadable caption is still kept.
                        if msg.photo().is_none() && msg.document().is_none() {
                            return turn.say(tr!(i18n, lang, "handover-reading-invalid")).await;
                        }
                    }
                }
            }
            if msg.photo().is_some() || msg.document().is_some() {
                let Some(sha) = super::inspect::keep_photo(turn, msg).await? else {
                    return Ok(());
                };
                if msg.media_group_id().is_some()
                    && read.is_none()
                    && reading.is_none()
                    && photo.is_some()
                {
                    // An album of several meters' photos: this one waits for the next meter.
                    if !queued.contains(&sha) && photo.as_ref() != Some(&sha) {
                        queued.push(sha);
                    }
                } else {
                    photo = Some(sha);
                }
            } else if typed.is_none() {
                return turn.say(tr!(i18n, lang, "handover-meter-expected")).await;
            }
            if read.is_some() {
                reading = read;
            }
            let meter = turn.ctx.services.config.checklist.meters[index].clone();
            let ask = match (reading, photo) {
                (Some(reading), Some(photo)) => {
                    draft.meters.retain(|m| m.meter != meter);
                    draft.meters.push(MeterReading {
                        meter,
                        reading,
                        photo,
                    });
                    next_meter(index, queued)
                }
                (reading, photo) => HandoverAsk::Meter {
                    index,
                    reading,
                    photo,
                    queued,
                },
            };
            if msg.media_group_id().is_some() {
                // One question after the album, not one per photo.
                let ask = settle(turn, unit, &label, &draft, ask).await?;
                let (text, markup) = question(turn, unit, &label, &draft, &ask).await?;
                return super::album::answer_photo(turn, msg, text, markup).await;
            }
            advance(turn, unit, label, draft, ask).await
        }
        HandoverAsk::Documents | HandoverAsk::Review => {
            turn.say(tr!(i18n, lang, "inspect-buttons-hint")).await
        }
    }
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
            let rows = buttons
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .filter_map(|b| Callback::decode(&b.data).map(|cb| (b.label, cb)))
                        .collect()
                })
                .collect();
            turn.say_with(html, keyboard(rows)).await?;
        }
    }
    Ok(())
}
