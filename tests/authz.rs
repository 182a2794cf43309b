//! The authorization matrix: every command and every kind of button, as every role,
//! aimed at objects the person does not own. Each must be refused politely — a reply, or the
//! button's notice — and change nothing: the database's business tables and everything the other
//! people in the campaign received are the same before and after. One permitted action per role
//! must change something, so the harness can fail.
//!
//! The campaign has two of everything where ownership matters. Side A owns every object the
//! probes point at: buyer A (1-1-101) and buyer C (1-1-103), both looked after by ambassador A,
//! whose building 1 engineer A leads. The probes come from side B — buyer B (2-1-102), ambassador
//! B, engineer B (building 2) — and from a supervisor, a complaint receptionist and a stranger
//! who never linked. Side B owns objects of its own too (B's invitation, B's defect), which the
//! control rows use.

use crate::support::app::TestApp;
use crate::support::fake_telegram::{SentMessage, User};
use crate::support::observe::{Db, Inboxes, Snapshot, db_changes, inbox_changes, inboxes};
use crate::support::people::{buyer_phone, buyers_csv, load_buyers, load_staff, reply_to};
use crate::support::steps::{photo, press_button, step_on_card, wait_key, wait_text};
use crate::support::text::step_done;
use handover_bot::bot::callback::{Callback, FixStep, HandoverStep, InspectAction};
use handover_bot::bot::commands::Command;
use handover_bot::domain::aftercare::{HandoverDraft, Level, Topic};
use handover_bot::domain::appointment::{SlotKind, parse_slot_spec};
use handover_bot::domain::defect::{Category, Room, Severity};
use handover_bot::domain::expert::ExpertField;
use handover_bot::domain::flow::answer_entry::{AnswerField, Button as AnswerEntryButton};
use handover_bot::domain::ids::{DefectId, StaffId};
use handover_bot::domain::people::{Actor, Lang};
use handover_bot::domain::precontact::Attitude;
use handover_bot::domain::remediation::Action;
use handover_bot::domain::remediation::DefectStatus;
use handover_bot::domain::risk::{RiskCategory, RiskStatus, Severity as RiskSeverity};
use handover_bot::services::appointments::{BookOutcome, InviteScope};
use handover_bot::services::assignment::{Planner, ReassignOutcome};
use handover_bot::services::defects::{DefectDraft, Found, InspectTarget, StartedInspection};
use handover_bot::services::handover::Confirmation;
use handover_bot::services::remediation::{FixReport, Step};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// How long one probe may take to be answered before it counts as unanswered.
const WAIT: Duration = Duration::from_secs(15);

/// The locale keys of a refusal; the probe's answer must be one of them.
const REFUSALS: &[&str] = &[
    "forbidden",
    "not-linked",
    "stale-button",
    "household-not-yours",
    "household-not-yours-short",
    "defect-not-yours",
    "record-not-yours",
    "verify-unknown",
    "step-not-now",
    "step-not-yours",
    "review-not-yours",
    "book-not-yours",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Buyer,
    Ambassador,
    Engineer,
    Supervisor,
    Complaints,
    Stranger,
}

impl Role {
    const ALL: [Role; 6] = [
        Role::Buyer,
        Role::Ambassador,
        Role::Engineer,
        Role::Supervisor,
        Role::Complaints,
        Role::Stranger,
    ];

    fn name(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::Ambassador => "ambassador",
            Role::Engineer => "engineer",
            Role::Supervisor => "supervisor",
            Role::Complaints => "complaints",
            Role::Stranger => "stranger",
        }
    }

    /// The commands of the role, as the README's "Commands per role" gives them (supervisors
    /// also have `/defects`, README "Defects"). `/start` works for everyone.
    fn commands(self) -> &'static [&'static str] {
        match self {
            Role::Stranger => &["help", "language"],
            Role::Buyer => &[
                "myhome",
                "mydefects",
                "report",
                "ask",
                "complain",
                "stop",
                "resume",
                "appointment",
                "ambassador",
                "address",
                "verify",
                "language",
                "cancel",
                "help",
            ],
            Role::Ambassador => &[
                "me",
                "answer",
                "consult",
                "today",
                "inspect",
                "handover",
                "defects",
                "invite",
                "customers",
                "customer",
                "sharephone",
                "away",
                "back",
                "verify",
                "language",
                "cancel",
                "help",
            ],
            Role::Complaints => &[
                "me",
                "answer",
                "consult",
                "complaints",
                "language",
                "cancel",
                "help",
            ],
            Role::Engineer => &[
                "me", "answer", "consult", "tasks", "defects", "language", "cancel", "help",
            ],
            Role::Supervisor => &[
                "me",
                "answer",
                "consult",
                "answers",
                "incidents",
                "setgroup",
                "plans",
                "plan",
                "people",
                "staff",
                "import",
                "invite",
                "slots",
                "today",
                "assign",
                "reassign",
                "ambassadors",
                "summary",
                "risks",
                "dates",
                "rehearsal",
                "targets",
                "overdue",
                "chart",
                "export",
                "defects",
                "customer",
                "handover",
                "complaints",
                "away",
                "back",
                "queue",
                "deactivate",
                "project",
                "verify",
                "language",
                "cancel",
                "help",
            ],
        }
    }

    /// Commands the role may use, but not on these objects (side A's, another ambassador).
    fn foreign_object_commands(self) -> &'static [&'static str] {
        match self {
            Role::Ambassador => &[
                "/customer 1-1-101",
                "/inspect 1-1-101",
                "/handover 1-1-103",
                "/defects 1-1-101",
                "/away Li Lei",
                "/back Li Lei",
                "/invite all",
                "/invite supervisor Mallory",
                "/verify 1 0123456789abcdef",
            ],
            Role::Engineer => &["/defects 1-1-101"],
            Role::Supervisor => &["/invite admin Mallory"],
            // Record 1 is home A's, handed over.
            Role::Buyer => &["/verify 1 0123456789abcdef"],
            Role::Complaints | Role::Stranger => &[],
        }
    }
}

/// Every command the bot knows (`Command::ALL`), so a new command joins the matrix by itself.
fn all_commands() -> Vec<String> {
    Command::ALL.iter().map(|c| c.name().to_string()).collect()
}

