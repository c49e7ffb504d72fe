/* handover.h - handovers, onboarding and offboarding (DESIGN.md section 5).
 *
 * A handover moves roles from a person (`from`, NULL for onboarding) to a
 * person (`to`). Starting one generates a checklist from the data; items
 * are ticked with an optional note; completing applies the move to the role,
 * process and person specs through entity_put (action "handover", with a
 * drift note naming the handover) in one transaction. Handover rows live
 * only in the database (schemas/002_handover.sql); each change to them is an
 * event on entity "handover/ID".
 *
 * Every write function below opens and commits its own transaction; on
 * failure nothing is written. Errors: BATON_NOTFOUND (unknown handover,
 * item, person or role), BATON_INVALID (a handover that makes no sense),
 * BATON_CONFLICT (wrong state, open items, role already in a handover).
 */
#ifndef BATON_HANDOVER_H
#define BATON_HANDOVER_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "store.h"
#include "strbuf.h"

/* Start a handover of roles[0..nroles-1] from `from` (NULL: onboarding) to
 * `to`, due on `due` (YYYY-MM-DD or NULL). With nroles 0, every role `from`
 * currently holds (sorted by name); onboarding needs at least one role.
 * The checklist is generated now: per role its responsibilities, processes
 * (owned or used; each process once per handover), relationships, rules
 * routed to it and its journal (when it has entries); then rules routed to
 * person:FROM and a knowledge item for each process whose only knower not
 * `left` is `from`. *id receives the new handover's id. */
enum baton_code handover_start(struct store *st, const char *from,
			       const char *to, const char *const *roles,
			       size_t nroles, const char *due, long *id,
			       struct baton_error *err);

/* Offboarding: one handover of every role `from` holds (due = `on`), and
 * `from` marked `leaving` with leavingOn = `on` (NULL: st->today), both in
 * one transaction. */
enum baton_code handover_offboard(struct store *st, const char *from,
				  const char *to, const char *on, long *id,
				  struct baton_error *err);

/* One handover as JSON: {"id","from","to","state","due","created",
 * "createdBy","closedAt","forced","roles":[names],"items":[{"item","kind",
 * "role","entity","text","done","doneBy","doneAt","note","skipped"}],
 * "notes":[{"at","author","text"}]}. *out is a new reference. */
enum baton_code handover_get(struct store *st, long id, json_t **out,
			     struct baton_error *err);

/* Handovers, newest first (only open ones when open_only), each
 * {"id","from","to","state","due","roles","items","done"}. */
enum baton_code handover_list(struct store *st, int open_only, json_t **out,
			      struct baton_error *err);

/* Add a custom item with `text`; *item receives its number (may be NULL). */
enum baton_code handover_add_item(struct store *st, long id, const char *text,
				  long *item, struct baton_error *err);

/* Tick (done 1) or untick (done 0) item `item`. A non-NULL note replaces the
 * item's note. Ticking records st->actor and st->now. */
enum baton_code handover_set_done(struct store *st, long id, long item,
				  int done, const char *note,
				  struct baton_error *err);

/* Add a free note to the handover (author st->actor, at st->now). */
enum baton_code handover_add_note(struct store *st, long id, const char *text,
				  struct baton_error *err);

/* Apply the handover: `to` holds each role (primary when `from` held it as
 * primary or on onboarding, else backup; since = today); `from`'s holding
 * ends (until = today, the row stays as a past holder); each process whose
 * process/knowledge items are all done gains `to` in knownBy; each role's
 * journal gets an entry with the notes of its done items; `from` becomes
 * `left` when they hold nothing any more. With open items: BATON_CONFLICT,
 * unless force, which marks them skipped and the handover forced. */
enum baton_code handover_complete(struct store *st, long id, int force,
				  struct baton_error *err);

/* Cancel an open handover; nothing else changes. */
enum baton_code handover_cancel(struct store *st, long id,
				struct baton_error *err);

/* The handover as a Markdown document for people, appended to out: roles
 * with responsibilities, relationships (contact, health, purpose) and
 * journal; processes with their steps; checklist; open items; notes. */
enum baton_code handover_export_md(struct store *st, long id,
				   struct strbuf *out, struct baton_error *err);

#endif
