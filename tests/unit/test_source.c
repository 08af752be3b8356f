/*
 * Unit tests: state sources (dm_state_load): local files, globs, stdin and
 * git:: (local repositories, a bare repository served through file:// as the
 * "remote", the clone/fetch cache). Repositories are built with the git CLI
 * in a temp directory; nothing touches the network.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <git2.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "source.h"

#define GIT "git -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false -c tag.gpgsign=false " \
	    "-c init.defaultBranch=main -c advice.detachedHead=false"

typedef struct fx {
	char *tmp;
	char work[1024];  /* a non-bare repository */
	char bare[1024];  /* a bare clone of it */
	char c1[64], cf[64], c2[64];
} fx;

/* A v4 state with n aws_vpc resources "<prefix>-<k>". */
static void write_state(const char *path, const char *prefix, int n)
{
	char buf[8192];
	size_t off = 0;
	int k;

	off += (size_t)snprintf(buf + off, sizeof(buf) - off,
				"{\n  \"version\": 4,\n  \"terraform_version\": \"1.9.0\",\n  \"serial\": %d,\n"
				"  \"lineage\": \"lin-%s\",\n  \"outputs\": {},\n  \"resources\": [\n",
				n, prefix);
	for (k = 0; k < n; k++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					"    {\"mode\": \"managed\", \"type\": \"aws_vpc\", \"name\": \"v%d\", "
					"\"provider\": \"provider[\\\"registry.terraform.io/hashicorp/aws\\\"]\", "
					"\"instances\": [{\"schema_version\": 1, \"attributes\": {\"id\": \"%s-%d\"}, "
					"\"sensitive_attributes\": []}]}%s\n",
					k, prefix, k, k + 1 < n ? "," : "");
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, "  ]\n}\n");
	assert_true(off < sizeof(buf));
	assert_int_equal(tu_write_file(path, buf, off), 0);
}

