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
 * Rules whose first pattern segment is literal are also listed in `lit` under
 * their literal prefix (the leading segments without '*', normalised), sorted
 * by that key and then by position in the rule array; the others are listed
 * in `wild` in array order; a hash table maps each distinct key to its run
 * in `lit`. A lookup finds the run of each prefix of the topic ("a", "a/b",
 * "a/b/c" for the topic a/b/c), hashing the prefixes as it reads, and merges
 * those runs with `wild` by array position, which yields the matches already
 * in precedence order, so lookups need no allocation and no sort, and test
 * only rules whose literal prefix the topic has.
 */
#include "topic.h"
#include "fnv.h"

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

/* Rules are keyed by their literal prefix: the leading segments that have no
 * '*', at most KEY_DEPTH of them. A rule can only match a topic whose first
 * segments are those literals, so a lookup needs the rules keyed by each
 * prefix of the topic (no prefix included) and no others. */
#define KEY_DEPTH 16

struct topic_rule {
	char *pattern;   /* normalised, so lower-case with single '/' */
	size_t len;      /* strlen(pattern) */
	char *name;      /* never NULL */
	size_t key_len;  /* bytes of the literal prefix in pattern; 0: none */
	size_t seq;      /* order of adding, the last tie-break */
	long id;
	int priority;
	struct topic_rank rank;
};

/* One distinct key: lit[from..to) are the rules keyed by it; empty when
 * from == to. */
struct key_slot {
	uint64_t hash;
	size_t from, to;
};

/* One rule with a literal prefix, as listed in `lit`. */
struct topic_key {
	const char *key; /* points into the rule's pattern; not NUL-terminated */
	size_t len;
	const char *tail; /* the pattern's last segment when it is literal */
	size_t tail_len;  /* 0: the last segment has a '*' */
	size_t rule;     /* index into rules[] */
};

struct topic_index {
	struct topic_rule *rules;
	size_t nr, alloc;
	struct topic_key *lit; /* sorted by key (bytes), then rule */
	size_t nlit;
	struct key_slot *slots; /* hash of the distinct keys: their runs in lit */
	size_t nslots;          /* a power of two, at least twice the keys */
	size_t *wild;          /* rules without a literal prefix, ascending */
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
	free(idx->slots);
	free(idx->wild);
	idx->lit = NULL;
	idx->slots = NULL;
	idx->nslots = 0;
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

/* The length of the literal prefix of a normalised pattern: its leading
 * segments without '*', at most KEY_DEPTH of them, with the '/' between. */
static size_t literal_prefix(const char *pattern, size_t plen)
{
	const char *pos = pattern, *end = pattern + plen, *seg, *next;
	size_t len, depth = 0, key = 0;

	while (depth < KEY_DEPTH && seg_at(pos, end, &seg, &len, &next) &&
	       !has_star(seg, len)) {
		key = (size_t)(next - pattern);
		depth++;
		pos = next;
	}
	return key;
}

int topic_index_add(struct topic_index *idx, const char *pattern, int priority,
		    const char *name, long id)
{
	struct topic_rule r = { 0 };
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
	r.key_len = literal_prefix(r.pattern, r.len);
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

/* Byte-wise comparison, shorter first on a common prefix. */
static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c)
		return c < 0 ? -1 : 1;
	return (al > bl) - (al < bl);
}

/* By key, then tail (no tail first), then rule. */
static int cmp_key(const void *x, const void *y)
{
	const struct topic_key *a = x, *b = y;
	int c = cmp_bytes(a->key, a->len, b->key, b->len);

	if (c)
		return c;
	if ((c = cmp_bytes(a->tail, a->tail_len, b->tail, b->tail_len)))
		return c;
	return (a->rule > b->rule) - (a->rule < b->rule);
}

/* The last segment of the normalised pattern p[0..len) when it is literal
 * (then every topic the pattern matches ends with that segment: no "**"
 * can follow it); *tail_len 0 otherwise. */
static void literal_tail(const char *p, size_t len, const char **tail,
			 size_t *tail_len)
{
	const char *t = p + len;

	while (t > p && t[-1] != '/')
		t--;
	*tail = t;
	*tail_len = has_star(t, (size_t)(p + len - t)) ? 0
						       : (size_t)(p + len - t);
}

/* Fill idx->slots with one slot per run of equal keys in idx->lit. */
static int build_slots(struct topic_index *idx)
{
	size_t i, j, n = 16;

	while (n < 2 * idx->nlit)
		n *= 2;
	if (!(idx->slots = calloc(n, sizeof(*idx->slots))))
		return -1;
	idx->nslots = n;
	for (i = 0; i < idx->nlit; i = j) {
		const struct topic_key *k = &idx->lit[i];
		uint64_t h = fnv_bytes(FNV_INIT, k->key, k->len);
		size_t at = (size_t)h & (n - 1);

		for (j = i + 1; j < idx->nlit &&
				!cmp_bytes(k->key, k->len, idx->lit[j].key,
					   idx->lit[j].len); j++)
			;
		while (idx->slots[at].from != idx->slots[at].to)
			at = (at + 1) & (n - 1);
		idx->slots[at].hash = h;
		idx->slots[at].from = i;
		idx->slots[at].to = j;
	}
	return 0;
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
				literal_tail(r->pattern, r->len, &lit[nlit].tail,
					     &lit[nlit].tail_len);
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
	lit = NULL;
	wild = NULL;
	if (build_slots(idx)) {
		drop_buckets(idx);
		goto out;
	}
	idx->built = 1;
	ret = 0;
out:
	free(lit);
	free(wild);
	return ret;
}

