//! Conversation state kept in our own database (teloxide's `Storage` over our pool), so a
//! restart in the middle of a conversation keeps every step the person already gave.

use crate::clock::SharedClock;
pub use crate::domain::flow::handover::HandoverAsk;
pub use crate::domain::flow::walkthrough::InspectStep;
use crate::domain::flow::{
    answer_entry, buyer_report, complaint, fix, handover, precontact_call, risk_entry, walkthrough,
};
use crate::domain::remediation::Action;
use crate::store::{Store, StoreError};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

/// Where a person is in a multi-step conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum State {
    #[default]
    Idle,
    /// The buyer pressed "correct my address" and we wait for the new one.
    AwaitingAddress,
    /// An ambassador pressed "add a note" on a household's card.
    AwaitingNote { unit_id: i64 },
    /// A staff member pressed "reply" on a buyer's message.
    AwaitingReply { unit_id: i64 },
    /// A buyer reporting a problem: the home, and what they have given so far.
    Reporting(buyer_report::Report),
    /// A reviewer rejecting buyer report `defect` types the reason the buyer will see.
    AwaitingRejectReason { defect: i64 },
    /// Someone pressed a remediation step on defect `defect`: a text is its note (the reason,
    /// for steps that need one) and takes it.
    Stepping { defect: i64, action: Action },
    /// A router gave `defect` to an engineer and may name the contractor next.
    AwaitingContractor { defect: i64 },
    /// An engineer choosing several defects of `unit` to mark fixed together.
    ChoosingFixes {
        unit: i64,
        #[serde(default)]
        chosen: Vec<i64>,
    },
    /// An engineer giving after-fix photos (and a note) for each defect, `current` at a time.
    Fixing(fix::Fixing),
    /// An ambassador running the handover checklist of `unit`: what is recorded so far and
    /// the step being asked.
    HandingOver(handover::HandingOver),
    /// A buyer saying what is wrong with handover record `handover`.
    AwaitingHandoverIssue { handover: i64 },
    /// A buyer may add a comment to survey `follow_up`.
    AwaitingSurveyComment { follow_up: i64 },
    /// A buyer filing a complaint about home `unit`.
    Complaining(complaint::Complaint),
    /// An ambassador's walk-through of a home: the step and the defect being recorded.
    Inspecting(walkthrough::Walkthrough),
    /// A supervisor adding a risk to the register.
    AddingRisk(risk_entry::RiskDraft),
    /// A risk's owner (or a supervisor) writing its planned response.
    AwaitingRiskResponse { risk: i64 },
    /// An ambassador logging an early call to a key household.
    Calling(precontact_call::CallLog),
    /// A supervisor adding an answer to the library.
    AddingAnswer(answer_entry::AnswerDraft),
    /// A supervisor typing the new value of one field of answer `answer` (a new version).
    EditingAnswer {
        answer: i64,
        field: answer_entry::AnswerField,
    },
    /// A buyer pressed /ask without a question: the next text is the question.
    AwaitingQuestion,
    /// An expert (or a supervisor) typing the answer to consultation `consultation`.
    AnsweringConsultation { consultation: i64 },
}

/// A saved state as stored (JSON); none is no state.
pub fn decode(saved: Option<&str>) -> Result<Option<State>, DialogueError> {
    saved
        .map(|text| serde_json::from_str(text).map_err(|_| DialogueError::Undecodable))
        .transpose()
}

#[derive(Debug, thiserror::Error)]
pub enum DialogueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored state from an older version that this one cannot read; the caller resets it.
    #[error("undecodable dialogue state")]
    Undecodable,
}

pub struct DbStorage {
    store: Store,
    clock: SharedClock,
}

impl DbStorage {
    pub fn new(store: Store, clock: SharedClock) -> Arc<Self> {
        Arc::new(DbStorage { store, clock })
    }
}

