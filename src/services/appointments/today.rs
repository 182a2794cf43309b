//! The day's view: `/today` for an ambassador, and the site's hours for a supervisor.

use super::super::{ServiceError, ServiceResult, Services};
use super::{DayEntry, SiteDay};
use crate::domain::appointment::AppointmentStatus;
use crate::domain::people::Actor;
use chrono::{DateTime, Duration, Utc};
use tracing::instrument;

impl Services {
    /// Local midnight after `at`: the end of its day in the project's time zone.
    pub(super) fn day_end(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        use chrono::TimeZone;
        let tz = self.config.timezone;
        let day = at.with_timezone(&tz).date_naive();
        day.succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .and_then(|t| tz.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(at + Duration::days(1))
    }

    /// An ambassador's `/today`: their appointments of the local day, in time order.
    #[instrument(skip_all)]
    pub async fn today_for_ambassador(&self, actor: &Actor) -> ServiceResult<Vec<DayEntry>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let (from, to) = self.today_bounds();
        let mut tx = self.store.read().await?;
        let mut out = Vec::new();
        for appointment in tx.appointments_between(from, to, Some(me.id)).await? {
            if let Some(household) = tx.household(appointment.unit_id).await? {
                let risks = self.risks_of_household(&mut tx, &household).await?;
                out.push(DayEntry {
                    appointment,
                    household,
                    risks,
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The early calls an ambassador still owes to key households, earliest due first.
    #[instrument(skip_all)]
    pub async fn owed_calls(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(crate::store::assignment::Household, Option<DateTime<Utc>>)>> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let mut tx = self.store.read().await?;
        let owed = self.calls_owed(&mut tx, me.id).await?;
        tx.commit().await?;
        Ok(owed)
    }

    /// A supervisor's `/today`: the site by hour, and the visit rate so far.
    #[instrument(skip_all)]
    pub async fn today_for_site(&self, actor: &Actor) -> ServiceResult<SiteDay> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let (from, to) = self.today_bounds();
        let tz = self.config.timezone;
        let mut tx = self.store.read().await?;
        let appointments = tx.appointments_between(from, to, None).await?;
        let visits = tx.visit_counts().await?;
        tx.commit().await?;
        let mut hours: std::collections::BTreeMap<u32, (usize, usize, usize)> = Default::default();
        for a in &appointments {
            let Some(slot) = &a.slot else { continue };
            let hour = chrono::Timelike::hour(&slot.starts_at.with_timezone(&tz));
            let entry = hours.entry(hour).or_default();
            entry.0 += 1;
            match a.status {
                AppointmentStatus::CheckedIn | AppointmentStatus::Completed => entry.1 += 1,
                AppointmentStatus::NoShow => entry.2 += 1,
                _ => {}
            }
        }
        Ok(SiteDay {
            hours: hours
                .into_iter()
                .map(|(h, (b, a, n))| (h, b, a, n))
                .collect(),
            visits,
        })
    }

    pub(super) fn today_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        use chrono::TimeZone;
        let tz = self.config.timezone;
        let day = self.clock.now().with_timezone(&tz).date_naive();
        let start = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| tz.from_local_datetime(&t).earliest())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| self.clock.now())
        };
        let next = day.succ_opt().unwrap_or(day);
        (start(day), start(next).max(start(day) + Duration::hours(1)))
    }
}
