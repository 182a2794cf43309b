//! The bot's commands: one typed [`Command`] from which the menu of each role (Telegram's
//! command list per chat and language), `/help`, the permission check and the router's dispatch
//! are all derived, and the parsing of `/command args` from a message text.
//!
//! Adding a command is one line in `commands!` below (its name; its description is the locale
//! key `cmd-<name>`), its place in [`Command::menu`] for the roles that have it, and its arm in
//! the router's `on_command`, which does not compile until it has one.

use crate::domain::people::{Actor, Role};

macro_rules! commands {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)+) => {
        /// Every command the bot knows, for any role.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command {
            $($(#[$doc])* $variant,)+
        }

        impl Command {
            /// Every command, in a fixed order.
            pub const ALL: &'static [Command] = &[$(Command::$variant,)+];

            /// The name as typed after `/` (and as Telegram's menu shows it).
            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)+
                }
            }

            /// The locale key of the command's one-line description.
            pub fn description_key(self) -> &'static str {
                match self {
                    $(Command::$variant => concat!("cmd-", $name),)+
                }
            }
        }
    };
}

commands! {
    /// Start, link by a shared phone number or an invite code.
    Start = "start",
    Help = "help",
    Language = "language",
    Cancel = "cancel",
    Me = "me",
    MyHome = "myhome",
    Address = "address",
    /// The buyer's own ambassador.
    Ambassador = "ambassador",
    Appointment = "appointment",
    MyDefects = "mydefects",
    Report = "report",
    Tasks = "tasks",
    Today = "today",
    Inspect = "inspect",
    Defects = "defects",
    Customers = "customers",
    Customer = "customer",
    Away = "away",
    Back = "back",
    SharePhone = "sharephone",
    People = "people",
    Staff = "staff",
    Import = "import",
    /// Staff invite links (supervisors) or buyers' booking invitations (ambassadors).
    Invite = "invite",
    Assign = "assign",
    Reassign = "reassign",
    Ambassadors = "ambassadors",
    Slots = "slots",
    Queue = "queue",
    Handover = "handover",
    Complain = "complain",
    Complaints = "complaints",
    Stop = "stop",
    Resume = "resume",
    Summary = "summary",
    Targets = "targets",
    Overdue = "overdue",
    Chart = "chart",
    Export = "export",
    Deactivate = "deactivate",
    Project = "project",
    /// Check a printed handover record against the database.
    Verify = "verify",
    /// The risk register (细致盘点).
    Risks = "risks",
    /// The campaign's key dates (关键节点).
    Dates = "dates",
    /// The rehearsal (演练): staff play buyers of generated households.
    Rehearsal = "rehearsal",
    /// The answer library (统一说辞), kept by supervisors.
    Answers = "answers",
    /// Find an approved answer.
    Answer = "answer",
    /// A buyer's question: answered from the library when it may be, else to the ambassador.
    Ask = "ask",
    /// Put a question to the experts of a field (专家会诊).
    Consult = "consult",
    /// The decision group's incidents (应急决策小组).
    Incidents = "incidents",
    /// Registers the group it is sent in (the decision group).
    SetGroup = "setgroup",
    /// A unit type's floor plan: the caption of the plan image (`/plan A2`).
    Plan = "plan",
    /// The floor plans per unit type.
    Plans = "plans",
}

impl Command {
    /// The command with this (lower-case) name.
    pub fn parse(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The commands this person has, in menu order: what `/help` lists and Telegram's menu
    /// shows them.
    pub fn menu(actor: &Actor) -> Vec<Command> {
        use Command::*;
        match actor {
            Actor::Unknown => vec![Start, Help, Language],
            Actor::Buyer(_) => vec![
                MyHome,
                Appointment,
                MyDefects,
                Report,
                Ask,
                Complain,
                Ambassador,
                Address,
                Stop,
                Resume,
                Verify,
                Language,
                Cancel,
                Help,
            ],
            Actor::Staff(staff) => {
                let roles = &staff.roles;
                let ambassador = roles.is_ambassador();
                let supervises = roles.can_supervise();
                let engineer = roles.has(Role::Engineer);
                let mut menu = vec![Me, Answer, Consult];
                if ambassador || supervises {
                    menu.push(Today);
                }
                if ambassador {
                    menu.extend([Customers, Customer, Inspect, Handover, Invite, SharePhone]);
                }
                if engineer {
                    menu.push(Tasks);
                }
                if ambassador || supervises || engineer {
                    menu.push(Defects);
                }
                if supervises {
                    menu.extend([
                        Summary,
                        Risks,
                        Dates,
                        Rehearsal,
                        Answers,
                        Incidents,
                        SetGroup,
                        Plans,
                        Plan,
                        Chart,
                        Overdue,
                        Export,
                        Targets,
                        People,
                        Staff,
                        Import,
                        Slots,
                        Assign,
                        Reassign,
                        Ambassadors,
                    ]);
                    if !ambassador {
                        // An ambassador has these already, higher up.
                        menu.extend([Invite, Customer, Handover]);
                    }
                }
                if roles.has(Role::ComplaintReception) || supervises {
                    menu.push(Complaints);
                }
                if ambassador || supervises {
                    menu.extend([Away, Back]);
                }
                if supervises {
                    menu.extend([Queue, Deactivate, Project]);
                }
                if ambassador || supervises {
                    menu.push(Verify);
                }
                menu.extend([Language, Cancel, Help]);
                menu
            }
        }
    }

    /// Whether this person may use the command.
    pub fn allowed(self, actor: &Actor) -> bool {
        // /start always works: it is how anyone (re)starts the conversation.
        self == Command::Start || Command::menu(actor).contains(&self)
    }
}

/// A command as typed: its lower-case name (without `/` and without an `@botname` suffix)
/// and the rest of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandText<'a> {
    pub name: String,
    pub args: &'a str,
}