impl Storage<State> for DbStorage {
    type Error = DialogueError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let mut tx = self.store.begin().await?;
            tx.remove_dialogue(chat_id.0).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: State,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let mut tx = self.store.begin().await?;
            if dialogue == State::Idle {
                tx.remove_dialogue(chat_id.0).await?;
            } else {
                let text =
                    serde_json::to_string(&dialogue).map_err(|_| DialogueError::Undecodable)?;
                tx.save_dialogue(chat_id.0, &text, self.clock.now()).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<State>, Self::Error>> {
        Box::pin(async move {
            let mut tx = self.store.read().await?;
            let text = tx.dialogue(chat_id.0).await?;
            tx.commit().await?;
            decode(text.as_deref())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// States written by earlier versions, as stored: they still decode, and are written back
    /// byte for byte.
    #[test]
    fn stored_states_still_decode_and_write_back_the_same() {
        for (stored, state) in [
            (
                r#"{"step":"awaiting_note","unit_id":7}"#,
                State::AwaitingNote { unit_id: 7 },
            ),
            (
                r#"{"step":"awaiting_contractor","defect":12}"#,
                State::AwaitingContractor { defect: 12 },
            ),
            (
                r#"{"step":"awaiting_reject_reason","defect":5}"#,
                State::AwaitingRejectReason { defect: 5 },
            ),
            (
                r#"{"step":"choosing_fixes","unit":3,"chosen":[4,9]}"#,
                State::ChoosingFixes {
                    unit: 3,
                    chosen: vec![4, 9],
                },
            ),
        ] {
            assert_eq!(decode(Some(stored)).unwrap(), Some(state.clone()));
            assert_eq!(serde_json::to_string(&state).unwrap(), stored);
        }
        assert!(matches!(
            decode(Some(r#"{"step":"no_such_step"}"#)),
            Err(DialogueError::Undecodable)
        ));
    }

    /// The risk dialogue's and the early call's states, as stored, with what was left for later.
    #[test]
    fn stored_risk_and_call_states_keep_their_form() {
        for stored in [
            r#"{"step":"adding_risk","category":"drawings","scope":{"scope":"unit_type","unit_type":"A2"},"difference":"x","response":"","owner":null}"#,
            r#"{"step":"awaiting_risk_response","risk":4}"#,
            r#"{"step":"calling","unit":7,"offered":[3,5],"reached":true,"attitude":"hostile","risks":[5],"risks_done":true,"concerns":""}"#,
        ] {
            let state = decode(Some(stored)).unwrap().unwrap();
            assert_eq!(serde_json::to_string(&state).unwrap(), stored);
        }
    }

    /// The walk-through's and the handover checklist's states, as stored, in each of their steps.
    #[test]
    fn stored_walkthrough_and_handover_states_keep_their_form() {
        let draft = r#"{"room":"kitchen","category":"leakage","severity":"urgent","note":"drip","photos":["a","b"],"voice":"v"}"#;
        let bare = r#"{"room":"bedroom","category":"plumbing","severity":"low","note":"","photos":[],"voice":null}"#;
        let phases = [
            r#"{"at":"room"}"#.to_string(),
            r#"{"at":"category","room":"kitchen","keep":null}"#.to_string(),
            format!(r#"{{"at":"category","room":"kitchen","keep":{draft}}}"#),
            r#"{"at":"severity","room":"balcony","category":"electrical","keep":null}"#.to_string(),
            format!(r#"{{"at":"photos","draft":{bare},"album":"g1"}}"#),
            format!(r#"{{"at":"photos","draft":{bare},"album":null}}"#),
            format!(r#"{{"at":"confirm","draft":{draft}}}"#),
            r#"{"at":"saved","room":"exterior"}"#.to_string(),
        ];
        for phase in phases {
            let stored = format!(
                r#"{{"step":"inspecting","inspection":3,"unit":"1-2-301","phase":{phase}}}"#
            );
            let state = decode(Some(&stored)).unwrap().unwrap();
            assert!(matches!(state, State::Inspecting { .. }), "{stored}");
            assert_eq!(serde_json::to_string(&state).unwrap(), stored);
        }
        let handover_draft = r#"{"keys":[["mailbox",2]],"meters":[{"meter":"water","reading":"12.5","photo":"p"}],"meters_absent":["gas"],"documents":["usage_manual"]}"#;
        let asks = [
            r#"{"at":"keys","index":1}"#,
            r#"{"at":"meter","index":0,"reading":null,"photo":null}"#,
            r#"{"at":"meter","index":2,"reading":"7","photo":"p","queued":["q","r"]}"#,
            r#"{"at":"documents"}"#,
            r#"{"at":"review"}"#,
        ];
        for ask in asks {
            let stored = format!(
                r#"{{"step":"handing_over","unit":7,"label":"1-2-301","draft":{handover_draft},"ask":{ask}}}"#
            );
            let state = decode(Some(&stored)).unwrap().unwrap();
            assert!(matches!(state, State::HandingOver { .. }), "{stored}");
            assert_eq!(serde_json::to_string(&state).unwrap(), stored);
        }
        // Written by earlier versions without the fields that have defaults.
        for (old, now) in [
            (
                r#"{"step":"inspecting","inspection":3,"unit":"u","phase":{"at":"category","room":"kitchen"}}"#,
                r#"{"step":"inspecting","inspection":3,"unit":"u","phase":{"at":"category","room":"kitchen","keep":null}}"#,
            ),
            (
                r#"{"step":"handing_over","unit":7,"label":"u","ask":{"at":"meter","index":0}}"#,
                r#"{"step":"handing_over","unit":7,"label":"u","draft":{"keys":[],"meters":[],"meters_absent":[],"documents":[]},"ask":{"at":"meter","index":0,"reading":null,"photo":null}}"#,
            ),
        ] {
            let state = decode(Some(old)).unwrap().unwrap();
            assert_eq!(serde_json::to_string(&state).unwrap(), now);
        }
    }
}
