/* cache.h - a small cache of whole API answers for the web server.
 *
 * A routing answer is a pure function of the request target, the database
 * snapshot and the date: the same target asked again while nothing was
 * committed and the day has not turned gives the same bytes. The server
 * keeps the latest answers per worker thread, each stamped with the
 * database's data version (SQLite's PRAGMA data_version, which changes when
 * any other connection commits) and the day, and serves a stamped answer
 * only while both still hold. A full cache forgets its least recently used
 * answer.
 */
#ifndef BATON_WEB_CACHE_H
#define BATON_WEB_CACHE_H

#include <stddef.h>

struct answer_cache;

/* A cache of at most `entries` answers of at most `max_body` bytes each
 * (larger answers are never kept); NULL when out of memory or entries is 0. */
struct answer_cache *answer_cache_new(size_t entries, size_t max_body);

/* Free the cache and every answer in it; NULL is a harmless no-op. */
void answer_cache_free(struct answer_cache *c);

/* The answer kept for `key` (a request target, NUL-terminated) stamped
 * with exactly `version` and `today`: returns 1 and sets *status, *body
 * (owned by the cache, valid until the next put) and *len; otherwise 0.
 * An answer with another stamp is dropped on the way. */
int answer_cache_get(struct answer_cache *c, const char *key,
		     long long version, const char *today, int *status,
		     const char **body, size_t *len);

/* Keep a copy of an answer for key, stamped with version and today,
 * replacing what was kept for that key. Returns 0 when kept, -1 when not
 * (too large, or out of memory: the cache is then unchanged or has simply
 * forgotten an answer, never inconsistent). */
int answer_cache_put(struct answer_cache *c, const char *key,
		     long long version, const char *today, int status,
		     const char *body, size_t len);

/* How many answers are kept (for tests). */
size_t answer_cache_count(const struct answer_cache *c);

#endif
