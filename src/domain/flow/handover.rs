//! The handover checklist an ambassador runs at the door: how many keys of each kind, each
//! meter's photo and reading (in either order, or "this home has none"), the documents handed
//! over, then a review to send to the buyer. Steps with nothing to ask (no meters configured,
//! say) are skipped. The checklist itself is configuration, given to every step.

use crate::domain::aftercare::{Checklist, HandoverDraft, MeterReading, parse_reading};
use serde::{Deserialize, Serialize};

use super::Step;

/// Most keys of one kind that can be typed.
pub const MAX_KEYS: u32 = 99;

/// Which part of the handover checklist is being asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum HandoverAsk {
    /// How many keys of kind number `index`.
    Keys {
        index: usize,
    },
    /// Meter number `index`: its photo and reading, in either order.
    Meter {
        index: usize,
        #[serde(default)]
        reading: Option<String>,
        #[serde(default)]
        photo: Option<String>,
        /// Photos of an album beyond this meter's own, for the next meters in turn.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        queued: Vec<String>,
    },
    Documents,
    /// Everything recorded: check and send to the buyer.
    Review,
}

impl HandoverAsk {
    /// Whether the step's item exists in the checklist as configured now (a restart with a
    /// shorter list may leave a saved step pointing past its end).
    fn asks_an_item(&self, checklist: &Checklist) -> bool {
        match self {
            HandoverAsk::Keys { index } => *index < checklist.key_kinds.len(),
            HandoverAsk::Meter { index, .. } => *index < checklist.meters.len(),
            HandoverAsk::Documents | HandoverAsk::Review => true,
        }
    }

    /// The first step from this one on that has something to ask.
    fn settle(self, checklist: &Checklist) -> HandoverAsk {
        let ask = match self {
            HandoverAsk::Keys { index } if index >= checklist.key_kinds.len() => {
                HandoverAsk::Meter {
                    index: 0,
                    reading: None,
                    photo: None,
                    queued: Vec::new(),
                }
            }
            other => other,
        };
        match ask {
            HandoverAsk::Meter { index, .. } if index >= checklist.meters.len() => {
                HandoverAsk::Documents.settle(checklist)
            }
            HandoverAsk::Documents if checklist.documents.is_empty() => HandoverAsk::Review,
            other => other,
        }
    }
}

/// The meter after `index`, with the first of the album's photos still waiting as its photo.
fn next_meter(index: usize, mut queued: Vec<String>) -> HandoverAsk {
    let photo = (!queued.is_empty()).then(|| queued.remove(0));
    HandoverAsk::Meter {
        index: index + 1,
        reading: None,
        photo,
        queued,
    }
}

/// A checklist in progress. Stored in the dialogue state as
/// `{"step":"handing_over","unit":…,"label":…,"draft":{…},"ask":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandingOver {
    pub unit: i64,
    /// The home's short label, as the questions name it.
    pub label: String,
    #[serde(default)]
    pub draft: HandoverDraft,
    pub ask: HandoverAsk,
}

impl HandingOver {
    /// Whether a photo now belongs to a meter (so the bot keeps it before calling `next`).
    pub fn takes_photos(&self) -> bool {
        matches!(self.ask, HandoverAsk::Meter { .. })
    }

    /// At the first step from `ask` on that has something to ask.
    fn at(self, ask: HandoverAsk, checklist: &Checklist) -> Self {
        HandingOver {
            ask: ask.settle(checklist),
            ..self
        }
    }
}

/// The checklist's buttons. Positions are the ones the pressed message showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// `count` keys of kind number `kind`.
    Keys {
        kind: usize,
        count: u32,
    },
    /// The home has no meter number `meter`.
    NoMeter {
        meter: usize,
    },
    /// Document number `document` ticked (`true`) or unticked.
    Document {
        document: usize,
        tick: bool,
    },
    DocumentsDone,
    Submit,
}

