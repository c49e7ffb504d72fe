/* check_topic.c - Check suite for core/topic: matching, normalising, ranking
 * and the rule index.
 *
 * The tables are the specification in executable form; the random tests
 * compare the index with a brute-force scan using a fixed seed, so a failure
 * always reproduces.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/topic.h"

Suite *suite_topic(void);

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* xorshift32: the same sequence on every platform, unlike rand(). */
static uint32_t rng_next(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static size_t rng_below(uint32_t *state, size_t n)
{
	return (size_t)(rng_next(state) % (uint32_t)n);
}

/* Return a malloc'd string of `count` copies of `seg` joined by '/', with
 * `last` (if not NULL) appended as a final segment. */
static char *repeat_segments(const char *seg, size_t count, const char *last)
{
	size_t sl = strlen(seg), ll = last ? strlen(last) + 1 : 0;
	size_t n = count * (sl + 1) + ll + 1, i;
	char *s = malloc(n), *w;

	ck_assert_ptr_nonnull(s);
	w = s;
	for (i = 0; i < count; i++) {
		if (i)
			*w++ = '/';
		memcpy(w, seg, sl);
		w += sl;
	}
	if (last) {
		if (count)
			*w++ = '/';
		memcpy(w, last, ll - 1);
		w += ll - 1;
	}
	*w = '\0';
	return s;
}

/* ------------------------------------------------------------------------
 * topic_match
 * ---------------------------------------------------------------------- */

struct match_row {
	const char *pattern;
	const char *topic;
	int want;
};

static const struct match_row match_rows[] = {
	/* literal */
	{ "finance", "finance", 1 },
	{ "finance", "finances", 0 },
	{ "finance", "financ", 0 },
	{ "finance/refunds", "finance/refunds", 1 },
	{ "finance/refunds", "finance", 0 },
	{ "finance", "finance/refunds", 0 },
	{ "finance/refunds", "finance/refunds/enterprise", 0 },
	{ "a/b/c", "a/b/c", 1 },
	{ "a/b/c", "a/c/b", 0 },
	{ "a.b+c?[x]", "a.b+c?[x]", 1 }, /* no other metacharacters */
	{ "a?c", "abc", 0 },
	/* '*' as a whole segment: exactly one segment */
	{ "*", "finance", 1 },
	{ "*", "", 0 },
	{ "*", "a/b", 0 },
	{ "finance/*", "finance/refunds", 1 },
	{ "finance/*", "finance", 0 },
	{ "finance/*", "finance/refunds/enterprise", 0 },
	{ "*/refunds", "finance/refunds", 1 },
	{ "*/refunds", "refunds", 0 },
	{ "*/*", "a/b", 1 },
	{ "*/*", "a/b/c", 0 },
	/* '*' inside a segment */
	{ "finance/ref*", "finance/refunds", 1 },
	{ "finance/ref*", "finance/ref", 1 },
	{ "finance/ref*", "finance/re", 0 },
	{ "finance/ref*", "finance/prefunds", 0 },
	{ "finance/ref*", "finance/refunds/x", 0 },
	{ "*unds", "refunds", 1 },
	{ "*unds", "refund", 0 },
	{ "r*s", "refunds", 1 },
	{ "r*s", "rs", 1 },
	{ "r*s", "refund", 0 },
	/* several stars in one segment */
	{ "*a*b*", "xxaxxbxx", 1 },
	{ "*a*b*", "ab", 1 },
	{ "*a*b*", "ba", 0 },
	{ "a*b*c", "abc", 1 },
	{ "a*b*c", "axbxbxc", 1 },
	{ "a*b*c", "axbxcx", 0 },
	{ "a**b", "ab", 1 },
	{ "a**b", "axxb", 1 },
	{ "a**b", "a/b", 0 },           /* a**b stays within one segment */
	{ "a**b", "ax/yb", 0 },
	{ "***", "abc", 1 },            /* not "**": exactly one segment */
	{ "***", "a/b", 0 },
	{ "***", "", 0 },
	/* '*' crossing '/' is never allowed */
	{ "fin*", "finance/refunds", 0 },
	{ "*s", "a/bs", 0 },
	/* "**" at the end */
	{ "finance/**", "finance", 1 },
	{ "finance/**", "finance/refunds", 1 },
	{ "finance/**", "finance/refunds/enterprise", 1 },
	{ "finance/**", "financial/refunds", 0 },
	/* "**" at the start */
	{ "**/enterprise", "enterprise", 1 },
	{ "**/enterprise", "finance/refunds/enterprise", 1 },
	{ "**/enterprise", "finance/enterprise/refunds", 0 },
	/* "**" in the middle */
	{ "finance/**/enterprise", "finance/enterprise", 1 },
	{ "finance/**/enterprise", "finance/refunds/enterprise", 1 },
	{ "finance/**/enterprise", "finance/a/b/c/enterprise", 1 },
	{ "finance/**/enterprise", "finance/a/b/c/enterprise/x", 0 },
	{ "finance/**/enterprise", "hr/a/enterprise", 0 },
	{ "a/**/b/**/c", "a/b/c", 1 },
	{ "a/**/b/**/c", "a/x/b/y/b/z/c", 1 },
	{ "a/**/b/**/c", "a/x/c/b", 0 },
	{ "**/b/*", "a/b/c", 1 },
	{ "**/b/*", "a/b", 0 },
	/* backtracking: the first candidate for "**" is not the right one */
	{ "**/a/b", "a/a/b", 1 },
	{ "**/a/b", "a/b/a/b", 1 },
	{ "**/a/b", "a/b/a", 0 },
	{ "**/ref*/x", "refunds/y/refs/x", 1 },
	/* "**" alone and zero segments */
	{ "**", "", 1 },
	{ "**", "a", 1 },
	{ "**", "a/b/c", 1 },
	{ "**/**", "", 1 },
	{ "**/**", "a/b", 1 },
	{ "**/*", "", 0 },
	{ "**/*", "a", 1 },
	{ "", "", 1 },
	{ "", "a", 0 },
	{ "a", "", 0 },
	/* empty segments collapse, leading and trailing '/' ignored */
	{ "a//b", "a/b", 1 },
	{ "a/b", "a///b", 1 },
	{ "/a/b", "a/b", 1 },
	{ "a/b/", "a/b", 1 },
	{ "a/b", "/a/b/", 1 },
	{ "//a//*//", "a/x", 1 },
	{ "///", "", 1 },
	{ "///", "a", 0 },
	{ "**", "///", 1 },
	/* case: ASCII only, both sides */
	{ "Finance/Refunds", "finance/refunds", 1 },
	{ "finance/refunds", "FINANCE/REFUNDS", 1 },
	{ "REF*", "refunds", 1 },
	{ "*S", "refunds", 1 },
	{ "caf\xc3\xa9", "CAF\xc3\xa9", 1 },
	{ "caf\xc3\xa9", "caf\xc3\x89", 0 }, /* no Unicode folding */
	/* whitespace: ends trimmed, inside literal */
	{ "  finance/refunds  ", "finance/refunds", 1 },
	{ "finance/refunds", "\t finance/refunds\n", 1 },
	{ " / a / ", "a", 1 },          /* ends: spaces and '/' in any mix */
	{ " /a/ ", "a", 1 },
	{ "a /b", "a/b", 0 },           /* "a " is not "a" */
	{ "a /b", "A /B", 1 },
	{ "a / b", "a / b", 1 },
	{ "a / b", "a/b", 0 },
	{ "a/ /b", "a/b", 0 },          /* " " is a real segment */
	{ "a/*/b", "a/ /b", 1 },
	{ "   ", "", 1 },
	{ "**", "   ", 1 },
};

/* Proves every row of the match table: literals, '*', partial and multiple
 * stars, "**" anywhere, zero segments, slashes, case and whitespace. */
START_TEST(test_match_table)
{
	const struct match_row *r = &match_rows[_i];

	ck_assert_msg(topic_match(r->pattern, r->topic) == r->want,
		      "topic_match(\"%s\", \"%s\") != %d", r->pattern,
		      r->topic, r->want);
}
END_TEST

/* Proves the table is as big as promised (at least 60 rows). */
START_TEST(test_match_table_size)
{
	ck_assert_uint_ge(ARRAY_SIZE(match_rows), 60);
}
END_TEST

/* Proves NULL pattern or topic matches nothing instead of crashing. */
START_TEST(test_match_null)
{
	ck_assert_int_eq(topic_match(NULL, "a"), 0);
	ck_assert_int_eq(topic_match("**", NULL), 0);
	ck_assert_int_eq(topic_match(NULL, NULL), 0);
}
END_TEST

/* Proves topics of 10,000 segments work with "**" at the start, middle and
 * end, and that a near miss on the last segment is still caught. */
START_TEST(test_match_long_topic)
{
	char *topic = repeat_segments("seg", 9999, "end");
	char *same = repeat_segments("seg", 9999, "end");
	char *shorter = repeat_segments("seg", 9998, "end");

	ck_assert_int_eq(topic_match("**/end", topic), 1);
	ck_assert_int_eq(topic_match("seg/**/end", topic), 1);
	ck_assert_int_eq(topic_match("seg/**", topic), 1);
	ck_assert_int_eq(topic_match("**/seg/*/**/e*d", topic), 1);
	ck_assert_int_eq(topic_match("**/seg", topic), 0);
	ck_assert_int_eq(topic_match("*/end", topic), 0);
	ck_assert_int_eq(topic_match(same, topic), 1);
	ck_assert_int_eq(topic_match(shorter, topic), 0);
	ck_assert_int_eq(topic_match(topic, shorter), 0);
	free(topic);
	free(same);
	free(shorter);
}
END_TEST

/* Proves a single 64 KiB segment and a 64 KiB topic of short segments work
 * (no fixed buffers, no recursion depth proportional to the input). */
START_TEST(test_match_64k)
{
	size_t n = 64 * 1024;
	char *big = malloc(n + 2);
	char *many = repeat_segments("x", 32 * 1024, NULL); /* 64 KiB - 1 */

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', n);
	big[n] = 'b';
	big[n + 1] = '\0';
	ck_assert_int_eq(topic_match("a*b", big), 1);
	ck_assert_int_eq(topic_match("*a*a*a*b", big), 1);
	ck_assert_int_eq(topic_match("*c*", big), 0);
	ck_assert_int_eq(topic_match(big, big), 1);
	ck_assert_int_eq(topic_match("**/x", many), 1);
	ck_assert_int_eq(topic_match("**/y", many), 0);
	free(big);
	free(many);
}
END_TEST

/* Proves patterns that are exponential for naive backtracking give the right
 * answer: many "**" against 200 segments, many '*' against a long segment,
 * and many "**" with literals against 10,000 segments. (Speed is measured by
 * benchmarks, not asserted here.) */
START_TEST(test_match_pathological)
{
	char *t200 = repeat_segments("a", 200, NULL);
	char *t10k = repeat_segments("a", 10000, NULL);
	char *seg = malloc(5001);

	ck_assert_ptr_nonnull(seg);
	memset(seg, 'a', 5000);
	seg[5000] = '\0';
	ck_assert_int_eq(topic_match("**/**/**/**/**/**/**/**/x", t200), 0);
	ck_assert_int_eq(topic_match("**/**/**/**/**/**/**/**/a", t200), 1);
	ck_assert_int_eq(topic_match("**/a/**/a/**/a/**/a/**/b", t200), 0);
	ck_assert_int_eq(topic_match("**/a/**/a/**/a/**/a/**/b", t10k), 0);
	ck_assert_int_eq(topic_match("**/*/**/*/**/*/**/*/**/b", t10k), 0);
	ck_assert_int_eq(topic_match("*a*a*a*a*a*a*a*a*a*a*b", seg), 0);
	ck_assert_int_eq(topic_match("*a*a*a*a*a*a*a*a*a*a*a", seg), 1);
	free(t200);
	free(t10k);
	free(seg);
}
END_TEST

/* ------------------------------------------------------------------------
 * topic_normalize
 * ---------------------------------------------------------------------- */

static const struct {
	const char *in;
	const char *want;
} norm_rows[] = {
	{ "finance/refunds", "finance/refunds" },
	{ "Finance/REFUNDS", "finance/refunds" },
	{ " /Finance//Refunds/ ", "finance/refunds" },
	{ "a//b///c", "a/b/c" },
	{ "///a", "a" },
	{ "a///", "a" },
	{ "", "" },
	{ "   ", "" },
	{ "///", "" },
	{ " / / ", "" },
	{ "\t\n a \r\v\f", "a" },
	{ "a / b", "a / b" },
	{ "a/ /b", "a/ /b" },
	{ "Ref*/**/X", "ref*/**/x" },
	{ "caf\xc3\x89", "caf\xc3\x89" },
};

/* Proves each normalisation rule: case, trimming, slashes, inner spaces. */
START_TEST(test_normalize_table)
{
	char *got = topic_normalize(norm_rows[_i].in);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, norm_rows[_i].want);
	free(got);
}
END_TEST

