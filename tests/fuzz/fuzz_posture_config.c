/*
 * libFuzzer target: the posture config and mute files (scanner/posture_config.c,
 * YAML through libyaml or JSON): dm_posture_config_load and
 * dm_posture_config_load_mutes over the same bytes.
 *
 * Seeds: fixtures/fuzz/posture_config/.
 */
#include "tests/fuzz/fuzz_util.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	dm_ctx *ctx = fuzz_ctx_begin();
	dm_posture_config *cfg = NULL, *mutes = NULL;
	const char *path = fuzz_tmpfile(data, size);
	int rc;

	rc = dm_posture_config_load(&cfg, ctx, path);
	fuzz_check_error(rc);
	FUZZ_CHECK((rc == 0) == (cfg != NULL));
	dm_ctx_clear_error(ctx);
	if (dm_posture_config_new(&mutes) != 0)
		abort();
	rc = dm_posture_config_load_mutes(mutes, ctx, path);
	fuzz_check_error(rc);
	dm_posture_config_free(cfg);
	dm_posture_config_free(mutes);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
