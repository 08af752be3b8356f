/* Unit tests: the inventory model and its JSON form. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "driftmap/driftmap.h"

static dm_resource res(const char *type, const char *id, const char *region)
{
	dm_resource r;
	memset(&r, 0, sizeof(r));
	r.provider = "aws";
	r.type = type;
	r.id = id;
	r.account = "123456789012";
	r.region = region;
	r.attrs = json_pack("{s:s}", "id", id);
	return r;
}

static void test_inventory__finds_by_id_and_chains_duplicates(void **state)
{
	dm_inventory *inv = NULL;
	dm_resource r;
	dm_resource *a = NULL, *b = NULL;
	(void)state;
	assert_int_equal(dm_inventory_new(&inv), 0);
	r = res("aws_vpc", "vpc-1", "us-east-1");
	assert_int_equal(dm_inventory_add(inv, &r, &a), 0);
	r = res("aws_vpc", "vpc-1", "eu-west-1");
	assert_int_equal(dm_inventory_add(inv, &r, &b), 0);
	r = res("aws_subnet", "subnet-1", "us-east-1");
	assert_int_equal(dm_inventory_add(inv, &r, NULL), 0);
	assert_int_equal(dm_inventory_count(inv), 3);
	assert_ptr_equal(dm_inventory_find(inv, "aws", "aws_vpc", "vpc-1"), a);
	assert_ptr_equal(dm_inventory_find_next(inv, a), b);
	assert_null(dm_inventory_find_next(inv, b));
	assert_null(dm_inventory_find(inv, "aws", "aws_vpc", "vpc-2"));
	dm_inventory_free(inv);
}

static void test_inventory__scope_completeness_is_tracked(void **state)
{
	dm_inventory *inv = NULL;
	const char *t1[] = {"aws_subnet"};
	const char *t2[] = {"aws_vpc"};
	dm_scope s;
	(void)state;
	assert_int_equal(dm_inventory_new(&inv), 0);
	memset(&s, 0, sizeof(s));
	s.provider = "aws";
	s.account = "1";
	s.region = "us-east-1";
	s.api = "ec2:DescribeSubnets";
	s.types = t1;
	s.ntypes = 1;
	s.complete = 0;
	s.error = "Throttling";
	assert_int_equal(dm_inventory_add_scope(inv, &s), 0);
	s.api = "ec2:DescribeVpcs";
	s.types = t2;
	s.complete = 1;
	s.error = NULL;
	assert_int_equal(dm_inventory_add_scope(inv, &s), 0);
	assert_int_equal(dm_inventory_type_complete(inv, "aws", "1", "us-east-1", "aws_subnet"), 0);
	assert_int_equal(dm_inventory_type_complete(inv, "aws", "1", "us-east-1", "aws_vpc"), 1);
	assert_int_equal(dm_inventory_type_complete(inv, "aws", "1", "eu-west-1", "aws_vpc"), -1);
	assert_int_equal(dm_inventory_type_complete(inv, "aws", NULL, NULL, "aws_vpc"), 1);
	dm_inventory_free(inv);
}

static void test_inventory__json_round_trip_keeps_everything(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv = NULL, *back = NULL;
	dm_resource r;
	const char *types[] = {"aws_vpc"};
	dm_scope s;
	char *dir = tu_mkdtemp(), path[512];
	json_t *j1, *j2;
	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm_inventory_new(&inv), 0);
	r = res("aws_vpc", "vpc-1", "us-east-1");
	r.flags = DM_RES_AWS_CREATED;
	assert_int_equal(dm_inventory_add(inv, &r, NULL), 0);
	memset(&s, 0, sizeof(s));
	s.provider = "aws";
	s.account = "1";
	s.region = "us-east-1";
	s.api = "ec2:DescribeVpcs";
	s.types = types;
	s.ntypes = 1;
	s.complete = 1;
	s.api_calls = 3;
	assert_int_equal(dm_inventory_add_scope(inv, &s), 0);
	snprintf(path, sizeof(path), "%s/inv.json", dir);
	assert_int_equal(dm_inventory_save_json(inv, ctx, path), 0);
	assert_int_equal(dm_inventory_load_json(&back, ctx, path), 0);
	assert_int_equal(dm_inventory_count(back), 1);
	assert_true(dm_inventory_at(back, 0)->flags & DM_RES_AWS_CREATED);
	assert_int_equal(dm_inventory_scope_at(back, 0)->api_calls, 3);
	j1 = dm_inventory_to_json(inv);
	j2 = dm_inventory_to_json(back);
	json_object_del(j1, "collected_at");
	json_object_del(j2, "collected_at");
	assert_true(json_equal(j1, j2));
	json_decref(j1);
	json_decref(j2);
	dm_inventory_free(inv);
	dm_inventory_free(back);
	dm_ctx_free(ctx);
	tu_rmrf(dir);
	free(dir);
}

static void test_inventory__rejects_bad_documents(void **state)
{
	static const struct {
		const char *text;
		int code;
		const char *msg;
	} cases[] = {
		{"{\"schema\":\"driftmap.inventory/v9\",\"resources\":[]}", DM_EVERSION, "unsupported inventory schema"},
		{"{\"resources\":[]}", DM_EPARSE, "no \"schema\""},
		{"{\"schema\":\"driftmap.inventory/v1\"}", DM_EPARSE, "\"resources\""},
		{"{\"schema\":\"driftmap.inventory/v1\",\"resources\":[{\"type\":\"x\"}]}", DM_EPARSE, "resource 0"},
		{"[1,2", DM_EPARSE, "invalid JSON"},
	};
	dm_ctx *ctx = NULL;
	char *dir = tu_mkdtemp(), path[512];
	size_t i;
	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dm_inventory *inv = NULL;
		int rc;
		tu_write_file(path, cases[i].text, strlen(cases[i].text));
		rc = dm_inventory_load_json(&inv, ctx, path);
		if (rc != cases[i].code || !strstr(dm_ctx_last_error(ctx), cases[i].msg))
			fail_msg("case %zu: rc %d, message '%s'", i, rc, dm_ctx_last_error(ctx));
		assert_null(inv);
	}
	dm_ctx_free(ctx);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory__finds_by_id_and_chains_duplicates),
		cmocka_unit_test(test_inventory__scope_completeness_is_tracked),
		cmocka_unit_test(test_inventory__json_round_trip_keeps_everything),
		cmocka_unit_test(test_inventory__rejects_bad_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
