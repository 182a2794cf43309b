//! The walk-through: an ambassador recording a home's defects with one hand on the phone —
//! room, kind and urgency by buttons, then photos, a voice note or a written note, then save,
//! edit or drop; after a save the next defect in the same room, another room, or finish.

use super::{Input, MAX_TEXT_CHARS, Step};
use crate::domain::defect::{Category, Room, Severity};
use serde::{Deserialize, Serialize};

/// A defect as the walk-through collects it, before it is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefectDraft {
    pub room: Room,
    pub category: Category,
    pub severity: Severity,
    #[serde(default)]
    pub note: String,
    /// SHA-256 of each photo, in the order sent.
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub voice: Option<String>,
}

/// Where a walk-through is. A defect's draft travels with the steps, so a restart keeps every
/// step already given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum InspectStep {
    Room,
    Category {
        room: Room,
        /// Editing a draft: its photos and note are kept.
        #[serde(default)]
        keep: Option<DefectDraft>,
    },
    Severity {
        room: Room,
        category: Category,
        #[serde(default)]
        keep: Option<DefectDraft>,
    },
    Photos {
        draft: DefectDraft,
        /// The album the last photo belonged to, so an album is acknowledged once.
        #[serde(default)]
        album: Option<String>,
    },
    Confirm {
        draft: DefectDraft,
    },
    Saved {
        room: Room,
    },
}

/// A walk-through in progress: the inspection record, the home's short label and the step.
/// Stored in the dialogue state as `{"step":"inspecting","inspection":…,"unit":…,"phase":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walkthrough {
    pub inspection: i64,
    pub unit: String,
    pub phase: InspectStep,
}

impl Walkthrough {
    /// Whether a photo or a voice note now belongs to the draft (so the bot keeps it before
    /// calling `next`; elsewhere it is only a hint to use the buttons).
    pub fn takes_media(&self) -> bool {
        matches!(self.phase, InspectStep::Photos { .. })
    }

    fn at(self, phase: InspectStep) -> Self {
        Walkthrough { phase, ..self }
    }
}

/// The walk-through's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Room(Room),
    Category(Category),
    Severity(Severity),
    Save,
    Edit,
    Discard,
    /// Another defect in the same room.
    Next,
    OtherRoom,
    Finish,
}

/// What to ask or say next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Which room (with "finish").
    Room,
    /// Which kind of defect in `room`.
    Category { room: Room },
    /// How urgent.
    Severity,
    /// Photos, a voice note or a note for the new defect.
    Photos,
    /// A photo is in: how many the draft has (acknowledged once per album).
    PhotoReceived { count: usize },
    /// The voice note is kept; then the draft to confirm.
    VoiceKept(DefectDraft),
    /// The draft with save / edit / drop.
    Confirm(DefectDraft),
    /// Save the draft; the step after is "saved in this room". A draft the service no longer
    /// takes (the walk-through was finished elsewhere) ends the conversation instead.
    Save(DefectDraft),
    /// Editing: "change what you like", then the kinds for `room` again.
    Editing { room: Room },
    /// The draft is dropped; the rooms again.
    Discarded,
    /// Finish the walk-through; the conversation ends with the record.
    Finish,
    /// The note is longer than a defect keeps.
    NoteTooLong,
    /// Neither a photo, a voice note nor words while photos are asked.
    PhotosHint,
    /// Anything but a note while the draft waits for save / edit / drop.
    ConfirmHint,
    /// A message where only the buttons take the walk-through on.
    ButtonsHint,
    /// A button that does not fit where the walk-through is (an old message's).
    Stale,
}

pub type WalkStep = Step<Walkthrough, Ask>;

/// A walk-through of `unit` begins (or resumes) at the rooms.
pub fn start(inspection: i64, unit: String) -> WalkStep {
    Step::go(
        Walkthrough {
            inspection,
            unit,
            phase: InspectStep::Room,
        },
        Ask::Room,
    )
}

pub fn next(state: Walkthrough, input: Input<Button>) -> WalkStep {
    match input {
        Input::Button(button) => press(state, button),
        message => say(state, message),
    }
}

