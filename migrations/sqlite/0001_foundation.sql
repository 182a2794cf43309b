-- The campaign's people and places, invite codes, dialogue state and the audit log.

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE buildings (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    entrance    TEXT NOT NULL DEFAULT '',
    room        TEXT NOT NULL,
    UNIQUE (building_id, entrance, room)
);

CREATE TABLE buyers (
    id                    INTEGER PRIMARY KEY,
    unit_id               INTEGER NOT NULL REFERENCES units(id),
    name                  TEXT NOT NULL,
    phone                 TEXT NOT NULL,
    tier                  TEXT NOT NULL CHECK (tier IN ('A+', 'A', 'B', 'C')),
    risk_flags            TEXT NOT NULL DEFAULT '',
    mailing_address       TEXT,
    address_confirmed_at  TEXT,
    language              TEXT,
    telegram_id           INTEGER,
    linked_at             TEXT,
    unreachable           INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (unit_id, phone)
);
CREATE INDEX buyers_phone ON buyers (phone);
CREATE INDEX buyers_telegram ON buyers (telegram_id);

CREATE TABLE staff (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER REFERENCES projects(id),
    name         TEXT NOT NULL,
    phone        TEXT UNIQUE,
    roles        TEXT NOT NULL,
    seniority    TEXT NOT NULL DEFAULT 'regular' CHECK (seniority IN ('regular', 'senior')),
    capacity     INTEGER,
    buildings    TEXT NOT NULL DEFAULT '',
    away_until   TEXT,
    language     TEXT,
    telegram_id  INTEGER UNIQUE,
    linked_at    TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
-- Staff without a phone (linked by invite code) are identified by name on re-import.
CREATE UNIQUE INDEX staff_name_without_phone ON staff (name) WHERE phone IS NULL;

CREATE TABLE invite_codes (
    code            TEXT PRIMARY KEY,
    role            TEXT NOT NULL,
    name            TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT,
    used_by_staff   INTEGER REFERENCES staff(id)
);

-- Conversation state per private chat, so a restart mid-dialogue keeps every step given.
CREATE TABLE dialogues (
    chat_id     INTEGER PRIMARY KEY,
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_object ON audit_log (object);

-- Per Telegram account choices that do not belong to a staff or buyer record (/language).
CREATE TABLE accounts (
    telegram_id  INTEGER PRIMARY KEY,
    language     TEXT,
    updated_at   TEXT NOT NULL
);
