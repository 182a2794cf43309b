//! The walk-through in chat (one hand on the phone: buttons first, photos, then a note), and the
//! defect lists and cards.

use super::callback::{Callback, InspectAction};
use super::dialogue::State;
use super::{Turn, inline_keyboard as keyboard};
use crate::domain::defect::{Category, Room, Severity};
use crate::domain::flow::walkthrough::{self, Ask, Button, InspectStep, WalkStep, Walkthrough};
use crate::domain::flow::{Input, MAX_TEXT_CHARS as MAX_NOTE_CHARS, Next};
use crate::domain::people::Actor;
use crate::media::MAX_DOWNLOAD_BYTES;
use crate::present::Label;
use crate::services::ServiceError;
use crate::services::defect_pdf::{DefectPdf, PdfScope};
use crate::services::defects::{DefectDraft, Found, InspectTarget, StartedInspection, defect_line};
use crate::tr;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{InputFile, ReplyMarkup};

/// A button per room, two to a row (a buyer's report asks the room with the same buttons).
pub(super) fn room_rows(turn: &Turn) -> Vec<Vec<(String, Callback)>> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    Room::ALL
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|r| (r.label(i18n, lang), Callback::InspectRoom(*r)))
                .collect()
        })
        .collect()
}

async fn ask_room(turn: &Turn, unit: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let mut rows = room_rows(turn);
    rows.push(vec![(
        tr!(i18n, lang, "button-inspection-finish"),
        Callback::Inspect(InspectAction::Finish),
    )]);
    turn.say_with(tr!(i18n, lang, "inspect-room", unit = unit), keyboard(rows))
        .await
}

async fn ask_category(turn: &Turn, room: Room) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let rows = Category::ALL
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|c| (c.label(i18n, lang), Callback::InspectCategory(*c)))
                .collect()
        })
        .collect();
    turn.say_with(
        tr!(
            i18n,
            lang,
            "inspect-category",
            room = room.label(i18n, lang)
        ),
        keyboard(rows),
    )
    .await
}

async fn ask_severity(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let rows = vec![
        Severity::ALL
            .iter()
            .map(|s| (s.label(i18n, lang), Callback::InspectSeverity(*s)))
            .collect(),
    ];
    turn.say_with(tr!(i18n, lang, "inspect-severity"), keyboard(rows))
        .await
}

fn draft_summary(turn: &Turn, draft: &DefectDraft) -> String {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let note = if draft.note.is_empty() {
        tr!(i18n, lang, "inspect-no-note")
    } else {
        draft.note.clone()
    };
    tr!(
        i18n,
        lang,
        "inspect-confirm",
        room = draft.room.label(i18n, lang),
        category = draft.category.label(i18n, lang),
        severity = draft.severity.label(i18n, lang),
        photos = draft.photos.len(),
        voice = if draft.voice.is_some() {
            tr!(i18n, lang, "voice-mark")
        } else {
            String::new()
        },
        note = note
    )
}

async fn ask_confirm(turn: &Turn, draft: &DefectDraft) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let rows = vec![vec![
        (
            tr!(i18n, lang, "button-save"),
            Callback::Inspect(InspectAction::Save),
        ),
        (
            tr!(i18n, lang, "button-edit"),
            Callback::Inspect(InspectAction::Edit),
        ),
        (
            tr!(i18n, lang, "button-discard"),
            Callback::Inspect(InspectAction::Discard),
        ),
    ]];
    turn.say_with(draft_summary(turn, draft), keyboard(rows))
        .await
}

/// Keeps where the walk-through now is.
async fn store(turn: &Turn, next: &Next<Walkthrough>) -> anyhow::Result<()> {
    match next {
        Next::Go(walk) => {
            turn.dialogue
                .update(State::Inspecting(walk.clone()))
                .await?
        }
        Next::End => turn.dialogue.exit().await?,
        Next::Stay => {}
    }
    Ok(())
}

