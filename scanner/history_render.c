/*
 * driftmap — rendering history documents (list, compare, trend) as text,
 * JSON, CSV, and the trend as an SVG chart (static: no script, no external
 * resource; deterministic for a given document).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "history_internal.h"

static const char *js(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long ji(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *const sev_order[] = {"critical", "high", "medium", "low", "info"};

/* CSV field: quoted when it holds a separator, quote or line break; a leading
 * = + - @ is prefixed with ' so spreadsheets do not run it as a formula. */
static void csv_field(dm_buf *b, const char *s, int last)
{
	const char *p;
	int quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		dm__buf_putc(b, '"');
	if (s[0] == '=' || s[0] == '+' || s[0] == '@' || (s[0] == '-' && s[1] && !strchr("0123456789.", s[1])))
		dm__buf_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '"')
			dm__buf_putc(b, '"');
		dm__buf_putc(b, *p);
	}
	if (quote)
		dm__buf_putc(b, '"');
	dm__buf_putc(b, last ? '\n' : ',');
}

static void csv_num(dm_buf *b, long long v, int last)
{
	dm__buf_printf(b, "%lld%c", v, last ? '\n' : ',');
}

static void csv_cov(dm_buf *b, const json_t *cov, int last)
{
	if (json_is_number(cov))
		dm__buf_printf(b, "%.4f%c", json_number_value(cov), last ? '\n' : ',');
	else
		dm__buf_putc(b, last ? '\n' : ',');
}

static void pct(char *buf, size_t cap, const json_t *cov)
{
	if (json_is_number(cov))
		snprintf(buf, cap, "%.1f%%", 100.0 * json_number_value(cov));
	else
		snprintf(buf, cap, "-");
}

