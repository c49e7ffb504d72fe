/* audit.c - the audit checks, the truck factor and "what if they left".
 *
 * Design. Every check is one static function listed in `checks[]` with its
 * id; it appends findings to a context. Checks that are joins (vacant
 * roles, single holders, silos...) are one set-based SQL query each; the
 * ones that need a walk or a text scan (escalation paths, shadowed rules,
 * people named in processes, truck factors) load the rows they need once
 * into arrays and work in memory, so the whole audit is linear (or n log n)
 * in the size of the organisation.
 *
 * "As if they had left" (whatif) never writes: the people are passed as a
 * JSON array bound to ?2 of every query (ACT_CTE below), which treats them
 * exactly as people whose status is `left`.
 *
 * Name lookups use jansson objects as string hash tables.
 */
#include "audit.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "model.h"
#include "strbuf.h"
#include "topic.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DEFAULT_MAX_ROLES 4

/* act: active people, not gone; cur: their holder rows current on the
 * audit date, with the holder's status. Both are computed once per run
 * (scope_open below: a TEMP view or table and a TEMP table) instead of
 * being materialised again, with an automatic index, by every query;
 * ACT_CTE names them as the queries always did. */
#define ACT_CTE \
	"WITH act AS NOT MATERIALIZED (SELECT name, status, team FROM temp.audit_act)," \
	" cur AS NOT MATERIALIZED (SELECT role, person, kind, status FROM temp.audit_cur) "

/* The team a rule belongs to: its handler role's, or its handler person's. */
#define RULE_TEAM \
	"coalesce((SELECT team FROM role WHERE r.handler_kind = 'role'" \
	" AND name = r.handler_name), (SELECT team FROM person" \
	" WHERE r.handler_kind = 'person' AND name = r.handler_name))"

const char *const audit_check_ids[] = {
	"vacant-role", "single-holder", "undocumented-responsibility",
	"person-routing", "person-in-process", "knowledge-silo",
	"stale-process", "escalation-dead-end", "leaving-without-handover",
	"relationship-at-risk", "overloaded-person", "handover-skipped-item",
	"shadowed-rule", "truck-factor-one", NULL
};

const char *audit_severity_name(enum audit_severity s)
{
	switch (s) {
	case AUDIT_ERROR: return "error";
	case AUDIT_WARNING: return "warning";
	default: return "info";
	}
}

int audit_check_known(const char *id)
{
	size_t i;

	for (i = 0; id && audit_check_ids[i]; i++)
		if (!strcmp(id, audit_check_ids[i]))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Context and findings                                                */
/* ------------------------------------------------------------------ */

struct finding {
	const char *check;          /* static id */
	enum audit_severity severity;
	char *entity;               /* KIND/NAME */
	char *team;                 /* NULL when the entity has no team */
	char *message;
};

struct ctx {
	struct store *st;
	const char *date;
	char *gone;                 /* JSON array text bound to ?2 */
	size_t ngone;               /* its length */
	int max_roles;
	struct finding *f;
	size_t n, alloc;
	struct baton_error *err;
	struct rules *rules;        /* loaded once for the checks (ctx_rules) */
	int scope;                  /* the TEMP tables exist */
	int own_tx;                 /* scope_open began the transaction */
	int cur_view;               /* audit_cur is a view (scope_open) */
};

static void scope_close(struct ctx *c);
static void rules_free(struct rules *rs);

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void ctx_release(struct ctx *c)
{
	size_t i;

	if (c->st)
		scope_close(c);
	rules_free(c->rules);
	c->rules = NULL;
	for (i = 0; i < c->n; i++) {
		free(c->f[i].entity);
		free(c->f[i].team);
		free(c->f[i].message);
	}
	free(c->f);
	free(c->gone);
	c->f = NULL;
	c->n = c->alloc = 0;
	c->gone = NULL;
}

static enum baton_code nomem(struct baton_error *err)
{
	return baton_fail(err, BATON_NOMEM, "out of memory");
}

/* Append a finding on entity KIND/NAME; `team` may be NULL. */
static enum baton_code add(struct ctx *c, const char *check,
			   enum audit_severity sev, const char *kind,
			   const char *name, const char *team,
			   const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static enum baton_code add(struct ctx *c, const char *check,
			   enum audit_severity sev, const char *kind,
			   const char *name, const char *team,
			   const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, ent = STRBUF_INIT;
	struct finding *f;
	va_list ap;

	if (c->n == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 32;
		struct finding *nf = realloc(c->f, na * sizeof(*nf));

		if (!nf)
			return nomem(c->err);
		c->f = nf;
		c->alloc = na;
	}
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* KIND/NAME without printf: one for each of the many findings */
	strbuf_addstr(&ent, kind);
	strbuf_addch(&ent, '/');
	strbuf_addstr(&ent, name ? name : "");
	f = &c->f[c->n];
	f->check = check;
	f->severity = sev;
	f->message = strbuf_detach(&msg);
	f->entity = strbuf_detach(&ent);
	f->team = xstrdup(team);
	if (!f->message || !f->entity || (team && !f->team)) {
		free(f->message);
		free(f->entity);
		free(f->team);
		return nomem(c->err);
	}
	c->n++;
	return BATON_OK;
}

/* A cached statement with ?1 = date, ?2 = gone, ?3 = max roles bound as
 * far as the SQL uses them. */
static sqlite3_stmt *prep(struct ctx *c, const char *sql)
{
	sqlite3_stmt *s = store_cached(c->st, sql, c->err);
	int np;

	if (!s)
		return NULL;
	np = sqlite3_bind_parameter_count(s);
	/* TRANSIENT: the store keeps the statement after the context is gone. */
	if ((np >= 1 && sqlite3_bind_text(s, 1, c->date, -1, SQLITE_TRANSIENT)) ||
	    (np >= 2 && sqlite3_bind_text(s, 2, c->gone, -1, SQLITE_TRANSIENT)) ||
	    (np >= 3 && sqlite3_bind_int(s, 3, c->max_roles))) {
		store_fail(c->st, c->err, "cannot bind the audit parameters");
		return NULL;
	}
	return s;
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Finish a row loop: the check's own failure, else BATON_OK when the last
 * step was SQLITE_DONE. Resets the statement either way. */
static enum baton_code done(struct ctx *c, sqlite3_stmt *s, int rc,
			    enum baton_code brc)
{
	if (!brc && rc != SQLITE_DONE)
		brc = store_fail(c->st, c->err, "cannot run the audit");
	sqlite3_reset(s);
	return brc;
}

/* The one integer a counting query answers, into *n (0 when none). */
static enum baton_code count_rows(struct ctx *c, const char *sql, size_t *n)
{
	sqlite3_stmt *s = prep(c, sql);
	int rc;

	*n = 0;
	if (!s)
		return c->err->code;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_int64(s, 0) > 0)
		*n = (size_t)sqlite3_column_int64(s, 0);
	return done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, BATON_OK);
}

/* Drop what scope_open made; audit_act is a view or a table. */
static void scope_drop(struct ctx *c)
{
	sqlite3_exec(c->st->db, "DROP TABLE IF EXISTS temp.audit_cur", NULL, NULL, NULL);
	sqlite3_exec(c->st->db, "DROP VIEW IF EXISTS temp.audit_cur", NULL, NULL, NULL);
	sqlite3_exec(c->st->db, "DROP VIEW IF EXISTS temp.audit_act", NULL, NULL, NULL);
	sqlite3_exec(c->st->db, "DROP TABLE IF EXISTS temp.audit_act", NULL, NULL, NULL);
}

/* Open a run's scope: one read transaction when the caller holds none
 * (one snapshot, one WAL read lock) and the TEMP tables that ACT_CTE reads
 * (see there). Pair with scope_close.
 *
 * When nobody is gone, audit_act is a view of person (the queries look
 * people up by the primary key as they would in the table); otherwise it
 * is a table with the gone people left out: SQLite 3.40 runs the json_each
 * subquery again for every person, so it is run once here.
 *
 * With c->cur_view, audit_cur is a view instead of an indexed table: for
 * the second thread of a parallel audit, whose checks read it once from
 * end to end (the truck factor), where building the table would cost more
 * than it saves. */
static enum baton_code scope_open(struct ctx *c)
{
	static const char view_sql[] =
		"CREATE TEMP VIEW audit_act AS SELECT name, status, team FROM person"
		" WHERE status IN ('active', 'leaving')";
	static const char gone_sql[] =
		"CREATE TEMP TABLE audit_act AS SELECT name, status, team FROM person"
		" WHERE status IN ('active', 'leaving')"
		" AND name NOT IN (SELECT value FROM json_each(?2))";
	/* People first, each with their holder rows: a pass over person in
	 * order rather than a lookup in it for every holder row. */
	static const char cur_sql[] =
		"CREATE TEMP TABLE audit_cur AS SELECT h.role, h.person, h.kind, act.status"
		" FROM temp.audit_act act CROSS JOIN holder h ON h.person = act.name"
		" WHERE (h.until IS NULL OR h.until >= ?1)"
		" AND (h.since IS NULL OR h.since <= ?1)";
	static const char cur_view_sql[] =
		"CREATE TEMP VIEW audit_cur AS SELECT h.role, h.person, h.kind, act.status"
		" FROM holder h JOIN temp.audit_act act ON act.name = h.person"
		" WHERE (h.until IS NULL OR h.until >= %Q)"
		" AND (h.since IS NULL OR h.since <= %Q)";
	const char *const sqls[] = { c->ngone ? gone_sql : view_sql, cur_sql };
	char *sql;
	sqlite3_stmt *s = NULL;
	enum baton_code brc;
	size_t i;

	if (!c->own_tx && (brc = store_read_begin(c->st, &c->own_tx, c->err)))
		return brc;
	c->scope = 1;
	scope_drop(c);
	/* The TEMP schema has SQLite's default 2 MB cache: the tables and
	 * sorts would spill to a temporary file at 100,000 people. */
	if ((brc = store_exec(c->st, "PRAGMA temp.cache_size = -65536", c->err)))
		return brc;
	for (i = 0; i < ARRAY_SIZE(sqls) - (c->cur_view ? 1 : 0); i++) {
		if ((brc = store_prepare(c->st, sqls[i], &s, c->err)))
			return brc;
		if ((sqlite3_bind_parameter_count(s) >= 1 &&
		     sqlite3_bind_text(s, 1, c->date, -1, SQLITE_STATIC)) ||
		    (sqlite3_bind_parameter_count(s) >= 2 &&
		     sqlite3_bind_text(s, 2, c->gone, -1, SQLITE_STATIC)) ||
		    sqlite3_step(s) != SQLITE_DONE) {
			brc = store_fail(c->st, c->err, "cannot prepare the audit of");
			sqlite3_finalize(s);
			return brc;
		}
		sqlite3_finalize(s);
		if (i == 0 && c->ngone &&
		    (brc = store_exec(c->st, "CREATE UNIQUE INDEX temp.audit_act_name"
				      " ON audit_act(name)", c->err)))
			return brc;
	}
	if (c->cur_view) {
		/* A view holds no parameters: the date goes into its
		 * text, quoted by %Q. */
		if (!(sql = sqlite3_mprintf(cur_view_sql, c->date, c->date)))
			return nomem(c->err);
		brc = store_exec(c->st, sql, c->err);
		sqlite3_free(sql);
		return brc;
	}
	return store_exec(c->st,
			  "CREATE INDEX temp.audit_cur_role ON audit_cur(role, person);"
			  " CREATE INDEX temp.audit_cur_person ON audit_cur(person, role)",
			  c->err);
}

/* Drop the TEMP tables and end the transaction scope_open began. Safe to
 * call when nothing is open; failures here change no result. */
static void scope_close(struct ctx *c)
{
	if (c->scope)
		scope_drop(c);
	c->scope = 0;
	store_read_end(c->st, c->own_tx);
	c->own_tx = 0;
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ------------------------------------------------------------------ */
/* Checks that are one query                                           */
/* ------------------------------------------------------------------ */

static enum baton_code check_vacant_role(struct ctx *c)
{
	static const char sql[] = ACT_CTE
		"SELECT r.name, r.team,"
		" (SELECT count(*) FROM responsibility WHERE role = r.name) AS nresp,"
		" (SELECT count(*) FROM rule WHERE handler_kind = 'role'"
		"  AND handler_name = r.name) AS nrule"
		" FROM role r WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.role = r.name)"
		" AND (nresp > 0 OR nrule > 0)";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int nresp = sqlite3_column_int(s, 2), nrule = sqlite3_column_int(s, 3);

		brc = add(c, "vacant-role", AUDIT_ERROR, "role", col(s, 0), col(s, 1),
			  "role/%s has no active holder but %d %s and %d %s routing to it: appoint a holder",
			  col(s, 0), nresp, plural(nresp, "responsibility", "responsibilities"),
			  nrule, plural(nrule, "rule", "rules"));
	}
	return done(c, s, rc, brc);
}

static enum baton_code check_single_holder(struct ctx *c)
{
	static const char sql[] = ACT_CTE
		"SELECT r.name, r.team, min(cur.person) FROM role r"
		" JOIN cur ON cur.role = r.name GROUP BY r.name"
		" HAVING min(cur.person) = max(cur.person)";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW)
		brc = add(c, "single-holder", AUDIT_WARNING, "role", col(s, 0), col(s, 1),
			  "role/%s has one holder (%s) and no backup: name a backup holder",
			  col(s, 0), col(s, 2));
	return done(c, s, rc, brc);
}

static enum baton_code check_undocumented_responsibility(struct ctx *c)
{
	static const char sql[] =
		"SELECT r.role, ro.team, r.id FROM responsibility r"
		" LEFT JOIN role ro ON ro.name = r.role"
		" WHERE NOT EXISTS (SELECT 1 FROM responsibility_process p"
		"  WHERE p.role = r.role AND p.resp = r.id)";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW)
		brc = add(c, "undocumented-responsibility", AUDIT_WARNING, "role",
			  col(s, 0), col(s, 1),
			  "role/%s: responsibility '%s' has no process: document how it is done and list the process under it",
			  col(s, 0), col(s, 2));
	return done(c, s, rc, brc);
}

static enum baton_code check_person_routing(struct ctx *c)
{
	static const char sql[] = ACT_CTE
		"SELECT r.name, " RULE_TEAM ", r.handler_name,"
		" (SELECT group_concat(role, ', ') FROM (SELECT DISTINCT role FROM cur"
		"  WHERE cur.person = r.handler_name ORDER BY role))"
		" FROM rule r WHERE r.handler_kind = 'person'";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *roles = col(s, 3);

