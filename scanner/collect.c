/*
 * driftmap — live collection: run the selected providers and gather what
 * they emit into a new live inventory.
 *
 * The providers see the host only through dm_provider_request (hints from
 * the state, options) and dm_emit (resources, scopes, log); both point back
 * at a `struct collect_host` that lives on this file's stack.
 */
#include <stdlib.h>
#include <string.h>

#include "driftmap/providers.h"
#include "internal.h"

#define DM_COLLECT_DEFAULT_CONCURRENCY 16u
#define DM_COLLECT_DEFAULT_PROVIDER "aws"
#define DM_COLLECT_MAX_PROVIDERS 256u

/* What the state holds for one type: the attribute names with a non-null value. */
struct type_attrs {
	dm_strmap *attrs; /* attr name (in arena) -> this struct */
	dm_arena *arena;  /* attribute names */
};

struct state_index {
	dm_strmap *types;         /* type (borrowed from the state) -> struct type_attrs */
	struct type_attrs **all;  /* owned, for freeing */
	size_t n, cap;
};

struct collect_host {
	dm_ctx *ctx;
	const dm_collect_options *opts;
	const struct state_index *state; /* NULL: no state, every hint answers "yes" */
	dm_inventory *live;
	const dm_provider *p;            /* the provider running now */
	size_t nres, nscopes, nfailed;
	int emit_rc;                     /* first failure inside a callback */
	char emit_err[sizeof(((dm_ctx *)0)->err)];
};

/* ---- the state index ---------------------------------------------------- */

static void state_index_free(struct state_index *si)
{
	size_t i;

	for (i = 0; i < si->n; i++) {
		dm__strmap_free(si->all[i]->attrs);
		dm__arena_free(si->all[i]->arena);
		free(si->all[i]);
	}
	free(si->all);
	dm__strmap_free(si->types);
	memset(si, 0, sizeof(*si));
}

/* dm__resource_nonnull_keys callback: remember that the state holds KEY for the type. */
static int note_attr(const char *key, void *ud)
{
	struct type_attrs *ta = ud;
	const char *k;

	if (dm__strmap_get(ta->attrs, key))
		return 0;
	k = dm__arena_strdup(ta->arena, key);
	if (!k || dm__strmap_put(ta->attrs, k, ta) < 0)
		return DM_ENOMEM;
	return 0;
}

static int state_index_build(struct state_index *si, dm_ctx *ctx, const dm_inventory *state)
{
	size_t i, n = dm_inventory_count(state);
	int rc = 0;

	memset(si, 0, sizeof(*si));
	if (dm__strmap_new(&si->types, 64) < 0)
		goto nomem;
	for (i = 0; i < n; i++) {
		const dm_resource *r = dm_inventory_at(state, i);
		struct type_attrs *ta = NULL;

		if (!r || !r->type || (r->flags & DM_RES_DATA))
			continue; /* data sources are never compared */
		ta = dm__strmap_get(si->types, r->type);
		if (!ta) {
			void *arr = si->all;

			if (dm__grow(&arr, &si->cap, si->n + 1, sizeof(*si->all)) < 0)
				goto nomem;
			si->all = arr;
			ta = dm__calloc(1, sizeof(*ta));
			if (!ta)
				goto nomem;
			si->all[si->n++] = ta;
			if (dm__strmap_new(&ta->attrs, 32) < 0 || dm__arena_new(&ta->arena) < 0 ||
			    dm__strmap_put(si->types, r->type, ta) < 0)
				goto nomem;
		}
		if (dm__resource_nonnull_keys(r, note_attr, ta) != 0)
			goto nomem;
	}
	return 0;
nomem:
	rc = dm__error(ctx, DM_ENOMEM, "out of memory indexing the state for live collection");
	state_index_free(si);
	return rc;
}

/* ---- dm_provider_request callbacks --------------------------------------- */

static int host_state_has_type(void *host, const char *type)
{
	const struct collect_host *h = host;

	if (!h->state)
		return 1;
	return type && dm__strmap_get(h->state->types, type) != NULL;
}

static int host_state_has_attr(void *host, const char *type, const char *attr)
{
	const struct collect_host *h = host;
	const struct type_attrs *ta = NULL;

	if (!h->state)
		return 1;
	if (!type || !attr)
		return 0;
	ta = dm__strmap_get(h->state->types, type);
	return ta && dm__strmap_get(ta->attrs, attr) != NULL;
}

