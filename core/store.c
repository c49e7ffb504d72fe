/* store.c - open, migrate and transact on the SQLite database; see store.h. */
#define _GNU_SOURCE /* sync_file_range */
#include "store.h"
#include "migrations.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <dirent.h>
#include <fcntl.h>
#endif

int store_schema_version(void)
{
	int v = 0;
	const struct migration *m;

	for (m = baton_migrations; m->version; m++)
		v = m->version;
	return v;
}

enum baton_code store_fail(struct store *st, struct baton_error *err,
			   const char *what)
{
	int rc = st->db ? sqlite3_extended_errcode(st->db) : SQLITE_ERROR;
	const char *msg = st->db ? sqlite3_errmsg(st->db) : "no connection";
	enum baton_code code = (rc & 0xff) == SQLITE_NOMEM ? BATON_NOMEM : BATON_DB;

	return baton_fail(err, code, "%s '%s': %s", what, st->path, msg);
}

enum baton_code store_exec(struct store *st, const char *sql,
			   struct baton_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		enum baton_code code = baton_fail(err, BATON_DB,
			"database '%s': %s", st->path, msg ? msg : "error");
		sqlite3_free(msg);
		return code;
	}
	return BATON_OK;
}

/* PRAGMA journal_mode=mode; 1 when the file is then in that mode. The
 * only place a connection changes its journal mode after store_open: what
 * store_data_version_now knew of it is forgotten. */
static int journal_mode(struct store *st, const char *sql, const char *mode)
{
	sqlite3_stmt *s = NULL;
	int ok = 0;

	st->wal = 0;
	st->dv_ok = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		ok = !sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), mode);
	sqlite3_finalize(s);
	return ok;
}

/* The page cache of a connection (store_open), and the smaller one of a
 * first import (store_bulk_begin): that import writes every page once and
 * reads back little but the rightmost pages of each b-tree, so a large
 * cache holds pages that are never read again; at 100k people the import
 * took 12% more time with 64 MiB than with 16 MiB (and 50 MiB more
 * memory). The index builds before its commit sort in memory up to the
 * cache size, then merge from temporary files. */
static const char cache_sql[] = "PRAGMA cache_size=-65536";
enum { BULK_CACHE_KIB = 16384 };

/* The value of PRAGMA `sql`, or `dflt` when it cannot be read. */
static long long pragma_int(struct store *st, const char *sql, long long dflt)
{
	sqlite3_stmt *s = NULL;
	long long v = dflt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* SQLite's own descriptor of the file at path, found among the process's
 * open files by device and inode (SQLite gives no public access to it; a
 * descriptor opened here could not be closed without dropping SQLite's
 * POSIX locks on the file). -1 when there is none or no /proc. */
static int file_fd(const char *path)
{
#ifdef __linux__
	struct stat want, got;
	DIR *d;
	struct dirent *e;
	int fd = -1;

	if (stat(path, &want) || !(d = opendir("/proc/self/fd")))
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		char *end;
		long n = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || n < 0 || n == dirfd(d))
			continue;
		if (!fstat((int)n, &got) && S_ISREG(got.st_mode) &&
		    got.st_dev == want.st_dev && got.st_ino == want.st_ino)
			fd = (int)n;
	}
	closedir(d);
	return fd;
#else
	(void)path;
	return -1;
#endif
}

