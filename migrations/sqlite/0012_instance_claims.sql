-- Which instance holds a claim, so an instance restarting takes its own claims back at once
-- (only another instance's claims wait out their lease), and inbox updates claimed like the
-- outbox: every instance replays updates whose handler's lease ran out, while it runs.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE update_inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE update_inbox ADD COLUMN claimed_until TEXT;
CREATE INDEX update_inbox_claimed_until ON update_inbox (claimed_until);

-- One chat's updates are handled one at a time across instances: the instance handling one
-- holds its chat's turn until it is done (or its lease runs out, after a crash).
CREATE TABLE chat_turns (
    chat_id  INTEGER PRIMARY KEY,
    holder   TEXT NOT NULL,
    held_until    TEXT NOT NULL
);
