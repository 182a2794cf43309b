-- The targets a project signs (seed step 2): rates as fractions, defects per household and
-- satisfaction as plain numbers; NULL where none was set.
-- (PostgreSQL twin of migrations/sqlite/0009_targets.sql.)

CREATE TABLE targets (
    project_id             BIGINT PRIMARY KEY REFERENCES projects(id),
    visit_rate             DOUBLE PRECISION,
    handover_rate          DOUBLE PRECISION,
    defects_per_household  DOUBLE PRECISION,
    leakage_rate           DOUBLE PRECISION,
    satisfaction           DOUBLE PRECISION,
    updated_at             TIMESTAMPTZ NOT NULL
);

-- /summary counts per scope from indexes alone (covering), without reading table rows.
CREATE INDEX defects_kpi ON defects (status, category, inspection_id, due_at, created_at, unit_id);
CREATE INDEX defects_leakage ON defects (category, unit_id, status, inspection_id);
CREATE INDEX appointments_kpi ON appointments (kind, unit_id, confirmed_at, checked_in_at);
CREATE INDEX handovers_status_unit ON handovers (status, unit_id);
CREATE INDEX follow_ups_unit ON follow_ups (unit_id, kind);
CREATE INDEX complaints_unit ON complaints (unit_id);
