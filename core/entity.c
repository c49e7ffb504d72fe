/* entity.c - the single write path for entities: spec, derived rows, event.
 *
 * A spec is stored as canonical JSON in `entity`. The query tables (person,
 * holder, process_step, ...) are rebuilt from that JSON by the SQL below,
 * with ?1 bound to the name and ?2 to the spec, in the caller's transaction.
 */
#include "entity.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Derived tables                                                      */
/* ------------------------------------------------------------------ */

/* Split "kind:name" / party:"Free text" held in column expression X. */
#define REF_KIND(x) "substr(" x ", 1, instr(" x ", ':') - 1)"
#define REF_NAME(x) "trim(substr(" x ", instr(" x ", ':') + 1), '\"')"

static const char *const person_clear[] = {
	"DELETE FROM person WHERE name = ?1",
	"DELETE FROM absence WHERE person = ?1",
	NULL
};
static const char *const person_fill[] = {
	"INSERT INTO person VALUES (?1,"
	" coalesce(json_extract(?2, '$.displayName'), ?1),"
	" json_extract(?2, '$.email'), json_extract(?2, '$.team'),"
	" coalesce(json_extract(?2, '$.status'), 'active'),"
	" json_extract(?2, '$.leavingOn'))",
	"INSERT INTO absence SELECT ?1, json_extract(value, '$.from'),"
	" json_extract(value, '$.to'), json_extract(value, '$.reason')"
	" FROM json_each(?2, '$.absences')",
	NULL
};

static const char *const team_clear[] = {
	"DELETE FROM team WHERE name = ?1",
	NULL
};
static const char *const team_fill[] = {
	"INSERT INTO team VALUES (?1,"
	" coalesce(json_extract(?2, '$.displayName'), ?1),"
	" json_extract(?2, '$.parent'), json_extract(?2, '$.description'))",
	NULL
};

static const char *const role_clear[] = {
	"DELETE FROM role WHERE name = ?1",
	"DELETE FROM holder WHERE role = ?1",
	"DELETE FROM responsibility WHERE role = ?1",
	"DELETE FROM responsibility_process WHERE role = ?1",
	"DELETE FROM relationship WHERE role = ?1",
	"DELETE FROM journal WHERE role = ?1",
	NULL
};
static const char *const role_fill[] = {
	"INSERT INTO role VALUES (?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.team'), json_extract(?2, '$.reportsTo'),"
	" json_extract(?2, '$.description'))",
	"INSERT INTO holder SELECT ?1, json_extract(value, '$.person'),"
	" coalesce(json_extract(value, '$.as'), 'primary'),"
	" json_extract(value, '$.since'), json_extract(value, '$.until'), key"
	" FROM json_each(?2, '$.holders')",
	"INSERT INTO responsibility SELECT ?1, json_extract(value, '$.id'),"
	" json_extract(value, '$.summary'), key"
	" FROM json_each(?2, '$.responsibilities')",
	"INSERT INTO responsibility_process SELECT ?1,"
	" json_extract(r.value, '$.id'), p.value"
	" FROM json_each(?2, '$.responsibilities') AS r,"
	" json_each(r.value, '$.processes') AS p",
	"INSERT INTO relationship SELECT ?1, key,"
	" " REF_KIND("json_extract(value, '$.with')") ","
	" " REF_NAME("json_extract(value, '$.with')") ","
	" json_extract(value, '$.contact'), json_extract(value, '$.purpose'),"
	" json_extract(value, '$.health'), json_extract(value, '$.priority'),"
	" json_extract(value, '$.lastContact')"
	" FROM json_each(?2, '$.relationships')",
	"INSERT INTO journal SELECT ?1, key, json_extract(value, '$.at'),"
	" json_extract(value, '$.author'), json_extract(value, '$.text')"
	" FROM json_each(?2, '$.journal')",
	"INSERT INTO search_doc (kind, name, title, body, topic)"
	" VALUES ('role', ?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.description'), ?1)",
	"INSERT INTO search_doc (kind, name, sub, title, topic)"
	" SELECT 'responsibility', ?1, json_extract(value, '$.id'),"
	" json_extract(value, '$.summary'), json_extract(value, '$.id')"
	" FROM json_each(?2, '$.responsibilities')",
	NULL
};

