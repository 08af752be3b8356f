/*
 * driftmap — the HTML report: one self-contained file (inline CSS and a
 * small inline script, no external assets, works offline). A summary, the
 * trend chart over the stored runs and the drift diagram inlined as SVG when
 * given, and a findings table that the
 * script makes filterable (kind, type, free text) and sortable. Rows are
 * plain HTML, so the report reads without JavaScript too. Every string is
 * HTML-escaped.
 */
#include <stdlib.h>
#include <string.h>
#include "report_internal.h"

#define VALUE_MAX_CHARS 300

typedef struct hw {
	dm_buf *b;
	int rc;
} hw;

#define PF(o, ...) do { if ((o)->rc == 0) (o)->rc = dm__buf_printf((o)->b, __VA_ARGS__); } while (0)

static void put(hw *o, const char *s)
{
	if (o->rc == 0)
		o->rc = dm__buf_puts(o->b, s);
}

static void esc(hw *o, const char *s)
{
	if (o->rc == 0)
		o->rc = dm__esc_xml(o->b, s && *s ? s : "\xE2\x80\x94");
}

static const char css[] =
	":root{--fg:#1f2328;--muted:#656d76;--bg:#fff;--line:#d0d7de;--head:#f6f8fa;"
	"--unm:#9a6700;--unm-bg:#fff8c5;--mis:#cf222e;--mis-bg:#ffebe9;--chg:#0550ae;--chg-bg:#ddf4ff;"
	"--ign:#57606a;--ign-bg:#eaeef2}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;padding:24px 32px;font:14px/1.45 -apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}\n"
	".sub{color:var(--muted);margin:0 0 16px}\n"
	".verdict{font-size:16px;margin:8px 0 16px}\n"
	".cards{display:flex;flex-wrap:wrap;gap:10px}\n"
	".card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:104px;background:var(--head)}\n"
	".card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}\n"
	".card.bad{border-color:var(--mis);background:var(--mis-bg)}.card.ok{border-color:#1a7f37;background:#dafbe1}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}\n"
	"th{background:var(--head);position:sticky;top:0}\n"
	"#findings th{cursor:pointer;user-select:none;white-space:nowrap}\n"
	"#findings th[aria-sort=ascending]::after{content:' \\25B2'}#findings th[aria-sort=descending]::after{content:' \\25BC'}\n"
	"tbody tr:nth-child(even){background:#fafbfc}\n"
	"td.id,td.addr{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}\n"
	"td.nw{white-space:nowrap}\n"
	".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;border:1px solid}\n"
	".b-unmanaged{color:var(--unm);background:var(--unm-bg)}.b-missing{color:var(--mis);background:var(--mis-bg)}\n"
	".b-changed{color:var(--chg);background:var(--chg-bg)}.b-ignored{color:var(--ign);background:var(--ign-bg)}\n"
	".sev{font-weight:600}.s-critical,.s-high{color:var(--mis)}.s-medium{color:var(--unm)}.s-low,.s-info{color:var(--muted)}\n"
	"ul.chg{margin:0;padding-left:16px}ul.chg li{margin:1px 0}\n"
	"code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;background:var(--head);padding:0 3px;border-radius:3px;word-break:break-all}\n"
	"del{color:var(--mis);text-decoration:none}ins{color:#1a7f37;text-decoration:none}\n"
	".filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:0 0 10px}\n"
	".filters select,.filters input{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:6px}\n"
	".filters input{min-width:240px}#f-count{color:var(--muted)}\n"
	".diagram{border:1px solid var(--line);border-radius:6px;overflow:auto;max-height:640px;padding:8px;background:#fff}\n"
	".diagram svg{max-width:100%;height:auto}\n"

	".muted{color:var(--muted)}footer{margin-top:28px;color:var(--muted);font-size:12px}\n";

