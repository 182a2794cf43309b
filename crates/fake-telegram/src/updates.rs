//! `getUpdates`: one long poll at a time, offsets, `allowed_updates`.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::request::{ApiErr, ApiResult, Params, TERMINATED, WEBHOOK_ACTIVE};
use super::state::Shared;

// ---------------------------------------------------------------------------------------------
// getUpdates
// ---------------------------------------------------------------------------------------------

/// Ends a poll's claim on "the poller" however the poll ends, including the client going away.
struct PollGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        if st.poll_active == Some(self.id) {
            st.poll_active = None;
        }
        st.poll_terminated.remove(&self.id);
        drop(st);
        self.shared.changed.notify_waiters();
    }
}

/// Long poll. A newer `getUpdates` terminates the one in flight, which answers 409 — the wording
/// "terminated by other getUpdates request" says exactly that, and it means a poll whose client
/// vanished (a restarted bot) never blocks the next one.
pub(crate) async fn get_updates(shared: &Shared, p: &Params) -> ApiResult {
    if shared.lock().webhook.is_some() {
        return Err(ApiErr::new(409, WEBHOOK_ACTIVE));
    }
    let offset = p.i64("offset")?;
    let limit = p.i64("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout = p.i64("timeout")?.unwrap_or(0).max(0) as u64;
    let allowed = allowed_updates_param(p)?;
    let id = {
        let mut st = shared.lock();
        if st.webhook.is_some() {
            return Err(ApiErr::new(409, WEBHOOK_ACTIVE));
        }
        if let Some(allowed) = allowed {
            st.allowed_updates = allowed;
        }
        st.confirm(offset);
        if let Some(previous) = st.poll_active.take() {
            st.poll_terminated.insert(previous, TERMINATED);
        }
        st.poll_counter += 1;
        let id = st.poll_counter;
        st.poll_active = Some(id);
        id
    };
    shared.changed.notify_waiters();
    let _guard = PollGuard { shared, id };
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut st = shared.lock();
            if let Some(description) = st.poll_terminated.remove(&id) {
                return Err(ApiErr::new(409, description));
            }
            let batch = st.deliverable(limit);
            if !batch.is_empty() || Instant::now() >= deadline {
                return Ok(Value::Array(batch));
            }
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

/// `allowed_updates` as given: `None` to keep the previous setting, `Some(None)` for the default
/// (an empty list), `Some(Some(list))` otherwise.
pub(crate) fn allowed_updates_param(p: &Params) -> Result<Option<Option<Vec<String>>>, ApiErr> {
    let Some(allowed) = p.json("allowed_updates")? else {
        return Ok(None);
    };
    let list: Vec<String> = allowed
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(if list.is_empty() { None } else { Some(list) }))
}
