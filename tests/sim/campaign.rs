//! The campaign the simulated people play, phase by phase, on a moving clock.

use super::person::{Act, Person, Step, Stuck};
use super::{Report, Sim};
use crate::support::fake_telegram::SentMessage;
use chrono::{Duration as Days, TimeZone};
use futures::StreamExt;
use handover_bot::config::Config;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Mutex as Lock;

pub type Shared = Arc<Lock<Person>>;

/// The project's offset from UTC (Asia/Shanghai, no daylight saving).
const TZ_HOURS: i64 = 8;

pub fn adjust_config(config: &mut Config) {
    // The day-of welcome (with "I'm here") 6 h before each visit, the reminder a day before.
    config.reminders = vec![Days::hours(24), Days::hours(6)];
    // Supervisors get the morning digest every simulated day.
    config.daily_digest_cron = "0 0 9 * * *".to_string();
    // A dead instance's claims run out 30 s (of the clock) later; the host moves the clock
    // that far on every restart.
    config.claim_lease = Days::seconds(30);
    // Telegram's per-chat pace stays; the overall one is lifted so the run measures the bot
    // rather than the 30 messages/s cap (the fake enforces 1/s per chat and no overall cap).
    config.messages_per_sec_overall = 300;
    config.poll_timeout = Duration::from_secs(1);
    config.request_timeout = Duration::from_secs(5);
}

/// A household: one home, one buyer.
#[derive(Clone, Debug)]
pub struct Home {
    pub index: usize,
    pub unit: String,
    pub buyer_name: String,
    pub tier: &'static str,
}

/// A defect as the person who recorded it knows it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub unit: String,
    pub note: String,
    pub photos: Vec<String>,
    /// The bot acknowledged the save ("第 n 条已保存").
    pub acknowledged: bool,
    /// The walk-through's "finish" was acknowledged.
    pub finished: bool,
}

/// A status change a person made and the bot confirmed.
#[derive(Clone, Debug)]
pub struct Change {
    pub defect: Option<i64>,
    pub unit: String,
    pub actor: String,
    pub to: &'static str,
}

#[derive(Default)]
pub struct Log {
    pub defects: Vec<Recorded>,
    pub changes: Vec<Change>,
    pub handed_over: BTreeSet<String>,
    pub surveys: Vec<(String, u8)>,
    pub complaints: Vec<String>,
    pub stuck: Vec<String>,
    /// Walk-throughs whose item count showed a save that the person did not see acknowledged.
    pub double_saves: Vec<String>,
}

pub struct World {
    pub supervisors: Vec<Shared>,
    pub ambassadors: Vec<Shared>,
    pub engineers: Vec<Shared>,
    pub reception: Shared,
    pub buyers: Vec<Shared>,
    pub homes: Vec<Home>,
    /// Ambassador index per home (from what the bot told each buyer).
    pub ambassador_of: Mutex<BTreeMap<usize, usize>>,
    pub log: Mutex<Log>,
    /// Homes whose walk-through is done / whose handover is confirmed.
    pub inspected: Mutex<BTreeSet<usize>>,
    /// Day-of welcomes (home, message id) already acted on, or let pass by a no-show.
    pub welcomes_seen: Mutex<BTreeSet<(usize, i64)>>,
}

impl World {
    /// The homes grouped by the ambassador who looks after them.
    fn by_ambassador(&self, homes: Vec<usize>) -> BTreeMap<usize, Vec<usize>> {
        let of = self.ambassador_of.lock().unwrap();
        let mut grouped: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in homes {
            if let Some(a) = of.get(&i) {
                grouped.entry(*a).or_default().push(i);
            }
        }
        grouped
    }

    pub fn people(&self) -> usize {
        self.supervisors.len()
            + self.ambassadors.len()
            + self.engineers.len()
            + 1
            + self.buyers.len()
    }
}

pub fn photo_bytes(tag: u64, n: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, n];
    bytes.extend(tag.to_le_bytes());
    bytes.extend((0..160u32).map(|i| (i as u8).wrapping_mul(n).wrapping_add(tag as u8)));
    bytes
}

fn sha(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

const ROOMS: [&str; 4] = ["厨房", "卫生间", "卧室", "客厅"];
const CATEGORIES: [&str; 5] = ["渗漏", "给排水", "空鼓/开裂", "门窗", "墙面/涂料"];
const SEVERITIES: [&str; 4] = ["紧急", "高", "一般", "低"];

/// Runs `f` for every item with at most `limit` at a time.
async fn each<T, F, Fut>(items: Vec<T>, limit: usize, f: F)
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = ()>,
{
    futures::stream::iter(items.into_iter().map(f))
        .buffer_unordered(limit.max(1))
        .collect::<Vec<()>>()
        .await;
}

fn stuck(world: &World, what: &str, why: Stuck) {
    world
        .log
        .lock()
        .unwrap()
        .stuck
        .push(format!("{what}: {why:?}"));
}

/// Local wall-clock time of the project on day `day` (0 = 2026-11-26) at `hour`:`minute`.
fn local(day: i64, hour: u32, minute: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 26, 0, 0, 0)
        .unwrap()
        .checked_add_signed(Days::days(day) + Days::hours(i64::from(hour) - TZ_HOURS))
        .unwrap()
        + Days::minutes(i64::from(minute))
}

/// Moves the clock to `to` in steps of at most `step`. A step is hours of the campaign: what
/// comes due goes out, and the outbox gets the time it would have in those hours before the
/// next step (until it is empty or stops moving); otherwise a morning's welcomes would still be
/// queued behind the evening's notifications when the buyers look for them.
async fn advance_to(sim: &Sim, to: chrono::DateTime<chrono::Utc>, step: Days) {
    use handover_bot::clock::Clock as _;
    let db = super::check::read_database(sim).await;
    loop {
        let now = sim.host.clock.now();
        if now >= to {
            break;
        }
        let by = (to - now).min(step);
        sim.host.advance(by);
        sim.host.settle(Duration::from_millis(500)).await;
        drain_outbox(sim, &db, Days::zero(), 10).await;
    }
    db.close().await;
}

