/*
 * Regression for the fuzz targets of tests/fuzz/: every file under
 * fixtures/fuzz/<target>/ (minimised crash, hang and out-of-memory inputs
 * the fuzzers found, plus hand-written seeds) and a handful of ordinary
 * seeds go through the same entry point the libFuzzer harness calls. Each
 * must return: an error code is fine, a crash, an abort on a broken
 * invariant (the harnesses check them) or a sanitizer report fails the test.
 *
 * The harness sources are included here with their entry point renamed, so
 * this needs no clang and no libFuzzer.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>
#include "testutil.h"

#define DM_FUZZ_ENTRY fuzz_tfstate_one
#include "tests/fuzz/fuzz_tfstate.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_inventory_one
#include "tests/fuzz/fuzz_inventory.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_jscan_one
#include "tests/fuzz/fuzz_jscan.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_aws_xml_one
#include "tests/fuzz/fuzz_aws_xml.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_aws_eks_one
#include "tests/fuzz/fuzz_aws_eks.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_policy_one
#include "tests/fuzz/fuzz_policy.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_ignore_one
#include "tests/fuzz/fuzz_ignore.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_posture_config_one
#include "tests/fuzz/fuzz_posture_config.c"
#undef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY fuzz_diff_one
#include "tests/fuzz/fuzz_diff.c"
#undef DM_FUZZ_ENTRY

typedef int (*fuzz_entry)(const uint8_t *data, size_t size);

/* Feed one file; returns 1 (a file was fed). */
static size_t feed_file(fuzz_entry fn, const char *path)
{
	size_t len = 0;
	char *data = tu_read_file(path, &len);

	if (!data)
		fail_msg("cannot read %s", path);
	assert_int_equal(fn((const uint8_t *)data, len), 0);
	free(data);
	return 1;
}

/* Feed every regular file of dir whose name ends with suffix ("" = any); returns how many. */
static size_t feed_dir(fuzz_entry fn, const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, sl = strlen(suffix);

	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		size_t nl = strlen(e->d_name);
		struct stat st;

		if (e->d_name[0] == '.' || nl < sl || strcmp(e->d_name + nl - sl, suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		n += feed_file(fn, path);
	}
	closedir(d);
	return n;
}

/* fixtures/fuzz/<target>/: must hold at least one input. */
static void feed_target(fuzz_entry fn, const char *target)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "fuzz/%s", target);
	if (feed_dir(fn, tu_fixture(rel), "") == 0)
		fail_msg("fixtures/%s is empty", rel);
}

static void test_fuzz_regress__tfstate(void **state)
{
	(void)state;
	feed_target(fuzz_tfstate_one, "tfstate");
	assert_true(feed_dir(fuzz_tfstate_one, tu_fixture("states"), ".tfstate") >= 4);
}

static void test_fuzz_regress__inventory(void **state)
{
	(void)state;
	feed_target(fuzz_inventory_one, "inventory");
	assert_true(feed_dir(fuzz_inventory_one, tu_fixture("estates"), ".json") >= 2);
	feed_file(fuzz_inventory_one, tu_fixture("posture/estate.json"));
}

static void test_fuzz_regress__jscan(void **state)
{
	(void)state;
	feed_target(fuzz_jscan_one, "jscan");
	assert_true(feed_dir(fuzz_jscan_one, tu_fixture("states"), ".tfstate") >= 4);
	assert_true(feed_dir(fuzz_jscan_one, tu_fixture("aws/responses"), ".json") >= 1);
}

static void test_fuzz_regress__aws_xml(void **state)
{
	(void)state;
	feed_target(fuzz_aws_xml_one, "aws_xml");
	assert_true(feed_dir(fuzz_aws_xml_one, tu_fixture("aws/responses"), ".xml") >= 10);
	assert_true(feed_dir(fuzz_aws_xml_one, tu_fixture("aws/responses"), ".html") >= 1);
}

static void test_fuzz_regress__aws_eks(void **state)
{
	(void)state;
	feed_target(fuzz_aws_eks_one, "aws_eks");
	assert_true(feed_dir(fuzz_aws_eks_one, tu_fixture("aws/responses"), ".json") >= 2);
}

static void test_fuzz_regress__policy(void **state)
{
	(void)state;
	feed_target(fuzz_policy_one, "policy");
}

static void test_fuzz_regress__ignore(void **state)
{
	(void)state;
	feed_target(fuzz_ignore_one, "ignore");
}

static void test_fuzz_regress__posture_config(void **state)
{
	(void)state;
	feed_target(fuzz_posture_config_one, "posture_config");
}

static void test_fuzz_regress__diff(void **state)
{
	(void)state;
	feed_target(fuzz_diff_one, "diff");
	assert_true(feed_dir(fuzz_diff_one, tu_fixture("estates"), ".json") >= 2);
	assert_true(feed_dir(fuzz_diff_one, tu_fixture("states"), ".tfstate") >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_regress__tfstate),
		cmocka_unit_test(test_fuzz_regress__inventory),
		cmocka_unit_test(test_fuzz_regress__jscan),
		cmocka_unit_test(test_fuzz_regress__aws_xml),
		cmocka_unit_test(test_fuzz_regress__aws_eks),
		cmocka_unit_test(test_fuzz_regress__policy),
		cmocka_unit_test(test_fuzz_regress__ignore),
		cmocka_unit_test(test_fuzz_regress__posture_config),
		cmocka_unit_test(test_fuzz_regress__diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