/// Every button prefix the codec writes (`Callback::encode` in src/bot/callback.rs), read from
/// its source, so a new kind of button must join the matrix.
fn codec_prefixes() -> BTreeSet<String> {
    let source = include_str!("../src/bot/callback.rs");
    let start = source.find("pub fn encode").expect("Callback::encode");
    let end = source.find("pub fn decode").expect("Callback::decode");
    let body = &source[start..end];
    let mut prefixes = BTreeSet::new();
    for literal in body.split('"').skip(1).step_by(2) {
        if let Some((prefix, _)) = literal.split_once(':')
            && !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_lowercase())
        {
            prefixes.insert(prefix.to_string());
        }
    }
    assert!(prefixes.len() > 30, "codec prefixes parsed: {prefixes:?}");
    prefixes
}

/// How a probe of this command is typed: with arguments that would do harm if it went through.
fn command_text(command: &str) -> String {
    match command {
        "inspect" | "defects" | "customer" => format!("/{command} 1-1-101"),
        "handover" => "/handover 1-1-103".to_string(),
        "verify" => "/verify 1 0123456789abcdef".to_string(),
        "away" => "/away Li Lei".to_string(),
        "back" => "/back Li Lei".to_string(),
        "sharephone" => "/sharephone on".to_string(),
        "invite" => "/invite supervisor Mallory".to_string(),
        "reassign" => "/reassign 1-1-101 Han Mei".to_string(),
        "slots" => "/slots add 2026-12-01 09:00-10:00 10".to_string(),
        "targets" => "/targets visit_rate 10%".to_string(),
        "deactivate" => "/deactivate Li Lei".to_string(),
        "project" => "/project name Mallory".to_string(),
        "rehearsal" => "/rehearsal start".to_string(),
        other => format!("/{other}"),
    }
}

/// Whether `role` may press this kind of button on the objects the probes point at (all of
/// them someone else's): `Some(why)` means it is a permitted use and is not probed. No
/// wildcard: a new kind of button does not compile until it says who may press it.
fn permitted(role: Role, button: &Callback) -> Option<&'static str> {
    use Callback as C;
    let supervisor = |why| (role == Role::Supervisor).then_some(why);
    match button {
        C::Language(_) => Some("everyone chooses their own language"),
        C::AddressOk | C::AddressFix => {
            (role == Role::Buyer).then_some("the buyer's own address on file")
        }
        C::AssignConfirm(_) | C::AssignCancel => supervisor("supervisors confirm /assign"),
        C::Return(_) => supervisor("supervisors return households"),
        C::Customers { .. } => {
            (role == Role::Ambassador).then_some("the ambassador's own household list")
        }
        C::Card(_) | C::Note(_) | C::Reply(_) | C::StartInspection(_) | C::StartHandover(_) => {
            supervisor("supervisors open any household")
        }
        C::DefectCard(_) | C::DefectPage(..) | C::DefectPdf(_) => {
            supervisor("supervisors see every defect")
        }
        C::RecordPdf(_) => supervisor("supervisors open every home's handover record"),
        C::CheckIn(_) => supervisor("supervisors check any buyer in"),
        C::ReviewAccept(_)
        | C::ReviewKind(..)
        | C::ReviewUrgency(..)
        | C::ReviewMerge(_)
        | C::ReviewMergeInto(..)
        | C::ReviewReject(_) => supervisor("supervisors review any buyer's report"),
        C::DefectAction(_, action) => match action {
            // Only the engineer it is assigned to starts and fixes.
            Action::Start | Action::Fix => None,
            Action::Assign
            | Action::Hold
            | Action::Resume
            | Action::Verify
            | Action::Reopen
            | Action::Close
            | Action::Reject => supervisor("supervisors take this step on any defect"),
        },
        C::AssignTo(..) => supervisor("supervisors route any defect"),
        C::ComplaintAck(_) => matches!(role, Role::Supervisor | Role::Complaints)
            .then_some("reception acknowledges every complaint"),
        C::RiskOpen(_) | C::RiskRespond(_) | C::RiskSetStatus(..) => {
            supervisor("supervisors keep the whole risk register")
        }
        C::CallStart(_) => None,
        C::AnswerOpen(_)
        | C::AnswerEdit(..)
        | C::AnswerVisibility(..)
        | C::AnswerHistory(_)
        | C::AnswerRetire(..) => supervisor("supervisors keep the answer library"),
        // Sending to a household is its own ambassador's (and a supervisor's).
        C::AnswerSend { .. } => supervisor("supervisors write to any household"),
        // Choosing a field changes nothing; the household is checked when the field is chosen.
        C::ConsultAsk(_) => (!matches!(role, Role::Buyer | Role::Stranger))
            .then_some("staff choose the experts' field; the household is checked on the choice"),
        C::ConsultField(..) => supervisor("supervisors consult on any household's message"),
        C::ConsultAnswer(_) | C::ConsultSend(_) => None,
        C::ConsultToLibrary(_) => supervisor("supervisors keep the answer library"),
        C::IncidentTake(_) | C::IncidentClose(_) => {
            supervisor("supervisors take and close incidents anywhere")
        }
        // The buyer's own objects, and steps of a flow the person is not in.
        C::Book { .. }
        | C::OtherTime(_)
        | C::Reschedule(_)
        | C::CancelAppointment(_)
        | C::InspectRoom(_)
        | C::InspectCategory(_)
        | C::InspectSeverity(_)
        | C::Inspect(_)
        | C::ReportHome(_)
        | C::ReportRelayed(_)
        | C::StepConfirm(_)
        | C::ContractorSkip(_)
        | C::FixUnit(_)
        | C::FixToggle(..)
        | C::Fix(_)
        | C::Handover(_)
        | C::HandoverConfirm(_)
        | C::HandoverIssue(_)
        | C::CheckAnswer(..)
        | C::Survey(..)
        | C::SurveySkip(_)
        | C::ComplainHome(_)
        | C::ComplainTopic(_)
        | C::ComplainLevel(_)
        | C::RiskCategory(_)
        | C::RiskSeverity(_)
        | C::RiskSkip
        | C::CallReached(_)
        | C::CallAttitude(_)
        | C::CallRisk(..)
        | C::CallDone
        | C::AnswerEntry(_) => None,
    }
}

