/*
 * driftmap posture — the JSON report (driftmap.posture/v1) and the format
 * dispatch for every posture renderer.
 */
#include <stdlib.h>
#include <string.h>
#include "posture_internal.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *sources_json(const dm_inventory *inv)
{
	json_t *live = json_array();
	size_t i, j;

	for (i = 0; live && i < dm_inventory_scope_count(inv); i++) {
		const dm_scope *s = dm_inventory_scope_at(inv, i);
		json_t *o = NULL;
		for (j = 0; j < json_array_size(live); j++) {
			json_t *c = json_array_get(live, j);
			if (strcmp(json_string_value(json_object_get(c, "provider")), s->provider) == 0 &&
			    strcmp(json_string_value(json_object_get(c, "account")), s->account) == 0 &&
			    strcmp(json_string_value(json_object_get(c, "region")), s->region) == 0) {
				o = c;
				break;
			}
		}
		if (!o) {
			o = json_pack("{s:s,s:s,s:s,s:b,s:i,s:[]}", "provider", s->provider, "account", s->account,
				      "region", s->region, "complete", 1, "api_calls", 0, "errors");
			if (!o || json_array_append_new(live, o) < 0)
				continue;
		}
		json_object_set_new(o, "api_calls",
				    json_integer(json_integer_value(json_object_get(o, "api_calls")) + s->api_calls));
		if (!s->complete) {
			json_object_set_new(o, "complete", json_false());
			json_array_append_new(json_object_get(o, "errors"),
					      json_pack("{s:s,s:s}", "scope", s->api, "error", s->error ? s->error : ""));
		}
	}
	return json_pack("{s:o}", "live", live);
}

static json_t *compliance_json(const dm_posture_compliance *c, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "framework", c[i].framework, "id", c[i].id));
	return a;
}

json_t *dm__posture_framework_json(const dm_posture *p)
{
	const char *fw = dm_posture_framework(p);
	json_t *reqs, *out;
	size_t r, c, i;

	if (!fw)
		return NULL;
	reqs = json_object();
	/* every requirement the rule table maps to the framework */
	for (r = 0; r < dm_posture_rule_count(); r++) {
		const dm_posture_rule *rule = dm_posture_rule_at(r);
		for (c = 0; c < rule->ncompliance; c++) {
			json_t *e, *rules;
			if (strcmp(rule->compliance[c].framework, fw) != 0)
				continue;
			e = json_object_get(reqs, rule->compliance[c].id);
			if (!e) {
				e = json_pack("{s:s,s:[],s:i,s:i,s:i}", "id", rule->compliance[c].id, "rules", "findings", 0,
					      "muted", 0, "not_evaluated", 0);
				json_object_set_new(reqs, rule->compliance[c].id, e);
			}
			rules = json_object_get(e, "rules");
			json_array_append_new(rules, json_string(rule->id));
		}
	}
	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		for (c = 0; c < f->ncompliance; c++) {
			json_t *e;
			const char *k = f->muted ? "muted" : "findings";
			if (strcmp(f->compliance[c].framework, fw) != 0)
				continue;
			e = json_object_get(reqs, f->compliance[c].id);
			if (e)
				json_object_set_new(e, k, json_integer(json_integer_value(json_object_get(e, k)) + 1));
		}
	}
	for (i = 0; i < dm_posture_not_evaluated_count(p); i++) {
		const dm_posture_rule *rule = dm_posture_rule_find(dm_posture_not_evaluated_at(p, i)->rule);
		for (c = 0; rule && c < rule->ncompliance; c++) {
			json_t *e;
			if (strcmp(rule->compliance[c].framework, fw) != 0)
				continue;
			e = json_object_get(reqs, rule->compliance[c].id);
			if (e)
				json_object_set_new(e, "not_evaluated",
						    json_integer(json_integer_value(json_object_get(e, "not_evaluated")) + 1));
		}
	}
	out = json_array();
	{
		const char *k;
		json_t *e;
		json_object_foreach(reqs, k, e) {
			const char *status = json_integer_value(json_object_get(e, "findings")) ? "fail"
					     : json_integer_value(json_object_get(e, "not_evaluated")) ? "not_evaluated"
					     : "pass";
			json_object_set_new(e, "status", json_string(status));
			json_array_append(out, e);
		}
	}
	json_decref(reqs);
	/* sort requirement ids naturally ("1.4" < "1.10") */
	{
		size_t n = json_array_size(out), a, b;
		for (a = 1; a < n; a++) {
			for (b = a; b > 0; b--) {
				const char *x = json_string_value(json_object_get(json_array_get(out, b - 1), "id"));
				const char *y = json_string_value(json_object_get(json_array_get(out, b), "id"));
				int cmp = 0;
				while (*x && *y && !cmp) {
					if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
						long xa = strtol(x, (char **)&x, 10), ya = strtol(y, (char **)&y, 10);
						cmp = (xa > ya) - (xa < ya);
					} else {
						cmp = (*x > *y) - (*x < *y);
						x++;
						y++;
					}
				}
				if (!cmp)
					cmp = (*x != 0) - (*y != 0);
				if (cmp <= 0)
					break;
				{
					json_t *t = json_incref(json_array_get(out, b - 1));
					json_array_set(out, b - 1, json_array_get(out, b));
					json_array_set_new(out, b, t);
				}
			}
		}
	}
	return json_pack("{s:s,s:o}", "id", fw, "requirements", out);
}

