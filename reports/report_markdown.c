/*
 * driftmap — the Markdown report, for a pull-request comment or
 * $GITHUB_STEP_SUMMARY: a summary table, findings grouped by kind and type,
 * attribute changes as state → live in a collapsible <details> per changed
 * resource. Hard size budget (opts->max_bytes, default 64 KiB): elements
 * (a table row, a whole <details> block) are added while they fit, then a
 * "… and N more" tail; nothing is ever cut in the middle.
 */
#include <stdlib.h>
#include <string.h>
#include "report_internal.h"

#define TAIL_RESERVE 512u
#define VALUE_MAX_CHARS 200
#define MAX_SOURCES_SHOWN 10

typedef struct md {
	const dm__report *r;
	dm_buf *out;
	size_t budget;
	int stopped;
	size_t omitted_findings;
	size_t omitted_scopes;
} md;

/* Append el if it fits the budget (keeping room for the tail). 1 emitted, 0 not, <0 error. */
static int emit(md *m, const dm_buf *el)
{
	if (m->stopped)
		return 0;
	if (m->out->len + el->len + TAIL_RESERVE > m->budget) {
		m->stopped = 1;
		return 0;
	}
	return dm__buf_put(m->out, el->ptr, el->len) < 0 ? DM_ENOMEM : 1;
}

static int cell(dm_buf *b, const char *s)
{
	return dm__esc_md(b, s && *s ? s : "\xE2\x80\x94");
}

static int code_value(dm_buf *b, const dm_finding *f, const char *path, const json_t *v)
{
	dm_buf t = DM_BUF_INIT;
	int rc = dm__report_value_text(&t, f, path, v, VALUE_MAX_CHARS);

	if (rc == 0 && !v)
		rc = dm__buf_puts(b, "<i>absent</i>");
	else if (rc == 0) {
		rc = dm__buf_puts(b, "<code>");
		if (rc == 0)
			rc = dm__esc_md(b, t.ptr);
		if (rc == 0)
			rc = dm__buf_puts(b, "</code>");
	}
	dm__buf_free(&t);
	return rc;
}

static int loc_text(const dm__report *r, const dm_finding *f, dm_buf *b, int md_escape)
{
	dm__report_loc loc;
	dm_buf t = DM_BUF_INIT;
	int rc = 0;

	dm__report_locate(r, f, &loc);
	if (!loc.is_source || !loc.file)
		return 0;
	rc = dm__buf_printf(&t, "%s:%u", loc.file, loc.line);
	if (rc == 0)
		rc = md_escape ? dm__esc_md(b, t.ptr) : dm__esc_xml(b, t.ptr);
	dm__buf_free(&t);
	return rc < 0 ? rc : 1;
}

static int header(md *m)
{
	const dm_drift *d = m->r->d;
	const dm_summary *s = dm_drift_summary(d);
	const dm_inventory *st = dm_drift_state(d);
	dm_buf *b = m->out;
	size_t i, ns = st ? dm_inventory_source_count(st) : 0;
	char pct[32];
	int rc;

	dm__coverage_pct(s->coverage, pct, sizeof(pct));
	rc = dm__buf_printf(b, "## driftmap drift report\n\n**%zu drifted** (%zu unmanaged, %zu missing, %zu changed) of %zu managed \xC2\xB7 coverage %s \xC2\xB7 %s\n\n",
			    s->unmanaged + s->missing + s->changed, s->unmanaged, s->missing,
			    s->changed, s->managed, pct,
			    s->complete ? "scan complete" : "**scan incomplete**: absence of drift is not proven");
	if (rc == 0)
		rc = dm__buf_printf(b, "| Managed | In sync | Unmanaged | Missing | Changed | Ignored | Coverage | Scan |\n"
				    "|---:|---:|---:|---:|---:|---:|---:|---|\n"
				    "| %zu | %zu | %zu | %zu | %zu | %zu | %s | %s |\n\n",
				    s->managed, s->in_sync, s->unmanaged, s->missing, s->changed,
				    s->ignored, pct,
				    s->complete ? "\xE2\x9C\x85 complete" : "\xE2\x9A\xA0\xEF\xB8\x8F incomplete");
	if (rc == 0 && s->unmanaged + s->missing + s->changed == 0)
		rc = dm__buf_puts(b, s->complete ? "No drift found.\n\n"
					  : "No drift found in the scopes that completed.\n\n");
	for (i = 0; i < ns && i < MAX_SOURCES_SHOWN && rc == 0; i++) {
		const dm_source_info *src = dm_inventory_source_at(st, i);

		rc = dm__buf_puts(b, i ? ", " : "State: ");
		if (rc == 0)
			rc = cell(b, src->uri);
		if (rc == 0 && src->commit)
			rc = dm__buf_printf(b, " @ %.12s", src->commit);
		if (rc == 0)
			rc = dm__buf_printf(b, " (serial %lld, %zu resource%s)", src->serial, src->resources,
					    src->resources == 1 ? "" : "s");
	}
	if (rc == 0 && ns > MAX_SOURCES_SHOWN)
		rc = dm__buf_printf(b, ", and %zu more", ns - MAX_SOURCES_SHOWN);
	if (rc == 0 && ns)
		rc = dm__buf_puts(b, "\n\n");
	return rc;
}

