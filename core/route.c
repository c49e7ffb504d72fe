/* route.c - route a request to a rule, a role and people; see route.h.
 *
 * The result is built as one JSON document while resolving, so the CLI, the
 * web pages and the API all render the same data (explanation included).
 *
 * Topic index cache: struct store is shared with every module, so the index
 * is not a field of it; instead it hangs off the SQLite connection. The
 * first route on a connection registers a dummy SQL function whose user
 * data is the cache and whose destructor frees it when the connection
 * closes; a small registry (mutex-protected, the web server has threads)
 * finds the cache from the sqlite3 handle. An entry can never outlive its
 * connection, so a reused handle address never sees a stale index. The
 * same cache holds the directory (roles, holders, people, absences) that
 * routes read instead of SQL once it is loaded; see dir_load().
 */
#include "route.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "search.h"
#include "strbuf.h"
#include "topic.h"

/* ------------------------------------------------------------------------
 * Strings checked once
 * ---------------------------------------------------------------------- */

/* Whether s is text jansson accepts as a string (valid UTF-8): text of
 * ASCII bytes always is; anything else is asked of jansson itself. The
 * rules and the directory check their strings once when they are loaded,
 * so that a route can hand them to jansson without it checking them
 * again (str_ok). */
static int utf8_ok(const char *s)
{
	const unsigned char *p;
	json_t *t;

	if (!s)
		return 1;
	for (p = (const unsigned char *)s; *p && *p < 0x80; p++)
		;
	if (!*p)
		return 1;
	t = json_string(s);
	json_decref(t);
	return t != NULL;
}

/* A JSON string of s (null for NULL); `ok`: s is known to be valid UTF-8
 * (utf8_ok, a literal, or made of such parts), so jansson need not check
 * it. The value is the same either way. */
static json_t *str_ok(const char *s, int ok)
{
	if (!s)
		return json_null();
	return ok ? json_string_nocheck(s) : json_string(s);
}

/* ------------------------------------------------------------------------
 * Rule index cache, one per connection
 * ---------------------------------------------------------------------- */

/* One rule with its row, so that a topic route reads no rule from the
 * database; NULL where the column is NULL (name, topic, handler never). */
struct rule_entry {
	char *name;
	char *topic;
	char *handler;      /* "kind:name" */
	int priority;
	char *title;
	char *escalate_to;
	char *process;
	size_t kind_len;    /* handler[0..kind_len) is the kind */
	int utf8;           /* every string passed utf8_ok() */
};

/* ------------------------------------------------------------------------
 * Directory: roles, holders, their people and absences in memory
 * ---------------------------------------------------------------------- */

/* What the holder and role queries below read, for every role: loaded in
 * four sequential scans (role, holder, person, absence) once per snapshot,
 * from the second route on that snapshot (a one-shot `baton route` routes
 * once and reads only what it needs through the indexes). Every array is
 * sorted as the SQL orders or compares (BINARY collation: strcmp on these
 * NUL-free texts), so a lookup is a binary search and a role's holders
 * and a person's absences are contiguous runs in the SQL's order. Strings
 * live in chunks that never move. Nothing in it depends on the date or on
 * the questions asked. */
struct dir_role {
	const char *name, *title, *reports_to;
	size_t first, n;            /* its holders */
};

struct dir_holder {
	const char *person, *kind, *since, *until;
	sqlite3_int64 ord, rowid;
	unsigned role_ix;           /* into roles */
	int person_ix;              /* into people; -1: no such person */
};

struct dir_person {
	const char *name, *display_name, *email, *status;
	size_t first, n;            /* its absences */
};

struct dir_absence {
	const char *from, *to, *reason;
	sqlite3_int64 rowid;
	int person_ix;
};

struct dir_chunk {
	struct dir_chunk *next;
	size_t used, size;
	char data[];
};

struct route_dir {
	struct dir_chunk *chunks;
	struct dir_role *roles;
	size_t nroles;
	struct dir_holder *holders;
	size_t nholders;
	struct dir_person *people;
	size_t npeople;
	struct dir_absence *absences;
	size_t nabsences;
	int bad;                    /* a string failed utf8_ok() */
};

static void dir_free(struct route_dir *d)
{
	struct dir_chunk *ch, *next;

	if (!d)
		return;
	for (ch = d->chunks; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(d->roles);
	free(d->holders);
	free(d->people);
	free(d->absences);
	free(d);
}

/* A copy of column i in the directory's chunks; NULL for NULL. *oom set
 * when out of memory. */
static const char *dir_col(struct route_dir *d, sqlite3_stmt *s, int i,
			   int *oom)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	size_t len;
	struct dir_chunk *ch = d->chunks;
	char *p;

	if (!t)
		return NULL;
	len = (size_t)sqlite3_column_bytes(s, i) + 1;
	if (!ch || ch->size - ch->used < len) {
		size_t size = len > 65536 - sizeof(*ch) ? len : 65536 - sizeof(*ch);

		if (!(ch = malloc(sizeof(*ch) + size))) {
			*oom = 1;
			return NULL;
		}
		ch->size = size;
		ch->used = 0;
		ch->next = d->chunks;
		d->chunks = ch;
	}
	p = ch->data + ch->used;
	memcpy(p, t, len);
	ch->used += len;
	if (!utf8_ok(p))
		d->bad = 1;
	return p;
}

/* Column i as dir_col() copies it, but the values in `common` (the few
 * a CHECK constraint allows) shared instead of copied. */
static const char *dir_col_common(struct route_dir *d, sqlite3_stmt *s, int i,
				  const char *const *common, int *oom)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	for (; t && *common; common++)
		if (!strcmp(t, *common))
			return *common;
	return dir_col(d, s, i, oom);
}

static const char *const holder_kinds[] = { "primary", "backup", NULL };
static const char *const person_statuses[] = { "active", "leaving", "left",
					       NULL };

/* v (n elements of size sz) shrunk to n, or v itself when that fails: the
 * arrays are kept for as long as the snapshot lasts. */
static void *fit(void *v, size_t sz, size_t n)
{
	void *g = n ? realloc(v, n * sz) : NULL;

	return g ? g : v;
}

/* v (elements of size sz, *alloc of them) with room for n + 1: v itself,
 * or a larger copy; NULL when out of memory (v is then unchanged). */
static void *grow(void *v, size_t sz, size_t n, size_t *alloc)
{
	size_t na;
	void *g;

	if (v && n < *alloc)
		return v;
	na = *alloc ? *alloc * 2 : 256;
	if ((g = realloc(v, na * sz)))
		*alloc = na;
	return g;
}

/* holder_role's order: role (roles are sorted by name), kind DESC, ord,
 * then rowid */
static int cmp_holder(const void *x, const void *y)
{
	const struct dir_holder *a = x, *b = y;
	int c;

	if (a->role_ix != b->role_ix)
		return a->role_ix < b->role_ix ? -1 : 1;
	if ((c = strcmp(b->kind, a->kind)))
		return c;
	if (a->ord != b->ord)
		return a->ord < b->ord ? -1 : 1;
	return a->rowid < b->rowid ? -1 : a->rowid > b->rowid;
}

static int cmp_role(const void *x, const void *y)
{
	return strcmp(((const struct dir_role *)x)->name,
		      ((const struct dir_role *)y)->name);
}

