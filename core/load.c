/* load.c - libyaml documents to validated specs; see load.h.
 *
 * Each document is loaded as a libyaml node tree (which keeps the line and
 * column of every node), walked once against the kind's field table, turned
 * into a canonical JSON spec and handed to the caller's callback. Aliases
 * can make a small tree stand for a huge one, so the walk counts the nodes
 * it visits and gives up on a document past a bound.
 */
#include "load.h"
#include "backstage.h"
#include "csv.h"
#include "strbuf.h"

#include <dirent.h>
#include <sodium.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_NODES_PER_DOC 1000000
#define MAX_CSV_BYTES (64 * 1024 * 1024)

struct loader {
	const char *file;
	yaml_document_t *doc;
	struct baton_error *err;
	struct load_ref *refs;
	size_t nrefs, arefs;
	size_t visited;
	int oom;
	struct backstage *bs; /* Backstage state of the whole load */
};

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

static void fail(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct loader *L, const yaml_node_t *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	baton_fail_at(L->err, BATON_INVALID, L->file, n ? line_of(n) : 0,
		      n ? col_of(n) : 0, "%s", sb.buf);
	strbuf_release(&sb);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain empty scalar, `~` or `null`: the field is treated as absent. */
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

static const char *node_kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

/* Closest candidate within a small edit distance, for "did you mean". */
static const char *closest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t i, bestd = strlen(word) / 3 + 1;

	if (bestd > 3)
		bestd = 3;
	for (i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i], bestd);

		if (d <= bestd && (!best || d < bestd)) {
			best = cands[i];
			bestd = d;
		}
	}
	return best;
}

static const char *closest_field(const char *word, const struct field *fields)
{
	const char *names[32];
	size_t n = 0;

	for (; fields->key && n < 32; fields++)
		names[n++] = fields->key;
	return closest(word, names, n);
}

static void add_ref(struct loader *L, enum kind k, const char *name,
		    const yaml_node_t *at, const char *field)
{
	struct load_ref *r;

	if (L->nrefs == L->arefs) {
		size_t na = L->arefs ? L->arefs * 2 : 16;
		struct load_ref *p = realloc(L->refs, na * sizeof(*p));

		if (!p) {
			L->oom = 1;
			return;
		}
		L->refs = p;
		L->arefs = na;
	}
	r = &L->refs[L->nrefs];
	r->name = strdup(name);
	if (!r->name) {
		L->oom = 1;
		return;
	}
	r->kind = k;
	r->line = line_of(at);
	r->column = col_of(at);
	r->field = field;
	L->nrefs++;
}

static void clear_refs(struct loader *L)
{
	size_t i;

	for (i = 0; i < L->nrefs; i++)
		free(L->refs[i].name);
	L->nrefs = 0;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* Whether field f (of the table `fields`) is in obj: its bit in `stored`
 * for the first 64 fields (no table has more), else ask the object. */
static int field_stored(const json_t *obj, const struct field *fields,
			const struct field *f, unsigned long long stored)
{
	return f - fields < 64 ? (int)((stored >> (f - fields)) & 1)
			       : json_object_get(obj, f->key) != NULL;
}

static json_t *conv_object(struct loader *L, yaml_node_t *n,
			   const struct field *fields, const char *what);

static json_t *conv_string(struct loader *L, yaml_node_t *n, const char *key)
{
	json_t *v;

	if (n->type != YAML_SCALAR_NODE) {
		fail(L, n, "'%s' must be a string, not %s", key, node_kind_name(n));
		return NULL;
	}
	v = json_stringn(scalar(n), n->data.scalar.length);
	if (!v)
		fail(L, n, "'%s' is not valid UTF-8 text", key);
	return v;
}

static json_t *conv_ref_name(struct loader *L, yaml_node_t *n, const char *key,
			     enum kind k)
{
	json_t *v = conv_string(L, n, key);

	if (!v)
		return NULL;
	if (!name_valid(json_string_value(v))) {
		fail(L, n, "'%s' is not a valid name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
		     json_string_value(v));
		json_decref(v);
		return NULL;
	}
	if (k != KIND_NONE)
		add_ref(L, k, json_string_value(v), n, key);
	return v;
}

static json_t *conv_list(struct loader *L, yaml_node_t *n,
			 const struct field *f)
{
	json_t *arr = json_array(), *seen = NULL;
	yaml_node_item_t *it;

	if (!arr) {
		L->oom = 1;
		return NULL;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		fail(L, n, "'%s' must be a list, not %s", f->key, node_kind_name(n));
		json_decref(arr);
		return NULL;
	}
	if (f->unique)
		seen = json_object();
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(L->doc, *it);
		json_t *v = NULL;

		if (!e || ++L->visited > MAX_NODES_PER_DOC)
			break;
		switch (f->type) {
		case FT_STRLIST:
			v = conv_string(L, e, f->key);
			break;
		case FT_REFLIST:
			v = conv_ref_name(L, e, f->key, f->ref);
			break;
		default:
			v = conv_object(L, e, f->sub, f->key);
			break;
		}
		if (!v)
			continue;
		if (seen) {
			const char *u = json_string_value(json_object_get(v, f->unique));

			if (u && json_object_get(seen, u)) {
				fail(L, e, "duplicate %s '%s' in '%s'", f->unique, u, f->key);
				json_decref(v);
				continue;
			}
			if (u)
				json_object_set_new(seen, u, json_true());
		}
		if (json_array_append_new(arr, v))
			L->oom = 1;
	}
	json_decref(seen);
	return arr;
}

