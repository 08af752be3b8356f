/* driftmap — fast, strict JSON scanner (see jscan.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <limits.h>
#include "jscan.h"
#include "internal.h"

struct scan {
	const char *p, *end;
	const char *err_at;
	const char *err;
	dm_jdoc *doc;
	int oom;
};

/* Open a container on the tape; returns its index or -1. Big tapes take huge pages. */
static long tape_open(struct scan *s)
{
	dm_jdoc *d = s->doc;

	if (d->ntape >= d->captape) {
		size_t ncap = d->captape ? d->captape * 2 : 1024;
		uint32_t *e = NULL, *a = NULL;
		if (ncap <= SIZE_MAX / sizeof(uint32_t)) {
			e = dm__big_alloc(ncap * sizeof(uint32_t));
			a = dm__big_alloc(ncap * sizeof(uint32_t));
		}
		if (!e || !a) {
			dm__big_free(e, ncap * sizeof(uint32_t));
			dm__big_free(a, ncap * sizeof(uint32_t));
			s->oom = 1;
			return -1;
		}
		if (d->ntape) {
			memcpy(e, d->tend, d->ntape * sizeof(uint32_t));
			memcpy(a, d->tafter, d->ntape * sizeof(uint32_t));
		}
		dm__big_free(d->tend, d->captape * sizeof(uint32_t));
		dm__big_free(d->tafter, d->captape * sizeof(uint32_t));
		d->tend = e;
		d->tafter = a;
		d->captape = ncap;
	}
	return (long)d->ntape++;
}

static void tape_close(struct scan *s, long ti)
{
	s->doc->tend[ti] = (uint32_t)(s->p - s->doc->buf);
	s->doc->tafter[ti] = (uint32_t)s->doc->ntape;
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static int fail(struct scan *s, const char *msg)
{
	if (!s->err) {
		s->err = msg;
		s->err_at = s->p;
	}
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four validated hex digits. */
static uint32_t hex4(const char *p)
{
	return (uint32_t)((hexval(p[0]) << 12) | (hexval(p[1]) << 8) | (hexval(p[2]) << 4) | hexval(p[3]));
}

/* Validate a UTF-8 sequence starting at p; returns its length or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Do the 8 bytes of w hold a quote, a backslash, a control character or a non-ASCII byte? */
static int special8(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w) | w) & HIGHS ? 1 : 0;
}

static int scan_string(struct scan *s)
{
	s->p++; /* opening quote */
	while (s->p < s->end) {
		unsigned char c;
		uint64_t w;
		/* plain ASCII runs, 8 bytes a step */
		while (s->end - s->p >= 8) {
			memcpy(&w, s->p, 8);
			if (special8(w))
				break;
			s->p += 8;
		}
		if (s->p >= s->end)
			break;
		c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c == '\\') {
			if (s->end - s->p < 2)
				return fail(s, "truncated escape");
			switch (s->p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				s->p += 2;
				break;
			case 'u':
				if (s->end - s->p < 6 || hexval(s->p[2]) < 0 || hexval(s->p[3]) < 0 ||
				    hexval(s->p[4]) < 0 || hexval(s->p[5]) < 0)
					return fail(s, "invalid \\u escape");
				if (memcmp(s->p + 2, "0000", 4) == 0)
					return fail(s, "NUL character (\\u0000) in string");
				/* surrogates only in pairs, as jansson wants them */
				if (hex4(s->p + 2) >= 0xdc00 && hex4(s->p + 2) <= 0xdfff)
					return fail(s, "invalid Unicode escape (lone low surrogate)");
				if (hex4(s->p + 2) >= 0xd800 && hex4(s->p + 2) <= 0xdbff) {
					if (s->end - s->p < 12 || s->p[6] != '\\' || s->p[7] != 'u' ||
					    hexval(s->p[8]) < 0 || hexval(s->p[9]) < 0 || hexval(s->p[10]) < 0 ||
					    hexval(s->p[11]) < 0 || hex4(s->p + 8) < 0xdc00 || hex4(s->p + 8) > 0xdfff)
						return fail(s, "invalid Unicode escape (unpaired surrogate)");
					s->p += 6;
				}
				s->p += 6;
				break;
			default:
				return fail(s, "invalid escape");
			}
			continue;
		}
		if (c < 0x20)
			return fail(s, "control character in string");
		if (c < 0x80) {
			s->p++;
		} else {
			size_t n = utf8_len((const unsigned char *)s->p, (const unsigned char *)s->end);
			if (!n)
				return fail(s, "invalid UTF-8 in string");
			s->p += n;
		}
	}
	return fail(s, "unterminated string");
}

