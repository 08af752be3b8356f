/* driftmap CLI — shared flag parsing, context set-up, state and live loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>
#include <errno.h>
#include <dirent.h>
#include <pthread.h>
#include <time.h>
#include "cli.h"
#include "driftmap/graph.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("driftmap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_list_push(cli_list *l, const char *v)
{
	if (l->n >= CLI_MAX_LIST) {
		cli_error("too many values (at most %d per flag)", CLI_MAX_LIST);
		return 1;
	}
	l->v[l->n++] = v;
	return 0;
}

enum opt_kind { OPT_LIST, OPT_STR, OPT_FLAG, OPT_UINT, OPT_INT };

struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t offset;
};

#define OFF(f) offsetof(cli_opts, f)
static const struct opt_def opt_defs[] = {
	{"state", OPT_LIST, OFF(states)},
	{"provider", OPT_LIST, OFF(providers)},
	{"region", OPT_LIST, OFF(regions)},
	{"profile", OPT_LIST, OFF(profiles)},
	{"output", OPT_LIST, OFF(outputs)},
	{"plugin", OPT_LIST, OFF(plugins)},
	{"provider-option", OPT_LIST, OFF(options)},
	{"vpc", OPT_LIST, OFF(filters_vpc)},
	{"type", OPT_LIST, OFF(filters_type)},
	{"tag", OPT_LIST, OFF(filters_tag)},
	{"format", OPT_STR, OFF(format)},
	{"ignore", OPT_STR, OFF(ignore)},
	{"live", OPT_STR, OFF(live)},
	{"save-live", OPT_STR, OFF(save_live)},
	{"store", OPT_STR, OFF(store)},
	{"view", OPT_STR, OFF(view)},
	{"focus", OPT_STR, OFF(focus)},
	{"config", OPT_STR, OFF(config)},
	{"mute", OPT_STR, OFF(mute)},
	{"framework", OPT_STR, OFF(framework)},
	{"fail-on", OPT_STR, OFF(fail_on)},
	{"cache-dir", OPT_STR, OFF(cache_dir)},
	{"kind", OPT_STR, OFF(kind)},
	{"source", OPT_STR, OFF(source)},
	{"account", OPT_STR, OFF(account)},
	{"since", OPT_STR, OFF(since)},
	{"until", OPT_STR, OFF(until)},
	{"keep", OPT_STR, OFF(keep)},
	{"dry-run", OPT_FLAG, OFF(dry_run)},
	{"details", OPT_FLAG, OFF(details)},
	{"concurrency", OPT_UINT, OFF(concurrency)},
	{"depth", OPT_INT, OFF(depth)},
	{"no-color", OPT_FLAG, OFF(no_color)},
	{"quiet", OPT_FLAG, OFF(quiet)},
	{"verbose", OPT_FLAG, OFF(verbose)},
};

int cli_parse(int argc, char **argv, cli_opts *o, cli_list *pos, const char *cmd)
{
	int i;
	size_t k;

	memset(o, 0, sizeof(*o));
	o->depth = 1;
	if (pos)
		memset(pos, 0, sizeof(*pos));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *val = NULL, *eq;
		char namebuf[64];
		const struct opt_def *d = NULL;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (!pos) {
				cli_error("%s: unexpected argument '%s'", cmd, a);
				return 1;
			}
			if (cli_list_push(pos, a))
				return 1;
			continue;
		}
		name = a + 2;
		eq = strchr(name, '=');
		if (eq) {
			size_t n = (size_t)(eq - name);
			if (n >= sizeof(namebuf)) {
				cli_error("%s: unknown option '%s'", cmd, a);
				return 1;
			}
			memcpy(namebuf, name, n);
			namebuf[n] = '\0';
			name = namebuf;
			val = eq + 1;
		}
		for (k = 0; k < sizeof(opt_defs) / sizeof(opt_defs[0]); k++) {
			if (strcmp(opt_defs[k].name, name) == 0) {
				d = &opt_defs[k];
				break;
			}
		}
		if (!d) {
			cli_error("%s: unknown option '--%s' (see 'driftmap %s --help')", cmd, name, cmd);
			return 1;
		}
		if (d->kind == OPT_FLAG) {
			if (val) {
				cli_error("%s: option '--%s' takes no value", cmd, name);
				return 1;
			}
			*(int *)((char *)o + d->offset) = 1;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				cli_error("%s: option '--%s' needs a value", cmd, name);
				return 1;
			}
			val = argv[++i];
		}
		switch (d->kind) {
		case OPT_LIST:
			if (cli_list_push((cli_list *)((char *)o + d->offset), val))
				return 1;
			break;
		case OPT_STR:
			*(const char **)((char *)o + d->offset) = val;
			break;
		case OPT_UINT:
		case OPT_INT: {
			char *end = NULL;
			long v;
			errno = 0;
			v = strtol(val, &end, 10);
			if (errno || !end || *end || v < 0 || v > 100000) {
				cli_error("%s: option '--%s' needs a number, got '%s'", cmd, name, val);
				return 1;
			}
			if (d->kind == OPT_UINT)
				*(unsigned *)((char *)o + d->offset) = (unsigned)v;
			else
				*(int *)((char *)o + d->offset) = (int)v;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

static void log_stderr(dm_log_level level, const char *msg, void *ud)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	(void)ud;
	fprintf(stderr, "driftmap: %s: %s\n", names[level <= DM_LOG_DEBUG ? level : 0], msg);
}

dm_ctx *cli_ctx(const cli_opts *o)
{
	dm_ctx *ctx = NULL;
	dm_log_level lvl = DM_LOG_WARN;
	size_t i;

	if (dm_ctx_new(&ctx) < 0) {
		cli_error("cannot initialise (out of memory or library init failed)");
		return NULL;
	}
	if (o->quiet)
		lvl = DM_LOG_ERROR;
	else if (o->verbose)
		lvl = DM_LOG_DEBUG;
	else if (isatty(STDERR_FILENO))
		lvl = DM_LOG_INFO;
	dm_ctx_set_log(ctx, log_stderr, NULL, lvl);
	if (o->cache_dir && dm_ctx_set_cache_dir(ctx, o->cache_dir) < 0)
		goto fail;
	if (dm_providers_load_env(ctx) < 0)
		goto fail;
	for (i = 0; i < o->plugins.n; i++) {
		if (dm_providers_load_plugin(ctx, o->plugins.v[i]) < 0)
			goto fail;
	}
	return ctx;
fail:
	cli_error("%s", dm_ctx_last_error(ctx));
	dm_ctx_free(ctx);
	return NULL;
}

int cli_load_states(dm_ctx *ctx, const cli_opts *o, dm_inventory **out)
{
	dm_inventory *inv = NULL;
	size_t i;

	*out = NULL;
	if (dm_inventory_new(&inv) < 0) {
		cli_error("out of memory");
		return 1;
	}
	for (i = 0; i < o->states.n; i++) {
		if (dm_state_load(inv, ctx, o->states.v[i]) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			dm_inventory_free(inv);
			return 1;
		}
	}
	*out = inv;
	return 0;
}

int cli_load_live(dm_ctx *ctx, const cli_opts *o, const dm_inventory *state, dm_inventory **out)
{
	dm_inventory *live = NULL;
	dm_collect_options co;

	*out = NULL;
	if (o->live) {
		if (dm_inventory_load_json(&live, ctx, o->live) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			return 1;
		}
	} else {
		memset(&co, 0, sizeof(co));
		co.providers = o->providers.v;
		co.nproviders = o->providers.n;
		co.regions = o->regions.v;
		co.nregions = o->regions.n;
		co.profiles = o->profiles.v;
		co.nprofiles = o->profiles.n;
		co.concurrency = o->concurrency;
		co.option_kv = o->options.v;
		co.noptions = o->options.n;
		if (dm_collect_live(&live, ctx, &co, state) < 0) {
			cli_error("%s", dm_ctx_last_error(ctx));
			return 1;
		}
	}
	if (o->save_live && dm_inventory_save_json(live, ctx, o->save_live) < 0) {
		cli_error("%s", dm_ctx_last_error(ctx));
		dm_inventory_free(live);
		return 1;
	}
	*out = live;
	return 0;
}

double cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cli_free_at_exit(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 1;
#else
	const char *v = getenv("DM_FREE_AT_EXIT");

	return v && *v && strcmp(v, "0") != 0;
#endif
}

void cli_debug(const cli_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->verbose)
		return;
	fputs("driftmap: debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct live_job {
	const cli_opts *o;
	dm_inventory *live;
	int rc;
};

static void *live_thread(void *arg)
{
	struct live_job *j = arg;
	dm_ctx *ctx = NULL;

	/* a context of its own: error messages are per context */
	if (dm_ctx_new(&ctx) < 0) {
		cli_error("cannot initialise (out of memory or library init failed)");
		j->rc = 1;
		return NULL;
	}
	j->rc = cli_load_live(ctx, j->o, NULL, &j->live);
	dm_ctx_free(ctx);
	return NULL;
}

