/* server.c - `baton serve`: HTTP front end of pages and JSON API.
 *
 * Threading: libmicrohttpd runs its own listening/polling threads
 * (MHD_USE_INTERNAL_POLLING_THREAD with epoll where the library has it, poll
 * otherwise) and a pool of WORKERS threads that each answer their share of
 * connections. Each worker lazily opens its own read-only store, kept in a
 * thread-specific slot whose destructor closes it when MHD ends the thread.
 * Writes (login, ticking a handover item...) open a short-lived read-write
 * store, so a worker never holds a write lock between requests.
 *
 * Request life cycle, as in libmicrohttpd's simplepost example: the URI log
 * callback allocates the per-request state (it is the only place that sees
 * the raw, still percent-encoded URI, which we decode strictly ourselves);
 * the first handler call checks method and sizes; later calls collect the
 * body; the last one answers; the completed callback frees everything.
 * Handlers never write to the connection themselves: they fill a struct
 * reply which send_reply turns into a response with the security headers.
 */
#include "server.h"
#include "auth.h"
#include "graph.h"
#include "page.h"
#include "params.h"
#include "query.h"
#include "audit.h"
#include "handover.h"
#include "journal.h"
#include "cache.h"
#include "route.h"
#include "store.h"
#include "strbuf.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

enum {
	WORKERS = 2,             /* thread pool: one per core of the target box */
	MEMORY_LIMIT = 16 * 1024,/* per-connection buffer (MHD: 414/431 above);
				    MHD zeroes it for every request */
	URL_MAX = 2048,          /* request target bytes, else 414 */
	HEADER_MAX = 8192,       /* all header names and values, else 431 */
	BODY_MAX = 16 * 1024,    /* request body, else 413 */
	MAX_SEGS = 8,            /* path segments */
	CACHE_ENTRIES = 128,     /* route answers kept per worker ... */
	CACHE_BODY_MAX = 32 * 1024, /* ... each at most this long */
	MAX_PARAMS = 16          /* query or form fields */
};

static const char SESSION_COOKIE[] = "baton_session";
static const char CSP[] =
	"default-src 'none'; style-src 'self'; img-src 'self' data:; "
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/* ------------------------------------------------------------------ */
/* Per-request state                                                   */
/* ------------------------------------------------------------------ */

struct server {
	const struct web_config *cfg;
	pthread_key_t store_key;
	pthread_key_t cache_key;      /* the worker's answer_cache */
	pthread_key_t summary_key;    /* its own one for the home page's audit
				         summary (route answers never evict it) */
	long session_seconds;    /* cfg->session_seconds or the default */
};

struct request {
	char *uri;          /* raw request target, from the URI log callback */
	int started;        /* the first handler call happened */
	struct strbuf body;
	int body_too_big;
};

struct reply {
	int status;
	const char *ctype;
	struct strbuf body;
	char cookie[200];   /* Set-Cookie value, "" for none */
	const char *location;
	char location_buf[160]; /* storage for a computed location */
	const char *allow;
	int www_auth;       /* add WWW-Authenticate: Bearer */
	int cache;          /* cacheable static asset */
};

struct ctx {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *uri;              /* the raw request target */
	int api;                      /* under /api/v1/: answer in JSON */
	char *seg[MAX_SEGS];
	int nseg;
	struct param query[MAX_PARAMS];
	int nquery;
	struct param form[MAX_PARAMS];
	int nform;
	const char *rawbody;
	size_t rawlen;
	struct store *st;             /* this worker's read-only store */
	char now[32], today[11];
	char user[64];                /* token name of the session, "" if none */
	char sid[AUTH_HEX_LEN];       /* session id from the cookie */
	char csrf[AUTH_HEX_LEN];
	struct page_ctx page;
	struct reply *r;
};

/* ------------------------------------------------------------------ */
/* Decoding                                                            */
/* ------------------------------------------------------------------ */

/* Split the raw target into decoded path segments and query params. */
static int parse_target(struct ctx *x, const char *uri)
{
	return web_parse_target(uri, x->seg, &x->nseg, MAX_SEGS, x->query,
				&x->nquery, MAX_PARAMS);
}

static void ctx_release(struct ctx *x)
{
	int i;

	for (i = 0; i < x->nseg; i++)
		free(x->seg[i]);
	for (i = 0; i < x->nquery; i++) {
		free(x->query[i].key);
		free(x->query[i].value);
	}
	for (i = 0; i < x->nform; i++) {
		free(x->form[i].key);
		free(x->form[i].value);
	}
	sodium_memzero(x->sid, sizeof(x->sid));
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 431: return "Request Header Fields Too Large";
	default: return "Internal Server Error";
	}
}

static void reply_json(struct ctx *x, int status, const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

	strbuf_reset(&x->r->body);
	x->r->status = status;
	x->r->ctype = "application/json";
	if (!s) {
		x->r->status = 500;
		strbuf_addstr(&x->r->body, "{\"error\": \"out of memory\"}\n");
		return;
	}
	strbuf_addstr(&x->r->body, s);
	strbuf_addch(&x->r->body, '\n');
	free(s);
}

/* An error in the shape the client expects: {"error":…} or an HTML page. */
static void reply_error(struct ctx *x, int status, const char *msg)
{
	x->r->status = status;
	if (x->api) {
		json_t *j = json_pack("{s:s}", "error", msg ? msg : reason(status));

		reply_json(x, status, j);
		x->r->status = status;
		json_decref(j);
		return;
	}
	strbuf_reset(&x->r->body);
	x->r->ctype = "text/html; charset=utf-8";
	page_error(&x->r->body, &x->page, status, reason(status), msg);
}

