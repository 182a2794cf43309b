//! The campaign simulator: seeds a campaign, starts the real application against
//! the fake Telegram server, plays simulated people through the whole campaign on a moving
//! clock, optionally kills and restarts the application at random points, then checks the
//! invariants and prints throughput and latency.
//!
//! `cargo bench --profile dev --bench simulate -- --buyers 2000 --kills 50 --seed N` runs it at
//! size; `cargo test --test main sim::` runs the CI-sized campaign.
#![allow(dead_code)]

pub mod balancer;
pub mod campaign;
pub mod check;
pub mod host;
pub mod person;

use crate::support::app::{TestDir, test_config, test_dir};
use crate::support::fake_telegram::{self, FakeTelegram};
use chrono::{TimeZone, Utc};
use handover_bot::clock::ManualClock;
use host::Host;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Options {
    pub buyers: usize,
    pub ambassadors: usize,
    pub engineers: usize,
    pub supervisors: usize,
    /// How many times the application is killed (at least).
    pub kills: u64,
    pub seed: u64,
    /// How long a person waits for an answer before looking again (real time).
    pub patience: Duration,
    pub max_attempts: usize,
    /// How many people act at the same time.
    pub concurrency: usize,
    pub verbose: bool,
    /// Lifts Telegram's 1 message/s per chat (bot and fake) so a small campaign runs in CI time.
    pub fast_chats: bool,
    /// How many instances run side by side: one polls Telegram on SQLite (the default
    /// deployment); several take webhooks through a round-robin, on the test database
    /// (PostgreSQL with `TEST_DATABASE_URL`) and, with `bucket`, the media in S3.
    pub instances: usize,
    pub bucket: bool,
    /// Kills one instance (in turn) this often in real time, instead of at random updates.
    pub kill_every: Option<Duration>,
}

impl Options {
    pub fn small(seed: u64) -> Options {
        Options {
            buyers: 12,
            ambassadors: 4,
            engineers: 2,
            supervisors: 2,
            kills: 5,
            seed,
            patience: Duration::from_secs(90),
            max_attempts: 6,
            concurrency: 24,
            verbose: false,
            fast_chats: true,
            instances: 1,
            bucket: false,
            kill_every: None,
        }
    }

    pub fn full(buyers: usize, kills: u64, seed: u64) -> Options {
        Options {
            buyers,
            ambassadors: (buyers / 50).max(2),
            engineers: (buyers / 200).max(2),
            supervisors: 4.min(1 + buyers / 500),
            kills,
            seed,
            patience: Duration::from_secs(90),
            max_attempts: 6,
            concurrency: 64,
            verbose: false,
            fast_chats: false,
            instances: 1,
            bucket: false,
            kill_every: None,
        }
    }

    /// The load run: `instances` webhook instances behind a round-robin, on PostgreSQL (when
    /// `TEST_DATABASE_URL` names it) and S3, one killed and restarted every `kill_every`.
    pub fn deployment(buyers: usize, instances: usize, kill_every: Duration, seed: u64) -> Options {
        Options {
            kills: 0,
            instances,
            bucket: true,
            kill_every: Some(kill_every),
            ..Options::full(buyers, 0, seed)
        }
    }
}

/// What the whole simulation shares.
pub struct Sim {
    pub opts: Options,
    pub fake: FakeTelegram,
    pub host: Arc<Host>,
    pub dir: TestDir,
    pub injected: AtomicU64,
    pub retries: AtomicU64,
    /// Answers that came only after a person's patience ran out (no crash in between).
    pub late: AtomicU64,
    /// Repeated presses the bot refused as already taken (the first press landed before a crash).
    pub refused: AtomicU64,
    latencies: Mutex<Vec<u32>>,
    anomalies: Mutex<Vec<String>>,
    /// A kill is due at the next person action (between their send and the bot's reply).
    kill_armed: Arc<AtomicBool>,
    /// The update count at which the next kill is armed.
    next_kill_at: AtomicU64,
    kill_rng: Mutex<StdRng>,
    pub expected_updates: u64,
    pub started: Instant,
}

