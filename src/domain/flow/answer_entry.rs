//! A supervisor adding an approved answer to the library (`/answers add`): the question, the
//! keywords buyers would use, the answer in Chinese, in English (may be left out), the homes it
//! is for, and whether buyers may get it directly from `/ask`. Also one field of an answer
//! changed from its card (a new version).

use super::{Input, Step};
use crate::domain::risk::{RiskScope, scope_from_words};
use serde::{Deserialize, Serialize};

/// Longest answer text: a Telegram message holds 4,096 characters, and a message carrying an
/// answer adds a header.
pub const MAX_ANSWER_CHARS: usize = 2000;
/// Longest question.
pub const MAX_QUESTION_CHARS: usize = 200;
/// Most keywords an answer is found by.
pub const MAX_KEYWORDS: usize = 30;

/// What the supervisor has given so far. Stored in the dialogue state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AnswerDraft {
    #[serde(default)]
    pub question: Option<String>,
    #[serde(default)]
    pub keywords: Option<Vec<String>>,
    #[serde(default)]
    pub text_zh: Option<String>,
    /// `Some("")`: no English text (an empty text survives the stored JSON, a nested `None`
    /// would not).
    #[serde(default)]
    pub text_en: Option<String>,
    #[serde(default)]
    pub scope: Option<RiskScope>,
}

/// One field of an answer, changed from its card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerField {
    Question,
    Keywords,
    TextZh,
    TextEn,
    Scope,
    /// The risk register's items it answers.
    Risks,
}

impl AnswerField {
    pub const ALL: [AnswerField; 6] = [
        AnswerField::Question,
        AnswerField::Keywords,
        AnswerField::TextZh,
        AnswerField::TextEn,
        AnswerField::Scope,
        AnswerField::Risks,
    ];

    pub fn code(self) -> char {
        match self {
            AnswerField::Question => 'q',
            AnswerField::Keywords => 'k',
            AnswerField::TextZh => 'z',
            AnswerField::TextEn => 'e',
            AnswerField::Scope => 's',
            AnswerField::Risks => 'r',
        }
    }

    pub fn from_code(code: char) -> Option<AnswerField> {
        AnswerField::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// A field's new value, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Question(String),
    Keywords(Vec<String>),
    TextZh(String),
    TextEn(Option<String>),
    Scope(RiskScope),
    Risks(Vec<i64>),
}

/// The flow's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// No keywords, or no English text.
    Skip,
    /// The whole project.
    WholeProject,
    /// Whether buyers may get it from `/ask`.
    BuyersMaySee(bool),
}

/// What to ask or say next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Question,
    Keywords,
    TextZh,
    TextEn,
    Scope,
    BuyersMaySee,
    /// Save it; the conversation ends with the record.
    Save {
        draft: AnswerDraft,
        buyers_may_see: bool,
    },
    InvalidScope,
    /// Too long, or empty.
    InvalidText {
        max: usize,
    },
    InvalidRisks,
    UseButtons,
    TextExpected,
    Stale,
}

pub type AnswerStep = Step<AnswerDraft, Ask>;

/// Why a typed value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Empty, or longer than `max` characters.
    Text {
        max: usize,
    },
    Scope,
    Risks,
}

impl From<Invalid> for Ask {
    fn from(invalid: Invalid) -> Ask {
        match invalid {
            Invalid::Text { max } => Ask::InvalidText { max },
            Invalid::Scope => Ask::InvalidScope,
            Invalid::Risks => Ask::InvalidRisks,
        }
    }
}

pub fn start() -> AnswerStep {
    Step::go(AnswerDraft::default(), Ask::Question)
}

/// The step being asked in `draft`.
pub fn asking(draft: &AnswerDraft) -> Ask {
    match draft {
        AnswerDraft { question: None, .. } => Ask::Question,
        AnswerDraft { keywords: None, .. } => Ask::Keywords,
        AnswerDraft { text_zh: None, .. } => Ask::TextZh,
        AnswerDraft { text_en: None, .. } => Ask::TextEn,
        AnswerDraft { scope: None, .. } => Ask::Scope,
        _ => Ask::BuyersMaySee,
    }
}