static void reply_method(struct ctx *x, const char *allow)
{
	x->r->allow = allow;
	reply_error(x, 405, "method not allowed here");
}

/* The outcome of a core call as an HTTP error. */
static void reply_core(struct ctx *x, enum baton_code rc,
		       const struct baton_error *err)
{
	const char *msg = err->n ? err->diags[0].message : baton_code_str(rc);

	switch (rc) {
	case BATON_NOTFOUND: reply_error(x, 404, msg); break;
	case BATON_INVALID:
	case BATON_USAGE: reply_error(x, 400, msg); break;
	case BATON_CONFLICT: reply_error(x, 409, msg); break;
	default:
		fprintf(stderr, "baton: serve: %s %s: %s\n", x->method,
			x->nseg ? x->seg[0] : "/", msg);
		reply_error(x, 500, "internal error; see the server log");
	}
}

static void reply_redirect(struct ctx *x, const char *location)
{
	x->r->status = 303;
	x->r->location = location;
	x->r->ctype = "text/plain; charset=utf-8";
	strbuf_reset(&x->r->body);
	strbuf_addstr(&x->r->body, "see other\n");
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct reply *r)
{
	static const char oom[] = "out of memory\n";
	struct MHD_Response *resp;
	size_t len = r->body.len;
	char *buf = strbuf_ok(&r->body) ? strbuf_detach(&r->body) : NULL;
	enum MHD_Result ret;

	if (!buf) {
		strbuf_release(&r->body);
		r->status = 500;
		r->ctype = "text/plain; charset=utf-8";
		resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(buf);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->ctype ? r->ctype : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				r->cache ? "public, max-age=3600" : "no-store");
	if (r->cookie[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->cookie);
	if (r->location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->www_auth)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"baton\"");
	ret = MHD_queue_response(c, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Stores and clock                                                    */
/* ------------------------------------------------------------------ */

static void store_destroy(void *p)
{
	store_free(p);
}

static void set_clock(struct ctx *x)
{
	const char *fixed = x->srv->cfg->fixed_now;
	time_t t = time(NULL);
	struct tm tm;

	if (fixed && strlen(fixed) == 20) {
		snprintf(x->now, sizeof(x->now), "%s", fixed);
	} else {
		gmtime_r(&t, &tm);
		strftime(x->now, sizeof(x->now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	snprintf(x->today, sizeof(x->today), "%.10s", x->now);
}

static void cache_destroy(void *p)
{
	answer_cache_free(p);
}

/* The worker's cache under `key`, of `entries` answers, made on first
 * use; NULL when out of memory (answers are then simply not cached). */
static struct answer_cache *worker_cache_of(pthread_key_t key, size_t entries)
{
	struct answer_cache *c = pthread_getspecific(key);

	if (!c && (c = answer_cache_new(entries, CACHE_BODY_MAX)) &&
	    pthread_setspecific(key, c)) {
		answer_cache_free(c);
		c = NULL;
	}
	return c;
}

/* This worker's cache of API answers. */
static struct answer_cache *worker_cache(struct ctx *x)
{
	return worker_cache_of(x->srv->cache_key, CACHE_ENTRIES);
}

/* The data version of the request's snapshot (see cache.h); -1 when it
 * cannot be read (answers are then not cached). */
static long long data_version(struct store *st)
{
	long long v;

	return store_data_version_now(st, &v, NULL) ? -1 : v;
}

/* This worker's read-only store, opened on first use. */
static struct store *read_store(struct ctx *x, struct baton_error *err)
{
	struct store *st = pthread_getspecific(x->srv->store_key);

	if (!st) {
		if (store_open(x->srv->cfg->db_path, STORE_READONLY, &st, err))
			return NULL;
		if (pthread_setspecific(x->srv->store_key, st)) {
			store_free(st);
			baton_fail(err, BATON_NOMEM, "cannot keep the worker's store");
			return NULL;
		}
	}
	store_set_actor(st, "web");
	store_set_clock(st, x->now, x->today);
	return st;
}

/* A short-lived read-write store acting as `actor`; store_free it. */
static struct store *write_store(struct ctx *x, const char *actor,
				 struct baton_error *err)
{
	struct store *st = NULL;

	if (store_open(x->srv->cfg->db_path, 0, &st, err))
		return NULL;
	store_set_actor(st, actor);
	store_set_clock(st, x->now, x->today);
	return st;
}

/* ------------------------------------------------------------------ */
/* Authentication                                                      */
/* ------------------------------------------------------------------ */

/* The session from the cookie, if any and alive. */
static void load_session(struct ctx *x)
{
	struct baton_error err = BATON_ERROR_INIT;
	const char *sid = MHD_lookup_connection_value(x->conn, MHD_COOKIE_KIND,
						      SESSION_COOKIE);

	if (sid && strlen(sid) == 64 &&
	    auth_session_find(x->st, sid, (long long)time(NULL), x->user, &err) ==
	    BATON_OK) {
		snprintf(x->sid, sizeof(x->sid), "%s", sid);
		auth_csrf(x->sid, x->csrf);
		x->page.user = x->user;
		x->page.csrf = x->csrf;
	} else {
		x->user[0] = '\0';
	}
	baton_error_release(&err);
}

/* May this request write? 0 with the writer's name in `who`, or an HTTP
 * status with the reason in *msg. A bearer token needs no CSRF token (a
 * browser never sends one on its own); a session cookie does. */
static int authorize(struct ctx *x, char who[64], const char **msg)
{
	struct baton_error err = BATON_ERROR_INIT;
	const char *auth = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	const char *csrf;
	enum baton_code rc;

	who[0] = '\0';
	if (x->srv->cfg->read_only) {
		*msg = "this server is read-only";
		return 403;
	}
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7)) {
			*msg = "the Authorization header must be 'Bearer TOKEN'";
			x->r->www_auth = 1;
			return 401;
		}
		rc = auth_token_find(x->st, auth + 7, who, &err);
		baton_error_release(&err);
		if (rc == BATON_OK)
			return 0;
		*msg = rc == BATON_NOTFOUND ? "unknown or revoked token"
					    : "cannot check the token";
		x->r->www_auth = 1;
		return rc == BATON_NOTFOUND ? 401 : 500;
	}
	if (!x->user[0]) {
		*msg = "log in or send 'Authorization: Bearer TOKEN'";
		x->r->www_auth = 1;
		return 401;
	}
	csrf = web_param(x->form, x->nform, "csrf");
	if (!csrf)
		csrf = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND,
						   "X-CSRF-Token");
	if (!auth_csrf_ok(x->sid, csrf)) {
		*msg = "missing or wrong CSRF token; reload the page and try again";
		return 403;
	}
	snprintf(who, 64, "%s", x->user);
	return 0;
}

static int is_form(struct ctx *x)
{
	const char *ct = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);

	return ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33);
}

