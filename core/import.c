/* import.c - declarative, all-or-nothing import of YAML; see import.h. */
#include "import.h"
#include "entity.h"
#include "fnv.h"
#include "load.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct saved_ref {
	enum kind kind;
	const char *name; /* in the arena */
	const char *file; /* owned by files[] */
	int line, column;
	const char *field;
};

/* An entity declared in this run, and where. */
struct declared {
	const char *name; /* in the arena */
	const char *file; /* owned by files[] */
	int line, column;
	enum kind kind;
	unsigned hash;
};

/* Strings that live as long as the import, allocated in large blocks
 * (one malloc per ~64 KiB instead of one per name). */
struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

struct importer {
	struct store *st;
	const struct import_opts *opts;
	struct import_result *res;
	struct baton_error *err;
	struct declared *decl;  /* in declaration order */
	size_t ndecl, adecl;
	unsigned *slots;        /* open addressing: 1 + index into decl, 0 free */
	size_t nslots;          /* a power of two, at least twice ndecl */
	struct arena_block *arena;
	int empty;              /* the database held no entity at the start */
	char **files;
	size_t nfiles, afiles;
	struct saved_ref *refs;
	size_t nrefs, arefs;
};

static const char *arena_strdup(struct importer *im, const char *s)
{
	size_t n = strlen(s) + 1;
	struct arena_block *b = im->arena;
	char *p;

	if (!b || b->size - b->used < n) {
		size_t size = n > 65536 - sizeof(*b) ? n : 65536 - sizeof(*b);

		if (!(b = malloc(sizeof(*b) + size)))
			return NULL;
		b->next = im->arena;
		b->used = 0;
		b->size = size;
		im->arena = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	b->used += n;
	return p;
}

static unsigned name_hash(enum kind k, const char *name)
{
	return (unsigned)fnv_bytes(fnv_byte(FNV_INIT, (unsigned char)k), name,
				   strlen(name));
}

/* The entity kind/name declared in this run, or NULL. */
static const struct declared *declared_find(const struct importer *im,
					    enum kind k, const char *name)
{
	unsigned h = name_hash(k, name);
	size_t i;

	if (!im->nslots)
		return NULL;
	for (i = h & (im->nslots - 1); im->slots[i]; i = (i + 1) & (im->nslots - 1)) {
		const struct declared *d = &im->decl[im->slots[i] - 1];

		if (d->hash == h && d->kind == k && !strcmp(d->name, name))
			return d;
	}
	return NULL;
}

static void slot_put(unsigned *slots, size_t nslots, unsigned hash, unsigned v)
{
	size_t i;

	for (i = hash & (nslots - 1); slots[i]; i = (i + 1) & (nslots - 1))
		;
	slots[i] = v;
}

/* Record kind/name as declared at file:line:column (not yet declared). */
static enum baton_code declared_add(struct importer *im, enum kind k,
				    const char *name, const char *file,
				    int line, int column, struct baton_error *err)
{
	struct declared *d;

	if (im->ndecl == im->adecl) {
		size_t na = im->adecl ? im->adecl * 2 : 1024;
		struct declared *p = realloc(im->decl, na * sizeof(*p));

		if (!p)
			return baton_fail(err, BATON_NOMEM, "out of memory");
		im->decl = p;
		im->adecl = na;
	}
	if ((im->ndecl + 1) * 2 > im->nslots) {
		size_t ns = im->nslots ? im->nslots * 2 : 2048, i;
		unsigned *slots = calloc(ns, sizeof(*slots));

		if (!slots)
			return baton_fail(err, BATON_NOMEM, "out of memory");
		for (i = 0; i < im->ndecl; i++)
			slot_put(slots, ns, im->decl[i].hash, (unsigned)i + 1);
		free(im->slots);
		im->slots = slots;
		im->nslots = ns;
	}
	d = &im->decl[im->ndecl];
	if (!(d->name = arena_strdup(im, name)))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	d->file = file;
	d->line = line;
	d->column = column;
	d->kind = k;
	d->hash = name_hash(k, name);
	slot_put(im->slots, im->nslots, d->hash, (unsigned)++im->ndecl);
	return BATON_OK;
}

void import_result_init(struct import_result *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->plan);
}

void import_result_release(struct import_result *r)
{
	strbuf_release(&r->plan);
	import_result_init(r);
}

static const char *keep_file(struct importer *im, const char *file)
{
	char *copy;

	if (im->nfiles && !strcmp(im->files[im->nfiles - 1], file))
		return im->files[im->nfiles - 1];
	if (im->nfiles == im->afiles) {
		size_t na = im->afiles ? im->afiles * 2 : 16;
		char **p = realloc(im->files, na * sizeof(*p));

		if (!p)
			return NULL;
		im->files = p;
		im->afiles = na;
	}
	if (!(copy = strdup(file)))
		return NULL;
	im->files[im->nfiles++] = copy;
	return copy;
}

