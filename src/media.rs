//! The media store: photos, voice notes, signatures, plans and generated documents, kept under
//! the SHA-256 of their bytes (`files/ab/<sha256>.<ext>`), so records keep their photos when
//! Telegram's file ids stop working and the same bytes are stored once, by any instance.
//!
//! Two places hold them, behind one interface (the `object_store` crate):
//! - a **directory** (`HANDOVER_MEDIA_DIR`, the default), which instances on one host may share;
//! - an **S3 bucket** (`HANDOVER_MEDIA_URL=s3://bucket/prefix`), which instances on several
//!   hosts share. `HANDOVER_MEDIA_DIR` is then this instance's own cache: a file it sends to
//!   Telegram or draws into a document is fetched once (streamed to disk, never whole in memory,
//!   and checked against its name's hash) and read from the cache after that. Stored files never
//!   change (their key is their content), so a cached copy never goes stale.
//!
//! A file is written to the bucket before anything records it, and a write is retried for
//! `media_retry_for`; a write that still fails fails the use case, so no record ever points at
//! a missing object.

use crate::config::{Config, MediaBucket};
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, PutPayload, RetryConfig, WriteMultipart,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The largest file the Bot API lets a bot download (getFile).
pub const MAX_DOWNLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// Files larger than this go to a bucket in parts (S3's multipart upload), each part retried
/// on its own.
const PART_BYTES: usize = 8 * 1024 * 1024;

/// How many files are fetched into the cache at once for one document.
const PARALLEL_FETCHES: usize = 8;

/// A stored file: its hash and where it lies, relative to the media store's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub path: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("media store: {0}")]
    Io(#[from] std::io::Error),
    #[error("media store: {0}")]
    Objects(#[from] object_store::Error),
    #[error("media store: {0:?} is no stored file's name")]
    BadPath(String),
    #[error("media store: {0} does not hold the bytes its name says")]
    Corrupt(String),
    #[error("media store: {0}")]
    Setup(String),
}

impl MediaError {
    /// Whether the file is simply not there (as opposed to the store failing).
    pub fn is_missing(&self) -> bool {
        match self {
            MediaError::Io(error) => error.kind() == std::io::ErrorKind::NotFound,
            MediaError::Objects(object_store::Error::NotFound { .. }) => true,
            _ => false,
        }
    }
}

pub type MediaResult<T> = Result<T, MediaError>;

/// The media store of one instance. Cheap to clone.
#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Where the files are kept, made at first use (a directory is created then, not when a
    /// tool merely builds the services); an error when the settings could not make a client
    /// (reported by [`MediaStore::check`] at start-up and by every use).
    objects: OnceLock<Result<Arc<dyn ObjectStore>, String>>,
    place: Place,
    /// The directory files are read from locally: the store itself, or the bucket's cache.
    local: PathBuf,
    /// Whether `local` is only a cache of a bucket.
    bucket: Option<String>,
}

