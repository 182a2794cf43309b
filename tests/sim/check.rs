//! The invariants checked at the end of a run, against the database, the media directory and
//! everything the fake Telegram server delivered.

use super::campaign::World;
use super::{Report, Sim};
use sqlx::AnyPool;
use sqlx::Row;
use sqlx::any::AnyPoolOptions;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

fn status_name(status: &str) -> &'static str {
    match status {
        "recorded" => "记录中",
        "open" => "待整改",
        "assigned" => "已派单",
        "in_progress" => "整改中",
        "fixed" => "已整改",
        "verified" => "已复验",
        "closed" => "已关闭",
        "reopened" => "重新整改",
        "reported" => "待审核",
        "rejected" => "不予处理",
        "on_hold" => "暂停整改",
        _ => "?",
    }
}

/// Unit-like tokens (`B-1-R`) in a text.
fn units_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < chars.len() {
        if chars[i] == '-' && chars[i + 1] == '1' && chars[i + 2] == '-' {
            let mut s = i;
            while s > 0 && chars[s - 1].is_ascii_digit() {
                s -= 1;
            }
            let mut e = i + 3;
            while e < chars.len() && chars[e].is_ascii_digit() {
                e += 1;
            }
            let before_ok = s == 0 || !(chars[s - 1].is_ascii_digit() || chars[s - 1] == '-');
            if s < i && e > i + 3 && before_ok {
                out.push(chars[s..e].iter().collect());
            }
            i = e;
        } else {
            i += 1;
        }
    }
    out
}

/// `BuyerNNNN` names in a text.
fn buyers_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(p) = rest.find("Buyer") {
        let tail = &rest[p + 5..];
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        if digits.len() == 4 {
            out.push(format!("Buyer{digits}"));
        }
        rest = &rest[p + 5..];
    }
    out
}

/// The application's database, opened to read (SQLite for one instance, PostgreSQL for the
/// load run: the same queries on either).
pub async fn read_database(sim: &Sim) -> AnyPool {
    sqlx::any::install_default_drivers();
    let url = &sim.host.config.database_url;
    let url = if url.starts_with("sqlite") {
        format!("{url}?mode=ro")
    } else {
        url.clone()
    };
    AnyPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .expect("open the database")
}

/// Outbox rows not yet sent or given up for good (pending, or being sent).
pub async fn unsent_outbox_rows(pool: &AnyPool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')")
        .fetch_one(pool)
        .await
        .expect("count the outbox")
}

