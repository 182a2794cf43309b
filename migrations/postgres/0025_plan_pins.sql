-- Defects on the floor plan: each item's place on its home's plan, normalised (0–1, x to the
-- right, y down) in the plan's own orientation, so a plan uploaded again at another size keeps
-- every pin. A mirrored home (镜像 / 反户型) shows its type's plan flipped left-right.
-- PostgreSQL twin of the SQLite migration of the same name.

ALTER TABLE defects ADD COLUMN pin_x DOUBLE PRECISION;
ALTER TABLE defects ADD COLUMN pin_y DOUBLE PRECISION;
ALTER TABLE units ADD COLUMN plan_mirrored BOOLEAN NOT NULL DEFAULT FALSE;
