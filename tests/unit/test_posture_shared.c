/*
 * Unit tests: what the posture engine shares within a run must not leak
 * between findings — policy texts parsed once per distinct text (identical
 * trust policies on several roles, unparsable texts), evidence values shared
 * across findings (ids, accounts built in stack buffers), SG rule ports kept
 * as written (strings, values beyond int).
 */
#include "test_posture_common.h"

#define TRUST_ACCT(acct)                                                                               \
	"'{\\'Version\\':\\'2012-10-17\\',\\'Statement\\':{\\'Effect\\':\\'Allow\\',\\'Principal\\':"        \
	"{\\'AWS\\':\\'arn:aws:iam::" acct ":root\\'},\\'Action\\':\\'sts:AssumeRole\\'}}'"
#define ROLE_T(name, trust)                                                                            \
	RG("aws_iam_role", name, "{'name':'" name "','path':'/','arn':'arn:aws:iam::" ACCT ":role/" name "',"      \
	   "'assume_role_policy':" trust ",'managed_policy_arns':[],'inline_policy':[]}")

static void check_iam08(const dm_posture *p, const char *role, const char *acct)
{
	char sub[64];
	const dm_posture_finding *f;
	const json_t *ev;

	snprintf(sub, sizeof(sub), "no-external-id:%s", acct);
	f = pt_find(p, "IAM-08", role, sub);
	if (!f) {
		pt_dump(p);
		fail_msg("no IAM-08 [%s] on %s", sub, role);
	}
	ev = f->evidence;
	assert_string_equal(json_string_value(json_object_get(ev, "role")), role);
	assert_string_equal(json_string_value(json_object_get(ev, "account")), acct);
	assert_true(json_is_object(json_object_get(ev, "statement")));
}

static void test_posture_shared__identical_and_unparsable_policy_texts(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p = NULL;
	const dm_posture_finding *a, *b;
	int run;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx,
		     ROLE_T("r1", TRUST_ACCT("222222222222")) "," ROLE_T("r2", TRUST_ACCT("222222222222")) ","
		     ROLE_T("r3", TRUST_ACCT("222222222222")) "," ROLE_T("r4", TRUST_ACCT("333333333333")) ","
		     ROLE_T("bad1", "'not a policy {'") "," ROLE_T("bad2", "'not a policy {'"),
		     NULL);
	for (run = 0; run < 2; run++) { /* the cache lives for one run: a second run sees the same */
		assert_int_equal(dm_posture_run(&p, ctx, inv, NULL), 0);
		check_iam08(p, "r1", "222222222222");
		check_iam08(p, "r2", "222222222222");
		check_iam08(p, "r3", "222222222222");
		check_iam08(p, "r4", "333333333333");
		assert_int_equal(pt_count(p, "IAM-08"), 4);
		assert_null(pt_find(p, "IAM-08", "bad1", NULL));
		assert_null(pt_find(p, "IAM-08", "bad2", NULL));
		/* the same text gives equal statements, another text a different one */
		a = pt_find(p, "IAM-08", "r1", NULL);
		b = pt_find(p, "IAM-08", "r3", NULL);
		assert_true(json_equal(json_object_get(a->evidence, "statement"), json_object_get(b->evidence, "statement")));
		b = pt_find(p, "IAM-08", "r4", NULL);
		assert_false(json_equal(json_object_get(a->evidence, "statement"), json_object_get(b->evidence, "statement")));
		assert_string_not_equal(a->fingerprint, pt_find(p, "IAM-08", "r2", NULL)->fingerprint);
		dm_posture_free(p);
		p = NULL;
	}
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

#define NET1                                                                                           \
	R("aws_vpc", "vpc-1", "{'cidr_block':'10.0.0.0/16','main_route_table_id':'rtb-main'}") ","         \
	R("aws_subnet", "subnet-1", "{'vpc_id':'vpc-1','cidr_block':'10.0.1.0/24'}") ","                    \
	R("aws_route_table", "rtb-main", "{'vpc_id':'vpc-1','route':[]}")
#define RULE(proto, from, to, cidr)                                                                    \
	"{'protocol':'" proto "','from_port':" from ",'to_port':" to ",'cidr_blocks':['" cidr "'],"          \
	"'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':false}"
#define SG1(id, rules) R("aws_security_group", id, "{'name':'" id "','vpc_id':'vpc-1','ingress':[" rules "],'egress':[]}")

static void test_posture_shared__sg_evidence_per_group_and_ports_as_written(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p = NULL;
	const dm_posture_finding *f, *g;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx,
		     NET1 "," SG1("sg-a", RULE("tcp", "22", "22", "0.0.0.0/0")) ","
		     SG1("sg-b", RULE("tcp", "'22'", "'22'", "0.0.0.0/0")) ","
		     SG1("sg-c", RULE("-1", "4294967296", "4294967297", "0.0.0.0/0")),
		     NULL);
	assert_int_equal(dm_posture_run(&p, ctx, inv, NULL), 0);
	f = pt_find(p, "SEG-02", "sg-a", NULL);
	g = pt_find(p, "SEG-02", "sg-b", NULL); /* ports written as strings count as numbers */
	if (!f || !g) {
		pt_dump(p);
		fail_msg("SEG-02 missing on sg-a or sg-b");
	}
	assert_string_equal(json_string_value(json_object_get(f->evidence, "security_group")), "sg-a");
	assert_string_equal(json_string_value(json_object_get(g->evidence, "security_group")), "sg-b");
	assert_int_equal(json_integer_value(json_object_get(f->evidence, "from_port")), 22);
	assert_int_equal(json_integer_value(json_object_get(g->evidence, "from_port")), 22);
	assert_int_equal(json_integer_value(json_object_get(f->evidence, "port")), 22);
	assert_string_equal(json_string_value(json_object_get(f->evidence, "source")), "0.0.0.0/0");
	assert_false(json_is_true(json_object_get(f->evidence, "exposure_path_complete")));
	/* key order of the evidence: the rule's, then the finding's */
	{
		const char *key, *want[] = {"security_group", "direction", "protocol", "from_port", "to_port",
					    "source_kind", "source", "port", "exposure_path_complete"};
		json_t *v;
		size_t k = 0;
		json_object_foreach(f->evidence, key, v) {
			assert_true(k < sizeof(want) / sizeof(want[0]));
			assert_string_equal(key, want[k]);
			k++;
		}
		assert_int_equal(k, sizeof(want) / sizeof(want[0]));
	}
	/* all traffic: from/to ports as written, even beyond an int */
	f = pt_find(p, "SEG-01", "sg-c", NULL);
	if (!f) {
		pt_dump(p);
		fail_msg("SEG-01 missing on sg-c");
	}
	assert_true(json_integer_value(json_object_get(f->evidence, "from_port")) == 4294967296LL);
	assert_true(json_integer_value(json_object_get(f->evidence, "to_port")) == 4294967297LL);
	assert_string_equal(json_string_value(json_object_get(f->evidence, "security_group")), "sg-c");
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posture_shared__identical_and_unparsable_policy_texts),
		cmocka_unit_test(test_posture_shared__sg_evidence_per_group_and_ports_as_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