static void read_line(const char *path, char *out, size_t cap)
{
	size_t len = 0;
	char *s = tu_read_file(path, &len);

	assert_non_null(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	assert_true(len < cap);
	memcpy(out, s, len + 1);
	free(s);
}

static int setup_git(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	char p[2048];

	assert_non_null(f);
	f->tmp = tu_mkdtemp();
	assert_non_null(f->tmp);
	snprintf(f->work, sizeof(f->work), "%s/work", f->tmp);
	snprintf(f->bare, sizeof(f->bare), "%s/bare.git", f->tmp);
	assert_int_equal(tu_sh("mkdir -p '%s/envs/us' '%s/envs/eu' && cd '%s' && " GIT " init -q", f->work,
			       f->work, f->work), 0);
	/* commit 1 (main): prod A (1 resource), two nested states, a non-state file; tags v1, light */
	snprintf(p, sizeof(p), "%s/prod.tfstate", f->work);
	write_state(p, "vpc-a", 1);
	snprintf(p, sizeof(p), "%s/envs/us/x.tfstate", f->work);
	write_state(p, "vpc-us", 1);
	snprintf(p, sizeof(p), "%s/envs/eu/y.tfstate", f->work);
	write_state(p, "vpc-eu", 2);
	snprintf(p, sizeof(p), "%s/envs/readme.md", f->work);
	assert_int_equal(tu_write_file(p, "hi\n", 3), 0);
	snprintf(p, sizeof(p), "%s/broken.tfstate", f->work);
	assert_int_equal(tu_write_file(p, "{\"version\": 4, \"resources\": [", 29), 0);
	assert_int_equal(tu_sh("cd '%s' && " GIT " add -A && " GIT " commit -q -m c1 && " GIT
			       " tag -a v1 -m release && " GIT " tag light && " GIT " branch feature && "
			       "git rev-parse HEAD > ../c1", f->work), 0);
	/* feature branch: prod F (3 resources) */
	assert_int_equal(tu_sh("cd '%s' && " GIT " checkout -q feature", f->work), 0);
	snprintf(p, sizeof(p), "%s/prod.tfstate", f->work);
	write_state(p, "vpc-f", 3);
	assert_int_equal(tu_sh("cd '%s' && " GIT " commit -q -am f1 && git rev-parse HEAD > ../cf && " GIT
			       " checkout -q main", f->work), 0);
	/* commit 2 (main): prod B (2 resources) */
	write_state(p, "vpc-b", 2);
	assert_int_equal(tu_sh("cd '%s' && " GIT " commit -q -am c2 && git rev-parse HEAD > ../c2", f->work),
			 0);
	assert_int_equal(tu_sh(GIT " clone -q --bare '%s' '%s'", f->work, f->bare), 0);
	/* the working tree is not what is read: make it differ from every commit */
	write_state(p, "vpc-dirty", 5);

	snprintf(p, sizeof(p), "%s/c1", f->tmp);
	read_line(p, f->c1, sizeof(f->c1));
	snprintf(p, sizeof(p), "%s/cf", f->tmp);
	read_line(p, f->cf, sizeof(f->cf));
	snprintf(p, sizeof(p), "%s/c2", f->tmp);
	read_line(p, f->c2, sizeof(f->c2));
	assert_int_equal(strlen(f->c1), 40);
	*state = f;
	return 0;
}

static int teardown_git(void **state)
{
	fx *f = *state;

	tu_rmrf(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

/* Load src into a fresh inventory; returns rc; message copied into msg. */
static int load(const char *src, dm_inventory **inv_out, char *msg, size_t cap, const char *cache)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv = NULL;
	int rc;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm_inventory_new(&inv), 0);
	if (cache)
		assert_int_equal(dm_ctx_set_cache_dir(ctx, cache), 0);
	rc = dm_state_load(inv, ctx, src);
	if (msg)
		snprintf(msg, cap, "%s", dm_ctx_last_error(ctx));
	dm_ctx_free(ctx);
	if (inv_out)
		*inv_out = inv;
	else
		dm_inventory_free(inv);
	return rc;
}

/* Load and expect success with n resources whose ids start with prefix, from commit. */
static dm_inventory *load_ok(const char *src, int n, const char *prefix, const char *commit,
			     const char *cache)
{
	dm_inventory *inv;
	char msg[1024];
	size_t i;
	int rc = load(src, &inv, msg, sizeof(msg), cache);

	if (rc != 0)
		fail_msg("%s: rc %d: %s", src, rc, msg);
	if (dm_inventory_count(inv) != (size_t)n)
		fail_msg("%s: %zu resources, want %d", src, dm_inventory_count(inv), n);
	for (i = 0; i < dm_inventory_count(inv); i++) {
		dm_resource *r = dm_inventory_at(inv, i);

		if (strncmp(r->id, prefix, strlen(prefix)) != 0)
			fail_msg("%s: resource id %s, want %s-*", src, r->id, prefix);
		if (commit && (!r->commit || strcmp(r->commit, commit) != 0))
			fail_msg("%s: commit %s, want %s", src, r->commit ? r->commit : "(null)", commit);
	}
	return inv;
}

static void expect_err(const char *src, int code, const char *substr, const char *cache)
{
	char msg[1024];
	int rc = load(src, NULL, msg, sizeof(msg), cache);

	if (rc != code)
		fail_msg("%s: rc %d, want %d (%s)", src, rc, code, msg);
	if (!strstr(msg, substr))
		fail_msg("%s: message \"%s\" lacks \"%s\"", src, msg, substr);
	if (strchr(msg, '\n'))
		fail_msg("%s: message is not one line", src);
}

/* ---- local files, globs, stdin ------------------------------------------------ */

static void test_source__loads_a_local_file_with_its_path_as_uri(void **state)
{
	const char *path = tu_fixture("states/small.tfstate");
	dm_inventory *inv = load_ok(path, 1, "vpc-a", NULL, NULL);
	(void)state;

	assert_string_equal(dm_inventory_at(inv, 0)->source_uri, path);
	assert_null(dm_inventory_at(inv, 0)->commit);
	assert_int_equal(dm_inventory_source_count(inv), 1);
	assert_string_equal(dm_inventory_source_at(inv, 0)->uri, path);
	dm_inventory_free(inv);
}

static void test_source__local_file_errors_are_one_line(void **state)
{
	char *tmp = tu_mkdtemp();
	char p[2048];
	dm_ctx *ctx;
	dm_inventory *inv;
	(void)state;

	assert_non_null(tmp);
	snprintf(p, sizeof(p), "%s/missing.tfstate", tmp);
	expect_err(p, DM_ENOTFOUND, "missing.tfstate: no such state file", NULL);
	expect_err(tmp, DM_EINVAL, "is a directory", NULL);
	snprintf(p, sizeof(p), "%s/empty.tfstate", tmp);
	assert_int_equal(tu_write_file(p, "", 0), 0);
	expect_err(p, DM_EPARSE, "empty.tfstate: empty state file", NULL);
	expect_err(tu_fixture("states/v1-legacy.tfstate"), DM_EVERSION, "unsupported Terraform state format version 1",
		   NULL);
	expect_err("", DM_EINVAL, "empty state source", NULL);
	/* the size limit */
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm_inventory_new(&inv), 0);
	assert_int_equal(dm__state_load_max(inv, ctx, tu_fixture("states/small.tfstate"), 100), DM_ETOOBIG);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "over the limit of 100 bytes"));
	assert_int_equal(dm_inventory_count(inv), 0);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
	tu_rmrf(tmp);
	free(tmp);
}

