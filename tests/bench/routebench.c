/* routebench.c - time route_resolve() inside the process, for bench.py.
 *
 *   routebench DB [N [topic|text]]
 *
 * Opens the bench database read-only, draws N topics from the rules' own
 * topics (a '*' or '**' segment becomes a concrete word; a fixed-seed
 * generator picks the rules, so every run asks the same questions) and N
 * free-text queries from the rules' keywords, routes each after a call
 * that builds the topic index, in two passes (see run()), and prints one
 * JSON object: {"topic": {"n", "p50_us", "p99_us", "cold_p50_us",
 * "cold_p99_us", "json_p50_us", "json_p99_us"}, "text": {...}}, p50/p99
 * being the warm pass; json_*: the same route followed by
 * route_result_to_json(), the document the CLI prints and the API sends
 * (a route keeps its answer as C data until asked, core/route.c).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route.h"
#include "store.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A concrete topic matching glob pattern p. */
static char *concrete(const char *p)
{
	char *out = malloc(strlen(p) * 2 + 8), *o = out;

	if (!out)
		return NULL;
	while (*p) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			o += sprintf(o, "x");
			continue;
		}
		*o++ = *p++;
	}
	*o = 0;
	return out;
}

static char **column(struct store *st, const char *sql, size_t *n)
{
	sqlite3_stmt *s;
	char **v = NULL;
	size_t a = 0;

	*n = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == a) {
			a = a ? a * 2 : 1024;
			v = realloc(v, a * sizeof(*v));
			if (!v)
				exit(3);
		}
		v[(*n)++] = strdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return v;
}

/* p50 and p99 of n sorted timings. */
static void pct(double *t, int n, double *p50, double *p99)
{
	qsort(t, n, sizeof(*t), cmp_double);
	*p50 = t[n / 2];
	*p99 = t[(int)(n * 0.99)];
}

/* Route n queries drawn from pool twice: the first pass finds every page
 * of the database it needs for the first time (cold: the page faults of a
 * process that just started), the second asks the same questions again in
 * the same order (warm: the steady state of a serving process). */
static int run(struct store *st, const char *label, char **pool, size_t npool,
	       int is_text, int n, int last)
{
	double *cold = malloc(n * sizeof(*cold));
	double *warm = malloc(n * sizeof(*warm));
	double *doc = malloc(n * sizeof(*doc));
	size_t *pick = malloc(n * sizeof(*pick));
	struct baton_error err = BATON_ERROR_INIT;
	double c50, c99, w50, w99, j50, j99;
	int i, pass;

	if (!cold || !warm || !doc || !pick || !npool)
		return 1;
	for (i = 0; i < n; i++)
		pick[i] = next_rand() % npool;
	for (pass = 0; pass < 2; pass++) {
		/* i == -1: a call that builds the topic index, not timed */
		for (i = -1; i < n; i++) {
			const char *q = pool[pick[i < 0 ? 0 : i]];
			struct route_query rq = { 0 };
			struct route_result *res = NULL;
			char *topic;
			double t0;

			if (i < 0 && pass)
				continue;
			topic = is_text ? NULL : concrete(q);
			if (is_text)
				rq.text = q;
			else
				rq.topic = topic;
			t0 = now_us();
			if (route_resolve(st, &rq, &res, &err)) {
				fprintf(stderr, "routebench: %s: route failed\n", q);
				return 1;
			}
			if (i >= 0)
				(pass ? warm : cold)[i] = now_us() - t0;
			if (i >= 0 && pass) {
				json_t *j = route_result_to_json(res);

				doc[i] = now_us() - t0;
				if (!j) {
					fprintf(stderr, "routebench: %s: no document\n", q);
					return 1;
				}
				json_decref(j);
			}
			route_result_free(res);
			free(topic);
		}
	}
	pct(cold, n, &c50, &c99);
	pct(warm, n, &w50, &w99);
	pct(doc, n, &j50, &j99);
	printf("\"%s\": {\"n\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f,"
	       " \"cold_p50_us\": %.1f, \"cold_p99_us\": %.1f,"
	       " \"json_p50_us\": %.1f, \"json_p99_us\": %.1f}%s", label, n,
	       w50, w99, c50, c99, j50, j99, last ? "" : ", ");
	free(cold);
	free(warm);
	free(doc);
	free(pick);
	baton_error_release(&err);
	return 0;
}

/* jemalloc's options, read at its start when baton is linked with it
 * (Makefile; a plain variable otherwise) (the same as baton's, cli/main.c): transparent huge pages for its
 * memory and metadata. The audit and the import touch much fresh memory,
 * and a page fault is slow on a virtual machine: at 100k people the audit
 * took 26,500 of them, 7,500 with this (about 12% less CPU). */
const char *malloc_conf = "thp:always,metadata_thp:always";

int main(int argc, char **argv)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	char **topics, **words;
	size_t nt, nw, i;
	int n = argc > 2 ? atoi(argv[2]) : 2000, rc;

	/* the settings of the baton process (cli/main.c): glibc keeps freed
	 * memory instead of handing it back to the kernel after each answer */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	if (argc < 2 || n <= 0) {
		fprintf(stderr, "usage: routebench DB [N]\n");
		return 2;
	}
	if (store_open(argv[1], STORE_READONLY, &st, &err)) {
		fprintf(stderr, "routebench: cannot open %s\n", argv[1]);
		return 3;
	}
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	topics = column(st, "SELECT topic FROM rule WHERE topic IS NOT NULL ORDER BY name", &nt);
	words = column(st, "SELECT keywords FROM rule WHERE keywords IS NOT NULL ORDER BY name", &nw);
	printf("{");
	if (argc > 3 && !strcmp(argv[3], "topic"))
		rc = run(st, "topic", topics, nt, 0, n, 1);
	else if (argc > 3 && !strcmp(argv[3], "text"))
		rc = run(st, "text", words, nw, 1, n, 1);
	else
		rc = run(st, "topic", topics, nt, 0, n, 0) ||
		     run(st, "text", words, nw, 1, n, 1);
	printf("}\n");
	for (i = 0; i < nt; i++)
		free(topics[i]);
	for (i = 0; i < nw; i++)
		free(words[i]);
	free(topics);
	free(words);
	store_free(st);
	baton_error_release(&err);
	return rc ? 3 : 0;
}
