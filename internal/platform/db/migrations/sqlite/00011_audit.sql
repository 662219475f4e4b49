-- +goose Up
-- The audit chain keyed and anchored (issue 12): entries name the source
-- address and the hash scheme (0: the old unkeyed SHA-256 chain, 1: HMAC
-- under the audit key, which also covers the id and the address). Ids are
-- given by the writer so the hash can cover them. audit_head is the chain's
-- end, sealed with the key and updated with every entry, so that deleting
-- the newest entries is noticed; entries up to legacy_until were written
-- before the key.
ALTER TABLE audit_log ADD COLUMN source_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN scheme INTEGER NOT NULL DEFAULT 0;

CREATE TABLE audit_head (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    total        BIGINT NOT NULL,
    last_id      BIGINT NOT NULL,
    last_hash    TEXT NOT NULL,
    base_id      BIGINT NOT NULL DEFAULT 0,
    base_hash    TEXT NOT NULL DEFAULT '',
    purged       BIGINT NOT NULL DEFAULT 0,
    legacy_until BIGINT NOT NULL,
    mac          TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_head (id, total, last_id, last_hash, legacy_until)
SELECT 1, COUNT(*), COALESCE(MAX(id), 0),
       COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '0000000000000000000000000000000000000000000000000000000000000000'),
       COALESCE(MAX(id), 0)
FROM audit_log;

-- The audit page's filters, each newest first.
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_object ON audit_log (object, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose Down
DROP INDEX audit_log_at;
DROP INDEX audit_log_object;
DROP INDEX audit_log_action;
DROP INDEX audit_log_actor;
DROP TABLE audit_head;
ALTER TABLE audit_log DROP COLUMN scheme;
ALTER TABLE audit_log DROP COLUMN source_ip;
