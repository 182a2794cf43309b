//! An ambassador logging an early call to a key household, from its card: reached or not, then
//! the buyer's attitude, which of the register's risks the buyer raised, their concerns in
//! their words, and the next step.

use super::{Input, Step, valid_text};
use crate::domain::precontact::Attitude;
use serde::{Deserialize, Serialize};

/// The call as logged so far. Stored in the dialogue state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLog {
    pub unit: i64,
    /// The live risks that apply to the household, offered as buttons.
    #[serde(default)]
    pub offered: Vec<i64>,
    #[serde(default)]
    pub reached: Option<bool>,
    #[serde(default)]
    pub attitude: Option<Attitude>,
    /// The risks the buyer raised; `risks_done` once the choice is made.
    #[serde(default)]
    pub risks: Vec<i64>,
    #[serde(default)]
    pub risks_done: bool,
    /// `Some("")`: none.
    #[serde(default)]
    pub concerns: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Reached(bool),
    Attitude(Attitude),
    /// Choose (true) or leave out (false) a risk the buyer raised; the press carries the state
    /// it sets, so a press handled twice leaves it as pressed.
    Risk(i64, bool),
    /// The risks are chosen, or a text step has nothing to say.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Reached,
    Attitude,
    /// Which of the offered risks the buyer raised (the chosen ones marked).
    Risks,
    Concerns,
    NextStep,
    /// Log it; the conversation ends with the record.
    Save {
        log: CallLog,
        next_step: String,
    },
    InvalidText,
    UseButtons,
    TextExpected,
    Stale,
}

pub type CallStep = Step<CallLog, Ask>;

pub fn start(unit: i64, offered: Vec<i64>) -> CallStep {
    Step::go(
        CallLog {
            unit,
            offered,
            reached: None,
            attitude: None,
            risks: Vec::new(),
            risks_done: false,
            concerns: None,
        },
        Ask::Reached,
    )
}

/// The step being asked in `log`.
pub fn asking(log: &CallLog) -> Ask {
    match log {
        CallLog { reached: None, .. } => Ask::Reached,
        CallLog { attitude: None, .. } => Ask::Attitude,
        CallLog {
            risks_done: false, ..
        } if !log.offered.is_empty() => Ask::Risks,
        CallLog { concerns: None, .. } => Ask::Concerns,
        _ => Ask::NextStep,
    }
}

fn is_skip(text: &str) -> bool {
    matches!(text.trim(), "-" | "－" | "—" | "无")
}

/// The step after the attitude: the risks when some are offered, else the concerns.
fn after_attitude(log: &CallLog) -> Ask {
    if log.offered.is_empty() {
        Ask::Concerns
    } else {
        Ask::Risks
    }
}

