-- Expert consultation (专家会诊) and the emergency decision group (应急决策小组).

-- The fields a staff member answers for as an expert (comma-separated: sales, engineering,
-- design, legal), from the staff file's 专家领域 column.
ALTER TABLE staff ADD COLUMN expert_fields TEXT NOT NULL DEFAULT '';

-- A question a staff member put to the experts of one field, about a household or not.
CREATE TABLE consultations (
    id            INTEGER PRIMARY KEY,
    field         TEXT NOT NULL CHECK (field IN ('sales', 'engineering', 'design', 'legal')),
    unit_id       INTEGER REFERENCES units(id),
    question      TEXT NOT NULL,
    asked_by      INTEGER NOT NULL REFERENCES staff(id),
    asked_at      TEXT NOT NULL,
    answer        TEXT,
    answered_by   INTEGER REFERENCES staff(id),
    answered_at   TEXT,
    -- Told to the supervisors, unanswered after HANDOVER_CONSULT_HOURS (once).
    escalated_at  TEXT,
    -- The library answer a supervisor made of the expert's answer.
    answer_id     INTEGER REFERENCES answers(id),
    rehearsal_id  INTEGER
);
CREATE INDEX consultations_open ON consultations (field) WHERE answer IS NULL;

-- Telegram groups the bot serves, registered by a supervisor's command in the group.
CREATE TABLE chat_groups (
    purpose        TEXT PRIMARY KEY CHECK (purpose IN ('decision')),
    chat_id        INTEGER NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    registered_by  INTEGER NOT NULL REFERENCES staff(id),
    registered_at  TEXT NOT NULL
);

-- What the decision group must act on: a group complaint, a major complaint or one from a
-- household flagged for media or government attention, a defect long past due, a day of many
-- no-shows. `cause` names what raised it, so it is raised once; `details` is its JSON.
CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL
                    CHECK (kind IN ('group_complaint', 'complaint', 'overdue', 'no_shows')),
    cause           TEXT NOT NULL UNIQUE,
    unit_id         INTEGER REFERENCES units(id),
    details         TEXT NOT NULL,
    opened_at       TEXT NOT NULL,
    owner_staff_id  INTEGER REFERENCES staff(id),
    taken_at        TEXT,
    closed_at       TEXT
);
CREATE INDEX incidents_open ON incidents (opened_at) WHERE closed_at IS NULL;
