/* check_load.c - Check suite for core/load: every class of validation error
 * with its exact FILE:LINE:COLUMN and message, several errors in one run,
 * directory walking (sorted, hidden entries skipped), empty documents, and
 * an alias bomb refused within bounds.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/load.h"
#include "../core/strbuf.h"

Suite *suite_load(void);

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

/* What the callback saw: one entry per declared document. */
struct seen {
	json_t *docs; /* [{kind, name, file, line, column, invalid, spec, refs}] */
};

static enum baton_code collect(const struct load_decl *d, void *data)
{
	struct seen *s = data;
	json_t *refs = json_array(), *doc;
	size_t i;

	ck_assert_ptr_nonnull(refs);
	for (i = 0; i < d->nrefs; i++)
		json_array_append_new(refs, json_pack("{s:s,s:s,s:i,s:i,s:s}",
			"kind", kind_desc(d->refs[i].kind)->name, "name", d->refs[i].name,
			"line", d->refs[i].line, "column", d->refs[i].column,
			"field", d->refs[i].field));
	doc = json_pack("{s:s,s:s,s:s,s:i,s:i,s:b,s:O,s:o}",
			"kind", kind_desc(d->kind)->name, "name", d->name,
			"file", d->file, "line", d->line, "column", d->column,
			"invalid", d->invalid, "spec", d->spec, "refs", refs);
	ck_assert_ptr_nonnull(doc);
	json_array_append_new(s->docs, doc);
	return BATON_OK;
}

/* Load text as "t.yaml"; returns the loader's code. */
static enum baton_code load_text(const char *text, struct seen *s,
				 struct baton_error *err)
{
	s->docs = json_array();
	ck_assert_ptr_nonnull(s->docs);
	return load_buffer("t.yaml", text, strlen(text), collect, s, err);
}

/* The formatted diagnostic i ("t.yaml:3:5: error: ..."). */
static void assert_diag(const struct baton_error *err, size_t i, const char *want)
{
	char *got;

	ck_assert_uint_gt(err->n, i);
	got = baton_diag_format(&err->diags[i]);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

/* One document with a single error: exactly that diagnostic, and the
 * document still reaches the callback marked invalid (when it has a
 * kind and a name) or not at all. */
static void expect_one_error(const char *text, const char *want, int reaches)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;

	ck_assert_int_eq(load_text(text, &s, &err), BATON_OK);
	ck_assert_uint_eq(err.nerrors, 1);
	ck_assert_uint_eq(err.n, 1);
	ck_assert_int_eq(err.code, BATON_INVALID);
	assert_diag(&err, 0, want);
	ck_assert_uint_eq(json_array_size(s.docs), reaches ? 1 : 0);
	if (reaches)
		ck_assert(json_is_true(json_object_get(json_array_get(s.docs, 0), "invalid")));
	json_decref(s.docs);
	baton_error_release(&err);
}

#define HEAD(kind, name) \
	"apiVersion: baton/v1\nkind: " kind "\nmetadata:\n  name: " name "\nspec:\n"

/* ------------------------------------------------------------------------
 * load_buffer: happy path
 * ---------------------------------------------------------------------- */

/* A valid role yields its canonical spec (defaults filled in), the location
 * of `kind:` and every reference with its location. */
