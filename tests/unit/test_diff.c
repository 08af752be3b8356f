/*
 * Unit tests: the diff engine (DESIGN.md "Matching and comparison rules").
 *
 * Table-driven: each case gives the state and live resources as compact
 * JSON (' stands for ", ` for an escaped quote inside a JSON string) and
 * the expected findings, one line each: "KIND TYPE ID[ path:op ...]"
 * (changes sorted). "" means: no drift.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "providers/aws/aws_types.h"

#define ACCT "123456789012"

struct dcase {
	const char *name;
	const char *state;
	const char *live;
	const char *expect;
	const char *failed_type; /* the live scope of this type failed */
	const char *scan_region; /* region scanned (default us-east-1) */
};

/* ---- helpers ------------------------------------------------------------------ */

static json_t *jload(const char *compact)
{
	size_t n = strlen(compact), i, o = 0;
	char *s = malloc(2 * n + 1);
	json_error_t err;
	json_t *j;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		if (compact[i] == '\'') {
			s[o++] = '"';
		} else if (compact[i] == '`') {
			s[o++] = '\\';
			s[o++] = '"';
		} else {
			s[o++] = compact[i];
		}
	}
	s[o] = '\0';
	j = json_loads(s, 0, &err);
	if (!j)
		fail_msg("bad test JSON (%s): %s", err.text, s);
	free(s);
	return j;
}

static const char *const ec2_types[] = {
	"aws_vpc", "aws_subnet", "aws_security_group", "aws_route_table",
	"aws_route_table_association", "aws_main_route_table_association", "aws_internet_gateway",
	"aws_nat_gateway", "aws_eip", "aws_vpc_peering_connection", "aws_network_acl",
	"aws_network_acl_association", "aws_flow_log", "aws_vpc_endpoint", "aws_eks_cluster",
	"aws_eks_node_group"
};
static const char *const iam_types[] = { "aws_iam_role", "aws_iam_policy",
					 "aws_iam_instance_profile" };

static void add_scopes(dm_inventory *live, const char *region, const char *failed_type)
{
	dm_scope s;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.provider = "aws";
	s.account = ACCT;
	s.region = region;
	s.api = "ec2:Describe*";
	s.types = ec2_types;
	s.ntypes = sizeof(ec2_types) / sizeof(ec2_types[0]);
	s.complete = 1;
	assert_int_equal(dm_inventory_add_scope(live, &s), 0);
	s.region = "global";
	s.api = "iam:GetAccountAuthorizationDetails";
	s.types = iam_types;
	s.ntypes = sizeof(iam_types) / sizeof(iam_types[0]);
	assert_int_equal(dm_inventory_add_scope(live, &s), 0);
	if (failed_type) {
		for (i = 0; i < 2; i++) {
			s.region = i ? "global" : region;
			s.api = "failing:Describe";
			s.types = &failed_type;
			s.ntypes = 1;
			s.complete = 0;
			s.error = "HTTP 500 after retries";
			assert_int_equal(dm_inventory_add_scope(live, &s), 0);
		}
	}
}

/* Add resources described by a JSON array of {t, id, a, f, acct, reg, addr}. */
static void add_resources(dm_inventory *inv, const char *spec, int live)
{
	json_t *arr;
	size_t i;

	if (!spec || !*spec)
		return;
	arr = jload(spec);
	assert_true(json_is_array(arr));
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		dm_resource r;
		char addr[256];
		const char *type = json_string_value(json_object_get(o, "t"));
		json_t *a = json_object_get(o, "a");

		memset(&r, 0, sizeof(r));
		r.provider = "aws";
		r.type = type;
		r.id = json_string_value(json_object_get(o, "id"));
		r.attrs = a ? json_incref(a) : json_object();
		r.flags = (unsigned)json_integer_value(json_object_get(o, "f"));
		if (live) {
			r.account = json_object_get(o, "acct") ? json_string_value(json_object_get(o, "acct"))
							       : ACCT;
			r.region = json_object_get(o, "reg") ? json_string_value(json_object_get(o, "reg"))
			       : strncmp(type, "aws_iam_", 8) == 0 ? "global" : "us-east-1";
		} else {
			snprintf(addr, sizeof(addr), "%s.r%zu", type, i);
			r.address = json_object_get(o, "addr") ? json_string_value(json_object_get(o, "addr"))
							       : addr;
			r.source_uri = json_object_get(o, "uri") ? json_string_value(json_object_get(o, "uri"))
							       : "file://test.tfstate";
			r.name = "r";
		}
		assert_int_equal(dm_inventory_add(inv, &r, NULL), 0);
	}
	json_decref(arr);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "KIND TYPE ID path:op ..." lines of the non-ignored findings; caller frees. */
static char *render(const dm_drift *d)
{
	size_t cap = 65536, len = 0, i, j;
	char *out = calloc(1, cap);

	assert_non_null(out);
	for (i = 0; i < dm_drift_count(d); i++) {
		const dm_finding *f = dm_drift_at(d, i);
		char *paths[256];
		size_t np = 0;

		if (f->ignored)
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s%s %s %s", len ? "\n" : "",
					dm_finding_kind_name(f->kind), f->type, f->resource_id);
		for (j = 0; j < f->nchanges && np < 256; j++) {
			char buf[300];
			snprintf(buf, sizeof(buf), "%s:%s", f->changes[j].path,
				 dm_change_op_name(f->changes[j].op));
			paths[np++] = strdup(buf);
		}
		qsort(paths, np, sizeof(char *), cmp_str);
		for (j = 0; j < np; j++) {
			len += (size_t)snprintf(out + len, cap - len, " %s", paths[j]);
			free(paths[j]);
		}
		assert_true(len < cap - 1);
	}
	return out;
}

struct world {
	dm_ctx *ctx;
	dm_inventory *state;
	dm_inventory *live;
	dm_drift *drift;
	dm_ignore *ignore;
};

/*
 * Save an inventory built in memory (jansson attributes) and load it back the
 * way big files are read: attributes stay raw text, read through the lazy path.
 */
static void reload_lazy(dm_ctx *ctx, dm_inventory **inv)
{
	char *dir = tu_mkdtemp(), path[4096];
	dm_inventory *lazy = NULL;

	snprintf(path, sizeof(path), "%s/inv.json", dir);
	assert_int_equal(dm_inventory_save_json(*inv, ctx, path), 0);
	if (dm_inventory_load_json(&lazy, ctx, path) != 0)
		fail_msg("reload: %s", dm_ctx_last_error(ctx));
	dm_inventory_free(*inv);
	*inv = lazy;
	tu_rmrf(dir);
	free(dir);
}

static void world_run_mode(struct world *w, const char *state, const char *live,
			   const char *failed_type, const char *region, const char *ignore, int lazy)
{
	const dm_type_table *tables[1];
	dm_diff_options opts;

	memset(w, 0, sizeof(*w));
	tables[0] = dm__aws_type_table();
	assert_int_equal(dm_ctx_new(&w->ctx), 0);
	assert_int_equal(dm_inventory_new(&w->state), 0);
	assert_int_equal(dm_inventory_new(&w->live), 0);
	add_resources(w->state, state, 0);
	add_resources(w->live, live, 1);
	add_scopes(w->live, region ? region : "us-east-1", failed_type);
	if (lazy) {
		reload_lazy(w->ctx, &w->state);
		reload_lazy(w->ctx, &w->live);
	}
	if (ignore)
		assert_int_equal(dm_ignore_parse(&w->ignore, w->ctx, ignore, strlen(ignore), "test"), 0);
	memset(&opts, 0, sizeof(opts));
	opts.tables = tables;
	opts.ntables = 1;
	opts.ignore = w->ignore;
	if (dm_diff(&w->drift, w->ctx, w->state, w->live, &opts) != 0)
		fail_msg("dm_diff: %s", dm_ctx_last_error(w->ctx));
	assert_non_null(w->drift);
}

static void world_run(struct world *w, const char *state, const char *live,
		      const char *failed_type, const char *region, const char *ignore)
{
	world_run_mode(w, state, live, failed_type, region, ignore, 0);
}

