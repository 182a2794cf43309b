//! The callback-data codec: what a button means, in at most 64 bytes, versioned and parsed
//! strictly. Anything that does not parse (an old keyboard from before an upgrade, a forged
//! payload) is a stale button, answered politely and acted on never.

use crate::domain::aftercare::{Level, Topic};
use crate::domain::defect::{Category, Room, Severity};
use crate::domain::expert::ExpertField;
use crate::domain::flow::answer_entry::{AnswerField, Button as AnswerEntryButton};
use crate::domain::ids::{DefectId, StaffId};
use crate::domain::people::{Lang, Stage};
use crate::domain::precontact::Attitude;
use crate::domain::remediation::Action;
use crate::domain::risk::{RiskCategory, RiskStatus, Severity as RiskSeverity};

/// Bumped whenever the meaning of an existing payload changes.
const VERSION: &str = "1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// Switch the interface language.
    Language(Lang),
    /// The buyer confirms the mailing address on file.
    AddressOk,
    /// The buyer wants to type a corrected address.
    AddressFix,
    /// Confirm the assignment preview computed from data with this fingerprint.
    AssignConfirm(u64),
    AssignCancel,
    /// A page of the ambassador's households, optionally only one stage.
    Customers {
        stage: Option<Stage>,
        page: u32,
    },
    /// Open a household's card.
    Card(i64),
    /// Add a note to a household.
    Note(i64),
    /// Give a returned ambassador their households back.
    Return(i64),
    /// Answer a buyer's message about this household.
    Reply(i64),
    /// Book (or move) appointment to slot.
    Book {
        appointment: i64,
        slot: i64,
    },
    /// None of the offered times suit: ask the ambassador to call.
    OtherTime(i64),
    /// Show fresh times to move a booking.
    Reschedule(i64),
    /// Cancel a booking (or decline the invitation).
    CancelAppointment(i64),
    /// "I'm here" / the ambassador checks the buyer in.
    CheckIn(i64),
    /// Walk-through steps; they act on the person's current walk-through only.
    InspectRoom(Room),
    InspectCategory(Category),
    InspectSeverity(Severity),
    Inspect(InspectAction),
    /// Start a walk-through of this household (from its card).
    StartInspection(i64),
    /// Open a defect's card.
    DefectCard(i64),
    /// A page of a household's defect list.
    DefectPage(i64, u32),
    /// The defect report of a household as a PDF.
    DefectPdf(i64),
    /// The handover record of a handed-over home as a PDF.
    RecordPdf(i64),
    /// A buyer's report of a defect in this home (when they have several).
    ReportHome(i64),
    /// Report the photo a buyer sent outside any flow (relayed message `id`) as a problem.
    ReportRelayed(i64),
    /// Reviewing buyer report `id`: accept (then kind, then urgency), merge, reject.
    ReviewAccept(i64),
    ReviewKind(i64, Category),
    ReviewUrgency(i64, Category, Severity),
    ReviewMerge(i64),
    ReviewMergeInto(i64, i64),
    ReviewReject(i64),
    /// Take a remediation step on defect `id` (from its card, a task, a buyer's check).
    DefectAction(i64, Action),
    /// Take the step prepared for defect `id` without a note.
    StepConfirm(i64),
    /// Give a defect to an engineer.
    AssignTo(DefectId, StaffId),
    /// No contractor name for defect `id`.
    ContractorSkip(i64),
    /// Choose several defects of a home to mark fixed together.
    FixUnit(i64),
    /// Choose (true) or leave out (false) defect `id`: the press carries the state it sets, so
    /// a press handled twice leaves it as pressed.
    FixToggle(i64, bool),
    /// The fix flow's own buttons; they act on the person's current fix flow only.
    Fix(FixStep),
    /// Start the handover checklist of this household (when a search found several).
    StartHandover(i64),
    /// The handover checklist's own buttons; they act on the current checklist only.
    Handover(HandoverStep),
    /// The buyer received their home (handover record `id`), or says something is wrong.
    HandoverConfirm(i64),
    HandoverIssue(i64),
    /// The buyer's answer to follow-up `id`'s "anything not right?" (true: all good).
    CheckAnswer(i64, bool),
    /// A satisfaction score for survey `id`, and "no comment".
    Survey(i64, u8),
    SurveySkip(i64),
    /// Filing a complaint: which home, the topic, the level.
    ComplainHome(i64),
    ComplainTopic(Topic),
    ComplainLevel(Level),
    /// Reception acknowledges complaint `id`.
    ComplaintAck(i64),
    /// Open risk `id` of the register.
    RiskOpen(i64),
    /// Write the planned response of risk `id` (its owner or a supervisor).
    RiskRespond(i64),
    /// A supervisor moves risk `id` to a status.
    RiskSetStatus(i64, RiskStatus),
    /// Adding a risk: its category, its severity, "later" for the response or the owner.
    RiskCategory(RiskCategory),
    RiskSeverity(RiskSeverity),
    RiskSkip,
    /// Log an early call to key household `unit` (from its card).
    CallStart(i64),
    /// The call's own buttons: reached or not, the attitude, a risk the buyer raised (with the
    /// state the press sets), done.
    CallReached(bool),
    CallAttitude(Attitude),
    CallRisk(i64, bool),
    CallDone,
    /// Open answer `id` of the library.
    AnswerOpen(i64),
    /// Change one field of answer `id` (a new version).
    AnswerEdit(i64, AnswerField),
    /// Whether buyers' /ask may get answer `id` (the state the press sets).
    AnswerVisibility(i64, bool),
    /// The versions of answer `id`.
    AnswerHistory(i64),
    /// Retire answer `id`: asks first (false), then does it (true).
    AnswerRetire(i64, bool),
    /// Send approved answer `answer` to the buyers of household `unit`.
    AnswerSend {
        unit: i64,
        answer: i64,
    },
    /// Adding an answer: skip a step, the whole project, whether buyers may see it.
    AnswerEntry(AnswerEntryButton),
    /// "Ask an expert" under the buyer's message kept as audit entry `id`, then its field.
    ConsultAsk(i64),
    ConsultField(i64, ExpertField),
    /// An expert answers consultation `id`.
    ConsultAnswer(i64),
    /// The asker sends the expert's answer of consultation `id` to the buyers.
    ConsultSend(i64),
    /// A supervisor makes the expert's answer of consultation `id` a library answer.
    ConsultToLibrary(i64),
    /// "I take it" on incident `id` in the decision group, and closing it.
    IncidentTake(i64),
    IncidentClose(i64),
}