/* Proves normalising twice changes nothing and never changes what matches:
 * the normalised pattern matches the normalised topic exactly when the
 * originals match, for every row of the match table. */
START_TEST(test_normalize_idempotent)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(match_rows); i++) {
		char *p = topic_normalize(match_rows[i].pattern);
		char *t = topic_normalize(match_rows[i].topic);
		char *p2 = p ? topic_normalize(p) : NULL;

		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_nonnull(t);
		ck_assert_ptr_nonnull(p2);
		ck_assert_str_eq(p, p2);
		ck_assert_msg(topic_match(p, t) == match_rows[i].want,
			      "row %zu: \"%s\" vs \"%s\"", i, p, t);
		free(p);
		free(t);
		free(p2);
	}
}
END_TEST

/* Proves NULL input gives NULL rather than a crash. */
START_TEST(test_normalize_null)
{
	ck_assert_ptr_null(topic_normalize(NULL));
}
END_TEST

/* ------------------------------------------------------------------------
 * topic_rank_of
 * ---------------------------------------------------------------------- */

static const struct {
	const char *pattern;
	int literals, doublestars, stars;
} rank_rows[] = {
	{ "finance/refunds/enterprise", 3, 0, 0 },
	{ "finance/refunds", 2, 0, 0 },
	{ "finance/ref*", 1, 0, 1 },
	{ "finance/*", 1, 0, 1 },
	{ "finance/**", 1, 1, 0 },
	{ "**/enterprise", 1, 1, 0 },
	{ "**", 0, 1, 0 },
	{ "*", 0, 0, 1 },
	{ "a**b", 0, 0, 1 },
	{ "***", 0, 0, 1 },
	{ "*a*b*", 0, 0, 1 },
	{ "**/*/**/x", 1, 2, 1 },
	{ "//a//b//", 2, 0, 0 },
	{ "", 0, 0, 0 },
	{ "  ", 0, 0, 0 },
};

