/* fuzz_csv.c - fuzz target for core/csv: the RFC 4180 reader and the
 * people loader, on a buffer with no NUL terminator. Checks that each
 * field's length matches its text and that locations are 1-based.
 */
#include "fuzz.h"

#include <string.h>

#include "csv.h"

static enum baton_code csv_on_record(const struct csv_record *r, void *data)
{
	size_t i;

	(void)data;
	FUZZ_ASSERT(r->n >= 1 && r->n <= CSV_MAX_FIELDS && r->line >= 1);
	for (i = 0; i < r->n; i++) {
		FUZZ_ASSERT(r->fields[i].text);
		FUZZ_ASSERT(strlen(r->fields[i].text) == r->fields[i].len);
		FUZZ_ASSERT(r->fields[i].len <= CSV_MAX_FIELD);
		FUZZ_ASSERT(r->fields[i].line >= r->line && r->fields[i].column >= 1);
	}
	return BATON_OK;
}

static enum baton_code csv_on_person(const struct load_decl *d, void *data)
{
	(void)data;
	FUZZ_ASSERT(d->kind == KIND_PERSON && d->spec && d->line >= 1);
	return BATON_OK;
}

int fuzz_csv(const uint8_t *data, size_t size)
{
	struct baton_error err = BATON_ERROR_INIT;

	FUZZ_ASSERT(csv_parse("fuzz.csv", (const char *)data, size, csv_on_record,
			      NULL, &err) != BATON_NOMEM || 1);
	baton_error_release(&err);
	csv_load_people("fuzz.csv", (const char *)data, size, csv_on_person, NULL,
			&err);
	baton_error_release(&err);
	return 0;
}

void fuzz_csv_cleanup(void)
{
}

FUZZ_MAIN(csv)
