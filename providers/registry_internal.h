/*
 * driftmap — internals of the provider registry shared by providers/registry.c,
 * providers/plugin_loader.c and providers/builtin.c. Never installed.
 *
 * Ownership: the registry borrows every dm_provider (static data of the
 * library or of a plugin) and owns the plugin handles, which it dlclose()s
 * in dm__registry_free(), after which no provider pointer may be used.
 */
#ifndef DM_REGISTRY_INTERNAL_H
#define DM_REGISTRY_INTERNAL_H

#include "internal.h"

/** Number of providers compiled into the library (providers/builtin.c). */
size_t dm__builtin_count(void);
/** The i-th built-in provider (i < dm__builtin_count()). */
const dm_provider *dm__builtin_at(size_t i);

/**
 * Check that p is a provider the host can use: non-NULL, 0 < version <=
 * DM_PROVIDER_ABI_VERSION, name and enumerate set, sane type table.
 * `what` names its origin in the error ("path/to/plugin.so", "built-in").
 * DM_EPLUGIN or DM_EVERSION with the error set on ctx.
 */
int dm__provider_check(dm_ctx *ctx, const dm_provider *p, const char *what);

/**
 * Register p. `origin` is copied ("built-in" or the plugin path). On success
 * the registry owns `handle` (may be NULL); on failure the caller keeps it.
 * A provider whose name is already registered: DM_EPLUGIN.
 */
int dm__registry_add(dm_ctx *ctx, struct dm_registry *r, const dm_provider *p,
		     const char *origin, void *handle);

/** Is this dlopen handle already owned by the registry? */
int dm__registry_has_handle(const struct dm_registry *r, const void *handle);

#endif
