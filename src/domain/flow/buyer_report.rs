//! A buyer's own report of a problem: the room, the description, then photos until they send
//! it. A report started from a photo the buyer already sent has its description and photo and
//! asks only the room.

use super::{Input, MAX_TEXT_CHARS, Step, valid_text};
use crate::domain::defect::Room;
use serde::{Deserialize, Serialize};

/// What the buyer has given so far. Stored in the dialogue state as
/// `{"step":"reporting","unit_id":…,"room":…,"text":…,"photos":[…],"album":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub unit_id: i64,
    #[serde(default)]
    pub room: Option<Room>,
    #[serde(default)]
    pub text: Option<String>,
    /// Content hashes of the kept photos, in the order sent, each once.
    #[serde(default)]
    pub photos: Vec<String>,
    /// The album the last photo belonged to.
    #[serde(default)]
    pub album: Option<String>,
}

impl Report {
    /// Whether a photo now is part of the report (so the bot keeps it before calling `next`).
    pub fn takes_photos(&self) -> bool {
        self.room.is_some() && self.text.is_some()
    }
}

/// The flow's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Room(Room),
    Submit,
}

/// What to ask or say next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Which room (a button per room).
    Room,
    /// Describe the problem in this room.
    Describe(Room),
    /// Send photos, or send the report (the submit button).
    Photos,
    /// A photo is in: how many there are, with the submit button (once per album).
    PhotoReceived { count: usize },
    /// Record the report; the conversation ends with the record.
    Submit {
        unit_id: i64,
        room: Room,
        text: String,
        photos: Vec<String>,
    },
    /// The description was empty or too long: say so and wait for it again.
    InvalidText,
    /// A message before the room was chosen: use the buttons.
    UseButtons,
    /// Something other than words where the description is asked.
    TextExpected,
    /// Nothing to say: only photos (or the button) move the report on now.
    Nothing,
    /// A button that does not fit where the report is (an old message's).
    Stale,
}

pub type ReportStep = Step<Report, Ask>;

/// A new report about `unit_id`.
pub fn start(unit_id: i64) -> ReportStep {
    Step::go(
        Report {
            unit_id,
            room: None,
            text: None,
            photos: Vec::new(),
            album: None,
        },
        Ask::Room,
    )
}

/// A report starting from a photo already sent, its caption as the description.
pub fn from_photo(unit_id: i64, caption: &str, sha256: String) -> ReportStep {
    Step::go(
        Report {
            unit_id,
            room: None,
            text: Some(caption.chars().take(MAX_TEXT_CHARS).collect()),
            photos: vec![sha256],
            album: None,
        },
        Ask::Room,
    )
}

