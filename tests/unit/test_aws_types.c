/* Unit tests: the AWS type table (providers/aws/aws_types.c). */
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "providers/aws/aws_types.h"

static const char *const live_types[] = {
	"aws_vpc", "aws_subnet", "aws_security_group", "aws_route_table",
	"aws_route_table_association", "aws_main_route_table_association", "aws_internet_gateway",
	"aws_nat_gateway", "aws_eip", "aws_vpc_peering_connection", "aws_network_acl",
	"aws_network_acl_association", "aws_flow_log", "aws_vpc_endpoint", "aws_iam_role",
	"aws_iam_policy", "aws_iam_instance_profile", "aws_eks_cluster", "aws_eks_node_group",
	"aws_iam_user", "aws_iam_group"
};

static const struct {
	const char *type;
	const char *live_type;
} state_only[] = {
	{ "aws_security_group_rule", "aws_security_group" },
	{ "aws_vpc_security_group_ingress_rule", "aws_security_group" },
	{ "aws_vpc_security_group_egress_rule", "aws_security_group" },
	{ "aws_route", "aws_route_table" },
	{ "aws_iam_role_policy_attachment", "aws_iam_role" },
	{ "aws_iam_policy_attachment", "aws_iam_role" },
	{ "aws_iam_role_policy", "aws_iam_role" },
	{ "aws_network_acl_rule", "aws_network_acl" },
	{ "aws_network_acl_association", "aws_network_acl" },
	{ "aws_iam_user_policy", "aws_iam_user" },
	{ "aws_iam_group_policy", "aws_iam_group" },
	{ "aws_iam_user_policy_attachment", "aws_iam_user" },
	{ "aws_iam_group_policy_attachment", "aws_iam_group" },
	{ "aws_iam_user_group_membership", "aws_iam_user" },
	{ "aws_iam_group_membership", "aws_iam_user" },
}, defaults[] = {
	{ "aws_default_vpc", "aws_vpc" },
	{ "aws_default_subnet", "aws_subnet" },
	{ "aws_default_security_group", "aws_security_group" },
	{ "aws_default_network_acl", "aws_network_acl" },
	{ "aws_default_route_table", "aws_route_table" },
};

static const dm_type_spec *must(const char *type)
{
	const dm_type_spec *t = dm_type_table_find(dm__aws_type_table(), type);

	if (!t)
		fail_msg("type %s not in the AWS table", type);
	return t;
}

/* Find a (possibly nested, dotted) attribute spec. */
static const dm_attr_spec *attr(const char *type, const char *path)
{
	const dm_type_spec *t = must(type);
	const dm_attr_spec *specs = t->attrs;
	size_t n = t->nattrs, i;
	char buf[128], *dot, *p = buf;

	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		const dm_attr_spec *found = NULL;
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		for (i = 0; i < n; i++)
			if (strcmp(specs[i].name, p) == 0)
				found = &specs[i];
		if (!found)
			fail_msg("%s.%s not in the table", type, path);
		if (!dot)
			return found;
		specs = found->sub;
		n = found->nsub;
		p = dot + 1;
	}
}

static void test_aws_types__every_type_is_listed(void **state)
{
	const dm_type_table *t = dm__aws_type_table();
	size_t i, j;

	(void)state;
	assert_string_equal(t->provider, "aws");
	for (i = 0; i < sizeof(live_types) / sizeof(live_types[0]); i++) {
		const dm_type_spec *s = must(live_types[i]);
		assert_true(s->flags & DM_TYPE_LIVE);
		assert_non_null(s->service);
		assert_non_null(s->label);
	}
	for (i = 0; i < sizeof(state_only) / sizeof(state_only[0]); i++) {
		const dm_type_spec *s = must(state_only[i].type);
		assert_true(s->flags & DM_TYPE_SUBRESOURCE);
		assert_non_null(s->live_type);
		assert_string_equal(s->live_type, state_only[i].live_type);
	}
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		const dm_type_spec *s = must(defaults[i].type);
		assert_true(s->flags & DM_TYPE_DEFAULT_OBJ);
		assert_string_equal(s->live_type, defaults[i].live_type);
		assert_false(s->flags & DM_TYPE_LIVE);
	}
	/* unique names; every live_type is a live type of the table; refs carry an edge label */
	for (i = 0; i < t->ntypes; i++) {
		const dm_type_spec *s = &t->types[i];
		for (j = i + 1; j < t->ntypes; j++)
			assert_string_not_equal(s->type, t->types[j].type);
		if (s->live_type)
			assert_true(must(s->live_type)->flags & DM_TYPE_LIVE);
		for (j = 0; j < s->nattrs; j++) {
			size_t k;
			if (s->attrs[j].ref_type)
				assert_non_null(s->attrs[j].edge);
			for (k = j + 1; k < s->nattrs; k++)
				if (strcmp(s->attrs[j].name, s->attrs[k].name) == 0)
					fail_msg("%s lists %s twice", s->type, s->attrs[j].name);
		}
	}
	assert_null(dm_type_table_find(t, "aws_s3_bucket"));
	assert_true(must("aws_network_acl_association")->flags & DM_TYPE_NO_UNMANAGED);
}

