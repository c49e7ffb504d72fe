/* check_store.c - Check suite for core/store: open and create, migrations,
 * pragmas, refusal of foreign or newer files (left byte-for-byte intact),
 * transactions and the statement cache.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/store.h"

Suite *suite_store(void);

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static char tmpdir[64];

static void tmp_setup(void)
{
	strcpy(tmpdir, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *tmp_path(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

/* The single integer a one-row query returns. */
static long long query_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static char *query_text(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	char *v;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	ck_assert_ptr_nonnull(v);
	return v;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole file, malloc'd; its size in *len. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ------------------------------------------------------------------------
 * store_open
 * ---------------------------------------------------------------------- */

/* An in-memory store is created and migrated to the latest schema, with
 * foreign keys on. */
START_TEST(test_open_memory)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err),
			 BATON_OK);
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(err.n, 0);
	ck_assert_str_eq(st->path, ":memory:");
	ck_assert_int_eq(query_int(st, "PRAGMA user_version"), store_schema_version());
	ck_assert_int_eq(query_int(st, "PRAGMA foreign_keys"), 1);
	/* the core tables exist */
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sqlite_master WHERE"
				   " type = 'table' AND name IN ('entity', 'event', 'handover')"), 3);
	/* defaults until the caller sets them */
	ck_assert_str_eq(st->actor, "baton");
	ck_assert_str_eq(st->today, "1970-01-01");
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* A file database is created, migrated, in WAL mode, with foreign keys on;
 * reopening it without STORE_CREATE works and keeps the version. */
START_TEST(test_open_file_create)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	char *mode;
	const char *path = tmp_path("new.db");

	ck_assert_int_eq(store_open(path, STORE_CREATE, &st, &err), BATON_OK);
	ck_assert_int_eq(query_int(st, "PRAGMA user_version"), store_schema_version());
	ck_assert_int_eq(query_int(st, "PRAGMA foreign_keys"), 1);
	mode = query_text(st, "PRAGMA journal_mode");
	ck_assert_str_eq(mode, "wal");
	free(mode);
	store_free(st);
	ck_assert_int_eq(access(path, F_OK), 0);

	st = NULL;
	ck_assert_int_eq(store_open(path, 0, &st, &err), BATON_OK);
	ck_assert_int_eq(query_int(st, "PRAGMA user_version"), store_schema_version());
	ck_assert_uint_eq(err.n, 0);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* A read-only open of an existing database works and refuses writes. */
START_TEST(test_open_readonly)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	const char *path = tmp_path("ro.db");

	ck_assert_int_eq(store_open(path, STORE_CREATE, &st, &err), BATON_OK);
	store_free(st);
	ck_assert_int_eq(store_open(path, STORE_READONLY, &st, &err), BATON_OK);
	ck_assert_int_eq(st->readonly, 1);
	ck_assert_int_eq(store_exec(st, "INSERT INTO event (at, actor, entity, action)"
				    " VALUES ('a', 'b', 'c', 'd')", &err), BATON_DB);
	ck_assert_uint_eq(err.n, 1);
	ck_assert_ptr_nonnull(strstr(err.diags[0].message, "readonly"));
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* A missing file without STORE_CREATE is BATON_NOTFOUND, with a message
 * telling what to run, and no file is created. */
START_TEST(test_open_missing)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = (struct store *)1;
	const char *path = tmp_path("missing.db");
	char want[256];

	ck_assert_int_eq(store_open(path, 0, &st, &err), BATON_NOTFOUND);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(err.code, BATON_NOTFOUND);
	ck_assert_uint_eq(err.n, 1);
	snprintf(want, sizeof(want),
		 "no database at '%s': run 'baton init' or 'baton import' first", path);
	ck_assert_str_eq(err.diags[0].message, want);
	ck_assert_int_ne(access(path, F_OK), 0);
	baton_error_release(&err);
}
END_TEST

