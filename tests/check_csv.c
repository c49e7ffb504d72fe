/* check_csv.c - Check suite for core/csv: the RFC 4180 reader (quoting,
 * BOM, CRLF, embedded newlines, errors at exact locations, bounds) and the
 * people loader that turns rows into Person specs.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csv.h"

Suite *suite_csv(void);

/* ------------------------------------------------------------------------
 * Helpers: records flattened to "f1|f2\n" with "@LINE:COL" per field
 * ---------------------------------------------------------------------- */

struct collect {
	char out[4096];
	char locs[4096];
	size_t nrec;
};

static enum baton_code on_record(const struct csv_record *r, void *data)
{
	struct collect *c = data;
	size_t i;

	c->nrec++;
	for (i = 0; i < r->n; i++) {
		ck_assert_uint_eq(strlen(r->fields[i].text), r->fields[i].len);
		snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out),
			 "%s%s", i ? "|" : "", r->fields[i].text);
		snprintf(c->locs + strlen(c->locs), sizeof(c->locs) - strlen(c->locs),
			 "%s%d:%d", i ? " " : "", r->fields[i].line, r->fields[i].column);
	}
	strcat(c->out, "\n");
	strcat(c->locs, "\n");
	return BATON_OK;
}

/* Parse s from an exactly-sized heap copy (so ASan sees any overread). */
static void parse(const char *s, size_t len, struct collect *c,
		  struct baton_error *err)
{
	char *copy = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(csv_parse("t.csv", copy, len, on_record, c, err), BATON_OK);
	free(copy);
}

/* The only error diagnostic, formatted. */
static char *only_error(struct baton_error *err)
{
	size_t i, n = 0;
	char *s = NULL;

	for (i = 0; i < err->n; i++)
		if (err->diags[i].severity == BATON_SEV_ERROR) {
			n++;
			free(s);
			s = baton_diag_format(&err->diags[i]);
		}
	ck_assert_uint_eq(n, 1);
	return s;
}

/* ------------------------------------------------------------------------
 * Reader
 * ---------------------------------------------------------------------- */

START_TEST(test_plain)
{
	struct collect c;
	struct baton_error err = BATON_ERROR_INIT;
	const char s[] = "a,b,c\n1,,3\n";

	parse(s, strlen(s), &c, &err);
	ck_assert_uint_eq(err.n, 0);
	ck_assert_str_eq(c.out, "a|b|c\n1||3\n");
	ck_assert_str_eq(c.locs, "1:1 1:3 1:5\n2:1 2:3 2:4\n");
	baton_error_release(&err);
}
END_TEST

START_TEST(test_bom_crlf_no_final_newline)
{
	struct collect c;
	struct baton_error err = BATON_ERROR_INIT;
	const char s[] = "\xEF\xBB\xBFname,x\r\nann,\r\nbob,2";

	parse(s, strlen(s), &c, &err);
	ck_assert_uint_eq(err.n, 0);
	/* the BOM is not part of the first field nor counted as a column */
	ck_assert_str_eq(c.out, "name|x\nann|\nbob|2\n");
	ck_assert_str_eq(c.locs, "1:1 1:6\n2:1 2:5\n3:1 3:5\n");
	baton_error_release(&err);
}
END_TEST

START_TEST(test_quotes_and_embedded_newlines)
{
	struct collect c;
	struct baton_error err = BATON_ERROR_INIT;
	const char s[] = "\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\"\nnext,\"\"\n";

	parse(s, strlen(s), &c, &err);
	ck_assert_uint_eq(err.n, 0);
	/* commas and doubled quotes inside quotes; CRLF inside quotes -> LF;
	 * the record after an embedded newline starts on line 3 */
	ck_assert_str_eq(c.out, "a,b|say \"hi\"|two\nlines\nnext|\n");
	ck_assert_str_eq(c.locs, "1:1 1:7 1:20\n3:1 3:6\n");
	baton_error_release(&err);
}
END_TEST

START_TEST(test_utf8_columns)
{
	struct collect c;
	struct baton_error err = BATON_ERROR_INIT;
	const char s[] = "Zo\xC3\xAB,b\"c\n";
	char *m;

	parse(s, strlen(s), &c, &err);
	/* "Zoë" is 3 characters: the stray quote is on column 6, not 7 */
	m = only_error(&err);
	ck_assert_str_eq(m, "t.csv:1:6: error: quote inside an unquoted field (quote the whole field and write the quote as \"\")");
	free(m);
	baton_error_release(&err);
}
END_TEST