/// Carries out a step that records nothing: keeps the state, then says what the flow asks.
/// `msg` is the photo being acknowledged, when there is one.
async fn apply(
    turn: &Turn,
    msg: Option<&Message>,
    unit: &str,
    step: WalkStep,
) -> anyhow::Result<()> {
    store(turn, &step.next).await?;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match step.ask {
        Ask::Room => ask_room(turn, unit).await,
        Ask::Category { room } => ask_category(turn, room).await,
        Ask::Severity => ask_severity(turn).await,
        Ask::Photos => turn.say(tr!(i18n, lang, "inspect-photos")).await,
        Ask::PhotoReceived { count } => {
            let text = tr!(i18n, lang, "inspect-photo-received", count = count);
            match msg {
                // An album is acknowledged once.
                Some(msg) => super::album::answer_photo(turn, msg, text, None).await,
                None => turn.say(text).await,
            }
        }
        Ask::VoiceKept(draft) => {
            turn.say(tr!(i18n, lang, "inspect-voice-kept")).await?;
            ask_confirm(turn, &draft).await
        }
        Ask::Confirm(draft) => ask_confirm(turn, &draft).await,
        Ask::Editing { room } => {
            turn.say(tr!(i18n, lang, "inspect-editing")).await?;
            ask_category(turn, room).await
        }
        Ask::Discarded => {
            turn.say(tr!(i18n, lang, "inspect-discarded")).await?;
            ask_room(turn, unit).await
        }
        Ask::NoteTooLong => {
            turn.say(tr!(i18n, lang, "note-invalid", max = MAX_NOTE_CHARS))
                .await
        }
        Ask::PhotosHint => turn.say(tr!(i18n, lang, "inspect-photos-hint")).await,
        Ask::ConfirmHint => turn.say(tr!(i18n, lang, "inspect-confirm-hint")).await,
        Ask::ButtonsHint => turn.say(tr!(i18n, lang, "inspect-buttons-hint")).await,
        // Saving and finishing are records, carried out by `on_button` before the step applies.
        Ask::Save(_) | Ask::Finish | Ask::Stale => turn.say(tr!(i18n, lang, "stale-button")).await,
    }
}

/// Asks again what the walk-through's step asks: the update that took the step is handled
/// again, and its answer may never have gone out (see `Turn::step_taken_before`).
pub async fn ask_again(turn: &Turn, walk: &Walkthrough) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match &walk.phase {
        InspectStep::Room => ask_room(turn, &walk.unit).await,
        InspectStep::Category { room, .. } => ask_category(turn, *room).await,
        InspectStep::Severity { .. } => ask_severity(turn).await,
        InspectStep::Photos { draft, .. } if draft.photos.is_empty() => {
            turn.say(tr!(i18n, lang, "inspect-photos")).await
        }
        InspectStep::Photos { draft, .. } => {
            let count = draft.photos.len();
            turn.say(tr!(i18n, lang, "inspect-photo-received", count = count))
                .await
        }
        InspectStep::Confirm { draft } => ask_confirm(turn, draft).await,
        InspectStep::Saved { room } => {
            let latest = turn
                .ctx
                .services
                .latest_saved_defect(&turn.person.actor, walk.inspection)
                .await?;
            match latest {
                Some((number, id)) => say_saved(turn, number, id, *room).await,
                None => ask_room(turn, &walk.unit).await,
            }
        }
    }
}

async fn begin(turn: &Turn, found: Found<StartedInspection>, query: &str) -> anyhow::Result<()> {
    match found {
        Found::One(started) => {
            let unit = started.household.unit.short();
            let step = walkthrough::start(started.id, unit.clone());
            store(turn, &step.next).await?;
            if started.saved > 0 {
                turn.say(tr!(
                    turn.i18n(),
                    turn.lang(),
                    "inspect-resumed",
                    unit = unit.as_str(),
                    count = started.saved
                ))
                .await?;
            }
            ask_room(turn, &unit).await
        }
        Found::Choose(list) => {
            let rows = list
                .iter()
                .map(|h| {
                    vec![(
                        format!(
                            "{} {}",
                            h.unit.short(),
                            crate::present::list(turn.i18n(), turn.lang(), &h.names)
                        ),
                        Callback::StartInspection(h.unit.unit_id),
                    )]
                })
                .collect();
            turn.say_with(
                tr!(turn.i18n(), turn.lang(), "household-choose"),
                keyboard(rows),
            )
            .await
        }
        Found::NotFound => {
            turn.say(tr!(
                turn.i18n(),
                turn.lang(),
                "household-not-yours",
                query = query
            ))
            .await
        }
    }
}