enum Place {
    Directory,
    Bucket(MediaBucket, Duration),
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl MediaStore {
    /// The store `config` names: its bucket with `media_dir` as the cache, or `media_dir`.
    pub fn open(config: &Config) -> MediaStore {
        match &config.media_bucket {
            Some(bucket) => {
                MediaStore::bucket(bucket, config.media_dir.clone(), config.media_retry_for)
            }
            None => MediaStore::directory(&config.media_dir),
        }
    }

    /// Files kept in `dir` (created when missing).
    pub fn directory(dir: impl Into<PathBuf>) -> MediaStore {
        MediaStore {
            inner: Arc::new(Inner {
                objects: OnceLock::new(),
                place: Place::Directory,
                local: dir.into(),
                bucket: None,
            }),
        }
    }

    /// Files kept in `bucket`, fetched into `cache` to be sent or drawn; a failing request is
    /// retried for `retry_for`.
    pub fn bucket(bucket: &MediaBucket, cache: impl Into<PathBuf>, retry_for: Duration) -> Self {
        MediaStore {
            inner: Arc::new(Inner {
                objects: OnceLock::new(),
                place: Place::Bucket(bucket.clone(), retry_for),
                local: cache.into(),
                bucket: Some(bucket.url()),
            }),
        }
    }

    /// Where the files are: `s3://bucket/prefix` or the directory.
    pub fn describe(&self) -> String {
        match &self.inner.bucket {
            Some(url) => format!("{url} (cache {})", self.inner.local.display()),
            None => self.inner.local.display().to_string(),
        }
    }

    /// Whether the files are in a bucket (and the local directory only a cache).
    pub fn is_bucket(&self) -> bool {
        self.inner.bucket.is_some()
    }

    fn objects(&self) -> MediaResult<&Arc<dyn ObjectStore>> {
        let inner = &self.inner;
        inner
            .objects
            .get_or_init(|| match &inner.place {
                Place::Bucket(bucket, retry_for) => s3_client(bucket, *retry_for),
                Place::Directory => {
                    let dir = &inner.local;
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                    LocalFileSystem::new_with_prefix(dir)
                        .map(|fs| Arc::new(fs) as Arc<dyn ObjectStore>)
                        .map_err(|e| format!("cannot use {}: {e}", dir.display()))
                }
            })
            .as_ref()
            .map_err(|why| MediaError::Setup(why.clone()))
    }

    /// Checks at start-up that the store answers (a bucket that does not exist, credentials it
    /// refuses, a server that cannot be reached), so a wrong setting stops the start with a
    /// clear message instead of failing the first photo.
    pub async fn check(&self) -> MediaResult<()> {
        let objects = self.objects()?;
        if self.is_bucket() {
            std::fs::create_dir_all(&self.inner.local)?;
        }
        match objects
            .head(&Key::from("handover-bot/start-up-check"))
            .await
        {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Keeps `bytes` under their hash (`files/ab/abcd….ext`); keeping the same bytes again, from
    /// this instance or another, writes nothing.
    pub async fn put(&self, bytes: &[u8], extension: &str) -> MediaResult<StoredFile> {
        let sha256 = sha256_hex(bytes);
        let extension: String = extension
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        let name = if extension.is_empty() {
            sha256.clone()
        } else {
            format!("{sha256}.{extension}")
        };
        let path = format!("files/{}/{name}", &sha256[..2]);
        if !self.has(&path).await? {
            self.put_at(&path, bytes).await?;
        }
        Ok(StoredFile { sha256, path })
    }

    /// Where a file drawn from stored ones is kept (`derived/ab/<hash of key>.ext`): named by
    /// what it shows, so it is drawn once and found again by any instance.
    pub fn derived_path(&self, key: &str, extension: &str) -> String {
        let name = sha256_hex(key.as_bytes());
        format!("derived/{}/{name}.{extension}", &name[..2])
    }

    /// Whether a file is kept at `path`.
    pub async fn has(&self, path: &str) -> MediaResult<bool> {
        let key = key(path)?;
        // What this instance wrote or fetched is in the bucket: no request needed.
        if self.is_bucket() && self.cached(path).is_file() {
            return Ok(true);
        }
        match self.objects()?.head(&key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Keeps `bytes` at `path`, written whole or not at all.
    pub async fn put_at(&self, path: &str, bytes: &[u8]) -> MediaResult<()> {
        let key = key(path)?;
        let objects = self.objects()?;
        if bytes.len() <= PART_BYTES {
            objects.put(&key, PutPayload::from(bytes.to_vec())).await?;
        } else {
            let upload = objects.put_multipart(&key).await?;
            let mut parts = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            for chunk in bytes.chunks(PART_BYTES) {
                parts.wait_for_capacity(2).await?;
                parts.write(chunk);
            }
            parts.finish().await?;
        }
        if self.is_bucket() {
            // The copy this instance will send from; losing it only costs a fetch later.
            if let Err(error) = write_whole(&self.cached(path), bytes).await {
                tracing::warn!(%error, path, "cannot keep a copy in the media cache");
            }
        }
        Ok(())
    }

    /// The file at `path` on this machine's disk, to be sent or read: in the directory, or
    /// fetched from the bucket into the cache (streamed, and checked against its hash when its
    /// name is one).
    pub async fn local_file(&self, path: &str) -> MediaResult<PathBuf> {
        let key = key(path)?;
        let local = self.cached(path);
        if local.is_file() {
            return Ok(local);
        }
        if !self.is_bucket() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{path} is not in the media directory"),
            )
            .into());
        }
        // One retry for a stream cut off midway (the client retries only until it starts).
        match self.fetch(&key, path, &local).await {
            Err(MediaError::Objects(object_store::Error::Generic { .. })) => {
                self.fetch(&key, path, &local).await?
            }
            other => other?,
        }
        Ok(local)
    }

    async fn fetch(&self, key: &Key, path: &str, local: &Path) -> MediaResult<()> {
        let mut stream = self.objects()?.get(key).await?.into_stream();
        if let Some(dir) = local.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let temporary = temporary_name(local);
        let mut file = tokio::fs::File::create(&temporary).await?;
        let mut hash = Sha256::new();
        let written = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hash.update(&chunk);
                file.write_all(&chunk).await?;
            }
            file.flush().await?;
            Ok::<_, MediaError>(())
        }
        .await;
        drop(file);
        let checked = written.and_then(|()| match content_hash(path) {
            Some(named) if named != hex(&hash.finalize()) => {
                Err(MediaError::Corrupt(path.to_string()))
            }
            _ => Ok(()),
        });
        match checked {
            Ok(()) => Ok(tokio::fs::rename(&temporary, local).await?),
            Err(error) => {
                let _ = tokio::fs::remove_file(&temporary).await;
                Err(error)
            }
        }
    }

