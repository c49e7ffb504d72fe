/* graph.h - the relationship map: roles and who they deal with.
 *
 * graph_load reads the roles (of a team and its sub-teams, or every role
 * with a relationship) and their relationships as JSON:
 *   {"team":T|null,"roles":[{"name","title","team"}],
 *    "edges":[{"from":ROLE,"kind":"role|team|party","name","health","purpose"}]}
 * graph_svg and graph_dot draw it; both are pure. The SVG layout is two
 * columns: roles on the left in name order, the parties, teams and roles
 * they deal with on the right ordered by the mean position of the roles
 * linked to them (a barycentre, which keeps most lines short and
 * uncrossed); lines are coloured by health. It uses presentation
 * attributes only (no style attribute), so it passes a strict CSP.
 */
#ifndef BATON_WEB_GRAPH_H
#define BATON_WEB_GRAPH_H

#include <jansson.h>

#include "error.h"
#include "store.h"
#include "strbuf.h"

/* BATON_NOTFOUND when team is given and does not exist. */
enum baton_code graph_load(struct store *st, const char *team, json_t **out,
			   struct baton_error *err);
/* Append a standalone <svg> element (with xmlns) drawing g. */
void graph_svg(struct strbuf *sb, const json_t *g);
/* Append a Graphviz digraph of g. */
void graph_dot(struct strbuf *sb, const json_t *g);

#endif
