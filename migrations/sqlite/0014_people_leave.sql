-- People leave a campaign: staff marked as left (by a staff file's status column or
-- /deactivate), and Telegram accounts whose access ended (a departed staff member, a buyer whose
-- phone on file was corrected). Such an account is told so on every message until it links
-- again by a phone or invite that is still valid.
ALTER TABLE staff ADD COLUMN left_at TEXT;

CREATE TABLE ended_accounts (
    telegram_id  INTEGER PRIMARY KEY,
    ended_at     TEXT NOT NULL,
    reason       TEXT NOT NULL
);