static void do_login(struct ctx *x)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *w = NULL;
	const char *token = web_param(x->form, x->nform, "token");
	char who[64], sid[AUTH_HEX_LEN];
	enum baton_code rc;

	if (x->srv->cfg->read_only) {
		reply_error(x, 403, "this server is read-only: there is nothing to log in to");
		goto out;
	}
	rc = token ? auth_token_find(x->st, token, who, &err) : BATON_NOTFOUND;
	if (rc == BATON_NOTFOUND) {
		x->r->status = 401;
		x->r->ctype = "text/html; charset=utf-8";
		strbuf_reset(&x->r->body);
		page_login(&x->r->body, &x->page, "unknown or revoked token");
		goto out;
	}
	if (rc) {
		reply_core(x, rc, &err);
		goto out;
	}
	if (!(w = write_store(x, who, &err))) {
		reply_core(x, err.code, &err);
		goto out;
	}
	if ((rc = store_begin(w, &err)) ||
	    (rc = auth_session_create(w, who,
				      (long long)time(NULL) + x->srv->session_seconds,
				      sid, &err)) ||
	    (rc = auth_token_touch(w, who, &err)) ||
	    (rc = store_commit(w, &err))) {
		store_rollback(w);
		reply_core(x, rc, &err);
		goto out;
	}
	snprintf(x->r->cookie, sizeof(x->r->cookie),
		 "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld",
		 SESSION_COOKIE, sid, x->srv->session_seconds);
	sodium_memzero(sid, sizeof(sid));
	reply_redirect(x, "/");
out:
	store_free(w);
	baton_error_release(&err);
}

static void do_logout(struct ctx *x)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *w = NULL;
	char who[64];
	const char *msg = NULL;
	int status;

	if (!x->user[0]) {
		reply_redirect(x, "/");
		goto out;
	}
	if ((status = authorize(x, who, &msg))) {
		reply_error(x, status, msg);
		goto out;
	}
	if (!(w = write_store(x, who, &err)) ||
	    auth_session_delete(w, x->sid, &err)) {
		reply_core(x, err.code, &err);
		goto out;
	}
	snprintf(x->r->cookie, sizeof(x->r->cookie),
		 "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", SESSION_COOKIE);
	reply_redirect(x, "/");
out:
	store_free(w);
	baton_error_release(&err);
}

/* ------------------------------------------------------------------ */
/* Reads: pages and API                                                */
/* ------------------------------------------------------------------ */

typedef enum baton_code (*one_fn)(struct store *, const char *, json_t **,
				  struct baton_error *);
typedef void (*list_page_fn)(struct strbuf *, const struct page_ctx *,
			     const json_t *);

struct collection {
	const char *seg;
	enum kind kind;
	list_page_fn list_page;
	one_fn one;
	list_page_fn one_page;
};

static const struct collection collections[] = {
	{ "people", KIND_PERSON, page_people, query_person, page_person },
	{ "roles", KIND_ROLE, page_roles, query_role, page_role },
	{ "teams", KIND_TEAM, page_teams, query_team, page_team },
	{ "processes", KIND_PROCESS, page_processes, query_process, page_process },
	{ "rules", KIND_RULE, page_rules, NULL, NULL },
};

static const struct collection *find_collection(const char *seg)
{
	size_t i;

	for (i = 0; i < sizeof(collections) / sizeof(collections[0]); i++)
		if (!strcmp(collections[i].seg, seg))
			return &collections[i];
	return NULL;
}

static int is_get(const struct ctx *x)
{
	return !strcmp(x->method, "GET") || !strcmp(x->method, "HEAD");
}

/* Answer with v: as JSON under /api, else through the page builder. */
static void reply_view(struct ctx *x, const json_t *v, list_page_fn page)
{
	if (x->api) {
		reply_json(x, 200, v);
		return;
	}
	x->r->status = 200;
	x->r->ctype = "text/html; charset=utf-8";
	page(&x->r->body, &x->page, v);
}

/* GET /people, /people/NAME, ... and the same under /api/v1. */
static void serve_collection(struct ctx *x, const struct collection *col,
			     char **seg, int nseg)
{
	struct baton_error err = BATON_ERROR_INIT;
	json_t *v = NULL;
	enum baton_code rc;

	if (nseg > 2 || (nseg == 2 && !col->one)) {
		reply_error(x, 404, "no such page");
		goto out;
	}
	if (!is_get(x)) {
		reply_method(x, "GET, HEAD");
		goto out;
	}
	if (nseg == 1)
		rc = query_list(x->st, col->kind,
				web_param(x->query, x->nquery, "team"), &v, &err);
	else
		rc = col->one(x->st, seg[1], &v, &err);
	if (rc)
		reply_core(x, rc, &err);
	else
		reply_view(x, v, nseg == 1 ? col->list_page : col->one_page);
out:
	json_decref(v);
	baton_error_release(&err);
}

