/*
 * Unit tests: posture config (YAML), mute files (YAML and JSON), the
 * framework filter, and every renderer (json driftmap.posture/v1, text,
 * ocsf, csv, sarif, junit, html).
 */
#include "test_posture_common.h"

#define NOW 1795392000LL /* 2026-11-23 */

#define ESTATE                                                                                         \
	R("aws_security_group", "sg-ssh", "{'name':'ssh','vpc_id':'vpc-1','tags':{'Env':'dev'},'ingress':[{'protocol':'tcp','from_port':22,"  \
	  "'to_port':22,'cidr_blocks':['0.0.0.0/0']}],'egress':[]}") ","                                    \
	R("aws_security_group", "sg-app", "{'name':'app','vpc_id':'vpc-1','tags':{'Env':'prod'},'ingress':[{'protocol':'tcp','from_port':8443," \
	  "'to_port':8443,'cidr_blocks':['0.0.0.0/0']}],'egress':[]}") ","                                  \
	RG("aws_iam_policy", "arn:aws:iam::" ACCT ":policy/pr", "{'policy':{'Statement':{'Effect':'Allow','Action':'iam:PassRole','Resource':'*'}},'attachment_count':1}")

static char *write_tmp(const char *dir, const char *name, const char *text)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	assert_non_null(path);
	snprintf(path, n, "%s/%s", dir, name);
	assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
	return path;
}

static dm_posture *run_with(dm_ctx *ctx, dm_inventory *inv, dm_posture_config *cfg)
{
	dm_posture *p = NULL;

	dm_posture_config_set_now(cfg, NOW);
	if (dm_posture_run(&p, ctx, inv, cfg) != 0)
		fail_msg("run: %s", dm_ctx_last_error(ctx));
	return p;
}

static void test_posture_report__yaml_config_changes_the_knobs(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture_config *cfg = NULL;
	dm_posture *p;
	char *dir = tu_mkdtemp(), *path;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, ESTATE, NULL);
	path = write_tmp(dir, "posture.yaml",
			 "# quarterly review knobs\n"
			 "allowed_internet_ports: [80, 443, 8443]\n"
			 "admin_ports: [22, 3389, \"5985-5986\"]\n"
			 "trusted_account_ids: ['222222222222']\n"
			 "stale_role_days: 60\n"
			 "eks_required_log_types: [audit, authenticator]\n"
			 "tier_tag: zone\n"
			 "disabled_rules: [IAM-05]\n");
	assert_int_equal(dm_posture_config_load(&cfg, ctx, path), 0);
	p = run_with(ctx, inv, cfg);
	assert_null(pt_find(p, "SEG-05", "sg-app", NULL));   /* 8443 is now allowed */
	assert_non_null(pt_find(p, "SEG-02", "sg-ssh", NULL));
	assert_null(pt_find(p, "IAM-05", NULL, NULL));       /* disabled */
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	cfg = NULL;

	/* defaults: both fire */
	assert_int_equal(dm_posture_config_new(&cfg), 0);
	p = run_with(ctx, inv, cfg);
	assert_non_null(pt_find(p, "SEG-05", "sg-app", NULL));
	assert_non_null(pt_find(p, "IAM-05", NULL, NULL));
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	cfg = NULL;
	free(path);

	/* bad input: one-line errors naming the file and key */
	path = write_tmp(dir, "bad.yaml", "allowed_ports: [80]\n");
	assert_int_equal(dm_posture_config_load(&cfg, ctx, path), DM_EPARSE);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "unknown key 'allowed_ports'"));
	assert_non_null(strstr(dm_ctx_last_error(ctx), "bad.yaml"));
	free(path);
	path = write_tmp(dir, "bad2.yaml", "admin_ports: [ssh]\n");
	assert_int_equal(dm_posture_config_load(&cfg, ctx, path), DM_EPARSE);
	free(path);
	path = write_tmp(dir, "bad3.yaml", "disabled_rules: [SEG-99]\n");
	assert_int_equal(dm_posture_config_load(&cfg, ctx, path), DM_EPARSE);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "SEG-99"));
	free(path);
	path = write_tmp(dir, "bad4.yaml", "admin_ports: [22\n");
	assert_int_equal(dm_posture_config_load(&cfg, ctx, path), DM_EPARSE);
	free(path);
	assert_null(cfg);
	dm_inventory_free(inv);
	tu_rmrf(dir);
	free(dir);
	dm_ctx_free(ctx);
}

