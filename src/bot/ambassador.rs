//! Ambassadors and their households: auto-assignment (supervisors), reassignment, away and
//! back, the ambassador's list and cards, notes, and the buyer's view of their ambassador.

use super::callback::Callback;
use super::dialogue::State;
use super::{Turn, remove_buttons};
use crate::domain::people::{Actor, Lang, Stage};
use crate::i18n::{Arg, I18n, escape_html};
use crate::present::Label;
use crate::present::{Dates as _, Times as _};
use crate::services::ServiceError;
use crate::services::assignment::{
    AssignmentPreview, CardOutcome, CardQuery, ConfirmOutcome, HouseholdCard, Planner,
    ReassignOutcome, household_line,
};
use crate::services::relay::Relayed;
use crate::store::assignment::Household;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode, ReplyMarkup};

/// Households per page of /customers.
const PAGE: usize = 8;
/// Longest note kept; longer is almost certainly a paste mistake.
const MAX_NOTE_CHARS: usize = 1000;

fn forbidden(turn: &Turn, command: &str) -> String {
    tr!(turn.i18n(), turn.lang(), "forbidden", command = command)
}

// ----- /assign ---------------------------------------------------------------------------------

pub fn render_preview(i18n: &I18n, lang: Lang, preview: &AssignmentPreview) -> String {
    let mut out = tr!(i18n, lang, "assign-preview-title", count = preview.placed);
    for line in preview.lines.iter().filter(|l| l.households > 0) {
        let senior = if line.senior {
            tr!(i18n, lang, "assign-senior-mark")
        } else {
            String::new()
        };
        out.push('\n');
        out.push_str(&tr!(
            i18n,
            lang,
            "assign-preview-line",
            name = &line.name,
            senior = senior,
            count = line.households,
            sensitive = line.sensitive,
            buildings = crate::present::list(i18n, lang, &line.buildings),
            load = line.load_after,
            capacity = line.capacity
        ));
    }
    if !preview.unplaced.is_empty() {
        let list = preview
            .unplaced
            .iter()
            .map(|u| {
                let names = crate::present::list(i18n, lang, &u.names);
                escape_html(&format!("{} {names}", u.unit)).into_owned()
            })
            .collect::<Vec<_>>()
            .join("\n");
        out.push_str("\n\n");
        out.push_str(&tr!(
            i18n,
            lang,
            "assign-unplaced",
            count = preview.unplaced.len(),
            list = Arg::Html(list)
        ));
    }
    out.push_str("\n\n");
    out.push_str(&tr!(i18n, lang, "assign-preview-footer"));
    out
}

fn preview_keyboard(i18n: &I18n, lang: Lang, preview: &AssignmentPreview) -> Option<ReplyMarkup> {
    let fingerprint = u64::from_str_radix(&preview.fingerprint, 16).ok()?;
    Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(
        vec![vec![
            InlineKeyboardButton::callback(
                tr!(i18n, lang, "button-assign-confirm"),
                Callback::AssignConfirm(fingerprint).encode(),
            ),
            InlineKeyboardButton::callback(
                tr!(i18n, lang, "button-cancel"),
                Callback::AssignCancel.encode(),
            ),
        ]],
    )))
}

async fn say_preview(turn: &Turn, preview: &AssignmentPreview) -> anyhow::Result<()> {
    if preview.placed == 0 && preview.unplaced.is_empty() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "assign-nothing"))
            .await;
    }
    let text = render_preview(turn.i18n(), turn.lang(), preview);
    let keyboard = if preview.placed > 0 {
        preview_keyboard(turn.i18n(), turn.lang(), preview)
    } else {
        None
    };
    turn.say_with(text, keyboard).await
}

pub async fn on_assign(turn: &Turn) -> anyhow::Result<()> {
    let preview = turn
        .ctx
        .services
        .assignment_preview(Planner::Supervisor(&turn.person.actor))
        .await?;
    say_preview(turn, &preview).await
}