/// What a person gave at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    Button(Button),
    /// A message: its text (or a photo's caption), the photo it carried (already kept, by
    /// content hash), and whether it came in an album.
    Message {
        text: Option<String>,
        photo: Option<String>,
        in_album: bool,
    },
}

/// What to ask or say next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// The question of the step the state is now at.
    Question,
    /// The saved step no longer exists in the checklist as configured: a button is answered as
    /// stale, then the question of the step it is now at.
    Restated,
    /// A document ticked or unticked: the documents' buttons show it, nothing else is said.
    DocumentsTicked,
    /// Send the record to the buyer; the conversation ends with it.
    Submit,
    /// Not a number of keys (0 to [`MAX_KEYS`]).
    KeysInvalid,
    /// Not a meter reading.
    ReadingInvalid,
    /// Neither a photo nor a reading while a meter is asked.
    MeterExpected,
    /// A message where only the buttons take the checklist on.
    ButtonsHint,
    /// A button that does not fit where the checklist is (an old message's).
    Stale,
}

pub type HandoverStep = Step<HandingOver, Ask>;

/// A checklist of `unit` begins with an empty draft, at the first step that asks something.
pub fn start(unit: i64, label: String, checklist: &Checklist) -> HandoverStep {
    let state = HandingOver {
        unit,
        label,
        draft: HandoverDraft::default(),
        ask: HandoverAsk::Keys { index: 0 },
    };
    Step::go(
        state.at(HandoverAsk::Keys { index: 0 }, checklist),
        Ask::Question,
    )
}

pub fn next(state: HandingOver, checklist: &Checklist, given: Given) -> HandoverStep {
    if !state.ask.asks_an_item(checklist) {
        // Saved before the checklist's configuration changed: ask again from where it is now.
        let ask = state.ask.clone();
        return Step::go(state.at(ask, checklist), Ask::Restated);
    }
    match given {
        Given::Button(button) => press(state, checklist, button),
        Given::Message {
            text,
            photo,
            in_album,
        } => message(state, checklist, text, photo, in_album),
    }
}

fn record_keys(
    mut state: HandingOver,
    checklist: &Checklist,
    index: usize,
    count: u32,
) -> HandoverStep {
    let kind = checklist.key_kinds[index].clone();
    state.draft.keys.retain(|(k, _)| *k != kind);
    state.draft.keys.push((kind, count));
    Step::go(
        state.at(HandoverAsk::Keys { index: index + 1 }, checklist),
        Ask::Question,
    )
}

fn press(mut state: HandingOver, checklist: &Checklist, button: Button) -> HandoverStep {
    match (button, state.ask.clone()) {
        (Button::Keys { kind, count }, HandoverAsk::Keys { index })
            if kind == index && count <= MAX_KEYS =>
        {
            record_keys(state, checklist, index, count)
        }
        (Button::NoMeter { meter }, HandoverAsk::Meter { index, queued, .. }) if meter == index => {
            state
                .draft
                .meters_absent
                .push(checklist.meters[index].clone());
            Step::go(
                state.at(next_meter(index, queued), checklist),
                Ask::Question,
            )
        }
        (Button::Document { document, tick }, HandoverAsk::Documents) => {
            let Some(doc) = checklist.documents.get(document) else {
                return Step::stay(Ask::Stale);
            };
            // The press sets the state its button showed it would: pressed again (a double tap,
            // or handled again after a crash) it changes nothing more.
            let documents = &mut state.draft.documents;
            let at = documents.iter().position(|d| d == doc);
            if let (Some(at), false) = (at, tick) {
                documents.remove(at);
            } else if at.is_none() && tick {
                // Kept in checklist order, so the record reads the same for everyone.
                documents.push(doc.clone());
                documents.sort_by_key(|d| checklist.documents.iter().position(|c| c == d));
            }
            Step::go(state, Ask::DocumentsTicked)
        }
        (Button::DocumentsDone, HandoverAsk::Documents) => {
            Step::go(state.at(HandoverAsk::Review, checklist), Ask::Question)
        }
        (Button::Submit, HandoverAsk::Review) => Step::end(Ask::Submit),
        _ => Step::stay(Ask::Stale),
    }
}

