/*
 * driftmap — history store: URL handling, migrations, recording a run, and
 * the queries (list, show, compare, trend, prune, first-seen). Everything
 * here goes through the backend vtable (history_sqlite.c, history_pg.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "history_internal.h"

#define ZLEVEL 3 /* ~3x faster than the default level for ~10% more bytes */

/* ---- names, durations, times ------------------------------------------------ */

const char *dm_history_kind_name(dm_history_kind k)
{
	switch (k) {
	case DM_HISTORY_DRIFT: return "drift";
	case DM_HISTORY_POSTURE: return "posture";
	default: return "any";
	}
}

int dm_history_kind_parse(const char *s, dm_history_kind *out)
{
	if (!s)
		return DM_EINVAL;
	if (strcmp(s, "drift") == 0 || strcmp(s, "scan") == 0)
		*out = DM_HISTORY_DRIFT;
	else if (strcmp(s, "posture") == 0)
		*out = DM_HISTORY_POSTURE;
	else if (strcmp(s, "any") == 0 || strcmp(s, "all") == 0)
		*out = DM_HISTORY_ANY;
	else
		return DM_EINVAL;
	return 0;
}

int dm_history_parse_duration(const char *s, long long *seconds)
{
	char *end = NULL;
	long long n, unit;

	if (!s || !isdigit((unsigned char)s[0]))
		return DM_EINVAL;
	n = strtoll(s, &end, 10);
	if (!end || n < 0)
		return DM_EINVAL;
	if (strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else if (strcmp(end, "w") == 0)
		unit = 7 * 86400;
	else if (strcmp(end, "y") == 0)
		unit = 365 * 86400;
	else
		return DM_EINVAL;
	if (n > (long long)1e12 / unit)
		return DM_EINVAL;
	*seconds = n * unit;
	return 0;
}

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* RFC 3339 → Unix seconds: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM). */
static int parse_rfc3339(const char *s, long long *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	const char *p;

	if (!s || strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' &&
								   s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0 ||
	    digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &se) < 0)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) < 0 ||
		    digits(p + 4, 2, &om) < 0)
			return -1;
	} else if (!((*p == 'Z' || *p == 'z') && p[1] == '\0')) {
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (long long)timegm(&tm) - sign * (oh * 3600LL + om * 60LL);
	return 0;
}

static json_t *jtime(long long t)
{
	char buf[32];

	dm__rfc3339(t, buf, sizeof(buf));
	return json_string(buf);
}

/* ---- URLs and open ----------------------------------------------------------- */

int dm_history_default_url(dm_ctx *ctx, char **out)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	dm_buf b = DM_BUF_INIT;
	int rc;

	*out = NULL;
	if (xdg && xdg[0] == '/')
		rc = dm__buf_printf(&b, "sqlite:%s/driftmap/history.db", xdg);
	else if (home && home[0])
		rc = dm__buf_printf(&b, "sqlite:%s/.local/share/driftmap/history.db", home);
	else
		return dm__error(ctx, DM_EINVAL,
				 "history store: no --store given and neither XDG_DATA_HOME nor HOME is set");
	if (rc < 0)
		return dm__error(ctx, DM_ENOMEM, "out of memory");
	*out = dm__buf_detach(&b);
	return 0;
}

/* The URL with the password (user:PASS@, password=PASS) replaced by ***. */
static char *mask_url(const char *url)
{
	dm_buf b = DM_BUF_INIT;
	const char *scheme = strstr(url, "://"), *p = url, *at, *colon, *pw;

	if (scheme) {
		const char *auth = scheme + 3;
		size_t authlen = strcspn(auth, "/?");
		at = memchr(auth, '@', authlen);
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon) {
			dm__buf_put(&b, url, (size_t)(colon + 1 - url));
			dm__buf_puts(&b, "***");
			p = at;
		}
	}
	while ((pw = strstr(p, "password=")) != NULL) {
		dm__buf_put(&b, p, (size_t)(pw + 9 - p));
		dm__buf_puts(&b, "***");
		p = pw + 9 + strcspn(pw + 9, "& ");
	}
	dm__buf_puts(&b, p);
	return dm__buf_detach(&b);
}

static int migrate(dm_history *h, int target)
{
	const dm__history_ops *ops = h->ops;
	char sql[128];
	int rc, v = 0, i;

	rc = ops->begin_exclusive(h->store);
	if (rc < 0)
		return rc;
	rc = ops->exec(h->store, "CREATE TABLE IF NOT EXISTS schema_version"
				 " (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)");
	if (rc == 0)
		rc = ops->schema_version(h->store, &v);
	if (rc == 0 && v > (int)ops->nmigrations)
		rc = dm__error(h->ctx, DM_EVERSION,
			       "history store %s: schema version %d is newer than this driftmap "
			       "supports (%d); upgrade driftmap",
			       h->url_shown, v, (int)ops->nmigrations);
	for (i = v + 1; rc == 0 && i <= target; i++) {
		rc = ops->exec(h->store, ops->migrations[i - 1]);
		if (rc < 0) {
			rc = dm__error(h->ctx, DM_ESTORE, "history store %s: migration %d failed: %s",
				       h->url_shown, i, dm_ctx_last_error(h->ctx));
			break;
		}
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version (version, applied_at) VALUES (%d, %lld)", i,
			 (long long)time(NULL));
		rc = ops->exec(h->store, sql);
	}
	if (rc == 0)
		rc = ops->commit(h->store);
	if (rc < 0) {
		ops->rollback(h->store);
		return rc;
	}
	h->version = v > target ? v : target;
	return 0;
}