/// `/inspect <unit or buyer name>`.
pub async fn on_inspect(turn: &Turn, args: &str) -> anyhow::Result<()> {
    if args.trim().is_empty() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "inspect-usage"))
            .await;
    }
    let found = turn
        .ctx
        .services
        .start_inspection(&turn.person.actor, InspectTarget::Text(args))
        .await?;
    begin(turn, found, args.trim()).await
}

pub async fn on_start_button(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let found = match turn
        .ctx
        .services
        .start_inspection(&turn.person.actor, InspectTarget::Unit(unit))
        .await
    {
        Ok(found) => found,
        Err(ServiceError::Forbidden) => Found::NotFound,
        Err(other) => return Err(other.into()),
    };
    if matches!(found, Found::NotFound) {
        return super::answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "household-not-yours-short")),
        )
        .await;
    }
    super::answer_query(turn, query, None).await?;
    begin(turn, found, "").await
}

/// The walk-through's meaning of a button, if it is one of its buttons.
fn button_of(callback: Callback) -> Option<Button> {
    Some(match callback {
        Callback::InspectRoom(room) => Button::Room(room),
        Callback::InspectCategory(category) => Button::Category(category),
        Callback::InspectSeverity(severity) => Button::Severity(severity),
        Callback::Inspect(InspectAction::Save) => Button::Save,
        Callback::Inspect(InspectAction::Edit) => Button::Edit,
        Callback::Inspect(InspectAction::Discard) => Button::Discard,
        Callback::Inspect(InspectAction::Next) => Button::Next,
        Callback::Inspect(InspectAction::OtherRoom) => Button::OtherRoom,
        Callback::Inspect(InspectAction::Finish) => Button::Finish,
        _ => return None,
    })
}

/// A walk-through button. It acts on the walk-through in progress only; anything else is a
/// stale button.
pub async fn on_button(
    turn: &Turn,
    query: &CallbackQuery,
    state: State,
    callback: Callback,
) -> anyhow::Result<()> {
    let stale = || async {
        super::answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
        )
        .await
    };
    let (State::Inspecting(walk), Some(button)) = (state, button_of(callback)) else {
        return stale().await;
    };
    let (inspection, unit) = (walk.inspection, walk.unit.clone());
    let step = walkthrough::next(walk, Input::Button(button));
    match &step.ask {
        Ask::Stale => stale().await,
        Ask::Save(draft) => {
            let saved = turn
                .ctx
                .services
                .save_defect(&turn.person.actor, inspection, draft)
                .await?;
            let Some((number, id)) = saved else {
                turn.dialogue.exit().await?;
                return stale().await;
            };
            super::take_press(turn, query).await?;
            store(turn, &step.next).await?;
            say_saved(turn, number, id, draft.room).await
        }
        Ask::Finish => {
            let finished = turn
                .ctx
                .services
                .finish_inspection(&turn.person.actor, inspection)
                .await?;
            turn.dialogue.exit().await?;
            super::take_press(turn, query).await?;
            match finished {
                // The answer was queued with the finish.
                Some(_) => Ok(()),
                None => {
                    turn.say(tr!(turn.i18n(), turn.lang(), "stale-button"))
                        .await
                }
            }
        }
        _ => {
            super::take_press(turn, query).await?;
            apply(turn, None, &unit, step).await
        }
    }
}

/// "Defect N saved in this room", with the next defect, another room or finish, and where the
/// home has a floor plan, a button that opens it to mark where the item is.
async fn say_saved(turn: &Turn, number: usize, id: i64, room: Room) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let rows = vec![
        vec![(
            tr!(i18n, lang, "button-next-defect"),
            Callback::Inspect(InspectAction::Next),
        )],
        vec![(
            tr!(i18n, lang, "button-other-room"),
            Callback::Inspect(InspectAction::OtherRoom),
        )],
        vec![(
            tr!(i18n, lang, "button-inspection-finish"),
            Callback::Inspect(InspectAction::Finish),
        )],
    ];
    let markup = super::with_page_button(
        keyboard(rows),
        tr!(i18n, lang, "button-mark-on-plan"),
        turn.ctx.services.pin_page(id).await?,
    );
    turn.say_with(
        tr!(
            i18n,
            lang,
            "inspect-saved",
            number = number,
            room = room.label(i18n, lang)
        ),
        markup,
    )
    .await
}

