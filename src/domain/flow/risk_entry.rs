//! A supervisor adding a risk to the register (`/risks add`): the category, the scope, what
//! differs, the planned response, the owner, the severity. The response and the owner may be
//! left for later with a button or "-".

use super::{Input, Step, valid_text};
use crate::domain::risk::{RiskCategory, RiskScope, Severity};
use serde::{Deserialize, Serialize};

/// What the supervisor has given so far. Stored in the dialogue state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RiskDraft {
    #[serde(default)]
    pub category: Option<RiskCategory>,
    #[serde(default)]
    pub scope: Option<RiskScope>,
    #[serde(default)]
    pub difference: Option<String>,
    /// `Some("")`: left for later (an empty text survives the stored JSON, a nested `None`
    /// would not).
    #[serde(default)]
    pub response: Option<String>,
    /// The owner's name as typed and found (`Some("")`: none yet).
    #[serde(default)]
    pub owner: Option<String>,
}

/// The flow's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Category(RiskCategory),
    Severity(Severity),
    /// Leave the response or the owner for later.
    Skip,
}

/// What to ask or say next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Category,
    Scope,
    Difference,
    Response,
    Owner,
    Severity,
    /// Save it; the conversation ends with the record.
    Save {
        draft: RiskDraft,
        severity: Severity,
    },
    /// The scope's words name no part of the project: say how to write one.
    InvalidScope,
    InvalidText,
    UseButtons,
    TextExpected,
    Stale,
}

/// The draft's response or owner as given, `None` when left for later.
pub fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|t| !t.is_empty())
}

pub type RiskStep = Step<RiskDraft, Ask>;

pub fn start() -> RiskStep {
    Step::go(RiskDraft::default(), Ask::Category)
}

/// The step being asked in `draft`.
pub fn asking(draft: &RiskDraft) -> Ask {
    match draft {
        RiskDraft { category: None, .. } => Ask::Category,
        RiskDraft { scope: None, .. } => Ask::Scope,
        RiskDraft {
            difference: None, ..
        } => Ask::Difference,
        RiskDraft { response: None, .. } => Ask::Response,
        RiskDraft { owner: None, .. } => Ask::Owner,
        _ => Ask::Severity,
    }
}

/// "-" (or a dash of another width) leaves an optional step for later.
fn is_skip(text: &str) -> bool {
    matches!(text.trim(), "-" | "－" | "—" | "无")
}

/// `input` at the step `draft` is asking. An owner's name arrives here only once the bot found
/// a staff member of that name.
pub fn next(draft: RiskDraft, input: Input<Button>) -> RiskStep {
    let asking = asking(&draft);
    match (asking, input) {
        (Ask::Category, Input::Button(Button::Category(category))) => Step::go(
            RiskDraft {
                category: Some(category),
                ..draft
            },
            Ask::Scope,
        ),
        (Ask::Severity, Input::Button(Button::Severity(severity))) => {
            Step::end(Ask::Save { draft, severity })
        }
        (Ask::Response, Input::Button(Button::Skip)) => Step::go(
            RiskDraft {
                response: Some(String::new()),
                ..draft
            },
            Ask::Owner,
        ),
        (Ask::Owner, Input::Button(Button::Skip)) => Step::go(
            RiskDraft {
                owner: Some(String::new()),
                ..draft
            },
            Ask::Severity,
        ),
        (_, Input::Button(_)) => Step::stay(Ask::Stale),
        (Ask::Category | Ask::Severity, Input::Text(_)) => Step::stay(Ask::UseButtons),
        (Ask::Scope, Input::Text(text)) => match crate::domain::risk::scope_from_words(&text) {
            Some(scope) => Step::go(
                RiskDraft {
                    scope: Some(scope),
                    ..draft
                },
                Ask::Difference,
            ),
            None => Step::stay(Ask::InvalidScope),
        },
        (Ask::Difference, Input::Text(text)) => match valid_text(&text) {
            Some(text) => Step::go(
                RiskDraft {
                    difference: Some(text),
                    ..draft
                },
                Ask::Response,
            ),
            None => Step::stay(Ask::InvalidText),
        },
        (Ask::Response, Input::Text(text)) if is_skip(&text) => {
            next(draft, Input::Button(Button::Skip))
        }
        (Ask::Response, Input::Text(text)) => match valid_text(&text) {
            Some(text) => Step::go(
                RiskDraft {
                    response: Some(text),
                    ..draft
                },
                Ask::Owner,
            ),
            None => Step::stay(Ask::InvalidText),
        },
        (Ask::Owner, Input::Text(text)) if is_skip(&text) => {
            next(draft, Input::Button(Button::Skip))
        }
        (Ask::Owner, Input::Text(text)) => match valid_text(&text) {
            Some(name) => Step::go(
                RiskDraft {
                    owner: Some(name),
                    ..draft
                },
                Ask::Severity,
            ),
            None => Step::stay(Ask::InvalidText),
        },
        (_, Input::Text(_)) => Step::stay(Ask::Stale),
        (_, Input::Photo { .. } | Input::Voice { .. } | Input::Other) => {
            Step::stay(Ask::TextExpected)
        }
    }
}