static int cmp_person(const void *x, const void *y)
{
	return strcmp(((const struct dir_person *)x)->name,
		      ((const struct dir_person *)y)->name);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* absence_person's order: person, from_date, to_date, then rowid */
static int cmp_absence(const void *x, const void *y)
{
	const struct dir_absence *a = x, *b = y;
	int c;

	if (a->person_ix != b->person_ix)
		return a->person_ix < b->person_ix ? -1 : 1;
	if ((c = strcmp(a->from, b->from)) || (c = strcmp(a->to, b->to)))
		return c;
	return a->rowid < b->rowid ? -1 : a->rowid > b->rowid;
}

static int person_index(const struct route_dir *d, const char *name)
{
	struct dir_person key = { 0 }, *p;

	if (!d->npeople)
		return -1;
	key.name = name;
	p = bsearch(&key, d->people, d->npeople, sizeof(key), cmp_person);
	return p ? (int)(p - d->people) : -1;
}

static const struct dir_role *dir_role_find(const struct route_dir *d,
					    const char *name)
{
	struct dir_role key = { 0 };

	if (!d->nroles)
		return NULL;
	key.name = name;
	return bsearch(&key, d->roles, d->nroles, sizeof(key), cmp_role);
}

/* Whether column i is a text without a NUL byte (what the comparisons of
 * the directory assume). */
static int plain_text(sqlite3_stmt *s, int i)
{
	const char *t;

	if (sqlite3_column_type(s, i) != SQLITE_TEXT)
		return 0;
	t = (const char *)sqlite3_column_text(s, i);
	return t && strlen(t) == (size_t)sqlite3_column_bytes(s, i);
}

/* Load the directory. BATON_OK with *out NULL: the data holds something
 * the directory does not model exactly (a non-text key or date, a
 * non-integer ord, a string jansson refuses); routes then read through
 * SQL. */
static enum baton_code dir_load(struct store *st, struct route_dir **out,
				struct baton_error *err)
{
	static const char roles_sql[] =
		"SELECT name, title, reports_to FROM role";
	static const char holders_sql_all[] =
		"SELECT rowid, role, person, kind, since, until, ord FROM holder";
	static const char people_sql[] =
		"SELECT name, display_name, email, status FROM person";
	static const char absences_sql[] =
		"SELECT rowid, person, from_date, to_date, reason FROM absence";
	struct route_dir *d = calloc(1, sizeof(*d));
	const char **names = NULL;
	size_t alloc = 0, nnames = 0, i, j;
	void *g;
	sqlite3_stmt *s = NULL;
	enum baton_code rc = BATON_OK;
	int step = SQLITE_DONE, oom = 0, odd = 0;

	*out = NULL;
	if (!d)
		return baton_fail(err, BATON_NOMEM, "out of memory");
	/* roles, by name */
	if (!(s = store_cached(st, roles_sql, err))) {
		rc = err && err->code ? err->code : BATON_DB;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct dir_role *r;

		if (!(g = grow(d->roles, sizeof(*r), d->nroles, &alloc))) {
			oom = 1;
			break;
		}
		d->roles = g;
		if (!plain_text(s, 0)) {
			odd = 1;
			break;
		}
		r = &d->roles[d->nroles++];
		r->name = dir_col(d, s, 0, &oom);
		r->title = dir_col(d, s, 1, &oom);
		r->reports_to = dir_col(d, s, 2, &oom);
		r->first = r->n = 0;
		if (oom)
			break;
	}
	sqlite3_reset(s);
	if (oom || odd || (step != SQLITE_ROW && step != SQLITE_DONE))
		goto out;
	d->roles = fit(d->roles, sizeof(*d->roles), d->nroles);
	if (d->nroles > 1)
		qsort(d->roles, d->nroles, sizeof(*d->roles), cmp_role);
	/* the holders of those roles (no other is ever asked for), in
	 * holder_role's order: a run per role */
	alloc = 0;
	if (!(s = store_cached(st, holders_sql_all, err))) {
		rc = err && err->code ? err->code : BATON_DB;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const struct dir_role *r;
		struct dir_holder *h;

		if (!plain_text(s, 1) ||
		    !(r = dir_role_find(d, (const char *)sqlite3_column_text(s, 1))))
			continue;   /* equal to no role's name */
		if (!(g = grow(d->holders, sizeof(*h), d->nholders, &alloc))) {
			oom = 1;
			break;
		}
		d->holders = g;
		if (!plain_text(s, 2) || !plain_text(s, 3) ||
		    sqlite3_column_type(s, 6) != SQLITE_INTEGER) {
			odd = 1;
			break;
		}
		h = &d->holders[d->nholders++];
		h->rowid = sqlite3_column_int64(s, 0);
		h->role_ix = (unsigned)(r - d->roles);
		h->person = dir_col(d, s, 2, &oom);
		h->kind = dir_col_common(d, s, 3, holder_kinds, &oom);
		h->since = dir_col(d, s, 4, &oom);
		h->until = dir_col(d, s, 5, &oom);
		h->ord = sqlite3_column_int64(s, 6);
		h->person_ix = -1;
		if (oom)
			break;
	}
	sqlite3_reset(s);
	if (oom || odd || (step != SQLITE_ROW && step != SQLITE_DONE))
		goto out;
	d->holders = fit(d->holders, sizeof(*d->holders), d->nholders);
	if (d->nholders > 1)
		qsort(d->holders, d->nholders, sizeof(*d->holders), cmp_holder);
	for (i = 0; i < d->nholders; i = j) {
		struct dir_role *r = &d->roles[d->holders[i].role_ix];

		for (j = i; j < d->nholders &&
			    d->holders[j].role_ix == d->holders[i].role_ix; j++)
			;
		r->first = i;
		r->n = j - i;
	}
	/* the people who hold something, by name */
	if (d->nholders && !(names = malloc(d->nholders * sizeof(*names)))) {
		oom = 1;
		goto out;
	}
	for (i = 0; i < d->nholders; i++)
		names[i] = d->holders[i].person;
	if (d->nholders > 1)
		qsort(names, d->nholders, sizeof(*names), cmp_str);
	for (i = 0; i < d->nholders; i++)
		if (!nnames || strcmp(names[nnames - 1], names[i]))
			names[nnames++] = names[i];
	alloc = 0;
	if (!(s = store_cached(st, people_sql, err))) {
		rc = err && err->code ? err->code : BATON_DB;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		struct dir_person *p;

		if (!name || !nnames ||
		    !bsearch(&name, names, nnames, sizeof(*names), cmp_str))
			continue;
		if (!(g = grow(d->people, sizeof(*p), d->npeople, &alloc))) {
			oom = 1;
			break;
		}
		d->people = g;
		if (!plain_text(s, 0)) {
			odd = 1;
			break;
		}
		p = &d->people[d->npeople++];
		p->name = dir_col(d, s, 0, &oom);
		p->display_name = dir_col(d, s, 1, &oom);
		p->email = dir_col(d, s, 2, &oom);
		p->status = dir_col_common(d, s, 3, person_statuses, &oom);
		p->first = p->n = 0;
		if (oom)
			break;
	}
	sqlite3_reset(s);
	if (oom || odd || (step != SQLITE_ROW && step != SQLITE_DONE))
		goto out;
	d->people = fit(d->people, sizeof(*d->people), d->npeople);
	if (d->npeople > 1)
		qsort(d->people, d->npeople, sizeof(*d->people), cmp_person);
	for (i = 0; i < d->nholders; i++)
		d->holders[i].person_ix = person_index(d, d->holders[i].person);
	/* their absences, in absence_person's order */
	alloc = 0;
	if (!(s = store_cached(st, absences_sql, err))) {
		rc = err && err->code ? err->code : BATON_DB;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct dir_absence *a;
		int ix;

		if (!plain_text(s, 1))
			continue;   /* never matches a person's name */
		if ((ix = person_index(d, (const char *)sqlite3_column_text(s, 1))) < 0)
			continue;
		if (!(g = grow(d->absences, sizeof(*a), d->nabsences, &alloc))) {
			oom = 1;
			break;
		}
		d->absences = g;
		if (!plain_text(s, 2) || !plain_text(s, 3)) {
			odd = 1;
			break;
		}
		a = &d->absences[d->nabsences++];
		a->rowid = sqlite3_column_int64(s, 0);
		a->person_ix = ix;
		a->from = dir_col(d, s, 2, &oom);
		a->to = dir_col(d, s, 3, &oom);
		a->reason = dir_col(d, s, 4, &oom);
		if (oom)
			break;
	}
	sqlite3_reset(s);
	if (oom || odd || (step != SQLITE_ROW && step != SQLITE_DONE))
		goto out;
	d->absences = fit(d->absences, sizeof(*d->absences), d->nabsences);
	if (d->nabsences > 1)
		qsort(d->absences, d->nabsences, sizeof(*d->absences), cmp_absence);
	for (i = 0; i < d->nabsences; i = j) {
		struct dir_person *p = &d->people[d->absences[i].person_ix];

		for (j = i; j < d->nabsences &&
			    d->absences[j].person_ix == d->absences[i].person_ix; j++)
			;
		p->first = i;
		p->n = j - i;
	}
out:
	free(names);
	if (!rc && oom)
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
	else if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = store_fail(st, err, "cannot read");
	if (rc || odd || d->bad) {
		/* odd, bad: not modelled exactly, routes read through SQL */
		dir_free(d);
		return rc;
	}
	*out = d;
	return BATON_OK;
}

struct route_cache {
	sqlite3 *db;
	struct topic_index *idx;
	struct rule_entry *rules;
	size_t nrules;
	long long data_version;
	sqlite3_int64 changes;
	int valid;
	char *bucket;       /* built for topics of this first segment only
			       (lower-case); NULL: every rule */
	int builds;         /* how many times it was built */
	struct route_dir *dir;  /* for dir_version/dir_changes; NULL: none */
	long long dir_version;
	sqlite3_int64 dir_changes;
	int dir_seen;       /* a route ran on the snapshot seen_version/changes */
	long long seen_version;
	sqlite3_int64 seen_changes;
	int no_dir;         /* route_directory_enable(st, 0) */
	struct route_cache *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct route_cache *caches;

static void cache_clear(struct route_cache *c)
{
	size_t i;

	topic_index_free(c->idx);
	c->idx = NULL;
	for (i = 0; i < c->nrules; i++) {
		free(c->rules[i].name);
		free(c->rules[i].topic);
		free(c->rules[i].handler);
		free(c->rules[i].title);
		free(c->rules[i].escalate_to);
		free(c->rules[i].process);
	}
	free(c->rules);
	c->rules = NULL;
	c->nrules = 0;
	c->valid = 0;
	free(c->bucket);
	c->bucket = NULL;
}

/* Called by SQLite when the connection closes. */
static void cache_destroy(void *p)
{
	struct route_cache *c = p, **pp;

	pthread_mutex_lock(&cache_lock);
	for (pp = &caches; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	cache_clear(c);
	dir_free(c->dir);
	free(c);
}

static void cache_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_result_null(ctx);
}

static struct route_cache *cache_for(struct store *st, struct baton_error *err)
{
	struct route_cache *c;

	pthread_mutex_lock(&cache_lock);
	for (c = caches; c; c = c->next)
		if (c->db == st->db)
			break;
	pthread_mutex_unlock(&cache_lock);
	if (c)
		return c;
	if (!(c = calloc(1, sizeof(*c)))) {
		baton_fail(err, BATON_NOMEM, "out of memory");
		return NULL;
	}
	c->db = st->db;
	/* On failure SQLite calls the destructor itself. */
	if (sqlite3_create_function_v2(st->db, "baton_route_cache", 0,
				       SQLITE_UTF8, c, cache_fn, NULL, NULL,
				       cache_destroy) != SQLITE_OK) {
		store_fail(st, err, "cannot set up routing on");
		return NULL;
	}
	pthread_mutex_lock(&cache_lock);
	c->next = caches;
	caches = c;
	pthread_mutex_unlock(&cache_lock);
	return c;
}

static char *dup_col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return strdup(t ? t : "");
}

/* A copy of column i, NULL for NULL; *oom set when the copy failed. */
static char *dup_col_null(sqlite3_stmt *s, int i, int *oom)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	char *d;

	if (!t)
		return NULL;
	if (!(d = strdup(t)))
		*oom = 1;
	return d;
}