static const char script[] =
	"(function(){\n"
	"var table=document.getElementById('findings');if(!table)return;\n"
	"var tbody=table.tBodies[0],rows=Array.prototype.slice.call(tbody.rows);\n"
	"rows.forEach(function(r,i){r.dataset.idx=i;});\n"
	"var fk=document.getElementById('f-kind'),ft=document.getElementById('f-type'),fx=document.getElementById('f-text');\n"
	"var cnt=document.getElementById('f-count'),none=document.getElementById('f-none');\n"
	"function apply(){var k=fk.value,t=ft.value,x=fx.value.trim().toLowerCase(),n=0;\n"
	" rows.forEach(function(r){var ok=(!k||r.dataset.kind===k)&&(!t||r.dataset.type===t)&&(!x||r.textContent.toLowerCase().indexOf(x)>=0);\n"
	"  r.hidden=!ok;if(ok)n++;});\n"
	" cnt.textContent=n+' of '+rows.length+' shown';none.hidden=n>0;}\n"
	"fk.addEventListener('change',apply);ft.addEventListener('change',apply);fx.addEventListener('input',apply);\n"
	"var ths=table.tHead.rows[0].cells;\n"
	"function key(r,c){var td=r.cells[c];return td.hasAttribute('data-sort')?td.getAttribute('data-sort'):td.textContent.trim().toLowerCase();}\n"
	"Array.prototype.forEach.call(ths,function(th,c){th.addEventListener('click',function(){\n"
	" var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;\n"
	" Array.prototype.forEach.call(ths,function(h){h.removeAttribute('aria-sort');});\n"
	" th.setAttribute('aria-sort',dir>0?'ascending':'descending');\n"
	" rows.sort(function(a,b){var ka=key(a,c),kb=key(b,c),na=parseFloat(ka),nb=parseFloat(kb),d;\n"
	"  if(!isNaN(na)&&!isNaN(nb)&&String(na)===ka&&String(nb)===kb)d=na-nb;else d=ka<kb?-1:ka>kb?1:0;\n"
	"  return d?d*dir:a.dataset.idx-b.dataset.idx;});\n"
	" rows.forEach(function(r){tbody.appendChild(r);});});});\n"
	"apply();\n"
	"})();\n";

static void card(hw *o, const char *label, size_t n, const char *cls)
{
	PF(o, "<div class=\"card%s%s\"><b>%zu</b><span>%s</span></div>\n", cls ? " " : "",
	   cls ? cls : "", n, label);
}

static void summary(hw *o, const dm__report *r, size_t nfailed)
{
	const dm_summary *s = dm_drift_summary(r->d);
	size_t drifted = s->unmanaged + s->missing + s->changed;
	char pct[32];

	dm__coverage_pct(s->coverage, pct, sizeof(pct));
	PF(o, "<p class=\"verdict\" id=\"verdict\"><b>%zu drifted</b> (%zu unmanaged, %zu missing, %zu changed) of %zu managed &middot; coverage %s &middot; %s</p>\n",
	   drifted, s->unmanaged, s->missing, s->changed, s->managed, pct,
	   s->complete ? "scan complete" : "<b>scan incomplete</b>: absence of drift is not proven");
	put(o, "<div class=\"cards\">\n");
	card(o, "drifted", drifted, drifted ? "bad" : "ok");
	card(o, "unmanaged", s->unmanaged, NULL);
	card(o, "missing", s->missing, NULL);
	card(o, "changed", s->changed, NULL);
	card(o, "managed", s->managed, NULL);
	card(o, "in sync", s->in_sync, NULL);
	card(o, "ignored", s->ignored, NULL);
	PF(o, "<div class=\"card\"><b>%s</b><span>coverage</span></div>\n", pct);
	PF(o, "<div class=\"card %s\"><b>%s</b><span>scan%s</span></div>\n",
	   s->complete ? "ok" : "bad", s->complete ? "complete" : "incomplete",
	   nfailed ? " scopes failed" : "");
	put(o, "</div>\n");
}

static void sources(hw *o, const dm__report *r, const dm_scope **sc, size_t nsc)
{
	const dm_inventory *st = dm_drift_state(r->d);
	size_t i, ns = st ? dm_inventory_source_count(st) : 0;

	put(o, "<h2>Sources</h2>\n");
	if (ns) {
		put(o, "<table class=\"sources\"><thead><tr><th>State</th><th>Commit</th><th>Serial</th><th>Resources</th></tr></thead><tbody>\n");
		for (i = 0; i < ns; i++) {
			const dm_source_info *s = dm_inventory_source_at(st, i);

			put(o, "<tr><td class=\"addr\">");
			esc(o, s->uri);
			put(o, "</td><td class=\"addr\">");
			esc(o, s->commit);
			PF(o, "</td><td>%lld</td><td>%zu</td></tr>\n", s->serial, s->resources);
		}
		put(o, "</tbody></table>\n");
	} else {
		put(o, "<p class=\"muted\">No state source.</p>\n");
	}
	if (nsc) {
		put(o, "<p></p><table class=\"scopes\"><thead><tr><th>Provider</th><th>Account</th><th>Region</th><th>Scope</th><th>Status</th><th>API calls</th></tr></thead><tbody>\n");
		for (i = 0; i < nsc; i++) {
			put(o, "<tr><td>");
			esc(o, sc[i]->provider);
			put(o, "</td><td>");
			esc(o, sc[i]->account);
			put(o, "</td><td>");
			esc(o, sc[i]->region);
			put(o, "</td><td class=\"addr\">");
			esc(o, sc[i]->api);
			put(o, "</td><td>");
			if (sc[i]->complete) {
				put(o, "complete");
			} else {
				put(o, "<b class=\"s-high\">failed</b>: ");
				esc(o, sc[i]->error ? sc[i]->error : "failed");
			}
			PF(o, "</td><td>%u</td></tr>\n", sc[i]->api_calls);
		}
		put(o, "</tbody></table>\n");
	}
}

