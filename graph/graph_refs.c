/*
 * driftmap graph — what the graph code knows about types beyond the type
 * tables: fallback reference specs (used only for a type whose provider table
 * declares no reference attribute), relation ("link") types that become
 * edges instead of nodes, short labels and edge looks.
 */
#include <string.h>
#include "graph_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define REF(name, type, edge) { name, DM_CMP_SCALAR, NULL, 0, type, edge }
#define REFS(name, type, edge) { name, DM_CMP_SET, NULL, 0, type, edge }

/* ---- fallback reference specs (Terraform AWS provider v5 schema) -------- */

static const dm_attr_spec fb_vpc_only[] = { REF("vpc_id", "aws_vpc", "in_vpc") };
static const dm_attr_spec fb_igw[] = { REF("vpc_id", "aws_vpc", "attached_to") };
static const dm_attr_spec fb_route[] = {
	REF("gateway_id", "aws_internet_gateway", "routes_to"),
	REF("nat_gateway_id", "aws_nat_gateway", "routes_to"),
	REF("vpc_peering_connection_id", "aws_vpc_peering_connection", "routes_to"),
	REF("transit_gateway_id", "aws_ec2_transit_gateway", "routes_to"),
	REF("vpc_endpoint_id", "aws_vpc_endpoint", "routes_to"),
	REF("network_interface_id", "aws_network_interface", "routes_to"),
	REF("egress_only_gateway_id", "aws_egress_only_internet_gateway", "routes_to"),
};
static const dm_attr_spec fb_rtb[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"),
	{ "route", DM_CMP_BLOCKSET, fb_route, N(fb_route), NULL, NULL },
};
static const dm_attr_spec fb_nat[] = {
	REF("subnet_id", "aws_subnet", "in_subnet"),
	REF("allocation_id", "aws_eip", "uses_eip"),
};
static const dm_attr_spec fb_pcx[] = {
	REF("vpc_id", "aws_vpc", "peers_from"),
	REF("peer_vpc_id", "aws_vpc", "peers_with"),
};
static const dm_attr_spec fb_acl[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"),
	REFS("subnet_ids", "aws_subnet", "protects"),
};
static const dm_attr_spec fb_flow[] = {
	REF("vpc_id", "aws_vpc", "logs"),
	REF("subnet_id", "aws_subnet", "logs"),
	REF("iam_role_arn", "aws_iam_role", "uses_role"),
};
static const dm_attr_spec fb_vpce[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"),
	REFS("route_table_ids", "aws_route_table", "routes_via"),
	REFS("subnet_ids", "aws_subnet", "in_subnet"),
	REFS("security_group_ids", "aws_security_group", "protected_by"),
};
static const dm_attr_spec fb_role[] = {
	REFS("managed_policy_arns", "aws_iam_policy", "attaches"),
};
static const dm_attr_spec fb_profile[] = { REF("role", "aws_iam_role", "has_role") };
static const dm_attr_spec fb_eks_vpc[] = {
	REFS("subnet_ids", "aws_subnet", "in_subnet"),
	REFS("security_group_ids", "aws_security_group", "protected_by"),
	REF("cluster_security_group_id", "aws_security_group", "protected_by"),
	REF("vpc_id", "aws_vpc", "in_vpc"),
};
static const dm_attr_spec fb_eks[] = {
	REF("role_arn", "aws_iam_role", "uses_role"),
	{ "vpc_config", DM_CMP_BLOCK, fb_eks_vpc, N(fb_eks_vpc), NULL, NULL },
};
static const dm_attr_spec fb_ng[] = {
	REF("cluster_name", "aws_eks_cluster", "node_group_of"),
	REF("node_role_arn", "aws_iam_role", "uses_role"),
	REFS("subnet_ids", "aws_subnet", "in_subnet"),
};

struct fallback {
	const char *type;
	const dm_attr_spec *attrs;
	size_t n;
};

