/* search.c - free-text search over the FTS5 index; see search.h.
 *
 * The answer is the first `limit` documents matching any word of the text
 * (an OR query), ranked by bm25. Ranking every document that holds a common
 * word costs about a microsecond each (FTS5 reads the document's size, its
 * positions, then the join and snippet), so a large organisation paid tens
 * of milliseconds per query. The same answer now comes from less work:
 *
 *   1. The documents holding *every* word (an AND query) are ranked first.
 *      baton_bm25() is FTS5's bm25 computed the same way (same statistics,
 *      same floating-point operations, so the same scores) and also gives a
 *      bound: a document that lacks one of the words scores less than the
 *      sum over the other words of idf * (k1 + 1), the most a word can add.
 *      If the `limit`-th best of the AND set scores above that bound, no
 *      other document can enter the first `limit`, and the answer is exactly
 *      the OR query's (same rows, order and snippets: the phrases, their
 *      instances and statistics do not depend on AND or OR). Otherwise (one
 *      word, too few documents with every word, or a low score) the OR query
 *      is ranked, as before.
 *   2. Within a query, baton_bm25 keeps the best `limit` scores so far and
 *      sets aside rows that cannot reach them, mostly without reading their
 *      size; the query drops those before the join and snippet(). Matches
 *      are read newest first (highest rowid), where the importer put the
 *      rules, whose keywords score highest: the best scores are met early.
 *   3. bm25's document count per word (a full pass over the word's entries)
 *      is remembered per connection until the database changes, and so is
 *      every document's length (search_docsize, read in one scan when a
 *      query of one word first needs it).
 *   4. A query of one distinct word (no AND to rank first) is ranked inside
 *      baton_bm25: it reads every document holding the word through FTS5's
 *      xQueryPhrase, in C, after scoring the newest ones to set the bar,
 *      and the SQL query then reads only the few that can be in the answer
 *      (rank_single).
 *
 * tests/check_search.c compares every answer with the plain bm25 query.
 */
#include "search.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* ------------------------------------------------------------------------
 * Query building
 * ---------------------------------------------------------------------- */

enum { SEARCH_MAX_WORDS = 32 };

static const char *const stop_words[] = {
	"a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does",
	"for", "from", "how", "i", "in", "is", "it", "me", "my", "of", "on",
	"or", "our", "please", "the", "to", "we", "what", "who", "whom",
	"with", "you", NULL
};

/* A word character: ASCII letters and digits, and every byte of a UTF-8
 * sequence (unicode61 decides about those). */
static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