START_TEST(test_valid_role)
{
	static const char text[] =
		HEAD("Role", "ap-lead")
		"  title: AP Lead\n"
		"  team: finance\n"
		"  holders:\n"
		"    - {person: alice, since: 2024-01-01}\n"
		"  relationships:\n"
		"    - {with: 'party:\"Acme Ltd\"', priority: 2}\n"
		"    - {with: team:it}\n";
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;
	json_t *d, *want;

	ck_assert_int_eq(load_text(text, &s, &err), BATON_OK);
	ck_assert_uint_eq(err.n, 0);
	ck_assert_uint_eq(json_array_size(s.docs), 1);
	d = json_array_get(s.docs, 0);
	want = json_pack("{s:s,s:s,s:s,s:i,s:i,s:b}", "kind", "role", "name", "ap-lead",
			 "file", "t.yaml", "line", 2, "column", 7, "invalid", 0);
	ck_assert_ptr_nonnull(want);
	ck_assert_str_eq(json_string_value(json_object_get(d, "kind")), "role");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "line")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "column")), 7);
	json_decref(want);
	want = json_loads("{\"title\":\"AP Lead\",\"team\":\"finance\","
			  "\"holders\":[{\"person\":\"alice\",\"as\":\"primary\",\"since\":\"2024-01-01\"}],"
			  "\"relationships\":[{\"with\":\"party:\\\"Acme Ltd\\\"\",\"priority\":2},"
			  "{\"with\":\"team:it\"}]}", 0, NULL);
	ck_assert_ptr_nonnull(want);
	ck_assert(json_equal(json_object_get(d, "spec"), want));
	json_decref(want);
	want = json_loads("[{\"kind\":\"team\",\"name\":\"finance\",\"line\":7,\"column\":9,\"field\":\"team\"},"
			  "{\"kind\":\"person\",\"name\":\"alice\",\"line\":9,\"column\":16,\"field\":\"person\"},"
			  "{\"kind\":\"team\",\"name\":\"it\",\"line\":12,\"column\":14,\"field\":\"with\"}]",
			  0, NULL);
	ck_assert_ptr_nonnull(want);
	ck_assert(json_equal(json_object_get(d, "refs"), want));
	json_decref(want);
	json_decref(s.docs);
	baton_error_release(&err);
}
END_TEST

/* Empty documents (nothing, `---` alone, `~`) are skipped silently. */
START_TEST(test_empty_documents)
{
	static const char text[] =
		"---\n"
		"---\n~\n"
		"---\n" HEAD("Team", "a") "  displayName: A\n"
		"---\n"
		"# only a comment\n";
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;

	ck_assert_int_eq(load_text(text, &s, &err), BATON_OK);
	ck_assert_uint_eq(err.n, 0);
	ck_assert_uint_eq(json_array_size(s.docs), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(s.docs, 0), "name")), "a");
	json_decref(s.docs);
	ck_assert_int_eq(load_text("", &s, &err), BATON_OK);
	ck_assert_uint_eq(json_array_size(s.docs), 0);
	ck_assert_uint_eq(err.n, 0);
	json_decref(s.docs);
	baton_error_release(&err);
}
END_TEST

/* Strings that look like other YAML types stay strings when quoted, and a
 * plain `null` field counts as absent. */
