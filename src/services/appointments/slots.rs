//! Slots with capacity: adding them, listing the coming ones, and which of them a household
//! may still be offered (open, not past, not already offered).

use super::super::{ServiceError, ServiceResult, Services};
use super::MAX_OPTIONS;
use crate::domain::appointment::{self, SlotKind, SlotSpec, SlotTime};
use crate::domain::people::{Actor, Lang};
use crate::store::Tx;
use crate::store::appointments::Slot;
use crate::store::assignment::Household;
use chrono_tz::Tz;
use tracing::instrument;

impl Services {
    pub(super) fn meeting_point(&self, lang: Lang) -> String {
        self.config
            .meeting_point
            .clone()
            .unwrap_or_else(|| crate::tr!(self.i18n, lang, "meeting-point-default"))
    }

    /// `/slots add DATE START-END CAPACITY [KIND]`.
    #[instrument(skip_all)]
    pub async fn add_slot(&self, actor: &Actor, spec: &SlotSpec) -> ServiceResult<Option<i64>> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let project = tx.ensure_project(&self.config.project, now).await?;
        let id = tx
            .insert_slot(
                project,
                spec.kind,
                spec.starts_at,
                spec.ends_at,
                spec.capacity,
                now,
            )
            .await?;
        if let Some(id) = id {
            tx.audit(
                now,
                &actor.audit_name(),
                "slot.add",
                &format!("slot:{id}"),
                serde_json::json!({"capacity": spec.capacity}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// `/slots`: the project's upcoming slots of both kinds.
    #[instrument(skip_all)]
    pub async fn upcoming_slots(&self, actor: &Actor) -> ServiceResult<Vec<Slot>> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.store.read().await?;
        let mut slots = tx
            .upcoming_slots(&self.config.project, SlotKind::Inspection, now)
            .await?;
        slots.extend(
            tx.upcoming_slots(&self.config.project, SlotKind::Handover, now)
                .await?,
        );
        tx.commit().await?;
        slots.sort_by_key(|s| (s.starts_at, s.id));
        Ok(slots)
    }

    /// The open slots a household is offered: seats left, in the future, and for key buyers
    /// the later half of each day (unless switched off).
    pub(super) async fn options_for(
        &self,
        tx: &mut Tx,
        kind: SlotKind,
        household: &Household,
    ) -> ServiceResult<Vec<Slot>> {
        let now = self.clock.now();
        let (today, _) = self.today_bounds();
        // The household's own project: a rehearsal's households book the rehearsal's slots.
        let all = tx
            .upcoming_slots(&household.unit.project, kind, today)
            .await?;
        let late = if household.sensitive() && self.config.key_buyers_late {
            Some(Self::late_of(&all, self.config.timezone))
        } else {
            None
        };
        Ok(all
            .into_iter()
            .filter(|s| s.starts_at > now && s.seats_left() > 0)
            .filter(|s| late.as_ref().is_none_or(|late| late.contains(&s.id)))
            .take(MAX_OPTIONS)
            .collect())
    }

    /// The later half of each day among `slots` (whole days: today's past slots included, so
    /// the half does not shift as the day goes on).
    pub(super) fn late_of(slots: &[Slot], tz: Tz) -> std::collections::BTreeSet<i64> {
        let times: Vec<SlotTime> = slots
            .iter()
            .map(|s| SlotTime {
                id: s.id,
                starts_at: s.starts_at,
            })
            .collect();
        appointment::late_slots(&times, tz)
    }

    /// Whether the household may take `slot`: key and flagged buyers only the later slots
    /// their invitation offers (unless that rule is switched off).
    pub(super) async fn offered(
        &self,
        tx: &mut Tx,
        unit_id: i64,
        slot: &Slot,
    ) -> ServiceResult<bool> {
        if !self.config.key_buyers_late {
            return Ok(true);
        }
        let Some(household) = tx.household(unit_id).await? else {
            return Ok(false);
        };
        if !household.sensitive() {
            return Ok(true);
        }
        let kind = slot.kind.parse().unwrap_or(SlotKind::Inspection);
        let (today, _) = self.today_bounds();
        let all = tx
            .upcoming_slots(&household.unit.project, kind, today)
            .await?;
        Ok(Self::late_of(&all, self.config.timezone).contains(&slot.id))
    }
}
