/* check_webcache.c - Check suite for the web server's answer cache
 * (web/cache.c): an answer is served only with the stamp it was kept with,
 * a full cache forgets the least recently used answer, and answers too
 * large to keep are refused.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../web/cache.h"

Suite *suite_webcache(void);

static void put(struct answer_cache *c, const char *key, long long v,
		const char *today, const char *body)
{
	ck_assert_int_eq(answer_cache_put(c, key, v, today, 200, body,
					  strlen(body)), 0);
}

/* Returns the body kept for key with that stamp as a string, or NULL. */
static const char *get(struct answer_cache *c, const char *key, long long v,
		       const char *today)
{
	static char buf[64];
	const char *body;
	size_t len;
	int status = 0;

	if (!answer_cache_get(c, key, v, today, &status, &body, &len))
		return NULL;
	ck_assert_int_eq(status, 200);
	ck_assert_uint_lt(len, sizeof(buf));
	memcpy(buf, body, len);
	buf[len] = '\0';
	return buf;
}

/* Proves an answer comes back, byte for byte, for the same key and stamp
 * only: another data version or another day misses, and drops it. */
START_TEST(test_stamp)
{
	struct answer_cache *c = answer_cache_new(4, 1024);

	ck_assert_ptr_nonnull(c);
	put(c, "/api/v1/route?topic=a", 7, "2026-11-23", "{\"a\": 1}");
	ck_assert_str_eq(get(c, "/api/v1/route?topic=a", 7, "2026-11-23"),
			 "{\"a\": 1}");
	ck_assert_ptr_null(get(c, "/api/v1/route?topic=b", 7, "2026-11-23"));
	ck_assert_ptr_null(get(c, "/api/v1/route?topic=a", 7, "2026-11-24"));
	/* the stale answer was dropped: even the old stamp misses now */
	ck_assert_ptr_null(get(c, "/api/v1/route?topic=a", 7, "2026-11-23"));
	ck_assert_uint_eq(answer_cache_count(c), 0);
	put(c, "/api/v1/route?topic=a", 7, "2026-11-23", "{\"a\": 1}");
	ck_assert_ptr_null(get(c, "/api/v1/route?topic=a", 8, "2026-11-23"));
	answer_cache_free(c);
}
END_TEST

/* Proves a put for a kept key replaces its answer and stamp. */
START_TEST(test_replace)
{
	struct answer_cache *c = answer_cache_new(4, 1024);

	put(c, "k", 1, "2026-11-23", "old");
	put(c, "k", 2, "2026-11-23", "new");
	ck_assert_uint_eq(answer_cache_count(c), 1);
	ck_assert_str_eq(get(c, "k", 2, "2026-11-23"), "new");
	answer_cache_free(c);
}
END_TEST

/* Proves a full cache evicts the least recently used answer: with three
 * slots, reading k0 after k1 and k2 were kept makes k1 the one to go. */
START_TEST(test_lru)
{
	struct answer_cache *c = answer_cache_new(3, 1024);

	put(c, "k0", 1, "2026-11-23", "0");
	put(c, "k1", 1, "2026-11-23", "1");
	put(c, "k2", 1, "2026-11-23", "2");
	ck_assert_str_eq(get(c, "k0", 1, "2026-11-23"), "0");
	put(c, "k3", 1, "2026-11-23", "3");
	ck_assert_uint_eq(answer_cache_count(c), 3);
	ck_assert_ptr_null(get(c, "k1", 1, "2026-11-23"));
	ck_assert_str_eq(get(c, "k0", 1, "2026-11-23"), "0");
	ck_assert_str_eq(get(c, "k2", 1, "2026-11-23"), "2");
	ck_assert_str_eq(get(c, "k3", 1, "2026-11-23"), "3");
	answer_cache_free(c);
}
END_TEST

/* Proves answers larger than the limit are refused and nothing is kept,
 * and that an empty body is a valid answer. */
START_TEST(test_limits)
{
	struct answer_cache *c = answer_cache_new(2, 8);
	const char *body;
	size_t len = 99;
	int status = 0;

	ck_assert_int_eq(answer_cache_put(c, "big", 1, "2026-11-23", 200,
					  "123456789", 9), -1);
	ck_assert_uint_eq(answer_cache_count(c), 0);
	ck_assert_int_eq(answer_cache_put(c, "empty", 1, "2026-11-23", 404,
					  NULL, 0), 0);
	ck_assert_int_eq(answer_cache_get(c, "empty", 1, "2026-11-23", &status,
					  &body, &len), 1);
	ck_assert_int_eq(status, 404);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(answer_cache_new(0, 8));
	answer_cache_free(NULL);
	answer_cache_free(c);
}
END_TEST

/* Proves many keys through a small cache keep it consistent: every key
 * read back right after its put gives its own answer. */
START_TEST(test_churn)
{
	struct answer_cache *c = answer_cache_new(5, 64);
	char key[32], body[32];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "/api/v1/route?topic=t%d", i % 17);
		snprintf(body, sizeof(body), "answer %d", i);
		put(c, key, i / 50, "2026-11-23", body);
		ck_assert_str_eq(get(c, key, i / 50, "2026-11-23"), body);
		ck_assert_uint_le(answer_cache_count(c), 5);
	}
	answer_cache_free(c);
}
END_TEST

Suite *suite_webcache(void)
{
	Suite *s = suite_create("webcache");
	TCase *tc = tcase_create("answer_cache");

	tcase_add_test(tc, test_stamp);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_lru);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_churn);
	suite_add_tcase(s, tc);
	return s;
}
