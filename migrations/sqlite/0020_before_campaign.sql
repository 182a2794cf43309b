-- Before the campaign: the risk register (细致盘点), early contact of key households (未雨绸缪)
-- and the campaign's key dates (关键节点).

-- 户型, as the buyer list names it; a risk scoped to a unit type reaches every home of that type.
ALTER TABLE units ADD COLUMN unit_type TEXT;

-- What differs between what buyers were promised and what they will find, with the planned
-- response. `scope` is the JSON of domain::risk::RiskScope; a risk is known by its project,
-- scope and description, so importing the same register again updates rather than duplicates.
CREATE TABLE risks (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    scope           TEXT NOT NULL,
    category        TEXT NOT NULL,
    difference      TEXT NOT NULL,
    response        TEXT,
    owner_staff_id  INTEGER REFERENCES staff(id),
    severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    status          TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'response_ready', 'resolved', 'accepted')),
    -- When the owner was chased for a missing response (once).
    chased_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (project_id, scope, difference)
);
CREATE INDEX risks_live ON risks (project_id) WHERE status IN ('open', 'response_ready');

-- A risk's history: every change of status, owner or response, by whom.
CREATE TABLE risk_events (
    id          INTEGER PRIMARY KEY,
    risk_id     INTEGER NOT NULL REFERENCES risks(id),
    actor       TEXT NOT NULL,
    status      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX risk_events_risk ON risk_events (risk_id);

-- An ambassador's call to a key household before the campaign. `risks` lists the register's
-- items the buyer raised (comma-separated ids).
CREATE TABLE precontact_calls (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    reached     INTEGER NOT NULL,
    attitude    TEXT CHECK (attitude IN ('calm', 'concerned', 'dissatisfied', 'hostile')),
    concerns    TEXT NOT NULL DEFAULT '',
    risks       TEXT NOT NULL DEFAULT '',
    next_step   TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX precontact_calls_unit ON precontact_calls (unit_id);

-- A key household still unreached after its call was due, told to the supervisors once.
CREATE TABLE precontact_overdue (
    unit_id  INTEGER PRIMARY KEY REFERENCES units(id),
    told_at  TEXT NOT NULL
);

-- The campaign's dates per project, local calendar days.
CREATE TABLE key_dates (
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    kind        TEXT NOT NULL,
    day         TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (project_id, kind)
);
