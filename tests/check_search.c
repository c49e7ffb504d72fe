/* check_search.c - Check suite for core/search's ranking strategy on a
 * generated organisation where every word is common (a few hundred people,
 * a vocabulary of twelve words, loaded into :memory:).
 *
 * search_text ranks the documents holding every word first and falls back
 * to ranking every match; its baton_bm25 skips rows that cannot enter the
 * first `limit` and remembers the words' document counts. Whatever path a
 * query takes, the answer must be exactly the one of the plain query it
 * replaced: FTS5's bm25() over every document matching any word, ordered
 * by score, kind, name and id, with the same scores and snippets
 * (reference_search below is that query). And a query made of a rule's
 * keywords routes to that rule.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/import.h"
#include "../core/route.h"
#include "../core/search.h"
#include "../core/store.h"
#include "../core/strbuf.h"

Suite *suite_search(void);

/* ------------------------------------------------------------------------
 * Generated organisation
 * ---------------------------------------------------------------------- */

enum { NPEOPLE = 300, NROLES = 90, NPROCS = 40 };

static const char *const words[] = {
	"invoice", "refund", "payroll", "laptop", "contract", "shipment",
	"budget", "audit", "training", "pricing", "licence", "access"
};
#define NWORDS ((int)(sizeof(words) / sizeof(words[0])))

static unsigned long long seed;

static unsigned pick(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

static const char *word(void)
{
	return words[pick(NWORDS)];
}

#define HEAD(kind) \
	"---\napiVersion: baton/v1\nkind: " kind "\nmetadata:\n  name: %s\nspec:\n"

/* People, roles with responsibilities, processes whose steps use the
 * words, and one rule per unordered pair of distinct words (keywords
 * [a, c], title "a b c"): 66 rules. */
static char *generate(void)
{
	struct strbuf sb = STRBUF_INIT;
	char name[32];
	int i, j, a, c, n = 0;

	seed = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < NPEOPLE; i++) {
		snprintf(name, sizeof(name), "p%03d", i);
		strbuf_addf(&sb, HEAD("Person") "  displayName: P %d\n",
			    name, i);
	}
	for (i = 0; i < NPROCS; i++) {
		snprintf(name, sizeof(name), "proc%02d", i);
		strbuf_addf(&sb, HEAD("Process") "  title: %s review\n"
			    "  owner: role%02d\n  steps:\n"
			    "  - Open the %s queue\n  - Check the %s against policy\n"
			    "  - Record the outcome in the %s system\n",
			    name, word(), i % NROLES, word(), word(), word());
	}
	for (i = 0; i < NROLES; i++) {
		snprintf(name, sizeof(name), "role%02d", i);
		strbuf_addf(&sb, HEAD("Role") "  title: %s Clerk\n"
			    "  holders:\n  - {person: p%03d}\n"
			    "  responsibilities:\n", name, word(),
			    (int)pick(NPEOPLE));
		for (j = 0; j < 3; j++)
			strbuf_addf(&sb, "  - id: r%d\n    summary: Handle %s %s"
				    " requests\n    processes: [proc%02d]\n", j,
				    word(), word(), (int)pick(NPROCS));
	}
	for (a = 0; a < NWORDS; a++) {
		for (c = a + 1; c < NWORDS; c++) {
			snprintf(name, sizeof(name), "rule%03d", n++);
			strbuf_addf(&sb, HEAD("Rule") "  title: %s %s %s\n"
				    "  topic: d/%s/%s\n  keywords: [%s, %s]\n"
				    "  handler: role:role%02d\n", name, words[a],
				    word(), words[c], words[a], words[c],
				    words[a], words[c], (int)pick(NROLES));
		}
	}
	ck_assert(!sb.oom);
	return strbuf_detach(&sb);
}

static struct store *st;
static struct baton_error err;

static void load(const char *yaml)
{
	struct import_opts opts = { .prune = 0 };
	struct import_result res;

	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "org.yaml", yaml, strlen(yaml),
				       &opts, &res, &err), BATON_OK);
	import_result_release(&res);
}