static json_t *segmentation_json(const dm_posture *p)
{
	json_t *tiers = json_array(), *pairs = json_array();
	size_t i, j, n;

	for (i = 0; i < dm_posture_tier_count(p); i++) {
		const char *const *subs = dm_posture_tier_subnets(p, i, &n);
		json_t *sa = json_array();
		for (j = 0; j < n; j++)
			json_array_append_new(sa, json_string(subs[j]));
		json_array_append_new(tiers, json_pack("{s:s,s:o}", "name", dm_posture_tier_at(p, i), "subnets", sa));
	}
	for (i = 0; i < dm_posture_pair_count(p); i++) {
		const dm_posture_pair *pr = dm_posture_pair_at(p, i);
		json_t *al = json_array();
		for (j = 0; j < pr->nallowed; j++) {
			const dm_posture_port_range *r = &pr->allowed[j];
			char ports[32];
			if (r->from < 0 || (r->from == 0 && r->to == 65535))
				snprintf(ports, sizeof(ports), "all");
			else if (r->from == r->to)
				snprintf(ports, sizeof(ports), "%d", r->from);
			else
				snprintf(ports, sizeof(ports), "%d-%d", r->from, r->to);
			json_array_append_new(al, json_pack("{s:s,s:s}", "protocol", r->protocol, "ports", ports));
		}
		json_array_append_new(pairs, json_pack("{s:s,s:s,s:o}", "from", pr->from, "to", pr->to, "allowed", al));
	}
	return json_pack("{s:o,s:o}", "tiers", tiers, "pairs", pairs);
}

