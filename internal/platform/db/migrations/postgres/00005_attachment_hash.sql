-- +goose Up
-- Finding an attachment by its content: a retried upload of the same file to
-- the same case returns the first one, and the sweeper checks whether a
-- stored file is still referenced.
CREATE INDEX attachments_case_sha ON attachments (case_id, sha256);
CREATE INDEX attachments_sha ON attachments (sha256);

-- +goose Down
DROP INDEX attachments_sha;
DROP INDEX attachments_case_sha;
