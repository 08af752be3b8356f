/*
 * driftmap graph — the drawing of one page: which graph nodes become which
 * drawn nodes (one each, a collapsed "N x type" group, or a VPC summary on
 * the overview page), aggregated edges, the cluster tree (account > region >
 * VPC > subnet, IAM beside the networks), labels, per-view styles, and the
 * DOT text. Everything is sorted by stable names: same input, same bytes.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cgraph.h>
#include "graph_internal.h"

#define NSTATUS 7
#define EDGE_LABEL_MAX_NODES 400 /* above this, edge details go to tooltips only */

struct dcluster {
	const char *name;
	const char *parent;       /* NULL: top level */
	const char *label;
	const char *look;         /* "account", "region", "vpc", "subnet", "iam", "principals", "legend" */
	unsigned presence;        /* OR of the presence of what is inside */
	int has_resources;
};

struct dnode {
	const char *name;         /* DOT name and SVG id */
	const struct gnode *rep;  /* the one graph node drawn, NULL for groups/summaries */
	const char *type;
	dm_graph_node_kind kind;
	int group;                /* 1: "N x type", 2: VPC summary */
	dm_graph_status status;
	unsigned presence;
	size_t count;
	size_t counts[NSTATUS];
	const char *vpc;
	const char *cluster;
	const char *label;        /* HTML label */
	size_t nmembers;
};

struct dedge {
	struct dnode *from, *to;
	const struct gedge *rep;  /* first graph edge merged (segmentation hook) */
	const char *kind;
	unsigned presence;
	const char **items;
	unsigned *ipres;
	size_t nitems, capitems, capipres;
	size_t count;             /* graph edges merged */
	const char *id;
	const char *detail;
};

struct dm__drawing {
	const dm_graph *g;
	dm_arena *arena;
	dm__page_kind kind;
	const char *vpc;
	struct dnode **nodes;
	size_t nnodes, capnodes;
	struct dedge **edges;
	size_t nedges, capedges;
	struct dcluster **clusters;
	size_t nclusters, capclusters;
	dm_strmap *nodemap, *edgemap, *clustermap;
	char **notes;
	size_t nnotes, capnotes;
	int oom;
	int edge_labels;
};

