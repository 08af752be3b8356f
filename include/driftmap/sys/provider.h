/*
 * driftmap — the provider vtable, for provider *implementers* (built-in and
 * plugins). Users of the library never need this header.
 *
 * ABI rules: `version` is the first field; fields are only ever appended;
 * the host reads a field only when `version` says it exists. A plugin is a
 * shared object exporting `driftmap_provider_entry` (dm_provider_entry_fn)
 * that returns a pointer to a static dm_provider.
 */
#ifndef DRIFTMAP_SYS_PROVIDER_H
#define DRIFTMAP_SYS_PROVIDER_H

#include "../inventory.h"
#include "../types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DM_PROVIDER_ABI_VERSION 1u
#define DM_PROVIDER_ENTRY_SYMBOL "driftmap_provider_entry"

/** What the host asks a provider to enumerate. Read with the option() getter. */
typedef struct dm_provider_request {
	const char *const *regions;   /* requested regions; "all" = every enabled region */
	size_t nregions;
	const char *const *profiles;  /* profiles or role ARNs (several accounts) */
	size_t nprofiles;
	unsigned concurrency;         /* max requests in flight */
	/** Types the state holds (so the provider can skip per-resource calls). NULL = all. */
	int (*state_has_type)(void *host, const char *type);
	/** State attribute probe: does any state resource of TYPE hold a non-null ATTR? */
	int (*state_has_attr)(void *host, const char *type, const char *attr);
	/** Free-form option lookup ("endpoint", "ca_bundle", ...); NULL when unset. */
	const char *(*option)(void *host, const char *name);
	void *host;
	/** The state being compared (read only), e.g. the ids a per-resource call is needed
	 *  for; NULL when there is none. (Appended; hosts before it do not set it.) */
	const dm_inventory *state;
} dm_provider_request;

/** Callbacks through which a provider fills the live inventory. */
typedef struct dm_emit {
	/** Add a resource. Strings are copied; the references to attrs/sensitive are stolen. */
	int (*resource)(void *host, const dm_resource *r);
	/** Report a finished scope (complete or failed). Strings are copied. */
	int (*scope)(void *host, const dm_scope *s);
	/** Progress/diagnostic messages. Never pass secrets. */
	void (*log)(void *host, dm_log_level level, const char *msg);
	void *host;
} dm_emit;

typedef struct dm_provider {
	unsigned int version;          /* DM_PROVIDER_ABI_VERSION the provider was built against */
	const char *name;              /* "aws" */
	const char *description;
	const dm_type_table *types;    /* the provider's type table */
	/**
	 * Enumerate live resources. Returns 0 when the run finished (scopes may
	 * still be incomplete: report them through emit->scope), <0 when nothing
	 * trustworthy was collected (bad credentials, ...). On error set the
	 * message with dm_provider_error().
	 */
	int (*enumerate)(const struct dm_provider *self, dm_ctx *ctx,
			 const dm_provider_request *req, const dm_emit *emit);
	/* --- end of ABI version 1 --- */
} dm_provider;

#define DM_PROVIDER_INIT { DM_PROVIDER_ABI_VERSION, NULL, NULL, NULL, NULL }

typedef const dm_provider *(*dm_provider_entry_fn)(void);

/** Set the context's error from inside a provider (printf-style). Returns code. */
int dm_provider_error(dm_ctx *ctx, int code, const char *fmt, ...) DM_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif
#endif
