/*
 * driftmap — history store, PostgreSQL backend (libpq) for teams sharing
 * one history across CI runners.
 *
 * Each run is its own transaction (run row with RETURNING id, findings by
 * COPY FROM STDIN); concurrent writers never wait for each other except on
 * migrations, which take a transaction-level advisory lock. A writer that
 * dies before COMMIT leaves nothing: the server rolls the transaction back
 * when the connection drops.
 */
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "history_internal.h"

#define PG_LOCK_KEY "7355608210" /* advisory lock: driftmap migrations */
#define PG_COPY_CHUNK ((size_t)1 << 20)
#define PG_FS_CHUNK 200000       /* fingerprints per first-seen query */

struct dm__hstore {
	dm_ctx *ctx;
	PGconn *conn;
	const char *shown;
};

static const char *const pg_migrations[] = {
	/* 1: runs, findings */
	"CREATE TABLE runs ("
	" id BIGSERIAL PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL,"
	" source TEXT NOT NULL, accounts TEXT NOT NULL, regions TEXT NOT NULL,"
	" complete INTEGER NOT NULL, coverage DOUBLE PRECISION,"
	" findings BIGINT NOT NULL, drifted BIGINT NOT NULL,"
	" sev_info BIGINT NOT NULL, sev_low BIGINT NOT NULL, sev_medium BIGINT NOT NULL,"
	" sev_high BIGINT NOT NULL, sev_critical BIGINT NOT NULL,"
	" summary TEXT NOT NULL, sources TEXT NOT NULL, tool_version TEXT NOT NULL,"
	" report_len BIGINT NOT NULL, report_zlen BIGINT NOT NULL, report BYTEA NOT NULL);"
	"CREATE INDEX runs_started ON runs(started_at);"
	"CREATE TABLE findings ("
	" run_id BIGINT NOT NULL, ord INTEGER NOT NULL,"
	" fingerprint TEXT NOT NULL, kind TEXT NOT NULL, severity INTEGER NOT NULL,"
	" type TEXT, resource_id TEXT, account TEXT, region TEXT,"
	" digest TEXT NOT NULL, suppressed INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, ord));"
	"CREATE INDEX findings_fp ON findings(fingerprint);",
	/* 2: the inventory snapshot */
	"ALTER TABLE runs ADD COLUMN inventory_len BIGINT NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN inventory_zlen BIGINT NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN inventory BYTEA;",
};

static int pg_fail(dm__hstore *s, const char *what, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : NULL;

	if (!msg || !msg[0])
		msg = PQerrorMessage(s->conn);
	return dm__error(s->ctx, DM_ESTORE, "history store %s: %s: %s", s->shown, what, msg);
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_connect(dm__hstore **out, dm_ctx *ctx, const char *target, const char *shown)
{
	/* defaults before "dbname" (the URL overrides them) */
	const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *const vals[] = {"10", "driftmap", target, NULL};
	dm__hstore *s;
	PGresult *res = NULL;
	int rc = 0;

	*out = NULL;
	s = dm__calloc(1, sizeof(*s));
	if (!s)
		return dm__error(ctx, DM_ENOMEM, "out of memory");
	s->ctx = ctx;
	s->shown = shown;
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (!s->conn) {
		rc = dm__error(ctx, DM_ENOMEM, "out of memory");
		goto done;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		rc = dm__error(ctx, DM_ESTORE, "history store %s: cannot connect: %s", shown,
			       PQerrorMessage(s->conn));
		goto done;
	}
	PQsetNoticeProcessor(s->conn, quiet_notices, NULL);
	res = PQexec(s->conn, "SET client_min_messages = warning");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(s, "cannot configure the session", res);
		goto done;
	}
	*out = s;
	s = NULL;
done:
	PQclear(res);
	if (s) {
		PQfinish(s->conn);
		free(s);
	}
	return rc;
}

static void pg_disconnect(dm__hstore *s)
{
	if (!s)
		return;
	PQfinish(s->conn);
	free(s);
}

static int pg_exec(dm__hstore *s, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = pg_fail(s, "statement failed", res);
	PQclear(res);
	return rc;
}

static int pg_begin_exclusive(dm__hstore *s)
{
	return pg_exec(s, "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")");
}

