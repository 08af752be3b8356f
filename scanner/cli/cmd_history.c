/* driftmap CLI — `driftmap history`: runs recorded with --store, compared over time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "driftmap/history.h"
#include "driftmap/graph.h"

static const char history_help[] =
	"usage: driftmap history [--store URL] list [--kind drift|posture] [--source S] [--account A]\n"
	"                                          [--since 90d] [--until 7d] [--format text|json|csv]\n"
	"       driftmap history [--store URL] show RUN [--format F] [--output F=PATH]...\n"
	"                                          (F: a report format, or svg|png|pdf|dot|gv: the diagram)\n"
	"       driftmap history [--store URL] compare RUN_A RUN_B [--details] [--format text|json|csv]\n"
	"                                          [--output svg=PATH|png=PATH|dot=PATH]\n"
	"       driftmap history [--store URL] compare --since 90d [filters] [--details] ...\n"
	"       driftmap history [--store URL] trend [filters] [--format text|json|csv|svg]\n"
	"       driftmap history [--store URL] prune --keep 400d|N [--dry-run]\n"
	"\n"
	"The history store records every scan or posture run given --store URL: sqlite:PATH\n"
	"(default: $XDG_DATA_HOME/driftmap/history.db) or postgres://user@host/db for a team.\n"
	"RUN is a run id, 'latest' or 'latest~N'. compare lists findings new, resolved and\n"
	"changed (by fingerprint), summary and coverage deltas; with --output it draws the\n"
	"topology difference (added resources as unmanaged, removed as missing). prune always\n"
	"keeps the newest run of each source.\n";

int cli_store_open(dm_ctx *ctx, const char *url, struct dm_history **out)
{
	char *def = NULL;
	int rc;

	*out = NULL;
	if (!url || strcmp(url, "default") == 0) {
		if (dm_history_default_url(ctx, &def) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			return 1;
		}
		url = def;
	}
	rc = dm_history_open(out, ctx, url);
	free(def);
	if (rc < 0) {
		cli_error("%s", dm_ctx_last_error(ctx));
		return 1;
	}
	return 0;
}

static int fill_filter(dm_ctx *ctx, const cli_opts *o, dm_history_filter *f)
{
	long long secs, now = (long long)time(NULL);

	memset(f, 0, sizeof(*f));
	f->kind = DM_HISTORY_ANY;
	if (o->kind && dm_history_kind_parse(o->kind, &f->kind) < 0) {
		cli_error("history: unknown kind '%s' (drift, posture)", o->kind);
		return 1;
	}
	f->source = o->source;
	f->account = o->account;
	if (o->since) {
		if (dm_history_parse_duration(o->since, &secs) < 0) {
			cli_error("history: bad --since '%s' (e.g. 90d, 12h, 2w)", o->since);
			return 1;
		}
		f->since = now - secs;
	}
	if (o->until) {
		if (dm_history_parse_duration(o->until, &secs) < 0) {
			cli_error("history: bad --until '%s' (e.g. 7d)", o->until);
			return 1;
		}
		f->until = now - secs;
	}
	(void)ctx;
	return 0;
}

/* Re-render a stored run in a non-JSON format: rebuild the inventories and re-run. */
static int rerender(dm_ctx *ctx, const json_t *report, const json_t *inv, const char *format,
		    FILE *out, const char *path)
{
	const char *schema = json_string_value(json_object_get(report, "schema"));
	dm_inventory *live = NULL, *state = NULL;
	dm_drift *d = NULL;
	dm_posture *p = NULL;
	const dm_type_table *tables[32];
	dm_diff_options dopt;
	dm_report_options ro;
	dm_posture_render_options po;
	int rc = 1;

	if (!inv || json_is_null(inv)) {
		cli_error("history: this run has no inventory snapshot (recorded at store schema v1); only --format json is available");
		return 1;
	}
	if (dm_inventory_from_json(&live, ctx, json_object_get(inv, "live"), "stored live inventory") < 0)
		goto err;
	if (schema && strcmp(schema, "driftmap.posture/v1") == 0) {
		if (dm_posture_run(&p, ctx, live, NULL) < 0)
			goto err;
		memset(&po, 0, sizeof(po));
		if ((path ? dm_posture_write_file(ctx, p, format, &po, path)
			  : dm_posture_write(ctx, p, format, &po, out)) < 0)
			goto err;
	} else {
		if (dm_inventory_from_json(&state, ctx, json_object_get(inv, "state"),
					   "stored state inventory") < 0)
			goto err;
		memset(&dopt, 0, sizeof(dopt));
		dopt.tables = tables;
		dopt.ntables = cli_type_tables(ctx, tables, sizeof(tables) / sizeof(tables[0]));
		if (dm_diff(&d, ctx, state, live, &dopt) < 0)
			goto err;
		memset(&ro, 0, sizeof(ro));
		if ((path ? dm_report_write_file(ctx, d, format, &ro, path)
			  : dm_report_write(ctx, d, format, &ro, out)) < 0)
			goto err;
	}
	rc = 0;
	goto done;
err:
	cli_error("%s", dm_ctx_last_error(ctx));
done:
	dm_posture_free(p);
	dm_drift_free(d);
	dm_inventory_free(state);
	dm_inventory_free(live);
	return rc;
}

