//! What works for everyone: routing, /start and linking, /help, /language, /cancel, group chats.

use super::callback::Callback;
use super::commands;
use super::dialogue::State;
use super::menu;
use super::{
    Ctx, TgBot, Turn, aftercare, ambassador, answer_query, appointments, buyer, handover, inspect,
    remediation, report, reports, supervisor, take_press,
};
use crate::domain::people::{Actor, Lang};
use crate::present::Label;
use crate::services::onboarding::{ContactOutcome, InviteOutcome};
use crate::services::people::FlowScope;
use crate::services::staff::looks_like_code;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    KeyboardRemove, ReplyMarkup, User,
};

pub async fn group_chat(bot: &TgBot, ctx: &Ctx, msg: &Message) -> anyhow::Result<()> {
    // Only commands get an answer, so the bot never chatters in a group's conversation.
    let is_command = msg
        .text()
        .and_then(|t| commands::parse(t, &ctx.bot_username))
        .is_some();
    if is_command {
        let lang = msg
            .from
            .as_ref()
            .and_then(|u| u.language_code.as_deref())
            .and_then(Lang::from_telegram)
            .unwrap_or(ctx.services.config.default_language);
        super::send_html(
            ctx,
            bot,
            msg.chat.id,
            tr!(
                ctx.i18n,
                lang,
                "group-only",
                bot = ctx.bot_username.to_string()
            ),
            None,
        )
        .await?;
    }
    Ok(())
}

pub async fn route_message(
    turn: &Turn,
    state: State,
    msg: &Message,
    from: &User,
) -> anyhow::Result<()> {
    if let Some(contact) = msg.contact() {
        let contact_user = contact.user_id.and_then(|id| i64::try_from(id.0).ok());
        return on_contact(turn, contact_user, &contact.phone_number).await;
    }
    let command = msg
        .text()
        .and_then(|t| commands::parse(t, &turn.ctx.bot_username));
    if command.is_none() && !flow_still_allowed(turn, &state).await? {
        return Ok(());
    }
    if command.is_none() && matches!(state, State::Reporting { .. }) {
        return report::on_message(turn, msg, state).await;
    }
    if command.is_none() && matches!(state, State::HandingOver { .. }) {
        return handover::on_message(turn, msg, state).await;
    }
    if command.is_none() && matches!(state, State::Fixing { .. }) {
        return remediation::on_fix_message(turn, msg, state).await;
    }
    if command.is_none()
        && let State::Inspecting {
            inspection,
            unit,
            phase,
        } = state.clone()
    {
        return inspect::on_message(turn, msg, inspection, unit, phase).await;
    }
    if command.is_none()
        && state == State::Idle
        && matches!(turn.person.actor, Actor::Buyer(_))
        && (msg.photo().is_some() || msg.voice().is_some() || msg.document().is_some())
    {
        // Like their text, a buyer's photo, voice note or file reaches their ambassador.
        return buyer::on_media(turn, msg).await;
    }
    if let Some(document) = msg.document() {
        return supervisor::on_document(turn, document).await;
    }
    if let Some(text) = msg.text() {
        if let Some(command) = commands::parse(text, &turn.ctx.bot_username) {
            return on_command(turn, &command.name, command.args, from).await;
        }
        return match state {
            State::AwaitingAddress => buyer::on_address_text(turn, text).await,
            State::AwaitingNote { unit_id } => ambassador::on_note_text(turn, unit_id, text).await,
            State::AwaitingReply { unit_id } => {
                ambassador::on_reply_text(turn, unit_id, text).await
            }
            State::AwaitingRejectReason { defect } => {
                report::on_reject_reason(turn, defect, text).await
            }
            State::Stepping { defect, action } => {
                remediation::on_step_text(turn, defect, action, text).await
            }
            State::AwaitingContractor { defect } => {
                remediation::on_contractor_text(turn, defect, text).await
            }
            State::AwaitingHandoverIssue { handover } => {
                handover::on_issue_text(turn, handover, text).await
            }
            State::AwaitingSurveyComment { follow_up } => {
                aftercare::on_survey_comment(turn, follow_up, text).await
            }
            State::Complaining { .. } => aftercare::on_complain_text(turn, state, text).await,
            State::ChoosingFixes { .. } => {
                turn.say(tr!(turn.i18n(), turn.lang(), "inspect-buttons-hint"))
                    .await
            }
            State::Inspecting { .. }
            | State::Reporting { .. }
            | State::Fixing { .. }
            | State::HandingOver { .. }
            | State::Idle => on_free_text(turn, text).await,
        };
    }
    match state {
        State::AwaitingAddress => {
            turn.say(tr!(turn.i18n(), turn.lang(), "address-text-expected"))
                .await
        }
        State::AwaitingNote { .. }
        | State::AwaitingReply { .. }
        | State::AwaitingRejectReason { .. }
        | State::Stepping { .. }
        | State::AwaitingContractor { .. }
        | State::AwaitingHandoverIssue { .. }
        | State::AwaitingSurveyComment { .. }
        | State::Complaining { .. } => {
            turn.say(tr!(turn.i18n(), turn.lang(), "note-text-expected"))
                .await
        }
        State::ChoosingFixes { .. } => {
            turn.say(tr!(turn.i18n(), turn.lang(), "inspect-buttons-hint"))
                .await
        }
        State::Inspecting { .. }
        | State::Reporting { .. }
        | State::Fixing { .. }
        | State::HandingOver { .. }
        | State::Idle => {
            turn.say(tr!(turn.i18n(), turn.lang(), "unsupported-message"))
                .await
        }
    }
}