/* Value of "KEY=value" in kv when KEY is prefix.name (prefix NULL: name). */
static const char *kv_value(const char *kv, const char *prefix, const char *name)
{
	size_t n;

	if (prefix) {
		n = strlen(prefix);
		if (strncmp(kv, prefix, n) != 0 || kv[n] != '.')
			return NULL;
		kv += n + 1;
	}
	n = strlen(name);
	if (strncmp(kv, name, n) != 0 || kv[n] != '=')
		return NULL;
	return kv + n + 1;
}

/* "PROVIDER.name=value" wins over "name=value"; the last occurrence wins. */
static const char *host_option(void *host, const char *name)
{
	const struct collect_host *h = host;
	const char *scoped = NULL, *plain = NULL, *v;
	size_t i;

	if (!name || !name[0] || !h->opts)
		return NULL;
	for (i = 0; i < h->opts->noptions; i++) {
		const char *kv = h->opts->option_kv[i];

		if (!kv)
			continue;
		v = kv_value(kv, h->p->name, name);
		if (v)
			scoped = v;
		v = kv_value(kv, NULL, name);
		if (v)
			plain = v;
	}
	return scoped ? scoped : plain;
}

/* ---- dm_emit callbacks ------------------------------------------------------ */

/* Remember the first callback failure (its message is restored after enumerate). */
static int emit_fail(struct collect_host *h, int rc)
{
	if (h->emit_rc == 0) {
		h->emit_rc = rc;
		memcpy(h->emit_err, h->ctx->err, sizeof(h->emit_err));
	}
	return rc;
}

static int host_emit_resource(void *host, const dm_resource *r)
{
	struct collect_host *h = host;
	const char *pname = h->p->name;
	dm_resource t;
	int rc;

	if (!r)
		return emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					      "provider \"%s\" emitted a NULL resource", pname));
	t = *r;
	if (h->emit_rc < 0) {
		rc = h->emit_rc; /* collection already failed: drop the rest */
		goto fail;
	}
	if (!t.type || !t.type[0] || !t.id || !t.id[0]) {
		rc = emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					    "provider \"%s\" emitted a resource without %s (%s)", pname,
					    !t.type || !t.type[0] ? "a type" : "an id",
					    t.type && t.type[0] ? t.type : "no type"));
		goto fail;
	}
	if (t.provider && strcmp(t.provider, pname) != 0) {
		rc = emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					    "provider \"%s\" emitted %s.%s for another provider (\"%s\")",
					    pname, t.type, t.id, t.provider));
		goto fail;
	}
	if (t.attrs && !json_is_object(t.attrs)) {
		rc = emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					    "provider \"%s\" emitted %s.%s with attributes that are not a JSON object",
					    pname, t.type, t.id));
		goto fail;
	}
	t.provider = pname;
	if (!t.attrs) {
		t.attrs = json_object();
		if (!t.attrs) {
			rc = emit_fail(h, dm__error(h->ctx, DM_ENOMEM, "out of memory"));
			goto fail;
		}
	}
	rc = dm_inventory_add(h->live, &t, NULL); /* steals attrs and sensitive, also on failure */
	if (rc < 0)
		return emit_fail(h, dm__error(h->ctx, rc,
					      "provider \"%s\": cannot add %s.%s to the live inventory",
					      pname, t.type, t.id));
	h->nres++;
	return 0;
fail:
	json_decref(t.attrs);
	json_decref(t.sensitive);
	return rc;
}

static int host_emit_scope(void *host, const dm_scope *s)
{
	struct collect_host *h = host;
	const char *pname = h->p->name;
	dm_scope t;
	int rc;

	if (h->emit_rc < 0)
		return h->emit_rc;
	if (!s)
		return emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					      "provider \"%s\" reported a NULL scope", pname));
	t = *s;
	if (!t.api || !t.api[0])
		return emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					      "provider \"%s\" reported a scope without an API name",
					      pname));
	if (t.ntypes > 0 && !t.types)
		return emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					      "provider \"%s\": scope %s declares %zu types but has none",
					      pname, t.api, t.ntypes));
	if (t.provider && strcmp(t.provider, pname) != 0)
		return emit_fail(h, dm__error(h->ctx, DM_EINVAL,
					      "provider \"%s\" reported scope %s for another provider (\"%s\")",
					      pname, t.api, t.provider));
	t.provider = pname;
	rc = dm_inventory_add_scope(h->live, &t);
	if (rc < 0)
		return emit_fail(h, dm__error(h->ctx, rc,
					      "provider \"%s\": cannot record scope %s", pname, t.api));
	h->nscopes++;
	if (!t.complete)
		h->nfailed++;
	return 0;
}