/* Is FMT a diagram format (rendered from the graph, not a report)? */
static int is_diagram_format(const char *fmt)
{
	static const char *const fmts[] = {"svg", "png", "pdf", "dot", "gv"};
	size_t i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (strcmp(fmt, fmts[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * The diagrams of a stored run, drawn from its inventory snapshot: a drift run
 * in the drift view (state vs live re-diffed, as rerender() does), a posture
 * run in the current (live) view. OUTS is laid out once.
 */
static int show_diagrams(dm_ctx *ctx, const json_t *report, const json_t *inv,
			 dm_graph_output *outs, size_t n)
{
	const char *schema = json_string_value(json_object_get(report, "schema"));
	int posture = schema && strcmp(schema, "driftmap.posture/v1") == 0;
	dm_inventory *live = NULL, *state = NULL;
	dm_drift *d = NULL;
	dm_graph *g = NULL;
	const dm_type_table *tables[32];
	dm_diff_options dopt;
	size_t i, ntables;
	int rc = 1;

	if (!inv || json_is_null(inv)) {
		cli_error("history show: this run has no inventory snapshot (recorded at store schema v1); no diagram can be drawn");
		return 1;
	}
	for (i = 0; i < n; i++)
		outs[i].view = posture ? DM_VIEW_CURRENT : DM_VIEW_DRIFT;
	ntables = cli_type_tables(ctx, tables, sizeof(tables) / sizeof(tables[0]));
	if (dm_inventory_from_json(&live, ctx, json_object_get(inv, "live"), "stored live inventory") < 0)
		goto err;
	if (!posture) {
		if (dm_inventory_from_json(&state, ctx, json_object_get(inv, "state"),
					   "stored state inventory") < 0)
			goto err;
		memset(&dopt, 0, sizeof(dopt));
		dopt.tables = tables;
		dopt.ntables = ntables;
		if (dm_diff(&d, ctx, state, live, &dopt) < 0)
			goto err;
	}
	if (dm_graph_build(&g, ctx, live, state && dm_inventory_count(state) ? state : NULL, d, tables,
			   ntables, NULL) < 0 ||
	    dm_graph_render_all(ctx, g, outs, n) < 0)
		goto err;
	rc = 0;
	goto done;
err:
	cli_error("%s", dm_ctx_last_error(ctx));
done:
	dm_graph_free(g);
	dm_drift_free(d);
	dm_inventory_free(state);
	dm_inventory_free(live);
	return rc;
}

static int write_json_file(dm_ctx *ctx, const json_t *doc, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		cli_error("history: cannot write %s", path);
		return 1;
	}
	rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', f);
	if (fclose(f) != 0 || rc != 0) {
		cli_error("history: cannot write %s", path);
		return 1;
	}
	(void)ctx;
	return 0;
}

static int history_show(dm_ctx *ctx, dm_history *h, const cli_opts *o, const char *spec)
{
	dm_history_filter f;
	json_t *report = NULL, *inv = NULL;
	long long id;
	size_t i, ndiag = 0;
	int rc = 1;
	const char *format = o->format ? o->format : "json";
	dm_graph_output diag[CLI_MAX_LIST];
	char dfmt[CLI_MAX_LIST][8];

	if (fill_filter(ctx, o, &f))
		return 1;
	if (dm_history_resolve_run(h, &f, spec, &id) < 0 || dm_history_show(h, id, &report, &inv) < 0) {
		cli_error("%s", dm_ctx_last_error(ctx));
		return 1;
	}
	for (i = 0; i < o->outputs.n; i++) {
		const char *eq = strchr(o->outputs.v[i], '=');
		char fmt[32];
		size_t n = eq ? (size_t)(eq - o->outputs.v[i]) : 0;
		if (!eq || !n || n >= sizeof(fmt)) {
			cli_error("history show: bad --output '%s'", o->outputs.v[i]);
			goto done;
		}
		memcpy(fmt, o->outputs.v[i], n);
		fmt[n] = '\0';
		if (is_diagram_format(fmt)) {
			/* drawn below, all laid out once */
			if (!eq[1]) {
				cli_error("history show: bad --output '%s'", o->outputs.v[i]);
				goto done;
			}
			memcpy(dfmt[ndiag], fmt, n + 1);
			diag[ndiag].view = DM_VIEW_DRIFT;
			diag[ndiag].format = dfmt[ndiag];
			diag[ndiag].path = eq + 1;
			ndiag++;
			continue;
		}
		if (strcmp(fmt, "json") == 0 ? write_json_file(ctx, report, eq + 1)
					     : rerender(ctx, report, inv, fmt, NULL, eq + 1))
			goto done;
	}
	if (ndiag && show_diagrams(ctx, report, inv, diag, ndiag))
		goto done;
	if (strcmp(format, "json") == 0) {
		json_dumpf(report, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else if (rerender(ctx, report, inv, format, stdout, NULL)) {
		goto done;
	}
	rc = 0;
done:
	json_decref(report);
	json_decref(inv);
	return rc;
}

/* The topology difference of two runs as a drift-style diagram. */
static int compare_diagram(dm_ctx *ctx, dm_history *h, const json_t *cmp, const cli_opts *o)
{
	long long a = json_integer_value(json_object_get(json_object_get(cmp, "run_a"), "id"));
	long long b = json_integer_value(json_object_get(json_object_get(cmp, "run_b"), "id"));
	json_t *ia = NULL, *ib = NULL;
	dm_inventory *before = NULL, *after = NULL;
	dm_graph *g = NULL;
	const dm_type_table *tables[32];
	dm_graph_output outs[CLI_MAX_LIST];
	char fmts[CLI_MAX_LIST][16];
	size_t i, n = 0;
	int rc = 1;

	if (!a || !b) {
		cli_error("history compare: the comparison names no runs to draw");
		return 1;
	}
	for (i = 0; i < o->outputs.n; i++) {
		const char *eq = strchr(o->outputs.v[i], '=');
		size_t l = eq ? (size_t)(eq - o->outputs.v[i]) : 0;
		if (!eq || !l || l >= sizeof(fmts[0]))
			continue;
		memcpy(fmts[n], o->outputs.v[i], l);
		fmts[n][l] = '\0';
		outs[n].view = DM_VIEW_DRIFT;
		outs[n].format = fmts[n];
		outs[n].path = eq + 1;
		n++;
	}
	if (dm_history_show(h, a, NULL, &ia) < 0 || dm_history_show(h, b, NULL, &ib) < 0)
		goto err;
	if (json_is_null(ia) || json_is_null(ib)) {
		cli_error("history compare: a run has no inventory snapshot to draw");
		goto done;
	}
	if (dm_inventory_from_json(&before, ctx, json_object_get(ia, "live"), "run A inventory") < 0 ||
	    dm_inventory_from_json(&after, ctx, json_object_get(ib, "live"), "run B inventory") < 0)
		goto err;
	if (dm_graph_build(&g, ctx, after, before, NULL, tables,
			   cli_type_tables(ctx, tables, sizeof(tables) / sizeof(tables[0])), NULL) < 0 ||
	    dm_graph_render_all(ctx, g, outs, n) < 0)
		goto err;
	rc = 0;
	goto done;
err:
	cli_error("%s", dm_ctx_last_error(ctx));
done:
	dm_graph_free(g);
	dm_inventory_free(before);
	dm_inventory_free(after);
	json_decref(ia);
	json_decref(ib);
	return rc;
}

int cmd_history(int argc, char **argv)
{
	cli_opts o;
	cli_list pos;
	dm_ctx *ctx = NULL;
	dm_history *h = NULL;
	dm_history_filter f;
	json_t *doc = NULL;
	const char *sub, *format;
	int k, rc = DM_EXIT_ERROR;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(history_help, stdout);
			return DM_EXIT_OK;
		}
	}
	if (cli_parse(argc, argv, &o, &pos, "history"))
		return DM_EXIT_ERROR;
	if (pos.n == 0) {
		cli_error("history: which one? list, show, compare, trend or prune (see --help)");
		return DM_EXIT_ERROR;
	}
	sub = pos.v[0];
	format = o.format ? o.format : "text";
	ctx = cli_ctx(&o);
	if (!ctx)
		return DM_EXIT_ERROR;
	if (cli_store_open(ctx, o.store, &h))
		goto done;
	if (fill_filter(ctx, &o, &f))
		goto done;
	if (strcmp(sub, "list") == 0) {
		if (dm_history_list(h, &f, &doc) < 0 || dm_history_write(ctx, doc, format, stdout) < 0)
			goto fail;
	} else if (strcmp(sub, "show") == 0) {
		if (pos.n != 2) {
			cli_error("history show: give one RUN (an id, latest or latest~N)");
			goto done;
		}
		if (history_show(ctx, h, &o, pos.v[1]))
			goto done;
	} else if (strcmp(sub, "compare") == 0) {
		unsigned flags = o.details ? DM_HISTORY_CMP_DETAILS : 0;
		if (pos.n == 3) {
			long long a, b;
			if (dm_history_resolve_run(h, &f, pos.v[1], &a) < 0 ||
			    dm_history_resolve_run(h, &f, pos.v[2], &b) < 0 ||
			    dm_history_compare(h, a, b, flags, &doc) < 0)
				goto fail;
		} else if (pos.n == 1 && o.since) {
			long long secs;
			if (dm_history_parse_duration(o.since, &secs) < 0) {
				cli_error("history: bad --since '%s'", o.since);
				goto done;
			}
			f.since = 0; /* --since is the comparison period here, not a list filter */
			if (dm_history_compare_since(h, &f, secs, flags, &doc) < 0)
				goto fail;
		} else {
			cli_error("history compare: give RUN_A RUN_B, or --since PERIOD");
			goto done;
		}
		if (o.outputs.n && compare_diagram(ctx, h, doc, &o))
			goto done;
		if (dm_history_write(ctx, doc, format, stdout) < 0)
			goto fail;
	} else if (strcmp(sub, "trend") == 0) {
		if (dm_history_trend(h, &f, &doc) < 0 || dm_history_write(ctx, doc, format, stdout) < 0)
			goto fail;
	} else if (strcmp(sub, "prune") == 0) {
		dm_history_prune_options po;
		size_t removed = 0;
		long long secs;
		char *end = NULL;
		unsigned long cnt;
		memset(&po, 0, sizeof(po));
		if (!o.keep) {
			cli_error("history prune: --keep 400d (an age) or --keep N (a count) is required");
			goto done;
		}
		cnt = strtoul(o.keep, &end, 10);
		if (end && *end == '\0' && cnt > 0)
			po.keep_count = cnt;
		else if (dm_history_parse_duration(o.keep, &secs) == 0)
			po.keep_seconds = secs;
		else {
			cli_error("history prune: bad --keep '%s' (e.g. 400d or 50)", o.keep);
			goto done;
		}
		po.dry_run = o.dry_run;
		if (dm_history_prune(h, &po, &removed) < 0)
			goto fail;
		printf("%s %zu run(s)\n", o.dry_run ? "would remove" : "removed", removed);
	} else {
		cli_error("history: unknown subcommand '%s' (list, show, compare, trend, prune)", sub);
		goto done;
	}
	rc = DM_EXIT_OK;
	goto done;
fail:
	cli_error("%s", dm_ctx_last_error(ctx));
done:
	json_decref(doc);
	dm_history_free(h);
	dm_ctx_free(ctx);
	return rc;
}
