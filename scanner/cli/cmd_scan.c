/* driftmap CLI — `driftmap scan`: state vs live, reports, exit code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "driftmap/history.h"
#include "driftmap/graph.h"

static const char scan_help[] =
	"usage: driftmap scan [--state SRC]... [--provider NAME]... [--region R]... [--profile P]...\n"
	"                     [--format F] [--output F=PATH]... [--ignore FILE]\n"
	"                     [--live FILE] [--save-live FILE] [--concurrency N] [--fail-on SEV]\n"
	"                     [--plugin PATH]... [--no-color] [--quiet] [--verbose]\n"
	"\n"
	"Compare Terraform state with the live cloud and report drift.\n"
	"\n"
	"  --state SRC        state source; repeatable, states aggregate. SRC is a path or glob\n"
	"                     (envs/**/*.tfstate), git::REPO//PATH?ref=REF, s3://BUCKET/KEY, or -\n"
	"  --provider NAME    provider to scan (default: those the state uses, else aws)\n"
	"  --region R         region to scan; repeatable; 'all' = every enabled region\n"
	"  --profile P        AWS profile or role ARN; repeatable (several accounts)\n"
	"  --format F         report on stdout: text (default), json, markdown, html, sarif, junit\n"
	"  --output F=PATH    also write format F to PATH; repeatable\n"
	"  --ignore FILE      .driftignore rules (default: ./.driftignore, else next to the state)\n"
	"  --live FILE        use a saved live inventory instead of calling APIs\n"
	"  --save-live FILE   save the live inventory collected by this scan\n"
	"  --concurrency N    API requests in flight (default 16)\n"
	"  --store URL        record the run in a history store (sqlite:PATH, postgres://...,\n"
	"                     or 'default'); findings then say since when they exist\n"
	"  --fail-on SEV      exit 2 only when a drift finding that is not ignored has severity\n"
	"                     SEV or higher (info, low, medium, high, critical); drift below it\n"
	"                     is still reported but exits 0 (or 3 when the scan was incomplete)\n"
	"  --plugin PATH      load a provider plugin (.so); also DRIFTMAP_PLUGIN_PATH\n"
	"  --no-color         no ANSI colours in the text report (also NO_COLOR)\n"
	"  --quiet            summary line only, errors only on stderr\n"
	"\n"
	"Exit codes: 0 no drift (or none at/above --fail-on), 1 error, 2 drift found (at/above\n"
	"--fail-on when given), 3 no drift found but the scan was incomplete (some API scope\n"
	"failed, so absence of drift is not proven).\n";

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* --ignore, else ./.driftignore, else .driftignore next to the first local state file. */
static int load_ignore(dm_ctx *ctx, const cli_opts *o, dm_ignore **out)
{
	char path[4096];
	size_t i;

	*out = NULL;
	if (o->ignore) {
		if (dm_ignore_load(out, ctx, o->ignore) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			return 1;
		}
		return 0;
	}
	if (file_exists(".driftignore")) {
		if (dm_ignore_load(out, ctx, ".driftignore") < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			return 1;
		}
		return 0;
	}
	for (i = 0; i < o->states.n; i++) {
		const char *s = o->states.v[i], *slash;
		if (strncmp(s, "git::", 5) == 0 || strncmp(s, "s3://", 5) == 0 || strcmp(s, "-") == 0)
			continue;
		slash = strrchr(s, '/');
		if (slash)
			snprintf(path, sizeof(path), "%.*s/.driftignore", (int)(slash - s), s);
		else
			snprintf(path, sizeof(path), ".driftignore");
		if (file_exists(path)) {
			if (dm_ignore_load(out, ctx, path) < 0) {
				cli_error("%s", dm_ctx_last_error(ctx));
				return 1;
			}
			return 0;
		}
	}
	return 0;
}

/*
 * Does the result make exit code 2? Without --fail-on any drift does; with it
 * only a finding that is not ignored and has severity >= fail_on.
 */
static int drift_fails(const dm_drift *d, int have_fail_on, dm_severity fail_on)
{
	const dm_summary *sum = dm_drift_summary(d);
	size_t i;

	if (!have_fail_on)
		return sum->unmanaged + sum->missing + sum->changed > 0;
	for (i = 0; i < dm_drift_count(d); i++) {
		const dm_finding *f = dm_drift_at(d, i);

		if (!f->ignored && f->severity >= fail_on)
			return 1;
	}
	return 0;
}

