/* query.c - read-only JSON views built with SQLite's JSON functions. */
#include "query.h"
#include "entity.h"

#include <string.h>

enum baton_code query_json(struct store *st, const char *sql,
			   const char *const *params, int nparams,
			   json_t **out, struct baton_error *err)
{
	sqlite3_stmt *s = NULL;
	enum baton_code rc;
	json_error_t jerr;
	int i, step;

	*out = NULL;
	if ((rc = store_prepare(st, sql, &s, err)))
		return rc;
	for (i = 0; i < nparams; i++)
		if (params[i])
			sqlite3_bind_text(s, i + 1, params[i], -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*out = json_loads((const char *)sqlite3_column_text(s, 0),
				  JSON_DECODE_ANY, &jerr);
		if (!*out)
			rc = baton_fail(err, BATON_NOMEM, "cannot decode query result: %s",
					jerr.text);
	} else if (step == SQLITE_ROW || step == SQLITE_DONE) {
		rc = BATON_NOTFOUND;
	} else {
		rc = store_fail(st, err, "cannot read");
	}
	sqlite3_finalize(s);
	return rc;
}

/* Sub-teams of ?1, ?1 included. */
#define SUBTEAMS \
	"WITH RECURSIVE sub(name) AS (SELECT ?1 UNION" \
	" SELECT team.name FROM team JOIN sub ON team.parent = sub.name) "

static const char *const list_sql[KIND_COUNT][2] = {
	[KIND_PERSON] = {
		"SELECT json_group_array(json_object('name', name, 'displayName',"
		" display_name, 'email', email, 'team', team, 'status', status,"
		" 'leavingOn', leaving_on)) FROM (SELECT * FROM person ORDER BY name)",
		SUBTEAMS
		"SELECT json_group_array(json_object('name', name, 'displayName',"
		" display_name, 'email', email, 'team', team, 'status', status,"
		" 'leavingOn', leaving_on)) FROM (SELECT * FROM person"
		" WHERE team IN sub ORDER BY name)"
	},
	[KIND_TEAM] = {
		"SELECT json_group_array(json_object('name', name, 'displayName',"
		" display_name, 'parent', parent, 'description', description))"
		" FROM (SELECT * FROM team ORDER BY name)",
		SUBTEAMS
		"SELECT json_group_array(json_object('name', name, 'displayName',"
		" display_name, 'parent', parent, 'description', description))"
		" FROM (SELECT * FROM team WHERE name IN sub ORDER BY name)"
	},
	[KIND_ROLE] = {
		"SELECT json_group_array(json_object('name', r.name, 'title', r.title,"
		" 'team', r.team, 'reportsTo', r.reports_to, 'holders',"
		" (SELECT json_group_array(json_object('person', h.person, 'as', h.kind))"
		"  FROM holder h WHERE h.role = r.name AND h.until IS NULL)))"
		" FROM (SELECT * FROM role ORDER BY name) r",
		SUBTEAMS
		"SELECT json_group_array(json_object('name', r.name, 'title', r.title,"
		" 'team', r.team, 'reportsTo', r.reports_to, 'holders',"
		" (SELECT json_group_array(json_object('person', h.person, 'as', h.kind))"
		"  FROM holder h WHERE h.role = r.name AND h.until IS NULL)))"
		" FROM (SELECT * FROM role WHERE team IN sub ORDER BY name) r"
	},
	[KIND_PROCESS] = {
		"SELECT json_group_array(json_object('name', name, 'title', title,"
		" 'owner', owner, 'lastReviewed', last_reviewed))"
		" FROM (SELECT * FROM process ORDER BY name)",
		SUBTEAMS
		"SELECT json_group_array(json_object('name', name, 'title', title,"
		" 'owner', owner, 'lastReviewed', last_reviewed))"
		" FROM (SELECT * FROM process WHERE owner IN"
		"  (SELECT name FROM role WHERE team IN sub) ORDER BY name)"
	},
	[KIND_RULE] = {
		"SELECT json_group_array(json_object('name', name, 'title', title,"
		" 'topic', topic, 'handler', handler_kind || ':' || handler_name,"
		" 'priority', priority)) FROM (SELECT * FROM rule ORDER BY name)",
		SUBTEAMS
		"SELECT json_group_array(json_object('name', name, 'title', title,"
		" 'topic', topic, 'handler', handler_kind || ':' || handler_name,"
		" 'priority', priority)) FROM (SELECT * FROM rule"
		" WHERE handler_kind = 'role' AND handler_name IN"
		"  (SELECT name FROM role WHERE team IN sub) ORDER BY name)"
	},
};

enum baton_code query_list(struct store *st, enum kind k, const char *team,
			   json_t **out, struct baton_error *err)
{
	const char *params[1] = { team };
	int ex;

	*out = NULL;
	if (!kind_desc(k))
		return baton_fail(err, BATON_USAGE, "unknown kind");
	if (team) {
		ex = entity_exists(st, KIND_TEAM, team, err);
		if (ex < 0)
			return err ? err->code : BATON_DB;
		if (!ex)
			return baton_fail(err, BATON_NOTFOUND, "no such team '%s'", team);
	}
	return query_json(st, list_sql[k][team ? 1 : 0], params, team ? 1 : 0,
			  out, err);
}