static void human_bytes(char *buf, size_t cap, long long n)
{
	if (n >= 1024LL * 1024 * 1024)
		snprintf(buf, cap, "%.1f GiB", (double)n / (1024.0 * 1024 * 1024));
	else if (n >= 1024 * 1024)
		snprintf(buf, cap, "%.1f MiB", (double)n / (1024.0 * 1024));
	else if (n >= 1024)
		snprintf(buf, cap, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(buf, cap, "%lld B", n);
}

static int flush(dm_ctx *ctx, dm_buf *b, FILE *out)
{
	int rc = 0;

	if (!b->ptr && b->len == 0)
		rc = 0;
	else if (!b->ptr)
		rc = dm__error(ctx, DM_ENOMEM, "history: out of memory while rendering");
	else if (fwrite(b->ptr, 1, b->len, out) != b->len)
		rc = dm__error(ctx, DM_EIO, "history: write failed");
	dm__buf_free(b);
	return rc;
}

static int write_json(dm_ctx *ctx, const json_t *doc, FILE *out)
{
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', out) == EOF)
		return dm__error(ctx, DM_EIO, "history: write failed");
	return 0;
}

/* ---- list --------------------------------------------------------------------- */

int dm__history_write_list(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out)
{
	const json_t *runs = json_object_get(doc, "runs"), *r, *store = json_object_get(doc, "store");
	dm_buf b = DM_BUF_INIT;
	size_t i;
	char cov[16], size[32];
	int s;

	if (strcmp(format, "json") == 0)
		return write_json(ctx, doc, out);
	if (strcmp(format, "csv") == 0) {
		dm__buf_puts(&b, "id,kind,started_at,finished_at,source,accounts,regions,complete,"
				 "coverage,drifted,findings,critical,high,medium,low,info,stored_bytes\n");
		json_array_foreach(runs, i, r) {
			const json_t *sev = json_object_get(r, "by_severity");
			char *acc = json_dumps(json_object_get(r, "accounts"), JSON_COMPACT);
			char *reg = json_dumps(json_object_get(r, "regions"), JSON_COMPACT);
			csv_num(&b, ji(r, "id"), 0);
			csv_field(&b, js(r, "kind"), 0);
			csv_field(&b, js(r, "started_at"), 0);
			csv_field(&b, js(r, "finished_at"), 0);
			csv_field(&b, js(r, "source"), 0);
			csv_field(&b, acc ? acc : "", 0);
			csv_field(&b, reg ? reg : "", 0);
			csv_field(&b, json_is_true(json_object_get(r, "complete")) ? "true" : "false", 0);
			csv_cov(&b, json_object_get(r, "coverage"), 0);
			csv_num(&b, ji(r, "drifted"), 0);
			csv_num(&b, ji(r, "findings"), 0);
			for (s = 0; s < 5; s++)
				csv_num(&b, ji(sev, sev_order[s]), 0);
			csv_num(&b, ji(r, "stored_bytes"), 1);
			free(acc);
			free(reg);
		}
		return flush(ctx, &b, out);
	}
	dm__buf_printf(&b, "%6s  %-7s  %-20s  %-8s  %7s  %8s  %8s  %s\n", "RUN", "KIND", "STARTED",
		       "COMPLETE", "DRIFTED", "COVERAGE", "FINDINGS", "SOURCE");
	json_array_foreach(runs, i, r) {
		pct(cov, sizeof(cov), json_object_get(r, "coverage"));
		dm__buf_printf(&b, "%6lld  %-7s  %-20s  %-8s  %7lld  %8s  %8lld  %s\n", ji(r, "id"),
			       js(r, "kind"), js(r, "started_at"),
			       json_is_true(json_object_get(r, "complete")) ? "yes" : "no",
			       ji(r, "drifted"), cov, ji(r, "findings"), js(r, "source"));
	}
	human_bytes(size, sizeof(size), ji(store, "bytes"));
	dm__buf_printf(&b, "%zu run%s; store %s (%s, schema v%lld)\n", json_array_size(runs),
		       json_array_size(runs) == 1 ? "" : "s", size, js(store, "backend"),
		       ji(store, "schema_version"));
	return flush(ctx, &b, out);
}

/* ---- compare ------------------------------------------------------------------ */

static void text_finding(dm_buf *b, char mark, const json_t *f)
{
	dm__buf_printf(b, "  %c %-8s %-10s %s %s", mark, js(f, "severity"), js(f, "kind"),
		       js(f, "type"), js(f, "resource_id"));
	if (json_string_value(json_object_get(f, "account")))
		dm__buf_printf(b, "  %s/%s", js(f, "account"), js(f, "region"));
	if (json_object_get(f, "severity_before") &&
	    strcmp(js(f, "severity_before"), js(f, "severity")) != 0)
		dm__buf_printf(b, "  (severity %s -> %s)", js(f, "severity_before"), js(f, "severity"));
	if (json_is_true(json_object_get(f, "suppressed")))
		dm__buf_puts(b, "  [ignored/muted]");
	dm__buf_printf(b, "  %s\n", js(f, "fingerprint"));
}

static void text_delta(dm_buf *b, const char *prefix, const json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		const json_t *a = json_object_get(v, "a"), *bb = json_object_get(v, "b");
		if (json_is_object(v) && !json_object_get(v, "a") && !json_object_get(v, "b")) {
			char sub[128];
			snprintf(sub, sizeof(sub), "%s%s.", prefix, k);
			text_delta(b, sub, v);
		} else if (json_is_integer(a) || json_is_integer(bb)) {
			long long d = ji(v, "delta");
			if (d != 0)
				dm__buf_printf(b, "  %s%s: %lld -> %lld (%+lld)\n", prefix, k,
					       (long long)json_integer_value(a),
					       (long long)json_integer_value(bb), d);
		} else if (json_is_boolean(a) || json_is_boolean(bb)) {
			if (json_is_true(a) != json_is_true(bb))
				dm__buf_printf(b, "  %s%s: %s -> %s\n", prefix, k,
					       json_is_true(a) ? "true" : "false",
					       json_is_true(bb) ? "true" : "false");
		}
	}
}

static void text_pairs(dm_buf *b, const char *what, const json_t *pairs)
{
	const json_t *p, *al;
	size_t i, j;

	json_array_foreach(pairs, i, p) {
		dm__buf_printf(b, "  %s %s -> %s:", what, js(p, "from"), js(p, "to"));
		json_array_foreach(json_object_get(p, "allowed"), j, al)
			dm__buf_printf(b, " %s/%s", js(al, "protocol"), js(al, "ports"));
		dm__buf_putc(b, '\n');
	}
}

