/*
 * driftmap — the diff engine and the findings model.
 *
 * dm_diff() matches a state inventory against a live inventory following the
 * "Matching and comparison rules" of DESIGN.md and produces findings.
 *
 * Ownership: the dm_drift result owns its findings and their changes; it
 * *borrows* the two inventories (and the resources findings point at): keep
 * them alive until dm_drift_free(). Findings returned by dm_drift_at() are
 * borrowed.
 */
#ifndef DRIFTMAP_DIFF_H
#define DRIFTMAP_DIFF_H

#include "inventory.h"
#include "types.h"
#include "ignore.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dm_finding_kind {
	DM_FINDING_UNMANAGED = 1, /* live, in no state */
	DM_FINDING_MISSING = 2,   /* in state, gone live */
	DM_FINDING_CHANGED = 3    /* both, attributes differ */
} dm_finding_kind;

typedef enum dm_change_op {
	DM_OP_ADD = 1,     /* live has it, state does not */
	DM_OP_REMOVE = 2,  /* state has it, live does not */
	DM_OP_REPLACE = 3  /* both have it with different values */
} dm_change_op;

typedef enum dm_severity {
	DM_SEV_INFO = 0,
	DM_SEV_LOW = 1,
	DM_SEV_MEDIUM = 2,
	DM_SEV_HIGH = 3,
	DM_SEV_CRITICAL = 4
} dm_severity;

typedef struct dm_change {
	const char *path;  /* "ingress", "tags.Env", "vpc_config.endpoint_public_access" */
	dm_change_op op;
	json_t *state;     /* state value, NULL for add (rendered as null) */
	json_t *live;      /* live value, NULL for remove */
} dm_change;

typedef struct dm_finding {
	char fingerprint[33];      /* 128-bit hex, stable across runs */
	dm_finding_kind kind;
	const char *provider;
	const char *type;
	const char *resource_id;
	const char *address;       /* NULL for unmanaged */
	const char *state_uri;     /* NULL for unmanaged */
	const char *commit;        /* NULL unless the state came from git */
	const char *account;
	const char *region;
	dm_change *changes;        /* CHANGED only */
	size_t nchanges;
	int ignored;               /* matched a .driftignore rule: reported as ignored, not counted as drift */
	dm_severity severity;
	const dm_resource *state_res; /* borrowed, NULL for unmanaged */
	const dm_resource *live_res;  /* borrowed, NULL for missing */
	long long first_seen;      /* Unix seconds of the first run with this fingerprint (history store); 0 = unknown */
} dm_finding;

typedef struct dm_summary {
	size_t managed;    /* state resources (compared types) matched or missing */
	size_t in_sync;
	size_t unmanaged;
	size_t missing;
	size_t changed;
	size_t ignored;
	double coverage;   /* managed / (managed + unmanaged); 1.0 when both are 0 */
	int complete;      /* every live scope complete */
} dm_summary;

typedef struct dm_diff_options {
	const dm_type_table *const *tables; /* type tables of the providers in play */
	size_t ntables;
	const dm_ignore *ignore;            /* may be NULL */
} dm_diff_options;

typedef struct dm_drift dm_drift;

int dm_diff(dm_drift **out, dm_ctx *ctx, const dm_inventory *state,
	    const dm_inventory *live, const dm_diff_options *opts);
void dm_drift_free(dm_drift *d);

size_t dm_drift_count(const dm_drift *d);
const dm_finding *dm_drift_at(const dm_drift *d, size_t i);
const dm_summary *dm_drift_summary(const dm_drift *d);
const dm_inventory *dm_drift_state(const dm_drift *d);
const dm_inventory *dm_drift_live(const dm_drift *d);
/** Run times (Unix seconds) for the report envelope; set by the caller. */
void dm_drift_set_times(dm_drift *d, long long started_at, long long finished_at);
void dm_drift_times(const dm_drift *d, long long *started_at, long long *finished_at);

/** Record since when finding i has existed (from a history store); reports show it. */
void dm_drift_set_first_seen(dm_drift *d, size_t i, long long when);

const char *dm_finding_kind_name(dm_finding_kind k);   /* "unmanaged" ... */
const char *dm_change_op_name(dm_change_op op);        /* "add" ... */
const char *dm_severity_name(dm_severity s);           /* "low" ... */
int dm_severity_parse(const char *s, dm_severity *out);

/** Does the JSON policy document a equal b by meaning (DESIGN.md rules)? Strings may be URL-encoded. */
int dm_policy_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