static int is_stop(const char *w, size_t n)
{
	size_t i, j;

	for (i = 0; stop_words[i]; i++) {
		const char *s = stop_words[i];

		if (strlen(s) != n)
			continue;
		for (j = 0; j < n; j++) {
			unsigned char c = (unsigned char)w[j];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (c != (unsigned char)s[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

/* Append the words of text (skipping stop words when `skip_stop`), joined
 * by `join`. */
static int add_words(struct strbuf *sb, const char *text, int skip_stop,
		     const char *join)
{
	const char *p = text;
	int n = 0;

	while (*p && n < SEARCH_MAX_WORDS) {
		const char *w;
		size_t len, i;

		while (*p && !word_char((unsigned char)*p))
			p++;
		w = p;
		while (*p && word_char((unsigned char)*p))
			p++;
		len = (size_t)(p - w);
		if (!len || (skip_stop && is_stop(w, len)))
			continue;
		if (n)
			strbuf_addstr(sb, join);
		strbuf_addch(sb, '"');
		for (i = 0; i < len; i++) {
			if (w[i] == '"')
				strbuf_addch(sb, '"');
			strbuf_addch(sb, w[i]);
		}
		strbuf_addch(sb, '"');
		n++;
	}
	return n;
}

/* search_fts_query with the words joined by `join`; *nwords the count. */
static char *fts_query(const char *text, const char *join, int *nwords)
{
	struct strbuf sb = STRBUF_INIT;
	int n;

	if (!text)
		return NULL;
	if (!(n = add_words(&sb, text, 1, join))) {
		strbuf_reset(&sb);
		n = add_words(&sb, text, 0, join);
	}
	if (sb.oom) {
		strbuf_release(&sb);
		return NULL;
	}
	if (nwords)
		*nwords = n;
	return strbuf_detach(&sb);
}

char *search_fts_query(const char *text)
{
	return fts_query(text, " OR ", NULL);
}

/* ------------------------------------------------------------------------
 * Ranking: baton_bm25()
 * ---------------------------------------------------------------------- */

/* BM25 constants, as FTS5's bm25() has them. */
#define BM25_K1 1.2
#define BM25_B 0.75

enum { RANK_CACHE_MAX = 4096 };

/* A word's document count (nHit of bm25's IDF), remembered per connection. */
struct word_hits {
	char *word;
	sqlite3_int64 nhit;
};

/* Per connection: baton_bm25 is registered on it (FTS5 auxiliary functions
 * are per connection; FTS5 calls ranker_destroy when it closes), with the
 * document counts of the words searched so far, valid while data_version
 * and the connection's change count stay the same. During one search,
 * `nwords`, `nhit` and `same` describe the query's phrases (phrase i is
 * word i; nhit -1 when unknown: baton_bm25 counts it and fills it in) and
 * `limit` is the query's LIMIT. */
struct ranker {
	sqlite3 *db;
	struct ranker *next;
	long long data_version;
	sqlite3_int64 changes;
	struct word_hits *cache;
	size_t ncache;
	int nwords;
	sqlite3_int64 nhit[SEARCH_MAX_WORDS];
	int same[SEARCH_MAX_WORDS];     /* an earlier word equal to word i, or i */
	int limit;
	/* baton_bm25(search, 2, ...): the documents that can be among the
	 * first `limit` (rank_single), then sorted by rowid; with `only`,
	 * baton_bm25 sets aside every other row */
	struct top_doc *cand;
	size_t ncand, acand;
	int only;
	/* every document's length in tokens by rowid (dl_load), as
	 * xColumnSize(-1) reads it from search_docsize; NULL: not loaded */
	unsigned *dl;
	sqlite3_int64 ndl;
	int dl_tried;
};

struct top_doc {
	sqlite3_int64 rowid;
	double score;
};

static pthread_mutex_t rankers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ranker *rankers;

/* Statistics of one query, computed at its first row and kept by FTS5 with
 * the cursor (xSetAuxdata), and the best scores seen so far. */
struct rank_data {
	int nphrase;
	double avgdl;   /* average tokens per document */
	double bound;   /* a document lacking a phrase scores below this */
	double *idf;    /* per phrase */
	double *freq;   /* per phrase, the current row's weighted frequency */
	int *plen;      /* per phrase, its tokens */
	int *same;      /* per phrase, an earlier identical phrase, or itself */
	int ncol;
	double *weight; /* per column, bm25's weight */
	int *cend;      /* per column, the current row's tokens at least */
	int limit;      /* the query's LIMIT, 0 when unknown */
	int nbest;
	double *best;   /* min-heap of the best `limit` scores (positive) */
	sqlite3_int64 last_rowid;
	double last;    /* baton_bm25's answer for last_rowid */
	int has_last;
	struct ranker *ranker;  /* top_all's */
	const unsigned *dl;     /* the ranker's, when loaded */
	sqlite3_int64 ndl;
	sqlite3_int64 seeded;   /* top_all: the rows scored from there up */
	int nseeded;
};

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *p)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)p)++;
	return SQLITE_OK;
}

static int rank_data_get(const Fts5ExtensionApi *api, Fts5Context *fts,
			 struct rank_data **out)
{
	struct rank_data *d = api->xGetAuxdata(fts, 0);
	struct ranker *r = api->xUserData(fts);
	sqlite3_int64 nrow = 0, ntok = 0;
	double sum = 0.0, least = 0.0;
	int rc = SQLITE_OK, i, n, limit, ncol;
	size_t size;

	if (d) {
		*out = d;
		return SQLITE_OK;
	}
	n = api->xPhraseCount(fts);
	ncol = api->xColumnCount(fts);
	limit = r->limit > 0 && r->limit <= 100 ? r->limit : 0;
	size = sizeof(*d) + (2 * (size_t)n + (size_t)limit + (size_t)ncol) *
	       sizeof(double) + (2 * (size_t)n + (size_t)ncol) * sizeof(int);
	if (!(d = sqlite3_malloc64(size)))
		return SQLITE_NOMEM;
	memset(d, 0, size);
	d->nphrase = n;
	d->idf = (double *)(d + 1);
	d->freq = d->idf + n;
	d->best = d->freq + n;
	d->weight = d->best + limit;
	d->plen = (int *)(d->weight + ncol);
	d->same = d->plen + n;
	d->cend = d->same + n;
	d->ncol = ncol;
	d->limit = limit;
	d->dl = r->dl;
	d->ndl = r->ndl;
	for (i = 0; i < n; i++) {
		d->plen[i] = api->xPhraseSize(fts, i);
		d->same[i] = r->nwords == n ? r->same[i] : i;
	}
	rc = api->xRowCount(fts, &nrow);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &ntok);
	if (rc == SQLITE_OK)
		d->avgdl = (double)ntok / (double)nrow;
	/* IDF = log((N - nHit + 0.5) / (nHit + 0.5)), at least 1e-6, where
	 * nHit counts the documents holding the phrase: FTS5's formula. */
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_int64 nhit = 0;
		double idf, most;

		if (r->nwords == n && r->nhit[i] >= 0) {
			nhit = r->nhit[i];
		} else {
			rc = api->xQueryPhrase(fts, i, &nhit, count_cb);
			if (rc != SQLITE_OK)
				break;
			if (r->nwords == n)
				r->nhit[i] = nhit;
		}
		idf = log((nrow - nhit + 0.5) / (nhit + 0.5));
		if (idf <= 0.0)
			idf = 1e-6;
		d->idf[i] = idf;
		/* A phrase adds idf * f(k1+1) / (f + k1(1 - b + b D/avgdl)),
		 * always less than idf * (k1 + 1) as 1 - b > 0. */
		most = idf * (BM25_K1 + 1.0);
		sum += most;
		if (!i || most < least)
			least = most;
	}
	d->bound = sum - least;
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, d, sqlite3_free);
	else
		sqlite3_free(d);
	*out = rc == SQLITE_OK ? d : NULL;
	return rc;
}

