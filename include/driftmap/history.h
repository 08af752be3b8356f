/*
 * driftmap — the history store: runs of `scan --store` / `posture --store`
 * recorded in SQLite (default) or PostgreSQL, and the queries over them
 * (list, show, compare, trend, prune, first-seen).
 *
 * URLs:  sqlite:PATH            a file (created with its directory; WAL mode)
 *        postgres://…, postgresql://…   libpq connection URI
 *        NULL                   sqlite:$XDG_DATA_HOME/driftmap/history.db, else
 *                               sqlite:~/.local/share/driftmap/history.db
 * The schema is versioned (table schema_version); dm_history_open() applies
 * the missing migrations in one transaction (serialised between processes).
 *
 * A run is recorded in ONE transaction: the run row, one row per finding
 * (fingerprint, kind or rule, severity, type, resource id, account, region,
 * a digest of the finding JSON) and two zlib-compressed documents: the whole
 * JSON report of the run (driftmap.report/v1 or driftmap.posture/v1, the
 * finding JSON lives there) and the inventory snapshot
 * (drift: {"live": inventory, "state": inventory}; posture: {"live": …}, each
 * in the driftmap.inventory/v1 form). A killed writer leaves no visible run.
 *
 * Query results are JSON documents (new references, caller decrefs) with a
 * "schema" member: driftmap.history.list/v1, driftmap.history.compare/v1,
 * driftmap.history.trend/v1 (shapes in docs/history.md).
 * dm_history_write() renders any of them as text, json or csv (trend also
 * svg: a self-contained chart, no script).
 *
 * Errors: DM_ESTORE (bad or unsupported URL, database error, unreachable
 * server: the message is one line naming the store, password masked),
 * DM_EINVAL (bad argument, bad run spec, runs of different kinds),
 * DM_ENOTFOUND (run id not in the store), DM_EVERSION (store written by a newer
 * driftmap), DM_ENOMEM, DM_ETOOBIG (document above the hard limit).
 *
 * Ownership: dm_history_open() gives the caller a handle freed with
 * dm_history_free() (NULL accepted). The handle borrows the context; one
 * handle is used by one thread at a time.
 */
#ifndef DRIFTMAP_HISTORY_H
#define DRIFTMAP_HISTORY_H

#include <stdio.h>
#include <jansson.h>
#include "common.h"
#include "diff.h"
#include "posture.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The schema version this build writes (migrations 1..N). */
#define DM_HISTORY_SCHEMA_VERSION 2

#define DM_HISTORY_LIST_SCHEMA "driftmap.history.list/v1"
#define DM_HISTORY_COMPARE_SCHEMA "driftmap.history.compare/v1"
#define DM_HISTORY_TREND_SCHEMA "driftmap.history.trend/v1"

typedef enum dm_history_kind {
	DM_HISTORY_ANY = 0,     /* filters only */
	DM_HISTORY_DRIFT = 1,   /* scan */
	DM_HISTORY_POSTURE = 2  /* posture */
} dm_history_kind;

typedef struct dm_history dm_history;

/** The default URL ("sqlite:" + data dir path). *out is the caller's (free()). */
int dm_history_default_url(dm_ctx *ctx, char **out);
/** Open (and create/migrate) the store at URL (NULL: the default). */
int dm_history_open(dm_history **out, dm_ctx *ctx, const char *url);
void dm_history_free(dm_history *h);
/** "sqlite" or "postgres". */
const char *dm_history_backend(const dm_history *h);
/** The URL with any password replaced by "***" (for messages). Borrowed. */
const char *dm_history_url(const dm_history *h);
/** Schema version of the store after open. */
int dm_history_schema_version(const dm_history *h);

/* ---- recording ------------------------------------------------------------ */

/** Record a scan: the JSON report of d, the live and state inventories. */
int dm_history_record_drift(dm_history *h, const dm_drift *d, long long *run_id);
/** Record a posture review: its JSON document and the live inventory. */
int dm_history_record_posture(dm_history *h, const dm_posture *p, long long *run_id);
/**
 * Record from documents: REPORT is a driftmap.report/v1 (kind DRIFT) or
 * driftmap.posture/v1 (kind POSTURE) document; INVENTORY (may be NULL) the
 * snapshot object. Findings are read from report "drift" + "ignored" (drift)
 * or "findings" (posture). run_id may be NULL.
 */
