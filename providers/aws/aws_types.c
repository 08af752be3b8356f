/*
 * driftmap AWS provider — the type table: what driftmap knows about each
 * Terraform AWS resource type (docs/live-model.md, DESIGN.md).
 *
 * Rules followed here:
 *   - compare what a user configures, never computed values (ARNs, owner
 *     ids, status, timestamps, generated ids are listed as DM_CMP_IGNORE so
 *     the table documents them);
 *   - attributes AWS changes by design are DM_CMP_IGNORE (node-group
 *     desired_size, default NACL subnet_ids, EIP association fields,
 *     aws_iam_policy.attachment_count);
 *   - inline lists that are only a representation of sub-resources (SG
 *     ingress/egress, route table route, NACL rules and subnet_ids, role
 *     managed_policy_arns/inline_policy, the same on users and groups, user
 *     groups) are declared with their shape and
 *     references, but the diff engine resolves them by coverage
 *     (scanner/diff_atoms.c), never as a whole;
 *   - DM_TYPE_SUBRESOURCE types (aws_security_group_rule, aws_route, ...) are
 *     state-only representations: live_type names the live parent type they
 *     are carried by (used for completeness), their attributes document the
 *     shape and the graph edges;
 *   - aws_default_* types adopt an AWS-created object: live_type is the type
 *     the live resource carries.
 */
#include <stdio.h>
#include <string.h>
#include "aws_types.h"
#include "diff_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define S(n) { n, DM_CMP_SCALAR, NULL, 0, NULL, NULL }
#define REF(n, t, e) { n, DM_CMP_SCALAR, NULL, 0, t, e }
#define SET(n) { n, DM_CMP_SET, NULL, 0, NULL, NULL }
#define SETREF(n, t, e) { n, DM_CMP_SET, NULL, 0, t, e }
#define IGN(n) { n, DM_CMP_IGNORE, NULL, 0, NULL, NULL }
#define IGNREF(n, t, e) { n, DM_CMP_IGNORE, NULL, 0, t, e }
#define POL(n) { n, DM_CMP_POLICY, NULL, 0, NULL, NULL }
#define MAP(n) { n, DM_CMP_MAP, NULL, 0, NULL, NULL }
#define TAGS { "tags", DM_CMP_TAGS, NULL, 0, NULL, NULL }, IGN("tags_all")
#define BLOCK(n, sub) { n, DM_CMP_BLOCK, sub, N(sub), NULL, NULL }
#define BLOCKSET(n, sub) { n, DM_CMP_BLOCKSET, sub, N(sub), NULL, NULL }

/* ---- canonical keys ----------------------------------------------------------- */

static const char *str_attr(const dm_resource *r, const char *name)
{
	return dm__json_str(dm_resource_attr(r, name));
}

static int put_key(char *buf, size_t cap, int n)
{
	return (n < 0 || (size_t)n >= cap) ? DM_ETOOBIG : 0;
}

/* aws_eks_node_group: CLUSTER:NODEGROUP (the Terraform id, rebuilt from content). */
static int key_node_group(const dm_resource *r, char *buf, size_t cap)
{
	const char *c = str_attr(r, "cluster_name"), *n = str_attr(r, "node_group_name");

	if (!c || !n)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s:%s", c, n));
}

/* aws_iam_role_policy_attachment: ROLE/POLICY_ARN (the id changed format in provider v6). */
static int key_role_attachment(const dm_resource *r, char *buf, size_t cap)
{
	const char *role = str_attr(r, "role"), *arn = str_attr(r, "policy_arn");

	if (!role || !arn)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s/%s", role, arn));
}

/* aws_iam_user_policy_attachment: USER/POLICY_ARN (the id is USER-<timestamp>). */
static int key_user_attachment(const dm_resource *r, char *buf, size_t cap)
{
	const char *user = str_attr(r, "user"), *arn = str_attr(r, "policy_arn");

	if (!user || !arn)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s/%s", user, arn));
}

/* aws_iam_group_policy_attachment: GROUP/POLICY_ARN (the id is GROUP-<timestamp>). */
static int key_group_attachment(const dm_resource *r, char *buf, size_t cap)
{
	const char *group = str_attr(r, "group"), *arn = str_attr(r, "policy_arn");

	if (!group || !arn)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s/%s", group, arn));
}

