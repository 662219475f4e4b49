-- +goose Up
-- Patrols (巡查, DESIGN §5.4): a grid worker's walk in an area, its GPS
-- track (WGS-84, one row per point; a point's time is its key within the
-- patrol, so a replayed upload adds nothing) and running totals kept on the
-- patrol so that figures never sum the track. client_id is the app's id of
-- the patrol: starting it again from the outbox returns the same patrol.
CREATE TABLE patrols (
    id         INTEGER PRIMARY KEY,
    client_id  TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    area_code  TEXT NOT NULL REFERENCES areas(code),
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,
    points     INTEGER NOT NULL DEFAULT 0,
    distance_m REAL NOT NULL DEFAULT 0,
    last_at    BIGINT,
    last_lng   REAL,
    last_lat   REAL,
    UNIQUE (user_id, client_id)
);
CREATE INDEX patrols_area ON patrols (area_code, started_at);
CREATE INDEX patrols_user ON patrols (user_id, started_at);

CREATE TABLE patrol_points (
    patrol_id  BIGINT NOT NULL REFERENCES patrols(id),
    at         BIGINT NOT NULL,
    lng        REAL NOT NULL,
    lat        REAL NOT NULL,
    accuracy_m REAL NOT NULL,
    PRIMARY KEY (patrol_id, at)
);

-- +goose Down
DROP TABLE patrol_points;
DROP TABLE patrols;
