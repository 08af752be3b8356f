/*
 * Source locations: the light HCL scan, lookups in a git repository read at
 * a commit (no checkout) following local modules, lookups on the
 * filesystem, fallbacks, and the per-directory cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "reports/source_locate.h"

static dm_ctx *g_ctx;

static int setup(void **state)
{
	(void)state;
	return dm_ctx_new(&g_ctx);
}

static int teardown(void **state)
{
	(void)state;
	dm_ctx_free(g_ctx);
	return 0;
}

static void test_source__hcl_scan_skips_comments_strings_and_heredocs(void **state)
{
	static const char tf[] =
		"# resource \"aws_vpc\" \"c1\" {\n"                       /* 1 */
		"// resource \"aws_vpc\" \"c2\" {\n"                      /* 2 */
		"/* resource \"aws_vpc\" \"c3\" {\n"                      /* 3 */
		"   } */\n"                                              /* 4 */
		"locals {\n"                                             /* 5 */
		"  s = \"resource \\\"aws_vpc\\\" \\\"s\\\" { ${x(\"}\")}\"\n" /* 6 */
		"  h = <<-EOT\n"                                         /* 7 */
		"    resource \"aws_vpc\" \"h\" {\n"                      /* 8 */
		"    }\n"                                                /* 9 */
		"  EOT\n"                                                /* 10 */
		"  resource = \"nested, not top level\"\n"               /* 11 */
		"}\n"                                                    /* 12 */
		"resource \"aws_vpc\" \"main\" {\n"                       /* 13 */
		"  tags = { a = \"}\" }\n"                                /* 14 */
		"  dynamic \"x\" {\n"                                     /* 15 */
		"    content { source = \"./no\" }\n"                     /* 16 */
		"  }\n"                                                  /* 17 */
		"}\n"                                                    /* 18 */
		"module \"net\" {\n"                                      /* 19 */
		"  # source = \"./commented\"\n"                          /* 20 */
		"  source = \"./modules/net\"\n"                          /* 21 */
		"  x = { source = \"./inner\" }\n"                        /* 22 */
		"}\n"                                                    /* 23 */
		"module \"bare\" {}\n"                                    /* 24 */
		"resource \"aws_subnet\" \"a\" { cidr_block = \"x\" }\n"; /* 25 */
	dm__hcl_decl *d = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(dm__hcl_scan(tf, sizeof(tf) - 1, &d, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(d[0].kind, 'r');
	assert_string_equal(d[0].a, "aws_vpc");
	assert_string_equal(d[0].b, "main");
	assert_int_equal(d[0].line, 13);
	assert_int_equal(d[1].kind, 'm');
	assert_string_equal(d[1].a, "net");
	assert_string_equal(d[1].source, "./modules/net");
	assert_int_equal(d[1].line, 19);
	assert_int_equal(d[2].kind, 'm');
	assert_string_equal(d[2].a, "bare");
	assert_null(d[2].source);
	assert_string_equal(d[3].a, "aws_subnet");
	assert_int_equal(d[3].line, 25);
	dm__hcl_decls_free(d, n);

	/* garbage never crashes and finds nothing it should not */
	assert_int_equal(dm__hcl_scan("resource \"a\" \"b\"", 17, &d, &n), 0);
	assert_int_equal(n, 0);
	dm__hcl_decls_free(d, n);
	assert_int_equal(dm__hcl_scan("\"unterminated\n/* open", 21, &d, &n), 0);
	assert_int_equal(n, 0);
	dm__hcl_decls_free(d, n);
}

/* A repo: envs/prod/{main.tf,terraform.tfstate} calling ../../modules/net which calls ./sg. */
static char *make_repo(char **commit1)
{
	static const char root_tf[] =
		"module \"net\" {\n"
		"  source = \"../../modules/net\"\n"
		"}\n"
		"resource \"aws_vpc\" \"main\" {\n"
		"}\n"
		"module \"registry\" {\n"
		"  source = \"terraform-aws-modules/vpc/aws\"\n"
		"}\n";
	char *dir = tu_mkdtemp();
	char path[1024];
	FILE *f;
	int rc;

	rc = tu_sh("cd '%s' && git init -q -b main . && git config user.email t@e && git config user.name t && "
		   "mkdir -p envs/prod modules/net/sg && echo '{}' > envs/prod/terraform.tfstate", dir);
	assert_int_equal(rc, 0);
	snprintf(path, sizeof(path), "%s/envs/prod/main.tf", dir);
	assert_int_equal(tu_write_file(path, root_tf, sizeof(root_tf) - 1), 0);
	snprintf(path, sizeof(path), "%s/modules/net/a.tf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# a.tf\nmodule \"sg\" {\n  source = \"./sg\"\n}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/modules/net/b.tf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\n\n\nresource \"aws_subnet\" \"private\" {\n  count = 2\n}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/modules/net/sg/main.tf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("resource \"aws_security_group\" \"web\" {}\n", f);
	fclose(f);
	rc = tu_sh("cd '%s' && git add -A && git commit -q -m one && git rev-parse HEAD > .c1 && "
		   "printf '\\n\\n\\n\\n' | cat - modules/net/b.tf > x && mv x modules/net/b.tf && "
		   "git commit -q -am two && printf '\\n\\n' | cat - modules/net/b.tf > x && mv x modules/net/b.tf", dir);
	assert_int_equal(rc, 0);
	snprintf(path, sizeof(path), "%s/.c1", dir);
	*commit1 = tu_read_file(path, NULL);
	assert_non_null(*commit1);
	(*commit1)[40] = '\0';
	return dir;
}

static void test_source__git_follows_local_modules_at_the_commit(void **state)
{
	char *dir, *c1 = NULL, uri[1024];
	dm__srcloc *l = NULL;
	const char *file = NULL;
	unsigned line = 0;

	(void)state;
	dir = make_repo(&c1);
	snprintf(uri, sizeof(uri), "git::%s//envs/prod/terraform.tfstate?ref=main", dir);
	assert_int_equal(dm__srcloc_new(&l, g_ctx), 0);

	/* root module */
	assert_int_equal(dm__srcloc_find(l, uri, NULL, "aws_vpc", "aws_vpc.main", &file, &line), 1);
	assert_string_equal(file, "envs/prod/main.tf");
	assert_int_equal(line, 4);
	/* one local module, index keys dropped; at commit 1 ... */
	assert_int_equal(dm__srcloc_find(l, uri, c1, "aws_subnet", "module.net.aws_subnet.private[1]",
					 &file, &line), 1);
	assert_string_equal(file, "modules/net/b.tf");
	assert_int_equal(line, 4);
	/* ... at the ref (commit 2: four lines pushed down), never the work tree (ten) */
	assert_int_equal(dm__srcloc_find(l, uri, NULL, "aws_subnet", "module.net.aws_subnet.private[0]",
					 &file, &line), 1);
	assert_string_equal(file, "modules/net/b.tf");
	assert_int_equal(line, 8);
	/* two levels, module keys with dots and brackets */
	assert_int_equal(dm__srcloc_find(l, uri, c1, "aws_security_group",
					 "module.net[\"a.b]\"].module.sg.aws_security_group.web", &file, &line), 1);
	assert_string_equal(file, "modules/net/sg/main.tf");
	assert_int_equal(line, 1);
	/* a registry module: the module call */
	assert_int_equal(dm__srcloc_find(l, uri, c1, "aws_vpc", "module.registry.aws_vpc.this[0]",
					 &file, &line), 2);
	assert_string_equal(file, "envs/prod/main.tf");
	assert_int_equal(line, 6);
	/* not declared: the state file */
	assert_int_equal(dm__srcloc_find(l, uri, c1, "aws_vpc", "aws_vpc.nope", &file, &line), 0);
	assert_string_equal(file, "envs/prod/terraform.tfstate");
	assert_int_equal(line, 0);
	/* the cache answers once the repository is gone */
	tu_rmrf(dir);
	assert_int_equal(dm__srcloc_find(l, uri, c1, "aws_subnet", "module.net.aws_subnet.private[1]",
					 &file, &line), 1);
	assert_string_equal(file, "modules/net/b.tf");
	dm__srcloc_free(l);

	/* a fresh locator on a missing repository falls back without an error */
	assert_int_equal(dm__srcloc_new(&l, g_ctx), 0);
	assert_int_equal(dm__srcloc_find(l, uri, c1, "aws_vpc", "aws_vpc.main", &file, &line), 0);
	assert_string_equal(file, "envs/prod/terraform.tfstate");
	assert_int_equal(dm_ctx_last_error_code(g_ctx), DM_OK);
	dm__srcloc_free(l);
	free(c1);
	free(dir);
}

static void test_source__filesystem_and_unlocatable_uris(void **state)
{
	dm__srcloc *l = NULL;
	const char *file = NULL;
	char uri[1024];
	unsigned line = 0;

	(void)state;
	assert_int_equal(dm__srcloc_new(&l, g_ctx), 0);
	snprintf(uri, sizeof(uri), "%s/reports_src/envs/prod/terraform.tfstate", DM_FIXTURES_DIR);
	assert_int_equal(dm__srcloc_find(l, uri, NULL, "aws_security_group",
					 "module.net.aws_security_group.web", &file, &line), 1);
	assert_non_null(strstr(file, "/reports_src/modules/net/main.tf"));
	assert_null(strstr(file, ".."));
	assert_int_equal(line, 8);
	assert_int_equal(dm__srcloc_find(l, "s3://bucket/prod.tfstate", NULL, "aws_vpc", "aws_vpc.main",
					 &file, &line), 0);
	assert_null(file);
	assert_int_equal(dm__srcloc_find(l, "-", NULL, "aws_vpc", "aws_vpc.main", &file, &line), 0);
	assert_null(file);
	assert_int_equal(dm__srcloc_find(l, "git::https://example.invalid/r.git//s.tfstate", NULL, "aws_vpc",
					 "aws_vpc.main", &file, &line), 0);
	assert_int_equal(dm__srcloc_find(l, uri, NULL, "aws_vpc", "data.aws_vpc.main", &file, &line), 0);
	assert_int_equal(dm__srcloc_find(l, uri, NULL, "aws_vpc", "module..x", &file, &line), 0);
	dm__srcloc_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source__hcl_scan_skips_comments_strings_and_heredocs),
		cmocka_unit_test(test_source__git_follows_local_modules_at_the_commit),
		cmocka_unit_test(test_source__filesystem_and_unlocatable_uris),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
