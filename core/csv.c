/* csv.c - RFC 4180 reader and the people-from-a-spreadsheet loader; see csv.h.
 *
 * The reader is a single forward pass over the buffer with an explicit
 * index that is compared with `len` before every read, so it cannot read
 * past the end whatever the input. Field values are unquoted into one
 * buffer per record (each NUL-terminated) and their offsets fixed up into
 * pointers just before the callback.
 */
#include "csv.h"
#include "model.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct csv_reader {
	const char *label;
	const char *buf;
	size_t len, i;
	int line, col;
	struct baton_error *err;
	struct strbuf text;        /* unquoted values of the current record */
	size_t *offs;              /* offset of each field in text */
	struct csv_field *fields;
	size_t nf, af;
	int stop;                  /* a syntax error was recorded */
};

/* Move past one byte, counting characters (UTF-8 continuation bytes do
 * not start a new column). */
static void step(struct csv_reader *R)
{
	unsigned char c = (unsigned char)R->buf[R->i];

	R->i++;
	if (c == '\n') {
		R->line++;
		R->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		R->col++;
	}
}

static void syntax(struct csv_reader *R, int line, int col, const char *msg)
{
	baton_fail_at(R->err, BATON_INVALID, R->label, line, col, "%s", msg);
	R->stop = 1;
}

static enum baton_code push_field(struct csv_reader *R, int line, int col,
				  size_t off, int quoted)
{
	if (R->nf == CSV_MAX_FIELDS) {
		syntax(R, line, col, "too many fields in one record (at most 1024)");
		return BATON_OK;
	}
	if (R->nf == R->af) {
		size_t na = R->af ? R->af * 2 : 16;
		size_t *po = realloc(R->offs, na * sizeof(*po));
		struct csv_field *pf;

		if (!po)
			return baton_fail(R->err, BATON_NOMEM, "out of memory");
		R->offs = po;
		pf = realloc(R->fields, na * sizeof(*pf));
		if (!pf)
			return baton_fail(R->err, BATON_NOMEM, "out of memory");
		R->fields = pf;
		R->af = na;
	}
	strbuf_addch(&R->text, '\0');
	R->offs[R->nf] = off;
	R->fields[R->nf].len = R->text.len - 1 - off;
	R->fields[R->nf].line = line;
	R->fields[R->nf].column = col;
	R->fields[R->nf].quoted = quoted;
	R->nf++;
	return BATON_OK;
}

/* Read one field starting at R->i; leaves R->i on the separator, the
 * record end or the end of the buffer. */
static enum baton_code read_field(struct csv_reader *R)
{
	int line = R->line, col = R->col, quoted = 0;
	size_t off = R->text.len, start = R->text.len;

	if (R->i < R->len && R->buf[R->i] == '"') {
		quoted = 1;
		step(R);
		for (;;) {
			char c;

			if (R->i >= R->len) {
				syntax(R, line, col, "unterminated quoted field (its closing '\"' is missing)");
				return BATON_OK;
			}
			c = R->buf[R->i];
			if (c == '"') {
				if (R->i + 1 < R->len && R->buf[R->i + 1] == '"') {
					strbuf_addch(&R->text, '"');
					step(R);
					step(R);
				} else {
					step(R);
					break;
				}
			} else if (c == '\0') {
				syntax(R, R->line, R->col, "NUL byte in a field");
				return BATON_OK;
			} else if (c == '\r' && R->i + 1 < R->len && R->buf[R->i + 1] == '\n') {
				strbuf_addch(&R->text, '\n'); /* CRLF inside quotes -> LF */
				step(R);
				step(R);
			} else {
				strbuf_addch(&R->text, c);
				step(R);
			}
			if (R->text.len - start > CSV_MAX_FIELD) {
				syntax(R, line, col, "field longer than 65536 bytes");
				return BATON_OK;
			}
		}
		if (R->i < R->len && R->buf[R->i] != ',' && R->buf[R->i] != '\n' &&
		    !(R->buf[R->i] == '\r' && R->i + 1 < R->len && R->buf[R->i + 1] == '\n')) {
			syntax(R, R->line, R->col,
			       "unexpected text after a closing quote (write a quote inside a quoted field as \"\")");
			return BATON_OK;
		}
	} else {
		while (R->i < R->len) {
			char c = R->buf[R->i];

			if (c == ',' || c == '\n')
				break;
			if (c == '\r') {
				if (R->i + 1 < R->len && R->buf[R->i + 1] == '\n')
					break;
				syntax(R, R->line, R->col, "carriage return outside quotes not followed by a line feed");
				return BATON_OK;
			}
			if (c == '"') {
				syntax(R, R->line, R->col,
				       "quote inside an unquoted field (quote the whole field and write the quote as \"\")");
				return BATON_OK;
			}
			if (c == '\0') {
				syntax(R, R->line, R->col, "NUL byte in a field");
				return BATON_OK;
			}
			strbuf_addch(&R->text, c);
			step(R);
			if (R->text.len - start > CSV_MAX_FIELD) {
				syntax(R, line, col, "field longer than 65536 bytes");
				return BATON_OK;
			}
		}
	}
	if (!strbuf_ok(&R->text))
		return baton_fail(R->err, BATON_NOMEM, "out of memory");
	return push_field(R, line, col, off, quoted);
}