START_TEST(test_scalars)
{
	static const char text[] =
		HEAD("Person", "p")
		"  displayName: \"123\"\n"
		"  email: 'yes'\n"
		"  team: ~\n";
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;
	json_t *spec;

	ck_assert_int_eq(load_text(text, &s, &err), BATON_OK);
	ck_assert_uint_eq(err.n, 0);
	spec = json_object_get(json_array_get(s.docs, 0), "spec");
	ck_assert_str_eq(json_string_value(json_object_get(spec, "displayName")), "123");
	ck_assert_str_eq(json_string_value(json_object_get(spec, "email")), "yes");
	ck_assert_ptr_null(json_object_get(spec, "team"));
	ck_assert_str_eq(json_string_value(json_object_get(spec, "status")), "active");
	json_decref(s.docs);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * load_buffer: one error of each class, exactly located
 * ---------------------------------------------------------------------- */

/* YAML syntax: the parser's problem and its mark. */
START_TEST(test_err_syntax)
{
	expect_one_error("key: [unclosed\n",
		"t.yaml:2:1: error: YAML syntax: did not find expected ',' or ']' while parsing a flow sequence",
		0);
}
END_TEST

/* Unknown kind, with and without a close candidate. */
START_TEST(test_err_unknown_kind)
{
	expect_one_error(HEAD("Rol", "x") "  title: X\n",
		"t.yaml:2:7: error: unknown kind 'Rol'; did you mean 'Role'?", 0);
	expect_one_error(HEAD("Widget", "x") "  title: X\n",
		"t.yaml:2:7: error: unknown kind 'Widget' (expected Person, Team, Role, Process or Rule)", 0);
}
END_TEST

/* Unknown field in spec (with "did you mean"), in a nested object, and in
 * the envelope. */
START_TEST(test_err_unknown_field)
{
	expect_one_error(HEAD("Team", "t") "  descripton: typo\n",
		"t.yaml:6:3: error: unknown field 'descripton' in 'spec'; did you mean 'description'?", 1);
	expect_one_error(HEAD("Role", "r") "  title: R\n  holders:\n    - {person: a, sinse: 2024-01-01}\n",
		"t.yaml:8:19: error: unknown field 'sinse' in 'holders'; did you mean 'since'?", 1);
	expect_one_error(HEAD("Team", "t") "  zzzzzzzz: 1\n",
		"t.yaml:6:3: error: unknown field 'zzzzzzzz' in 'spec'", 1);
	expect_one_error("apiVersion: baton/v1\nkind: Team\nmetadata: {name: t}\nspce: {}\nspec: {}\n",
		"t.yaml:4:1: error: unknown field 'spce'; did you mean 'spec'?", 1);
}
END_TEST

/* Wrong node type for a field. */
START_TEST(test_err_wrong_type)
{
	expect_one_error(HEAD("Team", "t") "  displayName: [a, b]\n",
		"t.yaml:6:16: error: 'displayName' must be a string, not a list", 1);
	expect_one_error(HEAD("Role", "r") "  title: R\n  holders: {person: a}\n",
		"t.yaml:7:12: error: 'holders' must be a list, not a mapping", 1);
	expect_one_error(HEAD("Rule", "r") "  handler: role:x\n  priority: \"5\"\n",
		"t.yaml:7:13: error: 'priority' must be an integer, not a quoted string", 1);
	expect_one_error(HEAD("Rule", "r") "  handler: role:x\n  priority: five\n",
		"t.yaml:7:13: error: 'priority' must be an integer, got 'five'", 1);
}
END_TEST

/* A date that does not exist (2024-02-30) and a malformed one. */
START_TEST(test_err_bad_date)
{
	expect_one_error(HEAD("Person", "p") "  leavingOn: 2024-02-30\n",
		"t.yaml:6:14: error: 'leavingOn' must be a date (YYYY-MM-DD), got '2024-02-30'", 1);
	expect_one_error(HEAD("Person", "p") "  leavingOn: 2024-2-3\n",
		"t.yaml:6:14: error: 'leavingOn' must be a date (YYYY-MM-DD), got '2024-2-3'", 1);
}
END_TEST

/* A journal timestamp without the Z / with an impossible hour. */
START_TEST(test_err_bad_timestamp)
{
	expect_one_error(HEAD("Role", "r") "  title: R\n  journal:\n    - {at: 2024-01-01T10:00:00, text: hi}\n",
		"t.yaml:8:12: error: 'at' must be a timestamp (YYYY-MM-DDTHH:MM:SSZ), got '2024-01-01T10:00:00'", 1);
	expect_one_error(HEAD("Role", "r") "  title: R\n  journal:\n    - {at: 2024-01-01T25:00:00Z, text: hi}\n",
		"t.yaml:8:12: error: 'at' must be a timestamp (YYYY-MM-DDTHH:MM:SSZ), got '2024-01-01T25:00:00Z'", 1);
}
END_TEST

/* Bad names: of the entity (not delivered) and of a reference. */
START_TEST(test_err_bad_name)
{
	expect_one_error(HEAD("Person", "-bad-") "  displayName: B\n",
		"t.yaml:4:9: error: '-bad-' is not a valid name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
		0);
	expect_one_error(HEAD("Person", "p") "  team: 'a b'\n",
		"t.yaml:6:9: error: 'a b' is not a valid name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
		1);
	expect_one_error("apiVersion: baton/v1\nkind: Team\nmetadata: {}\nspec: {}\n",
		"t.yaml:3:11: error: missing 'metadata.name'", 0);
}
END_TEST

/* A value outside an enum lists the allowed values. */
START_TEST(test_err_bad_enum)
{
	expect_one_error(HEAD("Person", "p") "  status: gone\n",
		"t.yaml:6:11: error: 'status' must be one of active, leaving, left, got 'gone'", 1);
}
END_TEST

/* Integers outside their range. */
START_TEST(test_err_int_range)
{
	expect_one_error(HEAD("Role", "r") "  title: R\n  relationships:\n    - {with: team:x, priority: 4}\n",
		"t.yaml:8:32: error: 'priority' must be between 1 and 3, got 4", 1);
	expect_one_error(HEAD("Rule", "r") "  handler: role:x\n  priority: 1000001\n",
		"t.yaml:7:13: error: 'priority' must be between -1000000 and 1000000, got 1000001", 1);
}
END_TEST

/* Missing required fields, at the top and in a list item. */
START_TEST(test_err_missing_required)
{
	expect_one_error(HEAD("Role", "r") "  team: t\n",
		"t.yaml:6:3: error: missing required field 'title' in 'spec'", 1);
	expect_one_error(HEAD("Person", "p") "  absences:\n    - {from: 2024-01-01}\n",
		"t.yaml:7:7: error: missing required field 'to' in 'absences'", 1);
	expect_one_error("apiVersion: baton/v1\nkind: Team\nmetadata: {name: t}\n",
		"t.yaml:1:1: error: missing 'spec'", 0);
	expect_one_error("kind: Team\nmetadata: {name: t}\nspec: {}\n",
		"t.yaml:1:1: error: missing 'apiVersion: baton/v1'", 0);
}
END_TEST

/* The same field twice in one mapping. */
START_TEST(test_err_duplicate_field)
{
	expect_one_error(HEAD("Team", "t") "  displayName: A\n  displayName: B\n",
		"t.yaml:7:3: error: duplicate field 'displayName' in 'spec'", 1);
}
END_TEST

/* A rule's handler must be role:NAME or person:NAME. */
START_TEST(test_err_bad_handler)
{
	expect_one_error(HEAD("Rule", "r") "  handler: team:finance\n",
		"t.yaml:6:12: error: 'handler' must be 'role:NAME' or 'person:NAME', got 'team:finance'", 1);
	expect_one_error(HEAD("Rule", "r") "  handler: ap-lead\n",
		"t.yaml:6:12: error: 'handler' must be 'role:NAME' or 'person:NAME', got 'ap-lead'", 1);
}
END_TEST

/* A relationship's `with` must be role:, team: or a non-empty party. */
START_TEST(test_err_bad_with)
{
	expect_one_error(HEAD("Role", "r") "  title: R\n  relationships:\n    - with: person:alice\n",
		"t.yaml:8:13: error: 'with' must be 'role:NAME', 'team:NAME' or 'party:\"Name\"', got 'person:alice'", 1);
	expect_one_error(HEAD("Role", "r") "  title: R\n  relationships:\n    - with: 'party:\"\"'\n",
		"t.yaml:8:13: error: 'with' must be 'role:NAME', 'team:NAME' or 'party:\"Name\"', got 'party:\"\"'", 1);
}
END_TEST

/* Two responsibilities with the same id in one role. */
START_TEST(test_err_duplicate_responsibility)
{
	expect_one_error(HEAD("Role", "r") "  title: R\n  responsibilities:\n"
			 "    - id: pay\n      summary: one\n    - id: pay\n      summary: two\n",
		"t.yaml:10:7: error: duplicate id 'pay' in 'responsibilities'", 1);
}
END_TEST

/* An absence (and a holding) that ends before it starts. */
START_TEST(test_err_absence_order)
{
	expect_one_error(HEAD("Person", "p") "  absences:\n    - {from: 2024-05-10, to: 2024-05-01}\n",
		"t.yaml:6:3: error: absence 1 ends (2024-05-01) before it starts (2024-05-10)", 1);
	expect_one_error(HEAD("Role", "r") "  title: R\n  holders:\n    - {person: a, since: 2024-05-10, until: 2024-05-01}\n",
		"t.yaml:6:3: error: holder 1 ('a') ends (2024-05-01) before it starts (2024-05-10)", 1);
}
END_TEST

/* Every error of a run is reported, in order, and loading goes on past a
 * bad document to the good ones after it. */
START_TEST(test_err_several)
{
	static const char text[] =
		HEAD("Team", "a") "  descripton: x\n"          /* 1-6 */
		"---\n" HEAD("Person", "p") "  status: gone\n  leavingOn: 2024-13-01\n" /* 7-14 */
		"---\n" HEAD("Team", "b") "  displayName: B\n";   /* 15-21 */
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;

	ck_assert_int_eq(load_text(text, &s, &err), BATON_OK);
	ck_assert_uint_eq(err.nerrors, 3);
	assert_diag(&err, 0, "t.yaml:6:3: error: unknown field 'descripton' in 'spec'; did you mean 'description'?");
	assert_diag(&err, 1, "t.yaml:13:11: error: 'status' must be one of active, leaving, left, got 'gone'");
	assert_diag(&err, 2, "t.yaml:14:14: error: 'leavingOn' must be a date (YYYY-MM-DD), got '2024-13-01'");
	ck_assert_uint_eq(json_array_size(s.docs), 3);
	ck_assert(json_is_true(json_object_get(json_array_get(s.docs, 0), "invalid")));
	ck_assert(json_is_true(json_object_get(json_array_get(s.docs, 1), "invalid")));
	ck_assert(json_is_false(json_object_get(json_array_get(s.docs, 2), "invalid")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(s.docs, 2), "line")), 17);
	json_decref(s.docs);
	baton_error_release(&err);
}
END_TEST

