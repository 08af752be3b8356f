/* Unit tests: the resource graph, its three views and Graphviz rendering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "driftmap/graph.h"
#include "providers/aws/aws_types.h"

/*
 * Graphviz 2.42 (Debian) and the font stack under it leak by themselves (a
 * plain agmemread + gvLayout + gvRender + agclose loop leaks under LSan);
 * these are not ours. LeakSanitizer reads this hook in DM_SANITIZE builds.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\nleak:libcgraph.so\nleak:libgvplugin_\nleak:libfontconfig.so\n"
	       "leak:libglib-2.0.so\nleak:libgobject-2.0.so\nleak:libpango\nleak:libcairo.so\n"
	       "leak:libharfbuzz.so\nleak:libpixman\nleak:libfreetype.so\n";
}

struct fx {
	dm_ctx *ctx;
	dm_inventory *live;
	dm_inventory *state;
	const dm_type_table *tables[1];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(dm_ctx_new(&f->ctx), 0);
	assert_int_equal(dm_inventory_load_json(&f->live, f->ctx, tu_fixture("estates/demo-live.json")), 0);
	assert_int_equal(dm_inventory_load_json(&f->state, f->ctx, tu_fixture("estates/demo-state.json")), 0);
	f->tables[0] = dm__aws_type_table();
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	dm_inventory_free(f->live);
	dm_inventory_free(f->state);
	dm_ctx_free(f->ctx);
	free(f);
	return 0;
}

static dm_graph *build(struct fx *f, const dm_drift *drift, const dm_graph_options *o)
{
	dm_graph *g = NULL;
	int rc = dm_graph_build(&g, f->ctx, f->live, f->state, drift, f->tables, 1, o);

	if (rc != 0)
		fail_msg("dm_graph_build: %s", dm_ctx_last_error(f->ctx));
	return g;
}

static const dm_graph_edge *find_edge(const dm_graph *g, const char *from, const char *to, const char *kind)
{
	size_t i;

	for (i = 0; i < dm_graph_edge_count(g); i++) {
		const dm_graph_edge *e = dm_graph_edge_at(g, i);

		if (strcmp(e->from->key, from) == 0 && strcmp(e->to->key, to) == 0 && strcmp(e->kind, kind) == 0)
			return e;
	}
	return NULL;
}

/* ---- graph construction --------------------------------------------------------- */

#define L DM_GRAPH_LIVE
#define S DM_GRAPH_STATE
#define B (DM_GRAPH_LIVE | DM_GRAPH_STATE)

static const struct {
	const char *from, *to, *kind;
	unsigned presence;
	int containment;
	const char *detail; /* substring the detail must hold, or NULL */
} expected_edges[] = {
	{ "aws/aws_subnet/subnet-0pa", "aws/aws_vpc/vpc-0a1prod", "in_vpc", B, 1, NULL },
	{ "aws/aws_subnet/subnet-0scratch", "aws/aws_vpc/vpc-0a1prod", "in_vpc", L, 1, NULL },
	{ "aws/aws_security_group/sg-0legacy", "aws/aws_vpc/vpc-0a1prod", "in_vpc", S, 1, NULL },
	{ "internet", "aws/aws_security_group/sg-0web", "ingress", B, 0, "tcp/443" },
	{ "aws/aws_security_group/sg-0web", "aws/aws_security_group/sg-0app", "ingress", B, 0, "tcp/8080" },
	{ "aws/aws_security_group/sg-0app", "aws/aws_security_group/sg-0db", "ingress", B, 0, "tcp/5432" },
	{ "aws/aws_route_table/rtb-0pub", "aws/aws_internet_gateway/igw-0a1", "routes_to", B, 0, "0.0.0.0/0" },
	{ "aws/aws_route_table/rtb-0priv", "aws/aws_nat_gateway/nat-0a1", "routes_to", B, 0, "0.0.0.0/0" },
	{ "aws/aws_route_table/rtb-0priv", "aws/aws_vpc_peering_connection/pcx-0ab", "routes_to", L, 0, "10.1.0.0/16" },
	{ "aws/aws_subnet/subnet-0qa", "aws/aws_route_table/rtb-0priv", "uses_route_table", B, 0, NULL },
	{ "aws/aws_vpc/vpc-0a1prod", "aws/aws_route_table/rtb-0main", "uses_route_table", L, 0, NULL },
	{ "aws/aws_internet_gateway/igw-0a1", "aws/aws_vpc/vpc-0a1prod", "attached_to", B, 1, NULL },
	{ "aws/aws_internet_gateway/igw-0a1", "internet", "internet", B, 0, NULL },
	{ "aws/aws_nat_gateway/nat-0a1", "aws/aws_subnet/subnet-0pa", "in_subnet", B, 1, NULL },
	{ "aws/aws_nat_gateway/nat-0a1", "aws/aws_eip/eipalloc-0a1", "uses_eip", B, 0, NULL },
	{ "aws/aws_vpc_peering_connection/pcx-0ab", "aws/aws_vpc/vpc-0a1prod", "peers_from", B, 0, NULL },
	{ "aws/aws_vpc_peering_connection/pcx-0ab", "aws/aws_vpc/vpc-0b2shared", "peers_with", B, 0, NULL },
	{ "aws/aws_network_acl/acl-0dflt", "aws/aws_subnet/subnet-0scratch", "protects", L, 0, NULL },
	{ "aws/aws_vpc_endpoint/vpce-0s3", "aws/aws_route_table/rtb-0priv", "routes_via", B, 0, NULL },
	{ "aws/aws_flow_log/fl-0a1", "aws/aws_iam_role/flow-logs", "uses_role", S, 0, NULL },
	{ "aws/aws_iam_policy/arn:aws:iam::123456789012:policy/app-read", "aws/aws_iam_role/eks-node", "attaches", B, 0, NULL },
	{ "aws/aws_iam_policy/arn:aws:iam::aws:policy/AdministratorAccess", "aws/aws_iam_role/ci-deploy", "attaches", L, 0, NULL },
	{ "principal/service/eks.amazonaws.com", "aws/aws_iam_role/eks-cluster", "trusts", B, 0, NULL },
	{ "principal/service/vpc-flow-logs.amazonaws.com", "aws/aws_iam_role/flow-logs", "trusts", S, 0, NULL },
	{ "principal/account/999988887777", "aws/aws_iam_role/ci-deploy", "trusts", L, 0, NULL },
	{ "aws/aws_eks_cluster/prod-eks", "aws/aws_iam_role/eks-cluster", "uses_role", B, 0, NULL },
	{ "aws/aws_eks_cluster/prod-eks", "aws/aws_subnet/subnet-0qb", "in_subnet", B, 0, NULL },
	{ "aws/aws_eks_cluster/prod-eks", "aws/aws_security_group/sg-0app", "protected_by", B, 0, NULL },
	{ "aws/aws_eks_node_group/prod-eks:workers", "aws/aws_eks_cluster/prod-eks", "node_group_of", B, 0, NULL },
	{ "aws/aws_eks_node_group/prod-eks:workers", "aws/aws_iam_role/eks-node", "uses_role", B, 0, NULL },
};

