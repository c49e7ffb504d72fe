/* fuzz_yaml.c - fuzz target for the YAML loader and the whole import
 * (baton and Backstage documents, validation, references, derived tables,
 * search documents) into an in-memory database. A failed import rolls
 * back by itself; after a successful one the input is exported again as
 * YAML, and the database is reopened so every input starts empty.
 */
#include "fuzz_common.h"

#include "export.h"
#include "strbuf.h"

static struct store *yaml_st;

int fuzz_yaml(const uint8_t *data, size_t size)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts opts = { 0 };
	struct import_result res;
	enum baton_code rc;

	if (!yaml_st)
		yaml_st = fuzz_store(0);
	import_result_init(&res);
	rc = import_buffer(yaml_st, "fuzz.yaml", (const char *)data, size, &opts,
			   &res, &err);
	FUZZ_ASSERT(!yaml_st->in_tx);
	FUZZ_ASSERT(rc != BATON_OK || err.nerrors == 0);
	if (rc == BATON_OK && res.created) {
		struct strbuf out = STRBUF_INIT;
		size_t k;

		for (k = 0; export_order[k] != KIND_NONE; k++)
			FUZZ_ASSERT(export_kind(yaml_st, export_order[k], &out,
						&err) == BATON_OK);
		strbuf_release(&out);
		store_free(yaml_st);
		yaml_st = NULL;
	}
	import_result_release(&res);
	baton_error_release(&err);
	return 0;
}

void fuzz_yaml_cleanup(void)
{
	store_free(yaml_st);
	yaml_st = NULL;
}

FUZZ_MAIN(yaml)
