/* error.h - the core's single result code and its list of located diagnostics.
 *
 * Every core function returns an enum baton_code. Detail travels in a
 * struct baton_error the caller owns: a list of diagnostics, each with an
 * optional source location, so one call (an import, say) can report every
 * problem it found at once. The core never prints; cli/ and web/ format the
 * diagnostics (baton_diag_format gives the FILE:LINE:COLUMN form).
 */
#ifndef BATON_ERROR_H
#define BATON_ERROR_H

#include <stddef.h>

enum baton_code {
	BATON_OK = 0,
	BATON_INVALID,  /* validation failed: bad input data (exit 1) */
	BATON_NOTFOUND, /* a named entity does not exist (exit 1) */
	BATON_CONFLICT, /* drift or state conflict (exit 1) */
	BATON_USAGE,    /* the caller asked for something meaningless (exit 2) */
	BATON_NOMEM,    /* out of memory (exit 3) */
	BATON_IO,       /* a file could not be read or written (exit 3) */
	BATON_DB,       /* the database failed: unwritable, full, corrupt (exit 3) */
	BATON_TOONEW    /* the database was written by a newer baton (exit 3) */
};

enum baton_severity { BATON_SEV_ERROR, BATON_SEV_WARNING, BATON_SEV_NOTE };

struct baton_diag {
	enum baton_severity severity;
	char *file;   /* NULL when the problem has no source file */
	int line;     /* 1-based; 0 when unknown */
	int column;   /* 1-based; 0 when unknown */
	char *message;
};

struct baton_error {
	enum baton_code code;     /* first non-OK code recorded, else BATON_OK */
	struct baton_diag *diags;
	size_t n, alloc;
	size_t nerrors;           /* diagnostics with severity error */
	int oom;                  /* a diagnostic could not be stored */
};

#define BATON_ERROR_INIT { BATON_OK, NULL, 0, 0, 0, 0 }

void baton_error_init(struct baton_error *err);
/* Free every diagnostic; err is empty and reusable afterwards. NULL is a no-op. */
void baton_error_release(struct baton_error *err);

/* Record an error diagnostic; returns `code` so a function can write
 * `return baton_fail(err, BATON_INVALID, ...)`. `file` may be NULL.
 * err may be NULL (the detail is dropped). */
enum baton_code baton_fail_at(struct baton_error *err, enum baton_code code,
			      const char *file, int line, int column,
			      const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
enum baton_code baton_fail(struct baton_error *err, enum baton_code code,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record a warning (does not change err->code). */
void baton_warn_at(struct baton_error *err, const char *file, int line,
		   int column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Record a note (information for the user, e.g. a skipped document). */
void baton_note_at(struct baton_error *err, const char *file, int line,
		   int column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Append n diagnostics recorded elsewhere to err, in order, taking their
 * strings (set to NULL in diags; the caller frees the array). err's counts
 * (code, nerrors) are the caller's to bring along. Out of memory: the rest
 * is left in diags and err->oom is set. */
void baton_error_adopt(struct baton_error *err, struct baton_diag *diags,
		       size_t n);

/* "FILE:LINE:COLUMN: error: MESSAGE" (parts omitted when unknown), malloc'd. */
char *baton_diag_format(const struct baton_diag *d);
/* Exit status for a code: 0 ok, 1 data, 2 usage, 3 runtime. */
int baton_exit_status(enum baton_code code);
/* Short English name of the code, e.g. "out of memory". */
const char *baton_code_str(enum baton_code code);

#endif
