-- The handover record as received (交房确认书): when a buyer receives the home, what the record
-- says is written down once, as JSON, with its SHA-256; the PDFs made from it (one per
-- language asked for) are kept in the media store, so a copy is sent again unchanged and a
-- printed one can be checked against this row. A record redone before the buyer received it
-- names the one it replaces.
ALTER TABLE handovers ADD COLUMN replaces INTEGER REFERENCES handovers(id);

CREATE TABLE handover_records (
    handover_id  INTEGER PRIMARY KEY REFERENCES handovers(id),
    data         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE handover_record_files (
    handover_id  INTEGER NOT NULL REFERENCES handover_records(handover_id),
    lang         TEXT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES media(sha256),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (handover_id, lang)
);