    /// The bytes of the file at `path`.
    pub async fn read(&self, path: &str) -> MediaResult<Vec<u8>> {
        let local = self.local_file(path).await?;
        Ok(tokio::fs::read(local).await?)
    }

    /// The files at `paths` on this machine's disk, in their order, for a message that carries
    /// them all; the first that cannot be had is the error.
    pub async fn local_files(&self, paths: &[impl AsRef<str>]) -> MediaResult<Vec<PathBuf>> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(self.local_file(path.as_ref()).await?);
        }
        Ok(files)
    }

    /// The files at `paths` on this machine's disk, fetched a few at a time; a file that cannot
    /// be had is left out (and logged), so a document shows what there is.
    pub async fn available_local_files<'a>(
        &self,
        paths: impl IntoIterator<Item = &'a str>,
    ) -> HashMap<String, PathBuf> {
        let paths: Vec<String> = paths.into_iter().map(str::to_string).collect();
        // Owned clones, not borrows, in the stream: its futures stay `Send` for any lifetime.
        let fetches = paths.into_iter().map(|path| {
            let store = self.clone();
            async move {
                match store.local_file(&path).await {
                    Ok(local) => Some((path, local)),
                    Err(error) => {
                        tracing::warn!(%error, path, "a stored file cannot be had");
                        None
                    }
                }
            }
        });
        futures::stream::iter(fetches)
            .buffer_unordered(PARALLEL_FETCHES)
            .filter_map(std::future::ready)
            .collect()
            .await
    }

    /// Removes the file at `path` (and this instance's cached copy).
    pub async fn delete(&self, path: &str) -> MediaResult<()> {
        let key = key(path)?;
        if self.is_bucket() {
            let _ = tokio::fs::remove_file(self.cached(path)).await;
        }
        match self.objects()?.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Every stored file's path, for copying a store into another.
    pub async fn list(&self) -> MediaResult<Vec<String>> {
        let mut listing = self.objects()?.list(None);
        let mut paths = Vec::new();
        while let Some(meta) = listing.next().await {
            let path = meta?.location.to_string();
            // Another process's write in progress (`LocalFileSystem` stages as `name#N`).
            if !path.contains('#') {
                paths.push(path);
            }
        }
        paths.sort();
        Ok(paths)
    }

    /// The SHA-256 of what the store holds at `path`, read from the store itself (not this
    /// instance's cache), a chunk at a time.
    pub async fn stored_sha256(&self, path: &str) -> MediaResult<String> {
        let mut stream = self.objects()?.get(&key(path)?).await?.into_stream();
        let mut hash = Sha256::new();
        while let Some(chunk) = stream.next().await {
            hash.update(&chunk?);
        }
        Ok(hex(&hash.finalize()))
    }

    fn cached(&self, path: &str) -> PathBuf {
        self.inner.local.join(path)
    }
}