/// Whether a text at `draft`'s step is an owner's name the bot must look up first.
pub fn wants_owner(draft: &RiskDraft, text: &str) -> bool {
    asking(draft) == Ask::Owner && !is_skip(text) && valid_text(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::super::Next;
    use super::*;

    fn text(t: &str) -> Input<Button> {
        Input::Text(t.to_string())
    }

    fn go(step: RiskStep) -> RiskDraft {
        match step.next {
            Next::Go(draft) => draft,
            other => panic!("expected a next state, got {other:?} ({:?})", step.ask),
        }
    }

    #[test]
    fn every_step_in_order_saves_the_risk() {
        let step = start();
        assert_eq!(step.ask, Ask::Category);
        let draft = go(step);
        let step = next(
            draft,
            Input::Button(Button::Category(RiskCategory::SalesPromise)),
        );
        assert_eq!(step.ask, Ask::Scope);
        let step = next(go(step), text("户型 A2"));
        assert_eq!(step.ask, Ask::Difference);
        let step = next(go(step), text("楼书写的是落地窗"));
        assert_eq!(step.ask, Ask::Response);
        let step = next(go(step), text("解释规划变更，赠送窗帘"));
        assert_eq!(step.ask, Ask::Owner);
        let step = next(go(step), text("王经理"));
        assert_eq!(step.ask, Ask::Severity);
        let step = next(go(step), Input::Button(Button::Severity(Severity::High)));
        assert_eq!(step.next, Next::End);
        let Ask::Save { draft, severity } = step.ask else {
            panic!("expected save");
        };
        assert_eq!(severity, Severity::High);
        assert_eq!(
            draft.scope,
            Some(RiskScope::UnitType {
                unit_type: "A2".into()
            })
        );
        assert_eq!(draft.response.as_deref(), Some("解释规划变更，赠送窗帘"));
        assert_eq!(draft.owner.as_deref(), Some("王经理"));
    }

    #[test]
    fn response_and_owner_may_be_left_for_later() {
        let draft = RiskDraft {
            category: Some(RiskCategory::Other),
            scope: Some(RiskScope::Project),
            difference: Some("x".into()),
            ..RiskDraft::default()
        };
        let step = next(draft, text("-"));
        assert_eq!(step.ask, Ask::Owner);
        let draft = go(step);
        assert_eq!(draft.response.as_deref(), Some(""));
        assert!(!wants_owner(&draft, "-"));
        assert!(wants_owner(&draft, "王经理"));
        let step = next(draft, Input::Button(Button::Skip));
        assert_eq!(step.ask, Ask::Severity);
        let draft = go(step);
        assert_eq!(draft.owner.as_deref(), Some(""));
        // What was left for later is still so once stored and read back.
        let stored = serde_json::to_string(&draft).expect("stored");
        let read: RiskDraft = serde_json::from_str(&stored).expect("read back");
        assert_eq!(read, draft);
        assert_eq!(asking(&read), Ask::Severity);
    }

    #[test]
    fn bad_input_is_asked_again() {
        let draft = RiskDraft {
            category: Some(RiskCategory::Other),
            ..RiskDraft::default()
        };
        assert_eq!(
            next(draft.clone(), text("   ")),
            Step::stay(Ask::InvalidScope)
        );
        assert_eq!(
            next(RiskDraft::default(), text("hi")),
            Step::stay(Ask::UseButtons)
        );
        assert_eq!(
            next(
                draft.clone(),
                Input::Button(Button::Severity(Severity::Low))
            ),
            Step::stay(Ask::Stale)
        );
        assert_eq!(
            next(draft.clone(), Input::Other),
            Step::stay(Ask::TextExpected)
        );
        let at_difference = RiskDraft {
            scope: Some(RiskScope::Project),
            ..draft
        };
        assert_eq!(
            next(
                at_difference,
                text(&"x".repeat(super::super::MAX_TEXT_CHARS + 1))
            ),
            Step::stay(Ask::InvalidText)
        );
    }
}
