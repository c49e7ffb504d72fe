/* fuzz_topic.c - fuzz target for core/topic: the input's lines are
 * patterns, its last line is the topic (a NUL also ends a line). Checks
 * that topic_match agrees with itself on normalised strings, that
 * normalising is idempotent, and that topic_index_lookup finds exactly the
 * patterns topic_match accepts, in topic_rank_cmp order.
 */
#include "fuzz.h"

#include <string.h>

#include "topic.h"

enum { TOPIC_MAX_LINES = 64 };

int fuzz_topic(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *lines[TOPIC_MAX_LINES];
	size_t i, n = 0, npat, count, want = 0;
	struct topic_index *idx = NULL;
	long ids[TOPIC_MAX_LINES];
	const char *topic;
	char *nt = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	lines[n++] = buf;
	for (i = 0; i < size && n < TOPIC_MAX_LINES; i++)
		if (buf[i] == '\n' || buf[i] == '\0') {
			buf[i] = '\0';
			lines[n++] = buf + i + 1;
		}
	topic = lines[n - 1];
	if (!(nt = topic_normalize(topic)))
		goto out;
	if (!(idx = topic_index_new()))
		goto out;
	npat = n > 1 ? n - 1 : 1; /* one line: it is pattern and topic */
	for (i = 0; i < npat; i++) {
		const char *pat = lines[i];
		char *np = topic_normalize(pat), *nn;
		int m = topic_match(pat, topic);
		struct topic_rank r;

		if (!np)
			goto out;
		nn = topic_normalize(np);
		FUZZ_ASSERT(!nn || !strcmp(nn, np));
		free(nn);
		FUZZ_ASSERT(m == topic_match(np, nt));
		if (!strchr(np, '*'))
			FUZZ_ASSERT(m == !strcmp(np, nt));
		topic_rank_of(pat, &r);
		FUZZ_ASSERT(r.literals >= 0 && r.stars >= 0 && r.doublestars >= 0);
		free(np);
		want += (size_t)m;
		if (topic_index_add(idx, pat, (int)(i % 7), pat, (long)i))
			goto out;
	}
	if (topic_index_build(idx))
		goto out;
	count = topic_index_lookup(idx, topic, ids, TOPIC_MAX_LINES);
	FUZZ_ASSERT(count == want);
	for (i = 0; i < count; i++) {
		FUZZ_ASSERT(ids[i] >= 0 && (size_t)ids[i] < n);
		FUZZ_ASSERT(topic_match(lines[ids[i]], topic));
		if (i > 0) {
			struct topic_rank a, b;
			long pa = ids[i - 1], pb = ids[i];

			topic_rank_of(lines[pa], &a);
			topic_rank_of(lines[pb], &b);
			FUZZ_ASSERT(topic_rank_cmp(&a, (int)(pa % 7), lines[pa],
						   &b, (int)(pb % 7), lines[pb]) <= 0);
		}
	}
out:
	topic_index_free(idx);
	free(nt);
	free(buf);
	return 0;
}

void fuzz_topic_cleanup(void)
{
}

FUZZ_MAIN(topic)
