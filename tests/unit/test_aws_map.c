/*
 * AWS mapping (EC2, IAM, EKS) from recorded wire responses
 * (fixtures/aws/responses/), and the scan orchestration (pagination,
 * completeness, per-resource calls) through a fake transport that answers
 * from the same recordings.
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "internal.h"
#include "providers/aws/aws_internal.h"
#include "providers/aws/aws_services.h"
#include "providers/aws/aws_types.h"
#include "diff_internal.h"

#define ACCT "123456789012"

static const aws_map_ctx MC = { ACCT, "us-east-1", "aws" };

/* ---- helpers -------------------------------------------------------------------- */

static char *fixture_text(const char *name, size_t *len)
{
	char rel[256];
	char *s;

	snprintf(rel, sizeof(rel), "aws/responses/%s", name);
	s = tu_read_file(tu_fixture(rel), len);
	assert_non_null(s);
	return s;
}

static xmlDocPtr load_xml(dm_ctx *ctx, const char *name)
{
	size_t len = 0;
	char *s = fixture_text(name, &len);
	xmlDocPtr doc = NULL;

	assert_int_equal(aws_xml_parse(ctx, s, len, name, &doc), 0);
	free(s);
	return doc;
}

static json_t *load_json(const char *name)
{
	size_t len = 0;
	char *s = fixture_text(name, &len);
	json_t *v = json_loadb(s, len, 0, NULL);

	assert_non_null(v);
	free(s);
	return v;
}

static void map_xml(const char *name, aws_ec2_map_fn fn, aws_reslist *out)
{
	dm_ctx *ctx = NULL;
	xmlDocPtr doc;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	doc = load_xml(ctx, name);
	assert_int_equal(fn(out, doc, &MC), 0);
	xmlFreeDoc(doc);
	dm_ctx_free(ctx);
}

static size_t count_type(const aws_reslist *l, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += strcmp(l->v[i].type, type) == 0;
	return n;
}

/* First resource of a type whose attribute key has string value. */
static aws_res *by_attr(const aws_reslist *l, const char *type, const char *key, const char *value)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *v = json_string_value(json_object_get(l->v[i].attrs, key));

		if (strcmp(l->v[i].type, type) == 0 && v && strcmp(v, value) == 0)
			return &l->v[i];
	}
	fail_msg("no %s with %s=%s", type, key, value);
	return NULL;
}

static const char *sattr(const aws_res *r, const char *key)
{
	const char *v = json_string_value(json_object_get(r->attrs, key));

	if (!v)
		fail_msg("%s %s: no string %s", r->type, r->id, key);
	return v;
}

/* Does the JSON value equal the JSON text? */
static void assert_json(const json_t *v, const char *text)
{
	json_t *want = json_loads(text, JSON_DECODE_ANY, NULL);

	assert_non_null(want);
	if (!json_equal(v, want)) {
		char *got = json_dumps(v, JSON_SORT_KEYS | JSON_ENCODE_ANY);

		fail_msg("got %s\nwant %s", got, text);
	}
	json_decref(want);
}

/* The block of a list whose keys equal the given (protocol, from, to, description). */
static const json_t *sg_block(const json_t *list, const char *proto, int from, int to, const char *desc)
{
	size_t i;
	json_t *b;

	json_array_foreach(list, i, b) {
		if (strcmp(json_string_value(json_object_get(b, "protocol")), proto) == 0 &&
		    json_integer_value(json_object_get(b, "from_port")) == from &&
		    json_integer_value(json_object_get(b, "to_port")) == to &&
		    strcmp(json_string_value(json_object_get(b, "description")), desc) == 0)
			return b;
	}
	fail_msg("no rule %s %d-%d '%s'", proto, from, to, desc);
	return NULL;
}

/* ---- EC2 mapping ------------------------------------------------------------------ */

static void test_aws_map__vpcs_carry_cidr_tags_and_default_flag(void **state)
{
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *v, *d;

	(void)state;
	map_xml("ec2_DescribeVpcs.xml", aws_ec2_map_vpcs, &l);
	assert_int_equal(count_type(&l, "aws_vpc"), 3);
	v = by_attr(&l, "aws_vpc", "cidr_block", "10.0.0.0/16");
	assert_string_equal(sattr(v, "id"), v->id);
	assert_string_equal(sattr(v, "instance_tenancy"), "default");
	assert_string_equal(sattr(v, "owner_id"), ACCT);
	assert_string_equal(sattr(v, "ipv6_cidr_block"), "");
	assert_json(json_object_get(v->attrs, "tags"), "{\"Name\":\"prod-vpc\",\"Env\":\"prod\"}");
	assert_true(json_equal(json_object_get(v->attrs, "tags"), json_object_get(v->attrs, "tags_all")));
	assert_true(strncmp(sattr(v, "arn"), "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-", 43) == 0);
	assert_int_equal(v->flags & DM_RES_AWS_CREATED, 0);
	/* DNS attributes come only from DescribeVpcAttribute */
	assert_null(json_object_get(v->attrs, "enable_dns_hostnames"));
	d = by_attr(&l, "aws_vpc", "cidr_block", "172.31.0.0/16");
	assert_true(d->flags & DM_RES_AWS_CREATED);
	aws_reslist_free(&l);
}

static void test_aws_map__subnets_map_schema_and_flag_default_subnets(void **state)
{
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *pub, *priv;
	size_t defaults = 0;

	(void)state;
	map_xml("ec2_DescribeSubnets.xml", aws_ec2_map_subnets, &l);
	assert_int_equal(count_type(&l, "aws_subnet"), 8);
	for (size_t i = 0; i < l.n; i++)
		defaults += (l.v[i].flags & DM_RES_AWS_CREATED) != 0;
	assert_int_equal(defaults, 6); /* moto's default VPC has one subnet per AZ */
	pub = by_attr(&l, "aws_subnet", "cidr_block", "10.0.1.0/24");
	assert_string_equal(sattr(pub, "availability_zone"), "us-east-1a");
	assert_string_equal(sattr(pub, "availability_zone_id"), "use1-az6");
	assert_true(json_is_true(json_object_get(pub->attrs, "map_public_ip_on_launch")));
	assert_true(json_is_false(json_object_get(pub->attrs, "assign_ipv6_address_on_creation")));
	assert_string_equal(sattr(pub, "arn"),
			    "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-21499c55d2e68c1e6");
	assert_json(json_object_get(pub->attrs, "tags"), "{\"Name\":\"prod-public\"}");
	priv = by_attr(&l, "aws_subnet", "cidr_block", "10.0.2.0/24");
	assert_true(json_is_false(json_object_get(priv->attrs, "map_public_ip_on_launch")));
	assert_int_equal(priv->flags, 0);
	aws_reslist_free(&l);
}

static void test_aws_map__security_group_rules_are_grouped_like_terraform_read(void **state)
{
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *web, *app, *db;
	const json_t *in, *b;
	size_t ndefault = 0;

	(void)state;
	map_xml("ec2_DescribeSecurityGroups.xml", aws_ec2_map_security_groups, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(sattr(&l.v[i], "name"), "default") == 0) {
			assert_true(l.v[i].flags & DM_RES_AWS_CREATED);
			ndefault++;
		} else {
			assert_int_equal(l.v[i].flags, 0);
		}
	}
	assert_int_equal(ndefault, 3);
	web = by_attr(&l, "aws_security_group", "name", "prod-web");
	app = by_attr(&l, "aws_security_group", "name", "prod-app");
	db = by_attr(&l, "aws_security_group", "name", "prod-db");
	assert_string_equal(sattr(web, "description"), "web tier");
	in = json_object_get(web->attrs, "ingress");
	assert_int_equal(json_array_size(in), 4);
	b = sg_block(in, "tcp", 443, 443, "https");
	assert_json(json_object_get(b, "cidr_blocks"), "[\"0.0.0.0/0\"]");
	assert_json(json_object_get(b, "ipv6_cidr_blocks"), "[\"::/0\"]");
	assert_true(json_is_false(json_object_get(b, "self")));
	b = sg_block(in, "tcp", 80, 80, "");
	assert_json(json_object_get(b, "cidr_blocks"), "[\"10.0.0.0/8\",\"192.168.0.0/16\"]");
	assert_json(json_object_get(b, "security_groups"), "[]");
	assert_json(json_object_get(b, "prefix_list_ids"), "[]");
	b = sg_block(in, "icmp", 8, -1, "ping");
	assert_json(json_object_get(b, "cidr_blocks"), "[\"10.0.0.0/8\"]");
	/* all traffic from the group itself: protocol -1, ports 0, self */
	b = sg_block(in, "-1", 0, 0, "");
	assert_true(json_is_true(json_object_get(b, "self")));
	assert_json(json_object_get(b, "security_groups"), "[]");
	/* the default egress */
	assert_json(json_object_get(web->attrs, "egress"),
		    "[{\"cidr_blocks\":[\"0.0.0.0/0\"],\"description\":\"\",\"from_port\":0,"
		    "\"ipv6_cidr_blocks\":[],\"prefix_list_ids\":[],\"protocol\":\"-1\","
		    "\"security_groups\":[],\"self\":false,\"to_port\":0}]");
	/* same-account group reference: a plain id, with its description */
	b = sg_block(json_object_get(app->attrs, "ingress"), "tcp", 8080, 8080, "from web");
	assert_json(json_object_get(b, "security_groups"), "[\"sg-60c88ff65149880f7\"]");
	b = sg_block(json_object_get(db->attrs, "ingress"), "tcp", 5432, 5432, "");
	assert_json(json_object_get(b, "security_groups"), "[\"sg-cbe7779620b2bee50\"]");
	aws_reslist_free(&l);
}

