/* check_routedir.c - Check suite for the routing directory (core/route.c):
 * from the second route on a snapshot, a connection reads roles, holders,
 * people and absences from memory instead of SQL. On a generated
 * organisation (primaries and backups in any order, past and future
 * holdings, leavers, overlapping and tied absences, reportsTo chains with
 * cycles and dead ends, escalateTo, person handlers), every rule's topic,
 * misses and free-text queries, on several dates, must give byte for byte
 * the answer of a connection that reads everything by SQL
 * (route_directory_enable(st, 0)). Writes (an import, an absence, a
 * handover, another connection's import) must be seen by the next route.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/handover.h"
#include "../core/import.h"
#include "../core/route.h"
#include "../core/store.h"
#include "../core/strbuf.h"

Suite *suite_routedir(void);

enum { NPEOPLE = 120, NROLES = 60, NRULES = 150 };

static unsigned long long seed;

static unsigned pick(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

static const char *const dates[] = {
	"2025-12-31", "2026-01-15", "2026-06-01", "2026-11-23", "2026-11-25",
	"2027-03-01"
};
#define NDATES ((unsigned)(sizeof(dates) / sizeof(dates[0])))

static const char *const segs[] = { "fin", "ops", "hr", "it", "pay", "desk" };
#define NSEGS ((unsigned)(sizeof(segs) / sizeof(segs[0])))

#define HEAD(kind) \
	"---\napiVersion: baton/v1\nkind: " kind "\nmetadata:\n  name: %s\nspec:\n"

/* The organisation; `variant` changes a few people and roles (a second
 * import). */
static char *generate(int variant)
{
	struct strbuf sb = STRBUF_INIT;
	char name[32];
	unsigned i, j, n;

	seed = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < NPEOPLE; i++) {
		unsigned st = pick(10);

		snprintf(name, sizeof(name), "p%03u", i);
		/* some names beyond ASCII: checked once when loaded */
		strbuf_addf(&sb, HEAD("Person") "  displayName: %s %u\n", name,
			    i % 3 ? "P" : "P\xc3\xbc\xe2\x82\xac", i);
		if (pick(3))
			strbuf_addf(&sb, "  email: p%u@x.example\n", i);
		if (i == NPEOPLE - 1)
			continue;   /* p119: active, never away (handovers) */
		if (st == 0 || (variant && i % 7 == 3))
			strbuf_addstr(&sb, "  status: left\n");
		else if (st == 1)
			strbuf_addstr(&sb, "  status: leaving\n  leavingOn: 2027-01-01\n");
		n = pick(4);
		if (variant && i % 5 == 1)
			n = 1;
		if (n) {
			strbuf_addstr(&sb, "  absences:\n");
			for (j = 0; j < n; j++) {
				const char *from = dates[pick(NDATES)];
				const char *to = dates[pick(NDATES)];

				if (strcmp(from, to) > 0) {
					const char *t = from;

					from = to;
					to = t;
				}
				if (variant && i % 5 == 1)
					from = "2026-11-01", to = "2026-12-31";
				/* the same span twice: the first written wins */
				if (!pick(4))
					strbuf_addf(&sb, "    - {from: %s, to: %s,"
						    " reason: Tie%u}\n", from, to, j);
				strbuf_addf(&sb, "    - {from: %s, to: %s", from, to);
				if (pick(3))
					strbuf_addf(&sb, ", reason: R%u", pick(5));
				strbuf_addstr(&sb, "}\n");
			}
		}
	}
	for (i = 0; i < NROLES; i++) {
		snprintf(name, sizeof(name), "role%02u", i);
		strbuf_addf(&sb, HEAD("Role") "  title: %s %u\n", name,
			    i % 4 ? "Title" : "Titr\xc3\xa9", i);
		if (i >= NROLES - 6) {
			/* six vacant roles in a ring: a cycle */
			strbuf_addf(&sb, "  reportsTo: role%02u\n",
				    NROLES - 6 + (i + 1) % 6);
			continue;
		}
		if (pick(5)) {
			unsigned to = pick(NROLES);

			/* chains, cycles (to a lower or the same role) and
			 * dead ends */
			strbuf_addf(&sb, "  reportsTo: role%02u\n", to);
		}
		n = pick(5);
		if (variant && i % 4 == 2)
			n = 0;
		if (n)
			strbuf_addstr(&sb, "  holders:\n");
		for (j = 0; j < n; j++) {
			strbuf_addf(&sb, "    - {person: p%03u", pick(NPEOPLE));
			if (pick(2))
				strbuf_addf(&sb, ", as: %s",
					    pick(2) ? "backup" : "primary");
			if (!pick(4))
				strbuf_addf(&sb, ", since: %s", dates[pick(3)]);
			if (!pick(4))
				strbuf_addf(&sb, ", until: %s", dates[3 + pick(3)]);
			strbuf_addstr(&sb, "}\n");
		}
	}
	for (i = 0; i < NRULES; i++) {
		unsigned k = pick(6);

		snprintf(name, sizeof(name), "rule%03u", i);
		strbuf_addf(&sb, HEAD("Rule") "  title: Rule %u\n  topic: %s/%s%s\n"
			    "  keywords: [%s, w%u]\n", name, i, segs[pick(NSEGS)],
			    k == 0 ? "*" : k == 1 ? "**" : segs[pick(NSEGS)],
			    k == 2 ? "/**" : "", segs[pick(NSEGS)], pick(20));
		if (pick(8))
			strbuf_addf(&sb, "  handler: role:role%02u\n", pick(NROLES));
		else
			strbuf_addf(&sb, "  handler: person:p%03u\n", pick(NPEOPLE));
		if (!pick(4))
			strbuf_addf(&sb, "  escalateTo: role%02u\n", pick(NROLES));
		if (!pick(3))
			strbuf_addf(&sb, "  priority: %u\n", pick(3));
	}
	ck_assert(!sb.oom);
	return strbuf_detach(&sb);
}