static void setup(void)
{
	char *org = generate();

	baton_error_init(&err);
	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st,
				    &err), BATON_OK);
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	load(org);
	free(org);
}

static void teardown(void)
{
	store_free(st);
	st = NULL;
	baton_error_release(&err);
}

/* ------------------------------------------------------------------------
 * Reference: the query search_text ran before (every match, bm25)
 * ---------------------------------------------------------------------- */

static const char reference_sql[] =
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

static json_t *col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? json_string(t) : json_null();
}

static json_t *reference_search(const char *text, int limit)
{
	char *q = search_fts_query(text);
	json_t *doc = json_pack("{s:s, s:[]}", "query", text, "results");
	sqlite3_stmt *s;

	ck_assert_ptr_nonnull(q);
	if (!*q) {
		free(q);
		return doc;
	}
	ck_assert_int_eq(sqlite3_prepare_v2(st->db, reference_sql, -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 5);
		double score = -sqlite3_column_double(s, 4);

		score = round(score * 1000.0) / 1000.0;
		ck_assert_int_eq(json_array_append_new(json_object_get(doc, "results"),
			json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:o}",
				  "kind", col(s, 0), "name", col(s, 1),
				  "id", col(s, 2), "title", col(s, 3),
				  "role", h && !strncmp(h, "role:", 5) ?
					json_string(h + 5) : json_null(),
				  "handler", col(s, 5), "score", score,
				  "snippet", col(s, 6))), 0);
	}
	ck_assert_int_eq(sqlite3_finalize(s), SQLITE_OK);
	free(q);
	return doc;
}

/* search_text(text, limit) equals the reference, results and order. */
static void same_as_reference(const char *text, int limit)
{
	json_t *got = NULL, *want = reference_search(text, limit);

	ck_assert_int_eq(search_text(st, text, limit, &got, &err), BATON_OK);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_INDENT(1));
		char *w = json_dumps(want, JSON_INDENT(1));

		ck_abort_msg("'%s' limit %d:\ngot %s\nwant %s", text, limit, g, w);
	}
	json_decref(got);
	json_decref(want);
}

static const int limits[] = { 1, 3, 10, 50, 100 };
#define NLIMITS ((int)(sizeof(limits) / sizeof(limits[0])))

/* ------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------- */

/* Proves every pair of words, in both orders, at every limit, answers as
 * the full bm25 ranking does (these take the every-word path). */
START_TEST(test_pairs_same_as_full_ranking)
{
	char text[64];
	int a, c, k;

	for (a = 0; a < NWORDS; a++)
		for (c = 0; c < NWORDS; c++)
			for (k = 0; k < NLIMITS; k++) {
				snprintf(text, sizeof(text), "%s %s", words[a],
					 words[c]);
				same_as_reference(text, limits[k]);
			}
}
END_TEST

/* Proves single words, repeated words, three and four words, stop words,
 * unknown words, stems and case answer as the full ranking does. */
START_TEST(test_other_queries_same_as_full_ranking)
{
	static const char *const texts[] = {
		"invoice", "Refunds", "laptops", "audit audit", "budget budget budget",
		"invoice refund payroll", "who handles a refund for my laptop?",
		"contract shipment budget audit", "invoice xyzzy", "xyzzy",
		"the a", "training pricing licence access invoice refund",
		"handle requests", "queue policy outcome system", "role03",
		"d/invoice/refund", "invoice\" OR \"*", "Clerk review",
		"\xe2\x80\x94 invoice", "invoice\xe2\x80\x94refund budget",
		"na\xc3\xafve invoice", "r\xc3\xa9" "fund refund"
	};
	size_t i;
	int k;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (k = 0; k < NLIMITS; k++)
			same_as_reference(texts[i], limits[k]);
	/* Again, now that the word counts are remembered. */
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		same_as_reference(texts[i], 10);
}
END_TEST

/* Proves remembered word counts follow writes on the connection: after
 * rules and roles change (new documents, fewer and more hits per word)
 * the answers still equal the full ranking. */
