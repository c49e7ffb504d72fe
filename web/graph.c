/* graph.c - the relationship map as JSON, SVG and Graphviz (see graph.h). */
#include "graph.h"
#include "entity.h"
#include "model.h"
#include "query.h"

#include <stdlib.h>
#include <string.h>

enum baton_code graph_load(struct store *st, const char *team, json_t **out,
			   struct baton_error *err)
{
	static const char sql[] =
		"WITH RECURSIVE sub(name) AS (SELECT ?1 WHERE ?1 IS NOT NULL UNION"
		"  SELECT team.name FROM team JOIN sub ON team.parent = sub.name),"
		" r AS (SELECT * FROM role WHERE CASE WHEN ?1 IS NULL"
		"  THEN name IN (SELECT role FROM relationship)"
		"  ELSE team IN (SELECT name FROM sub) END)"
		" SELECT json_object('team', ?1,"
		" 'roles', (SELECT json_group_array(json_object('name', name,"
		"   'title', title, 'team', team)) FROM (SELECT * FROM r ORDER BY name)),"
		" 'edges', (SELECT json_group_array(json_object('from', role,"
		"   'kind', with_kind, 'name', with_name, 'health', health,"
		"   'purpose', purpose)) FROM (SELECT * FROM relationship"
		"   WHERE role IN (SELECT name FROM r) ORDER BY role, ord)))";
	const char *params[1] = { team };
	int ex;

	*out = NULL;
	if (team) {
		ex = entity_exists(st, KIND_TEAM, team, err);
		if (ex < 0)
			return err && err->code ? err->code : BATON_DB;
		if (!ex)
			return baton_fail(err, BATON_NOTFOUND, "no such team '%s'", team);
	}
	return query_json(st, sql, params, 1, out, err);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *health_colour(const char *health)
{
	if (health && !strcmp(health, "green"))
		return "#2e8540";
	if (health && !strcmp(health, "amber"))
		return "#d08a00";
	if (health && !strcmp(health, "red"))
		return "#c62828";
	return "#8a94a6";
}

/* Append at most max bytes of s, cut on a UTF-8 boundary, "…" if cut. */
static void add_label(struct strbuf *sb, const char *s, size_t max)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	if (n <= max) {
		strbuf_add_html(sb, s);
		return;
	}
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	strbuf_add(&tmp, s, n);
	strbuf_addstr(&tmp, "…");
	strbuf_add_html(sb, tmp.buf);
	if (!strbuf_ok(&tmp))
		sb->oom = 1;
	strbuf_release(&tmp);
}

struct target {
	const char *kind, *name;
	double weight; /* sum of linked role positions */
	int links;
	int y;
};

static int target_cmp(const void *a, const void *b)
{
	const struct target *x = a, *y = b;
	double mx = x->weight / x->links, my = y->weight / y->links;
	int c;

	if (mx < my)
		return -1;
	if (mx > my)
		return 1;
	if ((c = strcmp(x->kind, y->kind)))
		return c;
	return strcmp(x->name, y->name);
}

static int role_index(const json_t *roles, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach(roles, i, r)
		if (str(r, "name") && name && !strcmp(str(r, "name"), name))
			return (int)i;
	return -1;
}

static struct target *find_target(struct target *t, size_t n, const char *kind,
				  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].kind, kind) && !strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

enum { ROW = 34, TOP = 30, BOX_W = 270, BOX_H = 24, LEFT_X = 10,
       RIGHT_X = 560, WIDTH = 850 };

