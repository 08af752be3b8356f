/*
 * driftmap — the resource graph and its diagrams.
 *
 * dm_graph_build() turns a live inventory and/or a state inventory (and,
 * optionally, the drift findings between them) into one graph: nodes are
 * resources keyed by (provider, type, id), plus one `internet` node and small
 * principal nodes (services, accounts) trusted by IAM roles; edges come from
 * the reference attributes declared in the providers' type tables (ref_type +
 * edge label), from SG rules (SG -> SG, internet -> SG) and from role trust
 * policies. Every node and edge records on which side it exists (live, state,
 * both), so one graph serves the three views:
 *
 *   DM_VIEW_CURRENT  what is live        (state-only elements hidden)
 *   DM_VIEW_TARGET   what the state says (live-only elements hidden)
 *   DM_VIEW_DRIFT    the union, styled by finding (unmanaged, missing, changed,
 *                    in sync), each with a text badge as well as a colour
 *
 * The union is laid out once per render call, so positions are identical in
 * the three pictures. Output is deterministic: the same inputs give
 * byte-identical DOT and SVG.
 *
 * Ownership: dm_graph_build() gives the caller a graph it frees with
 * dm_graph_free() (NULL accepted). The graph *borrows* the inventories and the
 * drift result (resources, strings): keep them alive until dm_graph_free().
 * Node and edge pointers returned by the accessors are borrowed and live as
 * long as the graph. Strings returned through `char **out` are owned by the
 * caller (free()).
 */
#ifndef DRIFTMAP_GRAPH_H
#define DRIFTMAP_GRAPH_H

#include "inventory.h"
#include "types.h"
#include "diff.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dm_graph_view {
	DM_VIEW_CURRENT = 1,      /* live */
	DM_VIEW_TARGET = 2,       /* state */
	DM_VIEW_DRIFT = 3,        /* union styled by finding */
	DM_VIEW_SEGMENTATION = 4  /* reserved for the posture engine: styled by dm_graph_options.style_hook */
} dm_graph_view;

/** On which side a node/edge exists (bit set). */
enum {
	DM_GRAPH_LIVE = 1u << 0,
	DM_GRAPH_STATE = 1u << 1
};

typedef enum dm_graph_status {
	DM_GSTATUS_INSYNC = 0,    /* in both, no finding */
	DM_GSTATUS_UNMANAGED = 1, /* live only */
	DM_GSTATUS_MISSING = 2,   /* state only */
	DM_GSTATUS_CHANGED = 3,   /* both, attributes differ */
	DM_GSTATUS_DEFAULT = 4,   /* live only, created by the cloud itself (never unmanaged) */
	DM_GSTATUS_IGNORED = 5,   /* a finding that matched an ignore rule */
	DM_GSTATUS_UNVERIFIED = 6 /* one side only and no finding (type not compared, scope incomplete) */
} dm_graph_status;

typedef enum dm_graph_node_kind {
	DM_GNODE_RESOURCE = 0,
	DM_GNODE_INTERNET = 1,    /* 0.0.0.0/0, ::/0 */
	DM_GNODE_PRINCIPAL = 2,   /* IAM trust principal: service, account, federated */
	DM_GNODE_EXTERNAL = 3     /* referenced but in neither inventory (other account, not enumerated) */
} dm_graph_node_kind;

typedef struct dm_graph_node {
	const char *key;          /* "aws/aws_subnet/subnet-0abc", "internet", "principal/service/ec2.amazonaws.com" */
	dm_graph_node_kind kind;
	const char *provider;     /* NULL for internet/principals */
	const char *type;         /* live type ("aws_security_group" also for aws_default_security_group) */
	const char *id;
	const char *name;         /* Name tag, role/cluster name, ... or NULL */
	const char *cidr;         /* cidr_block or NULL */
	const char *account;      /* placement (inherited when the resource has none) or NULL */
	const char *region;       /* placement; "global" for IAM */
	const char *vpc;          /* VPC id the node sits in, or NULL */
	const char *subnet;       /* subnet id the node sits in (NAT gateways, ...), or NULL */
	unsigned presence;        /* DM_GRAPH_LIVE | DM_GRAPH_STATE */
	dm_graph_status status;
	const dm_resource *live;  /* borrowed, NULL when not live */
	const dm_resource *state; /* borrowed, NULL when not in state */
	const dm_finding *finding;/* borrowed, NULL when none */
} dm_graph_node;

typedef struct dm_graph_edge {
	const dm_graph_node *from;
	const dm_graph_node *to;
	const char *kind;         /* edge label from the type table: "routes_to", "in_vpc", "ingress", "trusts", ... */
	const char *detail;       /* aggregated ports/destinations ("tcp/443, tcp/80"), or NULL */
	unsigned presence;        /* DM_GRAPH_LIVE | DM_GRAPH_STATE */
	int containment;          /* 1: expressed by cluster nesting (subnet in VPC), not drawn as a line */
} dm_graph_edge;

/** Optional styling hook for DM_VIEW_SEGMENTATION (posture engine). */
typedef struct dm_graph_style {
	const char *fillcolor;    /* NULL: default */
	const char *color;
	const char *css_class;    /* extra SVG class */
	const char *badge;        /* reserved: labels are laid out once for every view, so not drawn yet */
	int hidden;               /* 1: invisible in the segmentation view */
} dm_graph_style;

