-- 011_manifest.sql: what the last import read, so that importing the very
-- same files again can be answered without parsing them (core/import.c).
--
-- One row at most. `digest` is BLAKE2b-256 over the import's options and
-- every file it read (name, bytes, size, in reading order); `last_event` is
-- the newest event id once that import committed, and `entities` how many
-- entities its files declared. An import whose files and options hash to
-- `digest` while the newest event is still `last_event` (nothing was written
-- since: every change in baton appends an event) would find every entity
-- unchanged, so it reports exactly that and writes nothing. Only an import
-- that succeeded without a single diagnostic is recorded.

CREATE TABLE import_manifest (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	digest     BLOB NOT NULL,
	last_event INTEGER NOT NULL,
	entities   INTEGER NOT NULL
);