/// Gives the outbox time until it is empty or has not gone down for `patience` rounds. Each
/// round moves the clock by `clock_step` (zero leaves it) and lets the instances work half a
/// second.
async fn drain_outbox(sim: &Sim, db: &sqlx::AnyPool, clock_step: Days, patience: usize) {
    let mut unsent = super::check::unsent_outbox_rows(db).await;
    let mut rounds_unmoved = 0;
    while unsent > 0 && rounds_unmoved < patience {
        if clock_step > Days::zero() {
            sim.host.advance(clock_step);
        }
        sim.host.settle(Duration::from_millis(500)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let left = super::check::unsent_outbox_rows(db).await;
        rounds_unmoved = if left < unsent { 0 } else { rounds_unmoved + 1 };
        unsent = left;
    }
}

/// Where a day's real time went: each part's seconds, the clock's steps (with their waits for
/// the outbox) added up under one name.
struct Laps {
    at: Instant,
    parts: Vec<(&'static str, Duration)>,
}

impl Laps {
    fn new() -> Laps {
        Laps {
            at: Instant::now(),
            parts: Vec::new(),
        }
    }

    fn mark(&mut self, part: &'static str) {
        let took = self.at.elapsed();
        self.at = Instant::now();
        match self.parts.iter_mut().find(|(name, _)| *name == part) {
            Some((_, total)) => *total += took,
            None => self.parts.push((part, took)),
        }
    }
}

impl std::fmt::Display for Laps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|(name, took)| format!("{name} {:.0} s", took.as_secs_f64()))
            .collect();
        write!(f, "{}", parts.join(", "))
    }
}

fn label_number(text: &str, before: &str, after: &str) -> Option<usize> {
    let start = text.find(before)? + before.len();
    let rest = &text[start..];
    let end = rest.find(after)?;
    rest[..end].trim().parse().ok()
}

