/* export.h - write the database back as baton YAML.
 *
 * The output is deterministic: kinds in a fixed order (teams, people,
 * roles, processes, rules), entities sorted by name, fields in the order of
 * model.h, so export -> import into an empty database -> export gives the
 * same bytes, and a diff under git shows only real changes.
 */
#ifndef BATON_EXPORT_H
#define BATON_EXPORT_H

#include "error.h"
#include "model.h"
#include "store.h"
#include "strbuf.h"

/* Append every entity of kind k as YAML documents to out. An empty kind
 * appends nothing. */
enum baton_code export_kind(struct store *st, enum kind k, struct strbuf *out,
			    struct baton_error *err);
/* Append one entity as a YAML document. */
enum baton_code export_entity(struct store *st, enum kind k, const char *name,
			      struct strbuf *out, struct baton_error *err);
/* The kinds in export order, ended by KIND_NONE. */
extern const enum kind export_order[];

#endif