/* The cache for st, with an index that reflects the current rules. */
static int is_edge_char(unsigned char ch)
{
	return ch == '/' || ch == ' ' || ch == '\t' || ch == '\n' ||
	       ch == '\v' || ch == '\f' || ch == '\r';
}

/* The first segment of a topic as topic_index_lookup() reads it: after the
 * leading whitespace and '/', up to the next '/'. */
static void first_segment(const char *t, const char **seg, size_t *len)
{
	const char *e;

	while (*t && is_edge_char((unsigned char)*t))
		t++;
	e = t;
	while (*e && *e != '/')
		e++;
	*seg = t;
	*len = (size_t)(e - t);
}

/* The lower-cased first segment of topic (malloc'd): the rule_bucket key
 * of the rules that could match it, with those of the '' bucket. */
static char *bucket_key(const char *topic)
{
	const char *seg;
	size_t len, i;
	char *key;

	first_segment(topic, &seg, &len);
	/* a topic that ends in whitespace is trimmed by the lookup: keep it
	 * simple and use every rule then */
	if (!len || is_edge_char((unsigned char)seg[len - 1]))
		return NULL;
	if (!(key = malloc(len + 1)))
		return NULL;
	for (i = 0; i < len; i++)
		key[i] = (char)(seg[i] >= 'A' && seg[i] <= 'Z' ? seg[i] - 'A' + 'a' : seg[i]);
	key[len] = '\0';
	return key;
}

/* The key of the rule_bucket index (010_route.sql), word for word: the
 * lower-cased first segment of the topic as written, or '' when that
 * segment is empty or has a '*' or whitespace. A topic can only match a
 * rule of its own key or of ''; the topic index sorts out the rest. */
#define RULE_BUCKET \
	"(CASE WHEN instr(topic || '/', '/') > 1" \
	" AND instr(substr(topic, 1, instr(topic || '/', '/') - 1), '*') = 0" \
	" AND substr(topic, 1, instr(topic || '/', '/') - 1)" \
	" NOT GLOB ('*[' || char(32, 9, 10, 11, 12, 13) || ']*')" \
	" THEN lower(substr(topic, 1, instr(topic || '/', '/') - 1))" \
	" ELSE '' END)"

/* The rule index of this connection, rebuilt when the database changed.
 * The first build for a topic loads only the rules that could match its
 * first segment (a one-shot `baton route` then reads and indexes a bucket,
 * not 20,000 rules); any other use (another bucket, the suggestions of a
 * miss, topic NULL) builds the full index, which is then kept. Lookups give
 * the same rules in the same order either way. *version is the snapshot's
 * PRAGMA data_version, read here when negative (one read per route). */
static struct route_cache *rules_index(struct store *st, const char *topic,
				       long long *version,
				       struct baton_error *err)
{
#define RULE_COLUMNS \
	"SELECT name, topic, priority, handler_kind || ':' || handler_name," \
	" title, escalate_to, process, length(handler_kind)" \
	" FROM rule"
	static const char rules_sql[] = RULE_COLUMNS
		" WHERE topic IS NOT NULL ORDER BY name";
	/* in index order: the topic index orders the rules itself, and names
	 * are unique, so the order of adding never decides */
	static const char bucket_sql[] = RULE_COLUMNS
		" INDEXED BY rule_bucket WHERE topic IS NOT NULL"
		" AND " RULE_BUCKET " IN (?1, '')";
	struct route_cache *c = cache_for(st, err);
	sqlite3_stmt *s;
	long long dv;
	sqlite3_int64 changes = sqlite3_total_changes64(st->db);
	size_t n = 0, alloc = 0;
	int step, builds, oom;
	char *key = NULL;