/* The audit's summary for the home page. The audit reads the whole
 * organisation (seconds at 100,000 people), so its summary is kept in a
 * one-answer cache of the worker's own (route answers, however many, never
 * evict it), stamped like the route answers: it is recomputed only after a
 * commit or when the day turns. */
static enum baton_code audit_summary(struct ctx *x, json_t **out,
				     struct baton_error *err)
{
	static const char key[] = "audit summary";
	struct answer_cache *cache = worker_cache_of(x->srv->summary_key, 1);
	long long version = cache ? data_version(x->st) : -1;
	struct audit_opts ao;
	json_t *rep = NULL;
	const char *body;
	size_t len;
	int status;
	enum baton_code rc;
	char *text;

	*out = NULL;
	if (version >= 0 && answer_cache_get(cache, key, version, x->today,
					     &status, &body, &len) &&
	    (*out = json_loadb(body, len, 0, NULL)))
		return BATON_OK;
	memset(&ao, 0, sizeof(ao));
	if ((rc = audit_run(x->st, &ao, &rep, err)))
		return rc;
	*out = json_incref(json_object_get(rep, "summary"));
	json_decref(rep);
	if (!*out)
		return baton_fail(err, BATON_NOMEM, "out of memory");
	if (version >= 0 && (text = json_dumps(*out, JSON_COMPACT))) {
		answer_cache_put(cache, key, version, x->today, 200, text,
				 strlen(text));
		free(text);
	}
	return BATON_OK;
}

static enum baton_code home_load(struct ctx *x, json_t **out,
				 struct baton_error *err)
{
	struct store *st = x->st;
	static const char sql[] =
		"SELECT json_object("
		" 'leaving', (SELECT json_group_array(json_object('name', name,"
		"   'displayName', display_name, 'leavingOn', leaving_on))"
		"   FROM (SELECT * FROM person WHERE status = 'leaving'"
		"   ORDER BY leaving_on IS NULL, leaving_on, name)),"
		" 'absent', (SELECT json_group_array(json_object('name', name,"
		"   'displayName', display_name, 'to', to_date, 'reason', reason))"
		"   FROM (SELECT p.name, p.display_name, a.to_date, a.reason"
		"   FROM absence a JOIN person p ON p.name = a.person"
		"   WHERE a.from_date <= ?1 AND a.to_date >= ?1 AND p.status <> 'left'"
		"   ORDER BY p.name)))";
	const char *params[1] = { st->today };
	json_t *sum = NULL;
	enum baton_code rc;

	if ((rc = query_json(st, sql, params, 1, out, err)))
		return rc;
	if ((rc = query_summary(st, &sum, err))) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_object_set_new(*out, "summary", sum);
	if ((rc = audit_summary(x, &sum, err))) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	json_object_set_new(*out, "audit", sum);
	{
		json_t *open = NULL;

		if ((rc = handover_list(st, 1, &open, err))) {
			json_decref(*out);
			*out = NULL;
			return rc;
		}
		json_object_set_new(*out, "handovers", open);
	}
	json_object_set_new(*out, "search", json_true());
	return BATON_OK;
}

static void serve_home(struct ctx *x)
{
	struct baton_error err = BATON_ERROR_INIT;
	json_t *v = NULL;
	enum baton_code rc;

	if (!is_get(x)) {
		reply_method(x, "GET, HEAD");
		goto out;
	}
	if ((rc = home_load(x, &v, &err))) {
		reply_core(x, rc, &err);
		goto out;
	}
	reply_view(x, v, page_home);
out:
	json_decref(v);
	baton_error_release(&err);
}

static void serve_map(struct ctx *x)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf svg = STRBUF_INIT;
	json_t *g = NULL, *teams = NULL;
	const char *team = web_param(x->query, x->nquery, "team");
	enum baton_code rc;

	if (!is_get(x)) {
		reply_method(x, "GET, HEAD");
		goto out;
	}
	if (team && !*team)
		team = NULL;
	if ((rc = graph_load(x->st, team, &g, &err)) ||
	    (rc = query_list(x->st, KIND_TEAM, NULL, &teams, &err))) {
		reply_core(x, rc, &err);
		goto out;
	}
	graph_svg(&svg, g);
	x->r->status = 200;
	x->r->ctype = "text/html; charset=utf-8";
	page_map(&x->r->body, &x->page, team, teams, svg.buf);
	if (!strbuf_ok(&svg))
		x->r->body.oom = 1;
out:
	strbuf_release(&svg);
	json_decref(g);
	json_decref(teams);
	baton_error_release(&err);
}