/* Compare key (bytes of a normalised pattern) with the first `depth`
 * segments of the topic tb..te as they read normalised: lower-cased, joined
 * by single '/'. Same order as cmp_bytes, without building the string. */
static int cmp_topic_prefix(const char *key, size_t klen, const char *tb,
			    const char *te, size_t depth)
{
	const char *pos = tb, *seg, *next;
	size_t len, i = 0, d, j;

	for (d = 0; d < depth && seg_at(pos, te, &seg, &len, &next); d++) {
		for (j = d ? 0 : 1; j <= len; j++) {
			unsigned char tc = j ? lower((unsigned char)seg[j - 1])
					     : '/';

			if (i == klen)
				return -1;
			if ((unsigned char)key[i] != tc)
				return (unsigned char)key[i] < tc ? -1 : 1;
			i++;
		}
		pos = next;
	}
	return i < klen;
}

/* The run of idx->lit whose key is the topic's first `depth` segments, whose
 * hash is h; from == to when there is none. */
static void lit_range(const struct topic_index *idx, uint64_t h,
		      const char *tb, const char *te, size_t depth,
		      size_t *from, size_t *to)
{
	size_t at = (size_t)h & (idx->nslots - 1);

	*from = *to = 0;
	for (; idx->slots[at].from != idx->slots[at].to;
	     at = (at + 1) & (idx->nslots - 1)) {
		const struct key_slot *sl = &idx->slots[at];
		const struct topic_key *k = &idx->lit[sl->from];

		if (sl->hash == h &&
		    !cmp_topic_prefix(k->key, k->len, tb, te, depth)) {
			*from = sl->from;
			*to = sl->to;
			return;
		}
	}
}

/* A run of candidate rules, ascending by rule position. */
struct run {
	const struct topic_key *lit; /* NULL: the wild list */
	const size_t *wild;
	size_t at, end;
};

static size_t run_rule(const struct run *r)
{
	return r->lit ? r->lit[r->at].rule : r->wild[r->at];
}

/* Compare a tail (normalised, lower-case) with the topic segment seg
 * compared lower-cased, in cmp_bytes order. */
static int cmp_tail(const char *tail, size_t tl, const char *seg, size_t sl)
{
	size_t i, n = tl < sl ? tl : sl;

	for (i = 0; i < n; i++) {
		unsigned char a = (unsigned char)tail[i];
		unsigned char b = lower((unsigned char)seg[i]);

		if (a != b)
			return a < b ? -1 : 1;
	}
	return (tl > sl) - (tl < sl);
}

/* Split the key run *r into the runs worth testing: its rules without a
 * literal last segment (they sort first) and those whose last segment is
 * the topic's last segment (last[0..last_len)); appended to runs. */
static void tail_runs(const struct topic_index *idx, const struct run *r,
		      const char *last, size_t last_len, struct run *runs,
		      size_t *nruns)
{
	size_t lo = r->at, hi = r->end, open;

	/* the rules without a tail come first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (!idx->lit[mid].tail_len)
			lo = mid + 1;
		else
			hi = mid;
	}
	open = lo;
	if (r->at < open)
		runs[(*nruns)++] = (struct run){ .lit = idx->lit, .at = r->at,
						 .end = open };
	if (!last_len)
		return;
	hi = r->end;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct topic_key *k = &idx->lit[mid];

		if (cmp_tail(k->tail, k->tail_len, last, last_len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	open = lo;
	hi = r->end;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct topic_key *k = &idx->lit[mid];

		if (cmp_tail(k->tail, k->tail_len, last, last_len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (open < lo)
		runs[(*nruns)++] = (struct run){ .lit = idx->lit, .at = open,
						 .end = lo };
}

size_t topic_index_lookup(const struct topic_index *idx, const char *topic,
			  long *ids, size_t max)
{
	struct run runs[2 * KEY_DEPTH + 1];
	const char *tb, *te, *pos, *seg, *next, *last;
	size_t len, depth, nruns = 0, count = 0, last_len;
	uint64_t h = FNV_INIT;

	if (!idx || !topic || !idx->built)
		return 0;
	trim(topic, &tb, &te);
	last = te;
	while (last > tb && last[-1] != '/')
		last--;
	last_len = (size_t)(te - last);
	if (idx->nwild)
		runs[nruns++] = (struct run){ .wild = idx->wild,
					      .end = idx->nwild };
	pos = tb;
	for (depth = 1; depth <= KEY_DEPTH && idx->nlit &&
			seg_at(pos, te, &seg, &len, &next); depth++) {
		struct run r = { .lit = idx->lit };
		size_t i;

		/* h is the hash of the normalised prefix: segments lower-cased,
		 * joined by one '/' */
		if (depth > 1)
			h = fnv_byte(h, '/');
		for (i = 0; i < len; i++)
			h = fnv_byte(h, lower((unsigned char)seg[i]));
		lit_range(idx, h, tb, te, depth, &r.at, &r.end);
		if (r.at < r.end)
			tail_runs(idx, &r, last, last_len, runs, &nruns);
		pos = next;
	}
	/* Merge the runs by rule position, which is precedence order, testing
	 * each candidate as it comes. */
	while (nruns) {
		size_t i, best = 0, r;
		const struct topic_rule *rule;

		for (i = 1; i < nruns; i++)
			if (run_rule(&runs[i]) < run_rule(&runs[best]))
				best = i;
		r = run_rule(&runs[best]);
		if (++runs[best].at == runs[best].end)
			runs[best] = runs[--nruns];
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