/// Side A's objects, which the probes point at.
struct Targets {
    unit_a: i64,
    unit_c: i64,
    /// A's booked inspection and the other slot, which a forged press would move it to.
    appointment_a: i64,
    other_slot: i64,
    /// A's defects, one in each state where a step is possible.
    assigned: i64,
    in_progress: i64,
    on_hold: i64,
    fixed: i64,
    verified: i64,
    /// Buyer A's own report, waiting for ambassador A's review.
    reported: i64,
    /// Buyer A's message to their ambassador, as kept (the audit entry).
    message_a: i64,
    /// C's handover record, waiting for buyer C.
    handover_c: i64,
    /// A's follow-ups after the handover.
    check: i64,
    survey: i64,
    /// Buyer A's complaint, not yet acknowledged.
    complaint: i64,
    ambassador_a: i64,
    engineer_b: i64,
    /// The fingerprint of the current /assign plan.
    fingerprint: u64,
}

/// One button of every kind (every step of the multi-step ones), each aimed at side A.
fn buttons(t: &Targets) -> Vec<Callback> {
    use Callback as C;
    let mut all = vec![
        C::Language(Lang::En),
        C::AddressOk,
        C::AddressFix,
        C::AssignConfirm(t.fingerprint),
        C::AssignCancel,
        C::Customers {
            stage: None,
            page: 0,
        },
        C::Card(t.unit_a),
        C::Note(t.unit_a),
        C::Return(t.ambassador_a),
        C::Reply(t.unit_a),
        C::Book {
            appointment: t.appointment_a,
            slot: t.other_slot,
        },
        C::OtherTime(t.appointment_a),
        C::Reschedule(t.appointment_a),
        C::CancelAppointment(t.appointment_a),
        C::CheckIn(t.appointment_a),
        C::InspectRoom(Room::Kitchen),
        C::InspectCategory(Category::Leakage),
        C::InspectSeverity(Severity::Urgent),
    ];
    all.extend(
        [
            InspectAction::Save,
            InspectAction::Edit,
            InspectAction::Discard,
            InspectAction::Next,
            InspectAction::OtherRoom,
            InspectAction::Finish,
        ]
        .map(C::Inspect),
    );
    all.extend([
        C::StartInspection(t.unit_a),
        C::DefectCard(t.assigned),
        C::DefectPage(t.unit_a, 0),
        C::DefectPdf(t.unit_a),
        // A was handed over: its record is kept.
        C::RecordPdf(t.unit_a),
        C::ReportHome(t.unit_a),
        // No relayed photo is anyone's here: whatever id it names is refused.
        C::ReportRelayed(t.unit_a),
        C::ReviewAccept(t.reported),
        C::ReviewKind(t.reported, Category::Leakage),
        C::ReviewUrgency(t.reported, Category::Leakage, Severity::Urgent),
        C::ReviewMerge(t.reported),
        C::ReviewMergeInto(t.reported, t.assigned),
        C::ReviewReject(t.reported),
    ]);
    // Each step on a defect in a state where its owner could take it.
    for action in Action::ALL {
        let defect = match action {
            Action::Assign | Action::Start | Action::Reject => t.assigned,
            Action::Hold | Action::Fix => t.in_progress,
            Action::Resume => t.on_hold,
            Action::Verify | Action::Reopen => t.fixed,
            Action::Close => t.verified,
        };
        all.push(C::DefectAction(defect, action));
    }
    all.extend([
        C::StepConfirm(t.assigned),
        C::AssignTo(DefectId(t.assigned), StaffId(t.engineer_b)),
        C::ContractorSkip(t.assigned),
        C::FixUnit(t.unit_a),
        C::FixToggle(t.in_progress, true),
        C::Fix(FixStep::Go),
        C::Fix(FixStep::Next),
        C::Fix(FixStep::Done),
        // No risk is in the register: a forged number is refused all the same.
        C::RiskOpen(1),
        C::RiskRespond(1),
        C::RiskSetStatus(1, RiskStatus::Accepted),
        C::RiskCategory(RiskCategory::Other),
        C::RiskSeverity(RiskSeverity::High),
        C::RiskSkip,
        // A is an A+ household: its early call is ambassador A's.
        C::CallStart(t.unit_a),
        C::CallReached(true),
        C::CallAttitude(Attitude::Hostile),
        C::CallRisk(1, true),
        C::CallDone,
        // No answer is in the library: a forged number is refused all the same.
        C::AnswerOpen(1),
        C::AnswerEdit(1, AnswerField::TextZh),
        C::AnswerVisibility(1, true),
        C::AnswerHistory(1),
        C::AnswerRetire(1, false),
        C::AnswerRetire(1, true),
        C::AnswerSend {
            unit: t.unit_a,
            answer: 1,
        },
        C::AnswerEntry(AnswerEntryButton::Skip),
        C::AnswerEntry(AnswerEntryButton::WholeProject),
        C::AnswerEntry(AnswerEntryButton::BuyersMaySee(true)),
        // Buyer A's message (its audit entry) and a consultation and incident that do not exist.
        C::ConsultAsk(t.message_a),
        C::ConsultField(t.message_a, ExpertField::Legal),
        C::ConsultAnswer(1),
        C::ConsultSend(1),
        C::ConsultToLibrary(1),
        C::IncidentTake(1),
        C::IncidentClose(1),
        C::StartHandover(t.unit_c),
        C::Handover(HandoverStep::Keys(0, 2)),
        C::Handover(HandoverStep::NoMeter(0)),
        C::Handover(HandoverStep::Document(0, true)),
        C::Handover(HandoverStep::DocumentsDone),
        C::Handover(HandoverStep::Submit),
        C::HandoverConfirm(t.handover_c),
        C::HandoverIssue(t.handover_c),
        C::CheckAnswer(t.check, true),
        C::CheckAnswer(t.check, false),
        C::Survey(t.survey, 1),
        C::SurveySkip(t.survey),
        C::ComplainHome(t.unit_a),
        C::ComplainTopic(Topic::Quality),
        C::ComplainLevel(Level::Major),
        C::ComplaintAck(t.complaint),
    ]);
    all
}

// ----- refusals -------------------------------------------------------------------------------

/// The refusal texts, as a person reads them: for each key, the longest stretch of its zh-CN
/// text without a placeholder.
fn refusal_needles() -> Vec<(&'static str, String)> {
    let ftl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/zh-CN.ftl"))
        .expect("locales/zh-CN.ftl");
    REFUSALS
        .iter()
        .map(|key| {
            let value = ftl
                .lines()
                .find_map(|l| {
                    l.strip_prefix(key)
                        .and_then(|rest| rest.trim_start().strip_prefix('='))
                })
                .unwrap_or_else(|| panic!("{key} is not in zh-CN.ftl"));
            let mut fragments = vec![String::new()];
            let mut depth = 0;
            for c in value.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        fragments.push(String::new());
                    }
                    '}' => depth -= 1,
                    c if depth == 0 => fragments.last_mut().expect("one at least").push(c),
                    _ => {}
                }
            }
            let needle = fragments
                .into_iter()
                .map(|f| f.trim().to_string())
                .max_by_key(|f| f.chars().count())
                .unwrap_or_default();
            assert!(needle.chars().count() >= 4, "{key}: {needle:?}");
            (*key, needle)
        })
        .collect()
}