pub fn next(log: CallLog, input: Input<Button>) -> CallStep {
    match (asking(&log), input) {
        (Ask::Reached, Input::Button(Button::Reached(false))) => Step::end(Ask::Save {
            log: CallLog {
                reached: Some(false),
                ..log
            },
            next_step: String::new(),
        }),
        (Ask::Reached, Input::Button(Button::Reached(true))) => Step::go(
            CallLog {
                reached: Some(true),
                ..log
            },
            Ask::Attitude,
        ),
        (Ask::Attitude, Input::Button(Button::Attitude(attitude))) => {
            let log = CallLog {
                attitude: Some(attitude),
                ..log
            };
            let ask = after_attitude(&log);
            Step::go(log, ask)
        }
        (Ask::Risks, Input::Button(Button::Risk(id, on))) if log.offered.contains(&id) => {
            let mut risks: Vec<i64> = log.risks.iter().copied().filter(|r| *r != id).collect();
            if on {
                risks.push(id);
                risks.sort_unstable();
            }
            Step::go(CallLog { risks, ..log }, Ask::Risks)
        }
        (Ask::Risks, Input::Button(Button::Done)) => Step::go(
            CallLog {
                risks_done: true,
                ..log
            },
            Ask::Concerns,
        ),
        (Ask::Concerns, Input::Button(Button::Done)) => Step::go(
            CallLog {
                concerns: Some(String::new()),
                ..log
            },
            Ask::NextStep,
        ),
        (Ask::NextStep, Input::Button(Button::Done)) => Step::end(Ask::Save {
            log,
            next_step: String::new(),
        }),
        (_, Input::Button(_)) => Step::stay(Ask::Stale),
        (Ask::Reached | Ask::Attitude | Ask::Risks, Input::Text(_)) => Step::stay(Ask::UseButtons),
        (Ask::Concerns | Ask::NextStep, Input::Text(text)) if is_skip(&text) => {
            next(log, Input::Button(Button::Done))
        }
        (Ask::Concerns, Input::Text(text)) => match valid_text(&text) {
            Some(text) => Step::go(
                CallLog {
                    concerns: Some(text),
                    ..log
                },
                Ask::NextStep,
            ),
            None => Step::stay(Ask::InvalidText),
        },
        (Ask::NextStep, Input::Text(text)) => match valid_text(&text) {
            Some(next_step) => Step::end(Ask::Save { log, next_step }),
            None => Step::stay(Ask::InvalidText),
        },
        (_, Input::Text(_)) => Step::stay(Ask::Stale),
        (_, Input::Photo { .. } | Input::Voice { .. } | Input::Other) => {
            Step::stay(Ask::TextExpected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Next;
    use super::*;

    fn go(step: CallStep) -> CallLog {
        match step.next {
            Next::Go(log) => log,
            other => panic!("expected a next state, got {other:?} ({:?})", step.ask),
        }
    }

    fn text(t: &str) -> Input<Button> {
        Input::Text(t.to_string())
    }

    #[test]
    fn an_unreached_call_is_logged_at_once() {
        let step = next(go(start(7, vec![])), Input::Button(Button::Reached(false)));
        assert_eq!(step.next, Next::End);
        let Ask::Save { log, .. } = step.ask else {
            panic!("expected save")
        };
        assert_eq!(log.reached, Some(false));
        assert_eq!(log.attitude, None);
    }

    #[test]
    fn a_reached_call_asks_attitude_risks_concerns_and_next_step() {
        let log = go(start(7, vec![3, 5]));
        let log = go(next(log, Input::Button(Button::Reached(true))));
        let step = next(log, Input::Button(Button::Attitude(Attitude::Hostile)));
        assert_eq!(step.ask, Ask::Risks);
        let log = go(step);
        let log = go(next(log, Input::Button(Button::Risk(5, true))));
        let log = go(next(log, Input::Button(Button::Risk(5, true))));
        assert_eq!(log.risks, vec![5]);
        assert_eq!(
            next(log.clone(), Input::Button(Button::Risk(9, true))),
            Step::stay(Ask::Stale)
        );
        let step = next(log, Input::Button(Button::Done));
        assert_eq!(step.ask, Ask::Concerns);
        let step = next(go(step), text("窗户和楼书不一样"));
        assert_eq!(step.ask, Ask::NextStep);
        let step = next(go(step), text("周五带图纸上门"));
        assert_eq!(step.next, Next::End);
        let Ask::Save { log, next_step } = step.ask else {
            panic!("expected save")
        };
        assert_eq!(log.attitude, Some(Attitude::Hostile));
        assert_eq!(log.concerns.as_deref(), Some("窗户和楼书不一样"));
        assert_eq!(next_step, "周五带图纸上门");
    }

    #[test]
    fn without_risks_to_offer_the_concerns_follow_the_attitude() {
        let log = go(next(
            go(start(7, vec![])),
            Input::Button(Button::Reached(true)),
        ));
        let step = next(log, Input::Button(Button::Attitude(Attitude::Calm)));
        assert_eq!(step.ask, Ask::Concerns);
        let step = next(go(step), text("-"));
        assert_eq!(step.ask, Ask::NextStep);
        let step = next(go(step), Input::Button(Button::Done));
        assert!(matches!(step.ask, Ask::Save { ref next_step, .. } if next_step.is_empty()));
    }

    #[test]
    fn out_of_turn_input_is_refused() {
        let log = go(start(7, vec![]));
        assert_eq!(next(log.clone(), text("hi")), Step::stay(Ask::UseButtons));
        assert_eq!(
            next(log.clone(), Input::Button(Button::Attitude(Attitude::Calm))),
            Step::stay(Ask::Stale)
        );
        assert_eq!(next(log, Input::Other), Step::stay(Ask::TextExpected));
    }
}
