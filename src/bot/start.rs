//! Starting and the commands everyone has: /start (a shared phone number or an invite code
//! links the person), the welcome, /help, /language, /cancel and /me.

use super::callback::Callback;
use super::dialogue::State;
use super::menu;
use super::{Turn, buyer, handover};
use crate::domain::people::{Actor, Lang};
use crate::present::Label;
use crate::services::onboarding::{ContactOutcome, InviteOutcome};
use crate::services::staff::looks_like_code;
use crate::tr;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    KeyboardRemove, ReplyMarkup, User,
};

pub(super) fn share_phone_keyboard(turn: &Turn) -> ReplyMarkup {
    let button = KeyboardButton::new(tr!(turn.i18n(), turn.lang(), "button-share-phone"))
        .request(ButtonRequest::Contact);
    ReplyMarkup::Keyboard(
        KeyboardMarkup::new(vec![vec![button]])
            .resize_keyboard()
            .one_time_keyboard(),
    )
}

pub(super) async fn on_start(turn: &Turn, payload: &str, from: &User) -> anyhow::Result<()> {
    if crate::services::rehearsal::looks_like_link(payload) {
        return super::rehearsal::on_link(turn, payload).await;
    }
    if !payload.is_empty() {
        return on_invite_code(turn, payload, from).await;
    }
    match &turn.person.actor {
        Actor::Unknown => {
            turn.say_with(
                tr!(turn.i18n(), turn.lang(), "start-share-phone"),
                Some(share_phone_keyboard(turn)),
            )
            .await
        }
        actor => welcome(turn, actor, "welcome-back").await,
    }
}

async fn on_invite_code(turn: &Turn, payload: &str, from: &User) -> anyhow::Result<()> {
    if !looks_like_code(payload) {
        return turn
            .say(tr!(turn.i18n(), turn.lang(), "invite-unknown"))
            .await;
    }
    let telegram_id = turn.person.telegram_id;
    let outcome = turn
        .ctx
        .services
        .redeem_invite(telegram_id, &from.full_name(), payload)
        .await?;
    match outcome {
        InviteOutcome::Unknown => {
            turn.say(tr!(turn.i18n(), turn.lang(), "invite-unknown"))
                .await
        }
        InviteOutcome::AlreadyUsed => turn.say(tr!(turn.i18n(), turn.lang(), "invite-used")).await,
        InviteOutcome::Expired => {
            turn.say(tr!(turn.i18n(), turn.lang(), "invite-expired"))
                .await
        }
        InviteOutcome::Linked(staff) => welcome(turn, &Actor::Staff(staff), "greeting-staff").await,
    }
}

pub(super) async fn on_contact(
    turn: &Turn,
    contact_user: Option<i64>,
    phone: &str,
) -> anyhow::Result<()> {
    let outcome = turn
        .ctx
        .services
        .link_by_contact(turn.person.telegram_id, contact_user, phone)
        .await?;
    match outcome {
        ContactOutcome::NotOwnContact => {
            turn.say_with(
                tr!(turn.i18n(), turn.lang(), "contact-not-own"),
                Some(share_phone_keyboard(turn)),
            )
            .await
        }
        ContactOutcome::NoMatch => {
            turn.say_with(
                tr!(turn.i18n(), turn.lang(), "contact-no-match"),
                Some(ReplyMarkup::KeyboardRemove(KeyboardRemove::new())),
            )
            .await
        }
        ContactOutcome::Linked(actor) => {
            let key = if matches!(actor, Actor::Staff(_)) {
                "greeting-staff"
            } else {
                "greeting-buyer"
            };
            welcome(turn, &actor, key).await
        }
    }
}