static void expect_uris(dm_inventory *inv, const char *const *want, size_t n)
{
	size_t i;

	if (dm_inventory_source_count(inv) != n)
		fail_msg("%zu sources, want %zu", dm_inventory_source_count(inv), n);
	for (i = 0; i < n; i++)
		if (strcmp(dm_inventory_source_at(inv, i)->uri, want[i]) != 0)
			fail_msg("source %zu: %s, want %s", i, dm_inventory_source_at(inv, i)->uri, want[i]);
}

static void test_source__glob_walks_the_tree_sorted_and_skips_hidden(void **state)
{
	char *tmp = tu_mkdtemp();
	char p[2048], w0[2048], w1[2048], w2[2048], cwd[4096];
	dm_inventory *inv;
	(void)state;

	assert_non_null(tmp);
	assert_int_equal(tu_sh("mkdir -p '%s/envs/prod/deep' '%s/envs/stage' '%s/envs/.terraform' '%s/other'", tmp,
			       tmp, tmp, tmp), 0);
	snprintf(p, sizeof(p), "%s/envs/stage/b.tfstate", tmp);
	write_state(p, "vpc-b", 2);
	snprintf(p, sizeof(p), "%s/envs/prod/a.tfstate", tmp);
	write_state(p, "vpc-a", 1);
	snprintf(p, sizeof(p), "%s/envs/prod/deep/z.tfstate", tmp);
	write_state(p, "vpc-z", 1);
	snprintf(p, sizeof(p), "%s/envs/c.tfstate", tmp);
	write_state(p, "vpc-c", 3);
	snprintf(p, sizeof(p), "%s/envs/.terraform/terraform.tfstate", tmp);
	write_state(p, "vpc-hidden", 1);
	snprintf(p, sizeof(p), "%s/other/o.tfstate", tmp);
	write_state(p, "vpc-o", 1);
	snprintf(p, sizeof(p), "%s/envs/notes.txt", tmp);
	assert_int_equal(tu_write_file(p, "x", 1), 0);

	/* ** crosses directories (and matches none), sorted, hidden skipped */
	snprintf(p, sizeof(p), "%s/envs/**/*.tfstate", tmp);
	assert_int_equal(load(p, &inv, NULL, 0, NULL), 0);
	assert_int_equal(dm_inventory_count(inv), 7);
	{
		char w3[2048];
		const char *want[4];

		snprintf(w0, sizeof(w0), "%s/envs/c.tfstate", tmp);
		snprintf(w1, sizeof(w1), "%s/envs/prod/a.tfstate", tmp);
		snprintf(w2, sizeof(w2), "%s/envs/prod/deep/z.tfstate", tmp);
		snprintf(w3, sizeof(w3), "%s/envs/stage/b.tfstate", tmp);
		want[0] = w0;
		want[1] = w1;
		want[2] = w2;
		want[3] = w3;
		expect_uris(inv, want, 4);
	}
	dm_inventory_free(inv);

	/* * and ? stay within one component */
	snprintf(p, sizeof(p), "%s/envs/*/?.tfstate", tmp);
	assert_int_equal(load(p, &inv, NULL, 0, NULL), 0);
	{
		const char *want[2];

		snprintf(w0, sizeof(w0), "%s/envs/prod/a.tfstate", tmp);
		snprintf(w1, sizeof(w1), "%s/envs/stage/b.tfstate", tmp);
		want[0] = w0;
		want[1] = w1;
		expect_uris(inv, want, 2);
	}
	dm_inventory_free(inv);

	/* relative patterns keep their relative form in the uri */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmp), 0);
	assert_int_equal(load("envs/*.tfstate", &inv, NULL, 0, NULL), 0);
	{
		const char *want[] = {"envs/c.tfstate"};
		expect_uris(inv, want, 1);
	}
	dm_inventory_free(inv);
	assert_int_equal(chdir("envs/prod"), 0);
	assert_int_equal(load("*.tfstate", &inv, NULL, 0, NULL), 0);
	{
		const char *want[] = {"a.tfstate"};
		expect_uris(inv, want, 1);
	}
	dm_inventory_free(inv);
	assert_int_equal(chdir(cwd), 0);

	/* nothing matches */
	snprintf(p, sizeof(p), "%s/envs/**/*.json", tmp);
	expect_err(p, DM_ENOTFOUND, "no state file matches this pattern", NULL);
	snprintf(p, sizeof(p), "%s/nowhere/*.tfstate", tmp);
	expect_err(p, DM_ENOTFOUND, "no state file matches this pattern", NULL);
	/* one bad file fails the whole glob */
	snprintf(p, sizeof(p), "%s/other/bad.tfstate", tmp);
	assert_int_equal(tu_write_file(p, "{", 1), 0);
	snprintf(p, sizeof(p), "%s/other/*.tfstate", tmp);
	expect_err(p, DM_EPARSE, "bad.tfstate: not valid JSON", NULL);

	tu_rmrf(tmp);
	free(tmp);
}

