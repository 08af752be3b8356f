/* driftmap CLI — `driftmap posture`: segmentation, IAM hygiene and EKS rules over the live inventory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "driftmap/posture.h"
#include "driftmap/history.h"
#include "driftmap/graph.h"

static const char posture_help[] =
	"usage: driftmap posture [--live FILE | --provider NAME... --region R... --profile P...]\n"
	"                        [--state SRC]... [--config FILE] [--mute FILE] [--framework ID]\n"
	"                        [--fail-on SEVERITY] [--format F] [--output F=PATH]...\n"
	"                        [--save-live FILE] [--store URL] [--no-color] [--quiet]\n"
	"\n"
	"Evaluate the posture rules (docs/posture.md: SEG-01..16, IAM-01..15, EKS-01..07) over\n"
	"the live inventory: the same collection a scan makes, or a saved one with --live.\n"
	"\n"
	"  --config FILE      rule knobs (YAML): port sets, trusted accounts/CIDRs, tier tag, ...\n"
	"  --mute FILE        mute entries (rule, account, region, resource, tags; reason, expiry)\n"
	"  --framework ID     only rules mapped to a framework (e.g. cis-aws-4.0), with a\n"
	"                     per-requirement summary\n"
	"  --fail-on SEV      exit 2 when an unmuted finding is at or above SEV\n"
	"                     (critical, high, medium, low, info)\n"
	"  --format F         stdout format: text (default), json, ocsf, csv, sarif, junit, html\n"
	"  --output F=PATH    also write format F to PATH; repeatable\n"
	"\n"
	"Exit codes: 0 done (no finding at/above --fail-on), 1 error, 2 findings at/above\n"
	"--fail-on, 3 nothing failed but some scope was incomplete.\n";



/*
 * The segmentation diagram for the HTML page, as SVG text. NULL when it cannot
 * be drawn: the page then goes without it (a warning, not a failed review).
 */
static char *segmentation_svg(dm_ctx *ctx, const dm_posture *p, const dm_inventory *live)
{
	const dm_type_table *tables[32];
	size_t ntables;
	dm_graph *g = NULL;
	char *svg = NULL;

	ntables = cli_type_tables(ctx, tables, sizeof(tables) / sizeof(tables[0]));
	if (dm_graph_segmentation(&g, ctx, p, live, tables, ntables) == 0)
		svg = cli_graph_svg(ctx, g, DM_VIEW_SEGMENTATION);
	if (!svg)
		fprintf(stderr, "driftmap: warning: no segmentation diagram in the HTML page: %s\n",
			dm_ctx_last_error(ctx));
	dm_graph_free(g);
	return svg;
}