static void test_posture_report__mutes_match_or_across_entries_and_expire(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture_config *cfg = NULL;
	dm_posture *p;
	dm_posture_summary s;
	const dm_posture_finding *f;
	char *dir = tu_mkdtemp(), *path;
	size_t i, expired = 0;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, ESTATE, NULL);
	path = write_tmp(dir, "mutes.yaml",
			 "mutes:\n"
			 "  - rule: SEG-0*\n"
			 "    resource: sg-ssh\n"
			 "    reason: bastion, reviewed 2026-Q3\n"
			 "    expires: 2027-03-31\n"
			 "  - tags: {Env: prod}\n"
			 "    reason: prod app SG, ticket SEC-12\n"
			 "  - rule: IAM-05\n"
			 "    resource: 'arn:aws:iam::*:policy/*'\n"
			 "    reason: old exception\n"
			 "    expires: 2026-01-31\n");
	assert_int_equal(dm_posture_config_new(&cfg), 0);
	assert_int_equal(dm_posture_config_load_mutes(cfg, ctx, path), 0);
	p = run_with(ctx, inv, cfg);
	f = pt_find(p, "SEG-02", "sg-ssh", NULL);
	assert_non_null(f);
	assert_true(f->muted);
	assert_string_equal(f->mute_reason, "bastion, reviewed 2026-Q3");
	f = pt_find(p, "SEG-05", "sg-app", NULL);
	assert_non_null(f);
	assert_true(f->muted); /* second entry, by tag */
	f = pt_find(p, "IAM-05", NULL, NULL);
	assert_non_null(f);
	assert_false(f->muted); /* expired mute no longer applies */
	for (i = 0; i < dm_posture_mute_count(p); i++)
		expired += dm_posture_mute_at(p, i)->expired;
	assert_int_equal(expired, 1);
	dm_posture_summary_get(p, &s);
	assert_int_equal(s.expired_mutes, 1);
	assert_int_equal(s.muted, 2);
	/* muted findings never count towards --fail-on */
	assert_true(dm_posture_fails(p, DM_SEV_HIGH)); /* IAM-05 (high) is unmuted */
	assert_false(dm_posture_fails(p, DM_SEV_CRITICAL));
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	free(path);

	/* JSON mute file, ARN match */
	path = write_tmp(dir, "mutes.json",
			 "[{\"rule\":\"IAM-05\",\"resource\":\"arn:aws:iam::111111111111:policy/pr\",\"reason\":\"r\"}]");
	assert_int_equal(dm_posture_config_new(&cfg), 0);
	assert_int_equal(dm_posture_config_load_mutes(cfg, ctx, path), 0);
	p = run_with(ctx, inv, cfg);
	assert_true(pt_find(p, "IAM-05", NULL, NULL)->muted);
	assert_false(pt_find(p, "SEG-02", "sg-ssh", NULL)->muted);
	dm_posture_summary_get(p, &s);
	assert_int_equal(s.muted, 1);
	dm_posture_free(p);
	free(path);

	/* entries without a reason or matching everything are rejected */
	path = write_tmp(dir, "bad.yaml", "- rule: SEG-01\n");
	assert_int_equal(dm_posture_config_load_mutes(cfg, ctx, path), DM_EPARSE);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "reason"));
	free(path);
	path = write_tmp(dir, "bad2.yaml", "- reason: everything\n");
	assert_int_equal(dm_posture_config_load_mutes(cfg, ctx, path), DM_EPARSE);
	free(path);
	path = write_tmp(dir, "bad3.yaml", "- rule: SEG-01\n  reason: x\n  expires: soon\n");
	assert_int_equal(dm_posture_config_load_mutes(cfg, ctx, path), DM_EPARSE);
	free(path);
	dm_posture_config_free(cfg);
	dm_inventory_free(inv);
	tu_rmrf(dir);
	free(dir);
	dm_ctx_free(ctx);
}