int dm__history_open_version(dm_history **out, dm_ctx *ctx, const char *url, int max_version)
{
	dm_history *h = NULL;
	char *def = NULL;
	const char *target;
	int rc = 0;

	*out = NULL;
	if (!url) {
		rc = dm_history_default_url(ctx, &def);
		if (rc < 0)
			return rc;
		url = def;
	}
	h = dm__calloc(1, sizeof(*h));
	if (!h || !(h->url_shown = mask_url(url))) {
		rc = dm__error(ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	h->ctx = ctx;
	if (strncmp(url, "sqlite:", 7) == 0) {
		h->ops = dm__history_sqlite_backend();
		target = url + 7;
		if (strncmp(target, "//", 2) == 0) /* sqlite:///abs/path */
			target += 2;
	} else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
		h->ops = dm__history_pg_backend();
		target = url;
	} else {
		rc = dm__error(ctx, DM_ESTORE,
			       "history store %s: unsupported URL (use sqlite:PATH or postgres://...)",
			       h->url_shown);
		goto done;
	}
	if (max_version < 1 || max_version > (int)h->ops->nmigrations)
		max_version = (int)h->ops->nmigrations;
	rc = h->ops->connect(&h->store, ctx, target, h->url_shown);
	if (rc < 0)
		goto done;
	rc = migrate(h, max_version);
	if (rc < 0)
		goto done;
	*out = h;
	h = NULL;
done:
	dm_history_free(h);
	free(def);
	return rc;
}

int dm_history_open(dm_history **out, dm_ctx *ctx, const char *url)
{
	return dm__history_open_version(out, ctx, url, 0);
}

void dm_history_free(dm_history *h)
{
	if (!h)
		return;
	if (h->store)
		h->ops->disconnect(h->store);
	free(h->url_shown);
	free(h);
}

const char *dm_history_backend(const dm_history *h)
{
	return h ? h->ops->name : NULL;
}

const char *dm_history_url(const dm_history *h)
{
	return h ? h->url_shown : NULL;
}

int dm_history_schema_version(const dm_history *h)
{
	return h ? h->version : 0;
}

void dm__history_set_hook(dm_history *h, dm__history_hook hook, void *ud)
{
	h->before_commit = hook;
	h->hook_ud = ud;
}

/* ---- compression ------------------------------------------------------------- */

/* Streaming: jansson's dump callback feeds zlib through a 256 KiB buffer, so
 * the uncompressed document never exists in memory as one string. */
typedef struct zsink {
	z_stream zs;
	unsigned char *out;
	size_t cap;
	size_t raw;
	unsigned char in[1 << 18];
	size_t inlen;
	int err;
} zsink;

static int zsink_run(zsink *z, int flush)
{
	z->zs.next_in = z->in;
	z->zs.avail_in = (uInt)z->inlen;
	do {
		int zrc;
		if (z->zs.total_out + 65536 > z->cap) {
			size_t ncap = z->cap ? z->cap * 2 : (size_t)1 << 20;
			unsigned char *p = realloc(z->out, ncap);
			if (!p)
				return DM_ENOMEM;
			z->out = p;
			z->cap = ncap;
		}
		z->zs.next_out = z->out + z->zs.total_out;
		z->zs.avail_out = (uInt)(z->cap - z->zs.total_out);
		zrc = deflate(&z->zs, flush);
		if (zrc == Z_STREAM_ERROR)
			return DM_ERROR;
		if (flush == Z_FINISH && zrc == Z_STREAM_END)
			break;
	} while (z->zs.avail_in > 0 || z->zs.avail_out == 0 || flush == Z_FINISH);
	z->inlen = 0;
	return 0;
}

static int zsink_cb(const char *buffer, size_t size, void *data)
{
	zsink *z = data;

	z->raw += size;
	if (z->raw > DM__HISTORY_MAX_DOC) {
		z->err = DM_ETOOBIG;
		return -1;
	}
	while (size > 0) {
		size_t room = sizeof(z->in) - z->inlen, take = size < room ? size : room;
		memcpy(z->in + z->inlen, buffer, take);
		z->inlen += take;
		buffer += take;
		size -= take;
		if (z->inlen == sizeof(z->in)) {
			z->err = zsink_run(z, Z_NO_FLUSH);
			if (z->err < 0)
				return -1;
		}
	}
	return 0;
}

/* A compact JSON writer over json_t into the sink: jansson's own dumper
 * allocates per container (loop detection), which dominated recording. */
static int put(zsink *z, const char *s, size_t n)
{
	return zsink_cb(s, n, z);
}

static int put_string(zsink *z, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	int rc = put(z, "\"", 1);

	for (i = 0; rc == 0 && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t elen = 0;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			elen = 2;
		} else if (c < 0x20) {
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if (elen) {
			rc = put(z, s + run, i - run);
			if (rc == 0)
				rc = put(z, esc, elen);
			run = i + 1;
		}
	}
	if (rc == 0)
		rc = put(z, s + run, n - run);
	if (rc == 0)
		rc = put(z, "\"", 1);
	return rc;
}

static int put_json(zsink *z, const json_t *v, int depth)
{
	char num[48];
	const char *k;
	json_t *e;
	size_t i;
	int rc = 0, first = 1;

	if (depth > 512)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		rc = put(z, "{", 1);
		json_object_foreach((json_t *)v, k, e) {
			if (rc == 0 && !first)
				rc = put(z, ",", 1);
			first = 0;
			if (rc == 0)
				rc = put_string(z, k, strlen(k));
			if (rc == 0)
				rc = put(z, ":", 1);
			if (rc == 0)
				rc = put_json(z, e, depth + 1);
		}
		return rc == 0 ? put(z, "}", 1) : rc;
	case JSON_ARRAY:
		rc = put(z, "[", 1);
		json_array_foreach(v, i, e) {
			if (rc == 0 && i)
				rc = put(z, ",", 1);
			if (rc == 0)
				rc = put_json(z, e, depth + 1);
		}
		return rc == 0 ? put(z, "]", 1) : rc;
	case JSON_STRING:
		return put_string(z, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return put(z, num, strlen(num));
	case JSON_REAL: {
		double d = json_real_value(v);
		snprintf(num, sizeof(num), "%.17g", d);
		if (!strpbrk(num, ".eE") && strlen(num) + 2 < sizeof(num))
			memcpy(num + strlen(num), ".0", 3); /* keep it a real when read back */
		return put(z, num, strlen(num));
	}
	case JSON_TRUE:
		return put(z, "true", 4);
	case JSON_FALSE:
		return put(z, "false", 5);
	default:
		return put(z, "null", 4);
	}
}

static int deflate_doc(dm_history *h, const json_t *doc, unsigned char **out, size_t *zlen,
		       size_t *rawlen)
{
	zsink *z = NULL;
	int rc = 0;

	*out = NULL;
	*zlen = *rawlen = 0;
	z = dm__calloc(1, sizeof(*z));
	if (!z)
		return dm__error(h->ctx, DM_ENOMEM, "out of memory");
	if (deflateInit(&z->zs, ZLEVEL) != Z_OK) {
		free(z);
		return dm__error(h->ctx, DM_ENOMEM, "history store: zlib initialisation failed");
	}
	if (put_json(z, doc, 0) != 0 || zsink_run(z, Z_FINISH) < 0) {
		if (z->err == DM_ETOOBIG)
			rc = dm__error(h->ctx, DM_ETOOBIG,
				       "history store: run document above the limit of %zu bytes",
				       DM__HISTORY_MAX_DOC);
		else
			rc = dm__error(h->ctx, DM_ENOMEM, "history store: cannot serialise the run");
		goto done;
	}
	*out = z->out;
	*zlen = z->zs.total_out;
	*rawlen = z->raw;
	z->out = NULL;
done:
	deflateEnd(&z->zs);
	free(z->out);
	free(z);
	return rc;
}

/* Fetch and inflate a run document; *out = JSON null when the run has none. */
static int load_doc(dm_history *h, long long id, int which, long long rawlen, json_t **out)
{
	unsigned char *z = NULL;
	char *text = NULL;
	size_t zlen = 0;
	uLongf len;
	json_error_t jerr;
	int rc;

	*out = NULL;
	rc = h->ops->get_blob(h->store, id, which, &z, &zlen);
	if (rc < 0)
		return rc;
	if (!z || rawlen <= 0) {
		*out = json_null();
		goto done;
	}
	if ((unsigned long long)rawlen > DM__HISTORY_MAX_DOC) {
		rc = dm__error(h->ctx, DM_ETOOBIG, "history store %s: run %lld: document too large",
			       h->url_shown, id);
		goto done;
	}
	len = (uLongf)rawlen;
	text = malloc((size_t)rawlen + 1);
	if (!text) {
		rc = dm__error(h->ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	if (uncompress((Bytef *)text, &len, z, (uLong)zlen) != Z_OK || len != (uLongf)rawlen) {
		rc = dm__error(h->ctx, DM_ESTORE, "history store %s: run %lld: corrupt %s document",
			       h->url_shown, id, which ? "inventory" : "report");
		goto done;
	}
	*out = json_loadb(text, len, 0, &jerr);
	if (!*out)
		rc = dm__error(h->ctx, DM_ESTORE, "history store %s: run %lld: corrupt %s document: %s",
			       h->url_shown, id, which ? "inventory" : "report", jerr.text);
done:
	free(text);
	free(z);
	return rc;
}

/* ---- recording ---------------------------------------------------------------- */

static double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int sev_parse(const char *s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	int i;

	for (i = 0; s && i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A hash of a JSON value that ignores object key order (entries are combined
 * by addition) and allocates nothing. */
static uint64_t json_hash(const json_t *v, int depth)
{
	uint64_t hsh = 0;
	char num[40];
	size_t i;
	const char *k;
	json_t *e;

	if (depth > 64)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		hsh = 0x6f626a;
		json_object_foreach((json_t *)v, k, e) {
			if (depth == 0 && strcmp(k, "first_seen") == 0)
				continue;
			uint64_t pair[2] = {dm__hash_str(k), json_hash(e, depth + 1)};
			hsh += dm__hash_bytes(pair, sizeof(pair), 8); /* key and value bound together */
		}
		return dm__hash_bytes(&hsh, sizeof(hsh), 1);
	case JSON_ARRAY:
		hsh = 0x617272;
		json_array_foreach(v, i, e) {
			uint64_t pair[2] = {hsh, json_hash(e, depth + 1)};
			hsh = dm__hash_bytes(pair, sizeof(pair), 2);
		}
		return hsh;
	case JSON_STRING:
		return dm__hash_bytes(json_string_value(v), json_string_length(v), 3);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return dm__hash_bytes(num, strlen(num), 4);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return dm__hash_bytes(num, strlen(num), 4);
	case JSON_TRUE:
		return 5;
	case JSON_FALSE:
		return 6;
	default:
		return 7;
	}
}

/* 16 hex: the finding's content (without first_seen), key order ignored. */
static int finding_digest(const json_t *f, char *out17)
{
	snprintf(out17, 17, "%016llx", (unsigned long long)json_hash(f, 0));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted unique strings joined by sep, with sep before and after when framed. */
static char *join_unique(const char **v, size_t n, const char *sep, int framed)
{
	dm_buf b = DM_BUF_INIT;
	size_t i;
	int first = 1;

	qsort(v, n, sizeof(*v), cmp_str);
	if (framed)
		dm__buf_puts(&b, sep);
	for (i = 0; i < n; i++) {
		if (i && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (!first)
			dm__buf_puts(&b, sep);
		dm__buf_puts(&b, v[i]);
		first = 0;
	}
	if (framed && !first)
		dm__buf_puts(&b, sep);
	if (!b.ptr)
		dm__buf_puts(&b, "");
	return dm__buf_detach(&b);
}

typedef struct rec_strs {
	char *source, *accounts, *regions, *summary, *sources;
} rec_strs;

static int run_from_report(dm_history *h, dm_history_kind kind, const json_t *rep, dm__hrun *r,
			   rec_strs *s)
{
	const json_t *sources = json_object_get(rep, "sources");
	const json_t *states = json_object_get(sources, "state");
	const json_t *live = json_object_get(sources, "live");
	const json_t *summary = json_object_get(rep, "summary");
	const char **uris = NULL, **accts = NULL, **regs = NULL;
	size_t nu = 0, na = 0, nr = 0, i;
	const json_t *e;
	int rc = 0, complete = 1;

	memset(s, 0, sizeof(*s));
	uris = dm__calloc(json_array_size(states) + 1, sizeof(*uris));
	accts = dm__calloc(json_array_size(live) + 1, sizeof(*accts));
	regs = dm__calloc(json_array_size(live) + 1, sizeof(*regs));
	if (!uris || !accts || !regs) {
		rc = dm__error(h->ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(states, i, e)
		if (jstr(e, "uri"))
			uris[nu++] = jstr(e, "uri");
	json_array_foreach(live, i, e) {
		if (jstr(e, "account"))
			accts[na++] = jstr(e, "account");
		if (jstr(e, "region"))
			regs[nr++] = jstr(e, "region");
		if (json_is_false(json_object_get(e, "complete")))
			complete = 0;
	}
	if (nu) {
		s->source = join_unique(uris, nu, " ", 0);
	} else {
		/* no state (posture): the accounts scanned identify the source */
		char *a = join_unique(accts, na, ",", 0);
		dm_buf b = DM_BUF_INIT;
		if (a)
			dm__buf_printf(&b, "live:%s", a);
		free(a);
		s->source = dm__buf_detach(&b);
	}
	s->accounts = join_unique(accts, na, ",", 1);
	s->regions = join_unique(regs, nr, ",", 1);
	s->summary = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : dm__strdup("{}");
	s->sources = sources ? json_dumps(sources, JSON_COMPACT | JSON_SORT_KEYS) : dm__strdup("{}");
	if (!s->source || !s->accounts || !s->regions || !s->summary || !s->sources) {
		rc = dm__error(h->ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	r->kind = kind;
	r->recorded_at = (long long)time(NULL);
	if (parse_rfc3339(jstr(rep, "started_at"), &r->started_at) < 0)
		r->started_at = r->recorded_at;
	if (parse_rfc3339(jstr(rep, "finished_at"), &r->finished_at) < 0)
		r->finished_at = r->started_at;
	r->source = s->source;
	r->accounts = s->accounts;
	r->regions = s->regions;
	r->summary = s->summary;
	r->sources = s->sources;
	r->tool_version = jstr(json_object_get(rep, "tool"), "version");
	if (!r->tool_version)
		r->tool_version = DRIFTMAP_VERSION;
	r->complete = json_is_boolean(json_object_get(summary, "complete"))
			      ? json_is_true(json_object_get(summary, "complete"))
			      : complete;
	if (json_is_number(json_object_get(summary, "coverage"))) {
		r->has_coverage = 1;
		r->coverage = json_number_value(json_object_get(summary, "coverage"));
	}
	if (kind == DM_HISTORY_DRIFT)
		r->drifted = json_integer_value(json_object_get(summary, "unmanaged")) +
			     json_integer_value(json_object_get(summary, "missing")) +
			     json_integer_value(json_object_get(summary, "changed"));
	else
		r->drifted = -1; /* filled from the findings */
done:
	free(uris);
	free(accts);
	free(regs);
	return rc;
}

static void rec_strs_free(rec_strs *s)
{
	free(s->source);
	free(s->accounts);
	free(s->regions);
	free(s->summary);
	free(s->sources);
}

int dm_history_record_json(dm_history *h, dm_history_kind kind, const json_t *report,
			   const json_t *inventory, long long *run_id)
{
	const char *schema = jstr(report, "schema");
	const json_t *arrays[2] = {NULL, NULL};
	dm__hfinding *f = NULL;
	char (*digests)[17] = NULL;
	unsigned char *zrep = NULL, *zinv = NULL;
	size_t zrep_len = 0, zinv_len = 0, raw = 0, n = 0, cap, a, i;
	dm__hblob brep, binv;
	dm__hrun run;
	rec_strs strs;
	long long unsuppressed = 0;
	double t0 = ms_now(), t1 = 0, t2 = 0, t3 = 0;
	int rc;

	memset(&run, 0, sizeof(run));
	memset(&strs, 0, sizeof(strs));
	if (run_id)
		*run_id = 0;
	if (!h || !json_is_object(report))
		return h ? dm__error(h->ctx, DM_EINVAL, "history store: no report to record")
			 : DM_EINVAL;
	if (kind == DM_HISTORY_DRIFT && (!schema || strcmp(schema, "driftmap.report/v1") != 0))
		return dm__error(h->ctx, DM_EINVAL, "history store: not a driftmap.report/v1 document");
	if (kind == DM_HISTORY_POSTURE && (!schema || strcmp(schema, DM_POSTURE_SCHEMA) != 0))
		return dm__error(h->ctx, DM_EINVAL,
				 "history store: not a " DM_POSTURE_SCHEMA " document");
	if (kind != DM_HISTORY_DRIFT && kind != DM_HISTORY_POSTURE)
		return dm__error(h->ctx, DM_EINVAL, "history store: record needs kind drift or posture");
	if (kind == DM_HISTORY_DRIFT) {
		arrays[0] = json_object_get(report, "drift");
		arrays[1] = json_object_get(report, "ignored");
	} else {
		arrays[0] = json_object_get(report, "findings");
	}
	cap = json_array_size(arrays[0]) + json_array_size(arrays[1]);
	if (cap) {
		f = dm__calloc(cap, sizeof(*f));
		digests = dm__calloc(cap, sizeof(*digests));
		if (!f || !digests) {
			rc = dm__error(h->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (a = 0; a < 2; a++) {
		const json_t *e;
		json_array_foreach(arrays[a], i, e) {
			dm__hfinding *x = &f[n];
			x->fingerprint = jstr(e, "fingerprint");
			if (!x->fingerprint) {
				rc = dm__error(h->ctx, DM_EINVAL,
					       "history store: finding %zu has no fingerprint", i);
				goto done;
			}
			x->kind = jstr(e, kind == DM_HISTORY_DRIFT ? "kind" : "rule");
			x->severity = sev_parse(jstr(e, "severity"));
			x->type = jstr(e, "type");
			x->resource_id = jstr(e, "resource_id");
			x->account = jstr(e, "account");
			x->region = jstr(e, "region");
			x->suppressed = kind == DM_HISTORY_DRIFT ? a == 1
							       : json_is_true(json_object_get(e, "muted"));
			if (finding_digest(e, digests[n]) < 0) {
				rc = dm__error(h->ctx, DM_ENOMEM, "out of memory");
				goto done;
			}
			x->digest = digests[n];
			if (!x->suppressed) {
				run.sev[x->severity]++;
				unsuppressed++;
			}
			n++;
		}
	}
	t1 = ms_now();
	rc = run_from_report(h, kind, report, &run, &strs);
	if (rc < 0)
		goto done;
	run.findings = (long long)n;
	if (run.drifted < 0)
		run.drifted = unsuppressed;
	rc = deflate_doc(h, report, &zrep, &zrep_len, &raw);
	if (rc < 0)
		goto done;
	run.report_len = (long long)raw;
	run.report_zlen = (long long)zrep_len;
	if (inventory && !json_is_null(inventory) && h->version >= 2) {
		rc = deflate_doc(h, inventory, &zinv, &zinv_len, &raw);
		if (rc < 0)
			goto done;
		run.inventory_len = (long long)raw;
		run.inventory_zlen = (long long)zinv_len;
	}
	t2 = ms_now();
	brep.data = zrep;
	brep.len = zrep_len;
	binv.data = zinv;
	binv.len = zinv_len;
	rc = h->ops->insert_run(h->store, &run, h->version >= 2, brep, binv, f, n, h->before_commit,
				h->hook_ud, run_id);
	t3 = ms_now();
	if (rc == 0)
		dm__log(h->ctx, DM_LOG_DEBUG,
			"history: recorded %s run of %zu findings: rows %.0f ms, documents %.0f ms "
			"(%lld+%lld bytes compressed), insert %.0f ms",
			dm_history_kind_name(kind), n, t1 - t0, t2 - t1, run.report_zlen,
			run.inventory_zlen, t3 - t2);
done:
	rec_strs_free(&strs);
	free(f);
	free(digests);
	free(zrep);
	free(zinv);
	return rc;
}

int dm_history_record_drift(dm_history *h, const dm_drift *d, long long *run_id)
{
	json_t *rep = NULL, *inv = NULL;
	int rc;

	if (!h || !d)
		return h ? dm__error(h->ctx, DM_EINVAL, "history store: no scan to record") : DM_EINVAL;
	rep = dm_report_json(d);
	inv = json_object();
	if (!rep || !inv ||
	    json_object_set_new(inv, "live", dm_drift_live(d) ? dm_inventory_to_json(dm_drift_live(d))
							      : json_null()) < 0 ||
	    json_object_set_new(inv, "state", dm_drift_state(d)
						      ? dm_inventory_to_json(dm_drift_state(d))
						      : json_null()) < 0) {
		rc = dm__error(h->ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	rc = dm_history_record_json(h, DM_HISTORY_DRIFT, rep, inv, run_id);
done:
	json_decref(rep);
	json_decref(inv);
	return rc;
}

int dm_history_record_posture(dm_history *h, const dm_posture *p, long long *run_id)
{
	json_t *rep = NULL, *inv = NULL;
	int rc;

	if (!h || !p)
		return h ? dm__error(h->ctx, DM_EINVAL, "history store: no posture review to record")
			 : DM_EINVAL;
	rep = dm_posture_json(p);
	inv = json_object();
	if (!rep || !inv ||
	    json_object_set_new(inv, "live", dm_posture_live(p) ? dm_inventory_to_json(dm_posture_live(p))
								: json_null()) < 0) {
		rc = dm__error(h->ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	rc = dm_history_record_json(h, DM_HISTORY_POSTURE, rep, inv, run_id);
done:
	json_decref(rep);
	json_decref(inv);
	return rc;
}

/* ---- queries ----------------------------------------------------------------- */

static int run_matches(const dm__hrun *r, const dm_history_filter *f)
{
	if (!f)
		return 1;
	if (f->source && f->source[0] && !strstr(r->source, f->source))
		return 0;
	if (f->account && f->account[0]) {
		size_t n = strlen(f->account);
		const char *p = r->accounts;
		int found = 0;
		while (!found && (p = strstr(p, f->account)) != NULL) {
			found = p > r->accounts && p[-1] == ',' && p[n] == ',';
			p++;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* Runs matching f, newest first; *runs points into arena-backed strings. */
static int select_runs(dm_history *h, const dm_history_filter *f, dm_arena *a, dm__hrun **runs,
		       size_t *n)
{
	size_t i, k = 0;
	int rc;

	rc = h->ops->list_runs(h->store, f ? (int)f->kind : 0, f ? f->since : 0, f ? f->until : 0, a,
			       runs, n);
	if (rc < 0)
		return rc;
	for (i = 0; i < *n; i++)
		if (run_matches(&(*runs)[i], f))
			(*runs)[k++] = (*runs)[i];
	*n = k;
	return 0;
}

static json_t *split_list(const char *framed)
{
	json_t *a = json_array();
	const char *p = framed;

	while (a && p && *p) {
		size_t len;
		if (*p == ',') {
			p++;
			continue;
		}
		len = strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, len));
		p += len;
	}
	return a;
}

static json_t *sev_json(const long long sev[5])
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "critical", (json_int_t)sev[DM_SEV_CRITICAL], "high",
			 (json_int_t)sev[DM_SEV_HIGH], "medium", (json_int_t)sev[DM_SEV_MEDIUM], "low",
			 (json_int_t)sev[DM_SEV_LOW], "info", (json_int_t)sev[DM_SEV_INFO]);
}

static json_t *run_json(const dm__hrun *r, int full)
{
	json_t *o = json_pack("{s:I,s:s,s:o,s:o,s:s,s:o,s:o,s:b,s:o,s:I,s:I,s:o}", "id",
			      (json_int_t)r->id, "kind", dm_history_kind_name((dm_history_kind)r->kind),
			      "started_at", jtime(r->started_at), "finished_at", jtime(r->finished_at),
			      "source", r->source, "accounts", split_list(r->accounts), "regions",
			      split_list(r->regions), "complete", r->complete, "coverage",
			      r->has_coverage ? json_real(r->coverage) : json_null(), "findings",
			      (json_int_t)r->findings, "drifted", (json_int_t)r->drifted, "by_severity",
			      sev_json(r->sev));

	if (o && full) {
		json_object_set_new(o, "recorded_at", jtime(r->recorded_at));
		json_object_set_new(o, "tool_version", json_string(r->tool_version));
		json_object_set_new(o, "summary", json_loads(r->summary, 0, NULL));
		json_object_set_new(o, "report_bytes", json_integer(r->report_len));
		json_object_set_new(o, "inventory_bytes", json_integer(r->inventory_len));
		json_object_set_new(o, "stored_bytes",
				    json_integer(r->report_zlen + r->inventory_zlen));
		json_object_set_new(o, "has_inventory", json_boolean(r->inventory_zlen > 0));
	}
	return o;
}

static json_t *filter_json(const dm_history_filter *f)
{
	json_t *o = json_object();

	if (!o || !f)
		return o;
	json_object_set_new(o, "kind", json_string(dm_history_kind_name(f->kind)));
	if (f->source)
		json_object_set_new(o, "source", json_string(f->source));
	if (f->account)
		json_object_set_new(o, "account", json_string(f->account));
	if (f->since)
		json_object_set_new(o, "since", jtime(f->since));
	if (f->until)
		json_object_set_new(o, "until", jtime(f->until));
	return o;
}

static int oom(dm_history *h)
{
	return dm__error(h->ctx, DM_ENOMEM, "out of memory");
}

int dm_history_list(dm_history *h, const dm_history_filter *f, json_t **out)
{
	dm_arena *a = NULL;
	dm__hrun *runs = NULL;
	json_t *doc = NULL, *arr;
	long long bytes = 0;
	size_t n = 0, i;
	int rc;

	*out = NULL;
	if (dm__arena_new(&a) < 0)
		return oom(h);
	rc = select_runs(h, f, a, &runs, &n);
	if (rc == 0)
		rc = h->ops->store_size(h->store, &bytes);
	if (rc < 0)
		goto done;
	doc = json_pack("{s:s,s:{s:s,s:s,s:i,s:I},s:o,s:[]}", "schema", DM_HISTORY_LIST_SCHEMA,
			"store", "backend", h->ops->name, "url", h->url_shown, "schema_version",
			h->version, "bytes", (json_int_t)bytes, "filter", filter_json(f), "runs");
	arr = json_object_get(doc, "runs");
	if (!doc) {
		rc = oom(h);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (json_array_append_new(arr, run_json(&runs[i], 1)) < 0) {
			rc = oom(h);
			goto done;
		}
	}
	*out = doc;
	doc = NULL;
done:
	json_decref(doc);
	free(runs);
	dm__arena_free(a);
	return rc;
}

int dm_history_show(dm_history *h, long long run_id, json_t **report, json_t **inventory)
{
	dm_arena *a = NULL;
	dm__hrun r;
	int rc;

	if (report)
		*report = NULL;
	if (inventory)
		*inventory = NULL;
	if (dm__arena_new(&a) < 0)
		return oom(h);
	rc = h->ops->get_run(h->store, run_id, a, &r);
	if (rc == 0 && report)
		rc = load_doc(h, run_id, 0, r.report_len, report);
	if (rc == 0 && inventory)
		rc = load_doc(h, run_id, 1, r.inventory_len, inventory);
	if (rc < 0 && report) {
		json_decref(*report);
		*report = NULL;
	}
	dm__arena_free(a);
	return rc;
}

int dm_history_resolve_run(dm_history *h, const dm_history_filter *f, const char *spec,
			   long long *run_id)
{
	dm_arena *a = NULL;
	dm__hrun *runs = NULL, r;
	size_t n = 0;
	long long back = 0, id;
	int rc = 0;

	*run_id = 0;
	if (!spec || !spec[0])
		return dm__error(h->ctx, DM_EINVAL, "history: empty run id");
	if (dm__arena_new(&a) < 0)
		return oom(h);
	if (strncmp(spec, "latest", 6) == 0) {
		if (spec[6] == '~' && (dm__parse_ll(spec + 7, &back) < 0 || back < 0)) {
			rc = dm__error(h->ctx, DM_EINVAL, "history: bad run '%s' (use N, latest, latest~N)",
				       spec);
			goto done;
		} else if (spec[6] != '~' && spec[6] != '\0') {
			rc = dm__error(h->ctx, DM_EINVAL, "history: bad run '%s' (use N, latest, latest~N)",
				       spec);
			goto done;
		}
		rc = select_runs(h, f, a, &runs, &n);
		if (rc < 0)
			goto done;
		if ((size_t)back >= n) {
			rc = dm__error(h->ctx, DM_ENOTFOUND, "history store %s: no run '%s' (%zu runs match)",
				       h->url_shown, spec, n);
			goto done;
		}
		*run_id = runs[back].id;
		goto done;
	}
	if (dm__parse_ll(spec, &id) < 0 || id <= 0) {
		rc = dm__error(h->ctx, DM_EINVAL, "history: bad run '%s' (use N, latest, latest~N)", spec);
		goto done;
	}
	rc = h->ops->get_run(h->store, id, a, &r);
	if (rc == 0)
		*run_id = id;
done:
	free(runs);
	dm__arena_free(a);
	return rc;
}

/* ---- compare ----------------------------------------------------------------- */

static int cmp_finding_ptr(const void *pa, const void *pb)
{
	const dm__hfinding *a = *(const dm__hfinding *const *)pa, *b = *(const dm__hfinding *const *)pb;
	return strcmp(a->fingerprint, b->fingerprint);
}

/* Pointers sorted by fingerprint, duplicates dropped. */
static const dm__hfinding **sorted_findings(const dm__hfinding *f, size_t n, size_t *out_n)
{
	const dm__hfinding **v = dm__calloc(n + 1, sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = &f[i];
	qsort(v, n, sizeof(*v), cmp_finding_ptr);
	for (i = 0; i < n; i++)
		if (k == 0 || strcmp(v[k - 1]->fingerprint, v[i]->fingerprint) != 0)
			v[k++] = v[i];
	*out_n = k;
	return v;
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *sev_name(int s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};
	return s >= 0 && s < 5 ? names[s] : "info";
}

static json_t *finding_json(const dm__hfinding *f)
{
	return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:b}", "fingerprint", f->fingerprint, "kind",
			 f->kind, "severity", sev_name(f->severity), "type", jstr_or_null(f->type),
			 "resource_id", jstr_or_null(f->resource_id), "account",
			 jstr_or_null(f->account), "region", jstr_or_null(f->region), "suppressed",
			 f->suppressed);
}

static json_t *changed_json(const dm__hfinding *a, const dm__hfinding *b)
{
	json_t *o = finding_json(b);

	if (!o)
		return NULL;
	json_object_set_new(o, "severity_before", json_string(sev_name(a->severity)));
	json_object_set_new(o, "suppressed_before", json_boolean(a->suppressed));
	json_object_set_new(o, "kind_before", json_string(a->kind));
	return o;
}

static json_t *num_delta(const json_t *a, const json_t *b)
{
	json_t *o;

	if (json_is_integer(a) && json_is_integer(b))
		return json_pack("{s:I,s:I,s:I}", "a", json_integer_value(a), "b", json_integer_value(b),
				 "delta", json_integer_value(b) - json_integer_value(a));
	o = json_pack("{s:O,s:O}", "a", a ? a : json_null(), "b", b ? b : json_null());
	if (o && json_is_number(a) && json_is_number(b))
		json_object_set_new(o, "delta", json_real(json_number_value(b) - json_number_value(a)));
	return o;
}

/* For every number/boolean key (recursively): {"a","b","delta"}. */
static json_t *summary_delta(const json_t *a, const json_t *b)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;
	int pass;

	for (pass = 0; o && pass < 2; pass++) {
		const json_t *src = pass ? a : b;
		json_object_foreach((json_t *)src, k, v) {
			const json_t *va = json_object_get(a, k), *vb = json_object_get(b, k);
			const json_t *probe = vb ? vb : va;
			if (json_object_get(o, k))
				continue;
			if (json_is_object(probe))
				json_object_set_new(o, k, summary_delta(va, vb));
			else if (json_is_number(probe) || json_is_boolean(probe))
				json_object_set_new(o, k, num_delta(va, vb));
		}
	}
	return o;
}

static json_t *sev_delta(const long long *a, const long long *b)
{
	json_t *o = json_object();
	int s;

	for (s = 4; o && s >= 0; s--)
		json_object_set_new(o, sev_name(s),
				    json_pack("{s:I,s:I,s:I}", "a", (json_int_t)a[s], "b", (json_int_t)b[s],
					      "delta", (json_int_t)(b[s] - a[s])));
	return o;
}

/* Coverage (or drifted count) of the runs of b's kind and source between a and b. */
static json_t *coverage_series(dm_history *h, const dm__hrun *ra, const dm__hrun *rb, dm_arena *a)
{
	dm__hrun *runs = NULL;
	size_t n = 0, i;
	long long lo = ra->started_at < rb->started_at ? ra->started_at : rb->started_at;
	long long hi = ra->started_at < rb->started_at ? rb->started_at : ra->started_at;
	json_t *arr = json_array();

	if (!arr || h->ops->list_runs(h->store, rb->kind, lo ? lo : 1, hi ? hi : 1, a, &runs, &n) < 0) {
		json_decref(arr);
		free(runs);
		return NULL;
	}
	for (i = n; i-- > 0;) {
		const dm__hrun *r = &runs[i];
		if (strcmp(r->source, rb->source) != 0)
			continue;
		json_array_append_new(arr, json_pack("{s:I,s:o,s:o,s:I}", "run", (json_int_t)r->id,
						     "started_at", jtime(r->started_at), "coverage",
						     r->has_coverage ? json_real(r->coverage) : json_null(),
						     "drifted", (json_int_t)r->drifted));
	}
	free(runs);
	return arr;
}

static char *pair_key(const json_t *p)
{
	char *allowed = dm__json_canonical(json_object_get(p, "allowed"));
	dm_buf b = DM_BUF_INIT;

	dm__buf_printf(&b, "%s\x1f%s\x1f%s", jstr(p, "from") ? jstr(p, "from") : "",
		       jstr(p, "to") ? jstr(p, "to") : "", allowed ? allowed : "null");
	free(allowed);
	return dm__buf_detach(&b);
}

/* Pairs (from, to, allowed) present in one matrix and not in the other. */
static json_t *pairs_minus(const json_t *x, const json_t *y)
{
	json_t *out = json_array(), *p, *q;
	size_t i, j;

	json_array_foreach(x, i, p) {
		char *kp = pair_key(p);
		int found = 0;
		json_array_foreach(y, j, q) {
			char *kq = pair_key(q);
			found = kp && kq && strcmp(kp, kq) == 0;
			free(kq);
			if (found)
				break;
		}
		if (!found)
			json_array_append(out, p);
		free(kp);
	}
	return out;
}

static int collect_keys(const json_t *inv, dm_strmap *m, dm_arena *a)
{
	const json_t *res = json_object_get(json_object_get(inv, "live"), "resources"), *r;
	size_t i;

	json_array_foreach(res, i, r) {
		char key[1024];
		const char *k;
		snprintf(key, sizeof(key), "%s/%s/%s", jstr(r, "provider") ? jstr(r, "provider") : "",
			 jstr(r, "type") ? jstr(r, "type") : "", jstr(r, "id") ? jstr(r, "id") : "");
		k = dm__arena_strdup(a, key);
		if (!k || dm__strmap_put(m, k, (void *)r) < 0)
			return DM_ENOMEM;
	}
	return 0;
}

static json_t *keys_minus(const dm_strmap *x, const dm_strmap *y)
{
	const char **keys = dm__calloc(dm__strmap_count(x) + 1, sizeof(*keys));
	json_t *out = json_array();
	size_t it = 0, n = 0, i;
	const char *k;
	void *v;

	if (!keys || !out) {
		free(keys);
		json_decref(out);
		return NULL;
	}
	while (dm__strmap_next(x, &it, &k, &v))
		if (!dm__strmap_get(y, k))
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n; i++) {
		const json_t *r = dm__strmap_get(x, keys[i]);
		json_array_append_new(out, json_pack("{s:O,s:O,s:O,s:O,s:O}", "provider",
						     json_object_get(r, "provider"), "type",
						     json_object_get(r, "type"), "id",
						     json_object_get(r, "id"), "account",
						     json_object_get(r, "account") ? json_object_get(r, "account") : json_null(),
						     "region",
						     json_object_get(r, "region") ? json_object_get(r, "region") : json_null()));
	}
	free(keys);
	return out;
}

/* Segmentation pairs opened/closed (posture) and topology added/removed. */
static int compare_details(dm_history *h, const dm__hrun *ra, const dm__hrun *rb, json_t *doc)
{
	json_t *repa = NULL, *repb = NULL, *inva = NULL, *invb = NULL;
	dm_strmap *ma = NULL, *mb = NULL;
	dm_arena *a = NULL;
	int rc = 0;

	if (ra->kind == DM_HISTORY_POSTURE) {
		const json_t *pa, *pb;
		rc = load_doc(h, ra->id, 0, ra->report_len, &repa);
		if (rc == 0)
			rc = load_doc(h, rb->id, 0, rb->report_len, &repb);
		if (rc < 0)
			goto done;
		pa = json_object_get(json_object_get(repa, "segmentation"), "pairs");
		pb = json_object_get(json_object_get(repb, "segmentation"), "pairs");
		json_object_set_new(doc, "segmentation",
				    json_pack("{s:o,s:o}", "opened", pairs_minus(pb, pa), "closed",
					      pairs_minus(pa, pb)));
	}
	if (ra->inventory_zlen > 0 && rb->inventory_zlen > 0) {
		rc = load_doc(h, ra->id, 1, ra->inventory_len, &inva);
		if (rc == 0)
			rc = load_doc(h, rb->id, 1, rb->inventory_len, &invb);
		if (rc < 0)
			goto done;
		if (dm__arena_new(&a) < 0 || dm__strmap_new(&ma, 64) < 0 ||
		    dm__strmap_new(&mb, 64) < 0 || collect_keys(inva, ma, a) < 0 ||
		    collect_keys(invb, mb, a) < 0) {
			rc = oom(h);
			goto done;
		}
		json_object_set_new(doc, "topology",
				    json_pack("{s:o,s:o}", "added", keys_minus(mb, ma), "removed",
					      keys_minus(ma, mb)));
	} else {
		json_object_set_new(doc, "topology", json_null());
	}
done:
	dm__strmap_free(ma);
	dm__strmap_free(mb);
	dm__arena_free(a);
	json_decref(repa);
	json_decref(repb);
	json_decref(inva);
	json_decref(invb);
	return rc;
}

static int compare_runs(dm_history *h, const dm__hrun *ra, const dm__hrun *rb, unsigned flags,
			dm_arena *arena, json_t **out)
{
	dm__hfinding *fa = NULL, *fb = NULL;
	const dm__hfinding **sa = NULL, **sb = NULL;
	size_t na = 0, nb = 0, i = 0, j = 0, unchanged = 0;
	json_t *doc = NULL, *added, *resolved, *changed, *sum_a = NULL, *sum_b = NULL;
	int rc;

	*out = NULL;
	if (ra->kind != rb->kind)
		return dm__error(h->ctx, DM_EINVAL, "history: cannot compare run %lld (%s) with run %lld (%s)",
				 ra->id, dm_history_kind_name((dm_history_kind)ra->kind), rb->id,
				 dm_history_kind_name((dm_history_kind)rb->kind));
	rc = h->ops->load_findings(h->store, ra->id, arena, &fa, &na);
	if (rc == 0)
		rc = h->ops->load_findings(h->store, rb->id, arena, &fb, &nb);
	if (rc < 0)
		goto done;
	sa = sorted_findings(fa, na, &na);
	sb = sorted_findings(fb, nb, &nb);
	sum_a = json_loads(ra->summary, 0, NULL);
	sum_b = json_loads(rb->summary, 0, NULL);
	doc = json_pack("{s:s,s:s,s:{s:o,s:o},s:[],s:[],s:[]}", "schema", DM_HISTORY_COMPARE_SCHEMA,
			"kind", dm_history_kind_name((dm_history_kind)rb->kind), "runs", "a",
			run_json(ra, 0), "b", run_json(rb, 0), "new", "resolved", "changed");
	if (!sa || !sb || !doc) {
		rc = oom(h);
		goto done;
	}
	added = json_object_get(doc, "new");
	resolved = json_object_get(doc, "resolved");
	changed = json_object_get(doc, "changed");
	while (i < na || j < nb) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(sa[i]->fingerprint, sb[j]->fingerprint);
		int e;
		if (c < 0) {
			e = json_array_append_new(resolved, finding_json(sa[i++]));
		} else if (c > 0) {
			e = json_array_append_new(added, finding_json(sb[j++]));
		} else {
			e = 0;
			if (strcmp(sa[i]->digest, sb[j]->digest) != 0 ||
			    sa[i]->severity != sb[j]->severity ||
			    sa[i]->suppressed != sb[j]->suppressed)
				e = json_array_append_new(changed, changed_json(sa[i], sb[j]));
			else
				unchanged++;
			i++;
			j++;
		}
		if (e < 0) {
			rc = oom(h);
			goto done;
		}
	}
	json_object_set_new(doc, "counts",
			    json_pack("{s:I,s:I,s:I,s:I}", "new", (json_int_t)json_array_size(added),
				      "resolved", (json_int_t)json_array_size(resolved), "changed",
				      (json_int_t)json_array_size(changed), "unchanged",
				      (json_int_t)unchanged));
	json_object_set_new(doc, "summary", summary_delta(sum_a, sum_b));
	json_object_set_new(doc, "by_severity", sev_delta(ra->sev, rb->sev));
	json_object_set_new(doc, "drifted", json_pack("{s:I,s:I,s:I}", "a", (json_int_t)ra->drifted,
						      "b", (json_int_t)rb->drifted, "delta",
						      (json_int_t)(rb->drifted - ra->drifted)));
	{
		json_t *ca = ra->has_coverage ? json_real(ra->coverage) : json_null();
		json_t *cb = rb->has_coverage ? json_real(rb->coverage) : json_null();
		json_t *cov = num_delta(ca, cb);
		json_t *series = coverage_series(h, ra, rb, arena);
		json_decref(ca);
		json_decref(cb);
		if (!cov || !series) {
			json_decref(cov);
			json_decref(series);
			rc = dm_ctx_last_error_code(h->ctx) < 0 ? dm_ctx_last_error_code(h->ctx) : oom(h);
			goto done;
		}
		json_object_set_new(cov, "series", series);
		json_object_set_new(doc, "coverage", cov);
	}
	if (flags & DM_HISTORY_CMP_DETAILS) {
		rc = compare_details(h, ra, rb, doc);
		if (rc < 0)
			goto done;
	}
	*out = doc;
	doc = NULL;
done:
	json_decref(doc);
	json_decref(sum_a);
	json_decref(sum_b);
	free(sa);
	free(sb);
	free(fa);
	free(fb);
	return rc;
}

int dm_history_compare(dm_history *h, long long run_a, long long run_b, unsigned flags,
		       json_t **out)
{
	dm_arena *a = NULL;
	dm__hrun ra, rb;
	int rc;

	*out = NULL;
	if (dm__arena_new(&a) < 0)
		return oom(h);
	rc = h->ops->get_run(h->store, run_a, a, &ra);
	if (rc == 0)
		rc = h->ops->get_run(h->store, run_b, a, &rb);
	if (rc == 0)
		rc = compare_runs(h, &ra, &rb, flags, a, out);
	dm__arena_free(a);
	return rc;
}

int dm_history_compare_since(dm_history *h, const dm_history_filter *f, long long period_seconds,
			     unsigned flags, json_t **out)
{
	dm_arena *a = NULL;
	dm__hrun *runs = NULL, *all = NULL, rb, ra;
	size_t n = 0, nall = 0, i;
	int rc;

	*out = NULL;
	if (dm__arena_new(&a) < 0)
		return oom(h);
	rc = select_runs(h, f, a, &runs, &n);
	if (rc < 0)
		goto done;
	if (n == 0) {
		rc = dm__error(h->ctx, DM_ENOTFOUND, "history store %s: no run matches", h->url_shown);
		goto done;
	}
	rb = runs[0];
	ra = rb;
	rc = h->ops->list_runs(h->store, rb.kind, 0, 0, a, &all, &nall);
	if (rc < 0)
		goto done;
	for (i = 0; i < nall; i++) { /* newest first */
		if (strcmp(all[i].source, rb.source) != 0)
			continue;
		ra = all[i]; /* ends as the oldest run of that source when none is old enough */
		if (all[i].started_at <= rb.started_at - period_seconds)
			break;
	}
	rc = compare_runs(h, &ra, &rb, flags, a, out);
	if (rc == 0)
		json_object_set_new(*out, "period_seconds", json_integer(period_seconds));
done:
	free(runs);
	free(all);
	dm__arena_free(a);
	return rc;
}

/* ---- trend ------------------------------------------------------------------- */

int dm_history_trend(dm_history *h, const dm_history_filter *f, json_t **out)
{
	dm_arena *a = NULL;
	dm__hrun *runs = NULL;
	json_t *doc = NULL, *arr;
	size_t n = 0, i;
	int rc;

	*out = NULL;
	if (dm__arena_new(&a) < 0)
		return oom(h);
	rc = select_runs(h, f, a, &runs, &n);
	if (rc < 0)
		goto done;
	doc = json_pack("{s:s,s:o,s:[]}", "schema", DM_HISTORY_TREND_SCHEMA, "filter", filter_json(f),
			"runs");
	if (!doc) {
		rc = oom(h);
		goto done;
	}
	arr = json_object_get(doc, "runs");
	for (i = n; i-- > 0;) { /* oldest first */
		const dm__hrun *r = &runs[i];
		if (json_array_append_new(arr, json_pack("{s:I,s:s,s:o,s:s,s:b,s:I,s:o,s:I,s:o}", "id",
							 (json_int_t)r->id, "kind",
							 dm_history_kind_name((dm_history_kind)r->kind),
							 "started_at", jtime(r->started_at), "source",
							 r->source, "complete", r->complete, "drifted",
							 (json_int_t)r->drifted, "coverage",
							 r->has_coverage ? json_real(r->coverage)
									 : json_null(),
							 "findings", (json_int_t)r->findings,
							 "by_severity", sev_json(r->sev))) < 0) {
			rc = oom(h);
			goto done;
		}
	}
	*out = doc;
	doc = NULL;
done:
	json_decref(doc);
	free(runs);
	dm__arena_free(a);
	return rc;
}

/* ---- prune ------------------------------------------------------------------- */

int dm_history_prune(dm_history *h, const dm_history_prune_options *o, size_t *removed)
{
	dm_arena *a = NULL;
	dm_strmap *newest = NULL;
	dm__hrun *runs = NULL;
	long long *ids = NULL, now;
	size_t n = 0, i, k = 0;
	int rc;

	if (removed)
		*removed = 0;
	if (!o || (o->keep_seconds <= 0 && o->keep_count == 0))
		return dm__error(h->ctx, DM_EINVAL, "history prune: give --keep AGE (400d) or a count");
	now = o->now ? o->now : (long long)time(NULL);
	if (dm__arena_new(&a) < 0 || dm__strmap_new(&newest, 64) < 0) {
		rc = oom(h);
		goto done;
	}
	rc = h->ops->list_runs(h->store, 0, 0, 0, a, &runs, &n);
	if (rc < 0)
		goto done;
	ids = dm__calloc(n + 1, sizeof(*ids));
	if (!ids) {
		rc = oom(h);
		goto done;
	}
	for (i = 0; i < n; i++) { /* newest first */
		const dm__hrun *r = &runs[i];
		char kb[32];
		dm_buf key = DM_BUF_INIT;
		const char *kk;
		int keep;

		snprintf(kb, sizeof(kb), "%d:", r->kind);
		dm__buf_puts(&key, kb);
		dm__buf_puts(&key, r->source);
		kk = key.ptr ? dm__arena_strdup(a, key.ptr) : NULL;
		dm__buf_free(&key);
		if (!kk) {
			rc = oom(h);
			goto done;
		}
		if (!dm__strmap_get(newest, kk)) {
			if (dm__strmap_put(newest, kk, (void *)r) < 0) {
				rc = oom(h);
				goto done;
			}
			continue; /* the newest run of its source is always kept */
		}
		keep = 1;
		if (o->keep_seconds > 0 && r->started_at < now - o->keep_seconds)
			keep = 0;
		if (o->keep_count > 0 && i >= o->keep_count)
			keep = 0;
		if (!keep)
			ids[k++] = r->id;
	}
	if (k && !o->dry_run)
		rc = h->ops->delete_runs(h->store, ids, k);
	if (rc == 0 && removed)
		*removed = k;
done:
	free(ids);
	free(runs);
	dm__strmap_free(newest);
	dm__arena_free(a);
	return rc;
}

/* ---- first seen -------------------------------------------------------------- */

int dm_history_first_seen(dm_history *h, const char *fingerprint, long long *when)
{
	*when = 0;
	if (!fingerprint)
		return dm__error(h->ctx, DM_EINVAL, "history: no fingerprint");
	return h->ops->first_seen(h->store, &fingerprint, 1, when);
}

int dm_history_first_seen_many(dm_history *h, const char *const *fps, size_t n, long long *when)
{
	if (n == 0)
		return 0;
	if (!fps || !when)
		return dm__error(h->ctx, DM_EINVAL, "history: no fingerprints");
	return h->ops->first_seen(h->store, fps, n, when);
}
