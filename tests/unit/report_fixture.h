/*
 * Fixed findings sets for the report tests: state and live inventories
 * built with dm_inventory_add and compared with dm_diff over a small type
 * table of the test's own (so the goldens do not move when the AWS table
 * grows). Included by the report tests only (static functions).
 */
#ifndef DM_REPORT_FIXTURE_H
#define DM_REPORT_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "driftmap/driftmap.h"

typedef struct rfix {
	dm_inventory *state;
	dm_inventory *live;
	dm_ignore *ignore;
	dm_drift *drift;
} rfix;

static const dm_attr_spec fx_vpc_attrs[] = {
	{ "cidr_block", DM_CMP_SCALAR, NULL, 0, NULL, NULL },
	{ "enable_dns_hostnames", DM_CMP_SCALAR, NULL, 0, NULL, NULL },
	{ "tags", DM_CMP_TAGS, NULL, 0, NULL, NULL },
};
static const dm_attr_spec fx_subnet_attrs[] = {
	{ "cidr_block", DM_CMP_SCALAR, NULL, 0, NULL, NULL },
	{ "vpc_id", DM_CMP_SCALAR, NULL, 0, "aws_vpc", "in_vpc" },
	{ "tags", DM_CMP_TAGS, NULL, 0, NULL, NULL },
};
static const dm_attr_spec fx_sg_attrs[] = {
	{ "description", DM_CMP_SCALAR, NULL, 0, NULL, NULL },
	{ "ingress", DM_CMP_BLOCKSET, NULL, 0, NULL, NULL },
	{ "tags", DM_CMP_TAGS, NULL, 0, NULL, NULL },
};
static const dm_attr_spec fx_db_attrs[] = {
	{ "engine_version", DM_CMP_SCALAR, NULL, 0, NULL, NULL },
	{ "password", DM_CMP_SCALAR, NULL, 0, NULL, NULL },
};
static const dm_attr_spec fx_role_attrs[] = {
	{ "max_session_duration", DM_CMP_SCALAR, NULL, 0, NULL, NULL },
	{ "tags", DM_CMP_TAGS, NULL, 0, NULL, NULL },
};

#define FX_SPEC(t, svc, label, a) \
	{ t, svc, label, DM_TYPE_LIVE, a, sizeof(a) / sizeof(a[0]), NULL, NULL, NULL }

static const dm_type_spec fx_types[] = {
	FX_SPEC("aws_db_instance", "rds", "DB", fx_db_attrs),
	FX_SPEC("aws_iam_role", "iam", "Role", fx_role_attrs),
	FX_SPEC("aws_security_group", "ec2", "SG", fx_sg_attrs),
	FX_SPEC("aws_subnet", "ec2", "Subnet", fx_subnet_attrs),
	FX_SPEC("aws_vpc", "ec2", "VPC", fx_vpc_attrs),
};
static const dm_type_table fx_table = { "aws", fx_types, sizeof(fx_types) / sizeof(fx_types[0]) };

#define FX_ACCOUNT "123456789012"
#define FX_STATE_URI "reports_src/envs/prod/terraform.tfstate"

static __attribute__((unused)) json_t *fx_json(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (!j) {
		fprintf(stderr, "fixture JSON: %s: %s\n", err.text, text);
		abort();
	}
	return j;
}

/* The report tests' context; source locations of the fixtures are relative to fixtures/. */
static dm_ctx *g_ctx;

static __attribute__((unused)) int fx_ctx_setup(void **state)
{
	(void)state;
	if (chdir(DM_FIXTURES_DIR) != 0)
		return -1;
	return dm_ctx_new(&g_ctx);
}

static __attribute__((unused)) int fx_ctx_teardown(void **state)
{
	(void)state;
	dm_ctx_free(g_ctx);
	g_ctx = NULL;
	return 0;
}

/* A state resource (commit NULL: a file state). */
static __attribute__((unused)) void fx_state_at(dm_inventory *inv, const char *type, const char *id,
						const char *address, const char *commit, const char *attrs,
						const char *sensitive)
{
	dm_resource r;

	memset(&r, 0, sizeof(r));
	r.provider = "aws";
	r.type = type;
	r.id = id;
	r.address = address;
	r.source_uri = FX_STATE_URI;
	r.commit = commit;
	r.attrs = fx_json(attrs);
	r.sensitive = sensitive ? fx_json(sensitive) : NULL;
	if (dm_inventory_add(inv, &r, NULL) < 0)
		abort();
}

