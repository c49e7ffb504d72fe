/* store.h - the SQLite database: open, migrate, transactions.
 *
 * One struct store per connection. The schema lives in schemas/NNN_*.sql and
 * is applied in order; PRAGMA user_version holds the schema version. A
 * database written by a newer baton (user_version above what this binary
 * knows) is refused rather than guessed at. The store also carries who acts
 * and when (actor, now, today): the core never reads the clock itself, so
 * tests and `--on` can fix the date.
 */
#ifndef BATON_STORE_H
#define BATON_STORE_H

#include <sqlite3.h>

#include "error.h"

/* The size of a WAL stamp (store_wal_stamp). */
#define STORE_STAMP_SIZE 48

enum store_flags {
	STORE_CREATE = 1,   /* create the file when missing */
	STORE_READONLY = 2, /* open read-only (web workers, reports) */
	STORE_MEMORY = 4    /* path is ignored; an in-memory database */
};

struct store {
	sqlite3 *db;
	char *path;
	int readonly;
	char actor[128];    /* who makes changes: $USER or --as */
	char now[32];       /* UTC timestamp YYYY-MM-DDTHH:MM:SSZ for events */
	char today[11];     /* YYYY-MM-DD, the date decisions are made on */
	int in_tx;
	int bulk_fd;         /* SQLite's descriptor of the file during a bulk
				import, for store_bulk_flush (-1: none) */
	long long bulk_cache; /* cache_size to restore after it (0: kept) */
	struct store_cached {
		const char *sql;    /* static string: the cache key is its address */
		sqlite3_stmt *stmt;
	} cache[96];
	int ncache;
	/* store_data_version_now: the last data version read by statement,
	 * valid while the WAL stamp reads dv_stamp (dv_ok) */
	int wal;            /* 0 not known yet, 1 WAL, 2 not WAL */
	int dv_ok;
	long long dv;
	unsigned char dv_stamp[STORE_STAMP_SIZE];
};

/* Open (and with STORE_CREATE create and migrate) the database at path.
 * On success *out is a new store the caller frees with store_free. A path
 * that is not a SQLite database, or a database newer than this binary, is
 * refused with BATON_DB/BATON_TOONEW and left untouched. */
enum baton_code store_open(const char *path, int flags, struct store **out,
			   struct baton_error *err);
/* Close and free; NULL is a harmless no-op. Rolls back an open transaction. */
void store_free(struct store *st);
/* Highest schema version this binary knows. */
int store_schema_version(void);

/* Set the actor and the clock the store records in events. */
void store_set_actor(struct store *st, const char *actor);
void store_set_clock(struct store *st, const char *now, const char *today);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Nested begin is an error (BUG). */
enum baton_code store_begin(struct store *st, struct baton_error *err);
enum baton_code store_commit(struct store *st, struct baton_error *err);
void store_rollback(struct store *st);

/* A read snapshot: BEGIN (deferred) / COMMIT with statements prepared once
 * per store, for a request or a lookup that runs several queries which
 * must see the same data; SQLite then takes its WAL read lock once, not per
 * query. store_read_begin returns BATON_OK with *began 0 (and does nothing)
 * when a transaction is already open, so calls nest; store_read_end ends
 * the snapshot only when *began says this caller opened it. */
enum baton_code store_read_begin(struct store *st, int *began,
				 struct baton_error *err);
void store_read_end(struct store *st, int began);

/* n new read-only connections to st's database that all read the same
 * snapshot (the latest commit), for a computation split over threads (one
 * connection each). Each is left inside a read transaction; store_free
 * ends it. Their temporary tables and sorts are kept in memory, and they
 * read the file through page caches of up to 256 MiB, not mapped. SQLite
 * here has no snapshot API, so one more connection holds the write lock
 * (BEGIN IMMEDIATE) while each of them begins and reads: no commit can
 * fall between their reads. Writers are held off for that instant only;
 * this function never waits for one. Refused, with nothing open, when st is
 * in memory (BATON_USAGE), when the file cannot be locked because another
 * connection is writing or it is read-only (BATON_CONFLICT), or when a
 * connection fails (BATON_DB, BATON_NOMEM). st itself is not used. */