impl Sim {
    pub fn latency(&self, d: Duration) {
        self.latencies
            .lock()
            .unwrap()
            .push(d.as_micros().min(u128::from(u32::MAX)) as u32);
    }

    pub fn anomaly(&self, what: String) {
        if self.opts.verbose {
            eprintln!("anomaly: {what}");
        }
        self.anomalies.lock().unwrap().push(what);
    }

    pub fn anomalies(&self) -> Vec<String> {
        self.anomalies.lock().unwrap().clone()
    }

    pub fn kills(&self) -> u64 {
        self.host.kills.load(Ordering::SeqCst)
    }

    /// Arms a kill when the run has injected enough updates since the last one.
    fn maybe_kill_now(self: &Sim) {
        let injected = self.injected.load(Ordering::Relaxed);
        if self.kills() >= self.opts.kills && !self.kill_armed.load(Ordering::SeqCst) {
            return;
        }
        if injected < self.next_kill_at.load(Ordering::SeqCst) {
            return;
        }
        if self.kill_armed.swap(true, Ordering::SeqCst) {
            return;
        }
        let (delay, down, outage) = {
            let mut rng = self.kill_rng.lock().unwrap();
            let spacing = (self.expected_updates / (self.opts.kills + 1)).max(20);
            let next = injected + rng.gen_range(spacing / 2..=spacing * 3 / 2);
            self.next_kill_at.store(next, Ordering::SeqCst);
            (
                // Just after this person's send: the bot may have it, be handling it, or be
                // sending the answer.
                Duration::from_micros(rng.gen_range(0..40_000)),
                Duration::from_millis(rng.gen_range(0..300)),
                rng.gen_bool(0.2),
            )
        };
        let host = self.host.clone();
        let fake = self.fake.clone();
        let armed = self.kill_armed.clone();
        let verbose = self.opts.verbose;
        tokio::spawn(async move {
            let began = Instant::now();
            tokio::time::sleep(delay).await;
            if outage {
                // Telegram unreachable around the crash: the new instance starts while it is
                // down and must wait for getMe.
                fake.go_down();
            }
            let restart = host.kill_and_restart(down);
            if outage {
                let fake2 = fake.clone();
                let (_, _) = tokio::join!(restart, async move {
                    tokio::time::sleep(down + Duration::from_millis(400)).await;
                    fake2.come_up();
                });
            } else {
                restart.await;
            }
            if verbose {
                eprintln!(
                    "kill {} (outage {outage}): back after {:.1} s",
                    host.kills.load(Ordering::SeqCst),
                    began.elapsed().as_secs_f64()
                );
            }
            armed.store(false, Ordering::SeqCst);
        });
    }

    /// Kills and restarts at once (for the kills still owed at the end of a phase).
    pub async fn kill_now(&self) {
        self.host.kill_and_restart(Duration::from_millis(50)).await;
    }
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Report {
    pub people: usize,
    pub updates: u64,
    pub messages_sent: usize,
    pub kills: u64,
    pub retries: u64,
    pub late: u64,
    pub refused: u64,
    pub wall: Duration,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Messages sent in the busiest second, by the fake's clock of requests.
    pub peak_messages_per_sec: usize,
    pub instances: usize,
    pub invariants: Vec<(String, bool, String)>,
    pub anomalies: Vec<String>,
    pub phases: Vec<(String, Duration)>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.invariants.iter().all(|(_, ok, _)| *ok)
    }