static const char *const process_clear[] = {
	"DELETE FROM process WHERE name = ?1",
	"DELETE FROM process_step WHERE process = ?1",
	"DELETE FROM known_by WHERE process = ?1",
	NULL
};
static const char *const process_fill[] = {
	"INSERT INTO process SELECT ?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.owner'), json_extract(?2, '$.body'),"
	" CASE WHEN d IS NULL THEN NULL"
	"  WHEN d LIKE '%w' THEN CAST(rtrim(d, 'w') AS INTEGER) * 7"
	"  ELSE CAST(rtrim(d, 'd') AS INTEGER) END,"
	" json_extract(?2, '$.lastReviewed')"
	" FROM (SELECT json_extract(?2, '$.reviewEvery') AS d)",
	"INSERT INTO process_step SELECT ?1, key, value"
	" FROM json_each(?2, '$.steps')",
	"INSERT INTO known_by SELECT DISTINCT ?1, value"
	" FROM json_each(?2, '$.knownBy')",
	"INSERT INTO search_doc (kind, name, title, body, topic)"
	" VALUES ('process', ?1, json_extract(?2, '$.title'),"
	" (SELECT group_concat(value, ' ') FROM json_each(?2, '$.steps')), ?1)",
	NULL
};

static const char *const rule_clear[] = {
	"DELETE FROM rule WHERE name = ?1",
	NULL
};
static const char *const rule_fill[] = {
	"INSERT INTO rule SELECT ?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.description'), json_extract(?2, '$.topic'),"
	" (SELECT group_concat(value, ' ') FROM json_each(?2, '$.keywords')),"
	" " REF_KIND("h") ", " REF_NAME("h") ","
	" json_extract(?2, '$.escalateTo'), json_extract(?2, '$.process'),"
	" coalesce(json_extract(?2, '$.priority'), 0)"
	" FROM (SELECT json_extract(?2, '$.handler') AS h)",
	"INSERT INTO search_doc (kind, name, title, keywords, body, topic)"
	" VALUES ('rule', ?1, json_extract(?2, '$.title'),"
	" (SELECT group_concat(value, ' ') FROM json_each(?2, '$.keywords')),"
	" json_extract(?2, '$.description'), json_extract(?2, '$.topic'))",
	NULL
};

static const char *const *const derive_clear[KIND_COUNT] = {
	person_clear, team_clear, role_clear, process_clear, rule_clear
};
static const char *const *const derive_fill[KIND_COUNT] = {
	person_fill, team_fill, role_fill, process_fill, rule_fill
};

static enum baton_code run_list(struct store *st, const char *const *sqls,
				const char *name, const char *spec,
				struct baton_error *err)
{
	for (; *sqls; sqls++) {
		sqlite3_stmt *s = store_cached(st, *sqls, err);
		int rc;

		if (!s)
			return err ? err->code : BATON_DB;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (spec && sqlite3_bind_parameter_count(s) >= 2)
			sqlite3_bind_text(s, 2, spec, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return store_fail(st, err, "cannot write to database");
	}
	return BATON_OK;
}

/* ------------------------------------------------------------------ */
/* Full-text index                                                     */
/* ------------------------------------------------------------------ */

/* The search_doc kinds an entity of kind k owns ('' when none): a role
 * owns its 'role' and 'responsibility' rows. */
static const char *const search_kinds[KIND_COUNT][2] = {
	[KIND_PERSON] = { "", "" },
	[KIND_TEAM] = { "", "" },
	[KIND_ROLE] = { "role", "responsibility" },
	[KIND_PROCESS] = { "process", "process" },
	[KIND_RULE] = { "rule", "rule" },
};

static const char search_add_sql[] =
	"INSERT INTO search (rowid, title, keywords, body, topic)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";

static const char search_docs_sql[] =
	"SELECT id, title, keywords, body, topic FROM search_doc"
	" WHERE name = ?1 AND kind = ?2 ORDER BY id";

/* Add (`del` 0) or remove (`del` 1) the search entries of the search_doc
 * rows of kind `doc_kind` named `name`, one single-row statement each: what
 * the triggers of 003_search.sql did (see 006_perf.sql). */
static enum baton_code search_sync_kind(struct store *st, const char *doc_kind,
					const char *name, int del,
					struct baton_error *err)
{
	static const char del_sql[] =
		"INSERT INTO search (search, rowid, title, keywords, body, topic)"
		" VALUES ('delete', ?1, ?2, ?3, ?4, ?5)";
	static const char del_docs[] =
		"DELETE FROM search_doc WHERE name = ?1 AND kind = ?2";
	sqlite3_stmt *q, *ins;
	int rc, i;

	/* two statements live at once: the cache holds both */
	if (!(ins = store_cached(st, del ? del_sql : search_add_sql, err)) ||
	    !(q = store_cached(st, search_docs_sql, err)))
		return err ? err->code : BATON_DB;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, doc_kind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_reset(ins);
		for (i = 0; i < 5; i++)
			sqlite3_bind_value(ins, i + 1, sqlite3_column_value(q, i));
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE)
			break;
	}
	sqlite3_reset(q);
	if (rc == SQLITE_DONE && del) {
		if (!(q = store_cached(st, del_docs, err)))
			return err ? err->code : BATON_DB;
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, doc_kind, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot write to database");
	return BATON_OK;
}