pub async fn play(sim: Arc<Sim>, report: &mut Report) -> World {
    let opts = sim.opts.clone();
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut phase = Instant::now();
    let mut done = |name: &str, report: &mut Report| {
        report.phases.push((name.to_string(), phase.elapsed()));
        if opts.verbose {
            eprintln!(
                "phase {name}: {:.1} s, {} kills",
                phase.elapsed().as_secs_f64(),
                sim.kills()
            );
        }
        phase = Instant::now();
    };

    // ----- seed: the staff and buyer lists, loaded as the operator would on the server -----
    let mut staff = String::from("name,phone,roles,seniority,capacity,buildings\n");
    for i in 0..opts.supervisors {
        staff.push_str(&format!("Sup{i:02},1380000{i:04},supervisor,,,\n"));
    }
    let buildings = (opts.buyers / 200).max(2);
    let capacity = opts.buyers.div_ceil(opts.ambassadors) + 5;
    for i in 0..opts.ambassadors {
        let seniority = if i % 4 == 0 { "senior" } else { "regular" };
        staff.push_str(&format!(
            "Amb{i:02},1370000{i:04},ambassador,{seniority},{capacity},\n"
        ));
    }
    for i in 0..opts.engineers {
        let led: Vec<String> = (1..=buildings)
            .filter(|b| (b - 1) % opts.engineers == i)
            .map(|b| b.to_string())
            .collect();
        staff.push_str(&format!(
            "Eng{i:02},1360000{i:04},engineer,,,\"{}\"\n",
            led.join(",")
        ));
    }
    staff.push_str("Rec00,13500000000,complaints,,,\n");
    let mut buyers_csv = String::from("building,entrance,room,name,phone,tier\n");
    let mut homes = Vec::new();
    let per_building = opts.buyers.div_ceil(buildings);
    for i in 0..opts.buyers {
        let building = 1 + i / per_building;
        let room = 101 + i % per_building;
        let tier = if i % 25 == 7 { "A+" } else { "B" };
        let name = format!("Buyer{i:04}");
        buyers_csv.push_str(&format!("{building},1,{room},{name},1390{:07},{tier}\n", i));
        homes.push(Home {
            index: i,
            unit: format!("{building}-1-{room}"),
            buyer_name: name,
            tier,
        });
    }
    for (file, csv) in [("staff.csv", staff), ("buyers.csv", buyers_csv)] {
        let outcome = sim
            .host
            .on_app(move |services| {
                let csv = csv.clone();
                async move {
                    use handover_bot::services::import::Importer;
                    services
                        .import_file(Importer::Cli, file, csv.as_bytes(), None)
                        .await
                        .map(|o| format!("{o:?}"))
                        .map_err(|e| e.to_string())
                }
            })
            .await;
        assert!(
            outcome.as_deref().is_ok_and(|o| o.starts_with("Done")),
            "{outcome:?}"
        );
    }

    let person = |id: i64, first: &str, name: &str| -> Shared {
        Arc::new(Lock::new(Person::new(sim.clone(), id, first, name)))
    };
    let world = Arc::new(World {
        supervisors: (0..opts.supervisors)
            .map(|i| person(1_000 + i as i64, "Sup", &format!("Sup{i:02}")))
            .collect(),
        ambassadors: (0..opts.ambassadors)
            .map(|i| person(2_000 + i as i64, "Amb", &format!("Amb{i:02}")))
            .collect(),
        engineers: (0..opts.engineers)
            .map(|i| person(3_000 + i as i64, "Eng", &format!("Eng{i:02}")))
            .collect(),
        reception: person(4_000, "Rec", "Rec00"),
        buyers: homes
            .iter()
            .map(|h| person(100_000 + h.index as i64, "B", &h.buyer_name))
            .collect(),
        homes,
        ambassador_of: Mutex::new(BTreeMap::new()),
        log: Mutex::new(Log::default()),
        inspected: Mutex::new(BTreeSet::new()),
        welcomes_seen: Mutex::new(BTreeSet::new()),
    });
    done("seed", report);
    if opts.verbose {
        eprintln!(
            "getUpdates so far: {}, pending updates {}, polling {}",
            sim.fake.requests_for("getUpdates").len(),
            sim.fake.pending_updates(),
            sim.fake.is_polling()
        );
    }

    // ----- linking: everyone opens the bot and shares their phone -----
    let mut linking: Vec<(Shared, String)> = Vec::new();
    for (i, p) in world.supervisors.iter().enumerate() {
        linking.push((p.clone(), format!("+86 1380000{i:04}")));
    }
    for (i, p) in world.ambassadors.iter().enumerate() {
        linking.push((p.clone(), format!("+86 1370000{i:04}")));
    }
    for (i, p) in world.engineers.iter().enumerate() {
        linking.push((p.clone(), format!("+86 1360000{i:04}")));
    }
    linking.push((world.reception.clone(), "+86 13500000000".to_string()));
    for (i, p) in world.buyers.iter().enumerate() {
        linking.push((p.clone(), format!("+86 1390{i:07}")));
    }
    each(linking, opts.concurrency, |(p, phone)| {
        let world = world.clone();
        async move {
            let mut p = p.lock().await;
            if let Err(e) = link(&mut p, &phone).await {
                stuck(&world, "link", e);
            }
        }
    })
    .await;
    done("linking", report);

    // ----- assignment: the supervisor previews and confirms -----
    {
        let mut sup = world.supervisors[0].lock().await;
        let r = async {
            let has_confirm =
                |m: &SentMessage| m.button_labels().iter().any(|l| l == "✅ 确认分配");
            let preview = sup.say("/assign", has_confirm).await?;
            sup.press_on(&preview, "✅ 确认分配", false, |m| {
                m.plain_text.contains("已分配") || m.plain_text.contains("都已有交付大使")
            })
            .await
        }
        .await;
        if let Err(e) = r {
            // The confirm may have been taken before a crash: ask again; all placed is fine.
            let again = sup.say("/assign", |_| true).await;
            if again
                .as_ref()
                .map(|m| !m.plain_text.contains("都已有交付大使"))
                .unwrap_or(true)
            {
                stuck(&world, "assign", e);
            }
        }
    }
    if opts.verbose {
        let sup = world.supervisors[0].lock().await;
        eprintln!("{}", sim.fake.chat_dump(sup.id()));
    }
    // Each buyer learns their ambassador from the introduction.
    let ambassador_names: Vec<String> = (0..opts.ambassadors)
        .map(|i| format!("Amb{i:02}"))
        .collect();
    each(
        world.buyers.iter().cloned().enumerate().collect(),
        opts.concurrency,
        |(i, b)| {
            let world = world.clone();
            let names = ambassador_names.clone();
            let sim = sim.clone();
            async move {
                let mut b = b.lock().await;
                match b.await_text("专属交付大使", sim.opts.patience * 3).await {
                    Some(intro) => {
                        if let Some(a) = names
                            .iter()
                            .position(|n| intro.plain_text.contains(n.as_str()))
                        {
                            world.ambassador_of.lock().unwrap().insert(i, a);
                        }
                    }
                    None => world
                        .log
                        .lock()
                        .unwrap()
                        .stuck
                        .push(format!("{}: no introduction to an ambassador", b.name)),
                }
            }
        },
    )
    .await;
    done("assignment", report);

    // ----- slots and invitations -----
    let households = opts.buyers;
    let visit_days = households.div_ceil(400).max(2) as i64;
    let cap = (households * 5 / 4)
        .div_ceil(2 * visit_days as usize)
        .max(2);
    {
        let mut sup = world.supervisors[0].lock().await;
        for d in 0..visit_days {
            let date = local(2 + d, 12, 0).format("%Y-%m-%d").to_string();
            for (from, to) in [("10:00", "12:00"), ("14:00", "16:00")] {
                let cmd = format!("/slots add {date} {from}-{to} {cap}");
                if let Err(e) = sup
                    .say(&cmd, |m| {
                        m.plain_text.contains("已新增") || m.plain_text.contains("已存在")
                    })
                    .await
                {
                    stuck(&world, "slots", e);
                }
            }
        }
        if let Err(e) = sup
            .say("/invite all", |m| m.plain_text.contains("已邀约"))
            .await
        {
            stuck(&world, "invite", e);
        }
    }
    let mut silent = BTreeSet::new();
    for i in 0..households {
        if rng.gen_bool(0.08) {
            silent.insert(i);
        }
    }
    let booking_seed: u64 = rng.r#gen();
    each(
        (0..households).filter(|i| !silent.contains(i)).collect(),
        opts.concurrency,
        |i| {
            let world = world.clone();
            let sim = sim.clone();
            async move {
                let mut b = world.buyers[i].lock().await;
                let mut rng = StdRng::seed_from_u64(booking_seed ^ i as u64);
                let Some(invite) = b.await_text("诚邀您", sim.opts.patience * 3).await else {
                    world
                        .log
                        .lock()
                        .unwrap()
                        .stuck
                        .push(format!("{}: no invitation", b.name));
                    return;
                };
                if let Err(e) = book(&mut b, invite, &mut rng).await {
                    stuck(&world, "book", e);
                }
                // Some change their mind once.
                if rng.gen_bool(0.05)
                    && let Err(e) = reschedule(&mut b, &mut rng).await
                {
                    stuck(&world, "reschedule", e);
                }
            }
        },
    )
    .await;
    done("invitations and bookings", report);
    if opts.verbose {
        let mut methods: BTreeMap<String, usize> = BTreeMap::new();
        for r in sim.fake.requests() {
            *methods
                .entry(format!("{} {}", r.method, r.status))
                .or_default() += 1;
        }
        eprintln!(
            "requests so far: {methods:?}; answers {}; flows stuck so far {}",
            sim.fake.callback_answers().len(),
            world.log.lock().unwrap().stuck.len()
        );
    }

    // ----- visit days -----
    let last_day = 2 + visit_days - 1;
    let mut day = 1i64;
    let mut silent_left = silent.clone();
    let mut pending_handover: BTreeSet<usize> = BTreeSet::new();
    let mut complaints_left: Vec<usize> = (0..households).filter(|_| rng.gen_bool(0.02)).collect();
    loop {
        let mut laps = Laps::new();
        // 09:00 the morning digest; the nudges (48 h after the invitation) come on day 2.
        advance_to(&sim, local(day, 9, 30), Days::hours(6)).await;
        laps.mark("clock");
        if !silent_left.is_empty() && day >= 2 {
            let nudged: Vec<usize> = silent_left.iter().copied().collect();
            silent_left.clear();
            each(nudged, opts.concurrency, |i| {
                let world = world.clone();
                let sim = sim.clone();
                async move {
                    let mut b = world.buyers[i].lock().await;
                    let mut rng = StdRng::seed_from_u64(i as u64);
                    let Some(nudge) = b.await_text("还没有选定时间", sim.opts.patience).await
                    else {
                        world
                            .log
                            .lock()
                            .unwrap()
                            .stuck
                            .push(format!("{}: no nudge", b.name));
                        return;
                    };
                    if let Err(e) = book(&mut b, nudge, &mut rng).await {
                        stuck(&world, "book from nudge", e);
                    }
                }
            })
            .await;
            laps.mark("nudged bookings");
        }
        if (2..=last_day).contains(&day) {
            for hour in [10, 14] {
                advance_to(&sim, local(day, hour, 0), Days::hours(6)).await;
                laps.mark("clock");
                visits(&sim, &world, day, hour, &mut rng).await;
                laps.mark(if hour == 10 {
                    "morning visits"
                } else {
                    "afternoon visits"
                });
            }
        }
        // 17:00 repairs, the buyers' checks, handovers of homes inspected the day before.
        advance_to(&sim, local(day, 17, 0), Days::hours(6)).await;
        laps.mark("clock");
        repairs(&sim, &world, &mut rng).await;
        laps.mark("repairs");
        fix_checks(&sim, &world, &mut rng).await;
        laps.mark("fix checks");
        let ready: Vec<usize> = pending_handover.iter().copied().collect();
        pending_handover.clear();
        handovers(&sim, &world, ready, &mut rng).await;
        laps.mark("handovers");
        let inspected_today: Vec<usize> = world
            .inspected
            .lock()
            .unwrap()
            .iter()
            .copied()
            .filter(|i| {
                !world
                    .log
                    .lock()
                    .unwrap()
                    .handed_over
                    .contains(&world.homes[*i].unit)
            })
            .collect();
        pending_handover.extend(inspected_today);
        // A few complaints a day.
        let today: Vec<usize> = complaints_left
            .drain(..complaints_left.len().min(10))
            .collect();
        complaints(&sim, &world, today).await;
        summary(&world, day).await;
        laps.mark("complaints and summary");
        if opts.verbose {
            eprintln!(
                "day {day}: {} kills, {} injected, {:.0} s ({})",
                sim.kills(),
                sim.injected.load(std::sync::atomic::Ordering::Relaxed),
                sim.started.elapsed().as_secs_f64(),
                laps
            );
        }
        if day > last_day && pending_handover.is_empty() {
            break;
        }
        day += 1;
    }
    done("visits, repairs, handovers", report);

    // ----- after the handover: follow-ups, the survey, late repairs -----
    let end = day + 31;
    while day < end {
        day += 1;
        advance_to(&sim, local(day, 11, 0), Days::hours(6)).await;
        aftercare(&sim, &world, day).await;
        if day % 3 == 0 {
            repairs(&sim, &world, &mut rng).await;
            fix_checks(&sim, &world, &mut rng).await;
        }
    }
    done("follow-ups and surveys", report);

    // Kills still owed, each in the middle of buyers' questions.
    while sim.kills() < opts.kills {
        let who: Vec<usize> = (0..8).map(|_| rng.gen_range(0..households)).collect();
        let kill = sim.kill_now();
        let asks = each(who, 8, |i| {
            let world = world.clone();
            async move {
                let mut b = world.buyers[i].lock().await;
                // Their booking, or (visit passed or never booked) that there is none.
                if let Err(e) = b
                    .say("/appointment", |m| {
                        m.plain_text.contains("🏠") || m.plain_text.contains("没有预约")
                    })
                    .await
                {
                    stuck(&world, "appointment", e);
                }
            }
        });
        tokio::join!(kill, asks);
    }
    // Let everything due go out.
    for _ in 0..5 {
        sim.host.advance(Days::minutes(1));
        sim.host.settle(Duration::from_millis(500)).await;
    }
    // At Telegram's 30/s a large campaign's last queue takes tens of seconds more: go on until
    // the outbox is empty or has stopped moving, the clock only creeping so that no new day's
    // messages join the queue.
    let db = super::check::read_database(&sim).await;
    drain_outbox(&sim, &db, Days::seconds(5), 20).await;
    db.close().await;
    done("final kills and flush", report);
    Arc::try_unwrap(world).unwrap_or_else(|_| panic!("the world is still shared"))
}

