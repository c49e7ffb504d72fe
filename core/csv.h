/* csv.h - a small, strict RFC 4180 reader, and people from a spreadsheet.
 *
 * csv_parse() walks a buffer once and hands each record to a callback as an
 * array of fields, each with the line and column (1-based, in characters)
 * where it starts, so callers can report FILE:LINE:COLUMN. It accepts:
 * comma separators, LF or CRLF record ends, double-quoted fields with
 * doubled quotes ("") and embedded newlines, a UTF-8 byte-order mark at the
 * start, and a missing final newline. Anything else (a quote inside an
 * unquoted field, text after a closing quote, an unterminated quote, a bare
 * CR, a NUL byte, a field or record past the bounds below) is an error with
 * its location, and parsing of that buffer stops there. It never reads
 * outside [buf, buf + len) and needs no NUL terminator. No Debian package
 * offers an RFC 4180 parser for C (libcsv is not packaged), hence this one.
 *
 * csv_load_people() turns a spreadsheet export of people (header row with
 * name, displayName, email, team, status, leavingOn) into Person specs and
 * hands them to a load_fn, exactly as the YAML loader does.
 */
#ifndef BATON_CSV_H
#define BATON_CSV_H

#include <stddef.h>

#include "error.h"
#include "load.h"

#define CSV_MAX_FIELD 65536   /* bytes in one field */
#define CSV_MAX_FIELDS 1024   /* fields in one record */

struct csv_field {
	const char *text; /* unquoted value, NUL-terminated (valid during the callback) */
	size_t len;       /* bytes, not counting the NUL (text may hold NULs: no) */
	int line, column; /* where the field starts (its opening quote if quoted) */
	int quoted;       /* it was written in double quotes */
};

struct csv_record {
	const struct csv_field *fields;
	size_t n;
	int line;         /* line where the record starts */
	int end_line, end_column; /* just after its last field */
};

/* Called once per record (blank lines included, as one empty field).
 * Return BATON_OK to go on; anything else stops the parse and is returned. */
typedef enum baton_code (*csv_record_fn)(const struct csv_record *r, void *data);

/* Parse buf[0..len). Syntax errors are recorded in err as `label:LINE:COL`
 * (BATON_INVALID) and end the parse; the return value is then BATON_OK so
 * the caller can go on with other files (check err->nerrors), BATON_NOMEM
 * on allocation failure, or the callback's code. */
enum baton_code csv_parse(const char *label, const char *buf, size_t len,
			  csv_record_fn fn, void *data, struct baton_error *err);

/* Read people from a CSV buffer (see docs/import-sources.md) and hand each
 * row to fn as a KIND_PERSON load_decl with a canonical spec. Errors name
 * the offending field's line and column. Return codes as load_buffer(). */
enum baton_code csv_load_people(const char *label, const char *buf, size_t len,
				load_fn fn, void *data, struct baton_error *err);

#endif
