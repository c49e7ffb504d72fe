/* backstage.h - Backstage catalog documents as baton Team and Person specs.
 *
 * The YAML loader hands every document whose apiVersion is a Backstage one
 * (backstage.io/v1alpha1, backstage.io/v1beta1) to backstage_doc(), which
 * converts `kind: Group` into a Team and `kind: User` into a Person and
 * calls the loader's callback with a canonical spec whose locations point
 * into the Backstage file. Other kinds are counted and summarised once per
 * load by backstage_finish(), which also compares every parent's
 * spec.children with its children's spec.parent (the child wins; each
 * disagreement is a warning naming both places). Entities outside the
 * `default` namespace are skipped with a warning. The rules are in
 * docs/import-sources.md.
 */
#ifndef BATON_BACKSTAGE_H
#define BATON_BACKSTAGE_H

#include <yaml.h>

#include "error.h"
#include "load.h"

struct backstage;

/* 1 when an apiVersion value names a Backstage catalog format. */
int backstage_api(const char *api_version);

/* A fresh per-load state; NULL when out of memory. */
struct backstage *backstage_new(void);
/* Free the state (NULL is a no-op). */
void backstage_free(struct backstage *bs);

/* Convert one Backstage document (root of doc, read from `file`) and call
 * fn with the result. Problems are recorded in err with FILE:LINE:COLUMN.
 * Returns BATON_OK, BATON_NOMEM or the callback's fatal code. */
enum baton_code backstage_doc(struct backstage *bs, const char *file,
			      yaml_document_t *doc, yaml_node_t *root,
			      load_fn fn, void *data, struct baton_error *err);

/* After the last document: one note per skipped kind, and the
 * parent/children warnings. Returns BATON_OK or BATON_NOMEM. */
enum baton_code backstage_finish(struct backstage *bs, struct baton_error *err);

#endif
