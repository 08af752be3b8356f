/*
 * driftmap posture — interchange renderers: OCSF Detection Finding (class
 * 2004) JSON, CSV for auditors, SARIF 2.1.0 and JUnit XML.
 */
#include <string.h>
#include "posture_internal.h"

static int ocsf_severity_id(dm_severity s)
{
	/* OCSF: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical */
	return (int)s + 1;
}

int dm__posture_ocsf(dm_ctx *ctx, const dm_posture *p, FILE *out)
{
	json_t *arr = json_array();
	long long t0, t1;
	size_t i, c;
	int rc = 0;

	dm_posture_times(p, &t0, &t1);
	for (i = 0; arr && i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		json_t *comp = json_array(), *o;
		for (c = 0; c < f->ncompliance; c++) {
			char buf[128];
			snprintf(buf, sizeof(buf), "%s %s", f->compliance[c].framework, f->compliance[c].id);
			json_array_append_new(comp, json_string(buf));
		}
		o = json_pack("{s:i,s:s,s:i,s:s,s:i,s:i,s:s,s:i,s:s,s:I,"
			      "s:{s:s,s:s,s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}},s:[s]},"
			      "s:{s:s,s:s,s:s,s:o},"
			      "s:[{s:s,s:s,s:s,s:s,s:O}],"
			      "s:{s:s,s:s,s:{s:s}},"
			      "s:{s:s},s:o,s:s}",
			      "class_uid", 2004, "class_name", "Detection Finding", "category_uid", 2, "category_name",
			      "Findings", "activity_id", 1, "type_uid", 200401, "type_name", "Detection Finding: Create",
			      "severity_id", ocsf_severity_id(f->severity), "severity", dm_posture_severity_name(f->severity),
			      "time", (json_int_t)(t1 ? t1 : t0) * 1000,
			      "finding_info", "uid", f->fingerprint, "title", f->title, "desc", f->message, "analytic",
			      "uid", f->rule, "name", f->rule, "type", "Rule", "product", "name", "driftmap", "version",
			      DRIFTMAP_VERSION, "types", f->area,
			      "cloud", "provider", "AWS", "account_uid", f->account, "region", f->region, "account",
			      json_pack("{s:s,s:s}", "uid", f->account, "type", "AWS Account"),
			      "resources", "uid", f->resource_id, "type", f->type, "cloud_partition", "aws", "region",
			      f->region, "data", f->evidence,
			      "metadata", "version", "1.3.0", "event_code", f->rule, "product", "name", "driftmap",
			      "remediation", "desc", f->remediation, "unmapped", json_pack("{s:o,s:s}", "compliance", comp,
											   "sub_key", f->subkey),
			      "status", f->muted ? "Suppressed" : "New");
		if (!o || json_array_append_new(arr, o) < 0) {
			rc = dm__error(ctx, DM_ENOMEM, "posture: out of memory building OCSF");
			break;
		}
		json_object_set_new(o, "status_id", json_integer(f->muted ? 3 : 1));
		if (f->muted)
			json_object_set_new(o, "status_detail", json_string(f->mute_reason));
	}
	if (!arr)
		return dm__error(ctx, DM_ENOMEM, "posture: out of memory building OCSF");
	if (rc == 0 && (json_dumpf(arr, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', out) == EOF))
		rc = dm__error(ctx, DM_EIO, "posture: cannot write the OCSF report");
	json_decref(arr);
	return rc;
}

static int csv_field(FILE *out, const char *s, int last)
{
	int e = fputc('"', out) == EOF;

	/* neutralise spreadsheet formulas (=, +, -, @ at the start) */
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		e |= fputc('\'', out) == EOF;
	for (; s && *s; s++) {
		if (*s == '"')
			e |= fputc('"', out) == EOF;
		e |= fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out) == EOF;
	}
	e |= fputc('"', out) == EOF;
	e |= fputc(last ? '\n' : ',', out) == EOF;
	return e;
}

int dm__posture_csv(dm_ctx *ctx, const dm_posture *p, FILE *out)
{
	size_t i, c;
	int e = 0;

	e |= fputs("FINDING_UID,CHECK_ID,STATUS,SEVERITY,AREA,TITLE,STATUS_EXTENDED,RESOURCE_TYPE,RESOURCE_UID,"
		   "ACCOUNT_ID,REGION,SUB_KEY,MUTED,MUTE_REASON,COMPLIANCE,REMEDIATION,EVIDENCE\n", out) == EOF;
	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		dm_buf comp = DM_BUF_INIT;
		char *ev = json_dumps(f->evidence, JSON_COMPACT | JSON_SORT_KEYS);
		for (c = 0; c < f->ncompliance; c++)
			dm__buf_printf(&comp, "%s%s:%s", c ? "|" : "", f->compliance[c].framework, f->compliance[c].id);
		e |= csv_field(out, f->fingerprint, 0);
		e |= csv_field(out, f->rule, 0);
		e |= csv_field(out, f->muted ? "MUTED" : "FAIL", 0);
		e |= csv_field(out, dm_posture_severity_name(f->severity), 0);
		e |= csv_field(out, f->area, 0);
		e |= csv_field(out, f->title, 0);
		e |= csv_field(out, f->message, 0);
		e |= csv_field(out, f->type, 0);
		e |= csv_field(out, f->resource_id, 0);
		e |= csv_field(out, f->account, 0);
		e |= csv_field(out, f->region, 0);
		e |= csv_field(out, f->subkey, 0);
		e |= csv_field(out, f->muted ? "true" : "false", 0);
		e |= csv_field(out, f->mute_reason ? f->mute_reason : "", 0);
		e |= csv_field(out, comp.ptr ? comp.ptr : "", 0);
		e |= csv_field(out, f->remediation, 0);
		e |= csv_field(out, ev ? ev : "{}", 1);
		free(ev);
		dm__buf_free(&comp);
	}
	return e ? dm__error(ctx, DM_EIO, "posture: cannot write the CSV report") : 0;
}

static const char *sarif_level(dm_severity s)
{
	return s >= DM_SEV_HIGH ? "error" : s == DM_SEV_MEDIUM ? "warning" : "note";
}

int dm__posture_sarif(dm_ctx *ctx, const dm_posture *p, FILE *out)
{
	json_t *rules = json_array(), *results = json_array(), *doc;
	size_t i;
	int rc = 0;

	for (i = 0; i < dm_posture_rule_count(); i++) {
		const dm_posture_rule *r = dm_posture_rule_at(i);
		json_array_append_new(rules, json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:s},s:{s:s}}", "id", r->id, "name",
						       r->id, "shortDescription", "text", r->title, "fullDescription", "text",
						       r->severity_text, "help", "text", r->remediation,
						       "defaultConfiguration", "level", sarif_level(r->severity)));
	}
	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *f = dm_posture_at(p, i);
		char uri[512];
		json_t *res;
		snprintf(uri, sizeof(uri), "aws://%s/%s/%s/%s", f->account, f->region, f->type, f->resource_id);
		res = json_pack("{s:s,s:s,s:{s:s},s:[{s:{s:{s:s}},s:[{s:s,s:s}]}],s:{s:s},s:{s:s,s:O}}", "ruleId",
				f->rule, "level", sarif_level(f->severity), "message", "text", f->message, "locations",
				"physicalLocation", "artifactLocation", "uri", uri, "logicalLocations", "name",
				f->resource_id, "kind", "resource", "partialFingerprints", "driftmap/v1", f->fingerprint,
				"properties", "severity", dm_posture_severity_name(f->severity), "evidence", f->evidence);
		if (res && f->muted)
			json_object_set_new(res, "suppressions",
					    json_pack("[{s:s,s:s}]", "kind", "external", "justification", f->mute_reason));
		json_array_append_new(results, res);
	}
	doc = json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:s,s:o}},s:o}]}", "$schema",
			"https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver",
			"name", "driftmap", "version", DRIFTMAP_VERSION, "informationUri",
			"https://github.com/driftmap/driftmap", "rules", rules, "results", results);
	if (!doc)
		return dm__error(ctx, DM_ENOMEM, "posture: out of memory building SARIF");
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', out) == EOF)
		rc = dm__error(ctx, DM_EIO, "posture: cannot write the SARIF report");
	json_decref(doc);
	return rc;
}