async fn link(p: &mut Person, phone: &str) -> Step<()> {
    let name = p.name.clone();
    let first = p
        .say("/start", |m| {
            m.reply_markup.is_some() || m.plain_text.contains(&name)
        })
        .await?;
    if first.plain_text.contains(&name) {
        return Ok(());
    }
    let name = p.name.clone();
    p.step(Act::Contact(phone.to_string()), move |m| {
        m.plain_text.contains(&name)
    })
    .await?;
    Ok(())
}

/// Presses a slot with seats left on `options`; a full slot brings fresh options.
async fn book(
    b: &mut Person,
    mut options: crate::support::fake_telegram::SentMessage,
    rng: &mut StdRng,
) -> Step<()> {
    for _ in 0..6 {
        let labels: Vec<String> = options
            .button_labels()
            .into_iter()
            .filter(|l| l.contains(" · "))
            .collect();
        let Some(label) = labels.choose(rng).cloned() else {
            return Err(Stuck::NoAnswer(format!("{}: no slot left", b.name)));
        };
        let answer = b
            .press_on(&options, &label, false, |m| {
                m.plain_text.contains("已为您预约") || m.plain_text.contains("刚刚约满")
            })
            .await?;
        if answer.plain_text.contains("已为您预约") {
            return Ok(());
        }
        options = answer;
    }
    Err(Stuck::NoAnswer(format!("{}: every slot full", b.name)))
}

async fn reschedule(b: &mut Person, rng: &mut StdRng) -> Step<()> {
    let mine = b
        .say("/appointment", |m| {
            m.plain_text.starts_with("🏠") && m.has_inline_keyboard()
        })
        .await?;
    let options = b
        .press_on(&mine, "🔁", true, |m| m.plain_text.contains("请从以下"))
        .await?;
    book(b, options, rng).await
}

