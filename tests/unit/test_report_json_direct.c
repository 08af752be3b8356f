/*
 * The JSON report writes its findings directly (no jansson object per
 * finding). Differential tests: dm__esc_json against json_dumps of
 * dm__rep_jstr for every byte, every byte pair and seeded random strings;
 * the whole rendered report against json_dumps of the reference tree
 * (dm__report_json_build) over drifts that reach every member and branch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "reports/report_internal.h"
#include "report_fixture.h"

#define JFLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))


/* Fail with the first differing offset and some context of both texts. */
static void assert_same_text(const char *what, const char *want, size_t wlen,
			     const char *got, size_t glen)
{
	size_t i = 0, from;

	if (wlen == glen && memcmp(want, got, wlen) == 0)
		return;
	while (i < wlen && i < glen && want[i] == got[i])
		i++;
	from = i > 60 ? i - 60 : 0;
	fail_msg("%s: differs at byte %zu (lengths %zu / %zu)\n--- want\n%.*s\n--- got\n%.*s", what,
		 i, wlen, glen, (int)((wlen - from) < 160 ? wlen - from : 160), want + from,
		 (int)((glen - from) < 160 ? glen - from : 160), got + from);
}

/* ---- the string writer ---------------------------------------------------- */

static void check_esc(const char *s)
{
	dm_buf b = DM_BUF_INIT;
	json_t *j = dm__rep_jstr(s);
	char *want;

	assert_non_null(j);
	want = json_dumps(j, JSON_ENCODE_ANY | JFLAGS);
	json_decref(j);
	assert_non_null(want);
	assert_int_equal(dm__esc_json(&b, s), 0);
	assert_non_null(b.ptr);
	assert_same_text("dm__esc_json", want, strlen(want), b.ptr, b.len);
	free(want);
	dm__buf_free(&b);
}

static void test_report_json_direct__string_writer_matches_jansson_for_every_byte_and_pair(void **state)
{
	char s[4];
	unsigned a, c;

	(void)state;
	check_esc(NULL);
	check_esc("");
	for (a = 1; a < 256; a++) {
		s[0] = (char)a;
		s[1] = '\0';
		check_esc(s);
		for (c = 1; c < 256; c++) {
			s[1] = (char)c;
			s[2] = '\0';
			check_esc(s);
		}
	}
}

static void test_report_json_direct__string_writer_escapes_as_documented(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\s/", "\"q\\\"b\\\\s/\"" },
		{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1a\x1f\x7f", "\"\\u0001\\u001A\\u001F\x7f\"" },
		{ "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"" },
		{ "a\xFF" "b", "\"a\xEF\xBF\xBD" "b\"" },
		{ "t\xE2\x82", "\"t\xEF\xBF\xBD\xEF\xBF\xBD\"" },
		{ "o\xC0\xAF", "\"o\xEF\xBF\xBD\xEF\xBF\xBD\"" },
		{ "s\xED\xA0\x80", "\"s\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dm_buf b = DM_BUF_INIT;

		assert_int_equal(dm__esc_json(&b, cases[i].in), 0);
		assert_string_equal(b.ptr, cases[i].out);
		dm__buf_free(&b);
		check_esc(cases[i].in);
	}
}