static void world_free(struct world *w)
{
	dm_drift_free(w->drift);
	dm_ignore_free(w->ignore);
	dm_inventory_free(w->state);
	dm_inventory_free(w->live);
	dm_ctx_free(w->ctx);
}

/* ---- the cases ------------------------------------------------------------------ */

#define VPC_A "{'cidr_block':'10.0.0.0/16','enable_dns_support':true,'tags':{'Name':'main'},'arn':'arn:aws:ec2:us-east-1:" ACCT ":vpc/vpc-1'}"
#define SG_LIVE_WEB \
	"{'t':'aws_security_group','id':'sg-1','a':{'name':'web','description':'d','vpc_id':'vpc-1','tags':{}," \
	"'ingress':[{'protocol':'tcp','from_port':443,'to_port':443,'cidr_blocks':['10.0.0.0/8','0.0.0.0/0'],'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':false,'description':''}," \
	"{'protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':['10.1.0.0/16'],'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':false,'description':'ssh'}]," \
	"'egress':[{'protocol':'-1','from_port':0,'to_port':0,'cidr_blocks':['0.0.0.0/0'],'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':false,'description':''}]}}"
#define SG_STATE_EMPTY(t) \
	"{'t':'" t "','id':'sg-1','a':{'name':'web','description':'d','vpc_id':'vpc-1','tags':null,'ingress':[],'egress':[],'arn':'arn:aws:ec2:us-east-1:" ACCT ":security-group/sg-1'}}"
#define POLICY_RAW "{`Version`:`2012-10-17`,`Statement`:[{`Effect`:`Allow`,`Principal`:{`AWS`:`" ACCT "`},`Action`:`sts:AssumeRole`}]}"
#define POLICY_ENC "%7B%22Statement%22%3A%5B%7B%22Action%22%3A%5B%22sts%3AAssumeRole%22%5D%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A" ACCT "%3Aroot%22%7D%2C%22Effect%22%3A%22Allow%22%7D%5D%2C%22Version%22%3A%222012-10-17%22%7D"
#define ROLE_ARN(n) "'arn':'arn:aws:iam::" ACCT ":role/" n "'"

