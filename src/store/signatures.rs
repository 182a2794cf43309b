//! Signatures on handover records: written once, never changed.

use super::{StoreError, StoreResult, Tx, with_conn};
use crate::domain::signature::Signer;
use chrono::{DateTime, Utc};

/// A signature as kept: who signed, the image's path in the media store, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub signer: Signer,
    /// `staff.id` of the ambassador, or `buyers.id`.
    pub signer_id: i64,
    pub sha256: String,
    pub path: String,
    pub signed_at: DateTime<Utc>,
}

/// A signature to keep on record `handover_id`.
#[derive(Debug, Clone, Copy)]
pub struct NewSignature<'a> {
    pub handover_id: i64,
    pub signer: Signer,
    pub signer_id: i64,
    pub sha256: &'a str,
    /// The drawing's strokes, as JSON.
    pub strokes: &'a str,
    pub auth_date: DateTime<Utc>,
    pub signed_at: DateTime<Utc>,
}

impl Tx {
    /// Keeps a signature; false when the record has this signer's signature already.
    pub async fn insert_signature(&mut self, new: NewSignature<'_>) -> StoreResult<bool> {
        let added = with_conn!(self, |c| {
            sqlx::query(
                "INSERT INTO handover_signatures \
                 (handover_id, signer, signer_id, sha256, strokes, auth_date, signed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(new.handover_id)
            .bind(new.signer.as_str())
            .bind(new.signer_id)
            .bind(new.sha256)
            .bind(new.strokes)
            .bind(new.auth_date)
            .bind(new.signed_at)
            .execute(c)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(added == 1)
    }

    /// The signatures on record `handover_id`: the ambassador's first.
    pub async fn signatures(&mut self, handover_id: i64) -> StoreResult<Vec<Signature>> {
        let rows: Vec<(String, i64, String, String, DateTime<Utc>)> = with_conn!(self, |c| {
            sqlx::query_as(
                "SELECT s.signer, s.signer_id, s.sha256, m.path, s.signed_at \
                 FROM handover_signatures s JOIN media m ON m.sha256 = s.sha256 \
                 WHERE s.handover_id = $1 ORDER BY s.signer = 'buyer', s.id",
            )
            .bind(handover_id)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|(signer, signer_id, sha256, path, signed_at)| {
                Ok(Signature {
                    signer: Signer::parse(&signer)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown signer {signer:?}")))?,
                    signer_id,
                    sha256,
                    path,
                    signed_at,
                })
            })
            .collect()
    }
}
