/* SigV4 against AWS's published test-suite vectors (fixtures/sigv4/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "providers/aws/aws_sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static const char *const vectors[] = {
	"get-vanilla", "get-vanilla-query-order-key-case", "post-x-www-form-urlencoded",
	"get-header-value-trim", "get-header-key-duplicate", "post-vanilla", "get-unreserved",
	"post-sts-header-before",
};

typedef struct parsed {
	char *text;
	char method[8];
	char path[256];
	char query[256];
	const char *host, *date, *token;
	aws_header h[8];
	size_t nh;
	const char *body;
	size_t body_len;
} parsed;

static void parse_req(parsed *p, const char *name)
{
	char rel[256], *line, *next, *sp, *q;
	size_t len = 0;

	memset(p, 0, sizeof(*p));
	snprintf(rel, sizeof(rel), "sigv4/%s/%s.req", name, name);
	p->text = tu_read_file(tu_fixture(rel), &len);
	assert_non_null(p->text);
	line = p->text;
	next = strchr(line, '\n');
	assert_non_null(next);
	*next = '\0';
	sp = strchr(line, ' ');
	assert_non_null(sp);
	*sp = '\0';
	snprintf(p->method, sizeof(p->method), "%s", line);
	line = sp + 1;
	sp = strchr(line, ' ');
	assert_non_null(sp);
	*sp = '\0';
	q = strchr(line, '?');
	if (q) {
		*q = '\0';
		snprintf(p->query, sizeof(p->query), "%s", q + 1);
	}
	snprintf(p->path, sizeof(p->path), "%s", line);
	for (line = next + 1; *line && *line != '\n'; line = next + 1) {
		char *colon;

		next = strchr(line, '\n');
		assert_non_null(next);
		*next = '\0';
		colon = strchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		if (strcasecmp(line, "host") == 0)
			p->host = colon + 1;
		else if (strcasecmp(line, "x-amz-date") == 0)
			p->date = colon + 1;
		else if (strcasecmp(line, "x-amz-security-token") == 0)
			p->token = colon + 1;
		else {
			assert_true(p->nh < 8);
			p->h[p->nh].name = line;
			p->h[p->nh].value = colon + 1;
			p->nh++;
		}
	}
	p->body = *line ? line + 1 : line;
	p->body_len = strlen(p->body);
}

static char *fixture_text(const char *name, const char *ext)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "sigv4/%s/%s.%s", name, name, ext);
	return tu_read_file(tu_fixture(rel), NULL);
}

static void test_aws_sigv4__matches_the_aws_test_suite(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		parsed p;
		aws_sign_input in;
		aws_creds creds = { "AKIDEXAMPLE", SECRET, NULL, 0 };
		char *auth = NULL, *creq = NULL, *sts = NULL, hash[65];
		char *want_authz = fixture_text(vectors[i], "authz");
		char *want_creq = fixture_text(vectors[i], "creq");
		char *want_sts = fixture_text(vectors[i], "sts");

		parse_req(&p, vectors[i]);
		creds.session_token = (char *)p.token;
		memset(&in, 0, sizeof(in));
		in.method = p.method;
		in.host = p.host;
		in.path = p.path;
		in.query = p.query;
		in.headers = p.h;
		in.nheaders = p.nh;
		in.body = p.body;
		in.body_len = p.body_len;
		in.region = "us-east-1";
		in.service = "service";
		in.amz_date = p.date;
		assert_int_equal(aws_sigv4_sign(&in, &creds, &auth, hash), 0);
		assert_int_equal(aws_sigv4_debug(&in, &creds, &creq, &sts), 0);
		assert_non_null(want_authz);
		if (strcmp(auth, want_authz) != 0)
			fail_msg("vector %zu (%s): authz\n got  %s\n want %s", i, vectors[i], auth,
				 want_authz);
		if (want_creq && strcmp(creq, want_creq) != 0)
			fail_msg("vector %zu (%s): creq\n got  %s\n want %s", i, vectors[i], creq,
				 want_creq);
		if (want_sts && strcmp(sts, want_sts) != 0)
			fail_msg("vector %zu (%s): sts\n got  %s\n want %s", i, vectors[i], sts,
				 want_sts);
		free(auth);
		free(creq);
		free(sts);
		free(want_authz);
		free(want_creq);
		free(want_sts);
		free(p.text);
	}
}

static void test_aws_sigv4__s3_signs_the_payload_hash_header(void **state)
{
	aws_sign_input in;
	aws_creds creds = { "AKIDEXAMPLE", SECRET, "TOKEN", 0 };
	char *auth = NULL, *creq = NULL, hash[65];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.method = "GET";
	in.host = "127.0.0.1:5000";
	in.path = "/bucket/env/prod%20x.tfstate";
	in.query = "";
	in.region = "us-east-1";
	in.service = "s3";
	in.amz_date = "20261123T101500Z";
	in.s3_payload_header = 1;
	assert_int_equal(aws_sigv4_sign(&in, &creds, &auth, hash), 0);
	assert_string_equal(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_non_null(strstr(auth, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
	assert_non_null(strstr(auth, "Credential=AKIDEXAMPLE/20261123/us-east-1/s3/aws4_request"));
	assert_null(strstr(auth, SECRET));
	assert_null(strstr(auth, "TOKEN"));
	assert_int_equal(aws_sigv4_debug(&in, &creds, &creq, NULL), 0);
	/* S3: the path is used as sent (no double encoding) */
	assert_non_null(strstr(creq, "\n/bucket/env/prod%20x.tfstate\n"));
	free(creq);
	in.service = "eks";
	in.s3_payload_header = 0;
	assert_int_equal(aws_sigv4_debug(&in, &creds, &creq, NULL), 0);
	/* other services: encoded once more */
	assert_non_null(strstr(creq, "\n/bucket/env/prod%2520x.tfstate\n"));
	assert_null(strstr(creq, "x-amz-content-sha256"));
	free(creq);
	free(auth);
}

