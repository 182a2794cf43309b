-- Floor plans (户型图): one image per project and unit type, kept in the media store. A new upload
-- of a type is a new version; pins are kept normalised (0–1), so they stay where they were.
-- PostgreSQL twin of the SQLite migration of the same name.

CREATE TABLE floor_plans (
    project_id   BIGINT NOT NULL REFERENCES projects(id),
    unit_type    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    -- The image in the media store.
    sha256       TEXT NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, unit_type, version)
);