static enum baton_code keep_refs(struct importer *im, const struct load_decl *d,
				 const char *file, struct baton_error *err)
{
	size_t i;

	for (i = 0; i < d->nrefs; i++) {
		struct saved_ref *r;

		if (im->nrefs == im->arefs) {
			size_t na = im->arefs ? im->arefs * 2 : 256;
			struct saved_ref *p = realloc(im->refs, na * sizeof(*p));

			if (!p)
				return baton_fail(err, BATON_NOMEM, "out of memory");
			im->refs = p;
			im->arefs = na;
		}
		r = &im->refs[im->nrefs];
		if (!(r->name = arena_strdup(im, d->refs[i].name)))
			return baton_fail(err, BATON_NOMEM, "out of memory");
		r->kind = d->refs[i].kind;
		r->file = file;
		r->line = d->refs[i].line;
		r->column = d->refs[i].column;
		r->field = d->refs[i].field;
		im->nrefs++;
	}
	return BATON_OK;
}

/* Top-level fields whose values differ, comma-separated, for the plan. */
static void diff_fields(struct strbuf *sb, const json_t *a, const json_t *b)
{
	const char *key;
	json_t *v;
	int first = 1;

	json_object_foreach((json_t *)a, key, v) {
		if (!json_equal(v, json_object_get(b, key))) {
			strbuf_addf(sb, "%s%s", first ? "" : ", ", key);
			first = 0;
		}
	}
	json_object_foreach((json_t *)b, key, v) {
		if (!json_object_get(a, key)) {
			strbuf_addf(sb, "%s%s", first ? "" : ", ", key);
			first = 0;
		}
	}
}

/* The bookkeeping of a declaration, before anything is written: its
 * file, the duplicate check, its name and references for the checks at the
 * end. Problems go to err; *go is 1 when the declaration is to be written
 * (write_decl). Only the thread that parses calls this (see "Parsing on a
 * second thread"): the importer's tables are its own until the end. */
static enum baton_code declare(struct importer *im, const struct load_decl *d,
			       struct baton_error *err, int *go)
{
	const struct declared *first;
	const char *file;
	enum baton_code rc;

	*go = 0;
	if (!(file = keep_file(im, d->file)))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	first = declared_find(im, d->kind, d->name);
	if (first) {
		baton_fail_at(err, BATON_INVALID, d->file, d->line, d->column,
			      "duplicate %s '%s' (first declared at %s:%d:%d)",
			      kind_desc(d->kind)->name, d->name, first->file,
			      first->line, first->column);
		return BATON_OK;
	}
	if ((rc = declared_add(im, d->kind, d->name, file, d->line, d->column, err)) ||
	    (rc = keep_refs(im, d, file, err)))
		return rc;
	*go = !d->invalid;
	return BATON_OK;
}

/* Write one declared entity (declare said to); `after` is
 * spec_canonical(d->spec), made by the caller, which frees it. */
static enum baton_code write_decl(struct importer *im, const struct load_decl *d,
				  const char *after)
{
	const struct kind_desc *kd = kind_desc(d->kind);
	json_t *cur = NULL;
	char *note = NULL, *before = NULL;
	enum baton_code rc = BATON_OK;

	if (!after) {
		rc = baton_fail(im->err, BATON_NOMEM, "out of memory");
		goto out;
	}
	/* in a database that held no entity, one not declared before in this
	 * run does not exist */
	if (!im->empty &&
	    (rc = entity_state(im->st, d->kind, d->name, &before, &note, im->err)))
		goto out;
	/* canonical texts are equal exactly when the specs are */
	if (before && !strcmp(before, after)) {
		im->res->unchanged++;
		if (note)
			rc = entity_mark_imported(im->st, d->kind, d->name, im->err);
		goto out;
	}
	if (note && !im->opts->force) {
		baton_fail_at(im->err, BATON_CONFLICT, d->file, d->line, d->column,
			      "%s/%s: %s; run 'baton export' or pass --force",
			      kd->name, d->name, note);
		goto out;
	}
	if (before) {
		json_error_t jerr;

		if (!(cur = json_loads(before, 0, &jerr))) {
			rc = baton_fail(im->err, BATON_DB, "corrupt spec of %s/%s: %s",
					kd->name, d->name, jerr.text);
			goto out;
		}
		strbuf_addf(&im->res->plan, "~ %s/%s: ", kd->name, d->name);
		diff_fields(&im->res->plan, cur, d->spec);
		strbuf_addch(&im->res->plan, '\n');
		im->res->updated++;
	} else {
		strbuf_add(&im->res->plan, "+ ", 2);
		strbuf_addstr(&im->res->plan, kd->name);
		strbuf_addch(&im->res->plan, '/');
		strbuf_addstr(&im->res->plan, d->name);
		strbuf_addch(&im->res->plan, '\n');
		im->res->created++;
	}
	rc = entity_put_known(im->st, d->kind, d->name, d->spec, after, before,
			      NULL, NULL, im->err);
out:
	json_decref(cur);
	free(note);
	free(before);
	return rc;
}

/* The loader's callback when the import parses on the writing thread. */
static enum baton_code on_decl(const struct load_decl *d, void *data)
{
	struct importer *im = data;
	char *after = d->invalid ? NULL : spec_canonical(d->spec);
	enum baton_code rc;
	int go;