pub fn next(state: Report, input: Input<Button>) -> ReportStep {
    match (input, state.room, state.text.is_some()) {
        (Input::Button(Button::Room(room)), None, described) => {
            let count = state.photos.len();
            let ask = if described {
                Ask::PhotoReceived { count }
            } else {
                Ask::Describe(room)
            };
            Step::go(
                Report {
                    room: Some(room),
                    album: None,
                    ..state
                },
                ask,
            )
        }
        (Input::Button(Button::Submit), Some(room), true) => Step::end(Ask::Submit {
            unit_id: state.unit_id,
            room,
            text: state.text.unwrap_or_default(),
            photos: state.photos,
        }),
        (Input::Button(_), ..) => Step::stay(Ask::Stale),
        (_, None, _) => Step::stay(Ask::UseButtons),
        (Input::Text(text), Some(_), false) => match valid_text(&text) {
            Some(text) => Step::go(
                Report {
                    text: Some(text),
                    ..state
                },
                Ask::Photos,
            ),
            None => Step::stay(Ask::InvalidText),
        },
        (Input::Photo { .. } | Input::Voice { .. } | Input::Other, Some(_), false) => {
            Step::stay(Ask::TextExpected)
        }
        (Input::Photo { sha256, album }, Some(_), true) => {
            let mut photos = state.photos;
            if !photos.contains(&sha256) {
                photos.push(sha256);
            }
            let count = photos.len();
            Step::go(
                Report {
                    photos,
                    album,
                    ..state
                },
                Ask::PhotoReceived { count },
            )
        }
        (Input::Text(_) | Input::Voice { .. } | Input::Other, Some(_), true) => {
            Step::stay(Ask::Nothing)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(room: Option<Room>, text: Option<&str>, photos: &[&str]) -> Report {
        Report {
            unit_id: 7,
            room,
            text: text.map(str::to_string),
            photos: photos.iter().map(|p| p.to_string()).collect(),
            album: None,
        }
    }

    fn photo(sha: &str, album: Option<&str>) -> Input<Button> {
        Input::Photo {
            sha256: sha.into(),
            album: album.map(str::to_string),
        }
    }

    fn room() -> Room {
        Room::ALL[0]
    }

    #[test]
    fn starts_by_asking_the_room() {
        assert_eq!(start(7), Step::go(report(None, None, &[]), Ask::Room));
    }

    #[test]
    fn from_a_photo_keeps_it_and_the_caption() {
        let long = "y".repeat(MAX_TEXT_CHARS + 5);
        let step = from_photo(7, &long, "sha".into());
        let Step {
            next: super::super::Next::Go(state),
            ask,
        } = step
        else {
            panic!("a started report");
        };
        assert_eq!(ask, Ask::Room);
        assert_eq!(state.photos, vec!["sha".to_string()]);
        assert_eq!(state.text.map(|t| t.chars().count()), Some(MAX_TEXT_CHARS));
    }

    #[test]
    fn room_then_description_then_photos_then_submit() {
        let step = next(report(None, None, &[]), Input::Button(Button::Room(room())));
        assert_eq!(
            step,
            Step::go(report(Some(room()), None, &[]), Ask::Describe(room()))
        );

        let step = next(
            report(Some(room()), None, &[]),
            Input::Text(" leak ".into()),
        );
        assert_eq!(
            step,
            Step::go(report(Some(room()), Some("leak"), &[]), Ask::Photos)
        );

        let step = next(
            report(Some(room()), Some("leak"), &[]),
            photo("a", Some("g")),
        );
        let mut expected = report(Some(room()), Some("leak"), &["a"]);
        expected.album = Some("g".into());
        assert_eq!(step, Step::go(expected, Ask::PhotoReceived { count: 1 }));

        let step = next(
            report(Some(room()), Some("leak"), &["a"]),
            Input::Button(Button::Submit),
        );
        assert_eq!(
            step,
            Step::end(Ask::Submit {
                unit_id: 7,
                room: room(),
                text: "leak".into(),
                photos: vec!["a".into()]
            })
        );
    }

    #[test]
    fn a_described_report_asks_only_the_room() {
        let step = next(
            report(None, Some("cap"), &["a"]),
            Input::Button(Button::Room(room())),
        );
        assert_eq!(
            step,
            Step::go(
                report(Some(room()), Some("cap"), &["a"]),
                Ask::PhotoReceived { count: 1 }
            )
        );
    }

    #[test]
    fn the_same_photo_counts_once() {
        let step = next(report(Some(room()), Some("leak"), &["a"]), photo("a", None));
        assert_eq!(
            step,
            Step::go(
                report(Some(room()), Some("leak"), &["a"]),
                Ask::PhotoReceived { count: 1 }
            )
        );
    }

    #[test]
    fn messages_before_the_room_ask_for_the_buttons() {
        for input in [Input::Text("hi".into()), photo("a", None), Input::Other] {
            assert_eq!(
                next(report(None, None, &[]), input),
                Step::stay(Ask::UseButtons)
            );
        }
    }

    #[test]
    fn a_bad_description_is_asked_again() {
        let state = report(Some(room()), None, &[]);
        assert_eq!(
            next(state.clone(), Input::Text("  ".into())),
            Step::stay(Ask::InvalidText)
        );
        let long = "z".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            next(state.clone(), Input::Text(long)),
            Step::stay(Ask::InvalidText)
        );
        assert_eq!(
            next(state.clone(), Input::Other),
            Step::stay(Ask::TextExpected)
        );
        assert_eq!(next(state, photo("a", None)), Step::stay(Ask::TextExpected));
    }

    #[test]
    fn words_while_photos_are_asked_change_nothing() {
        let state = report(Some(room()), Some("leak"), &[]);
        assert!(state.takes_photos());
        assert_eq!(
            next(state.clone(), Input::Text("more".into())),
            Step::stay(Ask::Nothing)
        );
        assert_eq!(next(state, Input::Other), Step::stay(Ask::Nothing));
    }

    #[test]
    fn buttons_out_of_turn_are_stale() {
        let chosen = report(Some(room()), None, &[]);
        assert_eq!(
            next(chosen.clone(), Input::Button(Button::Room(room()))),
            Step::stay(Ask::Stale)
        );
        assert_eq!(
            next(chosen, Input::Button(Button::Submit)),
            Step::stay(Ask::Stale)
        );
        assert_eq!(
            next(
                report(None, Some("cap"), &[]),
                Input::Button(Button::Submit)
            ),
            Step::stay(Ask::Stale)
        );
        assert!(!report(None, Some("cap"), &[]).takes_photos());
    }
}