		if (roles)
			brc = add(c, "person-routing", AUDIT_ERROR, "rule", col(s, 0), col(s, 1),
				  "rule/%s routes to person/%s, not a role: route it to a role (%s holds %s)",
				  col(s, 0), col(s, 2), col(s, 2), roles);
		else
			brc = add(c, "person-routing", AUDIT_ERROR, "rule", col(s, 0), col(s, 1),
				  "rule/%s routes to person/%s, not a role: route it to a role",
				  col(s, 0), col(s, 2));
	}
	return done(c, s, rc, brc);
}

static enum baton_code check_knowledge_silo(struct ctx *c)
{
	static const char sql[] = ACT_CTE
		"SELECT p.name, o.team, min(act.name) IS NOT NULL, min(act.name)"
		" FROM process p LEFT JOIN role o ON o.name = p.owner"
		" LEFT JOIN known_by k ON k.process = p.name"
		" LEFT JOIN act ON act.name = k.person"
		" GROUP BY p.name HAVING min(act.name) IS NULL OR min(act.name) = max(act.name)";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_int(s, 2) == 0)
			brc = add(c, "knowledge-silo", AUDIT_ERROR, "process", col(s, 0), col(s, 1),
				  "process/%s is known by no active person: have someone learn it and add them to knownBy",
				  col(s, 0));
		else
			brc = add(c, "knowledge-silo", AUDIT_WARNING, "process", col(s, 0), col(s, 1),
				  "process/%s is known only by %s: train a second person and add them to knownBy",
				  col(s, 0), col(s, 3));
	}
	return done(c, s, rc, brc);
}

static enum baton_code check_stale_process(struct ctx *c)
{
	/* Without reviewEvery a reviewed process is never overdue. */
	static const char sql[] =
		"SELECT p.name, o.team, p.last_reviewed,"
		" date(p.last_reviewed, '+' || p.review_days || ' days')"
		" FROM process p LEFT JOIN role o ON o.name = p.owner"
		" WHERE p.last_reviewed IS NULL OR (p.review_days IS NOT NULL"
		"  AND date(p.last_reviewed, '+' || p.review_days || ' days') < ?1)";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!col(s, 2))
			brc = add(c, "stale-process", AUDIT_WARNING, "process", col(s, 0), col(s, 1),
				  "process/%s has never been reviewed: review it and set lastReviewed",
				  col(s, 0));
		else
			brc = add(c, "stale-process", AUDIT_WARNING, "process", col(s, 0), col(s, 1),
				  "process/%s was last reviewed on %s and was due for review on %s: review it and update lastReviewed",
				  col(s, 0), col(s, 2), col(s, 3));
	}
	return done(c, s, rc, brc);
}

static enum baton_code check_leaving_without_handover(struct ctx *c)
{
	static const char sql[] = ACT_CTE
		"SELECT a.name, a.team, pe.leaving_on, group_concat(c.role, ', ')"
		" FROM (SELECT DISTINCT role, person FROM cur WHERE status = 'leaving'"
		"  ORDER BY role) c"
		" JOIN act a ON a.name = c.person JOIN person pe ON pe.name = a.name"
		" WHERE a.status = 'leaving' AND NOT EXISTS (SELECT 1 FROM handover h"
		"  JOIN handover_role hr ON hr.handover = h.id WHERE h.state = 'open'"
		"  AND h.from_person = a.name AND hr.role = c.role)"
		" GROUP BY a.name";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *on = col(s, 2);

		brc = add(c, "leaving-without-handover", AUDIT_ERROR, "person", col(s, 0),
			  col(s, 1),
			  "person/%s is leaving%s%s and holds %s with no open handover: run 'baton offboard %s --to SUCCESSOR'",
			  col(s, 0), on ? " on " : "", on ? on : "", col(s, 3), col(s, 0));
	}
	return done(c, s, rc, brc);
}

static enum baton_code check_relationship_at_risk(struct ctx *c)
{
	static const char sql[] = ACT_CTE
		"SELECT rel.role, ro.team, rel.with_kind, rel.with_name,"
		" rel.health = 'red', lv.person FROM relationship rel"
		" JOIN role ro ON ro.name = rel.role"
		" LEFT JOIN (SELECT role, min(person) AS person FROM cur GROUP BY role"
		"  HAVING min(person) = max(person) AND min(status) = 'leaving') lv"
		"  ON lv.role = rel.role"
		" WHERE rel.health = 'red' OR lv.person IS NOT NULL"
		" ORDER BY rel.role, rel.ord";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct strbuf with = STRBUF_INIT;
		int red = sqlite3_column_int(s, 4);
		const char *leaver = col(s, 5);

		if (!strcmp(col(s, 2), "party"))
			strbuf_addf(&with, "party:\"%s\"", col(s, 3));
		else
			strbuf_addf(&with, "%s:%s", col(s, 2), col(s, 3));
		if (!strbuf_ok(&with))
			brc = nomem(c->err);
		else if (red && leaver)
			brc = add(c, "relationship-at-risk", AUDIT_WARNING, "role", col(s, 0), col(s, 1),
				  "role/%s: the relationship with %s is red and its only holder (%s) is leaving: agree a recovery plan and introduce a successor",
				  col(s, 0), with.buf, leaver);
		else if (red)
			brc = add(c, "relationship-at-risk", AUDIT_WARNING, "role", col(s, 0), col(s, 1),
				  "role/%s: the relationship with %s is red: agree a recovery plan with them",
				  col(s, 0), with.buf);
		else
			brc = add(c, "relationship-at-risk", AUDIT_WARNING, "role", col(s, 0), col(s, 1),
				  "role/%s: the relationship with %s rests on its only holder (%s), who is leaving: introduce a successor",
				  col(s, 0), with.buf, leaver);
		strbuf_release(&with);
	}
	return done(c, s, rc, brc);
}

static enum baton_code check_overloaded_person(struct ctx *c)
{
	static const char sql[] = ACT_CTE
		"SELECT a.name, a.team, d.n, ?3"
		" FROM (SELECT person, count(*) AS n FROM (SELECT DISTINCT person, role FROM cur)"
		"  GROUP BY person HAVING count(*) > ?3) d JOIN act a ON a.name = d.person";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW)
		brc = add(c, "overloaded-person", AUDIT_INFO, "person", col(s, 0), col(s, 1),
			  "person/%s holds %d roles (more than %d): hand some over or name backups who can take them",
			  col(s, 0), sqlite3_column_int(s, 2), c->max_roles);
	return done(c, s, rc, brc);
}

static enum baton_code check_handover_skipped_item(struct ctx *c)
{
	static const char sql[] =
		"SELECT h.id, h.from_person, h.to_person, i.item, i.role, i.text,"
		" coalesce(ro.team, tp.team)"
		" FROM handover h JOIN handover_item i ON i.handover = h.id"
		" LEFT JOIN role ro ON ro.name = i.role"
		" LEFT JOIN person tp ON tp.name = h.to_person"
		" WHERE h.state = 'completed' AND i.skipped = 1 ORDER BY h.id, i.item";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *from = col(s, 1), *role = col(s, 4);

		brc = add(c, "handover-skipped-item", AUDIT_WARNING, role ? "role" : "person",
			  role ? role : col(s, 2), col(s, 6),
			  "handover %lld (%s to %s) was completed with item %d left undone (\"%s\"): finish it with %s",
			  (long long)sqlite3_column_int64(s, 0), from ? from : "nobody",
			  col(s, 2), sqlite3_column_int(s, 3), col(s, 5), col(s, 2));
	}
	return done(c, s, rc, brc);
}

/* ------------------------------------------------------------------ */
/* Roles and rules in memory: escalation paths, shadowed rules, routes */
/* ------------------------------------------------------------------ */

/* Names to indexes, with a jansson object as the hash table. */
static int index_put(json_t *idx, const char *name, size_t i)
{
	return json_object_set_new(idx, name, json_integer((json_int_t)i));
}

static int index_get(const json_t *idx, const char *name)
{
	json_t *v = name ? json_object_get(idx, name) : NULL;

	return v ? (int)json_integer_value(v) : -1;
}

struct roles {
	size_t n;
	char **name, **team;
	int *up;                  /* index of reportsTo, -1 for none */
	unsigned char *held;      /* has an active current holder */
	unsigned char *avail;     /* ... who is not absent on the date */
	json_t *index;
};

static void roles_release(struct roles *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->name[i]);
		free(r->team[i]);
	}
	free(r->name);
	free(r->team);
	free(r->up);
	free(r->held);
	free(r->avail);
	json_decref(r->index);
	memset(r, 0, sizeof(*r));
}

#define AVAILABLE(who) \
	" NOT EXISTS (SELECT 1 FROM absence ab WHERE ab.person = " who \
	" AND ab.from_date <= ?1 AND ab.to_date >= ?1)"

static enum baton_code roles_load(struct ctx *c, struct roles *r)
{
	static const char count_sql[] = "SELECT count(*) FROM role";
	static const char sql[] = ACT_CTE
		"SELECT r.name, r.team, r.reports_to,"
		" EXISTS (SELECT 1 FROM cur WHERE cur.role = r.name),"
		" EXISTS (SELECT 1 FROM cur WHERE cur.role = r.name AND"
		AVAILABLE("cur.person") ")"
		" FROM role r ORDER BY r.name";
	sqlite3_stmt *s;
	char **ups = NULL;
	size_t i, cap;
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	memset(r, 0, sizeof(*r));
	if (!(s = prep(c, count_sql)))
		return c->err->code;
	rc = sqlite3_step(s);
	cap = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(s, 0) : 0;
	if ((brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, BATON_OK)))
		return brc;
	r->name = calloc(cap + 1, sizeof(*r->name));
	r->team = calloc(cap + 1, sizeof(*r->team));
	r->up = calloc(cap + 1, sizeof(*r->up));
	r->held = calloc(cap + 1, 1);
	r->avail = calloc(cap + 1, 1);
	ups = calloc(cap + 1, sizeof(*ups));
	r->index = json_object();
	if (!r->name || !r->team || !r->up || !r->held || !r->avail || !ups || !r->index) {
		brc = nomem(c->err);
		goto out;
	}
	if (!(s = prep(c, sql))) {
		brc = c->err->code;
		goto out;
	}
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (r->n == cap)
			break; /* the count came from the same snapshot */
		i = r->n++;
		r->name[i] = xstrdup(col(s, 0));
		r->team[i] = xstrdup(col(s, 1));
		ups[i] = xstrdup(col(s, 2));
		r->held[i] = (unsigned char)sqlite3_column_int(s, 3);
		r->avail[i] = (unsigned char)sqlite3_column_int(s, 4);
		if (!r->name[i] || (col(s, 1) && !r->team[i]) || (col(s, 2) && !ups[i]) ||
		    index_put(r->index, r->name[i], i))
			brc = nomem(c->err);
	}
	if ((brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc)))
		goto out;
	for (i = 0; i < r->n; i++)
		r->up[i] = index_get(r->index, ups[i]);
out:
	if (ups)
		for (i = 0; i < cap; i++)
			free(ups[i]);
	free(ups);
	if (brc)
		roles_release(r);
	return brc;
}

struct rule_row {
	char *name, *team, *topic, *handler_kind, *handler_name, *escalate_to;
	int priority;
	int person_avail;         /* person handler: active and not absent */
};

struct rules {
	size_t n, alloc;
	struct rule_row *r;
};

static void rules_release(struct rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		struct rule_row *r = &rs->r[i];

		free(r->name);
		free(r->team);
		free(r->topic);
		free(r->handler_kind);
		free(r->handler_name);
		free(r->escalate_to);
	}
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

static enum baton_code rules_load(struct ctx *c, struct rules *rs)
{
	static const char sql[] = ACT_CTE
		"SELECT r.name, " RULE_TEAM ", r.topic, r.handler_kind, r.handler_name,"
		" r.escalate_to, r.priority,"
		" EXISTS (SELECT 1 FROM act WHERE r.handler_kind = 'person'"
		"  AND act.name = r.handler_name AND" AVAILABLE("act.name") ")"
		" FROM rule r ORDER BY r.name";
	sqlite3_stmt *s = prep(c, sql);
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	memset(rs, 0, sizeof(*rs));
	if (!s)
		return c->err->code;
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct rule_row *r;

		if (rs->n == rs->alloc) {
			size_t na = rs->alloc ? rs->alloc * 2 : 64;
			struct rule_row *nr = realloc(rs->r, na * sizeof(*nr));

			if (!nr) {
				brc = nomem(c->err);
				break;
			}
			rs->r = nr;
			rs->alloc = na;
		}
		r = &rs->r[rs->n++];
		r->name = xstrdup(col(s, 0));
		r->team = xstrdup(col(s, 1));
		r->topic = xstrdup(col(s, 2));
		r->handler_kind = xstrdup(col(s, 3));
		r->handler_name = xstrdup(col(s, 4));
		r->escalate_to = xstrdup(col(s, 5));
		r->priority = sqlite3_column_int(s, 6);
		r->person_avail = sqlite3_column_int(s, 7);
		if (!r->name || (col(s, 1) && !r->team) || (col(s, 2) && !r->topic) ||
		    !r->handler_kind || !r->handler_name || (col(s, 5) && !r->escalate_to))
			brc = nomem(c->err);
	}
	brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc);
	if (brc)
		rules_release(rs);
	return brc;
}

static void rules_free(struct rules *rs)
{
	if (rs)
		rules_release(rs);
	free(rs);
}

/* The rules, loaded on first use and kept until ctx_release: two checks
 * read them. */
static enum baton_code ctx_rules(struct ctx *c, const struct rules **out)
{
	enum baton_code brc;

	if (!c->rules) {
		if (!(c->rules = calloc(1, sizeof(*c->rules))))
			return nomem(c->err);
		if ((brc = rules_load(c, c->rules))) {
			free(c->rules);
			c->rules = NULL;
			return brc;
		}
	}
	*out = c->rules;
	return BATON_OK;
}

enum chain { CHAIN_OK = 1, CHAIN_CYCLE, CHAIN_DEAD };

struct chains {
	unsigned char *state;   /* 0 new, 1 on the current walk, 2 known */
	unsigned char *res;     /* enum chain */
	int *at;                /* the vacant end, or a role on the cycle */
	int *stack;
};

