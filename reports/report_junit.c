/*
 * driftmap — the JUnit XML report, so CI test tabs show drift as failed
 * tests. One <testsuite> per (provider, type); one <testcase> per managed
 * state resource that was compared (named by address and id), failing for
 * missing or changed; unmanaged resources are failing test cases too;
 * ignored findings and resources whose live scope failed are skipped;
 * failed live scopes are <error> test cases in a "driftmap.scopes" suite.
 */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "report_internal.h"

#define VALUE_MAX_CHARS 500

typedef struct xw {
	dm_buf *b;
	int rc;
} xw;

#define PF(o, ...) do { if ((o)->rc == 0) (o)->rc = dm__buf_printf((o)->b, __VA_ARGS__); } while (0)

static void put(xw *o, const char *s)
{
	if (o->rc == 0)
		o->rc = dm__buf_puts(o->b, s);
}

static void esc(xw *o, const char *s)
{
	if (o->rc == 0)
		o->rc = dm__esc_xml(o->b, s ? s : "");
}

enum { TC_PASS, TC_FAIL, TC_SKIP_IGNORED, TC_SKIP_INCOMPLETE };

typedef struct tcase {
	const char *provider;
	const char *type;
	const char *address;  /* NULL for unmanaged */
	const char *id;
	const char *origin;   /* state source uri, tie-break */
	const dm_finding *f;  /* NULL when in sync or not verified */
	int status;
} tcase;

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int tcase_cmp(const void *pa, const void *pb)
{
	const tcase *a = pa, *b = pb;
	int c = cmp_str(a->provider, b->provider);

	if (c == 0)
		c = cmp_str(a->type, b->type);
	if (c == 0) /* managed (with address) before unmanaged */
		c = (a->address == NULL) - (b->address == NULL);
	if (c == 0)
		c = cmp_str(a->address, b->address);
	if (c == 0)
		c = cmp_str(a->id, b->id);
	if (c == 0)
		c = cmp_str(a->origin, b->origin);
	if (c == 0 && a->f && b->f)
		c = strcmp(a->f->fingerprint, b->f->fingerprint);
	return c;
}

static int ptr_cmp(const void *pa, const void *pb)
{
	uintptr_t a = (uintptr_t)*(const void *const *)pa, b = (uintptr_t)*(const void *const *)pb;

	return a < b ? -1 : a > b;
}

static int collect(const dm_drift *d, tcase **out, size_t *nout)
{
	const dm_inventory *st = dm_drift_state(d), *live = dm_drift_live(d);
	size_t nf = dm_drift_count(d), ns = st ? dm_inventory_count(st) : 0, i, n = 0, nused = 0;
	const void **used = NULL;
	tcase *v = NULL;
	int have_scopes = live && dm_inventory_scope_count(live) > 0;

	*out = NULL;
	*nout = 0;
	v = dm__calloc(nf + ns + 1, sizeof(*v));
	used = dm__calloc(nf + 1, sizeof(*used));
	if (!v || !used) {
		free(v);
		free(used);
		return DM_ENOMEM;
	}
	for (i = 0; i < nf; i++) {
		const dm_finding *f = dm_drift_at(d, i);
		tcase *t = &v[n++];

		t->provider = f->provider;
		t->type = f->type;
		t->address = f->address;
		t->id = f->resource_id;
		t->origin = f->state_uri;
		t->f = f;
		t->status = f->ignored ? TC_SKIP_IGNORED : TC_FAIL;
		if (f->state_res)
			used[nused++] = f->state_res;
	}
	qsort(used, nused, sizeof(*used), ptr_cmp);
	for (i = 0; i < ns; i++) {
		const dm_resource *r = dm_inventory_at(st, i);
		int complete = 1;
		tcase *t;

		if (r->flags & (DM_RES_DATA | DM_RES_DEPOSED))
			continue;
		if (nused && bsearch(&r, used, nused, sizeof(*used), ptr_cmp))
			continue;
		if (have_scopes) {
			complete = dm_inventory_type_complete(live, r->provider, NULL, NULL, r->type);
			if (complete < 0)
				continue; /* the type was not enumerated: not compared */
		}
		t = &v[n++];
		t->provider = r->provider;
		t->type = r->type;
		t->address = r->address ? r->address : r->id;
		t->id = r->id;
		t->origin = r->source_uri;
		t->status = complete ? TC_PASS : TC_SKIP_INCOMPLETE;
	}
	free(used);
	qsort(v, n, sizeof(*v), tcase_cmp);
	*out = v;
	*nout = n;
	return 0;
}

static void testcase_name(xw *o, const tcase *t)
{
	if (t->address) {
		esc(o, t->address);
		put(o, " [");
		esc(o, t->id);
		put(o, "]");
	} else {
		esc(o, t->id);
		put(o, " (unmanaged)");
	}
}

static void failure_body(xw *o, const dm__report *r, const dm_finding *f, const dm__report_loc *loc)
{
	dm_buf t = DM_BUF_INIT;
	size_t i;

	if (o->rc == 0)
		o->rc = dm__finding_summary(&t, f);
	esc(o, t.ptr);
	put(o, "\n");
	if (f->account || f->region) {
		put(o, "account: ");
		esc(o, f->account ? f->account : "-");
		put(o, ", region: ");
		esc(o, f->region ? f->region : "-");
		put(o, "\n");
	}
	if (f->state_uri) {
		put(o, "state: ");
		esc(o, f->state_uri);
		put(o, "\n");
	}
	if (loc->is_source && loc->file) {
		put(o, "declared at: ");
		esc(o, loc->file);
		PF(o, ":%u\n", loc->line);
	}
	for (i = 0; i < f->nchanges; i++) {
		const dm_change *c = &f->changes[i];

		put(o, "  ");
		esc(o, c->path);
		put(o, ": ");
		dm__buf_reset(&t);
		if (o->rc == 0)
			o->rc = dm__report_value_text(&t, f, c->path, c->state, VALUE_MAX_CHARS);
		esc(o, t.ptr);
		put(o, " \xE2\x86\x92 ");
		dm__buf_reset(&t);
		if (o->rc == 0)
			o->rc = dm__report_value_text(&t, f, c->path, c->live, VALUE_MAX_CHARS);
		esc(o, t.ptr);
		put(o, "\n");
	}
	(void)r;
	dm__buf_free(&t);
}

