/* Unit tests: the Terraform state parser (dm_state_parse), formats v4 and v3. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "source.h"

typedef struct expect_res {
	const char *address;
	unsigned flags;
	const char *type;
	const char *name;
	const char *module;
	const char *provider;
	const char *id;
} expect_res;

static int streq_null(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Parse a buffer into a fresh inventory; returns the rc, *inv_out and *ctx_out set. */
static int parse_buf_mode(const char *data, size_t len, const char *uri, const char *commit,
			  dm_inventory **inv_out, dm_ctx **ctx_out, int whole_only)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv = NULL;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm_inventory_new(&inv), 0);
	*inv_out = inv;
	*ctx_out = ctx;
	return dm__state_parse_mode(inv, ctx, data, len, uri, commit, whole_only);
}

static int parse_buf(const char *data, size_t len, const char *uri, const char *commit,
		     dm_inventory **inv_out, dm_ctx **ctx_out)
{
	return parse_buf_mode(data, len, uri, commit, inv_out, ctx_out, 0);
}

static int parse_fixture(const char *rel, dm_inventory **inv, dm_ctx **ctx)
{
	size_t len = 0;
	char *data = tu_read_file(tu_fixture(rel), &len);
	int rc;

	assert_non_null(data);
	rc = parse_buf(data, len, rel, NULL, inv, ctx);
	free(data);
	return rc;
}

static dm_resource *find_addr(dm_inventory *inv, const char *address, unsigned flags)
{
	size_t i;

	for (i = 0; i < dm_inventory_count(inv); i++) {
		dm_resource *r = dm_inventory_at(inv, i);

		if (strcmp(r->address, address) == 0 && r->flags == flags)
			return r;
	}
	return NULL;
}

static void check_table(dm_inventory *inv, const expect_res *t, size_t n)
{
	size_t i;

	assert_int_equal(dm_inventory_count(inv), n);
	for (i = 0; i < n; i++) {
		dm_resource *r = find_addr(inv, t[i].address, t[i].flags);

		if (!r)
			fail_msg("case %zu: no resource %s with flags %#x", i, t[i].address, t[i].flags);
		if (!streq_null(r->type, t[i].type) || !streq_null(r->name, t[i].name) ||
		    !streq_null(r->module, t[i].module) || !streq_null(r->provider, t[i].provider) ||
		    !streq_null(r->id, t[i].id))
			fail_msg("case %zu (%s): got type=%s name=%s module=%s provider=%s id=%s", i,
				 t[i].address, r->type, r->name, r->module ? r->module : "(null)", r->provider,
				 r->id);
		if (!json_is_object(dm_resource_attrs(r)))
			fail_msg("case %zu (%s): attrs is not an object", i, t[i].address);
	}
}

static const expect_res v4_table[] = {
	{"aws_vpc.main", 0, "aws_vpc", "main", NULL, "aws", "vpc-1"},
	{"aws_subnet.count[0]", 0, "aws_subnet", "count", NULL, "aws", "subnet-0"},
	{"aws_subnet.count[1]", 0, "aws_subnet", "count", NULL, "aws", "subnet-1"},
	{"module.vpc.aws_subnet.private[\"a\"]", 0, "aws_subnet", "private", "module.vpc", "aws", "subnet-a"},
	{"module.vpc.aws_subnet.private[\"we\\\"ird\\\\key $${x}\"]", 0, "aws_subnet", "private",
	 "module.vpc", "aws", "subnet-weird"},
	{"module.vpc.aws_subnet.private[\"tab\\there\\nline %%{y} 100%\"]", 0, "aws_subnet", "private",
	 "module.vpc", "aws", "subnet-tab"},
	{"module.eks.module.ng[\"cpu\"].aws_eks_node_group.this", DM_RES_TAINTED, "aws_eks_node_group",
	 "this", "module.eks.module.ng[\"cpu\"]", "aws", "cl:ng-new"},
	{"module.eks.module.ng[\"cpu\"].aws_eks_node_group.this", DM_RES_DEPOSED, "aws_eks_node_group",
	 "this", "module.eks.module.ng[\"cpu\"]", "aws", "cl:ng-old"},
	{"module.vpc[0].aws_route_table.public[0]", 0, "aws_route_table", "public", "module.vpc[0]", "aws",
	 "rtb-1"},
	{"data.aws_caller_identity.current", DM_RES_DATA, "aws_caller_identity", "current", NULL, "aws",
	 "123456789012"},
	{"module.vpc.data.aws_availability_zones.available", DM_RES_DATA, "aws_availability_zones",
	 "available", "module.vpc", "aws", "us-east-1"},
	{"kind_cluster.default", 0, "kind_cluster", "default", NULL, "kind", "kind-default"},
	{"github_repository.repo", 0, "github_repository", "repo", NULL, "github", "infra"},
	{"data.terraform_remote_state.net", DM_RES_DATA, "terraform_remote_state", "net", NULL, "terraform",
	 "data.terraform_remote_state.net"},
	{"random_integer.n", 0, "random_integer", "n", NULL, "random", "42"},
	{"null_resource.x", 0, "null_resource", "x", NULL, "null", "7151"},
	{"aws_db_instance.db", 0, "aws_db_instance", "db", NULL, "aws", "db-1"},
	{"aws_security_group.legacy", DM_RES_FLAT, "aws_security_group", "legacy", NULL, "aws", "sg-flat"},
	{"module.eks-jx.aws_iam_role.legacy", 0, "aws_iam_role", "legacy", "module.eks-jx", "aws", "role-1"},
	{"aws_instance.no_id", 0, "aws_instance", "no_id", NULL, "aws", "aws_instance.no_id"},
};