async fn on_command(turn: &Turn, name: &str, args: &str, from: &User) -> anyhow::Result<()> {
    let actor = &turn.person.actor;
    if !menu::ALL_COMMANDS.contains(&name) {
        let help = menu::help_lines(turn.i18n(), turn.lang(), actor);
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "unknown-command",
                command = format!("/{name}"),
                help = crate::i18n::Arg::Html(help)
            ))
            .await;
    }
    if !menu::allowed(actor, name) {
        let key_text = if matches!(actor, Actor::Unknown) {
            tr!(turn.i18n(), turn.lang(), "not-linked")
        } else {
            tr!(
                turn.i18n(),
                turn.lang(),
                "forbidden",
                command = format!("/{name}")
            )
        };
        return turn.say(key_text).await;
    }
    match name {
        "start" => on_start(turn, args, from).await,
        "help" => on_help(turn).await,
        "language" => on_language(turn, args).await,
        "cancel" => on_cancel(turn).await,
        "me" => on_me(turn).await,
        "myhome" => {
            buyer::on_my_home(turn).await?;
            handover::show_pending(turn, &turn.person.actor, turn.lang()).await
        }
        "address" => buyer::on_address(turn).await,
        "people" => supervisor::on_people(turn).await,
        "staff" => supervisor::on_staff(turn).await,
        "import" => supervisor::on_import_help(turn).await,
        "invite" => {
            let first = args.split_whitespace().next();
            let staff_link =
                first.is_some_and(|w| w.parse::<crate::domain::people::Role>().is_ok());
            if staff_link || (args.trim().is_empty() && !actor.is_ambassador()) {
                supervisor::on_invite(turn, args).await
            } else {
                appointments::on_invite_buyers(turn, args).await
            }
        }
        "slots" => appointments::on_slots(turn, args).await,
        "appointment" => appointments::on_appointment(turn).await,
        "today" => appointments::on_today(turn).await,
        "inspect" => inspect::on_inspect(turn, args).await,
        "defects" => inspect::on_defects(turn, args).await,
        "mydefects" => inspect::on_my_defects(turn).await,
        "report" => report::on_report(turn).await,
        "tasks" => remediation::on_tasks(turn).await,
        "handover" => handover::on_handover(turn, args).await,
        "complain" => aftercare::on_complain(turn).await,
        "complaints" => aftercare::on_complaints(turn).await,
        "stop" => aftercare::on_stop(turn, true).await,
        "summary" => reports::on_summary(turn, args).await,
        "targets" => reports::on_targets(turn, args).await,
        "overdue" => reports::on_overdue(turn).await,
        "chart" => reports::on_chart(turn, args).await,
        "export" => reports::on_export(turn, args).await,
        "resume" => aftercare::on_stop(turn, false).await,
        "queue" => supervisor::on_queue(turn).await,
        "deactivate" => supervisor::on_deactivate(turn, args).await,
        "project" => reports::on_project(turn, args).await,
        "assign" => ambassador::on_assign(turn).await,
        "reassign" => ambassador::on_reassign(turn, args).await,
        "ambassadors" => ambassador::on_ambassadors(turn).await,
        "away" => ambassador::on_away(turn, args).await,
        "back" => ambassador::on_back(turn, args).await,
        "customers" => ambassador::on_customers(turn, args).await,
        "customer" => ambassador::on_customer(turn, args).await,
        "sharephone" => ambassador::on_share_phone(turn, args).await,
        "ambassador" => ambassador::on_my_ambassador(turn).await,
        _ => on_help(turn).await,
    }
}

