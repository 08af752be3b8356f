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

struct chunk {
	struct chunk *next;
	size_t used;
	size_t cap;
	/* data follows, 16-aligned */
};

struct dm_arena {
	struct chunk *head;
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
		free(c);
	}
	free(a);
}

void *dm__arena_alloc(dm_arena *a, size_t size)
{
	struct chunk *c;
	size_t need = (size + 7u) & ~(size_t)7u;
	size_t cap;

	if (size == 0)
		need = 8;
	if (need < size)
		return NULL;
#ifdef DM_ARENA_DEBUG
	cap = need;
#else
	c = a->head;
	if (c && c->cap - c->used >= need) {
		void *p = (char *)c + CHUNK_HDR + c->used;
		c->used += need;
		return p; /* chunks are zeroed at creation */
	}
	cap = need > ARENA_CHUNK / 4 ? need : ARENA_CHUNK;
#endif
	if (cap > SIZE_MAX - CHUNK_HDR)
		return NULL;
	c = calloc(1, CHUNK_HDR + cap);
	if (!c)
		return NULL;
	c->cap = cap;
	c->used = need;
	if (a->head && cap != ARENA_CHUNK) {
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
