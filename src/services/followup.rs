//! After the keys (seed step 9, 持之以恒): the follow-up cadence, the D+7 check, the
//! satisfaction survey, the weekly digest of open defects, /stop, and warranty cover.

use super::tell::{Cause, Message};
use super::{ServiceResult, Services};
use crate::domain::aftercare::{
    FollowUpKind, FollowUpStatus, LOW_SCORE, first_anniversary, satisfaction,
};
use crate::domain::defect::Category;
use crate::domain::message::{Button, Content};
use crate::domain::people::{Actor, Buyer, Lang, StaffMember};
use crate::present::Dates as _;
use crate::present::Label;
use crate::scheduler::Job;
use crate::store::Tx;
use crate::store::aftercare::FollowUp;
use crate::store::assignment::Household;
use chrono::{DateTime, NaiveDate, Utc};
use tracing::instrument;

/// What a buyer's answer to the D+7 check leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// All is well: thanks.
    Thanks,
    /// Something is wrong: a report of this home starts.
    Report(i64),
    /// "All good" answered already.
    Stale,
    /// Not this buyer's check (or no such check).
    NotYours,
}

/// What a survey score did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyOutcome {
    Recorded,
    /// Someone of the home answered already.
    Already,
    Stale,
}

/// Warranty cover of a report made after handover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cover {
    pub covered: bool,
    /// The day the buyer reported it (local): cover is judged on this day, not on the review.
    pub reported: NaiveDate,
    /// The last day of cover.
    pub until: NaiveDate,
}

impl Services {
    /// Rows and jobs for each follow-up of the cadence, plus the first digest of open defects.
    pub(crate) async fn schedule_follow_ups(
        &self,
        tx: &mut Tx,
        unit_id: i64,
        handed_over: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let cadence = &self.config.cadence;
        let tz = self.config.timezone;
        let mut steps: Vec<(u32, FollowUpKind)> = cadence.steps.clone();
        if cadence.digest_every > 0 {
            steps.push((cadence.digest_every, FollowUpKind::DefectDigest));
        }
        for (day, kind) in steps {
            let due = cadence.due(handed_over, day, tz);
            self.add_follow_up(tx, unit_id, kind, i64::from(day), due, handed_over)
                .await?;
        }
        Ok(())
    }

    /// One follow-up row and the job that sends it (both keyed, so they exist once).
    pub(crate) async fn add_follow_up(
        &self,
        tx: &mut Tx,
        unit_id: i64,
        kind: FollowUpKind,
        day: i64,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> ServiceResult<()> {
        if let Some(id) = tx.insert_follow_up(unit_id, kind, day, due).await? {
            let job = Job::FollowUp { follow_up_id: id }
                .at(due)
                .unique_key(format!("follow-up:{id}"));
            tx.schedule_job(&job, now).await?;
        }
        Ok(())
    }

    /// A buyer of the follow-up's home, from the actor.
    fn buyer_of(actor: &Actor, unit_id: i64) -> Option<&Buyer> {
        match actor {
            Actor::Buyer(homes) => homes.iter().find(|h| h.unit.unit_id == unit_id),
            _ => None,
        }
    }

    /// The scheduled job: sends follow-up `id` to the home's linked buyers who have not sent
    /// /stop. A digest of open defects also books the next one, while any stay open. False
    /// when there was nothing to do (sent before, or a digest with nothing open).
    #[instrument(skip_all)]
    pub async fn send_follow_up(&self, id: i64) -> ServiceResult<bool> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(follow_up) = tx.follow_up(id).await? else {
            return Ok(false);
        };
        if follow_up.status != FollowUpStatus::Scheduled {
            return Ok(false);
        }
        let (Some(household), Some(handed_over)) = (
            tx.household(follow_up.unit_id).await?,
            tx.handed_over_at(follow_up.unit_id).await?,
        ) else {
            tx.finish_follow_up(id, false, now).await?;
            tx.commit().await?;
            return Ok(false);
        };
        let open = if follow_up.kind == FollowUpKind::DefectDigest {
            let open: Vec<_> = tx
                .defects_of_unit(follow_up.unit_id, None)
                .await?
                .into_iter()
                .filter(|d| d.status.is_unresolved())
                .collect();
            if open.is_empty() {
                // Nothing open: the weekly digests stop until a new defect is accepted.
                tx.finish_follow_up(id, false, now).await?;
                tx.commit().await?;
                return Ok(false);
            }
            let every = i64::from(self.config.cadence.digest_every);
            let next_day = follow_up.day + every;
            let due = self.config.cadence.due(
                handed_over,
                u32::try_from(next_day).unwrap_or(u32::MAX),
                self.config.timezone,
            );
            self.add_follow_up(
                &mut tx,
                follow_up.unit_id,
                FollowUpKind::DefectDigest,
                next_day,
                due,
                now,
            )
            .await?;
            open
        } else {
            Vec::new()
        };
        let ambassador = match household.staff_id {
            Some(staff) => tx.staff_by_id(staff).await?,
            None => None,
        };
        let buyers = tx
            .buyers_of_unit(follow_up.unit_id)
            .await?
            .into_iter()
            .filter(|buyer| !buyer.follow_ups_stopped);
        let message = Message::new(
            Cause::per_chat(format!("follow-up:{id}")),
            |lang, buyer: &Buyer| {
                self.follow_up_content(
                    lang,
                    &follow_up,
                    buyer,
                    &household,
                    ambassador.as_ref().map(|a| a.name.as_str()),
                    handed_over,
                    &open,
                )
            },
        );
        let sent = !self.tell(&mut tx, buyers, message).await?.is_empty();
        tx.finish_follow_up(id, sent, now).await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        self.scheduler_waker.wake();
        Ok(sent)
    }

