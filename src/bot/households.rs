//! An ambassador's households: the list by stage, a household's card, and notes on it.

use super::Turn;
use super::callback::Callback;
use super::dialogue::State;
use crate::domain::people::{Lang, Stage};
use crate::i18n::I18n;
use crate::present::Label;
use crate::present::Times as _;
use crate::services::ServiceError;
use crate::services::assignment::{CardOutcome, CardQuery, HouseholdCard, household_line};
use crate::store::assignment::Household;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode, ReplyMarkup};

/// Households per page of /customers.
const PAGE: usize = 8;
/// Longest note kept; longer is almost certainly a paste mistake.
const MAX_NOTE_CHARS: usize = 1000;

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
        text.push_str(&crate::present::parts(
            i18n,
            lang,
            [household_line(i18n, lang, h), h.stage.label(i18n, lang)],
        ));
        // A button's label is plain text.
        let label = tr!(
            i18n,
            lang,
            "home-with-names",
            home = h.unit.short(),
            names = crate::present::list(i18n, lang, &h.names)
        );
        rows.push(vec![InlineKeyboardButton::callback(
            crate::i18n::plain_text(&label),
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
            tr!(
                i18n,
                lang,
                "button-chosen",
                label = crate::i18n::Arg::Html(label)
            )
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
    if !super::commands::Command::Customers.allowed(&turn.person.actor) {
        return Err(super::router::refused());
    }
    let all = turn.ctx.services.my_households(&turn.person.actor).await?;
    super::answer_query(turn, query, None).await?;
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
            let mut text = render_card(turn.i18n(), turn.lang(), &card, tz);
            text.push_str(&super::before_campaign::card_lines(
                turn,
                &card.risks,
                card.call.as_ref(),
            ));
            let unit = card.household.unit.unit_id;
            let mut row = vec![InlineKeyboardButton::callback(
                tr!(turn.i18n(), turn.lang(), "button-add-note"),
                Callback::Note(unit).encode(),
            )];
            if card.call.is_some() && turn.person.actor.is_ambassador() {
                row.push(super::before_campaign::call_button(turn, unit));
            }
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
    let outcome = turn
        .ctx
        .services
        .household_card(&turn.person.actor, CardQuery::Unit(unit))
        .await?;
    if matches!(outcome, CardOutcome::NotFound) {
        return super::answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "household-not-yours-short")),
        )
        .await;
    }
    super::answer_query(turn, query, None).await?;
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
pub(super) async fn ask_about_household(
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
        return super::answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "household-not-yours-short")),
        )
        .await;
    }
    super::answer_query(turn, query, None).await?;
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
