/*
 * driftmap — the resource model and the inventory.
 *
 * One model serves both sides of a comparison: a resource is a Terraform
 * resource type plus its attributes *in Terraform's attribute schema*
 * (jansson objects), whether it was read from a state file or enumerated
 * from a cloud API.
 *
 * Ownership: an inventory owns its resources, their strings and their
 * attribute objects. Pointers returned by dm_inventory_at()/find() are
 * borrowed and valid until the inventory is freed. dm_inventory_add()
 * copies every string of the template and *steals* the reference to
 * tmpl->attrs and tmpl->sensitive (also when it fails).
 */
#ifndef DRIFTMAP_INVENTORY_H
#define DRIFTMAP_INVENTORY_H

#include <jansson.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Resource flags. */
enum {
	DM_RES_DATA = 1u << 0,        /* a data source (state side), never compared */
	DM_RES_TAINTED = 1u << 1,     /* state: instance marked tainted */
	DM_RES_DEPOSED = 1u << 2,     /* state: deposed object (create_before_destroy) */
	DM_RES_AWS_CREATED = 1u << 3, /* live: created by the cloud itself (default VPC, service-linked role, ...) */
	DM_RES_FLAT = 1u << 4         /* state: attributes came from a legacy flatmap */
};

typedef struct dm_resource {
	const char *provider;   /* "aws" */
	const char *type;       /* "aws_vpc" */
	const char *id;         /* Terraform id ("vpc-0abc", a role *name* for aws_iam_role) */
	const char *account;    /* live: account id; state: NULL unless known */
	const char *region;     /* live: region ("global" for IAM); state: NULL unless known */
	json_t *attrs;          /* attributes (JSON object) in Terraform's schema */
	/* provenance (state side) */
	const char *address;    /* full address: module.vpc.aws_subnet.private["a"] */
	const char *source_uri; /* where the state came from (git::…, s3://…, path) */
	const char *commit;     /* git commit id of the state, or NULL */
	const char *name;       /* resource name in config ("private"), state side */
	const char *module;     /* module path ("module.vpc"), NULL for root */
	json_t *sensitive;      /* JSON array of paths (arrays of keys/indices) or NULL */
	unsigned flags;         /* DM_RES_* */
} dm_resource;

/** One enumeration scope of a live inventory: (provider, account, region, API). */
typedef struct dm_scope {
	const char *provider;
	const char *account;
	const char *region;
	const char *api;          /* "ec2:DescribeSubnets" */
	const char *const *types; /* Terraform types this scope enumerates */
	size_t ntypes;
	int complete;             /* 1 complete, 0 failed */
	const char *error;        /* one-line error when failed, else NULL */
	unsigned api_calls;       /* requests sent for this scope (retries included) */
} dm_scope;

/** A state source that contributed to a (state) inventory. */
typedef struct dm_source_info {
	const char *uri;
	const char *commit;
	long long serial;
	const char *lineage;
	const char *terraform_version;
	size_t resources;       /* managed resource instances read */
} dm_source_info;

typedef struct dm_inventory dm_inventory;

int dm_inventory_new(dm_inventory **out);
void dm_inventory_free(dm_inventory *inv);

/** Add a copy of tmpl (see ownership above). out may be NULL. */
int dm_inventory_add(dm_inventory *inv, const dm_resource *tmpl, dm_resource **out);
size_t dm_inventory_count(const dm_inventory *inv);
dm_resource *dm_inventory_at(const dm_inventory *inv, size_t i);
/** First resource with (provider, type, id); NULL when none. */
dm_resource *dm_inventory_find(const dm_inventory *inv, const char *provider,
			       const char *type, const char *id);
/** Next resource with the same (provider, type, id) as r; NULL when none. */
dm_resource *dm_inventory_find_next(const dm_inventory *inv, const dm_resource *r);
/**
 * The attributes object of r (borrowed). Resources read from big documents
 * (state files, inventory files) keep their attributes as raw JSON text and
 * materialise them here on first use: always read attributes through
 * dm_resource_attrs()/dm_resource_attr(), never r->attrs directly (it is
 * NULL until materialised). NULL only on allocation failure.
 */
json_t *dm_resource_attrs(const dm_resource *r);
/** One top-level attribute (borrowed), NULL when absent. Does not materialise the others. */
json_t *dm_resource_attr(const dm_resource *r, const char *name);
/**
 * Fast path for comparisons: 1 when attribute `name` is absent from both, or
 * present in both with the same JSON text (whitespace aside); 0 otherwise
 * (which proves nothing: compare the values).
 */
int dm_resource_attr_text_equal(const dm_resource *a, const dm_resource *b, const char *name);

/**
 * Materialise the attributes of every lazily loaded resource (r->attrs is
 * then set for all). Logically const: only caches change. 0 or DM_ENOMEM.
 * Entry points that walk whole attribute objects call this first.
 */
int dm_inventory_materialize(const dm_inventory *inv);

/** Intern a string in the inventory's arena (lives as long as the inventory). */
const char *dm_inventory_intern(dm_inventory *inv, const char *s);

int dm_inventory_add_scope(dm_inventory *inv, const dm_scope *scope);
size_t dm_inventory_scope_count(const dm_inventory *inv);
const dm_scope *dm_inventory_scope_at(const dm_inventory *inv, size_t i);
/**
 * Is the enumeration of TYPE in (provider, account, region) complete?
 * 1: every scope that covers it completed; 0: a covering scope failed;
 * -1: no scope covers it (the type was not enumerated at all).
 * account/region NULL match any.
 */
int dm_inventory_type_complete(const dm_inventory *inv, const char *provider,
			       const char *account, const char *region, const char *type);

int dm_inventory_add_source(dm_inventory *inv, const dm_source_info *src);
size_t dm_inventory_source_count(const dm_inventory *inv);
const dm_source_info *dm_inventory_source_at(const dm_inventory *inv, size_t i);

/** Move every resource, scope and source of src into dst; src is left empty. */
int dm_inventory_merge(dm_inventory *dst, dm_inventory *src);

/** Sort resources by (provider, type, id, account, region, address): deterministic output. */
void dm_inventory_sort(dm_inventory *inv);

/** Read/write the `driftmap.inventory/v1` JSON form (see docs/inventory-format.md). */
int dm_inventory_load_json(dm_inventory **out, dm_ctx *ctx, const char *path);
int dm_inventory_from_json(dm_inventory **out, dm_ctx *ctx, const json_t *doc, const char *what);
int dm_inventory_save_json(const dm_inventory *inv, dm_ctx *ctx, const char *path);
/** New reference to the JSON form; NULL on allocation failure. */
json_t *dm_inventory_to_json(const dm_inventory *inv);

#ifdef __cplusplus
}
#endif
#endif
