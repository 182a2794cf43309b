//! A buyer and their ambassador: messages both ways (a buyer's text reaches their ambassador,
//! who answers with "reply"), whether the buyer sees the ambassador's phone, and the buyer's
//! /ambassador.

use super::Turn;
use super::dialogue::State;
use crate::domain::people::Actor;
use crate::i18n::Arg;
use crate::services::ServiceError;
use crate::services::relay::Relayed;
use crate::tr;
use teloxide::prelude::*;

// ----- messages between buyers and their ambassador ---------------------------------------------

/// Longest message relayed in one piece (a Telegram message holds 4096 characters, and the
/// relay adds a header).
pub(crate) const MAX_RELAY_CHARS: usize = 3500;

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
    say_relayed(turn, relayed).await
}

/// Tells the buyer who their message went to.
pub(crate) async fn say_relayed(turn: &Turn, relayed: Relayed) -> anyhow::Result<()> {
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
    super::households::ask_about_household(
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

// ----- /sharephone, the buyer's /ambassador ---------------------------------------------------

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