/// A downloaded attachment: Telegram's ids, size and what it is.
pub(super) struct Attachment<'a> {
    pub file_id: &'a teloxide::types::FileId,
    pub unique_id: &'a str,
    pub size: u32,
    pub mime: &'a str,
    pub extension: &'a str,
    /// Taken only if its bytes are an image (whatever type it was sent as); the type and
    /// extension then come from the bytes.
    pub image: bool,
}

impl<'a> Attachment<'a> {
    /// The largest size of a photo (Telegram sends each photo in several); `None` for none.
    pub fn photo(sizes: &'a [teloxide::types::PhotoSize]) -> Option<Self> {
        let largest = sizes.iter().max_by_key(|p| p.file.size)?;
        Some(Attachment {
            file_id: &largest.file.id,
            unique_id: &largest.file.unique_id.0,
            size: largest.file.size,
            mime: "image/jpeg",
            extension: "jpg",
            image: false,
        })
    }

    /// A voice note (Telegram records them as Ogg/Opus).
    pub fn voice(voice: &'a teloxide::types::Voice) -> Self {
        Attachment {
            file_id: &voice.file.id,
            unique_id: &voice.file.unique_id.0,
            size: voice.file.size,
            mime: "audio/ogg",
            extension: "ogg",
            image: false,
        }
    }
}

