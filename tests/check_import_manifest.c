/* check_import_manifest.c - Check suite for the manifest of the last import
 * (core/import.c, schemas/011_manifest.sql): importing the very same files
 * with the same options, when nothing was written since, is answered
 * without parsing ("skipped") and exactly as a full import would answer;
 * any difference in the bytes, the file names, the set of files, the
 * options, or any write in baton since (a handover-like change, a failed
 * or dry-run import not counting) makes the import run in full, drift
 * conflicts included. Only imports without a single diagnostic are
 * recorded.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/entity.h"
#include "../core/import.h"
#include "../core/strbuf.h"

Suite *suite_import_manifest(void);

#define DOC(kind, name, spec) \
	"---\napiVersion: baton/v1\nkind: " kind "\nmetadata:\n  name: " name \
	"\nspec:\n" spec

static const char people[] =
	DOC("Person", "a", "  displayName: A\n")
	DOC("Person", "b", "  displayName: B\n");
static const char roles[] =
	DOC("Role", "clerk", "  title: Clerk\n  holders:\n    - {person: a}\n");

static char dir[64], org[96], dbpath[96];

static void put_file(const char *name, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", org, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}

static struct store *setup(void)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	snprintf(dir, sizeof(dir), "/tmp/baton-manifest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(org, sizeof(org), "%s/org", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/m.db", dir);
	ck_assert_int_eq(mkdir(org, 0700), 0);
	put_file("people.yaml", people);
	put_file("roles.yaml", roles);
	ck_assert_int_eq(store_open(dbpath, STORE_CREATE, &st, &err), BATON_OK);
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	baton_error_release(&err);
	return st;
}

static void teardown(struct store *st)
{
	char cmd[128];

	store_free(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Import the org directory; returns the code, fills *res (released by the
 * caller) and counts the diagnostics in *ndiags. */
static enum baton_code run(struct store *st, struct import_opts opts,
			   struct import_result *res, size_t *ndiags)
{
	struct baton_error err = BATON_ERROR_INIT;
	const char *paths[] = { org };
	enum baton_code rc;

	import_result_init(res);
	rc = import_paths(st, paths, 1, &opts, res, &err);
	if (ndiags)
		*ndiags = err.n;
	baton_error_release(&err);
	return rc;
}