	if (!(rc = declare(im, d, im->err, &go)) && go)
		rc = write_decl(im, d, after);
	free(after);
	return rc;
}

/* A prune that would delete more than a tenth of a kind is most likely a
 * wrong path (a sub-directory instead of the whole tree): ask for --yes. */
static enum baton_code prune_guard(struct importer *im, const json_t *gone)
{
	static const char sql[] = "SELECT count(*) FROM entity WHERE kind = ?1";
	size_t count[KIND_COUNT] = { 0 }, i;
	enum baton_code rc = BATON_OK;
	json_t *e;
	int k;

	json_array_foreach(gone, i, e) {
		const char *key = json_string_value(e);
		char kind[32];

		snprintf(kind, sizeof(kind), "%.*s", (int)(strchr(key, '/') - key), key);
		if (kind_parse(kind) != KIND_NONE)
			count[kind_parse(kind)]++;
	}
	for (k = 0; k < KIND_COUNT; k++) {
		sqlite3_stmt *s;
		long long total;

		if (!count[k])
			continue;
		if (!(s = store_cached(im->st, sql, im->err)))
			return im->err ? im->err->code : BATON_DB;
		sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			return store_fail(im->st, im->err, "cannot read");
		}
		total = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if ((long long)count[k] * 10 > total)
			rc = baton_fail(im->err, BATON_CONFLICT,
				"--prune would delete %zu of %lld %s (more than a tenth): check the paths, or pass --yes",
				count[k], total, kind_desc(k)->plural);
	}
	return rc;
}

/* Delete every entity the files did not declare. */
static enum baton_code prune(struct importer *im)
{
	static const char sql[] = "SELECT kind, name FROM entity ORDER BY kind, name";
	sqlite3_stmt *s = NULL;
	json_t *gone = json_array(), *e;
	enum baton_code rc = BATON_OK;
	size_t i;
	int step;

	if (!gone)
		return baton_fail(im->err, BATON_NOMEM, "out of memory");
	if ((rc = store_prepare(im->st, sql, &s, im->err)))
		goto out;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(s, 0);
		const char *name = (const char *)sqlite3_column_text(s, 1);
		char key[256];

		if (declared_find(im, kind_parse(kind), name))
			continue;
		snprintf(key, sizeof(key), "%s/%s", kind, name);
		if (json_array_append_new(gone, json_string(key))) {
			rc = baton_fail(im->err, BATON_NOMEM, "out of memory");
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		rc = store_fail(im->st, im->err, "cannot read");
		goto out;
	}
	if (!im->opts->yes && (rc = prune_guard(im, gone)))
		goto out;
	json_array_foreach(gone, i, e) {
		const char *key = json_string_value(e), *slash = strchr(key, '/');
		char kind[32];

		snprintf(kind, sizeof(kind), "%.*s", (int)(slash - key), key);
		if ((rc = entity_delete(im->st, kind_parse(kind), slash + 1,
					"delete", im->err)))
			goto out;
		strbuf_addf(&im->res->plan, "- %s\n", key);
		im->res->deleted++;
	}
out:
	sqlite3_finalize(s);
	json_decref(gone);
	return rc;
}

/* Names of kind k close to `name`, for "did you mean". */
static void suggest(struct importer *im, enum kind k, const char *name,
		    struct strbuf *out)
{
	static const char sql[] = "SELECT name FROM entity WHERE kind = ?1";
	sqlite3_stmt *s = store_cached(im->st, sql, NULL);
	size_t bestd = strlen(name) / 3 + 1;
	char *best = NULL;

	size_t i;

	if (bestd > 3)
		bestd = 3;
	/* names declared in this run (some may not be written: errors) */
	for (i = 0; i < im->ndecl; i++) {
		size_t dist;

		if (im->decl[i].kind != k)
			continue;
		dist = edit_distance(name, im->decl[i].name, bestd);
		if (dist <= bestd && (!best || dist < bestd)) {
			free(best);
			best = strdup(im->decl[i].name);
			bestd = dist;
		}
	}
	if (!s)
		goto out;
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *cand = (const char *)sqlite3_column_text(s, 0);
		size_t dist = edit_distance(name, cand, bestd);

		if (dist <= bestd && (!best || dist < bestd)) {
			free(best);
			best = strdup(cand);
			bestd = dist;
		}
	}
	sqlite3_reset(s);
out:
	if (best)
		strbuf_addf(out, "; did you mean '%s'?", best);
	free(best);
}

static enum baton_code check_refs(struct importer *im)
{
	size_t i;

	for (i = 0; i < im->nrefs; i++) {
		struct saved_ref *r = &im->refs[i];
		int ex;

		if (declared_find(im, r->kind, r->name))
			continue; /* declared in this run (maybe with errors of its own) */
		ex = entity_exists(im->st, r->kind, r->name, im->err);

		if (ex < 0)
			return im->err ? im->err->code : BATON_DB;
		if (!ex) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "'%s': no such %s '%s'", r->field,
				    kind_desc(r->kind)->name, r->name);
			suggest(im, r->kind, r->name, &sb);
			baton_fail_at(im->err, BATON_INVALID, r->file, r->line,
				      r->column, "%s", sb.buf);
			strbuf_release(&sb);
		}
	}
	return BATON_OK;
}

