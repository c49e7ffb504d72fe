/* page.c - server-rendered HTML pages (see page.h).
 *
 * Layout: helpers first (escaping, links, small lists), then one builder
 * per page. The HTML is plain, works without JavaScript and is styled by
 * one stylesheet; forms post to the same origin and carry the CSRF token.
 */
#include "page.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Stylesheet                                                          */
/* ------------------------------------------------------------------ */

const char page_css[] =
	":root{--fg:#1d2330;--mute:#5b6475;--line:#d8dde6;--bg:#fff;--acc:#1f5fbf;"
	"--green:#2e8540;--amber:#c77700;--red:#c62828}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"color:var(--fg);background:#f5f7fa}\n"
	"header{background:#1d2330;color:#fff;padding:.5rem 1rem;display:flex;"
	"flex-wrap:wrap;align-items:center;gap:.25rem 1rem}\n"
	"header a{color:#fff;text-decoration:none}\n"
	"header .brand{font-weight:700;font-size:1.2rem;margin-right:1rem}\n"
	"header nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem}\n"
	"header .user{margin-left:auto;font-size:.9rem}\n"
	"header form{display:inline}\n"
	"main{max-width:60rem;margin:0 auto;padding:1rem;background:var(--bg);"
	"min-height:80vh}\n"
	"h1{font-size:1.6rem;margin:.2rem 0 .8rem}h2{font-size:1.2rem;"
	"margin:1.4rem 0 .5rem;border-bottom:1px solid var(--line)}\n"
	"a{color:var(--acc)}\n"
	".mute{color:var(--mute)}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);"
	"vertical-align:top}\n"
	"ul.plain{list-style:none;padding-left:0}\n"
	".tree ul{padding-left:1.2rem;border-left:1px dotted var(--line)}\n"
	".badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.8rem;"
	"background:#e8ecf3}\n"
	".badge.leaving,.badge.amber{background:#fff1d6;color:#7a4a00}\n"
	".badge.left,.badge.red{background:#fde2e2;color:#8e1b1b}\n"
	".badge.green,.badge.active{background:#dff3e4;color:#1c5c2b}\n"
	".search{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0 1rem}\n"
	".search select{width:auto;flex:1;min-width:10rem}\n"
	".search input[type=text],.search input[type=search]{flex:1;min-width:12rem;"
	"padding:.55rem;font-size:1rem;border:1px solid var(--line);border-radius:.3rem}\n"
	"button,input[type=submit]{padding:.5rem .9rem;font-size:1rem;border:0;"
	"border-radius:.3rem;background:var(--acc);color:#fff;cursor:pointer}\n"
	"header button{padding:.1rem .5rem;font-size:.85rem;background:#3b4660}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));"
	"gap:1rem}\n"
	".card{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .8rem}\n"
	".card h2{margin-top:0;border:0}\n"
	".md{overflow-wrap:anywhere}\n"
	"td.tick{font-size:1.3rem;color:var(--mute);width:1.5rem}td.tick.done{color:var(--green)}\n"
	".map{overflow-x:auto}\n"
	".map svg{max-width:100%;height:auto}\n"
	"label{display:block;margin:.4rem 0 .2rem}\n"
	"input[type=password],textarea,select{width:100%;padding:.5rem;font-size:1rem;"
	"border:1px solid var(--line);border-radius:.3rem}\n"
	".msg{padding:.5rem .8rem;background:#fde2e2;border-radius:.3rem}\n"
	"footer{text-align:center;font-size:.8rem;color:var(--mute);padding:1rem}\n"
	"@media (max-width:40rem){main{padding:.6rem}th,td{padding:.3rem}"
	"h1{font-size:1.3rem}table.wide thead{display:none}"
	"table.wide tr{display:block;border-bottom:1px solid var(--line);padding:.3rem 0}"
	"table.wide td{display:block;border:0;padding:.1rem .3rem}}\n";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void h(struct strbuf *sb, const char *s)
{
	strbuf_add_html(sb, s ? s : "");
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void page_add_url(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			strbuf_addch(sb, c);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
		}
	}
}

void page_add_markdown(struct strbuf *sb, const char *md)
{
	char *html;

	if (!md || !*md)
		return;
	/* CMARK_OPT_DEFAULT is safe: without CMARK_OPT_UNSAFE cmark replaces
	 * raw HTML by a comment and drops javascript:/vbscript:/data: links. */
	html = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_DEFAULT);
	if (!html) {
		sb->oom = 1;
		return;
	}
	strbuf_addstr(sb, "<div class=\"md\">");
	strbuf_addstr(sb, html);
	strbuf_addstr(sb, "</div>");
	free(html);
}

/* <a href="/PREFIX/NAME">LABEL or NAME</a> */
static void link(struct strbuf *sb, const char *prefix, const char *name,
		 const char *label)
{
	if (!name) {
		h(sb, label);
		return;
	}
	strbuf_addf(sb, "<a href=\"/%s/", prefix);
	page_add_url(sb, name);
	strbuf_addstr(sb, "\">");
	h(sb, label && *label ? label : name);
	strbuf_addstr(sb, "</a>");
}

static void badge(struct strbuf *sb, const char *cls, const char *text)
{
	if (!text)
		return;
	strbuf_addstr(sb, " <span class=\"badge ");
	h(sb, cls);
	strbuf_addstr(sb, "\">");
	h(sb, text);
	strbuf_addstr(sb, "</span>");
}

/* "role:x" / "team:x" / "person:x" as a link; a party as its text. */
static void ref_link(struct strbuf *sb, const char *kind, const char *name)
{
	if (kind && !strcmp(kind, "role"))
		link(sb, "roles", name, NULL);
	else if (kind && !strcmp(kind, "team"))
		link(sb, "teams", name, NULL);
	else if (kind && !strcmp(kind, "person"))
		link(sb, "people", name, NULL);
	else
		h(sb, name);
}

/* "role:NAME" split on the colon. */
static void handler_link(struct strbuf *sb, const char *handler)
{
	const char *colon = handler ? strchr(handler, ':') : NULL;
	char kind[16];

	if (!colon || colon - handler >= (long)sizeof(kind)) {
		h(sb, handler);
		return;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(colon - handler), handler);
	h(sb, kind);
	strbuf_addch(sb, ':');
	ref_link(sb, kind, colon + 1);
}

static void holders_inline(struct strbuf *sb, const json_t *holders)
{
	size_t i;
	json_t *e;

	if (!json_array_size(holders)) {
		strbuf_addstr(sb, "<span class=\"badge red\">vacant</span>");
		return;
	}
	json_array_foreach(holders, i, e) {
		if (i)
			strbuf_addstr(sb, ", ");
		link(sb, "people", str(e, "person"), str(e, "displayName"));
		if (str(e, "as") && !strcmp(str(e, "as"), "backup"))
			strbuf_addstr(sb, " <span class=\"mute\">(backup)</span>");
	}
}

static void hidden_csrf(struct strbuf *sb, const struct page_ctx *ctx)
{
	strbuf_addstr(sb, "<input type=\"hidden\" name=\"csrf\" value=\"");
	h(sb, ctx->csrf);
	strbuf_addstr(sb, "\">");
}

/* ------------------------------------------------------------------ */
/* Frame                                                               */
/* ------------------------------------------------------------------ */