static void test_aws_map__security_group_cross_account_reference_is_account_slash_id(void **state)
{
	static const char xml[] =
		"<DescribeSecurityGroupsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
		"<securityGroupInfo><item><ownerId>123456789012</ownerId><groupId>sg-1</groupId>"
		"<groupName>x</groupName><groupDescription>d</groupDescription><vpcId>vpc-1</vpcId>"
		"<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort>"
		"<groups><item><userId>111122223333</userId><groupId>sg-9</groupId></item>"
		"<item><userId>123456789012</userId><groupId>sg-2</groupId><description>d2</description></item></groups>"
		"<ipRanges/><ipv6Ranges/><prefixListIds><item><prefixListId>pl-1</prefixListId></item></prefixListIds>"
		"</item><item><ipProtocol>50</ipProtocol><groups/><ipRanges><item><cidrIp>10.1.0.0/16</cidrIp>"
		"</item></ipRanges></item></ipPermissions><ipPermissionsEgress/></item></securityGroupInfo>"
		"</DescribeSecurityGroupsResponse>";
	dm_ctx *ctx = NULL;
	xmlDocPtr doc = NULL;
	aws_reslist l = AWS_RESLIST_INIT;
	const json_t *in, *b;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_xml_parse(ctx, xml, sizeof(xml) - 1, "t", &doc), 0);
	assert_int_equal(aws_ec2_map_security_groups(&l, doc, &MC), 0);
	in = json_object_get(l.v[0].attrs, "ingress");
	assert_int_equal(json_array_size(in), 3);
	b = sg_block(in, "tcp", 22, 22, "");
	assert_json(json_object_get(b, "security_groups"), "[\"111122223333/sg-9\"]");
	assert_json(json_object_get(b, "prefix_list_ids"), "[\"pl-1\"]");
	b = sg_block(in, "tcp", 22, 22, "d2");
	assert_json(json_object_get(b, "security_groups"), "[\"sg-2\"]");
	/* a protocol number without ports: 0/0, kept as AWS returns it */
	b = sg_block(in, "50", 0, 0, "");
	assert_json(json_object_get(b, "cidr_blocks"), "[\"10.1.0.0/16\"]");
	assert_json(json_object_get(l.v[0].attrs, "egress"), "[]");
	aws_reslist_free(&l);
	xmlFreeDoc(doc);
	dm_ctx_free(ctx);
}

/* A blackhole route keeps its state (posture must not count it as a path); active ones look like Terraform's. */
static void test_aws_map__blackhole_route_keeps_its_state(void **state)
{
	static const char xml[] =
		"<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><routeTableSet>"
		"<item><routeTableId>rtb-1</routeTableId><vpcId>vpc-1</vpcId><ownerId>123456789012</ownerId>"
		"<associationSet/><tagSet/><routeSet>"
		"<item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId>"
		"<origin>CreateRouteTable</origin><state>active</state></item>"
		"<item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>igw-gone</gatewayId>"
		"<origin>CreateRoute</origin><state>blackhole</state></item>"
		"<item><destinationCidrBlock>10.9.0.0/16</destinationCidrBlock>"
		"<vpcPeeringConnectionId>pcx-1</vpcPeeringConnectionId><origin>CreateRoute</origin>"
		"<state>active</state></item>"
		"</routeSet></item></routeTableSet></DescribeRouteTablesResponse>";
	dm_ctx *ctx = NULL;
	xmlDocPtr doc = NULL;
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *rt;
	const json_t *routes;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_xml_parse(ctx, xml, sizeof(xml) - 1, "t", &doc), 0);
	assert_int_equal(aws_ec2_map_route_tables(&l, doc, &MC), 0);
	rt = aws_reslist_find(&l, "aws_route_table", "rtb-1");
	assert_non_null(rt);
	routes = json_object_get(rt->attrs, "route");
	assert_int_equal(json_array_size(routes), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(routes, 0), "gateway_id")),
			    "igw-gone");
	assert_string_equal(json_string_value(json_object_get(json_array_get(routes, 0), "state")),
			    "blackhole");
	assert_null(json_object_get(json_array_get(routes, 1), "state"));
	aws_reslist_free(&l);
	xmlFreeDoc(doc);
	dm_ctx_free(ctx);
}

static void test_aws_map__route_tables_skip_local_and_endpoint_routes(void **state)
{
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *priv, *pub, *main_rt, *orphan, *assoc, *m;

	(void)state;
	map_xml("ec2_DescribeRouteTables.xml", aws_ec2_map_route_tables, &l);
	assert_int_equal(count_type(&l, "aws_route_table"), 6);
	assert_int_equal(count_type(&l, "aws_route_table_association"), 2);
	assert_int_equal(count_type(&l, "aws_main_route_table_association"), 3);
	priv = aws_reslist_find(&l, "aws_route_table", "rtb-37cfefcfb6448cf6e");
	assert_non_null(priv);
	/* local and the S3 gateway endpoint's prefix-list route are left out */
	assert_json(json_object_get(priv->attrs, "route"),
		    "[{\"cidr_block\":\"0.0.0.0/0\",\"ipv6_cidr_block\":\"\",\"destination_prefix_list_id\":\"\","
		    "\"gateway_id\":\"\",\"vpc_endpoint_id\":\"\",\"nat_gateway_id\":\"nat-a30d3e0f66274915f\","
		    "\"vpc_peering_connection_id\":\"\",\"transit_gateway_id\":\"\",\"network_interface_id\":\"\","
		    "\"egress_only_gateway_id\":\"\",\"carrier_gateway_id\":\"\",\"core_network_arn\":\"\","
		    "\"local_gateway_id\":\"\"},"
		    "{\"cidr_block\":\"10.10.0.0/16\",\"ipv6_cidr_block\":\"\",\"destination_prefix_list_id\":\"\","
		    "\"gateway_id\":\"\",\"vpc_endpoint_id\":\"\",\"nat_gateway_id\":\"\","
		    "\"vpc_peering_connection_id\":\"pcx-a6a85ad4d0f279ea2\",\"transit_gateway_id\":\"\","
		    "\"network_interface_id\":\"\",\"egress_only_gateway_id\":\"\",\"carrier_gateway_id\":\"\","
		    "\"core_network_arn\":\"\",\"local_gateway_id\":\"\"}]");
	assert_json(json_object_get(priv->attrs, "propagating_vgws"), "[]");
	assert_int_equal(priv->flags, 0);
	pub = aws_reslist_find(&l, "aws_route_table", "rtb-685d0b6759dcc13ea");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(pub->attrs, "route"), 0), "gateway_id")),
			    "igw-089e3516d49e9ac56");
	/* the managed table that was made main, and the original main table left behind */
	main_rt = aws_reslist_find(&l, "aws_route_table", "rtb-8a9343ec511257850");
	assert_true(main_rt->flags & DM_RES_AWS_CREATED);
	orphan = aws_reslist_find(&l, "aws_route_table", "rtb-46d0e93f1d055b5aa");
	assert_true(orphan->flags & DM_RES_AWS_CREATED);
	assoc = aws_reslist_find(&l, "aws_route_table_association", "rtbassoc-4fd21a8e5f81ea273");
	assert_json(assoc->attrs, "{\"id\":\"rtbassoc-4fd21a8e5f81ea273\",\"subnet_id\":\"subnet-21499c55d2e68c1e6\","
				  "\"gateway_id\":\"\",\"route_table_id\":\"rtb-685d0b6759dcc13ea\"}");
	m = aws_reslist_find(&l, "aws_main_route_table_association", "rtbassoc-5b1d9206292f75db4");
	assert_json(m->attrs, "{\"id\":\"rtbassoc-5b1d9206292f75db4\",\"vpc_id\":\"vpc-bb01140db9f6ad84e\","
			      "\"route_table_id\":\"rtb-8a9343ec511257850\"}");
	assert_true(m->flags & DM_RES_AWS_CREATED);
	aws_reslist_free(&l);
}

