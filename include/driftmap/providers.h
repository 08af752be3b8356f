/*
 * driftmap — the provider registry (built-ins and dlopen plugins) and live
 * collection. The registry hangs off the context.
 *
 * Pointers returned here are borrowed and live as long as the context.
 */
#ifndef DRIFTMAP_PROVIDERS_H
#define DRIFTMAP_PROVIDERS_H

#include "inventory.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dm_provider; /* opaque to library users; see sys/provider.h */

/** Load a plugin shared object. DM_EPLUGIN (open/symbol), DM_EVERSION (ABI). */
int dm_providers_load_plugin(dm_ctx *ctx, const char *path);
/** Load every plugin named in DRIFTMAP_PLUGIN_PATH (':'-separated files or directories of *.so). */
int dm_providers_load_env(dm_ctx *ctx);

size_t dm_providers_count(const dm_ctx *ctx);
const struct dm_provider *dm_providers_at(const dm_ctx *ctx, size_t i);
const struct dm_provider *dm_providers_find(const dm_ctx *ctx, const char *name);
const char *dm_provider_name(const struct dm_provider *p);
const char *dm_provider_description(const struct dm_provider *p);
const dm_type_table *dm_provider_types(const struct dm_provider *p);
/** Where the provider came from: "built-in" or the plugin path. */
const char *dm_provider_origin(const dm_ctx *ctx, size_t i);

typedef struct dm_collect_options {
	const char *const *providers; /* names; NULL/0 = every provider the state uses, else "aws" */
	size_t nproviders;
	const char *const *regions;
	size_t nregions;
	const char *const *profiles;
	size_t nprofiles;
	unsigned concurrency;         /* 0 = default (16) */
	const char *const *option_kv; /* "key=value" provider options */
	size_t noptions;
} dm_collect_options;

/** Enumerate live resources with the providers; `state` (may be NULL) gives hints. */
int dm_collect_live(dm_inventory **out, dm_ctx *ctx, const dm_collect_options *opts,
		    const dm_inventory *state);

#ifdef __cplusplus
}
#endif
#endif