/*
 * Refuse what jansson refuses (json_loadb): integers beyond long long and
 * reals beyond double, so that a document reads the same through this
 * scanner and through jansson. Only long digit runs and exponents can be out
 * of range, so ordinary numbers are not converted here.
 */
static int number_in_range(struct scan *s, const char *start)
{
	size_t n = (size_t)(s->p - start), i;
	int is_real = 0, bad;
	char tmp[64], *buf = tmp;

	for (i = 0; i < n; i++)
		is_real |= start[i] == '.' || start[i] == 'e' || start[i] == 'E';
	if (!is_real && n < 19)
		return 0;
	if (is_real && n <= 300 && !memchr(start, 'e', n) && !memchr(start, 'E', n))
		return 0;
	if (n >= sizeof(tmp)) {
		if (!is_real) {
			s->p = start;
			return fail(s, "integer out of range"); /* 64 digits and more */
		}
		buf = malloc(n + 1);
		if (!buf) {
			s->oom = 1;
			return fail(s, "out of memory");
		}
	}
	memcpy(buf, start, n);
	buf[n] = '\0';
	errno = 0;
	if (is_real) {
		bad = isinf(strtod(buf, NULL)) != 0;
	} else {
		(void)strtoll(buf, NULL, 10);
		bad = errno == ERANGE;
	}
	if (buf != tmp)
		free(buf);
	if (bad) {
		s->p = start;
		return fail(s, is_real ? "real number out of range" : "integer out of range");
	}
	return 0;
}

static int scan_number(struct scan *s)
{
	const char *start = s->p;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p >= s->end)
		return fail(s, "truncated number");
	if (*s->p == '0') {
		s->p++;
	} else if (*s->p >= '1' && *s->p <= '9') {
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	} else {
		s->p = start;
		return fail(s, "invalid value");
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return fail(s, "invalid number");
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (s->p >= s->end || *s->p < '0' || *s->p > '9')
			return fail(s, "invalid number");
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
	}
	return number_in_range(s, start);
}

static int scan_literal(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return fail(s, "invalid value");
	s->p += n;
	return 0;
}

static int scan_value(struct scan *s, int depth)
{
	skip_ws(s);
	if (s->p >= s->end)
		return fail(s, "unexpected end of input");
	if (depth > DM_JSCAN_MAX_DEPTH)
		return fail(s, "nesting too deep");
	switch (*s->p) {
	case '{': {
		long ti = tape_open(s);
		if (ti < 0)
			return fail(s, "out of memory");
		s->p++;
		skip_ws(s);
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			tape_close(s, ti);
			return 0;
		}
		for (;;) {
			skip_ws(s);
			if (s->p >= s->end)
				return fail(s, "unexpected end of input in object");
			if (*s->p != '"')
				return fail(s, "expected a string key");
			if (scan_string(s) < 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':'");
			s->p++;
			if (scan_value(s, depth + 1) < 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end)
				return fail(s, "unexpected end of input in object");
			if (*s->p == ',') {
				s->p++;
				continue;
			}
			if (*s->p == '}') {
				s->p++;
				tape_close(s, ti);
				return 0;
			}
			return fail(s, "expected ',' or '}'");
		}
	}
	case '[': {
		long ti = tape_open(s);
		if (ti < 0)
			return fail(s, "out of memory");
		s->p++;
		skip_ws(s);
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			tape_close(s, ti);
			return 0;
		}
		for (;;) {
			if (scan_value(s, depth + 1) < 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end)
				return fail(s, "unexpected end of input in array");
			if (*s->p == ',') {
				s->p++;
				continue;
			}
			if (*s->p == ']') {
				s->p++;
				tape_close(s, ti);
				return 0;
			}
			return fail(s, "expected ',' or ']'");
		}
	}
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true", 4);
	case 'f':
		return scan_literal(s, "false", 5);
	case 'n':
		return scan_literal(s, "null", 4);
	default:
		return scan_number(s);
	}
}

