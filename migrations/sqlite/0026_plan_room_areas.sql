-- Room areas on floor plans: where each room is on a unit type's plan, a polygon whose corners
-- are normalised (0–1) like pins, drawn once per type by a supervisor on the plan page. The
-- page placing an item's pin highlights the areas of its room. A type may have several areas of
-- one room (two bedrooms). Kept by type, not by plan version: a plan uploaded again keeps them.

CREATE TABLE plan_room_areas (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    unit_type   TEXT NOT NULL,
    room        TEXT NOT NULL,
    -- JSON: [{"x": 0.1, "y": 0.2}, …] in the plan's own orientation.
    corners     TEXT NOT NULL,
    drawn_by    TEXT NOT NULL,
    drawn_at    TEXT NOT NULL
);
CREATE INDEX plan_room_areas_of_type ON plan_room_areas (project_id, unit_type);