pub async fn on_assign_button(
    turn: &Turn,
    query: &CallbackQuery,
    callback: Callback,
) -> anyhow::Result<()> {
    if !turn.person.actor.can_supervise() {
        return answer(turn, query, Some(forbidden(turn, "/assign"))).await;
    }
    remove_buttons(turn, query).await?;
    let Callback::AssignConfirm(fingerprint) = callback else {
        answer(turn, query, None).await?;
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "assign-cancelled"))
            .await;
    };
    answer(turn, query, None).await?;
    let outcome = turn
        .ctx
        .services
        .confirm_assignment(
            Planner::Supervisor(&turn.person.actor),
            &format!("{fingerprint:016x}"),
        )
        .await?;
    match outcome {
        ConfirmOutcome::Applied(preview) => {
            turn.say(tr!(
                turn.i18n(),
                turn.lang(),
                "assign-done",
                count = preview.placed,
                unplaced = preview.unplaced.len()
            ))
            .await
        }
        ConfirmOutcome::Stale(preview) => {
            turn.say(tr!(turn.i18n(), turn.lang(), "assign-stale"))
                .await?;
            say_preview(turn, &preview).await
        }
    }
}

// ----- /reassign -------------------------------------------------------------------------------

pub async fn on_reassign(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let mut words = args.split_whitespace();
    let (Some(unit), name) = (words.next(), words.collect::<Vec<_>>().join(" ")) else {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "reassign-usage"))
            .await;
    };
    if name.is_empty() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "reassign-usage"))
            .await;
    }
    let outcome = turn
        .ctx
        .services
        .reassign(&turn.person.actor, unit, &name)
        .await?;
    let text = match outcome {
        ReassignOutcome::Done { household, to } => tr!(
            turn.i18n(),
            turn.lang(),
            "reassign-done",
            unit = household.unit.short(),
            name = &to.name
        ),
        ReassignOutcome::NoSuchHousehold => {
            tr!(
                turn.i18n(),
                turn.lang(),
                "household-not-found",
                query = unit
            )
        }
        ReassignOutcome::NoSuchAmbassador => {
            tr!(
                turn.i18n(),
                turn.lang(),
                "ambassador-not-found",
                name = name
            )
        }
        ReassignOutcome::Ambiguous(found) => {
            let list = crate::present::list(
                turn.i18n(),
                turn.lang(),
                found
                    .iter()
                    .map(|h| escape_html(&h.unit.short()).into_owned()),
            );
            tr!(
                turn.i18n(),
                turn.lang(),
                "household-ambiguous",
                list = Arg::Html(list)
            )
        }
    };
    turn.say(text).await
}

// ----- /away and /back -------------------------------------------------------------------------

pub async fn on_away(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let today = turn
        .ctx
        .services
        .clock
        .now()
        .with_timezone(&turn.ctx.services.config.timezone)
        .date_naive();
    let (name, until) = crate::domain::text::split_trailing_day(args, today);
    if until.is_some_and(|day| day < today) {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "away-date-past"))
            .await;
    }
    let who = (!name.is_empty()).then_some(name.as_str());
    if who.is_none() && !turn.person.actor.is_ambassador() {
        return turn.say(tr!(turn.i18n(), turn.lang(), "away-usage")).await;
    }
    let moved = match turn
        .ctx
        .services
        .go_away(&turn.person.actor, who, until)
        .await
    {
        Ok(moved) => moved,
        Err(ServiceError::Forbidden) => return turn.say(forbidden(turn, "/away")).await,
        Err(other) => return Err(other.into()),
    };
    let Some(moved) = moved else {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "ambassador-not-found",
                name = name
            ))
            .await;
    };
    let until_text = match until {
        Some(day) => day.present_date(),
        None => tr!(turn.i18n(), turn.lang(), "away-until-back"),
    };
    let mut text = tr!(
        turn.i18n(),
        turn.lang(),
        "away-done",
        name = &moved.staff.name,
        until = until_text,
        count = moved.moves.len()
    );
    if !moved.unplaced.is_empty() {
        let list: Vec<&Household> = moved.unplaced.iter().collect();
        text.push_str("\n\n");
        text.push_str(&tr!(
            turn.i18n(),
            turn.lang(),
            "away-unplaced",
            count = list.len(),
            list = Arg::Html(crate::services::assignment::household_lines(
                turn.i18n(),
                turn.lang(),
                &list
            ))
        ));
    }
    turn.say(text).await
}