/* Proves each segment is counted in exactly one field. */
START_TEST(test_rank_of_table)
{
	struct topic_rank r;

	topic_rank_of(rank_rows[_i].pattern, &r);
	ck_assert_int_eq(r.literals, rank_rows[_i].literals);
	ck_assert_int_eq(r.doublestars, rank_rows[_i].doublestars);
	ck_assert_int_eq(r.stars, rank_rows[_i].stars);
}
END_TEST

/* Proves NULL pattern gives a zero rank and NULL out is a no-op. */
START_TEST(test_rank_of_null)
{
	struct topic_rank r = { 7, 7, 7 };

	topic_rank_of(NULL, &r);
	ck_assert_int_eq(r.literals, 0);
	ck_assert_int_eq(r.doublestars, 0);
	ck_assert_int_eq(r.stars, 0);
	topic_rank_of("a", NULL);
}
END_TEST

/* ------------------------------------------------------------------------
 * topic_rank_cmp
 * ---------------------------------------------------------------------- */

struct rule_def {
	const char *pattern;
	int priority;
	const char *name;
};

static int rule_cmp(const struct rule_def *a, const struct rule_def *b)
{
	struct topic_rank ra, rb;

	topic_rank_of(a->pattern, &ra);
	topic_rank_of(b->pattern, &rb);
	return topic_rank_cmp(&ra, a->priority, a->name, &rb, b->priority,
			      b->name);
}

