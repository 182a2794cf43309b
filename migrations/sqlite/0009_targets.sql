-- The targets a project signs (seed step 2): rates as fractions, defects per household and
-- satisfaction as plain numbers; NULL where none was set.

CREATE TABLE targets (
    project_id             INTEGER PRIMARY KEY REFERENCES projects(id),
    visit_rate             REAL,
    handover_rate          REAL,
    defects_per_household  REAL,
    leakage_rate           REAL,
    satisfaction           REAL,
    updated_at             TEXT NOT NULL
);

-- /summary counts per scope without reading rows: these back the aggregate queries.
CREATE INDEX defects_status_unit ON defects (status, unit_id);
CREATE INDEX appointments_unit_kind ON appointments (unit_id, kind);
CREATE INDEX handovers_status_unit ON handovers (status, unit_id);
CREATE INDEX follow_ups_unit ON follow_ups (unit_id, kind);
CREATE INDEX complaints_unit ON complaints (unit_id);
