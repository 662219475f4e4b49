-- +goose Up
-- The registry (DESIGN §5.3): "houses define households, households find
-- people" (以房定户、以户找人). Every table that holds people data carries the
-- area_code of its microgrid, for scoping (a prefix range) and for sharding
-- by district (DESIGN §3). Dates that are days (birth, moved in, joined) are
-- TEXT 'YYYY-MM-DD'; instants are BIGINT unix ms.
CREATE TABLE buildings (
    id           INTEGER PRIMARY KEY,
    area_code    TEXT NOT NULL REFERENCES areas(code), -- the microgrid
    name         TEXT NOT NULL DEFAULT '',             -- 楼栋名称/编号, e.g. 3号楼
    address      TEXT NOT NULL,
    lng          DOUBLE PRECISION,                     -- WGS-84
    lat          DOUBLE PRECISION,
    floors       INTEGER NOT NULL DEFAULT 0 CHECK (floors >= 0),
    units        INTEGER NOT NULL DEFAULT 0 CHECK (units >= 0),
    head_user_id INTEGER REFERENCES users(id),         -- 楼栋长
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX buildings_area ON buildings (area_code, id);

-- A house is one dwelling or premises (实有房屋).
CREATE TABLE houses (
    id             INTEGER PRIMARY KEY,
    building_id    INTEGER NOT NULL REFERENCES buildings(id),
    area_code      TEXT NOT NULL REFERENCES areas(code),
    unit           TEXT NOT NULL DEFAULT '',
    floor          INTEGER,
    room           TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL,
    usage          TEXT NOT NULL CHECK (usage IN ('owner_occupied','rented','vacant','business','other')),
    floor_area_dm2 INTEGER CHECK (floor_area_dm2 >= 0), -- square decimetres (0.01 m²)
    owner_name     TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX houses_room ON houses (building_id, unit, room);
CREATE INDEX houses_area ON houses (area_code, id);
CREATE INDEX houses_usage ON houses (usage, area_code);

-- Address search: the distinct character bigrams of each house's address, so
-- that "contains this fragment" is an index lookup on both engines.
CREATE TABLE house_grams (
    gram      TEXT NOT NULL,
    house_id  INTEGER NOT NULL REFERENCES houses(id),
    area_code TEXT NOT NULL,
    PRIMARY KEY (gram, house_id)
);
CREATE INDEX house_grams_house ON house_grams (house_id);

CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    house_id       INTEGER NOT NULL REFERENCES houses(id),
    area_code      TEXT NOT NULL REFERENCES areas(code),
    household_type TEXT NOT NULL CHECK (household_type IN ('family','collective','other')),
    head_person_id INTEGER REFERENCES persons(id),
    note           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    closed_at      BIGINT,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX households_house ON households (house_id);
CREATE INDEX households_area ON households (area_code, id);

-- Persons (实有人口). ID and phone numbers are sealed (pii.EncryptFor), found
-- by their blind index and shown masked (DESIGN §4.3). One person, one
-- record: the ID number's blind index is unique.
CREATE TABLE persons (
    id             INTEGER PRIMARY KEY,
    area_code      TEXT NOT NULL REFERENCES areas(code), -- the microgrid of their current (or last) house
    household_id   INTEGER REFERENCES households(id),    -- current household, mirrors the open membership
    name           TEXT NOT NULL,
    name_pinyin    TEXT NOT NULL DEFAULT '',              -- "zhangsan"
    name_initials  TEXT NOT NULL DEFAULT '',              -- "zs"
    id_type        TEXT NOT NULL DEFAULT '' CHECK (id_type IN ('','resident_id','passport','other')),
    id_enc         TEXT NOT NULL DEFAULT '',
    id_index       TEXT UNIQUE,
    id_masked      TEXT NOT NULL DEFAULT '',
    gender         TEXT NOT NULL DEFAULT '' CHECK (gender IN ('','male','female')),
    birth_date     TEXT,
    phone_enc      TEXT NOT NULL DEFAULT '',
    phone_index    TEXT,
    phone_masked   TEXT NOT NULL DEFAULT '',
    ethnicity      TEXT NOT NULL DEFAULT '',
    residence_type TEXT NOT NULL CHECK (residence_type IN ('registered','resident','new_citizen','foreign')),
    hukou_address  TEXT NOT NULL DEFAULT '',              -- 户籍地
    moved_in_on    TEXT,
    status         TEXT NOT NULL DEFAULT 'living' CHECK (status IN ('living','moved_out','deceased')),
    origin         TEXT NOT NULL DEFAULT '',              -- new citizens: where from
    employer       TEXT NOT NULL DEFAULT '',
    tenancy        TEXT NOT NULL DEFAULT '' CHECK (tenancy IN ('','rented','owned','dormitory','with_relatives','other')),
    lease_ends_on  TEXT,
    note           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX persons_area ON persons (area_code, id);
CREATE INDEX persons_name ON persons (name);
CREATE INDEX persons_pinyin ON persons (name_pinyin);
CREATE INDEX persons_initials ON persons (name_initials);
CREATE INDEX persons_phone ON persons (phone_index);
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_residence ON persons (residence_type, area_code);
CREATE INDEX persons_moved_in ON persons (moved_in_on, area_code);

-- Membership of a household, with its relationship to the head. A person is
-- in at most one household at a time: one open membership per person.
CREATE TABLE household_members (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    area_code    TEXT NOT NULL,
    relationship TEXT NOT NULL CHECK (relationship IN ('head','spouse','child','parent','grandchild','grandparent','sibling','child_in_law','other')),
    joined_on    TEXT NOT NULL,
    left_on      TEXT,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX household_members_open ON household_members (person_id) WHERE left_on IS NULL;
CREATE INDEX household_members_household ON household_members (household_id, id);

-- Tags are a managed list (60+, disabled, low-income, key care …).
CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1,
    sort       INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
INSERT INTO tags (code, name, name_en, sort, updated_at) VALUES
    ('elderly_60', '60岁以上老人', 'Aged 60+', 10, 0),
    ('living_alone', '独居老人', 'Elderly living alone', 20, 0),
    ('empty_nester', '空巢老人', 'Empty-nest elderly', 30, 0),
    ('disabled', '残疾人', 'Disabled', 40, 0),
    ('low_income', '低保户', 'Minimum-subsistence allowance', 50, 0),
    ('special_hardship', '特困人员', 'Extreme hardship', 60, 0),
    ('key_care', '重点关爱对象', 'Key care', 70, 0),
    ('left_behind_child', '留守儿童', 'Left-behind child', 80, 0),
    ('veteran', '退役军人', 'Veteran', 90, 0),
    ('party_member', '党员', 'Party member', 100, 0);

CREATE TABLE person_tags (
    person_id INTEGER NOT NULL REFERENCES persons(id),
    tag_id    INTEGER NOT NULL REFERENCES tags(id),
    area_code TEXT NOT NULL,
    added_at  BIGINT NOT NULL,
    PRIMARY KEY (person_id, tag_id)
);
CREATE INDEX person_tags_tag ON person_tags (tag_id, area_code);

-- Field-level history of every change (DESIGN §4.4). PII is recorded masked.
CREATE TABLE registry_history (
    id            INTEGER PRIMARY KEY,
    area_code     TEXT NOT NULL,
    entity        TEXT NOT NULL CHECK (entity IN ('building','house','household','person')),
    entity_id     INTEGER NOT NULL,
    field         TEXT NOT NULL,
    from_value    TEXT,
    to_value      TEXT,
    actor_user_id INTEGER REFERENCES users(id),
    actor_name    TEXT NOT NULL,
    channel       TEXT NOT NULL CHECK (channel IN ('console','app','import','verification')),
    at            BIGINT NOT NULL
);
CREATE INDEX registry_history_entity ON registry_history (entity, entity_id, id);
CREATE INDEX registry_history_area ON registry_history (area_code, at);

-- The household file (一户一档): livelihood appeals and visit notes.
CREATE TABLE household_appeals (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    area_code    TEXT NOT NULL,
    content      TEXT NOT NULL,
    raised_on    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open','in_progress','resolved','withdrawn')),
    case_id      INTEGER REFERENCES cases(id),
    created_by   INTEGER REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX household_appeals_household ON household_appeals (household_id, id);
CREATE INDEX household_appeals_area ON household_appeals (area_code, status);

CREATE TABLE household_visits (
    id              INTEGER PRIMARY KEY,
    household_id    INTEGER NOT NULL REFERENCES households(id),
    area_code       TEXT NOT NULL,
    visited_on      TEXT NOT NULL,
    visitor_user_id INTEGER REFERENCES users(id),
    visitor_name    TEXT NOT NULL,
    note            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX household_visits_household ON household_visits (household_id, id);

-- +goose Down
DROP TABLE household_visits;
DROP TABLE household_appeals;
DROP TABLE registry_history;
DROP TABLE person_tags;
DROP TABLE tags;
DROP TABLE household_members;
DROP TABLE persons;
DROP TABLE households;
DROP TABLE house_grams;
DROP TABLE houses;
DROP TABLE buildings;