/// Downloads (unless already stored) and keeps the file, counted against the sender's daily
/// quota; `None` after a polite refusal (too large, over the day's quota, not an image where
/// one is needed), with nothing stored.
pub(super) async fn keep(
    turn: &Turn,
    attachment: Attachment<'_>,
) -> anyhow::Result<Option<String>> {
    let services = &turn.ctx.services;
    if let Some(sha) = services.known_media(attachment.unique_id).await? {
        return Ok(Some(sha));
    }
    if u64::from(attachment.size) > MAX_DOWNLOAD_BYTES {
        turn.say(tr!(
            turn.i18n(),
            turn.lang(),
            "photo-too-large",
            limit_mb = 20
        ))
        .await?;
        return Ok(None);
    }
    let sender = turn.person.telegram_id;
    if !services
        .upload_allowed(&turn.person, u64::from(attachment.size))
        .await?
    {
        let config = &services.config;
        turn.say(tr!(
            turn.i18n(),
            turn.lang(),
            "upload-quota-reached",
            count = config.uploads_per_day,
            limit_mb = format!("{:.1}", config.upload_bytes_per_day as f64 / 1_048_576.0)
        ))
        .await?;
        return Ok(None);
    }
    let file = turn.bot.get_file(attachment.file_id.clone()).await?;
    let mut bytes: Vec<u8> = Vec::with_capacity(file.size as usize);
    turn.bot.download_file(&file.path, &mut bytes).await?;
    let (mime, extension) = if attachment.image {
        match crate::media::sniff_image(&bytes) {
            Some(kind) => kind,
            None => {
                services.count_refused_upload(sender, &bytes).await?;
                turn.say(tr!(turn.i18n(), turn.lang(), "photo-wrong-type"))
                    .await?;
                return Ok(None);
            }
        }
    } else {
        (attachment.mime, attachment.extension)
    };
    match services
        .store_upload(sender, Some(attachment.unique_id), &bytes, mime, extension)
        .await
    {
        Ok(sha) => Ok(Some(sha)),
        // The store did not take it within its retries: nothing was recorded, and the person
        // is asked to send it again rather than left believing it was kept.
        Err(crate::services::ServiceError::Media(error)) => {
            tracing::error!(%error, "a file someone sent could not be kept");
            turn.say(tr!(turn.i18n(), turn.lang(), "upload-not-kept"))
                .await?;
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

/// Any message during a walk-through (commands are handled before). While photos are asked,
/// a photo or a voice note is kept first; elsewhere only a text means anything.
pub async fn on_message(turn: &Turn, msg: &Message, walk: Walkthrough) -> anyhow::Result<()> {
    let input = if !walk.takes_media() {
        match msg.text() {
            Some(text) => Input::Text(text.to_string()),
            None => Input::Other,
        }
    } else if let Some(voice) = msg.voice() {
        match keep(turn, Attachment::voice(voice)).await? {
            Some(sha256) => Input::Voice { sha256 },
            None => return Ok(()),
        }
    } else if let Some(text) = msg.text() {
        Input::Text(text.to_string())
    } else if msg.photo().is_some() || msg.document().is_some() {
        match keep_photo(turn, msg).await? {
            Some(sha256) => Input::Photo {
                sha256,
                album: msg.media_group_id().map(|g| g.to_string()),
            },
            None => return Ok(()),
        }
    } else {
        Input::Other
    };
    let unit = walk.unit.clone();
    apply(turn, Some(msg), &unit, walkthrough::next(walk, input)).await
}

/// The photo (or image file) a message carries, kept in the media store. `None` when the
/// message has none, or after a polite refusal (too large, not an image).
pub async fn keep_photo(turn: &Turn, msg: &Message) -> anyhow::Result<Option<String>> {
    if let Some(sizes) = msg.photo() {
        let Some(attachment) = Attachment::photo(sizes) else {
            return Ok(None);
        };
        return keep(turn, attachment).await;
    }
    if let Some(document) = msg.document() {
        // An image sent as a file: what its bytes are decides, not the type it declares.
        let attachment = Attachment {
            file_id: &document.file.id,
            unique_id: &document.file.unique_id.0,
            size: document.file.size,
            mime: "",
            extension: "",
            image: true,
        };
        return keep(turn, attachment).await;
    }
    Ok(None)
}

// ----- lists and cards -------------------------------------------------------------------------

/// Defects per page of a list.
const PAGE: usize = 10;

/// One page of a household's defects: numbered lines with status, a card button each, and
/// previous/next.
fn defect_page(
    turn: &Turn,
    household: &crate::store::assignment::Household,
    defects: &[crate::store::defects::Defect],
    page: usize,
) -> (String, Option<ReplyMarkup>) {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let pages = defects.len().div_ceil(PAGE).max(1);
    let page = page.min(pages - 1);
    let mut text = tr!(
        i18n,
        lang,
        "defects-title",
        unit = household.unit.short(),
        count = defects.len()
    );
    if pages > 1 {
        text.push_str(&format!(" ({}/{pages})", page + 1));
    }
    let mut rows: Vec<Vec<(String, Callback)>> = Vec::new();
    for (i, d) in defects.iter().enumerate().skip(page * PAGE).take(PAGE) {
        text.push('\n');
        text.push_str(&defect_line(i18n, lang, i + 1, d));
        text.push_str(&tr!(i18n, lang, "part-separator"));
        text.push_str(&d.status.label(i18n, lang));
        rows.push(vec![(
            format!("#{} ({})", i + 1, d.id),
            Callback::DefectCard(d.id),
        )]);
    }
    let unit = household.unit.unit_id;
    // A buyer takes the report home as a PDF; staff ask for it with `/defects UNIT pdf`.
    if matches!(turn.person.actor, Actor::Buyer(_)) && !defects.is_empty() {
        rows.push(vec![(
            tr!(i18n, lang, "button-defects-pdf"),
            Callback::DefectPdf(unit),
        )]);
    }
    let mut nav = Vec::new();
    if page > 0 {
        nav.push((
            tr!(i18n, lang, "button-previous"),
            Callback::DefectPage(unit, (page - 1) as u32),
        ));
    }
    if page + 1 < pages {
        nav.push((
            tr!(i18n, lang, "button-next"),
            Callback::DefectPage(unit, (page + 1) as u32),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    let markup = if rows.is_empty() {
        None
    } else {
        keyboard(rows)
    };
    (text, markup)
}

/// `/defects <unit>`, or `/defects <unit or building> pdf` for the report as a PDF.
pub async fn on_defects(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let (args, pdf) = pdf_argument(args);
    if args.is_empty() {
        return turn.say(tr!(i18n, lang, "defects-usage")).await;
    }
    if pdf {
        let found = turn
            .ctx
            .services
            .defect_pdf(&turn.person.actor, PdfScope::Query(args), lang)
            .await?;
        return match found {
            Found::One(report) => send_pdf(turn, report).await,
            Found::Choose(list) => ambiguous(turn, &list).await,
            Found::NotFound => not_found(turn, args).await,
        };
    }
    match turn
        .ctx
        .services
        .household_defects(&turn.person.actor, args)
        .await?
    {
        Found::One((household, defects)) => say_defect_list(turn, &household, &defects).await,
        Found::Choose(list) => ambiguous(turn, &list).await,
        Found::NotFound => not_found(turn, args).await,
    }
}

/// A home's defect list: where its items have pins, first the plan with every numbered pin,
/// and the list gets a button opening the plan page.
async fn say_defect_list(
    turn: &Turn,
    household: &crate::store::assignment::Household,
    defects: &[crate::store::defects::Defect],
) -> anyhow::Result<()> {
    let services = &turn.ctx.services;
    let picture = services
        .home_overview_picture(household, defects)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "no plan picture for a defect list");
            None
        });
    if let Some(picture) = picture {
        super::remediation::send_photos(turn, &[picture]).await?;
    }
    let (text, markup) = defect_page(turn, household, defects, 0);
    let (home, all) = services
        .plan_view_pages(&turn.person.actor, household)
        .await?;
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let unit_type = household.unit_type.clone().unwrap_or_default();
    let markup = super::with_page_button(
        markup,
        tr!(i18n, lang, "button-type-plan-view", unit_type = unit_type),
        all,
    );
    let markup = super::with_page_button(markup, tr!(i18n, lang, "button-plan-view"), home);
    turn.say_with(text, markup).await
}

/// The query and whether its last word asks for a PDF ("3-1502 pdf"). A buyer's name may have
/// spaces, so only a last word `pdf` is taken from it.
fn pdf_argument(args: &str) -> (&str, bool) {
    let args = args.trim();
    match args.rsplit_once(char::is_whitespace) {
        Some((query, last)) if last.eq_ignore_ascii_case("pdf") => (query.trim(), true),
        _ if args.eq_ignore_ascii_case("pdf") => ("", true),
        _ => (args, false),
    }
}

async fn ambiguous(
    turn: &Turn,
    list: &[crate::store::assignment::Household],
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let names = crate::present::list(i18n, lang, list.iter().map(|h| h.unit.short()));
    turn.say(tr!(i18n, lang, "household-ambiguous", list = names))
        .await
}

async fn not_found(turn: &Turn, query: &str) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    turn.say(tr!(i18n, lang, "household-not-yours", query = query))
        .await
}

/// Sends a defect report as a document, the reply to whoever asked.
async fn send_pdf(turn: &Turn, report: DefectPdf) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let caption = tr!(
        i18n,
        lang,
        "pdf-caption",
        scope = report.scope.as_str(),
        count = report.items
    );
    turn.send_file(
        InputFile::memory(report.bytes).file_name(report.file_name),
        caption,
    )
    .await
}

/// The PDF button of a buyer's defect list: the report of that home, only for those who may
/// open it (a forged press for another home gets the same notice as a stale card).
pub async fn on_defect_pdf(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let found = turn
        .ctx
        .services
        .defect_pdf(&turn.person.actor, PdfScope::Unit(unit), turn.lang())
        .await?;
    let Found::One(report) = found else {
        return super::answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "defect-not-yours")),
        )
        .await;
    };
    super::answer_query(turn, query, None).await?;
    send_pdf(turn, report).await
}

