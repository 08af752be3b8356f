/* Unit tests: IAM policy documents compared by meaning (dm_policy_equal). */
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "diff_internal.h"

struct pcase {
	const char *a;
	const char *b;
	int equal;
};

#define TRUST "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"eks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"

static const struct pcase cases[] = {
	/* identical / whitespace / key order */
	{ TRUST, TRUST, 1 },
	{ TRUST, "{\r\n  \"Statement\": [\r\n {\"Action\": \"sts:AssumeRole\", \"Principal\": {\"Service\": \"eks.amazonaws.com\"}, \"Effect\": \"Allow\"}\r\n ],\n\t\"Version\": \"2012-10-17\"}", 1 },
	/* percent-encoded (as IAM returns it) */
	{ TRUST, "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22eks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D", 1 },
	/* one-element list == string; Statement object == list of one */
	{ TRUST, "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"eks.amazonaws.com\"]},\"Action\":[\"sts:AssumeRole\"]}}", 1 },
	/* statement order and action order */
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:DeleteObject\",\"Resource\":\"*\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:DeleteObject\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObject\",\"s3:GetObject\"],\"Resource\":[\"*\"]}]}", 1 },
	/* duplicates in a set */
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a:B\",\"a:B\",\"a:C\"],\"Resource\":\"*\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a:C\",\"a:B\"],\"Resource\":\"*\"}]}", 1 },
	/* principal account forms */
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"123456789012\"},\"Action\":\"sts:AssumeRole\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"sts:AssumeRole\"}]}", 1 },
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"123456789012\",\"arn:aws:iam::210987654321:role/x\"]},\"Action\":\"sts:AssumeRole\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::210987654321:role/x\",\"arn:aws:iam::123456789012:root\"]},\"Action\":\"sts:AssumeRole\"}]}", 1 },
	/* numbers and booleans in conditions equal their strings */
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":10},\"Bool\":{\"aws:SecureTransport\":true}}}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"},\"NumericLessThan\":{\"s3:max-keys\":\"10\"}}}]}", 1 },
	/* empty Sid == no Sid */
	{ "{\"Statement\":[{\"Sid\":\"\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}", 1 },
	{ "", "", 1 },
	{ NULL, "", 1 },

	/* real differences */
	{ TRUST, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}", 0 },
	{ TRUST, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"Service\":\"eks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}", 0 },
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a:B\",\"a:C\"],\"Resource\":\"*\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a:B\"],\"Resource\":\"*\"}]}", 0 },
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"123456789012\"},\"Action\":\"sts:AssumeRole\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:user/root\"},\"Action\":\"sts:AssumeRole\"}]}", 0 },
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"123456789012\"},\"Action\":\"sts:AssumeRole\"}]}",
	  "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::210987654321:root\"},\"Action\":\"sts:AssumeRole\"}]}", 0 },
	/* only listed equivalences: a missing Version differs */
	{ "{\"Statement\":[]}", "{\"Version\":\"2008-10-17\",\"Statement\":[]}", 0 },
	{ "{\"Sid\":\"x\"}", "not json", 0 },
	{ TRUST, "", 0 },
};

static void test_policy__equivalence_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = dm_policy_equal(cases[i].a, cases[i].b);
		int rev = dm_policy_equal(cases[i].b, cases[i].a);
		if (got != cases[i].equal || rev != cases[i].equal)
			fail_msg("case %zu: want %d, got %d / reversed %d", i, cases[i].equal, got, rev);
	}
}

static void test_policy__admin_and_public_predicates(void **state)
{
	(void)state;
	assert_true(dm__policy_is_admin("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
	assert_true(dm__policy_is_admin("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"s3:Get\",\"*:*\"],\"Resource\":[\"*\"]}}"));
	assert_true(dm__policy_is_admin("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"));
	assert_false(dm__policy_is_admin("{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
	assert_false(dm__policy_is_admin("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"));
	assert_false(dm__policy_is_admin("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"arn:aws:s3:::b\"}]}"));
	assert_false(dm__policy_is_admin("garbage"));
	assert_true(dm__policy_public_principal("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"}]}"));
	assert_true(dm__policy_public_principal("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":\"sts:AssumeRole\"}]}"));
	assert_false(dm__policy_public_principal(TRUST));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy__equivalence_table),
		cmocka_unit_test(test_policy__admin_and_public_predicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