static void load(struct store *st, const char *yaml)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts opts = { .prune = 0 };
	struct import_result res;
	enum baton_code rc;

	import_result_init(&res);
	rc = import_buffer(st, "org.yaml", yaml, strlen(yaml), &opts, &res, &err);
	if (rc && err.n)
		ck_abort_msg("org: %s", err.diags[0].message);
	ck_assert_int_eq(rc, BATON_OK);
	import_result_release(&res);
	baton_error_release(&err);
}

static struct store *open_org(const char *path, int variant)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	char *org = generate(variant);

	ck_assert_int_eq(store_open(path, path ? STORE_CREATE
					       : STORE_MEMORY | STORE_CREATE,
				    &st, &err), BATON_OK);
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	load(st, org);
	free(org);
	baton_error_release(&err);
	return st;
}

/* The answer as the API prints it (keys in the document's order). */
static char *answer(struct store *st, const char *topic, const char *text,
		    const char *on)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct route_query q = { .topic = topic, .text = text, .on = on };
	struct route_result *r = NULL;
	json_t *j;
	char *s;

	ck_assert_int_eq(route_resolve(st, &q, &r, &err), BATON_OK);
	j = route_result_to_json(r);
	s = json_dumps(j, JSON_COMPACT);
	ck_assert_ptr_nonnull(s);
	json_decref(j);
	route_result_free(r);
	baton_error_release(&err);
	return s;
}

