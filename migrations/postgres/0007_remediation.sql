-- Remediation (seed step 8, 快速消项): who fixes each defect, the clock that holds while it is
-- on hold, how often the buyer sent it back, the photos of each fix, and the outbound feed of
-- every change to the developer's own systems.
-- (PostgreSQL twin of migrations/sqlite/0007_remediation.sql.)

ALTER TABLE defects ADD COLUMN engineer_id BIGINT REFERENCES staff(id);
ALTER TABLE defects ADD COLUMN contractor TEXT;
ALTER TABLE defects ADD COLUMN held_at TIMESTAMPTZ;
ALTER TABLE defects ADD COLUMN reopen_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE defects ADD COLUMN escalated_due TIMESTAMPTZ;
CREATE INDEX defects_engineer ON defects (engineer_id, status);
CREATE INDEX defects_due ON defects (due_at) WHERE status IN ('open', 'assigned', 'in_progress', 'reopened');

CREATE TABLE fix_photos (
    event_id  BIGINT NOT NULL REFERENCES defect_events(id),
    sha256    TEXT NOT NULL REFERENCES media(sha256),
    position  BIGINT NOT NULL,
    PRIMARY KEY (event_id, sha256)
);

ALTER TABLE defect_events ADD COLUMN feed_status TEXT NOT NULL DEFAULT 'pending'
    CHECK (feed_status IN ('pending', 'sending', 'sent', 'failed'));
ALTER TABLE defect_events ADD COLUMN feed_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE defect_events ADD COLUMN feed_next_at TIMESTAMPTZ;
ALTER TABLE defect_events ADD COLUMN feed_locked_until TIMESTAMPTZ;
ALTER TABLE defect_events ADD COLUMN feed_error TEXT;
CREATE INDEX defect_events_feed ON defect_events (defect_id, id) WHERE feed_status IN ('pending', 'sending');
