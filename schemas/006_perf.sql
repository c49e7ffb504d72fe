-- 006_perf.sql: the full-text index is kept in step by core/entity.c.
--
-- The triggers of 003_search.sql made every write to search_doc a
-- multi-statement write: SQLite opens a statement savepoint for it, and FTS5
-- flushes its pending terms to a new index segment at every savepoint, so a
-- bulk import wrote one tiny segment per document and spent most of its time
-- merging them. core/entity.c now adds and removes the `search` entries
-- itself, with single-row statements, right after it writes or deletes the
-- search_doc rows (same transaction), so the index holds exactly what the
-- triggers put there.

DROP TRIGGER search_doc_ai;
DROP TRIGGER search_doc_ad;

-- The CHECK constraints that list three or more values (`x IN ('a', 'b',
-- 'c')`) made SQLite build a temporary b-tree of the list for every row it
-- inserted (about a seventh of an import's time); the same constraints are
-- written here as comparisons. The tables are rebuilt with their rows, the
-- same columns and indexes (search_doc keeps its ids, which are the rowids
-- of the `search` index).

CREATE TABLE person_new (
	name         TEXT PRIMARY KEY,
	display_name TEXT NOT NULL,
	email        TEXT,
	team         TEXT,
	status       TEXT NOT NULL CHECK (status = 'active' OR status = 'leaving'
					  OR status = 'left'),
	leaving_on   TEXT
);
INSERT INTO person_new SELECT name, display_name, email, team, status, leaving_on
	FROM person;
DROP TABLE person;
ALTER TABLE person_new RENAME TO person;
CREATE INDEX person_team ON person(team);

CREATE TABLE relationship_new (
	role         TEXT NOT NULL,
	ord          INTEGER NOT NULL,
	with_kind    TEXT NOT NULL CHECK (with_kind = 'role' OR with_kind = 'team'
					  OR with_kind = 'party'),
	with_name    TEXT NOT NULL,
	contact      TEXT,
	purpose      TEXT,
	health       TEXT,
	priority     INTEGER,
	last_contact TEXT
);
INSERT INTO relationship_new SELECT role, ord, with_kind, with_name, contact,
	purpose, health, priority, last_contact FROM relationship;
DROP TABLE relationship;
ALTER TABLE relationship_new RENAME TO relationship;
CREATE INDEX relationship_role ON relationship(role);

CREATE TABLE search_doc_new (
	id       INTEGER PRIMARY KEY,
	kind     TEXT NOT NULL CHECK (kind = 'rule' OR kind = 'role'
				      OR kind = 'responsibility' OR kind = 'process'),
	name     TEXT NOT NULL,            -- rule, role or process name
	sub      TEXT,                     -- responsibility id
	title    TEXT,
	keywords TEXT,
	body     TEXT,
	topic    TEXT                      -- rule topic, or the name/id
);
INSERT INTO search_doc_new SELECT id, kind, name, sub, title, keywords, body, topic
	FROM search_doc;
DROP TABLE search_doc;
ALTER TABLE search_doc_new RENAME TO search_doc;
CREATE INDEX search_doc_name ON search_doc(name, kind);
