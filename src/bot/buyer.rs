//! The buyer's side: their homes and the one-time mailing-address check (seed step 1).

use super::callback::Callback;
use super::dialogue::State;
use super::inspect::{Attachment, keep};
use super::{Turn, answer_query, remove_buttons, send_html};
use crate::domain::people::{Actor, Lang};
use crate::services::relay::{BuyerMedia, Relayed};
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
    // The record of each home handed over, as a PDF, again.
    let records = turn
        .ctx
        .services
        .received_records(&turn.person.actor)
        .await?;
    let buttons: Vec<Vec<InlineKeyboardButton>> = records
        .iter()
        .map(|(unit, _)| {
            let mut label = tr!(i18n, lang, "button-record-pdf");
            if homes.len() > 1
                && let Some(home) = homes.iter().find(|h| h.unit.unit_id == *unit)
            {
                label = format!("{label} {}", home.unit.short());
            }
            vec![InlineKeyboardButton::callback(
                label,
                Callback::RecordPdf(*unit).encode(),
            )]
        })
        .collect();
    let markup = (!buttons.is_empty())
        .then(|| ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(buttons)));
    turn.say_with(
        format!("{}\n{lines}", tr!(i18n, lang, "myhome-title")),
        markup,
    )
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

/// A photo, voice note or file a buyer sends outside any flow: kept like every upload and
/// relayed to whoever looks after their home, as their text is. A photo with a caption is
/// offered "report this as a problem".
pub async fn on_media(turn: &Turn, msg: &Message) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let (attachment, kind, file_name) = if let Some(sizes) = msg.photo() {
        let Some(attachment) = Attachment::photo(sizes) else {
            return Ok(());
        };
        (attachment, "photo", "photo.jpg".to_string())
    } else if let Some(voice) = msg.voice() {
        (Attachment::voice(voice), "voice", "voice.ogg".to_string())
    } else if let Some(document) = msg.document() {
        let file_name = document
            .file_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "file".to_string());
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .unwrap_or_default();
        let attachment = Attachment {
            file_id: &document.file.id,
            unique_id: &document.file.unique_id.0,
            size: document.file.size,
            mime: "application/octet-stream",
            extension,
            image: false,
        };
        return relay(turn, msg, attachment, "document", &file_name).await;
    } else {
        return turn.say(tr!(i18n, lang, "unsupported-message")).await;
    };
    relay(turn, msg, attachment, kind, &file_name).await
}

async fn relay(
    turn: &Turn,
    msg: &Message,
    attachment: Attachment<'_>,
    kind: &str,
    file_name: &str,
) -> anyhow::Result<()> {
    let (i18n, lang) = (turn.i18n(), turn.lang());
    let Some(sha) = keep(turn, attachment).await? else {
        return Ok(());
    };
    let caption = msg.caption().unwrap_or_default().trim();
    let media = BuyerMedia {
        message_id: i64::from(msg.id.0),
        kind,
        sha256: &sha,
        file_name,
        caption,
    };
    let (relayed, id) = turn
        .ctx
        .services
        .media_from_buyer(&turn.person.actor, turn.person.telegram_id, media)
        .await?;
    let answer = match relayed {
        Relayed::Ambassadors(names) => {
            tr!(
                i18n,
                lang,
                "relay-sent-ambassador",
                name = crate::present::list(i18n, lang, &names)
            )
        }
        Relayed::Supervisors => tr!(i18n, lang, "relay-sent-team"),
        Relayed::Kept => tr!(i18n, lang, "relay-kept"),
    };
    let markup = match id {
        Some(id) if kind == "photo" && !caption.is_empty() => {
            let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
                tr!(i18n, lang, "button-report-relayed"),
                Callback::ReportRelayed(id).encode(),
            )]]);
            Some(ReplyMarkup::InlineKeyboard(keyboard))
        }
        _ => None,
    };
    turn.say_with(answer, markup).await
}