START_TEST(test_counts_follow_writes)
{
	char text[64];
	int a, k;

	for (a = 0; a < NWORDS; a++) {
		snprintf(text, sizeof(text), "%s %s", words[a], words[(a + 1) % NWORDS]);
		same_as_reference(text, 10);
	}
	load("---\napiVersion: baton/v1\nkind: Rule\nmetadata:\n  name: new1\n"
	     "spec:\n  title: invoice invoice invoice\n  topic: x/y\n"
	     "  keywords: [invoice, refund, invoice]\n  handler: role:role01\n"
	     "---\napiVersion: baton/v1\nkind: Rule\nmetadata:\n  name: new2\n"
	     "spec:\n  title: invoice refund\n  topic: x/z\n"
	     "  keywords: [invoice, refund]\n  handler: role:role02\n");
	ck_assert_uint_eq(err.n, 0);
	for (a = 0; a < NWORDS; a++)
		for (k = 0; k < NLIMITS; k++) {
			snprintf(text, sizeof(text), "%s %s", words[a],
				 words[(a + 1) % NWORDS]);
			same_as_reference(text, limits[k]);
			same_as_reference(words[a], limits[k]);
		}
	/* documents already indexed change length (the remembered lengths
	 * must follow): every rule's title grows, one word at a time */
	for (k = 0; k < 3; k++) {
		struct strbuf sb = STRBUF_INIT;
		int c, n = 0;

		for (a = 0; a < NWORDS; a++)
			for (c = a + 1; c < NWORDS; c++, n++)
				strbuf_addf(&sb, "---\napiVersion: baton/v1\n"
					    "kind: Rule\nmetadata:\n"
					    "  name: rule%03d\nspec:\n"
					    "  title: %s%s%s\n  topic: d/%s/%s\n"
					    "  keywords: [%s, %s]\n"
					    "  handler: role:role%02d\n", n,
					    words[a], k ? " note" : "",
					    k > 1 ? " long long text here" : "",
					    words[a], words[c], words[a],
					    words[c], n % NROLES);
		ck_assert(!sb.oom);
		load(sb.buf);
		strbuf_release(&sb);
		ck_assert_uint_eq(err.n, 0);
		for (a = 0; a < NWORDS; a++) {
			snprintf(text, sizeof(text), "%s %s", words[a],
				 words[(a + 1) % NWORDS]);
			same_as_reference(text, 10);
			same_as_reference(words[a], 10);
			same_as_reference(words[a], 3);
		}
	}
}
END_TEST

/* The lengths of the documents a search remembers follow the writes: the
 * newest rule imported again, longer, whose new row takes the rowid of the
 * one it replaces (SQLite gives the highest rowid again). */
START_TEST(test_lengths_follow_writes)
{
	char text[64];
	sqlite3_stmt *q;
	sqlite3_int64 before, after;
	int k;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, "SELECT max(id) FROM"
		" search_doc", -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	before = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	for (k = 0; k < NWORDS; k++)
		same_as_reference(words[k], 10);
	snprintf(text, sizeof(text), "rule%03d", NWORDS * (NWORDS - 1) / 2 - 1);
	{
		struct strbuf sb = STRBUF_INIT;
		const char *x = words[NWORDS - 2], *y = words[NWORDS - 1];

		strbuf_addf(&sb, "---\napiVersion: baton/v1\nkind: Rule\n"
			    "metadata:\n  name: %s\nspec:\n  title: %s and a title"
			    " of many more words than before\n  topic: d/%s/%s\n"
			    "  keywords: [%s, %s]\n  handler: role:role01\n"
			    "  description: %s", text, x, x, y, x, y, x);
		/* a column of 300 tokens: its size takes two bytes in
		 * search_docsize */
		for (k = 0; k < 299; k++)
			strbuf_addstr(&sb, " filler");
		strbuf_addch(&sb, '\n');
		ck_assert(!sb.oom);
		load(sb.buf);
		strbuf_release(&sb);
		ck_assert_uint_eq(err.n, 0);
		for (k = 0; k < NLIMITS; k++) {
			same_as_reference(x, limits[k]);
			same_as_reference(y, limits[k]);
		}
	}
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	after = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	ck_assert_int_eq(after, before);
}
END_TEST

