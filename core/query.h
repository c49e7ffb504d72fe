/* query.h - read-only views of the organisation as JSON, for the CLI and web.
 *
 * Each function builds its answer with SQLite's JSON functions and returns
 * a jansson value the caller owns (json_decref). The CLI prints it as text
 * or JSON and the web API serves it as it is, so both faces agree.
 */
#ifndef BATON_QUERY_H
#define BATON_QUERY_H

#include <jansson.h>

#include "error.h"
#include "model.h"
#include "store.h"

/* The entities of kind k as a JSON array sorted by name; with team non-NULL
 * only those of that team and its sub-teams (people by home team, roles by
 * team, processes by their owner role's team, rules by their handler role's
 * team). BATON_NOTFOUND when team does not exist. */
enum baton_code query_list(struct store *st, enum kind k, const char *team,
			   json_t **out, struct baton_error *err);

/* A person, role or team at a glance: {"kind":"person", ...}. `name` may
 * be KIND/NAME; a bare name is looked up as person, then role, then team.
 * BATON_NOTFOUND when nothing has that name. */
enum baton_code query_who(struct store *st, const char *name, json_t **out,
			  struct baton_error *err);
/* One view by kind (used by query_who and the web pages). */
enum baton_code query_person(struct store *st, const char *name,
			     json_t **out, struct baton_error *err);
enum baton_code query_role(struct store *st, const char *name, json_t **out,
			   struct baton_error *err);
enum baton_code query_team(struct store *st, const char *name, json_t **out,
			   struct baton_error *err);
enum baton_code query_process(struct store *st, const char *name,
			      json_t **out, struct baton_error *err);

/* The change log, newest first: entity "KIND/NAME" or NULL for all, at most
 * limit rows. */
enum baton_code query_log(struct store *st, const char *entity, int limit,
			  json_t **out, struct baton_error *err);

/* Counts for a summary: {"people":N,"teams":N,"roles":N,...}. */
enum baton_code query_summary(struct store *st, json_t **out,
			      struct baton_error *err);

/* Run a SQL query whose single row, single column is a JSON text, binding
 * the given text parameters (?1..?n, NULLs allowed), and parse it. A query
 * with no row gives BATON_NOTFOUND. Shared by modules that build JSON in
 * SQL. */
enum baton_code query_json(struct store *st, const char *sql,
			   const char *const *params, int nparams,
			   json_t **out, struct baton_error *err);

#endif