typedef void (*dm_graph_node_style_fn)(const dm_graph_node *n, dm_graph_style *out, void *ud);
typedef void (*dm_graph_edge_style_fn)(const dm_graph_edge *e, dm_graph_style *out, void *ud);

typedef struct dm_graph_options {
	/* filters: a resource node is kept when it matches every non-empty filter */
	const char *const *regions;   size_t nregions;
	const char *const *vpcs;      size_t nvpcs;
	const char *const *types;     size_t ntypes;
	const char *const *tags;      size_t ntags;  /* "KEY=VALUE" (or "KEY": any value) */
	const char *focus;            /* resource id (or key): keep only its neighbourhood */
	unsigned depth;               /* focus depth in edges (0 = 1) */
	/* scale */
	unsigned collapse_threshold;  /* > this many alike resources in one cluster: one "N x type" node (0 = 8) */
	unsigned page_threshold;      /* > this many drawn nodes: overview + one page per VPC (0 = 250) */
	unsigned layout_budget_ms;    /* layout time budget per page (0 = 8000) */
	const char *title;            /* diagram title, NULL: "driftmap" */
	/* segmentation view */
	dm_graph_node_style_fn node_style;
	dm_graph_edge_style_fn edge_style;
	void *style_ud;
} dm_graph_options;

typedef struct dm_graph dm_graph;

/**
 * Build the graph. live and/or state may be NULL (not both); drift may be
 * NULL (status then follows presence only). tables: the providers' type
 * tables (edges come from their reference attributes). opts may be NULL.
 * Returns 0, DM_EINVAL (no inventory, bad tag filter, focus not found),
 * DM_ENOMEM.
 */
int dm_graph_build(dm_graph **out, dm_ctx *ctx, const dm_inventory *live,
		   const dm_inventory *state, const dm_drift *drift,
		   const dm_type_table *const *tables, size_t ntables,
		   const dm_graph_options *opts);
void dm_graph_free(dm_graph *g);

/** Nodes/edges after filtering, sorted by key (nodes) and (from, to, kind) (edges). */
size_t dm_graph_node_count(const dm_graph *g);
const dm_graph_node *dm_graph_node_at(const dm_graph *g, size_t i);
size_t dm_graph_edge_count(const dm_graph *g);
const dm_graph_edge *dm_graph_edge_at(const dm_graph *g, size_t i);
/** Node by (type, id) (type may be NULL: any type); NULL when none. */
const dm_graph_node *dm_graph_find(const dm_graph *g, const char *type, const char *id);

const char *dm_graph_view_name(dm_graph_view v);          /* "current" ... */
int dm_graph_view_parse(const char *s, dm_graph_view *out); /* 0 or DM_EINVAL */
const char *dm_graph_status_name(dm_graph_status s);      /* "unmanaged" ... */

/** One output file of a render call. */
typedef struct dm_graph_output {
	dm_graph_view view;
	const char *format;       /* "svg", "png", "pdf", "dot" (laid-out DOT), "gv" (DOT before layout) */
	const char *path;
} dm_graph_output;

/**
 * Lay the graph out once and write every output. When the drawing is above
 * the page threshold, each output becomes several files derived from its
 * path: NAME-overview.EXT and NAME-vpc-<id>.EXT (NAME = path without its
 * extension). Returns 0, DM_EINVAL (format, view), DM_EIO (write),
 * DM_ERROR (Graphviz layout/render failure; message carries Graphviz's).
 * What was collapsed or paged is said in the diagram caption and logged.
 */
int dm_graph_render_all(dm_ctx *ctx, const dm_graph *g, const dm_graph_output *outs, size_t nouts);
/** One output (convenience). */
int dm_graph_render(dm_ctx *ctx, const dm_graph *g, dm_graph_view view, const char *format,
		    const char *path);
/**
 * The DOT text (before layout) of a view of the whole (unpaged) drawing.
 * *out is owned by the caller (free()). Deterministic: for golden tests and `--output gv=`.
 */
int dm_graph_to_dot(dm_ctx *ctx, const dm_graph *g, dm_graph_view view, char **out);

/* ---- segmentation view (appended) ---------------------------------------------- */

struct dm_posture; /* driftmap/posture.h */

/**
 * The posture engine's segmentation matrix as a graph, drawn with the same
 * render calls (use DM_VIEW_SEGMENTATION): one node per tier (key
 * "tier/<name>", type "tier", id = the tier name), an `internet` node when a
 * pair involves it, one edge of kind "allows" per ordered pair of distinct
 * tiers with a non-empty allowed set (detail: "tcp/5432, udp/53", "all").
 * What a tier allows within itself is in its node's `cidr` ("within: all, tcp/22").
 * The graph borrows P: keep it alive until dm_graph_free(). live may be NULL.
 * Deterministic. Returns 0, DM_EINVAL (P NULL), DM_ENOMEM.
 */
int dm_graph_segmentation(dm_graph **out, dm_ctx *ctx, const struct dm_posture *p,
			  const dm_inventory *live, const dm_type_table *const *tables, size_t ntables);

#ifdef __cplusplus
}
#endif
#endif