/* Split "F=PATH". */
static int split_output(const char *spec, char *fmt, size_t cap, const char **path)
{
	const char *eq = strchr(spec, '=');
	size_t n;

	if (!eq || eq == spec || !eq[1])
		return -1;
	n = (size_t)(eq - spec);
	if (n >= cap)
		return -1;
	memcpy(fmt, spec, n);
	fmt[n] = '\0';
	*path = eq + 1;
	return 0;
}



/*
 * The drift diagram for the HTML report, as SVG text (the overview page when
 * the estate is paged). NULL when it cannot be drawn: the report then says so
 * and the scan goes on (a diagram is not worth failing a CI scan for).
 */
static char *drift_svg(dm_ctx *ctx, const dm_inventory *live, const dm_inventory *state,
		       const dm_drift *d, const dm_type_table *const *tables, size_t ntables)
{
	dm_graph *g = NULL;
	char *svg = NULL;

	if (dm_graph_build(&g, ctx, live, dm_inventory_count(state) ? state : NULL, d, tables, ntables,
			   NULL) == 0)
		svg = cli_graph_svg(ctx, g, DM_VIEW_DRIFT);
	if (!svg)
		fprintf(stderr, "driftmap: warning: no diagram in the HTML report: %s\n",
			dm_ctx_last_error(ctx));
	dm_graph_free(g);
	return svg;
}


/* Copy a report file just written to out; 0 or -1 (the caller then renders instead). */
static int copy_report(const char *path, FILE *out)
{
	char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = 0;

	if (!f)
		return -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	}
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc == 0 && fflush(out) == 0 ? 0 : -1;
}