static void test_aws_map__network_acls_drop_default_rule_and_list_subnets(void **state)
{
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *acl, *def, *as;

	(void)state;
	map_xml("ec2_DescribeNetworkAcls.xml", aws_ec2_map_network_acls, &l);
	assert_int_equal(count_type(&l, "aws_network_acl"), 4);
	assert_int_equal(count_type(&l, "aws_network_acl_association"), 8);
	acl = aws_reslist_find(&l, "aws_network_acl", "acl-34ecc78083e88eda5");
	assert_int_equal(acl->flags, 0);
	assert_json(json_object_get(acl->attrs, "subnet_ids"), "[\"subnet-65b71526cf2d17792\"]");
	assert_json(json_object_get(acl->attrs, "ingress"),
		    "[{\"action\":\"allow\",\"protocol\":\"6\",\"rule_no\":100,\"cidr_block\":\"10.0.0.0/8\","
		    "\"ipv6_cidr_block\":\"\",\"from_port\":443,\"to_port\":443,\"icmp_type\":0,\"icmp_code\":0},"
		    "{\"action\":\"deny\",\"protocol\":\"-1\",\"rule_no\":200,\"cidr_block\":\"192.168.0.0/16\","
		    "\"ipv6_cidr_block\":\"\",\"from_port\":0,\"to_port\":0,\"icmp_type\":0,\"icmp_code\":0}]");
	assert_int_equal(json_array_size(json_object_get(acl->attrs, "egress")), 1);
	def = aws_reslist_find(&l, "aws_network_acl", "acl-3c7e1b853e666c305");
	assert_true(def->flags & DM_RES_AWS_CREATED);
	assert_int_equal(json_array_size(json_object_get(def->attrs, "ingress")), 1);
	as = aws_reslist_find(&l, "aws_network_acl_association", "aclassoc-0b0300700a6e4cf54");
	assert_string_equal(sattr(as, "network_acl_id"), "acl-34ecc78083e88eda5");
	assert_string_equal(sattr(as, "subnet_id"), "subnet-65b71526cf2d17792");
	aws_reslist_free(&l);
}

static void test_aws_map__gateways_addresses_peering_flow_logs_endpoints(void **state)
{
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *r;

	(void)state;
	map_xml("ec2_DescribeInternetGateways.xml", aws_ec2_map_internet_gateways, &l);
	map_xml("ec2_DescribeNatGateways.xml", aws_ec2_map_nat_gateways, &l);
	map_xml("ec2_DescribeAddresses.xml", aws_ec2_map_addresses, &l);
	map_xml("ec2_DescribeVpcPeeringConnections.xml", aws_ec2_map_peering, &l);
	map_xml("ec2_DescribeFlowLogs.xml", aws_ec2_map_flow_logs, &l);
	map_xml("ec2_DescribeVpcEndpoints.xml", aws_ec2_map_vpc_endpoints, &l);
	assert_int_equal(l.n, 6);

	r = aws_reslist_find(&l, "aws_internet_gateway", "igw-089e3516d49e9ac56");
	assert_string_equal(sattr(r, "vpc_id"), "vpc-bb01140db9f6ad84e");
	assert_json(json_object_get(r->attrs, "tags"), "{\"Name\":\"prod-igw\"}");

	r = aws_reslist_find(&l, "aws_nat_gateway", "nat-a30d3e0f66274915f");
	assert_string_equal(sattr(r, "allocation_id"), "eipalloc-c19488a05bcf143f5");
	assert_string_equal(sattr(r, "subnet_id"), "subnet-21499c55d2e68c1e6");
	assert_string_equal(sattr(r, "connectivity_type"), "public");
	assert_string_equal(sattr(r, "private_ip"), "10.203.93.150");
	assert_json(json_object_get(r->attrs, "secondary_allocation_ids"), "[]");

	r = aws_reslist_find(&l, "aws_eip", "eipalloc-c19488a05bcf143f5");
	assert_string_equal(sattr(r, "domain"), "vpc");
	assert_string_equal(sattr(r, "association_id"), "eipassoc-ac1aaf6931c00dc3d");
	assert_string_equal(sattr(r, "network_interface"), "eni-95b12cbebbaf9c642");
	assert_string_equal(sattr(r, "instance"), "");
	assert_string_equal(sattr(r, "public_ip"), "127.159.85.97");

	r = aws_reslist_find(&l, "aws_vpc_peering_connection", "pcx-a6a85ad4d0f279ea2");
	assert_string_equal(sattr(r, "vpc_id"), "vpc-bb01140db9f6ad84e");
	assert_string_equal(sattr(r, "peer_vpc_id"), "vpc-e1bf99b80d397edf6");
	assert_string_equal(sattr(r, "peer_owner_id"), ACCT);
	assert_string_equal(sattr(r, "peer_region"), "us-east-1");
	assert_string_equal(sattr(r, "accept_status"), "active");
	assert_json(json_object_get(r->attrs, "accepter"), "[{\"allow_remote_vpc_dns_resolution\":false}]");

	r = aws_reslist_find(&l, "aws_flow_log", "fl-bbe478c63d20bafb6");
	assert_string_equal(sattr(r, "vpc_id"), "vpc-bb01140db9f6ad84e");
	assert_true(json_is_null(json_object_get(r->attrs, "subnet_id")));
	assert_string_equal(sattr(r, "traffic_type"), "ALL");
	assert_string_equal(sattr(r, "log_destination_type"), "cloud-watch-logs");
	/* moto leaves logDestination out; AWS returns the log group ARN */
	assert_string_equal(sattr(r, "log_destination"),
			    "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/prod-flow");
	assert_string_equal(sattr(r, "iam_role_arn"), "arn:aws:iam::123456789012:role/app-flowlogs");
	assert_int_equal(json_integer_value(json_object_get(r->attrs, "max_aggregation_interval")), 600);

	r = aws_reslist_find(&l, "aws_vpc_endpoint", "vpce-3f58a9f88115d5cb0");
	assert_string_equal(sattr(r, "service_name"), "com.amazonaws.us-east-1.s3");
	assert_string_equal(sattr(r, "vpc_endpoint_type"), "Gateway");
	assert_json(json_object_get(r->attrs, "route_table_ids"), "[\"rtb-37cfefcfb6448cf6e\"]");
	assert_non_null(strstr(sattr(r, "policy"), "\"Statement\""));
	aws_reslist_free(&l);
}

static void test_aws_map__join_fills_vpc_defaults_and_flags_default_igw(void **state)
{
	aws_reslist vpcs = AWS_RESLIST_INIT, rts = AWS_RESLIST_INIT, sgs = AWS_RESLIST_INIT,
		    acls = AWS_RESLIST_INIT, igws = AWS_RESLIST_INIT;
	aws_res *v;
	json_t *igw;

	(void)state;
	map_xml("ec2_DescribeVpcs.xml", aws_ec2_map_vpcs, &vpcs);
	map_xml("ec2_DescribeRouteTables.xml", aws_ec2_map_route_tables, &rts);
	map_xml("ec2_DescribeSecurityGroups.xml", aws_ec2_map_security_groups, &sgs);
	map_xml("ec2_DescribeNetworkAcls.xml", aws_ec2_map_network_acls, &acls);
	/* an IGW of the default VPC */
	igw = json_pack("{s:s}", "vpc_id", "vpc-bf317d60bcad5a1c9");
	assert_int_equal(aws_reslist_add(&igws, "aws_internet_gateway", "igw-default", igw, 0), 0);
	igw = json_pack("{s:s}", "vpc_id", "vpc-bb01140db9f6ad84e");
	assert_int_equal(aws_reslist_add(&igws, "aws_internet_gateway", "igw-mine", igw, 0), 0);
	aws_ec2_join_vpcs(&vpcs, &rts, &sgs, &acls, &igws);
	v = aws_reslist_find(&vpcs, "aws_vpc", "vpc-bb01140db9f6ad84e");
	assert_string_equal(sattr(v, "main_route_table_id"), "rtb-8a9343ec511257850");
	assert_string_equal(sattr(v, "default_security_group_id"), "sg-dbd341c9c8dfc8ebc");
	assert_string_equal(sattr(v, "default_network_acl_id"), "acl-3c7e1b853e666c305");
	assert_true(aws_reslist_find(&igws, "aws_internet_gateway", "igw-default")->flags & DM_RES_AWS_CREATED);
	assert_int_equal(aws_reslist_find(&igws, "aws_internet_gateway", "igw-mine")->flags, 0);
	aws_reslist_free(&vpcs);
	aws_reslist_free(&rts);
	aws_reslist_free(&sgs);
	aws_reslist_free(&acls);
	aws_reslist_free(&igws);
}