// ----- the probes ------------------------------------------------------------------------------

struct Prober {
    role: Role,
    user: User,
}

enum Probe {
    Command(String),
    Button(Callback),
}

impl Probe {
    fn label(&self) -> String {
        match self {
            Probe::Command(text) => text.clone(),
            Probe::Button(b) => format!("button {}", b.encode()),
        }
    }
}

/// One cell of the matrix.
struct Row {
    role: Role,
    probe: String,
    /// `Some(why)`: a permitted use, not probed.
    permitted: Option<&'static str>,
    /// Why the probe failed, if it did.
    failure: Option<String>,
    /// The refusal key it was answered with.
    refusal: Option<&'static str>,
    /// The refusal as shown to the person.
    shown: String,
}

struct Harness {
    app: TestApp,
    db: Db,
    needles: Vec<(&'static str, String)>,
    /// The database as the last probe left it (nothing else runs between probes).
    last: Option<Snapshot>,
}

impl Harness {
    fn refusal(&self, text: &str) -> Option<&'static str> {
        self.needles
            .iter()
            .find(|(_, needle)| text.contains(needle.as_str()))
            .map(|(key, _)| *key)
    }

    /// Sends a text and waits until the bot has answered and finished handling it.
    async fn say(&self, user: &User, text: &str) -> SentMessage {
        let handled = self.db.handled().await;
        let reply = reply_to(&self.app, user, text).await;
        assert!(self.db.wait_handled(handled, 1).await, "{text} not handled");
        reply
    }

    /// A message of the person's own to press forged buttons on: their latest language
    /// question (asked for when there is none with its buttons left). Buttons are never pressed
    /// on messages the controls need.
    async fn host(&mut self, user: &User) -> SentMessage {
        let is_host = |m: &SentMessage| {
            !m.deleted
                && m.inline_buttons()
                    .iter()
                    .any(|b| b.callback_data.as_deref() == Some("1:lang:en"))
        };
        if let Some(host) = self
            .app
            .fake
            .sent_messages(user.id)
            .into_iter()
            .rev()
            .find(|m| is_host(m))
        {
            return host;
        }
        let host = self.say(user, "/language").await;
        assert!(is_host(&host), "/language shows the choice: {host:?}");
        self.last = None;
        host
    }

    async fn probe(&mut self, prober: &Prober, probe: &Probe) -> Row {
        let chat = prober.user.id;
        let host = match probe {
            Probe::Button(_) => Some(self.host(&prober.user).await),
            Probe::Command(_) => None,
        };
        let db_before = match self.last.take() {
            Some(snapshot) => snapshot,
            None => self.db.snapshot().await,
        };
        let inbox_before = inboxes(&self.app, chat);
        let handled = self.db.handled().await;
        let sent_before = self.app.fake.sent_messages(chat).len();
        let mut problems = Vec::new();
        let mut notice = String::new();
        match (probe, &host) {
            (Probe::Command(text), _) => {
                self.app.fake.send_text(&prober.user, text);
                let replied = tokio::time::timeout(
                    WAIT,
                    self.app.fake.wait_for_messages(chat, sent_before + 1),
                )
                .await;
                if replied.is_err() {
                    problems.push("no reply".to_string());
                }
            }
            (Probe::Button(button), Some(host)) => {
                let query =
                    self.app
                        .fake
                        .press_crafted_button(&prober.user, host, &button.encode());
                match tokio::time::timeout(WAIT, self.app.fake.callback_answer(&query)).await {
                    Ok(text) => notice = text,
                    Err(_) => problems.push("the button was never answered".to_string()),
                }
            }
            (Probe::Button(_), None) => unreachable!("buttons have a host"),
        }
        if !self.db.wait_handled(handled, 1).await {
            problems.push("the update was never handled".to_string());
        }
        let replies: Vec<String> = self
            .app
            .fake
            .sent_messages(chat)
            .into_iter()
            .skip(sent_before)
            .map(|m| m.plain_text)
            .collect();
        let db_after = self.db.snapshot().await;
        let inbox_after = inboxes(&self.app, chat);

        // The refusal: the button's notice, or else exactly one reply.
        let shown = match (notice.is_empty(), replies.as_slice()) {
            (false, []) => notice.clone(),
            (false, more) => {
                problems.push(format!("a notice and {} messages: {more:?}", more.len()));
                notice.clone()
            }
            (true, [one]) => one.clone(),
            (true, []) => {
                problems.push("no notice and no reply".to_string());
                String::new()
            }
            (true, more) => {
                problems.push(format!("{} messages: {more:?}", more.len()));
                more[0].clone()
            }
        };
        let refusal = self.refusal(&shown);
        if refusal.is_none() && !shown.is_empty() {
            problems.push(format!("not a refusal: {shown:?}"));
        }
        let changed = db_changes(&db_before, &db_after);
        if !changed.is_empty() {
            problems.push(format!("database changed: {}", changed.join("; ")));
        }
        let told = inbox_changes(&self.app, &inbox_before, &inbox_after);
        if !told.is_empty() {
            problems.push(format!("others were told: {}", told.join("; ")));
        }
        self.last = Some(db_after);
        Row {
            role: prober.role,
            probe: probe.label(),
            permitted: None,
            failure: (!problems.is_empty()).then(|| problems.join("; ")),
            refusal,
            shown,
        }
    }