static const struct {
	const char *in;
	const char *error;
	size_t records_before;
} bad_cases[] = {
	{ "a,b\"c\n", "t.csv:1:4: error: quote inside an unquoted field (quote the whole field and write the quote as \"\")", 0 },
	{ "x\n\"ab\"c,d\n", "t.csv:2:5: error: unexpected text after a closing quote (write a quote inside a quoted field as \"\")", 1 },
	{ "x\ny,\"abc\ndef", "t.csv:2:3: error: unterminated quoted field (its closing '\"' is missing)", 1 },
	{ "a\rb\n", "t.csv:1:2: error: carriage return outside quotes not followed by a line feed", 0 },
	{ "ok\r\n\"a\"\r", "t.csv:2:4: error: unexpected text after a closing quote (write a quote inside a quoted field as \"\")", 1 },
};

START_TEST(test_bad_quotes_exact_locations)
{
	struct collect c;
	struct baton_error err = BATON_ERROR_INIT;
	char *m;

	parse(bad_cases[_i].in, strlen(bad_cases[_i].in), &c, &err);
	m = only_error(&err);
	ck_assert_str_eq(m, bad_cases[_i].error);
	/* parsing stops at the error: only earlier records were delivered */
	ck_assert_uint_eq(c.nrec, bad_cases[_i].records_before);
	free(m);
	baton_error_release(&err);
}
END_TEST

START_TEST(test_nul_and_bounds)
{
	struct collect c;
	struct baton_error err = BATON_ERROR_INIT;
	const char nul[] = "a,b\0c\n";
	size_t n = CSV_MAX_FIELD + 3, i;
	char *big = malloc(n), *m;

	parse(nul, sizeof(nul) - 1, &c, &err);
	m = only_error(&err);
	ck_assert_str_eq(m, "t.csv:1:4: error: NUL byte in a field");
	free(m);
	baton_error_release(&err);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	big[0] = 'y';
	big[1] = ',';
	parse(big, n, &c, &err);
	m = only_error(&err);
	ck_assert_str_eq(m, "t.csv:1:3: error: field longer than 65536 bytes");
	free(m);
	baton_error_release(&err);

	for (i = 0; i < n; i++)
		big[i] = (i % 2) ? ',' : 'a';
	parse(big, 4000, &c, &err);
	m = only_error(&err);
	ck_assert_str_eq(m, "t.csv:1:2049: error: too many fields in one record (at most 1024)");
	free(m);
	baton_error_release(&err);
	free(big);
}
END_TEST

/* xorshift32, fixed seed: the same inputs on every run. */
static uint32_t rng(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

START_TEST(test_random_inputs_stay_in_bounds)
{
	static const char alphabet[] = "a,\"\r\n\xEF\xBB\xBF\xC3\xA9 ";
	uint32_t seed = 12345;
	int round;

	/* every prefix-sized random mix of the special characters parses
	 * without reading outside the buffer (ASan) and reports at most one
	 * error, with a location inside the input */
	for (round = 0; round < 3000; round++) {
		struct collect c;
		struct baton_error err = BATON_ERROR_INIT;
		char buf[64];
		size_t len = rng(&seed) % sizeof(buf), i;

		for (i = 0; i < len; i++)
			buf[i] = alphabet[rng(&seed) % (sizeof(alphabet) - 1)];
		parse(buf, len, &c, &err);
		ck_assert_uint_le(err.nerrors, 1);
		if (err.nerrors) {
			ck_assert_int_ge(err.diags[0].line, 1);
			ck_assert_int_le(err.diags[0].line, (int)len + 1);
		}
		baton_error_release(&err);
	}
}
END_TEST

/* ------------------------------------------------------------------------
 * People
 * ---------------------------------------------------------------------- */

struct people_out {
	char names[1024];
	json_t *specs;
	size_t invalid;
	char refs[256];
};

static enum baton_code on_person(const struct load_decl *d, void *data)
{
	struct people_out *p = data;
	size_t i;

	ck_assert_int_eq(d->kind, KIND_PERSON);
	snprintf(p->names + strlen(p->names), sizeof(p->names) - strlen(p->names),
		 "%s@%d:%d%s ", d->name, d->line, d->column, d->invalid ? "!" : "");
	for (i = 0; i < d->nrefs; i++)
		snprintf(p->refs + strlen(p->refs), sizeof(p->refs) - strlen(p->refs),
			 "%s:%s@%d:%d ", d->refs[i].field, d->refs[i].name,
			 d->refs[i].line, d->refs[i].column);
	json_object_set(p->specs, d->name, d->spec);
	p->invalid += d->invalid;
	return BATON_OK;
}

static void load_people(const char *s, struct people_out *p, struct baton_error *err)
{
	memset(p, 0, sizeof(*p));
	p->specs = json_object();
	ck_assert_int_eq(csv_load_people("p.csv", s, strlen(s), on_person, p, err),
			 BATON_OK);
}

static char *diags(struct baton_error *err)
{
	static char buf[4096];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < err->n; i++) {
		char *m = baton_diag_format(&err->diags[i]);

		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n", m);
		free(m);
	}
	return buf;
}

