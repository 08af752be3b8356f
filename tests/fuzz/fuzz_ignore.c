/*
 * libFuzzer target: .driftignore files (scanner/ignore.c): dm_ignore_parse,
 * then dm_ignore_match with fixed probes and with probes cut from the
 * input itself (so patterns meet the text they were written for).
 *
 * Seeds: fixtures/fuzz/ignore/.
 */
#include "tests/fuzz/fuzz_util.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	dm_ctx *ctx = fuzz_ctx_begin();
	dm_ignore *ig = NULL;
	char probe[3][128];
	size_t i, k = 0, n = 0;
	int rc;

	rc = dm_ignore_parse(&ig, ctx, (const char *)data, size, "fuzz.driftignore");
	fuzz_check_error(rc);
	FUZZ_CHECK((rc == 0) == (ig != NULL));
	if (rc != 0)
		return 0;
	dm_ignore_match(ig, "aws_s3_bucket", "my.bucket", NULL);
	dm_ignore_match(ig, "aws_instance", "i-0abc", "tags.kubernetes.io/role/elb");
	dm_ignore_match(ig, "", "", "");
	/* type.id.attr from the first line of the input, '!' and '\' dropped */
	memset(probe, 0, sizeof(probe));
	for (i = 0; i < size && data[i] != '\n' && k < 3; i++) {
		char c = (char)data[i];
		if (c == '.' && k < 2) {
			k++;
			n = 0;
			continue;
		}
		if (c == '\0' || c == '!' || c == '\\' || n + 1 >= sizeof(probe[0]))
			continue;
		probe[k][n++] = c;
	}
	dm_ignore_match(ig, probe[0], probe[1], NULL);
	dm_ignore_match(ig, probe[0], probe[1], probe[2]);
	FUZZ_CHECK(dm_ignore_count(ig) <= size);
	dm_ignore_free(ig);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