/* GET /route?topic=&q=&on= (page) and /api/v1/route (JSON). */
static void serve_route(struct ctx *x)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct route_query rq;
	struct route_result *res = NULL;
	struct answer_cache *cache = NULL;
	long long version = -1;
	json_t *doc = NULL, *q = NULL;
	enum baton_code rc;

	if (!is_get(x)) {
		reply_method(x, "GET, HEAD");
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.topic = web_param(x->query, x->nquery, "topic");
	rq.text = web_param(x->query, x->nquery, "q");
	rq.on = web_param(x->query, x->nquery, "on");
	if (rq.on && !*rq.on)
		rq.on = NULL;
	if ((!rq.topic || !*rq.topic) && (!rq.text || !*rq.text)) {
		if (x->api)
			reply_error(x, 400, "give a topic (topic=...) or text (q=...)");
		else
			reply_redirect(x, "/");
		goto out;
	}
	/* The API answer is a function of the target, the snapshot and the
	 * day: serve it from the worker's cache while those hold. */
	if (x->api && (cache = worker_cache(x)) &&
	    (version = data_version(x->st)) >= 0) {
		int status;
		const char *body;
		size_t len;

		if (answer_cache_get(cache, x->uri, version, x->today, &status,
				     &body, &len)) {
			strbuf_reset(&x->r->body);
			strbuf_add(&x->r->body, body, len);
			x->r->status = status;
			x->r->ctype = "application/json";
			goto out;
		}
	}
	if ((rc = route_resolve(x->st, &rq, &res, &err))) {
		reply_core(x, rc, &err);
		goto out;
	}
	if (!(doc = route_result_to_json(res))) {
		reply_error(x, 500, "out of memory");
		goto out;
	}
	if (res->outcome == ROUTE_NO_MATCH)
		json_object_set_new(doc, "error", json_string(res->message ?
					res->message : "no match"));
	if (x->api) {
		reply_json(x, res->outcome == ROUTE_NO_MATCH ? 404 : 200, doc);
		if (cache && version >= 0 && strbuf_ok(&x->r->body))
			answer_cache_put(cache, x->uri, version, x->today,
					 x->r->status, x->r->body.buf,
					 x->r->body.len);
		goto out;
	}
	q = json_pack("{s:s?,s:s?,s:s?}", "topic", rq.topic, "q", rq.text,
		      "on", rq.on);
	x->r->status = res->outcome == ROUTE_NO_MATCH ? 404 : 200;
	x->r->ctype = "text/html; charset=utf-8";
	page_route(&x->r->body, &x->page, q, doc);
out:
	json_decref(q);
	json_decref(doc);
	route_result_free(res);
	baton_error_release(&err);
}


/* ------------------------------------------------------------------ */
/* Writes                                                              */
/* ------------------------------------------------------------------ */

/* Start a write: check who may write, read the input (a JSON object for
 * the API, a form for pages) into *in, and open a read-write store acting
 * as the writer. NULL after replying with the error. */
static struct store *begin_write(struct ctx *x, json_t **in, char who[64])
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *w = NULL;
	json_error_t jerr;
	const char *msg = NULL;
	int status;

	*in = NULL;
	if ((status = authorize(x, who, &msg))) {
		reply_error(x, status, msg);
		return NULL;
	}
	if (x->api) {
		*in = json_loadb(x->rawbody ? x->rawbody : "", x->rawlen, 0, &jerr);
		if (!*in || !json_is_object(*in)) {
			char m[200];

			snprintf(m, sizeof(m), "the body must be a JSON object%s%s",
				 *in ? "" : ": ", *in ? "" : jerr.text);
			json_decref(*in);
			*in = NULL;
			reply_error(x, 400, m);
			return NULL;
		}
	} else if (!is_form(x)) {
		reply_error(x, 415, "send a form (application/x-www-form-urlencoded)");
		return NULL;
	}
	if (!(w = write_store(x, who, &err))) {
		reply_core(x, err.code ? err.code : BATON_DB, &err);
		json_decref(*in);
		*in = NULL;
	} else {
		struct baton_error e2 = BATON_ERROR_INIT;

		auth_token_touch(w, who, &e2); /* best effort */
		baton_error_release(&e2);
	}
	baton_error_release(&err);
	return w;
}

/* A text field of the input; NULL when absent. *bad is set when the field
 * has the wrong JSON type. */
static const char *input_str(struct ctx *x, const json_t *in, const char *key,
			     int *bad)
{
	const json_t *v;

	if (!x->api)
		return web_param(x->form, x->nform, key);
	v = json_object_get(in, key);
	if (v && !json_is_string(v) && !json_is_null(v))
		*bad = 1;
	return json_string_value(v);
}

/* A boolean field: 1/0, or -1 when absent or malformed. */
static int input_bool(struct ctx *x, const json_t *in, const char *key)
{
	const char *s;
	const json_t *v;

	if (x->api) {
		v = json_object_get(in, key);
		return json_is_boolean(v) ? json_is_true(v) : -1;
	}
	s = web_param(x->form, x->nform, key);
	if (s && (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "on")))
		return 1;
	if (s && (!strcmp(s, "0") || !strcmp(s, "false")))
		return 0;
	return -1;
}

