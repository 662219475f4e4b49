-- +goose Up
-- A person's registration is told by the person record itself (who, through
-- which channel; created_at says when) rather than by a "created" row of
-- registry history: persons are the registry's largest table and arrive a
-- million at a time in ledger imports, where that row was a sixth of the
-- work. History keeps the changes; its person pages show the registration
-- first, built from these columns. '' is "not recorded".
ALTER TABLE persons ADD COLUMN created_channel TEXT NOT NULL DEFAULT ''
    CHECK (created_channel IN ('','console','app','import','verification'));
ALTER TABLE persons ADD COLUMN created_by BIGINT REFERENCES users(id);
ALTER TABLE persons ADD COLUMN created_by_name TEXT NOT NULL DEFAULT '';

-- Registrations recorded before: onto their records.
UPDATE persons SET (created_channel, created_by, created_by_name) = (
    SELECT h.channel, h.actor_user_id, h.actor_name FROM registry_history h
    WHERE h.entity = 'person' AND h.entity_id = persons.id AND h.field = 'created'
    ORDER BY h.id LIMIT 1)
WHERE EXISTS (SELECT 1 FROM registry_history h WHERE h.entity = 'person' AND h.entity_id = persons.id AND h.field = 'created');
DELETE FROM registry_history WHERE entity = 'person' AND field = 'created';

-- +goose Down
INSERT INTO registry_history (area_code, entity, entity_id, field, from_value, to_value, actor_user_id, actor_name, channel, at)
    SELECT area_code, 'person', id, 'created', NULL, TRIM(name || ' ' || id_masked), created_by, created_by_name, created_channel, created_at
    FROM persons WHERE created_channel <> '' ORDER BY id;
ALTER TABLE persons DROP COLUMN created_by_name;
ALTER TABLE persons DROP COLUMN created_by;
ALTER TABLE persons DROP COLUMN created_channel;
