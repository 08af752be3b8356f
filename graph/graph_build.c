/*
 * driftmap graph — the model: nodes from both inventories, edges from the
 * reference attributes of the type tables, SG rules and trust policies, the
 * drift status of each node, placement (account, region, VPC, subnet) and
 * the filters.
 *
 * Allocation failures inside the many small helpers set g->oom; every phase
 * checks it once, so the code below reads as the graph logic it is.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "graph_internal.h"

#define MAX_NODES 2000000u

/* sticky allocation failure (see top of file) */
struct build {
	dm_graph *g;
	int oom;
	int have_drift;
};

static const char *afmt(struct build *b, const char *fmt, ...) DM_PRINTF(2, 3);
static const char *afmt(struct build *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return NULL;
	}
	p = dm__arena_alloc(b->g->arena, (size_t)n + 1);
	if (!p) {
		b->oom = 1;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static const char *astr(struct build *b, const char *s)
{
	const char *r;

	if (!s)
		return NULL;
	r = dm__arena_strdup(b->g->arena, s);
	if (!r)
		b->oom = 1;
	return r;
}

int dm__graph_note(dm_graph *g, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	if (dm__grow((void **)&g->notes, &g->capnotes, g->nnotes + 1, sizeof(*g->notes)) < 0)
		return DM_ENOMEM;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return DM_ERROR;
	p = malloc((size_t)n + 1);
	if (!p)
		return DM_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	g->notes[g->nnotes++] = p;
	dm__log(g->ctx, DM_LOG_INFO, "diagram: %s", p);
	return 0;
}

/* ---- JSON helpers -------------------------------------------------------- */

static const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return (s && s[0]) ? s : NULL;
}

static const json_t *res_attrs(const dm_graph_node *n)
{
	if (n->live && dm_resource_attrs(n->live))
		return dm_resource_attrs(n->live);
	return n->state ? dm_resource_attrs(n->state) : NULL;
}

/* ---- nodes and edges ----------------------------------------------------- */

static struct gnode *node_find(const dm_graph *g, const char *key)
{
	return dm__strmap_get(g->bykey, key);
}

static struct gnode *node_add(struct build *b, const char *key, dm_graph_node_kind kind)
{
	dm_graph *g = b->g;
	struct gnode *n = node_find(g, key);

	if (n)
		return n;
	if (!key || g->nnodes >= MAX_NODES ||
	    dm__grow((void **)&g->nodes, &g->capnodes, g->nnodes + 1, sizeof(*g->nodes)) < 0) {
		b->oom = 1;
		return NULL;
	}
	n = dm__arena_alloc(g->arena, sizeof(*n));
	if (!n || dm__strmap_put(g->bykey, key, n) < 0) {
		b->oom = 1;
		return NULL;
	}
	n->pub.key = key;
	n->pub.kind = kind;
	n->keep = 1;
	g->nodes[g->nnodes++] = n;
	return n;
}

static void edge_item(struct build *b, struct gedge *e, const char *item, unsigned side)
{
	size_t i;

	if (!item || !item[0])
		return;
	for (i = 0; i < e->nitems; i++) {
		if (strcmp(e->items[i], item) == 0) {
			e->ipres[i] |= side;
			return;
		}
	}
	if (e->nitems >= DM_GRAPH_MAX_DETAILS) {
		e->more++;
		return;
	}
	if (dm__grow((void **)&e->items, &e->capitems, e->nitems + 1, sizeof(*e->items)) < 0 ||
	    dm__grow((void **)&e->ipres, &e->capipres, e->nitems + 1, sizeof(*e->ipres)) < 0) {
		b->oom = 1;
		return;
	}
	e->items[e->nitems] = astr(b, item);
	e->ipres[e->nitems] = side;
	if (e->items[e->nitems])
		e->nitems++;
}

static void edge_add(struct build *b, struct gnode *from, struct gnode *to, const char *kind,
		     unsigned side, const char *detail)
{
	dm_graph *g = b->g;
	struct gedge *e;
	const char *key;

	if (!from || !to || from == to)
		return;
	/* a role's managed policies are drawn policy -> role (the policy grants) */
	if (from->pub.type && to->pub.type && strcmp(from->pub.type, "aws_iam_role") == 0 &&
	    strcmp(to->pub.type, "aws_iam_policy") == 0) {
		struct gnode *t = from;

		from = to;
		to = t;
	}
	key = afmt(b, "%s\x1f%s\x1f%s", from->pub.key, to->pub.key, kind);
	if (!key)
		return;
	e = dm__strmap_get(g->edgemap, key);
	if (!e) {
		if (dm__grow((void **)&g->edges, &g->capedges, g->nedges + 1, sizeof(*g->edges)) < 0) {
			b->oom = 1;
			return;
		}
		e = dm__arena_alloc(g->arena, sizeof(*e));
		if (!e || dm__strmap_put(g->edgemap, key, e) < 0) {
			b->oom = 1;
			return;
		}
		e->from = from;
		e->to = to;
		e->pub.from = &from->pub;
		e->pub.to = &to->pub;
		e->pub.kind = astr(b, kind);
		e->keep = 1;
		g->edges[g->nedges++] = e;
	}
	e->pub.presence |= side;
	/* internet, principals, external targets exist on the sides that point at them */
	if (from->pub.kind != DM_GNODE_RESOURCE)
		from->pub.presence |= side;
	if (to->pub.kind != DM_GNODE_RESOURCE)
		to->pub.presence |= side;
	edge_item(b, e, detail, side);
}

static const char *live_type_of(const dm_graph *g, const char *provider, const char *type)
{
	const dm_type_spec *ts = dm__graph_type_spec(g, provider, type);

	if (ts && ts->live_type && ts->live_type[0])
		return ts->live_type;
	return type;
}

