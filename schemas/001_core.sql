-- 001_core.sql: the system of record for people, teams, roles, processes, rules
-- and the change log.
--
-- `entity` holds each declared entity's canonical spec (JSON, the same fields
-- as the YAML `spec`). Every other table of this file is derived from it by
-- core/entity.c inside the same transaction (an index for queries), so a
-- spec and its rows can never disagree.

CREATE TABLE entity (
	kind     TEXT NOT NULL,            -- person, team, role, process, rule
	name     TEXT NOT NULL,
	spec     TEXT NOT NULL CHECK (json_valid(spec)),
	imported TEXT,                     -- spec as last imported from files
	changed  TEXT,                     -- in-baton change not yet exported
	PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE person (
	name         TEXT PRIMARY KEY,
	display_name TEXT NOT NULL,
	email        TEXT,
	team         TEXT,
	status       TEXT NOT NULL CHECK (status IN ('active', 'leaving', 'left')),
	leaving_on   TEXT
);
CREATE INDEX person_team ON person(team);

CREATE TABLE absence (
	person    TEXT NOT NULL,
	from_date TEXT NOT NULL,
	to_date   TEXT NOT NULL,
	reason    TEXT
);
CREATE INDEX absence_person ON absence(person);

CREATE TABLE team (
	name         TEXT PRIMARY KEY,
	display_name TEXT NOT NULL,
	parent       TEXT,
	description  TEXT
);
CREATE INDEX team_parent ON team(parent);

CREATE TABLE role (
	name        TEXT PRIMARY KEY,
	title       TEXT NOT NULL,
	team        TEXT,
	reports_to  TEXT,
	description TEXT
);
CREATE INDEX role_team ON role(team);

CREATE TABLE holder (
	role   TEXT NOT NULL,
	person TEXT NOT NULL,
	kind   TEXT NOT NULL CHECK (kind IN ('primary', 'backup')),
	since  TEXT,
	until  TEXT,
	ord    INTEGER NOT NULL
);
CREATE INDEX holder_role ON holder(role);
CREATE INDEX holder_person ON holder(person);

CREATE TABLE responsibility (
	role    TEXT NOT NULL,
	id      TEXT NOT NULL,
	summary TEXT,
	ord     INTEGER NOT NULL,
	PRIMARY KEY (role, id)
);

CREATE TABLE responsibility_process (
	role    TEXT NOT NULL,
	resp    TEXT NOT NULL,
	process TEXT NOT NULL
);
CREATE INDEX responsibility_process_role ON responsibility_process(role);
CREATE INDEX responsibility_process_process ON responsibility_process(process);

CREATE TABLE relationship (
	role         TEXT NOT NULL,
	ord          INTEGER NOT NULL,
	with_kind    TEXT NOT NULL CHECK (with_kind IN ('role', 'team', 'party')),
	with_name    TEXT NOT NULL,
	contact      TEXT,
	purpose      TEXT,
	health       TEXT,
	priority     INTEGER,
	last_contact TEXT
);
CREATE INDEX relationship_role ON relationship(role);

CREATE TABLE journal (
	role   TEXT NOT NULL,
	ord    INTEGER NOT NULL,
	at     TEXT NOT NULL,
	author TEXT,
	text   TEXT NOT NULL
);
CREATE INDEX journal_role ON journal(role);

CREATE TABLE process (
	name          TEXT PRIMARY KEY,
	title         TEXT NOT NULL,
	owner         TEXT,
	body          TEXT,
	review_days   INTEGER,
	last_reviewed TEXT
);
CREATE INDEX process_owner ON process(owner);

CREATE TABLE process_step (
	process TEXT NOT NULL,
	ord     INTEGER NOT NULL,
	text    TEXT NOT NULL
);
CREATE INDEX process_step_process ON process_step(process);

CREATE TABLE known_by (
	process TEXT NOT NULL,
	person  TEXT NOT NULL
);
CREATE INDEX known_by_process ON known_by(process);
CREATE INDEX known_by_person ON known_by(person);

CREATE TABLE rule (
	name         TEXT PRIMARY KEY,
	title        TEXT,
	description  TEXT,
	topic        TEXT,
	keywords     TEXT,                -- space-joined, for search
	handler_kind TEXT NOT NULL CHECK (handler_kind IN ('role', 'person')),
	handler_name TEXT NOT NULL,
	escalate_to  TEXT,
	process      TEXT,
	priority     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rule_handler ON rule(handler_kind, handler_name);

-- Append-only change log: nothing changes without a row here.
CREATE TABLE event (
	id     INTEGER PRIMARY KEY,
	at     TEXT NOT NULL,
	actor  TEXT NOT NULL,
	entity TEXT NOT NULL,              -- KIND/NAME
	action TEXT NOT NULL,              -- create, update, delete, ...
	before TEXT CHECK (before IS NULL OR json_valid(before)),
	after  TEXT CHECK (after IS NULL OR json_valid(after))
);
CREATE INDEX event_entity ON event(entity);

CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
