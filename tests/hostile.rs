//! Hostile input: fuzz targets for everything that reads text or bytes a person, an
//! operator or an uploaded file controls — the callback-data codec, command arguments and other
//! typed text, settings, CSV/XLSX import, and the export that writes typed text back into a
//! workbook. Each target feeds proptest-generated input (arbitrary unicode and bytes, valid input
//! with garbage spliced in, numbers overflowing their type, damaged and crafted spreadsheets) to
//! the library's public functions and asserts that nothing panics, plus the property the function
//! documents: a callback re-encodes to exactly the data it was decoded from, a value re-renders
//! and re-parses to itself, an import either gives rows or errors naming their line and column.
//!
//! Cases per target come from `HANDOVER_FUZZ_CASES`; the default (a few thousand for the cheap
//! targets, a few hundred for the spreadsheet ones) keeps the whole module well under a minute in
//! a dev build. The full run is a million inputs per target:
//!
//! ```sh
//! HANDOVER_FUZZ_CASES=1000000 cargo test --test main hostile:: -- --nocapture
//! ```
//!
//! With `--nocapture` every target prints how many cases it ran and how long they took.

use crate::support::text::{fixed, zh};
use std::cell::RefCell;
use std::fmt::Debug;
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use handover_bot::bot::callback::{Callback, FixStep, HandoverStep, InspectAction, MAX_KEY_BUTTON};
use handover_bot::bot::commands;
use handover_bot::config::{Config, Settings};
use handover_bot::domain::aftercare::{
    Cadence, FollowUpKind, Level, Topic, Warranty, parse_items, parse_reading,
};
use handover_bot::domain::appointment::{SlotKind, parse_slot_spec};
use handover_bot::domain::defect::{Category, Room, Severity};
use handover_bot::domain::expert::ExpertField;
use handover_bot::domain::flow::answer_entry::{AnswerField, Button as AnswerEntryButton};
use handover_bot::domain::ids::{DefectId, StaffId};
use handover_bot::domain::import::{
    self, FileFormat, ImportError, ImportKind, MAX_ADDRESS_LEN, MAX_NAME_LEN, MAX_PLACE_LEN,
    MAX_PROJECT_LEN, MAX_REPORTED_ERRORS, Parsed,
};
use handover_bot::domain::kpi::Kpi;
use handover_bot::domain::people::{Lang, RiskFlag, Role, Seniority, Stage, Tier};
use handover_bot::domain::phone::{self, Phone};
use handover_bot::domain::precontact::Attitude;
use handover_bot::domain::remediation::{Action, DefectStatus, FixDeadlines};
use handover_bot::domain::risk::{RiskCategory, RiskStatus, Severity as RiskSeverity};
use handover_bot::domain::text::split_trailing_day;
use phonenumber::country::Id as Region;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};

// ---------------------------------------------------------------------------------------------
// The runner

/// Cases for one target: `HANDOVER_FUZZ_CASES`, or the target's default.
fn cases(default: u32) -> u32 {
    std::env::var("HANDOVER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Whether the run is big enough for coverage assertions to be fair.
fn thorough(cases: u32) -> bool {
    cases >= 1000
}

/// Runs `test` on `cases` inputs from `strategy`. A panic in the code under test is caught by
/// proptest, shrunk to a small input and reported as a failure naming the target.
fn fuzz<S>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 20_000,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("hostile::{name}: {failure}");
    }
    eprintln!(
        "hostile::{name}: {cases} cases in {:.1?}",
        started.elapsed()
    );
}