	if (!c)
		return NULL;
	if (*version < 0 && store_data_version(st, version, err))
		return NULL;
	dv = *version;
	if (c->valid && c->data_version == dv && c->changes == changes &&
	    (!c->bucket || (topic && (key = bucket_key(topic)) &&
			    !strcmp(key, c->bucket)))) {
		free(key);
		return c;
	}
	free(key);
	key = NULL;
	builds = c->builds;
	cache_clear(c);
	c->builds = builds + 1;
	if (!builds && topic)
		c->bucket = bucket_key(topic);
	if (!(c->idx = topic_index_new()))
		goto nomem;
	if (!(s = store_cached(st, c->bucket ? bucket_sql : rules_sql, err)))
		return NULL;
	if (c->bucket)
		sqlite3_bind_text(s, 1, c->bucket, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct rule_entry *e;

		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			struct rule_entry *g = realloc(c->rules, na * sizeof(*g));

			if (!g)
				goto nomem_reset;
			c->rules = g;
			alloc = na;
		}
		e = &c->rules[n];
		oom = 0;
		e->name = dup_col(s, 0);
		e->topic = dup_col(s, 1);
		e->priority = sqlite3_column_int(s, 2);
		e->handler = dup_col(s, 3);
		e->title = dup_col_null(s, 4, &oom);
		e->escalate_to = dup_col_null(s, 5, &oom);
		e->process = dup_col_null(s, 6, &oom);
		e->kind_len = (size_t)sqlite3_column_int(s, 7);
		e->utf8 = utf8_ok(e->name) && utf8_ok(e->topic) &&
			  utf8_ok(e->handler) && utf8_ok(e->title) &&
			  utf8_ok(e->escalate_to) && utf8_ok(e->process);
		c->nrules = ++n;
		if (oom || !e->name || !e->topic || !e->handler ||
		    topic_index_add(c->idx, e->topic, e->priority, e->name,
				    (long)(n - 1)))
			goto nomem_reset;
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		store_fail(st, err, "cannot read");
		cache_clear(c);
		return NULL;
	}
	if (topic_index_build(c->idx))
		goto nomem;
	c->data_version = dv;
	c->changes = changes;
	c->valid = 1;
	return c;
nomem_reset:
	sqlite3_reset(s);
nomem:
	cache_clear(c);
	baton_fail(err, BATON_NOMEM, "out of memory");
	return NULL;
}

/* The directory of this connection for its current snapshot, in *out;
 * NULL (and BATON_OK) on the first route of a snapshot, which reads through
 * SQL: it is loaded by the second route on an unchanged snapshot, and
 * dropped exactly when the rule index is (PRAGMA data_version, this
 * connection's changes). */
static enum baton_code directory(struct store *st, struct route_dir **out,
				 long long *version, struct baton_error *err)
{
	struct route_cache *c = cache_for(st, err);
	sqlite3_int64 changes = sqlite3_total_changes64(st->db);
	struct baton_error scratch = BATON_ERROR_INIT;
	enum baton_code rc;
	long long dv;

	*out = NULL;
	if (!c)
		return err && err->code ? err->code : BATON_DB;
	if (c->no_dir)
		return BATON_OK;
	if (*version < 0 && (rc = store_data_version(st, version, err)))
		return rc;
	dv = *version;
	if (c->dir && c->dir_version == dv && c->dir_changes == changes) {
		*out = c->dir;
		return BATON_OK;
	}
	dir_free(c->dir);
	c->dir = NULL;
	if (c->dir_seen != 1 || c->seen_version != dv ||
	    c->seen_changes != changes) {
		/* 2: tried on this snapshot, the data does not fit (dir_load) */
		if (!(c->dir_seen == 2 && c->seen_version == dv &&
		      c->seen_changes == changes))
			c->dir_seen = 1;
		c->seen_version = dv;
		c->seen_changes = changes;
		return BATON_OK;
	}
	/* the directory is only a faster way: when it cannot be loaded (no
	 * memory, a read failing) routes go on through SQL */
	if (dir_load(st, &c->dir, &scratch) || !c->dir) {
		baton_error_release(&scratch);
		c->dir = NULL;
		c->dir_seen = 2;
		return BATON_OK;
	}
	c->dir_version = dv;
	c->dir_changes = changes;
	*out = c->dir;
	return BATON_OK;
}

size_t route_rules_loaded(struct store *st)
{
	struct route_cache *c = cache_for(st, NULL);

	return c && c->valid ? c->nrules : 0;
}

int route_directory_loaded(struct store *st)
{
	struct route_cache *c = cache_for(st, NULL);

	return c && c->dir != NULL;
}

void route_directory_enable(struct store *st, int enable)
{
	struct route_cache *c = cache_for(st, NULL);

	if (!c)
		return;
	c->no_dir = !enable;
	if (!enable) {
		dir_free(c->dir);
		c->dir = NULL;
		c->dir_seen = 0;
	}
}

/* ------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------- */

