-- +goose Up
-- Address search by building: the distinct bigrams of all the house
-- addresses of a building. A house whose address contains a fragment lies in
-- a building holding all the fragment's bigrams, so the bigrams narrow the
-- buildings and a LIKE on the houses' addresses decides. A building has far
-- fewer distinct bigrams than its houses together (they share the street,
-- the building and the unit), which keeps ledger imports fast.
CREATE TABLE building_grams (
    gram        TEXT NOT NULL,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    PRIMARY KEY (gram, building_id)
) WITHOUT ROWID;
CREATE INDEX building_grams_building ON building_grams (building_id);
INSERT INTO building_grams (gram, building_id)
    SELECT DISTINCT g.gram, h.building_id FROM house_grams g JOIN houses h ON h.id = g.house_id;
DROP TABLE house_grams;

-- Imports find buildings by address (or address and name).
CREATE INDEX buildings_address ON buildings (address);
CREATE INDEX buildings_address_name ON buildings ((address || name));

-- Nothing reads history by area and time; the entity index serves the pages.
DROP INDEX registry_history_area;

-- +goose Down
CREATE INDEX registry_history_area ON registry_history (area_code, at);
DROP INDEX buildings_address_name;
DROP INDEX buildings_address;
CREATE TABLE house_grams (
    gram      TEXT NOT NULL,
    house_id  INTEGER NOT NULL REFERENCES houses(id),
    area_code TEXT NOT NULL,
    PRIMARY KEY (gram, house_id)
);
CREATE INDEX house_grams_house ON house_grams (house_id);
-- Each house gets its building's bigrams: a superset, which the LIKE of the
-- address search filters as before.
INSERT INTO house_grams (gram, house_id, area_code)
    SELECT bg.gram, h.id, h.area_code FROM building_grams bg JOIN houses h ON h.building_id = bg.building_id;
DROP TABLE building_grams;
