/*
 * Unit tests: IAM posture rules over users, groups and instance profiles as the AWS provider
 * collects them (GetAccountAuthorizationDetails users/groups, ListInstanceProfiles), and the
 * not_evaluated answers when the IAM scope failed or never listed users.
 */
#include "test_posture_common.h"

#define ADMIN_ARN "arn:aws:iam::aws:policy/AdministratorAccess"
#define RO_ARN "arn:aws:iam::aws:policy/ReadOnlyAccess"
#define ALLOW(actions, resources) "{'Effect':'Allow','Action':" actions ",'Resource':" resources "}"
#define DOC(stmts) "{'Version':'2012-10-17','Statement':[" stmts "]}"
#define USER(name, arns, inl, groups)                                                                  \
	RG("aws_iam_user", name, "{'name':'" name "','path':'/','arn':'arn:aws:iam::" ACCT ":user/" name "',"  \
	   "'managed_policy_arns':[" arns "],'inline_policy':[" inl "],'groups':[" groups "]}")
#define GROUP(name, arns, inl)                                                                         \
	RG("aws_iam_group", name, "{'name':'" name "','path':'/','arn':'arn:aws:iam::" ACCT ":group/" name "'," \
	   "'managed_policy_arns':[" arns "],'inline_policy':[" inl "]}")
#define PROFILE(name, role) RG("aws_iam_instance_profile", name, "{'name':'" name "','path':'/','role':'" role "'}")
#define IAM_TYPES "'aws_iam_role','aws_iam_policy','aws_iam_instance_profile','aws_iam_user','aws_iam_group'"
#define SCOPEG(api, types, complete)                                                                   \
	"{'provider':'aws','account':'" ACCT "','region':'global','api':'" api "','types':[" types "],"       \
	"'complete':" complete ",'error':null}"

#define ESTATE                                                                                         \
	USER("u-admin", "", "{'name':'god','policy':" DOC(ALLOW("'*'", "'*'")) "}", "") ","           \
	USER("u-direct", "'" RO_ARN "'", "", "") ","                                                   \
	USER("u-member", "", "", "'g-admins'") ","                                                     \
	GROUP("g-admins", "'" ADMIN_ARN "'", "") ","                                                   \
	GROUP("g-inline", "", "{'name':'read','policy':" DOC(ALLOW("'s3:GetObject'", "'arn:aws:s3:::b/*'")) "}") "," \
	PROFILE("orphan", "") "," PROFILE("with-role", "r")

static dm_posture *run(dm_ctx *ctx, dm_inventory **inv, const char *scopes)
{
	dm_posture *p = NULL;

	*inv = pt_inv(ctx, ESTATE, scopes);
	assert_int_equal(dm_posture_run(&p, ctx, *inv, NULL), 0);
	return p;
}

