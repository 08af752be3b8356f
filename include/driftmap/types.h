/*
 * driftmap — the per-provider type table: what driftmap knows about each
 * Terraform resource type. Declarative; providers own static tables of these.
 *
 * Only attributes listed in a type's spec are compared. An attribute not
 * listed is never drift (computed values, timestamps, ARNs, ...). Attributes
 * that AWS changes by design are listed with DM_CMP_IGNORE so the table says
 * so explicitly.
 */
#ifndef DRIFTMAP_TYPES_H
#define DRIFTMAP_TYPES_H

#include "inventory.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dm_cmp_kind {
	DM_CMP_SCALAR = 1, /* string/number/bool; null == "" == 0-length for absent values */
	DM_CMP_SET,        /* list compared as a set of scalars (order never matters) */
	DM_CMP_POLICY,     /* IAM policy JSON document, compared by meaning */
	DM_CMP_TAGS,       /* map of tags; live compared with tags_all when the state has it */
	DM_CMP_IGNORE,     /* changes by design, never drift (listed for documentation) */
	DM_CMP_BLOCK,      /* single nested block (list of one object): compare sub-attributes */
	DM_CMP_BLOCKSET,   /* list of nested objects compared as a set (order never matters) */
	DM_CMP_MAP         /* map of scalars compared key by key */
} dm_cmp_kind;

typedef struct dm_attr_spec {
	const char *name;               /* Terraform attribute name */
	dm_cmp_kind cmp;
	const struct dm_attr_spec *sub; /* for BLOCK/BLOCKSET: nested specs (NULL: compare whole objects) */
	size_t nsub;
	const char *ref_type;           /* reference attribute: type of the target (graph edge), or NULL */
	const char *edge;               /* edge label ("in_vpc", "routes_to", ...) */
} dm_attr_spec;

/** Type flags. */
enum {
	DM_TYPE_LIVE = 1u << 0,          /* the provider enumerates this type live */
	DM_TYPE_SYNTHETIC_ID = 1u << 1,  /* Terraform's id is synthetic: match on canonical key */
	DM_TYPE_SUBRESOURCE = 1u << 2,   /* a part of a parent (SG rule, attachment, route): matched by coverage */
	DM_TYPE_DEFAULT_OBJ = 1u << 3,   /* aws_default_*: adopts an AWS-created object */
	DM_TYPE_NO_UNMANAGED = 1u << 4   /* never reported unmanaged (e.g. associations) */
};

typedef struct dm_type_spec {
	const char *type;         /* "aws_vpc" */
	const char *service;      /* "ec2", "iam", "eks" */
	const char *label;        /* short human label for diagrams ("VPC") */
	unsigned flags;           /* DM_TYPE_* */
	const dm_attr_spec *attrs;
	size_t nattrs;
	/** Canonical match key into buf (NUL-terminated); NULL: the Terraform id. Returns 0 or <0. */
	int (*canonical_key)(const dm_resource *r, char *buf, size_t cap);
	/** Is this live resource created by the cloud itself (never unmanaged)? NULL: no. */
	int (*cloud_created)(const dm_resource *r);
	const char *live_type;    /* for aws_default_* and alternates: the type live resources carry ("aws_vpc") */
} dm_type_spec;

/** A provider's type table. */
typedef struct dm_type_table {
	const char *provider;
	const dm_type_spec *types;
	size_t ntypes;
} dm_type_table;

/** Lookup by Terraform type name; NULL when the table does not know it. */
const dm_type_spec *dm_type_table_find(const dm_type_table *t, const char *type);
/** Lookup an attribute spec in a type; NULL when not compared. */
const dm_attr_spec *dm_type_attr(const dm_type_spec *t, const char *name);

#ifdef __cplusplus
}
#endif
#endif
