//! All "now" comes from one clock, so tests move time instead of sleeping.
//!
//! Background workers (the scheduler, the notifier) wait for "the clock reads T" through
//! [`Clock::sleep_until`]: the system clock sleeps in real time, the manual clock wakes its
//! sleepers the moment a test moves it past T. Nothing polls.

use chrono::{DateTime, Duration, Utc};
use futures::future::BoxFuture;
use std::sync::Arc;
use tokio::sync::watch;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Resolves once this clock reads `deadline` or later, or after `max_wait` of real time,
    /// whichever comes first. Callers re-check their state after it resolves, so waking early
    /// is always allowed.
    ///
    /// The default sleeps in real time for `deadline - now()` (capped at `max_wait`), which is
    /// right for any clock that moves with the wall clock.
    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
        max_wait: std::time::Duration,
    ) -> BoxFuture<'static, ()> {
        let wait = (deadline - self.now())
            .to_std()
            .unwrap_or(std::time::Duration::ZERO)
            .min(max_wait);
        Box::pin(tokio::time::sleep(wait))
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to. Moving it wakes everything waiting in
/// [`Clock::sleep_until`] for a time it has now reached.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Arc::new(watch::Sender::new(start)),
        }
    }

    pub fn advance(&self, by: Duration) {
        self.now.send_modify(|now| *now += by);
    }

    pub fn set(&self, to: DateTime<Utc>) {
        self.now.send_replace(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    /// Waits (without polling) until a test moves the clock to `deadline` or later; `max_wait`
    /// of real time still bounds the wait, so a forgotten clock cannot hang a worker forever.
    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
        max_wait: std::time::Duration,
    ) -> BoxFuture<'static, ()> {
        let mut moved = self.now.subscribe();
        Box::pin(async move {
            let reached = async move {
                loop {
                    if *moved.borrow_and_update() >= deadline {
                        return;
                    }
                    if moved.changed().await.is_err() {
                        // The clock is gone; nothing will ever move it again.
                        std::future::pending::<()>().await;
                    }
                }
            };
            let _ = tokio::time::timeout(max_wait, reached).await;
        })
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn a_manual_sleeper_wakes_when_the_clock_passes_its_deadline() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let long = std::time::Duration::from_secs(3600);
        // Already reached: resolves at once.
        clock.sleep_until(start, long).await;

        let sleeper = tokio::spawn(clock.sleep_until(start + Duration::minutes(10), long));
        tokio::task::yield_now().await;
        clock.advance(Duration::minutes(5));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before the deadline");
        clock.advance(Duration::minutes(5));
        tokio::time::timeout(std::time::Duration::from_secs(10), sleeper)
            .await
            .expect("the sleeper woke")
            .unwrap();
    }

    #[tokio::test]
    async fn the_real_time_cap_bounds_a_manual_sleep() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let far = clock.now() + Duration::days(1);
        clock
            .sleep_until(far, std::time::Duration::from_millis(1))
            .await;
    }
}
