/* driftmap CLI — shared declarations. The CLI uses only the public API. */
#ifndef DM_CLI_H
#define DM_CLI_H

#include <stdio.h>
#include "driftmap/driftmap.h"

/* Exit codes (DESIGN.md): the one place results become exit codes. */
enum {
	DM_EXIT_OK = 0,         /* scanned, no drift */
	DM_EXIT_ERROR = 1,      /* bad input, nothing trustworthy */
	DM_EXIT_DRIFT = 2,      /* drift found (posture: findings at/above --fail-on) */
	DM_EXIT_INCOMPLETE = 3  /* no drift found but some scope failed */
};

#define CLI_MAX_LIST 64

typedef struct cli_list {
	const char *v[CLI_MAX_LIST];
	size_t n;
} cli_list;

/** Options shared by scan, diagram, posture and inventory. */
typedef struct cli_opts {
	cli_list states;      /* --state */
	cli_list providers;   /* --provider */
	cli_list regions;     /* --region */
	cli_list profiles;    /* --profile */
	cli_list outputs;     /* --output F=PATH */
	cli_list plugins;     /* --plugin */
	cli_list options;     /* --provider-option k=v */
	cli_list filters_vpc, filters_type, filters_tag; /* diagram filters */
	const char *format;
	const char *ignore;
	const char *live;
	const char *save_live;
	const char *store;
	const char *view;
	const char *focus;
	const char *config;
	const char *mute;
	const char *framework;
	const char *fail_on;
	const char *cache_dir;
	const char *kind;       /* history filters */
	const char *source;
	const char *account;
	const char *since;
	const char *until;
	const char *keep;
	int dry_run;
	int details;
	unsigned concurrency;
	int depth;
	int no_color;
	int quiet;
	int verbose;
} cli_opts;

int cli_list_push(cli_list *l, const char *v);
/** Parse the shared flags from argv; positional args collected in pos. Returns 0 or prints an error and returns 1. */
int cli_parse(int argc, char **argv, cli_opts *o, cli_list *pos, const char *cmd);
/** Print a one-line error "driftmap: …" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Context with logging to stderr per the flags, plugins loaded. NULL on failure (error printed). */
dm_ctx *cli_ctx(const cli_opts *o);

/** Load every --state into one inventory. */
int cli_load_states(dm_ctx *ctx, const cli_opts *o, dm_inventory **out);
/** Load --live or collect from providers; apply --save-live. */
int cli_load_live(dm_ctx *ctx, const cli_opts *o, const dm_inventory *state, dm_inventory **out);
/**
 * Both inputs: cli_load_states, then cli_load_live. With --live FILE the two
 * files are read on two threads (they are independent); a provider
 * collection waits for the state (it reads only attributes the state holds).
 */
int cli_load_inputs(dm_ctx *ctx, const cli_opts *o, dm_inventory **state, dm_inventory **live);
/** Milliseconds on a monotonic clock (phase timings). */
double cli_now_ms(void);
/*
 * Whether a command frees its big structures (inventories, drift, posture
 * results) before it returns from main. They are plain memory, and the exit
 * releases them at no cost, where freeing them node by node takes ~4 ms per
 * 1,000 resources. Leak-checking builds (ASan) and DM_FREE_AT_EXIT=1 (for
 * valgrind) free them, so a leak anywhere else still shows.
 */
int cli_free_at_exit(void);
/** With --verbose: "driftmap: debug: …" on stderr. */
void cli_debug(const cli_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Does this run write FMT (on stdout as `format`, or through an --output FMT=PATH)? */
int cli_wants_format(const cli_opts *o, const char *format, const char *fmt);
struct dm_graph;
/**
 * Render one view of a graph to SVG text (the overview page when the drawing
 * is paged), through a temporary directory. NULL when it cannot be drawn (the
 * context error says why). Caller frees.
 */
char *cli_graph_svg(dm_ctx *ctx, const struct dm_graph *g, int view);

/** Type tables of every registered provider. */
size_t cli_type_tables(dm_ctx *ctx, const dm_type_table **tables, size_t max);

int cmd_scan(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_providers(int argc, char **argv);
int cmd_diagram(int argc, char **argv);
int cmd_posture(int argc, char **argv);
int cmd_ignore(int argc, char **argv);
int cmd_history(int argc, char **argv);
/** --store: record into the history store; 0 ok, 1 error printed. */
struct dm_history;
int cli_store_open(dm_ctx *ctx, const char *url, struct dm_history **out);

#endif