static void test_graph__edges_right_for_every_type(void **state)
{
	struct fx *f = *state;
	dm_graph *g = build(f, NULL, NULL);
	size_t i;

	for (i = 0; i < sizeof(expected_edges) / sizeof(expected_edges[0]); i++) {
		const dm_graph_edge *e = find_edge(g, expected_edges[i].from, expected_edges[i].to,
						   expected_edges[i].kind);

		if (!e)
			fail_msg("case %zu: no edge %s -[%s]-> %s", i, expected_edges[i].from,
				 expected_edges[i].kind, expected_edges[i].to);
		if (e->presence != expected_edges[i].presence)
			fail_msg("case %zu: presence %u, want %u", i, e->presence, expected_edges[i].presence);
		if (e->containment != expected_edges[i].containment)
			fail_msg("case %zu: containment %d", i, e->containment);
		if (expected_edges[i].detail && (!e->detail || !strstr(e->detail, expected_edges[i].detail)))
			fail_msg("case %zu: detail '%s' lacks '%s'", i, e->detail ? e->detail : "(null)",
				 expected_edges[i].detail);
	}
	/* egress to 0.0.0.0/0 is everywhere: no edge to the internet from it */
	assert_null(find_edge(g, "aws/aws_security_group/sg-0web", "internet", "egress"));
	/* the new live-only SSH rule is aggregated onto the same internet -> web edge, marked "+" */
	assert_non_null(strstr(find_edge(g, "internet", "aws/aws_security_group/sg-0web", "ingress")->detail,
			       "+tcp/22"));
	assert_null(strstr(find_edge(g, "internet", "aws/aws_security_group/sg-0web", "ingress")->detail,
			   "+tcp/443"));
	dm_graph_free(g);
}

static void test_graph__places_nodes_in_their_network(void **state)
{
	struct fx *f = *state;
	dm_graph *g = build(f, NULL, NULL);
	const dm_graph_node *n;

	n = dm_graph_find(g, "aws_nat_gateway", "nat-0a1");
	assert_string_equal(n->vpc, "vpc-0a1prod");
	assert_string_equal(n->subnet, "subnet-0pa");
	n = dm_graph_find(g, "aws_eip", "eipalloc-0a1"); /* next to the NAT that uses it */
	assert_string_equal(n->subnet, "subnet-0pa");
	n = dm_graph_find(g, "aws_eks_node_group", "prod-eks:workers"); /* VPC of its subnets */
	assert_string_equal(n->vpc, "vpc-0a1prod");
	assert_null(n->subnet);
	n = dm_graph_find(g, "aws_security_group", "sg-0legacy"); /* state only: placement inherited */
	assert_string_equal(n->account, "123456789012");
	assert_string_equal(n->region, "us-east-1");
	n = dm_graph_find(g, "aws_vpc_peering_connection", "pcx-0ab"); /* spans VPCs */
	assert_null(n->vpc);
	n = dm_graph_find(g, "aws_iam_role", "flow-logs");
	assert_string_equal(n->region, "global");
	assert_string_equal(n->account, "123456789012");
	dm_graph_free(g);
}

