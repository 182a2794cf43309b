//! Showing each role its commands ([`Command::menu`]): `/help` and Telegram's command menu
//! (setMyCommands per chat and per app language).

use super::TgBot;
use super::commands::Command;
use crate::domain::people::{Actor, Lang};
use crate::i18n::I18n;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};

/// The one-line description of a command in the person's language.
pub fn describe(i18n: &I18n, lang: Lang, command: Command) -> String {
    i18n.text(lang, command.description_key(), &[])
}

/// The "what you can do" block: one line per command of the person's role.
pub fn help_lines(i18n: &I18n, lang: Lang, actor: &Actor) -> String {
    Command::menu(actor)
        .into_iter()
        .map(|c| {
            crate::tr!(
                i18n,
                lang,
                "help-command",
                command = c.name(),
                description = crate::i18n::Arg::Html(describe(i18n, lang, c))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn bot_commands(i18n: &I18n, lang: Lang, actor: &Actor) -> Vec<BotCommand> {
    Command::menu(actor)
        .into_iter()
        .map(|c| BotCommand::new(c.name(), describe(i18n, lang, c)))
        .collect()
}

/// Shows this chat exactly its role's commands in Telegram's menu.
pub async fn publish_chat_commands(
    bot: &TgBot,
    i18n: &I18n,
    chat: ChatId,
    lang: Lang,
    actor: &Actor,
) -> anyhow::Result<()> {
    bot.set_my_commands(bot_commands(i18n, lang, actor))
        .scope(BotCommandScope::Chat {
            chat_id: Recipient::Id(chat),
        })
        .await?;
    Ok(())
}

/// The menu of people the bot does not know yet, in the default language and per app language.
pub async fn publish_default_commands<B: Requester>(
    bot: &B,
    i18n: &I18n,
    default: Lang,
) -> anyhow::Result<()>
where
    B::Err: std::error::Error + Send + Sync + 'static,
{
    bot.set_my_commands(bot_commands(i18n, default, &Actor::Unknown))
        .await?;
    for (code, lang) in [("zh", Lang::ZhCn), ("en", Lang::En)] {
        bot.set_my_commands(bot_commands(i18n, lang, &Actor::Unknown))
            .language_code(code)
            .await?;
    }
    Ok(())
}
