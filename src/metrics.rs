//! Prometheus metrics: what /metrics reports about updates, handlers, the outbox, jobs and 429s.

use crate::services::maintenance::QueueReport;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::time::Duration;

pub struct Metrics {
    registry: Registry,
    updates: IntCounterVec,
    handler_seconds: HistogramVec,
    rate_limited: IntCounter,
    outbox_backlog: IntGauge,
    outbox_failed: IntGauge,
    jobs_due: IntGauge,
    jobs_late: IntGauge,
    jobs_failed: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn gauge(registry: &Registry, name: &str, help: &str) -> prometheus::Result<IntGauge> {
    let gauge = IntGauge::new(name, help)?;
    registry.register(Box::new(gauge.clone()))?;
    Ok(gauge)
}

impl Metrics {
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new();
        let updates = IntCounterVec::new(
            Opts::new(
                "handover_updates_handled_total",
                "Telegram updates handled, by kind",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(updates.clone()))?;
        let handler_seconds = HistogramVec::new(
            HistogramOpts::new(
                "handover_handler_seconds",
                "Time to handle one update, by kind",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["kind"],
        )?;
        registry.register(Box::new(handler_seconds.clone()))?;
        let rate_limited = IntCounter::new(
            "handover_telegram_429_total",
            "Answers of 429 Too Many Requests seen from Telegram",
        )?;
        registry.register(Box::new(rate_limited.clone()))?;
        Ok(Metrics {
            outbox_backlog: gauge(
                &registry,
                "handover_outbox_backlog",
                "Messages waiting to be sent",
            )?,
            outbox_failed: gauge(
                &registry,
                "handover_outbox_failed",
                "Messages that failed for good",
            )?,
            jobs_due: gauge(
                &registry,
                "handover_jobs_due",
                "Scheduled jobs whose time has come",
            )?,
            jobs_late: gauge(
                &registry,
                "handover_jobs_late",
                "Scheduled jobs due for more than a minute and not yet run",
            )?,
            jobs_failed: gauge(
                &registry,
                "handover_jobs_failed",
                "Scheduled jobs that failed for good",
            )?,
            registry,
            updates,
            handler_seconds,
            rate_limited,
        })
    }

    pub fn update_handled(&self, kind: &str, took: Duration) {
        self.updates.with_label_values(&[kind]).inc();
        self.handler_seconds
            .with_label_values(&[kind])
            .observe(took.as_secs_f64());
    }

    pub fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    /// The text exposition, with the queue gauges taken from `queue` and `late_jobs`.
    pub fn render(&self, queue: &QueueReport, late_jobs: i64) -> String {
        self.outbox_backlog.set(queue.outbox.pending);
        self.outbox_failed.set(queue.outbox.failed);
        self.jobs_due.set(queue.jobs.due);
        self.jobs_late.set(late_jobs);
        self.jobs_failed.set(queue.jobs.failed);
        let mut out = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(%error, "cannot encode metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