/* A team may not be its own ancestor. */
static enum baton_code check_team_cycles(struct importer *im)
{
	static const char sql[] =
		"WITH RECURSIVE up(start, cur, depth) AS ("
		" SELECT name, parent, 1 FROM team WHERE parent IS NOT NULL"
		" UNION ALL SELECT up.start, team.parent, depth + 1 FROM up"
		" JOIN team ON team.name = up.cur"
		" WHERE team.parent IS NOT NULL AND up.cur <> up.start AND depth < 10000)"
		" SELECT DISTINCT start FROM up WHERE cur = start ORDER BY start";
	sqlite3_stmt *s = NULL;
	enum baton_code rc;
	int step;

	if ((rc = store_prepare(im->st, sql, &s, im->err)))
		return rc;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const struct declared *loc = declared_find(im, KIND_TEAM,
			(const char *)sqlite3_column_text(s, 0));

		if (loc)
			baton_fail_at(im->err, BATON_INVALID, loc->file, loc->line,
				      loc->column,
				      "team '%s' is its own ancestor: its 'parent' chain loops",
				      sqlite3_column_text(s, 0));
	}
	if (step != SQLITE_DONE)
		rc = store_fail(im->st, im->err, "cannot read");
	sqlite3_finalize(s);
	return rc;
}

typedef enum baton_code (*feed_fn)(struct importer *im, void *arg);

/* Secondary indexes of the tables an import fills, dropped for the first
 * import into an empty database and created again before the commit: one
 * sorted build each instead of an insertion into a growing b-tree per row.
 * Unique indexes are kept (they check while rows go in); so are primary
 * keys, which the import itself reads. */
struct deferred_index {
	char **sql;
	size_t n;
};

static enum baton_code defer_indexes(struct store *st, struct deferred_index *di,
				     struct baton_error *err)
{
	static const char sql[] =
		"SELECT name, sql FROM sqlite_schema WHERE type = 'index'"
		" AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
		" AND tbl_name IN ('person', 'absence', 'team', 'role', 'holder',"
		" 'responsibility', 'responsibility_process', 'relationship',"
		" 'journal', 'process', 'process_step', 'known_by', 'rule',"
		" 'event', 'search_doc') ORDER BY rowid";
	sqlite3_stmt *s = NULL;
	struct strbuf drop = STRBUF_INIT;
	enum baton_code rc;
	int step;

	if ((rc = store_prepare(st, sql, &s, err)))
		return rc;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char **p = realloc(di->sql, (di->n + 1) * sizeof(*p));

		if (!p || !(p[di->n] = strdup((const char *)sqlite3_column_text(s, 1)))) {
			if (p)
				di->sql = p;
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		di->sql = p;
		di->n++;
		strbuf_addf(&drop, "DROP INDEX \"%s\";", sqlite3_column_text(s, 0));
	}
	if (step != SQLITE_DONE) {
		rc = store_fail(st, err, "cannot read");
		goto out;
	}
	if (!strbuf_ok(&drop)) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	rc = drop.len ? store_exec(st, drop.buf, err) : BATON_OK;
out:
	sqlite3_finalize(s);
	strbuf_release(&drop);
	return rc;
}

static enum baton_code restore_indexes(struct store *st,
				       const struct deferred_index *di,
				       struct baton_error *err)
{
	enum baton_code rc = BATON_OK;
	size_t i;

	for (i = 0; i < di->n && !rc; i++)
		rc = store_exec(st, di->sql[i], err);
	return rc;
}

static void deferred_release(struct deferred_index *di)
{
	size_t i;

	for (i = 0; i < di->n; i++)
		free(di->sql[i]);
	free(di->sql);
	di->sql = NULL;
	di->n = 0;
}

/* The database holds no entity: the first import (see store_bulk_begin). */
static int db_empty(struct store *st)
{
	static const char sql[] = "SELECT NOT EXISTS (SELECT 1 FROM entity)";
	sqlite3_stmt *s = store_cached(st, sql, NULL);
	int empty = 0;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		empty = sqlite3_column_int(s, 0);
	if (s)
		sqlite3_reset(s);
	return empty;
}

/* ------------------------------------------------------------------ */
/* The manifest of the last import (011_manifest.sql)                  */
/* ------------------------------------------------------------------ */

enum { DIGEST_BYTES = 32 };

/* Start a digest with what, besides the files, decides an import's
 * outcome: the format and the options (not dry_run: a dry run reports what
 * the import would do, the same either way). */
static void digest_start(crypto_generichash_state *h, enum load_format format,
			 const struct import_opts *opts)
{
	unsigned char head[] = { 'b', 'a', 't', 'o', 'n', 1,
				 (unsigned char)format,
				 (unsigned char)!!opts->prune,
				 (unsigned char)!!opts->force,
				 (unsigned char)!!opts->yes };

	crypto_generichash_init(h, NULL, 0, DIGEST_BYTES);
	crypto_generichash_update(h, head, sizeof(head));
}

