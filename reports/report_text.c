/*
 * driftmap — the text report: what a person reads in a CI log. A summary
 * line first, then findings grouped by kind with attribute changes as
 * `path: state → live`, then ignored findings and incomplete scopes. ANSI
 * colours only when asked; every string from an inventory is shown with its
 * control characters escaped (no terminal injection through a tag value).
 */
#include <stdlib.h>
#include <string.h>
#include "report_internal.h"

#define VALUE_MAX_CHARS 120

enum { C_RESET, C_BOLD, C_DIM, C_RED, C_GREEN, C_YELLOW, C_CYAN, C_BOLDRED };

static const char *const ansi[] = {
	"\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m", "\x1b[1;31m",
};

typedef struct text_out {
	dm_buf *b;
	int color;
} text_out;

static int col(const text_out *t, int c)
{
	return t->color ? dm__buf_puts(t->b, ansi[c]) : 0;
}

static int kind_color(dm_finding_kind k)
{
	switch (k) {
	case DM_FINDING_UNMANAGED: return C_YELLOW;
	case DM_FINDING_MISSING: return C_RED;
	case DM_FINDING_CHANGED: return C_CYAN;
	}
	return C_BOLD;
}

static int sev_color(dm_severity s)
{
	if (s >= DM_SEV_HIGH)
		return C_BOLDRED;
	if (s == DM_SEV_MEDIUM)
		return C_YELLOW;
	return C_DIM;
}

static int summary_line(const text_out *t, const dm_drift *d, size_t nfailed)
{
	const dm_summary *s = dm_drift_summary(d);
	char pct[32];
	int rc;

	dm__coverage_pct(s->coverage, pct, sizeof(pct));
	rc = dm__buf_printf(t->b, "driftmap: %zu drifted (%zu unmanaged, %zu missing, %zu changed) of %zu managed",
			    s->unmanaged + s->missing + s->changed, s->unmanaged, s->missing,
			    s->changed, s->managed);
	if (rc == 0 && s->ignored)
		rc = dm__buf_printf(t->b, ", %zu ignored", s->ignored);
	if (rc == 0)
		rc = dm__buf_printf(t->b, ", coverage %s \xE2\x80\x94 ", pct);
	if (rc < 0)
		return rc;
	if (s->complete) {
		rc = dm__buf_puts(t->b, "scan complete");
	} else {
		rc = col(t, C_BOLDRED);
		if (rc == 0)
			rc = dm__buf_printf(t->b, "scan INCOMPLETE (%zu scope%s failed)", nfailed,
					    nfailed == 1 ? "" : "s");
		if (rc == 0)
			rc = col(t, C_RESET);
	}
	return rc ? rc : dm__buf_putc(t->b, '\n');
}

static int finding_line(const dm__report *r, const text_out *t, const dm_finding *f, int show_sev,
			const char *lead)
{
	dm__report_loc loc;
	size_t i;
	int rc = dm__buf_printf(t->b, "  %s", lead);

	if (rc == 0 && show_sev) {
		rc = col(t, sev_color(f->severity));
		if (rc == 0)
			rc = dm__buf_printf(t->b, "[%s]", dm__sev_name(f->severity));
		if (rc == 0)
			rc = col(t, C_RESET);
		if (rc == 0)
			rc = dm__buf_putc(t->b, ' ');
	}
	if (rc == 0)
		rc = dm__esc_text(t->b, f->type);
	if (rc == 0)
		rc = dm__buf_putc(t->b, ' ');
	if (rc == 0)
		rc = col(t, C_BOLD);
	if (rc == 0)
		rc = dm__esc_text(t->b, f->resource_id);
	if (rc == 0)
		rc = col(t, C_RESET);
	if (rc == 0 && f->address) {
		rc = dm__buf_puts(t->b, "  ");
		if (rc == 0)
			rc = dm__esc_text(t->b, f->address);
	}
	if (rc == 0 && (f->account || f->region)) {
		rc = dm__buf_puts(t->b, "  (");
		if (rc == 0 && f->account)
			rc = dm__esc_text(t->b, f->account);
		if (rc == 0 && f->account && f->region)
			rc = dm__buf_putc(t->b, '/');
		if (rc == 0 && f->region)
			rc = dm__esc_text(t->b, f->region);
		if (rc == 0)
			rc = dm__buf_putc(t->b, ')');
	}
	if (rc == 0 && f->first_seen > 0) {
		/* from the history store: since when this finding has existed */
		char day[32];
		dm__rfc3339(f->first_seen, day, sizeof(day));
		rc = dm__buf_printf(t->b, "  since %.10s", day);
	}
	if (rc == 0)
		rc = dm__buf_putc(t->b, '\n');
	if (rc < 0 || !show_sev)
		return rc;
	dm__report_locate(r, f, &loc);
	if (loc.is_source && loc.file) {
		rc = dm__buf_puts(t->b, "      declared at ");
		if (rc == 0)
			rc = dm__esc_text(t->b, loc.file);
		if (rc == 0)
			rc = dm__buf_printf(t->b, ":%u\n", loc.line);
	}
	for (i = 0; i < f->nchanges && rc == 0; i++) {
		const dm_change *c = &f->changes[i];
		dm_buf v = DM_BUF_INIT;

		rc = dm__buf_puts(t->b, "      ");
		if (rc == 0)
			rc = dm__esc_text(t->b, c->path);
		if (rc == 0)
			rc = dm__buf_puts(t->b, ": ");
		if (rc == 0)
			rc = col(t, C_RED);
		if (rc == 0)
			rc = dm__report_value_text(&v, f, c->path, c->state, VALUE_MAX_CHARS);
		if (rc == 0)
			rc = dm__esc_text(t->b, v.ptr);
		if (rc == 0)
			rc = col(t, C_RESET);
		if (rc == 0)
			rc = dm__buf_puts(t->b, " \xE2\x86\x92 ");
		if (rc == 0)
			rc = col(t, C_GREEN);
		dm__buf_reset(&v);
		if (rc == 0)
			rc = dm__report_value_text(&v, f, c->path, c->live, VALUE_MAX_CHARS);
		if (rc == 0)
			rc = dm__esc_text(t->b, v.ptr);
		if (rc == 0)
			rc = col(t, C_RESET);
		if (rc == 0)
			rc = dm__buf_putc(t->b, '\n');
		dm__buf_free(&v);
	}
	return rc;
}

