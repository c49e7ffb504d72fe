/* check_import_bulk.c - Check suite for the first import into an empty
 * database (core/import.c, store_bulk_begin in core/store.c): a database
 * file leaves WAL for a rollback journal during the import, the secondary
 * indexes are built after the rows, and afterwards the file must be exactly
 * what an import without those shortcuts gives: the same rows in every
 * table, the same schema, WAL, synchronous=NORMAL and the memory map again.
 * A failed first import writes nothing, and a process that dies in the
 * middle of one (after SQLite has written pages to the file) leaves a
 * database that opens empty and intact.
 *
 * Tests run from the top of the source tree (make check does).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/entity.h"
#include "../core/import.h"
#include "../core/strbuf.h"

Suite *suite_import_bulk(void);

static const char *const examples[] = { "examples" };
static const struct import_opts plain = { 0 };

static char dir[64];
static char dbpath[128];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/baton-bulk-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/b.db", dir);
}

static void remove_dir(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[160];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

static struct store *open_store(const char *path)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	ck_assert_int_eq(store_open(path, path ? STORE_CREATE
					      : STORE_MEMORY | STORE_CREATE,
				    &st, &err), BATON_OK);
	store_set_actor(st, "tester");
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	baton_error_release(&err);
	return st;
}

/* Every row of a query as text, one line each. */
static char *rows(struct store *st, const char *sql)
{
	struct strbuf sb = STRBUF_INIT;
	sqlite3_stmt *s = NULL;
	int i, step;

	ck_assert_msg(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(st->db));
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(s); i++) {
			const char *v = (const char *)sqlite3_column_text(s, i);

			strbuf_addf(&sb, "%s%d:%s", i ? "|" : "",
				    sqlite3_column_type(s, i), v ? v : "NULL");
		}
		strbuf_addch(&sb, '\n');
	}
	ck_assert_int_eq(step, SQLITE_DONE);
	sqlite3_finalize(s);
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

static const char schema_sql[] =
	"SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name";

/* The same rows in every table (events without their time), the same
 * schema, and the full-text index answering the same. */
static void assert_same_db(struct store *a, struct store *b)
{
	sqlite3_stmt *s = NULL;
	char *x, *y;

	x = rows(a, schema_sql);
	y = rows(b, schema_sql);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	ck_assert_int_eq(sqlite3_prepare_v2(a->db,
		"SELECT name FROM sqlite_schema WHERE type = 'table'"
		" AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search%'"
		" AND name <> 'event' ORDER BY name", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char sql[160];

		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"",
			 sqlite3_column_text(s, 0));
		x = rows(a, sql);
		y = rows(b, sql);
		ck_assert_msg(!strcmp(x, y), "table %s differs", sqlite3_column_text(s, 0));
		free(x);
		free(y);
	}
	sqlite3_finalize(s);
	x = rows(a, "SELECT id, actor, entity, action, before, after FROM event ORDER BY id");
	y = rows(b, "SELECT id, actor, entity, action, before, after FROM event ORDER BY id");
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	x = rows(a, "SELECT * FROM search_doc ORDER BY id");
	y = rows(b, "SELECT * FROM search_doc ORDER BY id");
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	x = rows(a, "SELECT rowid FROM search WHERE search MATCH 'pay* OR team OR refund' ORDER BY rowid");
	y = rows(b, "SELECT rowid FROM search WHERE search MATCH 'pay* OR team OR refund' ORDER BY rowid");
	ck_assert_str_eq(x, y);
	ck_assert_int_gt((int)strlen(x), 0);
	free(x);
	free(y);
	ck_assert_int_eq(sqlite3_exec(a->db,
		"INSERT INTO search (search) VALUES ('integrity-check')",
		NULL, NULL, NULL), SQLITE_OK);
	x = rows(a, "PRAGMA integrity_check");
	ck_assert_str_eq(x, "3:ok\n");
	free(x);
}

/* journal mode, synchronous, memory map and page cache as they were */
static void assert_modes(struct store *st, long long mmap, long long cache)
{
	char *x = rows(st, "PRAGMA journal_mode");

	ck_assert_str_eq(x, "3:wal\n");
	free(x);
	ck_assert_int_eq(count(st, "PRAGMA synchronous"), 1);
	ck_assert_int_eq(count(st, "PRAGMA mmap_size"), mmap);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), cache);
	ck_assert_int_eq(st->in_tx, 0);
}

/* A first import into a new file gives what the same import gives in a
 * memory database (no rollback journal there), and the schema of a
 * database never imported into (every index built again). */
START_TEST(test_first_import_same_result)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *bulk, *ref, *fresh;
	long long mmap;
	char *x, *y;

	make_dir();
	bulk = open_store(dbpath);
	mmap = count(bulk, "PRAGMA mmap_size");
	import_result_init(&res);
	ck_assert_int_eq(import_paths(bulk, examples, 1, &plain, &res, &err), BATON_OK);
	ck_assert_uint_eq(res.created, 136);
	import_result_release(&res);
	assert_modes(bulk, mmap, -65536);
	ck_assert_int_eq(count(bulk, "SELECT count(*) FROM entity"), 136);
	ck_assert_int_eq(count(bulk, "SELECT count(*) FROM event"), 136);
	ref = open_store(NULL);
	import_result_init(&res);
	ck_assert_int_eq(import_paths(ref, examples, 1, &plain, &res, &err), BATON_OK);
	import_result_release(&res);
	assert_same_db(bulk, ref);
	fresh = open_store(NULL);
	x = rows(bulk, schema_sql);
	y = rows(fresh, schema_sql);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	/* a second import is a plain one, and changes nothing */
	import_result_init(&res);
	ck_assert_int_eq(import_paths(bulk, examples, 1, &plain, &res, &err), BATON_OK);
	ck_assert_uint_eq(res.unchanged, 136);
	import_result_release(&res);
	assert_modes(bulk, mmap, -65536);
	store_free(fresh);
	store_free(ref);
	store_free(bulk);
	remove_dir();
	baton_error_release(&err);
}
END_TEST