static enum baton_code one(struct store *st, const char *sql, const char *name,
			   const char *what, json_t **out,
			   struct baton_error *err)
{
	const char *params[1] = { name };
	enum baton_code rc = query_json(st, sql, params, 1, out, err);

	if (rc == BATON_NOTFOUND)
		return baton_fail(err, BATON_NOTFOUND, "no such %s '%s'", what, name);
	return rc;
}

enum baton_code query_person(struct store *st, const char *name,
			     json_t **out, struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_object('kind', 'person', 'name', p.name,"
		" 'displayName', p.display_name, 'email', p.email, 'team', p.team,"
		" 'status', p.status, 'leavingOn', p.leaving_on,"
		" 'absences', (SELECT json_group_array(json_object('from', from_date,"
		"   'to', to_date, 'reason', reason)) FROM (SELECT * FROM absence"
		"   WHERE person = p.name ORDER BY from_date)),"
		" 'roles', (SELECT json_group_array(json_object('role', h.role,"
		"   'title', r.title, 'as', h.kind, 'since', h.since))"
		"   FROM holder h JOIN role r ON r.name = h.role"
		"   WHERE h.person = p.name AND h.until IS NULL ORDER BY h.role),"
		" 'pastRoles', (SELECT json_group_array(json_object('role', h.role,"
		"   'title', r.title, 'as', h.kind, 'since', h.since, 'until', h.until))"
		"   FROM holder h JOIN role r ON r.name = h.role"
		"   WHERE h.person = p.name AND h.until IS NOT NULL ORDER BY h.until),"
		" 'knows', (SELECT json_group_array(json_object('process', k.process,"
		"   'title', pr.title)) FROM known_by k JOIN process pr"
		"   ON pr.name = k.process WHERE k.person = p.name ORDER BY k.process))"
		" FROM person p WHERE p.name = ?1";

	return one(st, sql, name, "person", out, err);
}

enum baton_code query_role(struct store *st, const char *name, json_t **out,
			   struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_object('kind', 'role', 'name', r.name, 'title', r.title,"
		" 'team', r.team, 'reportsTo', r.reports_to,"
		" 'description', r.description,"
		" 'notes', json_extract(e.spec, '$.notes'),"
		" 'holders', (SELECT json_group_array(json_object('person', h.person,"
		"   'displayName', p.display_name, 'status', p.status, 'as', h.kind,"
		"   'since', h.since)) FROM holder h LEFT JOIN person p"
		"   ON p.name = h.person WHERE h.role = r.name AND h.until IS NULL"
		"   ORDER BY h.kind = 'backup', h.ord),"
		" 'pastHolders', (SELECT json_group_array(json_object('person', h.person,"
		"   'as', h.kind, 'since', h.since, 'until', h.until)) FROM holder h"
		"   WHERE h.role = r.name AND h.until IS NOT NULL ORDER BY h.until),"
		" 'responsibilities', (SELECT json_group_array(json_object('id', x.id,"
		"   'summary', x.summary, 'processes', (SELECT json_group_array(rp.process)"
		"   FROM responsibility_process rp WHERE rp.role = x.role"
		"   AND rp.resp = x.id))) FROM (SELECT * FROM responsibility"
		"   WHERE role = r.name ORDER BY ord) x),"
		" 'processes', (SELECT json_group_array(json_object('name', pr.name,"
		"   'title', pr.title)) FROM process pr WHERE pr.owner = r.name"
		"   OR pr.name IN (SELECT process FROM responsibility_process"
		"   WHERE role = r.name) ORDER BY pr.name),"
		" 'rules', (SELECT json_group_array(json_object('name', ru.name,"
		"   'title', ru.title, 'topic', ru.topic)) FROM (SELECT * FROM rule"
		"   WHERE handler_kind = 'role' AND handler_name = r.name"
		"   ORDER BY name) ru),"
		" 'relationships', (SELECT json_group_array(json_object('with',"
		"   rl.with_kind || ':' || rl.with_name, 'kind', rl.with_kind,"
		"   'name', rl.with_name, 'contact', rl.contact, 'purpose', rl.purpose,"
		"   'health', rl.health, 'priority', rl.priority,"
		"   'lastContact', rl.last_contact)) FROM (SELECT * FROM relationship"
		"   WHERE role = r.name ORDER BY ord) rl),"
		" 'journal', (SELECT json_group_array(json_object('at', j.at,"
		"   'author', j.author, 'text', j.text)) FROM (SELECT * FROM journal"
		"   WHERE role = r.name ORDER BY at DESC, ord DESC) j))"
		" FROM role r JOIN entity e ON e.kind = 'role' AND e.name = r.name"
		" WHERE r.name = ?1";

	return one(st, sql, name, "role", out, err);
}

enum baton_code query_team(struct store *st, const char *name, json_t **out,
			   struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_object('kind', 'team', 'name', t.name,"
		" 'displayName', t.display_name, 'parent', t.parent,"
		" 'description', t.description,"
		" 'subteams', (SELECT json_group_array(json_object('name', c.name,"
		"   'displayName', c.display_name)) FROM (SELECT * FROM team"
		"   WHERE parent = t.name ORDER BY name) c),"
		" 'roles', (SELECT json_group_array(json_object('name', r.name,"
		"   'title', r.title, 'holders', (SELECT json_group_array("
		"   json_object('person', h.person, 'as', h.kind)) FROM holder h"
		"   WHERE h.role = r.name AND h.until IS NULL)))"
		"   FROM (SELECT * FROM role WHERE team = t.name ORDER BY name) r),"
		" 'people', (SELECT json_group_array(json_object('name', p.name,"
		"   'displayName', p.display_name, 'status', p.status))"
		"   FROM (SELECT * FROM person WHERE team = t.name ORDER BY name) p))"
		" FROM team t WHERE t.name = ?1";

	return one(st, sql, name, "team", out, err);
}

enum baton_code query_process(struct store *st, const char *name,
			      json_t **out, struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_object('kind', 'process', 'name', p.name,"
		" 'title', p.title, 'owner', p.owner, 'body', p.body,"
		" 'steps', (SELECT json_group_array(text) FROM (SELECT text FROM"
		"   process_step WHERE process = p.name ORDER BY ord)),"
		" 'systems', coalesce(json_extract(e.spec, '$.systems'), json('[]')),"
		" 'knownBy', (SELECT json_group_array(person) FROM (SELECT person"
		"   FROM known_by WHERE process = p.name ORDER BY person)),"
		" 'reviewEvery', json_extract(e.spec, '$.reviewEvery'),"
		" 'lastReviewed', p.last_reviewed,"
		" 'usedBy', (SELECT json_group_array(json_object('role', role,"
		"   'responsibility', resp)) FROM (SELECT * FROM responsibility_process"
		"   WHERE process = p.name ORDER BY role, resp)))"
		" FROM process p JOIN entity e ON e.kind = 'process' AND e.name = p.name"
		" WHERE p.name = ?1";

	return one(st, sql, name, "process", out, err);
}

enum baton_code query_who(struct store *st, const char *name, json_t **out,
			  struct baton_error *err)
{
	const char *slash = strchr(name, '/');
	enum kind k = KIND_NONE;
	char kind[32];
	int ex;

	*out = NULL;
	if (slash) {
		snprintf(kind, sizeof(kind), "%.*s", (int)(slash - name), name);
		k = kind_parse(kind);
		name = slash + 1;
		if (k != KIND_PERSON && k != KIND_ROLE && k != KIND_TEAM &&
		    k != KIND_PROCESS)
			return baton_fail(err, BATON_USAGE,
				"'who' takes a person, role, team or process, not '%s'", kind);
	} else {
		static const enum kind order[] = { KIND_PERSON, KIND_ROLE, KIND_TEAM,
						   KIND_PROCESS };
		size_t i;

		for (i = 0; i < 4 && k == KIND_NONE; i++) {
			ex = entity_exists(st, order[i], name, err);
			if (ex < 0)
				return err ? err->code : BATON_DB;
			if (ex)
				k = order[i];
		}
		if (k == KIND_NONE)
			return baton_fail(err, BATON_NOTFOUND,
				"no person, role, team or process is called '%s'", name);
	}
	switch (k) {
	case KIND_PERSON: return query_person(st, name, out, err);
	case KIND_ROLE: return query_role(st, name, out, err);
	case KIND_TEAM: return query_team(st, name, out, err);
	default: return query_process(st, name, out, err);
	}
}

enum baton_code query_log(struct store *st, const char *entity, int limit,
			  json_t **out, struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_group_array(json_object('id', id, 'at', at, 'actor', actor,"
		" 'entity', entity, 'action', action, 'before', json(before),"
		" 'after', json(after))) FROM (SELECT * FROM event"
		" WHERE ?1 IS NULL OR entity = ?1 ORDER BY id DESC LIMIT CAST(?2 AS INTEGER))";
	char lim[24];
	const char *params[2] = { entity, lim };

	snprintf(lim, sizeof(lim), "%d", limit > 0 ? limit : -1);
	return query_json(st, sql, params, 2, out, err);
}

enum baton_code query_summary(struct store *st, json_t **out,
			      struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_object("
		" 'people', (SELECT count(*) FROM person WHERE status <> 'left'),"
		" 'leaving', (SELECT count(*) FROM person WHERE status = 'leaving'),"
		" 'teams', (SELECT count(*) FROM team),"
		" 'roles', (SELECT count(*) FROM role),"
		" 'processes', (SELECT count(*) FROM process),"
		" 'rules', (SELECT count(*) FROM rule),"
		" 'events', (SELECT count(*) FROM event))";

	return query_json(st, sql, NULL, 0, out, err);
}