static void testcase(xw *o, const dm__report *r, const tcase *t)
{
	dm__report_loc loc = { NULL, 0, 0 };
	dm_buf msg = DM_BUF_INIT;

	if (t->f)
		dm__report_locate(r, t->f, &loc);
	put(o, "    <testcase classname=\"");
	esc(o, t->provider);
	put(o, ".");
	esc(o, t->type);
	put(o, "\" name=\"");
	testcase_name(o, t);
	put(o, "\" time=\"0\"");
	if (loc.is_source && loc.file) {
		put(o, " file=\"");
		esc(o, loc.file);
		PF(o, "\" line=\"%u\"", loc.line);
	}
	switch (t->status) {
	case TC_PASS:
		put(o, "/>\n");
		break;
	case TC_SKIP_INCOMPLETE:
		put(o, ">\n      <skipped message=\"not verified: the live scope enumerating this type failed\"/>\n    </testcase>\n");
		break;
	case TC_SKIP_IGNORED:
		put(o, ">\n      <skipped message=\"ignored by .driftignore (");
		esc(o, dm_finding_kind_name(t->f->kind));
		put(o, ")\"/>\n    </testcase>\n");
		break;
	default:
		if (o->rc == 0)
			o->rc = dm__buf_printf(&msg, "%s (%s): ", dm_finding_kind_name(t->f->kind),
					       dm__sev_name(t->f->severity));
		if (o->rc == 0)
			o->rc = dm__finding_summary(&msg, t->f);
		put(o, ">\n      <failure message=\"");
		esc(o, msg.ptr);
		put(o, "\" type=\"");
		esc(o, dm_finding_kind_name(t->f->kind));
		put(o, "\">");
		failure_body(o, r, t->f, &loc);
		put(o, "</failure>\n    </testcase>\n");
		break;
	}
	dm__buf_free(&msg);
}

int dm__report_junit(const dm__report *r, dm_buf *out)
{
	xw o = { out, 0 };
	tcase *v = NULL;
	const dm_scope **sc = NULL;
	size_t n = 0, i, j, nsc = 0, nfailed_sc = 0, tests = 0, failures = 0, skipped = 0;
	int rc;

	rc = collect(r->d, &v, &n);
	if (rc < 0)
		return rc;
	sc = dm__report_sorted_scopes(dm_drift_live(r->d), &nsc);
	if (!sc) {
		free(v);
		return DM_ENOMEM;
	}
	for (i = 0; i < nsc; i++)
		nfailed_sc += !sc[i]->complete;
	for (i = 0; i < n; i++) {
		tests++;
		failures += v[i].status == TC_FAIL;
		skipped += v[i].status == TC_SKIP_IGNORED || v[i].status == TC_SKIP_INCOMPLETE;
	}
	put(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	PF(&o, "<testsuites name=\"driftmap\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"0\">\n",
	   tests + nfailed_sc, failures, nfailed_sc, skipped);
	for (i = 0; i < n; i = j) {
		size_t st = 0, sf = 0, ss = 0, k;

		for (j = i; j < n && cmp_str(v[j].provider, v[i].provider) == 0 &&
			    cmp_str(v[j].type, v[i].type) == 0; j++) {
			st++;
			sf += v[j].status == TC_FAIL;
			ss += v[j].status == TC_SKIP_IGNORED || v[j].status == TC_SKIP_INCOMPLETE;
		}
		put(&o, "  <testsuite name=\"");
		esc(&o, v[i].provider);
		put(&o, ".");
		esc(&o, v[i].type);
		PF(&o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\">\n", st, sf, ss);
		for (k = i; k < j; k++)
			testcase(&o, r, &v[k]);
		put(&o, "  </testsuite>\n");
	}
	if (nfailed_sc) {
		PF(&o, "  <testsuite name=\"driftmap.scopes\" tests=\"%zu\" failures=\"0\" errors=\"%zu\" skipped=\"0\" time=\"0\">\n",
		   nfailed_sc, nfailed_sc);
		for (i = 0; i < nsc; i++) {
			size_t k;

			if (sc[i]->complete)
				continue;
			put(&o, "    <testcase classname=\"driftmap.scopes\" name=\"");
			esc(&o, sc[i]->provider);
			put(&o, " ");
			esc(&o, sc[i]->account);
			put(&o, " ");
			esc(&o, sc[i]->region);
			put(&o, " ");
			esc(&o, sc[i]->api);
			put(&o, "\" time=\"0\">\n      <error message=\"scan incomplete: ");
			esc(&o, sc[i]->error ? sc[i]->error : "failed");
			put(&o, "\" type=\"incomplete\">types: ");
			for (k = 0; k < sc[i]->ntypes; k++) {
				put(&o, k ? ", " : "");
				esc(&o, sc[i]->types[k]);
			}
			put(&o, "\nNothing in this scope is reported missing or unmanaged.</error>\n    </testcase>\n");
		}
		put(&o, "  </testsuite>\n");
	}
	put(&o, "</testsuites>\n");
	free(sc);
	free(v);
	return o.rc;
}
