-- The update whose handling stored a chat's conversation step. An instance that goes down after
-- storing the step and before answering leaves the update to be handled again; finding its own
-- step already taken, the handler asks that step's question again instead of calling the press
-- stale, so the person is never left without the question they are at.
-- (PostgreSQL twin of migrations/sqlite/0028_dialogue_update.sql.)
ALTER TABLE dialogues ADD COLUMN update_id BIGINT;