    /// One command from each of several people at once, each in their own chat, as Telegram
    /// delivers a busy minute: the bot paces its answers (a quarter of a second between
    /// batches), so sending them together keeps the matrix quick. Each must get exactly one
    /// refusal; when anything changed in the round, each is tried again alone to find which.
    async fn round(&mut self, batch: &[(&Prober, String)]) -> Vec<Row> {
        let db_before = match self.last.take() {
            Some(snapshot) => snapshot,
            None => self.db.snapshot().await,
        };
        let inbox_before = inboxes(&self.app, 0);
        let handled = self.db.handled().await;
        let sent = |chat: i64| self.app.fake.sent_counts().get(&chat).copied().unwrap_or(0);
        let sent_before: Vec<usize> = batch.iter().map(|(p, _)| sent(p.user.id)).collect();
        for (prober, text) in batch {
            self.app.fake.send_text(&prober.user, text);
        }
        let mut rows = Vec::new();
        let mut problems: Vec<Vec<String>> = vec![Vec::new(); batch.len()];
        for (i, (prober, _)) in batch.iter().enumerate() {
            let replied = tokio::time::timeout(
                WAIT,
                self.app
                    .fake
                    .wait_for_messages(prober.user.id, sent_before[i] + 1),
            )
            .await;
            if replied.is_err() {
                problems[i].push("no reply".to_string());
            }
        }
        if !self.db.wait_handled(handled, batch.len()).await {
            for p in &mut problems {
                p.push("the round's updates were never all handled".to_string());
            }
        }
        let db_after = self.db.snapshot().await;
        let chats: Vec<i64> = batch.iter().map(|(p, _)| p.user.id).collect();
        let others = |all: Inboxes| -> Inboxes {
            all.into_iter()
                .filter(|(chat, _)| !chats.contains(chat))
                .collect()
        };
        let told = inbox_changes(
            &self.app,
            &others(inbox_before),
            &others(inboxes(&self.app, 0)),
        );
        for (i, (prober, text)) in batch.iter().enumerate() {
            let replies: Vec<String> = self
                .app
                .fake
                .sent_messages(prober.user.id)
                .into_iter()
                .skip(sent_before[i])
                .map(|m| m.plain_text)
                .collect();
            let shown = replies.first().cloned().unwrap_or_default();
            if replies.len() > 1 {
                problems[i].push(format!("{} messages: {replies:?}", replies.len()));
            }
            let refusal = self.refusal(&shown);
            if refusal.is_none() && !shown.is_empty() {
                problems[i].push(format!("not a refusal: {shown:?}"));
            }
            rows.push(Row {
                role: prober.role,
                probe: text.clone(),
                permitted: None,
                failure: (!problems[i].is_empty()).then(|| problems[i].join("; ")),
                refusal,
                shown,
            });
        }
        let changed = db_changes(&db_before, &db_after);
        self.last = Some(db_after);
        if changed.is_empty() && told.is_empty() {
            return rows;
        }
        // Someone's command went through: each alone again, to name who.
        let mut culprits = 0;
        for (row, (prober, text)) in rows.iter_mut().zip(batch) {
            let alone = self.probe(prober, &Probe::Command(text.clone())).await;
            if let Some(failure) = alone.failure {
                culprits += 1;
                row.failure = Some(format!(
                    "{failure} (tried alone after its round changed things)"
                ));
            }
        }
        if culprits == 0 {
            for row in &mut rows {
                row.failure = Some(format!(
                    "its round (with {}) changed things and none did alone: database {changed:?}, \
                     others told {told:?}",
                    batch.len() - 1
                ));
            }
        }
        rows
    }

    /// Waits for everything the setup set going (messages, jobs) to be done, until the database
    /// holds still.
    async fn quiesce(&self) {
        let services = self.app.services();
        let mut last: Option<(Snapshot, i64)> = None;
        for _ in 0..200 {
            let limit = Duration::from_millis(300);
            tokio::join!(
                services.outbox_waker.settle(limit),
                services.scheduler_waker.settle(limit)
            );
            let open = self
                .db
                .ints(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox \
                     WHERE status IN ('pending', 'sending')",
                )
                .await[0];
            let now = (self.db.snapshot().await, self.db.handled().await);
            if open == 0 && last.as_ref() == Some(&now) {
                return;
            }
            last = Some(now);
        }
        panic!("the campaign never came to rest after the setup");
    }

