//! The load run of the whole deployment: several instances in webhook mode behind a
//! round-robin (as the compose file's proxy), on PostgreSQL and an S3 bucket, each with a media
//! cache of its own; a whole campaign driven by the simulator's people through the fake Telegram,
//! with one instance killed and restarted (in turn) every minute. Prints updates/s, p50/p99 from
//! a person's send to the answer, messages per second against Telegram's 30/s, and the
//! simulator's invariants (nothing lost, duplicates bounded, every photo readable from every
//! instance). Not part of `cargo test`.
//!
//! ```sh
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench --profile dev --bench deployment -- --buyers 2000 --instances 3 --kill-every 60 --fast
//! ```
//!
//! The S3 server is moto's (`pip install 'moto[server]'`), started by the run.

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

#[path = "../tests/sim/mod.rs"]
mod sim;

use std::time::Duration;

fn main() {
    let mut buyers = 2000usize;
    let mut instances = 3usize;
    let mut kill_every = 60u64;
    let mut seed: Option<u64> = None;
    let mut verbose = false;
    let mut fast = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match arg.as_str() {
            "--buyers" => buyers = value("--buyers").parse().expect("--buyers N"),
            "--instances" => instances = value("--instances").parse().expect("--instances N"),
            "--kill-every" => {
                kill_every = value("--kill-every").parse().expect("--kill-every SECS")
            }
            "--seed" => seed = Some(value("--seed").parse().expect("--seed N")),
            "--verbose" => verbose = true,
            // Lifts the 1 message/s per chat pace (bot and fake), as the simulator's --fast.
            "--fast" => fast = true,
            "--bench" => {}
            other => panic!(
                "unknown argument {other:?} (--buyers N --instances N --kill-every SECS --seed N --fast --verbose)"
            ),
        }
    }
    assert!(instances >= 2, "the load run is of several instances");
    if std::env::var("TEST_DATABASE_URL").is_err() {
        eprintln!("note: TEST_DATABASE_URL is not set, so the instances share a SQLite file");
    }
    let seed = seed.unwrap_or_else(rand::random);
    println!(
        "deployment: {buyers} buyers, {instances} instances, one killed every {kill_every} s, seed {seed}"
    );
    let mut options =
        sim::Options::deployment(buyers, instances, Duration::from_secs(kill_every), seed);
    options.verbose = verbose;
    options.fast_chats = fast;
    if fast {
        options.patience = Duration::from_secs(30);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(sim::run(options));
    report.print();
    if !report.ok() {
        eprintln!("an invariant failed (seed {seed})");
        std::process::exit(1);
    }
}