int dm__history_write_compare(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out)
{
	const json_t *runs = json_object_get(doc, "runs"), *ra = json_object_get(runs, "a"),
		     *rb = json_object_get(runs, "b"), *counts = json_object_get(doc, "counts"),
		     *cov = json_object_get(doc, "coverage"), *sev = json_object_get(doc, "by_severity"),
		     *f, *seg = json_object_get(doc, "segmentation"),
		     *topo = json_object_get(doc, "topology");
	static const char *const lists[] = {"new", "resolved", "changed"};
	dm_buf b = DM_BUF_INIT;
	char ca[16], cb[16];
	size_t i, l;
	int s;

	if (strcmp(format, "json") == 0)
		return write_json(ctx, doc, out);
	if (strcmp(format, "csv") == 0) {
		dm__buf_puts(&b, "change,fingerprint,kind,severity,severity_before,type,resource_id,"
				 "account,region,suppressed\n");
		for (l = 0; l < 3; l++) {
			json_array_foreach(json_object_get(doc, lists[l]), i, f) {
				csv_field(&b, lists[l], 0);
				csv_field(&b, js(f, "fingerprint"), 0);
				csv_field(&b, js(f, "kind"), 0);
				csv_field(&b, js(f, "severity"), 0);
				csv_field(&b, js(f, "severity_before"), 0);
				csv_field(&b, js(f, "type"), 0);
				csv_field(&b, js(f, "resource_id"), 0);
				csv_field(&b, js(f, "account"), 0);
				csv_field(&b, js(f, "region"), 0);
				csv_field(&b, json_is_true(json_object_get(f, "suppressed")) ? "true" : "false", 1);
			}
		}
		return flush(ctx, &b, out);
	}
	dm__buf_printf(&b, "%s: run %lld (%s) -> run %lld (%s)\n", js(doc, "kind"), ji(ra, "id"),
		       js(ra, "started_at"), ji(rb, "id"), js(rb, "started_at"));
	dm__buf_printf(&b, "source: %s\n", js(rb, "source"));
	dm__buf_printf(&b, "findings: %lld new, %lld resolved, %lld changed, %lld unchanged\n",
		       ji(counts, "new"), ji(counts, "resolved"), ji(counts, "changed"),
		       ji(counts, "unchanged"));
	dm__buf_printf(&b, "%s: %lld -> %lld (%+lld)\n",
		       strcmp(js(doc, "kind"), "drift") == 0 ? "drifted" : "open findings",
		       ji(json_object_get(doc, "drifted"), "a"), ji(json_object_get(doc, "drifted"), "b"),
		       ji(json_object_get(doc, "drifted"), "delta"));
	if (json_is_number(json_object_get(cov, "a")) || json_is_number(json_object_get(cov, "b"))) {
		pct(ca, sizeof(ca), json_object_get(cov, "a"));
		pct(cb, sizeof(cb), json_object_get(cov, "b"));
		dm__buf_printf(&b, "coverage: %s -> %s", ca, cb);
		if (json_is_number(json_object_get(cov, "delta")))
			dm__buf_printf(&b, " (%+.1f pts)",
				       100.0 * json_number_value(json_object_get(cov, "delta")));
		dm__buf_printf(&b, " over %zu runs\n", json_array_size(json_object_get(cov, "series")));
	}
	dm__buf_puts(&b, "by severity:");
	for (s = 0; s < 5; s++) {
		const json_t *e = json_object_get(sev, sev_order[s]);
		dm__buf_printf(&b, " %s %lld->%lld", sev_order[s], ji(e, "a"), ji(e, "b"));
	}
	dm__buf_putc(&b, '\n');
	dm__buf_puts(&b, "summary changes:\n");
	text_delta(&b, "", json_object_get(doc, "summary"));
	for (l = 0; l < 3; l++) {
		const json_t *arr = json_object_get(doc, lists[l]);
		if (json_array_size(arr) == 0)
			continue;
		dm__buf_printf(&b, "%s:\n", lists[l]);
		json_array_foreach(arr, i, f)
			text_finding(&b, l == 0 ? '+' : l == 1 ? '-' : '~', f);
	}
	if (seg) {
		dm__buf_puts(&b, "segmentation:\n");
		text_pairs(&b, "opened", json_object_get(seg, "opened"));
		text_pairs(&b, "closed", json_object_get(seg, "closed"));
	}
	if (json_is_object(topo))
		dm__buf_printf(&b, "topology: %zu added, %zu removed\n",
			       json_array_size(json_object_get(topo, "added")),
			       json_array_size(json_object_get(topo, "removed")));
	return flush(ctx, &b, out);
}

