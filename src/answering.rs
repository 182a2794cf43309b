//! Which chat the work in hand answers.
//!
//! A message queued for the person whose message or button press is being handled (a booking's
//! confirmation) answers them: they are looking at the chat, waiting for it. A thousand
//! invitations queued a minute earlier have nobody waiting. The outbox therefore sends answering
//! messages ahead of the rest, their own chat's older notices too (see `store::queue::OUTBOX`). Which
//! chat is being answered is known where the update comes in, and a message is queued deep
//! inside a use case, so the chat is carried with the task, as the rehearsal mark is: each
//! message and button press is handled in [`scope`], and the store asks [`answers`]. A message
//! someone is waiting for though it answers another person (the handover record for the buyer
//! at the door, `services::tell::Message::waited_for`) is queued in its recipient's scope.

use std::future::Future;

tokio::task_local! {
    static CHAT: i64;
    static UPDATE: i64;
}

/// Runs `work` as the handling of something the person in `chat` sent.
pub async fn scope<F: Future>(chat: i64, work: F) -> F::Output {
    CHAT.scope(chat, work).await
}

/// Whether a message to `chat` answers the person whose update is being handled. Outside a
/// scope (a scheduled job, the command line) nothing answers anyone.
pub fn answers(chat: i64) -> bool {
    CHAT.try_with(|answering| *answering == chat)
        .unwrap_or(false)
}

/// Runs `work` as the handling of update `update_id`: a conversation step stored meanwhile is
/// marked as that update's (see `bot::Turn::step_taken_before`).
pub async fn handling<F: Future>(update_id: i64, work: F) -> F::Output {
    UPDATE.scope(update_id, work).await
}

/// The update being handled, if any.
pub fn update() -> Option<i64> {
    UPDATE.try_with(|update| *update).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_chat_being_answered_and_only_inside_the_scope() {
        assert!(!answers(7), "outside a scope nothing answers anyone");
        scope(7, async {
            assert!(answers(7));
            assert!(!answers(8), "a message to someone else is not an answer");
        })
        .await;
        assert!(!answers(7));
    }
}