/// Reads a command from a message text. A command addressed to another bot
/// (`/help@other_bot`) is not ours.
pub fn parse<'a>(text: &'a str, bot_username: &str) -> Option<CommandText<'a>> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (word, args) = match rest.find(char::is_whitespace) {
        Some(at) => (&rest[..at], rest[at..].trim()),
        None => (rest, ""),
    };
    let (name, target) = match word.split_once('@') {
        Some((name, target)) => (name, Some(target)),
        None => (word, None),
    };
    if target.is_some_and(|t| !t.eq_ignore_ascii_case(bot_username)) {
        return None;
    }
    if name.is_empty() {
        return None;
    }
    Some(CommandText {
        name: name.to_lowercase(),
        args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::people::{Lang, Roles, StaffMember};
    use crate::i18n::I18n;

    #[test]
    fn commands_with_arguments_and_bot_suffixes() {
        assert_eq!(
            parse("/start abc", "hb"),
            Some(CommandText {
                name: "start".into(),
                args: "abc"
            })
        );
        assert_eq!(
            parse("/Help@HB", "hb"),
            Some(CommandText {
                name: "help".into(),
                args: ""
            })
        );
        assert_eq!(parse("/help@other", "hb"), None);
        assert_eq!(parse("hello", "hb"), None);
        assert_eq!(parse("/", "hb"), None);
        assert_eq!(
            parse("/invite ambassador  Li Lei ", "hb"),
            Some(CommandText {
                name: "invite".into(),
                args: "ambassador  Li Lei"
            })
        );
    }

    fn staff(roles: Vec<Role>) -> Actor {
        Actor::Staff(StaffMember {
            id: 1,
            name: "A".into(),
            phone: None,
            roles: Roles::new(roles),
            seniority: Default::default(),
            capacity: None,
            language: None,
            telegram_id: None,
            away_since: None,
            away_until: None,
            share_phone: false,
            buildings: Vec::new(),
        })
    }

    /// Every combination of roles, and the buyer and the stranger.
    fn every_actor() -> Vec<Actor> {
        let mut actors = vec![Actor::Unknown, Actor::Buyer(vec![])];
        for mask in 0..(1u32 << Role::ALL.len()) {
            let roles = Role::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, r)| *r)
                .collect();
            actors.push(staff(roles));
        }
        actors
    }

    #[test]
    fn names_are_unique_lower_case_and_parse_back() {
        for command in Command::ALL {
            let name = command.name();
            assert!(name.bytes().all(|b| b.is_ascii_lowercase()), "{name}");
            assert_eq!(Command::parse(name), Some(*command));
        }
        assert_eq!(Command::parse("nosuch"), None);
    }

    #[test]
    fn every_command_is_described_in_every_language() {
        let i18n = I18n::load().unwrap();
        for command in Command::ALL {
            for lang in Lang::ALL {
                assert!(
                    i18n.has(lang, command.description_key()),
                    "{} lacks {} in {lang}",
                    command.name(),
                    command.description_key()
                );
            }
        }
    }

    #[test]
    fn menus_list_each_command_once_and_start_is_always_allowed() {
        for actor in every_actor() {
            let menu = Command::menu(&actor);
            for command in &menu {
                assert_eq!(menu.iter().filter(|c| *c == command).count(), 1);
                assert!(command.allowed(&actor));
            }
            assert!(Command::Start.allowed(&actor));
        }
    }

    /// The menus as they were written before the commands were typed, as names.
    fn menu_as_named_before(actor: &Actor) -> Vec<&'static str> {
        match actor {
            Actor::Unknown => vec!["start", "help", "language"],
            Actor::Buyer(_) => vec![
                "myhome",
                "appointment",
                "mydefects",
                "report",
                "ask",
                "complain",
                "ambassador",
                "address",
                "stop",
                "resume",
                "verify",
                "language",
                "cancel",
                "help",
            ],
            Actor::Staff(staff) => {
                let mut commands = vec!["me", "answer", "consult"];
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
                        "risks",
                        "dates",
                        "rehearsal",
                        "answers",
                        "incidents",
                        "setgroup",
                        "plans",
                        "plan",
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
                if ambassador || staff.roles.can_supervise() {
                    commands.push("verify");
                }
                commands.extend(["language", "cancel", "help"]);
                commands
            }
        }
    }

    #[test]
    fn every_role_keeps_its_menu() {
        for actor in every_actor() {
            let names: Vec<&str> = Command::menu(&actor)
                .into_iter()
                .map(Command::name)
                .collect();
            assert_eq!(names, menu_as_named_before(&actor), "{actor:?}");
        }
    }
}
