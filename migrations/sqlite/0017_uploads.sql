-- Every photo, voice note or file a person sent that the bot downloaded, for the daily
-- per-person quotas (HANDOVER_UPLOADS_PER_DAY, HANDOVER_UPLOAD_BYTES_PER_DAY). A download
-- refused for its content counts too: it cost the download.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX uploads_person_at ON uploads (telegram_id, at);

-- A buyer's photo, voice note or file sent outside any flow and relayed to whoever looks after
-- their home: kept so "report this as a problem" can start a report with it, and so the same
-- message (Telegram delivering it again after a crash) is relayed once.
CREATE TABLE relayed_media (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    caption      TEXT NOT NULL,
    at           TEXT NOT NULL,
    UNIQUE (telegram_id, message_id)
);
