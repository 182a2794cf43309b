-- /summary reads running tallies instead of counting rows (issue 10: under 100 ms with 100,000
-- units and 500,000 defects). Triggers keep them true on every write, whichever code path
-- makes it, so no service has to remember them:
--   unit_tallies      one row per unit: how many of each counted thing the unit has;
--   building_tallies  one row per building: sums of those, and how many units have at least one;
--   defect_*_tallies  unresolved defects per building and UTC day recorded, and defects awaiting
--                     engineering per building and UTC due day — the time-dependent counts
--                     (ageing bands, overdue) add up whole days from these and count only the
--                     boundary day's rows exactly.
-- What counts is the KPI definitions of domain/kpi.rs; store/kpi.rs has a recount by scanning
-- that the tests compare against.

-- A report that an engineer's queue ever had open (so a merged report, closed without ever being
-- open, is not a recorded defect).
ALTER TABLE defects ADD COLUMN opened INTEGER NOT NULL DEFAULT 0;
UPDATE defects SET opened = 1
 WHERE EXISTS (SELECT 1 FROM defect_events e WHERE e.defect_id = defects.id AND e.to_status = 'open');

CREATE TABLE unit_tallies (
    unit_id             INTEGER PRIMARY KEY REFERENCES units(id),
    building_id         INTEGER NOT NULL REFERENCES buildings(id),
    buyers              INTEGER NOT NULL DEFAULT 0,
    unreachable         INTEGER NOT NULL DEFAULT 0,
    invitations         INTEGER NOT NULL DEFAULT 0, -- inspection appointments
    confirmations       INTEGER NOT NULL DEFAULT 0, -- ... confirmed or checked in
    visits              INTEGER NOT NULL DEFAULT 0, -- ... checked in
    handovers           INTEGER NOT NULL DEFAULT 0, -- confirmed handovers
    inspections         INTEGER NOT NULL DEFAULT 0, -- finished walk-throughs
    defects             INTEGER NOT NULL DEFAULT 0, -- recorded defects
    leaks               INTEGER NOT NULL DEFAULT 0, -- recorded leakage defects
    unresolved          INTEGER NOT NULL DEFAULT 0,
    surveys             INTEGER NOT NULL DEFAULT 0, -- answered satisfaction surveys
    score_sum           INTEGER NOT NULL DEFAULT 0,
    complaints          INTEGER NOT NULL DEFAULT 0,
    complaints_waiting  INTEGER NOT NULL DEFAULT 0  -- not acknowledged yet
);
CREATE INDEX unit_tallies_building ON unit_tallies (building_id);