/// The buyers of the slot at `hour` check in; their ambassadors walk through their homes.
async fn visits(sim: &Arc<Sim>, world: &Arc<World>, day: i64, hour: u32, rng: &mut StdRng) {
    // Who is coming: the buyers whose day-of welcome names this visit, today's (one left
    // from a visit missed on an earlier day names the same hour).
    let starts =
        local(day, hour, 0).with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    let (date, when) = (
        starts.format("%m-%d").to_string(),
        starts.format("%H:%M").to_string(),
    );
    let seed: u64 = rng.r#gen();
    let arrivals: Vec<usize> = {
        let arrived = Arc::new(Mutex::new(Vec::new()));
        each(
            (0..world.homes.len()).collect(),
            sim.opts.concurrency,
            |i| {
                let world = world.clone();
                let arrived = arrived.clone();
                let (date, when) = (date.clone(), when.clone());
                async move {
                    if world.inspected.lock().unwrap().contains(&i) {
                        return;
                    }
                    let mut b = world.buyers[i].lock().await;
                    b.read_new();
                    // Today's welcome for this hour; one seen at an earlier visit (used, or
                    // the buyer did not come) is not pressed again: the bot rightly answers
                    // that the visit is over.
                    let welcome = b
                        .inbox
                        .iter()
                        .rev()
                        .find(|m| {
                            m.plain_text.contains("今天就是您的验房日")
                                && m.plain_text.contains(&date)
                                && m.plain_text.contains(&when)
                                && m.button_labels().iter().any(|l| l.starts_with("📍"))
                        })
                        .cloned();
                    let Some(welcome) = welcome else { return };
                    if !world
                        .welcomes_seen
                        .lock()
                        .unwrap()
                        .insert((i, welcome.message_id))
                    {
                        return;
                    }
                    let mut rng = StdRng::seed_from_u64(seed ^ i as u64);
                    if rng.gen_bool(0.04) {
                        // A no-show: the ambassador will call and walk through anyway tomorrow.
                        return;
                    }
                    match b
                        .press_on(&welcome, "📍", true, |m| {
                            m.plain_text.contains("已为您签到")
                        })
                        .await
                    {
                        // Taken before a crash that swallowed the reply: checked in all the same.
                        Ok(_) | Err(Stuck::Taken(_)) => arrived.lock().unwrap().push(i),
                        Err(e) => {
                            drop(b);
                            stuck(&world, "check in", e);
                            arrived.lock().unwrap().push(i);
                        }
                    }
                }
            },
        )
        .await;
        let mut v = arrived.lock().unwrap().clone();
        v.sort_unstable();
        v
    };
    // No-shows of earlier days are walked through with the afternoon group.
    let mut todo = arrivals;
    if hour == 14 {
        let inspected = world.inspected.lock().unwrap().clone();
        let booked_earlier: Vec<usize> = (0..world.homes.len())
            .filter(|i| !inspected.contains(i) && !todo.contains(i))
            .filter(|i| {
                // Only homes whose visit day has passed: their buyer got a welcome already.
                world.buyers[*i]
                    .try_lock()
                    .map(|b| {
                        b.inbox
                            .iter()
                            .any(|m| m.plain_text.contains("今天就是您的验房日"))
                    })
                    .unwrap_or(false)
            })
            .collect();
        todo.extend(booked_earlier);
    }
    let by_ambassador = world.by_ambassador(todo);
    let seed: u64 = rng.r#gen();
    each(
        by_ambassador.into_iter().collect(),
        sim.opts.concurrency,
        |(a, homes)| {
            let world = world.clone();
            async move {
                let mut amb = world.ambassadors[a].lock().await;
                for i in homes {
                    let mut rng = StdRng::seed_from_u64(seed ^ i as u64);
                    let count = [0usize, 1, 1, 1, 2, 2, 3][rng.gen_range(0..7)];
                    walk_through(&mut amb, &world, i, count, &mut rng).await;
                    world.inspected.lock().unwrap().insert(i);
                }
            }
        },
    )
    .await;
}

/// One home's walk-through with `count` defects, each with photos and a unique note.
async fn walk_through(amb: &mut Person, world: &World, i: usize, count: usize, rng: &mut StdRng) {
    let unit = world.homes[i].unit.clone();
    let mut items = Vec::new();
    for k in 0..count {
        let photos: Vec<Vec<u8>> = (0..rng.gen_range(1..=2u8))
            .map(|n| photo_bytes((i as u64) << 8 | k as u64, n + 1))
            .collect();
        items.push((
            *ROOMS.choose(rng).unwrap(),
            *CATEGORIES.choose(rng).unwrap(),
            *SEVERITIES.choose(rng).unwrap(),
            photos,
            format!("SIM-{unit}-{k} 问题说明"),
        ));
    }
    let mut saved = 0usize;
    for attempt in 0..4 {
        let result = async {
            let start = amb
                .say(&format!("/inspect {unit}"), |m| {
                    m.plain_text.contains(&format!("{unit} 验房"))
                })
                .await?;
            let mut screen = start;
            while saved < items.len() {
                let (room, category, severity, photos, note) = items[saved].clone();
                if screen.button_labels().iter().any(|l| l == "🚪 换个房间") {
                    screen = amb
                        .press_on(&screen, "🚪 换个房间", false, |m| {
                            m.plain_text.contains("请选择房间")
                        })
                        .await?;
                }
                screen = amb
                    .press_on(&screen, room, false, |m| m.plain_text.contains("问题类型"))
                    .await?;
                screen = amb
                    .press_on(&screen, category, false, |m| {
                        m.plain_text.contains("紧急程度")
                    })
                    .await?;
                amb.press_on(&screen, severity, false, |m| {
                    m.plain_text.contains("请拍照发送")
                })
                .await?;
                for (n, bytes) in photos.iter().enumerate() {
                    let needle = format!("已收到 {} 张照片", n + 1);
                    amb.step(Act::Photo(bytes.clone(), None), move |m| {
                        m.plain_text.contains(&needle)
                    })
                    .await?;
                }
                let confirm = amb
                    .say(&note, |m| m.button_labels().iter().any(|l| l == "💾 保存"))
                    .await?;
                let ack = amb
                    .press_on(&confirm, "💾 保存", false, |m| {
                        m.plain_text.contains("条已保存")
                    })
                    .await?;
                let number = label_number(&ack.plain_text, "第", "条已保存").unwrap_or(0);
                saved += 1;
                let mut log = world.log.lock().unwrap();
                if number != saved {
                    log.double_saves.push(format!(
                        "{unit}: item {saved} acknowledged as number {number}"
                    ));
                }
                log.defects.push(Recorded {
                    unit: unit.clone(),
                    note: note.clone(),
                    photos: photos.iter().map(|p| sha(p)).collect(),
                    acknowledged: true,
                    finished: false,
                });
                drop(log);
                screen = ack;
            }
            amb.press_on(&screen, "✅ 完成验房", false, |m| {
                m.plain_text.contains("验房完成")
            })
            .await?;
            Ok::<(), Stuck>(())
        }
        .await;
        match result {
            Ok(()) => {
                let mut log = world.log.lock().unwrap();
                for d in log.defects.iter_mut().filter(|d| d.unit == unit) {
                    d.finished = true;
                }
                return;
            }
            Err(e) => {
                if attempt == 3 {
                    stuck(world, "walk-through", e);
                    return;
                }
                // Back to a known state and on from the first item not acknowledged.
                let _ = amb.cancel().await;
            }
        }
    }
}