static void test_aws_map__small_parsers(void **state)
{
	dm_ctx *ctx = NULL;
	xmlDocPtr doc;
	char **names = NULL;
	size_t n = 0;
	int v = 0;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	doc = load_xml(ctx, "ec2_DescribeVpcAttribute_enableDnsHostnames.xml");
	assert_int_equal(aws_ec2_vpc_attribute(doc, "enableDnsHostnames", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(aws_ec2_vpc_attribute(doc, "enableDnsSupport", &v), DM_EPARSE);
	xmlFreeDoc(doc);
	doc = load_xml(ctx, "ec2_DescribeVpcAttribute_enableDnsSupport.xml");
	assert_int_equal(aws_ec2_vpc_attribute(doc, "enableDnsSupport", &v), 0);
	assert_int_equal(v, 1);
	assert_null(aws_ec2_next_token(doc));
	xmlFreeDoc(doc);
	doc = load_xml(ctx, "ec2_DescribeSubnets_page1.xml");
	{
		char *t = aws_ec2_next_token(doc);

		assert_string_equal(t, "eyJ2IjoxLCJjIjoicGFnZTIifQ==");
		free(t);
	}
	xmlFreeDoc(doc);
	doc = load_xml(ctx, "ec2_DescribeRegions.xml");
	assert_int_equal(aws_ec2_region_names(doc, &names, &n), 0);
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "eu-west-1") == 0)
			v = 42;
		free(names[i]);
	}
	free(names);
	assert_int_equal(v, 42);
	xmlFreeDoc(doc);
	assert_string_equal(aws_partition_of("cn-north-1"), "aws-cn");
	assert_string_equal(aws_partition_of("us-gov-west-1"), "aws-us-gov");
	assert_string_equal(aws_partition_of("eu-west-1"), "aws");
	dm_ctx_free(ctx);
}

/* ---- IAM --------------------------------------------------------------------------- */

static void test_aws_map__iam_roles_policies_and_profiles(void **state)
{
	dm_ctx *ctx = NULL;
	xmlDocPtr doc;
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *r, *p, *ip;
	char *marker = (char *)"x";

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	doc = load_xml(ctx, "iam_GetAccountAuthorizationDetails.xml");
	assert_int_equal(aws_iam_map_details(&l, doc, &MC), 0);
	assert_int_equal(aws_iam_next_marker(doc, &marker), 0);
	assert_null(marker);
	assert_int_equal(count_type(&l, "aws_iam_role"), 3);
	assert_int_equal(count_type(&l, "aws_iam_policy"), 2);
	assert_int_equal(count_type(&l, "aws_iam_instance_profile"), 1);

	/* GetAccountAuthorizationDetails has no Description / MaxSessionDuration: ListRoles does */
	r = aws_reslist_find(&l, "aws_iam_role", "app-node");
	assert_string_equal(sattr(r, "description"), "");
	xmlFreeDoc(doc);
	doc = load_xml(ctx, "iam_ListRoles.xml");
	{
		aws_reslist info = AWS_RESLIST_INIT;

		assert_int_equal(aws_iam_map_list_roles(&info, doc), 0);
		assert_int_equal(info.n, 3);
		aws_iam_join_roles(&l, &info);
		aws_reslist_free(&info);
	}
	assert_string_equal(sattr(r, "name"), "app-node");
	assert_string_equal(sattr(r, "path"), "/");
	assert_string_equal(sattr(r, "arn"), "arn:aws:iam::123456789012:role/app-node");
	assert_string_equal(sattr(r, "description"), "worker nodes");
	assert_int_equal(json_integer_value(json_object_get(r->attrs, "max_session_duration")), 7200);
	assert_string_equal(sattr(r, "permissions_boundary"), "");
	/* moto sends the trust policy raw: kept as is */
	assert_string_equal(sattr(r, "assume_role_policy"),
			    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "
			    "\"Principal\": {\"Service\": \"ec2.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}");
	/* the inline policy comes percent-encoded: decoded */
	assert_json(json_object_get(r->attrs, "inline_policy"),
		    "[{\"name\":\"s3-read\",\"policy\":\"{\\\"Version\\\": \\\"2012-10-17\\\", \\\"Statement\\\": "
		    "[{\\\"Sid\\\": \\\"ReadBucket\\\", \\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": "
		    "\\\"s3:GetObject\\\", \\\"Resource\\\": \\\"arn:aws:s3:::example-bucket/*\\\"}]}\"}]");
	assert_json(json_object_get(r->attrs, "managed_policy_arns"),
		    "[\"arn:aws:iam::123456789012:policy/app-read\"]");
	assert_json(json_object_get(r->attrs, "tags"), "{\"Team\":\"platform\",\"Env\":\"prod\"}");
	assert_json(json_object_get(r->attrs, "role_last_used"), "[]");
	assert_int_equal(r->flags, 0);

	r = aws_reslist_find(&l, "aws_iam_role", "app-eks");
	assert_string_equal(sattr(r, "path"), "/eks/");
	assert_int_equal(json_integer_value(json_object_get(r->attrs, "max_session_duration")), 3600);
	assert_json(json_object_get(r->attrs, "inline_policy"), "[]");
	assert_json(json_object_get(r->attrs, "managed_policy_arns"), "[]");

	p = aws_reslist_find(&l, "aws_iam_policy", "arn:aws:iam::123456789012:policy/service/app-logs");
	assert_non_null(p);
	assert_string_equal(sattr(p, "name"), "app-logs");
	assert_string_equal(sattr(p, "path"), "/service/");
	assert_string_equal(sattr(p, "description"), "");
	assert_string_equal(sattr(p, "policy"),
			    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": "
			    "[\"logs:CreateLogStream\", \"logs:PutLogEvents\"], \"Resource\": \"*\"}]}");

	ip = aws_reslist_find(&l, "aws_iam_instance_profile", "app-node-profile");
	assert_string_equal(sattr(ip, "role"), "app-node");
	assert_string_equal(sattr(ip, "path"), "/");
	aws_reslist_free(&l);
	xmlFreeDoc(doc);
	dm_ctx_free(ctx);
}

