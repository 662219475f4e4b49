-- +goose Up
-- The area tree (DESIGN §4.1): the code is the path; "inside X" is a prefix
-- range on the primary key.
CREATE TABLE areas (
    code        TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES areas(code),
    level       TEXT NOT NULL CHECK (level IN ('district','subdistrict','community','grid','microgrid')),
    name        TEXT NOT NULL,
    boundary    TEXT,               -- GeoJSON geometry, WGS-84
    valid_from  BIGINT NOT NULL,    -- unix ms
    valid_to    BIGINT,             -- closed areas keep their code and history
    updated_at  BIGINT NOT NULL
);
CREATE INDEX areas_parent ON areas (parent_code);
CREATE INDEX areas_level ON areas (level, code);

CREATE TABLE units (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('area_office','department')),
    area_code TEXT NOT NULL REFERENCES areas(code)
);
CREATE INDEX units_area ON units (area_code);

CREATE TABLE stations (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    address   TEXT NOT NULL DEFAULT '',
    area_code TEXT NOT NULL REFERENCES areas(code),
    lng       DOUBLE PRECISION,
    lat       DOUBLE PRECISION
);
CREATE INDEX stations_area ON stations (area_code);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    phone_enc     TEXT NOT NULL DEFAULT '',
    phone_index   TEXT NOT NULL DEFAULT '',
    phone_masked  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    unit_id       INTEGER REFERENCES units(id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
CREATE INDEX users_phone ON users (phone_index);

CREATE TABLE user_roles (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    role      TEXT NOT NULL,
    area_code TEXT NOT NULL REFERENCES areas(code),
    PRIMARY KEY (user_id, role, area_code)
);
CREATE INDEX user_roles_area ON user_roles (area_code);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    ip       TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- People on duty: the secretary of a community, grid workers of a grid, the
-- three heads with their point / line / polygon, station chiefs.
CREATE TABLE duties (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('secretary','grid_worker','building_head','road_head','area_head','station_chief')),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    area_code TEXT NOT NULL REFERENCES areas(code),
    label     TEXT NOT NULL DEFAULT '',
    geometry  TEXT,  -- GeoJSON point / line / polygon for the heads
    created_at BIGINT NOT NULL,
    UNIQUE (kind, user_id, area_code, label)
);
CREATE INDEX duties_area ON duties (area_code);
CREATE INDEX duties_user ON duties (user_id);

-- Append-only, hash-chained (DESIGN §4.4).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL DEFAULT '',
    area_code TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_area ON audit_log (area_code, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE duties;
DROP TABLE api_keys;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE stations;
DROP TABLE units;
DROP TABLE areas;