CREATE TABLE building_tallies (
    building_id         INTEGER PRIMARY KEY REFERENCES buildings(id),
    units               INTEGER NOT NULL DEFAULT 0,
    buyers              INTEGER NOT NULL DEFAULT 0,
    unreachable         INTEGER NOT NULL DEFAULT 0,
    invited             INTEGER NOT NULL DEFAULT 0, -- units with an invitation
    confirmed           INTEGER NOT NULL DEFAULT 0, -- units with a confirmed one
    visited             INTEGER NOT NULL DEFAULT 0, -- units visited
    handed_over         INTEGER NOT NULL DEFAULT 0, -- units handed over
    inspected           INTEGER NOT NULL DEFAULT 0, -- units inspected
    defects             INTEGER NOT NULL DEFAULT 0,
    leaking             INTEGER NOT NULL DEFAULT 0, -- units with a recorded leak
    unresolved          INTEGER NOT NULL DEFAULT 0,
    surveys             INTEGER NOT NULL DEFAULT 0,
    score_sum           INTEGER NOT NULL DEFAULT 0,
    complaints          INTEGER NOT NULL DEFAULT 0,
    complaints_waiting  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE defect_created_tallies (
    building_id  INTEGER NOT NULL REFERENCES buildings(id),
    day          TEXT NOT NULL, -- UTC date the defect was recorded
    unresolved   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (building_id, day)
);

CREATE TABLE defect_due_tallies (
    building_id  INTEGER NOT NULL REFERENCES buildings(id),
    day          TEXT NOT NULL, -- UTC date the fix is due
    awaiting     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (building_id, day)
);

-- For the boundary day's exact counts (covering: the scope check needs the unit, not the row).
CREATE INDEX defects_unresolved_created ON defects (created_at, unit_id)
    WHERE status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened');
DROP INDEX defects_due;
CREATE INDEX defects_due ON defects (due_at, unit_id) WHERE status IN ('open', 'assigned', 'in_progress', 'reopened');

-- The counts of what is already there.
INSERT INTO building_tallies (building_id) SELECT id FROM buildings;
INSERT INTO unit_tallies (unit_id, building_id) SELECT id, building_id FROM units;
UPDATE unit_tallies SET
    buyers = (SELECT COUNT(*) FROM buyers b WHERE b.unit_id = unit_tallies.unit_id),
    unreachable = (SELECT COUNT(*) FROM buyers b WHERE b.unit_id = unit_tallies.unit_id AND b.unreachable <> 0),
    invitations = (SELECT COUNT(*) FROM appointments a WHERE a.unit_id = unit_tallies.unit_id AND a.kind = 'inspection'),
    confirmations = (SELECT COUNT(*) FROM appointments a WHERE a.unit_id = unit_tallies.unit_id AND a.kind = 'inspection'
                     AND (a.confirmed_at IS NOT NULL OR a.checked_in_at IS NOT NULL)),
    visits = (SELECT COUNT(*) FROM appointments a WHERE a.unit_id = unit_tallies.unit_id AND a.kind = 'inspection'
              AND a.checked_in_at IS NOT NULL),
    handovers = (SELECT COUNT(*) FROM handovers h WHERE h.unit_id = unit_tallies.unit_id AND h.status = 'confirmed'),
    inspections = (SELECT COUNT(*) FROM inspections i WHERE i.unit_id = unit_tallies.unit_id AND i.finished_at IS NOT NULL),
    defects = (SELECT COUNT(*) FROM defects d WHERE d.unit_id = unit_tallies.unit_id
               AND d.status NOT IN ('recorded', 'reported', 'rejected') AND (d.inspection_id IS NOT NULL OR d.opened <> 0)),
    leaks = (SELECT COUNT(*) FROM defects d WHERE d.unit_id = unit_tallies.unit_id AND d.category = 'leakage'
             AND d.status NOT IN ('recorded', 'reported', 'rejected') AND (d.inspection_id IS NOT NULL OR d.opened <> 0)),
    unresolved = (SELECT COUNT(*) FROM defects d WHERE d.unit_id = unit_tallies.unit_id
                  AND d.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened')),
    surveys = (SELECT COUNT(*) FROM follow_ups f WHERE f.unit_id = unit_tallies.unit_id AND f.kind = 'survey' AND f.score IS NOT NULL),
    score_sum = (SELECT COALESCE(SUM(f.score), 0) FROM follow_ups f WHERE f.unit_id = unit_tallies.unit_id AND f.kind = 'survey'),
    complaints = (SELECT COUNT(*) FROM complaints c WHERE c.unit_id = unit_tallies.unit_id),
    complaints_waiting = (SELECT COUNT(*) FROM complaints c WHERE c.unit_id = unit_tallies.unit_id AND c.acknowledged_at IS NULL);
UPDATE building_tallies SET
    units = (SELECT COUNT(*) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    buyers = (SELECT COALESCE(SUM(t.buyers), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    unreachable = (SELECT COALESCE(SUM(t.unreachable), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    invited = (SELECT COUNT(*) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id AND t.invitations > 0),
    confirmed = (SELECT COUNT(*) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id AND t.confirmations > 0),
    visited = (SELECT COUNT(*) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id AND t.visits > 0),
    handed_over = (SELECT COUNT(*) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id AND t.handovers > 0),
    inspected = (SELECT COUNT(*) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id AND t.inspections > 0),
    defects = (SELECT COALESCE(SUM(t.defects), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    leaking = (SELECT COUNT(*) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id AND t.leaks > 0),
    unresolved = (SELECT COALESCE(SUM(t.unresolved), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    surveys = (SELECT COALESCE(SUM(t.surveys), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    score_sum = (SELECT COALESCE(SUM(t.score_sum), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    complaints = (SELECT COALESCE(SUM(t.complaints), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id),
    complaints_waiting = (SELECT COALESCE(SUM(t.complaints_waiting), 0) FROM unit_tallies t WHERE t.building_id = building_tallies.building_id);
INSERT INTO defect_created_tallies (building_id, day, unresolved)
SELECT u.building_id, substr(d.created_at, 1, 10), COUNT(*) FROM defects d JOIN units u ON u.id = d.unit_id
 WHERE d.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened')
 GROUP BY u.building_id, substr(d.created_at, 1, 10);
INSERT INTO defect_due_tallies (building_id, day, awaiting)
SELECT u.building_id, substr(d.due_at, 1, 10), COUNT(*) FROM defects d JOIN units u ON u.id = d.unit_id
 WHERE d.status IN ('open', 'assigned', 'in_progress', 'reopened') AND d.due_at IS NOT NULL
 GROUP BY u.building_id, substr(d.due_at, 1, 10);

-- Buildings and units start their rows.
CREATE TRIGGER buildings_tally AFTER INSERT ON buildings BEGIN
    INSERT INTO building_tallies (building_id) VALUES (NEW.id);
END;
CREATE TRIGGER units_tally AFTER INSERT ON units BEGIN
    INSERT INTO unit_tallies (unit_id, building_id) VALUES (NEW.id, NEW.building_id);
    UPDATE building_tallies SET units = units + 1 WHERE building_id = NEW.building_id;
END;

-- A unit's change rolls up into its building: sums move by the difference, "units with" by
-- whether the unit crossed zero.
CREATE TRIGGER unit_tallies_roll_up AFTER UPDATE ON unit_tallies BEGIN
    UPDATE building_tallies SET
        buyers = buyers + NEW.buyers - OLD.buyers,
        unreachable = unreachable + NEW.unreachable - OLD.unreachable,
        invited = invited + (NEW.invitations > 0) - (OLD.invitations > 0),
        confirmed = confirmed + (NEW.confirmations > 0) - (OLD.confirmations > 0),
        visited = visited + (NEW.visits > 0) - (OLD.visits > 0),
        handed_over = handed_over + (NEW.handovers > 0) - (OLD.handovers > 0),
        inspected = inspected + (NEW.inspections > 0) - (OLD.inspections > 0),
        defects = defects + NEW.defects - OLD.defects,
        leaking = leaking + (NEW.leaks > 0) - (OLD.leaks > 0),
        unresolved = unresolved + NEW.unresolved - OLD.unresolved,
        surveys = surveys + NEW.surveys - OLD.surveys,
        score_sum = score_sum + NEW.score_sum - OLD.score_sum,
        complaints = complaints + NEW.complaints - OLD.complaints,
        complaints_waiting = complaints_waiting + NEW.complaints_waiting - OLD.complaints_waiting
    WHERE building_id = NEW.building_id;
END;

-- Buyers.
CREATE TRIGGER buyers_tally_insert AFTER INSERT ON buyers BEGIN
    UPDATE unit_tallies SET buyers = buyers + 1, unreachable = unreachable + (NEW.unreachable <> 0)
     WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER buyers_tally_update AFTER UPDATE OF unit_id, unreachable ON buyers BEGIN
    UPDATE unit_tallies SET buyers = buyers - 1, unreachable = unreachable - (OLD.unreachable <> 0)
     WHERE unit_id = OLD.unit_id;
    UPDATE unit_tallies SET buyers = buyers + 1, unreachable = unreachable + (NEW.unreachable <> 0)
     WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER buyers_tally_delete AFTER DELETE ON buyers BEGIN
    UPDATE unit_tallies SET buyers = buyers - 1, unreachable = unreachable - (OLD.unreachable <> 0)
     WHERE unit_id = OLD.unit_id;
END;

-- Inspection appointments.
CREATE TRIGGER appointments_tally_insert AFTER INSERT ON appointments WHEN NEW.kind = 'inspection' BEGIN
    UPDATE unit_tallies SET invitations = invitations + 1,
        confirmations = confirmations + (NEW.confirmed_at IS NOT NULL OR NEW.checked_in_at IS NOT NULL),
        visits = visits + (NEW.checked_in_at IS NOT NULL)
     WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER appointments_tally_update AFTER UPDATE OF unit_id, kind, confirmed_at, checked_in_at ON appointments BEGIN
    UPDATE unit_tallies SET invitations = invitations - 1,
        confirmations = confirmations - (OLD.confirmed_at IS NOT NULL OR OLD.checked_in_at IS NOT NULL),
        visits = visits - (OLD.checked_in_at IS NOT NULL)
     WHERE unit_id = OLD.unit_id AND OLD.kind = 'inspection';
    UPDATE unit_tallies SET invitations = invitations + 1,
        confirmations = confirmations + (NEW.confirmed_at IS NOT NULL OR NEW.checked_in_at IS NOT NULL),
        visits = visits + (NEW.checked_in_at IS NOT NULL)
     WHERE unit_id = NEW.unit_id AND NEW.kind = 'inspection';
END;
CREATE TRIGGER appointments_tally_delete AFTER DELETE ON appointments WHEN OLD.kind = 'inspection' BEGIN
    UPDATE unit_tallies SET invitations = invitations - 1,
        confirmations = confirmations - (OLD.confirmed_at IS NOT NULL OR OLD.checked_in_at IS NOT NULL),
        visits = visits - (OLD.checked_in_at IS NOT NULL)
     WHERE unit_id = OLD.unit_id;
END;

-- Confirmed handovers.
CREATE TRIGGER handovers_tally_insert AFTER INSERT ON handovers BEGIN
    UPDATE unit_tallies SET handovers = handovers + (NEW.status = 'confirmed') WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER handovers_tally_update AFTER UPDATE OF unit_id, status ON handovers BEGIN
    UPDATE unit_tallies SET handovers = handovers - (OLD.status = 'confirmed') WHERE unit_id = OLD.unit_id;
    UPDATE unit_tallies SET handovers = handovers + (NEW.status = 'confirmed') WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER handovers_tally_delete AFTER DELETE ON handovers BEGIN
    UPDATE unit_tallies SET handovers = handovers - (OLD.status = 'confirmed') WHERE unit_id = OLD.unit_id;
END;

-- Finished walk-throughs.
CREATE TRIGGER inspections_tally_insert AFTER INSERT ON inspections BEGIN
    UPDATE unit_tallies SET inspections = inspections + (NEW.finished_at IS NOT NULL) WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER inspections_tally_update AFTER UPDATE OF unit_id, finished_at ON inspections BEGIN
    UPDATE unit_tallies SET inspections = inspections - (OLD.finished_at IS NOT NULL) WHERE unit_id = OLD.unit_id;
    UPDATE unit_tallies SET inspections = inspections + (NEW.finished_at IS NOT NULL) WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER inspections_tally_delete AFTER DELETE ON inspections BEGIN
    UPDATE unit_tallies SET inspections = inspections - (OLD.finished_at IS NOT NULL) WHERE unit_id = OLD.unit_id;
END;

-- Answered surveys.
CREATE TRIGGER follow_ups_tally_insert AFTER INSERT ON follow_ups WHEN NEW.kind = 'survey' AND NEW.score IS NOT NULL BEGIN
    UPDATE unit_tallies SET surveys = surveys + 1, score_sum = score_sum + NEW.score WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER follow_ups_tally_update AFTER UPDATE OF unit_id, kind, score ON follow_ups BEGIN
    UPDATE unit_tallies SET surveys = surveys - 1, score_sum = score_sum - OLD.score
     WHERE unit_id = OLD.unit_id AND OLD.kind = 'survey' AND OLD.score IS NOT NULL;
    UPDATE unit_tallies SET surveys = surveys + 1, score_sum = score_sum + NEW.score
     WHERE unit_id = NEW.unit_id AND NEW.kind = 'survey' AND NEW.score IS NOT NULL;
END;
CREATE TRIGGER follow_ups_tally_delete AFTER DELETE ON follow_ups WHEN OLD.kind = 'survey' AND OLD.score IS NOT NULL BEGIN
    UPDATE unit_tallies SET surveys = surveys - 1, score_sum = score_sum - OLD.score WHERE unit_id = OLD.unit_id;
END;

-- Complaints, and those still waiting for an acknowledgement.
CREATE TRIGGER complaints_tally_insert AFTER INSERT ON complaints BEGIN
    UPDATE unit_tallies SET complaints = complaints + 1,
        complaints_waiting = complaints_waiting + (NEW.acknowledged_at IS NULL)
     WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER complaints_tally_update AFTER UPDATE OF unit_id, acknowledged_at ON complaints BEGIN
    UPDATE unit_tallies SET complaints = complaints - 1,
        complaints_waiting = complaints_waiting - (OLD.acknowledged_at IS NULL)
     WHERE unit_id = OLD.unit_id;
    UPDATE unit_tallies SET complaints = complaints + 1,
        complaints_waiting = complaints_waiting + (NEW.acknowledged_at IS NULL)
     WHERE unit_id = NEW.unit_id;
END;
CREATE TRIGGER complaints_tally_delete AFTER DELETE ON complaints BEGIN
    UPDATE unit_tallies SET complaints = complaints - 1,
        complaints_waiting = complaints_waiting - (OLD.acknowledged_at IS NULL)
     WHERE unit_id = OLD.unit_id;
END;

-- Defects: recorded, leaks and unresolved per unit; unresolved by day recorded and awaiting
-- engineering by due day per building. An update takes the old row's share out and puts the new
-- row's in.
CREATE TRIGGER defect_events_opened AFTER INSERT ON defect_events WHEN NEW.to_status = 'open' BEGIN
    UPDATE defects SET opened = 1 WHERE id = NEW.defect_id AND opened = 0;
END;
CREATE TRIGGER defects_tally_insert AFTER INSERT ON defects BEGIN
    UPDATE unit_tallies SET
        defects = defects + (NEW.status NOT IN ('recorded', 'reported', 'rejected')
                             AND (NEW.inspection_id IS NOT NULL OR NEW.opened <> 0)),
        leaks = leaks + (NEW.category = 'leakage' AND NEW.status NOT IN ('recorded', 'reported', 'rejected')
                         AND (NEW.inspection_id IS NOT NULL OR NEW.opened <> 0)),
        unresolved = unresolved + (NEW.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened'))
     WHERE unit_id = NEW.unit_id;
    INSERT INTO defect_created_tallies (building_id, day, unresolved)
    SELECT u.building_id, substr(NEW.created_at, 1, 10), 1 FROM units u
     WHERE u.id = NEW.unit_id AND NEW.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened')
    ON CONFLICT (building_id, day) DO UPDATE SET unresolved = unresolved + 1;
    INSERT INTO defect_due_tallies (building_id, day, awaiting)
    SELECT u.building_id, substr(NEW.due_at, 1, 10), 1 FROM units u
     WHERE u.id = NEW.unit_id AND NEW.due_at IS NOT NULL
       AND NEW.status IN ('open', 'assigned', 'in_progress', 'reopened')
    ON CONFLICT (building_id, day) DO UPDATE SET awaiting = awaiting + 1;
END;
CREATE TRIGGER defects_tally_update
AFTER UPDATE OF unit_id, status, category, inspection_id, opened, created_at, due_at ON defects BEGIN
    UPDATE unit_tallies SET
        defects = defects - (OLD.status NOT IN ('recorded', 'reported', 'rejected')
                             AND (OLD.inspection_id IS NOT NULL OR OLD.opened <> 0)),
        leaks = leaks - (OLD.category = 'leakage' AND OLD.status NOT IN ('recorded', 'reported', 'rejected')
                         AND (OLD.inspection_id IS NOT NULL OR OLD.opened <> 0)),
        unresolved = unresolved - (OLD.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened'))
     WHERE unit_id = OLD.unit_id;
    UPDATE unit_tallies SET
        defects = defects + (NEW.status NOT IN ('recorded', 'reported', 'rejected')
                             AND (NEW.inspection_id IS NOT NULL OR NEW.opened <> 0)),
        leaks = leaks + (NEW.category = 'leakage' AND NEW.status NOT IN ('recorded', 'reported', 'rejected')
                         AND (NEW.inspection_id IS NOT NULL OR NEW.opened <> 0)),
        unresolved = unresolved + (NEW.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened'))
     WHERE unit_id = NEW.unit_id;
    UPDATE defect_created_tallies SET unresolved = unresolved - 1
     WHERE building_id = (SELECT building_id FROM units WHERE id = OLD.unit_id)
       AND day = substr(OLD.created_at, 1, 10)
       AND OLD.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened');
    INSERT INTO defect_created_tallies (building_id, day, unresolved)
    SELECT u.building_id, substr(NEW.created_at, 1, 10), 1 FROM units u
     WHERE u.id = NEW.unit_id AND NEW.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened')
    ON CONFLICT (building_id, day) DO UPDATE SET unresolved = unresolved + 1;
    UPDATE defect_due_tallies SET awaiting = awaiting - 1
     WHERE building_id = (SELECT building_id FROM units WHERE id = OLD.unit_id)
       AND day = substr(OLD.due_at, 1, 10)
       AND OLD.status IN ('open', 'assigned', 'in_progress', 'reopened');
    INSERT INTO defect_due_tallies (building_id, day, awaiting)
    SELECT u.building_id, substr(NEW.due_at, 1, 10), 1 FROM units u
     WHERE u.id = NEW.unit_id AND NEW.due_at IS NOT NULL
       AND NEW.status IN ('open', 'assigned', 'in_progress', 'reopened')
    ON CONFLICT (building_id, day) DO UPDATE SET awaiting = awaiting + 1;
END;
CREATE TRIGGER defects_tally_delete AFTER DELETE ON defects BEGIN
    UPDATE unit_tallies SET
        defects = defects - (OLD.status NOT IN ('recorded', 'reported', 'rejected')
                             AND (OLD.inspection_id IS NOT NULL OR OLD.opened <> 0)),
        leaks = leaks - (OLD.category = 'leakage' AND OLD.status NOT IN ('recorded', 'reported', 'rejected')
                         AND (OLD.inspection_id IS NOT NULL OR OLD.opened <> 0)),
        unresolved = unresolved - (OLD.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened'))
     WHERE unit_id = OLD.unit_id;
    UPDATE defect_created_tallies SET unresolved = unresolved - 1
     WHERE building_id = (SELECT building_id FROM units WHERE id = OLD.unit_id)
       AND day = substr(OLD.created_at, 1, 10)
       AND OLD.status IN ('open', 'assigned', 'in_progress', 'on_hold', 'fixed', 'reopened');
    UPDATE defect_due_tallies SET awaiting = awaiting - 1
     WHERE building_id = (SELECT building_id FROM units WHERE id = OLD.unit_id)
       AND day = substr(OLD.due_at, 1, 10)
       AND OLD.status IN ('open', 'assigned', 'in_progress', 'reopened');
END;

-- The covering indexes /summary scanned before the tallies: no reader left.
DROP INDEX defects_kpi;
DROP INDEX defects_leakage;
DROP INDEX appointments_kpi;
