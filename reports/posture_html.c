/*
 * driftmap posture — the self-contained HTML review page: severity summary,
 * findings grouped by area with their evidence, not-evaluated rules, the
 * segmentation matrix and (optionally) the segmentation diagram inline. No
 * external resources, no scripts.
 */
#include <stdlib.h>
#include <string.h>
#include "posture_internal.h"

static int esc(FILE *out, const char *s)
{
	int e = 0;

	for (; s && *s; s++) {
		switch (*s) {
		case '<': e |= fputs("&lt;", out) == EOF; break;
		case '>': e |= fputs("&gt;", out) == EOF; break;
		case '&': e |= fputs("&amp;", out) == EOF; break;
		case '"': e |= fputs("&quot;", out) == EOF; break;
		case '\'': e |= fputs("&#39;", out) == EOF; break;
		default: e |= fputc(*s, out) == EOF;
		}
	}
	return e;
}

static const char *const css =
	"body{font-family:system-ui,sans-serif;margin:2em;color:#222}h1{margin-bottom:.2em}"
	"table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;"
	"vertical-align:top}th{background:#f3f3f3}.sev{font-weight:bold;padding:.1em .5em;border-radius:3px}"
	".critical{background:#6a1b9a;color:#fff}.high{background:#c62828;color:#fff}.medium{background:#f9a825}"
	".low{background:#4fc3f7}.info{background:#e0e0e0}.muted{opacity:.55}pre{white-space:pre-wrap;margin:0;"
	"font-size:.85em;max-width:60em}details summary{cursor:pointer}.summary td{text-align:center}"
	".sev,td+td:nth-child(2){white-space:nowrap}details[open] pre{width:34em}td:empty::after{content:\"\\2014\";color:#bbb}";

