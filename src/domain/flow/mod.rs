//! Conversations of several steps as pure state machines. Each flow has a state (stored as the
//! chat's dialogue state), the buttons it offers, and
//! `next(state, input) -> Step { next, ask }`: what the state becomes and what to ask or say.
//! A step that makes a record is an `Ask` carrying what to record; the bot calls the service
//! and then applies `next`, so a failure before the commit leaves the step open. Nothing here
//! reads the clock, the database or Telegram.

pub mod answer_entry;
pub mod buyer_report;
pub mod complaint;
pub mod fix;
pub mod handover;
pub mod precontact_call;
pub mod risk_entry;
pub mod walkthrough;

/// Longest free text a flow keeps (a description, a complaint, a reason).
pub const MAX_TEXT_CHARS: usize = 1000;

/// What a person gave at a step, decoded by the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input<B> {
    Text(String),
    /// A photo already kept: its content hash, and the album it came in.
    Photo {
        sha256: String,
        album: Option<String>,
    },
    /// A voice note already kept: its content hash.
    Voice {
        sha256: String,
    },
    /// A press of one of the flow's own buttons.
    Button(B),
    /// Anything else (a sticker, a voice note where none is asked).
    Other,
}

/// What the flow's state becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next<S> {
    /// Unchanged: nothing to store.
    Stay,
    Go(S),
    /// The conversation is over.
    End,
}

/// One transition: the state after the input, and what to ask or say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<S, A> {
    pub next: Next<S>,
    pub ask: A,
}

impl<S, A> Step<S, A> {
    pub fn stay(ask: A) -> Self {
        Step {
            next: Next::Stay,
            ask,
        }
    }

    pub fn go(state: S, ask: A) -> Self {
        Step {
            next: Next::Go(state),
            ask,
        }
    }

    pub fn end(ask: A) -> Self {
        Step {
            next: Next::End,
            ask,
        }
    }
}

/// A free text as kept: trimmed, not empty and at most [`MAX_TEXT_CHARS`].
pub fn valid_text(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(valid_text("  leak \n"), Some("leak".to_string()));
        assert_eq!(valid_text("   "), None);
        assert_eq!(
            valid_text(&"字".repeat(MAX_TEXT_CHARS)).map(|t| t.chars().count()),
            Some(MAX_TEXT_CHARS)
        );
        assert_eq!(valid_text(&"字".repeat(MAX_TEXT_CHARS + 1)), None);
    }
}
