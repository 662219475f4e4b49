-- +goose Up
-- Working time (DESIGN §3 "Time"): days that differ from the Monday–Friday
-- week (public holidays, and the make-up workdays 调休), and the working
-- periods of a day, in Asia/Shanghai local time.
CREATE TABLE work_calendar (
    day  TEXT PRIMARY KEY,  -- YYYY-MM-DD
    kind TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
    name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE work_hours (
    id           INTEGER PRIMARY KEY,
    start_minute INTEGER NOT NULL CHECK (start_minute >= 0 AND start_minute < 1440),
    end_minute   INTEGER NOT NULL CHECK (end_minute > start_minute AND end_minute <= 1440)
);
INSERT INTO work_hours (start_minute, end_minute) VALUES (510, 720), (810, 1050); -- 08:30–12:00, 13:30–17:30

-- Case categories: two levels (大类/小类); cases are filed under a 小类.
CREATE TABLE case_categories (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    parent_id          INTEGER REFERENCES case_categories(id),
    name               TEXT NOT NULL,
    name_en            TEXT NOT NULL DEFAULT '',
    default_level      TEXT NOT NULL CHECK (default_level IN ('grid','community','subdistrict','department')),
    department_unit_id INTEGER REFERENCES units(id),
    accept_minutes     INTEGER NOT NULL CHECK (accept_minutes > 0),
    resolve_minutes    INTEGER NOT NULL CHECK (resolve_minutes > 0),
    sla_clock          TEXT NOT NULL CHECK (sla_clock IN ('working','calendar')),
    auto_escalate      INTEGER NOT NULL DEFAULT 0,
    dispute            INTEGER NOT NULL DEFAULT 0, -- counts toward "disputes are not pushed up"
    fields             TEXT NOT NULL DEFAULT '[]', -- JSON: extra fields
    active             INTEGER NOT NULL DEFAULT 1,
    sort               INTEGER NOT NULL DEFAULT 0,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX case_categories_parent ON case_categories (parent_id, sort);

-- Cases (DESIGN §5.2). area_code is the finest area: the microgrid when the
-- case has a location. Every state change appends a case_events row.
CREATE TABLE cases (
    id                    INTEGER PRIMARY KEY,
    token                 TEXT NOT NULL UNIQUE, -- public handle (portal, Open311)
    area_code             TEXT NOT NULL REFERENCES areas(code),
    category_id           INTEGER NOT NULL REFERENCES case_categories(id),
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    state                 TEXT NOT NULL CHECK (state IN ('reported','accepted','rejected','merged','dispatched','in_progress','resolved','closed','reopened','suspended')),
    resume_state          TEXT,   -- the state to return to after suspension
    level                 TEXT NOT NULL CHECK (level IN ('grid','community','subdistrict','department')),
    max_level             TEXT NOT NULL,
    closed_level          TEXT,
    escalations           INTEGER NOT NULL DEFAULT 0,
    channel               TEXT NOT NULL,
    reporter_user_id      INTEGER REFERENCES users(id),
    reporter_name         TEXT NOT NULL DEFAULT '',
    reporter_phone_enc    TEXT NOT NULL DEFAULT '',
    reporter_phone_masked TEXT NOT NULL DEFAULT '',
    lng                   DOUBLE PRECISION,
    lat                   DOUBLE PRECISION,
    address               TEXT NOT NULL DEFAULT '',
    assignee_user_id      INTEGER REFERENCES users(id),
    assignee_unit_id      INTEGER REFERENCES units(id),
    extra                 TEXT NOT NULL DEFAULT '{}',
    media_url             TEXT NOT NULL DEFAULT '',
    merged_into_id        INTEGER REFERENCES cases(id),
    rating                TEXT CHECK (rating IN ('satisfied','basic','unsatisfied')),
    overdue               INTEGER NOT NULL DEFAULT 0,
    accept_due_at         BIGINT,
    resolve_due_at        BIGINT,
    suspended_at          BIGINT,
    reported_at           BIGINT NOT NULL,
    accepted_at           BIGINT,
    resolved_at           BIGINT,
    closed_at             BIGINT,
    rated_at              BIGINT,
    idempotency_key       TEXT UNIQUE,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX cases_area_state ON cases (area_code, state);
CREATE INDEX cases_area_reported ON cases (area_code, reported_at);
CREATE INDEX cases_category_reported ON cases (category_id, reported_at);
CREATE INDEX cases_assignee ON cases (assignee_user_id, state);
CREATE INDEX cases_unit ON cases (assignee_unit_id, state);
CREATE INDEX cases_reporter ON cases (reporter_user_id, reported_at);
CREATE INDEX cases_merged ON cases (merged_into_id);
-- The overdue scanner reads only open, unflagged, running cases by deadline.
CREATE INDEX cases_accept_due ON cases (accept_due_at) WHERE state = 'reported' AND overdue = 0;
CREATE INDEX cases_resolve_due ON cases (resolve_due_at) WHERE state IN ('accepted','dispatched','in_progress','reopened') AND overdue = 0;

CREATE TABLE case_events (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    area_code     TEXT NOT NULL,
    at            BIGINT NOT NULL,
    actor_user_id INTEGER REFERENCES users(id),
    actor_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    level         TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    event_id     INTEGER REFERENCES case_events(id),
    area_code    TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    storage_key  TEXT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    uploaded_by  INTEGER REFERENCES users(id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, id);

-- In-app notifications (督办 and others) and the webhook outbox.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    case_id    INTEGER REFERENCES cases(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_outbox_pending ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;


-- +goose Down
DROP TABLE webhook_outbox;
DROP TABLE notifications;
DROP TABLE attachments;
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE case_categories;
DROP TABLE work_hours;
DROP TABLE work_calendar;
