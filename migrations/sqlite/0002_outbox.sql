-- Messages to send that are not the immediate reply to the person who just wrote: written in
-- the same transaction as the change that caused them, sent by the notifier.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    dedupe_key       TEXT NOT NULL UNIQUE,
    content          TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    locked_until     TEXT,
    message_id       INTEGER,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_open_per_chat ON outbox (chat_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_failed ON outbox (id) WHERE status = 'failed';

-- Telegram refused every message to them (blocked the bot, never started it).
ALTER TABLE staff ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;

-- Updates already handled, so a restart that re-delivers them does not handle them again.
CREATE TABLE processed_updates (
    update_id  INTEGER PRIMARY KEY,
    at         TEXT NOT NULL
);
