-- +goose Up
-- Replicas share a PostgreSQL database: a running import says it is alive
-- (heartbeat_at, with its progress so far) so that another replica can
-- follow its progress and, when the beats stop, tell it was interrupted.
ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN bytes_read BIGINT NOT NULL DEFAULT 0;
UPDATE import_jobs SET heartbeat_at = created_at;
CREATE INDEX import_jobs_running ON import_jobs (heartbeat_at) WHERE state = 'running';

-- +goose Down
DROP INDEX import_jobs_running;
ALTER TABLE import_jobs DROP COLUMN bytes_read;
ALTER TABLE import_jobs DROP COLUMN heartbeat_at;