int store_bulk_begin(struct store *st)
{
	if (st->readonly || st->in_tx || !strcmp(st->path, ":memory:") ||
	    !journal_mode(st, "PRAGMA journal_mode", "wal"))
		return 0;
	/* leaving WAL needs the file to ourselves: do not wait for it */
	sqlite3_busy_timeout(st->db, 0);
	if (sqlite3_exec(st->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK ||
	    !journal_mode(st, "PRAGMA journal_mode=DELETE", "delete")) {
		sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
		sqlite3_busy_timeout(st->db, 10000);
		return 0;
	}
	sqlite3_busy_timeout(st->db, 10000);
	/* a smaller cache, not a larger one (negative: KiB; positive: pages) */
	st->bulk_cache = pragma_int(st, "PRAGMA cache_size", 0);
	if (st->bulk_cache < -BULK_CACHE_KIB ||
	    (st->bulk_cache > 0 && st->bulk_cache *
	     pragma_int(st, "PRAGMA page_size", 4096) > BULK_CACHE_KIB * 1024LL)) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d", -BULK_CACHE_KIB);
		if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			st->bulk_cache = 0;
	} else {
		st->bulk_cache = 0;
	}
	/* (no memory map to turn off: store_open maps only for read-only
	 * connections, which never get here) */
	st->bulk_fd = file_fd(st->path);
	return 1;
}

void store_bulk_flush(struct store *st)
{
#ifdef __linux__
	if (st->bulk_fd >= 0)
		sync_file_range(st->bulk_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)st;
#endif
}

void store_bulk_end(struct store *st, int switched)
{
	char sql[64];

	if (!switched)
		return;
	st->bulk_fd = -1;
	/* if WAL cannot be set again now (a reader came), the file stays in
	 * the rollback journal mode, which is as safe; the next store_open()
	 * sets WAL */
	journal_mode(st, "PRAGMA journal_mode=WAL", "wal");
	sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (st->bulk_cache) {
		snprintf(sql, sizeof(sql), "PRAGMA cache_size=%lld", st->bulk_cache);
		sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
}

enum baton_code store_prepare(struct store *st, const char *sql,
			      sqlite3_stmt **out, struct baton_error *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return store_fail(st, err, "cannot prepare query on");
	}
	return BATON_OK;
}

static enum baton_code user_version(struct store *st, int *v,
				    struct baton_error *err)
{
	sqlite3_stmt *s = NULL;
	enum baton_code rc = BATON_OK;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL)
	    != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		int code = sqlite3_errcode(st->db);

		if (code == SQLITE_NOTADB)
			rc = baton_fail(err, BATON_DB,
				"'%s' is not a baton database (not SQLite)",
				st->path);
		else
			rc = store_fail(st, err, "cannot read");
		goto out;
	}
	*v = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return rc;
}

static enum baton_code migrate(struct store *st, int from,
			       struct baton_error *err)
{
	const struct migration *m;
	char pragma[64];

	for (m = baton_migrations; m->version; m++) {
		if (m->version <= from)
			continue;
		if (store_exec(st, "BEGIN IMMEDIATE", err))
			return err ? err->code : BATON_DB;
		if (store_exec(st, m->sql, err))
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 m->version);
		if (store_exec(st, pragma, err))
			goto fail;
		if (store_exec(st, "COMMIT", err))
			goto fail;
	}
	return BATON_OK;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return baton_fail(err, BATON_DB, "cannot apply schema migration '%s' to '%s'",
			  m->file, st->path);
}

