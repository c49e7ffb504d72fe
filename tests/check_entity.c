/* check_entity.c - Check suite for core/entity.c's canonical spec text.
 *
 * Every stored spec and event image is spec_canonical()'s text, and an
 * import compares texts to decide what changed: if the canonical form ever
 * moved (key order, spacing, escapes), every entity would look changed to
 * the next import. These tests pin the form with literal texts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entity.h"
#include "../core/import.h"

Suite *suite_entity(void);

static void canonical_is(json_t *v, const char *want)
{
	char *got = spec_canonical(v);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
	json_decref(v);
}

/* Proves keys are sorted bytewise at every level (upper case before lower
 * case, a prefix before the longer key), arrays keep their order, and
 * nothing is written between tokens. */
START_TEST(test_form)
{
	canonical_is(json_pack("{s:i, s:[b, n, s], s:{s:s, s:s}, s:i, s:i}",
			       "b", 1, "a", 1, "x", "z", "k", "2", "K", "1",
			       "ab", 3, "B", 4),
		     "{\"B\":4,\"a\":[true,null,\"x\"],\"ab\":3,\"b\":1,"
		     "\"z\":{\"K\":\"1\",\"k\":\"2\"}}");
	canonical_is(json_object(), "{}");
	canonical_is(json_array(), "[]");
	canonical_is(json_integer(-9223372036854775807LL - 1),
		     "-9223372036854775808");
}
END_TEST

/* Proves strings keep UTF-8 as it is and escape only '"', '\\' and the
 * control characters. */
START_TEST(test_strings)
{
	canonical_is(json_string("caf\xc3\xa9 \"q\" \\ / \t\n\x01 end"),
		     "\"caf\xc3\xa9 \\\"q\\\" \\\\ / \\t\\n\\u0001 end\"");
}
END_TEST

/* Proves a spec of the examples reads back to the same text: canonical of
 * the parsed canonical text is the text itself. */
static enum baton_code check_decl(const struct load_decl *d, void *data)
{
	char *a = spec_canonical(d->spec), *b;
	json_t *back;
	size_t *n = data;

	ck_assert_ptr_nonnull(a);
	back = json_loads(a, 0, NULL);
	ck_assert_ptr_nonnull(back);
	b = spec_canonical(back);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(back);
	(*n)++;
	return BATON_OK;
}

START_TEST(test_examples_round_trip)
{
	struct baton_error err = BATON_ERROR_INIT;
	size_t n = 0;

	ck_assert_int_eq(load_path("examples", check_decl, &n, &err), BATON_OK);
	ck_assert_int_eq((int)err.nerrors, 0);
	ck_assert_uint_gt(n, 100);
	baton_error_release(&err);
}
END_TEST

Suite *suite_entity(void)
{
	Suite *s = suite_create("entity");
	TCase *tc = tcase_create("canonical");

	tcase_add_test(tc, test_form);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_examples_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