static void test_aws_types__by_design_attributes_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(attr("aws_eks_node_group", "scaling_config")->cmp, DM_CMP_BLOCK);
	assert_int_equal(attr("aws_eks_node_group", "scaling_config.desired_size")->cmp, DM_CMP_IGNORE);
	assert_int_equal(attr("aws_eks_node_group", "scaling_config.max_size")->cmp, DM_CMP_SCALAR);
	assert_int_equal(attr("aws_default_network_acl", "subnet_ids")->cmp, DM_CMP_IGNORE);
	assert_int_equal(attr("aws_eip", "association_id")->cmp, DM_CMP_IGNORE);
	assert_int_equal(attr("aws_eip", "instance")->cmp, DM_CMP_IGNORE);
	assert_int_equal(attr("aws_iam_policy", "attachment_count")->cmp, DM_CMP_IGNORE);
	assert_int_equal(attr("aws_eks_cluster", "status")->cmp, DM_CMP_IGNORE);
	assert_int_equal(attr("aws_vpc", "arn")->cmp, DM_CMP_IGNORE);
	assert_int_equal(attr("aws_vpc", "tags")->cmp, DM_CMP_TAGS);
	assert_int_equal(attr("aws_iam_role", "assume_role_policy")->cmp, DM_CMP_POLICY);
	assert_int_equal(attr("aws_iam_policy", "policy")->cmp, DM_CMP_POLICY);
	assert_int_equal(attr("aws_vpc_endpoint", "policy")->cmp, DM_CMP_POLICY);
	assert_int_equal(attr("aws_eks_cluster", "vpc_config.subnet_ids")->cmp, DM_CMP_SET);
	assert_int_equal(attr("aws_eks_cluster", "vpc_config.endpoint_public_access")->cmp, DM_CMP_SCALAR);
	assert_int_equal(attr("aws_eks_node_group", "labels")->cmp, DM_CMP_MAP);
	assert_non_null(dm_type_attr(must("aws_vpc"), "cidr_block"));
	assert_null(dm_type_attr(must("aws_vpc"), "no_such_attribute"));
}