static void test_posture_report__framework_filter_adds_requirement_summary(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture_config *cfg = NULL;
	dm_posture *p;
	json_t *doc, *reqs, *r;
	size_t i;
	int saw53 = 0;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, ESTATE, NULL);
	assert_int_equal(dm_posture_config_new(&cfg), 0);
	assert_int_equal(dm_posture_config_set_framework(cfg, ctx, "cis-aws-9.9"), DM_EINVAL);
	assert_int_equal(dm_posture_config_set_framework(cfg, ctx, "cis-aws-4.0"), 0);
	p = run_with(ctx, inv, cfg);
	assert_non_null(pt_find(p, "SEG-02", "sg-ssh", NULL));
	assert_null(pt_find(p, "IAM-05", NULL, NULL)); /* not mapped to CIS */
	assert_null(pt_find(p, "SEG-05", NULL, NULL)); /* FSBP only */
	doc = dm_posture_json(p);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "framework"), "id")), "cis-aws-4.0");
	reqs = json_object_get(json_object_get(doc, "framework"), "requirements");
	assert_true(json_array_size(reqs) > 5);
	json_array_foreach(reqs, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "id")), "5.3") == 0) {
			saw53 = 1;
			assert_string_equal(json_string_value(json_object_get(r, "status")), "fail");
			assert_int_equal(json_integer_value(json_object_get(r, "findings")), 1);
		}
		if (strcmp(json_string_value(json_object_get(r, "id")), "5.5") == 0)
			assert_string_equal(json_string_value(json_object_get(r, "status")), "pass");
	}
	assert_true(saw53);
	/* natural order: 1.4 before 1.10 */
	{
		int i4 = -1, i10 = -1;
		json_array_foreach(reqs, i, r) {
			if (strcmp(json_string_value(json_object_get(r, "id")), "1.4") == 0)
				i4 = (int)i;
			if (strcmp(json_string_value(json_object_get(r, "id")), "1.10") == 0)
				i10 = (int)i;
		}
		assert_true(i4 >= 0 && i10 > i4);
	}
	json_decref(doc);
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static char *render(dm_ctx *ctx, const dm_posture *p, const char *fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	dm_posture_render_options o;

	memset(&o, 0, sizeof(o));
	o.diagram_svg = "<?xml version=\"1.0\"?><svg id=\"seg\"></svg>";
	assert_non_null(f);
	if (dm_posture_write(ctx, p, fmt, &o, f) != 0)
		fail_msg("render %s: %s", fmt, dm_ctx_last_error(ctx));
	fclose(f);
	return buf;
}

