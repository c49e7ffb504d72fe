/* journal.c - add to and read a role's journal (see journal.h). */
#include "journal.h"
#include "entity.h"
#include "query.h"
#include "strbuf.h"

#include <string.h>

enum baton_code journal_append_spec(struct store *st, json_t *spec,
				    const char *text, struct baton_error *err)
{
	json_t *list = json_object_get(spec, "journal"), *e;

	if (!json_is_array(list)) {
		if (!(list = json_array()) || json_object_set_new(spec, "journal", list))
			return baton_fail(err, BATON_NOMEM, "out of memory");
	}
	e = json_pack("{s:s,s:s,s:s}", "at", st->now, "author", st->actor,
		      "text", text);
	if (!e || json_array_append_new(list, e))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	return BATON_OK;
}

enum baton_code journal_add(struct store *st, const char *role,
			    const char *text, struct baton_error *err)
{
	struct strbuf note = STRBUF_INIT;
	json_t *spec = NULL;
	enum baton_code rc;
	size_t n = strspn(text, " \t\r\n");

	if (!text[n])
		return baton_fail(err, BATON_INVALID, "empty journal entry");
	if ((rc = store_begin(st, err)))
		return rc;
	if ((rc = entity_get(st, KIND_ROLE, role, &spec, err)))
		goto out;
	if ((rc = journal_append_spec(st, spec, text, err)))
		goto out;
	strbuf_addf(&note, "journal changed by 'baton journal' on %s", st->today);
	if (!strbuf_ok(&note)) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	rc = entity_put(st, KIND_ROLE, role, spec,
			&(struct entity_change){ .action = "journal",
						 .changed = note.buf },
			NULL, err);
	if (!rc)
		rc = store_commit(st, err);
out:
	if (rc && st->in_tx)
		store_rollback(st);
	json_decref(spec);
	strbuf_release(&note);
	return rc;
}

enum baton_code journal_list(struct store *st, const char *role,
			     json_t **out, struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_group_array(json_object('at', j.at, 'author', j.author,"
		" 'text', j.text)) FROM (SELECT * FROM journal WHERE role = ?1"
		" ORDER BY at DESC, ord DESC) j"
		" WHERE EXISTS (SELECT 1 FROM role WHERE name = ?1)";
	const char *params[1] = { role };
	enum baton_code rc;
	int exists = entity_exists(st, KIND_ROLE, role, err);

	*out = NULL;
	if (exists < 0)
		return err ? err->code : BATON_DB;
	if (!exists)
		return baton_fail(err, BATON_NOTFOUND, "no such role '%s'", role);
	rc = query_json(st, sql, params, 1, out, err);
	if (rc == BATON_NOTFOUND && !(*out = json_array()))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	return rc == BATON_NOTFOUND ? BATON_OK : rc;
}