static void test_graph__status_follows_presence_without_findings(void **state)
{
	struct fx *f = *state;
	dm_graph *g = build(f, NULL, NULL);

	assert_int_equal(dm_graph_find(g, "aws_subnet", "subnet-0scratch")->status, DM_GSTATUS_UNMANAGED);
	assert_int_equal(dm_graph_find(g, "aws_security_group", "sg-0legacy")->status, DM_GSTATUS_MISSING);
	assert_int_equal(dm_graph_find(g, "aws_network_acl", "acl-0dflt")->status, DM_GSTATUS_DEFAULT);
	assert_int_equal(dm_graph_find(g, "aws_vpc", "vpc-0a1prod")->status, DM_GSTATUS_INSYNC);
	assert_int_equal(dm_graph_find(g, "aws_vpc", "vpc-0a1prod")->presence, B);
	/* links are edges, not nodes */
	assert_null(dm_graph_find(g, NULL, "rtbassoc-00"));
	dm_graph_free(g);
}

static void test_graph__status_follows_findings(void **state)
{
	struct fx *f = *state;
	dm_drift *drift = NULL;
	dm_diff_options o;
	dm_graph *g;
	size_t i, matched = 0;

	memset(&o, 0, sizeof(o));
	o.tables = f->tables;
	o.ntables = 1;
	assert_int_equal(dm_diff(&drift, f->ctx, f->state, f->live, &o), 0);
	g = build(f, drift, NULL);
	assert_true(dm_drift_count(drift) > 0);
	for (i = 0; i < dm_drift_count(drift); i++) {
		const dm_finding *fd = dm_drift_at(drift, i);
		const dm_graph_node *n = dm_graph_find(g, NULL, fd->resource_id);
		dm_graph_status want = fd->ignored ? DM_GSTATUS_IGNORED
				       : fd->kind == DM_FINDING_UNMANAGED ? DM_GSTATUS_UNMANAGED
				       : fd->kind == DM_FINDING_MISSING   ? DM_GSTATUS_MISSING
									  : DM_GSTATUS_CHANGED;

		if (!n || n->kind != DM_GNODE_RESOURCE)
			continue; /* findings on sub-resources are edges */
		if (n->status != want)
			fail_msg("finding %zu (%s %s): node status %s", i, fd->type, fd->resource_id,
				 dm_graph_status_name(n->status));
		assert_ptr_equal(n->finding, fd);
		matched++;
	}
	assert_true(matched > 0);
	/* a node with one side only and no finding is unverified, not "missing" */
	for (i = 0; i < dm_graph_node_count(g); i++) {
		const dm_graph_node *n = dm_graph_node_at(g, i);

		if (n->kind == DM_GNODE_RESOURCE && !n->finding && n->presence == S)
			assert_int_equal(n->status, DM_GSTATUS_UNVERIFIED);
	}
	dm_graph_free(g);
	dm_drift_free(drift);
}

static dm_inventory *inv_from(dm_ctx *ctx, const char *json)
{
	json_t *doc = json_loads(json, 0, NULL);
	dm_inventory *inv = NULL;

	assert_non_null(doc);
	assert_int_equal(dm_inventory_from_json(&inv, ctx, doc, "inline"), 0);
	json_decref(doc);
	return inv;
}

static void test_graph__state_side_relation_resources_become_edges(void **state)
{
	struct fx *f = *state;
	dm_inventory *st = inv_from(f->ctx,
		"{\"schema\":\"driftmap.inventory/v1\",\"resources\":["
		"{\"provider\":\"aws\",\"type\":\"aws_default_security_group\",\"id\":\"sg-1\",\"attributes\":{\"vpc_id\":\"vpc-1\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_security_group\",\"id\":\"sg-2\",\"attributes\":{\"vpc_id\":\"vpc-1\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_security_group_rule\",\"id\":\"sgrule-1\",\"attributes\":{\"type\":\"ingress\","
		"\"security_group_id\":\"sg-2\",\"source_security_group_id\":\"sg-1\",\"protocol\":\"tcp\",\"from_port\":443,\"to_port\":443}},"
		"{\"provider\":\"aws\",\"type\":\"aws_vpc_security_group_ingress_rule\",\"id\":\"sgr-2\",\"attributes\":{"
		"\"security_group_id\":\"sg-2\",\"cidr_ipv6\":\"::/0\",\"ip_protocol\":\"tcp\",\"from_port\":80,\"to_port\":80}},"
		"{\"provider\":\"aws\",\"type\":\"aws_route_table\",\"id\":\"rtb-1\",\"attributes\":{\"vpc_id\":\"vpc-1\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_route\",\"id\":\"r-1\",\"attributes\":{\"route_table_id\":\"rtb-1\","
		"\"destination_cidr_block\":\"0.0.0.0/0\",\"gateway_id\":\"igw-1\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_role\",\"id\":\"r\",\"attributes\":{\"arn\":\"arn:aws:iam::111122223333:role/r\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_role_policy_attachment\",\"id\":\"r-x\",\"attributes\":{\"role\":\"r\","
		"\"policy_arn\":\"arn:aws:iam::111122223333:policy/x\"}}"
		"]}");
	dm_graph *g = NULL;
	const dm_graph_edge *e;

	assert_int_equal(dm_graph_build(&g, f->ctx, NULL, st, NULL, f->tables, 1, NULL), 0);
	/* aws_default_security_group is drawn as the security group it adopts */
	assert_non_null(dm_graph_find(g, "aws_security_group", "sg-1"));
	assert_null(dm_graph_find(g, NULL, "sgrule-1"));
	e = find_edge(g, "aws/aws_security_group/sg-1", "aws/aws_security_group/sg-2", "ingress");
	assert_non_null(e);
	assert_string_equal(e->detail, "tcp/443");
	assert_int_equal(e->presence, S);
	e = find_edge(g, "internet", "aws/aws_security_group/sg-2", "ingress");
	assert_non_null(e);
	assert_string_equal(e->detail, "tcp/80");
	e = find_edge(g, "aws/aws_route_table/rtb-1", "aws/aws_internet_gateway/igw-1", "routes_to");
	assert_non_null(e);
	assert_string_equal(e->detail, "0.0.0.0/0");
	/* a target in neither inventory becomes an external node */
	assert_int_equal(e->to->kind, DM_GNODE_EXTERNAL);
	e = find_edge(g, "aws/aws_iam_policy/arn:aws:iam::111122223333:policy/x", "aws/aws_iam_role/r", "attached_to");
	assert_non_null(e);
	dm_graph_free(g);
	dm_inventory_free(st);
}