/// Text as people type it, or as a modified client sends it: any unicode, printable ASCII,
/// invalid UTF-8 made lossy, control characters, command-ish punctuation.
fn typed_text() -> BoxedStrategy<String> {
    prop_oneof![
        ".{0,60}",
        "[ -~]{0,60}",
        "[/@:a-zA-Z0-9_ \t\n\u{3000}-]{0,40}",
        "\\PC{0,30}",
        "[\u{0}-\u{1f}\u{7f}\u{200b}\u{feff}\u{202e} a1]{0,20}",
        prop::collection::vec(any::<u8>(), 0..60)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
    .boxed()
}

/// Number-like text: canonical, signed, padded, overflowing every integer type, floats.
fn numberish() -> BoxedStrategy<String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i128>().prop_map(|n| n.to_string()),
        any::<u8>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        "[0-9]{1,30}",
        "0[0-9]{0,5}",
        "[+-][0-9]{1,5}",
        "[0-9]{1,4}\\.[0-9]{0,4}",
        "[0-9]{1,3}e[+-]?[0-9]{1,4}",
        prop::sample::select(vec![
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "340282366920938463463374607431768211456",
            "-0",
            "NaN",
            "inf",
            "-inf",
            "１２",
            "٣",
            "",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// 1. The callback-data codec

/// Every prefix the codec knows, so that generated data gets past the first match.
const CALLBACK_PREFIXES: &[&str] = &[
    "lang", "addr", "asg", "cus", "card", "note", "ret", "rep", "bk", "lt", "rs", "ac", "ci", "ir",
    "ic", "is", "i", "insp", "dc", "rp", "dl", "ra", "rc", "rv", "rm", "ri", "rr", "da", "dg",
    "de", "cs", "fu", "ft", "fx", "hov", "ho", "hc", "hi", "fc", "sv", "sx", "ch", "ct", "cl",
    "ck",
];

const CALLBACK_WORDS: &[&str] = &[
    "ok", "no", "fix", "zh-CN", "en", "a", "k", "m", "d", "dd", "s", "y", "n", "go", "next",
    "done", "save", "edit", "drop", "room", "", "x", "é", "帅", "1", "0",
];

/// The decoder's promise: data it accepts is the one canonical spelling of what it returns, and
/// fits Telegram's 64 bytes.
fn check_decode(data: &str) -> Result<Option<Callback>, TestCaseError> {
    let decoded = Callback::decode(data);
    if let Some(callback) = decoded {
        prop_assert!(data.len() <= 64, "accepted {} bytes", data.len());
        prop_assert_eq!(callback.encode(), data);
    }
    Ok(decoded)
}

#[test]
fn callback_decoding_arbitrary_text_and_bytes_never_panics() {
    let strategy = prop_oneof![
        typed_text(),
        ".{0,200}",
        "1:[ -~]{0,100}",
        prop::collection::vec(any::<u8>(), 0..130)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    fuzz(
        "callback_arbitrary",
        cases(5000),
        strategy,
        |data: String| {
            check_decode(&data)?;
            Ok(())
        },
    );
}

#[test]
fn callback_decoding_near_valid_data_accepts_only_canonical_forms() {
    let token = prop_oneof![
        numberish(),
        prop::sample::select(CALLBACK_WORDS).prop_map(str::to_string),
        "[a-z]",
        "[0-9a-fA-F]{14,18}",
        ".{0,3}",
    ];
    let strategy = (
        prop::sample::select(vec!["1", "1", "1", "0", "2", "01", "", " 1", "１"]),
        prop::sample::select(CALLBACK_PREFIXES),
        prop::collection::vec(token, 0..4),
    )
        .prop_map(|(version, prefix, parts)| {
            let mut data = format!("{version}:{prefix}");
            for part in parts {
                data.push(':');
                data.push_str(&part);
            }
            data
        });
    let accepted = RefCell::new(0u32);
    let cases = cases(5000);
    fuzz("callback_near_valid", cases, strategy, |data: String| {
        if check_decode(&data)?.is_some() {
            *accepted.borrow_mut() += 1;
        }
        Ok(())
    });
    if thorough(cases) {
        assert!(
            *accepted.borrow() > 0,
            "no generated input was valid: the generator does not reach the decoder's arms"
        );
    }
}

/// The parameters a callback is built from; `kind` picks the variant.
#[derive(Debug, Clone)]
struct RawCallback {
    kind: usize,
    a: i64,
    b: i64,
    page: u32,
    n: u8,
    fingerprint: u64,
    pick: usize,
    flag: bool,
}

const CALLBACK_VARIANTS: usize = 75;
const FIX_STEPS: [FixStep; 3] = [FixStep::Go, FixStep::Next, FixStep::Done];
const INSPECT_ACTIONS: [InspectAction; 6] = [
    InspectAction::Save,
    InspectAction::Edit,
    InspectAction::Discard,
    InspectAction::Next,
    InspectAction::OtherRoom,
    InspectAction::Finish,
];

fn build_callback(r: &RawCallback) -> Callback {
    fn pick<T: Copy>(all: &[T], at: usize) -> T {
        all[at % all.len()]
    }
    let (a, b, p) = (r.a, r.b, r.pick);
    match r.kind % CALLBACK_VARIANTS {
        0 => Callback::Language(pick(&Lang::ALL, p)),
        1 => Callback::AddressOk,
        2 => Callback::AddressFix,
        3 => Callback::AssignConfirm(r.fingerprint),
        4 => Callback::AssignCancel,
        5 => Callback::Customers {
            stage: (!r.flag).then(|| pick(&Stage::ALL, p)),
            page: r.page,
        },
        6 => Callback::Card(a),
        7 => Callback::Note(a),
        8 => Callback::Return(a),
        9 => Callback::Reply(a),
        10 => Callback::Book {
            appointment: a,
            slot: b,
        },
        11 => Callback::OtherTime(a),
        12 => Callback::Reschedule(a),
        13 => Callback::CancelAppointment(a),
        14 => Callback::CheckIn(a),
        15 => Callback::InspectRoom(pick(&Room::ALL, p)),
        16 => Callback::InspectCategory(pick(&Category::ALL, p)),
        17 => Callback::InspectSeverity(pick(&Severity::ALL, p)),
        18 => Callback::Inspect(pick(&INSPECT_ACTIONS, p)),
        19 => Callback::StartInspection(a),
        20 => Callback::DefectCard(a),
        21 => Callback::DefectPage(a, r.page),
        22 => Callback::ReportHome(a),
        23 => Callback::ReviewAccept(a),
        24 => Callback::ReviewKind(a, pick(&Category::ALL, p)),
        25 => Callback::ReviewUrgency(a, pick(&Category::ALL, p), pick(&Severity::ALL, p / 16)),
        26 => Callback::ReviewMerge(a),
        27 => Callback::ReviewMergeInto(a, b),
        28 => Callback::ReviewReject(a),
        29 => Callback::DefectAction(a, pick(&Action::ALL, p)),
        30 => Callback::StepConfirm(a),
        31 => Callback::AssignTo(DefectId(a), StaffId(b)),
        32 => Callback::ContractorSkip(a),
        33 => Callback::FixUnit(a),
        34 => Callback::FixToggle(a, r.flag),
        35 => Callback::Fix(pick(&FIX_STEPS, p)),
        36 => Callback::StartHandover(a),
        37 => Callback::Handover(pick(
            &[
                HandoverStep::Keys(r.n, r.n),
                HandoverStep::NoMeter(r.n),
                HandoverStep::Document(r.n, r.flag),
                HandoverStep::DocumentsDone,
                HandoverStep::Submit,
            ],
            p,
        )),
        38 => Callback::HandoverConfirm(a),
        39 => Callback::HandoverIssue(a),
        40 => Callback::CheckAnswer(a, r.flag),
        41 => Callback::Survey(a, r.n),
        42 => Callback::SurveySkip(a),
        43 => Callback::ComplainHome(a),
        44 => Callback::ComplainTopic(pick(&Topic::ALL, p)),
        45 => Callback::ComplainLevel(pick(&Level::ALL, p)),
        46 => Callback::ComplaintAck(a),
        47 => Callback::ReportRelayed(a),
        48 => Callback::DefectPdf(a),
        49 => Callback::RecordPdf(a),
        50 => Callback::RiskOpen(a),
        51 => Callback::RiskRespond(a),
        52 => Callback::RiskSetStatus(a, pick(&RiskStatus::ALL, p)),
        53 => Callback::RiskCategory(pick(&RiskCategory::ALL, p)),
        54 => Callback::RiskSeverity(pick(&RiskSeverity::ALL, p)),
        55 => Callback::RiskSkip,
        56 => Callback::CallStart(a),
        57 => Callback::CallReached(r.flag),
        58 => Callback::CallAttitude(pick(&Attitude::ALL, p)),
        59 => Callback::CallRisk(a, r.flag),
        60 => Callback::CallDone,
        61 => Callback::AnswerOpen(a),
        62 => Callback::AnswerEdit(a, pick(&AnswerField::ALL, p)),
        63 => Callback::AnswerVisibility(a, r.flag),
        64 => Callback::AnswerHistory(a),
        65 => Callback::AnswerRetire(a, r.flag),
        66 => Callback::AnswerSend { unit: a, answer: b },
        67 => Callback::ConsultAsk(a),
        68 => Callback::ConsultField(a, pick(&ExpertField::ALL, p)),
        69 => Callback::ConsultAnswer(a),
        70 => Callback::ConsultSend(a),
        71 => Callback::ConsultToLibrary(a),
        72 => Callback::IncidentTake(a),
        73 => Callback::IncidentClose(a),
        _ => Callback::AnswerEntry(pick(
            &[
                AnswerEntryButton::Skip,
                AnswerEntryButton::WholeProject,
                AnswerEntryButton::BuyersMaySee(r.flag),
            ],
            p,
        )),
    }
}

/// The variant's index in [`build_callback`]. Exhaustive on purpose: a new kind of button does
/// not compile until the fuzz target builds it too.
fn callback_variant(callback: Callback) -> usize {
    match callback {
        Callback::Language(_) => 0,
        Callback::AddressOk => 1,
        Callback::AddressFix => 2,
        Callback::AssignConfirm(_) => 3,
        Callback::AssignCancel => 4,
        Callback::Customers { .. } => 5,
        Callback::Card(_) => 6,
        Callback::Note(_) => 7,
        Callback::Return(_) => 8,
        Callback::Reply(_) => 9,
        Callback::Book { .. } => 10,
        Callback::OtherTime(_) => 11,
        Callback::Reschedule(_) => 12,
        Callback::CancelAppointment(_) => 13,
        Callback::CheckIn(_) => 14,
        Callback::InspectRoom(_) => 15,
        Callback::InspectCategory(_) => 16,
        Callback::InspectSeverity(_) => 17,
        Callback::Inspect(_) => 18,
        Callback::StartInspection(_) => 19,
        Callback::DefectCard(_) => 20,
        Callback::DefectPage(..) => 21,
        Callback::ReportHome(_) => 22,
        Callback::ReviewAccept(_) => 23,
        Callback::ReviewKind(..) => 24,
        Callback::ReviewUrgency(..) => 25,
        Callback::ReviewMerge(_) => 26,
        Callback::ReviewMergeInto(..) => 27,
        Callback::ReviewReject(_) => 28,
        Callback::DefectAction(..) => 29,
        Callback::StepConfirm(_) => 30,
        Callback::AssignTo(..) => 31,
        Callback::ContractorSkip(_) => 32,
        Callback::FixUnit(_) => 33,
        Callback::FixToggle(..) => 34,
        Callback::Fix(_) => 35,
        Callback::StartHandover(_) => 36,
        Callback::Handover(_) => 37,
        Callback::HandoverConfirm(_) => 38,
        Callback::HandoverIssue(_) => 39,
        Callback::CheckAnswer(..) => 40,
        Callback::Survey(..) => 41,
        Callback::SurveySkip(_) => 42,
        Callback::ComplainHome(_) => 43,
        Callback::ComplainTopic(_) => 44,
        Callback::ComplainLevel(_) => 45,
        Callback::ComplaintAck(_) => 46,
        Callback::ReportRelayed(_) => 47,
        Callback::DefectPdf(_) => 48,
        Callback::RecordPdf(_) => 49,
        Callback::RiskOpen(_) => 50,
        Callback::RiskRespond(_) => 51,
        Callback::RiskSetStatus(..) => 52,
        Callback::RiskCategory(_) => 53,
        Callback::RiskSeverity(_) => 54,
        Callback::RiskSkip => 55,
        Callback::CallStart(_) => 56,
        Callback::CallReached(_) => 57,
        Callback::CallAttitude(_) => 58,
        Callback::CallRisk(..) => 59,
        Callback::CallDone => 60,
        Callback::AnswerOpen(_) => 61,
        Callback::AnswerEdit(..) => 62,
        Callback::AnswerVisibility(..) => 63,
        Callback::AnswerHistory(_) => 64,
        Callback::AnswerRetire(..) => 65,
        Callback::AnswerSend { .. } => 66,
        Callback::AnswerEntry(_) => 74,
        Callback::ConsultAsk(_) => 67,
        Callback::ConsultField(..) => 68,
        Callback::ConsultAnswer(_) => 69,
        Callback::ConsultSend(_) => 70,
        Callback::ConsultToLibrary(_) => 71,
        Callback::IncidentTake(_) => 72,
        Callback::IncidentClose(_) => 73,
    }
}

/// Whether the bot can mean this callback: database ids are never negative, a key button offers
/// at most [`MAX_KEY_BUTTON`], a survey score is 1–5. The decoder refuses everything else.
fn callback_in_domain(callback: Callback) -> bool {
    match callback {
        Callback::Card(a)
        | Callback::Note(a)
        | Callback::Return(a)
        | Callback::Reply(a)
        | Callback::OtherTime(a)
        | Callback::Reschedule(a)
        | Callback::CancelAppointment(a)
        | Callback::CheckIn(a)
        | Callback::StartInspection(a)
        | Callback::DefectCard(a)
        | Callback::DefectPage(a, _)
        | Callback::DefectPdf(a)
        | Callback::RecordPdf(a)
        | Callback::ReportHome(a)
        | Callback::ReportRelayed(a)
        | Callback::ReviewAccept(a)
        | Callback::ReviewKind(a, _)
        | Callback::ReviewUrgency(a, _, _)
        | Callback::ReviewMerge(a)
        | Callback::ReviewReject(a)
        | Callback::DefectAction(a, _)
        | Callback::StepConfirm(a)
        | Callback::ContractorSkip(a)
        | Callback::FixUnit(a)
        | Callback::FixToggle(a, _)
        | Callback::StartHandover(a)
        | Callback::HandoverConfirm(a)
        | Callback::HandoverIssue(a)
        | Callback::CheckAnswer(a, _)
        | Callback::SurveySkip(a)
        | Callback::ComplainHome(a)
        | Callback::ComplaintAck(a)
        | Callback::RiskOpen(a)
        | Callback::RiskRespond(a)
        | Callback::RiskSetStatus(a, _)
        | Callback::CallStart(a)
        | Callback::CallRisk(a, _)
        | Callback::AnswerOpen(a)
        | Callback::AnswerEdit(a, _)
        | Callback::AnswerVisibility(a, _)
        | Callback::AnswerHistory(a)
        | Callback::AnswerRetire(a, _)
        | Callback::ConsultAsk(a)
        | Callback::ConsultField(a, _)
        | Callback::ConsultAnswer(a)
        | Callback::ConsultSend(a)
        | Callback::ConsultToLibrary(a)
        | Callback::IncidentTake(a)
        | Callback::IncidentClose(a) => a >= 0,
        Callback::Book {
            appointment: a,
            slot: b,
        }
        | Callback::ReviewMergeInto(a, b)
        | Callback::AnswerSend { unit: a, answer: b }
        | Callback::AssignTo(DefectId(a), StaffId(b)) => a >= 0 && b >= 0,
        Callback::Survey(a, score) => a >= 0 && (1..=5).contains(&score),
        Callback::Handover(HandoverStep::Keys(_, n)) => n <= MAX_KEY_BUTTON,
        Callback::Handover(_)
        | Callback::Language(_)
        | Callback::AddressOk
        | Callback::AddressFix
        | Callback::AssignConfirm(_)
        | Callback::AssignCancel
        | Callback::Customers { .. }
        | Callback::InspectRoom(_)
        | Callback::InspectCategory(_)
        | Callback::InspectSeverity(_)
        | Callback::Inspect(_)
        | Callback::Fix(_)
        | Callback::ComplainTopic(_)
        | Callback::ComplainLevel(_)
        | Callback::RiskCategory(_)
        | Callback::RiskSeverity(_)
        | Callback::RiskSkip
        | Callback::CallReached(_)
        | Callback::CallAttitude(_)
        | Callback::CallDone
        | Callback::AnswerEntry(_) => true,
    }
}

fn raw_callback() -> impl Strategy<Value = RawCallback> {
    let id = || {
        prop_oneof![
            0i64..1000,
            Just(0i64),
            Just(i64::MAX),
            0i64..=i64::MAX,
            any::<i64>(),
            Just(i64::MIN),
        ]
    };
    (
        0..CALLBACK_VARIANTS,
        id(),
        id(),
        prop_oneof![0u32..100, Just(u32::MAX), any::<u32>()],
        prop_oneof![0u8..=6, any::<u8>()],
        prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
        any::<usize>(),
        any::<bool>(),
    )
        .prop_map(
            |(kind, a, b, page, n, fingerprint, pick, flag)| RawCallback {
                kind,
                a,
                b,
                page,
                n,
                fingerprint,
                pick,
                flag,
            },
        )
}

#[test]
fn every_callback_the_bot_can_mean_round_trips_within_64_bytes() {
    for kind in 0..CALLBACK_VARIANTS {
        let raw = RawCallback {
            kind,
            a: 1,
            b: 2,
            page: 3,
            n: 1,
            fingerprint: 5,
            pick: 0,
            flag: false,
        };
        assert_eq!(callback_variant(build_callback(&raw)), kind);
    }
    let seen = RefCell::new([false; CALLBACK_VARIANTS]);
    let cases = cases(5000);
    fuzz("callback_round_trip", cases, raw_callback(), |raw| {
        let callback = build_callback(&raw);
        let data = callback.encode();
        prop_assert!(
            !data.is_empty() && data.len() <= 64,
            "{:?} encodes to {} bytes: {}",
            callback,
            data.len(),
            data
        );
        let expected = callback_in_domain(callback).then_some(callback);
        prop_assert_eq!(Callback::decode(&data), expected, "data {}", data);
        if expected.is_some() {
            seen.borrow_mut()[callback_variant(callback)] = true;
        }
        Ok(())
    });
    if thorough(cases) {
        let missing: Vec<usize> = (0..CALLBACK_VARIANTS)
            .filter(|k| !seen.borrow()[*k])
            .collect();
        assert!(
            missing.is_empty(),
            "variants never round-tripped: {missing:?}"
        );
    }
}

#[test]
fn callback_data_with_garbage_spliced_in_is_refused_or_canonical() {
    let strategy = (
        raw_callback(),
        0usize..5,
        any::<usize>(),
        prop_oneof![".{0,8}", "[0-9:]{1,25}", Just(String::new())],
    )
        .prop_map(|(raw, op, at, garbage)| {
            let data = build_callback(&raw).encode();
            let cut = at % (data.len() + 1);
            match op {
                // A truncated payload.
                0 => data[..cut].to_string(),
                // Something appended.
                1 => format!("{data}{garbage}"),
                // Something inserted.
                2 => format!("{}{garbage}{}", &data[..cut], &data[cut..]),
                // One byte replaced.
                3 => {
                    let mut out = data[..cut].to_string();
                    out.push_str(&garbage);
                    out.push_str(data.get(cut + 1..).unwrap_or(""));
                    out
                }
                // Every number replaced by one far beyond i64.
                _ => data
                    .split(':')
                    .map(|part| {
                        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                            format!("{part}{garbage}99999999999999999999")
                        } else {
                            part.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(":"),
            }
        });
    fuzz("callback_spliced", cases(5000), strategy, |data: String| {
        check_decode(&data)?;
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// 2. Command arguments and other typed text

const BOT: &str = "handover_test_bot";

#[test]
fn command_lines_parse_without_panic_and_re_render_to_themselves() {
    let username = prop::sample::select(vec![BOT, "HANDOVER_TEST_BOT", "other_bot", "", "ü"]);
    let command_line = (
        prop::sample::select(vec!["", " ", "\n", "\u{3000}", "\t "]),
        "[a-zA-Z_İß]{0,12}",
        prop::option::of(prop::sample::select(vec![
            BOT,
            "other_bot",
            "",
            "HANDOVER_test_BOT",
        ])),
        prop::sample::select(vec![" ", "\n", "\u{3000}", "  ", ""]),
        typed_text(),
    )
        .prop_map(|(lead, name, target, gap, args)| match target {
            Some(t) => format!("{lead}/{name}@{t}{gap}{args}"),
            None => format!("{lead}/{name}{gap}{args}"),
        });
    let strategy = (prop_oneof![typed_text(), command_line], username);
    let parsed = RefCell::new(0u32);
    let cases = cases(5000);
    fuzz(
        "command_line",
        cases,
        strategy,
        |(text, username): (String, &str)| {
            let Some(command) = commands::parse(&text, username) else {
                return Ok(());
            };
            *parsed.borrow_mut() += 1;
            prop_assert!(!command.name.is_empty());
            prop_assert!(!command.name.contains(char::is_whitespace));
            prop_assert!(!command.name.contains('@'));
            prop_assert_eq!(&command.name, &command.name.to_lowercase());
            prop_assert_eq!(command.args, command.args.trim());
            prop_assert!(text.trim_start().starts_with('/'));
            // Typed again in its canonical form (addressed to this bot), it reads the same.
            if !username.contains(char::is_whitespace) {
                let again = format!("/{}@{} {}", command.name, username, command.args);
                prop_assert_eq!(commands::parse(&again, username), Some(command.clone()));
            }
            let plain = format!("/{} {}", command.name, command.args);
            prop_assert_eq!(commands::parse(&plain, username), Some(command));
            Ok(())
        },
    );
    if thorough(cases) {
        assert!(*parsed.borrow() > 0, "no generated line was a command");
    }
}

const REGIONS: [Region; 10] = [
    Region::CN,
    Region::US,
    Region::GB,
    Region::HK,
    Region::TW,
    Region::DE,
    Region::JP,
    Region::IN,
    Region::BR,
    Region::AU,
];

fn phone_like() -> BoxedStrategy<String> {
    prop_oneof![
        typed_text(),
        numberish(),
        "[0-9 +\\-()./]{0,30}",
        "\\+?[0-9]{1,40}",
        "(\\+86|0086|86)?[ -]?1[3-9][0-9]{9}",
        "[０-９＋ ]{0,15}",
        "[٠-٩]{5,12}",
        "\\+[0-9]{1,3}[ -]?[0-9]{2,5}[ -]?[0-9]{2,5}[ -]?[0-9]{0,6}",
        "(tel:|\\+|00|0|\\*|#){0,3}[0-9]{0,20}(;ext=|x|#)[0-9]{0,10}",
    ]
    .boxed()
}

/// E.164 form: `+`, a country code not starting with 0, then digits only. (E.164 allows 15
/// digits, but libphonenumber's metadata, which decides validity, accepts some longer numbers:
/// `+4918000000000000` in Germany, `+811200000000000000` in Japan; its national numbers have at
/// most 17 digits, country codes 3.)
fn is_e164(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or("");
    (2..=20).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[test]
fn phone_numbers_parse_without_panic_to_stable_e164() {
    let strategy = (phone_like(), prop::sample::select(REGIONS.to_vec()));
    fuzz(
        "phone",
        cases(5000),
        strategy,
        |(input, region): (String, Region)| {
            let _ = phone::region(&input);
            let Ok(phone) = Phone::parse(&input, region) else {
                return Ok(());
            };
            prop_assert!(is_e164(phone.as_str()), "{:?} → {}", input, phone.as_str());
            // Normalising a normalised number changes nothing.
            prop_assert_eq!(Phone::parse(phone.as_str(), region), Ok(phone.clone()));
            // The masked form and Debug never show the whole number.
            let digits = &phone.as_str()[1..];
            prop_assert!(
                phone
                    .masked()
                    .ends_with(&digits[digits.len().saturating_sub(4)..])
            );
            let debug = format!("{phone:?}");
            prop_assert!(!debug.contains(digits), "Debug shows {}", debug);
            Ok(())
        },
    );
}

#[test]
fn a_chinese_mobile_number_means_the_same_in_every_usual_spelling() {
    let strategy = ("1[3-9][0-9]{9}", 0usize..8);
    fuzz(
        "phone_spellings",
        cases(3000),
        strategy,
        |(national, spelling): (String, usize)| {
            let (a, b, c) = (&national[..3], &national[3..7], &national[7..]);
            let written = match spelling {
                0 => format!("{a} {b} {c}"),
                1 => format!("{a}-{b}-{c}"),
                2 => format!("+86 {a} {b} {c}"),
                3 => format!("+86{national}"),
                4 => format!("0086 {national}"),
                5 => format!("86{national}"),
                6 => format!(" {national}\u{3000}"),
                _ => format!("+86-{a}-{b}-{c}"),
            };
            let plain = Phone::parse(&national, Region::CN).ok();
            prop_assert_eq!(
                Phone::parse(&written, Region::CN).ok(),
                plain.clone(),
                "{} vs {}",
                written,
                national
            );
            if let Some(phone) = plain {
                prop_assert_eq!(phone.as_str(), format!("+86{national}"));
            }
            Ok(())
        },
    );
}

#[test]
fn kpi_targets_parse_without_panic_and_re_parse_from_how_they_are_shown() {
    let text = prop_oneof![
        typed_text(),
        numberish(),
        "[0-9]{0,5}(\\.[0-9]{0,5})?[%％]?",
        "[ ]?[0-9]{1,3}(\\.[0-9]{1,2})? ?[%％ ]?",
    ];
    let strategy = (prop::sample::select(Kpi::ALL.to_vec()), text, typed_text());
    fuzz(
        "kpi_target",
        cases(5000),
        strategy,
        |(kpi, text, name): (Kpi, String, String)| {
            let _ = name.parse::<Kpi>();
            let Some(value) = kpi.parse_target(&text) else {
                return Ok(());
            };
            prop_assert!(value.is_finite() && value >= 0.0, "{} → {}", text, value);
            let in_range = match kpi {
                Kpi::VisitRate | Kpi::HandoverRate | Kpi::LeakageRate => value <= 1.0,
                Kpi::DefectsPerHousehold => value <= 1000.0,
                Kpi::Satisfaction => (1.0..=5.0).contains(&value),
            };
            prop_assert!(in_range, "{:?} {} → {}", kpi, text, value);
            // What /targets shows can be typed back.
            let shown = kpi.format(value);
            let again = kpi.parse_target(&shown);
            let tolerance = if kpi.is_percent() { 0.0005 } else { 0.005 } + 1e-9;
            prop_assert!(
                again.is_some_and(|v| (v - value).abs() <= tolerance),
                "{:?}: {} → {} shown as {} → {:?}",
                kpi,
                text,
                value,
                shown,
                again
            );
            Ok(())
        },
    );
}

#[test]
fn names_people_type_for_enums_parse_without_panic() {
    fuzz("enum_names", cases(5000), typed_text(), |text: String| {
        let _ = text.parse::<Kpi>();
        let _ = text.parse::<Role>();
        let _ = text.parse::<Lang>();
        let _ = Lang::from_telegram(&text);
        let _ = text.parse::<Tier>();
        let _ = text.parse::<RiskFlag>();
        let _ = text.parse::<Seniority>();
        let _ = text.parse::<SlotKind>();
        let _ = text.parse::<Category>();
        let _ = text.parse::<Severity>();
        let _ = text.parse::<Room>();
        let _ = text.parse::<Topic>();
        let _ = text.parse::<Level>();
        let _ = text.parse::<FollowUpKind>();
        let _ = text.parse::<DefectStatus>();
        Ok(())
    });
}

#[test]
fn every_enum_reads_back_its_own_name() {
    for kpi in Kpi::ALL {
        assert_eq!(kpi.as_str().parse::<Kpi>(), Ok(kpi));
    }
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
    }
    for lang in Lang::ALL {
        assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
    }
    for tier in Tier::ALL {
        assert_eq!(tier.as_str().parse::<Tier>(), Ok(tier));
    }
    for flag in RiskFlag::ALL {
        assert_eq!(flag.as_str().parse::<RiskFlag>(), Ok(flag));
    }
    for seniority in [Seniority::Regular, Seniority::Senior] {
        assert_eq!(seniority.as_str().parse::<Seniority>(), Ok(seniority));
    }
    for kind in [SlotKind::Inspection, SlotKind::Handover] {
        assert_eq!(kind.as_str().parse::<SlotKind>(), Ok(kind));
    }
    for category in Category::ALL {
        assert_eq!(category.as_str().parse::<Category>(), Ok(category));
    }
    for severity in Severity::ALL {
        assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
    }
    for room in Room::ALL {
        assert_eq!(room.as_str().parse::<Room>(), Ok(room));
    }
    for topic in Topic::ALL {
        assert_eq!(topic.as_str().parse::<Topic>(), Ok(topic));
    }
    for level in Level::ALL {
        assert_eq!(level.as_str().parse::<Level>(), Ok(level));
    }
    for kind in FollowUpKind::ALL {
        assert_eq!(kind.as_str().parse::<FollowUpKind>(), Ok(kind));
    }
    for status in DefectStatus::ALL {
        assert_eq!(status.as_str().parse::<DefectStatus>(), Ok(status));
    }
}

#[test]
fn meter_readings_parse_without_panic_to_plain_decimals() {
    let strategy = prop_oneof![
        typed_text(),
        numberish(),
        "[0-9.,，。 ]{0,20}[a-zA-Z³度 ]{0,5}",
        "[0-9]{1,14}([.,][0-9]{0,4})? ?(m³|kWh|度|方)?",
    ];
    fuzz("meter_reading", cases(5000), strategy, |text: String| {
        let Some(reading) = parse_reading(&text) else {
            return Ok(());
        };
        let digits = reading.chars().filter(char::is_ascii_digit).count();
        prop_assert!((1..=12).contains(&digits), "{} → {}", text, reading);
        prop_assert!(reading.chars().all(|c| c.is_ascii_digit() || c == '.'));
        prop_assert!(reading.matches('.').count() <= 1);
        prop_assert!(!reading.starts_with('.') && !reading.ends_with('.'));
        prop_assert_eq!(parse_reading(&reading), Some(reading.clone()));
        Ok(())
    });
}

#[test]
fn checklist_item_lists_parse_without_panic_and_re_join() {
    let strategy = prop_oneof![
        typed_text(),
        "[a-z, ，]{0,80}",
        prop::collection::vec("[a-z_]{0,45}", 0..13).prop_map(|items| items.join(",")),
    ];
    fuzz("checklist_items", cases(3000), strategy, |text: String| {
        let Ok(items) = parse_items(&text) else {
            return Ok(());
        };
        prop_assert!(items.len() <= 10);
        for item in &items {
            prop_assert!(!item.is_empty() && item.chars().count() <= 40);
            prop_assert_eq!(item.as_str(), item.trim());
        }
        prop_assert_eq!(parse_items(&items.join(",")), Ok(items));
        Ok(())
    });
}

#[test]
fn cadence_warranty_and_fix_day_lists_parse_without_panic_and_re_render() {
    let key = prop_oneof![
        prop::sample::select(vec![
            "thanks",
            "check",
            "survey",
            "checkin",
            "year_end",
            "defect_digest",
            "leakage",
            "electrical",
            "plumbing",
            "*",
            "urgent",
            "high",
            "normal",
            "low",
            "",
        ])
        .prop_map(str::to_string),
        "[a-z]{0,6}",
        ".{0,3}",
    ];
    let value = prop_oneof![
        numberish(),
        "[0-9]{1,5}[yYmM]",
        "[0-9]{0,4}[年月天yYmMdh时]",
        ".{0,4}",
    ];
    let pair = (key.clone(), value.clone(), any::<bool>()).prop_map(|(k, v, flip)| {
        if flip {
            format!("{v}={k}")
        } else {
            format!("{k}={v}")
        }
    });
    let strategy = prop_oneof![
        typed_text(),
        prop::collection::vec(pair, 0..6).prop_map(|parts| parts.join(",")),
    ];
    fuzz(
        "cadence_warranty_fix_days",
        cases(5000),
        strategy,
        |text: String| {
            if let Ok(steps) = Cadence::parse_steps(&text) {
                prop_assert!(steps.windows(2).all(|w| w[0].0 < w[1].0));
                for (day, kind) in &steps {
                    prop_assert!((1..=3650).contains(day));
                    prop_assert_ne!(*kind, FollowUpKind::DefectDigest);
                }
                let shown: Vec<String> = steps
                    .iter()
                    .map(|(day, kind)| format!("{day}={}", kind.as_str()))
                    .collect();
                prop_assert_eq!(Cadence::parse_steps(&shown.join(",")), Ok(steps));
            }
            if let Ok(warranty) = Warranty::parse(&text) {
                let mut shown = vec![format!("*={}m", warranty.default_months)];
                for category in Category::ALL {
                    let months = warranty.months(category);
                    prop_assert!((1..=1200).contains(&months));
                    shown.push(format!("{}={months}m", category.as_str()));
                }
                let again = Warranty::parse(&shown.join(","));
                prop_assert!(again.is_ok(), "{:?}", again);
                if let Ok(again) = again {
                    for category in Category::ALL {
                        prop_assert_eq!(again.months(category), warranty.months(category));
                    }
                }
            }
            if let Ok(days) = FixDeadlines::parse(&text) {
                let all = [days.urgent, days.high, days.normal, days.low];
                prop_assert!(all.iter().all(|d| (1..=365).contains(d)));
                let shown = format!(
                    "urgent={},high={},normal={},low={}",
                    days.urgent, days.high, days.normal, days.low
                );
                prop_assert_eq!(FixDeadlines::parse(&shown), Ok(days));
            }
            Ok(())
        },
    );
}

const ZONES: [&str; 6] = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "UTC",
];

fn slot_spec_text() -> BoxedStrategy<String> {
    let date = prop_oneof![
        "20[0-9]{2}[-/][01]?[0-9][-/][0-3]?[0-9]",
        "[0-9+-]{1,8}[-/][0-9]{1,3}[-/][0-9]{1,3}",
        prop::sample::select(vec![
            "+262143-12-31",
            "262143-12-31",
            "-262144-01-01",
            "-262143-01-01",
            "0000-01-01",
            "9999-12-31",
            "2026-02-29",
            "2028-02-29",
            "2026-03-08",
            "2026-11-01",
            "2026-09-27",
            "2026-04-05",
        ])
        .prop_map(str::to_string),
        typed_text(),
    ];
    let time = prop_oneof![
        "[0-2]?[0-9]:[0-5][0-9]",
        "[0-9]{1,3}:[0-9]{1,3}",
        prop::sample::select(vec!["24:00", "00:00", "23:59", "02:30", "01:30", "1:5"])
            .prop_map(str::to_string),
        ".{0,3}",
    ];
    let capacity = prop_oneof![numberish(), (0u32..1100).prop_map(|n| n.to_string())];
    let kind = prop_oneof![
        prop::sample::select(vec![
            "",
            "inspection",
            "handover",
            "验房",
            "交付",
            "收房",
            "i",
            "h",
            "H",
            "x",
        ])
        .prop_map(str::to_string),
        typed_text(),
    ];
    prop_oneof![
        typed_text(),
        (
            date,
            time.clone(),
            prop::sample::select(vec!["-", "–", "—", " - ", ""]),
            time,
            capacity,
            kind
        )
            .prop_map(|(date, start, dash, end, capacity, kind)| {
                format!(" {date} {start}{dash}{end} {capacity} {kind}")
            }),
    ]
    .boxed()
}

#[test]
fn slot_specs_parse_without_panic_and_re_render() {
    let strategy = (slot_spec_text(), prop::sample::select(ZONES.to_vec()));
    let parsed = RefCell::new(0u32);
    let cases = cases(5000);
    fuzz(
        "slot_spec",
        cases,
        strategy,
        |(text, zone): (String, &str)| {
            let tz: Tz = zone.parse().map_err(|_| TestCaseError::fail("zone"))?;
            let Ok(spec) = parse_slot_spec(&text, tz) else {
                return Ok(());
            };
            *parsed.borrow_mut() += 1;
            prop_assert!((1..=1000).contains(&spec.capacity));
            prop_assert!(spec.ends_at > spec.starts_at, "{}: {:?}", text, spec);
            // The slot as the bot lists it, typed again, is the same slot.
            let (start, end) = (
                spec.starts_at.with_timezone(&tz),
                spec.ends_at.with_timezone(&tz),
            );
            let shown = format!(
                "{} {}-{} {} {}",
                start.format("%Y-%m-%d"),
                start.format("%H:%M"),
                end.format("%H:%M"),
                spec.capacity,
                spec.kind.as_str()
            );
            prop_assert_eq!(parse_slot_spec(&shown, tz), Ok(spec), "{}", shown);
            Ok(())
        },
    );
    if thorough(cases) {
        assert!(*parsed.borrow() > 0, "no generated slot was valid");
    }
}

#[test]
fn trailing_days_split_without_panic_and_re_render() {
    let today = prop_oneof![
        (1970i32..2100, 1u32..=366).prop_map(|(y, d)| {
            NaiveDate::from_yo_opt(y, d)
                .unwrap_or(NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default())
        }),
        prop::sample::select(vec![
            NaiveDate::MAX,
            NaiveDate::MIN,
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default(),
            NaiveDate::from_ymd_opt(2028, 2, 29).unwrap_or_default(),
            NaiveDate::from_ymd_opt(262_143, 2, 28).unwrap_or_default(),
        ]),
    ];
    let text = prop_oneof![
        typed_text(),
        (
            "[a-zA-Z王芳 ]{0,12}",
            "[0-9]{1,5}[-/][0-9]{1,3}([-/][0-9]{1,3})?"
        )
            .prop_map(|(name, day)| format!("{name} {day}")),
        (
            "[a-zA-Z ]{0,8}",
            "(0?[1-9]|1[0-2])[-/](0?[1-9]|[12][0-9]|3[01])"
        )
            .prop_map(|(name, day)| format!("{name} {day}")),
    ];
    fuzz(
        "trailing_day",
        cases(5000),
        (text, today),
        |(text, today): (String, NaiveDate)| {
            let words: Vec<&str> = text.split_whitespace().collect();
            let (name, day) = split_trailing_day(&text, today);
            let Some(day) = day else {
                prop_assert_eq!(name, words.join(" "));
                return Ok(());
            };
            prop_assert_eq!(&name, &words[..words.len() - 1].join(" "));
            let last = words[words.len() - 1];
            // A day without a year is the next such day from today.
            if last.split(['-', '/']).count() == 2 {
                prop_assert!(day >= today, "{} from {} → {}", last, today, day);
            }
            if (0..=9999).contains(&day.year()) {
                let shown = format!(
                    "{name} {:04}-{:02}-{:02}",
                    day.year(),
                    day.month(),
                    day.day()
                );
                prop_assert_eq!(split_trailing_day(&shown, today), (name, Some(day)));
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Settings (what an operator types into the environment or the TOML file)

const SETTINGS: usize = 43;

fn set_setting(settings: &mut Settings, which: usize, value: String) -> &'static str {
    let (field, variable) = match which % SETTINGS {
        0 => (&mut settings.bot_token, "HANDOVER_BOT_TOKEN"),
        1 => (&mut settings.database_url, "HANDOVER_DATABASE_URL"),
        2 => (&mut settings.telegram_api_url, "HANDOVER_TELEGRAM_API_URL"),
        3 => (&mut settings.bot_username, "HANDOVER_BOT_USERNAME"),
        4 => (&mut settings.timezone, "HANDOVER_TIMEZONE"),
        5 => (&mut settings.default_language, "HANDOVER_DEFAULT_LANGUAGE"),
        6 => (&mut settings.media_dir, "HANDOVER_MEDIA_DIR"),
        7 => (&mut settings.phone_region, "HANDOVER_PHONE_REGION"),
        8 => (&mut settings.project, "HANDOVER_PROJECT"),
        9 => (&mut settings.invite_ttl_hours, "HANDOVER_INVITE_TTL_HOURS"),
        10 => (&mut settings.max_import_bytes, "HANDOVER_MAX_IMPORT_BYTES"),
        11 => (&mut settings.webhook_url, "HANDOVER_WEBHOOK_URL"),
        12 => (&mut settings.webhook_secret, "HANDOVER_WEBHOOK_SECRET"),
        13 => (&mut settings.listen_addr, "HANDOVER_LISTEN_ADDR"),
        14 => (
            &mut settings.messages_per_sec_chat,
            "HANDOVER_MESSAGES_PER_SEC_CHAT",
        ),
        15 => (
            &mut settings.messages_per_sec_overall,
            "HANDOVER_MESSAGES_PER_SEC_OVERALL",
        ),
        16 => (
            &mut settings.housekeeping_cron,
            "HANDOVER_HOUSEKEEPING_CRON",
        ),
        17 => (&mut settings.claim_lease_secs, "HANDOVER_CLAIM_LEASE_SECS"),
        18 => (&mut settings.reminders, "HANDOVER_REMINDERS"),
        19 => (
            &mut settings.nudge_after_hours,
            "HANDOVER_NUDGE_AFTER_HOURS",
        ),
        20 => (
            &mut settings.change_cutoff_hours,
            "HANDOVER_CHANGE_CUTOFF_HOURS",
        ),
        21 => (
            &mut settings.no_show_grace_minutes,
            "HANDOVER_NO_SHOW_GRACE_MINUTES",
        ),
        22 => (&mut settings.key_buyers_late, "HANDOVER_KEY_BUYERS_LATE"),
        23 => (&mut settings.meeting_point, "HANDOVER_MEETING_POINT"),
        24 => (&mut settings.fix_days, "HANDOVER_FIX_DAYS"),
        25 => (&mut settings.confirm_fix_days, "HANDOVER_CONFIRM_FIX_DAYS"),
        26 => (
            &mut settings.defect_sweep_cron,
            "HANDOVER_DEFECT_SWEEP_CRON",
        ),
        27 => (
            &mut settings.defect_webhook_url,
            "HANDOVER_DEFECT_WEBHOOK_URL",
        ),
        28 => (
            &mut settings.defect_webhook_secret,
            "HANDOVER_DEFECT_WEBHOOK_SECRET",
        ),
        29 => (&mut settings.key_kinds, "HANDOVER_KEY_KINDS"),
        30 => (&mut settings.meters, "HANDOVER_METERS"),
        31 => (&mut settings.documents, "HANDOVER_DOCUMENTS"),
        32 => (&mut settings.follow_ups, "HANDOVER_FOLLOW_UPS"),
        33 => (&mut settings.follow_up_time, "HANDOVER_FOLLOW_UP_TIME"),
        34 => (
            &mut settings.digest_every_days,
            "HANDOVER_DIGEST_EVERY_DAYS",
        ),
        35 => (
            &mut settings.complaint_ack_hours,
            "HANDOVER_COMPLAINT_ACK_HOURS",
        ),
        36 => (
            &mut settings.group_complaint_households,
            "HANDOVER_GROUP_COMPLAINT_HOUSEHOLDS",
        ),
        37 => (
            &mut settings.group_complaint_days,
            "HANDOVER_GROUP_COMPLAINT_DAYS",
        ),
        38 => (&mut settings.warranty, "HANDOVER_WARRANTY"),
        39 => (&mut settings.font, "HANDOVER_FONT"),
        40 => (
            &mut settings.daily_digest_cron,
            "HANDOVER_DAILY_DIGEST_CRON",
        ),
        41 => (&mut settings.digest_chat, "HANDOVER_DIGEST_CHAT"),
        _ => (&mut settings.log, "HANDOVER_LOG"),
    };
    *field = Some(value);
    variable
}

#[test]
fn every_setting_resolves_or_names_its_variable_without_panic() {
    let value = prop_oneof![
        typed_text(),
        numberish(),
        "[0-9]{1,6}[a-zA-Z时天分年月]{0,2}(,[0-9]{1,6}[a-zA-Z时天分年月]{0,2}){0,3}",
        "[0-9*/,? LW#-]{0,30}",
        "[a-z]{1,8}=[0-9]{1,5}[a-zA-Z年月天]{0,2}(,[a-z*]{1,8}=[0-9]{1,5}[a-zA-Z年]{0,2}){0,3}",
        "(https?|ftp|sqlite|postgres)://[a-z0-9:@./%-]{0,30}",
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}:[0-9]{0,6}",
    ];
    fuzz(
        "settings",
        cases(3000),
        (0..SETTINGS, value),
        |(which, value): (usize, String)| {
            let mut settings = Settings::default();
            let variable = set_setting(&mut settings, which, value.clone());
            if variable == "HANDOVER_DEFECT_WEBHOOK_URL" {
                // Documented: the URL needs its secret.
                settings.defect_webhook_secret = Some("secret".to_string());
            }
            if let Err(error) = Config::resolve(settings) {
                prop_assert_eq!(error.variable.as_str(), variable, "{:?}: {}", value, error);
            }
            Ok(())
        },
    );
}

/// What the targets above found, kept as plain examples.
#[test]
fn inputs_the_fuzzers_found_are_refused_politely() {
    // A unit that is not one byte used to split the text inside a character (a panic).
    assert!(Warranty::parse("leakage=5年").is_err());
    assert!(Cadence::parse_steps("1=thanks").is_ok());
    let settings = Settings {
        reminders: Some("2小时".to_string()),
        ..Settings::default()
    };
    assert_eq!(
        Config::resolve(settings)
            .map(|_| ())
            .map_err(|e| e.variable),
        Err("HANDOVER_REMINDERS".to_string())
    );
    // A number libphonenumber accepts but whose E.164 form it reads as another number: stored,
    // it could never match the person's Telegram contact.
    assert!(Phone::parse("000066000000", Region::JP).is_err());
    // Read as +35310000000 (two digits fewer), which the parser then cannot read back.
    assert!(Phone::parse("+3531110000000", Region::US).is_err());
    assert_eq!(
        Phone::parse("090-1234-5678", Region::JP).map(|p| p.as_str().to_string()),
        Ok("+819012345678".to_string())
    );
}

// ---------------------------------------------------------------------------------------------
// 3. CSV and XLSX import

const KINDS: [Option<ImportKind>; 4] = [
    None,
    Some(ImportKind::Buyers),
    Some(ImportKind::Staff),
    Some(ImportKind::Slots),
];

/// How `Cell::text` trims a cell (and so a header) before it is reported.
fn cell_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}

/// What every import result must satisfy: rows that keep the documented invariants, or errors
/// that name their line (and, for cells, a column of the header row).
fn check_import(
    result: &Result<Parsed, ImportError>,
    headers: Option<&[String]>,
) -> Result<(), TestCaseError> {
    match result {
        Ok(parsed) => {
            prop_assert!(!parsed.is_empty(), "Ok without rows");
            let lines: Vec<usize> =
                match parsed {
                    Parsed::Buyers(rows) => {
                        for row in rows {
                            prop_assert!(is_e164(row.phone.as_str()), "{:?}", row);
                            prop_assert!(
                                !row.name.is_empty() && row.name.chars().count() <= MAX_NAME_LEN
                            );
                            prop_assert!(
                                !row.building.is_empty()
                                    && row.building.chars().count() <= MAX_PLACE_LEN
                            );
                            prop_assert!(
                                !row.room.is_empty() && row.room.chars().count() <= MAX_PLACE_LEN
                            );
                            prop_assert!(row.entrance.chars().count() <= MAX_PLACE_LEN);
                            prop_assert!(row.project.as_ref().is_none_or(
                                |p| !p.is_empty() && p.chars().count() <= MAX_PROJECT_LEN
                            ));
                            prop_assert!(
                                row.mailing_address
                                    .as_ref()
                                    .is_none_or(|a| a.chars().count() <= MAX_ADDRESS_LEN)
                            );
                            prop_assert!(row.risk_flags.windows(2).all(|w| w[0] != w[1]));
                        }
                        rows.iter().map(|r| r.line).collect()
                    }
                    Parsed::Staff(rows) => {
                        for row in rows {
                            prop_assert!(
                                !row.name.is_empty() && row.name.chars().count() <= MAX_NAME_LEN
                            );
                            prop_assert!(!row.roles.is_empty(), "{:?}", row);
                            prop_assert!(row.phone.as_ref().is_none_or(|p| is_e164(p.as_str())));
                            prop_assert!(row.capacity.is_none_or(|c| (1..=10_000).contains(&c)));
                            prop_assert!(
                                row.buildings
                                    .iter()
                                    .all(|b| !b.is_empty() && b.chars().count() <= MAX_PLACE_LEN)
                            );
                        }
                        rows.iter().map(|r| r.line).collect()
                    }
                    Parsed::Slots(rows) => {
                        for row in rows {
                            prop_assert!(row.end > row.start, "{:?}", row);
                            prop_assert!((1..=1000).contains(&row.capacity));
                        }
                        rows.iter().map(|r| r.line).collect()
                    }
                    Parsed::Risks(rows) => {
                        for row in rows {
                            prop_assert!(!row.difference.is_empty(), "{:?}", row);
                        }
                        rows.iter().map(|r| r.line).collect()
                    }
                    Parsed::Answers(rows) => {
                        for row in rows {
                            prop_assert!(
                                !row.question.is_empty() && !row.text_zh.is_empty(),
                                "{:?}",
                                row
                            );
                        }
                        rows.iter().map(|r| r.line).collect()
                    }
                };
            prop_assert!(lines.iter().all(|l| *l >= 1));
        }
        Err(ImportError::Rows { errors, total_bad }) => {
            prop_assert!(!errors.is_empty());
            prop_assert!(errors.len() <= MAX_REPORTED_ERRORS);
            prop_assert!(*total_bad >= errors.len());
            prop_assert!(errors.windows(2).all(|w| w[0].line <= w[1].line));
            for error in errors {
                prop_assert!(error.line >= 1, "{:?}", error);
                prop_assert!(
                    !error.column.is_empty(),
                    "a row error names no column: {:?}",
                    error
                );
                let shown = error.to_string();
                prop_assert!(shown.contains(&format!("line {}", error.line)), "{}", shown);
                prop_assert!(shown.contains(&error.column), "{}", shown);
                if let Some(headers) = headers {
                    prop_assert!(
                        headers.iter().any(|h| cell_trim(h) == error.column),
                        "{:?} is not a header of {:?}",
                        error.column,
                        headers
                    );
                }
            }
        }
        Err(ImportError::Csv { line, .. } | ImportError::NotUtf8 { line }) => {
            prop_assert!(*line >= 1);
        }
        Err(ImportError::MissingColumns { columns, .. }) => {
            prop_assert!(!columns.is_empty());
        }
        Err(ImportError::DuplicateColumn { column }) => {
            prop_assert!(!column.is_empty());
        }
        Err(
            ImportError::Empty
            | ImportError::UnknownKind
            | ImportError::Spreadsheet { .. }
            | ImportError::UnpacksTooLarge { .. }
            | ImportError::TooManyRows { .. },
        ) => {}
    }
    Ok(())
}

fn hostile_bytes() -> BoxedStrategy<Vec<u8>> {
    let prefix = prop::sample::select(vec![
        Vec::new(),
        b"\xEF\xBB\xBF".to_vec(),
        b"\xFF\xFE".to_vec(),
        b"\xFE\xFF".to_vec(),
        b"PK\x03\x04".to_vec(),
        b"PK\x05\x06".to_vec(),
        "building,room,name,phone\n".as_bytes().to_vec(),
        "name,phone,roles\n".as_bytes().to_vec(),
        "date,start,end,capacity\n".as_bytes().to_vec(),
        "楼栋,房号,姓名,手机号\n".as_bytes().to_vec(),
    ]);
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        "[a-z0-9,;\t\"\n\r 　，+-]{0,300}".prop_map(String::into_bytes),
        ".{0,200}".prop_map(String::into_bytes),
        prop::collection::vec(
            prop_oneof![0x80u8..=0xFF, 0x20u8..0x7F, Just(b'\n')],
            0..300
        ),
    ];
    (prefix, body)
        .prop_map(|(mut prefix, body)| {
            prefix.extend(body);
            prefix
        })
        .boxed()
}

#[test]
fn import_of_arbitrary_bytes_never_panics() {
    let strategy = (
        hostile_bytes(),
        prop::sample::select(vec![FileFormat::Csv, FileFormat::Xlsx]),
        prop::sample::select(KINDS.to_vec()),
    );
    fuzz(
        "import_bytes",
        cases(3000),
        strategy,
        |(bytes, format, kind): (Vec<u8>, FileFormat, Option<ImportKind>)| {
            let result = import::parse(&bytes, format, kind, Region::CN);
            check_import(&result, None)
        },
    );
}

/// A spreadsheet-like table: a kind's headers in random spellings and order, unknown columns,
/// title rows, and data cells mixing good and bad values.
#[derive(Debug, Clone)]
struct Table {
    kind: Option<ImportKind>,
    /// Rows before the header (titles), the header, then data rows.
    rows: Vec<Vec<String>>,
    header_row: usize,
    /// Whether some data row has another number of fields than the header.
    ragged: bool,
}

impl Table {
    fn headers(&self) -> &[String] {
        &self.rows[self.header_row]
    }

    /// Whether CSV and XLSX must read this table identically: no line breaks inside cells (which
    /// move CSV line numbers), no characters XML cannot hold, same widths.
    fn plain(&self) -> bool {
        // A title row above the header with a `;` or a tab and no comma makes CSV sniffing pick
        // that separator (it looks at the first line that has any): a known limitation.
        let sniffable = self.rows[..self.header_row]
            .iter()
            .flatten()
            .all(|cell| !cell.contains([';', '\t']));
        sniffable
            && !self.ragged
            && self.rows.iter().flatten().all(|cell| {
                !cell.contains("_x")
                    && cell
                        .chars()
                        .all(|c| !c.is_control() && !('\u{FFFE}'..='\u{FFFF}').contains(&c))
            })
    }

    fn csv(&self) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        for row in &self.rows {
            if writer.write_record(row).is_err() {
                return Vec::new();
            }
        }
        writer.into_inner().unwrap_or_default()
    }

    /// The same table as a workbook; canonical integers are written as numbers, as a spreadsheet
    /// holds phone and room numbers.
    fn xlsx(&self) -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (r, row) in self.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let integer = cell.len() <= 15
                    && cell.bytes().all(|b| b.is_ascii_digit())
                    && (cell == "0" || !cell.starts_with('0'));
                let written = if integer {
                    sheet
                        .write_number(r as u32, c as u16, cell.parse::<f64>().unwrap_or(0.0))
                        .map(|_| ())
                } else {
                    sheet.write_string(r as u32, c as u16, cell).map(|_| ())
                };
                if written.is_err() {
                    return Vec::new();
                }
            }
        }
        workbook.save_to_buffer().unwrap_or_default()
    }
}

/// Cell values worth trying per column (canonical English name); `None` for any column.
fn cell_pool(column: Option<&str>) -> &'static [&'static str] {
    match column {
        Some("project") => &["翠湖", "Harbour", "", "  ", "项目🏠"],
        Some("building" | "entrance" | "room") => {
            &["1", "12", "A座", "3-2", "1502", "", " 7 ", "0"]
        }
        Some("name") => &["王芳", "Li Lei", "", "<b>&amp;</b>", "=1+1", "'"],
        Some("phone") => &[
            "13800000001",
            "+86 139 0000 0002",
            "0086-137-0000-0003",
            "138 0013 8000",
            "12345",
            "",
            "+1 202 555 0100",
            "hello",
            "１３８００００００１",
            "13800000001.0",
            "8613800138000",
        ],
        Some("tier") => &["A+", "A", "B", "C", "A+类", "B类客户", "D", "", "a plus"],
        Some("risk_flags") => &[
            "群诉",
            "群诉、挑头",
            "media;gov",
            "无",
            "foo",
            "|,|",
            "",
            "-",
        ],
        Some("mailing_address") => &["上海市 1 号", "", "No. 5, Road"],
        Some("language") => &["zh-CN", "en", "fr", "", "中文"],
        Some("roles") => &[
            "ambassador",
            "交付大使,工程师",
            "supervisor|admin",
            "chef",
            "",
            "backup",
            "complaints",
        ],
        Some("seniority") => &["senior", "资深", "是", "TRUE", "FALSE", "maybe", ""],
        Some("capacity") => &[
            "1",
            "10000",
            "10001",
            "0",
            "-1",
            "abc",
            "1000",
            "1001",
            "",
            "5",
            "99999999999999999999",
        ],
        Some("buildings") => &["1,2,3", "1、1", "", "A；B"],
        Some("date") => &[
            "2026-12-01",
            "2026/12/01",
            "2026.12.01",
            "46357",
            "0",
            "1e9",
            "2026-02-30",
            "",
            "100001",
            "-5",
            "NaN",
        ],
        Some("start" | "end") => &[
            "09:00",
            "9:00",
            "10:30",
            "09:00:00",
            "0.375",
            "0.99999999",
            "1",
            "24:00",
            "25:61",
            "",
            "inf",
            "-0.5",
            "10：00",
        ],
        Some("kind") => &["inspection", "验房", "handover", "交付", "x", ""],
        _ => &["", "#N/A", "#REF!", "x", "  ", "\u{200B}", "备注", "1"],
    }
}

/// Builds a [`Table`] from a stream of random numbers and random strings, so one strategy covers
/// every kind, header spelling, order and cell without a tower of dependent strategies.
fn build_table(kind_at: usize, picks: &[u32], strings: &[String], rows: usize) -> Table {
    let mut at = 0usize;
    let mut next = |n: usize| -> usize {
        let value = picks[at % picks.len()] as usize;
        at += 1;
        if n == 0 { 0 } else { value % n }
    };
    let kind = [ImportKind::Buyers, ImportKind::Staff, ImportKind::Slots][kind_at % 3];
    let mut columns: Vec<(Option<&'static str>, String)> = Vec::new();
    for (canonical, spellings, required) in import::header_aliases(kind) {
        let keep = if required { next(10) < 9 } else { next(10) < 6 };
        if !keep {
            continue;
        }
        let spelling = spellings[next(spellings.len())];
        let header = match next(8) {
            0 => spelling.to_uppercase(),
            1 => format!("  {spelling} "),
            2 => format!("{spelling}*"),
            3 => format!("{spelling}（必填）"),
            4 => format!("* {spelling}"),
            _ => spelling.to_string(),
        };
        columns.push((Some(canonical), header));
        // Now and then the same column twice.
        if next(40) == 0 {
            columns.push((Some(canonical), spelling.to_string()));
        }
    }
    for _ in 0..next(3) {
        let header = match next(3) {
            0 => "备注".to_string(),
            1 => strings[next(strings.len())].clone(),
            _ => "note".to_string(),
        };
        columns.push((None, header));
    }
    // Shuffle the columns.
    for i in (1..columns.len()).rev() {
        let j = next(i + 1);
        columns.swap(i, j);
    }
    let mut table_rows: Vec<Vec<String>> = Vec::new();
    for _ in 0..next(4).saturating_sub(1) {
        table_rows.push(match next(3) {
            0 => vec!["交付名单".to_string()],
            1 => vec![String::new()],
            _ => vec![strings[next(strings.len())].clone()],
        });
    }
    let header_row = table_rows.len();
    table_rows.push(columns.iter().map(|(_, h)| h.clone()).collect());
    let mut ragged = false;
    for _ in 0..rows {
        let mut row: Vec<String> = columns
            .iter()
            .map(|(canonical, _)| {
                if next(8) == 0 {
                    strings[next(strings.len())].clone()
                } else {
                    let pool = cell_pool(*canonical);
                    pool[next(pool.len())].to_string()
                }
            })
            .collect();
        if next(30) == 0 {
            ragged = true;
            if next(2) == 0 {
                row.push("extra".to_string());
            } else {
                row.pop();
            }
        }
        table_rows.push(row);
    }
    Table {
        // Usually the caller does not say; now and then it says, rightly or wrongly.
        kind: match next(6) {
            0 | 1 => Some(kind),
            2 => KINDS[next(4)],
            _ => None,
        },
        rows: table_rows,
        header_row,
        ragged,
    }
}

fn table() -> impl Strategy<Value = Table> {
    (
        0usize..3,
        prop::collection::vec(any::<u32>(), 16..200),
        prop::collection::vec(
            prop_oneof![".{0,12}", "[ -~]{0,12}", "[\n\r\",;\t ]{1,4}"],
            1..8,
        ),
        0usize..12,
    )
        .prop_map(|(kind, picks, strings, rows)| {
            // `_x` before a multi-byte character crashes the workbook writer this test uses
            // (rust_xlsxwriter 0.79); the export works around it, see the export target below.
            let strings: Vec<String> = strings.iter().map(|s| s.replace("_x", "_y")).collect();
            build_table(kind, &picks, &strings, rows)
        })
}

#[test]
fn import_of_generated_tables_gives_rows_or_named_cells_alike_in_csv_and_xlsx() {
    let outcomes = RefCell::new((0u32, 0u32));
    let cases = cases(600);
    fuzz("import_tables", cases, table(), |table: Table| {
        let csv = import::parse(&table.csv(), FileFormat::Csv, table.kind, Region::CN);
        check_import(&csv, Some(table.headers()))?;
        let xlsx = import::parse(&table.xlsx(), FileFormat::Xlsx, table.kind, Region::CN);
        check_import(&xlsx, Some(table.headers()))?;
        if table.plain() {
            prop_assert_eq!(&csv, &xlsx, "the same table read differently:\n{:?}", table);
        }
        let mut outcomes = outcomes.borrow_mut();
        match csv {
            Ok(_) => outcomes.0 += 1,
            Err(ImportError::Rows { .. }) => outcomes.1 += 1,
            Err(_) => {}
        }
        Ok(())
    });
    if thorough(cases) {
        let (ok, rows) = *outcomes.borrow();
        assert!(
            ok > 0 && rows > 0,
            "the generator should reach both accepted files ({ok}) and row errors ({rows})"
        );
    }
}

#[test]
fn import_of_damaged_workbooks_never_panics() {
    let strategy = (
        table(),
        prop::collection::vec((0usize..5, any::<usize>(), any::<u8>(), 0usize..64), 1..4),
    );
    fuzz(
        "import_damaged_xlsx",
        cases(400),
        strategy,
        |(table, damage): (Table, Vec<(usize, usize, u8, usize)>)| {
            let mut bytes = table.xlsx();
            for (op, at, byte, len) in damage {
                if bytes.is_empty() {
                    break;
                }
                let at = at % bytes.len();
                match op {
                    0 => bytes.truncate(at),
                    1 => bytes[at] ^= byte | 1,
                    2 => {
                        let end = (at + len).min(bytes.len());
                        bytes[at..end].fill(byte);
                    }
                    3 => {
                        let end = (at + len).min(bytes.len());
                        let chunk = bytes[at..end].to_vec();
                        bytes.splice(at..at, chunk);
                    }
                    _ => {
                        let end = (at + len).min(bytes.len());
                        bytes.drain(at..end);
                    }
                }
            }
            let result = import::parse(&bytes, FileFormat::Xlsx, table.kind, Region::CN);
            check_import(&result, Some(table.headers()))
        },
    );
}

// A minimal workbook written by hand (stored, uncompressed zip), so the fuzzer can reach the
// spreadsheet reader with crafted XML: the damaged workbooks above mostly stop at the zip's
// checksums.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn stored_zip(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let (crc, size, name_len) = (crc32(data), data.len() as u32, name.len() as u16);
        // Local file header: version 2.0, no flags, stored, 1980-01-01 00:00.
        out.extend(0x0403_4b50u32.to_le_bytes());
        for field in [20u16, 0, 0, 0, 0x21] {
            out.extend(field.to_le_bytes());
        }
        for field in [crc, size, size] {
            out.extend(field.to_le_bytes());
        }
        out.extend(name_len.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(data);
        // Central directory entry.
        central.extend(0x0201_4b50u32.to_le_bytes());
        for field in [20u16, 20, 0, 0, 0, 0x21] {
            central.extend(field.to_le_bytes());
        }
        for field in [crc, size, size] {
            central.extend(field.to_le_bytes());
        }
        for field in [name_len, 0, 0, 0, 0] {
            central.extend(field.to_le_bytes());
        }
        central.extend(0u32.to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let (central_offset, central_size) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    let count = files.len() as u16;
    for field in [0u16, 0, count, count] {
        out.extend(field.to_le_bytes());
    }
    out.extend(central_size.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// A workbook with one sheet whose `<sheetData>` and shared strings are given as XML.
fn handmade_xlsx(dimension: &str, sheet_data: &str, shared: &[String]) -> Vec<u8> {
    let content_types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
    );
    let package_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let workbook_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    let strings: String = shared.iter().map(|s| format!("<si>{s}</si>")).collect();
    let shared_strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{n}" uniqueCount="{n}">{strings}</sst>"#,
        n = shared.len()
    );
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    stored_zip(&[
        ("[Content_Types].xml", content_types.into_bytes()),
        ("_rels/.rels", package_rels.into_bytes()),
        ("xl/workbook.xml", workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.into_bytes()),
        ("xl/sharedStrings.xml", shared_strings.into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ])
}

/// An inline-string cell.
fn inline_cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

#[test]
fn the_handmade_workbook_reads_like_one_from_a_spreadsheet_program() {
    // Without this, the crafted-XML target below could be fuzzing a file the reader refuses at
    // the zip level, proving nothing.
    let header = ["building", "room", "name", "phone"];
    let values = ["1", "101", "王芳", "13800000001"];
    let mut data = String::from(r#"<row r="1">"#);
    for i in 0..header.len() {
        data.push_str(&format!(
            r#"<c r="{}1" t="s"><v>{i}</v></c>"#,
            (b'A' + i as u8) as char
        ));
    }
    data.push_str(r#"</row><row r="2">"#);
    for (i, v) in values.iter().enumerate() {
        let reference = format!("{}2", (b'A' + i as u8) as char);
        if i == 3 {
            data.push_str(&format!(r#"<c r="{reference}"><v>{v}</v></c>"#));
        } else {
            data.push_str(&inline_cell(&reference, v));
        }
    }
    data.push_str("</row>");
    let shared: Vec<String> = header.iter().map(|h| format!("<t>{h}</t>")).collect();
    let bytes = handmade_xlsx("A1:D2", &data, &shared);
    let parsed = import::parse(&bytes, FileFormat::Xlsx, None, Region::CN);
    match parsed {
        Ok(Parsed::Buyers(rows)) => {
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].name, "王芳");
            assert_eq!(rows[0].phone.as_str(), "+8613800000001");
            assert_eq!(rows[0].line, 2);
        }
        other => panic!("the handmade workbook does not read: {other:?}"),
    }
}

#[test]
fn a_cell_far_beyond_the_last_column_is_refused_without_exhausting_memory() {
    // "ZZZZZZ1" is column 321 272 406: reading it into a row of cells would take gigabytes.
    for reference in ["ZZZZZZ1", "XFE1", "FXSHRXW1"] {
        let data = format!(
            r#"<row r="1">{}{}</row>"#,
            inline_cell("A1", "name"),
            inline_cell(reference, "x")
        );
        let bytes = handmade_xlsx("A1", &data, &[]);
        let result = import::parse(&bytes, FileFormat::Xlsx, None, Region::CN);
        assert!(
            matches!(result, Err(ImportError::Spreadsheet { .. })),
            "{reference}: {result:?}"
        );
    }
}

fn crafted_reference() -> BoxedStrategy<String> {
    prop_oneof![
        ("[A-D]", 1u32..6).prop_map(|(c, r)| format!("{c}{r}")),
        prop::sample::select(vec![
            "A0",
            "",
            "1A",
            "a1",
            "Ａ1",
            "XFD1048576",
            "XFE1",
            "A1048577",
            "ZZZZZZ1",
            "AAAAAAAAAAAAAA1",
            "A99999999999",
            "A4294967295",
            "A4294967296",
            "$A$1",
            "A-1",
            "A 1",
            "R1C1",
        ])
        .prop_map(str::to_string),
        "[A-Z]{0,4}[0-9]{0,11}",
        ".{0,4}",
    ]
    .boxed()
}

fn crafted_text() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(vec![
            "building",
            "room",
            "name",
            "phone",
            "roles",
            "date",
            "start",
            "end",
            "capacity",
            "王芳",
            "13800000001",
            "101",
            "supervisor",
            "2026-12-01",
            "09:00",
            "10:00",
            "5",
            "&amp;",
            "&lt;",
            "&bogus;",
            "&#0;",
            "&#xFFFFFFFF;",
            "&#55296;",
            "_x0000_",
            "_xD800_",
            "<",
            "]]>",
            "<![CDATA[x]]>",
            "",
        ])
        .prop_map(str::to_string),
        "[a-z0-9 ]{0,8}",
        ".{0,6}",
    ]
    .boxed()
}

fn crafted_cell() -> BoxedStrategy<String> {
    let kind = prop::sample::select(vec![
        "",
        " t=\"s\"",
        " t=\"str\"",
        " t=\"inlineStr\"",
        " t=\"n\"",
        " t=\"b\"",
        " t=\"e\"",
        " t=\"d\"",
        " t=\"x\"",
    ]);
    let style = prop::sample::select(vec![
        "",
        " s=\"0\"",
        " s=\"1\"",
        " s=\"99999\"",
        " s=\"-1\"",
    ]);
    let value = prop_oneof![
        crafted_text().prop_map(|t| format!("<v>{t}</v>")),
        crafted_text().prop_map(|t| format!("<is><t>{t}</t></is>")),
        numberish().prop_map(|t| format!("<v>{t}</v>")),
        crafted_text().prop_map(|t| format!("<f>{t}</f><v>1</v>")),
        Just("<is><r><t>rich</t></r><r><t>text</t></r></is>".to_string()),
        Just(String::new()),
        crafted_text(),
    ];
    (
        prop::option::of(crafted_reference()),
        kind,
        style,
        value,
        0usize..8,
    )
        .prop_map(|(reference, kind, style, value, shape)| {
            let r = reference.map(|r| format!(" r=\"{r}\"")).unwrap_or_default();
            match shape {
                0 => format!("<c{r}{kind}{style}/>"),
                1 => format!("<c{r}{kind}{style}>{value}"),
                _ => format!("<c{r}{kind}{style}>{value}</c>"),
            }
        })
        .boxed()
}

fn crafted_sheet() -> impl Strategy<Value = (String, String, Vec<String>)> {
    let row = (
        prop::option::of(prop_oneof![
            (1u32..8).prop_map(|r| r.to_string()),
            numberish(),
        ]),
        prop::collection::vec(crafted_cell(), 0..6),
        0usize..10,
    )
        .prop_map(|(r, cells, shape)| {
            let r = r.map(|r| format!(" r=\"{r}\"")).unwrap_or_default();
            let cells = cells.concat();
            match shape {
                0 => cells,
                1 => format!("<row{r}>{cells}"),
                _ => format!("<row{r}>{cells}</row>"),
            }
        });
    (
        prop_oneof![
            crafted_reference(),
            "[A-Z0-9:]{0,12}".boxed(),
            Just("A1:D5".to_string()).boxed()
        ],
        prop::collection::vec(row, 0..8).prop_map(|rows| rows.concat()),
        prop::collection::vec(
            prop_oneof![
                crafted_text().prop_map(|t| format!("<t>{t}</t>")),
                crafted_text().prop_map(|t| format!("<r><t>{t}</t></r><r><t>x</t></r>")),
                crafted_text().prop_map(|t| format!("<t>{t}</t><rPh><t>ふりがな</t></rPh>")),
                crafted_text(),
            ],
            0..6,
        ),
    )
}

#[test]
fn import_of_crafted_spreadsheet_xml_never_panics() {
    fuzz(
        "import_crafted_xlsx",
        cases(1000),
        (crafted_sheet(), prop::sample::select(KINDS.to_vec())),
        |((dimension, data, shared), kind): ((String, String, Vec<String>), Option<ImportKind>)| {
            let bytes = handmade_xlsx(&dimension, &data, &shared);
            let result = import::parse(&bytes, FileFormat::Xlsx, kind, Region::CN);
            check_import(&result, None)
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The export writes what people typed into a workbook too

#[test]
fn export_of_arbitrary_text_never_panics() {
    use handover_bot::services::export::{Cell, Table, to_xlsx};
    let text = prop_oneof![
        typed_text(),
        "(_x|_x[0-9A-F]{0,4}_?|[a-z中文ࠀ€😀\u{b}]){0,8}",
        prop::sample::select(vec![
            "_x中文",
            "_x0ࠀ",
            "a_x_x中",
            "_x0000_",
            "_x005F_x中",
            "_x",
            "_x_x_x00中",
        ])
        .prop_map(str::to_string),
    ];
    fuzz(
        "export_text",
        cases(500),
        prop::collection::vec(text, 1..6),
        |texts: Vec<String>| {
            let table = Table {
                name: "buyers",
                header: vec!["name"],
                rows: texts.into_iter().map(|t| vec![Cell::Text(t)]).collect(),
            };
            let written = to_xlsx(&[table]);
            prop_assert!(written.is_ok(), "{:?}", written.err());
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Imported names with HTML's special characters, on every screen that shows them

/// Waits for a message to `person` after message `after` that shows `needle` (as a person
/// reads it). A screen Telegram refused never arrives, so the wait fails naming it.
async fn shows(
    app: &crate::support::app::TestApp,
    person: &crate::support::fake_telegram::User,
    after: i64,
    needle: &str,
) -> crate::support::fake_telegram::SentMessage {
    app.fake
        .wait_for_message(person.id, |m| {
            m.message_id > after && m.plain_text.contains(needle)
        })
        .await
}

fn last_id(
    app: &crate::support::app::TestApp,
    person: &crate::support::fake_telegram::User,
) -> i64 {
    app.fake
        .sent_messages(person.id)
        .last()
        .map_or(0, |m| m.message_id)
}

/// Sends `command` and waits for the screen that shows `needle`.
async fn screen(
    app: &crate::support::app::TestApp,
    person: &crate::support::fake_telegram::User,
    command: &str,
    needle: &str,
) -> crate::support::fake_telegram::SentMessage {
    let before = last_id(app, person);
    app.fake.send_text(person, command);
    shows(app, person, before, needle).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_html_characters_in_every_imported_field_show_on_every_screen() {
    use crate::support::people::link_by_contact;
    use crate::support::site::{Campaign, Site};
    use crate::support::steps::{
        button_data, describe_leak, photo, press_button, until, wait_saying,
    };
    let project = "P&<\"1\">";
    let (building, entrance, room) = ("A&B<栋>\"", "\"1\"&", "<101>&");
    let unit = format!("{building}-{entrance}-{room}");
    let (buyer_name, address) = ("王&<芳>\"", "路 <1> & \"2\"");
    let (ambassador_name, engineer_name, reception_name) = ("李&<雷>\"", "张&<工>\"", "孙&<杰>\"");
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let campaign = Site::new()
        .renamed("Li Lei", ambassador_name)
        .renamed("Zhang Gong", engineer_name)
        .renamed("Sun Jie", reception_name)
        .engineer_for(building)
        .reception()
        .buyers_file(&format!(
            "building,entrance,room,name,phone,tier,mailing_address\n\
             {},{},{},{},13900000000,B,{}\n",
            quote(building),
            quote(entrance),
            quote(room),
            quote(buyer_name),
            quote(address)
        ))
        .config(|config| config.project = project.to_string())
        .started()
        .await;

    // Supervisor: the plan names the building; the buyer and the ambassador are told.
    let plan = campaign.assign().await;
    assert!(plan.plain_text.contains(building), "{}", plan.plain_text);
    let Campaign {
        app,
        supervisor,
        ambassador,
        engineer,
        reception,
        ..
    } = campaign;
    screen(&app, &supervisor, "/ambassadors", building).await;
    screen(&app, &supervisor, &format!("/customer {unit}"), address).await;

    // Buyer.
    let buyer = app.fake.user(30_000, "B0");
    link_by_contact(&app, &buyer, "+86 13900000000").await;
    // The introduction follows the greeting by a moment.
    app.advance(chrono::Duration::seconds(3));
    shows(&app, &buyer, 0, ambassador_name).await;
    screen(&app, &buyer, "/myhome", &unit).await;
    screen(&app, &buyer, "/ambassador", ambassador_name).await;

    // Ambassador: households, the card, a walk-through, the list.
    screen(&app, &ambassador, "/customers", &unit).await;
    screen(&app, &ambassador, &format!("/customer {unit}"), buyer_name).await;
    screen(&app, &ambassador, &format!("/inspect {unit}"), &unit).await;
    describe_leak(&app, &ambassador).await;
    app.fake.send_photo(&ambassador, photo(1), None);
    let received = zh("inspect-photo-received", &[("count", 1i64.into())]);
    shows(&app, &ambassador, 0, &received).await;
    app.fake.send_text(&ambassador, "水槽 <下> & 漏水");
    press_button(&app, &ambassador, Callback::Inspect(InspectAction::Save)).await;
    press_button(&app, &ambassador, Callback::Inspect(InspectAction::Finish)).await;
    let finished = zh(
        "inspect-finished",
        &[
            ("unit", unit.as_str().into()),
            ("count", 1i64.into()),
            ("buyers", 1i64.into()),
        ],
    );
    shows(&app, &ambassador, 0, &finished).await;
    shows(&app, &buyer, 0, "水槽 <下> & 漏水").await;
    screen(&app, &ambassador, &format!("/defects {unit}"), &unit).await;

    // Engineer: told of the new defect, /tasks, the card, /defects.
    shows(&app, &engineer, 0, &unit).await;
    let tasks = screen(&app, &engineer, "/tasks", &unit).await;
    let card = button_data(&tasks, |c| matches!(c, Callback::DefectCard(_)));
    let before = last_id(&app, &engineer);
    app.fake.press_button(&engineer, &tasks, &card);
    shows(&app, &engineer, before, &unit).await;
    screen(&app, &engineer, &format!("/defects {unit}"), &unit).await;

    // Buyer: /mydefects; a complaint reaches reception, who list it.
    screen(&app, &buyer, "/mydefects", &unit).await;
    screen(&app, &buyer, "/complain", &fixed("complain-topic")).await;
    press_button(&app, &buyer, Callback::ComplainTopic(Topic::Leakage)).await;
    press_button(&app, &buyer, Callback::ComplainLevel(Level::Important)).await;
    shows(&app, &buyer, 0, &fixed("complain-describe")).await;
    app.fake.send_text(&buyer, "<渗水> & \"漏\"");
    wait_saying(&app, &buyer, "complain-filed").await;
    shows(&app, &reception, 0, &unit).await;
    screen(&app, &reception, "/complaints", &unit).await;
    screen(&app, &supervisor, "/complaints", &unit).await;

    // The deadline sweep: the engineer on the due day (08:00), the supervisor once it passed.
    app.advance(chrono::Duration::hours(23));
    until(&app, "the engineer's due-today list", || {
        app.fake.sent_messages(engineer.id).iter().any(|m| {
            m.plain_text.contains(&fixed("engineer-due-today")) && m.plain_text.contains(&unit)
        })
    })
    .await;
    app.advance(chrono::Duration::hours(2));
    until(&app, "the supervisor's overdue list", || {
        app.fake.sent_messages(supervisor.id).iter().any(|m| {
            m.plain_text.contains(&fixed("supervisor-overdue")) && m.plain_text.contains(&unit)
        })
    })
    .await;
    screen(&app, &supervisor, "/overdue", engineer_name).await;
    screen(&app, &supervisor, "/summary", "").await;
    screen(&app, &supervisor, &format!("/summary {building}"), building).await;
    screen(&app, &engineer, "/tasks", &unit).await;
    screen(&app, &supervisor, &format!("/customer {unit}"), address).await;
}