/* A directory is refused with BATON_IO. */
START_TEST(test_open_directory)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	char want[256];

	ck_assert_int_eq(store_open(tmpdir, STORE_CREATE, &st, &err), BATON_IO);
	ck_assert_ptr_null(st);
	snprintf(want, sizeof(want), "'%s' is a directory, not a database", tmpdir);
	ck_assert_str_eq(err.diags[0].message, want);
	baton_error_release(&err);
}
END_TEST

/* A file that is not SQLite is refused with BATON_DB, named, and left
 * byte-for-byte unchanged (even with STORE_CREATE). */
START_TEST(test_open_not_a_database)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	const char *path = tmp_path("junk.db");
	char junk[8192], want[256], *after;
	size_t i, len;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)('a' + i % 26);
	write_file(path, junk, sizeof(junk));
	ck_assert_int_eq(store_open(path, STORE_CREATE, &st, &err), BATON_DB);
	ck_assert_ptr_null(st);
	snprintf(want, sizeof(want), "'%s' is not a baton database (not SQLite)", path);
	ck_assert_str_eq(err.diags[0].message, want);
	after = read_file(path, &len);
	ck_assert_uint_eq(len, sizeof(junk));
	ck_assert_int_eq(memcmp(after, junk, len), 0);
	free(after);
	ck_assert_int_ne(access(tmp_path("junk.db-wal"), F_OK), 0);
	baton_error_release(&err);
}
END_TEST

/* A database whose user_version is newer than this binary is refused with
 * BATON_TOONEW naming both versions, and its bytes are unchanged. */
START_TEST(test_open_too_new)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	sqlite3 *db = NULL;
	const char *path = tmp_path("future.db");
	char *before, *after, want[512];
	size_t blen, alen;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = 999;",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	before = read_file(path, &blen);
	ck_assert_int_eq(store_open(path, STORE_CREATE, &st, &err), BATON_TOONEW);
	ck_assert_ptr_null(st);
	snprintf(want, sizeof(want),
		 "database '%s' has schema version 999, newer than this baton knows (%d): upgrade baton",
		 path, store_schema_version());
	ck_assert_str_eq(err.diags[0].message, want);
	after = read_file(path, &alen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_int_eq(memcmp(before, after, blen), 0);
	/* not switched to WAL either */
	ck_assert_int_ne(access(tmp_path("future.db-wal"), F_OK), 0);
	free(before);
	free(after);
	baton_error_release(&err);
}
END_TEST

/* An older (empty, version 0) SQLite file opened read-only is not migrated:
 * BATON_DB asks for a read-write open. */
START_TEST(test_open_readonly_needs_upgrade)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	sqlite3 *db = NULL;
	const char *path = tmp_path("old.db");
	char want[512];

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_open(path, STORE_READONLY, &st, &err), BATON_DB);
	snprintf(want, sizeof(want),
		 "database '%s' needs an upgrade (schema 0, baton knows %d): open it once read-write",
		 path, store_schema_version());
	ck_assert_str_eq(err.diags[0].message, want);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * store_begin / store_commit / store_rollback
 * ---------------------------------------------------------------------- */

static const char ins[] =
	"INSERT INTO event (at, actor, entity, action) VALUES ('t', 'a', 'e', 'x')";

/* A committed transaction is kept; a rolled back one is not; nesting is a
 * BUG reported as BATON_USAGE. */
START_TEST(test_transactions)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	ck_assert_int_eq(store_begin(st, &err), BATON_OK);
	ck_assert_int_eq(st->in_tx, 1);
	ck_assert_int_eq(store_begin(st, &err), BATON_USAGE);
	ck_assert_str_eq(err.diags[0].message, "BUG: nested transaction");
	ck_assert_int_eq(store_exec(st, ins, &err), BATON_OK);
	ck_assert_int_eq(store_commit(st, &err), BATON_OK);
	ck_assert_int_eq(st->in_tx, 0);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM event"), 1);

	ck_assert_int_eq(store_begin(st, &err), BATON_OK);
	ck_assert_int_eq(store_exec(st, ins, &err), BATON_OK);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM event"), 2);
	store_rollback(st);
	ck_assert_int_eq(st->in_tx, 0);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM event"), 1);
	/* rollback outside a transaction is harmless */
	store_rollback(st);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM event"), 1);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* store_free rolls back an open transaction on a file database. */