/// What copying one store into another did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Files written to the target.
    pub copied: usize,
    /// Files the target already held with the same bytes.
    pub present: usize,
    pub bytes: u64,
    /// Files that could not be copied, or whose copy does not hash as the source, with why.
    pub failed: Vec<(String, String)>,
}

/// Copies every file of `from` into `to` and checks every copy: the SHA-256 of what `to` holds
/// afterwards, read back from it, must be the source's (and, for a content-addressed file, the
/// one its name carries). Files already there with the same bytes are not written again, so a
/// copy cut short is finished by running it again. `done` is told after each file.
pub async fn copy_all(
    from: &MediaStore,
    to: &MediaStore,
    done: impl Fn(usize, usize),
) -> MediaResult<CopyReport> {
    let paths = from.list().await?;
    let total = paths.len();
    let mut report = CopyReport::default();
    let mut copies = futures::stream::iter(paths)
        .map(|path| async move {
            let outcome = copy_one(from, to, &path).await;
            (path, outcome)
        })
        .buffer_unordered(PARALLEL_FETCHES);
    let mut finished = 0;
    while let Some((path, outcome)) = copies.next().await {
        finished += 1;
        match outcome {
            Ok((written, bytes)) => {
                if written {
                    report.copied += 1;
                } else {
                    report.present += 1;
                }
                report.bytes += bytes;
            }
            Err(why) => report.failed.push((path, why)),
        }
        done(finished, total);
    }
    report.failed.sort();
    Ok(report)
}

/// Copies one file; whether it was written (not already there) and its size.
async fn copy_one(from: &MediaStore, to: &MediaStore, path: &str) -> Result<(bool, u64), String> {
    let bytes = from.read(path).await.map_err(|e| e.to_string())?;
    let sha256 = sha256_hex(&bytes);
    if content_hash(path).is_some_and(|named| named != sha256) {
        return Err("the source does not hold the bytes its name says".into());
    }
    let held = match to.stored_sha256(path).await {
        Ok(held) => Some(held),
        Err(error) if error.is_missing() => None,
        Err(error) => return Err(error.to_string()),
    };
    if held.as_deref() == Some(sha256.as_str()) {
        return Ok((false, bytes.len() as u64));
    }
    to.put_at(path, &bytes).await.map_err(|e| e.to_string())?;
    let copied = to.stored_sha256(path).await.map_err(|e| e.to_string())?;
    if copied != sha256 {
        return Err(format!(
            "the copy hashes as {copied}, the source as {sha256}"
        ));
    }
    Ok((true, bytes.len() as u64))
}

fn s3_client(bucket: &MediaBucket, retry_for: Duration) -> Result<Arc<dyn ObjectStore>, String> {
    // The usual AWS settings first (AWS_REGION, AWS_ACCESS_KEY_ID, a web identity's role…);
    // the HANDOVER_S3_* ones override them.
    let access = &bucket.access;
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&bucket.bucket)
        .with_virtual_hosted_style_request(!access.path_style)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(5),
                base: 2.0,
            },
            max_retries: 20,
            retry_timeout: retry_for,
        })
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(5))
                .with_timeout(Duration::from_secs(120)),
        );
    if let Some(endpoint) = &access.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    if let Some(region) = &access.region {
        builder = builder.with_region(region);
    }
    if let (Some(id), Some(secret)) = (&access.access_key_id, &access.secret_access_key) {
        builder = builder
            .with_access_key_id(id)
            .with_secret_access_key(secret.expose());
    }
    let client = builder
        .build()
        .map_err(|e| format!("cannot use {}: {e}", bucket.url()))?;
    Ok(if bucket.prefix.is_empty() {
        Arc::new(client)
    } else {
        Arc::new(PrefixStore::new(client, bucket.prefix.as_str()))
    })
}