    pub fn print(&self) {
        println!("simulated people:      {}", self.people);
        println!("updates handled:       {}", self.updates);
        println!("messages sent:         {}", self.messages_sent);
        println!("kills:                 {}", self.kills);
        println!("person retries:        {}", self.retries);
        println!("late answers:          {}", self.late);
        println!("refused repeat presses: {}", self.refused);
        println!("wall time:             {:.1} s", self.wall.as_secs_f64());
        println!(
            "throughput:            {:.1} updates/s",
            self.updates as f64 / self.wall.as_secs_f64().max(0.001)
        );
        println!(
            "latency (send → reply): p50 {:.0} ms, p99 {:.0} ms",
            self.p50_ms, self.p99_ms
        );
        println!(
            "messages:              {:.1}/s on average, {} in the busiest second (Telegram allows 30/s)",
            self.messages_sent as f64 / self.wall.as_secs_f64().max(0.001),
            self.peak_messages_per_sec
        );
        println!("instances:             {}", self.instances);
        for (phase, d) in &self.phases {
            println!("  phase {phase:<28} {:.1} s", d.as_secs_f64());
        }
        println!("invariants:");
        for (name, ok, detail) in &self.invariants {
            println!("  [{}] {name}: {detail}", if *ok { "ok" } else { "FAILED" });
        }
        if !self.anomalies.is_empty() {
            println!("anomalies ({}):", self.anomalies.len());
            for a in self.anomalies.iter().take(20) {
                println!("  {a}");
            }
        }
    }
}

/// The most messages Telegram took in one second (of the fake's clock).
fn busiest_second(fake: &FakeTelegram) -> usize {
    let mut per_second: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for request in fake.requests() {
        if request.status == 200 && request.method.starts_with("send") {
            *per_second.entry(request.since_start.as_secs()).or_default() += 1;
        }
    }
    per_second.into_values().max().unwrap_or(0)
}