pub async fn on_back(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let who = (!args.trim().is_empty()).then_some(args.trim());
    if who.is_none() && !turn.person.actor.is_ambassador() {
        return turn.say(tr!(turn.i18n(), turn.lang(), "back-usage")).await;
    }
    let result = match turn.ctx.services.come_back(&turn.person.actor, who).await {
        Ok(result) => result,
        Err(ServiceError::Forbidden) => return turn.say(forbidden(turn, "/back")).await,
        Err(other) => return Err(other.into()),
    };
    let Some((staff, covered)) = result else {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "ambassador-not-found",
                name = args.trim()
            ))
            .await;
    };
    turn.say(tr!(
        turn.i18n(),
        turn.lang(),
        "back-done",
        name = &staff.name,
        count = covered
    ))
    .await
}

pub async fn on_return_button(
    turn: &Turn,
    query: &CallbackQuery,
    staff_id: i64,
) -> anyhow::Result<()> {
    if !turn.person.actor.can_supervise() {
        return answer(turn, query, Some(forbidden(turn, "/back"))).await;
    }
    let moved = turn
        .ctx
        .services
        .return_households(&turn.person.actor, staff_id)
        .await?;
    remove_buttons(turn, query).await?;
    match moved {
        Some(moved) => {
            answer(turn, query, None).await?;
            turn.say(tr!(
                turn.i18n(),
                turn.lang(),
                "return-done",
                name = &moved.staff.name,
                count = moved.moves.len()
            ))
            .await
        }
        None => {
            answer(
                turn,
                query,
                Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
            )
            .await
        }
    }
}

// ----- /customers and cards --------------------------------------------------------------------

