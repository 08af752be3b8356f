/* driftmap — open-addressing string map (linear probing, power-of-two size). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct slot {
	const char *key;
	void *value;
	uint64_t hash;
};

struct dm_strmap {
	struct slot *slots;
	size_t cap;   /* power of two */
	size_t count;
};

uint64_t dm__hash_bytes(const void *data, size_t len, uint64_t seed)
{
	/* FNV-1a 64 with a final avalanche (splitmix64 finaliser). */
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ull ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

uint64_t dm__hash_str(const char *s)
{
	return dm__hash_bytes(s, strlen(s), 0);
}

/*
 * The map's own hash: 8 bytes a step (keys such as atom keys are 40-80
 * bytes), never stored, so it may change; dm__hash_bytes is the stable one.
 */
static uint64_t map_hash(const char *s)
{
	size_t len = strlen(s), i;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)len, w;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s + i, len - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

int dm__strmap_new(dm_strmap **out, size_t expected)
{
	dm_strmap *m;
	size_t cap = 16;

	*out = NULL;
	while (cap < expected * 2 && cap < ((size_t)1 << 40))
		cap <<= 1;
	m = dm__calloc(1, sizeof(*m));
	if (!m)
		return DM_ENOMEM;
	m->slots = dm__big_alloc(cap * sizeof(struct slot));
	if (!m->slots) {
		free(m);
		return DM_ENOMEM;
	}
	m->cap = cap;
	*out = m;
	return 0;
}

void dm__strmap_free(dm_strmap *m)
{
	if (!m)
		return;
	dm__big_free(m->slots, m->cap * sizeof(struct slot));
	free(m);
}

static struct slot *find_slot(struct slot *slots, size_t cap, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	for (;;) {
		struct slot *s = &slots[i];
		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (cap - 1);
	}
}

static int rehash(dm_strmap *m)
{
	size_t ncap = m->cap * 2, i;
	struct slot *ns = ncap <= SIZE_MAX / sizeof(struct slot) ?
			  dm__big_alloc(ncap * sizeof(struct slot)) : NULL;

	if (!ns)
		return DM_ENOMEM;
	for (i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];
		if (s->key)
			*find_slot(ns, ncap, s->key, s->hash) = *s;
	}
	dm__big_free(m->slots, m->cap * sizeof(struct slot));
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int dm__strmap_put(dm_strmap *m, const char *key, void *value)
{
	uint64_t h = map_hash(key);
	struct slot *s;

	if ((m->count + 1) * 4 > m->cap * 3) {
		int rc = rehash(m);
		if (rc < 0)
			return rc;
	}
	s = find_slot(m->slots, m->cap, key, h);
	if (!s->key) {
		s->key = key;
		s->hash = h;
		m->count++;
	}
	s->value = value;
	return 0;
}

void *dm__strmap_get(const dm_strmap *m, const char *key)
{
	struct slot *s;

	if (!m || !key)
		return NULL;
	s = find_slot(m->slots, m->cap, key, map_hash(key));
	return s->key ? s->value : NULL;
}

size_t dm__strmap_count(const dm_strmap *m)
{
	return m ? m->count : 0;
}

int dm__strmap_next(const dm_strmap *m, size_t *it, const char **key, void **value)
{
	while (m && *it < m->cap) {
		struct slot *s = &m->slots[(*it)++];
		if (s->key) {
			if (key)
				*key = s->key;
			if (value)
				*value = s->value;
			return 1;
		}
	}
	return 0;
}
