-- 010_route.sql: indexes shaped for routing (core/route.c).
--
-- Routing reads a role's holders primaries first, each in file order, and
-- for each holder the first absence covering a date. With indexes on
-- holder(role) and absence(person) alone SQLite sorted both results in a
-- temporary b-tree on every route. The same two indexes, widened to the
-- sort order, give the rows already in order; the number of indexes an
-- import maintains does not change, and every query that used the narrow
-- ones can use the wide ones (same leading column).
--
-- (Migrations 007 to 009 are taken by work in progress on other branches;
-- numbers are never reused.)

DROP INDEX holder_role;
CREATE INDEX holder_role ON holder(role, kind DESC, ord);

DROP INDEX absence_person;
CREATE INDEX absence_person ON absence(person, from_date, to_date);

-- A one-shot `baton route --topic T` reads only the rules that could match
-- T: those whose first segment is T's first segment (compared without
-- case), and those whose first segment has a '*' or whitespace or is empty
-- (a leading '/'), which could match anything and get the key ''. The
-- expression is repeated word for word in core/route.c (RULE_BUCKET), which
-- SQLite needs to use the index; tests/check_route.c checks the plan.
CREATE INDEX rule_bucket ON rule((CASE WHEN instr(topic || '/', '/') > 1
	AND instr(substr(topic, 1, instr(topic || '/', '/') - 1), '*') = 0
	AND substr(topic, 1, instr(topic || '/', '/') - 1)
	    NOT GLOB ('*[' || char(32, 9, 10, 11, 12, 13) || ']*')
	THEN lower(substr(topic, 1, instr(topic || '/', '/') - 1)) ELSE '' END));