static const char *dfmt(dm__drawing *d, const char *fmt, ...) DM_PRINTF(2, 3);
static const char *dfmt(dm__drawing *d, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = n < 0 ? NULL : dm__arena_alloc(d->arena, (size_t)n + 1);
	if (!p) {
		d->oom = 1;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static void dnote(dm__drawing *d, const char *text)
{
	if (!text || dm__grow((void **)&d->notes, &d->capnotes, d->nnotes + 1, sizeof(*d->notes)) < 0) {
		d->oom = 1;
		return;
	}
	d->notes[d->nnotes++] = (char *)text;
	dm__log(d->g->ctx, DM_LOG_DEBUG, "diagram: %s", text);
}

/* ---- clusters ------------------------------------------------------------- */

static const char *cluster(dm__drawing *d, const char *name, const char *parent, const char *label,
			   const char *look)
{
	struct dcluster *c;

	if (!name)
		return NULL;
	c = dm__strmap_get(d->clustermap, name);
	if (c)
		return c->name;
	c = dm__arena_alloc(d->arena, sizeof(*c));
	if (!c || dm__grow((void **)&d->clusters, &d->capclusters, d->nclusters + 1, sizeof(*d->clusters)) < 0 ||
	    dm__strmap_put(d->clustermap, name, c) < 0) {
		d->oom = 1;
		return NULL;
	}
	c->name = name;
	c->parent = parent;
	c->label = label;
	c->look = look;
	d->clusters[d->nclusters++] = c;
	return name;
}

static const char *acct_cluster(dm__drawing *d, const char *acct)
{
	const char *a = acct ? acct : "unknown";

	return cluster(d, dfmt(d, "cluster_acct_%s", a), NULL,
		       acct ? dfmt(d, "AWS account %s", acct) : "account unknown", "account");
}

static const char *region_cluster(dm__drawing *d, const char *acct, const char *region)
{
	const char *parent = acct_cluster(d, acct);

	return cluster(d, dfmt(d, "cluster_region_%s_%s", acct ? acct : "unknown", region), parent,
		       region, "region");
}

static const struct gnode *graph_node(const dm_graph *g, const char *type, const char *id)
{
	char buf[1024];
	int n;

	if (!id)
		return NULL;
	n = snprintf(buf, sizeof(buf), "aws/%s/%s", type, id);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return dm__strmap_get(g->bykey, buf);
}

static const char *vpc_cluster(dm__drawing *d, const char *acct, const char *region, const char *vpc)
{
	const struct gnode *v = graph_node(d->g, "aws_vpc", vpc);
	const char *parent = region ? region_cluster(d, acct, region) : acct_cluster(d, acct);
	const char *label;

	if (v && v->pub.name)
		label = dfmt(d, "VPC %s  (%s%s%s)", v->pub.name, vpc, v->pub.cidr ? ", " : "",
			     v->pub.cidr ? v->pub.cidr : "");
	else
		label = dfmt(d, "VPC %s", vpc);
	return cluster(d, dfmt(d, "cluster_vpc_%s", vpc), parent, label, "vpc");
}

/* ---- placement of a graph node in the cluster tree --------------------------- */

static const char *node_cluster(dm__drawing *d, const struct gnode *n, const char *subnet_with_children)
{
	const dm_graph_node *p = &n->pub;

	if (p->kind == DM_GNODE_INTERNET)
		return NULL;
	if (p->kind == DM_GNODE_PRINCIPAL)
		return cluster(d, "cluster_principals", NULL, "Trusted principals", "principals");
	if (n->iam)
		return cluster(d, dfmt(d, "cluster_iam_%s", p->account ? p->account : "unknown"),
			       acct_cluster(d, p->account), "IAM (global)", "iam");
	if (subnet_with_children && p->vpc) {
		const struct gnode *s = graph_node(d->g, "aws_subnet", subnet_with_children);
		const char *label = s && s->pub.name ? s->pub.name : subnet_with_children;

		return cluster(d, dfmt(d, "cluster_subnet_%s", subnet_with_children),
			       vpc_cluster(d, p->account, p->region, p->vpc), label, "subnet");
	}
	if (p->vpc)
		return vpc_cluster(d, p->account, p->region, p->vpc);
	if (p->region && p->account)
		return region_cluster(d, p->account, p->region);
	if (p->account)
		return acct_cluster(d, p->account);
	if (p->region)
		return region_cluster(d, NULL, p->region);
	return NULL;
}

/* ---- labels ---------------------------------------------------------------------- */

static int html_esc(dm_buf *b, const char *s)
{
	int rc = 0;

	for (; s && *s && rc == 0; s++) {
		switch (*s) {
		case '&': rc = dm__buf_puts(b, "&amp;"); break;
		case '<': rc = dm__buf_puts(b, "&lt;"); break;
		case '>': rc = dm__buf_puts(b, "&gt;"); break;
		case '"': rc = dm__buf_puts(b, "&quot;"); break;
		default: rc = dm__buf_putc(b, (unsigned char)*s < 0x20 ? ' ' : *s); break;
		}
	}
	return rc;
}

static const char *badge(dm_graph_status s)
{
	switch (s) {
	case DM_GSTATUS_UNMANAGED: return "[+ unmanaged]";
	case DM_GSTATUS_MISSING: return "[- missing]";
	case DM_GSTATUS_CHANGED: return "[~ changed]";
	case DM_GSTATUS_DEFAULT: return "[aws default]";
	case DM_GSTATUS_IGNORED: return "[ignored]";
	case DM_GSTATUS_UNVERIFIED: return "[? unverified]";
	default: return NULL;
	}
}

static int row(dm_buf *b, const char *text, int size, const char *color, int bold)
{
	int rc = dm__buf_printf(b, "<TR><TD><FONT POINT-SIZE=\"%d\"%s%s%s>%s", size,
				color ? " COLOR=\"" : "", color ? color : "", color ? "\"" : "",
				bold ? "<B>" : "");

	if (!rc)
		rc = html_esc(b, text);
	if (!rc)
		rc = dm__buf_printf(b, "%s</FONT></TD></TR>", bold ? "</B>" : "");
	return rc;
}

static const char *principal_header(const char *type)
{
	if (!type)
		return "Principal";
	if (strcmp(type, "service") == 0)
		return "AWS service";
	if (strcmp(type, "account") == 0)
		return "AWS account";
	if (strcmp(type, "federated") == 0)
		return "Federated";
	return "AWS principal";
}

static const char *make_label(dm__drawing *d, const struct dnode *n)
{
	dm_buf b = DM_BUF_INIT;
	const char *r = NULL;
	int rc;
	size_t i;

	dm__buf_init(&b, 16384);
	rc = dm__buf_puts(&b, "<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">");
	if (n->group == 1) {
		const char *tl = dm__graph_type_label(d->g, "aws", n->type);

		rc = rc ? rc : row(&b, tl, 9, "#555555", 0);
		rc = rc ? rc : row(&b, dfmt(d, "%zu \xc3\x97 %s", n->count, tl), 12, NULL, 1);
		rc = rc ? rc : row(&b, dfmt(d, "collapsed (%s)", n->type), 8, "#555555", 0);
	} else if (n->group == 2) {
		const struct gnode *v = graph_node(d->g, "aws_vpc", n->vpc);
		dm_buf s = DM_BUF_INIT;

		rc = rc ? rc : row(&b, "VPC", 9, "#555555", 0);
		rc = rc ? rc : row(&b, v && v->pub.name ? v->pub.name : n->vpc, 12, NULL, 1);
		rc = rc ? rc : row(&b, v && v->pub.cidr ? dfmt(d, "%s  %s", n->vpc, v->pub.cidr) : n->vpc,
				   9, NULL, 0);
		dm__buf_init(&s, 1024);
		dm__buf_printf(&s, "%zu resources", n->count);
		for (i = 1; i < NSTATUS; i++)
			if (n->counts[i] && i != DM_GSTATUS_DEFAULT)
				dm__buf_printf(&s, ", %zu %s", n->counts[i],
					       dm_graph_status_name((dm_graph_status)i));
		rc = rc ? rc : row(&b, s.ptr ? s.ptr : "", 9, NULL, 1);
		rc = rc ? rc : row(&b, "see its own page", 8, "#555555", 0);
		dm__buf_free(&s);
	} else if (n->kind == DM_GNODE_INTERNET) {
		rc = rc ? rc : row(&b, "Internet", 12, NULL, 1);
		rc = rc ? rc : row(&b, "0.0.0.0/0  ::/0", 9, NULL, 0);
	} else if (n->kind == DM_GNODE_PRINCIPAL) {
		rc = rc ? rc : row(&b, principal_header(n->rep->pub.type), 8, "#555555", 0);
		rc = rc ? rc : row(&b, n->rep->pub.id, 10, NULL, 1);
	} else {
		const dm_graph_node *p = &n->rep->pub;
		const char *id = p->id;

		if (strncmp(id, "arn:", 4) == 0 && strrchr(id, '/'))
			id = strrchr(id, '/') + 1; /* policy ARNs: the name part (full ARN in the tooltip) */
		rc = rc ? rc : row(&b, n->kind == DM_GNODE_EXTERNAL ? dfmt(d, "%s (outside)", n->rep->label)
								  : n->rep->label, 9, "#555555", 0);
		rc = rc ? rc : row(&b, p->name ? p->name : id, 12, NULL, 1);
		if (p->name)
			rc = rc ? rc : row(&b, id, 9, NULL, 0);
		if (p->cidr)
			rc = rc ? rc : row(&b, p->cidr, 9, NULL, 0);
		if (n->kind == DM_GNODE_EXTERNAL)
			rc = rc ? rc : row(&b, "[not in inventory]", 8, NULL, 1);
	}
	if (n->kind == DM_GNODE_RESOURCE && n->group != 2 && badge(n->status)) {
		rc = rc ? rc : row(&b, badge(n->status), 9, NULL, 1);
		if (n->rep && n->rep->changed)
			rc = rc ? rc : row(&b, n->rep->changed, 8, NULL, 0);
	}
	rc = rc ? rc : dm__buf_puts(&b, "</TABLE>>");
	if (!rc)
		r = dm__arena_strdup(d->arena, b.ptr);
	if (!r)
		d->oom = 1;
	dm__buf_free(&b);
	return r;
}

/* ---- building --------------------------------------------------------------------- */

static struct dnode *dnode_get(dm__drawing *d, const char *name)
{
	struct dnode *n;

	if (!name)
		return NULL;
	n = dm__strmap_get(d->nodemap, name);
	if (n)
		return n;
	n = dm__arena_alloc(d->arena, sizeof(*n));
	if (!n || dm__grow((void **)&d->nodes, &d->capnodes, d->nnodes + 1, sizeof(*d->nodes)) < 0 ||
	    dm__strmap_put(d->nodemap, name, n) < 0) {
		d->oom = 1;
		return NULL;
	}
	n->name = name;
	d->nodes[d->nnodes++] = n;
	return n;
}

static void dedge_add(dm__drawing *d, struct dnode *from, struct dnode *to, const struct gedge *e)
{
	const char *key;
	struct dedge *de;
	size_t i, j;

	if (!from || !to || from == to)
		return;
	key = dfmt(d, "%s\x1f%s\x1f%s", from->name, to->name, e->pub.kind);
	if (!key)
		return;
	de = dm__strmap_get(d->edgemap, key);
	if (!de) {
		de = dm__arena_alloc(d->arena, sizeof(*de));
		if (!de || dm__grow((void **)&d->edges, &d->capedges, d->nedges + 1, sizeof(*d->edges)) < 0 ||
		    dm__strmap_put(d->edgemap, key, de) < 0) {
			d->oom = 1;
			return;
		}
		de->rep = e;
		de->from = from;
		de->to = to;
		de->kind = e->pub.kind;
		d->edges[d->nedges++] = de;
	}
	de->presence |= e->pub.presence;
	de->count++;
	for (i = 0; i < e->nitems; i++) {
		for (j = 0; j < de->nitems; j++)
			if (strcmp(de->items[j], e->items[i]) == 0)
				break;
		if (j < de->nitems) {
			de->ipres[j] |= e->ipres[i];
			continue;
		}
		if (de->nitems >= DM_GRAPH_MAX_DETAILS)
			continue;
		if (dm__grow((void **)&de->items, &de->capitems, de->nitems + 1, sizeof(*de->items)) < 0 ||
		    dm__grow((void **)&de->ipres, &de->capipres, de->nitems + 1, sizeof(*de->ipres)) < 0) {
			d->oom = 1;
			return;
		}
		de->items[de->nitems] = e->items[i];
		de->ipres[de->nitems++] = e->ipres[i];
	}
}

static int cmp_dnode(const void *a, const void *b)
{
	return strcmp((*(struct dnode *const *)a)->name, (*(struct dnode *const *)b)->name);
}

static int cmp_dedge(const void *a, const void *b)
{
	const struct dedge *x = *(struct dedge *const *)a, *y = *(struct dedge *const *)b;
	int c = strcmp(x->from->name, y->from->name);

	if (!c)
		c = strcmp(x->to->name, y->to->name);
	if (!c)
		c = strcmp(x->kind, y->kind);
	return c;
}

static int cmp_cluster(const void *a, const void *b)
{
	return strcmp((*(struct dcluster *const *)a)->name, (*(struct dcluster *const *)b)->name);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *join_items(dm__drawing *d, struct dedge *e)
{
	dm_buf b = DM_BUF_INIT;
	size_t i, shown = e->nitems < 4 ? e->nitems : 4;
	const char *r = NULL;

	if (!e->nitems)
		return NULL;
	dm__graph_sort_items(e->items, e->ipres, e->nitems);
	dm__buf_init(&b, 4096);
	for (i = 0; i < shown; i++)
		dm__buf_printf(&b, "%s%s%s", i ? ", " : "", dm__graph_item_mark(e->ipres[i], e->presence),
			       e->items[i]);
	if (e->nitems > shown)
		dm__buf_printf(&b, " +%zu", e->nitems - shown);
	if (b.ptr)
		r = dm__arena_strdup(d->arena, b.ptr);
	dm__buf_free(&b);
	return r;
}

static int collapsible(const struct gnode *n, const char *const *subnet_children, size_t i)
{
	return n->pub.kind == DM_GNODE_RESOURCE && strcmp(n->pub.type, "aws_vpc") != 0 &&
	       !subnet_children[i];
}

int dm__drawing_build(dm__drawing **out, const dm_graph *g, dm__page_kind kind, const char *vpc,
		      unsigned collapse_threshold)
{
	dm__drawing *d = NULL;
	const char **dkey = NULL, **sub_children = NULL, **ncluster = NULL;
	int *core = NULL;
	dm_strmap *groups = NULL, *hosts = NULL;
	size_t i, n = g->nnodes, ncollapsed = 0;
	int rc = DM_ENOMEM;

	*out = NULL;
	d = dm__calloc(1, sizeof(*d));
	if (!d)
		return DM_ENOMEM;
	d->g = g;
	d->kind = kind;
	dkey = dm__calloc(n + 1, sizeof(*dkey));
	sub_children = dm__calloc(n + 1, sizeof(*sub_children));
	ncluster = dm__calloc(n + 1, sizeof(*ncluster));
	core = dm__calloc(n + 1, sizeof(*core));
	if (!dkey || !sub_children || !ncluster || !core || dm__arena_new(&d->arena) < 0 ||
	    dm__strmap_new(&d->nodemap, kind == DM_PAGE_ALL ? n + 16 : 256) < 0 ||
	    dm__strmap_new(&d->edgemap, kind == DM_PAGE_ALL ? g->nedges + 16 : 512) < 0 ||
	    dm__strmap_new(&d->clustermap, 64) < 0 || dm__strmap_new(&groups, 64) < 0 ||
	    dm__strmap_new(&hosts, 64) < 0)
		goto done;
	d->vpc = vpc ? dm__arena_strdup(d->arena, vpc) : NULL;
	if (vpc && !d->vpc)
		goto done;

	/* which nodes belong to the page (core) */
	for (i = 0; i < n; i++) {
		const struct gnode *gn = g->nodes[i];

		if (!gn->keep)
			continue;
		core[i] = kind != DM_PAGE_VPC || (gn->pub.vpc && strcmp(gn->pub.vpc, vpc) == 0);
	}
	/* subnets hosting other nodes become clusters */
	for (i = 0; i < n; i++) {
		const struct gnode *gn = g->nodes[i];

		if (gn->keep && gn->pub.subnet && kind != DM_PAGE_OVERVIEW &&
		    dm__strmap_put(hosts, gn->pub.subnet, (void *)gn) < 0)
			goto done;
	}
	for (i = 0; i < n; i++) {
		const struct gnode *gn = g->nodes[i];

		if (!gn->keep || gn->pub.kind != DM_GNODE_RESOURCE)
			continue;
		if (strcmp(gn->pub.type, "aws_subnet") == 0 && dm__strmap_get(hosts, gn->pub.id))
			sub_children[i] = gn->pub.id;
	}
	/* clusters and collapse groups */
	for (i = 0; i < n && !d->oom; i++) {
		const struct gnode *gn = g->nodes[i];
		const char *sub = sub_children[i];
		const char *gk;
		size_t cnt;

		if (!gn->keep)
			continue;
		if (!sub && gn->pub.subnet && dm__strmap_get(hosts, gn->pub.subnet) &&
		    graph_node(g, "aws_subnet", gn->pub.subnet))
			sub = gn->pub.subnet;
		if (kind == DM_PAGE_OVERVIEW && gn->pub.vpc && gn->pub.kind == DM_GNODE_RESOURCE)
			continue;
		if (kind == DM_PAGE_VPC && gn->pub.vpc && strcmp(gn->pub.vpc, vpc) != 0 &&
		    gn->pub.kind == DM_GNODE_RESOURCE)
			continue;
		ncluster[i] = node_cluster(d, gn, sub);
		if (!collapsible(gn, sub_children, i))
			continue;
		gk = dfmt(d, "%s\x1f%s\x1f%d", ncluster[i] ? ncluster[i] : "", gn->pub.type,
			  (int)gn->pub.status);
		if (!gk)
			goto done;
		cnt = (size_t)(uintptr_t)dm__strmap_get(groups, gk);
		if (dm__strmap_put(groups, gk, (void *)(uintptr_t)(cnt + 1)) < 0)
			goto done;
	}
	if (d->oom)
		goto done;
	/* map graph nodes to drawn nodes */
	for (i = 0; i < n && !d->oom; i++) {
		const struct gnode *gn = g->nodes[i];
		struct dnode *dn;
		size_t cnt = 0;
		const char *gk;

		if (!gn->keep)
			continue;
		if ((kind == DM_PAGE_OVERVIEW || kind == DM_PAGE_VPC) && gn->pub.vpc &&
		    gn->pub.kind == DM_GNODE_RESOURCE && (kind == DM_PAGE_OVERVIEW || !core[i])) {
			/* a VPC summary: always on the overview, on a VPC page only when an edge reaches it */
			dkey[i] = dfmt(d, "vpc/%s", gn->pub.vpc);
			if (kind == DM_PAGE_OVERVIEW && !dnode_get(d, dkey[i]))
				goto done;
			continue;
		}
		if (collapsible(gn, sub_children, i)) {
			gk = dfmt(d, "%s\x1f%s\x1f%d", ncluster[i] ? ncluster[i] : "", gn->pub.type,
				  (int)gn->pub.status);
			cnt = gk ? (size_t)(uintptr_t)dm__strmap_get(groups, gk) : 0;
		}
		if (cnt > collapse_threshold) {
			dkey[i] = dfmt(d, "group/%s/%s/%s", ncluster[i] ? ncluster[i] + 8 : "top",
				       gn->pub.type, dm_graph_status_name(gn->pub.status));
			dn = dnode_get(d, dkey[i]);
			if (!dn)
				goto done;
			if (!dn->group) {
				dn->group = 1;
				dn->type = gn->pub.type;
				dn->kind = DM_GNODE_RESOURCE;
				dn->status = gn->pub.status;
				dn->cluster = ncluster[i];
				dn->vpc = gn->pub.vpc;
				ncollapsed++;
			}
			dn->count++;
			dn->counts[gn->pub.status]++;
			dn->presence |= gn->pub.presence;
			continue;
		}
		dkey[i] = gn->pub.key;
	}
	/*
	 * Edges between drawn nodes. A VPC page keeps the edges touching its
	 * core, plus one more hop from a region-level neighbour (a peering
	 * connection) to another VPC's summary: core[] == 2 marks those bridges.
	 */
	for (i = 0; kind == DM_PAGE_VPC && i < g->nedges; i++) {
		const struct gedge *e = g->edges[i];
		size_t fi = e->from->order, ti = e->to->order;

		if (!e->keep || e->pub.containment || !dkey[fi] || !dkey[ti])
			continue;
		if (core[fi] == 1 && !core[ti] && !e->to->pub.vpc)
			core[ti] = 2;
		if (core[ti] == 1 && !core[fi] && !e->from->pub.vpc)
			core[fi] = 2;
	}
	for (i = 0; i < g->nedges && !d->oom; i++) {
		const struct gedge *e = g->edges[i];
		size_t fi = e->from->order, ti = e->to->order;

		if (!e->keep || e->pub.containment || !dkey[fi] || !dkey[ti])
			continue;
		if (kind == DM_PAGE_VPC && core[fi] != 1 && core[ti] != 1 &&
		    !(core[fi] == 2 && strncmp(dkey[ti], "vpc/", 4) == 0) &&
		    !(core[ti] == 2 && strncmp(dkey[fi], "vpc/", 4) == 0))
			continue;
		dedge_add(d, dnode_get(d, dkey[fi]), dnode_get(d, dkey[ti]), e);
	}
	if (d->oom)
		goto done;
	/* fill the VPC summaries that are drawn */
	for (i = 0; i < n; i++) {
		const struct gnode *gn = g->nodes[i];
		struct dnode *dn;

		if (!dkey[i] || strncmp(dkey[i], "vpc/", 4) != 0)
			continue;
		dn = dm__strmap_get(d->nodemap, dkey[i]);
		if (!dn)
			continue;
		if (!dn->group) {
			dn->group = 2;
			dn->vpc = gn->pub.vpc;
			dn->type = "aws_vpc";
			dn->kind = DM_GNODE_RESOURCE;
			dn->cluster = gn->pub.region ? region_cluster(d, gn->pub.account, gn->pub.region)
						     : acct_cluster(d, gn->pub.account);
		}
		dn->count++;
		dn->counts[gn->pub.status]++;
		dn->presence |= gn->pub.presence;
	}
	/* single nodes: only those that are core or touched by a drawn edge */
	{
		dm_strmap *touched = NULL;

		if (dm__strmap_new(&touched, d->nedges * 2 + 16) < 0)
			goto done;
		for (i = 0; i < d->nedges; i++) {
			dm__strmap_put(touched, d->edges[i]->from->name, d->edges[i]->from);
			dm__strmap_put(touched, d->edges[i]->to->name, d->edges[i]->to);
		}
		for (i = 0; i < n; i++) {
			const struct gnode *gn = g->nodes[i];
			struct dnode *dn;
			int nonres = gn->pub.kind != DM_GNODE_RESOURCE;

			if (!dkey[i] || dkey[i] != gn->pub.key)
				continue;
			/* internet, principals, externals: drawn when an edge of the page touches them */
			if ((nonres || !core[i]) && !dm__strmap_get(touched, dkey[i]))
				continue;
			dn = dnode_get(d, dkey[i]);
			if (!dn)
				break;
			dn->rep = gn;
			dn->type = gn->pub.type;
			dn->kind = gn->pub.kind;
			dn->status = gn->pub.status;
			dn->presence = gn->pub.presence;
			dn->count = 1;
			dn->cluster = ncluster[i] ? ncluster[i] : node_cluster(d, gn, sub_children[i]);
			dn->vpc = gn->pub.vpc;
		}
		dm__strmap_free(touched);
	}
	/* drop edges whose single end was not drawn (cannot happen) and name the rest */
	if (d->nnodes)
		qsort(d->nodes, d->nnodes, sizeof(*d->nodes), cmp_dnode);
	if (d->nedges)
		qsort(d->edges, d->nedges, sizeof(*d->edges), cmp_dedge);
	d->edge_labels = d->nnodes <= EDGE_LABEL_MAX_NODES;
	for (i = 0; i < d->nedges && !d->oom; i++) {
		d->edges[i]->id = dfmt(d, "e%zu", i + 1);
		d->edges[i]->detail = join_items(d, d->edges[i]);
	}
	for (i = 0; i < d->nnodes && !d->oom; i++) {
		struct dnode *dn = d->nodes[i];

		if (!dn->count && !dn->group)
			dn->count = 1;
		dn->label = make_label(d, dn);
	}
	/* cluster presence: what a view shows of it */
	for (i = 0; i < d->nnodes; i++) {
		const char *c = d->nodes[i]->cluster;

		while (c) {
			struct dcluster *cl = dm__strmap_get(d->clustermap, c);

			if (!cl)
				break;
			cl->presence |= d->nodes[i]->presence;
			cl->has_resources = 1;
			c = cl->parent;
		}
	}
	if (d->nclusters)
		qsort(d->clusters, d->nclusters, sizeof(*d->clusters), cmp_cluster);
	if (kind == DM_PAGE_OVERVIEW)
		dnote(d, "overview: each VPC is one node; its resources are on its own page");
	if (kind == DM_PAGE_VPC)
		dnote(d, dfmt(d, "page for VPC %s; neighbours outside it are shown as summaries", vpc));
	if (!d->edge_labels)
		dnote(d, "edge labels moved to tooltips (large page)");
	for (i = 0; i < g->nnotes; i++)
		dnote(d, g->notes[i]);
	if (ncollapsed) {
		for (i = 0; i < d->nnodes; i++)
			if (d->nodes[i]->group == 1)
				dnote(d, dfmt(d, "collapsed %zu \xc3\x97 %s (%s) in %s", d->nodes[i]->count,
					      d->nodes[i]->type, dm_graph_status_name(d->nodes[i]->status),
					      d->nodes[i]->cluster ? d->nodes[i]->cluster + 8 : "top level"));
	}
	if (d->oom)
		goto done;
	dm__log(g->ctx, DM_LOG_INFO, "diagram: %s%s%s: %zu nodes, %zu edges drawn, %zu collapsed group(s)",
		kind == DM_PAGE_ALL ? "drawing" : kind == DM_PAGE_OVERVIEW ? "overview page" : "page for VPC ",
		kind == DM_PAGE_VPC ? vpc : "", "", d->nnodes, d->nedges, ncollapsed);
	*out = d;
	d = NULL;
	rc = 0;
done:
	dm__strmap_free(groups);
	dm__strmap_free(hosts);
	free(dkey);
	free(sub_children);
	free(ncluster);
	free(core);
	dm__drawing_free(d);
	return rc;
}

void dm__drawing_free(dm__drawing *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nedges; i++) {
		free(d->edges[i]->items);
		free(d->edges[i]->ipres);
	}
	free(d->nodes);
	free(d->edges);
	free(d->clusters);
	free(d->notes);
	dm__strmap_free(d->nodemap);
	dm__strmap_free(d->edgemap);
	dm__strmap_free(d->clustermap);
	dm__arena_free(d->arena);
	free(d);
}

size_t dm__drawing_size(const dm__drawing *d)
{
	return d->nnodes + d->nedges;
}

size_t dm__drawing_nodes(const dm__drawing *d)
{
	return d->nnodes;
}

size_t dm__graph_vpcs(const dm_graph *g, const char ***out)
{
	/* nodes are sorted by key, so aws/aws_vpc/<id> nodes come out in id order */
	static const char *const none[1] = { NULL };
	size_t i, n = 0;
	const char **v = NULL;

	*out = (const char **)none;
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i]->keep && g->nodes[i]->pub.vpc && g->nodes[i]->pub.kind == DM_GNODE_RESOURCE &&
		    strcmp(g->nodes[i]->pub.type, "aws_vpc") == 0)
			n++;
	if (!n)
		return 0;
	v = dm__arena_alloc(g->arena, n * sizeof(*v));
	if (!v)
		return 0;
	n = 0;
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i]->keep && g->nodes[i]->pub.vpc && g->nodes[i]->pub.kind == DM_GNODE_RESOURCE &&
		    strcmp(g->nodes[i]->pub.type, "aws_vpc") == 0)
			v[n++] = g->nodes[i]->pub.id;
	*out = v;
	return n;
}

