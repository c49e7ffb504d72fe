/* check_import_pipe.c - Check suite for the two-thread import of files
 * (core/import.c, "Parsing on a second thread"): a second thread parses
 * while the calling one writes, and the outcome must be exactly that of
 * the same import on one thread (import_opts.one_thread): the same return
 * code, diagnostics in the same order, result and plan, and the same
 * database. The organisation is large enough for the queue between the
 * threads to fill (the parser then waits), and a write that fails in the
 * middle must stop the parser, write nothing and leak nothing (ASan).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/import.h"
#include "../core/strbuf.h"

Suite *suite_import_pipe(void);

enum { FILES = 6, PEOPLE_PER_FILE = 400 };
/* the entities of the clean organisation: a team, people, every third
 * person's role */
#define ENTITIES (1 + FILES * PEOPLE_PER_FILE + FILES * ((PEOPLE_PER_FILE + 2) / 3))

static char csv[96];

static char dir[64];

static void put(const char *name, const struct strbuf *sb)
{
	char path[160];
	FILE *f;

	ck_assert(strbuf_ok(sb));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(sb->buf, 1, sb->len, f), sb->len);
	ck_assert_int_eq(fclose(f), 0);
}

/* A team, FILES files of people, roles naming them; with `faulty`, errors
 * of every kind the loader and the importer report, spread over files:
 * invalid fields, a duplicate across files, unknown references, a YAML
 * syntax error, a CSV file that is empty. */
static void make_org(int faulty)
{
	struct strbuf sb = STRBUF_INIT;
	int f, i;

	strcpy(dir, "/tmp/baton-pipe-XXXXXX");
	csv[0] = 0;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	strbuf_addstr(&sb, "---\napiVersion: baton/v1\nkind: Team\nmetadata:\n"
		      "  name: ops\nspec:\n  displayName: Ops\n");
	put("a-teams.yaml", &sb);
	for (f = 0; f < FILES; f++) {
		char name[32];

		sb.len = 0;
		for (i = 0; i < PEOPLE_PER_FILE; i++) {
			int n = f * PEOPLE_PER_FILE + i;

			strbuf_addf(&sb, "---\napiVersion: baton/v1\nkind: Person\n"
				    "metadata:\n  name: p%d\nspec:\n"
				    "  displayName: Person %d\n  team: %s\n", n, n,
				    faulty && n % 97 == 5 ? "nowhere" : "ops");
			if (faulty && n % 131 == 7)
				strbuf_addstr(&sb, "  shoeSize: 42\n");
			if (faulty && n % 389 == 11)
				strbuf_addf(&sb, "---\napiVersion: baton/v1\nkind: Person\n"
					    "metadata:\n  name: p%d\nspec:\n"
					    "  displayName: Again\n", n / 2);
			if (i % 3 == 0)
				strbuf_addf(&sb, "---\napiVersion: baton/v1\nkind: Role\n"
					    "metadata:\n  name: r%d\nspec:\n  title: R%d\n"
					    "  team: ops\n  holders:\n    - person: p%d\n"
					    "    - person: %s\n", n, n, n,
					    faulty && n % 101 == 0 ? "ghost" : "p0");
		}
		snprintf(name, sizeof(name), "people-%d.yaml", f);
		put(name, &sb);
	}
	if (faulty) {
		sb.len = 0;
		strbuf_addstr(&sb, "---\napiVersion: baton/v1\nkind: Person\n"
			      "metadata:\n  name: broken\nspec:\n  displayName: [unclosed\n");
		put("people-9-broken.yaml", &sb);
		sb.len = 0;
		put("z-empty.csv", &sb);
		/* a directory's walk reads only YAML: the CSV is named on its own */
		snprintf(csv, sizeof(csv), "%s/z-empty.csv", dir);
	}
	strbuf_release(&sb);
}

static void remove_org(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct store *mem_store(void)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	store_set_actor(st, "tester");
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	baton_error_release(&err);
	return st;
}

/* Everything an import decides, as text: code, counts, plan, every
 * diagnostic formatted, then the entities and derived rows written. */