/* Process-wide SQLite settings, before SQLite initialises. Memory
 * statistics off: with them every allocation SQLite makes takes one global
 * mutex, which the web server's workers then contend for. If SQLite was
 * already initialised (a caller used it first) the call fails harmlessly
 * and the defaults stay. */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum baton_code store_open(const char *path, int flags, struct store **out,
			   struct baton_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct store *st;
	int oflags, v = 0;
	enum baton_code rc = BATON_OK;
	struct stat sb;

	*out = NULL;
	pthread_once(&once, sqlite_setup);
	st = calloc(1, sizeof(*st));
	if (!st)
		return baton_fail(err, BATON_NOMEM, "out of memory");
	st->bulk_fd = -1;
	if (flags & STORE_MEMORY)
		path = ":memory:";
	st->path = strdup(path);
	if (!st->path) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto fail;
	}
	st->readonly = !!(flags & STORE_READONLY);
	store_set_actor(st, "baton");
	store_set_clock(st, "1970-01-01T00:00:00Z", "1970-01-01");

	if (!(flags & STORE_MEMORY) && stat(path, &sb) != 0 &&
	    !(flags & STORE_CREATE)) {
		rc = baton_fail(err, BATON_NOTFOUND,
			"no database at '%s': run 'baton init' or 'baton import' first",
			path);
		goto fail;
	}
	if (!(flags & STORE_MEMORY) && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		rc = baton_fail(err, BATON_IO, "'%s' is a directory, not a database", path);
		goto fail;
	}
	oflags = st->readonly ? SQLITE_OPEN_READONLY
			      : SQLITE_OPEN_READWRITE |
				((flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	oflags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		rc = store_fail(st, err, "cannot open database");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 10000);
	if ((rc = user_version(st, &v, err)))
		goto fail;
	if (v > store_schema_version()) {
		rc = baton_fail(err, BATON_TOONEW,
			"database '%s' has schema version %d, newer than this baton knows (%d): upgrade baton",
			path, v, store_schema_version());
		goto fail;
	}
	if (!st->readonly && !(flags & STORE_MEMORY)) {
		/* WAL with synchronous=NORMAL: a crash or power loss can lose the
		 * last commits but never corrupts the database. */
		if ((rc = store_exec(st, "PRAGMA journal_mode=WAL", err)) ||
		    (rc = store_exec(st, "PRAGMA synchronous=NORMAL", err)))
			goto fail;
	}
	if ((rc = store_exec(st, "PRAGMA foreign_keys=ON", err)) ||
	    (rc = store_exec(st, cache_sql, err)))
		goto fail;
	/* Read-only connections read pages through a shared mapping: a
	 * lookup that touches a page for the first time costs a page fault
	 * instead of a pread(2) call plus a copy into SQLite's cache (routing,
	 * the audit, the web server). Not for writers: an import touches the
	 * whole file, and mapped pages count in its peak RSS. */
	if (st->readonly && !(flags & STORE_MEMORY) &&
	    (rc = store_exec(st, "PRAGMA mmap_size=1073741824", err)))
		goto fail;
	if (v < store_schema_version()) {
		if (st->readonly) {
			rc = baton_fail(err, BATON_DB,
				"database '%s' needs an upgrade (schema %d, baton knows %d): open it once read-write",
				path, v, store_schema_version());
			goto fail;
		}
		if ((rc = migrate(st, v, err)))
			goto fail;
	}
	*out = st;
	return BATON_OK;
fail:
	store_free(st);
	return rc ? rc : BATON_DB;
}

/* BEGIN, then one read of the main database: the read transaction (and
 * with WAL its snapshot) starts at that read, not at BEGIN. */