static void host_emit_log(void *host, dm_log_level level, const char *msg)
{
	struct collect_host *h = host;
	size_t n = strlen(h->p->name);

	if (!msg)
		msg = "";
	/* prefix the provider's name unless the message already starts with it */
	if (strncmp(msg, h->p->name, n) == 0 && msg[n] == ':')
		dm__log(h->ctx, level, "%s", msg);
	else
		dm__log(h->ctx, level, "%s: %s", h->p->name, msg);
}

/* ---- provider selection ---------------------------------------------------- */

/* Short provider name from what a state may carry: "aws",
 * provider["registry.terraform.io/hashicorp/aws"], provider.aws.west (v3). */
static size_t short_provider(const char *s, const char **start)
{
	const char *b = s, *e = NULL, *slash = NULL;

	if (strncmp(b, "provider[\"", 10) == 0) {
		b += 10;
		e = strchr(b, '"');
	} else if (strncmp(b, "provider.", 9) == 0) {
		b += 9;
		e = strchr(b, '.');
	}
	if (!e)
		e = b + strlen(b);
	for (slash = b; slash < e; slash++) {
		if (*slash == '/')
			b = slash + 1;
	}
	*start = b;
	return (size_t)(e - b);
}

static int has_name(const dm_provider *const *list, size_t n, const dm_provider *p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i] == p)
			return 1;
	}
	return 0;
}

static int cmp_provider(const void *a, const void *b)
{
	return strcmp((*(const dm_provider *const *)a)->name, (*(const dm_provider *const *)b)->name);
}

/* Fill sel (capacity DM_COLLECT_MAX_PROVIDERS) with the providers to run. */
static int select_providers(dm_ctx *ctx, const dm_collect_options *opts,
			    const dm_inventory *state, const dm_provider **sel, size_t *nsel)
{
	const dm_provider *p = NULL;
	size_t i, n;

	*nsel = 0;
	if (opts && opts->nproviders > 0) {
		for (i = 0; i < opts->nproviders; i++) {
			const char *name = opts->providers[i];

			p = name ? dm_providers_find(ctx, name) : NULL;
			if (!p)
				return dm__error(ctx, DM_EINVAL,
						 "unknown provider \"%s\" (see `driftmap providers`)",
						 name ? name : "(null)");
			if (has_name(sel, *nsel, p))
				continue;
			if (*nsel >= DM_COLLECT_MAX_PROVIDERS)
				return dm__error(ctx, DM_ETOOBIG, "more than %u providers requested",
						 DM_COLLECT_MAX_PROVIDERS);
			sel[(*nsel)++] = p;
		}
		return 0;
	}

	n = dm_inventory_count(state);
	for (i = 0; i < n; i++) {
		const dm_resource *r = dm_inventory_at(state, i);
		const char *b = NULL;
		char name[128];
		size_t len;

		if (!r || !r->provider)
			continue;
		len = short_provider(r->provider, &b);
		if (len == 0 || len >= sizeof(name))
			continue;
		memcpy(name, b, len);
		name[len] = '\0';
		p = dm_providers_find(ctx, name);
		if (!p) {
			dm__log(ctx, DM_LOG_DEBUG,
				"state uses provider \"%s\", which no registered provider handles", name);
			continue;
		}
		if (has_name(sel, *nsel, p))
			continue;
		if (*nsel >= DM_COLLECT_MAX_PROVIDERS)
			return dm__error(ctx, DM_ETOOBIG, "the state uses more than %u providers",
					 DM_COLLECT_MAX_PROVIDERS);
		sel[(*nsel)++] = p;
	}
	if (*nsel > 1)
		qsort((void *)sel, *nsel, sizeof(*sel), cmp_provider);
	if (*nsel > 0)
		return 0;

	p = dm_providers_find(ctx, DM_COLLECT_DEFAULT_PROVIDER);
	if (!p)
		return dm__error(ctx, DM_EINVAL,
				 "no provider to run: the state names none this driftmap knows and "
				 "the default provider \"%s\" is not registered",
				 DM_COLLECT_DEFAULT_PROVIDER);
	sel[(*nsel)++] = p;
	return 0;
}