/* ---- styles per view ------------------------------------------------------------------- */

struct style {
	const char *style;
	const char *color;
	const char *fillcolor;
	const char *penwidth;
	const char *cls;
	int hidden;
};

static void cat_colors(const char *type, const char **fill, const char **color)
{
	const char *c = type ? dm__graph_category(type) : "other";

	if (strcmp(c, "net") == 0) {
		*fill = "#e3eefa";
		*color = "#4a78b5";
	} else if (strcmp(c, "sec") == 0) {
		*fill = "#fbe5e1";
		*color = "#b03a2e";
	} else if (strcmp(c, "iam") == 0) {
		*fill = "#ece5f6";
		*color = "#7d5ba6";
	} else if (strcmp(c, "cmp") == 0) {
		*fill = "#e2f3e5";
		*color = "#2e7d32";
	} else {
		*fill = "#f0f0f0";
		*color = "#777777";
	}
}

static int view_hides(dm_graph_view view, unsigned presence)
{
	if (view == DM_VIEW_CURRENT)
		return !(presence & DM_GRAPH_LIVE);
	if (view == DM_VIEW_TARGET)
		return !(presence & DM_GRAPH_STATE);
	return 0;
}

static void node_style(const dm__drawing *d, const struct dnode *n, dm_graph_view view, struct style *s,
		       char *cls, size_t cap)
{
	const char *drift = dm_graph_status_name(n->status);
	dm_graph_style hook;

	memset(s, 0, sizeof(*s));
	s->style = "rounded,filled";
	s->penwidth = "1";
	cat_colors(n->type, &s->fillcolor, &s->color);
	if (n->kind == DM_GNODE_INTERNET) {
		s->style = "filled";
		s->fillcolor = "#ffffff";
		s->color = "#b03a2e";
		s->penwidth = "2";
	} else if (n->kind == DM_GNODE_PRINCIPAL) {
		s->fillcolor = "#f7f2fb";
		s->color = "#7d5ba6";
	} else if (n->kind == DM_GNODE_EXTERNAL) {
		s->style = "rounded,filled,dashed";
		s->fillcolor = "#ffffff";
		s->color = "#999999";
	} else if (n->group == 2) {
		s->style = "rounded,filled,bold";
		s->fillcolor = "#ffffff";
	} else if (view == DM_VIEW_DRIFT) {
		switch (n->status) {
		case DM_GSTATUS_UNMANAGED:
			s->fillcolor = "#fdd9b5";
			s->color = "#d95f02";
			s->penwidth = "2.5";
			break;
		case DM_GSTATUS_MISSING:
			s->style = "rounded,filled,dashed";
			s->fillcolor = "#fbe0e0";
			s->color = "#b2182b";
			s->penwidth = "2.5";
			break;
		case DM_GSTATUS_CHANGED:
			s->fillcolor = "#fff1a8";
			s->color = "#a67c00";
			s->penwidth = "2.5";
			break;
		case DM_GSTATUS_DEFAULT:
			s->style = "rounded,filled,dotted";
			s->fillcolor = "#ffffff";
			s->color = "#aaaaaa";
			break;
		case DM_GSTATUS_UNVERIFIED:
			s->style = "rounded,filled,dashed";
			s->fillcolor = "#ffffff";
			s->color = "#777777";
			break;
		default: /* in sync, ignored: muted */
			s->fillcolor = "#f5f5f5";
			s->color = "#b0b0b0";
			break;
		}
	}
	if (view == DM_VIEW_DRIFT || n->kind != DM_GNODE_RESOURCE)
		drift = n->kind == DM_GNODE_RESOURCE ? drift : "none";
	snprintf(cls, cap, "type-%s kind-%s drift-%s%s", n->type ? n->type : "internet",
		 n->group == 1 ? "group" : n->group == 2 ? "summary"
		 : n->kind == DM_GNODE_INTERNET         ? "internet"
		 : n->kind == DM_GNODE_PRINCIPAL        ? "principal"
		 : n->kind == DM_GNODE_EXTERNAL         ? "external"
							: "resource",
		 n->kind == DM_GNODE_RESOURCE && n->group != 2 ? drift : "none",
		 n->group == 1 ? " collapsed" : "");
	s->cls = cls;
	s->hidden = view_hides(view, n->presence);
	if (view == DM_VIEW_SEGMENTATION && n->rep && d->g->opts.node_style) {
		memset(&hook, 0, sizeof(hook));
		d->g->opts.node_style(&n->rep->pub, &hook, d->g->opts.style_ud);
		if (hook.fillcolor)
			s->fillcolor = hook.fillcolor;
		if (hook.color)
			s->color = hook.color;
		if (hook.css_class) {
			size_t l = strlen(cls);

			snprintf(cls + l, cap - l, " %s", hook.css_class);
		}
		s->hidden = hook.hidden;
	}
}