static void test_source__reads_stdin(void **state)
{
	int fds[2], saved;
	size_t len = 0;
	char *data = tu_read_file(tu_fixture("states/v3-modules.tfstate"), &len);
	dm_inventory *inv;
	(void)state;

	assert_non_null(data);
	assert_true(len < 60000); /* fits in a pipe buffer: no writer thread needed */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], data, len), (ssize_t)len);
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	clearerr(stdin);
	inv = load_ok("-", 8, "", NULL, NULL);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	clearerr(stdin);
	assert_string_equal(dm_inventory_source_at(inv, 0)->uri, "stdin");
	assert_string_equal(dm_inventory_at(inv, 0)->source_uri, "stdin");
	dm_inventory_free(inv);
	free(data);
}

/* ---- git:: ---------------------------------------------------------------------- */

static void test_source__git_src_forms_parse(void **state)
{
	dm_ctx *ctx;
	dm__git_src gs;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm__git_src_parse(ctx, "git::/tmp/r//envs/prod.tfstate?ref=v1.2", &gs), 0);
	assert_string_equal(gs.repo, "/tmp/r");
	assert_string_equal(gs.path, "envs/prod.tfstate");
	assert_string_equal(gs.ref, "v1.2");
	assert_int_equal(gs.remote, 0);
	dm__git_src_free(&gs);

	assert_int_equal(dm__git_src_parse(ctx, "git::file:///srv/r.git//x.tfstate", &gs), 0);
	assert_string_equal(gs.repo, "file:///srv/r.git");
	assert_string_equal(gs.path, "x.tfstate");
	assert_string_equal(gs.ref, "HEAD");
	assert_int_equal(gs.remote, 1);
	dm__git_src_free(&gs);

	assert_int_equal(dm__git_src_parse(ctx, "git::git@github.com:org/infra.git//envs/**/*.tfstate?ref=main&depth=1",
					   &gs), 0);
	assert_string_equal(gs.repo, "git@github.com:org/infra.git");
	assert_string_equal(gs.path, "envs/**/*.tfstate");
	assert_string_equal(gs.ref, "main");
	assert_int_equal(gs.remote, 1);
	dm__git_src_free(&gs);

	assert_int_equal(dm__git_src_parse(ctx, "git::https://bot:s3cret@example.com/org/r.git//a/b.tfstate?ref=v2",
					   &gs), 0);
	assert_string_equal(gs.repo, "https://bot:s3cret@example.com/org/r.git");
	assert_string_equal(gs.shown, "https://bot@example.com/org/r.git");
	assert_string_equal(gs.path, "a/b.tfstate");
	assert_int_equal(gs.remote, 1);
	dm__git_src_free(&gs);

	assert_int_equal(dm__git_src_parse(ctx, "git::ssh://git@host:2222/org/r.git//s.tfstate", &gs), 0);
	assert_string_equal(gs.repo, "ssh://git@host:2222/org/r.git");
	assert_string_equal(gs.shown, "ssh://git@host:2222/org/r.git");
	dm__git_src_free(&gs);

	assert_int_equal(dm__git_src_parse(ctx, "git::/tmp/r", &gs), DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "git::/tmp/r: expected git::REPO//PATH?ref=REF"));
	assert_int_equal(dm__git_src_parse(ctx, "git::/tmp/r//x.tfstate?rev=1", &gs), DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "unknown parameter 'rev=1'"));
	assert_int_equal(dm__git_src_parse(ctx, "git::https://u:pw@h/r.git", &gs), DM_EINVAL);
	assert_null(strstr(dm_ctx_last_error(ctx), "pw@"));
	dm_ctx_free(ctx);
}