START_TEST(test_free_rolls_back)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	const char *path = tmp_path("tx.db");

	ck_assert_int_eq(store_open(path, STORE_CREATE, &st, &err), BATON_OK);
	ck_assert_int_eq(store_begin(st, &err), BATON_OK);
	ck_assert_int_eq(store_exec(st, ins, &err), BATON_OK);
	store_free(st);
	ck_assert_int_eq(store_open(path, 0, &st, &err), BATON_OK);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM event"), 0);
	store_free(st);
	store_free(NULL);
	baton_error_release(&err);
}
END_TEST

/* A failing statement gives BATON_DB with SQLite's message and the path. */
START_TEST(test_exec_error)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	sqlite3_stmt *s = (sqlite3_stmt *)1;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	ck_assert_int_eq(store_exec(st, "SELECT * FROM nowhere", &err), BATON_DB);
	ck_assert_str_eq(err.diags[0].message, "database ':memory:': no such table: nowhere");
	ck_assert_int_eq(store_prepare(st, "SELEC 1", &s, &err), BATON_DB);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.diags[1].message,
			 "cannot prepare query on ':memory:': near \"SELEC\": syntax error");
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * store_cached
 * ---------------------------------------------------------------------- */

/* The same static string gives the same statement, reset with its
 * bindings cleared; another string (even with equal text) another one. */