/* Where the escalation chain starting at role x (inclusive) ends: each
 * role's result is remembered, so all chains cost O(roles) together. */
static enum chain chain_eval(const struct roles *r, struct chains *ch, int x,
			     int *at)
{
	size_t n = 0, i;
	enum chain res;
	int a;

	for (;;) {
		if (ch->state[x] == 2) {
			res = ch->res[x];
			a = ch->at[x];
			break;
		}
		if (ch->state[x] == 1) {
			res = CHAIN_CYCLE;
			a = x;
			break;
		}
		ch->state[x] = 1;
		ch->stack[n++] = x;
		if (r->up[x] < 0) {
			res = r->held[x] ? CHAIN_OK : CHAIN_DEAD;
			a = x;
			break;
		}
		x = r->up[x];
	}
	for (i = 0; i < n; i++) {
		ch->state[ch->stack[i]] = 2;
		ch->res[ch->stack[i]] = (unsigned char)res;
		ch->at[ch->stack[i]] = a;
	}
	*at = a;
	return res;
}

/* "a -> b -> a": the cycle through role `at`. */
static void cycle_text(const struct roles *r, int at, struct strbuf *sb)
{
	int x = at;
	size_t steps = 0;

	strbuf_addstr(sb, r->name[at]);
	do {
		x = r->up[x];
		strbuf_addf(sb, " -> %s", r->name[x]);
	} while (x != at && ++steps <= r->n);
}

static enum baton_code chain_finding(struct ctx *c, const struct roles *r,
				     const char *kind, const char *name,
				     const char *team, enum chain res, int at)
{
	struct strbuf sb = STRBUF_INIT;
	enum baton_code brc = BATON_OK;

	if (res == CHAIN_CYCLE) {
		cycle_text(r, at, &sb);
		if (!strbuf_ok(&sb))
			return nomem(c->err);
		brc = add(c, "escalation-dead-end", AUDIT_ERROR, kind, name, team,
			  "%s/%s: its escalation path cycles (%s): point one of these reportsTo outside the loop",
			  kind, name, sb.buf);
	} else if (res == CHAIN_DEAD) {
		brc = add(c, "escalation-dead-end", AUDIT_ERROR, kind, name, team,
			  "%s/%s: its escalation path ends at role/%s, which has no active holder: appoint a holder or give it a reportsTo",
			  kind, name, r->name[at]);
	}
	strbuf_release(&sb);
	return brc;
}

static enum baton_code check_escalation_dead_end(struct ctx *c)
{
	struct roles r;
	const struct rules *rsp;
	struct chains ch = { NULL, NULL, NULL, NULL };
	enum baton_code brc;
	size_t i;
	int at;

	if ((brc = roles_load(c, &r)))
		return brc;
	if ((brc = ctx_rules(c, &rsp))) {
		roles_release(&r);
		return brc;
	}
	ch.state = calloc(r.n + 1, 1);
	ch.res = calloc(r.n + 1, 1);
	ch.at = calloc(r.n + 1, sizeof(int));
	ch.stack = calloc(r.n + 1, sizeof(int));
	if (!ch.state || !ch.res || !ch.at || !ch.stack) {
		brc = nomem(c->err);
		goto out;
	}
	/* A role's path starts at its reportsTo; a role without one is a top. */
	for (i = 0; !brc && i < r.n; i++) {
		enum chain res;

		if (r.up[i] < 0)
			continue;
		res = chain_eval(&r, &ch, r.up[i], &at);
		brc = chain_finding(c, &r, "role", r.name[i], r.team[i], res, at);
	}
	/* A rule's escalateTo replaces its handler's reportsTo. */
	for (i = 0; !brc && i < rsp->n; i++) {
		int e = index_get(r.index, rsp->r[i].escalate_to);
		enum chain res;

		if (e < 0)
			continue;
		res = chain_eval(&r, &ch, e, &at);
		brc = chain_finding(c, &r, "rule", rsp->r[i].name, rsp->r[i].team, res, at);
	}
out:
	free(ch.state);
	free(ch.res);
	free(ch.at);
	free(ch.stack);
	roles_release(&r);
	return brc;
}

struct shadow {
	char *norm;          /* topic_normalize of the pattern */
	const char *name;
	int priority;
	size_t i;
};

/* Same pattern together; within it the winner first (higher priority, then
 * the smaller name), as topic_rank_cmp orders rules of equal rank. */
static int shadow_cmp(const void *a, const void *b)
{
	const struct shadow *x = a, *y = b;
	int d = strcmp(x->norm, y->norm);

	if (d)
		return d;
	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

static enum baton_code check_shadowed_rule(struct ctx *c)
{
	const struct rules *rsp;
	struct shadow *sh = NULL;
	size_t i, n = 0, w = 0;
	enum baton_code brc;

	if ((brc = ctx_rules(c, &rsp)))
		return brc;
	if (!(sh = calloc(rsp->n + 1, sizeof(*sh)))) {
		brc = nomem(c->err);
		goto out;
	}
	for (i = 0; i < rsp->n; i++) {
		if (!rsp->r[i].topic)
			continue; /* a rule found by free text only */
		if (!(sh[n].norm = topic_normalize(rsp->r[i].topic))) {
			brc = nomem(c->err);
			goto out;
		}
		sh[n].name = rsp->r[i].name;
		sh[n].priority = rsp->r[i].priority;
		sh[n++].i = i;
	}
	qsort(sh, n, sizeof(*sh), shadow_cmp);
	/* In each group of equal patterns the first one wins every time. */
	for (i = 0; !brc && i < n; i++) {
		const struct rule_row *r, *win;

		if (i == 0 || strcmp(sh[i].norm, sh[w].norm)) {
			w = i;
			continue;
		}
		r = &rsp->r[sh[i].i];
		win = &rsp->r[sh[w].i];
		brc = add(c, "shadowed-rule", AUDIT_WARNING, "rule", r->name, r->team,
			  "rule/%s can never win: rule/%s has the same topic '%s' and outranks it (priority %d, against %d): delete it or change its topic",
			  r->name, win->name, sh[i].norm, win->priority, r->priority);
	}
out:
	for (i = 0; sh && i < n; i++)
		free(sh[i].norm);
	free(sh);
	return brc;
}

/* ------------------------------------------------------------------ */
/* person-in-process: one matcher over every name, one scan per text   */
/* ------------------------------------------------------------------ */

/* Handles and emails are looked up per token, display names per sequence
 * of up to `maxwords` words: each text is tokenised once and each token
 * costs a few hash lookups, whatever the number of people. */

enum { HOW_HANDLE = 1, HOW_NAME = 2, HOW_EMAIL = 4 };

/* A string -> [person index...] hash table (open addressing); the keys
 * live in one arena and each key's people are a list in insertion order. */
struct nmap {
	struct nslot { uint32_t off, len; int head, tail; } *slot; /* 16 bytes */
	size_t cap, n;                    /* cap is a power of two */
	struct strbuf keys;
	struct ivec_pair { int *person, *next; size_t n, alloc; } list;
};

struct matcher {
	struct nmap handles, names, emails;
	int maxwords;
	size_t np;
	struct strbuf pnames;             /* the people's names, NUL-ended */
	size_t *poff;                     /* person -> offset in pnames */
	int *slot;                        /* person -> hit index, or -1 */
};

struct hit {
	int person;
	unsigned how;
	int where;                        /* 0 body, N step N */
	int places;
};

struct hits {
	struct hit *h;
	size_t n, alloc;
	int oom;
};

static int is_word(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch >= 0x80;
}

static int is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

static int is_token(unsigned char ch)
{
	return is_alnum(ch) || ch == '.' || ch == '_' || ch == '-' || ch == '+' ||
	       ch == '@' || ch == '%';
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Append s[0..n) ASCII-lower-cased (one copy, not one call per byte). */
static void add_lower(struct strbuf *sb, const char *s, size_t n)
{
	size_t at = sb->len, i;

	strbuf_add(sb, s, n);
	if (strbuf_ok(sb))
		for (i = at; i < sb->len; i++)
			sb->buf[i] = lower(sb->buf[i]);
}

/* The words of s, ASCII-lower-cased and joined by one space, into out;
 * returns the number of words. "Mary-Jane  O'Neil" -> "mary jane o neil". */
static int words_key(const char *s, struct strbuf *out)
{
	int n = 0;

	strbuf_reset(out);
	while (s && *s) {
		if (!is_word((unsigned char)*s)) {
			s++;
			continue;
		}
		const char *b = s;

		if (n++)
			strbuf_addch(out, ' ');
		while (*s && is_word((unsigned char)*s))
			s++;
		add_lower(out, b, (size_t)(s - b));
	}
	return n;
}

static size_t nmap_hash(const char *key, size_t len)
{
	return (size_t)fnv_bytes(FNV_INIT, key, len);
}

static struct nslot *nmap_find(const struct nmap *m, const char *key, size_t len)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = nmap_hash(key, len) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct nslot *sl = &m->slot[i];

		if (sl->head < 0)
			return sl;
		if (sl->len == len && !memcmp(m->keys.buf + sl->off, key, len))
			return sl;
	}
}

/* The first of the people under key, or -1; then nmap_next. */
static int nmap_get(const struct nmap *m, const char *key, size_t len)
{
	const struct nslot *sl = nmap_find(m, key, len);

	return sl ? sl->head : -1;
}

static int nmap_next(const struct nmap *m, int node)
{
	return m->list.next[node];
}

static int nmap_person(const struct nmap *m, int node)
{
	return m->list.person[node];
}

/* Rehash into ncap slots (a power of two, more than twice the keys). */
static int nmap_resize(struct nmap *m, size_t ncap)
{
	struct nslot *old = m->slot, *ns = malloc(ncap * sizeof(*ns));
	size_t i;

	if (!ns)
		return -1;
	for (i = 0; i < ncap; i++)
		ns[i].head = -1;
	m->slot = ns;
	for (i = 0; i < m->cap; i++) {
		if (old[i].head >= 0) {
			size_t j = nmap_hash(m->keys.buf + old[i].off, old[i].len) & (ncap - 1);

			while (ns[j].head >= 0)
				j = (j + 1) & (ncap - 1);
			ns[j] = old[i];
		}
	}
	m->cap = ncap;
	free(old);
	return 0;
}

static int nmap_grow(struct nmap *m)
{
	return nmap_resize(m, m->cap ? m->cap * 2 : 1024);
}

static int nmap_list_resize(struct nmap *m, size_t na)
{
	int *np = realloc(m->list.person, na * sizeof(int));
	int *nn = np ? realloc(m->list.next, na * sizeof(int)) : NULL;

	if (np)
		m->list.person = np;
	if (!nn)
		return -1;
	m->list.next = nn;
	m->list.alloc = na;
	return 0;
}

/* Room for n keys and n people without growing: one table of the final
 * size instead of a rehash (and fresh pages) at every doubling. Only
 * the speed depends on n. */
static int nmap_reserve(struct nmap *m, size_t n)
{
	size_t cap = 1024;

	while ((n + 1) * 2 > cap)
		cap *= 2;
	if (cap > m->cap && nmap_resize(m, cap))
		return -1;
	if (n > m->list.alloc && nmap_list_resize(m, n))
		return -1;
	return 0;
}

static int map_add(struct nmap *m, const char *key, size_t len, int person)
{
	struct nslot *sl;
	int node;

	if ((m->n + 1) * 2 > m->cap && nmap_grow(m))
		return -1;
	if (m->list.n == m->list.alloc &&
	    nmap_list_resize(m, m->list.alloc ? m->list.alloc * 2 : 1024))
		return -1;
	node = (int)m->list.n++;
	m->list.person[node] = person;
	m->list.next[node] = -1;
	sl = nmap_find(m, key, len);
	if (sl->head >= 0) {
		m->list.next[sl->tail] = node;
		sl->tail = node;
		return 0;
	}
	if (len > UINT32_MAX || m->keys.len > UINT32_MAX - len)
		return -1; /* 4 GiB of names: beyond what a slot holds */
	sl->off = (uint32_t)m->keys.len;
	sl->len = (uint32_t)len;
	strbuf_add(&m->keys, key, len);
	if (!strbuf_ok(&m->keys))
		return -1;
	sl->head = sl->tail = node;
	m->n++;
	return 0;
}

static void nmap_release(struct nmap *m)
{
	free(m->slot);
	free(m->list.person);
	free(m->list.next);
	strbuf_release(&m->keys);
	memset(m, 0, sizeof(*m));
}

static void matcher_release(struct matcher *m)
{
	nmap_release(&m->handles);
	nmap_release(&m->names);
	nmap_release(&m->emails);
	strbuf_release(&m->pnames);
	free(m->poff);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

static enum baton_code matcher_load(struct ctx *c, struct matcher *m)
{
	static const char count_sql[] = "SELECT count(*) FROM person";
	static const char sql[] =
		"SELECT name, display_name, email FROM person";
	sqlite3_stmt *s;
	struct strbuf key = STRBUF_INIT;
	enum baton_code brc = BATON_OK;
	size_t alloc = 0, npeople;
	int rc = SQLITE_DONE;

	memset(m, 0, sizeof(*m));
	strbuf_init(&m->pnames);
	if ((brc = count_rows(c, count_sql, &npeople)))
		return brc;
	if (nmap_reserve(&m->handles, npeople) || nmap_reserve(&m->names, npeople) ||
	    nmap_reserve(&m->emails, npeople)) {
		matcher_release(m);
		return nomem(c->err);
	}
	if (!(s = prep(c, sql))) {
		matcher_release(m);
		return c->err->code;
	}
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = col(s, 0), *email = col(s, 2);
		int nw, p = (int)m->np;

		if (m->np == alloc) {
			size_t na = alloc ? alloc * 2 : npeople + 64;
			size_t *np = realloc(m->poff, na * sizeof(*np));

			if (!np) {
				brc = nomem(c->err);
				break;
			}
			m->poff = np;
			alloc = na;
		}
		m->poff[m->np] = m->pnames.len;
		strbuf_add(&m->pnames, name, strlen(name) + 1);
		if (!strbuf_ok(&m->pnames)) {
			brc = nomem(c->err);
			break;
		}
		m->np++;
		if (map_add(&m->handles, name, strlen(name), p))
			brc = nomem(c->err);
		nw = words_key(col(s, 1), &key);
		if (nw > 0 && map_add(&m->names, key.buf, key.len, p))
			brc = nomem(c->err);
		if (nw > m->maxwords)
			m->maxwords = nw;
		if (email && *email) {
			strbuf_reset(&key);
			add_lower(&key, email, strlen(email));
			if (map_add(&m->emails, key.buf, key.len, p))
				brc = nomem(c->err);
		}
		if (!strbuf_ok(&key))
			brc = nomem(c->err);
	}
	brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc);
	strbuf_release(&key);
	if (!brc && !(m->slot = malloc((m->np + 1) * sizeof(int))))
		brc = nomem(c->err);
	if (!brc)
		memset(m->slot, 0xff, (m->np + 1) * sizeof(int));
	if (brc)
		matcher_release(m);
	return brc;
}