static __attribute__((unused)) void fx_state(dm_inventory *inv, const char *type, const char *id, const char *address,
		     const char *attrs, const char *sensitive)
{
	fx_state_at(inv, type, id, address, NULL, attrs, sensitive);
}

/* A live resource of any account (account NULL: none). */
static __attribute__((unused)) void fx_live_in(dm_inventory *inv, const char *type, const char *id,
					       const char *account, const char *region, const char *attrs)
{
	dm_resource r;

	memset(&r, 0, sizeof(r));
	r.provider = "aws";
	r.type = type;
	r.id = id;
	r.account = account;
	r.region = region;
	r.attrs = fx_json(attrs);
	if (dm_inventory_add(inv, &r, NULL) < 0)
		abort();
}

static __attribute__((unused)) void fx_live(dm_inventory *inv, const char *type, const char *id, const char *region,
		    const char *attrs)
{
	fx_live_in(inv, type, id, FX_ACCOUNT, region, attrs);
}

static __attribute__((unused)) void fx_scope(dm_inventory *inv, const char *region, const char *api, const char *type,
		     unsigned calls, const char *error)
{
	const char *types[1];
	dm_scope s;

	types[0] = type;
	memset(&s, 0, sizeof(s));
	s.provider = "aws";
	s.account = FX_ACCOUNT;
	s.region = region;
	s.api = api;
	s.types = types;
	s.ntypes = 1;
	s.complete = error == NULL;
	s.error = error;
	s.api_calls = calls;
	if (dm_inventory_add_scope(inv, &s) < 0)
		abort();
}

static __attribute__((unused)) void fx_source(dm_inventory *inv, const char *uri, const char *commit, size_t n)
{
	dm_source_info s;

	memset(&s, 0, sizeof(s));
	s.uri = uri;
	s.commit = commit;
	s.serial = 7;
	s.lineage = "3f1c9a2e-5b7d-4e21-9c3a-0d6f2b8e4a11";
	s.terraform_version = "1.7.5";
	s.resources = n;
	if (dm_inventory_add_source(inv, &s) < 0)
		abort();
}

static __attribute__((unused)) void fx_standard_scopes(dm_inventory *live)
{
	fx_scope(live, "us-east-1", "ec2:DescribeVpcs", "aws_vpc", 3, NULL);
	fx_scope(live, "us-east-1", "ec2:DescribeSubnets", "aws_subnet", 1, NULL);
	fx_scope(live, "us-east-1", "ec2:DescribeSecurityGroups", "aws_security_group", 2, NULL);
	fx_scope(live, "us-east-1", "rds:DescribeDBInstances", "aws_db_instance", 1, NULL);
	fx_scope(live, "global", "iam:GetAccountAuthorizationDetails", "aws_iam_role", 1, NULL);
}

static __attribute__((unused)) void fx_diff(dm_ctx *ctx, rfix *fx)
{
	const dm_type_table *tables[1] = { &fx_table };
	dm_diff_options o;

	memset(&o, 0, sizeof(o));
	o.tables = tables;
	o.ntables = 1;
	o.ignore = fx->ignore;
	dm_inventory_sort(fx->state);
	dm_inventory_sort(fx->live);
	if (dm_diff(&fx->drift, ctx, fx->state, fx->live, &o) < 0) {
		fprintf(stderr, "dm_diff: %s\n", dm_ctx_last_error(ctx));
		abort();
	}
	dm_drift_set_times(fx->drift, 1795000000LL, 1795000042LL);
}

static __attribute__((unused)) void fx_new(rfix *fx)
{
	memset(fx, 0, sizeof(*fx));
	if (dm_inventory_new(&fx->state) < 0 || dm_inventory_new(&fx->live) < 0)
		abort();
}

static __attribute__((unused)) void fx_free(rfix *fx)
{
	dm_drift_free(fx->drift);
	dm_ignore_free(fx->ignore);
	dm_inventory_free(fx->state);
	dm_inventory_free(fx->live);
	memset(fx, 0, sizeof(*fx));
}

