/* fuzz_handover.c - fuzz target for the handover Markdown export: a fixed
 * handover of james.thornton's roles to priya.shah in the example
 * organisation gets the input's lines (a NUL also ends one) as free notes,
 * custom items and ticked-item notes, then is exported as Markdown. The
 * handover tables and their events are emptied after each input so runs do
 * not pile up (the append-only trigger of the change log is dropped in
 * this throwaway in-memory database for that).
 */
#include "fuzz_common.h"

#include <string.h>

#include "handover.h"
#include "strbuf.h"

static struct store *handover_st;

static const char handover_reset[] =
	"DELETE FROM handover_note; DELETE FROM handover_item;"
	"DELETE FROM handover_role; DELETE FROM handover;"
	"DELETE FROM event WHERE entity LIKE 'handover/%';";

int fuzz_handover(const uint8_t *data, size_t size)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf md = STRBUF_INIT;
	char *buf = malloc(size + 1), *line, *end;
	long id = 0, nitem = 0, k = 0;
	json_t *h = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (!handover_st) {
		handover_st = fuzz_store(1);
		FUZZ_ASSERT(store_exec(handover_st, "DROP TRIGGER "
				       "event_append_only_delete", &err) == BATON_OK);
	}
	if (handover_start(handover_st, "james.thornton", "priya.shah", NULL, 0,
			   "2026-12-01", &id, &err)) {
		fprintf(stderr, "fuzz: cannot start the handover\n");
		abort();
	}
	FUZZ_ASSERT(handover_get(handover_st, id, &h, &err) == BATON_OK);
	nitem = (long)json_array_size(json_object_get(h, "items"));
	json_decref(h);
	for (line = buf; line <= buf + size; line = end + 1, k++) {
		end = line + strcspn(line, "\n");
		*end = '\0';
		switch (k % 3) {
		case 0:
			handover_add_note(handover_st, id, line, &err);
			break;
		case 1:
			if (handover_add_item(handover_st, id, line, NULL, &err) ==
			    BATON_OK)
				nitem++;
			break;
		default:
			if (nitem > 0)
				handover_set_done(handover_st, id, 1 + k % nitem, 1,
						  line, &err);
		}
		baton_error_release(&err);
		if (end >= buf + size)
			break;
	}
	FUZZ_ASSERT(handover_export_md(handover_st, id, &md, &err) == BATON_OK);
	FUZZ_ASSERT(md.len > 0 && strlen(md.buf) == md.len);
	strbuf_release(&md);
	baton_error_release(&err);
	FUZZ_ASSERT(store_exec(handover_st, handover_reset, &err) == BATON_OK);
	baton_error_release(&err);
	free(buf);
	return 0;
}

void fuzz_handover_cleanup(void)
{
	store_free(handover_st);
	handover_st = NULL;
}

FUZZ_MAIN(handover)