fn press(state: Walkthrough, button: Button) -> WalkStep {
    use InspectStep as At;
    match (button, state.phase.clone()) {
        (Button::Room(room), At::Room) => Step::go(
            state.at(At::Category { room, keep: None }),
            Ask::Category { room },
        ),
        (Button::Category(category), At::Category { room, keep }) => Step::go(
            state.at(At::Severity {
                room,
                category,
                keep,
            }),
            Ask::Severity,
        ),
        (
            Button::Severity(severity),
            At::Severity {
                room,
                category,
                keep,
            },
        ) => match keep {
            Some(kept) => {
                let draft = DefectDraft {
                    room,
                    category,
                    severity,
                    ..kept
                };
                to_confirm(state, draft, Ask::Confirm)
            }
            None => {
                let draft = DefectDraft {
                    room,
                    category,
                    severity,
                    note: String::new(),
                    photos: Vec::new(),
                    voice: None,
                };
                Step::go(state.at(At::Photos { draft, album: None }), Ask::Photos)
            }
        },
        (Button::Save, At::Confirm { draft }) => {
            let room = draft.room;
            Step::go(state.at(At::Saved { room }), Ask::Save(draft))
        }
        (Button::Edit, At::Confirm { draft }) => {
            let room = draft.room;
            Step::go(
                state.at(At::Category {
                    room,
                    keep: Some(draft),
                }),
                Ask::Editing { room },
            )
        }
        (Button::Discard, At::Confirm { .. }) => Step::go(state.at(At::Room), Ask::Discarded),
        (Button::Next, At::Saved { room }) => Step::go(
            state.at(At::Category { room, keep: None }),
            Ask::Category { room },
        ),
        (Button::OtherRoom, At::Saved { .. }) => Step::go(state.at(At::Room), Ask::Room),
        (Button::Finish, At::Saved { .. } | At::Room) => Step::end(Ask::Finish),
        _ => Step::stay(Ask::Stale),
    }
}

fn say(state: Walkthrough, input: Input<Button>) -> WalkStep {
    match (state.phase.clone(), input) {
        (InspectStep::Photos { mut draft, .. }, Input::Voice { sha256 }) => {
            draft.voice = Some(sha256);
            to_confirm(state, draft, Ask::VoiceKept)
        }
        (InspectStep::Photos { draft, .. }, Input::Text(text)) => match note(&text) {
            Some(note) => to_confirm(state, DefectDraft { note, ..draft }, Ask::Confirm),
            None => Step::stay(Ask::NoteTooLong),
        },
        (InspectStep::Photos { mut draft, .. }, Input::Photo { sha256, album }) => {
            if !draft.photos.contains(&sha256) {
                draft.photos.push(sha256);
            }
            let count = draft.photos.len();
            Step::go(
                state.at(InspectStep::Photos { draft, album }),
                Ask::PhotoReceived { count },
            )
        }
        (InspectStep::Photos { .. }, _) => Step::stay(Ask::PhotosHint),
        // A new text replaces the note.
        (InspectStep::Confirm { draft }, Input::Text(text)) => match note(&text) {
            Some(note) => to_confirm(state, DefectDraft { note, ..draft }, Ask::Confirm),
            None => Step::stay(Ask::ConfirmHint),
        },
        (InspectStep::Confirm { .. }, _) => Step::stay(Ask::ConfirmHint),
        _ => Step::stay(Ask::ButtonsHint),
    }
}

/// The draft waits for save / edit / drop; `ask` shows it.
fn to_confirm(state: Walkthrough, draft: DefectDraft, ask: fn(DefectDraft) -> Ask) -> WalkStep {
    Step::go(
        state.at(InspectStep::Confirm {
            draft: draft.clone(),
        }),
        ask(draft),
    )
}