/* "Billion laughs": nested aliases that would expand to 10^9 nodes are
 * refused as too large, quickly and without expanding them. */
START_TEST(test_alias_bomb)
{
	static const char text[] =
		"apiVersion: baton/v1\nkind: Process\nmetadata: {name: lol}\nspec:\n"
		"  title: lol\n"
		"  steps: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
		"  systems: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"  knownBy: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"  body: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"  audit:\n"
		"    ignore: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"    x: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"    y: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"    z: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"    w: [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;
	size_t i;
	int too_large = 0;

	ck_assert_int_eq(load_text(text, &s, &err), BATON_OK);
	ck_assert_int_eq(err.code, BATON_INVALID);
	for (i = 0; i < err.n; i++)
		if (!strcmp(err.diags[i].message, "document is too large (more than 1000000 nodes, aliases included)") ||
		    strstr(err.diags[i].message, "must be a string, not a list"))
			too_large = 1;
	ck_assert_int_eq(too_large, 1);
	/* the errors are bounded, not one per expanded node */
	ck_assert_uint_lt(err.n, 100);
	json_decref(s.docs);
	baton_error_release(&err);
}
END_TEST

/* The deepest expansion the schema allows (responsibilities, each naming
 * a long aliased list of processes) is quadratic in the text; past the node
 * bound the document is refused as too large, located at its start, and
 * still reaches the callback only as invalid. */