void page_begin(struct strbuf *sb, const struct page_ctx *ctx,
		const char *title)
{
	strbuf_addstr(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		"<meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<title>");
	h(sb, title);
	strbuf_addstr(sb, " · baton</title>"
		"<link rel=\"stylesheet\" href=\"/static/baton.css\">"
		"<link rel=\"icon\" href=\"data:,\"></head><body>"
		"<header><a class=\"brand\" href=\"/\">baton</a><nav>"
		"<a href=\"/people\">People</a><a href=\"/roles\">Roles</a>"
		"<a href=\"/teams\">Teams</a><a href=\"/processes\">Processes</a>"
		"<a href=\"/rules\">Rules</a><a href=\"/map\">Map</a>");
	if (ctx->features & PAGE_AUDIT)
		strbuf_addstr(sb, "<a href=\"/audit\">Audit</a>");
	if (ctx->features & PAGE_HANDOVER)
		strbuf_addstr(sb, "<a href=\"/handovers\">Handovers</a>");
	strbuf_addstr(sb, "</nav><span class=\"user\">");
	if (ctx->user) {
		strbuf_addstr(sb, "signed in as ");
		h(sb, ctx->user);
		strbuf_addstr(sb, " <form method=\"post\" action=\"/logout\">");
		hidden_csrf(sb, ctx);
		strbuf_addstr(sb, "<button type=\"submit\">Log out</button></form>");
	} else if (ctx->read_only) {
		strbuf_addstr(sb, "read-only");
	} else {
		strbuf_addstr(sb, "<a href=\"/login\">Log in</a>");
	}
	strbuf_addstr(sb, "</span></header><main>\n");
}

void page_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "\n</main><footer>baton · work attached to roles, not "
		"people · <a href=\"/api/v1/people\">JSON API</a></footer>"
		"</body></html>\n");
}

/* ------------------------------------------------------------------ */
/* Home                                                                */
/* ------------------------------------------------------------------ */

/* The "Who handles…?" form, prefilled with the last query. */
static void search_form(struct strbuf *sb, const char *q, const char *topic)
{
	strbuf_addstr(sb, "<form class=\"search\" method=\"get\" action=\"/route\">"
		"<input type=\"search\" name=\"q\" aria-label=\"Who handles…?\" "
		"placeholder=\"e.g. refund for an enterprise customer\" value=\"");
	h(sb, q);
	strbuf_addstr(sb, "\"><input type=\"text\" name=\"topic\" aria-label=\"Topic\" "
		"placeholder=\"or a topic: finance/refunds/enterprise\" value=\"");
	h(sb, topic);
	strbuf_addstr(sb, "\"><button type=\"submit\">Ask</button></form>");
}

static void home_handovers(struct strbuf *sb, const json_t *list)
{
	size_t i;
	json_t *e;

	if (!list)
		return;
	strbuf_addstr(sb, "<section class=\"card\"><h2>Open handovers</h2>");
	if (!json_array_size(list))
		strbuf_addstr(sb, "<p class=\"mute\">None.</p>");
	json_array_foreach(list, i, e) {
		strbuf_addf(sb, "<p><a href=\"/handovers/%lld\">#%lld</a> ",
			    (long long)json_integer_value(json_object_get(e, "id")),
			    (long long)json_integer_value(json_object_get(e, "id")));
		if (str(e, "from"))
			link(sb, "people", str(e, "from"), NULL);
		else
			strbuf_addstr(sb, "(new)");
		strbuf_addstr(sb, " → ");
		link(sb, "people", str(e, "to"), NULL);
		strbuf_addf(sb, " <span class=\"mute\">%lld/%lld done",
			    (long long)json_integer_value(json_object_get(e, "done")),
			    (long long)json_integer_value(json_object_get(e, "items")));
		if (str(e, "due")) {
			strbuf_addstr(sb, ", due ");
			h(sb, str(e, "due"));
		}
		strbuf_addstr(sb, "</span></p>");
	}
	strbuf_addstr(sb, "</section>");
}

static void home_audit(struct strbuf *sb, const json_t *sum)
{
	if (!sum)
		return;
	strbuf_addf(sb, "<section class=\"card\"><h2>Audit</h2><p>"
		    "<a href=\"/audit?severity=error\"><span class=\"badge red\">%lld errors</span></a> "
		    "<a href=\"/audit?severity=warning\"><span class=\"badge amber\">%lld warnings</span></a> "
		    "<a href=\"/audit?severity=info\"><span class=\"badge\">%lld info</span></a>"
		    "</p></section>",
		    (long long)json_integer_value(json_object_get(sum, "error")),
		    (long long)json_integer_value(json_object_get(sum, "warning")),
		    (long long)json_integer_value(json_object_get(sum, "info")));
}

void page_home(struct strbuf *sb, const struct page_ctx *ctx,
	       const json_t *home)
{
	const json_t *sum = json_object_get(home, "summary");
	const json_t *leaving = json_object_get(home, "leaving");
	const json_t *absent = json_object_get(home, "absent");
	static const char *const counts[] = { "people", "teams", "roles",
					      "processes", "rules" };
	size_t i;
	json_t *e;

	page_begin(sb, ctx, "Home");
	strbuf_addstr(sb, "<h1>Who handles…?</h1>");
	if (json_is_true(json_object_get(home, "search")))
		search_form(sb, NULL, NULL);
	strbuf_addstr(sb, "<p>");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		strbuf_addf(sb, "%s<a href=\"/%s\">%lld %s</a>", i ? " · " : "",
			    counts[i],
			    (long long)json_integer_value(json_object_get(sum, counts[i])),
			    counts[i]);
	}
	strbuf_addstr(sb, "</p><div class=\"cards\">");

	strbuf_addstr(sb, "<section class=\"card\"><h2>Leaving soon</h2>");
	if (!json_array_size(leaving))
		strbuf_addstr(sb, "<p class=\"mute\">Nobody is leaving.</p>");
	else
		strbuf_addstr(sb, "<ul class=\"plain\">");
	json_array_foreach(leaving, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "people", str(e, "name"), str(e, "displayName"));
		if (str(e, "leavingOn")) {
			strbuf_addstr(sb, " <span class=\"mute\">on ");
			h(sb, str(e, "leavingOn"));
			strbuf_addstr(sb, "</span>");
		}
		strbuf_addstr(sb, "</li>");
	}
	if (json_array_size(leaving))
		strbuf_addstr(sb, "</ul>");
	strbuf_addstr(sb, "</section>");

	strbuf_addstr(sb, "<section class=\"card\"><h2>Absent today</h2>");
	if (!json_array_size(absent))
		strbuf_addstr(sb, "<p class=\"mute\">Everyone is in.</p>");
	else
		strbuf_addstr(sb, "<ul class=\"plain\">");
	json_array_foreach(absent, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "people", str(e, "name"), str(e, "displayName"));
		strbuf_addstr(sb, " <span class=\"mute\">until ");
		h(sb, str(e, "to"));
		if (str(e, "reason")) {
			strbuf_addstr(sb, " (");
			h(sb, str(e, "reason"));
			strbuf_addstr(sb, ")");
		}
		strbuf_addstr(sb, "</span></li>");
	}
	if (json_array_size(absent))
		strbuf_addstr(sb, "</ul>");
	strbuf_addstr(sb, "</section>");
	home_handovers(sb, json_object_get(home, "handovers"));
	home_audit(sb, json_object_get(home, "audit"));
	strbuf_addstr(sb, "</div>");
	page_end(sb);
}

/* ------------------------------------------------------------------ */
/* Lists                                                               */
/* ------------------------------------------------------------------ */

static void status_badge(struct strbuf *sb, const json_t *p)
{
	const char *status = str(p, "status");

	if (status && strcmp(status, "active"))
		badge(sb, status, status);
}