    /// A control row: `before` is the snapshot taken before the permitted action; the database
    /// must come to differ from it.
    async fn control(&self, role: Role, what: &str, before: &Snapshot) -> Row {
        let deadline = Instant::now() + WAIT;
        let mut changes = Vec::new();
        while Instant::now() < deadline {
            changes = db_changes(before, &self.db.snapshot().await);
            if !changes.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Row {
            role,
            probe: format!("control: {what}"),
            permitted: None,
            failure: changes
                .is_empty()
                .then(|| "the permitted action changed nothing".to_string()),
            refusal: None,
            shown: changes
                .iter()
                .map(|c| c.split(':').next().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

// ----- the campaign ----------------------------------------------------------------------------

async fn actor(app: &TestApp, user: &User) -> Actor {
    app.services()
        .identify(user.id, None)
        .await
        .expect("identify")
        .actor
}

fn done(step: Step) {
    assert!(matches!(step, Step::Done(_)), "{step:?}");
}

/// Links everyone and brings side A's objects into every state a button acts on; side B gets
/// an invitation and a defect of its own for the controls.
async fn campaign(app: &TestApp, db: &Db) -> ([Prober; 6], Targets, i64) {
    load_staff(
        app,
        "name,phone,roles,capacity,buildings\n\
         Wang Fang,13800000001,supervisor,,\n\
         Li Lei,13700000001,ambassador,10,\n\
         Han Mei,13700000002,ambassador,10,\n\
         Zhang Gong,13700000003,engineer,,1\n\
         Zhao Gong,13700000004,engineer,,2\n\
         Sun Jie,13700000005,complaints,,\n",
    )
    .await;
    load_buyers(app, &buyers_csv(3)).await;
    let mut people: Vec<(User, String)> = [
        (9_001, "Fang", "+8613800000001"),
        (8_301, "Lei", "+8613700000001"),
        (8_302, "Mei", "+8613700000002"),
        (8_401, "Zhang", "+8613700000003"),
        (8_402, "Zhao", "+8613700000004"),
        (8_501, "Sun", "+8613700000005"),
    ]
    .into_iter()
    .map(|(id, name, phone)| (app.fake.user(id, name), phone.to_string()))
    .collect();
    for i in 0..3 {
        people.push((
            app.fake.user(30_000 + i as i64, &format!("B{i}")),
            buyer_phone(i),
        ));
    }
    let stranger = app.fake.user(7_001, "Mallory");
    // Everyone starts the bot and shares their phone at once (as `link_by_contact`, together).
    for (person, _) in &people {
        app.fake.send_text(person, "/start");
    }
    app.fake.send_text(&stranger, "/start");
    for person in people.iter().map(|(p, _)| p).chain([&stranger]) {
        app.fake
            .wait_for_message(person.id, |m| m.reply_markup.is_some())
            .await;
    }
    for (person, phone) in &people {
        app.fake
            .share_contact(person, phone, Some(person.id), &person.first_name);
    }
    // The greeting takes the phone button away.
    for (person, _) in &people {
        app.fake
            .wait_for_message(person.id, |m| {
                m.reply_markup
                    .as_ref()
                    .is_some_and(|r| r.get("remove_keyboard").is_some())
            })
            .await;
    }
    // Buyers are asked to confirm their address right after the greeting.
    for (buyer, _) in &people[6..] {
        app.fake
            .wait_for_message(buyer.id, |m| m.plain_text.contains("Harbour Road"))
            .await;
    }
    let [
        supervisor,
        ambassador_a,
        ambassador_b,
        engineer_a,
        engineer_b,
        reception,
        buyer_a,
        buyer_b,
        _buyer_c,
    ] = <[User; 9]>::try_from(people.into_iter().map(|(p, _)| p).collect::<Vec<_>>())
        .expect("nine people");

    let services = app.services();
    let sup = actor(app, &supervisor).await;
    for (unit, name) in [
        ("1-1-101", "Li Lei"),
        ("1-1-103", "Li Lei"),
        ("2-1-102", "Han Mei"),
    ] {
        let outcome = services.reassign(&sup, unit, name).await.expect("reassign");
        assert!(
            matches!(outcome, ReassignOutcome::Done { .. }),
            "{outcome:?}"
        );
    }
    let unit_id = |unit: &'static str| async move {
        let mut tx = services.store.read().await.expect("read");
        let id = tx.find_households(unit).await.expect("find")[0]
            .unit
            .unit_id;
        tx.commit().await.expect("commit");
        id
    };
    let (unit_a, unit_b, unit_c) = (
        unit_id("1-1-101").await,
        unit_id("2-1-102").await,
        unit_id("1-1-103").await,
    );
    let [amb_a, amb_b, eng_a, eng_b, buy_a] = [
        &ambassador_a,
        &ambassador_b,
        &engineer_a,
        &engineer_b,
        &buyer_a,
    ]
    .map(|u| actor(app, u));
    let (amb_a, amb_b, eng_a, _eng_b, buy_a) = (
        amb_a.await,
        amb_b.await,
        eng_a.await,
        eng_b.await,
        buy_a.await,
    );

    // Inspection slots tomorrow; everyone invited; A books the first.
    let tz = services.config.timezone;
    for spec in ["2026-11-27 10:00-11:00 5", "2026-11-27 14:00-15:00 5"] {
        let spec = parse_slot_spec(spec, tz).expect("slot spec");
        services
            .add_slot(&sup, &spec)
            .await
            .expect("add slot")
            .expect("a new slot");
    }
    let slots = db
        .ints("SELECT CAST(id AS BIGINT) FROM slots ORDER BY id")
        .await;
    services
        .invite_households(&sup, Some(InviteScope::All), SlotKind::Inspection)
        .await
        .expect("invite");
    let appointment_a = db
        .id(&format!(
            "SELECT CAST(id AS BIGINT) FROM appointments WHERE unit_id = {unit_a}"
        ))
        .await;
    let booked = services
        .book(&buy_a, appointment_a, slots[0])
        .await
        .expect("book");
    assert!(matches!(booked, BookOutcome::Booked(_)), "{booked:?}");

    // A's walk-through: five items, routed to engineer A, then moved along.
    let walk = |ambassador: &Actor, unit: i64, items: usize| {
        let ambassador = ambassador.clone();
        async move {
            let Found::One(StartedInspection { id: inspection, .. }) = services
                .start_inspection(&ambassador, InspectTarget::Unit(unit))
                .await
                .expect("start inspection")
            else {
                panic!("the ambassador's own household");
            };
            for i in 0..items {
                let draft = DefectDraft {
                    room: Room::ALL[i % Room::ALL.len()],
                    category: Category::ALL[i % Category::ALL.len()],
                    severity: Severity::Normal,
                    note: format!("item {i}"),
                    photos: Vec::new(),
                    voice: None,
                };
                services
                    .save_defect(&ambassador, inspection, &draft)
                    .await
                    .expect("save defect")
                    .expect("saved");
            }
            services
                .finish_inspection(&ambassador, inspection)
                .await
                .expect("finish")
                .expect("finished");
        }
    };
    walk(&amb_a, unit_a, 5).await;
    walk(&amb_b, unit_b, 1).await;
    let a_defects = db
        .ints(&format!(
            "SELECT CAST(id AS BIGINT) FROM defects WHERE unit_id = {unit_a} ORDER BY id"
        ))
        .await;
    let [assigned, in_progress, on_hold, fixed, verified] =
        <[i64; 5]>::try_from(a_defects).expect("five defects");
    let after_photo = services
        .store_media(None, &photo(77), "image/jpeg", "jpg")
        .await
        .expect("store a photo");
    for id in [in_progress, fixed, verified] {
        done(
            services
                .move_defect(&eng_a, id, Action::Start, "")
                .await
                .expect("start"),
        );
    }
    done(
        services
            .move_defect(&eng_a, on_hold, Action::Hold, "waiting for parts")
            .await
            .expect("hold"),
    );
    for id in [fixed, verified] {
        let report = FixReport {
            defect: id,
            photos: vec![after_photo.clone()],
            note: String::new(),
        };
        services
            .mark_fixed(&eng_a, &[report])
            .await
            .expect("mark fixed")
            .expect("fixed");
    }
    done(
        services
            .move_defect(&buy_a, verified, Action::Verify, "")
            .await
            .expect("verify"),
    );
    let statuses = db
        .strings(&format!(
            "SELECT status FROM defects WHERE unit_id = {unit_a} ORDER BY id"
        ))
        .await;
    assert_eq!(
        statuses,
        ["assigned", "in_progress", "on_hold", "fixed", "verified"]
    );
    let reported = services
        .report_defect(&buy_a, unit_a, Room::Bathroom, "水龙头松动", &[])
        .await
        .expect("report")
        .expect("reported");

    // C's handover waits for buyer C; A's is confirmed, which starts A's follow-ups.
    let handover_c = services
        .submit_handover(&amb_a, unit_c, &HandoverDraft::default())
        .await
        .expect("submit C")
        .expect("submitted")
        .id;
    let handover_a = services
        .submit_handover(&amb_a, unit_a, &HandoverDraft::default())
        .await
        .expect("submit A")
        .expect("submitted")
        .id;
    let confirmed = services
        .confirm_handover(&buy_a, handover_a)
        .await
        .expect("confirm");
    assert_eq!(confirmed, Confirmation::Confirmed);
    let follow_up = |kind: &'static str| {
        let sql = format!(
            "SELECT CAST(id AS BIGINT) FROM follow_ups WHERE unit_id = {unit_a} AND kind = '{kind}'"
        );
        async move { db.id(&sql).await }
    };
    let (check, survey) = (follow_up("check").await, follow_up("survey").await);
    let complaint = services
        .file_complaint(&buy_a, unit_a, Topic::Quality, Level::General, "墙面开裂")
        .await
        .expect("complain")
        .expect("filed")
        .id;

    // Buyer A writes to their ambassador: the kept message "ask an expert" points at.
    services
        .message_from_buyer(&buy_a, "车位为什么少了？")
        .await
        .expect("a message to the ambassador");
    let message_a = db
        .id("SELECT CAST(MAX(id) AS BIGINT) FROM audit_log WHERE action = 'buyer.message'")
        .await;
    let staff_id = |name: &'static str| {
        let sql = format!("SELECT CAST(id AS BIGINT) FROM staff WHERE name = '{name}'");
        async move { db.id(&sql).await }
    };
    let fingerprint = services
        .assignment_preview(Planner::Supervisor(&sup))
        .await
        .expect("preview")
        .fingerprint;
    let targets = Targets {
        unit_a,
        unit_c,
        appointment_a,
        other_slot: slots[1],
        assigned,
        in_progress,
        on_hold,
        fixed,
        verified,
        reported,
        handover_c,
        check,
        survey,
        complaint,
        message_a,
        ambassador_a: staff_id("Li Lei").await,
        engineer_b: staff_id("Zhao Gong").await,
        fingerprint: u64::from_str_radix(&fingerprint, 16).expect("hex fingerprint"),
    };
    let defect_b = db
        .id(&format!(
            "SELECT CAST(id AS BIGINT) FROM defects WHERE unit_id = {unit_b}"
        ))
        .await;
    // Everyone on side B, and the others, probes side A's objects.
    let probers = [
        (Role::Buyer, buyer_b),
        (Role::Ambassador, ambassador_b),
        (Role::Engineer, engineer_b),
        (Role::Supervisor, supervisor),
        (Role::Complaints, reception),
        (Role::Stranger, stranger),
    ]
    .map(|(role, user)| Prober { role, user });
    (probers, targets, defect_b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_and_button_on_someone_elses_object_is_refused_and_changes_nothing() {
    let started = Instant::now();
    // Hundreds of answers go to a handful of chats: the bot's own pace per chat is raised and
    // the fake's rate limit lifted, so the matrix measures authorization, not Telegram's pace.
    // (teloxide still holds each chat to 60 messages a minute.)
    let app = TestApp::start_with(|config| config.messages_per_sec_chat = 100).await;
    app.fake.set_limits(0, 0);
    let db = Db::open(app.database_url()).await;
    let (probers, targets, defect_b) = campaign(&app, &db).await;
    let mut harness = Harness {
        app,
        db,
        needles: refusal_needles(),
        last: None,
    };
    harness.quiesce().await;
    let setup = started.elapsed();

    // The matrix is complete: every command the bot knows, every prefix its codec writes.
    let commands = all_commands();
    for role in Role::ALL {
        for c in role.commands() {
            assert!(
                commands.iter().any(|k| k == c),
                "{c} of {role:?} is unknown"
            );
        }
    }
    let buttons = buttons(&targets);
    let probed: BTreeSet<String> = buttons
        .iter()
        .map(|b| {
            let data = b.encode();
            data.split(':').nth(1).unwrap_or_default().to_string()
        })
        .collect();
    let prefixes = codec_prefixes();
    let missing: Vec<&String> = prefixes.difference(&probed).collect();
    assert!(
        missing.is_empty(),
        "button kinds not in the matrix: {missing:?}"
    );

    // One approved answer in the library, for the inline queries below.
    {
        let services = harness.app.services();
        let mut tx = services.store.begin().await.expect("a transaction");
        let project = tx
            .ensure_project(&services.config.project, chrono::Utc::now())
            .await
            .expect("the project");
        let fields = handover_bot::store::answers::AnswerFields {
            question: "车位为什么少了？".into(),
            keywords: vec!["车位".into()],
            text_zh: "车位配比符合规划。".into(),
            text_en: None,
            scope: handover_bot::domain::risk::RiskScope::Project,
            risks: Vec::new(),
        };
        tx.add_answer(project, &fields, true, "staff:1", chrono::Utc::now())
            .await
            .expect("an answer");
        tx.commit().await.expect("commit");
    }
    let baseline_db = harness.db.snapshot().await;
    let baseline_inboxes = inboxes(&harness.app, 0);
    let mut rows = Vec::new();
    let mut commands_of: Vec<Vec<String>> = Vec::new();
    let mut buttons_of: Vec<Vec<Callback>> = Vec::new();
    for prober in &probers {
        // Each role sees exactly its own commands in Telegram's menu.
        let menu: BTreeSet<String> = match prober.role {
            Role::Stranger => harness.app.fake.default_commands(),
            _ => harness.app.fake.commands_for_chat(prober.user.id),
        }
        .unwrap_or_default()
        .into_iter()
        .map(|(c, _)| c)
        .collect();
        let expected: BTreeSet<String> = prober
            .role
            .commands()
            .iter()
            .map(|c| c.to_string())
            .chain((prober.role == Role::Stranger).then(|| "start".to_string()))
            .collect();
        assert_eq!(menu, expected, "the menu of the {}", prober.role.name());

        commands_of.push(
            commands
                .iter()
                .filter(|c| *c != "start" && !prober.role.commands().contains(&c.as_str()))
                .map(|c| command_text(c))
                .chain(
                    prober
                        .role
                        .foreign_object_commands()
                        .iter()
                        .map(|c| c.to_string()),
                )
                .collect(),
        );
        let mut mine = Vec::new();
        for button in &buttons {
            match permitted(prober.role, button) {
                Some(why) => rows.push(Row {
                    role: prober.role,
                    probe: Probe::Button(*button).label(),
                    permitted: Some(why),
                    failure: None,
                    refusal: None,
                    shown: String::new(),
                }),
                None => mine.push(*button),
            }
        }
        buttons_of.push(mine);
    }
    let command_probes: usize = commands_of.iter().map(Vec::len).sum();
    let button_probes: usize = buttons_of.iter().map(Vec::len).sum();
    // Commands in rounds, one of each role's at a time; buttons one by one.
    let longest = commands_of.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        let batch: Vec<(&Prober, String)> = probers
            .iter()
            .zip(&commands_of)
            .filter_map(|(prober, list)| list.get(i).map(|c| (prober, c.clone())))
            .collect();
        rows.extend(harness.round(&batch).await);
    }
    for (prober, list) in probers.iter().zip(&buttons_of) {
        for button in list {
            rows.push(harness.probe(prober, &Probe::Button(*button)).await);
        }
    }
    // Inline mode (`@bot 车位` in any chat): staff get the library's answer, nobody else gets
    // anything, and asking changes nothing.
    for prober in &probers {
        let query = harness
            .app
            .fake
            .inline_query(&prober.user, "车位", Some("private"));
        let shown = harness.app.fake.wait_for_inline_answer(&query).await;
        let staff = matches!(
            prober.role,
            Role::Ambassador | Role::Engineer | Role::Supervisor | Role::Complaints
        );
        assert_eq!(
            !shown.results.is_empty(),
            staff,
            "the inline answer of the {}: {:?}",
            prober.role.name(),
            shown.results
        );
        assert!(shown.is_personal && shown.cache_time == 0);
    }
    rows.sort_by_key(|row| Role::ALL.iter().position(|r| *r == row.role));

    // Nothing changed in all, once everything due has run, and nobody else heard of anything.
    harness.quiesce().await;
    let changed = db_changes(&baseline_db, &harness.db.snapshot().await);
    let told = inbox_changes(
        &harness.app,
        &baseline_inboxes,
        &inboxes(&harness.app, 0)
            .into_iter()
            .filter(|(chat, _)| !probers.iter().any(|p| p.user.id == *chat))
            .collect(),
    );
    let matrix_time = started.elapsed() - setup;

    // Controls: one permitted action per role does change something.
    let app = &harness.app;
    let [buyer, ambassador, engineer, supervisor, reception, stranger] =
        probers.each_ref().map(|p| &p.user);
    // The buyer books their own invitation.
    let before = harness.db.snapshot().await;
    let invitation = app
        .fake
        .sent_messages(buyer.id)
        .into_iter()
        .find(|m| {
            m.inline_buttons().iter().any(|b| {
                b.callback_data
                    .as_deref()
                    .is_some_and(|d| d.starts_with("1:bk:"))
            })
        })
        .expect("buyer B's invitation");
    let slot = invitation
        .inline_buttons()
        .into_iter()
        .find_map(|b| b.callback_data.filter(|d| d.starts_with("1:bk:")))
        .expect("a slot button");
    let query = app.fake.press_button(buyer, &invitation, &slot);
    app.fake.callback_answer(&query).await;
    rows.push(
        harness
            .control(Role::Buyer, "books their own invitation", &before)
            .await,
    );
    // The ambassador shares their phone with their buyers.
    let before = harness.db.snapshot().await;
    harness.say(ambassador, "/sharephone on").await;
    rows.push(
        harness
            .control(Role::Ambassador, "/sharephone on", &before)
            .await,
    );
    // The engineer starts work on their own defect from its card.
    let before = harness.db.snapshot().await;
    harness.say(engineer, "/tasks").await;
    step_on_card(app, engineer, defect_b, Action::Start).await;
    press_button(app, engineer, Callback::StepConfirm(defect_b)).await;
    wait_text(
        app,
        engineer,
        &step_done(defect_b, DefectStatus::InProgress),
    )
    .await;
    rows.push(
        harness
            .control(Role::Engineer, "starts work on their own defect", &before)
            .await,
    );
    // The supervisor sets a target.
    let before = harness.db.snapshot().await;
    harness.say(supervisor, "/targets visit_rate 95%").await;
    rows.push(
        harness
            .control(Role::Supervisor, "/targets visit_rate 95%", &before)
            .await,
    );
    // Reception acknowledges the complaint from its message.
    let before = harness.db.snapshot().await;
    let ack = Callback::ComplaintAck(targets.complaint).encode();
    let message = app
        .fake
        .wait_for_message(reception.id, |m| {
            m.inline_buttons()
                .iter()
                .any(|b| b.callback_data.as_deref() == Some(ack.as_str()))
        })
        .await;
    let query = app.fake.press_button(reception, &message, &ack);
    app.fake.callback_answer(&query).await;
    wait_key(
        app,
        reception,
        "complaint-ack-done",
        &[("id", targets.complaint.into())],
    )
    .await;
    rows.push(
        harness
            .control(Role::Complaints, "acknowledges the complaint", &before)
            .await,
    );
    // The stranger chooses a language.
    let before = harness.db.snapshot().await;
    harness.say(stranger, "/language en").await;
    rows.push(
        harness
            .control(Role::Stranger, "/language en", &before)
            .await,
    );

    // The whole matrix, then the verdict.
    let mut report = String::new();
    for row in &rows {
        let verdict = match (&row.permitted, &row.failure) {
            (Some(why), _) => format!("permitted ({why})"),
            (None, Some(failure)) => format!("FAILED: {failure}"),
            (None, None) if row.probe.starts_with("control") => format!("changed {}", row.shown),
            (None, None) => format!(
                "refused ({}) \"{}\", nothing changed",
                row.refusal.unwrap_or("?"),
                row.shown.chars().take(40).collect::<String>()
            ),
        };
        let _ = writeln!(
            report,
            "{:<11} {:<36} {verdict}",
            row.role.name(),
            row.probe
        );
    }
    let permitted = rows.iter().filter(|r| r.permitted.is_some()).count();
    let _ = writeln!(
        report,
        "\n{} roles; {command_probes} command probes and {button_probes} button probes \
         ({} kinds of button, {permitted} permitted uses not probed); setup {setup:.1?}, \
         matrix {matrix_time:.1?}, in all {:.1?}",
        Role::ALL.len(),
        probed.len(),
        started.elapsed()
    );
    println!("{report}");
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.failure
                .as_ref()
                .map(|f| format!("{} × {}: {f}", r.role.name(), r.probe))
        })
        .collect();
    assert!(
        failures.is_empty() && changed.is_empty() && told.is_empty(),
        "{} of {} cells failed:\n{}\n\nchanged after the matrix: {changed:?}\ntold after the \
         matrix: {told:?}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    harness.app.stop().await;
}