static void add_resource(struct build *b, const dm_resource *r, unsigned side)
{
	const char *type, *key;
	struct gnode *n;

	if ((r->flags & DM_RES_DATA) || !r->provider || !r->type || !r->id)
		return;
	if (dm__graph_is_link(b->g, r->provider, r->type))
		return;
	type = live_type_of(b->g, r->provider, r->type);
	key = afmt(b, "%s/%s/%s", r->provider, type, r->id);
	n = node_add(b, key, DM_GNODE_RESOURCE);
	if (!n)
		return;
	if (!n->pub.provider) {
		n->pub.provider = astr(b, r->provider);
		n->pub.type = astr(b, type);
		n->pub.id = astr(b, r->id);
	}
	if (side == DM_GRAPH_LIVE && !n->pub.live)
		n->pub.live = r;
	if (side == DM_GRAPH_STATE && !n->pub.state)
		n->pub.state = r;
	n->pub.presence |= side;
}

/* Resolve a reference value to a node; unknown targets become external nodes. */
static struct gnode *resolve(struct build *b, const char *provider, const char *type,
			     const char *value, unsigned side)
{
	dm_graph *g = b->g;
	struct gnode *n;
	const char *key, *slash;

	if (!value || !value[0] || strcmp(value, "local") == 0)
		return NULL;
	key = afmt(b, "%s/%s/%s", provider, type, value);
	if (!key)
		return NULL;
	n = node_find(g, key);
	if (n)
		return n;
	if (strncmp(value, "arn:", 4) == 0) {
		n = dm__strmap_get(g->byarn, value);
		if (n)
			return n;
		slash = strrchr(value, '/');
		if (slash && slash[1]) {
			n = node_find(g, afmt(b, "%s/%s/%s", provider, type, slash + 1));
			if (n)
				return n;
		}
	}
	n = node_add(b, key, DM_GNODE_EXTERNAL);
	if (!n)
		return NULL;
	if (!n->pub.provider) {
		n->pub.provider = astr(b, provider);
		n->pub.type = astr(b, type);
		n->pub.id = astr(b, value);
	}
	n->pub.presence |= side;
	return n;
}

static const char *block_detail(const json_t *elem)
{
	const char *d = jstr(elem, "cidr_block");

	if (!d)
		d = jstr(elem, "ipv6_cidr_block");
	if (!d)
		d = jstr(elem, "destination_prefix_list_id");
	return d;
}

static void ref_values(struct build *b, struct gnode *n, const char *provider, const dm_attr_spec *s,
		       const json_t *v, unsigned side, const char *detail)
{
	size_t i;
	const char *kind = s->edge && s->edge[0] ? s->edge : "ref";

	if (json_is_string(v)) {
		edge_add(b, n, resolve(b, provider, s->ref_type, json_string_value(v), side), kind,
			 side, detail);
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			const char *id = json_string_value(json_array_get(v, i));

			edge_add(b, n, resolve(b, provider, s->ref_type, id, side), kind, side, detail);
		}
	}
}

static void walk_refs(struct build *b, struct gnode *n, const char *provider, const dm_attr_spec *specs,
		      size_t nspecs, const json_t *obj, unsigned side, const char *detail, int top)
{
	size_t i, j;

	for (i = 0; i < nspecs; i++) {
		const dm_attr_spec *s = &specs[i];
		const json_t *v = json_object_get(obj, s->name);

		if (!v)
			continue;
		/* SG rules are drawn source -> group with ports (sg_rules) */
		if (top && strcmp(n->pub.type, "aws_security_group") == 0 &&
		    (strcmp(s->name, "ingress") == 0 || strcmp(s->name, "egress") == 0))
			continue;
		if (s->ref_type) {
			ref_values(b, n, provider, s, v, side, detail);
		} else if (s->sub && json_is_array(v)) {
			for (j = 0; j < json_array_size(v); j++) {
				const json_t *el = json_array_get(v, j);

				if (json_is_object(el))
					walk_refs(b, n, provider, s->sub, s->nsub, el, side,
						  block_detail(el), 0);
			}
		} else if (s->sub && json_is_object(v)) {
			walk_refs(b, n, provider, s->sub, s->nsub, v, side, block_detail(v), 0);
		}
	}
}

static long long jnum(const json_t *v, int *ok)
{
	long long x;

	*ok = 1;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v) && dm__parse_ll(json_string_value(v), &x) == 0)
		return x;
	*ok = 0;
	return 0;
}

static const char *port_text(struct build *b, const char *proto, const json_t *from, const json_t *to)
{
	int okf, okt;
	long long f = jnum(from, &okf), t = jnum(to, &okt);

	if (!proto || strcmp(proto, "-1") == 0 || strcmp(proto, "all") == 0)
		return "all";
	if (strcmp(proto, "6") == 0)
		proto = "tcp";
	else if (strcmp(proto, "17") == 0)
		proto = "udp";
	else if (strcmp(proto, "1") == 0)
		proto = "icmp";
	if (strcmp(proto, "icmp") == 0 || !okf || !okt || f < 0)
		return afmt(b, "%s", proto);
	if (f == 0 && t == 65535)
		return afmt(b, "%s/all", proto);
	if (f == t)
		return afmt(b, "%s/%lld", proto, f);
	return afmt(b, "%s/%lld-%lld", proto, f, t);
}

static int list_has(const json_t *v, const char *s)
{
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), s) == 0;
	for (i = 0; i < json_array_size(v); i++) {
		const char *x = json_string_value(json_array_get(v, i));

		if (x && strcmp(x, s) == 0)
			return 1;
	}
	return 0;
}

static struct gnode *internet(struct build *b)
{
	struct gnode *n = node_add(b, "internet", DM_GNODE_INTERNET);

	if (n && !n->pub.id) {
		n->pub.id = "0.0.0.0/0, ::/0";
		n->pub.name = "Internet";
	}
	return n;
}

