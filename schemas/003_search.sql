-- 003_search.sql: full-text search over what routes requests (DESIGN.md §4).
--
-- `search_doc` holds one row per searchable thing, derived like every other
-- query table by core/entity.c from the entity specs, in the same
-- transaction: a rule (title, description, keywords, topic), a role (title,
-- description), a responsibility (summary, id) and a process (title, steps).
-- `search` is an external-content FTS5 index over it (porter stemming), kept
-- in step by the triggers below. `role` is where a hit routes: the rule's
-- handler role, the responsibility's role, the process owner, the role.

CREATE TABLE search_doc (
	id       INTEGER PRIMARY KEY,
	kind     TEXT NOT NULL CHECK (kind IN ('rule', 'role', 'responsibility', 'process')),
	name     TEXT NOT NULL,            -- rule, role or process name
	sub      TEXT,                     -- responsibility id
	title    TEXT,
	keywords TEXT,
	body     TEXT,
	topic    TEXT                      -- rule topic, or the name/id
);
CREATE INDEX search_doc_name ON search_doc(name, kind);

CREATE VIRTUAL TABLE search USING fts5(
	title, keywords, body, topic,
	content='search_doc', content_rowid='id',
	tokenize='porter unicode61'
);

CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN
	INSERT INTO search (rowid, title, keywords, body, topic)
	VALUES (new.id, new.title, new.keywords, new.body, new.topic);
END;
CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN
	INSERT INTO search (search, rowid, title, keywords, body, topic)
	VALUES ('delete', old.id, old.title, old.keywords, old.body, old.topic);
END;

-- Databases that already hold entities get their documents now.
INSERT INTO search_doc (kind, name, title, keywords, body, topic)
	SELECT 'rule', name, title, keywords, description, topic FROM rule;
INSERT INTO search_doc (kind, name, title, body, topic)
	SELECT 'role', name, title, description, name FROM role;
INSERT INTO search_doc (kind, name, sub, title, topic)
	SELECT 'responsibility', role, id, summary, id FROM responsibility;
INSERT INTO search_doc (kind, name, title, body, topic)
	SELECT 'process', p.name, p.title,
	       (SELECT group_concat(text, ' ') FROM
		(SELECT text FROM process_step s WHERE s.process = p.name ORDER BY ord)),
	       p.name
	FROM process p;
