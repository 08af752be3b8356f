/*
 * libFuzzer target: what a hostile inventory's attributes reach after
 * loading — the comparison (scanner/diff*.c, with the AWS type table) and
 * the posture rules (scanner/posture*.c). The input is read as a saved
 * inventory (dm_inventory_load_json) or, failing that, as a state file;
 * it is then compared as the state side with fixtures/estates/demo-live.json,
 * as the live side with fixtures/estates/demo-state.json, and evaluated by
 * dm_posture_run as a live inventory.
 *
 * The fixtures are found through $DM_FIXTURES_DIR, else the compile-time
 * DM_FIXTURES_DIR, else ./fixtures.
 *
 * Seeds: fixtures/estates/, fixtures/posture/estate.json, fixtures/fuzz/diff/.
 */
#include "tests/fuzz/fuzz_util.h"
#include "internal.h"
#include "providers/aws/aws_types.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

/* A fixture inventory, loaded once for the run. */
static dm_inventory *fuzz_diff_fixture(dm_inventory **slot, const char *rel)
{
	char path[4096];
	const char *dir = getenv("DM_FIXTURES_DIR");

#ifdef DM_FIXTURES_DIR
	if (!dir)
		dir = DM_FIXTURES_DIR;
#endif
	if (!dir)
		dir = "fixtures";
	if (!*slot) {
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		if (dm_inventory_load_json(slot, fuzz_ctx(), path) != 0) {
			fprintf(stderr, "fuzz_diff: %s\n", dm_ctx_last_error(fuzz_ctx()));
			abort();
		}
	}
	return *slot;
}

static void fuzz_diff_run(const dm_inventory *state, const dm_inventory *live)
{
	const dm_type_table *tables[1] = {dm__aws_type_table()};
	dm_diff_options opts;
	dm_drift *d = NULL;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.tables = tables;
	opts.ntables = 1;
	dm_ctx_clear_error(fuzz_ctx());
	rc = dm_diff(&d, fuzz_ctx(), state, live, &opts);
	fuzz_check_error(rc);
	if (rc == 0)
		FUZZ_CHECK(dm_drift_summary(d) != NULL);
	dm_drift_free(d);
}

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	static dm_inventory *demo_live, *demo_state;
	dm_ctx *ctx = fuzz_ctx_begin();
	dm_inventory *inv = NULL;
	dm_posture *p = NULL;
	int rc;

	fuzz_diff_fixture(&demo_live, "estates/demo-live.json");
	fuzz_diff_fixture(&demo_state, "estates/demo-state.json");
	if (dm_inventory_load_json(&inv, ctx, fuzz_tmpfile(data, size)) != 0) {
		if (dm_inventory_new(&inv) != 0)
			abort();
		if (dm_state_parse(inv, ctx, (const char *)data, size, "fuzz.tfstate", NULL) != 0) {
			dm_inventory_free(inv);
			return 0;
		}
	}
	fuzz_diff_run(inv, demo_live);
	fuzz_diff_run(demo_state, inv);
	dm_ctx_clear_error(ctx);
	rc = dm_posture_run(&p, ctx, inv, NULL);
	fuzz_check_error(rc);
	dm_posture_free(p);
	dm_inventory_free(inv);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