static int incomplete_section(md *m, const dm_scope **sc, size_t nsc)
{
	dm_buf el = DM_BUF_INIT;
	size_t i, k, nfailed = 0, shown = 0;
	int rc = 0;

	for (i = 0; i < nsc; i++)
		nfailed += !sc[i]->complete;
	for (i = 0; i < nsc && rc >= 0; i++) {
		const dm_scope *s = sc[i];

		if (s->complete)
			continue;
		dm__buf_reset(&el);
		if (shown == 0)
			rc = dm__buf_printf(&el, "### \xE2\x9A\xA0\xEF\xB8\x8F Incomplete scopes (%zu)\n\n"
					    "Nothing in these scopes is reported missing or unmanaged.\n\n"
					    "| Provider | Account | Region | Scope | Types | Error |\n"
					    "|---|---|---|---|---|---|\n", nfailed);
		if (rc >= 0)
			rc = dm__buf_puts(&el, "| ");
		if (rc >= 0)
			rc = cell(&el, s->provider);
		if (rc >= 0)
			rc = dm__buf_puts(&el, " | ");
		if (rc >= 0)
			rc = cell(&el, s->account);
		if (rc >= 0)
			rc = dm__buf_puts(&el, " | ");
		if (rc >= 0)
			rc = cell(&el, s->region);
		if (rc >= 0)
			rc = dm__buf_puts(&el, " | ");
		if (rc >= 0)
			rc = cell(&el, s->api);
		if (rc >= 0)
			rc = dm__buf_puts(&el, " | ");
		for (k = 0; k < s->ntypes && rc >= 0; k++) {
			rc = dm__buf_puts(&el, k ? ", " : "");
			if (rc >= 0)
				rc = dm__esc_md(&el, s->types[k]);
		}
		if (rc >= 0)
			rc = dm__buf_puts(&el, " | ");
		if (rc >= 0)
			rc = cell(&el, s->error ? s->error : "failed");
		if (rc >= 0)
			rc = dm__buf_puts(&el, " |\n");
		if (rc >= 0)
			rc = emit(m, &el);
		if (rc == 0) {
			m->omitted_scopes = nfailed - shown;
			break;
		}
		shown++;
	}
	if (rc >= 0 && shown && !m->stopped) {
		dm__buf_reset(&el);
		rc = dm__buf_putc(&el, '\n');
		if (rc >= 0)
			rc = emit(m, &el);
	}
	dm__buf_free(&el);
	return rc < 0 ? rc : 0;
}

typedef struct fref {
	const dm_finding *f;
	size_t idx;
} fref;

static int fref_cmp(const void *pa, const void *pb)
{
	const fref *a = pa, *b = pb;
	int c = strcmp(a->f->provider ? a->f->provider : "", b->f->provider ? b->f->provider : "");

	if (c == 0)
		c = strcmp(a->f->type ? a->f->type : "", b->f->type ? b->f->type : "");
	if (c == 0)
		c = a->idx < b->idx ? -1 : a->idx > b->idx;
	return c;
}