/* Every person of the list starting at node (nmap_get) is named. */
static void hit_add(struct matcher *m, struct hits *hs, const struct nmap *map,
		    int node, unsigned how, int where)
{
	for (; node >= 0; node = nmap_next(map, node)) {
		int p = nmap_person(map, node);
		struct hit *h;

		if (m->slot[p] < 0) {
			if (hs->n == hs->alloc) {
				size_t na = hs->alloc ? hs->alloc * 2 : 8;
				struct hit *nh = realloc(hs->h, na * sizeof(*nh));

				if (!nh) {
					hs->oom = 1;
					return;
				}
				hs->h = nh;
				hs->alloc = na;
			}
			m->slot[p] = (int)hs->n;
			hs->h[hs->n++] = (struct hit){ p, 0, where, 0 };
		}
		h = &hs->h[m->slot[p]];
		if (h->where != where)
			h->places = 1; /* named in more than one place */
		h->how |= how;
	}
}

/* Scan one text (a step or the body) for every person it names. */
static void scan_text(struct matcher *m, struct hits *hs, const char *text,
		      int where, struct strbuf *key)
{
	const char *s = text, *b, *e, *at;
	int a;
	size_t nw = 0, walloc = 0, i;
	struct word { const char *s; size_t len; } *w = NULL;

	if (!text)
		return;
	/* Tokens for handles (whole word or @handle) and emails. */
	while (*s) {
		if (!is_token((unsigned char)*s)) {
			s++;
			continue;
		}
		b = s;
		while (*s && is_token((unsigned char)*s))
			s++;
		e = s;
		while (e > b && !is_alnum((unsigned char)e[-1]))
			e--;
		while (b < e && !is_alnum((unsigned char)*b) && *b != '@')
			b++;
		if (b >= e)
			continue;
		at = memchr(b, '@', (size_t)(e - b));
		if (at == b) {
			if ((a = nmap_get(&m->handles, b + 1, (size_t)(e - b - 1))) >= 0)
				hit_add(m, hs, &m->handles, a, HOW_HANDLE, where);
		} else if (at) {
			strbuf_reset(key);
			add_lower(key, b, (size_t)(e - b));
			if (strbuf_ok(key) && (a = nmap_get(&m->emails, key->buf, key->len)) >= 0)
				hit_add(m, hs, &m->emails, a, HOW_EMAIL, where);
			if ((a = nmap_get(&m->handles, b, (size_t)(at - b))) >= 0)
				hit_add(m, hs, &m->handles, a, HOW_HANDLE, where);
		} else if ((a = nmap_get(&m->handles, b, (size_t)(e - b))) >= 0) {
			hit_add(m, hs, &m->handles, a, HOW_HANDLE, where);
		}
	}
	/* Words for display names: every run of up to maxwords words. */
	for (s = text; *s;) {
		if (!is_word((unsigned char)*s)) {
			s++;
			continue;
		}
		if (nw == walloc) {
			size_t na = walloc ? walloc * 2 : 64;
			struct word *nwp = realloc(w, na * sizeof(*nwp));

			if (!nwp) {
				hs->oom = 1;
				goto out;
			}
			w = nwp;
			walloc = na;
		}
		w[nw].s = s;
		while (*s && is_word((unsigned char)*s))
			s++;
		w[nw].len = (size_t)(s - w[nw].s);
		nw++;
	}
	for (i = 0; i < nw; i++) {
		size_t k;

		strbuf_reset(key);
		for (k = 0; k < (size_t)m->maxwords && i + k < nw; k++) {
			if (k)
				strbuf_addch(key, ' ');
			add_lower(key, w[i + k].s, w[i + k].len);
			if (!strbuf_ok(key)) {
				hs->oom = 1;
				goto out;
			}
			if ((a = nmap_get(&m->names, key->buf, key->len)) >= 0)
				hit_add(m, hs, &m->names, a, HOW_NAME, where);
		}
	}
out:
	free(w);
}

static enum baton_code process_findings(struct ctx *c, struct matcher *m,
					struct hits *hs, const char *proc,
					const char *team)
{
	enum baton_code brc = BATON_OK;
	size_t i;

	for (i = 0; i < hs->n; i++) {
		const struct hit *h = &hs->h[i];
		struct strbuf how = STRBUF_INIT, where = STRBUF_INIT;
		const char *ways[3];
		int nways = 0, k;

		if (h->how & HOW_HANDLE)
			ways[nways++] = "handle";
		if (h->how & HOW_NAME)
			ways[nways++] = "display name";
		if (h->how & HOW_EMAIL)
			ways[nways++] = "email";
		for (k = 0; k < nways; k++)
			strbuf_addf(&how, "%s%s", k == 0 ? "" : k == nways - 1 ? " and " : ", ",
				    ways[k]);
		if (h->where)
			strbuf_addf(&where, "step %d", h->where);
		else
			strbuf_addstr(&where, "the body");
		if (h->places)
			strbuf_addstr(&where, " and elsewhere");
		if (!brc && (!strbuf_ok(&how) || !strbuf_ok(&where)))
			brc = nomem(c->err);
		if (!brc)
			brc = add(c, "person-in-process", AUDIT_WARNING, "process", proc, team,
				  "process/%s names person/%s (by %s, in %s): refer to the role that does it, not the person",
				  proc, m->pnames.buf + m->poff[h->person], how.buf, where.buf);
		m->slot[h->person] = -1;
		strbuf_release(&how);
		strbuf_release(&where);
	}
	hs->n = 0;
	return brc;
}

/* A step of a process, read in table order and sorted in memory. */
struct pstep {
	size_t proc_off, text_off;        /* into the arena; text_off 0: none */
	const char *proc, *text;          /* set once the arena is complete */
	sqlite3_int64 where;              /* ord + 1: the body is 0 */
	size_t seq;                       /* table order, for ties */
};

static int pstep_cmp(const void *a, const void *b)
{
	const struct pstep *x = a, *y = b;
	int d = strcmp(x->proc, y->proc);

	if (d)
		return d;
	if (x->where != y->where)
		return x->where < y->where ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every step, sorted by process and ord (as ORDER BY process, ord + 1). */
static enum baton_code steps_load(struct ctx *c, struct strbuf *arena,
				  struct pstep **out, size_t *nout)
{
	static const char sql[] = "SELECT process, ord, text FROM process_step";
	sqlite3_stmt *s = prep(c, sql);
	struct pstep *st = NULL;
	size_t n = 0, alloc = 0, i;
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	*out = NULL;
	*nout = 0;
	if (!s)
		return c->err->code;
	strbuf_addch(arena, '\0'); /* offset 0 means no text */
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *proc = col(s, 0), *text = col(s, 2);

		if (!proc)
			continue; /* cannot happen: NOT NULL */
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 256;
			struct pstep *ns = realloc(st, na * sizeof(*ns));

			if (!ns) {
				brc = nomem(c->err);
				break;
			}
			st = ns;
			alloc = na;
		}
		st[n].where = sqlite3_column_int64(s, 1) + 1;
		st[n].seq = n;
		st[n].proc_off = arena->len;
		strbuf_add(arena, proc, strlen(proc) + 1);
		st[n].text_off = text ? arena->len : 0;
		if (text)
			strbuf_add(arena, text, strlen(text) + 1);
		n++;
		if (!strbuf_ok(arena))
			brc = nomem(c->err);
	}
	brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc);
	if (brc) {
		free(st);
		return brc;
	}
	for (i = 0; i < n; i++) {
		st[i].proc = arena->buf + st[i].proc_off;
		st[i].text = st[i].text_off ? arena->buf + st[i].text_off : NULL;
	}
	if (n)
		qsort(st, n, sizeof(*st), pstep_cmp);
	*out = st;
	*nout = n;
	return BATON_OK;
}

/* The processes in name order merged with their sorted steps: each
 * process's body (place 0) and steps in order, as one sorted UNION ALL of
 * both tables would give them, without SQLite sorting every text. A group
 * takes its team from its process row when that comes first (steps without
 * a process have none). */
static enum baton_code check_person_in_process(struct ctx *c)
{
	static const char sql[] =
		"SELECT p.name, o.team, p.body FROM process p"
		" LEFT JOIN role o ON o.name = p.owner ORDER BY p.name";
	struct matcher m;
	struct hits hs = { NULL, 0, 0, 0 };
	struct strbuf key = STRBUF_INIT, arena = STRBUF_INIT;
	struct pstep *st = NULL;
	size_t nst = 0, j = 0;
	sqlite3_stmt *s;
	enum baton_code brc;
	int rc = SQLITE_DONE;

	if ((brc = matcher_load(c, &m)))
		return brc;
	if ((brc = steps_load(c, &arena, &st, &nst)))
		goto out;
	if (!(s = prep(c, sql))) {
		brc = c->err->code;
		goto out;
	}
	rc = sqlite3_step(s);
	while (!brc && (rc == SQLITE_ROW || j < nst)) {
		const char *pname = rc == SQLITE_ROW ? col(s, 0) : NULL, *name, *team = NULL;
		int isproc;

		if (rc == SQLITE_ROW && !pname) {
			rc = sqlite3_step(s); /* cannot happen: a primary key */
			continue;
		}
		name = pname && (j >= nst || strcmp(pname, st[j].proc) <= 0) ? pname : st[j].proc;
		isproc = pname && name == pname;
		if (isproc && !(j < nst && !strcmp(st[j].proc, name) && st[j].where < 0))
			team = col(s, 1);
		for (; j < nst && st[j].where < 0 && !strcmp(st[j].proc, name); j++)
			scan_text(&m, &hs, st[j].text, (int)st[j].where, &key);
		if (isproc)
			scan_text(&m, &hs, col(s, 2), 0, &key);
		for (; j < nst && !strcmp(st[j].proc, name); j++)
			scan_text(&m, &hs, st[j].text, (int)st[j].where, &key);
		if (hs.oom)
			brc = nomem(c->err);
		if (!brc)
			brc = process_findings(c, &m, &hs, name, team);
		if (isproc)
			rc = sqlite3_step(s);
	}
	brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc);
out:
	free(st);
	free(hs.h);
	strbuf_release(&arena);
	strbuf_release(&key);
	matcher_release(&m);
	return brc;
}

/* ------------------------------------------------------------------ */
/* Truck factor                                                        */
/* ------------------------------------------------------------------ */

/* Responsibilities, the people covering them and the team tree, as
 * compressed adjacency lists (CSR): off[i]..off[i+1] in the flat array. */
struct bf {
	size_t nresp, nperson, nteam;
	int *resp_team;               /* team index or -1 */
	char **person;                /* person names, in order of first sight */
	struct nmap pmap;             /* person name -> index */
	json_t *tindex;
	int *rc_off, *rc;             /* responsibility -> covering people */
	int *pr_off, *pr;             /* person -> responsibilities covered */
	char **team;                  /* team names, sorted */
	int *parent;
	int *ch_off, *ch;             /* team -> child teams */
	int *tr_off, *tr;             /* team -> its own responsibilities */
	/* scratch for one scope */
	int *cnt, *pstamp, *rstamp, *remaining, *order, *scope, *tstack;
	int *tseen, *tlist;
	int stamp, tstamp;
};

static void bf_release(struct bf *b)
{
	size_t i;

	for (i = 0; i < b->nperson; i++)
		free(b->person[i]);
	for (i = 0; i < b->nteam; i++)
		free(b->team[i]);
	free(b->person);
	free(b->team);
	nmap_release(&b->pmap);
	json_decref(b->tindex);
	free(b->resp_team);
	free(b->rc_off);
	free(b->rc);
	free(b->pr_off);
	free(b->pr);
	free(b->parent);
	free(b->ch_off);
	free(b->ch);
	free(b->tr_off);
	free(b->tr);
	free(b->cnt);
	free(b->pstamp);
	free(b->rstamp);
	free(b->remaining);
	free(b->order);
	free(b->scope);
	free(b->tstack);
	free(b->tseen);
	free(b->tlist);
	memset(b, 0, sizeof(*b));
}

/* Build a CSR of n rows from (row, value) pairs. */
static int csr_build(size_t n, const int *row, const int *val, size_t npairs,
		     int **off_out, int **flat_out)
{
	int *off = calloc(n + 2, sizeof(int)), *flat = malloc((npairs + 1) * sizeof(int));
	int *fill = calloc(n + 1, sizeof(int));
	size_t i;

	if (!off || !flat || !fill) {
		free(off);
		free(flat);
		free(fill);
		return -1;
	}
	for (i = 0; i < npairs; i++)
		off[row[i] + 1]++;
	for (i = 0; i < n; i++)
		off[i + 1] += off[i];
	for (i = 0; i < npairs; i++)
		flat[off[row[i]] + fill[row[i]]++] = val[i];
	free(fill);
	*off_out = off;
	*flat_out = flat;
	return 0;
}

/* A growable array of ints. */
struct ivec {
	int *v;
	size_t n, alloc;
};

