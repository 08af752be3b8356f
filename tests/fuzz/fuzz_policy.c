/*
 * libFuzzer target: IAM policy documents (scanner/policy.c), raw or
 * percent-encoded: dm__policy_parse, dm_policy_equal, dm__policy_is_admin,
 * dm__policy_public_principal, and providers/aws aws_iam_policy_decode.
 *
 * Properties: a document equals (by meaning) its own re-serialisation and
 * the same document with every array reversed (arrays are sets); the admin
 * and public-principal predicates do not depend on array order either.
 * Input with a NUL byte is two documents (before / after it) compared.
 *
 * Seeds: fixtures/fuzz/policy/, policy documents of fixtures/states/.
 */
#include "tests/fuzz/fuzz_util.h"
#include "internal.h"
#include "diff_internal.h"
#include "providers/aws/aws_services.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

/* A deep copy of v with every array reversed. */
static json_t *fuzz_policy_reversed(const json_t *v)
{
	json_t *out, *x;
	const char *k;
	size_t i;

	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(out, k, fuzz_policy_reversed(x));
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		for (i = json_array_size(v); i > 0; i--)
			json_array_append_new(out, fuzz_policy_reversed(json_array_get(v, i - 1)));
		return out;
	}
	return json_deep_copy(v);
}

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	char *a = fuzz_cstr(data, size), *dec = NULL, *text = NULL, *rtext = NULL;
	size_t alen = strlen(a);
	json_t *doc, *rev = NULL;

	dec = aws_iam_policy_decode(a);
	free(dec);
	doc = dm__policy_parse(a);
	if (alen < size) {
		/* two documents */
		const char *b = a + alen + 1;
		int eq = dm_policy_equal(a, b);
		FUZZ_CHECK(eq == dm_policy_equal(b, a));
	}
	if (doc) {
		text = json_dumps(doc, JSON_ENCODE_ANY | JSON_COMPACT);
		rev = fuzz_policy_reversed(doc);
		rtext = rev ? json_dumps(rev, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		if (text && rtext && strlen(text) <= (1u << 20)) {
			FUZZ_CHECK(dm_policy_equal(a, text) == 1);
			FUZZ_CHECK(dm_policy_equal(text, rtext) == 1);
			FUZZ_CHECK(dm__policy_is_admin(a) == dm__policy_is_admin(rtext));
			FUZZ_CHECK(dm__policy_public_principal(a) == dm__policy_public_principal(rtext));
		}
	} else {
		FUZZ_CHECK(dm__policy_is_admin(a) == 0 && dm__policy_public_principal(a) == 0);
	}
	free(text);
	free(rtext);
	json_decref(rev);
	json_decref(doc);
	free(a);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