static void test_aws_sigv4__query_values_are_reencoded_and_sorted(void **state)
{
	aws_sign_input in;
	aws_creds creds = { "AK", "SK", NULL, 0 };
	char *creq = NULL;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.method = "GET";
	in.host = "h";
	in.path = "/";
	in.query = "prefix=env/a b&list-type=2&b=%7e&a=";
	in.region = "r";
	in.service = "s3";
	in.amz_date = "20261123T101500Z";
	assert_int_equal(aws_sigv4_debug(&in, &creds, &creq, NULL), 0);
	assert_non_null(strstr(creq, "\na=&b=~&list-type=2&prefix=env%2Fa%20b\n"));
	free(creq);
}

static void test_aws_sigv4__amz_date_formats_utc(void **state)
{
	char d[17];

	(void)state;
	aws_sigv4_amz_date(1440938160, d);
	assert_string_equal(d, "20150830T123600Z");
	aws_sigv4_amz_date(951868799, d);
	assert_string_equal(d, "20000229T235959Z");
}

static void test_aws_sigv4__rejects_missing_fields(void **state)
{
	aws_sign_input in;
	aws_creds creds = { "AK", "SK", NULL, 0 };
	char *auth = NULL, hash[65];

	(void)state;
	memset(&in, 0, sizeof(in));
	in.method = "GET";
	assert_int_equal(aws_sigv4_sign(&in, &creds, &auth, hash), DM_EINVAL);
	assert_null(auth);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_sigv4__matches_the_aws_test_suite),
		cmocka_unit_test(test_aws_sigv4__s3_signs_the_payload_hash_header),
		cmocka_unit_test(test_aws_sigv4__query_values_are_reencoded_and_sorted),
		cmocka_unit_test(test_aws_sigv4__amz_date_formats_utc),
		cmocka_unit_test(test_aws_sigv4__rejects_missing_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