static const struct dcase cases[] = {
	/* --- whole resources --- */
	{ "vpc in sync", "[{'t':'aws_vpc','id':'vpc-1','a':" VPC_A "}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':" VPC_A "}]", "", NULL, NULL },
	{ "vpc cidr changed",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.9.0.0/16'}}]",
	  "changed aws_vpc vpc-1 cidr_block:replace", NULL, NULL },
	{ "computed attributes never compared",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16','main_route_table_id':'rtb-1','owner_id':'" ACCT "','dhcp_options_id':'x'}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16','main_route_table_id':'rtb-2','owner_id':'" ACCT "','dhcp_options_id':'y'}}]",
	  "", NULL, NULL },
	{ "attribute absent live is not compared",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16','enable_dns_hostnames':true}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}}]", "", NULL, NULL },
	{ "missing", "[{'t':'aws_vpc','id':'vpc-1','a':" VPC_A "}]", "[]",
	  "missing aws_vpc vpc-1", NULL, NULL },
	{ "unmanaged", "[]", "[{'t':'aws_vpc','id':'vpc-2','a':{'cidr_block':'10.2.0.0/16'}}]",
	  "unmanaged aws_vpc vpc-2", NULL, NULL },
	{ "default VPC (flag) not unmanaged", "[]",
	  "[{'t':'aws_vpc','id':'vpc-d','f':8,'a':{'cidr_block':'172.31.0.0/16'}}]", "", NULL, NULL },
	{ "default VPC (is_default) not unmanaged", "[]",
	  "[{'t':'aws_vpc','id':'vpc-d','a':{'cidr_block':'172.31.0.0/16','is_default':true}}]", "",
	  NULL, NULL },
	{ "default subnet, default SG, main route table not unmanaged", "[]",
	  "[{'t':'aws_subnet','id':'subnet-d','f':8,'a':{}},{'t':'aws_security_group','id':'sg-d','a':{'name':'default','ingress':[],'egress':[]}},"
	  "{'t':'aws_route_table','id':'rtb-m','f':8,'a':{'route':[]}},{'t':'aws_main_route_table_association','id':'rtbassoc-m','a':{'vpc_id':'vpc-1','route_table_id':'rtb-m'}},"
	  "{'t':'aws_network_acl','id':'acl-d','f':8,'a':{'subnet_ids':['subnet-d'],'ingress':[],'egress':[]}}]",
	  "", NULL, NULL },
	{ "aws_default_vpc matches the default VPC and is compared",
	  "[{'t':'aws_default_vpc','id':'vpc-d','a':{'tags':{'Name':'default'},'enable_dns_hostnames':true}}]",
	  "[{'t':'aws_vpc','id':'vpc-d','f':8,'a':{'cidr_block':'172.31.0.0/16','tags':{'Name':'dflt'},'enable_dns_hostnames':true}}]",
	  "changed aws_default_vpc vpc-d tags.Name:replace", NULL, NULL },
	{ "aws_default_vpc in sync",
	  "[{'t':'aws_default_vpc','id':'vpc-d','a':{'tags':{'Name':'default'}}}]",
	  "[{'t':'aws_vpc','id':'vpc-d','f':8,'a':{'tags':{'Name':'default'}}}]", "", NULL, NULL },
	{ "aws_default_subnet matches a default subnet",
	  "[{'t':'aws_default_subnet','id':'subnet-d','a':{'availability_zone':'us-east-1a','map_public_ip_on_launch':true}}]",
	  "[{'t':'aws_subnet','id':'subnet-d','f':8,'a':{'availability_zone':'us-east-1a','map_public_ip_on_launch':false}}]",
	  "changed aws_default_subnet subnet-d map_public_ip_on_launch:replace", NULL, NULL },
	{ "service-linked and reserved roles, AWS-managed policies not unmanaged", "[]",
	  "[{'t':'aws_iam_role','id':'AWSServiceRoleForEKS','a':{'path':'/aws-service-role/eks.amazonaws.com/'}},"
	  "{'t':'aws_iam_role','id':'AWSReservedSSO_Admin','a':{'path':'/aws-reserved/sso.amazonaws.com/'}},"
	  "{'t':'aws_iam_policy','id':'arn:aws:iam::aws:policy/ReadOnlyAccess','a':{'arn':'arn:aws:iam::aws:policy/ReadOnlyAccess'}}]",
	  "", NULL, NULL },
	{ "unmanaged customer role", "[]", "[{'t':'aws_iam_role','id':'ops','a':{'path':'/'}}]",
	  "unmanaged aws_iam_role ops", NULL, NULL },
	{ "unknown types are not compared",
	  "[{'t':'aws_s3_bucket','id':'b1','a':{}},{'t':'aws_iam_user','id':'u','a':{}}]", "[]", "",
	  NULL, NULL },
	{ "data sources are not compared", "[{'t':'aws_vpc','id':'vpc-x','f':1,'a':{}}]", "[]", "",
	  NULL, NULL },
	{ "deposed objects are not compared",
	  "[{'t':'aws_vpc','id':'vpc-old','f':4,'a':{}},{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}}]", "", NULL, NULL },
	{ "tainted objects are compared",
	  "[{'t':'aws_vpc','id':'vpc-t','f':2,'a':{}}]", "[]", "missing aws_vpc vpc-t", NULL, NULL },

	/* --- completeness --- */
	{ "failed scope: no missing",
	  "[{'t':'aws_subnet','id':'subnet-1','a':{'availability_zone':'us-east-1a'}}]", "[]", "",
	  "aws_subnet", NULL },
	{ "failed scope: no unmanaged", "[]",
	  "[{'t':'aws_subnet','id':'subnet-9','a':{'cidr_block':'10.0.9.0/24'}}]", "", "aws_subnet", NULL },
	{ "failed scope of another type: still missing",
	  "[{'t':'aws_subnet','id':'subnet-1','a':{'availability_zone':'us-east-1a'}}]", "[]",
	  "missing aws_subnet subnet-1", "aws_vpc", NULL },
	{ "region not scanned (from arn): no missing",
	  "[{'t':'aws_vpc','id':'vpc-eu','a':{'arn':'arn:aws:ec2:eu-west-1:" ACCT ":vpc/vpc-eu'}}]", "[]",
	  "", NULL, NULL },
	{ "region not scanned (from availability_zone): no missing",
	  "[{'t':'aws_subnet','id':'subnet-eu','a':{'availability_zone':'eu-west-1b'}}]", "[]", "",
	  NULL, NULL },
	{ "scanned region (from availability_zone): missing",
	  "[{'t':'aws_subnet','id':'subnet-eu','a':{'availability_zone':'eu-west-1b'}}]", "[]",
	  "missing aws_subnet subnet-eu", NULL, "eu-west-1" },
	{ "other account not scanned: no missing",
	  "[{'t':'aws_iam_role','id':'r9','a':{'arn':'arn:aws:iam::999999999999:role/r9'}}]", "[]", "",
	  NULL, NULL },
	{ "association in a region not scanned (region from its subnet in the state): no missing",
	  "[{'t':'aws_subnet','id':'subnet-eu','a':{'availability_zone':'eu-west-1b'}},"
	  "{'t':'aws_route_table_association','id':'rtbassoc-eu','a':{'subnet_id':'subnet-eu','route_table_id':'rtb-eu'}}]",
	  "[]", "", NULL, NULL },
	{ "association in the scanned region (region from its subnet): missing",
	  "[{'t':'aws_subnet','id':'subnet-eu','a':{'availability_zone':'eu-west-1b'}},"
	  "{'t':'aws_route_table_association','id':'rtbassoc-eu','a':{'subnet_id':'subnet-eu','route_table_id':'rtb-eu'}}]",
	  "[]", "missing aws_route_table_association rtbassoc-eu\nmissing aws_subnet subnet-eu", NULL, "eu-west-1" },
	{ "IAM arn: global region, scanned: missing",
	  "[{'t':'aws_iam_role','id':'r1','a':{" ROLE_ARN("r1") "}}]", "[]", "missing aws_iam_role r1",
	  NULL, NULL },
	{ "IAM scope failed: no missing",
	  "[{'t':'aws_iam_role','id':'r1','a':{" ROLE_ARN("r1") "}}]", "[]", "", "aws_iam_role", NULL },

	/* --- several states --- */
	{ "two states, one in sync: managed, no drift",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.5.0.0/16'},'uri':'a.tfstate'},{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'},'uri':'b.tfstate'}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}}]", "", NULL, NULL },
	{ "two states, both missing: one finding",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{},'uri':'a.tfstate'},{'t':'aws_vpc','id':'vpc-1','a':{},'uri':'b.tfstate'}]",
	  "[]", "missing aws_vpc vpc-1", NULL, NULL },

	/* --- values --- */
	{ "tags compared with tags_all",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a'},'tags_all':{'Name':'a','Env':'prod'}}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a','Env':'prod'}}}]", "", NULL, NULL },
	{ "tag added live (vs tags_all)",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a'},'tags_all':{'Name':'a'}}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a','Env':'prod'}}}]",
	  "changed aws_vpc vpc-1 tags.Env:add", NULL, NULL },
	{ "tags_all null: tags used",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a'},'tags_all':null}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'b'}}}]",
	  "changed aws_vpc vpc-1 tags.Name:replace", NULL, NULL },
	{ "tag removed live",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a','Owner':'x'}}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a'}}}]",
	  "changed aws_vpc vpc-1 tags.Owner:remove", NULL, NULL },
	{ "aws:* tags ignored, null tags == {}",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':null}}]",
	  "[{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'aws:cloudformation:stack-name':'s'}}}]", "",
	  NULL, NULL },
	{ "null == empty list, numbers == numeric strings, bool == 'true'",
	  "[{'t':'aws_route_table','id':'rtb-1','a':{'propagating_vgws':null,'route':[]}},{'t':'aws_iam_role','id':'r1','a':{'max_session_duration':'3600','description':null,'permissions_boundary':null}},"
	  "{'t':'aws_vpc','id':'vpc-1','a':{'enable_dns_support':'true'}}]",
	  "[{'t':'aws_route_table','id':'rtb-1','a':{'propagating_vgws':[],'route':[]}},{'t':'aws_iam_role','id':'r1','a':{'max_session_duration':3600,'description':'','permissions_boundary':''}},"
	  "{'t':'aws_vpc','id':'vpc-1','a':{'enable_dns_support':true}}]",
	  "", NULL, NULL },
	{ "null vs a real value is drift",
	  "[{'t':'aws_iam_role','id':'r1','a':{'permissions_boundary':null}}]",
	  "[{'t':'aws_iam_role','id':'r1','a':{'permissions_boundary':'arn:aws:iam::1:policy/b'}}]",
	  "changed aws_iam_role r1 permissions_boundary:replace", NULL, NULL },
	{ "sets: order never matters",
	  "[{'t':'aws_eks_cluster','id':'c1','a':{'vpc_config':[{'subnet_ids':['subnet-a','subnet-b'],'endpoint_public_access':false,'public_access_cidrs':['10.0.0.0/8']}]}}]",
	  "[{'t':'aws_eks_cluster','id':'c1','a':{'vpc_config':[{'subnet_ids':['subnet-b','subnet-a'],'endpoint_public_access':false,'public_access_cidrs':['10.0.0.0/8'],'cluster_security_group_id':'sg-x'}]}}]",
	  "", NULL, NULL },
	{ "sets: a member changed; nested path",
	  "[{'t':'aws_eks_cluster','id':'c1','a':{'vpc_config':[{'subnet_ids':['subnet-a','subnet-b'],'endpoint_public_access':false}]}}]",
	  "[{'t':'aws_eks_cluster','id':'c1','a':{'vpc_config':[{'subnet_ids':['subnet-a','subnet-c'],'endpoint_public_access':true}]}}]",
	  "changed aws_eks_cluster c1 vpc_config.endpoint_public_access:replace vpc_config.subnet_ids:replace",
	  NULL, NULL },
	{ "node group desired_size is not drift",
	  "[{'t':'aws_eks_node_group','id':'c1:ng','a':{'cluster_name':'c1','node_group_name':'ng','scaling_config':[{'desired_size':2,'min_size':1,'max_size':5}]}}]",
	  "[{'t':'aws_eks_node_group','id':'c1:ng','a':{'cluster_name':'c1','node_group_name':'ng','scaling_config':[{'desired_size':4,'min_size':1,'max_size':5}],'status':'UPDATING'}}]",
	  "", NULL, NULL },
	{ "node group max_size is drift",
	  "[{'t':'aws_eks_node_group','id':'c1:ng','a':{'cluster_name':'c1','node_group_name':'ng','scaling_config':[{'desired_size':2,'min_size':1,'max_size':5}]}}]",
	  "[{'t':'aws_eks_node_group','id':'c1:ng','a':{'cluster_name':'c1','node_group_name':'ng','scaling_config':[{'desired_size':2,'min_size':1,'max_size':9}]}}]",
	  "changed aws_eks_node_group c1:ng scaling_config.max_size:replace", NULL, NULL },
	{ "EIP without association in state is not drift",
	  "[{'t':'aws_eip','id':'eipalloc-1','a':{'domain':'vpc','association_id':'','network_interface':'','private_ip':'','instance':'','tags':{}}}]",
	  "[{'t':'aws_eip','id':'eipalloc-1','a':{'domain':'vpc','association_id':'eipassoc-1','network_interface':'eni-1','private_ip':'10.0.0.5','instance':'','tags':{}}}]",
	  "", NULL, NULL },
	{ "aws_iam_policy attachment_count is not drift",
	  "[{'t':'aws_iam_policy','id':'arn:aws:iam::" ACCT ":policy/p','a':{'name':'p','attachment_count':0,'policy':'{`Statement`:[]}'}}]",
	  "[{'t':'aws_iam_policy','id':'arn:aws:iam::" ACCT ":policy/p','a':{'name':'p','attachment_count':3,'policy':'{`Statement`:[]}'}}]",
	  "", NULL, NULL },
	{ "policy encoded vs raw, reordered, principal forms",
	  "[{'t':'aws_iam_role','id':'r1','a':{'assume_role_policy':'" POLICY_RAW "'}}]",
	  "[{'t':'aws_iam_role','id':'r1','a':{'assume_role_policy':'" POLICY_ENC "'}}]", "", NULL, NULL },
	{ "policy really changed",
	  "[{'t':'aws_iam_role','id':'r1','a':{'assume_role_policy':'" POLICY_RAW "'}}]",
	  "[{'t':'aws_iam_role','id':'r1','a':{'assume_role_policy':'{`Version`:`2012-10-17`,`Statement`:[{`Effect`:`Allow`,`Principal`:{`AWS`:`*`},`Action`:`sts:AssumeRole`}]}'}}]",
	  "changed aws_iam_role r1 assume_role_policy:replace", NULL, NULL },

	/* --- SG rules: four representations --- */
	{ "SG inline rules reordered (blocks and cidrs)",
	  "[{'t':'aws_security_group','id':'sg-1','a':{'name':'web','description':'d','vpc_id':'vpc-1','tags':{},"
	  "'ingress':[{'protocol':'6','from_port':22,'to_port':22,'cidr_blocks':['10.1.0.0/16'],'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':false,'description':'ssh'},"
	  "{'protocol':'tcp','from_port':443,'to_port':443,'cidr_blocks':['0.0.0.0/0','10.0.0.0/8'],'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':false,'description':''}],"
	  "'egress':[{'protocol':'all','from_port':-1,'to_port':-1,'cidr_blocks':['0.0.0.0/0'],'self':false}]}}]",
	  "[" SG_LIVE_WEB "]", "", NULL, NULL },
	{ "SG live rule covered only by aws_security_group_rule (inline [] in state)",
	  "[" SG_STATE_EMPTY("aws_security_group") ","
	  "{'t':'aws_security_group_rule','id':'sgrule-1','a':{'type':'ingress','security_group_id':'sg-1','protocol':'tcp','from_port':443,'to_port':443,'cidr_blocks':['0.0.0.0/0','10.0.0.0/8'],'ipv6_cidr_blocks':null,'prefix_list_ids':null,'self':false,'source_security_group_id':null,'description':null}},"
	  "{'t':'aws_security_group_rule','id':'sgrule-2','a':{'type':'ingress','security_group_id':'sg-1','protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':['10.1.0.0/16'],'self':false,'description':'ssh'}},"
	  "{'t':'aws_vpc_security_group_egress_rule','id':'sgr-1','a':{'security_group_id':'sg-1','ip_protocol':'-1','from_port':null,'to_port':null,'cidr_ipv4':'0.0.0.0/0','arn':'arn:aws:ec2:us-east-1:" ACCT ":security-group-rule/sgr-1'}}]",
	  "[" SG_LIVE_WEB "]", "", NULL, NULL },
	{ "SG rules by aws_vpc_security_group_ingress_rule",
	  "[" SG_STATE_EMPTY("aws_security_group") ","
	  "{'t':'aws_vpc_security_group_ingress_rule','id':'sgr-a','a':{'security_group_id':'sg-1','ip_protocol':'tcp','from_port':443,'to_port':443,'cidr_ipv4':'0.0.0.0/0'}},"
	  "{'t':'aws_vpc_security_group_ingress_rule','id':'sgr-b','a':{'security_group_id':'sg-1','ip_protocol':'tcp','from_port':443,'to_port':443,'cidr_ipv4':'10.0.0.0/8'}},"
	  "{'t':'aws_vpc_security_group_ingress_rule','id':'sgr-c','a':{'security_group_id':'sg-1','ip_protocol':'tcp','from_port':22,'to_port':22,'cidr_ipv4':'10.1.0.0/16','description':'ssh'}},"
	  "{'t':'aws_security_group_rule','id':'sgrule-e','a':{'type':'egress','security_group_id':'sg-1','protocol':'-1','from_port':0,'to_port':0,'cidr_blocks':['0.0.0.0/0']}}]",
	  "[" SG_LIVE_WEB "]", "", NULL, NULL },
	{ "SG live rule nobody covers: ingress add on the parent",
	  "[" SG_STATE_EMPTY("aws_security_group") ","
	  "{'t':'aws_security_group_rule','id':'sgrule-2','a':{'type':'ingress','security_group_id':'sg-1','protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':['10.1.0.0/16']}},"
	  "{'t':'aws_security_group_rule','id':'sgrule-e','a':{'type':'egress','security_group_id':'sg-1','protocol':'-1','from_port':0,'to_port':0,'cidr_blocks':['0.0.0.0/0']}}]",
	  "[" SG_LIVE_WEB "]", "changed aws_security_group sg-1 ingress:add ingress:add", NULL, NULL },
	{ "SG rule resource gone live: missing; partly gone: changed",
	  "[{'t':'aws_security_group_rule','id':'sgrule-9','a':{'type':'ingress','security_group_id':'sg-1','protocol':'tcp','from_port':3306,'to_port':3306,'cidr_blocks':['10.0.0.0/8']}},"
	  "{'t':'aws_security_group_rule','id':'sgrule-8','a':{'type':'ingress','security_group_id':'sg-1','protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':['10.1.0.0/16','10.2.0.0/16']}}]",
	  "[" SG_LIVE_WEB "]",
	  "unmanaged aws_security_group sg-1\nmissing aws_security_group_rule sgrule-9\n"
	  "changed aws_security_group_rule sgrule-8 cidr_blocks:remove",
	  NULL, NULL },
	{ "SG inline rule gone live: ingress remove",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'tcp','from_port':80,'to_port':80,'cidr_blocks':['0.0.0.0/0'],'self':false}],'egress':[]}}]",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[],'egress':[]}}]",
	  "changed aws_security_group sg-2 ingress:remove", NULL, NULL },
	{ "SG description compared only where both have one",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'tcp','from_port':80,'to_port':80,'cidr_blocks':['0.0.0.0/0'],'description':'web'},"
	  "{'protocol':'tcp','from_port':81,'to_port':81,'cidr_blocks':['0.0.0.0/0'],'description':'a'}],'egress':[]}}]",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'tcp','from_port':80,'to_port':80,'cidr_blocks':['0.0.0.0/0'],'description':''},"
	  "{'protocol':'tcp','from_port':81,'to_port':81,'cidr_blocks':['0.0.0.0/0'],'description':'b'}],'egress':[]}}]",
	  "changed aws_security_group sg-2 ingress:replace", NULL, NULL },
	{ "SG self and cross-account group forms",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'-1','from_port':0,'to_port':0,'self':true,'security_groups':['sg-7']}],'egress':[]}}]",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'-1','from_port':-1,'to_port':-1,'self':false,'security_groups':['sg-2','" ACCT "/sg-7']}],'egress':[]}}]",
	  "", NULL, NULL },
	{ "aws_default_security_group compared normally (rules)",
	  "[{'t':'aws_default_security_group','id':'sg-d','a':{'vpc_id':'vpc-1','ingress':[],'egress':[]}}]",
	  "[{'t':'aws_security_group','id':'sg-d','a':{'name':'default','vpc_id':'vpc-1','ingress':[{'protocol':'-1','from_port':0,'to_port':0,'self':true}],'egress':[]}}]",
	  "changed aws_default_security_group sg-d ingress:add", NULL, NULL },
	{ "aws_default_security_group in sync",
	  "[{'t':'aws_default_security_group','id':'sg-d','a':{'vpc_id':'vpc-1','ingress':[{'protocol':'-1','from_port':0,'to_port':0,'self':true}],'egress':[]}}]",
	  "[{'t':'aws_security_group','id':'sg-d','a':{'name':'default','vpc_id':'vpc-1','ingress':[{'protocol':'-1','from_port':0,'to_port':0,'self':true}],'egress':[]}}]",
	  "", NULL, NULL },
	{ "stale inline list while rules are standalone resources: no remove",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'tcp','from_port':80,'to_port':80,'cidr_blocks':['0.0.0.0/0']},"
	  "{'protocol':'tcp','from_port':81,'to_port':81,'cidr_blocks':['0.0.0.0/0']}],'egress':[]}},"
	  "{'t':'aws_security_group_rule','id':'sgrule-81','a':{'type':'ingress','security_group_id':'sg-2','protocol':'tcp','from_port':81,'to_port':81,'cidr_blocks':['0.0.0.0/0']}},"
	  "{'t':'aws_iam_role','id':'r1','a':{'managed_policy_arns':['arn:aws:iam::aws:policy/Detached']}},"
	  "{'t':'aws_iam_role_policy_attachment','id':'r1-x','a':{'role':'r1','policy_arn':'arn:aws:iam::aws:policy/Kept'}}]",
	  "[{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'tcp','from_port':81,'to_port':81,'cidr_blocks':['0.0.0.0/0']}],'egress':[]}},"
	  "{'t':'aws_iam_role','id':'r1','a':{'managed_policy_arns':['arn:aws:iam::aws:policy/Kept']}}]",
	  "", NULL, NULL },
	{ "rules on an unmanaged SG: only the SG is reported", "[]",
	  "[{'t':'aws_security_group','id':'sg-5','a':{'name':'x','ingress':[{'protocol':'tcp','from_port':1,'to_port':1,'cidr_blocks':['1.1.1.1/32']}],'egress':[]}}]",
	  "unmanaged aws_security_group sg-5", NULL, NULL },

	/* --- routes --- */
	{ "routes: inline and aws_route cover live",
	  "[{'t':'aws_route_table','id':'rtb-1','a':{'vpc_id':'vpc-1','route':[{'cidr_block':'0.0.0.0/0','gateway_id':'igw-1','nat_gateway_id':''}],'propagating_vgws':null}},"
	  "{'t':'aws_route','id':'r-rtb-11','a':{'route_table_id':'rtb-1','destination_cidr_block':'10.2.0.0/16','vpc_peering_connection_id':'pcx-1','gateway_id':''}}]",
	  "[{'t':'aws_route_table','id':'rtb-1','a':{'vpc_id':'vpc-1','propagating_vgws':[],'route':[{'cidr_block':'10.2.0.0/16','ipv6_cidr_block':'','gateway_id':'','vpc_peering_connection_id':'pcx-1'},{'cidr_block':'0.0.0.0/0','ipv6_cidr_block':'','gateway_id':'igw-1','nat_gateway_id':''}]}}]",
	  "", NULL, NULL },
	{ "routes: extra live route, changed target, missing aws_route",
	  "[{'t':'aws_route_table','id':'rtb-1','a':{'route':[]}},"
	  "{'t':'aws_route','id':'r-a','a':{'route_table_id':'rtb-1','destination_cidr_block':'0.0.0.0/0','nat_gateway_id':'nat-1'}},"
	  "{'t':'aws_route','id':'r-b','a':{'route_table_id':'rtb-1','destination_cidr_block':'10.9.0.0/16','nat_gateway_id':'nat-1'}}]",
	  "[{'t':'aws_route_table','id':'rtb-1','a':{'route':[{'cidr_block':'0.0.0.0/0','nat_gateway_id':'nat-2'},{'cidr_block':'10.3.0.0/16','gateway_id':'vgw-1'}]}}]",
	  "missing aws_route r-b\nchanged aws_route r-a nat_gateway_id:replace\nchanged aws_route_table rtb-1 route:add",
	  NULL, NULL },
	{ "aws_default_route_table routes",
	  "[{'t':'aws_default_route_table','id':'rtb-m','a':{'route':[{'cidr_block':'0.0.0.0/0','gateway_id':'igw-1'}]}}]",
	  "[{'t':'aws_route_table','id':'rtb-m','f':8,'a':{'route':[]}}]",
	  "changed aws_default_route_table rtb-m route:remove", NULL, NULL },

	/* --- IAM attachments and inline policies --- */
	{ "managed_policy_arns empty in state while attachments exist as resources",
	  "[{'t':'aws_iam_role','id':'r1','a':{" ROLE_ARN("r1") ",'managed_policy_arns':[],'inline_policy':[{'name':'','policy':''}]}},"
	  "{'t':'aws_iam_role_policy_attachment','id':'r1-2024','a':{'role':'r1','policy_arn':'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'}},"
	  "{'t':'aws_iam_policy_attachment','id':'att','a':{'roles':['r1','r2'],'users':['u'],'policy_arn':'arn:aws:iam::" ACCT ":policy/p'}},"
	  "{'t':'aws_iam_role_policy','id':'r1:logs','a':{'role':'r1','name':'logs','policy':'{\\r\\n `Statement`: [{`Effect`:`Allow`,`Action`:[`logs:Put`],`Resource`:`*`}]}'}}]",
	  "[{'t':'aws_iam_role','id':'r1','a':{'managed_policy_arns':['arn:aws:iam::" ACCT ":policy/p','arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'],"
	  "'inline_policy':[{'name':'logs','policy':'%7B%22Statement%22%3A%5B%7B%22Resource%22%3A%22%2A%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22logs%3APut%22%7D%5D%7D'}]}},"
	  "{'t':'aws_iam_role','id':'r2','a':{'managed_policy_arns':['arn:aws:iam::" ACCT ":policy/p']}}]",
	  "unmanaged aws_iam_role r2", NULL, NULL },
	{ "attachment added live; attachment gone; inline policy changed",
	  "[{'t':'aws_iam_role','id':'r1','a':{'managed_policy_arns':[],'inline_policy':[]}},"
	  "{'t':'aws_iam_role_policy_attachment','id':'r1-1','a':{'role':'r1','policy_arn':'arn:aws:iam::aws:policy/Gone'}},"
	  "{'t':'aws_iam_role_policy','id':'r1:logs','a':{'role':'r1','name':'logs','policy':'{`Statement`:[{`Effect`:`Allow`,`Action`:`logs:Put`,`Resource`:`*`}]}'}}]",
	  "[{'t':'aws_iam_role','id':'r1','a':{'managed_policy_arns':['arn:aws:iam::aws:policy/AdministratorAccess'],"
	  "'inline_policy':[{'name':'logs','policy':'{`Statement`:[{`Effect`:`Allow`,`Action`:`logs:*`,`Resource`:`*`}]}'}]}}]",
	  "missing aws_iam_role_policy_attachment r1-1\nchanged aws_iam_role r1 managed_policy_arns:add\n"
	  "changed aws_iam_role_policy r1:logs policy:replace",
	  NULL, NULL },
	{ "inline_policy on the role in state covers live; one removed",
	  "[{'t':'aws_iam_role','id':'r1','a':{'inline_policy':[{'name':'a','policy':'{}'},{'name':'b','policy':'{}'}]}}]",
	  "[{'t':'aws_iam_role','id':'r1','a':{'inline_policy':[{'name':'a','policy':'{}'}]}}]",
	  "changed aws_iam_role r1 inline_policy:remove", NULL, NULL },

	/* --- NACLs --- */
	{ "NACL rules: protocol names vs numbers, icmp_code null vs 0, rule resources",
	  "[{'t':'aws_network_acl','id':'acl-1','a':{'vpc_id':'vpc-1','subnet_ids':['subnet-1'],"
	  "'ingress':[{'rule_no':100,'action':'allow','protocol':'tcp','cidr_block':'10.0.0.0/8','from_port':443,'to_port':443,'icmp_type':null,'icmp_code':null,'ipv6_cidr_block':''}],'egress':[]}},"
	  "{'t':'aws_network_acl_rule','id':'nacl-1','a':{'network_acl_id':'acl-1','rule_number':200,'egress':true,'protocol':'1','rule_action':'allow','cidr_block':'0.0.0.0/0','icmp_type':8,'icmp_code':null}},"
	  "{'t':'aws_network_acl_association','id':'aclassoc-2','a':{'network_acl_id':'acl-1','subnet_id':'subnet-2'}}]",
	  "[{'t':'aws_network_acl','id':'acl-1','a':{'vpc_id':'vpc-1','subnet_ids':['subnet-2','subnet-1'],"
	  "'ingress':[{'rule_no':100,'action':'allow','protocol':'6','cidr_block':'10.0.0.0/8','from_port':443,'to_port':443,'icmp_type':0,'icmp_code':0,'ipv6_cidr_block':''}],"
	  "'egress':[{'rule_no':200,'action':'allow','protocol':'1','cidr_block':'0.0.0.0/0','from_port':0,'to_port':0,'icmp_type':8,'icmp_code':0}]}},"
	  "{'t':'aws_network_acl_association','id':'aclassoc-9','a':{'network_acl_id':'acl-1','subnet_id':'subnet-2'}}]",
	  "", NULL, NULL },
	{ "NACL: rule changed, association added, rule resource gone",
	  "[{'t':'aws_network_acl','id':'acl-1','a':{'subnet_ids':['subnet-1'],"
	  "'ingress':[{'rule_no':100,'action':'allow','protocol':'6','cidr_block':'10.0.0.0/8','from_port':443,'to_port':443}],'egress':[]}},"
	  "{'t':'aws_network_acl_rule','id':'nacl-9','a':{'network_acl_id':'acl-1','rule_number':300,'egress':false,'protocol':'-1','rule_action':'deny','cidr_block':'1.2.3.4/32'}}]",
	  "[{'t':'aws_network_acl','id':'acl-1','a':{'subnet_ids':['subnet-1','subnet-3'],"
	  "'ingress':[{'rule_no':100,'action':'allow','protocol':'6','cidr_block':'0.0.0.0/0','from_port':443,'to_port':443}],'egress':[]}}]",
	  "missing aws_network_acl_rule nacl-9\nchanged aws_network_acl acl-1 ingress:replace subnet_ids:add",
	  NULL, NULL },
	/* --- main route table association: one per VPC, its id changes on every replace --- */
	{ "main route table switched by hand: changed route_table_id, matched by VPC",
	  "[{'t':'aws_main_route_table_association','id':'rtbassoc-1','a':{'vpc_id':'vpc-1','route_table_id':'rtb-main','original_route_table_id':'rtb-d'}}]",
	  "[{'t':'aws_main_route_table_association','id':'rtbassoc-7','f':8,'a':{'vpc_id':'vpc-1','route_table_id':'rtb-d'}}]",
	  "changed aws_main_route_table_association rtbassoc-1 route_table_id:replace", NULL, NULL },
	{ "main route table switched back (new association id): in sync",
	  "[{'t':'aws_main_route_table_association','id':'rtbassoc-1','a':{'vpc_id':'vpc-1','route_table_id':'rtb-main','original_route_table_id':'rtb-d'}}]",
	  "[{'t':'aws_main_route_table_association','id':'rtbassoc-9','f':8,'a':{'vpc_id':'vpc-1','route_table_id':'rtb-main'}},"
	  "{'t':'aws_main_route_table_association','id':'rtbassoc-8','f':8,'a':{'vpc_id':'vpc-2','route_table_id':'rtb-x'}}]",
	  "", NULL, NULL },
	{ "main route table association of a deleted VPC: missing",
	  "[{'t':'aws_main_route_table_association','id':'rtbassoc-1','a':{'vpc_id':'vpc-1','route_table_id':'rtb-main'}}]",
	  "[{'t':'aws_main_route_table_association','id':'rtbassoc-8','f':8,'a':{'vpc_id':'vpc-2','route_table_id':'rtb-x'}}]",
	  "missing aws_main_route_table_association rtbassoc-1", NULL, NULL },
	{ "default NACL subnet_ids never drift",
	  "[{'t':'aws_default_network_acl','id':'acl-d','a':{'subnet_ids':['subnet-1'],'ingress':[{'rule_no':100,'action':'allow','protocol':'-1','cidr_block':'0.0.0.0/0','from_port':0,'to_port':0}],'egress':[]}}]",
	  "[{'t':'aws_network_acl','id':'acl-d','f':8,'a':{'subnet_ids':['subnet-1','subnet-2','subnet-3'],'ingress':[{'rule_no':100,'action':'allow','protocol':'-1','cidr_block':'0.0.0.0/0','from_port':0,'to_port':0}],'egress':[]}}]",
	  "", NULL, NULL },
};

