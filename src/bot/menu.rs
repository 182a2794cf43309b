//! Which commands each role has: the single source for /help, the Telegram command menu
//! (setMyCommands per chat) and the role check of every command.

use super::TgBot;
use crate::domain::people::{Actor, Lang, Role};
use crate::i18n::I18n;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};

/// Every command the bot knows, for any role.
pub const ALL_COMMANDS: &[&str] = &[
    "start",
    "help",
    "language",
    "cancel",
    "me",
    "myhome",
    "address",
    "ambassador",
    "appointment",
    "mydefects",
    "report",
    "tasks",
    "today",
    "inspect",
    "defects",
    "customers",
    "customer",
    "away",
    "back",
    "sharephone",
    "people",
    "staff",
    "import",
    "invite",
    "assign",
    "reassign",
    "ambassadors",
    "slots",
    "queue",
    "handover",
    "complain",
    "complaints",
    "stop",
    "resume",
    "summary",
    "targets",
    "overdue",
    "chart",
    "export",
    "deactivate",
    "project",
];

/// The commands this person may use, in menu order.
pub fn commands_for(actor: &Actor) -> Vec<&'static str> {
    match actor {
        Actor::Unknown => vec!["start", "help", "language"],
        Actor::Buyer(_) => vec![
            "myhome",
            "appointment",
            "mydefects",
            "report",
            "complain",
            "ambassador",
            "address",
            "stop",
            "resume",
            "language",
            "cancel",
            "help",
        ],
        Actor::Staff(staff) => {
            let mut commands = vec!["me"];
            let ambassador = staff.roles.is_ambassador();
            if ambassador || staff.roles.can_supervise() {
                commands.push("today");
            }
            if ambassador {
                commands.extend([
                    "customers",
                    "customer",
                    "inspect",
                    "handover",
                    "invite",
                    "sharephone",
                ]);
            }
            if staff.roles.has(Role::Engineer) {
                commands.push("tasks");
            }
            if ambassador || staff.roles.can_supervise() || staff.roles.has(Role::Engineer) {
                commands.push("defects");
            }
            if staff.roles.can_supervise() {
                commands.extend([
                    "summary",
                    "chart",
                    "overdue",
                    "export",
                    "targets",
                    "people",
                    "staff",
                    "import",
                    "slots",
                    "assign",
                    "reassign",
                    "ambassadors",
                ]);
                if !ambassador {
                    commands.push("invite");
                }
                if !ambassador {
                    commands.extend(["customer", "handover"]);
                }
            }
            if staff.roles.has(Role::ComplaintReception) || staff.roles.can_supervise() {
                commands.push("complaints");
            }
            if ambassador || staff.roles.can_supervise() {
                commands.extend(["away", "back"]);
            }
            if staff.roles.can_supervise() {
                commands.extend(["queue", "deactivate", "project"]);
            }
            commands.extend(["language", "cancel", "help"]);
            commands
        }
    }
}

pub fn allowed(actor: &Actor, command: &str) -> bool {
    // /start always works: it is how anyone (re)starts the conversation.
    command == "start" || commands_for(actor).contains(&command)
}

/// The one-line description of a command in the person's language.
pub fn describe(i18n: &I18n, lang: Lang, command: &str) -> String {
    match command {
        "start" => tr!(i18n, lang, "cmd-start"),
        "help" => tr!(i18n, lang, "cmd-help"),
        "language" => tr!(i18n, lang, "cmd-language"),
        "cancel" => tr!(i18n, lang, "cmd-cancel"),
        "me" => tr!(i18n, lang, "cmd-me"),
        "myhome" => tr!(i18n, lang, "cmd-myhome"),
        "address" => tr!(i18n, lang, "cmd-address"),
        "people" => tr!(i18n, lang, "cmd-people"),
        "staff" => tr!(i18n, lang, "cmd-staff"),
        "import" => tr!(i18n, lang, "cmd-import"),
        "invite" => tr!(i18n, lang, "cmd-invite"),
        "queue" => tr!(i18n, lang, "cmd-queue"),
        "deactivate" => tr!(i18n, lang, "cmd-deactivate"),
        "project" => tr!(i18n, lang, "cmd-project"),
        "ambassador" => tr!(i18n, lang, "cmd-ambassador"),
        "tasks" => tr!(i18n, lang, "cmd-tasks"),
        "customers" => tr!(i18n, lang, "cmd-customers"),
        "customer" => tr!(i18n, lang, "cmd-customer"),
        "away" => tr!(i18n, lang, "cmd-away"),
        "back" => tr!(i18n, lang, "cmd-back"),
        "sharephone" => tr!(i18n, lang, "cmd-sharephone"),
        "assign" => tr!(i18n, lang, "cmd-assign"),
        "reassign" => tr!(i18n, lang, "cmd-reassign"),
        "ambassadors" => tr!(i18n, lang, "cmd-ambassadors"),
        "slots" => tr!(i18n, lang, "cmd-slots"),
        "appointment" => tr!(i18n, lang, "cmd-appointment"),
        "today" => tr!(i18n, lang, "cmd-today"),
        "inspect" => tr!(i18n, lang, "cmd-inspect"),
        "defects" => tr!(i18n, lang, "cmd-defects"),
        "mydefects" => tr!(i18n, lang, "cmd-mydefects"),
        "report" => tr!(i18n, lang, "cmd-report"),
        "handover" => tr!(i18n, lang, "cmd-handover"),
        "complain" => tr!(i18n, lang, "cmd-complain"),
        "complaints" => tr!(i18n, lang, "cmd-complaints"),
        "stop" => tr!(i18n, lang, "cmd-stop"),
        "resume" => tr!(i18n, lang, "cmd-resume"),
        "summary" => tr!(i18n, lang, "cmd-summary"),
        "targets" => tr!(i18n, lang, "cmd-targets"),
        "overdue" => tr!(i18n, lang, "cmd-overdue"),
        "chart" => tr!(i18n, lang, "cmd-chart"),
        "export" => tr!(i18n, lang, "cmd-export"),
        other => other.to_string(),
    }
}

/// The "what you can do" block: one line per command of the person's role.
pub fn help_lines(i18n: &I18n, lang: Lang, actor: &Actor) -> String {
    commands_for(actor)
        .into_iter()
        .map(|c| format!("/{c} — {}", describe(i18n, lang, c)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn bot_commands(i18n: &I18n, lang: Lang, actor: &Actor) -> Vec<BotCommand> {
    commands_for(actor)
        .into_iter()
        .map(|c| BotCommand::new(c, describe(i18n, lang, c)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::people::{Roles, StaffMember};

    #[test]
    fn every_role_command_is_known_and_described_in_every_language() {
        let i18n = I18n::load().unwrap();
        let admin = Actor::Staff(StaffMember {
            id: 1,
            name: "A".into(),
            phone: None,
            roles: Roles::new(Role::ALL.to_vec()),
            seniority: Default::default(),
            capacity: None,
            language: None,
            telegram_id: None,
            away_since: None,
            away_until: None,
            share_phone: false,
            buildings: Vec::new(),
        });
        for actor in [Actor::Unknown, Actor::Buyer(vec![]), admin] {
            for command in commands_for(&actor) {
                assert!(
                    ALL_COMMANDS.contains(&command),
                    "{command} is not in ALL_COMMANDS"
                );
                for lang in Lang::ALL {
                    assert_ne!(
                        describe(&i18n, lang, command),
                        command,
                        "{command} lacks a description"
                    );
                }
            }
        }
    }
}
