/* handover.c - handovers: start (checklist generation), tick, complete,
 * cancel, export (see handover.h).
 *
 * The checklist is generated with plain queries over the derived tables
 * (responsibility, process, relationship, rule, journal, known_by). Item
 * numbers are 1..n in generation order and never change; custom items get
 * the next number. Completing reads and rewrites the role, process and
 * person specs with entity_put so the derived tables, the change log and
 * drift detection all see the change.
 */
#include "handover.h"
#include "entity.h"
#include "journal.h"
#include "model.h"
#include "query.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* SQL helpers                                                         */
/* ------------------------------------------------------------------ */

/* Bind by a format: 't' text (NULL binds NULL), 'i' long. */
static void bindv(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	int i;

	for (i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i') {
			sqlite3_bind_int64(s, i + 1, va_arg(ap, long));
		} else {
			const char *t = va_arg(ap, const char *);

			if (t)
				sqlite3_bind_text(s, i + 1, t, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(s, i + 1);
		}
	}
}

/* A cached statement for static sql with its parameters bound, or NULL. */
static sqlite3_stmt *stmt(struct store *st, const char *sql,
			  struct baton_error *err, const char *fmt, ...)
{
	sqlite3_stmt *s = store_cached(st, sql, err);
	va_list ap;

	if (!s)
		return NULL;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	return s;
}

/* Run a statement with no result rows. */
static enum baton_code run(struct store *st, const char *sql,
			   struct baton_error *err, const char *fmt, ...)
{
	sqlite3_stmt *s = store_cached(st, sql, err);
	va_list ap;
	int rc;

	if (!s)
		return err ? err->code : BATON_DB;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot write to database");
	return BATON_OK;
}