static void test_source__git_reads_branches_tags_and_commits_from_the_odb(void **state)
{
	fx *f = *state;
	char src[4096], want[4096], shortsha[16];
	dm_inventory *inv;
	const dm_source_info *si;

	/* HEAD by default: main's latest commit, not the dirty working tree */
	snprintf(src, sizeof(src), "git::%s//prod.tfstate", f->work);
	inv = load_ok(src, 2, "vpc-b-", f->c2, NULL);
	snprintf(want, sizeof(want), "git::%s//prod.tfstate?ref=HEAD", f->work);
	assert_string_equal(dm_inventory_at(inv, 0)->source_uri, want);
	si = dm_inventory_source_at(inv, 0);
	assert_string_equal(si->uri, want);
	assert_string_equal(si->commit, f->c2);
	assert_int_equal(si->serial, 2);
	assert_string_equal(si->lineage, "lin-vpc-b");
	assert_int_equal(si->resources, 2);
	dm_inventory_free(inv);

	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=main", f->work);
	dm_inventory_free(load_ok(src, 2, "vpc-b-", f->c2, NULL));
	/* annotated tag, lightweight tag, branch */
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=v1", f->work);
	inv = load_ok(src, 1, "vpc-a-", f->c1, NULL);
	snprintf(want, sizeof(want), "git::%s//prod.tfstate?ref=v1", f->work);
	assert_string_equal(dm_inventory_at(inv, 0)->source_uri, want);
	dm_inventory_free(inv);
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=light", f->work);
	dm_inventory_free(load_ok(src, 1, "vpc-a-", f->c1, NULL));
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=feature", f->work);
	dm_inventory_free(load_ok(src, 3, "vpc-f-", f->cf, NULL));
	/* full and short commit ids */
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=%s", f->work, f->cf);
	dm_inventory_free(load_ok(src, 3, "vpc-f-", f->cf, NULL));
	memcpy(shortsha, f->c1, 10);
	shortsha[10] = '\0';
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=%s", f->work, shortsha);
	dm_inventory_free(load_ok(src, 1, "vpc-a-", f->c1, NULL));
	/* a bare repository opened as a local path */
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=feature", f->bare);
	dm_inventory_free(load_ok(src, 3, "vpc-f-", f->cf, NULL));
}

static void test_source__git_glob_over_the_tree_at_a_ref(void **state)
{
	fx *f = *state;
	char src[4096], w0[2048], w1[2048];
	const char *want[2];
	dm_inventory *inv;

	snprintf(src, sizeof(src), "git::%s//envs/**/*.tfstate?ref=v1", f->work);
	inv = load_ok(src, 3, "vpc-", f->c1, NULL);
	snprintf(w0, sizeof(w0), "git::%s//envs/eu/y.tfstate?ref=v1", f->work);
	snprintf(w1, sizeof(w1), "git::%s//envs/us/x.tfstate?ref=v1", f->work);
	want[0] = w0;
	want[1] = w1;
	expect_uris(inv, want, 2);
	dm_inventory_free(inv);

	/* a single-level glob at the root: only prod.tfstate and broken.tfstate match, broken fails */
	snprintf(src, sizeof(src), "git::%s//p*.tfstate?ref=main", f->work);
	dm_inventory_free(load_ok(src, 2, "vpc-b-", f->c2, NULL));
	snprintf(src, sizeof(src), "git::%s//*.tfstate?ref=main", f->work);
	expect_err(src, DM_EPARSE, "//broken.tfstate?ref=main: not valid JSON", NULL);
	snprintf(src, sizeof(src), "git::%s//envs/*/*.json", f->work);
	expect_err(src, DM_ENOTFOUND, "no file matches 'envs/*/*.json' at HEAD", NULL);
	snprintf(src, sizeof(src), "git::%s//nodir/**/*.tfstate", f->work);
	expect_err(src, DM_ENOTFOUND, "no file matches", NULL);
}