static const char *edge_status(unsigned p)
{
	if (p == DM_GRAPH_LIVE)
		return "unmanaged";
	if (p == DM_GRAPH_STATE)
		return "missing";
	return "insync";
}

static int muted(const struct dnode *n)
{
	return n->kind == DM_GNODE_RESOURCE && n->group != 2 &&
	       (n->status == DM_GSTATUS_DEFAULT || n->status == DM_GSTATUS_UNVERIFIED ||
		n->status == DM_GSTATUS_IGNORED);
}

static void edge_style(const dm__drawing *d, const struct dedge *e, dm_graph_view view, struct style *s,
		       char *cls, size_t cap, const char **arrowhead, const char **dir)
{
	memset(s, 0, sizeof(*s));
	dm__graph_edge_look(e->kind, &s->style, &s->color, arrowhead, dir);
	s->penwidth = e->count > 1 ? "1.5" : "1";
	if (view == DM_VIEW_DRIFT && (muted(e->from) || muted(e->to))) {
		/* edges of AWS-created or unverified objects are not drift */
		s->color = "#bbbbbb";
	} else if (view == DM_VIEW_DRIFT && e->presence == DM_GRAPH_LIVE) {
		s->color = "#d95f02";
		s->penwidth = "2";
	} else if (view == DM_VIEW_DRIFT && e->presence == DM_GRAPH_STATE) {
		s->color = "#b2182b";
		s->style = "dashed";
		s->penwidth = "2";
	}
	snprintf(cls, cap, "edge-%s drift-%s", e->kind,
		 (muted(e->from) || muted(e->to)) ? "none" : edge_status(e->presence));
	s->cls = cls;
	s->hidden = view_hides(view, e->presence);
	if (view == DM_VIEW_SEGMENTATION && e->rep && d->g->opts.edge_style) {
		dm_graph_style hook;

		memset(&hook, 0, sizeof(hook));
		d->g->opts.edge_style(&e->rep->pub, &hook, d->g->opts.style_ud);
		if (hook.color)
			s->color = hook.color;
		if (hook.css_class) {
			size_t l = strlen(cls);

			snprintf(cls + l, cap - l, " %s", hook.css_class);
		}
		s->hidden = hook.hidden;
	}
}