static void test_aws_map__iam_service_linked_and_encoded_trust_policy(void **state)
{
	static const char xml[] =
		"<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><RoleDetailList>"
		"<member><Path>/aws-service-role/eks.amazonaws.com/</Path><RoleName>AWSServiceRoleForAmazonEKS</RoleName>"
		"<Arn>arn:aws:iam::123456789012:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS</Arn>"
		"<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>"
		"<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType>"
		"<PermissionsBoundaryArn>arn:aws:iam::123456789012:policy/boundary</PermissionsBoundaryArn>"
		"</PermissionsBoundary>"
		"<RoleLastUsed><LastUsedDate>2026-11-01T10:00:00Z</LastUsedDate><Region>eu-west-1</Region></RoleLastUsed>"
		"</member><member><Path>/aws-reserved/sso.amazonaws.com/</Path><RoleName>AWSReservedSSO_Admin_1</RoleName>"
		"<AssumeRolePolicyDocument>{\"a\":\"100%\"}</AssumeRolePolicyDocument></member>"
		"</RoleDetailList><IsTruncated>true</IsTruncated></GetAccountAuthorizationDetailsResult>"
		"</GetAccountAuthorizationDetailsResponse>";
	dm_ctx *ctx = NULL;
	xmlDocPtr doc = NULL;
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *r;
	char *marker = NULL;
	char *d;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_xml_parse(ctx, xml, sizeof(xml) - 1, "t", &doc), 0);
	assert_int_equal(aws_iam_map_details(&l, doc, &MC), 0);
	r = aws_reslist_find(&l, "aws_iam_role", "AWSServiceRoleForAmazonEKS");
	assert_true(r->flags & DM_RES_AWS_CREATED);
	assert_string_equal(sattr(r, "assume_role_policy"), "{\"Version\":\"2012-10-17\"}");
	assert_string_equal(sattr(r, "permissions_boundary"), "arn:aws:iam::123456789012:policy/boundary");
	assert_json(json_object_get(r->attrs, "role_last_used"),
		    "[{\"last_used_date\":\"2026-11-01T10:00:00Z\",\"region\":\"eu-west-1\"}]");
	r = aws_reslist_find(&l, "aws_iam_role", "AWSReservedSSO_Admin_1");
	assert_true(r->flags & DM_RES_AWS_CREATED);
	/* raw JSON holding a '%' is not decoded */
	assert_string_equal(sattr(r, "assume_role_policy"), "{\"a\":\"100%\"}");
	/* truncated without a marker: an error, never "complete" */
	assert_int_equal(aws_iam_next_marker(doc, &marker), DM_EPARSE);
	assert_null(marker);
	d = aws_iam_policy_decode("  %7B%22x%22%3A%20%5B%5D%7D");
	assert_string_equal(d, "  {\"x\": []}");
	free(d);
	aws_reslist_free(&l);
	xmlFreeDoc(doc);
	dm_ctx_free(ctx);
}

static void test_aws_map__iam_users_groups_and_role_less_profiles(void **state)
{
	dm_ctx *ctx = NULL;
	xmlDocPtr doc;
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *u, *g, *ip;
	char *marker = (char *)"x";

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	doc = load_xml(ctx, "iam_GetAccountAuthorizationDetails_users.xml");
	assert_int_equal(aws_iam_map_details(&l, doc, &MC), 0);
	assert_int_equal(count_type(&l, "aws_iam_user"), 2);
	assert_int_equal(count_type(&l, "aws_iam_group"), 1);
	/* GAAD shows only the profile inside a role */
	assert_int_equal(count_type(&l, "aws_iam_instance_profile"), 1);
	assert_non_null(aws_reslist_find(&l, "aws_iam_instance_profile", "web-profile"));

	u = aws_reslist_find(&l, "aws_iam_user", "alice");
	assert_non_null(u);
	assert_string_equal(sattr(u, "name"), "alice");
	assert_string_equal(sattr(u, "path"), "/people/");
	assert_string_equal(sattr(u, "arn"), "arn:aws:iam::123456789012:user/people/alice");
	assert_string_equal(sattr(u, "unique_id"), "an5v9g5yqv5qdtntzpjw");
	assert_string_equal(sattr(u, "permissions_boundary"), "arn:aws:iam::123456789012:policy/deploy");
	assert_json(json_object_get(u->attrs, "tags"), "{\"Team\":\"ops\"}");
	assert_json(json_object_get(u->attrs, "managed_policy_arns"),
		    "[\"arn:aws:iam::123456789012:policy/deploy\"]");
	/* percent-encoded inline policy: decoded, as for roles */
	assert_json(json_object_get(u->attrs, "inline_policy"),
		    "[{\"name\":\"admin\",\"policy\":\"{\\\"Version\\\": \\\"2012-10-17\\\", \\\"Statement\\\": "
		    "[{\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": \\\"*\\\", \\\"Resource\\\": \\\"*\\\"}]}\"}]");
	assert_json(json_object_get(u->attrs, "groups"), "[\"admins\"]");
	assert_int_equal(u->flags, 0);

	u = aws_reslist_find(&l, "aws_iam_user", "bob");
	assert_string_equal(sattr(u, "path"), "/");
	assert_string_equal(sattr(u, "permissions_boundary"), "");
	assert_json(json_object_get(u->attrs, "tags"), "{}");
	assert_json(json_object_get(u->attrs, "managed_policy_arns"), "[]");
	assert_json(json_object_get(u->attrs, "inline_policy"), "[]");
	assert_json(json_object_get(u->attrs, "groups"), "[\"admins\"]");

	g = aws_reslist_find(&l, "aws_iam_group", "admins");
	assert_non_null(g);
	assert_string_equal(sattr(g, "name"), "admins");
	assert_string_equal(sattr(g, "path"), "/");
	assert_string_equal(sattr(g, "arn"), "arn:aws:iam::123456789012:group/admins");
	assert_string_equal(sattr(g, "unique_id"), "k5cvkqgqnhn70pr59gi1");
	assert_json(json_object_get(g->attrs, "managed_policy_arns"),
		    "[\"arn:aws:iam::aws:policy/AdministratorAccess\"]");
	assert_json(json_object_get(g->attrs, "inline_policy"),
		    "[{\"name\":\"read\",\"policy\":\"{\\\"Version\\\": \\\"2012-10-17\\\", \\\"Statement\\\": "
		    "[{\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": \\\"ec2:Describe*\\\", \\\"Resource\\\": \\\"*\\\"}]}\"}]");
	assert_null(json_object_get(g->attrs, "groups"));
	/* a second page repeating a user does not duplicate it */
	assert_int_equal(aws_iam_map_details(&l, doc, &MC), 0);
	assert_int_equal(count_type(&l, "aws_iam_user"), 2);
	assert_int_equal(count_type(&l, "aws_iam_group"), 1);
	xmlFreeDoc(doc);

	/* ListInstanceProfiles adds the role-less profile and keeps the one already mapped */
	doc = load_xml(ctx, "iam_ListInstanceProfiles.xml");
	assert_int_equal(aws_iam_map_instance_profiles(&l, doc), 0);
	assert_int_equal(aws_iam_next_marker(doc, &marker), 0);
	assert_null(marker);
	assert_int_equal(count_type(&l, "aws_iam_instance_profile"), 2);
	ip = aws_reslist_find(&l, "aws_iam_instance_profile", "orphan-profile");
	assert_non_null(ip);
	assert_string_equal(sattr(ip, "role"), "");
	assert_string_equal(sattr(ip, "arn"), "arn:aws:iam::123456789012:instance-profile/orphan-profile");
	ip = aws_reslist_find(&l, "aws_iam_instance_profile", "web-profile");
	assert_string_equal(sattr(ip, "role"), "web");
	xmlFreeDoc(doc);

	/* a body that is not a ListInstanceProfiles answer is a parse error, never "no profiles" */
	{
		static const char other[] = "<ListRolesResponse><ListRolesResult/></ListRolesResponse>";
		static const char page[] =
			"<ListInstanceProfilesResponse><ListInstanceProfilesResult><InstanceProfiles/>"
			"<IsTruncated>true</IsTruncated><Marker>m2</Marker></ListInstanceProfilesResult>"
			"</ListInstanceProfilesResponse>";

		assert_int_equal(aws_xml_parse(ctx, other, sizeof(other) - 1, "t", &doc), 0);
		assert_int_equal(aws_iam_map_instance_profiles(&l, doc), DM_EPARSE);
		xmlFreeDoc(doc);
		assert_int_equal(aws_xml_parse(ctx, page, sizeof(page) - 1, "t", &doc), 0);
		assert_int_equal(aws_iam_map_instance_profiles(&l, doc), 0);
		assert_int_equal(aws_iam_next_marker(doc, &marker), 0);
		assert_string_equal(marker, "m2");
		free(marker);
		xmlFreeDoc(doc);
	}
	aws_reslist_free(&l);
	dm_ctx_free(ctx);
}

/* ---- EKS ----------------------------------------------------------------------------- */

