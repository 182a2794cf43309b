-- PostgreSQL twin of migrations/sqlite/0010_tallies.sql (read its header): running tallies for
-- /summary, kept true by triggers on every write.

ALTER TABLE defects ADD COLUMN opened INTEGER NOT NULL DEFAULT 0;
UPDATE defects SET opened = 1
 WHERE EXISTS (SELECT 1 FROM defect_events e WHERE e.defect_id = defects.id AND e.to_status = 'open');

CREATE TABLE unit_tallies (
    unit_id             BIGINT PRIMARY KEY REFERENCES units(id),
    building_id         BIGINT NOT NULL REFERENCES buildings(id),
    buyers              BIGINT NOT NULL DEFAULT 0,
    unreachable         BIGINT NOT NULL DEFAULT 0,
    invitations         BIGINT NOT NULL DEFAULT 0,
    confirmations       BIGINT NOT NULL DEFAULT 0,
    visits              BIGINT NOT NULL DEFAULT 0,
    handovers           BIGINT NOT NULL DEFAULT 0,
    inspections         BIGINT NOT NULL DEFAULT 0,
    defects             BIGINT NOT NULL DEFAULT 0,
    leaks               BIGINT NOT NULL DEFAULT 0,
    unresolved          BIGINT NOT NULL DEFAULT 0,
    surveys             BIGINT NOT NULL DEFAULT 0,
    score_sum           BIGINT NOT NULL DEFAULT 0,
    complaints          BIGINT NOT NULL DEFAULT 0,
    complaints_waiting  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX unit_tallies_building ON unit_tallies (building_id);

CREATE TABLE building_tallies (
    building_id         BIGINT PRIMARY KEY REFERENCES buildings(id),
    units               BIGINT NOT NULL DEFAULT 0,
    buyers              BIGINT NOT NULL DEFAULT 0,
    unreachable         BIGINT NOT NULL DEFAULT 0,
    invited             BIGINT NOT NULL DEFAULT 0,
    confirmed           BIGINT NOT NULL DEFAULT 0,
    visited             BIGINT NOT NULL DEFAULT 0,
    handed_over         BIGINT NOT NULL DEFAULT 0,
    inspected           BIGINT NOT NULL DEFAULT 0,
    defects             BIGINT NOT NULL DEFAULT 0,
    leaking             BIGINT NOT NULL DEFAULT 0,
    unresolved          BIGINT NOT NULL DEFAULT 0,
    surveys             BIGINT NOT NULL DEFAULT 0,
    score_sum           BIGINT NOT NULL DEFAULT 0,
    complaints          BIGINT NOT NULL DEFAULT 0,
    complaints_waiting  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE defect_created_tallies (
    building_id  BIGINT NOT NULL REFERENCES buildings(id),
    day          DATE NOT NULL,
    unresolved   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (building_id, day)
);

CREATE TABLE defect_due_tallies (
    building_id  BIGINT NOT NULL REFERENCES buildings(id),
    day          DATE NOT NULL,
    awaiting     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (building_id, day)
);

-- For the boundary day's exact counts (covering: the scope check needs the unit, not the row).
CREATE INDEX defects_unresolved_created ON defects (created_at, unit_id)
    WHERE status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened');
DROP INDEX defects_due;
CREATE INDEX defects_due ON defects (due_at, unit_id) WHERE status IN ('open', 'assigned', 'in_progress', 'reopened');

-- What counts (the same expressions as the SQLite triggers).
CREATE FUNCTION tally_recorded(status TEXT, inspection_id BIGINT, opened INTEGER) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status NOT IN ('recorded', 'reported', 'rejected')
                 AND (inspection_id IS NOT NULL OR opened <> 0) THEN 1 ELSE 0 END
$$;
CREATE FUNCTION tally_unresolved(status TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened')
                THEN 1 ELSE 0 END
$$;
CREATE FUNCTION tally_awaiting(status TEXT, due_at TIMESTAMPTZ) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN due_at IS NOT NULL AND status IN ('open', 'assigned', 'in_progress', 'reopened')
                THEN 1 ELSE 0 END
$$;

-- The counts of what is already there.
INSERT INTO building_tallies (building_id) SELECT id FROM buildings;
INSERT INTO unit_tallies (unit_id, building_id) SELECT id, building_id FROM units;
UPDATE unit_tallies t SET
    buyers = (SELECT COUNT(*) FROM buyers b WHERE b.unit_id = t.unit_id),
    unreachable = (SELECT COUNT(*) FROM buyers b WHERE b.unit_id = t.unit_id AND b.unreachable <> 0),
    invitations = (SELECT COUNT(*) FROM appointments a WHERE a.unit_id = t.unit_id AND a.kind = 'inspection'),
    confirmations = (SELECT COUNT(*) FROM appointments a WHERE a.unit_id = t.unit_id AND a.kind = 'inspection'
                     AND (a.confirmed_at IS NOT NULL OR a.checked_in_at IS NOT NULL)),
    visits = (SELECT COUNT(*) FROM appointments a WHERE a.unit_id = t.unit_id AND a.kind = 'inspection'
              AND a.checked_in_at IS NOT NULL),
    handovers = (SELECT COUNT(*) FROM handovers h WHERE h.unit_id = t.unit_id AND h.status = 'confirmed'),
    inspections = (SELECT COUNT(*) FROM inspections i WHERE i.unit_id = t.unit_id AND i.finished_at IS NOT NULL),
    defects = (SELECT COALESCE(SUM(tally_recorded(d.status, d.inspection_id, d.opened)), 0)
               FROM defects d WHERE d.unit_id = t.unit_id),
    leaks = (SELECT COALESCE(SUM(tally_recorded(d.status, d.inspection_id, d.opened)), 0)
             FROM defects d WHERE d.unit_id = t.unit_id AND d.category = 'leakage'),
    unresolved = (SELECT COALESCE(SUM(tally_unresolved(d.status)), 0) FROM defects d WHERE d.unit_id = t.unit_id),
    surveys = (SELECT COUNT(*) FROM follow_ups f WHERE f.unit_id = t.unit_id AND f.kind = 'survey' AND f.score IS NOT NULL),
    score_sum = (SELECT COALESCE(SUM(f.score), 0) FROM follow_ups f WHERE f.unit_id = t.unit_id AND f.kind = 'survey'),
    complaints = (SELECT COUNT(*) FROM complaints c WHERE c.unit_id = t.unit_id),
    complaints_waiting = (SELECT COUNT(*) FROM complaints c WHERE c.unit_id = t.unit_id AND c.acknowledged_at IS NULL);
UPDATE building_tallies b SET
    units = s.units, buyers = s.buyers, unreachable = s.unreachable, invited = s.invited,
    confirmed = s.confirmed, visited = s.visited, handed_over = s.handed_over, inspected = s.inspected,
    defects = s.defects, leaking = s.leaking, unresolved = s.unresolved, surveys = s.surveys,
    score_sum = s.score_sum, complaints = s.complaints, complaints_waiting = s.complaints_waiting
FROM (SELECT building_id, COUNT(*) AS units, SUM(buyers) AS buyers, SUM(unreachable) AS unreachable,
             COUNT(*) FILTER (WHERE invitations > 0) AS invited,
             COUNT(*) FILTER (WHERE confirmations > 0) AS confirmed,
             COUNT(*) FILTER (WHERE visits > 0) AS visited,
             COUNT(*) FILTER (WHERE handovers > 0) AS handed_over,
             COUNT(*) FILTER (WHERE inspections > 0) AS inspected,
             SUM(defects) AS defects, COUNT(*) FILTER (WHERE leaks > 0) AS leaking,
             SUM(unresolved) AS unresolved, SUM(surveys) AS surveys, SUM(score_sum) AS score_sum,
             SUM(complaints) AS complaints, SUM(complaints_waiting) AS complaints_waiting
        FROM unit_tallies GROUP BY building_id) s
WHERE b.building_id = s.building_id;
INSERT INTO defect_created_tallies (building_id, day, unresolved)
SELECT u.building_id, (d.created_at AT TIME ZONE 'UTC')::date, COUNT(*) FROM defects d JOIN units u ON u.id = d.unit_id
 WHERE tally_unresolved(d.status) = 1
 GROUP BY 1, 2;
INSERT INTO defect_due_tallies (building_id, day, awaiting)
SELECT u.building_id, (d.due_at AT TIME ZONE 'UTC')::date, COUNT(*) FROM defects d JOIN units u ON u.id = d.unit_id
 WHERE tally_awaiting(d.status, d.due_at) = 1
 GROUP BY 1, 2;

-- The triggers are statement-level, over the statement's transition tables: a bulk write (an
-- import, a migration, the benchmark's seed) moves each tally row once per statement instead of
-- once per row. (Row-level triggers would update a building's row thousands of times in one
-- transaction, and PostgreSQL walks every superseded version of it on each update.)

-- Buildings and units start their rows.
CREATE FUNCTION tally_new_buildings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO building_tallies (building_id) SELECT id FROM new_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER buildings_tally AFTER INSERT ON buildings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_new_buildings();

CREATE FUNCTION tally_new_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_tallies (unit_id, building_id) SELECT id, building_id FROM new_rows;
    UPDATE building_tallies b SET units = b.units + d.n
      FROM (SELECT building_id, COUNT(*) AS n FROM new_rows GROUP BY building_id) d
     WHERE b.building_id = d.building_id;
    RETURN NULL;
END $$;
CREATE TRIGGER units_tally AFTER INSERT ON units REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_new_units();

-- Units' changes roll up into their buildings: sums move by the difference, "units with" by
-- whether a unit crossed zero.
CREATE FUNCTION tally_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE building_tallies b SET
        buyers = b.buyers + d.buyers,
        unreachable = b.unreachable + d.unreachable,
        invited = b.invited + d.invited,
        confirmed = b.confirmed + d.confirmed,
        visited = b.visited + d.visited,
        handed_over = b.handed_over + d.handed_over,
        inspected = b.inspected + d.inspected,
        defects = b.defects + d.defects,
        leaking = b.leaking + d.leaking,
        unresolved = b.unresolved + d.unresolved,
        surveys = b.surveys + d.surveys,
        score_sum = b.score_sum + d.score_sum,
        complaints = b.complaints + d.complaints,
        complaints_waiting = b.complaints_waiting + d.complaints_waiting
    -- Each unit is once in old_rows and once in new_rows: the signed sum is the change.
    FROM (SELECT r.building_id,
                 SUM(r.sign * r.buyers) AS buyers,
                 SUM(r.sign * r.unreachable) AS unreachable,
                 SUM(r.sign * (r.invitations > 0)::int) AS invited,
                 SUM(r.sign * (r.confirmations > 0)::int) AS confirmed,
                 SUM(r.sign * (r.visits > 0)::int) AS visited,
                 SUM(r.sign * (r.handovers > 0)::int) AS handed_over,
                 SUM(r.sign * (r.inspections > 0)::int) AS inspected,
                 SUM(r.sign * r.defects) AS defects,
                 SUM(r.sign * (r.leaks > 0)::int) AS leaking,
                 SUM(r.sign * r.unresolved) AS unresolved,
                 SUM(r.sign * r.surveys) AS surveys,
                 SUM(r.sign * r.score_sum) AS score_sum,
                 SUM(r.sign * r.complaints) AS complaints,
                 SUM(r.sign * r.complaints_waiting) AS complaints_waiting
            FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows) r
           GROUP BY r.building_id) d
    WHERE b.building_id = d.building_id;
    RETURN NULL;
END $$;
CREATE TRIGGER unit_tallies_roll_up AFTER UPDATE ON unit_tallies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_roll_up();

-- The rows a statement changed, each with +1 (as it is now) or -1 (as it was), as SQL over the
-- transition tables the trigger has for its event.
CREATE FUNCTION tally_changed_rows(op TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE op
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END
$$;

-- A source table's share of unit_tallies. The trigger's arguments are pairs: a unit_tallies
-- column and the expression (over the changed row `r`) it counts.
CREATE FUNCTION tally_units() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sets TEXT := '';
    sums TEXT := '';
    moved TEXT := 'false';
    i INTEGER := 0;
BEGIN
    WHILE i < TG_NARGS LOOP
        sets := sets || format('%1$s = t.%1$s + d.%1$s, ', TG_ARGV[i]);
        sums := sums || format(', SUM(r.sign * (%s)) AS %s', TG_ARGV[i + 1], TG_ARGV[i]);
        moved := moved || format(' OR d.%s <> 0', TG_ARGV[i]);
        i := i + 2;
    END LOOP;
    EXECUTE format(
        'UPDATE unit_tallies t SET %s FROM (SELECT r.unit_id%s FROM (%s) r GROUP BY r.unit_id) d '
        'WHERE t.unit_id = d.unit_id AND (%s)',
        left(sets, -2), sums, tally_changed_rows(TG_OP), moved);
    RETURN NULL;
END $$;

CREATE TRIGGER buyers_tally_insert AFTER INSERT ON buyers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('buyers', '1', 'unreachable', '(r.unreachable <> 0)::int');
CREATE TRIGGER buyers_tally_update AFTER UPDATE ON buyers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('buyers', '1', 'unreachable', '(r.unreachable <> 0)::int');
CREATE TRIGGER buyers_tally_delete AFTER DELETE ON buyers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('buyers', '1', 'unreachable', '(r.unreachable <> 0)::int');

CREATE TRIGGER appointments_tally_insert AFTER INSERT ON appointments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'invitations', '(r.kind = ''inspection'')::int',
        'confirmations', '(r.kind = ''inspection'' AND (r.confirmed_at IS NOT NULL OR r.checked_in_at IS NOT NULL))::int',
        'visits', '(r.kind = ''inspection'' AND r.checked_in_at IS NOT NULL)::int');
CREATE TRIGGER appointments_tally_update AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'invitations', '(r.kind = ''inspection'')::int',
        'confirmations', '(r.kind = ''inspection'' AND (r.confirmed_at IS NOT NULL OR r.checked_in_at IS NOT NULL))::int',
        'visits', '(r.kind = ''inspection'' AND r.checked_in_at IS NOT NULL)::int');
CREATE TRIGGER appointments_tally_delete AFTER DELETE ON appointments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'invitations', '(r.kind = ''inspection'')::int',
        'confirmations', '(r.kind = ''inspection'' AND (r.confirmed_at IS NOT NULL OR r.checked_in_at IS NOT NULL))::int',
        'visits', '(r.kind = ''inspection'' AND r.checked_in_at IS NOT NULL)::int');

