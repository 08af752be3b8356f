/*
 * libFuzzer target: the saved-inventory loader (scanner/inventory.c),
 * dm_inventory_load_json (lazy: attributes stay raw text until used) and
 * dm_inventory_from_json (a jansson tree).
 *
 * Every resource the lazy loader accepts has provider/type/id and
 * attributes that materialise into an object; the accepted inventory
 * survives a round trip through its JSON form.
 *
 * Seeds: fixtures/estates/, fixtures/posture/estate.json, fixtures/fuzz/inventory/.
 */
#include "tests/fuzz/fuzz_util.h"
#include "internal.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	dm_ctx *ctx = fuzz_ctx_begin();
	dm_inventory *inv = NULL, *inv2 = NULL;
	json_t *doc = NULL, *again = NULL;
	json_error_t jerr;
	size_t i;
	int rc;

	rc = dm_inventory_load_json(&inv, ctx, fuzz_tmpfile(data, size));
	fuzz_check_error(rc);
	FUZZ_CHECK((rc == 0) == (inv != NULL));
	if (rc == 0) {
		for (i = 0; i < dm_inventory_count(inv); i++) {
			const dm_resource *r = dm_inventory_at(inv, i);
			FUZZ_CHECK(r->provider && r->type && r->id);
			dm_resource_attr(r, "id");
			FUZZ_CHECK(json_is_object(dm_resource_attrs(r)));
		}
		FUZZ_CHECK(dm_inventory_materialize(inv) == 0);
		doc = dm_inventory_to_json(inv);
		FUZZ_CHECK(doc != NULL);
		rc = dm_inventory_from_json(&inv2, ctx, doc, "round trip");
		FUZZ_CHECK(rc == 0 && dm_inventory_count(inv2) == dm_inventory_count(inv));
		dm_inventory_free(inv2);
		inv2 = NULL;
	}
	/* the jansson path over the same text */
	dm_ctx_clear_error(ctx);
	again = json_loadb((const char *)data, size, 0, &jerr);
	if (again) {
		rc = dm_inventory_from_json(&inv2, ctx, again, "fuzz.json");
		fuzz_check_error(rc);
		FUZZ_CHECK((rc == 0) == (inv2 != NULL));
	}
	json_decref(again);
	json_decref(doc);
	dm_inventory_free(inv);
	dm_inventory_free(inv2);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