static void test_posture_iam_users__users_groups_and_profiles_are_evaluated(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	p = run(ctx, &inv, SCOPEG("iam:GetAccountAuthorizationDetails", IAM_TYPES, "true"));
	/* IAM-01 / IAM-12 on a user's inline admin policy */
	assert_non_null(pt_find(p, "IAM-01", "u-admin", "inline:god"));
	assert_int_equal(pt_find(p, "IAM-01", "u-admin", "inline:god")->severity, DM_SEV_HIGH);
	assert_non_null(pt_find(p, "IAM-12", "u-admin", "inline"));
	assert_null(pt_find(p, "IAM-12", "u-admin", "direct-managed"));
	/* IAM-12: a managed policy attached to a user directly */
	assert_non_null(pt_find(p, "IAM-12", "u-direct", "direct-managed"));
	assert_null(pt_find(p, "IAM-01", "u-direct", NULL));
	assert_null(pt_find(p, "IAM-02", "u-direct", NULL));
	/* a group with AdministratorAccess; its member gets permissions the CIS way: quiet */
	assert_non_null(pt_find(p, "IAM-02", "g-admins", ADMIN_ARN));
	assert_null(pt_find(p, "IAM-12", "g-admins", NULL));
	assert_null(pt_find(p, "IAM-12", "u-member", NULL));
	assert_null(pt_find(p, "IAM-02", "u-member", NULL));
	assert_null(pt_find(p, "IAM-06", "u-member", NULL));
	/* a group's inline policy */
	assert_non_null(pt_find(p, "IAM-12", "g-inline", "inline"));
	/* IAM-13: the profile without a role (ListInstanceProfiles), not the one with a role */
	assert_non_null(pt_find(p, "IAM-13", "orphan", "profile-without-role"));
	assert_null(pt_find(p, "IAM-13", "with-role", NULL));
	/* users were collected: IAM-12 is evaluated */
	assert_null(pt_ne(p, "IAM-12", NULL));
	assert_null(pt_ne(p, "IAM-01", NULL));
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_posture_iam_users__failed_or_userless_scope_is_not_evaluated(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	/* the IAM scope failed: users are unknown, never "no finding" */
	p = run(ctx, &inv, SCOPEG("iam:GetAccountAuthorizationDetails", IAM_TYPES, "false"));
	assert_non_null(pt_ne(p, "IAM-12", "aws_iam_user enumeration incomplete"));
	dm_posture_free(p);
	dm_inventory_free(inv);
	/* an inventory whose IAM scope never listed users (an older provider) */
	p = run(ctx, &inv,
		SCOPEG("iam:GetAccountAuthorizationDetails", "'aws_iam_role','aws_iam_policy','aws_iam_instance_profile'",
		       "true"));
	assert_non_null(pt_ne(p, "IAM-12", "aws_iam_user not collected"));
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

#define DENY(actions, resources) "{'Effect':'Deny','Action':" actions ",'Resource':" resources "}"
#define ESC_ESTATE                                                                                     \
	GROUP("g-esc", "", "{'name':'launch','policy':" DOC(ALLOW("['iam:PassRole','ec2:RunInstances']", "'*'")) "}") "," \
	USER("u-esc", "", "", "'g-esc'") ","                                                           \
	USER("u-denied", "", "{'name':'nopass','policy':" DOC(DENY("'iam:PassRole'", "'*'")) "}", "'g-esc'") "," \
	USER("u-half", "", "{'name':'pass','policy':" DOC(ALLOW("'iam:PassRole'", "'*'")) "}", "'g-half'") "," \
	GROUP("g-half", "", "{'name':'run','policy':" DOC(ALLOW("'ec2:RunInstances'", "'*'")) "}") "," \
	USER("u-alone", "", "{'name':'pass','policy':" DOC(ALLOW("'iam:PassRole'", "'*'")) "}", "")

/* IAM-06 over a user's own policies together with its groups' (IAM's union, minus Deny) */
static void test_posture_iam_users__escalation_counts_group_policies(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p = NULL;
	const dm_posture_finding *f;
	const json_t *grants;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, ESC_ESTATE, SCOPEG("iam:GetAccountAuthorizationDetails", IAM_TYPES, "true"));
	assert_int_equal(dm_posture_run(&p, ctx, inv, NULL), 0);
	/* the group itself, and its member through it */
	assert_non_null(pt_find(p, "IAM-06", "g-esc", "PassRole+RunInstances"));
	f = pt_find(p, "IAM-06", "u-esc", "PassRole+RunInstances");
	assert_non_null(f);
	grants = json_object_get(f->evidence, "grants");
	assert_int_equal(json_array_size(grants), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(grants, 0), "policy")),
			    "group:g-esc/inline:launch");
	/* the member's own Deny removes iam:PassRole from the union */
	assert_null(pt_find(p, "IAM-06", "u-denied", NULL));
	/* half from the user, half from the group: the union escalates */
	f = pt_find(p, "IAM-06", "u-half", "PassRole+RunInstances");
	assert_non_null(f);
	grants = json_object_get(f->evidence, "grants");
	assert_string_equal(json_string_value(json_object_get(json_array_get(grants, 0), "policy")),
			    "inline:pass");
	assert_string_equal(json_string_value(json_object_get(json_array_get(grants, 1), "policy")),
			    "group:g-half/inline:run");
	assert_null(pt_find(p, "IAM-06", "g-half", NULL));
	/* no group: PassRole alone is not a combination */
	assert_null(pt_find(p, "IAM-06", "u-alone", NULL));
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posture_iam_users__users_groups_and_profiles_are_evaluated),
		cmocka_unit_test(test_posture_iam_users__failed_or_userless_scope_is_not_evaluated),
		cmocka_unit_test(test_posture_iam_users__escalation_counts_group_policies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
