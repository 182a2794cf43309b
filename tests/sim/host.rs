//! The application under simulation, in a runtime of its own so it can be killed like a
//! crashed process: `Runtime::shutdown_background` drops every task of the application at its
//! next await point (handlers in flight, the notifier between Telegram's answer and the row
//! update, the scheduler mid-job); open SQLite transactions roll back as their connections
//! drop. Nothing is flushed. A fresh instance then starts on the same database and media dir.
//!
//! With several instances ([`Host::start_many`], the load run), each has a configuration of its
//! own (its webhook port, its media cache, its instance id); a kill takes them down one at a
//! time, in turn, while the others go on.

use handover_bot::app::{self, Running};
use handover_bot::clock::ManualClock;
use handover_bot::config::Config;
use handover_bot::services::Services;
use std::future::Future;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::watch;

struct Instance {
    runtime: Runtime,
    running: Running,
}

pub struct Host {
    /// The first instance's configuration (the database and media settings all share).
    pub config: Config,
    configs: Vec<Config>,
    pub clock: ManualClock,
    instances: Mutex<Vec<Option<Instance>>>,
    /// Counts starts; odd while … no: the value is the generation, `up` says whether it runs.
    generation: watch::Sender<(u64, bool)>,
    pub kills: AtomicU64,
    /// Real time spent restarting, in microseconds.
    pub restart_micros: AtomicU64,
    busy: AtomicBool,
}

impl Host {
    pub async fn start(config: Config, clock: ManualClock) -> Arc<Host> {
        Host::start_many(vec![config], clock).await
    }

    /// Several instances on one database, one configuration each.
    pub async fn start_many(configs: Vec<Config>, clock: ManualClock) -> Arc<Host> {
        let host = Arc::new(Host {
            config: configs[0].clone(),
            instances: Mutex::new(configs.iter().map(|_| None).collect()),
            configs,
            clock,
            generation: watch::Sender::new((0, false)),
            kills: AtomicU64::new(0),
            restart_micros: AtomicU64::new(0),
            busy: AtomicBool::new(false),
        });
        for which in 0..host.configs.len() {
            host.boot(which).await;
        }
        host
    }

    /// How many instances run side by side.
    pub fn count(&self) -> usize {
        self.configs.len()
    }

    async fn boot(&self, which: usize) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sim-app")
            .enable_all()
            .build()
            .expect("the application's runtime");
        let config = self.configs[which].clone();
        let clock = Arc::new(self.clock.clone());
        let running = runtime
            .spawn(async move { app::start(config, clock).await })
            .await
            .expect("start-up did not panic")
            .expect("the application starts");
        let up_now = {
            let mut instances = self.instances.lock().unwrap();
            instances[which] = Some(Instance { runtime, running });
            instances.iter().any(Option::is_some)
        };
        self.generation.send_modify(|(g, up)| {
            *g += 1;
            *up = up_now;
        });
    }

    /// Kills the application without letting it flush anything, then starts it again.
    /// `down_for` is the real time it stays dead (people keep writing meanwhile).
    pub async fn kill_and_restart(&self, down_for: Duration) {
        if self.busy.swap(true, Ordering::SeqCst) {
            return;
        }
        let began = Instant::now();
        // One after another: the first kill takes the first instance, the next the second…
        let which = (self.kills.load(Ordering::SeqCst) as usize) % self.configs.len();
        // With several instances the others keep serving behind the balancer: people go on.
        let (instance, others_up) = {
            let mut instances = self.instances.lock().unwrap();
            let instance = instances[which].take();
            (instance, instances.iter().any(Option::is_some))
        };
        self.generation.send_modify(|(_, up)| *up = others_up);
        if let Some(Instance { runtime, running }) = instance {
            runtime.shutdown_background();
            drop(running);
        }
        self.kills.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(down_for).await;
        if std::env::var_os("SIM_TRACE").is_some() {
            eprintln!("host: booting generation {}", self.generation() + 1);
        }
        self.boot(which).await;
        if std::env::var_os("SIM_TRACE").is_some() {
            eprintln!("host: generation {} up", self.generation());
        }
        // Time passes while a process restarts: whatever the dead instance had claimed becomes
        // claimable again once its lease runs out. With several, the instance restarted under
        // its own id takes its claims back at once, and moving the clock would expire the live
        // instances' claims too.
        if self.count() == 1 {
            self.advance(self.config.claim_lease + chrono::Duration::seconds(1));
        }
        self.restart_micros
            .fetch_add(began.elapsed().as_micros() as u64, Ordering::SeqCst);
        self.busy.store(false, Ordering::SeqCst);
    }

    /// Graceful stop at the end.
    pub async fn stop(&self) {
        let instances: Vec<Instance> = self
            .instances
            .lock()
            .unwrap()
            .iter_mut()
            .filter_map(Option::take)
            .collect();
        self.generation.send_modify(|(_, up)| *up = false);
        for Instance { runtime, running } in instances {
            runtime
                .spawn(async move { running.stop().await })
                .await
                .expect("stop did not panic")
                .expect("the application stops cleanly");
            // Dropping a runtime blocks, which an async context may not do.
            tokio::task::spawn_blocking(move || runtime.shutdown_timeout(Duration::from_secs(5)))
                .await
                .expect("the application's runtime shut down");
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation.borrow().0
    }

    pub fn is_up(&self) -> bool {
        self.generation.borrow().1
    }

    /// Waits until an instance is running.
    pub async fn wait_up(&self) {
        let mut rx = self.generation.subscribe();
        let _ = rx.wait_for(|(_, up)| *up).await;
    }

    /// A running instance's services (a clone; do not keep it across a kill).
    pub fn services(&self) -> Option<Services> {
        self.instances
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .next()
            .map(|i| i.running.services.clone())
    }

    /// Every running instance's services.
    pub fn all_services(&self) -> Vec<Services> {
        self.instances
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .map(|i| i.running.services.clone())
            .collect()
    }

    /// Runs `f` with the services on the application's own runtime; retried after a kill.
    pub async fn on_app<T, F, Fut>(&self, f: F) -> T
    where
        T: Send + 'static,
        F: Fn(Services) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        loop {
            self.wait_up().await;
            let spawned = {
                let guard = self.instances.lock().unwrap();
                guard.iter().flatten().next().map(|i| {
                    let fut = f(i.running.services.clone());
                    i.runtime.spawn(fut)
                })
            };
            if let Some(handle) = spawned
                && let Ok(value) = handle.await
            {
                return value;
            }
        }
    }

    /// Moves the clock and wakes the workers (as `TestApp::advance`).
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
        self.wake();
    }

    pub fn wake(&self) {
        for services in self.all_services() {
            services.outbox_waker.wake();
            services.scheduler_waker.wake();
            services.feed_waker.wake();
            if self.configs.len() > 1 {
                // Another instance's kept updates come due for replay when the clock moves.
                services.inbox_waker.wake();
            }
        }
    }

    /// Wakes the schedulers and the notifiers and waits (bounded) until they went idle.
    pub async fn settle(&self, limit: Duration) {
        for services in self.all_services() {
            services.scheduler_waker.settle(limit).await;
            services.outbox_waker.settle(limit).await;
        }
    }
}