static json_t *col_json(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? json_string((const char *)t) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* An object of n (key, value) pairs, in that order. Keys are string
 * literals (not checked); values are stolen, and a NULL value (a failed
 * allocation) makes the whole object NULL, every value released. Cheaper
 * than json_pack, which parses its format on every call; routing builds a
 * few dozen objects per answer. */
static json_t *obj(size_t n, ...)
{
	json_t *o = json_object();
	int bad = !o;
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *key = va_arg(ap, const char *);
		json_t *v = va_arg(ap, json_t *);

		if (bad || !v)
			json_decref(v);
		if (!v)
			bad = 1;
		else if (!bad && json_object_set_new_nocheck(o, key, v))
			bad = 1;
	}
	va_end(ap);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *jstr_or(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* The rule's row as a JSON object with every column, or NULL when absent
 * (*rc set on a database error). */
static json_t *rule_load(struct store *st, const char *name,
			 enum baton_code *rc, struct baton_error *err)
{
	static const char sql[] =
		"SELECT name, title, description, topic, handler_kind,"
		" handler_name, escalate_to, process, priority"
		" FROM rule WHERE name = ?1";
	sqlite3_stmt *s = store_cached(st, sql, err);
	json_t *v = NULL;
	int step;

	*rc = BATON_OK;
	if (!s) {
		*rc = err && err->code ? err->code : BATON_DB;
		return NULL;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		v = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
			      "name", col_json(s, 0), "title", col_json(s, 1),
			      "description", col_json(s, 2),
			      "topic", col_json(s, 3),
			      "handlerKind", col_json(s, 4),
			      "handlerName", col_json(s, 5),
			      "escalateTo", col_json(s, 6),
			      "process", col_json(s, 7),
			      "priority", (json_int_t)sqlite3_column_int64(s, 8));
		if (!v)
			*rc = baton_fail(err, BATON_NOMEM, "out of memory");
	} else if (step != SQLITE_DONE) {
		*rc = store_fail(st, err, "cannot read");
	}
	sqlite3_reset(s);
	return v;
}

/* {"name","title"} of a role, "reportsTo" in *reports (malloc'd or NULL);
 * NULL when there is no such role (name_ok: see str_ok). With a directory
 * d, read from it and *dr set to the role there (NULL when absent); else
 * read by SQL. */
static json_t *role_load(struct store *st, const struct route_dir *d,
			 const char *name, int name_ok, char **reports,
			 const struct dir_role **dr,
			 enum baton_code *rc, struct baton_error *err)
{
	static const char sql[] =
		"SELECT title, reports_to FROM role WHERE name = ?1";
	sqlite3_stmt *s;
	json_t *v = NULL;
	int step;

	*rc = BATON_OK;
	if (reports)
		*reports = NULL;
	*dr = NULL;
	if (d) {
		const struct dir_role *r = dir_role_find(d, name);

		if (!r)
			return NULL;
		v = obj(2, "name", str_ok(name, name_ok), "title",
			str_ok(r->title, 1));
		if (reports && r->reports_to &&
		    !(*reports = strdup(r->reports_to)))
			*rc = baton_fail(err, BATON_NOMEM, "out of memory");
		if (!v)
			*rc = baton_fail(err, BATON_NOMEM, "out of memory");
		*dr = r;
		return v;
	}
	if (!(s = store_cached(st, sql, err))) {
		*rc = err && err->code ? err->code : BATON_DB;
		return NULL;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		v = obj(2, "name", json_string(name), "title", col_json(s, 0));
		if (reports && sqlite3_column_type(s, 1) != SQLITE_NULL &&
		    !(*reports = strdup((const char *)sqlite3_column_text(s, 1))))
			*rc = baton_fail(err, BATON_NOMEM, "out of memory");
		if (!v)
			*rc = baton_fail(err, BATON_NOMEM, "out of memory");
	} else if (step != SQLITE_DONE) {
		*rc = store_fail(st, err, "cannot read");
	}
	sqlite3_reset(s);
	return v;
}

static json_t *process_load(struct store *st, const char *name,
			    enum baton_code *rc, struct baton_error *err)
{
	static const char sql[] = "SELECT title FROM process WHERE name = ?1";
	sqlite3_stmt *s = store_cached(st, sql, err);
	json_t *v = NULL;
	int step;

	*rc = BATON_OK;
	if (!s) {
		*rc = err && err->code ? err->code : BATON_DB;
		return NULL;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		v = json_pack("{s:s, s:o}", "name", name, "title", col_json(s, 0));
	else if (step != SQLITE_DONE)
		*rc = store_fail(st, err, "cannot read");
	sqlite3_reset(s);
	return v;
}

/* ------------------------------------------------------------------------
 * Availability and escalation
 * ---------------------------------------------------------------------- */

/* Candidates of a role (every holder row, primaries first: kind is
 * 'primary' or 'backup') or of a person handler: person, as, since, until,
 * display name, email, status, absence covering ?2. The holder_role and
 * absence_person indexes (010_route.sql) give both orders without a sort. */
static const char holders_sql[] =
	"SELECT h.person, h.kind, h.since, h.until, p.display_name, p.email,"
	" p.status, a.to_date, a.reason"
	" FROM holder AS h LEFT JOIN person AS p ON p.name = h.person"
	" LEFT JOIN absence AS a ON a.rowid = (SELECT rowid FROM absence"
	"  WHERE person = h.person AND from_date <= ?2 AND to_date >= ?2"
	"  ORDER BY from_date, to_date LIMIT 1)"
	" WHERE h.role = ?1 ORDER BY h.kind DESC, h.ord";
static const char person_sql[] =
	"SELECT p.name, 'person', NULL, NULL, p.display_name, p.email,"
	" p.status, a.to_date, a.reason"
	" FROM person AS p"
	" LEFT JOIN absence AS a ON a.rowid = (SELECT rowid FROM absence"
	"  WHERE person = p.name AND from_date <= ?2 AND to_date >= ?2"
	"  ORDER BY from_date, to_date LIMIT 1)"
	" WHERE p.name = ?1";

enum { WHY_ENDED = 1, WHY_FUTURE = 2, WHY_LEFT = 4, WHY_ABSENT = 8,
       WHY_UNKNOWN = 16 };

/* One candidate row: the columns of holders_sql / person_sql (NULL for
 * SQL NULL), from SQLite or from the directory. */
struct cand {
	const char *person, *as, *since, *until, *display_name, *email, *status,
		   *absent_to, *reason;
	int ok;             /* the strings passed utf8_ok() (the directory) */
};

/* Judge one candidate on `on`: a contact or a skipped person, appended to
 * the list; *whys and *current as candidates() says. */
static enum baton_code add_candidate(const struct cand *c, const char *on,
				     struct strbuf *why, json_t *contacts,
				     json_t *skipped, int *whys, int *current,
				     struct baton_error *err)
{
	int w = 0;
	json_t *v;

	strbuf_reset(why);
	if (c->until && strcmp(c->until, on) < 0) {
		w = WHY_ENDED;
		strbuf_addstr(why, "holding ended ");
		strbuf_addstr(why, c->until);
	} else if (c->since && strcmp(c->since, on) > 0) {
		w = WHY_FUTURE;
		strbuf_addstr(why, "holding starts ");
		strbuf_addstr(why, c->since);
	} else if (!c->status) {
		w = WHY_UNKNOWN;
		strbuf_addstr(why, "not a known person");
	} else if (!strcmp(c->status, "left")) {
		w = WHY_LEFT;
		strbuf_addstr(why, "left");
	} else if (c->absent_to) {
		w = WHY_ABSENT;
		strbuf_addstr(why, "absent until ");
		strbuf_addstr(why, c->absent_to);
		if (c->reason && *c->reason) {
			strbuf_addstr(why, " (");
			strbuf_addstr(why, c->reason);
			strbuf_addch(why, ')');
		}
	}
	if (!(w & (WHY_ENDED | WHY_FUTURE)))
		(*current)++;
	*whys |= w;
	if (w)
		v = obj(3, "person", str_ok(c->person, c->ok),
			"as", str_ok(c->as, c->ok), "why", str_ok(why->buf, c->ok));
	else
		v = obj(4, "person", str_ok(c->person, c->ok),
			"displayName", str_ok(c->display_name, c->ok),
			"email", str_ok(c->email, c->ok), "as", str_ok(c->as, c->ok));
	if (!v || json_array_append_new(w ? skipped : contacts, v))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	return BATON_OK;
}

/* The candidates of role r from the directory, as holders_sql gives them:
 * the first absence of the person's run (from_date, to_date order) that
 * covers `on`. */
static enum baton_code dir_candidates(const struct route_dir *d,
				      const struct dir_role *r, const char *on,
				      struct strbuf *why, json_t *contacts,
				      json_t *skipped, int *whys, int *current,
				      struct baton_error *err)
{
	enum baton_code rc = BATON_OK;
	size_t i, k;

	for (i = r->first; i < r->first + r->n && !rc; i++) {
		const struct dir_holder *h = &d->holders[i];
		struct cand c = { h->person, h->kind, h->since, h->until,
				  NULL, NULL, NULL, NULL, NULL, 1 };

		if (h->person_ix >= 0) {
			const struct dir_person *p = &d->people[h->person_ix];

			c.display_name = p->display_name;
			c.email = p->email;
			c.status = p->status;
			for (k = p->first; k < p->first + p->n; k++) {
				const struct dir_absence *a = &d->absences[k];

				if (strcmp(a->from, on) <= 0 &&
				    strcmp(a->to, on) >= 0) {
					c.absent_to = a->to;
					c.reason = a->reason;
					break;
				}
			}
		}
		rc = add_candidate(&c, on, why, contacts, skipped, whys,
				   current, err);
	}
	return rc;
}

/* Evaluate who is available in role (or person handler) `name` on `on`:
 * append contacts to `contacts`, skipped people to `skipped`; *whys gets the
 * union of the skip reasons of people who held it on that date and *current
 * the number of them. `dr`, when not NULL, is the role in the directory d. */
static enum baton_code candidates(struct store *st, int is_person,
				  const char *name, const char *on,
				  const struct route_dir *d,
				  const struct dir_role *dr,
				  json_t *contacts, json_t *skipped,
				  int *whys, int *current,
				  struct baton_error *err)
{
	sqlite3_stmt *s;
	struct strbuf why = STRBUF_INIT;
	enum baton_code rc = BATON_OK;
	int step = SQLITE_DONE, found = 0;

	*whys = 0;
	*current = 0;
	if (dr && !is_person) {
		rc = dir_candidates(d, dr, on, &why, contacts, skipped, whys,
				    current, err);
		goto out;
	}
	if (!(s = store_cached(st, is_person ? person_sql : holders_sql, err)))
		return err && err->code ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, on, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct cand c;

		c.person = (const char *)sqlite3_column_text(s, 0);
		c.as = (const char *)sqlite3_column_text(s, 1);
		c.since = (const char *)sqlite3_column_text(s, 2);
		c.until = (const char *)sqlite3_column_text(s, 3);
		c.display_name = (const char *)sqlite3_column_text(s, 4);
		c.email = (const char *)sqlite3_column_text(s, 5);
		c.status = (const char *)sqlite3_column_text(s, 6);
		c.absent_to = (const char *)sqlite3_column_text(s, 7);
		c.reason = (const char *)sqlite3_column_text(s, 8);
		c.ok = 0;
		found = 1;
		if ((rc = add_candidate(&c, on, &why, contacts, skipped, whys,
					current, err)))
			break;
	}
	if (!rc && step != SQLITE_DONE)
		rc = store_fail(st, err, "cannot read");
	sqlite3_reset(s);
	if (!rc && is_person && !found) {
		json_t *v = json_pack("{s:s, s:s, s:s}", "person", name, "as",
				      "person", "why", "not a known person");

		*current = 1;
		*whys = WHY_UNKNOWN;
		if (!v || json_array_append_new(skipped, v))
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
	}
out:
	if (!rc && why.oom)
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
	strbuf_release(&why);
	return rc;
}

static const char *step_reason(int whys, int current)
{
	if (!current)
		return "vacant";
	whys &= ~(WHY_ENDED | WHY_FUTURE);
	if (whys == WHY_LEFT)
		return "left";
	if (whys == WHY_ABSENT)
		return "all absent";
	if (whys == WHY_UNKNOWN)
		return "unknown person";
	return "all absent or left";
}

static int in_list(const json_t *list, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(v), name))
			return 1;
	return 0;
}

