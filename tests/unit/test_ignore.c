/* Unit tests: .driftignore rules (driftctl syntax, plus expiry dates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "driftmap/driftmap.h"

struct mcase {
	const char *type;
	const char *id;
	const char *attr;
	int ignored;
};

static dm_ctx *new_ctx(void)
{
	dm_ctx *ctx = NULL;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	return ctx;
}

static dm_ignore *parse_ok(dm_ctx *ctx, const char *text)
{
	dm_ignore *ig = NULL;

	if (dm_ignore_parse(&ig, ctx, text, strlen(text), "test.driftignore") != 0)
		fail_msg("parse failed: %s", dm_ctx_last_error(ctx));
	assert_non_null(ig);
	return ig;
}

static void check(const dm_ignore *ig, const struct mcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = dm_ignore_match(ig, c[i].type, c[i].id, c[i].attr);
		if (got != c[i].ignored)
			fail_msg("case %zu (%s %s %s): want %d got %d", i, c[i].type, c[i].id,
				 c[i].attr ? c[i].attr : "(resource)", c[i].ignored, got);
	}
}

static void test_ignore__driftctl_syntax(void **state)
{
	static const char text[] =
		"# comment line\n"
		"\n"
		"aws_s3_bucket.my-bucket\n"
		"aws_instance.*\n"
		"aws_lambda_function.*.environment\n"
		"aws_vpc.vpc-1.tags.Env\n"
		"aws_s3_bucket.my\\.dotted\\.bucket\n"
		"aws_iam_role.ci-*   \r\n"
		"aws_eks_cluster.c1.vpc_config.*\n";
	static const struct mcase cases[] = {
		{ "aws_s3_bucket", "my-bucket", NULL, 1 },
		{ "aws_s3_bucket", "my-bucket", "tags.Name", 1 }, /* resource rule covers attributes */
		{ "aws_s3_bucket", "other", NULL, 0 },
		{ "aws_instance", "i-123", NULL, 1 },
		{ "aws_lambda_function", "f", NULL, 0 },
		{ "aws_lambda_function", "f", "environment", 1 },
		{ "aws_lambda_function", "f", "environment.variables.X", 1 },
		{ "aws_lambda_function", "f", "environmentx", 0 },
		{ "aws_vpc", "vpc-1", "tags.Env", 1 },
		{ "aws_vpc", "vpc-1", "tags.Name", 0 },
		{ "aws_vpc", "vpc-1", NULL, 0 },
		{ "aws_s3_bucket", "my.dotted.bucket", NULL, 1 },
		{ "aws_s3_bucket", "myxdottedxbucket", NULL, 0 },
		{ "aws_iam_role", "ci-deploy", NULL, 1 },
		{ "aws_iam_role", "deploy", NULL, 0 },
		{ "aws_eks_cluster", "c1", "vpc_config.endpoint_public_access", 1 },
		{ "aws_eks_cluster", "c1", "version", 0 },
	};
	dm_ctx *ctx = new_ctx();
	dm_ignore *ig = parse_ok(ctx, text);

	(void)state;
	assert_int_equal(dm_ignore_count(ig), 7);
	check(ig, cases, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(dm_ignore_match(NULL, "aws_vpc", "x", NULL), 0);
	dm_ignore_free(ig);
	dm_ctx_free(ctx);
}

static void test_ignore__negation_later_lines_win(void **state)
{
	static const char text[] =
		"*\n"
		"!aws_s3_bucket.keep\n"
		"aws_vpc.*.tags\n"
		"!aws_vpc.vpc-main.tags\n"
		"aws_subnet.*\n"
		"!aws_subnet.*\n"
		"aws_subnet.subnet-9\n";
	static const struct mcase cases[] = {
		{ "aws_s3_bucket", "any", NULL, 1 },
		{ "aws_s3_bucket", "keep", NULL, 0 },
		{ "aws_s3_bucket", "keep", "tags.Name", 0 },
		{ "aws_vpc", "vpc-1", "tags.Name", 1 },
		{ "aws_vpc", "vpc-main", "tags.Name", 0 },
		{ "aws_subnet", "subnet-1", NULL, 0 },
		{ "aws_subnet", "subnet-9", NULL, 1 },
	};
	dm_ctx *ctx = new_ctx();
	dm_ignore *ig = parse_ok(ctx, text);

	(void)state;
	check(ig, cases, sizeof(cases) / sizeof(cases[0]));
	dm_ignore_free(ig);
	dm_ctx_free(ctx);
}