static int kind_section(const dm__report *r, const text_out *t, dm_finding_kind k)
{
	size_t i, n = dm__count_kind(r->d, k, 0);
	int rc;

	if (n == 0)
		return 0;
	rc = dm__buf_putc(t->b, '\n');
	if (rc == 0)
		rc = col(t, kind_color(k));
	if (rc == 0)
		rc = dm__buf_printf(t->b, "%s (%zu)", dm__kind_title(k), n);
	if (rc == 0)
		rc = col(t, C_RESET);
	if (rc == 0)
		rc = dm__buf_printf(t->b, " \xE2\x80\x94 %s\n", dm__kind_help(k));
	for (i = 0; i < dm_drift_count(r->d) && rc == 0; i++) {
		const dm_finding *f = dm_drift_at(r->d, i);

		if (f->kind == k && !f->ignored)
			rc = finding_line(r, t, f, 1, "");
	}
	return rc;
}

int dm__report_text(const dm__report *r, dm_buf *out)
{
	text_out t = { out, r->opts->color };
	const dm_scope **sc = NULL;
	size_t i, nfailed = 0, nsc = 0, nign;
	int rc;

	sc = dm__report_sorted_scopes(dm_drift_live(r->d), &nsc);
	if (!sc)
		return DM_ENOMEM;
	for (i = 0; i < nsc; i++) {
		if (!sc[i]->complete)
			nfailed++;
	}
	rc = summary_line(&t, r->d, nfailed);
	if (rc < 0 || r->opts->quiet)
		goto done;
	if (rc == 0)
		rc = kind_section(r, &t, DM_FINDING_UNMANAGED);
	if (rc == 0)
		rc = kind_section(r, &t, DM_FINDING_MISSING);
	if (rc == 0)
		rc = kind_section(r, &t, DM_FINDING_CHANGED);

	nign = dm__count_kind(r->d, DM_FINDING_UNMANAGED, 1) +
	       dm__count_kind(r->d, DM_FINDING_MISSING, 1) +
	       dm__count_kind(r->d, DM_FINDING_CHANGED, 1);
	if (rc == 0 && nign) {
		rc = dm__buf_printf(out, "\nIgnored (%zu) \xE2\x80\x94 matched .driftignore rules, not counted as drift\n",
				    nign);
		for (i = 0; i < dm_drift_count(r->d) && rc == 0; i++) {
			const dm_finding *f = dm_drift_at(r->d, i);

			if (!f->ignored)
				continue;
			rc = finding_line(r, &t, f, 0, f->kind == DM_FINDING_UNMANAGED ? "unmanaged: "
						      : f->kind == DM_FINDING_MISSING ? "missing: "
						      : "changed: ");
		}
	}
	if (rc == 0 && nfailed) {
		rc = dm__buf_putc(out, '\n');
		if (rc == 0)
			rc = col(&t, C_BOLDRED);
		if (rc == 0)
			rc = dm__buf_printf(out, "Incomplete scopes (%zu)", nfailed);
		if (rc == 0)
			rc = col(&t, C_RESET);
		if (rc == 0)
			rc = dm__buf_puts(out, " \xE2\x80\x94 nothing in them is reported missing or unmanaged\n");
		for (i = 0; i < nsc && rc == 0; i++) {
			const dm_scope *s = sc[i];
			size_t k;

			if (s->complete)
				continue;
			rc = dm__buf_puts(out, "  ");
			if (rc == 0)
				rc = dm__esc_text(out, s->provider ? s->provider : "-");
			if (rc == 0)
				rc = dm__buf_putc(out, ' ');
			if (rc == 0)
				rc = dm__esc_text(out, s->account ? s->account : "-");
			if (rc == 0)
				rc = dm__buf_putc(out, ' ');
			if (rc == 0)
				rc = dm__esc_text(out, s->region ? s->region : "-");
			if (rc == 0)
				rc = dm__buf_putc(out, ' ');
			if (rc == 0)
				rc = dm__esc_text(out, s->api ? s->api : "?");
			for (k = 0; k < s->ntypes && rc == 0; k++)
				rc = dm__buf_printf(out, "%s%s", k ? ", " : " (", s->types[k]);
			if (rc == 0 && s->ntypes)
				rc = dm__buf_putc(out, ')');
			if (rc == 0)
				rc = dm__buf_puts(out, ": ");
			if (rc == 0)
				rc = dm__esc_text(out, s->error ? s->error : "failed");
			if (rc == 0)
				rc = dm__buf_putc(out, '\n');
		}
	}
done:
	free(sc);
	return rc;
}