/* 1 when the manifest still describes the database (no event written
 * since the import it records): *digest and *entities are then that
 * import's. Read in one snapshot; any failure answers 0 (the import then
 * simply runs). */
static int manifest_current(struct store *st, unsigned char digest[DIGEST_BYTES],
			    long long *entities)
{
	static const char sql[] =
		"SELECT m.digest, m.entities FROM import_manifest AS m"
		" WHERE m.id = 1"
		" AND m.last_event = (SELECT coalesce(max(id), 0) FROM event)";
	sqlite3_stmt *s;
	int began, current = 0;

	if (store_read_begin(st, &began, NULL))
		return 0;
	if ((s = store_cached(st, sql, NULL))) {
		if (sqlite3_step(s) == SQLITE_ROW &&
		    sqlite3_column_bytes(s, 0) == DIGEST_BYTES) {
			memcpy(digest, sqlite3_column_blob(s, 0), DIGEST_BYTES);
			*entities = sqlite3_column_int64(s, 1);
			current = 1;
		}
		sqlite3_reset(s);
	}
	store_read_end(st, began);
	return current;
}

/* Record this import as the last one, inside its transaction. */
static enum baton_code manifest_record(struct store *st,
				       const unsigned char digest[DIGEST_BYTES],
				       long long entities,
				       struct baton_error *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO import_manifest (id, digest, last_event,"
		" entities) VALUES (1, ?1, (SELECT coalesce(max(id), 0) FROM event),"
		" ?2)";
	sqlite3_stmt *s = store_cached(st, sql, err);

	if (!s)
		return err && err->code ? err->code : BATON_DB;
	sqlite3_bind_blob(s, 1, digest, DIGEST_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, entities);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return store_fail(st, err, "cannot write to");
	}
	sqlite3_reset(s);
	return BATON_OK;
}

/* Run an import. `h`, when not NULL, is the digest the feed fills with
 * every byte it reads (load_path_hashed); an import that commits without a
 * single diagnostic is then recorded in the manifest. */
static enum baton_code run_import(struct store *st, const struct import_opts *opts,
				  struct import_result *res,
				  struct baton_error *err, feed_fn feed, void *arg,
				  crypto_generichash_state *h)
{
	struct importer im;
	enum baton_code rc;
	size_t before = err ? err->nerrors : 0, i;
	size_t diags = err ? err->n : 0;
	unsigned char digest[DIGEST_BYTES];
	struct deferred_index di = { NULL, 0 };
	int bulk = 0;

	memset(&im, 0, sizeof(im));
	im.st = st;
	im.opts = opts;
	im.res = res;
	im.err = err;
	/* the journal mode can only change outside a transaction: decided on
	 * a first look, and safe either way */
	if (!opts->dry_run && db_empty(st))
		bulk = store_bulk_begin(st);
	if ((rc = store_begin(st, err)))
		goto out;
	/* what the import relies on is read inside its transaction */
	im.empty = db_empty(st);
	if (im.empty && !opts->dry_run && (rc = defer_indexes(st, &di, err)))
		goto fail;
	if ((rc = feed(&im, arg)))
		goto fail;
	if (opts->prune && (!err || err->nerrors == before) && (rc = prune(&im)))
		goto fail;
	if ((rc = check_refs(&im)) || (rc = check_team_cycles(&im)))
		goto fail;
	if (err && err->nerrors > before) {
		rc = err->code ? err->code : BATON_INVALID;
		goto fail;
	}
	if (opts->dry_run) {
		store_rollback(st);
		goto out;
	}
	if ((rc = restore_indexes(st, &di, err)))
		goto fail;
	if (h && (!err || err->n == diags) &&
	    !crypto_generichash_final(h, digest, DIGEST_BYTES) &&
	    (rc = manifest_record(st, digest, (long long)(res->created +
				  res->updated + res->unchanged), err)))
		goto fail;
	rc = store_commit(st, err);
	goto out;
fail:
	store_rollback(st);
	if (!rc)
		rc = BATON_INVALID;
out:
	store_bulk_end(st, bulk);
	deferred_release(&di);
	while (im.arena) {
		struct arena_block *next = im.arena->next;

		free(im.arena);
		im.arena = next;
	}
	free(im.decl);
	free(im.slots);
	for (i = 0; i < im.nfiles; i++)
		free(im.files[i]);
	free(im.files);
	free(im.refs);
	if (!rc && !strbuf_ok(&res->plan))
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
	return rc;
}

struct paths_arg {
	const char *const *paths;
	size_t n;
	enum load_format format;
	crypto_generichash_state *h;
};

static enum baton_code feed_paths(struct importer *im, void *arg)
{
	struct paths_arg *pa = arg;
	size_t i;
	enum baton_code rc;

	for (i = 0; i < pa->n; i++)
		if ((rc = load_path_hashed(pa->paths[i], pa->format, on_decl, im,
					   pa->h, im->err)))
			return rc;
	return BATON_OK;
}