int cmd_posture(int argc, char **argv)
{
	cli_opts o;
	dm_ctx *ctx = NULL;
	dm_inventory *state = NULL, *live = NULL;
	dm_posture_config *cfg = NULL;
	dm_posture *p = NULL;
	dm_posture_render_options ro;
	dm_severity fail_on = DM_SEV_INFO;
	const char *format;
	long long started;
	size_t i;
	int k, rc = DM_EXIT_ERROR, incomplete = 0, store_ok = 1;
	struct dm_history *store = NULL;
	char *svg = NULL;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(posture_help, stdout);
			return DM_EXIT_OK;
		}
	}
	if (cli_parse(argc, argv, &o, NULL, "posture"))
		return DM_EXIT_ERROR;
	format = o.format ? o.format : "text";
	if (!dm_posture_format_known(format)) {
		cli_error("posture: unknown format '%s' (text, json, ocsf, csv, sarif, junit, html)", format);
		return DM_EXIT_ERROR;
	}
	for (i = 0; i < o.outputs.n; i++) {
		const char *eq = strchr(o.outputs.v[i], '=');
		char f[32];
		size_t n = eq ? (size_t)(eq - o.outputs.v[i]) : 0;
		if (!eq || !n || n >= sizeof(f) || !eq[1]) {
			cli_error("posture: bad --output '%s' (expected FORMAT=PATH)", o.outputs.v[i]);
			return DM_EXIT_ERROR;
		}
		memcpy(f, o.outputs.v[i], n);
		f[n] = '\0';
		if (!dm_posture_format_known(f)) {
			cli_error("posture: unknown format '%s' in --output", f);
			return DM_EXIT_ERROR;
		}
	}
	if (o.fail_on && dm_posture_severity_parse(o.fail_on, &fail_on) < 0) {
		cli_error("posture: unknown severity '%s' (critical, high, medium, low, info)", o.fail_on);
		return DM_EXIT_ERROR;
	}
	started = (long long)time(NULL);
	ctx = cli_ctx(&o);
	if (!ctx)
		return DM_EXIT_ERROR;
	if (o.config ? dm_posture_config_load(&cfg, ctx, o.config) < 0
		     : dm_posture_config_new(&cfg) < 0)
		goto fail;
	if (o.mute && dm_posture_config_load_mutes(cfg, ctx, o.mute) < 0)
		goto fail;
	if (o.framework && dm_posture_config_set_framework(cfg, ctx, o.framework) < 0)
		goto fail;
	/* providers collect the extra posture data (ENIs, instances, credential report, ...) */
	if (!o.live && cli_list_push(&o.options, "posture=1"))
		goto done;
	if (cli_load_states(ctx, &o, &state))
		goto done;
	if (cli_load_live(ctx, &o, state, &live))
		goto done;
	if (dm_posture_run(&p, ctx, live, cfg) < 0)
		goto fail;
	dm_posture_set_times(p, started, (long long)time(NULL));
	if (o.store) {
		/* first-seen before the reports are written; a store that cannot be opened
		 * fails the run only after they are written */
		size_t n = dm_posture_count(p), j;
		const char **fps = calloc(n ? n : 1, sizeof(*fps));
		long long *when = calloc(n ? n : 1, sizeof(*when));
		int frc = (!fps || !when) ? DM_ENOMEM : 0;
		store_ok = frc == 0 && cli_store_open(ctx, o.store, &store) == 0;
		if (store_ok) {
			for (j = 0; j < n; j++)
				fps[j] = dm_posture_at(p, j)->fingerprint;
			if (n)
				frc = dm_history_first_seen_many(store, fps, n, when);
			for (j = 0; frc == 0 && j < n; j++)
				dm_posture_set_first_seen(p, j, when[j] > 0 ? when[j] : started);
		}
		if (frc < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			store_ok = 0;
		}
		free(fps);
		free(when);
	}
	memset(&ro, 0, sizeof(ro));
	if (cli_wants_format(&o, format, "html")) {
		svg = segmentation_svg(ctx, p, live);
		ro.diagram_svg = svg;
	}
	for (i = 0; i < o.outputs.n; i++) {
		const char *eq = strchr(o.outputs.v[i], '=');
		char f[32];
		memcpy(f, o.outputs.v[i], (size_t)(eq - o.outputs.v[i]));
		f[eq - o.outputs.v[i]] = '\0';
		if (dm_posture_write_file(ctx, p, f, &ro, eq + 1) < 0)
			goto fail;
	}
	ro.color = !o.no_color && !getenv("NO_COLOR") && isatty(STDOUT_FILENO);
	ro.quiet = o.quiet;
	if (dm_posture_write(ctx, p, format, &ro, stdout) < 0)
		goto fail;
	fflush(stdout);
	if (o.store) {
		long long run_id = 0;
		if (!store_ok)
			goto done;
		if (dm_history_record_posture(store, p, &run_id) < 0)
			goto fail;
		if (!o.quiet)
			fprintf(stderr, "driftmap: recorded run %lld in %s\n", run_id, dm_history_url(store));
	}
	for (i = 0; i < dm_inventory_scope_count(live); i++) {
		if (!dm_inventory_scope_at(live, i)->complete)
			incomplete = 1;
	}
	if (o.fail_on && dm_posture_fails(p, fail_on))
		rc = DM_EXIT_DRIFT;
	else
		rc = incomplete ? DM_EXIT_INCOMPLETE : DM_EXIT_OK;
	goto done;
fail:
	cli_error("%s", dm_ctx_last_error(ctx));
	rc = DM_EXIT_ERROR;
done:
	free(svg);
	dm_history_free(store);
	dm_posture_config_free(cfg);
	if (cli_free_at_exit()) {
		dm_posture_free(p);
		dm_inventory_free(live);
		dm_inventory_free(state);
	}
	dm_ctx_free(ctx);
	return rc;
}