/// Steps of the handover checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverStep {
    /// This many keys (second) of the checklist's key kind number (first). The question is in
    /// the button so a press on an earlier question (a double tap, a press Telegram delivers
    /// again after a crash) is not taken as the answer to the one asked now.
    Keys(u8, u8),
    /// The home has no meter of the checklist's meter number.
    NoMeter(u8),
    /// Tick (true) or untick (false) document number n: the press carries the state it sets,
    /// so a press handled twice leaves it as pressed.
    Document(u8, bool),
    DocumentsDone,
    /// Send the record to the buyer.
    Submit,
}

/// Most keys of one kind a button offers (more can be typed).
pub const MAX_KEY_BUTTON: u8 = 5;

/// Steps of marking defects fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixStep {
    /// The chosen defects are complete: on to their photos.
    Go,
    /// This defect's photos are complete: on to the next.
    Next,
    /// Mark them all fixed.
    Done,
}

impl FixStep {
    const ALL: [FixStep; 3] = [FixStep::Go, FixStep::Next, FixStep::Done];

    fn as_str(self) -> &'static str {
        match self {
            FixStep::Go => "go",
            FixStep::Next => "next",
            FixStep::Done => "done",
        }
    }
}

/// The walk-through's other buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectAction {
    Save,
    Edit,
    Discard,
    /// The next defect in the same room.
    Next,
    /// Another room.
    OtherRoom,
    Finish,
}

impl InspectAction {
    const ALL: [InspectAction; 6] = [
        InspectAction::Save,
        InspectAction::Edit,
        InspectAction::Discard,
        InspectAction::Next,
        InspectAction::OtherRoom,
        InspectAction::Finish,
    ];

    fn as_str(self) -> &'static str {
        match self {
            InspectAction::Save => "save",
            InspectAction::Edit => "edit",
            InspectAction::Discard => "drop",
            InspectAction::Next => "next",
            InspectAction::OtherRoom => "room",
            InspectAction::Finish => "done",
        }
    }
}