/* Add score to the min-heap of the best d->limit scores. */
static void best_add(struct rank_data *d, double score)
{
	double *h = d->best;
	int i, n;

	if (d->nbest < d->limit) {
		i = d->nbest++;
		while (i > 0 && h[(i - 1) / 2] > score) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = score;
		return;
	}
	if (score <= h[0])
		return;
	n = d->nbest;
	i = 0;
	for (;;) {
		int c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1] < h[c])
			c++;
		if (h[c] >= score)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = score;
}

/* The row's score with document length dl, as FTS5's bm25() computes it:
 * the same operations in the same order, so the same doubles. */
static double rank_score(const struct rank_data *d, double dl)
{
	double score = 0.0;
	int i;

	for (i = 0; i < d->nphrase; i++)
		score += d->idf[i] * ((d->freq[i] * (BM25_K1 + 1.0)) /
			(d->freq[i] + BM25_K1 * (1 - BM25_B + BM25_B * dl / d->avgdl)));
	return score;
}

/* The current row's score (positive), added to the best d->limit so far;
 * -1.0 when it cannot be among them (it scores below the `limit`-th best so
 * far). Most such rows are found without reading the row's length: the
 * score is at most the one it would have with the fewest tokens it can hold
 * (in each column, up to the end of the last phrase found there), as bm25
 * falls when the length grows. */
static double row_score(const Fts5ExtensionApi *api, Fts5Context *fts,
			struct rank_data *d, int *rc)
{
	double score;
	int i, ntok = 0, least = 0;

	memset(d->freq, 0, sizeof(double) * (size_t)d->nphrase);
	memset(d->cend, 0, sizeof(int) * (size_t)d->ncol);
	/* Each phrase's instances in the order bm25 adds them (by column,
	 * then offset), read without building xInst's array of them all; a
	 * phrase repeated in the query has the same instances. */
	for (i = 0; i < d->nphrase; i++) {
		Fts5PhraseIter it;
		int ic, io;

		if (d->same[i] != i) {
			d->freq[i] = d->freq[d->same[i]];
			continue;
		}
		if ((*rc = api->xPhraseFirst(fts, i, &it, &ic, &io)))
			return -1.0;
		for (; ic >= 0; api->xPhraseNext(fts, &it, &ic, &io)) {
			if (ic >= d->ncol)
				continue;
			d->freq[i] += d->weight[ic];
			if (io + d->plen[i] > d->cend[ic])
				d->cend[ic] = io + d->plen[i];
		}
	}
	for (i = 0; i < d->ncol; i++)
		least += d->cend[i];
	if (d->limit && d->nbest == d->limit &&
	    rank_score(d, (double)least) * (1.0 + 1e-9) < d->best[0])
		return -1.0;
	if (d->dl) {
		sqlite3_int64 rowid = api->xRowid(fts);

		if (rowid >= 0 && rowid < d->ndl)
			ntok = (int)d->dl[rowid];
		else if ((*rc = api->xColumnSize(fts, -1, &ntok)))
			return -1.0;
	} else if ((*rc = api->xColumnSize(fts, -1, &ntok))) {
		return -1.0;
	}
	score = rank_score(d, (double)ntok);
	if (d->limit) {
		int below = d->nbest == d->limit && score < d->best[0];

		best_add(d, score);
		if (below)
			return -1.0;
	}
	return score;
}

