/*
 * libFuzzer target for the Terraform state parser (dm_state_parse).
 * Not built by CMake. Build and run by hand, from the repository root,
 * after a normal build in build-fuzz (any build dir works):
 *
 *   cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DDM_BUILD_TESTS=OFF && cmake --build build-fuzz -j2
 *   clang -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
 *     -fsanitize=fuzzer,address,undefined -Iinclude -Iscanner -I. \
 *     tests/fuzz/fuzz_tfstate.c scanner/tfstate.c build-fuzz/libdriftmap.a \
 *     $(pkg-config --libs libgit2 jansson libcurl libxml-2.0 libcgraph libgvc openssl zlib sqlite3 libpq yaml-0.1) \
 *     -lm -ldl -lpthread -o build-fuzz/fuzz_tfstate
 *   cp -r fixtures/states build-fuzz/corpus
 *   build-fuzz/fuzz_tfstate -max_len=65536 -timeout=10 build-fuzz/corpus
 *
 * scanner/tfstate.c is compiled into the target with coverage; the archive's
 * copy of it is then never linked (its external symbols are already
 * defined). The target is differential: the streaming v4 path and the
 * whole-document path must give the same result for every input. Seeds: fixtures/states/ (and ../shared/corpus/ for big inputs,
 * with a larger -max_len).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "driftmap/driftmap.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dm_ctx *ctx, *ctx2; /* one context per path for the whole run */
	dm_inventory *inv = NULL, *inv2 = NULL;
	int rc, rc2;
	size_t i;

	if ((!ctx && dm_ctx_new(&ctx) != 0) || (!ctx2 && dm_ctx_new(&ctx2) != 0))
		abort();
	if (dm_inventory_new(&inv) != 0 || dm_inventory_new(&inv2) != 0)
		abort();
	/* differential: the streaming path and the whole-document path agree */
	rc = dm__state_parse_mode(inv, ctx, (const char *)data, size, "fuzz.tfstate", NULL, 0);
	rc2 = dm__state_parse_mode(inv2, ctx2, (const char *)data, size, "fuzz.tfstate", NULL, 1);
	if (rc != rc2 || dm_inventory_count(inv) != dm_inventory_count(inv2))
		abort();
	if (rc != 0 && strcmp(dm_ctx_last_error(ctx), dm_ctx_last_error(ctx2)) != 0)
		abort();
	if (rc == 0) {
		/* every resource the parser accepted is complete */
		for (i = 0; i < dm_inventory_count(inv); i++) {
			const dm_resource *r = dm_inventory_at(inv, i);
			const dm_resource *r2 = dm_inventory_at(inv2, i);

			if (!r->provider || !r->type || !r->id || !r->address || !json_is_object(r->attrs))
				abort();
			if (strcmp(r->address, r2->address) != 0 || strcmp(r->id, r2->id) != 0 ||
			    r->flags != r2->flags || !json_equal(r->attrs, r2->attrs))
				abort();
		}
		if (dm_inventory_source_count(inv) != 1 ||
		    dm_inventory_source_at(inv, 0)->resources != dm_inventory_source_at(inv2, 0)->resources ||
		    dm_inventory_source_at(inv, 0)->serial != dm_inventory_source_at(inv2, 0)->serial)
			abort();
	}
	dm_inventory_free(inv);
	dm_inventory_free(inv2);
	return 0;
}