static void test_tfstate__v4_addresses_for_every_module_and_index_shape(void **state)
{
	dm_inventory *inv;
	dm_ctx *ctx;
	const dm_source_info *si;
	size_t i;
	(void)state;

	assert_int_equal(parse_fixture("states/v4-shapes.tfstate", &inv, &ctx), 0);
	check_table(inv, v4_table, sizeof(v4_table) / sizeof(v4_table[0]));
	for (i = 0; i < dm_inventory_count(inv); i++) {
		dm_resource *r = dm_inventory_at(inv, i);

		assert_string_equal(r->source_uri, "states/v4-shapes.tfstate");
		assert_null(r->commit);
	}
	assert_int_equal(dm_inventory_source_count(inv), 1);
	si = dm_inventory_source_at(inv, 0);
	assert_string_equal(si->uri, "states/v4-shapes.tfstate");
	assert_int_equal(si->serial, 17);
	assert_string_equal(si->lineage, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	assert_string_equal(si->terraform_version, "1.5.7");
	/* managed = all rows minus the data sources */
	{
		size_t managed = 0;

		for (i = 0; i < sizeof(v4_table) / sizeof(v4_table[0]); i++)
			managed += (v4_table[i].flags & DM_RES_DATA) ? 0 : 1;
		assert_int_equal(si->resources, managed);
	}
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_tfstate__keeps_attribute_objects_and_provenance(void **state)
{
	dm_inventory *inv;
	dm_ctx *ctx;
	size_t len = 0;
	char *data = tu_read_file(tu_fixture("states/small.tfstate"), &len);
	dm_resource *r;
	(void)state;

	assert_non_null(data);
	assert_int_equal(parse_buf(data, len, "git::/r//small.tfstate?ref=main",
				   "0123456789abcdef0123456789abcdef01234567", &inv, &ctx), 0);
	r = dm_inventory_find(inv, "aws", "aws_vpc", "vpc-a");
	assert_non_null(r);
	assert_string_equal(r->source_uri, "git::/r//small.tfstate?ref=main");
	assert_string_equal(r->commit, "0123456789abcdef0123456789abcdef01234567");
	assert_string_equal(json_string_value(json_object_get(dm_resource_attrs(r), "id")), "vpc-a");
	assert_null(r->sensitive);
	assert_string_equal(dm_inventory_source_at(inv, 0)->commit,
			    "0123456789abcdef0123456789abcdef01234567");
	free(data);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_tfstate__sensitive_paths_are_converted(void **state)
{
	dm_inventory *inv;
	dm_ctx *ctx;
	dm_resource *r;
	json_t *want;
	(void)state;

	assert_int_equal(parse_fixture("states/v4-shapes.tfstate", &inv, &ctx), 0);
	r = dm_inventory_find(inv, "aws", "aws_db_instance", "db-1");
	assert_non_null(r);
	want = json_loads("[[\"password\"],[\"data\",\"KEY\"],[\"list\",2]]", 0, NULL);
	assert_non_null(want);
	assert_non_null(r->sensitive);
	if (!json_equal(r->sensitive, want)) {
		char *got = json_dumps(r->sensitive, JSON_COMPACT);
		fail_msg("sensitive paths: got %s", got);
	}
	json_decref(want);
	/* an empty sensitive_attributes list is no paths at all */
	r = dm_inventory_find(inv, "aws", "aws_vpc", "vpc-1");
	assert_non_null(r);
	assert_null(r->sensitive);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

/* A sensitive path whose first step is a form we cannot read hides the whole resource */
static void test_tfstate__unreadable_sensitive_path_hides_the_whole_resource(void **state)
{
	static const char doc[] =
		"{\"version\":4,\"terraform_version\":\"1.11.0\",\"serial\":1,\"lineage\":\"l\","
		"\"resources\":[{\"mode\":\"managed\",\"type\":\"aws_db_instance\",\"name\":\"db\","
		"\"provider\":\"provider[\\\"registry.terraform.io/hashicorp/aws\\\"]\",\"instances\":[{"
		"\"schema_version\":2,\"attributes\":{\"id\":\"db-1\",\"password\":\"hunter2\",\"port\":5432},"
		"\"sensitive_attributes\":[[{\"type\":\"future_step\",\"value\":\"password\"}],[]]}]}]}";
	int whole;

	(void)state;
	for (whole = 0; whole < 2; whole++) {
		dm_inventory *inv;
		dm_ctx *ctx;
		dm_resource *r;

		assert_int_equal(parse_buf_mode(doc, sizeof(doc) - 1, "s.tfstate", NULL, &inv, &ctx, whole), 0);
		r = dm_inventory_find(inv, "aws", "aws_db_instance", "db-1");
		assert_non_null(r);
		/* [[]]: the unreadable path is the root; the empty input path is dropped */
		assert_true(json_is_array(r->sensitive));
		assert_int_equal(json_array_size(r->sensitive), 1);
		assert_int_equal(json_array_size(json_array_get(r->sensitive, 0)), 0);
		assert_true(dm_resource_path_sensitive(r, "password"));
		assert_true(dm_resource_path_sensitive(r, "port"));
		dm_inventory_free(inv);
		dm_ctx_free(ctx);
	}
}

static void assert_json_is(const json_t *got, const char *want_text, const char *what)
{
	json_error_t err;
	json_t *want = json_loads(want_text, 0, &err);

	if (!want)
		fail_msg("%s: bad expected JSON: %s", what, err.text);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
		fail_msg("%s: got %s, want %s", what, g, want_text);
	}
	json_decref(want);
}

static void test_tfstate__attributes_flat_becomes_nested_json(void **state)
{
	dm_inventory *inv;
	dm_ctx *ctx;
	dm_resource *r;
	(void)state;

	assert_int_equal(parse_fixture("states/v4-shapes.tfstate", &inv, &ctx), 0);
	r = dm_inventory_find(inv, "aws", "aws_security_group", "sg-flat");
	assert_non_null(r);
	assert_true(r->flags & DM_RES_FLAT);
	/* list elements ordered by their numeric index/hash (45 before 123), map keys with dots kept */
	assert_json_is(dm_resource_attrs(r),
		       "{\"id\":\"sg-flat\",\"name\":\"legacy\","
		       "\"tags\":{\"Name\":\"x\",\"kubernetes.io/cluster/x\":\"owned\"},"
		       "\"ingress\":[{\"cidr_blocks\":[],\"from_port\":\"443\"},"
		       "{\"cidr_blocks\":[\"10.0.0.0/8\"],\"from_port\":\"22\"}],"
		       "\"egress\":[]}",
		       "attributes_flat");
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static const expect_res v3_table[] = {
	{"aws_vpc.main", DM_RES_FLAT, "aws_vpc", "main", NULL, "aws", "vpc-3"},
	{"aws_subnet.private[0]", DM_RES_FLAT, "aws_subnet", "private", NULL, "aws", "subnet-30"},
	{"aws_subnet.private[1]", DM_RES_FLAT, "aws_subnet", "private", NULL, "aws", "subnet-31"},
	{"data.aws_region.current", DM_RES_DATA | DM_RES_FLAT, "aws_region", "current", NULL, "aws",
	 "us-east-1"},
	{"aws_instance.web", DM_RES_TAINTED | DM_RES_FLAT, "aws_instance", "web", NULL, "aws", "i-new"},
	{"aws_instance.web", DM_RES_DEPOSED | DM_RES_FLAT, "aws_instance", "web", NULL, "aws", "i-old"},
	{"module.vpc.aws_security_group.sg", DM_RES_FLAT, "aws_security_group", "sg", "module.vpc", "aws",
	 "sg-3"},
	{"module.a.module.b.google_compute_network.n", DM_RES_FLAT, "google_compute_network", "n",
	 "module.a.module.b", "google", "projects/p/global/networks/n"},
};

static void test_tfstate__reads_v3_modules_counts_and_flatmaps(void **state)
{
	dm_inventory *inv;
	dm_ctx *ctx;
	dm_resource *r;
	const dm_source_info *si;
	(void)state;

	assert_int_equal(parse_fixture("states/v3-modules.tfstate", &inv, &ctx), 0);
	check_table(inv, v3_table, sizeof(v3_table) / sizeof(v3_table[0]));
	r = dm_inventory_find(inv, "aws", "aws_security_group", "sg-3");
	assert_non_null(r);
	assert_json_is(dm_resource_attrs(r),
		       "{\"id\":\"sg-3\",\"egress\":[],\"tags\":{},\"ingress\":[{\"from_port\":\"443\","
		       "\"to_port\":\"443\",\"protocol\":\"tcp\",\"cidr_blocks\":[\"10.0.0.0/8\",\"192.168.0.0/16\"],"
		       "\"security_groups\":[]}]}",
		       "v3 security group");
	r = dm_inventory_find(inv, "aws", "aws_vpc", "vpc-3");
	assert_non_null(r);
	/* flatmap leaves stay strings */
	assert_json_is(dm_resource_attrs(r),
		       "{\"id\":\"vpc-3\",\"cidr_block\":\"10.3.0.0/16\",\"tags\":{\"Name\":\"v3\"},"
		       "\"enable_dns_support\":\"true\"}",
		       "v3 vpc");
	si = dm_inventory_source_at(inv, 0);
	assert_non_null(si);
	assert_int_equal(si->serial, 9);
	assert_string_equal(si->terraform_version, "0.11.14");
	assert_int_equal(si->resources, 7);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_tfstate__rejects_v1(void **state)
{
	dm_inventory *inv;
	dm_ctx *ctx;
	(void)state;

	assert_int_equal(parse_fixture("states/v1-legacy.tfstate", &inv, &ctx), DM_EVERSION);
	assert_string_equal(dm_ctx_last_error(ctx),
			    "states/v1-legacy.tfstate: unsupported Terraform state format version 1 "
			    "(driftmap reads versions 3 and 4)");
	assert_int_equal(dm_inventory_count(inv), 0);
	assert_int_equal(dm_inventory_source_count(inv), 0);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

/* Bad inputs: each with its code and a substring of the one-line message. */
typedef struct bad_case {
	const char *data;
	size_t len; /* 0: strlen */
	int code;
	const char *msg;
} bad_case;

static const bad_case bad_cases[] = {
	{"", 0, DM_EPARSE, "bad.tfstate: empty state file"},
	{" \r\n\t\n", 0, DM_EPARSE, "bad.tfstate: empty state file"},
	{"\xEF\xBB\xBF", 0, DM_EPARSE, "bad.tfstate: empty state file"},
	{"{\"version\": 4, \"resources\": [", 0, DM_EPARSE, "bad.tfstate: not valid JSON (line 1, column"},
	{"{\"version\": 4,\n \"resources\": [ {\"type\": }]}", 0, DM_EPARSE, "not valid JSON (line 2, column"},
	{"hello", 0, DM_EPARSE, "bad.tfstate: not valid JSON"},
	{"[1, 2]", 0, DM_EPARSE, "bad.tfstate: not a Terraform state (the JSON document is not an object)"},
	{"42", 0, DM_EPARSE, "not an object"},
	{"{\"serial\": 1}", 0, DM_EPARSE, "no integer \"version\" field"},
	{"{\"version\": \"4\"}", 0, DM_EPARSE, "no integer \"version\" field"},
	{"{\"version\": 1, \"modules\": []}", 0, DM_EVERSION,
	 "bad.tfstate: unsupported Terraform state format version 1 (driftmap reads versions 3 and 4)"},
	{"{\"version\": 2, \"modules\": []}", 0, DM_EVERSION, "unsupported Terraform state format version 2"},
	{"{\"version\": 5, \"resources\": []}", 0, DM_EVERSION, "unsupported Terraform state format version 5"},
	{"{\"version\": 4, \"resources\": {}}", 0, DM_EPARSE, "bad.tfstate: \"resources\" is not an array"},
	{"{\"version\": 4, \"resources\": [1]}", 0, DM_EPARSE, "resources[0] is not an object"},
	{"{\"version\": 4, \"resources\": [{\"mode\": \"managed\", \"name\": \"x\", \"instances\": []}]}", 0,
	 DM_EPARSE, "resources[0] has no \"type\" or \"name\" string"},
	{"{\"version\": 4, \"resources\": [{\"mode\": \"weird\", \"type\": \"a_b\", \"name\": \"x\"}]}", 0,
	 DM_EPARSE, "resources[0] (a_b.x) has an unknown \"mode\""},
	{"{\"version\": 4, \"resources\": [{\"type\": \"a_b\", \"name\": \"x\", \"instances\": {}}]}", 0,
	 DM_EPARSE, "resources[0] (a_b.x): \"instances\" is not an array"},
	{"{\"version\": 4, \"resources\": [{\"type\": \"a_b\", \"name\": \"x\", \"module\": 3}]}", 0,
	 DM_EPARSE, "\"module\" is not a string"},
	{"{\"version\": 4, \"resources\": [{\"type\": \"a_b\", \"name\": \"x\", \"instances\": "
	 "[{\"index_key\": true, \"attributes\": {}}]}]}", 0, DM_EPARSE, "instances[0] has a malformed"},
	{"{\"version\": 4, \"resources\": [{\"type\": \"a_b\", \"name\": \"x\", \"instances\": "
	 "[{\"attributes\": [1]}]}]}", 0, DM_EPARSE, "instances[0] has a malformed"},
	/* the first resource is fine, the second broken: nothing at all may be added */
	{"{\"version\": 4, \"resources\": [{\"type\": \"a_b\", \"name\": \"ok\", \"instances\": "
	 "[{\"attributes\": {\"id\": \"1\"}}]}, {\"type\": \"a_b\", \"name\": \"bad\", \"instances\": [7]}]}", 0,
	 DM_EPARSE, "resources[1] (a_b.bad): instances[0] is not an object"},
	{"{\"version\": 3, \"modules\": {}}", 0, DM_EPARSE, "\"modules\" is not an array"},
	{"{\"version\": 3, \"modules\": [{\"path\": [\"root\"], \"resources\": []}]}", 0, DM_EPARSE,
	 "modules[0]: \"resources\" is not an object"},
	{"{\"version\": 3, \"modules\": [{\"path\": [\"root\", 1]}]}", 0, DM_EPARSE, "holds a non-string"},
	{"{\"version\": 3, \"modules\": [{\"path\": [\"root\"], \"resources\": {\"nodot\": {}}}]}", 0,
	 DM_EPARSE, "resource key \"nodot\" is not TYPE.NAME[.INDEX]"},
	{"{\"version\": 3, \"modules\": [{\"path\": [\"root\"], \"resources\": {\"a_b.c\": "
	 "{\"primary\": 5}}}]}", 0, DM_EPARSE, "resource \"a_b.c\": malformed \"primary\" instance"},
	{"{\"version\": 3, \"modules\": [{\"path\": [\"root\"], \"resources\": {\"a_b.c\": "
	 "{\"primary\": {\"id\": \"1\"}, \"deposed\": {}}}}]}", 0, DM_EPARSE, "\"deposed\" is not an array"},
	{"{\"version\": 4, \"resources\": [{\"type\": \"a\\u0000b\", \"name\": \"x\"}]}", 0, DM_EPARSE,
	 "not valid JSON"},
	/* found by fuzzing: a bad resource before a syntax error reports the syntax error */
	{"{\"version\": 4, \"resources\": [{\"name\": \"x\"}, {\"type\": \"a_b\", \"name\": \"y\", "
	 "\"instances\": [{\"attributes\": {\"id\": \"\xfe\"}}]}]}", 0, DM_EPARSE, "not valid JSON (line 1, column"},
	/* found by fuzzing: a raw newline inside a top-level key */
	{"{\"version\": 4, \"resources\": [],\n\"c\nx\": 1}", 0, DM_EPARSE, "not valid JSON (line 2, column"},
};

static void test_tfstate__rejects_bad_inputs_with_one_line_errors(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const bad_case *c = &bad_cases[i];
		dm_inventory *inv;
		dm_ctx *ctx;
		int rc = parse_buf(c->data, c->len ? c->len : strlen(c->data), "bad.tfstate", NULL, &inv, &ctx);
		const char *msg = dm_ctx_last_error(ctx);

		if (rc != c->code)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, c->code, msg);
		if (!strstr(msg, c->msg))
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, msg, c->msg);
		if (strncmp(msg, "bad.tfstate: ", 13) != 0 || strchr(msg, '\n'))
			fail_msg("case %zu: message \"%s\" is not one line naming the file", i, msg);
		if (dm_inventory_count(inv) != 0 || dm_inventory_source_count(inv) != 0)
			fail_msg("case %zu: a rejected state added %zu resources", i, dm_inventory_count(inv));
		dm_inventory_free(inv);
		dm_ctx_free(ctx);
		/* the whole-document path says exactly the same */
		rc = parse_buf_mode(c->data, c->len ? c->len : strlen(c->data), "bad.tfstate", NULL, &inv, &ctx,
				    1);
		if (rc != c->code || !strstr(dm_ctx_last_error(ctx), c->msg))
			fail_msg("case %zu (whole-document path): rc %d: %s", i, rc, dm_ctx_last_error(ctx));
		dm_inventory_free(inv);
		dm_ctx_free(ctx);
	}
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Canonical listing of an inventory: address, id, flags and attributes, one line each, sorted. */
static char *listing(dm_inventory *inv)
{
	size_t i, n = dm_inventory_count(inv), total = 1;
	char **lines = calloc(n ? n : 1, sizeof(*lines));
	char *out, *p;

	assert_non_null(lines);
	for (i = 0; i < n; i++) {
		dm_resource *r = dm_inventory_at(inv, i);
		char *a = json_dumps(dm_resource_attrs(r), JSON_COMPACT | JSON_SORT_KEYS);
		char *s = r->sensitive ? json_dumps(r->sensitive, JSON_COMPACT) : NULL;
		size_t len = strlen(r->address) + strlen(r->id) + strlen(a) + (s ? strlen(s) : 4) + 64;

		lines[i] = malloc(len);
		assert_non_null(lines[i]);
		snprintf(lines[i], len, "%s %s %s %u %s %s\n", r->address, r->id, r->provider, r->flags, a,
			 s ? s : "null");
		total += strlen(lines[i]);
		free(a);
		free(s);
	}
	qsort(lines, n, sizeof(*lines), strcmp_ptr);
	out = p = malloc(total);
	assert_non_null(out);
	*p = '\0';
	for (i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);
		memcpy(p, lines[i], l + 1);
		p += l;
		free(lines[i]);
	}
	free(lines);
	return out;
}

static char *listing_mode(const char *data, size_t len, int whole_only)
{
	dm_inventory *inv;
	dm_ctx *ctx;
	char *out;
	int rc = parse_buf_mode(data, len, "x.tfstate", NULL, &inv, &ctx, whole_only);

	if (rc != 0)
		fail_msg("parse failed: %s", dm_ctx_last_error(ctx));
	out = listing(inv);
	{
		const dm_source_info *si = dm_inventory_source_at(inv, 0);
		char head[512];
		char *both;

		snprintf(head, sizeof(head), "source serial=%lld lineage=%s tf=%s managed=%zu\n", si->serial,
			 si->lineage ? si->lineage : "-", si->terraform_version ? si->terraform_version : "-",
			 si->resources);
		both = malloc(strlen(head) + strlen(out) + 1);
		assert_non_null(both);
		memcpy(both, head, strlen(head));
		memcpy(both + strlen(head), out, strlen(out) + 1);
		free(out);
		out = both;
	}
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
	return out;
}

static char *listing_of(const char *data, size_t len)
{
	return listing_mode(data, len, 0);
}

static void test_tfstate__crlf_bom_and_compact_files_read_the_same(void **state)
{
	size_t len = 0, i, j;
	char *data = tu_read_file(tu_fixture("states/v4-shapes.tfstate"), &len);
	char *crlf, *compact, *base, *other;
	json_t *doc;
	(void)state;

	assert_non_null(data);
	base = listing_of(data, len);
	assert_non_null(strstr(base, "aws_vpc.main vpc-1 aws 0 "));

	/* BOM + CRLF line endings */
	crlf = malloc(2 * len + 4);
	assert_non_null(crlf);
	memcpy(crlf, "\xEF\xBB\xBF", 3);
	for (i = 0, j = 3; i < len; i++) {
		if (data[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = data[i];
	}
	assert_true(j > len + 3);
	other = listing_of(crlf, j);
	assert_string_equal(other, base);
	free(other);

	/* one compact line */
	doc = json_loadb(data, len, 0, NULL);
	assert_non_null(doc);
	compact = json_dumps(doc, JSON_COMPACT);
	assert_non_null(compact);
	assert_null(strchr(compact, '\n'));
	other = listing_of(compact, strlen(compact));
	assert_string_equal(other, base);
	free(other);

	json_decref(doc);
	free(compact);
	free(crlf);
	free(base);
	free(data);
}

/*
 * Count instances in a state document independently of the parser:
 * v4 resources[].instances[], v3 modules[].resources{}.primary + deposed[].
 */
static void count_json(const json_t *doc, size_t *total, size_t *managed)
{
	size_t i, j;
	const json_t *r, *m;
	const char *key;

	*total = *managed = 0;
	if (json_integer_value(json_object_get(doc, "version")) == 4) {
		json_array_foreach(json_object_get(doc, "resources"), i, r) {
			const char *mode = json_string_value(json_object_get(r, "mode"));
			size_t n = json_array_size(json_object_get(r, "instances"));

			*total += n;
			if (!mode || strcmp(mode, "data") != 0)
				*managed += n;
		}
		return;
	}
	json_array_foreach(json_object_get(doc, "modules"), i, m) {
		json_object_foreach(json_object_get(m, "resources"), key, r) {
			size_t n = json_is_object(json_object_get(r, "primary")) ? 1 : 0;
			const json_t *d;

			json_array_foreach(json_object_get(r, "deposed"), j, d)
				n += json_is_object(d) ? 1 : 0;
			*total += n;
			if (strncmp(key, "data.", 5) != 0)
				*managed += n;
		}
	}
}

static void test_tfstate__every_corpus_state_loads_or_is_rejected_by_version(void **state)
{
	const char *dir = DM_SHARED_DIR "/corpus";
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t files = 0, v4 = 0, v3 = 0, rejected = 0;
	(void)state;

	if (!d)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name), len = 0, total, managed, i;
		char path[4096];
		char *data;
		dm_inventory *inv;
		dm_ctx *ctx;
		json_t *doc;
		long long version;
		int rc;

		if (nl < 9 || strcmp(de->d_name + nl - 8, ".tfstate") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		data = tu_read_file(path, &len);
		if (!data)
			fail_msg("cannot read %s", path);
		files++;
		rc = parse_buf(data, len, de->d_name, NULL, &inv, &ctx);
		doc = json_loadb(data + (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0),
				 len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? len - 3 : len, 0, NULL);
		if (!doc)
			fail_msg("%s: the test's own JSON reader failed", de->d_name);
		version = json_integer_value(json_object_get(doc, "version"));
		if (version != 3 && version != 4) {
			if (rc != DM_EVERSION || !strstr(dm_ctx_last_error(ctx), "unsupported Terraform state format version"))
				fail_msg("%s (version %lld): rc %d: %s", de->d_name, version, rc, dm_ctx_last_error(ctx));
			rejected++;
		} else {
			const dm_source_info *si;

			if (rc != 0)
				fail_msg("%s: rc %d: %s", de->d_name, rc, dm_ctx_last_error(ctx));
			count_json(doc, &total, &managed);
			if (dm_inventory_count(inv) != total)
				fail_msg("%s: %zu resources read, the JSON holds %zu instances", de->d_name,
					 dm_inventory_count(inv), total);
			si = dm_inventory_source_at(inv, 0);
			if (!si || si->resources != managed)
				fail_msg("%s: managed count %zu, want %zu", de->d_name, si ? si->resources : 0,
					 managed);
			for (i = 0; i < dm_inventory_count(inv); i++) {
				dm_resource *r = dm_inventory_at(inv, i);
				int is_data = (r->flags & DM_RES_DATA) != 0;
				const char *a = r->address;
				const char *m = r->module;

				if (!r->provider || !*r->provider || !r->type || !r->id || !*r->id || !r->name ||
				    !json_is_object(dm_resource_attrs(r)))
					fail_msg("%s: resource %zu (%s) lacks a field", de->d_name, i, a);
				/* address = [module.] [data.] type.name [key] */
				if (m) {
					if (strncmp(a, m, strlen(m)) != 0 || a[strlen(m)] != '.')
						fail_msg("%s: %s does not start with its module %s", de->d_name, a, m);
					a += strlen(m) + 1;
				}
				if (is_data != (strncmp(a, "data.", 5) == 0))
					fail_msg("%s: %s: data flag and address disagree", de->d_name, r->address);
				if (is_data)
					a += 5;
				if (strncmp(a, r->type, strlen(r->type)) != 0)
					fail_msg("%s: %s: address lacks the type", de->d_name, r->address);
				if (version == 3 && !(r->flags & DM_RES_FLAT))
					fail_msg("%s: %s: v3 resource without DM_RES_FLAT", de->d_name, r->address);
			}
			if (version == 4)
				v4++;
			else
				v3++;
		}
		json_decref(doc);
		free(data);
		dm_inventory_free(inv);
		dm_ctx_free(ctx);
	}
	closedir(d);
	assert_true(files >= 40);
	assert_true(v4 >= 30);
	assert_true(v3 >= 5);
	assert_true(rejected >= 1);
	assert_int_equal(v4 + v3 + rejected, files);
}

/* Two corpus files checked in more detail: addresses that must be there. */
static void test_tfstate__corpus_module_keys_deposed_and_providers(void **state)
{
	size_t len = 0;
	char *data = tu_read_file(DM_SHARED_DIR "/corpus/aws-eks-vpc-sg-ingress-rule-deposed-07.tfstate", &len);
	dm_inventory *inv;
	dm_ctx *ctx;
	size_t i, deposed = 0, ng_current = 0, keyed_modules = 0;
	(void)state;

	assert_non_null(data);
	assert_int_equal(parse_buf(data, len, "07.tfstate", NULL, &inv, &ctx), 0);
	for (i = 0; i < dm_inventory_count(inv); i++) {
		dm_resource *r = dm_inventory_at(inv, i);

		if (r->flags & DM_RES_DEPOSED)
			deposed++;
		if (strcmp(r->type, "aws_eks_node_group") == 0 && !(r->flags & DM_RES_DEPOSED))
			ng_current++;
		if (r->module && strstr(r->module, "[\""))
			keyed_modules++;
	}
	assert_true(deposed >= 1);
	assert_true(ng_current >= 1);
	assert_true(keyed_modules >= 1);
	free(data);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);

	/* legacy provider.aws / module.eks-jx.provider.aws forms: provider is "aws", never "provider" */
	data = tu_read_file(DM_SHARED_DIR "/corpus/aws-eks-tf012-vpc-endpoint-iam-user-06.tfstate", &len);
	assert_non_null(data);
	assert_int_equal(parse_buf(data, len, "06.tfstate", NULL, &inv, &ctx), 0);
	for (i = 0; i < dm_inventory_count(inv); i++) {
		dm_resource *r = dm_inventory_at(inv, i);

		if (strncmp(r->type, "aws_", 4) == 0 && strcmp(r->provider, "aws") != 0)
			fail_msg("%s: provider %s", r->address, r->provider);
	}
	free(data);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void same_both_ways(const char *path)
{
	size_t len = 0;
	char *data = tu_read_file(path, &len);
	char *a, *b;

	if (!data)
		fail_msg("cannot read %s", path);
	a = listing_mode(data, len, 0);
	b = listing_mode(data, len, 1);
	if (strcmp(a, b) != 0)
		fail_msg("%s: the streaming and whole-document paths disagree", path);
	free(a);
	free(b);
	free(data);
}

static void test_tfstate__streaming_and_whole_document_paths_agree(void **state)
{
	const char *dir = DM_SHARED_DIR "/corpus";
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	(void)state;

	if (!d)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		char path[4096];

		if (nl < 9 || strcmp(de->d_name + nl - 8, ".tfstate") != 0 || strncmp(de->d_name, "v1-", 3) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		same_both_ways(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 40);
	same_both_ways(tu_fixture("states/v4-shapes.tfstate"));
	same_both_ways(tu_fixture("states/v3-modules.tfstate"));
}

/* Odd but valid JSON layouts the structural scan must handle (or hand to the whole path). */
static void test_tfstate__streaming_scan_handles_odd_layouts(void **state)
{
	static const char *const docs[] = {
		"{\"version\":4,\"resources\":[{\"type\":\"aws_vpc\",\"name\":\"a]}\\\"\",\"instances\":"
		"[{\"attributes\":{\"id\":\"x\\\\\",\"n\":[1,{\"b\":\"]\"}]}}]}],\"serial\":3}",
		"  {\"resources\" : [ ] , \"version\" : 4 }  ",
		"{\"version\":4,\"resources\":null}",
		"{\"versio\\u006e\":4,\"resources\":[]}",
		"{\"version\":4,\"resources\":[],\"resources\":[{\"type\":\"a_b\",\"name\":\"c\",\"instances\":"
		"[{\"attributes\":{\"id\":\"2\"}}]}]}",
		"{\"version\":4,\"outputs\":{\"o\":{\"value\":[\"}\",\"]\"]}},\"resources\":[{\"type\":\"a_b\","
		"\"name\":\"c\",\"instances\":[{\"index_key\":\"k]\",\"attributes\":{\"id\":7}}]}]}",
	};
	static const size_t want[] = {1, 0, 0, 0, 1, 1};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char *a = listing_mode(docs[i], strlen(docs[i]), 0);
		char *b = listing_mode(docs[i], strlen(docs[i]), 1);
		size_t lines = 0;
		const char *c;

		if (strcmp(a, b) != 0)
			fail_msg("doc %zu: paths disagree:\n%s---\n%s", i, a, b);
		for (c = a; *c; c++)
			lines += *c == '\n';
		if (lines != want[i] + 1)
			fail_msg("doc %zu: %zu resources, want %zu:\n%s", i, lines - 1, want[i], a);
		free(a);
		free(b);
	}
	/* invalid JSON in a member the fast path does not use is still rejected */
	{
		dm_inventory *inv;
		dm_ctx *ctx;
		const char *bad = "{\"version\":4,\"outputs\":{tru},\"resources\":[]}";

		assert_int_equal(parse_buf(bad, strlen(bad), "o.tfstate", NULL, &inv, &ctx), DM_EPARSE);
		assert_non_null(strstr(dm_ctx_last_error(ctx), "o.tfstate: not valid JSON (line 1, column"));
		dm_inventory_free(inv);
		dm_ctx_free(ctx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tfstate__v4_addresses_for_every_module_and_index_shape),
		cmocka_unit_test(test_tfstate__keeps_attribute_objects_and_provenance),
		cmocka_unit_test(test_tfstate__sensitive_paths_are_converted),
		cmocka_unit_test(test_tfstate__unreadable_sensitive_path_hides_the_whole_resource),
		cmocka_unit_test(test_tfstate__attributes_flat_becomes_nested_json),
		cmocka_unit_test(test_tfstate__reads_v3_modules_counts_and_flatmaps),
		cmocka_unit_test(test_tfstate__rejects_v1),
		cmocka_unit_test(test_tfstate__rejects_bad_inputs_with_one_line_errors),
		cmocka_unit_test(test_tfstate__crlf_bom_and_compact_files_read_the_same),
		cmocka_unit_test(test_tfstate__every_corpus_state_loads_or_is_rejected_by_version),
		cmocka_unit_test(test_tfstate__corpus_module_keys_deposed_and_providers),
		cmocka_unit_test(test_tfstate__streaming_and_whole_document_paths_agree),
		cmocka_unit_test(test_tfstate__streaming_scan_handles_odd_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
