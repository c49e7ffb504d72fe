/* topic.h - topic globs: normalise, match, rank by specificity, index many rules.
 *
 * A topic ("finance/refunds/enterprise") and a pattern ("finance/ref*") are
 * lists of segments separated by '/'.
 *
 * Normalisation, applied to both topics and patterns by every function here:
 *   - leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r) and
 *     '/' of the whole string, in any mix, are ignored (" /a/ " is "a");
 *     whitespace inside is literal ("a / b" has the segments "a " and " b");
 *   - runs of '/' count as one, so empty segments never exist: "/a//b/" is
 *     the topic "a/b" (but "a/ /b" has the three segments "a", " ", "b");
 *   - letters compare ASCII case-insensitively ("Finance" == "finance");
 *     bytes >= 0x80 compare exactly.
 * A string with no segments (e.g. "", "  ", "///") is the empty topic.
 *
 * Pattern segments:
 *   - "**" as a whole segment matches any number of topic segments, zero
 *     included;
 *   - any other segment containing '*' matches exactly one topic segment, each
 *     '*' standing for any run of characters (possibly empty) within that
 *     segment: "ref*" matches "refunds", "*" matches any one segment, "a*b*c"
 *     and "a**b" (two stars) stay within one segment, as does "***";
 *   - every other character is literal.
 * The empty topic matches only patterns made of "**" segments alone (or the
 * empty pattern); the empty pattern matches only the empty topic.
 *
 * Matching is O(pattern segments x topic segments) segment comparisons at
 * worst, uses no recursion and allocates nothing, so any length works.
 */
#ifndef BATON_TOPIC_H
#define BATON_TOPIC_H

#include <stddef.h>

/* ------------------------------------------------------------------------
 * Normalising and matching
 * ---------------------------------------------------------------------- */

/* Return the normalised form of `in`: trimmed, lower-cased (ASCII), without
 * leading/trailing '/' and with every run of '/' collapsed to one, e.g.
 * " /Finance//Refunds/ " -> "finance/refunds"; the empty topic gives "".
 * Normalising is idempotent and never changes what a string matches.
 * Two strings match each other as literal topics exactly when their
 * normalised forms are equal (strcmp). The result is malloc'd and owned by
 * the caller (free() it). Returns NULL when out of memory or `in` is NULL. */
char *topic_normalize(const char *in);

/* Return 1 when `pattern` matches `topic`, 0 otherwise, using the rules at the
 * top of this file. Neither string needs to be normalised first. Allocates
 * nothing. A NULL pattern or topic matches nothing (returns 0). */
int topic_match(const char *pattern, const char *topic);

/* ------------------------------------------------------------------------
 * Specificity
 * ---------------------------------------------------------------------- */

/* How specific a pattern is. Every segment counts in exactly one field. */
struct topic_rank {
	int literals;    /* segments containing no '*' */
	int doublestars; /* segments that are exactly "**" */
	int stars;       /* other segments containing '*' */
};

/* Fill *out with the rank of `pattern` (normalised as above, so "a//b"
 * counts two literals). A NULL pattern gives an all-zero rank; a NULL `out`
 * is a harmless no-op. */
void topic_rank_of(const char *pattern, struct topic_rank *out);

/* Compare two rules for precedence, qsort-style: returns < 0 when rule a is
 * MORE specific (a wins, sorts first), > 0 when b wins, 0 when they tie
 * exactly. The order is: more literals wins, then fewer "**", then fewer
 * other starred segments, then the higher priority, then the name that is
 * smaller in strcmp order. A NULL name compares as "". `a` and `b` must not
 * be NULL. */
int topic_rank_cmp(const struct topic_rank *a, int prio_a, const char *name_a,
		   const struct topic_rank *b, int prio_b, const char *name_b);

/* ------------------------------------------------------------------------
 * Index of many rules
 * ---------------------------------------------------------------------- */

/* A set of patterns, each with a priority, a name and a caller's id, that
 * answers "which rules match this topic, best first" without testing every
 * pattern: rules are keyed by their literal prefix (the leading segments
 * without '*', up to 16), so a lookup tests only the rules keyed by a prefix
 * of the topic plus the rules whose first segment has a '*'.
 * Opaque; use the functions below. */
struct topic_index;

/* Return a new empty index (malloc'd; release it with topic_index_free), or
 * NULL when out of memory. */
struct topic_index *topic_index_new(void);

/* Add a rule. `pattern` and `name` are copied (pattern in normalised form);
 * the caller keeps ownership of its strings. A NULL name is stored as "".
 * `id` is returned by lookups and need not be unique. Adding marks the index
 * unbuilt until the next topic_index_build. Returns 0 on success, -1 when out
 * of memory or when `idx` or `pattern` is NULL (the index is then unchanged). */
int topic_index_add(struct topic_index *idx, const char *pattern, int priority,
		    const char *name, long id);

/* Finalise the index after the adds: sort the rules by precedence and build
 * the buckets. May be called again after further adds. Returns 0 on success,
 * -1 when out of memory or `idx` is NULL (the index is then left unbuilt and
 * lookups return 0; the rules stay and a later build may succeed). */
int topic_index_build(struct topic_index *idx);

/* Find the rules whose pattern matches `topic`. Returns how many match (all
 * of them, even when that is more than `max`) and writes the ids of the first
 * min(count, max) into `ids`, best first in topic_rank_cmp order; rules that
 * tie exactly are ordered by id, then by order of adding. `ids` may be NULL
 * when `max` is 0. Allocates nothing. Returns 0 when `idx` or `topic` is NULL
 * or the index is not built. */
size_t topic_index_lookup(const struct topic_index *idx, const char *topic,
			  long *ids, size_t max);

/* Return the number of rules added (built or not); 0 for NULL. */
size_t topic_index_count(const struct topic_index *idx);

/* Free the index and every string it copied. NULL is a harmless no-op. */
void topic_index_free(struct topic_index *idx);

#endif
