-- The answer library (统一说辞): approved answers to the hard questions buyers ask. An edit makes
-- a new version; the versions before it stay, with who approved them and when.

CREATE TABLE answers (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    -- The version in use.
    version         INTEGER NOT NULL DEFAULT 1,
    -- A buyer's /ask may be answered with it directly, without waiting for their ambassador.
    buyers_may_see  INTEGER NOT NULL DEFAULT 0,
    -- Taken out of use (kept for its history and its uses).
    retired_at      TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX answers_project ON answers (project_id) WHERE retired_at IS NULL;

CREATE TABLE answer_versions (
    answer_id    INTEGER NOT NULL REFERENCES answers(id),
    version      INTEGER NOT NULL,
    question     TEXT NOT NULL,
    -- Keywords and synonyms it is found by, one per line.
    keywords     TEXT NOT NULL DEFAULT '',
    text_zh      TEXT NOT NULL,
    text_en      TEXT,
    -- The JSON of domain::risk::RiskScope: the homes it is the answer for.
    scope        TEXT NOT NULL,
    -- The risk register's items it answers (comma-separated ids).
    risks        TEXT NOT NULL DEFAULT '',
    approved_by  TEXT NOT NULL,
    approved_at  TEXT NOT NULL,
    PRIMARY KEY (answer_id, version)
);

-- Every use of an answer: chosen in inline mode, shown by /answer, sent to a buyer from their
-- relayed message, given to a buyer's /ask. `cause` names the update that used it, so a use is
-- counted once however often that update is handled. A rehearsal's uses leave with it.
CREATE TABLE answer_uses (
    cause         TEXT PRIMARY KEY,
    answer_id     INTEGER NOT NULL REFERENCES answers(id),
    version       INTEGER NOT NULL,
    via           TEXT NOT NULL CHECK (via IN ('inline', 'command', 'relay', 'ask')),
    used_at       TEXT NOT NULL,
    rehearsal_id  INTEGER
);
CREATE INDEX answer_uses_answer ON answer_uses (answer_id);
