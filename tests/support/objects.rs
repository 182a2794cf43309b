//! A real S3-compatible server for the media tests: moto's server mode (PyPI `moto[server]`,
//! which `.ci/run` installs), started once per test process on a free port, with one bucket.
//! Each test keeps its files under a prefix of its own in that bucket, as it has a database of
//! its own.
//!
//! With `TEST_MEDIA_STORE=s3` every test application keeps its media there (the suite's media
//! tests then run on S3, as `TEST_DATABASE_URL` runs them on PostgreSQL); without it, in the
//! media directory. The tests of object storage itself use the server either way.

use handover_bot::config::{Config, MediaBucket, S3Access, Secret};
use std::io::BufRead;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub const BUCKET: &str = "handover-test";
const ACCESS_KEY: &str = "test-access-key";
const SECRET_KEY: &str = "test-secret-key";

/// Starts moto's threaded server, makes the bucket, says `ready`, and stops when its standard
/// input closes: when the test process ends, however it ends, the server goes with it.
const SERVER: &str = r#"
import sys
import boto3
from moto.server import ThreadedMotoServer

port = int(sys.argv[1])
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
s3 = boto3.client(
    "s3",
    endpoint_url=f"http://127.0.0.1:{port}",
    aws_access_key_id="test-access-key",
    aws_secret_access_key="test-secret-key",
    region_name="us-east-1",
)
s3.create_bucket(Bucket=sys.argv[2])
print("ready", flush=True)
sys.stdin.read()
server.stop()
"#;

pub struct ObjectServer {
    pub endpoint: String,
    _process: Mutex<(Child, ChildStdin)>,
}

/// The test process's S3 server, started at first use.
pub fn server() -> &'static ObjectServer {
    static SERVER_PROCESS: OnceLock<ObjectServer> = OnceLock::new();
    SERVER_PROCESS.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("python3")
            .args(["-c", SERVER, &port.to_string(), BUCKET])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its log is every request; a failing test shows the application's side.
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (the S3 tests need `pip install 'moto[server]'`)");
        let stdin = child.stdin.take().expect("the server's input");
        let stdout = child.stdout.take().expect("the server's output");
        // It says when it listens and the bucket is there; no waiting by the clock.
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the S3 server's first line");
        assert_eq!(
            line.trim(),
            "ready",
            "moto's S3 server did not start (`pip install 'moto[server]'`)"
        );
        ObjectServer {
            endpoint: format!("http://127.0.0.1:{port}"),
            _process: Mutex::new((child, stdin)),
        }
    })
}

/// How the application reaches the test server.
pub fn access() -> S3Access {
    S3Access {
        endpoint: Some(server().endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(Secret::new(SECRET_KEY)),
        path_style: true,
    }
}

/// A prefix of the test bucket no other test uses.
pub fn fresh_bucket() -> MediaBucket {
    let prefix = format!("t{:016x}", rand::random::<u64>());
    MediaBucket::parse(&format!("s3://{BUCKET}/{prefix}"), access()).expect("a bucket URL")
}

/// Whether this run keeps every test application's media in S3 (`TEST_MEDIA_STORE=s3`).
pub fn suite_on_s3() -> bool {
    std::env::var("TEST_MEDIA_STORE").is_ok_and(|v| v == "s3")
}

/// Keeps `config`'s media in a fresh prefix of the test bucket; `media_dir` becomes its cache.
pub fn use_bucket(config: &mut Config) -> MediaBucket {
    let bucket = fresh_bucket();
    config.s3 = bucket.access.clone();
    config.media_bucket = Some(bucket.clone());
    // A bucket that does not answer fails a use case within seconds, not a minute.
    config.media_retry_for = std::time::Duration::from_secs(10);
    bucket
}

/// The settings a `handover-bot` process needs for `bucket`.
pub fn bucket_env(bucket: &MediaBucket) -> Vec<(&'static str, String)> {
    let access = &bucket.access;
    vec![
        ("HANDOVER_MEDIA_URL", bucket.url()),
        (
            "HANDOVER_S3_ENDPOINT",
            access.endpoint.clone().unwrap_or_default(),
        ),
        (
            "HANDOVER_S3_REGION",
            access.region.clone().unwrap_or_default(),
        ),
        (
            "HANDOVER_S3_ACCESS_KEY_ID",
            access.access_key_id.clone().unwrap_or_default(),
        ),
        (
            "HANDOVER_S3_SECRET_ACCESS_KEY",
            access
                .secret_access_key
                .as_ref()
                .map(|s| s.expose().to_string())
                .unwrap_or_default(),
        ),
    ]
}