static const struct fallback fallbacks[] = {
	{ "aws_eks_cluster", fb_eks, N(fb_eks) },
	{ "aws_eks_node_group", fb_ng, N(fb_ng) },
	{ "aws_flow_log", fb_flow, N(fb_flow) },
	{ "aws_iam_instance_profile", fb_profile, N(fb_profile) },
	{ "aws_iam_role", fb_role, N(fb_role) },
	{ "aws_internet_gateway", fb_igw, N(fb_igw) },
	{ "aws_nat_gateway", fb_nat, N(fb_nat) },
	{ "aws_network_acl", fb_acl, N(fb_acl) },
	{ "aws_route_table", fb_rtb, N(fb_rtb) },
	{ "aws_security_group", fb_vpc_only, N(fb_vpc_only) },
	{ "aws_subnet", fb_vpc_only, N(fb_vpc_only) },
	{ "aws_vpc_endpoint", fb_vpce, N(fb_vpce) },
	{ "aws_vpc_peering_connection", fb_pcx, N(fb_pcx) },
};

const dm_type_spec *dm__graph_type_spec(const dm_graph *g, const char *provider, const char *type)
{
	size_t i, j;

	for (i = 0; i < g->ntables; i++) {
		const dm_type_table *t = g->tables[i];

		if (!t || (provider && t->provider && strcmp(t->provider, provider) != 0))
			continue;
		for (j = 0; j < t->ntypes; j++)
			if (t->types[j].type && strcmp(t->types[j].type, type) == 0)
				return &t->types[j];
	}
	return NULL;
}

static int has_refs(const dm_attr_spec *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].ref_type)
			return 1;
		if (a[i].sub && has_refs(a[i].sub, a[i].nsub))
			return 1;
	}
	return 0;
}

const dm_attr_spec *dm__graph_ref_specs(const dm_graph *g, const char *provider, const char *type,
					size_t *n)
{
	const dm_type_spec *ts = dm__graph_type_spec(g, provider, type);
	size_t i;

	*n = 0;
	if (ts && ts->attrs && has_refs(ts->attrs, ts->nattrs)) {
		*n = ts->nattrs;
		return ts->attrs;
	}
	/* aws_default_security_group and friends: the live type's references */
	if (ts && ts->live_type && strcmp(ts->live_type, type) != 0)
		return dm__graph_ref_specs(g, provider, ts->live_type, n);
	for (i = 0; i < N(fallbacks); i++) {
		if (strcmp(fallbacks[i].type, type) == 0) {
			*n = fallbacks[i].n;
			return fallbacks[i].attrs;
		}
	}
	return NULL;
}

/* ---- relation types: edges, not nodes ---------------------------------- */

