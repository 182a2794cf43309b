//! Answering photos: a lone photo at once; an album (Telegram delivers one message per photo,
//! sharing `media_group_id`) once, a moment after its last photo, with the whole count.

use super::Turn;
use crate::domain::message::{Button, Content};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButtonKind, ReplyMarkup};

/// Answers the photo in `msg` with `html` and `markup`: now for a lone photo; for a photo of
/// an album, through the outbox after the album settles (each later photo's answer replaces
/// the one waiting, so only the last goes).
pub async fn answer_photo(
    turn: &Turn,
    msg: &Message,
    html: String,
    markup: Option<ReplyMarkup>,
) -> anyhow::Result<()> {
    let Some(album) = msg.media_group_id() else {
        return turn.say_with(html, markup).await;
    };
    let content = Content::Text {
        html,
        buttons: buttons(markup),
    };
    turn.ctx
        .services
        .answer_after_album(turn.chat.0, &album.to_string(), msg.id.0, content)
        .await?;
    Ok(())
}

/// An inline keyboard's callback buttons as the outbox keeps them.
fn buttons(markup: Option<ReplyMarkup>) -> Vec<Vec<Button>> {
    let Some(ReplyMarkup::InlineKeyboard(keyboard)) = markup else {
        return Vec::new();
    };
    keyboard
        .inline_keyboard
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter_map(|button| match button.kind {
                    InlineKeyboardButtonKind::CallbackData(data) => {
                        Some(Button::press(button.text, data))
                    }
                    _ => None,
                })
                .collect()
        })
        .collect()
}