int dm__jdoc_parse(dm_jdoc *doc, const char *buf, size_t len, size_t *err_off,
		   const char **err_msg)
{
	struct scan s;

	memset(doc, 0, sizeof(*doc));
	if (len > UINT32_MAX - 1)
		return -2;
	doc->buf = buf;
	doc->len = len;
	s.p = buf;
	s.end = buf + len;
	s.err = NULL;
	s.err_at = NULL;
	s.doc = doc;
	s.oom = 0;
	if (scan_value(&s, 0) == 0) {
		skip_ws(&s);
		if (s.p != s.end)
			fail(&s, "trailing characters after the JSON value");
	}
	if (s.err || s.oom) {
		if (err_off)
			*err_off = s.err_at ? (size_t)(s.err_at - buf) : 0;
		if (err_msg)
			*err_msg = s.err ? s.err : "out of memory";
		dm__jdoc_free(doc);
		return s.oom ? -2 : -1;
	}
	return 0;
}

void dm__jdoc_free(dm_jdoc *doc)
{
	if (!doc)
		return;
	dm__big_free(doc->tend, doc->captape * sizeof(uint32_t));
	dm__big_free(doc->tafter, doc->captape * sizeof(uint32_t));
	doc->tend = doc->tafter = NULL;
	doc->ntape = doc->captape = 0;
}

dm_jspan dm__jdoc_root(const dm_jdoc *doc)
{
	dm_jspan r;
	const char *p = doc->buf, *end = doc->buf + doc->len;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	r.p = p;
	r.doc = doc;
	r.ti = 0;
	if (p < end && (*p == '{' || *p == '['))
		r.len = doc->tend[0] - (size_t)(p - doc->buf);
	else {
		const char *e = end;
		while (e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' || e[-1] == '\t'))
			e--;
		r.len = (size_t)(e - p);
	}
	return r;
}

dm_jtype dm__jspan_type(dm_jspan v)
{
	if (!v.p || !v.len)
		return DM_J_INVALID;
	switch (v.p[0]) {
	case '{': return DM_J_OBJECT;
	case '[': return DM_J_ARRAY;
	case '"': return DM_J_STRING;
	case 't': return DM_J_TRUE;
	case 'f': return DM_J_FALSE;
	case 'n': return DM_J_NULL;
	default: return DM_J_NUMBER;
	}
}

void dm__jiter_init(dm_jiter *it, dm_jspan c)
{
	it->p = c.p + 1;
	it->end = c.p + c.len - 1; /* the closing bracket */
	it->doc = c.doc;
	it->next_ti = c.ti + 1;
	it->first = 1;
}

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* End of a validated string starting at p (the opening quote). */
static const char *skip_string(const char *p, const char *end)
{
	p++;
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		const char *b;
		size_t nb = 0;
		if (!q)
			return end;
		for (b = q; b > p && b[-1] == '\\'; b--)
			nb++;
		if ((nb & 1) == 0)
			return q + 1;
		p = q + 1;
	}
}

/* Read the next value at it->p into *value using the tape for containers. */
static int iter_value(dm_jiter *it, dm_jspan *value)
{
	const char *v = ws(it->p, it->end), *e;

	value->p = v;
	value->doc = it->doc;
	value->ti = 0;
	if (v >= it->end)
		return 0;
	if (*v == '{' || *v == '[') {
		uint32_t ti = it->next_ti;
		e = it->doc->buf + it->doc->tend[ti];
		value->ti = ti;
		it->next_ti = it->doc->tafter[ti];
	} else if (*v == '"') {
		e = skip_string(v, it->end);
	} else {
		e = v;
		while (e < it->end && *e != ',' && *e != '}' && *e != ']' && *e != ' ' &&
		       *e != '\n' && *e != '\r' && *e != '\t')
			e++;
	}
	value->len = (size_t)(e - v);
	it->p = e;
	return 1;
}