/* Inline the <svg>…</svg> element of SVG under heading TITLE in a framed
 * <div id=ID>, dropping any XML prolog, DOCTYPE and comments before it. */
static void inline_svg(hw *o, const char *title, const char *id, const char *svg)
{
	const char *start, *end = NULL, *p;

	if (!svg)
		return;
	PF(o, "<h2>%s</h2>\n", title);
	start = strstr(svg, "<svg");
	for (p = start; p && (p = strstr(p, "</svg>")) != NULL; p += 6)
		end = p + 6;
	if (!start || !end) {
		PF(o, "<p class=\"muted\">The %s given is not SVG.</p>\n", id);
		return;
	}
	PF(o, "<div class=\"diagram\" id=\"%s\">\n", id);
	if (o->rc == 0)
		o->rc = dm__buf_put(o->b, start, (size_t)(end - start));
	put(o, "\n</div>\n");
}

static void value(hw *o, const dm_finding *f, const char *path, const json_t *v)
{
	dm_buf t = DM_BUF_INIT;

	if (o->rc == 0)
		o->rc = dm__report_value_text(&t, f, path, v, VALUE_MAX_CHARS);
	if (!v) {
		put(o, "<i class=\"muted\">absent</i>");
	} else {
		put(o, "<code>");
		if (o->rc == 0)
			o->rc = dm__esc_xml(o->b, t.ptr ? t.ptr : "");
		put(o, "</code>");
	}
	dm__buf_free(&t);
}