/* aws_iam_user_group_membership: USER|GROUP|GROUP… (the id is terraform-<timestamp>). */
static int key_user_membership(const dm_resource *r, char *buf, size_t cap)
{
	const char *user = str_attr(r, "user");
	const json_t *groups = dm_resource_attr(r, "groups");
	size_t o, i;
	int n;

	if (!user)
		return DM_EINVAL;
	n = snprintf(buf, cap, "%s", user);
	if (put_key(buf, cap, n) < 0)
		return DM_ETOOBIG;
	o = (size_t)n;
	for (i = 0; i < json_array_size(groups); i++) {
		const char *g = dm__json_str(json_array_get(groups, i));
		if (!g)
			continue;
		n = snprintf(buf + o, cap - o, "|%s", g);
		if (put_key(buf + o, cap - o, n) < 0)
			return DM_ETOOBIG;
		o += (size_t)n;
	}
	return 0;
}

/* aws_route: ROUTE_TABLE|DESTINATION. */
static int key_route(const dm_resource *r, char *buf, size_t cap)
{
	const char *rt = str_attr(r, "route_table_id");
	const char *d = str_attr(r, "destination_cidr_block");

	if (!d)
		d = str_attr(r, "destination_ipv6_cidr_block");
	if (!d)
		d = str_attr(r, "destination_prefix_list_id");
	if (!rt || !d)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s|%s", rt, d));
}

/* aws_network_acl_rule: ACL|ingress/egress|RULE_NUMBER. */
static int key_nacl_rule(const dm_resource *r, char *buf, size_t cap)
{
	const char *acl = str_attr(r, "network_acl_id");
	const json_t *eg = dm_resource_attr(r, "egress");
	long long no;

	if (!acl || dm__json_ll(dm_resource_attr(r, "rule_number"), &no) < 0)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s|%s|%lld", acl,
					  (json_is_true(eg) || (json_is_string(eg) &&
								strcmp(json_string_value(eg), "true") == 0))
						  ? "egress" : "ingress", no));
}

/*
 * aws_main_route_table_association: the VPC (a VPC has exactly one main
 * association). Its id changes with every ReplaceRouteTableAssociation, so a
 * main table switched by hand is a changed route_table_id, and one switched
 * back is in sync, never a "missing" association.
 */
static int key_main_rt_assoc(const dm_resource *r, char *buf, size_t cap)
{
	const char *v = str_attr(r, "vpc_id");

	if (!v)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s", v));
}

/* aws_network_acl_association: the subnet (a subnet has exactly one NACL). */
static int key_nacl_assoc(const dm_resource *r, char *buf, size_t cap)
{
	const char *s = str_attr(r, "subnet_id");

	if (!s)
		return DM_EINVAL;
	return put_key(buf, cap, snprintf(buf, cap, "%s", s));
}

/* aws_security_group_rule: GROUP|TYPE|PROTO|FROM|TO|SOURCES (the id is a content hash). */
static int key_sg_rule(const dm_resource *r, char *buf, size_t cap)
{
	static const char *const lists[] = { "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids" };
	const char *g = str_attr(r, "security_group_id"), *t = str_attr(r, "type");
	const char *src = str_attr(r, "source_security_group_id");
	char proto[16], pbuf[40];
	const json_t *pv = dm_resource_attr(r, "protocol");
	const char *pt = pv ? dm__scalar_text(pv, pbuf, sizeof(pbuf)) : NULL;
	long long from = 0, to = 0;
	size_t o, i, j;
	int n;

	if (!g || !t)
		return DM_EINVAL;
	dm__sg_proto_norm(pt ? pt : "", proto);
	if (strcmp(proto, "-1") != 0) {
		(void)dm__json_ll(dm_resource_attr(r, "from_port"), &from);
		(void)dm__json_ll(dm_resource_attr(r, "to_port"), &to);
	}
	n = snprintf(buf, cap, "%s|%s|%s|%lld|%lld|%s|%s", g, t, proto, from, to, src ? src : "",
		     (json_is_true(dm_resource_attr(r, "self"))) ? "self" : "");
	if (put_key(buf, cap, n) < 0)
		return DM_ETOOBIG;
	o = (size_t)n;
	for (i = 0; i < N(lists); i++) {
		const json_t *a = dm_resource_attr(r, lists[i]);
		for (j = 0; j < json_array_size(a); j++) {
			const char *v = dm__json_str(json_array_get(a, j));
			if (!v)
				continue;
			n = snprintf(buf + o, cap - o, "|%s", v);
			if (put_key(buf + o, cap - o, n) < 0)
				return DM_ETOOBIG;
			o += (size_t)n;
		}
	}
	return 0;
}