static int pg_commit(dm__hstore *s)
{
	return pg_exec(s, "COMMIT");
}

static void pg_rollback(dm__hstore *s)
{
	PGresult *res;

	if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(s->conn, "ROLLBACK");
	PQclear(res);
}

static int pg_schema_version(dm__hstore *s, int *out)
{
	PGresult *res = PQexec(s->conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
	long long v = 0;
	int rc = 0;

	*out = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    dm__parse_ll(PQgetvalue(res, 0, 0), &v) < 0)
		rc = pg_fail(s, "cannot read schema_version", res);
	else
		*out = (int)v;
	PQclear(res);
	return rc;
}

/* COPY text format: \N for NULL, backslash escapes for \ tab newline CR. */
static int copy_field(dm_buf *b, const char *v, int last)
{
	int rc = 0;

	if (!v) {
		rc = dm__buf_put(b, "\\N", 2);
	} else {
		const char *p = v, *run = v;
		for (; rc == 0 && *p; p++) {
			const char *esc = NULL;
			switch (*p) {
			case '\\': esc = "\\\\"; break;
			case '\t': esc = "\\t"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			default: break;
			}
			if (esc) {
				rc = dm__buf_put(b, run, (size_t)(p - run));
				if (rc == 0)
					rc = dm__buf_puts(b, esc);
				run = p + 1;
			}
		}
		if (rc == 0)
			rc = dm__buf_put(b, run, (size_t)(p - run));
	}
	if (rc == 0)
		rc = dm__buf_putc(b, last ? '\n' : '\t');
	return rc;
}

