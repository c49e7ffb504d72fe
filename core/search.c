/* search.c - free-text search over the FTS5 index; see search.h. */
#include "search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* ------------------------------------------------------------------------
 * Query building
 * ---------------------------------------------------------------------- */

enum { SEARCH_MAX_WORDS = 32 };

static const char *const stop_words[] = {
	"a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does",
	"for", "from", "how", "i", "in", "is", "it", "me", "my", "of", "on",
	"or", "our", "please", "the", "to", "we", "what", "who", "whom",
	"with", "you", NULL
};

/* A word character: ASCII letters and digits, and every byte of a UTF-8
 * sequence (unicode61 decides about those). */
static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

static int is_stop(const char *w, size_t n)
{
	size_t i, j;

	for (i = 0; stop_words[i]; i++) {
		const char *s = stop_words[i];

		if (strlen(s) != n)
			continue;
		for (j = 0; j < n; j++) {
			unsigned char c = (unsigned char)w[j];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (c != (unsigned char)s[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

/* Append the words of text (skipping stop words when `skip_stop`). */
static int add_words(struct strbuf *sb, const char *text, int skip_stop)
{
	const char *p = text;
	int n = 0;

	while (*p && n < SEARCH_MAX_WORDS) {
		const char *w;
		size_t len, i;

		while (*p && !word_char((unsigned char)*p))
			p++;
		w = p;
		while (*p && word_char((unsigned char)*p))
			p++;
		len = (size_t)(p - w);
		if (!len || (skip_stop && is_stop(w, len)))
			continue;
		if (n)
			strbuf_addstr(sb, " OR ");
		strbuf_addch(sb, '"');
		for (i = 0; i < len; i++) {
			if (w[i] == '"')
				strbuf_addch(sb, '"');
			strbuf_addch(sb, w[i]);
		}
		strbuf_addch(sb, '"');
		n++;
	}
	return n;
}

char *search_fts_query(const char *text)
{
	struct strbuf sb = STRBUF_INIT;

	if (!text)
		return NULL;
	if (!add_words(&sb, text, 1)) {
		strbuf_reset(&sb);
		add_words(&sb, text, 0);
	}
	if (sb.oom) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* ------------------------------------------------------------------------
 * Search
 * ---------------------------------------------------------------------- */

static const char search_sql[] =
	"SELECT d.kind, d.name, d.sub, d.title,"
	" bm25(search, " SEARCH_W_TITLE ", " SEARCH_W_KEYWORDS ", "
	SEARCH_W_BODY ", " SEARCH_W_TOPIC ") AS score,"
	" CASE d.kind"
	"  WHEN 'rule' THEN (SELECT handler_kind || ':' || handler_name"
	"   FROM rule WHERE name = d.name)"
	"  WHEN 'process' THEN coalesce("
	"   (SELECT 'role:' || owner FROM process WHERE name = d.name),"
	"   (SELECT 'role:' || role FROM responsibility_process"
	"    WHERE process = d.name ORDER BY role LIMIT 1))"
	"  ELSE 'role:' || d.name END,"
	" snippet(search, -1, '[', ']', '...', 12)"
	" FROM search JOIN search_doc AS d ON d.id = search.rowid"
	" WHERE search MATCH ?1"
	" ORDER BY score, CASE d.kind WHEN 'rule' THEN 0"
	"  WHEN 'responsibility' THEN 1 WHEN 'process' THEN 2 ELSE 3 END,"
	" d.name, d.sub"
	" LIMIT ?2";

static json_t *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? json_string((const char *)t) : json_null();
}

/* The role name of a "role:NAME" handler in column i, else null. */
static json_t *handler_role(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t && !strncmp(t, "role:", 5) ? json_string(t + 5) : json_null();
}

enum baton_code search_text(struct store *st, const char *text, int limit,
			    json_t **out, struct baton_error *err)
{
	char *q = NULL;
	json_t *doc = NULL, *results;
	sqlite3_stmt *s;
	enum baton_code rc = BATON_OK;
	int step;

	*out = NULL;
	if (limit < 1 || limit > 100)
		limit = 10;
	q = search_fts_query(text ? text : "");
	doc = json_pack("{s:s, s:[]}", "query", text ? text : "", "results");
	if (!q || !doc) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	results = json_object_get(doc, "results");
	if (!*q)
		goto done;
	if (!(s = store_cached(st, search_sql, err))) {
		rc = err && err->code ? err->code : BATON_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		double score = -sqlite3_column_double(s, 4);
		json_t *hit = json_object();

		score = round(score * 1000.0) / 1000.0;
		if (!hit ||
		    json_object_set_new(hit, "kind", col_str(s, 0)) ||
		    json_object_set_new(hit, "name", col_str(s, 1)) ||
		    json_object_set_new(hit, "id", col_str(s, 2)) ||
		    json_object_set_new(hit, "title", col_str(s, 3)) ||
		    json_object_set_new(hit, "role", handler_role(s, 5)) ||
		    json_object_set_new(hit, "handler", col_str(s, 5)) ||
		    json_object_set_new(hit, "score", json_real(score)) ||
		    json_object_set_new(hit, "snippet", col_str(s, 6)) ||
		    json_array_append_new(results, hit)) {
			json_decref(hit);
			sqlite3_reset(s);
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		rc = store_fail(st, err, "cannot search");
		goto out;
	}
done:
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	free(q);
	return rc;
}