/* The search entries of every search_doc row kind/name owns. */
static enum baton_code search_sync(struct store *st, enum kind k,
				   const char *name, int del,
				   struct baton_error *err)
{
	enum baton_code rc;

	if (!*search_kinds[k][0])
		return BATON_OK;
	if ((rc = search_sync_kind(st, search_kinds[k][0], name, del, err)))
		return rc;
	if (strcmp(search_kinds[k][0], search_kinds[k][1]))
		return search_sync_kind(st, search_kinds[k][1], name, del, err);
	return BATON_OK;
}

/* Clear the derived rows of kind/name, its search entries and documents
 * first. */
static enum baton_code derive_clear_rows(struct store *st, enum kind k,
					 const char *name,
					 struct baton_error *err)
{
	enum baton_code rc;

	if ((rc = search_sync(st, k, name, 1, err)))
		return rc;
	return run_list(st, derive_clear[k], name, NULL, err);
}

/* ------------------------------------------------------------------ */
/* Derived tables from the parsed spec                                 */
/* ------------------------------------------------------------------ */

/* The same rows as the *_fill lists above, with each json_extract() replaced
 * by a parameter bound from the jansson object (SQLite would re-parse the
 * whole spec text for every json_extract). The SQL expressions that shape a
 * value (coalesce, REF_KIND, the reviewEvery CASE) are kept and applied to
 * the parameter, so the values are computed the same way. Specs of an
 * unexpected shape (which the loader does not produce) go through the SQL
 * lists instead: see fast_shape_ok(). */

static const char fast_person[] =
	"INSERT INTO person VALUES (?1, coalesce(?2, ?1), ?3, ?4,"
	" coalesce(?5, 'active'), ?6)";
static const char fast_absence[] =
	"INSERT INTO absence VALUES (?1, ?2, ?3, ?4)";
static const char fast_team[] =
	"INSERT INTO team VALUES (?1, coalesce(?2, ?1), ?3, ?4)";
static const char fast_role[] =
	"INSERT INTO role VALUES (?1, ?2, ?3, ?4, ?5)";
static const char fast_holder[] =
	"INSERT INTO holder VALUES (?1, ?2, coalesce(?3, 'primary'), ?4, ?5, ?6)";
static const char fast_resp[] =
	"INSERT INTO responsibility VALUES (?1, ?2, ?3, ?4)";
static const char fast_resp_process[] =
	"INSERT INTO responsibility_process VALUES (?1, ?2, ?3)";
static const char fast_relationship[] =
	"INSERT INTO relationship VALUES (?1, ?2, " REF_KIND("?3") ", "
	REF_NAME("?3") ", ?4, ?5, ?6, ?7, ?8)";
static const char fast_journal[] =
	"INSERT INTO journal VALUES (?1, ?2, ?3, ?4, ?5)";
static const char fast_doc_role[] =
	"INSERT INTO search_doc (kind, name, title, body, topic)"
	" VALUES ('role', ?1, ?2, ?3, ?1)";
static const char fast_doc_resp[] =
	"INSERT INTO search_doc (kind, name, sub, title, topic)"
	" VALUES ('responsibility', ?1, ?2, ?3, ?2)";
static const char fast_process[] =
	"INSERT INTO process VALUES (?1, ?2, ?3, ?4,"
	" CASE WHEN ?5 IS NULL THEN NULL"
	"  WHEN ?5 LIKE '%w' THEN CAST(rtrim(?5, 'w') AS INTEGER) * 7"
	"  ELSE CAST(rtrim(?5, 'd') AS INTEGER) END, ?6)";
static const char fast_step[] =
	"INSERT INTO process_step VALUES (?1, ?2, ?3)";
static const char fast_known_by[] =
	"INSERT INTO known_by VALUES (?1, ?2)";
static const char fast_doc_process[] =
	"INSERT INTO search_doc (kind, name, title, body, topic)"
	" VALUES ('process', ?1, ?2, ?3, ?1)";
static const char fast_rule[] =
	"INSERT INTO rule VALUES (?1, ?2, ?3, ?4, ?5, " REF_KIND("?6") ", "
	REF_NAME("?6") ", ?7, ?8, coalesce(?9, 0))";
static const char fast_doc_rule[] =
	"INSERT INTO search_doc (kind, name, title, keywords, body, topic)"
	" VALUES ('rule', ?1, ?2, ?5, ?3, ?4)";

/* Bind v as json_extract() would return it: NULL for missing or null,
 * text, integer, real, 1/0 for booleans, compact JSON for containers. */