/* A positive id from a path segment, or -1. */
static long parse_id(const char *s)
{
	long v = 0;

	if (!s || !*s || strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 0 ? v : -1;
}

/* GET /handovers[/ID], POST /handovers/ID/items/ITEM, POST
 * /handovers/ID/notes; the same under /api/v1. seg[0] is "handovers". */
static void serve_handovers(struct ctx *x, char **seg, int nseg)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *w = NULL;
	json_t *v = NULL, *in = NULL;
	long id = nseg >= 2 ? parse_id(seg[1]) : 0, item = 0;
	char who[64];
	int bad = 0, done;
	const char *text, *open;
	enum baton_code rc;

	if (nseg > 4 || (nseg >= 2 && id < 0) ||
	    (nseg == 3 && strcmp(seg[2], "notes")) ||
	    (nseg == 4 && (strcmp(seg[2], "items") || (item = parse_id(seg[3])) < 0))) {
		reply_error(x, 404, "no such page");
		goto out;
	}
	if (nseg <= 2) {
		if (!is_get(x)) {
			reply_method(x, "GET, HEAD");
			goto out;
		}
		open = web_param(x->query, x->nquery, "open");
		rc = nseg == 1 ? handover_list(x->st, open && (!strcmp(open, "1") ||
					       !strcmp(open, "true")), &v, &err)
			       : handover_get(x->st, id, &v, &err);
		if (rc)
			reply_core(x, rc, &err);
		else
			reply_view(x, v, nseg == 1 ? page_handovers : page_handover);
		goto out;
	}
	if (strcmp(x->method, "POST")) {
		reply_method(x, "POST");
		goto out;
	}
	if (!(w = begin_write(x, &in, who)))
		goto out;
	if (nseg == 4) {
		done = input_bool(x, in, "done");
		text = input_str(x, in, "note", &bad);
		if (done < 0 || bad) {
			reply_error(x, 400, "'done' must be true or false and 'note' a string");
			goto out;
		}
		if (text && !*text)
			text = NULL;
		rc = handover_set_done(w, id, item, done, text, &err);
	} else {
		text = input_str(x, in, "text", &bad);
		if (!text || !*text || bad) {
			reply_error(x, 400, "'text' must be a non-empty string");
			goto out;
		}
		rc = handover_add_note(w, id, text, &err);
	}
	if (rc) {
		reply_core(x, rc, &err);
		goto out;
	}
	if (!x->api) {
		snprintf(x->r->location_buf, sizeof(x->r->location_buf),
			 "/handovers/%ld", id);
		reply_redirect(x, x->r->location_buf);
		goto out;
	}
	if ((rc = handover_get(w, id, &v, &err)))
		reply_core(x, rc, &err);
	else
		reply_json(x, 200, v);
out:
	store_free(w);
	json_decref(v);
	json_decref(in);
	baton_error_release(&err);
}

/* POST /roles/NAME/journal (form field or JSON "text"). */
static void serve_journal(struct ctx *x, const char *role)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *w = NULL;
	json_t *v = NULL, *in = NULL;
	char who[64];
	const char *text;
	int bad = 0;
	enum baton_code rc;

	if (strcmp(x->method, "POST")) {
		reply_method(x, "POST");
		goto out;
	}
	if (!(w = begin_write(x, &in, who)))
		goto out;
	text = input_str(x, in, "text", &bad);
	if (!text || !*text || bad) {
		reply_error(x, 400, "'text' must be a non-empty string");
		goto out;
	}
	if ((rc = journal_add(w, role, text, &err))) {
		reply_core(x, rc, &err);
		goto out;
	}
	if (!x->api) {
		struct strbuf loc = STRBUF_INIT;

		strbuf_addstr(&loc, "/roles/");
		page_add_url(&loc, role);
		snprintf(x->r->location_buf, sizeof(x->r->location_buf), "%s", loc.buf);
		strbuf_release(&loc);
		reply_redirect(x, x->r->location_buf);
		goto out;
	}
	if ((rc = journal_list(w, role, &v, &err)))
		reply_core(x, rc, &err);
	else
		reply_json(x, 201, v);
out:
	store_free(w);
	json_decref(v);
	json_decref(in);
	baton_error_release(&err);
}

/* GET /audit?team=&severity= (page), /api/v1/audit?team=&check=&on=,
 * /api/v1/busfactor?team=&on=. */
static void serve_audit(struct ctx *x, int busfactor)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct audit_opts ao;
	struct busfactor_opts bo;
	json_t *rep = NULL, *bus = NULL, *teams = NULL;
	const char *team = web_param(x->query, x->nquery, "team");
	const char *sev = web_param(x->query, x->nquery, "severity");
	const char *on = web_param(x->query, x->nquery, "on");
	enum baton_code rc;

	if (!is_get(x)) {
		reply_method(x, "GET, HEAD");
		goto out;
	}
	if (team && !*team)
		team = NULL;
	if (on && !*on)
		on = NULL;
	if (sev && !*sev)
		sev = NULL;
	if (sev && strcmp(sev, "error") && strcmp(sev, "warning") &&
	    strcmp(sev, "info")) {
		reply_error(x, 400, "severity must be error, warning or info");
		goto out;
	}
	memset(&ao, 0, sizeof(ao));
	memset(&bo, 0, sizeof(bo));
	ao.team = bo.team = team;
	ao.date = bo.date = on;
	ao.check = web_param(x->query, x->nquery, "check");
	if (ao.check && !*ao.check)
		ao.check = NULL;
	if ((!busfactor || !x->api) && (rc = audit_run(x->st, &ao, &rep, &err)))
		goto fail;
	if ((busfactor || !x->api) && (rc = busfactor_run(x->st, &bo, &bus, &err)))
		goto fail;
	if (x->api) {
		if (!busfactor && sev) { /* same filter as the page */
			json_t *f = json_object_get(rep, "findings"), *keep = json_array();
			size_t i;
			json_t *e;

			json_array_foreach(f, i, e)
				if (!strcmp(json_string_value(json_object_get(e, "severity")) ?
					    json_string_value(json_object_get(e, "severity")) : "", sev))
					json_array_append(keep, e);
			json_object_set_new(rep, "findings", keep);
		}
		reply_json(x, 200, busfactor ? bus : rep);
		goto out;
	}
	if ((rc = query_list(x->st, KIND_TEAM, NULL, &teams, &err)))
		goto fail;
	x->r->status = 200;
	x->r->ctype = "text/html; charset=utf-8";
	page_audit(&x->r->body, &x->page, rep, bus, team, sev, teams);
	goto out;
fail:
	reply_core(x, rc, &err);
out:
	json_decref(rep);
	json_decref(bus);
	json_decref(teams);
	baton_error_release(&err);
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */
/* ------------------------------------------------------------------ */