static void test_aws_map__eks_cluster_and_node_group(void **state)
{
	json_t *c = load_json("eks_DescribeCluster.json"), *n = load_json("eks_DescribeNodegroup.json");
	aws_reslist l = AWS_RESLIST_INIT;
	aws_res *r;

	(void)state;
	assert_int_equal(aws_eks_map_cluster(&l, c, &MC), 0);
	assert_int_equal(aws_eks_map_nodegroup(&l, n, &MC), 0);
	r = aws_reslist_find(&l, "aws_eks_cluster", "prod-eks");
	assert_string_equal(sattr(r, "version"), "1.29");
	assert_string_equal(sattr(r, "role_arn"), "arn:aws:iam::123456789012:role/eks/app-eks");
	assert_string_equal(sattr(r, "status"), "ACTIVE");
	assert_json(json_object_get(r->attrs, "enabled_cluster_log_types"), "[\"api\",\"audit\"]");
	/* moto has no vpcId / clusterSecurityGroupId / publicAccessCidrs: emitted as what we have */
	assert_json(json_object_get(r->attrs, "vpc_config"),
		    "[{\"subnet_ids\":[\"subnet-21499c55d2e68c1e6\",\"subnet-65b71526cf2d17792\"],"
		    "\"security_group_ids\":[\"sg-cbe7779620b2bee50\"],\"cluster_security_group_id\":\"\","
		    "\"vpc_id\":\"\",\"endpoint_private_access\":false,\"endpoint_public_access\":true,"
		    "\"public_access_cidrs\":[]}]");
	/* the emulator sends no ipFamily: not read, so no ip_family (never an invented "ipv4") */
	assert_json(json_object_get(r->attrs, "kubernetes_network_config"),
		    "[{\"service_ipv4_cidr\":\"172.20.0.0/16\",\"service_ipv6_cidr\":\"\"}]");
	assert_json(json_object_get(r->attrs, "tags"), "{\"Env\":\"prod\"}");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_array_get(json_object_get(r->attrs, "identity"), 0),
								  "oidc"),
						   0),
				    "issuer")),
			    "https://oidc.eks.us-east-1.amazonaws.com/id/0MUaagvSPJ");

	r = aws_reslist_find(&l, "aws_eks_node_group", "prod-eks:default");
	assert_non_null(r);
	assert_string_equal(sattr(r, "cluster_name"), "prod-eks");
	assert_string_equal(sattr(r, "node_group_name"), "default");
	assert_string_equal(sattr(r, "node_role_arn"), "arn:aws:iam::123456789012:role/app-node");
	assert_json(json_object_get(r->attrs, "scaling_config"),
		    "[{\"desired_size\":2,\"max_size\":3,\"min_size\":1}]");
	assert_json(json_object_get(r->attrs, "subnet_ids"), "[\"subnet-65b71526cf2d17792\"]");
	assert_json(json_object_get(r->attrs, "instance_types"), "[\"t3.large\"]");
	assert_json(json_object_get(r->attrs, "labels"), "{\"tier\":\"app\"}");
	assert_int_equal(json_integer_value(json_object_get(r->attrs, "disk_size")), 20);
	assert_string_equal(sattr(r, "capacity_type"), "ON_DEMAND");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_array_get(json_object_get(r->attrs, "resources"), 0),
								  "autoscaling_groups"),
						   0),
				    "name")),
			    "eks-440dc11a-1ed5-4091-99e6-f700911a4f39");
	aws_reslist_free(&l);
	json_decref(c);
	json_decref(n);
}

/*
 * kubernetes_network_config.ip_family is what DescribeCluster says, as the
 * provider writes it; when the answer has no ipFamily the provider writes ""
 * and driftmap must not compare an invented default with it.
 */
static void test_aws_map__eks_ip_family_only_when_the_api_says_it(void **state)
{
	json_t *with = json_pack("{s:{s:s,s:s,s:s,s:{s:s,s:s}}}", "cluster", "name", "c6", "arn",
				 "arn:aws:eks:us-east-1:123456789012:cluster/c6", "version", "1.29",
				 "kubernetesNetworkConfig", "serviceIpv6Cidr", "fd00::/108",
				 "ipFamily", "ipv6");
	json_t *without = json_pack("{s:{s:s,s:s,s:s,s:{s:s}}}", "cluster", "name", "c4", "arn",
				    "arn:aws:eks:us-east-1:123456789012:cluster/c4", "version", "1.29",
				    "kubernetesNetworkConfig", "serviceIpv4Cidr", "172.20.0.0/16");
	json_t *written = json_pack("{s:s,s:[{s:s,s:s,s:s}]}", "name", "c4", "kubernetes_network_config",
				    "ip_family", "", "service_ipv4_cidr", "172.20.0.0/16",
				    "service_ipv6_cidr", "");
	const dm_type_spec *spec = dm_type_table_find(dm__aws_type_table(), "aws_eks_cluster");
	aws_reslist l = AWS_RESLIST_INIT;
	const json_t *knc;
	aws_res *r;

	(void)state;
	assert_non_null(with);
	assert_non_null(without);
	assert_non_null(written);
	assert_non_null(spec);
	assert_int_equal(aws_eks_map_cluster(&l, with, &MC), 0);
	assert_int_equal(aws_eks_map_cluster(&l, without, &MC), 0);
	r = aws_reslist_find(&l, "aws_eks_cluster", "c6");
	assert_non_null(r);
	knc = json_array_get(json_object_get(r->attrs, "kubernetes_network_config"), 0);
	assert_string_equal(json_string_value(json_object_get(knc, "ip_family")), "ipv6");
	r = aws_reslist_find(&l, "aws_eks_cluster", "c4");
	assert_non_null(r);
	knc = json_array_get(json_object_get(r->attrs, "kubernetes_network_config"), 0);
	assert_null(json_object_get(knc, "ip_family"));
	/* the state the provider wrote from that answer ("" ip_family) compares equal */
	assert_int_equal(dm__compare_resource(NULL, NULL, spec, written, r->attrs), 0);
	aws_reslist_free(&l);
	json_decref(with);
	json_decref(without);
	json_decref(written);
}

/* ---- orchestration through a fake transport ------------------------------------------ */

/* How the fake answers: per API, a fixture or an error, optionally per page. */
struct route {
	const char *api;
	const char *when;    /* substring of body/query selecting this route (NULL: any) */
	const char *fixture; /* response body */
	long status;
};

struct pending {
	aws_request req;
	char *body, *query, *path, *api, *account, *region;
	aws_done_fn done;
	void *ud;
};

struct fake {
	const struct route *routes;
	size_t nroutes;
	struct pending q[4096];
	size_t head, tail;
	struct {
		char api[64];
		char account[16];
		char region[16];
		unsigned n;
	} counts[64];
	size_t ncounts;
	char last_bodies[8][512];
	size_t nbodies;
};

static unsigned *counter(struct fake *f, const char *account, const char *region, const char *api, int make)
{
	for (size_t i = 0; i < f->ncounts; i++) {
		if (strcmp(f->counts[i].api, api) == 0 && strcmp(f->counts[i].account, account) == 0 &&
		    strcmp(f->counts[i].region, region) == 0)
			return &f->counts[i].n;
	}
	if (!make)
		return NULL;
	assert_true(f->ncounts < 64);
	snprintf(f->counts[f->ncounts].api, sizeof(f->counts[0].api), "%s", api);
	snprintf(f->counts[f->ncounts].account, sizeof(f->counts[0].account), "%s", account);
	snprintf(f->counts[f->ncounts].region, sizeof(f->counts[0].region), "%s", region);
	return &f->counts[f->ncounts++].n;
}

static int fake_submit(void *t, const aws_request *req, const aws_creds *creds, aws_done_fn done, void *ud)
{
	struct fake *f = t;
	struct pending *p;

	assert_non_null(creds);
	assert_true(f->tail < 4096);
	p = &f->q[f->tail++];
	p->api = strdup(req->api);
	p->body = req->body ? strndup(req->body, req->body_len) : strdup("");
	p->query = strdup(req->query ? req->query : "");
	p->path = strdup(req->path);
	p->account = strdup(req->account);
	p->region = strdup(req->region);
	p->done = done;
	p->ud = ud;
	if (f->nbodies < 8 && strstr(p->body, "NextToken"))
		snprintf(f->last_bodies[f->nbodies++], 512, "%s", p->body);
	return 0;
}

static unsigned fake_calls(void *t, const char *account, const char *region, const char *api)
{
	unsigned *c = counter(t, account, region, api, 0);

	return c ? *c : 0;
}