static int begin_read(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int ok;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	ok = sqlite3_prepare_v2(db, "SELECT count(*) FROM main.sqlite_schema", -1, &s,
				NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	if (!ok) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

enum baton_code store_read_twins(struct store *st, struct store **out, size_t n,
				 struct baton_error *err)
{
	sqlite3 *lock = NULL;
	enum baton_code rc = BATON_OK;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (!strcmp(st->path, ":memory:"))
		return baton_fail(err, BATON_USAGE,
			"no second connection to a database in memory");
	/* Twins read much of the file, each on its own: through page caches
	 * of up to 256 MiB (filled as pages are read; the whole file at
	 * 100,000 people) rather than mapped (store_open maps up to 1 GiB).
	 * A mapped page is decoded again each time it is fetched, and each
	 * connection maps the file for itself. The audit took 0.53 s
	 * against 0.61 s mapped at 100,000 people, 12.7 s against 15.1 s
	 * at 1,000,000 (17.5 s with the default 64 MiB cache). */
	for (i = 0; i < n; i++)
		if ((rc = store_open(st->path, STORE_READONLY, &out[i], err)) ||
		    (rc = store_exec(out[i], "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=0;"
				     " PRAGMA cache_size=-262144", err)))
			goto fail;
	/* No busy timeout on the lock: a writer at work means no twins. */
	if (sqlite3_open_v2(st->path, &lock, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = baton_fail(err, BATON_CONFLICT,
			"cannot hold the write lock of '%s' for a moment: %s", st->path,
			lock ? sqlite3_errmsg(lock) : "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (begin_read(out[i]->db)) {
			rc = store_fail(out[i], err, "cannot begin reading");
			goto fail;
		}
	sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(lock);
	return BATON_OK;
fail:
	sqlite3_close(lock); /* rolls back */
	for (i = 0; i < n; i++) {
		store_free(out[i]); /* ends its transaction */
		out[i] = NULL;
	}
	return rc;
}

sqlite3_stmt *store_cached(struct store *st, const char *sql,
			   struct baton_error *err)
{
	int i;
	sqlite3_stmt *s;

	for (i = 0; i < st->ncache; i++) {
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	if (store_prepare(st, sql, &s, err))
		return NULL;
	if (st->ncache < (int)(sizeof(st->cache) / sizeof(st->cache[0]))) {
		st->cache[st->ncache].sql = sql;
		st->cache[st->ncache].stmt = s;
		st->ncache++;
		return s;
	}
	sqlite3_finalize(s);
	baton_fail(err, BATON_DB, "BUG: statement cache full");
	return NULL;
}

void store_free(struct store *st)
{
	int i;

	if (!st)
		return;
	for (i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	if (st->in_tx && st->db)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

void store_set_actor(struct store *st, const char *actor)
{
	snprintf(st->actor, sizeof(st->actor), "%s", actor && *actor ? actor : "baton");
}

void store_set_clock(struct store *st, const char *now, const char *today)
{
	snprintf(st->now, sizeof(st->now), "%s", now);
	snprintf(st->today, sizeof(st->today), "%s", today);
}

enum baton_code store_begin(struct store *st, struct baton_error *err)
{
	if (st->in_tx)
		return baton_fail(err, BATON_USAGE, "BUG: nested transaction");
	if (store_exec(st, "BEGIN IMMEDIATE", err))
		return err ? err->code : BATON_DB;
	st->in_tx = 1;
	return BATON_OK;
}

enum baton_code store_commit(struct store *st, struct baton_error *err)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		enum baton_code rc = store_fail(st, err, "cannot write to database");

		store_rollback(st);
		return rc;
	}
	st->in_tx = 0;
	return BATON_OK;
}

void store_rollback(struct store *st)
{
	if (st->in_tx)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
}

enum baton_code store_read_begin(struct store *st, int *began,
				 struct baton_error *err)
{
	static const char begin_sql[] = "BEGIN";
	sqlite3_stmt *s;

	*began = 0;
	if (!sqlite3_get_autocommit(st->db))
		return BATON_OK;
	if (!(s = store_cached(st, begin_sql, err)))
		return err && err->code ? err->code : BATON_DB;
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return store_fail(st, err, "cannot read");
	}
	sqlite3_reset(s);
	*began = 1;
	return BATON_OK;
}

void store_read_end(struct store *st, int began)
{
	static const char commit_sql[] = "COMMIT";
	sqlite3_stmt *s;

	if (!began)
		return;
	if ((s = store_cached(st, commit_sql, NULL)) &&
	    sqlite3_step(s) == SQLITE_DONE) {
		sqlite3_reset(s);
		return;
	}
	if (s)
		sqlite3_reset(s);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

enum baton_code store_data_version(struct store *st, long long *out,
				   struct baton_error *err)
{
	static const char sql[] = "PRAGMA data_version";
	sqlite3_stmt *s = store_cached(st, sql, err);

	if (!s)
		return err && err->code ? err->code : BATON_DB;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return store_fail(st, err, "cannot read");
	}
	*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return BATON_OK;
}

int store_wal_stamp(struct store *st, unsigned char out[STORE_STAMP_SIZE])
{
	/* the WAL index: region 0 of WALINDEX_PGSZ bytes, starting with two
	 * copies of the 48-byte header: iVersion (3007000), unused, iChange,
	 * isInit, bigEndCksum, szPage, mxFrame, nPage, checksums and salts.
	 * A commit writes copy 2, then copy 1; so read 1 then 2, as SQLite's
	 * own readers do, and trust them only when they agree. */
	enum { REGION = 32768, VERSION = 3007000 };
	unsigned char second[STORE_STAMP_SIZE];
	sqlite3_file *f = NULL;
	volatile void *map = NULL;
	unsigned version;
	int rc;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER,
				 &f) != SQLITE_OK || !f || !f->pMethods ||
	    f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
		return -1;
	rc = f->pMethods->xShmMap(f, 0, REGION, 0, &map);
	if ((rc != SQLITE_OK && rc != SQLITE_READONLY) || !map)
		return -1;
	memcpy(out, (const void *)map, STORE_STAMP_SIZE);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(second, (const char *)map + STORE_STAMP_SIZE, STORE_STAMP_SIZE);
	memcpy(&version, out, sizeof(version));
	/* isInit (byte 12) is 0 until a connection has built the index */
	if (version != VERSION || !out[12] ||
	    memcmp(out, second, STORE_STAMP_SIZE))
		return -1;
	return 0;
}

/* 1 when the connection's database is in WAL mode (PRAGMA journal_mode),
 * 0 when not or when that cannot be read. */
static int store_is_wal(struct store *st)
{
	sqlite3_stmt *s = store_cached(st, "PRAGMA journal_mode", NULL);
	const char *mode;
	int wal = 0;

	if (!s)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW &&
	    (mode = (const char *)sqlite3_column_text(s, 0)))
		wal = !strcmp(mode, "wal");
	sqlite3_reset(s);
	return wal;
}

enum baton_code store_data_version_now(struct store *st, long long *out,
				       struct baton_error *err)
{
	unsigned char stamp[STORE_STAMP_SIZE];
	int stamped = 0;
	enum baton_code rc;

	/* a connection in WAL mode stays so unless it leaves itself
	 * (journal_mode() then forgets this): leaving WAL needs every other
	 * connection closed */
	if (!st->wal)
		st->wal = store_is_wal(st) ? 1 : 2;
	if (st->wal == 1 && sqlite3_get_autocommit(st->db) &&
	    !store_wal_stamp(st, stamp)) {
		if (st->dv_ok && !memcmp(stamp, st->dv_stamp, sizeof(stamp))) {
			*out = st->dv;
			return BATON_OK;
		}
		stamped = 1;
	}
	st->dv_ok = 0;
	if ((rc = store_data_version(st, out, err)))
		return rc;
	if (stamped) {
		memcpy(st->dv_stamp, stamp, sizeof(stamp));
		st->dv = *out;
		st->dv_ok = 1;
	}
	return BATON_OK;
}

enum baton_code store_backup(struct store *st, const char *path,
			     struct baton_error *err)
{
	sqlite3 *dest = NULL;
	sqlite3_backup *b;
	struct stat sb;
	enum baton_code rc = BATON_OK;
	int step;

	if (stat(path, &sb) == 0)
		return baton_fail(err, BATON_IO,
			"'%s' already exists: choose a new file for the backup", path);
	if (sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		rc = baton_fail(err, BATON_IO, "cannot create '%s': %s", path,
				dest ? sqlite3_errmsg(dest) : "out of memory");
		goto out;
	}
	b = sqlite3_backup_init(dest, "main", st->db, "main");
	if (!b) {
		rc = baton_fail(err, BATON_DB, "cannot back up '%s' to '%s': %s",
				st->path, path, sqlite3_errmsg(dest));
		goto out;
	}
	/* One step copies everything under one read transaction: a snapshot. */
	step = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		rc = baton_fail(err, BATON_IO, "cannot back up '%s' to '%s': %s",
				st->path, path, sqlite3_errstr(step));
		goto out;
	}
	if (sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
		rc = baton_fail(err, BATON_IO, "cannot finish backup '%s': %s", path,
				sqlite3_errmsg(dest));
out:
	sqlite3_close(dest);
	if (rc)
		remove(path);
	return rc;
}
