-- The rehearsal (演练): a copy of a project with generated households, played by staff volunteers
-- the day before the campaign, removed without a trace when it ends.

-- A rehearsal is a project of its own; this names the real project it rehearses. Every figure,
-- export and feed of the real campaign leaves these projects out.
ALTER TABLE projects ADD COLUMN rehearsal_of INTEGER REFERENCES projects(id);

CREATE TABLE rehearsals (
    project_id   INTEGER PRIMARY KEY REFERENCES projects(id),
    started_by   INTEGER NOT NULL REFERENCES staff(id),
    started_at   TEXT NOT NULL,
    -- Handler errors met while acting on the rehearsal (for its report).
    errors       INTEGER NOT NULL DEFAULT 0
);

-- One link per generated household; the staff volunteer who opens it plays its buyer.
CREATE TABLE rehearsal_links (
    code         TEXT PRIMARY KEY,
    buyer_id     INTEGER NOT NULL UNIQUE REFERENCES buyers(id),
    staff_id     INTEGER REFERENCES staff(id),
    joined_at    TEXT
);

-- Rows written while acting on a rehearsal, so ending it removes them and nothing else.
ALTER TABLE outbox ADD COLUMN rehearsal_id INTEGER;
ALTER TABLE jobs ADD COLUMN rehearsal_id INTEGER;
ALTER TABLE audit_log ADD COLUMN rehearsal_id INTEGER;
ALTER TABLE dialogues ADD COLUMN rehearsal_id INTEGER;
CREATE INDEX outbox_rehearsal ON outbox (rehearsal_id) WHERE rehearsal_id IS NOT NULL;
CREATE INDEX jobs_rehearsal ON jobs (rehearsal_id) WHERE rehearsal_id IS NOT NULL;
CREATE INDEX audit_log_rehearsal ON audit_log (rehearsal_id) WHERE rehearsal_id IS NOT NULL;
