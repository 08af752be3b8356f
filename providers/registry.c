/*
 * driftmap — the provider registry: the built-in providers (registered
 * statically when the context is created) plus the plugins loaded with
 * dlopen (plugin_loader.c). It hangs off dm_ctx; no global state.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftmap/providers.h"
#include "providers/registry_internal.h"

/* A registry holding more than this is a configuration mistake. */
#define DM_REGISTRY_MAX 1024u
#define DM_PROVIDER_NAME_MAX 64u

struct dm_reg_entry {
	const dm_provider *p; /* borrowed: static data of the library or of a plugin */
	char *origin;         /* "built-in" or the plugin path */
	void *handle;         /* dlopen handle (owned) or NULL */
};

struct dm_registry {
	struct dm_reg_entry *v;
	size_t n;
	size_t cap;
};

static const struct dm_reg_entry *registry_find(const struct dm_registry *r, const char *name)
{
	size_t i;

	if (!r || !name)
		return NULL;
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].p->name, name) == 0)
			return &r->v[i];
	}
	return NULL;
}

/* Append without checks. 0, DM_ENOMEM or DM_ETOOBIG; the handle is owned only on success. */
static int registry_push(struct dm_registry *r, const dm_provider *p, const char *origin,
			 void *handle)
{
	char *o = NULL;
	void *arr = r->v;

	if (r->n >= DM_REGISTRY_MAX)
		return DM_ETOOBIG;
	if (dm__grow(&arr, &r->cap, r->n + 1, sizeof(*r->v)) < 0)
		return DM_ENOMEM;
	r->v = arr;
	o = dm__strdup(origin);
	if (!o)
		return DM_ENOMEM;
	r->v[r->n].p = p;
	r->v[r->n].origin = o;
	r->v[r->n].handle = handle;
	r->n++;
	return 0;
}

static int name_is_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok || i >= DM_PROVIDER_NAME_MAX)
			return 0;
	}
	return i > 0;
}

int dm__provider_check(dm_ctx *ctx, const dm_provider *p, const char *what)
{
	size_t i;

	if (!p)
		return dm__error(ctx, DM_EPLUGIN, "%s: no provider", what);
	if (p->version == 0)
		return dm__error(ctx, DM_EVERSION,
				 "%s: provider ABI version 0 is not valid (this driftmap supports %u)",
				 what, DM_PROVIDER_ABI_VERSION);
	if (p->version > DM_PROVIDER_ABI_VERSION)
		return dm__error(ctx, DM_EVERSION,
				 "%s: provider ABI version %u is newer than this driftmap supports (%u)",
				 what, p->version, DM_PROVIDER_ABI_VERSION);
	if (!p->name || !p->name[0])
		return dm__error(ctx, DM_EPLUGIN, "%s: provider has no name", what);
	if (!name_is_valid(p->name))
		return dm__error(ctx, DM_EPLUGIN,
				 "%s: provider name \"%.64s\" is not valid (1-64 letters, digits, '_' or '-')",
				 what, p->name);
	if (!p->enumerate)
		return dm__error(ctx, DM_EPLUGIN, "%s: provider \"%s\" has no enumerate function",
				 what, p->name);
	if (p->types && p->types->ntypes > 0) {
		if (!p->types->types)
			return dm__error(ctx, DM_EPLUGIN,
					 "%s: provider \"%s\": type table declares %zu types but has none",
					 what, p->name, p->types->ntypes);
		for (i = 0; i < p->types->ntypes; i++) {
			if (!p->types->types[i].type || !p->types->types[i].type[0])
				return dm__error(ctx, DM_EPLUGIN,
						 "%s: provider \"%s\": type %zu of its type table has no name",
						 what, p->name, i);
		}
	}
	return 0;
}

