/* entity.h - read and write entities as canonical JSON specs, with events.
 *
 * The only way the core changes a person, team, role, process or rule:
 * entity_put and entity_delete store the spec, rebuild the derived query
 * tables in the same transaction and append an event with the before- and
 * after-image. Callers hold a transaction (store_begin) around them.
 */
#ifndef BATON_ENTITY_H
#define BATON_ENTITY_H

#include <jansson.h>

#include "error.h"
#include "model.h"
#include "store.h"

struct entity_change {
	const char *action;  /* event action; NULL: "create" or "update" */
	const char *changed; /* in-baton change note for drift detection
				(e.g. "holders changed by handover 3 on
				2026-12-01"); NULL when the change comes from
				imported files */
};

/* Canonical text of a spec: compact JSON with sorted keys. malloc'd; NULL
 * on out of memory. Two specs are equal exactly when these are equal. */
char *spec_canonical(const json_t *spec);

/* Load the spec of kind/name. *out is a new reference (json_decref it), or
 * NULL with BATON_NOTFOUND ("no such role 'x'") when absent. */
enum baton_code entity_get(struct store *st, enum kind k, const char *name,
			   json_t **out, struct baton_error *err);
/* 1 when the entity exists, 0 when not, -1 on a database error. */
int entity_exists(struct store *st, enum kind k, const char *name,
		  struct baton_error *err);

/* Create or replace kind/name with spec (not consumed). Records an event
 * unless the canonical spec is unchanged (then nothing is written, *changed
 * is 0). `how` may be NULL (an import). */
enum baton_code entity_put(struct store *st, enum kind k, const char *name,
			   const json_t *spec, const struct entity_change *how,
			   int *changed, struct baton_error *err);
/* entity_put for a caller that has already read the stored state (see
 * entity_state): `after` is spec_canonical(spec), `before` the stored
 * canonical text or NULL when kind/name does not exist yet. The import uses
 * it to read each entity once. */
enum baton_code entity_put_known(struct store *st, enum kind k,
				 const char *name, const json_t *spec,
				 const char *after, const char *before,
				 const struct entity_change *how, int *changed,
				 struct baton_error *err);
/* The stored canonical spec text of kind/name and its drift note, in one
 * read: both malloc'd, *spec NULL when the entity does not exist, *note
 * NULL when it has no drift note. */
enum baton_code entity_state(struct store *st, enum kind k, const char *name,
			     char **spec, char **note, struct baton_error *err);
/* Delete kind/name and its derived rows; the event keeps the before-image. */
enum baton_code entity_delete(struct store *st, enum kind k, const char *name,
			      const char *action, struct baton_error *err);

/* Append an event. before/after are JSON texts or NULL. */
enum baton_code event_add(struct store *st, const char *entity,
			  const char *action, const char *before,
			  const char *after, struct baton_error *err);

/* The drift note of an entity (what changed it in baton since the files
 * last declared it), malloc'd in *note; NULL when none or when the entity
 * does not exist. */
enum baton_code entity_drift(struct store *st, enum kind k, const char *name,
			     char **note, struct baton_error *err);
/* Mark kind/name as matching the files again (clears the drift note). */
enum baton_code entity_mark_imported(struct store *st, enum kind k,
				     const char *name, struct baton_error *err);

#endif