/// Greets a linked person by name with their role's menu, and publishes that menu to Telegram.
async fn welcome(turn: &Turn, actor: &Actor, key: &str) -> anyhow::Result<()> {
    // A freshly linked record may carry the person's language from the import.
    let lang = turn
        .ctx
        .services
        .identify(turn.person.telegram_id, turn.telegram_language.as_deref())
        .await?
        .lang;
    let i18n = turn.i18n();
    let name = actor.display_name().unwrap_or_default().to_string();
    let help = crate::i18n::Arg::Html(menu::help_lines(i18n, lang, actor));
    let text = match (key, actor) {
        ("greeting-staff", Actor::Staff(staff)) => {
            let roles =
                crate::present::list(i18n, lang, staff.roles.iter().map(|r| r.label(i18n, lang)));
            tr!(
                i18n,
                lang,
                "greeting-staff",
                name = name,
                roles = roles,
                help = help
            )
        }
        ("greeting-buyer", Actor::Buyer(homes)) => {
            let homes = crate::present::list(i18n, lang, homes.iter().map(|h| h.unit.short()));
            tr!(
                i18n,
                lang,
                "greeting-buyer",
                name = name,
                homes = homes,
                help = help
            )
        }
        _ => tr!(i18n, lang, "welcome-back", name = name, help = help),
    };
    menu::publish_chat_commands(&turn.bot, i18n, turn.chat, lang, actor).await?;
    super::send_html(
        &turn.ctx,
        &turn.bot,
        turn.chat,
        text,
        Some(ReplyMarkup::KeyboardRemove(KeyboardRemove::new())),
    )
    .await?;
    if let Actor::Buyer(homes) = actor
        && let Some(home) = homes
            .iter()
            .find(|h| h.mailing_address.is_some() && !h.address_confirmed)
    {
        let address = home.mailing_address.clone().unwrap_or_default();
        buyer::ask_address(turn, lang, &address).await?;
    }
    if matches!(actor, Actor::Buyer(_)) {
        // A handover recorded before they linked waits for their confirmation.
        handover::show_pending(turn, actor, lang).await?;
    }
    Ok(())
}

pub(super) async fn on_help(turn: &Turn) -> anyhow::Result<()> {
    let help = menu::help_lines(turn.i18n(), turn.lang(), &turn.person.actor);
    let intro = match &turn.person.actor {
        Actor::Unknown => tr!(turn.i18n(), turn.lang(), "help-unlinked"),
        _ => tr!(turn.i18n(), turn.lang(), "help-intro"),
    };
    // With the Mini App on, the handover record is signed on a page in the chat.
    let signing = match &turn.person.actor {
        Actor::Staff(_) | Actor::Buyer(_) if turn.ctx.services.config.public_url.is_some() => {
            Some(tr!(turn.i18n(), turn.lang(), "help-mini-app"))
        }
        _ => None,
    };
    turn.say(crate::present::paragraphs(
        turn.i18n(),
        turn.lang(),
        [Some(intro), Some(help), signing].into_iter().flatten(),
    ))
    .await
}

/// Each language is offered under its own name, whatever the current one is.
fn language_keyboard(i18n: &crate::i18n::I18n) -> InlineKeyboardMarkup {
    let button = |lang: Lang| {
        InlineKeyboardButton::callback(
            tr!(i18n, lang, "language-name"),
            Callback::Language(lang).encode(),
        )
    };
    InlineKeyboardMarkup::new(vec![vec![button(Lang::ZhCn), button(Lang::En)]])
}

pub(super) async fn on_language(turn: &Turn, args: &str) -> anyhow::Result<()> {
    if let Ok(lang) = args.parse::<Lang>() {
        return set_language(turn, lang).await;
    }
    turn.say_with(
        tr!(turn.i18n(), turn.lang(), "language-choose"),
        Some(ReplyMarkup::InlineKeyboard(language_keyboard(turn.i18n()))),
    )
    .await
}

pub(super) async fn set_language(turn: &Turn, lang: Lang) -> anyhow::Result<()> {
    turn.ctx
        .services
        .choose_language(&turn.person, lang)
        .await?;
    if !matches!(turn.person.actor, Actor::Unknown) {
        menu::publish_chat_commands(&turn.bot, turn.i18n(), turn.chat, lang, &turn.person.actor)
            .await?;
    }
    turn.say(tr!(turn.i18n(), lang, "language-set")).await
}

pub(super) async fn on_cancel(turn: &Turn) -> anyhow::Result<()> {
    let was_busy = turn.dialogue.get().await?.is_some_and(|s| s != State::Idle);
    turn.dialogue.exit().await?;
    let text = if was_busy {
        tr!(turn.i18n(), turn.lang(), "cancel-done")
    } else {
        tr!(turn.i18n(), turn.lang(), "cancel-nothing")
    };
    turn.say(text).await
}

pub(super) async fn on_me(turn: &Turn) -> anyhow::Result<()> {
    let Actor::Staff(staff) = &turn.person.actor else {
        return on_help(turn).await;
    };
    let roles = crate::present::list(
        turn.i18n(),
        turn.lang(),
        staff
            .roles
            .iter()
            .map(|r| r.label(turn.i18n(), turn.lang())),
    );
    turn.say(tr!(
        turn.i18n(),
        turn.lang(),
        "me-staff",
        name = &staff.name,
        roles = roles
    ))
    .await
}
