//! `/summary` at scale. Seeds 1,000 and 100,000 units (5 defects each, 4 events per
//! defect: 500,000 defects and 2,000,000 events at the large size) and times the summary's
//! counts (`Tx::campaign_counts`, everything `/summary` reads) side by side; on SQLite always,
//! on PostgreSQL too when TEST_DATABASE_URL is set. Prints figures; asserts nothing about time.
//! Run with `cargo bench --bench summary`.

use chrono::{DateTime, Utc};
use handover_bot::store::Store;
use handover_bot::store::kpi::Scope;
use handover_bot::store::scale::{DEFECTS_PER_UNIT, EVENTS_PER_DEFECT};
use handover_bot::store::testdb::{TestDatabase, admin_url};
use std::time::{Duration, Instant};

/// Median of 9 runs of the counts for `scope`.
async fn median(store: &Store, scope: &Scope, now: DateTime<Utc>, units: i64) -> Duration {
    let mut timings = Vec::new();
    for _ in 0..9 {
        let started = Instant::now();
        let mut tx = store.read().await.unwrap();
        let counts = tx.campaign_counts(scope, now).await.unwrap();
        tx.commit().await.unwrap();
        timings.push(started.elapsed());
        if scope.building.is_none() {
            assert_eq!(counts.units, units);
            assert_eq!(counts.defects, units * DEFECTS_PER_UNIT);
        }
    }
    timings.sort();
    timings[timings.len() / 2]
}

/// The counts' median time for the whole campaign and for one building, and the seeding time,
/// after seeding `units` units.
async fn summary_time(store: &Store, units: i64) -> (Duration, Duration, Duration) {
    let now = Utc::now();
    let seeding = Instant::now();
    let mut tx = store.begin().await.unwrap();
    tx.seed_campaign(units, now).await.unwrap();
    tx.commit().await.unwrap();
    store.settle().await.unwrap();
    let seeded = seeding.elapsed();
    let building = Scope {
        project: None,
        building: Some("7".into()),
    };
    (
        median(store, &Scope::default(), now, units).await,
        median(store, &building, now, units).await,
        seeded,
    )
}

async fn sqlite(units: i64) -> (Duration, Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    // BENCH_KEEP_DIR keeps the seeded databases there, to look at query plans afterwards.
    let kept = std::env::var_os("BENCH_KEEP_DIR").map(std::path::PathBuf::from);
    let path = kept
        .unwrap_or_else(|| dir.path().to_path_buf())
        .join(format!("bench-{units}.db"));
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let result = summary_time(&store, units).await;
    store.close().await;
    result
}

async fn postgres(admin: &str, units: i64) -> (Duration, Duration, Duration) {
    let database = TestDatabase::create(admin);
    let store = Store::connect(database.url()).await.unwrap();
    store.migrate().await.unwrap();
    let result = summary_time(&store, units).await;
    store.close().await;
    result
}

fn report(db: &str, small: (Duration, Duration, Duration), large: (Duration, Duration, Duration)) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{db}: /summary counts take {:.1} ms at 100,000 units ({} defects, {} events; target < 100 ms) \
         and {:.1} ms at 1,000 units; ratio {:.1}. One building: {:.1} ms and {:.1} ms. \
         (Seeding 100,000 units took {:.1} s.)",
        ms(large.0),
        100_000 * DEFECTS_PER_UNIT,
        100_000 * DEFECTS_PER_UNIT * EVENTS_PER_DEFECT,
        ms(small.0),
        large.0.as_secs_f64() / small.0.as_secs_f64(),
        ms(large.1),
        ms(small.1),
        large.2.as_secs_f64()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        report("SQLite", sqlite(1_000).await, sqlite(100_000).await);
        if let Some(admin) = admin_url() {
            report(
                "PostgreSQL",
                postgres(&admin, 1_000).await,
                postgres(&admin, 100_000).await,
            );
        } else {
            println!("PostgreSQL: skipped (set TEST_DATABASE_URL to measure it too)");
        }
    });
}