static void finding_row(hw *o, const dm__report *r, const dm_finding *f)
{
	const char *kind = f->ignored ? "ignored" : dm_finding_kind_name(f->kind);
	dm__report_loc loc;
	size_t i;

	put(o, "<tr data-kind=\"");
	esc(o, kind);
	put(o, "\" data-type=\"");
	esc(o, f->type);
	put(o, "\" data-fingerprint=\"");
	esc(o, f->fingerprint);
	PF(o, "\"><td data-sort=\"%d\"><span class=\"badge b-%s\">%s</span>", f->ignored ? 9 : (int)f->kind,
	   kind, f->ignored ? "ignored" : dm_finding_kind_name(f->kind));
	if (f->ignored)
		PF(o, " <span class=\"muted\">%s</span>", dm_finding_kind_name(f->kind));
	PF(o, "</td><td data-sort=\"%d\"><span class=\"sev s-%s\">%s</span></td><td>", 9 - (int)f->severity,
	   dm__sev_name(f->severity), dm__sev_name(f->severity));
	esc(o, f->type);
	put(o, "</td><td class=\"id\">");
	esc(o, f->resource_id);
	if (f->first_seen > 0) {
		/* from the history store: since when this finding has existed */
		char day[32];
		dm__rfc3339(f->first_seen, day, sizeof(day));
		PF(o, "<br><span class=\"muted since\">since %.10s</span>", day);
	}
	put(o, "</td><td class=\"addr\">");
	esc(o, f->address);
	put(o, "</td><td class=\"nw\">");
	esc(o, f->account);
	put(o, "</td><td class=\"nw\">");
	esc(o, f->region);
	put(o, "</td><td class=\"addr\">");
	dm__report_locate(r, f, &loc);
	if (loc.is_source && loc.file) {
		esc(o, loc.file);
		PF(o, ":%u", loc.line);
	} else {
		esc(o, NULL);
	}
	put(o, "</td><td>");
	if (f->nchanges == 0) {
		put(o, "<span class=\"muted\">");
		esc(o, dm__kind_help(f->kind));
		put(o, "</span>");
	} else {
		put(o, "<ul class=\"chg\">");
		for (i = 0; i < f->nchanges; i++) {
			const dm_change *c = &f->changes[i];

			put(o, "<li><b>");
			esc(o, c->path);
			put(o, "</b>: <del>");
			value(o, f, c->path, c->state);
			put(o, "</del> &rarr; <ins>");
			value(o, f, c->path, c->live);
			put(o, "</ins></li>");
		}
		put(o, "</ul>");
	}
	put(o, "</td></tr>\n");
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void findings(hw *o, const dm__report *r)
{
	size_t i, n = dm_drift_count(r->d), nt = 0;
	const char **types = dm__calloc(n ? n : 1, sizeof(*types));

	if (!types) {
		o->rc = o->rc ? o->rc : DM_ENOMEM;
		return;
	}
	for (i = 0; i < n; i++)
		types[i] = dm_drift_at(r->d, i)->type ? dm_drift_at(r->d, i)->type : "";
	qsort(types, n, sizeof(*types), strp_cmp);
	PF(o, "<h2>Findings (%zu)</h2>\n<div class=\"filters\">\n"
	   "<select id=\"f-kind\" aria-label=\"Kind\"><option value=\"\">All kinds</option>"
	   "<option value=\"unmanaged\">unmanaged</option><option value=\"missing\">missing</option>"
	   "<option value=\"changed\">changed</option><option value=\"ignored\">ignored</option></select>\n"
	   "<select id=\"f-type\" aria-label=\"Type\"><option value=\"\">All types</option>", n);
	for (i = 0; i < n; i++) {
		if (i && strcmp(types[i], types[nt - 1]) == 0)
			continue;
		types[nt++] = types[i];
		put(o, "<option value=\"");
		esc(o, types[i]);
		put(o, "\">");
		esc(o, types[i]);
		put(o, "</option>");
	}
	put(o, "</select>\n<input id=\"f-text\" type=\"search\" placeholder=\"Filter by id, address, attribute\xE2\x80\xA6\" aria-label=\"Filter text\">\n"
	       "<span id=\"f-count\"></span>\n</div>\n"
	       "<table id=\"findings\"><thead><tr><th>Kind</th><th>Severity</th><th>Type</th><th>Resource ID</th>"
	       "<th>Address</th><th>Account</th><th>Region</th><th>Declared at</th><th>Changes (state &rarr; live)</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++)
		finding_row(o, r, dm_drift_at(r->d, i));
	PF(o, "</tbody></table>\n<p id=\"f-none\" class=\"muted\"%s>No findings match.</p>\n",
	   n ? " hidden" : "");
	free(types);
}

int dm__report_html(const dm__report *r, dm_buf *out)
{
	hw o = { out, 0 };
	const dm_scope **sc = NULL;
	size_t nsc = 0, i, nfailed = 0;
	long long t0 = 0, t1 = 0;
	char ts0[40], ts1[40];

	sc = dm__report_sorted_scopes(dm_drift_live(r->d), &nsc);
	if (!sc)
		return DM_ENOMEM;
	for (i = 0; i < nsc; i++)
		nfailed += !sc[i]->complete;
	dm_drift_times(r->d, &t0, &t1);
	dm__rfc3339(t0, ts0, sizeof(ts0));
	dm__rfc3339(t1, ts1, sizeof(ts1));
	put(&o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>driftmap drift report</title>\n<style>\n");
	put(&o, css);
	put(&o, "</style>\n</head>\n<body>\n<header><h1>driftmap drift report</h1>\n");
	PF(&o, "<p class=\"sub\">Scan %s \xE2\x80\x93 %s &middot; driftmap %s</p></header>\n", ts0, ts1,
	   dm_version());
	summary(&o, r, nfailed);
	if (nfailed) {
		PF(&o, "<h2>Incomplete scopes (%zu)</h2>\n<p>Nothing in these scopes is reported missing or unmanaged.</p>\n<ul id=\"incomplete\">\n",
		   nfailed);
		for (i = 0; i < nsc; i++) {
			size_t k;

			if (sc[i]->complete)
				continue;
			put(&o, "<li><b>");
			esc(&o, sc[i]->provider);
			put(&o, " ");
			esc(&o, sc[i]->account);
			put(&o, " ");
			esc(&o, sc[i]->region);
			put(&o, " ");
			esc(&o, sc[i]->api);
			put(&o, "</b> (");
			for (k = 0; k < sc[i]->ntypes; k++) {
				put(&o, k ? ", " : "");
				esc(&o, sc[i]->types[k]);
			}
			put(&o, "): ");
			esc(&o, sc[i]->error ? sc[i]->error : "failed");
			put(&o, "</li>\n");
		}
		put(&o, "</ul>\n");
	}
	/* the trend over the stored runs (scan --store), then this run's diagram */
	inline_svg(&o, "Trend", "trend", r->opts->trend_svg);
	inline_svg(&o, "Drift diagram", "diagram", r->opts->diagram_svg);
	findings(&o, r);
	sources(&o, r, sc, nsc);
	put(&o, "<footer>Generated by driftmap. Sensitive values are shown as (sensitive).</footer>\n<script>\n");
	put(&o, script);
	put(&o, "</script>\n</body>\n</html>\n");
	free(sc);
	return o.rc;
}
