/* revert.h - undo one change from the change log.
 *
 * Reverting event N puts the entity back as it was before N (its
 * before-image), deletes what N created, or re-creates what N deleted
 * (including deletions made by `import --prune`). It refuses when the
 * entity changed again after N (revert the later event first, or force),
 * and records itself as a new event with action "revert".
 */
#ifndef BATON_REVERT_H
#define BATON_REVERT_H

#include "error.h"
#include "store.h"

/* Revert event `id` in its own transaction. BATON_NOTFOUND for an unknown
 * event, BATON_CONFLICT when the entity changed since (unless force),
 * BATON_USAGE for events that cannot be reverted (handover steps). */
enum baton_code revert_event(struct store *st, long long id, int force,
			     struct baton_error *err);

#endif
