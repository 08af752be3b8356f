/* driftmap CLI — `driftmap inventory` and `driftmap providers`. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char inventory_help[] =
	"usage: driftmap inventory [--provider NAME]... [--region R]... [--profile P]...\n"
	"                          [--state SRC]... [--concurrency N] --output json=PATH\n"
	"\n"
	"Collect the live inventory and save it (driftmap.inventory/v1) for offline use with\n"
	"--live. --state is optional: it tells providers which per-resource details to fetch.\n";

int cmd_inventory(int argc, char **argv)
{
	cli_opts o;
	dm_ctx *ctx = NULL;
	dm_inventory *state = NULL, *live = NULL;
	const char *path = NULL;
	int i, rc = DM_EXIT_ERROR;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(inventory_help, stdout);
			return DM_EXIT_OK;
		}
	}
	if (cli_parse(argc, argv, &o, NULL, "inventory"))
		return DM_EXIT_ERROR;
	if (o.outputs.n != 1 || strncmp(o.outputs.v[0], "json=", 5) != 0 || !o.outputs.v[0][5]) {
		cli_error("inventory: exactly one --output json=PATH is required");
		return DM_EXIT_ERROR;
	}
	path = o.outputs.v[0] + 5;
	ctx = cli_ctx(&o);
	if (!ctx)
		return DM_EXIT_ERROR;
	if (cli_load_states(ctx, &o, &state))
		goto done;
	o.save_live = path;
	if (cli_load_live(ctx, &o, state, &live))
		goto done;
	rc = DM_EXIT_OK;
	for (i = 0; (size_t)i < dm_inventory_scope_count(live); i++) {
		if (!dm_inventory_scope_at(live, (size_t)i)->complete)
			rc = DM_EXIT_INCOMPLETE;
	}
done:
	dm_inventory_free(live);
	dm_inventory_free(state);
	dm_ctx_free(ctx);
	return rc;
}

static const char providers_help[] =
	"usage: driftmap providers [--plugin PATH]... [--verbose]\n"
	"\n"
	"List built-in and plugin providers (also from DRIFTMAP_PLUGIN_PATH) and, with\n"
	"--verbose, every resource type each one knows.\n";

int cmd_providers(int argc, char **argv)
{
	cli_opts o;
	dm_ctx *ctx;
	size_t i, j;
	int k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(providers_help, stdout);
			return DM_EXIT_OK;
		}
	}
	if (cli_parse(argc, argv, &o, NULL, "providers"))
		return DM_EXIT_ERROR;
	ctx = cli_ctx(&o);
	if (!ctx)
		return DM_EXIT_ERROR;
	for (i = 0; i < dm_providers_count(ctx); i++) {
		const struct dm_provider *p = dm_providers_at(ctx, i);
		const dm_type_table *t = dm_provider_types(p);
		printf("%-12s %-10s %3zu types  %s\n", dm_provider_name(p), dm_provider_origin(ctx, i),
		       t ? t->ntypes : 0, dm_provider_description(p) ? dm_provider_description(p) : "");
		if (o.verbose && t) {
			for (j = 0; j < t->ntypes; j++)
				printf("    %-45s %s\n", t->types[j].type,
				       t->types[j].service ? t->types[j].service : "");
		}
	}
	dm_ctx_free(ctx);
	return DM_EXIT_OK;
}