/* A document of rank_single's query: scored, and kept as a candidate
 * unless it is set aside. Also the xQueryPhrase callback of top_all, which
 * skips the rows the query scored already (from d->seeded up). */
static int top_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *p)
{
	struct rank_data *d = p;
	struct ranker *r = d->ranker;
	double score;
	int rc = SQLITE_OK;

	if (d->nseeded && api->xRowid(fts) >= d->seeded)
		return SQLITE_OK;
	score = row_score(api, fts, d, &rc);
	if (rc != SQLITE_OK || score < 0.0)
		return rc;
	if (r->ncand == r->acand) {
		size_t na = r->acand ? r->acand * 2 : 64;
		struct top_doc *g = realloc(r->cand, na * sizeof(*g));

		if (!g)
			return SQLITE_NOMEM;
		r->cand = g;
		r->acand = na;
	}
	r->cand[r->ncand].rowid = api->xRowid(fts);
	r->cand[r->ncand++].score = score;
	return SQLITE_OK;
}

/* baton_bm25(search, 2, w0, w1, ...) on the rows of a query of one
 * distinct word, newest first (highest rowid), LIMIT `limit`: each row is
 * scored and kept as a candidate; at the `limit`-th, which fills the best
 * scores with the rules' (the importer writes them last, and their
 * keywords weigh most), every older document holding the word is read by
 * xQueryPhrase (no SQL row per document) and scored, the best scores set
 * aside most of them without reading their length. The ranker's
 * candidates are then the documents scoring at least the `limit`-th best
 * (every row when fewer match), ties included. */
static int top_all(const Fts5ExtensionApi *api, Fts5Context *fts,
		   struct rank_data *d, struct ranker *r)
{
	size_t i, n = 0;
	int rc;

	d->ranker = r;
	d->nseeded = 0;
	if ((rc = top_cb(api, fts, d)) != SQLITE_OK)
		return rc;
	d->seeded = api->xRowid(fts);
	d->nseeded = 1;
	if (d->nbest < d->limit)
		return SQLITE_OK;
	if ((rc = api->xQueryPhrase(fts, 0, d, top_cb)) != SQLITE_OK)
		return rc;
	for (i = 0; i < r->ncand; i++)
		if (!d->limit || d->nbest < d->limit ||
		    r->cand[i].score >= d->best[0])
			r->cand[n++] = r->cand[i];
	r->ncand = n;
	return SQLITE_OK;
}

static int cmp_top_rowid(const void *x, const void *y)
{
	const struct top_doc *a = x, *b = y;

	return a->rowid < b->rowid ? -1 : a->rowid > b->rowid;
}

/* 1 when the ranker keeps only its candidates and rowid is not one. */
static int not_candidate(const struct ranker *r, sqlite3_int64 rowid)
{
	struct top_doc key;

	if (!r->only)
		return 0;
	key.rowid = rowid;
	return !bsearch(&key, r->cand, r->ncand, sizeof(key), cmp_top_rowid);
}

/* baton_bm25(search, what, w0, w1, ...): with `what` 0 FTS5's
 * bm25(search, w0, w1, ...) (negative, lower is better), with `what` 1 the
 * query's bound (positive): a document lacking any one phrase scores less
 * than it; with `what` 2 see top_all.
 *
 * When the query's LIMIT is known (ranker.limit) and `limit` rows were
 * scored already, a row scoring below the `limit`-th best so far is
 * answered with 1.0 (after every real score, which is negative): such a row
 * is never among the first `limit`, and the query drops it before it joins
 * it or makes its snippet (row_score). */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
		    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	struct rank_data *d;
	sqlite3_int64 rowid;
	double score;
	int rc, i, what = nval > 0 ? sqlite3_value_int(val[0]) : 0;

	if ((rc = rank_data_get(api, fts, &d)))
		goto out;
	if (what == 1) {
		sqlite3_result_double(ctx, d->bound);
		return;
	}
	if (!d->has_last)
		for (i = 0; i < d->ncol; i++)
			d->weight[i] = nval > i + 1 ?
				sqlite3_value_double(val[i + 1]) : 1.0;
	if (what == 2) {
		struct ranker *r = api->xUserData(fts);

		d->has_last = 1;
		if ((rc = top_all(api, fts, d, r)))
			goto out;
		sqlite3_result_null(ctx);
		return;
	}
	rowid = api->xRowid(fts);
	if (d->has_last && d->last_rowid == rowid) {
		sqlite3_result_double(ctx, d->last);
		return;
	}
	if (not_candidate(api->xUserData(fts), rowid))
		score = -1.0;
	else
		score = row_score(api, fts, d, &rc);
	if (rc)
		goto out;
	d->last_rowid = rowid;
	d->last = -1.0 * score;
	d->has_last = 1;
	sqlite3_result_double(ctx, d->last);
	return;