/// A single-character code.
fn code(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// A decimal number in canonical form (no sign, no leading zeros), so every payload has exactly
/// one spelling.
fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    let canonical = !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

impl Callback {
    pub fn encode(self) -> String {
        let body = match self {
            Callback::Language(lang) => format!("lang:{}", lang.code()),
            Callback::AddressOk => "addr:ok".to_string(),
            Callback::AddressFix => "addr:fix".to_string(),
            Callback::AssignConfirm(fingerprint) => format!("asg:ok:{fingerprint:016x}"),
            Callback::AssignCancel => "asg:no".to_string(),
            Callback::Customers { stage, page } => {
                let stage = stage.map_or('a', Stage::code);
                format!("cus:{stage}:{page}")
            }
            Callback::Card(unit) => format!("card:{unit}"),
            Callback::Note(unit) => format!("note:{unit}"),
            Callback::Return(staff) => format!("ret:{staff}"),
            Callback::Reply(unit) => format!("rep:{unit}"),
            Callback::Book { appointment, slot } => format!("bk:{appointment}:{slot}"),
            Callback::OtherTime(id) => format!("lt:{id}"),
            Callback::Reschedule(id) => format!("rs:{id}"),
            Callback::CancelAppointment(id) => format!("ac:{id}"),
            Callback::CheckIn(id) => format!("ci:{id}"),
            Callback::InspectRoom(room) => format!("ir:{}", room.code()),
            Callback::InspectCategory(category) => format!("ic:{}", category.code()),
            Callback::InspectSeverity(severity) => format!("is:{}", severity.code()),
            Callback::Inspect(action) => format!("i:{}", action.as_str()),
            Callback::StartInspection(unit) => format!("insp:{unit}"),
            Callback::DefectCard(id) => format!("dc:{id}"),
            Callback::ReportHome(unit) => format!("rp:{unit}"),
            Callback::ReportRelayed(id) => format!("rpm:{id}"),
            Callback::DefectPage(unit, page) => format!("dl:{unit}:{page}"),
            Callback::DefectPdf(unit) => format!("dpdf:{unit}"),
            Callback::RecordPdf(unit) => format!("rpdf:{unit}"),
            Callback::ReviewAccept(id) => format!("ra:{id}"),
            Callback::ReviewKind(id, c) => format!("rc:{id}:{}", c.code()),
            Callback::ReviewUrgency(id, c, s) => format!("rv:{id}:{}:{}", c.code(), s.code()),
            Callback::ReviewMerge(id) => format!("rm:{id}"),
            Callback::ReviewMergeInto(id, into) => format!("ri:{id}:{into}"),
            Callback::ReviewReject(id) => format!("rr:{id}"),
            Callback::DefectAction(id, action) => format!("da:{id}:{}", action.code()),
            Callback::StepConfirm(id) => format!("dg:{id}"),
            Callback::AssignTo(id, staff) => format!("de:{id}:{staff}"),
            Callback::ContractorSkip(id) => format!("cs:{id}"),
            Callback::FixUnit(unit) => format!("fu:{unit}"),
            Callback::FixToggle(id, on) => format!("ft:{id}:{}", yes_no(on)),
            Callback::RiskOpen(id) => format!("rk:{id}"),
            Callback::RiskRespond(id) => format!("rkr:{id}"),
            Callback::RiskSetStatus(id, status) => format!("rks:{id}:{}", status.as_str()),
            Callback::RiskCategory(c) => format!("rkc:{}", c.as_str()),
            Callback::RiskSeverity(s) => format!("rkv:{}", s.as_str()),
            Callback::RiskSkip => "rk:later".to_string(),
            Callback::CallStart(unit) => format!("pc:{unit}"),
            Callback::CallReached(yes) => format!("pcr:{}", yes_no(yes)),
            Callback::CallAttitude(a) => format!("pca:{}", a.as_str()),
            Callback::CallRisk(id, on) => format!("pck:{id}:{}", yes_no(on)),
            Callback::CallDone => "pc:done".to_string(),
            Callback::AnswerOpen(id) => format!("an:{id}"),
            Callback::AnswerEdit(id, field) => format!("ane:{id}:{}", field.code()),
            Callback::AnswerVisibility(id, on) => format!("anv:{id}:{}", yes_no(on)),
            Callback::AnswerHistory(id) => format!("anh:{id}"),
            Callback::AnswerRetire(id, sure) => format!("anr:{id}:{}", yes_no(sure)),
            Callback::AnswerSend { unit, answer } => format!("anssend:{unit}:{answer}"),
            Callback::AnswerEntry(button) => match button {
                AnswerEntryButton::Skip => "ana:skip".to_string(),
                AnswerEntryButton::WholeProject => "ana:all".to_string(),
                AnswerEntryButton::BuyersMaySee(on) => format!("ana:b:{}", yes_no(on)),
            },
            Callback::ConsultAsk(id) => format!("cq:{id}"),
            Callback::ConsultField(id, field) => format!("cqf:{id}:{}", field.code()),
            Callback::ConsultAnswer(id) => format!("cna:{id}"),
            Callback::ConsultSend(id) => format!("cns:{id}"),
            Callback::ConsultToLibrary(id) => format!("cnl:{id}"),
            Callback::IncidentTake(id) => format!("int:{id}"),
            Callback::IncidentClose(id) => format!("inc:{id}"),
            Callback::Fix(step) => format!("fx:{}", step.as_str()),
            Callback::StartHandover(unit) => format!("hov:{unit}"),
            Callback::Handover(step) => match step {
                HandoverStep::Keys(kind, n) => format!("ho:k:{kind}:{n}"),
                HandoverStep::NoMeter(meter) => format!("ho:m:{meter}"),
                HandoverStep::Document(n, on) => format!("ho:d:{n}:{}", yes_no(on)),
                HandoverStep::DocumentsDone => "ho:dd".to_string(),
                HandoverStep::Submit => "ho:s".to_string(),
            },
            Callback::HandoverConfirm(id) => format!("hc:{id}"),
            Callback::HandoverIssue(id) => format!("hi:{id}"),
            Callback::CheckAnswer(id, good) => format!("fc:{id}:{}", yes_no(good)),
            Callback::Survey(id, score) => format!("sv:{id}:{score}"),
            Callback::SurveySkip(id) => format!("sx:{id}"),
            Callback::ComplainHome(unit) => format!("ch:{unit}"),
            Callback::ComplainTopic(topic) => format!("ct:{}", topic.code()),
            Callback::ComplainLevel(level) => format!("cl:{}", level.code()),
            Callback::ComplaintAck(id) => format!("ck:{id}"),
        };
        format!("{VERSION}:{body}")
    }

    pub fn decode(data: &str) -> Option<Callback> {
        if data.len() > 64 {
            return None;
        }
        let mut parts = data.split(':');
        if parts.next()? != VERSION {
            return None;
        }
        let callback = match (parts.next()?, parts.next()?) {
            ("lang", "zh-CN") => Callback::Language(Lang::ZhCn),
            ("lang", "en") => Callback::Language(Lang::En),
            ("addr", "ok") => Callback::AddressOk,
            ("addr", "fix") => Callback::AddressFix,
            ("asg", "no") => Callback::AssignCancel,
            ("asg", "ok") => {
                let hex = parts.next()?;
                let lower_hex = hex.len() == 16
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !lower_hex {
                    return None;
                }
                Callback::AssignConfirm(u64::from_str_radix(hex, 16).ok()?)
            }
            ("cus", stage) => {
                let mut chars = stage.chars();
                let code = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                let stage = match code {
                    'a' => None,
                    other => Some(Stage::from_code(other)?),
                };
                Callback::Customers {
                    stage,
                    page: number(parts.next()?)?,
                }
            }
            ("card", id) => Callback::Card(number(id)?),
            ("note", id) => Callback::Note(number(id)?),
            ("ret", id) => Callback::Return(number(id)?),
            ("rep", id) => Callback::Reply(number(id)?),
            ("bk", id) => Callback::Book {
                appointment: number(id)?,
                slot: number(parts.next()?)?,
            },
            ("lt", id) => Callback::OtherTime(number(id)?),
            ("rs", id) => Callback::Reschedule(number(id)?),
            ("ac", id) => Callback::CancelAppointment(number(id)?),
            ("ci", id) => Callback::CheckIn(number(id)?),
            ("ir", c) => Callback::InspectRoom(Room::from_code(code(c)?)?),
            ("ic", c) => Callback::InspectCategory(Category::from_code(code(c)?)?),
            ("is", c) => Callback::InspectSeverity(Severity::from_code(code(c)?)?),
            ("i", action) => Callback::Inspect(
                InspectAction::ALL
                    .into_iter()
                    .find(|a| a.as_str() == action)?,
            ),
            ("insp", id) => Callback::StartInspection(number(id)?),
            ("dc", id) => Callback::DefectCard(number(id)?),
            ("rp", id) => Callback::ReportHome(number(id)?),
            ("rpm", id) => Callback::ReportRelayed(number(id)?),
            ("dl", id) => Callback::DefectPage(number(id)?, number(parts.next()?)?),
            ("dpdf", id) => Callback::DefectPdf(number(id)?),
            ("rpdf", id) => Callback::RecordPdf(number(id)?),
            ("ra", id) => Callback::ReviewAccept(number(id)?),
            ("rc", id) => {
                Callback::ReviewKind(number(id)?, Category::from_code(code(parts.next()?)?)?)
            }
            ("rv", id) => Callback::ReviewUrgency(
                number(id)?,
                Category::from_code(code(parts.next()?)?)?,
                Severity::from_code(code(parts.next()?)?)?,
            ),
            ("rm", id) => Callback::ReviewMerge(number(id)?),
            ("ri", id) => Callback::ReviewMergeInto(number(id)?, number(parts.next()?)?),
            ("rr", id) => Callback::ReviewReject(number(id)?),
            ("da", id) => {
                Callback::DefectAction(number(id)?, Action::from_code(code(parts.next()?)?)?)
            }
            ("dg", id) => Callback::StepConfirm(number(id)?),
            ("de", id) => Callback::AssignTo(number(id)?, number(parts.next()?)?),
            ("cs", id) => Callback::ContractorSkip(number(id)?),
            ("fu", id) => Callback::FixUnit(number(id)?),
            ("ft", id) => Callback::FixToggle(number(id)?, yes_or_no(parts.next()?)?),
            ("fx", step) => Callback::Fix(FixStep::ALL.into_iter().find(|s| s.as_str() == step)?),
            ("hov", id) => Callback::StartHandover(number(id)?),
            ("ho", "k") => Callback::Handover(HandoverStep::Keys(
                number(parts.next()?)?,
                number(parts.next()?).filter(|n| *n <= MAX_KEY_BUTTON)?,
            )),
            ("ho", "m") => Callback::Handover(HandoverStep::NoMeter(number(parts.next()?)?)),
            ("ho", "d") => Callback::Handover(HandoverStep::Document(
                number(parts.next()?)?,
                yes_or_no(parts.next()?)?,
            )),
            ("ho", "dd") => Callback::Handover(HandoverStep::DocumentsDone),
            ("ho", "s") => Callback::Handover(HandoverStep::Submit),
            ("hc", id) => Callback::HandoverConfirm(number(id)?),
            ("hi", id) => Callback::HandoverIssue(number(id)?),
            ("fc", id) => Callback::CheckAnswer(number(id)?, yes_or_no(parts.next()?)?),
            ("sv", id) => Callback::Survey(
                number(id)?,
                number(parts.next()?).filter(|n| (1..=5).contains(n))?,
            ),
            ("sx", id) => Callback::SurveySkip(number(id)?),
            ("ch", id) => Callback::ComplainHome(number(id)?),
            ("ct", c) => Callback::ComplainTopic(Topic::from_code(code(c)?)?),
            ("cl", c) => Callback::ComplainLevel(Level::from_code(code(c)?)?),
            ("ck", id) => Callback::ComplaintAck(number(id)?),
            ("rk", "later") => Callback::RiskSkip,
            ("rk", id) => Callback::RiskOpen(number(id)?),
            ("rkr", id) => Callback::RiskRespond(number(id)?),
            ("rks", id) => Callback::RiskSetStatus(number(id)?, RiskStatus::parse(parts.next()?)?),
            ("rkc", c) => {
                Callback::RiskCategory(RiskCategory::ALL.into_iter().find(|x| x.as_str() == c)?)
            }
            ("rkv", s) => {
                Callback::RiskSeverity(RiskSeverity::ALL.into_iter().find(|x| x.as_str() == s)?)
            }
            ("pc", "done") => Callback::CallDone,
            ("pc", id) => Callback::CallStart(number(id)?),
            ("pcr", yes) => Callback::CallReached(yes_or_no(yes)?),
            ("pca", a) => Callback::CallAttitude(Attitude::parse(a)?),
            ("pck", id) => Callback::CallRisk(number(id)?, yes_or_no(parts.next()?)?),
            ("an", id) => Callback::AnswerOpen(number(id)?),
            ("ane", id) => {
                Callback::AnswerEdit(number(id)?, AnswerField::from_code(code(parts.next()?)?)?)
            }
            ("anv", id) => Callback::AnswerVisibility(number(id)?, yes_or_no(parts.next()?)?),
            ("anh", id) => Callback::AnswerHistory(number(id)?),
            ("anr", id) => Callback::AnswerRetire(number(id)?, yes_or_no(parts.next()?)?),
            ("anssend", unit) => Callback::AnswerSend {
                unit: number(unit)?,
                answer: number(parts.next()?)?,
            },
            ("ana", "skip") => Callback::AnswerEntry(AnswerEntryButton::Skip),
            ("ana", "all") => Callback::AnswerEntry(AnswerEntryButton::WholeProject),
            ("cq", id) => Callback::ConsultAsk(number(id)?),
            ("cqf", id) => {
                Callback::ConsultField(number(id)?, ExpertField::from_code(code(parts.next()?)?)?)
            }
            ("cna", id) => Callback::ConsultAnswer(number(id)?),
            ("cns", id) => Callback::ConsultSend(number(id)?),
            ("cnl", id) => Callback::ConsultToLibrary(number(id)?),
            ("int", id) => Callback::IncidentTake(number(id)?),
            ("inc", id) => Callback::IncidentClose(number(id)?),
            ("ana", "b") => {
                Callback::AnswerEntry(AnswerEntryButton::BuyersMaySee(yes_or_no(parts.next()?)?))
            }
            _ => return None,
        };
        parts.next().is_none().then_some(callback)
    }
}

fn yes_no(yes: bool) -> char {
    if yes { 'y' } else { 'n' }
}

fn yes_or_no(part: &str) -> Option<bool> {
    match part {
        "y" => Some(true),
        "n" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all() -> Vec<Callback> {
        let mut all = vec![
            Callback::Language(Lang::ZhCn),
            Callback::Language(Lang::En),
            Callback::AddressOk,
            Callback::AddressFix,
            Callback::AssignConfirm(u64::MAX),
            Callback::AssignConfirm(0),
            Callback::AssignCancel,
            Callback::Customers {
                stage: None,
                page: 0,
            },
            Callback::Customers {
                stage: Some(Stage::HandedOver),
                page: u32::MAX,
            },
            Callback::Card(i64::MAX),
            Callback::Note(1),
            Callback::Return(42),
            Callback::Reply(7),
            Callback::Book {
                appointment: i64::MAX,
                slot: i64::MAX,
            },
            Callback::OtherTime(3),
            Callback::Reschedule(4),
            Callback::CancelAppointment(5),
            Callback::CheckIn(6),
            Callback::StartInspection(8),
            Callback::DefectCard(9),
            Callback::ReportHome(10),
            Callback::ReportRelayed(i64::MAX),
            Callback::DefectPage(17, 3),
            Callback::DefectPdf(i64::MAX),
            Callback::RecordPdf(i64::MAX),
            Callback::ReviewAccept(11),
            Callback::ReviewKind(12, Category::Leakage),
            Callback::ReviewUrgency(13, Category::Other, Severity::Low),
            Callback::ReviewMerge(14),
            Callback::ReviewMergeInto(15, i64::MAX),
            Callback::ReviewReject(16),
            Callback::StepConfirm(i64::MAX),
            Callback::AssignTo(DefectId(i64::MAX), StaffId(i64::MAX)),
            Callback::AssignTo(DefectId(3), StaffId(0)),
            Callback::ContractorSkip(18),
            Callback::FixUnit(19),
            Callback::FixToggle(20, true),
            Callback::FixToggle(i64::MAX, false),
            Callback::StartHandover(21),
            Callback::Handover(HandoverStep::Keys(0, 0)),
            Callback::Handover(HandoverStep::Keys(u8::MAX, MAX_KEY_BUTTON)),
            Callback::Handover(HandoverStep::NoMeter(u8::MAX)),
            Callback::Handover(HandoverStep::Document(9, true)),
            Callback::Handover(HandoverStep::Document(u8::MAX, false)),
            Callback::Handover(HandoverStep::DocumentsDone),
            Callback::Handover(HandoverStep::Submit),
            Callback::HandoverConfirm(i64::MAX),
            Callback::HandoverIssue(22),
            Callback::CheckAnswer(i64::MAX, true),
            Callback::CheckAnswer(23, false),
            Callback::Survey(i64::MAX, 1),
            Callback::Survey(24, 5),
            Callback::SurveySkip(25),
            Callback::ComplainHome(26),
            Callback::ComplaintAck(i64::MAX),
            Callback::RiskOpen(i64::MAX),
            Callback::AnswerOpen(i64::MAX),
            Callback::AnswerEdit(i64::MAX, AnswerField::TextEn),
            Callback::AnswerVisibility(1, true),
            Callback::AnswerVisibility(i64::MAX, false),
            Callback::AnswerHistory(2),
            Callback::AnswerRetire(3, false),
            Callback::AnswerRetire(i64::MAX, true),
            Callback::AnswerSend {
                unit: i64::MAX,
                answer: i64::MAX,
            },
            Callback::AnswerEntry(AnswerEntryButton::Skip),
            Callback::AnswerEntry(AnswerEntryButton::WholeProject),
            Callback::AnswerEntry(AnswerEntryButton::BuyersMaySee(true)),
            Callback::AnswerEntry(AnswerEntryButton::BuyersMaySee(false)),
            Callback::ConsultAsk(i64::MAX),
            Callback::ConsultField(1, ExpertField::Legal),
            Callback::ConsultField(i64::MAX, ExpertField::Sales),
            Callback::ConsultAnswer(2),
            Callback::ConsultSend(3),
            Callback::ConsultToLibrary(i64::MAX),
            Callback::IncidentTake(4),
            Callback::IncidentClose(i64::MAX),
            Callback::RiskRespond(3),
            Callback::RiskSkip,
            Callback::CallStart(i64::MAX),
            Callback::CallReached(true),
            Callback::CallReached(false),
            Callback::CallRisk(i64::MAX, true),
            Callback::CallRisk(4, false),
            Callback::CallDone,
        ];
        all.extend(RiskStatus::ALL.map(|s| Callback::RiskSetStatus(i64::MAX, s)));
        all.extend(RiskCategory::ALL.map(Callback::RiskCategory));
        all.extend(RiskSeverity::ALL.map(Callback::RiskSeverity));
        all.extend(Attitude::ALL.map(Callback::CallAttitude));
        all.extend(Topic::ALL.map(Callback::ComplainTopic));
        all.extend(Level::ALL.map(Callback::ComplainLevel));
        all.extend(Action::ALL.map(|a| Callback::DefectAction(i64::MAX, a)));
        all.extend(FixStep::ALL.map(Callback::Fix));
        all.extend(Room::ALL.map(Callback::InspectRoom));
        all.extend(Category::ALL.map(Callback::InspectCategory));
        all.extend(Severity::ALL.map(Callback::InspectSeverity));
        all.extend(InspectAction::ALL.map(Callback::Inspect));
        all
    }

    #[test]
    fn every_callback_round_trips_within_64_bytes() {
        for callback in all() {
            let data = callback.encode();
            assert!(!data.is_empty() && data.len() <= 64, "{data}");
            assert_eq!(Callback::decode(&data), Some(callback));
        }
    }

    #[test]
    fn other_versions_and_trailing_parts_are_refused() {
        assert_eq!(Callback::decode("0:addr:ok"), None);
        assert_eq!(Callback::decode("1:addr:ok:extra"), None);
        assert_eq!(Callback::decode("1:lang:fr"), None);
        assert_eq!(Callback::decode("1:card:012"), None);
        assert_eq!(Callback::decode("1:card:-1"), None);
        assert_eq!(Callback::decode("1:cus:x:0"), None);
        assert_eq!(Callback::decode("1:asg:ok:ABCDEF0123456789"), None);
        assert_eq!(Callback::decode(""), None);
        assert_eq!(Callback::decode("1:sv:3:6"), None);
        assert_eq!(Callback::decode("1:sv:3:0"), None);
        assert_eq!(Callback::decode("1:ho:k:6"), None);
        assert_eq!(Callback::decode("1:fc:3:x"), None);
        // A toggle without the state it sets (the form before presses carried it).
        assert_eq!(Callback::decode("1:ft:3"), None);
        assert_eq!(Callback::decode("1:ho:d:0"), None);
        assert_eq!(Callback::decode("1:ft:3:x"), None);
        // The defect first, then the engineer, as before the ids had types.
        assert_eq!(
            Callback::decode("1:de:12:34"),
            Some(Callback::AssignTo(DefectId(12), StaffId(34)))
        );
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_data_never_panics_and_only_accepts_canonical_forms(data in ".{0,80}") {
            if let Some(callback) = Callback::decode(&data) {
                prop_assert_eq!(callback.encode(), data);
            }
        }
    }
}