/* ---- DOT text ---------------------------------------------------------------------------- */

static int dot_str(dm_buf *b, const char *s)
{
	int rc = dm__buf_putc(b, '"');

	for (; s && *s && rc == 0; s++) {
		if (*s == '"' || *s == '\\')
			rc = dm__buf_putc(b, '\\');
		if (rc == 0)
			rc = dm__buf_putc(b, (unsigned char)*s < 0x20 ? ' ' : *s);
	}
	return rc ? rc : dm__buf_putc(b, '"');
}

static int put_node(dm_buf *b, const dm__drawing *d, const struct dnode *n, dm_graph_view view, int indent)
{
	struct style s;
	char cls[512];
	int rc;

	node_style(d, n, view, &s, cls, sizeof(cls));
	rc = dm__buf_printf(b, "%*s", indent, "");
	rc = rc ? rc : dot_str(b, n->name);
	rc = rc ? rc : dm__buf_puts(b, " [id=");
	rc = rc ? rc : dot_str(b, n->name);
	rc = rc ? rc : dm__buf_printf(b, " class=\"%s\" style=\"%s\" color=\"%s\" fillcolor=\"%s\" penwidth=%s%s",
				      s.cls, s.hidden ? "invis" : s.style, s.color, s.fillcolor,
				      s.penwidth, n->kind == DM_GNODE_INTERNET ? " shape=ellipse" : "");
	if (n->rep && n->rep->pub.kind == DM_GNODE_RESOURCE) {
		rc = rc ? rc : dm__buf_puts(b, " tooltip=");
		rc = rc ? rc : dot_str(b, n->rep->pub.key);
	}
	rc = rc ? rc : dm__buf_printf(b, " label=%s];\n", n->label);
	return rc;
}