static const struct {
	struct rule_def a, b;
	char winner; /* 'a', 'b' or '=' */
} cmp_rows[] = {
	/* more literals wins, whatever the wildcards or priority */
	{ { "finance/refunds", 0, "z" }, { "finance/*", 0, "a" }, 'a' },
	{ { "finance/*", 0, "a" }, { "finance/refunds", 0, "z" }, 'b' },
	{ { "a/b/**", 0, "z" }, { "a/*", 99, "a" }, 'a' },
	{ { "**/a/b", 0, "z" }, { "a/b", 0, "z" }, 'b' },
	{ { "x/**/y", 0, "z" }, { "x/*", 50, "a" }, 'a' },
	{ { "finance/ref*", 9, "a" }, { "finance/refunds", 0, "z" }, 'b' },
	/* same literals: fewer "**" wins */
	{ { "finance/*", 0, "z" }, { "finance/**", 0, "a" }, 'a' },
	{ { "finance/*/*", 0, "z" }, { "finance/**", 0, "a" }, 'a' },
	{ { "**/x/*", 0, "z" }, { "**/**/x", 0, "a" }, 'a' },
	{ { "finance/**", 0, "a" }, { "finance/*", 99, "a" }, 'b' },
	/* same literals and "**": fewer '*' wins */
	{ { "finance/ref*", 0, "z" }, { "fin*/ref*", 0, "a" }, 'a' },
	{ { "a/*/*", 0, "a" }, { "a/*", 0, "z" }, 'b' },
	{ { "**/x/*", 0, "a" }, { "**/x", 0, "a" }, 'b' },
	/* same shape: higher priority wins */
	{ { "finance/*", 5, "z" }, { "finance/ref*", 1, "a" }, 'a' },
	{ { "a/*", -1, "a" }, { "b/*", 0, "z" }, 'b' },
	/* same shape and priority: smaller name (strcmp) wins */
	{ { "finance/*", 1, "billing" }, { "x/*", 1, "refunds" }, 'a' },
	{ { "a", 0, "b" }, { "a", 0, "a" }, 'b' },
	{ { "a", 0, "B" }, { "a", 0, "a" }, 'a' }, /* 'B' < 'a' */
	{ { "a", 0, "ab" }, { "a", 0, "a" }, 'b' },
	{ { "a", 0, NULL }, { "a", 0, "a" }, 'a' },  /* NULL is "" */
	/* full tie */
	{ { "a/*", 3, "n" }, { "b/ref*", 3, "n" }, '=' },
	{ { "a", 0, NULL }, { "b", 0, "" }, '=' },
};