static int copy_findings(dm__hstore *s, long long run_id, const dm__hfinding *f, size_t n)
{
	dm_buf b = DM_BUF_INIT;
	PGresult *res = NULL;
	size_t i;
	int rc = 0;

	res = PQexec(s->conn, "COPY findings (run_id, ord, fingerprint, kind, severity, type,"
			      " resource_id, account, region, digest, suppressed) FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = pg_fail(s, "cannot insert findings", res);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	dm__buf_init(&b, PG_COPY_CHUNK * 2);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = dm__buf_printf(&b, "%lld\t%zu\t", run_id, i);
		if (rc == 0)
			rc = copy_field(&b, f[i].fingerprint, 0);
		if (rc == 0)
			rc = copy_field(&b, f[i].kind ? f[i].kind : "", 0);
		if (rc == 0)
			rc = dm__buf_printf(&b, "%d\t", f[i].severity);
		if (rc == 0)
			rc = copy_field(&b, f[i].type, 0);
		if (rc == 0)
			rc = copy_field(&b, f[i].resource_id, 0);
		if (rc == 0)
			rc = copy_field(&b, f[i].account, 0);
		if (rc == 0)
			rc = copy_field(&b, f[i].region, 0);
		if (rc == 0)
			rc = copy_field(&b, f[i].digest ? f[i].digest : "", 0);
		if (rc == 0)
			rc = dm__buf_printf(&b, "%d\n", f[i].suppressed);
		if (rc < 0) {
			rc = dm__error(s->ctx, rc, "history store %s: a finding is too large",
				       s->shown);
			break;
		}
		if (b.len >= PG_COPY_CHUNK || i + 1 == n) {
			if (PQputCopyData(s->conn, b.ptr, (int)b.len) != 1) {
				rc = pg_fail(s, "cannot insert findings", NULL);
				break;
			}
			dm__buf_reset(&b);
		}
	}
	dm__buf_free(&b);
	if (PQputCopyEnd(s->conn, rc < 0 ? "driftmap: aborted" : NULL) != 1 && rc == 0)
		rc = pg_fail(s, "cannot insert findings", NULL);
	while ((res = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
			rc = pg_fail(s, "cannot insert findings", res);
		PQclear(res);
	}
	return rc;
}

static int pg_insert_run(dm__hstore *s, const dm__hrun *r, int with_inventory, dm__hblob report,
			 dm__hblob inventory, const dm__hfinding *f, size_t n, dm__history_hook hook,
			 void *hook_ud, long long *id)
{
	static const char run_sql[] =
		"INSERT INTO runs (kind, started_at, finished_at, recorded_at, source, accounts,"
		" regions, complete, coverage, findings, drifted, sev_info, sev_low, sev_medium,"
		" sev_high, sev_critical, summary, sources, tool_version, report_len, report_zlen,"
		" report, inventory_len, inventory_zlen, inventory) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,"
		"$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25) RETURNING id";
	/* v1 stores (tests of the migration path) have no inventory columns */
	static const char run_sql_v1[] =
		"INSERT INTO runs (kind, started_at, finished_at, recorded_at, source, accounts,"
		" regions, complete, coverage, findings, drifted, sev_info, sev_low, sev_medium,"
		" sev_high, sev_critical, summary, sources, tool_version, report_len, report_zlen,"
		" report) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,"
		"$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22) RETURNING id";
	enum { NP = 25 };
	char num[NP][32];
	const char *vals[NP];
	int lens[NP] = {0}, fmts[NP] = {0};
	PGresult *res = NULL;
	long long run_id = 0;
	int rc, k, np = with_inventory ? NP : 22;

	snprintf(num[0], sizeof(num[0]), "%d", r->kind);
	snprintf(num[1], sizeof(num[1]), "%lld", r->started_at);
	snprintf(num[2], sizeof(num[2]), "%lld", r->finished_at);
	snprintf(num[3], sizeof(num[3]), "%lld", r->recorded_at);
	vals[0] = num[0];
	vals[1] = num[1];
	vals[2] = num[2];
	vals[3] = num[3];
	vals[4] = r->source;
	vals[5] = r->accounts;
	vals[6] = r->regions;
	snprintf(num[7], sizeof(num[7]), "%d", r->complete);
	vals[7] = num[7];
	snprintf(num[8], sizeof(num[8]), "%.17g", r->coverage);
	vals[8] = r->has_coverage ? num[8] : NULL;
	snprintf(num[9], sizeof(num[9]), "%lld", r->findings);
	vals[9] = num[9];
	snprintf(num[10], sizeof(num[10]), "%lld", r->drifted);
	vals[10] = num[10];
	for (k = 0; k < 5; k++) {
		snprintf(num[11 + k], sizeof(num[11 + k]), "%lld", r->sev[k]);
		vals[11 + k] = num[11 + k];
	}
	vals[16] = r->summary;
	vals[17] = r->sources;
	vals[18] = r->tool_version;
	snprintf(num[19], sizeof(num[19]), "%lld", r->report_len);
	vals[19] = num[19];
	snprintf(num[20], sizeof(num[20]), "%zu", report.len);
	vals[20] = num[20];
	vals[21] = (const char *)report.data;
	lens[21] = (int)report.len;
	fmts[21] = 1;
	snprintf(num[22], sizeof(num[22]), "%lld", r->inventory_len);
	vals[22] = num[22];
	snprintf(num[23], sizeof(num[23]), "%zu", inventory.len);
	vals[23] = num[23];
	vals[24] = (const char *)inventory.data;
	lens[24] = (int)inventory.len;
	fmts[24] = 1;
	if (report.len > 0x7fffffff || inventory.len > 0x7fffffff)
		return dm__error(s->ctx, DM_ETOOBIG, "history store %s: run document above 2 GiB",
				 s->shown);

	rc = pg_exec(s, "BEGIN");
	if (rc < 0)
		return rc;
	res = PQexecParams(s->conn, with_inventory ? run_sql : run_sql_v1, np, NULL, vals, lens, fmts, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    dm__parse_ll(PQgetvalue(res, 0, 0), &run_id) < 0) {
		rc = pg_fail(s, "cannot insert run", res);
		goto done;
	}
	rc = copy_findings(s, run_id, f, n);
	if (rc < 0)
		goto done;
	if (hook)
		hook(hook_ud);
	rc = pg_exec(s, "COMMIT");
	if (rc == 0 && id)
		*id = run_id;
done:
	PQclear(res);
	if (rc < 0)
		pg_rollback(s);
	return rc;
}

#define RUN_COLS                                                                                 \
	"id, kind, started_at, finished_at, recorded_at, source, accounts, regions, complete,"  \
	" coverage, findings, drifted, sev_info, sev_low, sev_medium, sev_high, sev_critical,"   \
	" summary, sources, tool_version, report_len, report_zlen, inventory_len, inventory_zlen"

static long long ll_at(const PGresult *res, int row, int col)
{
	long long v = 0;

	if (dm__parse_ll(PQgetvalue(res, row, col), &v) < 0)
		v = 0;
	return v;
}

static const char *str_at(const PGresult *res, int row, int col, dm_arena *a)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return dm__arena_strdup(a, PQgetvalue(res, row, col));
}

