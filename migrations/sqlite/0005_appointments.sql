-- Appointments (seed steps 4 and 6): time slots with capacity, invitations, bookings.

CREATE TABLE slots (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    kind        TEXT NOT NULL CHECK (kind IN ('inspection', 'handover')),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    capacity    INTEGER NOT NULL CHECK (capacity > 0),
    -- Seats taken; a booking takes one only while booked < capacity (one statement).
    booked      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    UNIQUE (project_id, kind, starts_at)
);

-- One open appointment per household and kind; finished ones stay as history.
CREATE TABLE appointments (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    kind          TEXT NOT NULL CHECK (kind IN ('inspection', 'handover')),
    slot_id       INTEGER REFERENCES slots(id),
    status        TEXT NOT NULL CHECK (status IN ('invited', 'confirmed', 'checked_in', 'completed',
                                                  'rescheduled', 'declined', 'no_show', 'cancelled')),
    invited_at    TEXT NOT NULL,
    confirmed_at  TEXT,
    checked_in_at TEXT,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX appointments_open ON appointments (unit_id, kind)
    WHERE status IN ('invited', 'confirmed', 'checked_in');
CREATE INDEX appointments_slot ON appointments (slot_id);