static enum baton_code count_decl(const struct load_decl *d, void *data)
{
	int *n = data;

	ck_assert_int_eq(d->invalid, 1);
	n[0]++;
	return BATON_OK;
}

START_TEST(test_alias_bomb_deep)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	int i, calls = 0;

	strbuf_addstr(&sb, HEAD("Role", "r") "  title: R\n  description: &p [");
	for (i = 0; i < 1100; i++)
		strbuf_addstr(&sb, i ? ", p" : "p");
	strbuf_addstr(&sb, "]\n  responsibilities:\n");
	for (i = 0; i < 1100; i++)
		strbuf_addf(&sb, "    - {id: r%d, processes: *p}\n", i);
	ck_assert(strbuf_ok(&sb));
	ck_assert_int_eq(load_buffer("t.yaml", sb.buf, sb.len, count_decl, &calls, &err), BATON_OK);
	ck_assert_int_eq(err.code, BATON_INVALID);
	ck_assert_uint_eq(err.n, 2);
	assert_diag(&err, 0, "t.yaml:7:16: error: 'description' must be a string, not a list");
	assert_diag(&err, 1, "t.yaml:1:1: error: document is too large (more than 1000000 nodes, aliases included)");
	ck_assert_int_eq(calls, 1);
	strbuf_release(&sb);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * load_path
 * ---------------------------------------------------------------------- */

static char tmpdir[64];

