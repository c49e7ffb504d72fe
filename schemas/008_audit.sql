-- 008_audit.sql: the entities whose spec can hold audit.ignore, so that the
-- audit reads those few specs instead of every spec of the organisation.
--
-- A spec is stored as jansson's canonical text (core/entity.c), which writes
-- every key as it is (jansson escapes only '"', '\' and control characters),
-- so a spec with an `ignore` key anywhere holds the text "ignore" with its
-- quotes. core/audit.c (ignores_load) reads the entities through this index
-- with the same condition.

CREATE INDEX entity_audit_ignore ON entity(kind, name)
	WHERE instr(spec, '"ignore"') > 0;
