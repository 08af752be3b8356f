/*
 * driftmap graph — internals shared by the graph/ sources. Never installed.
 *
 *   graph_build.c   the model: nodes, edges from type-table references, SG
 *                   rules, trust policies; drift status; placement; filters
 *   graph_refs.c    fallback reference specs (used only for types the
 *                   provider's table does not declare references for), link
 *                   types, short labels, edge styles
 *   graph_draw.c    the drawing: collapse, paging, DOT text per view
 *   graph_render.c  Graphviz (cgraph + gvc): layout once, restyle per view, render
 */
#ifndef DM_GRAPH_INTERNAL_H
#define DM_GRAPH_INTERNAL_H

#include "internal.h"
#include "driftmap/graph.h"

#define DM_GRAPH_MAX_DETAILS 64   /* distinct detail items kept per edge */

struct gnode {
	dm_graph_node pub;
	const char *label;        /* short type label ("Subnet") */
	const char *changed;      /* first changed paths ("ingress, tags.Env") or NULL */
	int keep;                 /* passes filters */
	int iam;                  /* sits in the IAM area */
	int has_children;         /* a subnet hosting other nodes (drawn as a cluster) */
	size_t order;             /* index in the sorted node list */
};

struct gedge {
	dm_graph_edge pub;
	struct gnode *from, *to;
	const char **items;       /* distinct detail items (arena strings) */
	unsigned *ipres;          /* side(s) each item exists on */
	size_t nitems, capitems, capipres;
	size_t more;              /* items dropped past DM_GRAPH_MAX_DETAILS */
	int keep;
};

struct dm_graph {
	dm_ctx *ctx;
	dm_arena *arena;
	dm_graph_options opts;
	const dm_type_table *const *tables;
	size_t ntables;
	struct gnode **nodes;     /* all nodes; sorted by key after build */
	size_t nnodes, capnodes;
	struct gedge **edges;
	size_t nedges, capedges;
	dm_strmap *bykey;         /* key -> gnode */
	dm_strmap *byarn;         /* arn -> gnode */
	dm_strmap *edgemap;       /* "from\x1fto\x1fkind" -> gedge */
	/* filtered views (public accessors) */
	const dm_graph_node **vnodes;
	size_t nvnodes;
	const dm_graph_edge **vedges;
	size_t nvedges;
	const char *title;
	char **notes;             /* what filtering dropped (caption + log) */
	size_t nnotes, capnotes;
	int segmentation;         /* built by dm_graph_segmentation(): tier matrix, no drift legend */
};

/* graph_refs.c */
typedef struct dm__graph_link {
	const char *type;         /* resource type that is a relation, not a thing */
	const char *from_attr;    /* attribute naming the source (may be a list) */
	const char *from_type;
	const char *to_attr;
	const char *to_type;
	const char *edge;
	const char *detail_attr;  /* attribute shown on the edge (destination CIDR), or NULL */
} dm__graph_link;

/** Reference specs for a type: the provider table's when it declares any, else the fallback. */
const dm_attr_spec *dm__graph_ref_specs(const dm_graph *g, const char *provider, const char *type,
					size_t *n);
const dm_type_spec *dm__graph_type_spec(const dm_graph *g, const char *provider, const char *type);
/** Link-type descriptors for type (NULL: not a link type). *n receives the count. */
const dm__graph_link *dm__graph_links(const char *type, size_t *n);
/** Is type a relation/sub-resource rather than a drawable thing? */
int dm__graph_is_link(const dm_graph *g, const char *provider, const char *type);
/** Short label for a type ("Subnet"). */
const char *dm__graph_type_label(const dm_graph *g, const char *provider, const char *type);
/** Line style for an edge kind: style, colour, arrowhead, dir. */
void dm__graph_edge_look(const char *kind, const char **style, const char **color,
			 const char **arrowhead, const char **dir);
/** Category of a type for view colours: "net", "sec", "iam", "cmp", "other". */
const char *dm__graph_category(const char *type);

/* graph_build.c */
int dm__graph_note(dm_graph *g, const char *fmt, ...) DM_PRINTF(2, 3);
/** Sort detail items by text, keeping their presence alongside. */
void dm__graph_sort_items(const char **items, unsigned *pres, size_t n);
/** "+" / "-" before an item that exists on one side only of a two-sided edge, else "". */
const char *dm__graph_item_mark(unsigned item, unsigned edge);
/** Joined detail text of an edge (arena string) or NULL. */
const char *dm__graph_edge_detail(dm_graph *g, struct gedge *e);

/* graph_draw.c: the drawing of one page */
typedef enum dm__page_kind { DM_PAGE_ALL = 0, DM_PAGE_OVERVIEW = 1, DM_PAGE_VPC = 2 } dm__page_kind;

typedef struct dm__drawing dm__drawing;
int dm__drawing_build(dm__drawing **out, const dm_graph *g, dm__page_kind kind, const char *vpc,
		      unsigned collapse_threshold);
void dm__drawing_free(dm__drawing *d);
size_t dm__drawing_size(const dm__drawing *d);   /* nodes + edges drawn */
size_t dm__drawing_nodes(const dm__drawing *d);
/** DOT text of the drawing styled for view (caller frees). */
int dm__drawing_dot(const dm__drawing *d, dm_ctx *ctx, dm_graph_view view, char **out);
/** Restyle a laid-out cgraph graph (void * = Agraph_t *) for view. */
int dm__drawing_restyle(const dm__drawing *d, void *agraph, dm_graph_view view);
/** VPC ids that have nodes (sorted), for paging. Borrowed. */
size_t dm__graph_vpcs(const dm_graph *g, const char ***out);

#endif
