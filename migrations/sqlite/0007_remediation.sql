-- Remediation (seed step 8, 快速消项): who fixes each defect, the clock that holds while it is
-- on hold, how often the buyer sent it back, the photos of each fix, and the outbound feed of
-- every change to the developer's own systems.

ALTER TABLE defects ADD COLUMN engineer_id INTEGER REFERENCES staff(id);
ALTER TABLE defects ADD COLUMN contractor TEXT;
-- Set while on hold; the time spent on hold is added to the due date on resuming.
ALTER TABLE defects ADD COLUMN held_at TEXT;
ALTER TABLE defects ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
-- The due date supervisors were last told this defect was past, so each deadline escalates once.
ALTER TABLE defects ADD COLUMN escalated_due TEXT;
CREATE INDEX defects_engineer ON defects (engineer_id, status);
CREATE INDEX defects_due ON defects (due_at) WHERE status IN ('open', 'assigned', 'in_progress', 'reopened');

-- After-fix photos, per "fixed" event (a defect fixed twice has two sets).
CREATE TABLE fix_photos (
    event_id  INTEGER NOT NULL REFERENCES defect_events(id),
    sha256    TEXT NOT NULL REFERENCES media(sha256),
    position  INTEGER NOT NULL,
    PRIMARY KEY (event_id, sha256)
);

-- Every defect event is also a delivery to the outbound webhook (when one is configured),
-- retried like the outbox and sent in order per defect.
ALTER TABLE defect_events ADD COLUMN feed_status TEXT NOT NULL DEFAULT 'pending'
    CHECK (feed_status IN ('pending', 'sending', 'sent', 'failed'));
ALTER TABLE defect_events ADD COLUMN feed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE defect_events ADD COLUMN feed_next_at TEXT;
ALTER TABLE defect_events ADD COLUMN feed_locked_until TEXT;
ALTER TABLE defect_events ADD COLUMN feed_error TEXT;
CREATE INDEX defect_events_feed ON defect_events (defect_id, id) WHERE feed_status IN ('pending', 'sending');