static void tmp_setup(void)
{
	strcpy(tmpdir, "/tmp/check_load.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	ck_assert_int_eq(mkdir(path, 0777), 0);
}

/* A directory is read recursively, files in sorted path order, only
 * .yaml and .yml files, hidden files and directories skipped. */
START_TEST(test_path_directory)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;
	char want[256];
	const char *order[] = { "a", "b", "c", "d" };
	size_t i;

	dir("sub");
	dir(".hidden");
	dir("z");
	put("z/d.yml", HEAD("Team", "d") "  displayName: D\n");
	put("sub/c.yaml", HEAD("Team", "c") "  displayName: C\n");
	put("b.yaml", HEAD("Team", "b") "  displayName: B\n");
	put("a.yaml", HEAD("Team", "a") "  displayName: A\n");
	put(".hidden/h.yaml", HEAD("Team", "h") "  displayName: H\n");
	put(".dot.yaml", HEAD("Team", "dot") "  displayName: Dot\n");
	put("notes.txt", "not yaml at all: [\n");
	s.docs = json_array();
	ck_assert_int_eq(load_path(tmpdir, collect, &s, &err), BATON_OK);
	ck_assert_uint_eq(err.n, 0);
	ck_assert_uint_eq(json_array_size(s.docs), 4);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(s.docs, i), "name")),
				 order[i]);
	snprintf(want, sizeof(want), "%s/sub/c.yaml", tmpdir);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(s.docs, 2), "file")), want);
	json_decref(s.docs);
	baton_error_release(&err);
}
END_TEST

/* A missing path is BATON_IO naming it; errors in a file carry its path. */
START_TEST(test_path_missing)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct seen s;
	char path[256], want[512];

	snprintf(path, sizeof(path), "%s/nope.yaml", tmpdir);
	s.docs = json_array();
	ck_assert_int_eq(load_path(path, collect, &s, &err), BATON_IO);
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", path);
	ck_assert_str_eq(err.diags[0].message, want);
	baton_error_release(&err);

	put("bad.yaml", HEAD("Team", "t") "  typo: 1\n");
	snprintf(path, sizeof(path), "%s/bad.yaml", tmpdir);
	ck_assert_int_eq(load_path(path, collect, &s, &err), BATON_OK);
	ck_assert_str_eq(err.diags[0].file, path);
	ck_assert_int_eq(err.diags[0].line, 6);
	ck_assert_int_eq(err.diags[0].column, 3);
	json_decref(s.docs);
	baton_error_release(&err);
}
END_TEST

/* A callback's fatal code stops the load and is returned. */
static enum baton_code stop(const struct load_decl *d, void *data)
{
	(*(int *)data)++;
	return BATON_DB;
}

START_TEST(test_callback_stops)
{
	static const char text[] =
		HEAD("Team", "a") "  displayName: A\n---\n" HEAD("Team", "b") "  displayName: B\n";
	struct baton_error err = BATON_ERROR_INIT;
	int calls = 0;

	ck_assert_int_eq(load_buffer("t.yaml", text, strlen(text), stop, &calls, &err), BATON_DB);
	ck_assert_int_eq(calls, 1);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ---------------------------------------------------------------------- */

Suite *suite_load(void)
{
	Suite *s = suite_create("load");
	TCase *tc;

	tc = tcase_create("load_buffer");
	tcase_add_test(tc, test_valid_role);
	tcase_add_test(tc, test_empty_documents);
	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_unknown_kind);
	tcase_add_test(tc, test_err_unknown_field);
	tcase_add_test(tc, test_err_wrong_type);
	tcase_add_test(tc, test_err_bad_date);
	tcase_add_test(tc, test_err_bad_timestamp);
	tcase_add_test(tc, test_err_bad_name);
	tcase_add_test(tc, test_err_bad_enum);
	tcase_add_test(tc, test_err_int_range);
	tcase_add_test(tc, test_err_missing_required);
	tcase_add_test(tc, test_err_duplicate_field);
	tcase_add_test(tc, test_err_bad_handler);
	tcase_add_test(tc, test_err_bad_with);
	tcase_add_test(tc, test_err_duplicate_responsibility);
	tcase_add_test(tc, test_err_absence_order);
	tcase_add_test(tc, test_err_several);
	tcase_add_test(tc, test_callback_stops);
	suite_add_tcase(s, tc);

	tc = tcase_create("load_alias_bomb");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_alias_bomb);
	tcase_add_test(tc, test_alias_bomb_deep);
	suite_add_tcase(s, tc);

	tc = tcase_create("load_path");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_path_directory);
	tcase_add_test(tc, test_path_missing);
	suite_add_tcase(s, tc);
	return s;
}