START_TEST(test_cached)
{
	static const char sql1[] = "SELECT ?1";
	static const char sql2[] = "SELECT ?1 ";
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	sqlite3_stmt *a, *b, *c;
	char copy[16];

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	a = store_cached(st, sql1, &err);
	ck_assert_ptr_nonnull(a);
	sqlite3_bind_int(a, 1, 42);
	ck_assert_int_eq(sqlite3_step(a), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(a, 0), 42);
	b = store_cached(st, sql1, &err);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(st->ncache, 1);
	/* reset and cleared: the parameter is NULL again */
	ck_assert_int_eq(sqlite3_step(b), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_type(b, 0), SQLITE_NULL);
	c = store_cached(st, sql2, &err);
	ck_assert_ptr_ne(c, a);
	strcpy(copy, sql1);
	ck_assert_ptr_ne(store_cached(st, copy, &err), a);
	ck_assert_int_eq(st->ncache, 3);
	/* a bad statement is not cached */
	ck_assert_ptr_null(store_cached(st, "SELEC", &err));
	ck_assert_int_eq(st->ncache, 3);
	ck_assert_int_eq(err.code, BATON_DB);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

static int count_stmt(unsigned type, void *ctx, void *p, void *x)
{
	(*(int *)ctx)++;
	return 0;
}

/* A read-only connection's data version between requests: read by
 * statement once, then from the WAL stamp with no statement while nothing
 * commits; another connection's commit is seen by the next call, which
 * runs the statement again; the writer's own version too. A store not in
 * WAL mode (here one in memory) always runs it. The stamp itself changes
 * with every commit. */
START_TEST(test_data_version_now)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *w = NULL, *r = NULL, *m = NULL;
	const char *path = tmp_path("dv.db");
	unsigned char s1[STORE_STAMP_SIZE], s2[STORE_STAMP_SIZE];
	long long v1, v2, v3;
	int stmts = 0;

	ck_assert_int_eq(store_open(path, STORE_CREATE, &w, &err), BATON_OK);
	ck_assert_int_eq(store_open(path, STORE_READONLY, &r, &err), BATON_OK);
	ck_assert_int_eq(store_data_version_now(r, &v1, &err), BATON_OK);
	sqlite3_trace_v2(r->db, SQLITE_TRACE_STMT, count_stmt, &stmts);
	ck_assert_int_eq(store_data_version_now(r, &v2, &err), BATON_OK);
	ck_assert_int_eq(store_data_version_now(r, &v2, &err), BATON_OK);
	ck_assert_int_eq(stmts, 0);
	ck_assert_int_eq(v2, v1);
	ck_assert_int_eq(store_wal_stamp(r, s1), 0);
	ck_assert_int_eq(store_exec(w, "INSERT INTO event (at, actor, entity,"
				    " action) VALUES ('a', 'b', 'c', 'd')",
				    &err), BATON_OK);
	ck_assert_int_eq(store_wal_stamp(r, s2), 0);
	ck_assert_int_ne(memcmp(s1, s2, sizeof(s1)), 0);
	ck_assert_int_eq(store_data_version_now(r, &v3, &err), BATON_OK);
	ck_assert_int_gt(stmts, 0);
	ck_assert_int_ne(v3, v1);
	stmts = 0;
	ck_assert_int_eq(store_data_version_now(r, &v2, &err), BATON_OK);
	ck_assert_int_eq(stmts, 0);
	ck_assert_int_eq(v2, v3);
	sqlite3_trace_v2(r->db, 0, NULL, NULL);
	/* a read-write connection: its own commit moves no data_version,
	 * but it runs the statement again after one, and not otherwise */
	ck_assert_int_eq(store_data_version_now(w, &v1, &err), BATON_OK);
	stmts = 0;
	sqlite3_trace_v2(w->db, SQLITE_TRACE_STMT, count_stmt, &stmts);
	ck_assert_int_eq(store_data_version_now(w, &v2, &err), BATON_OK);
	ck_assert_int_eq(stmts, 0);
	ck_assert_int_eq(v2, v1);
	ck_assert_int_eq(store_exec(w, "INSERT INTO event (at, actor, entity,"
				    " action) VALUES ('e', 'f', 'g', 'h')",
				    &err), BATON_OK);
	stmts = 0;
	ck_assert_int_eq(store_data_version_now(w, &v2, &err), BATON_OK);
	ck_assert_int_gt(stmts, 0);
	sqlite3_trace_v2(w->db, 0, NULL, NULL);
	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &m, &err),
			 BATON_OK);
	/* (the first call also asks for the journal mode, once) */
	ck_assert_int_eq(store_data_version_now(m, &v1, &err), BATON_OK);
	stmts = 0;
	sqlite3_trace_v2(m->db, SQLITE_TRACE_STMT, count_stmt, &stmts);
	ck_assert_int_eq(store_data_version_now(m, &v1, &err), BATON_OK);
	ck_assert_int_eq(store_data_version_now(m, &v1, &err), BATON_OK);
	ck_assert_int_eq(stmts, 2);
	ck_assert_uint_eq(err.n, 0);
	store_free(m);
	store_free(r);
	store_free(w);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ---------------------------------------------------------------------- */

Suite *suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("store_open");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_open_memory);
	tcase_add_test(tc, test_open_file_create);
	tcase_add_test(tc, test_open_readonly);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_directory);
	tcase_add_test(tc, test_open_not_a_database);
	tcase_add_test(tc, test_open_too_new);
	tcase_add_test(tc, test_open_readonly_needs_upgrade);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_transactions");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_transactions);
	tcase_add_test(tc, test_free_rolls_back);
	tcase_add_test(tc, test_exec_error);
	tcase_add_test(tc, test_data_version_now);
	suite_add_tcase(s, tc);

	tc = tcase_create("store_cached");
	tcase_add_test(tc, test_cached);
	suite_add_tcase(s, tc);
	return s;
}