/* Every finding with its changes' values (canonical JSON), to compare two runs exactly. */
static char *render_values(const dm_drift *d)
{
	size_t i, j;
	json_t *all = json_array();
	char *out;

	for (i = 0; i < dm_drift_count(d); i++) {
		const dm_finding *f = dm_drift_at(d, i);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "fp", f->fingerprint, "kind",
				      dm_finding_kind_name(f->kind), "type", f->type, "id",
				      f->resource_id, "changes");
		for (j = 0; j < f->nchanges; j++)
			json_array_append_new(json_object_get(o, "changes"),
					      json_pack("{s:s, s:s, s:O*, s:O*}", "path",
							f->changes[j].path, "op",
							dm_change_op_name(f->changes[j].op), "state",
							f->changes[j].state, "live", f->changes[j].live));
		json_array_append_new(all, o);
	}
	out = json_dumps(all, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(all);
	assert_non_null(out);
	return out;
}

/* Each case twice: attributes as jansson trees (providers) and as raw text (files). */
static void test_diff__rules_table(void **state)
{
	size_t i;
	int lazy;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *values[2];
		for (lazy = 0; lazy < 2; lazy++) {
			struct world w;
			char *got;

			world_run_mode(&w, cases[i].state, cases[i].live, cases[i].failed_type,
				       cases[i].scan_region, NULL, lazy);
			got = render(w.drift);
			if (strcmp(got, cases[i].expect) != 0)
				fail_msg("case %zu \"%s\" (%s attributes):\n  want: %s\n  got:  %s", i,
					 cases[i].name, lazy ? "raw" : "jansson", cases[i].expect,
					 got);
			values[lazy] = render_values(w.drift);
			free(got);
			world_free(&w);
		}
		if (strcmp(values[0], values[1]) != 0)
			fail_msg("case %zu \"%s\": raw and jansson attributes differ:\n  %s\n  %s", i,
				 cases[i].name, values[0], values[1]);
		free(values[0]);
		free(values[1]);
	}
}