/// "-" (or a dash of another width, or 无) leaves an optional step out.
pub fn is_skip(text: &str) -> bool {
    matches!(text.trim(), "-" | "－" | "—" | "无")
}

/// A text as kept: trimmed, not empty, at most `max` characters.
fn checked(text: &str, max: usize) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        Err(Invalid::Text { max })
    } else {
        Ok(text.to_string())
    }
}

/// Keywords as a supervisor types them: separated by commas (of either width), 、, semicolons,
/// slashes or new lines; duplicates dropped.
pub fn keywords_from_text(text: &str) -> Vec<String> {
    let mut keywords: Vec<String> = Vec::new();
    for keyword in text
        .split([',', '，', '、', ';', '；', '/', '\n'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        if !keywords.iter().any(|k| k == keyword) {
            keywords.push(keyword.to_string());
        }
    }
    keywords
}

/// The value typed for `field`, checked; `Err` says what to answer instead.
pub fn field_value(field: AnswerField, text: &str) -> Result<FieldValue, Invalid> {
    match field {
        AnswerField::Question => checked(text, MAX_QUESTION_CHARS).map(FieldValue::Question),
        AnswerField::Keywords => keywords(text).map(FieldValue::Keywords),
        AnswerField::TextZh => checked(text, MAX_ANSWER_CHARS).map(FieldValue::TextZh),
        AnswerField::TextEn if is_skip(text) => Ok(FieldValue::TextEn(None)),
        AnswerField::TextEn => checked(text, MAX_ANSWER_CHARS).map(|t| FieldValue::TextEn(Some(t))),
        AnswerField::Scope => scope_from_words(text)
            .map(FieldValue::Scope)
            .ok_or(Invalid::Scope),
        AnswerField::Risks if is_skip(text) => Ok(FieldValue::Risks(Vec::new())),
        AnswerField::Risks => {
            let ids: Option<Vec<i64>> = text
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().ok())
                .collect();
            match ids {
                Some(ids) if !ids.is_empty() && ids.len() <= MAX_KEYWORDS => {
                    Ok(FieldValue::Risks(ids))
                }
                _ => Err(Invalid::Risks),
            }
        }
    }
}

fn keywords(text: &str) -> Result<Vec<String>, Invalid> {
    if is_skip(text) {
        return Ok(Vec::new());
    }
    let keywords = keywords_from_text(text);
    let too_long = keywords.iter().any(|k| k.chars().count() > 50);
    if keywords.is_empty() || keywords.len() > MAX_KEYWORDS || too_long {
        Err(Invalid::Text { max: 50 })
    } else {
        Ok(keywords)
    }
}