int dm__jiter_member(dm_jiter *it, dm_jspan *key, dm_jspan *value)
{
	const char *p = ws(it->p, it->end), *e;

	if (p >= it->end)
		return 0;
	if (!it->first) {
		if (*p != ',')
			return 0;
		p = ws(p + 1, it->end);
	}
	it->first = 0;
	e = skip_string(p, it->end);
	key->p = p;
	key->len = (size_t)(e - p);
	key->doc = it->doc;
	key->ti = 0;
	p = ws(e, it->end);
	if (p >= it->end || *p != ':')
		return 0;
	it->p = p + 1;
	return iter_value(it, value);
}

int dm__jiter_element(dm_jiter *it, dm_jspan *value)
{
	const char *p = ws(it->p, it->end);

	if (p >= it->end)
		return 0;
	if (!it->first) {
		if (*p != ',')
			return 0;
		p++;
	}
	it->first = 0;
	it->p = p;
	return iter_value(it, value);
}

int dm__jspan_text_equal(dm_jspan a, dm_jspan b)
{
	const char *p = a.p, *pe = a.p + a.len, *q = b.p, *qe = b.p + b.len;

	if (a.len == b.len && memcmp(a.p, b.p, a.len) == 0)
		return 1;
	for (;;) {
		p = ws(p, pe);
		q = ws(q, qe);
		if (p >= pe || q >= qe)
			return p >= pe && q >= qe;
		if (*p == '"') {
			const char *pe2 = skip_string(p, pe), *qe2;
			if (*q != '"')
				return 0;
			qe2 = skip_string(q, qe);
			if (pe2 - p != qe2 - q || memcmp(p, q, (size_t)(pe2 - p)) != 0)
				return 0;
			p = pe2;
			q = qe2;
			continue;
		}
		if (*p != *q)
			return 0;
		p++;
		q++;
	}
}

int dm__jspan_streq(dm_jspan str, const char *s)
{
	size_t n = strlen(s);

	return str.len == n + 2 && str.p[0] == '"' && memcmp(str.p + 1, s, n) == 0;
}

int dm__jspan_get(dm_jspan obj, const char *key, dm_jspan *value)
{
	dm_jiter it;
	dm_jspan k, v;
	if (dm__jspan_type(obj) != DM_J_OBJECT)
		return 0;
	int found = 0;

	dm__jiter_init(&it, obj);
	while (dm__jiter_member(&it, &k, &v)) {
		/* the last duplicate wins, as in jansson (and Go's encoding/json) */
		if (dm__jspan_streq(k, key)) {
			*value = v;
			found = 1;
		}
	}
	return found;
}

size_t dm__jspan_get_many(dm_jspan obj, const char *const *keys, size_t n, dm_jspan *out,
			  unsigned char *found)
{
	size_t lens[64], i, nfound = 0;
	dm_jiter it;
	dm_jspan k, v;

	memset(found, 0, n);
	if (n > sizeof(lens) / sizeof(lens[0])) {
		for (i = 0; i < n; i++) {
			found[i] = (unsigned char)dm__jspan_get(obj, keys[i], &out[i]);
			nfound += found[i];
		}
		return nfound;
	}
	if (dm__jspan_type(obj) != DM_J_OBJECT)
		return 0;
	for (i = 0; i < n; i++)
		lens[i] = strlen(keys[i]);
	dm__jiter_init(&it, obj);
	while (dm__jiter_member(&it, &k, &v)) {
		size_t kl = k.len - 2;
		for (i = 0; i < n; i++) {
			if (lens[i] == kl && memcmp(k.p + 1, keys[i], kl) == 0) {
				nfound += !found[i];
				found[i] = 1;
				out[i] = v;
				break;
			}
		}
	}
	return nfound;
}

