/* fuzz_common.h - helpers shared by the fuzz targets that need a database:
 * an in-memory store with a fixed clock, optionally loaded with examples/
 * (found through $BATON_FUZZ_EXAMPLES, else ./examples, i.e. run from the
 * repository root as `make fuzz` and `make check` do).
 */
#ifndef BATON_FUZZ_COMMON_H
#define BATON_FUZZ_COMMON_H

#include "fuzz.h"

#include "import.h"
#include "store.h"

/* A new in-memory store (examples/ imported when examples); aborts on
 * failure, since no input could be tested without it. */
static inline struct store *fuzz_store(int examples)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	if (store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err)) {
		fprintf(stderr, "fuzz: cannot open a memory store\n");
		abort();
	}
	store_set_actor(st, "fuzz");
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	if (examples) {
		const char *dir = getenv("BATON_FUZZ_EXAMPLES");
		const char *paths[1];
		struct import_opts opts = { 0 };
		struct import_result res;

		paths[0] = dir && *dir ? dir : "examples";
		import_result_init(&res);
		if (import_paths(st, paths, 1, &opts, &res, &err)) {
			fprintf(stderr, "fuzz: cannot import %s (run from the "
				"repository root or set BATON_FUZZ_EXAMPLES)\n", paths[0]);
			abort();
		}
		import_result_release(&res);
	}
	baton_error_release(&err);
	return st;
}

#endif
