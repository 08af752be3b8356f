/* driftmap — growable buffer with a hard maximum (curl's dynbuf idea). */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "internal.h"

#define DM_BUF_DEFAULT_MAX (64u * 1024u * 1024u)

void dm__buf_init(dm_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int buf_reserve(dm_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : DM_BUF_DEFAULT_MAX;
	size_t need, ncap;
	char *p;

	if (extra > max || b->len > max - extra)
		return DM_ETOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > (SIZE_MAX / 2) ? need : ncap * 2;
	if (ncap > max + 1)
		ncap = max + 1;
	p = realloc(b->ptr, ncap);
	if (!p)
		return DM_ENOMEM;
	b->ptr = p;
	b->cap = ncap;
	return 0;
}

int dm__buf_reserve(dm_buf *b, size_t extra)
{
	return buf_reserve(b, extra);
}

int dm__buf_put(dm_buf *b, const void *data, size_t len)
{
	int rc = buf_reserve(b, len);

	if (rc < 0)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int dm__buf_puts(dm_buf *b, const char *s)
{
	return dm__buf_put(b, s, strlen(s));
}

int dm__buf_putc(dm_buf *b, char c)
{
	return dm__buf_put(b, &c, 1);
}

int dm__buf_printf(dm_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n, rc;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return DM_EINVAL;
	}
	rc = buf_reserve(b, (size_t)n);
	if (rc < 0) {
		va_end(ap2);
		return rc;
	}
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
	return 0;
}

void dm__buf_reset(dm_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void dm__buf_free(dm_buf *b)
{
	if (!b)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

char *dm__buf_detach(dm_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = dm__strdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}