static int bind_json(sqlite3_stmt *s, int i, const json_t *v)
{
	char *text;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return sqlite3_bind_text(s, i, json_string_value(v),
					 (int)json_string_length(v), SQLITE_STATIC);
	case JSON_INTEGER:
		return sqlite3_bind_int64(s, i, json_integer_value(v));
	case JSON_REAL:
		return sqlite3_bind_double(s, i, json_real_value(v));
	case JSON_TRUE:
		return sqlite3_bind_int(s, i, 1);
	case JSON_FALSE:
		return sqlite3_bind_int(s, i, 0);
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (!(text = spec_canonical(v)))
			return SQLITE_NOMEM;
		return sqlite3_bind_text(s, i, text, -1, free);
	default:
		return sqlite3_bind_null(s, i);
	}
}

/* Bind field `key` of object o. */
static int bind_field(sqlite3_stmt *s, int i, const json_t *o, const char *key)
{
	return bind_json(s, i, json_object_get(o, key));
}

static sqlite3_stmt *fast_stmt(struct store *st, const char *sql,
			       const char *name, struct baton_error *err)
{
	sqlite3_stmt *s = store_cached(st, sql, err);

	if (s)
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return s;
}

static enum baton_code fast_step_done(struct store *st, sqlite3_stmt *s,
				      int bind_rc, struct baton_error *err)
{
	int rc = bind_rc == SQLITE_OK ? sqlite3_step(s) : bind_rc;

	sqlite3_reset(s);
	if (rc == SQLITE_NOMEM && bind_rc != SQLITE_OK)
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot write to database");
	return BATON_OK;
}

/* The search entry of the search_doc row just inserted, from the values it
 * was given (search_sync would read them back): title, keywords, body and
 * topic, each either a spec value (_j) or a computed text (_s). A value of
 * another type than text reaches the index as the same text as the
 * search_doc column holds (TEXT affinity: SQLite's own conversion). */
static enum baton_code fast_index(struct store *st, const json_t *title,
				  const char *keywords, const json_t *body_j,
				  const char *body_s, const json_t *topic_j,
				  const char *topic_s, struct baton_error *err)
{
	sqlite3_int64 id = sqlite3_last_insert_rowid(st->db);
	sqlite3_stmt *s = store_cached(st, search_add_sql, err);
	int b;

	if (!s)
		return err ? err->code : BATON_DB;
	b = sqlite3_bind_int64(s, 1, id);
	if (b == SQLITE_OK)
		b = bind_json(s, 2, title);
	if (b == SQLITE_OK && keywords)
		b = sqlite3_bind_text(s, 3, keywords, -1, SQLITE_STATIC);
	if (b == SQLITE_OK)
		b = body_s ? sqlite3_bind_text(s, 4, body_s, -1, SQLITE_STATIC)
			   : bind_json(s, 4, body_j);
	if (b == SQLITE_OK)
		b = topic_s ? sqlite3_bind_text(s, 5, topic_s, -1, SQLITE_STATIC)
			    : bind_json(s, 5, topic_j);
	return fast_step_done(st, s, b, err);
}

/* Field `key` is absent or an array whose elements all have type `t`
 * (JSON_NULL: any type). */
static int array_of(const json_t *o, const char *key, json_type t)
{
	const json_t *a = json_object_get(o, key), *e;
	size_t i;

	if (!a)
		return 1;
	if (!json_is_array(a))
		return 0;
	if (t == JSON_NULL)
		return 1;
	json_array_foreach(a, i, e)
		if (json_typeof(e) != t)
			return 0;
	return 1;
}

/* The spec has the shape the loader produces (checked for the fields the
 * derived rows read), so the bound statements give the SQL lists' rows. */
static int fast_shape_ok(enum kind k, const json_t *spec)
{
	const json_t *e;
	size_t i;

	if (!json_is_object(spec))
		return 0;
	switch (k) {
	case KIND_PERSON:
		return array_of(spec, "absences", JSON_OBJECT);
	case KIND_TEAM:
		return 1;
	case KIND_ROLE:
		if (!array_of(spec, "holders", JSON_OBJECT) ||
		    !array_of(spec, "responsibilities", JSON_OBJECT) ||
		    !array_of(spec, "relationships", JSON_OBJECT) ||
		    !array_of(spec, "journal", JSON_OBJECT))
			return 0;
		json_array_foreach(json_object_get(spec, "responsibilities"), i, e)
			if (!array_of(e, "processes", JSON_NULL))
				return 0;
		return 1;
	case KIND_PROCESS:
		return array_of(spec, "steps", JSON_STRING) &&
		       array_of(spec, "knownBy", JSON_STRING);
	case KIND_RULE:
		return array_of(spec, "keywords", JSON_STRING);
	default:
		return 0;
	}
}

/* group_concat(value, ' ') over an array of strings; NULL (and *out NULL)
 * when absent or empty. */