/* Proves each precedence step in order, with priority and name tie-breaks,
 * and that the comparison is antisymmetric. */
START_TEST(test_rank_cmp_table)
{
	int ab = rule_cmp(&cmp_rows[_i].a, &cmp_rows[_i].b);
	int ba = rule_cmp(&cmp_rows[_i].b, &cmp_rows[_i].a);

	switch (cmp_rows[_i].winner) {
	case 'a':
		ck_assert_int_lt(ab, 0);
		ck_assert_int_gt(ba, 0);
		break;
	case 'b':
		ck_assert_int_gt(ab, 0);
		ck_assert_int_lt(ba, 0);
		break;
	default:
		ck_assert_int_eq(ab, 0);
		ck_assert_int_eq(ba, 0);
		break;
	}
}
END_TEST

static int rule_qsort_cmp(const void *x, const void *y)
{
	return rule_cmp(x, y);
}

/* Proves sorting always gives one order whatever the input order (the
 * result never depends on file order), and that the order is the expected
 * one written out by hand. */
START_TEST(test_rank_cmp_sort_shuffled)
{
	static const struct rule_def want[] = {
		{ "finance/refunds/enterprise", 0, "r1" },
		{ "finance/refunds", 5, "r2" },
		{ "finance/refunds", 0, "r3" },
		{ "finance/refunds", 0, "r4" },
		{ "finance/ref*", 0, "r5" },
		{ "finance/**", 9, "r6" },
		{ "finance/**/*", 0, "r7" },
		{ "*/*", 0, "r8" },
		{ "**", 1, "r9" },
		{ "**", 0, "ra" },
		{ "**/**", 0, "rb" },
	};
	struct rule_def got[ARRAY_SIZE(want)];
	uint32_t seed = 12345;
	size_t round, i;

	for (round = 0; round < 200; round++) {
		memcpy(got, want, sizeof(want));
		for (i = ARRAY_SIZE(got) - 1; i > 0; i--) {
			size_t j = rng_below(&seed, i + 1);
			struct rule_def tmp = got[i];

			got[i] = got[j];
			got[j] = tmp;
		}
		qsort(got, ARRAY_SIZE(got), sizeof(got[0]), rule_qsort_cmp);
		for (i = 0; i < ARRAY_SIZE(got); i++)
			ck_assert_str_eq(got[i].name, want[i].name);
	}
}
END_TEST

/* ------------------------------------------------------------------------
 * topic_index
 * ---------------------------------------------------------------------- */

static const char *const pat_segs[] = {
	"a", "b", "c", "ab", "ref*", "*", "**", "a*", "*b", "a*b", "A",
	"refunds", "**", "*",
};
static const char *const topic_segs[] = {
	"a", "b", "c", "ab", "refunds", "REF", "aab", "x", "A",
};
static const char *const separators[] = { "/", "/", "/", "//" };
static const char *const edges[] = { "", "", "", "/", " ", " /" };

/* Write a random pattern or topic of minsegs..maxsegs segments from `segs`,
 * with the odd doubled slash and padded ends. */
