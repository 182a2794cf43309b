-- Defects (DESIGN §3): recorded room by room during the walk-through, with photos kept in our
-- own content-addressed media store, and every change of status as an event.

CREATE TABLE inspections (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    staff_id     INTEGER NOT NULL REFERENCES staff(id),
    started_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX inspections_unit ON inspections (unit_id);

CREATE TABLE defects (
    id             INTEGER PRIMARY KEY,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    inspection_id  INTEGER REFERENCES inspections(id),
    room           TEXT NOT NULL,
    category       TEXT NOT NULL,
    severity       TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    due_at         TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX defects_unit ON defects (unit_id);

-- One row per stored file: the SHA-256 of its bytes names it; Telegram's file_unique_id lets
-- the same photo sent again be recognised without downloading it twice.
CREATE TABLE media (
    sha256          TEXT PRIMARY KEY,
    file_unique_id  TEXT UNIQUE,
    path            TEXT NOT NULL,
    mime            TEXT NOT NULL,
    bytes           INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE defect_media (
    defect_id  INTEGER NOT NULL REFERENCES defects(id),
    sha256     TEXT NOT NULL REFERENCES media(sha256),
    kind       TEXT NOT NULL CHECK (kind IN ('photo', 'voice')),
    position   INTEGER NOT NULL,
    PRIMARY KEY (defect_id, sha256)
);

CREATE TABLE defect_events (
    id           INTEGER PRIMARY KEY,
    defect_id    INTEGER NOT NULL REFERENCES defects(id),
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX defect_events_defect ON defect_events (defect_id);