json_t *dm_posture_json(const dm_posture *p)
{
	json_t *doc = NULL, *findings = json_array(), *ne = json_array(), *mutes = json_array(), *fw;
	dm_posture_summary s;
	long long t0, t1;
	char b0[32], b1[32];
	size_t i;

	if (!findings || !ne || !mutes)
		goto fail;
	dm_posture_summary_get(p, &s);
	dm_posture_times(p, &t0, &t1);
	dm__rfc3339(t0, b0, sizeof(b0));
	dm__rfc3339(t1, b1, sizeof(b1));
	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:o,s:b,s:o}", "fingerprint",
				      f->fingerprint, "rule", f->rule, "area", f->area, "severity",
				      dm_posture_severity_name(f->severity), "title", f->title, "message", f->message, "type",
				      f->type, "resource_id", f->resource_id, "account", f->account, "region", f->region,
				      "sub_key", f->subkey, "evidence", f->evidence, "remediation", f->remediation,
				      "compliance", compliance_json(f->compliance, f->ncompliance), "muted", f->muted,
				      "mute_reason", str_or_null(f->mute_reason));
		if (!o)
			goto fail;
		if (f->first_seen > 0) {
			char fs[32];

			dm__rfc3339(f->first_seen, fs, sizeof(fs));
			if (json_object_set_new(o, "first_seen", json_string(fs)) < 0) {
				json_decref(o);
				goto fail;
			}
		}
		if (json_array_append_new(findings, o) < 0)
			goto fail;
	}
	for (i = 0; i < dm_posture_not_evaluated_count(p); i++) {
		const dm_posture_not_evaluated *n = dm_posture_not_evaluated_at(p, i);
		json_array_append_new(ne, json_pack("{s:s,s:s,s:s}", "rule", n->rule, "scope", n->scope, "reason", n->reason));
	}
	for (i = 0; i < dm_posture_mute_count(p); i++) {
		const dm_posture_mute_status *m = dm_posture_mute_at(p, i);
		json_array_append_new(mutes, json_pack("{s:s,s:o,s:b,s:i}", "reason", m->reason ? m->reason : "",
						       "expires", str_or_null(m->expires), "expired", m->expired,
						       "matched", (int)m->matched));
	}
	doc = json_pack("{s:s,s:{s:s,s:s},s:s,s:s,s:o,s:{s:i,s:i,s:{s:i,s:i,s:i,s:i,s:i},s:{s:i,s:i,s:i},s:i,s:i,s:o},"
			"s:s,s:o,s:o,s:o,s:o}",
			"schema", DM_POSTURE_SCHEMA, "tool", "name", "driftmap", "version", DRIFTMAP_VERSION, "started_at", b0,
			"finished_at", b1, "sources", sources_json(dm_posture_live(p)), "summary", "findings",
			(int)s.findings, "muted", (int)s.muted, "by_severity", "critical", (int)s.by_severity[DM_SEV_CRITICAL],
			"high", (int)s.by_severity[DM_SEV_HIGH], "medium", (int)s.by_severity[DM_SEV_MEDIUM], "low",
			(int)s.by_severity[DM_SEV_LOW], "info", (int)s.by_severity[DM_SEV_INFO], "by_area", "network",
			(int)s.network, "iam", (int)s.iam, "eks", (int)s.eks, "not_evaluated", (int)s.not_evaluated,
			"expired_mutes", (int)s.expired_mutes, "max_severity",
			s.has_max ? json_string(dm_posture_severity_name(s.max_severity)) : json_null(),
			"eks_version_calendar", dm_posture_eks_calendar(p), "not_evaluated", ne, "mutes", mutes, "findings",
			findings, "segmentation", segmentation_json(p));
	ne = mutes = findings = NULL;
	if (!doc)
		return NULL;
	fw = dm__posture_framework_json(p);
	if (fw)
		json_object_set_new(doc, "framework", fw);
	return doc;
fail:
	json_decref(findings);
	json_decref(ne);
	json_decref(mutes);
	json_decref(doc);
	return NULL;
}

static const char *const formats[] = {"text", "json", "ocsf", "csv", "sarif", "junit", "html"};

int dm_posture_format_known(const char *format)
{
	size_t i;

	for (i = 0; format && i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(format, formats[i]) == 0)
			return 1;
	}
	return 0;
}

int dm_posture_write(dm_ctx *ctx, const dm_posture *p, const char *format, const dm_posture_render_options *opts,
		     FILE *out)
{
	dm_posture_render_options dflt;

	if (!opts) {
		memset(&dflt, 0, sizeof(dflt));
		opts = &dflt;
	}
	if (!dm_posture_format_known(format))
		return dm__error(ctx, DM_EINVAL, "unknown posture report format '%s' (text, json, ocsf, csv, sarif, junit, html)",
				 format ? format : "");
	if (strcmp(format, "json") == 0) {
		json_t *doc = dm_posture_json(p);
		int rc;
		if (!doc)
			return dm__error(ctx, DM_ENOMEM, "posture: out of memory building the JSON report");
		rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(doc);
		if (rc < 0 || fputc('\n', out) == EOF)
			return dm__error(ctx, DM_EIO, "posture: cannot write the JSON report");
		return 0;
	}
	if (strcmp(format, "text") == 0)
		return dm__posture_text(ctx, p, opts, out);
	if (strcmp(format, "ocsf") == 0)
		return dm__posture_ocsf(ctx, p, out);
	if (strcmp(format, "csv") == 0)
		return dm__posture_csv(ctx, p, out);
	if (strcmp(format, "sarif") == 0)
		return dm__posture_sarif(ctx, p, out);
	if (strcmp(format, "junit") == 0)
		return dm__posture_junit(ctx, p, out);
	return dm__posture_html(ctx, p, opts, out);
}

int dm_posture_write_file(dm_ctx *ctx, const dm_posture *p, const char *format,
			  const dm_posture_render_options *opts, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
	rc = dm_posture_write(ctx, p, format, opts, f);
	if (fclose(f) != 0 && rc == 0)
		rc = dm__error(ctx, DM_EIO, "%s: cannot buffer the report", path);
	if (rc == 0)
		rc = dm__write_file_atomic(ctx, path, buf ? buf : "", len);
	free(buf);
	return rc;
}
