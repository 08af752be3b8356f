/*
 * driftmap — the SARIF 2.1.0 report, for code-scanning tabs. One rule per
 * finding kind (drift/unmanaged, drift/missing, drift/changed), one result
 * per drift finding (ignored findings are carried as suppressed results),
 * located at the `.tf` declaration of the resource when it can be found, else
 * at the state file. partialFingerprints carry the finding's stable
 * fingerprint so code scanning tracks a finding across runs. Failed live
 * scopes become tool execution notifications.
 */
#include <stdlib.h>
#include <string.h>
#include "report_internal.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

typedef struct rule_def {
	dm_finding_kind kind;
	const char *id;
	const char *name;
	const char *short_desc;
	const char *full_desc;
	const char *help;
	const char *level;
} rule_def;

static const rule_def rules[] = {
	{ DM_FINDING_UNMANAGED, "drift/unmanaged", "UnmanagedResource",
	  "A live cloud resource is in no Terraform state.",
	  "The resource exists in the cloud account but no Terraform state manages it: it was created by hand, by another tool, or its state was lost.",
	  "Import the resource into Terraform (terraform import, or an import block) if it should be managed, delete it if it should not exist, or add it to .driftignore with a reason if it is managed elsewhere.",
	  "warning" },
	{ DM_FINDING_MISSING, "drift/missing", "MissingResource",
	  "A resource in the Terraform state no longer exists live.",
	  "The Terraform state holds the resource but the cloud API no longer returns it: it was deleted outside Terraform. The next terraform apply will try to recreate it.",
	  "Run terraform plan to see the recreation; if the deletion was intended, remove the resource from the configuration (or terraform state rm it).",
	  "warning" },
	{ DM_FINDING_CHANGED, "drift/changed", "ChangedResource",
	  "Live attributes of a managed resource differ from the Terraform state.",
	  "The resource was changed outside Terraform: the attributes listed in the result differ between the state (what Terraform last applied or read) and the live cloud.",
	  "Either apply the Terraform configuration to revert the change, or update the configuration to match the intended live value and apply.",
	  "warning" },
};

static int rule_index(dm_finding_kind k)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].kind == k)
			return (int)i;
	}
	return 0;
}

static const char *level_of(dm_severity s)
{
	if (s >= DM_SEV_HIGH)
		return "error";
	if (s == DM_SEV_MEDIUM)
		return "warning";
	return "note";
}