/* One SG rule: a source (peer SG id or open CIDR) into/out of group sg. */
static void sg_rule(struct build *b, struct gnode *sg, int ingress, const json_t *peers,
		    const json_t *cidr4, const json_t *cidr6, const char *ports, unsigned side)
{
	size_t i;

	for (i = 0; json_is_array(peers) && i < json_array_size(peers); i++) {
		struct gnode *p = resolve(b, sg->pub.provider, "aws_security_group",
					  json_string_value(json_array_get(peers, i)), side);

		if (ingress)
			edge_add(b, p, sg, "ingress", side, ports);
		else
			edge_add(b, sg, p, "egress", side, ports);
	}
	if (json_is_string(peers)) {
		struct gnode *p = resolve(b, sg->pub.provider, "aws_security_group",
					  json_string_value(peers), side);

		if (ingress)
			edge_add(b, p, sg, "ingress", side, ports);
		else
			edge_add(b, sg, p, "egress", side, ports);
	}
	/* open to the world: only ingress is news (every group allows egress to 0.0.0.0/0) */
	if (ingress && (list_has(cidr4, "0.0.0.0/0") || list_has(cidr6, "::/0")))
		edge_add(b, internet(b), sg, "ingress", side, ports);
}

static void sg_blocks(struct build *b, struct gnode *sg, const json_t *attrs, unsigned side)
{
	static const char *const dirs[] = { "ingress", "egress" };
	size_t d, i;

	for (d = 0; d < 2; d++) {
		const json_t *arr = json_object_get(attrs, dirs[d]);

		for (i = 0; json_is_array(arr) && i < json_array_size(arr); i++) {
			const json_t *r = json_array_get(arr, i);
			const char *ports = port_text(b, jstr(r, "protocol"), json_object_get(r, "from_port"),
						      json_object_get(r, "to_port"));

			sg_rule(b, sg, d == 0, json_object_get(r, "security_groups"),
				json_object_get(r, "cidr_blocks"), json_object_get(r, "ipv6_cidr_blocks"),
				ports, side);
		}
	}
}

/* aws_security_group_rule, aws_vpc_security_group_{ingress,egress}_rule (state side) */
static void sg_rule_resource(struct build *b, const dm_resource *r, unsigned side)
{
	const json_t *a = dm_resource_attrs(r);
	struct gnode *sg = resolve(b, r->provider, "aws_security_group", jstr(a, "security_group_id"), side);
	const char *ports;
	int ingress;

	if (!sg)
		return;
	if (strcmp(r->type, "aws_security_group_rule") == 0) {
		const char *t = jstr(a, "type");

		ingress = !t || strcmp(t, "egress") != 0;
		ports = port_text(b, jstr(a, "protocol"), json_object_get(a, "from_port"),
				  json_object_get(a, "to_port"));
		sg_rule(b, sg, ingress, json_object_get(a, "source_security_group_id"),
			json_object_get(a, "cidr_blocks"), json_object_get(a, "ipv6_cidr_blocks"), ports,
			side);
		return;
	}
	ingress = strcmp(r->type, "aws_vpc_security_group_egress_rule") != 0;
	ports = port_text(b, jstr(a, "ip_protocol"), json_object_get(a, "from_port"),
			  json_object_get(a, "to_port"));
	sg_rule(b, sg, ingress, json_object_get(a, "referenced_security_group_id"),
		json_object_get(a, "cidr_ipv4"), json_object_get(a, "cidr_ipv6"), ports, side);
}

static void link_resource(struct build *b, const dm_resource *r, unsigned side)
{
	const dm__graph_link *l;
	const json_t *ra = dm_resource_attrs(r);
	size_t n, i, fi, ti;

	if (strncmp(r->type, "aws_security_group_rule", 23) == 0 ||
	    strncmp(r->type, "aws_vpc_security_group_", 23) == 0) {
		sg_rule_resource(b, r, side);
		return;
	}
	l = dm__graph_links(r->type, &n);
	for (i = 0; l && i < n; i++) {
		const json_t *fv = json_object_get(ra, l[i].from_attr);
		const json_t *tv = json_object_get(ra, l[i].to_attr);
		const char *detail = l[i].detail_attr ? jstr(ra, l[i].detail_attr) : NULL;
		size_t nf = json_is_array(fv) ? json_array_size(fv) : 1;
		size_t nt = json_is_array(tv) ? json_array_size(tv) : 1;

		const dm_type_spec *ts = dm__graph_type_spec(b->g, r->provider, r->type);
		const dm_attr_spec *as = ts ? dm_type_attr(ts, l[i].to_attr) : NULL;
		const char *kind = as && as->ref_type && as->edge ? as->edge : l[i].edge;

		if (!detail && l[i].detail_attr)
			detail = jstr(ra, "destination_ipv6_cidr_block");
		for (fi = 0; fi < nf; fi++) {
			const char *f = json_is_array(fv) ? json_string_value(json_array_get(fv, fi))
							  : json_string_value(fv);
			struct gnode *from = resolve(b, r->provider, l[i].from_type, f, side);

			for (ti = 0; from && ti < nt; ti++) {
				const char *t = json_is_array(tv) ? json_string_value(json_array_get(tv, ti))
								  : json_string_value(tv);

				edge_add(b, from, resolve(b, r->provider, l[i].to_type, t, side), kind, side,
					 detail);
			}
		}
	}
}

/* ---- IAM trust policies ---------------------------------------------------- */



static struct gnode *principal(struct build *b, const char *kind, const char *value, unsigned side)
{
	const char *acct = NULL;
	struct gnode *n;
	char buf[13];