static enum baton_code join_strings(const json_t *a, char **out,
				    struct baton_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	const json_t *e;
	size_t i;

	*out = NULL;
	if (!json_array_size(a))
		return BATON_OK;
	json_array_foreach(a, i, e) {
		if (i)
			strbuf_addch(&sb, ' ');
		strbuf_add(&sb, json_string_value(e), json_string_length(e));
	}
	if (!strbuf_ok(&sb)) {
		strbuf_release(&sb);
		return baton_fail(err, BATON_NOMEM, "out of memory");
	}
	*out = strbuf_detach(&sb);
	return BATON_OK;
}

/* Run stmt once per element of array field `key`, binding ?2 to the index
 * and ?3.. to the element's fields (NULL-terminated). */
static enum baton_code fast_each(struct store *st, const char *sql,
				 const char *name, const json_t *spec,
				 const char *key, const char *const *fields,
				 struct baton_error *err)
{
	const json_t *e;
	size_t i;
	enum baton_code rc;

	json_array_foreach(json_object_get(spec, key), i, e) {
		sqlite3_stmt *s = fast_stmt(st, sql, name, err);
		int b, j;

		if (!s)
			return err ? err->code : BATON_DB;
		b = sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		for (j = 0; fields[j] && b == SQLITE_OK; j++)
			b = bind_field(s, 3 + j, e, fields[j]);
		if ((rc = fast_step_done(st, s, b, err)))
			return rc;
	}
	return BATON_OK;
}

/* Run stmt once, binding ?2.. to the spec's fields (NULL-terminated). */
static enum baton_code fast_one(struct store *st, const char *sql,
				const char *name, const json_t *spec,
				const char *const *fields,
				struct baton_error *err)
{
	sqlite3_stmt *s = fast_stmt(st, sql, name, err);
	int b = SQLITE_OK, j;

	if (!s)
		return err ? err->code : BATON_DB;
	for (j = 0; fields[j] && b == SQLITE_OK; j++)
		b = bind_field(s, 2 + j, spec, fields[j]);
	return fast_step_done(st, s, b, err);
}

static enum baton_code fast_fill_role(struct store *st, const char *name,
				      const json_t *spec, struct baton_error *err)
{
	static const char *const role_f[] = { "title", "team", "reportsTo", "description", NULL };
	static const char *const holder_f[] = { "person", "as", "since", "until", NULL };
	static const char *const rel_f[] = { "with", "contact", "purpose", "health",
					     "priority", "lastContact", NULL };
	static const char *const journal_f[] = { "at", "author", "text", NULL };
	static const char *const doc_f[] = { "title", "description", NULL };
	const json_t *resps = json_object_get(spec, "responsibilities"), *r, *p;
	size_t i, j;
	enum baton_code rc;
	sqlite3_stmt *s;
	int b;

	if ((rc = fast_one(st, fast_role, name, spec, role_f, err)))
		return rc;
	/* holder rows: ?6 is the index, so bind by hand */
	json_array_foreach(json_object_get(spec, "holders"), i, r) {
		int f;

		if (!(s = fast_stmt(st, fast_holder, name, err)))
			return err ? err->code : BATON_DB;
		b = SQLITE_OK;
		for (f = 0; holder_f[f] && b == SQLITE_OK; f++)
			b = bind_field(s, 2 + f, r, holder_f[f]);
		if (b == SQLITE_OK)
			b = sqlite3_bind_int64(s, 6, (sqlite3_int64)i);
		if ((rc = fast_step_done(st, s, b, err)))
			return rc;
	}
	json_array_foreach(resps, i, r) {
		if (!(s = fast_stmt(st, fast_resp, name, err)))
			return err ? err->code : BATON_DB;
		b = bind_field(s, 2, r, "id");
		if (b == SQLITE_OK)
			b = bind_field(s, 3, r, "summary");
		if (b == SQLITE_OK)
			b = sqlite3_bind_int64(s, 4, (sqlite3_int64)i);
		if ((rc = fast_step_done(st, s, b, err)))
			return rc;
	}
	json_array_foreach(resps, i, r) {
		json_array_foreach(json_object_get(r, "processes"), j, p) {
			if (!(s = fast_stmt(st, fast_resp_process, name, err)))
				return err ? err->code : BATON_DB;
			b = bind_field(s, 2, r, "id");
			if (b == SQLITE_OK)
				b = bind_json(s, 3, p);
			if ((rc = fast_step_done(st, s, b, err)))
				return rc;
		}
	}
	if ((rc = fast_each(st, fast_relationship, name, spec, "relationships", rel_f, err)) ||
	    (rc = fast_each(st, fast_journal, name, spec, "journal", journal_f, err)) ||
	    (rc = fast_one(st, fast_doc_role, name, spec, doc_f, err)) ||
	    (rc = fast_index(st, json_object_get(spec, "title"), NULL,
			     json_object_get(spec, "description"), NULL, NULL,
			     name, err)))
		return rc;
	json_array_foreach(resps, i, r) {
		if (!(s = fast_stmt(st, fast_doc_resp, name, err)))
			return err ? err->code : BATON_DB;
		b = bind_field(s, 2, r, "id");
		if (b == SQLITE_OK)
			b = bind_field(s, 3, r, "summary");
		if ((rc = fast_step_done(st, s, b, err)) ||
		    (rc = fast_index(st, json_object_get(r, "summary"), NULL,
				     NULL, NULL, json_object_get(r, "id"), NULL,
				     err)))
			return rc;
	}
	return BATON_OK;
}

