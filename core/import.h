/* import.h - apply YAML files to the database, declaratively and atomically.
 *
 * An import runs in one transaction: every document is validated and
 * written as it streams in, references are checked at the end against what
 * the database then holds, and any error rolls everything back, so a failed
 * import writes nothing. Identical files change nothing and record no event.
 * An entity changed inside baton since its last import (a handover, an
 * absence, a journal entry) is not silently overwritten: that is a conflict
 * unless `force`.
 */
#ifndef BATON_IMPORT_H
#define BATON_IMPORT_H

#include <stddef.h>

#include "error.h"
#include "load.h"
#include "store.h"
#include "strbuf.h"

struct import_opts {
	int prune;   /* delete entities the files no longer declare */
	int dry_run; /* validate and plan, then roll back */
	int force;   /* overwrite in-baton changes (drift) */
	int yes;     /* allow a prune that deletes more than a tenth of a kind */
	int one_thread; /* import_paths: parse on the calling thread too (by
			   default a second thread parses while the calling
			   one writes; the outcome is the same) */
};

struct import_result {
	struct strbuf plan; /* "+ role/x\n", "~ role/y: holders\n", "- rule/z\n" */
	size_t created, updated, deleted, unchanged;
	int skipped; /* 1: the files and options were those of the last import
			and nothing was written since, so they were not parsed
			again: every entity is unchanged (see import_paths) */
};

void import_result_init(struct import_result *r);
void import_result_release(struct import_result *r);

/* Import the files and directories in paths[0..n). The import records a
 * digest of the bytes it read and of its options when it commits without a
 * single diagnostic (schemas/011_manifest.sql); when the next import finds
 * the same digest and no event written since, it answers "all unchanged"
 * (res->skipped) without parsing. Returns BATON_OK when
 * the import was applied (or, with dry_run, would apply); BATON_INVALID
 * or BATON_CONFLICT with every problem in err when it was refused (nothing
 * written); BATON_IO/BATON_DB/BATON_NOMEM for runtime failures. */
enum baton_code import_paths(struct store *st, const char *const *paths,
			     size_t n, const struct import_opts *opts,
			     struct import_result *res, struct baton_error *err);

/* The same, reading files as `format` (LOAD_CSV for --format csv). */
enum baton_code import_paths_as(struct store *st, const char *const *paths,
				size_t n, enum load_format format,
				const struct import_opts *opts,
				struct import_result *res, struct baton_error *err);

/* The same for one in-memory buffer (tests, fuzzing). */
enum baton_code import_buffer(struct store *st, const char *label,
			      const char *buf, size_t len,
			      const struct import_opts *opts,
			      struct import_result *res, struct baton_error *err);

#endif