/// Engineers work through their tasks: start, then fixed with a photo.
async fn repairs(sim: &Arc<Sim>, world: &Arc<World>, rng: &mut StdRng) {
    let seed: u64 = rng.r#gen();
    each(
        (0..world.engineers.len()).collect(),
        sim.opts.concurrency,
        |e| {
            let world = world.clone();
            async move {
                let mut eng = world.engineers[e].lock().await;
                let mut seen = BTreeSet::new();
                for _round in 0..200 {
                    let list = match eng
                        .say("/tasks", |m| {
                            m.plain_text.contains("我的整改任务")
                                || m.plain_text.contains("目前没有待您处理")
                        })
                        .await
                    {
                        Ok(l) => l,
                        Err(err) => {
                            stuck(&world, "tasks", err);
                            return;
                        }
                    };
                    let cards: Vec<(String, i64)> = list
                        .inline_buttons()
                        .into_iter()
                        .filter_map(|b| {
                            let data = b.callback_data?;
                            let id = data.strip_prefix("1:dc:")?.parse().ok()?;
                            Some((b.text, id))
                        })
                        .filter(|(_, id)| !seen.contains(id))
                        .collect();
                    if cards.is_empty() {
                        return;
                    }
                    for (label, id) in cards {
                        seen.insert(id);
                        let r = fix_one(&mut eng, &world, &list, &label, id, seed).await;
                        if let Err(err) = r {
                            stuck(&world, "repair", err);
                            let _ = eng.cancel().await;
                        }
                    }
                }
            }
        },
    )
    .await;
}

async fn open_card(
    eng: &mut Person,
    list: &crate::support::fake_telegram::SentMessage,
    label: &str,
    id: i64,
) -> Step<crate::support::fake_telegram::SentMessage> {
    // The card, with or without step buttons (a defect fixed already has none for its
    // engineer).
    let needle = format!("#{id} · ");
    eng.press_on(list, label, false, move |m| {
        m.plain_text.contains(&needle) && m.plain_text.contains("处理记录")
    })
    .await
}

async fn fix_one(
    eng: &mut Person,
    world: &World,
    list: &crate::support::fake_telegram::SentMessage,
    label: &str,
    id: i64,
    seed: u64,
) -> Step<()> {
    let card = open_card(eng, list, label, id).await?;
    let unit = card
        .plain_text
        .split_whitespace()
        .find(|w| w.matches('-').count() == 2)
        .unwrap_or("")
        .to_string();
    let name = eng.name.clone();
    let log = |to: &'static str| {
        world.log.lock().unwrap().changes.push(Change {
            defect: Some(id),
            unit: unit.clone(),
            actor: name.clone(),
            to,
        });
    };
    // Driven by what the card offers, so a step cut short by a crash (its button gone, or a
    // repeated press refused) is seen for what it did when the card is opened again.
    let (mut started, mut finished) = (false, false);
    let mut card = card;
    for _ in 0..3 {
        let labels = card.button_labels();
        if labels.iter().any(|l| l == "🔨 开始整改") {
            started = true;
            let r = async {
                let ask = eng
                    .press_on(&card, "🔨 开始整改", false, |m| {
                        m.plain_text.contains("可以发送一条说明")
                    })
                    .await?;
                let needle = format!("#{id} 现在的状态：整改中");
                eng.press_on(&ask, "✔ 确认", false, move |m| {
                    m.plain_text.contains(&needle)
                })
                .await
            }
            .await;
            cut_short(eng, r).await?;
        } else if labels.iter().any(|l| l == "✅ 整改完成") {
            if std::mem::take(&mut started) {
                log("in_progress");
            }
            finished = true;
            let r = async {
                // The ask itself: a reopened defect's card ends with its last fix's photos
                // ("最近一次整改后的照片"), which may still be arriving.
                let ask = format!("请发送 #{id} 整改后的照片");
                eng.press_on(&card, "✅ 整改完成", false, move |m| {
                    m.plain_text.contains(&ask)
                })
                .await?;
                eng.step(
                    Act::Photo(photo_bytes(seed ^ (id as u64) << 16, 9), None),
                    |m| m.plain_text.contains("已收到 1 张照片") && m.has_inline_keyboard(),
                )
                .await?;
                eng.press("✅ 完成，通知业主", |m| {
                    m.plain_text.contains("已请业主查验")
                })
                .await
            }
            .await;
            if cut_short(eng, r).await? {
                log("fixed");
                return Ok(());
            }
        } else {
            // Neither button: fixed (or closed) already, by this flow's step cut short or
            // before this round.
            if started {
                log("in_progress");
            }
            if finished {
                log("fixed");
            }
            return Ok(());
        }
        card = open_card(eng, list, label, id).await?;
    }
    Err(Stuck::NoAnswer(format!(
        "{name}: defect #{id} still offers {:?} after three tries",
        card.button_labels()
    )))
}

