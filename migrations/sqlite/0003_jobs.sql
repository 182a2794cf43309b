-- Durable scheduled work (DESIGN §4 "scheduler"): one row per job, claimed atomically by workers.

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '{}',
    run_at        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled', 'dropped')),
    -- Claims so far (a claim counts whether the run ended or its worker died).
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    -- While running: the lease. A worker that dies lets it run out and the job is claimed again.
    locked_until  TEXT,
    -- At most one job per key, ever (a cancelled key may be scheduled again).
    unique_key    TEXT UNIQUE,
    -- Claimed at or after this time, the job is dropped instead of run (never sent late).
    expires_at    TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    finished_at   TEXT
);
-- "The earliest due pending jobs" and "the expired leases" are each one short index range scan,
-- however many rows wait behind them.
CREATE INDEX jobs_pending_run_at ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running_lease ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_failed ON jobs (updated_at) WHERE status = 'failed';

-- One row per configured recurring schedule: the latest occurrence materialised as a job, and
-- the definition it was materialised from (a changed definition starts the schedule afresh).
CREATE TABLE recurring_schedules (
    name             TEXT PRIMARY KEY,
    spec             TEXT NOT NULL,
    last_occurrence  TEXT,
    updated_at       TEXT NOT NULL
);