fn customers_page(
    i18n: &I18n,
    lang: Lang,
    all: &[Household],
    stage: Option<Stage>,
    page: usize,
) -> (String, InlineKeyboardMarkup) {
    let shown: Vec<&Household> = all
        .iter()
        .filter(|h| stage.is_none_or(|s| h.stage == s))
        .collect();
    let pages = shown.len().div_ceil(PAGE).max(1);
    let page = page.min(pages - 1);
    let filter = match stage {
        Some(stage) => stage.label(i18n, lang),
        None => tr!(i18n, lang, "stage-all"),
    };
    let mut text = tr!(
        i18n,
        lang,
        "customers-title",
        count = shown.len(),
        total = all.len(),
        filter = filter,
        page = page + 1,
        pages = pages
    );
    let on_page: Vec<&Household> = shown.iter().skip(page * PAGE).take(PAGE).copied().collect();
    if on_page.is_empty() {
        text.push('\n');
        text.push_str(&tr!(i18n, lang, "customers-none"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    for h in &on_page {
        text.push('\n');
        text.push_str(&household_line(i18n, lang, h));
        text.push_str(" · ");
        text.push_str(&h.stage.label(i18n, lang));
        rows.push(vec![InlineKeyboardButton::callback(
            format!(
                "{} {}",
                h.unit.short(),
                crate::present::list(i18n, lang, &h.names)
            ),
            Callback::Card(h.unit.unit_id).encode(),
        )]);
    }
    let mut filters: Vec<InlineKeyboardButton> = Vec::new();
    let options = std::iter::once(None).chain(Stage::ALL.into_iter().map(Some));
    for option in options {
        let label = match option {
            Some(s) => s.label(i18n, lang),
            None => tr!(i18n, lang, "stage-all"),
        };
        let label = if option == stage {
            format!("• {label}")
        } else {
            label
        };
        filters.push(InlineKeyboardButton::callback(
            label,
            Callback::Customers {
                stage: option,
                page: 0,
            }
            .encode(),
        ));
    }
    for chunk in filters.chunks(3) {
        rows.push(chunk.to_vec());
    }
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(InlineKeyboardButton::callback(
            tr!(i18n, lang, "button-previous"),
            Callback::Customers {
                stage,
                page: (page - 1) as u32,
            }
            .encode(),
        ));
    }
    if page + 1 < pages {
        nav.push(InlineKeyboardButton::callback(
            tr!(i18n, lang, "button-next"),
            Callback::Customers {
                stage,
                page: (page + 1) as u32,
            }
            .encode(),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    (text, InlineKeyboardMarkup::new(rows))
}

pub async fn on_customers(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let all = turn.ctx.services.my_households(&turn.person.actor).await?;
    let stage = Stage::ALL
        .into_iter()
        .find(|s| s.label(turn.i18n(), turn.lang()) == args.trim());
    let (text, keyboard) = customers_page(turn.i18n(), turn.lang(), &all, stage, 0);
    turn.say_with(text, Some(ReplyMarkup::InlineKeyboard(keyboard)))
        .await
}

pub async fn on_customers_button(
    turn: &Turn,
    query: &CallbackQuery,
    stage: Option<Stage>,
    page: u32,
) -> anyhow::Result<()> {
    // Like the command: an engineer's (empty) list is not theirs to page through.
    if !super::menu::allowed(&turn.person.actor, "customers") {
        return answer(turn, query, Some(forbidden(turn, "/customers"))).await;
    }
    let all = match turn.ctx.services.my_households(&turn.person.actor).await {
        Ok(all) => all,
        Err(ServiceError::Forbidden) => {
            return answer(turn, query, Some(forbidden(turn, "/customers"))).await;
        }
        Err(other) => return Err(other.into()),
    };
    answer(turn, query, None).await?;
    let (text, keyboard) = customers_page(turn.i18n(), turn.lang(), &all, stage, page as usize);
    match query.regular_message() {
        Some(message) => {
            // The same page pressed again: nothing to change.
            super::edited(
                turn.bot
                    .edit_message_text(message.chat.id, message.id, text)
                    .parse_mode(ParseMode::Html)
                    .reply_markup(keyboard)
                    .await,
            )
        }
        None => {
            turn.say_with(text, Some(ReplyMarkup::InlineKeyboard(keyboard)))
                .await
        }
    }
}

fn render_card(i18n: &I18n, lang: Lang, card: &HouseholdCard, tz: chrono_tz::Tz) -> String {
    let h = &card.household;
    let mut out = tr!(i18n, lang, "card-title", unit = h.unit.short());
    for buyer in &card.buyers {
        out.push('\n');
        out.push_str(&tr!(
            i18n,
            lang,
            "card-buyer",
            name = &buyer.name,
            phone = buyer.phone.as_str()
        ));
    }
    let address = card
        .buyers
        .iter()
        .find_map(|b| b.mailing_address.clone())
        .unwrap_or_else(|| tr!(i18n, lang, "address-none"));
    let flags = if h.flags.is_empty() {
        tr!(i18n, lang, "card-no-flags")
    } else {
        crate::present::list(i18n, lang, h.flags.iter().map(|f| f.label(i18n, lang)))
    };
    out.push('\n');
    out.push_str(&tr!(
        i18n,
        lang,
        "card-details",
        address = address,
        tier = h.tier.as_str(),
        flags = flags,
        stage = h.stage.label(i18n, lang),
        ambassador =
            card.ambassador
                .clone()
                .unwrap_or_else(|| tr!(i18n, lang, "card-no-ambassador"))
    ));
    out.push('\n');
    if card.notes.is_empty() {
        out.push_str(&tr!(i18n, lang, "card-no-notes"));
    } else {
        out.push_str(&tr!(i18n, lang, "card-notes"));
        for note in &card.notes {
            out.push('\n');
            out.push_str(&tr!(
                i18n,
                lang,
                "card-note",
                at = note.at.with_timezone(&tz).present_month_day_time(),
                author = &note.author,
                text = &note.text
            ));
        }
    }
    out
}

async fn show_card(turn: &Turn, outcome: CardOutcome, query_text: &str) -> anyhow::Result<()> {
    match outcome {
        CardOutcome::NotFound => {
            turn.say(tr!(
                turn.i18n(),
                turn.lang(),
                "household-not-yours",
                query = query_text
            ))
            .await
        }
        CardOutcome::Choose(found) => {
            let rows = found
                .iter()
                .map(|h| {
                    vec![InlineKeyboardButton::callback(
                        format!(
                            "{} {}",
                            h.unit.short(),
                            crate::present::list(turn.i18n(), turn.lang(), &h.names)
                        ),
                        Callback::Card(h.unit.unit_id).encode(),
                    )]
                })
                .collect::<Vec<_>>();
            turn.say_with(
                tr!(turn.i18n(), turn.lang(), "household-choose"),
                Some(ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(rows))),
            )
            .await
        }
        CardOutcome::Card(card) => {
            let tz = turn.ctx.services.config.timezone;
            let text = render_card(turn.i18n(), turn.lang(), &card, tz);
            let unit = card.household.unit.unit_id;
            let mut row = vec![InlineKeyboardButton::callback(
                tr!(turn.i18n(), turn.lang(), "button-add-note"),
                Callback::Note(unit).encode(),
            )];
            if crate::domain::authz::can_inspect(&turn.person.actor) {
                row.push(InlineKeyboardButton::callback(
                    tr!(turn.i18n(), turn.lang(), "button-start-inspection"),
                    Callback::StartInspection(unit).encode(),
                ));
            }
            let keyboard = InlineKeyboardMarkup::new(vec![row]);
            turn.say_with(text, Some(ReplyMarkup::InlineKeyboard(keyboard)))
                .await
        }
    }
}

pub async fn on_customer(turn: &Turn, args: &str) -> anyhow::Result<()> {
    if args.trim().is_empty() {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "customer-usage"))
            .await;
    }
    let outcome = turn
        .ctx
        .services
        .household_card(&turn.person.actor, CardQuery::Text(args))
        .await?;
    show_card(turn, outcome, args.trim()).await
}

pub async fn on_card_button(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let outcome = match turn
        .ctx
        .services
        .household_card(&turn.person.actor, CardQuery::Unit(unit))
        .await
    {
        Ok(outcome) => outcome,
        Err(ServiceError::Forbidden) => {
            return answer(turn, query, Some(forbidden(turn, "/customer"))).await;
        }
        Err(other) => return Err(other.into()),
    };
    if matches!(outcome, CardOutcome::NotFound) {
        return answer(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "household-not-yours-short")),
        )
        .await;
    }
    answer(turn, query, None).await?;
    show_card(turn, outcome, "").await
}