/* ---- summary, ignore, fingerprints, severity, order -------------------------------- */

static void test_diff__summary_counts_and_coverage(void **state)
{
	struct world w;
	const dm_summary *s;

	(void)state;
	world_run(&w,
		  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}},"
		  "{'t':'aws_vpc','id':'vpc-2','a':{'cidr_block':'10.0.0.0/16'}},"
		  "{'t':'aws_vpc','id':'vpc-3','a':{}},"
		  "{'t':'aws_subnet','id':'subnet-1','a':{'cidr_block':'10.0.1.0/24'}},"
		  "{'t':'aws_s3_bucket','id':'b','a':{}}]",
		  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}},"
		  "{'t':'aws_vpc','id':'vpc-2','a':{'cidr_block':'10.1.0.0/16'}},"
		  "{'t':'aws_subnet','id':'subnet-1','a':{'cidr_block':'10.0.1.0/24'}},"
		  "{'t':'aws_subnet','id':'subnet-9','a':{'cidr_block':'10.0.9.0/24'}}]",
		  NULL, NULL, NULL);
	s = dm_drift_summary(w.drift);
	assert_int_equal(s->managed, 4);
	assert_int_equal(s->in_sync, 2);
	assert_int_equal(s->changed, 1);
	assert_int_equal(s->missing, 1);
	assert_int_equal(s->unmanaged, 1);
	assert_int_equal(s->ignored, 0);
	assert_true(s->coverage > 0.79 && s->coverage < 0.81);
	assert_int_equal(s->complete, 1);
	assert_int_equal(dm_drift_count(w.drift), 3);
	assert_ptr_equal(dm_drift_state(w.drift), w.state);
	assert_ptr_equal(dm_drift_live(w.drift), w.live);
	world_free(&w);

	/* empty: coverage 1.0; a failed scope makes the run incomplete */
	world_run(&w, "[]", "[]", "aws_vpc", NULL, NULL);
	s = dm_drift_summary(w.drift);
	assert_true(s->coverage == 1.0);
	assert_int_equal(s->complete, 0);
	assert_int_equal(dm_drift_count(w.drift), 0);
	world_free(&w);
}

