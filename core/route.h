/* route.h - route a request (topic and/or free text) to a rule, a role and
 * the people to contact on a date (DESIGN.md section 4).
 *
 * Topics are matched through a struct topic_index built lazily per database
 * connection and reused across calls (the web server routes many requests
 * per connection); it is rebuilt when the database changed (PRAGMA
 * data_version for other connections, sqlite3_total_changes for this one),
 * and freed when the connection closes. Free text goes through search.h.
 * From the second route on an unchanged snapshot, the roles, holders,
 * people and absences are read from an in-memory directory loaded in a few
 * table scans and dropped under the same conditions as the index (see
 * route_directory_enable); answers are the same either way.
 *
 * Resolution: the handler role's holders who hold it on the date (since <=
 * date <= until), are not 'left' and not inside an absence, primaries before
 * backups, then by holder order. When none is available the search moves to
 * the rule's escalateTo (first step only), then along each role's reportsTo;
 * every step is recorded with its reason. A cycle or a dead end stops it.
 */
#ifndef BATON_ROUTE_H
#define BATON_ROUTE_H

#include <jansson.h>

#include "error.h"
#include "store.h"

struct route_query {
	const char *topic;    /* "finance/refunds/enterprise"; NULL or "": none */
	const char *text;     /* free text; NULL or "": none */
	const char *on;       /* YYYY-MM-DD; NULL: st->today */
	int alternatives;     /* how many alternatives at most; 0: 5 */
};

enum route_outcome {
	ROUTE_FOUND,          /* contacts were found */
	ROUTE_NO_MATCH,       /* no rule matches the topic and no text hit */
	ROUTE_DEAD_END,       /* escalation ended with no one available */
	ROUTE_CYCLE           /* escalation came back to a role already tried */
};

struct route_answer;

struct route_result {
	enum route_outcome outcome;
	char *message;        /* for anything but ROUTE_FOUND, what went wrong
				 ("no rule matches topic 'x'"); else NULL */
	struct route_answer *answer;  /* what the route found, as C data:
				 route_result_to_json makes the document */
};

/* Route q. On BATON_OK, *out is a new result (free with route_result_free)
 * whatever the outcome: a request that matches nothing or cannot be
 * resolved is an answer, not an error (its document carries the
 * suggestions or the escalation trail). Errors: BATON_USAGE (neither topic
 * nor text, a bad date, a topic or text that is not UTF-8), BATON_DB (also
 * text in the database that is not UTF-8), BATON_NOMEM; *out is then NULL. */
enum baton_code route_resolve(struct store *st, const struct route_query *q,
			      struct route_result **out,
			      struct baton_error *err);

/* The result as a new JSON document (json_decref it; NULL for a NULL r or
 * when out of memory), made on each call from the answer the route wrote
 * down: a route decides without building JSON, so that its cost inside
 * the process is the routing's (docs/routing.md):
 *   {"query": {"topic", "text", "on"},
 *    "via": "topic" | "text" | null,
 *    "rule": {"name", "topic", "title", "priority"} | null,
 *    "match": {"kind", "name", "id", "title", "snippet"} (text routes),
 *    "handler": "role:NAME" | "person:NAME" | null,
 *    "role": {"name", "title"} | null      (the handler role),
 *    "contactRole": {"name", "title"} | null (where escalation stopped),
 *    "contacts": [{"person", "displayName", "email", "as"}],
 *    "escalated": [{"role", "reason", "to"}],
 *    "process": {"name", "title"} | null,
 *    "alternatives": [{"rule" (or null for a non-rule text hit),
 *                      "role" (name or null), "handler", "score"}]:
 *       topic routes: the other matching rules in rank order, with "rank"
 *       and "lost" (why it lost), "score" null; text routes: the next hits
 *       routing to other handlers, "score" = -bm25 (higher is better),
 *       with "kind" and "name" of the hit,
 *    "explain": {"winner": {"rule", "topic", "priority"} | null,
 *                "others": [{"rule", "topic", "handler", "priority",
 *                            "lost"}],
 *                "steps": [{"role" | "person", "title", "skipped":
 *                           [{"person", "as", "why"}], "reason"}]},
 *    "outcome": "found" | "no-match" | "dead-end" | "cycle",
 *    "message": null | TEXT,
 *    "suggestions": {"topics": [...], "text": [...]} (no match only)} */
json_t *route_result_to_json(const struct route_result *r);

/* Whether routes on st's connection may read the roles, holders, people
 * and absences from the in-memory directory (the default: loaded in a few
 * scans by the second route on an unchanged snapshot, dropped when the
 * database changes) or always by SQL (0: the first route's path; tests
 * compare the two). */
void route_directory_enable(struct store *st, int enable);
/* How many rules st's connection has indexed (a bucket or all; tests). */
size_t route_rules_loaded(struct store *st);
/* How many routes st's connection answered from its caches alone, with no
 * transaction (they were those of the current data version; see
 * route_resolve in route.c) (tests). */
size_t route_fast_routes(struct store *st);
/* 1 when st's connection holds a loaded directory (tests). */
int route_directory_loaded(struct store *st);

/* Free a result; NULL is a harmless no-op. */
void route_result_free(struct route_result *r);

#endif