/// `/mydefects`.
pub async fn on_my_defects(turn: &Turn) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    for (household, defects) in turn.ctx.services.my_defects(&turn.person.actor).await? {
        if defects.is_empty() {
            turn.say(tr!(
                i18n,
                lang,
                "mydefects-none",
                unit = household.unit.short()
            ))
            .await?;
            continue;
        }
        say_defect_list(turn, &household, &defects).await?;
    }
    Ok(())
}

pub async fn on_defect_page(
    turn: &Turn,
    query: &CallbackQuery,
    unit: i64,
    page: u32,
) -> anyhow::Result<()> {
    let Some((household, defects)) = turn
        .ctx
        .services
        .unit_defects(&turn.person.actor, unit)
        .await?
    else {
        return super::answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "defect-not-yours")),
        )
        .await;
    };
    super::answer_query(turn, query, None).await?;
    let (text, markup) = defect_page(turn, &household, &defects, page as usize);
    let Some(message) = query.regular_message() else {
        return turn.say_with(text, markup).await;
    };
    let mut edit = turn
        .bot
        .edit_message_text(message.chat.id, message.id, text)
        .parse_mode(teloxide::types::ParseMode::Html);
    if let Some(ReplyMarkup::InlineKeyboard(keyboard)) = markup {
        edit = edit.reply_markup(keyboard);
    }
    super::edited(edit.await)
}
