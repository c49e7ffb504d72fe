/* backstage.c - Backstage Group/User documents to Team/Person specs; see
 * backstage.h.
 *
 * What the finishing checks need is kept as small JSON values (group name
 * to its declared parent and children with their locations; skipped kinds
 * with a count and the first location), so nothing points into a libyaml
 * document after it is freed.
 */
#include "backstage.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct backstage {
	json_t *skipped; /* kind -> [count, file, line, column] */
	json_t *groups;  /* name -> {"parent", "at":[f,l,c], "children":[...]|null, "cat":[f,l,c]} */
	json_t *claims;  /* [[child, parent, file, line, column]] from spec.children */
};

struct conv {
	const char *file;
	yaml_document_t *doc;
	struct baton_error *err;
	int oom;
};

int backstage_api(const char *api_version)
{
	return !strcmp(api_version, "backstage.io/v1alpha1") ||
	       !strcmp(api_version, "backstage.io/v1beta1");
}

struct backstage *backstage_new(void)
{
	struct backstage *bs = calloc(1, sizeof(*bs));

	if (!bs)
		return NULL;
	bs->skipped = json_object();
	bs->groups = json_object();
	bs->claims = json_array();
	if (!bs->skipped || !bs->groups || !bs->claims) {
		backstage_free(bs);
		return NULL;
	}
	return bs;
}

