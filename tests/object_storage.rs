//! Photos and documents in an S3 bucket (README, "Running past one machine"), against a real
//! S3-compatible server (moto's, started by the tests): what one instance keeps, another with
//! an empty cache of its own serves; a bucket that does not answer costs a retry or a polite
//! word, never a record pointing at nothing; `media migrate` copies a directory and checks
//! every copy; the same photo from two instances is one object.

use crate::support::app::{TestApp, binary};
use crate::support::fake_telegram::{SentKind, SentMessage, User};
use crate::support::objects::{bucket_env, fresh_bucket, server, use_bucket};
use crate::support::people::reply_to;
use crate::support::site::{Campaign, Site};
use crate::support::steps::{
    describe_leak, press_button, press_where, record_leak_with, wait_fixed, wait_key,
};
use crate::support::text::zh;
use handover_bot::bot::callback::{Callback, InspectAction};
use handover_bot::i18n::Arg;
use handover_bot::media::{MediaError, MediaStore, sha256_hex};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The colour of the test photos: nothing else on a report's page is this teal.
const PHOTO_COLOUR: [u8; 3] = [20, 170, 160];

/// A real JPEG of the photo colour, a little different per seed.
fn photo_jpeg(seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        let n = ((x * 7 + y * 13 + seed * 29) % 16) as u8;
        let [r, g, b] = PHOTO_COLOUR;
        image::Rgb([r + n, g - n, b + n])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("a JPEG");
    out
}

/// Where the application recorded the file with this hash (none: not recorded).
async fn recorded_path(app: &TestApp, sha256: &str) -> Option<String> {
    let mut tx = app.services().store.read().await.unwrap();
    let path = tx.media_path(sha256).await.unwrap();
    tx.commit().await.unwrap();
    path
}

/// The ambassador opens the defect card from `/defects 1-1-101`; the photo it shows.
async fn card_photo(app: &TestApp, ambassador: &User) -> SentMessage {
    let after = app
        .fake
        .sent_messages(ambassador.id)
        .last()
        .map_or(0, |m| m.message_id);
    app.fake.send_text(ambassador, "/defects 1-1-101");
    press_where(app, ambassador, |c| matches!(c, Callback::DefectCard(_))).await;
    app.fake
        .wait_for_message(ambassador.id, |m| {
            m.message_id > after && m.kind == SentKind::Photo
        })
        .await
}

/// `/defects 1-1-101 pdf`: the report's bytes.
async fn report_pdf(app: &TestApp, ambassador: &User) -> Vec<u8> {
    app.fake.send_text(ambassador, "/defects 1-1-101 pdf");
    let message = app
        .fake
        .wait_for_message(ambassador.id, |m| {
            m.file
                .as_ref()
                .is_some_and(|f| f.file_name.as_deref() == Some("defects-1-1-101.pdf"))
        })
        .await;
    message.file.expect("a document").bytes
}

/// How many pixels of the report's pages are the photo's colour (poppler draws the pages).
fn photo_pixels(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm runs (Debian: poppler-utils)");
    assert!(status.success());
    let mut count = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            let page = image::open(&path).unwrap().to_rgb8();
            count += page
                .pixels()
                .filter(|p| {
                    p.0.iter()
                        .zip(PHOTO_COLOUR)
                        .all(|(a, b)| a.abs_diff(b) <= 30)
                })
                .count();
        }
    }
    count
}

