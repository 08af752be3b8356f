/*
 * driftmap — the JSON report (`driftmap.report/v1`, DESIGN.md "JSON
 * report"). A contract: fields are only ever added. Additions over the
 * DESIGN.md shape: drift[].severity, drift[].commit, drift[].source (when a
 * declaration was located), sources.state[].terraform_version, ignored[]
 * (ignored findings, same shape as drift[]).
 */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "report_internal.h"

/* Objects are built with *_set_new; a NULL value marks allocation failure. */
static int set(json_t *o, const char *k, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(o, k, v);
}

static json_t *source_json(const dm_source_info *s)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (set(o, "uri", dm__rep_jstr_or_null(s->uri)) < 0 ||
	    set(o, "commit", dm__rep_jstr_or_null(s->commit)) < 0 ||
	    set(o, "serial", json_integer(s->serial)) < 0 ||
	    set(o, "lineage", dm__rep_jstr_or_null(s->lineage)) < 0 ||
	    set(o, "resources", json_integer((json_int_t)s->resources)) < 0 ||
	    set(o, "terraform_version", dm__rep_jstr_or_null(s->terraform_version)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : (b ? -1 : 0);
	return strcmp(a, b);
}

static int scope_cmp(const void *pa, const void *pb)
{
	const dm_scope *a = *(const dm_scope *const *)pa, *b = *(const dm_scope *const *)pb;
	int c = strcmp_null(a->provider, b->provider);

	if (c == 0)
		c = strcmp_null(a->account, b->account);
	if (c == 0)
		c = strcmp_null(a->region, b->region);
	if (c == 0)
		c = strcmp_null(a->api, b->api);
	return c;
}

const dm_scope **dm__report_sorted_scopes(const dm_inventory *live, size_t *n)
{
	size_t i, count = live ? dm_inventory_scope_count(live) : 0;
	const dm_scope **v = dm__calloc(count ? count : 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (i = 0; i < count; i++)
		v[i] = dm_inventory_scope_at(live, i);
	qsort(v, count, sizeof(*v), scope_cmp);
	*n = count;
	return v;
}

static json_t *live_sources(const dm_scope **sc, size_t n)
{
	json_t *arr = json_array(), *cur = NULL, *errors = NULL;
	const dm_scope *first = NULL;
	unsigned long long calls = 0;
	int complete = 1;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i <= n; i++) {
		const dm_scope *s = i < n ? sc[i] : NULL;

		if (first && (!s || strcmp_null(s->provider, first->provider) ||
			      strcmp_null(s->account, first->account) ||
			      strcmp_null(s->region, first->region))) {
			/* close the group of `first` */
			if (set(cur, "complete", json_boolean(complete)) < 0 ||
			    set(cur, "api_calls", json_integer((json_int_t)calls)) < 0 ||
			    set(cur, "errors", errors) < 0 || json_array_append_new(arr, cur) < 0)
				goto fail;
			cur = errors = NULL;
			first = NULL;
		}
		if (!s)
			break;
		if (!first) {
			first = s;
			calls = 0;
			complete = 1;
			cur = json_object();
			errors = json_array();
			if (!cur || !errors ||
			    set(cur, "provider", dm__rep_jstr_or_null(s->provider)) < 0 ||
			    set(cur, "account", dm__rep_jstr_or_null(s->account)) < 0 ||
			    set(cur, "region", dm__rep_jstr_or_null(s->region)) < 0)
				goto fail;
		}
		calls += s->api_calls;
		if (!s->complete) {
			dm_buf e = DM_BUF_INIT;
			json_t *es;

			complete = 0;
			if (dm__buf_printf(&e, "%s: %s", s->api ? s->api : "?",
					   s->error ? s->error : "failed") < 0) {
				dm__buf_free(&e);
				goto fail;
			}
			es = dm__rep_jstr(e.ptr);
			dm__buf_free(&e);
			if (!es || json_array_append_new(errors, es) < 0)
				goto fail;
		}
	}
	return arr;
fail:
	json_decref(cur);
	json_decref(errors);
	json_decref(arr);
	return NULL;
}

static json_t *incomplete_json(const dm_scope **sc, size_t n)
{
	json_t *arr = json_array();
	size_t i, k;

	if (!arr)
		return NULL;
	for (i = 0; i < n; i++) {
		const dm_scope *s = sc[i];
		json_t *o, *types;

		if (s->complete)
			continue;
		o = json_object();
		types = json_array();
		if (!o || !types || json_array_append_new(arr, o) < 0) {
			json_decref(o);
			json_decref(types);
			goto fail;
		}
		for (k = 0; k < s->ntypes; k++) {
			if (json_array_append_new(types, dm__rep_jstr(s->types[k])) < 0) {
				json_decref(types);
				goto fail;
			}
		}
		if (set(o, "provider", dm__rep_jstr_or_null(s->provider)) < 0 ||
		    set(o, "account", dm__rep_jstr_or_null(s->account)) < 0 ||
		    set(o, "region", dm__rep_jstr_or_null(s->region)) < 0 ||
		    set(o, "scope", dm__rep_jstr_or_null(s->api)) < 0 ||
		    set(o, "types", types) < 0 ||
		    set(o, "error", dm__rep_jstr_or_null(s->error ? s->error : "failed")) < 0)
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

json_t *dm__report_changes_json(const dm_finding *f)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < f->nchanges; i++) {
		const dm_change *c = &f->changes[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(arr, o) < 0 ||
		    set(o, "path", dm__rep_jstr(c->path)) < 0 ||
		    set(o, "op", json_string(dm_change_op_name(c->op))) < 0 ||
		    set(o, "state", dm__report_value(f, c->path, c->state)) < 0 ||
		    set(o, "live", dm__report_value(f, c->path, c->live)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *rfc3339_json(long long t)
{
	char buf[32];

	dm__rfc3339(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *finding_json(const dm_finding *f, dm__srcloc *loc)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (set(o, "fingerprint", json_string(f->fingerprint)) < 0 ||
	    set(o, "kind", json_string(dm_finding_kind_name(f->kind))) < 0 ||
	    set(o, "severity", json_string(dm__sev_name(f->severity))) < 0 ||
	    (f->first_seen > 0 && set(o, "first_seen", rfc3339_json(f->first_seen)) < 0) ||
	    set(o, "provider", dm__rep_jstr_or_null(f->provider)) < 0 ||
	    set(o, "type", dm__rep_jstr_or_null(f->type)) < 0 ||
	    set(o, "resource_id", dm__rep_jstr_or_null(f->resource_id)) < 0 ||
	    set(o, "address", dm__rep_jstr_or_null(f->address)) < 0 ||
	    set(o, "state_uri", dm__rep_jstr_or_null(f->state_uri)) < 0 ||
	    set(o, "commit", dm__rep_jstr_or_null(f->commit)) < 0 ||
	    set(o, "account", dm__rep_jstr_or_null(f->account)) < 0 ||
	    set(o, "region", dm__rep_jstr_or_null(f->region)) < 0 ||
	    set(o, "changes", dm__report_changes_json(f)) < 0)
		goto fail;
	if (loc && f->state_uri && f->address) {
		const char *file = NULL;
		unsigned line = 0;
		int rc = dm__srcloc_find(loc, f->state_uri, f->commit, f->type, f->address,
					 &file, &line);

		if (rc == DM_ENOMEM)
			goto fail;
		if ((rc == 1 || rc == 2) && file) {
			json_t *src = json_object();

			if (set(o, "source", src) < 0 ||
			    set(src, "file", dm__rep_jstr(file)) < 0 ||
			    set(src, "line", json_integer(line)) < 0)
				goto fail;
		}
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* with_findings 0: drift[] and ignored[] left empty (the renderer streams them). */
static json_t *build_doc(const dm_drift *d, dm__srcloc *loc, int with_findings)
{
	const dm_inventory *state = dm_drift_state(d), *live = dm_drift_live(d);
	const dm_summary *sum = dm_drift_summary(d);
	const dm_scope **sc = NULL;
	json_t *doc = json_object(), *tool = NULL, *sources = NULL, *st = NULL, *summary = NULL,
	       *drift = NULL, *ignored = NULL;
	long long t0 = 0, t1 = 0;
	char ts[40];
	size_t i, nsc = 0;
	int rc;

	if (!doc)
		return NULL;
	dm_drift_times(d, &t0, &t1);
	sc = dm__report_sorted_scopes(live, &nsc);
	if (!sc)
		goto fail;

	if (set(doc, "schema", json_string("driftmap.report/v1")) < 0)
		goto fail;
	tool = json_object();
	if (set(doc, "tool", tool) < 0 ||
	    set(tool, "name", json_string("driftmap")) < 0 ||
	    set(tool, "version", json_string(dm_version())) < 0)
		goto fail;
	dm__rfc3339(t0, ts, sizeof(ts));
	if (set(doc, "started_at", json_string(ts)) < 0)
		goto fail;
	dm__rfc3339(t1, ts, sizeof(ts));
	if (set(doc, "finished_at", json_string(ts)) < 0)
		goto fail;

	sources = json_object();
	st = json_array();
	if (set(doc, "sources", sources) < 0 || set(sources, "state", st) < 0)
		goto fail;
	for (i = 0; state && i < dm_inventory_source_count(state); i++) {
		if (json_array_append_new(st, source_json(dm_inventory_source_at(state, i))) < 0)
			goto fail;
	}
	if (set(sources, "live", live_sources(sc, nsc)) < 0)
		goto fail;

	summary = json_object();
	if (set(doc, "summary", summary) < 0 ||
	    set(summary, "managed", json_integer((json_int_t)sum->managed)) < 0 ||
	    set(summary, "in_sync", json_integer((json_int_t)sum->in_sync)) < 0 ||
	    set(summary, "unmanaged", json_integer((json_int_t)sum->unmanaged)) < 0 ||
	    set(summary, "missing", json_integer((json_int_t)sum->missing)) < 0 ||
	    set(summary, "changed", json_integer((json_int_t)sum->changed)) < 0 ||
	    set(summary, "ignored", json_integer((json_int_t)sum->ignored)) < 0 ||
	    set(summary, "coverage", json_real(round(sum->coverage * 1e6) / 1e6)) < 0 ||
	    set(summary, "complete", json_boolean(sum->complete)) < 0)
		goto fail;

	drift = json_array();
	ignored = json_array();
	if (set(doc, "drift", drift) < 0)
		goto fail;
	for (i = 0; with_findings && i < dm_drift_count(d); i++) {
		const dm_finding *f = dm_drift_at(d, i);

		if (json_array_append_new(f->ignored ? ignored : drift, finding_json(f, loc)) < 0)
			goto fail;
	}
	if (set(doc, "incomplete", incomplete_json(sc, nsc)) < 0)
		goto fail;
	rc = set(doc, "ignored", ignored); /* steals the reference, also on failure */
	ignored = NULL;
	if (rc < 0)
		goto fail;
	free(sc);
	return doc;
fail:
	free(sc);
	json_decref(ignored);
	json_decref(doc);
	return NULL;
}

json_t *dm__report_json_build(const dm_drift *d, dm__srcloc *loc)
{
	return build_doc(d, loc, 1);
}

/*
 * The findings are written straight into the buffer, byte for byte what
 * json_dumps(JSON_INDENT(2) | JSON_REAL_PRECISION(15)) gives for the whole
 * document (the reference tree is build_doc(d, loc, 1); tests compare the
 * two): an element of a top-level member's array sits 4 spaces in, its
 * members 6. Only a non-empty changes[] still goes through jansson (redacted
 * values, reals), dumped alone and re-indented.
 */
#define MEMBER_INDENT "\n      "
/* ",\n      \"key\": " as a literal and its length */
#define MEMBER(k) "," MEMBER_INDENT "\"" k "\": "
#define PUT_LIT(out, lit) dm__buf_put((out), (lit), sizeof(lit) - 1)
#define PUT_STR_MEMBER(out, k, v) put_str_member((out), MEMBER(k), sizeof(MEMBER(k)) - 1, (v))

static int put_str_member(dm_buf *out, const char *key, size_t klen, const char *v)
{
	int rc = dm__buf_put(out, key, klen);

	return rc ? rc : dm__esc_json(out, v);
}

/* changes[] of a finding at member depth: [] or the jansson dump re-indented by 6. */
static int put_changes(const dm_finding *f, dm_buf *out)
{
	json_t *arr;
	char *txt, *p, *nl;
	int rc = 0;

	if (f->nchanges == 0)
		return PUT_LIT(out, "[]");
	arr = dm__report_changes_json(f);
	txt = arr ? json_dumps(arr, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(arr);
	if (!txt)
		return DM_ENOMEM;
	for (p = txt; rc == 0 && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		rc = dm__buf_put(out, p, (size_t)(nl - p));
		if (rc == 0)
			rc = PUT_LIT(out, MEMBER_INDENT);
	}
	if (rc == 0)
		rc = dm__buf_puts(out, p);
	free(txt);
	return rc;
}

/* One finding, the same members in the same order as finding_json(). */
static int put_finding(const dm_finding *f, dm__srcloc *loc, dm_buf *out)
{
	char ts[32];
	int rc;

	rc = PUT_LIT(out, "{" MEMBER_INDENT "\"fingerprint\": ");
	if (rc == 0)
		rc = dm__esc_json(out, f->fingerprint);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "kind", dm_finding_kind_name(f->kind));
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "severity", dm__sev_name(f->severity));
	if (rc == 0 && f->first_seen > 0) {
		dm__rfc3339(f->first_seen, ts, sizeof(ts));
		rc = PUT_STR_MEMBER(out, "first_seen", ts);
	}
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "provider", f->provider);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "type", f->type);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "resource_id", f->resource_id);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "address", f->address);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "state_uri", f->state_uri);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "commit", f->commit);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "account", f->account);
	if (rc == 0)
		rc = PUT_STR_MEMBER(out, "region", f->region);
	if (rc == 0)
		rc = PUT_LIT(out, MEMBER("changes"));
	if (rc == 0)
		rc = put_changes(f, out);
	if (rc == 0 && loc && f->state_uri && f->address) {
		const char *file = NULL;
		unsigned line = 0;
		int lrc = dm__srcloc_find(loc, f->state_uri, f->commit, f->type, f->address,
					  &file, &line);

		if (lrc == DM_ENOMEM)
			return DM_ENOMEM;
		if ((lrc == 1 || lrc == 2) && file) {
			rc = PUT_LIT(out, MEMBER("source") "{" MEMBER_INDENT "  \"file\": ");
			if (rc == 0)
				rc = dm__esc_json(out, file);
			if (rc == 0)
				rc = dm__buf_printf(out, "," MEMBER_INDENT "  \"line\": %u" MEMBER_INDENT "}",
						    line);
		}
	}
	if (rc == 0)
		rc = PUT_LIT(out, "\n    }");
	return rc;
}

