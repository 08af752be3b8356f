/*
 * libFuzzer target: the Terraform state parser (scanner/tfstate.c).
 *
 * Three paths over the same bytes must agree: dm_state_parse's streaming /
 * lazy v4 path (the caller's bytes are copied), the whole-document path
 * (json_loadb, the one v3 and every error message use) and
 * dm__state_parse_blob (a file's bytes handed to the inventory, as
 * dm_state_load does). Same return code, same error text, same resources;
 * every accepted resource is complete and its attributes materialise.
 *
 * Build and run: scripts/fuzz.sh (libFuzzer, clang); without clang:
 * cc -DDM_FUZZ_MAIN ... tests/fuzz/fuzz_tfstate.c (see fuzz_main.c).
 * Seeds: fixtures/states/, ../shared/corpus/ (*.tfstate), fixtures/fuzz/tfstate/.
 */
#include "tests/fuzz/fuzz_util.h"
#include "source.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

/* The parsers of a and b read the same resources and source. */
static void fuzz_tfstate_same(const dm_inventory *a, const dm_inventory *b)
{
	size_t i;

	FUZZ_CHECK(dm_inventory_count(a) == dm_inventory_count(b));
	FUZZ_CHECK(dm_inventory_source_count(a) == 1 && dm_inventory_source_count(b) == 1);
	FUZZ_CHECK(dm_inventory_source_at(a, 0)->resources == dm_inventory_source_at(b, 0)->resources);
	FUZZ_CHECK(dm_inventory_source_at(a, 0)->serial == dm_inventory_source_at(b, 0)->serial);
	for (i = 0; i < dm_inventory_count(a); i++) {
		const dm_resource *r = dm_inventory_at(a, i), *r2 = dm_inventory_at(b, i);
		json_t *attrs = dm_resource_attrs(r), *attrs2 = dm_resource_attrs(r2);

		FUZZ_CHECK(r->provider && r->type && r->id && r->id[0] && r->address);
		FUZZ_CHECK(json_is_object(attrs) && json_is_object(attrs2));
		FUZZ_CHECK(strcmp(r->address, r2->address) == 0 && strcmp(r->id, r2->id) == 0);
		FUZZ_CHECK(strcmp(r->type, r2->type) == 0 && r->flags == r2->flags);
		FUZZ_CHECK(json_equal(attrs, attrs2));
	}
}

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	dm_ctx *ctx = fuzz_ctx_begin();
	dm_inventory *inv = NULL, *inv2 = NULL, *inv3 = NULL;
	char *err = NULL, *copy = NULL;
	dm_blob blob;
	int rc, rc2, rc3;

	if (dm_inventory_new(&inv) != 0 || dm_inventory_new(&inv2) != 0 || dm_inventory_new(&inv3) != 0)
		abort();
	rc = dm__state_parse_mode(inv, ctx, (const char *)data, size, "fuzz.tfstate", NULL, 0);
	fuzz_check_error(rc);
	err = fuzz_cstr((const uint8_t *)dm_ctx_last_error(ctx), strlen(dm_ctx_last_error(ctx)));
	dm_ctx_clear_error(ctx);
	rc2 = dm__state_parse_mode(inv2, ctx, (const char *)data, size, "fuzz.tfstate", NULL, 1);
	fuzz_check_error(rc2);
	FUZZ_CHECK(rc == rc2);
	FUZZ_CHECK(rc == 0 || strcmp(err, dm_ctx_last_error(ctx)) == 0);
	/* a file's bytes: NUL-terminated heap copy the inventory may adopt */
	dm_ctx_clear_error(ctx);
	copy = fuzz_cstr(data, size);
	dm__blob_from_heap(&blob, copy, size);
	rc3 = dm__state_parse_blob(inv3, ctx, &blob, "fuzz.tfstate", NULL);
	dm__blob_free(&blob);
	FUZZ_CHECK(rc == rc3);
	if (rc == 0) {
		fuzz_tfstate_same(inv, inv2);
		fuzz_tfstate_same(inv, inv3);
	} else {
		FUZZ_CHECK(dm_inventory_count(inv) == 0 && dm_inventory_count(inv2) == 0);
		FUZZ_CHECK(dm_inventory_count(inv3) == 0);
	}
	free(err);
	dm_inventory_free(inv);
	dm_inventory_free(inv2);
	dm_inventory_free(inv3);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