pub async fn invariants(sim: &Sim, world: &World, report: &mut Report) {
    let mut add = |name: &str, ok: bool, detail: String| {
        report.invariants.push((name.to_string(), ok, detail));
    };
    let pool = read_database(sim).await;
    // Every instance must be able to read every photo: through its own media store (from the
    // shared directory, or fetched from the bucket into its own cache).
    let stores: Vec<_> = sim
        .host
        .all_services()
        .into_iter()
        .map(|s| s.media.clone())
        .collect();
    let log = std::mem::take(&mut *world.log.lock().unwrap());

    // Nothing the people could not finish.
    add(
        "every flow completed (possibly after retries)",
        log.stuck.is_empty(),
        if log.stuck.is_empty() {
            "none stuck".into()
        } else {
            format!(
                "{} stuck: {:?}",
                log.stuck.len(),
                &log.stuck[..log.stuck.len().min(40)]
            )
        },
    );
    let anomalies = sim.anomalies();
    add(
        "no answer missing without a crash",
        anomalies.is_empty(),
        format!("{} missing", anomalies.len()),
    );

    // Every defect recorded exists exactly once, with its photos on disk.
    let mut missing = Vec::new();
    let mut doubled = Vec::new();
    let mut photo_problems = Vec::new();
    let mut unfinished = Vec::new();
    for d in log.defects.iter().filter(|d| d.acknowledged) {
        let rows = sqlx::query("SELECT id, status FROM defects WHERE note = $1")
            .bind(&d.note)
            .fetch_all(&pool)
            .await
            .unwrap();
        match rows.len() {
            0 => missing.push(d.note.clone()),
            1 => {}
            n => doubled.push(format!("{} ×{n}", d.note)),
        }
        for row in &rows {
            let id: i64 = row.get("id");
            let status: String = row.get("status");
            if d.finished && status == "recorded" {
                unfinished.push(d.note.clone());
            }
            let photos = sqlx::query(
                "SELECT m.sha256, m.path FROM defect_media dm JOIN media m ON m.sha256 = dm.sha256 \
                 WHERE dm.defect_id = $1 AND dm.kind = 'photo'",
            )
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
            let mut shas: Vec<String> = photos.iter().map(|r| r.get("sha256")).collect();
            shas.sort();
            let mut expected = d.photos.clone();
            expected.sort();
            expected.dedup();
            if shas != expected {
                photo_problems.push(format!(
                    "{}: {} of {} photos",
                    d.note,
                    shas.len(),
                    expected.len()
                ));
            }
            for r in &photos {
                let path: String = r.get("path");
                for (i, store) in stores.iter().enumerate() {
                    if let Err(error) = store.read(&path).await {
                        photo_problems.push(format!(
                            "{}: file {path} not readable by instance {i}: {error}",
                            d.note
                        ));
                    }
                }
            }
        }
    }
    let recorded = log.defects.iter().filter(|d| d.acknowledged).count();
    let photos: usize = log.defects.iter().map(|d| d.photos.len()).sum();
    add(
        "every recorded defect exists exactly once",
        missing.is_empty() && doubled.is_empty(),
        format!(
            "{recorded} recorded; missing {}, duplicated {} {:?}",
            missing.len(),
            doubled.len(),
            &doubled[..doubled.len().min(5)]
        ),
    );
    add(
        "every defect keeps all its photos, files present",
        photo_problems.is_empty(),
        format!(
            "{photos} photos; problems {:?}",
            &photo_problems[..photo_problems.len().min(5)]
        ),
    );
    add(
        "every finished walk-through's defects left the draft state",
        unfinished.is_empty(),
        format!("{} still drafts", unfinished.len()),
    );
    add(
        "saves acknowledged with the expected item number",
        log.double_saves.is_empty(),
        format!("{:?}", &log.double_saves[..log.double_saves.len().min(5)]),
    );

    // Every status change a person made (and saw confirmed) is a defect_events row.
    let mut lost_changes = Vec::new();
    let mut by_actor: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for c in &log.changes {
        match c.defect {
            Some(id) => {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM defect_events WHERE defect_id = $1 AND to_status = $2 \
                     AND actor IN (SELECT 'staff:' || id FROM staff WHERE name = $3 UNION SELECT 'buyer:' || id FROM buyers WHERE name = $3)",
                )
                .bind(id)
                .bind(c.to)
                .bind(&c.actor)
                .fetch_one(&pool)
                .await
                .unwrap();
                if n == 0 {
                    lost_changes.push(format!("#{id} → {} by {}", c.to, c.actor));
                }
            }
            None => *by_actor.entry((c.actor.clone(), c.to)).or_default() += 1,
        }
    }
    for ((actor, to), n) in &by_actor {
        let have: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM defect_events WHERE to_status = $1 AND actor IN (SELECT 'staff:' || id FROM staff WHERE name = $2 UNION SELECT 'buyer:' || id FROM buyers WHERE name = $2)",
        )
        .bind(*to)
        .bind(actor)
        .fetch_one(&pool)
        .await
        .unwrap();
        if (have as usize) < *n {
            lost_changes.push(format!("{actor}: {n} × {to}, {have} events"));
        }
    }
    add(
        "every status change is a defect_events row",
        lost_changes.is_empty(),
        format!(
            "{} changes; lost {:?}",
            log.changes.len(),
            &lost_changes[..lost_changes.len().min(5)]
        ),
    );

    // Handovers, surveys and complaints the people saw confirmed are in the database.
    let mut lost = Vec::new();
    for unit in &log.handed_over {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM handovers h JOIN units u ON u.id = h.unit_id \
             JOIN buildings b ON b.id = u.building_id \
             WHERE h.status = 'confirmed' AND (b.name || '-' || COALESCE(u.entrance, '') || '-' || u.room) = $1",
        )
        .bind(unit)
        .fetch_one(&pool)
        .await
        .unwrap_or(-1);
        if n != 1 {
            lost.push(format!("handover {unit}: {n}"));
        }
    }
    let surveys: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM follow_ups WHERE kind = 'survey' AND score IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    if (surveys as usize) < log.surveys.len() {
        lost.push(format!(
            "surveys: {} answered, {surveys} stored",
            log.surveys.len()
        ));
    }
    let complaints: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints")
        .fetch_one(&pool)
        .await
        .unwrap();
    if (complaints as usize) < log.complaints.len() {
        lost.push(format!(
            "complaints: {} filed, {complaints} stored",
            log.complaints.len()
        ));
    }
    add(
        "handovers, survey answers and complaints are stored",
        lost.is_empty(),
        format!(
            "{} handovers, {} surveys, {} complaints; {:?}",
            log.handed_over.len(),
            log.surveys.len(),
            log.complaints.len(),
            lost
        ),
    );

    // The outbox: nothing stuck, every row the database says was sent reached its chat.
    let rows = sqlx::query("SELECT id, chat_id, status, message_id, content FROM outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut not_delivered = Vec::new();
    let mut texts: HashMap<(i64, String), usize> = HashMap::new();
    for row in &rows {
        let status: String = row.get("status");
        *by_status.entry(status.clone()).or_default() += 1;
        let chat: i64 = row.get("chat_id");
        if status == "sent" {
            let message_id: Option<i64> = row.get("message_id");
            let there = message_id.is_some_and(|m| sim.fake.message(chat, m).is_some());
            if !there {
                not_delivered.push(format!("outbox #{} → {chat}", row.get::<i64, _>("id")));
            }
            let content: String = row.get("content");
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&content)
                && let Some(html) = v
                    .get("html")
                    .or_else(|| v.pointer("/Text/html"))
                    .and_then(|h| h.as_str())
            {
                *texts.entry((chat, html.to_string())).or_default() += 1;
            }
        }
    }
    let stuck_rows = by_status.get("pending").copied().unwrap_or(0)
        + by_status.get("sending").copied().unwrap_or(0);
    add(
        "every outbox row is sent or failed for good",
        stuck_rows == 0,
        format!("{by_status:?}"),
    );
    add(
        "every row marked sent reached the right chat",
        not_delivered.is_empty(),
        format!(
            "{} not found {:?}",
            not_delivered.len(),
            &not_delivered[..not_delivered.len().min(5)]
        ),
    );
    // Duplicates: copies of one notification beyond the rows that asked for it.
    let mut duplicates = 0usize;
    let mut worst = 0usize;
    let mut examples = Vec::new();
    let chats: std::collections::BTreeSet<i64> = texts.keys().map(|(c, _)| *c).collect();
    for chat in chats {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for m in sim.fake.sent_messages(chat) {
            if let Some(text) = m.text {
                *seen.entry(text).or_default() += 1;
            }
        }
        for ((c, html), rows) in texts.iter().filter(|((c, _), _)| *c == chat) {
            let _ = c;
            let got = seen.get(html).copied().unwrap_or(0);
            if got > *rows {
                duplicates += got - rows;
                worst = worst.max(got - rows);
                if examples.len() < 4 {
                    examples.push(format!("{chat}: {got}× {html:?} ({rows} rows)"));
                }
            }
        }
    }
    let kills = sim.kills() as usize;
    // A kill can leave at most one batch of rows sent and not yet recorded.
    let in_flight = handover_bot::notify::NotifierOptions::default().batch as usize;
    add(
        "duplicate notifications within what crashes force",
        worst <= kills.max(1) && duplicates <= kills * in_flight,
        format!(
            "{duplicates} duplicate sends in all, at most {worst} of one notification, {kills} kills {examples:?}"
        ),
    );
    let jobs = sqlx::query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status")
        .fetch_all(&pool)
        .await
        .unwrap();
    let jobs: BTreeMap<String, i64> = jobs
        .iter()
        .map(|r| (r.get::<String, _>("status"), r.get::<i64, _>("n")))
        .collect();
    add(
        "no job left running or failed",
        jobs.get("running").copied().unwrap_or(0) == 0
            && jobs.get("failed").copied().unwrap_or(0) == 0,
        format!("{jobs:?}"),
    );

    // Each buyer's view: /mydefects against the database; and nobody saw another home.
    let mut view_mismatch = Vec::new();
    let mut leaks = Vec::new();
    let homes = world.homes.clone();
    for (i, home) in homes.iter().enumerate() {
        let mut b = world.buyers[i].lock().await;
        let answer = b
            .say("/mydefects", |m| {
                m.plain_text.contains("的问题（") || m.plain_text.contains("暂无记录的问题")
            })
            .await;
        let db_rows = sqlx::query(
            "SELECT d.id, d.status FROM defects d WHERE d.status <> 'recorded' AND d.note LIKE $1",
        )
        .bind(format!("SIM-{}-%", home.unit))
        .fetch_all(&pool)
        .await
        .unwrap();
        let db: BTreeMap<i64, String> = db_rows
            .iter()
            .map(|r| (r.get::<i64, _>("id"), r.get::<String, _>("status")))
            .collect();
        match answer {
            Err(e) => view_mismatch.push(format!("{}: no /mydefects answer {e:?}", home.unit)),
            Ok(m) if m.plain_text.contains("暂无记录的问题") => {
                if !db.is_empty() {
                    view_mismatch.push(format!(
                        "{}: shows none, database has {}",
                        home.unit,
                        db.len()
                    ));
                }
            }
            Ok(m) => {
                let ids: Vec<i64> = m
                    .button_labels()
                    .iter()
                    .filter_map(|l| l.rsplit_once('(')?.1.strip_suffix(')')?.parse().ok())
                    .collect();
                let statuses: Vec<&str> = m
                    .plain_text
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.rsplit_once(" · ").map(|(_, s)| s.trim()))
                    .collect();
                let shown: BTreeMap<i64, &str> = ids.iter().copied().zip(statuses).collect();
                let expected: BTreeMap<i64, &str> =
                    db.iter().map(|(id, s)| (*id, status_name(s))).collect();
                let count = super::campaign::count_in_title(&m.plain_text);
                if count != Some(db.len()) || (db.len() <= 10 && shown != expected) {
                    view_mismatch.push(format!(
                        "{}: shows {count:?} {shown:?}, database {expected:?}",
                        home.unit
                    ));
                }
            }
        }
        b.read_new();
        for m in &b.inbox {
            let foreign_unit = units_in(&m.plain_text)
                .into_iter()
                .find(|u| *u != home.unit);
            let foreign_name = buyers_in(&m.plain_text)
                .into_iter()
                .find(|n| *n != home.buyer_name);
            if let Some(x) = foreign_unit.or(foreign_name) {
                leaks.push(format!("{} saw {x}: {:?}", home.unit, m.plain_text));
            }
        }
    }
    add(
        "each buyer's /mydefects matches the database",
        view_mismatch.is_empty(),
        format!(
            "{} buyers; {:?}",
            homes.len(),
            &view_mismatch[..view_mismatch.len().min(5)]
        ),
    );
    add(
        "no buyer received another home's data",
        leaks.is_empty(),
        format!("{:?}", &leaks[..leaks.len().min(3)]),
    );
    let _ = Duration::ZERO;
    pool.close().await;
}
