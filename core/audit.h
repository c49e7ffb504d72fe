/* audit.h - the audit (DESIGN.md section 6): named checks for undocumented
 * dependencies and single points of failure, the truck factor of each team,
 * and "what if these people left".
 *
 * Everything here reads the database and writes nothing. "As if they had
 * left" is computed by passing the people in `gone`: every computation
 * treats them exactly like people with status `left` (they hold nothing,
 * know nothing and are never available); no transaction or savepoint is
 * used. Active people are those with status `active` or `leaving`; a holder
 * row counts on the audit date when (since IS NULL or since <= date) and
 * (until IS NULL or until >= date).
 *
 * The answers are jansson values the caller owns (json_decref), shaped as
 * DESIGN.md gives them, so the CLI and the web API print the same thing.
 */
#ifndef BATON_AUDIT_H
#define BATON_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "store.h"
#include "strbuf.h"

/* Severities of findings, most severe first (the sort order). */
enum audit_severity { AUDIT_ERROR, AUDIT_WARNING, AUDIT_INFO };

/* "error", "warning", "info". */
const char *audit_severity_name(enum audit_severity s);

/* The ids of every check, in the order of DESIGN.md section 6, ending with
 * NULL. Stable: scripts and `audit: {ignore: …}` refer to them. */
extern const char *const audit_check_ids[];

/* 1 when id names a check (including truck-factor-one). */
int audit_check_known(const char *id);

struct audit_opts {
	const char *date;          /* YYYY-MM-DD; NULL means st->today */
	const char *team;          /* only findings of this team and its
				    * sub-teams; NULL for all */
	const char *check;         /* run only this check; NULL for all */
	int max_roles;             /* overloaded-person above this; 0 = 4 */
	const char *const *gone;   /* people treated as left (whatif) */
	size_t ngone;
};

/* Run the audit. On success *report is
 *   {"findings":[{"check","severity","entity","team","message"}],
 *    "summary":{"error":N,"warning":N,"info":N},
 *    "silenced":[{"check","entity","reason"}]}
 * with findings sorted by severity, team (null last), entity, check and
 * message. Silenced findings (the entity's spec carries
 * audit.ignore[{check, reason}]) are listed only under "silenced" and are
 * not counted. BATON_NOTFOUND for an unknown team, BATON_USAGE for an
 * unknown check id or a malformed date, BATON_DB/BATON_NOMEM on failure
 * (*report is then NULL). */
enum baton_code audit_run(struct store *st, const struct audit_opts *opts,
			  json_t **report, struct baton_error *err);

/* Findings per piece of the report: with more than one piece,
 * audit_run_parallel and audit_run_text sort the findings in two halves
 * and make the report on two threads, taking its pieces in turn (1024;
 * tests lower it to run that path on a small organisation). */
extern size_t audit_report_split;

/* audit_run with the checks and the report's JSON split over two threads,
 * each with its own read-only connection to st's database
 * (store_read_twins: both read the latest commit, one snapshot); the
 * report is the same, byte for byte. The run is audit_run's, one thread on
 * st, when it cannot be split: st in memory or inside a transaction (the
 * audit then reads what st sees), a writer holding the database's lock at
 * that moment, opts->check set, or a connection that fails to open. When
 * the second thread fails to start, this thread does its share. Sets
 * *ran_parallel (may be NULL) to 1 when a second thread ran. */
enum baton_code audit_run_parallel(struct store *st, const struct audit_opts *opts,
				   int *ran_parallel, json_t **report,
				   struct baton_error *err);

/* The report of audit_run_text: its JSON text, in parts, and summary. */
struct audit_text {
	struct strbuf *part;       /* json_dumps(report, JSON_INDENT(2)) is
				    * these, one after the other */
	size_t nparts;
	int error, warning, info;  /* report.summary */
	size_t silenced;           /* items of report.silenced */
};

/* audit_run_parallel's report as JSON text, byte for byte what
 * json_dumps(report, JSON_INDENT(2)) makes of it, with its summary: for a
 * caller that only writes it out (`baton audit --json`). Each piece of
 * findings is written by the thread that makes its JSON values, which are
 * freed at once: the whole report is never held as values, nor written by
 * one thread, nor copied into one buffer. Release out with
 * audit_text_release, also on failure (it then holds nothing). */
enum baton_code audit_run_text(struct store *st, const struct audit_opts *opts,
			       int *ran_parallel, struct audit_text *out,
			       struct baton_error *err);
void audit_text_release(struct audit_text *t);

struct busfactor_opts {
	const char *date;          /* NULL means st->today */
	const char *team;          /* only this team and its sub-teams; NULL
				    * for every team */
	const char *const *gone;   /* people treated as left */
	size_t ngone;
};

/* Truck factors (Avelino et al., 2016, applied to people and
 * responsibilities). A responsibility (role/resp-id) is covered by every
 * active person who holds its role on the date (primary or backup) or is in
 * knownBy of one of its processes. People are ordered by how many of the
 * scope's responsibilities they cover (counted once, before any removal),
 * most first, ties by name (strcmp); they are removed in that order until
 * more than half of the responsibilities are uncovered. The number removed
 * is the truck factor; a scope with no responsibilities has truck factor 0.
 * *out is
 *   {"organisation":{"truckFactor":N,"people":[…],"responsibilities":N},
 *    "teams":[{"team","truckFactor","people":[…],"responsibilities":N}]}
 * where each team counts the responsibilities of its roles and of its
 * sub-teams' roles, teams sorted by name. BATON_NOTFOUND for an unknown
 * team. */
enum baton_code busfactor_run(struct store *st,
			      const struct busfactor_opts *opts, json_t **out,
			      struct baton_error *err);

struct whatif_opts {
	const char *date;           /* NULL means st->today */
	const char *const *people;  /* the people who would leave */
	size_t npeople;
	int max_roles;              /* as in audit_opts */
};

/* The audit, the truck factors and the routes as if `people` had left,
 * against today's. *out is
 *   {"people":[…],"newFindings":[…],"resolvedFindings":[…],
 *    "truckFactors":[{"team","before","after"}],
 *    "routes":[{"rule","role","before","after"}]}
 * Findings compare by check, severity, entity and message. truckFactors
 * lists only the scopes whose truck factor drops ("team": null is the
 * organisation). routes lists each rule whose outcome changes and is no
 * longer a holder of its handler; an outcome is "available" (a holder of
 * the handler is available), "escalates to ROLE", "dead end at ROLE" or
 * "cycle at ROLE". Availability: active, not gone, a current holder, not
 * inside an absence on the date. BATON_NOTFOUND when a person does not
 * exist; nothing is written. */
enum baton_code whatif_run(struct store *st, const struct whatif_opts *opts,
			   json_t **out, struct baton_error *err);

#endif