/* The handler role as role_load() read it (role NULL: no such role). */
struct role_pre {
	json_t *role;
	char *reports;
	const struct dir_role *dr;  /* the role in the directory, if any */
};

/* Find the contacts for the handler of `rule` (handler kind/name given),
 * escalating as needed; fills doc's contacts, contactRole, escalated and
 * explain.steps; sets r->outcome/message on a dead end or a cycle. `pre`,
 * when not NULL, is the handler role as the caller already read it. */
static enum baton_code resolve(struct store *st, struct route_result *r,
			       const char *hkind, const char *hname,
			       const char *escalate_to, const char *on,
			       const struct role_pre *pre,
			       const struct route_dir *d, int names_ok,
			       struct baton_error *err)
{
	json_t *doc = r->doc;
	json_t *contacts = json_object_get(doc, "contacts");
	json_t *escalated = json_object_get(doc, "escalated");
	json_t *steps = json_object_get(json_object_get(doc, "explain"), "steps");
	json_t *visited = json_array();
	struct strbuf path = STRBUF_INIT;
	char *cur = strdup(hname), *reports = NULL;
	int is_person = !strcmp(hkind, "person"), first = 1;
	/* cur (and next) are valid UTF-8 (str_ok): the handler and escalateTo
	 * as the caller says, a reportsTo from the directory */
	int cur_ok = names_ok, next_ok;
	enum baton_code rc = BATON_OK;

	if (!visited || !cur) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		json_t *skipped = json_array(), *role = NULL, *stepv;
		const char *next, *reason;
		int whys = 0, current = 0;
		const struct dir_role *dr = NULL;

