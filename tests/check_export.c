/* check_export.c - Check suite for core/export: byte-identical round trips
 * (examples/ and a fixture with every field), strings that look like other
 * YAML types staying strings, Markdown and unicode surviving.
 *
 * Tests run from the top of the source tree (make check does).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entity.h"
#include "../core/export.h"
#include "../core/import.h"
#include "../core/strbuf.h"

Suite *suite_export(void);

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static const struct import_opts plain = { .prune = 0 };
static const char every_field[] = "tests/fixtures/foundation/every-field.yaml";

static struct store *mem_store(void)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	baton_error_release(&err);
	return st;
}

static void import_path_ok(struct store *st, const char *path)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;

	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, &path, 1, &plain, &res, &err), BATON_OK);
	ck_assert_uint_eq(err.nerrors, 0);
	import_result_release(&res);
	baton_error_release(&err);
}

static void import_buf_ok(struct store *st, const struct strbuf *sb)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	enum baton_code rc;

	import_result_init(&res);
	rc = import_buffer(st, "export", sb->buf, sb->len, &plain, &res, &err);
	if (rc && err.n) {
		char *d = baton_diag_format(&err.diags[0]);

		ck_abort_msg("re-import failed: %s", d);
		free(d);
	}
	ck_assert_int_eq(rc, BATON_OK);
	import_result_release(&res);
	baton_error_release(&err);
}

/* Every kind, in export order, into sb. */
static void export_all(struct store *st, struct strbuf *sb)
{
	struct baton_error err = BATON_ERROR_INIT;
	size_t i;

	for (i = 0; export_order[i] != KIND_NONE; i++)
		ck_assert_int_eq(export_kind(st, export_order[i], sb, &err), BATON_OK);
	ck_assert(strbuf_ok(sb));
	baton_error_release(&err);
}

/* Every entity spec of a store as one JSON object "kind/name" -> spec. */
static json_t *all_specs(struct store *st)
{
	sqlite3_stmt *s = NULL;
	json_t *o = json_object();

	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
		"SELECT kind || '/' || name, spec FROM entity", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_object_set_new(o, (const char *)sqlite3_column_text(s, 0),
				    json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL));
	sqlite3_finalize(s);
	return o;
}

/* files -> store A -> YAML 1 -> fresh store B -> YAML 2: the two YAML texts
 * are byte-identical and A and B hold equal specs. Returns YAML 1. */
static char *round_trip(const char *path)
{
	struct store *a = mem_store(), *b = mem_store();
	struct strbuf y1 = STRBUF_INIT, y2 = STRBUF_INIT;
	json_t *sa, *sb;

	import_path_ok(a, path);
	export_all(a, &y1);
	import_buf_ok(b, &y1);
	export_all(b, &y2);
	ck_assert_uint_eq(y1.len, y2.len);
	ck_assert_str_eq(y1.buf, y2.buf);
	sa = all_specs(a);
	sb = all_specs(b);
	ck_assert_uint_gt(json_object_size(sa), 0);
	ck_assert(json_equal(sa, sb));
	json_decref(sa);
	json_decref(sb);
	strbuf_release(&y2);
	store_free(a);
	store_free(b);
	return strbuf_detach(&y1);
}

/* ------------------------------------------------------------------------
 * export_kind
 * ---------------------------------------------------------------------- */

/* examples/ survives import -> export -> import -> export byte for byte,
 * with one document per entity and kinds in export order. */
START_TEST(test_round_trip_examples)
{
	char *y = round_trip("examples");
	const char *p;
	size_t docs = 0;

	for (p = y; (p = strstr(p, "---\n")); p += 4)
		if (p == y || p[-1] == '\n')
			docs++;
	ck_assert_uint_eq(docs, 136);
	ck_assert_ptr_nonnull(strstr(y, "kind: Team"));
	ck_assert(strstr(y, "kind: Team") < strstr(y, "kind: Person"));
	ck_assert(strstr(y, "kind: Person") < strstr(y, "kind: Role"));
	ck_assert(strstr(y, "kind: Role") < strstr(y, "kind: Process"));
	ck_assert(strstr(y, "kind: Process") < strstr(y, "kind: Rule"));
	free(y);
}
END_TEST

/* The every-field fixture round-trips byte for byte, every field and every
 * value kept (specs equal to what the files declared). */