/* Answer every queued request (and those the callbacks queue) in FIFO order. */
static void fake_run(struct fake *f)
{
	while (f->head < f->tail) {
		struct pending *p = &f->q[f->head++];
		const struct route *hit = NULL;
		aws_response resp;
		char *body = NULL;
		size_t len = 0;

		for (size_t i = 0; i < f->nroutes && !hit; i++) {
			const struct route *r = &f->routes[i];

			if (strcmp(r->api, p->api) == 0 &&
			    (!r->when || strstr(p->body, r->when) || strstr(p->query, r->when) ||
			     strstr(p->path, r->when)))
				hit = r;
		}
		if (!hit)
			fail_msg("fake transport: no route for %s %s %s", p->api, p->path, p->body);
		(*counter(f, p->account, p->region, p->api, 1))++;
		memset(&resp, 0, sizeof(resp));
		body = fixture_text(hit->fixture, &len);
		resp.status = hit->status;
		resp.body = body;
		resp.body_len = len;
		resp.attempts = 1;
		if (hit->status >= 400)
			aws_error_parse(body, len, &resp.error_code, &resp.error_message);
		p->done(NULL, 0, &resp, p->ud);
		free(resp.error_code);
		free(resp.error_message);
		free(body);
		free(p->api);
		free(p->body);
		free(p->query);
		free(p->path);
		free(p->account);
		free(p->region);
	}
}

static int emit_res(void *host, const dm_resource *r)
{
	return dm_inventory_add(host, r, NULL);
}

static int emit_scope(void *host, const dm_scope *s)
{
	return dm_inventory_add_scope(host, s);
}

static const dm_scope *scope_of(const dm_inventory *inv, const char *api)
{
	for (size_t i = 0; i < dm_inventory_scope_count(inv); i++) {
		const dm_scope *s = dm_inventory_scope_at(inv, i);

		if (strcmp(s->api, api) == 0)
			return s;
	}
	fail_msg("no scope %s", api);
	return NULL;
}

static size_t inv_count(const dm_inventory *inv, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < dm_inventory_count(inv); i++)
		n += strcmp(dm_inventory_at(inv, i)->type, type) == 0;
	return n;
}

#define OK(api, fx) { api, NULL, fx, 200 }

static const struct route base_routes[] = {
	OK("ec2:DescribeVpcs", "ec2_DescribeVpcs.xml"),
	{ "ec2:DescribeSubnets", "NextToken=eyJ2", "ec2_DescribeSubnets_page2.xml", 200 },
	OK("ec2:DescribeSubnets", "ec2_DescribeSubnets_page1.xml"),
	OK("ec2:DescribeSecurityGroups", "ec2_DescribeSecurityGroups.xml"),
	OK("ec2:DescribeRouteTables", "ec2_DescribeRouteTables.xml"),
	OK("ec2:DescribeInternetGateways", "ec2_DescribeInternetGateways.xml"),
	OK("ec2:DescribeNatGateways", "ec2_DescribeNatGateways.xml"),
	OK("ec2:DescribeAddresses", "ec2_DescribeAddresses.xml"),
	OK("ec2:DescribeVpcPeeringConnections", "ec2_DescribeVpcPeeringConnections.xml"),
	OK("ec2:DescribeNetworkAcls", "ec2_DescribeNetworkAcls.xml"),
	OK("ec2:DescribeFlowLogs", "ec2_DescribeFlowLogs.xml"),
	OK("ec2:DescribeVpcEndpoints", "ec2_DescribeVpcEndpoints.xml"),
	{ "ec2:DescribeVpcAttribute", "enableDnsSupport", "ec2_DescribeVpcAttribute_enableDnsSupport.xml", 200 },
	{ "ec2:DescribeVpcAttribute", "enableDnsHostnames", "ec2_DescribeVpcAttribute_enableDnsHostnames.xml", 200 },
	{ "iam:GetAccountAuthorizationDetails", "Marker=", "iam_GetAccountAuthorizationDetails_page2.xml", 200 },
	OK("iam:GetAccountAuthorizationDetails", "iam_GetAccountAuthorizationDetails_page1.xml"),
	OK("iam:ListRoles", "iam_ListRoles.xml"),
	{ "iam:ListPolicyTags", "app-read", "iam_ListPolicyTags.xml", 200 },
	{ "iam:ListPolicyTags", "app-logs", "iam_ListPolicyTags_empty.xml", 200 },
	{ "eks:ListClusters", "nextToken=", "eks_ListClusters_page2.json", 200 },
	OK("eks:ListClusters", "eks_ListClusters_page1.json"),
	OK("eks:DescribeCluster", "eks_DescribeCluster.json"),
	OK("eks:ListNodegroups", "eks_ListNodegroups.json"),
	OK("eks:DescribeNodegroup", "eks_DescribeNodegroup.json"),
};

struct scan_run {
	dm_ctx *ctx;
	dm_inventory *inv;
	struct fake *fake;
};

static void run_scan(struct scan_run *sr, const struct route *routes, size_t nroutes, int dns)
{
	aws_creds creds = { (char *)"AKIDEXAMPLE", (char *)"secret", NULL, 0 };
	aws_scan_options so = { dns, dns, dns };
	aws_transport tr;
	dm_emit emit;
	aws_scan *scan = NULL;

	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
	assert_int_equal(dm_ctx_new(&sr->ctx), 0);
	assert_int_equal(dm_inventory_new(&sr->inv), 0);
	sr->fake = calloc(1, sizeof(*sr->fake));
	assert_non_null(sr->fake);
	sr->fake->routes = routes;
	sr->fake->nroutes = nroutes;
	tr.submit = fake_submit;
	tr.calls = fake_calls;
	tr.t = sr->fake;
	memset(&emit, 0, sizeof(emit));
	emit.resource = emit_res;
	emit.scope = emit_scope;
	emit.host = sr->inv;
	assert_int_equal(aws_scan_new(&scan, sr->ctx, &tr, &emit, &so), 0);
	assert_int_equal(aws_scan_iam(scan, ACCT, "us-east-1", &creds), 0);
	assert_int_equal(aws_scan_ec2(scan, ACCT, "us-east-1", &creds), 0);
	assert_int_equal(aws_scan_eks(scan, ACCT, "us-east-1", &creds), 0);
	fake_run(sr->fake);
	assert_int_equal(aws_scan_flush(scan), 0);
	aws_scan_free(scan);
}

static void scan_run_free(struct scan_run *sr)
{
	dm_inventory_free(sr->inv);
	dm_ctx_free(sr->ctx);
	free(sr->fake);
}

static void test_aws_scan__follows_every_token_and_reports_complete_scopes(void **state)
{
	struct scan_run sr;
	const dm_scope *s;
	const dm_resource *v;

	(void)state;
	run_scan(&sr, base_routes, sizeof(base_routes) / sizeof(base_routes[0]), 1);
	/* 11 EC2 + IAM + 2 EKS scopes, all complete */
	assert_int_equal(dm_inventory_scope_count(sr.inv), 14);
	for (size_t i = 0; i < dm_inventory_scope_count(sr.inv); i++) {
		s = dm_inventory_scope_at(sr.inv, i);
		if (!s->complete)
			fail_msg("scope %s failed: %s", s->api, s->error);
		assert_string_equal(s->account, ACCT);
	}
	/* both subnet pages, the second requested with the first page's token */
	assert_int_equal(inv_count(sr.inv, "aws_subnet"), 8);
	assert_int_equal(scope_of(sr.inv, "ec2:DescribeSubnets")->api_calls, 2);
	assert_non_null(strstr(sr.fake->last_bodies[0], "MaxResults=1000"));
	assert_non_null(strstr(sr.fake->last_bodies[0], "NextToken=eyJ2IjoxLCJjIjoicGFnZTIifQ%3D%3D"));
	/* route tables ask for 100 a page (the API's maximum) */
	/* VPCs: the list call + two attribute calls per VPC */
	s = scope_of(sr.inv, "ec2:DescribeVpcs");
	assert_int_equal(s->api_calls, 1 + 2 * 3);
	assert_int_equal(s->ntypes, 2);
	v = dm_inventory_find(sr.inv, "aws", "aws_vpc", "vpc-bb01140db9f6ad84e");
	assert_non_null(v);
	assert_true(json_is_true(json_object_get(v->attrs, "enable_dns_hostnames")));
	assert_true(json_is_true(json_object_get(v->attrs, "enable_dns_support")));
	assert_string_equal(json_string_value(json_object_get(v->attrs, "main_route_table_id")),
			    "rtb-8a9343ec511257850");
	assert_string_equal(v->region, "us-east-1");
	/* IAM: both pages (Marker), global scope */
	s = scope_of(sr.inv, "iam:GetAccountAuthorizationDetails");
	assert_string_equal(s->region, "global");
	assert_int_equal(s->api_calls, 2 + 1 + 2); /* two GAAD pages + ListRoles + ListPolicyTags x2 */
	v = dm_inventory_find(sr.inv, "aws", "aws_iam_policy", "arn:aws:iam::123456789012:policy/app-read");
	assert_string_equal(json_string_value(json_object_get(json_object_get(v->attrs, "tags"), "Team")),
			    "platform");
	v = dm_inventory_find(sr.inv, "aws", "aws_iam_role", "app-node");
	assert_int_equal(json_integer_value(json_object_get(v->attrs, "max_session_duration")), 7200);
	assert_string_equal(json_string_value(json_object_get(v->attrs, "description")), "worker nodes");
	assert_int_equal(inv_count(sr.inv, "aws_iam_role"), 3);
	assert_int_equal(inv_count(sr.inv, "aws_iam_policy"), 2);
	assert_int_equal(inv_count(sr.inv, "aws_iam_instance_profile"), 1);
	assert_string_equal(dm_inventory_find(sr.inv, "aws", "aws_iam_role", "app-eks")->region, "global");
	/* EKS: two ListClusters pages + DescribeCluster; ListNodegroups + DescribeNodegroup */
	assert_int_equal(scope_of(sr.inv, "eks:ListClusters")->api_calls, 3);
	assert_int_equal(scope_of(sr.inv, "eks:ListNodegroups")->api_calls, 2);
	assert_int_equal(inv_count(sr.inv, "aws_eks_cluster"), 1);
	assert_non_null(dm_inventory_find(sr.inv, "aws", "aws_eks_node_group", "prod-eks:default"));
	assert_int_equal(inv_count(sr.inv, "aws_security_group"), 6);
	assert_int_equal(inv_count(sr.inv, "aws_eip"), 1);
	scan_run_free(&sr);
}