	if (strcmp(kind, "AWS") == 0) {
		if (strlen(value) == 12 && strspn(value, "0123456789") == 12) {
			acct = value;
		} else if (strncmp(value, "arn:", 4) == 0) {
			const char *p = value;
			int colons = 0;

			n = dm__strmap_get(b->g->byarn, value);
			if (n)
				return n;
			while (*p && colons < 4)
				if (*p++ == ':')
					colons++;
			if (colons == 4 && strcmp(p + (strlen(p) >= 12 ? 12 : 0), ":root") == 0 &&
			    strlen(p) == 17) {
				memcpy(buf, p, 12);
				buf[12] = '\0';
				acct = buf;
			}
		}
		if (acct)
			n = node_add(b, afmt(b, "principal/account/%s", acct), DM_GNODE_PRINCIPAL);
		else
			n = node_add(b, afmt(b, "principal/aws/%s", value), DM_GNODE_PRINCIPAL);
		if (n && !n->pub.type) {
			n->pub.type = acct ? "account" : "aws";
			n->pub.id = astr(b, acct ? acct : value);
		}
	} else {
		n = node_add(b, afmt(b, "principal/%s/%s", kind, value), DM_GNODE_PRINCIPAL);
		if (n && !n->pub.type) {
			n->pub.type = astr(b, kind);
			n->pub.id = astr(b, value);
		}
	}
	if (n)
		n->pub.presence |= side;
	return n;
}

static void trust_edges(struct build *b, struct gnode *role, const dm_resource *r, unsigned side)
{
	const char *s = jstr(dm_resource_attrs(r), "assume_role_policy");
	json_t *doc, *st;
	size_t i, j;

	if (!s)
		return;
	doc = dm__policy_parse(s);
	if (!doc) {
		dm__log(b->g->ctx, DM_LOG_WARN, "diagram: role %s: assume_role_policy is not JSON", r->id);
		return;
	}
	st = json_object_get(doc, "Statement");
	for (i = 0; i < (json_is_array(st) ? json_array_size(st) : 1); i++) {
		json_t *stmt = json_is_array(st) ? json_array_get(st, i) : st;
		const char *effect = jstr(stmt, "Effect");
		json_t *p = json_object_get(stmt, "Principal");
		const char *pkey;
		json_t *pv;

		if (!json_is_object(stmt) || (effect && strcmp(effect, "Allow") != 0))
			continue;
		if (json_is_string(p)) {
			edge_add(b, principal(b, "AWS", json_string_value(p), side), role, "trusts", side,
				 NULL);
			continue;
		}
		json_object_foreach(p, pkey, pv) {
			size_t nv = json_is_array(pv) ? json_array_size(pv) : 1;

			for (j = 0; j < nv; j++) {
				const char *v = json_string_value(json_is_array(pv) ? json_array_get(pv, j) : pv);
				const char *kind = strcmp(pkey, "Service") == 0     ? "service"
						   : strcmp(pkey, "Federated") == 0 ? "federated"
						   : strcmp(pkey, "AWS") == 0       ? "AWS"
										    : "other";

				if (!v)
					continue;
				edge_add(b, principal(b, kind, v, side), role, "trusts", side, NULL);
			}
		}
	}
	json_decref(doc);
}

/* ---- edges of one inventory ------------------------------------------------ */

static void side_edges(struct build *b, const dm_inventory *inv, unsigned side)
{
	size_t i, n = inv ? dm_inventory_count(inv) : 0;

	for (i = 0; i < n && !b->oom; i++) {
		const dm_resource *r = dm_inventory_at(inv, i);
		const char *type, *key;
		struct gnode *node;
		const dm_attr_spec *specs;
		size_t nspecs;

		if ((r->flags & DM_RES_DATA) || !r->provider || !r->type || !r->id || !dm_resource_attrs(r))
			continue;
		if (dm__graph_is_link(b->g, r->provider, r->type)) {
			link_resource(b, r, side);
			continue;
		}
		type = live_type_of(b->g, r->provider, r->type);
		key = afmt(b, "%s/%s/%s", r->provider, type, r->id);
		node = key ? node_find(b->g, key) : NULL;
		if (!node)
			continue;
		specs = dm__graph_ref_specs(b->g, r->provider, r->type, &nspecs);
		walk_refs(b, node, r->provider, specs, nspecs, dm_resource_attrs(r), side, NULL, 1);
		if (strcmp(type, "aws_security_group") == 0)
			sg_blocks(b, node, dm_resource_attrs(r), side);
		else if (strcmp(type, "aws_iam_role") == 0)
			trust_edges(b, node, r, side);
		else if (strcmp(type, "aws_internet_gateway") == 0)
			edge_add(b, node, internet(b), "internet", side, NULL);
	}
}

/* ---- names, status, placement ------------------------------------------------ */

static void describe(struct build *b, struct gnode *n)
{
	const json_t *a = res_attrs(&n->pub), *tags;
	const char *arn;

	n->label = n->pub.type ? dm__graph_type_label(b->g, n->pub.provider, n->pub.type) : "";
	if (n->pub.kind == DM_GNODE_EXTERNAL)
		n->iam = strcmp(dm__graph_category(n->pub.type), "iam") == 0;
	if (n->pub.kind != DM_GNODE_RESOURCE)
		return;
	tags = json_object_get(a, "tags");
	n->pub.name = jstr(tags, "Name");
	if (!n->pub.name && n->pub.state)
		n->pub.name = jstr(json_object_get(dm_resource_attrs(n->pub.state), "tags"), "Name");
	if (!n->pub.name && strcmp(n->pub.type, "aws_eks_node_group") == 0)
		n->pub.name = jstr(a, "node_group_name");
	if (!n->pub.name && strcmp(n->pub.id, jstr(a, "name") ? jstr(a, "name") : "") != 0)
		n->pub.name = jstr(a, "name");
	n->pub.cidr = jstr(a, "cidr_block");
	arn = jstr(a, "arn");
	if (arn && dm__strmap_put(b->g->byarn, arn, n) < 0)
		b->oom = 1;
	arn = n->pub.state ? jstr(dm_resource_attrs(n->pub.state), "arn") : NULL;
	if (arn && !dm__strmap_get(b->g->byarn, arn) && dm__strmap_put(b->g->byarn, arn, n) < 0)
		b->oom = 1;
	if (strncmp(n->pub.id, "arn:", 4) == 0 && !dm__strmap_get(b->g->byarn, n->pub.id) &&
	    dm__strmap_put(b->g->byarn, n->pub.id, n) < 0)
		b->oom = 1;
	n->iam = strcmp(dm__graph_category(n->pub.type), "iam") == 0;
}

