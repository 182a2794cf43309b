//! Waking background workers without polling.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Wakes a background worker (the notifier, the scheduler) when new work was written or the
/// clock moved, and tells whoever watches when the worker has caught up and gone idle.
#[derive(Debug, Clone)]
pub struct Waker {
    work: Arc<Notify>,
    idle_rounds: Arc<watch::Sender<u64>>,
    progress: Arc<watch::Sender<u64>>,
}

impl Default for Waker {
    fn default() -> Self {
        Waker {
            work: Arc::new(Notify::new()),
            idle_rounds: Arc::new(watch::channel(0).0),
            progress: Arc::new(watch::channel(0).0),
        }
    }
}

impl Waker {
    pub fn wake(&self) {
        self.work.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.work.notified().await;
    }

    pub(crate) fn went_idle(&self) {
        self.idle_rounds.send_modify(|n| *n += 1);
    }

    /// Records that the worker's work moved on (an update handled), for [`Waker::wait_until`].
    pub(crate) fn progressed(&self) {
        self.progress.send_modify(|n| *n += 1);
    }

    /// Waits until `done` holds, looking again each time the worker's work moves on (at most
    /// `limit` of real time); returns whether it held. For tests that wait for an effect.
    pub async fn wait_until<F, Fut>(&self, limit: Duration, mut done: F) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let mut progress = self.progress.subscribe();
        let waited = tokio::time::timeout(limit, async {
            loop {
                // Marked before looking: progress made while `done` looks is not missed.
                progress.mark_unchanged();
                if done().await {
                    return true;
                }
                if progress.changed().await.is_err() {
                    return done().await;
                }
            }
        })
        .await;
        waited.unwrap_or(false)
    }

    /// Wakes the worker and waits until it has done what is due and gone idle again
    /// (at most `limit` of real time). For tools and tests that move the clock.
    pub async fn settle(&self, limit: Duration) {
        let mut rounds = self.idle_rounds.subscribe();
        rounds.mark_unchanged();
        self.wake();
        let _ = tokio::time::timeout(limit, async {
            // The round that was running when we woke it may have missed the new state.
            for _ in 0..2 {
                if rounds.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
    }
}
