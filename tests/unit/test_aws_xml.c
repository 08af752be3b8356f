/* Safe XML parsing, the three AWS error shapes, throttle classification, util helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"
#include "providers/aws/aws_internal.h"
#include "providers/aws/aws_xml.h"

static void test_aws_xml__parses_a_describe_response(void **state)
{
	dm_ctx *ctx = NULL;
	xmlDocPtr doc = NULL;
	const char *body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
			   "<requestId>r1</requestId><vpcSet><item><vpcId>vpc-1</vpcId>"
			   "<cidrBlock><![CDATA[10.0.0.0/16]]></cidrBlock></item></vpcSet>"
			   "</DescribeVpcsResponse>";
	xmlNodePtr item;
	char *t;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_xml_parse(ctx, body, strlen(body), "ec2:DescribeVpcs", &doc), 0);
	item = aws_xml_child(aws_xml_child(xmlDocGetRootElement(doc), "vpcSet"), "item");
	assert_non_null(item);
	t = aws_xml_child_text(item, "vpcId");
	assert_string_equal(t, "vpc-1");
	free(t);
	t = aws_xml_child_text(item, "cidrBlock");
	assert_string_equal(t, "10.0.0.0/16");
	free(t);
	assert_null(aws_xml_child_text(item, "nope"));
	xmlFreeDoc(doc);
	dm_ctx_free(ctx);
}

static void test_aws_xml__html_empty_and_truncated_bodies_are_one_line_errors(void **state)
{
	static const char *const bodies[] = {
		"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head></html>",
		"",
		"<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpc",
		"Internal Server Error",
		"   <html><body>x</body></html>",
	};
	dm_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		xmlDocPtr doc = (xmlDocPtr)1;
		const char *err;

		if (aws_xml_parse(ctx, bodies[i], strlen(bodies[i]), "ec2:DescribeVpcs", &doc) !=
		    DM_EPARSE)
			fail_msg("case %zu: not DM_EPARSE", i);
		assert_null(doc);
		err = dm_ctx_last_error(ctx);
		if (strncmp(err, "ec2:DescribeVpcs: response is not XML", 37) != 0 || strchr(err, '\n'))
			fail_msg("case %zu: bad message '%s'", i, err);
	}
	assert_int_equal(aws_xml_parse(ctx, bodies[0], strlen(bodies[0]), "ec2:DescribeVpcs", &(xmlDocPtr){ NULL }),
			 DM_EPARSE);
	assert_string_equal(dm_ctx_last_error(ctx),
			    "ec2:DescribeVpcs: response is not XML (starts with '<!DOCTYPE html>')");
	dm_ctx_free(ctx);
}

static void test_aws_xml__entities_are_never_expanded(void **state)
{
	const char *laughs =
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
		"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
		"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
		"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
		"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
		"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
		"]><Response><Errors><Error><Code>&lol9;</Code><Message>x</Message></Error></Errors></Response>";
	char path[] = "/tmp/dm_xxe_XXXXXX";
	char xxe[512];
	dm_ctx *ctx = NULL;
	xmlDocPtr doc = NULL;
	char *code = NULL, *msg = NULL;
	int fd;
	clock_t t0 = clock();

	(void)state;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_xml_parse(ctx, laughs, strlen(laughs), "iam:GetRole", &doc), DM_EPARSE);
	assert_null(doc);
	aws_error_parse(laughs, strlen(laughs), &code, &msg);
	assert_null(code);
	assert_null(msg);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "SECRET-FILE-CONTENT", 19), 19);
	close(fd);
	snprintf(xxe, sizeof(xxe),
		 "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file://%s\">]>"
		 "<ErrorResponse><Error><Code>&x;</Code><Message>&x;</Message></Error></ErrorResponse>",
		 path);
	assert_int_equal(aws_xml_parse(ctx, xxe, strlen(xxe), "sts:GetCallerIdentity", &doc), DM_EPARSE);
	assert_null(strstr(dm_ctx_last_error(ctx), "SECRET-FILE-CONTENT"));
	aws_error_parse(xxe, strlen(xxe), &code, &msg);
	assert_true(!code || !strstr(code, "SECRET"));
	assert_true(!msg || !strstr(msg, "SECRET"));
	free(code);
	free(msg);
	unlink(path);
	dm_ctx_free(ctx);
}

static void test_aws_xml__reads_all_three_error_shapes(void **state)
{
	static const struct {
		const char *body, *code, *msg;
	} cases[] = {
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
		  "RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error>"
		  "</Errors><RequestID>abc</RequestID></Response>",
		  "RequestLimitExceeded", "Request limit exceeded." },
		{ "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
		  "<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
		  "</Error><RequestId>r</RequestId></ErrorResponse>",
		  "Throttling", "Rate exceeded" },
		{ "{\"message\":\"Rate exceeded\",\"__type\":\"com.amazon#ThrottlingException\"}",
		  "ThrottlingException", "Rate exceeded" },
		{ "{\"Message\":\"No cluster found\",\"code\":\"ResourceNotFoundException:http://x\"}",
		  "ResourceNotFoundException", "No cluster found" },
		{ "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key does not "
		  "exist</Message><Key>a</Key></Error>",
		  "NoSuchKey", "The key does not exist" },
		{ "<!DOCTYPE html><html><body>500</body></html>", NULL, NULL },
		{ "", NULL, NULL },
		{ "{\"message\":", NULL, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *code = (char *)1, *msg = (char *)1;

		aws_error_parse(cases[i].body, strlen(cases[i].body), &code, &msg);
		if ((cases[i].code == NULL) != (code == NULL) ||
		    (code && strcmp(code, cases[i].code) != 0))
			fail_msg("case %zu: code '%s'", i, code ? code : "(null)");
		if ((cases[i].msg == NULL) != (msg == NULL) || (msg && strcmp(msg, cases[i].msg) != 0))
			fail_msg("case %zu: message '%s'", i, msg ? msg : "(null)");
		free(code);
		free(msg);
	}
}

static void test_aws_xml__classifies_throttling(void **state)
{
	(void)state;
	assert_true(aws_error_is_throttle("RequestLimitExceeded", 503));
	assert_true(aws_error_is_throttle("Throttling", 400));
	assert_true(aws_error_is_throttle("ThrottlingException", 400));
	assert_true(aws_error_is_throttle("TooManyRequestsException", 400));
	assert_true(aws_error_is_throttle("RequestThrottled", 400));
	assert_true(aws_error_is_throttle(NULL, 429));
	assert_true(aws_error_is_throttle(NULL, 503));
	assert_false(aws_error_is_throttle("AccessDenied", 403));
	assert_false(aws_error_is_throttle("InvalidVpcID.NotFound", 400));
	assert_false(aws_error_is_throttle(NULL, 500));
}

static void test_aws_xml__util_encodes_and_decodes(void **state)
{
	const char *kv[] = { "Filter.1.Name", "tag:Env", "RoleName", "a b/c+d~", "Skip", NULL };
	char *s;

	(void)state;
	s = aws_uri_encode("a b/c~ü", 0);
	assert_string_equal(s, "a%20b/c~%C3%BC");
	free(s);
	s = aws_uri_encode("a b/c", 1);
	assert_string_equal(s, "a%20b%2Fc");
	free(s);
	s = aws_url_decode("%7B%22Version%22%3A%222012-10-17%22%7D%zz%4");
	assert_string_equal(s, "{\"Version\":\"2012-10-17\"}%zz%4");
	free(s);
	s = aws_query_body("DescribeVpcs", "2016-11-15", kv, 3);
	assert_string_equal(s, "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AEnv"
			       "&RoleName=a%20b%2Fc%2Bd~&Skip=");
	free(s);
	s = aws_query_body("GetCallerIdentity", "2011-06-15", NULL, 0);
	assert_string_equal(s, "Action=GetCallerIdentity&Version=2011-06-15");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_xml__parses_a_describe_response),
		cmocka_unit_test(test_aws_xml__html_empty_and_truncated_bodies_are_one_line_errors),
		cmocka_unit_test(test_aws_xml__entities_are_never_expanded),
		cmocka_unit_test(test_aws_xml__reads_all_three_error_shapes),
		cmocka_unit_test(test_aws_xml__classifies_throttling),
		cmocka_unit_test(test_aws_xml__util_encodes_and_decodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
