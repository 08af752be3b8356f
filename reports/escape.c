/*
 * driftmap — escaping, redaction and value formatting shared by the report
 * renderers. Every string that reaches a report comes from an inventory or
 * a cloud API and is treated as hostile: escaped for its format, control
 * characters neutralised, invalid UTF-8 replaced.
 */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <jansson.h>
#include "report_internal.h"

#define REPL "\xEF\xBF\xBD" /* U+FFFD */

/*
 * Decode one UTF-8 code point at s (n bytes available). Returns its length
 * and stores the code point, or 0 for an invalid sequence (overlong,
 * surrogate, out of range, truncated).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* Characters XML 1.0 and HTML do not accept as text. */
static int xml_bad(unsigned cp)
{
	if (cp < 0x20)
		return cp != '\t' && cp != '\n' && cp != '\r';
	return cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF;
}

int dm__esc_xmln(dm_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, len;
	unsigned cp;
	int rc = 0;

	if (!s)
		return 0;
	while (i < n && rc == 0) {
		const char *rep = NULL;

		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0 || xml_bad(cp)) {
			rep = REPL;
			if (len == 0)
				len = 1;
		} else {
			switch (cp) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&#39;"; break;
			case '\n': rep = "&#10;"; break;
			case '\r': rep = "&#13;"; break;
			case '\t': rep = "&#9;"; break;
			default: break;
			}
		}
		if (rep) {
			rc = dm__buf_put(b, s + start, i - start);
			if (rc == 0)
				rc = dm__buf_puts(b, rep);
			start = i + len;
		}
		i += len;
	}
	if (rc == 0)
		rc = dm__buf_put(b, s + start, n - start);
	return rc;
}

int dm__esc_xml(dm_buf *b, const char *s)
{
	return s ? dm__esc_xmln(b, s, strlen(s)) : 0;
}

int dm__esc_md(dm_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, len, n;
	unsigned cp;
	int rc = 0;

	if (!s)
		return 0;
	n = strlen(s);
	while (i < n && rc == 0) {
		const char *rep = NULL;

		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0 || (xml_bad(cp) && cp != '\t')) {
			rep = REPL;
			if (len == 0)
				len = 1;
		} else {
			switch (cp) {
			case '|': rep = "\\|"; break;
			case '\\': rep = "\\\\"; break;
			case '*': rep = "\\*"; break;
			case '_': rep = "\\_"; break;
			case '[': rep = "\\["; break;
			case ']': rep = "\\]"; break;
			case '~': rep = "\\~"; break;
			case '`': rep = "&#96;"; break;
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '\n': rep = "<br>"; break;
			case '\r': rep = ""; break;
			case '\t': rep = " "; break;
			default: break;
			}
		}
		if (rep) {
			rc = dm__buf_put(b, s + start, i - start);
			if (rc == 0)
				rc = dm__buf_puts(b, rep);
			start = i + len;
		}
		i += len;
	}
	if (rc == 0)
		rc = dm__buf_put(b, s + start, n - start);
	return rc;
}

int dm__esc_text(dm_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, len, n;
	unsigned cp;
	int rc = 0;

	if (!s)
		return 0;
	n = strlen(s);
	while (i < n && rc == 0) {
		char tmp[8];
		const char *rep = NULL;

		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02X", p[i]);
			rep = tmp;
			len = 1;
		} else if (cp == '\n') {
			rep = "\\n";
		} else if (cp == '\r') {
			rep = "\\r";
		} else if (cp == '\t') {
			rep = "\\t";
		} else if (cp < 0x20 || cp == 0x7F) {
			snprintf(tmp, sizeof(tmp), "\\x%02X", cp);
			rep = tmp;
		} else if (cp >= 0x80 && cp <= 0x9F) {
			snprintf(tmp, sizeof(tmp), "\\u%04X", cp);
			rep = tmp;
		}
		if (rep) {
			rc = dm__buf_put(b, s + start, i - start);
			if (rc == 0)
				rc = dm__buf_puts(b, rep);
			start = i + len;
		}
		i += len;
	}
	if (rc == 0)
		rc = dm__buf_put(b, s + start, n - start);
	return rc;
}