    #[allow(clippy::too_many_arguments)]
    fn follow_up_content(
        &self,
        lang: Lang,
        follow_up: &FollowUp,
        buyer: &Buyer,
        household: &Household,
        ambassador: Option<&str>,
        handed_over: DateTime<Utc>,
        open: &[crate::store::defects::Defect],
    ) -> Content {
        let i18n = &self.i18n;
        let home = household.unit.short();
        let name = buyer.name.as_str();
        let ambassador = ambassador.unwrap_or("");
        let id = follow_up.id;
        let button = Button::press;
        let (html, buttons) = match follow_up.kind {
            FollowUpKind::Thanks => (
                crate::tr!(
                    i18n,
                    lang,
                    "followup-thanks",
                    name = name,
                    home = home.as_str(),
                    ambassador = ambassador
                ),
                Vec::new(),
            ),
            FollowUpKind::Check => (
                crate::tr!(
                    i18n,
                    lang,
                    "followup-check",
                    name = name,
                    home = home.as_str()
                ),
                vec![vec![
                    button(
                        crate::tr!(i18n, lang, "button-followup-good"),
                        format!("1:fc:{id}:y"),
                    ),
                    button(
                        crate::tr!(i18n, lang, "button-followup-report"),
                        format!("1:fc:{id}:n"),
                    ),
                ]],
            ),
            FollowUpKind::Survey => (
                crate::tr!(
                    i18n,
                    lang,
                    "followup-survey",
                    name = name,
                    home = home.as_str()
                ),
                vec![
                    (1..=5u8)
                        .map(|score| {
                            let label = crate::tr!(
                                i18n,
                                lang,
                                "survey-score-button",
                                score = i64::from(score)
                            );
                            button(label, format!("1:sv:{id}:{score}"))
                        })
                        .collect(),
                ],
            ),
            FollowUpKind::Checkin => (
                crate::tr!(
                    i18n,
                    lang,
                    "followup-checkin",
                    name = name,
                    home = home.as_str(),
                    days = follow_up.day,
                    ambassador = ambassador
                ),
                Vec::new(),
            ),
            FollowUpKind::YearEnd => {
                let anniversary = first_anniversary(
                    handed_over
                        .with_timezone(&self.config.timezone)
                        .date_naive(),
                );
                (
                    crate::tr!(
                        i18n,
                        lang,
                        "followup-year-end",
                        name = name,
                        home = home.as_str(),
                        date = anniversary.present_date()
                    ),
                    Vec::new(),
                )
            }
            FollowUpKind::DefectDigest => {
                let mut html = crate::tr!(
                    i18n,
                    lang,
                    "followup-digest",
                    home = home.as_str(),
                    count = open.len()
                );
                for defect in open {
                    let labels = [
                        defect.room.label(i18n, lang),
                        defect.category.label(i18n, lang),
                    ];
                    let item = crate::present::with_detail(
                        i18n,
                        lang,
                        &crate::present::parts(i18n, lang, labels),
                        &defect.status.label(i18n, lang),
                    );
                    html.push('\n');
                    html.push_str(&crate::present::list_item(i18n, lang, &item));
                }
                (html, Vec::new())
            }
        };
        let html = format!("{html}\n\n{}", crate::tr!(i18n, lang, "followup-stop-hint"));
        Content::Text { html, buttons }
    }