static int cluster_visible(const struct dcluster *c, dm_graph_view view)
{
	return !view_hides(view, c->presence);
}

static void cluster_look(const struct dcluster *c, const char **style, const char **color,
			 const char **fill, const char **font)
{
	*fill = "#ffffff";
	*color = "#888888";
	*style = "rounded";
	*font = "10";
	if (strcmp(c->look, "account") == 0) {
		*color = "#333333";
		*style = "rounded,bold";
		*font = "13";
	} else if (strcmp(c->look, "region") == 0) {
		*color = "#666666";
		*style = "rounded,dashed";
		*font = "12";
	} else if (strcmp(c->look, "vpc") == 0) {
		*fill = "#f6f9fd";
		*color = "#4a78b5";
		*style = "rounded,filled";
		*font = "11";
	} else if (strcmp(c->look, "subnet") == 0) {
		*fill = "#eef4fb";
		*color = "#8fb0d9";
		*style = "rounded,filled";
		*font = "9";
	} else if (strcmp(c->look, "iam") == 0 || strcmp(c->look, "principals") == 0) {
		*fill = "#faf7fd";
		*color = "#7d5ba6";
		*style = "rounded,filled";
		*font = "11";
	}
}

static int put_cluster(dm_buf *b, const dm__drawing *d, const struct dcluster *c, dm_graph_view view,
		       int indent)
{
	size_t i;
	int rc;
	const char *fill, *color, *style, *font;

	cluster_look(c, &style, &color, &fill, &font);
	rc = dm__buf_printf(b, "%*ssubgraph ", indent, "");
	rc = rc ? rc : dot_str(b, c->name);
	rc = rc ? rc : dm__buf_printf(b, " {\n%*sid=", indent + 2, "");
	rc = rc ? rc : dot_str(b, c->name);
	rc = rc ? rc : dm__buf_printf(b, " class=\"cluster-%s\" style=\"%s\" color=\"%s\" fillcolor=\"%s\" fontsize=%s label=",
				      c->look, cluster_visible(c, view) ? style : "invis", color, fill, font);
	rc = rc ? rc : dot_str(b, c->label ? c->label : "");
	rc = rc ? rc : dm__buf_puts(b, ";\n");
	for (i = 0; i < d->nclusters && !rc; i++)
		if (d->clusters[i]->parent && strcmp(d->clusters[i]->parent, c->name) == 0)
			rc = put_cluster(b, d, d->clusters[i], view, indent + 2);
	for (i = 0; i < d->nnodes && !rc; i++)
		if (d->nodes[i]->cluster && strcmp(d->nodes[i]->cluster, c->name) == 0)
			rc = put_node(b, d, d->nodes[i], view, indent + 2);
	return rc ? rc : dm__buf_printf(b, "%*s}\n", indent, "");
}

