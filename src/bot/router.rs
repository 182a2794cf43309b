//! Routing: what an update means given the chat's dialogue state. A message is decoded once
//! into an [`Input`] and (state, input) picks its handler in one `match`; a button press is
//! decoded by the callback codec and every [`Callback`] has its arm. A service's refusal
//! (`ServiceError::Forbidden`) is answered here, once, in the person's language.

use super::callback::Callback;
use super::commands::{self, Command, CommandText};
use super::dialogue::State;
use super::menu;
use super::{
    Ctx, TgBot, Turn, aftercare, answer_query, answers, appointments, assignment, before_campaign,
    buyer, experts, handover, households, inspect, numbers, plans, rehearsal, relay, remediation,
    report, start, supervisor, take_press,
};
use crate::domain::people::{Actor, Lang};
use crate::services::ServiceError;
use crate::services::people::FlowScope;
use crate::tr;
use teloxide::prelude::*;
use teloxide::types::{Document, User};

pub async fn group_chat(bot: &TgBot, ctx: &Ctx, msg: &Message) -> anyhow::Result<()> {
    // Only commands get an answer, so the bot never chatters in a group's conversation.
    let command = msg
        .text()
        .and_then(|t| commands::parse(t, &ctx.bot_username));
    if let Some(typed) = &command
        && Command::parse(&typed.name) == Some(Command::SetGroup)
    {
        return experts::on_setgroup_in_group(bot, ctx, msg, typed.args).await;
    }
    if command.is_some() {
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

/// What a private message carries, decoded once before routing.
enum Input<'a> {
    /// A shared contact (the sharer's own only when `user` is theirs).
    Contact {
        user: Option<i64>,
        phone: &'a str,
    },
    /// `/name args`, known or not.
    Command(CommandText<'a>),
    Text(&'a str),
    Document(&'a Document),
    /// A photo or a voice note.
    Media,
    /// Anything else (a sticker, a location, …).
    Other,
}

impl<'a> Input<'a> {
    fn decode(msg: &'a Message, bot_username: &str) -> Input<'a> {
        if let Some(contact) = msg.contact() {
            return Input::Contact {
                user: contact.user_id.and_then(|id| i64::try_from(id.0).ok()),
                phone: &contact.phone_number,
            };
        }
        if let Some(text) = msg.text() {
            return match commands::parse(text, bot_username) {
                Some(command) => Input::Command(command),
                None => Input::Text(text),
            };
        }
        if let Some(document) = msg.document() {
            return Input::Document(document);
        }
        if msg.photo().is_some() || msg.voice().is_some() {
            return Input::Media;
        }
        Input::Other
    }

    /// The command a refusal of this input names.
    fn command(&self) -> Option<Command> {
        match self {
            Input::Command(typed) => Command::parse(&typed.name),
            // A file sent to the bot is an import.
            Input::Document(_) => Some(Command::Import),
            Input::Contact { .. } | Input::Text(_) | Input::Media | Input::Other => None,
        }
    }
}

/// Whether a handler's error is a service's refusal.
fn is_refusal(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<ServiceError>(),
        Some(ServiceError::Forbidden)
    )
}

/// A handler's own refusal, answered by the router like a service's.
pub(crate) fn refused() -> anyhow::Error {
    ServiceError::Forbidden.into()
}

/// The polite refusal of `/command`, in the person's language.
pub(crate) fn forbidden(turn: &Turn, command: Command) -> String {
    tr!(
        turn.i18n(),
        turn.lang(),
        "forbidden",
        command = format!("/{}", command.name())
    )
}

pub async fn route_message(
    turn: &Turn,
    state: State,
    msg: &Message,
    from: &User,
) -> anyhow::Result<()> {
    if turn.step_taken_before && asks_again(&state) {
        return ask_again(turn, &state).await;
    }
    let input = Input::decode(msg, &turn.ctx.bot_username);
    let refused_command = input.command();
    match on_input(turn, state, input, msg, from).await {
        Err(error) if is_refusal(&error) => match refused_command {
            Some(command) => turn.say(forbidden(turn, command)).await,
            None => Err(error),
        },
        handled => handled,
    }
}

async fn on_input(
    turn: &Turn,
    state: State,
    input: Input<'_>,
    msg: &Message,
    from: &User,
) -> anyhow::Result<()> {
    // A command or a shared contact works whatever the step; anything else continues the step,
    // which the person must still be allowed to take.
    let steps_in = !matches!(input, Input::Contact { .. } | Input::Command(_));
    if steps_in && !flow_still_allowed(turn, &state).await? {
        return Ok(());
    }
    let is_buyer = matches!(turn.person.actor, Actor::Buyer(_));
    // A file or photo captioned `/plan A2` is a floor plan, whatever the step.
    let plan_type = plans::plan_caption(msg.caption(), &turn.ctx.bot_username);
    let (i18n, lang) = (turn.i18n(), turn.lang());
    match (state, input) {
        (_, Input::Contact { user, phone }) => start::on_contact(turn, user, phone).await,
        (_, Input::Command(typed)) => on_command(turn, &typed, from).await,
        (_, Input::Media | Input::Document(_)) if plan_type.is_some() => {
            plans::on_plan_file(turn, msg, plan_type.as_deref().unwrap_or_default()).await
        }
        // The flows that take every kind of message.
        (state @ State::Reporting { .. }, _) => report::on_message(turn, msg, state).await,
        (state @ State::HandingOver { .. }, _) => handover::on_message(turn, msg, state).await,
        (state @ State::Fixing { .. }, _) => remediation::on_fix_message(turn, msg, state).await,
        (State::Inspecting(walk), _) => inspect::on_message(turn, msg, walk).await,
        // Like their text, a buyer's photo, voice note or file reaches their ambassador.
        (State::Idle, Input::Media | Input::Document(_)) if is_buyer => {
            buyer::on_media(turn, msg).await
        }
        (_, Input::Document(document)) => supervisor::on_document(turn, document).await,
        (State::Idle, Input::Text(text)) => on_free_text(turn, text).await,
        (State::AwaitingAddress, Input::Text(text)) => buyer::on_address_text(turn, text).await,
        (State::AwaitingNote { unit_id }, Input::Text(text)) => {
            households::on_note_text(turn, unit_id, text).await
        }
        (State::AwaitingReply { unit_id }, Input::Text(text)) => {
            relay::on_reply_text(turn, unit_id, text).await
        }
        (State::AwaitingRejectReason { defect }, Input::Text(text)) => {
            report::on_reject_reason(turn, defect, text).await
        }
        (State::Stepping { defect, action }, Input::Text(text)) => {
            remediation::on_step_text(turn, defect, action, text).await
        }
        (State::AwaitingContractor { defect }, Input::Text(text)) => {
            remediation::on_contractor_text(turn, defect, text).await
        }
        (State::AwaitingHandoverIssue { handover }, Input::Text(text)) => {
            handover::on_issue_text(turn, handover, text).await
        }
        (State::AwaitingSurveyComment { follow_up }, Input::Text(text)) => {
            aftercare::on_survey_comment(turn, follow_up, text).await
        }
        (state @ State::Complaining { .. }, Input::Text(text)) => {
            aftercare::on_complain_text(turn, state, text).await
        }
        (State::AddingRisk(draft), Input::Text(text)) => {
            before_campaign::on_risk_text(turn, draft, text).await
        }
        (State::AwaitingRiskResponse { risk }, Input::Text(text)) => {
            before_campaign::on_risk_response_text(turn, risk, text).await
        }
        (State::Calling(log), Input::Text(text)) => {
            before_campaign::on_call_text(turn, log, text).await
        }
        (State::AddingAnswer(draft), Input::Text(text)) => {
            answers::on_entry_text(turn, draft, text).await
        }
        (State::EditingAnswer { answer, field }, Input::Text(text)) => {
            answers::on_edit_text(turn, answer, field, text).await
        }
        (State::AwaitingQuestion, Input::Text(text)) => answers::on_question(turn, text).await,
        (State::AnsweringConsultation { consultation }, Input::Text(text)) => {
            experts::on_answer_text(turn, consultation, text).await
        }
        (State::ChoosingFixes { .. }, _) => turn.say(tr!(i18n, lang, "inspect-buttons-hint")).await,
        (State::AwaitingAddress, _) => turn.say(tr!(i18n, lang, "address-text-expected")).await,
        (
            State::AwaitingNote { .. }
            | State::AwaitingReply { .. }
            | State::AwaitingRejectReason { .. }
            | State::Stepping { .. }
            | State::AwaitingContractor { .. }
            | State::AwaitingHandoverIssue { .. }
            | State::AwaitingSurveyComment { .. }
            | State::Complaining { .. }
            | State::AddingRisk(_)
            | State::AwaitingRiskResponse { .. }
            | State::Calling(_)
            | State::AddingAnswer(_)
            | State::EditingAnswer { .. }
            | State::AwaitingQuestion
            | State::AnsweringConsultation { .. },
            _,
        ) => turn.say(tr!(i18n, lang, "note-text-expected")).await,
        (State::Idle, Input::Media | Input::Other) => {
            turn.say(tr!(i18n, lang, "unsupported-message")).await
        }
    }
}

async fn on_command(turn: &Turn, typed: &CommandText<'_>, from: &User) -> anyhow::Result<()> {
    let actor = &turn.person.actor;
    let args = typed.args;
    let Some(command) = Command::parse(&typed.name) else {
        let help = menu::help_lines(turn.i18n(), turn.lang(), actor);
        return turn
            .say(tr!(
                turn.i18n(),
                turn.lang(),
                "unknown-command",
                command = format!("/{}", typed.name),
                help = crate::i18n::Arg::Html(help)
            ))
            .await;
    };
    // A volunteer playing a rehearsal buyer keeps /rehearsal (to leave, or to end it).
    let playing_rehearsal = command == Command::Rehearsal && turn.person.playing.is_some();
    if !command.allowed(actor) && !playing_rehearsal {
        let text = if matches!(actor, Actor::Unknown) {
            tr!(turn.i18n(), turn.lang(), "not-linked")
        } else {
            forbidden(turn, command)
        };
        return turn.say(text).await;
    }
    match command {
        Command::Start => start::on_start(turn, args, from).await,
        Command::Help => start::on_help(turn).await,
        Command::Language => start::on_language(turn, args).await,
        Command::Cancel => start::on_cancel(turn).await,
        Command::Me => start::on_me(turn).await,
        Command::Verify => handover::on_verify(turn, args).await,
        Command::MyHome => {
            buyer::on_my_home(turn).await?;
            handover::show_pending(turn, &turn.person.actor, turn.lang()).await
        }
        Command::Address => buyer::on_address(turn).await,
        Command::People => supervisor::on_people(turn).await,
        Command::Staff => supervisor::on_staff(turn).await,
        Command::Import => supervisor::on_import_help(turn).await,
        Command::Invite => {
            let first = args.split_whitespace().next();
            let staff_link =
                first.is_some_and(|w| w.parse::<crate::domain::people::Role>().is_ok());
            if staff_link || (args.trim().is_empty() && !actor.is_ambassador()) {
                supervisor::on_invite(turn, args).await
            } else {
                appointments::on_invite_buyers(turn, args).await
            }
        }
        Command::Slots => appointments::on_slots(turn, args).await,
        Command::Appointment => appointments::on_appointment(turn).await,
        Command::Today => appointments::on_today(turn).await,
        Command::Inspect => inspect::on_inspect(turn, args).await,
        Command::Defects => inspect::on_defects(turn, args).await,
        Command::MyDefects => inspect::on_my_defects(turn).await,
        Command::Report => report::on_report(turn).await,
        Command::Tasks => remediation::on_tasks(turn).await,
        Command::Handover => handover::on_handover(turn, args).await,
        Command::Complain => aftercare::on_complain(turn).await,
        Command::Complaints => aftercare::on_complaints(turn).await,
        Command::Stop => aftercare::on_stop(turn, true).await,
        Command::Resume => aftercare::on_stop(turn, false).await,
        Command::Summary => numbers::on_summary(turn, args).await,
        Command::Targets => numbers::on_targets(turn, args).await,
        Command::Overdue => numbers::on_overdue(turn).await,
        Command::Chart => numbers::on_chart(turn, args).await,
        Command::Export => numbers::on_export(turn, args).await,
        Command::Project => numbers::on_project(turn, args).await,
        Command::Queue => supervisor::on_queue(turn).await,
        Command::Deactivate => supervisor::on_deactivate(turn, args).await,
        Command::Assign => assignment::on_assign(turn).await,
        Command::Reassign => assignment::on_reassign(turn, args).await,
        Command::Ambassadors => assignment::on_ambassadors(turn).await,
        Command::Away => assignment::on_away(turn, args).await,
        Command::Back => assignment::on_back(turn, args).await,
        Command::Customers => households::on_customers(turn, args).await,
        Command::Customer => households::on_customer(turn, args).await,
        Command::SharePhone => relay::on_share_phone(turn, args).await,
        Command::Ambassador => relay::on_my_ambassador(turn).await,
        Command::Risks => before_campaign::on_risks(turn, args).await,
        Command::Dates => before_campaign::on_dates(turn, args).await,
        Command::Rehearsal => rehearsal::on_rehearsal(turn, args).await,
        Command::Answers => answers::on_answers(turn, args).await,
        Command::Answer => answers::on_answer(turn, args).await,
        Command::Ask => answers::on_ask(turn, args).await,
        Command::Consult => experts::on_consult(turn, args).await,
        Command::Incidents => experts::on_incidents(turn).await,
        Command::SetGroup => experts::on_setgroup(turn).await,
        Command::Plan => plans::on_plan(turn, args).await,
        Command::Plans => plans::on_plans(turn).await,
    }
}

async fn on_free_text(turn: &Turn, text: &str) -> anyhow::Result<()> {
    match &turn.person.actor {
        Actor::Buyer(_) => relay::on_buyer_text(turn, text).await,
        Actor::Unknown => {
            turn.say_with(
                tr!(turn.i18n(), turn.lang(), "start-share-phone"),
                Some(start::share_phone_keyboard(turn)),
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
        State::Inspecting(walk) => Some(FlowScope::Inspection(walk.inspection)),
        State::HandingOver(handing_over) => Some(FlowScope::Handover(handing_over.unit)),
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

/// The command whose refusal a press of this button is answered with, when it is refused.
fn refused_as(callback: &Callback) -> Option<Command> {
    match callback {
        Callback::AssignConfirm(_) | Callback::AssignCancel => Some(Command::Assign),
        Callback::Customers { .. } => Some(Command::Customers),
        Callback::Card(_) => Some(Command::Customer),
        Callback::Return(_) => Some(Command::Back),
        Callback::RiskOpen(_) | Callback::RiskSetStatus(..) => Some(Command::Risks),
        Callback::AnswerOpen(_)
        | Callback::AnswerEdit(..)
        | Callback::AnswerVisibility(..)
        | Callback::AnswerHistory(_)
        | Callback::AnswerRetire(..) => Some(Command::Answers),
        Callback::AnswerSend { .. } => Some(Command::Answer),
        Callback::ConsultAsk(_)
        | Callback::ConsultField(..)
        | Callback::ConsultAnswer(_)
        | Callback::ConsultSend(_) => Some(Command::Consult),
        Callback::ConsultToLibrary(_) => Some(Command::Answers),
        Callback::IncidentTake(_) | Callback::IncidentClose(_) => Some(Command::Incidents),
        _ => None,
    }
}

/// Whether a flow at `state` asks a question that can be asked again, when the update that
/// took its step is handled again (see `Turn::step_taken_before`). Elsewhere the update is
/// handled as it comes: its step is a record taken once, or a question of one word.
fn asks_again(state: &State) -> bool {
    matches!(
        state,
        State::HandingOver(_) | State::Inspecting(_) | State::Fixing(_)
    )
}

/// The question `state` is at, asked again.
async fn ask_again(turn: &Turn, state: &State) -> anyhow::Result<()> {
    match state {
        State::HandingOver(handing_over) => handover::ask_again(turn, handing_over).await,
        State::Inspecting(walk) => inspect::ask_again(turn, walk).await,
        State::Fixing(fixing) => remediation::ask_again(turn, fixing).await,
        _ => Ok(()),
    }
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
    if flow_step && turn.step_taken_before && asks_again(&state) {
        take_press(turn, query).await?;
        return ask_again(turn, &state).await;
    }
    match on_press(turn, state, query, callback).await {
        // A refused press is answered with a notice on the button.
        Err(error) if is_refusal(&error) => match refused_as(&callback) {
            Some(command) => answer_query(turn, query, Some(forbidden(turn, command))).await,
            None => Err(error),
        },
        handled => handled,
    }
}

async fn on_press(
    turn: &Turn,
    state: State,
    query: &CallbackQuery,
    callback: Callback,
) -> anyhow::Result<()> {
    match callback {
        Callback::Language(lang) => {
            // The choice is made: the question's buttons go away.
            take_press(turn, query).await?;
            start::set_language(turn, lang).await
        }
        Callback::AddressOk | Callback::AddressFix => {
            buyer::on_address_button(turn, state, query, callback).await
        }
        Callback::AssignConfirm(_) | Callback::AssignCancel => {
            assignment::on_assign_button(turn, query, callback).await
        }
        Callback::Customers { stage, page } => {
            households::on_customers_button(turn, query, stage, page).await
        }
        Callback::Card(unit) => households::on_card_button(turn, query, unit).await,
        Callback::Note(unit) => households::on_note_button(turn, query, unit).await,
        Callback::Return(staff) => assignment::on_return_button(turn, query, staff).await,
        Callback::Reply(unit) => relay::on_reply_button(turn, query, unit).await,
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
        Callback::DefectPdf(unit) => inspect::on_defect_pdf(turn, query, unit).await,
        Callback::RecordPdf(unit) => handover::on_record_pdf(turn, query, unit).await,
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
        Callback::RiskOpen(id) => before_campaign::on_risk_open(turn, query, id).await,
        Callback::RiskRespond(id) => before_campaign::on_risk_respond(turn, query, id).await,
        Callback::RiskSetStatus(id, status) => {
            before_campaign::on_risk_status(turn, query, id, status).await
        }
        Callback::RiskCategory(_) | Callback::RiskSeverity(_) | Callback::RiskSkip => {
            before_campaign::on_risk_button(turn, query, state, callback).await
        }
        Callback::CallStart(unit) => before_campaign::on_call_start(turn, query, unit).await,
        Callback::CallReached(_)
        | Callback::CallAttitude(_)
        | Callback::CallRisk(..)
        | Callback::CallDone => before_campaign::on_call_button(turn, query, state, callback).await,
        Callback::AnswerOpen(id) => answers::on_open(turn, query, id).await,
        Callback::AnswerEdit(id, field) => answers::on_edit(turn, query, id, field).await,
        Callback::AnswerVisibility(id, on) => answers::on_visibility(turn, query, id, on).await,
        Callback::AnswerHistory(id) => answers::on_history(turn, query, id).await,
        Callback::AnswerRetire(id, sure) => answers::on_retire(turn, query, id, sure).await,
        Callback::AnswerSend { unit, answer } => answers::on_send(turn, query, unit, answer).await,
        Callback::ConsultAsk(message) => experts::on_ask_button(turn, query, message).await,
        Callback::ConsultField(message, field) => {
            experts::on_field_button(turn, query, message, field).await
        }
        Callback::ConsultAnswer(id) => experts::on_answer_button(turn, query, id).await,
        Callback::ConsultSend(id) => experts::on_send_button(turn, query, id).await,
        Callback::ConsultToLibrary(id) => experts::on_library_button(turn, query, id).await,
        Callback::IncidentTake(id) => experts::on_take_button(turn, query, id).await,
        Callback::IncidentClose(id) => experts::on_close_button(turn, query, id).await,
        Callback::AnswerEntry(button) => answers::on_entry_button(turn, query, state, button).await,
    }
}