static void test_aws_scan__no_attribute_calls_when_state_lacks_them(void **state)
{
	struct scan_run sr;
	const dm_resource *v;

	(void)state;
	run_scan(&sr, base_routes, sizeof(base_routes) / sizeof(base_routes[0]), 0);
	assert_int_equal(scope_of(sr.inv, "ec2:DescribeVpcs")->api_calls, 1);
	v = dm_inventory_find(sr.inv, "aws", "aws_vpc", "vpc-bb01140db9f6ad84e");
	assert_null(json_object_get(v->attrs, "enable_dns_hostnames"));
	scan_run_free(&sr);
}

/* Replace the routes of one API with the given one (placed first). */
static struct route *with_override(const struct route *ovr, size_t novr, size_t *n)
{
	size_t nb = sizeof(base_routes) / sizeof(base_routes[0]);
	struct route *r = calloc(nb + novr, sizeof(*r));

	assert_non_null(r);
	memcpy(r, ovr, novr * sizeof(*r));
	memcpy(r + novr, base_routes, nb * sizeof(*r));
	*n = nb + novr;
	return r;
}

static void test_aws_scan__failed_second_page_drops_the_whole_scope(void **state)
{
	static const struct route ovr[] = {
		{ "ec2:DescribeSubnets", "NextToken=", "ec2_error_RequestLimitExceeded.xml", 503 },
	};
	struct scan_run sr;
	const dm_scope *s;
	struct route *routes;
	size_t n;

	(void)state;
	routes = with_override(ovr, 1, &n);
	run_scan(&sr, routes, n, 1);
	s = scope_of(sr.inv, "ec2:DescribeSubnets");
	assert_false(s->complete);
	assert_non_null(strstr(s->error, "RequestLimitExceeded"));
	assert_non_null(strstr(s->error, "ec2:DescribeSubnets us-east-1"));
	assert_non_null(strstr(s->error, "503"));
	assert_int_equal(s->api_calls, 2);
	/* page one mapped 3 subnets: none of them is emitted */
	assert_int_equal(inv_count(sr.inv, "aws_subnet"), 0);
	assert_int_equal(dm_inventory_type_complete(sr.inv, "aws", ACCT, "us-east-1", "aws_subnet"), 0);
	/* other scopes unaffected */
	assert_true(scope_of(sr.inv, "ec2:DescribeVpcs")->complete);
	assert_int_equal(inv_count(sr.inv, "aws_vpc"), 3);
	scan_run_free(&sr);
	free(routes);
}

static void test_aws_scan__html_body_and_attribute_failure_fail_their_scopes(void **state)
{
	static const struct route ovr[] = {
		{ "ec2:DescribeNetworkAcls", NULL, "moto_500.html", 200 },
		{ "ec2:DescribeVpcAttribute", "enableDnsHostnames", "ec2_error_RequestLimitExceeded.xml", 503 },
		{ "iam:GetAccountAuthorizationDetails", "Marker=", "moto_500.html", 500 },
		{ "eks:ListClusters", NULL, "ec2_error_RequestLimitExceeded.xml", 429 },
	};
	struct scan_run sr;
	const dm_scope *s;
	struct route *routes;
	size_t n;

	(void)state;
	routes = with_override(ovr, 4, &n);
	run_scan(&sr, routes, n, 1);
	s = scope_of(sr.inv, "ec2:DescribeNetworkAcls");
	assert_false(s->complete);
	assert_non_null(strstr(s->error, "not XML"));
	assert_int_equal(inv_count(sr.inv, "aws_network_acl"), 0);
	assert_int_equal(inv_count(sr.inv, "aws_network_acl_association"), 0);
	/* a per-VPC attribute call failed: the VPC scope is incomplete, no VPC emitted */
	s = scope_of(sr.inv, "ec2:DescribeVpcs");
	assert_false(s->complete);
	assert_non_null(strstr(s->error, "ec2:DescribeVpcAttribute"));
	assert_int_equal(inv_count(sr.inv, "aws_vpc"), 0);
	/* IAM page two failed after page one mapped two roles: nothing emitted */
	s = scope_of(sr.inv, "iam:GetAccountAuthorizationDetails");
	assert_false(s->complete);
	assert_non_null(strstr(s->error, "HTTP 500"));
	assert_int_equal(inv_count(sr.inv, "aws_iam_role"), 0);
	/* the cluster listing failed: clusters and node groups incomplete */
	assert_false(scope_of(sr.inv, "eks:ListClusters")->complete);
	s = scope_of(sr.inv, "eks:ListNodegroups");
	assert_false(s->complete);
	assert_non_null(strstr(s->error, "cluster listing failed"));
	assert_int_equal(s->api_calls, 0);
	/* the rest completed */
	assert_true(scope_of(sr.inv, "ec2:DescribeSubnets")->complete);
	assert_int_equal(inv_count(sr.inv, "aws_subnet"), 8);
	scan_run_free(&sr);
	free(routes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_map__vpcs_carry_cidr_tags_and_default_flag),
		cmocka_unit_test(test_aws_map__subnets_map_schema_and_flag_default_subnets),
		cmocka_unit_test(test_aws_map__security_group_rules_are_grouped_like_terraform_read),
		cmocka_unit_test(test_aws_map__security_group_cross_account_reference_is_account_slash_id),
		cmocka_unit_test(test_aws_map__route_tables_skip_local_and_endpoint_routes),
		cmocka_unit_test(test_aws_map__blackhole_route_keeps_its_state),
		cmocka_unit_test(test_aws_map__network_acls_drop_default_rule_and_list_subnets),
		cmocka_unit_test(test_aws_map__gateways_addresses_peering_flow_logs_endpoints),
		cmocka_unit_test(test_aws_map__join_fills_vpc_defaults_and_flags_default_igw),
		cmocka_unit_test(test_aws_map__small_parsers),
		cmocka_unit_test(test_aws_map__iam_roles_policies_and_profiles),
		cmocka_unit_test(test_aws_map__iam_service_linked_and_encoded_trust_policy),
		cmocka_unit_test(test_aws_map__iam_users_groups_and_role_less_profiles),
		cmocka_unit_test(test_aws_map__eks_cluster_and_node_group),
		cmocka_unit_test(test_aws_map__eks_ip_family_only_when_the_api_says_it),
		cmocka_unit_test(test_aws_scan__follows_every_token_and_reports_complete_scopes),
		cmocka_unit_test(test_aws_scan__no_attribute_calls_when_state_lacks_them),
		cmocka_unit_test(test_aws_scan__failed_second_page_drops_the_whole_scope),
		cmocka_unit_test(test_aws_scan__html_body_and_attribute_failure_fail_their_scopes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