static int legend_row(dm_buf *b, const char *fill, const char *border, const char *sample, const char *text)
{
	int rc = dm__buf_printf(b, "<TR><TD BGCOLOR=\"%s\" COLOR=\"%s\" BORDER=\"1\"><FONT POINT-SIZE=\"9\"><B>",
				fill, border);

	rc = rc ? rc : html_esc(b, sample);
	rc = rc ? rc : dm__buf_puts(b, "</B></FONT></TD><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">");
	rc = rc ? rc : html_esc(b, text);
	return rc ? rc : dm__buf_puts(b, "</FONT></TD></TR>");
}

static int put_legend(dm_buf *b, const dm__drawing *d, dm_graph_view view)
{
	static const dm_graph_view views[] = { DM_VIEW_CURRENT, DM_VIEW_TARGET, DM_VIEW_DRIFT };
	static const char *const vtext[] = {
		"CURRENT view: live resources only",
		"TARGET view: Terraform state only",
		"DRIFT view: live + state, by finding",
	};
	const char *kinds[32];
	size_t nk = 0, i, j;
	int rc;

	rc = dm__buf_puts(b, "  subgraph cluster_legend {\n    id=\"cluster_legend\" class=\"cluster-legend\" "
			     "style=\"rounded\" color=\"#bbbbbb\" fontsize=11 label=\"Legend\";\n");
	/* one caption per view, only the current view's is visible (same layout for all three) */
	for (i = 0; i < 3 && !rc; i++) {
		rc = dm__buf_printf(b, "    \"legend/view-%s\" [id=\"legend-view-%s\" class=\"legend legend-view\" "
				       "shape=plaintext style=\"%s\" fontsize=11 label=",
				    dm_graph_view_name(views[i]), dm_graph_view_name(views[i]),
				    (view == views[i] || (view == DM_VIEW_SEGMENTATION && i == 2)) ? "solid" : "invis");
		rc = rc ? rc : dot_str(b, vtext[i]);
		rc = rc ? rc : dm__buf_puts(b, "];\n");
	}
	rc = rc ? rc : dm__buf_puts(b, "    \"legend/key\" [id=\"legend-key\" class=\"legend\" shape=plaintext label=<"
				       "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"2\">");
	rc = rc ? rc : legend_row(b, "#fdd9b5", "#d95f02", "[+ unmanaged]", "live, in no state (drift view)");
	rc = rc ? rc : legend_row(b, "#fbe0e0", "#b2182b", "[- missing]", "in state, gone live (dashed)");
	rc = rc ? rc : legend_row(b, "#fff1a8", "#a67c00", "[~ changed]", "in both, attributes differ");
	rc = rc ? rc : legend_row(b, "#f5f5f5", "#b0b0b0", "in sync", "in both, no drift (muted)");
	rc = rc ? rc : legend_row(b, "#ffffff", "#aaaaaa", "[aws default]", "created by AWS itself");
	rc = rc ? rc : legend_row(b, "#ffffff", "#777777", "[? unverified]", "one side only, not compared");
	for (i = 0; i < d->nedges && nk < 32; i++) {
		for (j = 0; j < nk; j++)
			if (strcmp(kinds[j], d->edges[i]->kind) == 0)
				break;
		if (j == nk)
			kinds[nk++] = d->edges[i]->kind;
	}
	if (nk)
		qsort(kinds, nk, sizeof(*kinds), cmp_cstr);
	for (i = 0; i < nk && !rc; i++) {
		const char *st, *co, *ah, *dir;

		dm__graph_edge_look(kinds[i], &st, &co, &ah, &dir);
		rc = dm__buf_printf(b, "<TR><TD><FONT POINT-SIZE=\"9\" COLOR=\"%s\"><B>%s</B></FONT></TD>"
				       "<TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">",
				    co, strcmp(st, "dotted") == 0 ? "&#183; &#183; &#183; &#183;"
					: strcmp(st, "dashed") == 0 ? "&#8211; &#8211; &#8211;"
					: strcmp(st, "bold") == 0   ? "&#9473;&#9473;&#9473;&#9473;"
								    : "&#8212;&#8212;&#8212;");
		rc = rc ? rc : html_esc(b, kinds[i]);
		rc = rc ? rc : dm__buf_puts(b, " edge</FONT></TD></TR>");
	}
	rc = rc ? rc : legend_row(b, "#ffffff", "#d95f02", "orange line", "edge only live (drift view)");
	rc = rc ? rc : legend_row(b, "#ffffff", "#b2182b", "red dashed", "edge only in state (drift view)");
	for (i = 0; i < d->nnotes && i < 8 && !rc; i++) {
		rc = dm__buf_puts(b, "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">note: ");
		rc = rc ? rc : html_esc(b, d->notes[i]);
		rc = rc ? rc : dm__buf_puts(b, "</FONT></TD></TR>");
	}
	if (d->nnotes > 8 && !rc)
		rc = dm__buf_printf(b, "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">note: %zu more "
				       "(collapsed groups are labelled in place; all notes are logged)</FONT></TD></TR>",
				    d->nnotes - 8);
	rc = rc ? rc : dm__buf_puts(b, "</TABLE>>];\n");
	/* captions in one column, the key beside them */
	rc = rc ? rc : dm__buf_puts(b, "    \"legend/view-current\" -> \"legend/key\" [style=invis];\n"
				       "    \"legend/view-target\" -> \"legend/key\" [style=invis];\n"
				       "    \"legend/view-drift\" -> \"legend/key\" [style=invis];\n  }\n");
	return rc;
}

static const char *title_text(const dm__drawing *d, dm_buf *t)
{
	size_t i, counts[NSTATUS] = { 0 }, total = 0;

	for (i = 0; i < d->g->nnodes; i++) {
		const struct gnode *n = d->g->nodes[i];

		if (n->keep && n->pub.kind == DM_GNODE_RESOURCE) {
			counts[n->pub.status]++;
			total++;
		}
	}
	dm__buf_printf(t, "%s", d->g->title);
	if (d->g->segmentation)
		return t->ptr ? t->ptr : ""; /* tiers are not resources: no drift counts */
	if (d->kind == DM_PAGE_OVERVIEW)
		dm__buf_puts(t, " - overview");
	else if (d->kind == DM_PAGE_VPC)
		dm__buf_printf(t, " - VPC %s", d->vpc);
	dm__buf_printf(t, "  |  %zu resources: %zu unmanaged, %zu missing, %zu changed, %zu in sync", total,
		       counts[DM_GSTATUS_UNMANAGED], counts[DM_GSTATUS_MISSING], counts[DM_GSTATUS_CHANGED],
		       counts[DM_GSTATUS_INSYNC]);
	return t->ptr ? t->ptr : "";
}

int dm__drawing_dot(const dm__drawing *d, dm_ctx *ctx, dm_graph_view view, char **out)
{
	dm_buf b = DM_BUF_INIT, t = DM_BUF_INIT;
	size_t i;
	int rc, big = d->nnodes > 300;

	*out = NULL;
	dm__buf_init(&b, 0);
	dm__buf_init(&t, 4096);
	rc = dm__buf_puts(&b, "digraph \"driftmap\" {\n");
	rc = rc ? rc : dm__buf_printf(&b, "  graph [id=\"driftmap\" class=\"view-%s\" rankdir=LR newrank=true "
					  "compound=false fontname=\"Helvetica\" fontsize=14 labelloc=t "
					  "nodesep=0.2 ranksep=0.45 pad=0.2 outputorder=edgesfirst%s label=",
				      dm_graph_view_name(view),
				      big ? " splines=line mclimit=0.3 nslimit=2 nslimit1=2 searchsize=20 remincross=false" : "");
	rc = rc ? rc : dot_str(&b, title_text(d, &t));
	rc = rc ? rc : dm__buf_puts(&b, "];\n  node [shape=box fontname=\"Helvetica\" fontsize=10 margin=\"0.08,0.04\"];\n"
					"  edge [fontname=\"Helvetica\" fontsize=8 arrowsize=0.7];\n");
	for (i = 0; i < d->nclusters && !rc; i++)
		if (!d->clusters[i]->parent)
			rc = put_cluster(&b, d, d->clusters[i], view, 2);
	for (i = 0; i < d->nnodes && !rc; i++)
		if (!d->nodes[i]->cluster)
			rc = put_node(&b, d, d->nodes[i], view, 2);
	if (!d->g->segmentation)
		rc = rc ? rc : put_legend(&b, d, view);
	for (i = 0; i < d->nedges && !rc; i++) {
		const struct dedge *e = d->edges[i];
		struct style s;
		char cls[256];
		const char *ah, *dir;

		edge_style(d, e, view, &s, cls, sizeof(cls), &ah, &dir);
		rc = dm__buf_puts(&b, "  ");
		rc = rc ? rc : dot_str(&b, e->from->name);
		rc = rc ? rc : dm__buf_puts(&b, " -> ");
		rc = rc ? rc : dot_str(&b, e->to->name);
		rc = rc ? rc : dm__buf_printf(&b, " [id=\"%s\" class=\"%s\" style=\"%s\" color=\"%s\" penwidth=%s "
						  "arrowhead=%s dir=%s",
					      e->id, s.cls, s.hidden ? "invis" : s.style, s.color, s.penwidth, ah, dir);
		if (e->detail && d->edge_labels &&
		    (strcmp(e->kind, "ingress") == 0 || strcmp(e->kind, "egress") == 0 ||
		     strcmp(e->kind, "routes_to") == 0 || strcmp(e->kind, "allows") == 0)) {
			rc = rc ? rc : dm__buf_puts(&b, " label=");
			rc = rc ? rc : dot_str(&b, e->detail);
		}
		rc = rc ? rc : dm__buf_puts(&b, " tooltip=");
		rc = rc ? rc : dot_str(&b, e->detail ? dfmt((dm__drawing *)d, "%s: %s", e->kind, e->detail) : e->kind);
		rc = rc ? rc : dm__buf_puts(&b, "];\n");
	}
	rc = rc ? rc : dm__buf_puts(&b, "}\n");
	dm__buf_free(&t);
	if (rc) {
		dm__buf_free(&b);
		return dm__error(ctx, rc, "diagram: DOT text over the %zu-byte limit or out of memory", b.max);
	}
	*out = dm__buf_detach(&b);
	return 0;
}

/* ---- restyle a laid-out graph for another view ------------------------------------------------ */

static Agraph_t *find_subg(Agraph_t *g, const char *name)
{
	Agraph_t *sg = agsubg(g, (char *)name, 0), *p;

	for (p = agfstsubg(g); p && !sg; p = agnxtsubg(p))
		sg = find_subg(p, name);
	return sg;
}

int dm__drawing_restyle(const dm__drawing *d, void *agraph, dm_graph_view view)
{
	Agraph_t *g = agraph, *sg;
	Agnode_t *n;
	Agedge_t *e;
	struct style s;
	char cls[512];
	const char *ah, *dir;
	size_t i;

	agsafeset(g, "class", (char *)dfmt((dm__drawing *)d, "view-%s", dm_graph_view_name(view)), "");
	for (i = 0; i < d->nnodes; i++) {
		n = agnode(g, (char *)d->nodes[i]->name, 0);
		if (!n)
			continue;
		node_style(d, d->nodes[i], view, &s, cls, sizeof(cls));
		agsafeset(n, "class", cls, "");
		agsafeset(n, "style", (char *)(s.hidden ? "invis" : s.style), "");
		agsafeset(n, "color", (char *)s.color, "");
		agsafeset(n, "fillcolor", (char *)s.fillcolor, "");
		agsafeset(n, "penwidth", (char *)s.penwidth, "");
	}
	for (n = agfstnode(g); n; n = agnxtnode(g, n)) {
		for (e = agfstout(g, n); e; e = agnxtout(g, e)) {
			const char *id = agget(e, "id");
			const struct dedge *de = NULL;

			if (!id || id[0] != 'e')
				continue;
			{
				long long k;

				if (dm__parse_ll(id + 1, &k) == 0 && k >= 1 && (size_t)k <= d->nedges)
					de = d->edges[k - 1];
			}
			if (!de)
				continue;
			edge_style(d, de, view, &s, cls, sizeof(cls), &ah, &dir);
			agsafeset(e, "class", cls, "");
			agsafeset(e, "style", (char *)(s.hidden ? "invis" : s.style), "");
			agsafeset(e, "color", (char *)s.color, "");
			agsafeset(e, "penwidth", (char *)s.penwidth, "");
		}
	}
	for (i = 0; i < d->nclusters; i++) {
		const struct dcluster *c = d->clusters[i];
		const char *style, *color, *fill, *font;

		sg = find_subg(g, c->name);
		if (!sg)
			continue;
		cluster_look(c, &style, &color, &fill, &font);
		agsafeset(sg, "style", (char *)(cluster_visible(c, view) ? style : "invis"), "");
	}
	for (i = 0; i < 3; i++) {
		static const char *const names[] = { "legend/view-current", "legend/view-target", "legend/view-drift" };
		dm_graph_view vs[] = { DM_VIEW_CURRENT, DM_VIEW_TARGET, DM_VIEW_DRIFT };

		n = agnode(g, (char *)names[i], 0);
		if (n)
			agsafeset(n, "style",
				  (char *)((view == vs[i] || (view == DM_VIEW_SEGMENTATION && i == 2)) ? "solid" : "invis"),
				  "");
	}
	return 0;
}