static int read_run(const PGresult *res, int row, dm_arena *a, dm__hrun *r)
{
	int k;

	memset(r, 0, sizeof(*r));
	r->id = ll_at(res, row, 0);
	r->kind = (int)ll_at(res, row, 1);
	r->started_at = ll_at(res, row, 2);
	r->finished_at = ll_at(res, row, 3);
	r->recorded_at = ll_at(res, row, 4);
	r->source = str_at(res, row, 5, a);
	r->accounts = str_at(res, row, 6, a);
	r->regions = str_at(res, row, 7, a);
	r->complete = (int)ll_at(res, row, 8);
	r->has_coverage = !PQgetisnull(res, row, 9);
	r->coverage = r->has_coverage ? strtod(PQgetvalue(res, row, 9), NULL) : 0.0;
	r->findings = ll_at(res, row, 10);
	r->drifted = ll_at(res, row, 11);
	for (k = 0; k < 5; k++)
		r->sev[k] = ll_at(res, row, 12 + k);
	r->summary = str_at(res, row, 17, a);
	r->sources = str_at(res, row, 18, a);
	r->tool_version = str_at(res, row, 19, a);
	r->report_len = ll_at(res, row, 20);
	r->report_zlen = ll_at(res, row, 21);
	r->inventory_len = ll_at(res, row, 22);
	r->inventory_zlen = ll_at(res, row, 23);
	if (!r->source || !r->accounts || !r->regions || !r->summary || !r->sources ||
	    !r->tool_version)
		return DM_ENOMEM;
	return 0;
}

