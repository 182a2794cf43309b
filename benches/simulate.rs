//! The campaign simulator at size. Seeds a campaign, plays it through the real
//! application against the fake Telegram server on a moving clock, kills and restarts the
//! application at random points, checks the invariants and prints the figures.
//!
//! `cargo bench --profile dev --bench simulate -- --buyers 2000 --kills 50 --seed 7`
//! (`--verbose` prints progress and each anomaly as it happens).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

#[path = "../tests/sim/mod.rs"]
mod sim;

fn main() {
    let mut buyers = 2000usize;
    let mut kills = 50u64;
    let mut seed: Option<u64> = None;
    let mut verbose = false;
    let mut fast = false;
    let mut patience: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match arg.as_str() {
            "--buyers" => buyers = value("--buyers").parse().expect("--buyers N"),
            "--kills" => kills = value("--kills").parse().expect("--kills N"),
            "--seed" => seed = Some(value("--seed").parse().expect("--seed N")),
            "--verbose" => verbose = true,
            // How long a person waits for an answer before looking again (seconds).
            "--patience" => patience = Some(value("--patience").parse().expect("--patience SECS")),
            // Lifts the 1 message/s per chat pace (bot and fake), as the CI-sized test does.
            "--fast" => fast = true,
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => panic!(
                "unknown argument {other:?} (--buyers N --kills N --seed N --fast --patience SECS --verbose)"
            ),
        }
    }
    let seed = seed.unwrap_or_else(rand::random);
    println!("simulate: {buyers} buyers, {kills} kills, seed {seed}");
    let mut options = sim::Options::full(buyers, kills, seed);
    options.verbose = verbose;
    options.fast_chats = fast;
    if let Some(secs) = patience.or(fast.then_some(30)) {
        options.patience = std::time::Duration::from_secs(secs);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(sim::run(options));
    println!(
        "campaign: {} ambassadors, {} engineers, {} supervisors",
        (buyers / 50).max(2),
        (buyers / 200).max(2),
        4.min(1 + buyers / 500)
    );
    report.print();
    if !report.ok() {
        eprintln!("an invariant failed (seed {seed})");
        std::process::exit(1);
    }
}