/*
 * The basic set: 1 unmanaged (sg-0f6), 2 missing (subnet-0b2 in a local
 * module, role app in a registry module), 3 changed (vpc-0a1 tags with a
 * sensitive Owner tag, sg-0c3 opened to the internet, db-main password),
 * an in-sync VPC, an ignored unmanaged VPC, a
 * sensitive tag and a password (redaction), a failed live scope (its state
 * resource is neither missing nor compared), source locations in
 * fixtures/reports_src (the test runs in DM_FIXTURES_DIR).
 */
static __attribute__((unused)) void fx_basic(dm_ctx *ctx, rfix *fx)
{
	static const char ign[] = "# fixture\naws_vpc.vpc-0ig9\n";

	fx_new(fx);
	fx_source(fx->state, FX_STATE_URI, NULL, 7);
	fx_state(fx->state, "aws_vpc", "vpc-0a1", "aws_vpc.main",
		 "{\"id\":\"vpc-0a1\",\"cidr_block\":\"10.0.0.0/16\",\"enable_dns_hostnames\":true,"
		 "\"region\":\"us-east-1\",\"tags\":{\"Env\":\"prod\",\"Owner\":\"alice\"}}",
		 "[[\"tags\",\"Owner\"]]");
	fx_state(fx->state, "aws_vpc", "vpc-0d4", "aws_vpc.in_sync",
		 "{\"id\":\"vpc-0d4\",\"cidr_block\":\"10.1.0.0/16\",\"region\":\"us-east-1\",\"tags\":{}}", NULL);
	fx_state(fx->state, "aws_subnet", "subnet-0b2", "module.net.aws_subnet.private[\"a\"]",
		 "{\"id\":\"subnet-0b2\",\"cidr_block\":\"10.0.1.0/24\",\"vpc_id\":\"vpc-0a1\","
		 "\"availability_zone\":\"us-east-1a\"}", NULL);
	fx_state(fx->state, "aws_subnet", "subnet-0e5", "module.net.aws_subnet.private[\"b\"]",
		 "{\"id\":\"subnet-0e5\",\"cidr_block\":\"10.0.2.0/24\",\"vpc_id\":\"vpc-0a1\","
		 "\"availability_zone\":\"eu-west-1b\"}", NULL);
	fx_state(fx->state, "aws_security_group", "sg-0c3", "module.net.aws_security_group.web",
		 "{\"id\":\"sg-0c3\",\"description\":\"web\",\"region\":\"us-east-1\",\"ingress\":[]}", NULL);
	fx_state(fx->state, "aws_db_instance", "db-main", "aws_db_instance.main",
		 "{\"id\":\"db-main\",\"engine_version\":\"15.4\",\"password\":\"hunter2\",\"region\":\"us-east-1\"}",
		 "[[\"password\"]]");
	fx_state(fx->state, "aws_iam_role", "app", "module.remote.aws_iam_role.app",
		 "{\"id\":\"app\",\"max_session_duration\":3600}", NULL);

	fx_live(fx->live, "aws_vpc", "vpc-0a1", "us-east-1",
		"{\"id\":\"vpc-0a1\",\"cidr_block\":\"10.0.0.0/16\",\"enable_dns_hostnames\":true,"
		"\"tags\":{\"Env\":\"staging\",\"Owner\":\"bob\"}}");
	fx_live(fx->live, "aws_vpc", "vpc-0d4", "us-east-1",
		"{\"id\":\"vpc-0d4\",\"cidr_block\":\"10.1.0.0/16\",\"tags\":{}}");
	fx_live(fx->live, "aws_vpc", "vpc-0ig9", "us-east-1",
		"{\"id\":\"vpc-0ig9\",\"cidr_block\":\"10.9.0.0/16\",\"tags\":{\"Name\":\"sandbox\"}}");
	fx_live(fx->live, "aws_security_group", "sg-0c3", "us-east-1",
		"{\"id\":\"sg-0c3\",\"description\":\"web\",\"ingress\":[{\"protocol\":\"tcp\",\"from_port\":22,"
		"\"to_port\":22,\"cidr_blocks\":[\"0.0.0.0/0\"]}]}");
	fx_live(fx->live, "aws_security_group", "sg-0f6", "us-east-1",
		"{\"id\":\"sg-0f6\",\"description\":\"hand made\",\"ingress\":[]}");
	fx_live(fx->live, "aws_db_instance", "db-main", "us-east-1",
		"{\"id\":\"db-main\",\"engine_version\":\"15.4\",\"password\":\"correct horse\"}");
	fx_standard_scopes(fx->live);
	fx_scope(fx->live, "eu-west-1", "ec2:DescribeSubnets", "aws_subnet", 4,
		 "UnauthorizedOperation: You are not authorized <to> perform this operation & more");
	if (dm_ignore_parse(&fx->ignore, ctx, ign, sizeof(ign) - 1, "fixture .driftignore") < 0)
		abort();
	fx_diff(ctx, fx);
}