pub async fn on_note_button(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let prompt = tr!(turn.i18n(), turn.lang(), "note-enter");
    ask_about_household(
        turn,
        query,
        unit,
        State::AwaitingNote { unit_id: unit },
        prompt,
    )
    .await
}

/// A button that starts a text step about a household (a note, a reply): only for someone
/// who may open the household.
async fn ask_about_household(
    turn: &Turn,
    query: &CallbackQuery,
    unit: i64,
    next: State,
    prompt: String,
) -> anyhow::Result<()> {
    let allowed = match turn
        .ctx
        .services
        .household_card(&turn.person.actor, CardQuery::Unit(unit))
        .await
    {
        Ok(CardOutcome::Card(_)) => true,
        Ok(_) | Err(ServiceError::Forbidden) => false,
        Err(other) => return Err(other.into()),
    };
    if !allowed {
        return answer(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "household-not-yours-short")),
        )
        .await;
    }
    answer(turn, query, None).await?;
    turn.dialogue.update(next).await?;
    turn.say(prompt).await
}

pub async fn on_note_text(turn: &Turn, unit: i64, text: &str) -> anyhow::Result<()> {
    let note = text.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "note-invalid",
                max = MAX_NOTE_CHARS
            ))
            .await;
    }
    // The step ends with the record (see `Turn::answering`).
    let saved = match turn
        .answering()
        .add_note(&turn.person.actor, unit, note)
        .await
    {
        Ok(saved) => saved,
        Err(ServiceError::Forbidden) => false,
        Err(other) => return Err(other.into()),
    };
    turn.dialogue.exit().await?;
    if saved {
        turn.say(tr!(turn.i18n(), turn.lang(), "note-saved")).await
    } else {
        turn.say(tr!(turn.i18n(), turn.lang(), "household-not-yours-short"))
            .await
    }
}

