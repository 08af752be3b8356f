/*
 * driftmap — .driftignore rules in driftctl's syntax (docs/ignore.md).
 *
 *   aws_s3_bucket.my-bucket            one resource
 *   aws_instance.*                     every resource of a type
 *   aws_lambda_function.*.environment  an attribute (and everything under it)
 *   *                                  everything ...
 *   !aws_s3_bucket.keep                ... except this one (later lines win)
 *   aws_s3_bucket.my\.bucket           a dot inside an id
 *   # a comment
 *   aws_iam_role.ci  # expires: 2026-12-31   the rule stops applying after that day
 *
 * `*` matches any run of characters (inside an id it never crosses an
 * unescaped dot because components are split first; in the attribute path
 * it may, so `tags.*` matches `tags.kubernetes.io/role/elb`). `\X` makes X
 * literal. A rule on an attribute also matches the paths below it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

#define IGNORE_FILE_MAX (4u * 1024u * 1024u)
#define IGNORE_RULES_MAX 100000u

struct rule {
	char *type;  /* patterns keep their backslash escapes */
	char *id;
	char *attr;  /* NULL: whole resource */
	int negate;
	long line;
};

struct dm_ignore {
	struct rule *rules;
	size_t n, cap;
};

/* ---- matching ---------------------------------------------------------------- */

/* Glob with '*' (any run) and '\x' (literal x). 1 on match. */
static int glob(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p == '\\' && p[1]) {
			if (p[1] == *s) {
				p += 2;
				s++;
				continue;
			}
		} else if (*p && *p == *s) {
			p++;
			s++;
			continue;
		}
		if (!star_p)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* Does the attribute pattern match path or one of its ancestors ("tags" vs "tags.Env")? */
static int attr_match(const char *pat, const char *path)
{
	char stack[512], *buf = stack, *heap = NULL;
	size_t len = strlen(path), i;
	int m = 0;

	if (glob(pat, path))
		return 1;
	if (len >= sizeof(stack)) {
		heap = malloc(len + 1);
		if (!heap)
			return 0;
		buf = heap;
	}
	memcpy(buf, path, len + 1);
	for (i = len; i > 0 && !m; i--) {
		if (buf[i - 1] != '.')
			continue;
		buf[i - 1] = '\0';
		m = glob(pat, buf);
	}
	free(heap);
	return m;
}

int dm_ignore_match(const dm_ignore *ig, const char *type, const char *id, const char *attr_path)
{
	size_t i;
	int ignored = 0;

	if (!ig || !type || !id)
		return 0;
	for (i = 0; i < ig->n; i++) {
		const struct rule *r = &ig->rules[i];
		if (!glob(r->type, type) || !glob(r->id, id))
			continue;
		if (r->attr) {
			if (!attr_path || !attr_match(r->attr, attr_path))
				continue;
		}
		ignored = !r->negate;
	}
	return ignored;
}

size_t dm_ignore_count(const dm_ignore *ig)
{
	return ig ? ig->n : 0;
}

/* ---- parsing -------------------------------------------------------------------- */

void dm_ignore_free(dm_ignore *ig)
{
	size_t i;

	if (!ig)
		return;
	for (i = 0; i < ig->n; i++) {
		free(ig->rules[i].type);
		free(ig->rules[i].id);
		free(ig->rules[i].attr);
	}
	free(ig->rules);
	free(ig);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* "YYYY-MM-DD" -> days since epoch; -1 when malformed. */
static long long parse_date(const char *s, size_t len)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long long y;
	unsigned m, d;
	size_t i;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	return days_from_civil(y, m, d);
}

/* Split the pattern at unescaped dots: type, id, rest (attribute path). */
static int split_pattern(const char *pat, size_t len, char **type, char **id, char **attr)
{
	size_t i, cut[2], ncut = 0;

	*type = *id = *attr = NULL;
	for (i = 0; i < len && ncut < 2; i++) {
		if (pat[i] == '\\') {
			i++;
			continue;
		}
		if (pat[i] == '.')
			cut[ncut++] = i;
	}
	if (ncut == 0) {
		/* "*" alone: every resource */
		if (len == 1 && pat[0] == '*') {
			*type = dm__strdup("*");
			*id = dm__strdup("*");
			return (*type && *id) ? 0 : DM_ENOMEM;
		}
		return DM_EPARSE;
	}
	*type = dm__strndup(pat, cut[0]);
	if (ncut == 1) {
		*id = dm__strndup(pat + cut[0] + 1, len - cut[0] - 1);
	} else {
		*id = dm__strndup(pat + cut[0] + 1, cut[1] - cut[0] - 1);
		*attr = dm__strndup(pat + cut[1] + 1, len - cut[1] - 1);
	}
	if (!*type || !*id || (ncut == 2 && !*attr))
		return DM_ENOMEM;
	if (!**type || !**id || (*attr && !**attr))
		return DM_EPARSE;
	return 0;
}

static long long today_days(void)
{
	time_t now = time(NULL);
	return (long long)(now / 86400);
}