int dm_history_record_json(dm_history *h, dm_history_kind kind, const json_t *report,
			   const json_t *inventory, long long *run_id);

/* ---- queries ------------------------------------------------------------- */

typedef struct dm_history_filter {
	dm_history_kind kind;   /* DM_HISTORY_ANY: both */
	const char *source;     /* substring of the run's source key (state URIs, else provider/account) */
	const char *account;    /* exact account id among the run's accounts */
	long long since;        /* started_at >= since (Unix seconds); 0: open */
	long long until;        /* started_at <= until; 0: open */
} dm_history_filter;

/** Runs matching f (NULL: all), newest first, and the store size. */
int dm_history_list(dm_history *h, const dm_history_filter *f, json_t **out);
/**
 * The stored report document (*report) and inventory snapshot (*inventory,
 * JSON null when the run has none: recorded before schema v2). Either out
 * pointer may be NULL. The CLI re-renders JSON directly and other formats by
 * loading the inventories (dm_inventory_from_json) and re-running
 * dm_diff()/dm_posture_run().
 */
int dm_history_show(dm_history *h, long long run_id, json_t **report, json_t **inventory);
/** Resolve "42", "latest" or "latest~N" (N runs before the newest) within f. */
int dm_history_resolve_run(dm_history *h, const dm_history_filter *f, const char *spec,
			   long long *run_id);

/** compare flags */
enum {
	DM_HISTORY_CMP_DETAILS = 1u << 0  /* posture: segmentation pairs opened/closed;
					     both: topology added/removed (needs the inventory snapshots) */
};

/**
 * Findings new / resolved / changed (same fingerprint, different content)
 * from run A to run B, summary deltas, severity deltas and the coverage
 * series of the runs of B's kind and source between A and B. A and B must be
 * of the same kind (DM_EINVAL).
 */
int dm_history_compare(dm_history *h, long long run_a, long long run_b, unsigned flags,
		       json_t **out);
/**
 * `compare --since 90d`: B = the newest run matching f; A = the newest run
 * of the same kind and source that started at or before (B - period), else
 * the oldest run of that kind and source. DM_ENOTFOUND when f matches no run.
 */
int dm_history_compare_since(dm_history *h, const dm_history_filter *f, long long period_seconds,
			     unsigned flags, json_t **out);
/** Per run (oldest first) of f: drifted, coverage, findings by severity. */
int dm_history_trend(dm_history *h, const dm_history_filter *f, json_t **out);

typedef struct dm_history_prune_options {
	long long keep_seconds; /* delete runs older than now - keep_seconds (0: no age rule) */
	size_t keep_count;      /* keep the newest N runs (0: no count rule) */
	long long now;          /* 0: time(NULL) */
	int dry_run;            /* count only */
} dm_history_prune_options;

/**
 * Delete runs by age and/or count, always keeping the newest run of each
 * (kind, source). *removed (may be NULL) receives the number of runs deleted.
 */
int dm_history_prune(dm_history *h, const dm_history_prune_options *o, size_t *removed);

/**
 * Earliest started_at of a run holding FINGERPRINT; *when = 0 when none (a
 * finding new in the run being reported).
 */
int dm_history_first_seen(dm_history *h, const char *fingerprint, long long *when);
/** Batch form: when[i] for fps[i] (0 when never seen). */
int dm_history_first_seen_many(dm_history *h, const char *const *fps, size_t n, long long *when);

/* ---- rendering and parsing ------------------------------------------------ */

/**
 * Render a list/compare/trend document in FORMAT: "text", "json", "csv", and
 * for trend also "svg". DM_EINVAL for an unknown format or document.
 */
int dm_history_write(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out);
/** The trend chart as an inline SVG string (no script, no external resource). Caller frees. */
char *dm_history_trend_svg(const json_t *trend);
/** "90d", "12w", "24h", "30m", "45s", "400d" → seconds. 0 or DM_EINVAL. */
int dm_history_parse_duration(const char *s, long long *seconds);
const char *dm_history_kind_name(dm_history_kind k); /* "drift", "posture", "any" */
int dm_history_kind_parse(const char *s, dm_history_kind *out);

#ifdef __cplusplus
}
#endif
#endif
