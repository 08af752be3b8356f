/* driftmap CLI — `driftmap diagram`: current, target and drift topology. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "driftmap/graph.h"
#include "driftmap/posture.h"

#if defined(__SANITIZE_ADDRESS__)
/*
 * DM_SANITIZE builds only: Graphviz 2.42 (Debian) and the font stack under it
 * leak by themselves (see tests/unit/test_graph.c), so every CLI run that draws
 * (diagram, scan/posture with an HTML page) would end in LeakSanitizer's exit 1.
 * Suppress those libraries only; our own leaks are still reported. One
 * definition per binary: it lives here, beside the drawing commands.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\nleak:libcgraph.so\nleak:libgvplugin_\nleak:libfontconfig.so\n"
	       "leak:libglib-2.0.so\nleak:libgobject-2.0.so\nleak:libpango\nleak:libcairo.so\n"
	       "leak:libharfbuzz.so\nleak:libpixman\nleak:libfreetype.so\n";
}
#endif

static const char diagram_help[] =
	"usage: driftmap diagram --view current|target|drift|segmentation [--state SRC]... [--live FILE]\n"
	"                        [--provider NAME]... [--region R]... [--profile P]...\n"
	"                        --output svg=PATH|png=PATH|pdf=PATH|dot=PATH|gv=PATH ...\n"
	"                        [--vpc ID]... [--type TYPE]... [--tag KEY=VALUE]...\n"
	"                        [--focus ID [--depth N]] [--ignore FILE] [--config FILE]\n"
	"\n"
	"Draw the live topology (current), the state's (target) or their union styled by\n"
	"drift finding (drift). All views share one layout, so positions match. Output is\n"
	"deterministic. Big estates are paged: NAME-overview.svg plus NAME-vpc-<id>.svg.\n"
	"\n"
	"  --view V           current (live), target (state), drift (both; default) or\n"
	"                     segmentation (the posture tier matrix: tiers, internet, one\n"
	"                     edge per allowed pair labelled with its protocols/ports)\n"
	"  --config FILE      segmentation: posture config (tier_tag, ...; docs/posture.md)\n"
	"  --output F=PATH    svg, png, pdf, dot (laid out) or gv (DOT before layout); repeatable\n"
	"  --region/--vpc/--type/--tag   keep only matching resources\n"
	"  --focus ID         only ID's neighbourhood, --depth N edges away (default 1)\n"
	"  --live FILE        saved inventory instead of calling APIs; without --state the\n"
	"                     current view needs no state at all\n";

/* --view segmentation: the posture engine's tier matrix over the live inventory */
static int segmentation(cli_opts *o, const dm_graph_output *outs, size_t nouts)
{
	dm_ctx *ctx = NULL;
	dm_inventory *state = NULL, *live = NULL;
	dm_posture_config *cfg = NULL;
	dm_posture *p = NULL;
	dm_graph *g = NULL;
	const dm_type_table *tables[32];
	size_t ntables;
	int rc = DM_EXIT_ERROR;

	ctx = cli_ctx(o);
	if (!ctx)
		return DM_EXIT_ERROR;
	if (o->config ? dm_posture_config_load(&cfg, ctx, o->config) < 0 : dm_posture_config_new(&cfg) < 0)
		goto fail;
	/* providers collect what the matrix needs (ENIs, prefix lists), as for `posture` */
	if (!o->live && cli_list_push(&o->options, "posture=1"))
		goto done;
	if (cli_load_states(ctx, o, &state) || cli_load_live(ctx, o, state, &live))
		goto done;
	ntables = cli_type_tables(ctx, tables, sizeof(tables) / sizeof(tables[0]));
	if (dm_posture_run(&p, ctx, live, cfg) < 0 ||
	    dm_graph_segmentation(&g, ctx, p, live, tables, ntables) < 0 ||
	    dm_graph_render_all(ctx, g, outs, nouts) < 0)
		goto fail;
	rc = DM_EXIT_OK;
	goto done;
fail:
	cli_error("%s", dm_ctx_last_error(ctx));
done:
	dm_graph_free(g);
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	dm_inventory_free(live);
	dm_inventory_free(state);
	dm_ctx_free(ctx);
	return rc;
}