static void random_path(uint32_t *seed, char *out, size_t size,
			    const char *const *segs, size_t nsegs,
			    size_t minsegs, size_t maxsegs)
{
	size_t n = minsegs + rng_below(seed, maxsegs - minsegs + 1), i;

	out[0] = '\0';
	strncat(out, edges[rng_below(seed, ARRAY_SIZE(edges))], size - 1);
	for (i = 0; i < n; i++) {
		if (i)
			strncat(out,
				separators[rng_below(seed,
						     ARRAY_SIZE(separators))],
				size - strlen(out) - 1);
		strncat(out, segs[rng_below(seed, nsegs)],
			size - strlen(out) - 1);
	}
	strncat(out, edges[rng_below(seed, ARRAY_SIZE(edges))],
		size - strlen(out) - 1);
}

struct brute_rule {
	char pattern[128];
	int priority;
	char name[8];
	long id;
	struct topic_rank rank;
};

static int brute_cmp(const void *x, const void *y)
{
	const struct brute_rule *a = *(const struct brute_rule *const *)x;
	const struct brute_rule *b = *(const struct brute_rule *const *)y;
	int c = topic_rank_cmp(&a->rank, a->priority, a->name, &b->rank,
			       b->priority, b->name);

	if (c)
		return c;
	return (a->id > b->id) - (a->id < b->id);
}

/* Compare the index with a brute-force topic_match() scan: `nrules` random
 * rules of `min` to `pmax` segments from `psegs` (duplicate names and
 * priorities included, so the id tie-break is exercised), `ntopics` random
 * topics of `min` to `tmax` segments from `tsegs`; same ids in the same
 * precedence order, and the right count when max is 0. */
static void check_vs_brute(uint32_t seed, size_t nrules, size_t ntopics,
			   size_t min,
			   const char *const *psegs, size_t npsegs, size_t pmax,
			   const char *const *tsegs, size_t ntsegs, size_t tmax)
{
	struct brute_rule *rules = calloc(nrules, sizeof(*rules));
	const struct brute_rule **hits = calloc(nrules, sizeof(*hits));
	long *ids = calloc(nrules, sizeof(*ids));
	struct topic_index *idx = topic_index_new();
	size_t i, t, total = 0;

	ck_assert_ptr_nonnull(rules);
	ck_assert_ptr_nonnull(hits);
	ck_assert_ptr_nonnull(ids);
	ck_assert_ptr_nonnull(idx);
	for (i = 0; i < nrules; i++) {
		struct brute_rule *r = &rules[i];

		random_path(&seed, r->pattern, sizeof(r->pattern), psegs,
				npsegs, min, pmax);
		r->priority = (int)rng_below(&seed, 3);
		r->name[0] = 'n';
		r->name[1] = (char)('0' + rng_below(&seed, 5));
		r->name[2] = '\0';
		r->id = (long)(nrules - i); /* ids not in adding order */
		topic_rank_of(r->pattern, &r->rank);
		ck_assert_int_eq(topic_index_add(idx, r->pattern, r->priority,
						 r->name, r->id), 0);
	}
	ck_assert_int_eq(topic_index_build(idx), 0);
	ck_assert_uint_eq(topic_index_count(idx), nrules);

	for (t = 0; t < ntopics; t++) {
		char topic[128];
		size_t nhits = 0, got;

		random_path(&seed, topic, sizeof(topic), tsegs, ntsegs,
				min, tmax);
		for (i = 0; i < nrules; i++)
			if (topic_match(rules[i].pattern, topic))
				hits[nhits++] = &rules[i];
		qsort(hits, nhits, sizeof(*hits), brute_cmp);

		got = topic_index_lookup(idx, topic, ids, nrules);
		ck_assert_msg(got == nhits, "topic \"%s\": %zu hits, want %zu",
			      topic, got, nhits);
		for (i = 0; i < nhits; i++)
			ck_assert_msg(ids[i] == hits[i]->id,
				      "topic \"%s\" #%zu: id %ld, want %ld (%s)",
				      topic, i, ids[i], hits[i]->id,
				      hits[i]->pattern);
		ck_assert_uint_eq(topic_index_lookup(idx, topic, NULL, 0),
				  nhits);
		total += nhits;
	}
	/* The generator must produce real matches or the test proves little. */
	ck_assert_uint_gt(total, ntopics);
	topic_index_free(idx);
	free(rules);
	free(hits);
	free(ids);
}

/* Proves the index returns exactly what a brute-force scan returns for
 * 2,000 random topics against 600 random rules of up to 5 segments. */
START_TEST(test_index_random_vs_brute)
{
	check_vs_brute(0xC0FFEE, 600, 2000, 0, pat_segs, ARRAY_SIZE(pat_segs), 5,
		       topic_segs, ARRAY_SIZE(topic_segs), 6);
}
END_TEST