static enum baton_code fast_fill_process(struct store *st, const char *name,
					 const json_t *spec,
					 struct baton_error *err)
{
	static const char *const process_f[] = { "title", "owner", "body",
						  "reviewEvery", "lastReviewed", NULL };
	const json_t *steps = json_object_get(spec, "steps");
	const json_t *known = json_object_get(spec, "knownBy"), *e, *e2;
	char *body = NULL;
	size_t i, j;
	enum baton_code rc;
	sqlite3_stmt *s;
	int b;

	if ((rc = fast_one(st, fast_process, name, spec, process_f, err)))
		return rc;
	json_array_foreach(steps, i, e) {
		if (!(s = fast_stmt(st, fast_step, name, err)))
			return err ? err->code : BATON_DB;
		b = sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		if (b == SQLITE_OK)
			b = bind_json(s, 3, e);
		if ((rc = fast_step_done(st, s, b, err)))
			return rc;
	}
	/* SELECT DISTINCT: the first of equal names, in order */
	json_array_foreach(known, i, e) {
		for (j = 0; j < i; j++) {
			e2 = json_array_get(known, j);
			if (json_string_length(e2) == json_string_length(e) &&
			    !memcmp(json_string_value(e2), json_string_value(e),
				    json_string_length(e)))
				break;
		}
		if (j < i)
			continue;
		if (!(s = fast_stmt(st, fast_known_by, name, err)))
			return err ? err->code : BATON_DB;
		if ((rc = fast_step_done(st, s, bind_json(s, 2, e), err)))
			return rc;
	}
	if ((rc = join_strings(steps, &body, err)))
		return rc;
	if (!(s = fast_stmt(st, fast_doc_process, name, err))) {
		free(body);
		return err ? err->code : BATON_DB;
	}
	b = bind_field(s, 2, spec, "title");
	if (b == SQLITE_OK && body)
		b = sqlite3_bind_text(s, 3, body, -1, SQLITE_STATIC);
	rc = fast_step_done(st, s, b, err);
	if (!rc)
		rc = fast_index(st, json_object_get(spec, "title"), NULL, NULL,
				body, NULL, name, err);
	free(body);
	return rc;
}

static enum baton_code fast_fill_rule(struct store *st, const char *name,
				      const json_t *spec, struct baton_error *err)
{
	static const char *const rule_f[] = { "title", "description", "topic", NULL };
	static const char *const rest_f[] = { "handler", "escalateTo", "process",
					      "priority", NULL };
	char *keywords = NULL;
	enum baton_code rc;
	sqlite3_stmt *s;
	int b = SQLITE_OK, j, pass;

	if ((rc = join_strings(json_object_get(spec, "keywords"), &keywords, err)))
		return rc;
	for (pass = 0; pass < 2 && !rc; pass++) {
		if (!(s = fast_stmt(st, pass ? fast_doc_rule : fast_rule, name, err))) {
			rc = err ? err->code : BATON_DB;
			break;
		}
		b = SQLITE_OK;
		for (j = 0; rule_f[j] && b == SQLITE_OK; j++)
			b = bind_field(s, 2 + j, spec, rule_f[j]);
		if (b == SQLITE_OK && keywords)
			b = sqlite3_bind_text(s, 5, keywords, -1, SQLITE_STATIC);
		for (j = 0; !pass && rest_f[j] && b == SQLITE_OK; j++)
			b = bind_field(s, 6 + j, spec, rest_f[j]);
		rc = fast_step_done(st, s, b, err);
	}
	if (!rc)
		rc = fast_index(st, json_object_get(spec, "title"), keywords,
				json_object_get(spec, "description"), NULL,
				json_object_get(spec, "topic"), NULL, err);
	free(keywords);
	return rc;
}

/* Fill the derived rows of kind/name from the parsed spec; falls back to
 * the SQL lists over the canonical text for an unexpected shape. */
static enum baton_code fast_fill(struct store *st, enum kind k,
				 const char *name, const json_t *spec,
				 struct baton_error *err);

static enum baton_code derive_rows(struct store *st, enum kind k,
				   const char *name, const json_t *spec,
				   const char *text, struct baton_error *err)
{
	enum baton_code rc;

	/* the fast path adds the search entries as it writes the documents */
	if (fast_shape_ok(k, spec))
		return fast_fill(st, k, name, spec, err);
	rc = run_list(st, derive_fill[k], name, text, err);
	return rc ? rc : search_sync(st, k, name, 0, err);
}