static void test_diff__ignore_rules_apply(void **state)
{
	struct world w;
	const dm_summary *s;
	char *got;

	(void)state;
	world_run(&w,
		  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16','tags':{'Name':'a','Env':'x'}}},"
		  "{'t':'aws_vpc','id':'vpc-2','a':{'tags':{'Name':'a'}}},"
		  "{'t':'aws_vpc','id':'vpc-gone','a':{}}]",
		  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.9.0.0/16','tags':{'Name':'b','Env':'y'}}},"
		  "{'t':'aws_vpc','id':'vpc-2','a':{'tags':{'Name':'b'}}},"
		  "{'t':'aws_iam_role','id':'ops','a':{}}]",
		  NULL, NULL,
		  "aws_vpc.vpc-1.tags\naws_vpc.vpc-2.tags.*\naws_vpc.vpc-gone\naws_iam_role.*\n");
	got = render(w.drift);
	assert_string_equal(got, "changed aws_vpc vpc-1 cidr_block:replace");
	free(got);
	s = dm_drift_summary(w.drift);
	assert_int_equal(s->ignored, 2); /* vpc-gone missing, ops unmanaged */
	assert_int_equal(s->missing, 0);
	assert_int_equal(s->unmanaged, 0);
	assert_int_equal(s->changed, 1);
	assert_int_equal(s->in_sync, 1); /* vpc-2: every change ignored */
	assert_int_equal(dm_drift_count(w.drift), 3);
	world_free(&w);
}

