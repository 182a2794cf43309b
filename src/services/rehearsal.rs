//! The rehearsal (演练): the day before the campaign, staff play buyers of generated households
//! through the whole flow, then every trace of it is removed.

use super::{ServiceError, ServiceResult, Services, require_supervisor};
use crate::domain::appointment::SlotKind;
use crate::domain::people::{Actor, StaffMember};
use crate::domain::precontact::KeyDate;
use crate::store::rehearsal::{Rehearsal, RehearsalHome};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use tracing::instrument;

/// The building every generated household is in: its name is in every label ("演练-101").
pub const BUILDING: &str = "演练";
/// How many households a rehearsal has unless the supervisor says.
const DEFAULT_HOMES: u32 = 4;
pub const MAX_HOMES: u32 = 20;
/// The rehearsal day's visiting hours (campaign time): slots of an hour from the first to the last.
const FIRST_HOUR: u32 = 9;
const LAST_HOUR: u32 = 18;
/// A dialogue of the rehearsal untouched this long was abandoned half-way.
const STALLED_AFTER_MINUTES: i64 = 15;

/// What `/rehearsal start` did.
#[derive(Debug, Clone, PartialEq)]
pub enum RehearsalStart {
    Started {
        /// The rehearsal's households: label, generated buyer, ambassador, link code.
        homes: Vec<(String, String, String, String)>,
        slots: usize,
        day: NaiveDate,
    },
    /// One runs already (its code).
    AlreadyRunning(String),
    /// Nobody on the staff list is an ambassador present today.
    NoAmbassadors,
}

/// What opening a rehearsal link did.
#[derive(Debug, Clone, PartialEq)]
pub enum RehearsalJoin {
    /// The person now plays the household's buyer (its label).
    Playing(String),
    /// Someone else plays it already.
    Taken,
    /// The person is the household's ambassador: they receive its buyer, they do not play it.
    OwnHousehold,
    /// Only staff play buyers.
    NotStaff,
    /// No such link (never, or the rehearsal has ended).
    Unknown,
}

/// `/rehearsal report`.
#[derive(Debug, Clone, PartialEq)]
pub struct RehearsalReport {
    pub rehearsal: Rehearsal,
    pub homes: Vec<RehearsalHome>,
    /// Dialogues left half-way.
    pub stalled_dialogues: i64,
    /// Messages Telegram refused for good.
    pub failed_messages: i64,
}

impl RehearsalReport {
    /// The median minutes between two steps over the households that took both.
    pub fn median_minutes(
        &self,
        from: impl Fn(&RehearsalHome) -> Option<DateTime<Utc>>,
        to: impl Fn(&RehearsalHome) -> Option<DateTime<Utc>>,
    ) -> Option<i64> {
        let mut minutes: Vec<i64> = self
            .homes
            .iter()
            .filter_map(|h| Some((to(h)? - from(h)?).num_minutes().max(0)))
            .collect();
        minutes.sort_unstable();
        minutes.get(minutes.len() / 2).copied()
    }
}