static int ivec_push(struct ivec *a, int x)
{
	if (a->n == a->alloc) {
		size_t na = a->alloc ? a->alloc * 2 : 256;
		int *nv = realloc(a->v, na * sizeof(int));

		if (!nv)
			return -1;
		a->v = nv;
		a->alloc = na;
	}
	a->v[a->n++] = x;
	return 0;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Keep each (row, value) pair of pr/pp once (the UNION of the streams);
 * pairs come out grouped by row. Returns -1 when out of memory. */
static int bf_pairs(size_t nrows, struct ivec *pr, struct ivec *pp)
{
	int *off = NULL, *flat = NULL;
	size_t r, n = 0;
	int k, from;

	if (csr_build(nrows, pr->v, pp->v, pr->n, &off, &flat))
		return -1;
	pr->n = pp->n = 0;
	for (r = 0; r < nrows; r++) {
		from = off[r];
		qsort(flat + from, (size_t)(off[r + 1] - from), sizeof(int), int_cmp);
		for (k = from; k < off[r + 1]; k++) {
			if (k > from && flat[k] == flat[k - 1])
				continue;
			pr->v[n] = (int)r;
			pp->v[n++] = flat[k];
		}
	}
	pr->n = pp->n = n;
	free(off);
	free(flat);
	return 0;
}

static enum baton_code bf_load(struct ctx *c, struct bf *b)
{
	static const char team_sql[] = "SELECT name, parent FROM team ORDER BY name";
	static const char nrole_sql[] = "SELECT count(*) FROM role";
	static const char nresp_sql[] = "SELECT count(*) FROM responsibility";
	static const char role_sql[] = "SELECT name, team FROM role";
	static const char resp_sql[] =
		"SELECT role, id FROM responsibility ORDER BY role, id";
	/* The (responsibility, person) pairs: holders of its role and people
	 * who know one of its processes, active and current on ?1, matched to
	 * the responsibilities in memory; duplicates are removed there too
	 * (bf_pairs). */
	static const char hold_sql[] = ACT_CTE "SELECT role, person FROM cur";
	static const char know_sql[] = ACT_CTE
		"SELECT rp.role, rp.resp, k.person FROM responsibility_process rp"
		" JOIN known_by k ON k.process = rp.process"
		" JOIN act ON act.name = k.person";
	struct nmap role_team, role_resp, rid;
	struct strbuf key = STRBUF_INIT;
	size_t q;
	struct ivec parents = { NULL, 0, 0 }, rt = { NULL, 0, 0 };
	struct ivec pr = { NULL, 0, 0 }, pp = { NULL, 0, 0 };
	struct ivec tc = { NULL, 0, 0 }, tp = { NULL, 0, 0 };
	char **pnames = NULL;
	size_t palloc = 0, talloc = 0, i;
	sqlite3_stmt *s;
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	memset(b, 0, sizeof(*b));
	memset(&role_team, 0, sizeof(role_team));
	memset(&role_resp, 0, sizeof(role_resp));
	memset(&rid, 0, sizeof(rid));
	b->tindex = json_object();
	if (!b->tindex) {
		brc = nomem(c->err);
		goto out;
	}
	if ((brc = count_rows(c, nrole_sql, &q)))
		goto out;
	if (nmap_reserve(&role_team, q)) {
		brc = nomem(c->err);
		goto out;
	}
	if ((brc = count_rows(c, nresp_sql, &q)))
		goto out;
	if (nmap_reserve(&rid, q) || nmap_reserve(&role_resp, q)) {
		brc = nomem(c->err);
		goto out;
	}
	/* Teams (parents resolved after all are known). */
	if (!(s = prep(c, team_sql))) {
		brc = c->err->code;
		goto out;
	}
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (b->nteam == talloc) {
			size_t na = talloc ? talloc * 2 : 32;
			char **nt = realloc(b->team, na * sizeof(*nt));
			char **np = realloc(pnames, na * sizeof(*np));

			if (nt)
				b->team = nt;
			if (np)
				pnames = np;
			if (!nt || !np) {
				brc = nomem(c->err);
				break;
			}
			talloc = na;
		}
		b->team[b->nteam] = xstrdup(col(s, 0));
		pnames[b->nteam] = xstrdup(col(s, 1));
		if (!b->team[b->nteam]) {
			free(pnames[b->nteam]);
			brc = nomem(c->err);
			break;
		}
		b->nteam++;
		if ((col(s, 1) && !pnames[b->nteam - 1]) ||
		    index_put(b->tindex, b->team[b->nteam - 1], b->nteam - 1))
			brc = nomem(c->err);
	}
	if ((brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc)))
		goto out;
	b->parent = calloc(b->nteam + 1, sizeof(int));
	if (!b->parent) {
		brc = nomem(c->err);
		goto out;
	}
	for (i = 0; i < b->nteam; i++) {
		b->parent[i] = index_get(b->tindex, pnames[i]);
		if (b->parent[i] >= 0 && (ivec_push(&tp, b->parent[i]) || ivec_push(&tc, (int)i))) {
			brc = nomem(c->err);
			goto out;
		}
	}
	if (csr_build(b->nteam, tp.v, tc.v, tp.n, &b->ch_off, &b->ch)) {
		brc = nomem(c->err);
		goto out;
	}
	/* The team of each role. */
	if (!(s = prep(c, role_sql))) {
		brc = c->err->code;
		goto out;
	}
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW)
		if (col(s, 0) && map_add(&role_team, col(s, 0), strlen(col(s, 0)),
					 index_get(b->tindex, col(s, 1))))
			brc = nomem(c->err);
	if ((brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc)))
		goto out;
	/* Responsibilities, numbered in (role, id) order. */
	if (!(s = prep(c, resp_sql))) {
		brc = c->err->code;
		goto out;
	}
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *role = col(s, 0), *id = col(s, 1);
		int n, t;

		if (!role || !id)
			continue; /* cannot happen: NOT NULL */
		n = nmap_get(&role_team, role, strlen(role));
		t = n >= 0 ? nmap_person(&role_team, n) : -1;
		strbuf_reset(&key);
		strbuf_add(&key, role, strlen(role) + 1);
		strbuf_addstr(&key, id);
		if (!strbuf_ok(&key) || map_add(&rid, key.buf, key.len, (int)rt.n) ||
		    map_add(&role_resp, role, strlen(role), (int)rt.n))
			brc = nomem(c->err);
		if (ivec_push(&rt, t) || (t >= 0 && (ivec_push(&parents, t) ||
						     ivec_push(&pr, (int)rt.n - 1))))
			brc = nomem(c->err);
	}
	if ((brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc)))
		goto out;
	b->nresp = rt.n;
	b->resp_team = rt.v;
	rt.v = NULL;
	if (csr_build(b->nteam, parents.v, pr.v, parents.n, &b->tr_off, &b->tr)) {
		brc = nomem(c->err);
		goto out;
	}
	/* Coverage pairs: a holder covers every responsibility of the role,
	 * a knower the responsibility that lists the process. */
	pr.n = pp.n = 0;
	for (q = 0; !brc && q < 2; q++) {
		if (!(s = prep(c, q ? know_sql : hold_sql))) {
			brc = c->err->code;
			goto out;
		}
		while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *role = col(s, 0), *person = col(s, q ? 2 : 1);
			int node, p;

			if (!role || !person || (q && !col(s, 1)))
				continue; /* cannot happen: NOT NULL */
			if (q) {
				strbuf_reset(&key);
				strbuf_add(&key, role, strlen(role) + 1);
				strbuf_addstr(&key, col(s, 1));
				if (!strbuf_ok(&key)) {
					brc = nomem(c->err);
					break;
				}
				node = nmap_get(&rid, key.buf, key.len);
			} else {
				node = nmap_get(&role_resp, role, strlen(role));
			}
			if (node < 0)
				continue; /* no such responsibility */
			if ((p = nmap_get(&b->pmap, person, strlen(person))) >= 0) {
				p = nmap_person(&b->pmap, p);
			} else {
				if (b->nperson == palloc) {
					size_t na = palloc ? palloc * 2 : 64;
					char **np = realloc(b->person, na * sizeof(*np));

					if (!np) {
						brc = nomem(c->err);
						break;
					}
					b->person = np;
					palloc = na;
				}
				p = (int)b->nperson;
				if (!(b->person[p] = xstrdup(person))) {
					brc = nomem(c->err);
					break;
				}
				b->nperson++;
				if (map_add(&b->pmap, person, strlen(person), p)) {
					brc = nomem(c->err);
					break;
				}
			}
			for (; !brc && node >= 0; node = q ? -1 : nmap_next(&role_resp, node))
				if (ivec_push(&pr, nmap_person(q ? &rid : &role_resp, node)) ||
				    ivec_push(&pp, p))
					brc = nomem(c->err);
		}
		if ((brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc)))
			goto out;
	}
	if (bf_pairs(b->nresp, &pr, &pp)) {
		brc = nomem(c->err);
		goto out;
	}
	if (csr_build(b->nresp, pr.v, pp.v, pr.n, &b->rc_off, &b->rc) ||
	    csr_build(b->nperson, pp.v, pr.v, pp.n, &b->pr_off, &b->pr)) {
		brc = nomem(c->err);
		goto out;
	}
	b->cnt = calloc(b->nperson + 1, sizeof(int));
	b->pstamp = calloc(b->nperson + 1, sizeof(int));
	b->order = calloc(b->nperson + 1, sizeof(int));
	b->rstamp = calloc(b->nresp + 1, sizeof(int));
	b->remaining = calloc(b->nresp + 1, sizeof(int));
	b->scope = calloc(b->nresp + 1, sizeof(int));
	b->tstack = calloc(b->nteam + 1, sizeof(int));
	b->tseen = calloc(b->nteam + 1, sizeof(int));
	b->tlist = calloc(b->nteam + 1, sizeof(int));
	if (!b->cnt || !b->pstamp || !b->order || !b->rstamp || !b->remaining ||
	    !b->scope || !b->tstack || !b->tseen || !b->tlist)
		brc = nomem(c->err);
out:
	if (pnames)
		for (i = 0; i < b->nteam; i++)
			free(pnames[i]);
	free(pnames);
	free(parents.v);
	free(rt.v);
	free(pr.v);
	free(pp.v);
	free(tc.v);
	free(tp.v);
	nmap_release(&role_team);
	nmap_release(&role_resp);
	nmap_release(&rid);
	strbuf_release(&key);
	if (brc)
		bf_release(b);
	return brc;
}

struct order_item {
	int cnt;
	const char *name;
	int p;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order_item *x = a, *y = b;

	if (x->cnt != y->cnt)
		return x->cnt > y->cnt ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Start a scope (scope[0..n), stamp b->stamp): each responsibility's
 * remaining holders, each person's count of responsibilities in it, the
 * people in b->order[0..return). *uncovered: responsibilities no one
 * holds. */
static size_t bf_count(struct bf *b, const int *scope, size_t n, int stamp,
		       size_t *uncovered)
{
	size_t i, k, ni = 0;

	*uncovered = 0;
	for (i = 0; i < n; i++) {
		int r = scope[i];

		b->rstamp[r] = stamp;
		b->remaining[r] = b->rc_off[r + 1] - b->rc_off[r];
		if (b->remaining[r] == 0)
			(*uncovered)++;
		for (k = (size_t)b->rc_off[r]; k < (size_t)b->rc_off[r + 1]; k++) {
			int p = b->rc[k];

			if (b->pstamp[p] != stamp) {
				b->pstamp[p] = stamp;
				b->cnt[p] = 0;
				b->order[ni++] = p;
			}
			b->cnt[p]++;
		}
	}
	return ni;
}

/* Person p leaves the scope of `stamp`: how many responsibilities are
 * uncovered by that. */
static size_t bf_remove(struct bf *b, int p, int stamp)
{
	size_t k, gone = 0;

	for (k = (size_t)b->pr_off[p]; k < (size_t)b->pr_off[p + 1]; k++) {
		int r = b->pr[k];

		if (b->rstamp[r] == stamp && --b->remaining[r] == 0)
			gone++;
	}
	return gone;
}

/* Truck factor of the responsibilities scope[0..n); the removed people are
 * appended to `people` (may be NULL). Returns -1 when out of memory. */
static int bf_scope(struct bf *b, const int *scope, size_t n, json_t *people)
{
	struct order_item *items = NULL;
	size_t i, ni, uncovered;
	int stamp = ++b->stamp, tf = 0;

	if (n == 0)
		return 0;
	ni = bf_count(b, scope, n, stamp, &uncovered);
	if (!(items = malloc((ni + 1) * sizeof(*items))))
		return -1;
	for (i = 0; i < ni; i++)
		items[i] = (struct order_item){ b->cnt[b->order[i]], b->person[b->order[i]],
						b->order[i] };
	qsort(items, ni, sizeof(*items), order_cmp);
	/* Remove people until more than half are uncovered. */
	for (i = 0; i < ni && uncovered * 2 <= n; i++) {
		int p = items[i].p;

		tf++;
		if (people && json_array_append_new(people, json_string(b->person[p]))) {
			free(items);
			return -1;
		}
		uncovered += bf_remove(b, p, stamp);
	}
	free(items);
	return tf;
}

/* Team t and its sub-teams into b->tlist (each once, even if the parents
 * were to loop); returns how many. */
static size_t bf_subtree(struct bf *b, int t)
{
	size_t n = 0, sp = 0;
	int stamp = ++b->tstamp, k;

	b->tstack[sp++] = t;
	b->tseen[t] = stamp;
	while (sp) {
		int x = b->tstack[--sp];

		b->tlist[n++] = x;
		for (k = b->ch_off[x]; k < b->ch_off[x + 1]; k++) {
			if (b->tseen[b->ch[k]] == stamp)
				continue;
			b->tseen[b->ch[k]] = stamp;
			b->tstack[sp++] = b->ch[k];
		}
	}
	return n;
}

/* The responsibilities of team t and its sub-teams into b->scope. */
static size_t bf_team_scope(struct bf *b, int t)
{
	size_t nt = bf_subtree(b, t), n = 0, i;
	int k;

	for (i = 0; i < nt; i++)
		for (k = b->tr_off[b->tlist[i]]; k < b->tr_off[b->tlist[i] + 1]; k++)
			b->scope[n++] = b->tr[k];
	return n;
}

/* {"truckFactor","people","responsibilities"} for a scope (+ "team"). */
static json_t *bf_entry(struct bf *b, const char *team, size_t n)
{
	json_t *people = json_array(), *o;
	int tf;

	if (!people)
		return NULL;
	if ((tf = bf_scope(b, b->scope, n, people)) < 0) {
		json_decref(people);
		return NULL;
	}
	if (team)
		o = json_pack("{s:s,s:i,s:o,s:I}", "team", team, "truckFactor", tf,
			      "people", people, "responsibilities", (json_int_t)n);
	else
		o = json_pack("{s:i,s:o,s:I}", "truckFactor", tf, "people", people,
			      "responsibilities", (json_int_t)n);
	return o;
}

/* The busfactor report; only_team >= 0 keeps that team and its sub-teams. */
static enum baton_code bf_report(struct ctx *c, struct bf *b, int only_team,
				 json_t **out)
{
	json_t *teams = json_array(), *org = NULL, *e;
	unsigned char *keep = calloc(b->nteam + 1, 1);
	size_t i, n;

	*out = NULL;
	if (!teams || !keep)
		goto oom;
	for (i = 0; i < b->nresp; i++)
		b->scope[i] = (int)i;
	if (!(org = bf_entry(b, NULL, b->nresp)))
		goto oom;
	if (only_team >= 0) {
		n = bf_subtree(b, only_team);
		for (i = 0; i < n; i++)
			keep[b->tlist[i]] = 1;
	}
	for (i = 0; i < b->nteam; i++) {
		if (only_team >= 0 && !keep[i])
			continue;
		n = bf_team_scope(b, (int)i);
		if (!(e = bf_entry(b, b->team[i], n)) || json_array_append_new(teams, e))
			goto oom;
	}
	free(keep);
	if (!(*out = json_pack("{s:o,s:o}", "organisation", org, "teams", teams)))
		return nomem(c->err);
	return BATON_OK;
oom:
	free(keep);
	json_decref(teams);
	json_decref(org);
	return nomem(c->err);
}

/* What bf_scope would return for scope[0..n), n > 0, when that is 0 or 1;
 * 2 when it is more. The check only needs to know this (and who the one
 * person is): instead of sorting everyone in scope, the person bf_scope
 * removes first (most responsibilities covered, then the smallest name) is
 * found in one pass. *one is that person when 1 is returned. */
static int bf_scope_upto_one(struct bf *b, const int *scope, size_t n, int *one)
{
	size_t i, uncovered, k, ni;
	int stamp = ++b->stamp, best = -1;

	*one = -1;
	ni = bf_count(b, scope, n, stamp, &uncovered);
	if (ni == 0 || uncovered * 2 > n)
		return 0;
	/* order_cmp's first item: the highest count, then the smallest name. */
	for (i = 0; i < n; i++) {
		int r = scope[i];

		for (k = (size_t)b->rc_off[r]; k < (size_t)b->rc_off[r + 1]; k++) {
			int p = b->rc[k];

			if (best < 0 || b->cnt[p] > b->cnt[best] ||
			    (b->cnt[p] == b->cnt[best] && p != best &&
			     strcmp(b->person[p], b->person[best]) < 0))
				best = p;
		}
	}
	*one = best;
	if (ni == 1)
		return 1;
	uncovered += bf_remove(b, best, stamp);
	return uncovered * 2 > n ? 1 : 2;
}

static enum baton_code check_truck_factor_one(struct ctx *c)
{
	struct bf b;
	enum baton_code brc;
	size_t i, n;