CREATE TRIGGER handovers_tally_insert AFTER INSERT ON handovers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('handovers', '(r.status = ''confirmed'')::int');
CREATE TRIGGER handovers_tally_update AFTER UPDATE ON handovers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('handovers', '(r.status = ''confirmed'')::int');
CREATE TRIGGER handovers_tally_delete AFTER DELETE ON handovers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('handovers', '(r.status = ''confirmed'')::int');

CREATE TRIGGER inspections_tally_insert AFTER INSERT ON inspections REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('inspections', '(r.finished_at IS NOT NULL)::int');
CREATE TRIGGER inspections_tally_update AFTER UPDATE ON inspections
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('inspections', '(r.finished_at IS NOT NULL)::int');
CREATE TRIGGER inspections_tally_delete AFTER DELETE ON inspections REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units('inspections', '(r.finished_at IS NOT NULL)::int');

CREATE TRIGGER follow_ups_tally_insert AFTER INSERT ON follow_ups REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'surveys', '(r.kind = ''survey'' AND r.score IS NOT NULL)::int',
        'score_sum', 'CASE WHEN r.kind = ''survey'' THEN COALESCE(r.score, 0) ELSE 0 END');
CREATE TRIGGER follow_ups_tally_update AFTER UPDATE ON follow_ups
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'surveys', '(r.kind = ''survey'' AND r.score IS NOT NULL)::int',
        'score_sum', 'CASE WHEN r.kind = ''survey'' THEN COALESCE(r.score, 0) ELSE 0 END');