START_TEST(test_people_specs)
{
	struct people_out p;
	struct baton_error err = BATON_ERROR_INIT;
	char *js;

	load_people("\xEF\xBB\xBF" "NAME,displayname,Email,team,Status,leavingOn,Desk\r\n"
		    "ann,\"Ann, A.\",ann@x.example,ops,,,12\r\n"
		    "\r\n"
		    "bob,Bob,,,leaving,2026-12-31,\r\n", &p, &err);
	/* header names are case-insensitive; the extra column gets one note */
	ck_assert_str_eq(diags(&err), "p.csv:1:46: note: ignoring columns baton does not use: 'Desk'\n");
	ck_assert_uint_eq(err.nerrors, 0);
	ck_assert_str_eq(p.names, "ann@2:1 bob@4:1 ");
	ck_assert_str_eq(p.refs, "team:ops@2:29 ");
	js = json_dumps(p.specs, JSON_SORT_KEYS | JSON_COMPACT);
	/* canonical specs: empty cells absent, status defaults to active */
	ck_assert_str_eq(js, "{\"ann\":{\"displayName\":\"Ann, A.\",\"email\":\"ann@x.example\",\"status\":\"active\",\"team\":\"ops\"},"
			     "\"bob\":{\"displayName\":\"Bob\",\"leavingOn\":\"2026-12-31\",\"status\":\"leaving\"}}");
	free(js);
	json_decref(p.specs);
	baton_error_release(&err);
}
END_TEST

START_TEST(test_people_errors)
{
	struct people_out p;
	struct baton_error err = BATON_ERROR_INIT;

	load_people("name,team,status,leavingOn\n"
		    "ok.one,ops,,\n"
		    "bad name,ops,,\n"
		    "two,ops,retired,\n"
		    "three,\"multi\nline\",,2026-02-30\n"
		    "four,ops\n"
		    "five,ops,,,extra\n"
		    ",ops,,\n", &p, &err);
	ck_assert_str_eq(diags(&err),
		"p.csv:3:1: error: 'bad name' is not a valid name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit\n"
		"p.csv:4:9: error: 'status' must be one of active, leaving, left, got 'retired'\n"
		"p.csv:5:7: error: team 'multi\nline' is not a valid name\n"
		"p.csv:6:8: error: 'leavingOn' must be a date (YYYY-MM-DD), got '2026-02-30'\n"
		"p.csv:7:9: error: this row has 2 fields but the header has 4\n"
		"p.csv:8:12: error: this row has 5 fields but the header has 4\n"
		"p.csv:9:1: error: missing 'name'\n");
	/* rows with a valid name still reach the importer, marked invalid, so
	 * duplicates and references are still checked */
	ck_assert_str_eq(p.names, "ok.one@2:1 two@4:1! three@5:1! ");
	json_decref(p.specs);
	baton_error_release(&err);
}
END_TEST

START_TEST(test_people_header_problems)
{
	struct people_out p;
	struct baton_error err = BATON_ERROR_INIT;

	load_people("email,Team\nann@x,ops\n", &p, &err);
	ck_assert_str_eq(diags(&err), "p.csv:1:1: error: the header row has no 'name' column (columns: name, displayName, email, team, status, leavingOn)\n");
	ck_assert_str_eq(p.names, "");
	json_decref(p.specs);
	baton_error_release(&err);

	load_people("name,Name\nann,ann\n", &p, &err);
	ck_assert_str_eq(diags(&err), "p.csv:1:6: error: duplicate column 'name' in the header\n");
	json_decref(p.specs);
	baton_error_release(&err);

	load_people("", &p, &err);
	ck_assert_str_eq(diags(&err), "p.csv:1:1: error: empty file: a people CSV starts with a header row naming at least 'name'\n");
	json_decref(p.specs);
	baton_error_release(&err);
}
END_TEST

Suite *suite_csv(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_bom_crlf_no_final_newline);
	tcase_add_test(tc, test_quotes_and_embedded_newlines);
	tcase_add_test(tc, test_utf8_columns);
	tcase_add_loop_test(tc, test_bad_quotes_exact_locations, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_nul_and_bounds);
	tcase_add_test(tc, test_random_inputs_stay_in_bounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("people");
	tcase_add_test(tc, test_people_specs);
	tcase_add_test(tc, test_people_errors);
	tcase_add_test(tc, test_people_header_problems);
	suite_add_tcase(s, tc);
	return s;
}