static void put_utf8(char **o, uint32_t cp)
{
	char *q = *o;

	if (cp < 0x80) {
		*q++ = (char)cp;
	} else if (cp < 0x800) {
		*q++ = (char)(0xc0 | (cp >> 6));
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (char)(0xe0 | (cp >> 12));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (char)(0xf0 | (cp >> 18));
		*q++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = q;
}


/* Decode a validated string span into dst (capacity >= span len); returns length. */
static size_t decode_string(dm_jspan str, char *dst)
{
	const char *p = str.p + 1, *end = str.p + str.len - 1;
	char *o = dst;

	while (p < end) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'b': *o++ = '\b'; p++; break;
		case 'f': *o++ = '\f'; p++; break;
		case 'n': *o++ = '\n'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 't': *o++ = '\t'; p++; break;
		case 'u': {
			uint32_t cp = hex4(p + 1);
			p += 5;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				uint32_t lo = hex4(p + 2);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd; /* lone surrogate */
			put_utf8(&o, cp);
			break;
		}
		default: *o++ = *p++; break;
		}
	}
	*o = '\0';
	return (size_t)(o - dst);
}

char *dm__jspan_strdup(dm_jspan str)
{
	char *d;

	if (dm__jspan_type(str) != DM_J_STRING)
		return NULL;
	d = malloc(str.len + 1);
	if (!d)
		return NULL;
	decode_string(str, d);
	return d;
}

static json_t *string_to_json(dm_jspan v)
{
	char stackbuf[256], *buf = stackbuf;
	json_t *j;
	size_t n;

	if (!memchr(v.p, '\\', v.len))
		return json_stringn_nocheck(v.p + 1, v.len - 2);
	if (v.len + 1 > sizeof(stackbuf)) {
		buf = malloc(v.len + 1);
		if (!buf)
			return NULL;
	}
	n = decode_string(v, buf);
	j = json_stringn_nocheck(buf, n);
	if (buf != stackbuf)
		free(buf);
	return j;
}

/* A validated number as jansson reads it: an integer without '.'/exponent, else a real. */
static json_t *number_to_json(dm_jspan v)
{
	char tmp[64], *buf = tmp;
	size_t i;
	int is_real = 0;
	json_t *j = NULL;

	if (v.len >= sizeof(tmp)) {
		buf = malloc(v.len + 1);
		if (!buf)
			return NULL;
	}
	memcpy(buf, v.p, v.len);
	buf[v.len] = '\0';
	for (i = 0; i < v.len; i++) {
		if (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E')
			is_real = 1;
	}
	if (!is_real) {
		char *end = NULL;
		long long ll;
		errno = 0;
		ll = strtoll(buf, &end, 10);
		if (errno == 0 && end && *end == '\0')
			j = json_integer((json_int_t)ll);
	}
	if (!j)
		j = json_real(strtod(buf, NULL)); /* in range: the scanner refused the rest */
	if (buf != tmp)
		free(buf);
	return j;
}

json_t *dm__jspan_to_json(dm_jspan v)
{
	dm_jiter it;
	dm_jspan k, e;
	json_t *j;

	switch (dm__jspan_type(v)) {
	case DM_J_OBJECT: {
		j = json_object();
		if (!j)
			return NULL;
		dm__jiter_init(&it, v);
		while (dm__jiter_member(&it, &k, &e)) {
			char kb[256], *key = kb;
			json_t *c;
			if (k.len + 1 > sizeof(kb)) {
				key = malloc(k.len + 1);
				if (!key)
					goto fail_obj;
			}
			decode_string(k, key);
			c = dm__jspan_to_json(e);
			if (!c || json_object_set_new_nocheck(j, key, c) < 0) {
				if (key != kb)
					free(key);
				goto fail_obj;
			}
			if (key != kb)
				free(key);
		}
		return j;
fail_obj:
		json_decref(j);
		return NULL;
	}
	case DM_J_ARRAY:
		j = json_array();
		if (!j)
			return NULL;
		dm__jiter_init(&it, v);
		while (dm__jiter_element(&it, &e)) {
			json_t *c = dm__jspan_to_json(e);
			if (!c || json_array_append_new(j, c) < 0) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case DM_J_STRING:
		return string_to_json(v);
	case DM_J_NUMBER:
		return number_to_json(v);
	case DM_J_TRUE:
		return json_true();
	case DM_J_FALSE:
		return json_false();
	case DM_J_NULL:
		return json_null();
	default:
		return NULL;
	}
}