int cmd_diagram(int argc, char **argv)
{
	cli_opts o;
	dm_ctx *ctx = NULL;
	dm_inventory *state = NULL, *live = NULL;
	dm_ignore *ign = NULL;
	dm_drift *drift = NULL;
	dm_graph *g = NULL;
	const dm_type_table *tables[32];
	size_t ntables, i;
	dm_graph_options gopt;
	dm_graph_output outs[CLI_MAX_LIST];
	char fmts[CLI_MAX_LIST][16];
	dm_graph_view view = DM_VIEW_DRIFT;
	dm_diff_options dopt;
	int rc = DM_EXIT_ERROR, k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(diagram_help, stdout);
			return DM_EXIT_OK;
		}
	}
	if (cli_parse(argc, argv, &o, NULL, "diagram"))
		return DM_EXIT_ERROR;
	if (o.view && dm_graph_view_parse(o.view, &view) < 0) {
		cli_error("diagram: unknown view '%s' (current, target, drift, segmentation)", o.view);
		return DM_EXIT_ERROR;
	}
	if (o.outputs.n == 0) {
		cli_error("diagram: at least one --output FORMAT=PATH is required");
		return DM_EXIT_ERROR;
	}
	for (i = 0; i < o.outputs.n; i++) {
		const char *spec = o.outputs.v[i], *eq = strchr(spec, '=');
		size_t n = eq ? (size_t)(eq - spec) : 0;
		if (!eq || n == 0 || n >= sizeof(fmts[0]) || !eq[1]) {
			cli_error("diagram: bad --output '%s' (expected svg=PATH, png=, pdf=, dot= or gv=)", spec);
			return DM_EXIT_ERROR;
		}
		memcpy(fmts[i], spec, n);
		fmts[i][n] = '\0';
		if (strcmp(fmts[i], "svg") && strcmp(fmts[i], "png") && strcmp(fmts[i], "pdf") &&
		    strcmp(fmts[i], "dot") && strcmp(fmts[i], "gv")) {
			cli_error("diagram: unknown diagram format '%s' (svg, png, pdf, dot, gv)", fmts[i]);
			return DM_EXIT_ERROR;
		}
		outs[i].view = view;
		outs[i].format = fmts[i];
		outs[i].path = eq + 1;
	}
	if (view == DM_VIEW_SEGMENTATION)
		return segmentation(&o, outs, o.outputs.n);
	ctx = cli_ctx(&o);
	if (!ctx)
		return DM_EXIT_ERROR;
	if (cli_load_states(ctx, &o, &state))
		goto done;
	if (view != DM_VIEW_TARGET || o.live) {
		if (cli_load_live(ctx, &o, state, &live))
			goto done;
	}
	ntables = cli_type_tables(ctx, tables, sizeof(tables) / sizeof(tables[0]));
	if (live && dm_inventory_count(state) > 0) {
		if (o.ignore && dm_ignore_load(&ign, ctx, o.ignore) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			goto done;
		}
		memset(&dopt, 0, sizeof(dopt));
		dopt.tables = tables;
		dopt.ntables = ntables;
		dopt.ignore = ign;
		if (dm_diff(&drift, ctx, state, live, &dopt) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			goto done;
		}
	}
	memset(&gopt, 0, sizeof(gopt));
	gopt.regions = o.regions.v;
	gopt.nregions = o.regions.n;
	gopt.vpcs = o.filters_vpc.v;
	gopt.nvpcs = o.filters_vpc.n;
	gopt.types = o.filters_type.v;
	gopt.ntypes = o.filters_type.n;
	gopt.tags = o.filters_tag.v;
	gopt.ntags = o.filters_tag.n;
	gopt.focus = o.focus;
	gopt.depth = (unsigned)o.depth;
	if (dm_graph_build(&g, ctx, live, dm_inventory_count(state) ? state : NULL, drift, tables,
			   ntables, &gopt) < 0 ||
	    dm_graph_render_all(ctx, g, outs, o.outputs.n) < 0) {
		cli_error("%s", dm_ctx_last_error(ctx));
		goto done;
	}
	rc = DM_EXIT_OK;
done:
	dm_graph_free(g);
	dm_drift_free(drift);
	dm_ignore_free(ign);
	dm_inventory_free(live);
	dm_inventory_free(state);
	dm_ctx_free(ctx);
	return rc;
}