	if ((brc = bf_load(c, &b)))
		return brc;
	for (i = 0; !brc && i < b.nteam; i++) {
		int tf, one;

		n = bf_team_scope(&b, (int)i);
		if (n == 0)
			continue;
		tf = bf_scope_upto_one(&b, b.scope, n, &one);
		if (tf == 0)
			brc = add(c, "truck-factor-one", AUDIT_ERROR, "team", b.team[i], b.team[i],
				  "team/%s has truck factor 0: more than half of its %zu %s are covered by nobody active: appoint holders and spread the knowledge",
				  b.team[i], n, plural((int)n, "responsibility", "responsibilities"));
		else if (tf == 1)
			brc = add(c, "truck-factor-one", AUDIT_ERROR, "team", b.team[i], b.team[i],
				  "team/%s has truck factor 1: without %s more than half of its %zu %s would be uncovered: name backups and add people to knownBy",
				  b.team[i], b.person[one], n,
				  plural((int)n, "responsibility", "responsibilities"));
	}
	bf_release(&b);
	return brc;
}

/* ------------------------------------------------------------------ */
/* Running checks, silencing, the report                               */
/* ------------------------------------------------------------------ */

static const struct check {
	const char *id;
	enum baton_code (*fn)(struct ctx *c);
} checks[] = {
	{ "vacant-role", check_vacant_role },
	{ "single-holder", check_single_holder },
	{ "undocumented-responsibility", check_undocumented_responsibility },
	{ "person-routing", check_person_routing },
	{ "person-in-process", check_person_in_process },
	{ "knowledge-silo", check_knowledge_silo },
	{ "stale-process", check_stale_process },
	{ "escalation-dead-end", check_escalation_dead_end },
	{ "leaving-without-handover", check_leaving_without_handover },
	{ "relationship-at-risk", check_relationship_at_risk },
	{ "overloaded-person", check_overloaded_person },
	{ "handover-skipped-item", check_handover_skipped_item },
	{ "shadowed-rule", check_shadowed_rule },
	{ "truck-factor-one", check_truck_factor_one },
};

static enum baton_code ctx_init(struct ctx *c, struct store *st, const char *date,
				const char *const *gone, size_t ngone, int max_roles,
				struct baton_error *err)
{
	json_t *a = json_array();
	size_t i;

	memset(c, 0, sizeof(*c));
	c->st = st;
	c->err = err;
	c->date = date ? date : st->today;
	c->max_roles = max_roles > 0 ? max_roles : DEFAULT_MAX_ROLES;
	if (!a)
		return nomem(err);
	for (i = 0; i < ngone; i++)
		if (json_array_append_new(a, json_string(gone[i]))) {
			json_decref(a);
			return nomem(err);
		}
	c->gone = json_dumps(a, JSON_COMPACT);
	c->ngone = ngone;
	json_decref(a);
	if (!c->gone)
		return nomem(err);
	if (!date_valid(c->date))
		return baton_fail(err, BATON_USAGE, "'%s' is not a date YYYY-MM-DD", c->date);
	return BATON_OK;
}

/* The team and its sub-teams as a set {name: true}. */
static enum baton_code team_set(struct ctx *c, const char *team, json_t **out)
{
	static const char sql[] =
		"WITH RECURSIVE sub(name) AS (SELECT name FROM team WHERE name = ?1"
		" UNION SELECT team.name FROM team JOIN sub ON team.parent = sub.name)"
		" SELECT name FROM sub";
	sqlite3_stmt *s = store_cached(c->st, sql, c->err);
	json_t *set = json_object();
	enum baton_code brc = BATON_OK;
	int rc;

	*out = NULL;
	if (!s || !set) {
		json_decref(set);
		return s ? nomem(c->err) : c->err->code;
	}
	if (sqlite3_bind_text(s, 1, team, -1, SQLITE_TRANSIENT)) {
		json_decref(set);
		return store_fail(c->st, c->err, "cannot bind the team");
	}
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW)
		if (json_object_set_new(set, col(s, 0), json_true()))
			brc = nomem(c->err);
	brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc);
	if (!brc && json_object_size(set) == 0)
		brc = baton_fail(c->err, BATON_NOTFOUND, "no such team '%s'", team);
	if (brc)
		json_decref(set);
	else
		*out = set;
	return brc;
}

/* Every audit.ignore entry as {"KIND/NAME\nCHECK": reason}.
 *
 * Only the specs that hold the text "ignore" with its quotes can have one
 * (schemas/008_audit.sql says why), and the partial index of 008 lists
 * those entities, in the order of the table: json_each parses these few
 * specs instead of every spec of the organisation. The planner picks the
 * index by the WHERE term that is its condition (no INDEXED BY: were the
 * index missing, the answer would be the same, only slower). */
static enum baton_code ignores_load(struct ctx *c, json_t **out)
{
	static const char sql[] =
		"SELECT e.kind || '/' || e.name || char(10) || json_extract(j.value, '$.check'),"
		" json_extract(j.value, '$.reason')"
		" FROM entity e, json_each(e.spec, '$.audit.ignore') j"
		" WHERE instr(e.spec, '\"ignore\"') > 0";
	sqlite3_stmt *s = prep(c, sql);
	json_t *set = json_object();
	enum baton_code brc = BATON_OK;
	int rc = SQLITE_DONE;

	*out = NULL;
	if (!s || !set) {
		json_decref(set);
		return s ? nomem(c->err) : c->err->code;
	}
	while (!brc && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = col(s, 0), *why = col(s, 1);

		if (key && json_object_set_new(set, key, json_string(why ? why : "")))
			brc = nomem(c->err);
	}
	brc = done(c, s, rc == SQLITE_ROW ? SQLITE_DONE : rc, brc);
	if (brc)
		json_decref(set);
	else
		*out = set;
	return brc;
}

static int opt_strcmp(const char *a, const char *b)
{
	if (!a || !b)
		return a ? -1 : b ? 1 : 0; /* NULL last */
	return strcmp(a, b);
}

static int finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int d;

	if (x->severity != y->severity)
		return x->severity < y->severity ? -1 : 1;
	if ((d = opt_strcmp(x->team, y->team)) || (d = strcmp(x->entity, y->entity)) ||
	    (d = strcmp(x->check, y->check)))
		return d;
	return strcmp(x->message, y->message);
}

static void finding_clear(struct finding *f)
{
	free(f->entity);
	free(f->team);
	free(f->message);
	f->entity = f->team = f->message = NULL;
}

/* The report is made in pieces of audit_report_split consecutive sorted
 * findings, which two threads take in turn (the second first closes the
 * connection it is given). A piece's findings become JSON values in obj[]
 * with kind[] (REP_*), or, for audit_run_text, JSON text in the piece's
 * two buffers (its findings, its silenced), written from one object per
 * thread whose values are replaced for each finding. A thread makes its
 * values with its own strings (check ids, severities, the current team),
 * so that two pieces are made at once without creating or changing the
 * same jansson value. Teams and ignores are shared: two pieces may take a
 * reference to the same ignore reason at once, which is safe because
 * jansson's reference counts are atomic here (checked below). Each
 * finding's strings are freed once its JSON is made (nothing reads them
 * after): the report's allocations reuse that memory instead of touching
 * fresh pages. */
#if !JSON_HAVE_ATOMIC_BUILTINS && !JSON_HAVE_SYNC_BUILTINS
#error "the report is made on two threads: jansson's reference counts must be atomic"
#endif
enum { REP_SKIP, REP_FINDING, REP_SILENCED };

struct report {
	struct finding *f;
	size_t n, npieces;
	const json_t *teams, *ignores;
	json_t **obj;               /* values, or NULL when making text */
	struct strbuf *text;        /* text: the parts of audit_text, the
				     * findings of piece k in text[1 + k],
				     * its silenced in text[npieces + 2 + k];
				     * or NULL */
	unsigned char *kind;
	pthread_mutex_t mu;         /* guards next and oom */
	size_t next;                /* the next piece to make */
	int oom;
	struct store *close;        /* closed by the second thread, or NULL */
};

/* What a thread keeps from finding to finding. For text, `fo` and `so`
 * are a finding and a silenced finding with their keys in the report's
 * order, and `entity`, `message`, `sentity` the strings whose text is
 * replaced. */
struct rthread {
	json_t *ids[ARRAY_SIZE(audit_check_ids)], *sev[3], *team;
	json_t *fo, *so, *entity, *message, *sentity;
	struct strbuf key;
};

/* json_dump_callback's output gathered in sb, `pad` spaces after each
 * newline. */
struct indented {
	struct strbuf *sb;
	size_t pad;
};

static int indented_add(const char *s, size_t len, void *data)
{
	struct indented *in = data;
	struct strbuf *sb = in->sb;
	const char *nl = len == 1 ? (*s == '\n' ? s : NULL) : memchr(s, '\n', len);
	size_t n;

	/* most of what jansson hands over is a token of a few bytes */
	if (!nl && sb->len + len < sb->alloc) {
		memcpy(sb->buf + sb->len, s, len);
		sb->len += len;
		sb->buf[sb->len] = '\0';
		return 0;
	}
	for (; nl; nl = memchr(s, '\n', len)) {
		n = (size_t)(nl - s) + 1;
		strbuf_add(sb, s, n);
		strbuf_add(sb, "        ", in->pad);
		s += n;
		len -= n;
	}
	strbuf_add(sb, s, len);
	return strbuf_ok(sb) ? 0 : -1;
}

/* Append v to sb as json_dumps(..., JSON_INDENT(2)) shows it `depth`
 * levels down in a larger document: its own dump, each line moved right
 * by two spaces a level. Every newline of a dump is between tokens (a
 * string's are escaped), so the lines are the document's. 0 on success. */
static int dump_indented(const json_t *v, size_t depth, struct strbuf *sb)
{
	struct indented in = { sb, 2 * depth };

	return json_dump_callback(v, indented_add, &in, JSON_INDENT(2)) ? -1 : 0;
}

/* v as an item of an array of the report (two levels down), after a
 * comma: text_array turns the first comma into the bracket. */
static int report_item(const json_t *v, struct strbuf *text)
{
	strbuf_add(text, ",\n    ", 6);
	return dump_indented(v, 2, text);
}

static void rthread_release(struct rthread *t)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(t->ids); k++)
		json_decref(t->ids[k]);
	for (k = 0; k < 3; k++)
		json_decref(t->sev[k]);
	json_decref(t->team);
	json_decref(t->fo);
	json_decref(t->so);
	strbuf_release(&t->key);
}

static int rthread_init(struct rthread *t, int text)
{
	size_t k;

	memset(t, 0, sizeof(*t));
	strbuf_init(&t->key);
	for (k = 0; audit_check_ids[k]; k++)
		if (!(t->ids[k] = json_string(audit_check_ids[k])))
			return -1;
	for (k = 0; k < 3; k++)
		if (!(t->sev[k] = json_string(audit_severity_name((enum audit_severity)k))))
			return -1;
	if (!text)
		return 0;
	/* the keys in the order of audit.h; the objects own the strings */
	t->fo = json_pack("{s:n,s:n,s:s,s:n,s:s}", "check", "severity", "entity", "",
			  "team", "message", "");
	t->so = json_pack("{s:n,s:s,s:n}", "check", "entity", "", "reason");
	if (!t->fo || !t->so)
		return -1;
	t->entity = json_object_get(t->fo, "entity");
	t->message = json_object_get(t->fo, "message");
	t->sentity = json_object_get(t->so, "entity");
	return 0;
}

