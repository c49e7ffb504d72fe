/* fuzz_search.c - fuzz target for free-text routing and search over the
 * example organisation: user text full of quotes, '*', NEAR, AND, '('
 * must never reach FTS5 as query syntax. The input is the text; when it
 * holds a newline, what comes before it is also tried as the topic. Any
 * error whose message mentions fts5 or a syntax error aborts, and so does
 * any database error.
 */
#include "fuzz_common.h"

#include <string.h>
#include <strings.h>

#include "route.h"
#include "search.h"

static struct store *search_st;

/* Does s contain needle (lower case ASCII), ignoring ASCII case? */
static int search_has(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (!strncasecmp(s, needle, n))
			return 1;
	return 0;
}

/* Abort when an error came from FTS5 parsing the user's text. */
static void search_check(enum baton_code rc, const struct baton_error *err)
{
	size_t i;

	for (i = 0; i < err->n; i++) {
		const char *m = err->diags[i].message ? err->diags[i].message : "";

		if (search_has(m, "fts5") || search_has(m, "syntax error")) {
			fprintf(stderr, "fuzz: FTS5 saw syntax: %s\n", m);
			abort();
		}
	}
	FUZZ_ASSERT(rc != BATON_DB);
}

int fuzz_search(const uint8_t *data, size_t size)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct route_result *res = NULL;
	struct route_query q = { 0 };
	char *text = malloc(size + 1), *nl, *fts;
	json_t *out = NULL;
	enum baton_code rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!search_st)
		search_st = fuzz_store(1);

	/* The quoted query alone, as search_text builds it. */
	if ((fts = search_fts_query(text))) {
		FUZZ_ASSERT(!*fts || fts[0] == '"');
		free(fts);
	}
	rc = search_text(search_st, text, 5, &out, &err);
	search_check(rc, &err);
	json_decref(out);
	baton_error_release(&err);

	q.text = text;
	rc = route_resolve(search_st, &q, &res, &err);
	search_check(rc, &err);
	if (res) {
		json_t *doc = route_result_to_json(res);

		FUZZ_ASSERT(doc);
		json_decref(doc);
		route_result_free(res);
		res = NULL;
	}
	baton_error_release(&err);

	if ((nl = strchr(text, '\n'))) {
		*nl = '\0';
		q.topic = text;
		q.text = nl + 1;
		rc = route_resolve(search_st, &q, &res, &err);
		search_check(rc, &err);
		route_result_free(res);
		baton_error_release(&err);
	}
	FUZZ_ASSERT(!search_st->in_tx);
	free(text);
	return 0;
}

void fuzz_search_cleanup(void)
{
	store_free(search_st);
	search_st = NULL;
}

FUZZ_MAIN(search)