/* IAM users and groups: attachments and both membership forms are edges, inline policies parts */
static void test_graph__iam_user_and_group_relations_become_edges(void **state)
{
	struct fx *f = *state;
	dm_inventory *st = inv_from(f->ctx,
		"{\"schema\":\"driftmap.inventory/v1\",\"resources\":["
		"{\"provider\":\"aws\",\"type\":\"aws_iam_user\",\"id\":\"alice\",\"attributes\":{\"name\":\"alice\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_user\",\"id\":\"bob\",\"attributes\":{\"name\":\"bob\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_group\",\"id\":\"devs\",\"attributes\":{\"name\":\"devs\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_group\",\"id\":\"ops\",\"attributes\":{\"name\":\"ops\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_policy\",\"id\":\"arn:aws:iam::111122223333:policy/p\",\"attributes\":{}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_user_group_membership\",\"id\":\"terraform-1\",\"attributes\":{"
		"\"user\":\"alice\",\"groups\":[\"devs\",\"ops\"]}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_group_membership\",\"id\":\"m\",\"attributes\":{"
		"\"name\":\"m\",\"group\":\"ops\",\"users\":[\"bob\"]}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_group_policy_attachment\",\"id\":\"devs-1\",\"attributes\":{"
		"\"group\":\"devs\",\"policy_arn\":\"arn:aws:iam::111122223333:policy/p\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_user_policy_attachment\",\"id\":\"bob-1\",\"attributes\":{"
		"\"user\":\"bob\",\"policy_arn\":\"arn:aws:iam::111122223333:policy/p\"}},"
		"{\"provider\":\"aws\",\"type\":\"aws_iam_user_policy\",\"id\":\"bob:inl\",\"attributes\":{"
		"\"user\":\"bob\",\"name\":\"inl\",\"policy\":\"{}\"}}"
		"]}");
	dm_graph *g = NULL;

	assert_int_equal(dm_graph_build(&g, f->ctx, NULL, st, NULL, f->tables, 1, NULL), 0);
	assert_non_null(find_edge(g, "aws/aws_iam_user/alice", "aws/aws_iam_group/devs", "member_of"));
	assert_non_null(find_edge(g, "aws/aws_iam_user/alice", "aws/aws_iam_group/ops", "member_of"));
	assert_non_null(find_edge(g, "aws/aws_iam_user/bob", "aws/aws_iam_group/ops", "member_of"));
	assert_null(find_edge(g, "aws/aws_iam_user/bob", "aws/aws_iam_group/devs", "member_of"));
	assert_non_null(find_edge(g, "aws/aws_iam_policy/arn:aws:iam::111122223333:policy/p",
				  "aws/aws_iam_group/devs", "attached_to"));
	assert_non_null(find_edge(g, "aws/aws_iam_policy/arn:aws:iam::111122223333:policy/p",
				  "aws/aws_iam_user/bob", "attached_to"));
	/* relations and inline policies are not drawn as things */
	assert_null(dm_graph_find(g, NULL, "terraform-1"));
	assert_null(dm_graph_find(g, NULL, "m"));
	assert_null(dm_graph_find(g, NULL, "devs-1"));
	assert_null(dm_graph_find(g, NULL, "bob:inl"));
	assert_non_null(dm_graph_find(g, "aws_iam_user", "alice"));
	assert_non_null(dm_graph_find(g, "aws_iam_group", "devs"));
	dm_graph_free(g);
	dm_inventory_free(st);
}