fn message(
    mut state: HandingOver,
    checklist: &Checklist,
    text: Option<String>,
    given_photo: Option<String>,
    in_album: bool,
) -> HandoverStep {
    match state.ask.clone() {
        HandoverAsk::Keys { index } => {
            let count = text
                .and_then(|t| t.trim().parse::<u32>().ok())
                .filter(|n| *n <= MAX_KEYS);
            match count {
                Some(count) => record_keys(state, checklist, index, count),
                None => Step::stay(Ask::KeysInvalid),
            }
        }
        HandoverAsk::Meter {
            index,
            mut reading,
            mut photo,
            mut queued,
        } => {
            let mut read = None;
            if let Some(text) = &text {
                match parse_reading(text) {
                    Some(r) => read = Some(r),
                    // A photo with an unreadable caption is still kept.
                    None if given_photo.is_none() => return Step::stay(Ask::ReadingInvalid),
                    None => {}
                }
            }
            if let Some(sha) = given_photo {
                // An album of several meters' photos: a photo beyond this meter's own waits for
                // the next meter (once, however often it is delivered).
                let waits = in_album && read.is_none() && reading.is_none() && photo.is_some();
                if !waits {
                    photo = Some(sha);
                } else if !queued.contains(&sha) && photo.as_ref() != Some(&sha) {
                    queued.push(sha);
                }
            } else if text.is_none() {
                return Step::stay(Ask::MeterExpected);
            }
            if read.is_some() {
                reading = read;
            }
            let ask = match (reading, photo) {
                (Some(reading), Some(photo)) => {
                    let meter = checklist.meters[index].clone();
                    state.draft.meters.retain(|m| m.meter != meter);
                    state.draft.meters.push(MeterReading {
                        meter,
                        reading,
                        photo,
                    });
                    next_meter(index, queued)
                }
                (reading, photo) => HandoverAsk::Meter {
                    index,
                    reading,
                    photo,
                    queued,
                },
            };
            Step::go(state.at(ask, checklist), Ask::Question)
        }
        HandoverAsk::Documents | HandoverAsk::Review => Step::stay(Ask::ButtonsHint),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Next;
    use super::*;

    fn checklist() -> Checklist {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        Checklist {
            key_kinds: list(&["door", "mailbox"]),
            meters: list(&["water", "power"]),
            documents: list(&["manual", "warranty"]),
        }
    }

    fn at(ask: HandoverAsk) -> HandingOver {
        HandingOver {
            unit: 5,
            label: "1-0101".into(),
            draft: HandoverDraft::default(),
            ask,
        }
    }

    fn meter(index: usize) -> HandoverAsk {
        HandoverAsk::Meter {
            index,
            reading: None,
            photo: None,
            queued: Vec::new(),
        }
    }

    fn text(t: &str) -> Given {
        Given::Message {
            text: Some(t.into()),
            photo: None,
            in_album: false,
        }
    }

    fn photo(sha: &str, caption: Option<&str>, in_album: bool) -> Given {
        Given::Message {
            text: caption.map(str::to_string),
            photo: Some(sha.into()),
            in_album,
        }
    }

    fn went(step: HandoverStep) -> HandingOver {
        match step.next {
            Next::Go(state) => state,
            other => panic!("expected a new step, got {other:?}"),
        }
    }

    #[test]
    fn starts_at_the_first_key_kind_or_skips_what_is_not_configured() {
        let step = start(5, "1-0101".into(), &checklist());
        assert_eq!(step.ask, Ask::Question);
        assert_eq!(went(step).ask, HandoverAsk::Keys { index: 0 });

        let bare = Checklist {
            key_kinds: vec![],
            meters: vec![],
            documents: vec![],
        };
        assert_eq!(went(start(5, "x".into(), &bare)).ask, HandoverAsk::Review);
        let only_documents = Checklist {
            documents: vec!["manual".into()],
            ..bare
        };
        assert_eq!(
            went(start(5, "x".into(), &only_documents)).ask,
            HandoverAsk::Documents
        );
    }

    #[test]
    fn keys_by_button_or_typed_are_recorded_once_per_kind() {
        let list = checklist();
        let step = next(
            at(HandoverAsk::Keys { index: 0 }),
            &list,
            Given::Button(Button::Keys { kind: 0, count: 2 }),
        );
        let state = went(step);
        assert_eq!(state.ask, HandoverAsk::Keys { index: 1 });
        let state = went(next(state, &list, text(" 12 ")));
        assert_eq!(state.ask, meter(0));
        assert_eq!(
            state.draft.keys,
            vec![("door".to_string(), 2), ("mailbox".to_string(), 12)]
        );
    }

    #[test]
    fn a_key_count_that_is_not_a_number_or_too_large_changes_nothing() {
        let list = checklist();
        for bad in ["two", "-1", "100", ""] {
            assert_eq!(
                next(at(HandoverAsk::Keys { index: 0 }), &list, text(bad)),
                Step::stay(Ask::KeysInvalid),
                "{bad}"
            );
        }
        assert_eq!(
            next(
                at(HandoverAsk::Keys { index: 0 }),
                &list,
                photo("a", None, false)
            ),
            Step::stay(Ask::KeysInvalid)
        );
    }

    #[test]
    fn a_key_button_of_another_question_is_stale() {
        let step = next(
            at(HandoverAsk::Keys { index: 1 }),
            &checklist(),
            Given::Button(Button::Keys { kind: 0, count: 1 }),
        );
        assert_eq!(step, Step::stay(Ask::Stale));
    }

    #[test]
    fn a_meter_takes_its_photo_and_reading_in_either_order() {
        let list = checklist();
        let state = went(next(at(meter(0)), &list, text("123.4")));
        assert_eq!(
            state.ask,
            HandoverAsk::Meter {
                index: 0,
                reading: Some("123.4".into()),
                photo: None,
                queued: vec![],
            }
        );
        let state = went(next(state, &list, photo("w", None, false)));
        assert_eq!(state.ask, meter(1));
        assert_eq!(state.draft.meters.len(), 1);
        assert_eq!(state.draft.meters[0].meter, "water");
        assert_eq!(state.draft.meters[0].photo, "w");

        // Photo first, then the reading; a caption with the reading does both at once.
        let state = went(next(at(meter(0)), &list, photo("w", None, false)));
        let state = went(next(state, &list, text("7")));
        assert_eq!(state.ask, meter(1));
        let state = went(next(at(meter(1)), &list, photo("p", Some("88"), false)));
        assert_eq!(state.ask, HandoverAsk::Documents);
        assert_eq!(state.draft.meters[0].reading, "88");
    }

    #[test]
    fn a_bad_reading_is_refused_but_a_photo_with_a_bad_caption_is_kept() {
        let list = checklist();
        assert_eq!(
            next(at(meter(0)), &list, text("lots")),
            Step::stay(Ask::ReadingInvalid)
        );
        let state = went(next(at(meter(0)), &list, photo("w", Some("lots"), false)));
        assert_eq!(
            state.ask,
            HandoverAsk::Meter {
                index: 0,
                reading: None,
                photo: Some("w".into()),
                queued: vec![],
            }
        );
        let nothing = Given::Message {
            text: None,
            photo: None,
            in_album: false,
        };
        assert_eq!(
            next(at(meter(0)), &list, nothing),
            Step::stay(Ask::MeterExpected)
        );
    }

    #[test]
    fn an_album_of_meter_photos_gives_one_to_each_meter_in_turn() {
        let list = checklist();
        let state = went(next(at(meter(0)), &list, photo("w", None, true)));
        let state = went(next(state, &list, photo("p", None, true)));
        // The same photo again (redelivered) is not queued twice.
        let state = went(next(state, &list, photo("p", None, true)));
        assert_eq!(
            state.ask,
            HandoverAsk::Meter {
                index: 0,
                reading: None,
                photo: Some("w".into()),
                queued: vec!["p".into()],
            }
        );
        let state = went(next(state, &list, text("1")));
        assert_eq!(
            state.ask,
            HandoverAsk::Meter {
                index: 1,
                reading: None,
                photo: Some("p".into()),
                queued: vec![],
            }
        );
    }

    #[test]
    fn no_meter_marks_it_absent_and_moves_on() {
        let list = checklist();
        let state = went(next(
            at(meter(1)),
            &list,
            Given::Button(Button::NoMeter { meter: 1 }),
        ));
        assert_eq!(state.draft.meters_absent, vec!["power".to_string()]);
        assert_eq!(state.ask, HandoverAsk::Documents);
        assert_eq!(
            next(
                at(meter(1)),
                &list,
                Given::Button(Button::NoMeter { meter: 0 })
            ),
            Step::stay(Ask::Stale)
        );
    }

    #[test]
    fn documents_tick_as_their_buttons_showed_in_checklist_order() {
        let list = checklist();
        let tick = |document, tick| Given::Button(Button::Document { document, tick });
        let state = went(next(at(HandoverAsk::Documents), &list, tick(1, true)));
        let step = next(state, &list, tick(0, true));
        assert_eq!(step.ask, Ask::DocumentsTicked);
        let state = went(step);
        assert_eq!(state.draft.documents, vec!["manual", "warranty"]);
        // Pressed again: nothing more changes.
        let state = went(next(state, &list, tick(0, true)));
        assert_eq!(state.draft.documents, vec!["manual", "warranty"]);
        let state = went(next(state, &list, tick(0, false)));
        assert_eq!(state.draft.documents, vec!["warranty"]);
        assert_eq!(next(state, &list, tick(9, true)), Step::stay(Ask::Stale));
    }

    #[test]
    fn documents_done_reviews_and_submit_ends_with_the_record() {
        let list = checklist();
        let state = went(next(
            at(HandoverAsk::Documents),
            &list,
            Given::Button(Button::DocumentsDone),
        ));
        assert_eq!(state.ask, HandoverAsk::Review);
        assert_eq!(
            next(state, &list, Given::Button(Button::Submit)),
            Step::end(Ask::Submit)
        );
        assert_eq!(
            next(
                at(HandoverAsk::Documents),
                &list,
                Given::Button(Button::Submit)
            ),
            Step::stay(Ask::Stale)
        );
    }

    #[test]
    fn messages_at_documents_or_review_get_the_buttons_hint() {
        for ask in [HandoverAsk::Documents, HandoverAsk::Review] {
            assert_eq!(
                next(at(ask), &checklist(), text("hello")),
                Step::stay(Ask::ButtonsHint)
            );
        }
    }

    #[test]
    fn a_step_past_a_shortened_checklist_is_asked_again_from_where_it_now_is() {
        let shorter = Checklist {
            key_kinds: vec!["door".into()],
            ..checklist()
        };
        let step = next(
            at(HandoverAsk::Keys { index: 1 }),
            &shorter,
            Given::Button(Button::Keys { kind: 1, count: 1 }),
        );
        assert_eq!(step.ask, Ask::Restated);
        assert_eq!(went(step).ask, meter(0));
    }

    #[test]
    fn the_stored_form_is_unchanged() {
        let json = serde_json::to_value(at(meter(1))).expect("serialises");
        assert_eq!(json["ask"]["at"], "meter");
        assert_eq!(json["ask"]["index"], 1);
        assert!(json["ask"].get("queued").is_none());
        assert_eq!(json["label"], "1-0101");
    }
}
