/*
 * driftmap — history store, SQLite backend (the embedded default).
 *
 * WAL mode (readers never block the writer), a 30 s busy timeout (several
 * processes on one file), one IMMEDIATE transaction per run, findings
 * inserted through a prepared multi-row statement.
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "history_internal.h"

#define SQ_BATCH 64   /* rows per multi-row INSERT (11 parameters each) */
#define SQ_FCOLS 11

struct dm__hstore {
	dm_ctx *ctx;
	sqlite3 *db;
	const char *shown;
};

static const char *const sq_migrations[] = {
	/* 1: runs, findings */
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kind INTEGER NOT NULL,"
	" started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,"
	" source TEXT NOT NULL, accounts TEXT NOT NULL, regions TEXT NOT NULL,"
	" complete INTEGER NOT NULL, coverage REAL,"
	" findings INTEGER NOT NULL, drifted INTEGER NOT NULL,"
	" sev_info INTEGER NOT NULL, sev_low INTEGER NOT NULL, sev_medium INTEGER NOT NULL,"
	" sev_high INTEGER NOT NULL, sev_critical INTEGER NOT NULL,"
	" summary TEXT NOT NULL, sources TEXT NOT NULL, tool_version TEXT NOT NULL,"
	" report_len INTEGER NOT NULL, report_zlen INTEGER NOT NULL, report BLOB NOT NULL);"
	"CREATE INDEX runs_started ON runs(started_at);"
	"CREATE TABLE findings ("
	" run_id INTEGER NOT NULL, ord INTEGER NOT NULL,"
	" fingerprint TEXT NOT NULL, kind TEXT NOT NULL, severity INTEGER NOT NULL,"
	" type TEXT, resource_id TEXT, account TEXT, region TEXT,"
	" digest TEXT NOT NULL, suppressed INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, ord)) WITHOUT ROWID;"
	"CREATE INDEX findings_fp ON findings(fingerprint);",
	/* 2: the inventory snapshot */
	"ALTER TABLE runs ADD COLUMN inventory_len INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN inventory_zlen INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN inventory BLOB;",
};

static int sq_fail(dm__hstore *s, const char *what)
{
	return dm__error(s->ctx, DM_ESTORE, "history store %s: %s: %s", s->shown, what,
			 sqlite3_errmsg(s->db));
}