static void test_graph__filters_and_focus(void **state)
{
	struct fx *f = *state;
	dm_graph_options o;
	const char *vpcs[] = { "vpc-0b2shared" };
	const char *badtag[] = { "=x" };
	dm_graph *g = NULL;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.vpcs = vpcs;
	o.nvpcs = 1;
	g = build(f, NULL, &o);
	assert_true(dm_graph_node_count(g) >= 2);
	for (i = 0; i < dm_graph_node_count(g); i++) {
		const dm_graph_node *n = dm_graph_node_at(g, i);

		if (n->kind == DM_GNODE_RESOURCE)
			assert_string_equal(n->vpc, "vpc-0b2shared");
	}
	dm_graph_free(g);

	memset(&o, 0, sizeof(o));
	o.focus = "sg-0app";
	o.depth = 1;
	g = build(f, NULL, &o);
	assert_non_null(dm_graph_find(g, NULL, "sg-0web"));
	assert_non_null(dm_graph_find(g, NULL, "sg-0db"));
	assert_non_null(dm_graph_find(g, NULL, "prod-eks"));
	assert_null(dm_graph_find(g, NULL, "igw-0a1"));
	assert_null(dm_graph_find(g, NULL, "eks-node"));
	dm_graph_free(g);

	memset(&o, 0, sizeof(o));
	o.focus = "sg-nope";
	g = NULL;
	assert_int_equal(dm_graph_build(&g, f->ctx, f->live, f->state, NULL, f->tables, 1, &o), DM_EINVAL);
	assert_null(g);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "sg-nope"));

	memset(&o, 0, sizeof(o));
	o.tags = badtag;
	o.ntags = 1;
	assert_int_equal(dm_graph_build(&g, f->ctx, f->live, f->state, NULL, f->tables, 1, &o), DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "KEY=VALUE"));
}

/* ---- DOT, SVG, PNG ---------------------------------------------------------------------- */

static void test_graph__golden_dot_for_the_three_views(void **state)
{
	struct fx *f = *state;
	dm_graph_options o;
	dm_graph *g;
	static const struct {
		dm_graph_view v;
		const char *golden;
	} views[] = {
		{ DM_VIEW_CURRENT, "golden/diagrams/demo-current.gv" },
		{ DM_VIEW_TARGET, "golden/diagrams/demo-target.gv" },
		{ DM_VIEW_DRIFT, "golden/diagrams/demo-drift.gv" },
	};
	size_t i;

	memset(&o, 0, sizeof(o));
	o.title = "demo estate";
	g = build(f, NULL, &o);
	for (i = 0; i < 3; i++) {
		char *dot = NULL;

		assert_int_equal(dm_graph_to_dot(f->ctx, g, views[i].v, &dot), 0);
		tu_golden(views[i].golden, dot);
		free(dot);
	}
	dm_graph_free(g);
}

static int has_class(xmlNodePtr n, const char *cls)
{
	xmlChar *c = xmlGetProp(n, BAD_CAST "class");
	int r = 0;

	if (c) {
		const char *p = (const char *)c;
		size_t l = strlen(cls);

		while ((p = strstr(p, cls)) != NULL) {
			if ((p == (const char *)c || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\0')) {
				r = 1;
				break;
			}
			p += l;
		}
		xmlFree(c);
	}
	return r;
}

static xmlNodePtr find_g(xmlNodePtr n, const char *id)
{
	xmlNodePtr c, r;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "g") == 0) {
			xmlChar *v = xmlGetProp(n, BAD_CAST "id");
			int eq = v && strcmp((const char *)v, id) == 0;

			xmlFree(v);
			if (eq)
				return n;
		}
		c = n->children;
		r = c ? find_g(c, id) : NULL;
		if (r)
			return r;
	}
	return NULL;
}

/* the edge group whose <title> is "FROM->TO" and class has edge-KIND */
static xmlNodePtr find_svg_edge(xmlNodePtr n, const char *title, const char *kind)
{
	xmlNodePtr c, r;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "g") == 0 && has_class(n, "edge") &&
		    has_class(n, kind)) {
			for (c = n->children; c; c = c->next) {
				if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST "title") == 0) {
					xmlChar *t = xmlNodeGetContent(c);
					int eq = t && strcmp((const char *)t, title) == 0;

					xmlFree(t);
					if (eq)
						return n;
				}
			}
		}
		r = n->children ? find_svg_edge(n->children, title, kind) : NULL;
		if (r)
			return r;
	}
	return NULL;
}