static const dm_finding *find(const dm_drift *d, dm_finding_kind k, const char *id)
{
	size_t i;

	for (i = 0; i < dm_drift_count(d); i++) {
		const dm_finding *f = dm_drift_at(d, i);
		if (f->kind == k && strcmp(f->resource_id, id) == 0)
			return f;
	}
	fail_msg("no %s finding for %s", dm_finding_kind_name(k), id);
	return NULL;
}

static void test_diff__fingerprints_are_stable(void **state)
{
	struct world a, b;
	const dm_finding *fa, *fb, *fm;
	char fp[33];
	size_t i;

	(void)state;
	world_run(&a, "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16'}},{'t':'aws_vpc','id':'vpc-2','a':{}}]",
		  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.1.0.0/16'}}]", NULL, NULL, NULL);
	/* the drift persists with other values: same fingerprint */
	world_run(&b, "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.0.0.0/16','tags':{'a':'b'}}}]",
		  "[{'t':'aws_vpc','id':'vpc-1','a':{'cidr_block':'10.7.0.0/16'}}]", NULL, NULL, NULL);
	fa = find(a.drift, DM_FINDING_CHANGED, "vpc-1");
	fb = find(b.drift, DM_FINDING_CHANGED, "vpc-1");
	fm = find(a.drift, DM_FINDING_MISSING, "vpc-2");
	assert_int_equal(strlen(fa->fingerprint), 32);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", fa->fingerprint[i]));
	assert_string_equal(fa->fingerprint, fb->fingerprint);
	assert_string_not_equal(fa->fingerprint, fm->fingerprint);
	/* sha256("changed|aws|aws_vpc|vpc-1"), first 32 hex characters, computed independently */
	snprintf(fp, sizeof(fp), "%s", fa->fingerprint);
	assert_int_equal(tu_sh("test \"$(printf '%%s' 'changed|aws|aws_vpc|vpc-1' | sha256sum | cut -c1-32)\" = %s",
			       fp), 0);
	world_free(&a);
	world_free(&b);
}

static void test_diff__severity_table(void **state)
{
	int lazy;

	(void)state;
	/* jansson attributes (providers) and raw text (files) classify alike */
	for (lazy = 0; lazy < 2; lazy++) {
		struct world w;

		world_run_mode(&w,
			  "[{'t':'aws_security_group','id':'sg-1','a':{'ingress':[],'egress':[]}},"
			  "{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'a'}}},"
			  "{'t':'aws_iam_role','id':'r1','a':{'assume_role_policy':'{`Statement`:[]}'}},"
			  "{'t':'aws_iam_role','id':'r2','a':{'managed_policy_arns':[]}},"
			  "{'t':'aws_iam_role','id':'gone','a':{}},"
			  "{'t':'aws_subnet','id':'subnet-1','a':{'cidr_block':'10.0.0.0/24','tags':{}}}]",
			  "[{'t':'aws_security_group','id':'sg-1','a':{'ingress':[{'protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':['0.0.0.0/0']}],'egress':[]}},"
			  "{'t':'aws_security_group','id':'sg-2','a':{'ingress':[{'protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':['10.0.0.0/8']}],'egress':[{'protocol':'-1','from_port':0,'to_port':0,'cidr_blocks':['0.0.0.0/0']}]}},"
			  "{'t':'aws_security_group','id':'sg-3','a':{'ingress':[{'protocol':'tcp','from_port':443,'to_port':443,'cidr_blocks':['10.0.0.0/8','0.0.0.0/0']}],'egress':[]}},"
			  "{'t':'aws_security_group','id':'sg-4','a':{'ingress':[{'protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':[],'ipv6_cidr_blocks':['::/0']}],'egress':[]}},"
			  "{'t':'aws_security_group','id':'sg-5','a':{'ingress':[{'protocol':'tcp','from_port':22,'to_port':22,'cidr_blocks':['0.0.0.0\\/0']}],'egress':[]}},"
			  "{'t':'aws_vpc','id':'vpc-1','a':{'tags':{'Name':'b'}}},"
			  "{'t':'aws_iam_role','id':'r1','a':{'assume_role_policy':'{`Statement`:[{`Effect`:`Allow`}]}'}},"
			  "{'t':'aws_iam_role','id':'r2','a':{'managed_policy_arns':['arn:aws:iam::aws:policy/AdministratorAccess']}},"
			  "{'t':'aws_iam_policy','id':'arn:aws:iam::" ACCT ":policy/admin','a':{'policy':'{`Statement`:{`Effect`:`Allow`,`Action`:`*`,`Resource`:[`*`]}}'}},"
			  "{'t':'aws_subnet','id':'subnet-1','a':{'cidr_block':'10.0.0.0/24','tags':{'x':'y'}}}]",
			  NULL, NULL, NULL, lazy);
		assert_int_equal(find(w.drift, DM_FINDING_CHANGED, "sg-1")->severity, DM_SEV_HIGH);
		/* open egress or 10.0.0.0/8 (which contains the text 0.0.0.0) is not an open ingress */
		assert_int_equal(find(w.drift, DM_FINDING_UNMANAGED, "sg-2")->severity, DM_SEV_MEDIUM);
		assert_int_equal(find(w.drift, DM_FINDING_UNMANAGED, "sg-3")->severity, DM_SEV_HIGH);
		assert_int_equal(find(w.drift, DM_FINDING_UNMANAGED, "sg-4")->severity, DM_SEV_HIGH);
		assert_int_equal(find(w.drift, DM_FINDING_UNMANAGED, "sg-5")->severity, DM_SEV_HIGH);
		assert_int_equal(find(w.drift, DM_FINDING_CHANGED, "vpc-1")->severity, DM_SEV_LOW);
		assert_int_equal(find(w.drift, DM_FINDING_CHANGED, "subnet-1")->severity, DM_SEV_LOW);
		assert_int_equal(find(w.drift, DM_FINDING_CHANGED, "r1")->severity, DM_SEV_HIGH);
		assert_int_equal(find(w.drift, DM_FINDING_CHANGED, "r2")->severity, DM_SEV_HIGH);
		assert_int_equal(find(w.drift, DM_FINDING_MISSING, "gone")->severity, DM_SEV_MEDIUM);
		assert_int_equal(find(w.drift, DM_FINDING_UNMANAGED, "arn:aws:iam::" ACCT ":policy/admin")->severity,
				 DM_SEV_HIGH);
		world_free(&w);
	}
}

static const dm_finding *find_finding(const dm_drift *d, const char *type, const char *id)
{
	size_t i;

	for (i = 0; i < dm_drift_count(d); i++) {
		const dm_finding *f = dm_drift_at(d, i);

		if (f->type && f->resource_id && strcmp(f->type, type) == 0 && strcmp(f->resource_id, id) == 0)
			return f;
	}
	return NULL;
}

/* A state resource with no arn or zone takes its region from what it references */
static void test_diff__region_comes_through_references(void **state)
{
	struct world w;
	const dm_finding *f;

	(void)state;
	world_run(&w,
		  "[{'t':'aws_route_table_association','id':'rtbassoc-1','a':{'subnet_id':'subnet-w','route_table_id':'rtb-w'}},"
		  "{'t':'aws_network_acl_association','id':'aclassoc-1','a':{'subnet_id':'subnet-gone','network_acl_id':'acl-w'}},"
		  "{'t':'aws_subnet','id':'subnet-gone','a':{'availability_zone':'us-west-2c'}}]",
		  "[{'t':'aws_subnet','id':'subnet-w','reg':'us-west-2','a':{}},{'t':'aws_subnet','id':'subnet-gone2','reg':'us-west-2','a':{}}]",
		  NULL, "us-west-2", NULL);
	f = find_finding(w.drift, "aws_route_table_association", "rtbassoc-1");
	assert_non_null(f);
	assert_int_equal(f->kind, DM_FINDING_MISSING);
	assert_string_equal(f->region, "us-west-2"); /* from the live subnet */
	assert_string_equal(f->account, ACCT);
	f = find_finding(w.drift, "aws_network_acl_association", "aclassoc-1");
	assert_non_null(f);
	assert_string_equal(f->region, "us-west-2"); /* from the subnet as the state holds it */
	world_free(&w);
}

static void test_diff__changes_carry_values_and_order_is_deterministic(void **state)
{
	struct world w;
	const dm_finding *f;
	json_t *cidrs;
	size_t i;

	(void)state;
	world_run(&w, "[" SG_STATE_EMPTY("aws_security_group") ",{'t':'aws_vpc','id':'vpc-b','a':{}},{'t':'aws_vpc','id':'vpc-a','a':{}}]",
		  "[" SG_LIVE_WEB ",{'t':'aws_subnet','id':'subnet-z','a':{}},{'t':'aws_subnet','id':'subnet-a','a':{}}]",
		  NULL, NULL, NULL);
	/* unmanaged < missing < changed; then type, id */
	assert_int_equal(dm_drift_count(w.drift), 5);
	assert_string_equal(dm_drift_at(w.drift, 0)->resource_id, "subnet-a");
	assert_string_equal(dm_drift_at(w.drift, 1)->resource_id, "subnet-z");
	assert_string_equal(dm_drift_at(w.drift, 2)->resource_id, "vpc-a");
	assert_string_equal(dm_drift_at(w.drift, 3)->resource_id, "vpc-b");
	f = dm_drift_at(w.drift, 4);
	assert_int_equal(f->kind, DM_FINDING_CHANGED);
	assert_string_equal(f->address, "aws_security_group.r0");
	assert_string_equal(f->state_uri, "file://test.tfstate");
	assert_string_equal(f->account, ACCT);
	assert_string_equal(f->region, "us-east-1");
	assert_non_null(f->state_res);
	assert_non_null(f->live_res);
	assert_null(dm_drift_at(w.drift, 0)->address);
	assert_int_equal(f->nchanges, 4); /* 3 ingress atoms + 1 egress */
	for (i = 0; i < f->nchanges; i++) {
		assert_int_equal(f->changes[i].op, DM_OP_ADD);
		assert_null(f->changes[i].state);
		assert_non_null(f->changes[i].live);
		if (strcmp(f->changes[i].path, "ingress") == 0 &&
		    json_integer_value(json_object_get(f->changes[i].live, "from_port")) == 22) {
			assert_string_equal(json_string_value(json_object_get(f->changes[i].live, "protocol")), "tcp");
			cidrs = json_object_get(f->changes[i].live, "cidr_blocks");
			assert_int_equal(json_array_size(cidrs), 1);
			assert_string_equal(json_string_value(json_array_get(cidrs, 0)), "10.1.0.0/16");
			assert_string_equal(json_string_value(json_object_get(f->changes[i].live, "description")), "ssh");
		}
	}
	assert_null(dm_drift_at(w.drift, 5));
	world_free(&w);
}

static void test_diff__names_and_times(void **state)
{
	dm_severity s;
	struct world w;
	long long a = 0, b = 0;

	(void)state;
	assert_string_equal(dm_finding_kind_name(DM_FINDING_UNMANAGED), "unmanaged");
	assert_string_equal(dm_finding_kind_name(DM_FINDING_MISSING), "missing");
	assert_string_equal(dm_finding_kind_name(DM_FINDING_CHANGED), "changed");
	assert_string_equal(dm_change_op_name(DM_OP_ADD), "add");
	assert_string_equal(dm_change_op_name(DM_OP_REMOVE), "remove");
	assert_string_equal(dm_change_op_name(DM_OP_REPLACE), "replace");
	assert_string_equal(dm_severity_name(DM_SEV_HIGH), "high");
	assert_int_equal(dm_severity_parse("Medium", &s), 0);
	assert_int_equal(s, DM_SEV_MEDIUM);
	assert_int_equal(dm_severity_parse("critical", &s), 0);
	assert_int_equal(s, DM_SEV_CRITICAL);
	assert_true(dm_severity_parse("severe", &s) < 0);
	world_run(&w, "[]", "[]", NULL, NULL, NULL);
	dm_drift_set_times(w.drift, 100, 200);
	dm_drift_times(w.drift, &a, &b);
	assert_int_equal(a, 100);
	assert_int_equal(b, 200);
	world_free(&w);
	dm_drift_free(NULL);
}

/* 100k state + 100k live: the match must stay linear. A generous bound here;
 * bench/ measures the real number. */
static void test_diff__scales_linearly(void **state)
{
	const dm_type_table *tables[1];
	dm_inventory *st = NULL, *lv = NULL;
	dm_drift *d = NULL;
	dm_diff_options opts;
	dm_ctx *ctx = NULL;
	struct timespec t0, t1;
	size_t i, n = 100000;
	double secs;

	(void)state;
	tables[0] = dm__aws_type_table();
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm_inventory_new(&st), 0);
	assert_int_equal(dm_inventory_new(&lv), 0);
	for (i = 0; i < n; i++) {
		dm_resource r;
		char id[32], cidr[32];
		memset(&r, 0, sizeof(r));
		r.provider = "aws";
		r.type = (i % 2) ? "aws_subnet" : "aws_vpc";
		snprintf(id, sizeof(id), "%s-%08zx", (i % 2) ? "subnet" : "vpc", i);
		snprintf(cidr, sizeof(cidr), "10.%zu.%zu.0/24", (i >> 8) & 255, i & 255);
		r.id = id;
		r.attrs = json_pack("{s:s, s:s, s:{s:s}}", "cidr_block", cidr, "vpc_id", "vpc-1",
				    "tags", "Name", id);
		r.address = "aws_vpc.x";
		assert_int_equal(dm_inventory_add(st, &r, NULL), 0);
		if (i % 50 == 7)
			continue; /* 2 % missing */
		r.account = ACCT;
		r.region = "us-east-1";
		r.address = NULL;
		r.attrs = json_pack("{s:s, s:s, s:{s:s}}", "cidr_block", i % 50 == 9 ? "10.255.0.0/24" : cidr,
				    "vpc_id", "vpc-1", "tags", "Name", id);
		assert_int_equal(dm_inventory_add(lv, &r, NULL), 0);
	}
	add_scopes(lv, "us-east-1", NULL);
	memset(&opts, 0, sizeof(opts));
	opts.tables = tables;
	opts.ntables = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(dm_diff(&d, ctx, st, lv, &opts), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("diff of %zu state / %zu live resources: %.3f s\n", n, dm_inventory_count(lv), secs);
	assert_int_equal(dm_drift_summary(d)->missing, n / 50);
	assert_int_equal(dm_drift_summary(d)->changed, n / 50);
	/* speed is measured by bench/bench_scan.py, not asserted here (CI machines are loaded) */
	dm_drift_free(d);
	dm_inventory_free(st);
	dm_inventory_free(lv);
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff__rules_table),
		cmocka_unit_test(test_diff__summary_counts_and_coverage),
		cmocka_unit_test(test_diff__ignore_rules_apply),
		cmocka_unit_test(test_diff__fingerprints_are_stable),
		cmocka_unit_test(test_diff__severity_table),
		cmocka_unit_test(test_diff__region_comes_through_references),
		cmocka_unit_test(test_diff__changes_carry_values_and_order_is_deterministic),
		cmocka_unit_test(test_diff__names_and_times),
		cmocka_unit_test(test_diff__scales_linearly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