/// Runs a whole simulated campaign and returns its report.
pub async fn run(opts: Options) -> Report {
    if let Ok(filter) = std::env::var("HB_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .try_init();
    }
    let started = Instant::now();
    let fake = FakeTelegram::start_with(fake_telegram::Config {
        wait_timeout: Duration::from_secs(600),
        callback_query_ttl: Duration::from_secs(3600),
        // Instances behind a balancer take Telegram's webhook as it is sent: many chats at
        // once (one update of each at a time), not one update at a time.
        webhook_parallel: opts.instances > 1,
        ..fake_telegram::Config::default()
    })
    .await;
    let dir = test_dir();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap());
    let mut config = test_config(&fake, &dir);
    if opts.instances == 1 {
        // SQLite: the simulator kills the process that owns the database file.
        config.database_url = format!("sqlite://{}", dir.path().join("handover.db").display());
    }
    if opts.bucket {
        crate::support::objects::use_bucket(&mut config);
    }
    campaign::adjust_config(&mut config);
    // Several instances share Telegram's 30 messages/s, which the fake then enforces: each
    // keeps to its share.
    let overall = if opts.instances > 1 { 30 } else { 0 };
    if opts.instances > 1 {
        config.messages_per_sec_overall = 30 / opts.instances as u32;
    }
    if opts.fast_chats {
        config.messages_per_sec_chat = 30;
        fake.set_limits(0, overall);
    } else {
        fake.set_limits(1, overall);
    }
    let (host, balancer) = if opts.instances == 1 {
        (Host::start(config, clock).await, None)
    } else {
        let ports: Vec<std::net::SocketAddr> = (0..opts.instances)
            .map(|_| {
                std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .expect("a free port")
            })
            .collect();
        let balancer = balancer::Balancer::start(ports.clone()).await;
        let secret = handover_bot::config::Secret::new("load-run-secret-of-every-instance");
        let configs = ports
            .iter()
            .enumerate()
            .map(|(i, address)| {
                let mut one = config.clone();
                one.webhook_url = Some(
                    format!("http://{}/telegram", balancer.address)
                        .parse()
                        .expect("a URL"),
                );
                one.webhook_secret = Some(secret.clone());
                one.listen_addr = Some(*address);
                one.instance_id = format!("instance-{i}");
                if opts.bucket {
                    // Each its own cache: only the bucket is shared, as on separate hosts.
                    one.media_dir = dir.path().join(format!("cache-of-instance-{i}"));
                }
                one
            })
            .collect();
        (Host::start_many(configs, clock).await, Some(balancer))
    };
    // Simulated time never runs slower than real time: what the application schedules a
    // few seconds ahead (a 429's retry_after, a backoff) comes due while people wait, as it
    // would in production. Phases still jump the clock ahead by hours and days.
    let ticker = {
        let host = host.clone();
        tokio::spawn(async move {
            let mut last = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let now = Instant::now();
                let elapsed = chrono::Duration::from_std(now - last).unwrap_or_default();
                host.clock.advance(elapsed);
                last = now;
            }
        })
    };
    let expected_updates = (opts.buyers as u64) * 40;
    let sim = Arc::new(Sim {
        kill_rng: Mutex::new(StdRng::seed_from_u64(opts.seed ^ 0x5eed_c0de)),
        next_kill_at: AtomicU64::new(expected_updates / (opts.kills + 1)),
        opts,
        fake,
        host,
        dir,
        injected: AtomicU64::new(0),
        retries: AtomicU64::new(0),
        late: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        latencies: Mutex::new(Vec::new()),
        anomalies: Mutex::new(Vec::new()),
        kill_armed: Arc::new(AtomicBool::new(false)),
        expected_updates,
        started,
    });
    // With --verbose: what the run is doing every 30 s, to tell a slow run from a stuck one.
    let watchdog = {
        let sim = sim.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                if sim.opts.verbose {
                    eprintln!(
                        "watchdog: generation {} up {} kills {} injected {} polling {} pending updates {}",
                        sim.host.generation(),
                        sim.host.is_up(),
                        sim.kills(),
                        sim.injected.load(Ordering::Relaxed),
                        sim.fake.is_polling(),
                        sim.fake.pending_updates()
                    );
                }
            }
        })
    };
    // The load run's kills: one instance in turn, on a timer of real time.
    let killer = sim.opts.kill_every.map(|every| {
        let host = sim.host.clone();
        let verbose = sim.opts.verbose;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let began = Instant::now();
                host.kill_and_restart(Duration::from_millis(500)).await;
                if verbose {
                    eprintln!(
                        "kill {}: back after {:.1} s",
                        host.kills.load(Ordering::SeqCst),
                        began.elapsed().as_secs_f64()
                    );
                }
            }
        })
    });
    let mut report = Report {
        instances: sim.host.count(),
        ..Report::default()
    };
    let world = campaign::play(sim.clone(), &mut report).await;
    if let Some(killer) = killer {
        killer.abort();
        // A kill under way finishes: every instance is up for the checks.
        sim.host.wait_up().await;
    }
    check::invariants(&sim, &world, &mut report).await;
    report.people = world.people();
    report.updates = sim.injected.load(Ordering::SeqCst);
    report.messages_sent = sim.fake.sent_counts().values().sum();
    report.kills = sim.kills();
    report.retries = sim.retries.load(Ordering::SeqCst);
    report.late = sim.late.load(Ordering::SeqCst);
    report.refused = sim.refused.load(Ordering::SeqCst);
    report.wall = started.elapsed();
    let mut lat = sim.latencies.lock().unwrap().clone();
    lat.sort_unstable();
    let pct = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
            f64::from(lat[i]) / 1000.0
        }
    };
    report.p50_ms = pct(0.50);
    report.p99_ms = pct(0.99);
    report.peak_messages_per_sec = busiest_second(&sim.fake);
    report.anomalies = sim.anomalies();
    ticker.abort();
    watchdog.abort();
    sim.host.stop().await;
    drop(balancer);
    report
}

#[cfg(test)]
mod ci {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_campaign_with_five_kills_keeps_every_invariant() {
        let seed = std::env::var("SIM_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(11);
        println!("simulation seed {seed}");
        let mut opts = super::Options::small(seed);
        opts.verbose = std::env::var_os("SIM_VERBOSE").is_some();
        let report = super::run(opts).await;
        report.print();
        assert!(report.kills >= 5, "{} kills", report.kills);
        assert!(report.ok(), "an invariant failed (seed {seed})");
    }
}
