-- Signatures on a handover record, drawn in the Mini App: the ambassador's before the record
-- goes to the buyers, a buyer's to receive the home. The image is a PNG in the media store,
-- drawn by the server from the strokes (kept too, as JSON of [[x, y], …] per stroke, 0–1).
-- A record and its signatures are never changed; a correction is a new record.
CREATE TABLE handover_signatures (
    id           INTEGER PRIMARY KEY,
    handover_id  INTEGER NOT NULL REFERENCES handovers(id),
    signer       TEXT NOT NULL CHECK (signer IN ('ambassador', 'buyer')),
    -- staff.id for the ambassador, buyers.id for a buyer
    signer_id    INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES media(sha256),
    strokes      TEXT NOT NULL,
    -- When Telegram signed the page's login (initData's auth_date), and when the signature came.
    auth_date    TEXT NOT NULL,
    signed_at    TEXT NOT NULL,
    UNIQUE (handover_id, signer)
);