static char *outcome(struct store *st, int one_thread)
{
	static const char *const queries[] = {
		"SELECT kind || '/' || name || ' ' || spec FROM entity ORDER BY kind, name",
		"SELECT role || ' ' || person || ' ' || kind || ' ' || ord FROM holder ORDER BY 1",
		"SELECT name || ' ' || coalesce(team, '') FROM person ORDER BY name",
		"SELECT count(*) FROM event",
		"SELECT count(*) FROM search_doc",
	};
	struct import_opts opts = { .one_thread = one_thread };
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct strbuf sb = STRBUF_INIT;
	const char *paths[] = { dir, csv };
	enum baton_code rc;
	size_t i;

	import_result_init(&res);
	rc = import_paths(st, paths, csv[0] ? 2 : 1, &opts, &res, &err);
	strbuf_addf(&sb, "rc %d code %d nerrors %zu n %zu oom %d\n", (int)rc,
		    (int)err.code, err.nerrors, err.n, err.oom);
	strbuf_addf(&sb, "created %zu updated %zu deleted %zu unchanged %zu\n%s",
		    res.created, res.updated, res.deleted, res.unchanged,
		    res.plan.buf ? res.plan.buf : "");
	for (i = 0; i < err.n; i++) {
		char *d = baton_diag_format(&err.diags[i]);

		ck_assert_ptr_nonnull(d);
		strbuf_addf(&sb, "%s\n", d);
		free(d);
	}
	for (i = 0; i < sizeof(queries) / sizeof(*queries); i++) {
		sqlite3_stmt *s = NULL;

		ck_assert_int_eq(sqlite3_prepare_v2(st->db, queries[i], -1, &s, NULL), SQLITE_OK);
		while (sqlite3_step(s) == SQLITE_ROW)
			strbuf_addf(&sb, "%s\n", sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	import_result_release(&res);
	baton_error_release(&err);
	ck_assert(strbuf_ok(&sb));
	return strbuf_detach(&sb);
}

static long long count(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* A clean organisation: both ways give the same database, plan and
 * counts; a second import (every entity unchanged) too. */
START_TEST(test_same_outcome_clean)
{
	struct store *a = mem_store(), *b = mem_store();
	char *x, *y;

	make_org(0);
	x = outcome(a, 0);
	y = outcome(b, 1);
	ck_assert_str_eq(x, y);
	ck_assert_ptr_nonnull(strstr(x, "rc 0 code 0 nerrors 0 n 0"));
	ck_assert_int_eq(count(a, "SELECT count(*) FROM entity"),
			 ENTITIES);
	free(x);
	free(y);
	x = outcome(a, 0);
	y = outcome(b, 1);
	ck_assert_str_eq(x, y);
	ck_assert_ptr_nonnull(strstr(x, "created 0 updated 0 deleted 0 unchanged"));
	free(x);
	free(y);
	store_free(a);
	store_free(b);
	remove_org();
}
END_TEST

/* An organisation with errors in many files: the same diagnostics in the
 * same order, the same code, and nothing written either way. */
START_TEST(test_same_outcome_errors)
{
	struct store *a = mem_store(), *b = mem_store();
	char *x, *y;

	make_org(1);
	x = outcome(a, 0);
	y = outcome(b, 1);
	ck_assert_str_eq(x, y);
	ck_assert_ptr_null(strstr(x, "rc 0 "));
	ck_assert_ptr_nonnull(strstr(x, "duplicate person 'p"));
	ck_assert_ptr_nonnull(strstr(x, "shoeSize"));
	ck_assert_ptr_nonnull(strstr(x, "nowhere"));
	ck_assert_ptr_nonnull(strstr(x, "ghost"));
	ck_assert_ptr_nonnull(strstr(x, "people-9-broken.yaml:"));
	ck_assert_ptr_nonnull(strstr(x, "z-empty.csv:1:1: error: empty file"));
	ck_assert_int_eq(count(a, "SELECT count(*) FROM entity"), 0);
	ck_assert_int_eq(count(b, "SELECT count(*) FROM entity"), 0);
	free(x);
	free(y);
	store_free(a);
	store_free(b);
	remove_org();
}
END_TEST

/* A write that fails early (the 20th entity row) and one that fails late
 * (in the last file): the writer stops, the parser stops with it (early,
 * it waits on a full queue), the import reports the fault, nothing is
 * written, and the store imports cleanly afterwards. */
START_TEST(test_writer_failure_stops_parser)
{
	static const long long at[] = { 20, FILES * PEOPLE_PER_FILE };
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts opts = { 0 };
	struct import_result res;
	const char *paths[1];
	size_t k, i;

	make_org(0);
	paths[0] = dir;
	for (k = 0; k < sizeof(at) / sizeof(*at); k++) {
		struct store *st = mem_store();
		char sql[256];
		int found = 0;

		snprintf(sql, sizeof(sql),
			 "CREATE TEMP TABLE nrow (n INTEGER); INSERT INTO nrow VALUES (0);"
			 " CREATE TEMP TRIGGER fail BEFORE INSERT ON main.entity BEGIN"
			 " UPDATE nrow SET n = n + 1;"
			 " SELECT RAISE(ABORT, 'injected fault') FROM nrow WHERE n = %lld; END",
			 at[k]);
		ck_assert_int_eq(sqlite3_exec(st->db, sql, NULL, NULL, NULL), SQLITE_OK);
		import_result_init(&res);
		ck_assert_int_eq(import_paths(st, paths, 1, &opts, &res, &err), BATON_DB);
		import_result_release(&res);
		for (i = 0; i < err.n; i++)
			found |= strstr(err.diags[i].message, "injected fault") != NULL;
		ck_assert(found);
		ck_assert_int_eq(count(st, "SELECT count(*) FROM entity"), 0);
		ck_assert_int_eq(st->in_tx, 0);
		baton_error_release(&err);
		ck_assert_int_eq(sqlite3_exec(st->db, "DROP TRIGGER fail", NULL, NULL, NULL),
				 SQLITE_OK);
		import_result_init(&res);
		ck_assert_int_eq(import_paths(st, paths, 1, &opts, &res, &err), BATON_OK);
		ck_assert_uint_eq(res.created, ENTITIES);
		import_result_release(&res);
		baton_error_release(&err);
		store_free(st);
	}
	remove_org();
}
END_TEST

/* An unreadable path among the paths: the same IO failure both ways. */
START_TEST(test_unreadable_path)
{
	const char *paths[] = { "examples/teams.yaml", "/nonexistent/baton-pipe" };
	struct import_opts one = { .one_thread = 1 }, two = { 0 };
	struct baton_error e1 = BATON_ERROR_INIT, e2 = BATON_ERROR_INIT;
	struct import_result r1, r2;
	struct store *a = mem_store(), *b = mem_store();
	char *d1, *d2;

	import_result_init(&r1);
	import_result_init(&r2);
	ck_assert_int_eq(import_paths(a, paths, 2, &one, &r1, &e1), BATON_IO);
	ck_assert_int_eq(import_paths(b, paths, 2, &two, &r2, &e2), BATON_IO);
	ck_assert_uint_eq(e1.n, e2.n);
	ck_assert_uint_gt(e1.n, 0);
	d1 = baton_diag_format(&e1.diags[e1.n - 1]);
	d2 = baton_diag_format(&e2.diags[e2.n - 1]);
	ck_assert_str_eq(d1, d2);
	ck_assert_int_eq(count(b, "SELECT count(*) FROM entity"), 0);
	free(d1);
	free(d2);
	import_result_release(&r1);
	import_result_release(&r2);
	baton_error_release(&e1);
	baton_error_release(&e2);
	store_free(a);
	store_free(b);
}
END_TEST

Suite *suite_import_pipe(void)
{
	Suite *s = suite_create("import_pipe");
	TCase *tc = tcase_create("pipe");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_same_outcome_clean);
	tcase_add_test(tc, test_same_outcome_errors);
	tcase_add_test(tc, test_writer_failure_stops_parser);
	tcase_add_test(tc, test_unreadable_path);
	suite_add_tcase(s, tc);
	return s;
}
