/* topic.c - topic globs: normalise, match, rank by specificity, index many rules.
 *
 * Matching never copies its inputs: a small segment cursor walks the raw
 * string, skipping the trimmed whitespace and runs of '/', so "normalised"
 * is a property of how we read, not a preprocessing step. Both levels of
 * wildcard use the classic greedy algorithm with a single backtrack point
 * (the last star seen): within a segment for '*', across segments for "**".
 * When a later star is reached the earlier one never needs to absorb more,
 * because the later star can absorb the same text, so remembering only the
 * last star is enough and the cost is O(n*m) with no recursion.
 *
 * The index keeps its rules in one array, sorted by precedence at build time.
 * Rules whose first pattern segment is literal are also listed in `lit`,
 * sorted by that segment (lower-cased) and then by position in the rule
 * array; the others are listed in `wild` in array order. A lookup binary-
 * searches `lit` for the topic's first segment and merges that run with
 * `wild` by array position, which yields the matches already in precedence
 * order, so lookups need no allocation and no sort.
 */
#include "topic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Characters and segment cursor
 * ---------------------------------------------------------------------- */

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Whitespace and '/' are both stripped from the ends, in any mix, so that
 * "a /" reads as "a" and topic_normalize() is idempotent. */
static int is_edge(unsigned char c)
{
	return c == '/' || is_space(c);
}

/* The bounds of s after trimming whitespace and '/' at both ends. */
static void trim(const char *s, const char **begin, const char **end)
{
	const char *b = s;
	const char *e = s + strlen(s);

	while (b < e && is_edge((unsigned char)*b))
		b++;
	while (e > b && is_edge((unsigned char)e[-1]))
		e--;
	*begin = b;
	*end = e;
}

/* Read the segment at or after `pos` (skipping '/'), before `end`. Returns 0
 * when there is none; otherwise sets *seg, *len and *next (where to read the
 * following segment) and returns 1. */
static int seg_at(const char *pos, const char *end, const char **seg,
		  size_t *len, const char **next)
{
	const char *s;

	while (pos < end && *pos == '/')
		pos++;
	if (pos == end)
		return 0;
	s = pos;
	while (pos < end && *pos != '/')
		pos++;
	*seg = s;
	*len = (size_t)(pos - s);
	*next = pos;
	return 1;
}

/* The position just after the segment at or after `pos`, or `end`. */
static const char *seg_after(const char *pos, const char *end)
{
	while (pos < end && *pos == '/')
		pos++;
	while (pos < end && *pos != '/')
		pos++;
	return pos;
}

static int is_doublestar(const char *seg, size_t len)
{
	return len == 2 && seg[0] == '*' && seg[1] == '*';
}

static int has_star(const char *seg, size_t len)
{
	return memchr(seg, '*', len) != NULL;
}

/* ------------------------------------------------------------------------
 * Matching
 * ---------------------------------------------------------------------- */

/* Does pattern segment p (where '*' is any run of characters) match topic
 * segment t? Greedy with one backtrack point; O(pl * tl) at worst. */