/// A look at the bucket from outside the application, with a cache of its own.
fn probe(bucket: &handover_bot::config::MediaBucket) -> (MediaStore, tempfile::TempDir) {
    let cache = tempfile::tempdir().unwrap();
    let store = MediaStore::bucket(bucket, cache.path(), Duration::from_secs(10));
    (store, cache)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_kept_through_one_instance_is_served_by_another_with_an_empty_cache_of_its_own() {
    let Campaign {
        mut app,
        ambassador,
        buyer,
        ..
    } = Site::new()
        .engineer_for(1)
        .homes(1)
        .linked(&[0])
        .config(|config| {
            use_bucket(config);
        })
        .assigned()
        .await;
    let bucket = app.config.media_bucket.clone().expect("a bucket");
    let photo = photo_jpeg(1);
    let sha256 = sha256_hex(&photo);
    record_leak_with(&app, &ambassador, photo.clone(), false).await;

    // In the bucket under its hash, and in the first instance's cache.
    let path = recorded_path(&app, &sha256)
        .await
        .expect("the photo is recorded");
    assert_eq!(path, format!("files/{}/{sha256}.jpg", &sha256[..2]));
    let (outside, _cache) = probe(&bucket);
    assert_eq!(outside.stored_sha256(&path).await.unwrap(), sha256);
    let first_cache = app.config.media_dir.clone();
    assert!(first_cache.join(&path).is_file());

    // Another instance: the same database and bucket, and a cache of its own, empty. The
    // first one's cache is gone altogether, so nothing can come from it.
    app.pause().await;
    std::fs::remove_dir_all(&first_cache).unwrap();
    app.config.media_dir = app.dir.path().join("cache-of-another-instance");
    app.resume().await;

    // The walk-through finished here: the buyer's list of items comes with the very photo,
    // sent by this instance's notifier.
    press_button(&app, &ambassador, Callback::Inspect(InspectAction::Finish)).await;
    wait_fixed(&app, &ambassador, "inspect-finished").await;
    let told = app
        .fake
        .wait_for_message(buyer.id, |m| m.kind == SentKind::Photo)
        .await;
    assert_eq!(told.file.expect("a photo").bytes, photo);

    // The card shows it too.
    let card = card_photo(&app, &ambassador).await;
    assert_eq!(card.file.expect("a photo").bytes, photo);
    assert!(app.config.media_dir.join(&path).is_file(), "fetched once");

    // The report has it on its page.
    let pdf = report_pdf(&app, &ambassador).await;
    assert!(
        photo_pixels(&pdf) > 200,
        "the report shows the photo ({} pixels of its colour)",
        photo_pixels(&pdf)
    );
    app.stop().await;
}

/// A TCP gate in front of the S3 server: open, it passes connections through; closed, or for
/// the next few connections it is told to turn away, it answers `503 Slow Down` as a busy
/// server does.
struct Gate {
    endpoint: String,
    open: Arc<AtomicBool>,
    turn_away: Arc<AtomicUsize>,
    turned_away: Arc<AtomicUsize>,
}

impl Gate {
    async fn start(upstream: &str) -> Gate {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let open = Arc::new(AtomicBool::new(true));
        let turn_away = Arc::new(AtomicUsize::new(0));
        let turned_away = Arc::new(AtomicUsize::new(0));
        let (o, t, a) = (open.clone(), turn_away.clone(), turned_away.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let refuse = !o.load(Ordering::SeqCst)
                    || t.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                if refuse {
                    a.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(async move {
                        // The answer comes after the request's head, as a server's would.
                        let mut head = Vec::new();
                        let mut buffer = [0u8; 4096];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match client.read(&mut buffer).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buffer[..n]),
                            }
                        }
                        let _ = client
                            .write_all(
                                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            )
                            .await;
                        let _ = client.shutdown().await;
                    });
                    continue;
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Gate {
            endpoint,
            open,
            turn_away,
            turned_away,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_that_does_not_answer_costs_a_retry_or_a_polite_word_never_a_record_of_nothing() {
    let gate = Gate::start(&server().endpoint).await;
    let endpoint = gate.endpoint.clone();
    let Campaign {
        app, ambassador, ..
    } = Site::new()
        .engineer_for(1)
        .homes(1)
        .linked(&[0])
        .config(move |config| {
            let bucket = use_bucket(config);
            let mut access = bucket.access.clone();
            access.endpoint = Some(endpoint);
            config.s3 = access.clone();
            config.media_bucket = Some(handover_bot::config::MediaBucket { access, ..bucket });
            // Retried for two seconds of real time, then given up.
            config.media_retry_for = Duration::from_secs(2);
        })
        .assigned()
        .await;
    let bucket = app.config.media_bucket.clone().unwrap();
    let (outside, _cache) = probe(&reached_directly(&bucket));

    reply_to(&app, &ambassador, "/inspect 1-1-101").await;
    describe_leak(&app, &ambassador).await;

    // The bucket is down for longer than the retries: the ambassador is told, nothing is recorded.
    gate.open.store(false, Ordering::SeqCst);
    let lost = photo_jpeg(2);
    app.fake.send_photo(&ambassador, lost.clone(), None);
    let told = app
        .fake
        .wait_for_message(ambassador.id, |m| {
            m.plain_text.contains(&zh("upload-not-kept", &[]))
        })
        .await;
    assert!(
        told.plain_text.contains("请过一分钟再发送一次"),
        "{}",
        told.plain_text
    );
    assert!(
        gate.turned_away.load(Ordering::SeqCst) > 1,
        "it was retried"
    );
    assert_eq!(recorded_path(&app, &sha256_hex(&lost)).await, None);
    assert!(outside.list().await.unwrap().is_empty());

    // A busy moment (three refusals) is retried without anyone noticing.
    gate.open.store(true, Ordering::SeqCst);
    let refused_before = gate.turned_away.load(Ordering::SeqCst);
    gate.turn_away.store(3, Ordering::SeqCst);
    app.fake.send_photo(&ambassador, lost.clone(), None);
    wait_key(
        &app,
        &ambassador,
        "inspect-photo-received",
        &[("count", Arg::Number(1))],
    )
    .await;
    assert_eq!(gate.turned_away.load(Ordering::SeqCst), refused_before + 3);
    let path = recorded_path(&app, &sha256_hex(&lost))
        .await
        .expect("recorded once it was kept");
    assert_eq!(
        outside.stored_sha256(&path).await.unwrap(),
        sha256_hex(&lost)
    );
    app.stop().await;
}

/// The same bucket and prefix, reached directly rather than through a gate.
fn reached_directly(
    bucket: &handover_bot::config::MediaBucket,
) -> handover_bot::config::MediaBucket {
    handover_bot::config::MediaBucket {
        access: crate::support::objects::access(),
        ..bucket.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_migrate_copies_the_directory_into_a_bucket_and_checks_every_copy() {
    let Campaign {
        mut app,
        ambassador,
        ..
    } = Site::new()
        .engineer_for(1)
        .homes(1)
        .linked(&[0])
        .config(|config| config.media_bucket = None)
        .assigned()
        .await;
    let photo = photo_jpeg(3);
    record_leak_with(&app, &ambassador, photo.clone(), true).await;
    let dir = app.config.media_dir.clone();
    let local = MediaStore::directory(&dir).list().await.unwrap();
    assert!(!local.is_empty());

    let bucket = fresh_bucket();
    let migrate = || {
        let mut command = binary();
        command
            .args(["media", "migrate", "--to", &bucket.url()])
            .env("HANDOVER_MEDIA_DIR", &dir);
        for (name, value) in bucket_env(&bucket) {
            if name != "HANDOVER_MEDIA_URL" {
                command.env(name, value);
            }
        }
        command.output().expect("the binary runs")
    };
    let first = migrate();
    let said = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(
        first.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        said.contains(&format!("{} copied, 0 already there", local.len())),
        "{said}"
    );
    // Every file is there with the bytes of the directory's copy.
    let (outside, _cache) = probe(&bucket);
    assert_eq!(outside.list().await.unwrap(), local);
    for path in &local {
        let bytes = std::fs::read(dir.join(path)).unwrap();
        assert_eq!(
            outside.stored_sha256(path).await.unwrap(),
            sha256_hex(&bytes)
        );
    }

    // Again: nothing to copy. A damaged file in the directory is named and fails the run.
    let damaged = format!("files/00/{}.jpg", "0".repeat(64));
    std::fs::create_dir_all(dir.join("files/00")).unwrap();
    std::fs::write(dir.join(&damaged), b"not the bytes its name says").unwrap();
    let again = migrate();
    let said = String::from_utf8_lossy(&again.stdout).to_string();
    let complained = String::from_utf8_lossy(&again.stderr).to_string();
    assert!(!again.status.success());
    assert!(
        said.contains(&format!("0 copied, {} already there", local.len())),
        "{said}"
    );
    assert!(complained.contains(&damaged), "{complained}");
    assert!(!outside.list().await.unwrap().contains(&damaged));
    std::fs::remove_file(dir.join(&damaged)).unwrap();

    // The bot moved onto the bucket, with an empty cache, still shows the photo.
    app.pause().await;
    app.config.media_bucket = Some(bucket.clone());
    app.config.media_dir = app.dir.path().join("cache-after-the-move");
    app.resume().await;
    let card = card_photo(&app, &ambassador).await;
    assert_eq!(card.file.expect("a photo").bytes, photo);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_photo_from_two_instances_is_one_object_and_a_damaged_one_is_never_served() {
    let bucket = fresh_bucket();
    let (one, _a) = probe(&bucket);
    let (two, _b) = probe(&bucket);
    let photo = photo_jpeg(4);
    let (first, second) = tokio::join!(one.put(&photo, "jpg"), two.put(&photo, "jpg"));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first, second);
    assert_eq!(one.list().await.unwrap(), vec![first.path.clone()]);

    // A third, with an empty cache, reads it from the bucket into its cache.
    let (three, cache) = probe(&bucket);
    assert_eq!(three.read(&first.path).await.unwrap(), photo);
    assert!(cache.path().join(&first.path).is_file());

    // Bytes that are not what their name says are refused and not kept.
    let named = sha256_hex(b"what the name promises");
    let forged = format!("files/{}/{named}.jpg", &named[..2]);
    one.put_at(&forged, b"something else").await.unwrap();
    let (four, cache) = probe(&bucket);
    assert!(matches!(
        four.read(&forged).await,
        Err(MediaError::Corrupt(_))
    ));
    assert!(!cache.path().join(&forged).exists());

    // A file larger than one part goes up in parts and comes back whole.
    let large: Vec<u8> = (0..20 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let stored = one.put(&large, "pdf").await.unwrap();
    let (five, _cache) = probe(&bucket);
    assert_eq!(
        five.stored_sha256(&stored.path).await.unwrap(),
        sha256_hex(&large)
    );
    assert_eq!(five.read(&stored.path).await.unwrap(), large);
}
