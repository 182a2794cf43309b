//! An engineer marking one or several defects fixed: for each defect in turn, after-fix photos
//! (at least one) and an optional note, then all of them recorded together.

use super::{Input, Step, valid_text};
use serde::{Deserialize, Serialize};

/// One defect an engineer marks fixed, with its after-fix photos (hashes) and a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixReport {
    pub defect: i64,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// The defects being marked and which one is asked. Stored in the dialogue state as
/// `{"step":"fixing","items":[…],"current":…,"album":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixing {
    pub items: Vec<FixReport>,
    #[serde(default)]
    pub current: usize,
    /// The album the last photo belonged to.
    #[serde(default)]
    pub album: Option<String>,
}

impl Fixing {
    /// Whether a photo now belongs to a defect (so the bot keeps it before calling `next`).
    pub fn takes_photos(&self) -> bool {
        self.current < self.items.len()
    }

    /// What the flow asks where it is: the current defect's photos, or, once it has some, how
    /// many with the button to go on.
    pub fn asked(&self) -> Ask {
        match self.items.get(self.current) {
            None => Ask::Nothing,
            Some(item) if item.photos.is_empty() => Ask::Photos {
                defect: item.defect,
                position: self.current + 1,
                total: self.items.len(),
            },
            Some(item) => Ask::PhotoReceived {
                count: item.photos.len(),
                button: self.button(),
            },
        }
    }

    /// The button under the current defect: "next" while more follow, "done" on the last.
    fn button(&self) -> Button {
        if self.current + 1 < self.items.len() {
            Button::Next
        } else {
            Button::Done
        }
    }
}

/// The flow's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Next,
    Done,
}

/// What to ask or say next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Photos of defect `defect`, number `position` of `total`.
    Photos {
        defect: i64,
        position: usize,
        total: usize,
    },
    /// A photo is in: how many the current defect has, with its button (once per album).
    PhotoReceived { count: usize, button: Button },
    /// The note is kept; the button once the defect has a photo.
    NoteKept { button: Option<Button> },
    /// Record them all as fixed; the conversation ends with the record.
    MarkFixed(Vec<FixReport>),
    /// "Choose at least one" (nothing was chosen).
    ChooseSome,
    /// The current defect has no photo yet.
    PhotoNeeded,
    /// The note was empty or too long: say so and wait again.
    InvalidText,
    /// Neither words nor a photo: photos are asked.
    PhotosHint,
    /// Nothing to say.
    Nothing,
    /// A button that does not fit where the flow is (an old message's).
    Stale,
}

pub type FixStep = Step<Fixing, Ask>;

/// Marking `defects` fixed, in this order.
pub fn start(defects: Vec<i64>) -> FixStep {
    let Some(&first) = defects.first() else {
        return Step::stay(Ask::ChooseSome);
    };
    let total = defects.len();
    let items = defects
        .into_iter()
        .map(|defect| FixReport {
            defect,
            photos: Vec::new(),
            note: String::new(),
        })
        .collect();
    Step::go(
        Fixing {
            items,
            current: 0,
            album: None,
        },
        Ask::Photos {
            defect: first,
            position: 1,
            total,
        },
    )
}

pub fn next(mut state: Fixing, input: Input<Button>) -> FixStep {
    let current = state.current;
    let button = state.button();
    let Some(item) = state.items.get_mut(current) else {
        return Step::stay(match input {
            Input::Button(_) => Ask::PhotoNeeded,
            _ => Ask::Nothing,
        });
    };
    match input {
        Input::Text(text) => match valid_text(&text) {
            Some(note) => {
                item.note = note;
                let button = (!item.photos.is_empty()).then_some(button);
                Step::go(state, Ask::NoteKept { button })
            }
            None => Step::stay(Ask::InvalidText),
        },
        Input::Photo { sha256, album } => {
            if !item.photos.contains(&sha256) {
                item.photos.push(sha256);
            }
            let count = item.photos.len();
            state.album = album;
            Step::go(state, Ask::PhotoReceived { count, button })
        }
        Input::Voice { .. } | Input::Other => Step::stay(Ask::PhotosHint),
        Input::Button(_) if item.photos.is_empty() => Step::stay(Ask::PhotoNeeded),
        Input::Button(Button::Next) if button == Button::Next => {
            let next = current + 1;
            let ask = Ask::Photos {
                defect: state.items[next].defect,
                position: next + 1,
                total: state.items.len(),
            };
            Step::go(
                Fixing {
                    current: next,
                    album: None,
                    ..state
                },
                ask,
            )
        }
        Input::Button(Button::Next) => Step::stay(Ask::Stale),
        // "Done" records every defect given so far, also from an earlier message's button.
        Input::Button(Button::Done) => Step::end(Ask::MarkFixed(state.items)),
    }
}

