//! Floor plans (户型图): supervisors upload one image per unit type (a file with the caption
//! `/plan A2`, or `handover-bot plans import DIR`); `/plans` lists them with the unit types of
//! the homes that have none yet.

use super::{ServiceResult, Services, require_supervisor};
use crate::domain::people::Actor;
use crate::domain::plan::unit_type_key;
use crate::store::plans::{FloorPlan, UnitTypeCount};
use tracing::instrument;

/// What an uploaded plan came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanUpload {
    Saved {
        unit_type: String,
        version: i64,
        width: i64,
        height: i64,
        /// Homes of the project of this unit type.
        homes: i64,
    },
    /// A PDF: a plan is sent as a PNG or JPEG image (a page exported as an image).
    Pdf,
    /// Not a PNG or JPEG image (whatever its name says), or one whose size cannot be read.
    NotAnImage,
    /// Larger than `limit` bytes.
    TooLarge { limit: u64 },
    /// No unit type given, or one too long.
    BadUnitType,
}

/// A project's unit types: each with its plan, if any, and how many homes have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanList {
    pub plans: Vec<(FloorPlan, i64)>,
    /// Unit types of homes that have no plan yet.
    pub missing: Vec<UnitTypeCount>,
}

impl Services {
    /// A supervisor's (or the operator's) plan image for `unit_type` of the configured project:
    /// checked by its bytes (PNG or JPEG only, within the upload size limit), kept in the media
    /// store, a new version of that type's plan.
    #[instrument(skip_all, fields(bytes = bytes.len()))]
    pub async fn upload_plan(
        &self,
        uploader: Option<&Actor>,
        unit_type: &str,
        bytes: &[u8],
    ) -> ServiceResult<PlanUpload> {
        let uploaded_by = match uploader {
            Some(actor) => {
                require_supervisor(actor)?;
                actor.audit_name()
            }
            None => "cli".to_string(),
        };
        let Some(unit_type) = unit_type_key(unit_type) else {
            return Ok(PlanUpload::BadUnitType);
        };
        let limit = self.config.max_import_bytes;
        if bytes.len() as u64 > limit {
            return Ok(PlanUpload::TooLarge { limit });
        }
        if bytes.starts_with(b"%PDF") {
            return Ok(PlanUpload::Pdf);
        }
        let Some((mime, extension)) = crate::media::sniff_image(bytes)
            .filter(|(mime, _)| matches!(*mime, "image/png" | "image/jpeg"))
        else {
            return Ok(PlanUpload::NotAnImage);
        };
        let Ok(size) = imagesize::blob_size(bytes) else {
            return Ok(PlanUpload::NotAnImage);
        };
        let (width, height) = (size.width as i64, size.height as i64);
        if width == 0 || height == 0 {
            return Ok(PlanUpload::NotAnImage);
        }
        let sha256 = self.keep_media(None, None, bytes, mime, extension).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let project = tx.ensure_project(&self.config.project, now).await?;
        let version = tx
            .add_floor_plan(
                project,
                &unit_type,
                &sha256,
                width,
                height,
                &uploaded_by,
                now,
            )
            .await?;
        tx.audit(
            now,
            &uploaded_by,
            "plan.upload",
            &format!("plan:{unit_type}"),
            serde_json::json!({ "version": version, "sha256": sha256 }),
        )
        .await?;
        let homes = homes_of(&tx.unit_type_counts(project).await?, &unit_type);
        tx.commit().await?;
        Ok(PlanUpload::Saved {
            unit_type,
            version,
            width,
            height,
            homes,
        })
    }

    /// `/plans`: each unit type's plan, and the unit types of homes still without one.
    pub async fn plan_list(&self, actor: &Actor) -> ServiceResult<PlanList> {
        require_supervisor(actor)?;
        let mut tx = self.store.begin().await?;
        let project = tx
            .ensure_project(&self.config.project, self.clock.now())
            .await?;
        let plans = tx.floor_plans(project).await?;
        let counts = tx.unit_type_counts(project).await?;
        tx.commit().await?;
        let missing = merge_counts(&counts)
            .into_iter()
            .filter(|c| !plans.iter().any(|p| p.unit_type == c.unit_type))
            .collect();
        let plans = plans
            .into_iter()
            .map(|plan| {
                let homes = homes_of(&counts, &plan.unit_type);
                (plan, homes)
            })
            .collect();
        Ok(PlanList { plans, missing })
    }
}

/// The homes of `unit_type` (compared as plans key it).
fn homes_of(counts: &[UnitTypeCount], unit_type: &str) -> i64 {
    counts
        .iter()
        .filter(|c| unit_type_key(&c.unit_type).as_deref() == Some(unit_type))
        .map(|c| c.homes)
        .sum()
}

/// The counts by unit type as plans key it ("a2" and "A2" are one type).
fn merge_counts(counts: &[UnitTypeCount]) -> Vec<UnitTypeCount> {
    let mut merged: Vec<UnitTypeCount> = Vec::new();
    for count in counts {
        let Some(key) = unit_type_key(&count.unit_type) else {
            continue;
        };
        match merged.iter_mut().find(|m| m.unit_type == key) {
            Some(m) => m.homes += count.homes,
            None => merged.push(UnitTypeCount {
                unit_type: key,
                homes: count.homes,
            }),
        }
    }
    merged
}
