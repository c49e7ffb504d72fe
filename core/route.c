/* route.c - route a request to a rule, a role and people; see route.h.
 *
 * A route writes down what it found as C data (struct route_answer), from
 * which route_result_to_json() makes one JSON document, so the CLI, the web
 * pages and the API all render the same data (explanation included).
 *
 * Topic index cache: struct store is shared with every module, so the index
 * is not a field of it; instead it hangs off the SQLite connection. The
 * first route on a connection registers a dummy SQL function whose user
 * data is the cache and whose destructor frees it when the connection
 * closes; a small registry (mutex-protected, the web server has threads)
 * finds the cache from the sqlite3 handle. An entry can never outlive its
 * connection, so a reused handle address never sees a stale index. The
 * same cache holds the directory (roles, holders, people, absences) that
 * routes read instead of SQL once it is loaded (see dir_load()); a warm
 * route that finds both current opens no transaction (route_resolve()).
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
 * again (ans_str). */
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
	int process_found;  /* the process exists; its title: */
	char *process_title;
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

/* n bytes aligned to `align` (a power of two) in a list of chunks that
 * never move, each of at least `min` bytes; NULL when out of memory. */
static void *chunk_alloc(struct dir_chunk **head, size_t n, size_t align,
			 size_t min)
{
	struct dir_chunk *ch = *head;
	size_t at = ch ? (ch->used + align - 1) & ~(align - 1) : 0;

	if (!ch || at > ch->size || ch->size - at < n) {
		size_t size = n > min ? n : min;

		if (!(ch = malloc(sizeof(*ch) + size)))
			return NULL;
		ch->size = size;
		ch->next = *head;
		*head = ch;
		at = 0;
	}
	ch->used = at + n;
	return ch->data + at;
}

