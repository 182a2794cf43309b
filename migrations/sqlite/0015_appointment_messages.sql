-- The messages whose buttons act on an appointment (the invitation and its fresh options, the
-- day-of welcome with "I'm here"), by their outbox key: when the appointment changes, each one
-- still showing buttons is edited to say what happened instead (retired_at set then).
CREATE TABLE appointment_messages (
    dedupe_key      TEXT PRIMARY KEY,
    appointment_id  INTEGER NOT NULL REFERENCES appointments(id),
    chat_id         INTEGER NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('options', 'welcome')),
    retired_at      TEXT
);
CREATE INDEX appointment_messages_live ON appointment_messages (appointment_id)
    WHERE retired_at IS NULL;

-- Each change of an appointment's slot or status counts one version, so the messages a change
-- causes carry a dedupe key of their own (a booking moved back and forth is told each time).
ALTER TABLE appointments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
