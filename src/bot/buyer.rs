//! The buyer's side: their homes and the one-time mailing-address check (seed step 1).

use super::callback::Callback;
use super::dialogue::State;
use super::{Turn, answer_query, remove_buttons, send_html};
use crate::domain::people::{Actor, Lang};
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};

/// Longest mailing address we keep; a longer text is almost certainly a paste mistake.
const MAX_ADDRESS_CHARS: usize = 500;

pub async fn ask_address(turn: &Turn, lang: Lang, address: &str) -> anyhow::Result<()> {
    let i18n = turn.i18n();
    let keyboard = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(
            tr!(i18n, lang, "button-address-ok"),
            Callback::AddressOk.encode(),
        ),
        InlineKeyboardButton::callback(
            tr!(i18n, lang, "button-address-fix"),
            Callback::AddressFix.encode(),
        ),
    ]]);
    send_html(
        &turn.ctx,
        &turn.bot,
        turn.chat,
        tr!(i18n, lang, "address-ask", address = address),
        Some(ReplyMarkup::InlineKeyboard(keyboard)),
    )
    .await
}

pub async fn on_my_home(turn: &Turn) -> anyhow::Result<()> {
    let Actor::Buyer(homes) = &turn.person.actor else {
        return Ok(());
    };
    let i18n = turn.i18n();
    let lang = turn.lang();
    let lines = homes
        .iter()
        .map(|home| {
            let address = home
                .mailing_address
                .clone()
                .unwrap_or_else(|| tr!(i18n, lang, "address-none"));
            tr!(
                i18n,
                lang,
                "myhome-line",
                unit = home.unit.short(),
                name = &home.name,
                address = address
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    turn.say(format!("{}\n{lines}", tr!(i18n, lang, "myhome-title")))
        .await
}

pub async fn on_address(turn: &Turn) -> anyhow::Result<()> {
    let Actor::Buyer(homes) = &turn.person.actor else {
        return Ok(());
    };
    match homes.iter().find_map(|h| h.mailing_address.clone()) {
        Some(address) => ask_address(turn, turn.lang(), &address).await,
        None => {
            turn.dialogue.update(State::AwaitingAddress).await?;
            turn.say(tr!(turn.i18n(), turn.lang(), "address-enter-new"))
                .await
        }
    }
}

pub async fn on_address_button(
    turn: &Turn,
    _state: State,
    query: &CallbackQuery,
    callback: Callback,
) -> anyhow::Result<()> {
    let Actor::Buyer(homes) = &turn.person.actor else {
        answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
        )
        .await?;
        return Ok(());
    };
    remove_buttons(turn, query).await?;
    match callback {
        Callback::AddressOk => {
            if homes
                .iter()
                .all(|h| h.address_confirmed || h.mailing_address.is_none())
            {
                answer_query(
                    turn,
                    query,
                    Some(tr!(turn.i18n(), turn.lang(), "address-already-confirmed")),
                )
                .await?;
                return Ok(());
            }
            turn.ctx
                .services
                .confirm_address(&turn.person.actor, turn.person.telegram_id, None)
                .await?;
            answer_query(turn, query, None).await?;
            turn.say(tr!(turn.i18n(), turn.lang(), "address-confirmed"))
                .await
        }
        _ => {
            answer_query(turn, query, None).await?;
            turn.dialogue.update(State::AwaitingAddress).await?;
            turn.say(tr!(turn.i18n(), turn.lang(), "address-enter-new"))
                .await
        }
    }
}

pub async fn on_address_text(turn: &Turn, text: &str) -> anyhow::Result<()> {
    if !matches!(turn.person.actor, Actor::Buyer(_)) {
        turn.dialogue.exit().await?;
        return Ok(());
    }
    let address = text.trim();
    if address.chars().count() < 4 || address.chars().count() > MAX_ADDRESS_CHARS {
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "address-invalid",
                max = MAX_ADDRESS_CHARS
            ))
            .await;
    }
    turn.ctx
        .services
        .confirm_address(&turn.person.actor, turn.person.telegram_id, Some(address))
        .await?;
    turn.dialogue.exit().await?;
    turn.say(tr!(
        turn.i18n(),
        turn.lang(),
        "address-saved",
        address = address
    ))
    .await
}