static long long rows(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Expect an import of the org that is skipped (1) or runs (0), succeeds
 * and finds `unchanged` entities unchanged and nothing else. */
static void expect(struct store *st, struct import_opts opts, int skipped,
		   size_t unchanged)
{
	struct import_result res;

	ck_assert_int_eq(run(st, opts, &res, NULL), BATON_OK);
	ck_assert_int_eq(res.skipped, skipped);
	ck_assert_uint_eq(res.created, 0);
	ck_assert_uint_eq(res.updated, 0);
	ck_assert_uint_eq(res.deleted, 0);
	ck_assert_uint_eq(res.unchanged, unchanged);
	ck_assert_uint_eq(res.plan.len, 0);
	import_result_release(&res);
}

static const struct import_opts plain = { 0 };

/* Proves the second import of unchanged files is skipped with the answer a
 * full import gives (the same counts and an empty plan: compared by running
 * the full import after forgetting the manifest), and records nothing new:
 * no event, the same manifest row. */
START_TEST(test_skip_equals_full)
{
	struct store *st = setup();
	struct import_result res;
	long long events;

	ck_assert_int_eq(run(st, plain, &res, NULL), BATON_OK);
	ck_assert_int_eq(res.skipped, 0);
	ck_assert_uint_eq(res.created, 3);
	import_result_release(&res);
	ck_assert_int_eq(rows(st, "SELECT count(*) FROM import_manifest"), 1);
	ck_assert_int_eq(rows(st, "SELECT entities FROM import_manifest"), 3);
	events = rows(st, "SELECT count(*) FROM event");
	expect(st, plain, 1, 3);
	expect(st, plain, 1, 3);
	ck_assert_int_eq(rows(st, "SELECT count(*) FROM event"), events);
	ck_assert_int_eq(sqlite3_exec(st->db, "DELETE FROM import_manifest",
				      NULL, NULL, NULL), SQLITE_OK);
	expect(st, plain, 0, 3);
	/* that full import recorded the files again */
	expect(st, plain, 1, 3);
	teardown(st);
}
END_TEST

/* Proves a change in baton after the import (the way a handover writes)
 * makes the next import of the stale files run in full and report the
 * drift conflict, exactly as without a manifest. */
START_TEST(test_change_in_baton_runs_full)
{
	struct store *st = setup();
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	json_t *spec = json_pack("{s:s,s:[{s:s,s:s}]}", "title", "Clerk",
				 "holders", "person", "b", "as", "primary");
	int changed = 0;

	ck_assert_int_eq(run(st, plain, &res, NULL), BATON_OK);
	import_result_release(&res);
	ck_assert_int_eq(store_begin(st, &err), BATON_OK);
	ck_assert_int_eq(entity_put(st, KIND_ROLE, "clerk", spec,
		&(struct entity_change){ .action = "handover",
			.changed = "holders changed by handover 3 on 2026-12-01" },
		&changed, &err), BATON_OK);
	ck_assert_int_eq(store_commit(st, &err), BATON_OK);
	ck_assert_int_eq(run(st, plain, &res, NULL), BATON_CONFLICT);
	ck_assert_int_eq(res.skipped, 0);
	import_result_release(&res);
	json_decref(spec);
	baton_error_release(&err);
	teardown(st);
}
END_TEST

/* Proves a changed byte, a renamed file, an added file and a removed file
 * each make the import run; the first with the change applied. */
START_TEST(test_files_differ)
{
	struct store *st = setup();
	struct import_result res;
	char from[160], to[160];

	ck_assert_int_eq(run(st, plain, &res, NULL), BATON_OK);
	import_result_release(&res);
	/* one byte: B's display name */
	put_file("people.yaml", DOC("Person", "a", "  displayName: A\n")
				DOC("Person", "b", "  displayName: C\n"));
	ck_assert_int_eq(run(st, plain, &res, NULL), BATON_OK);
	ck_assert_int_eq(res.skipped, 0);
	ck_assert_uint_eq(res.updated, 1);
	import_result_release(&res);
	expect(st, plain, 1, 3);
	/* the same bytes under another name */
	snprintf(from, sizeof(from), "%s/roles.yaml", org);
	snprintf(to, sizeof(to), "%s/roles2.yaml", org);
	ck_assert_int_eq(rename(from, to), 0);
	expect(st, plain, 0, 3);
	expect(st, plain, 1, 3);
	/* a file more, even one declaring nothing */
	put_file("empty.yaml", "");
	expect(st, plain, 0, 3);
	/* and that file gone again */
	snprintf(from, sizeof(from), "%s/empty.yaml", org);
	ck_assert_int_eq(unlink(from), 0);
	expect(st, plain, 0, 3);
	expect(st, plain, 1, 3);
	teardown(st);
}
END_TEST

/* Proves the options are part of what is compared: an import with --prune
 * after one without runs in full (and is then recorded with it), and a dry
 * run never records but may be skipped. */
START_TEST(test_options)
{
	struct store *st = setup();
	struct import_opts prune = { .prune = 1 }, dry = { .dry_run = 1 };
	struct import_result res;

	ck_assert_int_eq(run(st, dry, &res, NULL), BATON_OK);
	ck_assert_int_eq(res.skipped, 0);
	ck_assert_uint_eq(res.created, 3);
	import_result_release(&res);
	ck_assert_int_eq(rows(st, "SELECT count(*) FROM import_manifest"), 0);
	ck_assert_int_eq(run(st, plain, &res, NULL), BATON_OK);
	import_result_release(&res);
	expect(st, prune, 0, 3);
	expect(st, prune, 1, 3);
	expect(st, plain, 0, 3);
	expect(st, dry, 1, 3);
	teardown(st);
}
END_TEST

/* Proves an import with a diagnostic (here a warning: a Backstage entity
 * outside the default namespace is skipped) is not recorded, and a failed
 * import records nothing and leaves the previous record alone (it still
 * describes the database). */
START_TEST(test_only_clean_imports_recorded)
{
	struct store *st = setup();
	struct import_result res;
	size_t ndiags = 0;

	put_file("backstage.yaml",
		 "apiVersion: backstage.io/v1alpha1\nkind: User\n"
		 "metadata:\n  name: zed\n  namespace: other\n"
		 "spec:\n  profile: {displayName: Zed}\n");
	ck_assert_int_eq(run(st, plain, &res, &ndiags), BATON_OK);
	ck_assert_uint_gt(ndiags, 0);
	import_result_release(&res);
	ck_assert_int_eq(rows(st, "SELECT count(*) FROM import_manifest"), 0);
	expect(st, plain, 0, 3);
	ck_assert_int_eq(rows(st, "SELECT count(*) FROM import_manifest"), 0);
	put_file("backstage.yaml", "");
	expect(st, plain, 0, 3);
	expect(st, plain, 1, 3);
	/* a file with an error: refused, nothing written, record kept */
	put_file("bad.yaml", DOC("Role", "x", "  title: X\n  holders:\n"
				 "    - {person: nobody}\n"));
	ck_assert_int_eq(run(st, plain, &res, NULL), BATON_INVALID);
	ck_assert_int_eq(res.skipped, 0);
	import_result_release(&res);
	ck_assert_int_eq(rows(st, "SELECT count(*) FROM import_manifest"), 1);
	put_file("bad.yaml", "");
	expect(st, plain, 0, 3);
	teardown(st);
}
END_TEST

Suite *suite_import_manifest(void)
{
	Suite *s = suite_create("import_manifest");
	TCase *tc = tcase_create("manifest");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_skip_equals_full);
	tcase_add_test(tc, test_change_in_baton_runs_full);
	tcase_add_test(tc, test_files_differ);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_only_clean_imports_recorded);
	suite_add_tcase(s, tc);
	return s;
}
