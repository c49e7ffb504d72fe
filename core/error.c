/* error.c - located diagnostics collected by the core; see error.h. */
#include "error.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void baton_error_init(struct baton_error *err)
{
	memset(err, 0, sizeof(*err));
}

void baton_error_release(struct baton_error *err)
{
	size_t i;

	if (!err)
		return;
	for (i = 0; i < err->n; i++) {
		free(err->diags[i].file);
		free(err->diags[i].message);
	}
	free(err->diags);
	baton_error_init(err);
}

/* Room for one more diagnostic; 0 (and err->oom) when there is none. */
static int diag_room(struct baton_error *err)
{
	if (err->n == err->alloc) {
		size_t na = err->alloc ? err->alloc * 2 : 8;
		struct baton_diag *p = realloc(err->diags, na * sizeof(*p));

		if (!p) {
			err->oom = 1;
			return 0;
		}
		err->diags = p;
		err->alloc = na;
	}
	return 1;
}

void baton_error_adopt(struct baton_error *err, struct baton_diag *diags,
		       size_t n)
{
	size_t i;

	for (i = 0; i < n && diag_room(err); i++) {
		err->diags[err->n++] = diags[i];
		diags[i].file = diags[i].message = NULL;
	}
}

static void add_diag(struct baton_error *err, enum baton_severity sev,
		     const char *file, int line, int column,
		     const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	struct baton_diag *d;

	if (sev == BATON_SEV_ERROR)
		err->nerrors++;
	if (!diag_room(err))
		return;
	strbuf_vaddf(&sb, fmt, ap);
	d = &err->diags[err->n];
	d->severity = sev;
	d->line = line;
	d->column = column;
	d->file = file ? strdup(file) : NULL;
	d->message = strbuf_detach(&sb);
	if (!d->message || (file && !d->file)) {
		free(d->file);
		free(d->message);
		err->oom = 1;
		return;
	}
	err->n++;
}

enum baton_code baton_fail_at(struct baton_error *err, enum baton_code code,
			      const char *file, int line, int column,
			      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	if (err->code == BATON_OK)
		err->code = code;
	va_start(ap, fmt);
	add_diag(err, BATON_SEV_ERROR, file, line, column, fmt, ap);
	va_end(ap);
	return code;
}

enum baton_code baton_fail(struct baton_error *err, enum baton_code code,
			   const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	if (err->code == BATON_OK)
		err->code = code;
	va_start(ap, fmt);
	add_diag(err, BATON_SEV_ERROR, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

void baton_warn_at(struct baton_error *err, const char *file, int line,
		   int column, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	add_diag(err, BATON_SEV_WARNING, file, line, column, fmt, ap);
	va_end(ap);
}

void baton_note_at(struct baton_error *err, const char *file, int line,
		   int column, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	add_diag(err, BATON_SEV_NOTE, file, line, column, fmt, ap);
	va_end(ap);
}

char *baton_diag_format(const struct baton_diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	static const char *sev[] = { "error", "warning", "note" };

	if (d->file) {
		strbuf_addf(&sb, "%s:", d->file);
		if (d->line > 0) {
			strbuf_addf(&sb, "%d:", d->line);
			if (d->column > 0)
				strbuf_addf(&sb, "%d:", d->column);
		}
		strbuf_addch(&sb, ' ');
	}
	strbuf_addf(&sb, "%s: %s", sev[d->severity], d->message);
	return strbuf_detach(&sb);
}

int baton_exit_status(enum baton_code code)
{
	switch (code) {
	case BATON_OK: return 0;
	case BATON_INVALID:
	case BATON_NOTFOUND:
	case BATON_CONFLICT: return 1;
	case BATON_USAGE: return 2;
	default: return 3;
	}
}

const char *baton_code_str(enum baton_code code)
{
	switch (code) {
	case BATON_OK: return "ok";
	case BATON_INVALID: return "invalid input";
	case BATON_NOTFOUND: return "not found";
	case BATON_CONFLICT: return "conflict";
	case BATON_USAGE: return "usage error";
	case BATON_NOMEM: return "out of memory";
	case BATON_IO: return "input/output error";
	case BATON_DB: return "database error";
	case BATON_TOONEW: return "database too new";
	}
	return "unknown error";
}