/// A defect's note as kept: trimmed and at most [`MAX_TEXT_CHARS`]. Unlike other flows' texts
/// it may be empty: the photos may say it all.
fn note(text: &str) -> Option<String> {
    let text = text.trim();
    (text.chars().count() <= MAX_TEXT_CHARS).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::Next;
    use super::*;

    fn walk(phase: InspectStep) -> Walkthrough {
        Walkthrough {
            inspection: 7,
            unit: "1-0101".into(),
            phase,
        }
    }

    fn draft() -> DefectDraft {
        DefectDraft {
            room: Room::Kitchen,
            category: Category::Plumbing,
            severity: Severity::High,
            note: String::new(),
            photos: Vec::new(),
            voice: None,
        }
    }

    fn phase_after(step: &WalkStep) -> &InspectStep {
        match &step.next {
            Next::Go(state) => &state.phase,
            other => panic!("expected a new step, got {other:?}"),
        }
    }

    #[test]
    fn starts_at_the_rooms() {
        let step = start(3, "2-0301".into());
        assert_eq!(step.ask, Ask::Room);
        assert_eq!(phase_after(&step), &InspectStep::Room);
    }

    #[test]
    fn room_then_kind_then_urgency_lead_to_photos_of_a_fresh_draft() {
        let step = next(
            walk(InspectStep::Room),
            Input::Button(Button::Room(Room::Kitchen)),
        );
        assert_eq!(
            step.ask,
            Ask::Category {
                room: Room::Kitchen
            }
        );
        let Next::Go(state) = step.next else { panic!() };
        let step = next(state, Input::Button(Button::Category(Category::Plumbing)));
        assert_eq!(step.ask, Ask::Severity);
        let Next::Go(state) = step.next else { panic!() };
        let step = next(state, Input::Button(Button::Severity(Severity::High)));
        assert_eq!(step.ask, Ask::Photos);
        assert_eq!(
            phase_after(&step),
            &InspectStep::Photos {
                draft: draft(),
                album: None
            }
        );
    }

    #[test]
    fn photos_are_kept_once_each_and_counted() {
        let state = walk(InspectStep::Photos {
            draft: draft(),
            album: None,
        });
        let photo = |sha: &str, album: Option<&str>| Input::Photo {
            sha256: sha.into(),
            album: album.map(str::to_string),
        };
        let step = next(state, photo("a", Some("g")));
        assert_eq!(step.ask, Ask::PhotoReceived { count: 1 });
        let Next::Go(state) = step.next else { panic!() };
        // The same photo again (a redelivered update) is not kept twice.
        let step = next(state, photo("a", Some("g")));
        assert_eq!(step.ask, Ask::PhotoReceived { count: 1 });
        let Next::Go(state) = step.next else { panic!() };
        let step = next(state, photo("b", None));
        assert_eq!(step.ask, Ask::PhotoReceived { count: 2 });
        let InspectStep::Photos { draft, album } = phase_after(&step) else {
            panic!()
        };
        assert_eq!(draft.photos, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(album, &None);
    }

    #[test]
    fn a_note_or_a_voice_note_leads_to_the_draft_to_confirm() {
        let photos = || {
            walk(InspectStep::Photos {
                draft: draft(),
                album: None,
            })
        };
        let step = next(photos(), Input::Text("  leaks under the sink ".into()));
        let mut noted = draft();
        noted.note = "leaks under the sink".into();
        assert_eq!(step.ask, Ask::Confirm(noted.clone()));
        assert_eq!(phase_after(&step), &InspectStep::Confirm { draft: noted });

        let step = next(photos(), Input::Voice { sha256: "v".into() });
        let mut voiced = draft();
        voiced.voice = Some("v".into());
        assert_eq!(step.ask, Ask::VoiceKept(voiced.clone()));
        assert_eq!(phase_after(&step), &InspectStep::Confirm { draft: voiced });

        // Only photos: an empty note is a note too.
        let step = next(photos(), Input::Text("   ".into()));
        assert_eq!(step.ask, Ask::Confirm(draft()));
    }

    #[test]
    fn a_note_too_long_or_a_sticker_changes_nothing() {
        let photos = walk(InspectStep::Photos {
            draft: draft(),
            album: None,
        });
        let long = "长".repeat(MAX_TEXT_CHARS + 1);
        let step = next(photos.clone(), Input::Text(long.clone()));
        assert_eq!(step, Step::stay(Ask::NoteTooLong));
        assert_eq!(next(photos, Input::Other), Step::stay(Ask::PhotosHint));

        let confirm = walk(InspectStep::Confirm { draft: draft() });
        assert_eq!(
            next(confirm.clone(), Input::Text(long)),
            Step::stay(Ask::ConfirmHint)
        );
        assert_eq!(
            next(confirm.clone(), Input::Voice { sha256: "v".into() }),
            Step::stay(Ask::ConfirmHint)
        );
        let photo = Input::Photo {
            sha256: "a".into(),
            album: None,
        };
        assert_eq!(next(confirm, photo), Step::stay(Ask::ConfirmHint));
    }

    #[test]
    fn a_new_text_while_confirming_replaces_the_note() {
        let mut noted = draft();
        noted.note = "old".into();
        let step = next(
            walk(InspectStep::Confirm { draft: noted }),
            Input::Text("new".into()),
        );
        let mut renoted = draft();
        renoted.note = "new".into();
        assert_eq!(step.ask, Ask::Confirm(renoted));
    }

    #[test]
    fn save_records_the_draft_and_moves_to_saved_in_its_room() {
        let step = next(
            walk(InspectStep::Confirm { draft: draft() }),
            Input::Button(Button::Save),
        );
        assert_eq!(step.ask, Ask::Save(draft()));
        assert_eq!(
            phase_after(&step),
            &InspectStep::Saved {
                room: Room::Kitchen
            }
        );
    }

    #[test]
    fn edit_keeps_photos_and_note_and_asks_the_kind_again() {
        let mut kept = draft();
        kept.photos = vec!["a".into()];
        kept.note = "n".into();
        let step = next(
            walk(InspectStep::Confirm {
                draft: kept.clone(),
            }),
            Input::Button(Button::Edit),
        );
        assert_eq!(
            step.ask,
            Ask::Editing {
                room: Room::Kitchen
            }
        );
        let Next::Go(state) = step.next else { panic!() };
        let Next::Go(state) =
            next(state, Input::Button(Button::Category(Category::Electrical))).next
        else {
            panic!()
        };
        let step = next(state, Input::Button(Button::Severity(Severity::Low)));
        let edited = DefectDraft {
            category: Category::Electrical,
            severity: Severity::Low,
            ..kept
        };
        // Back to the draft to confirm, with its photos and note, not to photos again.
        assert_eq!(step.ask, Ask::Confirm(edited));
    }

    #[test]
    fn discard_drops_the_draft_and_asks_the_room() {
        let step = next(
            walk(InspectStep::Confirm { draft: draft() }),
            Input::Button(Button::Discard),
        );
        assert_eq!(step.ask, Ask::Discarded);
        assert_eq!(phase_after(&step), &InspectStep::Room);
    }

    #[test]
    fn after_a_save_the_next_defect_another_room_or_finish() {
        let saved = || {
            walk(InspectStep::Saved {
                room: Room::Bathroom,
            })
        };
        let step = next(saved(), Input::Button(Button::Next));
        assert_eq!(
            step.ask,
            Ask::Category {
                room: Room::Bathroom
            }
        );
        let step = next(saved(), Input::Button(Button::OtherRoom));
        assert_eq!(step.ask, Ask::Room);
        assert_eq!(phase_after(&step), &InspectStep::Room);
        assert_eq!(
            next(saved(), Input::Button(Button::Finish)),
            Step::end(Ask::Finish)
        );
        // Finishing from the rooms too (a home without defects).
        assert_eq!(
            next(walk(InspectStep::Room), Input::Button(Button::Finish)),
            Step::end(Ask::Finish)
        );
    }

    #[test]
    fn a_button_from_another_step_is_stale_and_changes_nothing() {
        let cases = [
            (InspectStep::Room, Button::Save),
            (InspectStep::Room, Button::Category(Category::Plumbing)),
            (
                InspectStep::Category {
                    room: Room::Kitchen,
                    keep: None,
                },
                Button::Room(Room::Bathroom),
            ),
            (
                InspectStep::Photos {
                    draft: draft(),
                    album: None,
                },
                Button::Finish,
            ),
            (InspectStep::Confirm { draft: draft() }, Button::Next),
            (
                InspectStep::Saved {
                    room: Room::Kitchen,
                },
                Button::Save,
            ),
        ];
        for (phase, button) in cases {
            assert_eq!(
                next(walk(phase.clone()), Input::Button(button)),
                Step::stay(Ask::Stale),
                "{button:?} at {phase:?}"
            );
        }
    }

    #[test]
    fn messages_where_only_buttons_work_get_the_hint() {
        for phase in [
            InspectStep::Room,
            InspectStep::Category {
                room: Room::Kitchen,
                keep: None,
            },
            InspectStep::Saved {
                room: Room::Kitchen,
            },
        ] {
            assert_eq!(
                next(walk(phase), Input::Text("hello".into())),
                Step::stay(Ask::ButtonsHint)
            );
        }
    }

    #[test]
    fn the_stored_form_is_unchanged() {
        let state = walk(InspectStep::Photos {
            draft: draft(),
            album: Some("g".into()),
        });
        let json = serde_json::to_value(&state).expect("serialises");
        assert_eq!(json["phase"]["at"], "photos");
        assert_eq!(json["phase"]["album"], "g");
        assert_eq!(json["unit"], "1-0101");
        assert_eq!(json["inspection"], 7);
    }
}