static __attribute__((unused)) void fx_empty(dm_ctx *ctx, rfix *fx)
{
	fx_new(fx);
	fx_diff(ctx, fx);
}

/* Special characters everywhere a string from an inventory can reach a report. */
static __attribute__((unused)) void fx_unicode(dm_ctx *ctx, rfix *fx)
{
	fx_new(fx);
	fx_source(fx->state, "git::/nonexistent/repo.git//envs/<prod> & \"co\"/terraform.tfstate?ref=main",
		  "0123456789abcdef0123456789abcdef01234567", 1);
	fx_state(fx->state, "aws_vpc", "vpc-\xC3\xBCn\xC3\xAF|<&>\"\xF0\x9F\x9A\x80",
		 "aws_vpc.main[\"a|b <c> & \\\"d\\\"\"]",
		 "{\"id\":\"x\",\"region\":\"us-east-1\",\"tags\":{\"Name\":\"web | <b>prod</b> & \\\"main\\\"\\nline2 \xF0\x9F\x9A\x80\","
		 "\"\xC3\x9Cn\xC3\xAF\":\"\xE6\x97\xA5\xE6\x9C\xAC\",\"md\":\"*bold* _it_ [x](y) `code` \\\\ ~s~\"}}", NULL);
	fx_live(fx->live, "aws_vpc", "vpc-\xC3\xBCn\xC3\xAF|<&>\"\xF0\x9F\x9A\x80", "us-east-1",
		"{\"id\":\"x\",\"tags\":{\"Name\":\"web | <i>prod</i> & 'main'\\r\\nline2 \\u001b[31mred\\u001b[0m\","
		"\"\xC3\x9Cn\xC3\xAF\":\"\xE8\xAA\x9E\",\"md\":\"</code><script>alert(1)</script>\"}}");
	fx_live(fx->live, "aws_security_group", "sg-<script>alert(\"x\")</script>&amp;\n|x|", "us-east-1",
		"{\"id\":\"y\",\"description\":\"]]></failure>\",\"ingress\":[]}");
	fx_live(fx->live, "aws_security_group", "sg-bad\xFF" "byte", "us-east-1",
		"{\"id\":\"z\",\"description\":\"invalid utf-8 id\",\"ingress\":[]}");
	fx_standard_scopes(fx->live);
	fx_diff(ctx, fx);
}

/* N unmanaged security groups and N changed VPCs (markdown budget). */
static __attribute__((unused)) void fx_huge(dm_ctx *ctx, rfix *fx, size_t n)
{
	char id[64], attrs[256];
	size_t i;

	fx_new(fx);
	fx_source(fx->state, FX_STATE_URI, NULL, n);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "vpc-%06zu", i);
		snprintf(attrs, sizeof(attrs), "{\"id\":\"%s\",\"cidr_block\":\"10.0.0.0/16\",\"region\":\"us-east-1\",\"tags\":{\"Env\":\"prod\"}}", id);
		{
			char addr[64];

			snprintf(addr, sizeof(addr), "aws_vpc.v[%zu]", i);
			fx_state(fx->state, "aws_vpc", id, addr, attrs, NULL);
		}
		snprintf(attrs, sizeof(attrs), "{\"id\":\"%s\",\"cidr_block\":\"10.%zu.0.0/16\",\"tags\":{\"Env\":\"dev\",\"Team\":\"t%zu\"}}",
			 id, i % 250, i);
		fx_live(fx->live, "aws_vpc", id, "us-east-1", attrs);
		snprintf(id, sizeof(id), "sg-%06zu", i);
		snprintf(attrs, sizeof(attrs), "{\"id\":\"%s\",\"description\":\"d\",\"ingress\":[]}", id);
		fx_live(fx->live, "aws_security_group", id, "us-east-1", attrs);
	}
	fx_standard_scopes(fx->live);
	fx_diff(ctx, fx);
}

#endif