out:
	sqlite3_result_error_code(ctx, rc);
}

static void ranker_destroy(void *p)
{
	struct ranker *r = p, **pp;
	size_t i;

	pthread_mutex_lock(&rankers_lock);
	for (pp = &rankers; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&rankers_lock);
	for (i = 0; i < r->ncache; i++)
		free(r->cache[i].word);
	free(r->cache);
	free(r->cand);
	free(r->dl);
	free(r);
}

/* The ranker of st's connection, registering baton_bm25 on it first if
 * needed, with its word cache emptied if the database changed. */
static struct ranker *ranker_get(struct store *st, struct baton_error *err)
{
	struct ranker *r;
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;
	sqlite3_int64 changes = sqlite3_total_changes64(st->db);
	long long dv;
	size_t i;
	int rc;

	pthread_mutex_lock(&rankers_lock);
	for (r = rankers; r; r = r->next)
		if (r->db == st->db)
			break;
	pthread_mutex_unlock(&rankers_lock);
	if (!r) {
		if (sqlite3_prepare_v2(st->db, "SELECT fts5(?1)", -1, &s, NULL) !=
		    SQLITE_OK) {
			store_fail(st, err, "cannot set up search on");
			return NULL;
		}
		sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(s);
		sqlite3_finalize(s);
		if (!api || api->iVersion < 2) {
			baton_fail(err, BATON_DB, "cannot set up search: no FTS5");
			return NULL;
		}
		if (!(r = calloc(1, sizeof(*r)))) {
			baton_fail(err, BATON_NOMEM, "out of memory");
			return NULL;
		}
		r->db = st->db;
		r->data_version = -1;
		/* On failure FTS5 does not call the destructor. */
		rc = api->xCreateFunction(api, "baton_bm25", r, rank_fn,
					  ranker_destroy);
		if (rc != SQLITE_OK) {
			free(r);
			if (rc == SQLITE_NOMEM)
				baton_fail(err, BATON_NOMEM, "out of memory");
			else
				store_fail(st, err, "cannot set up search on");
			return NULL;
		}
		pthread_mutex_lock(&rankers_lock);
		r->next = rankers;
		rankers = r;
		pthread_mutex_unlock(&rankers_lock);
	}
	if (store_data_version(st, &dv, err))
		return NULL;
	if (dv != r->data_version || changes != r->changes) {
		for (i = 0; i < r->ncache; i++)
			free(r->cache[i].word);
		r->ncache = 0;
		free(r->dl);
		r->dl = NULL;
		r->ndl = 0;
		r->dl_tried = 0;
		r->data_version = dv;
		r->changes = changes;
	}
	return r;
}

/* The remembered document count of word (n bytes), -1 when unknown. */
static sqlite3_int64 word_hits_get(const struct ranker *r, const char *word,
				   size_t n)
{
	size_t i;

	for (i = 0; i < r->ncache; i++)
		if (!strncmp(r->cache[i].word, word, n) && !r->cache[i].word[n])
			return r->cache[i].nhit;
	return -1;
}

/* Remember the document count of word (n bytes); the cache starts over when
 * full. Out of memory only means it is not remembered. */
static void word_hits_put(struct ranker *r, const char *word, size_t n,
			  sqlite3_int64 nhit)
{
	char *w;
	size_t i;

	if (word_hits_get(r, word, n) >= 0)
		return;
	if (!r->cache && !(r->cache = calloc(RANK_CACHE_MAX, sizeof(*r->cache))))
		return;
	if (r->ncache == RANK_CACHE_MAX) {
		for (i = 0; i < r->ncache; i++)
			free(r->cache[i].word);
		r->ncache = 0;
	}
	if (!(w = malloc(n + 1)))
		return;
	memcpy(w, word, n);
	w[n] = 0;
	r->cache[r->ncache].word = w;
	r->cache[r->ncache++].nhit = nhit;
}

/* ------------------------------------------------------------------------
 * Search
 * ---------------------------------------------------------------------- */

/* Rows baton_bm25 set aside (1.0) are dropped before the join and the
 * snippet; the ORDER BY and LIMIT are those baton_bm25 expects. ROWS is
 * empty, or (ids_sql) a condition that keeps rank_single's candidates,
 * whose rowids lie between ?3 and ?4; ORDER the order FTS5 reads. */