static json_t *conv_value(struct loader *L, yaml_node_t *n,
			  const struct field *f)
{
	json_t *v;
	const char *s, *name;
	int party;
	enum kind k;

	switch (f->type) {
	case FT_STRING:
	case FT_MARKDOWN:
		return conv_string(L, n, f->key);
	case FT_ID:
		return conv_ref_name(L, n, f->key, KIND_NONE);
	case FT_REF:
		return conv_ref_name(L, n, f->key, f->ref);
	case FT_DATE:
	case FT_TIMESTAMP:
		if (!(v = conv_string(L, n, f->key)))
			return NULL;
		s = json_string_value(v);
		if (f->type == FT_DATE ? !date_valid(s) : !timestamp_valid(s)) {
			fail(L, n, "'%s' must be a %s, got '%s'", f->key,
			     f->type == FT_DATE ? "date (YYYY-MM-DD)"
						: "timestamp (YYYY-MM-DDTHH:MM:SSZ)", s);
			json_decref(v);
			return NULL;
		}
		return v;
	case FT_INT: {
		char *end;
		long long x;

		if (n->type != YAML_SCALAR_NODE ||
		    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
			fail(L, n, "'%s' must be an integer, not %s", f->key,
			     n->type == YAML_SCALAR_NODE ? "a quoted string"
							 : node_kind_name(n));
			return NULL;
		}
		errno = 0;
		x = strtoll(scalar(n), &end, 10);
		if (errno || *end || end == scalar(n)) {
			fail(L, n, "'%s' must be an integer, got '%s'", f->key, scalar(n));
			return NULL;
		}
		if (x < f->min || x > f->max) {
			fail(L, n, "'%s' must be between %ld and %ld, got %lld",
			     f->key, f->min, f->max, x);
			return NULL;
		}
		return json_integer(x);
	}
	case FT_ENUM: {
		const char *const *e;
		struct strbuf sb = STRBUF_INIT;

		if (!(v = conv_string(L, n, f->key)))
			return NULL;
		for (e = f->values; *e; e++)
			if (!strcmp(*e, json_string_value(v)))
				return v;
		for (e = f->values; *e; e++)
			strbuf_addf(&sb, "%s%s", e == f->values ? "" : ", ", *e);
		fail(L, n, "'%s' must be one of %s, got '%s'", f->key, sb.buf,
		     json_string_value(v));
		strbuf_release(&sb);
		json_decref(v);
		return NULL;
	}
	case FT_DURATION:
		if (!(v = conv_string(L, n, f->key)))
			return NULL;
		if (duration_days(json_string_value(v)) < 0) {
			fail(L, n, "'%s' must be a number of days or weeks like '180d' or '26w', got '%s'",
			     f->key, json_string_value(v));
			json_decref(v);
			return NULL;
		}
		return v;
	case FT_TOPIC:
		if (!(v = conv_string(L, n, f->key)))
			return NULL;
		if (!*json_string_value(v) || strlen(json_string_value(v)) > 1024) {
			fail(L, n, "'%s' must be a topic pattern of 1 to 1024 characters", f->key);
			json_decref(v);
			return NULL;
		}
		return v;
	case FT_HANDLER:
	case FT_WITH:
		if (!(v = conv_string(L, n, f->key)))
			return NULL;
		s = json_string_value(v);
		k = ref_split(s, &name, &party);
		if (f->type == FT_HANDLER && (k == KIND_ROLE || k == KIND_PERSON) &&
		    name_valid(name)) {
			add_ref(L, k, name, n, f->key);
			return v;
		}
		if (f->type == FT_WITH && (k == KIND_ROLE || k == KIND_TEAM) &&
		    name_valid(name)) {
			add_ref(L, k, name, n, f->key);
			return v;
		}
		if (f->type == FT_WITH && party) {
			size_t len = strlen(name);

			if (len >= 2 && name[0] == '"' && name[len - 1] == '"')
				len -= 2;
			if (len > 0)
				return v;
		}
		if (f->type == FT_HANDLER)
			fail(L, n, "'%s' must be 'role:NAME' or 'person:NAME', got '%s'",
			     f->key, s);
		else
			fail(L, n, "'%s' must be 'role:NAME', 'team:NAME' or 'party:\"Name\"', got '%s'",
			     f->key, s);
		json_decref(v);
		return NULL;
	case FT_STRLIST:
	case FT_REFLIST:
	case FT_LIST:
		return conv_list(L, n, f);
	case FT_OBJECT:
		return conv_object(L, n, f->sub, f->key);
	}
	return NULL;
}