static void dispatch_api(struct ctx *x)
{
	char **seg = x->seg + 2;
	int nseg = x->nseg - 2;
	const struct collection *col;

	if (nseg < 1) {
		reply_error(x, 404, "no such endpoint");
		return;
	}
	if (!strcmp(seg[0], "roles") && nseg == 3 && !strcmp(seg[2], "journal")) {
		serve_journal(x, seg[1]);
		return;
	}
	if (!strcmp(seg[0], "handovers")) {
		serve_handovers(x, seg, nseg);
		return;
	}
	if ((col = find_collection(seg[0]))) {
		serve_collection(x, col, seg, nseg);
		return;
	}
	if (!strcmp(seg[0], "route") && nseg == 1) {
		serve_route(x);
		return;
	}
	if (!strcmp(seg[0], "audit") && nseg == 1) {
		serve_audit(x, 0);
		return;
	}
	if (!strcmp(seg[0], "busfactor") && nseg == 1) {
		serve_audit(x, 1);
		return;
	}
	reply_error(x, 404, "no such endpoint");
}

static void dispatch(struct ctx *x)
{
	const struct collection *col;
	const char *s0 = x->nseg ? x->seg[0] : NULL;

	if (x->api) {
		dispatch_api(x);
	} else if (!s0) {
		serve_home(x);
	} else if (!strcmp(s0, "static") && x->nseg == 2 &&
		   !strcmp(x->seg[1], "baton.css")) {
		if (!is_get(x)) {
			reply_method(x, "GET, HEAD");
			return;
		}
		x->r->status = 200;
		x->r->ctype = "text/css; charset=utf-8";
		x->r->cache = 1;
		strbuf_addstr(&x->r->body, page_css);
	} else if (!strcmp(s0, "roles") && x->nseg == 3 &&
		   !strcmp(x->seg[2], "journal")) {
		serve_journal(x, x->seg[1]);
	} else if (!strcmp(s0, "handovers")) {
		serve_handovers(x, x->seg, x->nseg);
	} else if ((col = find_collection(s0))) {
		serve_collection(x, col, x->seg, x->nseg);
	} else if (!strcmp(s0, "route") && x->nseg == 1) {
		serve_route(x);
	} else if (!strcmp(s0, "audit") && x->nseg == 1) {
		serve_audit(x, 0);
	} else if (!strcmp(s0, "map") && x->nseg == 1) {
		serve_map(x);
	} else if (!strcmp(s0, "login") && x->nseg == 1) {
		if (!strcmp(x->method, "POST")) {
			do_login(x);
		} else if (is_get(x)) {
			x->r->status = 200;
			x->r->ctype = "text/html; charset=utf-8";
			page_login(&x->r->body, &x->page, NULL);
		} else {
			reply_method(x, "GET, HEAD, POST");
		}
	} else if (!strcmp(s0, "logout") && x->nseg == 1) {
		if (strcmp(x->method, "POST"))
			reply_method(x, "POST");
		else
			do_logout(x);
	} else {
		reply_error(x, 404, "no such page");
	}
}

/* Answer a complete request. */
static enum MHD_Result answer(struct server *srv, struct MHD_Connection *c,
			      struct request *rq, const char *method)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct reply r;
	struct ctx x;
	enum MHD_Result ret;
	int snapshot = 0;

	memset(&r, 0, sizeof(r));
	strbuf_init(&r.body);
	memset(&x, 0, sizeof(x));
	x.srv = srv;
	x.conn = c;
	x.method = method;
	x.uri = rq->uri;
	x.r = &r;
	x.page.read_only = srv->cfg->read_only;
	x.page.features |= PAGE_AUDIT;
	x.page.features |= PAGE_HANDOVER;
	x.page.features |= PAGE_ROUTE;
	x.api = !strncmp(rq->uri, "/api/v1/", 8) || !strcmp(rq->uri, "/api/v1");
	set_clock(&x);
	x.page.today = x.today;

	if (parse_target(&x, rq->uri)) {
		reply_error(&x, 400, "malformed request target (bad percent-encoding?)");
		goto send;
	}
	if (rq->body_too_big) {
		reply_error(&x, 413, "request body too large");
		goto send;
	}
	if (!(x.st = read_store(&x, &err))) {
		reply_core(&x, err.code ? err.code : BATON_DB, &err);
		goto send;
	}
	/* One read transaction per request: every query of a page sees the
	 * same WAL snapshot even while an import commits in another process,
	 * and writers are never blocked by it. */
	if (store_read_begin(x.st, &snapshot, &err)) {
		reply_core(&x, err.code ? err.code : BATON_DB, &err);
		goto send;
	}
	load_session(&x);
	x.rawbody = rq->body.buf;
	x.rawlen = rq->body.len;
	if (!strcmp(method, "POST") && is_form(&x) &&
	    web_parse_params(rq->body.buf, rq->body.len, x.form, &x.nform,
				     MAX_PARAMS)) {
		reply_error(&x, 400, "malformed form data");
		goto send;
	}
	dispatch(&x);
send:
	if (snapshot)
		store_read_end(x.st, snapshot);
	ret = send_reply(c, &r);
	strbuf_release(&r.body);
	ctx_release(&x);
	baton_error_release(&err);
	return ret;
}

