//! Staff administration: invite codes and the staff list.

use super::{ServiceError, ServiceResult, Services};
use crate::domain::people::{Actor, Role, StaffMember};
use crate::store::people::PeopleCounts;
use chrono::{DateTime, Utc};
use rand::Rng;
use tracing::instrument;

/// Who asks for an invite: a supervisor in chat, or whoever runs the CLI on the server.
#[derive(Debug, Clone)]
pub enum Issuer<'a> {
    Person(&'a Actor),
    Cli,
}

/// What `/deactivate NAME-or-PHONE` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Deactivation {
    /// The person left: their access ended and their households wait for `/assign`.
    Done(StaffMember),
    NotFound,
    /// Several people have this name; the phone tells them apart.
    Ambiguous(Vec<StaffMember>),
    /// An admin, and the caller is not one (or the caller themself).
    NotAllowed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invite {
    pub code: String,
    pub role: Role,
    pub name: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl Invite {
    /// The deep link that opens the bot with this code.
    pub fn link(&self, bot_username: &str) -> String {
        format!("https://t.me/{bot_username}?start={}", self.code)
    }
}

fn new_code() -> String {
    deep_link_code(INVITE_PREFIX)
}

const INVITE_PREFIX: &str = "inv_";

/// A code for a deep link, after `prefix`. Deep-link payloads allow 64 characters of
/// `A-Za-z0-9_-`; 20 alphanumerics carry ~119 bits.
pub(crate) fn deep_link_code(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let body: String = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{body}")
}

/// True when `payload` could be a code made with `prefix` (checked before touching the database).
pub fn looks_like_deep_link_code(payload: &str, prefix: &str) -> bool {
    payload.len() <= 64
        && payload.starts_with(prefix)
        && payload
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// True when `payload` could be an invite code.
pub fn looks_like_code(payload: &str) -> bool {
    looks_like_deep_link_code(payload, INVITE_PREFIX)
}

impl Services {
    /// Creates a one-time, expiring code that links a Telegram account to a staff role.
    #[instrument(skip_all)]
    pub async fn create_invite(
        &self,
        issuer: Issuer<'_>,
        role: Role,
        name: Option<&str>,
    ) -> ServiceResult<Invite> {
        let actor_name = match issuer {
            Issuer::Person(actor) if actor.can_supervise() => {
                // Only an admin may mint another admin.
                if role == Role::Admin
                    && !matches!(actor, Actor::Staff(s) if s.roles.has(Role::Admin))
                {
                    return Err(ServiceError::Forbidden);
                }
                actor.audit_name()
            }
            Issuer::Person(_) => return Err(ServiceError::Forbidden),
            Issuer::Cli => "cli".to_string(),
        };
        let now = self.clock.now();
        let expires_at = now + self.config.invite_ttl;
        let code = new_code();
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let mut tx = self.store.begin().await?;
        tx.insert_invite(&code, role.as_str(), name, &actor_name, now, expires_at)
            .await?;
        tx.audit(
            now,
            &actor_name,
            "invite.create",
            &format!("invite:{}", &code[..8]),
            serde_json::json!({ "role": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(Invite {
            code,
            role,
            name: name.map(str::to_string),
            expires_at,
        })
    }

    /// `/deactivate NAME-or-PHONE`: a supervisor marks a staff member as left. Their account is
    /// told and unlinked, every later message of theirs gets "your access has ended", their
    /// phone links nobody, and their households wait for `/assign`. Only an admin may
    /// deactivate an admin; nobody deactivates themself.
    #[instrument(skip_all)]
    pub async fn deactivate_staff(
        &self,
        actor: &Actor,
        query: &str,
    ) -> ServiceResult<Deactivation> {
        let Actor::Staff(me) = actor else {
            return Err(ServiceError::Forbidden);
        };
        if !me.roles.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let query = query.trim();
        let phone = crate::domain::phone::Phone::parse(query, self.config.phone_region).ok();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let found = tx.active_staff_matching(query, phone.as_ref()).await?;
        let target = match found.as_slice() {
            [] => return Ok(Deactivation::NotFound),
            [one] => one.clone(),
            _ => return Ok(Deactivation::Ambiguous(found)),
        };
        if target.id == me.id || (target.roles.has(Role::Admin) && !me.roles.has(Role::Admin)) {
            return Ok(Deactivation::NotAllowed);
        }
        let account = tx.deactivate_staff(target.id, now).await?;
        if let Some(telegram_id) = account {
            self.tell_access_ended(&mut tx, telegram_id, None, now)
                .await?;
        }
        tx.audit(
            now,
            &actor.audit_name(),
            "staff.deactivate",
            &format!("staff:{}", target.id),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.outbox_waker.wake();
        tracing::info!(staff_id = target.id, "staff deactivated");
        Ok(Deactivation::Done(target))
    }

    /// The staff list, for supervisors.
    #[instrument(skip_all)]
    pub async fn staff_list(&self, actor: &Actor) -> ServiceResult<Vec<StaffMember>> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.store.read().await?;
        let staff = tx.all_staff().await?;
        tx.commit().await?;
        Ok(staff)
    }

    /// Headline counts of loaded and linked people, for supervisors.
    #[instrument(skip_all)]
    pub async fn people_counts(&self, actor: &Actor) -> ServiceResult<PeopleCounts> {
        if !actor.can_supervise() {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.store.read().await?;
        let counts = tx.people_counts().await?;
        tx.commit().await?;
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_valid_deep_link_payloads() {
        for _ in 0..100 {
            let code = new_code();
            assert!(looks_like_code(&code), "{code}");
            assert!(code.len() <= 64);
        }
        assert!(!looks_like_code("hello world"));
        assert!(!looks_like_code("abc"));
    }
}