static void check_svg(const dm_graph *g, const char *path, dm_graph_view view)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root;
	size_t i, nodes = 0, edges = 0;
	unsigned side = view == DM_VIEW_CURRENT ? DM_GRAPH_LIVE : view == DM_VIEW_TARGET ? DM_GRAPH_STATE : B;

	if (!doc)
		fail_msg("%s: not well-formed XML", path);
	root = xmlDocGetRootElement(doc);
	for (i = 0; i < dm_graph_node_count(g); i++) {
		const dm_graph_node *n = dm_graph_node_at(g, i);
		xmlNodePtr el = find_g(root, n->key);
		char cls[256];

		if (!(n->presence & side)) {
			if (el)
				fail_msg("%s: %s should be hidden in this view", path, n->key);
			continue;
		}
		if (!el)
			fail_msg("%s: node %s missing", path, n->key);
		assert_true(has_class(el, "node"));
		if (n->kind == DM_GNODE_RESOURCE) {
			snprintf(cls, sizeof(cls), "type-%s", n->type);
			if (!has_class(el, cls))
				fail_msg("%s: %s lacks class %s", path, n->key, cls);
			snprintf(cls, sizeof(cls), "drift-%s", dm_graph_status_name(n->status));
			if (!has_class(el, cls))
				fail_msg("%s: %s lacks class %s", path, n->key, cls);
		}
		nodes++;
	}
	for (i = 0; i < dm_graph_edge_count(g); i++) {
		const dm_graph_edge *e = dm_graph_edge_at(g, i);
		char title[1024], cls[128];

		if (e->containment)
			continue; /* drawn as nesting */
		snprintf(title, sizeof(title), "%s->%s", e->from->key, e->to->key);
		snprintf(cls, sizeof(cls), "edge-%s", e->kind);
		if (!(e->presence & side)) {
			if (find_svg_edge(root, title, cls))
				fail_msg("%s: edge %s should be hidden", path, title);
			continue;
		}
		if (!find_svg_edge(root, title, cls))
			fail_msg("%s: edge %s [%s] missing", path, title, e->kind);
		/* a drawn edge never dangles: both ends are drawn in this view */
		if (!find_g(root, e->from->key) || !find_g(root, e->to->key))
			fail_msg("%s: edge %s drawn with a hidden end", path, title);
		edges++;
	}
	assert_true(nodes > 10);
	assert_true(edges > 10);
	assert_non_null(find_g(root, "cluster_vpc_vpc-0a1prod"));
	assert_non_null(find_g(root, "cluster_iam_123456789012"));
	xmlFreeDoc(doc);
}

static void test_graph__svg_has_every_node_and_edge_with_classes(void **state)
{
	struct fx *f = *state;
	dm_graph *g = build(f, NULL, NULL);
	char *dir = tu_mkdtemp();
	char p[3][512];
	dm_graph_output outs[3];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(p[i], sizeof(p[i]), "%s/v%zu.svg", dir, i);
		outs[i].view = (dm_graph_view)(DM_VIEW_CURRENT + (int)i);
		outs[i].format = "svg";
		outs[i].path = p[i];
	}
	if (dm_graph_render_all(f->ctx, g, outs, 3) != 0)
		fail_msg("render: %s", dm_ctx_last_error(f->ctx));
	for (i = 0; i < 3; i++)
		check_svg(g, p[i], outs[i].view);
	dm_graph_free(g);
	tu_rmrf(dir);
	free(dir);
}

static void test_graph__render_is_deterministic(void **state)
{
	struct fx *f = *state;
	char *dir = tu_mkdtemp();
	char a[512], b[512], ga[512], gb[512];
	char *x, *y;
	size_t lx, ly;
	int run;

	snprintf(a, sizeof(a), "%s/a.svg", dir);
	snprintf(b, sizeof(b), "%s/b.svg", dir);
	snprintf(ga, sizeof(ga), "%s/a.dot", dir);
	snprintf(gb, sizeof(gb), "%s/b.dot", dir);
	for (run = 0; run < 2; run++) {
		/* a fresh graph each time: nothing may depend on pointers or hash order */
		dm_graph *g = build(f, NULL, NULL);
		dm_graph_output o[2] = { { DM_VIEW_DRIFT, "svg", run ? b : a }, { DM_VIEW_DRIFT, "dot", run ? gb : ga } };

		assert_int_equal(dm_graph_render_all(f->ctx, g, o, 2), 0);
		dm_graph_free(g);
	}
	x = tu_read_file(a, &lx);
	y = tu_read_file(b, &ly);
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(lx, ly);
	assert_memory_equal(x, y, lx);
	free(x);
	free(y);
	x = tu_read_file(ga, &lx);
	y = tu_read_file(gb, &ly);
	assert_non_null(strstr(x, "pos=")); /* laid-out DOT */
	assert_int_equal(lx, ly);
	assert_memory_equal(x, y, lx);
	free(x);
	free(y);
	tu_rmrf(dir);
	free(dir);
}

static void test_graph__png_and_pdf_render(void **state)
{
	struct fx *f = *state;
	dm_graph *g = build(f, NULL, NULL);
	char *dir = tu_mkdtemp();
	char png[512], pdf[512];
	char *x;
	size_t len;

	snprintf(png, sizeof(png), "%s/d.png", dir);
	snprintf(pdf, sizeof(pdf), "%s/d.pdf", dir);
	assert_int_equal(dm_graph_render(f->ctx, g, DM_VIEW_DRIFT, "png", png), 0);
	assert_int_equal(dm_graph_render(f->ctx, g, DM_VIEW_TARGET, "pdf", pdf), 0);
	x = tu_read_file(png, &len);
	assert_non_null(x);
	assert_true(len > 10000);
	assert_memory_equal(x, "\x89PNG\r\n", 6);
	free(x);
	x = tu_read_file(pdf, &len);
	assert_non_null(x);
	assert_memory_equal(x, "%PDF", 4);
	free(x);
	dm_graph_free(g);
	tu_rmrf(dir);
	free(dir);
}