/* Proves a query made of a rule's keywords routes to that rule, for every
 * rule of the organisation, and the text's best hit is that rule. */
START_TEST(test_keywords_route_to_their_rule)
{
	int a, c, n = 0;

	for (a = 0; a < NWORDS; a++) {
		for (c = a + 1; c < NWORDS; c++) {
			struct route_query q = { 0 };
			struct route_result *r = NULL;
			char text[64], rule[32];
			json_t *d, *hits = NULL;

			snprintf(text, sizeof(text), "%s %s", words[a], words[c]);
			snprintf(rule, sizeof(rule), "rule%03d", n++);
			q.text = text;
			ck_assert_int_eq(route_resolve(st, &q, &r, &err), BATON_OK);
			d = route_result_to_json(r);
			ck_assert_str_eq(json_string_value(json_object_get(d, "via")),
					 "text");
			ck_assert_str_eq(json_string_value(json_object_get(
				json_object_get(d, "rule"), "name")), rule);
			json_decref(d);
			route_result_free(r);
			ck_assert_int_eq(search_text(st, text, 10, &hits, &err),
					 BATON_OK);
			ck_assert_str_eq(json_string_value(json_object_get(
				json_array_get(json_object_get(hits, "results"), 0),
				"name")), rule);
			json_decref(hits);
		}
	}
}
END_TEST

/* Proves routing by text answers as it did when it always took the first
 * 50 hits: the alternatives come from the same hits (a reference built
 * from reference_search with 50, as match_text did). */
START_TEST(test_route_alternatives_unchanged)
{
	int a, c;

	for (a = 0; a < NWORDS; a += 3) {
		for (c = 0; c < NWORDS; c += 2) {
			struct route_query q = { 0 };
			struct route_result *r = NULL;
			char text[64];
			json_t *d, *want = NULL, *alts;
			const char *win = NULL;
			size_t i, nalt = 0;
			json_t *h;

			snprintf(text, sizeof(text), "%s %s", words[a], words[c]);
			q.text = text;
			q.alternatives = 2 + a % 4;
			ck_assert_int_eq(route_resolve(st, &q, &r, &err), BATON_OK);
			d = route_result_to_json(r);
			alts = json_object_get(d, "alternatives");
			want = reference_search(text, 50);
			json_array_foreach(json_object_get(want, "results"), i, h) {
				const char *role = json_string_value(
					json_object_get(h, "handler"));
				size_t j;
				int dup = 0;

				if (!role)
					continue;
				if (!win) {
					win = role;
					continue;
				}
				if ((int)nalt >= q.alternatives)
					break;
				if (!strcmp(role, win))
					continue;
				for (j = 0; j < nalt; j++)
					if (!strcmp(json_string_value(json_object_get(
						json_array_get(alts, j), "handler")), role))
						dup = 1;
				if (dup)
					continue;
				ck_assert_uint_gt(json_array_size(alts), nalt);
				ck_assert_str_eq(json_string_value(json_object_get(
					json_array_get(alts, nalt), "handler")), role);
				ck_assert_str_eq(json_string_value(json_object_get(
					json_array_get(alts, nalt), "name")),
					json_string_value(json_object_get(h, "name")));
				nalt++;
			}
			ck_assert_uint_eq(json_array_size(alts), nalt);
			json_decref(want);
			json_decref(d);
			route_result_free(r);
		}
	}
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ---------------------------------------------------------------------- */

Suite *suite_search(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("ranking");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pairs_same_as_full_ranking);
	tcase_add_test(tc, test_other_queries_same_as_full_ranking);
	tcase_add_test(tc, test_counts_follow_writes);
	tcase_add_test(tc, test_lengths_follow_writes);
	tcase_add_test(tc, test_keywords_route_to_their_rule);
	tcase_add_test(tc, test_route_alternatives_unchanged);
	suite_add_tcase(s, tc);
	return s;
}