		free(reports);
		reports = NULL;
		if (!skipped || json_array_append_new(visited, str_ok(cur, cur_ok))) {
			json_decref(skipped);
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		if (!first)
			strbuf_addstr(&path, " -> ");
		if (is_person)
			strbuf_addstr(&path, "person:");
		strbuf_addstr(&path, cur);
		if (!is_person && first && pre) {
			/* the handler role, already read by the caller */
			role = json_incref(pre->role);
			dr = pre->dr;
			if (pre->reports && !(reports = strdup(pre->reports))) {
				json_decref(skipped);
				json_decref(role);
				rc = baton_fail(err, BATON_NOMEM, "out of memory");
				goto out;
			}
		} else if (!is_person) {
			role = role_load(st, d, cur, cur_ok, &reports, &dr, &rc,
					 err);
			if (rc) {
				json_decref(skipped);
				goto out;
			}
		}
		if (is_person || role)
			rc = candidates(st, is_person, cur, on, d, dr,
					contacts, skipped, &whys, &current,
					err);
		if (rc) {
			json_decref(skipped);
			json_decref(role);
			goto out;
		}
		reason = !is_person && !role ? "no such role"
					     : step_reason(whys, current);
		/* {role|person, title (roles only), skipped, reason (null
		 * once someone answers)} */
		if (role)
			stepv = obj(3, "role", str_ok(cur, cur_ok), "title",
				    json_incref(json_object_get(role, "title")),
				    "skipped", skipped);
		else
			stepv = obj(2, is_person ? "person" : "role",
				    str_ok(cur, cur_ok), "skipped", skipped);
		if (stepv && json_object_set_new_nocheck(stepv, "reason",
				json_array_size(contacts) ? json_null()
							  : str_ok(reason, 1))) {
			json_decref(stepv);
			stepv = NULL;
		}
		if (!stepv || json_array_append_new(steps, stepv)) {
			json_decref(role);
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		if (json_array_size(contacts)) {
			json_object_set_new(doc, "contactRole",
					    role ? role : json_null());
			goto out;
		}
		json_decref(role);
		next_ok = first && escalate_to ? names_ok : d != NULL;
		next = first && escalate_to ? escalate_to
					    : !is_person ? reports : NULL;
		if (json_array_append_new(escalated,
			obj(3, is_person ? "person" : "role", str_ok(cur, cur_ok),
			    "reason", str_ok(reason, 1),
			    "to", str_ok(next, next_ok)))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		if (!next) {
			r->outcome = ROUTE_DEAD_END;
			strbuf_addf(&path, " (%s, no %s)", reason,
				    is_person ? "escalateTo" : "reportsTo");
			r->message = strbuf_detach(&path);
			goto out;
		}
		if (in_list(visited, next)) {
			r->outcome = ROUTE_CYCLE;
			strbuf_addf(&path, " -> %s", next);
			r->message = strbuf_detach(&path);
			goto out;
		}
		free(cur);
		if (!(cur = strdup(next))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		cur_ok = next_ok;
		is_person = 0;
		first = 0;
	}
out:
	if (!rc && r->outcome != ROUTE_FOUND && !r->message)
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
	if (!rc && r->outcome == ROUTE_DEAD_END) {
		char *m = r->message;
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "no one available: escalation dead end: %s", m);
		free(m);
		if (!(r->message = strbuf_detach(&sb)))
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
	} else if (!rc && r->outcome == ROUTE_CYCLE) {
		char *m = r->message;
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "no one available: escalation cycle: %s", m);
		free(m);
		if (!(r->message = strbuf_detach(&sb)))
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
	}
	strbuf_release(&path);
	json_decref(visited);
	free(cur);
	free(reports);
	return rc;
}

/* ------------------------------------------------------------------------
 * Matching
 * ---------------------------------------------------------------------- */

/* Why rule b lost to the winner a (of rank ra). */
static const char *lost_why(const struct rule_entry *a,
			    const struct topic_rank *ra,
			    const struct rule_entry *b)
{
	struct topic_rank rb;

	topic_rank_of(b->topic, &rb);
	if (rb.literals != ra->literals)
		return "fewer literal segments";
	if (rb.doublestars != ra->doublestars)
		return "more '**' segments";
	if (rb.stars != ra->stars)
		return "more '*' segments";
	if (b->priority != a->priority)
		return "lower priority";
	return "name order";
}

/* Route by topic: *win is the winner in the rule cache (NULL when nothing
 * matched); it stays valid for the rest of the route. */
static enum baton_code match_topic(struct store *st, struct route_result *r,
				   const char *topic, int nalt,
				   const struct rule_entry **win,
				   long long *version, struct baton_error *err)
{
	struct route_cache *c = rules_index(st, topic, version, err);
	json_t *alts = json_object_get(r->doc, "alternatives");
	json_t *others = json_object_get(json_object_get(r->doc, "explain"),
					 "others");
	struct topic_rank win_rank;
	json_t *v2 = NULL;
	long few[16], *ids = NULL;
	size_t n, i;
	enum baton_code rc = BATON_OK;

	*win = NULL;
	if (!c)
		return err && err->code ? err->code : BATON_DB;
	/* most topics match a few rules: look up once into a small buffer */
	n = topic_index_lookup(c->idx, topic, few, sizeof(few) / sizeof(*few));
	if (!n)
		return BATON_OK;
	if (n <= sizeof(few) / sizeof(*few)) {
		ids = few;
	} else {
		if (!(ids = calloc(n, sizeof(*ids)))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		topic_index_lookup(c->idx, topic, ids, n);
	}
	/* the winner and the others are described from the cache of rules
	 * (the same snapshot, read once) */
	*win = &c->rules[ids[0]];
	topic_rank_of(c->rules[ids[0]].topic, &win_rank);
	for (i = 1; i < n; i++) {
		const struct rule_entry *e = &c->rules[ids[i]];
		/* shared by the two objects (strings are never changed) */
		json_t *name = str_ok(e->name, e->utf8);
		json_t *handler = str_ok(e->handler, e->utf8);
		json_t *lost = str_ok(lost_why(&c->rules[ids[0]], &win_rank, e), 1);
		json_t *a, *v = obj(5, "rule", json_incref(name),
				"topic", str_ok(e->topic, e->utf8),
				"handler", json_incref(handler),
				"priority", json_integer(e->priority),
				"lost", json_incref(lost));

		if (v && (int)json_array_size(alts) < nalt)
			v2 = obj(6, "rule", json_incref(name),
				 "role", strncmp(e->handler, "role:", 5)
					 ? json_null()
					 : str_ok(e->handler + 5, e->utf8),
				 "handler", json_incref(handler),
				 "score", json_null(),
				 "rank", json_integer((json_int_t)i + 1),
				 "lost", json_incref(lost));
		json_decref(name);
		json_decref(handler);
		json_decref(lost);
		if (!v || json_array_append_new(others, v) ||
		    ((int)json_array_size(alts) < nalt &&
		     (a = v2, v2 = NULL, json_array_append_new(alts, a)))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	json_decref(v2);
	if (ids != few)
		free(ids);
	return rc;
}

/* Whether the hits (best first) hold a winner (the first with a handler)
 * and `nalt` other handlers after it: then longer lists of hits, of which
 * these are the first, give match_text the same answer. */
static int text_hits_enough(json_t *list, int nalt)
{
	const char *win = NULL;
	const char *seen[64];
	int nseen = 0, j;
	size_t i;
	json_t *h;

	json_array_foreach(list, i, h) {
		const char *role = json_string_value(json_object_get(h, "handler"));

		if (!role)
			continue;
		if (!win) {
			win = role;
			continue;
		}
		if (nseen >= nalt)
			return 1;
		for (j = 0; j < nseen && strcmp(seen[j], role); j++)
			;
		if (j == nseen && strcmp(role, win))
			seen[nseen++] = role;
		if (nseen >= (int)(sizeof(seen) / sizeof(seen[0])))
			return 0;
	}
	return win && nseen >= nalt;
}

/* The first 50 hits for text, as match_text needs them: the first 10 when
 * they are enough (text_hits_enough), which is cheaper to rank. */
static enum baton_code text_hits(struct store *st, const char *text, int nalt,
				 json_t **hits, struct baton_error *err)
{
	enum baton_code rc;
	json_t *list;

	if ((rc = search_text(st, text, 10, hits, err)))
		return rc;
	list = json_object_get(*hits, "results");
	if (json_array_size(list) < 10 || text_hits_enough(list, nalt))
		return BATON_OK;
	json_decref(*hits);
	*hits = NULL;
	return search_text(st, text, 50, hits, err);
}

/* Route by text: the best hit becomes the match; *rule set when it is a
 * rule, *target to its "kind:name" handler. */
static enum baton_code match_text(struct store *st, struct route_result *r,
				  const char *text, int nalt, json_t **rule,
				  char **target, struct baton_error *err)
{
	json_t *hits = NULL, *list, *h, *alts = json_object_get(r->doc,
								 "alternatives");
	enum baton_code rc;
	size_t i;
	const char *win_role = NULL;

	*rule = NULL;
	*target = NULL;
	if ((rc = text_hits(st, text, nalt, &hits, err)))
		return rc;
	list = json_object_get(hits, "results");
	json_array_foreach(list, i, h) {
		const char *role = json_string_value(json_object_get(h, "handler"));
		const char *kind = json_string_value(json_object_get(h, "kind"));
		const char *name = json_string_value(json_object_get(h, "name"));

		if (!role)
			continue;
		if (!win_role) {
			win_role = role;
			if (!(*target = strdup(role))) {
				rc = baton_fail(err, BATON_NOMEM, "out of memory");
				goto out;
			}
			json_object_set(r->doc, "match", h);
			if (!strcmp(kind, "rule")) {
				*rule = rule_load(st, name, &rc, err);
				if (rc)
					goto out;
			} else if (!strcmp(kind, "process")) {
				json_t *p = process_load(st, name, &rc, err);

				if (rc)
					goto out;
				json_object_set_new(r->doc, "process",
						    p ? p : json_null());
			}
			continue;
		}
		if ((int)json_array_size(alts) >= nalt)
			break;
		if (!strcmp(role, win_role))
			continue;
		{
			size_t j;
			json_t *a;
			int dup = 0;

			json_array_foreach(alts, j, a)
				if (!strcmp(jstr_or(a, "handler"), role))
					dup = 1;
			if (dup)
				continue;
		}
		if (json_array_append_new(alts, json_pack("{s:o, s:O, s:s, s:O, s:O, s:O}",
			"rule", !strcmp(kind, "rule") ? json_string(name) : json_null(),
			"role", json_object_get(h, "role"),
			"handler", role, "score", json_object_get(h, "score"),
			"kind", json_object_get(h, "kind"),
			"name", json_object_get(h, "name")))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	json_decref(hits);
	return rc;
}

/* ------------------------------------------------------------------------
 * No match: suggestions
 * ---------------------------------------------------------------------- */

struct near {
	size_t dist;
	const struct rule_entry *e;
};

static int cmp_near(const void *x, const void *y)
{
	const struct near *a = x, *b = y;

	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return strcmp(a->e->topic, b->e->topic);
}

static enum baton_code suggest(struct store *st, struct route_result *r,
			       const char *topic, const char *text,
			       long long *version, struct baton_error *err)
{
	json_t *sug = json_pack("{s:[], s:[]}", "topics", "text");
	json_t *topics, *hits = NULL, *h;
	struct strbuf words = STRBUF_INIT;
	struct near *near = NULL;
	enum baton_code rc = BATON_OK;
	size_t i, n = 0;

	if (!sug)
		return baton_fail(err, BATON_NOMEM, "out of memory");
	topics = json_object_get(sug, "topics");
	if (topic && *topic) {
		struct route_cache *c = rules_index(st, NULL, version, err);
		char *norm = topic_normalize(topic);

		if (!c || !norm) {
			free(norm);
			rc = c ? baton_fail(err, BATON_NOMEM, "out of memory")
			       : (err && err->code ? err->code : BATON_DB);
			goto out;
		}
		near = calloc(c->nrules + 1, sizeof(*near));
		if (!near) {
			free(norm);
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < c->nrules; i++) {
			near[n].dist = edit_distance(norm, c->rules[i].topic, 256);
			near[n++].e = &c->rules[i];
		}
		free(norm);
		qsort(near, n, sizeof(*near), cmp_near);
		for (i = 0; i < n && json_array_size(topics) < 3; i++) {
			size_t j;
			json_t *t;
			int dup = 0;

			json_array_foreach(topics, j, t)
				if (!strcmp(jstr_or(t, "topic"), near[i].e->topic))
					dup = 1;
			if (!dup && json_array_append_new(topics,
				json_pack("{s:s, s:s}", "topic", near[i].e->topic,
					  "rule", near[i].e->name))) {
				rc = baton_fail(err, BATON_NOMEM, "out of memory");
				goto out;
			}
		}
		strbuf_addstr(&words, topic);
		strbuf_addch(&words, ' ');
	}
	if (text)
		strbuf_addstr(&words, text);
	if (words.oom) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = search_text(st, words.buf, 3, &hits, err)))
		goto out;
	json_array_foreach(json_object_get(hits, "results"), i, h) {
		if (json_array_append_new(json_object_get(sug, "text"),
			json_pack("{s:O, s:O, s:O, s:O, s:O}", "role",
				  json_object_get(h, "role"), "kind",
				  json_object_get(h, "kind"), "name",
				  json_object_get(h, "name"), "title",
				  json_object_get(h, "title"), "handler",
				  json_object_get(h, "handler")))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
	}
	json_object_set(r->doc, "suggestions", sug);
out:
	json_decref(sug);
	json_decref(hits);
	free(near);
	strbuf_release(&words);
	return rc;
}

/* ------------------------------------------------------------------------
 * Resolve
 * ---------------------------------------------------------------------- */

/* The winning rule's fields a route uses, from the rule cache (a topic
 * route) or from rule_load()'s object (a text route); the strings belong to
 * either. NULL where the column is NULL. */
struct winner {
	const char *name, *topic, *title, *kind, *hname, *escalate_to,
		   *process;
	json_int_t priority;
};

/* Fill w from the cache entry e or, when e is NULL, from rule_load()'s
 * object (kind is only set then: an entry's handler is already
 * "kind:name"). */
static void winner_of(const struct rule_entry *e, const json_t *rule,
		      struct winner *w)
{
	if (e) {
		w->name = e->name;
		w->topic = e->topic;
		w->title = e->title;
		w->kind = NULL;
		w->hname = e->handler + e->kind_len + 1;
		w->escalate_to = e->escalate_to;
		w->process = e->process;
		w->priority = e->priority;
		return;
	}
	w->name = json_string_value(json_object_get(rule, "name"));
	w->topic = json_string_value(json_object_get(rule, "topic"));
	w->title = json_string_value(json_object_get(rule, "title"));
	w->kind = jstr_or(rule, "handlerKind");
	w->hname = jstr_or(rule, "handlerName");
	w->escalate_to = json_string_value(json_object_get(rule, "escalateTo"));
	w->process = json_string_value(json_object_get(rule, "process"));
	w->priority = json_integer_value(json_object_get(rule, "priority"));
}

static const char *const outcome_names[] = {
	"found", "no-match", "dead-end", "cycle"
};

static enum baton_code resolve_query(struct store *st,
				     const struct route_query *q,
				     struct route_result **out,
				     struct baton_error *err)
{
	const char *topic = q->topic && *q->topic ? q->topic : NULL;
	const char *text = q->text && *q->text ? q->text : NULL;
	const char *on = q->on ? q->on : st->today;
	int nalt = q->alternatives > 0 ? q->alternatives : 5;
	struct route_result *r = NULL;
	struct role_pre pre = { NULL, NULL, NULL };
	struct route_dir *dir = NULL;
	long long version = -1;     /* PRAGMA data_version, read once */
	const struct rule_entry *win = NULL;
	json_t *rule = NULL;        /* the winner of a text route */
	struct winner w = { 0 };
	/* the winner's strings are valid UTF-8 (str_ok): a cached rule that
	 * passed utf8_ok, or a text route's (jansson strings already) */
	int names_ok = 1;
	char *target = NULL;
	struct strbuf sb = STRBUF_INIT;
	enum baton_code rc = BATON_OK;
	const char *hkind, *hname, *colon;

	*out = NULL;
	if (!topic && !text)
		return baton_fail(err, BATON_USAGE, "give a topic or some text to route");
	if (!date_valid(on))
		return baton_fail(err, BATON_USAGE,
				  "the date must be YYYY-MM-DD, got '%s'", on);
	if (!(r = calloc(1, sizeof(*r))))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	r->doc = obj(13,
		     "query", obj(3, "topic", str_or_null(topic),
				  "text", str_or_null(text),
				  "on", json_string(on)),
		     "via", json_null(), "rule", json_null(),
		     "handler", json_null(), "role", json_null(),
		     "contactRole", json_null(), "contacts", json_array(),
		     "escalated", json_array(), "process", json_null(),
		     "alternatives", json_array(),
		     "explain", obj(3, "winner", json_null(),
				    "others", json_array(),
				    "steps", json_array()),
		     "outcome", json_null(), "message", json_null());
	if (!r->doc) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	if (topic) {
		if ((rc = match_topic(st, r, topic, nalt, &win, &version, err)))
			goto out;
		if (win)
			json_object_set_new(r->doc, "via", str_ok("topic", 1));
	}
	if (!win && text) {
		if ((rc = match_text(st, r, text, nalt, &rule, &target, err)))
			goto out;
		if (target)
			json_object_set_new(r->doc, "via", str_ok("text", 1));
	}
	if (!win && !rule && !target) {
		r->outcome = ROUTE_NO_MATCH;
		if (topic && text)
			strbuf_addf(&sb, "no rule matches topic '%s' and nothing matches '%s'",
				    topic, text);
		else if (topic)
			strbuf_addf(&sb, "no rule matches topic '%s'", topic);
		else
			strbuf_addf(&sb, "nothing matches '%s'", text);
		if (!(r->message = strbuf_detach(&sb))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = suggest(st, r, topic, text, &version, err)))
			goto out;
		goto done;
	}
	if (win || rule) {
		json_t *name, *rtopic, *prio;

		winner_of(win, rule, &w);
		names_ok = win ? win->utf8 : 1;
		name = str_ok(w.name, names_ok);
		rtopic = str_ok(w.topic, names_ok);
		prio = json_integer(w.priority);
		json_object_set_new(r->doc, "rule",
			obj(4, "name", json_incref(name),
			    "topic", json_incref(rtopic),
			    "title", str_ok(w.title, names_ok),
			    "priority", json_incref(prio)));
		json_object_set_new(json_object_get(r->doc, "explain"), "winner",
			obj(3, "rule", name, "topic", rtopic, "priority", prio));
		free(target);
		if (win) {
			target = strdup(win->handler);
		} else {
			strbuf_reset(&sb);
			strbuf_addstr(&sb, w.kind);
			strbuf_addch(&sb, ':');
			strbuf_addstr(&sb, w.hname);
			target = strdup(sb.buf);
		}
		if (!target) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		if (w.process) {
			json_t *p = process_load(st, w.process, &rc, err);

			if (rc)
				goto out;
			json_object_set_new(r->doc, "process", p ? p : json_null());
		}
	}
	json_object_set_new(r->doc, "handler", str_ok(target, names_ok));
	colon = strchr(target, ':');
	if (!colon) {
		rc = baton_fail(err, BATON_DB, "corrupt handler '%s'", target);
		goto out;
	}
	target[colon - target] = '\0';
	hkind = target;
	hname = colon + 1;
	if ((rc = directory(st, &dir, &version, err)))
		goto out;
	if (!strcmp(hkind, "role")) {
		pre.role = role_load(st, dir, hname, names_ok, &pre.reports,
				     &pre.dr, &rc, err);
		if (rc)
			goto out;
		json_object_set(r->doc, "role", pre.role ? pre.role : json_null());
	}
	if ((rc = resolve(st, r, hkind, hname,
			  win || rule ? w.escalate_to : NULL,
			  on, strcmp(hkind, "role") ? NULL : &pre, dir, names_ok,
			  err)))
		goto out;
done:
	json_object_set_new(r->doc, "outcome",
			    str_ok(outcome_names[r->outcome], 1));
	json_object_set_new(r->doc, "message", str_or_null(r->message));
	*out = r;
	r = NULL;
out:
	json_decref(pre.role);
	free(pre.reports);
	json_decref(rule);
	free(target);
	strbuf_release(&sb);
	route_result_free(r);
	return rc;
}

/* One read transaction around the whole resolution when the caller holds
 * none: every query sees the same snapshot, and SQLite takes its WAL read
 * lock (fcntl and a stat of the file) once instead of once per query. */
enum baton_code route_resolve(struct store *st, const struct route_query *q,
			      struct route_result **out,
			      struct baton_error *err)
{
	enum baton_code rc;
	int began;

	*out = NULL;
	if ((rc = store_read_begin(st, &began, err)))
		return rc;
	rc = resolve_query(st, q, out, err);
	store_read_end(st, began);
	return rc;
}

json_t *route_result_to_json(const struct route_result *r)
{
	return r ? json_incref(r->doc) : NULL;
}

void route_result_free(struct route_result *r)
{
	if (!r)
		return;
	json_decref(r->doc);
	free(r->message);
	free(r);
}
