-- +goose Up
-- Verification campaigns (摸排, DESIGN §5.3): a campaign targets an area and
-- a period; grid workers record a visit per house. One visit per (campaign,
-- house) is current; a later visit replaces its outcome and the earlier ones
-- stay as history. The counts of a visit (records checked, confirmed,
-- corrected, new persons) are fixed when it is recorded, so the figures of
-- an area are sums over the current visits. Flags are INTEGER 0/1.
CREATE TABLE registry_campaigns (
    id           INTEGER PRIMARY KEY,
    area_code    TEXT NOT NULL REFERENCES areas(code), -- any level
    name         TEXT NOT NULL,
    starts_on    TEXT NOT NULL,                        -- 'YYYY-MM-DD'
    ends_on      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft','active','closed')),
    created_by   INTEGER REFERENCES users(id),
    creator_name TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    activated_at BIGINT,
    closed_at    BIGINT,
    updated_at   BIGINT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX registry_campaigns_area ON registry_campaigns (area_code, id);

CREATE TABLE campaign_visits (
    id                INTEGER PRIMARY KEY,
    campaign_id       INTEGER NOT NULL REFERENCES registry_campaigns(id),
    house_id          INTEGER NOT NULL REFERENCES houses(id),
    area_code         TEXT NOT NULL,                   -- the house's microgrid
    door_knocked      INTEGER NOT NULL CHECK (door_knocked IN (0, 1)),
    entered           INTEGER NOT NULL CHECK (entered IN (0, 1)),
    persons_asked     INTEGER NOT NULL CHECK (persons_asked >= 0),
    outcome           TEXT NOT NULL CHECK (outcome IN ('confirmed','corrected','new_person','vacant','nobody_home')),
    note              TEXT NOT NULL DEFAULT '',
    records_checked   INTEGER NOT NULL DEFAULT 0,      -- persons on record in the house when visited
    records_confirmed INTEGER NOT NULL DEFAULT 0,      -- of those, confirmed unchanged
    corrections       INTEGER NOT NULL DEFAULT 0,      -- person records corrected
    new_persons       INTEGER NOT NULL DEFAULT 0,      -- persons found and registered
    is_current        INTEGER NOT NULL DEFAULT 1 CHECK (is_current IN (0, 1)),
    visited_at        BIGINT NOT NULL,
    visitor_user_id   INTEGER REFERENCES users(id),
    visitor_name      TEXT NOT NULL,
    CHECK (records_confirmed <= records_checked)
);
CREATE UNIQUE INDEX campaign_visits_current ON campaign_visits (campaign_id, house_id) WHERE is_current = 1;
CREATE INDEX campaign_visits_area ON campaign_visits (campaign_id, area_code) WHERE is_current = 1;
CREATE INDEX campaign_visits_house ON campaign_visits (house_id, id);

-- The person records a visit changed: corrected, or found and registered.
CREATE TABLE campaign_visit_persons (
    visit_id  INTEGER NOT NULL REFERENCES campaign_visits(id),
    person_id INTEGER NOT NULL REFERENCES persons(id),
    kind      TEXT NOT NULL CHECK (kind IN ('corrected','new_person')),
    PRIMARY KEY (visit_id, person_id)
);

-- +goose Down
DROP TABLE campaign_visit_persons;
DROP TABLE campaign_visits;
DROP TABLE registry_campaigns;