enum baton_code csv_parse(const char *label, const char *buf, size_t len,
			  csv_record_fn fn, void *data, struct baton_error *err)
{
	struct csv_reader R;
	enum baton_code rc = BATON_OK;

	memset(&R, 0, sizeof(R));
	R.label = label;
	R.buf = buf;
	R.len = len;
	R.line = 1;
	R.col = 1;
	R.err = err;
	strbuf_init(&R.text);
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		R.i = 3; /* byte-order mark: not part of the first field */
	while (!rc && !R.stop && R.i < R.len) {
		struct csv_record rec;
		size_t k;

		strbuf_reset(&R.text);
		R.nf = 0;
		rec.line = R.line;
		for (;;) {
			if ((rc = read_field(&R)) || R.stop)
				break;
			if (R.i < R.len && R.buf[R.i] == ',') {
				step(&R);
				continue;
			}
			break;
		}
		if (rc || R.stop)
			break;
		rec.end_line = R.line;
		rec.end_column = R.col;
		if (R.i < R.len && R.buf[R.i] == '\r')
			step(&R);
		if (R.i < R.len && R.buf[R.i] == '\n')
			step(&R);
		for (k = 0; k < R.nf; k++)
			R.fields[k].text = R.text.buf + R.offs[k];
		rec.fields = R.fields;
		rec.n = R.nf;
		rc = fn(&rec, data);
	}
	strbuf_release(&R.text);
	free(R.offs);
	free(R.fields);
	return rc;
}

/* ------------------------------------------------------------------ */
/* People                                                              */
/* ------------------------------------------------------------------ */

enum col { COL_NAME, COL_DISPLAY, COL_EMAIL, COL_TEAM, COL_STATUS, COL_LEAVING, NCOLS };

static const char *const col_names[NCOLS] = {
	"name", "displayName", "email", "team", "status", "leavingOn"
};

struct people {
	const char *label;
	load_fn fn;
	void *data;
	struct baton_error *err;
	int have_header;
	size_t ncols;        /* fields in the header */
	int col[NCOLS];      /* header index of each column, -1 when absent */
};