/// A choice of defects to mark, after pressing one's box: the press sets the state its box
/// showed it would, so pressed again (a double tap, or handled again after a crash) it
/// changes nothing more.
pub fn toggle(mut chosen: Vec<i64>, id: i64, choose: bool) -> Vec<i64> {
    match (chosen.iter().position(|c| *c == id), choose) {
        (Some(i), false) => {
            chosen.remove(i);
        }
        (None, true) => chosen.push(id),
        _ => {}
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::super::Next;
    use super::*;

    fn item(defect: i64, photos: &[&str]) -> FixReport {
        FixReport {
            defect,
            photos: photos.iter().map(|p| p.to_string()).collect(),
            note: String::new(),
        }
    }

    fn at(items: Vec<FixReport>, current: usize) -> Fixing {
        Fixing {
            items,
            current,
            album: None,
        }
    }

    /// Asked again, the flow says what it said last: the photos asked for, or how many are in
    /// with the button that goes on.
    #[test]
    fn asked_again_the_flow_says_where_it_is() {
        let items = vec![item(4, &["a", "b"]), item(9, &[])];
        assert_eq!(
            at(items.clone(), 0).asked(),
            Ask::PhotoReceived {
                count: 2,
                button: Button::Next
            }
        );
        assert_eq!(
            at(items.clone(), 1).asked(),
            Ask::Photos {
                defect: 9,
                position: 2,
                total: 2
            }
        );
        let last = vec![item(4, &["a"])];
        assert_eq!(
            at(last, 0).asked(),
            Ask::PhotoReceived {
                count: 1,
                button: Button::Done
            }
        );
        assert_eq!(at(items, 2).asked(), Ask::Nothing);
    }

    fn photo(sha: &str, album: Option<&str>) -> Input<Button> {
        Input::Photo {
            sha256: sha.into(),
            album: album.map(str::to_string),
        }
    }

    #[test]
    fn starts_with_the_first_defect() {
        let step = start(vec![4, 9]);
        assert_eq!(
            step,
            Step::go(
                at(vec![item(4, &[]), item(9, &[])], 0),
                Ask::Photos {
                    defect: 4,
                    position: 1,
                    total: 2
                }
            )
        );
        assert_eq!(start(Vec::new()), Step::stay(Ask::ChooseSome));
    }

    #[test]
    fn photos_are_counted_once_with_the_right_button() {
        let step = next(
            at(vec![item(4, &[]), item(9, &[])], 0),
            photo("a", Some("g")),
        );
        let mut expected = at(vec![item(4, &["a"]), item(9, &[])], 0);
        expected.album = Some("g".into());
        assert_eq!(
            step,
            Step::go(
                expected.clone(),
                Ask::PhotoReceived {
                    count: 1,
                    button: Button::Next
                }
            )
        );
        let step = next(expected.clone(), photo("a", Some("g")));
        assert_eq!(
            step,
            Step::go(
                expected,
                Ask::PhotoReceived {
                    count: 1,
                    button: Button::Next
                }
            )
        );
        let step = next(at(vec![item(4, &["a"]), item(9, &[])], 1), photo("b", None));
        assert_eq!(
            step.ask,
            Ask::PhotoReceived {
                count: 1,
                button: Button::Done
            }
        );
    }

    #[test]
    fn a_note_is_kept_and_the_button_shows_once_there_is_a_photo() {
        let step = next(
            at(vec![item(4, &[])], 0),
            Input::Text(" tiles replaced ".into()),
        );
        let mut noted = item(4, &[]);
        noted.note = "tiles replaced".into();
        assert_eq!(
            step,
            Step::go(at(vec![noted], 0), Ask::NoteKept { button: None })
        );
        let step = next(at(vec![item(4, &["a"])], 0), Input::Text("ok".into()));
        assert_eq!(
            step.ask,
            Ask::NoteKept {
                button: Some(Button::Done)
            }
        );
    }

    #[test]
    fn bad_input_is_asked_again() {
        let state = at(vec![item(4, &[])], 0);
        assert_eq!(
            next(state.clone(), Input::Text("  ".into())),
            Step::stay(Ask::InvalidText)
        );
        let long = "n".repeat(super::super::MAX_TEXT_CHARS + 1);
        assert_eq!(
            next(state.clone(), Input::Text(long)),
            Step::stay(Ask::InvalidText)
        );
        assert_eq!(
            next(state.clone(), Input::Other),
            Step::stay(Ask::PhotosHint)
        );
        for button in [Button::Next, Button::Done] {
            assert_eq!(
                next(state.clone(), Input::Button(button)),
                Step::stay(Ask::PhotoNeeded)
            );
        }
    }

    #[test]
    fn next_moves_on_and_done_records_them_all() {
        let state = at(vec![item(4, &["a"]), item(9, &[])], 0);
        let step = next(state.clone(), Input::Button(Button::Next));
        assert_eq!(
            step,
            Step::go(
                at(vec![item(4, &["a"]), item(9, &[])], 1),
                Ask::Photos {
                    defect: 9,
                    position: 2,
                    total: 2
                }
            )
        );
        let last = at(vec![item(4, &["a"]), item(9, &["b"])], 1);
        assert_eq!(
            next(last.clone(), Input::Button(Button::Next)),
            Step::stay(Ask::Stale)
        );
        let step = next(last, Input::Button(Button::Done));
        assert_eq!(step.next, Next::End);
        assert_eq!(
            step.ask,
            Ask::MarkFixed(vec![item(4, &["a"]), item(9, &["b"])])
        );
        // An earlier "done" button records what there is.
        let step = next(state, Input::Button(Button::Done));
        assert_eq!(
            step.ask,
            Ask::MarkFixed(vec![item(4, &["a"]), item(9, &[])])
        );
    }

    #[test]
    fn a_step_past_the_list_does_nothing() {
        let state = at(vec![item(4, &["a"])], 3);
        assert_eq!(
            next(state.clone(), Input::Text("x".into())),
            Step::stay(Ask::Nothing)
        );
        assert_eq!(
            next(state, Input::Button(Button::Done)),
            Step::stay(Ask::PhotoNeeded)
        );
    }

    #[test]
    fn toggling_sets_what_the_box_showed() {
        assert_eq!(toggle(vec![1, 2], 2, false), vec![1]);
        assert_eq!(toggle(vec![1], 2, false), vec![1]);
        assert_eq!(toggle(vec![1], 2, true), vec![1, 2]);
        assert_eq!(toggle(vec![1, 2], 2, true), vec![1, 2]);
    }
}