static const dm__graph_link links[] = {
	/* rows of one type stay together (dm__graph_links returns a run) */
	{ "aws_iam_group_membership", "users", "aws_iam_user", "group", "aws_iam_group", "member_of", NULL },
	{ "aws_iam_group_policy_attachment", "policy_arn", "aws_iam_policy", "group", "aws_iam_group", "attached_to", NULL },
	{ "aws_iam_policy_attachment", "policy_arn", "aws_iam_policy", "roles", "aws_iam_role", "attached_to", NULL },
	{ "aws_iam_policy_attachment", "policy_arn", "aws_iam_policy", "users", "aws_iam_user", "attached_to", NULL },
	{ "aws_iam_policy_attachment", "policy_arn", "aws_iam_policy", "groups", "aws_iam_group", "attached_to", NULL },
	{ "aws_iam_role_policy_attachment", "policy_arn", "aws_iam_policy", "role", "aws_iam_role", "attached_to", NULL },
	{ "aws_iam_user_group_membership", "user", "aws_iam_user", "groups", "aws_iam_group", "member_of", NULL },
	{ "aws_iam_user_policy_attachment", "policy_arn", "aws_iam_policy", "user", "aws_iam_user", "attached_to", NULL },
	{ "aws_main_route_table_association", "vpc_id", "aws_vpc", "route_table_id", "aws_route_table", "uses_route_table", NULL },
	{ "aws_network_acl_association", "subnet_id", "aws_subnet", "network_acl_id", "aws_network_acl", "protects_via", NULL },
	{ "aws_route", "route_table_id", "aws_route_table", "gateway_id", "aws_internet_gateway", "routes_to", "destination_cidr_block" },
	{ "aws_route", "route_table_id", "aws_route_table", "nat_gateway_id", "aws_nat_gateway", "routes_to", "destination_cidr_block" },
	{ "aws_route", "route_table_id", "aws_route_table", "vpc_peering_connection_id", "aws_vpc_peering_connection", "routes_to", "destination_cidr_block" },
	{ "aws_route", "route_table_id", "aws_route_table", "transit_gateway_id", "aws_ec2_transit_gateway", "routes_to", "destination_cidr_block" },
	{ "aws_route", "route_table_id", "aws_route_table", "vpc_endpoint_id", "aws_vpc_endpoint", "routes_to", "destination_cidr_block" },
	{ "aws_route", "route_table_id", "aws_route_table", "network_interface_id", "aws_network_interface", "routes_to", "destination_cidr_block" },
	{ "aws_route_table_association", "subnet_id", "aws_subnet", "route_table_id", "aws_route_table", "uses_route_table", NULL },
	{ "aws_route_table_association", "gateway_id", "aws_internet_gateway", "route_table_id", "aws_route_table", "uses_route_table", NULL },
};

/* types that are parts of a parent and handled in code (SG rules) or not drawn */
static const char *const part_types[] = {
	"aws_iam_group_policy",
	"aws_iam_role_policy",
	"aws_iam_user_policy",
	"aws_network_acl_rule",
	"aws_security_group_rule",
	"aws_vpc_security_group_egress_rule",
	"aws_vpc_security_group_ingress_rule",
};

const dm__graph_link *dm__graph_links(const char *type, size_t *n)
{
	size_t i, first = N(links), cnt = 0;

	for (i = 0; i < N(links); i++) {
		if (strcmp(links[i].type, type) == 0) {
			if (first == N(links))
				first = i;
			cnt++;
		}
	}
	*n = cnt;
	return cnt ? &links[first] : NULL;
}

int dm__graph_is_link(const dm_graph *g, const char *provider, const char *type)
{
	const dm_type_spec *ts;
	size_t i, n;

	if (dm__graph_links(type, &n))
		return 1;
	for (i = 0; i < N(part_types); i++)
		if (strcmp(part_types[i], type) == 0)
			return 1;
	ts = dm__graph_type_spec(g, provider, type);
	return ts && (ts->flags & DM_TYPE_SUBRESOURCE);
}

/* ---- labels, categories, edge looks ------------------------------------ */

struct label {
	const char *type;
	const char *label;
	const char *category;
};

static const struct label labels[] = {
	{ "aws_ec2_transit_gateway", "Transit gateway", "net" },
	{ "aws_egress_only_internet_gateway", "Egress-only IGW", "net" },
	{ "aws_eip", "Elastic IP", "net" },
	{ "aws_eks_cluster", "EKS cluster", "cmp" },
	{ "aws_eks_node_group", "EKS node group", "cmp" },
	{ "aws_flow_log", "Flow log", "other" },
	{ "aws_iam_group", "IAM group", "iam" },
	{ "aws_iam_instance_profile", "Instance profile", "iam" },
	{ "aws_iam_policy", "IAM policy", "iam" },
	{ "aws_iam_role", "IAM role", "iam" },
	{ "aws_iam_user", "IAM user", "iam" },
	{ "aws_internet_gateway", "Internet gateway", "net" },
	{ "aws_nat_gateway", "NAT gateway", "net" },
	{ "aws_network_acl", "Network ACL", "sec" },
	{ "aws_network_interface", "Network interface", "net" },
	{ "aws_route_table", "Route table", "net" },
	{ "aws_security_group", "Security group", "sec" },
	{ "aws_subnet", "Subnet", "net" },
	{ "aws_vpc", "VPC", "net" },
	{ "aws_vpc_endpoint", "VPC endpoint", "net" },
	{ "aws_vpc_peering_connection", "VPC peering", "net" },
};