static void test_graph__render_errors_name_the_problem(void **state)
{
	struct fx *f = *state;
	dm_graph *g = build(f, NULL, NULL);

	assert_int_equal(dm_graph_render(f->ctx, g, DM_VIEW_DRIFT, "bmpx", "/tmp/x.bmpx"), DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "bmpx"));
	assert_true(dm_graph_render(f->ctx, g, DM_VIEW_DRIFT, "svg", "/nonexistent-dir/sub/d.svg") < 0);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "/nonexistent-dir/sub"));
	dm_graph_free(g);
	/* no inventory at all is an error; an empty one draws an empty picture */
	g = NULL;
	assert_int_equal(dm_graph_build(&g, f->ctx, NULL, NULL, NULL, f->tables, 1, NULL), DM_EINVAL);
	assert_null(g);
	{
		dm_inventory *empty = NULL;
		char *dir = tu_mkdtemp(), path[512];
		struct stat st;

		assert_int_equal(dm_inventory_new(&empty), 0);
		assert_int_equal(dm_graph_build(&g, f->ctx, empty, NULL, NULL, f->tables, 1, NULL), 0);
		assert_int_equal(dm_graph_node_count(g), 0);
		snprintf(path, sizeof(path), "%s/empty.svg", dir);
		assert_int_equal(dm_graph_render(f->ctx, g, DM_VIEW_CURRENT, "svg", path), 0);
		assert_int_equal(stat(path, &st), 0);
		dm_graph_free(g);
		dm_inventory_free(empty);
		tu_rmrf(dir);
		free(dir);
	}
}

static void test_graph__hostile_names_render_escaped(void **state)
{
	struct fx *f = *state;
	dm_inventory *live = inv_from(f->ctx,
		"{\"schema\":\"driftmap.inventory/v1\",\"resources\":["
		"{\"provider\":\"aws\",\"type\":\"aws_vpc\",\"id\":\"vpc-\\\"1\",\"account\":\"1\",\"region\":\"r\","
		"\"attributes\":{\"tags\":{\"Name\":\"a\\\"b<c>&d\\n]}x\\\\\"}}}]}");
	dm_graph *g = NULL;
	char *dir = tu_mkdtemp(), path[512], *svg;
	size_t len;

	assert_int_equal(dm_graph_build(&g, f->ctx, live, NULL, NULL, f->tables, 1, NULL), 0);
	snprintf(path, sizeof(path), "%s/h.svg", dir);
	if (dm_graph_render(f->ctx, g, DM_VIEW_DRIFT, "svg", path) != 0)
		fail_msg("render: %s", dm_ctx_last_error(f->ctx));
	svg = tu_read_file(path, &len);
	assert_non_null(svg);
	assert_non_null(strstr(svg, "a&quot;b&lt;c&gt;&amp;d ]}x\\"));
	free(svg);
	dm_graph_free(g);
	dm_inventory_free(live);
	tu_rmrf(dir);
	free(dir);
}

/* ---- scale: collapse and paging ---------------------------------------------------------- */

static dm_inventory *big_estate(dm_ctx *ctx, int nvpc, int nsub)
{
	dm_inventory *inv = NULL;
	int v, s;

	assert_int_equal(dm_inventory_new(&inv), 0);
	for (v = 0; v < nvpc; v++) {
		dm_resource r;
		char id[64], sid[64];

		memset(&r, 0, sizeof(r));
		r.provider = "aws";
		r.account = "123456789012";
		r.region = "us-east-1";
		snprintf(id, sizeof(id), "vpc-%02d", v);
		r.type = "aws_vpc";
		r.id = id;
		r.attrs = json_pack("{s:s}", "cidr_block", "10.0.0.0/16");
		assert_int_equal(dm_inventory_add(inv, &r, NULL), 0);
		for (s = 0; s < nsub; s++) {
			snprintf(sid, sizeof(sid), "subnet-%02d-%03d", v, s);
			r.type = "aws_subnet";
			r.id = sid;
			r.attrs = json_pack("{s:s}", "vpc_id", id);
			assert_int_equal(dm_inventory_add(inv, &r, NULL), 0);
		}
		if (v > 0) {
			snprintf(sid, sizeof(sid), "pcx-%02d", v);
			r.type = "aws_vpc_peering_connection";
			r.id = sid;
			r.attrs = json_pack("{s:s,s:s}", "vpc_id", id, "peer_vpc_id", "vpc-00");
			assert_int_equal(dm_inventory_add(inv, &r, NULL), 0);
		}
	}
	(void)ctx;
	return inv;
}

static void test_graph__collapses_alike_resources(void **state)
{
	struct fx *f = *state;
	dm_inventory *live = big_estate(f->ctx, 2, 20);
	dm_graph_options o;
	dm_graph *g = NULL;
	char *dot = NULL;

	memset(&o, 0, sizeof(o));
	o.collapse_threshold = 8;
	assert_int_equal(dm_graph_build(&g, f->ctx, live, NULL, NULL, f->tables, 1, &o), 0);
	assert_int_equal(dm_graph_node_count(g), 2 + 40 + 1);
	assert_int_equal(dm_graph_to_dot(f->ctx, g, DM_VIEW_DRIFT, &dot), 0);
	assert_non_null(strstr(dot, "20 \xc3\x97 Subnet"));
	assert_null(strstr(dot, "subnet-00-005")); /* members are not drawn one by one */
	assert_non_null(strstr(dot, "note: collapsed 20"));
	free(dot);
	dm_graph_free(g);
	dm_inventory_free(live);
}

