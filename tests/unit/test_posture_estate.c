/*
 * Unit tests: the demo estate fixtures/posture/estate.json (a saved
 * driftmap.inventory/v1 with the catalogue's traps), its expected findings,
 * and golden JSON/text reports (DM_UPDATE_GOLDEN=1 rewrites them).
 */
#include "test_posture_common.h"

#define NOW 1795392000LL /* 2026-11-23T00:00:00Z */

static dm_posture *run_estate(dm_ctx *ctx, dm_inventory **inv, dm_posture_config **cfg)
{
	dm_posture *p = NULL;

	if (dm_inventory_load_json(inv, ctx, tu_fixture("posture/estate.json")) != 0)
		fail_msg("load: %s", dm_ctx_last_error(ctx));
	assert_int_equal(dm_posture_config_new(cfg), 0);
	dm_posture_config_set_now(*cfg, NOW);
	if (dm_posture_run(&p, ctx, *inv, *cfg) != 0)
		fail_msg("run: %s", dm_ctx_last_error(ctx));
	dm_posture_set_times(p, NOW, NOW + 1);
	return p;
}

static void test_posture_estate__expected_findings_and_traps(void **state)
{
	static const struct {
		const char *rule, *resource, *sub;
		int sev; /* -1: must not fire */
	} want[] = {
		{"SEG-02", "sg-0web", "::/0", DM_SEV_CRITICAL},     /* ::/0-only ssh, complete IPv6 path */
		{"SEG-11", "eni-0web1", "admin", DM_SEV_CRITICAL},
		{"SEG-05", "sg-0app", "pl-0partners", DM_SEV_MEDIUM}, /* prefix list holds 0.0.0.0/0 */
		{"SEG-05", "sg-0alb", NULL, -1},                   /* ALB 80/443 */
		{"SEG-11", "eni-0alb1", NULL, -1},
		{"SEG-08", "acl-0web", "ipv4:22", -1},             /* deny 22 before allow-all */
		{"SEG-08", "acl-0web", "ipv6:22", DM_SEV_MEDIUM},  /* ... but only for IPv4 */
		{"SEG-09", "acl-0default", "ipv4", DM_SEV_INFO},
		{"SEG-09", "acl-0web", "ipv4", DM_SEV_LOW},
		{"SEG-16", "acl-0orphan", NULL, DM_SEV_LOW},
		{"SEG-16", "sg-0unused", NULL, DM_SEV_LOW},
		{"SEG-07", "sg-0default", NULL, DM_SEV_HIGH},
		{"SEG-10", "subnet-0web-a", NULL, DM_SEV_MEDIUM},
		{"SEG-10", "lt-0web", NULL, DM_SEV_MEDIUM},
		{"SEG-12", "vpc-0prod", "reject-only", DM_SEV_INFO},
		{"SEG-15", "sg-0db", NULL, DM_SEV_MEDIUM},         /* ssh from the whole VPC */
		{"IAM-02", "web", NULL, DM_SEV_HIGH},
		{"IAM-14", "i-0web1", NULL, DM_SEV_CRITICAL},
		{"IAM-08", "vendor-audit", NULL, -1},              /* ExternalId */
		{"IAM-08", "partner-deploy", "444455556666", DM_SEV_HIGH},
		{"IAM-09", "gha-any", NULL, DM_SEV_CRITICAL},
		{"IAM-09", "gha-deploy", NULL, -1},
		{"IAM-11", "old-batch", NULL, DM_SEV_LOW},
		{"IAM-06", "ci-runner", "PassRole+RunInstances", DM_SEV_HIGH},
		{"IAM-06", "alice", NULL, -1},                     /* ${aws:username} */
		{"IAM-13", "arn:aws:iam::123456789012:policy/break-glass", NULL, DM_SEV_MEDIUM},
		{"IAM-13", "i-0app1", "instance-without-profile", DM_SEV_LOW},
		{"IAM-15", "123456789012", "alice:no-mfa", DM_SEV_MEDIUM},
		{"IAM-15", "123456789012", "alice:key1-rotation", DM_SEV_MEDIUM},
		{"IAM-15", "123456789012", "root", -1},
		{"EKS-01", "prod-eks", NULL, DM_SEV_HIGH},
		{"EKS-02", "prod-eks", NULL, DM_SEV_MEDIUM},
		{"EKS-03", "prod-eks", NULL, DM_SEV_LOW},
		{"EKS-04", "prod-eks", NULL, DM_SEV_HIGH},          /* API says extended support */
		{"EKS-05", "prod-eks:general", NULL, DM_SEV_LOW},
		{"EKS-06", "prod-eks:general", NULL, DM_SEV_HIGH},
		{"EKS-07", "prod-eks:general", "subnet-0web-a", DM_SEV_MEDIUM},
	};
	dm_ctx *ctx = NULL;
	dm_inventory *inv = NULL;
	dm_posture_config *cfg = NULL;
	dm_posture *p;
	size_t i;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	p = run_estate(ctx, &inv, &cfg);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const dm_posture_finding *f = pt_find(p, want[i].rule, want[i].resource, want[i].sub);
		if (want[i].sev < 0 && f)
			fail_msg("%zu: %s fired on %s [%s]", i, f->rule, f->resource_id, f->subkey);
		if (want[i].sev >= 0 && !f) {
			pt_dump(p);
			fail_msg("%zu: %s did not fire on %s", i, want[i].rule, want[i].resource);
		}
		if (f && (int)f->severity != want[i].sev)
			fail_msg("%zu: %s on %s is %s", i, f->rule, f->resource_id, dm_posture_severity_name(f->severity));
	}
	/* the service-linked role is never reported, by any rule */
	for (i = 0; i < dm_posture_count(p); i++)
		assert_null(strstr(dm_posture_at(p, i)->resource_id, "AWSServiceRole"));
	assert_string_equal(dm_posture_eks_calendar(p), "eks:DescribeClusterVersions");
	/* every rule of the catalogue either ran on collected data or said why not */
	assert_null(pt_ne(p, "SEG-11", NULL));
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

	assert_non_null(f);
	assert_int_equal(dm_posture_write(ctx, p, fmt, NULL, f), 0);
	fclose(f);
	return buf;
}

static void test_posture_estate__golden_reports(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv = NULL;
	dm_posture_config *cfg = NULL;
	dm_posture *p;
	char *out, *dir, path[512];
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	p = run_estate(ctx, &inv, &cfg);
	out = render(ctx, p, "json");
	tu_golden("posture/golden/estate.json", out);
	free(out);
	out = render(ctx, p, "text");
	tu_golden("posture/golden/estate.txt", out);
	free(out);
	out = render(ctx, p, "csv");
	tu_golden("posture/golden/estate.csv", out);
	free(out);
	/* written atomically to a path; the HTML page is self-contained */
	dir = tu_mkdtemp();
	snprintf(path, sizeof(path), "%s/review.html", dir);
	assert_int_equal(dm_posture_write_file(ctx, p, "html", NULL, path), 0);
	out = tu_read_file(path, NULL);
	assert_non_null(out);
	assert_non_null(strstr(out, "Segmentation matrix"));
	assert_non_null(strstr(out, "<th>internet</th>"));
	assert_null(strstr(out, "src=\"http"));
	free(out);
	tu_rmrf(dir);
	free(dir);
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posture_estate__expected_findings_and_traps),
		cmocka_unit_test(test_posture_estate__golden_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
