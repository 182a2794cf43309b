-- A message that answers what its chat's person just did (a booking's confirmation) is sent
-- ahead of bulk messages queued before it (a thousand invitations); each chat's messages still
-- go in the order they were queued.
-- (PostgreSQL twin of migrations/sqlite/0027_outbox_answering.sql.)
ALTER TABLE outbox ADD COLUMN answering BIGINT NOT NULL DEFAULT 0;
CREATE INDEX outbox_answering ON outbox (id) WHERE answering = 1 AND status = 'pending';
