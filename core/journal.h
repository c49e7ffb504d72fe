/* journal.h - a role's journal: dated notes a holder leaves for the next one.
 *
 * The journal is part of the Role spec (`journal: [{at, author, text}]`), so
 * it is exported and imported with the role. Adding an entry goes through
 * entity_put with a drift note, like every other in-baton change.
 */
#ifndef BATON_JOURNAL_H
#define BATON_JOURNAL_H

#include <jansson.h>

#include "error.h"
#include "store.h"

/* Append an entry {at: st->now, author: st->actor, text} to role's journal,
 * in its own transaction (event action "journal", drift note "journal
 * changed by 'baton journal' on TODAY"). BATON_NOTFOUND for an unknown
 * role, BATON_INVALID for an empty text. */
enum baton_code journal_add(struct store *st, const char *role,
			    const char *text, struct baton_error *err);

/* Append an entry to a role spec held in memory (no database access):
 * {at: st->now, author: st->actor, text}. Used by journal_add and by
 * handover_complete, which changes holders and journal in one put. */
enum baton_code journal_append_spec(struct store *st, json_t *spec,
				    const char *text, struct baton_error *err);

/* The journal of role as a JSON array of {at, author, text}, newest first.
 * *out is a new reference; BATON_NOTFOUND for an unknown role. */
enum baton_code journal_list(struct store *st, const char *role,
			     json_t **out, struct baton_error *err);

#endif