/* The findings (ignored or not) as the elements of a top-level array. */
static int put_findings(const dm__report *r, int ignored, dm_buf *out)
{
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; rc == 0 && i < dm_drift_count(r->d); i++) {
		const dm_finding *f = dm_drift_at(r->d, i);

		if (!f->ignored != !ignored)
			continue;
		rc = n++ ? PUT_LIT(out, ",\n    ") : PUT_LIT(out, "\n    ");
		if (rc == 0)
			rc = put_finding(f, r->loc, out);
	}
	if (rc == 0 && n)
		rc = PUT_LIT(out, "\n  ");
	return rc;
}

int dm__report_json_render(const dm__report *r, dm_buf *out)
{
	static const char k_drift[] = "\n  \"drift\": []", k_ignored[] = "\n  \"ignored\": []";
	json_t *doc = build_doc(r->d, r->loc, 0);
	char *txt = NULL, *a, *b;
	int rc;

	if (!doc)
		return DM_ENOMEM;
	txt = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	json_decref(doc);
	if (!txt)
		return DM_ENOMEM;
	/* the two empty top-level arrays (2-space indent: no nested key matches) get the findings */
	a = strstr(txt, k_drift);
	b = a ? strstr(a, k_ignored) : NULL;
	if (!a || !b) {
		free(txt);
		return DM_ERROR;
	}
	a += sizeof(k_drift) - 2; /* just before the ']' */
	b += sizeof(k_ignored) - 2;
	/* room for the findings up front (an unmanaged one is ~420 bytes): no doubling copies of a
	 * large report; too small an estimate only means growing as before */
	if (dm_drift_count(r->d) > 1000)
		(void)dm__buf_reserve(out, strlen(txt) + dm_drift_count(r->d) * 448);
	rc = dm__buf_put(out, txt, (size_t)(a - txt));
	if (rc == 0)
		rc = put_findings(r, 0, out);
	if (rc == 0)
		rc = dm__buf_put(out, a, (size_t)(b - a));
	if (rc == 0)
		rc = put_findings(r, 1, out);
	if (rc == 0)
		rc = dm__buf_puts(out, b);
	if (rc == 0)
		rc = dm__buf_putc(out, '\n');
	free(txt);
	return rc;
}
