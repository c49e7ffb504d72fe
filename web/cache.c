/* cache.c - a small cache of whole API answers (see cache.h).
 *
 * A fixed array of slots searched linearly: with a few hundred slots a
 * lookup compares a 64-bit hash per slot and the key only on a hash hit,
 * which costs far less than the answer it saves. Recency is a counter
 * stamped on every hit and put; the put evicts the smallest stamp.
 */
#include "cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char *key;          /* NULL: empty slot */
	uint64_t hash;
	long long version;
	char today[11];
	int status;
	char *body;
	size_t len;
	unsigned long long used;
};

struct answer_cache {
	struct slot *slots;
	size_t n;
	size_t max_body;
	unsigned long long tick;
};

/* FNV-1a over the key. */
static uint64_t hash_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static void slot_clear(struct slot *s)
{
	free(s->key);
	free(s->body);
	memset(s, 0, sizeof(*s));
}

struct answer_cache *answer_cache_new(size_t entries, size_t max_body)
{
	struct answer_cache *c;

	if (!entries || !(c = calloc(1, sizeof(*c))))
		return NULL;
	if (!(c->slots = calloc(entries, sizeof(*c->slots)))) {
		free(c);
		return NULL;
	}
	c->n = entries;
	c->max_body = max_body;
	return c;
}

void answer_cache_free(struct answer_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		slot_clear(&c->slots[i]);
	free(c->slots);
	free(c);
}

static struct slot *find(struct answer_cache *c, const char *key, uint64_t h)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct slot *s = &c->slots[i];

		if (s->key && s->hash == h && !strcmp(s->key, key))
			return s;
	}
	return NULL;
}

int answer_cache_get(struct answer_cache *c, const char *key,
		     long long version, const char *today, int *status,
		     const char **body, size_t *len)
{
	struct slot *s;

	if (!c || !key || !today)
		return 0;
	if (!(s = find(c, key, hash_key(key))))
		return 0;
	if (s->version != version || strcmp(s->today, today)) {
		slot_clear(s);
		return 0;
	}
	s->used = ++c->tick;
	*status = s->status;
	*body = s->body;
	*len = s->len;
	return 1;
}

int answer_cache_put(struct answer_cache *c, const char *key,
		     long long version, const char *today, int status,
		     const char *body, size_t len)
{
	uint64_t h;
	struct slot *s;
	size_t i, klen;

	if (!c || !key || !today || (!body && len) || len > c->max_body ||
	    strlen(today) >= sizeof(s->today))
		return -1;
	h = hash_key(key);
	if (!(s = find(c, key, h))) {
		s = &c->slots[0];
		for (i = 0; i < c->n && s->key; i++)
			if (!c->slots[i].key || c->slots[i].used < s->used)
				s = &c->slots[i];
	}
	slot_clear(s);
	klen = strlen(key) + 1;
	if (!(s->key = malloc(klen)) || !(s->body = malloc(len ? len : 1))) {
		slot_clear(s);
		return -1;
	}
	memcpy(s->key, key, klen);
	if (len)
		memcpy(s->body, body, len);
	s->hash = h;
	s->version = version;
	memcpy(s->today, today, strlen(today) + 1);
	s->status = status;
	s->len = len;
	s->used = ++c->tick;
	return 0;
}

size_t answer_cache_count(const struct answer_cache *c)
{
	size_t i, n = 0;

	if (!c)
		return 0;
	for (i = 0; i < c->n; i++)
		if (c->slots[i].key)
			n++;
	return n;
}
