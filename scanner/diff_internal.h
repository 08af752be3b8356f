/*
 * driftmap — internals of the diff engine shared by scanner/diff*.c,
 * scanner/policy.c, scanner/severity.c and the AWS type table. Never installed.
 *
 *   diff.c          matching (hash maps, O(n)), completeness, findings, summary
 *   diff_compare.c  attribute comparison by dm_cmp_kind (scalars, sets, tags, blocks)
 *   diff_atoms.c    sub-resource coverage: SG rules, routes, IAM attachments and
 *                   inline policies, NACL rules and associations (docs/live-model.md)
 *   policy.c        IAM policy documents compared by meaning
 *   severity.c      the severity table (docs/severity.md)
 */
#ifndef DM_DIFF_INTERNAL_H
#define DM_DIFF_INTERNAL_H

#include "internal.h"

/* ---- scalar normalisation (diff_compare.c) ------------------------------ */

/**
 * Text of a scalar for comparison: strings as they are, integers and
 * integral reals in decimal, booleans "true"/"false". NULL for JSON null,
 * arrays and objects. buf (>= 32 bytes) holds numbers.
 */
const char *dm__scalar_text(const json_t *v, char *buf, size_t cap);
/** Is v null, "", false, 0, "0", "false", [] or {}? */
int dm__json_emptyish(const json_t *v);
/** Scalars equal by value ("1" == 1, "true" == true, null == "" == false == 0). */
int dm__scalar_equal(const json_t *a, const json_t *b);
/**
 * Compare the attributes of a matched pair by the spec. With p: append a
 * change per difference and return their number; with p NULL: dry run,
 * return >0 at the first difference. <0 on allocation failure.
 */
struct dm_pair;
struct dm_diffrun;
int dm__compare_resource(struct dm_diffrun *run, struct dm_pair *p, const dm_type_spec *spec,
			 const json_t *sattrs, const json_t *lattrs);
/** Integer of a number or numeric string; -1 when not one. */
int dm__json_ll(const json_t *v, long long *out);
/** String of v or NULL (non-strings and "" give NULL). */
const char *dm__json_str(const json_t *v);

/* ---- protocol normalisation (diff_atoms.c) ------------------------------ */

/** SG protocol: -1/all → "-1", 6 → tcp, 17 → udp, 1 → icmp, 58 → icmpv6 (lowercase). */
void dm__sg_proto_norm(const char *p, char out[16]);
/** NACL protocol: as numbers ("-1", "6", "17", "1", "58"). */
void dm__nacl_proto_norm(const char *p, char out[16]);

/* ---- policies (policy.c) ------------------------------------------------- */

/** Does the document grant Action "*" (or "*:*") on Resource "*" with Effect Allow? */
int dm__policy_is_admin(const char *doc);
/** Does a trust/resource policy allow a Principal "*" (or {"AWS":"*"})? */
int dm__policy_public_principal(const char *doc);

/* ---- severity (severity.c) ---------------------------------------------- */

/** Severity of a finding from the severity table (changes already filtered). */
dm_severity dm__finding_severity(const dm_finding *f);

/* ---- the diff run (diff.c <-> diff_atoms.c) ----------------------------- */

struct dm_drift;

/** A matched (state, live) pair, or a standalone sub-resource (live NULL). */
typedef struct dm_pair {
	const dm_resource *state;
	const dm_resource *live;
	const char *account;   /* inferred for the state resource (may be NULL) */
	const char *region;
	dm_change *changes;
	size_t nchanges, capchanges;
	int standalone;        /* a sub-resource resolved by coverage */
	int atoms_total, atoms_found;
	int atoms_in_sync;     /* diff_atoms.c: sub-resource lists equal to the live twin's */
} dm_pair;

/** One live resource. */
typedef struct dm_lent {
	const dm_resource *r;
	const dm_type_spec *spec;
	const char *key;
	struct dm_lent *next;  /* same canonical key */
	dm_pair *pair;         /* when matched */
	void *group;           /* diff.c: the state group matched to it */
	size_t slot;           /* diff.c: live map index (SIZE_MAX: not indexed) */
	int by_default_obj;    /* matched by an aws_default_* state resource */
	int atoms_in_sync;     /* diff_atoms.c: not exploded (in sync with its pair, or unmanaged and unclaimed) */
} dm_lent;

typedef struct dm_diffrun {
	dm_ctx *ctx;
	struct dm_drift *d;
	const dm_inventory *state;
	const dm_inventory *live;
	const dm_diff_options *opts;
	dm_arena *scratch;       /* keys and atoms; freed at the end of dm_diff */
	dm_arena *keep;          /* strings findings point at (owned by the result) */
	dm_lent *lents;
	size_t nlents;
	dm_strmap *complete;     /* "provider|account|region|type" -> (int)+2 */
} dm_diffrun;

/** Append a change to a pair. The json references are stolen (also on error). path is copied. */
int dm__pair_change(dm_diffrun *run, dm_pair *p, const char *path, dm_change_op op,
		    json_t *state, json_t *live);
/** Type spec of a resource (NULL when no table knows it). */
const dm_type_spec *dm__diff_spec(const dm_diffrun *run, const dm_resource *r);
/** Completeness of the live scope covering (provider, account, region, live type): 1, 0, -1 (cached). */
int dm__diff_complete(dm_diffrun *run, const char *provider, const char *account,
		      const char *region, const char *type);
/** Add a MISSING finding for a state resource (standalone sub-resource). */
int dm__diff_missing(dm_diffrun *run, const dm_pair *p);
/** Infer (account, region) of a state resource from arn / availability_zone / region. */
void dm__infer_scope(dm_diffrun *run, const dm_resource *r, const char **account,
		     const char **region);

/** Is attribute `name` of `type` handled by coverage (not compared as a whole)? */
int dm__atoms_owns(const char *type, const char *name);
/**
 * A JSON object holding only the listed top-level attributes of r (borrowed
 * values; NULL-terminated key list), so lazily loaded resources materialise
 * just what is compared. For a materialised resource: a new reference to its
 * attributes. Caller decrefs. NULL on allocation failure.
 */
json_t *dm__diff_view(const dm_resource *r, const char *const *keys);
/** Is `type` a sub-resource type the atom engine resolves? */
int dm__atoms_standalone(const char *type);
/**
 * Run the coverage phase: explode live parents, resolve every state
 * representation (pairs[0..npairs) hold matched parents and standalone
 * sub-resources), report uncovered live atoms on managed parents.
 */
int dm__atoms_run(dm_diffrun *run, dm_pair *pairs, size_t npairs);

#endif
