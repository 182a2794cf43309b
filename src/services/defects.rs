//! Defect capture (seed step 2): the ambassador's walk-through records defects room by room
//! with photos; finishing it sends the buyer one consolidated list and engineering the new
//! items. Photos live in our own media store.

use super::tell::{Cause, Message};
use super::{ServiceError, ServiceResult, Services};
use crate::domain::authz;
use crate::domain::defect::{Category, Room, Severity};
use crate::domain::message::Content;
use crate::domain::people::{Actor, Buyer, Lang, StaffMember};
use crate::domain::remediation::DefectStatus;
use crate::i18n::{Arg, I18n, escape_html};
use crate::present::Dates as _;
use crate::present::{self, Label, Unit};
use crate::store::Tx;
use crate::store::assignment::Household;
use crate::store::defects::{Defect, DefectEvent};
use tracing::instrument;

pub use crate::domain::flow::walkthrough::DefectDraft;

/// A walk-through ready for its next defect.
#[derive(Debug, Clone)]
pub struct StartedInspection {
    pub id: i64,
    pub household: Household,
    /// Defects already saved in it (a resumed walk-through).
    pub saved: usize,
}

/// Which household a command means.
#[derive(Debug, Clone, PartialEq)]
pub enum Found<T> {
    One(T),
    /// Several households match (or none of the actor's).
    Choose(Vec<Household>),
    NotFound,
}

/// What finishing an inspection did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub unit: String,
    pub defects: usize,
    /// Buyers who got the list on Telegram.
    pub buyers_told: usize,
}

/// "3. Kitchen · leakage · urgent — the note (📷 2)"
pub fn defect_line(i18n: &I18n, lang: Lang, number: usize, defect: &Defect) -> String {
    let mut line = present::parts(
        i18n,
        lang,
        [
            defect.room.label(i18n, lang),
            defect.category.label(i18n, lang),
            defect.severity.label(i18n, lang),
        ],
    );
    if !defect.note.is_empty() {
        line = present::with_detail(i18n, lang, &line, &escape_html(&defect.note));
    }
    if !defect.photos.is_empty() {
        let photos = present::count(i18n, lang, Unit::Photos, defect.photos.len());
        line = crate::tr!(
            i18n,
            lang,
            "with-aside",
            text = Arg::Html(line),
            aside = Arg::Html(photos)
        );
    }
    present::numbered(i18n, lang, number, &line)
}

impl Services {
    pub(crate) async fn find_household(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        query: &str,
    ) -> ServiceResult<Found<Household>> {
        let visible: Vec<Household> = tx
            .find_households(query.trim())
            .await?
            .into_iter()
            .filter(|h| authz::may_open(actor, h.home()))
            .collect();
        Ok(match visible.len() {
            0 => Found::NotFound,
            1 => visible
                .into_iter()
                .next()
                .map_or(Found::NotFound, Found::One),
            _ => Found::Choose(visible),
        })
    }

    /// `/inspect <unit>`: starts a walk-through of a household the ambassador looks after, or
    /// resumes the one they left unfinished there (after `/cancel`, or a crash), so what was
    /// saved is neither stranded nor recorded twice.
    #[instrument(skip_all)]
    pub async fn start_inspection(
        &self,
        actor: &Actor,
        query: InspectTarget<'_>,
    ) -> ServiceResult<Found<StartedInspection>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        if !authz::can_inspect(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let found = match query {
            InspectTarget::Text(text) => self.find_household(&mut tx, actor, text).await?,
            InspectTarget::Unit(unit) => match tx.household(unit).await? {
                Some(h) if authz::may_open(actor, h.home()) => Found::One(h),
                _ => Found::NotFound,
            },
        };
        let Found::One(household) = found else {
            return Ok(match found {
                Found::Choose(list) => Found::Choose(list),
                _ => Found::NotFound,
            });
        };
        let unit_id = household.unit.unit_id;
        let (id, saved, action) = match tx.unfinished_inspection(unit_id, me.id).await? {
            Some(id) => {
                let saved = tx.defects_of_unit(unit_id, Some(id)).await?.len();
                (id, saved, "inspection.resume")
            }
            None => (
                tx.start_inspection(unit_id, me.id, now).await?,
                0,
                "inspection.start",
            ),
        };
        tx.audit(
            now,
            &actor.audit_name(),
            action,
            &format!("unit:{unit_id}"),
            serde_json::json!({"inspection": id}),
        )
        .await?;
        tx.commit().await?;
        Ok(Found::One(StartedInspection {
            id,
            household,
            saved,
        }))
    }