/* An error decided before the body is read: answered at once. */
static enum MHD_Result answer_early(struct server *srv, struct MHD_Connection *c,
				    struct request *rq, int status,
				    const char *msg, const char *allow)
{
	struct reply r;
	struct ctx x;
	enum MHD_Result ret;

	memset(&r, 0, sizeof(r));
	strbuf_init(&r.body);
	memset(&x, 0, sizeof(x));
	x.srv = srv;
	x.conn = c;
	x.method = "";
	x.r = &r;
	x.api = rq->uri && !strncmp(rq->uri, "/api/", 5);
	r.allow = allow;
	reply_error(&x, status, msg);
	ret = send_reply(c, &r);
	strbuf_release(&r.body);
	return ret;
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind,
				    const char *key, const char *value)
{
	size_t *total = cls;

	*total += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;

	if (!rq)
		return MHD_NO; /* the URI log callback ran out of memory */
	if (!rq->started) {
		size_t headers = 0;
		const char *cl;

		rq->started = 1;
		if (strcmp(method, "GET") && strcmp(method, "HEAD") &&
		    strcmp(method, "POST"))
			return answer_early(srv, c, rq, 405,
					    "only GET, HEAD and POST are served",
					    "GET, HEAD, POST");
		if (strlen(rq->uri) > URL_MAX)
			return answer_early(srv, c, rq, 414, "request target too long",
					    NULL);
		MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &headers);
		if (headers > HEADER_MAX)
			return answer_early(srv, c, rq, 431, "request headers too large",
					    NULL);
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > BODY_MAX)
			return answer_early(srv, c, rq, 413, "request body too large",
					    NULL);
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!rq->body_too_big) {
			if (rq->body.len + *upload_data_size > BODY_MAX)
				rq->body_too_big = 1;
			else
				strbuf_add(&rq->body, upload_data, *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!strbuf_ok(&rq->body))
		return MHD_NO;
	return answer(srv, c, rq, method);
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct request *rq = calloc(1, sizeof(*rq));

	if (!rq)
		return NULL;
	strbuf_init(&rq->body);
	rq->uri = strdup(uri ? uri : "");
	if (!rq->uri) {
		free(rq);
		return NULL;
	}
	return rq;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	if (!rq)
		return;
	free(rq->uri);
	strbuf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                      */
/* ------------------------------------------------------------------ */

enum baton_code web_serve(const struct web_config *cfg,
			  struct baton_error *err)
{
	struct server srv;
	struct store *boot = NULL;
	struct MHD_Daemon *d = NULL;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	struct sockaddr *addr;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	sigset_t sigs, old;
	enum baton_code rc = BATON_OK;
	int v6 = strchr(cfg->address, ':') != NULL, sig, key_made = 0;
	char url[128];
	unsigned short port;

	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	srv.session_seconds = cfg->session_seconds ? cfg->session_seconds
						   : WEB_SESSION_DEFAULT;
	if (srv.session_seconds < 1 || srv.session_seconds > WEB_SESSION_DEFAULT)
		return baton_fail(err, BATON_USAGE,
			"the session lifetime must be 1 to %d seconds, got %ld",
			WEB_SESSION_DEFAULT, srv.session_seconds);
	if (sodium_init() < 0)
		return baton_fail(err, BATON_IO, "cannot initialise libsodium");
	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (v6) {
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(cfg->port);
		if (inet_pton(AF_INET6, cfg->address, &in6.sin6_addr) != 1)
			return baton_fail(err, BATON_USAGE, "'%s' is not an IP address",
					  cfg->address);
		addr = (struct sockaddr *)&in6;
		flags |= MHD_USE_IPv6;
	} else {
		in4.sin_family = AF_INET;
		in4.sin_port = htons(cfg->port);
		if (inet_pton(AF_INET, cfg->address, &in4.sin_addr) != 1)
			return baton_fail(err, BATON_USAGE, "'%s' is not an IP address",
					  cfg->address);
		addr = (struct sockaddr *)&in4;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else
		flags |= MHD_USE_POLL;

	/* Open read-write once: applies migrations (005_web.sql for tokens)
	 * and keeps the WAL files in place for the read-only workers. */
	if ((rc = store_open(cfg->db_path, 0, &boot, err)))
		return rc;
	if (pthread_key_create(&srv.store_key, store_destroy)) {
		rc = baton_fail(err, BATON_NOMEM, "cannot create a thread key");
		goto out;
	}
	if (pthread_key_create(&srv.cache_key, cache_destroy)) {
		pthread_key_delete(srv.store_key);
		rc = baton_fail(err, BATON_NOMEM, "cannot create a thread key");
		goto out;
	}
	if (pthread_key_create(&srv.summary_key, cache_destroy)) {
		pthread_key_delete(srv.store_key);
		pthread_key_delete(srv.cache_key);
		rc = baton_fail(err, BATON_NOMEM, "cannot create a thread key");
		goto out;
	}
	key_made = 1;

	/* Block the stop signals before MHD starts its threads, so they
	 * inherit the mask and only sigwait below receives them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);

	d = MHD_start_daemon(flags, cfg->port, NULL, NULL, handler, &srv,
		MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)WORKERS,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections ?
			cfg->max_connections : (unsigned int)WEB_CONNECTIONS_DEFAULT,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout ?
			cfg->timeout : (unsigned int)WEB_TIMEOUT_DEFAULT,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log, &srv,
		MHD_OPTION_NOTIFY_COMPLETED, completed, &srv,
		MHD_OPTION_END);
	if (!d) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		rc = baton_fail(err, BATON_IO, "cannot listen on %s port %u",
				cfg->address, (unsigned)cfg->port);
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : cfg->port;
	snprintf(url, sizeof(url), v6 ? "http://[%s]:%u/" : "http://%s:%u/",
		 cfg->address, (unsigned)port);
	if (cfg->ready)
		cfg->ready(url, cfg->ready_arg);
	while (sigwait(&sigs, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
		;
	MHD_stop_daemon(d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	if (key_made) {
		pthread_key_delete(srv.store_key);
		pthread_key_delete(srv.cache_key);
		pthread_key_delete(srv.summary_key);
	}
	store_free(boot);
	return rc;
}