// ----- messages between buyers and their ambassador ---------------------------------------------

/// Longest message relayed in one piece (a Telegram message holds 4096 characters, and the
/// relay adds a header).
const MAX_RELAY_CHARS: usize = 3500;

pub async fn on_buyer_text(turn: &Turn, text: &str) -> anyhow::Result<()> {
    let text = text.trim();
    if text.chars().count() > MAX_RELAY_CHARS {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "relay-too-long",
                max = MAX_RELAY_CHARS
            ))
            .await;
    }
    // Taken with the update (see `Turn::answering`): relayed once however often it is handled.
    let relayed = turn
        .answering()
        .message_from_buyer(&turn.person.actor, text)
        .await?;
    let answer = match relayed {
        Relayed::Ambassadors(names) => tr!(
            turn.i18n(),
            turn.lang(),
            "relay-sent-ambassador",
            name = crate::present::list(turn.i18n(), turn.lang(), &names)
        ),
        Relayed::Supervisors => tr!(turn.i18n(), turn.lang(), "relay-sent-team"),
        Relayed::Kept => tr!(turn.i18n(), turn.lang(), "relay-kept"),
    };
    turn.say(answer).await
}

pub async fn on_reply_button(turn: &Turn, query: &CallbackQuery, unit: i64) -> anyhow::Result<()> {
    let prompt = tr!(turn.i18n(), turn.lang(), "reply-enter");
    ask_about_household(
        turn,
        query,
        unit,
        State::AwaitingReply { unit_id: unit },
        prompt,
    )
    .await
}

pub async fn on_reply_text(turn: &Turn, unit: i64, text: &str) -> anyhow::Result<()> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_RELAY_CHARS {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "relay-too-long",
                max = MAX_RELAY_CHARS
            ))
            .await;
    }
    // The step ends with the record (see `Turn::answering`).
    let sent = match turn
        .answering()
        .reply_to_household(&turn.person.actor, unit, text)
        .await
    {
        Ok(sent) => sent,
        Err(ServiceError::Forbidden) => None,
        Err(other) => return Err(other.into()),
    };
    turn.dialogue.exit().await?;
    let answer = match sent {
        None => tr!(turn.i18n(), turn.lang(), "household-not-yours-short"),
        Some(0) => tr!(turn.i18n(), turn.lang(), "reply-nobody-linked"),
        Some(count) => tr!(turn.i18n(), turn.lang(), "reply-sent", count = count),
    };
    turn.say(answer).await
}

// ----- /ambassadors, /sharephone, the buyer's /ambassador --------------------------------------

