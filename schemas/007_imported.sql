-- 007_imported.sql: the spec is stored once in `entity`, and without a
-- JSON re-parse per write.
--
-- `imported` holds the spec as last imported from files, for an entity
-- changed in baton since (`changed` IS NOT NULL; NULL there still means
-- never imported). While `changed` IS NULL the spec is exactly what the
-- files declared, and `imported` is now NULL instead of a copy of `spec`:
-- the imported text is coalesce(imported, spec) in that case. Every
-- import wrote each spec twice into this table (a third time into the
-- event); this halves the table. core/entity.c writes the new form; rows
-- of either form read the same, so this only compacts existing rows.

UPDATE entity SET imported = NULL WHERE changed IS NULL AND imported = spec;

-- The CHECK (json_valid(...)) constraints on entity.spec and on the event
-- images are dropped: SQLite 3.40 parses the whole text again for each one
-- (about a fifteenth of an import's instructions, for two of them per
-- entity). Every text written there comes from spec_canonical()
-- (core/entity.c, the single write path for specs and events), which
-- writes JSON by construction; tests/check_entity.c checks its output
-- against jansson's. The tables are rebuilt with the same columns, rows,
-- index and triggers (events keep their ids).

CREATE TABLE entity_new (
	kind     TEXT NOT NULL,            -- person, team, role, process, rule
	name     TEXT NOT NULL,
	spec     TEXT NOT NULL,            -- canonical JSON (spec_canonical)
	imported TEXT,                     -- spec as last imported, when changed
	changed  TEXT,                     -- in-baton change not yet exported
	PRIMARY KEY (kind, name)
) WITHOUT ROWID;
INSERT INTO entity_new SELECT kind, name, spec, imported, changed FROM entity;
DROP TABLE entity;
ALTER TABLE entity_new RENAME TO entity;

DROP TRIGGER event_append_only_update;
DROP TRIGGER event_append_only_delete;
CREATE TABLE event_new (
	id     INTEGER PRIMARY KEY,
	at     TEXT NOT NULL,
	actor  TEXT NOT NULL,
	entity TEXT NOT NULL,              -- KIND/NAME
	action TEXT NOT NULL,              -- create, update, delete, ...
	before TEXT,                       -- canonical JSON or NULL
	after  TEXT                        -- canonical JSON or NULL
);
INSERT INTO event_new SELECT id, at, actor, entity, action, before, after FROM event;
DROP TABLE event;
ALTER TABLE event_new RENAME TO event;
CREATE INDEX event_entity ON event(entity);

CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
