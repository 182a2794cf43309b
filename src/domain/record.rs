//! The handover record as received (交房确认书): what a home was handed over with, written down
//! once when a buyer receives it and never changed. Its data is kept as JSON and identified by
//! the SHA-256 of that JSON, which every page of its PDF prints, so a printed copy can be
//! checked against the database: the same number and hash mean the same record.
//!
//! The data holds facts, not words: meters, documents, rooms and kinds by their codes, times in
//! UTC, so the Chinese and the English PDF are one record with one hash.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::signature::Signer;

/// Everything a handover record says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordData {
    /// The record's number (the handover's id).
    pub number: i64,
    /// The record this one replaces, when the checklist was done again.
    pub replaces: Option<i64>,
    pub project: String,
    pub building: String,
    /// The home as people write it ("3-1502").
    pub unit: String,
    /// The home's buyers on file, and the one who received it.
    pub buyers: Vec<String>,
    pub received_by: String,
    pub ambassador: String,
    pub recorded_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// Key kind and count.
    pub keys: Vec<(String, u32)>,
    pub meters: Vec<RecordedMeter>,
    /// Meters the home does not have.
    pub meters_absent: Vec<String>,
    pub documents: Vec<String>,
    /// The defects the buyer accepted to stay open, with their deadlines.
    pub open_defects: Vec<OpenDefect>,
    /// The warranty that runs from the handover: months per defect kind (by code).
    pub warranty: Vec<(String, u32)>,
    /// The handover's local date, from which the warranty runs.
    pub handed_over_on: NaiveDate,
    pub signatures: Vec<RecordSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedMeter {
    pub meter: String,
    pub reading: String,
    /// The photo's SHA-256 in the media store.
    pub photo: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDefect {
    /// The defect's id.
    pub id: i64,
    /// Room, kind and urgency codes.
    pub room: String,
    pub category: String,
    pub severity: String,
    pub note: String,
    /// The local date it is due, if set.
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSignature {
    pub signer: Signer,
    pub name: String,
    /// The image's SHA-256 in the media store.
    pub image: String,
    pub signed_at: DateTime<Utc>,
}

impl RecordData {
    /// The JSON kept for the record: fields in their declared order, so the same record always
    /// gives the same bytes.
    pub fn to_json(&self) -> String {
        // A derived Serialize of strings, numbers and dates into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Result<RecordData, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// The SHA-256 of a record's kept JSON, in lower-case hex.
pub fn record_hash(json: &str) -> String {
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The shortest part of a hash a person may type to check a printed record.
pub const MIN_TYPED_HASH: usize = 8;

/// What a person typed to check a record: its number and its hash (or the hash's first
/// [`MIN_TYPED_HASH`] or more characters), as printed at the foot of every page ("No. 12 ·
/// SHA-256 3fa2…"). Anything around them, spaces inside the hash and case are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordCode {
    pub number: i64,
    pub hash: String,
}

impl RecordCode {
    pub fn parse(text: &str) -> Option<RecordCode> {
        let text = text.to_ascii_lowercase();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        // The hash's name as printed ("SHA-256") is not part of the code.
        let words: Vec<&str> = words
            .iter()
            .enumerate()
            .filter(|(i, w)| {
                let named = |at: usize, word: &str| words.get(at) == Some(&word);
                !(**w == "sha" && named(i + 1, "256")
                    || **w == "256" && i.checked_sub(1).is_some_and(|p| named(p, "sha")))
            })
            .map(|(_, w)| *w)
            .collect();
        let mut words = words.into_iter();
        let number = words.find_map(|w| w.parse::<i64>().ok().filter(|n| *n > 0))?;
        let hash: String = words.collect::<String>();
        let hex = hash.len() >= MIN_TYPED_HASH
            && hash.len() <= 64
            && hash.chars().all(|c| c.is_ascii_hexdigit());
        hex.then_some(RecordCode { number, hash })
    }

    /// Whether a record's full hash is the one this code names.
    pub fn matches(&self, hash: &str) -> bool {
        hash.starts_with(&self.hash)
    }
}

/// The marker a record's PDF carries in its keywords, which `verify-record` reads back.
pub fn pdf_marker(number: i64, hash: &str) -> String {
    format!("handover-record-{number}-sha256-{hash}")
}

/// The record number and hash a PDF's bytes carry, if it is a record this application made.
pub fn find_pdf_marker(pdf: &[u8]) -> Option<RecordCode> {
    const PREFIX: &[u8] = b"handover-record-";
    let mut from = 0;
    while let Some(at) = find(&pdf[from..], PREFIX) {
        let start = from + at + PREFIX.len();
        let rest = &pdf[start..pdf.len().min(start + 100)];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let after = &rest[digits..];
        if digits > 0 && after.starts_with(b"-sha256-") {
            let hash = &after[b"-sha256-".len()..];
            let hex = hash.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            if hex == 64 {
                let number = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
                let hash = std::str::from_utf8(&hash[..64]).ok()?.to_ascii_lowercase();
                return Some(RecordCode { number, hash });
            }
        }
        from = start;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record() -> RecordData {
        let at = Utc.with_ymd_and_hms(2026, 12, 4, 2, 30, 0).unwrap();
        RecordData {
            number: 12,
            replaces: Some(9),
            project: "滨江花园".into(),
            building: "3".into(),
            unit: "3-1502".into(),
            buyers: vec!["王芳".into(), "李强".into()],
            received_by: "王芳".into(),
            ambassador: "陈静".into(),
            recorded_at: at,
            received_at: at,
            keys: vec![("entrance_door".into(), 2)],
            meters: vec![RecordedMeter {
                meter: "water".into(),
                reading: "0123.4".into(),
                photo: "ab".repeat(32),
            }],
            meters_absent: vec!["gas".into()],
            documents: vec!["quality_guarantee".into()],
            open_defects: vec![OpenDefect {
                id: 4,
                room: "kitchen".into(),
                category: "leakage".into(),
                severity: "major".into(),
                note: "水槽下渗水".into(),
                due_on: NaiveDate::from_ymd_opt(2026, 12, 11),
            }],
            warranty: vec![("leakage".into(), 60), ("*".into(), 24)],
            handed_over_on: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            signatures: vec![RecordSignature {
                signer: Signer::Buyer,
                name: "王芳".into(),
                image: "cd".repeat(32),
                signed_at: at,
            }],
        }
    }

    #[test]
    fn a_record_reads_back_as_itself_and_its_hash_changes_with_any_fact() {
        let record = record();
        let json = record.to_json();
        assert_eq!(RecordData::from_json(&json).unwrap(), record);
        assert_eq!(record_hash(&json), record_hash(&record.to_json()));
        assert_eq!(record_hash(&json).len(), 64);
        let mut changed = record.clone();
        changed.meters[0].reading = "0123.5".into();
        assert_ne!(record_hash(&changed.to_json()), record_hash(&json));
    }

    #[test]
    fn a_typed_code_is_read_from_what_the_page_prints_or_less() {
        let hash = record_hash("x");
        let printed = format!("交房确认书 No. 12 · SHA-256 {hash}");
        let code = RecordCode::parse(&printed).unwrap();
        assert_eq!(code.number, 12);
        assert!(code.matches(&hash));
        let named_first = RecordCode::parse(&format!("SHA-256 {hash} No. 12"));
        assert_eq!(named_first, None, "the number comes first, as printed");
        let short = RecordCode::parse(&format!("12 {}", &hash[..10].to_uppercase())).unwrap();
        assert!(short.matches(&hash));
        let spaced = RecordCode::parse(&format!("12 {} {}", &hash[..4], &hash[4..12])).unwrap();
        assert!(spaced.matches(&hash));
        for bad in ["", "12", "12 abc", "abc 12", "0 abcdef012", "12 xyzxyzxyz"] {
            assert_eq!(RecordCode::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_marker_is_found_in_a_file_and_nothing_else_passes_for_it() {
        let hash = record_hash("x");
        let pdf = format!(
            "%PDF-1.7 junk handover-record-5 /Keywords ({}) end",
            pdf_marker(12, &hash)
        );
        assert_eq!(
            find_pdf_marker(pdf.as_bytes()),
            Some(RecordCode { number: 12, hash })
        );
        assert_eq!(find_pdf_marker(b"handover-record-12-sha256-abc"), None);
        assert_eq!(find_pdf_marker(b"%PDF-1.7"), None);
    }
}