/* Findings of one kind (ignored or not), grouped by (provider, type), engine order within. */
static fref *collect(const dm_drift *d, dm_finding_kind k, int ignored, size_t *n)
{
	size_t i, total = dm_drift_count(d), c = 0;
	fref *v = dm__calloc(total ? total : 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (i = 0; i < total; i++) {
		const dm_finding *f = dm_drift_at(d, i);

		if ((ignored ? f->ignored : (!f->ignored && f->kind == k))) {
			v[c].f = f;
			v[c].idx = i;
			c++;
		}
	}
	qsort(v, c, sizeof(*v), fref_cmp);
	*n = c;
	return v;
}

static int same_group(const dm_finding *a, const dm_finding *b)
{
	return strcmp(a->type ? a->type : "", b->type ? b->type : "") == 0 &&
	       strcmp(a->provider ? a->provider : "", b->provider ? b->provider : "") == 0;
}

static size_t group_size(const fref *v, size_t n, size_t i)
{
	size_t j = i;

	while (j < n && same_group(v[i].f, v[j].f))
		j++;
	return j - i;
}

/* One table row for an unmanaged, missing or ignored finding. */
static int row(md *m, dm_buf *el, const dm_finding *f, int with_kind)
{
	int rc = dm__buf_puts(el, "| ");

	if (rc == 0 && with_kind)
		rc = dm__buf_printf(el, "%s | ", dm_finding_kind_name(f->kind));
	if (rc == 0)
		rc = dm__buf_printf(el, "%s | ", dm__sev_name(f->severity));
	if (rc == 0)
		rc = cell(el, f->resource_id);
	if (rc == 0 && f->first_seen > 0) {
		/* from the history store: since when this finding has existed */
		char day[32];
		dm__rfc3339(f->first_seen, day, sizeof(day));
		rc = dm__buf_printf(el, " (since %.10s)", day);
	}
	if (rc == 0)
		rc = dm__buf_puts(el, " | ");
	if (rc == 0)
		rc = cell(el, f->address);
	if (rc == 0)
		rc = dm__buf_puts(el, " | ");
	if (rc == 0)
		rc = cell(el, f->account);
	if (rc == 0)
		rc = dm__buf_puts(el, " / ");
	if (rc == 0)
		rc = cell(el, f->region);
	if (rc == 0)
		rc = dm__buf_puts(el, " | ");
	if (rc == 0) {
		rc = loc_text(m->r, f, el, 1);
		if (rc == 0)
			rc = dm__buf_puts(el, "\xE2\x80\x94");
		else if (rc == 1)
			rc = 0;
	}
	if (rc == 0)
		rc = dm__buf_puts(el, " |\n");
	return rc;
}

static int details(md *m, dm_buf *el, const dm_finding *f)
{
	size_t i;
	int rc = dm__buf_puts(el, "<details><summary><b>");

	if (rc == 0)
		rc = dm__esc_xml(el, f->resource_id);
	if (rc == 0)
		rc = dm__buf_puts(el, "</b>");
	if (rc == 0 && f->address) {
		rc = dm__buf_puts(el, " \xC2\xB7 <code>");
		if (rc == 0)
			rc = dm__esc_xml(el, f->address);
		if (rc == 0)
			rc = dm__buf_puts(el, "</code>");
	}
	if (rc == 0)
		rc = dm__buf_printf(el, " \xC2\xB7 %s \xC2\xB7 %zu change%s</summary>\n\n",
				    dm__sev_name(f->severity), f->nchanges, f->nchanges == 1 ? "" : "s");
	if (rc == 0) {
		rc = dm__buf_puts(el, "Account / region: ");
		if (rc == 0)
			rc = cell(el, f->account);
		if (rc == 0)
			rc = dm__buf_puts(el, " / ");
		if (rc == 0)
			rc = cell(el, f->region);
	}
	if (rc == 0) {
		size_t mark = el->len;

		rc = dm__buf_puts(el, " \xC2\xB7 declared at ");
		if (rc == 0) {
			rc = loc_text(m->r, f, el, 1);
			if (rc == 0) {
				el->len = mark; /* nothing located */
				el->ptr[mark] = '\0';
			} else if (rc == 1) {
				rc = 0;
			}
		}
	}
	if (rc == 0)
		rc = dm__buf_puts(el, "\n\n| Attribute | Op | State | Live |\n|---|---|---|---|\n");
	for (i = 0; i < f->nchanges && rc == 0; i++) {
		const dm_change *c = &f->changes[i];

		rc = dm__buf_puts(el, "| ");
		if (rc == 0)
			rc = cell(el, c->path);
		if (rc == 0)
			rc = dm__buf_printf(el, " | %s | ", dm_change_op_name(c->op));
		if (rc == 0)
			rc = code_value(el, f, c->path, c->state);
		if (rc == 0)
			rc = dm__buf_puts(el, " | ");
		if (rc == 0)
			rc = code_value(el, f, c->path, c->live);
		if (rc == 0)
			rc = dm__buf_puts(el, " |\n");
	}
	if (rc == 0)
		rc = dm__buf_puts(el, "\n</details>\n\n");
	return rc;
}

static int kind_section(md *m, dm_finding_kind k, int ignored)
{
	fref *v;
	size_t n = 0, i;
	dm_buf el = DM_BUF_INIT;
	int rc = 0;

	v = collect(m->r->d, k, ignored, &n);
	if (!v)
		return DM_ENOMEM;
	for (i = 0; i < n && rc >= 0; i++) {
		const dm_finding *f = v[i].f;
		int first_in_group = i == 0 || !same_group(v[i - 1].f, f);

		if (m->stopped) {
			m->omitted_findings += n - i;
			break;
		}
		dm__buf_reset(&el);
		if (i == 0 && ignored)
			rc = dm__buf_printf(&el, "### Ignored (%zu)\n\nMatched `.driftignore` rules; not counted as drift.\n\n", n);
		else if (i == 0)
			rc = dm__buf_printf(&el, "### %s (%zu)\n\n_%s_\n\n", dm__kind_title(k), n,
					    dm__kind_help(k));
		if (rc >= 0 && first_in_group) {
			if (i > 0 && (ignored || k != DM_FINDING_CHANGED))
				rc = dm__buf_putc(&el, '\n'); /* end the previous table */
			if (rc >= 0) {
				rc = dm__buf_puts(&el, "#### ");
				if (rc >= 0)
					rc = dm__esc_md(&el, f->type);
				if (rc >= 0)
					rc = dm__buf_printf(&el, " (%zu)\n\n", group_size(v, n, i));
			}
			if (rc >= 0 && (ignored || k != DM_FINDING_CHANGED))
				rc = dm__buf_printf(&el, "| %sSeverity | Resource ID | Address | Account / region | Declared at |\n|%s---|---|---|---|---|\n",
						    ignored ? "Kind | " : "", ignored ? "---|" : "");
		}
		if (rc >= 0)
			rc = (ignored || k != DM_FINDING_CHANGED) ? row(m, &el, f, ignored)
								  : details(m, &el, f);
		if (rc >= 0)
			rc = emit(m, &el);
		if (rc == 0) {
			m->omitted_findings += n - i;
			break;
		}
	}
	if (rc >= 0 && n && !m->stopped && (ignored || k != DM_FINDING_CHANGED)) {
		dm__buf_reset(&el);
		rc = dm__buf_putc(&el, '\n');
		if (rc >= 0)
			rc = emit(m, &el);
	}
	free(v);
	dm__buf_free(&el);
	return rc < 0 ? rc : 0;
}

int dm__report_markdown(const dm__report *r, dm_buf *out)
{
	md m = { r, out, r->opts->max_bytes, 0, 0, 0 };
	const dm_scope **sc = NULL;
	size_t nsc = 0;
	long long t0 = 0, t1 = 0;
	char ts[40];
	int rc;

	sc = dm__report_sorted_scopes(dm_drift_live(r->d), &nsc);
	if (!sc)
		return DM_ENOMEM;
	rc = header(&m);
	if (rc == 0)
		rc = incomplete_section(&m, sc, nsc);
	if (rc == 0)
		rc = kind_section(&m, DM_FINDING_UNMANAGED, 0);
	if (rc == 0)
		rc = kind_section(&m, DM_FINDING_MISSING, 0);
	if (rc == 0)
		rc = kind_section(&m, DM_FINDING_CHANGED, 0);
	if (rc == 0)
		rc = kind_section(&m, DM_FINDING_CHANGED, 1);
	if (rc == 0 && (m.omitted_findings || m.omitted_scopes)) {
		rc = dm__buf_puts(out, "\n\xE2\x80\xA6 and ");
		if (rc == 0 && m.omitted_scopes)
			rc = dm__buf_printf(out, "%zu more incomplete scope%s%s", m.omitted_scopes,
					    m.omitted_scopes == 1 ? "" : "s",
					    m.omitted_findings ? " and " : "");
		if (rc == 0 && m.omitted_findings)
			rc = dm__buf_printf(out, "%zu more finding%s", m.omitted_findings,
					    m.omitted_findings == 1 ? "" : "s");
		if (rc == 0)
			rc = dm__buf_printf(out, " not shown (size budget %zu bytes); see the JSON or HTML report.\n\n",
					    m.budget);
	}
	dm_drift_times(r->d, &t0, &t1);
	dm__rfc3339(t1, ts, sizeof(ts));
	if (rc == 0)
		rc = dm__buf_printf(out, "<sub>driftmap %s \xC2\xB7 %s</sub>\n", dm_version(), ts);
	free(sc);
	return rc;
}