void graph_svg(struct strbuf *sb, const json_t *g)
{
	const json_t *roles = json_object_get(g, "roles");
	const json_t *edges = json_object_get(g, "edges");
	size_t nroles = json_array_size(roles), nedges = json_array_size(edges);
	struct target *t = NULL, *x;
	size_t nt = 0, i, rows;
	json_t *e;
	int height;

	t = calloc(nedges ? nedges : 1, sizeof(*t));
	if (!t) {
		sb->oom = 1;
		return;
	}
	json_array_foreach(edges, i, e) {
		const char *kind = str(e, "kind"), *name = str(e, "name");
		int ri = role_index(roles, str(e, "from"));

		if (!kind || !name || ri < 0)
			continue;
		if (!(x = find_target(t, nt, kind, name))) {
			x = &t[nt++];
			x->kind = kind;
			x->name = name;
		}
		x->weight += ri;
		x->links++;
	}
	qsort(t, nt, sizeof(*t), target_cmp);
	rows = nroles > nt ? nroles : nt;
	height = TOP + (int)(rows ? rows : 1) * ROW + 10;
	/* Centre the shorter column against the longer one. */
	for (i = 0; i < nt; i++)
		t[i].y = TOP + (int)i * ROW + (int)((rows - nt) * ROW / 2);

	strbuf_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
		    "aria-label=\"Relationship map\" font-family=\"sans-serif\" "
		    "font-size=\"13\">", WIDTH, height, WIDTH, height);
	strbuf_addf(sb, "<text x=\"%d\" y=\"18\" font-weight=\"bold\" fill=\"#5b6475\">"
		    "Roles</text><text x=\"%d\" y=\"18\" font-weight=\"bold\" "
		    "fill=\"#5b6475\">Deals with</text>", LEFT_X, RIGHT_X);
	if (!nroles)
		strbuf_addf(sb, "<text x=\"%d\" y=\"%d\" fill=\"#5b6475\">No relationship "
			    "declared.</text>", LEFT_X, TOP + 16);

	/* Edges first, so boxes are drawn over their ends. */
	json_array_foreach(edges, i, e) {
		int ri = role_index(roles, str(e, "from"));
		int ry, ty, x1 = LEFT_X + BOX_W, x2 = RIGHT_X;

		if (ri < 0 || !str(e, "kind") || !str(e, "name") ||
		    !(x = find_target(t, nt, str(e, "kind"), str(e, "name"))))
			continue;
		ry = TOP + ri * ROW + (int)((rows - nroles) * ROW / 2) + BOX_H / 2;
		ty = x->y + BOX_H / 2;
		strbuf_addf(sb, "<path d=\"M%d %d C%d %d %d %d %d %d\" fill=\"none\" "
			    "stroke=\"%s\" stroke-width=\"2.5\"><title>", x1, ry,
			    (x1 + x2) / 2, ry, (x1 + x2) / 2, ty, x2, ty,
			    health_colour(str(e, "health")));
		strbuf_add_html(sb, str(e, "from"));
		strbuf_addstr(sb, " → ");
		strbuf_add_html(sb, str(e, "name"));
		if (str(e, "health")) {
			strbuf_addstr(sb, " (");
			strbuf_add_html(sb, str(e, "health"));
			strbuf_addstr(sb, ")");
		}
		if (str(e, "purpose")) {
			strbuf_addstr(sb, ": ");
			strbuf_add_html(sb, str(e, "purpose"));
		}
		strbuf_addstr(sb, "</title></path>");
	}

	json_array_foreach(roles, i, e) {
		int y = TOP + (int)i * ROW + (int)((rows - nroles) * ROW / 2);

		strbuf_addstr(sb, "<a href=\"/roles/");
		strbuf_add_html(sb, str(e, "name"));
		strbuf_addf(sb, "\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			    "rx=\"4\" fill=\"#e8eefb\" stroke=\"#1f5fbf\"/>"
			    "<text x=\"%d\" y=\"%d\" fill=\"#1d2330\">", LEFT_X, y,
			    BOX_W, BOX_H, LEFT_X + 8, y + 16);
		add_label(sb, str(e, "title") ? str(e, "title") : str(e, "name"), 36);
		strbuf_addstr(sb, "</text></a>");
	}
	for (i = 0; i < nt; i++) {
		const char *prefix = !strcmp(t[i].kind, "party") ? "" :
				     !strcmp(t[i].kind, "team") ? "team " : "role ";
		int linked = strcmp(t[i].kind, "party") != 0;

		if (linked) {
			strbuf_addf(sb, "<a href=\"/%s/", !strcmp(t[i].kind, "team") ?
				    "teams" : "roles");
			strbuf_add_html(sb, t[i].name);
			strbuf_addstr(sb, "\">");
		}
		strbuf_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			    "rx=\"12\" fill=\"%s\" stroke=\"#8a94a6\"/>"
			    "<text x=\"%d\" y=\"%d\" fill=\"#1d2330\">%s", RIGHT_X, t[i].y,
			    BOX_W, BOX_H, linked ? "#eef2f7" : "#fff8e8",
			    RIGHT_X + 10, t[i].y + 16, prefix);
		add_label(sb, t[i].name, 34);
		strbuf_addstr(sb, "</text>");
		if (linked)
			strbuf_addstr(sb, "</a>");
	}
	strbuf_addstr(sb, "</svg>\n");
	free(t);
}

/* A DOT double-quoted string. */
static void dot_str(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		if (*s == '\n')
			strbuf_addstr(sb, "\\n");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

static void dot_id(struct strbuf *sb, const char *kind, const char *name)
{
	struct strbuf id = STRBUF_INIT;

	strbuf_addf(&id, "%s:%s", kind ? kind : "", name ? name : "");
	dot_str(sb, id.buf);
	if (!strbuf_ok(&id))
		sb->oom = 1;
	strbuf_release(&id);
}

void graph_dot(struct strbuf *sb, const json_t *g)
{
	const json_t *roles = json_object_get(g, "roles");
	const json_t *edges = json_object_get(g, "edges");
	json_t *seen = json_object();
	size_t i;
	json_t *e;

	if (!seen) {
		sb->oom = 1;
		return;
	}
	strbuf_addstr(sb, "digraph baton {\n\trankdir=LR;\n"
		      "\tnode [fontname=\"sans-serif\", fontsize=11];\n");
	json_array_foreach(roles, i, e) {
		strbuf_addch(sb, '\t');
		dot_id(sb, "role", str(e, "name"));
		strbuf_addstr(sb, " [shape=box, label=");
		dot_str(sb, str(e, "title") ? str(e, "title") : str(e, "name"));
		strbuf_addstr(sb, "];\n");
		json_object_set_new(seen, str(e, "name") ? str(e, "name") : "",
				    json_true());
	}
	json_array_foreach(edges, i, e) {
		const char *kind = str(e, "kind"), *name = str(e, "name");

		if (!kind || !name)
			continue;
		if (strcmp(kind, "role") || !json_object_get(seen, name)) {
			strbuf_addch(sb, '\t');
			dot_id(sb, kind, name);
			strbuf_addstr(sb, !strcmp(kind, "party") ?
				      " [shape=ellipse, label=" : " [shape=box, style=dashed, label=");
			dot_str(sb, name);
			strbuf_addstr(sb, "];\n");
		}
		strbuf_addch(sb, '\t');
		dot_id(sb, "role", str(e, "from"));
		strbuf_addstr(sb, " -> ");
		dot_id(sb, kind, name);
		strbuf_addstr(sb, " [color=");
		dot_str(sb, health_colour(str(e, "health")));
		if (str(e, "purpose")) {
			strbuf_addstr(sb, ", tooltip=");
			dot_str(sb, str(e, "purpose"));
		}
		strbuf_addstr(sb, "];\n");
	}
	strbuf_addstr(sb, "}\n");
	json_decref(seen);
}