static void chunks_free(struct dir_chunk *ch)
{
	struct dir_chunk *next;

	for (; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
}

static void dir_free(struct route_dir *d)
{
	if (!d)
		return;
	chunks_free(d->chunks);
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
	char *p;

	if (!t)
		return NULL;
	len = (size_t)sqlite3_column_bytes(s, i) + 1;
	if (!(p = chunk_alloc(&d->chunks, len, 1,
			      65536 - sizeof(struct dir_chunk)))) {
		*oom = 1;
		return NULL;
	}
	memcpy(p, t, len);
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
	static const char handlers_sql[] =
		"SELECT DISTINCT handler_name FROM rule"
		" WHERE handler_kind = 'person'";
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
	/* the people who hold something or handle a rule themselves, by
	 * name */
	alloc = d->nholders;
	if (d->nholders && !(names = malloc(d->nholders * sizeof(*names)))) {
		oom = 1;
		goto out;
	}
	for (i = 0; i < d->nholders; i++)
		names[i] = d->holders[i].person;
	nnames = d->nholders;
	if (!(s = store_cached(st, handlers_sql, err))) {
		rc = err && err->code ? err->code : BATON_DB;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (!plain_text(s, 0))
			continue;   /* never matches a person's name */
		if (!(g = grow(names, sizeof(*names), nnames, &alloc))) {
			oom = 1;
			break;
		}
		names = g;
		/* a text column: NULL only when out of memory (oom set) */
		if (!(names[nnames] = dir_col(d, s, 0, &oom)))
			break;
		nnames++;
	}
	sqlite3_reset(s);
	if (oom || (step != SQLITE_ROW && step != SQLITE_DONE))
		goto out;
	if (nnames > 1)
		qsort(names, nnames, sizeof(*names), cmp_str);
	for (i = j = 0; i < nnames; i++)
		if (!j || strcmp(names[j - 1], names[i]))
			names[j++] = names[i];
	nnames = j;
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

/* How a route may read. fast: route_resolve found the caches current by
 * store_data_version_now and opened no transaction, so the route
 * reads the caches only (at snapshot `version`); anything that would need
 * SQL sets need_sql and fails, and route_resolve runs the route again in a
 * read transaction. */
struct route_mode {
	int fast;
	int need_sql;
	long long version;
};

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
	size_t fast;        /* routes answered with no transaction (tests) */
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
		free(c->rules[i].process_title);
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
				       struct route_mode *mode,
				       struct baton_error *err)
{
#define RULE_COLUMNS \
	"SELECT r.name, r.topic, r.priority," \
	" r.handler_kind || ':' || r.handler_name, r.title, r.escalate_to," \
	" r.process, length(r.handler_kind), p.name IS NOT NULL, p.title" \
	" FROM rule AS r"
#define RULE_PROCESS " LEFT JOIN process AS p ON p.name = r.process"
	static const char rules_sql[] = RULE_COLUMNS RULE_PROCESS
		" WHERE r.topic IS NOT NULL ORDER BY r.name";
	/* in index order: the topic index orders the rules itself, and names
	 * are unique, so the order of adding never decides */
	static const char bucket_sql[] = RULE_COLUMNS
		" INDEXED BY rule_bucket" RULE_PROCESS
		" WHERE r.topic IS NOT NULL AND " RULE_BUCKET " IN (?1, '')";
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
	if (mode && mode->fast) {
		mode->need_sql = 1;
		return NULL;
	}
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
		e->process_found = sqlite3_column_int(s, 8);
		e->process_title = dup_col_null(s, 9, &oom);
		e->utf8 = utf8_ok(e->name) && utf8_ok(e->topic) &&
			  utf8_ok(e->handler) && utf8_ok(e->title) &&
			  utf8_ok(e->escalate_to) && utf8_ok(e->process) &&
			  utf8_ok(e->process_title);
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
				 long long *version, struct route_mode *mode,
				 struct baton_error *err)
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
	if (mode && mode->fast) {
		mode->need_sql = 1;
		return BATON_DB;
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

size_t route_fast_routes(struct store *st)
{
	struct route_cache *c = cache_for(st, NULL);

	return c ? c->fast : 0;
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

/* ------------------------------------------------------------------------
 * The answer, kept as C data until its JSON is asked for
 * ---------------------------------------------------------------------- */

/* A route writes down what it found here, and route_result_to_json() makes
 * the document of route.h from it: building that document's sixty-odd
 * jansson values was two thirds of a warm topic route, and the route
 * itself needs none of them. Every string is a copy in the answer's chunks
 * (the caches a later change frees are not referred to), checked once to
 * be valid UTF-8, jansson's condition for a string, so that the document
 * takes them unchecked. Copy failures are sticky (oom, bad) and turned
 * into the route's error at its end; a route stops early on one. */

/* Lists keep their nodes in the chunks, in order; a node's first member is
 * its `next`. */
struct ans_list {
	void *head;
	void **tail;
};

struct ans_skip {
	void *next;
	const char *person, *as, *why;
};

struct ans_contact {
	void *next;
	const char *person, *display_name, *email, *as;
};

/* {"name","title"} of a role; found 0: null */
struct ans_role {
	int found;
	const char *name, *title;
};

struct ans_step {
	void *next;
	const char *key, *name;     /* key: "role" or "person" */
	struct ans_role role;       /* found: the step has its title */
	struct ans_list skipped;
	const char *reason;         /* NULL once someone answers */
};

struct ans_escalation {
	void *next;
	const char *key, *name, *reason, *to;
};

/* Another rule that matched a topic: in explain.others, and (the first
 * ones) in the alternatives with its rank. */
struct ans_other {
	void *next;
	const char *rule, *topic, *handler, *lost;
	int priority, rank;
};

struct route_answer {
	struct dir_chunk *chunks;
	int oom, bad;               /* a copy failed; a text was not UTF-8 */
	struct route_mode *mode;    /* how the route reads (not the answer) */
	const char *topic, *text, *on, *via, *handler;
	int has_rule;
	const char *rule_name, *rule_topic, *rule_title;
	json_int_t rule_priority;
	struct ans_role role, contact_role, process;
	struct ans_list contacts, escalated, steps, others, alts;
	/* text routes and misses, as search.c gives them */
	json_t *match, *text_alts, *suggestions;
};

enum { ANS_CHUNK = 2048 - sizeof(struct dir_chunk) };

/* s in a's chunks (NULL for NULL); `ok`: s is known to be valid UTF-8
 * (utf8_ok passed when it was loaded, a literal, or made of such parts),
 * else it is checked here. */
static const char *ans_str(struct route_answer *a, const char *s, int ok)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	if (!ok && !utf8_ok(s)) {
		a->bad = 1;
		return NULL;
	}
	n = strlen(s) + 1;
	if (!(p = chunk_alloc(&a->chunks, n, 1, ANS_CHUNK))) {
		a->oom = 1;
		return NULL;
	}
	return memcpy(p, s, n);
}

/* A new zeroed node of `size` bytes at the end of l; NULL (a->oom set)
 * when out of memory. */
static void *ans_add(struct route_answer *a, struct ans_list *l, size_t size)
{
	void **node = chunk_alloc(&a->chunks, size, sizeof(void *), ANS_CHUNK);

	if (!node) {
		a->oom = 1;
		return NULL;
	}
	memset(node, 0, size);
	*(l->tail ? l->tail : &l->head) = node;
	l->tail = node;
	return node;
}

/* 1 when the route may not read by SQL (a fast route, see struct
 * route_mode): it is then to run again in a transaction. */
static int sql_denied(struct route_answer *a)
{
	if (!a->mode || !a->mode->fast)
		return 0;
	a->mode->need_sql = 1;
	return 1;
}

/* What went wrong while writing a down, as the route's error. */
static enum baton_code ans_check(const struct route_answer *a,
				 struct baton_error *err)
{
	if (a->oom)
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (a->bad)
		return baton_fail(err, BATON_DB,
				  "the database holds text that is not valid UTF-8");
	return BATON_OK;
}

static void ans_free(struct route_answer *a)
{
	if (!a)
		return;
	chunks_free(a->chunks);
	json_decref(a->match);
	json_decref(a->text_alts);
	json_decref(a->suggestions);
	free(a);
}

/* The document (route.h) */

static json_t *jstr(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

static json_t *role_json(const struct ans_role *r)
{
	return r->found ? obj(2, "name", jstr(r->name), "title", jstr(r->title))
			: json_null();
}

/* An array of fn(node) for every node of l; NULL when out of memory. */
static json_t *list_json(const struct ans_list *l, json_t *(*fn)(const void *))
{
	json_t *arr = json_array();
	const void *n;

	for (n = l->head; arr && n; n = *(void *const *)n) {
		if (json_array_append_new(arr, fn(n))) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static json_t *contact_json(const void *n)
{
	const struct ans_contact *c = n;

	return obj(4, "person", jstr(c->person),
		   "displayName", jstr(c->display_name),
		   "email", jstr(c->email), "as", jstr(c->as));
}

static json_t *skip_json(const void *n)
{
	const struct ans_skip *k = n;

	return obj(3, "person", jstr(k->person), "as", jstr(k->as),
		   "why", jstr(k->why));
}

static json_t *step_json(const void *n)
{
	const struct ans_step *p = n;

	if (p->role.found)
		return obj(4, "role", jstr(p->name), "title",
			   jstr(p->role.title), "skipped",
			   list_json(&p->skipped, skip_json),
			   "reason", jstr(p->reason));
	return obj(3, p->key, jstr(p->name),
		   "skipped", list_json(&p->skipped, skip_json),
		   "reason", jstr(p->reason));
}

static json_t *escalation_json(const void *n)
{
	const struct ans_escalation *e = n;

	return obj(3, e->key, jstr(e->name), "reason", jstr(e->reason),
		   "to", jstr(e->to));
}

static json_t *other_json(const void *n)
{
	const struct ans_other *o = n;

	return obj(5, "rule", jstr(o->rule), "topic", jstr(o->topic),
		   "handler", jstr(o->handler),
		   "priority", json_integer(o->priority),
		   "lost", jstr(o->lost));
}

static json_t *alt_json(const void *n)
{
	const struct ans_other *o = n;

	return obj(6, "rule", jstr(o->rule),
		   "role", o->handler && !strncmp(o->handler, "role:", 5)
			   ? jstr(o->handler + 5) : json_null(),
		   "handler", jstr(o->handler), "score", json_null(),
		   "rank", json_integer(o->rank), "lost", jstr(o->lost));
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

/* Role `name` in *out ({"name","title"}; found 0 when there is no such
 * role; name_ok: see ans_str), its reportsTo in *reports (malloc'd or
 * NULL). With a directory d, read from it and *dr set to the role there
 * (NULL when absent); else read by SQL. */
static enum baton_code role_load(struct store *st, const struct route_dir *d,
				 struct route_answer *a, const char *name,
				 int name_ok, char **reports,
				 const struct dir_role **dr, struct ans_role *out,
				 struct baton_error *err)
{
	static const char sql[] =
		"SELECT title, reports_to FROM role WHERE name = ?1";
	const char *reports_to = NULL;
	sqlite3_stmt *s = NULL;
	enum baton_code rc = BATON_OK;
	int step;

	*reports = NULL;
	*dr = NULL;
	memset(out, 0, sizeof(*out));
	if (d) {
		const struct dir_role *r = dir_role_find(d, name);

		if (!r)
			return BATON_OK;
		*dr = r;
		out->title = ans_str(a, r->title, 1);
		reports_to = r->reports_to;
	} else {
		if (sql_denied(a))
			return BATON_DB;
		if (!(s = store_cached(st, sql, err)))
			return err && err->code ? err->code : BATON_DB;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
		if (step != SQLITE_ROW) {
			if (step != SQLITE_DONE)
				rc = store_fail(st, err, "cannot read");
			sqlite3_reset(s);
			return rc;
		}
		out->title = ans_str(a, (const char *)sqlite3_column_text(s, 0), 0);
		reports_to = (const char *)sqlite3_column_text(s, 1);
	}
	out->found = 1;
	out->name = ans_str(a, name, name_ok);
	if (reports_to && !(*reports = strdup(reports_to)))
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
	if (s)
		sqlite3_reset(s);
	return rc;
}

/* Process `name` (name_ok: see ans_str) in a->process; found 0 when there
 * is none. */
static enum baton_code process_load(struct store *st, struct route_answer *a,
				    const char *name, int name_ok,
				    struct baton_error *err)
{
	static const char sql[] = "SELECT title FROM process WHERE name = ?1";
	sqlite3_stmt *s;
	enum baton_code rc = BATON_OK;
	int step;

	memset(&a->process, 0, sizeof(a->process));
	if (sql_denied(a))
		return BATON_DB;
	if (!(s = store_cached(st, sql, err)))
		return err && err->code ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		a->process.found = 1;
		a->process.name = ans_str(a, name, name_ok);
		a->process.title = ans_str(a, (const char *)sqlite3_column_text(s, 0), 0);
	} else if (step != SQLITE_DONE) {
		rc = store_fail(st, err, "cannot read");
	}
	sqlite3_reset(s);
	return rc;
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

/* Judge one candidate on `on`: a contact (a->contacts) or a skipped
 * person (the step's), written down; *whys and *current as candidates()
 * says. */
static void add_candidate(const struct cand *c, const char *on,
			  struct strbuf *why, struct route_answer *a,
			  struct ans_step *step, int *whys, int *current)
{
	int w = 0;

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
	if (w) {
		struct ans_skip *k = ans_add(a, &step->skipped, sizeof(*k));

		if (k) {
			k->person = ans_str(a, c->person, c->ok);
			k->as = ans_str(a, c->as, c->ok);
			k->why = ans_str(a, why->buf, c->ok);
		}
	} else {
		struct ans_contact *k = ans_add(a, &a->contacts, sizeof(*k));

		if (k) {
			k->person = ans_str(a, c->person, c->ok);
			k->display_name = ans_str(a, c->display_name, c->ok);
			k->email = ans_str(a, c->email, c->ok);
			k->as = ans_str(a, c->as, c->ok);
		}
	}
}

/* Person p's columns of holders_sql and person_sql in c: the first
 * absence of the person's run (from_date, to_date order) that covers
 * `on`. */
static void dir_person_on(const struct route_dir *d, const struct dir_person *p,
			  const char *on, struct cand *c)
{
	size_t k;

	c->display_name = p->display_name;
	c->email = p->email;
	c->status = p->status;
	for (k = p->first; k < p->first + p->n; k++) {
		const struct dir_absence *ab = &d->absences[k];

		if (strcmp(ab->from, on) <= 0 && strcmp(ab->to, on) >= 0) {
			c->absent_to = ab->to;
			c->reason = ab->reason;
			return;
		}
	}
}

/* The candidates of role r from the directory, as holders_sql gives them:
 * the first absence of the person's run (from_date, to_date order) that
 * covers `on`. */
static void dir_candidates(const struct route_dir *d, const struct dir_role *r,
			   const char *on, struct strbuf *why,
			   struct route_answer *a, struct ans_step *step,
			   int *whys, int *current)
{
	size_t i;

	for (i = r->first; i < r->first + r->n; i++) {
		const struct dir_holder *h = &d->holders[i];
		struct cand c = { h->person, h->kind, h->since, h->until,
				  NULL, NULL, NULL, NULL, NULL, 1 };

		if (h->person_ix >= 0)
			dir_person_on(d, &d->people[h->person_ix], on, &c);
		add_candidate(&c, on, why, a, step, whys, current);
	}
}

/* Evaluate who is available in role (or person handler) `name` on `on`:
 * contacts to a->contacts, skipped people to the step; *whys gets the
 * union of the skip reasons of people who held it on that date and
 * *current the number of them. `dr`, when not NULL, is the role in the
 * directory d. */
static enum baton_code candidates(struct store *st, int is_person,
				  const char *name, int name_ok,
				  const char *on, const struct route_dir *d,
				  const struct dir_role *dr,
				  struct route_answer *a, struct ans_step *step,
				  int *whys, int *current,
				  struct baton_error *err)
{
	sqlite3_stmt *s;
	struct strbuf why = STRBUF_INIT;
	enum baton_code rc = BATON_OK;
	int step_rc = SQLITE_DONE, found = 0;

	*whys = 0;
	*current = 0;
	if (dr && !is_person) {
		dir_candidates(d, dr, on, &why, a, step, whys, current);
		goto out;
	}
	if (d && is_person) {
		/* as person_sql reads it */
		int ix = person_index(d, name);

		if (ix >= 0) {
			struct cand c = { d->people[ix].name, "person", NULL,
					  NULL, NULL, NULL, NULL, NULL, NULL,
					  1 };

			dir_person_on(d, &d->people[ix], on, &c);
			found = 1;
			add_candidate(&c, on, &why, a, step, whys, current);
		}
		goto unknown;
	}
	if (sql_denied(a))
		return BATON_DB;
	if (!(s = store_cached(st, is_person ? person_sql : holders_sql, err)))
		return err && err->code ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, on, -1, SQLITE_STATIC);
	while ((step_rc = sqlite3_step(s)) == SQLITE_ROW) {
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
		add_candidate(&c, on, &why, a, step, whys, current);
	}
	if (step_rc != SQLITE_DONE)
		rc = store_fail(st, err, "cannot read");
	sqlite3_reset(s);
unknown:
	if (!rc && is_person && !found) {
		struct ans_skip *k = ans_add(a, &step->skipped, sizeof(*k));

		*current = 1;
		*whys = WHY_UNKNOWN;
		if (k) {
			k->person = ans_str(a, name, name_ok);
			k->as = "person";
			k->why = "not a known person";
		}
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

/* Whether a step of the route so far was `name`. */
static int in_steps(const struct route_answer *a, const char *name)
{
	const struct ans_step *p;

	for (p = a->steps.head; p; p = p->next)
		if (p->name && !strcmp(p->name, name))
			return 1;
	return 0;
}

/* The handler role as role_load() read it (role.found 0: no such role). */
struct role_pre {
	struct ans_role role;
	char *reports;
	const struct dir_role *dr;  /* the role in the directory, if any */
};

/* Find the contacts for the handler of `rule` (handler kind/name given),
 * escalating as needed: writes down the contacts, contactRole, escalated
 * and the steps; sets r->outcome/message on a dead end or a cycle. `pre`,
 * when not NULL, is the handler role as the caller already read it. */
static enum baton_code resolve(struct store *st, struct route_result *r,
			       const char *hkind, const char *hname,
			       const char *escalate_to, const char *on,
			       const struct role_pre *pre,
			       const struct route_dir *d, int names_ok,
			       struct baton_error *err)
{
	struct route_answer *a = r->answer;
	struct strbuf path = STRBUF_INIT;
	char *cur = strdup(hname), *reports = NULL;
	int is_person = !strcmp(hkind, "person"), first = 1;
	/* cur (and next) are valid UTF-8 (ans_str): the handler and escalateTo
	 * as the caller says, a reportsTo from the directory */
	int cur_ok = names_ok, next_ok;
	enum baton_code rc = BATON_OK;

	if (!cur) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		struct ans_step *step = ans_add(a, &a->steps, sizeof(*step));
		struct ans_escalation *esc;
		const char *next, *reason;
		int whys = 0, current = 0;
		const struct dir_role *dr = NULL;

		free(reports);
		reports = NULL;
		if (!step)
			goto out;
		step->key = is_person ? "person" : "role";
		/* a name that could not be written down ends the route (its
		 * error); the cycle check below needs every name */
		if (!(step->name = ans_str(a, cur, cur_ok)))
			goto out;
		if (!first)
			strbuf_addstr(&path, " -> ");
		if (is_person)
			strbuf_addstr(&path, "person:");
		strbuf_addstr(&path, cur);
		if (!is_person && first && pre) {
			/* the handler role, already read by the caller */
			step->role = pre->role;
			dr = pre->dr;
			if (pre->reports && !(reports = strdup(pre->reports))) {
				rc = baton_fail(err, BATON_NOMEM, "out of memory");
				goto out;
			}
		} else if (!is_person &&
			   (rc = role_load(st, d, a, cur, cur_ok, &reports, &dr,
					   &step->role, err))) {
			goto out;
		}
		if ((is_person || step->role.found) &&
		    (rc = candidates(st, is_person, cur, cur_ok, on, d, dr, a,
				     step, &whys, &current, err)))
			goto out;
		reason = !is_person && !step->role.found
				 ? "no such role" : step_reason(whys, current);
		if (a->contacts.head) {
			a->contact_role = step->role;
			goto out;
		}
		step->reason = reason;
		next_ok = first && escalate_to ? names_ok : d != NULL;
		next = first && escalate_to ? escalate_to
					    : !is_person ? reports : NULL;
		if (!(esc = ans_add(a, &a->escalated, sizeof(*esc))))
			goto out;
		esc->key = step->key;
		esc->name = step->name;
		esc->reason = reason;
		esc->to = ans_str(a, next, next_ok);
		if (a->oom || a->bad)
			goto out;
		if (!next) {
			r->outcome = ROUTE_DEAD_END;
			strbuf_addf(&path, " (%s, no %s)", reason,
				    is_person ? "escalateTo" : "reportsTo");
			r->message = strbuf_detach(&path);
			goto out;
		}
		if (in_steps(a, next)) {
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
	if (!rc)
		rc = ans_check(a, err);
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
 * matched); it stays valid for the rest of the route. The other matching
 * rules are written down (explain.others, the first nalt of them as the
 * alternatives). */
static enum baton_code match_topic(struct store *st, struct route_result *r,
				   const char *topic, int nalt,
				   const struct rule_entry **win,
				   long long *version, struct baton_error *err)
{
	struct route_answer *a = r->answer;
	struct route_cache *c = rules_index(st, topic, version, a->mode, err);
	struct topic_rank win_rank;
	long few[16], *ids = NULL;
	size_t n, i;
	int nalts = 0;

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
		if (!(ids = calloc(n, sizeof(*ids))))
			return baton_fail(err, BATON_NOMEM, "out of memory");
		topic_index_lookup(c->idx, topic, ids, n);
	}
	/* the winner and the others are described from the cache of rules
	 * (the same snapshot, read once) */
	*win = &c->rules[ids[0]];
	topic_rank_of(c->rules[ids[0]].topic, &win_rank);
	for (i = 1; i < n && !a->oom && !a->bad; i++) {
		const struct rule_entry *e = &c->rules[ids[i]];
		struct ans_other *o = ans_add(a, &a->others, sizeof(*o));

		if (!o)
			break;
		o->rule = ans_str(a, e->name, e->utf8);
		o->topic = ans_str(a, e->topic, e->utf8);
		o->handler = ans_str(a, e->handler, e->utf8);
		o->lost = lost_why(&c->rules[ids[0]], &win_rank, e);
		o->priority = e->priority;
		o->rank = (int)i + 1;
		if (nalts < nalt) {
			/* the same strings, another node of the other list */
			struct ans_other *alt = ans_add(a, &a->alts, sizeof(*alt));

			if (alt)
				*alt = (struct ans_other){ NULL, o->rule, o->topic,
							   o->handler, o->lost,
							   o->priority, o->rank };
			nalts++;
		}
	}
	if (ids != few)
		free(ids);
	return ans_check(a, err);
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
	struct route_answer *a = r->answer;
	json_t *hits = NULL, *list, *h, *alts = NULL;
	enum baton_code rc;
	size_t i;
	const char *win_role = NULL;

	*rule = NULL;
	*target = NULL;
	if ((rc = text_hits(st, text, nalt, &hits, err)))
		return rc;
	if (!(alts = a->text_alts = json_array())) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
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
			a->match = json_incref(h);
			if (!strcmp(kind, "rule")) {
				*rule = rule_load(st, name, &rc, err);
				if (rc)
					goto out;
			} else if (!strcmp(kind, "process") &&
				   (rc = process_load(st, a, name, 1, err))) {
				goto out;
			}
			continue;
		}
		if ((int)json_array_size(alts) >= nalt)
			break;
		if (!strcmp(role, win_role))
			continue;
		{
			size_t j;
			json_t *x;
			int dup = 0;

			json_array_foreach(alts, j, x)
				if (!strcmp(jstr_or(x, "handler"), role))
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

static enum baton_code suggest(struct store *st, struct route_answer *a,
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
		struct route_cache *c = rules_index(st, NULL, version, a->mode,
						    err);
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
	a->suggestions = json_incref(sug);
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
				     struct route_mode *mode,
				     struct route_result **out,
				     struct baton_error *err)
{
	const char *topic = q->topic && *q->topic ? q->topic : NULL;
	const char *text = q->text && *q->text ? q->text : NULL;
	const char *on = q->on ? q->on : st->today;
	int nalt = q->alternatives > 0 ? q->alternatives : 5;
	struct route_result *r = NULL;
	struct route_answer *a;
	struct role_pre pre = { { 0, NULL, NULL }, NULL, NULL };
	struct route_dir *dir = NULL;
	/* PRAGMA data_version, read once (given to a fast route) */
	long long version = mode->fast ? mode->version : -1;
	const struct rule_entry *win = NULL;
	json_t *rule = NULL;        /* the winner of a text route */
	struct winner w = { 0 };
	/* the winner's strings are valid UTF-8 (ans_str): a cached rule that
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
	if (!utf8_ok(topic) || !utf8_ok(text))
		return baton_fail(err, BATON_USAGE, "the %s is not valid UTF-8",
				  utf8_ok(topic) ? "text" : "topic");
	if (!(r = calloc(1, sizeof(*r))) ||
	    !(r->answer = a = calloc(1, sizeof(*a)))) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	a->mode = mode;
	a->topic = ans_str(a, topic, 1);
	a->text = ans_str(a, text, 1);
	a->on = ans_str(a, on, 1);
	if ((rc = ans_check(a, err)))
		goto out;
	if (topic) {
		if ((rc = match_topic(st, r, topic, nalt, &win, &version, err)))
			goto out;
		if (win)
			a->via = "topic";
	}
	/* text and misses search the database */
	if (!win && sql_denied(a)) {
		rc = BATON_DB;
		goto out;
	}
	if (!win && text) {
		if ((rc = match_text(st, r, text, nalt, &rule, &target, err)))
			goto out;
		if (target)
			a->via = "text";
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
		if ((rc = suggest(st, a, topic, text, &version, err)))
			goto out;
		goto done;
	}
	if (win || rule) {
		winner_of(win, rule, &w);
		names_ok = win ? win->utf8 : 1;
		a->has_rule = 1;
		a->rule_name = ans_str(a, w.name, names_ok);
		a->rule_topic = ans_str(a, w.topic, names_ok);
		a->rule_title = ans_str(a, w.title, names_ok);
		a->rule_priority = w.priority;
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
		if (w.process && win) {
			/* read with the rule (rules_index) */
			a->process.found = win->process_found;
			if (win->process_found) {
				a->process.name = ans_str(a, w.process, names_ok);
				a->process.title = ans_str(a, win->process_title,
							   names_ok);
			}
		} else if (w.process &&
			   (rc = process_load(st, a, w.process, names_ok, err))) {
			goto out;
		}
	}
	a->handler = ans_str(a, target, names_ok);
	if ((rc = ans_check(a, err)))
		goto out;
	colon = strchr(target, ':');
	if (!colon) {
		rc = baton_fail(err, BATON_DB, "corrupt handler '%s'", target);
		goto out;
	}
	target[colon - target] = '\0';
	hkind = target;
	hname = colon + 1;
	if ((rc = directory(st, &dir, &version, mode, err)))
		goto out;
	if (!strcmp(hkind, "role")) {
		if ((rc = role_load(st, dir, a, hname, names_ok, &pre.reports,
				    &pre.dr, &pre.role, err)))
			goto out;
		a->role = pre.role;
	}
	if ((rc = resolve(st, r, hkind, hname,
			  win || rule ? w.escalate_to : NULL,
			  on, strcmp(hkind, "role") ? NULL : &pre, dir, names_ok,
			  err)))
		goto out;
done:
	*out = r;
	r = NULL;
out:
	free(pre.reports);
	json_decref(rule);
	free(target);
	strbuf_release(&sb);
	route_result_free(r);
	return rc;
}

/* Whether c's rules and directory are those of the snapshot they were
 * last checked on. */
static int caches_current(const struct route_cache *c)
{
	return c->valid && c->dir && c->dir_version == c->data_version &&
	       c->dir_changes == c->changes;
}

/* A route reads one snapshot. When the caller holds no transaction and
 * the caches are those of the database's current version (read by
 * store_data_version_now, which runs no statement while SQLite's WAL index
 * says nothing was committed) and this connection wrote nothing since,
 * the route runs on the caches alone with no transaction: a read
 * transaction costs three system calls (two fcntl locks and an fstat),
 * about 5 us on a virtual machine, more than the rest of a topic route.
 * Otherwise, or when the route needs SQL after all (free text, a miss, a
 * topic of another bucket), one read transaction around the whole
 * resolution when the caller holds none: every query sees the same
 * snapshot, and SQLite takes its WAL read lock once instead of once per
 * query. */
enum baton_code route_resolve(struct store *st, const struct route_query *q,
			      struct route_result **out,
			      struct baton_error *err)
{
	struct route_cache *c = cache_for(st, NULL);
	struct route_mode mode = { 0, 0, -1 };
	long long version;
	int began;
	enum baton_code rc;

	*out = NULL;
	/* (rules_index and directory() make the same test again in the
	 * route: this one only spares a route that would stop half-way) */
	if (c && !c->no_dir && sqlite3_get_autocommit(st->db) &&
	    caches_current(c) &&
	    c->changes == sqlite3_total_changes64(st->db) &&
	    !store_data_version_now(st, &version, NULL) &&
	    version == c->data_version) {
		mode.fast = 1;
		mode.version = version;
		rc = resolve_query(st, q, &mode, out, err);
		if (!mode.need_sql) {
			c->fast++;
			return rc;
		}
		mode = (struct route_mode){ 0, 0, -1 };
	}
	if ((rc = store_read_begin(st, &began, err)))
		return rc;
	rc = resolve_query(st, q, &mode, out, err);
	/* inside the caller's write transaction the caches may now hold what
	 * it wrote and may still roll back, which changes neither
	 * data_version nor the count of changes: they are dropped */
	if (c && !began &&
	    sqlite3_txn_state(st->db, "main") == SQLITE_TXN_WRITE) {
		cache_clear(c);
		dir_free(c->dir);
		c->dir = NULL;
	}
	store_read_end(st, began);
	return rc;
}

json_t *route_result_to_json(const struct route_result *r)
{
	const struct route_answer *a;
	json_t *doc, *alts;

	if (!r || !(a = r->answer))
		return NULL;
	if (a->text_alts)
		alts = json_incref(a->text_alts);
	else
		alts = list_json(&a->alts, alt_json);
	doc = obj(13,
		  "query", obj(3, "topic", jstr(a->topic), "text", jstr(a->text),
			       "on", jstr(a->on)),
		  "via", jstr(a->via),
		  "rule", a->has_rule ? obj(4, "name", jstr(a->rule_name),
					    "topic", jstr(a->rule_topic),
					    "title", jstr(a->rule_title),
					    "priority", json_integer(a->rule_priority))
				      : json_null(),
		  "handler", jstr(a->handler),
		  "role", role_json(&a->role),
		  "contactRole", role_json(&a->contact_role),
		  "contacts", list_json(&a->contacts, contact_json),
		  "escalated", list_json(&a->escalated, escalation_json),
		  "process", role_json(&a->process),
		  "alternatives", alts,
		  "explain", obj(3,
			"winner", a->has_rule ? obj(3, "rule", jstr(a->rule_name),
						    "topic", jstr(a->rule_topic),
						    "priority", json_integer(a->rule_priority))
					      : json_null(),
			"others", list_json(&a->others, other_json),
			"steps", list_json(&a->steps, step_json)),
		  "outcome", jstr(outcome_names[r->outcome]),
		  "message", r->message ? json_string(r->message) : json_null());
	if (doc && a->match &&
	    json_object_set_new_nocheck(doc, "match", json_incref(a->match))) {
		json_decref(doc);
		doc = NULL;
	}
	if (doc && a->suggestions &&
	    json_object_set_new_nocheck(doc, "suggestions",
					json_incref(a->suggestions))) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

void route_result_free(struct route_result *r)
{
	if (!r)
		return;
	ans_free(r->answer);
	free(r->message);
	free(r);
}