/* ---- trend -------------------------------------------------------------------- */

static void xml_text(dm_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': dm__buf_puts(b, "&amp;"); break;
		case '<': dm__buf_puts(b, "&lt;"); break;
		case '>': dm__buf_puts(b, "&gt;"); break;
		case '"': dm__buf_puts(b, "&quot;"); break;
		default: dm__buf_putc(b, *s); break;
		}
	}
}

static double nice_max(double v)
{
	double p, m;

	if (v <= 0)
		return 1;
	p = pow(10, floor(log10(v)));
	m = v / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* Parse the RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" strings the trend holds (ordering only). */
static double time_of(const json_t *r)
{
	const char *s = js(r, "started_at");
	long long y, mo, d, h, mi, se;
	char *e;

	if (strlen(s) < 19)
		return 0;
	y = strtoll(s, &e, 10);
	mo = strtoll(s + 5, &e, 10);
	d = strtoll(s + 8, &e, 10);
	h = strtoll(s + 11, &e, 10);
	mi = strtoll(s + 14, &e, 10);
	se = strtoll(s + 17, &e, 10);
	/* days from civil (Howard Hinnant) */
	y -= mo <= 2;
	{
		long long era = (y >= 0 ? y : y - 399) / 400;
		long long yoe = y - era * 400;
		long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		long long days = era * 146097 + doe - 719468;
		return (double)(days * 86400 + h * 3600 + mi * 60 + se);
	}
}

char *dm_history_trend_svg(const json_t *trend)
{
	enum { W = 760, H = 300, X0 = 60, X1 = 690, Y0 = 40, Y1 = 250 };
	const json_t *runs = json_object_get(trend, "runs"), *r;
	size_t n = json_array_size(runs), i;
	double maxc = 0, t0 = 0, t1 = 0, ymax;
	int has_cov = 0, has_severe = 0, s;
	dm_buf b = DM_BUF_INIT;
	double *xs = NULL;
	static const struct {
		const char *name, *label, *color, *dash;
	} series[] = {
		{"drifted", "drifted / open findings", "#b03a2e", ""},
		{"severe", "critical + high", "#6c3483", " stroke-dasharray=\"6 3\""},
		{"coverage", "IaC coverage % (right axis)", "#1f618d", ""},
	};

	xs = dm__calloc(n + 1, sizeof(*xs));
	if (!xs)
		return NULL;
	json_array_foreach(runs, i, r) {
		const json_t *sev = json_object_get(r, "by_severity");
		double t = time_of(r);
		double sv = (double)(ji(sev, "critical") + ji(sev, "high"));
		if ((double)ji(r, "drifted") > maxc)
			maxc = (double)ji(r, "drifted");
		if (sv > maxc)
			maxc = sv;
		if (sv > 0)
			has_severe = 1;
		if (json_is_number(json_object_get(r, "coverage")))
			has_cov = 1;
		if (i == 0 || t < t0)
			t0 = t;
		if (i == 0 || t > t1)
			t1 = t;
	}
	ymax = nice_max(maxc);
	json_array_foreach(runs, i, r) {
		if (n == 1)
			xs[i] = (X0 + X1) / 2.0;
		else if (t1 > t0)
			xs[i] = X0 + (X1 - X0) * (time_of(r) - t0) / (t1 - t0);
		else
			xs[i] = X0 + (X1 - X0) * (double)i / (double)(n - 1);
	}
	dm__buf_printf(&b,
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"dm-trend\" width=\"%d\" "
		       "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"drift trend over "
		       "%zu runs\" font-family=\"sans-serif\" font-size=\"11\">\n",
		       W, H, W, H, n);
	dm__buf_printf(&b, "<title>driftmap trend: %zu runs</title>\n", n);
	dm__buf_printf(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
	/* grid and left axis */
	for (s = 0; s <= 4; s++) {
		double y = Y1 - (Y1 - Y0) * s / 4.0;
		dm__buf_printf(&b,
			       "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e7e9\"/>"
			       "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#333\">%g</text>\n",
			       X0, y, X1, y, X0 - 6, y + 4, ymax * s / 4.0);
		if (has_cov)
			dm__buf_printf(&b, "<text x=\"%d\" y=\"%.1f\" fill=\"#1f618d\">%d%%</text>\n",
				       X1 + 6, y + 4, s * 25);
	}
	dm__buf_printf(&b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>\n", X0, Y1,
		       X1, Y1);
	/* x labels: at most 7 dates */
	if (n > 0) {
		size_t step = n <= 7 ? 1 : (n + 6) / 7;
		for (i = 0; i < n; i += step) {
			char date[11];
			snprintf(date, sizeof(date), "%.10s", js(json_array_get(runs, i), "started_at"));
			dm__buf_printf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">%s</text>\n",
				       xs[i], Y1 + 16, date);
		}
	}
	/* series */
	for (s = 0; s < 3; s++) {
		if ((s == 1 && !has_severe) || (s == 2 && !has_cov) || n == 0)
			continue;
		dm__buf_printf(&b, "<g class=\"series-%s\">\n<polyline fill=\"none\" stroke=\"%s\" "
				   "stroke-width=\"2\"%s points=\"",
			       series[s].name, series[s].color, series[s].dash);
		json_array_foreach(runs, i, r) {
			const json_t *sev = json_object_get(r, "by_severity");
			const json_t *cov = json_object_get(r, "coverage");
			double y;
			if (s == 2 && !json_is_number(cov))
				continue;
			y = s == 0   ? Y1 - (Y1 - Y0) * (double)ji(r, "drifted") / ymax
			    : s == 1 ? Y1 - (Y1 - Y0) * (double)(ji(sev, "critical") + ji(sev, "high")) / ymax
				     : Y1 - (Y1 - Y0) * json_number_value(cov);
			dm__buf_printf(&b, "%s%.1f,%.1f", i ? " " : "", xs[i], y);
		}
		dm__buf_puts(&b, "\"/>\n");
		json_array_foreach(runs, i, r) {
			const json_t *sev = json_object_get(r, "by_severity");
			const json_t *cov = json_object_get(r, "coverage");
			double y;
			if (s == 2 && !json_is_number(cov))
				continue;
			y = s == 0   ? Y1 - (Y1 - Y0) * (double)ji(r, "drifted") / ymax
			    : s == 1 ? Y1 - (Y1 - Y0) * (double)(ji(sev, "critical") + ji(sev, "high")) / ymax
				     : Y1 - (Y1 - Y0) * json_number_value(cov);
			dm__buf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>run %lld, ",
				       xs[i], y, series[s].color, ji(r, "id"));
			xml_text(&b, js(r, "started_at"));
			if (s == 0)
				dm__buf_printf(&b, ": %lld %s", ji(r, "drifted"),
					       strcmp(js(r, "kind"), "drift") == 0 ? "drifted" : "open findings");
			else if (s == 1)
				dm__buf_printf(&b, ": %lld critical, %lld high", ji(sev, "critical"),
					       ji(sev, "high"));
			else
				dm__buf_printf(&b, ": coverage %.1f%%", 100.0 * json_number_value(cov));
			dm__buf_puts(&b, "</title></circle>\n");
		}
		dm__buf_puts(&b, "</g>\n");
	}
	/* legend */
	for (s = 0; s < 3; s++) {
		int lx = X0 + s * 210;
		if ((s == 1 && !has_severe) || (s == 2 && !has_cov))
			continue;
		dm__buf_printf(&b,
			       "<line x1=\"%d\" y1=\"18\" x2=\"%d\" y2=\"18\" stroke=\"%s\" stroke-width=\"2\"%s/>"
			       "<text x=\"%d\" y=\"22\" fill=\"#333\">%s</text>\n",
			       lx, lx + 22, series[s].color, series[s].dash, lx + 28, series[s].label);
	}
	if (n == 0)
		dm__buf_printf(&b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">no runs "
				   "recorded</text>\n",
			       (X0 + X1) / 2, (Y0 + Y1) / 2);
	dm__buf_puts(&b, "</svg>\n");
	free(xs);
	return dm__buf_detach(&b);
}

