-- +goose Up
-- Ledger imports (DESIGN §5.3): each upload is a job, so that its progress
-- can be followed while it runs and its outcome and error report outlive a
-- restart. Progress while running is kept in memory (an all-or-nothing
-- import holds the write transaction); the row is written when the job
-- starts and when it ends.
CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY,
    token       TEXT NOT NULL UNIQUE,                 -- in URLs: not guessable
    user_id     INTEGER NOT NULL REFERENCES users(id),
    file_name   TEXT NOT NULL,
    mode        TEXT NOT NULL,
    area_code   TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL CHECK (state IN ('running','done','failed')),
    bytes_total BIGINT NOT NULL DEFAULT 0,
    rows_read   INTEGER NOT NULL DEFAULT 0,
    result      TEXT,                                 -- ImportResult (JSON) when done
    problem     TEXT,                                 -- RFC 9457 problem (JSON) when failed
    report_path TEXT NOT NULL DEFAULT '',             -- error report (xlsx) when rows were invalid
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX import_jobs_user ON import_jobs (user_id, id);
CREATE INDEX import_jobs_state ON import_jobs (state, created_at);

-- +goose Down
DROP TABLE import_jobs;