/* ------------------------------------------------------------------ */
/* Parsing on a second thread                                          */
/* ------------------------------------------------------------------ */

/* An import of files runs in two threads: the calling one parses
 * (libyaml, the loader's validation, the digest) and does the importer's
 * bookkeeping (declare), a second one writes (SQLite); the canonical text
 * is made by whichever is less busy. Documents go from the first to the
 * second in batches through a bounded queue, so memory stays that of a few
 * hundred documents. The writer applies them in the order they were
 * parsed, and each carries the diagnostics recorded before it: the
 * import's diagnostics, result and database are those of the same import
 * on one thread (tests/check_import_pipe.c compares the two). */

enum { PIPE_BATCH = 64, PIPE_DEPTH = 8 };

struct piped {
	int doc;                  /* 0: only diagnostics (the end of a load) */
	struct load_decl d;       /* copies of name and file, a reference to
				     spec; no refs (the parser keeps them) */
	char *after;              /* spec_canonical(d.spec), by either thread;
				     NULL when invalid */
	struct baton_diag *diags; /* recorded by the loader before this one */
	size_t ndiags, nerrors;
	enum baton_code code;     /* the loader's err->code then */
	int oom;
};

struct pipe_batch {
	struct pipe_batch *next;  /* in the list of spent batches */
	struct piped item[PIPE_BATCH];
	size_t n;
	int last;                 /* the parser has finished: rc is its result */
	enum baton_code rc;
};

struct pipe {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct pipe_batch *q[PIPE_DEPTH];
	size_t head, count;
	int stop;                 /* the writer gave up: the parser stops */
	struct pipe_batch *spent; /* applied, for the parser to free or reuse
				     (the writer may have freed their
				     documents: pipe_write) */
	int done;                 /* the parser has finished, with rc */
	enum baton_code rc;
	enum baton_code wrc;      /* the writer's result */
	struct importer *im;      /* the writer's own */
	size_t backlog;           /* the parser's: batches waiting at its last
				     hand-over */
	/* the parser's own until it is done */
	struct pipe_batch *cur;
	struct baton_error perr;  /* the loader's diagnostics, handed on */
	size_t nerrors_sent;
	const struct paths_arg *pa;
};

/* Free the copy of the declaration (p is then only diagnostics). */
static void piped_drop_doc(struct piped *p)
{
	if (!p->doc)
		return;
	free((char *)p->d.name);
	free((char *)p->d.file);
	json_decref(p->d.spec);
	free(p->after);
	memset(&p->d, 0, sizeof(p->d));
	p->after = NULL;
	p->doc = 0;
}

static void piped_release(struct piped *p)
{
	size_t i;

	piped_drop_doc(p);
	for (i = 0; i < p->ndiags; i++) {
		free(p->diags[i].file);
		free(p->diags[i].message);
	}
	free(p->diags);
	memset(p, 0, sizeof(*p));
}

static void batch_free(struct pipe_batch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++)
		piped_release(&b->item[i]);
	free(b);
}

/* Move the diagnostics recorded in pp->perr since the last move into p.
 * perr keeps its counts (nerrors, code): the loader compares them. */
static void take_diags(struct pipe *pp, struct piped *p)
{
	p->diags = pp->perr.diags;
	p->ndiags = pp->perr.n;
	p->nerrors = pp->perr.nerrors - pp->nerrors_sent;
	p->code = pp->perr.code;
	p->oom = pp->perr.oom;
	pp->nerrors_sent = pp->perr.nerrors;
	pp->perr.diags = NULL;
	pp->perr.n = pp->perr.alloc = 0;
	pp->perr.oom = 0;
}

/* Append p's diagnostics to err, in order, as if recorded there. */
static void give_diags(struct baton_error *err, struct piped *p)
{
	if (p->nerrors && err->code == BATON_OK)
		err->code = p->code;
	err->nerrors += p->nerrors;
	err->oom |= p->oom;
	baton_error_adopt(err, p->diags, p->ndiags);
}

static int pipe_stopped(struct pipe *pp)
{
	int stop;

	pthread_mutex_lock(&pp->lock);
	stop = pp->stop;
	pthread_mutex_unlock(&pp->lock);
	return stop;
}

/* Parser: hand the current batch to the writer (waiting while the queue is
 * full). Returns 0 when the writer has stopped. */
static int pipe_push(struct pipe *pp)
{
	int ok;

	pthread_mutex_lock(&pp->lock);
	while (pp->count == PIPE_DEPTH && !pp->stop)
		pthread_cond_wait(&pp->changed, &pp->lock);
	if ((ok = !pp->stop)) {
		pp->q[(pp->head + pp->count) % PIPE_DEPTH] = pp->cur;
		pp->count++;
		pp->backlog = pp->count;
		pp->cur = NULL;
		pthread_cond_broadcast(&pp->changed);
	}
	pthread_mutex_unlock(&pp->lock);
	return ok;
}

/* Parser: an empty batch, made of a spent one when there is one; the
 * others spent are freed. */
