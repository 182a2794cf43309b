//! The media store: files kept on our own disk under the SHA-256 of their bytes, so records keep
//! their photos when Telegram's file ids stop working, and the same bytes are stored once. The
//! directory may be shared by several instances (a mounted volume).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The largest file the Bot API lets a bot download (getFile).
pub const MAX_DOWNLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// A stored file: its hash and where it lies, relative to the media directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct MediaStore {
    dir: PathBuf,
}

impl MediaStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        MediaStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` under their hash (`files/ab/abcd….ext`); writing the same bytes again is a
    /// no-op. The file is written to a temporary name first and renamed, so a reader never sees
    /// half a file.
    pub fn put(&self, bytes: &[u8], extension: &str) -> std::io::Result<StoredFile> {
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
        let full = self.dir.join(&path);
        if !full.exists() {
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let temporary = full.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&temporary, bytes)?;
            std::fs::rename(&temporary, &full)?;
        }
        Ok(StoredFile { sha256, path })
    }

    /// Where a file drawn from stored ones is kept (`derived/ab/<hash of key>.ext`): named by
    /// what it shows, so it is drawn once and found again by any instance.
    pub fn derived_path(&self, key: &str, extension: &str) -> String {
        let name = sha256_hex(key.as_bytes());
        format!("derived/{}/{name}.{extension}", &name[..2])
    }

    /// Whether a file is kept at `path` (relative to the media directory).
    pub fn has(&self, path: &str) -> bool {
        self.dir.join(path).is_file()
    }

    /// Keeps `bytes` at `path` (relative to the media directory), written whole or not at all.
    pub fn put_at(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        let full = self.dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let temporary = full.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, &full)
    }
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

    #[test]
    fn the_same_bytes_are_stored_once_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let first = store.put(b"photo", "jpg").unwrap();
        let again = store.put(b"photo", "jpg").unwrap();
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
        let other = store.put(b"other photo", "../../etc").unwrap();
        assert_eq!(sha256_hex(b"photo"), first.sha256);
        assert_ne!(other.sha256, first.sha256);
        assert!(other.path.ends_with(".etc"), "{}", other.path);
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