/* Walk a mapping against a field table; unknown fields, duplicates and
 * missing required fields are reported. Returns the object even when some
 * fields were bad (they are left out), NULL when n is not a mapping. */
static json_t *conv_object(struct loader *L, yaml_node_t *n,
			   const struct field *fields, const char *what)
{
	json_t *obj;
	yaml_node_pair_t *p;
	const struct field *f;
	unsigned long long given = 0; /* fields written (a bad value counts) */
	unsigned long long stored = 0; /* fields in obj (of the first 64) */

	if (n->type != YAML_MAPPING_NODE) {
		fail(L, n, "'%s' must be a mapping, not %s", what, node_kind_name(n));
		return NULL;
	}
	if (!(obj = json_object())) {
		L->oom = 1;
		return NULL;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
		json_t *jv;
		const char *hint;

		if (!k || !v || ++L->visited > MAX_NODES_PER_DOC)
			break;
		if (k->type != YAML_SCALAR_NODE) {
			fail(L, k, "field names in '%s' must be plain strings", what);
			continue;
		}
		f = field_find(fields, scalar(k));
		if (!f) {
			hint = closest_field(scalar(k), fields);
			if (hint)
				fail(L, k, "unknown field '%s' in '%s'; did you mean '%s'?",
				     scalar(k), what, hint);
			else
				fail(L, k, "unknown field '%s' in '%s'", scalar(k), what);
			continue;
		}
		if (field_stored(obj, fields, f, stored)) {
			fail(L, k, "duplicate field '%s' in '%s'", f->key, what);
			continue;
		}
		if (is_null(v))
			continue;
		given |= 1ULL << ((f - fields) & 63);
		jv = conv_value(L, v, f);
		if (jv && json_object_set_new(obj, f->key, jv))
			L->oom = 1;
		else if (jv && f - fields < 64)
			stored |= 1ULL << (f - fields);
	}
	for (f = fields; f->key; f++) {
		if (field_stored(obj, fields, f, stored) ||
		    (given & (1ULL << ((f - fields) & 63))))
			continue;
		if (f->flags & F_REQUIRED)
			fail(L, n, "missing required field '%s' in '%s'", f->key, what);
		else if (f->dflt)
			json_object_set_new(obj, f->key, json_string(f->dflt));
	}
	return obj;
}