static const char *changed_paths(struct build *b, const dm_finding *f)
{
	size_t i;
	dm_buf buf = DM_BUF_INIT;
	const char *r;

	if (!f || f->kind != DM_FINDING_CHANGED || !f->nchanges)
		return NULL;
	dm__buf_init(&buf, 256);
	for (i = 0; i < f->nchanges && i < 3; i++) {
		const char *p = f->changes[i].path ? f->changes[i].path : "?";
		size_t k;
		int dup = 0;

		for (k = 0; k < i; k++)
			if (f->changes[k].path && strcmp(f->changes[k].path, p) == 0)
				dup = 1;
		if (dup)
			continue;
		if (buf.len && dm__buf_puts(&buf, ", ") < 0)
			break;
		if (dm__buf_puts(&buf, p) < 0)
			break;
	}
	if (f->nchanges > 3)
		dm__buf_printf(&buf, " +%zu", f->nchanges - 3);
	r = buf.ptr ? astr(b, buf.ptr) : NULL;
	dm__buf_free(&buf);
	return r;
}

static void apply_drift(struct build *b, const dm_drift *drift)
{
	size_t i, n = drift ? dm_drift_count(drift) : 0;

	for (i = 0; i < n; i++) {
		const dm_finding *f = dm_drift_at(drift, i);
		const char *key;
		struct gnode *node;

		if (!f->provider || !f->type || !f->resource_id)
			continue;
		key = afmt(b, "%s/%s/%s", f->provider, live_type_of(b->g, f->provider, f->type),
			   f->resource_id);
		node = key ? node_find(b->g, key) : NULL;
		if (!node || node->pub.kind != DM_GNODE_RESOURCE)
			continue;
		if (!node->pub.finding || (node->pub.finding->ignored && !f->ignored))
			node->pub.finding = f;
	}
}

static void set_status(struct build *b, struct gnode *n)
{
	const dm_finding *f = n->pub.finding;
	unsigned p = n->pub.presence;
	int aws = n->pub.live && (n->pub.live->flags & DM_RES_AWS_CREATED);

	if (n->pub.kind != DM_GNODE_RESOURCE) {
		n->pub.status = DM_GSTATUS_INSYNC;
		return;
	}
	if (f) {
		n->pub.status = f->ignored                        ? DM_GSTATUS_IGNORED
				: f->kind == DM_FINDING_UNMANAGED ? DM_GSTATUS_UNMANAGED
				: f->kind == DM_FINDING_MISSING   ? DM_GSTATUS_MISSING
								  : DM_GSTATUS_CHANGED;
		n->changed = changed_paths(b, f);
		return;
	}
	if (p == (DM_GRAPH_LIVE | DM_GRAPH_STATE))
		n->pub.status = DM_GSTATUS_INSYNC;
	else if (p == DM_GRAPH_LIVE && aws)
		n->pub.status = DM_GSTATUS_DEFAULT;
	else if (b->have_drift)
		n->pub.status = DM_GSTATUS_UNVERIFIED;
	else
		n->pub.status = p == DM_GRAPH_LIVE ? DM_GSTATUS_UNMANAGED : DM_GSTATUS_MISSING;
}

static const char *arn_field(struct build *b, const char *arn, int field)
{
	const char *p = arn, *e;
	int i;

	if (!arn || strncmp(arn, "arn:", 4) != 0)
		return NULL;
	for (i = 0; i < field; i++) {
		p = strchr(p, ':');
		if (!p)
			return NULL;
		p++;
	}
	e = strchr(p, ':');
	if (!e || e == p)
		return NULL;
	return dm__arena_strndup(b->g->arena, p, (size_t)(e - p));
}

static struct gnode *typed(const dm_graph *g, const char *provider, const char *type, const char *id,
			   char *buf, size_t cap)
{
	int n;

	if (!id || !provider)
		return NULL;
	n = snprintf(buf, cap, "%s/%s/%s", provider, type, id);
	if (n < 0 || (size_t)n >= cap)
		return NULL;
	return node_find(g, buf);
}