CREATE TRIGGER follow_ups_tally_delete AFTER DELETE ON follow_ups REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'surveys', '(r.kind = ''survey'' AND r.score IS NOT NULL)::int',
        'score_sum', 'CASE WHEN r.kind = ''survey'' THEN COALESCE(r.score, 0) ELSE 0 END');

CREATE TRIGGER complaints_tally_insert AFTER INSERT ON complaints REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'complaints', '1', 'complaints_waiting', '(r.acknowledged_at IS NULL)::int');
CREATE TRIGGER complaints_tally_update AFTER UPDATE ON complaints
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'complaints', '1', 'complaints_waiting', '(r.acknowledged_at IS NULL)::int');
CREATE TRIGGER complaints_tally_delete AFTER DELETE ON complaints REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'complaints', '1', 'complaints_waiting', '(r.acknowledged_at IS NULL)::int');

-- Defects: recorded, leaks and unresolved per unit, and the per-day tallies per building.
CREATE TRIGGER defects_tally_insert AFTER INSERT ON defects REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'defects', 'tally_recorded(r.status, r.inspection_id, r.opened)',
        'leaks', 'CASE WHEN r.category = ''leakage'' THEN tally_recorded(r.status, r.inspection_id, r.opened) ELSE 0 END',
        'unresolved', 'tally_unresolved(r.status)');