int dm__registry_add(dm_ctx *ctx, struct dm_registry *r, const dm_provider *p,
		     const char *origin, void *handle)
{
	const struct dm_reg_entry *dup = NULL;
	int rc;

	if (!r)
		return dm__error(ctx, DM_EINVAL, "%s: the context has no provider registry", origin);
	rc = dm__provider_check(ctx, p, origin);
	if (rc < 0)
		return rc;
	dup = registry_find(r, p->name);
	if (dup)
		return dm__error(ctx, DM_EPLUGIN, "%s: provider \"%s\" is already registered (%s)",
				 origin, p->name, dup->origin);
	rc = registry_push(r, p, origin, handle);
	if (rc == DM_ETOOBIG)
		return dm__error(ctx, rc, "%s: too many providers (limit %u)", origin,
				 DM_REGISTRY_MAX);
	if (rc < 0)
		return dm__error(ctx, rc, "%s: out of memory registering the provider", origin);
	return 0;
}

int dm__registry_has_handle(const struct dm_registry *r, const void *handle)
{
	size_t i;

	if (!r || !handle)
		return 0;
	for (i = 0; i < r->n; i++) {
		if (r->v[i].handle == handle)
			return 1;
	}
	return 0;
}

int dm__registry_new(struct dm_registry **out)
{
	struct dm_registry *r = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	r = dm__calloc(1, sizeof(*r));
	if (!r)
		return DM_ENOMEM;
	for (i = 0; i < dm__builtin_count(); i++) {
		const dm_provider *p = dm__builtin_at(i);

		/* A broken built-in is a programming error: fail loudly, there is no ctx to explain. */
		if (!p || p->version == 0 || p->version > DM_PROVIDER_ABI_VERSION ||
		    !p->name || !name_is_valid(p->name) || !p->enumerate ||
		    registry_find(r, p->name)) {
			rc = DM_EINVAL;
			goto done;
		}
		rc = registry_push(r, p, "built-in", NULL);
		if (rc < 0)
			goto done;
	}
	*out = r;
	r = NULL;
done:
	dm__registry_free(r);
	return rc;
}

void dm__registry_free(struct dm_registry *r)
{
	size_t i;

	if (!r)
		return;
	/* Unload in reverse order of loading. */
	for (i = r->n; i-- > 0;) {
		free(r->v[i].origin);
		if (r->v[i].handle)
			dlclose(r->v[i].handle);
	}
	free(r->v);
	free(r);
}

/* ---- public API ------------------------------------------------------- */

size_t dm_providers_count(const dm_ctx *ctx)
{
	return ctx && ctx->registry ? ctx->registry->n : 0;
}

const struct dm_provider *dm_providers_at(const dm_ctx *ctx, size_t i)
{
	if (i >= dm_providers_count(ctx))
		return NULL;
	return ctx->registry->v[i].p;
}

const struct dm_provider *dm_providers_find(const dm_ctx *ctx, const char *name)
{
	const struct dm_reg_entry *e = NULL;

	if (!ctx)
		return NULL;
	e = registry_find(ctx->registry, name);
	return e ? e->p : NULL;
}

const char *dm_provider_origin(const dm_ctx *ctx, size_t i)
{
	if (i >= dm_providers_count(ctx))
		return NULL;
	return ctx->registry->v[i].origin;
}

const char *dm_provider_name(const struct dm_provider *p)
{
	return p ? p->name : NULL;
}

const char *dm_provider_description(const struct dm_provider *p)
{
	if (!p)
		return NULL;
	return p->description ? p->description : "";
}

const dm_type_table *dm_provider_types(const struct dm_provider *p)
{
	return p ? p->types : NULL;
}

/* ---- for provider implementers (sys/provider.h) ------------------------ */

int dm_provider_error(dm_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (code >= 0)
		code = DM_ERROR; /* an error is always negative */
	if (!ctx)
		return code;
	if (!fmt)
		fmt = "provider error";
	va_start(ap, fmt);
	vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
	va_end(ap);
	/* One line: fold newlines and other control characters into spaces. */
	for (i = 0; ctx->err[i]; i++) {
		unsigned char c = (unsigned char)ctx->err[i];
		if (c < 0x20 || c == 0x7f)
			ctx->err[i] = ' ';
	}
	ctx->err_code = code;
	return code;
}