/* ---- the entry point --------------------------------------------------------- */

int dm_collect_live(dm_inventory **out, dm_ctx *ctx, const dm_collect_options *opts,
		    const dm_inventory *state)
{
	const dm_provider *sel[DM_COLLECT_MAX_PROVIDERS];
	struct state_index si;
	struct collect_host h;
	dm_provider_request req;
	dm_emit emit;
	dm_inventory *live = NULL;
	size_t nsel = 0, i;
	int have_index = 0;
	int rc = 0;

	if (out)
		*out = NULL;
	if (!out || !ctx)
		return ctx ? dm__error(ctx, DM_EINVAL, "dm_collect_live: no output") : DM_EINVAL;
	memset(&si, 0, sizeof(si));
	memset(&h, 0, sizeof(h));

	if (opts) {
		for (i = 0; i < opts->noptions; i++) {
			const char *kv = opts->option_kv ? opts->option_kv[i] : NULL;

			if (!kv || !strchr(kv, '=') || kv[0] == '=') {
				rc = dm__error(ctx, DM_EINVAL,
					       "provider option \"%s\" is not KEY=VALUE",
					       kv ? kv : "(null)");
				goto done;
			}
		}
	}
	rc = select_providers(ctx, opts, state, sel, &nsel);
	if (rc < 0)
		goto done;
	/* An inventory with no resources and no sources read no state at all
	 * (`driftmap inventory` without --state): no hints, rather than "the
	 * state holds nothing". */
	if (state && (dm_inventory_count(state) > 0 || dm_inventory_source_count(state) > 0)) {
		rc = state_index_build(&si, ctx, state);
		if (rc < 0)
			goto done;
		have_index = 1;
	}
	rc = dm_inventory_new(&live);
	if (rc < 0) {
		rc = dm__error(ctx, rc, "out of memory creating the live inventory");
		goto done;
	}

	h.ctx = ctx;
	h.opts = opts;
	h.state = have_index ? &si : NULL;
	h.live = live;

	memset(&req, 0, sizeof(req));
	req.regions = opts ? opts->regions : NULL;
	req.nregions = opts ? opts->nregions : 0;
	req.profiles = opts ? opts->profiles : NULL;
	req.nprofiles = opts ? opts->nprofiles : 0;
	req.concurrency = opts && opts->concurrency ? opts->concurrency
						    : DM_COLLECT_DEFAULT_CONCURRENCY;
	req.state_has_type = host_state_has_type;
	req.state_has_attr = host_state_has_attr;
	req.option = host_option;
	req.host = &h;
	req.state = have_index ? state : NULL;

	memset(&emit, 0, sizeof(emit));
	emit.resource = host_emit_resource;
	emit.scope = host_emit_scope;
	emit.log = host_emit_log;
	emit.host = &h;

	for (i = 0; i < nsel; i++) {
		const dm_provider *p = sel[i];

		h.p = p;
		h.nres = h.nscopes = h.nfailed = 0;
		dm__log(ctx, DM_LOG_INFO, "%s: enumerating live resources", p->name);
		dm_ctx_clear_error(ctx);
		rc = p->enumerate(p, ctx, &req, &emit);
		if (h.emit_rc < 0) {
			/* The callback's message names the real problem: put it back. */
			memcpy(ctx->err, h.emit_err, sizeof(ctx->err));
			ctx->err_code = h.emit_rc;
			rc = h.emit_rc;
			goto done;
		}
		if (rc < 0) {
			if (ctx->err_code == DM_OK || !ctx->err[0])
				dm__error(ctx, rc, "provider \"%s\": enumeration failed (error %d)",
					  p->name, rc);
			goto done;
		}
		rc = 0;
		dm__log(ctx, DM_LOG_INFO, "%s: %zu resources, %zu scopes (%zu incomplete)", p->name,
			h.nres, h.nscopes, h.nfailed);
	}
	dm_inventory_sort(live);
	*out = live;
	live = NULL;
done:
	dm_inventory_free(live);
	if (have_index)
		state_index_free(&si);
	return rc;
}
