-- The due date the defect's engineer was last told it is due today, so each deadline is in one
-- "due today" list only, however often the sweep runs and however the day's set changes.
ALTER TABLE defects ADD COLUMN reminded_due TIMESTAMPTZ;