static enum baton_code fast_fill(struct store *st, enum kind k,
				 const char *name, const json_t *spec,
				 struct baton_error *err)
{
	static const char *const person_f[] = { "displayName", "email", "team",
						"status", "leavingOn", NULL };
	static const char *const absence_f[] = { "from", "to", "reason", NULL };
	static const char *const team_f[] = { "displayName", "parent", "description", NULL };
	const json_t *e;
	size_t i;
	enum baton_code rc;

	switch (k) {
	case KIND_PERSON:
		if ((rc = fast_one(st, fast_person, name, spec, person_f, err)))
			return rc;
		json_array_foreach(json_object_get(spec, "absences"), i, e) {
			sqlite3_stmt *s = fast_stmt(st, fast_absence, name, err);
			int b = SQLITE_OK, j;

			if (!s)
				return err ? err->code : BATON_DB;
			for (j = 0; absence_f[j] && b == SQLITE_OK; j++)
				b = bind_field(s, 2 + j, e, absence_f[j]);
			if ((rc = fast_step_done(st, s, b, err)))
				return rc;
		}
		return BATON_OK;
	case KIND_TEAM:
		return fast_one(st, fast_team, name, spec, team_f, err);
	case KIND_ROLE:
		return fast_fill_role(st, name, spec, err);
	case KIND_PROCESS:
		return fast_fill_process(st, name, spec, err);
	case KIND_RULE:
		return fast_fill_rule(st, name, spec, err);
	default:
		return baton_fail(err, BATON_INVALID, "unknown kind");
	}
}

/* ------------------------------------------------------------------ */
/* Specs and events                                                    */
/* ------------------------------------------------------------------ */