/* Look up when each finding was first recorded; new ones date from this run. */
static int set_first_seen(dm_ctx *ctx, dm_history *h, dm_drift *d, long long started)
{
	size_t n = dm_drift_count(d), i;
	const char **fps = calloc(n ? n : 1, sizeof(*fps));
	long long *when = calloc(n ? n : 1, sizeof(*when));
	int rc = 0;

	(void)ctx;
	if (!fps || !when) {
		free(fps);
		free(when);
		return DM_ENOMEM;
	}
	for (i = 0; i < n; i++)
		fps[i] = dm_drift_at(d, i)->fingerprint;
	if (n)
		rc = dm_history_first_seen_many(h, fps, n, when);
	for (i = 0; rc == 0 && i < n; i++)
		dm_drift_set_first_seen(d, i, when[i] > 0 ? when[i] : started);
	free(fps);
	free(when);
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	cli_opts o;
	dm_ctx *ctx = NULL;
	dm_inventory *state = NULL, *live = NULL;
	dm_ignore *ign = NULL;
	dm_drift *drift = NULL;
	const dm_type_table *tables[32];
	dm_diff_options dopt;
	dm_report_options ropt;
	const dm_summary *sum;
	const char *format, *same = NULL;
	dm_severity fail_on = DM_SEV_INFO;
	long long started;
	double t0;
	size_t i;
	int rc = DM_EXIT_ERROR, store_ok = 1;
	char *svg = NULL;
	char *trend_svg = NULL; /* HTML "Trend" section (--store) */
	struct dm_history *store = NULL;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(scan_help, stdout);
			return DM_EXIT_OK;
		}
	}
	if (cli_parse(argc, argv, &o, NULL, "scan"))
		return DM_EXIT_ERROR;
	format = o.format ? o.format : "text";
	if (!dm_report_format_known(format)) {
		cli_error("scan: unknown format '%s' (text, json, markdown, html, sarif, junit)", format);
		return DM_EXIT_ERROR;
	}
	if (o.fail_on && dm_severity_parse(o.fail_on, &fail_on) < 0) {
		cli_error("scan: unknown severity '%s' for --fail-on (info, low, medium, high, critical)",
			  o.fail_on);
		return DM_EXIT_ERROR;
	}
	for (i = 0; i < o.outputs.n; i++) {
		char f[32];
		const char *p;
		if (split_output(o.outputs.v[i], f, sizeof(f), &p) < 0 || !dm_report_format_known(f)) {
			cli_error("scan: bad --output '%s' (expected FORMAT=PATH with a known format)",
				  o.outputs.v[i]);
			return DM_EXIT_ERROR;
		}
	}
	started = (long long)time(NULL);
	ctx = cli_ctx(&o);
	if (!ctx)
		return DM_EXIT_ERROR;
	/* --live FILE: both files at once; a provider collection only after the ignore file is read */
	t0 = cli_now_ms();
	if (o.live ? cli_load_inputs(ctx, &o, &state, &live) : cli_load_states(ctx, &o, &state))
		goto done;
	if (load_ignore(ctx, &o, &ign))
		goto done;
	if (!o.live && cli_load_live(ctx, &o, state, &live))
		goto done;
	cli_debug(&o, "state: %zu resources, live: %zu resources, read in %.0f ms",
		  dm_inventory_count(state), dm_inventory_count(live), cli_now_ms() - t0);
	t0 = cli_now_ms();

	memset(&dopt, 0, sizeof(dopt));
	dopt.tables = tables;
	dopt.ntables = cli_type_tables(ctx, tables, sizeof(tables) / sizeof(tables[0]));
	dopt.ignore = ign;
	if (dm_diff(&drift, ctx, state, live, &dopt) < 0) {
		cli_error("%s", dm_ctx_last_error(ctx));
		goto done;
	}
	cli_debug(&o, "diff: %zu findings in %.0f ms", dm_drift_count(drift), cli_now_ms() - t0);
	t0 = cli_now_ms();
	dm_drift_set_times(drift, started, (long long)time(NULL));
	if (o.store) {
		/* first-seen from the store; a store that cannot be opened fails the run, but
		 * only after the reports are written */
		store_ok = cli_store_open(ctx, o.store, &store) == 0;
		if (store_ok && set_first_seen(ctx, store, drift, started) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			store_ok = 0;
		}
		/* the trend of the drift runs recorded so far, for the HTML report; a chart is
		 * not worth failing the scan for: warn and go on */
		if (store_ok && cli_wants_format(&o, format, "html")) {
			dm_history_filter tf;
			json_t *tdoc = NULL;

			memset(&tf, 0, sizeof(tf));
			tf.kind = DM_HISTORY_DRIFT;
			if (dm_history_trend(store, &tf, &tdoc) < 0)
				fprintf(stderr, "driftmap: warning: no trend in the HTML report: %s\n",
					dm_ctx_last_error(ctx));
			else if (json_array_size(json_object_get(tdoc, "runs")) > 0)
				trend_svg = dm_history_trend_svg(tdoc);
			json_decref(tdoc);
		}
	}

	memset(&ropt, 0, sizeof(ropt));
	ropt.trend_svg = trend_svg;
	if (cli_wants_format(&o, format, "html")) {
		svg = drift_svg(ctx, live, state, drift, tables, dopt.ntables);
		ropt.diagram_svg = svg;
	}
	ropt.color = !o.no_color && !getenv("NO_COLOR") && isatty(STDOUT_FILENO);
	ropt.quiet = o.quiet;
	for (i = 0; i < o.outputs.n; i++) {
		char f[32];
		const char *p = NULL;
		dm_report_options fo = ropt;
		split_output(o.outputs.v[i], f, sizeof(f), &p);
		fo.color = 0;
		fo.quiet = 0;
		if (dm_report_write_file(ctx, drift, f, &fo, p) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			goto done;
		}
		/* only the text report depends on --quiet / --no-color */
		if (strcmp(f, format) == 0 && strcmp(format, "text") != 0)
			same = p;
	}
	/* stdout in a format a file already holds: the same bytes, not a second rendering */
	if ((!same || copy_report(same, stdout) < 0) &&
	    dm_report_write(ctx, drift, format, &ropt, stdout) < 0) {
		cli_error("%s", dm_ctx_last_error(ctx));
		goto done;
	}
	fflush(stdout);
	cli_debug(&o, "reports written in %.0f ms", cli_now_ms() - t0);
	if (o.store) {
		long long run_id = 0;
		if (!store_ok)
			goto done;
		if (dm_history_record_drift(store, drift, &run_id) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			goto done;
		}
		if (!o.quiet)
			fprintf(stderr, "driftmap: recorded run %lld in %s\n", run_id, dm_history_url(store));
	}
	sum = dm_drift_summary(drift);
	if (drift_fails(drift, o.fail_on != NULL, fail_on))
		rc = DM_EXIT_DRIFT;
	else if (!sum->complete)
		rc = DM_EXIT_INCOMPLETE;
	else
		rc = DM_EXIT_OK;
done:
	free(trend_svg);
	free(svg);
	dm_history_free(store);
	dm_ignore_free(ign);
	if (cli_free_at_exit()) {
		dm_drift_free(drift);
		dm_inventory_free(live);
		dm_inventory_free(state);
	}
	dm_ctx_free(ctx);
	return rc;
}