enum baton_code store_read_twins(struct store *st, struct store **out, size_t n,
				 struct baton_error *err);

/* A bulk write into a database file that holds nothing yet (the first
 * import): between store_bulk_begin() and store_bulk_end() the file uses a
 * rollback journal with synchronous=FULL instead of WAL, so the pages are
 * written once (WAL writes them to the log, then copies them into the
 * file). A rollback journal is SQLite's other crash-safe mode: a crash or
 * power loss before the commit leaves a hot journal that the next opening
 * rolls back. The page cache is at most 16 MiB meanwhile (see store.c);
 * a writer reads without the memory map anyway (store_open). Call outside a
 * transaction; returns 1 when the mode was
 * switched (0: the store is in memory, read-only, not in WAL, or another
 * connection has the file open; nothing changed). store_bulk_end() goes
 * back to WAL and synchronous=NORMAL; it is harmless when begin returned 0. */
int store_bulk_begin(struct store *st);
void store_bulk_end(struct store *st, int switched);
/* During a bulk import (store_bulk_begin returned 1): ask the kernel to
 * start writing to disk, in the background, the pages SQLite has written
 * to the database file so far, so that the commit's fsync has less to wait
 * for. Durability is unchanged (the commit still syncs; SQLite writes no
 * page of the file before its journal is synced). Safe to call from
 * another thread than the one writing; does nothing where the file
 * cannot be found or the system has no such call. */
void store_bulk_flush(struct store *st);


/* A stamp of the last commit to the file, read without a transaction and
 * without a system call: the header of SQLite's WAL index in the shared
 * memory SQLite has already mapped (the -shm file, whose layout is part of
 * SQLite's documented file format, sqlite.org/walformat.html). Every
 * commit by any connection or process changes it (its change counter and
 * frame count); so a cache checked against the database in a read
 * transaction that began after stamp S was read is still true while the
 * stamp reads S (and this connection wrote nothing: compare
 * sqlite3_total_changes64). Returns 0 with the stamp in out, or -1 when
 * there is none to read: a file not in WAL mode, an index not mapped yet,
 * a commit writing the header at this moment (its two copies differ).
 * Call it only on a connection known to be in WAL mode (PRAGMA
 * journal_mode): on another it would create the -shm file. */
int store_wal_stamp(struct store *st, unsigned char out[STORE_STAMP_SIZE]);
/* store_data_version outside a transaction (a web worker's between
 * requests, a route's before it decides whether it needs one), without
 * running a statement while the WAL stamp reads as it did just before the
 * last one ran: no commit since, so the same version. The statement opens
 * and ends a read transaction, three system calls; this reads shared
 * memory. On a file not in WAL mode the statement always runs. */
enum baton_code store_data_version_now(struct store *st, long long *out,
				       struct baton_error *err);

/* SQLite's PRAGMA data_version for this connection into *out: it changes
 * when another connection commits, so caches kept per connection compare
 * it to know whether the data moved. */
enum baton_code store_data_version(struct store *st, long long *out,
				   struct baton_error *err);

/* Run SQL with no result rows (schema, pragmas). */
enum baton_code store_exec(struct store *st, const char *sql,
			   struct baton_error *err);
/* Prepare a statement; on failure records the SQLite message. */
enum baton_code store_prepare(struct store *st, const char *sql,
			      sqlite3_stmt **out, struct baton_error *err);
/* A prepared statement for a static SQL string, prepared once per store
 * and reset (bindings cleared) before it is handed out. The store owns it:
 * do not finalize. NULL on failure, with the error recorded. */
sqlite3_stmt *store_cached(struct store *st, const char *sql,
			   struct baton_error *err);
/* Copy the whole database to a new file at `path` with SQLite's online
 * backup API: a consistent snapshot even while other processes (the web
 * server, an import) use the database. An existing file at path is
 * refused with BATON_IO rather than overwritten. */
enum baton_code store_backup(struct store *st, const char *path,
			     struct baton_error *err);
/* Record the connection's current SQLite error as a BATON_DB failure,
 * naming the database file; `what` says what was being done. */
enum baton_code store_fail(struct store *st, struct baton_error *err,
			   const char *what);

#endif