static void test_posture_report__every_renderer_writes_the_findings(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p = NULL;
	const dm_posture_finding *f;
	char *out;
	json_t *doc, *summary;
	json_error_t err;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, ESTATE, "{'provider':'aws','account':'" ACCT "','region':'us-east-1','api':'ec2:DescribeSecurityGroups',"
				  "'types':['aws_security_group'],'complete':true,'api_calls':3}");
	assert_int_equal(dm_posture_run(&p, ctx, inv, NULL), 0);
	dm_posture_set_times(p, NOW, NOW + 2);
	f = pt_find(p, "SEG-02", "sg-ssh", NULL);
	assert_non_null(f);

	out = render(ctx, p, "json");
	doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "schema")), "driftmap.posture/v1");
	assert_string_equal(json_string_value(json_object_get(doc, "started_at")), "2026-11-23T00:00:00Z");
	summary = json_object_get(doc, "summary");
	assert_int_equal(json_integer_value(json_object_get(summary, "findings")), (json_int_t)dm_posture_count(p));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary, "by_severity"), "high")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary, "by_area"), "iam")), 1);
	assert_true(json_is_array(json_object_get(doc, "not_evaluated")));
	assert_true(json_is_object(json_object_get(doc, "segmentation")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(json_object_get(doc, "sources"), "live"), 0),
							    "api_calls")), 3);
	{
		json_t *f0 = json_array_get(json_object_get(doc, "findings"), 0);
		assert_non_null(json_object_get(f0, "fingerprint"));
		assert_non_null(json_object_get(f0, "evidence"));
		assert_true(json_is_array(json_object_get(f0, "compliance")));
		assert_true(json_is_false(json_object_get(f0, "muted")));
	}
	json_decref(doc);
	free(out);

	out = render(ctx, p, "text");
	assert_non_null(strstr(out, "SEG-02"));
	assert_non_null(strstr(out, f->fingerprint));
	free(out);

	out = render(ctx, p, "ocsf");
	doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	assert_int_equal(json_array_size(doc), dm_posture_count(p));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(doc, 0), "class_uid")), 2004);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(doc, 0), "finding_info"), "uid")),
			    dm_posture_at(p, 0)->fingerprint);
	json_decref(doc);
	free(out);

	out = render(ctx, p, "csv");
	assert_int_equal(strncmp(out, "FINDING_UID,CHECK_ID,STATUS", 27), 0);
	assert_non_null(strstr(out, f->fingerprint));
	free(out);

	out = render(ctx, p, "sarif");
	doc = json_loads(out, 0, &err);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
	assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results")),
			 dm_posture_count(p));
	json_decref(doc);
	free(out);

	out = render(ctx, p, "junit");
	assert_non_null(strstr(out, "<testsuite name=\"SEG-02\" tests=\"1\" failures=\"1\""));
	assert_non_null(strstr(out, "<testsuite name=\"EKS-01\""));
	free(out);

	out = render(ctx, p, "html");
	assert_non_null(strstr(out, "<!DOCTYPE html>"));
	assert_non_null(strstr(out, "SEG-02"));
	assert_non_null(strstr(out, "<svg id=\"seg\">"));
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "http://"));
	free(out);

	{
		char *buf = NULL;
		size_t len = 0;
		FILE *fh = open_memstream(&buf, &len);
		assert_int_equal(dm_posture_write(ctx, p, "pdf", NULL, fh), DM_EINVAL);
		fclose(fh);
		free(buf);
	}
	assert_true(dm_posture_format_known("ocsf"));
	assert_false(dm_posture_format_known("markdown"));
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_posture_report__docs_rule_table_is_generated(void **state)
{
	char *md = dm_posture_rules_markdown(), *doc;
	char path[1024];
	(void)state;

	assert_non_null(md);
	snprintf(path, sizeof(path), "%s/docs/posture.md", DM_SOURCE_DIR);
	doc = tu_read_file(path, NULL);
	assert_non_null(doc);
	if (getenv("DM_UPDATE_GOLDEN") && strcmp(getenv("DM_UPDATE_GOLDEN"), "1") == 0) {
		/* regenerate the table between the markers */
		const char *b = strstr(doc, "<!-- rules:begin -->\n"), *e = strstr(doc, "<!-- rules:end -->");
		char *out;
		size_t n;
		assert_non_null(b);
		assert_non_null(e);
		b += strlen("<!-- rules:begin -->\n");
		n = (size_t)(b - doc) + strlen(md) + strlen(e) + 1;
		out = malloc(n);
		assert_non_null(out);
		memcpy(out, doc, (size_t)(b - doc));
		memcpy(out + (b - doc), md, strlen(md));
		memcpy(out + (b - doc) + strlen(md), e, strlen(e) + 1);
		assert_int_equal(tu_write_file(path, out, strlen(out)), 0);
		free(out);
	} else {
		const char *b = strstr(doc, "<!-- rules:begin -->\n"), *e = strstr(doc, "<!-- rules:end -->");
		assert_non_null(b);
		assert_non_null(e);
		b += strlen("<!-- rules:begin -->\n");
		if ((size_t)(e - b) != strlen(md) || strncmp(b, md, strlen(md)) != 0)
			fail_msg("docs/posture.md rule table differs from the rule table; regenerate with "
				 "DM_UPDATE_GOLDEN=1 ctest -R test_posture_report");
	}
	free(doc);
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posture_report__yaml_config_changes_the_knobs),
		cmocka_unit_test(test_posture_report__mutes_match_or_across_entries_and_expire),
		cmocka_unit_test(test_posture_report__framework_filter_adds_requirement_summary),
		cmocka_unit_test(test_posture_report__every_renderer_writes_the_findings),
		cmocka_unit_test(test_posture_report__docs_rule_table_is_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