    /// The stored file for a Telegram `file_unique_id`, if we have it already.
    pub async fn known_media(&self, file_unique_id: &str) -> ServiceResult<Option<String>> {
        let mut tx = self.store.read().await?;
        let sha = tx.media_by_unique_id(file_unique_id).await?;
        tx.commit().await?;
        Ok(sha)
    }

    /// Keeps a downloaded file in the media store and indexes it; returns its SHA-256.
    #[instrument(skip_all, fields(bytes = bytes.len()))]
    pub async fn store_media(
        &self,
        file_unique_id: Option<&str>,
        bytes: &[u8],
        mime: &str,
        extension: &str,
    ) -> ServiceResult<String> {
        self.keep_media(None, file_unique_id, bytes, mime, extension)
            .await
    }

    async fn open_inspection(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        inspection: i64,
    ) -> ServiceResult<Option<crate::store::defects::Inspection>> {
        let Actor::Staff(me) = actor else {
            return Ok(None);
        };
        Ok(tx
            .inspection(inspection)
            .await?
            .filter(|i| i.finished_at.is_none() && authz::may_work_in_walkthrough(me, i.staff_id)))
    }

    /// Saves one defect of an open walk-through; returns its number in this inspection and its
    /// id.
    #[instrument(skip_all)]
    pub async fn save_defect(
        &self,
        actor: &Actor,
        inspection: i64,
        draft: &DefectDraft,
    ) -> ServiceResult<Option<(usize, i64)>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(open) = self.open_inspection(&mut tx, actor, inspection).await? else {
            return Ok(None);
        };
        // The same Save again (Telegram redelivers a press whose handling a crash cut short
        // after this commit) must not record the defect twice. A draft with neither photos nor
        // words has nothing to tell a repeat from a second defect, so it is always saved.
        let has_content = !draft.photos.is_empty() || !draft.note.trim().is_empty();
        let already_saved = has_content
            && tx
                .inspection_has_defect(
                    inspection,
                    draft.room,
                    draft.category,
                    draft.severity,
                    &draft.note,
                    &draft.photos,
                    draft.voice.as_deref(),
                )
                .await?;
        let mut saved = None;
        if !already_saved {
            saved = Some(
                tx.insert_defect(
                    open.unit_id,
                    Some(inspection),
                    draft.room,
                    draft.category,
                    draft.severity,
                    &draft.note,
                    DefectStatus::Recorded,
                    self.config.fix_deadlines.due(draft.severity, now),
                    &draft.photos,
                    draft.voice.as_deref(),
                    &actor.audit_name(),
                    now,
                )
                .await?,
            );
        }
        let recorded = tx.defects_of_unit(open.unit_id, Some(inspection)).await?;
        tx.commit().await?;
        self.feed_waker.wake();
        // A repeat of the same Save is the latest item of the walk-through.
        let id = saved.or(recorded.last().map(|d| d.id)).unwrap_or_default();
        Ok(Some((recorded.len(), id)))
    }

    /// The walk-through's latest saved defect: its number in this inspection and its id (to say
    /// again what its save said).
    #[instrument(skip_all)]
    pub async fn latest_saved_defect(
        &self,
        actor: &Actor,
        inspection: i64,
    ) -> ServiceResult<Option<(usize, i64)>> {
        let mut tx = self.store.read().await?;
        let Some(open) = self.open_inspection(&mut tx, actor, inspection).await? else {
            return Ok(None);
        };
        let recorded = tx.defects_of_unit(open.unit_id, Some(inspection)).await?;
        tx.commit().await?;
        Ok(recorded.last().map(|defect| (recorded.len(), defect.id)))
    }

    /// "Finish": the inspection's defects go to the buyers as one numbered list (photos as
    /// albums) and into engineering's queue.
    #[instrument(skip_all)]
    pub async fn finish_inspection(
        &self,
        actor: &Actor,
        inspection: i64,
    ) -> ServiceResult<Option<Finished>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(open) = self.open_inspection(&mut tx, actor, inspection).await? else {
            return Ok(None);
        };
        tx.finish_inspection(inspection, now).await?;
        self.walk_through_saved(&mut tx, actor, open.unit_id)
            .await?;
        let defects = tx.defects_of_unit(open.unit_id, Some(inspection)).await?;
        let Some(household) = tx.household(open.unit_id).await? else {
            return Ok(None);
        };
        let unit = household.unit.short();
        // Into engineering's queue: open, then to the building's lead.
        let mut routed_to = None;
        for defect in &defects {
            tx.set_defect_status(
                defect.id,
                DefectStatus::Recorded,
                DefectStatus::Open,
                &actor.audit_name(),
                "",
                now,
            )
            .await?;
            routed_to = self
                .route_new_defect(&mut tx, defect, &household, now)
                .await?;
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "inspection.finish",
            &format!("unit:{}", open.unit_id),
            serde_json::json!({"defects": defects.len()}),
        )
        .await?;
        let buyers = tx.buyers_of_unit(open.unit_id).await?;
        let i18n = &self.i18n;
        let list = Message::text(
            Cause::per_chat(format!("inspection-list:{inspection}")),
            |lang, buyer: &&Buyer| {
                let mut text = if defects.is_empty() {
                    crate::tr!(
                        i18n,
                        lang,
                        "inspection-list-empty",
                        buyer = buyer.name.as_str(),
                        home = unit.as_str()
                    )
                } else {
                    crate::tr!(
                        i18n,
                        lang,
                        "inspection-list-title",
                        buyer = buyer.name.as_str(),
                        home = unit.as_str(),
                        count = defects.len()
                    )
                };
                for (i, defect) in defects.iter().enumerate() {
                    text.push('\n');
                    text.push_str(&defect_line(i18n, lang, i + 1, defect));
                }
                if !defects.is_empty() {
                    let routed = routed_to.as_ref().map(|engineer| {
                        crate::tr!(
                            i18n,
                            lang,
                            "inspection-list-routed",
                            engineer = engineer.name.as_str()
                        )
                    });
                    let footer = crate::tr!(i18n, lang, "inspection-list-footer");
                    text = present::paragraphs(
                        i18n,
                        lang,
                        std::iter::once(text).chain(routed).chain([footer]),
                    );
                }
                text
            },
        );
        let buyers_told = self.tell(&mut tx, &buyers, list).await?.len();
        // Each item's photos after the list, numbered as the list numbers it.
        for (i, defect) in defects.iter().enumerate() {
            let photos = Message::photos(
                Cause::per_chat(format!("inspection-photos:{inspection}"))
                    .then(format!(":{}", defect.id)),
                defect.photos.clone(),
                |lang, _| {
                    Some(present::numbered(
                        i18n,
                        lang,
                        i + 1,
                        &defect.room.label(i18n, lang),
                    ))
                },
            );
            if let Some(photos) = photos {
                self.tell(&mut tx, &buyers, photos).await?;
            }
        }
        if !defects.is_empty() {
            self.tell_engineering(
                &mut tx,
                routed_to.as_ref(),
                &unit,
                defects.len(),
                &format!("engineer-queue:{inspection}"),
            )
            .await?;
        }
        if let Actor::Staff(ambassador) = actor {
            // Queued with the finish (and, to the chat that pressed, ahead of queued news): an
            // instance that dies right after the commit cannot take the answer along.
            let finished = Message::text(
                Cause::per_chat(format!("inspection-finished:{inspection}")),
                |lang, _| {
                    crate::tr!(
                        i18n,
                        lang,
                        "inspect-finished",
                        unit = unit.as_str(),
                        count = defects.len(),
                        buyers = buyers_told
                    )
                },
            );
            self.tell(&mut tx, [ambassador], finished).await?;
        }
        tx.commit().await?;
        self.defects_changed();
        Ok(Some(Finished {
            unit,
            defects: defects.len(),
            buyers_told,
        }))
    }

    /// `/defects <unit>`: a household's defects, for those who may open it.
    #[instrument(skip_all)]
    pub async fn household_defects(
        &self,
        actor: &Actor,
        query: &str,
    ) -> ServiceResult<Found<(Household, Vec<Defect>)>> {
        let mut tx = self.store.read().await?;
        let found = self.find_household(&mut tx, actor, query).await?;
        let out = match found {
            Found::One(household) => {
                let defects = tx.defects_of_unit(household.unit.unit_id, None).await?;
                Found::One((household, defects))
            }
            Found::Choose(list) => Found::Choose(list),
            Found::NotFound => Found::NotFound,
        };
        tx.commit().await?;
        Ok(out)
    }

    /// `/mydefects`: the buyer's homes and their recorded defects.
    #[instrument(skip_all)]
    pub async fn my_defects(&self, actor: &Actor) -> ServiceResult<Vec<(Household, Vec<Defect>)>> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for home in homes {
            if let Some(household) = tx.household(home.unit.unit_id).await? {
                let defects = super::defect_pdf::visible_defects(
                    actor,
                    tx.defects_of_unit(home.unit.unit_id, None).await?,
                );
                out.push((household, defects));
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A household's defects by unit (list pages), for those who may open it; buyers do not
    /// see items still being recorded.
    #[instrument(skip_all)]
    pub async fn unit_defects(
        &self,
        actor: &Actor,
        unit_id: i64,
    ) -> ServiceResult<Option<(Household, Vec<Defect>)>> {
        let mut tx = self.store.read().await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        if !authz::may_open(actor, household.home()) {
            return Ok(None);
        }
        let defects =
            super::defect_pdf::visible_defects(actor, tx.defects_of_unit(unit_id, None).await?);
        tx.commit().await?;
        Ok(Some((household, defects)))
    }

    /// One defect with its history (who did what, when, and why), its engineer, the photos
    /// of its latest fix and the steps the actor may take — for those who may see it.
    #[instrument(skip_all)]
    pub async fn defect_card(&self, actor: &Actor, id: i64) -> ServiceResult<Option<DefectCard>> {
        let mut tx = self.store.read().await?;
        let Some((defect, household)) = self.visible_defect(&mut tx, actor, id).await? else {
            return Ok(None);
        };
        let standing = authz::standing(actor, defect.engineer_id, household.home());
        let buyers = tx.buyers_of_unit(defect.unit_id).await?;
        let mut staff = super::defect_pdf::StaffNames::default();
        let facts = super::defect_pdf::defect_facts(&mut tx, defect, &buyers, &mut staff).await?;
        tx.commit().await?;
        Ok(Some(DefectCard {
            actions: crate::domain::remediation::available(facts.defect.status, standing),
            defect: facts.defect,
            history: facts.history,
            household,
            engineer: facts.engineer,
            after_photos: facts.after_photos,
        }))
    }
}

/// A defect as its card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DefectCard {
    pub defect: Defect,
    /// Each event with the name of who took it (`None`: the application itself).
    pub history: Vec<(DefectEvent, Option<String>)>,
    pub household: Household,
    pub engineer: Option<String>,
    pub after_photos: Vec<String>,
    pub actions: Vec<crate::domain::remediation::Action>,
}