/* Few segment values and long paths: literal prefixes deeper than the 16
 * segments the index keys on, shared by many rules. */
static const char *const deep_pat_segs[] = {
	"a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a",
	"B", "*", "**",
};
static const char *const deep_topic_segs[] = {
	"a", "A", "a", "A", "a", "A", "a", "A", "a", "A", "a", "A", "b",
};

/* Proves the same for rules and topics of up to 24 segments, where the
 * index keys long literal prefixes by their first 16 segments only and a
 * topic has many prefixes that are keys (most segments are "a"). */
START_TEST(test_index_deep_vs_brute)
{
	check_vs_brute(0xDEEB, 400, 1500, 14, deep_pat_segs,
		       ARRAY_SIZE(deep_pat_segs), 24, deep_topic_segs,
		       ARRAY_SIZE(deep_topic_segs), 24);
}
END_TEST

/* Proves lookup with max below the count fills exactly max ids, best
 * first, leaves the rest of the buffer alone and still returns the count. */
START_TEST(test_index_max_smaller)
{
	struct topic_index *idx = topic_index_new();
	long ids[4] = { -1, -1, -1, -1 };

	ck_assert_ptr_nonnull(idx);
	ck_assert_int_eq(topic_index_add(idx, "**", 0, "catchall", 1), 0);
	ck_assert_int_eq(topic_index_add(idx, "finance/*", 0, "fin", 2), 0);
	ck_assert_int_eq(topic_index_add(idx, "Finance/Refunds", 0, "ref", 3),
			 0);
	ck_assert_int_eq(topic_index_add(idx, "finance/**", 0, "deep", 4), 0);
	ck_assert_int_eq(topic_index_add(idx, "hr/*", 0, "hr", 5), 0);
	ck_assert_int_eq(topic_index_build(idx), 0);

	ck_assert_uint_eq(topic_index_lookup(idx, "/FINANCE//refunds ", ids, 2),
			  4);
	ck_assert_int_eq(ids[0], 3);
	ck_assert_int_eq(ids[1], 2);
	ck_assert_int_eq(ids[2], -1);
	ck_assert_uint_eq(topic_index_lookup(idx, "finance/refunds", ids, 4),
			  4);
	ck_assert_int_eq(ids[2], 4);
	ck_assert_int_eq(ids[3], 1);
	ck_assert_uint_eq(topic_index_lookup(idx, "", ids, 4), 1);
	ck_assert_int_eq(ids[0], 1);
	topic_index_free(idx);
}
END_TEST

/* Proves an empty index (built or not) finds nothing for any topic. */
START_TEST(test_index_empty)
{
	struct topic_index *idx = topic_index_new();
	long id = -1;

	ck_assert_ptr_nonnull(idx);
	ck_assert_uint_eq(topic_index_lookup(idx, "a", &id, 1), 0);
	ck_assert_int_eq(topic_index_build(idx), 0);
	ck_assert_uint_eq(topic_index_count(idx), 0);
	ck_assert_uint_eq(topic_index_lookup(idx, "a", &id, 1), 0);
	ck_assert_uint_eq(topic_index_lookup(idx, "", &id, 1), 0);
	ck_assert_int_eq(id, -1);
	topic_index_free(idx);
}
END_TEST

/* Proves an add after build unbuilds the index (lookups return 0) until it
 * is built again, and that rebuilding includes the new rule. */
START_TEST(test_index_rebuild)
{
	struct topic_index *idx = topic_index_new();
	long ids[2];

	ck_assert_ptr_nonnull(idx);
	ck_assert_int_eq(topic_index_add(idx, "a/*", 0, "x", 1), 0);
	ck_assert_int_eq(topic_index_build(idx), 0);
	ck_assert_uint_eq(topic_index_lookup(idx, "a/b", ids, 2), 1);
	ck_assert_int_eq(topic_index_add(idx, "a/b", 0, "y", 2), 0);
	ck_assert_uint_eq(topic_index_lookup(idx, "a/b", ids, 2), 0);
	ck_assert_int_eq(topic_index_build(idx), 0);
	ck_assert_uint_eq(topic_index_lookup(idx, "a/b", ids, 2), 2);
	ck_assert_int_eq(ids[0], 2);
	ck_assert_int_eq(ids[1], 1);
	topic_index_free(idx);
}
END_TEST

/* Proves the NULL contracts: free(NULL) is a no-op, add/build on NULL fail,
 * lookup on NULL index or topic returns 0, a NULL pattern is refused. */