static void place(struct build *b)
{
	dm_graph *g = b->g;
	size_t i, j;
	char kb[1024];
	const char *one_acct = NULL, *one_region = NULL;
	int many_acct = 0, many_region = 0;

	/* 1: own attributes */
	for (i = 0; i < g->nnodes; i++) {
		struct gnode *n = g->nodes[i];
		const json_t *a = res_attrs(&n->pub);
		const dm_resource *r = n->pub.live ? n->pub.live : n->pub.state;
		const char *arn;

		if (n->pub.kind != DM_GNODE_RESOURCE && n->pub.kind != DM_GNODE_EXTERNAL)
			continue;
		if (strcmp(n->pub.type, "aws_vpc") == 0)
			n->pub.vpc = n->pub.id;
		else if (jstr(a, "peer_vpc_id"))
			n->pub.vpc = NULL; /* spans two VPCs: region level */
		else if (jstr(a, "vpc_id"))
			n->pub.vpc = jstr(a, "vpc_id");
		else if (jstr(json_array_get(json_object_get(a, "vpc_config"), 0), "vpc_id"))
			n->pub.vpc = jstr(json_array_get(json_object_get(a, "vpc_config"), 0), "vpc_id");
		if (strcmp(n->pub.type, "aws_subnet") != 0 && jstr(a, "subnet_id"))
			n->pub.subnet = jstr(a, "subnet_id");
		n->pub.account = r && r->account ? r->account : NULL;
		if (!n->pub.account && n->pub.state && n->pub.state->account)
			n->pub.account = n->pub.state->account;
		n->pub.region = r && r->region ? r->region : NULL;
		if (!n->pub.region && n->pub.state && n->pub.state->region)
			n->pub.region = n->pub.state->region;
		arn = jstr(a, "arn");
		if (!arn && strncmp(n->pub.id, "arn:", 4) == 0)
			arn = n->pub.id;
		if (!n->pub.account)
			n->pub.account = arn_field(b, arn, 4);
		if (n->pub.account && strcmp(n->pub.account, "aws") == 0)
			n->pub.account = NULL; /* AWS-managed policies belong to no account */
		if (!n->pub.region)
			n->pub.region = arn_field(b, arn, 3);
		if (n->iam)
			n->pub.region = "global";
	}
	/* 2: from the subnet / VPC the node sits in or points at */
	for (i = 0; i < g->nnodes; i++) {
		struct gnode *n = g->nodes[i], *s, *v = NULL;

		if (n->pub.kind != DM_GNODE_RESOURCE || n->iam)
			continue;
		s = typed(g, n->pub.provider, "aws_subnet", n->pub.subnet, kb, sizeof(kb));
		if (s && !n->pub.vpc)
			n->pub.vpc = s->pub.vpc;
		if (!n->pub.vpc && strcmp(n->pub.type, "aws_vpc_peering_connection") != 0) {
			const char *only = NULL;
			int conflict = 0;

			for (j = 0; j < g->nedges; j++) {
				struct gedge *e = g->edges[j];

				if (e->from != n || !e->to->pub.type ||
				    strcmp(e->to->pub.type, "aws_subnet") != 0 || !e->to->pub.vpc)
					continue;
				if (only && strcmp(only, e->to->pub.vpc) != 0)
					conflict = 1;
				only = e->to->pub.vpc;
			}
			if (only && !conflict)
				n->pub.vpc = only;
		}
		v = typed(g, n->pub.provider, "aws_vpc", n->pub.vpc, kb, sizeof(kb));
		if (v && v != n) {
			if (!n->pub.account)
				n->pub.account = v->pub.account;
			if (!n->pub.region)
				n->pub.region = v->pub.region;
		}
	}
	/* 3: unplaced network things next to the one placed thing that uses them (EIP -> NAT) */
	for (i = 0; i < g->nnodes; i++) {
		struct gnode *n = g->nodes[i], *best = NULL;

		if (n->pub.kind != DM_GNODE_RESOURCE || n->iam || n->pub.vpc ||
		    strcmp(n->pub.type, "aws_vpc_peering_connection") == 0)
			continue;
		for (j = 0; j < g->nedges; j++) {
			struct gedge *e = g->edges[j];

			if (e->to == n && e->from->pub.vpc && !e->from->iam &&
			    (!best || strcmp(e->from->pub.key, best->pub.key) < 0))
				best = e->from;
		}
		if (best) {
			n->pub.vpc = best->pub.vpc;
			n->pub.subnet = best->pub.subnet;
			if (!n->pub.account)
				n->pub.account = best->pub.account;
			if (!n->pub.region)
				n->pub.region = best->pub.region;
		}
	}
	/* 4: a single account / region in the estate places what is still unplaced */
	for (i = 0; i < g->nnodes; i++) {
		const dm_graph_node *p = &g->nodes[i]->pub;

		if (p->account) {
			if (one_acct && strcmp(one_acct, p->account) != 0)
				many_acct = 1;
			one_acct = p->account;
		}
		if (p->region && strcmp(p->region, "global") != 0) {
			if (one_region && strcmp(one_region, p->region) != 0)
				many_region = 1;
			one_region = p->region;
		}
	}
	for (i = 0; i < g->nnodes; i++) {
		struct gnode *n = g->nodes[i];

		if (n->pub.kind != DM_GNODE_RESOURCE && n->pub.kind != DM_GNODE_EXTERNAL)
			continue;
		if (!n->pub.account && !many_acct)
			n->pub.account = one_acct;
		if (!n->pub.region && !many_region && !n->iam)
			n->pub.region = one_region;
	}
	/* containment: an edge the cluster nesting already shows */
	for (i = 0; i < g->nedges; i++) {
		struct gedge *e = g->edges[i];
		const char *tt = e->to->pub.type;

		if (!tt || e->to->pub.kind != DM_GNODE_RESOURCE)
			continue;
		if ((strcmp(tt, "aws_vpc") == 0 && e->from->pub.vpc &&
		     strcmp(e->from->pub.vpc, e->to->pub.id) == 0) ||
		    (strcmp(tt, "aws_subnet") == 0 && e->from->pub.subnet &&
		     strcmp(e->from->pub.subnet, e->to->pub.id) == 0))
			e->pub.containment = 1;
	}
}

/* ---- filters and focus -------------------------------------------------- */