    /// The buyer's answer to "anything not right?".
    #[instrument(skip_all)]
    pub async fn answer_check(
        &self,
        actor: &Actor,
        id: i64,
        all_good: bool,
    ) -> ServiceResult<CheckOutcome> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(follow_up) = tx.follow_up(id).await? else {
            return Ok(CheckOutcome::NotYours);
        };
        let Some(buyer) = Self::buyer_of(actor, follow_up.unit_id) else {
            return Ok(CheckOutcome::NotYours);
        };
        if follow_up.kind != FollowUpKind::Check {
            return Ok(CheckOutcome::NotYours);
        }
        let first = tx.answer_follow_up(id, buyer.id, None, now).await?;
        if all_good && first {
            // The thanks is queued with the answer: an instance that dies right after the
            // commit cannot take it along, and a failed send is tried again.
            let thanks = Message::text(
                Cause::per_chat(format!("check-answered:{id}")),
                |lang, _| crate::tr!(self.i18n, lang, "followup-good-thanks"),
            );
            self.tell(&mut tx, std::iter::once(buyer), thanks).await?;
        }
        tx.commit().await?;
        Ok(match (all_good, first) {
            // A report can always be started from the message; "all good" counts once.
            (false, _) => CheckOutcome::Report(follow_up.unit_id),
            (true, true) => CheckOutcome::Thanks,
            (true, false) => CheckOutcome::Stale,
        })
    }

    /// A survey score. The first answer for a home counts; a score of 2 or less alerts the
    /// ambassador and the supervisors at once.
    #[instrument(skip_all)]
    pub async fn answer_survey(
        &self,
        actor: &Actor,
        id: i64,
        score: u8,
    ) -> ServiceResult<SurveyOutcome> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(follow_up) = tx.follow_up(id).await? else {
            return Ok(SurveyOutcome::Stale);
        };
        let Some(buyer) = Self::buyer_of(actor, follow_up.unit_id) else {
            return Ok(SurveyOutcome::Stale);
        };
        if follow_up.kind != FollowUpKind::Survey || !(1..=5).contains(&score) {
            return Ok(SurveyOutcome::Stale);
        }
        if !tx.answer_follow_up(id, buyer.id, Some(score), now).await? {
            return Ok(SurveyOutcome::Already);
        }
        if score <= LOW_SCORE {
            let Some(household) = tx.household(follow_up.unit_id).await? else {
                return Ok(SurveyOutcome::Stale);
            };
            let scores = tx.survey_scores().await?;
            let mean = satisfaction(&scores).unwrap_or(0.0);
            let staff = self.ambassador_and_supervisors(&mut tx, &household).await?;
            let alert = Message::new(Cause::per_chat(format!("survey-alert:{id}")), |lang, _| {
                let html = crate::tr!(
                    self.i18n,
                    lang,
                    "survey-low-alert",
                    home = household.unit.short(),
                    buyer = buyer.name.as_str(),
                    score = i64::from(score),
                    satisfaction = format!("{mean:.2}"),
                    answers = scores.len()
                );
                Content::Text {
                    html,
                    buttons: vec![vec![Button::press(
                        crate::tr!(self.i18n, lang, "button-reply"),
                        format!("1:rep:{}", household.unit.unit_id),
                    )]],
                }
            });
            self.tell(&mut tx, staff, alert).await?;
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "survey.answer",
            &format!("unit:{}", follow_up.unit_id),
            serde_json::json!({"follow_up": id, "score": score}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(SurveyOutcome::Recorded)
    }

    /// The optional comment after a score; a low score's comment goes to the ambassador too.
    #[instrument(skip_all)]
    pub async fn survey_comment(&self, actor: &Actor, id: i64, text: &str) -> ServiceResult<bool> {
        let mut tx = self.store.begin().await?;
        let Some(follow_up) = tx.follow_up(id).await? else {
            return Ok(false);
        };
        let Some(buyer) = Self::buyer_of(actor, follow_up.unit_id) else {
            return Ok(false);
        };
        if follow_up.answered_by != Some(buyer.id) || !tx.comment_follow_up(id, text).await? {
            return Ok(false);
        }
        if follow_up.score.is_some_and(|s| s <= LOW_SCORE)
            && let Some(household) = tx.household(follow_up.unit_id).await?
            && let Some(staff) = household.staff_id
            && let Some(ambassador) = tx.staff_by_id(staff).await?
        {
            let comment = Message::text(
                Cause::per_chat(format!("survey-comment:{id}")),
                |lang, _| {
                    crate::tr!(
                        self.i18n,
                        lang,
                        "survey-comment-to-ambassador",
                        home = household.unit.short(),
                        buyer = buyer.name.as_str(),
                        text = text
                    )
                },
            );
            self.tell(&mut tx, [ambassador], comment).await?;
        }
        tx.commit().await?;
        self.outbox_waker.wake();
        Ok(true)
    }

    /// The household's ambassador, then every supervisor (someone both is told once: a
    /// message to them is keyed by their chat).
    pub(crate) async fn ambassador_and_supervisors(
        &self,
        tx: &mut Tx,
        household: &Household,
    ) -> ServiceResult<Vec<StaffMember>> {
        let mut staff = Vec::new();
        if let Some(id) = household.staff_id
            && let Some(ambassador) = tx.staff_by_id(id).await?
        {
            staff.push(ambassador);
        }
        staff.extend(super::supervisors(tx).await?);
        Ok(staff)
    }

    /// `/stop` (and `/resume`): non-essential messages off (on) for every home of this
    /// account. Repair updates are not affected.
    #[instrument(skip_all)]
    pub async fn set_follow_ups_stopped(
        &self,
        actor: &Actor,
        telegram_id: i64,
        stop: bool,
    ) -> ServiceResult<()> {
        if !matches!(actor, Actor::Buyer(_)) {
            return Err(super::ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_follow_ups_stopped(telegram_id, stop.then_some(now))
            .await?;
        tx.audit(
            now,
            &actor.audit_name(),
            if stop {
                "followups.stop"
            } else {
                "followups.resume"
            },
            &format!("telegram:{telegram_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The satisfaction figure: mean survey score and the number of answers.
    #[instrument(skip_all)]
    pub async fn satisfaction(&self) -> ServiceResult<(Option<f64>, usize)> {
        let mut tx = self.store.read().await?;
        let scores = tx.survey_scores().await?;
        tx.commit().await?;
        Ok((satisfaction(&scores), scores.len()))
    }

    /// A report accepted for a home already handed over: decides and records warranty cover
    /// as of the day the buyer reported it (`reported`; the review may come days later), and
    /// makes sure the weekly digest of open defects runs. `None` before handover.
    pub(crate) async fn warranty_for_report(
        &self,
        tx: &mut Tx,
        defect_id: i64,
        unit_id: i64,
        category: Category,
        reported: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> ServiceResult<Option<Cover>> {
        let Some(handed_over) = tx.handed_over_at(unit_id).await? else {
            return Ok(None);
        };
        let tz = self.config.timezone;
        let handed_day = handed_over.with_timezone(&tz).date_naive();
        let today = now.with_timezone(&tz).date_naive();
        let reported = reported.with_timezone(&tz).date_naive();
        let warranty = &self.config.warranty;
        let cover = Cover {
            covered: warranty.covers(category, handed_day, reported),
            reported,
            until: warranty.ends(category, handed_day),
        };
        tx.set_defect_warranty(defect_id, cover.until, cover.covered)
            .await?;
        let every = i64::from(self.config.cadence.digest_every);
        if every > 0 && !tx.digest_scheduled(unit_id).await? {
            let day = (today - handed_day).num_days() + every;
            let due =
                self.config
                    .cadence
                    .due(handed_over, u32::try_from(day).unwrap_or(u32::MAX), tz);
            self.add_follow_up(tx, unit_id, FollowUpKind::DefectDigest, day, due, now)
                .await?;
        }
        Ok(Some(cover))
    }
}
