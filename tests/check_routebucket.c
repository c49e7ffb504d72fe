/* check_routebucket.c - Check suite for the first-segment bucket of the
 * route index (core/route.c): the first topic routed on a connection loads
 * only the rules that could match its first segment; later topics use the
 * full index. Every answer must be the one the full index gives: rules
 * written with upper case, whitespace, stars or slashes in their first
 * segment, topics in any case, misses with their suggestions. The bucket is
 * read through an index on an SQL expression (010_route.sql); upper-case
 * bytes >= 0x80 ("\xc3\x9c" is U+00DC) must compare exactly there too.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../core/import.h"
#include "../core/route.h"
#include "../core/store.h"

Suite *suite_routebucket(void);

#define DOC(kind, name, spec) \
	"---\napiVersion: baton/v1\nkind: " kind "\nmetadata:\n  name: " name \
	"\nspec:\n" spec
#define RULE(name, topic, prio) \
	DOC("Rule", name, "  title: T " name "\n  topic: \"" topic "\"\n" \
	    "  handler: role:desk\n  priority: " prio "\n")

static const char fixture[] =
	DOC("Person", "ann", "  displayName: Ann\n")
	DOC("Role", "desk", "  title: Desk\n  holders:\n    - {person: ann}\n")
	RULE("r-lower", "fin/pay", "1")
	RULE("r-upper", "FIN/Pay/**", "2")
	RULE("r-slash", "/fin//pay/", "3")
	RULE("r-star", "f*/pay", "4")
	RULE("r-dstar", "**/pay", "5")
	RULE("r-other", "ops/pay", "6")
	RULE("r-finance", "finance/pay", "7")
	RULE("r-tab", "\\tFin/pay", "8")
	RULE("r-space", "fin /pay", "9")
	RULE("r-umlaut", "\xc3\x9cnit/pay", "10");

static struct store *load(void)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts opts = { 0 };
	struct import_result res;
	struct store *st = NULL;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "f.yaml", fixture, strlen(fixture), &opts,
				       &res, &err), BATON_OK);
	import_result_release(&res);
	baton_error_release(&err);
	return st;
}

static char *route_text(struct store *st, const char *topic)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct route_query q = { .topic = topic };
	struct route_result *r = NULL;
	json_t *j;
	char *text;

	ck_assert_int_eq(route_resolve(st, &q, &r, &err), BATON_OK);
	j = route_result_to_json(r);
	text = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	route_result_free(r);
	baton_error_release(&err);
	return text;
}

static const char *const topics[] = {
	"fin/pay", "FIN/PAY", " /Fin/pay/x ", "fin", "ops/pay", "finance/pay",
	"fx/pay", "nothing/here", "pay", "fin /pay", "\tFIN/pay",
	"\xc3\x9cnit/pay", "\xc3\xbcnit/pay", "\xc3\x9cNIT/pay", NULL
};

/* Each topic routed first on a fresh connection (bucket index) answers
 * exactly as on a connection whose index holds every rule. */
START_TEST(test_bucket_answers_like_full)
{
	struct store *full = load();
	char *warm = route_text(full, "zzz/warm-up"), *a, *b;
	size_t i;

	/* a miss builds the full index for its suggestions */
	ck_assert_ptr_nonnull(strstr(warm, "\"no-match\""));
	for (i = 0; topics[i]; i++) {
		struct store *fresh = load();

		a = route_text(fresh, topics[i]);
		b = route_text(full, topics[i]);
		ck_assert_msg(!strcmp(a, b), "topic '%s': bucket and full index differ",
			      topics[i]);
		free(a);
		free(b);
		store_free(fresh);
	}
	free(warm);
	store_free(full);
}
END_TEST

static long long count_rules(struct store *st)
{
	sqlite3_stmt *s = NULL;
	long long n;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
		"SELECT count(*) FROM rule WHERE topic IS NOT NULL", -1, &s, NULL),
		SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* The bucket of "fin" holds every rule that may match fin/pay: the winner
 * is the highest in precedence among six, and the alternatives list the
 * others in order; r-other and r-finance are not among them. */
START_TEST(test_bucket_keeps_candidates)
{
	struct store *st = load();
	char *a = route_text(st, "fin/pay");

	ck_assert_ptr_null(strstr(a, "\"r-finance\""));
	ck_assert_ptr_null(strstr(a, "\"r-other\""));
	ck_assert_ptr_nonnull(strstr(a, "\"r-lower\""));
	ck_assert_ptr_nonnull(strstr(a, "\"r-upper\""));
	ck_assert_ptr_nonnull(strstr(a, "\"r-slash\""));
	ck_assert_ptr_nonnull(strstr(a, "\"r-star\""));
	ck_assert_ptr_nonnull(strstr(a, "\"r-dstar\""));
	/* leading whitespace: the SQL bucket key is '', the rule still comes */
	ck_assert_ptr_nonnull(strstr(a, "\"r-tab\""));
	free(a);
	/* only that bucket was read: fewer rules than the organisation has */
	ck_assert_uint_gt(route_rules_loaded(st), 0);
	ck_assert_uint_lt(route_rules_loaded(st),
			  (size_t)count_rules(st));
	/* a second bucket on the same connection: the full index */
	a = route_text(st, "ops/pay");
	ck_assert_ptr_nonnull(strstr(a, "\"r-other\""));
	ck_assert_uint_eq(route_rules_loaded(st), (size_t)count_rules(st));
	free(a);
	store_free(st);
}
END_TEST

Suite *suite_routebucket(void)
{
	Suite *s = suite_create("routebucket");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bucket_answers_like_full);
	tcase_add_test(tc, test_bucket_keeps_candidates);
	suite_add_tcase(s, tc);
	return s;
}