static int in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (list[i] && strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int tag_match(const struct gnode *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	const dm_resource *sides[2] = { n->pub.live, n->pub.state };
	int s;

	for (s = 0; s < 2; s++) {
		const char *k;
		json_t *v;

		if (!sides[s])
			continue;
		json_object_foreach(json_object_get(dm_resource_attrs(sides[s]), "tags"), k, v) {
			if (strlen(k) == klen && strncmp(k, kv, klen) == 0 &&
			    (!eq || (json_string_value(v) && strcmp(json_string_value(v), eq + 1) == 0)))
				return 1;
		}
	}
	return 0;
}

static int node_passes(const dm_graph *g, const struct gnode *n)
{
	const dm_graph_options *o = &g->opts;
	size_t i;

	if (o->nregions && !in_list(n->pub.region, o->regions, o->nregions))
		return 0;
	if (o->nvpcs && !in_list(n->pub.vpc, o->vpcs, o->nvpcs))
		return 0;
	if (o->ntypes && !in_list(n->pub.type, o->types, o->ntypes))
		return 0;
	for (i = 0; i < o->ntags; i++)
		if (o->tags[i] && !tag_match(n, o->tags[i]))
			return 0;
	return 1;
}

static int filter(struct build *b)
{
	dm_graph *g = b->g;
	const dm_graph_options *o = &g->opts;
	size_t i, kept = 0, total = 0;
	int any = o->nregions || o->nvpcs || o->ntypes || o->ntags;
	unsigned d, depth = o->depth ? o->depth : 1;

	for (i = 0; i < o->ntags; i++)
		if (!o->tags[i] || !o->tags[i][0] || o->tags[i][0] == '=')
			return dm__error(g->ctx, DM_EINVAL, "diagram: bad tag filter '%s' (want KEY=VALUE)",
					 o->tags[i] ? o->tags[i] : "");
	for (i = 0; i < g->nnodes; i++) {
		struct gnode *n = g->nodes[i];

		n->keep = n->pub.kind == DM_GNODE_RESOURCE ? (!any || node_passes(g, n)) : 0;
	}
	if (o->focus && o->focus[0]) {
		struct gnode *f = node_find(g, o->focus);

		for (i = 0; !f && i < g->nnodes; i++)
			if (g->nodes[i]->pub.id && strcmp(g->nodes[i]->pub.id, o->focus) == 0)
				f = g->nodes[i];
		if (!f)
			return dm__error(g->ctx, DM_EINVAL, "diagram: --focus %s: no such resource in the graph",
					 o->focus);
		/* keep = 2 marks the frontier reached so far */
		for (i = 0; i < g->nnodes; i++)
			g->nodes[i]->order = 0;
		f->order = 1;
		for (d = 0; d < depth; d++) {
			for (i = 0; i < g->nedges; i++) {
				struct gedge *e = g->edges[i];

				if (e->from->order == d + 1 && !e->to->order)
					e->to->order = d + 2;
				if (e->to->order == d + 1 && !e->from->order)
					e->from->order = d + 2;
			}
		}
		for (i = 0; i < g->nnodes; i++) {
			struct gnode *n = g->nodes[i];

			n->keep = n->order && (n->keep || n->pub.kind != DM_GNODE_RESOURCE || n == f);
		}
		dm__graph_note(g, "focus on %s, depth %u", f->pub.key, depth);
	}
	/* internet, principals and external targets: kept when they touch a kept resource */
	for (i = 0; i < g->nedges; i++) {
		struct gedge *e = g->edges[i];

		if (e->from->pub.kind != DM_GNODE_RESOURCE && e->to->keep && e->to->pub.kind == DM_GNODE_RESOURCE)
			e->from->keep = 1;
		if (e->to->pub.kind != DM_GNODE_RESOURCE && e->from->keep && e->from->pub.kind == DM_GNODE_RESOURCE)
			e->to->keep = 1;
	}
	for (i = 0; i < g->nnodes; i++) {
		if (g->nodes[i]->pub.kind != DM_GNODE_RESOURCE)
			continue;
		total++;
		kept += g->nodes[i]->keep ? 1 : 0;
	}
	if (kept < total)
		dm__graph_note(g, "filters kept %zu of %zu resources", kept, total);
	for (i = 0; i < g->nedges; i++)
		g->edges[i]->keep = g->edges[i]->from->keep && g->edges[i]->to->keep;
	return 0;
}

/* ---- public API ---------------------------------------------------------- */

static int cmp_node(const void *a, const void *b)
{
	return strcmp((*(struct gnode *const *)a)->pub.key, (*(struct gnode *const *)b)->pub.key);
}

static int cmp_edge(const void *a, const void *b)
{
	const struct gedge *x = *(struct gedge *const *)a, *y = *(struct gedge *const *)b;
	int c = strcmp(x->from->pub.key, y->from->pub.key);

	if (!c)
		c = strcmp(x->to->pub.key, y->to->pub.key);
	if (!c)
		c = strcmp(x->pub.kind, y->pub.kind);
	return c;
}

void dm__graph_sort_items(const char **items, unsigned *pres, size_t n)
{
	size_t i, j;

	/* insertion sort: n <= DM_GRAPH_MAX_DETAILS, and it keeps the two arrays together */
	for (i = 1; i < n; i++) {
		const char *s = items[i];
		unsigned p = pres[i];

		for (j = i; j > 0 && strcmp(items[j - 1], s) > 0; j--) {
			items[j] = items[j - 1];
			pres[j] = pres[j - 1];
		}
		items[j] = s;
		pres[j] = p;
	}
}

const char *dm__graph_item_mark(unsigned item, unsigned edge)
{
	/* within an edge on both sides, a port/route on one side only is drift: say so in text */
	if (edge != (DM_GRAPH_LIVE | DM_GRAPH_STATE) || item == edge)
		return "";
	return item == DM_GRAPH_LIVE ? "+" : item == DM_GRAPH_STATE ? "-" : "";
}

const char *dm__graph_edge_detail(dm_graph *g, struct gedge *e)
{
	dm_buf buf = DM_BUF_INIT;
	size_t i, shown = e->nitems < 6 ? e->nitems : 6;
	const char *r = NULL;

	if (!e->nitems)
		return NULL;
	dm__graph_sort_items(e->items, e->ipres, e->nitems);
	dm__buf_init(&buf, 4096);
	for (i = 0; i < shown; i++)
		if (dm__buf_printf(&buf, "%s%s%s", i ? ", " : "",
				   dm__graph_item_mark(e->ipres[i], e->pub.presence), e->items[i]) < 0)
			goto done;
	if (e->nitems + e->more > shown && dm__buf_printf(&buf, " +%zu", e->nitems + e->more - shown) < 0)
		goto done;
	r = dm__arena_strdup(g->arena, buf.ptr);
done:
	dm__buf_free(&buf);
	return r;
}

int dm_graph_build(dm_graph **out, dm_ctx *ctx, const dm_inventory *live,
		   const dm_inventory *state, const dm_drift *drift,
		   const dm_type_table *const *tables, size_t ntables,
		   const dm_graph_options *opts)
{
	dm_graph *g = NULL;
	struct build b;
	size_t i, n;
	int rc = DM_ENOMEM;

	*out = NULL;
	if (!live && !state)
		return dm__error(ctx, DM_EINVAL, "diagram: neither a live nor a state inventory to draw");
	if (dm_inventory_materialize(live) < 0 || dm_inventory_materialize(state) < 0)
		return dm__error(ctx, DM_ENOMEM, "diagram: out of memory materialising attributes");
	g = dm__calloc(1, sizeof(*g));
	if (!g)
		return dm__error(ctx, DM_ENOMEM, "diagram: out of memory");
	g->ctx = ctx;
	g->tables = tables;
	g->ntables = ntables;
	if (opts)
		g->opts = *opts;
	n = (live ? dm_inventory_count(live) : 0) + (state ? dm_inventory_count(state) : 0);
	if (dm__arena_new(&g->arena) < 0 || dm__strmap_new(&g->bykey, n + 16) < 0 ||
	    dm__strmap_new(&g->byarn, n + 16) < 0 || dm__strmap_new(&g->edgemap, 2 * n + 16) < 0)
		goto oom;
	memset(&b, 0, sizeof(b));
	b.g = g;
	b.have_drift = drift != NULL;
	g->title = astr(&b, opts && opts->title ? opts->title : "driftmap");

	for (i = 0; live && i < dm_inventory_count(live); i++)
		add_resource(&b, dm_inventory_at(live, i), DM_GRAPH_LIVE);
	for (i = 0; state && i < dm_inventory_count(state); i++)
		add_resource(&b, dm_inventory_at(state, i), DM_GRAPH_STATE);
	for (i = 0; i < g->nnodes; i++)
		describe(&b, g->nodes[i]);
	if (b.oom)
		goto oom;
	side_edges(&b, live, DM_GRAPH_LIVE);
	side_edges(&b, state, DM_GRAPH_STATE);
	for (i = 0; i < g->nnodes; i++)
		if (g->nodes[i]->pub.kind != DM_GNODE_RESOURCE)
			describe(&b, g->nodes[i]);
	apply_drift(&b, drift);
	for (i = 0; i < g->nnodes; i++)
		set_status(&b, g->nodes[i]);
	if (b.oom)
		goto oom;
	if (g->nnodes)
		qsort(g->nodes, g->nnodes, sizeof(*g->nodes), cmp_node);
	if (g->nedges)
		qsort(g->edges, g->nedges, sizeof(*g->edges), cmp_edge);
	place(&b);
	for (i = 0; i < g->nedges; i++)
		g->edges[i]->pub.detail = dm__graph_edge_detail(g, g->edges[i]);
	if (b.oom)
		goto oom;
	rc = filter(&b);
	if (rc < 0)
		goto fail;
	g->vnodes = dm__calloc(g->nnodes + 1, sizeof(*g->vnodes));
	g->vedges = dm__calloc(g->nedges + 1, sizeof(*g->vedges));
	if (!g->vnodes || !g->vedges)
		goto oom;
	for (i = 0; i < g->nnodes; i++) {
		g->nodes[i]->order = i;
		if (g->nodes[i]->keep)
			g->vnodes[g->nvnodes++] = &g->nodes[i]->pub;
	}
	for (i = 0; i < g->nedges; i++)
		if (g->edges[i]->keep)
			g->vedges[g->nvedges++] = &g->edges[i]->pub;
	dm__log(ctx, DM_LOG_DEBUG, "diagram: graph of %zu nodes, %zu edges", g->nvnodes, g->nvedges);
	*out = g;
	return 0;
oom:
	rc = dm__error(ctx, DM_ENOMEM, "diagram: out of memory building the graph");
fail:
	dm_graph_free(g);
	return rc;
}

void dm_graph_free(dm_graph *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->nedges; i++) {
		free(g->edges[i]->items);
		free(g->edges[i]->ipres);
	}
	for (i = 0; i < g->nnotes; i++)
		free(g->notes[i]);
	free(g->notes);
	free(g->nodes);
	free(g->edges);
	free(g->vnodes);
	free(g->vedges);
	dm__strmap_free(g->bykey);
	dm__strmap_free(g->byarn);
	dm__strmap_free(g->edgemap);
	dm__arena_free(g->arena);
	free(g);
}

