/* page.h - the HTML pages of `baton serve`, as pure functions.
 *
 * Each builder takes the JSON the core's views return (query.h) and appends
 * a whole page to a strbuf: no socket, no database, no clock, so the tests
 * call them directly. Every value from the data goes through
 * strbuf_add_html (text and attributes) or page_add_url (path segments);
 * nothing from a request or the database is ever pasted with a format.
 */
#ifndef BATON_WEB_PAGE_H
#define BATON_WEB_PAGE_H

#include <jansson.h>

#include "strbuf.h"

/* Who is looking, for the header and the forms. */
/* Features the server has wired (page_ctx.features): nav links and forms
 * for them appear only when set. */
enum page_feature {
	PAGE_ROUTE = 1,    /* "Who handles…?" search, /route */
	PAGE_AUDIT = 2,    /* /audit */
	PAGE_HANDOVER = 4  /* /handovers, journal form on role pages */
};

struct page_ctx {
	const char *user;  /* token name when logged in, NULL otherwise */
	const char *csrf;  /* CSRF token for forms when logged in */
	int read_only;     /* the server refuses writes */
	const char *today; /* YYYY-MM-DD */
	unsigned features; /* enum page_feature bits */
};

/* The stylesheet served at /static/baton.css. */
extern const char page_css[];

/* Page frame: doctype, head with viewport and stylesheet, navigation. */
void page_begin(struct strbuf *sb, const struct page_ctx *ctx,
		const char *title);
void page_end(struct strbuf *sb);

/* Append s percent-encoded for use as one URL path segment or query value. */
void page_add_url(struct strbuf *sb, const char *s);
/* Append Markdown rendered by cmark with its safe defaults (raw HTML and
 * javascript: links are dropped). */
void page_add_markdown(struct strbuf *sb, const char *md);

/* home: {"summary":{...},"leaving":[person...],"absent":[{"name",
 * "displayName","to","reason"}]}, and when present: "search":true (show the
 * "Who handles…?" form), "handovers":[handover_list rows],
 * "audit":{"error":N,"warning":N,"info":N}. */
void page_home(struct strbuf *sb, const struct page_ctx *ctx,
	       const json_t *home);
/* The lists, as query_list returns them. */
void page_people(struct strbuf *sb, const struct page_ctx *ctx,
		 const json_t *people);
void page_roles(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *roles);
/* Teams as a tree built from each team's "parent". */
void page_teams(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *teams);
void page_processes(struct strbuf *sb, const struct page_ctx *ctx,
		    const json_t *processes);
void page_rules(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *rules);
/* One entity, as query_person/role/team/process return it. */
void page_person(struct strbuf *sb, const struct page_ctx *ctx,
		 const json_t *person);
void page_role(struct strbuf *sb, const struct page_ctx *ctx,
	       const json_t *role);
void page_team(struct strbuf *sb, const struct page_ctx *ctx,
	       const json_t *team);
void page_process(struct strbuf *sb, const struct page_ctx *ctx,
		  const json_t *process);
/* The relationship map page around an SVG made by graph_svg; `team` is the
 * current filter (NULL for all), `teams` the list for the filter form. */
void page_map(struct strbuf *sb, const struct page_ctx *ctx,
	      const char *team, const json_t *teams, const char *svg);
/* Route results: the route document (route.h) for the query in q
 * ({"topic","q","on"}), with the explanation. */
void page_route(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *q, const json_t *doc);
/* Audit findings (audit_run report) filtered to `severity` (NULL: all),
 * with the truck factor of each team (busfactor_run) as an SVG bar chart;
 * `team` is the current filter, `teams` the list for the filter form. */
void page_audit(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *report, const json_t *bus, const char *team,
		const char *severity, const json_t *teams);
/* Handovers (handover_list rows) and one handover's checklist
 * (handover_get); items can be ticked when signed in and the handover is
 * open. */
void page_handovers(struct strbuf *sb, const struct page_ctx *ctx,
		    const json_t *list);
void page_handover(struct strbuf *sb, const struct page_ctx *ctx,
		   const json_t *h);
/* The truck factors as a horizontal SVG bar chart (pure, escaped). */
void page_busfactor_svg(struct strbuf *sb, const json_t *bus);

/* The login form; `message` (may be NULL) is shown above it. */
void page_login(struct strbuf *sb, const struct page_ctx *ctx,
		const char *message);
/* An error page: "404 Not Found" and a message. */
void page_error(struct strbuf *sb, const struct page_ctx *ctx, int status,
		const char *reason, const char *message);

#endif