/// A stored file's key; refuses anything that could leave the store's root.
fn key(path: &str) -> MediaResult<Key> {
    let bad = || MediaError::BadPath(path.to_string());
    if path.is_empty() || path.starts_with('/') || path.contains('\\') {
        return Err(bad());
    }
    Key::parse(path).map_err(|_| bad())
}

/// The hash a content-addressed file's name carries (`files/ab/<sha256>.ext`).
fn content_hash(path: &str) -> Option<&str> {
    let name = path.strip_prefix("files/")?.rsplit('/').next()?;
    let stem = name.split('.').next()?;
    (stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

fn temporary_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(
        ".{}-{}.part",
        std::process::id(),
        rand::random::<u32>()
    ));
    PathBuf::from(name)
}

/// Writes `bytes` to `path` through a temporary name, so a reader never sees half a file.
async fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let temporary = temporary_name(path);
    tokio::fs::write(&temporary, bytes).await?;
    tokio::fs::rename(&temporary, path).await
}

/// The SHA-256 of `bytes` in lower-case hex, the name a file is stored under.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// What a file's bytes say it is, whatever name or type it was sent with: the MIME type and
/// extension of an image, `None` for anything else.
pub fn sniff_image(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    infer::get(bytes)
        .filter(|kind| kind.matcher_type() == infer::MatcherType::Image)
        .map(|kind| (kind.mime_type(), kind.extension()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_bytes_are_stored_once_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::directory(dir.path());
        let first = store.put(b"photo", "jpg").await.unwrap();
        let again = store.put(b"photo", "jpg").await.unwrap();
        assert_eq!(first, again);
        // sha256("photo"), as `sha256sum` prints it.
        assert_eq!(
            first.sha256,
            "55c64d0fcd6f9d5f7c828093857e3fdfda68478bb4e9bd24d481ef391c7804e8"
        );
        assert!(
            first
                .path
                .starts_with(&format!("files/{}/", &first.sha256[..2]))
        );
        assert_eq!(
            std::fs::read(dir.path().join(&first.path)).unwrap(),
            b"photo"
        );
        assert_eq!(store.read(&first.path).await.unwrap(), b"photo");
        let other = store.put(b"other photo", "../../etc").await.unwrap();
        assert_eq!(sha256_hex(b"photo"), first.sha256);
        assert_ne!(other.sha256, first.sha256);
        assert!(other.path.ends_with(".etc"), "{}", other.path);
        assert_eq!(store.list().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_path_that_leaves_the_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::directory(dir.path().join("media"));
        std::fs::write(dir.path().join("secret"), b"x").unwrap();
        for path in ["../secret", "/etc/passwd", "files/../../secret", "", "a\\b"] {
            assert!(
                matches!(store.read(path).await, Err(MediaError::BadPath(_))),
                "{path}"
            );
        }
        assert!(
            store
                .read("files/ab/missing.jpg")
                .await
                .unwrap_err()
                .is_missing()
        );
    }

    #[test]
    fn a_content_addressed_name_carries_its_hash() {
        let sha = sha256_hex(b"photo");
        assert_eq!(
            content_hash(&format!("files/{}/{sha}.jpg", &sha[..2])),
            Some(sha.as_str())
        );
        assert_eq!(content_hash("derived/ab/abc.png"), None);
        assert_eq!(content_hash("calendar/appointment-1-2-3.ics"), None);
    }

    #[test]
    fn only_bytes_that_are_an_image_are_taken_for_one() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
        assert_eq!(sniff_image(&png), Some(("image/png", "png")));
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]).map(|k| k.0),
            Some("image/jpeg")
        );
        assert_eq!(sniff_image(b"%PDF-1.4 a contract"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
