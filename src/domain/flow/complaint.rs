//! A buyer filing a complaint about a home: the topic, then the level, then the words.

use super::{Input, Step, valid_text};
use crate::domain::aftercare::{Level, Topic};
use serde::{Deserialize, Serialize};

/// What the buyer has chosen so far. Stored in the dialogue state as
/// `{"step":"complaining","unit":…,"topic":…,"level":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub unit: i64,
    #[serde(default)]
    pub topic: Option<Topic>,
    #[serde(default)]
    pub level: Option<Level>,
}

/// The flow's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Topic(Topic),
    Level(Level),
}

/// What to ask or say next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Which topic (a button per topic).
    Topic,
    /// Which level, for this topic (a button per level).
    Level(Topic),
    /// The complaint's words.
    Describe,
    /// File it; the conversation ends with the record.
    File {
        unit: i64,
        topic: Topic,
        level: Level,
        text: String,
    },
    /// The words were empty or too long: say so and wait for them again.
    InvalidText,
    /// A message before topic and level were chosen: use the buttons.
    UseButtons,
    /// Something other than words where words are asked.
    TextExpected,
    /// A button that does not fit where the complaint is (an old message's).
    Stale,
}

pub type ComplaintStep = Step<Complaint, Ask>;

/// A new complaint about `unit`.
pub fn start(unit: i64) -> ComplaintStep {
    Step::go(
        Complaint {
            unit,
            topic: None,
            level: None,
        },
        Ask::Topic,
    )
}

pub fn next(state: Complaint, input: Input<Button>) -> ComplaintStep {
    match (input, state.topic, state.level) {
        (Input::Button(Button::Topic(topic)), None, _) => Step::go(
            Complaint {
                topic: Some(topic),
                level: None,
                ..state
            },
            Ask::Level(topic),
        ),
        (Input::Button(Button::Level(level)), Some(topic), None) => Step::go(
            Complaint {
                topic: Some(topic),
                level: Some(level),
                ..state
            },
            Ask::Describe,
        ),
        (Input::Button(_), ..) => Step::stay(Ask::Stale),
        (Input::Text(text), Some(topic), Some(level)) => match valid_text(&text) {
            Some(text) => Step::end(Ask::File {
                unit: state.unit,
                topic,
                level,
                text,
            }),
            None => Step::stay(Ask::InvalidText),
        },
        (Input::Text(_), ..) => Step::stay(Ask::UseButtons),
        (Input::Photo { .. } | Input::Voice { .. } | Input::Other, ..) => {
            Step::stay(Ask::TextExpected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MAX_TEXT_CHARS, Next};
    use super::*;

    fn at(topic: Option<Topic>, level: Option<Level>) -> Complaint {
        Complaint {
            unit: 7,
            topic,
            level,
        }
    }

    fn text(t: &str) -> Input<Button> {
        Input::Text(t.to_string())
    }

    #[test]
    fn starts_by_asking_the_topic() {
        assert_eq!(start(7), Step::go(at(None, None), Ask::Topic));
    }

    #[test]
    fn topic_then_level_then_words_file_it() {
        let step = next(at(None, None), Input::Button(Button::Topic(Topic::ALL[0])));
        assert_eq!(
            step,
            Step::go(at(Some(Topic::ALL[0]), None), Ask::Level(Topic::ALL[0]))
        );
        let step = next(
            at(Some(Topic::ALL[0]), None),
            Input::Button(Button::Level(Level::ALL[1])),
        );
        assert_eq!(
            step,
            Step::go(at(Some(Topic::ALL[0]), Some(Level::ALL[1])), Ask::Describe)
        );
        let step = next(
            at(Some(Topic::ALL[0]), Some(Level::ALL[1])),
            text("  noisy  "),
        );
        assert_eq!(
            step,
            Step::end(Ask::File {
                unit: 7,
                topic: Topic::ALL[0],
                level: Level::ALL[1],
                text: "noisy".into()
            })
        );
    }

    #[test]
    fn buttons_out_of_turn_are_stale() {
        let chosen = at(Some(Topic::ALL[0]), Some(Level::ALL[0]));
        for state in [at(Some(Topic::ALL[0]), None), chosen.clone()] {
            let step = next(state, Input::Button(Button::Topic(Topic::ALL[1])));
            assert_eq!(step, Step::stay(Ask::Stale));
        }
        for state in [at(None, None), chosen] {
            let step = next(state, Input::Button(Button::Level(Level::ALL[1])));
            assert_eq!(step, Step::stay(Ask::Stale));
        }
    }

    #[test]
    fn words_before_the_buttons_ask_for_the_buttons() {
        for state in [at(None, None), at(Some(Topic::ALL[0]), None)] {
            assert_eq!(next(state, text("hello")), Step::stay(Ask::UseButtons));
        }
    }

    #[test]
    fn bad_words_are_asked_again() {
        let state = at(Some(Topic::ALL[0]), Some(Level::ALL[0]));
        assert_eq!(
            next(state.clone(), text("   ")),
            Step::stay(Ask::InvalidText)
        );
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            next(state.clone(), text(&long)),
            Step::stay(Ask::InvalidText)
        );
        let photo = Input::Photo {
            sha256: "abc".into(),
            album: None,
        };
        assert_eq!(next(state.clone(), photo).next, Next::Stay);
        assert_eq!(next(state, Input::Other), Step::stay(Ask::TextExpected));
    }
}