/// What an ambassador decides about a buyer's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    Accept {
        category: Category,
        severity: Severity,
    },
    /// It is the same as defect `into`, already recorded.
    Merge {
        into: i64,
    },
    Reject {
        reason: String,
    },
}

/// What became of a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    Done(Review),
    /// Someone else reviewed it first: their name.
    Already {
        by: String,
    },
    /// Not this person's to review, or no such report.
    NotYours,
}

impl Services {
    /// A buyer's `/report`: a defect in one of their homes, waiting for their ambassador's
    /// review (the supervisors', before one is assigned).
    #[instrument(skip_all)]
    pub async fn report_defect(
        &self,
        actor: &Actor,
        unit_id: i64,
        room: Room,
        description: &str,
        photos: &[String],
    ) -> ServiceResult<Option<i64>> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let Some(home) = homes.iter().find(|h| h.unit.unit_id == unit_id) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !self.take_update(&mut tx).await? {
            return Ok(None);
        }
        let id = tx
            .insert_defect(
                unit_id,
                None,
                room,
                Category::Other,
                Severity::Normal,
                description,
                DefectStatus::Reported,
                self.config.fix_deadlines.due(Severity::Normal, now),
                photos,
                None,
                &actor.audit_name(),
                now,
            )
            .await?;
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(None);
        };
        let mut reviewers: Vec<StaffMember> = match household.staff_id {
            Some(staff) => tx.staff_by_id(staff).await?.into_iter().collect(),
            None => Vec::new(),
        };
        if reviewers.is_empty() {
            reviewers = super::supervisors(&mut tx).await?;
        }
        let i18n = &self.i18n;
        let report = Message::new(Cause::per_person(format!("report:{id}")), |lang, _| {
            let html = crate::tr!(
                i18n,
                lang,
                "report-to-review",
                home = household.unit.short(),
                buyer = home.name.as_str(),
                room = room.label(i18n, lang),
                text = description,
                photos = photos.len()
            );
            let button = crate::domain::message::Button::press;
            Content::Text {
                html,
                buttons: vec![vec![
                    button(
                        crate::tr!(i18n, lang, "button-review-accept"),
                        format!("1:ra:{id}"),
                    ),
                    button(
                        crate::tr!(i18n, lang, "button-review-merge"),
                        format!("1:rm:{id}"),
                    ),
                    button(
                        crate::tr!(i18n, lang, "button-review-reject"),
                        format!("1:rr:{id}"),
                    ),
                ]],
            }
        });
        self.tell(&mut tx, &reviewers, report).await?;
        if !photos.is_empty() {
            let paths = tx.defect(id).await?.map(|d| d.photos).unwrap_or_default();
            let photos = Message::photos(
                Cause::per_person(format!("report-photos:{id}")),
                paths,
                |_, _| None,
            );
            if let Some(photos) = photos {
                self.tell(&mut tx, &reviewers, photos).await?;
            }
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "defect.report",
            &format!("defect:{id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.defects_changed();
        Ok(Some(id))
    }

    /// A reported defect the actor may review: its household's ambassador or a supervisor.
    async fn reviewable(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<(Defect, Household)>> {
        let Actor::Staff(me) = actor else {
            return Ok(None);
        };
        let Some(defect) = tx.defect(id).await? else {
            return Ok(None);
        };
        let Some(household) = tx.household(defect.unit_id).await? else {
            return Ok(None);
        };
        let allowed = authz::looks_after(me, household.home());
        Ok((allowed && defect.status == DefectStatus::Reported).then_some((defect, household)))
    }

    /// Why `actor` cannot review report `id`: someone reviewed it (who, when `actor` could have
    /// reviewed it too), or it is not theirs.
    async fn reviewed_already(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<ReviewOutcome> {
        let Actor::Staff(me) = actor else {
            return Ok(ReviewOutcome::NotYours);
        };
        let Some(defect) = tx.defect(id).await? else {
            return Ok(ReviewOutcome::NotYours);
        };
        let Some(household) = tx.household(defect.unit_id).await? else {
            return Ok(ReviewOutcome::NotYours);
        };
        if !(authz::looks_after(me, household.home())) {
            return Ok(ReviewOutcome::NotYours);
        }
        let events = tx.defect_events(id).await?;
        let Some(review) = events
            .iter()
            .rev()
            .find(|e| e.from_status.as_deref() == Some(DefectStatus::Reported.as_str()))
        else {
            return Ok(ReviewOutcome::NotYours);
        };
        let by = match review
            .actor
            .strip_prefix("staff:")
            .and_then(|s| s.parse::<i64>().ok())
        {
            Some(staff) => tx.staff_by_id(staff).await?.map(|s| s.name),
            None => None,
        };
        Ok(ReviewOutcome::Already {
            by: by.unwrap_or_else(|| review.actor.clone()),
        })
    }

    /// The other defects of the reported one's household, to merge it into.
    pub async fn merge_candidates(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<Vec<Defect>>> {
        let mut tx = self.store.begin().await?;
        let Some((defect, _)) = self.reviewable(&mut tx, actor, id).await? else {
            return Ok(None);
        };
        let others = tx
            .defects_of_unit(defect.unit_id, None)
            .await?
            .into_iter()
            .filter(|d| {
                d.id != id
                    && !matches!(
                        d.status,
                        DefectStatus::Reported | DefectStatus::Recorded | DefectStatus::Rejected
                    )
            })
            .collect();
        tx.commit().await?;
        Ok(Some(others))
    }

    /// Accepts, merges or rejects a buyer's report; the buyer is told. Of two reviewers at
    /// once, exactly one review happens; the other hears who made it.
    #[instrument(skip_all)]
    pub async fn review_report(
        &self,
        actor: &Actor,
        id: i64,
        review: Review,
    ) -> ServiceResult<ReviewOutcome> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some((defect, household)) = self.reviewable(&mut tx, actor, id).await? else {
            return self.reviewed_already(&mut tx, actor, id).await;
        };
        let who = actor.audit_name();
        let mut merged_into: Option<Defect> = None;
        let mut routed_to = None;
        let mut cover = None;
        // Each review starts by moving the report out of "reported", a conditional write: of
        // two reviewers at once, the second waits for the first and then finds it moved.
        match &review {
            Review::Accept { category, severity } => {
                if tx
                    .set_defect_status(
                        id,
                        DefectStatus::Reported,
                        DefectStatus::Open,
                        &who,
                        "",
                        now,
                    )
                    .await?
                    .is_none()
                {
                    return self.reviewed_already(&mut tx, actor, id).await;
                }
                let due = self.config.fix_deadlines.due(*severity, now);
                tx.classify_defect(id, *category, *severity, due, now)
                    .await?;
                cover = self
                    .warranty_for_report(
                        &mut tx,
                        id,
                        defect.unit_id,
                        *category,
                        defect.created_at,
                        now,
                    )
                    .await?;
                if let Some(open) = tx.defect(id).await? {
                    routed_to = self
                        .route_new_defect(&mut tx, &open, &household, now)
                        .await?;
                }
            }
            Review::Merge { into } => {
                let target = tx.defect(*into).await?;
                if target
                    .as_ref()
                    .is_none_or(|t| t.unit_id != defect.unit_id || t.id == id)
                {
                    return Ok(ReviewOutcome::NotYours);
                }
                merged_into = target;
                if tx
                    .set_defect_status(
                        id,
                        DefectStatus::Reported,
                        DefectStatus::Closed,
                        &who,
                        &format!("merged into #{into}"),
                        now,
                    )
                    .await?
                    .is_none()
                {
                    return self.reviewed_already(&mut tx, actor, id).await;
                }
            }
            Review::Reject { reason } => {
                if tx
                    .set_defect_status(
                        id,
                        DefectStatus::Reported,
                        DefectStatus::Rejected,
                        &who,
                        reason,
                        now,
                    )
                    .await?
                    .is_none()
                {
                    return self.reviewed_already(&mut tx, actor, id).await;
                }
            }
        }
        let buyers = tx.buyers_of_unit(defect.unit_id).await?;
        let i18n = &self.i18n;
        let news = Message::text(Cause::per_chat(format!("review:{id}")), |lang, _| {
            let room = defect.room.label(i18n, lang);
            match &review {
                Review::Accept { category, severity } => {
                    let mut html = crate::tr!(
                        i18n,
                        lang,
                        "report-accepted",
                        home = household.unit.short(),
                        room = room,
                        category = category.label(i18n, lang),
                        severity = severity.label(i18n, lang)
                    );
                    if let Some(cover) = cover {
                        let until = cover.until.present_date();
                        let reported = cover.reported.present_date();
                        let warranty = if cover.covered {
                            crate::tr!(
                                i18n,
                                lang,
                                "warranty-covered",
                                reported = reported.as_str(),
                                until = until.as_str()
                            )
                        } else {
                            crate::tr!(
                                i18n,
                                lang,
                                "warranty-expired",
                                reported = reported.as_str(),
                                until = until.as_str()
                            )
                        };
                        html = present::paragraphs(i18n, lang, [html, warranty]);
                    }
                    html
                }
                Review::Merge { .. } => {
                    let target = merged_into
                        .as_ref()
                        .map(|t| {
                            present::parts(
                                i18n,
                                lang,
                                [t.room.label(i18n, lang), t.category.label(i18n, lang)],
                            )
                        })
                        .unwrap_or_default();
                    crate::tr!(
                        i18n,
                        lang,
                        "report-merged",
                        home = household.unit.short(),
                        room = room,
                        target = target
                    )
                }
                Review::Reject { reason } => crate::tr!(
                    i18n,
                    lang,
                    "report-rejected",
                    home = household.unit.short(),
                    room = room,
                    reason = reason.as_str()
                ),
            }
        });
        self.tell(&mut tx, buyers, news).await?;
        if matches!(review, Review::Accept { .. }) {
            self.tell_engineering(
                &mut tx,
                routed_to.as_ref(),
                &household.unit.short(),
                1,
                &format!("engineer-report:{id}"),
            )
            .await?;
        }
        tx.audit(
            now,
            &who,
            "defect.review",
            &format!("defect:{id}"),
            serde_json::json!({"review": format!("{review:?}")}),
        )
        .await?;
        tx.commit().await?;
        self.defects_changed();
        Ok(ReviewOutcome::Done(review))
    }
}

/// How `/inspect` names the household.
#[derive(Debug, Clone, Copy)]
pub enum InspectTarget<'a> {
    Text(&'a str),
    Unit(i64),
}

impl Services {
    /// New defects of a home: the engineer they were routed to hears of them; when the
    /// building has no lead, the supervisors are asked to route them.
    async fn tell_engineering(
        &self,
        tx: &mut Tx,
        routed_to: Option<&StaffMember>,
        home: &str,
        count: usize,
        key: &str,
    ) -> ServiceResult<()> {
        let (recipients, text_key): (Vec<StaffMember>, &str) = match routed_to {
            Some(engineer) => (vec![engineer.clone()], "engineer-new-defects"),
            None => (super::supervisors(tx).await?, "defects-need-engineer"),
        };
        let news = Message::text(Cause::per_person(key), |lang, _| {
            self.i18n.text(
                lang,
                text_key,
                &[
                    ("home", crate::i18n::Arg::from(home)),
                    ("count", crate::i18n::Arg::Number(count as i64)),
                ],
            )
        });
        self.tell(tx, recipients, news).await?;
        Ok(())
    }
}
