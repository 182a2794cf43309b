//! Linking a Telegram account to a person: by a shared contact (phone match) or an invite code,
//! and the buyer's one-time mailing-address check.

use super::{ServiceError, ServiceResult, Services};
use crate::domain::people::{Actor, Role, Roles, StaffMember};
use crate::domain::phone::Phone;
use tracing::instrument;

/// The result of someone sharing their phone contact.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactOutcome {
    /// The contact belongs to someone else (forwarded or picked from the address book).
    NotOwnContact,
    /// No staff member or buyer has this phone. Nothing was written.
    NoMatch,
    Linked(Actor),
}

/// The result of `/start <code>`.
#[derive(Debug, Clone, PartialEq)]
pub enum InviteOutcome {
    Unknown,
    AlreadyUsed,
    Expired,
    Linked(StaffMember),
}

impl Services {
    /// A contact shared through the `request_contact` button. Telegram vouches for the phone
    /// only when the contact is the sender's own (`contact.user_id == from.id`).
    #[instrument(skip_all)]
    pub async fn link_by_contact(
        &self,
        from_id: i64,
        contact_user_id: Option<i64>,
        phone_number: &str,
    ) -> ServiceResult<ContactOutcome> {
        if contact_user_id != Some(from_id) {
            return Ok(ContactOutcome::NotOwnContact);
        }
        let Ok(phone) = Phone::parse(phone_number, self.config.phone_region) else {
            return Ok(ContactOutcome::NoMatch);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(staff) = tx.staff_by_phone(&phone).await? {
            tx.link_staff(staff.id, from_id, now).await?;
            tx.audit(
                now,
                &format!("telegram:{from_id}"),
                "staff.link.contact",
                &format!("staff:{}", staff.id),
                serde_json::json!({}),
            )
            .await?;
            let linked = tx.staff_by_id(staff.id).await?.unwrap_or(staff);
            tx.commit().await?;
            tracing::info!(staff_id = linked.id, "staff linked by contact");
            return Ok(ContactOutcome::Linked(Actor::Staff(linked)));
        }
        let linked = tx.link_buyers(&phone, from_id, now).await?;
        if linked == 0 {
            tracing::info!("contact matched nobody");
            return Ok(ContactOutcome::NoMatch);
        }
        let homes = tx.buyers_by_telegram(from_id).await?;
        // The introduction follows the greeting (the immediate reply), not the other way round.
        let intro_at = now + chrono::Duration::seconds(2);
        for home in &homes {
            let event = tx
                .audit(
                    now,
                    &format!("telegram:{from_id}"),
                    "buyer.link.contact",
                    &format!("buyer:{}", home.id),
                    serde_json::json!({}),
                )
                .await?;
            self.introduce_after_linking(
                &mut tx,
                home.unit.unit_id,
                &format!("a{event}"),
                intro_at,
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(homes = homes.len(), "buyer linked by contact");
        Ok(ContactOutcome::Linked(Actor::Buyer(homes)))
    }

    /// `/start <code>`: links staff who have no phone on file, or whose phone differs.
    #[instrument(skip_all)]
    pub async fn redeem_invite(
        &self,
        from_id: i64,
        telegram_name: &str,
        code: &str,
    ) -> ServiceResult<InviteOutcome> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let Some(invite) = tx.invite(code).await? else {
            return Ok(InviteOutcome::Unknown);
        };
        if invite.used_at.is_some() {
            return Ok(InviteOutcome::AlreadyUsed);
        }
        if invite.expires_at <= now {
            return Ok(InviteOutcome::Expired);
        }
        let role: Role = invite.role.parse().map_err(|_| {
            crate::store::StoreError::Corrupt(format!("invite role {:?}", invite.role))
        })?;
        let existing = match (tx.staff_by_telegram(from_id).await?, &invite.name) {
            (Some(me), _) => Some(me),
            (None, Some(name)) => tx.unlinked_staff_named(name, role).await?,
            (None, None) => None,
        };
        let staff_id = match existing {
            Some(staff) => {
                if !staff.roles.has(role) {
                    let mut roles: Vec<Role> = staff.roles.iter().collect();
                    roles.push(role);
                    tx.add_staff_roles(staff.id, &Roles::new(roles), now)
                        .await?;
                }
                staff.id
            }
            None => {
                let name = invite
                    .name
                    .clone()
                    .unwrap_or_else(|| telegram_name.to_string());
                tx.create_staff(&name, &Roles::new(vec![role]), now).await?
            }
        };
        if !tx.use_invite(code, staff_id, now).await? {
            return Ok(InviteOutcome::AlreadyUsed);
        }
        tx.link_staff(staff_id, from_id, now).await?;
        tx.audit(
            now,
            &format!("telegram:{from_id}"),
            "staff.link.invite",
            &format!("staff:{staff_id}"),
            serde_json::json!({ "role": role.as_str() }),
        )
        .await?;
        let staff = tx.staff_by_id(staff_id).await?.ok_or_else(|| {
            crate::store::StoreError::Corrupt(format!("staff {staff_id} vanished"))
        })?;
        tx.commit().await?;
        tracing::info!(staff_id, role = role.as_str(), "staff linked by invite");
        Ok(InviteOutcome::Linked(staff))
    }

    /// The buyer confirms the mailing address on file, or gives a corrected one.
    #[instrument(skip_all)]
    pub async fn confirm_address(
        &self,
        actor: &Actor,
        telegram_id: i64,
        corrected: Option<&str>,
    ) -> ServiceResult<()> {
        let Actor::Buyer(homes) = actor else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.confirm_buyer_address(telegram_id, corrected, now)
            .await?;
        for home in homes {
            let action = if corrected.is_some() {
                "buyer.address.correct"
            } else {
                "buyer.address.confirm"
            };
            tx.audit(
                now,
                &actor.audit_name(),
                action,
                &format!("buyer:{}", home.id),
                serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