int dm__posture_html(dm_ctx *ctx, const dm_posture *p, const dm_posture_render_options *o, FILE *out)
{
	static const char *const areas[] = {"network", "iam", "eks"};
	static const char *const area_titles[] = {"Network segmentation and exposure", "IAM hygiene", "EKS"};
	dm_posture_summary s;
	long long t0, t1;
	char ts[32];
	size_t a, i, j, k;
	int e = 0, sev;

	dm_posture_summary_get(p, &s);
	dm_posture_times(p, &t0, &t1);
	dm__rfc3339(t1 ? t1 : t0, ts, sizeof(ts));
	e |= fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			  "<title>driftmap posture review</title><style>%s</style></head><body>\n", css) < 0;
	e |= fprintf(out, "<h1>Posture review</h1><p>driftmap %s &middot; %s", DRIFTMAP_VERSION, ts) < 0;
	if (dm_posture_framework(p)) {
		e |= fputs(" &middot; framework ", out) == EOF;
		e |= esc(out, dm_posture_framework(p));
	}
	if (*dm_posture_eks_calendar(p)) {
		e |= fputs(" &middot; EKS version calendar: ", out) == EOF;
		e |= esc(out, dm_posture_eks_calendar(p));
	}
	e |= fputs("</p>\n<h2>Summary</h2><table class=\"summary\"><tr>", out) == EOF;
	for (sev = DM_SEV_CRITICAL; sev >= DM_SEV_INFO; sev--)
		e |= fprintf(out, "<th><span class=\"sev %s\">%s</span></th>", dm_posture_severity_name((dm_severity)sev),
			     dm_posture_severity_name((dm_severity)sev)) < 0;
	e |= fputs("<th>muted</th><th>not evaluated</th></tr><tr>", out) == EOF;
	for (sev = DM_SEV_CRITICAL; sev >= DM_SEV_INFO; sev--)
		e |= fprintf(out, "<td>%zu</td>", s.by_severity[sev]) < 0;
	e |= fprintf(out, "<td>%zu</td><td>%zu</td></tr></table>\n", s.muted, s.not_evaluated) < 0;
	e |= fprintf(out, "<p>By area: network %zu &middot; IAM %zu &middot; EKS %zu</p>\n", s.network, s.iam, s.eks) < 0;

	for (a = 0; a < 3; a++) {
		size_t n = 0;
		for (i = 0; i < dm_posture_count(p); i++)
			n += strcmp(dm_posture_at(p, i)->area, areas[a]) == 0;
		e |= fprintf(out, "<h2 id=\"%s\">%s (%zu)</h2>\n", areas[a], area_titles[a], n) < 0;
		if (!n) {
			e |= fputs("<p>No findings.</p>\n", out) == EOF;
			continue;
		}
		e |= fputs("<table><tr><th>Severity</th><th>Rule</th><th>Resource</th><th>Finding</th>"
			   "<th>Evidence</th></tr>\n", out) == EOF;
		for (i = 0; i < dm_posture_count(p); i++) {
			const dm_posture_finding *f = dm_posture_at(p, i);
			char *ev;
			if (strcmp(f->area, areas[a]) != 0)
				continue;
			ev = json_dumps(f->evidence, JSON_INDENT(1) | JSON_SORT_KEYS);
			e |= fprintf(out, "<tr%s><td><span class=\"sev %s\">%s</span></td><td>%s</td><td>",
				     f->muted ? " class=\"muted\"" : "", dm_posture_severity_name(f->severity),
				     dm_posture_severity_name(f->severity), f->rule) < 0;
			e |= esc(out, f->type);
			e |= fputs("<br><code>", out) == EOF;
			e |= esc(out, f->resource_id);
			e |= fputs("</code><br>", out) == EOF;
			e |= esc(out, f->account);
			e |= fputs(" / ", out) == EOF;
			e |= esc(out, f->region);
			e |= fputs("</td><td>", out) == EOF;
			e |= esc(out, f->message);
			if (f->muted) {
				e |= fputs("<br><em>muted: ", out) == EOF;
				e |= esc(out, f->mute_reason);
				e |= fputs("</em>", out) == EOF;
			}
			e |= fputs("<br><small>Fix: ", out) == EOF;
			e |= esc(out, f->remediation);
			e |= fputs("</small></td><td><details><summary>evidence</summary><pre>", out) == EOF;
			e |= esc(out, ev ? ev : "{}");
			e |= fputs("</pre></details></td></tr>\n", out) == EOF;
			free(ev);
		}
		e |= fputs("</table>\n", out) == EOF;
	}
	if (dm_posture_not_evaluated_count(p)) {
		e |= fputs("<h2>Not evaluated</h2><table><tr><th>Rule</th><th>Scope</th><th>Reason</th></tr>\n", out) == EOF;
		for (i = 0; i < dm_posture_not_evaluated_count(p); i++) {
			const dm_posture_not_evaluated *n = dm_posture_not_evaluated_at(p, i);
			e |= fprintf(out, "<tr><td>%s</td><td>", n->rule) < 0;
			e |= esc(out, n->scope);
			e |= fputs("</td><td>", out) == EOF;
			e |= esc(out, n->reason);
			e |= fputs("</td></tr>\n", out) == EOF;
		}
		e |= fputs("</table>\n", out) == EOF;
	}
	e |= fputs("<h2>Segmentation matrix</h2>\n", out) == EOF;
	if (!dm_posture_tier_count(p)) {
		e |= fputs("<p>No tiers (no subnets in the inventory).</p>\n", out) == EOF;
	} else {
		e |= fputs("<table><tr><th>from \\ to</th>", out) == EOF;
		for (j = 0; j < dm_posture_tier_count(p); j++) {
			e |= fputs("<th>", out) == EOF;
			e |= esc(out, dm_posture_tier_at(p, j));
			e |= fputs("</th>", out) == EOF;
		}
		e |= fputs("</tr>\n", out) == EOF;
		for (i = 0; i <= dm_posture_tier_count(p); i++) {
			const char *from = i == 0 ? "internet" : dm_posture_tier_at(p, i - 1);
			e |= fputs("<tr><th>", out) == EOF;
			e |= esc(out, from);
			e |= fputs("</th>", out) == EOF;
			for (j = 0; j < dm_posture_tier_count(p); j++) {
				const char *to = dm_posture_tier_at(p, j);
				e |= fputs("<td>", out) == EOF;
				for (k = 0; k < dm_posture_pair_count(p); k++) {
					const dm_posture_pair *pr = dm_posture_pair_at(p, k);
					size_t m;
					if (strcmp(pr->from, from) != 0 || strcmp(pr->to, to) != 0)
						continue;
					for (m = 0; m < pr->nallowed; m++) {
						const dm_posture_port_range *r = &pr->allowed[m];
						if (strcmp(r->protocol, "-1") == 0)
							e |= fprintf(out, "%sall traffic", m ? ", " : "") < 0;
						else if (r->from < 0 || (r->from == 0 && r->to == 65535))
							e |= fprintf(out, "%s%s/all", m ? ", " : "", r->protocol) < 0;
						else if (r->from == r->to)
							e |= fprintf(out, "%s%s/%d", m ? ", " : "", r->protocol, r->from) < 0;
						else
							e |= fprintf(out, "%s%s/%d-%d", m ? ", " : "", r->protocol, r->from, r->to) < 0;
					}
				}
				e |= fputs("</td>", out) == EOF;
			}
			e |= fputs("</tr>\n", out) == EOF;
		}
		e |= fputs("</table>\n", out) == EOF;
	}
	if (o->diagram_svg) {
		const char *svg = strstr(o->diagram_svg, "<svg");
		e |= fputs("<h2>Segmentation diagram</h2><div class=\"diagram\">", out) == EOF;
		e |= fputs(svg ? svg : "", out) == EOF;
		e |= fputs("</div>\n", out) == EOF;
	}
	e |= fputs("</body></html>\n", out) == EOF;
	return e ? dm__error(ctx, DM_EIO, "posture: cannot write the HTML report") : 0;
}