/* A concrete topic for each rule (stars become a word), misses, free text. */
static char **questions(struct store *st, size_t *n)
{
	sqlite3_stmt *s;
	char **v = calloc(NRULES * 2 + 8, sizeof(*v));
	size_t k = 0;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
		"SELECT replace(replace(topic, '**', 'x/y'), '*', 'z'),"
		" keywords FROM rule ORDER BY name", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		v[k++] = strdup((const char *)sqlite3_column_text(s, 0));
		v[k++] = strdup((const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	v[k++] = strdup("nowhere/at/all");
	v[k++] = strdup("fin");
	*n = k;
	return v;
}

/* Every question on every date: a (directory) and b (SQL) agree. Returns
 * the concatenation of a's answers, so that callers can see a change. */
static char *compare(struct store *a, struct store *b)
{
	struct strbuf all = STRBUF_INIT;
	size_t n, i, d;
	char **q = questions(b, &n);

	/* two routes on the snapshot: the directory is loaded */
	free(answer(a, "fin/warm", NULL, NULL));
	free(answer(a, "ops/warm", NULL, NULL));
	for (i = 0; i < n; i++) {
		/* odd entries are a rule's keywords: free text */
		int text = (i % 2) && i < NRULES * 2;

		for (d = 0; d < NDATES; d++) {
			char *x = answer(a, text ? NULL : q[i], text ? q[i] : NULL,
					 dates[d]);
			char *y = answer(b, text ? NULL : q[i], text ? q[i] : NULL,
					 dates[d]);

			ck_assert_msg(!strcmp(x, y), "'%s' on %s:\n%s\n%s", q[i],
				      dates[d], x, y);
			strbuf_addstr(&all, x);
			free(x);
			free(y);
		}
		free(q[i]);
	}
	free(q);
	ck_assert(!all.oom);
	return strbuf_detach(&all);
}

static void pair(struct store **a, struct store **b)
{
	*a = open_org(NULL, 0);
	*b = open_org(NULL, 0);
	route_directory_enable(*b, 0);
}

/* Same answers for everything, and the outcomes the generator aims at
 * (contacts, skips of every kind, dead ends, cycles) do occur. */
START_TEST(test_same_answers)
{
	struct store *a, *b;
	char *all;

	pair(&a, &b);
	all = compare(a, b);
	/* the comparison is between the two paths: a routed through the
	 * directory, b never did */
	ck_assert(route_directory_loaded(a));
	ck_assert(!route_directory_loaded(b));
	ck_assert_ptr_nonnull(strstr(all, "\"outcome\":\"found\""));
	ck_assert_ptr_nonnull(strstr(all, "\"outcome\":\"dead-end\""));
	ck_assert_ptr_nonnull(strstr(all, "\"outcome\":\"cycle\""));
	ck_assert_ptr_nonnull(strstr(all, "\"why\":\"left\""));
	ck_assert_ptr_nonnull(strstr(all, "\"why\":\"absent until"));
	ck_assert_ptr_nonnull(strstr(all, "(Tie"));
	ck_assert_ptr_nonnull(strstr(all, "\"why\":\"holding ended"));
	ck_assert_ptr_nonnull(strstr(all, "\"why\":\"holding starts"));
	ck_assert_ptr_nonnull(strstr(all, "\"as\":\"backup\""));
	ck_assert_ptr_nonnull(strstr(all, "\"as\":\"person\""));
	ck_assert_ptr_nonnull(strstr(all, "\"via\":\"text\""));
	free(all);
	store_free(a);
	store_free(b);
}
END_TEST

/* Text that is not UTF-8 (written around baton) makes jansson refuse the
 * string: the directory is then not used, and routes fail as they did. */
START_TEST(test_bad_utf8_as_before)
{
	struct store *st[2];
	size_t n, i, k, failed = 0;
	char **q;

	pair(&st[0], &st[1]);
	for (k = 0; k < 2; k++)
		ck_assert_int_eq(sqlite3_exec(st[k]->db,
			"UPDATE person SET display_name = CAST(x'50ff' AS TEXT)"
			" WHERE name = 'p007';"
			"UPDATE role SET title = CAST(x'54c3' AS TEXT)"
			" WHERE name = 'role03'", NULL, NULL, NULL), SQLITE_OK);
	q = questions(st[1], &n);
	for (i = 0; i < n; i++) {
		enum baton_code rc[2];
		char *out[2];

		for (k = 0; k < 2; k++) {
			struct baton_error err = BATON_ERROR_INIT;
			struct route_query rq = { .topic = q[i] };
			struct route_result *r = NULL;
			json_t *j;

			rc[k] = route_resolve(st[k], &rq, &r, &err);
			j = route_result_to_json(r);
			out[k] = j ? json_dumps(j, JSON_COMPACT) : NULL;
			json_decref(j);
			route_result_free(r);
			baton_error_release(&err);
		}
		ck_assert_int_eq(rc[0], rc[1]);
		failed += rc[0] != BATON_OK;
		ck_assert_msg((!out[0] && !out[1]) ||
			      (out[0] && out[1] && !strcmp(out[0], out[1])),
			      "'%s' differs", q[i]);
		free(out[0]);
		free(out[1]);
		free(q[i]);
	}
	free(q);
	ck_assert_uint_gt(failed, 0);
	store_free(st[0]);
	store_free(st[1]);
}
END_TEST

/* An import that changes people, absences and holders: the next route on
 * the warm connection answers as SQL does on the new data. */
START_TEST(test_import_seen)
{
	struct store *a, *b;
	char *before, *after, *org = generate(1);

	pair(&a, &b);
	before = compare(a, b);
	load(a, org);
	load(b, org);
	after = compare(a, b);
	ck_assert_str_ne(before, after);
	free(before);
	free(after);
	free(org);
	store_free(a);
	store_free(b);
}
END_TEST

/* The role a topic routes to, and its first holder that answers on
 * 2026-11-23 ("" when none). */
static void first_contact(struct store *st, const char *topic, char *role,
			  char *person)
{
	char *s = answer(st, topic, NULL, "2026-11-23");
	json_t *j = json_loads(s, 0, NULL);
	json_t *c = json_array_get(json_object_get(j, "contacts"), 0);
	const char *r = json_string_value(json_object_get(
				json_object_get(j, "contactRole"), "name"));

	snprintf(role, 32, "%s", r ? r : "");
	snprintf(person, 32, "%s",
		 c ? json_string_value(json_object_get(c, "person")) : "");
	json_decref(j);
	free(s);
}

/* A question of q (n of them) that a primary of a role answers on
 * 2026-11-23 (its role and person in role and person). */
static const char *topic_with_contact(struct store *st, char **q, size_t n,
				      char *role, char *person)
{
	size_t i;

	for (i = 0; i < n && i < NRULES * 2; i += 2) {
		first_contact(st, q[i], role, person);
		if (*person && *role)
			return q[i];
	}
	ck_abort_msg("no topic with a contact");
	return NULL;
}

/* A new database file at path (a mkstemp template) holding organisation
 * 0, through a read-write connection. */
static struct store *file_org(char *path)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	return open_org(path, 0);
}

/* The YAML of person `name` re-imported with one absence in November
 * 2026, to `to`, whose reason is also the display name. */
static void away_yaml(char *buf, size_t size, const char *name,
		      const char *to, const char *reason)
{
	snprintf(buf, size, "---\napiVersion: baton/v1\nkind: Person\n"
		 "metadata:\n  name: %s\nspec:\n  displayName: %s\n"
		 "  absences:\n    - {from: 2026-11-01, to: %s,"
		 " reason: %s}\n", name, reason, to, reason);
}

/* Remove a database file and its WAL files. */
static void unlink_db(const char *path)
{
	char side[64];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* An absence (a person re-imported with one) and a handover (completed
 * through core/handover) are seen by the next route on a warm
 * connection. */
START_TEST(test_absence_and_handover_seen)
{
	struct store *a, *b;
	struct baton_error err = BATON_ERROR_INIT;
	char role[32], person[32], yaml[512], *x, *y;
	const char *topic = NULL;
	size_t n, i;
	char **q;
	long id;

	pair(&a, &b);
	free(compare(a, b));
	q = questions(b, &n);
	/* a topic answered by a primary of a role */
	topic = topic_with_contact(a, q, n, role, person);
	away_yaml(yaml, sizeof(yaml), person, "2026-11-30", "Away");
	load(a, yaml);
	load(b, yaml);
	x = answer(a, topic, NULL, "2026-11-23");
	y = answer(b, topic, NULL, "2026-11-23");
	ck_assert_str_eq(x, y);
	ck_assert_ptr_nonnull(strstr(x, "\"why\":\"absent until 2026-11-30 (Away)\""));
	free(x);
	free(y);
	/* hand the role over to someone else, on both */
	ck_assert_int_eq(handover_start(a, NULL, "p119", (const char *const[]){ role },
					1, NULL, &id, &err), BATON_OK);
	ck_assert_int_eq(handover_complete(a, id, 1, &err), BATON_OK);
	ck_assert_int_eq(handover_start(b, NULL, "p119", (const char *const[]){ role },
					1, NULL, &id, &err), BATON_OK);
	ck_assert_int_eq(handover_complete(b, id, 1, &err), BATON_OK);
	x = answer(a, topic, NULL, "2026-11-23");
	y = answer(b, topic, NULL, "2026-11-23");
	ck_assert_str_eq(x, y);
	ck_assert_ptr_nonnull(strstr(x, "\"person\":\"p119\""));
	free(x);
	free(y);
	free(compare(a, b));
	for (i = 0; i < n; i++)
		free(q[i]);
	free(q);
	baton_error_release(&err);
	store_free(a);
	store_free(b);
}
END_TEST

/* Another connection's import (PRAGMA data_version) is seen too. */
START_TEST(test_other_connection_seen)
{
	char path[] = "/tmp/baton-routedir-XXXXXX";
	struct store *w, *r, *b;
	char *before, *after, *org = generate(1);
	struct baton_error err = BATON_ERROR_INIT;

	w = file_org(path);
	ck_assert_int_eq(store_open(path, STORE_READONLY, &r, &err), BATON_OK);
	store_set_clock(r, "2026-11-23T10:00:00Z", "2026-11-23");
	b = open_org(NULL, 0);
	route_directory_enable(b, 0);
	before = compare(r, b);
	load(w, org);
	load(b, org);
	after = compare(r, b);
	ck_assert_str_ne(before, after);
	free(before);
	free(after);
	free(org);
	store_free(r);
	store_free(w);
	store_free(b);
	unlink_db(path);
	baton_error_release(&err);
}
END_TEST

static int count_stmt(unsigned type, void *ctx, void *p, void *x)
{
	(*(int *)ctx)++;
	return 0;
}

/* Routes on a warm connection of a WAL file run on the caches with no
 * statement at all while nothing commits; a commit by another connection,
 * or by this one, is seen by the very next route, which reads through a
 * transaction again; and the caches then serve again. */
START_TEST(test_fast_route_sees_commits)
{
	char path[] = "/tmp/baton-routefast-XXXXXX";
	char role[32], person[32], yaml[512], *x, *y, *first;
	int stmts = 0;
	struct store *w, *r;
	struct baton_error err = BATON_ERROR_INIT;
	const char *topic = NULL;
	size_t n, i, fast;
	char **q;

	w = file_org(path);
	ck_assert_int_eq(store_open(path, STORE_READONLY, &r, &err), BATON_OK);
	store_set_clock(r, "2026-11-23T10:00:00Z", "2026-11-23");
	q = questions(r, &n);
	topic = topic_with_contact(r, q, n, role, person);
	first = answer(r, topic, NULL, "2026-11-23");
	fast = route_fast_routes(r);
	ck_assert_uint_gt(fast, 0);
	/* a fast route steps no statement, not even BEGIN */
	sqlite3_trace_v2(r->db, SQLITE_TRACE_STMT, count_stmt, &stmts);
	x = answer(r, topic, NULL, "2026-11-23");
	sqlite3_trace_v2(r->db, 0, NULL, NULL);
	ck_assert_int_eq(stmts, 0);
	ck_assert_uint_eq(route_fast_routes(r), fast + 1);
	ck_assert_str_eq(x, first);
	free(x);
	/* another connection commits: the next route sees it */
	away_yaml(yaml, sizeof(yaml), person, "2026-11-30", "Away");
	load(w, yaml);
	fast = route_fast_routes(r);
	x = answer(r, topic, NULL, "2026-11-23");
	ck_assert_uint_eq(route_fast_routes(r), fast);
	ck_assert_ptr_nonnull(strstr(x, "\"why\":\"absent until 2026-11-30 (Away)\""));
	/* and the writer itself, warm, sees its own next commit */
	free(answer(w, topic, NULL, "2026-11-23"));
	free(answer(w, topic, NULL, "2026-11-23"));
	y = answer(w, topic, NULL, "2026-11-23");
	ck_assert_uint_gt(route_fast_routes(w), 0);
	ck_assert_str_eq(x, y);
	free(y);
	/* then the reader is fast again, with the same answer */
	y = answer(r, topic, NULL, "2026-11-23");
	free(y);
	y = answer(r, topic, NULL, "2026-11-23");
	ck_assert_uint_gt(route_fast_routes(r), fast);
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	away_yaml(yaml, sizeof(yaml), person, "2026-11-27", "Ill");
	load(w, yaml);
	x = answer(w, topic, NULL, "2026-11-23");
	y = answer(r, topic, NULL, "2026-11-23");
	ck_assert_str_eq(x, y);
	ck_assert_ptr_nonnull(strstr(x, "\"why\":\"absent until 2026-11-27 (Ill)\""));
	free(x);
	free(y);
	free(first);
	for (i = 0; i < n; i++)
		free(q[i]);
	free(q);
	store_free(r);
	store_free(w);
	unlink_db(path);
	baton_error_release(&err);
}
END_TEST

/* A route inside a write transaction sees what it wrote; after a rollback
 * the next route does not (its caches would otherwise still hold it). */
START_TEST(test_rolled_back_write_not_kept)
{
	char path[] = "/tmp/baton-routeroll-XXXXXX";
	char role[32], person[32], sql[256], *inside, *after, *before;
	struct store *w;
	struct baton_error err = BATON_ERROR_INIT;
	const char *topic = NULL;
	size_t n, i;
	char **q;

	w = file_org(path);
	q = questions(w, &n);
	topic = topic_with_contact(w, q, n, role, person);
	free(answer(w, topic, NULL, "2026-11-23"));
	before = answer(w, topic, NULL, "2026-11-23");
	ck_assert_int_eq(store_begin(w, &err), BATON_OK);
	snprintf(sql, sizeof(sql), "INSERT INTO absence (person, from_date,"
		 " to_date, reason) VALUES ('%s', '2026-11-01', '2026-11-30',"
		 " 'Gone')", person);
	ck_assert_int_eq(sqlite3_exec(w->db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(answer(w, topic, NULL, "2026-11-23"));
	inside = answer(w, topic, NULL, "2026-11-23");
	ck_assert_ptr_nonnull(strstr(inside, "absent until 2026-11-30 (Gone)"));
	store_rollback(w);
	after = answer(w, topic, NULL, "2026-11-23");
	ck_assert_str_eq(after, before);
	free(after);
	after = answer(w, topic, NULL, "2026-11-23");
	ck_assert_str_eq(after, before);
	free(after);
	free(inside);
	free(before);
	for (i = 0; i < n; i++)
		free(q[i]);
	free(q);
	store_free(w);
	unlink_db(path);
	baton_error_release(&err);
}
END_TEST

Suite *suite_routedir(void)
{
	Suite *s = suite_create("routedir");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_same_answers);
	tcase_add_test(tc, test_import_seen);
	tcase_add_test(tc, test_bad_utf8_as_before);
	tcase_add_test(tc, test_absence_and_handover_seen);
	tcase_add_test(tc, test_other_connection_seen);
	tcase_add_test(tc, test_fast_route_sees_commits);
	tcase_add_test(tc, test_rolled_back_write_not_kept);
	suite_add_tcase(s, tc);
	return s;
}
