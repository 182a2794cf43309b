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