int dm__esc_uri_path(dm_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	for (; p && *p && rc == 0; p++) {
		if (isalnum(*p) || strchr("-._~/", *p)) {
			rc = dm__buf_putc(b, (char)*p);
		} else {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			rc = dm__buf_put(b, enc, 3);
		}
	}
	return rc;
}

/*
 * The bytes jansson 2.14 dumps for dm__rep_jstr(s) without JSON_ENSURE_ASCII
 * or JSON_ESCAPE_SLASH: " \\ and the short escapes, other control
 * characters as \u00XX (upper-case hex, as jansson writes them), DEL and
 * valid UTF-8 raw, each invalid byte as U+FFFD (dm__rep_jstr's replacement).
 * Runs of bytes that need nothing are appended in one dm__buf_put.
 */
int dm__esc_json(dm_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, len;
	unsigned cp;
	int rc;

	if (!s)
		return dm__buf_put(b, "null", 4);
	rc = dm__buf_putc(b, '"');
	while (rc == 0) {
		char tmp[6];
		const char *rep;
		size_t rlen = 2;
		unsigned c = p[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c == 0)
			break;
		if (c >= 0x80) {
			/* one pass, no strlen: a sequence cut by the NUL fails on it
			 * as a non-continuation byte, as it would at the end of n */
			len = utf8_decode(p + i, 4, &cp);
			if (len) {
				i += len;
				continue;
			}
			rep = REPL; /* one per invalid byte */
			rlen = sizeof(REPL) - 1;
		} else {
			switch (c) {
			case '"': rep = "\\\""; break;
			case '\\': rep = "\\\\"; break;
			case '\b': rep = "\\b"; break;
			case '\f': rep = "\\f"; break;
			case '\n': rep = "\\n"; break;
			case '\r': rep = "\\r"; break;
			case '\t': rep = "\\t"; break;
			default:
				memcpy(tmp, "\\u00", 4);
				tmp[4] = hex[c >> 4];
				tmp[5] = hex[c & 15];
				rep = tmp;
				rlen = 6;
				break;
			}
		}
		rc = dm__buf_put(b, s + start, i - start);
		if (rc == 0)
			rc = dm__buf_put(b, rep, rlen);
		start = ++i;
	}
	if (rc == 0)
		rc = dm__buf_put(b, s + start, i - start);
	if (rc == 0)
		rc = dm__buf_putc(b, '"');
	return rc;
}

json_t *dm__rep_jstr(const char *s)
{
	json_t *j;
	dm_buf b = DM_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, len;
	unsigned cp;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	/* invalid UTF-8 (or ENOMEM): replace bad bytes and retry once */
	n = strlen(s);
	while (i < n) {
		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			if (dm__buf_puts(&b, REPL) < 0)
				goto done;
			i++;
		} else {
			if (dm__buf_put(&b, s + i, len) < 0)
				goto done;
			i += len;
		}
	}
	j = json_string(b.ptr ? b.ptr : "");
done:
	dm__buf_free(&b);
	return j;
}

json_t *dm__rep_jstr_or_null(const char *s)
{
	return s ? dm__rep_jstr(s) : json_null();
}

int dm__put_truncated(dm_buf *b, const char *s, size_t max_chars)
{
	size_t i = 0, chars = 0;

	if (!s)
		return 0;
	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (chars == max_chars) {
				int rc = dm__buf_put(b, s, i);

				return rc ? rc : dm__buf_puts(b, "\xE2\x80\xA6");
			}
			chars++;
		}
		i++;
	}
	return dm__buf_put(b, s, i);
}

/* ---- redaction ----------------------------------------------------------- */

int dm__secret_name(const char *name)
{
	static const char *const secrets[] = {
		"password", "passwd", "secret", "private_key", "token", "api_key", "apikey",
	};
	char low[128];
	size_t i, n;

	if (!name)
		return 0;
	n = strlen(name);
	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (strstr(low, secrets[i]))
			return 1;
	}
	return 0;
}