static unsigned long long xorshift(unsigned long long *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void test_report_json_direct__string_writer_matches_jansson_on_random_strings(void **state)
{
	/* bytes at the edges of the UTF-8 and escaping rules */
	static const unsigned char edge[] = {
		0x01, 0x08, 0x1F, 0x20, '"', '\\', '/', 'a', 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
		0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEE, 0xEF, 0xF0, 0xF4, 0xF5, 0xFE, 0xFF,
	};
	unsigned long long seed = 0x9E3779B97F4A7C15ULL;
	char s[40];
	int k;

	(void)state;
	for (k = 0; k < 50000; k++) {
		size_t i, n = (size_t)(xorshift(&seed) % (sizeof(s) - 1));

		for (i = 0; i < n; i++) {
			unsigned long long r = xorshift(&seed);
			unsigned char c = (r & 1) ? edge[(r >> 1) % sizeof(edge)] : (unsigned char)(r >> 8);

			s[i] = (char)(c ? c : 'z');
		}
		s[n] = '\0';
		check_esc(s);
	}
}

/* ---- the whole report ------------------------------------------------------ */

static char *render_direct(const dm_drift *d, int with_loc, size_t *len)
{
	dm_report_options o;
	dm__report r;
	dm_buf b;
	int rc;

	memset(&o, 0, sizeof(o));
	o.max_bytes = 64u * 1024u;
	r.ctx = g_ctx;
	r.d = d;
	r.opts = &o;
	r.loc = NULL;
	if (with_loc)
		assert_int_equal(dm__srcloc_new(&r.loc, g_ctx), 0);
	dm__buf_init(&b, 512u * 1024u * 1024u);
	rc = dm__report_json_render(&r, &b);
	dm__srcloc_free(r.loc);
	assert_int_equal(rc, 0);
	*len = b.len;
	return dm__buf_detach(&b);
}

/* json_dumps of the reference tree and the newline render appends. */
static char *render_reference(const dm_drift *d, int with_loc, size_t *len)
{
	dm__srcloc *loc = NULL;
	json_t *doc;
	char *txt, *out;
	size_t n;

	if (with_loc)
		assert_int_equal(dm__srcloc_new(&loc, g_ctx), 0);
	doc = dm__report_json_build(d, loc);
	dm__srcloc_free(loc);
	assert_non_null(doc);
	txt = json_dumps(doc, JFLAGS);
	json_decref(doc);
	assert_non_null(txt);
	n = strlen(txt);
	out = malloc(n + 2);
	assert_non_null(out);
	memcpy(out, txt, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	free(txt);
	*len = n + 1;
	return out;
}

static char *render_public(const dm_drift *d, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc;

	assert_non_null(f);
	rc = dm_report_write(g_ctx, d, "json", NULL, f);
	fclose(f);
	assert_int_equal(rc, 0);
	assert_non_null(buf);
	return buf;
}

/* Direct render == reference, with and without a source locator, and through
 * dm_report_write. Returns the reference text with sources (caller frees). */
static char *check_drift(const char *what, const dm_drift *d)
{
	char *want, *got, *pub;
	size_t wlen, glen, plen;

	want = render_reference(d, 0, &wlen);
	got = render_direct(d, 0, &glen);
	assert_same_text(what, want, wlen, got, glen);
	free(want);
	free(got);

	want = render_reference(d, 1, &wlen);
	got = render_direct(d, 1, &glen);
	assert_same_text(what, want, wlen, got, glen);
	pub = render_public(d, &plen);
	assert_same_text(what, want, wlen, pub, plen);
	free(got);
	free(pub);
	return want;
}

static void test_report_json_direct__fixture_sets_match_the_reference_tree(void **state)
{
	rfix fx;
	char *ref;

	(void)state;
	fx_basic(g_ctx, &fx);
	ref = check_drift("basic", fx.drift);
	/* the branches this set is meant to reach */
	assert_non_null(strstr(ref, "\"kind\": \"unmanaged\""));
	assert_non_null(strstr(ref, "\"kind\": \"missing\""));
	assert_non_null(strstr(ref, "\"kind\": \"changed\""));
	assert_non_null(strstr(ref, "\"source\": {"));
	assert_non_null(strstr(ref, "\"(sensitive)\""));
	assert_non_null(strstr(ref, "\"address\": null"));
	assert_null(strstr(ref, "\"ignored\": []"));
	free(ref);
	fx_free(&fx);

	fx_empty(g_ctx, &fx);
	ref = check_drift("empty", fx.drift);
	assert_non_null(strstr(ref, "\"drift\": []"));
	assert_non_null(strstr(ref, "\"ignored\": []"));
	free(ref);
	fx_free(&fx);

	fx_unicode(g_ctx, &fx);
	ref = check_drift("unicode", fx.drift);
	assert_non_null(strstr(ref, "\xEF\xBF\xBD"));
	free(ref);
	fx_free(&fx);

	fx_huge(g_ctx, &fx, 300);
	ref = check_drift("huge", fx.drift);
	free(ref);
	fx_free(&fx);
}

/* Hostile strings in every string member, NULLs, reals and nested values in
 * changes, redaction, first_seen, every severity, ignored findings. */
static void test_report_json_direct__edge_drift_matches_the_reference_tree(void **state)
{
	static const char ign[] = "aws_security_group.sg-ignored-\xC3\xA9\n";
	static const char *const ids[] = {
		"sg-ctl-\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14"
		"\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f-\x7f",
		"sg-utf8-\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF",
		"sg-lone-\xFF-\x80-\xFE",
		"sg-trunc-\xE2\x82",
		"sg-trunc2-\xF0\x9F\x98-x",
		"sg-overlong-\xC0\xAF-\xE0\x80\xAF-\xF0\x80\x80\xAF",
		"sg-surrogate-\xED\xA0\x80-\xED\xBF\xBF",
		"sg-range-\xF4\x90\x80\x80-\xF5\x80",
		"sg-quote-\"back\\slash/ </script>",
		"sg-ignored-\xC3\xA9",
	};
	rfix fx;
	char *ref, *p;
	size_t i, n, nfirst = 0;
	dm_finding *mut = NULL;
	const char *saved[4] = { NULL, NULL, NULL, NULL };

	(void)state;
	fx_new(&fx);
	fx_source(fx.state, FX_STATE_URI, "0123456789abcdef0123456789abcdef01234567", 4);
	/* changed: nested objects, arrays, reals, booleans, null, redacted parts */
	fx_state_at(fx.state, "aws_vpc", "vpc-0a1", "aws_vpc.main",
		  "0123456789abcdef0123456789abcdef01234567",
		  "{\"id\":\"vpc-0a1\",\"region\":\"us-east-1\",\"cidr_block\":{\"a\":[1,2.5,0.1,1e300,-0.0,"
		  "100.0,{\"b\":null,\"t\":true}],\"inner\":{\"token\":\"s3cr3t\",\"keep\":\"x\\u0001\\\"\"},"
		  "\"hidden\":{\"deep\":[1,2]}},"
		  "\"enable_dns_hostnames\":1.0000000000000002,"
		  "\"tags\":{\"Env\":\"prod\\ttab\",\"Owner\":\"alice\",\"api_key\":\"k1\"}}",
		  "[[\"cidr_block\",\"hidden\"],[\"tags\",\"Owner\"]]");
	fx_live_in(fx.live, "aws_vpc", "vpc-0a1", FX_ACCOUNT, "us-east-1",
		 "{\"id\":\"vpc-0a1\",\"cidr_block\":[0.3333333333333333,123456789.123456789,"
		 "{\"token\":\"x\"},[],{}],\"enable_dns_hostnames\":false,"
		 "\"tags\":{\"Env\":\"dev \xE2\x82\xAC\",\"Owner\":\"bob\",\"api_key\":\"k2\",\"New\":\"n\"}}");
	/* changed: a real against an integer on a scalar */
	fx_state_at(fx.state, "aws_iam_role", "role-\"q\"", "module.m[\"k\\\"ey\"].aws_iam_role.r",
		  NULL, "{\"id\":\"role-\\\"q\\\"\",\"max_session_duration\":3600}", NULL);
	fx_live_in(fx.live, "aws_iam_role", "role-\"q\"", FX_ACCOUNT, "global",
		 "{\"id\":\"role-\\\"q\\\"\",\"max_session_duration\":3600.25}");
	/* missing, with a commit and an address with quotes */
	fx_state_at(fx.state, "aws_db_instance", "db-gone", "aws_db_instance.gone",
		  "0123456789abcdef0123456789abcdef01234567",
		  "{\"id\":\"db-gone\",\"region\":\"us-east-1\",\"engine_version\":\"15.4\","
		  "\"password\":\"hunter2\"}", "[[\"password\"]]");
	/* unmanaged, hostile ids; one in a region of hostile bytes, one without region */
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		fx_live_in(fx.live, "aws_security_group", ids[i], i == 3 ? "acct-\xFF\x01" : FX_ACCOUNT,
			 i == 2 ? "us-\x1f\xC3\xA9\xFF" : i == 4 ? NULL : "us-east-1",
			 "{\"description\":\"d\",\"ingress\":[]}");
	fx_standard_scopes(fx.live);
	fx_scope(fx.live, "us-\x1f\xC3\xA9\xFF", "ec2:DescribeSecurityGroups", "aws_security_group", 1, NULL);
	{
		const char *types[1] = { "aws_security_group" };
		dm_scope sc;

		memset(&sc, 0, sizeof(sc));
		sc.provider = "aws";
		sc.account = "acct-\xFF\x01";
		sc.region = "us-east-1";
		sc.api = "ec2:DescribeSecurityGroups";
		sc.types = types;
		sc.ntypes = 1;
		sc.complete = 1;
		assert_int_equal(dm_inventory_add_scope(fx.live, &sc), 0);
	}
	assert_int_equal(dm_ignore_parse(&fx.ignore, g_ctx, ign, sizeof(ign) - 1, "edge .driftignore"), 0);
	fx_diff(g_ctx, &fx);

	n = dm_drift_count(fx.drift);
	assert_true(n >= 12);
	for (i = 0; i < n; i++) {
		const dm_finding *f = dm_drift_at(fx.drift, i);

		/* first_seen on every other finding; every severity */
		if (i % 2 == 0)
			dm_drift_set_first_seen(fx.drift, i, 1700000000LL + (long long)i * 86461LL);
		if (f->resource_id && strncmp(f->resource_id, "sg-range-", 9) == 0)
			mut = (dm_finding *)f; /* owned by the drift; the test restores it */
	}
	assert_non_null(mut);
	/* NULL in the members a finding from the engine always fills */
	saved[0] = mut->provider;
	saved[1] = mut->type;
	saved[2] = mut->resource_id;
	saved[3] = mut->account;
	mut->provider = NULL;
	mut->type = NULL;
	mut->resource_id = NULL;
	mut->account = NULL;

	ref = check_drift("edge", fx.drift);
	for (i = 0; i < n; i++) {
		dm_finding *f = (dm_finding *)dm_drift_at(fx.drift, i);
		dm_severity keep = f->severity;
		char *again;

		f->severity = (dm_severity)(i % 5);
		again = check_drift("edge severities", fx.drift);
		free(again);
		f->severity = keep;
	}
	mut->provider = saved[0];
	mut->type = saved[1];
	mut->resource_id = saved[2];
	mut->account = saved[3];

	/* the branches this drift is meant to reach */
	assert_non_null(strstr(ref, "\\u0001\\u0002"));
	assert_non_null(strstr(ref, "\\u001F-\x7f\""));
	assert_non_null(strstr(ref, "\\b\\t\\n\\u000B\\f\\r"));
	assert_non_null(strstr(ref, "\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"));
	assert_non_null(strstr(ref, "sg-lone-\xEF\xBF\xBD-\xEF\xBF\xBD-\xEF\xBF\xBD\""));
	assert_non_null(strstr(ref, "sg-quote-\\\"back\\\\slash/ </script>\""));
	assert_non_null(strstr(ref, "\"first_seen\": \""));
	assert_non_null(strstr(ref, "\"commit\": \"0123456789abcdef"));
	assert_non_null(strstr(ref, "\"provider\": null"));
	assert_non_null(strstr(ref, "\"resource_id\": null"));
	assert_non_null(strstr(ref, "\"account\": \"acct-\xEF\xBF\xBD\\u0001\""));
	assert_non_null(strstr(ref, "\"region\": null"));
	assert_non_null(strstr(ref, "3600.25"));
	assert_non_null(strstr(ref, "0.333333333333333"));
	assert_non_null(strstr(ref, "\"(sensitive)\""));
	assert_null(strstr(ref, "s3cr3t"));
	assert_null(strstr(ref, "hunter2"));
	assert_non_null(strstr(ref, "\"kind\": \"missing\""));
	assert_non_null(strstr(ref, "\"kind\": \"changed\""));
	p = strstr(ref, "\n  \"ignored\": [\n    {");
	assert_non_null(p);
	assert_non_null(strstr(p, "sg-ignored-\xC3\xA9"));
	for (p = ref; (p = strstr(p, "\"first_seen\"")) != NULL; p++)
		nfirst++;
	assert_int_equal(nfirst, (n + 1) / 2);
	free(ref);
	fx_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_json_direct__string_writer_matches_jansson_for_every_byte_and_pair),
		cmocka_unit_test(test_report_json_direct__string_writer_escapes_as_documented),
		cmocka_unit_test(test_report_json_direct__string_writer_matches_jansson_on_random_strings),
		cmocka_unit_test(test_report_json_direct__fixture_sets_match_the_reference_tree),
		cmocka_unit_test(test_report_json_direct__edge_drift_matches_the_reference_tree),
	};

	return cmocka_run_group_tests(tests, fx_ctx_setup, fx_ctx_teardown);
}