static struct pipe_batch *pipe_fresh(struct pipe *pp)
{
	struct pipe_batch *b, *next;

	pthread_mutex_lock(&pp->lock);
	b = pp->spent;
	pp->spent = NULL;
	pthread_mutex_unlock(&pp->lock);
	if (!b)
		return calloc(1, sizeof(*b));
	for (next = b->next; next; next = b->next) {
		b->next = next->next;
		batch_free(next);
	}
	for (size_t i = 0; i < b->n; i++)
		piped_release(&b->item[i]);
	b->n = 0;
	b->next = NULL;
	return b;
}

/* Writer: hand an applied batch back to the parser, which frees it. */
static void pipe_spent(struct pipe *pp, struct pipe_batch *b)
{
	pthread_mutex_lock(&pp->lock);
	b->next = pp->spent;
	pp->spent = b;
	pthread_mutex_unlock(&pp->lock);
}

/* Copy what the writer needs of d into p (which the batch frees): its
 * name, file and spec (a reference), with the canonical text when `canon`.
 * The references stay with the parser (declare). */
static int piped_copy(struct piped *p, const struct load_decl *d, int canon)
{
	p->doc = 1;
	p->d = *d;
	p->d.refs = NULL;
	p->d.nrefs = 0;
	p->d.spec = json_incref(d->spec);
	p->d.name = strdup(d->name);
	p->d.file = strdup(d->file);
	if (!p->d.name || !p->d.file)
		return 0;
	return !canon || (p->after = spec_canonical(d->spec));
}

/* The loader's callback on the parsing thread: queue a copy of the
 * declaration. A non-OK return stops the load (the writer stopped, or
 * there is no memory). */
static enum baton_code pipe_decl(const struct load_decl *d, void *data)
{
	struct pipe *pp = data;
	struct piped *p;
	enum baton_code rc;
	int go;

	if (pipe_stopped(pp) ||
	    (pp->cur && pp->cur->n == PIPE_BATCH && !pipe_push(pp)))
		return BATON_DB; /* ignored: the writer has its own error */
	if (!pp->cur && !(pp->cur = pipe_fresh(pp)))
		return baton_fail(&pp->perr, BATON_NOMEM, "out of memory");
	if ((rc = declare(pp->im, d, &pp->perr, &go)))
		return rc;
	p = &pp->cur->item[pp->cur->n++];
	take_diags(pp, p);
	if (!go)
		return BATON_OK; /* only its diagnostics go on */
	/* The canonical text (a tenth of an import's work) is made by the
	 * thread with time to spare: here when the writer is behind (half
	 * the queue or more was waiting at the last hand-over), else by the
	 * writer. The text is the same either way. */
	if (piped_copy(p, d, pp->backlog >= PIPE_DEPTH / 2))
		return BATON_OK;
	piped_drop_doc(p);
	return baton_fail(&pp->perr, BATON_NOMEM, "out of memory");
}

/* The parser: load every path, hand over the last batch, and record the
 * loader's result. Diagnostics recorded after the last document stay in
 * perr: they are taken once the writer has ended. */
static void pipe_parse(struct pipe *pp)
{
	const struct paths_arg *pa = pp->pa;
	enum baton_code rc = BATON_OK;
	size_t i;

	for (i = 0; i < pa->n && !rc; i++)
		rc = load_path_hashed(pa->paths[i], pa->format, pipe_decl, pp,
				      pa->h, &pp->perr);
	if (pp->cur && pp->cur->n)
		pipe_push(pp);
	/* the kernel starts writing the file while the writer finishes (the
	 * index builds): the commit's fsync then waits for less */
	store_bulk_flush(pp->im->st);
	pthread_mutex_lock(&pp->lock);
	pp->done = 1;
	pp->rc = rc;
	pthread_cond_broadcast(&pp->changed);
	pthread_mutex_unlock(&pp->lock);
}

/* Writer: the next batch, or NULL when the parser is done and every batch
 * was taken; *waiting is the number of batches left in the queue. */
static struct pipe_batch *pipe_pop(struct pipe *pp, size_t *waiting)
{
	struct pipe_batch *b = NULL;

	pthread_mutex_lock(&pp->lock);
	while (!pp->count && !pp->done)
		pthread_cond_wait(&pp->changed, &pp->lock);
	if (pp->count) {
		b = pp->q[pp->head];
		pp->head = (pp->head + 1) % PIPE_DEPTH;
		pp->count--;
		pthread_cond_broadcast(&pp->changed);
	}
	*waiting = pp->count;
	pthread_mutex_unlock(&pp->lock);
	return b;
}

/* The writing thread: apply the batches in order; on a failure, tell the
 * parser to stop. */