fn share_phone_keyboard(turn: &Turn) -> ReplyMarkup {
    let button = KeyboardButton::new(tr!(turn.i18n(), turn.lang(), "button-share-phone"))
        .request(ButtonRequest::Contact);
    ReplyMarkup::Keyboard(
        KeyboardMarkup::new(vec![vec![button]])
            .resize_keyboard()
            .one_time_keyboard(),
    )
}

async fn on_start(turn: &Turn, payload: &str, from: &User) -> anyhow::Result<()> {
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

async fn on_contact(turn: &Turn, contact_user: Option<i64>, phone: &str) -> anyhow::Result<()> {
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

async fn on_help(turn: &Turn) -> anyhow::Result<()> {
    let help = menu::help_lines(turn.i18n(), turn.lang(), &turn.person.actor);
    let intro = match &turn.person.actor {
        Actor::Unknown => tr!(turn.i18n(), turn.lang(), "help-unlinked"),
        _ => tr!(turn.i18n(), turn.lang(), "help-intro"),
    };
    turn.say(format!("{intro}\n\n{help}")).await
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

async fn on_language(turn: &Turn, args: &str) -> anyhow::Result<()> {
    if let Ok(lang) = args.parse::<Lang>() {
        return set_language(turn, lang).await;
    }
    turn.say_with(
        tr!(turn.i18n(), turn.lang(), "language-choose"),
        Some(ReplyMarkup::InlineKeyboard(language_keyboard(turn.i18n()))),
    )
    .await
}

async fn set_language(turn: &Turn, lang: Lang) -> anyhow::Result<()> {
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

async fn on_cancel(turn: &Turn) -> anyhow::Result<()> {
    let was_busy = turn.dialogue.get().await?.is_some_and(|s| s != State::Idle);
    turn.dialogue.exit().await?;
    let text = if was_busy {
        tr!(turn.i18n(), turn.lang(), "cancel-done")
    } else {
        tr!(turn.i18n(), turn.lang(), "cancel-nothing")
    };
    turn.say(text).await
}

async fn on_me(turn: &Turn) -> anyhow::Result<()> {
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

async fn on_free_text(turn: &Turn, text: &str) -> anyhow::Result<()> {
    match &turn.person.actor {
        Actor::Buyer(_) => ambassador::on_buyer_text(turn, text).await,
        Actor::Unknown => {
            turn.say_with(
                tr!(turn.i18n(), turn.lang(), "start-share-phone"),
                Some(share_phone_keyboard(turn)),
            )
            .await
        }
        _ => {
            turn.say(tr!(turn.i18n(), turn.lang(), "free-text-hint"))
                .await
        }
    }
}

/// What the dialogue's current step acts on, when it acts on something someone may lose.
fn flow_scope(state: &State) -> Option<FlowScope> {
    match state {
        State::Inspecting { inspection, .. } => Some(FlowScope::Inspection(*inspection)),
        State::HandingOver { unit, .. } => Some(FlowScope::Handover(*unit)),
        State::Fixing(fixing) => Some(FlowScope::Fix(
            fixing.items.iter().map(|i| i.defect).collect(),
        )),
        State::ChoosingFixes { chosen, .. } => Some(FlowScope::Fix(chosen.clone())),
        State::Stepping { defect, action } => Some(FlowScope::Step(*defect, *action)),
        _ => None,
    }
}

/// Every step of a walk-through, handover or fix flow checks again that the person may still
/// take it (they may have been reassigned or deactivated since it started). When not, the
/// dialogue ends with a polite word and nothing is saved or sent.
async fn flow_still_allowed(turn: &Turn, state: &State) -> anyhow::Result<bool> {
    let Some(scope) = flow_scope(state) else {
        return Ok(true);
    };
    if turn
        .ctx
        .services
        .may_continue(&turn.person.actor, &scope)
        .await?
    {
        return Ok(true);
    }
    turn.dialogue.exit().await?;
    turn.say(tr!(turn.i18n(), turn.lang(), "flow-no-longer-yours"))
        .await?;
    Ok(false)
}

pub async fn route_callback(
    turn: &Turn,
    state: State,
    query: &CallbackQuery,
) -> anyhow::Result<()> {
    let Some(callback) = query.data.as_deref().and_then(Callback::decode) else {
        answer_query(
            turn,
            query,
            Some(tr!(turn.i18n(), turn.lang(), "stale-button")),
        )
        .await?;
        return Ok(());
    };
    // Buttons that take the next step of the dialogue's flow.
    let flow_step = matches!(
        callback,
        Callback::InspectRoom(_)
            | Callback::InspectCategory(_)
            | Callback::InspectSeverity(_)
            | Callback::Inspect(_)
            | Callback::Handover(_)
            | Callback::Fix(_)
            | Callback::FixToggle(..)
            | Callback::StepConfirm(_)
    );
    if flow_step && !flow_still_allowed(turn, &state).await? {
        super::answer_query(turn, query, None).await?;
        return super::remove_buttons(turn, query).await;
    }
    match callback {
        Callback::Language(lang) => {
            // The choice is made: the question's buttons go away.
            take_press(turn, query).await?;
            set_language(turn, lang).await
        }
        Callback::AddressOk | Callback::AddressFix => {
            buyer::on_address_button(turn, state, query, callback).await
        }
        Callback::AssignConfirm(_) | Callback::AssignCancel => {
            ambassador::on_assign_button(turn, query, callback).await
        }
        Callback::Customers { stage, page } => {
            ambassador::on_customers_button(turn, query, stage, page).await
        }
        Callback::Card(unit) => ambassador::on_card_button(turn, query, unit).await,
        Callback::Note(unit) => ambassador::on_note_button(turn, query, unit).await,
        Callback::Return(staff) => ambassador::on_return_button(turn, query, staff).await,
        Callback::Reply(unit) => ambassador::on_reply_button(turn, query, unit).await,
        Callback::Book { appointment, slot } => {
            appointments::on_book(turn, query, appointment, slot).await
        }
        Callback::OtherTime(id) => appointments::on_other_time(turn, query, id).await,
        Callback::Reschedule(id) => appointments::on_reschedule(turn, query, id).await,
        Callback::CancelAppointment(id) => {
            appointments::on_cancel_appointment(turn, query, id).await
        }
        Callback::CheckIn(id) => appointments::on_check_in(turn, query, id).await,
        Callback::InspectRoom(_) | Callback::Inspect(_)
            if matches!(state, State::Reporting { .. }) =>
        {
            report::on_button(turn, query, state, callback).await
        }
        Callback::InspectRoom(_)
        | Callback::InspectCategory(_)
        | Callback::InspectSeverity(_)
        | Callback::Inspect(_) => inspect::on_button(turn, query, state, callback).await,
        Callback::ReportHome(unit) => report::on_home_button(turn, query, unit).await,
        Callback::ReportRelayed(id) => report::on_relayed_button(turn, query, id).await,
        Callback::DefectPage(unit, page) => inspect::on_defect_page(turn, query, unit, page).await,
        Callback::ReviewAccept(_)
        | Callback::ReviewKind(..)
        | Callback::ReviewUrgency(..)
        | Callback::ReviewMerge(_)
        | Callback::ReviewMergeInto(..)
        | Callback::ReviewReject(_) => report::on_review_button(turn, query, callback).await,
        Callback::StartInspection(unit) => inspect::on_start_button(turn, query, unit).await,
        Callback::DefectCard(id) => remediation::on_defect_card(turn, query, id).await,
        Callback::DefectAction(id, action) => {
            remediation::on_action_button(turn, query, id, action).await
        }
        Callback::StepConfirm(id) => remediation::on_step_confirm(turn, query, state, id).await,
        Callback::AssignTo(id, engineer) => {
            remediation::on_assign_to(turn, query, id, engineer).await
        }
        Callback::ContractorSkip(id) => {
            remediation::on_contractor_skip(turn, query, state, id).await
        }
        Callback::FixUnit(unit) => remediation::on_fix_unit(turn, query, unit).await,
        Callback::FixToggle(id, on) => remediation::on_fix_toggle(turn, query, state, id, on).await,
        Callback::Fix(step) => remediation::on_fix_step(turn, query, state, step).await,
        Callback::StartHandover(unit) => handover::on_start_button(turn, query, unit).await,
        Callback::Handover(step) => handover::on_button(turn, query, state, step).await,
        Callback::HandoverConfirm(id) => handover::on_confirm(turn, query, id).await,
        Callback::HandoverIssue(id) => handover::on_issue_button(turn, query, id).await,
        Callback::CheckAnswer(id, good) => aftercare::on_check(turn, query, id, good).await,
        Callback::Survey(id, score) => aftercare::on_survey(turn, query, id, score).await,
        Callback::SurveySkip(id) => aftercare::on_survey_skip(turn, query, state, id).await,
        Callback::ComplainHome(unit) => aftercare::on_home_button(turn, query, unit).await,
        Callback::ComplainTopic(_) | Callback::ComplainLevel(_) => {
            aftercare::on_complain_button(turn, query, state, callback).await
        }
        Callback::ComplaintAck(id) => aftercare::on_ack(turn, query, id).await,
    }
}