START_TEST(test_index_null)
{
	struct topic_index *idx = topic_index_new();

	ck_assert_ptr_nonnull(idx);
	topic_index_free(NULL);
	ck_assert_int_eq(topic_index_add(NULL, "a", 0, "n", 1), -1);
	ck_assert_int_eq(topic_index_add(idx, NULL, 0, "n", 1), -1);
	ck_assert_int_eq(topic_index_add(idx, "a", 0, NULL, 1), 0);
	ck_assert_int_eq(topic_index_build(NULL), -1);
	ck_assert_int_eq(topic_index_build(idx), 0);
	ck_assert_uint_eq(topic_index_count(NULL), 0);
	ck_assert_uint_eq(topic_index_count(idx), 1);
	ck_assert_uint_eq(topic_index_lookup(NULL, "a", NULL, 0), 0);
	ck_assert_uint_eq(topic_index_lookup(idx, NULL, NULL, 0), 0);
	ck_assert_uint_eq(topic_index_lookup(idx, "A", NULL, 0), 1);
	topic_index_free(idx);
}
END_TEST

/* Proves a 20,000-rule index answers 20,000 lookups correctly:
 * each topic "dept<k>/team<k>" matches exactly its own two literal rules
 * plus the two wildcard rules, in precedence order. */
START_TEST(test_index_large)
{
	enum { ndept = 10000 };
	struct topic_index *idx = topic_index_new();
	size_t k;

	ck_assert_ptr_nonnull(idx);
	for (k = 0; k < ndept; k++) {
		char pat[64];

		snprintf(pat, sizeof(pat), "dept%zu/team%zu", k, k);
		ck_assert_int_eq(topic_index_add(idx, pat, 0, "t", (long)k), 0);
		snprintf(pat, sizeof(pat), "dept%zu/**", k);
		ck_assert_int_eq(
			topic_index_add(idx, pat, 0, "d", (long)(ndept + k)), 0);
	}
	ck_assert_int_eq(topic_index_add(idx, "*/team*", 0, "w", -1), 0);
	ck_assert_int_eq(topic_index_add(idx, "**", 0, "all", -2), 0);
	ck_assert_int_eq(topic_index_build(idx), 0);
	for (k = 0; k < ndept; k++) {
		char topic[64];
		long ids[8];

		snprintf(topic, sizeof(topic), "Dept%zu/Team%zu", k, k);
		ck_assert_uint_eq(topic_index_lookup(idx, topic, ids, 8), 4);
		ck_assert_int_eq(ids[0], (long)k);
		ck_assert_int_eq(ids[1], (long)(ndept + k));
		ck_assert_int_eq(ids[2], -1);
		ck_assert_int_eq(ids[3], -2);
	}
	topic_index_free(idx);
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ---------------------------------------------------------------------- */

Suite *suite_topic(void)
{
	Suite *s = suite_create("topic");
	TCase *tc;

	tc = tcase_create("topic_match");
	tcase_add_loop_test(tc, test_match_table, 0, (int)ARRAY_SIZE(match_rows));
	tcase_add_test(tc, test_match_table_size);
	tcase_add_test(tc, test_match_null);
	tcase_add_test(tc, test_match_long_topic);
	tcase_add_test(tc, test_match_64k);
	tcase_add_test(tc, test_match_pathological);
	suite_add_tcase(s, tc);

	tc = tcase_create("topic_normalize");
	tcase_add_loop_test(tc, test_normalize_table, 0,
			    (int)ARRAY_SIZE(norm_rows));
	tcase_add_test(tc, test_normalize_idempotent);
	tcase_add_test(tc, test_normalize_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("topic_rank_of");
	tcase_add_loop_test(tc, test_rank_of_table, 0,
			    (int)ARRAY_SIZE(rank_rows));
	tcase_add_test(tc, test_rank_of_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("topic_rank_cmp");
	tcase_add_loop_test(tc, test_rank_cmp_table, 0,
			    (int)ARRAY_SIZE(cmp_rows));
	tcase_add_test(tc, test_rank_cmp_sort_shuffled);
	suite_add_tcase(s, tc);

	tc = tcase_create("topic_index");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_index_random_vs_brute);
	tcase_add_test(tc, test_index_deep_vs_brute);
	tcase_add_test(tc, test_index_max_smaller);
	tcase_add_test(tc, test_index_empty);
	tcase_add_test(tc, test_index_rebuild);
	tcase_add_test(tc, test_index_null);
	tcase_add_test(tc, test_index_large);
	suite_add_tcase(s, tc);

	return s;
}
