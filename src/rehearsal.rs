//! Which rehearsal (演练) the work in hand belongs to.
//!
//! A rehearsal runs on the same bot, database and staff as the real campaign, and ending it must
//! remove everything it caused — messages queued, jobs scheduled, audit entries, half-finished
//! dialogues — and nothing else. The rows that carry no project of their own (outbox, jobs,
//! audit log, dialogues) are therefore stamped with the rehearsal they were written for. Which
//! rehearsal that is becomes known deep inside a use case (the household loaded turns out to be
//! a rehearsal's), so it is carried with the task rather than through every signature: each
//! update, job run and Mini App request runs in [`scope`], loading a rehearsal household marks
//! it ([`touch`]), and the store stamps what it writes with [`current`]. Outside a scope (the
//! command line, the notifier) nothing is marked and nothing is stamped. A sweep over the whole
//! campaign runs [`untracked`]: it may pass a rehearsal household among hundreds of real ones,
//! and what it writes for the real ones must not be taken for the rehearsal's.

use std::cell::Cell;
use std::future::Future;

struct Mark {
    rehearsal: Cell<Option<i64>>,
    /// Loading a rehearsal household does not mark this unit of work.
    sealed: bool,
}

tokio::task_local! {
    static MARK: Mark;
}

/// Runs `work` as one unit of work: marked from the start when it is known to belong to a
/// rehearsal (a job scheduled by one), else marked once it touches one.
pub async fn scope<F: Future>(rehearsal: Option<i64>, work: F) -> F::Output {
    let mark = Mark {
        rehearsal: Cell::new(rehearsal),
        sealed: false,
    };
    MARK.scope(mark, work).await
}

/// Runs `work` (a sweep over the whole campaign) unmarked, whatever it touches.
pub async fn untracked<F: Future>(work: F) -> F::Output {
    let mark = Mark {
        rehearsal: Cell::new(None),
        sealed: true,
    };
    MARK.scope(mark, work).await
}

/// Marks the current unit of work as acting on the rehearsal project `rehearsal`.
pub fn touch(rehearsal: i64) {
    let _outside_any_scope = MARK.try_with(|mark| {
        if !mark.sealed {
            mark.rehearsal.set(Some(rehearsal));
        }
    });
}

/// The rehearsal the current unit of work acts on, if any.
pub fn current() -> Option<i64> {
    MARK.try_with(|mark| mark.rehearsal.get()).ok().flatten()
}

/// The mark every message about a rehearsal carries, so nobody mistakes it for the campaign.
pub const MARKER: &str = "【演练 · rehearsal】";

/// `text` marked as the rehearsal's when the current unit of work acts on one.
pub fn marked(text: String) -> String {
    if current().is_some() && !text.starts_with(MARKER) {
        format!("{MARKER}\n{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_mark_lives_as_long_as_its_scope_and_only_there() {
        assert_eq!(current(), None);
        touch(7);
        assert_eq!(current(), None, "outside a scope nothing is marked");
        let inside = scope(None, async {
            assert_eq!(marked("hi".into()), "hi");
            touch(7);
            (current(), marked("hi".into()))
        })
        .await;
        assert_eq!(inside, (Some(7), format!("{MARKER}\nhi")));
        assert_eq!(current(), None);
        assert_eq!(scope(Some(3), async { current() }).await, Some(3));
        let swept = untracked(async {
            touch(7);
            current()
        })
        .await;
        assert_eq!(swept, None);
    }
}