static int set(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *text_obj(const char *text)
{
	json_t *o = json_object();

	if (o && set(o, "text", dm__rep_jstr(text)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Pattern used below: a child is attached to its parent as soon as it is
 * created (set() steals the reference, also on failure), then filled
 * through the borrowed pointer; failure paths free only the root.
 */
static json_t *rules_json(void)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < sizeof(rules) / sizeof(rules[0]); i++) {
		const rule_def *rd = &rules[i];
		json_t *o = json_object(), *help, *cfg;
		dm_buf md = DM_BUF_INIT;
		int rc;

		if (!o || json_array_append_new(arr, o) < 0)
			goto fail;
		help = text_obj(rd->help);
		cfg = json_object();
		rc = dm__buf_printf(&md, "**%s**\n\n%s\n\n%s", rd->short_desc, rd->full_desc, rd->help);
		if (rc < 0 || set(o, "id", json_string(rd->id)) < 0 ||
		    set(o, "name", json_string(rd->name)) < 0 ||
		    set(o, "shortDescription", text_obj(rd->short_desc)) < 0 ||
		    set(o, "fullDescription", text_obj(rd->full_desc)) < 0) {
			json_decref(help);
			json_decref(cfg);
			dm__buf_free(&md);
			goto fail;
		}
		rc = set(o, "help", help);
		if (rc == 0)
			rc = set(help, "markdown", json_string(md.ptr));
		dm__buf_free(&md);
		if (rc < 0) {
			json_decref(cfg);
			goto fail;
		}
		if (set(o, "defaultConfiguration", cfg) < 0 ||
		    set(cfg, "level", json_string(rd->level)) < 0 ||
		    set(o, "properties", json_pack("{s[sss]}", "tags", "drift", "terraform",
						   "infrastructure")) < 0)
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

/* An artifactLocation for a file path: relative paths against %SRCROOT%. */
static json_t *artifact(const char *file)
{
	json_t *o = json_object();
	dm_buf u = DM_BUF_INIT;
	int rc = 0;

	if (!o)
		return NULL;
	if (strstr(file, "://")) {
		rc = dm__buf_puts(&u, file);
	} else if (file[0] == '/') {
		rc = dm__buf_puts(&u, "file://");
		if (rc == 0)
			rc = dm__esc_uri_path(&u, file);
	} else {
		rc = dm__esc_uri_path(&u, strncmp(file, "./", 2) == 0 ? file + 2 : file);
		if (rc == 0)
			rc = set(o, "uriBaseId", json_string("%SRCROOT%"));
	}
	if (rc < 0 || set(o, "uri", dm__rep_jstr(u.ptr ? u.ptr : "")) < 0) {
		json_decref(o);
		o = NULL;
	}
	dm__buf_free(&u);
	return o;
}

static json_t *location(const dm__report *r, const dm_finding *f)
{
	json_t *loc = json_object(), *phys = NULL, *logical = NULL, *lo = NULL;
	dm__report_loc where;
	const char *file;
	unsigned line;

	if (!loc)
		return NULL;
	dm__report_locate(r, f, &where);
	file = where.file;
	line = where.line;
	if (!file && f->kind == DM_FINDING_UNMANAGED) {
		/* no state holds it: point at the first state file, where it would be imported */
		const dm_inventory *st = dm_drift_state(r->d);

		if (st && dm_inventory_source_count(st) > 0) {
			const dm_source_info *src = dm_inventory_source_at(st, 0);

			if (dm__srcloc_find(r->loc, src->uri, src->commit, NULL, NULL, &file, &line) < 0)
				goto fail;
			line = 0;
		}
	}
	if (file) {
		phys = json_object();
		if (set(loc, "physicalLocation", phys) < 0 ||
		    set(phys, "artifactLocation", artifact(file)) < 0)
			goto fail;
		/* the state file fallback has no line: its first line stands for the file */
		if (set(phys, "region", json_pack("{sI}", "startLine", (json_int_t)(line ? line : 1))) < 0)
			goto fail;
	}
	logical = json_array();
	if (set(loc, "logicalLocations", logical) < 0)
		goto fail;
	lo = json_object();
	if (json_array_append_new(logical, lo) < 0)
		goto fail;
	{
		dm_buf fq = DM_BUF_INIT;
		int rc = f->address ? dm__buf_puts(&fq, f->address)
				    : dm__buf_printf(&fq, "%s/%s/%s/%s/%s", f->provider ? f->provider : "-",
						     f->account ? f->account : "-", f->region ? f->region : "-",
						     f->type, f->resource_id);

		if (rc < 0 || set(lo, "name", dm__rep_jstr(f->resource_id)) < 0 ||
		    set(lo, "fullyQualifiedName", dm__rep_jstr(fq.ptr)) < 0 ||
		    set(lo, "kind", json_string("resource")) < 0) {
			dm__buf_free(&fq);
			goto fail;
		}
		dm__buf_free(&fq);
	}
	return loc;
fail:
	json_decref(loc);
	return NULL;
}


static json_t *result(const dm__report *r, const dm_finding *f)
{
	json_t *o = json_object(), *locs, *pf, *props;
	dm_buf msg = DM_BUF_INIT;
	int ri = rule_index(f->kind);

	if (!o)
		return NULL;
	if (dm__buf_printf(&msg, "%s: ", dm_finding_kind_name(f->kind)) < 0 ||
	    dm__finding_summary(&msg, f) < 0 || dm__buf_puts(&msg, ".") < 0)
		goto fail;
	if ((f->account || f->region) &&
	    dm__buf_printf(&msg, " Account %s, region %s.", f->account ? f->account : "-",
			   f->region ? f->region : "-") < 0)
		goto fail;
	if (set(o, "ruleId", json_string(rules[ri].id)) < 0 ||
	    set(o, "ruleIndex", json_integer(ri)) < 0 ||
	    set(o, "level", json_string(level_of(f->severity))) < 0 ||
	    set(o, "message", text_obj(msg.ptr)) < 0)
		goto fail;
	locs = json_array();
	if (set(o, "locations", locs) < 0 || json_array_append_new(locs, location(r, f)) < 0)
		goto fail;
	pf = json_object();
	if (set(o, "partialFingerprints", pf) < 0 ||
	    set(pf, "driftmapFingerprint/v1", json_string(f->fingerprint)) < 0)
		goto fail;
	if (f->ignored && set(o, "suppressions",
			      json_pack("[{ss,ss}]", "kind", "external", "justification",
					"matched a .driftignore rule")) < 0)
		goto fail;
	props = json_object();
	if (set(o, "properties", props) < 0 ||
	    set(props, "kind", json_string(dm_finding_kind_name(f->kind))) < 0 ||
	    set(props, "severity", json_string(dm__sev_name(f->severity))) < 0 ||
	    set(props, "provider", dm__rep_jstr_or_null(f->provider)) < 0 ||
	    set(props, "type", dm__rep_jstr_or_null(f->type)) < 0 ||
	    set(props, "resource_id", dm__rep_jstr_or_null(f->resource_id)) < 0 ||
	    set(props, "address", dm__rep_jstr_or_null(f->address)) < 0 ||
	    set(props, "account", dm__rep_jstr_or_null(f->account)) < 0 ||
	    set(props, "region", dm__rep_jstr_or_null(f->region)) < 0 ||
	    set(props, "state_uri", dm__rep_jstr_or_null(f->state_uri)) < 0 ||
	    set(props, "commit", dm__rep_jstr_or_null(f->commit)) < 0 ||
	    set(props, "changes", dm__report_changes_json(f)) < 0)
		goto fail;
	dm__buf_free(&msg);
	return o;
fail:
	json_decref(o);
	dm__buf_free(&msg);
	return NULL;
}

static json_t *invocation(const dm__report *r)
{
	const dm_scope **sc;
	json_t *inv = NULL, *notes = NULL;
	size_t nsc = 0, i, k;
	long long t0 = 0, t1 = 0;
	char ts0[40], ts1[40];

	sc = dm__report_sorted_scopes(dm_drift_live(r->d), &nsc);
	if (!sc)
		return NULL;
	dm_drift_times(r->d, &t0, &t1);
	dm__rfc3339(t0, ts0, sizeof(ts0));
	dm__rfc3339(t1, ts1, sizeof(ts1));
	inv = json_pack("{sb,ss,ss}", "executionSuccessful", 1, "startTimeUtc", ts0, "endTimeUtc", ts1);
	notes = json_array();
	if (!inv || !notes)
		goto fail;
	for (i = 0; i < nsc; i++) {
		const dm_scope *s = sc[i];
		dm_buf m = DM_BUF_INIT;
		json_t *n;
		int rc;

		if (s->complete)
			continue;
		rc = dm__buf_printf(&m, "Incomplete scan: %s %s %s %s failed (", s->provider ? s->provider : "-",
				    s->account ? s->account : "-", s->region ? s->region : "-",
				    s->api ? s->api : "?");
		for (k = 0; k < s->ntypes && rc == 0; k++)
			rc = dm__buf_printf(&m, "%s%s", k ? ", " : "", s->types[k]);
		if (rc == 0)
			rc = dm__buf_printf(&m, "): %s. Nothing in this scope is reported missing or unmanaged.",
					    s->error ? s->error : "failed");
		n = json_object();
		if (rc < 0 || !n || json_array_append_new(notes, n) < 0 ||
		    set(n, "level", json_string("error")) < 0 ||
		    set(n, "message", text_obj(m.ptr)) < 0) {
			dm__buf_free(&m);
			goto fail;
		}
		dm__buf_free(&m);
	}
	if (json_array_size(notes) > 0) {
		if (set(inv, "toolExecutionNotifications", notes) < 0) {
			notes = NULL;
			goto fail;
		}
	} else {
		json_decref(notes);
	}
	free(sc);
	return inv;
fail:
	free(sc);
	json_decref(notes);
	json_decref(inv);
	return NULL;
}

int dm__report_sarif(const dm__report *r, dm_buf *out)
{
	json_t *doc = NULL, *run = NULL, *driver = NULL, *results = NULL;
	char *txt = NULL;
	size_t i;
	int rc = DM_ENOMEM;

	doc = json_pack("{ss,ss}", "$schema", SARIF_SCHEMA, "version", "2.1.0");
	run = json_object();
	if (!doc || !run || set(doc, "runs", json_pack("[o]", run)) < 0)
		goto done;
	driver = json_pack("{ss,ss,ss,ss}", "name", "driftmap", "fullName",
			   "driftmap: Terraform state vs live infrastructure drift",
			   "version", dm_version(), "semanticVersion", dm_version());
	if (!driver || set(driver, "rules", rules_json()) < 0 ||
	    set(run, "tool", json_pack("{so}", "driver", driver)) < 0)
		goto done;
	driver = NULL;
	if (set(run, "invocations", json_pack("[o]", invocation(r))) < 0)
		goto done;
	if (set(run, "originalUriBaseIds",
		json_pack("{s{s{ss}}}", "%SRCROOT%", "description", "text",
			  "The root of the repository holding the Terraform configuration and state.")) < 0)
		goto done;
	results = json_array();
	if (set(run, "results", results) < 0)
		goto done;
	for (i = 0; i < dm_drift_count(r->d); i++) {
		if (json_array_append_new(results, result(r, dm_drift_at(r->d, i))) < 0)
			goto done;
	}
	if (set(run, "columnKind", json_string("unicodeCodePoints")) < 0)
		goto done;
	txt = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	if (!txt)
		goto done;
	rc = dm__buf_puts(out, txt);
	if (rc == 0)
		rc = dm__buf_putc(out, '\n');
done:
	free(txt);
	json_decref(doc);
	return rc;
}
