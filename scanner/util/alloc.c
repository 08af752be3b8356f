/* driftmap — overflow-checked allocation helpers. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include "internal.h"

#define HUGE_SZ ((size_t)2 << 20)

void *dm__big_alloc(size_t size)
{
	char *m, *start;
	size_t head, tail;

	if (size < HUGE_SZ || size > SIZE_MAX - HUGE_SZ)
		return dm__calloc(1, size);
#if defined(MADV_HUGEPAGE) && !defined(DM_ARENA_DEBUG)
	m = mmap(NULL, size + HUGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	start = (char *)(((uintptr_t)m + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
	head = (size_t)(start - m);
	tail = HUGE_SZ - head;
	if (head)
		munmap(m, head);
	if (tail)
		munmap(start + size, tail);
	(void)madvise(start, size, MADV_HUGEPAGE); /* advice only: plain pages if refused */
	return start;
#else
	(void)m;
	(void)start;
	(void)head;
	(void)tail;
	return dm__calloc(1, size);
#endif
}

void dm__big_free(void *p, size_t size)
{
	if (!p)
		return;
#if defined(MADV_HUGEPAGE) && !defined(DM_ARENA_DEBUG)
	if (size >= HUGE_SZ && size <= SIZE_MAX - HUGE_SZ) {
		munmap(p, size);
		return;
	}
#endif
	(void)size;
	free(p);
}

void *dm__calloc(size_t n, size_t size)
{
	if (n && size > SIZE_MAX / n)
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *dm__reallocarray(void *p, size_t n, size_t size)
{
	if (n && size > SIZE_MAX / n)
		return NULL;
	return realloc(p, (n != 0 && size != 0) ? n * size : 1);
}

char *dm__strdup(const char *s)
{
	return s ? dm__strndup(s, strlen(s)) : NULL;
}

char *dm__strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	if (n == SIZE_MAX)
		return NULL;
	p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Big growable arrays (100k-resource inventories) live in mappings malloc
 * makes for them: ask for transparent huge pages on the 2 MiB-aligned part,
 * so filling them costs a fault per 2 MiB rather than per 4 KiB.
 */
static void hugepage_hint(void *p, size_t n)
{
#if defined(MADV_HUGEPAGE) && !defined(DM_ARENA_DEBUG)
	uintptr_t a = ((uintptr_t)p + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_SZ - 1);

	if (n >= 2 * HUGE_SZ && e > a)
		(void)madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

int dm__grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return DM_ENOMEM;
		ncap *= 2;
	}
	p = dm__reallocarray(*arr, ncap, size);
	if (!p)
		return DM_ENOMEM;
	*arr = p;
	*cap = ncap;
	hugepage_hint(p, ncap * size);
	return 0;
}
