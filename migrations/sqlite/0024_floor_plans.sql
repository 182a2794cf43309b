-- Floor plans (户型图): one image per project and unit type, kept in the media store. A new upload
-- of a type is a new version; pins are kept normalised (0–1), so they stay where they were.

CREATE TABLE floor_plans (
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    unit_type    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    -- The image in the media store.
    sha256       TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    PRIMARY KEY (project_id, unit_type, version)
);