static int seg_match(const char *p, size_t pl, const char *t, size_t tl)
{
	size_t pi = 0, ti = 0;
	size_t star_p = SIZE_MAX, star_t = 0;

	while (ti < tl) {
		if (pi < pl && p[pi] == '*') {
			star_p = pi++;
			star_t = ti;
		} else if (pi < pl && lower((unsigned char)p[pi]) ==
					      lower((unsigned char)t[ti])) {
			pi++;
			ti++;
		} else if (star_p != SIZE_MAX) {
			pi = star_p + 1;
			ti = ++star_t;
		} else {
			return 0;
		}
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

/* The same greedy algorithm one level up: items are segments, "**" is the
 * star, and seg_match() decides whether one pattern segment fits one topic
 * segment. Cursor positions stand in for indices, so nothing is allocated. */
static int match_range(const char *pb, const char *pe, const char *tb,
		       const char *te)
{
	const char *pp = pb, *tp = tb;
	const char *star_pp = NULL, *star_tp = NULL;
	const char *ps, *ts, *pnext, *tnext;
	size_t pl, tl;

	while (seg_at(tp, te, &ts, &tl, &tnext)) {
		int have_p = seg_at(pp, pe, &ps, &pl, &pnext);

		if (have_p && is_doublestar(ps, pl)) {
			/* "**" takes nothing for now; remember where to retry. */
			pp = pnext;
			star_pp = pnext;
			star_tp = tp;
		} else if (have_p && seg_match(ps, pl, ts, tl)) {
			pp = pnext;
			tp = tnext;
		} else if (star_pp) {
			/* Let the last "**" take one more topic segment. */
			star_tp = seg_after(star_tp, te);
			tp = star_tp;
			pp = star_pp;
		} else {
			return 0;
		}
	}
	while (seg_at(pp, pe, &ps, &pl, &pnext) && is_doublestar(ps, pl))
		pp = pnext;
	return !seg_at(pp, pe, &ps, &pl, &pnext);
}

int topic_match(const char *pattern, const char *topic)
{
	const char *pb, *pe, *tb, *te;

	if (!pattern || !topic)
		return 0;
	trim(pattern, &pb, &pe);
	trim(topic, &tb, &te);
	return match_range(pb, pe, tb, te);
}

char *topic_normalize(const char *in)
{
	const char *b, *e, *pos, *seg, *next;
	size_t len;
	char *out, *w;

	if (!in)
		return NULL;
	trim(in, &b, &e);
	/* The result is never longer than the trimmed input. */
	out = malloc((size_t)(e - b) + 1);
	if (!out)
		return NULL;
	w = out;
	pos = b;
	while (seg_at(pos, e, &seg, &len, &next)) {
		size_t i;

		if (w != out)
			*w++ = '/';
		for (i = 0; i < len; i++)
			*w++ = (char)lower((unsigned char)seg[i]);
		pos = next;
	}
	*w = '\0';
	return out;
}

/* ------------------------------------------------------------------------
 * Specificity
 * ---------------------------------------------------------------------- */

void topic_rank_of(const char *pattern, struct topic_rank *out)
{
	const char *b, *e, *seg, *next;
	size_t len;

	if (!out)
		return;
	out->literals = 0;
	out->doublestars = 0;
	out->stars = 0;
	if (!pattern)
		return;
	trim(pattern, &b, &e);
	while (seg_at(b, e, &seg, &len, &next)) {
		if (is_doublestar(seg, len))
			out->doublestars++;
		else if (has_star(seg, len))
			out->stars++;
		else
			out->literals++;
		b = next;
	}
}

static int cmp_int(int x, int y)
{
	return (x > y) - (x < y);
}

int topic_rank_cmp(const struct topic_rank *a, int prio_a, const char *name_a,
		   const struct topic_rank *b, int prio_b, const char *name_b)
{
	int c;

	if ((c = cmp_int(b->literals, a->literals)))
		return c;
	if ((c = cmp_int(a->doublestars, b->doublestars)))
		return c;
	if ((c = cmp_int(a->stars, b->stars)))
		return c;
	if ((c = cmp_int(prio_b, prio_a)))
		return c;
	c = strcmp(name_a ? name_a : "", name_b ? name_b : "");
	return (c > 0) - (c < 0);
}

/* ------------------------------------------------------------------------
 * Index
 * ---------------------------------------------------------------------- */

struct topic_rule {
	char *pattern;   /* normalised, so the first segment is lower-case */
	size_t len;      /* strlen(pattern) */
	char *name;      /* never NULL */
	size_t key_len;  /* length of the first segment if it is literal, else 0 */
	size_t seq;      /* order of adding, the last tie-break */
	long id;
	int priority;
	struct topic_rank rank;
};

/* One rule with a literal first segment, as listed in `lit`. */
struct topic_key {
	const char *key; /* points into the rule's pattern; not NUL-terminated */
	size_t len;
	size_t rule;     /* index into rules[] */
};

struct topic_index {
	struct topic_rule *rules;
	size_t nr, alloc;
	struct topic_key *lit; /* sorted by key, then rule */
	size_t nlit;
	size_t *wild;          /* ascending rule indices */
	size_t nwild;
	int built;
};

struct topic_index *topic_index_new(void)
{
	return calloc(1, sizeof(struct topic_index));
}

size_t topic_index_count(const struct topic_index *idx)
{
	return idx ? idx->nr : 0;
}

static void drop_buckets(struct topic_index *idx)
{
	free(idx->lit);
	free(idx->wild);
	idx->lit = NULL;
	idx->wild = NULL;
	idx->nlit = 0;
	idx->nwild = 0;
	idx->built = 0;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

int topic_index_add(struct topic_index *idx, const char *pattern, int priority,
		    const char *name, long id)
{
	struct topic_rule r = { 0 };
	const char *seg, *next;
	size_t len;
	int ret = -1;

	if (!idx || !pattern)
		return -1;
	if (idx->nr == idx->alloc) {
		size_t n = idx->alloc ? idx->alloc * 2 : 16;
		struct topic_rule *grown;

		if (n > SIZE_MAX / sizeof(*grown))
			goto out;
		grown = realloc(idx->rules, n * sizeof(*grown));
		if (!grown)
			goto out;
		idx->rules = grown;
		idx->alloc = n;
	}
	r.pattern = topic_normalize(pattern);
	r.name = dup_str(name ? name : "");
	if (!r.pattern || !r.name)
		goto out;
	r.len = strlen(r.pattern);
	if (seg_at(r.pattern, r.pattern + r.len, &seg, &len, &next) &&
	    !has_star(seg, len))
		r.key_len = len;
	r.seq = idx->nr;
	r.id = id;
	r.priority = priority;
	topic_rank_of(r.pattern, &r.rank);
	idx->rules[idx->nr++] = r;
	idx->built = 0;
	r.pattern = NULL;
	r.name = NULL;
	ret = 0;
out:
	free(r.pattern);
	free(r.name);
	return ret;
}

static int cmp_rule(const void *x, const void *y)
{
	const struct topic_rule *a = x, *b = y;
	int c = topic_rank_cmp(&a->rank, a->priority, a->name, &b->rank,
			       b->priority, b->name);

	if (c)
		return c;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Compare two segments byte-wise after ASCII lower-casing (shorter first on
 * a common prefix). Keys are stored lower-case; topics may not be. */
static int cmp_seg(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i, n = al < bl ? al : bl;

	for (i = 0; i < n; i++) {
		unsigned char ca = lower((unsigned char)a[i]);
		unsigned char cb = lower((unsigned char)b[i]);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return (al > bl) - (al < bl);
}

static int cmp_key(const void *x, const void *y)
{
	const struct topic_key *a = x, *b = y;
	int c = cmp_seg(a->key, a->len, b->key, b->len);

	if (c)
		return c;
	return (a->rule > b->rule) - (a->rule < b->rule);
}

int topic_index_build(struct topic_index *idx)
{
	struct topic_key *lit = NULL;
	size_t *wild = NULL;
	size_t i, nlit = 0, nwild = 0;
	int ret = -1;

	if (!idx)
		return -1;
	drop_buckets(idx);
	if (idx->nr) {
		if (idx->nr > SIZE_MAX / sizeof(*lit))
			goto out;
		lit = malloc(idx->nr * sizeof(*lit));
		wild = malloc(idx->nr * sizeof(*wild));
		if (!lit || !wild)
			goto out;
		qsort(idx->rules, idx->nr, sizeof(*idx->rules), cmp_rule);
		for (i = 0; i < idx->nr; i++) {
			const struct topic_rule *r = &idx->rules[i];

			if (r->key_len) {
				lit[nlit].key = r->pattern;
				lit[nlit].len = r->key_len;
				lit[nlit].rule = i;
				nlit++;
			} else {
				wild[nwild++] = i;
			}
		}
		qsort(lit, nlit, sizeof(*lit), cmp_key);
	}
	idx->lit = lit;
	idx->wild = wild;
	idx->nlit = nlit;
	idx->nwild = nwild;
	idx->built = 1;
	lit = NULL;
	wild = NULL;
	ret = 0;
out:
	free(lit);
	free(wild);
	return ret;
}

/* First position in idx->lit whose key is not less than (s, len); with
 * `upper`, the first whose key is greater. */
static size_t lit_bound(const struct topic_index *idx, const char *s,
			size_t len, int upper)
{
	size_t lo = 0, hi = idx->nlit;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct topic_key *k = &idx->lit[mid];
		int c = cmp_seg(k->key, k->len, s, len);

		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t topic_index_lookup(const struct topic_index *idx, const char *topic,
			  long *ids, size_t max)
{
	const char *tb, *te, *seg, *next;
	size_t len, li = 0, lend = 0, wi = 0, count = 0;

	if (!idx || !topic || !idx->built)
		return 0;
	trim(topic, &tb, &te);
	if (seg_at(tb, te, &seg, &len, &next)) {
		li = lit_bound(idx, seg, len, 0);
		lend = lit_bound(idx, seg, len, 1);
	}
	/* Merge the literal bucket and the wildcard list by rule position, which
	 * is precedence order, testing each candidate as it comes. */
	while (li < lend || wi < idx->nwild) {
		size_t r;
		const struct topic_rule *rule;

		if (wi == idx->nwild ||
		    (li < lend && idx->lit[li].rule < idx->wild[wi]))
			r = idx->lit[li++].rule;
		else
			r = idx->wild[wi++];
		rule = &idx->rules[r];
		if (!match_range(rule->pattern, rule->pattern + rule->len, tb, te))
			continue;
		if (count < max)
			ids[count] = rule->id;
		count++;
	}
	return count;
}

void topic_index_free(struct topic_index *idx)
{
	size_t i;

	if (!idx)
		return;
	for (i = 0; i < idx->nr; i++) {
		free(idx->rules[i].pattern);
		free(idx->rules[i].name);
	}
	free(idx->rules);
	drop_buckets(idx);
	free(idx);
}