static int parse_into(dm_ignore *ig, dm_ctx *ctx, const char *text, size_t len, const char *what)
{
	size_t pos = 0;
	long line = 0;
	long long today = today_days();

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos, plen, i;
		const char *comment = NULL, *p;
		long long expires = -1;
		struct rule r;
		int negate = 0, rc;

		pos += l + (nl ? 1 : 0);
		line++;
		if (memchr(s, '\0', l))
			return dm__error(ctx, DM_EPARSE, "%s:%ld: NUL byte in ignore file", what, line);
		/* trim, find a trailing comment ('#' at the start or after whitespace) */
		while (l && (s[l - 1] == '\r' || isspace((unsigned char)s[l - 1])))
			l--;
		while (l && isspace((unsigned char)*s)) {
			s++;
			l--;
		}
		if (!l || *s == '#')
			continue;
		for (i = 1; i < l; i++) {
			if (s[i] == '#' && isspace((unsigned char)s[i - 1])) {
				comment = s + i;
				break;
			}
		}
		plen = comment ? (size_t)(comment - s) : l;
		while (plen && isspace((unsigned char)s[plen - 1]))
			plen--;
		if (comment) {
			size_t cl = l - (size_t)(comment - s);
			const char *k = NULL;
			for (i = 0; i + 8 <= cl; i++) {
				if (strncmp(comment + i, "expires:", 8) == 0) {
					k = comment + i + 8;
					break;
				}
			}
			if (k) {
				while (k < s + l && isspace((unsigned char)*k))
					k++;
				p = k;
				while (p < s + l && !isspace((unsigned char)*p))
					p++;
				expires = parse_date(k, (size_t)(p - k));
				if (expires < 0)
					return dm__error(ctx, DM_EPARSE,
							 "%s:%ld: bad expiry date (want expires: YYYY-MM-DD)",
							 what, line);
			}
		}
		p = s;
		if (plen && *p == '!') {
			negate = 1;
			p++;
			plen--;
		}
		if (!plen)
			return dm__error(ctx, DM_EPARSE, "%s:%ld: empty pattern", what, line);
		if (p[plen - 1] == '\\' && (plen < 2 || p[plen - 2] != '\\'))
			return dm__error(ctx, DM_EPARSE, "%s:%ld: pattern ends with a lone backslash",
					 what, line);
		memset(&r, 0, sizeof(r));
		rc = split_pattern(p, plen, &r.type, &r.id, &r.attr);
		if (rc < 0) {
			free(r.type);
			free(r.id);
			free(r.attr);
			if (rc == DM_ENOMEM)
				return dm__error(ctx, DM_ENOMEM, "%s:%ld: out of memory", what, line);
			return dm__error(ctx, DM_EPARSE,
					 "%s:%ld: expected TYPE.ID or TYPE.ID.ATTRIBUTE (got \"%.*s\")",
					 what, line, (int)(plen > 200 ? 200 : plen), p);
		}
		if (expires >= 0 && today > expires) {
			dm__log(ctx, DM_LOG_WARN, "%s:%ld: ignore rule \"%.*s\" expired; it no longer applies",
				what, line, (int)(plen > 200 ? 200 : plen), p);
			free(r.type);
			free(r.id);
			free(r.attr);
			continue;
		}
		if (ig->n >= IGNORE_RULES_MAX ||
		    dm__grow((void **)&ig->rules, &ig->cap, ig->n + 1, sizeof(struct rule)) < 0) {
			free(r.type);
			free(r.id);
			free(r.attr);
			if (ig->n >= IGNORE_RULES_MAX)
				return dm__error(ctx, DM_ETOOBIG, "%s:%ld: more than %u ignore rules",
						 what, line, IGNORE_RULES_MAX);
			return dm__error(ctx, DM_ENOMEM, "%s:%ld: out of memory", what, line);
		}
		r.negate = negate;
		r.line = line;
		ig->rules[ig->n++] = r;
	}
	return 0;
}

int dm_ignore_parse(dm_ignore **out, dm_ctx *ctx, const char *text, size_t len, const char *what)
{
	dm_ignore *ig;
	int rc;

	if (!out)
		return dm__error(ctx, DM_EINVAL, "ignore: no output");
	*out = NULL;
	if (!what)
		what = ".driftignore";
	if (len > IGNORE_FILE_MAX)
		return dm__error(ctx, DM_ETOOBIG, "%s: ignore file larger than %u bytes", what,
				 IGNORE_FILE_MAX);
	ig = dm__calloc(1, sizeof(*ig));
	if (!ig)
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", what);
	rc = text ? parse_into(ig, ctx, text, len, what) : 0;
	if (rc < 0) {
		dm_ignore_free(ig);
		return rc;
	}
	*out = ig;
	return 0;
}

int dm_ignore_append_file(dm_ignore *ig, dm_ctx *ctx, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!ig || !path)
		return dm__error(ctx, DM_EINVAL, "ignore: no file given");
	rc = dm__read_file(ctx, path, IGNORE_FILE_MAX, &text, &len);
	if (rc < 0)
		return rc;
	rc = parse_into(ig, ctx, text, len, path);
	free(text);
	return rc;
}

int dm_ignore_load(dm_ignore **out, dm_ctx *ctx, const char *path)
{
	dm_ignore *ig = NULL;
	int rc;

	if (!out)
		return dm__error(ctx, DM_EINVAL, "ignore: no output");
	*out = NULL;
	rc = dm_ignore_parse(&ig, ctx, NULL, 0, path);
	if (rc < 0)
		return rc;
	rc = dm_ignore_append_file(ig, ctx, path);
	if (rc < 0) {
		dm_ignore_free(ig);
		return rc;
	}
	*out = ig;
	return 0;
}