impl Services {
    /// `/rehearsal start [N]`: a rehearsal copy of the project with N generated households
    /// (clearly marked 演练), shared out among the ambassadors, and an hour's slots through the
    /// rehearsal day (the project's rehearsal date when set and still ahead, else today, or
    /// tomorrow once today's hours are over).
    #[instrument(skip_all)]
    pub async fn start_rehearsal(
        &self,
        actor: &Actor,
        homes: Option<u32>,
    ) -> ServiceResult<RehearsalStart> {
        require_supervisor(actor)?;
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let count = homes.unwrap_or(DEFAULT_HOMES).clamp(1, MAX_HOMES);
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let parent = tx.ensure_project(&self.config.project, now).await?;
        if let Some(running) = tx.rehearsal_of(parent).await? {
            return Ok(RehearsalStart::AlreadyRunning(running.code));
        }
        let ambassadors: Vec<StaffMember> = tx
            .staff_loads()
            .await?
            .into_iter()
            .map(|load| load.staff)
            .filter(|s| s.roles.is_ambassador() && !s.is_away())
            .collect();
        if ambassadors.is_empty() {
            return Ok(RehearsalStart::NoAmbassadors);
        }
        let code = format!("{}-演练", self.config.project);
        let project = tx
            .start_rehearsal(
                parent,
                &code,
                &format!("{}（演练）", self.config.project),
                me.id,
                now,
            )
            .await?;
        // Everything from here on is the rehearsal's, the audit entry included.
        crate::rehearsal::touch(project);
        let mut made = Vec::new();
        for n in 1..=count {
            let ambassador = &ambassadors[(n as usize - 1) % ambassadors.len()];
            let room = format!("{}", 100 + n);
            let buyer = format!("演练买家{n}");
            let link = crate::services::staff::deep_link_code(LINK_PREFIX);
            tx.add_rehearsal_home(project, BUILDING, &room, &buyer, &link, ambassador.id, now)
                .await?;
            made.push((
                format!("{BUILDING}-{room}"),
                buyer,
                ambassador.name.clone(),
                link,
            ));
        }
        let dates = tx.key_dates(parent).await?;
        let (day, hours) = self.rehearsal_day(&dates, now);
        let mut slots = 0;
        for hour in hours {
            let (Some(starts_at), Some(ends_at)) = (self.at(day, hour), self.at(day, hour + 1))
            else {
                continue;
            };
            if tx
                .insert_slot(
                    project,
                    SlotKind::Inspection,
                    starts_at,
                    ends_at,
                    count,
                    now,
                )
                .await?
                .is_some()
            {
                slots += 1;
            }
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "rehearsal.start",
            &format!("project:{code}"),
            serde_json::json!({"households": count, "slots": slots}),
        )
        .await?;
        tx.commit().await?;
        Ok(RehearsalStart::Started {
            homes: made,
            slots,
            day,
        })
    }

    /// The rehearsal's day and the hours its slots start at.
    fn rehearsal_day(
        &self,
        dates: &[(KeyDate, NaiveDate)],
        now: DateTime<Utc>,
    ) -> (NaiveDate, std::ops::Range<u32>) {
        let local = now.with_timezone(&self.config.timezone);
        let today = local.date_naive();
        let planned = dates
            .iter()
            .find(|(kind, day)| *kind == KeyDate::Rehearsal && *day > today)
            .map(|(_, day)| *day);
        if let Some(day) = planned {
            return (day, FIRST_HOUR..LAST_HOUR);
        }
        let next_hour = local.hour() + 1;
        if next_hour < LAST_HOUR {
            (today, next_hour.max(FIRST_HOUR)..LAST_HOUR)
        } else {
            (today.succ_opt().unwrap_or(today), FIRST_HOUR..LAST_HOUR)
        }
    }

    /// `hour` o'clock on `day`, campaign time.
    fn at(&self, day: NaiveDate, hour: u32) -> Option<DateTime<Utc>> {
        let time = day.and_hms_opt(hour, 0, 0)?;
        self.config
            .timezone
            .from_local_datetime(&time)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// A staff member opened a rehearsal link: from now on they play its buyer (their messages
    /// are the buyer's until the rehearsal ends or they leave), and the household's invitation
    /// comes to them as it would to a buyer.
    #[instrument(skip_all)]
    pub async fn join_rehearsal(
        &self,
        staff: Option<&StaffMember>,
        telegram_id: i64,
        code: &str,
    ) -> ServiceResult<RehearsalJoin> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(link) = tx.rehearsal_link(code).await? else {
            return Ok(RehearsalJoin::Unknown);
        };
        let Some(staff) = staff else {
            return Ok(RehearsalJoin::NotStaff);
        };
        if link.staff_id.is_some_and(|id| id != staff.id) {
            return Ok(RehearsalJoin::Taken);
        }
        let Some(household) = tx.household(link.unit_id).await? else {
            return Ok(RehearsalJoin::Unknown);
        };
        if household.staff_id == Some(staff.id) {
            return Ok(RehearsalJoin::OwnHousehold);
        }
        tx.join_rehearsal(code, staff.id, telegram_id, now).await?;
        tx.audit(
            now,
            &format!("staff:{}", staff.id),
            "rehearsal.join",
            &format!("unit:{}", link.unit_id),
            serde_json::json!({}),
        )
        .await?;
        // The invitation is queued in this transaction, so it follows the welcome in the chat.
        self.invite_one(&mut tx, &household, SlotKind::Inspection)
            .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        self.scheduler_waker.wake();
        Ok(RehearsalJoin::Playing(household.unit.short()))
    }