/* Does JSON path element e (string key or integer index) equal segment seg (len n)? */
static int path_elem_eq(const json_t *e, const char *seg, size_t n)
{
	if (json_is_string(e))
		return json_string_length(e) == n && memcmp(json_string_value(e), seg, n) == 0;
	if (json_is_integer(e)) {
		char num[32];
		int k = snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(e));

		return k > 0 && (size_t)k == n && memcmp(num, seg, n) == 0;
	}
	return 0;
}

/* Is the sensitive path sp (JSON array) a prefix of (or equal to) the dotted path? */
static int sensitive_prefix(const json_t *sp, const char *path)
{
	size_t i, np = json_array_size(sp);
	const char *seg = path;

	if (!json_is_array(sp))
		return 0;
	/* np == 0: the whole resource (a state path whose first step could not be read) */
	for (i = 0; i < np; i++) {
		const char *dot;
		size_t n;

		if (!seg)
			return 0; /* path shorter than the sensitive path */
		dot = strchr(seg, '.');
		n = dot ? (size_t)(dot - seg) : strlen(seg);
		if (!path_elem_eq(json_array_get(sp, i), seg, n))
			return 0;
		seg = dot ? dot + 1 : NULL;
	}
	return 1;
}

int dm_resource_path_sensitive(const dm_resource *r, const char *path)
{
	const char *seg;
	size_t i;

	if (!path)
		return 0;
	for (seg = path; seg;) {
		const char *dot = strchr(seg, '.');
		char name[128];
		size_t n = dot ? (size_t)(dot - seg) : strlen(seg);

		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, seg, n);
		name[n] = '\0';
		if (dm__secret_name(name))
			return 1;
		seg = dot ? dot + 1 : NULL;
	}
	if (!r || !json_is_array(r->sensitive))
		return 0;
	for (i = 0; i < json_array_size(r->sensitive); i++) {
		if (sensitive_prefix(json_array_get(r->sensitive, i), path))
			return 1;
	}
	return 0;
}

static int finding_path_sensitive(const dm_finding *f, const char *path)
{
	if (dm_resource_path_sensitive(f->state_res, path) ||
	    dm_resource_path_sensitive(f->live_res, path))
		return 1;
	/* a finding without resources still never prints known secret names */
	return dm_resource_path_sensitive(NULL, path);
}

/* Replace sensitive parts of v (owned, mutable) below path; depth-bounded. */
static int redact_walk(const dm_finding *f, dm_buf *path, json_t *v, int depth)
{
	size_t base = path->len, i;
	int rc = 0;

	if (depth > 64)
		return 0;
	if (json_is_object(v)) {
		void *it = json_object_iter(v);

		while (it && rc == 0) {
			const char *key = json_object_iter_key(it);
			json_t *child = json_object_iter_value(it);

			path->len = base;
			path->ptr[base] = '\0';
			rc = dm__buf_printf(path, ".%s", key);
			if (rc < 0)
				break;
			if (finding_path_sensitive(f, path->ptr)) {
				json_t *red = json_string(DM_REDACTED);

				if (!red || json_object_iter_set_new(v, it, red) < 0)
					rc = DM_ENOMEM;
			} else {
				rc = redact_walk(f, path, child, depth + 1);
			}
			it = json_object_iter_next(v, it);
		}
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v) && rc == 0; i++) {
			path->len = base;
			path->ptr[base] = '\0';
			rc = dm__buf_printf(path, ".%zu", i);
			if (rc < 0)
				break;
			if (finding_path_sensitive(f, path->ptr)) {
				json_t *red = json_string(DM_REDACTED);

				if (!red || json_array_set_new(v, i, red) < 0)
					rc = DM_ENOMEM;
			} else {
				rc = redact_walk(f, path, json_array_get(v, i), depth + 1);
			}
		}
	}
	if (path->ptr) {
		path->len = base;
		path->ptr[base] = '\0';
	}
	return rc;
}

json_t *dm__report_value(const dm_finding *f, const char *path, const json_t *v)
{
	json_t *copy = NULL;
	dm_buf pb = DM_BUF_INIT;

	if (!v)
		return json_null();
	if (finding_path_sensitive(f, path ? path : ""))
		return json_string(DM_REDACTED);
	if (!json_is_object(v) && !json_is_array(v))
		return json_deep_copy(v);
	copy = json_deep_copy(v);
	if (!copy)
		return NULL;
	if (dm__buf_puts(&pb, path ? path : "") < 0 || redact_walk(f, &pb, copy, 0) < 0) {
		json_decref(copy);
		copy = NULL;
	}
	dm__buf_free(&pb);
	return copy;
}

