/* check_entity.c - Check suite for core/entity.c's canonical spec text.
 *
 * spec_canonical() has its own writer (for speed) that must give exactly
 * the bytes of json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY),
 * the text every stored spec and event was written with: a difference
 * would make every entity look changed to the next import. Each test
 * compares both writers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entity.h"
#include "../core/import.h"

Suite *suite_entity(void);

static void same_as_jansson(const json_t *v)
{
	char *mine = spec_canonical(v);
	char *ref = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	ck_assert_ptr_nonnull(mine);
	ck_assert_ptr_nonnull(ref);
	ck_assert_str_eq(mine, ref);
	free(mine);
	free(ref);
}

START_TEST(test_scalars)
{
	static const json_int_t ints[] = { 0, 1, -1, 42, 1000000007LL,
					   -9223372036854775807LL - 1,
					   9223372036854775807LL };
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		v = json_integer(ints[i]);
		same_as_jansson(v);
		json_decref(v);
	}
	same_as_jansson(json_true());
	same_as_jansson(json_false());
	same_as_jansson(json_null());
	v = json_real(0.1);
	same_as_jansson(v); /* left to jansson */
	json_decref(v);
	v = json_pack("{s:[i,f,s]}", "a", 1, 2.5, "x");
	same_as_jansson(v);
	json_decref(v);
}
END_TEST

START_TEST(test_strings)
{
	char all[256];
	json_t *v;
	int c;

	/* every byte below 0x80, NUL included (jansson strings may hold it) */
	for (c = 0; c < 128; c++)
		all[c] = (char)c;
	v = json_stringn(all, 128);
	ck_assert_ptr_nonnull(v);
	same_as_jansson(v);
	json_decref(v);
	v = json_string("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \"q\" \\ / \x7f end");
	ck_assert_ptr_nonnull(v);
	same_as_jansson(v);
	json_decref(v);
	v = json_string("");
	same_as_jansson(v);
	json_decref(v);
	v = json_pack("{s:s,s:s}", "k\"\n\x01", "v\t", "\xc3\xa9", "x");
	same_as_jansson(v);
	json_decref(v);
}
END_TEST

START_TEST(test_objects_and_arrays)
{
	json_t *o = json_object(), *a = json_array(), *deep;
	char key[8];
	int i;

	same_as_jansson(o);
	same_as_jansson(a);
	/* keys that share prefixes, inserted out of order, more than the
	 * writer's stack array holds */
	for (i = 40; i >= 0; i--) {
		snprintf(key, sizeof(key), "%c%.*s", 'a' + i % 5, i % 4, "zzz");
		json_object_set_new(o, key, json_integer(i));
	}
	json_object_set_new(o, "", json_string("empty key"));
	json_object_set_new(o, "B", json_null());
	same_as_jansson(o);
	json_array_append_new(a, json_object());
	json_array_append_new(a, json_array());
	json_array_append(a, o);
	json_array_append_new(a, json_pack("{s:{s:[s,s]},s:b}", "y", "x", "p", "q", "a", 1));
	same_as_jansson(a);
	/* deeper than the writer goes: left to jansson */
	deep = json_string("leaf");
	for (i = 0; i < 100; i++)
		deep = json_pack("{s:o}", i % 2 ? "k" : "j", deep);
	same_as_jansson(deep);
	json_decref(deep);
	json_decref(o);
	json_decref(a);
}
END_TEST

/* Every spec the examples store, and the event texts, equal jansson's. */
static enum baton_code check_decl(const struct load_decl *d, void *data)
{
	(void)data;
	same_as_jansson(d->spec);
	return BATON_OK;
}

START_TEST(test_examples)
{
	struct baton_error err = BATON_ERROR_INIT;

	ck_assert_int_eq(load_path("examples", check_decl, NULL, &err), BATON_OK);
	ck_assert_int_eq((int)err.nerrors, 0);
	baton_error_release(&err);
}
END_TEST

Suite *suite_entity(void)
{
	Suite *s = suite_create("entity");
	TCase *tc = tcase_create("canonical");

	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_objects_and_arrays);
	tcase_add_test(tc, test_examples);
	suite_add_tcase(s, tc);
	return s;
}
