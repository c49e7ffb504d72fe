/* fnv.h - FNV-1a (64 bits), the hash of baton's in-memory hash tables:
 * the importer's declared names, the audit's name maps, the topic index.
 * Fast and simple, for lookups only; nothing secret or stored depends on
 * it (libsodium hashes what must not collide). */
#ifndef BATON_FNV_H
#define BATON_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV_INIT 0xcbf29ce484222325ULL

/* h with one more byte: a caller may hash a text as it reads it. */
static inline uint64_t fnv_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

/* h with n more bytes (FNV_INIT for a fresh hash). */
static inline uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = fnv_byte(h, s[i]);
	return h;
}

#endif
