/*
 * driftmap — history store internals: the backend vtable shared by
 * history_sqlite.c and history_pg.c, and the rows they exchange with
 * history.c (record, migrations, queries) and history_render.c.
 */
#ifndef DM_HISTORY_INTERNAL_H
#define DM_HISTORY_INTERNAL_H

#include "internal.h"
#include "driftmap/history.h"

/** Hard limit of one stored document (uncompressed). */
#define DM__HISTORY_MAX_DOC ((size_t)1 << 30)

/** One run row (strings owned by an arena or borrowed, see the function). */
typedef struct dm__hrun {
	long long id;
	int kind;                /* dm_history_kind */
	long long started_at, finished_at, recorded_at;
	const char *source;      /* source key */
	const char *accounts;    /* ",111,222," */
	const char *regions;     /* ",us-east-1,eu-west-1," */
	int complete;
	int has_coverage;
	double coverage;
	long long findings;      /* rows stored */
	long long drifted;       /* drift: unmanaged+missing+changed; posture: unmuted findings */
	long long sev[5];        /* unsuppressed findings by dm_severity */
	const char *summary;     /* JSON text of the report's summary */
	const char *sources;     /* JSON text of the report's sources */
	const char *tool_version;
	long long report_len;    /* uncompressed sizes; report_zlen/inventory_zlen compressed */
	long long report_zlen;
	long long inventory_len; /* 0: no snapshot */
	long long inventory_zlen;
} dm__hrun;

typedef struct dm__hfinding {
	const char *fingerprint;
	const char *kind;        /* drift kind or posture rule id */
	int severity;            /* dm_severity */
	const char *type;
	const char *resource_id;
	const char *account;
	const char *region;
	const char *digest;      /* 16 hex: sha256 prefix of the canonical finding JSON */
	int suppressed;          /* ignored (drift) / muted (posture) */
} dm__hfinding;

typedef struct dm__hstore dm__hstore; /* backend connection */

/** A compressed document. */
typedef struct dm__hblob {
	const unsigned char *data;
	size_t len;
} dm__hblob;

typedef void (*dm__history_hook)(void *ud);

typedef struct dm__history_ops {
	const char *name;                         /* "sqlite", "postgres" */
	const char *const *migrations;            /* migrations[v-1] upgrades v-1 -> v */
	size_t nmigrations;
	int (*connect)(dm__hstore **out, dm_ctx *ctx, const char *target, const char *shown);
	void (*disconnect)(dm__hstore *s);
	/* migrations: begin an exclusive transaction (serialised between processes) */
	int (*begin_exclusive)(dm__hstore *s);
	int (*commit)(dm__hstore *s);
	void (*rollback)(dm__hstore *s);
	int (*exec)(dm__hstore *s, const char *sql);
	int (*schema_version)(dm__hstore *s, int *out); /* 0 when the table is empty */
	/* one transaction: run + findings; hook (may be NULL) runs before COMMIT */
	int (*insert_run)(dm__hstore *s, const dm__hrun *run, int with_inventory, dm__hblob report,
			  dm__hblob inventory, const dm__hfinding *f, size_t n, dm__history_hook hook,
			  void *hook_ud, long long *id);
	/* runs of kind (0 any) with since <= started_at <= until (0 open), newest first */
	int (*list_runs)(dm__hstore *s, int kind, long long since, long long until, dm_arena *a,
			 dm__hrun **out, size_t *n);
	/* one run; DM_ENOTFOUND when absent */
	int (*get_run)(dm__hstore *s, long long id, dm_arena *a, dm__hrun *out);
	int (*load_findings)(dm__hstore *s, long long run_id, dm_arena *a, dm__hfinding **out,
			     size_t *n);
	/* which: 0 report, 1 inventory; *data malloc'd (NULL, len 0 when absent) */
	int (*get_blob)(dm__hstore *s, long long run_id, int which, unsigned char **data, size_t *len);
	int (*delete_runs)(dm__hstore *s, const long long *ids, size_t n);
	int (*first_seen)(dm__hstore *s, const char *const *fps, size_t n, long long *when);
	int (*store_size)(dm__hstore *s, long long *bytes);
} dm__history_ops;

/* The backends' static const tables. */
const dm__history_ops *dm__history_sqlite_backend(void);
const dm__history_ops *dm__history_pg_backend(void);

struct dm_history {
	dm_ctx *ctx;
	const dm__history_ops *ops;
	dm__hstore *store;
	char *url_shown;
	int version;
	dm__history_hook before_commit; /* tests: simulate a crash mid-write */
	void *hook_ud;
};

/** Open migrating only up to max_version (tests: build a v1 store). */
int dm__history_open_version(dm_history **out, dm_ctx *ctx, const char *url, int max_version);
/** Tests: call hook after the rows are written and before COMMIT. */
void dm__history_set_hook(dm_history *h, dm__history_hook hook, void *ud);

/* history_render.c */
int dm__history_write_list(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out);
int dm__history_write_compare(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out);
int dm__history_write_trend(dm_ctx *ctx, const json_t *doc, const char *format, FILE *out);

#endif