/* ------------------------------------------------------------------ */
/* Documents                                                           */
/* ------------------------------------------------------------------ */

static const char *const envelope_keys[] = { "apiVersion", "kind", "metadata", "spec" };

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map,
			    const char *key)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

/* Semantic checks that need the whole spec of one entity. */
static void check_spec(struct loader *L, enum kind k, json_t *spec,
		       yaml_node_t *at)
{
	size_t i;
	json_t *e;

	if (k == KIND_PERSON) {
		json_array_foreach(json_object_get(spec, "absences"), i, e) {
			const char *from = json_string_value(json_object_get(e, "from"));
			const char *to = json_string_value(json_object_get(e, "to"));

			if (from && to && strcmp(from, to) > 0)
				fail(L, at, "absence %zu ends (%s) before it starts (%s)",
				     i + 1, to, from);
		}
	}
	if (k == KIND_ROLE) {
		json_array_foreach(json_object_get(spec, "holders"), i, e) {
			const char *since = json_string_value(json_object_get(e, "since"));
			const char *until = json_string_value(json_object_get(e, "until"));

			if (since && until && strcmp(since, until) > 0)
				fail(L, at, "holder %zu ('%s') ends (%s) before it starts (%s)",
				     i + 1, json_string_value(json_object_get(e, "person")),
				     until, since);
		}
	}
}

static enum baton_code load_doc(struct loader *L, yaml_node_t *root,
				load_fn fn, void *data)
{
	yaml_node_pair_t *p;
	yaml_node_t *api, *kind, *meta, *spec, *name;
	const struct kind_desc *kd = NULL;
	struct load_decl d;
	json_t *js = NULL;
	size_t before = L->err ? L->err->nerrors : 0;
	enum baton_code rc = BATON_OK;
	int i;

	L->visited = 0;
	clear_refs(L);
	if (root->type == YAML_SCALAR_NODE && is_null(root))
		return BATON_OK; /* an empty document */
	if (root->type != YAML_MAPPING_NODE) {
		fail(L, root, "a document must be a mapping with apiVersion, kind, metadata and spec");
		return BATON_OK;
	}
	api = map_get(L->doc, root, "apiVersion");
	if (api && api->type == YAML_SCALAR_NODE && backstage_api(scalar(api)))
		return backstage_doc(L->bs, L->file, L->doc, root, fn, data, L->err);
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
		int known = 0;

		if (!k || k->type != YAML_SCALAR_NODE)
			continue;
		for (i = 0; i < 4; i++)
			known |= !strcmp(scalar(k), envelope_keys[i]);
		if (!known) {
			const char *hint = closest(scalar(k), envelope_keys, 4);

			if (hint)
				fail(L, k, "unknown field '%s'; did you mean '%s'?", scalar(k), hint);
			else
				fail(L, k, "unknown field '%s' (a document has apiVersion, kind, metadata and spec)",
				     scalar(k));
		}
	}
	kind = map_get(L->doc, root, "kind");
	meta = map_get(L->doc, root, "metadata");
	spec = map_get(L->doc, root, "spec");
	if (!api || api->type != YAML_SCALAR_NODE) {
		fail(L, root, "missing 'apiVersion: baton/v1'");
		return BATON_OK;
	}
	if (strcmp(scalar(api), "baton/v1")) {
		fail(L, api, "unsupported apiVersion '%s' (expected 'baton/v1' or 'backstage.io/v1alpha1')",
		     scalar(api));
		return BATON_OK;
	}
	if (!kind || kind->type != YAML_SCALAR_NODE) {
		fail(L, root, "missing 'kind' (Person, Team, Role, Process or Rule)");
		return BATON_OK;
	}
	for (i = 0; i < KIND_COUNT; i++)
		if (!strcmp(scalar(kind), kind_desc((enum kind)i)->yaml))
			kd = kind_desc((enum kind)i);
	if (!kd) {
		const char *names[KIND_COUNT];
		const char *hint;

		for (i = 0; i < KIND_COUNT; i++)
			names[i] = kind_desc((enum kind)i)->yaml;
		hint = closest(scalar(kind), names, KIND_COUNT);
		if (hint)
			fail(L, kind, "unknown kind '%s'; did you mean '%s'?", scalar(kind), hint);
		else
			fail(L, kind, "unknown kind '%s' (expected Person, Team, Role, Process or Rule)",
			     scalar(kind));
		return BATON_OK;
	}
	if (!meta || meta->type != YAML_MAPPING_NODE) {
		fail(L, meta ? meta : root, "'metadata' must be a mapping with a 'name'");
		return BATON_OK;
	}
	for (p = meta->data.mapping.pairs.start; p < meta->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && strcmp(scalar(k), "name"))
			fail(L, k, "unknown field '%s' in 'metadata' (only 'name' is allowed)",
			     scalar(k));
	}
	name = map_get(L->doc, meta, "name");
	if (!name || name->type != YAML_SCALAR_NODE || is_null(name)) {
		fail(L, meta, "missing 'metadata.name'");
		return BATON_OK;
	}
	if (!name_valid(scalar(name))) {
		fail(L, name, "'%s' is not a valid name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
		     scalar(name));
		return BATON_OK;
	}
	if (!spec) {
		fail(L, root, "missing 'spec'");
		return BATON_OK;
	}
	js = conv_object(L, spec, kd->fields, "spec");
	if (L->visited > MAX_NODES_PER_DOC)
		fail(L, root, "document is too large (more than %d nodes, aliases included)",
		     MAX_NODES_PER_DOC);
	if (L->oom) {
		rc = baton_fail(L->err, BATON_NOMEM, "out of memory");
		goto out;
	}
	if (!js && !(js = json_object())) {
		rc = baton_fail(L->err, BATON_NOMEM, "out of memory");
		goto out;
	}
	check_spec(L, kd->kind, js, spec);
	d.invalid = L->err && L->err->nerrors > before;
	d.kind = kd->kind;
	d.name = scalar(name);
	d.spec = js;
	d.file = L->file;
	d.line = line_of(kind);
	d.column = col_of(kind);
	d.refs = L->refs;
	d.nrefs = L->nrefs;
	rc = fn(&d, data);
