//! Every kind of scheduled work, typed. A job is stored as its kind (the `kind` column) and its
//! fields (the `payload` JSON): the serde tag and field names below *are* that stored form, so
//! renaming a variant or a field strands the jobs already queued under the old name.

use super::NewJob;
use crate::domain::message::Content;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One piece of scheduled work. Adding a kind is one variant here and its arm in the one
/// `match` that runs jobs (`app::run_job`); the compiler points at the arm that is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// Sends one follow-up to a buyer after handover.
    FollowUp { follow_up_id: i64 },
    /// Escalates a complaint nobody acknowledged in time.
    ComplaintAck { complaint_id: i64 },
    /// Supervisors' daily digest (recurring).
    DailyDigest {},
    /// Accepts a fix the buyer did not answer about in time.
    FixCheck { defect_id: i64, event_id: i64 },
    /// Tells engineers and supervisors of defects due today or overdue (recurring).
    DefectSweep {},
    /// Reminds a buyer of a booked visit `minutes` before it.
    #[serde(rename = "appointment_reminder")]
    Reminder {
        appointment_id: i64,
        slot_id: i64,
        minutes: i64,
    },
    /// Marks a booked visit nobody checked in to.
    #[serde(rename = "appointment_no_show")]
    NoShow { appointment_id: i64, slot_id: i64 },
    /// Closes a visit at the end of its day.
    #[serde(rename = "appointment_close")]
    Close { appointment_id: i64, slot_id: i64 },
    /// Reminds an invited buyer who has not booked.
    #[serde(rename = "appointment_nudge")]
    Nudge { appointment_id: i64 },
    /// The daily clean-up (recurring).
    Housekeeping {},
    /// A message queued at a time of its choosing (an album's answer, a later notice).
    Notice {
        chat_id: i64,
        key: String,
        content: Content,
        /// It answers the person in `chat_id`, who is waiting for it (an album's answer),
        /// so it goes ahead of the queued messages.
        #[serde(default)]
        answers: bool,
    },
    /// A staff member's absence ends.
    AwayEnds { staff_id: i64 },
    /// Makes a received handover record's PDF and sends it to the home's buyers and ambassador.
    RecordPdf { handover_id: i64 },
    /// Chases risk owners without a response and key households not called (recurring).
    BeforeCampaignSweep {},
    /// Tells the supervisors of a consultation the experts left unanswered.
    ConsultEscalate { consultation_id: i64 },
}

/// A stored job this build cannot read: an unknown kind or a payload without its fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read a job of kind {kind:?}: {message}")]
pub struct UnreadableJob {
    pub kind: String,
    pub message: String,
}

impl Job {
    /// The stored kinds of the jobs a use case cancels by kind and key.
    pub const REMINDER: &'static str = "appointment_reminder";
    pub const NO_SHOW: &'static str = "appointment_no_show";
    pub const NUDGE: &'static str = "appointment_nudge";

    /// The stored form: the kind and the payload.
    pub fn encode(&self) -> (String, Value) {
        // A derived Serialize of plain fields into a Value cannot fail.
        let tagged = serde_json::to_value(self).unwrap_or_default();
        let kind = tagged
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let payload = tagged
            .get("payload")
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default()));
        (kind, payload)
    }

    /// The job stored as `kind` and `payload`.
    pub fn decode(kind: &str, payload: &Value) -> Result<Job, UnreadableJob> {
        let tagged = serde_json::json!({ "kind": kind, "payload": payload });
        serde_json::from_value(tagged).map_err(|e| UnreadableJob {
            kind: kind.to_string(),
            message: e.to_string(),
        })
    }

    /// The job's kind as stored.
    pub fn kind(&self) -> String {
        self.encode().0
    }

    /// This job, to run at `run_at` (chain the [`NewJob`] setters for a key or an expiry).
    pub fn at(&self, run_at: DateTime<Utc>) -> NewJob {
        let (kind, payload) = self.encode();
        NewJob::new(kind, payload, run_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Jobs queued before jobs were typed were written by hand as these kinds and payloads;
    /// they must still read, and new ones must be written the same way.
    #[test]
    fn the_stored_form_is_the_one_written_before_jobs_were_typed() {
        let content = Content::Text {
            html: "hi".into(),
            buttons: vec![],
        };
        let cases = [
            (
                Job::FollowUp { follow_up_id: 7 },
                "follow_up",
                json!({"follow_up_id": 7}),
            ),
            (
                Job::ComplaintAck { complaint_id: 3 },
                "complaint_ack",
                json!({"complaint_id": 3}),
            ),
            (Job::DailyDigest {}, "daily_digest", json!({})),
            (
                Job::FixCheck {
                    defect_id: 4,
                    event_id: 9,
                },
                "fix_check",
                json!({"defect_id": 4, "event_id": 9}),
            ),
            (Job::DefectSweep {}, "defect_sweep", json!({})),
            (
                Job::BeforeCampaignSweep {},
                "before_campaign_sweep",
                json!({}),
            ),
            (
                Job::Reminder {
                    appointment_id: 1,
                    slot_id: 2,
                    minutes: 60,
                },
                "appointment_reminder",
                json!({"appointment_id": 1, "slot_id": 2, "minutes": 60}),
            ),
            (
                Job::NoShow {
                    appointment_id: 1,
                    slot_id: 2,
                },
                "appointment_no_show",
                json!({"appointment_id": 1, "slot_id": 2}),
            ),
            (
                Job::Close {
                    appointment_id: 1,
                    slot_id: 2,
                },
                "appointment_close",
                json!({"appointment_id": 1, "slot_id": 2}),
            ),
            (
                Job::Nudge { appointment_id: 5 },
                "appointment_nudge",
                json!({"appointment_id": 5}),
            ),
            (Job::Housekeeping {}, "housekeeping", json!({})),
            (
                Job::Notice {
                    chat_id: 42,
                    key: "album:42:x".into(),
                    content: content.clone(),
                    answers: true,
                },
                "notice",
                json!({"chat_id": 42, "key": "album:42:x", "content": content, "answers": true}),
            ),
            (
                Job::AwayEnds { staff_id: 8 },
                "away_ends",
                json!({"staff_id": 8}),
            ),
            (
                Job::RecordPdf { handover_id: 4 },
                "record_pdf",
                json!({"handover_id": 4}),
            ),
        ];
        for (job, kind, payload) in cases {
            assert_eq!(job.encode(), (kind.to_string(), payload.clone()), "{job:?}");
            assert_eq!(job.encode().1.to_string(), payload.to_string(), "{job:?}");
            assert_eq!(Job::decode(kind, &payload), Ok(job));
        }
    }

    #[test]
    fn the_kinds_cancelled_by_name_are_the_stored_ones() {
        let (appointment_id, slot_id) = (1, 2);
        let reminder = Job::Reminder {
            appointment_id,
            slot_id,
            minutes: 5,
        };
        assert_eq!(reminder.kind(), Job::REMINDER);
        assert_eq!(
            Job::NoShow {
                appointment_id,
                slot_id
            }
            .kind(),
            Job::NO_SHOW
        );
        assert_eq!(Job::Nudge { appointment_id }.kind(), Job::NUDGE);
    }

    #[test]
    fn unknown_kinds_and_missing_fields_are_unreadable_and_extra_fields_are_ignored() {
        assert!(Job::decode("mystery", &json!({})).is_err());
        assert!(Job::decode("follow_up", &json!({})).is_err());
        assert_eq!(
            Job::decode("follow_up", &json!({"follow_up_id": 2, "later": true})),
            Ok(Job::FollowUp { follow_up_id: 2 })
        );
    }
}