static int sq_connect(dm__hstore **out, dm_ctx *ctx, const char *target, const char *shown)
{
	dm__hstore *s = NULL;
	char *dir = NULL, *slash;
	char *err = NULL;
	int rc = 0;

	*out = NULL;
	if (!target[0])
		return dm__error(ctx, DM_ESTORE, "history store %s: empty SQLite path", shown);
	s = dm__calloc(1, sizeof(*s));
	if (!s)
		return dm__error(ctx, DM_ENOMEM, "out of memory");
	s->ctx = ctx;
	s->shown = shown;
	dir = dm__strdup(target);
	if (!dir) {
		rc = dm__error(ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (dm__mkdirs(ctx, dir) < 0) {
			rc = dm__error(ctx, DM_ESTORE, "history store %s: %s", shown,
				       dm_ctx_last_error(ctx));
			goto done;
		}
	}
	if (sqlite3_open_v2(target, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = s->db ? sq_fail(s, "cannot open")
			   : dm__error(ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_timeout(s->db, 30000);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;", NULL, NULL,
			 &err) != SQLITE_OK) {
		rc = dm__error(ctx, DM_ESTORE, "history store %s: cannot open: %s", shown,
			       err ? err : sqlite3_errmsg(s->db));
		goto done;
	}
	*out = s;
	s = NULL;
done:
	sqlite3_free(err);
	if (s) {
		sqlite3_close(s->db);
		free(s);
	}
	free(dir);
	return rc;
}

static void sq_disconnect(dm__hstore *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

static int sq_exec(dm__hstore *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, "statement failed");
	return 0;
}

static int sq_begin_exclusive(dm__hstore *s)
{
	return sq_exec(s, "BEGIN IMMEDIATE");
}

static int sq_commit(dm__hstore *s)
{
	return sq_exec(s, "COMMIT");
}

static void sq_rollback(dm__hstore *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_prepare(dm__hstore *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return sq_fail(s, "cannot prepare statement");
	return 0;
}

static int sq_schema_version(dm__hstore *s, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = 0;
	rc = sq_prepare(s, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &st);
	if (rc < 0)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		rc = sq_fail(s, "cannot read schema_version");
	sqlite3_finalize(st);
	return rc;
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bind_finding(sqlite3_stmt *st, int base, long long run_id, size_t ord,
			const dm__hfinding *f)
{
	int e = 0;

	e |= sqlite3_bind_int64(st, base + 1, run_id);
	e |= sqlite3_bind_int64(st, base + 2, (sqlite3_int64)ord);
	e |= bind_text(st, base + 3, f->fingerprint);
	e |= bind_text(st, base + 4, f->kind ? f->kind : "");
	e |= sqlite3_bind_int(st, base + 5, f->severity);
	e |= bind_text(st, base + 6, f->type);
	e |= bind_text(st, base + 7, f->resource_id);
	e |= bind_text(st, base + 8, f->account);
	e |= bind_text(st, base + 9, f->region);
	e |= bind_text(st, base + 10, f->digest ? f->digest : "");
	e |= sqlite3_bind_int(st, base + 11, f->suppressed);
	return e == SQLITE_OK ? 0 : -1;
}

static int prepare_findings_insert(dm__hstore *s, size_t rows, sqlite3_stmt **st)
{
	dm_buf b = DM_BUF_INIT;
	size_t i;
	int rc;

	rc = dm__buf_puts(&b, "INSERT INTO findings (run_id, ord, fingerprint, kind, severity, type,"
			      " resource_id, account, region, digest, suppressed) VALUES ");
	for (i = 0; rc == 0 && i < rows; i++)
		rc = dm__buf_puts(&b, i ? ",(?,?,?,?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?,?,?,?)");
	if (rc < 0)
		rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
	else
		rc = sq_prepare(s, b.ptr, st);
	dm__buf_free(&b);
	return rc;
}

static int sq_insert_run(dm__hstore *s, const dm__hrun *r, int with_inventory, dm__hblob report,
			 dm__hblob inventory, const dm__hfinding *f, size_t n, dm__history_hook hook,
			 void *hook_ud, long long *id)
{
	static const char run_v1[] =
		"INSERT INTO runs (kind, started_at, finished_at, recorded_at, source, accounts,"
		" regions, complete, coverage, findings, drifted, sev_info, sev_low, sev_medium,"
		" sev_high, sev_critical, summary, sources, tool_version, report_len, report_zlen,"
		" report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	static const char run_v2[] =
		"INSERT INTO runs (kind, started_at, finished_at, recorded_at, source, accounts,"
		" regions, complete, coverage, findings, drifted, sev_info, sev_low, sev_medium,"
		" sev_high, sev_critical, summary, sources, tool_version, report_len, report_zlen,"
		" report, inventory_len, inventory_zlen, inventory)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = NULL, *batch = NULL, *one = NULL;
	long long run_id;
	size_t i, j;
	int rc, e = 0, k;

	rc = sq_exec(s, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = sq_prepare(s, with_inventory ? run_v2 : run_v1, &st);
	if (rc < 0)
		goto done;
	e |= sqlite3_bind_int(st, 1, r->kind);
	e |= sqlite3_bind_int64(st, 2, r->started_at);
	e |= sqlite3_bind_int64(st, 3, r->finished_at);
	e |= sqlite3_bind_int64(st, 4, r->recorded_at);
	e |= bind_text(st, 5, r->source);
	e |= bind_text(st, 6, r->accounts);
	e |= bind_text(st, 7, r->regions);
	e |= sqlite3_bind_int(st, 8, r->complete);
	e |= r->has_coverage ? sqlite3_bind_double(st, 9, r->coverage) : sqlite3_bind_null(st, 9);
	e |= sqlite3_bind_int64(st, 10, r->findings);
	e |= sqlite3_bind_int64(st, 11, r->drifted);
	for (k = 0; k < 5; k++)
		e |= sqlite3_bind_int64(st, 12 + k, r->sev[k]);
	e |= bind_text(st, 17, r->summary);
	e |= bind_text(st, 18, r->sources);
	e |= bind_text(st, 19, r->tool_version);
	e |= sqlite3_bind_int64(st, 20, r->report_len);
	e |= sqlite3_bind_int64(st, 21, (sqlite3_int64)report.len);
	e |= sqlite3_bind_blob64(st, 22, report.data, report.len, SQLITE_STATIC);
	if (with_inventory) {
		e |= sqlite3_bind_int64(st, 23, r->inventory_len);
		e |= sqlite3_bind_int64(st, 24, (sqlite3_int64)inventory.len);
		e |= inventory.data ? sqlite3_bind_blob64(st, 25, inventory.data, inventory.len,
							  SQLITE_STATIC)
				    : sqlite3_bind_null(st, 25);
	}
	if (e != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		rc = sq_fail(s, "cannot insert run");
		goto done;
	}
	run_id = sqlite3_last_insert_rowid(s->db);

	if (n >= SQ_BATCH) {
		rc = prepare_findings_insert(s, SQ_BATCH, &batch);
		if (rc < 0)
			goto done;
	}
	rc = prepare_findings_insert(s, 1, &one);
	if (rc < 0)
		goto done;
	for (i = 0; i + SQ_BATCH <= n; i += SQ_BATCH) {
		for (j = 0; j < SQ_BATCH; j++)
			if (bind_finding(batch, (int)(j * SQ_FCOLS), run_id, i + j, &f[i + j]) < 0)
				e = 1;
		if (e || sqlite3_step(batch) != SQLITE_DONE) {
			rc = sq_fail(s, "cannot insert findings");
			goto done;
		}
		sqlite3_reset(batch);
	}
	for (; i < n; i++) {
		if (bind_finding(one, 0, run_id, i, &f[i]) < 0 || sqlite3_step(one) != SQLITE_DONE) {
			rc = sq_fail(s, "cannot insert findings");
			goto done;
		}
		sqlite3_reset(one);
	}
	if (hook)
		hook(hook_ud);
	rc = sq_exec(s, "COMMIT");
	if (rc == 0 && id)
		*id = run_id;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(batch);
	sqlite3_finalize(one);
	if (rc < 0)
		sq_rollback(s);
	return rc;
}

#define RUN_COLS                                                                                 \
	"id, kind, started_at, finished_at, recorded_at, source, accounts, regions, complete,"  \
	" coverage, findings, drifted, sev_info, sev_low, sev_medium, sev_high, sev_critical,"   \
	" summary, sources, tool_version, report_len, report_zlen, inventory_len, inventory_zlen"

static const char *col_str(sqlite3_stmt *st, int i, dm_arena *a)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? dm__arena_strdup(a, (const char *)t) : NULL;
}

static int read_run(sqlite3_stmt *st, dm_arena *a, dm__hrun *r)
{
	int k;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->kind = sqlite3_column_int(st, 1);
	r->started_at = sqlite3_column_int64(st, 2);
	r->finished_at = sqlite3_column_int64(st, 3);
	r->recorded_at = sqlite3_column_int64(st, 4);
	r->source = col_str(st, 5, a);
	r->accounts = col_str(st, 6, a);
	r->regions = col_str(st, 7, a);
	r->complete = sqlite3_column_int(st, 8);
	r->has_coverage = sqlite3_column_type(st, 9) != SQLITE_NULL;
	r->coverage = sqlite3_column_double(st, 9);
	r->findings = sqlite3_column_int64(st, 10);
	r->drifted = sqlite3_column_int64(st, 11);
	for (k = 0; k < 5; k++)
		r->sev[k] = sqlite3_column_int64(st, 12 + k);
	r->summary = col_str(st, 17, a);
	r->sources = col_str(st, 18, a);
	r->tool_version = col_str(st, 19, a);
	r->report_len = sqlite3_column_int64(st, 20);
	r->report_zlen = sqlite3_column_int64(st, 21);
	r->inventory_len = sqlite3_column_int64(st, 22);
	r->inventory_zlen = sqlite3_column_int64(st, 23);
	if (!r->source || !r->accounts || !r->regions || !r->summary || !r->sources ||
	    !r->tool_version)
		return DM_ENOMEM;
	return 0;
}

static int sq_list_runs(dm__hstore *s, int kind, long long since, long long until, dm_arena *a,
			dm__hrun **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	dm__hrun *v = NULL;
	size_t cap = 0, cnt = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	rc = sq_prepare(s,
			"SELECT " RUN_COLS " FROM runs WHERE (?1 = 0 OR kind = ?1)"
			" AND (?2 = 0 OR started_at >= ?2) AND (?3 = 0 OR started_at <= ?3)"
			" ORDER BY started_at DESC, id DESC",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (dm__grow((void **)&v, &cap, cnt + 1, sizeof(*v)) < 0 ||
		    read_run(st, a, &v[cnt]) < 0) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
		cnt++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, "cannot list runs");
		goto done;
	}
	*out = v;
	*n = cnt;
	v = NULL;
done:
	free(v);
	sqlite3_finalize(st);
	return rc;
}

static int sq_get_run(dm__hstore *s, long long id, dm_arena *a, dm__hrun *out)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	rc = sq_prepare(s, "SELECT " RUN_COLS " FROM runs WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		if (read_run(st, a, out) < 0)
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
	} else if (step == SQLITE_DONE) {
		rc = dm__error(s->ctx, DM_ENOTFOUND, "history store %s: no run %lld", s->shown, id);
	} else {
		rc = sq_fail(s, "cannot read run");
	}
	sqlite3_finalize(st);
	return rc;
}

static int sq_load_findings(dm__hstore *s, long long run_id, dm_arena *a, dm__hfinding **out,
			    size_t *n)
{
	sqlite3_stmt *st = NULL;
	dm__hfinding *v = NULL;
	size_t cap = 0, cnt = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	rc = sq_prepare(s,
			"SELECT fingerprint, kind, severity, type, resource_id, account, region,"
			" digest, suppressed FROM findings WHERE run_id = ? ORDER BY ord",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		dm__hfinding *f;
		if (dm__grow((void **)&v, &cap, cnt + 1, sizeof(*v)) < 0) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
		f = &v[cnt++];
		f->fingerprint = col_str(st, 0, a);
		f->kind = col_str(st, 1, a);
		f->severity = sqlite3_column_int(st, 2);
		f->type = col_str(st, 3, a);
		f->resource_id = col_str(st, 4, a);
		f->account = col_str(st, 5, a);
		f->region = col_str(st, 6, a);
		f->digest = col_str(st, 7, a);
		f->suppressed = sqlite3_column_int(st, 8);
		if (!f->fingerprint || !f->kind || !f->digest) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, "cannot read findings");
		goto done;
	}
	*out = v;
	*n = cnt;
	v = NULL;
done:
	free(v);
	sqlite3_finalize(st);
	return rc;
}

static int sq_get_blob(dm__hstore *s, long long run_id, int which, unsigned char **data,
		       size_t *len)
{
	sqlite3_stmt *st = NULL;
	const void *p;
	int rc, step, bytes;

	*data = NULL;
	*len = 0;
	rc = sq_prepare(s, which ? "SELECT inventory FROM runs WHERE id = ?"
				 : "SELECT report FROM runs WHERE id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = dm__error(s->ctx, DM_ENOTFOUND, "history store %s: no run %lld", s->shown,
			       run_id);
		goto done;
	}
	if (step != SQLITE_ROW) {
		rc = sq_fail(s, "cannot read run document");
		goto done;
	}
	p = sqlite3_column_blob(st, 0);
	bytes = sqlite3_column_bytes(st, 0);
	if (p && bytes > 0) {
		*data = malloc((size_t)bytes);
		if (!*data) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
		memcpy(*data, p, (size_t)bytes);
		*len = (size_t)bytes;
	}
done:
	sqlite3_finalize(st);
	return rc;
}

