/* Unit tests: the fast JSON scanner agrees with jansson and rejects bad JSON. */
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include "testutil.h"
#include "internal.h"

static json_t *scan_to_json(const char *text, size_t len)
{
	dm_jdoc doc;
	json_t *j;

	if (dm__jdoc_parse(&doc, text, len, NULL, NULL) != 0)
		return NULL;
	j = dm__jspan_to_json(dm__jdoc_root(&doc));
	dm__jdoc_free(&doc);
	return j;
}

static void test_jscan__agrees_with_jansson_on_tricky_values(void **state)
{
	static const char *const cases[] = {
		"{}", "[]", "0", "-1.5e3", "\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\"",
		"{\"a\":[1,{\"b\":[]},\"x\",null,true,false],\"c\":{\"d\":{}}}",
		"  [ 1 , [ [ ] , { } ] , \"\\u0041\" ]  ",
		"{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"[9223372036854775807, -9223372036854775808, 1e-400, 0.5e308]",
		"[0.1234567890123456789012345678901234567890123456789012345678901234567890]",
		"[\"a long ASCII run, then caf\xc3\xa9 and an escape \\\" and \\u00e9 at the end\"]",
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_error_t err;
		json_t *a = json_loads(cases[i], JSON_DECODE_ANY, &err);
		json_t *b = scan_to_json(cases[i], strlen(cases[i]));
		if (!b)
			fail_msg("case %zu: scanner rejected valid JSON", i);
		if (a && !json_equal(a, b))
			fail_msg("case %zu: scanner and jansson disagree", i);
		json_decref(a);
		json_decref(b);
	}
}

static void test_jscan__rejects_malformed_json_with_offsets(void **state)
{
	static const struct {
		const char *text;
		size_t off;
		const char *msg;
	} cases[] = {
		{"", 0, "unexpected end"},
		{"{\"a\":1", 6, "end of input"},
		{"{\"a\" 1}", 5, "expected ':'"},
		{"[1,]", 3, "invalid value"},
		{"{\"a\":1} x", 8, "trailing"},
		{"\"abc", 4, "unterminated"},
		{"\"a\\q\"", 2, "invalid escape"},
		{"\"\xff\"", 1, "UTF-8"},
		{"01", 1, "trailing"},
		{"[tru]", 1, "invalid value"},
		{"<html>", 0, "invalid value"},
		/* inside long ASCII runs (the scanner skips those 8 bytes at a time) */
		{"\"abcdefghijklm\x01nopqrstuvwxyz\"", 14, "control character"},
		{"\"abcdefghijklmnop\xc3(qrstuvwxyz\"", 17, "UTF-8"},
		{"\"abcdefghijklmnopq\\x\"", 18, "invalid escape"},
		{"\"abcdefghijklmnopqrstuvw", 24, "unterminated"},
		/* what jansson refuses, so that both readers of a document agree */
		{"[1, 1e400]", 4, "real number out of range"},
		{"[-9223372036854775809]", 1, "integer out of range"},
		{"[1234567890123456789012345678901234567890123456789012345678901234567890]", 1, "integer out of range"},
		{"[\"a\\ud800\"]", 3, "unpaired surrogate"},
		{"[\"a\\ud800\\u0041\"]", 3, "unpaired surrogate"},
		{"[\"a\\udc00\"]", 3, "lone low surrogate"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dm_jdoc doc;
		size_t off = 999;
		const char *msg = NULL;
		int rc = dm__jdoc_parse(&doc, cases[i].text, strlen(cases[i].text), &off, &msg);
		if (rc != -1 || off != cases[i].off || !msg || !strstr(msg, cases[i].msg))
			fail_msg("case %zu: rc %d off %zu msg %s", i, rc, off, msg ? msg : "(null)");
	}
}

static void test_jscan__rejects_deep_nesting(void **state)
{
	char *deep = malloc(2 * 100000 + 1);
	dm_jdoc doc;
	const char *msg = NULL;
	(void)state;
	memset(deep, '[', 100000);
	memset(deep + 100000, ']', 100000);
	deep[200000] = '\0';
	assert_int_equal(dm__jdoc_parse(&doc, deep, 200000, NULL, &msg), -1);
	assert_non_null(strstr(msg, "too deep"));
	free(deep);
}

static void test_jscan__member_lookup_and_text_equality(void **state)
{
	const char *a = "{\"x\": [1, 2, {\"y\": \"a b\"}], \"z\": \"q\"}";
	const char *b = "{\"z\":\"q\",\"x\":[1,2,{\"y\":\"a b\"}]}";
	dm_jdoc da, db;
	dm_jspan va, vb;
	(void)state;
	assert_int_equal(dm__jdoc_parse(&da, a, strlen(a), NULL, NULL), 0);
	assert_int_equal(dm__jdoc_parse(&db, b, strlen(b), NULL, NULL), 0);
	assert_true(dm__jspan_get(dm__jdoc_root(&da), "x", &va));
	assert_true(dm__jspan_get(dm__jdoc_root(&db), "x", &vb));
	assert_true(dm__jspan_text_equal(va, vb));
	assert_true(dm__jspan_get(dm__jdoc_root(&da), "z", &va));
	assert_true(dm__jspan_streq(va, "q"));
	assert_false(dm__jspan_get(dm__jdoc_root(&da), "nope", &va));
	assert_false(dm__jspan_text_equal(dm__jdoc_root(&da), dm__jdoc_root(&db)));
	dm__jdoc_free(&da);
	dm__jdoc_free(&db);
}

/* Every real state in the shared corpus: the scanner's tree equals jansson's. */
static void test_jscan__matches_jansson_on_every_corpus_state(void **state)
{
	glob_t g;
	size_t i, n = 0;
	(void)state;
	if (glob(DM_SHARED_DIR "/corpus/*.tfstate", 0, NULL, &g) != 0) {
		print_message("no corpus at %s; nothing to compare\n", DM_SHARED_DIR "/corpus");
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		size_t len = 0;
		char *text = tu_read_file(g.gl_pathv[i], &len);
		json_error_t err;
		json_t *a, *b;
		assert_non_null(text);
		a = json_loadb(text, len, 0, &err);
		b = scan_to_json(text, len);
		if ((a == NULL) != (b == NULL))
			fail_msg("%s: jansson %s, scanner %s", g.gl_pathv[i], a ? "ok" : "rejects",
				 b ? "ok" : "rejects");
		if (a && !json_equal(a, b))
			fail_msg("%s: trees differ", g.gl_pathv[i]);
		json_decref(a);
		json_decref(b);
		free(text);
		n++;
	}
	globfree(&g);
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jscan__agrees_with_jansson_on_tricky_values),
		cmocka_unit_test(test_jscan__rejects_malformed_json_with_offsets),
		cmocka_unit_test(test_jscan__rejects_deep_nesting),
		cmocka_unit_test(test_jscan__member_lookup_and_text_equality),
		cmocka_unit_test(test_jscan__matches_jansson_on_every_corpus_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
