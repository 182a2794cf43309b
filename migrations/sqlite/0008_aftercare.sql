-- Handover and after (seed steps 7 and 9): the handover record with its meter readings, the
-- follow-up cadence and survey answers, the opt-out, complaints and group-complaint flags, and
-- the warranty cover of reports made after handover.

CREATE TABLE handovers (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    staff_id      INTEGER NOT NULL REFERENCES staff(id),
    -- JSON: [[kind, count], …], [document, …], [defect id, …] (open at handover; the buyer
    -- accepts them to stay open and tracked by confirming).
    keys          TEXT NOT NULL,
    documents     TEXT NOT NULL,
    -- JSON: [meter, …] the home does not have.
    meters_absent TEXT NOT NULL DEFAULT '[]',
    open_defects  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('awaiting_buyer', 'confirmed', 'withdrawn')),
    submitted_at  TEXT NOT NULL,
    confirmed_by  INTEGER REFERENCES buyers(id),
    confirmed_at  TEXT
);
CREATE INDEX handovers_unit ON handovers (unit_id);
-- Only the buyer's confirmation hands a unit over, and only once.
CREATE UNIQUE INDEX handovers_confirmed ON handovers (unit_id) WHERE status = 'confirmed';

CREATE TABLE meter_readings (
    handover_id  INTEGER NOT NULL REFERENCES handovers(id),
    meter        TEXT NOT NULL,
    reading      TEXT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES media(sha256),
    position     INTEGER NOT NULL,
    PRIMARY KEY (handover_id, meter)
);

CREATE TABLE follow_ups (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    kind         TEXT NOT NULL,
    day          INTEGER NOT NULL,
    due_at       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'scheduled'
                 CHECK (status IN ('scheduled', 'sent', 'answered', 'skipped')),
    sent_at      TEXT,
    answered_by  INTEGER REFERENCES buyers(id),
    answered_at  TEXT,
    score        INTEGER CHECK (score BETWEEN 1 AND 5),
    comment      TEXT,
    UNIQUE (unit_id, kind, day)
);
CREATE INDEX follow_ups_scores ON follow_ups (kind, score);

-- Set by the buyer's /stop: no more non-essential messages (repair updates still come).
ALTER TABLE buyers ADD COLUMN follow_ups_stopped_at TEXT;

CREATE TABLE group_complaint_flags (
    id           INTEGER PRIMARY KEY,
    building_id  INTEGER NOT NULL REFERENCES buildings(id),
    topic        TEXT NOT NULL,
    households   INTEGER NOT NULL,
    raised_at    TEXT NOT NULL
);
CREATE INDEX group_complaint_flags_topic ON group_complaint_flags (building_id, topic, raised_at);

CREATE TABLE complaints (
    id               INTEGER PRIMARY KEY,
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    buyer_id         INTEGER NOT NULL REFERENCES buyers(id),
    topic            TEXT NOT NULL,
    level            TEXT NOT NULL CHECK (level IN ('general', 'important', 'major')),
    text             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    ack_due_at       TEXT NOT NULL,
    acknowledged_by  INTEGER REFERENCES staff(id),
    acknowledged_at  TEXT,
    escalated_at     TEXT,
    group_flag_id    INTEGER REFERENCES group_complaint_flags(id)
);
CREATE INDEX complaints_topic ON complaints (topic, created_at);

-- A report made after handover is under warranty until this date (project time), or was not.
ALTER TABLE defects ADD COLUMN warranty_until TEXT;
ALTER TABLE defects ADD COLUMN under_warranty INTEGER;