#define SEARCH_SQL(ROWS, ORDER) \
	"SELECT d.kind, d.name, d.sub, d.title, h.score," \
	" CASE d.kind" \
	"  WHEN 'rule' THEN (SELECT handler_kind || ':' || handler_name" \
	"   FROM rule WHERE name = d.name)" \
	"  WHEN 'process' THEN coalesce(" \
	"   (SELECT 'role:' || owner FROM process WHERE name = d.name)," \
	"   (SELECT 'role:' || role FROM responsibility_process" \
	"    WHERE process = d.name ORDER BY role LIMIT 1))" \
	"  ELSE 'role:' || d.name END," \
	" h.snip, h.bound" \
	" FROM (SELECT search.rowid AS id," \
	"  baton_bm25(search, 0, " SEARCH_W_TITLE ", " SEARCH_W_KEYWORDS ", " \
	SEARCH_W_BODY ", " SEARCH_W_TOPIC ") AS score," \
	"  snippet(search, -1, '[', ']', '...', 12) AS snip," \
	"  baton_bm25(search, 1) AS bound" \
	"  FROM search WHERE search MATCH ?1" ROWS " AND score < 0.5" \
	ORDER " LIMIT -1) AS h" \
	" JOIN search_doc AS d ON d.id = h.id" \
	" ORDER BY h.score, CASE d.kind WHEN 'rule' THEN 0" \
	"  WHEN 'responsibility' THEN 1 WHEN 'process' THEN 2 ELSE 3 END," \
	" d.name, d.sub" \
	" LIMIT ?2"
static const char search_sql[] = SEARCH_SQL("",
	"  ORDER BY search.rowid DESC");
/* rank_single's candidates lie between ?3 and ?4 (one range read in
 * FTS5's own order; a lookup per id costs FTS5 more) and baton_bm25 sets
 * aside every other row there (ranker.only) */
static const char ids_sql[] = SEARCH_SQL(
	" AND search.rowid BETWEEN ?3 AND ?4", "");
/* rank_single's first pass: baton_bm25 reads them all at the last row */
static const char top_sql[] =
	"SELECT baton_bm25(search, 2, " SEARCH_W_TITLE ", " SEARCH_W_KEYWORDS
	", " SEARCH_W_BODY ", " SEARCH_W_TOPIC ")"
	" FROM search WHERE search MATCH ?1 ORDER BY rowid DESC LIMIT ?2";

static json_t *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? json_string((const char *)t) : json_null();
}

/* The role name of a "role:NAME" handler in column i, else null. */
static json_t *handler_role(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t && !strncmp(t, "role:", 5) ? json_string(t + 5) : json_null();
}

/* The words of FTS5 query q (as fts_query writes them: quoted, '"'
 * doubled), each as its start in q and its length, at most
 * SEARCH_MAX_WORDS; the count. */
static int query_words(const char *q, const char **at, size_t *len)
{
	int n = 0;

	while (*q && n < SEARCH_MAX_WORDS) {
		const char *p;

		if (*q != '"') {
			q++;
			continue;
		}
		p = ++q;
		for (;;) {
			if (!*q)
				break;
			if (*q == '"' && q[1] == '"') {
				q += 2;
				continue;
			}
			if (*q == '"')
				break;
			q++;
		}
		at[n] = p;
		len[n++] = (size_t)(q - p);
		if (*q)
			q++;
	}
	return n;
}

/* Whether FTS5 query q (from fts_query) holds two different words. */
static int several_words(const char *q)
{
	const char *at[SEARCH_MAX_WORDS];
	size_t len[SEARCH_MAX_WORDS];
	int n = query_words(q, at, len), i;

	for (i = 1; i < n; i++)
		if (len[i] != len[0] || memcmp(at[i], at[0], len[0]))
			return 1;
	return 0;
}

/* Append the first `limit` documents matching FTS5 query q to results, best
 * first. With `all_words` (q joins the words with AND) *sure says whether
 * they are the first `limit` of the OR query too: `limit` of them and the
 * last one scoring above the bound of baton_bm25 (with a margin far above
 * rounding errors). */
/* Describe the words of FTS5 query q to baton_bm25 (ranker_end after). */
static void ranker_begin(struct ranker *r, const char *q, int limit,
			 const char **at, size_t *len)
{
	int i, j;

	r->nwords = query_words(q, at, len);
	for (i = 0; i < r->nwords; i++) {
		r->nhit[i] = word_hits_get(r, at[i], len[i]);
		for (j = 0; j < i && (len[j] != len[i] ||
				      memcmp(at[j], at[i], len[i])); j++)
			;
		r->same[i] = j;
	}
	r->limit = limit;
}