    /// `/rehearsal leave`: a volunteer stops playing and is staff again.
    #[instrument(skip_all)]
    pub async fn leave_rehearsal(&self, telegram_id: i64) -> ServiceResult<bool> {
        let mut tx = self.store.begin().await?;
        let roles = tx.rehearsal_roles(telegram_id).await?;
        let Some((_, project)) = roles.first() else {
            return Ok(false);
        };
        crate::rehearsal::touch(*project);
        tx.leave_rehearsal(telegram_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// `/rehearsal report`: how far each household got, how long each step took, the defects
    /// recorded, and where people got stuck. `None` when no rehearsal runs.
    #[instrument(skip_all)]
    pub async fn rehearsal_report(&self, actor: &Actor) -> ServiceResult<Option<RehearsalReport>> {
        require_supervisor(actor)?;
        let now = self.clock.now();
        let mut tx = self.store.read().await?;
        let Some(rehearsal) = self.running_rehearsal(&mut tx).await? else {
            return Ok(None);
        };
        let homes = tx.rehearsal_homes(rehearsal.project_id).await?;
        let stalled_dialogues = tx
            .rehearsal_stalled_dialogues(
                rehearsal.project_id,
                now - Duration::minutes(STALLED_AFTER_MINUTES),
            )
            .await?;
        let failed_messages = tx.rehearsal_failed_messages(rehearsal.project_id).await?;
        tx.commit().await?;
        Ok(Some(RehearsalReport {
            rehearsal,
            homes,
            stalled_dialogues,
            failed_messages,
        }))
    }

    /// `/rehearsal end`: removes the rehearsal and everything it caused, stored files included;
    /// the volunteers are staff again. The report as it stood, or `None` when none runs.
    #[instrument(skip_all)]
    pub async fn end_rehearsal(&self, actor: &Actor) -> ServiceResult<Option<RehearsalReport>> {
        let Some(report) = self.rehearsal_report(actor).await? else {
            return Ok(None);
        };
        let mut tx = self.store.begin().await?;
        let files = tx
            .end_rehearsal(report.rehearsal.project_id, report.rehearsal.started_at)
            .await?;
        tx.commit().await?;
        for file in files {
            if let Err(error) = self.media.delete(&file).await {
                tracing::warn!(%error, file, "could not remove a rehearsal's stored file");
            }
        }
        tracing::info!(
            project = %report.rehearsal.code,
            households = report.homes.len(),
            "rehearsal ended and removed"
        );
        Ok(Some(report))
    }

    /// Counts a handler error met while acting on the current rehearsal (for its report).
    pub async fn note_rehearsal_error(&self) {
        let Some(project) = crate::rehearsal::current() else {
            return;
        };
        let noted = async {
            let mut tx = self.store.begin().await?;
            tx.note_rehearsal_error(project).await?;
            tx.commit().await
        };
        if let Err(error) = noted.await {
            tracing::warn!(%error, "could not count a rehearsal's error");
        }
    }

    async fn running_rehearsal(
        &self,
        tx: &mut crate::store::Tx,
    ) -> ServiceResult<Option<Rehearsal>> {
        let Some(parent) = tx.project_id(&self.config.project).await? else {
            return Ok(None);
        };
        Ok(tx.rehearsal_of(parent).await?)
    }
}

/// What a rehearsal link's code starts with (`/start reh_…`).
pub const LINK_PREFIX: &str = "reh_";

/// True when a `/start` payload could be a rehearsal link.
pub fn looks_like_link(payload: &str) -> bool {
    crate::services::staff::looks_like_deep_link_code(payload, LINK_PREFIX)
}
