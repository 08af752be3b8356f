/*
 * driftmap — arena for scan-lifetime data (strings, small records), freed in
 * one call. Build with -DDM_ARENA_DEBUG to use one malloc per allocation so
 * sanitizers see overflows.
 */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "internal.h"

#define ARENA_CHUNK (64u * 1024u)
#define ARENA_CHUNK_MAX ((size_t)4 << 20) /* chunk sizes (header included) double up to this */

struct chunk {
	struct chunk *next;
	size_t used;
	size_t cap;
	/* data follows, 16-aligned */
};

struct dm_arena {
	struct chunk *head;
	size_t next_cap;   /* size of the next regular chunk, header included (0: ARENA_CHUNK) */
};

#define CHUNK_HDR ((sizeof(struct chunk) + 15u) & ~(size_t)15u)

int dm__arena_new(dm_arena **out)
{
	*out = dm__calloc(1, sizeof(dm_arena));
	return *out ? 0 : DM_ENOMEM;
}

void dm__arena_free(dm_arena *a)
{
	struct chunk *c, *n;

	if (!a)
		return;
	for (c = a->head; c; c = n) {
		n = c->next;
		dm__big_free(c, CHUNK_HDR + c->cap);
	}
	free(a);
}

void *dm__arena_alloc(dm_arena *a, size_t size)
{
	struct chunk *c;
	size_t need = (size + 7u) & ~(size_t)7u;
	size_t cap;
	int one_off = 0;

	if (size == 0)
		need = 8;
	if (need < size)
		return NULL;
#ifdef DM_ARENA_DEBUG
	cap = need;
	one_off = 1;
#else
	c = a->head;
	if (c && c->cap - c->used >= need) {
		void *p = (char *)c + CHUNK_HDR + c->used;
		c->used += need;
		return p; /* chunks are zeroed at creation */
	}
	/*
	 * Chunks double up to ARENA_CHUNK_MAX: a big arena then takes fresh
	 * zeroed pages from the kernel (calloc needs no memset for them) in
	 * few steps, a small one stays small.
	 */
	cap = (a->next_cap ? a->next_cap : ARENA_CHUNK) - CHUNK_HDR;
	if (need > cap / 4) {
		cap = need;
		one_off = 1;
	} else if (a->next_cap < ARENA_CHUNK_MAX) {
		a->next_cap = a->next_cap ? a->next_cap * 2 : ARENA_CHUNK * 2;
	}
#endif
	if (cap > SIZE_MAX - CHUNK_HDR)
		return NULL;
	c = dm__big_alloc(CHUNK_HDR + cap);
	if (!c)
		return NULL;
	c->cap = cap;
	c->used = need;
	if (a->head && one_off) {
		/* big one-off allocation: keep the current chunk at the head */
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return (char *)c + CHUNK_HDR;
}

const char *dm__arena_strndup(dm_arena *a, const char *s, size_t n)
{
	char *p;

	if (!s || n == SIZE_MAX)
		return NULL;
	p = dm__arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *dm__arena_strdup(dm_arena *a, const char *s)
{
	return s ? dm__arena_strndup(a, s, strlen(s)) : NULL;
}
