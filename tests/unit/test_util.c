/* Unit tests: buffers, arena, hash map, glob, numbers. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "internal.h"

static void test_util__buf_enforces_its_maximum(void **state)
{
	dm_buf b;
	(void)state;
	dm__buf_init(&b, 8);
	assert_int_equal(dm__buf_puts(&b, "12345678"), 0);
	assert_int_equal(dm__buf_putc(&b, 'x'), DM_ETOOBIG);
	assert_string_equal(b.ptr, "12345678");
	dm__buf_free(&b);
}

static void test_util__buf_printf_appends(void **state)
{
	dm_buf b = DM_BUF_INIT;
	(void)state;
	assert_int_equal(dm__buf_printf(&b, "%s-%d", "a", 1), 0);
	assert_int_equal(dm__buf_printf(&b, "/%05d", 42), 0);
	assert_string_equal(b.ptr, "a-1/00042");
	dm__buf_free(&b);
}

static void test_util__strmap_holds_many_keys(void **state)
{
	dm_strmap *m = NULL;
	dm_arena *a = NULL;
	char k[32];
	size_t i;
	(void)state;
	assert_int_equal(dm__strmap_new(&m, 4), 0);
	assert_int_equal(dm__arena_new(&a), 0);
	for (i = 0; i < 20000; i++) {
		snprintf(k, sizeof(k), "key-%zu", i);
		assert_int_equal(dm__strmap_put(m, dm__arena_strdup(a, k), (void *)(i + 1)), 0);
	}
	assert_int_equal(dm__strmap_count(m), 20000);
	for (i = 0; i < 20000; i += 997) {
		snprintf(k, sizeof(k), "key-%zu", i);
		assert_ptr_equal(dm__strmap_get(m, k), (void *)(i + 1));
	}
	assert_null(dm__strmap_get(m, "key-20000"));
	dm__strmap_free(m);
	dm__arena_free(a);
}

static void test_util__glob_matches_like_a_shell(void **state)
{
	static const struct {
		const char *pat, *path;
		int match;
	} cases[] = {
		{"*.tfstate", "prod.tfstate", 1},
		{"*.tfstate", "envs/prod.tfstate", 0},
		{"envs/**/*.tfstate", "envs/prod.tfstate", 1},
		{"envs/**/*.tfstate", "envs/eu/prod/x.tfstate", 1},
		{"envs/**/*.tfstate", "other/x.tfstate", 0},
		{"**", "a/b/c", 1},
		{"a?c", "abc", 1},
		{"a?c", "a/c", 0},
		{"envs/*/terraform.tfstate", "envs/dev/terraform.tfstate", 1},
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (dm__glob_match(cases[i].pat, cases[i].path) != cases[i].match)
			fail_msg("case %zu: glob '%s' vs '%s' expected %d", i, cases[i].pat,
				 cases[i].path, cases[i].match);
	}
}

static void test_util__parse_ll_rejects_garbage(void **state)
{
	long long v = 0;
	(void)state;
	assert_int_equal(dm__parse_ll("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(dm__parse_ll("42x", &v), -1);
	assert_int_equal(dm__parse_ll("", &v), -1);
	assert_int_equal(dm__parse_ll("99999999999999999999999", &v), -1);
}

static void test_util__sha256_matches_known_vector(void **state)
{
	char hex[65];
	(void)state;
	dm__sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_util__errors_are_one_line(void **state)
{
	dm_ctx *ctx = NULL;
	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(dm__error(ctx, DM_EPARSE, "a\nb\tc"), DM_EPARSE);
	assert_string_equal(dm_ctx_last_error(ctx), "a b c");
	assert_int_equal(dm_ctx_last_error_code(ctx), DM_EPARSE);
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__buf_enforces_its_maximum),
		cmocka_unit_test(test_util__buf_printf_appends),
		cmocka_unit_test(test_util__strmap_holds_many_keys),
		cmocka_unit_test(test_util__glob_matches_like_a_shell),
		cmocka_unit_test(test_util__parse_ll_rejects_garbage),
		cmocka_unit_test(test_util__sha256_matches_known_vector),
		cmocka_unit_test(test_util__errors_are_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