static const struct label *find_label(const char *type)
{
	size_t i;

	for (i = 0; i < N(labels); i++)
		if (strcmp(labels[i].type, type) == 0)
			return &labels[i];
	return NULL;
}

const char *dm__graph_type_label(const dm_graph *g, const char *provider, const char *type)
{
	const dm_type_spec *ts = dm__graph_type_spec(g, provider, type);
	const struct label *l;

	if (ts && ts->label && ts->label[0])
		return ts->label;
	l = find_label(type);
	if (l)
		return l->label;
	if (strncmp(type, "aws_", 4) == 0)
		return type + 4;
	return type;
}

const char *dm__graph_category(const char *type)
{
	const struct label *l = find_label(type);

	if (l)
		return l->category;
	if (strncmp(type, "aws_iam_", 8) == 0)
		return "iam";
	return "other";
}

struct look {
	const char *kind;
	const char *style;
	const char *color;
	const char *arrowhead;
	const char *dir;
};

static const struct look looks[] = {
	{ "allows_from", "solid", "#b03a2e", "normal", "back" },
	{ "attached_to", "dotted", "#777777", "none", "forward" },
	{ "attaches", "solid", "#7d5ba6", "onormal", "forward" },
	{ "egress", "dashed", "#b03a2e", "normal", "forward" },
	{ "has_role", "dashed", "#8e44ad", "normal", "forward" },
	{ "in_subnet", "solid", "#2e7d32", "normal", "forward" },
	{ "ingress", "solid", "#b03a2e", "normal", "forward" },
	{ "internet", "bold", "#b03a2e", "none", "both" },
	{ "logs", "dotted", "#777777", "normal", "forward" },
	{ "main_of", "dotted", "#777777", "none", "forward" },
	{ "member_of", "dashed", "#7d5ba6", "normal", "forward" },
	{ "node_group_of", "solid", "#2e7d32", "normal", "forward" },
	{ "peers_from", "bold", "#6a3d9a", "normal", "both" },
	{ "peers_with", "bold", "#6a3d9a", "normal", "both" },
	{ "propagates_from", "dotted", "#1f5fa8", "normal", "forward" },
	{ "protected_by", "dashed", "#2e7d32", "odot", "forward" },
	{ "protects", "dotted", "#b03a2e", "none", "forward" },
	{ "protects_via", "dotted", "#b03a2e", "none", "forward" },
	{ "routes_to", "solid", "#1f5fa8", "normal", "forward" },
	{ "routes_via", "dotted", "#1f5fa8", "normal", "forward" },
	{ "trusts", "solid", "#8e44ad", "normal", "forward" },
	{ "uses_eip", "dotted", "#1f5fa8", "none", "forward" },
	{ "uses_role", "dashed", "#8e44ad", "normal", "forward" },
	{ "uses_route_table", "dotted", "#777777", "none", "forward" },
};

void dm__graph_edge_look(const char *kind, const char **style, const char **color,
			 const char **arrowhead, const char **dir)
{
	size_t i;

	*style = "solid";
	*color = "#555555";
	*arrowhead = "normal";
	*dir = "forward";
	for (i = 0; i < N(looks); i++) {
		if (strcmp(looks[i].kind, kind) == 0) {
			*style = looks[i].style;
			*color = looks[i].color;
			*arrowhead = looks[i].arrowhead;
			*dir = looks[i].dir;
			return;
		}
	}
}