int dm__report_value_text(dm_buf *b, const dm_finding *f, const char *path,
			  const json_t *v, size_t max_chars)
{
	json_t *red = NULL;
	char *txt = NULL;
	int rc = 0;

	if (!v)
		return dm__buf_puts(b, "(absent)");
	red = dm__report_value(f, path, v);
	if (!red)
		return DM_ENOMEM;
	if (json_is_string(red) && strcmp(json_string_value(red), DM_REDACTED) == 0 &&
	    finding_path_sensitive(f, path ? path : "")) {
		json_decref(red);
		return dm__buf_puts(b, DM_REDACTED);
	}
	txt = json_dumps(red, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	if (!txt) {
		rc = DM_ENOMEM;
		goto done;
	}
	rc = dm__put_truncated(b, txt, max_chars);
done:
	free(txt);
	json_decref(red);
	return rc;
}

/* ---- small shared pieces ------------------------------------------------- */

const char *dm__kind_title(dm_finding_kind k)
{
	switch (k) {
	case DM_FINDING_UNMANAGED: return "Unmanaged";
	case DM_FINDING_MISSING: return "Missing";
	case DM_FINDING_CHANGED: return "Changed";
	}
	return "Unknown";
}

const char *dm__kind_help(dm_finding_kind k)
{
	switch (k) {
	case DM_FINDING_UNMANAGED: return "live, in no Terraform state";
	case DM_FINDING_MISSING: return "in a Terraform state, gone live";
	case DM_FINDING_CHANGED: return "live attributes differ from the state";
	}
	return "";
}

const char *dm__sev_name(dm_severity s)
{
	switch (s) {
	case DM_SEV_INFO: return "info";
	case DM_SEV_LOW: return "low";
	case DM_SEV_MEDIUM: return "medium";
	case DM_SEV_HIGH: return "high";
	case DM_SEV_CRITICAL: return "critical";
	}
	return "info";
}

int dm__finding_summary(dm_buf *b, const dm_finding *f)
{
	size_t i;
	int rc = 0;

	switch (f->kind) {
	case DM_FINDING_UNMANAGED:
		return dm__buf_printf(b, "%s %s exists live but is in no Terraform state",
				      f->type, f->resource_id);
	case DM_FINDING_MISSING:
		return dm__buf_printf(b, "%s %s is in the Terraform state (%s) but gone live",
				      f->type, f->resource_id, f->address ? f->address : "no address");
	case DM_FINDING_CHANGED:
		rc = dm__buf_printf(b, "%s %s: %zu attribute%s differ%s", f->type, f->resource_id,
				    f->nchanges, f->nchanges == 1 ? "" : "s",
				    f->nchanges == 1 ? "s" : "");
		for (i = 0; i < f->nchanges && i < 5 && rc == 0; i++)
			rc = dm__buf_printf(b, "%s%s", i ? ", " : " (", f->changes[i].path);
		if (rc == 0 && f->nchanges > 5)
			rc = dm__buf_puts(b, ", \xE2\x80\xA6");
		if (rc == 0 && f->nchanges > 0)
			rc = dm__buf_putc(b, ')');
		return rc;
	}
	return 0;
}

void dm__coverage_pct(double coverage, char *buf, size_t cap)
{
	/* floor to one decimal so 99.96% never reads as a perfect 100.0% */
	long long tenths = (long long)(coverage * 1000.0 + 1e-9);

	if (tenths < 0)
		tenths = 0;
	snprintf(buf, cap, "%lld.%lld%%", tenths / 10, tenths % 10);
}

size_t dm__count_kind(const dm_drift *d, dm_finding_kind k, int ignored)
{
	size_t i, n = 0, total = dm_drift_count(d);

	for (i = 0; i < total; i++) {
		const dm_finding *f = dm_drift_at(d, i);

		if (f->kind == k && (!!f->ignored) == (!!ignored))
			n++;
	}
	return n;
}