static int sq_delete_runs(dm__hstore *s, const long long *ids, size_t n)
{
	sqlite3_stmt *df = NULL, *dr = NULL;
	size_t i;
	int rc;

	rc = sq_exec(s, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = sq_prepare(s, "DELETE FROM findings WHERE run_id = ?", &df);
	if (rc == 0)
		rc = sq_prepare(s, "DELETE FROM runs WHERE id = ?", &dr);
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_int64(df, 1, ids[i]);
		sqlite3_bind_int64(dr, 1, ids[i]);
		if (sqlite3_step(df) != SQLITE_DONE || sqlite3_step(dr) != SQLITE_DONE)
			rc = sq_fail(s, "cannot delete run");
		sqlite3_reset(df);
		sqlite3_reset(dr);
	}
	sqlite3_finalize(df);
	sqlite3_finalize(dr);
	if (rc == 0)
		rc = sq_exec(s, "COMMIT");
	if (rc < 0) {
		sq_rollback(s);
		return rc;
	}
	/* give the space back to the WAL checkpoint; best effort */
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return 0;
}

static int sq_first_seen(dm__hstore *s, const char *const *fps, size_t n, long long *when)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	rc = sq_exec(s, "BEGIN");
	if (rc < 0)
		return rc;
	rc = sq_prepare(s,
			"SELECT MIN(r.started_at) FROM findings f JOIN runs r ON r.id = f.run_id"
			" WHERE f.fingerprint = ?",
			&st);
	for (i = 0; rc == 0 && i < n; i++) {
		when[i] = 0;
		bind_text(st, 1, fps[i] ? fps[i] : "");
		if (sqlite3_step(st) != SQLITE_ROW) {
			rc = sq_fail(s, "cannot query first-seen");
			break;
		}
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			when[i] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return sq_exec(s, "COMMIT");
	sq_rollback(s);
	return rc;
}

static int sq_store_size(dm__hstore *s, long long *bytes)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*bytes = 0;
	rc = sq_prepare(s,
			"SELECT (SELECT page_count FROM pragma_page_count()) *"
			" (SELECT page_size FROM pragma_page_size())",
			&st);
	if (rc < 0)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*bytes = sqlite3_column_int64(st, 0);
	else
		rc = sq_fail(s, "cannot read store size");
	sqlite3_finalize(st);
	return rc;
}

static const dm__history_ops sqlite_ops = {
	"sqlite",
	sq_migrations,
	sizeof(sq_migrations) / sizeof(sq_migrations[0]),
	sq_connect,
	sq_disconnect,
	sq_begin_exclusive,
	sq_commit,
	sq_rollback,
	sq_exec,
	sq_schema_version,
	sq_insert_run,
	sq_list_runs,
	sq_get_run,
	sq_load_findings,
	sq_get_blob,
	sq_delete_runs,
	sq_first_seen,
	sq_store_size,
};

const dm__history_ops *dm__history_sqlite_backend(void)
{
	return &sqlite_ops;
}