static void test_graph__pages_per_vpc_above_threshold(void **state)
{
	struct fx *f = *state;
	dm_inventory *live = big_estate(f->ctx, 3, 6);
	dm_graph_options o;
	dm_graph *g = NULL;
	char *dir = tu_mkdtemp();
	char out[512], p[512];
	struct stat st;
	char *svg;
	size_t len;
	int v;

	memset(&o, 0, sizeof(o));
	o.page_threshold = 10;
	o.collapse_threshold = 100;
	assert_int_equal(dm_graph_build(&g, f->ctx, live, NULL, NULL, f->tables, 1, &o), 0);
	snprintf(out, sizeof(out), "%s/net.svg", dir);
	assert_int_equal(dm_graph_render(f->ctx, g, DM_VIEW_DRIFT, "svg", out), 0);
	assert_int_not_equal(stat(out, &st), 0); /* pages instead of the one file */
	snprintf(p, sizeof(p), "%s/net-overview.svg", dir);
	svg = tu_read_file(p, &len);
	assert_non_null(svg);
	assert_non_null(strstr(svg, "kind&#45;summary"));
	assert_null(strstr(svg, "subnet&#45;01&#45;003"));
	free(svg);
	for (v = 0; v < 3; v++) {
		snprintf(p, sizeof(p), "%s/net-vpc-vpc-%02d.svg", dir, v);
		svg = tu_read_file(p, &len);
		if (!svg)
			fail_msg("page %s not written", p);
		/* its own subnets one by one */
		snprintf(p, sizeof(p), "subnet&#45;%02d&#45;003", v);
		assert_non_null(strstr(svg, p));
		/* no other VPC's subnets; the hub VPC (peered with every spoke) as a summary */
		snprintf(p, sizeof(p), "subnet&#45;%02d&#45;003", (v + 1) % 3);
		assert_null(strstr(svg, p));
		if (v > 0) {
			assert_non_null(strstr(svg, "id=\"vpc/vpc&#45;00\""));
			/* spokes are not peered with each other: no summary of the other spoke */
			snprintf(p, sizeof(p), "id=\"vpc/vpc&#45;%02d\"", v == 1 ? 2 : 1);
			assert_null(strstr(svg, p));
		}
		free(svg);
	}
	dm_graph_free(g);
	dm_inventory_free(live);
	tu_rmrf(dir);
	free(dir);
}

/* ---- segmentation hook --------------------------------------------------------------------- */

static void tier_style(const dm_graph_node *n, dm_graph_style *out, void *ud)
{
	(void)ud;
	if (n->type && strcmp(n->type, "aws_security_group") == 0) {
		out->css_class = "tier-web";
		out->fillcolor = "#00ff00";
	}
}

static void edge_tier_style(const dm_graph_edge *e, dm_graph_style *out, void *ud)
{
	(void)ud;
	if (strcmp(e->kind, "ingress") == 0)
		out->css_class = "seg-flow";
}

static void test_graph__segmentation_view_uses_the_style_hook(void **state)
{
	struct fx *f = *state;
	dm_graph_options o;
	dm_graph *g;
	char *dot = NULL;

	memset(&o, 0, sizeof(o));
	o.node_style = tier_style;
	o.edge_style = edge_tier_style;
	g = build(f, NULL, &o);
	assert_int_equal(dm_graph_to_dot(f->ctx, g, DM_VIEW_SEGMENTATION, &dot), 0);
	assert_non_null(strstr(dot, "tier-web"));
	assert_non_null(strstr(dot, "edge-ingress drift-insync seg-flow"));
	assert_non_null(strstr(dot, "#00ff00"));
	free(dot);
	assert_int_equal(dm_graph_to_dot(f->ctx, g, DM_VIEW_DRIFT, &dot), 0);
	assert_null(strstr(dot, "tier-web"));
	assert_null(strstr(dot, "seg-flow"));
	free(dot);
	dm_graph_free(g);
}

static void test_graph__view_names_round_trip(void **state)
{
	dm_graph_view v;

	(void)state;
	assert_int_equal(dm_graph_view_parse("drift", &v), 0);
	assert_int_equal(v, DM_VIEW_DRIFT);
	assert_string_equal(dm_graph_view_name(DM_VIEW_TARGET), "target");
	assert_int_equal(dm_graph_view_parse("sideways", &v), DM_EINVAL);
	assert_string_equal(dm_graph_status_name(DM_GSTATUS_MISSING), "missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_graph__edges_right_for_every_type, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__places_nodes_in_their_network, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__status_follows_presence_without_findings, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__status_follows_findings, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__iam_user_and_group_relations_become_edges, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__state_side_relation_resources_become_edges, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__filters_and_focus, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__golden_dot_for_the_three_views, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__svg_has_every_node_and_edge_with_classes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__render_is_deterministic, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__png_and_pdf_render, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__render_errors_name_the_problem, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__hostile_names_render_escaped, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__collapses_alike_resources, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__pages_per_vpc_above_threshold, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph__segmentation_view_uses_the_style_hook, fx_setup, fx_teardown),
		cmocka_unit_test(test_graph__view_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