static int pg_list_runs(dm__hstore *s, int kind, long long since, long long until, dm_arena *a,
			dm__hrun **out, size_t *n)
{
	char p[3][32];
	const char *vals[3] = {p[0], p[1], p[2]};
	PGresult *res;
	dm__hrun *v = NULL;
	int i, rows, rc = 0;

	*out = NULL;
	*n = 0;
	snprintf(p[0], sizeof(p[0]), "%d", kind);
	snprintf(p[1], sizeof(p[1]), "%lld", since);
	snprintf(p[2], sizeof(p[2]), "%lld", until);
	res = PQexecParams(s->conn,
			   "SELECT " RUN_COLS " FROM runs WHERE ($1::int = 0 OR kind = $1::int)"
			   " AND ($2::bigint = 0 OR started_at >= $2::bigint)"
			   " AND ($3::bigint = 0 OR started_at <= $3::bigint)"
			   " ORDER BY started_at DESC, id DESC",
			   3, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_fail(s, "cannot list runs", res);
		goto done;
	}
	rows = PQntuples(res);
	if (rows > 0) {
		v = dm__calloc((size_t)rows, sizeof(*v));
		if (!v) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (i = 0; i < rows; i++) {
		if (read_run(res, i, a, &v[i]) < 0) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
	}
	*out = v;
	*n = (size_t)rows;
	v = NULL;
done:
	free(v);
	PQclear(res);
	return rc;
}

static int pg_get_run(dm__hstore *s, long long id, dm_arena *a, dm__hrun *out)
{
	char p[32];
	const char *vals[1] = {p};
	PGresult *res;
	int rc = 0;

	snprintf(p, sizeof(p), "%lld", id);
	res = PQexecParams(s->conn, "SELECT " RUN_COLS " FROM runs WHERE id = $1::bigint", 1, NULL,
			   vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(s, "cannot read run", res);
	else if (PQntuples(res) != 1)
		rc = dm__error(s->ctx, DM_ENOTFOUND, "history store %s: no run %lld", s->shown, id);
	else if (read_run(res, 0, a, out) < 0)
		rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
	PQclear(res);
	return rc;
}

static int pg_load_findings(dm__hstore *s, long long run_id, dm_arena *a, dm__hfinding **out,
			    size_t *n)
{
	char p[32];
	const char *vals[1] = {p};
	PGresult *res;
	dm__hfinding *v = NULL;
	int i, rows, rc = 0;

	*out = NULL;
	*n = 0;
	snprintf(p, sizeof(p), "%lld", run_id);
	res = PQexecParams(s->conn,
			   "SELECT fingerprint, kind, severity, type, resource_id, account, region,"
			   " digest, suppressed FROM findings WHERE run_id = $1::bigint ORDER BY ord",
			   1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_fail(s, "cannot read findings", res);
		goto done;
	}
	rows = PQntuples(res);
	if (rows > 0) {
		v = dm__calloc((size_t)rows, sizeof(*v));
		if (!v) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (i = 0; i < rows; i++) {
		dm__hfinding *f = &v[i];
		f->fingerprint = str_at(res, i, 0, a);
		f->kind = str_at(res, i, 1, a);
		f->severity = (int)ll_at(res, i, 2);
		f->type = str_at(res, i, 3, a);
		f->resource_id = str_at(res, i, 4, a);
		f->account = str_at(res, i, 5, a);
		f->region = str_at(res, i, 6, a);
		f->digest = str_at(res, i, 7, a);
		f->suppressed = (int)ll_at(res, i, 8);
		if (!f->fingerprint || !f->kind || !f->digest) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
	}
	*out = v;
	*n = (size_t)rows;
	v = NULL;
done:
	free(v);
	PQclear(res);
	return rc;
}

static int pg_get_blob(dm__hstore *s, long long run_id, int which, unsigned char **data,
		       size_t *len)
{
	char p[32];
	const char *vals[1] = {p};
	PGresult *res;
	int rc = 0, bytes;

	*data = NULL;
	*len = 0;
	snprintf(p, sizeof(p), "%lld", run_id);
	res = PQexecParams(s->conn,
			   which ? "SELECT inventory FROM runs WHERE id = $1::bigint"
				 : "SELECT report FROM runs WHERE id = $1::bigint",
			   1, NULL, vals, NULL, NULL, 1 /* binary */);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_fail(s, "cannot read run document", res);
		goto done;
	}
	if (PQntuples(res) != 1) {
		rc = dm__error(s->ctx, DM_ENOTFOUND, "history store %s: no run %lld", s->shown,
			       run_id);
		goto done;
	}
	if (PQgetisnull(res, 0, 0))
		goto done;
	bytes = PQgetlength(res, 0, 0);
	if (bytes > 0) {
		*data = malloc((size_t)bytes);
		if (!*data) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			goto done;
		}
		memcpy(*data, PQgetvalue(res, 0, 0), (size_t)bytes);
		*len = (size_t)bytes;
	}
done:
	PQclear(res);
	return rc;
}

static int pg_delete_runs(dm__hstore *s, const long long *ids, size_t n)
{
	dm_buf b = DM_BUF_INIT;
	const char *vals[1];
	PGresult *res = NULL;
	size_t i;
	int rc = 0;

	if (n == 0)
		return 0;
	rc = dm__buf_putc(&b, '{');
	for (i = 0; rc == 0 && i < n; i++)
		rc = dm__buf_printf(&b, i ? ",%lld" : "%lld", ids[i]);
	if (rc == 0)
		rc = dm__buf_putc(&b, '}');
	if (rc < 0) {
		dm__buf_free(&b);
		return dm__error(s->ctx, rc, "history store %s: too many runs to delete", s->shown);
	}
	vals[0] = b.ptr;
	rc = pg_exec(s, "BEGIN");
	if (rc < 0)
		goto done;
	res = PQexecParams(s->conn, "DELETE FROM findings WHERE run_id = ANY($1::bigint[])", 1,
			   NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(s, "cannot delete runs", res);
		goto done;
	}
	PQclear(res);
	res = PQexecParams(s->conn, "DELETE FROM runs WHERE id = ANY($1::bigint[])", 1, NULL, vals,
			   NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(s, "cannot delete runs", res);
		goto done;
	}
	rc = pg_exec(s, "COMMIT");
done:
	PQclear(res);
	dm__buf_free(&b);
	if (rc < 0)
		pg_rollback(s);
	return rc;
}

/* Array literal {"a","b"}; fingerprints are hex but quote and escape anyway. */
static int array_literal(dm_buf *b, const char *const *fps, size_t n)
{
	size_t i;
	int rc = dm__buf_putc(b, '{');

	for (i = 0; rc == 0 && i < n; i++) {
		const char *p = fps[i] ? fps[i] : "";
		rc = dm__buf_puts(b, i ? ",\"" : "\"");
		for (; rc == 0 && *p; p++) {
			if (*p == '"' || *p == '\\')
				rc = dm__buf_putc(b, '\\');
			if (rc == 0)
				rc = dm__buf_putc(b, *p);
		}
		if (rc == 0)
			rc = dm__buf_putc(b, '"');
	}
	if (rc == 0)
		rc = dm__buf_putc(b, '}');
	return rc;
}

static int pg_first_seen(dm__hstore *s, const char *const *fps, size_t n, long long *when)
{
	dm_buf b = DM_BUF_INIT;
	dm_strmap *m = NULL;
	PGresult *res = NULL;
	size_t i, off;
	int rc = 0;

	for (i = 0; i < n; i++)
		when[i] = 0;
	for (off = 0; off < n && rc == 0; off += PG_FS_CHUNK) {
		size_t cnt = n - off < PG_FS_CHUNK ? n - off : PG_FS_CHUNK;
		const char *vals[1];
		int r, rows;

		dm__buf_reset(&b);
		if (array_literal(&b, fps + off, cnt) < 0) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			break;
		}
		vals[0] = b.ptr;
		res = PQexecParams(s->conn,
				   cnt < 64 ? "SELECT f.fingerprint, MIN(r.started_at) FROM findings f"
					      " JOIN runs r ON r.id = f.run_id"
					      " WHERE f.fingerprint = ANY($1::text[]) GROUP BY f.fingerprint"
					    : "SELECT u.fp, MIN(r.started_at) FROM"
					      " (SELECT DISTINCT unnest($1::text[]) AS fp) u"
					      " JOIN findings f ON f.fingerprint = u.fp"
					      " JOIN runs r ON r.id = f.run_id GROUP BY u.fp",
				   1, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			rc = pg_fail(s, "cannot query first-seen", res);
			break;
		}
		rows = PQntuples(res);
		rc = dm__strmap_new(&m, (size_t)rows + 1);
		if (rc < 0) {
			rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
			break;
		}
		for (r = 0; r < rows && rc == 0; r++)
			if (dm__strmap_put(m, PQgetvalue(res, r, 0), (void *)(intptr_t)(r + 1)) < 0)
				rc = dm__error(s->ctx, DM_ENOMEM, "out of memory");
		for (i = 0; i < cnt && rc == 0; i++) {
			const char *fp = fps[off + i] ? fps[off + i] : "";
			/* values are row index + 1 */
			intptr_t row = (intptr_t)dm__strmap_get(m, fp);
			if (row > 0)
				when[off + i] = ll_at(res, (int)(row - 1), 1);
		}
		dm__strmap_free(m);
		m = NULL;
		PQclear(res);
		res = NULL;
	}
	dm__strmap_free(m);
	PQclear(res);
	dm__buf_free(&b);
	return rc;
}

static int pg_store_size(dm__hstore *s, long long *bytes)
{
	PGresult *res = PQexec(s->conn,
			       "SELECT pg_total_relation_size('runs') +"
			       " pg_total_relation_size('findings') +"
			       " pg_total_relation_size('schema_version')");
	int rc = 0;

	*bytes = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = pg_fail(s, "cannot read store size", res);
	else
		*bytes = ll_at(res, 0, 0);
	PQclear(res);
	return rc;
}

static const dm__history_ops pg_ops = {
	"postgres",
	pg_migrations,
	sizeof(pg_migrations) / sizeof(pg_migrations[0]),
	pg_connect,
	pg_disconnect,
	pg_begin_exclusive,
	pg_commit,
	pg_rollback,
	pg_exec,
	pg_schema_version,
	pg_insert_run,
	pg_list_runs,
	pg_get_run,
	pg_load_findings,
	pg_get_blob,
	pg_delete_runs,
	pg_first_seen,
	pg_store_size,
};

const dm__history_ops *dm__history_pg_backend(void)
{
	return &pg_ops;
}
