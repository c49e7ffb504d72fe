-- 002_handover.sql: handovers and their checklists (DESIGN.md section 5).
-- Handovers live only in the database; every change to them is an event on
-- entity "handover/ID".

CREATE TABLE handover (
	id          INTEGER PRIMARY KEY,
	from_person TEXT,                  -- NULL for onboarding
	to_person   TEXT NOT NULL,
	state       TEXT NOT NULL DEFAULT 'open'
	            CHECK (state IN ('open', 'completed', 'cancelled')),
	due         TEXT,                  -- YYYY-MM-DD
	created_at  TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	closed_at   TEXT,                  -- completion or cancellation time
	forced      INTEGER NOT NULL DEFAULT 0  -- completed with --force
);
CREATE INDEX handover_state ON handover(state);

CREATE TABLE handover_role (
	handover INTEGER NOT NULL REFERENCES handover(id),
	role     TEXT NOT NULL,
	holding  TEXT,                     -- primary/backup: what `from` held
	PRIMARY KEY (handover, role)
) WITHOUT ROWID;
CREATE INDEX handover_role_role ON handover_role(role);

CREATE TABLE handover_item (
	handover INTEGER NOT NULL REFERENCES handover(id),
	item     INTEGER NOT NULL,         -- stable id within the handover, from 1
	kind     TEXT NOT NULL CHECK (kind IN ('responsibility', 'process',
	         'relationship', 'rule', 'knowledge', 'journal', 'custom')),
	role     TEXT,                     -- the role it belongs to, if any
	entity   TEXT,                     -- what it is about: role/x, process/y,
	                                   -- rule/z, role/x#resp-id, party:"Name"
	text     TEXT NOT NULL,
	done     INTEGER NOT NULL DEFAULT 0,
	done_by  TEXT,
	done_at  TEXT,
	note     TEXT,
	skipped  INTEGER NOT NULL DEFAULT 0, -- left undone by complete --force
	PRIMARY KEY (handover, item)
) WITHOUT ROWID;

CREATE TABLE handover_note (
	id       INTEGER PRIMARY KEY,
	handover INTEGER NOT NULL REFERENCES handover(id),
	at       TEXT NOT NULL,
	author   TEXT NOT NULL,
	text     TEXT NOT NULL
);
CREATE INDEX handover_note_handover ON handover_note(handover);