int dm__history_write_trend(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out)
{
	const json_t *runs = json_object_get(doc, "runs"), *r;
	dm_buf b = DM_BUF_INIT;
	char cov[16];
	size_t i;
	int s;

	if (strcmp(format, "json") == 0)
		return write_json(ctx, doc, out);
	if (strcmp(format, "svg") == 0) {
		char *svg = dm_history_trend_svg(doc);
		int rc = 0;
		if (!svg)
			return dm__error(ctx, DM_ENOMEM, "history: out of memory while rendering");
		if (fputs(svg, out) == EOF)
			rc = dm__error(ctx, DM_EIO, "history: write failed");
		free(svg);
		return rc;
	}
	if (strcmp(format, "csv") == 0) {
		dm__buf_puts(&b, "run,started_at,kind,source,complete,drifted,coverage,findings,"
				 "critical,high,medium,low,info\n");
		json_array_foreach(runs, i, r) {
			const json_t *sev = json_object_get(r, "by_severity");
			csv_num(&b, ji(r, "id"), 0);
			csv_field(&b, js(r, "started_at"), 0);
			csv_field(&b, js(r, "kind"), 0);
			csv_field(&b, js(r, "source"), 0);
			csv_field(&b, json_is_true(json_object_get(r, "complete")) ? "true" : "false", 0);
			csv_num(&b, ji(r, "drifted"), 0);
			csv_cov(&b, json_object_get(r, "coverage"), 0);
			csv_num(&b, ji(r, "findings"), 0);
			for (s = 0; s < 5; s++)
				csv_num(&b, ji(sev, sev_order[s]), s == 4);
		}
		return flush(ctx, &b, out);
	}
	dm__buf_printf(&b, "%6s  %-20s  %-7s  %7s  %8s  %8s  %4s %4s %4s %4s %4s\n", "RUN", "STARTED",
		       "KIND", "DRIFTED", "COVERAGE", "FINDINGS", "CRIT", "HIGH", "MED", "LOW", "INFO");
	json_array_foreach(runs, i, r) {
		const json_t *sev = json_object_get(r, "by_severity");
		pct(cov, sizeof(cov), json_object_get(r, "coverage"));
		dm__buf_printf(&b, "%6lld  %-20s  %-7s  %7lld  %8s  %8lld  %4lld %4lld %4lld %4lld %4lld\n",
			       ji(r, "id"), js(r, "started_at"), js(r, "kind"), ji(r, "drifted"), cov,
			       ji(r, "findings"), ji(sev, "critical"), ji(sev, "high"), ji(sev, "medium"),
			       ji(sev, "low"), ji(sev, "info"));
	}
	dm__buf_printf(&b, "%zu run%s\n", json_array_size(runs), json_array_size(runs) == 1 ? "" : "s");
	return flush(ctx, &b, out);
}

int dm_history_write(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out)
{
	const char *schema = json_string_value(json_object_get(doc, "schema"));

	if (!format)
		format = "text";
	if (!schema)
		return dm__error(ctx, DM_EINVAL, "history: not a history document");
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
	    !(strcmp(format, "svg") == 0 && strcmp(schema, DM_HISTORY_TREND_SCHEMA) == 0))
		return dm__error(ctx, DM_EINVAL,
				 "history: unknown format '%s' (text, json, csv%s)", format,
				 strcmp(schema, DM_HISTORY_TREND_SCHEMA) == 0 ? ", svg" : "");
	if (strcmp(schema, DM_HISTORY_LIST_SCHEMA) == 0)
		return dm__history_write_list(ctx, doc, format, out);
	if (strcmp(schema, DM_HISTORY_COMPARE_SCHEMA) == 0)
		return dm__history_write_compare(ctx, doc, format, out);
	if (strcmp(schema, DM_HISTORY_TREND_SCHEMA) == 0)
		return dm__history_write_trend(ctx, doc, format, out);
	return dm__error(ctx, DM_EINVAL, "history: unknown document schema '%s'", schema);
}