/* Piece k of the report, on a thread with t. 0 on success. */
static int report_piece(struct report *r, struct rthread *t, size_t k)
{
	size_t i = k * audit_report_split, end = i + audit_report_split, c;
	struct strbuf *text = r->text ? &r->text[1 + k] : NULL;
	struct strbuf *stext = r->text ? &r->text[r->npieces + 2 + k] : NULL;
	int any_ignores = json_object_size(r->ignores) > 0;
	json_t *why, *o, *check, *entity, *message;

	if (end > r->n)
		end = r->n;
	for (; i < end; finding_clear(&r->f[i]), i++) {
		const struct finding *f = &r->f[i];

		r->kind[i] = REP_SKIP;
		if (r->teams && (!f->team || !json_object_get(r->teams, f->team)))
			continue;
		for (c = 0; audit_check_ids[c] && strcmp(audit_check_ids[c], f->check); c++)
			;
		check = audit_check_ids[c] ? json_incref(t->ids[c]) : json_string(f->check);
		if (!check)
			return -1;
		if (any_ignores) {
			strbuf_reset(&t->key);
			strbuf_addf(&t->key, "%s\n%s", f->entity, f->check);
			if (!strbuf_ok(&t->key)) {
				json_decref(check);
				return -1;
			}
			if ((why = json_object_get(r->ignores, t->key.buf))) {
				r->kind[i] = REP_SILENCED;
				if (!text) {
					o = r->obj[i] = json_pack("{s:o,s:s,s:O}", "check", check,
								  "entity", f->entity,
								  "reason", why);
					if (!o)
						return -1;
					continue;
				}
				if (json_object_set_new_nocheck(t->so, "check", check) ||
				    json_string_set_nocheck(t->sentity, f->entity) ||
				    json_object_set_nocheck(t->so, "reason", why) ||
				    report_item(t->so, stext))
					return -1;
				continue;
			}
		}
		if (f->team && (!t->team || strcmp(json_string_value(t->team), f->team))) {
			json_decref(t->team);
			if (!(t->team = json_string(f->team))) {
				json_decref(check);
				return -1;
			}
		}
		r->kind[i] = REP_FINDING;
		if (text) {
			o = t->fo;
			entity = json_string_set_nocheck(t->entity, f->entity) ? NULL
				 : json_incref(t->entity);
			message = json_string_set_nocheck(t->message, f->message) ? NULL
				  : json_incref(t->message);
		} else {
			o = r->obj[i] = json_object();
			entity = json_string(f->entity);
			message = json_string(f->message);
		}
		/* json_pack("{s:o,s:O,s:o,s:O?,s:o}") without parsing the
		 * format for each of the (many) findings; set_new takes the
		 * reference even when failing */
		if (!o) {
			json_decref(check);
			json_decref(entity);
			json_decref(message);
			return -1;
		}
		if (json_object_set_new_nocheck(o, "check", check) ||
		    json_object_set_nocheck(o, "severity", t->sev[f->severity]) ||
		    json_object_set_new_nocheck(o, "entity", entity) ||
		    json_object_set_nocheck(o, "team", f->team ? t->team : json_null()) ||
		    json_object_set_new_nocheck(o, "message", message))
			return -1;
		if (text && report_item(o, text))
			return -1;
	}
	return 0;
}

/* A thread's share: pieces taken in turn until none is left, or one has
 * failed (r->oom). */
static void report_pieces(struct report *r)
{
	struct rthread t;
	size_t k;
	int fail = rthread_init(&t, r->text != NULL);

	for (;;) {
		pthread_mutex_lock(&r->mu);
		r->oom |= fail;
		k = r->oom ? r->npieces : r->next++;
		pthread_mutex_unlock(&r->mu);
		if (k >= r->npieces)
			break;
		fail = report_piece(r, &t, k);
	}
	rthread_release(&t);
}

static void *report_main(void *arg)
{
	struct report *r = arg;

	store_free(r->close);
	r->close = NULL;
	report_pieces(r);
	return NULL;
}

/* Findings per piece of the report (audit.h). */
size_t audit_report_split = 1024;

struct sort_half {
	struct finding *f;
	size_t n;
};

static void *sort_main(void *arg)
{
	struct sort_half *h = arg;

	qsort(h->f, h->n, sizeof(*h->f), finding_cmp);
	return NULL;
}

/* Sort c's findings (finding_cmp); with `parallel`, each half on its own
 * thread, then merged. Findings that compare equal show the same. */
static void findings_sort(struct ctx *c, int parallel)
{
	struct finding *tmp = NULL;
	struct sort_half h;
	size_t half = c->n / 2, i, j, k;
	pthread_t th;
	int started;

	if (!parallel || c->n < audit_report_split || !(tmp = malloc(c->n * sizeof(*tmp)))) {
		if (c->n)
			qsort(c->f, c->n, sizeof(*c->f), finding_cmp);
		return;
	}
	h.f = c->f + half;
	h.n = c->n - half;
	started = pthread_create(&th, NULL, sort_main, &h) == 0;
	qsort(c->f, half, sizeof(*c->f), finding_cmp);
	if (started)
		pthread_join(th, NULL);
	else
		sort_main(&h);
	for (i = 0, j = half, k = 0; k < c->n; k++)
		tmp[k] = j == c->n || (i < half && finding_cmp(&c->f[i], &c->f[j]) <= 0)
			 ? c->f[i++] : c->f[j++];
	free(c->f);
	c->f = tmp;
	c->alloc = c->n;
}

/* Open and close an array of the report's text whose items are in the n
 * buffers items[] (report_item: each after a comma): the first comma
 * becomes its bracket, and `after`, the part that follows, starts by
 * closing it. */
static void text_array(struct strbuf *items, size_t n, struct strbuf *after)
{
	size_t i;

	for (i = 0; i < n && !items[i].len; i++)
		;
	if (i == n) {
		strbuf_add(after, "[]", 2);
		return;
	}
	items[i].buf[0] = '[';
	strbuf_add(after, "\n  ]", 4);
}

/* The report of c's findings (sorted here), as JSON values in *out, or
 * with `text` as the JSON text of those values (audit_run_text). With
 * `parallel` and more than one piece of findings, they are sorted in
 * halves and made by two threads. `close` (may be NULL) is a connection
 * closed meanwhile, off this thread when a second one starts. */
static enum baton_code report_build(struct ctx *c, const json_t *teams,
				    const json_t *ignores, int parallel,
				    struct store *close, json_t **out,
				    struct audit_text *text)
{
	json_t *findings = json_array(), *silenced = json_array(), *summary = NULL;
	struct report r;
	int count[3] = { 0, 0, 0 }, oom = 0, started = 0;
	pthread_t th;
	size_t i, nsilenced = 0;

	if (out)
		*out = NULL;
	memset(&r, 0, sizeof(r));
	r.n = c->n;
	r.npieces = (c->n + audit_report_split - 1) / audit_report_split;
	r.teams = teams;
	r.ignores = ignores;
	r.close = close;
	pthread_mutex_init(&r.mu, NULL);
	r.kind = calloc(c->n + 1, 1);
	if (text)
		r.text = calloc(2 * r.npieces + 3, sizeof(*r.text));
	else
		r.obj = calloc(c->n + 1, sizeof(*r.obj));
	if (!findings || !silenced || !r.kind || (text ? !r.text : !r.obj)) {
		oom = 1;
		store_free(r.close);
		goto out;
	}
	for (i = 0; text && i < 2 * r.npieces + 3; i++)
		strbuf_init(&r.text[i]);
	parallel = parallel && r.npieces > 1;
	findings_sort(c, parallel);
	r.f = c->f; /* findings_sort may have moved them */
	if (parallel || r.close)
		started = pthread_create(&th, NULL, report_main, &r) == 0;
	if (started) {
		report_pieces(&r);
		pthread_join(th, NULL);
	} else {
		report_main(&r);
	}
	oom = r.oom;
	for (i = 0; i < c->n; i++) {
		if (r.kind[i] == REP_FINDING)
			count[c->f[i].severity]++;
		else if (r.kind[i] == REP_SILENCED)
			nsilenced++;
		if (oom || !r.obj || !r.obj[i])
			continue;
		if (json_array_append_new(r.kind[i] == REP_FINDING ? findings : silenced,
					  r.obj[i]))
			oom = 1;
		r.obj[i] = NULL;
	}
	if (oom)
		goto out;
	summary = json_pack("{s:i,s:i,s:i}", "error", count[0], "warning", count[1],
			    "info", count[2]);
	if (!summary) {
		oom = 1;
	} else if (text) {
		/* jansson's order: findings, summary, silenced */
		struct strbuf *head = &r.text[0], *mid = &r.text[r.npieces + 1];
		struct strbuf *tail = &r.text[2 * r.npieces + 2];

		strbuf_addstr(head, "{\n  \"findings\": ");
		text_array(head + 1, r.npieces, mid);
		strbuf_addstr(mid, ",\n  \"summary\": ");
		if (dump_indented(summary, 1, mid))
			oom = 1;
		strbuf_addstr(mid, ",\n  \"silenced\": ");
		text_array(mid + 1, r.npieces, tail);
		strbuf_addstr(tail, "\n}");
		for (i = 0; i < 2 * r.npieces + 3; i++)
			oom |= !strbuf_ok(&r.text[i]);
		if (!oom) {
			text->part = r.text;
			text->nparts = 2 * r.npieces + 3;
			r.text = NULL;
		}
		text->error = count[0];
		text->warning = count[1];
		text->info = count[2];
		text->silenced = nsilenced;
	} else {
		*out = json_pack("{s:o,s:O,s:o}", "findings", findings, "summary", summary,
				 "silenced", silenced);
		findings = silenced = NULL; /* json_pack's "o" took them, even when failing */
		oom = !*out;
	}
out:
	json_decref(findings);
	json_decref(silenced);
	json_decref(summary);
	for (i = 0; r.obj && i < c->n; i++)
		json_decref(r.obj[i]);
	for (i = 0; r.text && i < 2 * r.npieces + 3; i++)
		strbuf_release(&r.text[i]);
	pthread_mutex_destroy(&r.mu);
	free(r.obj);
	free(r.text);
	free(r.kind);
	return oom ? nomem(c->err) : BATON_OK;
}

/* ------------------------------------------------------------------ */
/* Two threads                                                         */
/* ------------------------------------------------------------------ */

/* Where a check runs when the audit is split over two threads, each with
 * its own connection (store_read_twins: one snapshot). The first thread
 * builds scope_open's indexed TEMP table and runs the checks that look it
 * up; the second has audit_cur as a view and runs the truck factor (which
 * reads it once from end to end) and person-in-process (which reads no
 * TEMP table): together about what the first thread does. The checks that
 * read no TEMP table, or only audit_act (the same in both threads), go to
 * whichever thread is free first, largest first. */
enum { ON_FIRST, ON_SECOND, ON_EITHER };

static const char *const either_ids[] = {
	"knowledge-silo", "undocumented-responsibility", "stale-process"
};

static int check_place(const char *id)
{
	size_t k;

	if (!strcmp(id, "person-in-process") || !strcmp(id, "truck-factor-one"))
		return ON_SECOND;
	for (k = 0; k < ARRAY_SIZE(either_ids); k++)
		if (!strcmp(id, either_ids[k]))
			return ON_EITHER;
	return ON_FIRST;
}

/* The queue of the ON_EITHER checks, shared by the two threads. */
struct split {
	pthread_mutex_t mu;
	size_t next;                /* next of either_ids */
};

static enum baton_code run_either(struct ctx *c, struct split *sp)
{
	enum baton_code brc = BATON_OK;
	size_t k, i;

	while (!brc) {
		pthread_mutex_lock(&sp->mu);
		k = sp->next++;
		pthread_mutex_unlock(&sp->mu);
		if (k >= ARRAY_SIZE(either_ids))
			break;
		for (i = 0; i < ARRAY_SIZE(checks); i++)
			if (!strcmp(checks[i].id, either_ids[k]))
				brc = checks[i].fn(c);
	}
	return brc;
}

/* The second thread: its own context, connection, findings and error. The
 * first thread reads nothing of it until pthread_join. */
struct worker {
	struct ctx c;
	struct baton_error err;
	struct split *sp;
	enum baton_code brc;
};

/* Close what a context holds of its connection, and the connection: a
 * twin of store_read_twins, whose TEMP tables go with it (no DROP). */
static void ctx_close_twin(struct ctx *c)
{
	rules_free(c->rules);
	c->rules = NULL;
	c->scope = 0;
	c->own_tx = 0;
	store_free(c->st);
	c->st = NULL;
}

/* The second thread's share; its connection is closed at the end, in
 * that thread. */
static void worker_run(struct worker *w)
{
	enum baton_code brc;
	size_t i;

	if (!(brc = scope_open(&w->c)))
		for (i = 0; !brc && i < ARRAY_SIZE(checks); i++)
			if (check_place(checks[i].id) == ON_SECOND)
				brc = checks[i].fn(&w->c);
	if (!brc)
		brc = run_either(&w->c, w->sp);
	w->brc = brc;
	ctx_close_twin(&w->c);
}

static void *worker_main(void *arg)
{
	worker_run(arg);
	return NULL;
}

/* Hand the second thread's findings and failure to c; release its side. */
static enum baton_code worker_merge(struct worker *w, struct ctx *c, enum baton_code brc)
{
	size_t i;

	if (!brc && w->brc) {
		/* every diagnostic of the second thread, in its order */
		if (!w->err.n)
			brc = baton_fail(c->err, w->brc, "%s", baton_code_str(w->brc));
		else if (!c->err)
			brc = w->brc;
		else {
			if (c->err->code == BATON_OK)
				c->err->code = w->err.code ? w->err.code : w->brc;
			c->err->nerrors += w->err.nerrors;
			baton_error_adopt(c->err, w->err.diags, w->err.n);
			brc = w->brc;
		}
	}
	if (!brc && w->c.n && c->n + w->c.n > c->alloc) {
		struct finding *nf = realloc(c->f, (c->n + w->c.n) * sizeof(*nf));

		if (nf) {
			c->f = nf;
			c->alloc = c->n + w->c.n;
		} else {
			brc = nomem(c->err);
		}
	}
	/* The order of the findings does not matter: report_build sorts
	 * them on all that it shows. */
	if (!brc) {
		for (i = 0; i < w->c.n; i++)
			c->f[c->n++] = w->c.f[i];
		w->c.n = 0; /* moved */
	}
	if (w->c.st)
		ctx_close_twin(&w->c);
	ctx_release(&w->c);
	baton_error_release(&w->err);
	return brc;
}

/* ------------------------------------------------------------------ */
/* The audit                                                           */
/* ------------------------------------------------------------------ */

