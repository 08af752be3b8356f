/* driftmap — overflow-checked allocation helpers. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "internal.h"

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
	return 0;
}