void backstage_free(struct backstage *bs)
{
	if (!bs)
		return;
	json_decref(bs->skipped);
	json_decref(bs->groups);
	json_decref(bs->claims);
	free(bs);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static int line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static int col_of(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static void fail(struct conv *C, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct conv *C, const yaml_node_t *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	baton_fail_at(C->err, BATON_INVALID, C->file, line_of(n), col_of(n), "%s",
		      strbuf_ok(&sb) ? sb.buf : "invalid document");
	strbuf_release(&sb);
}

static int is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = scalar(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static yaml_node_t *get(struct conv *C, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(C->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key)) {
			yaml_node_t *v = yaml_document_get_node(C->doc, p->value);

			return v && !is_null(v) ? v : NULL;
		}
	}
	return NULL;
}

/* A string field baton uses: NULL when absent; an error when not a scalar. */
static const char *get_str(struct conv *C, yaml_node_t *map, const char *key,
			   const char *path, yaml_node_t **node)
{
	yaml_node_t *v = get(C, map, key);

	if (node)
		*node = v;
	if (!v)
		return NULL;
	if (v->type != YAML_SCALAR_NODE) {
		fail(C, v, "'%s' must be a string", path);
		if (node)
			*node = NULL;
		return NULL;
	}
	return scalar(v);
}

static void set_str(struct conv *C, json_t *obj, const char *key, const char *s)
{
	json_t *v = json_string(s);

	if (!v || json_object_set_new(obj, key, v))
		C->oom = 1;
}

/* Split an entity reference `[kind:][namespace/]name`. Writes the kind
 * (lower case, "" when absent), namespace ("default" when absent) and name
 * into the caller's buffers; 0 when a part is too long. */
static int ref_parse(const char *s, char kind[32], char ns[128], char name[128])
{
	const char *colon = strchr(s, ':'), *slash;
	size_t i;

	kind[0] = '\0';
	if (colon && (!strchr(s, '/') || colon < strchr(s, '/'))) {
		if ((size_t)(colon - s) >= 32)
			return 0;
		for (i = 0; s + i < colon; i++)
			kind[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
		kind[i] = '\0';
		s = colon + 1;
	}
	slash = strchr(s, '/');
	if (slash) {
		if ((size_t)(slash - s) >= 128)
			return 0;
		memcpy(ns, s, (size_t)(slash - s));
		ns[slash - s] = '\0';
		s = slash + 1;
	} else {
		strcpy(ns, "default");
	}
	if (strlen(s) >= 128)
		return 0;
	strcpy(name, s);
	return 1;
}

/* A group reference in `field` (spec.parent, spec.memberOf, spec.children).
 * Returns 1 and fills name when it names a default-namespace group, 0 when
 * it is in another namespace (*other set), -1 when invalid (reported). */
static int group_ref(struct conv *C, yaml_node_t *n, const char *field,
		     char name[128], int *other)
{
	char kind[32], ns[128];

	*other = 0;
	if (n->type != YAML_SCALAR_NODE) {
		fail(C, n, "'%s' must be an entity reference like 'group:default/team-a'", field);
		return -1;
	}
	if (!ref_parse(scalar(n), kind, ns, name)) {
		fail(C, n, "'%s': entity reference '%s' is too long", field, scalar(n));
		return -1;
	}
	if (kind[0] && strcmp(kind, "group")) {
		fail(C, n, "'%s' must refer to a Group, not '%s'", field, scalar(n));
		return -1;
	}
	if (strcmp(ns, "default")) {
		*other = 1;
		return 0;
	}
	if (!name_valid(name)) {
		fail(C, n, "'%s': '%s' is not a valid baton name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
		     field, name);
		return -1;
	}
	return 1;
}

static json_t *loc(const char *file, const yaml_node_t *n)
{
	return json_pack("[sii]", file, line_of(n), col_of(n));
}

/* ------------------------------------------------------------------ */
/* Documents                                                           */
/* ------------------------------------------------------------------ */

static void skip_kind(struct backstage *bs, struct conv *C, const char *kind,
		      const yaml_node_t *at)
{
	json_t *e = json_object_get(bs->skipped, kind);

	if (e) {
		json_array_set_new(e, 0, json_integer(json_integer_value(json_array_get(e, 0)) + 1));
		return;
	}
	e = json_pack("[isii]", 1, C->file, line_of(at), col_of(at));
	if (!e || json_object_set_new(bs->skipped, kind, e))
		C->oom = 1;
}

static void convert_group(struct backstage *bs, struct conv *C, const char *name,
			  yaml_node_t *meta, yaml_node_t *kindn, yaml_node_t *spec,
			  json_t *out, struct load_ref *ref, size_t *nref)
{
	yaml_node_t *profile = get(C, spec, "profile"), *pn = NULL, *ch;
	const char *s;
	char pname[128];
	int other;
	json_t *g, *children = NULL;

	if ((s = get_str(C, profile, "displayName", "spec.profile.displayName", NULL)))
		set_str(C, out, "displayName", s);
	else
		set_str(C, out, "displayName", name);
	if ((s = get_str(C, meta, "description", "metadata.description", NULL)))
		set_str(C, out, "description", s);
	if ((s = get_str(C, spec, "type", "spec.type", NULL)))
		set_str(C, out, "type", s);
	if (profile && profile->type != YAML_MAPPING_NODE)
		fail(C, profile, "'spec.profile' must be a mapping");
	g = json_pack("{s:n,s:o,s:n,s:n}", "parent", "at", loc(C->file, kindn),
		      "children", "cat");
	if (!g || json_object_set_new(bs->groups, name, g)) {
		C->oom = 1;
		return;
	}
	pn = get(C, spec, "parent");
	if (pn) {
		int r = group_ref(C, pn, "spec.parent", pname, &other);

		if (r > 0) {
			set_str(C, out, "parent", pname);
			json_object_set_new(g, "parent", json_string(pname));
			json_object_set_new(g, "at", loc(C->file, pn));
			ref->kind = KIND_TEAM;
			ref->name = strdup(pname);
			ref->line = line_of(pn);
			ref->column = col_of(pn);
			ref->field = "parent";
			if (!ref->name)
				C->oom = 1;
			else
				*nref = 1;
		} else if (other) {
			baton_warn_at(C->err, C->file, line_of(pn), col_of(pn),
				      "group '%s': parent '%s' is outside the default namespace; imported without a parent",
				      name, scalar(pn));
		}
	}
	ch = get(C, spec, "children");
	if (ch && ch->type != YAML_SEQUENCE_NODE) {
		fail(C, ch, "'spec.children' must be a list");
	} else if (ch) {
		yaml_node_item_t *it;

		if (!(children = json_array())) {
			C->oom = 1;
			return;
		}
		json_object_set_new(g, "children", children);
		json_object_set_new(g, "cat", loc(C->file, ch));
		for (it = ch->data.sequence.items.start; it < ch->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(C->doc, *it);
			char cname[128];

			if (!e || group_ref(C, e, "spec.children", cname, &other) <= 0)
				continue;
			if (json_array_append_new(children, json_string(cname)) ||
			    json_array_append_new(bs->claims,
						  json_pack("[sssii]", cname, name, C->file,
							    line_of(e), col_of(e))))
				C->oom = 1;
		}
	}
}

static void convert_user(struct conv *C, const char *name, yaml_node_t *spec,
			 json_t *out, struct load_ref *ref, size_t *nref)
{
	yaml_node_t *profile = get(C, spec, "profile"), *mo;
	const char *s;
	struct strbuf others = STRBUF_INIT;

	if (profile && profile->type != YAML_MAPPING_NODE)
		fail(C, profile, "'spec.profile' must be a mapping");
	if ((s = get_str(C, profile, "displayName", "spec.profile.displayName", NULL)))
		set_str(C, out, "displayName", s);
	else
		set_str(C, out, "displayName", name);
	if ((s = get_str(C, profile, "email", "spec.profile.email", NULL)))
		set_str(C, out, "email", s);
	mo = get(C, spec, "memberOf");
	if (mo && mo->type != YAML_SEQUENCE_NODE) {
		fail(C, mo, "'spec.memberOf' must be a list");
	} else if (mo) {
		yaml_node_item_t *it;

		for (it = mo->data.sequence.items.start; it < mo->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(C->doc, *it);
			char gname[128];
			int other, r;

			if (!e)
				continue;
			r = group_ref(C, e, "spec.memberOf", gname, &other);
			if (r < 0)
				continue;
			if (r == 0 || *nref) {
				strbuf_addf(&others, "%s'%s'", others.len ? ", " : "", scalar(e));
				continue;
			}
			set_str(C, out, "team", gname);
			ref->kind = KIND_TEAM;
			ref->name = strdup(gname);
			ref->line = line_of(e);
			ref->column = col_of(e);
			ref->field = "team";
			if (!ref->name)
				C->oom = 1;
			else
				*nref = 1;
		}
		if (others.len)
			baton_note_at(C->err, C->file, line_of(mo), col_of(mo),
				      "user '%s': baton keeps one team per person (%s); not kept: %s",
				      name, *nref ? ref->name : "none", others.buf);
	}
	if (!strbuf_ok(&others))
		C->oom = 1;
	strbuf_release(&others);
	set_str(C, out, "status", "active");
}

enum baton_code backstage_doc(struct backstage *bs, const char *file,
			      yaml_document_t *doc, yaml_node_t *root,
			      load_fn fn, void *data, struct baton_error *err)
{
	struct conv C = { file, doc, err, 0 };
	yaml_node_t *kindn, *meta, *spec, *namen, *nsn;
	struct load_ref ref = { KIND_NONE, NULL, 0, 0, NULL };
	size_t nref = 0, before = err ? err->nerrors : 0;
	struct load_decl d;
	json_t *out = NULL;
	const char *kind, *name;
	enum baton_code rc = BATON_OK;
	int is_group;

	kindn = get(&C, root, "kind");
	if (!kindn || kindn->type != YAML_SCALAR_NODE) {
		fail(&C, root, "missing 'kind' in a Backstage document");
		return BATON_OK;
	}
	kind = scalar(kindn);
	if (strcmp(kind, "Group") && strcmp(kind, "User")) {
		skip_kind(bs, &C, kind, kindn);
		goto out;
	}
	is_group = !strcmp(kind, "Group");
	meta = get(&C, root, "metadata");
	if (!meta || meta->type != YAML_MAPPING_NODE) {
		fail(&C, meta ? meta : root, "'metadata' must be a mapping with a 'name'");
		return BATON_OK;
	}
	name = get_str(&C, meta, "name", "metadata.name", &namen);
	if (!name) {
		if (!namen)
			fail(&C, meta, "missing 'metadata.name'");
		return BATON_OK;
	}
	nsn = get(&C, meta, "namespace");
	if (nsn && (nsn->type != YAML_SCALAR_NODE || strcmp(scalar(nsn), "default"))) {
		baton_warn_at(err, file, line_of(nsn), col_of(nsn),
			      "skipped %s '%s' in namespace '%s': baton imports the 'default' namespace only",
			      kind, name, nsn->type == YAML_SCALAR_NODE ? scalar(nsn) : "?");
		return BATON_OK;
	}
	if (!name_valid(name)) {
		fail(&C, namen, "%s name '%s' is valid in Backstage but not in baton: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
		     kind, name);
		return BATON_OK;
	}
	spec = get(&C, root, "spec");
	if (spec && spec->type != YAML_MAPPING_NODE) {
		fail(&C, spec, "'spec' must be a mapping");
		spec = NULL;
	}
	if (!(out = json_object()))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (is_group)
		convert_group(bs, &C, name, meta, kindn, spec, out, &ref, &nref);
	else
		convert_user(&C, name, spec, out, &ref, &nref);
	if (C.oom) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	memset(&d, 0, sizeof(d));
	d.kind = is_group ? KIND_TEAM : KIND_PERSON;
	d.name = name;
	d.spec = out;
	d.file = file;
	d.line = line_of(kindn);
	d.column = col_of(kindn);
	d.refs = nref ? &ref : NULL;
	d.nrefs = nref;
	d.invalid = err && err->nerrors > before;
	rc = fn(&d, data);
out:
	if (!rc && C.oom)
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
	free(ref.name);
	json_decref(out);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Finishing                                                           */
/* ------------------------------------------------------------------ */

static int in_list(const json_t *arr, const char *s)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
		if (!strcmp(json_string_value(e), s))
			return 1;
	return 0;
}

enum baton_code backstage_finish(struct backstage *bs, struct baton_error *err)
{
	const char *key;
	json_t *v, *e;
	size_t i;

	/* A parent lists a child whose own spec.parent says otherwise. */
	json_array_foreach(bs->claims, i, e) {
		const char *child = json_string_value(json_array_get(e, 0));
		const char *parent = json_string_value(json_array_get(e, 1));
		json_t *g = json_object_get(bs->groups, child), *at;
		const char *own;

		if (!g)
			continue; /* not declared in this load */
		own = json_string_value(json_object_get(g, "parent"));
		if (own && !strcmp(own, parent))
			continue;
		at = json_object_get(g, "at");
		baton_warn_at(err, json_string_value(json_array_get(at, 0)),
			      (int)json_integer_value(json_array_get(at, 1)),
			      (int)json_integer_value(json_array_get(at, 2)),
			      "group '%s' has %s%s%s, but group '%s' lists it in spec.children at %s:%d:%d; the child's spec.parent wins",
			      child, own ? "parent '" : "no parent", own ? own : "",
			      own ? "'" : "", parent,
			      json_string_value(json_array_get(e, 2)),
			      (int)json_integer_value(json_array_get(e, 3)),
			      (int)json_integer_value(json_array_get(e, 4)));
	}
	/* A child names a parent whose spec.children leaves it out. */
	json_object_foreach(bs->groups, key, v) {
		const char *parent = json_string_value(json_object_get(v, "parent"));
		json_t *pg = parent ? json_object_get(bs->groups, parent) : NULL;
		json_t *at = json_object_get(v, "at"), *cat;

		if (!pg || !json_is_array(json_object_get(pg, "children")) ||
		    in_list(json_object_get(pg, "children"), key))
			continue;
		cat = json_object_get(pg, "cat");
		baton_warn_at(err, json_string_value(json_array_get(at, 0)),
			      (int)json_integer_value(json_array_get(at, 1)),
			      (int)json_integer_value(json_array_get(at, 2)),
			      "group '%s' has parent '%s', but '%s' does not list it in spec.children at %s:%d:%d; the child's spec.parent wins",
			      key, parent, parent, json_string_value(json_array_get(cat, 0)),
			      (int)json_integer_value(json_array_get(cat, 1)),
			      (int)json_integer_value(json_array_get(cat, 2)));
	}
	json_object_foreach(bs->skipped, key, v) {
		long long n = json_integer_value(json_array_get(v, 0));

		baton_note_at(err, json_string_value(json_array_get(v, 1)),
			      (int)json_integer_value(json_array_get(v, 2)),
			      (int)json_integer_value(json_array_get(v, 3)),
			      "skipped %lld %s document%s (baton imports Backstage Group and User only)",
			      n, key, n == 1 ? "" : "s");
	}
	if (err && err->oom)
		return BATON_NOMEM;
	return BATON_OK;
}