/* Remember the document counts baton_bm25 found (when ok). */
static void ranker_end(struct ranker *r, int ok, const char **at, size_t *len)
{
	int i;

	for (i = 0; ok && i < r->nwords; i++)
		if (r->nhit[i] >= 0)
			word_hits_put(r, at[i], len[i], r->nhit[i]);
	r->nwords = 0;
	r->limit = 0;
}

/* range: NULL, or the rowids of rank_single's candidates, from range[0]
 * to range[1] (ids_sql). */
static enum baton_code rank_query(struct store *st, struct ranker *r,
				  const char *q, int limit, int all_words,
				  const sqlite3_int64 *range, json_t *results,
				  int *sure, struct baton_error *err)
{
	const char *at[SEARCH_MAX_WORDS];
	size_t len[SEARCH_MAX_WORDS];
	sqlite3_stmt *s;
	double last = 0.0, bound = 0.0;
	enum baton_code rc = BATON_OK;
	int step, n = 0;

	*sure = 0;
	if (!(s = store_cached(st, range ? ids_sql : search_sql, err)))
		return err && err->code ? err->code : BATON_DB;
	ranker_begin(r, q, limit, at, len);
	sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	if (range) {
		sqlite3_bind_int64(s, 3, range[0]);
		sqlite3_bind_int64(s, 4, range[1]);
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		double score = -sqlite3_column_double(s, 4);
		json_t *hit = json_object();

		last = score;
		bound = sqlite3_column_double(s, 7);
		n++;
		score = round(score * 1000.0) / 1000.0;
		if (!hit ||
		    json_object_set_new(hit, "kind", col_str(s, 0)) ||
		    json_object_set_new(hit, "name", col_str(s, 1)) ||
		    json_object_set_new(hit, "id", col_str(s, 2)) ||
		    json_object_set_new(hit, "title", col_str(s, 3)) ||
		    json_object_set_new(hit, "role", handler_role(s, 5)) ||
		    json_object_set_new(hit, "handler", col_str(s, 5)) ||
		    json_object_set_new(hit, "score", json_real(score)) ||
		    json_object_set_new(hit, "snippet", col_str(s, 6)) ||
		    json_array_append_new(results, hit)) {
			json_decref(hit);
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			break;
		}
	}
	sqlite3_reset(s);
	if (!rc && step != SQLITE_DONE)
		rc = store_fail(st, err, "cannot search");
	ranker_end(r, !rc, at, len);
	*sure = !rc && all_words && n == limit &&
		last > bound * (1.0 + 1e-9) + 1e-12;
	return rc;
}

/* The sum of the SQLite varints of p (n bytes: search_docsize.sz, one
 * per column, as FTS5 writes it) in *sum; -1 when one is cut short. */
static int varint_sum(const unsigned char *p, int n, sqlite3_uint64 *sum)
{
	const unsigned char *end = p + (n > 0 ? n : 0);

	*sum = 0;
	while (p && p < end) {
		sqlite3_uint64 v = 0;
		int i;

		for (i = 0; i < 8 && p + i < end && (p[i] & 0x80); i++)
			v = (v << 7) | (p[i] & 0x7f);
		if (p + i >= end)
			return -1;
		/* the 9th byte holds 8 bits */
		v = i == 8 ? (v << 8) | p[i] : (v << 7) | p[i];
		*sum += v;
		p += i + 1;
	}
	return 0;
}

/* Load r->dl, every document's length, once per snapshot (ranker_get drops
 * it): a single-word query reads the length of thousands of documents, a
 * lookup of search_docsize each through xColumnSize. Not loaded (and
 * xColumnSize used) when the rowids are too sparse for an array or a size
 * cannot be read; only a failing read is an error. */
static enum baton_code dl_load(struct store *st, struct ranker *r,
			       struct baton_error *err)
{
	static const char sql[] =
		"SELECT (SELECT max(id) FROM search_docsize),"
		" (SELECT count(*) FROM search_docsize)";
	static const char rows_sql[] = "SELECT id, sz FROM search_docsize";
	sqlite3_stmt *s;
	sqlite3_int64 max = -1, count = 0;
	unsigned *dl = NULL;
	int step, bad = 0;