out:
	json_decref(js);
	return rc;
}

static enum baton_code load_parser(struct loader *L, yaml_parser_t *parser,
				   load_fn fn, void *data)
{
	yaml_document_t doc;
	enum baton_code rc = BATON_OK;

	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(parser, &doc)) {
			if (parser->error == YAML_MEMORY_ERROR)
				return baton_fail(L->err, BATON_NOMEM, "out of memory");
			baton_fail_at(L->err, BATON_INVALID, L->file,
				      (int)parser->problem_mark.line + 1,
				      (int)parser->problem_mark.column + 1,
				      "YAML syntax: %s%s%s", parser->problem ? parser->problem : "error",
				      parser->context ? " " : "",
				      parser->context ? parser->context : "");
			return BATON_OK;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			return BATON_OK;
		}
		L->doc = &doc;
		rc = load_doc(L, root, fn, data);
		L->doc = NULL;
		yaml_document_delete(&doc);
		if (rc)
			return rc;
	}
}

enum baton_code load_buffer(const char *label, const char *buf, size_t len,
			    load_fn fn, void *data, struct baton_error *err)
{
	struct loader L;
	yaml_parser_t parser;
	enum baton_code rc;

	memset(&L, 0, sizeof(L));
	L.file = label;
	L.err = err;
	if (!(L.bs = backstage_new()))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (!yaml_parser_initialize(&parser)) {
		backstage_free(L.bs);
		return baton_fail(err, BATON_NOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	rc = load_parser(&L, &parser, fn, data);
	if (!rc)
		rc = backstage_finish(L.bs, err);
	yaml_parser_delete(&parser);
	clear_refs(&L);
	free(L.refs);
	backstage_free(L.bs);
	return rc;
}

/* A file in the digest of an import (load_digest, load_path_hashed): its
 * name, then its bytes, then their count, so that "ab" + "c" never reads
 * as "a" + "bc". digest_name starts a file, digest_size ends it. */
static void digest_name(crypto_generichash_state *h, const char *path)
{
	crypto_generichash_update(h, (const unsigned char *)path, strlen(path) + 1);
}

static void digest_size(crypto_generichash_state *h, unsigned long long total)
{
	crypto_generichash_update(h, (const unsigned char *)&total, sizeof(total));
}

/* Read a whole CSV file (bounded) and load its people. */
static enum baton_code load_csv_file(const char *path, load_fn fn, void *data,
				     crypto_generichash_state *h,
				     struct baton_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	enum baton_code rc = BATON_OK;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return baton_fail(err, BATON_IO, "cannot open '%s': %s", path,
				  strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (sb.len + n > MAX_CSV_BYTES) {
			rc = baton_fail(err, BATON_IO, "'%s' is larger than 64 MiB", path);
			goto out;
		}
		strbuf_add(&sb, chunk, n);
	}
	if (ferror(f)) {
		rc = baton_fail(err, BATON_IO, "cannot read '%s'", path);
		goto out;
	}
	if (!strbuf_ok(&sb)) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	if (h) {
		digest_name(h, path);
		crypto_generichash_update(h, (const unsigned char *)sb.buf,
					  sb.len);
		digest_size(h, sb.len);
	}
	rc = csv_load_people(path, sb.buf, sb.len, fn, data, err);
out:
	fclose(f);
	strbuf_release(&sb);
	return rc;
}

static int has_csv_ext(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcasecmp(name + n - 4, ".csv");
}

/* libyaml's input: the file, each byte also fed to the digest (see
 * load_digest), so that the digest is of exactly the bytes parsed. */
struct hashed_input {
	FILE *f;
	crypto_generichash_state *h;
	unsigned long long total;
};

static int read_hashed(void *data, unsigned char *buffer, size_t size,
		       size_t *size_read)
{
	struct hashed_input *in = data;

	*size_read = fread(buffer, 1, size, in->f);
	if (*size_read) {
		crypto_generichash_update(in->h, buffer, *size_read);
		in->total += *size_read;
	}
	return !ferror(in->f);
}

static enum baton_code load_file(const char *path, struct backstage *bs,
				 load_fn fn, void *data,
				 crypto_generichash_state *h,
				 struct baton_error *err)
{
	struct loader L;
	yaml_parser_t parser;
	struct hashed_input in;
	enum baton_code rc;
	FILE *f = fopen(path, "rb");

	if (!f)
		return baton_fail(err, BATON_IO, "cannot open '%s': %s", path,
				  strerror(errno));
	memset(&L, 0, sizeof(L));
	L.file = path;
	L.err = err;
	L.bs = bs;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return baton_fail(err, BATON_NOMEM, "out of memory");
	}
	if (h) {
		in.f = f;
		in.h = h;
		in.total = 0;
		digest_name(h, path);
		yaml_parser_set_input(&parser, read_hashed, &in);
	} else {
		yaml_parser_set_input_file(&parser, f);
	}
	rc = load_parser(&L, &parser, fn, data);
	if (!rc && ferror(f))
		rc = baton_fail(err, BATON_IO, "cannot read '%s'", path);
	if (h)
		digest_size(h, in.total);
	yaml_parser_delete(&parser);
	fclose(f);
	clear_refs(&L);
	free(L.refs);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Directories                                                         */
/* ------------------------------------------------------------------ */

struct pathlist {
	char **v;
	size_t n, alloc;
};

static int has_yaml_ext(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static enum baton_code collect(const char *dir, struct pathlist *pl,
			       int depth, struct baton_error *err)
{
	DIR *d;
	struct dirent *de;
	enum baton_code rc = BATON_OK;

	if (depth > 64)
		return baton_fail(err, BATON_IO, "'%s': directories nested too deep", dir);
	if (!(d = opendir(dir)))
		return baton_fail(err, BATON_IO, "cannot open '%s': %s", dir, strerror(errno));
	while (!rc && (de = readdir(d))) {
		struct strbuf sb = STRBUF_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		strbuf_addf(&sb, "%s%s%s", dir,
			    dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		if (!strbuf_ok(&sb)) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
		} else if (stat(sb.buf, &st) != 0) {
			rc = baton_fail(err, BATON_IO, "cannot read '%s': %s", sb.buf,
					strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = collect(sb.buf, pl, depth + 1, err);
		} else if (S_ISREG(st.st_mode) && has_yaml_ext(de->d_name)) {
			if (pl->n == pl->alloc) {
				size_t na = pl->alloc ? pl->alloc * 2 : 32;
				char **p = realloc(pl->v, na * sizeof(*p));

				if (!p) {
					rc = baton_fail(err, BATON_NOMEM, "out of memory");
					strbuf_release(&sb);
					break;
				}
				pl->v = p;
				pl->alloc = na;
			}
			pl->v[pl->n++] = strbuf_detach(&sb);
			continue;
		}
		strbuf_release(&sb);
	}
	closedir(d);
	return rc;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed one file's name, size and bytes to the digest. */
static enum baton_code digest_file(const char *path,
				   crypto_generichash_state *h,
				   struct baton_error *err)
{
	unsigned char chunk[65536];
	unsigned long long total = 0;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return baton_fail(err, BATON_IO, "cannot open '%s': %s", path,
				  strerror(errno));
	digest_name(h, path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		crypto_generichash_update(h, chunk, n);
		total += n;
	}
	if (ferror(f)) {
		fclose(f);
		return baton_fail(err, BATON_IO, "cannot read '%s'", path);
	}
	fclose(f);
	digest_size(h, total);
	return BATON_OK;
}

enum baton_code load_digest(const char *path, enum load_format format,
			    void *blake2b_state, struct baton_error *err)
{
	crypto_generichash_state *h = blake2b_state;
	struct pathlist pl = { NULL, 0, 0 };
	struct stat st;
	enum baton_code rc;
	size_t i;

	if (stat(path, &st) != 0)
		return baton_fail(err, BATON_IO, "cannot open '%s': %s", path,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return digest_file(path, h, err);
	(void)format; /* a directory is walked alike in every format */
	rc = collect(path, &pl, 0, err);
	if (!rc)
		qsort(pl.v, pl.n, sizeof(*pl.v), cmp_path);
	for (i = 0; !rc && i < pl.n; i++)
		rc = digest_file(pl.v[i], h, err);
	for (i = 0; i < pl.n; i++)
		free(pl.v[i]);
	free(pl.v);
	return rc;
}

enum baton_code load_path(const char *path, load_fn fn, void *data,
			  struct baton_error *err)
{
	return load_path_as(path, LOAD_AUTO, fn, data, err);
}

enum baton_code load_path_as(const char *path, enum load_format format,
			     load_fn fn, void *data, struct baton_error *err)
{
	return load_path_hashed(path, format, fn, data, NULL, err);
}

enum baton_code load_path_hashed(const char *path, enum load_format format,
				 load_fn fn, void *data, void *blake2b_state,
				 struct baton_error *err)
{
	crypto_generichash_state *h = blake2b_state;
	struct stat st;
	struct pathlist pl = { NULL, 0, 0 };
	struct backstage *bs;
	enum baton_code rc;
	size_t i;

	if (stat(path, &st) != 0)
		return baton_fail(err, BATON_IO, "cannot open '%s': %s", path,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode) &&
	    (format == LOAD_CSV || (format == LOAD_AUTO && has_csv_ext(path))))
		return load_csv_file(path, fn, data, h, err);
	if (!(bs = backstage_new()))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (!S_ISDIR(st.st_mode)) {
		rc = load_file(path, bs, fn, data, h, err);
		goto out;
	}
	rc = collect(path, &pl, 0, err);
	if (!rc)
		qsort(pl.v, pl.n, sizeof(*pl.v), cmp_path);
	for (i = 0; !rc && i < pl.n; i++)
		rc = load_file(pl.v[i], bs, fn, data, h, err);
	for (i = 0; i < pl.n; i++)
		free(pl.v[i]);
	free(pl.v);
out:
	if (!rc)
		rc = backstage_finish(bs, err);
	backstage_free(bs);
	return rc;
}
