-- The delivery-ambassador system (交付大使): which ambassador looks after which home, notes on
-- buyers, who is away, and whether an ambassador lets buyers see their phone number.

-- One ambassador per unit (household). While the ambassador is away a backup covers:
-- staff_id is then the backup and home_staff_id the ambassador the unit goes back to.
CREATE TABLE assignments (
    unit_id        INTEGER PRIMARY KEY REFERENCES units(id),
    staff_id       INTEGER NOT NULL REFERENCES staff(id),
    home_staff_id  INTEGER REFERENCES staff(id),
    assigned_at    TEXT NOT NULL
);
CREATE INDEX assignments_staff ON assignments (staff_id);
CREATE INDEX assignments_home ON assignments (home_staff_id);

CREATE TABLE buyer_notes (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    note        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX buyer_notes_unit ON buyer_notes (unit_id);

-- Away from away_since (until away_until, when known); NULL: at work.
ALTER TABLE staff ADD COLUMN away_since TEXT;
ALTER TABLE staff ADD COLUMN share_phone INTEGER NOT NULL DEFAULT 0;
-- The ambassador this buyer was last introduced to, so each change is announced once.
ALTER TABLE buyers ADD COLUMN introduced_staff_id INTEGER REFERENCES staff(id);