/* ---- created by AWS itself ------------------------------------------------------ */

static int truthy(const json_t *v)
{
	return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static int cc_vpc(const dm_resource *r)
{
	return truthy(dm_resource_attr(r, "is_default")) ||
	       truthy(dm_resource_attr(r, "default"));
}

static int cc_subnet(const dm_resource *r)
{
	return truthy(dm_resource_attr(r, "default_for_az"));
}

static int cc_sg(const dm_resource *r)
{
	const char *n = str_attr(r, "name");
	return n && strcmp(n, "default") == 0;
}

static int cc_nacl(const dm_resource *r)
{
	return truthy(dm_resource_attr(r, "is_default")) ||
	       truthy(dm_resource_attr(r, "default"));
}

static int cc_always(const dm_resource *r)
{
	(void)r;
	return 1;
}

static int cc_role(const dm_resource *r)
{
	const char *p = str_attr(r, "path"), *arn = str_attr(r, "arn");

	if (p && (strncmp(p, "/aws-service-role/", 18) == 0 || strncmp(p, "/aws-reserved/", 14) == 0))
		return 1;
	return arn && (strstr(arn, ":role/aws-service-role/") || strstr(arn, ":role/aws-reserved/"));
}

static int cc_policy(const dm_resource *r)
{
	const char *arn = str_attr(r, "arn");

	if (!arn)
		arn = r->id;
	return arn && strstr(arn, ":iam::aws:policy/") != NULL;
}

/* ---- attribute specs ---------------------------------------------------------------- */

static const dm_attr_spec vpc_attrs[] = {
	S("cidr_block"), S("instance_tenancy"), S("enable_dns_support"), S("enable_dns_hostnames"),
	S("ipv6_cidr_block"), TAGS,
	IGN("arn"), IGN("owner_id"), IGN("main_route_table_id"), IGN("default_security_group_id"),
	IGN("default_network_acl_id"), IGN("default_route_table_id"), IGN("dhcp_options_id"),
	IGN("ipv6_association_id"),
};

static const dm_attr_spec default_vpc_attrs[] = {
	S("enable_dns_support"), S("enable_dns_hostnames"), TAGS,
	IGN("cidr_block"), IGN("arn"), IGN("owner_id"), IGN("main_route_table_id"),
	IGN("default_security_group_id"), IGN("default_network_acl_id"),
	IGN("default_route_table_id"), IGN("instance_tenancy"),
};

static const dm_attr_spec subnet_attrs[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"), S("cidr_block"), S("ipv6_cidr_block"),
	S("availability_zone"), S("map_public_ip_on_launch"), S("assign_ipv6_address_on_creation"),
	TAGS, IGN("availability_zone_id"), IGN("arn"), IGN("owner_id"), IGN("ipv6_cidr_block_association_id"),
};

static const dm_attr_spec default_subnet_attrs[] = {
	S("availability_zone"), S("map_public_ip_on_launch"), TAGS,
	IGNREF("vpc_id", "aws_vpc", "in_vpc"), IGN("cidr_block"), IGN("arn"), IGN("owner_id"),
	IGN("availability_zone_id"),
};

/* SG rule blocks: shape and references (resolved by coverage) */
static const dm_attr_spec sg_rule_block[] = {
	S("protocol"), S("from_port"), S("to_port"), SET("cidr_blocks"), SET("ipv6_cidr_blocks"),
	SET("prefix_list_ids"), SETREF("security_groups", "aws_security_group", "allows_from"),
	S("self"), S("description"),
};

static const dm_attr_spec sg_attrs[] = {
	S("name"), S("description"), REF("vpc_id", "aws_vpc", "in_vpc"), TAGS,
	BLOCKSET("ingress", sg_rule_block), BLOCKSET("egress", sg_rule_block),
	IGN("name_prefix"), IGN("arn"), IGN("owner_id"), IGN("revoke_rules_on_delete"),
};

static const dm_attr_spec default_sg_attrs[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"), TAGS,
	BLOCKSET("ingress", sg_rule_block), BLOCKSET("egress", sg_rule_block),
	IGN("name"), IGN("description"), IGN("arn"), IGN("owner_id"),
};

static const dm_attr_spec sg_rule_attrs[] = {
	S("type"), REF("security_group_id", "aws_security_group", "rule_of"), S("protocol"),
	S("from_port"), S("to_port"), SET("cidr_blocks"), SET("ipv6_cidr_blocks"),
	SET("prefix_list_ids"), REF("source_security_group_id", "aws_security_group", "allows_from"),
	S("self"), S("description"), IGN("security_group_rule_id"),
};

static const dm_attr_spec vpc_sg_rule_attrs[] = {
	REF("security_group_id", "aws_security_group", "rule_of"), S("ip_protocol"), S("from_port"),
	S("to_port"), S("cidr_ipv4"), S("cidr_ipv6"), S("prefix_list_id"),
	REF("referenced_security_group_id", "aws_security_group", "allows_from"), S("description"),
	TAGS, IGN("arn"), IGN("security_group_rule_id"),
};

static const dm_attr_spec route_block[] = {
	S("cidr_block"), S("ipv6_cidr_block"), S("destination_prefix_list_id"),
	REF("gateway_id", "aws_internet_gateway", "routes_to"),
	REF("nat_gateway_id", "aws_nat_gateway", "routes_to"),
	REF("vpc_peering_connection_id", "aws_vpc_peering_connection", "routes_to"),
	REF("vpc_endpoint_id", "aws_vpc_endpoint", "routes_to"),
	REF("transit_gateway_id", "aws_ec2_transit_gateway", "routes_to"),
	REF("egress_only_gateway_id", "aws_egress_only_internet_gateway", "routes_to"),
	REF("network_interface_id", "aws_network_interface", "routes_to"),
	S("carrier_gateway_id"), S("local_gateway_id"), S("core_network_arn"),
};

static const dm_attr_spec route_table_attrs[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"), BLOCKSET("route", route_block),
	SETREF("propagating_vgws", "aws_vpn_gateway", "propagates_from"), TAGS,
	IGN("arn"), IGN("owner_id"),
};

static const dm_attr_spec default_route_table_attrs[] = {
	REF("default_route_table_id", "aws_route_table", "adopts"), BLOCKSET("route", route_block),
	SETREF("propagating_vgws", "aws_vpn_gateway", "propagates_from"), TAGS,
	IGNREF("vpc_id", "aws_vpc", "in_vpc"), IGN("arn"), IGN("owner_id"),
};

static const dm_attr_spec route_attrs[] = {
	REF("route_table_id", "aws_route_table", "route_of"), S("destination_cidr_block"),
	S("destination_ipv6_cidr_block"), S("destination_prefix_list_id"),
	REF("gateway_id", "aws_internet_gateway", "routes_to"),
	REF("nat_gateway_id", "aws_nat_gateway", "routes_to"),
	REF("vpc_peering_connection_id", "aws_vpc_peering_connection", "routes_to"),
	REF("vpc_endpoint_id", "aws_vpc_endpoint", "routes_to"),
	REF("transit_gateway_id", "aws_ec2_transit_gateway", "routes_to"),
	REF("egress_only_gateway_id", "aws_egress_only_internet_gateway", "routes_to"),
	REF("network_interface_id", "aws_network_interface", "routes_to"),
	IGN("instance_id"), IGN("instance_owner_id"), IGN("origin"), IGN("state"),
};

static const dm_attr_spec rt_assoc_attrs[] = {
	REF("subnet_id", "aws_subnet", "associates"),
	REF("gateway_id", "aws_internet_gateway", "associates"),
	REF("route_table_id", "aws_route_table", "uses_route_table"),
};

static const dm_attr_spec main_rt_assoc_attrs[] = {
	REF("vpc_id", "aws_vpc", "main_of"), REF("route_table_id", "aws_route_table", "uses_route_table"),
	IGN("original_route_table_id"),
};

static const dm_attr_spec igw_attrs[] = {
	REF("vpc_id", "aws_vpc", "attached_to"), TAGS, IGN("arn"), IGN("owner_id"),
};

static const dm_attr_spec nat_attrs[] = {
	REF("allocation_id", "aws_eip", "uses_eip"), REF("subnet_id", "aws_subnet", "in_subnet"),
	S("connectivity_type"), TAGS,
	IGN("private_ip"), IGN("public_ip"), IGN("network_interface_id"), IGN("association_id"),
};

static const dm_attr_spec eip_attrs[] = {
	TAGS,
	/* set by other resources after the read (a NAT gateway created later): not drift */
	IGN("association_id"), IGN("network_interface"), IGN("private_ip"), IGN("instance"),
	IGN("private_dns"), IGN("domain"), IGN("vpc"), IGN("public_ip"), IGN("public_dns"),
	IGN("public_ipv4_pool"), IGN("allocation_id"),
};

static const dm_attr_spec peering_attrs[] = {
	REF("vpc_id", "aws_vpc", "peers_from"), REF("peer_vpc_id", "aws_vpc", "peers_with"),
	S("peer_owner_id"), S("peer_region"), TAGS, IGN("accept_status"),
};

static const dm_attr_spec nacl_rule_block[] = {
	S("rule_no"), S("action"), S("protocol"), S("cidr_block"), S("ipv6_cidr_block"),
	S("from_port"), S("to_port"), S("icmp_type"), S("icmp_code"),
};

static const dm_attr_spec nacl_attrs[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"), SETREF("subnet_ids", "aws_subnet", "protects"),
	BLOCKSET("ingress", nacl_rule_block), BLOCKSET("egress", nacl_rule_block), TAGS,
	IGN("arn"), IGN("owner_id"),
};

static const dm_attr_spec default_nacl_attrs[] = {
	REF("default_network_acl_id", "aws_network_acl", "adopts"),
	BLOCKSET("ingress", nacl_rule_block), BLOCKSET("egress", nacl_rule_block), TAGS,
	/* subnets fall back to the default NACL by themselves (terraform-aws-modules ignores it) */
	IGNREF("subnet_ids", "aws_subnet", "protects"), IGNREF("vpc_id", "aws_vpc", "in_vpc"),
	IGN("arn"), IGN("owner_id"),
};

static const dm_attr_spec nacl_rule_attrs[] = {
	REF("network_acl_id", "aws_network_acl", "rule_of"), S("rule_number"), S("egress"),
	S("rule_action"), S("protocol"), S("cidr_block"), S("ipv6_cidr_block"), S("from_port"),
	S("to_port"), S("icmp_type"), S("icmp_code"),
};

static const dm_attr_spec nacl_assoc_attrs[] = {
	REF("network_acl_id", "aws_network_acl", "protects_via"),
	REF("subnet_id", "aws_subnet", "associates"),
};

static const dm_attr_spec flow_log_attrs[] = {
	REF("vpc_id", "aws_vpc", "logs"), REF("subnet_id", "aws_subnet", "logs"),
	REF("eni_id", "aws_network_interface", "logs"), S("traffic_type"), S("log_destination"),
	S("log_destination_type"), REF("iam_role_arn", "aws_iam_role", "uses_role"),
	S("max_aggregation_interval"), S("log_format"), TAGS,
	IGN("log_group_name"), IGN("arn"),
};

static const dm_attr_spec endpoint_attrs[] = {
	REF("vpc_id", "aws_vpc", "in_vpc"), S("service_name"), S("vpc_endpoint_type"),
	SETREF("route_table_ids", "aws_route_table", "routes_via"),
	SETREF("subnet_ids", "aws_subnet", "in_subnet"),
	SETREF("security_group_ids", "aws_security_group", "protected_by"),
	S("private_dns_enabled"), POL("policy"), TAGS,
	IGN("state"), IGN("arn"), IGN("owner_id"), IGN("prefix_list_id"), IGN("cidr_blocks"),
	IGN("dns_entry"), IGN("network_interface_ids"), IGN("requester_managed"),
};

static const dm_attr_spec inline_policy_block[] = { S("name"), POL("policy") };

static const dm_attr_spec role_attrs[] = {
	S("name"), S("path"), POL("assume_role_policy"), S("description"),
	S("max_session_duration"), S("permissions_boundary"), TAGS,
	SETREF("managed_policy_arns", "aws_iam_policy", "attaches"),
	BLOCKSET("inline_policy", inline_policy_block),
	IGN("arn"), IGN("create_date"), IGN("unique_id"), IGN("name_prefix"), IGN("role_last_used"),
};

static const dm_attr_spec policy_attrs[] = {
	S("name"), S("path"), S("description"), POL("policy"), TAGS,
	IGN("attachment_count"), IGN("arn"), IGN("policy_id"), IGN("name_prefix"),
};

static const dm_attr_spec role_policy_attrs[] = {
	REF("role", "aws_iam_role", "inline_policy_of"), S("name"), POL("policy"),
	IGN("name_prefix"),
};

static const dm_attr_spec role_attachment_attrs[] = {
	REF("role", "aws_iam_role", "attached_to"), REF("policy_arn", "aws_iam_policy", "attaches"),
};

static const dm_attr_spec policy_attachment_attrs[] = {
	SETREF("roles", "aws_iam_role", "attached_to"), REF("policy_arn", "aws_iam_policy", "attaches"),
	SETREF("users", "aws_iam_user", "attached_to"), SETREF("groups", "aws_iam_group", "attached_to"),
};

/*
 * Users and groups: like roles, the live side carries every attachment and
 * inline policy (and a user its group names); those lists are resolved by
 * coverage against the standalone resources below, never compared whole.
 */
static const dm_attr_spec user_attrs[] = {
	S("name"), S("path"), S("permissions_boundary"), TAGS,
	SETREF("managed_policy_arns", "aws_iam_policy", "attaches"),
	BLOCKSET("inline_policy", inline_policy_block),
	SETREF("groups", "aws_iam_group", "member_of"),
	IGN("arn"), IGN("unique_id"), IGN("create_date"), IGN("force_destroy"),
};

static const dm_attr_spec group_attrs[] = {
	S("name"), S("path"),
	SETREF("managed_policy_arns", "aws_iam_policy", "attaches"),
	BLOCKSET("inline_policy", inline_policy_block),
	IGN("arn"), IGN("unique_id"), IGN("create_date"),
};

static const dm_attr_spec user_policy_attrs[] = {
	REF("user", "aws_iam_user", "inline_policy_of"), S("name"), POL("policy"),
	IGN("name_prefix"),
};

static const dm_attr_spec group_policy_attrs[] = {
	REF("group", "aws_iam_group", "inline_policy_of"), S("name"), POL("policy"),
	IGN("name_prefix"),
};

static const dm_attr_spec user_attachment_attrs[] = {
	REF("user", "aws_iam_user", "attached_to"), REF("policy_arn", "aws_iam_policy", "attaches"),
};

static const dm_attr_spec group_attachment_attrs[] = {
	REF("group", "aws_iam_group", "attached_to"), REF("policy_arn", "aws_iam_policy", "attaches"),
};

static const dm_attr_spec user_membership_attrs[] = {
	REF("user", "aws_iam_user", "member"), SETREF("groups", "aws_iam_group", "member_of"),
};

static const dm_attr_spec group_membership_attrs[] = {
	S("name"), REF("group", "aws_iam_group", "member_of"),
	SETREF("users", "aws_iam_user", "member"),
};

static const dm_attr_spec instance_profile_attrs[] = {
	S("name"), S("path"), REF("role", "aws_iam_role", "has_role"), TAGS,
	IGN("roles"), IGN("arn"), IGN("create_date"), IGN("unique_id"), IGN("name_prefix"),
};

static const dm_attr_spec eks_vpc_config[] = {
	SETREF("subnet_ids", "aws_subnet", "in_subnet"),
	SETREF("security_group_ids", "aws_security_group", "protected_by"),
	S("endpoint_private_access"), S("endpoint_public_access"), SET("public_access_cidrs"),
	IGNREF("cluster_security_group_id", "aws_security_group", "protected_by"),
	IGNREF("vpc_id", "aws_vpc", "in_vpc"),
};

static const dm_attr_spec eks_network_config[] = {
	S("service_ipv4_cidr"), S("ip_family"), IGN("service_ipv6_cidr"),
};

static const dm_attr_spec eks_cluster_attrs[] = {
	S("version"), REF("role_arn", "aws_iam_role", "uses_role"), BLOCK("vpc_config", eks_vpc_config),
	SET("enabled_cluster_log_types"), BLOCK("kubernetes_network_config", eks_network_config), TAGS,
	IGN("arn"), IGN("endpoint"), IGN("status"), IGN("platform_version"), IGN("created_at"),
	IGN("certificate_authority"), IGN("identity"), IGN("cluster_id"),
};

static const dm_attr_spec eks_scaling[] = {
	IGN("desired_size"), /* autoscalers move it */
	S("min_size"), S("max_size"),
};

static const dm_attr_spec eks_node_group_attrs[] = {
	REF("cluster_name", "aws_eks_cluster", "node_group_of"), S("node_group_name"),
	REF("node_role_arn", "aws_iam_role", "uses_role"), SETREF("subnet_ids", "aws_subnet", "in_subnet"),
	BLOCK("scaling_config", eks_scaling), SET("instance_types"), S("ami_type"), S("capacity_type"),
	S("disk_size"), MAP("labels"), S("version"), TAGS,
	IGN("release_version"), IGN("status"), IGN("arn"), IGN("resources"),
	IGN("node_group_name_prefix"),
};

/* ---- the table --------------------------------------------------------------------- */

#define LIVE DM_TYPE_LIVE
#define SUB (DM_TYPE_SUBRESOURCE | DM_TYPE_SYNTHETIC_ID)
#define DEF DM_TYPE_DEFAULT_OBJ
#define T(type, svc, label, flags, attrs, key, cc, lt) \
	{ type, svc, label, flags, attrs, N(attrs), key, cc, lt }

static const dm_type_spec aws_types[] = {
	/* live types */
	T("aws_vpc", "ec2", "VPC", LIVE, vpc_attrs, NULL, cc_vpc, NULL),
	T("aws_subnet", "ec2", "Subnet", LIVE, subnet_attrs, NULL, cc_subnet, NULL),
	T("aws_security_group", "ec2", "Security group", LIVE, sg_attrs, NULL, cc_sg, NULL),
	T("aws_route_table", "ec2", "Route table", LIVE, route_table_attrs, NULL, NULL, NULL),
	T("aws_route_table_association", "ec2", "Route table association", LIVE, rt_assoc_attrs,
	  NULL, NULL, NULL),
	T("aws_main_route_table_association", "ec2", "Main route table association",
	  LIVE | DM_TYPE_NO_UNMANAGED, main_rt_assoc_attrs, key_main_rt_assoc, cc_always, NULL),
	T("aws_internet_gateway", "ec2", "Internet gateway", LIVE, igw_attrs, NULL, NULL, NULL),
	T("aws_nat_gateway", "ec2", "NAT gateway", LIVE, nat_attrs, NULL, NULL, NULL),
	T("aws_eip", "ec2", "Elastic IP", LIVE, eip_attrs, NULL, NULL, NULL),
	T("aws_vpc_peering_connection", "ec2", "VPC peering", LIVE, peering_attrs, NULL, NULL, NULL),
	T("aws_network_acl", "ec2", "Network ACL", LIVE, nacl_attrs, NULL, cc_nacl, NULL),
	T("aws_network_acl_association", "ec2", "NACL association",
	  LIVE | SUB | DM_TYPE_NO_UNMANAGED, nacl_assoc_attrs, key_nacl_assoc, NULL, "aws_network_acl"),
	T("aws_flow_log", "ec2", "Flow log", LIVE, flow_log_attrs, NULL, NULL, NULL),
	T("aws_vpc_endpoint", "ec2", "VPC endpoint", LIVE, endpoint_attrs, NULL, NULL, NULL),
	T("aws_iam_role", "iam", "IAM role", LIVE, role_attrs, NULL, cc_role, NULL),
	T("aws_iam_policy", "iam", "IAM policy", LIVE, policy_attrs, NULL, cc_policy, NULL),
	T("aws_iam_instance_profile", "iam", "Instance profile", LIVE, instance_profile_attrs, NULL,
	  NULL, NULL),
	T("aws_iam_user", "iam", "IAM user", LIVE, user_attrs, NULL, NULL, NULL),
	T("aws_iam_group", "iam", "IAM group", LIVE, group_attrs, NULL, NULL, NULL),
	T("aws_eks_cluster", "eks", "EKS cluster", LIVE, eks_cluster_attrs, NULL, NULL, NULL),
	T("aws_eks_node_group", "eks", "EKS node group", LIVE, eks_node_group_attrs,
	  key_node_group, NULL, NULL),

	/* state-only representations of sub-resources (matched by coverage) */
	T("aws_security_group_rule", "ec2", "SG rule", SUB, sg_rule_attrs, key_sg_rule, NULL,
	  "aws_security_group"),
	T("aws_vpc_security_group_ingress_rule", "ec2", "SG ingress rule", SUB, vpc_sg_rule_attrs,
	  NULL, NULL, "aws_security_group"),
	T("aws_vpc_security_group_egress_rule", "ec2", "SG egress rule", SUB, vpc_sg_rule_attrs,
	  NULL, NULL, "aws_security_group"),
	T("aws_route", "ec2", "Route", SUB, route_attrs, key_route, NULL, "aws_route_table"),
	T("aws_iam_role_policy_attachment", "iam", "Role policy attachment", SUB,
	  role_attachment_attrs, key_role_attachment, NULL, "aws_iam_role"),
	T("aws_iam_policy_attachment", "iam", "Policy attachment", SUB, policy_attachment_attrs,
	  NULL, NULL, "aws_iam_role"),
	T("aws_iam_role_policy", "iam", "Inline role policy", SUB, role_policy_attrs, NULL, NULL,
	  "aws_iam_role"),
	T("aws_iam_user_policy", "iam", "Inline user policy", SUB, user_policy_attrs, NULL, NULL,
	  "aws_iam_user"),
	T("aws_iam_group_policy", "iam", "Inline group policy", SUB, group_policy_attrs, NULL, NULL,
	  "aws_iam_group"),
	T("aws_iam_user_policy_attachment", "iam", "User policy attachment", SUB,
	  user_attachment_attrs, key_user_attachment, NULL, "aws_iam_user"),
	T("aws_iam_group_policy_attachment", "iam", "Group policy attachment", SUB,
	  group_attachment_attrs, key_group_attachment, NULL, "aws_iam_group"),
	T("aws_iam_user_group_membership", "iam", "User group membership", SUB,
	  user_membership_attrs, key_user_membership, NULL, "aws_iam_user"),
	T("aws_iam_group_membership", "iam", "Group membership", SUB, group_membership_attrs, NULL,
	  NULL, "aws_iam_user"),
	T("aws_network_acl_rule", "ec2", "NACL rule", SUB, nacl_rule_attrs, key_nacl_rule, NULL,
	  "aws_network_acl"),

	/* aws_default_*: adopt an AWS-created object, compared normally */
	T("aws_default_vpc", "ec2", "Default VPC", DEF, default_vpc_attrs, NULL, NULL, "aws_vpc"),
	T("aws_default_subnet", "ec2", "Default subnet", DEF, default_subnet_attrs, NULL, NULL,
	  "aws_subnet"),
	T("aws_default_security_group", "ec2", "Default security group", DEF, default_sg_attrs, NULL,
	  NULL, "aws_security_group"),
	T("aws_default_network_acl", "ec2", "Default network ACL", DEF, default_nacl_attrs, NULL,
	  NULL, "aws_network_acl"),
	T("aws_default_route_table", "ec2", "Default route table", DEF, default_route_table_attrs,
	  NULL, NULL, "aws_route_table"),
};

static const dm_type_table aws_table = { "aws", aws_types, N(aws_types) };

const dm_type_table *dm__aws_type_table(void)
{
	return &aws_table;
}