START_TEST(test_round_trip_every_field)
{
	char *y = round_trip(every_field);

	ck_assert_ptr_nonnull(y);
	free(y);
}
END_TEST

/* Strings that a YAML reader would take for numbers, booleans, dates or
 * null are written quoted, so any YAML tool reads them back as strings. */
START_TEST(test_typed_looking_strings_quoted)
{
	static const char *const want[] = {
		"displayName: \"2024-01-01\"\n",
		"description: \"yes\"\n",
		"type: \"null\"\n",
		"displayName: \"123\"\n",
		"type: \"~\"\n",
		"email: \"true\"\n",
		"displayName: \"1e5\"\n",
		"title: \"0.5\"\n",
		"title: \"false\"\n",
		"description: \"~\"\n",
		"- \"1\"\n",
		"- \"yes\"\n",
		"name: \"2024\"\n",
		"reason: \"no\"",
		NULL
	};
	char *y = round_trip(every_field);
	size_t i;

	for (i = 0; want[i]; i++)
		ck_assert_msg(strstr(y, want[i]) != NULL, "export lacks %s", want[i]);
	/* names, dates, enums and integers stay plain */
	ck_assert_ptr_nonnull(strstr(y, "  leavingOn: 2026-12-31\n"));
	ck_assert_ptr_nonnull(strstr(y, "  priority: -5\n"));
	ck_assert_ptr_nonnull(strstr(y, "  status: leaving\n"));
	free(y);
}
END_TEST

/* Markdown with blank lines, indentation and no trailing newline, and
 * unicode, come back exactly; past holders are kept with their dates. */
START_TEST(test_markdown_unicode_past_holders)
{
	struct store *a = mem_store(), *b = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf y = STRBUF_INIT;
	json_t *clerk = NULL, *team = NULL, *h;

	import_path_ok(a, every_field);
	export_all(a, &y);
	import_buf_ok(b, &y);
	ck_assert_int_eq(entity_get(b, KIND_ROLE, "clerk", &clerk, &err), BATON_OK);
	ck_assert_str_eq(json_string_value(json_object_get(clerk, "notes")),
		"# Handover notes\n\n- **bold** item\n- `code`: with a colon\n\n"
		"    indented code block\nTrailing line\n");
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(clerk, "journal"), 1), "text")),
		"no trailing newline\n  and an indented line");
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(clerk, "relationships"), 0), "with")),
		"party:\"Acme & Sons, Ltd.\"");
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(clerk, "relationships"), 0), "purpose")),
		"Two lines\nof purpose\n");
	h = json_array_get(json_object_get(clerk, "holders"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(h, "person")), "old-timer");
	ck_assert_str_eq(json_string_value(json_object_get(h, "since")), "2019-01-01");
	ck_assert_str_eq(json_string_value(json_object_get(h, "until")), "2024-06-30");
	ck_assert_uint_eq(json_array_size(json_object_get(clerk, "holders")), 3);
	ck_assert_int_eq(entity_get(b, KIND_TEAM, "sub.team_1", &team, &err), BATON_OK);
	ck_assert_str_eq(json_string_value(json_object_get(team, "description")),
			 "Zo\xc3\xab's team \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\x89");
	/* unicode is written as UTF-8, not escaped */
	ck_assert_ptr_nonnull(strstr(y.buf, "Zo\xc3\xab \xc3\x9cnal"));
	json_decref(clerk);
	json_decref(team);
	strbuf_release(&y);
	store_free(a);
	store_free(b);
	baton_error_release(&err);
}
END_TEST

/* Strings set inside baton (not from YAML) with every awkward shape are
 * exported so that they import back unchanged. */