pub async fn on_ambassadors(turn: &Turn) -> anyhow::Result<()> {
    let overview = turn
        .ctx
        .services
        .ambassador_overview(&turn.person.actor)
        .await?;
    let i18n = turn.i18n();
    let lang = turn.lang();
    let tz = turn.ctx.services.config.timezone;
    if overview.is_empty() {
        return turn.say(tr!(i18n, lang, "ambassadors-none")).await;
    }
    let mut out = tr!(i18n, lang, "ambassadors-title", count = overview.len());
    for (load, households) in &overview {
        let staff = &load.staff;
        let sensitive = households.iter().filter(|h| h.sensitive()).count();
        let mut buildings: Vec<&str> = households
            .iter()
            .map(|h| h.unit.building.as_str())
            .collect();
        buildings.sort();
        buildings.dedup();
        let role = if staff.roles.has(crate::domain::people::Role::Ambassador) {
            crate::domain::people::Role::Ambassador.label(i18n, lang)
        } else {
            crate::domain::people::Role::BackupAmbassador.label(i18n, lang)
        };
        let senior = if staff.is_senior() {
            tr!(i18n, lang, "assign-senior-mark")
        } else {
            String::new()
        };
        let status = match (staff.away_since, staff.away_until) {
            (None, _) => tr!(i18n, lang, "ambassador-at-work"),
            (Some(_), Some(until)) => tr!(
                i18n,
                lang,
                "ambassador-away-until",
                until = until.with_timezone(&tz).present_date_time()
            ),
            (Some(_), None) => tr!(i18n, lang, "ambassador-away"),
        };
        out.push('\n');
        out.push_str(&tr!(
            i18n,
            lang,
            "ambassadors-line",
            name = &staff.name,
            senior = senior,
            role = role,
            count = load.load,
            capacity = staff
                .capacity
                .unwrap_or(crate::domain::assignment::DEFAULT_CAPACITY),
            sensitive = sensitive,
            buildings = if buildings.is_empty() {
                "—".to_string()
            } else {
                crate::present::list(i18n, lang, &buildings)
            },
            covered = load.covered,
            status = status
        ));
    }
    turn.say(out).await
}

pub async fn on_share_phone(turn: &Turn, args: &str) -> anyhow::Result<()> {
    let share = match args.trim().to_lowercase().as_str() {
        "on" | "yes" | "开" | "是" | "公开" => true,
        "off" | "no" | "关" | "否" | "不公开" => false,
        _ => {
            return turn
                .say(tr!(turn.i18n(), turn.lang(), "sharephone-usage"))
                .await;
        }
    };
    turn.ctx
        .services
        .set_share_phone(&turn.person.actor, share)
        .await?;
    let text = if share {
        tr!(turn.i18n(), turn.lang(), "sharephone-on")
    } else {
        tr!(turn.i18n(), turn.lang(), "sharephone-off")
    };
    turn.say(text).await
}

pub async fn on_my_ambassador(turn: &Turn) -> anyhow::Result<()> {
    if !matches!(turn.person.actor, Actor::Buyer(_)) {
        return Ok(());
    }
    let homes = turn
        .ctx
        .services
        .ambassador_of_buyer(&turn.person.actor)
        .await?;
    let i18n = turn.i18n();
    let lang = turn.lang();
    let lines = homes
        .iter()
        .map(|(home, staff)| match staff {
            Some(staff) => {
                let phone = match (&staff.phone, staff.share_phone) {
                    (Some(phone), true) => {
                        tr!(i18n, lang, "ambassador-phone-line", phone = phone.as_str())
                    }
                    _ => String::new(),
                };
                tr!(
                    i18n,
                    lang,
                    "my-ambassador-line",
                    home = home.as_str(),
                    name = &staff.name,
                    phone = Arg::Html(phone)
                )
            }
            None => tr!(i18n, lang, "my-ambassador-none", home = home.as_str()),
        })
        .collect::<Vec<_>>()
        .join("\n");
    turn.say(lines).await
}

// ----- helpers ---------------------------------------------------------------------------------

async fn answer(turn: &Turn, query: &CallbackQuery, text: Option<String>) -> anyhow::Result<()> {
    super::answer_query(turn, query, text).await
}