struct logbuf {
	char text[2048];
	int warnings;
};

static void capture(dm_log_level level, const char *msg, void *ud)
{
	struct logbuf *lb = ud;

	if (level == DM_LOG_WARN)
		lb->warnings++;
	snprintf(lb->text + strlen(lb->text), sizeof(lb->text) - strlen(lb->text), "%s\n", msg);
}

static void test_ignore__expiry(void **state)
{
	static const char text[] =
		"aws_vpc.old  # expires: 2000-01-31 (ticket 42)\n"
		"aws_vpc.future # temporary, expires: 2999-12-31\n"
		"aws_vpc.plain # just a comment\n";
	struct logbuf lb;
	dm_ctx *ctx = new_ctx();
	dm_ignore *ig;

	(void)state;
	memset(&lb, 0, sizeof(lb));
	dm_ctx_set_log(ctx, capture, &lb, DM_LOG_DEBUG);
	ig = parse_ok(ctx, text);
	assert_int_equal(dm_ignore_count(ig), 2);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "old", NULL), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "future", NULL), 1);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "plain", NULL), 1);
	assert_int_equal(lb.warnings, 1);
	assert_non_null(strstr(lb.text, "test.driftignore:1"));
	assert_non_null(strstr(lb.text, "expired"));
	dm_ignore_free(ig);
	dm_ctx_free(ctx);
}

static void test_ignore__errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *where;
	} bad[] = {
		{ "aws_vpc.ok\njustatype\n", "test.driftignore:2:" },
		{ "aws_vpc..attr\n", "test.driftignore:1:" },
		{ "\n\n!\n", "test.driftignore:3:" },
		{ "aws_vpc.x # expires: 2024-13-01\n", "test.driftignore:1:" },
		{ "aws_vpc.x # expires: 2023-02-29\n", "test.driftignore:1:" },
		{ "aws_vpc.x.\n", "test.driftignore:1:" },
		{ "aws_vpc.x\\\n", "test.driftignore:1:" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dm_ctx *ctx = new_ctx();
		dm_ignore *ig = (dm_ignore *)&i; /* must be reset to NULL */
		int rc = dm_ignore_parse(&ig, ctx, bad[i].text, strlen(bad[i].text), "test.driftignore");
		if (rc != DM_EPARSE)
			fail_msg("case %zu: rc %d", i, rc);
		assert_null(ig);
		if (!strstr(dm_ctx_last_error(ctx), bad[i].where))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, dm_ctx_last_error(ctx),
				 bad[i].where);
		assert_null(strchr(dm_ctx_last_error(ctx), '\n'));
		dm_ctx_free(ctx);
	}
}

static void test_ignore__load_and_append_files(void **state)
{
	char *dir = tu_mkdtemp();
	char a[512], b[512];
	dm_ctx *ctx = new_ctx();
	dm_ignore *ig = NULL;

	(void)state;
	snprintf(a, sizeof(a), "%s/.driftignore", dir);
	snprintf(b, sizeof(b), "%s/extra", dir);
	assert_int_equal(tu_write_file(a, "aws_vpc.a\n", 10), 0);
	assert_int_equal(tu_write_file(b, "aws_vpc.b\n!aws_vpc.a\n", 21), 0);
	assert_int_equal(dm_ignore_load(&ig, ctx, a), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "a", NULL), 1);
	assert_int_equal(dm_ignore_append_file(ig, ctx, b), 0);
	assert_int_equal(dm_ignore_count(ig), 3);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "a", NULL), 0);
	assert_int_equal(dm_ignore_match(ig, "aws_vpc", "b", NULL), 1);
	dm_ignore_free(ig);
	ig = NULL;
	snprintf(b, sizeof(b), "%s/nope", dir);
	assert_true(dm_ignore_load(&ig, ctx, b) < 0);
	assert_null(ig);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "nope"));
	dm_ctx_free(ctx);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ignore__driftctl_syntax),
		cmocka_unit_test(test_ignore__negation_later_lines_win),
		cmocka_unit_test(test_ignore__expiry),
		cmocka_unit_test(test_ignore__errors_name_the_line),
		cmocka_unit_test(test_ignore__load_and_append_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
