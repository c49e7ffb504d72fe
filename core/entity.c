/* entity.c - the single write path for entities: spec, derived rows, event.
 *
 * A spec is stored as canonical JSON in `entity`. The query tables (person,
 * holder, process_step, ...) are rebuilt from that JSON by the SQL below,
 * with ?1 bound to the name and ?2 to the spec, in the caller's transaction.
 */
#include "entity.h"

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
	"DELETE FROM search_doc WHERE name = ?1"
	" AND kind IN ('role', 'responsibility')",
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
	"DELETE FROM search_doc WHERE name = ?1 AND kind = 'process'",
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
	"DELETE FROM search_doc WHERE name = ?1 AND kind = 'rule'",
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
/* Specs and events                                                    */
/* ------------------------------------------------------------------ */

char *spec_canonical(const json_t *spec)
{
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
	static const char sql[] =
		"SELECT spec FROM entity WHERE kind = ?1 AND name = ?2";
	sqlite3_stmt *s = store_cached(st, sql, err);
	int rc;

	*out = NULL;
	if (!s)
		return err ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = strdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		if (!*out)
			return baton_fail(err, BATON_NOMEM, "out of memory");
		return BATON_OK;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, "cannot read");
	return BATON_OK;
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

enum baton_code entity_put(struct store *st, enum kind k, const char *name,
			   const json_t *spec, const struct entity_change *how,
			   int *changed, struct baton_error *err)
{
	static const char upsert[] =
		"INSERT INTO entity (kind, name, spec, imported, changed)"
		" VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (kind, name) DO UPDATE SET spec = excluded.spec,"
		" imported = coalesce(excluded.imported, imported),"
		" changed = excluded.changed";
	char *before = NULL, *after = NULL, *key = NULL;
	const char *action;
	sqlite3_stmt *s;
	enum baton_code rc;
	int from_files = !how || !how->changed;

	if (changed)
		*changed = 0;
	after = spec_canonical(spec);
	key = entity_key(k, name);
	if (!after || !key) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = spec_text(st, k, name, &before, err)))
		goto out;
	if (before && !strcmp(before, after))
		goto out;
	if (!(s = store_cached(st, upsert, err))) {
		rc = err ? err->code : BATON_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, after, -1, SQLITE_STATIC);
	if (from_files)
		sqlite3_bind_text(s, 4, after, -1, SQLITE_STATIC);
	if (!from_files)
		sqlite3_bind_text(s, 5, how->changed, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		rc = store_fail(st, err, "cannot write to database");
		goto out;
	}
	sqlite3_reset(s);
	if (before && (rc = run_list(st, derive_clear[k], name, NULL, err)))
		goto out;
	if ((rc = run_list(st, derive_fill[k], name, after, err)))
		goto out;
	action = how && how->action ? how->action : before ? "update" : "create";
	if ((rc = event_add(st, key, action, before, after, err)))
		goto out;
	if (changed)
		*changed = 1;
out:
	free(before);
	free(after);
	free(key);
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
	if ((rc = run_list(st, derive_clear[k], name, NULL, err)))
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
	static const char sql[] =
		"SELECT changed FROM entity WHERE kind = ?1 AND name = ?2";
	sqlite3_stmt *s = store_cached(st, sql, err);
	int rc;

	*note = NULL;
	if (!s)
		return err ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*note = strdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		return *note ? BATON_OK : baton_fail(err, BATON_NOMEM, "out of memory");
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "cannot read");
	return BATON_OK;
}

enum baton_code entity_mark_imported(struct store *st, enum kind k,
				     const char *name, struct baton_error *err)
{
	static const char sql[] =
		"UPDATE entity SET imported = spec, changed = NULL"
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