/// `input` at the step `draft` is asking.
pub fn next(draft: AnswerDraft, input: Input<Button>) -> AnswerStep {
    let asking = asking(&draft);
    match (asking, input) {
        (Ask::Keywords, Input::Button(Button::Skip)) => Step::go(
            AnswerDraft {
                keywords: Some(Vec::new()),
                ..draft
            },
            Ask::TextZh,
        ),
        (Ask::TextEn, Input::Button(Button::Skip)) => Step::go(
            AnswerDraft {
                text_en: Some(String::new()),
                ..draft
            },
            Ask::Scope,
        ),
        (Ask::Scope, Input::Button(Button::WholeProject)) => Step::go(
            AnswerDraft {
                scope: Some(RiskScope::Project),
                ..draft
            },
            Ask::BuyersMaySee,
        ),
        (Ask::BuyersMaySee, Input::Button(Button::BuyersMaySee(buyers_may_see))) => {
            Step::end(Ask::Save {
                draft,
                buyers_may_see,
            })
        }
        (_, Input::Button(_)) => Step::stay(Ask::Stale),
        (Ask::BuyersMaySee, Input::Text(_)) => Step::stay(Ask::UseButtons),
        (Ask::Question, Input::Text(text)) => match field_value(AnswerField::Question, &text) {
            Ok(FieldValue::Question(question)) => Step::go(
                AnswerDraft {
                    question: Some(question),
                    ..draft
                },
                Ask::Keywords,
            ),
            Ok(_) => Step::stay(Ask::Stale),
            Err(invalid) => Step::stay(invalid.into()),
        },
        (Ask::Keywords, Input::Text(text)) => match keywords(&text) {
            Ok(keywords) => Step::go(
                AnswerDraft {
                    keywords: Some(keywords),
                    ..draft
                },
                Ask::TextZh,
            ),
            Err(invalid) => Step::stay(invalid.into()),
        },
        (Ask::TextZh, Input::Text(text)) => match checked(&text, MAX_ANSWER_CHARS) {
            Ok(text) => Step::go(
                AnswerDraft {
                    text_zh: Some(text),
                    ..draft
                },
                Ask::TextEn,
            ),
            Err(invalid) => Step::stay(invalid.into()),
        },
        (Ask::TextEn, Input::Text(text)) if is_skip(&text) => {
            next(draft, Input::Button(Button::Skip))
        }
        (Ask::TextEn, Input::Text(text)) => match checked(&text, MAX_ANSWER_CHARS) {
            Ok(text) => Step::go(
                AnswerDraft {
                    text_en: Some(text),
                    ..draft
                },
                Ask::Scope,
            ),
            Err(invalid) => Step::stay(invalid.into()),
        },
        (Ask::Scope, Input::Text(text)) => match scope_from_words(&text) {
            Some(scope) => Step::go(
                AnswerDraft {
                    scope: Some(scope),
                    ..draft
                },
                Ask::BuyersMaySee,
            ),
            None => Step::stay(Ask::InvalidScope),
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

    fn text(t: &str) -> Input<Button> {
        Input::Text(t.to_string())
    }

    fn go(step: AnswerStep) -> AnswerDraft {
        match step.next {
            Next::Go(draft) => draft,
            other => panic!("expected a next state, got {other:?} ({:?})", step.ask),
        }
    }

    #[test]
    fn every_step_in_order_saves_the_answer() {
        let step = start();
        assert_eq!(step.ask, Ask::Question);
        let step = next(go(step), text("车位配比为什么比宣传的少？"));
        assert_eq!(step.ask, Ask::Keywords);
        let step = next(go(step), text("车位，停车位、车库"));
        assert_eq!(step.ask, Ask::TextZh);
        let draft = go(step);
        assert_eq!(
            draft.keywords.as_deref(),
            Some(&["车位".to_string(), "停车位".to_string(), "车库".to_string()][..])
        );
        let step = next(draft, text("车位配比 1:1.2，符合规划许可。"));
        assert_eq!(step.ask, Ask::TextEn);
        let step = next(go(step), text("-"));
        assert_eq!(step.ask, Ask::Scope);
        let step = next(go(step), Input::Button(Button::WholeProject));
        assert_eq!(step.ask, Ask::BuyersMaySee);
        let step = next(go(step), Input::Button(Button::BuyersMaySee(true)));
        assert_eq!(step.next, Next::End);
        match step.ask {
            Ask::Save {
                draft,
                buyers_may_see,
            } => {
                assert!(buyers_may_see);
                assert_eq!(draft.text_en.as_deref(), Some(""));
                assert_eq!(draft.scope, Some(RiskScope::Project));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_input_keeps_the_step() {
        let draft = go(start());
        assert_eq!(
            next(draft.clone(), text("   ")).ask,
            Ask::InvalidText {
                max: MAX_QUESTION_CHARS
            }
        );
        assert_eq!(
            next(draft.clone(), Input::Button(Button::WholeProject)).ask,
            Ask::Stale
        );
        assert_eq!(next(draft, Input::Other).ask, Ask::TextExpected);
        assert_eq!(
            field_value(AnswerField::Risks, "3, 5").ok(),
            Some(FieldValue::Risks(vec![3, 5]))
        );
        assert!(field_value(AnswerField::Risks, "several").is_err());
        assert_eq!(
            field_value(AnswerField::Scope, "户型 A2").ok(),
            Some(FieldValue::Scope(RiskScope::UnitType {
                unit_type: "A2".into()
            }))
        );
    }
}