	if (r->dl || r->dl_tried)
		return BATON_OK;
	r->dl_tried = 1;
	if (!(s = store_cached(st, sql, err)))
		return err && err->code ? err->code : BATON_DB;
	if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		max = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1
			: sqlite3_column_int64(s, 0);
		count = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (step != SQLITE_ROW)
		return store_fail(st, err, "cannot search");
	/* an array by rowid: at most four slots per document */
	if (max < 0 || max >= 4 * count + 1024 || max >= 0x7fffffff ||
	    !(dl = calloc((size_t)max + 1, sizeof(*dl))))
		return BATON_OK;
	if (!(s = store_cached(st, rows_sql, err))) {
		free(dl);
		return err && err->code ? err->code : BATON_DB;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(s, 0);
		sqlite3_uint64 sum;

		if (id < 0 || id > max ||
		    varint_sum(sqlite3_column_blob(s, 1),
			       sqlite3_column_bytes(s, 1), &sum) ||
		    sum > 0x7fffffff) {
			bad = 1;
			break;
		}
		dl[id] = (unsigned)sum;
	}
	sqlite3_reset(s);
	if (bad || step != SQLITE_DONE) {
		free(dl);
		return bad ? BATON_OK : store_fail(st, err, "cannot search");
	}
	r->dl = dl;
	r->ndl = max + 1;
	return BATON_OK;
}

/* The first `limit` documents matching q, a query of one distinct word
 * (perhaps repeated), appended to results as rank_query would: a first
 * pass (top_sql) reads and scores every document holding the word inside
 * baton_bm25, through xQueryPhrase (top_all), with the lengths of
 * dl_load, and keeps those that can be among the first `limit` (ties
 * included); rank_query's query then reads only their rowid range, where
 * baton_bm25 sets aside every other row. Each document costs FTS5's
 * reading of its entry, not an SQL row and a lookup of its length. */
static enum baton_code rank_single(struct store *st, struct ranker *r,
				   const char *q, int limit, json_t *results,
				   struct baton_error *err)
{
	const char *at[SEARCH_MAX_WORDS];
	size_t len[SEARCH_MAX_WORDS];
	sqlite3_int64 range[2];
	sqlite3_stmt *s;
	enum baton_code rc = BATON_OK;
	int step, sure;

	if (!(s = store_cached(st, top_sql, err)))
		return err && err->code ? err->code : BATON_DB;
	if ((rc = dl_load(st, r, err)))
		return rc;
	ranker_begin(r, q, limit, at, len);
	r->ncand = 0;
	sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	ranker_end(r, step == SQLITE_DONE, at, len);
	if (step == SQLITE_DONE && !r->ncand)
		return BATON_OK;        /* no document holds the word */
	if (step != SQLITE_DONE)
		return sqlite3_errcode(st->db) == SQLITE_NOMEM
		       ? baton_fail(err, BATON_NOMEM, "out of memory")
		       : store_fail(st, err, "cannot search");
	qsort(r->cand, r->ncand, sizeof(*r->cand), cmp_top_rowid);
	range[0] = r->cand[0].rowid;
	range[1] = r->cand[r->ncand - 1].rowid;
	r->only = 1;
	rc = rank_query(st, r, q, limit, 0, range, results, &sure, err);
	r->only = 0;
	return rc;
}

enum baton_code search_text(struct store *st, const char *text, int limit,
			    json_t **out, struct baton_error *err)
{
	char *q = NULL, *q_all = NULL;
	json_t *doc = NULL, *results;
	struct ranker *r;
	enum baton_code rc = BATON_OK;
	int nwords = 0, sure = 0;

	*out = NULL;
	if (limit < 1 || limit > 100)
		limit = 10;
	q = fts_query(text ? text : "", " OR ", &nwords);
	doc = json_pack("{s:s, s:[]}", "query", text ? text : "", "results");
	if (!q || !doc) {
		rc = baton_fail(err, BATON_NOMEM, "out of memory");
		goto out;
	}
	results = json_object_get(doc, "results");
	if (!*q)
		goto done;
	if (!(r = ranker_get(st, err))) {
		rc = err && err->code ? err->code : BATON_DB;
		goto out;
	}
	/* One word, perhaps repeated: the AND query is the OR query. */
	if (nwords > 1 && several_words(q)) {
		if (!(q_all = fts_query(text, " AND ", NULL))) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = rank_query(st, r, q_all, limit, 1, NULL, results,
				     &sure, err)))
			goto out;
		if (!sure && json_array_clear(results)) {
			rc = baton_fail(err, BATON_NOMEM, "out of memory");
			goto out;
		}
	} else {
		rc = rank_single(st, r, q, limit, results, err);
		goto done_rc;
	}
	if (!sure && (rc = rank_query(st, r, q, limit, 0, NULL, results,
				      &sure, err)))
		goto out;
done_rc:
	if (rc)
		goto out;
done:
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	free(q);
	free(q_all);
	return rc;
}