static void bad(struct people *P, const struct csv_field *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bad(struct people *P, const struct csv_field *f, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	baton_fail_at(P->err, BATON_INVALID, P->label, f->line, f->column, "%s",
		      strbuf_ok(&sb) ? sb.buf : "invalid field");
	strbuf_release(&sb);
}

static enum baton_code header(struct people *P, const struct csv_record *r)
{
	struct strbuf extra = STRBUF_INIT;
	const struct csv_field *first_extra = NULL;
	size_t i;
	int c;

	P->have_header = 1;
	P->ncols = r->n;
	for (c = 0; c < NCOLS; c++)
		P->col[c] = -1;
	for (i = 0; i < r->n; i++) {
		const struct csv_field *f = &r->fields[i];
		const char *s = f->text;
		size_t n = f->len;

		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		for (c = 0; c < NCOLS; c++)
			if (strlen(col_names[c]) == n && !strncasecmp(s, col_names[c], n))
				break;
		if (c == NCOLS) {
			if (!first_extra)
				first_extra = f;
			strbuf_addf(&extra, "%s'%.*s'", extra.len ? ", " : "", (int)n, s);
			continue;
		}
		if (P->col[c] >= 0) {
			bad(P, f, "duplicate column '%s' in the header", col_names[c]);
			continue;
		}
		P->col[c] = (int)i;
	}
	if (P->col[COL_NAME] < 0)
		baton_fail_at(P->err, BATON_INVALID, P->label, r->line, 1,
			      "the header row has no 'name' column (columns: name, displayName, email, team, status, leavingOn)");
	if (first_extra)
		baton_note_at(P->err, P->label, first_extra->line, first_extra->column,
			      "ignoring columns baton does not use: %s", extra.buf);
	if (!strbuf_ok(&extra)) {
		strbuf_release(&extra);
		return baton_fail(P->err, BATON_NOMEM, "out of memory");
	}
	strbuf_release(&extra);
	return BATON_OK;
}

static enum baton_code person_row(const struct csv_record *r, void *data)
{
	static const char *const status_values[] = { "active", "leaving", "left" };
	struct people *P = data;
	size_t before = P->err ? P->err->nerrors : 0;
	const struct csv_field *name;
	struct load_ref ref;
	struct load_decl d;
	json_t *spec = NULL;
	enum baton_code rc = BATON_OK;
	int c, nrefs = 0;

	if (!P->have_header)
		return header(P, r);
	if (P->col[COL_NAME] < 0)
		return BATON_OK; /* reported at the header */
	if (r->n == 1 && r->fields[0].len == 0)
		return BATON_OK; /* a blank line */
	if (r->n != P->ncols) {
		char got[24], want[24];

		snprintf(got, sizeof(got), "%zu", r->n);
		snprintf(want, sizeof(want), "%zu", P->ncols);
		if (r->n > P->ncols)
			bad(P, &r->fields[P->ncols], "this row has %s fields but the header has %s", got, want);
		else
			baton_fail_at(P->err, BATON_INVALID, P->label, r->end_line,
				      r->end_column,
				      "this row has %s fields but the header has %s", got, want);
		return BATON_OK;
	}
	name = &r->fields[P->col[COL_NAME]];
	if (!name->len) {
		bad(P, name, "missing 'name'");
		return BATON_OK;
	}
	if (!name_valid(name->text)) {
		bad(P, name, "'%s' is not a valid name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
		    name->text);
		return BATON_OK;
	}
	if (!(spec = json_object()))
		return baton_fail(P->err, BATON_NOMEM, "out of memory");
	for (c = COL_DISPLAY; c < NCOLS; c++) {
		const struct csv_field *f;
		json_t *v;
		size_t k;

		if (P->col[c] < 0 || !r->fields[P->col[c]].len)
			continue;
		f = &r->fields[P->col[c]];
		if (!(v = json_stringn(f->text, f->len))) {
			bad(P, f, "'%s' is not valid UTF-8 text", col_names[c]);
			continue;
		}
		switch (c) {
		case COL_TEAM:
			if (!name_valid(f->text)) {
				bad(P, f, "team '%s' is not a valid name", f->text);
				json_decref(v);
				v = NULL;
				break;
			}
			ref.kind = KIND_TEAM;
			ref.name = (char *)f->text;
			ref.line = f->line;
			ref.column = f->column;
			ref.field = "team";
			nrefs = 1;
			break;
		case COL_STATUS:
			for (k = 0; k < 3; k++)
				if (!strcmp(f->text, status_values[k]))
					break;
			if (k == 3) {
				bad(P, f, "'status' must be one of active, leaving, left, got '%s'",
				    f->text);
				json_decref(v);
				v = NULL;
			}
			break;
		case COL_LEAVING:
			if (!date_valid(f->text)) {
				bad(P, f, "'leavingOn' must be a date (YYYY-MM-DD), got '%s'",
				    f->text);
				json_decref(v);
				v = NULL;
			}
			break;
		default:
			break;
		}
		if (v && json_object_set_new(spec, col_names[c], v)) {
			rc = baton_fail(P->err, BATON_NOMEM, "out of memory");
			goto out;
		}
	}
	if (!json_object_get(spec, "status") &&
	    json_object_set_new(spec, "status", json_string("active"))) {
		rc = baton_fail(P->err, BATON_NOMEM, "out of memory");
		goto out;
	}
	memset(&d, 0, sizeof(d));
	d.kind = KIND_PERSON;
	d.name = name->text;
	d.spec = spec;
	d.file = P->label;
	d.line = name->line;
	d.column = name->column;
	d.refs = nrefs ? &ref : NULL;
	d.nrefs = (size_t)nrefs;
	d.invalid = P->err && P->err->nerrors > before;
	rc = P->fn(&d, P->data);
out:
	json_decref(spec);
	return rc;
}

enum baton_code csv_load_people(const char *label, const char *buf, size_t len,
				load_fn fn, void *data, struct baton_error *err)
{
	struct people P;
	enum baton_code rc;
	size_t before = err ? err->nerrors : 0;

	memset(&P, 0, sizeof(P));
	P.label = label;
	P.fn = fn;
	P.data = data;
	P.err = err;
	rc = csv_parse(label, buf, len, person_row, &P, err);
	if (!rc && !P.have_header && (!err || err->nerrors == before))
		baton_fail_at(err, BATON_INVALID, label, 1, 1,
			      "empty file: a people CSV starts with a header row naming at least 'name'");
	return rc;
}