static void *pipe_write(void *arg)
{
	struct pipe *pp = arg;
	struct pipe_batch *b;
	enum baton_code rc = BATON_OK;
	size_t i, waiting;

	while (!rc && (b = pipe_pop(pp, &waiting))) {
		for (i = 0; i < b->n && !rc; i++) {
			struct piped *p = &b->item[i];

			give_diags(pp->im->err, p);
			if (!p->doc)
				continue;
			if (!p->after)
				p->after = spec_canonical(p->d.spec);
			rc = write_decl(pp->im, &p->d, p->after);
			/* Freeing a document's values (6% of an import) is
			 * done here while the writer keeps up with the parser
			 * (less than half the queue waiting), else by the
			 * parser with the spent batch. */
			if (waiting < PIPE_DEPTH / 2)
				piped_drop_doc(p);
		}
		pipe_spent(pp, b);
	}
	pthread_mutex_lock(&pp->lock);
	pp->wrc = rc;
	if (rc) {
		pp->stop = 1;
		pthread_cond_broadcast(&pp->changed);
	}
	pthread_mutex_unlock(&pp->lock);
	return NULL;
}

/* The import's feed for files: the calling thread parses while a second
 * one writes (memory is allocated by the thread that parses, whose malloc
 * arena is the main one, tuned in cli/main.c, and freed by either). Falls
 * back to one thread when the second cannot be made. */
static enum baton_code feed_paths_piped(struct importer *im, void *arg)
{
	struct pipe pp;
	struct pipe_batch *b;
	pthread_t tid;
	enum baton_code rc;
	struct piped rest;

	memset(&pp, 0, sizeof(pp));
	pp.pa = arg;
	pp.im = im;
	if (pthread_mutex_init(&pp.lock, NULL))
		return feed_paths(im, arg);
	if (pthread_cond_init(&pp.changed, NULL)) {
		pthread_mutex_destroy(&pp.lock);
		return feed_paths(im, arg);
	}
	if (pthread_create(&tid, NULL, pipe_write, &pp)) {
		pthread_cond_destroy(&pp.changed);
		pthread_mutex_destroy(&pp.lock);
		return feed_paths(im, arg);
	}
	pipe_parse(&pp);
	pthread_join(tid, NULL);
	/* what is left once both have ended: batches the writer did not take
	 * (it stopped), and the loader's last diagnostics */
	while (pp.count) {
		batch_free(pp.q[pp.head]);
		pp.head = (pp.head + 1) % PIPE_DEPTH;
		pp.count--;
	}
	batch_free(pp.cur);
	while (pp.spent) {
		b = pp.spent->next;
		batch_free(pp.spent);
		pp.spent = b;
	}
	if (!(rc = pp.wrc)) {
		memset(&rest, 0, sizeof(rest));
		take_diags(&pp, &rest);
		give_diags(im->err, &rest);
		piped_release(&rest);
		rc = pp.rc;
	}
	baton_error_release(&pp.perr);
	pthread_cond_destroy(&pp.changed);
	pthread_mutex_destroy(&pp.lock);
	return rc;
}

enum baton_code import_paths(struct store *st, const char *const *paths,
			     size_t n, const struct import_opts *opts,
			     struct import_result *res, struct baton_error *err)
{
	return import_paths_as(st, paths, n, LOAD_AUTO, opts, res, err);
}

enum baton_code import_paths_as(struct store *st, const char *const *paths,
				size_t n, enum load_format format,
				const struct import_opts *opts,
				struct import_result *res, struct baton_error *err)
{
	struct paths_arg pa = { paths, n, format, NULL };
	struct baton_error scratch = BATON_ERROR_INIT;
	crypto_generichash_state h;
	unsigned char last[DIGEST_BYTES], digest[DIGEST_BYTES];
	long long entities;
	size_t i;
	int sodium = sodium_init() >= 0, ok;

	/* The same files as the last import, and nothing written since: the
	 * import would find every entity unchanged. The files are read and
	 * hashed only when the manifest still describes the database (not for
	 * a first import, nor after any change), which costs a small part of
	 * parsing them. (A file that cannot be read here is reported by the
	 * import itself.) */
	if (sodium && manifest_current(st, last, &entities)) {
		digest_start(&h, format, opts);
		for (i = 0, ok = 1; ok && i < n; i++)
			ok = !load_digest(paths[i], format, &h, &scratch);
		baton_error_release(&scratch);
		if (ok && !crypto_generichash_final(&h, digest, DIGEST_BYTES) &&
		    !memcmp(digest, last, DIGEST_BYTES)) {
			res->unchanged = (size_t)entities;
			res->skipped = 1;
			return BATON_OK;
		}
	}
	if (sodium) {
		digest_start(&h, format, opts);
		pa.h = &h;
	}
	return run_import(st, opts, res, err,
			  opts->one_thread || !err ? feed_paths : feed_paths_piped,
			  &pa, pa.h);
}

struct buffer_arg {
	const char *label, *buf;
	size_t len;
};

static enum baton_code feed_buffer(struct importer *im, void *arg)
{
	struct buffer_arg *ba = arg;

	return load_buffer(ba->label, ba->buf, ba->len, on_decl, im, im->err);
}

enum baton_code import_buffer(struct store *st, const char *label,
			      const char *buf, size_t len,
			      const struct import_opts *opts,
			      struct import_result *res, struct baton_error *err)
{
	struct buffer_arg ba = { label, buf, len };

	return run_import(st, opts, res, err, feed_buffer, &ba, NULL);
}