static enum baton_code audit_exec(struct store *st, const struct audit_opts *opts,
				  int parallel, int *ran_parallel, json_t **report,
				  struct audit_text *text, struct baton_error *err)
{
	static const struct audit_opts none = { NULL, NULL, NULL, 0, NULL, 0 };
	struct split sp = { PTHREAD_MUTEX_INITIALIZER, 0 };
	struct store *tw[2] = { NULL, NULL };
	struct ctx c;
	struct worker w;
	json_t *teams = NULL, *ignores = NULL, *o;
	enum baton_code brc;
	pthread_t th;
	int two = 0, started = 0;
	size_t i;

	if (report)
		*report = NULL;
	if (ran_parallel)
		*ran_parallel = 0;
	if (!opts)
		opts = &none;
	memset(&w, 0, sizeof(w));
	/* Two threads for the whole audit only, when two connections can read
	 * one snapshot; else one thread on st, as always. jansson seeds its
	 * hash function when the first object is made: made here, while
	 * there is one thread. */
	if (parallel && !opts->check && sqlite3_get_autocommit(st->db) && !st->in_tx &&
	    (o = json_object())) {
		struct baton_error ferr = BATON_ERROR_INIT;

		json_decref(o);
		two = store_read_twins(st, tw, 2, &ferr) == BATON_OK;
		baton_error_release(&ferr);
	}
	if ((brc = ctx_init(&c, two ? tw[0] : st, opts->date ? opts->date : st->today,
			    opts->gone, opts->ngone, opts->max_roles, err)))
		goto out;
	if (two) {
		baton_error_init(&w.err);
		w.sp = &sp;
		brc = ctx_init(&w.c, tw[1], c.date, opts->gone, opts->ngone, c.max_roles, &w.err);
		tw[1] = NULL; /* w.c owns it now */
		if (brc) {
			brc = nomem(err); /* the same date passed ctx_init above */
			goto out;
		}
		w.c.cur_view = 1;
	}
	if (opts->check && !audit_check_known(opts->check)) {
		brc = baton_fail(err, BATON_USAGE, "no audit check is called '%s'",
				 opts->check);
		goto out;
	}
	/* The second thread starts before the first opens its scope: their
	 * work overlaps from the start. When it cannot start, this thread
	 * does its share after its own, on its connection: the same
	 * snapshot, the same result. */
	if (two)
		started = pthread_create(&th, NULL, worker_main, &w) == 0;
	if ((brc = scope_open(&c)))
		goto out;
	if (opts->team && (brc = team_set(&c, opts->team, &teams)))
		goto out;
	for (i = 0; !brc && i < ARRAY_SIZE(checks); i++)
		if (two ? check_place(checks[i].id) == ON_FIRST
			: !opts->check || !strcmp(opts->check, checks[i].id))
			brc = checks[i].fn(&c);
	if (!brc && two)
		brc = run_either(&c, &sp);
	if (!brc)
		brc = ignores_load(&c, &ignores);
out:
	if (two) {
		if (started)
			pthread_join(th, NULL);
		else if (!brc && w.c.st)
			worker_run(&w);
		brc = worker_merge(&w, &c, brc);
		if (ran_parallel)
			*ran_parallel = started;
		store_free(tw[1]); /* when w.c did not take it */
		/* c.st is tw[0]: report_build closes it, off this thread */
		rules_free(c.rules);
		c.rules = NULL;
		c.scope = c.own_tx = 0;
		tw[0] = c.st;
		c.st = NULL;
	}
	if (!brc)
		brc = report_build(&c, teams, ignores, two, tw[0], report, text);
	else
		store_free(tw[0]);
	json_decref(teams);
	json_decref(ignores);
	ctx_release(&c);
	return brc;
}

enum baton_code audit_run(struct store *st, const struct audit_opts *opts,
			  json_t **report, struct baton_error *err)
{
	return audit_exec(st, opts, 0, NULL, report, NULL, err);
}

enum baton_code audit_run_parallel(struct store *st, const struct audit_opts *opts,
				   int *ran_parallel, json_t **report,
				   struct baton_error *err)
{
	return audit_exec(st, opts, 1, ran_parallel, report, NULL, err);
}

enum baton_code audit_run_text(struct store *st, const struct audit_opts *opts,
			       int *ran_parallel, struct audit_text *out,
			       struct baton_error *err)
{
	memset(out, 0, sizeof(*out));
	return audit_exec(st, opts, 1, ran_parallel, NULL, out, err);
}

void audit_text_release(struct audit_text *t)
{
	size_t i;

	for (i = 0; i < t->nparts; i++)
		strbuf_release(&t->part[i]);
	free(t->part);
	memset(t, 0, sizeof(*t));
}

enum baton_code busfactor_run(struct store *st,
			      const struct busfactor_opts *opts, json_t **out,
			      struct baton_error *err)
{
	static const struct busfactor_opts none = { NULL, NULL, NULL, 0 };
	struct ctx c;
	struct bf b;
	enum baton_code brc;
	int t = -1;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if (!opts)
		opts = &none;
	if ((brc = ctx_init(&c, st, opts->date, opts->gone, opts->ngone, 0, err)))
		goto out;
	/* bf_load reads audit_cur once from end to end: no table to index */
	c.cur_view = 1;
	if ((brc = scope_open(&c)) || (brc = bf_load(&c, &b)))
		goto out;
	if (opts->team && (t = index_get(b.tindex, opts->team)) < 0) {
		brc = baton_fail(err, BATON_NOTFOUND, "no such team '%s'", opts->team);
		goto out;
	}
	brc = bf_report(&c, &b, t, out);
out:
	bf_release(&b);
	ctx_release(&c);
	return brc;
}

/* ------------------------------------------------------------------ */
/* What if                                                             */
/* ------------------------------------------------------------------ */

/* The outcome of routing each rule: {rule: {"role", "outcome"}}. */
static enum baton_code routes_compute(struct ctx *c, json_t **out)
{
	struct roles r;
	struct rules rs;
	json_t *res = json_object();
	struct strbuf sb = STRBUF_INIT;
	int *seen = NULL;
	enum baton_code brc;
	size_t i;

	*out = NULL;
	if (!res)
		return nomem(c->err);
	if ((brc = scope_open(c)) || (brc = roles_load(c, &r))) {
		scope_close(c);
		json_decref(res);
		return brc;
	}
	if ((brc = rules_load(c, &rs))) {
		scope_close(c);
		roles_release(&r);
		json_decref(res);
		return brc;
	}
	if (!(seen = calloc(r.n + 1, sizeof(int)))) {
		brc = nomem(c->err);
		goto out;
	}
	for (i = 0; !brc && i < rs.n; i++) {
		const struct rule_row *ru = &rs.r[i];
		int is_role = !strcmp(ru->handler_kind, "role");
		int h = is_role ? index_get(r.index, ru->handler_name) : -1;
		int stamp = (int)i + 1, x, last = h;
		json_t *o;

		strbuf_reset(&sb);
		if (is_role ? (h >= 0 && r.avail[h]) : ru->person_avail) {
			strbuf_addstr(&sb, "available");
		} else {
			x = ru->escalate_to ? index_get(r.index, ru->escalate_to)
					    : h >= 0 ? r.up[h] : -1;
			if (h >= 0)
				seen[h] = stamp;
			for (;;) {
				if (x < 0) {
					if (last >= 0)
						strbuf_addf(&sb, "dead end at %s", r.name[last]);
					else
						strbuf_addf(&sb, "dead end at person:%s", ru->handler_name);
					break;
				}
				if (seen[x] == stamp) {
					strbuf_addf(&sb, "cycle at %s", r.name[x]);
					break;
				}
				if (r.avail[x]) {
					strbuf_addf(&sb, "escalates to %s", r.name[x]);
					break;
				}
				seen[x] = stamp;
				last = x;
				x = r.up[x];
			}
		}
		if (!strbuf_ok(&sb)) {
			brc = nomem(c->err);
			break;
		}
		o = json_pack("{s:s?,s:s}", "role", is_role ? ru->handler_name : NULL,
			      "outcome", sb.buf);
		if (!o || json_object_set_new(res, ru->name, o))
			brc = nomem(c->err);
	}
out:
	scope_close(c);
	free(seen);
	strbuf_release(&sb);
	roles_release(&r);
	rules_release(&rs);
	if (brc)
		json_decref(res);
	else
		*out = res;
	return brc;
}

static const char *jsonp_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* Findings of `a` that are not in `b`, compared by check, severity, entity
 * and message. */
static int findings_minus(const json_t *a, const json_t *b, json_t *out)
{
	json_t *keys = json_object(), *f;
	struct strbuf key = STRBUF_INIT;
	size_t i;
	int rc = -1;

	if (!keys)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		const json_t *arr = json_object_get(pass ? a : b, "findings");

		json_array_foreach(arr, i, f) {
			strbuf_reset(&key);
			strbuf_addf(&key, "%s\n%s\n%s\n%s", jsonp_str(f, "check"),
				    jsonp_str(f, "severity"), jsonp_str(f, "entity"),
				    jsonp_str(f, "message"));
			if (!strbuf_ok(&key))
				goto out;
			if (!pass) {
				if (json_object_set_new(keys, key.buf, json_true()))
					goto out;
			} else if (!json_object_get(keys, key.buf) &&
				   json_array_append(out, f)) {
				goto out;
			}
		}
	}
	rc = 0;
out:
	strbuf_release(&key);
	json_decref(keys);
	return rc;
}

static enum baton_code person_check(struct ctx *c, const char *name)
{
	static const char sql[] = "SELECT 1 FROM person WHERE name = ?1";
	sqlite3_stmt *s = store_cached(c->st, sql, c->err);
	int rc;

	if (!s)
		return c->err->code;
	if (sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT))
		return store_fail(c->st, c->err, "cannot bind the person");
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return baton_fail(c->err, BATON_NOTFOUND, "no such person '%s'", name);
	if (rc != SQLITE_ROW)
		return store_fail(c->st, c->err, "cannot look the person up");
	return BATON_OK;
}

/* Append {"team","before","after"} for each scope whose truck factor drops. */
static int tf_drops(const json_t *before, const json_t *after, json_t *out)
{
	const json_t *bo = json_object_get(before, "organisation");
	const json_t *ao = json_object_get(after, "organisation");
	json_int_t b = json_integer_value(json_object_get(bo, "truckFactor"));
	json_int_t a = json_integer_value(json_object_get(ao, "truckFactor"));
	const json_t *bt = json_object_get(before, "teams");
	const json_t *at = json_object_get(after, "teams");
	size_t i;

	if (a < b && json_array_append_new(out, json_pack("{s:n,s:I,s:I}", "team",
							  "before", b, "after", a)))
		return -1;
	/* Same teams in the same (name) order on both sides. */
	for (i = 0; i < json_array_size(bt) && i < json_array_size(at); i++) {
		const json_t *x = json_array_get(bt, i), *y = json_array_get(at, i);

		b = json_integer_value(json_object_get(x, "truckFactor"));
		a = json_integer_value(json_object_get(y, "truckFactor"));
		if (a < b && json_array_append_new(out, json_pack("{s:s,s:I,s:I}", "team",
								  jsonp_str(x, "team"),
								  "before", b, "after", a)))
			return -1;
	}
	return 0;
}

enum baton_code whatif_run(struct store *st, const struct whatif_opts *opts,
			   json_t **out, struct baton_error *err)
{
	struct audit_opts ao = { opts->date, NULL, NULL, opts->max_roles, NULL, 0 };
	struct busfactor_opts bo = { opts->date, NULL, NULL, 0 };
	json_t *a0 = NULL, *a1 = NULL, *b0 = NULL, *b1 = NULL, *r0 = NULL, *r1 = NULL;
	json_t *people = json_array(), *nf = json_array(), *rf = json_array();
	json_t *tfs = json_array(), *routes = json_array();
	struct ctx c0, c1;
	enum baton_code brc;
	const char *rule;
	json_t *v;
	size_t i;
	int began = 0;

	*out = NULL;
	memset(&c1, 0, sizeof(c1));
	/* the six computations below compare one snapshot with itself */
	if ((brc = store_read_begin(st, &began, err)))
		return brc;
	if ((brc = ctx_init(&c0, st, opts->date, NULL, 0, 0, err)))
		goto out;
	if (!people || !nf || !rf || !tfs || !routes) {
		brc = nomem(err);
		goto out;
	}
	for (i = 0; i < opts->npeople; i++) {
		if ((brc = person_check(&c0, opts->people[i])))
			goto out;
		if (json_array_append_new(people, json_string(opts->people[i]))) {
			brc = nomem(err);
			goto out;
		}
	}
	if ((brc = ctx_init(&c1, st, opts->date, opts->people, opts->npeople, 0, err)))
		goto out;
	if ((brc = audit_run(st, &ao, &a0, err)))
		goto out;
	ao.gone = bo.gone = opts->people;
	ao.ngone = bo.ngone = opts->npeople;
	if ((brc = audit_run(st, &ao, &a1, err)) ||
	    (brc = busfactor_run(st, &bo, &b1, err)))
		goto out;
	bo.gone = NULL;
	bo.ngone = 0;
	if ((brc = busfactor_run(st, &bo, &b0, err)) ||
	    (brc = routes_compute(&c0, &r0)) || (brc = routes_compute(&c1, &r1)))
		goto out;
	if (findings_minus(a1, a0, nf) || findings_minus(a0, a1, rf) ||
	    tf_drops(b0, b1, tfs)) {
		brc = nomem(err);
		goto out;
	}
	json_object_foreach(r1, rule, v) {
		const char *after = jsonp_str(v, "outcome");
		const char *before = jsonp_str(json_object_get(r0, rule), "outcome");
		json_t *o;

		if (!strcmp(before, after) || !strcmp(after, "available"))
			continue;
		o = json_pack("{s:s,s:O,s:s,s:s}", "rule", rule, "role",
			      json_object_get(v, "role"), "before", before, "after", after);
		if (!o || json_array_append_new(routes, o)) {
			brc = nomem(err);
			goto out;
		}
	}
	*out = json_pack("{s:O,s:O,s:O,s:O,s:O}", "people", people, "newFindings", nf,
			 "resolvedFindings", rf, "truckFactors", tfs, "routes", routes);
	if (!*out)
		brc = nomem(err);
out:
	store_read_end(st, began);
	json_decref(people);
	json_decref(nf);
	json_decref(rf);
	json_decref(tfs);
	json_decref(routes);
	json_decref(a0);
	json_decref(a1);
	json_decref(b0);
	json_decref(b1);
	json_decref(r0);
	json_decref(r1);
	ctx_release(&c0);
	ctx_release(&c1);
	return brc;
}