static void test_aws_types__references_are_edges(void **state)
{
	static const struct {
		const char *type, *path, *ref, *edge;
	} refs[] = {
		{ "aws_subnet", "vpc_id", "aws_vpc", "in_vpc" },
		{ "aws_security_group", "vpc_id", "aws_vpc", "in_vpc" },
		{ "aws_security_group", "ingress.security_groups", "aws_security_group", NULL },
		{ "aws_route_table", "route.gateway_id", "aws_internet_gateway", NULL },
		{ "aws_route_table", "route.nat_gateway_id", "aws_nat_gateway", NULL },
		{ "aws_route_table", "route.vpc_peering_connection_id", "aws_vpc_peering_connection", NULL },
		{ "aws_route", "nat_gateway_id", "aws_nat_gateway", NULL },
		{ "aws_route_table_association", "subnet_id", "aws_subnet", NULL },
		{ "aws_route_table_association", "route_table_id", "aws_route_table", NULL },
		{ "aws_eks_cluster", "vpc_config.subnet_ids", "aws_subnet", NULL },
		{ "aws_eks_cluster", "vpc_config.security_group_ids", "aws_security_group", NULL },
		{ "aws_eks_cluster", "role_arn", "aws_iam_role", NULL },
		{ "aws_eks_node_group", "cluster_name", "aws_eks_cluster", NULL },
		{ "aws_eks_node_group", "subnet_ids", "aws_subnet", NULL },
		{ "aws_eks_node_group", "node_role_arn", "aws_iam_role", NULL },
		{ "aws_vpc_peering_connection", "vpc_id", "aws_vpc", NULL },
		{ "aws_vpc_peering_connection", "peer_vpc_id", "aws_vpc", NULL },
		{ "aws_flow_log", "vpc_id", "aws_vpc", NULL },
		{ "aws_vpc_endpoint", "vpc_id", "aws_vpc", NULL },
		{ "aws_vpc_endpoint", "subnet_ids", "aws_subnet", NULL },
		{ "aws_vpc_endpoint", "route_table_ids", "aws_route_table", NULL },
		{ "aws_iam_instance_profile", "role", "aws_iam_role", NULL },
		{ "aws_nat_gateway", "subnet_id", "aws_subnet", NULL },
		{ "aws_nat_gateway", "allocation_id", "aws_eip", NULL },
		{ "aws_internet_gateway", "vpc_id", "aws_vpc", NULL },
		{ "aws_security_group_rule", "source_security_group_id", "aws_security_group", NULL },
		{ "aws_iam_role_policy_attachment", "policy_arn", "aws_iam_policy", NULL },
		{ "aws_network_acl", "subnet_ids", "aws_subnet", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		const dm_attr_spec *a = attr(refs[i].type, refs[i].path);
		if (!a->ref_type || strcmp(a->ref_type, refs[i].ref) != 0)
			fail_msg("%s.%s: ref_type %s", refs[i].type, refs[i].path,
				 a->ref_type ? a->ref_type : "(none)");
		assert_non_null(a->edge);
		if (refs[i].edge)
			assert_string_equal(a->edge, refs[i].edge);
	}
}

static dm_resource res(const char *type, const char *id, const char *attrs)
{
	dm_resource r;

	memset(&r, 0, sizeof(r));
	r.provider = "aws";
	r.type = type;
	r.id = id;
	r.attrs = json_loads(attrs, 0, NULL);
	assert_non_null(r.attrs);
	return r;
}

static void test_aws_types__canonical_keys_and_cloud_created(void **state)
{
	static const struct {
		const char *type, *id, *attrs, *key;
	} keys[] = {
		{ "aws_eks_node_group", "x", "{\"cluster_name\":\"c1\",\"node_group_name\":\"ng\"}", "c1:ng" },
		{ "aws_iam_role_policy_attachment", "r-2024", "{\"role\":\"r\",\"policy_arn\":\"arn:aws:iam::aws:policy/P\"}", "r/arn:aws:iam::aws:policy/P" },
		{ "aws_route", "r-rtb-1123", "{\"route_table_id\":\"rtb-1\",\"destination_cidr_block\":\"0.0.0.0/0\"}", "rtb-1|0.0.0.0/0" },
		{ "aws_network_acl_rule", "nacl-1", "{\"network_acl_id\":\"acl-1\",\"egress\":\"true\",\"rule_number\":\"100\"}", "acl-1|egress|100" },
		{ "aws_network_acl_association", "aclassoc-1", "{\"subnet_id\":\"subnet-1\",\"network_acl_id\":\"acl-1\"}", "subnet-1" },
		{ "aws_security_group_rule", "sgrule-1", "{\"security_group_id\":\"sg-1\",\"type\":\"ingress\",\"protocol\":\"6\",\"from_port\":22,\"to_port\":22,\"cidr_blocks\":[\"10.0.0.0/8\"]}", "sg-1|ingress|tcp|22|22|||10.0.0.0/8" },
	};
	static const struct {
		const char *type, *attrs;
		int created;
	} cc[] = {
		{ "aws_security_group", "{\"name\":\"default\"}", 1 },
		{ "aws_security_group", "{\"name\":\"web\"}", 0 },
		{ "aws_iam_role", "{\"path\":\"/aws-service-role/eks.amazonaws.com/\"}", 1 },
		{ "aws_iam_role", "{\"path\":\"/aws-reserved/sso.amazonaws.com/\"}", 1 },
		{ "aws_iam_role", "{\"path\":\"/\"}", 0 },
		{ "aws_iam_policy", "{\"arn\":\"arn:aws:iam::aws:policy/ReadOnlyAccess\"}", 1 },
		{ "aws_iam_policy", "{\"arn\":\"arn:aws:iam::123456789012:policy/mine\"}", 0 },
		{ "aws_vpc", "{\"is_default\":true}", 1 },
		{ "aws_vpc", "{}", 0 },
		{ "aws_main_route_table_association", "{}", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const dm_type_spec *t = must(keys[i].type);
		dm_resource r = res(keys[i].type, keys[i].id, keys[i].attrs);
		char buf[256];
		assert_non_null(t->canonical_key);
		assert_int_equal(t->canonical_key(&r, buf, sizeof(buf)), 0);
		if (strcmp(buf, keys[i].key) != 0)
			fail_msg("%s key: want %s got %s", keys[i].type, keys[i].key, buf);
		assert_true(t->canonical_key(&r, buf, 4) < 0); /* never truncates silently */
		json_decref(r.attrs);
	}
	for (i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
		const dm_type_spec *t = must(cc[i].type);
		dm_resource r = res(cc[i].type, "id", cc[i].attrs);
		int got = t->cloud_created ? t->cloud_created(&r) != 0 : 0;
		if (got != cc[i].created)
			fail_msg("case %zu %s %s: cloud_created %d", i, cc[i].type, cc[i].attrs, got);
		json_decref(r.attrs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_types__every_type_is_listed),
		cmocka_unit_test(test_aws_types__by_design_attributes_are_ignored),
		cmocka_unit_test(test_aws_types__references_are_edges),
		cmocka_unit_test(test_aws_types__canonical_keys_and_cloud_created),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
