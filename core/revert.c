/* revert.c - undo one change from the change log; see revert.h. */
#include "revert.h"
#include "entity.h"

#include <stdlib.h>
#include <string.h>

enum baton_code revert_event(struct store *st, long long id, int force,
			     struct baton_error *err)
{
	static const char sql[] =
		"SELECT entity, action, before, after FROM event WHERE id = ?1";
	sqlite3_stmt *s = NULL;
	char *entity = NULL, *before = NULL, *after = NULL, *current = NULL;
	char note[96], kind[32];
	const char *slash, *name;
	json_t *cur = NULL, *spec = NULL;
	enum baton_code rc;
	enum kind k;
	struct entity_change how;
	json_error_t jerr;
	int step;

	if ((rc = store_prepare(st, sql, &s, err)))
		return rc;
	sqlite3_bind_int64(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = baton_fail(err, BATON_NOTFOUND, "no event %lld in the log", id);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = store_fail(st, err, "cannot read");
		goto out;
	}
	entity = strdup((const char *)sqlite3_column_text(s, 0));
	if (sqlite3_column_type(s, 2) != SQLITE_NULL)
		before = strdup((const char *)sqlite3_column_text(s, 2));
	if (sqlite3_column_type(s, 3) != SQLITE_NULL)
		after = strdup((const char *)sqlite3_column_text(s, 3));
	if (!entity || (sqlite3_column_type(s, 2) != SQLITE_NULL && !before) ||
	    (sqlite3_column_type(s, 3) != SQLITE_NULL && !after)) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	slash = strchr(entity, '/');
	k = KIND_NONE;
	if (slash && (size_t)(slash - entity) < sizeof(kind)) {
		snprintf(kind, sizeof(kind), "%.*s", (int)(slash - entity), entity);
		k = kind_parse(kind);
	}
	if (k == KIND_NONE || (!before && !after)) {
		rc = baton_fail(err, BATON_USAGE,
			"event %lld (%s on %s) cannot be reverted: only changes to people, teams, roles, processes and rules can",
			id, sqlite3_column_text(s, 1), entity);
		goto out;
	}
	name = slash + 1;
	if ((rc = store_begin(st, err)))
		goto out;
	rc = entity_get(st, k, name, &cur, NULL);
	if (rc && rc != BATON_NOTFOUND) {
		rc = store_fail(st, err, "cannot read");
		goto fail;
	}
	current = cur ? spec_canonical(cur) : NULL;
	if (cur && !current) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto fail;
	}
	/* The entity must still be as event N left it. */
	if (!force && ((after && (!current || strcmp(current, after))) ||
		       (!after && current))) {
		rc = baton_fail(err, BATON_CONFLICT,
			"%s changed after event %lld: revert the later events first (see 'baton log %s') or pass --force",
			entity, id, entity);
		goto fail;
	}
	snprintf(note, sizeof(note), "reverted event %lld on %s", id, st->today);
	how.action = "revert";
	how.changed = note;
	if (!before) {
		rc = entity_delete(st, k, name, "revert", err);
	} else {
		if (!(spec = json_loads(before, 0, &jerr))) {
			rc = baton_fail(err, BATON_DB, "corrupt before-image in event %lld: %s",
					id, jerr.text);
			goto fail;
		}
		rc = entity_put(st, k, name, spec, &how, NULL, err);
	}
	if (rc)
		goto fail;
	rc = store_commit(st, err);
	goto out;
fail:
	store_rollback(st);
out:
	sqlite3_finalize(s);
	json_decref(cur);
	json_decref(spec);
	free(entity);
	free(before);
	free(after);
	free(current);
	return rc;
}