char *spec_canonical(const json_t *spec)
{
	if (!spec)
		return NULL;
	return json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static char *entity_key(enum kind k, const char *name)
{
	const struct kind_desc *d = kind_desc(k);
	size_t n = strlen(d->name) + strlen(name) + 2;
	char *s = malloc(n);

	if (s) {
		strcpy(s, d->name);
		strcat(s, "/");
		strcat(s, name);
	}
	return s;
}

enum baton_code event_add(struct store *st, const char *entity,
			  const char *action, const char *before,
			  const char *after, struct baton_error *err)
{
	static const char sql[] =
		"INSERT INTO event (at, actor, entity, action, before, after)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *s = store_cached(st, sql, err);
	int rc;

	if (!s)
		return err ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, st->now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, st->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
	if (before)
		sqlite3_bind_text(s, 5, before, -1, SQLITE_STATIC);
	if (after)
		sqlite3_bind_text(s, 6, after, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot write to database");
	return BATON_OK;
}

/* Fetch the stored canonical spec text; *out NULL when absent. */
static enum baton_code spec_text(struct store *st, enum kind k,
				 const char *name, char **out,
				 struct baton_error *err)
{
	char *note = NULL;
	enum baton_code rc = entity_state(st, k, name, out, &note, err);

	free(note);
	return rc;
}

enum baton_code entity_get(struct store *st, enum kind k, const char *name,
			   json_t **out, struct baton_error *err)
{
	char *text = NULL;
	json_error_t jerr;
	enum baton_code rc;

	*out = NULL;
	if ((rc = spec_text(st, k, name, &text, err)))
		return rc;
	if (!text)
		return baton_fail(err, BATON_NOTFOUND, "no such %s '%s'",
				  kind_desc(k)->name, name);
	*out = json_loads(text, 0, &jerr);
	free(text);
	if (!*out)
		return baton_fail(err, BATON_DB, "corrupt spec of %s/%s: %s",
				  kind_desc(k)->name, name, jerr.text);
	return BATON_OK;
}

int entity_exists(struct store *st, enum kind k, const char *name,
		  struct baton_error *err)
{
	static const char sql[] =
		"SELECT 1 FROM entity WHERE kind = ?1 AND name = ?2";
	sqlite3_stmt *s = store_cached(st, sql, err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_fail(st, err, "cannot read");
	return -1;
}

enum baton_code entity_state(struct store *st, enum kind k, const char *name,
			    char **spec, char **note, struct baton_error *err)
{
	static const char sql[] =
		"SELECT spec, changed FROM entity WHERE kind = ?1 AND name = ?2";
	sqlite3_stmt *s = store_cached(st, sql, err);
	int rc;

	*spec = NULL;
	*note = NULL;
	if (!s)
		return err ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*spec = strdup((const char *)sqlite3_column_text(s, 0));
		if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			*note = strdup((const char *)sqlite3_column_text(s, 1));
		if (!*spec || (sqlite3_column_type(s, 1) != SQLITE_NULL && !*note)) {
			sqlite3_reset(s);
			free(*spec);
			free(*note);
			*spec = *note = NULL;
			return baton_fail(err, BATON_NOMEM, "out of memory");
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "cannot read");
	return BATON_OK;
}

enum baton_code entity_put_known(struct store *st, enum kind k,
				 const char *name, const json_t *spec,
				 const char *after, const char *before,
				 const struct entity_change *how, int *changed,
				 struct baton_error *err)
{
	/* `imported` is NULL when the spec is as imported (changed IS NULL,
	 * see 007_imported.sql); a change made in baton keeps the imported
	 * text: the column, or the spec it replaces */
	static const char upsert[] =
		"INSERT INTO entity (kind, name, spec, imported, changed)"
		" VALUES (?1, ?2, ?3, NULL, ?5)"
		" ON CONFLICT (kind, name) DO UPDATE SET spec = excluded.spec,"
		" imported = CASE WHEN excluded.changed IS NULL THEN NULL"
		"  WHEN changed IS NULL THEN coalesce(imported, spec)"
		"  ELSE imported END,"
		" changed = excluded.changed";
	/* a new entity (no stored text): no conflict to look for */
	static const char insert[] =
		"INSERT INTO entity (kind, name, spec, imported, changed)"
		" VALUES (?1, ?2, ?3, NULL, ?5)";
	char *key = NULL;
	const char *action;
	sqlite3_stmt *s;
	enum baton_code rc = BATON_OK;
	int from_files = !how || !how->changed;

	if (changed)
		*changed = 0;
	if (before && !strcmp(before, after))
		return BATON_OK;
	if (!(key = entity_key(k, name)))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (!(s = store_cached(st, before ? upsert : insert, err))) {
		rc = err ? err->code : BATON_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, after, -1, SQLITE_STATIC);
	if (!from_files)
		sqlite3_bind_text(s, 5, how->changed, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		rc = store_fail(st, err, "cannot write to database");
		goto out;
	}
	sqlite3_reset(s);
	/* a new entity has no derived rows to clear */
	if (before && (rc = derive_clear_rows(st, k, name, err)))
		goto out;
	if ((rc = derive_rows(st, k, name, spec, after, err)))
		goto out;
	action = how && how->action ? how->action : before ? "update" : "create";
	if ((rc = event_add(st, key, action, before, after, err)))
		goto out;
	if (changed)
		*changed = 1;
out:
	free(key);
	return rc;
}

enum baton_code entity_put(struct store *st, enum kind k, const char *name,
			   const json_t *spec, const struct entity_change *how,
			   int *changed, struct baton_error *err)
{
	char *before = NULL, *after = NULL;
	enum baton_code rc;

	if (changed)
		*changed = 0;
	if (!(after = spec_canonical(spec)))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (!(rc = spec_text(st, k, name, &before, err)))
		rc = entity_put_known(st, k, name, spec, after, before, how,
				      changed, err);
	free(before);
	free(after);
	return rc;
}

enum baton_code entity_delete(struct store *st, enum kind k, const char *name,
			      const char *action, struct baton_error *err)
{
	static const char del[] =
		"DELETE FROM entity WHERE kind = ?1 AND name = ?2";
	char *before = NULL, *key = entity_key(k, name);
	sqlite3_stmt *s;
	enum baton_code rc;

	if (!key)
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if ((rc = spec_text(st, k, name, &before, err)))
		goto out;
	if (!before) {
		rc = baton_fail(err, BATON_NOTFOUND, "no such %s '%s'",
				kind_desc(k)->name, name);
		goto out;
	}
	if (!(s = store_cached(st, del, err))) {
		rc = err ? err->code : BATON_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		rc = store_fail(st, err, "cannot write to database");
		goto out;
	}
	sqlite3_reset(s);
	if ((rc = derive_clear_rows(st, k, name, err)))
		goto out;
	rc = event_add(st, key, action ? action : "delete", before, NULL, err);
out:
	free(before);
	free(key);
	return rc;
}

enum baton_code entity_drift(struct store *st, enum kind k, const char *name,
			     char **note, struct baton_error *err)
{
	char *spec = NULL;
	enum baton_code rc = entity_state(st, k, name, &spec, note, err);

	free(spec);
	return rc;
}

enum baton_code entity_mark_imported(struct store *st, enum kind k,
				     const char *name, struct baton_error *err)
{
	static const char sql[] =
		"UPDATE entity SET imported = NULL, changed = NULL"
		" WHERE kind = ?1 AND name = ?2 AND changed IS NOT NULL";
	sqlite3_stmt *s = store_cached(st, sql, err);
	int rc;

	if (!s)
		return err ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot write to database");
	return BATON_OK;
}