START_TEST(test_awkward_strings)
{
	static const char *const values[] = {
		"123", "-1", "+1", "0x1F", "0o17", "1_000", "1.5e-3", ".inf", "-.Inf", ".NaN",
		"yes", "No", "ON", "off", "y", "N", "true", "False", "null", "Null", "~", "",
		"2024-01-01", "2024-01-01T10:00:00Z", "12:30", "1:2:3",
		"a: b", "#hash", "- dash", "-", "?", "? q", ": c", "[x]", "{y}", "*star",
		"&anchor", "!tag", "%directive", "@at", "`tick", "'single", "\"double",
		"trailing space ", " leading space", "tab\there", "line\n", "\nleading newline",
		"a\n\n\nb", "  indented\nfirst", "crlf\r\nline", "back\\slash", "---", "...",
		"--- x", "caf\xc3\xa9", "\xf0\x9f\x8e\x89", "a # b", "a #b", "key:", "x,y",
		NULL
	};
	struct store *a = mem_store(), *b = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf y = STRBUF_INIT;
	size_t i;

	ck_assert_int_eq(store_begin(a, &err), BATON_OK);
	for (i = 0; values[i]; i++) {
		char name[16];
		json_t *spec = json_pack("{s:s,s:s,s:s,s:[s]}", "title", values[i],
					 "description", values[i], "handler", "person:p",
					 "keywords", values[i]);

		snprintf(name, sizeof(name), "r%zu", i);
		ck_assert_int_eq(entity_put(a, KIND_RULE, name, spec, NULL, NULL, &err), BATON_OK);
		json_decref(spec);
	}
	{
		json_t *p = json_pack("{s:s}", "status", "active");

		ck_assert_int_eq(entity_put(a, KIND_PERSON, "p", p, NULL, NULL, &err), BATON_OK);
		json_decref(p);
	}
	ck_assert_int_eq(store_commit(a, &err), BATON_OK);
	export_all(a, &y);
	import_buf_ok(b, &y);
	for (i = 0; values[i]; i++) {
		char name[16];
		json_t *spec = NULL;

		snprintf(name, sizeof(name), "r%zu", i);
		ck_assert_int_eq(entity_get(b, KIND_RULE, name, &spec, &err), BATON_OK);
		ck_assert_msg(!strcmp(json_string_value(json_object_get(spec, "title")), values[i]),
			      "title '%s' came back as '%s'", values[i],
			      json_string_value(json_object_get(spec, "title")));
		ck_assert_str_eq(json_string_value(json_array_get(json_object_get(spec, "keywords"), 0)),
				 values[i]);
		json_decref(spec);
	}
	strbuf_release(&y);
	store_free(a);
	store_free(b);
	baton_error_release(&err);
}
END_TEST

/* An empty kind exports nothing. */
START_TEST(test_empty_kind)
{
	struct store *st = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;

	ck_assert_int_eq(export_kind(st, KIND_RULE, &sb, &err), BATON_OK);
	ck_assert_uint_eq(sb.len, 0);
	strbuf_release(&sb);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * export_entity
 * ---------------------------------------------------------------------- */

/* One entity is one document, exactly; an unknown one is NOTFOUND. */
START_TEST(test_export_entity)
{
	struct store *st = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;

	import_path_ok(st, every_field);
	ck_assert_int_eq(export_entity(st, KIND_PROCESS, "2024", &sb, &err), BATON_OK);
	ck_assert_str_eq(sb.buf,
		"---\napiVersion: baton/v1\nkind: Process\nmetadata:\n  name: \"2024\"\n"
		"spec:\n  title: \"2024\"\n  reviewEvery: 180d\n");
	strbuf_reset(&sb);
	ck_assert_int_eq(export_entity(st, KIND_RULE, "by-person", &sb, &err), BATON_OK);
	ck_assert_str_eq(sb.buf,
		"---\napiVersion: baton/v1\nkind: Rule\nmetadata:\n  name: by-person\n"
		"spec:\n  handler: person:zoe\n  priority: 0\n");
	strbuf_reset(&sb);
	ck_assert_int_eq(export_entity(st, KIND_ROLE, "nope", &sb, &err), BATON_NOTFOUND);
	ck_assert_str_eq(err.diags[0].message, "no such role 'nope'");
	ck_assert_uint_eq(sb.len, 0);
	strbuf_release(&sb);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ---------------------------------------------------------------------- */

Suite *suite_export(void)
{
	Suite *s = suite_create("export");
	TCase *tc;

	tc = tcase_create("export_kind");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip_examples);
	tcase_add_test(tc, test_round_trip_every_field);
	tcase_add_test(tc, test_typed_looking_strings_quoted);
	tcase_add_test(tc, test_markdown_unicode_past_holders);
	tcase_add_test(tc, test_awkward_strings);
	tcase_add_test(tc, test_empty_kind);
	suite_add_tcase(s, tc);

	tc = tcase_create("export_entity");
	tcase_add_test(tc, test_export_entity);
	suite_add_tcase(s, tc);
	return s;
}