/// Whether a step went through: `Ok(false)` when a crash cut it short (its button gone, or a
/// repeated press refused), after getting back to no dialogue; other failures pass through.
async fn cut_short<T>(person: &mut Person, r: Step<T>) -> Step<bool> {
    match r {
        Ok(_) => Ok(true),
        Err(Stuck::Taken(_) | Stuck::Refused(_) | Stuck::Diverged(_)) => {
            person.cancel().await?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Buyers answer "please check the fix": most confirm, some say it is still a problem, some
/// never answer (their ambassador verifies after the configured days).
async fn fix_checks(sim: &Arc<Sim>, world: &Arc<World>, rng: &mut StdRng) {
    let seed: u64 = rng.r#gen();
    each(
        (0..world.homes.len()).collect(),
        sim.opts.concurrency,
        |i| {
            let world = world.clone();
            async move {
                let mut b = world.buyers[i].lock().await;
                b.read_new();
                let asks: Vec<_> = b
                    .inbox
                    .iter()
                    .filter(|m| m.plain_text.contains("请您查验"))
                    .cloned()
                    .collect();
                for ask in asks {
                    let current = b.sim_message(ask.message_id);
                    let labels: Vec<String> = current
                        .button_labels()
                        .into_iter()
                        .filter(|l| l.ends_with("已修好"))
                        .collect();
                    for label in labels {
                        let mut rng =
                            StdRng::seed_from_u64(seed ^ (i as u64) << 20 ^ ask.message_id as u64);
                        let roll: f64 = rng.r#gen();
                        let unit = world.homes[i].unit.clone();
                        let name = b.name.clone();
                        if roll < 0.10 {
                            continue;
                        }
                        let r = if roll < 0.18 {
                            let bad = label.replace("✅", "❌").replace("已修好", "仍有问题");
                            async {
                                b.press_on(&ask, &bad, false, |m| {
                                    m.plain_text.contains("还有什么问题")
                                })
                                .await?;
                                b.say("还是有点渗水", |m| m.plain_text.contains("重新整改"))
                                    .await?;
                                Ok::<_, Stuck>("reopened")
                            }
                            .await
                        } else {
                            // The item may have been verified meanwhile (by the ambassador, or
                            // through a later message listing it too): the bot says so.
                            b.press_on_or_notice(&ask, &label, |m| {
                                m.plain_text.contains("感谢您的确认")
                            })
                            .await
                            .map(|_| "verified")
                        };
                        match r {
                            Ok(to) => world.log.lock().unwrap().changes.push(Change {
                                defect: None,
                                unit,
                                actor: name,
                                to,
                            }),
                            Err(Stuck::Refused(notice)) if notice.contains("状态已经变化") => {
                            }
                            // The bot took the press before a crash (it takes the item's
                            // buttons off only then); its thanks went down with the crash.
                            Err(Stuck::Taken(_)) => {}
                            // Repeated after a crash and answered as a new message: the first
                            // was taken (the item reopened), its answer lost with the crash.
                            Err(Stuck::Diverged(_)) => {}
                            Err(e) => stuck(&world, "fix check", e),
                        }
                    }
                }
            }
        },
    )
    .await;
}

/// The handover checklist by the ambassador, then the buyer's confirmation.
async fn handovers(sim: &Arc<Sim>, world: &Arc<World>, ready: Vec<usize>, rng: &mut StdRng) {
    let by_ambassador = world.by_ambassador(ready);
    let seed: u64 = rng.r#gen();
    each(
        by_ambassador.into_iter().collect(),
        sim.opts.concurrency,
        |(a, homes)| {
            let world = world.clone();
            async move {
                for i in homes {
                    let unit = world.homes[i].unit.clone();
                    {
                        let mut amb = world.ambassadors[a].lock().await;
                        let mut ok = false;
                        for attempt in 0..3 {
                            match checklist(&mut amb, &unit, i as u64 ^ seed).await {
                                Ok(()) => {
                                    ok = true;
                                    break;
                                }
                                Err(e) => {
                                    if attempt == 2 {
                                        stuck(&world, "handover checklist", e);
                                    }
                                    let _ = amb.cancel().await;
                                }
                            }
                        }
                        if !ok {
                            continue;
                        }
                    }
                    let mut b = world.buyers[i].lock().await;
                    let r = confirm_handover(&mut b).await;
                    match r {
                        Ok(_) => {
                            world.log.lock().unwrap().handed_over.insert(unit);
                        }
                        Err(e) => stuck(&world, "handover confirmation", e),
                    }
                }
            }
        },
    )
    .await;
}

/// The buyer confirms the newest record on screen. A record the ambassador redid meanwhile is
/// answered with the current one, which the buyer then confirms; a repeated press refused
/// after a crash means the first was taken, and the welcome is on its way.
async fn confirm_handover(b: &mut Person) -> Step<SentMessage> {
    let mut last = None;
    for _ in 0..3 {
        let ask = b
            .await_text_with_button("请核对", "✅ 我已收房")
            .await
            .ok_or_else(|| Stuck::NoAnswer(format!("{}: no handover record", b.name)))?;
        match b
            .press_on(&ask, "✅ 我已收房", false, |m| {
                m.plain_text.contains("欢迎回家") || m.plain_text.contains("旧的作废")
            })
            .await
        {
            Ok(m) if m.plain_text.contains("欢迎回家") => return Ok(m),
            Ok(m) => last = Some(m),
            Err(Stuck::Refused(why) | Stuck::Taken(why)) => {
                let patience = b.patience();
                return b
                    .await_text("欢迎回家", patience)
                    .await
                    .ok_or(Stuck::Refused(why));
            }
            Err(e) => return Err(e),
        }
    }
    Err(Stuck::NoAnswer(format!(
        "{}: still a replaced record after three tries: {:?}",
        b.name,
        last.map(|m| m.plain_text)
    )))
}

async fn checklist(amb: &mut Person, unit: &str, seed: u64) -> Step<()> {
    let q = amb
        .say(&format!("/handover {unit}"), |m| {
            m.plain_text.contains("入户门钥匙几把") || m.plain_text.contains("已完成交付")
        })
        .await?;
    if q.plain_text.contains("已完成交付") {
        return Ok(());
    }
    let q = amb
        .press_on(&q, "2", false, |m| m.plain_text.contains("信箱钥匙几把"))
        .await?;
    let q = amb
        .press_on(&q, "1", false, |m| m.plain_text.contains("门禁卡几把"))
        .await?;
    amb.press_on(&q, "2", false, |m| {
        m.plain_text.contains("水表：请发送表的照片")
    })
    .await?;
    amb.step(
        Act::Photo(photo_bytes(seed << 4 | 1, 31), Some("0123.4".into())),
        |m| m.plain_text.contains("电表：请发送表的照片"),
    )
    .await?;
    let q = amb
        .step(
            Act::Photo(photo_bytes(seed << 4 | 2, 32), Some("567".into())),
            |m| m.plain_text.contains("燃气表：请发送表的照片"),
        )
        .await?;
    let q = amb
        .press_on(&q, "本户没有这块表", false, |m| {
            m.plain_text.contains("业主领取了哪些资料")
        })
        .await?;
    let q = amb
        .press_on(&q, "✔ 完成", false, |m| {
            m.plain_text.contains("交房记录，请核对")
        })
        .await?;
    amb.press_on(&q, "📨 发给业主确认", false, |m| {
        m.plain_text.contains("交房记录已发给")
    })
    .await?;
    Ok(())
}

async fn complaints(sim: &Arc<Sim>, world: &Arc<World>, who: Vec<usize>) {
    each(who, sim.opts.concurrency, |i| {
        let world = world.clone();
        async move {
            let mut b = world.buyers[i].lock().await;
            let r = async {
                let q = b.say_expect("/complain", "投诉什么问题").await?;
                let q = b
                    .press_on(&q, "渗漏", false, |m| m.plain_text.contains("严重程度"))
                    .await?;
                b.press_on(&q, "一般", false, |m| {
                    m.plain_text.contains("请用一条消息描述")
                })
                .await?;
                b.say_expect("阳台有渗水，请尽快处理", "已登记").await
            }
            .await;
            match r {
                Ok(_) => world
                    .log
                    .lock()
                    .unwrap()
                    .complaints
                    .push(world.homes[i].unit.clone()),
                Err(e) => stuck(&world, "complaint", e),
            }
        }
    })
    .await;
    // Reception acknowledges each receipt still showing its button.
    let mut rec = world.reception.lock().await;
    rec.read_new();
    let receipts: Vec<_> = rec
        .inbox
        .iter()
        .filter(|m| m.plain_text.contains("投诉 #"))
        .cloned()
        .collect();
    for receipt in receipts {
        let current = rec.sim_message(receipt.message_id);
        if current.button_labels().iter().any(|l| l == "✅ 确认受理")
            && let Err(e) = rec
                .press_on(&current, "✅ 确认受理", false, |m| {
                    m.plain_text.contains("已受理")
                })
                .await
        {
            stuck(world, "acknowledge", e);
        }
    }
}

async fn summary(world: &World, day: i64) {
    let s = (day as usize) % world.supervisors.len();
    let mut sup = world.supervisors[s].lock().await;
    if let Err(e) = sup
        .say("/summary", |m| m.plain_text.contains("整体交付率"))
        .await
    {
        stuck(world, "summary", e);
    }
}

/// Buyers answer the D+7 check and the D+30 survey when they come.
async fn aftercare(sim: &Arc<Sim>, world: &Arc<World>, day: i64) {
    each(
        (0..world.homes.len()).collect(),
        sim.opts.concurrency,
        |i| {
            let world = world.clone();
            async move {
                let mut b = world.buyers[i].lock().await;
                b.read_new();
                let open: Vec<_> = b
                    .inbox
                    .iter()
                    .filter(|m| {
                        m.plain_text.contains("一切都好吗") || m.plain_text.contains("的交付满意吗")
                    })
                    .map(|m| m.message_id)
                    .collect();
                for id in open {
                    let current = b.sim_message(id);
                    let labels = current.button_labels();
                    if labels.iter().any(|l| l == "👍 一切都好") {
                        // On a copy a crash sent twice and answered already, the bot's
                        // notice says it has the answer.
                        match b
                            .press_on_or_notice(&current, "👍 一切都好", |m| {
                                m.plain_text.contains("谢谢")
                            })
                            .await
                        {
                            Ok(_) => {}
                            Err(Stuck::Refused(notice)) if notice.contains("已收到您的回答") =>
                                {}
                            // Taken before a crash (the bot takes the buttons off only then);
                            // its thanks went down with the crash.
                            Err(Stuck::Taken(_)) => {}
                            Err(e) => stuck(&world, "check answer", e),
                        }
                    } else if labels.iter().any(|l| l.ends_with('⭐')) {
                        let score = 1 + ((i as i64 + day) % 5) as u8;
                        let label = format!("{score} ⭐");
                        let r = async {
                            // A copy of a survey a crash sent twice, answered on the other
                            // copy already: the bot says it has the answer.
                            let thanks = match b
                                .press_on_or_notice(&current, &label, |m| {
                                    m.plain_text.contains("感谢您的")
                                        || m.plain_text.contains("已收到您的回答")
                                })
                                .await
                            {
                                Err(Stuck::Refused(notice))
                                    if notice.contains("已收到您的回答") =>
                                {
                                    return Ok(false);
                                }
                                other => other?,
                            };
                            if thanks.plain_text.contains("已收到您的回答") {
                                return Ok(false);
                            }
                            if thanks.button_labels().iter().any(|l| l == "跳过") {
                                b.press_on(&thanks, "跳过", false, |m| {
                                    m.plain_text.contains("感谢您的反馈")
                                })
                                .await?;
                            }
                            Ok::<_, Stuck>(true)
                        }
                        .await;
                        match r {
                            Ok(false) => {}
                            Ok(true) => world
                                .log
                                .lock()
                                .unwrap()
                                .surveys
                                .push((world.homes[i].unit.clone(), score)),
                            Err(e) => stuck(&world, "survey", e),
                        }
                    }
                }
            }
        },
    )
    .await;
}

impl Person {
    /// The message as it is now (after edits), or the copy first seen.
    pub fn sim_message(&self, id: i64) -> crate::support::fake_telegram::SentMessage {
        self.fake_message(id)
            .or_else(|| self.inbox.iter().find(|m| m.message_id == id).cloned())
            .expect("a message the person saw")
    }

    /// Waits for a message containing `needle` that still shows the button `label`.
    pub async fn await_text_with_button(
        &mut self,
        needle: &str,
        label: &str,
    ) -> Option<crate::support::fake_telegram::SentMessage> {
        let began = Instant::now();
        let patience = self.patience() * 2;
        loop {
            self.read_new();
            let found = self
                .inbox
                .iter()
                .rev()
                .filter(|m| m.plain_text.contains(needle))
                .map(|m| m.message_id)
                .find(|id| {
                    self.fake_message(*id)
                        .is_some_and(|m| m.button_labels().iter().any(|l| l == label))
                });
            if let Some(id) = found {
                return self.fake_message(id);
            }
            if began.elapsed() > patience {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The count in a defect list's title, "UNIT 的问题（N 条）".
pub fn count_in_title(text: &str) -> Option<usize> {
    label_number(text, "的问题（", "条）")
}