/* First column of the first row as a long; *out = dflt when no row. */
static enum baton_code one_long(struct store *st, const char *sql, long dflt,
				long *out, struct baton_error *err,
				const char *fmt, ...)
{
	sqlite3_stmt *s = store_cached(st, sql, err);
	va_list ap;
	int rc;

	*out = dflt;
	if (!s)
		return err ? err->code : BATON_DB;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = (long)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "cannot read");
	return BATON_OK;
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* A string member of a JSON object, or NULL. */
static const char *jstr_or(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static enum baton_code oom(struct baton_error *err)
{
	return baton_fail(err, BATON_NOMEM, "out of memory");
}

static enum baton_code finish(struct store *st, enum baton_code rc,
			      struct baton_error *err)
{
	if (!rc)
		rc = store_commit(st, err);
	if (rc && st->in_tx)
		store_rollback(st);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reading a handover                                                  */
/* ------------------------------------------------------------------ */

#define HANDOVER_HEAD \
	"'id', h.id, 'from', h.from_person, 'to', h.to_person,"       \
	" 'state', h.state, 'due', h.due, 'created', h.created_at,"   \
	" 'createdBy', h.created_by, 'closedAt', h.closed_at,"        \
	" 'forced', json(CASE WHEN h.forced THEN 'true' ELSE 'false' END)," \
	" 'roles', (SELECT json_group_array(role) FROM (SELECT role"  \
	"   FROM handover_role WHERE handover = h.id ORDER BY role))"

#define ITEM_OBJECT(i) \
	"json_object('item', " i ".item, 'kind', " i ".kind, 'role', " i ".role," \
	" 'entity', " i ".entity, 'text', " i ".text,"                  \
	" 'done', json(CASE WHEN " i ".done THEN 'true' ELSE 'false' END)," \
	" 'doneBy', " i ".done_by, 'doneAt', " i ".done_at, 'note', " i ".note," \
	" 'skipped', json(CASE WHEN " i ".skipped THEN 'true' ELSE 'false' END))"

static enum baton_code not_found(struct baton_error *err, long id)
{
	return baton_fail(err, BATON_NOTFOUND, "no such handover %ld", id);
}

/* Run a JSON-returning query with the id as ?1 (text, as query_json binds). */
static enum baton_code json_by_id(struct store *st, const char *sql, long id,
				  long item, json_t **out,
				  struct baton_error *err)
{
	char a[32], b[32];
	const char *params[2] = { a, b };

	snprintf(a, sizeof(a), "%ld", id);
	snprintf(b, sizeof(b), "%ld", item);
	return query_json(st, sql, params, 2, out, err);
}

enum baton_code handover_get(struct store *st, long id, json_t **out,
			     struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_object(" HANDOVER_HEAD ","
		" 'items', (SELECT json_group_array(" ITEM_OBJECT("i") ") FROM"
		"   (SELECT * FROM handover_item WHERE handover = h.id ORDER BY item) i),"
		" 'notes', (SELECT json_group_array(json_object('at', n.at,"
		"   'author', n.author, 'text', n.text)) FROM (SELECT * FROM"
		"   handover_note WHERE handover = h.id ORDER BY id) n))"
		" FROM handover h WHERE h.id = CAST(?1 AS INTEGER)";
	enum baton_code rc = json_by_id(st, sql, id, 0, out, err);

	return rc == BATON_NOTFOUND ? not_found(err, id) : rc;
}

/* The handover without items and notes (for events). */
static enum baton_code head_get(struct store *st, long id, json_t **out,
				struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_object(" HANDOVER_HEAD ") FROM handover h"
		" WHERE h.id = CAST(?1 AS INTEGER)";
	enum baton_code rc = json_by_id(st, sql, id, 0, out, err);

	return rc == BATON_NOTFOUND ? not_found(err, id) : rc;
}

static enum baton_code item_get(struct store *st, long id, long item,
				json_t **out, struct baton_error *err)
{
	static const char sql[] =
		"SELECT " ITEM_OBJECT("i") " FROM handover_item i"
		" WHERE i.handover = CAST(?1 AS INTEGER)"
		" AND i.item = CAST(?2 AS INTEGER)";
	enum baton_code rc = json_by_id(st, sql, id, item, out, err);

	if (rc == BATON_NOTFOUND)
		return baton_fail(err, BATON_NOTFOUND,
				  "handover %ld has no item %ld", id, item);
	return rc;
}

enum baton_code handover_list(struct store *st, int open_only, json_t **out,
			      struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_group_array(json_object('id', h.id, 'from', h.from_person,"
		" 'to', h.to_person, 'state', h.state, 'due', h.due,"
		" 'roles', (SELECT json_group_array(role) FROM (SELECT role"
		"   FROM handover_role WHERE handover = h.id ORDER BY role)),"
		" 'items', (SELECT count(*) FROM handover_item WHERE handover = h.id),"
		" 'done', (SELECT count(*) FROM handover_item WHERE handover = h.id"
		"   AND done))) FROM (SELECT * FROM handover"
		" WHERE ?1 = '0' OR state = 'open' ORDER BY id DESC) h";
	const char *params[1] = { open_only ? "1" : "0" };

	return query_json(st, sql, params, 1, out, err);
}

/* Event on handover/ID with JSON before/after images (either may be NULL). */
static enum baton_code handover_event(struct store *st, long id,
				      const char *action, const json_t *before,
				      const json_t *after,
				      struct baton_error *err)
{
	char key[48];
	char *b = before ? spec_canonical(before) : NULL;
	char *a = after ? spec_canonical(after) : NULL;
	enum baton_code rc;

	snprintf(key, sizeof(key), "handover/%ld", id);
	if ((before && !b) || (after && !a))
		rc = oom(err);
	else
		rc = event_add(st, key, action, b, a, err);
	free(b);
	free(a);
	return rc;
}

/* Fail unless handover id exists and is open. */
static enum baton_code require_open(struct store *st, long id,
				    struct baton_error *err)
{
	static const char sql[] = "SELECT state FROM handover WHERE id = ?1";
	sqlite3_stmt *s = stmt(st, sql, err, "i", id);
	enum baton_code rc = BATON_OK;
	int step;

	if (!s)
		return err ? err->code : BATON_DB;
	step = sqlite3_step(s);
	if (step == SQLITE_DONE)
		rc = not_found(err, id);
	else if (step != SQLITE_ROW)
		rc = store_fail(st, err, "cannot read");
	else if (strcmp(col(s, 0), "open"))
		rc = baton_fail(err, BATON_CONFLICT, "handover %ld is %s", id,
				col(s, 0));
	sqlite3_reset(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Starting: validation and checklist                                  */
/* ------------------------------------------------------------------ */

/* Status of person name in status[16]; BATON_NOTFOUND when unknown. */
static enum baton_code person_status(struct store *st, const char *name,
				     char status[16], struct baton_error *err)
{
	static const char sql[] = "SELECT status FROM person WHERE name = ?1";
	sqlite3_stmt *s = stmt(st, sql, err, "t", name);
	enum baton_code rc = BATON_OK;
	int step;

	if (!s)
		return err ? err->code : BATON_DB;
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		snprintf(status, 16, "%s", col(s, 0));
	else if (step == SQLITE_DONE)
		rc = baton_fail(err, BATON_NOTFOUND, "no such person '%s'", name);
	else
		rc = store_fail(st, err, "cannot read");
	sqlite3_reset(s);
	return rc;
}

/* The current holding ("primary"/"backup") of person in role, in kind[8];
 * "" when none. */
static enum baton_code holding(struct store *st, const char *role,
			       const char *person, char kind[8],
			       struct baton_error *err)
{
	static const char sql[] =
		"SELECT kind FROM holder WHERE role = ?1 AND person = ?2"
		" AND until IS NULL ORDER BY kind = 'backup' LIMIT 1";
	sqlite3_stmt *s = stmt(st, sql, err, "tt", role, person);
	int step;

	kind[0] = 0;
	if (!s)
		return err ? err->code : BATON_DB;
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		snprintf(kind, 8, "%s", col(s, 0));
	sqlite3_reset(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(st, err, "cannot read");
	return BATON_OK;
}

/* Next free item number of a handover. */
static enum baton_code next_item(struct store *st, long id, long *n,
				 struct baton_error *err)
{
	static const char sql[] =
		"SELECT coalesce(max(item), 0) + 1 FROM handover_item"
		" WHERE handover = ?1";

	return one_long(st, sql, 1, n, err, "i", id);
}

static enum baton_code item_insert(struct store *st, long id, long *n,
				   const char *kind, const char *role,
				   const char *entity, const char *text,
				   struct baton_error *err)
{
	static const char sql[] =
		"INSERT INTO handover_item (handover, item, kind, role, entity, text)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

	return run(st, sql, err, "iitttt", id, (*n)++, kind, role, entity, text);
}

/* Collect the rows of a query (all text columns) before inserting items,
 * so no cached statement is stepped while another writes. */
struct rows {
	char **v;
	size_t n, alloc, ncol;
};

static void rows_release(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n * r->ncol; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static enum baton_code rows_fetch(struct store *st, const char *sql,
				  size_t ncol, struct rows *r,
				  struct baton_error *err, const char *fmt, ...)
{
	sqlite3_stmt *s = store_cached(st, sql, err);
	enum baton_code rc = BATON_OK;
	va_list ap;
	size_t i;
	int step;

	memset(r, 0, sizeof(*r));
	r->ncol = ncol;
	if (!s)
		return err ? err->code : BATON_DB;
	va_start(ap, fmt);
	bindv(s, fmt, ap);
	va_end(ap);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (r->n == r->alloc) {
			size_t na = r->alloc ? 2 * r->alloc : 8;
			char **nv = realloc(r->v, na * ncol * sizeof(*nv));

			if (!nv) {
				rc = oom(err);
				goto out;
			}
			r->v = nv;
			r->alloc = na;
		}
		for (i = 0; i < ncol; i++) {
			const char *t = col(s, (int)i);

			r->v[r->n * ncol + i] = t ? strdup(t) : NULL;
			if (t && !r->v[r->n * ncol + i]) {
				while (i--)
					free(r->v[r->n * ncol + i]);
				rc = oom(err);
				goto out;
			}
		}
		r->n++;
	}
	if (step != SQLITE_DONE)
		rc = store_fail(st, err, "cannot read");
out:
	sqlite3_reset(s);
	return rc;
}

#define ROW(r, i, c) ((r)->v[(i) * (r)->ncol + (c)])

/* Generate the items of one role. */
static enum baton_code items_for_role(struct store *st, long id, long *n,
				      const char *role, const char *to,
				      struct baton_error *err)
{
	static const char resp_sql[] =
		"SELECT id, summary FROM responsibility WHERE role = ?1 ORDER BY ord";
	static const char proc_sql[] =
		"SELECT name, title FROM (SELECT name, title, 0 AS k, 0 AS o FROM"
		" process WHERE owner = ?1 UNION ALL SELECT rp.process, p.title, 1,"
		" rp.rowid FROM responsibility_process rp LEFT JOIN process p"
		" ON p.name = rp.process WHERE rp.role = ?1) x"
		" ORDER BY k, CASE WHEN k = 0 THEN name END, o";
	static const char rel_sql[] =
		"SELECT with_kind, with_name, contact FROM relationship"
		" WHERE role = ?1 ORDER BY ord";
	static const char rule_sql[] =
		"SELECT name, title FROM rule WHERE handler_kind = 'role'"
		" AND handler_name = ?1 ORDER BY name";
	static const char journal_sql[] =
		"SELECT count(*) FROM journal WHERE role = ?1";
	static const char seen_sql[] =
		"SELECT count(*) FROM handover_item WHERE handover = ?1"
		" AND kind = 'process' AND entity = ?2";
	struct strbuf ent = STRBUF_INIT, text = STRBUF_INIT;
	struct rows r = { 0 };
	enum baton_code rc;
	long cnt;
	size_t i;

#define ITEM(kind) do { \
		if (!strbuf_ok(&ent) || !strbuf_ok(&text)) { rc = oom(err); goto out; } \
		if ((rc = item_insert(st, id, n, kind, role, ent.buf, text.buf, err))) \
			goto out; \
		strbuf_reset(&ent); strbuf_reset(&text); \
	} while (0)

	if ((rc = rows_fetch(st, resp_sql, 2, &r, err, "t", role)))
		goto out;
	for (i = 0; i < r.n; i++) {
		strbuf_addf(&ent, "role/%s#%s", role, ROW(&r, i, 0));
		strbuf_addf(&text, "Take over responsibility '%s'", ROW(&r, i, 0));
		if (ROW(&r, i, 1))
			strbuf_addf(&text, ": %s", ROW(&r, i, 1));
		ITEM("responsibility");
	}
	rows_release(&r);

	if ((rc = rows_fetch(st, proc_sql, 2, &r, err, "t", role)))
		goto out;
	for (i = 0; i < r.n; i++) {
		strbuf_addf(&ent, "process/%s", ROW(&r, i, 0));
		if (!strbuf_ok(&ent)) {
			rc = oom(err);
			goto out;
		}
		if ((rc = one_long(st, seen_sql, 0, &cnt, err, "it", id, ent.buf)))
			goto out;
		if (cnt) {
			strbuf_reset(&ent);
			continue;
		}
		strbuf_addf(&text, "Read process '%s'", ROW(&r, i, 0));
		if (ROW(&r, i, 1))
			strbuf_addf(&text, " (%s)", ROW(&r, i, 1));
		ITEM("process");
	}
	rows_release(&r);

	if ((rc = rows_fetch(st, rel_sql, 3, &r, err, "t", role)))
		goto out;
	for (i = 0; i < r.n; i++) {
		if (!strcmp(ROW(&r, i, 0), "party"))
			strbuf_addf(&ent, "party:\"%s\"", ROW(&r, i, 1));
		else
			strbuf_addf(&ent, "%s:%s", ROW(&r, i, 0), ROW(&r, i, 1));
		strbuf_addf(&text, "Introduce %s to %s", to, ROW(&r, i, 1));
		if (ROW(&r, i, 2))
			strbuf_addf(&text, " (%s)", ROW(&r, i, 2));
		ITEM("relationship");
	}
	rows_release(&r);

	if ((rc = rows_fetch(st, rule_sql, 2, &r, err, "t", role)))
		goto out;
	for (i = 0; i < r.n; i++) {
		strbuf_addf(&ent, "rule/%s", ROW(&r, i, 0));
		strbuf_addf(&text, "Check rule '%s'", ROW(&r, i, 0));
		if (ROW(&r, i, 1))
			strbuf_addf(&text, " (%s)", ROW(&r, i, 1));
		strbuf_addf(&text, ": it routes to role '%s', now %s", role, to);
		ITEM("rule");
	}
	rows_release(&r);

	if ((rc = one_long(st, journal_sql, 0, &cnt, err, "t", role)))
		goto out;
	if (cnt) {
		strbuf_addf(&ent, "role/%s", role);
		strbuf_addf(&text, "Read the journal of role '%s' (%ld entr%s)",
			    role, cnt, cnt == 1 ? "y" : "ies");
		ITEM("journal");
	}
out:
	rows_release(&r);
	strbuf_release(&ent);
	strbuf_release(&text);
	return rc;
}

/* Items about `from` as a person: rules routed to them and processes only
 * they know. */
static enum baton_code items_for_person(struct store *st, long id, long *n,
					const char *from, const char *to,
					struct baton_error *err)
{
	static const char rule_sql[] =
		"SELECT name, title FROM rule WHERE handler_kind = 'person'"
		" AND handler_name = ?1 ORDER BY name";
	/* Processes `from` knows and nobody else who has not left; the role
	 * is the owner when that role is part of the handover. */
	static const char silo_sql[] =
		"SELECT p.name, p.title, (SELECT role FROM handover_role"
		" WHERE handover = ?2 AND role = p.owner) FROM process p"
		" WHERE EXISTS (SELECT 1 FROM known_by k WHERE k.process = p.name"
		"  AND k.person = ?1)"
		" AND NOT EXISTS (SELECT 1 FROM known_by k JOIN person pe"
		"  ON pe.name = k.person WHERE k.process = p.name"
		"  AND k.person <> ?1 AND pe.status <> 'left')"
		" ORDER BY p.name";
	struct strbuf ent = STRBUF_INIT, text = STRBUF_INIT;
	struct rows r = { 0 };
	enum baton_code rc;
	size_t i;

	if ((rc = rows_fetch(st, rule_sql, 2, &r, err, "t", from)))
		goto out;
	for (i = 0; i < r.n; i++) {
		strbuf_addf(&ent, "rule/%s", ROW(&r, i, 0));
		strbuf_addf(&text, "Re-point rule '%s'", ROW(&r, i, 0));
		if (ROW(&r, i, 1))
			strbuf_addf(&text, " (%s)", ROW(&r, i, 1));
		strbuf_addf(&text, " from person:%s to a role", from);
		if (!strbuf_ok(&ent) || !strbuf_ok(&text)) {
			rc = oom(err);
			goto out;
		}
		if ((rc = item_insert(st, id, n, "rule", NULL, ent.buf, text.buf, err)))
			goto out;
		strbuf_reset(&ent);
		strbuf_reset(&text);
	}
	rows_release(&r);

	if ((rc = rows_fetch(st, silo_sql, 3, &r, err, "ti", from, id)))
		goto out;
	for (i = 0; i < r.n; i++) {
		strbuf_addf(&ent, "process/%s", ROW(&r, i, 0));
		strbuf_addf(&text, "Knowledge transfer: %s walks %s through '%s'",
			    from, to, ROW(&r, i, 0));
		if (ROW(&r, i, 1))
			strbuf_addf(&text, " (%s)", ROW(&r, i, 1));
		strbuf_addf(&text, "; only %s knows it", from);
		if (!strbuf_ok(&ent) || !strbuf_ok(&text)) {
			rc = oom(err);
			goto out;
		}
		if ((rc = item_insert(st, id, n, "knowledge", ROW(&r, i, 2),
				      ent.buf, text.buf, err)))
			goto out;
		strbuf_reset(&ent);
		strbuf_reset(&text);
	}
out:
	rows_release(&r);
	strbuf_release(&ent);
	strbuf_release(&text);
	return rc;
}

/* The body of handover_start, inside the caller's transaction. */
static enum baton_code start_tx(struct store *st, const char *from,
				const char *to, const char *const *roles,
				size_t nroles, const char *due, long *id,
				struct baton_error *err)
{
	static const char held_sql[] =
		"SELECT DISTINCT role FROM holder WHERE person = ?1"
		" AND until IS NULL ORDER BY role";
	static const char busy_sql[] =
		"SELECT h.id FROM handover h JOIN handover_role r ON r.handover = h.id"
		" WHERE h.state = 'open' AND r.role = ?1";
	static const char ins_sql[] =
		"INSERT INTO handover (from_person, to_person, due, created_at,"
		" created_by) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char role_sql[] =
		"INSERT INTO handover_role (handover, role, holding) VALUES (?1, ?2, ?3)";
	struct rows held = { 0 };
	json_t *after = NULL;
	char status[16], kind[8];
	enum baton_code rc;
	long n = 1, busy;
	size_t i, j;
	int ex;

	*id = 0;
	if (due && !date_valid(due))
		return baton_fail(err, BATON_INVALID,
				  "due date must be YYYY-MM-DD, got '%s'", due);
	if ((rc = person_status(st, to, status, err)))
		return rc;
	if (!strcmp(status, "left"))
		return baton_fail(err, BATON_INVALID,
				  "cannot hand over to '%s': they have left", to);
	if (from) {
		if ((rc = person_status(st, from, status, err)))
			return rc;
		if (!strcmp(from, to))
			return baton_fail(err, BATON_INVALID,
					  "cannot hand over from '%s' to themselves", to);
		if ((rc = rows_fetch(st, held_sql, 1, &held, err, "t", from)))
			goto out;
		if (!held.n) {
			rc = baton_fail(err, BATON_INVALID,
					"'%s' holds no role to hand over", from);
			goto out;
		}
	} else if (!nroles) {
		return baton_fail(err, BATON_USAGE, "onboarding needs at least one role");
	}
	if (!nroles) {
		roles = (const char *const *)held.v;
		nroles = held.n;
	}
	for (i = 0; i < nroles; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(roles[i], roles[j])) {
				rc = baton_fail(err, BATON_USAGE, "role '%s' given twice",
						roles[i]);
				goto out;
			}
		ex = entity_exists(st, KIND_ROLE, roles[i], err);
		if (ex < 0) {
			rc = err ? err->code : BATON_DB;
			goto out;
		}
		if (!ex) {
			rc = baton_fail(err, BATON_NOTFOUND, "no such role '%s'", roles[i]);
			goto out;
		}
		if (from) {
			if ((rc = holding(st, roles[i], from, kind, err)))
				goto out;
			if (!kind[0]) {
				rc = baton_fail(err, BATON_INVALID,
						"'%s' does not hold role '%s'", from, roles[i]);
				goto out;
			}
		}
		if ((rc = holding(st, roles[i], to, kind, err)))
			goto out;
		if (kind[0]) {
			rc = baton_fail(err, BATON_INVALID,
					"'%s' already holds role '%s'", to, roles[i]);
			goto out;
		}
		if ((rc = one_long(st, busy_sql, 0, &busy, err, "t", roles[i])))
			goto out;
		if (busy) {
			rc = baton_fail(err, BATON_CONFLICT,
					"role '%s' is already in open handover %ld",
					roles[i], busy);
			goto out;
		}
	}
	if ((rc = run(st, ins_sql, err, "ttttt", from, to, due, st->now, st->actor)))
		goto out;
	*id = (long)sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < nroles; i++) {
		kind[0] = 0;
		if (from && (rc = holding(st, roles[i], from, kind, err)))
			goto out;
		if ((rc = run(st, role_sql, err, "itt", *id, roles[i],
			      kind[0] ? kind : NULL)))
			goto out;
	}
	for (i = 0; i < nroles; i++)
		if ((rc = items_for_role(st, *id, &n, roles[i], to, err)))
			goto out;
	if (from && (rc = items_for_person(st, *id, &n, from, to, err)))
		goto out;
	if ((rc = handover_get(st, *id, &after, err)))
		goto out;
	rc = handover_event(st, *id, "start", NULL, after, err);
out:
	json_decref(after);
	rows_release(&held);
	return rc;
}

enum baton_code handover_start(struct store *st, const char *from,
			       const char *to, const char *const *roles,
			       size_t nroles, const char *due, long *id,
			       struct baton_error *err)
{
	enum baton_code rc = store_begin(st, err);

	if (rc)
		return rc;
	rc = start_tx(st, from, to, roles, nroles, due, id, err);
	return finish(st, rc, err);
}

enum baton_code handover_offboard(struct store *st, const char *from,
				  const char *to, const char *on, long *id,
				  struct baton_error *err)
{
	struct strbuf note = STRBUF_INIT;
	json_t *spec = NULL;
	enum baton_code rc;

	if (!on)
		on = st->today;
	if (!date_valid(on))
		return baton_fail(err, BATON_INVALID,
				  "leaving date must be YYYY-MM-DD, got '%s'", on);
	if ((rc = store_begin(st, err)))
		return rc;
	if ((rc = start_tx(st, from, to, NULL, 0, on, id, err)))
		goto out;
	if ((rc = entity_get(st, KIND_PERSON, from, &spec, err)))
		goto out;
	if (json_object_set_new(spec, "status", json_string("leaving")) ||
	    json_object_set_new(spec, "leavingOn", json_string(on))) {
		rc = oom(err);
		goto out;
	}
	strbuf_addf(&note, "status changed by 'baton offboard' (handover %ld) on %s",
		    *id, st->today);
	if (!strbuf_ok(&note)) {
		rc = oom(err);
		goto out;
	}
	rc = entity_put(st, KIND_PERSON, from, spec,
			&(struct entity_change){ .action = "offboard",
						 .changed = note.buf },
			NULL, err);
out:
	json_decref(spec);
	strbuf_release(&note);
	return finish(st, rc, err);
}

/* ------------------------------------------------------------------ */
/* Items and notes                                                     */
/* ------------------------------------------------------------------ */

enum baton_code handover_add_item(struct store *st, long id, const char *text,
				  long *item, struct baton_error *err)
{
	json_t *after = NULL;
	enum baton_code rc;
	long n;

	if (!text[strspn(text, " \t\r\n")])
		return baton_fail(err, BATON_INVALID, "empty item text");
	if ((rc = store_begin(st, err)))
		return rc;
	if ((rc = require_open(st, id, err)) || (rc = next_item(st, id, &n, err)))
		goto out;
	if (item)
		*item = n;
	if ((rc = item_insert(st, id, &n, "custom", NULL, NULL, text, err)))
		goto out;
	if ((rc = item_get(st, id, n - 1, &after, err)))
		goto out;
	rc = handover_event(st, id, "add", NULL, after, err);
out:
	json_decref(after);
	return finish(st, rc, err);
}

enum baton_code handover_set_done(struct store *st, long id, long item,
				  int done, const char *note,
				  struct baton_error *err)
{
	static const char done_sql[] =
		"UPDATE handover_item SET done = 1, done_by = ?3, done_at = ?4,"
		" note = coalesce(?5, note) WHERE handover = ?1 AND item = ?2";
	static const char undo_sql[] =
		"UPDATE handover_item SET done = 0, done_by = NULL, done_at = NULL,"
		" note = coalesce(?3, note) WHERE handover = ?1 AND item = ?2";
	json_t *before = NULL, *after = NULL;
	enum baton_code rc;

	if ((rc = store_begin(st, err)))
		return rc;
	if ((rc = require_open(st, id, err)) ||
	    (rc = item_get(st, id, item, &before, err)))
		goto out;
	if (done)
		rc = run(st, done_sql, err, "iittt", id, item, st->actor, st->now, note);
	else
		rc = run(st, undo_sql, err, "iit", id, item, note);
	if (rc || (rc = item_get(st, id, item, &after, err)))
		goto out;
	rc = handover_event(st, id, done ? "done" : "undo", before, after, err);
out:
	json_decref(before);
	json_decref(after);
	return finish(st, rc, err);
}

enum baton_code handover_add_note(struct store *st, long id, const char *text,
				  struct baton_error *err)
{
	static const char sql[] =
		"INSERT INTO handover_note (handover, at, author, text)"
		" VALUES (?1, ?2, ?3, ?4)";
	json_t *after = NULL;
	enum baton_code rc;

	if (!text[strspn(text, " \t\r\n")])
		return baton_fail(err, BATON_INVALID, "empty note");
	if ((rc = store_begin(st, err)))
		return rc;
	if ((rc = require_open(st, id, err)) ||
	    (rc = run(st, sql, err, "ittt", id, st->now, st->actor, text)))
		goto out;
	if (!(after = json_pack("{s:s,s:s,s:s}", "at", st->now, "author",
				st->actor, "text", text))) {
		rc = oom(err);
		goto out;
	}
	rc = handover_event(st, id, "note", NULL, after, err);
out:
	json_decref(after);
	return finish(st, rc, err);
}

enum baton_code handover_cancel(struct store *st, long id,
				struct baton_error *err)
{
	static const char sql[] =
		"UPDATE handover SET state = 'cancelled', closed_at = ?2 WHERE id = ?1";
	json_t *before = NULL, *after = NULL;
	enum baton_code rc;

	if ((rc = store_begin(st, err)))
		return rc;
	if ((rc = require_open(st, id, err)) ||
	    (rc = head_get(st, id, &before, err)) ||
	    (rc = run(st, sql, err, "it", id, st->now)) ||
	    (rc = head_get(st, id, &after, err)))
		goto out;
	rc = handover_event(st, id, "cancel", before, after, err);
out:
	json_decref(before);
	json_decref(after);
	return finish(st, rc, err);
}

/* ------------------------------------------------------------------ */
/* Completing                                                          */
/* ------------------------------------------------------------------ */

/* Hand role over in its spec: end from's holding, add to's, journal. */
static enum baton_code complete_role(struct store *st, long id,
				     const char *role, const char *holding_kind,
				     int first, const char *from,
				     const char *to, const char *note,
				     struct baton_error *err)
{
	static const char notes_sql[] =
		"SELECT item, text, note FROM handover_item WHERE handover = ?1"
		" AND done AND note IS NOT NULL AND (role = ?2 OR (role IS NULL"
		" AND ?3)) ORDER BY item";
	struct strbuf text = STRBUF_INIT;
	struct rows r = { 0 };
	json_t *spec = NULL, *holders, *h;
	const char *as = holding_kind && !strcmp(holding_kind, "backup")
		? "backup" : "primary";
	enum baton_code rc;
	int found = 0;
	size_t i;

	if ((rc = entity_get(st, KIND_ROLE, role, &spec, err)))
		goto out;
	holders = json_object_get(spec, "holders");
	if (!json_is_array(holders)) {
		if (!(holders = json_array()) ||
		    json_object_set_new(spec, "holders", holders)) {
			rc = oom(err);
			goto out;
		}
	}
	json_array_foreach(holders, i, h) {
		const char *p = jstr_or(h, "person");

		if (json_object_get(h, "until") || !p)
			continue;
		if (from && !strcmp(p, from) &&
		    json_object_set_new(h, "until", json_string(st->today))) {
			rc = oom(err);
			goto out;
		}
		if (!strcmp(p, to)) {
			found = 1;
			if (json_object_set_new(h, "as", json_string(as))) {
				rc = oom(err);
				goto out;
			}
		}
	}
	if (!found && json_array_append_new(holders,
			json_pack("{s:s,s:s,s:s}", "person", to, "as", as,
				  "since", st->today))) {
		rc = oom(err);
		goto out;
	}
	if (from)
		strbuf_addf(&text, "Handover %ld: %s took over from %s.", id, to, from);
	else
		strbuf_addf(&text, "Handover %ld: %s took over the role (onboarding).",
			    id, to);
	if ((rc = rows_fetch(st, notes_sql, 3, &r, err, "iti", id, role,
			     (long)first)))
		goto out;
	if (r.n)
		strbuf_addstr(&text, "\n");
	for (i = 0; i < r.n; i++)
		strbuf_addf(&text, "\n- %s: %s", ROW(&r, i, 1), ROW(&r, i, 2));
	if (!strbuf_ok(&text)) {
		rc = oom(err);
		goto out;
	}
	if ((rc = journal_append_spec(st, spec, text.buf, err)))
		goto out;
	rc = entity_put(st, KIND_ROLE, role, spec,
			&(struct entity_change){ .action = "handover",
						 .changed = note },
			NULL, err);
out:
	rows_release(&r);
	strbuf_release(&text);
	json_decref(spec);
	return rc;
}

/* Add `to` to the knownBy of process name. */
static enum baton_code complete_process(struct store *st, const char *name,
					const char *to, const char *note,
					struct baton_error *err)
{
	json_t *spec = NULL, *kb, *v;
	enum baton_code rc;
	size_t i;
	int ex = entity_exists(st, KIND_PROCESS, name, err);

	if (ex <= 0)
		return ex < 0 ? (err ? err->code : BATON_DB) : BATON_OK;
	if ((rc = entity_get(st, KIND_PROCESS, name, &spec, err)))
		return rc;
	kb = json_object_get(spec, "knownBy");
	if (!json_is_array(kb)) {
		if (!(kb = json_array()) || json_object_set_new(spec, "knownBy", kb)) {
			rc = oom(err);
			goto out;
		}
	}
	json_array_foreach(kb, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), to))
			goto out;
	if (json_array_append_new(kb, json_string(to))) {
		rc = oom(err);
		goto out;
	}
	rc = entity_put(st, KIND_PROCESS, name, spec,
			&(struct entity_change){ .action = "handover",
						 .changed = note },
			NULL, err);
out:
	json_decref(spec);
	return rc;
}

/* Mark `from` as left when they hold nothing any more. */
static enum baton_code complete_person(struct store *st, const char *from,
				       const char *note,
				       struct baton_error *err)
{
	static const char sql[] =
		"SELECT count(*) FROM holder WHERE person = ?1 AND until IS NULL";
	json_t *spec = NULL;
	enum baton_code rc;
	long held;

	if ((rc = one_long(st, sql, 0, &held, err, "t", from)) || held)
		return rc;
	if ((rc = entity_get(st, KIND_PERSON, from, &spec, err)))
		return rc;
	if (!strcmp(jstr_or(spec, "status") ? jstr_or(spec, "status") : "",
		    "left"))
		goto out;
	if (json_object_set_new(spec, "status", json_string("left"))) {
		rc = oom(err);
		goto out;
	}
	rc = entity_put(st, KIND_PERSON, from, spec,
			&(struct entity_change){ .action = "handover",
						 .changed = note },
			NULL, err);
out:
	json_decref(spec);
	return rc;
}

enum baton_code handover_complete(struct store *st, long id, int force,
				  struct baton_error *err)
{
	static const char open_sql[] =
		"SELECT count(*), group_concat(item, ', ') FROM (SELECT item FROM"
		" handover_item WHERE handover = ?1 AND NOT done ORDER BY item)";
	static const char skip_sql[] =
		"UPDATE handover_item SET skipped = 1 WHERE handover = ?1 AND NOT done";
	static const char forced_sql[] =
		"UPDATE handover SET forced = 1 WHERE id = ?1";
	static const char who_sql[] =
		"SELECT from_person, to_person FROM handover WHERE id = ?1";
	static const char roles_sql[] =
		"SELECT role, holding FROM handover_role WHERE handover = ?1"
		" ORDER BY role";
	static const char procs_sql[] =
		"SELECT substr(entity, 9) FROM handover_item WHERE handover = ?1"
		" AND kind IN ('process', 'knowledge') AND entity LIKE 'process/%'"
		" GROUP BY entity HAVING min(done) = 1 ORDER BY entity";
	static const char close_sql[] =
		"UPDATE handover SET state = 'completed', closed_at = ?2 WHERE id = ?1";
	static const char skipped_sql[] =
		"SELECT json_group_array(item) FROM (SELECT item FROM handover_item"
		" WHERE handover = CAST(?1 AS INTEGER) AND skipped ORDER BY item)";
	struct strbuf holders_note = STRBUF_INIT, kb_note = STRBUF_INIT,
		status_note = STRBUF_INIT;
	struct rows who = { 0 }, roles = { 0 }, procs = { 0 };
	json_t *before = NULL, *after = NULL, *skipped = NULL;
	enum baton_code rc;
	sqlite3_stmt *s;
	const char *from, *to;
	size_t i;
	long nopen = 0;

	if ((rc = store_begin(st, err)))
		return rc;
	if ((rc = require_open(st, id, err)) ||
	    (rc = head_get(st, id, &before, err)))
		goto out;
	if (!(s = stmt(st, open_sql, err, "i", id))) {
		rc = err ? err->code : BATON_DB;
		goto out;
	}
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		rc = store_fail(st, err, "cannot read");
		goto out;
	}
	nopen = (long)sqlite3_column_int64(s, 0);
	if (nopen && !force) {
		rc = baton_fail(err, BATON_CONFLICT,
				"handover %ld has %ld open item%s (%s); tick %s or"
				" pass --force", id, nopen, nopen == 1 ? "" : "s",
				col(s, 1), nopen == 1 ? "it" : "them");
		sqlite3_reset(s);
		goto out;
	}
	sqlite3_reset(s);
	if (nopen && ((rc = run(st, skip_sql, err, "i", id)) ||
		      (rc = run(st, forced_sql, err, "i", id))))
		goto out;
	if ((rc = rows_fetch(st, who_sql, 2, &who, err, "i", id)))
		goto out;
	from = ROW(&who, 0, 0);
	to = ROW(&who, 0, 1);
	strbuf_addf(&holders_note, "holders changed by handover %ld on %s", id,
		    st->today);
	strbuf_addf(&kb_note, "knownBy changed by handover %ld on %s", id,
		    st->today);
	strbuf_addf(&status_note, "status changed by handover %ld on %s", id,
		    st->today);
	if (!strbuf_ok(&holders_note) || !strbuf_ok(&kb_note) ||
	    !strbuf_ok(&status_note)) {
		rc = oom(err);
		goto out;
	}
	if ((rc = rows_fetch(st, roles_sql, 2, &roles, err, "i", id)))
		goto out;
	for (i = 0; i < roles.n; i++)
		if ((rc = complete_role(st, id, ROW(&roles, i, 0), ROW(&roles, i, 1),
					i == 0, from, to, holders_note.buf, err)))
			goto out;
	if ((rc = rows_fetch(st, procs_sql, 1, &procs, err, "i", id)))
		goto out;
	for (i = 0; i < procs.n; i++)
		if ((rc = complete_process(st, ROW(&procs, i, 0), to, kb_note.buf,
					   err)))
			goto out;
	if (from && (rc = complete_person(st, from, status_note.buf, err)))
		goto out;
	if ((rc = run(st, close_sql, err, "it", id, st->now)) ||
	    (rc = head_get(st, id, &after, err)) ||
	    (rc = json_by_id(st, skipped_sql, id, 0, &skipped, err)))
		goto out;
	if (json_object_set(after, "skipped", skipped)) {
		rc = oom(err);
		goto out;
	}
	rc = handover_event(st, id, "complete", before, after, err);
out:
	rows_release(&who);
	rows_release(&roles);
	rows_release(&procs);
	strbuf_release(&holders_note);
	strbuf_release(&kb_note);
	strbuf_release(&status_note);
	json_decref(before);
	json_decref(after);
	json_decref(skipped);
	return finish(st, rc, err);
}

/* ------------------------------------------------------------------ */
/* Markdown export                                                     */
/* ------------------------------------------------------------------ */

/* Append text, indenting continuation lines so a list item stays one. */
static void md_indented(struct strbuf *out, const char *text, const char *indent)
{
	const char *p;

	for (p = text; *p; p++) {
		strbuf_addch(out, *p);
		if (*p == '\n' && p[1] && p[1] != '\n')
			strbuf_addstr(out, indent);
	}
}

static void md_role(struct strbuf *out, const json_t *r)
{
	const json_t *a, *e;
	size_t i;

	strbuf_addf(out, "\n## Role: %s (`%s`)\n\n", jstr_or(r, "title") ?
		    jstr_or(r, "title") : "", jstr_or(r, "name"));
	if (jstr_or(r, "description"))
		strbuf_addf(out, "%s\n\n", jstr_or(r, "description"));
	strbuf_addstr(out, "### Responsibilities\n\n");
	a = json_object_get(r, "responsibilities");
	if (!json_array_size(a))
		strbuf_addstr(out, "None.\n");
	json_array_foreach(a, i, e) {
		strbuf_addf(out, "- **%s**", jstr_or(e, "id"));
		if (jstr_or(e, "summary"))
			strbuf_addf(out, ": %s", jstr_or(e, "summary"));
		strbuf_addch(out, '\n');
	}
	strbuf_addstr(out, "\n### Relationships\n\n");
	a = json_object_get(r, "relationships");
	if (!json_array_size(a))
		strbuf_addstr(out, "None.\n");
	json_array_foreach(a, i, e) {
		strbuf_addf(out, "- **%s** (%s)", jstr_or(e, "name"), jstr_or(e, "kind"));
		if (jstr_or(e, "purpose"))
			strbuf_addf(out, ": %s", jstr_or(e, "purpose"));
		strbuf_addch(out, '\n');
		if (jstr_or(e, "contact"))
			strbuf_addf(out, "  - Contact: %s\n", jstr_or(e, "contact"));
		if (jstr_or(e, "health"))
			strbuf_addf(out, "  - Health: %s\n", jstr_or(e, "health"));
		if (json_is_integer(json_object_get(e, "priority")))
			strbuf_addf(out, "  - Priority: %lld\n", (long long)
				    json_integer_value(json_object_get(e, "priority")));
		if (jstr_or(e, "lastContact"))
			strbuf_addf(out, "  - Last contact: %s\n",
				    jstr_or(e, "lastContact"));
	}
	strbuf_addstr(out, "\n### Journal\n\n");
	a = json_object_get(r, "journal");
	if (!json_array_size(a))
		strbuf_addstr(out, "No entries.\n");
	json_array_foreach(a, i, e) {
		strbuf_addf(out, "- %s, %s: ", jstr_or(e, "at"),
			    jstr_or(e, "author") ? jstr_or(e, "author") : "unknown");
		md_indented(out, jstr_or(e, "text") ? jstr_or(e, "text") : "", "  ");
		if (out->len && out->buf[out->len - 1] != '\n')
			strbuf_addch(out, '\n');
	}
}

static void md_process(struct strbuf *out, const json_t *p)
{
	const json_t *a, *e;
	size_t i;

	strbuf_addf(out, "\n### %s (`%s`)\n\n", jstr_or(p, "title") ?
		    jstr_or(p, "title") : "", jstr_or(p, "name"));
	strbuf_addf(out, "Owner: %s. Known by: ", jstr_or(p, "owner") ?
		    jstr_or(p, "owner") : "nobody");
	a = json_object_get(p, "knownBy");
	if (!json_array_size(a))
		strbuf_addstr(out, "nobody");
	json_array_foreach(a, i, e)
		strbuf_addf(out, "%s%s", i ? ", " : "", json_string_value(e));
	strbuf_addstr(out, ".\n\n");
	a = json_object_get(p, "steps");
	json_array_foreach(a, i, e)
		strbuf_addf(out, "%zu. %s\n", i + 1, json_string_value(e));
	if (jstr_or(p, "body")) {
		if (json_array_size(a))
			strbuf_addch(out, '\n');
		strbuf_addstr(out, jstr_or(p, "body"));
		if (out->buf[out->len - 1] != '\n')
			strbuf_addch(out, '\n');
	}
}

enum baton_code handover_export_md(struct store *st, long id,
				   struct strbuf *out, struct baton_error *err)
{
	struct baton_error quiet = BATON_ERROR_INIT;
	json_t *h = NULL, *x = NULL, *v, *items;
	enum baton_code rc;
	size_t i, ndone = 0, nopen;
	int any = 0;

	if ((rc = handover_get(st, id, &h, err)))
		return rc;
	items = json_object_get(h, "items");
	json_array_foreach(items, i, v)
		ndone += json_is_true(json_object_get(v, "done"));
	nopen = json_array_size(items) - ndone;
	if (jstr_or(h, "from"))
		strbuf_addf(out, "# Handover %ld: %s to %s\n\n", id,
			    jstr_or(h, "from"), jstr_or(h, "to"));
	else
		strbuf_addf(out, "# Onboarding %ld: %s\n\n", id, jstr_or(h, "to"));
	strbuf_addf(out, "- State: %s%s\n", jstr_or(h, "state"),
		    json_is_true(json_object_get(h, "forced")) ? " (forced)" : "");
	strbuf_addf(out, "- From: %s\n", jstr_or(h, "from") ? jstr_or(h, "from")
		    : "nobody (onboarding)");
	strbuf_addf(out, "- To: %s\n- Roles: ", jstr_or(h, "to"));
	json_array_foreach(json_object_get(h, "roles"), i, v)
		strbuf_addf(out, "%s%s", i ? ", " : "", json_string_value(v));
	strbuf_addf(out, "\n- Due: %s\n", jstr_or(h, "due") ? jstr_or(h, "due")
		    : "not set");
	strbuf_addf(out, "- Started: %s by %s\n", jstr_or(h, "created"),
		    jstr_or(h, "createdBy"));
	if (jstr_or(h, "closedAt"))
		strbuf_addf(out, "- Closed: %s\n", jstr_or(h, "closedAt"));
	strbuf_addf(out, "- Progress: %zu of %zu items done\n", ndone,
		    json_array_size(items));

	json_array_foreach(json_object_get(h, "roles"), i, v) {
		if ((rc = query_role(st, json_string_value(v), &x, err)))
			goto out;
		md_role(out, x);
		json_decref(x);
		x = NULL;
	}
	strbuf_addstr(out, "\n## Processes\n");
	json_array_foreach(items, i, v) {
		const char *e = jstr_or(v, "entity");

		if (strcmp(jstr_or(v, "kind"), "process") || !e ||
		    strncmp(e, "process/", 8))
			continue;
		rc = query_process(st, e + 8, &x, &quiet);
		baton_error_release(&quiet);
		if (rc == BATON_NOTFOUND)
			continue;
		if (rc) {
			rc = baton_fail(err, rc, "cannot read process '%s'", e + 8);
			goto out;
		}
		md_process(out, x);
		json_decref(x);
		x = NULL;
		any = 1;
	}
	if (!any)
		strbuf_addstr(out, "\nNone.\n");

	strbuf_addstr(out, "\n## Checklist\n\n");
	json_array_foreach(items, i, v) {
		int done = json_is_true(json_object_get(v, "done"));

		strbuf_addf(out, "- [%c] %lld. %s", done ? 'x' : ' ',
			    (long long)json_integer_value(json_object_get(v, "item")),
			    jstr_or(v, "text"));
		if (done)
			strbuf_addf(out, " (done by %s, %s)", jstr_or(v, "doneBy"),
				    jstr_or(v, "doneAt"));
		if (json_is_true(json_object_get(v, "skipped")))
			strbuf_addstr(out, " (skipped)");
		strbuf_addch(out, '\n');
		if (jstr_or(v, "note")) {
			strbuf_addstr(out, "  - Note: ");
			md_indented(out, jstr_or(v, "note"), "    ");
			strbuf_addch(out, '\n');
		}
	}
	strbuf_addf(out, "\n## Open items\n\n");
	if (!nopen)
		strbuf_addstr(out, "None.\n");
	json_array_foreach(items, i, v)
		if (!json_is_true(json_object_get(v, "done")))
			strbuf_addf(out, "- %lld. %s\n", (long long)
				    json_integer_value(json_object_get(v, "item")),
				    jstr_or(v, "text"));
	strbuf_addstr(out, "\n## Notes\n\n");
	if (!json_array_size(json_object_get(h, "notes")))
		strbuf_addstr(out, "None.\n");
	json_array_foreach(json_object_get(h, "notes"), i, v) {
		strbuf_addf(out, "- %s, %s: ", jstr_or(v, "at"), jstr_or(v, "author"));
		md_indented(out, jstr_or(v, "text"), "  ");
		strbuf_addch(out, '\n');
	}
	if (!strbuf_ok(out))
		rc = oom(err);
out:
	json_decref(x);
	json_decref(h);
	return rc;
}
