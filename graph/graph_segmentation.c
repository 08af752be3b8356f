/*
 * driftmap graph — the segmentation view: the posture engine's tier matrix
 * drawn through the same drawing and rendering code as the other views.
 *
 * Nodes are the tiers (key "tier/<name>", type "tier", id = tier name) plus
 * `internet` when a pair starts or ends there; one edge (kind "allows") per
 * ordered pair of distinct tiers with a non-empty allowed set, its detail
 * items being the allowed (protocol, ports) entries ("tcp/5432", "udp/53",
 * "all"). What a tier allows within itself is a line of the tier's label
 * (carried in dm_graph_node.cidr: "within: all, tcp/22"). Tiers and
 * pairs come from the posture result in its (sorted) order and are sorted
 * again by key, so the drawing is deterministic. Styling is done through the
 * segmentation hooks of dm_graph_options.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "graph_internal.h"
#include "driftmap/posture.h"

#define SEG_NO_COLLAPSE 4000000000u  /* tiers are never collapsed into "N x tier" */
#define SEG_NO_PAGING 4000000000u    /* tiers sit in no VPC: paging would not help */

struct seg {
	dm_graph *g;
	int oom;
};

static const char *sfmt(struct seg *s, const char *fmt, ...) DM_PRINTF(2, 3);
static const char *sfmt(struct seg *s, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->oom = 1;
		return NULL;
	}
	p = dm__arena_alloc(s->g->arena, (size_t)n + 1);
	if (!p) {
		s->oom = 1;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static void node_look(const dm_graph_node *n, dm_graph_style *out, void *ud)
{
	(void)ud;
	if (n->kind == DM_GNODE_RESOURCE) {
		out->fillcolor = "#e3eefa";
		out->color = "#4a78b5";
		out->css_class = "seg-tier";
	}
}

static void edge_look(const dm_graph_edge *e, dm_graph_style *out, void *ud)
{
	(void)ud;
	if (e->from->kind == DM_GNODE_INTERNET) {
		out->color = "#b03a2e";
		out->css_class = "seg-from-internet";
	} else {
		out->color = "#1f5fa8";
		out->css_class = "seg-internal";
	}
}

static struct gnode *seg_node(struct seg *s, const char *name)
{
	dm_graph *g = s->g;
	int inet = strcmp(name, "internet") == 0;
	const char *key = inet ? "internet" : sfmt(s, "tier/%s", name);
	struct gnode *n;

	if (!key)
		return NULL;
	n = dm__strmap_get(g->bykey, key);
	if (n)
		return n;
	if (dm__grow((void **)&g->nodes, &g->capnodes, g->nnodes + 1, sizeof(*g->nodes)) < 0) {
		s->oom = 1;
		return NULL;
	}
	n = dm__arena_alloc(g->arena, sizeof(*n));
	if (!n || dm__strmap_put(g->bykey, key, n) < 0) {
		s->oom = 1;
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->pub.key = key;
	n->pub.kind = inet ? DM_GNODE_INTERNET : DM_GNODE_RESOURCE;
	n->pub.provider = inet ? NULL : "aws";
	n->pub.type = inet ? NULL : "tier";
	n->pub.id = inet ? "internet" : dm__arena_strdup(g->arena, name);
	n->pub.presence = DM_GRAPH_LIVE | DM_GRAPH_STATE; /* drawn in every view, never "drift" */
	n->pub.status = DM_GSTATUS_INSYNC;
	n->label = inet ? "Internet" : "Tier";
	n->keep = 1;
	if (!n->pub.id)
		s->oom = 1;
	g->nodes[g->nnodes++] = n;
	return n;
}

static const char *range_text(struct seg *s, const dm_posture_port_range *r)
{
	const char *proto = r->protocol ? r->protocol : "-1";

	if (strcmp(proto, "-1") == 0 || strcmp(proto, "all") == 0)
		return "all";
	if (r->from < 0 || (r->from == 0 && r->to >= 65535 && strcmp(proto, "icmp") != 0))
		return sfmt(s, "%s/all", proto);
	if (r->from == r->to)
		return sfmt(s, "%s/%d", proto, r->from);
	return sfmt(s, "%s/%d-%d", proto, r->from, r->to);
}

static int item_add(struct seg *s, struct gedge *e, const char *item)
{
	size_t i;

	if (!item)
		return DM_ENOMEM;
	for (i = 0; i < e->nitems; i++)
		if (strcmp(e->items[i], item) == 0)
			return 0;
	if (e->nitems >= DM_GRAPH_MAX_DETAILS) {
		e->more++;
		return 0;
	}
	if (dm__grow((void **)&e->items, &e->capitems, e->nitems + 1, sizeof(*e->items)) < 0 ||
	    dm__grow((void **)&e->ipres, &e->capipres, e->nitems + 1, sizeof(*e->ipres)) < 0) {
		s->oom = 1;
		return DM_ENOMEM;
	}
	e->items[e->nitems] = item;
	e->ipres[e->nitems++] = DM_GRAPH_LIVE | DM_GRAPH_STATE;
	return 0;
}

static void seg_edge(struct seg *s, const dm_posture_pair *pr)
{
	dm_graph *g = s->g;
	struct gnode *from, *to;
	struct gedge *e;
	const char *key;
	size_t i;

	if (!pr || !pr->from || !pr->to || !pr->nallowed)
		return;
	from = seg_node(s, pr->from);
	to = seg_node(s, pr->to);
	if (!from || !to)
		return;
	if (from == to) {
		/* traffic inside one tier: a line on the node, not a self-loop */
		dm_buf b = DM_BUF_INIT;

		dm__buf_init(&b, 4096);
		for (i = 0; i < pr->nallowed && i < 4; i++)
			dm__buf_printf(&b, "%s%s", i ? ", " : "within: ", range_text(s, &pr->allowed[i]));
		if (pr->nallowed > 4)
			dm__buf_printf(&b, " +%zu", pr->nallowed - 4);
		from->pub.cidr = b.ptr ? dm__arena_strdup(g->arena, b.ptr) : NULL;
		if (!from->pub.cidr)
			s->oom = 1;
		dm__buf_free(&b);
		return;
	}
	key = sfmt(s, "%s\x1f%s\x1f%s", from->pub.key, to->pub.key, "allows");
	if (!key)
		return;
	e = dm__strmap_get(g->edgemap, key);
	if (!e) {
		if (dm__grow((void **)&g->edges, &g->capedges, g->nedges + 1, sizeof(*g->edges)) < 0) {
			s->oom = 1;
			return;
		}
		e = dm__arena_alloc(g->arena, sizeof(*e));
		if (!e || dm__strmap_put(g->edgemap, key, e) < 0) {
			s->oom = 1;
			return;
		}
		memset(e, 0, sizeof(*e));
		e->from = from;
		e->to = to;
		e->pub.from = &from->pub;
		e->pub.to = &to->pub;
		e->pub.kind = "allows";
		e->pub.presence = DM_GRAPH_LIVE | DM_GRAPH_STATE;
		e->keep = 1;
		g->edges[g->nedges++] = e;
	}
	for (i = 0; i < pr->nallowed && !s->oom; i++)
		item_add(s, e, range_text(s, &pr->allowed[i]));
}

static int cmp_snode(const void *a, const void *b)
{
	return strcmp((*(struct gnode *const *)a)->pub.key, (*(struct gnode *const *)b)->pub.key);
}

static int cmp_sedge(const void *a, const void *b)
{
	const struct gedge *x = *(struct gedge *const *)a, *y = *(struct gedge *const *)b;
	int c = strcmp(x->from->pub.key, y->from->pub.key);

	return c ? c : strcmp(x->to->pub.key, y->to->pub.key);
}

int dm_graph_segmentation(dm_graph **out, dm_ctx *ctx, const dm_posture *p, const dm_inventory *live,
			  const dm_type_table *const *tables, size_t ntables)
{
	dm_graph *g = NULL;
	struct seg s;
	size_t i, n;

	(void)live; /* the matrix already summarises it; kept for placement/labels later */
	*out = NULL;
	if (!p)
		return dm__error(ctx, DM_EINVAL, "diagram: segmentation view needs a posture result");
	g = dm__calloc(1, sizeof(*g));
	if (!g)
		return dm__error(ctx, DM_ENOMEM, "diagram: out of memory");
	g->ctx = ctx;
	g->tables = tables;
	g->ntables = ntables;
	g->segmentation = 1;
	g->opts.collapse_threshold = SEG_NO_COLLAPSE;
	g->opts.page_threshold = SEG_NO_PAGING;
	g->opts.node_style = node_look;
	g->opts.edge_style = edge_look;
	n = dm_posture_tier_count(p) + 1;
	if (dm__arena_new(&g->arena) < 0 || dm__strmap_new(&g->bykey, n + 16) < 0 ||
	    dm__strmap_new(&g->byarn, 16) < 0 ||
	    dm__strmap_new(&g->edgemap, 2 * dm_posture_pair_count(p) + 16) < 0)
		goto oom;
	memset(&s, 0, sizeof(s));
	s.g = g;
	g->title = sfmt(&s, "driftmap segmentation: %zu tier(s), %zu allowed pair(s)",
			dm_posture_tier_count(p), dm_posture_pair_count(p));
	for (i = 0; i < dm_posture_tier_count(p) && !s.oom; i++) {
		struct gnode *t = seg_node(&s, dm_posture_tier_at(p, i));
		size_t ns = 0;

		dm_posture_tier_subnets(p, i, &ns);
		if (t && t->pub.kind == DM_GNODE_RESOURCE)
			t->label = sfmt(&s, "Tier \xc2\xb7 %zu subnet%s", ns, ns == 1 ? "" : "s");
	}
	for (i = 0; i < dm_posture_pair_count(p) && !s.oom; i++)
		seg_edge(&s, dm_posture_pair_at(p, i));
	if (s.oom)
		goto oom;
	if (g->nnodes)
		qsort(g->nodes, g->nnodes, sizeof(*g->nodes), cmp_snode);
	if (g->nedges)
		qsort(g->edges, g->nedges, sizeof(*g->edges), cmp_sedge);
	for (i = 0; i < g->nedges; i++) {
		g->edges[i]->pub.detail = dm__graph_edge_detail(g, g->edges[i]);
		if (g->edges[i]->nitems && !g->edges[i]->pub.detail)
			goto oom;
	}
	g->vnodes = dm__calloc(g->nnodes + 1, sizeof(*g->vnodes));
	g->vedges = dm__calloc(g->nedges + 1, sizeof(*g->vedges));
	if (!g->vnodes || !g->vedges)
		goto oom;
	for (i = 0; i < g->nnodes; i++) {
		g->nodes[i]->order = i;
		g->vnodes[g->nvnodes++] = &g->nodes[i]->pub;
	}
	for (i = 0; i < g->nedges; i++)
		g->vedges[g->nvedges++] = &g->edges[i]->pub;
	dm__log(ctx, DM_LOG_DEBUG, "diagram: segmentation graph of %zu tiers/internet, %zu edges",
		g->nvnodes, g->nvedges);
	*out = g;
	return 0;
oom:
	dm_graph_free(g);
	return dm__error(ctx, DM_ENOMEM, "diagram: out of memory building the segmentation graph");
}