size_t dm_graph_node_count(const dm_graph *g)
{
	return g ? g->nvnodes : 0;
}

const dm_graph_node *dm_graph_node_at(const dm_graph *g, size_t i)
{
	return g && i < g->nvnodes ? g->vnodes[i] : NULL;
}

size_t dm_graph_edge_count(const dm_graph *g)
{
	return g ? g->nvedges : 0;
}

const dm_graph_edge *dm_graph_edge_at(const dm_graph *g, size_t i)
{
	return g && i < g->nvedges ? g->vedges[i] : NULL;
}

const dm_graph_node *dm_graph_find(const dm_graph *g, const char *type, const char *id)
{
	size_t i;

	for (i = 0; g && id && i < g->nvnodes; i++) {
		const dm_graph_node *n = g->vnodes[i];

		if (n->id && strcmp(n->id, id) == 0 && (!type || (n->type && strcmp(n->type, type) == 0)))
			return n;
	}
	return NULL;
}

static const char *const view_names[] = { NULL, "current", "target", "drift", "segmentation" };
static const char *const status_names[] = { "insync", "unmanaged", "missing", "changed",
					     "default", "ignored", "unverified" };

const char *dm_graph_view_name(dm_graph_view v)
{
	return (v >= DM_VIEW_CURRENT && v <= DM_VIEW_SEGMENTATION) ? view_names[v] : "?";
}

int dm_graph_view_parse(const char *s, dm_graph_view *out)
{
	int v;

	for (v = DM_VIEW_CURRENT; s && v <= DM_VIEW_SEGMENTATION; v++) {
		if (strcmp(s, view_names[v]) == 0) {
			*out = (dm_graph_view)v;
			return 0;
		}
	}
	return DM_EINVAL;
}

const char *dm_graph_status_name(dm_graph_status s)
{
	return ((unsigned)s < sizeof(status_names) / sizeof(status_names[0])) ? status_names[s] : "?";
}
