-- +goose Up
-- Accounts fit for 等保 level 3: a password set by an admin is temporary
-- (must_change_password), password age, the last passwords kept (hashed) so
-- that none is reused, a TOTP second factor (secret encrypted like other
-- secrets, the last accepted time step so that a code is never accepted
-- twice) with single-use recovery codes.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_secret_enc TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending_enc TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
UPDATE users SET password_changed_at = created_at;

CREATE TABLE password_history (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hash       TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Throttling counts failures per address and per (account, address).
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- +goose Down
DROP INDEX login_failures_ip;
DROP TABLE recovery_codes;
DROP TABLE password_history;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enabled;
ALTER TABLE users DROP COLUMN totp_pending_enc;
ALTER TABLE users DROP COLUMN totp_secret_enc;
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE users DROP COLUMN must_change_password;