void page_people(struct strbuf *sb, const struct page_ctx *ctx,
		 const json_t *people)
{
	size_t i;
	json_t *p;

	page_begin(sb, ctx, "People");
	strbuf_addf(sb, "<h1>People</h1><p class=\"mute\">%zu people</p>"
		    "<table class=\"wide\"><thead><tr><th>Name</th><th>Handle</th>"
		    "<th>Team</th><th>Email</th></tr></thead><tbody>",
		    json_array_size(people));
	json_array_foreach(people, i, p) {
		strbuf_addstr(sb, "<tr><td>");
		link(sb, "people", str(p, "name"), str(p, "displayName"));
		status_badge(sb, p);
		strbuf_addstr(sb, "</td><td>");
		h(sb, str(p, "name"));
		strbuf_addstr(sb, "</td><td>");
		link(sb, "teams", str(p, "team"), NULL);
		strbuf_addstr(sb, "</td><td>");
		h(sb, str(p, "email"));
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</tbody></table>");
	page_end(sb);
}

void page_roles(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *roles)
{
	size_t i;
	json_t *r;

	page_begin(sb, ctx, "Roles");
	strbuf_addf(sb, "<h1>Roles</h1><p class=\"mute\">%zu roles</p>"
		    "<table class=\"wide\"><thead><tr><th>Role</th><th>Team</th>"
		    "<th>Holders</th><th>Reports to</th></tr></thead><tbody>",
		    json_array_size(roles));
	json_array_foreach(roles, i, r) {
		strbuf_addstr(sb, "<tr><td>");
		link(sb, "roles", str(r, "name"), str(r, "title"));
		strbuf_addstr(sb, "</td><td>");
		link(sb, "teams", str(r, "team"), NULL);
		strbuf_addstr(sb, "</td><td>");
		holders_inline(sb, json_object_get(r, "holders"));
		strbuf_addstr(sb, "</td><td>");
		link(sb, "roles", str(r, "reportsTo"), NULL);
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</tbody></table>");
	page_end(sb);
}

/* The teams whose parent is `parent` (NULL: roots, and orphans whose parent
 * is not in the list), recursively; depth bounds a corrupt cycle. */
static void team_tree(struct strbuf *sb, const json_t *teams,
		      const char *parent, int depth)
{
	size_t i, j;
	json_t *t, *u;
	int any = 0;

	if (depth > 32)
		return;
	json_array_foreach(teams, i, t) {
		const char *p = str(t, "parent");
		int match;

		if (parent) {
			match = p && !strcmp(p, parent);
		} else {
			match = !p;
			if (p) { /* orphan: parent missing from the list */
				match = 1;
				json_array_foreach(teams, j, u)
					if (str(u, "name") && !strcmp(str(u, "name"), p))
						match = 0;
			}
		}
		if (!match)
			continue;
		if (!any++)
			strbuf_addstr(sb, "<ul>");
		strbuf_addstr(sb, "<li>");
		link(sb, "teams", str(t, "name"), str(t, "displayName"));
		if (str(t, "description")) {
			strbuf_addstr(sb, " <span class=\"mute\">— ");
			h(sb, str(t, "description"));
			strbuf_addstr(sb, "</span>");
		}
		team_tree(sb, teams, str(t, "name"), depth + 1);
		strbuf_addstr(sb, "</li>");
	}
	if (any)
		strbuf_addstr(sb, "</ul>");
}

void page_teams(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *teams)
{
	page_begin(sb, ctx, "Teams");
	strbuf_addstr(sb, "<h1>Teams</h1><div class=\"tree\">");
	team_tree(sb, teams, NULL, 0);
	strbuf_addstr(sb, "</div>");
	page_end(sb);
}

void page_processes(struct strbuf *sb, const struct page_ctx *ctx,
		    const json_t *processes)
{
	size_t i;
	json_t *p;

	page_begin(sb, ctx, "Processes");
	strbuf_addf(sb, "<h1>Processes</h1><p class=\"mute\">%zu processes</p>"
		    "<table class=\"wide\"><thead><tr><th>Process</th><th>Owner</th>"
		    "<th>Last reviewed</th></tr></thead><tbody>",
		    json_array_size(processes));
	json_array_foreach(processes, i, p) {
		strbuf_addstr(sb, "<tr><td>");
		link(sb, "processes", str(p, "name"), str(p, "title"));
		strbuf_addstr(sb, "</td><td>");
		link(sb, "roles", str(p, "owner"), NULL);
		strbuf_addstr(sb, "</td><td>");
		h(sb, str(p, "lastReviewed") ? str(p, "lastReviewed") : "never");
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</tbody></table>");
	page_end(sb);
}

void page_rules(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *rules)
{
	size_t i;
	json_t *r;

	page_begin(sb, ctx, "Rules");
	strbuf_addf(sb, "<h1>Routing rules</h1><p class=\"mute\">%zu rules</p>"
		    "<table class=\"wide\"><thead><tr><th>Rule</th><th>Topic</th>"
		    "<th>Handler</th><th>Priority</th></tr></thead><tbody>",
		    json_array_size(rules));
	json_array_foreach(rules, i, r) {
		strbuf_addstr(sb, "<tr id=\"");
		h(sb, str(r, "name"));
		strbuf_addstr(sb, "\"><td>");
		h(sb, str(r, "title") ? str(r, "title") : str(r, "name"));
		strbuf_addstr(sb, " <span class=\"mute\">");
		h(sb, str(r, "name"));
		strbuf_addstr(sb, "</span></td><td><code>");
		h(sb, str(r, "topic"));
		strbuf_addstr(sb, "</code></td><td>");
		handler_link(sb, str(r, "handler"));
		strbuf_addf(sb, "</td><td>%lld</td></tr>",
			    (long long)json_integer_value(json_object_get(r, "priority")));
	}
	strbuf_addstr(sb, "</tbody></table>");
	page_end(sb);
}

/* ------------------------------------------------------------------ */
/* One entity                                                          */
/* ------------------------------------------------------------------ */

void page_person(struct strbuf *sb, const struct page_ctx *ctx,
		 const json_t *p)
{
	size_t i;
	json_t *e;
	const json_t *roles = json_object_get(p, "roles");
	const json_t *past = json_object_get(p, "pastRoles");
	const json_t *knows = json_object_get(p, "knows");
	const json_t *abs = json_object_get(p, "absences");

	page_begin(sb, ctx, str(p, "displayName"));
	strbuf_addstr(sb, "<h1>");
	h(sb, str(p, "displayName"));
	status_badge(sb, p);
	strbuf_addstr(sb, "</h1><table><tr><th>Handle</th><td>");
	h(sb, str(p, "name"));
	strbuf_addstr(sb, "</td></tr><tr><th>Email</th><td>");
	h(sb, str(p, "email"));
	strbuf_addstr(sb, "</td></tr><tr><th>Team</th><td>");
	link(sb, "teams", str(p, "team"), NULL);
	strbuf_addstr(sb, "</td></tr>");
	if (str(p, "leavingOn")) {
		strbuf_addstr(sb, "<tr><th>Leaving on</th><td>");
		h(sb, str(p, "leavingOn"));
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</table><h2>Roles</h2>");
	if (!json_array_size(roles))
		strbuf_addstr(sb, "<p class=\"mute\">Holds no role.</p>");
	strbuf_addstr(sb, "<ul>");
	json_array_foreach(roles, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "roles", str(e, "role"), str(e, "title"));
		strbuf_addstr(sb, " <span class=\"mute\">");
		h(sb, str(e, "as"));
		if (str(e, "since")) {
			strbuf_addstr(sb, " since ");
			h(sb, str(e, "since"));
		}
		strbuf_addstr(sb, "</span></li>");
	}
	strbuf_addstr(sb, "</ul>");
	if (json_array_size(past)) {
		strbuf_addstr(sb, "<h2>Past roles</h2><ul>");
		json_array_foreach(past, i, e) {
			strbuf_addstr(sb, "<li>");
			link(sb, "roles", str(e, "role"), str(e, "title"));
			strbuf_addstr(sb, " <span class=\"mute\">until ");
			h(sb, str(e, "until"));
			strbuf_addstr(sb, "</span></li>");
		}
		strbuf_addstr(sb, "</ul>");
	}
	strbuf_addstr(sb, "<h2>Knows how to</h2>");
	if (!json_array_size(knows))
		strbuf_addstr(sb, "<p class=\"mute\">No documented process.</p>");
	strbuf_addstr(sb, "<ul>");
	json_array_foreach(knows, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "processes", str(e, "process"), str(e, "title"));
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>");
	if (json_array_size(abs)) {
		strbuf_addstr(sb, "<h2>Absences</h2><ul>");
		json_array_foreach(abs, i, e) {
			strbuf_addstr(sb, "<li>");
			h(sb, str(e, "from"));
			strbuf_addstr(sb, " – ");
			h(sb, str(e, "to"));
			if (str(e, "reason")) {
				strbuf_addstr(sb, " <span class=\"mute\">");
				h(sb, str(e, "reason"));
				strbuf_addstr(sb, "</span>");
			}
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ul>");
	}
	page_end(sb);
}

void page_role(struct strbuf *sb, const struct page_ctx *ctx,
	       const json_t *r)
{
	size_t i, j;
	json_t *e, *x;
	const json_t *holders = json_object_get(r, "holders");
	const json_t *past = json_object_get(r, "pastHolders");
	const json_t *resp = json_object_get(r, "responsibilities");
	const json_t *procs = json_object_get(r, "processes");
	const json_t *rules = json_object_get(r, "rules");
	const json_t *rels = json_object_get(r, "relationships");
	const json_t *journal = json_object_get(r, "journal");

	page_begin(sb, ctx, str(r, "title"));
	strbuf_addstr(sb, "<h1>");
	h(sb, str(r, "title"));
	strbuf_addstr(sb, "</h1><p class=\"mute\">role ");
	h(sb, str(r, "name"));
	strbuf_addstr(sb, " · team ");
	link(sb, "teams", str(r, "team"), NULL);
	if (str(r, "reportsTo")) {
		strbuf_addstr(sb, " · reports to ");
		link(sb, "roles", str(r, "reportsTo"), NULL);
	}
	strbuf_addstr(sb, " · <a href=\"/map?team=");
	page_add_url(sb, str(r, "team"));
	strbuf_addstr(sb, "\">map</a></p>");
	if (str(r, "description")) {
		strbuf_addstr(sb, "<p>");
		h(sb, str(r, "description"));
		strbuf_addstr(sb, "</p>");
	}

	strbuf_addstr(sb, "<h2>Holders</h2>");
	if (!json_array_size(holders))
		strbuf_addstr(sb, "<p><span class=\"badge red\">vacant</span></p>");
	strbuf_addstr(sb, "<ul>");
	json_array_foreach(holders, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "people", str(e, "person"), str(e, "displayName"));
		strbuf_addstr(sb, " <span class=\"mute\">");
		h(sb, str(e, "as"));
		if (str(e, "since")) {
			strbuf_addstr(sb, " since ");
			h(sb, str(e, "since"));
		}
		strbuf_addstr(sb, "</span>");
		status_badge(sb, e);
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>");
	if (json_array_size(past)) {
		strbuf_addstr(sb, "<h2>Past holders</h2><ul>");
		json_array_foreach(past, i, e) {
			strbuf_addstr(sb, "<li>");
			link(sb, "people", str(e, "person"), NULL);
			strbuf_addstr(sb, " <span class=\"mute\">");
			h(sb, str(e, "as"));
			strbuf_addstr(sb, " ");
			h(sb, str(e, "since"));
			strbuf_addstr(sb, " – ");
			h(sb, str(e, "until"));
			strbuf_addstr(sb, "</span></li>");
		}
		strbuf_addstr(sb, "</ul>");
	}

	strbuf_addstr(sb, "<h2>Responsibilities</h2>");
	if (!json_array_size(resp))
		strbuf_addstr(sb, "<p class=\"mute\">None declared.</p>");
	strbuf_addstr(sb, "<ul>");
	json_array_foreach(resp, i, e) {
		const json_t *rp = json_object_get(e, "processes");

		strbuf_addstr(sb, "<li>");
		h(sb, str(e, "summary") ? str(e, "summary") : str(e, "id"));
		if (!json_array_size(rp))
			strbuf_addstr(sb, " <span class=\"badge amber\">undocumented</span>");
		json_array_foreach(rp, j, x) {
			strbuf_addstr(sb, j ? ", " : " — ");
			link(sb, "processes", json_string_value(x), NULL);
		}
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>");

	strbuf_addstr(sb, "<h2>Processes</h2>");
	if (!json_array_size(procs))
		strbuf_addstr(sb, "<p class=\"mute\">None.</p>");
	strbuf_addstr(sb, "<ul>");
	json_array_foreach(procs, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "processes", str(e, "name"), str(e, "title"));
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>");

	strbuf_addstr(sb, "<h2>Routing rules</h2>");
	if (!json_array_size(rules))
		strbuf_addstr(sb, "<p class=\"mute\">No rule routes here.</p>");
	strbuf_addstr(sb, "<ul>");
	json_array_foreach(rules, i, e) {
		strbuf_addstr(sb, "<li><a href=\"/rules#");
		page_add_url(sb, str(e, "name"));
		strbuf_addstr(sb, "\">");
		h(sb, str(e, "title") ? str(e, "title") : str(e, "name"));
		strbuf_addstr(sb, "</a> <code>");
		h(sb, str(e, "topic"));
		strbuf_addstr(sb, "</code></li>");
	}
	strbuf_addstr(sb, "</ul>");

	strbuf_addstr(sb, "<h2>Relationships</h2>");
	if (!json_array_size(rels))
		strbuf_addstr(sb, "<p class=\"mute\">None.</p>");
	else
		strbuf_addstr(sb, "<table class=\"wide\"><thead><tr><th>With</th>"
			"<th>Purpose</th><th>Health</th><th>Last contact</th></tr>"
			"</thead><tbody>");
	json_array_foreach(rels, i, e) {
		strbuf_addstr(sb, "<tr><td>");
		ref_link(sb, str(e, "kind"), str(e, "name"));
		if (str(e, "contact")) {
			strbuf_addstr(sb, "<br><span class=\"mute\">");
			h(sb, str(e, "contact"));
			strbuf_addstr(sb, "</span>");
		}
		strbuf_addstr(sb, "</td><td>");
		h(sb, str(e, "purpose"));
		strbuf_addstr(sb, "</td><td>");
		badge(sb, str(e, "health"), str(e, "health"));
		strbuf_addstr(sb, "</td><td>");
		h(sb, str(e, "lastContact"));
		strbuf_addstr(sb, "</td></tr>");
	}
	if (json_array_size(rels))
		strbuf_addstr(sb, "</tbody></table>");

	if (str(r, "notes")) {
		strbuf_addstr(sb, "<h2>Notes</h2>");
		page_add_markdown(sb, str(r, "notes"));
	}
	strbuf_addstr(sb, "<h2>Journal</h2>");
	if ((ctx->features & PAGE_HANDOVER) && ctx->user && !ctx->read_only) {
		strbuf_addstr(sb, "<form method=\"post\" action=\"/roles/");
		page_add_url(sb, str(r, "name"));
		strbuf_addstr(sb, "/journal\">");
		hidden_csrf(sb, ctx);
		strbuf_addstr(sb, "<label for=\"jtext\">New entry (Markdown)</label>"
			"<textarea id=\"jtext\" name=\"text\" rows=\"3\" required></textarea>"
			"<p><button type=\"submit\">Add to journal</button></p></form>");
	}
	if (!json_array_size(journal))
		strbuf_addstr(sb, "<p class=\"mute\">No entry yet.</p>");
	json_array_foreach(journal, i, e) {
		strbuf_addstr(sb, "<article><p class=\"mute\">");
		h(sb, str(e, "at"));
		strbuf_addstr(sb, " · ");
		h(sb, str(e, "author"));
		strbuf_addstr(sb, "</p>");
		page_add_markdown(sb, str(e, "text"));
		strbuf_addstr(sb, "</article>");
	}
	page_end(sb);
}

void page_team(struct strbuf *sb, const struct page_ctx *ctx,
	       const json_t *t)
{
	size_t i;
	json_t *e;
	const json_t *sub = json_object_get(t, "subteams");
	const json_t *roles = json_object_get(t, "roles");
	const json_t *people = json_object_get(t, "people");

	page_begin(sb, ctx, str(t, "displayName"));
	strbuf_addstr(sb, "<h1>");
	h(sb, str(t, "displayName"));
	strbuf_addstr(sb, "</h1><p class=\"mute\">team ");
	h(sb, str(t, "name"));
	if (str(t, "parent")) {
		strbuf_addstr(sb, " · part of ");
		link(sb, "teams", str(t, "parent"), NULL);
	}
	strbuf_addstr(sb, " · <a href=\"/map?team=");
	page_add_url(sb, str(t, "name"));
	strbuf_addstr(sb, "\">relationship map</a></p>");
	if (str(t, "description")) {
		strbuf_addstr(sb, "<p>");
		h(sb, str(t, "description"));
		strbuf_addstr(sb, "</p>");
	}
	if (json_array_size(sub)) {
		strbuf_addstr(sb, "<h2>Sub-teams</h2><ul>");
		json_array_foreach(sub, i, e) {
			strbuf_addstr(sb, "<li>");
			link(sb, "teams", str(e, "name"), str(e, "displayName"));
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ul>");
	}
	strbuf_addstr(sb, "<h2>Roles</h2>");
	if (!json_array_size(roles))
		strbuf_addstr(sb, "<p class=\"mute\">None.</p>");
	else
		strbuf_addstr(sb, "<table class=\"wide\"><tbody>");
	json_array_foreach(roles, i, e) {
		strbuf_addstr(sb, "<tr><td>");
		link(sb, "roles", str(e, "name"), str(e, "title"));
		strbuf_addstr(sb, "</td><td>");
		holders_inline(sb, json_object_get(e, "holders"));
		strbuf_addstr(sb, "</td></tr>");
	}
	if (json_array_size(roles))
		strbuf_addstr(sb, "</tbody></table>");
	strbuf_addstr(sb, "<h2>People</h2><ul>");
	json_array_foreach(people, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "people", str(e, "name"), str(e, "displayName"));
		status_badge(sb, e);
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>");
	page_end(sb);
}

void page_process(struct strbuf *sb, const struct page_ctx *ctx,
		  const json_t *p)
{
	size_t i;
	json_t *e;
	const json_t *steps = json_object_get(p, "steps");
	const json_t *systems = json_object_get(p, "systems");
	const json_t *known = json_object_get(p, "knownBy");
	const json_t *used = json_object_get(p, "usedBy");

	page_begin(sb, ctx, str(p, "title"));
	strbuf_addstr(sb, "<h1>");
	h(sb, str(p, "title"));
	strbuf_addstr(sb, "</h1><p class=\"mute\">process ");
	h(sb, str(p, "name"));
	strbuf_addstr(sb, " · owner ");
	link(sb, "roles", str(p, "owner"), NULL);
	strbuf_addstr(sb, " · last reviewed ");
	h(sb, str(p, "lastReviewed") ? str(p, "lastReviewed") : "never");
	if (str(p, "reviewEvery")) {
		strbuf_addstr(sb, " (every ");
		h(sb, str(p, "reviewEvery"));
		strbuf_addstr(sb, ")");
	}
	strbuf_addstr(sb, "</p>");
	if (json_array_size(steps)) {
		strbuf_addstr(sb, "<h2>Steps</h2><ol>");
		json_array_foreach(steps, i, e) {
			strbuf_addstr(sb, "<li>");
			h(sb, json_string_value(e));
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ol>");
	}
	if (str(p, "body")) {
		strbuf_addstr(sb, "<h2>Details</h2>");
		page_add_markdown(sb, str(p, "body"));
	}
	if (json_array_size(systems)) {
		strbuf_addstr(sb, "<h2>Systems</h2><ul>");
		json_array_foreach(systems, i, e) {
			strbuf_addstr(sb, "<li>");
			h(sb, json_string_value(e));
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ul>");
	}
	strbuf_addstr(sb, "<h2>Known by</h2>");
	if (!json_array_size(known))
		strbuf_addstr(sb, "<p><span class=\"badge red\">nobody</span></p>");
	strbuf_addstr(sb, "<ul>");
	json_array_foreach(known, i, e) {
		strbuf_addstr(sb, "<li>");
		link(sb, "people", json_string_value(e), NULL);
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>");
	if (json_array_size(used)) {
		strbuf_addstr(sb, "<h2>Used by</h2><ul>");
		json_array_foreach(used, i, e) {
			strbuf_addstr(sb, "<li>");
			link(sb, "roles", str(e, "role"), NULL);
			strbuf_addstr(sb, " <span class=\"mute\">");
			h(sb, str(e, "responsibility"));
			strbuf_addstr(sb, "</span></li>");
		}
		strbuf_addstr(sb, "</ul>");
	}
	page_end(sb);
}

/* ------------------------------------------------------------------ */
/* Map, login, errors                                                  */
/* ------------------------------------------------------------------ */

void page_map(struct strbuf *sb, const struct page_ctx *ctx,
	      const char *team, const json_t *teams, const char *svg)
{
	size_t i;
	json_t *t;

	page_begin(sb, ctx, "Relationship map");
	strbuf_addstr(sb, "<h1>Relationship map</h1>"
		"<form class=\"search\" method=\"get\" action=\"/map\">"
		"<select name=\"team\" aria-label=\"Team\"><option value=\"\">All teams</option>");
	json_array_foreach(teams, i, t) {
		const char *name = str(t, "name");

		strbuf_addstr(sb, "<option value=\"");
		h(sb, name);
		strbuf_addstr(sb, team && name && !strcmp(team, name) ?
			      "\" selected>" : "\">");
		h(sb, str(t, "displayName"));
		strbuf_addstr(sb, "</option>");
	}
	strbuf_addstr(sb, "</select><button type=\"submit\">Show</button></form>"
		"<p class=\"mute\">Roles on the left, who they deal with on the right; "
		"lines coloured by health: <span class=\"badge green\">green</span> "
		"<span class=\"badge amber\">amber</span> <span class=\"badge red\">red</span>."
		" Also: <code>baton graph --format svg</code>.</p><div class=\"map\">");
	strbuf_addstr(sb, svg ? svg : "");
	strbuf_addstr(sb, "</div>");
	page_end(sb);
}

void page_login(struct strbuf *sb, const struct page_ctx *ctx,
		const char *message)
{
	page_begin(sb, ctx, "Log in");
	strbuf_addstr(sb, "<h1>Log in</h1>");
	if (message) {
		strbuf_addstr(sb, "<p class=\"msg\">");
		h(sb, message);
		strbuf_addstr(sb, "</p>");
	}
	strbuf_addstr(sb, "<p>Reading is open to everyone; changes need a token "
		"made with <code>baton token create NAME</code>.</p>"
		"<form method=\"post\" action=\"/login\">"
		"<label for=\"token\">Token</label>"
		"<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required>"
		"<p><button type=\"submit\">Log in</button></p></form>");
	page_end(sb);
}

void page_error(struct strbuf *sb, const struct page_ctx *ctx, int status,
		const char *reason, const char *message)
{
	char title[64];

	snprintf(title, sizeof(title), "%d %s", status, reason ? reason : "");
	page_begin(sb, ctx, title);
	strbuf_addstr(sb, "<h1>");
	h(sb, title);
	strbuf_addstr(sb, "</h1><p>");
	h(sb, message);
	strbuf_addstr(sb, "</p><p><a href=\"/\">Home</a> · <a href=\"/people\">People</a>"
		" · <a href=\"/roles\">Roles</a></p>");
	page_end(sb);
}

/* ------------------------------------------------------------------ */
/* Route results                                                       */
/* ------------------------------------------------------------------ */

/* A JSON scalar or {"name"|"topic"|"title"} object as text. */
static void add_any(struct strbuf *sb, const json_t *v)
{
	if (json_is_string(v))
		h(sb, json_string_value(v));
	else if (json_is_integer(v))
		strbuf_addf(sb, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		strbuf_addf(sb, "%.2f", json_real_value(v));
	else if (json_is_object(v))
		h(sb, str(v, "topic") ? str(v, "topic") : str(v, "name") ?
		  str(v, "name") : str(v, "title"));
}

void page_route(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *q, const json_t *doc)
{
	const json_t *rule = json_object_get(doc, "rule");
	const json_t *role = json_object_get(doc, "role");
	const json_t *crole = json_object_get(doc, "contactRole");
	const json_t *contacts = json_object_get(doc, "contacts");
	const json_t *esc = json_object_get(doc, "escalated");
	const json_t *proc = json_object_get(doc, "process");
	const json_t *alts = json_object_get(doc, "alternatives");
	const json_t *explain = json_object_get(doc, "explain");
	const json_t *sugg = json_object_get(doc, "suggestions");
	const char *outcome = str(doc, "outcome");
	size_t i, j;
	json_t *e, *k;

	page_begin(sb, ctx, "Who handles…?");
	strbuf_addstr(sb, "<h1>Who handles…?</h1>");
	search_form(sb, str(q, "q"), str(q, "topic"));
	if (str(doc, "message")) {
		strbuf_addstr(sb, "<p class=\"msg\">");
		h(sb, str(doc, "message"));
		strbuf_addstr(sb, "</p>");
	}
	if (role && json_is_object(role)) {
		strbuf_addstr(sb, "<section class=\"card\"><h2>");
		if (outcome && !strcmp(outcome, "found"))
			strbuf_addstr(sb, "Talk to");
		else
			strbuf_addstr(sb, "Nobody available");
		strbuf_addstr(sb, "</h2><ul class=\"plain\">");
		json_array_foreach(contacts, i, e) {
			strbuf_addstr(sb, "<li><strong>");
			link(sb, "people", str(e, "person"), str(e, "displayName"));
			strbuf_addstr(sb, "</strong> <span class=\"mute\">");
			h(sb, str(e, "as"));
			strbuf_addstr(sb, "</span> ");
			h(sb, str(e, "email"));
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ul><p>Role: ");
		link(sb, "roles", str(role, "name"), str(role, "title"));
		if (crole && json_is_object(crole) && str(crole, "name") &&
		    strcmp(str(crole, "name"), str(role, "name") ? str(role, "name") : "")) {
			strbuf_addstr(sb, " → escalated to ");
			link(sb, "roles", str(crole, "name"), str(crole, "title"));
		}
		if (rule && json_is_object(rule)) {
			strbuf_addstr(sb, "<br>Rule: <a href=\"/rules#");
			page_add_url(sb, str(rule, "name"));
			strbuf_addstr(sb, "\">");
			h(sb, str(rule, "title") ? str(rule, "title") : str(rule, "name"));
			strbuf_addstr(sb, "</a> <code>");
			h(sb, str(rule, "topic"));
			strbuf_addstr(sb, "</code>");
		}
		if (proc && json_is_object(proc)) {
			strbuf_addstr(sb, "<br>Process: ");
			link(sb, "processes", str(proc, "name"), str(proc, "title"));
		}
		strbuf_addstr(sb, "</p></section>");
	}
	if (json_array_size(esc)) {
		strbuf_addstr(sb, "<h2>Escalation</h2><ol>");
		json_array_foreach(esc, i, e) {
			strbuf_addstr(sb, "<li>");
			link(sb, "roles", str(e, "role"), NULL);
			strbuf_addstr(sb, ": ");
			h(sb, str(e, "reason"));
			if (str(e, "to")) {
				strbuf_addstr(sb, " → ");
				link(sb, "roles", str(e, "to"), NULL);
			}
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ol>");
	}
	if (explain && json_is_object(explain)) {
		const json_t *others = json_object_get(explain, "others");
		const json_t *steps = json_object_get(explain, "steps");

		strbuf_addstr(sb, "<h2>Why</h2>");
		if (json_array_size(others)) {
			strbuf_addstr(sb, "<p>Other matching rules and why they lost:</p><ul>");
			json_array_foreach(others, i, e) {
				strbuf_addstr(sb, "<li>");
				h(sb, str(e, "rule"));
				strbuf_addstr(sb, " <code>");
				h(sb, str(e, "topic"));
				strbuf_addstr(sb, "</code>: ");
				h(sb, str(e, "lost"));
				strbuf_addstr(sb, "</li>");
			}
			strbuf_addstr(sb, "</ul>");
		}
		if (json_array_size(steps)) {
			strbuf_addstr(sb, "<ol>");
			json_array_foreach(steps, i, e) {
				const json_t *skipped = json_object_get(e, "skipped");

				strbuf_addstr(sb, "<li>");
				if (str(e, "role"))
					link(sb, "roles", str(e, "role"), str(e, "title"));
				else
					link(sb, "people", str(e, "person"), NULL);
				if (str(e, "reason")) {
					strbuf_addstr(sb, ": ");
					h(sb, str(e, "reason"));
				}
				if (json_array_size(skipped)) {
					strbuf_addstr(sb, "<ul>");
					json_array_foreach(skipped, j, k) {
						strbuf_addstr(sb, "<li>skipped ");
						link(sb, "people", str(k, "person"), NULL);
						strbuf_addstr(sb, " (");
						h(sb, str(k, "as"));
						strbuf_addstr(sb, "): ");
						h(sb, str(k, "why"));
						strbuf_addstr(sb, "</li>");
					}
					strbuf_addstr(sb, "</ul>");
				}
				strbuf_addstr(sb, "</li>");
			}
			strbuf_addstr(sb, "</ol>");
		}
	}
	if (json_array_size(alts)) {
		strbuf_addstr(sb, "<h2>Alternatives</h2><ul>");
		json_array_foreach(alts, i, e) {
			strbuf_addstr(sb, "<li>");
			if (str(e, "role"))
				link(sb, "roles", str(e, "role"), NULL);
			else
				handler_link(sb, str(e, "handler"));
			if (str(e, "rule")) {
				strbuf_addstr(sb, " <span class=\"mute\">rule ");
				h(sb, str(e, "rule"));
				strbuf_addstr(sb, "</span>");
			}
			strbuf_addstr(sb, "</li>");
		}
		strbuf_addstr(sb, "</ul>");
	}
	if (sugg && json_is_object(sugg)) {
		const char *key;
		json_t *arr;

		json_object_foreach((json_t *)sugg, key, arr) {
			if (!json_array_size(arr))
				continue;
			strbuf_addstr(sb, "<h2>Did you mean (");
			h(sb, key);
			strbuf_addstr(sb, ")</h2><ul>");
			json_array_foreach(arr, i, e) {
				strbuf_addstr(sb, "<li>");
				add_any(sb, e);
				strbuf_addstr(sb, "</li>");
			}
			strbuf_addstr(sb, "</ul>");
		}
	}
	page_end(sb);
}

/* ------------------------------------------------------------------ */
/* Audit                                                               */
/* ------------------------------------------------------------------ */

void page_busfactor_svg(struct strbuf *sb, const json_t *bus)
{
	const json_t *teams = json_object_get(bus, "teams");
	size_t i, n = json_array_size(teams);
	long long max = 1;
	json_t *t;
	enum { LABEL = 190, BAR = 420, ROWH = 26 };

	json_array_foreach(teams, i, t) {
		long long v = json_integer_value(json_object_get(t, "truckFactor"));

		if (v > max)
			max = v;
	}
	strbuf_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		    "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"Truck factor per team\" "
		    "font-family=\"sans-serif\" font-size=\"13\">", LABEL + BAR + 40,
		    (int)n * ROWH + 8, LABEL + BAR + 40, (int)n * ROWH + 8);
	json_array_foreach(teams, i, t) {
		long long v = json_integer_value(json_object_get(t, "truckFactor"));
		int y = 4 + (int)i * ROWH, w = (int)(v * BAR / max);
		const char *fill = v <= 1 ? "#c62828" : v == 2 ? "#d08a00" : "#2e8540";

		strbuf_addstr(sb, "<a href=\"/teams/");
		strbuf_add_html(sb, str(t, "team"));
		strbuf_addf(sb, "\"><text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1d2330\">",
			    LABEL - 8, y + 15);
		h(sb, str(t, "team"));
		strbuf_addf(sb, "</text></a><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			    "fill=\"%s\"><title>", LABEL, y, w > 2 ? w : 2, ROWH - 8, fill);
		h(sb, str(t, "team"));
		strbuf_addf(sb, ": truck factor %lld</title></rect><text x=\"%d\" y=\"%d\" "
			    "fill=\"#1d2330\">%lld</text>", v, LABEL + (w > 2 ? w : 2) + 6,
			    y + 15, v);
	}
	strbuf_addstr(sb, "</svg>");
}

static void select_options(struct strbuf *sb, const char *name,
			   const char *label, const char *const *values,
			   size_t n, const char *current)
{
	size_t i;

	strbuf_addf(sb, "<select name=\"%s\" aria-label=\"%s\"><option value=\"\">%s</option>",
		    name, label, label);
	for (i = 0; i < n; i++) {
		strbuf_addstr(sb, "<option value=\"");
		h(sb, values[i]);
		strbuf_addstr(sb, current && !strcmp(current, values[i]) ?
			      "\" selected>" : "\">");
		h(sb, values[i]);
		strbuf_addstr(sb, "</option>");
	}
	strbuf_addstr(sb, "</select>");
}

/* "role/x" as a link to its page where there is one. */
static void entity_link(struct strbuf *sb, const char *entity)
{
	static const struct { const char *kind, *path; } map[] = {
		{ "role/", "roles" }, { "person/", "people" }, { "team/", "teams" },
		{ "process/", "processes" },
	};
	size_t i;

	for (i = 0; entity && i < sizeof(map) / sizeof(map[0]); i++) {
		size_t n = strlen(map[i].kind);

		if (!strncmp(entity, map[i].kind, n)) {
			strbuf_addf(sb, "<a href=\"/%s/", map[i].path);
			page_add_url(sb, entity + n);
			strbuf_addstr(sb, "\">");
			h(sb, entity);
			strbuf_addstr(sb, "</a>");
			return;
		}
	}
	if (entity && !strncmp(entity, "rule/", 5)) {
		strbuf_addstr(sb, "<a href=\"/rules#");
		page_add_url(sb, entity + 5);
		strbuf_addstr(sb, "\">");
		h(sb, entity);
		strbuf_addstr(sb, "</a>");
		return;
	}
	h(sb, entity);
}

void page_audit(struct strbuf *sb, const struct page_ctx *ctx,
		const json_t *report, const json_t *bus, const char *team,
		const char *severity, const json_t *teams)
{
	static const char *const sevs[] = { "error", "warning", "info" };
	const json_t *findings = json_object_get(report, "findings");
	const json_t *sum = json_object_get(report, "summary");
	size_t i, shown = 0;
	json_t *e;

	page_begin(sb, ctx, "Audit");
	strbuf_addstr(sb, "<h1>Audit</h1><form class=\"search\" method=\"get\" action=\"/audit\">");
	strbuf_addstr(sb, "<select name=\"team\" aria-label=\"Team\"><option value=\"\">All teams</option>");
	json_array_foreach(teams, i, e) {
		strbuf_addstr(sb, "<option value=\"");
		h(sb, str(e, "name"));
		strbuf_addstr(sb, team && str(e, "name") && !strcmp(team, str(e, "name")) ?
			      "\" selected>" : "\">");
		h(sb, str(e, "displayName"));
		strbuf_addstr(sb, "</option>");
	}
	strbuf_addstr(sb, "</select>");
	select_options(sb, "severity", "Any severity", sevs, 3, severity);
	strbuf_addstr(sb, "<button type=\"submit\">Filter</button></form>");
	strbuf_addf(sb, "<p><span class=\"badge red\">%lld errors</span> "
		    "<span class=\"badge amber\">%lld warnings</span> "
		    "<span class=\"badge\">%lld info</span></p>",
		    (long long)json_integer_value(json_object_get(sum, "error")),
		    (long long)json_integer_value(json_object_get(sum, "warning")),
		    (long long)json_integer_value(json_object_get(sum, "info")));
	strbuf_addstr(sb, "<table class=\"wide\"><thead><tr><th>Severity</th><th>Check</th>"
		      "<th>Entity</th><th>Finding</th></tr></thead><tbody>");
	json_array_foreach(findings, i, e) {
		const char *sev = str(e, "severity");

		if (severity && *severity && (!sev || strcmp(sev, severity)))
			continue;
		shown++;
		strbuf_addstr(sb, "<tr><td>");
		badge(sb, sev && !strcmp(sev, "error") ? "red" :
		      sev && !strcmp(sev, "warning") ? "amber" : "", sev);
		strbuf_addstr(sb, "</td><td><code>");
		h(sb, str(e, "check"));
		strbuf_addstr(sb, "</code></td><td>");
		entity_link(sb, str(e, "entity"));
		strbuf_addstr(sb, "</td><td>");
		h(sb, str(e, "message"));
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</tbody></table>");
	if (!shown)
		strbuf_addstr(sb, "<p class=\"mute\">No finding.</p>");
	if (bus) {
		const json_t *org = json_object_get(bus, "organisation");

		strbuf_addf(sb, "<h2>Truck factor</h2><p>Organisation: <strong>%lld</strong>",
			    (long long)json_integer_value(json_object_get(org, "truckFactor")));
		json_array_foreach(json_object_get(org, "people"), i, e) {
			strbuf_addstr(sb, i ? ", " : " — ");
			link(sb, "people", json_string_value(e), NULL);
		}
		strbuf_addstr(sb, "</p><div class=\"map\">");
		page_busfactor_svg(sb, bus);
		strbuf_addstr(sb, "</div>");
	}
	page_end(sb);
}

/* ------------------------------------------------------------------ */
/* Handovers                                                           */
/* ------------------------------------------------------------------ */

void page_handovers(struct strbuf *sb, const struct page_ctx *ctx,
		    const json_t *list)
{
	size_t i, j;
	json_t *e, *r;

	page_begin(sb, ctx, "Handovers");
	strbuf_addstr(sb, "<h1>Handovers</h1>");
	if (!json_array_size(list))
		strbuf_addstr(sb, "<p class=\"mute\">No handover yet; "
			      "<code>baton offboard</code> or <code>baton handover start</code> "
			      "starts one.</p>");
	else
		strbuf_addstr(sb, "<table class=\"wide\"><thead><tr><th>#</th><th>From → to</th>"
			      "<th>Roles</th><th>State</th><th>Done</th></tr></thead><tbody>");
	json_array_foreach(list, i, e) {
		long long id = json_integer_value(json_object_get(e, "id"));

		strbuf_addf(sb, "<tr><td><a href=\"/handovers/%lld\">#%lld</a></td><td>", id, id);
		if (str(e, "from"))
			link(sb, "people", str(e, "from"), NULL);
		else
			strbuf_addstr(sb, "(new)");
		strbuf_addstr(sb, " → ");
		link(sb, "people", str(e, "to"), NULL);
		strbuf_addstr(sb, "</td><td>");
		json_array_foreach(json_object_get(e, "roles"), j, r) {
			if (j)
				strbuf_addstr(sb, ", ");
			link(sb, "roles", json_string_value(r), NULL);
		}
		strbuf_addstr(sb, "</td><td>");
		h(sb, str(e, "state"));
		strbuf_addf(sb, "</td><td>%lld/%lld</td></tr>",
			    (long long)json_integer_value(json_object_get(e, "done")),
			    (long long)json_integer_value(json_object_get(e, "items")));
	}
	if (json_array_size(list))
		strbuf_addstr(sb, "</tbody></table>");
	page_end(sb);
}

void page_handover(struct strbuf *sb, const struct page_ctx *ctx,
		   const json_t *ho)
{
	long long id = json_integer_value(json_object_get(ho, "id"));
	const char *state = str(ho, "state");
	int can = ctx->user && !ctx->read_only && state && !strcmp(state, "open") &&
		  (ctx->features & PAGE_HANDOVER);
	size_t i, ndone = 0;
	json_t *e;
	char title[48];

	snprintf(title, sizeof(title), "Handover #%lld", id);
	page_begin(sb, ctx, title);
	strbuf_addf(sb, "<h1>Handover #%lld</h1><p class=\"mute\">", id);
	if (str(ho, "from"))
		link(sb, "people", str(ho, "from"), NULL);
	else
		strbuf_addstr(sb, "onboarding");
	strbuf_addstr(sb, " → ");
	link(sb, "people", str(ho, "to"), NULL);
	strbuf_addstr(sb, " · ");
	h(sb, state);
	if (str(ho, "due")) {
		strbuf_addstr(sb, " · due ");
		h(sb, str(ho, "due"));
	}
	strbuf_addstr(sb, " · roles ");
	json_array_foreach(json_object_get(ho, "roles"), i, e) {
		if (i)
			strbuf_addstr(sb, ", ");
		link(sb, "roles", json_string_value(e), NULL);
	}
	strbuf_addstr(sb, "</p>");
	json_array_foreach(json_object_get(ho, "items"), i, e)
		ndone += json_is_true(json_object_get(e, "done"));
	strbuf_addf(sb, "<h2>Checklist <span class=\"mute\">%zu/%zu done</span></h2>",
		    ndone, json_array_size(json_object_get(ho, "items")));
	if (!can && state && !strcmp(state, "open") && !ctx->user && !ctx->read_only)
		strbuf_addstr(sb, "<p class=\"mute\"><a href=\"/login\">Log in</a> to tick items.</p>");
	strbuf_addstr(sb, "<table class=\"wide\"><tbody>");
	json_array_foreach(json_object_get(ho, "items"), i, e) {
		long long item = json_integer_value(json_object_get(e, "item"));
		int done = json_is_true(json_object_get(e, "done"));

		strbuf_addf(sb, "<tr id=\"item-%lld\"><td class=\"%s\" title=\"%s\">%s</td>"
			    "<td><span class=\"badge\">", item, done ? "tick done" : "tick",
			    done ? "done" : "open", done ? "✓" : "○");
		h(sb, str(e, "kind"));
		strbuf_addstr(sb, "</span> ");
		h(sb, str(e, "text"));
		if (done) {
			strbuf_addstr(sb, "<br><span class=\"mute\">done by ");
			h(sb, str(e, "doneBy"));
			strbuf_addstr(sb, " ");
			h(sb, str(e, "doneAt"));
			strbuf_addstr(sb, "</span>");
		}
		if (str(e, "note")) {
			strbuf_addstr(sb, "<br><em>");
			h(sb, str(e, "note"));
			strbuf_addstr(sb, "</em>");
		}
		strbuf_addstr(sb, "</td><td>");
		if (can) {
			strbuf_addf(sb, "<form method=\"post\" action=\"/handovers/%lld/items/%lld\">",
				    id, item);
			hidden_csrf(sb, ctx);
			strbuf_addf(sb, "<input type=\"hidden\" name=\"done\" value=\"%d\">", !done);
			if (!done)
				strbuf_addstr(sb, "<input type=\"text\" name=\"note\" "
					      "aria-label=\"Note\" placeholder=\"note (optional)\">");
			strbuf_addf(sb, "<button type=\"submit\">%s</button></form>",
				    done ? "Untick" : "Tick");
		}
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</tbody></table><h2>Notes</h2>");
	json_array_foreach(json_object_get(ho, "notes"), i, e) {
		strbuf_addstr(sb, "<p><span class=\"mute\">");
		h(sb, str(e, "at"));
		strbuf_addstr(sb, " · ");
		h(sb, str(e, "author"));
		strbuf_addstr(sb, "</span><br>");
		h(sb, str(e, "text"));
		strbuf_addstr(sb, "</p>");
	}
	if (can) {
		strbuf_addf(sb, "<form method=\"post\" action=\"/handovers/%lld/notes\">", id);
		hidden_csrf(sb, ctx);
		strbuf_addstr(sb, "<label for=\"ntext\">Add a note</label>"
			      "<textarea id=\"ntext\" name=\"text\" rows=\"2\" required></textarea>"
			      "<p><button type=\"submit\">Add note</button></p></form>");
	}
	page_end(sb);
}