/* The first import's page cache is at most 16 MiB, and what it was again
 * afterwards; a smaller one is kept (the kill test below relies on it). */
START_TEST(test_bulk_cache)
{
	struct store *st;

	make_dir();
	st = open_store(dbpath);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), -65536);
	ck_assert_int_eq(store_bulk_begin(st), 1);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), -16384);
	store_bulk_end(st, 1);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), -65536);
	sqlite3_exec(st->db, "PRAGMA cache_size=10", NULL, NULL, NULL);
	ck_assert_int_eq(store_bulk_begin(st), 1);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), 10);
	store_bulk_end(st, 1);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), 10);
	sqlite3_exec(st->db, "PRAGMA cache_size=100000", NULL, NULL, NULL);
	ck_assert_int_eq(store_bulk_begin(st), 1);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), -16384);
	store_bulk_end(st, 1);
	ck_assert_int_eq(count(st, "PRAGMA cache_size"), 100000);
	store_free(st);
	remove_dir();
}
END_TEST

/* A first import that fails writes nothing: no entity, no event, the
 * indexes all there, WAL again. */
START_TEST(test_first_import_fails)
{
	static const char bad[] =
		"apiVersion: baton/v1\nkind: Person\nmetadata: {name: a}\n"
		"spec: {displayName: A, team: nowhere}\n";
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st, *fresh;
	char *x, *y;
	long long mmap;

	make_dir();
	st = open_store(dbpath);
	mmap = count(st, "PRAGMA mmap_size");
	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "t.yaml", bad, strlen(bad), &plain, &res, &err),
			 BATON_INVALID);
	import_result_release(&res);
	ck_assert_uint_eq(err.nerrors, 1);
	assert_modes(st, mmap, -65536);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM entity"), 0);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM event"), 0);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM person"), 0);
	fresh = open_store(NULL);
	x = rows(st, schema_sql);
	y = rows(fresh, schema_sql);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	store_free(fresh);
	store_free(st);
	remove_dir();
	baton_error_release(&err);
}
END_TEST

/* Die in the middle of a first import, after SQLite has written imported
 * pages into the database file (a small page cache makes it spill): the
 * next opening rolls the hot journal back, and the database is empty,
 * intact, in WAL, and imports normally. */
static int die_after(void *data)
{
	int *n = data;

	if (--*n == 0)
		_exit(0);
	return 0;
}

START_TEST(test_first_import_killed)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st;
	struct stat sb;
	char journal[160];
	char *x;
	pid_t pid;
	long long fresh_size;
	int status, budget;

	make_dir();
	st = open_store(dbpath);
	store_free(st);
	/* find how long a whole import runs, in progress-handler ticks */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		budget = 1000000000;
		st = open_store(dbpath);
		sqlite3_exec(st->db, "PRAGMA cache_size=10", NULL, NULL, NULL);
		sqlite3_progress_handler(st->db, 1, die_after, &budget);
		import_result_init(&res);
		import_paths(st, examples, 1, &plain, &res, &err);
		/* report the ticks used through the exit status, in thousands */
		_exit((int)((1000000000 - budget) / 1000 > 250 ? 250
			    : (1000000000 - budget) / 1000) + 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	budget = (WEXITSTATUS(status) - 1) * 1000;
	ck_assert_int_gt(budget, 2000);
	/* the import went through in that child: start again from empty */
	remove_dir();
	make_dir();
	st = open_store(dbpath);
	store_free(st);
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	fresh_size = (long long)sb.st_size;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		budget = budget * 2 / 3; /* well into the writing of rows */
		st = open_store(dbpath);
		sqlite3_exec(st->db, "PRAGMA cache_size=10", NULL, NULL, NULL);
		sqlite3_progress_handler(st->db, 1, die_after, &budget);
		import_result_init(&res);
		import_paths(st, examples, 1, &plain, &res, &err);
		_exit(3); /* not reached: the handler ends the process */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* a hot journal was left behind, and the file holds written pages */
	snprintf(journal, sizeof(journal), "%s-journal", dbpath);
	ck_assert_int_eq(stat(journal, &sb), 0);
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_int_gt((long long)sb.st_size, fresh_size + 16 * 4096);

	st = open_store(dbpath);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM entity"), 0);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM event"), 0);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM search_doc"), 0);
	x = rows(st, "PRAGMA integrity_check");
	ck_assert_str_eq(x, "3:ok\n");
	free(x);
	x = rows(st, "PRAGMA journal_mode");
	ck_assert_str_eq(x, "3:wal\n");
	free(x);
	ck_assert_int_eq(stat(journal, &sb), -1);
	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, examples, 1, &plain, &res, &err), BATON_OK);
	ck_assert_uint_eq(res.created, 136);
	import_result_release(&res);
	store_free(st);
	remove_dir();
	baton_error_release(&err);
}
END_TEST

Suite *suite_import_bulk(void)
{
	Suite *s = suite_create("import_bulk");
	TCase *tc = tcase_create("first_import");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_first_import_same_result);
	tcase_add_test(tc, test_bulk_cache);
	tcase_add_test(tc, test_first_import_fails);
	tcase_add_test(tc, test_first_import_killed);
	suite_add_tcase(s, tc);
	return s;
}