int cli_load_inputs(dm_ctx *ctx, const cli_opts *o, dm_inventory **state, dm_inventory **live)
{
	struct live_job j;
	pthread_t th;
	int rc;

	*state = *live = NULL;
	memset(&j, 0, sizeof(j));
	j.o = o;
	if (!o->live || pthread_create(&th, NULL, live_thread, &j) != 0) {
		/* a collection reads the state first (or no thread): one after the other */
		if (cli_load_states(ctx, o, state))
			return 1;
		return cli_load_live(ctx, o, *state, live);
	}
	rc = cli_load_states(ctx, o, state);
	pthread_join(th, NULL);
	*live = j.live;
	return rc || j.rc;
}

size_t cli_type_tables(dm_ctx *ctx, const dm_type_table **tables, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < dm_providers_count(ctx) && n < max; i++) {
		const dm_type_table *t = dm_provider_types(dm_providers_at(ctx, i));
		if (t)
			tables[n++] = t;
	}
	return n;
}

int cli_wants_format(const cli_opts *o, const char *format, const char *fmt)
{
	size_t i, n = strlen(fmt);

	if (format && strcmp(format, fmt) == 0)
		return 1;
	for (i = 0; i < o->outputs.n; i++) {
		if (strncmp(o->outputs.v[i], fmt, n) == 0 && o->outputs.v[i][n] == '=')
			return 1;
	}
	return 0;
}

/* Remove a temporary directory of rendered pages. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static char *read_small_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf)
			buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

char *cli_graph_svg(dm_ctx *ctx, const struct dm_graph *g, int view)
{
	char dir[] = "/tmp/driftmap-svg.XXXXXX", path[4200];
	char *svg = NULL;

	if (!g || !mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/diagram.svg", dir);
	if (dm_graph_render(ctx, g, (dm_graph_view)view, "svg", path) == 0) {
		svg = read_small_file(path);
		if (!svg) {
			snprintf(path, sizeof(path), "%s/diagram-overview.svg", dir);
			svg = read_small_file(path);
		}
	}
	remove_dir(dir);
	return svg;
}
