-- Updates received and not yet handled. Telegram forgets an update once the next poll confirms
-- it, which happens while earlier updates are still queued or being handled; a crash then would
-- lose them. Each update is written here before that confirmation and removed when handled, so
-- a restart handles what the crash interrupted.
CREATE TABLE update_inbox (
    update_id    BIGINT PRIMARY KEY,
    payload      TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL
);