CREATE TRIGGER defects_tally_update AFTER UPDATE ON defects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'defects', 'tally_recorded(r.status, r.inspection_id, r.opened)',
        'leaks', 'CASE WHEN r.category = ''leakage'' THEN tally_recorded(r.status, r.inspection_id, r.opened) ELSE 0 END',
        'unresolved', 'tally_unresolved(r.status)');
CREATE TRIGGER defects_tally_delete AFTER DELETE ON defects REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_units(
        'defects', 'tally_recorded(r.status, r.inspection_id, r.opened)',
        'leaks', 'CASE WHEN r.category = ''leakage'' THEN tally_recorded(r.status, r.inspection_id, r.opened) ELSE 0 END',
        'unresolved', 'tally_unresolved(r.status)');

CREATE FUNCTION tally_defect_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO defect_created_tallies (building_id, day, unresolved) '
        'SELECT u.building_id, (r.created_at AT TIME ZONE ''UTC'')::date, SUM(r.sign * tally_unresolved(r.status)) '
        'FROM (%s) r JOIN units u ON u.id = r.unit_id WHERE tally_unresolved(r.status) = 1 GROUP BY 1, 2 '
        'HAVING SUM(r.sign * tally_unresolved(r.status)) <> 0 '
        'ON CONFLICT (building_id, day) DO UPDATE SET unresolved = defect_created_tallies.unresolved + EXCLUDED.unresolved',
        tally_changed_rows(TG_OP));
    EXECUTE format(
        'INSERT INTO defect_due_tallies (building_id, day, awaiting) '
        'SELECT u.building_id, (r.due_at AT TIME ZONE ''UTC'')::date, SUM(r.sign * tally_awaiting(r.status, r.due_at)) '
        'FROM (%s) r JOIN units u ON u.id = r.unit_id WHERE tally_awaiting(r.status, r.due_at) = 1 GROUP BY 1, 2 '
        'HAVING SUM(r.sign * tally_awaiting(r.status, r.due_at)) <> 0 '
        'ON CONFLICT (building_id, day) DO UPDATE SET awaiting = defect_due_tallies.awaiting + EXCLUDED.awaiting',
        tally_changed_rows(TG_OP));
    RETURN NULL;
END $$;
CREATE TRIGGER defects_days_insert AFTER INSERT ON defects REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_defect_days();
CREATE TRIGGER defects_days_update AFTER UPDATE ON defects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_defect_days();
CREATE TRIGGER defects_days_delete AFTER DELETE ON defects REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_defect_days();

-- A report an engineer's queue had open at some point.
CREATE FUNCTION tally_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE defects SET opened = 1
     WHERE opened = 0 AND id IN (SELECT defect_id FROM new_rows WHERE to_status = 'open');
    RETURN NULL;
END $$;
CREATE TRIGGER defect_events_opened AFTER INSERT ON defect_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tally_opened();

DROP INDEX defects_kpi;
DROP INDEX defects_leakage;
DROP INDEX appointments_kpi;