static int xml_text(FILE *out, const char *s)
{
	int e = 0;

	for (; s && *s; s++) {
		switch (*s) {
		case '<': e |= fputs("&lt;", out) == EOF; break;
		case '>': e |= fputs("&gt;", out) == EOF; break;
		case '&': e |= fputs("&amp;", out) == EOF; break;
		case '"': e |= fputs("&quot;", out) == EOF; break;
		case '\'': e |= fputs("&apos;", out) == EOF; break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				break;
			e |= fputc(*s, out) == EOF;
		}
	}
	return e;
}

int dm__posture_junit(dm_ctx *ctx, const dm_posture *p, FILE *out)
{
	size_t r, i, fails, total;
	int e = 0;

	e |= fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"driftmap posture\">\n", out) == EOF;
	for (r = 0; r < dm_posture_rule_count(); r++) {
		const dm_posture_rule *rule = dm_posture_rule_at(r);
		int skipped = 0;
		fails = total = 0;
		for (i = 0; i < dm_posture_count(p); i++) {
			const dm_posture_finding *f = dm_posture_at(p, i);
			if (strcmp(f->rule, rule->id) == 0) {
				total++;
				fails += !f->muted;
			}
		}
		for (i = 0; i < dm_posture_not_evaluated_count(p); i++)
			skipped |= strcmp(dm_posture_not_evaluated_at(p, i)->rule, rule->id) == 0;
		e |= fprintf(out, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", rule->id,
			     total ? total : 1, fails, total - fails + (size_t)(!total && skipped)) < 0;
		if (!total) {
			e |= fprintf(out, "    <testcase classname=\"%s\" name=\"", rule->id) < 0;
			e |= xml_text(out, rule->title);
			e |= fputs(skipped ? "\"><skipped message=\"not evaluated (see report)\"/></testcase>\n" : "\"/>\n",
				   out) == EOF;
		}
		for (i = 0; i < dm_posture_count(p); i++) {
			const dm_posture_finding *f = dm_posture_at(p, i);
			if (strcmp(f->rule, rule->id) != 0)
				continue;
			e |= fprintf(out, "    <testcase classname=\"%s\" name=\"", rule->id) < 0;
			e |= xml_text(out, f->resource_id);
			e |= fprintf(out, " %s\">", f->fingerprint) < 0;
			if (f->muted) {
				e |= fputs("<skipped message=\"muted: ", out) == EOF;
				e |= xml_text(out, f->mute_reason);
				e |= fputs("\"/>", out) == EOF;
			} else {
				e |= fprintf(out, "<failure type=\"%s\" message=\"", dm_posture_severity_name(f->severity)) < 0;
				e |= xml_text(out, f->message);
				e |= fputs("\">", out) == EOF;
				e |= xml_text(out, f->remediation);
				e |= fputs("</failure>", out) == EOF;
			}
			e |= fputs("</testcase>\n", out) == EOF;
		}
		e |= fputs("  </testsuite>\n", out) == EOF;
	}
	e |= fputs("</testsuites>\n", out) == EOF;
	return e ? dm__error(ctx, DM_EIO, "posture: cannot write the JUnit report") : 0;
}