static void test_source__git_errors_are_one_line(void **state)
{
	fx *f = *state;
	char src[4096], want[4096], p[2048];
	dm_ctx *ctx;
	dm_inventory *inv;

	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=nope", f->work);
	snprintf(want, sizeof(want), "git::%s//prod.tfstate?ref=nope: reference 'nope' not found", f->work);
	expect_err(src, DM_ENOTFOUND, want, NULL);
	snprintf(src, sizeof(src), "git::%s//missing.tfstate?ref=main", f->work);
	expect_err(src, DM_ENOTFOUND, "path 'missing.tfstate' not found at main (commit ", NULL);
	snprintf(src, sizeof(src), "git::%s//envs?ref=main", f->work);
	expect_err(src, DM_EGIT, "'envs' is a directory, not a state file", NULL);
	snprintf(p, sizeof(p), "%s/notrepo", f->tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(src, sizeof(src), "git::%s//prod.tfstate", p);
	expect_err(src, DM_EGIT, "is not a git repository", NULL);
	snprintf(src, sizeof(src), "git::%s/absent//prod.tfstate", f->tmp);
	expect_err(src, DM_ENOTFOUND, "does not exist", NULL);
	snprintf(src, sizeof(src), "git::%s//broken.tfstate?ref=v1", f->work);
	snprintf(want, sizeof(want), "git::%s//broken.tfstate?ref=v1: not valid JSON", f->work);
	expect_err(src, DM_EPARSE, want, NULL);
	/* blob over the size limit */
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm_inventory_new(&inv), 0);
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=main", f->work);
	assert_int_equal(dm__state_load_max(inv, ctx, src, 64), DM_ETOOBIG);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "over the state size limit of 64 bytes"));
	assert_int_equal(dm_inventory_count(inv), 0);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static int count_dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_source__git_remote_is_cloned_into_the_cache_then_fetched(void **state)
{
	fx *f = *state;
	char cache[2048], src[4096], url[2048], p[2048], marker[4096], c3[64], gitdir[4096];
	char *dir = NULL;
	dm_ctx *ctx;
	dm_inventory *inv;
	struct stat st;

	snprintf(cache, sizeof(cache), "%s/cache", f->tmp);
	snprintf(url, sizeof(url), "file://%s", f->bare);
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=main", url);

	/* first run: clone */
	inv = load_ok(src, 2, "vpc-b-", f->c2, cache);
	assert_string_equal(dm_inventory_at(inv, 0)->source_uri, src);
	dm_inventory_free(inv);
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm_ctx_set_cache_dir(ctx, cache), 0);
	assert_int_equal(dm__git_cache_path(ctx, url, &dir), 0);
	dm_ctx_free(ctx);
	snprintf(gitdir, sizeof(gitdir), "%s/git", cache);
	assert_non_null(strstr(dir, gitdir));
	snprintf(p, sizeof(p), "%s/objects", dir);
	assert_int_equal(stat(p, &st), 0); /* a bare repository */
	assert_true(S_ISDIR(st.st_mode));
	snprintf(marker, sizeof(marker), "%s/driftmap-test-marker", dir);
	assert_int_equal(tu_write_file(marker, "1", 1), 0);
	/* tags and the default branch come along */
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=v1", url);
	dm_inventory_free(load_ok(src, 1, "vpc-a-", f->c1, cache));
	snprintf(src, sizeof(src), "git::%s//prod.tfstate", url);
	dm_inventory_free(load_ok(src, 2, "vpc-b-", f->c2, cache));

	/* a new commit lands in the "remote" */
	snprintf(p, sizeof(p), "%s/prod.tfstate", f->work);
	write_state(p, "vpc-c", 4);
	assert_int_equal(tu_sh("cd '%s' && " GIT " commit -q -am c3 && git rev-parse HEAD > ../c3 && " GIT
			       " push -q '%s' main", f->work, f->bare), 0);
	snprintf(p, sizeof(p), "%s/c3", f->tmp);
	read_line(p, c3, sizeof(c3));

	/* second run: fetch into the same cache repository, see the new commit */
	snprintf(src, sizeof(src), "git::%s//prod.tfstate?ref=main", url);
	dm_inventory_free(load_ok(src, 4, "vpc-c-", c3, cache));
	snprintf(src, sizeof(src), "git::%s//prod.tfstate", url);
	dm_inventory_free(load_ok(src, 4, "vpc-c-", c3, cache));
	assert_int_equal(stat(marker, &st), 0); /* reused, not re-cloned */
	assert_int_equal(count_dir_entries(gitdir), 1);
	{
		/* the cache repository itself now holds the new commit */
		char cmd_out[4096], sha[64];

		snprintf(cmd_out, sizeof(cmd_out), "%s/c3-cache", f->tmp);
		assert_int_equal(tu_sh("git --git-dir='%s' rev-parse refs/heads/main > '%s'", dir, cmd_out), 0);
		read_line(cmd_out, sha, sizeof(sha));
		assert_string_equal(sha, c3);
	}

	/* url.<base>.insteadOf from the user's git config rewrites the URL (CI token injection) */
	{
		char home[2048], cfg[4096], text[4096];

		/* keeps libgit2 initialised (with the option below) across the load's own start/stop */
		assert_true(git_libgit2_init() > 0);
		snprintf(home, sizeof(home), "%s/home", f->tmp);
		assert_int_equal(mkdir(home, 0755), 0);
		snprintf(cfg, sizeof(cfg), "%s/.gitconfig", home);
		snprintf(text, sizeof(text), "[url \"%s\"]\n\tinsteadOf = mirror:infra\n", url);
		assert_int_equal(tu_write_file(cfg, text, strlen(text)), 0);
		assert_int_equal(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, home), 0);
		inv = load_ok("git::mirror:infra//prod.tfstate?ref=main", 4, "vpc-c-", c3, cache);
		assert_string_equal(dm_inventory_at(inv, 0)->source_uri, "git::mirror:infra//prod.tfstate?ref=main");
		dm_inventory_free(inv);
		assert_int_equal(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, NULL), 0);
		git_libgit2_shutdown();
		assert_int_equal(count_dir_entries(gitdir), 2);
	}

	/* unreachable remotes fail with DM_EGIT and never show a password */
	snprintf(src, sizeof(src), "git::file://%s/absent.git//prod.tfstate", f->tmp);
	expect_err(src, DM_EGIT, "cannot fetch", cache);
	{
		char msg[1024];
		int rc = load("git::https://bot:s3cret@127.0.0.1:1/r.git//x.tfstate?ref=main", NULL, msg,
			      sizeof(msg), cache);

		assert_int_equal(rc, DM_EGIT);
		assert_null(strstr(msg, "s3cret"));
		assert_non_null(strstr(msg, "https://bot@127.0.0.1:1/r.git"));
	}
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source__loads_a_local_file_with_its_path_as_uri),
		cmocka_unit_test(test_source__local_file_errors_are_one_line),
		cmocka_unit_test(test_source__glob_walks_the_tree_sorted_and_skips_hidden),
		cmocka_unit_test(test_source__reads_stdin),
		cmocka_unit_test(test_source__git_src_forms_parse),
		cmocka_unit_test_setup_teardown(test_source__git_reads_branches_tags_and_commits_from_the_odb,
						setup_git, teardown_git),
		cmocka_unit_test_setup_teardown(test_source__git_glob_over_the_tree_at_a_ref, setup_git,
						teardown_git),
		cmocka_unit_test_setup_teardown(test_source__git_errors_are_one_line, setup_git, teardown_git),
		cmocka_unit_test_setup_teardown(test_source__git_remote_is_cloned_into_the_cache_then_fetched,
						setup_git, teardown_git),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
